"""Child side of :mod:`mlnotes.assistant.runner`, run by :mod:`mlnotes.kb.childproc` (which has already set the limits and the
network guard): run the demo ``{name, params}`` and emit one result record."""

from __future__ import annotations

import base64
import io
import math
from typing import Any


def _clean(d: dict) -> dict:
    """Metric mappings: every value a finite float, or None; non-numbers dropped."""
    out = {}
    for k, v in (d or {}).items():
        try:
            f = float(v)
            out[str(k)] = f if math.isfinite(f) else None
        except (TypeError, ValueError):
            continue
    return out


def jsonable(v: Any, depth: int = 0) -> Any:
    """A demo's ``extra`` value as JSON: numbers (non-finite -> None), strings, booleans, lists and dicts of those
    (NumPy scalars and arrays included); anything else as its ``str``."""
    if depth > 4:
        return str(v)
    if v is None or isinstance(v, (bool, str)):
        return v
    if hasattr(v, "tolist") and not isinstance(v, (list, tuple, dict)):  # NumPy scalar or array
        return jsonable(v.tolist(), depth + 1)
    if isinstance(v, (int, float)):
        return v if not isinstance(v, float) or math.isfinite(v) else None
    if isinstance(v, (list, tuple)):
        return [jsonable(x, depth + 1) for x in v][:1000]
    if isinstance(v, dict):
        return {str(k): jsonable(x, depth + 1) for k, x in v.items()}
    return str(v)


# exceptions that mean "these parameters do not work for this demo" rather than a bug (UnicodeError and NumPy's
# LinAlgError are ValueErrors)
INPUT_ERRORS = (ValueError, ArithmeticError)


def child_main(req: dict, emit) -> int:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from mlnotes.algorithms import registry

        spec = registry.get(req["name"])
        res = spec.run(**spec.validate_params(req["params"]))
        fig_b64 = None
        if res.figure is not None:
            buf = io.BytesIO()
            res.figure.savefig(buf, format="png", dpi=100, bbox_inches="tight")
            fig_b64 = base64.b64encode(buf.getvalue()).decode()
        result = {"metrics": _clean(res.metrics), "reference": _clean(res.reference),
                  "reference_name": res.reference_name, "notes": res.notes, "figure": fig_b64,
                  "extra": jsonable(getattr(res, "extra", None) or {})}
    except MemoryError:
        result = {"error": "out of memory", "memory": True}
    except INPUT_ERRORS as exc:  # the demo rejected its parameters (or they made its arithmetic fail): HTTP 422
        result = {"error": f"{type(exc).__name__}: {exc}"[:500], "input": True}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which maps it to a 500 (a bug)
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    emit(result)
    return 0
