"""A complexity-table row worked at the sizes a question gives (round 21, num21).

The complexity guide states costs as table rows ("| k-medoids (PAM) | $O(k(n-k)^2)$ per iteration | ... |
$O(n^2)$ with a distance matrix | ... |"). A question that names the row's algorithm, asks what it costs and gives the
sizes ("~20k customers", "k = 10", "50 features", "10 neighbours") is answered by the row evaluated at those sizes:
each term of the training-time cell and the memory cell, as an order of magnitude (the O(·) drops constant
factors), the largest training term named, and the memory term in float64 bytes.

:func:`read_cost_row` declines on any doubt: the row must be the only one the question (or the asking clause) names;
a cell must be one term or a sum of terms ("$O(a)$ kNN + $O(b)$ shortest paths"), never alternatives ("average ...,
worst ..."); each symbol must be one of the guide's conventions (n examples, d features, k clusters or components,
k_nb neighbours, T iterations) bound to exactly one number through its own noun or "k = 10"; and every number of the
question that is not a budget with a unit (GB, ms, %) must be read by the row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mlnotes.assistant.answering.formula_reader import Unreadable, evaluate, numbers_of, to_python

_ASKS_COST = re.compile(r"\b(?:cost\w*|time|memory|ram|feasib\w*|how (?:long|slow|much)|scal(?:e|es|ing)|flops?|"
                        r"operations|complexity|blows? up|blow\w* up|expensive|run ?time|runtime|budget)\b")
# the noun a number names a symbol by (the complexity guide's conventions: "n is the number of training examples, d
# the number of features ...")
_NOUNS = {
    "n": r"(?:data ?points|points|samples|rows|examples|observations|records|instances|customers|users|items|"
         r"documents|docs|images|vectors|nodes|transactions|patients|objects|cells|embeddings|sentences|texts|"
         r"products|profiles|accounts)",
    "d": r"(?:features|dimensions|dims|columns|variables|predictors|covariates)",
    "k": r"(?:clusters|medoids|centroids|centers|centres|components|topics)",
    "k_nb": r"(?:neighbours|neighbors|nearest neighbours|nearest neighbors)",
    "n_nb": r"(?:neighbours|neighbors|nearest neighbours|nearest neighbors)",
    "T": r"(?:iterations|iters|epochs|sweeps|passes)",
}
_ASSIGNED = {"n": ("n",), "d": ("d",), "k": ("k",), "k_nb": ("k_nb", "n_neighbors", "n_neighbours"),
             "n_nb": ("n_nb", "n_neighbors", "n_neighbours"), "T": ("t", "n_iter", "max_iter")}
_TERM = re.compile(r"\$O\(")
_LABEL = r"[A-Za-z][A-Za-z ]{0,30}"
_BAD_LABEL = re.compile(r"\b(?:worst|average|best|empirical|about|roughly|plus|or|to|in practice|far less|naive)\b")


@dataclass
class CostReading:
    """A row worked at the question's sizes: the row's name, the values bound and the line to show."""

    row: str
    values: dict[str, float]
    text: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table_rows(text: str) -> list[dict[str, str]]:
    """Each row of each Markdown table in ``text`` as ``{"name", "time", "memory"}`` (cells by the header's "Training
    time"/"Time" and "Memory" columns; a table without a time column gives nothing)."""
    lines = text.splitlines()
    out = []
    for i in range(len(lines) - 1):
        if not (lines[i].lstrip().startswith("|") and re.match(r"\s*\|\s*:?-{3,}", lines[i + 1])):
            continue
        head = [c.lower() for c in _cells(lines[i])]
        t = next((j for j, c in enumerate(head) if c in ("training time", "time")), None)
        m = next((j for j, c in enumerate(head) if c == "memory"), None)
        if t is None:
            continue
        for row in lines[i + 2:]:
            if not row.lstrip().startswith("|"):
                break
            cells = _cells(row)
            if len(cells) != len(head) or [c.lower() for c in cells] == head or not re.search(r"[a-z]", cells[0],
                                                                                             re.I):
                continue  # a repeated header (table pieces repeat it) or its rule line
            got = {"name": cells[0], "time": cells[t], "memory": cells[m] if m is not None else ""}
            if got not in out:  # overlapping pieces repeat rows
                out.append(got)
    return out


def _names(cell: str) -> list[str]:
    """The names a row goes by: "k-medoids (PAM)" -> ["k-medoids", "pam"]; "t-SNE, exact" -> ["t-sne"]."""
    cell = re.sub(r"\$[^$]*\$|\[[^\]]*\]\([^)]*\)|[*_`]", "", cell).lower()
    main = re.split(r"[(,]", cell)[0].strip()
    alias = [a.strip() for a in re.findall(r"\(([^()]+)\)", cell)]
    return [x for x in [main, *alias] if len(x) >= 3 and re.search(r"[a-z]", x)]


def _names_in(names: list[str], text: str) -> bool:
    t = text.replace("‐", "-")
    return any(re.search(r"(?<![\w-])" + re.escape(x).replace(r"\-", r"[- ]?") + r"(?![\w-])", t) for x in names)


def _qualified(cell: str, q: str) -> bool:
    """Whether the question names each qualifier of the row by its first word, the one that tells the variant
    apart ("Gaussian mixture, EM, full covariances" needs "em" and "full"): a row for one variant is not worked for
    another ("diagonal covariances")."""
    cell = re.sub(r"\$[^$]*\$|\[[^\]]*\]\([^)]*\)|[*_`]|\([^()]*\)", "", cell).lower()
    quals = [re.findall(r"[a-z0-9][a-z0-9+-]+", x)[:1] for x in cell.split(",")[1:]]
    return all(any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", q) for w in words) for words in quals)


def terms(cell: str) -> list[tuple[str, str]] | None:
    """The cell's ``(latex, label)`` terms when it is one term or a sum of terms ("$O(a)$ kNN + $O(b)$ shortest
    paths"); None for anything else (alternatives, "worst", prose)."""
    out = []
    rest = cell.strip()
    while rest:
        m = _TERM.match(rest)
        if m is None:
            return None
        depth, j = 1, m.end()
        while j < len(rest) and depth:
            depth += {"(": 1, ")": -1}.get(rest[j], 0)
            j += 1
        if depth or rest[j: j + 1] != "$":
            return None
        latex = rest[m.end(): j - 1]
        rest = rest[j + 1:].strip()
        label = re.match(r"(" + _LABEL + r")?\s*(\+|$)", rest)
        if label is None or (label.group(1) and _BAD_LABEL.search(label.group(1).lower())):
            return None
        out.append((latex, (label.group(1) or "").strip()))
        rest = rest[label.end():].strip()
        if label.group(2) == "+" and not rest:
            return None
    return out or None


def _bind(question: str) -> tuple[dict[str, float], dict[str, set[int]]] | None:
    """The sizes the question gives, by symbol, and by symbol the positions of the numbers read; None when a symbol
    gets two different values."""
    t = question.lower()
    nums = numbers_of(question)
    values: dict[str, set[float]] = {}
    used: dict[str, set[int]] = {}
    for s, noun in _NOUNS.items():
        for x in nums:
            if re.fullmatch(noun, " ".join(x.after[:2])) or (x.after and re.fullmatch(noun, x.after[0])):
                values.setdefault(s, set()).add(x.value)
                used.setdefault(s, set()).add(x.start)
        for name in _ASSIGNED[s]:
            for m in re.finditer(r"(?<![\w])" + re.escape(name) + r"\s*=\s*", t):
                x = next((x for x in nums if x.start == m.end()), None)
                if x is not None:
                    values.setdefault(s, set()).add(x.value)
                    used.setdefault(s, set()).add(x.start)
    if any(len(v) > 1 for v in values.values()):
        return None
    return {s: v.pop() for s, v in values.items()}, used


def _sci(x: float) -> str:
    if x < 1e4:
        return f"{x:,.0f}" if x >= 10 else f"{x:.3g}"
    e = math.floor(math.log10(x))
    return f"{x / 10 ** e:.1f}×10^{e}"


def _bytes(x: float) -> str:
    for unit, s in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if x >= s:
            return f"{x / s:.2g} {unit}" if x / s < 10 else f"{x / s:,.0f} {unit}"
    return f"{x:.0f} bytes"


def _pretty(latex: str) -> str:
    s = latex.replace(r"\log", " log ").replace(r"\cdot", " · ").replace(r"\,", " ").replace("{", "").replace("}", "")
    s = s.replace("^2", "²").replace("^3", "³").replace("-", "−")
    return re.sub(r"\s+", " ", s).strip()


def _value(s: str, v: float) -> str:
    return f"{s} = {v:,.0f}" if v == int(v) else f"{s} = {v:g}"


def read_cost_row(question: str, text: str) -> CostReading | None:
    """The complexity row of ``text`` (a chunk with a cost table) that the question names, worked at the sizes it
    gives; None on any doubt (see the module docstring)."""
    q = question.lower()
    if not _ASKS_COST.search(q):
        return None
    rows = [r for r in table_rows(text) if _names_in(_names(r["name"]), q) and _qualified(r["name"], q)]
    if len(rows) > 1:  # several rows named: the one named where the cost is asked
        clauses = [c for c in re.split(r"[.?!;]", q) if _ASKS_COST.search(c)]
        rows = [r for r in rows if any(_names_in(_names(r["name"]), c) for c in clauses)]
    if len(rows) != 1:
        return None
    row = rows[0]
    time_terms, mem_terms = terms(row["time"]), terms(row["memory"]) if row["memory"] else None
    if time_terms is None:
        return None
    bound = _bind(question)
    if bound is None:
        return None
    values, used = bound
    worked: list[tuple[str, str, float, tuple[str, ...]]] = []
    for latex, label in time_terms + (mem_terms or []):
        try:
            expr, symbols = to_python(latex)
        except Unreadable:
            return None
        if not symbols or any(s not in values for s in symbols):
            return None
        try:
            worked.append((latex, label, evaluate(expr, {s: values[s] for s in symbols}), symbols))
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
    read = {s for *_, symbols in worked for s in symbols}
    needed = {x.start for x in numbers_of(question) if not x.unit}
    if needed - {p for s in read for p in used[s]}:
        return None  # a number the row does not read: it may be what the answer turns on
    if any(v <= 0 for *_, v, _ in worked):
        return None
    shown = ", ".join(_value(s, values[s]) for s in sorted(read, key=lambda s: "ndkTkn".find(s[0])))
    ts = worked[: len(time_terms)]
    parts = [f"O({_pretty(latex)}){' ' + label if label else ''} ≈ {_sci(v)}" for latex, label, v, _ in ts]
    name = re.sub(r"\$[^$]*\$|\[[^\]]*\]\([^)]*\)|[*_`]", "", row["name"]).strip()
    line = f"{name} at {shown}: {' + '.join(parts)}"
    if len(ts) > 1:
        big = max(ts, key=lambda w: w[2])
        line += f"; the O({_pretty(big[0])}){' ' + big[1] if big[1] else ''} term dominates"
    for latex, label, v, _ in worked[len(time_terms):]:
        line += (f"; memory O({_pretty(latex)}){' ' + label if label else ''} ≈ {_sci(v)} entries, about "
                 f"{_bytes(8 * v)} as float64")
    logs = ", log = ln" if any(r"\log" in latex for latex, *_ in worked) else ""
    line += f" (orders of magnitude{logs}: the O(·) drops constant factors)"
    return CostReading(row["name"], {s: values[s] for s in read}, line)
