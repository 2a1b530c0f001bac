"""Grouped cross-validation of the learned claim checker on the development cases, and the choice of how it
combines with the grader.

Run: ``python -m mlnotes.eval.grader_checker_cv [--folds 3]`` (tens of minutes on 2 busy cores). It also
trains and caches the shipped checker from the same frozen-layer states when it is not cached yet.

1. The development cases (``grader_adversarial.jsonl`` tune + heldout, ``grader_heldout2.jsonl``; never
   ``grader_heldout3.jsonl``) are split into folds by question (``GroupKFold``, shuffled, seed 0). For each fold
   a checker is trained (:func:`mlnotes.assistant.interview.checker.train`, the shipped :class:`TrainConfig`)
   on the training pairs of the other folds' questions (their cases and the bank pairs of those questions, plus
   the bank pairs of questions that have no case), and gives out-of-fold probabilities for every (key point,
   sentence) of the fold's cases.
2. Every case is graded with those out-of-fold probabilities in each combination mode (``checker``, ``cosine``,
   ``rules``); a case is credited at threshold t when the checker's best probability among the eligible
   sentences is >= t.
3. Nested choice: for each fold, the (mode, threshold) with the best worst ratio to the targets (paraphrase
   recall / 0.90, each no-credit type's precision / 0.95, as in :mod:`mlnotes.eval.grader_cv`) on the *other*
   folds' hand-written cases is applied to the fold; the pooled result is the CV estimate. Done twice: among
   the checker's combinations only (``checker``: what the checker can do at best), and with the word rules
   without the checker as one more candidate (``with_rules_only``: should the checker be used at all). The
   rules were designed on these cases, so they are in sample and favoured. The checker's (mode, threshold)
   is the choice on all folds together.

The training settings (epochs, learning rate, frozen layers) were fixed before this run, not searched: a
search would need many more CPU hours than this machine has. The out-of-fold probabilities are written to
``eval/reports/grader_checker_oof.json`` so the selection can be rerun without training (``--from-oof``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

OOF = Path(__file__).resolve().parent / "reports" / "grader_checker_oof.json"
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))


def oof_probabilities(bank, cases: list[dict], folds: int = 3, seed: int = 0, progress: bool = True,
                      ship: bool = True, config=None) -> dict:
    """Out-of-fold checker probabilities; with ``ship``, first trains the shipped checker on all the pairs
    (from the same frozen-layer states) when it is not cached yet."""
    from sklearn.model_selection import GroupKFold

    from mlnotes.assistant.interview import checker as C
    from mlnotes.assistant.interview.grader import split_sentences

    config = config or C.TrainConfig()
    all_pairs, key, path = C.cache_entry(bank, config=config)
    eval_pairs = sorted({(c["key_point"], s) for c in cases for s in split_sentences(c["answer"])})
    texts = sorted({(p.key_point, p.sentence) for p in all_pairs} | set(eval_pairs))
    t0 = time.perf_counter()
    base = C.new_checker(config)
    states = dict(zip(texts, C.lower_states(base, texts, progress=progress)))
    t_states = time.perf_counter() - t0
    final_seconds = None
    if ship and not path.exists():
        # the shipped checker (all development pairs) from the same frozen-layer states, cached where
        # ``load_or_train`` looks for it; the same training as ``mlnotes interview train-checker``
        t = time.perf_counter()
        ck = C.train(all_pairs, config, progress=progress, states=[states[(p.key_point, p.sentence)]
                                                                   for p in all_pairs], checker=base)
        ck.key = key
        C.save(ck, path)
        final_seconds = round(time.perf_counter() - t, 1)
        print(f"shipped checker trained on {len(all_pairs)} pairs in {final_seconds} s: {path}", flush=True)
    groups = np.array([c["question_id"] for c in cases])
    probs: dict[str, float] = {}
    fold_of: dict[str, int] = {}
    timings = []
    for f, (_, te) in enumerate(GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(cases,
                                                                                                  groups=groups)):
        test_q = {cases[j]["question_id"] for j in te}
        train = [p for p in all_pairs if p.group not in test_q]
        t = time.perf_counter()
        ck = C.train(train, config, progress=progress, states=[states[(p.key_point, p.sentence)] for p in train],
                     checker=C.new_checker(config))
        timings.append(round(time.perf_counter() - t, 1))
        todo = sorted({(cases[j]["key_point"], s) for j in te for s in split_sentences(cases[j]["answer"])})
        for (kp, s), pr in zip(todo, C.predict_states(ck, [states[k] for k in todo])):
            probs[json.dumps([kp, s])] = float(pr)
        for j in te:
            fold_of[cases[j]["id"] + "|" + cases[j]["split"]] = f
        print(f"fold {f}: trained on {len(train)} pairs in {timings[-1]} s", flush=True)
    return {"folds": folds, "seed": seed, "config": config.__dict__, "train_pairs": len(all_pairs),
            "lower_states_seconds": round(t_states, 1), "train_seconds": timings, "probs": probs,
            "shipped_train_seconds": final_seconds,
            "fold_of": fold_of}


def claim_probabilities(bank, cases: list[dict], probs: dict, embed) -> dict[str, list]:
    """Per mode, each case's best checker probability among its eligible sentences (None: none eligible),
    and the current grader's (rules only) credit."""
    from mlnotes.assistant.interview.checker import MODES
    from mlnotes.assistant.interview.grader import default_params, grade_answer, split_sentences

    byid = {q.id: q for q in bank}
    embed.prefetch([s for c in cases for s in split_sentences(c["answer"])]
                   + [t for q in bank for t in (q.question, *q.key_points)])
    params = default_params()

    def lookup(pairs):
        return np.array([probs.get(json.dumps([k, s]), 0.0) for k, s in pairs])

    out: dict[str, list] = {m: [] for m in MODES}
    out["rules_only"] = []
    for c in cases:
        q = byid[c["question_id"]]
        k = c["key_point_index"]
        r = grade_answer(q.question, q.key_points, c["answer"], embed, params)
        out["rules_only"].append(bool(r.key_points[k].covered))
        for m in MODES:
            r = grade_answer(q.question, q.key_points, c["answer"], embed, params, checker=lookup, checker_mode=m,
                             checker_threshold=2.0)
            out[m].append(r.key_points[k].claim_probability)
    return out


def select(cases: list[dict], cp: dict[str, list], fold_of: dict[str, int], hand_only: bool = True) -> dict:
    from mlnotes.assistant.interview.checker import MODES
    from mlnotes.eval.grader_cv import summary, worst_ratio

    idx = [i for i, c in enumerate(cases) if c["type"] != "other_point" and (not hand_only or c["source"] != "rule")]
    folds = sorted(set(fold_of.values()))
    key = [cases[i]["id"] + "|" + cases[i]["split"] for i in range(len(cases))]

    def credited(m: str, t: float | None, ids) -> list[bool]:
        if m == "rules_only":
            return [cp[m][i] for i in ids]
        return [cp[m][i] is not None and cp[m][i] >= t for i in ids]

    def best(ids, rules_only: bool) -> tuple[str, float | None]:
        """The best (mode, threshold); with ``rules_only`` the word rules without the checker are a candidate
        too (they win ties: no checker is simpler)."""
        sub = [cases[i] for i in ids]
        scored = [(worst_ratio(summary(sub, credited(m, t, ids))), 0, -abs(t - 0.5), m, t)
                  for m in MODES for t in THRESHOLDS]
        if rules_only:
            scored.append((worst_ratio(summary(sub, credited("rules_only", None, ids))), 1, 0.0, "rules_only", None))
        return max(scored)[3:]

    sub = [cases[i] for i in idx]
    out: dict = {"cases": len(idx), "hand_only": hand_only,
                 "rules_only_in_sample": summary(sub, [cp["rules_only"][i] for i in idx])}
    for name, allow in (("checker", False), ("with_rules_only", True)):
        oof = {}
        chosen = []
        for f in folds:
            tr = [i for i in idx if fold_of[key[i]] != f]
            te = [i for i in idx if fold_of[key[i]] == f]
            m, t = best(tr, allow)
            chosen.append({"fold": f, "mode": m, "threshold": t})
            oof.update(zip(te, credited(m, t, te)))
        final_mode, final_t = best(idx, allow)
        out[name] = {"chosen_per_fold": chosen, "cv_estimate": summary(sub, [oof[i] for i in idx]),
                     "cv_estimate_heldout2_part": summary(
                         [cases[i] for i in idx if cases[i]["split"] == "heldout2"],
                         [oof[i] for i in idx if cases[i]["split"] == "heldout2"]),
                     "chosen_on_all": {"mode": final_mode, "threshold": final_t,
                                       "in_sample": summary(sub, credited(final_mode, final_t, idx))}}
    out["per_mode_at_fixed_thresholds"] = {m: {str(t): summary(sub, credited(m, t, idx)) for t in (0.3, 0.5, 0.7, 0.9)}
                                           for m in MODES}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Grouped CV of the learned claim checker on the development cases.")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--from-oof", action="store_true", help="reuse the out-of-fold probabilities of a previous run")
    ap.add_argument("--epochs", type=int, default=None, help="train this many epochs instead of the shipped setting "
                    "(the shipped checker is then not trained)")
    ap.add_argument("--freeze", type=int, default=None, help="freeze this many lower layers instead of the shipped "
                    "setting (with --epochs)")
    args = ap.parse_args(argv)
    global OOF
    from mlnotes.assistant.interview.checker import TrainConfig

    config = TrainConfig()
    tag = ""
    if args.epochs is not None:
        config = TrainConfig(epochs=args.epochs, freeze_layers=config.freeze_layers if args.freeze is None
                             else args.freeze)
        tag = f"_e{args.epochs}" + (f"_f{args.freeze}" if args.freeze is not None else "")
        OOF = OOF.with_name(f"grader_checker_oof{tag}.json")

    from mlnotes.assistant.interview.checker import load_dev_cases
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.grader_validation import CachedEmbed
    from mlnotes.kb.embedding import get_embedder
    from mlnotes.kb.interview import load_bank

    bank = load_bank(REPO_ROOT / "corpus")
    cases = load_dev_cases()
    if args.from_oof:
        oof = json.loads(OOF.read_text(encoding="utf-8"))
    else:
        oof = oof_probabilities(bank, cases, folds=args.folds, ship=args.epochs is None, config=config)
        OOF.parent.mkdir(parents=True, exist_ok=True)
        OOF.write_text(json.dumps(oof) + "\n", encoding="utf-8")
    cp = claim_probabilities(bank, cases, oof["probs"], CachedEmbed(get_embedder()))
    res = {k: v for k, v in oof.items() if k not in ("probs", "fold_of")}
    res["hand_written"] = select(cases, cp, oof["fold_of"], hand_only=True)
    res["all_cases"] = select(cases, cp, oof["fold_of"], hand_only=False)
    out = OOF.with_name(f"grader_checker_cv{tag}.json")
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
