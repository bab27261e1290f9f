"""Run every benchmark and write benchmarks/results/results.{md,json}.

    python -m benchmarks.run_all [--data ../shared/datasets/realtimeqa-2023-dev] [--quick] [--no-llm] [--builds]
                                 [--scale-store DIR] [--runs 3]
    python -m benchmarks.run_all --report-only [--note "how the JSON files were produced"]

Each benchmark runs in its own process (``python -m benchmarks.<name>``, so its peak RSS is its own) and writes JSON
under benchmarks/results/; this script then assembles one table of targets vs measurements. --quick shrinks every
benchmark (a few question rows, one week, 3 LLM questions) to check the machinery in minutes; the committed table
comes from a full run. --builds also runs llm_builds (compiles llama.cpp variants, ~5 min each); without it, an
earlier llm_builds.json is reported when there is one. A benchmark whose data is absent reports "skipped" and the
rest go on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_DATA, RESULTS, ROOT, base_parser, envelope, write_json

# Result name -> module of this package that produces it.
BENCHMARKS = {
    "ingest": "ingest_bench",
    "hit_rate": "hit_rate",
    "latency": "latency",
    "llm": "llm_bench",
    "llm_builds": "llm_builds",
    "realtimeqa": "realtimeqa",
    "timeqa": "timeqa",
    "tls": "tls",
    "tls_pooled": "tls",
}
T17_DATA = ROOT.parent / "shared" / "datasets" / "t17-dev"


def run(name: str, args: list[str], timeout: int) -> dict[str, Any]:
    out = RESULTS / f"{name}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", f"benchmarks.{BENCHMARKS[name]}", *args, "--out", str(out)]
    print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
    t0 = time.perf_counter()
    code: int | str
    try:
        proc = subprocess.run(cmd, cwd=ROOT, timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    seconds = round(time.perf_counter() - t0, 1)
    data = load(name) or {"failed": f"exit {code}"}
    data["wall_s"] = seconds
    return data


def load(name: str) -> dict[str, Any] | None:
    """A benchmark's JSON without per-question rows (they quote dataset text, which must stay out of the repo)."""
    out = RESULTS / f"{name}.json"
    if not out.exists():
        return None
    return {k: v for k, v in json.loads(out.read_text()).items() if k != "rows"}


def _get(d: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.0f}"
    return f"{v}{unit}"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def targets(res: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    ing, lat, llm = res.get("ingest", {}), res.get("latency", {}), res.get("llm", {})
    p = _get(ing, "pipelines") or {}
    rows = []
    for name in (k for k in p if k.startswith("chronicle-")):
        sp = _get(p, name, "speedup_vs_naive")
        rows.append((f"ingest speed-up vs naive ({name})", ">= 3x", _fmt(sp, "x"),
                     _met(None if sp is None else sp >= 3)))
        enc = _get(p, name, "vs_encoder_only")
        if enc is not None:
            rows.append((f"ingest time / encoder-only time ({name})", "<= 1.5x", _fmt(enc, "x"), _met(enc <= 1.5)))
        for k in ("hit@5", "hit@10"):
            mine, naive = _get(p, name, k), _get(p, "naive", k)
            ok = None if mine is None or naive is None else mine >= naive
            rows.append((f"retrieval {k} ({name} vs naive)", ">= naive", f"{_fmt(mine)} vs {_fmt(naive)}", _met(ok)))
    hr = res.get("hit_rate", {})
    for name in (k for k in hr if k.startswith("chronicle-")):
        for k in ("hit@5", "hit@10"):
            mine, naive = _get(hr, name, k), _get(hr, "naive", k)
            ok = None if mine is None or naive is None else mine >= naive
            rows.append((f"retrieval {k} at full size, all questions ({name} vs naive)", ">= naive",
                         f"{_fmt(mine)} vs {_fmt(naive)}", _met(ok)))
    v = _get(lat, "scale", "retrieve_ms", "p95")
    rows.append(("retrieval p95 at scale", "<= 30 ms", _fmt(v, " ms"), _met(None if v is None else v <= 30)))
    v = _get(lat, "seed", "extractive_ms", "p95")
    rows.append(("extractive answer p95, seed store", "<= 100 ms", _fmt(v, " ms"),
                 _met(None if v is None else v <= 100)))
    v = _get(lat, "scale", "extractive_ms", "p95")
    rows.append(("extractive answer p95 at scale (pooled store)", "<= 250 ms", _fmt(v, " ms"),
                 _met(None if v is None else v <= 250)))
    rows += _archive_targets(res)
    rows += _tls_targets(res)
    v = _get(llm, "first_token_ms", "p50")
    rows.append(("LLM first token p50, seed", "<= 2500 ms", _fmt(v, " ms"), _met(None if v is None else v <= 2500)))
    v = _get(llm, "model_start_s")
    rows.append(("LLM model process start + prewarm", "-", _fmt(v, " s"), "-"))
    for name, b in (_get(res, "llm_builds", "variants") or {}).items():
        info = b.get("system_info")
        failed = info.get("error") if isinstance(info, dict) else None  # a variant that crashed keeps its error here
        got = (f"{_fmt(b.get('prefill_tokens_per_s'))} / {_fmt(b.get('decode_tokens_per_s'))} tok/s"
               if b.get("samples") else failed or "no samples")
        rows.append((f"llama.cpp build '{name}': prefill / decode", "-", got, "-"))
    # The model runs in its own process: the serving process (embeddings, Chroma, keyword index) and the model
    # process are measured apart; together they are what a user's machine holds.
    serving, with_model, model = (_get(llm, k) for k in ("rss_without_model_mb", "rss_with_model_mb", "model_rss_mb"))
    rows.append(("serving process RSS without / with the model process", "-",
                 f"{_fmt(serving, ' MB')} / {_fmt(with_model, ' MB')}", "-"))
    rows.append(("model process RSS (after prewarm; peak)", "-",
                 f"{_fmt(model, ' MB')}; {_fmt(_get(llm, 'model_peak_rss_mb'), ' MB')}", "-"))
    total = with_model + model if with_model is not None and model is not None else None
    rows.append(("serving + model process RSS", "<= 2560 MB", _fmt(total, " MB"),
                 _met(None if total is None else total <= 2560)))
    # Processes that are Chronicle as a user runs it (one store) vs harnesses that hold more in one process
    # (ingest_bench: the naive pipeline's torch model beside Chronicle's; realtimeqa: nine weekly stores).
    chronicle = [x for x in (_get(res, b, "peak_rss_mb") for b in ("latency", "llm", "hit_rate")) if x]
    worst = max(chronicle) if chronicle else None
    rows.append(("peak RSS, Chronicle serving processes (latency, llm, hit_rate)", "<= 2560 MB", _fmt(worst, " MB"),
                 _met(None if worst is None else worst <= 2560)))
    harness = {b: _get(res, b, "peak_rss_mb") for b in ("ingest", "realtimeqa")}
    rows.append(("peak RSS, benchmark harnesses", "-", _fmt({b: v for b, v in harness.items() if v}), "-"))
    v = _get(lat, "scale", "bm25_rebuild_s")
    rows.append(("BM25 index built from the store at scale (once: migrating an old store)", "-", _fmt(v, " s"), "-"))
    v = _get(lat, "scale", "new_process")
    rows.append(("new process uses the BM25 index as it is (no catch-up)", "loads", _fmt(v),
                 _met(None if v is None else "'rebuilt': False" in v)))
    return rows


def _archive_targets(res: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 13's targets on the RealTimeQA dev weeks and TimeQA dev (answers from a news archive)."""
    rq, rows = res.get("realtimeqa") or {}, []
    ext, llm, naive = rq.get("extractive") or {}, rq.get("llm") or {}, rq.get("naive") or {}
    if ext.get("questions"):
        hit, chars, naive_chars = ext.get("hit@k"), ext.get("chars_seen"), naive.get("chars_seen")
        within = naive_chars is None or chars is None or chars <= naive_chars
        rows.append(("RealTimeQA hit@k at <= the naive pipeline's characters", ">= 0.40",
                     f"{_fmt(hit)} ({chars} vs naive {naive_chars} chars; naive {_fmt(naive.get('hit@k'))})",
                     _met(None if hit is None else hit >= 0.40 and within)))
        v = ext.get("open_acc")
        rows.append(("RealTimeQA open accuracy, extractive", ">= 0.30", _fmt(v),
                     _met(None if v is None else v >= 0.30)))
        nota, answerable = ext.get("abstained_when_nota"), ext.get("abstained_when_answerable")
        rows.append(("RealTimeQA abstention when gold = none of the above, extractive", ">= 0.5", _fmt(nota),
                     _met(None if nota is None else nota >= 0.5)))
        rows.append(("RealTimeQA abstention on answerable questions, extractive", "<= 0.2", _fmt(answerable),
                     _met(None if answerable is None else answerable <= 0.2)))
    if llm.get("questions"):
        v = llm.get("open_acc")
        rows.append((f"RealTimeQA open accuracy, LLM ({llm['questions']} questions; naive "
                     f"{_fmt(naive.get('open_acc'))})", ">= 0.35", _fmt(v), _met(None if v is None else v >= 0.35)))
    v = _get(res, "timeqa", "summary", "accuracy")
    rows.append(("TimeQA dev accuracy, extractive", ">= 0.35", _fmt(v), _met(None if v is None else v >= 0.35)))
    return rows


def _tls_targets(res: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 17's targets: story timelines on the T17 dev topics (mean over the gold timelines)."""
    rows = []
    for name, label in (("tls", "one store per topic"), ("tls_pooled", "all topics in one store")):
        mean, flat = _get(res, name, "mean"), _get(res, name, "systems", "flat-mentions")
        if not mean:
            continue
        d, f = mean.get("date_f1"), (flat or {}).get("date_f1")
        rows.append((f"T17 Date-F1 ({label}; flat-mentions baseline {_fmt(f)})", ">= 0.80 and > baseline", _fmt(d),
                     _met(None if d is None else d >= 0.80 and (f is None or d > f))))
        rows.append((f"T17 alignment ROUGE-1 F1 ({label})", ">= 0.12", _fmt(mean.get("ar1_f1")),
                     _met(None if mean.get("ar1_f1") is None else mean["ar1_f1"] >= 0.12)))
        rows.append((f"T17 alignment ROUGE-2 F1 ({label})", ">= 0.035", _fmt(mean.get("ar2_f1")),
                     _met(None if mean.get("ar2_f1") is None else mean["ar2_f1"] >= 0.035)))
    lat = _get(res, "tls_pooled", "story_latency")
    if lat:
        whole = lat.get("whole_archive", {})
        rows.append((f"story timeline, whole pooled store ({lat.get('articles')} articles), p50 / p95", "<= 5 s",
                     f"{whole.get('p50')} / {whole.get('p95')} ms",
                     _met(None if whole.get("p50") is None else whole["p50"] <= 5000)))
    return rows


def markdown(res: dict[str, Any]) -> str:
    m, ver = res["machine"], res["versions"]
    lines = [
        "# Chronicle benchmark results",
        "",
        f"Generated {res['generated']} by `python -m benchmarks.run_all {' '.join(res['argv'])}` "
        f"(total {res['total_s']:.0f} s).",
        "",
        *([res["note"], ""] if res.get("note") else []),
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; load average at start "
        f"{m['load_avg_at_start']} "
        "(the CPU is shared with other work: absolute times are noisy, ratios from interleaved runs less so).",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in ver.items()),
        "",
        "## Targets",
        "",
        "| metric | target | measured | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(res)]
    ing = res.get("ingest", {})
    if _get(ing, "pipelines"):
        lines += [
            "",
            f"## Ingest ({ing['records']} article records from {ing['gcs_rows']} RealTimeQA rows"
            + (f" (week {ing['week']})" if ing.get("week") else "")
            + f", {ing.get('input_chars', '?')} characters, median of {ing['runs']} interleaved runs; load average"
            f" {_get(ing, 'machine', 'load_avg_at_start')} at start, {ing.get('load_avg_at_end')} at end)",
            "",
            "| pipeline | median s | runs s | records/s | chars/s | passages | hit@5 | hit@10 | chars@5 | chars@10 | "
            "questions |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, p in ing["pipelines"].items():
            lines.append(
                f"| {name} | {p['median_s']} | {p['runs_s']} | {p['records_per_s']} | {p.get('chars_per_s')} | "
                f"{p['passages']} | {p.get('hit@5', '')} | {p.get('hit@10', '')} | {p.get('chars@5', '')} | "
                f"{p.get('chars@10', '')} | {p.get('questions', '')} |"
            )
        profiles = {n: p["profile_s"] for n, p in ing["pipelines"].items() if p.get("profile_s")}
        if profiles:
            lines += ["", "Where Chronicle's ingest seconds went (last run; `embed` is the encoder thread, `embed_wait`"
                      " the writer waiting for it; text stages run in a worker process, overlapped):", ""]
            lines += [f"- {n}: " + ", ".join(f"{k} {v}" for k, v in prof.items()) for n, prof in profiles.items()]
    hr = res.get("hit_rate", {})
    if hr.get("naive"):
        lines += ["", f"## Hit rate at full size ({hr['records']} records, all dev questions, one pooled store)", "",
                  "| pipeline | hit@5 | hit@10 | chars@5 | chars@10 | questions |", "|---|---|---|---|---|---|"]
        for name, p in ((k, v) for k, v in hr.items() if k == "naive" or k.startswith("chronicle-")):
            lines.append(f"| {name} | {p['hit@5']} | {p['hit@10']} | {p['chars@5']} | {p['chars@10']} | "
                         f"{p['questions']} |")
        lines.append(f"\nNaive full build (one run): {hr['naive'].get('build_s')} s, "
                     f"{hr['naive'].get('passages')} chunks.")
    lat = res.get("latency", {})
    if lat.get("seed"):
        lines += ["", "## Latency (ms)", "", "| store | call | n | p50 | p95 | max |", "|---|---|---|---|---|---|"]
        for where in ("seed", "scale"):
            for call in ("retrieve_ms", "extractive_ms"):
                s = _get(lat, where, call)
                if s and s.get("n"):
                    lines.append(f"| {where} | {call[:-3]} | {s['n']} | {s['p50']} | {s['p95']} | {s['max']} |")
        sc = lat.get("scale", {})
        if "articles" in sc:
            lines += [
                "",
                f"Scale store: {sc['articles']} articles, {sc['passages']} passages, {sc['statements']} statements, "
                f"{sc['events']} events. BM25 index built from the store "
                f"{sc.get('bm25_rebuild_s')} s, load {sc.get('bm25_load_ms')} ms; "
                f"a new process: {sc.get('new_process')}.",
            ]
    llm = res.get("llm", {})
    if llm.get("first_token_ms"):
        lines += [
            "",
            "## LLM on the seed article (model in its own process)",
            "",
            f"first token {llm['first_token_ms']}, total {llm['total_ms']}, retrieve {llm.get('retrieve_ms')} "
            f"({llm.get('model_called')} of {llm.get('questions')} questions answered by the model); model process "
            f"start + prewarm {llm.get('model_start_s')} s, {llm.get('model_starts')} start(s); RSS: serving process "
            f"{llm.get('rss_without_model_mb')} MB without the model process, {llm.get('rss_with_model_mb')} MB with "
            f"it, model process {llm.get('model_rss_mb')} MB (peak {llm.get('model_peak_rss_mb')} MB); threads "
            f"{llm.get('threads')}.",
        ]
    builds = _get(res, "llm_builds", "variants")
    if builds:
        lines += ["", f"## llama.cpp builds ({res['llm_builds'].get('threads')} threads, benchmarks.llm_builds)", "",
                  "| variant | prefill tok/s | decode tok/s | samples | CMAKE_ARGS |", "|---|---|---|---|---|"]
        for name, b in builds.items():
            lines.append(f"| {name} | {b.get('prefill_tokens_per_s')} | {b.get('decode_tokens_per_s')} | "
                         f"{b.get('samples')} | `{b.get('cmake_args')}` |")
    rq = res.get("realtimeqa", {})
    if rq.get("weeks"):
        lines += [
            "",
            f"## RealTimeQA ({rq.get('setting')}; weeks {', '.join(rq['weeks'])})",
            "",
            "The naive LangChain pipeline (1000-character chunks, top-5 dense, the packaged LLM with a plain [n]",
            "prompt) beside Chronicle, on the same questions (the setting above says which). For reference, the",
            "RealTimeQA paper's GCS + GPT-3 (175B) baseline: 34.6 exact match (open), 66.5 % multiple choice;",
            "humans 96.7 % MC.",
            "",
            "| pipeline | n | open acc | MC acc | hit@k | chars seen | reachable | abstained when gold=NOTA | "
            "abstained when answerable | first token p50 ms | total p50/p95 ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        labels = {"naive": "naive", "extractive_same_questions_as_llm": "extractive (the LLM rows' questions)",
                  "llm": "llm", "extractive": "extractive"}
        for name, label in labels.items():
            s = rq.get(name)
            if s and s.get("questions"):
                lines.append(
                    f"| {label} | {s['questions']} | {s['open_acc']} | {s['mc_acc']} | {s['hit@k']} | "
                    f"{s.get('chars_seen')} | {s['reachable']} | {s['abstained_when_nota']} "
                    f"(n={s['nota_gold_questions']}) | {s['abstained_when_answerable']} | "
                    f"{s['first_token_ms'].get('p50')} | {s['total_ms'].get('p50')}/{s['total_ms'].get('p95')} |"
                )
    lines += _tls_section(res)
    tq = res.get("timeqa")
    if tq:
        lines += ["", "## TimeQA (benchmarks.timeqa)", "", "```", json.dumps(tq.get("summary", tq), indent=1)[:3000],
                  "```"]
    skipped = {k: v["skipped"] for k, v in res.items() if isinstance(v, dict) and "skipped" in v}
    failed = {k: v["failed"] for k, v in res.items() if isinstance(v, dict) and "failed" in v}
    if skipped or failed:
        lines += ["", "## Skipped / failed", ""] + [f"- {k}: {v}" for k, v in {**skipped, **failed}.items()]
    return "\n".join(lines) + "\n"


def _tls_section(res: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in ("tls", "tls_pooled"):
        t = res.get(name) or {}
        if not t.get("systems"):
            continue
        lines += ["", f"## Timeline summarisation, T17 dev topics ({t.get('setting')}; benchmarks.tls)", "",
                  "Mean over the gold timelines; tilse's Date-F1 and alignment ROUGE F1 (many-to-one, ROUGE "
                  "re-implementation); the published rows are news-tls on all of T17.", "",
                  "| system | Date-F1 | AR-1 F1 | AR-2 F1 | p50 / p95 ms |", "|---|---|---|---|---|"]
        for system, m in t["systems"].items():
            lat = (t.get("latency_ms") or {}).get(system, {})
            lines.append(f"| {system} | {m['date_f1']} | {m['ar1_f1']} | {m['ar2_f1']} | "
                         f"{lat.get('p50')} / {lat.get('p95')} |")
        for ref in t.get("reference", []):
            lines.append(f"| {ref['system']} | {ref['date_f1']} | {ref['ar1_f1'] if ref['ar1_f1'] is not None else '-'}"
                         f" | {ref['ar2_f1'] if ref['ar2_f1'] is not None else '-'} | - |")
        lines += ["", "| timeline | dates | sentences/date | story articles | Chronicle D-F1 / AR-1 / AR-2 | "
                  "flat-mentions | most-published |", "|---|---|---|---|---|---|---|"]
        for r in t.get("per_timeline", []):
            sc = r["scores"]
            cells = [" / ".join(str(sc[s][k]) for k in ("date_f1", "ar1_f1", "ar2_f1")) for s in
                     ("chronicle", "flat-mentions", "most-published")]
            lines.append(f"| {r['topic']}#{r['timeline']} | {r['dates']} | {r['per_day']} | {r.get('story_articles')} "
                         f"| {' | '.join(cells)} |")
        ing = t.get("ingest") or {}
        if ing:
            lines += ["", "Ingest: " + "; ".join(
                f"{k}: {v.get('seconds')} s for {v.get('chars')} characters"
                + (f" (naive pipeline {v['naive']['seconds']} s: {v.get('speedup_chars_per_s')}x)" if v.get("naive")
                   else "") + (" (store reused)" if v.get("reused") else "") for k, v in ing.items())]
        member = t.get("story_membership") or {}
        if member:
            lines += ["", "Finding each story among the others (whole pooled store, no date range; articles matched "
                      "by URL): " + "; ".join(f"{k} precision {v['precision']}, recall {v['recall']} ({v['found']} "
                                              f"found, {v['topic_articles']} in the topic)" for k, v in member.items())]
        lat = t.get("story_latency") or {}
        stores = {"this store": lat} if "articles" in lat else lat  # pooled: one store; per topic: one per topic
        if stores:
            lines += ["", "Story timeline latency (20 dates, no range; the whole archive, and the topic's story): "
                      + "; ".join(f"{name} ({v.get('articles')} articles): whole archive p50 "
                                  f"{v.get('whole_archive', {}).get('p50')} ms, story p50 "
                                  f"{v.get('story', {}).get('p50')} / p95 {v.get('story', {}).get('p95')} ms"
                                  for name, v in stores.items())
                      + f"; peak RSS {t.get('peak_rss_mb_at_end')} MB."]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = base_parser(__doc__, RESULTS / "results.json", DEFAULT_DATA)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-llm", action="store_true", help="skip every LLM run (the CPU is shared)")
    ap.add_argument("--builds", action="store_true", help="also run llm_builds (compiles llama.cpp, ~5 min a variant)")
    ap.add_argument("--scale-store", type=Path, default=None, help="reuse a store holding all dev articles")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tls-data", type=Path, default=T17_DATA, help="T17-shaped folder for benchmarks.tls")
    ap.add_argument("--report-only", action="store_true", help="rebuild results.md/json from the last JSON files")
    ap.add_argument("--note", default="", help="with --report-only: how the per-benchmark JSON files were produced")
    args = ap.parse_args(argv)
    data = str(args.data.resolve())
    started = time.perf_counter()
    res: dict[str, Any] = {}

    if args.report_only:
        res["note"] = args.note
        for name in BENCHMARKS:
            found = load(name)
            if found is not None:
                res[name] = found
        return report(res, args.out, started)

    ingest = ["--data", data, "--runs", str(args.runs)]
    res["ingest"] = run("ingest", ingest + (["--questions", "6"] if args.quick else []), 6 * 3600)

    if args.scale_store:
        res["hit_rate"] = run("hit_rate", ["--data", data, "--store", str(args.scale_store)], 4 * 3600)

    latency = ["--data", data, "--repeat", "1" if args.quick else "3"]
    if args.scale_store:
        latency += ["--store", str(args.scale_store)]
    res["latency"] = run("latency", latency + (["--no-scale"] if args.quick and not args.scale_store else []), 4 * 3600)

    if not args.no_llm:
        res["llm"] = run("llm", ["--questions", "3"] if args.quick else [], 3600)
        if args.builds:
            res["llm_builds"] = run("llm_builds", ["--runs", "1", "--rounds", "1"] if args.quick else [], 4 * 3600)
    if "llm_builds" not in res and load("llm_builds") is not None:
        res["llm_builds"] = load("llm_builds")  # an earlier run's (they change only with the llama.cpp version)

    rtqa = ["--data", data, "--pipelines", "extractive" if args.no_llm else "naive,extractive,llm"]
    rtqa += ["--weeks", "1", "--limit", "10", "--llm-limit", "2"] if args.quick else ["--llm-limit", "90"]
    res["realtimeqa"] = run("realtimeqa", rtqa, 6 * 3600)

    res["timeqa"] = run("timeqa", ["--limit", "20" if args.quick else "200", "--mode", "extractive"], 3600)
    tls = ["--data", str(args.tls_data.resolve()), "--stores", str(RESULTS / "tls-stores")]
    tls += ["--topics", "mj,haiti"] if args.quick else ["--naive-ingest"]
    res["tls"] = run("tls", tls, 4 * 3600)
    res["tls_pooled"] = run("tls_pooled", [*tls, "--pooled"], 4 * 3600)
    return report(res, args.out, started)


def report(res: dict[str, Any], out: Path, started: float) -> int:
    """results.json (every benchmark's JSON without rows, plus machine and versions) and results.md beside it."""
    res = envelope("run_all", {**res, "total_s": time.perf_counter() - started})
    write_json(out, res)
    md = out.with_suffix(".md")
    md.write_text(markdown(res))
    print(md.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
