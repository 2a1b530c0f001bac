"""Gold sets for the evaluation suite (``eval/datasets/*.jsonl``).

``gold.jsonl`` holds answerable questions, each with 1–3 relevant sections written ``doc_id#section_id`` (the
section id of a chunk: interview files are chunked at their H2 questions, other files at every heading), a
``type`` (definition, comparison, how_why, formula, complexity, code) and a fixed ``split``: ``tune`` may be
looked at when choosing settings (fusion weights, thresholds); ``heldout`` is never used for any tuning and is
what the reported numbers are quoted on. ``unanswerable.jsonl`` holds questions the corpus cannot answer (for
abstention), split the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATASETS = Path(__file__).resolve().parent / "datasets"
GOLD = DATASETS / "gold.jsonl"
UNANSWERABLE = DATASETS / "unanswerable.jsonl"
REPORTS = Path(__file__).resolve().parent / "reports"
TYPES = ("definition", "comparison", "how_why", "formula", "complexity", "code")
SPLITS = ("tune", "heldout")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    split: str
    relevant: tuple[str, ...] = field(default_factory=tuple)

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def _load(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        out.append(Question(id=d["id"], question=d["question"], type=d["type"], split=d["split"],
                            relevant=tuple(d.get("relevant", ()))))
    return out


def load_gold(split: str | None = None) -> list[Question]:
    qs = _load(GOLD)
    return [q for q in qs if split is None or q.split == split]


def load_unanswerable(split: str | None = None) -> list[Question]:
    qs = _load(UNANSWERABLE)
    return [q for q in qs if split is None or q.split == split]


def section_key(doc_id: str, section_id: str) -> str:
    return f"{doc_id}#{section_id}"
