"""TimeQA (human-annotated, dev half): time-scoped questions over long Wikipedia documents.

    python benchmarks/timeqa.py [--data ../shared/datasets/timeqa-dev] [--limit N] [--mode extractive|llm]
                                [--route auto|timeline] [--out FILE]

Each document's paragraphs become one article (a JSON record {title, text}, no publication date), all ingested into
a temporary store per run, so every question is asked against all documents. Metrics:
- accuracy: a gold answer span (normalised: lower case, no accents or punctuation) is contained in the answer;
- hit@k: a gold span is contained in the k passages the hybrid retriever returns for the question;
- source hit: a gold span is in the numbered sources the answerer was given (what the answer could quote).
``--route auto`` asks Chronicle(settings).ask (whatever routes are wired); ``--route timeline`` tries the
timeline route (app.query.temporal) first and falls back to ask() when it declines (extractive mode only).
Results (per question, with dataset text) go to --out, by default outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "timeqa-dev"


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def contains_gold(text: str, golds: list[str]) -> bool:
    hay = normalise(text)
    return any(g and normalise(g) in hay for g in golds)


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


def ask(chron: Any, question: str, mode: str, route: str, encode: Any) -> dict[str, Any]:
    """One question -> {answer, route, sources, ms}."""
    t0 = time.perf_counter()
    if route == "timeline":
        from app.answer.citations import verify
        from app.query.temporal import compose_timeline_extractive, timeline_sources

        got = timeline_sources(chron, question, encode)
        if got is not None and got[0]:
            sources, _ = got
            text = compose_timeline_extractive(sources, question)
            labelled = [s.__class__(**{**s.__dict__, "text": f"{s.label} {s.text}"}) for s in sources]
            guarded = verify(text, labelled)
            return {"answer": guarded.text, "route": "timeline", "sources": [s.text for s in sources],
                    "ms": (time.perf_counter() - t0) * 1000}
    answer = chron.ask(question, mode=mode)
    return {"answer": answer.text, "route": answer.route, "sources": [s.text for s in answer.sources],
            "abstained": answer.abstained, "ms": (time.perf_counter() - t0) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="first N questions only")
    parser.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    parser.add_argument("--route", choices=["auto", "timeline", "both"], default="auto",
                        help="both: ask every question through both, one ingest (extractive only)")
    parser.add_argument("--store", type=Path, help="reuse this vector store dir across runs (default: a temp one)")
    parser.add_argument("--out", type=Path, help="JSON results (default: a file in the temp directory)")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_absolute() else (ROOT / args.data).resolve()
    docs = load_docs(data) if data.exists() else []
    if not docs:
        print(f"TimeQA data not found at {data}: skipping.")
        return 0
    if args.route in ("timeline", "both") and args.mode != "extractive":
        parser.error("--route timeline is for extractive mode (the llm path is the wired answerer: --route auto)")

    from app.chronicle import Chronicle
    from app.store.registry import get_embeddings
    from app.config import load_settings

    items = questions(docs)[: args.limit] if args.limit else questions(docs)
    out_path = args.out or Path(tempfile.gettempdir()) / f"chronicle-timeqa-{args.mode}-{args.route}.json"
    with tempfile.TemporaryDirectory(prefix="timeqa-") as tmp:
        store_dir = args.store.resolve() if args.store else Path(tmp) / "store"
        settings = load_settings(vectorstore_dir=store_dir, answer_mode=args.mode)
        chron = Chronicle(settings)
        t0 = time.perf_counter()
        report = chron.ingest([write_records(docs, Path(tmp))])
        ingest_s = time.perf_counter() - t0
        print(report.summary(), file=sys.stderr)
        encode = get_embeddings(settings).encode
        rows = []
        for i, (question, golds) in enumerate(items, 1):
            passages = chron.retrieve(question, settings.k)
            if args.route == "both":
                other = ask(chron, question, args.mode, "auto", encode)
                extra = {"auto_answer": other["answer"], "auto_route": other["route"],
                         "auto_correct": contains_gold(other["answer"], golds)}
            else:
                extra = {}
            result = ask(chron, question, args.mode, "timeline" if args.route == "both" else args.route, encode)
            rows.append({
                **extra,
                "question": question,
                "gold": golds,
                **result,
                "correct": contains_gold(result["answer"], golds),
                "hit_at_k": any(contains_gold(p.text, golds) for p in passages),
                "source_hit": any(contains_gold(s, golds) for s in result["sources"]),
            })
            if i % 25 == 0:
                print(f"{i}/{len(items)} questions", file=sys.stderr)
    n = len(rows)
    routes: dict[str, int] = {}
    for r in rows:
        routes[r["route"]] = routes.get(r["route"], 0) + 1
    ms = sorted(r["ms"] for r in rows)
    summary = {
        "questions": n,
        "documents": len(docs),
        "mode": args.mode,
        "route": args.route,
        "k": settings.k,
        "accuracy": sum(r["correct"] for r in rows) / n,
        "hit_at_k": sum(r["hit_at_k"] for r in rows) / n,
        "source_hit": sum(r["source_hit"] for r in rows) / n,
        "abstained": sum(bool(r.get("abstained")) or not r["answer"] for r in rows) / n,
        "routes": routes,
        "median_ms": ms[n // 2],
        "p95_ms": ms[min(n - 1, int(0.95 * n))],
        "ingest_s": round(ingest_s, 1),
    }
    if args.route == "both":
        summary["accuracy_auto"] = sum(r["auto_correct"] for r in rows) / n
    for route in sorted(routes):
        sub = [r for r in rows if r["route"] == route]
        summary[f"accuracy[{route}]"] = sum(r["correct"] for r in sub) / len(sub)
    print(f"\nTimeQA dev ({n} questions, {len(docs)} documents, mode={args.mode}, route={args.route}, k={settings.k})")
    print(f"{'metric':<24}{'value':>10}")
    for key, value in summary.items():
        if isinstance(value, float):
            shown = f"{value:.3f}" if value <= 1 else f"{value:.0f}"
            print(f"{key:<24}{shown:>10}")
        elif key != "routes":
            print(f"{key:<24}{value!s:>10}")
    print(f"{'routes':<24}{json.dumps(routes):>10}")
    out_path.write_text(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
