# The two commands of the README: `make run` (web chat over the bundled article) and `make test`.
.PHONY: setup run test test-fast eval bench

setup:
	bash scripts/setup.sh

run: setup
	.venv/bin/python -m app run

test: setup
	bash scripts/install-system-deps.sh
	.venv/bin/python -m pytest -q tests

test-fast: setup
	.venv/bin/python -m pytest -q -m "not llm and not browser" tests

eval: setup
	.venv/bin/python -m app.eval --ingest --mode all

bench: setup
	.venv/bin/python benchmarks/run_all.py
