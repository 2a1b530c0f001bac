"""``mlnotes bench generate``: decoding speed of the local LLM on grounded prompts from the real corpus.

Six fixed questions; for each, the top passages retrieved by the index (or, without an index, paragraphs of
corpus files) are put into the same chat prompt the assistant uses. Every decoder generates up to
``max_new_tokens`` tokens for every prompt, ``repeat`` times. Reported per decoder:

* tokens/s: new tokens of all prompts / wall time of all prompts (prefill included), median over repeats;
* decode tokens/s: the same without the prefill (our own loops only);
* speed-up over plain greedy measured in the same run, end to end and for decoding alone (the prefill is one
  shared pass), acceptance rate, tokens per target forward pass;
* whether the output equals plain greedy token for token on every prompt.

Decoders: plain greedy, prompt lookup, a draft model (``--draft``), the from-scratch reference loop of
``algorithms/sequence``, transformers' ``generate`` (greedy, ``prompt_lookup_num_tokens``, ``assistant_model``)
and llama.cpp (greedy and prompt lookup) when ``llama-cpp-python`` is installed.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_QUESTIONS = [
    "What is dropout and why does it reduce overfitting?",
    "How does gradient boosting fit each new tree?",
    "What does the attention mechanism in a transformer compute?",
    "What is the bias-variance trade-off?",
    "How does k-fold cross-validation estimate generalization error?",
    "What is speculative decoding?",
]


def bench_passages(questions: list[str] = BENCH_QUESTIONS, k: int = 4) -> list[list[str]]:
    """Retrieved passages per question, formatted as the answerer formats them."""
    from mlnotes.assistant.settings import get_settings

    settings = get_settings()
    try:
        from mlnotes.kb.index import Index

        index = Index.load_or_build(settings.corpus_dir, settings.index_dir)
        out = []
        for q in questions:
            hits = index.search(q, k=k)
            out.append([" > ".join(h.chunk.breadcrumbs) + "\n" + h.chunk.text for h in hits])
        if all(out):
            return out
    except Exception:  # noqa: BLE001 - no index (or no embedder): fall back to plain corpus paragraphs
        pass
    return _fallback_passages(Path(settings.corpus_dir), questions, k)


def _fallback_passages(corpus: Path, questions: list[str], k: int) -> list[list[str]]:
    paras: list[tuple[str, str]] = []
    for f in sorted(corpus.rglob("*.md")):
        for block in f.read_text(encoding="utf-8").split("\n\n"):
            b = block.strip()
            if len(b) > 200 and not b.startswith(("```", "|", "---", "#", "$$")):
                paras.append((f.stem, b))
    out = []
    for q in questions:
        terms = {w.lower().strip("?,.") for w in q.split() if len(w) > 3}
        ranked = sorted(paras, key=lambda p: -sum(t in p[1].lower() for t in terms))
        out.append([f"{stem}\n{text}" for stem, text in ranked[:k]])
    return out


def _timed(fn: Callable[[], tuple[list[int], Any]]) -> tuple[list[int], float, Any]:
    t0 = time.perf_counter()
    toks, extra = fn()
    return toks, time.perf_counter() - t0, extra


ALL_METHODS = ["greedy", "prompt-lookup", "draft", "from-scratch", "hf-engine-greedy", "hf-engine-prompt-lookup",
               "hf-generate", "hf-prompt-lookup", "hf-assisted", "llamacpp", "llamacpp-prompt-lookup"]
DEFAULT_METHODS = ["greedy", "prompt-lookup", "draft", "from-scratch", "hf-generate", "llamacpp"]


def run_benchmark(repeat: int = 3, max_new_tokens: int = 96, model: str | None = None, draft: str | None = None,
                  as_json: bool = False, console: Any = None, dtype: str | None = None, quant: str | None = None,
                  methods: list[str] | None = None, n_prompts: int | None = None,
                  engine: str | None = None) -> dict[str, Any]:
    """Run the decoders (``methods``, default :data:`DEFAULT_METHODS`; all names in :data:`ALL_METHODS`).

    ``greedy``, ``prompt-lookup``, ``draft`` and ``from-scratch`` are our loops on the configured engine;
    ``hf-engine-*`` are the same loops on transformers' modelling code (int8 weights, row-exact attention);
    ``hf-*`` call ``generate()`` of the plain float32 transformers model; ``llamacpp*`` need llama-cpp-python.
    """
    import torch

    from mlnotes.assistant.generation import DEFAULT_DTYPE, DEFAULT_ENGINE, DEFAULT_QUANT
    from mlnotes.assistant.generation.speculative import DecodeStats, decode
    from mlnotes.assistant.generation.transformers_backend import (
        chat_messages,
        encode_chat,
        load_hf_model,
        load_model,
        resolve_model,
        stop_ids,
    )
    from mlnotes.assistant.settings import get_settings

    cfg = get_settings().generation  # the MLNOTES_LLM_* settings, read once by the settings
    dtype = dtype or cfg.dtype or DEFAULT_DTYPE
    quant = quant or cfg.quant or DEFAULT_QUANT
    engine = engine or cfg.engine or DEFAULT_ENGINE
    model = model or cfg.model or None
    draft = draft or cfg.draft or None
    unknown = [m for m in methods or [] if m not in ALL_METHODS]
    if unknown:
        raise ValueError(f"unknown decoder(s) {', '.join(unknown)}; choose from {', '.join(ALL_METHODS)}")
    t_load = time.perf_counter()
    tok, target = load_model(model, dtype=dtype, quant=quant, engine=engine)
    draft_model = load_model(draft, dtype=dtype, quant=quant, engine=engine)[1] if draft else None
    load_s = time.perf_counter() - t_load
    eos = stop_ids(tok, target)
    questions = BENCH_QUESTIONS[: n_prompts or len(BENCH_QUESTIONS)]
    passages = bench_passages(questions)
    messages = [chat_messages(q, p) for q, p in zip(questions, passages)]
    prompts = [encode_chat(tok, m) for m in messages]

    # llamacpp-prompt-lookup is only run when asked for: llama-cpp-python's draft path needs logits_all=True,
    # which computes the full-vocabulary logits of every prompt token (measured: slower than plain greedy)
    wanted = list(methods or DEFAULT_METHODS)
    if draft_model is None:
        wanted = [m for m in wanted if m not in ("draft", "hf-assisted")]
    folder, gguf = resolve_model(model)
    from mlnotes.assistant.generation.llamacpp_backend import available as llamacpp_available

    if gguf is None or not llamacpp_available():
        wanted = [m for m in wanted if not m.startswith("llamacpp")]
    if "greedy" not in wanted:
        wanted.insert(0, "greedy")

    def ours(method: str, net: Any = None) -> Callable[[list[int]], tuple[list[int], Any]]:
        net = target if net is None else net

        def run(ids: list[int]) -> tuple[list[int], Any]:
            st = DecodeStats()
            out = decode(net, ids, max_new_tokens, eos, method=method, draft_model=draft_model, stats=st)
            return out, st
        return run

    hf_models: dict[str, Any] = {}

    def hf_model(kind: str) -> Any:
        """transformers' modelling code: ``engine`` (int8, row-exact attention) or ``plain`` (float32)."""
        if kind not in hf_models:
            if kind == "engine":
                hf_models[kind] = load_model(model, dtype=dtype, quant="int8", engine="hf")[1]
            else:
                hf_models[kind] = load_hf_model(model, "float32")[1]
        return hf_models[kind]

    def hf(kind: str) -> Callable[[list[int]], tuple[list[int], Any]]:
        from transformers import GenerationConfig

        net = hf_model("plain")

        def run(ids: list[int]) -> tuple[list[int], Any]:
            x = torch.tensor([ids])
            extra_cfg = {"prompt_lookup_num_tokens": 10} if kind == "prompt-lookup" else {}
            cfg = GenerationConfig(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=eos,
                                   pad_token_id=eos[0] if eos else None, **extra_cfg)
            kw: dict[str, Any] = {}
            if kind == "assisted":
                if "draft" not in hf_models:
                    hf_models["draft"] = load_hf_model(draft, "float32")[1]
                kw["assistant_model"] = hf_models["draft"]
            with torch.inference_mode():
                out = net.generate(x, attention_mask=torch.ones_like(x), generation_config=cfg, **kw)
            new = out[0, len(ids):].tolist()
            for i, t in enumerate(new):
                if t in eos:
                    new = new[:i]
                    break
            return new, None
        return run

    llama_gens: dict[str, Any] = {}

    def llamacpp(pld: bool) -> Callable[[int], tuple[list[int], Any]]:
        from mlnotes.assistant.generation.llamacpp_backend import LlamaCppGenerator

        key = "pld" if pld else "plain"
        if key not in llama_gens:  # every core by default, like the served generator (default_threads)
            llama_gens[key] = LlamaCppGenerator(model, prompt_lookup=pld)
        gen = llama_gens[key]

        def run(i: int) -> tuple[list[int], Any]:
            text = "".join(gen.generate_messages(messages[i], max_new_tokens))
            return gen.llm.tokenize(text.encode(), add_bos=False, special=False), text
        return run

    runners: dict[str, Callable[[int], tuple[list[int], Any]]] = {}
    for m in wanted:
        if m in ("greedy", "prompt-lookup", "draft", "from-scratch"):
            f = ours(m)
            runners[m] = lambda i, f=f: f(prompts[i])
        elif m.startswith("hf-engine-"):
            f = ours(m[len("hf-engine-"):], hf_model("engine"))
            runners[m] = lambda i, f=f: f(prompts[i])
        elif m.startswith("hf-"):
            f = hf(m[3:])
            runners[m] = lambda i, f=f: f(prompts[i])
        elif m == "llamacpp":
            runners[m] = llamacpp(False)
        elif m == "llamacpp-prompt-lookup":
            runners[m] = llamacpp(True)

    # warm-up (first calls allocate and pick kernels)
    for r in runners.values():
        r(0)
    results: dict[str, dict[str, Any]] = {}
    outputs: dict[str, list[list[int]]] = {}
    for m, r in runners.items():
        rates, dec_rates = [], []
        drafted = accepted = calls = 0
        outs: list[list[int]] = []
        for rep in range(repeat):
            toks_total, secs, dec_secs = 0, 0.0, 0.0
            outs = []
            for i in range(len(prompts)):
                toks, dt, extra = _timed(lambda i=i, r=r: r(i))
                outs.append(toks)
                toks_total += len(toks)
                secs += dt
                if isinstance(extra, DecodeStats):
                    dec_secs += extra.decode_s
                    if rep == 0:
                        drafted += extra.drafted
                        accepted += extra.accepted
                        calls += extra.forward_calls
            rates.append(toks_total / secs if secs else 0.0)
            if dec_secs:
                dec_rates.append(toks_total / dec_secs)
        outputs[m] = outs
        results[m] = {
            "tokens_per_s": statistics.median(rates),
            "decode_tokens_per_s": statistics.median(dec_rates) if dec_rates else None,
            "tokens": sum(len(o) for o in outs),
            "acceptance_rate": accepted / drafted if drafted else None,
            "tokens_per_forward": (sum(len(o) for o in outs) / calls) if calls else None,
            "all_rates": rates,
        }
    base = results["greedy"]["tokens_per_s"]
    base_dec = results["greedy"]["decode_tokens_per_s"]
    for m, res in results.items():
        res["speedup_vs_greedy"] = res["tokens_per_s"] / base if base else None
        # decoding only (the prefill is the same pass for every decoder of one engine)
        dec = res["decode_tokens_per_s"]
        res["decode_speedup_vs_greedy"] = dec / base_dec if dec and base_dec else None
        if m.startswith("llamacpp"):
            ref = outputs.get("llamacpp")
            res["equals_greedy"] = (outputs[m] == ref) if m != "llamacpp" and ref is not None else None
            res["compared_with"] = "llamacpp" if m != "llamacpp" else None
        elif m.startswith("hf-"):  # another numerical model (transformers' code): compared with its own greedy
            ref_name = "hf-engine-greedy" if m.startswith("hf-engine-") else "hf-generate"
            ref = outputs.get(ref_name)
            res["equals_greedy"] = (outputs[m] == ref) if m != ref_name and ref is not None else None
            res["compared_with"] = ref_name if m != ref_name else None
        else:
            res["equals_greedy"] = outputs[m] == outputs["greedy"] if m != "greedy" else True
            res["compared_with"] = "greedy"
    report = {
        "model": str(folder / gguf) if gguf else str(folder),
        "engine": "fast" if getattr(target, "is_fast_llama", False) else "hf",
        "draft": draft,
        "dtype": dtype,
        "quant": quant,
        "threads": torch.get_num_threads(),
        "llamacpp_threads": __import__("mlnotes.assistant.generation.llamacpp_backend", fromlist=["x"]).default_threads(),
        "prompts": len(prompts),
        "prompt_tokens": [len(p) for p in prompts],
        "max_new_tokens": max_new_tokens,
        "repeat": repeat,
        "load_s": load_s,
        "results": results,
        "greedy_texts": [tok.decode(o, skip_special_tokens=True) for o in outputs["greedy"]],
    }
    if as_json:
        print(json.dumps(report, indent=2))
    elif console is not None:
        _print_table(report, console)
    return report


def _print_table(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    numerics = f"fast/{report['quant']}" if report.get("engine") == "fast" else f"hf {report['dtype']}/{report['quant']}"
    t = Table(title=f"{Path(report['model']).name} {numerics}, {report['threads']} threads, "
                    f"{report['prompts']} grounded prompts x {report['max_new_tokens']} new tokens, "
                    f"median of {report['repeat']}")
    for col in ("decoder", "tokens/s", "decode tok/s", "x greedy", "decode x greedy", "acceptance", "tok/forward",
                "same output"):
        t.add_column(col, justify="right")

    def f(x: Any, fmt: str) -> str:
        return "-" if x is None else format(x, fmt)

    for m, r in report["results"].items():
        same = r["equals_greedy"]
        same_s = "-" if same is None else ("yes" if same else "NO")
        if same is not None and r.get("compared_with") not in (None, "greedy"):
            same_s += f" (vs {r['compared_with']})"
        t.add_row(m, f(r["tokens_per_s"], ".1f"), f(r["decode_tokens_per_s"], ".1f"), f(r["speedup_vs_greedy"], ".2f"),
                  f(r.get("decode_speedup_vs_greedy"), ".2f"), f(r["acceptance_rate"], ".2f"),
                  f(r["tokens_per_forward"], ".2f"), same_s)
    console.print(t)
