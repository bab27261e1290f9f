"""Shared helpers of the benchmarks: command line, result envelope, timing statistics, RealTimeQA files, scoring.

Every benchmark is a module run as ``python -m benchmarks.<name> ...`` from the project root; it prints and writes
one JSON result, ``write_json(args.out, envelope(name, payload))``. Nothing here loads a model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Importing app sets the offline environment (no hub, no telemetry) before anything heavy is imported.
from app.eval.machine import machine_facts, versions
from app.eval.metrics import contains_words, normalize_words

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "realtimeqa-2023-dev"
RESULTS = ROOT / "benchmarks" / "results"
NOTA = "none of the above"

_LOAD_AT_START = [round(x, 2) for x in os.getloadavg()]


# --- command line and result ------------------------------------------------------------------------------------


def base_parser(doc: str, default_out: Path, data: Path | None = None) -> argparse.ArgumentParser:
    """The parser every benchmark starts from: the docstring's first line as description (the rest as epilog),
    ``--out`` (the JSON result) and, when ``data`` is given, ``--data`` with that default."""
    first, _, rest = doc.strip().partition("\n")
    script = Path(sys.argv[0])  # run as ``python -m benchmarks.<name>``: say so in the usage line
    prog = f"python -m benchmarks.{script.stem}" if script.parent.name == "benchmarks" else None
    parser = argparse.ArgumentParser(prog=prog, description=first, epilog=rest.strip() or None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=default_out, help=f"JSON result (default: {default_out})")
    if data is not None:
        parser.add_argument("--data", type=Path, default=data, help=f"dataset folder (default: {data})")
    return parser


def envelope(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A benchmark's result: its payload plus what produced it (peak RSS, machine, versions, arguments, time)."""
    return {
        "benchmark": name,
        **payload,
        "peak_rss_mb": peak_rss_mb(),
        "machine": {**machine_facts(), "load_avg_at_start": _LOAD_AT_START},
        "versions": versions(),
        "argv": sys.argv[1:],
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB: its own (Linux: VmHWM, the peak of the memory it has had
    since it started). Not getrusage's ru_maxrss, which a process inherits from the one that started it: the
    served 20,000-article store, measured in a child of the benchmark process that had just added articles to it,
    reported that process's 4.18 GB (its own peak was 3.1 GB). ru_maxrss where /proc is not there."""
    own = peak_rss_of(os.getpid())
    return own if own is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_rss_of(pid: int | None) -> float | None:
    """Peak RSS of a process in MB (Linux: VmHWM in /proc/<pid>/status, KiB); None where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def stats_ms(values: Iterable[float]) -> dict[str, float]:
    """p50 / p95 / max of latencies in milliseconds (nearest-rank percentiles)."""
    xs = sorted(values)
    if not xs:
        return {"n": 0}

    def pct(p: float) -> float:
        return round(xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))], 1)

    return {"n": len(xs), "p50": pct(50), "p95": pct(95), "max": round(xs[-1], 1),
            "mean": round(statistics.fmean(xs), 1)}


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


# --- RealTimeQA files -------------------------------------------------------------------------------------------


@dataclass
class Week:
    """One RealTimeQA week: its search-result articles and its two question files."""

    name: str
    gcs: Path
    qa: Path
    nota: Path | None


def weeks(data: Path) -> list[Week]:
    out = []
    for gcs in sorted(data.glob("*_gcs.jsonl")):
        name = gcs.name.removesuffix("_gcs.jsonl")
        qa = data / f"{name}_qa.jsonl"
        nota = data / f"{name}_qa_nota.jsonl"
        if qa.exists():
            out.append(Week(name, gcs, qa, nota if nota.exists() else None))
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def search_results(path: Path) -> list[dict[str, Any]]:
    """Every article record of a *_gcs.jsonl file, in file order (duplicates kept: dedup is the ingester's job)."""
    return [r for row in read_jsonl(path) for r in row.get("search_result") or [] if isinstance(r, dict)]


def question_day(question: dict[str, Any]) -> dt.date | None:
    """The day a RealTimeQA question was asked ("2023/09/01"), or None."""
    try:
        return dt.date(*(int(x) for x in str(question.get("question_date", "")).split("/")))
    except (TypeError, ValueError):
        return None


def gold(question: dict[str, Any]) -> str:
    return str(question["choices"][int(question["answer"][0])])


def skip(reason: str, out: Path | None = None) -> dict[str, Any]:
    """A benchmark whose data is absent reports so and exits 0."""
    result = {"skipped": reason}
    print(f"skipped: {reason}")
    if out:
        write_json(out, result)
    return result


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str))


# --- scoring ----------------------------------------------------------------------------------------------------

# One implementation, in app.eval.metrics: accents folded, lower case, punctuation to spaces (decimal points kept),
# "'s" dropped; ``contains`` is a whole-word match ("4" does not match "40").
normalise = normalize_words
contains = contains_words
