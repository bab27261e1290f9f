"""Retrieval hit rate at full size: a Chronicle store holding all dev articles vs the naive LangChain store.

    python -m benchmarks.hit_rate --store benchmarks/results/scale-store-onnx [--backend onnx] [--data DIR]
                                  [--out F] [--naive-from benchmarks/results/results.json]

The Chronicle store is one built earlier (``python ingest.py .../*_gcs.jsonl`` or ``python -m benchmarks.latency``);
the naive store is built here once (timed, one run) with the pipeline of benchmarks.ingest_bench. All 270 dev
questions are asked of the pooled store (this is a retrieval test at scale, not the per-week RealTimeQA setting).
hit@k as in ingest_bench: the gold choice text occurs, whole-word and normalised, in the concatenated top-k texts.
The naive side does not depend on Chronicle's code: ``--naive-from`` reuses its numbers from an earlier hit_rate
(or results.json) run instead of spending ~25 minutes rebuilding it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_DATA, RESULTS, base_parser, envelope, read_jsonl, skip, weeks, write_json
from benchmarks.ingest_bench import build_corpus, hit_rates, naive_embeddings, run_naive


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "hit_rate.json", DEFAULT_DATA)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--naive-from", type=Path, default=None, help="reuse the naive numbers of an earlier run's JSON")
    args = ap.parse_args(argv)
    if not args.data.exists() or not weeks(args.data):
        return skip(f"no RealTimeQA data at {args.data}", args.out)

    import torch

    from app import Chronicle, load_settings

    torch.set_num_threads(1)
    chron = Chronicle(load_settings(vectorstore_dir=args.store, embedding_backend=args.backend))
    tmp = Path(tempfile.mkdtemp(prefix="chronicle-hit-"))
    try:
        corpus, questions, n_records = build_corpus(args.data, None, tmp)
        mine = hit_rates(questions, lambda q, k: [x.text for x in chron.retrieve(q, k)])
        print("chronicle", mine, flush=True)
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
        result = envelope("hit_rate", {
            "records": n_records,
            "gcs_rows": len(read_jsonl(corpus)),
            f"chronicle-{args.backend}": mine,
            "naive": naive,
        })
        write_json(args.out, result)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
