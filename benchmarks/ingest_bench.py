"""Ingest throughput and retrieval hit rate: Chronicle vs the naive LangChain pipeline, side by side in one process.

    python -m benchmarks.ingest_bench [--data DIR] [--questions N] [--runs 3] [--backends onnx,torch] [--out FILE]

Corpus: the RealTimeQA ``*_gcs.jsonl`` rows (one row = one question's ~10 search results), the first N rows in
week order (default: all 270 rows = 1,637 article records), written to one temporary JSON Lines file that both
pipelines read. Runs are interleaved (Chronicle, naive, Chronicle, naive, ...) so CPU contention from other users
of the machine hits both alike; we report the median of ``--runs``. Model loading is outside the timed region for
both (Chronicle: a warm-up ingest of the seed article into a scratch store loads its encoders once per backend);
Chroma client creation, parsing, splitting, embedding and writing are inside, and for Chronicle the keyword index
and the retriever's refresh (``Chronicle.ingest`` returns with the store queryable, as Chroma.from_documents does).
Both run torch on one thread (Chronicle sets it process-wide); Chronicle's onnx backend embeds with
``ingest_threads`` intra-op threads during ingest (settings, default 2) and one per query.

Naive pipeline: RecursiveCharacterTextSplitter(1000, 200) over "title\\n\\ntext" of every record (no de-duplication,
as LangChain does it) + HuggingFaceEmbeddings over the packaged all-MiniLM-L6-v2 *path* + Chroma.from_documents.

Hit rate: for each question of the included rows, hit@k = the gold choice text, normalised (accents folded, lower
case, punctuation removed), occurs as a whole-word sequence in the concatenation of the top-k retrieved texts
(benchmarks.common.contains). Chronicle retrieves with Chronicle.retrieve (dense + BM25, RRF); naive with
similarity_search. Because a naive chunk is ~4x longer than a Chronicle passage, we also report the mean characters
the top-k hand to the reader.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    RESULTS,
    ROOT,
    base_parser,
    contains,
    envelope,
    gold,
    median,
    read_jsonl,
    skip,
    weeks,
    write_json,
)
from benchmarks.naive import build_naive, naive_documents, naive_embeddings

KS = (5, 10)


def build_corpus(data: Path, n_rows: int | None, tmp: Path) -> tuple[Path, list[dict[str, Any]], int]:
    """The first N gcs rows as one JSON Lines file, and the questions those rows were searched for."""
    rows, questions = [], {}
    for week in weeks(data):
        for q in read_jsonl(week.qa):
            questions[q["question_id"]] = q
        rows.extend(read_jsonl(week.gcs))
    rows = rows[:n_rows] if n_rows else rows
    path = tmp / "corpus.jsonl"
    with path.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    qs = [questions[r["question_id"]] for r in rows if r["question_id"] in questions]
    n_records = sum(len(r.get("search_result") or []) for r in rows)
    return path, qs, n_records


_WARM: set[str] = set()


def warm_up(backend: str, tmp: Path) -> None:
    """Load Chronicle's encoders (query and batch-ingest) and Chroma once per backend, outside any timed region: they
    are shared per process, so ingesting the seed article into a scratch store is enough."""
    from app import Chronicle, load_settings

    if backend not in _WARM:
        Chronicle(load_settings(vectorstore_dir=tmp / f"warm-{backend}", embedding_backend=backend)).ingest(
            [ROOT / "data" / "articles"])
        _WARM.add(backend)


def run_chronicle(corpus: Path, store_dir: Path, backend: str) -> dict[str, Any]:
    from app import Chronicle, load_settings

    warm_up(backend, store_dir.parent)
    t0 = time.perf_counter()
    chron = Chronicle(load_settings(vectorstore_dir=store_dir, embedding_backend=backend))
    report = chron.ingest([corpus])
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "articles_added": report.added + report.replaced,
        "passages": report.chunks,
        "statements": report.statements,
        "events": report.events,
        "errors": len(report.errors),
        "chronicle": chron,
    }


def run_naive(corpus: Path, store_dir: Path, emb: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    docs = naive_documents([corpus])
    vs, n_chunks = build_naive(docs, store_dir, emb)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles_added": len(docs), "passages": n_chunks, "vectorstore": vs}


def hit_rates(questions: list[dict[str, Any]], search) -> dict[str, Any]:  # noqa: ANN001
    """search(question, k) -> list of texts; hit@k and mean characters of the top-k."""
    out: dict[str, Any] = {}
    kmax = max(KS)
    hits = {k: 0 for k in KS}
    chars = {k: 0 for k in KS}
    for q in questions:
        texts = search(q["question_sentence"], kmax)
        for k in KS:
            top = texts[:k]
            chars[k] += sum(len(t) for t in top)
            hits[k] += contains(" \n ".join(top), gold(q))
    n = max(len(questions), 1)
    for k in KS:
        out[f"hit@{k}"] = round(hits[k] / n, 3)
        out[f"chars@{k}"] = round(chars[k] / n)
    out["questions"] = len(questions)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "ingest.json", DEFAULT_DATA)
    ap.add_argument("--questions", type=int, default=None, help="first N gcs rows (default all)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backends", default="onnx,torch", help="Chronicle embedding backends to compare")
    ap.add_argument("--no-naive", action="store_true")
    args = ap.parse_args(argv)
    if not args.data.exists() or not weeks(args.data):
        return skip(f"no RealTimeQA data at {args.data}", args.out)

    import torch

    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp(prefix="chronicle-ingest-bench-"))
    try:
        corpus, questions, n_records = build_corpus(args.data, args.questions, tmp)
        backends = [b for b in args.backends.split(",") if b]
        pipelines = [f"chronicle-{b}" for b in backends] + ([] if args.no_naive else ["naive"])
        emb = naive_embeddings() if not args.no_naive else None
        runs: dict[str, list[dict[str, Any]]] = {p: [] for p in pipelines}
        last: dict[str, Any] = {}
        for r in range(args.runs):
            for p in pipelines:
                store_dir = tmp / f"{p}-{r}"
                res = run_naive(corpus, store_dir, emb) if p == "naive" else run_chronicle(corpus, store_dir, p[10:])
                print(f"run {r + 1}/{args.runs} {p}: {res['seconds']:.1f} s, {res['passages']} passages", flush=True)
                last[p] = res
                runs[p].append({k: v for k, v in res.items() if k not in ("chronicle", "vectorstore")})
        summary: dict[str, Any] = {}
        for p in pipelines:
            secs = [x["seconds"] for x in runs[p]]
            summary[p] = {
                "median_s": round(median(secs), 2),
                "runs_s": [round(s, 2) for s in secs],
                "records_per_s": round(n_records / median(secs), 2),
                "passages": runs[p][-1]["passages"],
            }
        for p in pipelines:
            if p == "naive":
                vs = last[p]["vectorstore"]
                summary[p].update(hit_rates(questions, lambda q, k, vs=vs: [d.page_content
                                                                             for d in vs.similarity_search(q, k=k)]))
            else:
                chron = last[p]["chronicle"]
                summary[p].update(hit_rates(questions, lambda q, k, c=chron: [x.text for x in c.retrieve(q, k)]))
        if "naive" in summary:
            for p in pipelines:
                if p != "naive":
                    summary[p]["speedup_vs_naive"] = round(summary["naive"]["median_s"] / summary[p]["median_s"], 2)
        result = envelope("ingest", {
            "records": n_records,
            "gcs_rows": len(read_jsonl(corpus)),
            "runs": args.runs,
            "pipelines": summary,
        })
        print(json.dumps(summary, indent=2))
        write_json(args.out, result)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
