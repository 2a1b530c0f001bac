"""Render the corpus as a static book site with MkDocs Material, fully offline.

:func:`build_site` stages a MkDocs ``docs`` folder from the corpus and builds it:

* every corpus file becomes a page (``README.md`` becomes ``about-the-corpus.md``); each heading gets the
  corpus's own slug as its id (GitHub's rule, from :func:`mlnotes.kb.markdown.unique_slugs`), so ``file.md#section``
  links keep working;
* citations ``[@key; @other]`` become links into the bibliography page, whose entries get ``id="key"``;
* links into ``algorithms/*.py`` point to generated source pages with the highlighted file;
* the navigation follows the learning paths of ``corpus/guides/learning-guide.md`` (one page per study plan, week
  by week) and then the chapter order;
* math goes through ``pymdownx.arithmatex`` to MathJax, served from the site's own files (copied from the
  ``jupyter-server-mathjax`` package); Material's Google fonts are off; nothing is fetched at build or view time;
* optionally (``figures=True``) each chapter's ``python`` blocks run and the figures they draw appear under them
  (see :mod:`mlnotes.assistant.site.figures`).

After the build, :func:`mlnotes.assistant.site.linkcheck.check_site` verifies every internal link and anchor and that no
page loads a script or stylesheet from the network; problems raise :class:`SiteError`.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlnotes.kb.markdown import CITATION_RE, Document, parse_document

PIP_SITE = 'pip install -e ".[site]"   (or: pip install mkdocs-material jupyter-server-mathjax)'
RENAMES = {"README.md": "about-the-corpus.md"}
SECTION_TITLES = {"chapters": "Chapters", "guides": "Guides", "interview": "Interview bank"}
_LINK_RE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^)\s]+)((?:\s+\"[^\"]*\")?)\)")
_INLINE_CODE_RE = re.compile(r"(`+)(?:.+?)\1")
_REF_ENTRY_RE = re.compile(r"^(\s*[-*]\s+)\[([A-Za-z0-9_:\-]+)\](\s)")
_PLAN_RE = re.compile(r"^##\s+Study plan:\s*(.+?)\s*$")


class SiteError(RuntimeError):
    """The site cannot be built (missing extra, bad corpus) or failed its checks; the message says what to fix."""


@dataclass
class SiteReport:
    out_dir: Path
    pages: int = 0
    source_pages: int = 0
    figures: int = 0
    docs_run: int = 0  # documents whose blocks were executed (not served from the figure cache)
    seconds: float = 0.0
    figure_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # figure problems (a failing block); not fatal


def _require_site_extra() -> None:
    for mod in ("mkdocs", "material", "pymdownx", "jupyter_server_mathjax"):
        if importlib.util.find_spec(mod) is None:
            raise SiteError(f"building the site needs the 'site' extra ({mod} is missing); run: {PIP_SITE}")


def mathjax_dir() -> Path:
    spec = importlib.util.find_spec("jupyter_server_mathjax")  # located, not imported (it pulls jupyter_server)
    if spec is None or not spec.origin:
        raise SiteError(f"the site's math needs jupyter-server-mathjax (MathJax served locally); run: {PIP_SITE}")
    folder = Path(spec.origin).parent / "static"
    if not (folder / "MathJax.js").exists():
        raise SiteError(f"{folder} holds no MathJax.js; reinstall jupyter-server-mathjax")
    return folder


# ------------------------------------------------------------------------------------------ text rewriting


def _outside_code(line: str, fn) -> str:
    """Apply ``fn`` to the parts of a Markdown line that are not inline code spans."""
    out, pos = [], 0
    for m in _INLINE_CODE_RE.finditer(line):
        out.append(fn(line[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(fn(line[pos:]))
    return "".join(out)


def _cite_label(key: str) -> str:
    m = re.match(r"([a-z-]+?)(\d{4})", key)
    return f"{m.group(1).replace('-', ' ').title()} {m.group(2)}" if m else key


class Stager:
    """Turns corpus files into MkDocs pages under ``docs``; records the algorithm source pages it links to."""

    def __init__(self, corpus_dir: Path, repo_dir: Path, docs: Path) -> None:
        self.corpus_dir = corpus_dir
        self.repo_dir = repo_dir
        self.docs = docs
        self.sources: set[str] = set()  # repo-relative paths of algorithms/*.py files linked from the corpus
        self.bib_keys: set[str] = set()

    def page_of(self, corpus_rel: str) -> str:
        """The staged page path (docs-relative) of a corpus file."""
        return RENAMES.get(corpus_rel, corpus_rel)

    def rewrite_href(self, href: str, src_corpus_rel: str, dest_page: str) -> str:
        """A corpus link as written in ``src_corpus_rel``, rewritten for the page at ``dest_page``."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
            return href
        path, _, frag = href.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src_corpus_rel), path))
        if target.startswith("../"):  # outside the corpus: relative to the repository
            repo_rel = posixpath.normpath(posixpath.join("corpus", target))
            if repo_rel.startswith("algorithms/") and repo_rel.endswith(".py") \
                    and (self.repo_dir / repo_rel).is_file():
                self.sources.add(repo_rel)
                page = repo_rel[: -len(".py")] + ".md"
            else:
                return href  # left as written; the link check reports it if it does not resolve
        else:
            page = self.page_of(target)
        rel = posixpath.relpath(page, posixpath.dirname(dest_page) or ".")
        return rel + (f"#{frag}" if frag else "")

    def rewrite_inline(self, text: str, src_corpus_rel: str, dest_page: str) -> str:
        def links(m: re.Match) -> str:
            bang, label, href, title = m.groups()
            return f"{bang}[{label}]({self.rewrite_href(href, src_corpus_rel, dest_page)}{title})"

        def cites(m: re.Match) -> str:
            refs = posixpath.relpath("references.md", posixpath.dirname(dest_page) or ".")
            keys = [k.strip().lstrip("@") for k in m.group(1).split(";")]
            return "(" + "; ".join(f"[{_cite_label(k)}]({refs}#{k})" for k in keys) + ")"

        def both(part: str) -> str:
            return CITATION_RE.sub(cites, _LINK_RE.sub(links, part))

        return _outside_code(text, both)

    def stage_document(self, doc: Document, figures: dict[int, list] | None = None,
                       figure_prefix: str = "figures") -> str:
        """The page text of one corpus document."""
        dest = self.page_of(doc.rel_path)
        protected: set[int] = set()  # 1-based lines inside fences, indented code or display math
        for b in doc.blocks:
            if b.type in ("fence", "code", "math", "html"):
                protected.update(range(b.start, b.end + 1))
        for cb in doc.code_blocks:  # fences nested in lists too
            protected.update(range(cb.start, cb.end + 1))
        heading_at = {h.line: h for h in doc.headings}
        fence_start = {b.start for b in doc.blocks if b.type == "fence"} | {cb.start for cb in doc.code_blocks}
        fence_end = {cb.end: cb for cb in doc.code_blocks}
        out: list[str] = []
        para: list[str] = []  # unprotected lines, rewritten together so a link may span lines

        def flush() -> None:
            if para:
                out.extend(self.rewrite_inline("\n".join(para), doc.rel_path, dest).split("\n"))
                para.clear()

        lines = doc.lines
        # the front matter stays (MkDocs reads its title); the body is rewritten
        out.extend(lines[: doc.body_start - 1])
        for i in range(doc.body_start, len(lines) + 1):
            line = lines[i - 1]
            if i in protected or i in heading_at or not line.strip():
                flush()
            if i in fence_start:
                # keep only the language: superfences does not open a fence whose info has bare words after it
                m = re.match(r"^(\s*)(`{3,}|~{3,})\s*([^\s`{]*)", line)
                out.append(f"{m.group(1)}{m.group(2)}{m.group(3)}" if m else line)
            elif i in protected:
                out.append(line)
            elif i in heading_at and line.lstrip().startswith("#"):
                text = self.rewrite_inline(line.rstrip().rstrip("#").rstrip(), doc.rel_path, dest)
                out.append(f"{text} {{#{heading_at[i].slug}}}")
            elif doc.rel_path == "references.md" and _REF_ENTRY_RE.match(line):
                flush()
                m = _REF_ENTRY_RE.match(line)
                self.bib_keys.add(m.group(2))
                rest = self.rewrite_inline(line[m.end():], doc.rel_path, dest)
                out.append(f'{m.group(1)}<span id="{m.group(2)}"></span>**[{m.group(2)}]**{m.group(3)}{rest}')
            elif not line.strip():
                out.append(line)
            else:
                para.append(line)
            cb = fence_end.get(i)
            if cb is not None and figures and cb.start in figures:
                rel = posixpath.relpath(figure_prefix, posixpath.dirname(dest) or ".")
                for fig in figures[cb.start]:
                    alt = fig.alt.replace("[", "(").replace("]", ")").replace("\n", " ")
                    out += ["", f'![{alt}]({rel}/{fig.file}){{ loading=lazy .mlnotes-figure }}', ""]
        flush()
        return "\n".join(out) + "\n"

    def source_page(self, repo_rel: str) -> str:
        code = (self.repo_dir / repo_rel).read_text(encoding="utf-8")
        fence = "```"
        while fence in code:
            fence += "`"
        return (f"---\ntitle: \"{repo_rel}\"\n---\n\n# `{repo_rel}`\n\n"
                f"The from-scratch implementation as it is in the repository (`{repo_rel}`), "
                f"{len(code.splitlines())} lines. Run its demo with `mlnotes run`.\n\n"
                f'{fence}python linenums="1"\n{code.rstrip()}\n{fence}\n')


def learning_paths(guide: Document, stager: Stager) -> list[tuple[str, str, str]]:
    """``(title, page path, page text)`` for each study plan of the learning guide, week by week."""
    lines = guide.lines
    plans: list[tuple[str, int]] = [(m.group(1), i) for i, line in enumerate(lines)
                                    if (m := _PLAN_RE.match(line))]
    out = []
    for title, start in plans:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        title = title[:1].upper() + title[1:]
        page = f"paths/{slug}.md"
        header: list[str] | None = None
        rows: list[list[str]] = []
        anchor = next((h.slug for h in guide.headings if h.line == start + 1), "")
        for line in lines[start + 1:]:
            if line.startswith("#"):
                break
            if line.strip().startswith("|"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if header is None:
                    header = [c.lower() for c in cells]
                elif not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
        if not header or not rows:
            continue
        guide_link = stager.rewrite_href(f"learning-guide.md#{anchor}", guide.rel_path, page)
        text = [f"---\ntitle: \"Learning path: {title}\"\n---\n", f"# Learning path: {title}\n",
                f"The week-by-week plan from the [learning guide]({guide_link}), with each reading linked.\n"]
        for cells in rows:
            row = dict(zip(header, cells))
            week = row.get("week", cells[0])
            text.append(f"## Week {week}\n")
            for col in header:
                if col == "week" or not row.get(col):
                    continue
                text.append(f"- **{col.capitalize()}:** {stager.rewrite_inline(row[col], guide.rel_path, page)}")
            text.append("")
        out.append((f"{title}", page, "\n".join(text) + "\n"))
    return out


# ----------------------------------------------------------------------------------------------- the build

_MATHJAX_CONFIG = """window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],
  tex2jax: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]],
            processEscapes: false, processEnvironments: true},
  showMathMenu: false,
  "HTML-CSS": {availableFonts: ["TeX"], imageFont: null, webFont: "TeX"},
  messageStyle: "none",
  skipStartupTypeset: false,
  elements: undefined,
};
"""

_EXTRA_CSS = """.md-typeset img.mlnotes-figure { display: block; margin: 0.5em auto 1.5em; max-width: 100%;
  border: 1px solid var(--md-default-fg-color--lightest); }
"""


def _nav_title(doc: Document) -> str:
    title = doc.title
    m = re.match(r"(\d\d)-", Path(doc.rel_path).name)
    if doc.kind == "chapter" and m and not title.lower().startswith(("chapter", m.group(1))):
        return f"{m.group(1)}. {title}"
    return title


def build_site(corpus_dir: str | os.PathLike, out_dir: str | os.PathLike, *, figures: bool = False,
               cache_dir: str | os.PathLike | None = None, figure_timeout: float = 300.0,
               check: bool = True, site_name: str = "ML/AI Notes") -> SiteReport:
    """Build the book site of ``corpus_dir`` into ``out_dir`` (replaced); return what was built.

    ``figures=True`` runs the chapters' and guides' ``python`` blocks (cached under ``cache_dir``, default
    ``.mlnotes/site-cache`` beside the corpus' repository) and shows each figure under the block that draws it.
    """
    _require_site_extra()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from mlnotes.assistant.site.figures import doc_figures
    from mlnotes.assistant.site.linkcheck import check_site

    t0 = time.perf_counter()
    corpus = Path(corpus_dir).resolve()
    out = Path(out_dir).resolve()
    if not corpus.is_dir() or not any(corpus.rglob("*.md")):
        raise SiteError(f"{corpus} is not a corpus folder (no Markdown files); pass the folder that holds "
                        "chapters/, guides/ and references.md")
    repo = corpus.parent
    cache = Path(cache_dir).resolve() if cache_dir else repo / ".mlnotes" / "site-cache"
    work = cache / "stage"
    docs = work / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    report = SiteReport(out_dir=out)

    stager = Stager(corpus, repo, docs)
    paths = sorted(corpus.rglob("*.md"))
    parsed = [parse_document(p, corpus) for p in paths]
    fig_dir = docs / "figures"
    for doc in parsed:
        figs: dict[int, list] = {}
        if figures and doc.kind in ("chapter", "guide"):
            res = doc_figures(doc, cache / "figures", timeout=figure_timeout)
            figs = res.by_block
            report.docs_run += int(res.ran)
            report.figure_seconds += res.seconds
            report.problems += res.problems
            for fl in figs.values():
                for f in fl:
                    fig_dir.mkdir(exist_ok=True)
                    shutil.copy2(cache / "figures" / f.file, fig_dir / f.file)
                    report.figures += 1
        dest = docs / stager.page_of(doc.rel_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(stager.stage_document(doc, figs), encoding="utf-8")

    by_rel = {d.rel_path: d for d in parsed}
    plans = learning_paths(by_rel["guides/learning-guide.md"], stager) if "guides/learning-guide.md" in by_rel \
        else []
    for _title, page, text in plans:
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        (docs / page).write_text(text, encoding="utf-8")
    for repo_rel in sorted(stager.sources):
        page = docs / (repo_rel[: -len(".py")] + ".md")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(stager.source_page(repo_rel), encoding="utf-8")
    report.source_pages = len(stager.sources)

    # the home page and the algorithms index
    chapters = sorted((d for d in parsed if d.rel_path.startswith("chapters/")), key=lambda d: d.rel_path)
    home = [f"---\ntitle: \"{site_name}\"\n---\n", f"# {site_name}\n",
            "An offline ML/AI engineering knowledge base: a curriculum of chapters, reference guides, an "
            "interview bank and from-scratch algorithms"
            + (", every claim traceable to the [bibliography](references.md)" if "references.md" in by_rel else "")
            + ".\n", "## Learning paths\n"]
    home += [f"- [{t}]({p})" for t, p, _ in plans]
    if "guides/learning-guide.md" in by_rel:
        home += ["- [The learning guide](guides/learning-guide.md): how to use the material and study"]
    home += ["", "## Chapters\n"] + [f"- [{_nav_title(d)}]({d.rel_path})" for d in chapters] + [""]
    (docs / "index.md").write_text("\n".join(home) + "\n", encoding="utf-8")
    if stager.sources:
        alg = ["---\ntitle: \"Algorithms\"\n---\n", "# Algorithms\n",
               "The from-scratch implementations the corpus links to, as source pages.\n"]
        alg += [f"- [`{s}`]({posixpath.relpath(s[:-3] + '.md', 'algorithms')})" for s in sorted(stager.sources)]
        (docs / "algorithms").mkdir(exist_ok=True)
        (docs / "algorithms" / "index.md").write_text("\n".join(alg) + "\n", encoding="utf-8")

    # assets: local MathJax and the small config
    assets = docs / "assets"
    shutil.copytree(mathjax_dir(), assets / "mathjax")
    (assets / "mathjax-config.js").write_text(_MATHJAX_CONFIG, encoding="utf-8")
    (assets / "mlnotes.css").write_text(_EXTRA_CSS, encoding="utf-8")

    def section(prefix: str) -> list[dict[str, str]]:
        docs_in = sorted((d for d in parsed if d.rel_path.startswith(prefix + "/")), key=lambda d: d.rel_path)
        if prefix != "chapters":
            docs_in.sort(key=lambda d: (d.rel_path != "guides/learning-guide.md", d.title.lower()))
        return [{_nav_title(d): stager.page_of(d.rel_path)} for d in docs_in]

    nav: list[Any] = [{"Home": "index.md"}]
    if plans:
        nav.append({"Learning paths": [{t: p} for t, p, _ in plans]})
    for prefix in ("chapters", "guides", "interview"):
        if sec := section(prefix):
            nav.append({SECTION_TITLES[prefix]: sec})
    if stager.sources:
        nav.append({"Algorithms": ["algorithms/index.md"] + [s[:-3] + ".md" for s in sorted(stager.sources)]})
    extra = [{d.title: stager.page_of(d.rel_path)} for d in parsed if "/" not in d.rel_path]
    nav.append({"About": extra})

    config = dict(
        site_name=site_name,
        docs_dir=str(docs),
        site_dir=str(out),
        use_directory_urls=False,
        nav=nav,
        theme={"name": "material", "font": False, "language": "en",
               "features": ["navigation.tabs", "navigation.sections", "navigation.top", "navigation.indexes",
                            "search.highlight", "content.code.copy", "toc.follow"],
               "palette": [{"scheme": "default", "primary": "indigo", "accent": "indigo"}]},
        markdown_extensions=[
            "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables",
            {"toc": {"permalink": True}},
            {"pymdownx.arithmatex": {"generic": True}},
            {"pymdownx.highlight": {"use_pygments": True, "anchor_linenums": True, "line_spans": "__span"}},
            "pymdownx.inlinehilite", "pymdownx.superfences", "pymdownx.details", "pymdownx.tabbed",
        ],
        extra_javascript=["assets/mathjax-config.js", "assets/mathjax/MathJax.js"],
        extra_css=["assets/mlnotes.css"],
        plugins=["search"],
    )
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    import logging

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    try:
        mkdocs_build(load_config(config_file=str(config_file)))
    except Exception as exc:  # mkdocs raises its own types; the message is what the user needs
        raise SiteError(f"MkDocs could not build the site: {exc}") from exc
    report.pages = sum(1 for _ in out.rglob("*.html"))
    if check:
        problems = check_site(out)
        if problems:
            shown = "\n  ".join(problems[:30])
            raise SiteError(f"the built site at {out} has {len(problems)} problem(s):\n  {shown}")
    report.seconds = time.perf_counter() - t0
    return report
