"""Every registered demo (all families) runs with its defaults, returns a well-formed DemoResult, and its figure
renders (``savefig`` to memory: a figure can build fine and still fail to draw, e.g. on bad mathtext).

Rendering happens in the same run as the demo, so each demo executes once. A few demos have extra checks on that
same result (``DEMO_CHECKS``), for properties that were once broken.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mlnotes.algorithms.registry import DemoResult, all_specs  # noqa: E402

SPECS = all_specs()


def _has_legend(result: DemoResult) -> bool:
    return any(ax.get_legend() is not None for ax in result.figure.axes)


def _speculative_target_writes_words(result: DemoResult) -> None:
    from mlnotes.algorithms.sequence.tiny_gpt import TEXT

    vocab = set(TEXT.replace(".", " ").split())
    words = result.extra["target_text"].replace(".", " ").split()[:-1]  # the last word may be cut off
    assert len(words) >= 4 and sum(w in vocab for w in words) / len(words) >= 0.8, result.extra["target_text"]
    assert result.notes.startswith("greedy (temperature 0)")  # the default temperature is 0


DEMO_CHECKS = {
    "lasso": lambda r: _has_legend(r) or pytest.fail("lasso path has no legend"),
    "tsne": lambda r: _has_legend(r) or pytest.fail("t-SNE plot has no legend"),
    "speculative-decoding": _speculative_target_writes_words,
}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_demo_runs_and_renders_with_defaults(spec):
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
        buf = io.BytesIO()
        result.figure.savefig(buf, format="png", dpi=40)  # low dpi: drawing errors surface just the same
        assert buf.getbuffer().nbytes > 0
        if spec.name in DEMO_CHECKS:
            DEMO_CHECKS[spec.name](result)
    finally:
        if result.figure is not None:
            plt.close(result.figure)
        plt.close("all")


def test_demo_checks_name_registered_demos():
    assert set(DEMO_CHECKS) <= {s.name for s in SPECS}
