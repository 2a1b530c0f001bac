"""Hot reload of the index: build or load the new one in a background thread while the old one keeps serving,
then switch the app's services to it in one assignment.

Triggered by ``POST /api/admin/reload`` (:mod:`mlnotes.assistant.api.routers.admin`) or by SIGHUP (installed in the
app's lifespan when the server runs in the main thread). The build function is, for a served app,
:func:`mlnotes.assistant.services.open_index`: it loads the index at ``MLNOTES_INDEX_DIR`` (for example one that
``mlnotes index`` just published in another process) and rebuilds it first when the corpus changed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from mlnotes.assistant.answer import Answerer
from mlnotes.kb.search import Retriever

log = logging.getLogger("mlnotes")


def index_version(index: Any) -> str | None:
    """The served index's version: the name of the versioned directory it was loaded from (mlnotes.kb.publish)."""
    directory = getattr(index, "directory", None)
    return getattr(directory, "name", None)


class Reloader:
    """At most one reload at a time; ``last`` says how the latest one ended."""

    def __init__(self, app: Any, build: Callable[[], Retriever],
                 bank: Callable[[], list[Any]] | None = None,
                 prepare: Callable[[Answerer], None] | None = None) -> None:
        self.app, self.build, self.bank = app, build, bank
        self.prepare = prepare  # readies a new answerer before the switch (its precomputed answer sentences)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last: dict[str, Any] | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start a reload in the background; False when one is already running."""
        with self._lock:
            if self.busy:
                return False
            self._thread = threading.Thread(target=self._run, name="mlnotes-reload", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        t = self._thread
        if t is not None:
            t.join(timeout)

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            index = self.build()
            self.swap(index)
        except Exception as exc:  # noqa: BLE001 - a failed reload keeps the old index; the reason is reported
            log.exception("index reload failed; still serving %s", index_version(self.app.state.index))
            self.last = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500], "at": time.time()}
            return
        self.last = {"ok": True, "version": index_version(index), "seconds": round(time.perf_counter() - t0, 3),
                     "at": time.time()}
        log.warning("index reloaded: now serving %s", index_version(index))

    def swap(self, index: Retriever) -> None:
        """Serve ``index``: a new answerer over it (warmed before the switch), the same runner, generator and
        interview service (pointed at the new index)."""
        from mlnotes.assistant.api.app import install_services

        st = self.app.state
        svc = st.services
        old: Answerer = svc.answerer
        answerer = Answerer(index, old.corpus_dir, bank=self.bank() if self.bank else old.bank,
                            generator=old.generator, abstain_threshold=old.abstain_threshold,
                            interview_threshold=old.interview_threshold, link_base=old.link_base,
                            weights=old.weights, abstain_coverage=old.abstain_coverage or False)
        if self.prepare is not None:  # never raises (mlnotes.assistant.services.precompute_sentences logs failures)
            self.prepare(answerer)
        try:  # warm the new answerer's embedder and sentence store before it takes requests
            answerer.answer("What is the bias-variance trade-off?", generator=None)
        except Exception as exc:  # noqa: BLE001 - warming is an optimisation
            log.warning("warming the reloaded index failed: %s", exc)
        new = dataclasses.replace(svc, index=index, answerer=answerer)
        if svc.interview is not None and hasattr(svc.interview, "index"):
            svc.interview.index = index
        install_services(self.app, new)


def stale_index(settings: Any, log: Callable[[str], None] = log.warning) -> Retriever | None:
    """At start-up: the local index when it is sound but out of date with the corpus, so the server can listen and
    serve it while the rebuild runs in the background; None when it is current (the normal path loads it) or
    cannot be served (missing, corrupt, another format: the normal path rebuilds before serving)."""
    if settings.search_backend != "local":
        return None
    from mlnotes.kb import publish
    from mlnotes.kb.index import Index, IndexStaleError, IndexUnavailableError

    try:
        publish.recover(settings.index_dir, log)
        Index.load(settings.index_dir, verify_corpus=settings.corpus_dir)
        return None
    except IndexStaleError as exc:
        try:
            index = Index.load(settings.index_dir, defaults=settings.fusion_params)
        except IndexUnavailableError:
            return None
        log(f"{exc}; serving the previous index while a new one builds")
        return index
    except (IndexUnavailableError, OSError):
        return None


def install_sighup(reloader: Reloader) -> Callable[[], None]:
    """Reload on SIGHUP when running in the main thread (uvicorn.run); returns the undo function."""
    import signal

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return lambda: None
    previous = signal.signal(signal.SIGHUP, lambda signum, frame: reloader.start())
    return lambda: signal.signal(signal.SIGHUP, previous)
