"""Fit the grader's parameters on the interview bank and write ``grader_params.json``.

Run: ``python -m mlnotes.assistant.interview.calibrate [--corpus corpus]`` (about a minute on a laptop CPU).

What is fitted, all from the bank itself (no hand-picked constant):

* ``min_words`` and ``min_glue_ratio``: the 1st percentile of the word count and of the function-word share over
  the bank's key points and short-answer sentences; a sentence at or below them is treated as a fragment.
* ``echo_threshold``: the 99th percentile of the cosine between each model-answer sentence (short answer and
  explanation) and its own question; a sentence of a user's answer above it restates the question.
* ``bias, w_cos, w_overlap``: a logistic regression on ``[cosine, overlap]``. Each key point gives one positive
  pair, with the sentence of its own question's short answer or explanation closest to it in cosine, and
  negative pairs: the closest sentence of another question of the same topic and of a random question, and
  (hard negatives) each other key point of its own question, a distinct idea on the same subject by design,
  so that an on-topic sentence does not count for a key point it does not state.
* ``threshold``: the probability cut that maximises F1 on 5-fold out-of-fold predictions. (A second stage that
  lowered it to the lowest cut keeping every no-credit type of the adversarial tune split at precision >= 0.95,
  0.65, was tried in issue #20 round 2 and dropped: it raised no held-out recall and let more vague answers and
  other key points through.)
* ``synonym_threshold`` and ``required_max_df`` (the claim checks' word-similarity cut and the rarity of the
  terms a crediting sentence must state) were chosen by sweeps on that tune split and on the bank's own
  model-answer sentences; this script keeps them when it rewrites the file.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from mlnotes.assistant.interview.grader import (
    PARAMS_PATH,
    GraderParams,
    content_terms,
    glue_ratio,
    overlap,
    split_sentences,
    words,
)


def _model_sentences(q) -> list[str]:
    return split_sentences(q.short_answer + "\n" + q.explanation)


def term_document_frequency(bank) -> dict[str, int]:
    """In how many key points of the bank each Snowball stem occurs (for :func:`grader.required_terms`)."""
    from collections import Counter

    from mlnotes.assistant.interview.contradiction import stems

    df = Counter(t for q in bank for kp in q.key_points for t in set(stems(kp)))
    return dict(sorted(df.items()))


def calibrate(bank, embed, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(seed)
    # ---- structure thresholds
    structural = [kp for q in bank for kp in q.key_points] + [s for q in bank for s in split_sentences(q.short_answer)]
    n_words = np.array([len(words(s)) for s in structural])
    glue = np.array([glue_ratio(s) for s in structural])
    min_words = int(np.floor(np.percentile(n_words, 1)))
    min_glue = float(np.percentile(glue, 1))

    # ---- embeddings of every question, key point and model-answer sentence
    sents = [_model_sentences(q) for q in bank]
    texts, spans = [], []
    for q, ss in zip(bank, sents):
        start = len(texts)
        texts.extend([q.question, *q.key_points, *ss])
        spans.append((start, len(q.key_points), len(ss)))
    V = embed(texts).astype(np.float64)

    def qvec(i):
        return V[spans[i][0]]

    def kpvecs(i):
        s, nk, _ = spans[i]
        return V[s + 1 : s + 1 + nk]

    def svecs(i):
        s, nk, ns = spans[i]
        return V[s + 1 + nk : s + 1 + nk + ns]

    echo_cos = np.concatenate([svecs(i) @ qvec(i) for i in range(len(bank)) if spans[i][2]])
    echo_threshold = float(np.percentile(echo_cos, 99))

    by_topic: dict[str, list[int]] = {}
    for i, q in enumerate(bank):
        for t in q.topics:
            by_topic.setdefault(t, []).append(i)
    sent_terms = [[content_terms(s) for s in ss] for ss in sents]

    X, y = [], []

    def best_pair(kp: str, kv: np.ndarray, j: int, q_terms: set[str]):
        if not sents[j]:
            return None
        c = svecs(j) @ kv
        m = int(np.argmax(c))
        return [float(c[m]), overlap(content_terms(kp), sent_terms[j][m], q_terms)]

    for i, q in enumerate(bank):
        q_terms = content_terms(q.question)
        same = [j for t in q.topics for j in by_topic[t] if j != i]
        for kp, kv in zip(q.key_points, kpvecs(i)):
            pos = best_pair(kp, kv, i, q_terms)
            if pos is None:
                continue
            X.append(pos)
            y.append(1)
            others = []
            if same:
                others.append(int(rng.choice(same)))
            j = int(rng.integers(len(bank) - 1))
            others.append(j + (j >= i))
            for j in others:
                neg = best_pair(kp, kv, j, q_terms)
                if neg is not None:
                    X.append(neg)
                    y.append(0)
            # hard negatives: the question's other key points, distinct ideas on the same subject
            for kp2, kv2 in zip(q.key_points, kpvecs(i)):
                if kp2 != kp:
                    X.append([float(kv2 @ kv), overlap(content_terms(kp), content_terms(kp2), q_terms)])
                    y.append(0)
    X, y = np.array(X), np.array(y)
    model = LogisticRegression(C=1.0, class_weight="balanced")
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(y, oof))
    best_f1, best_t = -1.0, 0.5
    for t in np.unique(np.round(oof, 4)):
        pred = oof >= t
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + (y == 1).sum())
        if f1 > best_f1:
            best_f1, best_t = f1, float(t)
    model.fit(X, y)
    pred = oof >= best_t
    return {
        "bias": float(model.intercept_[0]),
        "w_cos": float(model.coef_[0, 0]),
        "w_overlap": float(model.coef_[0, 1]),
        "threshold": best_t,
        "echo_threshold": echo_threshold,
        "min_words": min_words,
        "min_glue_ratio": min_glue,
        "term_df": term_document_frequency(bank),
        "fitted": {
            "questions": len(bank),
            "pairs": int(len(y)),
            "positives": int(y.sum()),
            "negatives": int((1 - y).sum()),
            "cv_auc": round(auc, 4),
            "cv_f1_at_threshold": round(best_f1, 4),
            "cv_precision": round(float(np.sum(pred & (y == 1)) / max(pred.sum(), 1)), 4),
            "cv_recall": round(float(np.sum(pred & (y == 1)) / max((y == 1).sum(), 1)), 4),
            "seed": seed,
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
        },
    }


def main(argv: list[str] | None = None) -> None:
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.embedding import get_embedder
    from mlnotes.kb.interview import load_bank

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus")
    ap.add_argument("--out", type=Path, default=PARAMS_PATH)
    args = ap.parse_args(argv)
    bank = load_bank(args.corpus)
    emb = get_embedder()
    params = calibrate(bank, lambda t: emb.encode(t, batch_size=128))
    if args.out.exists():  # the claim-check settings were chosen on the adversarial tune split: keep them
        old = json.loads(args.out.read_text(encoding="utf-8"))
        for k in ("synonym_threshold", "required_max_df"):
            if k in old:
                params[k] = old[k]
        params["fitted"].update({k: v for k, v in old.get("fitted", {}).items() if k.endswith("_note")})
    GraderParams(**{k: v for k, v in params.items()})  # validate the shape
    args.out.write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(params, indent=2))


if __name__ == "__main__":
    main()
