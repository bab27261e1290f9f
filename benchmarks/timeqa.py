"""TimeQA (human-annotated, dev half): time-scoped questions over long Wikipedia documents.

    python -m benchmarks.timeqa [--data ../shared/datasets/timeqa-dev] [--limit N] [--mode extractive|llm]
                                [--store DIR] [--out FILE]

Each document's paragraphs become one article (a JSON record {title, text}, no publication date), all ingested into
a temporary store per run, so every question is asked against all documents. Questions go through
Chronicle.ask, whose router tries the timeline route (dated events) before plain search; the route each answer took
is reported, with the accuracy per route. Metrics (matching = benchmarks.common.contains: WHOLE-WORD, accents
folded, lower case, punctuation to spaces; before this was shared, TimeQA matched substrings, so "1990" used to
count inside "1990s"):
- accuracy: a gold answer span occurs in the answer;
- hit@k: a gold span occurs in the k passages the hybrid retriever returns for the question;
- source hit: a gold span is in the numbered sources the answerer was given (what the answer could quote).
Results (per question, with dataset text) go to --out, by default outside the repository.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, base_parser, contains, envelope, skip, write_json

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "timeqa-dev"


def contains_gold(text: str, golds: list[str]) -> bool:
    return any(contains(text, g) for g in golds)


def load_docs(data: Path) -> list[dict[str, Any]]:
    files = sorted(data.glob("*.json"))
    if not files:
        return []
    return json.loads(files[0].read_text(encoding="utf-8"))


def write_records(docs: list[dict[str, Any]], folder: Path) -> Path:
    """One JSON record {title, text} per document (same link = same text = one article after dedup)."""
    path = folder / "timeqa.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for doc in docs:
            title = doc["link"].rsplit("/", 1)[-1].replace("_", " ")
            text = "\n\n".join(p.strip() for p in doc["paras"] if p.strip())
            text = re.sub(r"<(?=p|div)", "< ", text)  # plain text, not HTML: the record reader sniffs "<p"
            fh.write(json.dumps({"title": title, "text": text}, ensure_ascii=False) + "\n")
    return path


def questions(docs: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    out = []
    for doc in docs:
        for question, answers in doc["questions"]:
            golds = [a["answer"] for a in answers if a.get("answer")]
            if golds:
                out.append((question, golds))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__, Path(tempfile.gettempdir()) / "chronicle-timeqa.json", DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="first N questions only")
    parser.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    parser.add_argument("--store", type=Path, help="reuse this vector store dir across runs (default: a temp one)")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_absolute() else (ROOT / args.data).resolve()
    docs = load_docs(data) if data.exists() else []
    if not docs:
        skip(f"no TimeQA data at {data}", args.out)
        return 0

    from app import Chronicle, clear_caches, load_settings

    items = questions(docs)[: args.limit] if args.limit else questions(docs)
    with tempfile.TemporaryDirectory(prefix="timeqa-") as tmp:
        store_dir = args.store.resolve() if args.store else Path(tmp) / "store"
        settings = load_settings(vectorstore_dir=store_dir, answer_mode=args.mode)
        chron = Chronicle(settings)
        t0 = time.perf_counter()
        report = chron.ingest([write_records(docs, Path(tmp))])
        ingest_s = time.perf_counter() - t0
        print(report.summary(), file=sys.stderr)
        rows: list[dict[str, Any]] = []
        for i, (question, golds) in enumerate(items, 1):
            passages = chron.retrieve(question, settings.k)
            t0 = time.perf_counter()
            answer = chron.ask(question, mode=args.mode)
            ms = (time.perf_counter() - t0) * 1000
            sources = [s.text for s in answer.sources]
            rows.append({
                "question": question,
                "gold": golds,
                "answer": answer.text,
                "route": answer.route,
                "sources": sources,
                "abstained": answer.abstained,
                "ms": ms,
                "correct": contains_gold(answer.text, golds),
                "hit_at_k": any(contains_gold(p.text, golds) for p in passages),
                "source_hit": any(contains_gold(s, golds) for s in sources),
            })
            if i % 25 == 0:
                print(f"{i}/{len(items)} questions", file=sys.stderr)
        clear_caches(close=True)
    n = len(rows)
    routes: dict[str, int] = {}
    for r in rows:
        routes[r["route"]] = routes.get(r["route"], 0) + 1
    latencies = sorted(r["ms"] for r in rows)
    summary = {
        "questions": n,
        "documents": len(docs),
        "mode": args.mode,
        "matching": "whole-word (benchmarks.common.contains)",
        "k": settings.k,
        "accuracy": sum(r["correct"] for r in rows) / n,
        "hit_at_k": sum(r["hit_at_k"] for r in rows) / n,
        "source_hit": sum(r["source_hit"] for r in rows) / n,
        "abstained": sum(bool(r.get("abstained")) or not r["answer"] for r in rows) / n,
        "routes": routes,
        "median_ms": latencies[n // 2],
        "p95_ms": latencies[min(n - 1, int(0.95 * n))],
        "ingest_s": round(ingest_s, 1),
    }
    for route in sorted(routes):
        sub = [r for r in rows if r["route"] == route]
        summary[f"accuracy[{route}]"] = sum(r["correct"] for r in sub) / len(sub)
    print(f"\nTimeQA dev ({n} questions, {len(docs)} documents, mode={args.mode}, k={settings.k})")
    print(f"{'metric':<24}{'value':>10}")
    for key, value in summary.items():
        if isinstance(value, float):
            shown = f"{value:.3f}" if value <= 1 else f"{value:.0f}"
            print(f"{key:<24}{shown:>10}")
        elif key not in ("routes", "matching"):
            print(f"{key:<24}{value!s:>10}")
    print(f"{'routes':<24}{json.dumps(routes):>10}")
    write_json(args.out, envelope("timeqa", {"summary": summary, "rows": rows}))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
