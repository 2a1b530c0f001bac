#!/usr/bin/env bash
# One entry point for a fresh machine:
#   bash scripts/dev.sh run    set up, build the index if missing, serve the UI and API on 127.0.0.1
#   bash scripts/dev.sh test   set up (with test extras) and run the test suite
#   bash scripts/dev.sh setup  only set up
# Idempotent: the virtual environment is reused, and pip runs again only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${MLNOTES_VENV:-.venv}"
TORCH_VERSION="${MLNOTES_TORCH_VERSION:-2.13.0}"

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false GRADIO_ANALYTICS_ENABLED=False

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
    echo "installing torch $TORCH_VERSION (CPU)"
    "$VENV/bin/pip" install --quiet "torch==$TORCH_VERSION" 2> >(grep -v "neither a file nor a directory" >&2)
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
    # two workers by default (the CI machine has 2 cores); MLNOTES_TEST_WORKERS=0 runs in one process
    exec "$VENV/bin/python" -m pytest -n "${MLNOTES_TEST_WORKERS:-2}" --dist loadfile "$@"
    ;;
  run)
    setup "${MLNOTES_EXTRAS:-chapters}"
    "$VENV/bin/mlnotes" index
    exec "$VENV/bin/mlnotes" serve "${@:2}"
    ;;
  *)
    echo "usage: bash scripts/dev.sh [run|test|setup]" >&2
    exit 2
    ;;
esac
