"""A child for tests/kb/test_childproc.py: reports its session, limits and network guard, or starts a grandchild
and hangs (to test that a timeout kills the whole process group)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time


def child_main(payload, emit) -> int:
    import resource

    print("this print must not reach the protocol stream")
    if payload == "hang":
        grand = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        emit({"grandchild": grand.pid})
        time.sleep(60)
        return 0
    try:
        socket.socket().connect(("192.0.2.1", 80))  # TEST-NET-1, never routed
        net = "connected"
    except OSError as exc:
        net = str(exc)
    emit({"pid": os.getpid(), "sid": os.getsid(0), "as": resource.getrlimit(resource.RLIMIT_AS)[0],
          "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0], "net": net})
    emit({"second": True})
    return 3
