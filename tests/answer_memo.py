"""One served answerer per test process, with its extractive answers remembered (tests only).

The development-property tests of ``tests/answering`` each answer the same few hundred development questions; answering
one takes about half a second on a 2-core machine, so every module answering them again made the suite take over an
hour. :class:`MemoAnswerer` wraps the served :class:`~mlnotes.assistant.answer.Answerer` and remembers
``answer(question, generator=None)`` per question *and* per state of what a test may patch: the module-level functions
and scalar constants of ``mlnotes.assistant`` and ``mlnotes.kb`` and the answerer's own public number, string and
flag attributes. A test that monkeypatches any of them gets answers computed under its patch (remembered under that
state), never one computed without it. The one patch many tests share, ``lead.lead_model`` replaced by a function
returning ``None`` (the ``ranker_mode`` fixture's hand-rules run), is recognised as one state however many such
functions there are. Every other call (other arguments, a generator) goes to the answerer unchanged. Not seen: a method patched on a class
(``Answerer._comparison_lead``) or an attribute of an object the answerer holds; a test that patches one builds its
own :class:`~mlnotes.assistant.answer.Answerer` (tests/answering/test_comparison_sides.py does).
"""

from __future__ import annotations

import functools
import sys
import threading
import types
from pathlib import Path

_SCALARS = (int, float, str, bool, bytes, type(None))
_PREFIXES = ("mlnotes.assistant", "mlnotes.kb")
_ORIGINALS: dict[str, object] = {}  # the unpatched lead.lead_model, taken at the first call


def _module_state() -> tuple:
    from mlnotes.assistant.answering import lead as lead_module

    original_lead_model = _ORIGINALS.setdefault("lead_model", lead_module.lead_model)
    state = []
    for name, mod in sorted(sys.modules.items()):
        if not name.startswith(_PREFIXES) or not isinstance(mod, types.ModuleType):
            continue
        for attr, value in list(vars(mod).items()):
            if attr.startswith("__"):
                continue
            if mod is lead_module and attr == "lead_model":
                if value is original_lead_model:
                    state.append((name, attr, "served"))
                else:
                    try:  # the ranker_mode fixture's `lambda: None`: one state, whatever function it is
                        state.append((name, attr, "off" if value() is None else id(value)))
                    except Exception:  # noqa: BLE001 - a patch that cannot be called without arguments
                        state.append((name, attr, id(value)))
            elif isinstance(value, _SCALARS):
                state.append((name, attr, value))
            elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, functools.partial)):
                state.append((name, attr, id(value)))
    return tuple(state)


class MemoAnswerer:
    """The served answerer with ``answer(q, generator=None)`` remembered per question and patch state."""

    def __init__(self, answerer) -> None:
        self._answerer = answerer
        self._memo: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._answerer, name)

    def _own_state(self) -> tuple:
        # public numbers, strings and flags (thresholds, weights' names); private fields fill in lazily (None first)
        return tuple(sorted((k, v) for k, v in vars(self._answerer).items()
                            if not k.startswith("_") and isinstance(v, (int, float, str, bool))))

    def answer(self, question, *args, **kwargs):
        if args or set(kwargs) != {"generator"} or kwargs["generator"] is not None or not isinstance(question, str):
            return self._answerer.answer(question, *args, **kwargs)
        key = (question, _module_state(), self._own_state())
        with self._lock:
            got = self._memo.get(key)
            if got is not None:
                return got
        got = self._answerer.answer(question, generator=None)
        with self._lock:
            self._memo[key] = got
        return got


_SERVED: dict[Path, MemoAnswerer] = {}


def served_answerer(repo_root: Path) -> MemoAnswerer:
    """The process's one answerer over ``repo_root``'s corpus and index (built if missing), wrapped in the memo."""
    if repo_root not in _SERVED:
        from mlnotes.eval.answers import make_answerer
        from mlnotes.kb.index import Index

        corpus = repo_root / "corpus"
        index, _ = Index.load_or_build(corpus, repo_root / ".mlnotes" / "index", log=lambda m: None)
        # with the answer sentences `mlnotes index` precomputed beside the index (scripts/dev.sh test runs it before
        # the workers start), as the server answers; embedding them on first use took each worker minutes
        _SERVED[repo_root] = MemoAnswerer(make_answerer(index, corpus))
    return _SERVED[repo_root]
