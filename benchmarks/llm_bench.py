"""Packaged-LLM latency on the seed article: first token p50 over the seed questions, and the prefill ceiling.

    python benchmarks/llm_bench.py [--questions 8] [--out FILE]

first_token_ms is Answer.timings["first_token_ms"] of Chronicle.ask(q, mode="llm") (question in -> first streamed
character out: rewrite + retrieval + evidence selection + prompt prefill + first decode step). The model load
(~8 s) happens once, before timing, with a warm-up question. Prefill ceiling: llama.cpp evaluating a fresh
~N-token prompt (cache reset) with max_tokens=1, reported as tokens/s; context_tokens is what the model held
after each answer (prompt + output), i.e. roughly how much prefill each question cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, machine, peak_rss_mb, skip, stats_ms, versions, write_json  # noqa: E402
from latency import SEED_QUESTIONS  # noqa: E402


def _llama(chat) -> Any:  # noqa: ANN001
    return getattr(chat, "client", None)


def prefill_rate(llama, text: str) -> dict[str, float]:  # noqa: ANN001
    tokens = llama.tokenize(text.encode("utf-8"))
    llama.reset()
    t0 = time.perf_counter()
    llama.create_completion(text, max_tokens=1, temperature=0.0)
    seconds = time.perf_counter() - t0
    return {"prompt_tokens": len(tokens), "seconds": round(seconds, 2), "tokens_per_s": round(len(tokens) / seconds, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=int, default=len(SEED_QUESTIONS))
    ap.add_argument("--out", type=Path, default=RESULTS / "llm.json")
    args = ap.parse_args(argv)

    from app.chronicle import Chronicle
    from app.config import load_settings
    from app.answer.llm.client import get_chat_model
    from app.answer.llm.model_files import packaged_model_path

    try:
        packaged_model_path(load_settings().model_cache_dir)
    except Exception as exc:  # noqa: BLE001 - any reason the model is unavailable means: skip
        return skip(f"packaged LLM unavailable: {exc}", args.out)

    with tempfile.TemporaryDirectory(prefix="chronicle-llm-") as tmp:
        settings = load_settings(vectorstore_dir=Path(tmp))
        chron = Chronicle(settings)
        chron.ingest([ROOT / "data" / "articles"])
        t0 = time.perf_counter()
        chat = get_chat_model(settings)
        warm = chron.ask("What happened in Nagorno-Karabakh?", mode="llm")
        load_s = time.perf_counter() - t0
        llama = _llama(chat)
        rows = []
        for q in SEED_QUESTIONS[: args.questions]:
            ans = chron.ask(q, mode="llm")
            rows.append(
                {
                    "question": q,
                    "first_token_ms": round(ans.timings.get("first_token_ms", 0.0), 1),
                    "retrieve_ms": round(ans.timings.get("retrieve_ms", 0.0), 1),
                    "llm_ms": round(ans.timings.get("llm_ms", 0.0), 1),
                    "total_ms": round(ans.timings.get("total_ms", 0.0), 1),
                    "mode": ans.mode,
                    "abstained": ans.abstained,
                    "context_tokens": int(getattr(llama, "n_tokens", 0) or 0),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        seed_text = (ROOT / "data" / "articles" / "nagorno-karabakh-2023-09-19.txt").read_text()[:3000]
        prefill = prefill_rate(llama, seed_text) if llama is not None else {"skipped": "no llama.cpp client"}
        if llama is not None:
            llama.reset()
    result = {
        "benchmark": "llm",
        "model_load_and_warmup_s": round(load_s, 1),
        "warmup_first_token_ms": round(warm.timings.get("first_token_ms", 0.0), 1),
        "first_token_ms": stats_ms(r["first_token_ms"] for r in rows),
        "total_ms": stats_ms(r["total_ms"] for r in rows),
        "retrieve_ms": stats_ms(r["retrieve_ms"] for r in rows),
        "context_tokens": stats_ms(r["context_tokens"] for r in rows),
        "prefill": prefill,
        "rows": rows,
        "threads": settings.llm_threads,
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine(),
        "versions": versions(),
    }
    write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("rows", "machine", "versions")}, indent=2))
    return result


if __name__ == "__main__":
    main()
