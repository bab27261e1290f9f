"""Packaged LLM on the seed article: serving-process and model-process memory, model start, first-token latency.

    python -m benchmarks.llm_bench [--questions 8] [--out FILE]

The embedded model runs in its own child process (llama-cpp-python's OpenAI-compatible server, supervised by the
serving process). On a temporary store holding the seed article (data/articles) this measures:
- rss_without_model_mb: RSS of this (serving) process after Chronicle.prewarm() in extractive mode: embedding
  model, Chroma and the keyword index loaded, no model process;
- model_start_s: Chronicle.prewarm() in llm mode: start the model process, wait until it serves, and evaluate the
  fixed system prompt once (what `python -m app run` does before the first question);
- rss_with_model_mb / model_rss_mb: RSS of this process and of the model process (psutil, by pid) after that
  prewarm; model_peak_rss_mb: the model process's peak (VmHWM) after all questions;
- per question of SEED_QUESTIONS (benchmarks.latency): Answer.timings of Chronicle.ask(q, mode="llm"):
  first_token_ms (question in -> first streamed character out: rewrite + retrieval + evidence selection + prompt
  prefill in the model process + first decode step), total_ms and retrieve_ms; p50/p95 over the questions the
  model answered (``model_called``: a question with no evidence is abstained on without the model, and a failed
  model falls back to the extractive answer with a note); beside them the prompt's size: prompt_tokens (all of it)
  and prefill_tokens (the tokens evaluated anew: llama.cpp reuses the common prefix with the previous request, the
  system prompt, from its KV cache), the two numbers first_token_ms depends on.
model_starts counts the model processes started (1 unless one died and was restarted). Prefill and decode tokens/s
per llama.cpp build are benchmarks.llm_builds' job. Skipped when the model cannot be started (not installed).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT, base_parser, envelope, peak_rss_of, skip, stats_ms, write_json
from benchmarks.latency import SEED_QUESTIONS


def rss_mb(pid: int | None) -> float | None:
    import psutil

    if pid is None:
        return None
    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except psutil.Error:
        return None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "llm.json")
    ap.add_argument("--questions", type=int, default=len(SEED_QUESTIONS))
    args = ap.parse_args(argv)

    from app import Chronicle, LLMError, clear_caches, load_settings

    with tempfile.TemporaryDirectory(prefix="chronicle-llm-") as tmp:
        extractive = Chronicle(load_settings(vectorstore_dir=Path(tmp), answer_mode="extractive"))
        extractive.ingest([ROOT / "data" / "articles"])
        extractive.prewarm()
        rss_without = rss_mb(os.getpid())

        settings = load_settings(vectorstore_dir=Path(tmp), answer_mode="llm")
        chron = Chronicle(settings)  # the same store and retriever (shared per store location), answering with the LLM
        t0 = time.perf_counter()
        try:
            chron.prewarm()
        except LLMError as exc:
            clear_caches(close=True)
            return skip(f"packaged LLM unavailable: {exc}", args.out)
        start_s = time.perf_counter() - t0
        process = chron.model_process()  # None: an OpenAI-compatible server is used
        pid = process.pid if process else None
        rss_with, model_rss = rss_mb(os.getpid()), rss_mb(pid)
        print(json.dumps({"model_start_s": round(start_s, 1), "rss_without_model_mb": rss_without,
                          "rss_with_model_mb": rss_with, "model_rss_mb": model_rss, "model_pid": pid}), flush=True)
        rows: list[dict[str, Any]] = []
        for q in SEED_QUESTIONS[: args.questions]:
            ans = chron.ask(q, mode="llm")
            rows.append({
                "question": q,
                "first_token_ms": round(ans.timings.get("first_token_ms", 0.0), 1),
                "retrieve_ms": round(ans.timings.get("retrieve_ms", 0.0), 1),
                "llm_ms": round(ans.timings.get("llm_ms", 0.0), 1),
                "total_ms": round(ans.timings.get("total_ms", 0.0), 1),
                "prompt_tokens": ans.timings.get("prompt_tokens"),  # the whole prompt
                "prefill_tokens": ans.timings.get("prefill_tokens"),  # beyond the prefix reused from the KV cache
                "model_called": "llm_ms" in ans.timings,  # no: abstained without sources, or the model failed
                "route": ans.route,
                "abstained": ans.abstained,
                "notes": ans.notes,
            })
            print(json.dumps(rows[-1]), flush=True)
        process = chron.model_process()
        pid_after = process.pid if process else None
        model = {
            "model_starts": process.starts if process else None,
            "model_rss_after_questions_mb": rss_mb(pid_after),
            "model_peak_rss_mb": peak_rss_of(pid_after),
        }
        clear_caches(close=True)
    llm_rows = [r for r in rows if r["model_called"]]
    result = envelope("llm", {
        "model": settings.llm_model_path.name if settings.llm_model_path else "packaged",
        "threads": settings.llm_threads,
        "n_ctx": settings.llm_n_ctx,
        "rss_without_model_mb": rss_without,
        "model_start_s": round(start_s, 1),
        "rss_with_model_mb": rss_with,
        "model_rss_mb": model_rss,
        **model,
        "questions": len(rows),
        "model_called": len(llm_rows),
        "first_token_ms": stats_ms(r["first_token_ms"] for r in llm_rows),
        "total_ms": stats_ms(r["total_ms"] for r in llm_rows),
        "retrieve_ms": stats_ms(r["retrieve_ms"] for r in llm_rows),
        "prompt_tokens": stats_ms(r["prompt_tokens"] for r in llm_rows if r["prompt_tokens"] is not None),
        "prefill_tokens": stats_ms(r["prefill_tokens"] for r in llm_rows if r["prefill_tokens"] is not None),
        "rows": rows,
    })
    write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("rows", "machine", "versions")}, indent=2))
    return result


if __name__ == "__main__":
    main()
