"""Validate the mock-interview grader over the whole interview bank.

Run: ``python -m eval.grader_validation`` (writes ``eval/reports/grader.json``).

(a) Discrimination. For every question, the grader scores its own model answer (short answer followed by the
    key points) and the model answers of two other questions (one sharing a topic when one exists, one drawn at
    random; fixed seed). AUC = the probability that a question's own answer outscores another question's answer
    (ties count one half); the target is >= 0.95. AUC is also reported for the short answer alone, which states
    the key points in different words.

(b) Paraphrase robustness. A deterministic paraphrase of each model answer is graded too; it should score within
    2 points of the original. The paraphrase is mechanical and honest about it: the sentences are put in reverse
    order, and words in a fixed list of everyday synonyms (``SYNONYMS`` below: "uses" -> "employs", "large" ->
    "big", "because" -> "since" ...) are swapped; technical terms are left alone, so this tests robustness to
    word order and wording, not to a human rephrasing the concepts. Reported for the short answer + key points
    and for the short answer alone.

Caveat: the grader's logistic weights were fitted on this same bank (key points against their own short-answer
and explanation sentences), so (a) and (b) are in-sample checks of the whole pipeline. A held-out check is
reported too: the parameters are refitted on the even-numbered questions and evaluated (short answers) on the
odd-numbered ones, and the other way round. The calibration's own 5-fold AUC is in
``assistant/interview/grader_params.json``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np

REPORT = Path(__file__).resolve().parent / "reports" / "grader.json"

SYNONYMS = {
    "uses": "employs", "use": "employ", "used": "employed", "large": "big", "small": "little",
    "because": "since", "shows": "indicates", "show": "indicate", "important": "significant",
    "example": "instance", "often": "frequently", "usually": "typically", "reduces": "lowers",
    "reduce": "lower", "increases": "raises", "increase": "raise", "makes": "renders", "gives": "yields",
    "give": "yield", "needs": "requires", "need": "require", "helps": "aids", "help": "aid", "fast": "quick",
    "slow": "sluggish", "whole": "entire", "whether": "if", "also": "additionally", "only": "solely",
    "many": "numerous", "big": "large", "get": "obtain", "gets": "obtains", "keep": "retain", "keeps": "retains",
    "start": "begin", "starts": "begins", "end": "finish", "choose": "pick", "chooses": "picks",
    "exactly": "precisely", "roughly": "approximately", "about": "around", "whereas": "while",
    "however": "but", "therefore": "so", "thus": "hence", "quickly": "rapidly", "easy": "simple",
    "hard": "difficult", "wrong": "incorrect", "right": "correct", "check": "verify", "checks": "verifies",
    "mean": "signify", "means": "signifies", "tells": "informs", "find": "locate", "finds": "locates",
}
_WORD = re.compile(r"[A-Za-z]+")


def reword(sentence: str) -> str:
    def sub(m: re.Match) -> str:
        w = m.group(0)
        r = SYNONYMS.get(w.lower())
        if r is None:
            return w
        return r.capitalize() if w[0].isupper() else r

    return _WORD.sub(sub, sentence)


def paraphrase(text: str) -> str:
    from assistant.interview.grader import split_sentences

    sents = split_sentences(text)
    return " ".join(reword(s) for s in reversed(sents))


def model_answer(q, with_key_points: bool = True) -> str:
    parts = [" ".join(q.short_answer.split())]
    if with_key_points:
        parts += [kp.rstrip(".") + "." for kp in q.key_points]
    return "\n\n".join(parts)


class CachedEmbed:
    """Embeds each distinct text once; :meth:`prefetch` encodes many texts in large batches."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.cache: dict[str, np.ndarray] = {}

    def prefetch(self, texts) -> None:
        todo = sorted({t for t in texts if t not in self.cache})
        if todo:
            vecs = self.embedder.encode(todo, batch_size=128)
            self.cache.update(zip(todo, vecs))

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.prefetch(texts)
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def auc(pos: list[float], neg: list[float]) -> float:
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def run(corpus_dir: Path | None = None, seed: int = 0) -> dict:
    from assistant.interview.grader import default_params, grade_answer, split_sentences
    from assistant.settings import REPO_ROOT
    from kb.embedding import get_embedder
    from kb.interview import load_bank

    t0 = time.perf_counter()
    bank = load_bank(corpus_dir or REPO_ROOT / "corpus")
    params = default_params()
    embed = CachedEmbed(get_embedder())
    rng = np.random.default_rng(seed)
    by_topic: dict[str, list[int]] = {}
    for i, q in enumerate(bank):
        for t in q.topics:
            by_topic.setdefault(t, []).append(i)
    negatives = []
    for i, q in enumerate(bank):
        same = sorted({j for t in q.topics for j in by_topic[t] if j != i})
        picks = [int(rng.choice(same))] if same else []
        j = int(rng.integers(len(bank) - 1))
        picks.append(j + (j >= i))
        negatives.append(picks)

    variants = {"short_answer+key_points": True, "short_answer": False}
    answers = {v: [model_answer(q, kp) for q in bank] for v, kp in variants.items()}
    paras = {v: [paraphrase(a) for a in answers[v]] for v in variants}
    texts = [q.question for q in bank] + [kp for q in bank for kp in q.key_points]
    for v in variants:
        for a in answers[v] + paras[v]:
            texts += split_sentences(a)
    embed.prefetch(texts)

    def score(i: int, text: str, p=params) -> float:
        q = bank[i]
        return grade_answer(q.question, q.key_points, text, embed, p).score

    out: dict = {"questions": len(bank), "seed": seed, "params": params.to_dict(), "variants": {}}
    for v in variants:
        own = [score(i, answers[v][i]) for i in range(len(bank))]
        other = [score(i, answers[v][j]) for i in range(len(bank)) for j in negatives[i]]
        para = [score(i, paras[v][i]) for i in range(len(bank))]
        diffs = np.abs(np.asarray(para) - np.asarray(own))
        worst = sorted(range(len(bank)), key=lambda i: -diffs[i])[:5]
        out["variants"][v] = {
            "auc_own_vs_other": round(auc(own, other), 4),
            "mean_score_own": round(float(np.mean(own)), 2),
            "mean_score_other": round(float(np.mean(other)), 2),
            "mean_score_paraphrase": round(float(np.mean(para)), 2),
            "paraphrase_within_2_points": round(float(np.mean(diffs <= 2.0)), 4),
            "paraphrase_mean_abs_diff": round(float(diffs.mean()), 3),
            "paraphrase_max_abs_diff": round(float(diffs.max()), 2),
            "worst_paraphrases": [{"id": bank[i].id, "own": own[i], "paraphrase": para[i]} for i in worst],
        }
    # held out: refit the parameters on half of the bank, evaluate the short answers of the other half
    from assistant.interview.calibrate import calibrate
    from assistant.interview.grader import GraderParams

    n = len(bank)
    out["held_out"] = {}
    for name, fit_idx in (("fit_even_test_odd", set(range(0, n, 2))), ("fit_odd_test_even", set(range(1, n, 2)))):
        p = GraderParams(**calibrate([bank[i] for i in sorted(fit_idx)], embed, seed=seed))
        test = [i for i in range(n) if i not in fit_idx]
        sa, pa = answers["short_answer"], paras["short_answer"]
        own = [score(i, sa[i], p) for i in test]
        other = [score(i, sa[j], p) for i in test for j in negatives[i]]
        diffs = np.abs(np.asarray([score(i, pa[i], p) for i in test]) - np.asarray(own))
        out["held_out"][name] = {
            "test_questions": len(test), "threshold": round(p.threshold, 4),
            "auc_short_answer_own_vs_other": round(auc(own, other), 4),
            "mean_score_own": round(float(np.mean(own)), 2),
            "paraphrase_within_2_points": round(float(np.mean(diffs <= 2.0)), 4),
        }
    out["targets"] = {"auc": 0.95, "paraphrase_within_points": 2.0}
    main_v = out["variants"]["short_answer+key_points"]
    out["passed"] = bool(main_v["auc_own_vs_other"] >= 0.95 and main_v["paraphrase_within_2_points"] >= 0.95)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    res = run()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"grader validation over {res['questions']} questions ({res['seconds']} s)")
    for v, d in res["variants"].items():
        print(f"  [{v}] AUC own vs other = {d['auc_own_vs_other']:.4f} (mean {d['mean_score_own']:.2f} vs "
              f"{d['mean_score_other']:.2f}); paraphrase within 2 points: {100 * d['paraphrase_within_2_points']:.1f}%"
              f" (mean |diff| {d['paraphrase_mean_abs_diff']:.2f}, max {d['paraphrase_max_abs_diff']:.1f})")
    for name, d in res["held_out"].items():
        print(f"  [held out, {name}] short-answer AUC = {d['auc_short_answer_own_vs_other']:.4f}, paraphrase "
              f"within 2 points: {100 * d['paraphrase_within_2_points']:.1f}% (threshold {d['threshold']})")
    print(f"passed: {res['passed']}; report: {REPORT}")


if __name__ == "__main__":
    main()
