"""Retrieval hit rate at full size: a Chronicle store holding all dev articles vs the naive LangChain store.

    python benchmarks/hit_rate.py --store benchmarks/results/scale-store-onnx [--backend onnx] [--data DIR] [--out F]
                                  [--naive-from benchmarks/results/results.json]

The Chronicle store is one built earlier (``python ingest.py .../*_gcs.jsonl`` or benchmarks/latency.py); the naive
store is built here once (timed, one run) with the pipeline of ingest_bench.py. All 270 dev questions are asked of
the pooled store (this is a retrieval test at scale, not the per-week RealTimeQA setting). hit@k as in
ingest_bench.py: the normalised gold choice text occurs in the concatenated top-k texts. The naive side does not
depend on Chronicle's code: ``--naive-from`` reuses its numbers from an earlier hit_rate (or results.json) run
instead of spending ~25 minutes rebuilding it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA, RESULTS, machine, peak_rss_mb, read_jsonl, skip, versions, weeks, write_json  # noqa: E402
from ingest_bench import build_corpus, hit_rates, naive_embeddings, run_naive  # noqa: E402


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--out", type=Path, default=RESULTS / "hit_rate.json")
    ap.add_argument("--naive-from", type=Path, default=None, help="reuse the naive numbers of an earlier run's JSON")
    args = ap.parse_args(argv)
    if not args.data.exists() or not weeks(args.data):
        return skip(f"no RealTimeQA data at {args.data}", args.out)

    import torch

    from app.store.registry import get_retriever
    from app.config import load_settings

    torch.set_num_threads(1)
    retriever = get_retriever(load_settings(vectorstore_dir=args.store, embedding_backend=args.backend))
    tmp = Path(tempfile.mkdtemp(prefix="chronicle-hit-"))
    try:
        corpus, questions, n_records = build_corpus(args.data, None, tmp)
        chron = hit_rates(questions, lambda q, k: [x.text for x in retriever.retrieve(q, k)])
        print("chronicle", chron, flush=True)
        if args.naive_from:
            earlier = json.loads(args.naive_from.read_text())
            naive = dict((earlier.get("hit_rate") or earlier)["naive"], reused_from=str(args.naive_from))
        else:
            naive_run = run_naive(corpus, tmp / "naive", naive_embeddings())
            vs = naive_run["vectorstore"]
            naive = hit_rates(questions, lambda q, k: [d.page_content for d in vs.similarity_search(q, k=k)])
            naive["build_s"] = round(naive_run["seconds"], 1)
            naive["passages"] = naive_run["passages"]
        print("naive", naive, flush=True)
        result = {
            "benchmark": "hit_rate",
            "records": n_records,
            "gcs_rows": len(read_jsonl(corpus)),
            f"chronicle-{args.backend}": chron,
            "naive": naive,
            "peak_rss_mb": peak_rss_mb(),
            "machine": machine(),
            "versions": versions(),
        }
        write_json(args.out, result)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
