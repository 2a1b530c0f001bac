"""The README command's torch step: CPU wheels from PyTorch's CPU index where it is reachable, else the default index.

``bash scripts/dev.sh torch-check`` resolves (``pip install --dry-run --report``) what the torch step would install
and fails if any ``nvidia-*`` package is in it. Here the two indexes are stubs served on loopback: a "CPU index"
with a dependency-free ``torch-X+cpu`` wheel and a "default index" whose ``torch-X`` pulls an ``nvidia-*`` package,
the way the CUDA build on PyPI does. pip's own configuration is switched off so that local mirrors do not mask it.
"""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TORCH = "2.13.0"


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """Write a minimal pure-Python wheel ``name-version`` into ``folder/name/`` (a PEP 503 project page)."""
    dist = name.replace("-", "_")
    project = folder / name
    project.mkdir(parents=True, exist_ok=True)
    info = f"{dist}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(project / f"{dist}-{version}-py3-none-any.whl", "w") as z:
        z.writestr(f"{dist}/__init__.py", "")
        z.writestr(f"{info}/METADATA", meta)
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def serve():
    servers = []

    def start(root: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(root))
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def indexes(tmp_path, serve):
    cpu, default = tmp_path / "cpu", tmp_path / "default"
    _wheel(cpu, "torch", f"{TORCH}+cpu")
    _wheel(default, "torch", TORCH, requires=("nvidia-cublas-stub==1.0",))
    _wheel(default, "nvidia-cublas-stub", "1.0")
    return serve(cpu), serve(default)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _torch_check(cpu_index: str | None, default_index: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=default_index, PIP_NO_INPUT="1",
               PYTHON_FOR_CHECK=sys.executable, MLNOTES_TORCH_VERSION=TORCH)
    if cpu_index is None:
        env.pop("MLNOTES_TORCH_INDEX", None)
    else:
        env["MLNOTES_TORCH_INDEX"] = cpu_index
    return subprocess.run(["bash", str(REPO / "scripts" / "dev.sh"), "torch-check"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_reachable_cpu_index_is_used_and_selects_no_cuda_package(indexes):
    cpu, default = indexes
    r = _torch_check(cpu, default)
    assert r.returncode == 0, r.stderr
    assert f"torch source: {cpu}" in r.stdout
    assert f"torch=={TORCH}+cpu" in r.stdout
    assert "nvidia" not in r.stdout.lower()


def test_unreachable_cpu_index_falls_back_to_the_default_index(indexes):
    _, default = indexes
    r = _torch_check(_closed_port_url(), default)
    assert "torch source: default" in r.stdout
    # the stub default index behaves like PyPI's CUDA build: the check must catch it
    assert r.returncode == 1
    assert "CUDA packages would be installed: nvidia-cublas-stub==1.0" in r.stderr


def test_empty_setting_forces_the_default_index(indexes):
    cpu, default = indexes
    r = _torch_check("", default)
    assert "torch source: default" in r.stdout
    assert r.returncode == 1
