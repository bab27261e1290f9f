"""How much evidence the model should read: on RealTimeQA weeks, the share of questions whose gold answer is in
the sources the model is shown, against the prompt's size in tokens, for several evidence budgets. No model call:
the prompt is built exactly as the answerer builds it and counted with the packaged GGUF's own tokenizer.

    python -m benchmarks.llm_evidence --stores DIR [--data DIR] [--weeks N] [--limit N]
                                      [--budgets 0,4+10x1x1000,...] [--out FILE]

A budget ``K+PxSxC`` is the search route's wide evidence (app.answer.routes.Router.wide_limits): the extractive
scorer's K best sentences, then at most P passages, S sentences of each, C characters of sentence text in all;
``0`` is the strict selection alone (what the model read before issue 19: the extractive scorer's <= 4 sentences,
<= 700 characters). Per budget: gold_in_evidence (the gold choice occurs in the sources' sentences or headlines),
prompt_tokens (the whole ChatML prompt) and new_tokens (beyond the fixed prefix every question shares: the system
prompt and the user template's opening, which llama.cpp keeps in its KV cache), over the questions answered by the
search route with sources. Every new token costs first-token time
(~10 ms each on a quiet 2-core machine, ~25 ms loaded): read this table beside benchmarks.realtimeqa's accuracy.
The weekly stores must exist (built by ``benchmarks.realtimeqa --stores DIR``); a missing week is skipped.

``--candidates P+AxL:MxS;...`` measures a factoid question's candidates instead (issue 26, the select-and-extract
prompt, app.answer.pick; app.answer.routes.Router.candidate_limits): the best sentences of P retrieved passages and
of the first L passages of the A best-ranked articles, M candidates, S per passage at most; ``/C`` after it caps a
candidate at C characters (Router.candidate_chars; default app.query.evidence.MAX_CANDIDATE); ``#1`` after that
makes the candidates' articles' headlines numbered candidates too (Router.candidate_headlines, the default; ``#0``:
none, as before the sixth session). Per budget:
gold_in_candidates (the gold choice occurs in a candidate's sentence: what the model can copy), gold_in_headlines
(in a candidate's sentence or headline), prompt and new tokens of the pick prompt, over the factoid questions the
search route answers.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    RESULTS,
    base_parser,
    contains,
    envelope,
    gold,
    question_day,
    read_jsonl,
    skip,
    weeks,
    write_json,
)

DEFAULT_BUDGETS = "0,4+8x1x800,4+10x1x1000,2+10x1x900,1+10x1x800,4+10x2x1400"


def _budget(text: str) -> tuple[int, int, int, int]:
    if text == "0":
        return (0, 0, 0, 0)
    strict, rest = text.split("+")
    p, s, c = (int(x) for x in rest.split("x"))
    return (int(strict), p, s, c)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "llm_evidence.json", DEFAULT_DATA)
    ap.add_argument("--stores", type=Path, required=True, help="the weekly stores benchmarks.realtimeqa kept")
    ap.add_argument("--weeks", type=int, default=None)
    ap.add_argument("--limit", type=int, default=None, help="questions per week")
    ap.add_argument("--budgets", default=DEFAULT_BUDGETS)
    ap.add_argument("--candidates", default="", help="candidate budgets P+AxL:MxS separated by ';' (see above)")
    args = ap.parse_args(argv)
    ws = [w for w in (weeks(args.data) if args.data.exists() else []) if (args.stores / w.name).exists()]
    ws = ws[: args.weeks] if args.weeks else ws
    if not ws:
        return skip(f"no RealTimeQA data at {args.data} with stores in {args.stores}", args.out)

    import llama_cpp
    from langchain_core.messages import HumanMessage, SystemMessage

    from app import Chronicle, clear_caches, load_settings
    from app.answer import prompts
    from app.answer.llm.client import chatml
    from app.answer.llm.model_files import packaged_model_path

    settings = load_settings(vectorstore_dir=args.stores / ws[0].name)
    vocab = llama_cpp.Llama(model_path=str(settings.llm_model_path or packaged_model_path(settings.model_cache_dir)),
                            vocab_only=True, verbose=False)

    def tokens(text: str) -> list[int]:
        return vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    # What every search-route prompt starts with: the cached prefix
    fixed = tokens(chatml([SystemMessage(prompts.load("system")), HumanMessage("Sources:\n")]))
    candidate_budgets = [b for b in args.candidates.split(";") if b]
    # a pick's cached prefix: the system prompt and the task with its example, the same for every pick
    pick_fixed = tokens(chatml([SystemMessage(prompts.load("system")),
                                HumanMessage(prompts.load("pick").split("{candidates}")[0])]))
    budgets = candidate_budgets or [b for b in args.budgets.split(",") if b]
    rows: list[dict[str, Any]] = []
    for w in ws:
        chron = Chronicle(load_settings(vectorstore_dir=args.stores / w.name))
        answerer = chron.answerer
        for q in read_jsonl(w.qa)[: args.limit]:
            question, g, day = q["question_sentence"], gold(q), question_day(q)
            if candidate_budgets:
                rows += _candidate_rows(answerer, w.name, q["question_id"], question, g, day, candidate_budgets,
                                        tokens, pick_fixed)
                continue
            for b in budgets:
                answerer.router.wide_limits = _budget(b)
                ev = answerer.router.gather(question, "llm", day)
                if ev.route != "search" or not ev.sources:
                    break  # the budget only shapes the search route's evidence
                shown = ev.model_sources
                ids = tokens(chatml(answerer.messages(question, ev)))
                rows.append({"week": w.name, "id": q["question_id"], "budget": b, "sources": len(shown),
                             "articles": len({s.article_id for s in shown}),
                             "gold_in_evidence": contains(" \n ".join(f"{s.title}\n{s.text}" for s in shown), g),
                             "prompt_tokens": len(ids), "new_tokens": len(ids) - _common_prefix(fixed, ids)})
        clear_caches(close=True)
    payload: dict[str, Any] = {"weeks": [w.name for w in ws], "budgets": {},
                               "fixed_prefix_tokens": len(pick_fixed if candidate_budgets else fixed)}
    for b in budgets:
        r = [x for x in rows if x["budget"] == b]
        if not r:
            continue
        payload["budgets"][b] = {
            "questions": len(r),
            "gold_in_evidence": round(sum(x["gold_in_evidence"] for x in r) / len(r), 3),
            **({"gold_in_sentences": round(sum(x["gold_in_sentences"] for x in r) / len(r), 3)}
               if "gold_in_sentences" in r[0] else {}),
            "sources": round(statistics.mean(x["sources"] for x in r), 1),
            "articles": round(statistics.mean(x["articles"] for x in r), 1),
            "prompt_tokens_p50": statistics.median(x["prompt_tokens"] for x in r),
            "new_tokens_p50": statistics.median(x["new_tokens"] for x in r),
            "new_tokens_max": max(x["new_tokens"] for x in r),
        }
        print(b, json.dumps(payload["budgets"][b]), flush=True)
    result = envelope("llm_evidence", payload)
    write_json(args.out, result)
    return result


CANDIDATE_HEADLINES_ON = 1  # Router.candidate_headlines as the app sets it


def _candidate_budget(text: str) -> tuple[int, int, int, int, int]:
    """"30+3x4:10x1" -> (30, 3, 4, 10, 1): Router.candidate_limits (a "/C" suffix is the characters' cap)."""
    read, keep = text.split("/")[0].split(":")
    p, al = read.split("+")
    a, lead = al.split("x")
    m, per = keep.split("x")
    return (int(p), int(a), int(lead), int(m), int(per))


def _candidate_rows(answerer: Any, week: str, qid: str, question: str, g: str, day: Any, budgets: list[str],
                    tokens: Any, fixed: list[int]) -> list[dict[str, Any]]:
    from app.answer import pick, prompts
    from app.answer.llm.client import chatml

    rows = []
    for b in budgets:
        answerer.router.candidate_limits = _candidate_budget(b.split("#")[0])
        if "/" in b:
            answerer.router.candidate_chars = int(b.split("#")[0].split("/")[1])
        answerer.router.candidate_headlines = int(b.split("#")[1]) if "#" in b else CANDIDATE_HEADLINES_ON
        ev = answerer.router.gather(question, "llm", day)
        if ev.route != "search" or not ev.candidates:
            break  # only a factoid question on the search route has candidates
        shown = ev.candidates
        kind = prompts.pick_kind(question)
        ids = tokens(chatml(pick.messages(question, shown, kind)))
        rows.append({"week": week, "id": qid, "budget": b, "sources": len(shown),
                     "articles": len({s.article_id for s in shown}),
                     "gold_in_sentences": contains(" \n ".join(s.text for s in shown), g),
                     "gold_in_evidence": contains(" \n ".join(f"{s.title}\n{s.text}" for s in shown), g),
                     "prompt_tokens": len(ids), "new_tokens": len(ids) - _common_prefix(fixed, ids)})
    return rows


if __name__ == "__main__":
    main()
