"""Small plotting helpers shared by the classical demos (matplotlib without a display)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 4.0):
    """A display-free ``Figure`` and its axes (a single Axes when ``ncols == nrows == 1``)."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def decision_boundary(ax, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray,
                      title: str = "", resolution: int = 150) -> None:
    """Shade the regions ``predict`` assigns on a grid over the first two columns of ``X``; scatter the data."""
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)  # (resolution, resolution) each
    grid = np.c_[g0.ravel(), g1.ravel()]  # (resolution**2, 2)
    z = np.asarray(predict(grid)).reshape(g0.shape)
    ax.contourf(g0, g1, z, alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolor="k", linewidth=0.3)
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
