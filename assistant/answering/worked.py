"""Worked numbers: a formula that a retrieved section states, evaluated at the values the question gives.

Questions often bind their own values ("for discount gamma = 0.98 ...", "128 channels in and out", "2 of 10 users
converted ...") while the corpus states the formula in general and works it at other values. This module keeps a
**registry** of formulas, each a small function tied to the corpus sections that state it (:class:`Formula`):
``sections`` are the ``doc_id#section_id`` keys, ``states`` a piece of that section's own text that shows the
formula (``tests/test_worked.py`` checks both against the corpus and checks each function against the section's own
worked example and against an independent computation).

:func:`worked_lines` reads the question's values with general parsing (:func:`parse`): explicit assignments
(``gamma = 0.98``, ``lambda drawn is 0.64``), ``<number> <word>`` where the formula's variable is named by that word
(``512 channels``, ``48 hyperparameter combos``), ``x of n`` counts, ``W x H`` sizes and percentages. A formula is
evaluated only when (a) the question names its subject (``about``), (b) one of its sections is among the retrieved
hits, and (c) every variable it needs is bound to exactly one value; otherwise it shows nothing (a missing or
ambiguous value declines). At most one formula is worked per answer: the one whose section ranks highest.

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
from typing import Any

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


FORMULAS: tuple[Formula, ...] = (
    Formula("bottleneck-weights", ("deep-learning-architectures#bottleneck-blocks",),
            "$C^2/4 + 9C^2/16 + C^2/4 = 17C^2/16$", r"\bbottleneck", _bottleneck),
    Formula("conv-stack-params", ("ch10-computer-vision#exercise-104-two-33-convolutions-versus-one-55",),
            "$2(9C^2 + C) = 18C^2 + 2C$", r"\bparam|\bweights\b|receptive field", _conv_stack),
    Formula("discount-horizon", ("ch12-reinforcement-learning#exercise-121-discounting-and-the-effective-horizon",),
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
    Formula("four-fifths-rule", ("ch08-interpretability#fairness-metrics",),
            'a ratio below $0.8$ (the "four-fifths rule")', r"four[- ]fifths|disparate impact|adverse impact",
            _four_fifths),
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
        if done is not None:
            best = (ranks[0], Worked(f.id, done[1], done[0], ranks[0]))
    return [best[1]] if best else []


def worked_text(w: Worked, n: int) -> str:
    """The line as the answer shows it, citing source ``n``."""
    return f"**On your numbers** (computed from the formula in [{n}]): {w.text}."


def as_record(w: Worked, n: int) -> dict[str, Any]:
    return {"formula": w.formula, "values": w.values, "text": w.text, "source": n}
