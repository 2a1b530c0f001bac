"""The book site: built from the real corpus and link-checked offline; figures and their cache on a small corpus.

Needs the ``site`` extra (MkDocs Material, jupyter-server-mathjax); skipped with that reason otherwise.
"""

from __future__ import annotations

import html
import importlib.util
import re
import threading
from pathlib import Path

import pytest

NEEDS = ("mkdocs", "material", "pymdownx", "jupyter_server_mathjax")
pytestmark = pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in NEEDS),
                                reason='the book site needs the site extra: pip install -e ".[site]"')

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"

REMOTE_LOAD = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    from mlnotes.assistant.site import build_site

    out = tmp_path_factory.mktemp("site")
    report = build_site(CORPUS, out / "site", cache_dir=out / "cache")  # raises on any link-check problem
    return out / "site", report


def test_real_corpus_builds_with_every_link_resolving_and_nothing_remote(real_site):
    from mlnotes.assistant.site import check_site

    site, report = real_site
    assert check_site(site) == []
    n_docs = sum(1 for _ in CORPUS.rglob("*.md"))
    assert report.pages >= n_docs + report.source_pages
    # independent of the checker: no page loads a script, stylesheet or image from the network
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not REMOTE_LOAD.search(text), f"{page.relative_to(site)} loads something from the network"
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
    assert (site / "search" / "search_index.json").exists()


def test_every_citation_links_to_its_bibliography_entry(real_site):
    from mlnotes.kb.markdown import CITATION_RE, CITE_KEY_RE

    site, _ = real_site
    bib = (site / "references.html").read_text(encoding="utf-8")
    chapter = (CORPUS / "chapters" / "05-classical-ml.md").read_text(encoding="utf-8")
    keys = {k for m in CITATION_RE.finditer(chapter) for k in CITE_KEY_RE.findall(m.group(0))}
    assert keys
    built = (site / "chapters" / "05-classical-ml.html").read_text(encoding="utf-8")
    for key in keys:
        assert f'href="../references.html#{key}"' in built, key
        assert f'id="{key}"' in bib, key
    assert "[@" not in re.sub(r"<code.*?</code>", "", built, flags=re.S)


def test_algorithm_links_become_source_pages_with_the_file(real_site):
    site, report = real_site
    built = (site / "chapters" / "05-classical-ml.html").read_text(encoding="utf-8")
    assert 'href="../algorithms/linear/ols.html"' in built
    page = (site / "algorithms" / "linear" / "ols.html").read_text(encoding="utf-8")
    code = html.unescape(re.sub(r"<[^>]+>", "", page))
    source = (REPO / "algorithms" / "linear" / "ols.py").read_text(encoding="utf-8")
    for line in source.splitlines():
        if line.strip():
            assert line.strip() in code, line
    assert report.source_pages == len({m for m in (site / "algorithms").rglob("*.html")} - {
        site / "algorithms" / "index.html"})


def test_navigation_follows_the_learning_paths_and_chapter_order(real_site):
    site, _ = real_site
    index = (site / "index.html").read_text(encoding="utf-8")
    nav_chapters = list(dict.fromkeys(re.findall(r'href="chapters/(\d\d)-[^"]+\.html"', index)))
    assert nav_chapters[:15] == [f"{i:02d}" for i in range(15)]
    beginner = (site / "paths" / "beginner-4-weeks.html").read_text(encoding="utf-8")
    guide = (CORPUS / "guides" / "learning-guide.md").read_text(encoding="utf-8")
    table = guide.split("## Study plan: beginner (4 weeks)")[1].split("\n#")[0]
    week1 = next(line for line in table.splitlines() if line.startswith("| 1 |"))
    for target in re.findall(r"\]\(\.\./chapters/([^)#]+)\.md", week1):
        assert f'href="../chapters/{target}.html"' in beginner


def test_math_is_typeset_by_local_mathjax(real_site):
    site, _ = real_site
    page = (site / "chapters" / "02-mathematics.html").read_text(encoding="utf-8")
    assert page.count('class="arithmatex"') > 20
    srcs = re.findall(r'<script src="([^"]+)"', page)
    assert "../assets/mathjax/MathJax.js" in srcs
    assert (site / "assets" / "mathjax" / "MathJax.js").stat().st_size > 10_000
    assert (site / "assets" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").exists()


def test_serve_site_serves_the_pages(real_site):
    import httpx

    from mlnotes.assistant.site import make_server

    site, _ = real_site
    server = make_server(site, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for path in ("/index.html", "/chapters/05-classical-ml.html", "/assets/mathjax/MathJax.js"):
            r = httpx.get(base + path, timeout=10, trust_env=False)
            assert r.status_code == 200, path
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- a small corpus: figures, checks

CHAPTER = """---
id: ch01-demo
title: "Demo chapter"
kind: chapter
topics: [demo]
level: beginner
---

# Demo chapter

Ridge regression shrinks weights [@hoerl1970ridge]. See [the same
section](#a-plot) and [the OLS code](../../algorithms/ols.py). Inline math $x^2$.

## A plot

```python
# Training loss falling over ten epochs
import matplotlib.pyplot as plt
open(RUNS, "a").write("x")
fig, ax = plt.subplots()
ax.plot(range(10), [1 / (i + 1) for i in range(10)])
ax.set_title("loss curve")
plt.show()
plt.close(fig)
```

## No plot

```python requires=numpy
import numpy as np
print(np.arange(3))
```

## A plot

Two figures, kept open at the end of the block.

```python
import matplotlib.pyplot as plt
plt.figure(); plt.plot([0, 1])
plt.figure(); plt.plot([1, 0])
```
"""

REFS = """---
id: references
title: "Bibliography"
kind: reference
topics: [references]
level: beginner
---

# Bibliography

## Entries

- [hoerl1970ridge] Hoerl, A. E., Kennard, R. W. (1970). *Ridge Regression*. Technometrics 12(1), 55-67.
"""


@pytest.fixture
def small_corpus(tmp_path):
    repo = tmp_path / "repo"
    (repo / "corpus" / "chapters").mkdir(parents=True)
    (repo / "algorithms").mkdir()
    (repo / "algorithms" / "ols.py").write_text("def ols_fit(X, y):\n    return None\n")
    runs = tmp_path / "runs.txt"
    (repo / "corpus" / "chapters" / "01-demo.md").write_text(
        CHAPTER.replace("import matplotlib.pyplot as plt\nopen(RUNS", f"import matplotlib.pyplot as plt\nopen({str(runs)!r}"))
    (repo / "corpus" / "references.md").write_text(REFS)
    return repo, runs


def test_figures_appear_under_their_block_with_alt_text_and_are_cached(small_corpus, tmp_path):
    from matplotlib.image import imread

    from mlnotes.assistant.site import build_site

    repo, runs = small_corpus
    cache = tmp_path / "cache"
    r1 = build_site(repo / "corpus", tmp_path / "out", figures=True, cache_dir=cache)
    assert r1.docs_run == 1 and r1.figures == 3 and r1.problems == []
    assert runs.read_text() == "x"
    page = (tmp_path / "out" / "chapters" / "01-demo.html").read_text(encoding="utf-8")
    imgs = re.findall(r'<img alt="([^"]*)"[^>]*src="\.\./figures/([^"]+\.png)"', page)
    assert len(imgs) == 3
    assert imgs[0][0] == "Training loss falling over ten epochs - loss curve"
    assert imgs[1][0].endswith("(figure 1 of 2)") and imgs[2][0].endswith("(figure 2 of 2)")
    # each figure sits after the code block that draws it and before the next heading
    first_img = page.index(imgs[0][1])
    assert page.index("Training loss falling") < first_img < page.index('id="no-plot"')
    assert page.index('id="a-plot-1"') < page.index(imgs[1][1])
    for _, name in imgs:
        png = imread(tmp_path / "out" / "figures" / name)
        assert png.ndim == 3 and png.shape[0] > 50 and png.shape[1] > 50
    # headings keep the corpus's GitHub-style slugs (a repeated heading gets -1), citations link the bibliography
    assert 'id="a-plot"' in page and 'href="../references.html#hoerl1970ridge"' in page
    assert 'href="../algorithms/ols.html"' in page and 'href="#a-plot"' in page

    r2 = build_site(repo / "corpus", tmp_path / "out", figures=True, cache_dir=cache)
    assert r2.docs_run == 0 and r2.figures == 3 and runs.read_text() == "x"  # not re-run
    chapter = repo / "corpus" / "chapters" / "01-demo.md"
    chapter.write_text(chapter.read_text().replace("range(10)", "range(12)", 1))
    r3 = build_site(repo / "corpus", tmp_path / "out", figures=True, cache_dir=cache)
    assert r3.docs_run == 1 and runs.read_text() == "xx"


def test_a_failing_block_is_reported_and_the_site_still_builds(small_corpus, tmp_path):
    from mlnotes.assistant.site import build_site

    repo, _ = small_corpus
    chapter = repo / "corpus" / "chapters" / "01-demo.md"
    chapter.write_text(chapter.read_text().replace("print(np.arange(3))", "raise ValueError('boom')"))
    r = build_site(repo / "corpus", tmp_path / "out", figures=True, cache_dir=tmp_path / "cache")
    assert r.figures == 1 and len(r.problems) == 1 and "ValueError: boom" in r.problems[0]


def test_the_link_check_finds_broken_links_anchors_and_remote_scripts(small_corpus, tmp_path):
    from mlnotes.assistant.site import SiteError, build_site, check_site

    repo, _ = small_corpus
    chapter = repo / "corpus" / "chapters" / "01-demo.md"
    chapter.write_text(chapter.read_text() + "\n[gone](missing.md) and [no anchor](#nowhere)\n")
    with pytest.raises(SiteError, match="2 problem"):
        build_site(repo / "corpus", tmp_path / "out", cache_dir=tmp_path / "cache")
    page = tmp_path / "out" / "chapters" / "01-demo.html"
    page.write_text(page.read_text().replace("</head>", '<script src="https://cdn.example.org/x.js"></script></head>'))
    problems = check_site(tmp_path / "out")
    assert any("broken link missing.md" in p for p in problems)
    assert any("broken anchor #nowhere" in p for p in problems)
    assert any("loads from the network: https://cdn.example.org/x.js" in p for p in problems)


def test_bad_corpus_folder_is_a_clear_error(tmp_path):
    from mlnotes.assistant.site import SiteError, build_site

    with pytest.raises(SiteError, match="not a corpus folder"):
        build_site(tmp_path / "nope", tmp_path / "out")


def test_cli_site_build_writes_a_checked_site(small_corpus, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mlnotes.assistant.cli import app
    from mlnotes.assistant.settings import get_settings

    repo, _ = small_corpus
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(repo / "corpus"))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["site", "build", "--no-figures", "--out", str(tmp_path / "site")])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    assert "built" in r.output and (tmp_path / "site" / "index.html").exists()
