"""Gold sets for the evaluation suite (``eval/datasets/*.jsonl``).

``gold.jsonl`` holds answerable questions, each with 1–3 relevant sections written ``doc_id#section_id`` (the
section id of a chunk: interview files are chunked at their H2 questions, other files at every heading), a
``type`` (definition, comparison, how_why, formula, complexity, code) and a fixed ``split``: ``tune`` may be
looked at when choosing settings (fusion weights, thresholds); ``heldout`` is never used for any tuning and is
what the reported numbers are quoted on. ``unanswerable.jsonl`` holds questions the corpus cannot answer (for
abstention), split the same way.

``external.jsonl`` holds public interview questions written by other people (``source`` keeps the attribution),
labelled against this corpus the same way, with ``split: "external"``; a question the corpus does not answer has
``relevant: []`` and ``answerable: false``. The external set is never used for tuning, only reported. Its ids are
kept exactly as published; the source repeats one id (``ml-66``), so :func:`load_external` gives a repeated id a
``~2`` suffix to keep per-question keys unique. Gold questions phrased the way people ask (full sentences, typos,
multi-part) carry ``style: "natural"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

DATASETS = Path(str(resources.files("mlnotes.eval").joinpath("datasets")))  # package data (importlib.resources)
GOLD = DATASETS / "gold.jsonl"
UNANSWERABLE = DATASETS / "unanswerable.jsonl"
EXTERNAL = DATASETS / "external.jsonl"
REPORTS = Path(__file__).resolve().parent / "reports"
TYPES = ("definition", "comparison", "how_why", "formula", "complexity", "code")
SPLITS = ("tune", "heldout")
EXTERNAL_SPLIT = "external"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    split: str
    relevant: tuple[str, ...] = field(default_factory=tuple)
    style: str = ""
    source: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def _load(path: Path, unique_ids: bool = False) -> list[Question]:
    out = []
    seen: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        qid = d["id"]
        seen[qid] = seen.get(qid, 0) + 1
        if unique_ids and seen[qid] > 1:
            qid = f"{qid}~{seen[qid]}"
        out.append(Question(id=qid, question=d["question"], type=d["type"], split=d["split"],
                            relevant=tuple(d.get("relevant", ())), style=d.get("style", ""),
                            source=d.get("source", "")))
    return out


def load_gold(split: str | None = None) -> list[Question]:
    qs = _load(GOLD)
    return [q for q in qs if split is None or q.split == split]


def load_unanswerable(split: str | None = None) -> list[Question]:
    qs = _load(UNANSWERABLE)
    return [q for q in qs if split is None or q.split == split]


def load_external(answerable_only: bool = False) -> list[Question]:
    """The external set (public questions by other people); ``answerable_only`` drops the unanswerable ones."""
    qs = _load(EXTERNAL, unique_ids=True)
    return [q for q in qs if q.answerable or not answerable_only]


def section_key(doc_id: str, section_id: str) -> str:
    return f"{doc_id}#{section_id}"
