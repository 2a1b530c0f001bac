"""The generator path: citation filter, fallback to extractive, streaming equals non-streaming."""

from __future__ import annotations

from mlnotes.assistant.grounding import build_prompt, filter_citations


def test_filter_drops_citations_to_missing_passages():
    text, cited = filter_citations("Ridge shrinks weights [1]. Lasso zeroes some [3, 9]. Made up [0] [12].", 3)
    assert cited == [1, 3]
    assert "[9]" not in text and "[0]" not in text and "[12]" not in text
    assert "[3]" in text and "[1]" in text


def test_filter_reports_no_citations():
    assert filter_citations("No sources at all.", 4)[1] == []
    assert filter_citations("Only bad [5].", 4)[1] == []


def test_prompt_numbers_passages():
    p = build_prompt("q?", ["alpha beta", "gamma"])
    assert "[1] alpha beta" in p and "[2] gamma" in p and p.rstrip().endswith("Answer with citations:")


class _Gen:
    name = "fake"

    def __init__(self, pieces):
        self.pieces = pieces

    def generate(self, question, passages, max_new_tokens=256):
        yield from self.pieces


def test_generated_answer_keeps_valid_citations(services):
    ans = services.answerer.answer("What does ridge regression do?",
                                   generator=_Gen(["Ridge regression adds an L2 penalty to the squared loss, ",
                                                   "which shrinks the coefficients toward zero [1]. Invented [8]."]))
    assert ans.kind == "llm" and "[8]" not in ans.text and "[1]" in ans.text
    assert ans.generator == "fake" and not ans.fell_back
    assert len(ans.sources) == 1 and ans.sources[0].n == 1


def test_uncited_generation_falls_back_to_extractive_and_says_so(services):
    a = services.answerer
    ans = a.answer("What does ridge regression do?", k=3, generator=_Gen(["Ridge is great. ", "Trust me."]))
    assert ans.kind == "extractive" and "cited none" in ans.notice and ans.sentences
    assert ans.fell_back and ans.generator == "extractive"
    # the fallback is the extractive answer over the caller's k (the old fallback dropped k and used 6)
    plain = a.answer("What does ridge regression do?", k=3, generator=None)
    assert ans.text == plain.text and [s.chunk_id for s in ans.sources] == [s.chunk_id for s in plain.sources]


def test_streaming_yields_the_same_text_as_non_streaming(services):
    a = services.answerer
    pieces = ["Lasso uses an L1 ", "penalty and sets some ", "coefficients exactly to zero [1]."]
    gen = _Gen(pieces)
    events = list(a.stream("What does ridge regression do?", generator=gen))
    plain = a.answer("What does ridge regression do?", generator=gen)
    deltas = "".join(e["text"] for e in events if e["event"] == "delta")
    assert deltas == "".join(pieces)
    final = events[-1]["answer"]
    assert final["text"] == plain.text and final["kind"] == "llm"


def test_closing_the_stream_stops_generation(services):
    import threading
    import time

    produced = []
    gate = threading.Event()

    class Slow:
        name = "slow"

        def generate(self, question, passages, max_new_tokens=256):
            for i in range(200):
                produced.append(i)
                yield f"tok{i} [1] "
                time.sleep(0.005)
            gate.set()

    events = services.answerer.stream("What does ridge regression do?", generator=Slow())
    first = next(events)
    assert first["event"] == "delta"
    events.close()  # what Starlette/Gradio do when the client stops reading
    time.sleep(0.3)
    n = len(produced)
    time.sleep(0.3)
    assert len(produced) == n < 200, "generation kept running after the stream was closed"
