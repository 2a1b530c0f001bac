#!/usr/bin/env bash
# CI job for the `eval` extra (ragas, and the llama-index pipeline that `mlnotes eval` compares against).
# Its pins downgrade packages the rest of the project uses (PyStemmer 3.1 -> 2.2 through the llama-index BM25 peer,
# rich 15 -> 13.9, openai, tenacity; `pip install --dry-run --report` into .venv shows it), so it gets its own venv,
# .venv-eval, layered over .venv: a .pth line puts .venv's site-packages after .venv-eval's own, so the eval pins win
# there and .venv is never changed. Then ragas' ID-based metrics run beside ours (tests/eval/test_hooks.py checks them
# against hand-computed values) and the llama-index peer pipeline is built and queried (tests/eval/test_peer.py), in
# both configurations `mlnotes bench search --peer` times: stock (HuggingFaceEmbedding, PyTorch) and same-embedder.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
if [ ! -x .venv-eval/bin/python ]; then
  "$BASE" -m venv .venv-eval
fi
main_site="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
eval_site="$(.venv-eval/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$main_site" > "$eval_site/mlnotes-base.pth"
# the eval extra's own requirements, read from pyproject.toml (one source of truth)
mapfile -t reqs < <(.venv/bin/python - <<'PY'
import tomllib
for r in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["eval"]:
    print(r)
PY
)
echo "installing the eval extra into .venv-eval: ${reqs[*]}"
.venv-eval/bin/pip install --quiet "${reqs[@]}" 2> >(grep -v "neither a file nor a directory\|outside environment" >&2)
.venv-eval/bin/python -c "import ragas, langchain_community; print('ragas', ragas.__version__, 'imports with no stand-in')"
.venv-eval/bin/python -c "import llama_index.embeddings.huggingface, llama_index.retrievers.bm25, llama_index.vector_stores.faiss"
# here nothing may be skipped for want of the extra: a skip is a failure of this job
out="$(HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv-eval/bin/python -m pytest -q -rs -p no:cacheprovider \
  tests/eval/test_hooks.py::test_ragas_id_metrics_when_installed tests/eval/test_peer.py "$@" 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | tail -n 5
if echo "$out" | grep -q "SKIPPED"; then
  echo "error: the eval extra is installed in .venv-eval, yet a test was skipped" >&2
  exit 1
fi
