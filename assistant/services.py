"""The one place the app's services are built: the retriever, the answerer, the demo runner, the generator and
the interview service. Used by the API's lifespan, the CLI and the tests (which pass ready-made parts).

Everything here is constructed once per process and then only read: per-request choices (search mode, fusion,
generator) are arguments of the calls, never assignments to these objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlnotes.assistant.answer import Answerer, Generator
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.settings import Settings
from mlnotes.kb.search import Retriever, open_retriever

if TYPE_CHECKING:  # pragma: no cover
    from mlnotes.assistant.interview.service import InterviewService

Log = Callable[[str], None]


@dataclass(frozen=True)
class Services:
    """What the routes, the UI and the CLI work with."""

    index: Retriever
    answerer: Answerer
    runner: DemoRunner
    generator_name: str = "extractive"
    interview: InterviewService | None = None
    generator: Generator | None = None

    @property
    def retriever(self) -> Retriever:
        return self.index

    def close(self) -> None:
        if self.interview is not None:
            self.interview.close()


def configure_embedder(settings: Settings) -> None:
    """Hand the embedding settings (runtime, model, int8 queries, query threads, bulk precision) to
    mlnotes.kb.embedding (kb reads no environment)."""
    from mlnotes.kb.embedding import configure

    configure(runtime=settings.embed_runtime, model_dir=settings.embed_model, query_int8=settings.query_int8,
              query_threads=settings.query_threads, bulk=settings.embed_bulk)


def configure_embeddings(settings: Settings) -> None:
    """:func:`configure_embedder`, and the extra notes folders to mlnotes.kb.roots."""
    from mlnotes.kb import roots

    configure_embedder(settings)
    roots.configure(settings.extra_corpus_dirs, corpus_dir=settings.corpus_dir)


def open_index(settings: Settings, log: Log = print, progress: bool = True) -> Retriever:
    """The configured retriever with the served fusion defaults, (re)building a local index when it is stale."""
    configure_embeddings(settings)
    return open_retriever(settings.search_backend, index_dir=settings.index_dir, corpus_dir=settings.corpus_dir,
                          defaults=settings.fusion_params, progress=progress, log=log,
                          **settings.backend_options)


def load_bank_or_empty(settings: Settings, log: Log = print) -> list[Any]:
    try:
        from mlnotes.kb.interview import bank_cache_file, load_bank

        return load_bank(settings.corpus_dir, cache=bank_cache_file(settings.index_dir))
    except Exception as exc:  # noqa: BLE001 - answers still work without the bank
        log(f"interview bank not loaded: {exc}")
        return []


def load_generator_or_none(settings: Settings, log: Log = print) -> Generator | None:
    """The local LLM when ``generator=llm`` and it loads; otherwise None (answers are extractive) and a log line."""
    if settings.generator != "llm":
        return None
    try:
        from mlnotes.assistant.generation import load_generator

        return load_generator(settings.generation)
    except Exception as exc:  # noqa: BLE001 - the app works without the LLM
        log(f"local LLM unavailable ({exc}); answering extractively")
        return None


def load_exercise_questions(settings: Settings, log: Log = print) -> list[Any]:
    """The chapters' exercises as interview questions (topic ``exercises``); [] with a log line when unreadable."""
    try:
        from mlnotes.kb.exercises import load_exercises, to_interview_question

        questions = [to_interview_question(ex) for ex in load_exercises(settings.corpus_dir)]
        return [q for q in questions if q is not None]
    except Exception as exc:  # noqa: BLE001 - the bank alone still makes an interview
        log(f"chapter exercises not loaded into the interview mode: {exc}")
        return []


def build_interview(settings: Settings, answerer: Answerer, bank: list[Any],
                    log: Log = print) -> InterviewService | None:
    """The interview service over the answerer's retriever, the bank and the chapters' exercises (None, logged,
    when it cannot start). Exercises are drawn with the topic ``exercises`` (or ``exercises-<chapter id>``)."""
    try:
        from mlnotes.assistant.interview.grader import Grader
        from mlnotes.assistant.interview.service import InterviewService
        from mlnotes.assistant.interview.store import StoreUnavailable, open_store

        bank = list(bank) + load_exercise_questions(settings, log)
        url = settings.database_url.get_secret_value() if settings.database_url else None
        store = open_store(settings.data_dir, url)
        if url:  # a server that is down now is not fatal: requests answer 503 until it is back
            try:
                store.ping()
                log(f"interview store: {store.describe()}")
            except StoreUnavailable as exc:
                log(f"interview store not reachable yet, interview requests answer 503 until it is: {exc}")
        return InterviewService(bank, store, Grader(None), index=answerer.index,
                                link=answerer.section_url, search_mode=settings.default_mode)
    except Exception as exc:  # noqa: BLE001 - the rest of the app works without the interview mode
        log(f"interview mode unavailable: {exc}")
        return None


def build_services(settings: Settings, log_fn: Log = print, *, retriever: Retriever | None = None,
                   with_generator: bool = True, with_interview: bool = True) -> Services:
    """Open (or build) the index, load the interview bank and the generator, and wire the answerer on them."""
    index = retriever if retriever is not None else open_index(settings, log=log_fn)
    bank = load_bank_or_empty(settings, log_fn)
    generator = load_generator_or_none(settings, log_fn) if with_generator else None
    answerer = Answerer(index, settings.corpus_dir, bank=bank, generator=generator)
    load_sentences(answerer, settings, log_fn)
    interview = build_interview(settings, answerer, bank, log_fn) if with_interview else None
    return Services(index=index, answerer=answerer, runner=DemoRunner(),
                    generator_name=generator.name if generator is not None else "extractive",
                    interview=interview, generator=generator)


def embedder_id(index: Retriever) -> str:
    """What the precomputed sentence vectors are keyed by: the model the retriever embeds with."""
    try:
        return str(index.describe().get("model") or type(index).__name__)
    except Exception:  # noqa: BLE001 - an unknown embedder only means no reuse across runs
        return type(index).__name__


def load_sentences(answerer: Answerer, settings: Settings, log: Log = print) -> None:
    """Use the precomputed answer sentences beside the index when there are (no computing here: a CLI answer
    then embeds nothing but the question; :func:`warm_up` completes the file for the server), and keep the bank
    matcher's question vectors beside the index too."""
    use_index_files(answerer, settings.index_dir, log)


def use_index_files(answerer: Answerer, index_dir: Path, log: Log = print) -> None:
    """:func:`load_sentences` for the index at ``index_dir`` (``mlnotes.eval.answers.make_answerer`` calls it with
    the index's own folder, so the eval, the judging scripts and the tests answer as the server does, from the same
    file). Precomputed sentences are embedded as on first use (float32), so answers do not depend on the file."""
    from mlnotes.assistant.answering.candidates import sentences_file
    from mlnotes.kb.interview import bank_vectors_file

    answerer.bank_matcher.use_cache(bank_vectors_file(index_dir), embedder_id(answerer.index))
    path = sentences_file(index_dir)
    if path.exists():
        try:
            answerer.sentences.load(path, embedder_id(answerer.index), log)
        except Exception as exc:  # noqa: BLE001 - an optimisation; answers still work without it
            log(f"answer sentences not loaded ({type(exc).__name__}: {exc})")


def precompute_sentences(answerer: Answerer, settings: Settings, log: Log = print, progress: bool = False) -> None:
    """Compute (or reuse from the file beside the index) every chunk's candidate sentences and embeddings, so
    answering does no embedding beyond the question. Failures are logged: answers then embed on first use."""
    from mlnotes.assistant.answering.candidates import sentences_file

    try:
        st = answerer.sentences.precompute(answerer.index.iter_chunks(), embedder_id(answerer.index),
                                           sentences_file(settings.index_dir), progress=progress, log_fn=log)
    except Exception as exc:  # noqa: BLE001 - an optimisation; answers still work without it
        log(f"answer sentences not precomputed ({type(exc).__name__}: {exc}); they are embedded on first use")
        return
    log(st.summary())


def warm_up(services: Services, log: Log = print, settings: Settings | None = None) -> None:
    """Load every model a first request would (the query embedder, the candidate-sentence store, the bank
    matcher and the interview grader's embedder) by answering one question, so the server's first real answer
    does not pay for it; with ``settings``, first precompute every chunk's answer sentences
    (:func:`precompute_sentences`). Failures are logged, never raised: the models then load on first use."""
    import time

    if settings is not None and hasattr(services.answerer, "sentences"):
        precompute_sentences(services.answerer, settings, log)
    t0 = time.perf_counter()
    try:
        services.answerer.answer("What is the bias-variance trade-off?", generator=None)
        if services.interview is not None:
            services.interview.grader.embedder  # noqa: B018 - the grader's embedder loads on first access
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation
        log(f"warm-up skipped: {exc}")
        return
    log(f"models warmed up in {time.perf_counter() - t0:.1f} s")
