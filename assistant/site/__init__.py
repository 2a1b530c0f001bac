"""The curriculum as a static book site (MkDocs Material, offline): :func:`build_site` and :func:`serve_site`.

Needs the ``site`` extra (``pip install -e ".[site]"``); without it both raise :class:`SiteError` with that
command.
"""

from __future__ import annotations

import functools
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mlnotes.assistant.site.build import SiteError, SiteReport, build_site
from mlnotes.assistant.site.linkcheck import check_site

__all__ = ["SiteError", "SiteReport", "build_site", "check_site", "make_server", "serve_site"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def make_server(site_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001) -> ThreadingHTTPServer:
    """An HTTP server for a built site folder (not started; call ``serve_forever``)."""
    site = Path(site_dir)
    if not (site / "index.html").exists():
        raise SiteError(f"{site} holds no built site (no index.html); build it first: mlnotes site build")
    handler = functools.partial(_QuietHandler, directory=str(site))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise SiteError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another port") from None


def serve_site(site_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001,
               corpus_dir: str | os.PathLike | None = None) -> None:
    """Serve the built site for local reading until interrupted; builds it first when ``corpus_dir`` is given and
    the folder holds no site yet."""
    if corpus_dir is not None and not (Path(site_dir) / "index.html").exists():
        build_site(corpus_dir, site_dir)
    server = make_server(site_dir, host, port)
    print(f"Serving the book site at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
