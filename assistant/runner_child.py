"""Child side of :mod:`assistant.runner`: read {name, params} on stdin, run the demo, print one result line."""

from __future__ import annotations

import base64
import io
import json
import math
import socket
import sys


def _no_network() -> None:
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) and address else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError("network access is disabled for algorithm demos")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    socket.socket.connect_ex = lambda self, address: guarded(self, address) or 0  # type: ignore[method-assign]


def _clean(d: dict) -> dict:
    out = {}
    for k, v in (d or {}).items():
        try:
            f = float(v)
            out[str(k)] = f if math.isfinite(f) else None
        except (TypeError, ValueError):
            continue
    return out


def main() -> int:
    _no_network()
    req = json.loads(sys.stdin.read())
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    result: dict = {}
    try:
        import matplotlib

        matplotlib.use("Agg")
        from algorithms import registry

        spec = registry.get(req["name"])
        res = spec.run(**spec.validate_params(req["params"]))
        fig_b64 = None
        if res.figure is not None:
            buf = io.BytesIO()
            res.figure.savefig(buf, format="png", dpi=100, bbox_inches="tight")
            fig_b64 = base64.b64encode(buf.getvalue()).decode()
        result = {"metrics": _clean(res.metrics), "reference": _clean(res.reference),
                  "reference_name": res.reference_name, "notes": res.notes, "figure": fig_b64}
    except MemoryError:
        result = {"error": "out of memory", "memory": True}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which maps it to a 4xx/5xx
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    real_stdout.write("@@RESULT@@" + json.dumps(result) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
