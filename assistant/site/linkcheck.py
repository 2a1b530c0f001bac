"""Check a built static site: every internal link and anchor resolves, and nothing is loaded from the network.

:func:`check_site` reads every ``.html`` file under the site folder with the standard library's HTML parser and
returns a list of problems (empty when the site is sound):

* an ``href``/``src`` relative to the page (or to the site root) that names no file of the site;
* a ``#fragment`` that names no element ``id`` (or ``name``) in the target page;
* a ``<script src>``, ``<link href>``, ``<img src>`` or ``<iframe src>`` with an ``http(s)://`` or
  protocol-relative URL (a CDN font, script or stylesheet), or a stylesheet that imports or loads one.
Links to other sites in ``<a href>`` are fine: they are what a reader clicks, not what a page loads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_LOADING = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
            ("video", "src"), ("audio", "src"), ("embed", "src")}
_CSS_REMOTE = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*["']?((?:https?:)?//[^"')\s]+)""", re.I)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name") if tag == "a" else ("id",):
            if key in d:
                self.ids.add(d[key])
        for attr in ("href", "src"):
            if attr in d:
                self.refs.append((tag, attr, d[attr]))


def _parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def check_site(site_dir: str | Path) -> list[str]:
    site = Path(site_dir).resolve()
    pages = {p.resolve(): None for p in site.rglob("*.html")}
    parsed: dict[Path, _Page] = {}

    def page(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    problems: list[str] = []
    for html in sorted(pages):
        rel = html.relative_to(site).as_posix()
        for tag, attr, url in page(html).refs:
            parts = urlsplit(url)
            remote = parts.scheme in ("http", "https") or url.startswith("//")
            if remote:
                if (tag, attr) in _LOADING:
                    problems.append(f"{rel}: <{tag} {attr}> loads from the network: {url}")
                continue
            if parts.scheme or not (parts.path or parts.fragment):  # mailto:, javascript:, data:, empty
                continue
            if rel == "404.html" and parts.path.startswith("/"):  # MkDocs' 404 page uses root-absolute URLs
                continue
            if parts.path:
                base = site if parts.path.startswith("/") else html.parent
                target = (base / unquote(parts.path.lstrip("/"))).resolve()
                if target.is_dir():
                    target = target / "index.html"
            else:
                target = html
            if site not in target.parents and target != site:
                problems.append(f"{rel}: link leaves the site: {url}")
                continue
            if not target.exists():
                problems.append(f"{rel}: broken link {url} (no file {target.relative_to(site).as_posix()})")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html" and frag not in page(target).ids:
                problems.append(f"{rel}: broken anchor {url} (no id {frag!r} in "
                                f"{target.relative_to(site).as_posix()})")
    for css in sorted(site.rglob("*.css")):
        for m in _CSS_REMOTE.finditer(css.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{css.relative_to(site).as_posix()}: stylesheet loads from the network: {m.group(1)}")
    return problems
