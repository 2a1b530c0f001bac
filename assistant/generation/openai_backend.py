"""Bring-your-own LLM: a generator backend for any OpenAI-compatible chat-completions server.

Ollama (``http://127.0.0.1:11434/v1``), llama.cpp's servers (``llama-server`` or ``python -m llama_cpp.server``),
vLLM and LM Studio all serve ``POST /v1/chat/completions`` with server-sent events when ``"stream": true``. This
backend sends the same grounding prompt as the built-in generators (:func:`chat_messages`) and streams the text
pieces back, so the answerer's citation filter and extractive fallback apply unchanged.

Every way the server can fail becomes a :class:`GenerationUnavailable` whose message says what to fix: the server
is down, the model name is unknown (the models the server does list are named), the key is refused, no data came
within the timeout, or the stream is not OpenAI's chat-completion format. Only ``httpx`` is needed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from mlnotes.assistant.generation.transformers_backend import (
    AnswerShaper,
    GenerationUnavailable,
    chat_messages,
    shaped,
)

__all__ = ["OpenAICompatGenerator", "chat_completions_url", "from_settings", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 60.0
_SSE_FIELDS = ("event:", "id:", "retry:")


def chat_completions_url(url: str) -> str:
    """The chat-completions endpoint for a server URL given as ``http://host:port``, ``.../v1`` or the endpoint."""
    base = (url or "").strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise GenerationUnavailable(f"MLNOTES_LLM_URL must start with http:// or https:// (got {url!r}); for "
                                    "example http://127.0.0.1:11434/v1 for Ollama")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return base + "/chat/completions"
    return base + "/v1/chat/completions"


def _snippet(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + "..."


def _server_message(body: str) -> str:
    """The error message an OpenAI-style server put in its body (``{"error": {"message": ...}}`` and variants)."""
    try:
        data = json.loads(body)
    except ValueError:
        return _snippet(body)
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err.get("msg") or json.dumps(err)
        if isinstance(err, list):  # FastAPI validation errors
            err = "; ".join(str(e.get("msg", e)) if isinstance(e, dict) else str(e) for e in err)
        if err:
            return _snippet(str(err))
    return _snippet(body)


class OpenAICompatGenerator:
    """Streams a grounded answer from an OpenAI-compatible server (``generate`` yields text pieces).

    ``timeout`` bounds the connection and every wait for the next piece of the stream; ``total_timeout`` (default
    five times ``timeout``) bounds one whole answer, so a server that trickles forever is stopped too.
    ``extra_body`` adds fields to each request (sampling options only some servers know, such as ``top_k``).
    ``shape`` applies the same post-rules as the built-in transformers generator (:class:`AnswerShaper`: stop on an
    echoed passage list or a repeated line, attach ``[n]`` to an uncited sentence copied from passage n).
    """

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 total_timeout: float | None = None, few_shot: bool = True, temperature: float = 0.0,
                 extra_body: dict[str, Any] | None = None, shape: bool = True) -> None:
        if not model or not str(model).strip():
            raise GenerationUnavailable("MLNOTES_LLM_MODEL must name the model the server serves (for example "
                                        "llama3.2:3b for Ollama, or the model path vLLM was started with)")
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise GenerationUnavailable(f"MLNOTES_LLM_TIMEOUT must be a number of seconds (got {timeout!r})") from None
        if not timeout > 0:
            raise GenerationUnavailable(f"MLNOTES_LLM_TIMEOUT must be positive (got {timeout})")
        self.url = str(url).strip().rstrip("/")
        self.endpoint = chat_completions_url(self.url)
        self.models_url = self.endpoint[: -len("/chat/completions")] + "/models"
        self.model = str(model).strip()
        self.api_key = api_key or None
        self.timeout = timeout
        self.total_timeout = float(total_timeout) if total_timeout else 5 * timeout
        self.few_shot = few_shot
        self.temperature = temperature
        self.extra_body = dict(extra_body or {})  # server-specific sampling fields, e.g. {"top_k": 1}
        self.shape = shape  # the built-in generators' AnswerShaper rules (echo/loop stop, citation attachment)
        self.name = f"{self.model} via {self.url} (OpenAI-compatible)"
        self.last_tokens = 0
        self.last_finish_reason: str | None = None

    # ------------------------------------------------------------------------------------------- helpers

    def _headers(self) -> dict[str, str]:
        h = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def _client(self) -> httpx.Client:
        # trust_env=False: no proxy from the environment sits between us and a (usually local) server
        return httpx.Client(timeout=httpx.Timeout(self.timeout), trust_env=False)

    def list_models(self) -> list[str]:
        """The model ids the server lists at ``/v1/models`` (raises GenerationUnavailable when it cannot say)."""
        try:
            with self._client() as client:
                r = client.get(self.models_url, headers=self._headers())
        except httpx.TimeoutException:
            raise GenerationUnavailable(self._timeout_message()) from None
        except httpx.HTTPError as exc:
            raise GenerationUnavailable(self._unreachable_message(exc)) from None
        if r.status_code != 200:
            raise self._status_error(r.status_code, r.text, probe_models=False)
        try:
            data = r.json()["data"]
            return [str(m["id"]) for m in data]
        except (ValueError, KeyError, TypeError):
            raise GenerationUnavailable(f"{self.models_url} did not return an OpenAI model list: "
                                        f"{_snippet(r.text)}") from None

    def check(self) -> None:
        """Fail early and clearly: the server answers, accepts the key and lists the configured model.

        A server without ``/v1/models`` (HTTP 404 or 405 there) is accepted; the first answer will tell.
        """
        try:
            models = self.list_models()
        except GenerationUnavailable as exc:
            if "HTTP 404" in str(exc) or "HTTP 405" in str(exc):
                return
            raise
        if models and self.model not in models:
            raise GenerationUnavailable(self._unknown_model_message(models))

    def _unknown_model_message(self, models: list[str] | None) -> str:
        listed = f"; it serves: {', '.join(models[:20])}" if models else ""
        return (f"the server at {self.url} does not know the model {self.model!r}{listed}. Set MLNOTES_LLM_MODEL "
                "to one of its models (Ollama: `ollama pull NAME` first)")

    def _unreachable_message(self, exc: Exception) -> str:
        return (f"cannot reach the OpenAI-compatible server at {self.url} ({type(exc).__name__}: {_snippet(exc)}). "
                "Is it running? Check MLNOTES_LLM_URL")

    def _timeout_message(self) -> str:
        return (f"the server at {self.url} sent nothing for {self.timeout:g} s (model {self.model!r}); it may be "
                "overloaded or still loading the model. Raise MLNOTES_LLM_TIMEOUT or use a smaller model")

    def _status_error(self, status: int, body: str, probe_models: bool = True) -> GenerationUnavailable:
        msg = _server_message(body)
        if status in (401, 403):
            return GenerationUnavailable(f"the server at {self.url} refused the request (HTTP {status}: {msg}); "
                                         "check MLNOTES_LLM_API_KEY")
        if status in (400, 404, 422):
            models = None
            if probe_models:
                try:
                    models = self.list_models()
                except GenerationUnavailable:
                    models = None
            if (models is not None and self.model not in models) or "model" in msg.lower():
                return GenerationUnavailable(self._unknown_model_message(models) + f" (HTTP {status}: {msg})")
            if status == 404:
                return GenerationUnavailable(f"{self.endpoint} is not a chat-completions endpoint (HTTP 404: {msg}); "
                                             "MLNOTES_LLM_URL should be the server's base URL, e.g. "
                                             "http://127.0.0.1:8000/v1")
            return GenerationUnavailable(f"the server at {self.url} rejected the request (HTTP {status}: {msg})")
        return GenerationUnavailable(f"the server at {self.url} failed (HTTP {status}: {msg})")

    def _garbage(self, what: str) -> GenerationUnavailable:
        return GenerationUnavailable(f"the server at {self.url} did not stream OpenAI chat-completion chunks "
                                     f"({what}); is MLNOTES_LLM_URL an OpenAI-compatible server?")

    def _content(self, data: Any, stream: bool) -> tuple[str | None, str | None]:
        """(text piece, finish reason) of one chunk; raises on a chunk that is not a chat-completion chunk."""
        if not isinstance(data, dict):
            raise self._garbage(f"a chunk that is not a JSON object: {_snippet(json.dumps(data))}")
        if "error" in data:
            raise GenerationUnavailable(f"the server at {self.url} reported an error mid-answer: "
                                        f"{_server_message(json.dumps(data))}")
        choices = data.get("choices")
        if not isinstance(choices, list):
            raise self._garbage(f"a chunk without 'choices': {_snippet(json.dumps(data))}")
        if not choices:  # e.g. a final usage-only chunk
            return None, None
        choice = choices[0]
        if not isinstance(choice, dict):
            raise self._garbage(f"a choice that is not an object: {_snippet(json.dumps(choice))}")
        part = choice.get("delta" if stream else "message") or {}
        if not isinstance(part, dict):
            raise self._garbage(f"a delta that is not an object: {_snippet(json.dumps(part))}")
        text = part.get("content")
        if text is not None and not isinstance(text, str):
            raise self._garbage(f"content that is not text: {_snippet(json.dumps(text))}")
        return text, choice.get("finish_reason")

    # ----------------------------------------------------------------------------------------- interface

    def generate(self, question: str, passages: list[str], max_new_tokens: int = 256) -> Iterator[str]:
        msgs = chat_messages(question, passages, self.few_shot)
        if not self.shape:
            yield from self.generate_messages(msgs, max_new_tokens)
            return
        yield from shaped(self.generate_messages(msgs, max_new_tokens), AnswerShaper(passages))

    def generate_messages(self, messages: list[dict[str, str]], max_new_tokens: int = 256) -> Iterator[str]:
        """Yield the answer's text pieces as the server streams them (raises GenerationUnavailable on failure)."""
        self.last_tokens = 0
        self.last_finish_reason = None
        payload = {"model": self.model, "messages": messages, "max_tokens": int(max_new_tokens),
                   "temperature": self.temperature, "stream": True, **self.extra_body}
        deadline = time.monotonic() + self.total_timeout
        try:
            with self._client() as client, client.stream("POST", self.endpoint, json=payload,
                                                         headers=self._headers()) as r:
                if r.status_code != 200:
                    r.read()
                    raise self._status_error(r.status_code, r.text)
                ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype == "application/json":  # a server that ignores "stream": one complete JSON answer
                    r.read()
                    try:
                        data = r.json()
                    except ValueError:
                        raise self._garbage(f"a body that is not JSON: {_snippet(r.text)}") from None
                    text, self.last_finish_reason = self._content(data, stream=False)
                    if not text:
                        raise self._garbage(f"an answer without text: {_snippet(r.text)}")
                    self.last_tokens = 1
                    yield text
                    return
                done = False
                for line in r.iter_lines():
                    if time.monotonic() > deadline:
                        raise GenerationUnavailable(
                            f"the answer from {self.url} took longer than {self.total_timeout:g} s in all; "
                            "raise MLNOTES_LLM_TIMEOUT or use a smaller model")
                    line = line.strip()
                    if not line or line.startswith(":") or line.startswith(_SSE_FIELDS):
                        continue
                    if not line.startswith("data:"):
                        raise self._garbage(f"a line that is not server-sent events: {_snippet(line)}")
                    body = line[len("data:"):].strip()
                    if body == "[DONE]":
                        done = True
                        break
                    try:
                        data = json.loads(body)
                    except ValueError:
                        raise self._garbage(f"data that is not JSON: {_snippet(body)}") from None
                    text, finish = self._content(data, stream=True)
                    if finish:
                        self.last_finish_reason = finish
                    if text:
                        self.last_tokens += 1
                        yield text
                if not done and self.last_finish_reason is None:
                    raise GenerationUnavailable(f"the stream from {self.url} ended before the answer was complete "
                                                "(no finish reason and no [DONE]); the server may have crashed")
        except httpx.TimeoutException:
            raise GenerationUnavailable(self._timeout_message()) from None
        except httpx.HTTPError as exc:  # connection refused or reset, protocol errors
            raise GenerationUnavailable(self._unreachable_message(exc)) from None


def from_settings(settings: Any, check: bool = True) -> OpenAICompatGenerator:
    """The generator configured by ``MLNOTES_LLM_URL``, ``MLNOTES_LLM_MODEL``, ``MLNOTES_LLM_API_KEY`` and
    ``MLNOTES_LLM_TIMEOUT``, read by :class:`mlnotes.assistant.settings.Settings` and passed here as the frozen
    :class:`mlnotes.assistant.settings.GenerationConfig` (attributes ``url``, ``model_name``, ``api_key``, ``timeout``).
    With ``check`` the server is asked once for its models, so a wrong URL, key or model name fails here, when
    the service starts, with the message that fixes it."""
    url = getattr(settings, "url", None)
    if not url:
        raise GenerationUnavailable("MLNOTES_LLM_BACKEND=openai needs MLNOTES_LLM_URL, the server's base URL (for "
                                    "example http://127.0.0.1:11434/v1 for Ollama, http://127.0.0.1:8000/v1 for vLLM)")
    model = getattr(settings, "model_name", None) or ""
    key = getattr(settings, "api_key", None) or None
    timeout = getattr(settings, "timeout", None) or DEFAULT_TIMEOUT
    gen = OpenAICompatGenerator(url, model, api_key=key, timeout=timeout)
    if check:
        gen.check()
    return gen
