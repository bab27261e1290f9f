# The two commands of the README: `make run` (web chat over the bundled article) and `make test`.
.PHONY: setup run test test-fast lint eval bench

setup:
	bash scripts/setup.sh

run: setup
	.venv/bin/python -m app run

test: setup lint
	bash scripts/install-system-deps.sh
	.venv/bin/python -m pytest -q tests

test-fast: setup lint
	.venv/bin/python -m pytest -q -m "not llm and not browser" tests

lint: setup
	.venv/bin/ruff check app tests benchmarks scripts ingest.py

eval: setup
	.venv/bin/python -m app.eval --ingest --mode all

bench: setup
	.venv/bin/python -m benchmarks.run_all
