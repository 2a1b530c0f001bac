r"""Activation functions and their derivatives: ReLU, Leaky ReLU, ELU, SELU, Swish/SiLU, GELU (exact and tanh).

| name | $f(x)$ | $f'(x)$ |
| --- | --- | --- |
| ReLU | $\max(0, x)$ | $\mathbb{1}[x > 0]$ (0 at 0, as PyTorch) |
| Leaky ReLU | $x$ if $x > 0$ else $a x$ | $1$ or $a$ |
| ELU | $x$ if $x > 0$ else $\alpha(e^x - 1)$ | $1$ or $\alpha e^x$ |
| SELU | $\lambda\,\mathrm{ELU}_\alpha(x)$, $\lambda \approx 1.0507$, $\alpha \approx 1.6733$ | $\lambda$ or $\lambda\alpha e^x$ |
| Swish / SiLU | $x\,\sigma(\beta x)$ | $\sigma(\beta x) + \beta x\,\sigma(\beta x)(1 - \sigma(\beta x))$ |
| GELU | $x\,\Phi(x)$ | $\Phi(x) + x\,\varphi(x)$ |
| GELU (tanh) | $\tfrac12 x\,(1 + \tanh(u))$, $u = \sqrt{2/\pi}(x + 0.044715x^3)$ | $\tfrac12(1+\tanh u) + \tfrac12 x\,(1-\tanh^2 u)\,u'$ |

ReLU's zero gradient for $x < 0$ can leave units "dead"; Leaky ReLU and ELU keep a gradient there, and ELU's
negative saturation pushes mean activations toward zero. SELU's constants make activations self-normalising
(mean 0, variance 1 as a fixed point) for suitably initialised dense networks. GELU weights the input by the
probability that a standard normal falls below it [@hendrycks2016gaussian]; it is the activation of BERT and GPT,
and Swish with $\beta = 1$ (SiLU) is close to it. Smooth activations have well-defined second derivatives, which
matters for optimisers and for physics-informed losses.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf, expit

from mlnotes.algorithms.registry import DemoResult

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _x(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinity")
    return x


def relu(x):
    x = _x(x)
    return np.maximum(x, 0.0), (x > 0).astype(float)


def leaky_relu(x, slope: float = 0.01):
    x = _x(x)
    return np.where(x > 0, x, slope * x), np.where(x > 0, 1.0, slope)


def elu(x, alpha: float = 1.0):
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = _x(x)
    em1 = np.expm1(np.minimum(x, 0.0))
    return np.where(x > 0, x, alpha * em1), np.where(x > 0, 1.0, alpha * (em1 + 1.0))


def selu(x):
    f, g = elu(x, SELU_ALPHA)
    return SELU_SCALE * f, SELU_SCALE * g


def swish(x, beta: float = 1.0):
    x = _x(x)
    s = expit(beta * x)
    return x * s, s + beta * x * s * (1.0 - s)


def gelu(x, approximate: str = "none"):
    x = _x(x)
    if approximate == "none":
        cdf = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
        return x * cdf, cdf + x * pdf
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        u = c * (x + 0.044715 * x**3)
        t = np.tanh(u)
        return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 3 * 0.044715 * x**2)
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


ACTIVATIONS = {"relu": relu, "leaky_relu": leaky_relu, "elu": elu, "selu": selu, "swish": swish, "gelu": gelu,
               "gelu_tanh": lambda x: gelu(x, "tanh")}


def torch_reference(name: str, x: np.ndarray):
    """The same activation from torch.nn.functional, with its autograd derivative."""
    import torch
    import torch.nn.functional as F

    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn = {"relu": F.relu, "leaky_relu": lambda v: F.leaky_relu(v, 0.01), "elu": F.elu, "selu": F.selu,
          "swish": F.silu, "gelu": F.gelu, "gelu_tanh": lambda v: F.gelu(v, approximate="tanh")}[name]
    y = fn(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def demo(lo: float = -4.0, hi: float = 4.0) -> DemoResult:
    """Every activation and its derivative against torch.nn.functional and autograd on a grid."""
    from mlnotes.algorithms.linear._viz import new_figure

    if not lo < hi:
        raise ValueError(f"need lo < hi, got {lo} and {hi}")
    x = np.linspace(lo, hi, 801)
    fig, axes = new_figure(ncols=2, width=4.8)
    metrics, reference = {}, {}
    for name, fn in ACTIVATIONS.items():
        f, g = fn(x)
        rf, rg = torch_reference(name, x)
        metrics[f"{name}_max_err"] = float(max(np.max(np.abs(f - rf)), np.max(np.abs(g - rg))))
        reference[f"{name}_max_err"] = 0.0
        axes[0].plot(x, f, label=name)
        axes[1].plot(x, g, label=name)
    axes[0].set_title("activation f(x)")
    axes[1].set_title("derivative f'(x)")
    axes[0].legend(fontsize=7)
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="torch.nn.functional activations and their autograd derivatives",
                      notes="Each metric is the largest difference in value or derivative from PyTorch's.")
