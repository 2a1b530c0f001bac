"""A learned claim checker: does an answer sentence *state* a key point, or only talk about its subject?

MiniLM's cosine scores "on topic": a negation, an opposite, swapped terms or a list of the key point's words sit
as close to the key point as a paraphrase does. The word rules of :mod:`.contradiction` patch surface forms and
did not generalise to unseen answers (issue #20). This module fine-tunes the packaged MiniLM as a
*cross-encoder*: the key point and the sentence go through the BERT encoder together, ``[CLS] key point [SEP]
sentence [SEP]``, so attention can compare them word by word; the masked mean of the last hidden states goes
through a linear head, and a sigmoid gives P(the sentence states the key point).

Training data (:func:`training_pairs`), the development cases only:

* every case of the files of :data:`DEV_FILES` (``grader_adversarial.jsonl``'s tune and heldout splits,
  rule-made and hand-written, and every hand-written set measured so far: ``grader_dev_hand.jsonl`` and
  ``grader_heldout2.jsonl`` to ``grader_heldout7.jsonl``), as (key point, sentence, label) pairs; a multi-sentence
  no-credit answer gives one negative pair per sentence (no sentence of it states the key point), a
  ``para_context`` answer gives its last sentence (the key point) as a positive and the unrelated first
  sentence as a negative, any other multi-sentence credit answer gives one positive pair of its whole text;
* pairs made by two rules from the bank's key points: each key point against itself (credit) and against every
  other key point of its question (a true, on-topic sentence that states a different claim: no credit).

``grader_heldout12.jsonl`` and later sets are never read here: they are independent test sets
(:func:`is_independent_test_file`). :data:`DEV_FILES` names the only files used.

Result (issue #20, round 4): on the development cases' grouped cross-validation the checker did **not** beat
the word rules (see :data:`MODE`), so the grader uses it only when ``MLNOTES_CLAIM_CHECKER=on``. Each cross-
encoder pair costs a full MiniLM pass, so on this 2-core machine only the top two layers could be trained, for
one epoch; more capacity or data (an NLI corpus is not among the allowed packages) is the way forward.

Round 8 (issue #20): retrained on every hand-written set (~1,900 cases, five authors) with more capacity, it
still loses, estimated by leave-one-author-out (``python -m mlnotes.eval.grader_checker_loao``: train on four
authors, test on the fifth, no key point on both sides; threshold 0.5 fixed before the runs). Mean worst ratio
to the targets over the five authors: the rules .677; top four layers, three epochs, balanced classes .494;
all six layers plus the adversarial set's rule-made cases .535. It beats the rules on heldout5 (.505 against
.422) and heldout3 (.560 against .536), and is far better at negations (heldout5 precision 1.000 against .693),
but opposites and swapped terms stay near chance (out-of-fold AUC against paraphrases .45-.73) and it credits
other key points more often. As a feature of ``grader_combine``'s search (out-of-fold scores) it adds .001.
So it stays off.

The trained weights are not shipped: they are trained at first use (or by ``mlnotes interview train-checker``),
seeded, and cached under :func:`mlnotes.kb.embedding.default_cache_dir` (``claim-checker-<key>.pt``), keyed by a
checksum of the MiniLM weights, the training pairs, the training settings and :data:`CODE_VERSION`. A cache file
whose checksum does not match its sidecar (a corrupt or partly written file) is rebuilt with a log line. When
torch or transformers cannot be imported, or training fails, :func:`get_checker` returns None with a warning and
the grader keeps its rules.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Bump when the model, the pair builder or the training loop changes: the cache key includes it.
CODE_VERSION = "1"

#: The development sets the checker is trained on: every set written before round 12 (heldout3-11 were each
#: measured once and are spent, so they are development data now). Never ``grader_heldout12.jsonl`` or
#: a later one (the independent test sets; :func:`is_independent_test_file`).
DEV_FILES = ("grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_dev_hand.jsonl", "grader_heldout3.jsonl",
             "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
             "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_heldout9.jsonl",
             "grader_heldout10.jsonl", "grader_heldout11.jsonl")
#: The first ``grader_heldout<N>.jsonl`` that is an independent test set (round 12: heldout12, to be written by a new
#: author for the integrator to measure once; heldout11 was measured once in round 11 and is spent).
FIRST_TEST_HELDOUT = 12

CREDIT_TYPES = frozenset({"para_frame", "para_reword", "para_clause", "para_context", "paraphrase", "partial"})


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (chosen by grouped cross-validation on the development cases, see
    ``python -m mlnotes.eval.grader_checker_cv``)."""

    epochs: int = 1
    lr: float = 1e-4
    batch_size: int = 32
    #: the embeddings and this many lower encoder layers stay frozen: their output for each pair is computed
    #: once, and only the upper layers and the head are trained (a few CPU minutes instead of an hour)
    freeze_layers: int = 4
    max_length: int = 128
    warmup: float = 0.1
    weight_decay: float = 0.01
    #: hand-written pairs count this many times a rule-made pair in the loss (they are closer to real answers)
    hand_weight: float = 2.0
    #: scale each class's weights so that credit and no-credit pairs weigh the same in the loss
    balance: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Pair:
    key_point: str
    sentence: str
    label: int  # 1: the sentence states the key point
    group: str  # question id (cross-validation folds never split a question)
    source: str  # "rule", "hand", "hand2", "bank"
    type: str


# ------------------------------------------------------------------------------------------------ training data


def is_independent_test_file(path: Path) -> bool:
    """``grader_heldout12.jsonl`` and any later ``grader_heldout<N>.jsonl``: the sets written to measure the
    grader once. heldout2 became development data in round 3, heldout3-11 each after it was measured
    once (heldout11: measured in round 11, development since round 12)."""
    m = re.fullmatch(r"grader_heldout(\d+)\.jsonl", Path(path).name)
    return bool(m) and int(m.group(1)) >= FIRST_TEST_HELDOUT


def dev_files(folder: Path | None = None) -> list[Path]:
    folder = folder or Path(str(resources.files("mlnotes.eval").joinpath("datasets")))
    return [folder / name for name in DEV_FILES]


def load_dev_cases(folder: Path | None = None) -> list[dict]:
    """The development cases (the files of :data:`DEV_FILES`)."""
    out: list[dict] = []
    for f in dev_files(folder):
        if is_independent_test_file(f):  # defensive: an independent test set must never reach training
            raise ValueError(f"{f} is an independent test set; it must not be used for training")
        out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def case_pairs(cases: Iterable[dict]) -> list[Pair]:
    """(key point, sentence, label) pairs of adversarial cases (see the module docstring for multi-sentence
    answers)."""
    from mlnotes.assistant.interview.grader import split_sentences

    out: list[Pair] = []
    for c in cases:
        kp, typ, src, g = c["key_point"], c["type"], c.get("source", "rule"), c["question_id"]
        credit = c["label"] == "credit"
        sents = split_sentences(c["answer"]) or [c["answer"]]
        if not credit:
            out += [Pair(kp, s, 0, g, src, typ) for s in sents]
        elif len(sents) == 1:
            out.append(Pair(kp, sents[0], 1, g, src, typ))
        elif typ == "para_context":
            out.append(Pair(kp, sents[-1], 1, g, src, typ))
            out += [Pair(kp, s, 0, g, src, "context_filler") for s in sents[:-1]]
        else:
            out.append(Pair(kp, " ".join(sents), 1, g, src, typ))
    return out


def bank_pairs(bank: Sequence[Any]) -> list[Pair]:
    """Rule-made pairs from the bank: each key point states itself; the next key point of the same question
    (cyclically) is on topic but states a different claim."""
    out: list[Pair] = []
    for q in bank:
        kps = [k.strip() for k in q.key_points if k.strip()]
        for i, kp in enumerate(kps):
            out.append(Pair(kp, kp, 1, q.id, "bank", "identity"))
            if len(kps) > 1:
                out.append(Pair(kp, kps[(i + 1) % len(kps)], 0, q.id, "bank", "other_point"))
    return out


def training_pairs(bank: Sequence[Any], cases: Iterable[dict] | None = None) -> list[Pair]:
    """All training pairs, deduplicated on (key point, sentence); a pair seen with both labels keeps the
    hand-written label when there is one, else credit (a key point restated is never wrong)."""
    cases = load_dev_cases() if cases is None else list(cases)
    pairs = case_pairs(cases) + bank_pairs(bank)
    best: dict[tuple[str, str], Pair] = {}
    for p in pairs:
        k = (p.key_point, p.sentence)
        old = best.get(k)
        if old is None or (old.label != p.label and (p.source.startswith("hand") or
                                                     (not old.source.startswith("hand") and p.label == 1))):
            best[k] = p
    return list(best.values())


def pairs_checksum(pairs: Sequence[Pair]) -> str:
    h = hashlib.sha256()
    for p in sorted(pairs, key=lambda p: (p.key_point, p.sentence)):
        h.update(json.dumps([p.key_point, p.sentence, p.label, p.source], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------ the model


def _require_torch():
    try:
        import torch
        import transformers
    except Exception as e:  # noqa: BLE001 - any import failure means: no checker, keep the rules
        raise CheckerUnavailable(f"torch/transformers cannot be imported ({e})") from e
    return torch, transformers


class CheckerUnavailable(RuntimeError):
    """The claim checker can neither be loaded nor trained (the message says why)."""


def _build_module(model_dir: Path, split: int):
    """MiniLM's BERT with a mean-pooling linear head, run in two parts: :meth:`lower` (embeddings and the
    first ``split`` layers, frozen during training, so their output for a pair is computed once) and
    :meth:`upper` (the other layers, the pooling and the head, fine-tuned)."""
    torch, transformers = _require_torch()

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = transformers.AutoModel.from_pretrained(str(model_dir))
            self.split = split
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def _mask(self, attention_mask, h):
            return self.bert._create_attention_masks(attention_mask, None, h, None, None, None)[0]

        def lower(self, input_ids, attention_mask, token_type_ids):
            h = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            m = self._mask(attention_mask, h)
            for layer in self.bert.encoder.layer[: self.split]:
                h = layer(h, m)
            return h

        def upper(self, h, attention_mask):
            m = self._mask(attention_mask, h)
            for layer in self.bert.encoder.layer[self.split:]:
                h = layer(h, m)
            w = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * w).sum(1) / w.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled)).squeeze(-1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.upper(self.lower(input_ids, attention_mask, token_type_ids), attention_mask)

    return CrossEncoder()


def _autocast(torch):
    """bfloat16 autocast on CPU (about 2.5x faster MiniLM where the CPU has AMX/AVX-512 BF16)."""
    return torch.autocast("cpu", dtype=torch.bfloat16)


class ClaimChecker:
    """A trained cross-encoder: :meth:`predict` gives P(sentence states key point) for (key point, sentence)
    pairs."""

    def __init__(self, module: Any, tokenizer: Any, config: TrainConfig, key: str = "") -> None:
        self.module, self.tokenizer, self.config, self.key = module, tokenizer, config, key
        self.path: Path | None = None  # the cache file it was loaded from or saved to
        self.module.eval()
        self._lock = threading.Lock()

    def _batch(self, pairs: Sequence[tuple[str, str]]):
        enc = self.tokenizer([a for a, _ in pairs], [b for _, b in pairs], padding=True, truncation=True,
                             max_length=self.config.max_length, return_tensors="pt")
        if "token_type_ids" not in enc:
            import torch

            enc["token_type_ids"] = torch.zeros_like(enc["input_ids"])
        return enc

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        import torch

        if not pairs:
            return np.zeros(0, dtype=np.float64)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros(len(pairs), dtype=np.float64)
        # a grading asks a few pairs: one torch thread is as fast, and an idle OpenMP pool spinning beside
        # ONNX Runtime's threads made every grading ~6x slower on 2 cores (1.5 s instead of 0.23 s)
        threads = torch.get_num_threads()
        small = len(pairs) <= 2 * batch_size
        with self._lock, torch.inference_mode(), _autocast(torch):
            if small:
                torch.set_num_threads(1)
            try:
                for s in range(0, len(order), batch_size):
                    idx = order[s: s + batch_size]
                    enc = self._batch([pairs[i] for i in idx])
                    z = self.module(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
                    out[idx] = z.float().numpy()
            finally:
                if small:
                    torch.set_num_threads(threads)
        return out

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(pairs, batch_size)))

    __call__ = predict


def lower_states(checker: ClaimChecker, pairs: Sequence[tuple[str, str]], batch_size: int = 64,
                 progress: bool = False) -> list[Any]:
    """The frozen lower part's output for each pair (a bfloat16 tensor of shape (tokens, hidden)), computed
    once and reused by every epoch (and every cross-validation fold)."""
    import torch
    from tqdm.auto import tqdm

    out: list[Any] = [None] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    bar = tqdm(total=len(pairs), desc="claim checker: frozen layers", unit="pair", disable=not progress)
    checker.module.eval()
    with torch.inference_mode(), _autocast(torch):
        for s in range(0, len(order), batch_size):
            idx = order[s: s + batch_size]
            enc = checker._batch([pairs[i] for i in idx])
            h = checker.module.lower(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            n = enc["attention_mask"].sum(1)
            for r, i in enumerate(idx):
                out[i] = h[r, : int(n[r])].to(torch.bfloat16).clone()
            bar.update(len(idx))
    bar.close()
    return out


def predict_states(checker: ClaimChecker, states: Sequence[Any], batch_size: int = 64) -> np.ndarray:
    """P(states the key point) from precomputed :func:`lower_states` (only the upper part runs)."""
    import torch

    hidden = checker.module.bert.config.hidden_size
    out = np.zeros(len(states), dtype=np.float64)
    order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
    checker.module.eval()
    with torch.inference_mode(), _autocast(torch):
        for s in range(0, len(order), batch_size):
            b = order[s: s + batch_size]
            h, am = _pad([states[i] for i in b], hidden)
            out[b] = checker.module.upper(h, am).float().numpy()
    return 1.0 / (1.0 + np.exp(-out))


def _pad(states: Sequence[Any], hidden: int):
    import torch

    n = max(st.shape[0] for st in states)
    h = torch.zeros(len(states), n, hidden, dtype=torch.bfloat16)
    am = torch.zeros(len(states), n, dtype=torch.long)
    for r, st in enumerate(states):
        h[r, : st.shape[0]] = st
        am[r, : st.shape[0]] = 1
    return h, am


def new_checker(config: TrainConfig | None = None, model_dir: Path | None = None) -> ClaimChecker:
    """An untrained checker (MiniLM's weights, a fresh head), seeded."""
    torch, transformers = _require_torch()
    from mlnotes.kb.embedding import model_dir as packaged_model_dir

    config = config or TrainConfig()
    model_dir = Path(model_dir or packaged_model_dir())
    torch.manual_seed(config.seed)
    tok = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    return ClaimChecker(_build_module(model_dir, config.freeze_layers), tok, config)


def train(pairs: Sequence[Pair], config: TrainConfig | None = None, model_dir: Path | None = None,
          progress: bool = True, max_steps: int | None = None, states: Sequence[Any] | None = None,
          checker: ClaimChecker | None = None) -> ClaimChecker:
    """Fine-tune the upper layers and the head on ``pairs`` (seeded; bfloat16 autocast on CPU; batches padded
    to their own longest pair). ``states`` are the pairs' :func:`lower_states` when already computed (by an
    untrained ``checker`` of the same settings, passed along); ``max_steps`` stops early (tests)."""
    torch, _ = _require_torch()
    from tqdm.auto import tqdm

    config = config or TrainConfig()
    checker = checker or new_checker(config, model_dir)
    if states is None:
        states = lower_states(checker, [(p.key_point, p.sentence) for p in pairs], progress=progress)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    module = checker.module
    for prm in module.parameters():
        prm.requires_grad_(False)
    trainable = [*module.bert.encoder.layer[config.freeze_layers:], module.head]
    params = [(n, p) for part in trainable for n, p in part.named_parameters()]
    for _, p in params:
        p.requires_grad_(True)
    decay = [p for n, p in params if not any(k in n for k in ("bias", "LayerNorm"))]
    no_decay = [p for n, p in params if any(k in n for k in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=config.lr)
    idx = list(range(len(pairs)))
    steps_per_epoch = math.ceil(len(idx) / config.batch_size)
    total = steps_per_epoch * config.epochs if max_steps is None else min(max_steps, steps_per_epoch * config.epochs)
    warm = max(1, int(config.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    weight = [config.hand_weight if p.source.startswith("hand") else 1.0 for p in pairs]
    if config.balance:
        per_label = {y: sum(w for w, p in zip(weight, pairs) if p.label == y) for y in (0, 1)}
        weight = [w * sum(per_label.values()) / (2.0 * per_label[p.label]) for w, p in zip(weight, pairs)]
    bar = tqdm(total=total, desc="training the claim checker", unit="batch", disable=not progress)
    module.train()
    step, t0 = 0, time.perf_counter()
    hidden = module.bert.config.hidden_size
    while step < total:
        # shuffled, then bucketed by length in chunks of 50 batches, so that a batch pads little
        rng.shuffle(idx)
        chunk = config.batch_size * 50
        batches = []
        for s in range(0, len(idx), chunk):
            part = sorted(idx[s: s + chunk], key=lambda i: states[i].shape[0])
            batches += [part[i: i + config.batch_size] for i in range(0, len(part), config.batch_size)]
        rng.shuffle(batches)
        for b in batches:
            if step >= total:
                break
            h, am = _pad([states[i] for i in b], hidden)
            y = torch.tensor([float(pairs[i].label) for i in b])
            w = torch.tensor([weight[i] for i in b])
            with _autocast(torch):
                z = module.upper(h, am)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(z.float(), y, reduction="none") * w).sum()
            loss = loss / w.sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
            opt.step()
            sched.step()
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    log.info("claim checker trained on %d pairs, %d steps, in %.0f s", len(idx), total, time.perf_counter() - t0)
    module.eval()
    for prm in module.parameters():
        prm.requires_grad_(False)
    return checker


# ------------------------------------------------------------------------------------------------ the cache


def cache_key(pairs: Sequence[Pair], config: TrainConfig, model_dir: Path) -> str:
    from mlnotes.kb.embedding import weights_checksum

    h = hashlib.sha256()
    h.update(weights_checksum(model_dir).encode())
    h.update(pairs_checksum(pairs).encode())
    h.update(json.dumps(asdict(config), sort_keys=True).encode())
    h.update(CODE_VERSION.encode())
    return h.hexdigest()[:16]


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / f"claim-checker-{key}.pt"


def save(checker: ClaimChecker, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    state = {k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in checker.module.state_dict().items()}
    torch.save(state, tmp)
    os.replace(tmp, path)
    meta = {"sha256": _file_sha(path), "config": asdict(checker.config), "key": checker.key,
            "code_version": CODE_VERSION}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load(path: Path, config: TrainConfig, model_dir: Path) -> ClaimChecker:
    """Load a cached checker; raises ValueError when the file is missing, corrupt or not the one recorded."""
    torch, transformers = _require_torch()
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise ValueError(f"{path} is missing")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{meta_path} is unreadable ({e})") from e
    if meta.get("sha256") != _file_sha(path):
        raise ValueError(f"{path} does not match its recorded checksum (corrupt or partly written)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        module = _build_module(model_dir, config.freeze_layers)
        module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except Exception as e:  # noqa: BLE001 - any failure to read the file means: rebuild it
        raise ValueError(f"{path} cannot be loaded ({e})") from e
    tok = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    return ClaimChecker(module, tok, config, key=meta.get("key", ""))


def cache_entry(bank: Sequence[Any], cache_dir: Path | None = None, config: TrainConfig | None = None,
                cases: Iterable[dict] | None = None, max_steps: int | None = None) -> tuple[list[Pair], str, Path]:
    """The training pairs, the cache key and the cache file of the checker for these inputs."""
    from mlnotes.kb.embedding import default_cache_dir
    from mlnotes.kb.embedding import model_dir as packaged_model_dir

    pairs = training_pairs(bank, cases)
    key = cache_key(pairs, config or TrainConfig(), Path(packaged_model_dir()))
    key += f"-s{max_steps}" if max_steps is not None else ""
    return pairs, key, cache_path(Path(cache_dir or default_cache_dir()), key)


def load_or_train(bank: Sequence[Any], cache_dir: Path | None = None, config: TrainConfig | None = None,
                  cases: Iterable[dict] | None = None, progress: bool = True,
                  max_steps: int | None = None, force: bool = False) -> ClaimChecker:
    """The cached checker for these training pairs and settings, trained (and cached) when missing or corrupt
    (or ``force``)."""
    from mlnotes.kb.embedding import model_dir as packaged_model_dir

    config = config or TrainConfig()
    md = Path(packaged_model_dir())
    pairs, key, path = cache_entry(bank, cache_dir, config, cases, max_steps)
    if force:
        log.warning("training the claim checker on %d pairs (asked to)", len(pairs))
    elif path.exists() or path.with_suffix(".json").exists():
        try:
            checker = load(path, config, md)
            checker.path = path
            return checker
        except ValueError as e:
            log.warning("claim checker cache %s: %s; training it again", path.name, e)
    else:
        log.warning("no cached claim checker (%s); training it on %d pairs (a few minutes, once)", path.name,
                    len(pairs))
    checker = train(pairs, config, md, progress=progress, max_steps=max_steps)
    checker.key = key
    save(checker, path)
    checker.path = path
    return checker


_CHECKER: dict[str, ClaimChecker | None] = {}
_CHECKER_LOCK = threading.Lock()


def get_checker(bank: Sequence[Any] | None = None, cache_dir: Path | None = None,
                progress: bool = True) -> ClaimChecker | None:
    """The process-wide checker (loaded or trained once), or None with a warning when it cannot be had: the
    grader then keeps its word rules."""
    k = str(cache_dir or "")
    with _CHECKER_LOCK:
        if k in _CHECKER:
            return _CHECKER[k]
        try:
            if bank is None:
                from mlnotes.assistant.settings import get_settings
                from mlnotes.kb.interview import load_bank

                bank = load_bank(get_settings().corpus_dir)
            _CHECKER[k] = load_or_train(bank, cache_dir, progress=progress)
        except Exception as e:  # noqa: BLE001 - no checker is a degraded grader, never a crash
            log.warning("the claim checker is unavailable (%s); grading with the word rules only", e)
            _CHECKER[k] = None
        return _CHECKER[k]


#: How the checker combines with the grader (see :func:`mlnotes.assistant.interview.grader.grade_answer`):
#: ``"checker"`` alone on every counted sentence, ``"cosine"`` on the sentences above the coverage threshold,
#: ``"rules"`` on those that also pass the word rules. Chosen with :data:`THRESHOLD` by grouped 3-fold
#: cross-validation on the development cases (``python -m mlnotes.eval.grader_checker_cv``): every fold chose
#: "rules" at 0.05, i.e. the checker only vetoes what the rules credit. Even so it did not beat the rules
#: alone (hand-written cases, out of fold: paraphrase recall 0.754 against the rules' 0.857), so the setting
#: ``MLNOTES_CLAIM_CHECKER`` is off by default.
MODES = ("checker", "cosine", "rules")
MODE = "rules"
THRESHOLD = 0.05
