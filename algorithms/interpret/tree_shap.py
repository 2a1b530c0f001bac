"""TreeSHAP: exact Shapley values of a decision tree in polynomial time (path-dependent algorithm).

For a tree, Lundberg et al. [@lundberg2020local] define ``v(S) = E[f(x) | x_S]`` by the tree itself: at a node
splitting on a feature in ``S`` follow ``x``; otherwise average both children weighted by their training cover
(the fraction of training samples that went each way). Enumerating subsets costs ``O(T L 2^M)``; TreeSHAP
(Algorithm 2 of the paper) obtains the same values in ``O(T L D^2)`` for ``L`` leaves and depth ``D`` by walking
every root-to-leaf path once while maintaining, for the unique features on the path, the fraction of "zero"
paths (feature unknown: cover ratio ``p_z``) and "one" paths (feature known: ``p_o = 1`` if ``x`` goes that
way else 0), and the permutation weights of all subset sizes. ``EXTEND`` adds a feature to the path and updates
the weights in ``O(D)``; ``UNWIND`` removes one (to undo a repeated feature, or to read off a feature's
contribution at a leaf). At a leaf with value ``v_l`` feature ``i`` on the path receives
``sum(UNWIND(m, i).w) (o_i - z_i) v_l``.

Works on any tree stored as flat arrays (``children_left``, ``children_right``, ``feature``, ``threshold``,
``value`` and the cover; -1 marks a leaf, ``x <= threshold`` goes left): the CART of ``algorithms/trees/cart.py``
or scikit-learn's ``tree_``. The cover of a node is the total *sample weight* that reached it in training
(``weighted_n_node_samples``, as ``shap.TreeExplainer`` uses), which equals the sample count only for unweighted
fits. ``phi_0 = E[f]`` is the cover-weighted mean of the leaves, and ``phi_0 + sum_i phi_i = f(x)`` (local accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


@dataclass
class Tree:
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray  # (n_nodes,) leaf outputs (a regression value or one class's probability)
    cover: np.ndarray  # (n_nodes,) total training sample weight reaching each node

    @classmethod
    def from_cart(cls, est, output: int = 0):
        """From mlnotes.algorithms.trees.cart (attributes ending in _) or a scikit-learn tree (est.tree_)."""
        if hasattr(est, "tree_"):
            t = est.tree_
            return cls(t.children_left, t.children_right, t.feature, t.threshold,
                       t.value[:, output, 0] if t.value.shape[2] == 1 else t.value[:, 0, output],
                       t.weighted_n_node_samples)
        return cls(est.children_left_, est.children_right_, est.feature_, est.threshold_,
                   np.asarray(est.value_)[:, output], est.weighted_n_node_samples_)

    def predict_one(self, x):
        n = 0
        while self.left[n] != -1:
            n = self.left[n] if x[self.feature[n]] <= self.threshold[n] else self.right[n]
        return float(self.value[n])


def _extend(m, p_z, p_o, p_i):
    """m: list of [feature, zero_fraction, one_fraction, weight]; returns a new extended path."""
    l = len(m)
    m = [e.copy() for e in m] + [[p_i, p_z, p_o, 1.0 if l == 0 else 0.0]]
    for i in range(l - 1, -1, -1):
        m[i + 1][3] += p_o * m[i][3] * (i + 1) / (l + 1)
        m[i][3] = p_z * m[i][3] * (l - i) / (l + 1)
    return m


def _unwind(m, i):
    l = len(m) - 1
    n = m[l][3]
    z, o = m[i][1], m[i][2]
    m = [e.copy() for e in m]
    for j in range(l - 1, -1, -1):
        if o != 0:
            t = m[j][3]
            m[j][3] = n * (l + 1) / ((j + 1) * o)
            n = t - m[j][3] * z * (l - j) / (l + 1)
        else:
            m[j][3] = m[j][3] * (l + 1) / (z * (l - j))
    for j in range(i, l):
        m[j][0], m[j][1], m[j][2] = m[j + 1][0], m[j + 1][1], m[j + 1][2]
    return m[:l]


def tree_shap(tree: Tree, x: np.ndarray, n_features: int) -> tuple[float, np.ndarray]:
    """Return (phi_0, phi (n_features,)) for one sample x."""
    phi = np.zeros(n_features)

    def recurse(j, m, p_z, p_o, p_i):
        m = _extend(m, p_z, p_o, p_i)
        if tree.left[j] == -1:  # leaf
            for i in range(1, len(m)):
                w = sum(e[3] for e in _unwind(m, i))
                phi[m[i][0]] += w * (m[i][2] - m[i][1]) * tree.value[j]
            return
        d = tree.feature[j]
        hot, cold = (tree.left[j], tree.right[j]) if x[d] <= tree.threshold[j] else (tree.right[j], tree.left[j])
        i_z, i_o = 1.0, 1.0
        k = next((k for k in range(1, len(m)) if m[k][0] == d), None)
        if k is not None:  # the feature already appeared on this path: undo it and carry its fractions
            i_z, i_o = m[k][1], m[k][2]
            m = _unwind(m, k)
        recurse(hot, m, i_z * tree.cover[hot] / tree.cover[j], i_o, d)
        recurse(cold, m, i_z * tree.cover[cold] / tree.cover[j], 0.0, d)

    recurse(0, [], 1.0, 1.0, -1)
    leaves = tree.left == -1
    phi0 = float(np.sum(tree.value[leaves] * tree.cover[leaves]) / tree.cover[0])
    return phi0, phi


def path_dependent_value(tree: Tree, x: np.ndarray):
    """v(S) = E[f(x) | x_S] by the tree's covers; batched over (K, M) masks for exact_shapley."""
    def v(mask, n=0):
        if tree.left[n] == -1:
            return float(tree.value[n])
        f = tree.feature[n]
        if mask[f]:
            return v(mask, tree.left[n] if x[f] <= tree.threshold[n] else tree.right[n])
        l, r = tree.left[n], tree.right[n]
        return (tree.cover[l] * v(mask, l) + tree.cover[r] * v(mask, r)) / tree.cover[n]

    return lambda masks: np.array([v(m) for m in np.atleast_2d(masks)])


def demo(max_depth: int = 5, n_explain: int = 2, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.datasets import load_diabetes

    from mlnotes.algorithms.interpret.shapley import exact_shapley
    from mlnotes.algorithms.trees.cart import DecisionTreeRegressor

    data = load_diabetes()
    X, y = data.data, data.target
    est = DecisionTreeRegressor(max_depth=max_depth).fit(X, y)
    tree = Tree.from_cart(est)
    M = X.shape[1]
    rows = np.random.default_rng(seed).choice(len(X), size=n_explain, replace=False)  # which patients to explain
    errs, acc = [], []
    Phi = []
    for i in rows:
        phi0, phi = tree_shap(tree, X[i], M)
        exact = exact_shapley(path_dependent_value(tree, X[i]), M)
        errs.append(np.abs(phi - exact).max())
        acc.append(abs(phi0 + phi.sum() - est.predict(X[i:i + 1])[0]))
        Phi.append(phi)
    fig = Figure(figsize=(5, 3.5))
    ax = fig.add_subplot()
    ax.barh(range(M), Phi[0])
    ax.set_yticks(range(M), data.feature_names)
    ax.set(xlabel="SHAP value (disease progression)", title=f"TreeSHAP, sample {rows[0]}, depth-{max_depth} CART")
    return DemoResult(metrics={"max_abs_err_vs_exact": float(max(errs)), "local_accuracy_gap": float(max(acc))},
                      reference={"max_abs_err_vs_exact": 0.0, "local_accuracy_gap": 0.0}, figure=fig,
                      reference_name="exact Shapley values of the tree's path-dependent value function (2^M subsets)")
