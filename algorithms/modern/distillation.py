r"""Knowledge distillation loss: a student matches a teacher's softened probabilities.

With teacher logits $z^t$, student logits $z^s$, temperature $T$ and mixing weight $\alpha$
[@hinton2015distilling]:

$$ \mathcal{L} = \alpha\,T^2\,\mathrm{KL}\big(\mathrm{softmax}(z^t/T)\,\|\,\mathrm{softmax}(z^s/T)\big)
              + (1-\alpha)\,\mathrm{CE}\big(\mathrm{softmax}(z^s), y\big), $$

averaged over the batch. Softening ($T > 1$) exposes the teacher's "dark knowledge": the relative probabilities
of wrong classes. The $T^2$ factor keeps the soft term's gradient on the same scale as the hard term's when $T$
changes, since $\partial\,\mathrm{KL}/\partial z^s = (p^s_T - p^t_T)/T$. Hence, per example,

$$ \frac{\partial \mathcal{L}}{\partial z^s} = \alpha\,T\,(p^s_T - p^t_T) + (1-\alpha)(p^s - e_y). $$

As $T \to \infty$ the soft term approaches matching the centred logits with squared error (Hinton et al. §2.1).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _logits(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] < 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_classes >= 2), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity")
    return x


def distillation_loss(student_logits, teacher_logits, y, temperature: float = 4.0,
                      alpha: float = 0.7) -> tuple[float, np.ndarray]:
    """Batch-mean distillation loss and its gradient with respect to the student logits."""
    zs, zt = _logits(student_logits, "student_logits"), _logits(teacher_logits, "teacher_logits")
    if zs.shape != zt.shape:
        raise ValueError(f"student and teacher logits differ in shape: {zs.shape} vs {zt.shape}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    y = np.asarray(y)
    n, k = zs.shape
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= k:
        raise ValueError(f"y must hold {n} integer labels in [0, {k - 1}]")
    ps_t, pt_t, ps = _softmax(zs / temperature), _softmax(zt / temperature), _softmax(zs)
    kl = np.sum(pt_t * (np.log(np.clip(pt_t, 1e-300, None)) - np.log(ps_t)), axis=1)
    ce = -np.log(ps[np.arange(n), y])
    loss = float(np.mean(alpha * temperature**2 * kl + (1 - alpha) * ce))
    onehot = np.eye(k)[y]
    grad = (alpha * temperature * (ps_t - pt_t) + (1 - alpha) * (ps - onehot)) / n
    return loss, grad


def demo(temperature: float = 4.0, alpha: float = 0.7, epochs: int = 150, seed: int = 0) -> DemoResult:
    """Distil a wide MLP teacher into a linear student on digits; check the loss and gradient against torch."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=seed, stratify=y)
    teacher = MLPClassifier(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=200, random_state=seed).fit(Xtr, ytr)
    # the teacher's logits: the MLP's pre-softmax output
    zt = np.maximum(Xtr @ teacher.coefs_[0] + teacher.intercepts_[0], 0) @ teacher.coefs_[1] + teacher.intercepts_[1]

    rng = np.random.default_rng(seed)
    W, b = 0.01 * rng.normal(size=(X.shape[1], 10)), np.zeros(10)
    history = []
    for _ in range(epochs):  # full-batch gradient descent on the distillation loss
        zs = Xtr @ W + b
        loss, g = distillation_loss(zs, zt, ytr, temperature, alpha)
        W -= 2.0 * Xtr.T @ g
        b -= 2.0 * g.sum(axis=0)
        history.append(loss)
    student_acc = float(np.mean(np.argmax(Xte @ W + b, axis=1) == yte))
    hard_only = LogisticRegression(max_iter=2000).fit(Xtr, ytr)

    zs = torch.tensor(Xtr @ W + b, requires_grad=True)
    soft = F.kl_div(F.log_softmax(zs / temperature, dim=1), F.softmax(torch.tensor(zt) / temperature, dim=1),
                    reduction="batchmean")
    tloss = alpha * temperature**2 * soft + (1 - alpha) * F.cross_entropy(zs, torch.tensor(ytr))
    tloss.backward()
    ours, g = distillation_loss(Xtr @ W + b, zt, ytr, temperature, alpha)

    fig, ax = new_figure()
    ax.plot(history)
    ax.set_xlabel("gradient step")
    ax.set_ylabel("distillation loss")
    ax.set_title(f"Linear student from an MLP teacher (T = {temperature}, alpha = {alpha})")
    return DemoResult(
        metrics={"loss": ours, "grad_norm": float(np.linalg.norm(g)), "student_test_accuracy": student_acc},
        reference={"loss": float(tloss), "grad_norm": float(zs.grad.norm()),
                   "student_test_accuracy": float(hard_only.score(Xte, yte))},
        figure=fig,
        reference_name="torch KL-div + cross-entropy (autograd); accuracy: sklearn LogisticRegression on hard labels",
        notes=f"teacher (MLP) test accuracy {teacher.score(Xte, yte):.3f}. The accuracy reference is a linear model "
              "trained on hard labels only, the baseline distillation is compared with.",
    )
