"""Fixtures for the mock-interview tests: a four-question bank, the real MiniLM grader (loaded once), a fast
index over the fixture corpus, and factories for services and API clients on a temporary data dir."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.api.app import Services, create_app
from mlnotes.assistant.interview.grader import Grader
from mlnotes.assistant.interview.service import InterviewService
from mlnotes.assistant.interview.store import Store, open_store
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.settings import Settings
from mlnotes.kb.index import Index
from mlnotes.kb.interview import parse_interview_text
from tests.kb.fakes import HashingEmbedder
from tests.pg_support import start_server

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"

BANK_MD = """---
id: interview-test-bank
title: "Interview questions: test bank"
kind: interview
topics: [evaluation]
level: intermediate
---

# Interview questions: test bank

## What are precision and recall, and when do you optimize for each?

**ID:** `eval-precision-recall` · **Difficulty:** easy · **Topics:** evaluation

### Short answer
Precision is the share of predicted positives that are truly positive; recall is the share of actual positives
that the model finds. Favour recall when a missed positive is expensive and precision when a false alarm is.

### Key points
- Precision is true positives divided by all predicted positives
- Recall is true positives divided by all actual positives
- Raising the decision threshold usually increases precision and decreases recall
- Recall matters when false negatives are costly
- Precision matters when false positives are costly

### Explanation
Predicting every example positive gives recall one; the precision-recall curve shows the trade-off.

### Common mistakes
- Mixing up the denominators

### Follow-ups
- How would you pick a threshold that guarantees 95% recall?

### Learn more
- [Basics](../guides/ml-basics.md)

## What is the difference between L1 and L2 regularization?

**ID:** `lin-l1-l2-test` · **Difficulty:** medium · **Topics:** linear-models, ml-fundamentals

### Short answer
L2 (ridge) shrinks all coefficients smoothly toward zero. L1 (lasso) sets some coefficients exactly to zero, so it
also selects features.

### Key points
- L2 adds the squared norm of the weights and shrinks coefficients proportionally
- L1 adds the sum of absolute weights and sets some coefficients exactly to zero
- L2 corresponds to a Gaussian prior and L1 to a Laplace prior

### Explanation
Ridge has a closed form; lasso needs coordinate descent because the L1 penalty is not differentiable at zero.

### Common mistakes
- Saying L2 produces exactly zero coefficients

### Follow-ups
- When would you prefer elastic net?

### Learn more
- [Basics](../guides/ml-basics.md)

## What is overfitting and how do you detect it?

**ID:** `ml-overfitting-test` · **Difficulty:** easy · **Topics:** ml-fundamentals

### Short answer
Overfitting is when a model fits noise in the training data, so it does well on training data and worse on new
data. You detect it by a gap between training and validation error.

### Key points
- An overfit model memorizes noise in the training data
- Training error is low while validation error is much higher
- Regularization, more data and simpler models reduce overfitting

### Explanation
Learning curves plot both errors against the training set size and show the gap closing as data grows.

### Common mistakes
- Judging a model by its training error

### Follow-ups
- How does cross-validation help?

### Learn more
- [Basics](../guides/ml-basics.md)

## Why does gradient descent need a learning rate?

**ID:** `opt-learning-rate-test` · **Difficulty:** hard · **Topics:** optimization

### Short answer
The gradient gives a direction, not a distance; the learning rate sets the step length. Too large a step
diverges or oscillates, too small a step converges slowly.

### Key points
- The gradient gives only the direction of steepest ascent
- A learning rate that is too large makes the loss diverge or oscillate
- A learning rate that is too small makes training slow

### Explanation
For a quadratic with curvature L, steps larger than 2/L diverge.

### Common mistakes
- Assuming a larger learning rate always trains faster

### Follow-ups
- What does a learning-rate schedule do?

### Learn more
- [Basics](../guides/ml-basics.md)
"""


@pytest.fixture(scope="session")
def bank():
    return parse_interview_text(BANK_MD, "interview/test-bank.md")


@pytest.fixture(scope="session")
def pr_question(bank):
    return next(q for q in bank if q.id == "eval-precision-recall")


@pytest.fixture(scope="session")
def grader():
    return Grader()  # the real MiniLM embedder and the fitted parameters


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ic") / "corpus"
    shutil.copytree(FIXTURE, d)
    return d


@pytest.fixture(scope="session")
def index(corpus_dir, tmp_path_factory):
    idx, _ = Index.build(corpus_dir, tmp_path_factory.mktemp("ii") / "index", embedder=HashingEmbedder())
    return idx


@pytest.fixture(scope="session")
def answerer(index, corpus_dir, bank):
    return Answerer(index, corpus_dir, bank=bank, abstain_threshold=0.05, interview_threshold=0.95)


@pytest.fixture(scope="session")
def pg_server():
    """One temporary PostgreSQL cluster for the session (skips when the server binaries are missing)."""
    yield from start_server()


@pytest.fixture(params=["sqlite", "postgres"])
def make_store(request, tmp_path):
    """``make_store(clock=...)``: a fresh, empty interview store of each kind (SQLite in a temporary data dir,
    PostgreSQL in a new database of the session's server), closed after the test."""
    made = []

    def make(clock=None, data_dir=None, url=None):
        if request.param == "postgres" and url is None:
            url = request.getfixturevalue("pg_server").create_database()
        kw = {"clock": clock} if clock is not None else {}
        s = open_store(data_dir or tmp_path / "data", url if request.param == "postgres" else None, **kw)
        made.append(s)
        return s

    make.kind = request.param
    yield make
    for s in made:
        s.close()


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def make_service(bank, grader, index, answerer, clock):
    made = []

    def make(data_dir: Path, store=None) -> InterviewService:
        store = store if store is not None else Store(data_dir, clock=clock)
        svc = InterviewService(bank, store, grader, index=index, link=answerer.section_url)
        made.append(svc)
        return svc

    yield make
    for s in made:
        s.close()


@pytest.fixture()
def answer_precision_recall(make_service, tmp_path):
    """A function that answers the bank's precision/recall question (eval-precision-recall) with ``text`` in a
    fresh session on the evaluation topic (skipping the questions drawn before it) and returns the feedback."""
    def answer(text: str) -> dict:
        svc = make_service(tmp_path / "precision-recall")
        token = svc.create_user()["token"]
        sid = svc.start(token, topics=["evaluation"], n=4, seed=0)["session_id"]
        for _ in range(4):
            if svc.current(token, sid)["question"]["id"] == "eval-precision-recall":
                break
            svc.skip(token, sid)
        return svc.answer(token, sid, text)

    return answer


@pytest.fixture()
def make_client(corpus_dir, index, answerer, make_service, tmp_path):
    clients = []

    def make(data_dir: Path | None = None, api_key: str | None = None, store=None) -> TestClient:
        data_dir = data_dir or tmp_path / "data"
        settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "unused", data_dir=data_dir,
                            api_key=api_key)
        services = Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=1, timeout_s=60),
                            interview=make_service(data_dir, store))
        app = create_app(settings, services=services, with_ui=False)
        c = TestClient(app, raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        try:
            c.__exit__(None, None, None)
        except Exception:  # noqa: BLE001 - a test may have closed it already
            pass
