#!/usr/bin/env bash
# One entry point for a fresh machine:
#   bash scripts/dev.sh run    set up, build the index if missing, serve the UI and API on 127.0.0.1
#   bash scripts/dev.sh test   set up (with test extras) and run the test suite
#   bash scripts/dev.sh setup  only set up
#   bash scripts/dev.sh torch-check  show where torch would come from and fail if CUDA packages would be installed
# Idempotent: the virtual environment is reused, and pip runs again only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${MLNOTES_VENV:-.venv}"
TORCH_VERSION="${MLNOTES_TORCH_VERSION:-2.13.0}"
# PyTorch's CPU-only wheel index. Where it is reachable, torch comes from it (no CUDA build, no nvidia-* packages);
# where it is not (an offline mirror, a machine with a local wheel), pip's default index is used instead.
# MLNOTES_TORCH_INDEX overrides it; set it empty to always use the default index.
TORCH_CPU_INDEX="${MLNOTES_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false GRADIO_ANALYTICS_ENABLED=False

# Prints the index to install torch from: the CPU index when it serves torch==$TORCH_VERSION, else "default".
torch_source() {
  local py="$1"
  # ask the index itself (not pip, whose configuration may add local mirrors) whether it lists torch $TORCH_VERSION
  if [ -n "$TORCH_CPU_INDEX" ] && "$py" - "$TORCH_CPU_INDEX" "$TORCH_VERSION" >/dev/null 2>&1 <<'PY'
import sys, urllib.request
index, version = sys.argv[1].rstrip("/"), sys.argv[2]
with urllib.request.urlopen(f"{index}/torch/", timeout=10) as r:
    page = r.read().decode("utf-8", "replace")
sys.exit(0 if f"torch-{version}" in page else 1)
PY
  then
    echo "$TORCH_CPU_INDEX"
  else
    echo "default"
  fi
}

# pip arguments that select torch's source
torch_pip_args() {
  local source="$1"
  if [ "$source" = "default" ]; then
    echo "torch==$TORCH_VERSION"
  else
    echo "torch==$TORCH_VERSION --index-url $source"
  fi
}

# Resolves (without installing) what the torch step would install and fails if any nvidia-* (CUDA) package is in it.
torch_check() {
  local py="${PYTHON_FOR_CHECK:-$PYTHON}" source report
  source="$(torch_source "$py")"
  report="$(mktemp)"
  # shellcheck disable=SC2046
  if ! "$py" -m pip install --quiet --dry-run --ignore-installed --disable-pip-version-check --timeout 10 \
      --retries 0 --report "$report" $(torch_pip_args "$source") >/dev/null; then
    echo "error: torch $TORCH_VERSION could not be resolved from $source" >&2
    rm -f "$report"; exit 1
  fi
  "$py" - "$report" "$source" <<'PY'
import json, sys
report, source = json.load(open(sys.argv[1])), sys.argv[2]
names = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in report["install"])
print(f"torch source: {source}")
print("would install: " + ", ".join(names))
cuda = [n for n in names if n.lower().startswith("nvidia-")]
if cuda:
    print("error: CUDA packages would be installed: " + ", ".join(cuda), file=sys.stderr)
    sys.exit(1)
PY
  local rc=$?
  rm -f "$report"
  return $rc
}

setup() {
  local extras="$1"
  if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "error: Python 3.11 or newer is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.mlnotes-installed"
  local want
  want="$(sha256sum < pyproject.toml | cut -c1-16)-$extras-$TORCH_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  # CPU torch first, so the project's torch range is already satisfied and pip never pulls CUDA wheels
  if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$TORCH_VERSION' else 1)" 2>/dev/null; then
    local source
    source="$(torch_source "$VENV/bin/python")"
    echo "installing torch $TORCH_VERSION (CPU) from ${source/#default/the default index}"
    # shellcheck disable=SC2046
    "$VENV/bin/pip" install --quiet $(torch_pip_args "$source") 2> >(grep -v "neither a file nor a directory" >&2)
  fi
  echo "installing mlnotes${extras:+[$extras]}"
  "$VENV/bin/pip" install --quiet -e ".${extras:+[$extras]}" 2> >(grep -v "neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
}

case "${1:-run}" in
  setup)
    setup "${MLNOTES_EXTRAS:-dev,chapters}"
    ;;
  test)
    setup "${MLNOTES_EXTRAS:-dev,chapters}"
    shift || true
    # the tests read the real index and the answer sentences precomputed beside it: build them (or find them
    # current, ~2 s) once here with every core, instead of one worker building the index on one thread while the
    # other waits and each worker embedding the answer sentences again; MLNOTES_TEST_INDEX=0 skips this
    if [ "${MLNOTES_TEST_INDEX:-1}" != "0" ]; then
      env -u OMP_NUM_THREADS -u MKL_NUM_THREADS HF_HUB_OFFLINE=1 "$VENV/bin/mlnotes" index --corpus corpus --out .mlnotes/index \
        || echo "warning: mlnotes index failed (above); the tests that need the index will build it or fail" >&2
    fi
    # two workers by default (the CI machine has 2 cores); MLNOTES_TEST_WORKERS=0 runs in one process
    exec "$VENV/bin/python" -m pytest -n "${MLNOTES_TEST_WORKERS:-2}" --dist loadfile "$@"
    ;;
  run)
    setup "${MLNOTES_EXTRAS:-chapters}"
    "$VENV/bin/mlnotes" index
    exec "$VENV/bin/mlnotes" serve "${@:2}"
    ;;
  torch-check)
    torch_check
    ;;
  *)
    echo "usage: bash scripts/dev.sh [run|test|setup|torch-check]" >&2
    exit 2
    ;;
esac
