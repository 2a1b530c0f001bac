"""Worked numbers: a formula that a retrieved section states, evaluated at the values the question gives.

Questions often bind their own values ("for discount gamma = 0.98 ...", "128 channels in and out", "2 of 10 users
converted ...") while the corpus states the formula in general and works it at other values. This module keeps a
**registry** of formulas, each a small function tied to the corpus sections that state it (:class:`Formula`):
``sections`` are the ``doc_id#section_id`` keys, ``states`` a piece of that section's own text that shows the
formula (``tests/test_worked.py`` checks both against the corpus and checks each function against the section's own
worked example and against an independent computation).

:func:`worked_lines` reads the question's values with general parsing (:func:`parse`): explicit assignments
(``gamma = 0.98``, ``lambda drawn is 0.64``), ``<number> <word>`` where the formula's variable is named by that word
(``512 channels``, ``48 hyperparameter combos``), ``x of n`` counts, ``W x H`` sizes and percentages; some formulas add readers of their own kind of value, all general:
a rate named by a word before or after it (:func:`rate_of`: "prevalence of 1%", "99% sensitive", "1 in 1,000"), a rate
and a time with their units ("1,500 requests per second", "30 ms"), sizes with a scale letter ("65B model", "2T
tokens") and numbers in scientific notation after a phrase ("bottoms out at 1e-1"). A formula is
evaluated only when (a) the question names its subject (``about``), (b) one of its sections is among the retrieved
hits, and (c) every variable it needs is bound to exactly one value; otherwise it shows nothing (a missing or
ambiguous value declines), and (d) the question gives no level to reach or named value that the line leaves unread
(:func:`leaves_out`: "after how many lags does the autocorrelation fall to 0.1?" is not answered by the variance; the
general reader, ``formula_reader``, then gets its turn). At most one formula is worked per answer: the one whose
section ranks highest.

The result is shown above the extractive answer as one line labelled "On your numbers" that cites the section
stating the formula. It is computed text, not a corpus sentence, so it is **not** an ``AnswerSentence``: the answer's
``worked`` field records it (formula id, values, cited source) and the citation-faithfulness and answer-first
metrics, which read ``Answer.sentences``, neither count nor credit it (docs/answer-quality.md, round 15).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from mlnotes.assistant.answering.formula_reader import numbers_of

_NUMX = r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+)"
_NUM = "(" + _NUMX + ")"
_WORDS = {"one": 1.0, "a single": 1.0, "single": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0,
          "six": 6.0, "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "half a": 0.5, "a half": 0.5}
_WORD_NUM = r"(?:a single|half a|a half|one|single|two|three|four|five|six|seven|eight|nine|ten)"


def _num(text: str) -> float:
    t = text.lower().strip()
    return _WORDS[t] if t in _WORDS else float(t.replace(",", ""))


@dataclass
class Parsed:
    """The values a question states, as :func:`parse` reads them."""

    text: str  # the question, lower-cased, '×' read as 'x', thousands separators kept
    assigned: list[tuple[str, float]]  # (name, value) for "name = v", "name is v", "name of v" (one word between)
    counted: list[tuple[float, str]]  # (value, the words after it) for "<number> <word> [<word>]"
    fractions: list[tuple[float, float]]  # (x, n) for "x of n", "x out of n"
    sizes: list[tuple[float, float]]  # (a, b) for "a x b"
    percents: list[float]  # "85%", "1 percent" as fractions (0.85, 0.01)


def parse(question: str) -> Parsed:
    """The question's numbers, bound to the words around them (general patterns only, no topic words)."""
    t = question.lower().replace("×", "x").replace("−", "-")
    # "discount gamma = 0.98", "use epsilon = 0.1", "lambda drawn is 0.64": either of the two words names the value
    assigned = [(name, _num(m.group(3))) for m in re.finditer(
        r"([a-zα-ωγλεκηφσ²_]+)(?:\s+([a-zα-ωγλεκηφσ²_]+))?\s*(?:=|\bis\b|\bof\b|:)\s*" + _NUM, t)
        for name in (m.group(1), m.group(2)) if name]
    # a chained assignment binds every name in the chain: "fx = fy = 600"
    for m in re.finditer(r"((?:[a-zα-ωγλεκηφσ²_]+\s*=\s*){2,})" + _NUM, t):
        assigned += [(name, _num(m.group(2))) for name in re.findall(r"([a-zα-ωγλεκηφσ²_]+)\s*=", m.group(1))]
    # a tuple of names bound to a tuple of as many values: "(u, v) = (470, 90)"
    for m in re.finditer(r"\(\s*([a-z_]+(?:\s*,\s*[a-z_]+)+)\s*\)\s*(?:=|\bis\b|\bof\b)\s*\(([^()]*)\)", t):
        names = re.split(r"\s*,\s*", m.group(1).strip())
        vals = re.split(r"\s*,\s*", m.group(2).strip())
        if len(names) == len(vals) and all(re.fullmatch(r"-?" + _NUMX, v) for v in vals):
            assigned += [(n, -_num(v[1:]) if v.startswith("-") else _num(v)) for n, v in zip(names, vals)]
    counted = [(_num(m.group(1)), m.group(2)) for m in re.finditer(
        r"(" + _NUMX + r"|" + _WORD_NUM + r")(?:-|\s+)([a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2})",
        t)]
    fractions = [(_num(m.group(1)), _num(m.group(2)))
                 for m in re.finditer(_NUM + r"\s+(?:out\s+)?of\s+(?:the\s+)?" + _NUM, t)]
    sizes = [(_num(m.group(1)), _num(m.group(2))) for m in re.finditer(
        r"(?<![\w.])(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)(?![\w.])", t)]
    percents = [_num(m.group(1)) / 100 for m in re.finditer(_NUM + r"\s*(?:%|percent\b)", t)]
    return Parsed(t, assigned, counted, fractions, sizes, percents)


def value_named(p: Parsed, names: Sequence[str]) -> float | None:
    """The one value assigned to any of ``names`` ("gamma = 0.98"); None when none or several differ."""
    vals = {v for n, v in p.assigned if n in names}
    return vals.pop() if len(vals) == 1 else None


def count_of(p: Parsed, pattern: str) -> float | None:
    """The one number whose following words match ``pattern`` ("512 channels"); None when none or several differ."""
    vals = {v for v, words in p.counted if re.match(pattern, words)}
    return vals.pop() if len(vals) == 1 else None


def fmt(x: float, digits: int = 3) -> str:
    """A number as an answer shows it: integers with thousands separators, others to ``digits`` significant."""
    if abs(x - round(x)) < 1e-9 and abs(x) < 1e15:
        return f"{int(round(x)):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _sci(x: float) -> str:
    """``2.6×10^10`` for 2.6e10."""
    e = math.floor(math.log10(abs(x)))
    return f"{fmt(x / 10 ** e)}×10^{e}"


@dataclass(frozen=True)
class Formula:
    """One formula the corpus states: ``sections`` state it (``states`` is a piece of their text that shows it),
    ``about`` is what a question must name for it to apply, ``work`` evaluates it on a parsed question (None when a
    value is unbound or ambiguous) and returns the worked line and the values it used."""

    id: str
    sections: tuple[str, ...]
    states: str
    about: str
    work: Callable[[Parsed], tuple[str, dict[str, float]] | None]


# -- the formulas ----------------------------------------------------------------------------------------------

def bottleneck_weights(c: float, e: float = 4) -> tuple[float, float]:
    """Weights (biases aside) of a bottleneck block at ``c`` channels reduced to ``c/e``, and of two full-width 3x3
    convolutions: ``c*(c/e) + 9*(c/e)**2 + (c/e)*c`` against ``18*c**2``."""
    m = c / e
    return c * m + 9 * m * m + m * c, 18 * c * c


def _bottleneck(p: Parsed):
    c = count_of(p, r"(?:input |in |output |out )?channels?\b")
    if c is None:
        return None
    e = count_of(p, r"expansion") or value_named(p, ("expansion", "factor")) or 4.0
    if c % e:
        return None
    b, full = bottleneck_weights(c, e)
    m = c / e
    return (f"with C = {fmt(c)} channels reduced to C/{fmt(e)} = {fmt(m)}, the bottleneck has "
            f"{fmt(c)}·{fmt(m)} + 9·{fmt(m)}² + {fmt(m)}·{fmt(c)} = {fmt(b)} weights (biases aside) against "
            f"2·9·{fmt(c)}² = {fmt(full)} for two full-width 3×3 convolutions, {full / b:.1f} times fewer"), \
        {"C": c, "expansion": e}


def conv_params(k: int, c_in: float, c_out: float, bias: bool = True) -> float:
    """Parameters of one k x k convolution from ``c_in`` to ``c_out`` channels: ``k*k*c_in*c_out (+ c_out)``."""
    return k * k * c_in * c_out + (c_out if bias else 0)


def stacked_field(k: int, n: int) -> int:
    """Receptive field of ``n`` stacked stride-1 k x k convolutions: ``k + (n - 1)(k - 1)``."""
    return k + (n - 1) * (k - 1)


def _conv_stack(p: Parsed):
    c = count_of(p, r"(?:input |in |output |out )?channels?\b")
    if c is None:
        return None
    layers: dict[int, int] = {}
    for m in re.finditer(r"\b(" + _WORD_NUM + r"|\d+)\s+(?:(?:stacked|plain|conv|convolutional|separate)\s+)*"
                         r"(\d+)\s*x\s*(\d+)\b", p.text):
        k1, k2 = int(m.group(2)), int(m.group(3))
        if k1 != k2 or k1 > 11:
            return None
        n = int(_num(m.group(1)))
        if layers.get(k1, n) != n:
            return None  # the same kernel with two layer counts: ambiguous
        layers[k1] = n
    if len(layers) != 2 or re.search(r"\bstride\s*(?:=|of)?\s*[2-9]", p.text):
        return None
    bias = bool(re.search(r"\bbias", p.text)) and not re.search(r"\b(?:no|without|ignor\w*|excluding)\s+bias", p.text)
    parts = []
    for k, n in layers.items():
        per = conv_params(k, c, c, bias)
        expr = f"{k * k}·{fmt(c)}²" + (f" + {fmt(c)}" if bias else "")
        total = f"{n}({expr}) = {fmt(n * per)}" if n > 1 else f"{expr} = {fmt(per)}"
        field = " + ".join([str(k)] + [str(k - 1)] * (n - 1))
        rf = f"{field} = {stacked_field(k, n)}" if n > 1 else str(k)
        parts.append(f"{n} × {k}×{k}: {total} parameters, receptive field {rf}")
    label = "with biases" if bias else "biases aside"
    return f"at C = {fmt(c)} channels in and out ({label}), " + "; ".join(parts), {"C": c, "bias": float(bias)}


def discount_steps(gamma: float, eps: float) -> float:
    """Steps after which the discounted tail ``gamma**T * G`` falls below ``eps * G``: ``ln eps / ln gamma``."""
    return math.log(eps) / math.log(gamma)


def _discount(p: Parsed):
    g = value_named(p, ("gamma", "γ", "discount", "factor"))
    if g is None or not 0 < g < 1:
        return None
    eps = set(p.percents) | {v for n, v in p.assigned if n in ("epsilon", "ε", "eps")}
    text = f"γ = {fmt(g)}: 1/(1 − γ) = {fmt(1 / (1 - g))}"
    if len(eps) == 1:
        e = eps.pop()
        if 0 < e < 1:
            t = discount_steps(g, e)
            text = (f"γ = {fmt(g)}, ε = {fmt(e)}: the tail γ^T·G is below ε·G once T > ln {fmt(e)} / ln {fmt(g)} = "
                    f"{t:.1f}, i.e. {math.floor(t) + 1} steps, while 1/(1 − γ) = {fmt(1 / (1 - g))}")
            return text, {"gamma": g, "epsilon": e}
    return text, {"gamma": g}


def expected_counts(table: Sequence[Sequence[float]]) -> list[list[float]]:
    """Expected counts under independence: ``E_ij = row_i total * column_j total / N``."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    n = sum(rows)
    return [[ri * cj / n for cj in cols] for ri in rows]


def _chi_square(p: Parsed):
    if len(p.fractions) != 2 or any(x > n or n <= 0 for x, n in p.fractions):
        return None
    table = [[x, n - x] for x, n in p.fractions]
    e = expected_counts(table)
    chi2 = sum((o - ee) ** 2 / ee for ro, re_ in zip(table, e) for o, ee in zip(ro, re_))
    flat = [v for r in e for v in r]
    small = sum(v < 5 for v in flat)
    verdict = (f"{small} of 4 below 5, so Fisher's exact test rather than the chi-square approximation" if small
               else "all at least 5, so the chi-square approximation holds")
    return (f"the 2×2 table [[{fmt(table[0][0])}, {fmt(table[0][1])}], [{fmt(table[1][0])}, {fmt(table[1][1])}]] "
             f"(successes, failures per group) has expected "
            f"counts E = row total × column total / N = " + ", ".join(f"{v:.2f}" for v in flat)
            + f" ({verdict}); χ² = {chi2:.2f} on 1 degree of freedom"), \
        {"x1": table[0][0], "n1": p.fractions[0][1], "x2": table[1][0], "n2": p.fractions[1][1]}


def two_proportion_z(xa: float, na: float, xb: float, nb: float) -> float:
    """The pooled two-proportion z statistic."""
    pool = (xa + xb) / (na + nb)
    return (xb / nb - xa / na) / math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))


def _two_prop(p: Parsed):
    if len(p.fractions) != 2 or any(x > n or n <= 0 for x, n in p.fractions):
        return None
    (xa, na), (xb, nb) = p.fractions
    z = two_proportion_z(xa, na, xb, nb)
    pool = (xa + xb) / (na + nb)
    pval = math.erfc(abs(z) / math.sqrt(2))
    return (f"p̂_A = {fmt(xa)}/{fmt(na)} = {xa / na:.4g}, p̂_B = {fmt(xb)}/{fmt(nb)} = {xb / nb:.4g}, pooled "
            f"p̂ = {pool:.4g}: z = ({xb / nb:.4g} − {xa / na:.4g}) / √(p̂(1 − p̂)(1/{fmt(na)} + 1/{fmt(nb)})) = "
            f"{z:.2f}, two-sided p ≈ {pval:.3g}"), {"xa": xa, "na": na, "xb": xb, "nb": nb}


def margin_sample_size(p: float, margin: float, z: float = 1.96) -> float:
    """Examples for a 95% interval of half-width ``margin`` on an accuracy near ``p``: ``z**2 p(1-p)/margin**2``."""
    return z * z * p * (1 - p) / (margin * margin)


def _margins(p: Parsed) -> list[float]:
    out = []
    for m in re.finditer(r"(?:±|\+/-|plus or minus)\s*(" + _NUMX + r"|" + _WORD_NUM + r")\s*(?:percentage )?points?\b", p.text):
        out.append(_num(m.group(1)) / 100)
    for m in re.finditer(r"\b(" + _WORD_NUM + r"|\d+(?:\.\d+)?)\s+(?:a\s+)?(?:percentage\s+)?points?\b", p.text):
        out.append(_num(m.group(1)) / 100)
    return list(dict.fromkeys(out))


def _sample_size(p: Parsed):
    if not re.search(r"\b(?:accura|error rate|proportion|rate\b)", p.text):
        return None
    rates = [v for v in p.percents if 0 < v < 1 and v not in _margins(p)]
    margins = _margins(p)
    if len(set(rates)) != 1 or not margins:
        return None
    r = rates[0]
    parts = [f"±{fmt(m * 100)} point{'s' if m != 0.01 else ''}: n ≈ 1.96² × {fmt(r)} × {fmt(1 - r)} / {fmt(m)}² ≈ "
             f"{fmt(round(margin_sample_size(r, m)))} examples" for m in margins]
    return f"for an accuracy near {fmt(r)}, " + "; ".join(parts), {"p": r, **{f"margin{i}": m for i, m in
                                                                               enumerate(margins)}}


_DTYPE_BYTES = {"fp32": 4, "float32": 4, "fp16": 2, "bf16": 2, "float16": 2, "bfloat16": 2, "int8": 1, "fp8": 1,
                "int4": 0.5}


def decode_tokens_per_s(params: float, bytes_per: float, bandwidth: float) -> float:
    """Upper bound on batch-1 decoding speed: every weight read once per token, ``bandwidth/(params*bytes)``."""
    return bandwidth / (params * bytes_per)


def _decode(p: Parsed):
    ps = {_num(m.group(1)) * {"b": 1e9, "m": 1e6}[m.group(2)]
          for m in re.finditer(_NUM + r"\s*([bm])\b(?:\s*(?:param|model|llm))?", p.text)}
    bw = {_num(m.group(1)) * {"t": 1e12, "g": 1e9}[m.group(2)]
          for m in re.finditer(_NUM + r"\s*([tg])b/s", p.text)}
    dt = {b for name, b in _DTYPE_BYTES.items() if re.search(r"\b" + name + r"\b", p.text)}
    if len(ps) != 1 or len(bw) != 1 or len(dt) != 1:
        return None
    n, w, b = ps.pop(), bw.pop(), dt.pop()
    per = n * b
    return (f"{fmt(n / 1e9)}e9 parameters × {fmt(b)} bytes = {fmt(per / 1e9)} GB read per token; "
            f"{fmt(w / 1e12)} TB/s / {fmt(per / 1e9)} GB ≈ {decode_tokens_per_s(n, b, w):.0f} tokens/s at most at "
            f"batch size 1, against 2N = {_sci(2 * n)} FLOPs of compute per token"), {"N": n, "bytes": b, "bandwidth": w}


def nested_cv_fits(outer: float, inner: float, grid: float) -> float:
    """Model fits of nested cross-validation with a grid search inside: ``outer * inner * grid`` (the final tuning
    on all the data is the inner search once more: ``nested_cv_fits(1, inner, grid)``)."""
    return outer * inner * grid


def _nested(p: Parsed):
    outer = count_of(p, r"outer")
    inner = count_of(p, r"inner")
    if inner is None and outer is not None:
        folds = {v for v, w in p.counted if re.match(r"folds?\b", w)}
        inner = folds.pop() if len(folds) == 1 else None
    grid = count_of(p, r"(?:hyper-?parameter |parameter |grid )?(?:combo|combination|setting|candidate|config)")
    if outer is None or inner is None or grid is None:
        return None
    fits = nested_cv_fits(outer, inner, grid)
    final = nested_cv_fits(1, inner, grid)  # "plus the final tuning": the inner search once more, on all the data
    text = (f"{fmt(outer)} outer × {fmt(inner)} inner folds × {fmt(grid)} settings = {fmt(fits)} fits, plus the "
            f"final tuning on all the data ({fmt(inner)} × {fmt(grid)} = {fmt(final)} with the same search): "
            f"{fmt(fits + final)} fits, refits of each winner aside")
    mins = count_of(p, r"minutes?\b")
    if mins is not None:
        text += f"; about {fmt((fits + final) * mins / 60)} hours at {fmt(mins)} minutes a fit"
    return text, {"outer": outer, "inner": inner, "grid": grid}


def _integral(p: Parsed):
    n_boxes = count_of(p, r"(?:boxes|rectangles|windows|queries|box sums|rectangle sums)\b")
    if n_boxes is None or len(set(p.sizes)) != 2:
        return None
    (h, w), (bh, bw) = sorted(set(p.sizes), key=lambda s: -s[0] * s[1])
    return (f"building the table is one pass over {fmt(h)} × {fmt(w)} = {fmt(h * w)} pixels, O(HW); then each "
            f"box sum takes 4 look-ups ({fmt(4 * n_boxes)} for {fmt(n_boxes)} boxes), against "
            f"{fmt(n_boxes)} × {fmt(bh)} × {fmt(bw)} = {fmt(n_boxes * bh * bw)} additions summed directly"), \
        {"H": h, "W": w, "boxes": n_boxes, "box_h": bh, "box_w": bw}


def cutmix_box(w: float, h: float, lam: float) -> tuple[float, float]:
    """CutMix's box: width ``W*sqrt(1 - lam)`` and height ``H*sqrt(1 - lam)``."""
    return w * math.sqrt(1 - lam), h * math.sqrt(1 - lam)


def _cutmix(p: Parsed):
    lam = value_named(p, ("lambda", "λ"))
    if lam is None or not 0 < lam < 1 or len(set(p.sizes)) != 1:
        return None
    w, h = p.sizes[0]
    bw, bh = cutmix_box(w, h, lam)
    return (f"λ = {fmt(lam)} on {fmt(w)}×{fmt(h)}: the box is W√(1 − λ) × H√(1 − λ) = {bw:.1f} × {bh:.1f} px, and "
            f"the labels get λ = {fmt(lam)} (this image) and 1 − λ = {fmt(round(1 - lam, 6))} (the pasted one), "
            f"λ recomputed as 1 − box area/(WH) after clipping"), {"lambda": lam, "W": w, "H": h}


def gd_step_bounds(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Largest stable step ``2/lam_max``, best fixed step ``2/(lam_min + lam_max)`` and its contraction
    ``(kappa - 1)/(kappa + 1)``."""
    kappa = lam_max / lam_min
    return 2 / lam_max, 2 / (lam_min + lam_max), (kappa - 1) / (kappa + 1)


def _gd(p: Parsed):
    m = re.search(r"eigenvalues?\s+(?:are\s+|of\s+)?" + _NUM + r"\s*(?:and|,|to)\s*" + _NUM, p.text)
    if m is None:
        return None
    lo, hi = sorted((_num(m.group(1)), _num(m.group(2))))
    if lo <= 0:
        return None
    top, best, rate = gd_step_bounds(lo, hi)
    return (f"λ_min = {fmt(lo)}, λ_max = {fmt(hi)}: stable for 0 < η < 2/λ_max = {fmt(top, 4)}; the best fixed step "
            f"is η* = 2/(λ_min + λ_max) = {fmt(best, 4)}, with κ = {fmt(hi / lo)} and contraction "
            f"(κ − 1)/(κ + 1) = {rate:.3f} per step"), {"lambda_min": lo, "lambda_max": hi}


def value_after(p: Parsed, pattern: str) -> float | None:
    """The one number right after a word matching ``pattern`` ("lag 3", "noise variance 1"): the formula's own
    variable word, so "top 5" never binds; None when none or several differ."""
    vals = {_num(m.group(1)) for m in re.finditer(r"\b(?:" + pattern + r")\s+(?:of\s+|=\s*|is\s+)?" + _NUM, p.text)}
    return vals.pop() if len(vals) == 1 else None


def smoothed_targets(eps: float, k: float) -> tuple[float, float]:
    """Label smoothing's targets: ``1 - eps + eps/K`` on the true class, ``eps/K`` on each other class."""
    return 1 - eps + eps / k, eps / k


def _smoothing(p: Parsed):
    eps = value_named(p, ("epsilon", "ε", "eps", "smoothing"))
    k = count_of(p, r"classes\b|categories\b")
    if eps is None or k is None or not 0 < eps < 1 or k < 2 or k % 1:
        return None
    true, other = smoothed_targets(eps, k)
    return (f"ε = {fmt(eps)}, K = {fmt(k)}: the true class gets (1 − ε) + ε/K = {fmt(round(true, 9))} and each of "
            f"the other {fmt(k - 1)} classes ε/K = {fmt(round(other, 9))}"), {"epsilon": eps, "K": k}


def ar1_moments(phi: float, sigma2: float, lag: int) -> tuple[float, float]:
    """A stationary AR(1)'s variance ``sigma2/(1 - phi**2)`` and autocorrelation ``phi**lag``."""
    return sigma2 / (1 - phi * phi), phi ** lag


def _ar1(p: Parsed):
    phi = value_named(p, ("phi", "φ"))
    if phi is None or not abs(phi) < 1:
        return None
    s2 = value_named(p, ("variance", "sigma2", "σ²")) or value_after(p, r"variance")
    lag = value_after(p, r"lag")
    var = (f"Var(y) = σ²/(1 − φ²) = {fmt(s2)}/(1 − {fmt(phi)}²) = {1 / (1 - phi * phi) * s2:.3g}" if s2
           else f"Var(y) = σ²/(1 − φ²) = {1 / (1 - phi * phi):.3g} σ²")
    text = f"φ = {fmt(phi)}: {var}"
    if lag is not None and lag >= 1 and lag % 1 == 0:
        text += f", and ρ_{fmt(lag)} = φ^{fmt(lag)} = {phi ** lag:.4g}"
    return text, {"phi": phi, **({"sigma2": s2} if s2 else {}), **({"lag": lag} if lag is not None else {})}


def zero_point_uint8(lo: float, hi: float) -> tuple[float, int]:
    """Asymmetric uint8 quantization of the range [lo, hi]: scale ``(hi - lo)/255``, zero point ``round(-lo/s)``."""
    s = (hi - lo) / 255
    return s, int(round(-lo / s))


def _zero_point(p: Parsed):
    sn = r"(-?\d+(?:\.\d+)?)"
    m = re.search(r"\brange\w*\s+(?:is\s+|of\s+)?(?:from\s+)?\[?" + sn + r"\s*(?:to|,|\.\.)\s*" + sn, p.text)
    if m is None:
        return None
    lo, hi = float(m.group(1)), float(m.group(2))
    if not lo < hi:
        return None
    s, z = zero_point_uint8(lo, hi)
    text = f"range [{fmt(lo)}, {fmt(hi)}]: s = (max − min)/255 = {fmt(hi - lo)}/255 = {s:.5f}, z = round(−min/s) = {z}"
    xs = {float(x.group(1)) for x in re.finditer(sn + r"\s+(?:get\s+|gets\s+|is\s+)?(?:quantized|quantised|mapped)",
                                                 p.text)}
    if len(xs) == 1:
        x = xs.pop()
        q = min(255, max(0, round(x / s) + z))
        text += (f"; x = {fmt(x)} gives q = clip(round(x/s) + z, 0, 255) = {q}, dequantized to s(q − z) = "
                 f"{s * (q - z):.4f}")
    return text, {"min": lo, "max": hi}


def _four_fifths(p: Parsed):
    rates = list(dict.fromkeys(p.percents))
    if len(rates) != 2 or not all(0 < r <= 1 for r in rates):
        return None
    lo, hi = sorted(rates)
    ratio = lo / hi
    verdict = "below 0.8: it fails the four-fifths rule" if ratio < 0.8 else "at least 0.8: it passes the four-fifths rule"
    return (f"disparate impact ratio = lower rate / higher rate = {fmt(lo)}/{fmt(hi)} = {ratio:.2f}, {verdict}"), \
        {"rate_low": lo, "rate_high": hi}


def _sci_values(text: str, pattern: str) -> set[float]:
    """Numbers, in plain or scientific notation ("1e-1", "3e-3", "0.01", "3×10^-3"), right after a phrase matching
    ``pattern`` and an optional "at/around/near/of/is/=/~" ("bottoms out at 1e-1")."""
    num = r"(\d+(?:\.\d+)?(?:e-?\d+)?)(?:\s*x\s*10\^?(-?\d+))?"
    out = set()
    for m in re.finditer(r"(?:" + pattern + r")\s+(?:(?:at|around|near|about|of|is|=)\s+|~\s*)*~?\s*" + num, text):
        out.add(float(m.group(1)) * (10 ** int(m.group(2)) if m.group(2) else 1))
    return out


def pipeline_bubble(p: float, m: float) -> float:
    """GPipe's idle ("bubble") fraction with ``p`` stages and ``m`` micro-batches: ``(p - 1)/(m + p - 1)``."""
    return (p - 1) / (m + p - 1)


def micro_batches_below(p: float, target: float) -> int:
    """The fewest micro-batches whose bubble is strictly below ``target``: (p-1)/(m+p-1) < t iff
    m > (p-1)(1-t)/t."""
    bound = (p - 1) * (1 - target) / target
    m = math.floor(bound) + 1
    while m > 1 and pipeline_bubble(p, m - 1) < target:  # guard against rounding in the bound
        m -= 1
    while pipeline_bubble(p, m) >= target:
        m += 1
    return m


def _pipeline(p: Parsed):
    stages = count_of(p, r"(?:pipeline )?stages?\b") or value_named(p, ("stages",))
    if stages is None:  # "over 4 GPUs": one stage per device, the corpus's layout
        stages = count_of(p, r"(?:gpus?|devices?|accelerators?)\b")
    m = count_of(p, r"micro-?\s?batch")
    if stages is None or m is None or stages < 2 or stages % 1 or m % 1:
        return None
    b = pipeline_bubble(stages, m)
    text = (f"p = {fmt(stages)} stages, m = {fmt(m)} micro-batches: the bubble is (p − 1)/(m + p − 1) = "
            f"{fmt(stages - 1)}/{fmt(m + stages - 1)} ≈ {100 * b:.1f}% of the time idle")
    values = {"p": stages, "m": m}
    targets = {t for t in p.percents if 0 < t < 1}
    if len(targets) == 1:
        t = targets.pop()
        need = micro_batches_below(stages, t)
        text += (f"; below {fmt(100 * t)}% needs {fmt(stages - 1)}/(m + {fmt(stages - 1)}) < {fmt(t)}, i.e. "
                 f"m ≥ {need} ({fmt(stages - 1)}/{fmt(need + stages - 1)} ≈ "
                 f"{100 * pipeline_bubble(stages, need):.1f}%)")
        values["target"] = t
    return text, values


def scale_bits(block: float, double: bool, scale_bits_: float = 32, q_bits: float = 8,
               second_block: float = 256) -> float:
    """Bits per parameter spent on absmax scales: one ``scale_bits_`` scale per ``block`` weights, or (double
    quantization) a ``q_bits`` scale per block plus one ``scale_bits_`` constant per ``second_block`` scales."""
    if not double:
        return scale_bits_ / block
    return q_bits / block + scale_bits_ / (block * second_block)


def _qlora(p: Parsed):
    block = value_named(p, ("blocks", "block", "blocksize")) or value_after(p, r"block\s*size|blocksize")
    if block is None:
        block = count_of(p, r"(?:-?weight |-?parameter |-?element )?blocks?\b")
    if block is None or block < 2 or block % 1:
        return None
    single, double = scale_bits(block, False), scale_bits(block, True)
    text = (f"blocks of {fmt(block)}: one 32-bit scale per block costs 32/{fmt(block)} = {fmt(single)} bits per "
            f"parameter; with double quantization (8-bit scales, one 32-bit constant per 256 scales) "
            f"8/{fmt(block)} + 32/({fmt(block)}·256) ≈ {double:.3f} bits, a saving of {single - double:.3f} bits per "
            f"parameter")
    values = {"block": block}
    ns = {_num(m.group(1)) * {"b": 1e9, "m": 1e6}[m.group(2)]
          for m in re.finditer(_NUM + r"\s*([bm])\b", p.text)}
    if len(ns) == 1:
        n = ns.pop()
        text += (f"; on {fmt(n / 1e9)}e9 parameters that is {fmt(single * n / 8e9)} GB against "
                 f"{fmt(double * n / 8e9)} GB of scales, about {fmt((single - double) * n / 8e9, 2)} GB saved")
        values["N"] = n
    return text, values


def differenced_noise(sigma2: float) -> tuple[float, float]:
    """First difference of trend plus white noise of variance ``sigma2``: variance ``2 sigma2``, lag-1
    autocorrelation ``-sigma2 / (2 sigma2) = -1/2``."""
    return 2 * sigma2, -sigma2 / (2 * sigma2)


def _differenced(p: Parsed):
    if not re.search(r"\bnoise\b", p.text) or re.search(r"random walk|unit root", p.text):
        return None  # the exercise's set-up is a trend plus white noise; a random walk differences to white noise
    sd = value_after(p, r"sd|std|standard deviation|sigma|σ") or value_named(p, ("sd", "std", "sigma", "σ"))
    var = value_after(p, r"variance") or value_named(p, ("variance", "σ²", "sigma2"))
    if sd is not None and var is not None and abs(sd * sd - var) > 1e-9:
        return None  # two different noise levels: ambiguous
    if sd is None and var is None:
        return None
    s2 = var if var is not None else sd * sd
    v, rho = differenced_noise(s2)
    given = f"σ = {fmt(sd)}, σ² = {fmt(s2)}" if sd is not None else f"σ² = {fmt(s2)}"
    return (f"{given}: Δy_t = b + e_t − e_(t−1) has mean b (the slope), variance 2σ² = {fmt(v)} (against "
            f"{fmt(s2)} before differencing) and lag-1 autocorrelation −σ²/(2σ²) = {fmt(rho).replace('-', '−')}, zero beyond lag 1 "
            f"(a non-invertible MA(1), the sign of over-differencing)"), \
        {("sd" if sd is not None else "variance"): (sd if sd is not None else s2)}


def littles_law(rate: float, seconds: float) -> float:
    """Mean number in the system (busy workers, requests in flight): ``L = lambda * W``."""
    return rate * seconds


def _rate_and_time(p: Parsed) -> tuple[float, float] | None:
    rates = {_num(m.group(1)) for m in re.finditer(
        _NUM + r"\s*(?:requests?|req|queries|predictions?|calls?)?\s*(?:/\s*s(?:ec)?\b|per second|a second|qps|rps)",
        p.text)}
    times = {_num(m.group(1)) / (1000 if m.group(2).startswith("m") else 1) for m in re.finditer(
        _NUM + r"\s*(ms|milliseconds?|s|sec|seconds?)\b(?!\s*(?:/|per))", p.text)}
    if len(rates) != 1 or len(times) != 1:
        return None
    return rates.pop(), times.pop()


def _little(p: Parsed):
    got = _rate_and_time(p)
    if got is None:
        return None
    lam, w = got
    busy = littles_law(lam, w)
    text = (f"λ = {fmt(lam)} requests/s, W = {fmt(w)} s: L = λW = {fmt(lam)} × {fmt(w)} = {fmt(busy)} in the system "
            f"on average, so at least {math.ceil(busy - 1e-9)} single-request workers at 100% utilisation")
    values = {"rate": lam, "time": w}
    slots = count_of(p, r"(?:requests? |slots? )?(?:concurrent|at once|in parallel|slots?\b)")
    cap = {t for t in p.percents if 0 < t < 1}
    if slots is not None and len(cap) == 1:
        u = cap.pop()
        per = slots * u
        text += (f"; at {fmt(100 * u)}% of {fmt(slots)} slots each replica holds {fmt(per)}, so "
                 f"⌈{fmt(busy)}/{fmt(per)}⌉ = {math.ceil(busy / per - 1e-9)} replicas")
        values |= {"slots": slots, "utilisation": u}
    return text, values


def rnn_params(d: float, h: float, gates: int, biases: int = 2) -> float:
    """Parameters of one recurrent layer with ``gates`` blocks (LSTM 4, GRU 3), input size ``d``, hidden size
    ``h`` and ``biases`` bias vectors per block (PyTorch: 2): ``gates * (h*d + h*h + biases*h)``."""
    return gates * (h * d + h * h + biases * h)


# a PyTorch recurrent layer's constructor: "nn.GRU(64, 128)", "nn.LSTM(input_size=300, hidden_size=512)"; its first
# two arguments are input_size and hidden_size
_RNN_CALL = re.compile(r"\b(?:nn\.)?(lstm|gru)\(\s*(?:input_size\s*=\s*)?" + _NUM
                       + r"\s*,\s*(?:hidden_size\s*=\s*)?" + _NUM + r"\s*[,)]")


def _rnn_call(p: Parsed) -> tuple[float, float, int] | None:
    """(d, h, gates) of the one recurrent-layer constructor the question writes; None when none or several differ."""
    calls = {(_num(m.group(2)), _num(m.group(3)), 4 if m.group(1) == "lstm" else 3) for m in _RNN_CALL.finditer(p.text)}
    return calls.pop() if len(calls) == 1 else None


def _rnn(p: Parsed):
    call = _rnn_call(p)
    if call is not None:
        d, h, g = call
        if h % 1 or d % 1 or re.search(r"num_layers\s*=\s*(?!1\b)\d|bidirectional\s*=\s*true", p.text):
            return None  # a stacked or bidirectional layer is not one block of the formula
        name = "LSTM" if g == 4 else "GRU"
        return (f"{name}(input_size = {fmt(d)}, hidden_size = {fmt(h)}): {g}(hd + h² + 2h) = {g}·{fmt(h)}·"
                f"({fmt(d)} + {fmt(h)}) + {2 * g}·{fmt(h)} = {fmt(rnn_params(d, h, g))} with PyTorch's two bias "
                f"vectors per block (b_ih and b_hh); with one bias vector it is {fmt(rnn_params(d, h, g, 1))}, so the "
                f"second bias vector adds {g}h = {fmt(g * h)}"), {"d": d, "h": h}
    h = value_after(p, r"hidden(?:\s+(?:size|units|dim\w*|state))?") or value_named(p, ("hidden",))
    if h is None:
        h = count_of(p, r"hidden\b")
    d = value_after(p, r"input(?:\s+(?:size|dim\w*|features))?|embedding(?:\s+(?:size|dim\w*))?") \
        or value_named(p, ("input", "embedding"))
    if d is None:
        d = count_of(p, r"(?:input|embedding)\b|(?:-?dim\w* )?(?:inputs?|embeddings?)\b")
    kinds = {g for g, pat in ((4, r"\blstm"), (3, r"\bgru")) if re.search(pat, p.text)}
    if h is None or d is None or not kinds or h % 1 or d % 1:
        return None
    parts = []
    for g in sorted(kinds, reverse=True):
        name = "LSTM" if g == 4 else "GRU"
        parts.append(f"{name}: {g}(hd + h² + 2h) = {g}·{fmt(h)}·({fmt(d)} + {fmt(h)}) + {2 * g}·{fmt(h)} = "
                     f"{fmt(rnn_params(d, h, g))} with PyTorch's two bias vectors ({fmt(rnn_params(d, h, g, 1))} "
                     f"with one)")
    return f"d = {fmt(d)} inputs, h = {fmt(h)} hidden units: " + "; ".join(parts), {"d": d, "h": h}


def ses_weights(alpha: float, lags: int = 4) -> tuple[list[float], float]:
    """Simple exponential smoothing: the weights α(1 − α)^k of the observations k = 0 .. ``lags`` − 1 steps back, and
    the half-life ln 2 / −ln(1 − α), the number of steps after which a weight is half the newest one's."""
    return [alpha * (1 - alpha) ** k for k in range(lags)], math.log(2) / -math.log(1 - alpha)


def _ses(p: Parsed):
    if not re.search(r"\bweigh|\bhalf\b|\bhalv|half-life", p.text):
        return None  # the question asks about the forecast or the level, not the weights
    a = value_named(p, ("alpha", "α"))
    if a is None or not 0 < a < 1 or re.search(r"\b(?:beta|β|gamma|γ|phi|φ)\s*=", p.text):
        return None  # no smoothing constant, or Holt/Holt-Winters/damped constants too (other weights)
    w, half = ses_weights(a)
    ws = ", ".join(fmt(x) for x in w)
    return (f"α = {fmt(a)}: the observation k steps back gets weight α(1 − α)^k = {ws} for k = 0, 1, 2, 3; each "
            f"step back multiplies it by 1 − α = {fmt(1 - a)}, so a weight falls to half the newest one's after "
            f"ln 2 / −ln(1 − α) = 0.693 / {fmt(-math.log(1 - a))} = {fmt(half)} steps"), {"alpha": a,
                                                                                          "half_life": half}


def deterministic_policies(states: float, actions: float) -> float:
    """The number of deterministic stationary policies of a finite MDP: one action per state, |A|^|S|."""
    return actions ** states


def _policies(p: Parsed):
    if not re.search(r"deterministic polic", p.text):
        return None
    s = count_of(p, r"(?:discrete\s+)?states?\b")
    a = count_of(p, r"(?:discrete\s+)?actions?\b")
    if s is None or a is None or s % 1 or a % 1 or s < 1 or a < 1 or s > 60:
        return None
    n = deterministic_policies(s, a)
    shown = fmt(n) if n < 1e15 else _sci(n)
    return (f"{fmt(s)} states, {fmt(a)} actions: a deterministic policy picks one of the {fmt(a)} actions in each "
            f"of the {fmt(s)} states, so there are |A|^|S| = {fmt(a)}^{fmt(s)} = {shown} deterministic policies"), \
        {"states": s, "actions": a}


def psi_normal_shift(delta: float, bins: int = 10) -> tuple[float, float]:
    """PSI between N(0, 1) (reference) and N(δ, 1): the fine-bin limit δ² (the symmetrised KL divergence
    (μ₁ − μ₂)²/σ²) and the value with ``bins`` equal-probability bins of the reference."""
    ref = NormalDist()
    edges = [-math.inf] + [ref.inv_cdf(i / bins) for i in range(1, bins)] + [math.inf]
    cur = NormalDist(delta, 1)
    psi = 0.0
    for lo, hi in zip(edges, edges[1:]):
        c = (cur.cdf(hi) if hi < math.inf else 1.0) - (cur.cdf(lo) if lo > -math.inf else 0.0)
        psi += (c - 1 / bins) * math.log(c * bins)
    return delta ** 2, psi


def _psi(p: Parsed):
    if not re.search(r"\bmean\b|\bshift", p.text) or not re.search(r"n\(0,\s*1\)|normal|gaussian", p.text):
        return None
    if re.search(r"\b(?:variance|spread|scale)\b", p.text):
        return None  # a change of spread is not the equal-variance closed form
    d = count_of(p, r"(?:standard deviations?|std\b|sds?\b|sigmas?\b|σ)")
    if d is None:
        d = value_after(p, r"shift(?:s|ed)?(?:\s+(?:its|the))?(?:\s+mean)?(?:\s+by)?")
        if d is None or not re.search(r"standard deviation|\bsds?\b|\bstd\b|\bsigma|σ", p.text):
            return None
    if not 0 < d <= 5:
        return None
    fine, ten = psi_normal_shift(d)
    return (f"a mean shift of δ = {fmt(d)} standard deviations between N(0, 1) and N({fmt(d)}, 1): with many samples "
            f"and fine bins PSI approaches the squared standardised shift δ² = {fmt(fine)} (the symmetrised KL "
            f"divergence (μ₁ − μ₂)²/σ²); with ten equal-probability bins of the reference it is {fmt(ten, 2)}"), \
        {"delta": d, "psi": fine}


def bonferroni_fwer(alpha: float, m: float) -> tuple[float, float, float]:
    """Per-test level ``alpha/m``, and for ``m`` independent true nulls the chance of at least one false rejection
    with and without the correction: ``1 - (1 - alpha/m)**m`` and ``1 - (1 - alpha)**m``."""
    return alpha / m, 1 - (1 - alpha / m) ** m, 1 - (1 - alpha) ** m


def _bonferroni(p: Parsed):
    m = count_of(p, r"(?:independent |separate |simultaneous )?(?:tests|hypothes|comparisons|metrics|features|"
                    r"variants|p-values)")
    alphas = {v for n, v in p.assigned if n in ("alpha", "α", "level", "significance")} | {
        t for t in p.percents if 0 < t <= 0.2}
    if m is None or len(alphas) != 1 or m < 2 or m % 1:
        return None
    a = alphas.pop()
    per, fwer, raw = bonferroni_fwer(a, m)
    return (f"m = {fmt(m)} tests at α = {fmt(a)}: Bonferroni tests each at α/m = {fmt(per, 4)}; for independent "
            f"true nulls the chance of at least one false rejection is 1 − (1 − α/m)^m = {fwer:.4g}, against "
            f"1 − (1 − α)^m = {raw:.3g} uncorrected"), {"m": m, "alpha": a}


def _lr_finder(p: Parsed):
    mins = _sci_values(p.text, r"(?:loss\s+)?(?:minimum|lowest|bottoms?\s+out|minimi[sz]ed|min)")
    steep = _sci_values(p.text, r"(?:steepest|fastest|drops?\s+fastest|falls?\s+fastest|steepest\s+descent)")
    if len(mins) != 1:
        return None
    lo = mins.pop()
    text = (f"the loss minimum is at {lo:.0e}, so one order of magnitude below it is {lo:.0e}/10 = {lo / 10:.0e}, "
            f"safer than the minimum itself, which is already close to divergence")
    values = {"lr_min": lo}
    if len(steep) == 1:
        st = steep.pop()
        text += f"; the other rule, the point of steepest descent, gives {st:.0e}"
        values["lr_steepest"] = st
    return text.replace("e-0", "e-").replace("e+0", "e"), values


def rate_of(p: Parsed, pattern: str) -> float | None:
    """The one rate named by a word matching ``pattern``, as a fraction: "prevalence of 1%", "sensitivity 0.99",
    "99% sensitivity", "1 in 1,000" after the word; None when none or several differ."""
    vals = set()
    after = r"\b(?:" + pattern + r")\w*\s+(?:(?:of|is|=|:|at|about|around|only|just)\s+)*"
    for m in re.finditer(after + _NUM + r"\s*(%|percent\b)?(?!\s*in\s)", p.text):
        v = _num(m.group(1)) / (100 if m.group(2) else 1)
        if 0 <= v <= 1:
            vals.add(v)
    for m in re.finditer(_NUM + r"\s*(?:%|percent\b)\s+(?:" + pattern + r")", p.text):
        vals.add(_num(m.group(1)) / 100)
    for m in re.finditer(after + _NUM + r"\s+in\s+" + _NUM, p.text):
        vals.add(_num(m.group(1)) / _num(m.group(2)))
    return vals.pop() if len(vals) == 1 else None


def positive_predictive_value(prior: float, sens: float, fpr: float) -> float:
    """Bayes' rule for a positive result: ``sens*prior / (sens*prior + fpr*(1 - prior))``."""
    return sens * prior / (sens * prior + fpr * (1 - prior))


def _bayes(p: Parsed):
    prior = rate_of(p, r"prevalence|base rate|prior")
    sens = rate_of(p, r"sensitivity|sensitive|true positive rate|tpr|recall")
    fpr = rate_of(p, r"false positive rate|false-positive rate|fpr|false alarm rate")
    spec = rate_of(p, r"specificity|specific|true negative rate|tnr")
    if spec is not None:
        if fpr is not None and abs(fpr - (1 - spec)) > 1e-9:
            return None  # a false-positive rate and a specificity that disagree
        fpr = round(1 - spec, 12)
    if prior is None or sens is None or fpr is None or not 0 < prior < 1 or sens == 0:
        return None
    post = positive_predictive_value(prior, sens, fpr)
    tp, fp = sens * prior, fpr * (1 - prior)
    return (f"prevalence {fmt(prior, 4)}, sensitivity {fmt(sens, 4)}, false-positive rate {fmt(fpr, 4)}: "
            f"P(D | +) = {fmt(sens, 4)}·{fmt(prior, 4)} / ({fmt(sens, 4)}·{fmt(prior, 4)} + {fmt(fpr, 4)}·"
            f"{fmt(round(1 - prior, 9), 4)}) = {tp:.4g}/{tp + fp:.4g} ≈ {post:.3g}, so about "
            f"{100 * post:.1f}% of positives are true"), \
        {"prior": prior, "sensitivity": sens, **({"specificity": spec} if spec is not None else {"fpr": fpr})}


def kv_cache_bytes(layers: float, kv_heads: float, head_dim: float, bytes_per: float, tokens: float = 1,
                   batch: float = 1) -> float:
    """The KV cache: ``2 * L * h_kv * d_h * t * B * s`` bytes (keys and values)."""
    return 2 * layers * kv_heads * head_dim * tokens * batch * bytes_per


def _bytes(x: float) -> str:
    for unit, size in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if x >= size:
            return f"{fmt(x / size)} {unit}"
    return f"{fmt(x)} bytes"


def _kv(p: Parsed):
    layers = count_of(p, r"(?:transformer |decoder )?layers?\b")
    heads = count_of(p, r"(?:key-value |kv |attention )?heads?\b")
    dh = value_after(p, r"head dim\w*|head size|head width|d_h|dimension|width")
    dt = {b for name, b in _DTYPE_BYTES.items() if re.search(r"\b" + name + r"\b", p.text)}
    if layers is None or heads is None or dh is None or len(dt) != 1:
        return None
    s = dt.pop()
    per = kv_cache_bytes(layers, heads, dh, s)
    text = (f"L = {fmt(layers)} layers, {fmt(heads)} key-value heads of width {fmt(dh)}, {fmt(s)} bytes a number: "
            f"2·{fmt(layers)}·{fmt(heads)}·{fmt(dh)}·{fmt(s)} = {fmt(per)} bytes ({_bytes(per)}) per token")
    values = {"L": layers, "heads": heads, "d_h": dh, "bytes": s}
    tokens = count_of(p, r"-?tokens?\b|-?token (?:context|sequence|window)|context\b")
    if tokens is not None:
        text += f"; × {fmt(tokens)} tokens = {_bytes(per * tokens)} a sequence"
        values["tokens"] = tokens
        batch = value_named(p, ("batch",)) or count_of(p, r"(?:concurrent )?(?:sequences|requests|users)\b")
        if batch is not None and batch > 1:
            text += f", × {fmt(batch)} sequences = {_bytes(per * tokens * batch)}"
            values["batch"] = batch
    return text, values


def random_search_hit(q: float, n: float) -> float:
    """The chance that ``n`` independent random samples hit a region holding a fraction ``q`` of the space:
    ``1 - (1 - q)**n``."""
    return 1 - (1 - q) ** n


def _random_search(p: Parsed):
    q = rate_of(p, r"top|best")
    if q is None or not 0 < q < 1:
        return None
    n = count_of(p, r"(?:random )?(?:samples|trials|configurations|configs|points|draws|evaluations|runs|tries)\b")
    conf = {t for t in p.percents if 0 < t < 1 and abs(t - q) > 1e-12}
    if n is not None:
        return (f"with the best {fmt(100 * q)}% of the space good enough, {fmt(n)} random samples all miss it with "
                f"probability {fmt(round(1 - q, 9))}^{fmt(n)} = {(1 - q) ** n:.3g}, so they find it with probability "
                f"{random_search_hit(q, n):.3g}, whatever the dimension"), {"q": q, "n": n}
    if len(conf) == 1:
        c = conf.pop()
        need = math.ceil(math.log(1 - c) / math.log(1 - q) - 1e-12)
        return (f"to hit the best {fmt(100 * q)}% with probability {fmt(c)}: 1 − {fmt(round(1 - q, 9))}^n ≥ "
                f"{fmt(c)} needs n ≥ ln {fmt(round(1 - c, 9))} / ln {fmt(round(1 - q, 9))} = "
                f"{math.log(1 - c) / math.log(1 - q):.1f}, i.e. {need} samples, whatever the dimension"), \
            {"q": q, "confidence": c}
    return None


def speculative_tokens(alpha: float, gamma: float, c: float | None = None) -> tuple[float, float | None]:
    """Expected tokens per target pass ``(1 - alpha**(gamma+1))/(1 - alpha)`` and, with draft cost ratio ``c``,
    the speedup ``tokens/(gamma*c + 1)``."""
    tok = gamma + 1 if alpha == 1 else (1 - alpha ** (gamma + 1)) / (1 - alpha)
    return tok, (tok / (gamma * c + 1) if c is not None else None)


def _speculative(p: Parsed):
    a = value_named(p, ("alpha", "α", "acceptance")) or rate_of(p, r"acceptance(?: rate| probability)?")
    g = value_named(p, ("gamma", "γ")) or count_of(p, r"(?:draft(?:ed)? |speculat\w+ |guess\w* )tokens?\b")
    c = value_named(p, ("c",)) or rate_of(p, r"cost ratio|draft cost")
    if a is None or g is None or not 0 <= a <= 1 or g < 1 or g % 1:
        return None
    tok, speed = speculative_tokens(a, g, c)
    text = (f"α = {fmt(a)}, γ = {fmt(g)}: (1 − α^(γ+1))/(1 − α) = (1 − {fmt(a)}^{fmt(g + 1)})/{fmt(round(1 - a, 9))}"
            f" = {tok:.4g} tokens per target pass")
    values = {"alpha": a, "gamma": g}
    if speed is not None:
        text += f"; with c = {fmt(c)} the speedup is {tok:.4g}/({fmt(g)}·{fmt(c)} + 1) ≈ {speed:.2f}"
        values["c"] = c
    return text, values


def training_flops(n: float, d: float) -> float:
    """Training compute ``C ≈ 6ND`` FLOPs (2 per parameter per token forward, 4 backward)."""
    return 6 * n * d


_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def _train_compute(p: Parsed):
    ns = {_num(m.group(1)) * _SCALE[m.group(2)] for m in re.finditer(
        _NUM + r"\s*([mbt])\b(?:\s*|-)(?:param\w*|model|llm)", p.text)}
    ds = {_num(m.group(1)) * _SCALE[m.group(2)] for m in re.finditer(_NUM + r"\s*([kmbt])\b\s*tokens", p.text)}
    ds |= {_num(m.group(1)) * {"million": 1e6, "billion": 1e9, "trillion": 1e12}[m.group(2)]
           for m in re.finditer(_NUM + r"\s*(million|billion|trillion)\s+tokens", p.text)}
    if len(ns) != 1 or len(ds) != 1:
        return None
    n, d = ns.pop(), ds.pop()
    c = training_flops(n, d)
    text = f"C ≈ 6ND = 6 × {_sci(n)} × {_sci(d)} = {_sci(c)} FLOPs"
    values = {"N": n, "D": d}
    gpus = count_of(p, r"(?:a100|h100|v100|gpus?|accelerators?)\b")
    peak = {_num(m.group(1)) for m in re.finditer(_NUM + r"\s*tflop", p.text)}
    util = {t for t in p.percents if 0 < t <= 1}
    if gpus is not None and len(peak) == 1 and len(util) == 1:
        pk, u = peak.pop(), util.pop()
        secs = c / (gpus * pk * 1e12 * u)
        text += (f"; on {fmt(gpus)} GPUs at {fmt(100 * u)}% of {fmt(pk)} TFLOP/s: {_sci(c)}/({fmt(gpus)} × "
                 f"{fmt(pk * u)}×10^12) = {_sci(secs)} s, about {secs / 86400:.1f} days")
        values |= {"gpus": gpus, "peak_tflops": pk, "utilisation": u}
    return text, values


def _vit(p: Parsed):
    sizes = list(dict.fromkeys(p.sizes))
    patch = value_after(p, r"patch(?:\s+size)?") or value_named(p, ("patch",))
    if len(sizes) == 2 and patch is None:
        (h, w), (ph, pw) = sorted(sizes, key=lambda s: -s[0] * s[1])
    elif len(sizes) == 1 and patch is not None:
        (h, w), ph, pw = sizes[0], patch, patch
    else:
        return None
    if ph <= 0 or pw <= 0 or h % ph or w % pw:
        return None  # patches that do not tile the image: the formula needs padding or resizing first
    gh, gw = h / ph, w / pw
    return (f"a {fmt(h)}×{fmt(w)} image in {fmt(ph)}×{fmt(pw)} patches gives {fmt(gh)} × {fmt(gw)} = "
            f"{fmt(gh * gw)} patch tokens ({fmt(gh * gw + 1)} with [CLS]); attention over them costs on the order "
            f"of their square, {fmt((gh * gw) ** 2)} pairs"), {"H": h, "W": w, "P": ph}


def vif_two(r: float) -> float:
    """Variance inflation factor of one of two predictors correlated at ``r``: ``1/(1 - r**2)``."""
    return 1 / (1 - r * r)


def _vif(p: Parsed):
    r = value_named(p, ("r", "correlation", "correlated")) or value_after(p, r"correlat\w*(?:\s+coefficient)?")
    if r is None or not 0 <= abs(r) < 1:
        return None
    v = vif_two(r)
    return (f"r = {fmt(r)}: VIF = 1/(1 − r²) = 1/{fmt(round(1 - r * r, 9))} ≈ {v:.3g}, so each coefficient's "
            f"variance is {v:.3g} times (its standard error {math.sqrt(v):.2g} times) what it would be with "
            f"uncorrelated features"), {"r": r}



def fpn_level(w: float, h: float, k0: int = 4, canonical: float = 224, lo: int = 2, hi: int = 5) -> tuple[float, int]:
    """FPN's pyramid level for a ``w`` x ``h`` region: ``k0 + log2(sqrt(wh)/canonical)`` and its floor, clamped to
    the levels RoIs are pooled from, ``P_lo`` .. ``P_hi`` (P2 to P5, strides 4 to 32)."""
    raw = k0 + math.log2(math.sqrt(w * h) / canonical)
    return raw, min(hi, max(lo, math.floor(raw + 1e-9)))


_BOX = r"(?:box(?:es)?|proposals?|rois?|regions?|objects?|detections?)\b"


def _fpn(p: Parsed):
    size = r"(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)(?![\w.])"
    if re.search(r"\bimages?\b|\binputs?\b|resolution|feature maps?", p.text):
        # an image size beside the boxes: only sizes named as boxes ("a 100x50 proposal", "boxes of 64x64") bind
        boxes = [(_num(m.group(1)), _num(m.group(2))) for m in re.finditer(
            r"(?<![\w.])" + size + r"(?:\s*(?:px|pixels?))?\s+(?:[a-z-]+\s+)?" + _BOX, p.text)]
        boxes += [(_num(m.group(1)), _num(m.group(2))) for m in re.finditer(
            _BOX + r"\s+(?:of\s+)?(?:size\s+)?(?:of\s+)?" + size, p.text)]
    else:
        boxes = p.sizes  # the only sizes named: the regions
    boxes = list(dict.fromkeys(boxes))
    if not boxes or any(w <= 0 or h <= 0 for w, h in boxes):
        return None
    parts, values = [], {}
    for i, (w, h) in enumerate(boxes):
        raw, k = fpn_level(w, h)
        side, lg = math.sqrt(w * h), raw - 4
        step = f"4 {'−' if lg < 0 else '+'} {fmt(abs(lg))}"
        clamp = "" if math.floor(raw + 1e-9) == k else f", outside P2–P5, so clamped to P{k}"
        parts.append(f"a {fmt(w)}×{fmt(h)} box has √(wh) = {fmt(side)}, k = ⌊4 + log₂({fmt(side)}/224)⌋ = "
                     f"⌊{step}⌋ = {math.floor(raw + 1e-9)}{clamp}: pooled from P{k} (stride {2 ** k})")
        values |= {f"w{i}": w, f"h{i}": h}
    return "; ".join(parts), values



def conv_output_size(n: float, k: float, pad: float = 0, stride: float = 1) -> int:
    """Output size of a convolution along one dimension: ``floor((n + 2p - k)/s) + 1``."""
    return math.floor((n + 2 * pad - k) / stride) + 1


_MAP = r"(?:input|image|feature map|map|tensor|activation|picture)s?\b"
_KERNEL = r"(?:kernels?|conv\w*|filters?)\b"


def _conv_output(p: Parsed):
    t = p.text
    sq = r"(\d+)(?:\s*x\s*(\d+))?"
    inputs = {(int(m.group(1)), int(m.group(2) or m.group(1))) for m in re.finditer(
        r"(?<![\w.])(\d+)\s*x\s*(\d+)(?:\s*x\s*\d+)?(?:\s*(?:px|pixels?|rgb|grayscale|greyscale))?\s+" + _MAP, t)}
    inputs |= {(int(m.group(1)), int(m.group(2) or m.group(1))) for m in re.finditer(
        r"\b" + _MAP + r"\s+(?:of\s+)?(?:size\s+|shape\s+)?(?:of\s+|=\s*|is\s+)?" + sq + r"(?![\w.])", t)}
    kernels = {(int(m.group(1)), int(m.group(2))) for m in re.finditer(
        r"(?<![\w.])(\d+)\s*x\s*(\d+)\s+(?:[a-z-]+\s+)?" + _KERNEL, t)}
    kernels |= {(int(m.group(1)), int(m.group(2) or m.group(1))) for m in re.finditer(
        r"\bkernel(?:\s+size)?\s+(?:of\s+|=\s*|is\s+)?" + sq + r"(?![\w.])", t)}
    if len(inputs) != 1 or len(kernels) != 1:
        return None
    (h, w), (kh, kw) = inputs.pop(), kernels.pop()
    stride = value_after(p, r"stride") or value_named(p, ("stride",))
    pads = {_num(m.group(1)) for m in re.finditer(r"\bpadding\s+(?:of\s+|=\s*|is\s+)?" + _NUM, t)}
    pads |= {_num(m.group(1)) for m in re.finditer(_NUM + r"\s+(?:pixels?\s+(?:of\s+)?)?(?:zero[- ])?padding\b", t)}
    if re.search(r"\bno (?:zero[- ])?padding\b|\bvalid\b|\bunpadded\b", t):
        pads.add(0.0)
    same = bool(re.search(r"\bsame\b", t)) and "padding" in t
    if same and (kh % 2 == 0 or kw % 2 == 0 or stride not in (None, 1) or pads):
        return None  # "same" with an even kernel, a stride or a number beside it: not one symmetric padding
    if len(pads) > 1 or (stride is not None and (stride < 1 or stride % 1)):
        return None
    values = {"H": float(h), "W": float(w), "kh": float(kh), "kw": float(kw)}
    if stride is None:
        stride, stride_txt = 1, "stride 1 (none given)"
    else:
        stride_txt = f"stride {fmt(stride)}"
        values["stride"] = stride
    pad = pads.pop() if pads else 0.0
    if same:
        pad_txt = f'"same" padding p = (k − 1)/2 = {fmt((kh - 1) / 2)}'
    elif pad != 0.0 or re.search(r"padding|\bvalid\b|unpadded", t):
        pad_txt = f"padding {fmt(pad)}"
        values["padding"] = float(pad)
    else:
        pad_txt = "no padding (none given)"
    dims = []
    for n, k in ((h, kh), (w, kw)):
        pp = (k - 1) / 2 if same else pad
        if n + 2 * pp < k:
            return None
        dims.append((n, k, pp, conv_output_size(n, k, pp, stride)))
    show = dims[:1] if (h, kh) == (w, kw) else dims
    parts = [f"⌊({fmt(n)} + 2·{fmt(pp)} − {fmt(k)})/{fmt(stride)}⌋ + 1 = {out}" for n, k, pp, out in show]
    return (f"input {fmt(h)}×{fmt(w)}, kernel {fmt(kh)}×{fmt(kw)}, {stride_txt}, {pad_txt}: "
            f"⌊(n + 2p − k)/s⌋ + 1 gives {'; '.join(parts)}, so the output is {dims[0][3]}×{dims[1][3]} per "
            f"channel, with as many channels as filters"), values


def mha_params(d: float) -> float:
    """Parameters of a multi-head self-attention layer of width ``d`` with biases: ``4d^2 + 4d``, whatever the
    number of heads."""
    return 4 * d * d + 4 * d


_WIDTH = ("d_model", "dmodel", "d", "width", "dim", "dimension", "embed_dim", "hidden", "size")


def _width(p: Parsed) -> float | None:
    d = value_named(p, _WIDTH) or value_after(p, r"d_model|d|model (?:width|dimension|dim)|hidden size|"
                                                 r"embedding (?:size|dim\w*)|width")
    return d if d is not None else count_of(p, r"(?:-?dim\w*|-?wide|model dim\w*|d_model|hidden units)\b")


def _mha(p: Parsed):
    if re.search(r"\blayers\b", p.text) and not re.search(r"\bone (?:attention )?layer\b|\ba single\b", p.text):
        return None  # a stack of layers: the transformer-layer formula, not one attention layer
    d = _width(p)
    heads = {v for v, words in p.counted if re.match(r"(?:attention )?heads?\b", words)}
    heads |= {v for n, v in p.assigned if n in ("heads", "h")}
    heads |= {_num(m.group(2)) for m in re.finditer(  # "from 8 heads to 16", "8 heads or 16"
        _NUM + r"\s+(?:attention\s+)?heads?\s+(?:to|or|vs\.?|versus|and)\s+" + _NUM + r"(?!\s*[a-z])", p.text)}
    if d is None or d < 1 or d % 1 or any(h < 1 or h % 1 or d % h for h in heads):
        return None  # the heads must divide the width
    note = "; " + ", ".join(f"with {fmt(h)} heads each head has d/H = {fmt(d / h)} dimensions"
                            for h in sorted(heads)) + ", the same total" if heads else ""
    return (f"d = {fmt(d)}: 3(d² + d) for the Q, K, V projections plus d² + d for the output projection, "
            f"4d² + 4d = {fmt(mha_params(d))} parameters, whatever the number of heads{note}"), \
        {"d": d, **{f"heads{i}": h for i, h in enumerate(sorted(heads))}}


def transformer_params(layers: float, d: float) -> float:
    """Weights of ``layers`` transformer layers of width ``d`` with a 4d feed-forward: about ``12 L d^2``."""
    return 12 * layers * d * d


def _transformer(p: Parsed):
    d = _width(p)
    layers = count_of(p, r"(?:transformer |decoder |encoder )?(?:layers?|blocks?)\b") or \
        value_named(p, ("layers", "l", "n_layers", "depth", "blocks"))
    if d is None or layers is None or d % 1 or layers % 1 or d < 1 or layers < 1:
        return None
    n = transformer_params(layers, d)
    return (f"d = {fmt(d)}, L = {fmt(layers)}: 4d² attention + 8d² feed-forward = 12d² = {fmt(12 * d * d)} per layer, "
            f"12Ld² ≈ {_sci(n)} parameters in all (biases, norms and the embedding table aside)"), \
        {"d": d, "layers": layers}


def dropout_scale(p: float) -> float:
    """Inverted dropout's factor on surviving units during training: ``1/(1 - p)``."""
    return 1 / (1 - p)


def _dropout(p: Parsed):
    rate = value_named(p, ("dropout", "p")) or value_after(p, r"dropout(?: rate| probability| p)?|drop rate")
    if rate is None:
        rate = count_of(p, r"dropout\b")
    if rate is None and len(set(p.percents)) == 1 and re.search(r"%\s*dropout|dropout (?:of|at) \d+%", p.text):
        rate = p.percents[0]
    if rate is None or not 0 < rate < 1:
        return None
    f = dropout_scale(rate)
    text = (f"p = {fmt(rate)}: each unit is zeroed with probability {fmt(rate)} and the survivors are multiplied by "
            f"1/(1 − {fmt(rate)}) ≈ {f:.3g} during training, so the expected activation is unchanged; at test "
            f"time dropout is off and nothing is rescaled")
    values = {"p": rate}
    act = value_after(p, r"activation(?: value)?|value|output") or value_named(p, ("activation",))
    if act is not None:
        text += (f"; an activation of {fmt(act)} becomes {fmt(act * f)} when kept and 0 when dropped "
                 f"(mean {fmt(act)})")
        values["activation"] = act
    return text, values


def oob_share(n: float) -> float:
    """Share of rows a bootstrap sample of size ``n`` leaves out: ``(1 - 1/n)^n`` (→ e^-1 ≈ 0.368)."""
    return (1 - 1 / n) ** n


def _oob(p: Parsed):
    n = count_of(p, r"(?:rows?|samples?|examples?|observations?|points?|data points?|records?|training)\b")
    trees = count_of(p, r"(?:trees?|estimators?|bootstrap samples)\b") or value_named(p, ("n_estimators",))
    if n is None and trees is None:
        return None
    if n is not None and (n < 2 or n % 1):
        return None
    share = oob_share(n) if n is not None else math.exp(-1)
    parts = []
    if n is not None:
        parts.append(f"n = {fmt(n)}: a bootstrap sample leaves out each row with probability (1 − 1/n)^n = "
                     f"{share:.4f} (→ e⁻¹ ≈ 0.368), so about {fmt(round(n * share))} rows are out of bag per tree "
                     f"and about {fmt(round(n * (1 - share)))} distinct rows are drawn")
    else:
        parts.append("each row is left out of a bootstrap sample with probability (1 − 1/n)^n ≈ e⁻¹ ≈ 0.368")
    if trees is not None:
        parts.append(f"with {fmt(trees)} trees each row is out of bag for about {fmt(round(trees * share))} of them")
    values = {k: v for k, v in (("n", n), ("trees", trees)) if v is not None}
    return "; ".join(parts), values


def separable_ratio(k: float, c_out: float) -> float:
    """Cost of a depthwise-separable convolution relative to a standard one: ``1/C_out + 1/k^2``."""
    return 1 / c_out + 1 / (k * k)


def _separable(p: Parsed):
    ks = {int(m.group(1)) for m in re.finditer(r"(?<![\w.])(\d+)\s*x\s*\1(?![\w.])", p.text)}
    k = ks.pop() if len(ks) == 1 else value_after(p, r"kernel(?: size)?")
    c_in = value_named(p, ("c_in", "in_channels")) or count_of(p, r"(?:input|in)[- ]channels?\b")
    c_out = value_named(p, ("c_out", "out_channels")) or count_of(p, r"(?:output|out)[- ]channels?\b")
    if c_out is None and c_in is None:
        both = count_of(p, r"channels?\b")
        c_in = c_out = both
    if k is None or c_out is None or k < 1 or c_out < 1:
        return None
    r = separable_ratio(k, c_out)
    text = (f"k = {fmt(k)}, C_out = {fmt(c_out)}: (k²C_in + C_in·C_out)/(k²C_in·C_out) = 1/C_out + 1/k² = "
            f"{fmt(1 / c_out, 3)} + {fmt(1 / (k * k), 3)} ≈ {r:.3f}, about {1 / r:.1f} times fewer multiply-adds")
    values = {"k": float(k), "c_out": c_out}
    if c_in is not None:
        text += (f"; per output position {fmt(k * k * c_in * c_out)} against {fmt(k * k * c_in + c_in * c_out)} "
                 f"for C_in = {fmt(c_in)}")
        values["c_in"] = c_in
    return text, values

# -- round 16 (num16x): formulas for fresh14's numeric questions, each stated by a retrieved section ---------------

def expert_capacity(factor: float, tokens: float, experts: float) -> int:
    """Token slots per expert, ``capacity factor × tokens / N`` (rounded down to whole slots)."""
    return math.floor(factor * tokens / experts + 1e-9)


def _moe_capacity(p: Parsed):
    n = count_of(p, r"experts\b")  # plural: "to a single expert" is the routed tokens' target, not N
    cf = value_after(p, r"capacity factor") or count_of(p, r"capacity factor")
    if n is None or cf is None or not 0 < cf <= 16:
        return None
    # tokens sent to one expert ("sends 400 tokens to one expert", "400 tokens are routed to a single expert")
    routed_pat = _NUM + r"\s+tokens?\s+(?:(?:are|is|get|gets|all|being)\s+)*(?:routed|sent|go(?:es)?|assigned)?\s*" \
        r"to\s+(?:one|an|a single|a|the same|that|this|one single)\s+expert"
    routed = {_num(m.group(1)) for m in re.finditer(routed_pat, p.text)}
    # every number before "tokens", also in a list ("4096 or 8192 tokens"), less the routed count
    tokens = {_num(x) for m in re.finditer(r"((?:" + _NUMX + r"\s*(?:or|and|to|vs\.?)\s*)*" + _NUMX + r")\s+tokens?\b",
                                           p.text) for x in re.findall(_NUMX, m.group(1))} - routed
    if len(tokens) != 1 or len(routed) > 1:
        return None
    t = tokens.pop()
    cap = expert_capacity(cf, t, n)
    exact = cf * t / n
    text = (f"capacity = capacity factor × tokens / N = {fmt(cf)} × {fmt(t)} / {fmt(n)} = "
            + (f"{fmt(cap)} token slots per expert" if abs(exact - cap) < 1e-9
               else f"{fmt(exact)}, i.e. {fmt(cap)} whole token slots per expert"))
    values = {"capacity_factor": cf, "tokens": t, "experts": n}
    if routed:
        r = routed.pop()
        values["routed"] = r
        if r > cap:
            text += (f"; with {fmt(r)} tokens routed to one expert, {fmt(cap)} are processed and {fmt(r - cap)} "
                     f"are dropped by it (passed on by the residual connection)")
        else:
            text += f"; {fmt(r)} tokens routed to one expert fit within its {fmt(cap)} slots"
    return text, values


def back_project(u: float, v: float, d: float, fx: float, fy: float, cx: float, cy: float) -> tuple[float, ...]:
    """The camera-frame point of pixel (u, v) at depth d, ``X = d K^-1 (u, v, 1)^T`` with K = [[fx, 0, cx], [0, fy,
    cy], [0, 0, 1]]: ``(d(u - cx)/fx, d(v - cy)/fy, d)``."""
    return d * (u - cx) / fx, d * (v - cy) / fy, d


def _back_projection(p: Parsed):
    one = {k: value_named(p, (k,)) for k in ("fx", "fy", "cx", "cy", "u", "v")}
    pix = {(_num(m.group(1)), _num(m.group(2))) for m in re.finditer(
        r"pixel\s*(?:at\s*)?\(\s*" + _NUM + r"\s*,\s*" + _NUM + r"\s*\)", p.text)}
    if (one["u"] is None or one["v"] is None) and len(pix) == 1:
        one["u"], one["v"] = pix.pop()
    f = value_named(p, ("f", "focal"))
    for k in ("fx", "fy"):
        one[k] = one[k] if one[k] is not None else f
    depth = value_named(p, ("depth", "d", "z")) or value_after(p, r"depth(?: reading| value)?")
    if depth is None or any(x is None for x in one.values()) or not one["fx"] or not one["fy"]:
        return None
    u, v, fx, fy, cx, cy = (one[k] for k in ("u", "v", "fx", "fy", "cx", "cy"))
    x, y, z = back_project(u, v, depth, fx, fy, cx, cy)
    return (f"X = d·(u − cx)/fx = {fmt(depth)} × ({fmt(u)} − {fmt(cx)})/{fmt(fx)} = {fmt(x, 4)}, "
            f"Y = d·(v − cy)/fy = {fmt(depth)} × ({fmt(v)} − {fmt(cy)})/{fmt(fy)} = {fmt(y, 4)}, Z = d = {fmt(z)}: "
            f"the point is ({fmt(x, 4)}, {fmt(y, 4)}, {fmt(z)}) in the camera frame, in the depth's units"), \
        {"u": u, "v": v, "depth": depth, "fx": fx, "fy": fy, "cx": cx, "cy": cy}


def one_cycle_bounds(max_lr: float, div: float = 25.0, final_div: float = 1e4) -> tuple[float, float]:
    """One-cycle's starting rate ``max_lr / div`` and final rate ``max_lr / (div · final_div)`` (PyTorch's
    ``OneCycleLR`` defaults div_factor 25, final_div_factor 1e4, as the section's ``one_cycle`` code)."""
    return max_lr / div, max_lr / (div * final_div)


def _one_cycle(p: Parsed):
    peaks = {v for n, v in p.assigned if n in ("max_lr", "lr_max")} | _sci_values(
        p.text, r"max_lr\s*=|lr_max\s*=|max(?:imum)? (?:lr|learning rate)|peak (?:lr|learning rate)")
    if len(peaks) != 1:
        return None
    mx = peaks.pop()
    if not 0 < mx < 10:
        return None
    div = value_named(p, ("div_factor",))
    given = div is not None
    div = div if given else 25.0
    if div <= 0:
        return None
    start, end = one_cycle_bounds(mx, div)
    text = (f"OneCycleLR starts at max_lr/div_factor = {fmt(mx)}/{fmt(div)} = {_sci(start)}"
            + ("" if given else " (div_factor 25 by default)")
            + f", rises to max_lr = {fmt(mx)} over the first 30% of its scheduler steps (pct_start 0.3) and anneals "
            f"to max_lr/(div_factor·10^4) = {_sci(end)}")
    if re.search(r"\b(?:each|every|per|end of (?:each|every|the)) epoch", p.text):
        text += ("; it moves one step per scheduler.step() call, so stepped once per epoch it stays near "
                 f"{_sci(start)} for the whole run")
    return text, {"max_lr": mx, "div_factor": div}


def sgns_cost(tokens: float, c: float, k: float, d: float) -> float:
    """Multiply-adds of one epoch of skip-gram with negative sampling (forward): ``N_tok · 2c · (K + 1) · d``, 2c
    context words per token (c each side), K + 1 dot products of width d per pair."""
    return tokens * 2 * c * (k + 1) * d


def _scaled_count(p: Parsed, words: str) -> set[float]:
    """Numbers with an optional scale ("1B-token", "1 billion tokens", "100k vocab", "1e9 tokens") before ``words``."""
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9, "t": 1e12,
             "trillion": 1e12}
    out = set()
    for m in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?(?:e\d+)?|\d{1,3}(?:,\d{3})+)\s*(k|m|b|t|thousand|million|"
                         r"billion|trillion)?(?:\s*|-)(?:" + words + r")", p.text):
        out.add(_num(m.group(1)) * (scale[m.group(2)] if m.group(2) else 1))
    return out


def _sgns(p: Parsed):
    n = _scaled_count(p, r"tokens?\b|words? corpus|word corpus")
    c = {v for v in [value_after(p, r"window(?: size)?|context window(?: size)?"),
                     count_of(p, r"(?:words? )?(?:on )?(?:each|either|per) side")] if v is not None}
    k = count_of(p, r"negatives?\b|negative samples?")
    d = count_of(p, r"dim\w*|-?d\b") or value_named(p, ("d", "dim", "dimension", "dimensions"))
    if len(n) != 1 or len(c) != 1 or k is None or d is None:
        return None
    nt, cw = n.pop(), c.pop()
    cost = sgns_cost(nt, cw, k, d)
    text = (f"N_tok·2c·(K + 1)·d = {_sci(nt)} × {fmt(2 * cw)} × {fmt(k + 1)} × {fmt(d)} = {_sci(cost)} "
            f"multiply-adds per epoch (c = {fmt(cw)} context words each side, K + 1 = {fmt(k + 1)} dot products per "
            f"pair; the backward pass adds a small constant factor)")
    values = {"tokens": nt, "window": cw, "negatives": k, "d": d}
    vocab = _scaled_count(p, r"vocab\w*|words? vocab\w*|(?:word )?types")
    if len(vocab) == 1:
        v = vocab.pop()
        text += (f"; a full softmax computes all V = {fmt(v)} scores per pair instead of K + 1 = {fmt(k + 1)}, "
                 f"{fmt(v / (k + 1))} times more ({_sci(sgns_cost(nt, cw, v - 1, d))}); hierarchical softmax needs "
                 f"about log₂ V ≈ {math.log2(v):.1f}")
        values["vocab"] = v
    return text, values


# -- round 18 (num18): fresh15's numeric questions: Hyperband brackets, replay-buffer memory, the pruning alpha, a
# Poisson count with exposure, Leitner review days --------------------------------------------------------------

def hyperband_brackets(big_r: float, eta: float) -> list[tuple[int, list[tuple[int, float]]]]:
    """Hyperband's schedule (exercise 13.7): ``s_max = floor(log_eta R)``; bracket ``s`` starts
    ``n = ceil((s_max + 1)/(s + 1) eta^s)`` configurations at ``r = R eta^-s`` and round ``i`` trains
    ``floor(n eta^-i)`` of them at ``r eta^i``. Returns ``[(s, [(n_i, r_i), ...]), ...]`` from ``s_max`` down to 0."""
    s_max = 0
    while eta ** (s_max + 1) <= big_r * (1 + 1e-9):  # floor(log_eta R) without floating-point 3.9999...
        s_max += 1
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta ** s - 1e-9)
        r = big_r / eta ** s
        out.append((s, [(math.floor(n / eta ** i + 1e-9), r * eta ** i) for i in range(s + 1)]))
    return out


def _hyperband(p: Parsed):
    rs = {v for n, v in p.assigned if n in ("r", "r_max", "max_r", "max_budget", "max_epochs", "max_resource")}
    for pat in (r"(?:max(?:imum)?|full|largest|total)\s+(?:budget|resource|epochs?)(?:\s+r)?(?:\s+per\s+config\w*)?"
                r"\s*(?:of|=|is|:)?\s*" + _NUM,
                r"\bup to\s+" + _NUM + r"\s+epochs?",
                _NUM + r"\s+epochs?\s+(?:max(?:imum)?|at most|at the most)\b",
                _NUM + r"\s+(?:epochs?|units?|iterations?)\s+(?:as|for)\s+(?:the\s+)?(?:max(?:imum)?|full)\b"):
        rs |= {_num(m.group(1)) for m in re.finditer(pat, p.text)}
    etas = {v for n, v in p.assigned if n in ("eta", "η", "factor", "ratio")}
    etas |= {_num(m.group(1)) for m in re.finditer(r"\b(?:eta|η|halving (?:rate|factor|ratio)|reduction factor)\s*"
                                                   r"(?:of|=|is|:)?\s*" + _NUM, p.text)}
    if len(rs) != 1 or len(etas) != 1:
        return None
    big_r, eta = rs.pop(), etas.pop()
    if {v for v, w in p.counted if re.match(r"epochs\b", w)} - {big_r}:
        return None  # another epoch count ("27 or 81 epochs"): which is the maximum budget is ambiguous
    if not (eta >= 2 and eta % 1 == 0 and eta <= big_r <= 1e6):
        return None
    unit = "epochs" if re.search(r"\bepochs?\b", p.text) else "budget units"
    sched = hyperband_brackets(big_r, eta)
    s_max = sched[0][0]
    parts, total, configs = [], 0.0, 0
    for s, rounds in sched:
        cost = sum(n * r for n, r in rounds)
        total += cost
        configs += rounds[0][0]
        ladder = " → ".join(f"{n}@{fmt(r)}" for n, r in rounds)
        one = unit[:-1] if unit == "epochs" and rounds[0][1] == 1 else unit
        parts.append(f"s = {s} starts {rounds[0][0]} configurations at {fmt(rounds[0][1])} {one} ({ladder}, "
                     f"{fmt(cost)} {unit})")
    return (f"R = {fmt(big_r)}, η = {fmt(eta)}: s_max = ⌊log_{fmt(eta)} {fmt(big_r)}⌋ = {s_max}, so {s_max + 1} "
            f"brackets (rounds written configurations@{unit} each): bracket " + "; ".join(parts) + "; "
            f"{configs} configurations and {fmt(total)} {unit} in all, about (s_max + 1)R = "
            f"{fmt((s_max + 1) * big_r)} per bracket, against {configs} × {fmt(big_r)} = {fmt(configs * big_r)} to "
            f"train every configuration fully"), {"R": big_r, "eta": eta}


_VALUE_BYTES = {"uint8": 1, "int8": 1, "float16": 2, "fp16": 2, "half": 2, "bfloat16": 2, "bf16": 2, "float32": 4,
                "fp32": 4, "float64": 8, "fp64": 8, "double": 8}


def replay_bytes(n: float, obs: Sequence[float], bytes_per: float) -> float:
    """Replay memory holding ``n`` observations of shape ``obs``: ``N_buf · obs size · bytes per value``."""
    return n * math.prod(obs) * bytes_per


def _replay(p: Parsed):
    if not re.search(r"\b(?:ram|memory|gb|gib|mb|bytes?|how (?:big|large|much space)|storage|footprint|fit)\b",
                     p.text):
        return None
    ns = _scaled_count(p, r"transitions?\b|experiences?\b|entries\b|samples\b|steps\b")
    for m in re.finditer(r"(?:buffer|memory|capacity)\s+(?:(?:of\s+)?(?:size|capacity)\s+)?(?:of\s+|=\s*|is\s+)?"
                         r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e\d+)?)\s*(k|m|million|thousand)?\b(?!\s*x)", p.text):
        ns.add(_num(m.group(1)) * {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, None: 1}[m.group(2)])
    ns |= {10 ** int(m.group(1)) for m in re.finditer(r"10\^\{?(\d+)\}?\s*(?:transitions?|experiences?|entries)",
                                                      p.text)}
    shapes = {tuple(_num(x) for x in m.groups() if x) for m in re.finditer(
        r"(?<![\w.])(\d+)\s*x\s*(\d+)(?:\s*x\s*(\d+))?(?:\s*x\s*(\d+))?(?![\w.])", p.text)}
    if len(ns) != 1 or len(shapes) != 1:
        return None
    n, shape = ns.pop(), list(shapes.pop())
    if len(shape) == 2:  # a frame stack or colour channels named beside a 2-d frame size
        stack = count_of(p, r"(?:stacked|consecutive|frames? stacked|(?:grayscale |greyscale )?frames? (?:per|in) "
                            r"(?:each )?(?:obs|state))") or value_named(p, ("stack",))
        if stack is not None:
            shape = [stack, *shape]
        elif re.search(r"\b(?:rgb|colou?r)\b", p.text):
            shape = [*shape, 3]
    if n < 1 or n % 1:
        return None
    named = [d for d in _VALUE_BYTES if re.search(r"\b" + d + r"\b", p.text)]
    dtypes = list(dict.fromkeys(["uint8", "float32", *named]))
    values = math.prod(shape)
    dims = " × ".join(fmt(x) for x in shape)
    parts = []
    for d in dtypes:
        b = replay_bytes(n, shape, _VALUE_BYTES[d])
        parts.append(f"{d} ({fmt(_VALUE_BYTES[d])} byte{'s' if _VALUE_BYTES[d] != 1 else ''} per value) "
                     f"{fmt(b / 1e9)} GB ({fmt(b / 2 ** 30)} GiB)")
    ratio = _VALUE_BYTES["float32"] / _VALUE_BYTES["uint8"]
    return (f"one observation is {dims} = {fmt(values)} values, so N_buf × obs size = {fmt(n)} × {fmt(values)} = "
            f"{_sci(n * values)} values: " + ", ".join(parts) + f"; float32 needs {fmt(ratio)} times the memory of "
            f"uint8, which is why the frames are stored as uint8 and converted to float only for the sampled "
            f"minibatch (storing the next state separately doubles every figure)"), \
        {"N": n, **{f"dim{i}": float(x) for i, x in enumerate(shape)}}


def pruning_alpha(r_subtree: float, leaves: float, r_leaf: float) -> float:
    """The ``alpha`` at which collapsing a subtree of ``leaves`` leaves and impurity ``r_subtree`` into one leaf of
    impurity ``r_leaf`` costs the same under ``R_alpha(T) = R(T) + alpha|T|``: ``(r_leaf - r_subtree)/(leaves - 1)``
    (scikit-learn's effective alpha of that node)."""
    return (r_leaf - r_subtree) / (leaves - 1)


def _ccp(p: Parsed):
    leaves = {v for v, w in p.counted if re.match(r"(?:leaves|leaf nodes|terminal nodes|leaf subtree)\b", w)
              and v > 1}
    if len(leaves) != 1:
        return None
    k = leaves.pop()
    given = value_named(p, ("ccp_alpha", "alpha", "α"))
    alpha_words = {_num(m.group(1)) for m in re.finditer(r"(?:ccp_alpha|alpha|α)\s*(?:=|of|is)\s*" + _NUM, p.text)}
    decimals = {_num(m.group(1)) for m in re.finditer(r"(?<![\w.])(\d*\.\d+)(?!\.?\d)", p.text)} - alpha_words
    if len(decimals) != 2 or k % 1 or k > 1000:
        return None
    lo, hi = sorted(decimals)  # splitting never raises the weighted impurity: the lower is the subtree's
    a = pruning_alpha(lo, k, hi)
    text = (f"R_α = R(T) + α|T|: the subtree costs {fmt(lo)} + {fmt(k)}α and the single leaf {fmt(hi)} + α, equal "
            f"when {fmt(k - 1)}α = {fmt(hi - lo, 4)}, i.e. α = ({fmt(hi)} − {fmt(lo)})/({fmt(k)} − 1) = {fmt(a, 4)}; "
            f"for ccp_alpha above {fmt(a, 4)} the pruned leaf wins (scikit-learn prunes a node once ccp_alpha reaches "
            f"its effective alpha, ties included)")
    values = {"leaves": k, "R_subtree": lo, "R_leaf": hi}
    if given is not None and given not in decimals and given >= 0:
        sub, leaf = lo + k * given, hi + given
        text += (f"; at α = {fmt(given)}: {fmt(sub, 4)} for the subtree against {fmt(leaf, 4)} for the leaf, so the "
                 + ("leaf wins" if leaf < sub else "subtree stays" if sub < leaf else "two tie"))
        values["alpha"] = given
    return text, values


def poisson_expected(eta_linear: float, exposure: float) -> float:
    """Expected count with exposure ``t`` entering as an offset ``log t``: ``exp(w·x + log t) = t·exp(w·x)``."""
    return exposure * math.exp(eta_linear)


_SIGNED = r"([-−]?\s?\d+(?:\.\d+)?|[-−]?\s?\.\d+)"


def _poisson(p: Parsed):
    etas = {float(m.group(1).replace(" ", "").replace("−", "-")) for m in re.finditer(
        r"(?:\bw\s*[.·⋅]\s*x|\bw\^?t\s*x|\bwx\b|x\s*[.·⋅]\s*w|\beta\b|η|linear (?:part|predictor|term|score|"
        r"combination)|log[- ](?:rate|mean|link output)|\bscore)(?:[^\d\-−]{0,30}?)\s" + _SIGNED + r"(?![\d.])",
        p.text.replace("=", " = ")) if "log(" not in m.group(0)}
    units = r"(years?|yrs?|months?|weeks?|days?|hours?)"
    exp = {(_num(m.group(1)), m.group(2)) for m in re.finditer(
        r"(?:observed|exposure|exposed|at risk|over|for|during|covering|window of|lasting)\s+(?:(?:for|of|a|an|"
        r"only|just|about|roughly)\s+)*" + _NUM + r"\s*" + units + r"\b", p.text)}
    exp |= {(_num(m.group(1)), "") for m in re.finditer(r"\bexposure\s*(?:=|of|is|:)\s*" + _NUM + r"(?!\s*" + units
                                                        + r")", p.text)}
    if re.search(_NUM + r"\s*" + units + r"?\s*(?:or|vs\.?|versus)\s+" + _NUM + r"\s*" + units, p.text):
        return None  # alternatives ("3 months or 6 months"): which exposure is meant is ambiguous
    if len(etas) != 1 or len({v for v, _ in exp}) != 1 or len({u.rstrip("s") for _, u in exp}) != 1:
        return None
    eta, (t, unit) = etas.pop(), exp.pop()
    if t <= 0 or abs(eta) > 30:
        return None
    rate = math.exp(eta)
    per = f"per {unit.rstrip('s')}" if unit else "per unit of exposure"
    return (f"η = w·x + log(exposure), so λ = exposure × e^(w·x) = {fmt(t)} × e^({fmt(eta)}) = {fmt(t)} × "
            f"{rate:.4g} = {poisson_expected(eta, t):.3g} expected counts (the rate e^(w·x) = {rate:.3g} is {per}, in "
            f"the exposure units the model was fitted with)"), {"w.x": eta, "exposure": t}


def leitner_days(answers: Sequence[bool], boxes: int) -> list[int]:
    """The days one card is reviewed under the Leitner system (the learning guide's ``leitner_schedule``): box b is
    reviewed every ``2**(b-1)`` days, a right answer moves the card up a box (at most ``boxes``), a wrong one back to
    box 1; day 0 is the first study."""
    day, box, days = 0, 1, []
    for right in answers:
        day += 2 ** (box - 1)
        days.append(day)
        box = min(box + 1, boxes) if right else 1
    return days


_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}


def _leitner(p: Parsed):
    b = count_of(p, r"(?:leitner )?box(?:es)?\b") or value_named(p, ("boxes",))
    if b is None or b < 2 or b > 12 or b % 1:
        return None
    boxes = int(b)
    given = count_of(p, r"reviews?\b|times\b|sessions?\b")
    given = given if given is not None and 1 <= given <= 30 and given % 1 == 0 else None
    n = int(given) if given is not None else boxes + 1
    misses = {int(_num(m.group(1))) if m.group(1)[0].isdigit() else _ORD[m.group(1)] for m in re.finditer(
        r"(?:miss\w*|wrong|forget\w*|fail\w*|get (?:it|one) wrong)\s+(?:it\s+)?(?:on|at|in)\s+(?:the\s+|review\s+|"
        r"its\s+)?(\d+|first|second|third|fourth|fifth|sixth|seventh|eighth)(?:st|nd|rd|th)?\b", p.text)}
    if len(misses) > 1 or any(not 1 <= m <= 30 for m in misses):
        return None
    miss = misses.pop() if misses else None
    if miss is not None:
        n = max(n, miss + 2)
    days = leitner_days([i + 1 != miss for i in range(n)], boxes)
    gaps = [d - e for d, e in zip(days, [0, *days])]
    text = (f"with {boxes} boxes, box b every 2^(b−1) days and day 0 the first study, a card answered right every "
            f"time is reviewed on days " if miss is None else
            f"with {boxes} boxes, box b every 2^(b−1) days and day 0 the first study, a card missed on review {miss} "
            f"and right otherwise is reviewed on days ")
    text += (", ".join(str(d) for d in days) + f" (gaps {', '.join(str(g) for g in gaps)}"
             + (f"; it stays in the top box, every {2 ** (boxes - 1)} days" if miss is None else
                "; the miss sends it back to box 1, every day, and the ladder restarts") + ")")
    values = {"boxes": float(boxes)} | ({"reviews": float(given)} if given is not None else {})
    return text, values | ({"miss": float(miss)} if miss else {})


def adam_training_bytes(n: float) -> float:
    """Weights, gradients and optimizer state of mixed-precision Adam: 2 + 2 + 12 = 16 bytes per parameter."""
    return 16 * n


def _params_scaled(p: Parsed) -> set[float]:
    """Parameter counts with a scale ("7B model", "1.3b-parameter", "7 billion parameters", "350M params")."""
    out = {_num(m.group(1)) * {"b": 1e9, "m": 1e6}[m.group(2)]
           for m in re.finditer(_NUM + r"\s*([bm])\b(?!/)", p.text)}
    out |= {_num(m.group(1)) * {"billion": 1e9, "million": 1e6}[m.group(2)]
            for m in re.finditer(_NUM + r"\s*(billion|million)\s*(?:-\s*)?(?:param|weights|model)", p.text)}
    return out


def _adam_memory(p: Parsed):
    if not re.search(r"\b(?:memory|vram|ram|gb|gib|fit|bytes)\b", p.text) or re.search(
            r"\bsgd\b|lora|adapter|peft|frozen|freez|inference|serv(?:e|ing)|deploy|kv|quanti|int[48]|[48]-?bit|"
            r"generat|decod", p.text):
        return None  # only what the formula covers: full training or fine-tuning with Adam
    ns = _params_scaled(p)
    if len(ns) != 1:
        return None
    n = ns.pop()
    total = adam_training_bytes(n)
    text = (f"{fmt(n / 1e9)}e9 parameters × 16 bytes (2 of fp16/bf16 weight + 2 of gradient + 12 of fp32 master "
            f"weight and Adam's two moments) = {fmt(total / 1e9)} GB before any activation, against "
            f"{fmt(2 * n / 1e9)} GB for the half-precision weights alone")
    devs = {_num(m.group(1)) for m in re.finditer(_NUM + r"\s*gb\s+(?:gpus?|cards?|devices?|accelerators?|a100s?|"
                                                         r"h100s?|vram)", p.text)}
    values = {"N": n}
    if len(devs) == 1:
        g = devs.pop()
        need = math.ceil(total / (g * 1e9) - 1e-9)
        text += (f"; that is {total / (g * 1e9):.2f} {fmt(g)} GB devices' worth, so at least {need} with the states "
                 f"sharded (ZeRO-3/FSDP), activations aside")
        values["device_gb"] = g
    return text, values


def lora_params(d: float, k: float, r: float) -> tuple[float, float]:
    """Trainable parameters of one d x k matrix: ``d*k`` fully fine-tuned, ``r*(d + k)`` with LoRA (B: d x r,
    A: r x k)."""
    return d * k, r * (d + k)


def _lora(p: Parsed):
    if re.search(r"\bqlora\b", p.text) and not re.search(r"\brank\b|\br\s*=", p.text):
        return None
    rs = {v for n, v in p.assigned if n in ("r", "rank")} | {v for v, w in p.counted if re.match(r"rank\b", w)}
    rs |= {_num(m.group(1)) for m in re.finditer(r"\brank\s+(?:of\s+|=\s*|is\s+)?" + _NUM, p.text)}
    shapes = set(p.sizes)
    dk = {v for n, v in p.assigned if n in ("d", "d_model", "hidden", "width", "dim", "dimension", "size")}
    if not shapes and len(dk) == 1:
        v = dk.pop()
        shapes = {(v, v)}  # a square projection of width d, the attention projections' shape
    if len(rs) != 1 or len(shapes) != 1:
        return None
    r, (d, k) = rs.pop(), shapes.pop()
    if r < 1 or r % 1 or r >= min(d, k):
        return None
    full, low = lora_params(d, k, r)
    text = (f"one {fmt(d)} × {fmt(k)} matrix has dk = {fmt(full)} weights; LoRA at rank r = {fmt(r)} trains "
            f"B ({fmt(d)} × {fmt(r)}) and A ({fmt(r)} × {fmt(k)}), r(d + k) = {fmt(r)} × {fmt(d + k)} = {fmt(low)}, "
            f"{100 * low / full:.2g}% of it ({full / low:.0f} times fewer)")
    values = {"r": r, "d": d, "k": k}
    layers = count_of(p, r"(?:transformer |decoder |encoder )?(?:layers?|blocks?)\b")
    mats = count_of(p, r"(?:adapted |target )?(?:weight |attention |projection )?(?:matrices|projections|modules)\b")
    if layers is not None and mats is not None:
        text += (f"; over {fmt(layers)} layers × {fmt(mats)} adapted matrices: {fmt(layers * mats * low)} trainable "
                 f"against {fmt(layers * mats * full)}")
        values |= {"layers": layers, "matrices": mats}
    return text, values


_SNUM = r"-?\s?(?:\d+(?:\.\d+)?|\.\d+)"


def matrices_in(text: str) -> list[list[list[float]]]:
    """Square matrices written as nested brackets ("[[4, 2], [2, 3]]"), in question order: a general reader of a
    matrix the question gives (rows of equal length, as many rows as columns)."""
    out = []
    for m in re.finditer(r"\[\s*((?:\[[^\[\]]*\]\s*[,;]?\s*){2,})\]", text):
        rows = [[float(x.replace(" ", "")) for x in re.findall(_SNUM, r)] for r in re.findall(r"\[([^\[\]]*)\]", m.group(1))]
        if len({len(r) for r in rows}) == 1 and len(rows) == len(rows[0]):
            out.append(rows)
    return out


def vectors_in(text: str) -> list[list[float]]:
    """Vectors written as "(2, 1)" or "[2, 1]" outside any matrix, in question order."""
    bare = re.sub(r"\[\s*(?:\[[^\[\]]*\]\s*[,;]?\s*){2,}\]", " ", text)
    return [[float(x.replace(" ", "")) for x in re.split(r"\s*,\s*", m.group(1).strip())] for m in re.finditer(
        r"[(\[]\s*(" + _SNUM + r"(?:\s*,\s*" + _SNUM + r")+)\s*[)\]]", bare)]


def mahalanobis(diff: Sequence[float], cov: Sequence[Sequence[float]]) -> float:
    """``sqrt(d^T Σ^-1 d)`` for a difference vector ``d``, solving ``Σ z = d`` by Gaussian elimination; a ``Σ``
    that is not positive definite (no Cholesky factor) is no covariance and raises ValueError."""
    n = len(diff)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):  # Cholesky: a covariance must have one
        for j in range(i + 1):
            rest = cov[i][j] - sum(low[i][k] * low[j][k] for k in range(j))
            if i == j and rest <= 1e-12:
                raise ValueError("covariance not positive definite")
            low[i][j] = math.sqrt(rest) if i == j else rest / low[j][j]
    a = [list(map(float, cov[i])) + [float(diff[i])] for i in range(n)]
    for c in range(n):
        piv = max(range(c, n), key=lambda i: abs(a[i][c]))
        if abs(a[piv][c]) < 1e-12:
            raise ValueError("singular covariance")
        a[c], a[piv] = a[piv], a[c]
        for i in range(n):
            if i != c:
                f = a[i][c] / a[c][c]
                a[i] = [x - f * y for x, y in zip(a[i], a[c])]
    z = [a[i][n] / a[i][i] for i in range(n)]
    q = sum(d * x for d, x in zip(diff, z))
    if q < 0:
        raise ValueError("covariance not positive definite")
    return math.sqrt(q)


def _mahalanobis(p: Parsed):
    text = p.text.replace("−", "-")
    covs = matrices_in(text)
    vecs = vectors_in(text)
    if len(covs) != 1 or len(vecs) not in (1, 2):
        return None
    cov = covs[0]
    n = len(cov)
    if any(len(v) != n for v in vecs) or any(abs(cov[i][j] - cov[j][i]) > 1e-12 for i in range(n) for j in range(n)):
        return None
    diff = vecs[0] if len(vecs) == 1 else [x - y for x, y in zip(vecs[0], vecs[1])]
    try:
        dist = mahalanobis(diff, cov)
    except ValueError:
        return None
    eu = math.sqrt(sum(d * d for d in diff))
    vec = "(" + ", ".join(fmt(d) for d in diff) + ")"
    text = (f"d = x − y = {vec}: dᵀΣ⁻¹d = {fmt(dist * dist, 4)}, so the Mahalanobis distance is "
            f"√{fmt(dist * dist, 4)} = {fmt(dist, 4)}, against a Euclidean distance of √{fmt(eu * eu, 4)} = "
            f"{fmt(eu, 4)}")
    values = {f"v{i}_{j}": x for i, v in enumerate(vecs) for j, x in enumerate(v)}
    return text, values | {f"cov{i}{j}": cov[i][j] for i in range(n) for j in range(n)}


def warmup_cosine_lr(t: float, peak: float, total: float, warmup: float = 0.0, floor: float = 0.0) -> float:
    """The rate at step ``t`` of linear warm-up over ``warmup`` steps (``peak * t / warmup``) followed by cosine
    annealing from ``peak`` to ``floor`` over the remaining ``total - warmup`` steps."""
    if t < warmup:
        return peak * t / warmup
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


_LR_NUM = r"(\d+(?:\.\d+)?(?:e-?\d+)?|\.\d+)"


def _lr_values(text: str, names: str) -> set[float]:
    """Rates in plain or scientific notation right after a name ("peak lr 3e-4", "eta_min = 1e-6")."""
    return {float(m.group(1)) for m in re.finditer(r"(?:" + names + r")\s*(?:(?:of|is|=|:)\s*)?" + _LR_NUM + r"(?![\d.])",
                                                   text)}


def _cosine(p: Parsed):
    t = p.text.replace(",", "")
    floors = _lr_values(t, r"(?:min(?:imum)?|final|floor|end)\s+(?:lr|learning[- ]rate)|lr_min|min_lr|eta_min|η_min|"
                           r"(?:decays?|anneal\w*|goes|down)\s+to")
    peaks = _lr_values(t, r"(?:peak|max(?:imum)?|base|initial|top|target)\s+(?:lr|learning[- ]rate)|lr_max|max_lr|"
                          r"eta_max|η_max|\blr\b|learning[- ]rate") - floors
    warm_words = re.search(r"warm-?\s?up", t)
    warm = {v for v, w in p.counted if re.match(r"(?:linear )?warm-?\s?up|steps? of (?:linear )?warm-?\s?up", w)}
    warm |= {_num(m.group(1)) for m in re.finditer(r"warm-?\s?up\s+(?:(?:of|for|over|is|=|lasting)\s+)?" + _NUM
                                                   + r"\s*(?:steps?|iter\w*)?", t)}
    warm |= {_num(m.group(1)) for m in re.finditer(_NUM + r"\s*(?:steps?|iter\w*)\s+(?:of\s+)?(?:linear\s+)?"
                                                   r"warm-?\s?up", t)}
    queries = {_num(m.group(1)) for m in re.finditer(r"\b(?:at|after|on)\s+(?:training\s+)?(?:step|iteration|iter)\s+"
                                                     r"(?:number\s+)?" + _NUM, t)}
    totals = {_num(m.group(1)) for m in re.finditer(_NUM + r"\s*(?:total\s+(?:training\s+)?steps|steps?\s+(?:in\s+)?"
                                                    r"total|training steps|steps? of training)", t)}
    totals |= {_num(m.group(1)) for m in re.finditer(r"\btotal(?:\s+of)?\s*(?:=|:)?\s*" + _NUM, t)}
    totals |= {_num(m.group(1)) for m in re.finditer(r"\b(?:t|t_max|total_steps)\s*=\s*" + _NUM, t)}
    totals |= {_num(m.group(1)) for m in re.finditer(r"(?:for|over|of|across)\s+" + _NUM + r"\s*steps?\b(?!\s+of\s+"
                                                     r"(?:linear\s+)?warm)", t) if not re.search(
        r"warm-?\s?up\s+(?:of|for|over)\s+$", t[:m.start() + 4])}
    totals -= warm
    if len(peaks) != 1 or len(queries) != 1 or len(totals) != 1 or len(floors) > 1:
        return None
    if re.search(_LR_NUM + r"\s*(?:or|vs\.?|versus)\s+" + _LR_NUM + r"(?![\d.])", t):
        return None  # alternatives ("peak lr 0.1 or 0.01"): which value is meant is ambiguous
    if warm_words and len(warm) != 1:
        return None  # warm-up named without (or with several) lengths: the schedule is not bound
    peak, step, total = peaks.pop(), queries.pop(), totals.pop()
    tw = warm.pop() if warm else 0.0
    floor_given = bool(floors)  # "decays to 0" gives the floor: a value read, recorded even when 0
    floor = floors.pop() if floors else 0.0
    if not (0 < peak < 10 and 0 <= floor < peak and 0 <= tw < total and 0 <= step <= total):
        return None
    lr = warmup_cosine_lr(step, peak, total, tw, floor)
    fl = f"{_sci(floor)}" if floor else "0"
    if step < tw:
        text = (f"step {fmt(step)} is inside the {fmt(tw)}-step linear warm-up: η = η_max·t/T_w = {_sci(peak)} × "
                f"{fmt(step)}/{fmt(tw)} = {_sci(lr)}")
    else:
        frac = (step - tw) / (total - tw)
        text = ((f"after {fmt(tw)} warm-up steps the cosine runs over T − T_w = {fmt(total - tw)} steps; at step "
                 f"{fmt(step)} it is {fmt(step - tw)}/{fmt(total - tw)} = {fmt(frac, 3)} of the way" if tw else
                 f"at step {fmt(step)} of T = {fmt(total)} the cosine is {fmt(frac, 3)} of the way")
                + f": η = η_min + ½(η_max − η_min)(1 + cos(π·{fmt(frac, 3)})) = {fl} + ½({_sci(peak)} − {fl})"
                f"(1 {'−' if math.cos(math.pi * frac) < -5e-4 else '+'} {abs(math.cos(math.pi * frac)):.3f}) = {_sci(lr)}")
    values = {"peak": peak, "step": step, "total": total} | ({"warmup": tw} if tw else {}) | \
        ({"floor": floor} if floor_given else {})
    return text, values


def polyak_steps(tau: float, share: float) -> int:
    """Soft (Polyak) target updates ``θ⁻ ← τθ + (1 − τ)θ⁻``: after n steps a weight of today's target keeps the share
    ``(1 − τ)**n``; the first n at which that share is below ``share``."""
    return math.floor(math.log(share) / math.log(1 - tau)) + 1


_HALF = r"\b(?:less than|below|under|fall\w* (?:to|below|under)|drops? (?:to|below|under))\s+(?:a\s+|one\s+)?half\b"


def _soft_target(p: Parsed):
    if not re.search(r"\btarget", p.text) or re.search(r"(?:\btau|τ)\s*(?:=|\bis\b|\bof\b|:)\s*" + _NUMX + r"\s*%",
                                                       p.text):
        return None  # no target network, or τ given as a percent (the percent is not a share asked about)
    if re.search(r"(?:\btau|τ)\s*(?:=|\bis\b|\bof\b|:)\s*" + _NUMX + r"\s+or\s+" + _NUMX, p.text):
        return None  # alternatives ("tau = 0.005 or 0.01"): which value is meant is ambiguous
    tau = value_named(p, ("tau", "τ"))
    if tau is None or not 0 < tau < 1:
        return None
    shares = sorted({v for v in p.percents if 0 < v < 1} | ({0.5} if re.search(_HALF + r"|\bhalf[- ]life", p.text)
                                                              else set()), reverse=True)
    if not shares:
        return None  # no share asked about: what to compute is not bound
    parts = [f"below {fmt(s)} once n > ln {fmt(s)} / ln {fmt(1 - tau, 6)} = "
             f"{math.log(s) / math.log(1 - tau):.1f}, i.e. after {fmt(polyak_steps(tau, s))} steps" for s in shares]
    return (f"τ = {fmt(tau)}: each step θ⁻ ← τθ + (1 − τ)θ⁻, so a weight of the current target keeps the share "
            f"(1 − τ)^n = {fmt(1 - tau, 6)}^n after n steps, " + "; ".join(parts)
            + f" (time constant 1/τ = {fmt(1 / tau)} steps)"), {"tau": tau, **{f"share{i}": s for i, s in
                                                                      enumerate(shares)}}


def proportion_half_width(p: float, n: float, z: float = 1.96) -> float:
    """Half-width of a 95% (Wald) interval for an accuracy or proportion ``p`` on ``n`` examples:
    ``z*sqrt(p(1-p)/n)``."""
    return z * math.sqrt(p * (1 - p) / n)


_RATE_WORD = r"(?:accuracy|error rate|precision|recall|conversion rate|click[- ]through rate|success rate|proportion)"
_ITEMS = (r"(?:(?:test|held[- ]out|validation|labell?ed|independent|eval(?:uation)?)\s+)?(?:examples|samples|"
          r"images|items|cases|observations|instances|predictions|questions|documents|users|rows|data points|"
          r"sentences|patients|trials|visitors)\b")


def _rates_named(p: Parsed) -> list[float]:
    """Proportions named by a rate word before or after them: "accuracy of 0.842", "84.2% accuracy"."""
    out = []
    for m in re.finditer(r"\b" + _RATE_WORD + r"\s+(?:of\s+|is\s+|=\s*|:\s*|was\s+|at\s+|near\s+|around\s+|about\s+)?"
                         + _NUM + r"(\s*%)?", p.text):
        out.append(_num(m.group(1)) / (100 if m.group(2) else 1))
    for m in re.finditer(_NUM + r"(\s*%)?\s+" + _RATE_WORD + r"\b", p.text):
        out.append(_num(m.group(1)) / (100 if m.group(2) else 1))
    return list(dict.fromkeys(out))


def _half_width(p: Parsed):
    if _margins(p) or re.search(r"how many|sample size|how large", p.text):
        return None  # a margin to reach, or a size asked for: margin-sample-size's question, not this one
    levels = {_num(m.group(1)) for m in re.finditer(r"(" + _NUMX + r")\s*%\s*(?:confidence|ci\b|interval|level)",
                                                    p.text)}
    if levels - {95.0}:
        return None  # another level than 95%: the section states the 1.96 of a 95% interval only
    ns = {v for v, w in p.counted if re.match(_ITEMS, w)} | {v for n, v in p.assigned if n == "n"}
    rates = [r for r in _rates_named(p) if 0 < r < 1]
    if len(ns) != 1 or not rates or len(rates) > 3:
        return None
    n = ns.pop()
    if n < 2 or any(n * min(r, 1 - r) < 10 for r in rates):
        return None  # too few successes or failures for the normal approximation the formula rests on
    parts = [f"p = {fmt(r, 4)}: 1.96√({fmt(r, 4)} × {fmt(1 - r, 4)} / {fmt(n)}) = {proportion_half_width(r, n):.3f}, "
             f"so {fmt(r, 4)} ± {proportion_half_width(r, n):.3f}" for r in rates]
    return (f"on n = {fmt(n)} examples the 95% interval's half-width is 1.96√(p(1 − p)/n); " + "; ".join(parts),
            {"n": n, **{f"p{i}": r for i, r in enumerate(rates)}})


_FORECAST = (r"\b(?:point forecast|forecast(?:ed|s)?|predict(?:ion|ed|s)?|point estimate)\s+(?:value\s+)?"
             r"(?:of\s+|is\s+|=\s*|was\s+|:\s*|says\s+|at\s+)?" + _NUM)
_ACTUAL = (r"\b(?:actual(?:\s+value)?|observed(?:\s+value)?|outcome|true value|reali[sz]ed(?:\s+value)?|truth)\s+"
           r"(?:(?:turns|turned|comes|came) out (?:to be|at)\s+|(?:comes|came) in at\s+|of\s+|is\s+|=\s*|was\s+|:\s*"
           r"|ends up (?:at|being)\s+|ended up (?:at|being)\s+)?" + _NUM)


def crps_point(forecast: float, actual: float) -> float:
    """CRPS of a point forecast (a step CDF at ``forecast``) against the outcome ``actual``: the absolute error."""
    return abs(forecast - actual)


def _crps(p: Parsed):
    if re.search(r"\b(?:sd|std|standard deviation|sigma|σ|variance|quantiles?|ensemble|members|samples|"
                 r"distribution|normal|gaussian|interval)\b", p.text):
        return None  # a predictive distribution, not a point forecast: CRPS is not the absolute error there
    if re.search(_NUMX + r"\s+or\s+" + _NUMX, p.text):
        return None  # alternatives ("120 or 130"): which value is meant is ambiguous
    fs = {_num(m.group(1)) for m in re.finditer(_FORECAST, p.text)}
    ys = {_num(m.group(1)) for m in re.finditer(_ACTUAL, p.text)}
    if len(fs) != 1 or len(ys) != 1:
        return None
    f, y = fs.pop(), ys.pop()
    return (f"a point forecast is a step CDF at {fmt(f)}, so CRPS reduces to the absolute error: "
            f"|{fmt(f)} − {fmt(y)}| = {fmt(crps_point(f, y))}"), {"forecast": f, "actual": y}


_TIME_UNIT = {"s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60, "min": 1.0,
              "mins": 1.0, "minute": 1.0, "minutes": 1.0, "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0,
              "hours": 60.0}
_UNIT_RX = r"(seconds?|secs?|s|minutes?|mins?|min|hours?|hrs?|h)\b"


def growth_headroom(g: float, t: float) -> float:
    """Spare capacity for traffic growing by ``g`` per unit of time during a scale-up lag of ``t`` such units:
    ``(1 + g)**t - 1``."""
    return (1 + g) ** t - 1


def _headroom(p: Parsed):
    rates = [(_num(m.group(1)) / 100, _TIME_UNIT[m.group(2)]) for m in re.finditer(
        _NUM + r"\s*%\s*(?:per|a|an|each|every|/)\s*" + _UNIT_RX, p.text)]
    if len({r for r in rates}) != 1 or not re.search(r"\b(?:ready|start\w*|boot\w*|serve|spin\w*|warm\w*|"
                                                      r"takes?|load\w*|lag|come up|schedul\w*)\b", p.text):
        return None  # no (or several) growth rates, or no lag named
    (g, unit), = set(rates)
    times = {_num(m.group(1)) * _TIME_UNIT[m.group(2)] / unit for m in re.finditer(
        r"(?<!per )(?<!a )(?<!an )(?<!each )(?<!every )(" + _NUMX + r"|" + _WORD_NUM + r")\s*(?:-\s*)?" + _UNIT_RX,
        p.text)}
    if len(times) != 1 or re.search(_NUMX + r"\s+or\s+" + _NUMX, p.text) or not 0 < g < 1:
        return None  # the lag unbound, several times, or alternatives
    t = times.pop()
    name = {1 / 60: "second", 1.0: "minute", 60.0: "hour"}[unit]
    h = growth_headroom(g, t)
    return (f"traffic growing {fmt(g * 100)}% per {name} during a {fmt(t)}-{name} scale-up lag needs "
            f"(1 + {fmt(g)})^{fmt(t)} − 1 = {fmt(1 + g)}^{fmt(t)} − 1 ≈ {h * 100:.1f}% spare capacity above the "
            f"queueing target"), {"growth": g, "lag": t}


_SECONDS = {"ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3, "µs": 1e-6, "us": 1e-6, "microsecond": 1e-6,
            "microseconds": 1e-6, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0}


def mcts_move_seconds(sims: float, eval_s: float) -> float:
    """Time of one move when each of ``sims`` simulations expands one node and evaluates the network once
    (``eval_s`` seconds), the evaluations run one after another."""
    return sims * eval_s


def _seconds_str(x: float) -> str:
    return f"{fmt(x * 1e3)} ms" if x < 1 else f"{fmt(x)} s"


def _mcts(p: Parsed):
    sims = {v for v, w in p.counted if re.match(r"(?:mcts\s+|tree[- ]search\s+|search\s+)?(?:simulations?|sims?|"
                                                 r"rollouts?|playouts?)\b", w)}
    sims |= {v for n, v in p.assigned if n in ("simulations", "sims", "n_sim", "nsim", "playouts", "rollouts")}
    evals = {_num(m.group(1)) * _SECONDS[m.group(2)] for m in re.finditer(
        _NUM + r"\s*(ms|milliseconds?|µs|us|microseconds?|secs?|seconds?|s)\b", p.text)}
    if len(sims) != 1 or len(evals) != 1 or re.search(_NUMX + r"\s+or\s+" + _NUMX, p.text):
        return None
    if not re.search(r"forward pass|evaluat|inference|network|\bnet\b|call", p.text):
        return None  # the time is not said to be a network evaluation's
    n, e = sims.pop(), evals.pop()
    return (f"{fmt(n)} simulations, each expanding one node that the network evaluates once (cost c_f = "
            f"{_seconds_str(e)}): N_sim × c_f = {fmt(n)} × {_seconds_str(e)} = {_seconds_str(mcts_move_seconds(n, e))} "
            f"per move when the evaluations run one after another"), {"simulations": n, "eval_s": e}


def fm_costs(d: float, k: float, nnz: float | None = None) -> tuple[float, float, float | None]:
    """Operations of one degree-2 factorization-machine prediction: the pairwise term computed naively over all
    feature pairs ``k*d**2``, with Rendle's identity ``k*d``, and over the non-zeros only ``nnz*k``."""
    return k * d * d, k * d, (nnz * k if nnz is not None else None)


def _fm(p: Parsed):
    ds = _scaled_count(p, r"(?:(?:one[- ]hot|sparse|binary|input|total|distinct|hashed)\s+)*(?:features|feature "
                          r"dimensions|columns)\b") | {v for n, v in p.assigned if n == "d"}
    ks = {v for n, v in p.assigned if n == "k"} | {v for v, w in p.counted if re.match(
        r"(?:latent|factor|embedding)s?\s*(?:dims?|dimensions?|factors?|size)\b", w)}
    nnzs = _scaled_count(p, r"(?:non-?zeros?|nonzero|active|non-zero)\b") | {v for n, v in p.assigned if n == "nnz"}
    if len(ds) != 1 or len(ks) != 1 or len(nnzs) > 1 or re.search(_NUMX + r"\s+or\s+" + _NUMX, p.text):
        return None
    d, k = ds.pop(), ks.pop()
    nnz = nnzs.pop() if nnzs else None
    if k < 1 or d < 2 or (nnz is not None and not 1 <= nnz <= d):
        return None
    naive, rendle, sparse = fm_costs(d, k, nnz)
    text = (f"d = {fmt(d)} features, k = {fmt(k)}: the pairwise term naively is O(kd²) = {fmt(k)} × "
            f"({_sci(d) if d >= 1e4 else fmt(d)})² = {_sci(naive)} operations, with Rendle's identity O(kd) = "
            f"{_sci(rendle) if rendle >= 1e4 else fmt(rendle)}")
    if sparse is not None:
        text += f", and over the {fmt(nnz)} non-zeros only O(nnz(x)·k) = {fmt(nnz)} × {fmt(k)} = {fmt(sparse)}"
    return text, {"d": d, "k": k, **({"nnz": nnz} if nnz is not None else {})}


# -- round 19 (num19b): fresh17's numbers ------------------------------------------------------------------------

def erlang_c(c: int, a: float) -> float:
    """P(an arrival waits) in an M/M/c queue with offered load ``a = lambda/mu < c``: the Erlang B recursion
    ``B_0 = 1, B_k = a B_(k-1) / (k + a B_(k-1))``, then ``C = c B_c / (c - a (1 - B_c))``."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


_SERVERS = r"(?:[a-z-]+\s+)?(?:workers?|servers?|replicas?|instances?|pods?)\b"  # "3 workers", "4 inference workers"


def _servers(p: Parsed) -> float | None:
    """The one number of workers the question gives ("3 workers", "c = 3"); "on one worker", "per worker" name a
    single worker's rate or time, not the count."""
    vals = {_num(m.group(1)) for m in re.finditer(
        r"(?<!\bon )(?<!\bper )(?<!\bby )\b(" + _NUMX + r"|" + _WORD_NUM + r")\s+" + _SERVERS, p.text)}
    named = value_named(p, ("c",))
    if named is not None:
        vals.add(named)
    return vals.pop() if len(vals) == 1 else None


def _erlang(p: Parsed):
    got = _rate_and_time(p)
    c = _servers(p)
    if got is None or c is None or c != int(c) or not 1 <= c <= 1000:
        return None
    lam, s = got
    c = int(c)
    a = lam * s
    mu = 1 / s
    text = f"a = λ/μ = λS = {fmt(lam)} × {fmt(s)} = {fmt(a)} (utilisation {fmt(a / c)})"
    values = {"rate": lam, "time": s, "workers": c}
    for k in (c, c + 1):
        if a >= k:
            text += f"; with {k} workers a ≥ c, so the queue grows without bound"
            continue
        pc = erlang_c(k, a)
        wq = pc / (k * mu - lam)
        text += (f"; with {k} workers C = {fmt(pc)} (P(wait) = {fmt(100 * pc)}%) and E[W_q] = C/(cμ − λ) = "
                 f"{fmt(pc)}/({fmt(k * mu)} − {fmt(lam)}) = {_seconds_str(wq)}")
    return text, values


def ar_information_criteria(ssr: float, n: float, k: float) -> tuple[float, float, float]:
    """(-2 log L, AIC, BIC) of a Gaussian AR fitted by least squares on ``n`` residuals with sum of squares ``ssr``
    and ``k`` parameters: ``-2 log L = n log(SSR/n) + n(1 + log 2π)``, AIC = that + 2k, BIC = that + k log n."""
    m2ll = n * math.log(ssr / n) + n * (1 + math.log(2 * math.pi))
    return m2ll, m2ll + 2 * k, m2ll + k * math.log(n)


_SSR = r"(?:ssr|rss|sse|residual sum of squares|sum of squared (?:residuals|errors))"


def _ar_ic(p: Parsed):
    fits: dict[int, set[float]] = {}
    for m in re.finditer(r"\bar\((\d+)\)[^.;?,]{0,40}?\b" + _SSR + r"\s*(?:=|of|is|:|at)?\s*" + _NUM, p.text):
        fits.setdefault(int(m.group(1)), set()).add(_num(m.group(2)))
    for m in re.finditer(_SSR + r"\s*(?:=|of|is|:)?\s*" + _NUM + r"\s*(?:for|with|from|by)\s+(?:an?\s+|the\s+)?"
                         r"ar\((\d+)\)", p.text):
        fits.setdefault(int(m.group(2)), set()).add(_num(m.group(1)))
    ns = {v for v, words in p.counted if re.match(
        r"(?:[a-z-]+\s+){0,2}(?:values|observations|obs|points|samples|residuals|periods)\b", words)}
    named = value_named(p, ("n",))
    if named is not None:
        ns.add(named)
    # every SSR the question states belongs to one order ("SSR 210 or SSR 215" for AR(2) is ambiguous)
    stated = re.findall(_SSR + r"\s*(?:=|of|is|:|at)?\s*" + _NUMX, p.text)
    if len(fits) < 2 or any(len(v) != 1 for v in fits.values()) or len(ns) != 1 or len(stated) != len(fits):
        return None
    n = ns.pop()
    if n < 10:
        return None
    rows = []
    for order in sorted(fits):
        ssr = next(iter(fits[order]))
        m2ll, aic, bic = ar_information_criteria(ssr, n, order + 2)
        rows.append((order, aic, bic))
        text_row = f"AR({order}): −2 log L = {fmt(m2ll, 5)}, AIC = {fmt(aic, 5)}, BIC = {fmt(bic, 5)}"
        rows[-1] = (order, aic, bic, text_row)
    best_aic = min(rows, key=lambda r: r[1])[0]
    best_bic = min(rows, key=lambda r: r[2])[0]
    text = (f"n = {fmt(n)}, k = p + 2 (p coefficients, the constant, the noise variance), penalty per parameter "
            f"2 for AIC and log {fmt(n)} = {fmt(math.log(n))} for BIC: " + "; ".join(r[3] for r in rows)
            + f"; AIC picks AR({best_aic}) and BIC picks AR({best_bic})")
    return text, {"n": n} | {f"ssr_ar{o}": next(iter(v)) for o, v in sorted(fits.items())}


_FUNCS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "exp": (math.exp, math.exp), "sin": (math.sin, math.cos), "cos": (math.cos, lambda x: -math.sin(x)),
    "ln": (math.log, lambda x: 1 / x), "log": (math.log, lambda x: 1 / x), "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
}
_STEP = r"(\d+(?:\.\d+)?(?:e-?\d+)?|\.\d+|10\^-?\d+)"


def _step_value(s: str) -> float:
    return 10.0 ** int(s[3:]) if s.startswith("10^") else float(s)


def finite_differences(f: Callable[[float], float], x: float, h: float) -> tuple[float, float]:
    """The forward difference ``(f(x+h) - f(x))/h`` and the central difference ``(f(x+h) - f(x-h))/(2h)``."""
    return (f(x + h) - f(x)) / h, (f(x + h) - f(x - h)) / (2 * h)


def _differences(p: Parsed):
    names = set(re.findall(r"\b(exp|sin|cos|ln|log|tanh)\s*\(?\s*x\b", p.text))
    names |= {"exp" for _ in re.findall(r"\be\^\(?x\b", p.text)}
    xs = {_num(m.group(1)) for m in re.finditer(r"\bat\s+x\s*=\s*" + _NUM, p.text)}
    steps = [_step_value(m.group(1)) for m in re.finditer(r"\bh\s*(?:=|of|is)\s*" + _STEP, p.text)]
    if len(names) != 1 or len(xs) != 1 or not steps or len(steps) > 3:
        return None
    name, x = names.pop(), xs.pop()
    f, df = _FUNCS[name]
    try:
        exact = df(x)
        parts = []
        for h in dict.fromkeys(steps):
            fwd, ctr = finite_differences(f, x, h)
            parts.append(f"h = {fmt(h) if h >= 1e-3 else _sci(h)}: forward {fwd:.6f} (error {abs(fwd - exact):.3g}), "
                         f"central {ctr:.6f} (error {abs(ctr - exact):.3g})")
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    text = f"f'({fmt(x)}) = {exact:.6f} for f = {name}; " + "; ".join(parts)
    if min(steps) < 1e-6:
        text += f"; at h = {_sci(min(steps))} the round-off error ε/h ≈ {2.2e-16 / min(steps):.1g} dominates"
    return text, {"x": x} | {f"h{i}": h for i, h in enumerate(dict.fromkeys(steps))}


def dash_points(traces: float, points: float, interval_s: float) -> tuple[float, float]:
    """Points sent per refresh (``traces × points per trace``) and per second (times ``1/interval``)."""
    return traces * points, traces * points / interval_s


def _dash(p: Parsed):
    traces = {_num(m.group(1)) for m in re.finditer(
        r"\b(" + _NUMX + r"|" + _WORD_NUM + r")\s+(?:traces|lines|series|curves)\b", p.text)}
    points = _scaled_count(p, r"(?:steps|points|samples|rows|values)\b")
    ivals = {_num(m.group(1)) * (1e-3 if m.group(2).startswith("m") else 1) for m in re.finditer(
        r"\bevery\s+" + _NUM + r"\s*(ms|milliseconds?|s|secs?|seconds?)\b", p.text)}
    ivals |= {_num(m.group(1)) * 1e-3 for m in re.finditer(r"\binterval\s*(?:=|of|is)\s*" + _NUM + r"\s*(?:ms)?\b",
                                                         p.text)}
    if len(traces) != 1 or len(points) != 1 or len(ivals) != 1:
        return None
    t, n, iv = traces.pop(), points.pop(), ivals.pop()
    if iv <= 0:
        return None
    per, rate = dash_points(t, n, iv)
    return (f"{fmt(t)} traces × {fmt(n)} points = {fmt(per)} points per refresh; every {fmt(iv)} s that is "
            f"{fmt(per)} × {fmt(1 / iv)} = {fmt(rate)} points/s, growing with the history"), {"traces": t, "points": n, "interval": iv}


# -- round 21 (num21): the chance-level loss at initialisation, the prior bias, an intercept-only Newton step -------

def chance_loss(k: float) -> float:
    """Cross-entropy of a uniform prediction over ``k`` classes, ``-ln(1/k) = ln k`` (ln 2 = 0.693 for binary)."""
    return math.log(k)


# an observed loss: "a loss of 31", "first loss is 31", "loss = 12.5", "the loss at step 0 is 48" (not the "0")
_LOSS_SEEN = re.compile(r"\b(?:loss|cross[- ]entropy)(?:\s+(?:at|on|in) (?:step[- ]?0|step zero|init\w*|the (?:very )?"
                        r"(?:start|first (?:step|batch|iteration))))?\s+(?:(?:of|is|was|=|:|~|≈|around|about|reads|sits at|starts at|"
                        r"comes out at|at around|at about)\s*)*" + _NUM + r"(?![\w%]|\.\d|\s*(?:%|percent|steps?|epochs?|"
                        r"batch|iterations?|classes)\b)")
_INIT_LOSS = (r"(?:\binitial|\bstarting|\bfirst|\bstep[- ]?0|\bstep zero|\binit\w*|\bstart\w*)\b[^.?!]{0,60}\bloss\b|"
              r"\bloss\b[^.?!]{0,60}\b(?:at (?:step[- ]?0|step zero|init\w*|the (?:very )?start)|first (?:batch|step|"
              r"iteration)|before (?:any )?training)")
# a rate of positives given by the question: it makes the classes unbalanced, so the chance loss is not ln K
_PREVALENCE_WORDS = r"positives?|prevalence|base rate|class prior|prior|minority|positive rate"


def _classes(p: Parsed) -> float | None:
    k = {v for v, words in p.counted if re.match(r"(?:classes|class\b|categories|category\b|way\b|labels\b)", words)}
    k |= {v for n, v in p.assigned if n in ("k", "classes", "num_classes", "n_classes")}
    if not k and re.search(r"\bbinary\b", p.text):
        k = {2.0}
    return k.pop() if len(k) == 1 else None


def _chance_loss(p: Parsed):
    if _prevalence(p) is not None:
        return None  # unbalanced classes: the prior-bias entry reads those
    k = _classes(p)
    if k is None or k < 2 or k % 1:
        return None
    seen = {_num(m.group(1)) for m in _LOSS_SEEN.finditer(p.text)}
    if len(seen) > 1:
        return None  # two observed losses: which one is the first is not read
    ck = chance_loss(k)
    text = (f"K = {fmt(k)} classes with near-uniform predictions at initialisation give a cross-entropy of "
            f"−ln(1/K) = ln {fmt(k)} = {ck:.3g}")
    values: dict[str, float] = {"K": k}
    if seen:
        obs = seen.pop()
        values["loss"] = obs
        r = obs / ck
        if r >= 1.5:
            verdict = (f"a first loss of {fmt(obs)} is {r:.2g} times that, far above chance: the network starts "
                       f"confidently wrong, the much larger initial loss that points to a scaling or initialisation "
                       f"bug (large final-layer weights or bias)")
        elif r > 1 / 1.1 and r < 1.1:
            verdict = f"a first loss of {fmt(obs)} is at that chance level, as it should be"
        elif r < 1:
            verdict = f"a first loss of {fmt(obs)} is below that chance level ({r:.2g} times it)"
        else:
            verdict = f"a first loss of {fmt(obs)} is {r:.2g} times that chance level"
        text += f"; {verdict}"
    return text, values


def prior_bias(prevalence: float) -> tuple[float, float, float]:
    """A sigmoid output whose bias makes it predict the base rate ``p``: the bias ``ln(p/(1-p))`` (the log-odds,
    ``-log((1-π)/π)``), the step-0 loss with it (the prior's entropy ``-p ln p - (1-p) ln(1-p)``) and with bias 0
    (``ln 2``)."""
    q = prevalence
    return math.log(q / (1 - q)), -(q * math.log(q) + (1 - q) * math.log(1 - q)), math.log(2)


def _prevalence(p: Parsed) -> float | None:
    """The one share of positives the question gives: "2% of the examples are positive", "prevalence of 0.01",
    "20 positives out of 1,000"; None when none or several differ."""
    vals: set[float] = set()
    for m in re.finditer(_NUM + r"\s*(?:%|percent\b)\s+(?:of\s+(?:the\s+|all\s+|our\s+)?(?:[a-z]+\s+){0,2}"
                         r"(?:are|is|being)\s+)?(?:positives?|minority|the positive class)\b", p.text):
        vals.add(_num(m.group(1)) / 100)
    r = rate_of(p, _PREVALENCE_WORDS)
    if r is not None:
        vals.add(r)
    for m in re.finditer(_NUM + r"\s+positives?\s+(?:out\s+)?(?:of|in|among)\s+(?:the\s+)?" + _NUM, p.text):
        vals.add(_num(m.group(1)) / _num(m.group(2)))
    vals = {v for v in vals if 0 < v < 1}
    return vals.pop() if len(vals) == 1 else None


def _prior_bias(p: Parsed):
    q = _prevalence(p)
    if q is None or _classes(p) not in (None, 2.0):
        return None  # no single share of positives, or a multi-class question
    if not re.search(r"\b(?:output|final|last|logits?|sigmoid|classifier|head)\b", p.text):
        return None  # a bias that is not the output layer's ("bias in the data")
    b, with_b, with_0 = prior_bias(q)
    return (f"with a share of positives p = {fmt(q, 4)}, the output bias that makes a sigmoid predict the base rate "
            f"is the log-odds b = ln(p/(1 − p)) = ln({fmt(q, 4)}/{fmt(round(1 - q, 12), 4)}) = {b:.3g}; the loss at "
            f"step 0 is then the entropy of the prior, −p ln p − (1 − p) ln(1 − p) = {with_b:.3g}, against "
            f"ln 2 = {with_0:.3g} with bias 0 (every prediction 0.5)"), {"prevalence": q}


def newton_intercept(m: float, n: float, w0: float = 0.0) -> tuple[float, float, float, float, float]:
    """One Newton (IRLS) step for an intercept-only logistic regression with ``m`` positives of ``n`` rows from ``w0``:
    ``grad = n σ(w0) - m``, ``H = n σ(w0)(1 - σ(w0))``, ``w1 = w0 - grad/H``; with the exact MLE ``ln(m/(n - m))``
    and its standard error ``1/sqrt(n p̂ (1 - p̂))``, ``p̂ = m/n``."""
    s = 1 / (1 + math.exp(-w0))
    grad, hess = n * s - m, n * s * (1 - s)
    ph = m / n
    return grad, hess, w0 - grad / hess, math.log(m / (n - m)), 1 / math.sqrt(n * ph * (1 - ph))


def _newton_intercept(p: Parsed):
    if not re.search(r"intercept[- ]only|only (?:an |the )?intercept|no (?:other )?(?:features|predictors|covariates)|"
                     r"constant[- ]only", p.text):
        return None
    pairs = {(_num(m.group(1)), _num(m.group(2))) for m in re.finditer(
        _NUM + r"\s+(?:positives?|successes|ones|events|cases|clicks|conversions|defaults|churners|y\s*=\s*1)\s+"
        r"(?:out\s+)?(?:of|in|among)\s+(?:the\s+)?" + _NUM, p.text)}
    w0s = {v for n, v in p.assigned if n in ("w", "w0", "w_0", "beta", "b", "intercept", "β")}
    if len(pairs) != 1 or len(w0s) > 1:
        return None
    m, n = pairs.pop()
    w0 = w0s.pop() if w0s else 0.0
    if not 0 < m < n or n % 1 or m % 1 or abs(w0) > 30:
        return None
    grad, hess, w1, exact, se = newton_intercept(m, n, w0)
    s = 1 / (1 + math.exp(-w0))
    return (f"from w = {fmt(w0)} every p = σ({fmt(w0)}) = {fmt(s, 4)}, so ∇L = Σ(p − y) = {fmt(n)} × {fmt(s, 4)} − "
            f"{fmt(m)} = {fmt(grad, 4)} and H = Σ p(1 − p) = {fmt(n)} × {fmt(s * (1 - s), 4)} = {fmt(hess, 4)}, "
            f"giving w₁ = {fmt(w0)} − {fmt(grad, 4)}/{fmt(hess, 4)} = {w1:.4g}, against the exact MLE "
            f"ln({fmt(m)}/{fmt(n - m)}) = {exact:.4g}; the standard error is √(H⁻¹) at the optimum, "
            f"1/√({fmt(n)} × {fmt(m / n, 4)} × {fmt(round(1 - m / n, 12), 4)}) = {se:.3g}"), \
        {"positives": m, "rows": n, "w0": w0}


FORMULAS: tuple[Formula, ...] = (
    Formula("bottleneck-weights", ("deep-learning-architectures#bottleneck-blocks",),
            "$C^2/4 + 9C^2/16 + C^2/4 = 17C^2/16$", r"\bbottleneck", _bottleneck),
    Formula("conv-stack-params", ("ch10-computer-vision#exercise-104-two-33-convolutions-versus-one-55",
                                  "deep-learning-architectures#vgg",
                                  "interview-cnn-vision#what-is-the-receptive-field-of-a-cnn-unit-and-how-do-you-enlarge-it"),
            "$2(9C^2 + C) = 18C^2 + 2C$", r"\bparam|\bweights\b|receptive field", _conv_stack),
    Formula("discount-horizon", ("ch12-reinforcement-learning#exercise-121-discounting-and-the-effective-horizon",
                                 "interview-reinforcement-learning#what-does-the-discount-factor-gamma-do"),
            r"$T > \ln\varepsilon/\ln\gamma$", r"\bdiscount|\bgamma\b|γ|horizon", _discount),
    Formula("chi-square-expected", ("ch03-statistics#chi-square-test-of-independence",),
            r"$E_{ij} = (\text{row}_i \text{ total})(\text{column}_j \text{ total})/N$",
            r"chi[- ]?squared?|χ|fisher|contingency|expected count", _chi_square),
    Formula("two-proportion-z", ("ch03-statistics#ab-testing-for-models",),
            r"$z = (\hat{p}_B - \hat{p}_A)/\sqrt{\hat{p}(1-\hat{p})(1/n_A + 1/n_B)}$",
            r"\bz[- ]?(?:test|value|score|stat)|significan|\ba/b\b|two[- ]proportion", _two_prop),
    Formula("margin-sample-size", ("ch03-statistics#reporting-uncertainty",),
            r"$n \approx 1.96^2 \times 0.09 /", r"how many|sample size|how large|examples do", _sample_size),
    Formula("decode-memory-bound", ("algorithm-complexity#practical-estimates-turning-flops-into-seconds",),
            "every weight must be read from memory once per token", r"tokens?\s*(?:/|per)\s*s", _decode),
    Formula("nested-cv-fits", ("interview-evaluation#what-is-nested-cross-validation-and-when-do-you-need-it",
                               "ch03-statistics#nested-cross-validation-and-comparisons-across-data-sets"),
            "outer folds times inner folds times", r"\bnested", _nested),
    Formula("integral-image-cost", ("ch10-computer-vision#integral-images-summed-area-tables",),
            "An integral image is built in one pass, $O(HW)$", r"integral image|summed[- ]area", _integral),
    Formula("cutmix-box", ("advanced-deep-learning#mixup-and-cutmix",),
            r"width $W\sqrt{1 - \lambda}$ and height $H\sqrt{1 - \lambda}$", r"\bcutmix", _cutmix),
    Formula("gd-step-bounds", ("ch02-mathematics#exercise-25-the-largest-stable-learning-rate",
                               "interview-mathematics#what-is-the-condition-number-and-how-does-it-affect-gradient-descent"),
            r"$\eta^\star = 2/(\lambda_{\min} + \lambda_{\max})$", r"learning rate|step size|\beta\b|η|diverg",
            _gd),
    Formula("label-smoothing-targets", ("advanced-deep-learning#label-smoothing",
                                        "loss-functions#label-smoothed-cross-entropy"),
            r"(1 - \varepsilon)\,\mathbb{1}[k = y] + \frac{\varepsilon}{K}", r"label smoothing|smoothed label",
            _smoothing),
    Formula("ar1-moments", ("ch14-time-series#exercise-141-variance-and-autocorrelation-of-an-ar1-process",),
            r"$\gamma_0 = \sigma^2/(1 - \phi^2)$", r"\bar\(1\)|autoregress", _ar1),
    Formula("zero-point-uint8", ("modern-ml-ai-techniques#absmax-and-zero-point-int8",),
            r"$z = \mathrm{round}(-\min x / s)$", r"zero[- ]point|asymmetric|uint8", _zero_point),
    Formula("four-fifths-rule", ("ch08-interpretability#fairness-metrics",
                               "ch08-interpretability#exercise-85-fairness-metrics-on-two-groups"),
            'a ratio below $0.8$ (the "four-fifths rule")', r"four[- ]fifths|disparate impact|adverse impact",
            _four_fifths),
    Formula("pipeline-bubble", ("advanced-deep-learning#model-pipeline-and-tensor-parallelism",),
            r'"bubble" fraction of $(p - 1)/(m + p - 1)$', r"\bbubble|pipeline|micro-?\s?batch|gpipe", _pipeline),
    Formula("qlora-scale-bits", ("modern-ml-ai-techniques#qlora-nf4-and-double-quantization",),
            r"$8/64 + 32/(64 \cdot 256) \approx 0.127$", r"double[- ]quanti|qlora|absmax|quantization scales?",
            _qlora),
    Formula("differenced-noise", ("ch14-time-series#exercise-143-what-differencing-does-to-noise",),
            r"Its variance is $2\sigma^2$", r"differenc", _differenced),
    Formula("erlang-c", ("ch11-mlops-production#scaling",),
            r"$C = cB_c/(c - a(1 - B_c))$", r"m/m/|erlang|\bqueu|\bwait", _erlang),
    Formula("littles-law", ("ch11-mlops-production#exercise-113-capacity-from-littles-law",
                            "ch11-mlops-production#scaling"),
            r"$L = \lambda W", r"little'?s law|workers|replicas|in flight|concurren|capacity|instances|servers",
            _little),
    Formula("rnn-params", ("ch09-nlp-fundamentals#exercise-94-counting-parameters-of-recurrent-layers",),
            r"$4(hd + h^2 + 2h) = 4h(d + h) + 8h$", r"\bparam|\bweights\b", _rnn),
    Formula("ses-weights", ("interview-time-series#how-does-exponential-smoothing-holtwinters-work",
                            "ch14-time-series#exponential-smoothing-simple-holt-and-holt-winters",
                            "ch14-time-series#exercise-142-simple-exponential-smoothing-from-scratch"),
            r"\alpha(1-\alpha)^", r"exponential(?:ly)?[- ]smooth|exponentially[- ]weighted|\bewma\b", _ses),
    Formula("deterministic-policies", ("ch12-reinforcement-learning#exercise-123-value-iteration-against-brute-force",),
            r"$3^6 = 729$ deterministic policies", r"deterministic polic", _policies),
    Formula("psi-shift", ("deployment-checklist#population-stability-index-and-the-kolmogorovsmirnov-test",),
            r"the symmetrised KL divergence is exactly $(\mu_1 - \mu_2)^2/\sigma^2$",
            r"\bpsi\b|population stability", _psi),
    Formula("bonferroni-fwer", ("ch03-statistics#exercise-36-bonferroni-controls-the-family-wise-error-rate",
                                "ch03-statistics#multiple-testing-corrections"),
            r"$P(\bigcup_i A_i) = 1 - (1 - \alpha/m)^m$", r"bonferroni|family[- ]?wise|fwer|multiple (?:testing|comparison)",
            _bonferroni),
    Formula("lr-range-test", ("visualization#the-learning-rate-range-test",
                              "deep-learning-best-practices#learning-rate-finding"),
            "one order of magnitude below the minimum of the curve",
            r"lr[- ]?finder|range test|learning[- ]rate finder|learning rate range", _lr_finder),
    Formula("bayes-positive", ("ch02-mathematics#bayes-theorem",
                               "ch02-mathematics#exercise-27-bayes-theorem-for-a-rare-condition",
                               "ch00-interview-preparation#exercise-05-precision-at-a-low-base-rate",
                               "interview-statistics-probability#a-test-for-a-rare-disease-is-99-sensitive-and-99-"
                               "specific-if-it-comes-back-positive-how-likely-is-disease"),
            r"\frac{0.99 \times 0.001}{0.99 \times 0.001 + 0.05 \times 0.999}",
            r"bayes|posterior|prevalence|base rate|positive|precision", _bayes),
    Formula("kv-cache-bytes", ("algorithm-complexity#memory-of-training-and-of-the-kv-cache",
                               "interview-llm-rag#what-is-the-kv-cache-and-how-much-memory-does-it-need"),
            r"M_{KV} = 2 \cdot L \cdot h_{kv} \cdot d_h \cdot t \cdot B \cdot s", r"kv[- ]?cache|key-value cache",
            _kv),
    Formula("random-search-hit", ("ch13-automl-nas#grid-search-and-random-search",
                                  "ch13-automl-nas#exercise-131-how-many-random-trials"),
            r"$1 - 0.95^{60} \approx 0.95$", r"random search|random(?:ly)? sampl", _random_search),
    Formula("speculative-tokens", ("speculative-coding#expected-tokens-per-verification-step",
                                   "speculative-coding#wall-time-speedup-and-the-cost-ratio"),
            r"\frac{1 - \alpha^{\gamma+1}}{1 - \alpha}", r"speculative|draft model", _speculative),
    Formula("training-flops", ("algorithm-complexity#flops-of-deep-learning-layers",
                               "algorithm-complexity#practical-estimates-turning-flops-into-seconds"),
            r"$C \approx 6ND$", r"flops|compute|how long|gpu[- ]?(?:hours|days)|days", _train_compute),
    Formula("vit-patch-tokens", ("modern-ml-ai-techniques#vit-images-as-sequences-of-patches",),
            r"$14 \times 14 = 196$ patch tokens", r"\bvit\b|vision transformer|patch", _vit),
    Formula("vif-two-features", ("ch05-classical-ml#exercise-56-reading-coefficients-under-collinearity",),
            r"$1/(1 - r^2) \approx 50$", r"\bvif\b|variance inflation|collinear", _vif),
    Formula("fpn-level", ("ch10-computer-vision#two-stage-detectors-faster-r-cnn-fpn-and-mask-r-cnn",),
            r"$k = \lfloor 4 + \log_2(\sqrt{wh}/224) \rfloor$", r"pyramid|\bfpn\b", _fpn),
    Formula("conv-output-size", ("interview-cnn-vision#how-do-you-compute-the-output-size-of-a-convolution-layer",),
            "⌊(n + 2p − k)/s⌋ + 1", r"output (?:size|shape|resolution|dimensions?|spatial)|feature map size|"
            r"spatial size|size of the output|shape of the output", _conv_output),
    Formula("mha-params", ("ch09-nlp-fundamentals#exercise-95-parameters-of-multi-head-attention",),
            r"$4d^2 + 4d$", r"(?:multi-?head|self-attention|attention layer).*(?:param|weights)|"
            r"(?:param|weights).*(?:multi-?head|self-attention|attention layer)", _mha),
    Formula("transformer-params", ("interview-nlp-transformers#how-many-parameters-and-flops-does-a-transformer-layer-have",),
            "about 12Ld² parameters", r"(?:param|weights).*(?:transformer|decoder|gpt|layers)|"
            r"(?:transformer|decoder|gpt|layers).*(?:param|weights)", _transformer),
    Formula("dropout-scale", ("deep-learning-architectures#dropout-with-inverted-scaling", "ch06-deep-learning#dropout"),
            "multiplied by $1/(1-p)$ during training", r"dropout", _dropout),
    Formula("oob-share", ("interview-trees-ensembles#what-is-the-out-of-bag-error-of-a-random-forest",
                          "ch05-classical-ml#random-forests-why-averaging-works"),
            r"(1-1/n)^n\to e^{-1}\approx0.368", r"out[- ]of[- ]bag|\boob\b|bootstrap", _oob),
    Formula("separable-cost", ("interview-cnn-vision#how-do-depthwise-separable-convolutions-reduce-computation",),
            "The cost ratio is 1/C_out + 1/k²", r"depthwise|separable|mobilenet", _separable),
    Formula("moe-capacity", ("modern-ml-ai-techniques#load-balancing-and-expert-capacity",),
            r"$\text{capacity} = \text{capacity factor} \times \text{tokens} / N$",
            r"\bmoe\b|mixture[- ]of[- ]experts|\bexperts?\b", _moe_capacity),
    Formula("back-projection", ("ch10-computer-vision#3d-reconstruction-from-images-and-depth-icp-registration-and-"
                                "volumetric-fusion",),
            r"$X = d\,K^{-1}(u, v, 1)^\top$",
            r"back[- ]?project|3-?d (?:point|coordinates?)|camera (?:coordinates|frame)|intrinsics?|depth", _back_projection),
    Formula("one-cycle-start", ("advanced-deep-learning#learning-rate-schedules-step-cosine-with-warm-up-one-cycle",),
            "lo, hi, end = lr_max / div, lr_max, lr_max / (div * final_div)", r"one[- ]?cycle|1cycle", _one_cycle),
    Formula("sgns-cost", ("algorithm-complexity#nlp-models",),
            r"$O(N_{tok}\,c\,(K+1)\,d)$ per epoch", r"word2vec|skip-?gram|negative sampling|\bsgns\b", _sgns),
    Formula("hyperband-brackets", ("ch13-automl-nas#exercise-137-the-brackets-of-hyperband",),
            r"Bracket $s$ starts $n = \lceil\frac{s_{\max}+1}{s+1}\eta^s\rceil$ configurations",
            r"hyperband", _hyperband),
    Formula("replay-buffer-bytes", ("algorithm-complexity#reinforcement-learning",),
            r"$O(N_{buf}\cdot\text{obs size})$", r"replay|experience buffer", _replay),
    Formula("pruning-alpha", ("ch05-classical-ml#how-trees-overfit-and-how-to-stop-them",
                              "interview-trees-ensembles#how-do-you-prevent-a-decision-tree-from-overfitting"),
            r"$R_\alpha(T) = R(T) + \alpha|T|$", r"cost[- ]complexity|ccp_?alpha|weakest[- ]link|\bprun", _ccp),
    Formula("poisson-exposure", ("loss-functions#poisson-negative-log-likelihood",
                                 "interview-linear-models#what-is-a-generalized-linear-model"),
            r"$\log(\text{exposure})$ added to $\eta$", r"poisson|exposure|claim counts?|count (?:model|regression)",
            _poisson),
    Formula("leitner-days", ("learning-guide#spaced-repetition",),
            r"box $b$ is reviewed every $2^{b-1}$ days", r"leitner|flash ?cards?|spaced repetition", _leitner),
    Formula("adam-training-bytes", ("modern-ml-ai-techniques#full-fine-tuning-and-its-memory-bill",
                                    "algorithm-complexity#memory-of-training-and-of-the-kv-cache",
                                    "interview-deep-learning#what-uses-gpu-memory-during-training-and-how-can-you-reduce-it"),
            "12 bytes of fp32 optimizer state", r"adam|fine-?tun|\btrain|full(?:-| )precision", _adam_memory),
    Formula("lora-params", ("modern-ml-ai-techniques#lora-low-rank-adaptation",),
            r"falls from $dk$ to $r(d + k)$", r"\blora\b|low[- ]rank adapt", _lora),
    Formula("mahalanobis", ("interview-neighbors-clustering#how-do-you-choose-between-euclidean-manhattan-and-cosine-"
                            "distance",),
            r"$\sqrt{(x-y)^\top\Sigma^{-1}(x-y)}$", r"mahalanobis", _mahalanobis),
    Formula("warmup-cosine-lr", ("advanced-deep-learning#learning-rate-schedules-step-cosine-with-warm-up-one-cycle",),
            r"the cosine then runs over the remaining $T - T_w$ steps", r"cosine", _cosine),
    Formula("soft-target-share", ("interview-reinforcement-learning#what-innovations-made-dqn-work",),
            r"$\theta^-\leftarrow\tau\theta+(1-\tau)\theta^-$", r"\bsoft\b|polyak|\btau\b|τ", _soft_target),
    Formula("proportion-half-width", ("ch03-statistics#reporting-uncertainty",),
            r"the half-width of a 95% interval is roughly $1.96\sqrt{p(1-p)/n}$",
            r"confidence interval|\bci\b|interval|margin of error|half[- ]width|error bars?", _half_width),
    Formula("crps-point", ("interview-time-series#how-do-you-produce-and-evaluate-forecast-uncertainty",),
            "reduces to absolute error for a point forecast", r"\bcrps\b|continuous ranked", _crps),
    Formula("autoscale-headroom", ("ch11-mlops-production#scaling",),
            r"$1.1^{1.5} - 1 \approx 15\%$ spare capacity",
            r"autoscal|\bhpa\b|scale[- ]?up|headroom|spare capacity|new (?:pod|replica|instance)", _headroom),
    Formula("mcts-move-time", ("algorithm-complexity#reinforcement-learning",),
            "AlphaZero evaluates a network per expanded node",
            r"\bmcts\b|monte carlo tree|tree search|alphazero|alphago|muzero", _mcts),
    Formula("fm-prediction-cost", ("algorithm-complexity#recommender-systems",),
            "Rendle's identity turns $O(kd^2)$ into $O(kd)$", r"factori[sz]ation machine|\bfms?\b|rendle", _fm),
    Formula("ar-information-criteria", ("ch14-time-series#arima-models-ar-ma-arma-and-arima",),
            r"$-2\log\hat L = n\log(\mathrm{SSR}/n) + n(1 + \log 2\pi)$", r"\baic\b|\bbic\b|akaike|information criteri",
            _ar_ic),
    Formula("finite-differences", ("ch02-mathematics#derivatives",),
            r"has error $O(h^2)$",
            r"(?:finite|forward|central|backward)[- ]differenc|derivative|gradient check", _differences),
    Formula("dash-refresh-points", ("visualization#plotly-dash",),
            r"cost grows with points per trace times refresh rate", r"\bdash\b|dcc\.interval|refresh|redraw",
            _dash),
    Formula("chance-loss", ("ch06-deep-learning#sanity-checks-before-training-for-real",
                            "deep-learning-best-practices#overfit-one-batch-first",
                            "loss-functions#choosing-a-loss"),
            r"$-\ln(1/C) = \ln C$", _INIT_LOSS, _chance_loss),
    Formula("prior-bias", ("deep-learning-best-practices#class-imbalance",
                           "deep-learning-best-practices#initialization",
                           "ch10-computer-vision#one-stage-detectors-yolo-ssd-retinanet-and-the-focal-loss"),
            r"initialises the classifier's bias to $-\log((1-\pi)/\pi)$",
            r"\bbias\b[^?]*\b(?:init\w*|set|start)|\b(?:init\w*|set)\b[^.?!]{0,60}\bbias", _prior_bias),
    Formula("newton-intercept", ("ch05-classical-ml#exercise-55-logistic-regression-by-newtons-method",),
            r"$\mathbf{w} \leftarrow \mathbf{w} - H^{-1}\nabla\mathcal{L}$", r"\bnewton|\birls\b|reweighted",
            _newton_intercept),
)


@dataclass
class Worked:
    """One worked line: the formula, the values bound, the text, and the hit (index into the hits) it cites."""

    formula: str
    values: dict[str, float]
    text: str
    hit: int


def worked_lines(question: str, hit_keys: Sequence[str], formulas: Sequence[Formula] = FORMULAS) -> list[Worked]:
    """The worked line for ``question`` (at most one), given the retrieved hits' ``doc_id#section_id`` keys in rank
    order: of the formulas the question is about, whose section is retrieved and whose values are all bound, the
    one whose section ranks highest; ``[]`` when none."""
    p = parse(question)
    best: tuple[int, Worked] | None = None
    for f in formulas:
        if not re.search(f.about, p.text):
            continue
        ranks = [i for i, k in enumerate(hit_keys) if k in f.sections]
        if not ranks or (best is not None and best[0] <= ranks[0]):
            continue
        done = f.work(p)
        if done is not None and not leaves_out(question, done[1]):
            best = (ranks[0], Worked(f.id, done[1], done[0], ranks[0]))
    return [best[1]] if best else []


# the words that make a number a level the question asks to reach ("falls to 0.1", "below 5%", "at most 200 ms") or
# a value it names ("eps = 0.1"): a number the asked value depends on, never context
_TARGET = re.compile(r"(?:\b(?:(?:fall|drop|decay|shrink|grow|rise|get|come|go)(?:s|es)?|reach(?:es)?)"
                     r"(?:\s+(?:down|up))?\s+(?:to|below|under|above|past)|\bbelow|\bunder|\babove|"
                     r"\b(?:less|lower|fewer|more|greater|higher) than|\bat (?:most|least)|"
                     r"(?<![=<>!])[a-zα-ωγλεκηφσ²_]\s*=)\s*[$€£]?\s*-?\s*$")
_SCALES = (1.0, 1e-2, 1e-3, 1e3, 1e6, 1e9, 1e12)  # %, milli, kilo ... : the same number read in another unit


def leaves_out(question: str, values: dict[str, Any]) -> bool:
    """Whether the question gives a number that the worked line does not read (``values``, in any of the units
    ``_SCALES`` converts) and that is a level to reach or a named value (``_TARGET``: "falls to 0.1", "below 5%",
    "eps = 0.1"): then the asked value depends on a number the formula ignores, so the line works something nobody
    asked ("Var(y)" for "after how many lags does the autocorrelation fall to 0.1?") and must give way. Numbers
    without such words (sizes, counts, ids, "top-1", "95% CI") and arguments of a call ("f(x, batch_size=32)") may be
    context and do not decline."""
    used = [abs(float(v)) for v in values.values() if isinstance(v, (int, float))]
    t = question.lower().replace("−", "-")
    for n in numbers_of(question):
        before = t[max(0, n.start - 40): n.start]
        m = _TARGET.search(before)
        if m is None or ("=" in m.group(0) and t[: n.start].count("(") > t[: n.start].count(")")):
            continue  # no target words, or an argument of a call ("DataLoader(ds, batch_size=32)"): context
        if not any(math.isclose(n.value * s, u, rel_tol=1e-6) for s in _SCALES for u in used):
            return True
    return False


def worked_text(w: Worked, n: int) -> str:
    """The line as the answer shows it, citing source ``n``."""
    return f"**On your numbers** (computed from the formula in [{n}]): {w.text}."


def as_record(w: Worked, n: int) -> dict[str, Any]:
    return {"formula": w.formula, "values": w.values, "text": w.text, "source": n}


def formula_named(fid: str, formulas: Sequence[Formula] = FORMULAS) -> Formula | None:
    """The registry's formula with id ``fid``."""
    return next((f for f in formulas if f.id == fid), None)


def states_formula(text: str, f: Formula) -> bool:
    """Whether a corpus sentence ``text`` shows ``f``'s formula (its ``states`` piece, whitespace aside): the
    sentence that states what a worked line computes."""
    return " ".join(f.states.split()) in " ".join(text.split())


_ARITH_NUM = r"(\d{1,3}(?:,\d{3})+|\d{1,3}(?:\{,\}\d{3})+|\d+(?:\.\d+)?)"
# "a × b = c" (or a sum "a + b = c") with plain numbers only: "$2 \cdot 9 C^2 = 18C^2$" is algebra, not a worked
# example
_ARITH = re.compile(r"(?<![\w.^_{])" + _ARITH_NUM + r"\s*(\\times|×|\\cdot|\*|/|\+)\s*" + _ARITH_NUM + r"\s*=\s*"
                    + _ARITH_NUM + r"(?![\w.^_{}]|\.\d)")


def _arith_value(s: str) -> float:
    return float(s.replace("{,}", "").replace(",", ""))


def foreign_arithmetic(sentence: str, question: str) -> bool:
    """Whether a corpus ``sentence`` works arithmetic ("$1200 \\times 0.02 = 24$", "$= 1{,}800 + 120 = 1{,}920$":
    plain numbers whose product, quotient or sum is the stated result) on an operand the question does not give:
    the notes' own example, which read under a question with its own numbers looks like the asker's case."""
    given = {_arith_value(m.group(0)) for m in re.finditer(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?", question)}
    given |= {v / 1000 for v in given} | {v * 1000 for v in given}  # 20 ms is 0.02 s
    for m in _ARITH.finditer(sentence):
        a, b, c = _arith_value(m.group(1)), _arith_value(m.group(3)), _arith_value(m.group(4))
        got = a + b if m.group(2) == "+" else a / b if m.group(2) == "/" and b else a * b
        if not math.isclose(got, c, rel_tol=0.02, abs_tol=1e-12):
            continue  # not arithmetic on these numbers
        if any(all(abs(o - g) > 1e-9 * max(1.0, abs(g)) for g in given) for o in (a, b)):
            return True
    return False
