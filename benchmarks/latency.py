"""Query-time latency at scale and on the seed article; keyword-index rebuild/load cost; peak memory.

    python benchmarks/latency.py [--data DIR] [--store DIR] [--backend onnx|torch] [--repeat 3] [--out FILE]

- seed: a fresh store with data/articles (the seed article); Chronicle.ask(q, mode="extractive") over SEED_QUESTIONS.
- scale: a store holding every RealTimeQA-dev article (``--store`` reuses one built earlier, else it is built here
  with ``python ingest.py`` semantics and kept under benchmarks/results/scale-store-<backend>, git-ignored);
  HybridRetriever.retrieve and Chronicle.ask(mode="extractive") over the 270 dev questions.
- Each question set is run ``--repeat`` times after one warm-up pass; p50/p95 over all timed calls.
- BM25: time of rebuild_bm25 over the whole store, time of BM25Index.load, and, in a *new process*, whether the
  retriever loaded the saved index or rebuilt it (it must load).
- Peak RSS of this process (resource.getrusage) after all of the above.
"""

from __future__ import annotations

import argparse
import glob
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DEFAULT_DATA,
    RESULTS,
    ROOT,
    machine,
    peak_rss_mb,
    read_jsonl,
    stats_ms,
    versions,
    weeks,
    write_json,
)

SEED_QUESTIONS = [
    "What did Blinken say about Azerbaijan?",
    "How many people were killed according to the separatist authorities?",
    "What did Azerbaijan's defence ministry say it had seized?",
    "Who is Hikmet Hajiyev?",
    "What did Russia say about the fighting?",
    "What is Stepanakert?",
    "When was the latest war over Nagorno-Karabakh?",
    "What did Armenian Prime Minister Nikol Pashinyan speak of?",
]

_CHECK_LOAD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from app.query import retrieval
from app.config import load_settings
from app.store.registry import get_retriever
calls = []
real = retrieval.rebuild_bm25
retrieval.rebuild_bm25 = lambda *a, **k: calls.append(1) or real(*a, **k)
s = load_settings(vectorstore_dir=Path({store!r}), embedding_backend={backend!r})
r = get_retriever(s)
t = time.perf_counter(); r.refresh(force=True); ms = (time.perf_counter() - t) * 1000
print({{"rebuilt": bool(calls), "refresh_ms": round(ms, 1)}})
"""


def timed(fn, items: list[str], repeat: int) -> list[float]:  # noqa: ANN001
    for q in items:  # warm-up: caches, lazy imports
        fn(q)
    out = []
    for _ in range(repeat):
        for q in items:
            t0 = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def ensure_scale_store(data: Path, store: Path | None, backend: str) -> tuple[Path, dict[str, Any]]:
    from app.config import load_settings
    from app.ingest.pipeline import ingest_paths

    store = store or RESULTS / f"scale-store-{backend}"
    settings = load_settings(vectorstore_dir=store, embedding_backend=backend)
    files = [Path(f) for f in sorted(glob.glob(str(data / "*_gcs.jsonl")))]
    report = ingest_paths(files, settings, progress=True)  # a no-op when the store is complete (resumable)
    return store, {"ingest_seconds_this_run": round(report.seconds, 1), "added": report.added, "summary": report.summary()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--store", type=Path, default=None, help="a scale store built earlier (else built here)")
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-scale", action="store_true", help="seed article only")
    ap.add_argument("--out", type=Path, default=RESULTS / "latency.json")
    args = ap.parse_args(argv)

    from app.chronicle import Chronicle
    from app.config import load_settings

    result: dict[str, Any] = {"benchmark": "latency", "backend": args.backend, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="chronicle-seed-") as tmp:
        seed = Chronicle(load_settings(vectorstore_dir=Path(tmp), embedding_backend=args.backend))
        seed.ingest([ROOT / "data" / "articles"])
        result["seed"] = {
            "extractive_ms": stats_ms(timed(lambda q: seed.ask(q, mode="extractive"), SEED_QUESTIONS, args.repeat)),
            "retrieve_ms": stats_ms(timed(seed.retrieve, SEED_QUESTIONS, args.repeat)),
        }
        print("seed", json.dumps(result["seed"]), flush=True)

    if not args.no_scale and args.data.exists() and weeks(args.data):
        from app.store.keyword import BM25Index
        from app.store.registry import get_store
        from app.query.retrieval import rebuild_bm25

        store_dir, built = ensure_scale_store(args.data, args.store, args.backend)
        settings = load_settings(vectorstore_dir=store_dir, embedding_backend=args.backend)
        chron = Chronicle(settings)
        questions = [q["question_sentence"] for w in weeks(args.data) for q in read_jsonl(w.qa)]
        store = get_store(settings)
        scale: dict[str, Any] = {
            "store": str(store_dir),
            "articles": store.count("articles"),
            "passages": store.count("chunks"),
            "statements": store.count("statements"),
            "events": store.count("events"),
            "build": built,
            "questions": len(questions),
        }
        t0 = time.perf_counter()
        chron.retriever.refresh(force=True)
        scale["retriever_refresh_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        scale["retrieve_ms"] = stats_ms(timed(chron.retrieve, questions, args.repeat))
        print("scale retrieve", json.dumps(scale["retrieve_ms"]), flush=True)
        scale["extractive_ms"] = stats_ms(timed(lambda q: chron.ask(q, mode="extractive"), questions, args.repeat))
        print("scale extractive", json.dumps(scale["extractive_ms"]), flush=True)
        t0 = time.perf_counter()
        rebuild_bm25(store, "bench")
        scale["bm25_rebuild_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        BM25Index.load(store_dir / "bm25")
        scale["bm25_load_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        code = _CHECK_LOAD.format(root=str(ROOT), store=str(store_dir), backend=args.backend)
        scale["new_process"] = new_process_check(code)
        result["scale"] = scale
    else:
        result["scale"] = {"skipped": f"no RealTimeQA data at {args.data}" if not args.no_scale else "--no-scale"}
    result["peak_rss_mb"] = peak_rss_mb()
    result["machine"] = machine()
    result["versions"] = versions()
    write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine", "versions")}, indent=2))
    return result


def new_process_check(code: str) -> str:
    """Run the load check in a fresh interpreter: its last stdout line, or the tail of its error."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]


if __name__ == "__main__":
    main()
