"""A real, temporary PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a cluster made by
``initdb`` in a temporary folder, listening on a free loopback port with its Unix socket in that folder, stopped
and deleted afterwards. ``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres``
user (the Debian package creates it) and the commands run through ``runuser``.

Tests skip, saying what to install, only when the server binaries are missing (``.ci/run`` installs them)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser_support import free_port

USER = "mlnotes"
PASSWORD = "test-secret-pw"


def pg_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else the newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(d, "initdb").exists() and Path(d, "pg_ctl").exists():
            return Path(d)
    return None


def need_postgres() -> Path:
    d = pg_bin_dir()
    if d is None:
        pytest.skip("PostgreSQL tests need the server binaries (initdb, pg_ctl): apt-get install postgresql")
    return d


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.run_as, "--"] if self.run_as else []) + list(args)

    def ctl(self, action: str, *extra: str) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd = self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-l",
                        str(self.root / "server.log"), "-w", "-t", "60", "-o", opts, action, *extra)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        if r.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl {action} failed: {r.stdout}{r.stderr}\n{log}")

    def start(self) -> None:
        self.ctl("start")

    def stop(self) -> None:
        self.ctl("stop", "-m", "immediate")

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_server() -> Iterator[PgServer]:
    bin_dir = need_postgres()
    run_as = None
    if os.geteuid() == 0:
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                run_as = name
                break
            except KeyError:
                continue
        if run_as is None:
            pytest.skip("running as root and no 'postgres' or 'nobody' user to own the test cluster")
    root = Path(tempfile.mkdtemp(prefix="mlnotes-pg-"))
    os.chmod(root, 0o755)
    (root / "pw").write_text(PASSWORD + "\n")
    if run_as:
        pw = pwd.getpwnam(run_as)
        for p in (root, root / "pw"):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    server = PgServer(bin_dir, root, free_port(), run_as)
    r = subprocess.run(server._cmd(str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", USER,
                                   f"--pwfile={root / 'pw'}", "--auth-host=scram-sha-256", "--auth-local=trust",
                                   "-E", "UTF8", "--no-instructions"),
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {r.stdout}{r.stderr}")
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - a test may have stopped it already
            pass
        shutil.rmtree(root, ignore_errors=True)


def wait_until(pred, timeout_s: float = 30.0, step_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step_s)
    return pred()
