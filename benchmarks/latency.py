"""Query-time latency at scale and on the seed article; keyword-index rebuild/load cost; peak memory.

    python -m benchmarks.latency [--data DIR] [--store DIR] [--backend onnx|torch] [--repeat 3] [--no-scale]
                                 [--out FILE]

- seed: a fresh store with data/articles (the seed article); Chronicle.ask(q, mode="extractive") over SEED_QUESTIONS.
- scale: a store holding every RealTimeQA-dev article (``--store`` reuses one built earlier, else it is built here
  with Chronicle.ingest, resumable, and kept under benchmarks/results/scale-store-<backend>, git-ignored);
  Chronicle.retrieve and Chronicle.ask(mode="extractive") over the 270 dev questions.
- Each question set is run ``--repeat`` times after one warm-up pass; p50/p95 over all timed calls.
- BM25 (the keyword index, kept in place beside the store, app.store.keyword): rebuild = the retriever's refresh
  with the index file moved away (built from Chroma's passages: what migrating an old store costs once); load = the
  same refresh with the index present and in step (nothing to do); and, in a *new process*, whether the retriever
  used the index as it is or had to catch it up with the store (it must not).
- Peak RSS of this process (resource.getrusage) after all of the above.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    RESULTS,
    ROOT,
    base_parser,
    envelope,
    read_jsonl,
    stats_ms,
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

# Run in a fresh interpreter (cwd = the project root): did the retriever load the saved keyword index, or rebuild it?
# A rebuild saves a new index folder, so the manifest's modification time tells.
_CHECK_LOAD = """
import time
from pathlib import Path
from app import Chronicle, load_settings
s = load_settings(vectorstore_dir=Path({store!r}), embedding_backend={backend!r})
# the keyword index of an embedded store (app.store.keyword.index_path) and its WAL: written only to catch up
files = [s.vectorstore_dir / "keyword.sqlite3", s.vectorstore_dir / "keyword.sqlite3-wal"]
before = [f.stat().st_mtime_ns if f.exists() else None for f in files]
t = time.perf_counter(); Chronicle(s).retriever.refresh(force=True); ms = (time.perf_counter() - t) * 1000
after = [f.stat().st_mtime_ns if f.exists() else None for f in files]
print({{"rebuilt": before != after, "refresh_ms": round(ms, 1)}})
"""


def timed(fn: Callable[[str], Any], items: list[str], repeat: int) -> list[float]:
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
    from app import Chronicle, load_settings

    store = store or RESULTS / f"scale-store-{backend}"
    chron = Chronicle(load_settings(vectorstore_dir=store, embedding_backend=backend))
    files = sorted(data.glob("*_gcs.jsonl"))
    report = chron.ingest(files, progress=True)  # a no-op when the store is complete (resumable)
    built = {"ingest_seconds_this_run": round(report.seconds, 1), "added": report.added, "summary": report.summary()}
    return store, built


def bm25_timings(chron: Any) -> dict[str, float]:
    """Rebuild (index file moved away) and load (index present) through the retriever's refresh."""
    from app import clear_caches

    # Where the keyword index lives for an embedded store: app.store.keyword.index_path(settings), internal, so the
    # same path is computed here.
    index = chron.settings.vectorstore_dir / "keyword.sqlite3"
    aside = index.with_name(index.name + ".bench-aside")
    clear_caches()  # closes the index's connections (the retriever opens it again)
    for f in index.parent.glob(index.name + "-*"):  # WAL and shared-memory files: checkpointed when closed
        f.unlink()
    index.rename(aside)
    try:
        t0 = time.perf_counter()
        chron.retriever.refresh(force=True)
        rebuild_s = time.perf_counter() - t0
    finally:
        if index.exists():
            aside.unlink(missing_ok=True)
        else:
            aside.rename(index)
    t0 = time.perf_counter()
    chron.retriever.refresh(force=True)
    load_ms = (time.perf_counter() - t0) * 1000
    return {"bm25_rebuild_s": round(rebuild_s, 2), "bm25_load_ms": round(load_ms, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "latency.json", DEFAULT_DATA)
    ap.add_argument("--store", type=Path, default=None, help="a scale store built earlier (else built here)")
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-scale", action="store_true", help="seed article only")
    args = ap.parse_args(argv)

    from app import Chronicle, clear_caches, load_settings

    payload: dict[str, Any] = {"backend": args.backend, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="chronicle-seed-") as tmp:
        seed = Chronicle(load_settings(vectorstore_dir=Path(tmp), embedding_backend=args.backend))
        seed.ingest([ROOT / "data" / "articles"])
        payload["seed"] = {
            "extractive_ms": stats_ms(timed(lambda q: seed.ask(q, mode="extractive"), SEED_QUESTIONS, args.repeat)),
            "retrieve_ms": stats_ms(timed(seed.retrieve, SEED_QUESTIONS, args.repeat)),
        }
        print("seed", json.dumps(payload["seed"]), flush=True)
        clear_caches(close=True)

    if not args.no_scale and args.data.exists() and weeks(args.data):
        store_dir, built = ensure_scale_store(args.data, args.store, args.backend)
        chron = Chronicle(load_settings(vectorstore_dir=store_dir, embedding_backend=args.backend))
        questions = [q["question_sentence"] for w in weeks(args.data) for q in read_jsonl(w.qa)]
        scale: dict[str, Any] = {
            "store": str(store_dir),
            "articles": chron.store.count("articles"),
            "passages": chron.store.count("chunks"),
            "statements": chron.store.count("statements"),
            "events": chron.store.count("events"),
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
        scale.update(bm25_timings(chron))
        scale["new_process"] = new_process_check(_CHECK_LOAD.format(store=str(store_dir), backend=args.backend))
        payload["scale"] = scale
    else:
        payload["scale"] = {"skipped": f"no RealTimeQA data at {args.data}" if not args.no_scale else "--no-scale"}
    result = envelope("latency", payload)
    write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine", "versions")}, indent=2))
    return result


def new_process_check(code: str) -> str:
    """Run the load check in a fresh interpreter: its last stdout line, or the tail of its error."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]


if __name__ == "__main__":
    main()
