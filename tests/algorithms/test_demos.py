"""Every registered demo (all families) runs with its defaults and returns a well-formed DemoResult."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from algorithms.registry import DemoResult, all_specs  # noqa: E402

SPECS = all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_demo_runs_with_defaults(spec):
    result = spec.run()
    try:
        assert isinstance(result, DemoResult)
        assert result.metrics, "no metrics"
        assert result.reference, "no reference metrics"
        for key, value in {**result.metrics, **result.reference}.items():
            assert isinstance(key, str)
            assert math.isfinite(float(value)), f"{key} = {value}"
        assert isinstance(result.figure, Figure)
        assert result.figure.axes, "figure has no axes"
    finally:
        if result.figure is not None:
            plt.close(result.figure)
        plt.close("all")
