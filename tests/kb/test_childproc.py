"""mlnotes.kb.childproc: the child starts its own session and sets its own limits; a timeout kills its process group."""

from __future__ import annotations

import os
import time

import pytest

from mlnotes.kb.childproc import Limits, child_env, run_child

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and rlimits are POSIX")


def test_child_runs_in_a_new_session_with_its_own_limits(tmp_path):
    res = run_child("tests.kb.child_probe", "probe", Limits(timeout_s=60, memory_mb=2048, cpu_s=30,
                                                            no_network=True), tmp_path, child_env())
    assert not res.timed_out and res.returncode == 3, res.stderr
    first, second = res.records  # the probe's print went to stderr, not into the protocol
    assert second == {"second": True}
    assert first["sid"] == first["pid"] != os.getsid(0)  # start_new_session: the child leads its own session
    assert first["as"] == 2048 * 1024 * 1024 and first["cpu"] == 30
    assert "network access is disabled" in first["net"]
    assert "must not reach" in res.stderr


def test_without_limits_the_child_inherits_the_parents(tmp_path):
    import resource

    res = run_child("tests.kb.child_probe", "probe", Limits(timeout_s=60), tmp_path, child_env())
    assert res.records[0]["as"] == resource.getrlimit(resource.RLIMIT_AS)[0]


def test_timeout_kills_the_child_and_its_grandchildren(tmp_path):
    t0 = time.perf_counter()
    res = run_child("tests.kb.child_probe", "hang", Limits(timeout_s=3), tmp_path, child_env())
    assert res.timed_out and time.perf_counter() - t0 < 30
    grand = res.records[0]["grandchild"]
    for _ in range(50):  # the SIGKILL of the group reaches the grandchild; give init a moment to reap it
        try:
            os.kill(grand, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        with open(f"/proc/{grand}/stat") as f:  # a zombie awaiting reaping is dead too
            assert f.read().split()[2] == "Z"


def test_child_env_drops_proxies_only_when_asked(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    assert "https_proxy" in child_env()
    env = child_env(overrides={"OMP_NUM_THREADS": "1"}, drop_proxies=True)
    assert "https_proxy" not in env and env["OMP_NUM_THREADS"] == "1" and env["MPLBACKEND"] == "Agg"
