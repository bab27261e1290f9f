"""RealTimeQA (2023 dev weeks): Chronicle (extractive and LLM) beside the naive LangChain pipeline, same questions.

    python -m benchmarks.realtimeqa [--data DIR] [--weeks N] [--pipelines naive,extractive,llm] [--llm-limit N]
                                    [--naive-limit N] [--wide-limit N] [--stores DIR] [--out FILE]

Setting: ONE STORE PER WEEK holding only that week's ``*_gcs.jsonl`` articles (what a reader could have searched
that week), and that week's questions asked against it, each ``as of`` its question date (Chronicle: "this week"
is the week before it, later articles are not used; the naive pipeline has no notion of dates). ``--stores DIR``
keeps the weekly stores (Chronicle's and the naive one) and reuses them on the next run: the ingest and the naive
embedding take most of a run's time and do not change when only the answering does.

Pipelines:
- naive: benchmarks/naive.py (1000-character chunks, top-5 dense, the packaged LLM with a plain "[n]" prompt);
- extractive / llm: Chronicle's answer in that mode; llm-wide: LLM mode with CHRONICLE_LLM_WIDE_EVIDENCE (the model
  also reads the best sentence of each of the ten best passages).
Scores, per question (gold = the choice named by ``answer``; matching = whole-word, normalised, accents folded,
numbers joined by commas or hyphens kept whole: benchmarks.common.contains):
- open: the gold choice text occurs in the answer text, its [n] markers left out (and the pipeline did not abstain);
- mc: every choice gets support = 3 x [choice in the answer] + sum over what the reader saw of 1/rank x [choice in
  it]; the best-supported choice is picked; no support = no pick (on *_qa_nota: "None of the above");
- shown: the gold occurs in the numbered sources the answer was built from (the sentences the model read, or the
  extractive answer quoted from; naive: its chunks): open accuracy can be at most this, and ``open_when_shown`` is
  the reader's share of those;
- hit: the gold occurs in what the reader was given (Chronicle: the passages the answerer retrieved, with their
  headlines, or for the timeline / statements routes the sources it built; naive: the 5 chunks), and ``chars``
  the length of that text: hit@k is only comparable at equal characters;
- nota: on *_qa_nota questions whose gold is "None of the above", did the pipeline abstain; and on the others,
  how often it abstained although the answer was there to give;
- reachable: the gold occurs in any article of the week (the ceiling for any retriever);
- LLM rows: first-token time over the questions the model was called on, beside the prompt's tokens and the
  tokens prefilled anew (the rest is the fixed prefix llama.cpp reuses from its KV cache); and, when extractive
  runs beside it, a per-question comparison (llm_vs_extractive: which questions each gets right).
For reference, the RealTimeQA paper's GCS + GPT-3 (text-davinci-002) baseline reads the top-5 search results and
gets 34.6 exact match (open) and 66.5 % multiple choice; human multiple-choice accuracy is 96.7 %.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.answerable import LABELS, by_label, load_labels
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
    question_day,
    read_jsonl,
    search_results,
    skip,
    stats_ms,
    weeks,
    write_json,
)
from benchmarks.naive import build_naive, naive_documents, naive_embeddings, naive_prompt, open_naive

NAIVE_K = 5


_CITATION = re.compile(r"\b(?:sources?\s*)?\[\d+(?:[,\s]+\d+)*\]", re.I)


def without_citations(answer_text: str) -> str:
    """The answer without its citation markers: "According to source [5], ... after 10 years" does not say 5."""
    return _CITATION.sub(" ", answer_text)


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


def _seen(ans: Any) -> list[str]:
    """What Chronicle's reader was given: the retrieved passages with their headlines (the prompt and the composer
    see both), or the sources of the timeline / statements routes with their labels."""
    if ans.passages:
        return [f"{p.title}\n{p.text}" for p in ans.passages]
    return [f"{s.label}: {s.text}" if s.label else s.text for s in ans.sources]


def _naive_answer(chron: Any, question: str, chunks: list[str]) -> tuple[str, float, float]:
    from app import is_abstention

    t0 = time.perf_counter()
    first, text = 0.0, ""
    for piece in chron.generate(naive_prompt(question, chunks)):
        first = first or (time.perf_counter() - t0) * 1000
        text += piece
    total = (time.perf_counter() - t0) * 1000
    return ("" if is_abstention(text) or "don't know" in text.lower() else text), first, total


def _row(week: Week, q: dict[str, Any], nota: dict[str, Any], pipeline: str, answer_text: str, abstained: bool,
         seen: list[str], corpus: str, timings: dict[str, float], route: str, shown: list[str]) -> dict[str, Any]:
    g = gold(q)
    row = {
        "week": week.name, "id": q["question_id"], "pipeline": pipeline, "gold": g, "abstained": abstained,
        "open": bool(answer_text) and contains(without_citations(answer_text), g),
        "mc": pick(q["choices"], answer_text, seen) == int(q["answer"][0]),
        "hit": contains(" \n ".join(seen), g), "chars": sum(len(t) for t in seen),
        "shown": contains(" \n ".join(shown), g),
        "reachable": contains(corpus, g), "route": route, "answer": answer_text[:400], **timings,
    }
    nq = nota.get(q["question_id"])
    if nq:
        row["nota_gold"] = normalise(gold(nq)) == NOTA
        row["nota_mc"] = pick(nq["choices"], answer_text, seen) == int(nq["answer"][0])
    return row


def evaluate_week(week: Week, plan: dict[str, int | None], stores: Path | None, k: int | None) -> list[dict[str, Any]]:
    """One store per week (reused from ``stores`` when there); ask the first ``plan[pipeline]`` questions."""
    from app import Chronicle, clear_caches, load_settings

    all_questions = read_jsonl(week.qa)
    plan = {m: n for m, n in plan.items() if n is None or n > 0}
    if not all_questions or not plan:
        return []
    nota = {q["question_id"].removesuffix("_nota"): q for q in read_jsonl(week.nota)} if week.nota else {}
    corpus = " \n ".join(f"{r.get('title', '')}\n{r.get('text', '')}" for r in search_results(week.gcs))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=f"chronicle-rtqa-{week.name}-") as tmp:
        base = stores if stores is not None else Path(tmp)
        settings = load_settings(vectorstore_dir=base / week.name, **({"k": k} if k else {}))
        chron = Chronicle(settings)
        report = chron.ingest([week.gcs])  # a no-op on a kept store
        print(f"{week.name}: {report.summary()}", flush=True)
        if "naive" in plan:
            emb = naive_embeddings()
            vs = open_naive(base / f"{week.name}-naive", emb)
            if vs is None:
                t0 = time.perf_counter()
                vs, n = build_naive(naive_documents([week.gcs]), base / f"{week.name}-naive", emb)
                print(f"{week.name}: naive pipeline: {n} chunks in {time.perf_counter() - t0:.0f} s", flush=True)
            for q in all_questions[: plan["naive"]]:
                t0 = time.perf_counter()
                chunks = [d.page_content for d in vs.similarity_search(q["question_sentence"], k=NAIVE_K)]
                timings = {"retrieve_ms": (time.perf_counter() - t0) * 1000}
                text, first, total = _naive_answer(chron, q["question_sentence"], chunks)
                timings.update(first_token_ms=first, total_ms=total + timings["retrieve_ms"])
                rows.append(_row(week, q, nota, "naive", text, not text, chunks, corpus, timings, "naive", chunks))
                print(f"  {week.name} naive {q['question_id']}: open={int(rows[-1]['open'])} "
                      f"shown={int(rows[-1]['shown'])} {timings['total_ms']:.0f} ms", flush=True)
        for pipeline in ("extractive", "llm", "llm-wide"):
            if pipeline not in plan:
                continue
            # llm-wide: LLM mode with CHRONICLE_LLM_WIDE_EVIDENCE (the model reads the best sentence of more passages)
            asker = (chron if pipeline != "llm-wide"
                     else Chronicle(settings.model_copy(update={"llm_wide_evidence": True})))
            mode = "extractive" if pipeline == "extractive" else "llm"
            for q in all_questions[: plan[pipeline]]:
                ans = asker.ask(q["question_sentence"], mode=mode, as_of=question_day(q))
                timings = {key: ans.timings.get(key, 0.0) for key in ("retrieve_ms", "first_token_ms", "total_ms")}
                # the model's prompt (embedded model only): its tokens, and those not reused from the KV cache
                timings.update({key: ans.timings[key] for key in ("prompt_tokens", "prefill_tokens", "llm_ms",
                                                                  "model_first_token_ms") if key in ans.timings})
                answer_text = "" if ans.abstained else ans.text
                row = _row(week, q, nota, pipeline, answer_text, ans.abstained, _seen(ans), corpus, timings,
                           ans.route, [s.text for s in ans.sources])
                row["short_by"] = ans.short.by if ans.short else ""  # "model": a pick; "rules": extractive
                row["short_open"] = ans.short is not None and contains(ans.short.text, gold(q))
                rows.append(row)
                print(f"  {week.name} {pipeline} {q['question_id']}: open={int(row['open'])} shown={int(row['shown'])} "
                      f"{ans.route} {ans.timings.get('total_ms', 0):.0f} ms", flush=True)
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
    shown = [r for r in rows if r["shown"]]
    return {
        "questions": n,
        "open_acc": round(sum(r["open"] for r in rows) / n, 3),
        "mc_acc": round(sum(r["mc"] for r in rows) / n, 3),
        "hit@k": round(sum(r["hit"] for r in rows) / n, 3),
        "chars_seen": round(sum(r["chars"] for r in rows) / n),
        "reachable": round(len(reach) / n, 3),
        "hit@k_reachable": round(sum(r["hit"] for r in reach) / max(len(reach), 1), 3),
        # the gold in the sentences the answer was built from (naive: its chunks): what a perfect reader could reach
        "shown": round(len(shown) / n, 3),
        "open_when_shown": round(sum(r["open"] for r in shown) / max(len(shown), 1), 3),
        "open_acc_reachable": round(sum(r["open"] for r in reach) / max(len(reach), 1), 3),
        "abstain_rate": round(sum(r["abstained"] for r in rows) / n, 3),
        "nota_questions": len(nota_rows),
        "nota_mc_acc": round(sum(r["nota_mc"] for r in nota_rows) / max(len(nota_rows), 1), 3),
        "nota_gold_questions": len(nota_gold),
        "abstained_when_nota": round(sum(r["abstained"] for r in nota_gold) / max(len(nota_gold), 1), 3),
        "abstained_when_answerable": round(sum(r["abstained"] for r in other) / max(len(other), 1), 3),
        # a factoid question's answer words led the answer (picked by the model, or found by the rules), and how
        # often those words alone hold the gold
        "short_answers": sum(bool(r.get("short_by")) for r in rows),
        "short_open": round(sum(bool(r.get("short_open")) for r in rows) / n, 3),
        "retrieve_ms": stats_ms(r["retrieve_ms"] for r in rows),
        "total_ms": stats_ms(r["total_ms"] for r in rows),
        "first_token_ms": stats_ms(r["first_token_ms"] for r in rows),
        **_model_stats([r for r in rows if "llm_ms" in r]),
    }


def _model_stats(called: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the questions the model answered (not the ones abstained on without it): first-token time beside the
    prompt's size, its tokens and those prefilled anew (the rest is the cached prefix)."""
    if not called:
        return {}
    out: dict[str, Any] = {"model_called": len(called),
                           "model_first_token_ms": stats_ms(r.get("model_first_token_ms", r["first_token_ms"])
                                                            for r in called)}
    for key in ("prompt_tokens", "prefill_tokens"):
        values = [r[key] for r in called if key in r]
        if values:
            out[key] = {k: v for k, v in stats_ms(values).items() if k in ("n", "p50", "p95", "max", "mean")}
    rates = prefill_rates(called)
    if rates:
        out["prefill_tokens_per_s_p50"] = round(statistics.median(rates), 1)
    return out


def prefill_rates(called: list[dict[str, Any]]) -> list[float]:
    """Per question, the new prompt tokens over the seconds from the evidence's end to the model's first token: the
    machine's prefill speed as the reader meets it (the first reply token and the request's overhead included, so a
    little under llama.cpp's own). Printed beside the first-token times because they scale with it, and it varies
    between days on the same VM (~42 tok/s on 2026-12-07, ~100 on 2026-11-25): a first token is read against it."""
    rates = []
    for r in called:
        seconds = (r.get("model_first_token_ms", 0.0) - r.get("retrieve_ms", 0.0)) / 1000
        if r.get("prefill_tokens", 0) > 0 and seconds > 0:
            rates.append(r["prefill_tokens"] / seconds)
    return rates


def compare(rows: list[dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    """Per question, which of two pipelines got it right (open): both, only a, only b, neither; with the ids."""
    by = {(r["week"], r["id"]): r for r in rows if r["pipeline"] == a}
    out: dict[str, list[str]] = {"both": [], f"only_{a}": [], f"only_{b}": [], "neither": []}
    for r in rows:
        other = by.get((r["week"], r["id"]))
        if r["pipeline"] != b or other is None:
            continue
        key = ("both" if r["open"] and other["open"] else f"only_{a}" if other["open"]
               else f"only_{b}" if r["open"] else "neither")
        out[key].append(r["id"])
    return {"counts": {k: len(v) for k, v in out.items()}, **out}


def _on(rows: list[dict[str, Any]], pipeline: str, ids: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """A pipeline's rows for the questions in ``ids`` ((week, id) pairs)."""
    return [r for r in rows if r["pipeline"] == pipeline and (r["week"], r["id"]) in ids]


def _ids(rows: list[dict[str, Any]], pipeline: str) -> set[tuple[str, str]]:
    return {(r["week"], r["id"]) for r in rows if r["pipeline"] == pipeline}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "realtimeqa.json", DEFAULT_DATA)
    ap.add_argument("--weeks", type=int, default=None, help="first N weeks only")
    ap.add_argument("--pipelines", default="naive,extractive,llm",
                    help="comma-separated: naive, extractive, llm, llm-wide (all on the same questions)")
    ap.add_argument("--limit", type=int, default=None, help="questions per week (default all)")
    ap.add_argument("--llm-limit", type=int, default=None,
                    help="questions in total for the LLM pipelines (naive, llm), spread evenly over the weeks")
    ap.add_argument("--naive-limit", type=int, default=None,
                    help="questions in total for the naive pipeline, spread evenly over the weeks (default: as the "
                         "llm pipeline; the naive prompt is ~5x longer, so all 250 questions cost it ~70 min here)")
    ap.add_argument("--wide-limit", type=int, default=None,
                    help="questions in total for the llm-wide pipeline, spread evenly (default: as the llm pipeline)")
    ap.add_argument("--stores", type=Path, default=None, help="keep and reuse the weekly stores in this folder")
    ap.add_argument("--k", type=int, default=None, help="passages per question (default settings.k)")
    ap.add_argument("--answerable", type=Path, default=LABELS,
                    help="a reader's labels of which questions the articles answer (benchmarks.answerable); each "
                         "pipeline is scored on each label when its questions are labelled there")
    args = ap.parse_args(argv)
    ws = weeks(args.data) if args.data.exists() else []
    if not ws:
        return skip(f"no RealTimeQA data at {args.data}", args.out)
    ws = ws[: args.weeks] if args.weeks else ws
    pipelines = [p for p in args.pipelines.split(",") if p]
    payload: dict[str, Any] = {"setting": "one store per week, that week's questions, as of the question date",
                               "weeks": [w.name for w in ws], "pipelines": pipelines}

    def per_week(total: int | None, default: int | None) -> int | None:  # a total spread evenly over the weeks
        return -(-total // len(ws)) if total else default

    per_week_llm = per_week(args.llm_limit, args.limit)
    limits = {"naive": per_week(args.naive_limit, per_week_llm), "llm": per_week_llm,
              "llm-wide": per_week(args.wide_limit, per_week_llm)}
    rows: list[dict[str, Any]] = []
    for w in ws:
        plan: dict[str, int | None] = {p: limits.get(p, args.limit) for p in pipelines}
        rows.extend(evaluate_week(w, plan, args.stores, args.k))
        write_json(args.out.with_name(args.out.stem + "-rows.json"), rows)  # so far: a long run can be read early
    labels = load_labels(args.answerable)
    for p in pipelines:
        payload[p] = summarise([r for r in rows if r["pipeline"] == p])
        if answerable := by_label([r for r in rows if r["pipeline"] == p], labels):
            payload[p]["answerable"] = answerable
        print(p, json.dumps(payload[p]), flush=True)
    for model_pipeline in ("llm", "llm-wide"):
        if "extractive" not in pipelines or model_pipeline not in pipelines:
            continue
        extractive_same = _on(rows, "extractive", _ids(rows, model_pipeline))
        payload[f"extractive_same_questions_as_{model_pipeline}"] = summarise(extractive_same)
        payload[f"{model_pipeline}_vs_extractive"] = compare(
            extractive_same + [r for r in rows if r["pipeline"] == model_pipeline], "extractive", model_pipeline)
        print(f"{model_pipeline}_vs_extractive", json.dumps(payload[f"{model_pipeline}_vs_extractive"]["counts"]),
              flush=True)
    if "llm" in pipelines and "llm-wide" in pipelines:
        payload["llm-wide_vs_llm"] = compare([r for r in rows if r["pipeline"] in ("llm", "llm-wide")], "llm",
                                             "llm-wide")
    naive_ids = _ids(rows, "naive")
    if naive_ids and _ids(rows, "llm") - naive_ids:
        for p in ("extractive", "llm", "llm-wide"):  # the naive pipeline ran on fewer questions: Chronicle on those
            same_as_naive = _on(rows, p, naive_ids)
            if same_as_naive:
                payload[f"{p}_same_questions_as_naive"] = summarise(same_as_naive)
    result = envelope("realtimeqa", payload)
    write_json(args.out, result)
    write_json(args.out.with_name(args.out.stem + "-rows.json"), rows)
    return result


if __name__ == "__main__":
    main()
