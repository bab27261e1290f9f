"""RealTimeQA (2023 dev weeks) through Chronicle: open-ended and multiple-choice accuracy, NOTA abstention, hit@k.

    python -m benchmarks.realtimeqa [--data DIR] [--weeks N] [--mode extractive|llm|both] [--limit N]
                                    [--extractive-limit N] [--out FILE]

Setting: ONE TEMPORARY STORE PER WEEK holding only that week's ``*_gcs.jsonl`` articles (what a reader could have
searched that week), and that week's questions asked against it. Pooling all weeks into one store would let
articles from later weeks answer earlier questions; we do not do that.

Scores, per question (gold = the choice named by ``answer``; matching = whole-word, normalised, accents folded:
benchmarks.common.contains):
- open: the gold choice text occurs in Chronicle's answer text (and Chronicle did not abstain).
- mc (multiple choice): every choice gets support = 3 x [choice occurs in the answer text] + sum over the top-k
  retrieved passages of 1/rank x [choice occurs in the passage]; Chronicle picks the best-supported choice.
  No support for any choice = no pick (wrong on *_qa; on *_qa_nota it picks "None of the above").
- nota: on *_qa_nota (same questions, one choice possibly replaced by "None of the above"): mc accuracy with the
  rule above, and abstention = when the gold is "None of the above", did Chronicle abstain in its free answer?
  (The free answer is the same for both files: the question text is identical, so it is asked once.)
- hit@k: the gold text occurs in the concatenated top-k retrieved passages (k = settings.k); ``reachable`` = the
  gold occurs in any article of the week at all (the ceiling for any retriever).
Extractive mode runs on every question; llm mode on a --limit sample spread evenly over the weeks.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    NOTA,
    RESULTS,
    Week,
    base_parser,
    contains,
    envelope,
    gold,
    normalise,
    read_jsonl,
    search_results,
    skip,
    stats_ms,
    weeks,
    write_json,
)


def support(choice: str, answer_text: str, passages: list[str]) -> float:
    score = 3.0 if answer_text and contains(answer_text, choice) else 0.0
    return score + sum(1.0 / (i + 1) for i, p in enumerate(passages) if contains(p, choice))


def pick(choices: list[str], answer_text: str, passages: list[str]) -> int | None:
    """Index of the best-supported choice (NOTA when nothing is supported and NOTA is offered), else None."""
    scored = [(support(c, answer_text, passages), i) for i, c in enumerate(choices) if normalise(c) != NOTA]
    best, idx = max(scored, default=(0.0, None))
    if best > 0:
        return idx
    nota = [i for i, c in enumerate(choices) if normalise(c) == NOTA]
    return nota[0] if nota else None


def evaluate_week(week: Week, plan: dict[str, int | None], backend: str, k: int | None) -> list[dict[str, Any]]:
    """Ingest the week once; ask the first ``plan[mode]`` questions (None = all) in each mode."""
    from app import Chronicle, clear_caches, load_settings

    all_questions = read_jsonl(week.qa)
    plan = {m: n for m, n in plan.items() if n is None or n > 0}
    if not all_questions or not plan:
        return []
    nota = {q["question_id"].removesuffix("_nota"): q for q in read_jsonl(week.nota)} if week.nota else {}
    corpus = " \n ".join(f"{r.get('title', '')}\n{r.get('text', '')}" for r in search_results(week.gcs))
    rows = []
    with tempfile.TemporaryDirectory(prefix=f"chronicle-rtqa-{week.name}-") as tmp:
        settings = load_settings(vectorstore_dir=Path(tmp), embedding_backend=backend, **({"k": k} if k else {}))
        chron = Chronicle(settings)
        report = chron.ingest([week.gcs])
        print(f"{week.name}: {report.summary()}", flush=True)
        for mode, q in [(m, q) for m, n in plan.items() for q in all_questions[:n]]:
            text, g = q["question_sentence"], gold(q)
            t0 = time.perf_counter()
            passages = [p.text for p in chron.retrieve(text)]
            retrieve_ms = (time.perf_counter() - t0) * 1000
            ans = chron.ask(text, mode=mode)
            answer_text = "" if ans.abstained else ans.text
            row = {
                "week": week.name,
                "id": q["question_id"],
                "mode": mode,
                "gold": g,
                "abstained": ans.abstained,
                "open": bool(answer_text) and contains(answer_text, g),
                "mc": pick(q["choices"], answer_text, passages) == int(q["answer"][0]),
                "hit": contains(" \n ".join(passages), g),
                "reachable": contains(corpus, g),
                "retrieve_ms": retrieve_ms,
                "total_ms": ans.timings.get("total_ms", 0.0),
                "first_token_ms": ans.timings.get("first_token_ms", 0.0),
                "route": ans.route,
            }
            nq = nota.get(q["question_id"])
            if nq:
                ng = gold(nq)
                row["nota_gold"] = normalise(ng) == NOTA
                row["nota_mc"] = pick(nq["choices"], answer_text, passages) == int(nq["answer"][0])
            rows.append(row)
        clear_caches(close=True)  # nine weeks of Chroma clients held in memory took the process to 4.6 GB
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {"questions": 0}
    n = len(rows)
    nota_rows = [r for r in rows if "nota_gold" in r]
    nota_gold = [r for r in nota_rows if r["nota_gold"]]
    other = [r for r in nota_rows if not r["nota_gold"]]
    reach = [r for r in rows if r["reachable"]]
    return {
        "questions": n,
        "open_acc": round(sum(r["open"] for r in rows) / n, 3),
        "mc_acc": round(sum(r["mc"] for r in rows) / n, 3),
        "hit@k": round(sum(r["hit"] for r in rows) / n, 3),
        "reachable": round(len(reach) / n, 3),
        "hit@k_reachable": round(sum(r["hit"] for r in reach) / max(len(reach), 1), 3),
        "open_acc_reachable": round(sum(r["open"] for r in reach) / max(len(reach), 1), 3),
        "abstain_rate": round(sum(r["abstained"] for r in rows) / n, 3),
        "nota_questions": len(nota_rows),
        "nota_mc_acc": round(sum(r["nota_mc"] for r in nota_rows) / max(len(nota_rows), 1), 3),
        "nota_gold_questions": len(nota_gold),
        "abstained_when_nota": round(sum(r["abstained"] for r in nota_gold) / max(len(nota_gold), 1), 3),
        "abstained_when_answerable": round(sum(r["abstained"] for r in other) / max(len(other), 1), 3),
        "retrieve_ms": stats_ms(r["retrieve_ms"] for r in rows),
        "total_ms": stats_ms(r["total_ms"] for r in rows),
        "first_token_ms": stats_ms(r["first_token_ms"] for r in rows),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "realtimeqa.json", DEFAULT_DATA)
    ap.add_argument("--weeks", type=int, default=None, help="first N weeks only")
    ap.add_argument("--mode", choices=("extractive", "llm", "both"), default="extractive")
    ap.add_argument("--limit", type=int, default=9, help="llm mode: questions in total, spread over the weeks")
    ap.add_argument("--extractive-limit", type=int, default=None, help="extractive: questions per week (default all)")
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--k", type=int, default=None, help="passages per question (default settings.k)")
    args = ap.parse_args(argv)
    ws = weeks(args.data) if args.data.exists() else []
    if not ws:
        return skip(f"no RealTimeQA data at {args.data}", args.out)
    ws = ws[: args.weeks] if args.weeks else ws
    modes = ["extractive", "llm"] if args.mode == "both" else [args.mode]
    payload: dict[str, Any] = {
        "setting": "one store per week, that week's questions",
        "weeks": [w.name for w in ws],
        "backend": args.backend,
    }
    per_week_llm = max(1, -(-args.limit // len(ws)))
    rows: list[dict[str, Any]] = []
    llm_left = args.limit
    for w in ws:
        plan: dict[str, int | None] = {}
        if "extractive" in modes:
            plan["extractive"] = args.extractive_limit
        if "llm" in modes:
            plan["llm"] = min(per_week_llm, llm_left)
        week_rows = evaluate_week(w, plan, args.backend, args.k)
        llm_left -= sum(r["mode"] == "llm" for r in week_rows)
        rows.extend(week_rows)
    for mode in modes:
        payload[mode] = summarise([r for r in rows if r["mode"] == mode])
        print(mode, json.dumps(payload[mode]), flush=True)
    result = envelope("realtimeqa", payload)
    write_json(args.out, result)
    write_json(args.out.with_name(args.out.stem + "-rows.json"), rows)
    return result


if __name__ == "__main__":
    main()
