r"""Direct Preference Optimization (DPO) loss, with a tiny policy trained on preference pairs.

Given a prompt $x$, a preferred response $y_w$ and a rejected one $y_l$, DPO [@rafailov2023direct] fits the policy
$\pi_\theta$ directly, with a frozen reference policy $\pi_{\mathrm{ref}}$ and strength $\beta$:

$$ \mathcal{L}(\theta) = -\mathbb{E}\Big[\log\sigma\big(\beta\,[(\log\pi_\theta(y_w|x) - \log\pi_{\mathrm{ref}}(y_w|x))
   - (\log\pi_\theta(y_l|x) - \log\pi_{\mathrm{ref}}(y_l|x))]\big)\Big]. $$

It is the Bradley-Terry likelihood of the preferences with the *implicit reward*
$\hat r(x, y) = \beta \log \frac{\pi_\theta(y|x)}{\pi_{\mathrm{ref}}(y|x)}$: the KL-regularised RLHF objective
$\max_\pi \mathbb{E}[r] - \beta\,\mathrm{KL}(\pi\|\pi_{\mathrm{ref}})$ has the optimum
$\pi^*(y|x) \propto \pi_{\mathrm{ref}}(y|x)\,e^{r(x,y)/\beta}$, and substituting that into Bradley-Terry gives
the loss above, with no reward model and no sampling. Writing $h$ for the bracketed margin,
$\partial\mathcal{L}/\partial \log\pi_\theta(y_w|x) = -\beta\,\sigma(-\beta h)$ and
$\partial\mathcal{L}/\partial \log\pi_\theta(y_l|x) = +\beta\,\sigma(-\beta h)$ per pair (divided by the batch
size): pairs the policy already ranks correctly get little weight.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(_log_sigmoid(x))


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected,
             beta: float = 0.1) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean DPO loss over pairs of sequence log-probabilities, and its gradients w.r.t. the policy's log-probs."""
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    arrs = [np.asarray(a, dtype=float).ravel() for a in (policy_chosen, policy_rejected, ref_chosen, ref_rejected)]
    n = arrs[0].size
    if n == 0 or any(a.size != n for a in arrs):
        raise ValueError("the four log-probability arrays must be non-empty and of equal length")
    if not all(np.all(np.isfinite(a)) for a in arrs):
        raise ValueError("log-probabilities must be finite (a probability of 0 has log -inf)")
    pc, pr, rc, rr = arrs
    h = (pc - rc) - (pr - rr)
    loss = float(-np.mean(_log_sigmoid(beta * h)))
    w = beta * _sigmoid(-beta * h) / n
    return loss, -w, w


def demo(beta: float = 0.5, n_pairs: int = 400, steps: int = 300, seed: int = 0) -> DemoResult:
    """A policy over 6 responses learns from Bradley-Terry preferences; loss and gradients checked with torch."""
    import torch
    import torch.nn.functional as F

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    k = 6
    true_reward = np.linspace(-1.5, 1.5, k)
    ref_logits = rng.normal(0, 0.5, k)
    ref_logp = ref_logits - np.logaddexp.reduce(ref_logits)
    a, b = rng.integers(0, k, n_pairs), rng.integers(0, k, n_pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    prefer_a = rng.random(a.size) < 1 / (1 + np.exp(-(true_reward[a] - true_reward[b])))  # Bradley-Terry labels
    chosen, rejected = np.where(prefer_a, a, b), np.where(prefer_a, b, a)

    theta = ref_logits.copy()
    losses = []
    for _ in range(steps):
        logp = theta - np.logaddexp.reduce(theta)
        loss, gc, gr = dpo_loss(logp[chosen], logp[rejected], ref_logp[chosen], ref_logp[rejected], beta)
        g_logp = np.bincount(chosen, gc, k) + np.bincount(rejected, gr, k)
        p = np.exp(logp)
        theta -= 1.0 * (g_logp - p * g_logp.sum())  # chain rule through log-softmax
        losses.append(loss)
    logp = theta - np.logaddexp.reduce(theta)
    implicit = beta * (logp - ref_logp)

    t = torch.tensor(theta, requires_grad=True)
    tl = F.log_softmax(t, dim=0)
    rl = torch.tensor(ref_logp)
    h = (tl[chosen] - rl[chosen]) - (tl[rejected] - rl[rejected])
    tloss = -F.logsigmoid(beta * h).mean()
    tloss.backward()
    ours, gc, gr = dpo_loss(logp[chosen], logp[rejected], ref_logp[chosen], ref_logp[rejected], beta)
    g_logp = np.bincount(chosen, gc, k) + np.bincount(rejected, gr, k)
    g_theta = g_logp - np.exp(logp) * g_logp.sum()

    from scipy.stats import spearmanr

    fig, axes = new_figure(ncols=2, width=4.5)
    axes[0].plot(losses)
    axes[0].set_xlabel("gradient step")
    axes[0].set_ylabel("DPO loss")
    axes[1].scatter(true_reward - true_reward.mean(), implicit - implicit.mean())
    axes[1].set_xlabel("true reward (centred)")
    axes[1].set_ylabel(r"implicit reward $\beta\log\pi/\pi_{ref}$ (centred)")
    axes[1].set_title("DPO recovers the reward ordering")
    return DemoResult(
        metrics={"loss": ours, "grad_norm": float(np.linalg.norm(g_theta)),
                 "reward_rank_correlation": float(spearmanr(true_reward, implicit).statistic)},
        reference={"loss": float(tloss), "grad_norm": float(t.grad.norm()), "reward_rank_correlation": 1.0},
        figure=fig,
        reference_name="torch.nn.functional.logsigmoid loss with autograd; rank correlation 1 is the true ordering",
    )
