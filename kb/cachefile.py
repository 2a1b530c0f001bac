"""Best-effort atomic writes of the derived files kept beside an index (the parsed bank, its question vectors, the
reranker's term sets, the speller's word counts): each is an optimisation its reader recomputes when the file is
missing, stale or unreadable, so a folder that cannot be written must never fail the caller."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> bool:
    """Write ``path`` through ``write(file)`` into a temporary file beside it, then ``os.replace`` it into place
    (readers never see half a file). False, with nothing left behind, when the folder cannot be written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
