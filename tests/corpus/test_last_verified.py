"""Every guide section that makes statements about a library's API says which versions it was last verified against,
and those versions are not older than the ones installed.

A `##` section of a guide "uses" PyTorch, scikit-learn or transformers when its prose or code names that library's
API (see ``LIBRARY_PATTERNS``; links and citations are ignored). Such a section ends with one line

    *Last verified: PyTorch 2.13, scikit-learn 1.9.*

naming each library it uses with the major.minor version its code and API names were last checked against
(corpus/README.md#last-verified-lines). When a library moves on, ``test_last_verified_versions_are_current`` lists
every section whose stated version is older (major.minor) than the installed one, which is the re-check list. The
backticked PyTorch and scikit-learn API names in those sections must also exist in the installed libraries.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

import pytest

from mlnotes.kb.check import DEFAULT_CORPUS, get_doc

LIBRARY_PATTERNS = {
    "PyTorch": re.compile(r"\btorch\b|\bnn\.[A-Z]\w+|\bF\.[a-z_]+\(|`\w*Loss`"),
    "scikit-learn": re.compile(r"\bsklearn\b|scikit-learn['\u2019]s `"),
    "transformers": re.compile(r"\bfrom transformers\b|\bimport transformers\b|\btransformers\.[a-zA-Z_]+\("
                               r"|\bAuto(?:Model|Tokenizer)\w*\b"),
}
DISTRIBUTIONS = {"PyTorch": "torch", "scikit-learn": "scikit-learn", "transformers": "transformers"}
LINE_RE = re.compile(r"^\*Last verified: (.+)\.\*$")
ITEM_RE = re.compile(r"^(PyTorch|scikit-learn|transformers) (\d+)\.(\d+)$")
SKIP_SECTIONS = {"References", "Further reading"}


@dataclass
class Section:
    path: str
    heading: str
    line: int
    text: str            # prose and code of the section, links and citations removed
    verified: str | None  # the last-verified line, if any
    verified_line: int | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line} ## {self.heading}"


def _strip_references(text: str) -> str:
    text = re.sub(r"\]\([^)]*\)", "]", text)               # link targets
    return re.sub(r"\[@[^\]]*\]", "", text)                # citations


def guide_sections() -> list[Section]:
    out = []
    for p in sorted((DEFAULT_CORPUS / "guides").glob("*.md")):
        doc = get_doc(p, DEFAULT_CORPUS)
        h2 = [h for h in doc.headings if h.level <= 2]
        for i, h in enumerate(h2):
            if h.level != 2 or h.text in SKIP_SECTIONS:
                continue
            end = h2[i + 1].line - 1 if i + 1 < len(h2) else len(doc.lines)
            lines = doc.lines[h.line:end]
            found = [(h.line + 1 + j, ln.strip()) for j, ln in enumerate(lines) if LINE_RE.match(ln.strip())]
            vline, vtext = found[-1] if found else (None, None)
            out.append(Section(doc.rel_path, h.text, h.line, _strip_references("\n".join(lines)), vtext, vline))
    return out


def libraries_used(text: str) -> list[str]:
    return [lib for lib, pat in LIBRARY_PATTERNS.items() if pat.search(text)]


def parse_verified(line: str) -> dict[str, tuple[int, int]]:
    """`*Last verified: PyTorch 2.13, scikit-learn 1.9.*` -> {'PyTorch': (2, 13), 'scikit-learn': (1, 9)}."""
    m = LINE_RE.match(line)
    if not m:
        raise ValueError(f"not a last-verified line: {line!r}")
    versions = {}
    for item in m.group(1).split(", "):
        im = ITEM_RE.match(item.strip())
        if not im:
            raise ValueError(f"{item!r} is not '<PyTorch|scikit-learn|transformers> <major>.<minor>'")
        versions[im.group(1)] = (int(im.group(2)), int(im.group(3)))
    return versions


def installed_version(library: str) -> tuple[int, int] | None:
    try:
        v = metadata.version(DISTRIBUTIONS[library])
    except metadata.PackageNotFoundError:
        return None
    major, minor = re.match(r"(\d+)\.(\d+)", v).groups()
    return int(major), int(minor)


def outdated(sections: list[Section], installed: dict[str, tuple[int, int] | None]) -> list[str]:
    stale = []
    for s in sections:
        if not s.verified:
            continue
        for lib, stated in parse_verified(s.verified).items():
            have = installed.get(lib)
            if have is not None and stated < have:
                stale.append(f"{s.where}: {lib} {stated[0]}.{stated[1]} < installed {have[0]}.{have[1]}")
    return stale


SECTIONS = guide_sections()
API_SECTIONS = [s for s in SECTIONS if libraries_used(s.text)]


# ----------------------------------------------------------------------------- the checker itself


def test_parser_and_comparison():
    assert parse_verified("*Last verified: PyTorch 2.13, scikit-learn 1.9.*") == {"PyTorch": (2, 13),
                                                                                   "scikit-learn": (1, 9)}
    with pytest.raises(ValueError):
        parse_verified("*Last verified: PyTorch 2.*")
    with pytest.raises(ValueError):
        parse_verified("*Last verified: TensorFlow 2.15.*")
    s = Section("guides/x.md", "Losses", 10, "", "*Last verified: PyTorch 2.3, scikit-learn 1.9.*", 20)
    assert outdated([s], {"PyTorch": (2, 13), "scikit-learn": (1, 9)}) == [
        "guides/x.md:10 ## Losses: PyTorch 2.3 < installed 2.13"]          # 2.3 < 2.13: numeric, not string order
    assert outdated([s], {"PyTorch": (2, 3), "scikit-learn": None}) == []
    assert libraries_used("use `nn.CrossEntropyLoss` on logits") == ["PyTorch"]
    assert libraries_used("from sklearn.linear_model import Ridge") == ["scikit-learn"]
    assert libraries_used("tok = AutoTokenizer.from_pretrained(path)") == ["transformers"]
    assert libraries_used(_strip_references("see [NLP and transformers](../interview/nlp-transformers.md)")) == []


# ----------------------------------------------------------------------------- the guides


def test_api_sections_exist():
    assert len(API_SECTIONS) >= 30, f"only {len(API_SECTIONS)} guide sections detected as making API statements"


def test_api_sections_have_a_last_verified_line():
    missing = [s.where + f" (uses {', '.join(libraries_used(s.text))})" for s in API_SECTIONS if not s.verified]
    assert not missing, "sections that make API statements without a '*Last verified: ...*' line:\n" + "\n".join(
        missing)


def test_last_verified_lines_name_every_library_used():
    bad = []
    for s in API_SECTIONS:
        if s.verified:
            stated = parse_verified(s.verified)
            lacking = [lib for lib in libraries_used(s.text) if lib not in stated]
            if lacking:
                bad.append(f"{s.where}: uses {', '.join(lacking)} but the line does not name it")
    assert not bad, "\n".join(bad)


def test_last_verified_line_closes_its_section():
    """The line is the section's last non-blank line, so that it is found and updated in one place."""
    bad = []
    for s in SECTIONS:
        if s.verified:
            doc = get_doc(DEFAULT_CORPUS / s.path, DEFAULT_CORPUS)
            after = [ln for ln in doc.lines[s.verified_line:] if ln.strip()]
            if after and not after[0].startswith("## ") and not after[0].startswith("# "):
                bad.append(f"{s.where}: text follows the last-verified line at line {s.verified_line}")
    assert not bad, "\n".join(bad)


def test_last_verified_versions_are_current():
    installed = {lib: installed_version(lib) for lib in DISTRIBUTIONS}
    stale = outdated(SECTIONS, installed)
    assert not stale, ("sections last verified against older library versions than installed; re-check their code "
                       "and API statements, then update the line:\n" + "\n".join(stale))


# ----------------------------------------------------------------------------- the API names exist


@lru_cache(maxsize=1)
def _sklearn_public_names() -> set[str]:
    import pkgutil

    import sklearn

    names = set()
    for info in pkgutil.iter_modules(sklearn.__path__):
        if info.name.startswith("_") or info.name in {"tests", "conftest"}:
            continue
        try:
            m = importlib.import_module(f"sklearn.{info.name}")
        except ImportError:
            continue
        names |= {n for n in getattr(m, "__all__", dir(m)) if not n.startswith("_")}
    return names


def _torch_name_exists(name: str) -> bool:
    """`torch.a.b`, `nn.X` or `F.x` names an attribute or a submodule of the installed PyTorch (submodules are
    located with find_spec, so one that needs an optional dependency, like torch.utils.tensorboard, still counts)."""
    import importlib.util

    import torch
    import torch.nn.functional

    roots = {"torch": ("torch", torch), "nn": ("torch.nn", torch.nn), "F": ("torch.nn.functional", torch.nn.functional)}
    head, _, rest = name.partition(".")
    if head not in roots:
        return False
    path, obj = roots[head]
    for part in rest.split(".") if rest else []:
        if obj is None:
            return True                     # inside a module that needs an optional dependency: cannot look further
        path = f"{path}.{part}"
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            if importlib.util.find_spec(path) is None:
                return False
        except (ImportError, ValueError):
            return False
        try:
            obj = importlib.import_module(path)
        except ImportError:
            obj = None                      # exists, but needs an optional dependency
    return True


def _torch_class_exists(name: str) -> bool:
    return any(_torch_name_exists(f"{root}.{name}") for root in ("nn", "torch.optim", "torch.utils.data", "torch"))


def test_backticked_api_names_exist_in_the_installed_libraries():
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    missing = []
    for s in API_SECTIONS:
        prose = re.sub(r"```.*?```", "", s.text, flags=re.S)
        for span in re.findall(r"`([^`\n]+)`", prose):
            torch_name = re.fullmatch(r"((?:torch|nn|F)(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?", span)
            if torch_name and not _torch_name_exists(torch_name.group(1)):
                missing.append(f"{s.where}: `{span}` not found in the installed PyTorch")
            loss = re.fullmatch(r"([A-Z]\w*Loss)(?:\(.*\))?", span)
            if loss and not _torch_name_exists(f"nn.{loss.group(1)}"):
                missing.append(f"{s.where}: `{span}` is not a torch.nn loss")
            if "scikit-learn" in libraries_used(s.text):
                cls = re.fullmatch(r"([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)(?:\(.*\))?", span)
                known = _sklearn_public_names()
                # a family name such as `HistGradientBoosting` counts when it prefixes a public class
                if cls and not loss and not _torch_class_exists(cls.group(1)) and not any(
                        n.startswith(cls.group(1)) for n in known):
                    missing.append(f"{s.where}: `{span}` is in neither scikit-learn nor PyTorch")
    assert not missing, "\n".join(missing)


def test_api_name_check_can_fail():
    assert _torch_name_exists("nn.PoissonNLLLoss") and _torch_name_exists("torch.utils.flop_counter.FlopCounterMode")
    assert not _torch_name_exists("nn.PoissonLoss") and not _torch_name_exists("torch.nn.functional.softmaxx")
    assert "CalibratedClassifierCV" in _sklearn_public_names() and "RandomForestRegressor" in _sklearn_public_names()
    assert "RandomForestRegresor" not in _sklearn_public_names()
