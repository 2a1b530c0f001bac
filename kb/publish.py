"""Crash-safe publishing of an index directory: complete versioned directories and an atomically replaced pointer.

Layout beside the index path ``<parent>/<name>`` (e.g. ``.mlnotes/index``)::

    <name>                      a symbolic link to ``<name>@<version>`` (replaced with os.replace, never removed)
    <name>@v<ns>                complete index versions: the one served and the previous one
    .<name>.tmp-<pid>-<ns>      a version being written (renamed to ``<name>@v<ns>`` only once complete)
    .<name>.ptr-<pid>-<ns>      a new pointer about to replace ``<name>``

At every instant ``<name>`` is either the old pointer or the new one, and both name a complete directory, so a
process killed at any point leaves a loadable index at the path. :func:`recover` (run before loading) removes the
temporary folders of dead processes, repairs a missing pointer (a kill during the one-time move of an index
written by an older version, a real directory, to a versioned name) and drops versions older than the previous one.

A write that fails for lack of space or permission (ENOSPC, EDQUOT, EROFS, EACCES, EPERM) raises
:class:`mlnotes.kb.index.IndexWriteError` with a one-line message; the temporary folder is removed and the old index is untouched.

Every version also holds ``embedcache.npz``: each chunk's key and unit vectors (with the owner row of each vector)
and a digest of all of them,
so a rebuild can reuse embeddings from that one file even when ``chunks.jsonl``, the manifest or the other files of
the version are corrupt (:func:`reusable_vectors`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

CACHE_FILE = "embedcache.npz"
KEEP = 2  # versions kept: the one served and the previous one
WRITE_ERRNOS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "the disk quota is exceeded",
                errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                errno.EPERM: "operation not permitted"}
_TMP = re.compile(r"^\.(?P<name>.+)\.(?:tmp|ptr)-(?P<pid>\d+)-\d+$")

# Fault-injection point for the crash tests: called with a stage name ("written", "renamed", "legacy-moved",
# "pointed"); a test process sets it to a function that kills itself at one stage.
HOOK: Callable[[str], None] | None = None


def _hook(stage: str) -> None:
    if HOOK is not None:
        HOOK(stage)


def _version_dirs(out_dir: Path) -> list[Path]:
    """The complete versions beside ``out_dir``, newest first."""
    parent, prefix = out_dir.parent, out_dir.name + "@v"
    if not parent.is_dir():
        return []
    found = [p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink()
             and p.name[len(prefix):].isdigit()]
    return sorted(found, key=lambda p: int(p.name[len(prefix):]), reverse=True)


def resolve(out_dir: Path) -> Path:
    """The directory ``out_dir`` stands for: the version its pointer names, or itself (an older plain folder)."""
    out_dir = Path(out_dir)
    if out_dir.is_symlink():
        return out_dir.parent / os.readlink(out_dir)
    return out_dir


def current_version(out_dir: Path) -> str | None:
    """The version name (``<name>@v<ns>``) the pointer names, the folder's own name for a plain folder, or None."""
    target = resolve(out_dir)
    return target.name if target.is_dir() else None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _point(out_dir: Path, target: Path) -> None:
    """Make ``out_dir`` a pointer to ``target`` (a sibling) atomically."""
    parent = out_dir.parent
    if out_dir.exists() and not out_dir.is_symlink():  # an index written before versioning: move it aside once
        legacy = parent / f"{out_dir.name}@v{time.time_ns() - 1}"
        os.rename(out_dir, legacy)
        _hook("legacy-moved")
    ptr = parent / f".{out_dir.name}.ptr-{os.getpid()}-{time.time_ns()}"
    os.symlink(target.name, ptr)
    os.replace(ptr, out_dir)
    _fsync_dir(parent)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _prune(out_dir: Path, log: Callable[[str], None] | None = None) -> None:
    """Remove versions beyond the served one and the previous one (never the one the pointer names)."""
    served = resolve(out_dir).name
    kept = 0
    for v in _version_dirs(out_dir):
        if v.name == served or kept < KEEP:
            kept += 1
            continue
        shutil.rmtree(v, ignore_errors=True)
        if log:
            log(f"removed old index version {v.name}")


def recover(out_dir: Path, log: Callable[[str], None] | None = None) -> list[str]:
    """Clean up after a crash: remove temporary folders and pointers of dead processes, repair a missing or
    dangling pointer (to the newest complete version), prune old versions. Returns what was done."""
    out_dir = Path(out_dir)
    done: list[str] = []
    parent = out_dir.parent
    if not parent.is_dir():
        return done
    for p in parent.iterdir():
        m = _TMP.match(p.name)
        if m and m["name"] == out_dir.name and not _pid_alive(int(m["pid"])):
            if p.is_symlink() or p.is_file():
                p.unlink(missing_ok=True)
            else:
                shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p.name}, left by an interrupted build")
    if not out_dir.exists():  # no pointer, or a dangling one
        versions = _version_dirs(out_dir)
        if versions:
            if out_dir.is_symlink():
                out_dir.unlink()
            _point(out_dir, versions[0])
            done.append(f"restored the index pointer to {versions[0].name}")
    if out_dir.is_symlink():
        before = {v.name for v in _version_dirs(out_dir)}
        _prune(out_dir)
        done += [f"removed old index version {n}" for n in sorted(before - {v.name for v in _version_dirs(out_dir)})]
    for line in done:
        if log:
            log(line)
    return done


def write_error(exc: OSError, where: Path) -> Exception | None:
    """The one-line :class:`mlnotes.kb.index.IndexWriteError` for a disk-full or permission ``OSError``; None for others."""
    from mlnotes.kb.index import IndexWriteError

    why = WRITE_ERRNOS.get(exc.errno or 0)
    if why is None:
        return None
    return IndexWriteError(f"cannot write the index in {where}: {why} ({errno.errorcode.get(exc.errno or 0, exc.errno)}); "
               "the previous index is untouched. Free space or make the folder writable, or set "
               "MLNOTES_INDEX_DIR to a writable folder")


def publish(out_dir: Path, write: Callable[[Path], None]) -> Path:
    """Write a new version with ``write(tmp_dir)`` and point ``out_dir`` at it atomically; returns the version's
    directory. Raises :class:`mlnotes.kb.index.IndexWriteError` (an ``IndexUnavailableError``) on disk full or no permission."""
    out_dir = Path(out_dir)
    tmp: Path | None = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{time.time_ns()}"
        tmp.mkdir()
        write(tmp)
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        _fsync_dir(tmp)
        _hook("written")
        final = out_dir.parent / f"{out_dir.name}@v{time.time_ns()}"
        os.rename(tmp, final)
        tmp = None
        _hook("renamed")
        _point(out_dir, final)
        _hook("pointed")
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        nice = write_error(exc, out_dir.parent)
        if nice is not None:
            raise nice from None
        raise
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(out_dir)
    return final


# ---------------------------------------------------------------------- the embedding cache of a version
def _digest(keys: np.ndarray, vectors: np.ndarray, owner: np.ndarray, model_id: str) -> str:
    h = hashlib.sha256(model_id.encode())
    h.update(keys.tobytes())
    h.update(np.ascontiguousarray(owner, dtype=np.int64).tobytes())
    h.update(str(vectors.dtype).encode() + str(vectors.shape).encode())
    h.update(np.ascontiguousarray(vectors).tobytes())
    return h.hexdigest()


def _split(keys: list[str], vectors: np.ndarray, owner: np.ndarray) -> dict[str, np.ndarray]:
    """Key of chunk r -> its unit vectors (the rows whose owner is r, in order)."""
    bounds = np.searchsorted(owner, np.arange(len(keys) + 1))
    return {k: vectors[int(bounds[r]):int(bounds[r + 1])] for r, k in enumerate(keys) if bounds[r + 1] > bounds[r]}


def _owner_ok(owner: np.ndarray, n_keys: int, n_vectors: int) -> bool:
    return bool(owner.shape == (n_vectors,) and (n_vectors == 0 or (owner[0] >= 0 and owner[-1] < n_keys))
                and np.all(np.diff(owner) >= 0))


def save_vector_cache(directory: Path, keys: list[str], vectors: np.ndarray, owner: np.ndarray,
                      model_id: str) -> None:
    """``keys[r]``: what chunk r's unit vectors depend on; ``owner[i]``: the chunk row of vector i."""
    k = np.asarray(keys, dtype="S")
    owner = np.asarray(owner, dtype=np.int64)
    np.savez(Path(directory) / CACHE_FILE, keys=k, vectors=vectors, owner=owner,
             model=np.asarray(model_id, dtype="S"), digest=np.asarray(_digest(k, vectors, owner, model_id), dtype="S"))


def load_vector_cache(directory: Path, model_id: str) -> dict[str, np.ndarray]:
    """Key -> unit vectors from one version's cache file; {} when it is missing, corrupt or another model's."""
    try:
        with np.load(Path(directory) / CACHE_FILE, allow_pickle=False) as z:
            keys, vectors, owner = z["keys"], z["vectors"], z["owner"]
            model, digest = z["model"].item().decode(), z["digest"].item().decode()
    except Exception:  # noqa: BLE001 - any read failure means: nothing to reuse from this file
        return {}
    if model != model_id or not _owner_ok(owner, len(keys), len(vectors)) or \
            _digest(keys, vectors, owner, model) != digest:
        return {}
    return _split([k.decode() for k in keys], vectors, owner)


def _load_rows(directory: Path, model_id: str) -> dict[str, np.ndarray]:
    """Key -> unit vectors from ``chunks.jsonl``, ``embeddings.npy`` and the owner file when they match the
    manifest's checksums (the other files of the version may be corrupt)."""
    from mlnotes.kb.chunker import Chunk
    from mlnotes.kb.index import OWNER_FILE, _sha256_file, _unit_key

    try:
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest.get("model_id") != model_id:
            return {}
        needed = ["chunks.jsonl", "embeddings.npy"] + ([OWNER_FILE] if OWNER_FILE in manifest["checksums"] else [])
        for rel in needed:
            if _sha256_file(directory / rel) != manifest["checksums"][rel]:
                return {}
        lines = (directory / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        keys = [_unit_key(Chunk.from_dict(json.loads(line))) for line in lines if line]
        vectors = np.load(directory / "embeddings.npy", allow_pickle=False)
        owner = (np.load(directory / OWNER_FILE, allow_pickle=False).astype(np.int64) if OWNER_FILE in needed
                 else np.arange(len(vectors), dtype=np.int64))
    except Exception:  # noqa: BLE001 - unreadable: nothing to reuse from here
        return {}
    if not _owner_ok(owner, len(keys), len(vectors)):
        return {}
    return _split(keys, vectors, owner)


def reusable_vectors(out_dir: Path, model_id: str) -> dict[str, np.ndarray]:
    """Every chunk's unit vectors a rebuild can reuse, by chunk key: from the served version and the previous one,
    each from its cache file and from its chunks + embeddings files, whichever are sound."""
    out_dir = Path(out_dir)
    dirs = [resolve(out_dir)] if out_dir.exists() else []
    dirs += [v for v in _version_dirs(out_dir) if v not in dirs]
    cache: dict[str, np.ndarray] = {}
    for d in dirs[:KEEP + 1]:
        for source in (load_vector_cache, _load_rows):
            for h, v in source(d, model_id).items():
                cache.setdefault(h, v)
    return cache
