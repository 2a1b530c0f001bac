"""A general formula reader: a formula that a cited section states in inline LaTeX, evaluated at the question's
own numbers, without a hand-written entry in the worked-number registry (:mod:`mlnotes.assistant.answering.worked`).

The registry covers the formulas someone wrote an entry for; every judged set has had numeric questions whose formula
nobody registered. This reader is the fallback after it, and it is built for precision (a wrong number is worse than
none), so it declines on anything it cannot read for certain:

1. **Formulas.** Each inline ``$...$`` span of the section is read by a small LaTeX reader (:func:`to_python`) that
   knows numbers, one-letter and subscripted symbols, Greek letters, ``+ - * / ^``, ``\\frac``, ``\\sqrt``,
   ``\\log``/``\\ln``/``\\exp`` and brackets; any other command (a sum, an integral, an expectation, a norm, an
   arrow, a relation) makes the span unreadable. A span ``A = B`` or ``B`` is a formula when ``B`` has a free
   symbol; a span with a second relation or one whose right side is a bare number is a worked example, not a
   formula.
2. **Binding.** Each free symbol must be bound to exactly one number of the question, either by its name
   ("k = 16", "tau = 0.005", "n=2000") or by the words the section uses next to it ("$n$ independent examples"
   binds "2,000 test examples": the number whose following words contain a content word of the symbol's own words).
   Two different candidate numbers for a symbol, one number for two symbols, a number with a unit (%, ms, GB, ...)
   or a symbol without a number each decline.
3. **Relevance.** The sentence stating the formula must share a content word with the question besides the words
   that bound its symbols, and the question must ask for a value (:func:`asks_value`).

The line it returns is shown like the registry's, "On your numbers (computed from the formula in [i]): ...", with the
formula, the substitution and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "kappa", "lambda",
          "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "varphi", "chi", "psi", "omega")
_GREEK_CHAR = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
               "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
               "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
               "omega": "ω"}
_FUNCS = {"sqrt": "sqrt", "log": "log", "ln": "log", "exp": "exp", "cos": "cos", "sin": "sin", "tanh": "tanh"}
_CALLS = ("sqrt", "log", "exp", "cos", "sin", "tanh")
_SPACING = {",", ";", "!", ":", " ", "quad", "qquad", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr"}
_TIMES = {"cdot", "times"}
_UNITS = r"%|percent\b|ms\b|s\b|sec\w*\b|min\w*\b|hours?\b|days?\b|gb\b|mb\b|kb\b|tb\b|bytes?\b|bits?\b|px\b|" \
         r"pixels?\b|usd\b|\$|dollars?\b|ghz\b|mhz\b|hz\b|k\b|m\b|b\b|x\b"
_STOP = {"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "is", "are", "be", "with", "by", "at", "as",
         "its", "it", "this", "that", "their", "each", "per", "from", "into", "than", "then", "where", "which",
         "when", "we", "you", "your", "my", "our", "i", "so", "if", "how", "what", "many", "much", "do", "does",
         "number", "value", "values", "size", "total", "same", "one", "two", "all", "any", "some", "about", "roughly",
         "approximately", "times", "gives", "give", "get", "use", "used", "using", "has", "have", "there", "here",
         "while", "between", "over", "under", "up", "down", "out", "after", "before", "not", "no", "only", "also",
         "can", "will", "would", "should", "could", "term", "terms", "formula", "equation",
         # hedges and quantifiers: "around 0.05 for most layers" says nothing about "$D$ gives at most $2^D$"
         "around", "most", "least", "exactly", "nearly", "almost", "just", "more", "less", "fewer", "several"}

# Words too common in this corpus to tie a number to a symbol: "a 47B model" says nothing about "$d$, the model
# width", nor "a 7B model" about "$N$ parameters of the model".
_WEAK = {"model", "data", "dataset", "network", "net"}

_NUMX = r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+)"


class Unreadable(ValueError):
    """A span the reader does not read for certain."""


@dataclass(frozen=True)
class Stated:
    """One formula of a section: its LaTeX (``latex``), the left side's name when it has one (``name``), the right
    side as a Python expression over ``symbols`` (``expr``) and the sentence that states it (``sentence``)."""

    latex: str
    name: str
    expr: str
    symbols: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class Reading:
    """A formula worked on the question's numbers: the line to show and the values bound to each symbol."""

    text: str
    values: dict[str, float]
    latex: str


# -- the LaTeX reader ------------------------------------------------------------------------------------------

def _tokens(s: str) -> list[str]:
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isspace() or ch == "~":
            i += 1
        elif ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            if m is None:
                raise Unreadable(s)
            out.append("\\" + m.group(1))
            i += len(m.group(0))
        elif ch.isdigit() or (ch == "." and i + 1 < len(s) and s[i + 1].isdigit()):
            m = re.match(r"\d*\.?\d+|\d+", s[i:])
            out.append(m.group(0))
            i += len(m.group(0))
        else:
            out.append(ch)
            i += 1
    return out


class _Reader:
    """A recursive reader of a LaTeX expression into a Python expression with explicit operators."""

    def __init__(self, tokens: list[str]):
        self.t = tokens
        self.i = 0
        self.symbols: list[str] = []

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise Unreadable("end")
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        if self.take() != tok:
            raise Unreadable(tok)

    def skip_spacing(self) -> None:
        while self.peek() is not None and self.peek()[0] == "\\" and self.peek()[1:] in _SPACING:
            self.i += 1

    def expr(self) -> str:
        self.skip_spacing()
        parts = []
        if self.peek() in ("+", "-"):
            parts.append(self.take())
        parts.append(self.term())
        while True:
            self.skip_spacing()
            if self.peek() in ("+", "-"):
                parts.append(self.take())
                parts.append(self.term())
            else:
                return " ".join(parts)

    def term(self) -> str:
        out = self.power()
        while True:
            self.skip_spacing()
            tok = self.peek()
            if tok == "/":
                self.take()
                out = f"{out} / {self.power()}"
            elif tok is not None and tok[1:] in _TIMES and tok[0] == "\\":
                self.take()
                out = f"{out} * {self.power()}"
            elif tok is not None and (tok in ("(", "{", "[") or tok[0].isalnum() or tok[0] == "."
                                      or (tok[0] == "\\" and tok[1:] in ("frac", "tfrac", "dfrac", "sqrt", "pi", "left",
                                                                         *_FUNCS, *_GREEK))):
                if tok[0].isdigit() or tok[0] == ".":
                    raise Unreadable("number after a factor")  # "2 3" or "x 2": not a product we read
                out = f"{out} * {self.power()}"
            else:
                return out

    def power(self) -> str:
        base = self.atom()
        self.skip_spacing()
        if self.peek() == "^":
            self.take()
            return f"{base} ** ({self.group_or_atom()})"
        return base

    def group_or_atom(self) -> str:
        self.skip_spacing()
        if self.peek() == "{":
            self.take()
            inner = self.expr()
            self.expect("}")
            return inner
        return self.operand(self.take())

    def operand(self, tok: str) -> str:
        """A one-character operand: a digit, or a one-letter symbol (with its subscript)."""
        if re.fullmatch(r"\d", tok):
            return tok
        if re.fullmatch(r"[A-Za-z]", tok):
            return self.symbol(tok)
        raise Unreadable(tok)

    def symbol(self, name: str) -> str:
        self.skip_spacing()
        if self.peek() == "_":
            self.take()
            self.skip_spacing()
            if self.peek() == "{":
                self.take()
                sub = []
                depth = 1
                while depth:
                    tok = self.take()
                    if tok == "{":
                        depth += 1
                    elif tok == "}":
                        depth -= 1
                    elif tok in ("\\text", "\\mathrm", "\\rm", "\\operatorname", "\\mathit"):
                        continue
                    elif re.fullmatch(r"[A-Za-z0-9]+|\\[A-Za-z]+", tok):
                        sub.append(tok.lstrip("\\"))
                    else:
                        raise Unreadable(tok)
                name = f"{name}_{''.join(sub)}"
            else:
                tok = self.take()
                if not re.fullmatch(r"[A-Za-z0-9]|\\[A-Za-z]+", tok):
                    raise Unreadable(tok)
                name = f"{name}_{tok.lstrip(chr(92))}"
        if self.peek() == "'":
            raise Unreadable("prime")
        if name not in self.symbols:
            self.symbols.append(name)
        return name

    def atom(self) -> str:
        self.skip_spacing()
        tok = self.take()
        if tok in ("(", "["):
            inner = self.expr()
            self.skip_spacing()
            self.expect(")" if tok == "(" else "]")
            return f"({inner})"
        if tok == "{":
            inner = self.expr()
            self.expect("}")
            return f"({inner})"
        if re.fullmatch(r"\d*\.?\d+", tok):
            return tok
        if re.fullmatch(r"[A-Za-z]", tok):
            return self.symbol(tok)
        if tok.startswith("\\"):
            cmd = tok[1:]
            if cmd == "pi":
                return "pi"
            if cmd in ("frac", "tfrac", "dfrac"):
                num = self.braced()
                den = self.braced()
                return f"({_wrap(num)} / {_wrap(den)})"
            if cmd == "sqrt":
                self.skip_spacing()
                if self.peek() == "[":
                    raise Unreadable("nth root")
                return f"sqrt({self.braced()})"
            if cmd in _FUNCS and cmd != "sqrt":
                self.skip_spacing()
                if self.peek() == "_":
                    raise Unreadable("log base")
                if self.peek() in ("(", "{", "\\left"):
                    if self.peek() == "\\left":
                        self.take()
                    arg = self.atom()
                else:
                    arg = self.power()
                return f"{_FUNCS[cmd]}({arg})"
            if cmd in _GREEK:
                return self.symbol(cmd)
            if cmd in ("left",):
                return self.atom()
        raise Unreadable(tok)

    def braced(self) -> str:
        self.skip_spacing()
        if self.peek() != "{":
            return self.operand(self.take())
        self.take()
        inner = self.expr()
        self.skip_spacing()
        self.expect("}")
        return inner


def _wrap(expr: str) -> str:
    """``expr`` bracketed unless it is one token (a number, a symbol, a call)."""
    return expr if re.fullmatch(r"[\w.]+(?:\(.*\))?", expr) and " " not in expr.split("(")[0] and (
        "(" not in expr or _balanced(expr[expr.index("(") + 1:-1])) else f"({expr})"


def to_python(latex: str) -> tuple[str, tuple[str, ...]]:
    """``latex`` (one side of a formula) as a Python expression with explicit operators and its free symbols in
    order of appearance; raises :class:`Unreadable` on anything outside the reader's subset."""
    latex = latex.replace("\\right", "").replace("\\left", "").replace("\\!", "").replace("\\,", " ")
    r = _Reader(_tokens(latex))
    out = r.expr()
    r.skip_spacing()
    if r.peek() is not None:
        raise Unreadable(r.peek())
    return out, tuple(r.symbols)


def evaluate(expr: str, values: dict[str, float]) -> float:
    """``expr`` (from :func:`to_python`) at ``values``, with only sqrt, log and exp callable."""
    env = {"sqrt": math.sqrt, "log": math.log, "exp": math.exp, "cos": math.cos, "sin": math.sin,
           "tanh": math.tanh, "pi": math.pi, "__builtins__": {}}
    safe = {name: f"_v{i}" for i, name in enumerate(values)}  # "lambda" is a Python keyword: names are renamed
    code = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: safe.get(m.group(0), m.group(0)), expr)
    return float(eval(compile(code, "<formula>", "eval"), env, {safe[k]: v for k, v in values.items()}))  # noqa: S307


# -- formulas in a section ---------------------------------------------------------------------------------------

def _spans(text: str) -> list[str]:
    """The inline math spans of ``text``: single ``$`` paired left to right (an escaped ``\\$`` and a display
    ``$$...$$`` are skipped); a span that opens or closes on a space is no math (a price, a shell variable)."""
    text = re.sub(r"\$\$.*?\$\$", " ", text.replace("\\$", " "), flags=re.S)
    parts = text.split("$")
    return [p for p in parts[1::2] if p and len(p) <= 200 and "\n" not in p and p == p.strip()]
_RELATION = re.compile(r"\\(?:approx|le|ge|leq|geq|neq|sim|propto|to|leftarrow|rightarrow|in|mid)\b|[<>]|\\\|")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(*$])|\n\s*\n|\n(?=\s*[-*|#])", text) if s.strip()]


def _stated(span: str, sent: str) -> Stated | None:
    """``span`` read as a formula stated by the sentence ``sent``; None when it is no formula the reader reads."""
    if re.search(r"(?<![\\A-Za-z])[A-Za-z]{3,}", re.sub(r"_\{[^{}]*(?:\{[^{}]*\}[^{}]*)?\}", "", span)):
        return None  # a run of letters outside a command or subscript is a word, not a product of symbols
    if _RELATION.search(span):
        return None
    sides = span.split("=")
    if len(sides) > 2:
        return None
    rhs = sides[-1]
    name = sides[0].strip() if len(sides) == 2 else ""
    try:
        expr, symbols = to_python(rhs)
    except (Unreadable, IndexError):
        return None
    if re.search(r"(?<![A-Za-z\\])O\s*\(", rhs):
        return None  # big-O: a growth rate, not a value
    if not symbols or re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", expr):
        return None  # a bare symbol names a quantity, it is no formula
    if name and name.replace(" ", "") in symbols:
        return None  # "x = x + 1": an update, not a formula
    return Stated(span, name, expr, symbols, sent)


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)


def displays(text: str) -> list[tuple[str, str]]:
    """The display equations ``$$...$$`` of ``text`` (one formula each; a trailing comma or period dropped; parts
    joined by ``\\quad``/``\\qquad`` taken apart), each with the words that state it: the paragraph that leads
    into it and the sentence after it when that one continues it ("where $x$ is ...", "with ...", "summed over ...")."""
    out = []
    for m in _DISPLAY.finditer(text.replace("\\$", "  ")):
        body = " ".join(m.group(1).split())
        if "\\\\" in body or "\\begin" in body or len(body) > 200:
            continue  # an aligned block of several lines is not one formula
        body = re.sub(r"(?:\\[,;!]|[\s,.;])+$", "", body)
        context = re.split(r"\n\s*\n", text[: m.start()].rstrip())[-1]  # the paragraph leading into it
        rest = _sentences(text[m.end():].lstrip(" ,.;\n"))
        if rest and re.match(r"(?:where|with|here|for|summed|in which|and)\b", rest[0]):
            context = f"{context} {rest[0]}"
        for part in re.split(r",?\s*\\q?quad\b", body):
            part = part.strip().rstrip(",;. ")
            if part:
                out.append((part, context))
    return out


def formulas_in(text: str) -> list[Stated]:
    """The formulas the section ``text`` states in inline LaTeX, in order, then those of its display equations
    (:func:`displays`), each with the sentences that state it (see the module's point 1)."""
    out = []
    for sent in _sentences(text):
        for span in _spans(sent):
            got = _stated(span, sent)
            if got is not None:
                out.append(got)
    for span, context in displays(text):
        got = _stated(span, context)
        if got is not None:
            out.append(got)
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z-]*", text.lower())


def _stem(w: str) -> str:
    w = w.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _content(words: Sequence[str]) -> set[str]:
    return {_stem(w) for w in words if w not in _STOP and len(w) > 2}


def symbol_words(text: str, symbol: str) -> set[str]:
    """The content words the section ``text`` uses next to the symbol ``symbol`` when it stands alone in a span:
    the up to three words after it ("$n$ independent examples") and, before it, the words of a naming phrase
    ("the number of examples $n$"), plus the words of "where $n$ is the sample size"."""
    base, _, sub = symbol.partition("_")
    alone = r"\$\s*(?:" + (re.escape("\\" + base) if base in _GREEK else re.escape(base)) + \
        (r"_\{?(?:\\text\{|\\mathrm\{|\\)?" + re.escape(sub) + r"\}?\}?" if sub else "") + r")\s*\$"
    found: set[str] = set()
    for m in re.finditer(alone, text):
        after = re.sub(r"^\s*(?:is|are|=|denotes|,)?\s*(?:the\s+)?", "", text[m.end(): m.end() + 60])
        after = re.split(r"[$.,;:()\n]|\b(?:and|or|but|while|with)\b", after)[0]  # "$\\gamma$ and the cost"
        found |= _content(_words(after)[:3])
        before = re.split(r"[$.,;:()\n]|\b(?:and|or|but|while|with)\b", text[max(0, m.start() - 50): m.start()])[-1]
        if re.search(r"\b(?:of|the|number|count)\s*$", before.lower()) or before.strip():
            found |= _content(_words(before)[-2:])  # "the learning rate $\eta$"; not "features create large $\kappa$"
    return found


# -- the question's numbers --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int
    after: tuple[str, ...]  # the up to three words after it
    before: tuple[str, ...]  # the up to two words right before it ("capacity factor 1.25", "sd 1.5")
    unit: bool  # a unit follows it (%, ms, GB, ...)


_REACH = r"\s+(?:(?:fall|drop|decay|shrink|grow|rise|get|come)s?|reach(?:es)?)(?:\s+(?:down|up))?(?:\s+(?:to|below|under|above))?"
_SCALES = {"k": 1e3, "m": 1e6, "b": 1e9, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_SCALE = re.compile(r"(k|m|b)(?![a-z\d])|\s+(thousand|million|billion)\b")


def numbers_of(question: str) -> list[Number]:
    """Every number the question states, with the words after it and whether a unit follows it. A count written
    with a scale ("200k", "1.2M", "7B", "3 million") is read as its value (200,000; 1,200,000; ...), as are "3e5"
    and "10^6"; a unit (GB, ms, %) stays a unit."""
    t = question.lower().replace("−", "-")
    cased = question.replace("−", "-") if len(question) == len(t) else t
    out = []
    for m in re.finditer(_NUMX + r"(?:e-?\d+)?(?:\^-?\d+(?![\d.]))?", t):
        raw = m.group(0)
        try:
            mant, _, power = raw.replace(",", "").partition("^")
            v = float(mant) ** int(power) if power else float(mant)
        except (ValueError, OverflowError):
            continue
        end = m.end()
        if re.search(r"[A-Z][A-Za-z]*(?:\(|-)$", cased[: m.start()]) and not re.match(r"[.\d]", t[end:]):
            continue  # part of a name: "AR(1)", "ResNet-50", "GPT-2"; not "lag-1", "top-5", "log(2)", "sqrt(10)"
        scale = _SCALE.match(t[end:])
        if scale is not None and not power:
            v *= _SCALES[scale.group(1) or scale.group(2)]
            end += len(scale.group(0))
        rest = t[end:]
        unit = bool(re.match(r"\s*(?:" + _UNITS + r")", rest)) or bool(re.match(r"\s*[x×]\s*\d", rest)) \
            or bool(re.match(r"[a-z]", rest)) or bool(re.search(r"[$€£]\s*$", t[: m.start()]))
        # the number's own words end where a prepositional phrase starts: "0.05 for most layers" is no count of layers
        words = re.split(r"[\d,;:?!()=]|\.(?:\s|$)|\b(?:and|or|but|with|vs|versus|than|for|in|on|at|from|into|"
                         r"over|across|during|within|by)\b", rest[:60])[0]
        window = re.sub(_REACH + r"\s*$", " of ", t[max(0, m.start() - 40): m.start()])
        prior = re.split(r"[\d,;:?!()=%]|\.(?:\s|$)|\b(?:and|or|but|with|vs|versus|than|at|to|from)\b",
                         window)[-1]
        if re.search(r"\b(?:of|is)\s*$", prior):  # "an acceptance rate of 0.8", "draft length is 4" name the
            pre = window[: len(window) - len(prior)]  # number; "3 groups of 10" does not
            prior = "" if re.search(r"\d\s*$", pre) else re.sub(r"\b(?:of|is)\s*$", "", prior)
        out.append(Number(v, m.start(), end, tuple(_words(words)[:3]), tuple(_words(prior)[-2:]), unit))
    return out


def _name_forms(symbol: str) -> list[str]:
    base, _, sub = symbol.partition("_")
    forms = [base + (f"_{sub}" if sub else ""), base + sub] if sub else [base]
    if base in _GREEK:
        forms += [_GREEK_CHAR[base] + (f"_{sub}" if sub else "")]
    return forms


def named_values(question: str, symbol: str, nums: list[Number]) -> set[int]:
    """The indices (into ``nums``) of the numbers the question assigns to ``symbol`` by its name: "k = 16",
    "tau = 0.005", "τ of 0.005", "n=2000"."""
    t = question.lower().replace("−", "-")
    out = set()
    for form in _name_forms(symbol):
        op = r"\s*(?:=|:)\s*" if len(form) == 1 and form.isascii() else r"\s*(?:=|:|\bis\b|\bof\b)\s*"
        for m in re.finditer(r"(?<![\w\\])" + re.escape(form.lower()) + op + r"(?=[\d.])", t):
            for i, n in enumerate(nums):
                if n.start == m.end():
                    out.add(i)
    return out


def asks_value(question: str) -> bool:
    """Whether the question asks for a value (how many/much, what is/are ..., compute, estimate, roughly)."""
    return bool(re.search(r"\bhow (?:many|much|big|large|long|wide|small|fast|often)\b|"
                          r"\bwhat(?:'s| is| are| would| will| fraction| share| proportion| percentage)\b|"
                          r"\bcompute\b|\bcalculate\b|\bestimate\b|\broughly\b|\bexpect\b|\bwork (?:it )?out\b|"
                          r"\bwhat\b.*\b(?:value|number|size|count)\b|"
                          r"\bwhat\s+(?:[a-z-]+\s+){1,2}(?:does|do|would|will|should|gives?)\b",
                          question.lower()))


# -- reading a section on a question -----------------------------------------------------------------------------

def _shown(x: float) -> str:
    if abs(x - round(x)) < 1e-9 and abs(x) < 1e15:
        return f"{int(round(x)):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _pretty(expr: str, values: dict[str, float] | None = None) -> str:
    def sym(m: re.Match) -> str:
        name = m.group(0)
        if name in _CALLS:
            return name
        if name == "pi":
            return "π"
        if values is not None and name in values:
            return _shown(values[name])
        base, _, sub = name.partition("_")
        return _GREEK_CHAR.get(base, base) + (f"_{sub}" if sub else "")

    s = re.sub(r"[A-Za-z][A-Za-z0-9_]*", sym, expr)
    s = s.replace(" ** ", "^").replace(" * ", "·").replace(" / ", "/").replace(" - ", " − ").replace("sqrt", "√")
    s = re.sub(r"\^\(([\w.,]+)\)", r"^\1", s)  # 2^(M) -> 2^M: brackets only around a compound exponent
    s = re.sub(r"^- ", "−", s)  # a leading minus: "−α_t·...", not "- α_t·..."
    s = re.sub(r"^\((.*)\)$", lambda m: m.group(1) if _balanced(m.group(1)) else m.group(0), s)
    return s


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _bind(question: str, text: str, nums: list[Number], symbols: Sequence[str]
          ) -> tuple[dict[str, int], set[str], list[str]] | None:
    """Each of ``symbols`` bound to one number of the question (by name or by the section's words, see the module's
    point 2): the bound indices, the words that bound them and the symbols no number binds; None when a symbol has
    two values, a bound number has a unit that its name does not give, or one number binds two symbols."""
    bound: dict[str, int] = {}
    used_words: set[str] = set()
    free: list[str] = []
    for s in symbols:
        named = named_values(question, s, nums)
        words = symbol_words(text, s) if not named else set()
        words -= _WEAK
        idx = named or {i for i, n in enumerate(nums) if words and _content((*n.after, *n.before)) & words}
        if not idx:
            free.append(s)
            continue
        if len({nums[i].value for i in idx}) != 1 or any(nums[i].unit and i not in named for i in idx):
            return None
        bound[s] = min(idx)
        used_words |= words & _content((*nums[min(idx)].after, *nums[min(idx)].before))
    if len(set(bound.values())) != len(bound):
        return None
    return bound, used_words, free


def _asked_for(question: str, text: str, symbol: str) -> bool:
    """Whether the question asks for the value of ``symbol``: its name right after "what is"/"solve for"/"find",
    or a word the section uses for it among the words after "how many/much/long" or "what/which"."""
    t = question.lower()
    for form in _name_forms(symbol):
        if re.search(r"\b(?:what(?:'s| is| would| should)?|solve for|find|which)\s+(?:the\s+)?"
                     + re.escape(form.lower()) + r"(?![\w])", t):
            return True
    words = symbol_words(text, symbol)
    for m in re.finditer(r"\b(?:how (?:many|much|long|large|big|small)|what|which)\s+((?:[a-z-]+\s+){0,2}[a-z-]+)", t):
        if _content(_words(m.group(1))) & words:
            return True
    return False


def _root(g, lo: float = 1e-9, hi: float = 1e9) -> float | None:
    """The one positive root of ``g`` on a log grid from ``lo`` to ``hi`` (60 points a decade), refined by
    bisection; None when ``g`` changes sign at no grid step or at more than one (the unknown is not determined)."""
    grid = [lo * (hi / lo) ** (k / 1080) for k in range(1081)]
    vals = []
    for x in grid:
        try:
            y = g(x)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            y = float("nan")
        vals.append(y if isinstance(y, float) and math.isfinite(y) else float("nan"))
    changes = [k for k in range(1080) if not (math.isnan(vals[k]) or math.isnan(vals[k + 1]))
               and (vals[k] == 0 or vals[k] * vals[k + 1] < 0)]
    if len(changes) != 1:
        return None
    a, b = grid[changes[0]], grid[changes[0] + 1]
    ga = vals[changes[0]]
    if ga == 0:
        return a
    for _ in range(200):
        mid = (a + b) / 2
        gm = g(mid)
        if gm == 0 or (b - a) <= 1e-13 * b:
            return mid
        if (gm < 0) == (ga < 0):
            a, ga = mid, gm
        else:
            b = mid
    return (a + b) / 2


def _solve(question: str, text: str, f: Stated, nums: list[Number], q_content: set[str]) -> Reading | None:
    """``f`` (a formula ``L = R`` with a readable left side) solved for the one symbol the question gives no number
    for, when the question gives every other symbol of both sides and asks for that one (:func:`_asked_for`):
    numerically, the one positive root of ``L - R`` (:func:`_root`); None on any doubt."""
    if not f.name or not _readable(f.name):
        return None
    lhs, lhs_symbols = to_python(f.name)
    symbols = [*dict.fromkeys((*lhs_symbols, *f.symbols))]
    got = _bind(question, text, nums, symbols)
    if got is None:
        return None
    bound, used_words, free = got
    if len(free) != 1 or not _asked_for(question, text, free[0]):
        return None
    if any(nums[i].unit for i in bound.values()):
        return None
    used = {nums[i].value for i in bound.values()}
    if any(not n.unit and n.value not in used for n in nums):
        return None
    own = _content(_words(re.sub(r"\$[^$]*\$", " ", f.sentence))) - used_words
    if not own & q_content:
        return None
    unknown = free[0]
    values = {s: nums[i].value for s, i in bound.items()}

    def g(x: float) -> float:
        at = {**values, unknown: x}
        return evaluate(lhs, at) - evaluate(f.expr, at)

    x = _root(g)
    if x is None:
        return None
    scale = max(abs(evaluate(lhs, {**values, unknown: x})), abs(evaluate(f.expr, {**values, unknown: x})), 1e-300)
    if abs(g(x)) > 1e-6 * scale:
        return None
    binds = ", ".join(f"{_pretty(s)} = {_shown(v)}" for s, v in values.items())
    line = (f"{_pretty(lhs)} = {_pretty(f.expr)} solved for {_pretty(unknown)} with {binds}: "
            f"{_pretty(unknown)} = {_shown(x)}")
    return Reading(line, {**values, unknown: x}, f.latex)


def read_section(question: str, text: str) -> Reading | None:
    """The first formula of the section ``text`` whose every symbol the question binds unambiguously, worked at
    those numbers; else the first formula ``L = R`` whose every symbol but one the question binds and whose
    remaining one it asks for, solved for that one (:func:`_solve`); None when none (see the module's points
    1-4)."""
    if not asks_value(question):
        return None
    nums = numbers_of(question)
    if not nums:
        return None
    q_content = _content(_words(question))
    stated = formulas_in(text)
    for f in stated:
        got = _bind(question, text, nums, f.symbols)
        if got is None or got[2]:
            continue
        bound, used_words, _ = got
        if any(nums[i].unit for i in bound.values()):
            continue
        used = {nums[i].value for i in bound.values()}
        if any(not n.unit and n.value not in used for n in nums):
            continue  # a number the formula leaves unused: the question asks something else of its numbers
        own = _content(_words(re.sub(r"\$[^$]*\$", " ", f.sentence))) - used_words
        if not own & q_content:
            continue
        values = {s: nums[i].value for s, i in bound.items()}
        try:
            v = evaluate(f.expr, values)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError, SyntaxError):
            continue
        if not math.isfinite(v):
            continue
        lhs = _pretty(to_python(f.name)[0]) if f.name and _readable(f.name) else ""
        binds = ", ".join(f"{_pretty(s)} = {_shown(x)}" for s, x in values.items())
        head = f"{lhs} = " if lhs else ""
        line = (f"{head}{_pretty(f.expr)} with {binds}: {head}{_pretty(f.expr, values)} = {_shown(v)}")
        return Reading(line, values, f.latex)
    for f in stated:
        try:
            got = _solve(question, text, f, nums, q_content)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError, SyntaxError):
            continue
        if got is not None:
            return got
    return None


def _readable(latex: str) -> bool:
    try:
        to_python(latex)
    except (Unreadable, IndexError):
        return False
    return True
