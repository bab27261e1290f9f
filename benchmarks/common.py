"""Shared helpers for the benchmark scripts: machine facts, versions, timing statistics, RealTimeQA files, scoring.

Every benchmark is a plain script (``python benchmarks/X.py ...``) that prints and writes one JSON result; this
module keeps them consistent. Nothing here loads a model.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import statistics
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "realtimeqa-2023-dev"
RESULTS = ROOT / "benchmarks" / "results"
NOTA = "none of the above"


def machine() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in (
        "chromadb",
        "langchain",
        "langchain-core",
        "langchain-chroma",
        "langchain-huggingface",
        "torch",
        "sentence-transformers",
        "onnxruntime",
        "bm25s",
        "llama_cpp_python",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stats_ms(values: Iterable[float]) -> dict[str, float]:
    """p50 / p95 / max of latencies in milliseconds (nearest-rank percentiles)."""
    xs = sorted(values)
    if not xs:
        return {"n": 0}

    def pct(p: float) -> float:
        return round(xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))], 1)

    return {"n": len(xs), "p50": pct(50), "p95": pct(95), "max": round(xs[-1], 1), "mean": round(statistics.fmean(xs), 1)}


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

_NON_WORD = re.compile(r"[^\w%$.]+")
_EDGE_DOTS = re.compile(r"(?<!\d)\.|\.(?!\d)")


def normalise(text: str) -> str:
    """Lower case, NFKC, quotes unified, punctuation to spaces (decimal points kept), single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'s ", " ")
    text = _EDGE_DOTS.sub(" ", _NON_WORD.sub(" ", text))
    return " ".join(text.split())


def contains(haystack: str, needle: str) -> bool:
    """Whole-word occurrence of the normalised needle in the normalised haystack ("4" does not match "40")."""
    n = normalise(needle)
    if not n:
        return False
    return f" {n} " in f" {normalise(haystack)} "
