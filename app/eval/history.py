"""Runs of a test set over time: where a run is written, which earlier run it is compared with, and what changed.

The web UI's Test set tab and ``python -m app.eval`` write the same files (``<runs_dir>/<timestamp>/results-<mode>
.json`` and ``report-<mode>.html``) and find the previous run the same way: the newest earlier results file of the
same test set (by resolved path) and mode. So a run started from the tab and one started in CI are one history.

Order of the comparison, for a fact-checker scanning it: cases that used to pass and now fail first (a regression
is what they must look at), then other failures, answers changed by a newly ingested article, stale cases (their
articles were removed: shown, not counted as failures), and passes last.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.eval.runner import QuestionResult, RunResult

MAX_RUNS_SCANNED = 200
# Sort order of the comparison rows (lower first).
_ORDER = {"newly failing": 0, "still failing": 1, "failing (new case)": 2, "changed": 3, "stale": 4, "fixed": 5,
          "new": 6, "": 7}


def new_run_dir(runs_dir: Path) -> Path:
    """A fresh ``runs_dir/<YYYYmmdd-HHMMSS>`` (with -2, -3 ... when two runs start in the same second)."""
    base = runs_dir / datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    path.mkdir(parents=True)
    return path


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return str(a) == str(b)


def find_previous(runs_dir: Path, testset: str | Path, mode: str, exclude: Path | None = None) -> RunResult | None:
    """The newest run of ``testset`` in ``mode`` under ``runs_dir`` (other than the results file ``exclude``)."""
    if not runs_dir.is_dir():
        return None
    files = sorted(runs_dir.glob(f"*/results-{mode}.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[:MAX_RUNS_SCANNED]:
        if exclude is not None and _same_file(path, exclude):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not _same_file(data.get("meta", {}).get("testset", ""), testset):
                continue
            return RunResult.from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            continue  # a half-written or foreign file is not a previous run
    return None


@dataclass(frozen=True)
class CaseRow:
    """One case of a run beside its previous result."""

    result: QuestionResult
    previous: str | None  # "pass" / "fail" / "stale" in the previous run; None: not in it (or no previous run)
    change: str  # "newly failing", "still failing", "failing (new case)", "changed", "stale", "fixed", "new", ""

    @property
    def status(self) -> str:
        return self.result.status


def _change(result: QuestionResult, previous: str | None, has_previous: bool) -> str:
    now = result.status
    if now == "stale":
        return "stale"
    if now == "fail":
        if previous == "pass":
            return "newly failing"
        return "failing (new case)" if has_previous and previous is None else "still failing"
    if result.changed_by:
        return "changed"
    if previous == "fail":
        return "fixed"
    return "new" if has_previous and previous is None else ""


def compare_runs(current: RunResult, previous: RunResult | None) -> list[CaseRow]:
    """Every case of ``current`` with its previous status, regressions first (then in test-set order)."""
    before = {r.id: r.status for r in previous.results} if previous else {}
    rows = [CaseRow(r, before.get(r.id), _change(r, before.get(r.id), previous is not None)) for r in current.results]
    order = {r.id: i for i, r in enumerate(current.results)}
    return sorted(rows, key=lambda row: (_ORDER[row.change], order[row.result.id]))


def counts(rows: list[CaseRow]) -> dict[str, int]:
    out = {"pass": 0, "fail": 0, "stale": 0, "newly failing": 0, "changed": 0, "fixed": 0}
    for row in rows:
        out[row.status] += 1
        if row.change in ("newly failing", "fixed"):
            out[row.change] += 1
        out["changed"] += bool(row.result.changed_by)  # failing or not
    return out
