"""Chronicle's benchmarks: speed, memory and answer quality against targets, measured outside the test suite.

Run from the project root, as modules of this package:

    .venv/bin/python -m benchmarks.run_all [--quick] [--no-llm] [--builds]   # everything, then results/results.md
    .venv/bin/python -m benchmarks.<name> --help                             # one benchmark, e.g. latency

Every benchmark builds its command line with ``benchmarks.common.base_parser``, writes one JSON result wrapped in
``benchmarks.common.envelope`` (machine, versions, peak RSS, arguments, time) and uses Chronicle through its public
API only (``app`` and ``app.eval``). See benchmarks/README.md for the list.
"""
