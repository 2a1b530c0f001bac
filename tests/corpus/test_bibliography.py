"""The bibliography has one key per work, and every key follows the documented convention.

A work filed under two keys splits its citations and lets the two entries drift apart. Two entries are the same
work when they share a DOI, an arXiv id, or the same normalized title and year. The key convention
(corpus/README.md#citations): the first author's family name in lower case, the year, and the first significant
word of the title, using only ``a-z``, ``0-9`` and ``-``; official documentation uses ``<project>-docs``.
Citations in ``algorithms/`` docstrings must resolve as well, since they point into the same bibliography.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from mlnotes.kb.check import DEFAULT_CORPUS, REPO_ROOT, get_doc, load_bibliography
from mlnotes.kb.markdown import CITATION_RE, CITE_KEY_RE, iter_corpus_files

DOI_RE = re.compile(r"doi:\s*(10\.\d{4,9}/\S+?)\.?(?:\s|$)", re.IGNORECASE)
ARXIV_RE = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
YEAR_RE = re.compile(r"\((\d{4})[a-z]?\)")
TITLE_RE = re.compile(r"\*(.+?)\*")
DOCS_KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-docs$")
KEY_RE = re.compile(r"^([a-z]+(?:-[a-z]+)*)(\d{4})([a-z0-9]+)$")
# function words a key may skip to reach the title's first significant word ("How transferable are ..." ->
# transferable); the title's very first word is always allowed too ("You only look once" -> you)
LEADING_SKIP = {"a", "an", "the", "on", "of", "in", "to", "for", "from", "with", "and", "or", "how", "why", "what",
                "when", "where", "which", "who", "do", "does", "is", "are", "can", "should"}


def ascii_lower(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def normalized_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_lower(title))


def identifiers(text: str) -> dict[str, str]:
    """DOI, arXiv id and normalized title + year of one entry (those it has)."""
    ids = {}
    if m := DOI_RE.search(text):
        ids["doi"] = m.group(1).lower()
    if m := ARXIV_RE.search(text):
        ids["arxiv"] = m.group(1)
    t, y = TITLE_RE.search(text), YEAR_RE.search(text)
    if t and y:
        ids["title+year"] = f"{normalized_title(t.group(1))}|{y.group(1)}"
    return ids


def duplicate_works(entries: dict[str, str]) -> list[str]:
    """Groups of keys that share a DOI, an arXiv id or a normalized title + year."""
    by_id: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, text in entries.items():
        for kind, value in identifiers(text).items():
            by_id[(kind, value)].append(key)
    return sorted(f"same {kind} {value}: {', '.join(keys)}" for (kind, value), keys in by_id.items()
                  if len(keys) > 1)


def family_name_forms(text: str) -> set[str]:
    """Key prefixes the first author's family name allows: the whole name (spaces dropped, hyphens kept or
    dropped) or any one of its parts, so `van der Maaten` gives vandermaaten, van, der, maaten."""
    authors = text[: YEAR_RE.search(text).start()] if YEAR_RE.search(text) else text
    family = re.split(r",|\[", authors, maxsplit=1)[0].strip()
    family = ascii_lower(family)
    parts = [p for p in re.split(r"[\s-]+", family) if p]
    forms = {re.sub(r"[^a-z-]", "", family.replace(" ", "")), re.sub(r"[^a-z]", "", family)}
    forms |= {re.sub(r"[^a-z]", "", p) for p in parts}
    return {f for f in forms if f}


def title_word_forms(text: str) -> set[str]:
    """Key suffixes the title allows: its first word, or its first word after leading function words, taken
    whole (punctuation dropped) or up to its first punctuation mark (`k-means++` -> k or kmeans, `Amazon.com` ->
    amazon), optionally joined with the next word (`Llama 2` -> llama2)."""
    m = TITLE_RE.search(text)
    if not m:
        return set()
    words = [w for w in re.split(r"\s+", ascii_lower(m.group(1))) if re.sub(r"[^a-z0-9]", "", w)]
    forms: set[str] = set()
    i = 0
    while i < len(words) - 1 and re.sub(r"[^a-z0-9]", "", words[i]) in LEADING_SKIP:
        i += 1
    for j in {0, i}:
        w = words[j]
        whole = re.sub(r"[^a-z0-9]", "", w)
        head = re.match(r"[^a-z0-9]*([a-z0-9]*)", w).group(1)
        forms |= {whole, head}
        if j + 1 < len(words):
            forms.add(whole + re.sub(r"[^a-z0-9]", "", words[j + 1]))
    return {f for f in forms if f}


def key_problem(key: str, text: str) -> str | None:
    if key.endswith("-docs"):
        return None if DOCS_KEY_RE.match(key) else "a documentation key is <project>-docs in a-z, 0-9 and -"
    m = KEY_RE.match(key)
    if not m:
        return "not family name + year + title word (a-z, 0-9, -)"
    name, year, word = m.groups()
    y = YEAR_RE.search(text)
    if not y or y.group(1) != year:
        return f"year {year} is not the entry's year {y.group(1) if y else '(none)'}"
    if name not in family_name_forms(text):
        return f"{name!r} is not the first author's family name ({sorted(family_name_forms(text))})"
    if word not in title_word_forms(text):
        return f"{word!r} is not the title's first significant word ({sorted(title_word_forms(text))})"
    return None


# Keys that break the convention but are cited outside the corpus (algorithms/ docstrings), so renaming them here
# alone would break those citations. Each names the key it should become; rename both together.
GRANDFATHERED: dict[str, str] = {}  # keys allowed to break the convention (none left)


def _entries() -> dict[str, str]:
    return {k: e.text for k, e in load_bibliography(DEFAULT_CORPUS).items()}


# ----------------------------------------------------------------------------- the checker itself


def test_checker_finds_duplicates_and_bad_keys():
    sample = {
        "vaswani2017attention": "Vaswani, A., et al. (2017). *Attention Is All You Need*. NeurIPS. arXiv:1706.03762.",
        "vaswani2017all": "Vaswani, A. (2017). *Attention is all you need!* NIPS.",
        "smith2020deep": "Smith, J. (2020). *Deep Nets*. J. doi:10.1234/abc.",
        "jones2021other": "Jones, K. (2021). *Other Title*. J. doi:10.1234/ABC.",
        "lee2019x": "Lee, P. (2018). *Some Paper*. arXiv:1706.03762.",
    }
    found = duplicate_works(sample)
    assert any("vaswani2017all" in f and "vaswani2017attention" in f and "title+year" in f for f in found)
    assert any("doi" in f and "smith2020deep" in f and "jones2021other" in f for f in found)
    assert any("arxiv" in f and "lee2019x" in f for f in found)
    assert key_problem("vaswani2017attention", sample["vaswani2017attention"]) is None
    assert key_problem("lee2019x", sample["lee2019x"]).startswith("year")
    assert "family name" in key_problem("smyth2020deep", sample["smith2020deep"])
    assert "title" in key_problem("smith2020nets", sample["smith2020deep"])
    assert key_problem("Smith2020deep", sample["smith2020deep"]) is not None
    assert key_problem("sklearn-docs", "scikit-learn developers. *User Guide*.") is None
    assert key_problem("maaten2008visualizing", "van der Maaten, L. (2008). *Visualizing Data using t-SNE*.") is None
    assert key_problem("arthur2007kmeans", "Arthur, D. (2007). *k-means++: The Advantages*.") is None


# ----------------------------------------------------------------------------- the bibliography


def test_no_work_is_filed_under_two_keys():
    dups = duplicate_works(_entries())
    assert not dups, "works filed under more than one key (keep one key, cite it everywhere):\n" + "\n".join(dups)


def test_keys_follow_the_documented_convention():
    bad = [f"[{k}]: {p}" for k, t in _entries().items() if k not in GRANDFATHERED and (p := key_problem(k, t))]
    assert not bad, "keys that break the convention of corpus/README.md#citations:\n" + "\n".join(bad)


def test_grandfathered_keys_still_need_the_exemption():
    """An exemption that no longer applies (key renamed or fixed) must be removed, so the list cannot grow stale."""
    entries = _entries()
    stale = [k for k in GRANDFATHERED if k not in entries or key_problem(k, entries[k]) is None]
    assert not stale, f"remove these from GRANDFATHERED: {stale}"


def test_algorithm_docstring_citations_resolve():
    bib = _entries()
    bad = []
    for py in sorted((REPO_ROOT / "algorithms").rglob("*.py")):
        for m in CITATION_RE.finditer(py.read_text(encoding="utf-8", errors="replace")):
            bad += [f"{py.relative_to(REPO_ROOT)}: [@{k}]" for k in CITE_KEY_RE.findall(m.group(1)) if k not in bib]
    assert not bad, "citations in algorithms/ that are not in corpus/references.md:\n" + "\n".join(bad)


def test_corpus_citations_resolve():
    bib = _entries()
    bad = []
    for p in iter_corpus_files(DEFAULT_CORPUS):
        doc = get_doc(Path(p), DEFAULT_CORPUS)
        bad += [f"{doc.rel_path}:{c.line}: [@{c.key}]" for c in doc.citations if c.key not in bib]
    assert not bad, "\n".join(bad)
