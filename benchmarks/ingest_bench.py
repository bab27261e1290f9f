"""Ingest throughput and retrieval hit rate: Chronicle vs the naive LangChain pipeline, side by side in one process.

    python -m benchmarks.ingest_bench [--data DIR] [--week 20230901 | --questions N] [--runs 3]
                                      [--backends onnx,torch] [--threads 1,2] [--out FILE]

Corpus: one RealTimeQA week's ``*_gcs.jsonl`` (``--week``), or the first N gcs rows in week order (one row = one
question's ~10 search results; default: all 270 rows = 1,637 article records), written to one temporary JSON Lines
file that both pipelines read. Runs are interleaved (Chronicle, encoder alone, naive, Chronicle, ...) so CPU
contention from other users of the machine hits all alike; we report the median of ``--runs``. Model loading is
outside the timed region for both (Chronicle: a warm-up ingest of the seed article into a scratch store loads its
encoders once per backend); Chroma client creation, parsing, splitting, embedding and writing are inside, and for
Chronicle the keyword index and the retriever's refresh (``Chronicle.ingest`` returns with the store queryable, as
Chroma.from_documents does). Both run torch on one thread (Chronicle sets it process-wide); Chronicle's onnx backend
embeds with ``--threads`` intra-op threads during ingest (default: the settings' ``ingest_threads``).

Profile: every Chronicle run reports where its seconds went (``IngestReport.profile``: parse, chunk, statements,
events, embed, embed_wait, rows, write_<collection>, keyword, keyword_sync, generation), and ``encoder-<backend>``
is the encoder alone on exactly the passage texts Chronicle embeds (each distinct text once, the same batches and
threads), timed in the same interleaved rounds: ingest / encoder-only is the headroom left above the model.
Characters/s count the corpus's characters (title + text of every record) for every pipeline, so the ratio of two
pipelines' characters/s is the ratio of their times on the same input.

Naive pipeline: RecursiveCharacterTextSplitter(1000, 200) over "title\\n\\ntext" of every record (no
de-duplication, as LangChain does it) + HuggingFaceEmbeddings over the packaged all-MiniLM-L6-v2 *path* +
Chroma.from_documents.

Hit rate: for each question of the included rows, hit@k = the gold choice text, normalised (accents folded, lower
case, punctuation removed), occurs as a whole-word sequence in the concatenation of the top-k retrieved texts
(benchmarks.common.contains). Chronicle retrieves with Chronicle.retrieve (dense + BM25, RRF); naive with
similarity_search. Because a naive chunk is ~4x longer than a Chronicle passage, we also report the mean characters
the top-k hand to the reader.

Peak RSS: the envelope's ``peak_rss_mb`` is this whole process: the naive pipeline's torch model, both Chronicle
backends and every pipeline's last store (kept open for the hit rates) included. Chronicle's own ingest footprint
is measured by running ``ingest.py`` alone (``/usr/bin/time -v``; its text-stage worker process adds ~130 MB).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from app import Chronicle

KS = (5, 10)


def build_corpus(data: Path, n_rows: int | None, tmp: Path,
                 week_name: str | None = None) -> tuple[Path, list[dict[str, Any]], int]:
    """The first N gcs rows (or one week's) as one JSON Lines file, and the questions those rows were searched for."""
    rows, questions = [], {}
    for week in weeks(data):
        if week_name and week.name != week_name:
            continue
        for q in read_jsonl(week.qa):
            questions[q["question_id"]] = q
        rows.extend(read_jsonl(week.gcs))
    if not rows:
        raise SystemExit(f"no gcs rows for week {week_name!r} in {data}")
    rows = rows[:n_rows] if n_rows else rows
    path = tmp / "corpus.jsonl"
    with path.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    qs = [questions[r["question_id"]] for r in rows if r["question_id"] in questions]
    n_records = sum(len(r.get("search_result") or []) for r in rows)
    return path, qs, n_records


_WARM: set[tuple[str, int | None]] = set()
ENCODER_CALL = 1024  # texts per encoder call in the encoder-only run (~ one ingest batch: 32 news articles)


def _settings(store_dir: Path, backend: str, threads: int | None) -> Any:
    from app import load_settings

    return load_settings(vectorstore_dir=store_dir, embedding_backend=backend, ingest_threads=threads)


def warm_up(backend: str, threads: int | None, tmp: Path) -> None:
    """Load Chronicle's encoders (query and batch-ingest) and Chroma once per backend, outside any timed region: they
    are shared per process, so ingesting the seed article into a scratch store is enough."""
    from app import Chronicle

    if (backend, threads) not in _WARM:
        Chronicle(_settings(tmp / f"warm-{backend}-{threads}", backend, threads)).ingest([ROOT / "data" / "articles"])
        _WARM.add((backend, threads))


def run_chronicle(corpus: Path, store_dir: Path, backend: str, threads: int | None) -> dict[str, Any]:
    from app import Chronicle

    warm_up(backend, threads, store_dir.parent)
    t0 = time.perf_counter()
    chron = Chronicle(_settings(store_dir, backend, threads))
    report = chron.ingest([corpus])
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "articles_added": report.added + report.replaced,
        "characters_stored": report.characters,
        "passages": report.chunks,
        "statements": report.statements,
        "events": report.events,
        "errors": len(report.errors),
        "profile_s": {k: round(v, 2) for k, v in sorted(report.profile.items(), key=lambda kv: -kv[1])},
        "chronicle": chron,
    }


def passage_texts(chron: Any) -> list[str]:
    """The distinct passage texts a Chronicle ingest embedded (read back from its store, in article order)."""
    return list(dict.fromkeys(p.text for p in chron.store.all_passages()))


def run_encoder(texts: list[str], backend: str, threads: int | None, tmp: Path) -> dict[str, Any]:
    """The encoder alone on the same texts, called with one ingest batch's worth of passages at a time."""
    from app import Chronicle

    warm_up(backend, threads, tmp)
    chron = Chronicle(_settings(tmp / f"warm-{backend}-{threads}", backend, threads))
    t0 = time.perf_counter()
    for i in range(0, len(texts), ENCODER_CALL):
        chron.embed_batch(texts[i : i + ENCODER_CALL])
    return {"seconds": time.perf_counter() - t0, "passages": len(texts)}


def run_naive(corpus: Path, store_dir: Path, emb: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    docs = naive_documents([corpus])
    vs, n_chunks = build_naive(docs, store_dir, emb)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles_added": len(docs), "passages": n_chunks, "vectorstore": vs}


def _naive_search(vectorstore: Any, question: str, k: int) -> list[str]:  # a langchain Chroma (lazy import)
    return [d.page_content for d in vectorstore.similarity_search(question, k=k)]


def _chronicle_search(chron: Chronicle, question: str, k: int) -> list[str]:
    return [p.text for p in chron.retrieve(question, k)]


def hit_rates(questions: list[dict[str, Any]], search: Callable[[str, int], list[str]]) -> dict[str, Any]:
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


def _variants(backends: list[str], threads: list[int | None]) -> list[tuple[str, str, int | None]]:
    """(name, backend, ingest threads) of every Chronicle variant; the thread count is in the name when several are
    compared."""
    out = []
    for b in backends:
        for t in threads if b == "onnx" else [None]:  # torch runs on one thread whatever ingest_threads says
            out.append((f"chronicle-{b}" + (f"-t{t}" if b == "onnx" and len(threads) > 1 else ""), b, t))
    return out


def input_characters(corpus: Path) -> int:
    """Characters of the corpus as both pipelines read it: title + text of every record (duplicates included)."""
    return sum(len(r.get("title") or "") + len(r.get("text") or "")
               for row in read_jsonl(corpus) for r in row.get("search_result") or [] if isinstance(r, dict))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "ingest.json", DEFAULT_DATA)
    ap.add_argument("--questions", type=int, default=None, help="first N gcs rows (default all)")
    ap.add_argument("--week", default=None, help="one week's gcs rows instead, e.g. 20230901")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backends", default="onnx,torch", help="Chronicle embedding backends to compare")
    ap.add_argument("--threads", default="", help="ingest_threads values to compare, e.g. 1,2 (default: settings)")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--no-encoder", action="store_true", help="skip the encoder-only runs")
    args = ap.parse_args(argv)
    if not args.data.exists() or not weeks(args.data):
        return skip(f"no RealTimeQA data at {args.data}", args.out)

    import torch

    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp(prefix="chronicle-ingest-bench-"))
    try:
        corpus, questions, n_records = build_corpus(args.data, args.questions, tmp, args.week)
        chars = input_characters(corpus)
        threads: list[int | None] = [int(t) for t in args.threads.split(",") if t] or [None]
        variants = _variants([b for b in args.backends.split(",") if b], threads)
        pipelines = [name for name, _, _ in variants]
        if not args.no_encoder:
            pipelines += [f"encoder-{name[10:]}" for name, _, _ in variants]
        pipelines += [] if args.no_naive else ["naive"]
        spec = {name: (b, t) for name, b, t in variants}
        emb = naive_embeddings() if not args.no_naive else None
        runs: dict[str, list[dict[str, Any]]] = {p: [] for p in pipelines}
        last: dict[str, Any] = {}
        texts: dict[str, list[str]] = {}
        for r in range(args.runs):
            for p in pipelines:
                store_dir = tmp / f"{p}-{r}"
                if p == "naive":
                    res = run_naive(corpus, store_dir, emb)
                elif p.startswith("encoder-"):
                    name = "chronicle-" + p[8:]
                    res = run_encoder(texts[name], *spec[name], tmp)
                else:
                    res = run_chronicle(corpus, store_dir, *spec[p])
                    texts.setdefault(p, passage_texts(res["chronicle"]))
                print(f"run {r + 1}/{args.runs} {p}: {res['seconds']:.1f} s, {res['passages']} passages "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
                if "profile_s" in res:
                    print(f"  profile: {res['profile_s']}", flush=True)
                if p in last and "chronicle" in last[p]:
                    last[p]["chronicle"].store.close()  # release the previous round's store (its vector index)
                last[p] = res
                runs[p].append({k: v for k, v in res.items() if k not in ("chronicle", "vectorstore")})
        summary: dict[str, Any] = {}
        for p in pipelines:
            secs = [x["seconds"] for x in runs[p]]
            summary[p] = {
                "median_s": round(median(secs), 2),
                "runs_s": [round(s, 2) for s in secs],
                "records_per_s": round(n_records / median(secs), 2),
                "chars_per_s": round(chars / median(secs)),
                "passages": runs[p][-1]["passages"],
            }
            if p in spec:
                summary[p]["profile_s"] = runs[p][-1]["profile_s"]
                summary[p]["statements"] = runs[p][-1]["statements"]
                summary[p]["events"] = runs[p][-1]["events"]
                summary[p]["characters_stored"] = runs[p][-1]["characters_stored"]
        for p in pipelines:
            if p == "naive":
                vs = last[p]["vectorstore"]
                summary[p].update(hit_rates(questions, partial(_naive_search, vs)))
            elif p in spec:
                chron = last[p]["chronicle"]
                summary[p].update(hit_rates(questions, partial(_chronicle_search, chron)))
        for p in spec:
            if "naive" in summary:
                summary[p]["speedup_vs_naive"] = round(summary["naive"]["median_s"] / summary[p]["median_s"], 2)
            enc = summary.get("encoder-" + p[10:])
            if enc:
                summary[p]["vs_encoder_only"] = round(summary[p]["median_s"] / enc["median_s"], 2)
        result = envelope("ingest", {
            "records": n_records,
            "gcs_rows": len(read_jsonl(corpus)),
            "week": args.week,
            "input_chars": chars,
            "runs": args.runs,
            "pipelines": summary,
            "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
        })
        print(json.dumps(summary, indent=2))
        write_json(args.out, result)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
