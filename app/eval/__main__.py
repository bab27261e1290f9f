"""``python -m app.eval``: evaluate Chronicle on a JSONL test set, or compare two earlier runs.

argparse rather than click/typer: the flag set is small and the rest of the project's commands use argparse,
so the help output looks the same everywhere.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any

from app.offline import enforce_offline

MODES = ("llm", "extractive", "openai")  # --mode all runs these; auto is asked for by name


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.eval", description=__doc__.splitlines()[0])
    p.add_argument("--set", dest="testset", type=Path, default=Path("evalsets/seed.jsonl"), help="JSONL test set")
    p.add_argument("--mode", choices=(*MODES, "auto", "all"), default=None,
                   help="answer mode; 'all' runs each mode (default: the configured answer_mode)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/<timestamp>)")
    p.add_argument("--compare", nargs="+", type=Path, metavar="RUN.json",
                   help="compare earlier results JSON files (before after) instead of running")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--ingest", action="store_true", help="ingest the bundled articles into the configured store first")
    p.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                   help="for sets whose questions name a corpus (evalsets/archive.jsonl): the RealTimeQA folder whose "
                   "<week>_gcs.jsonl files are ingested first (e.g. ../shared/datasets/realtimeqa-2023-dev)")
    p.add_argument("--k", type=int, default=None, help="passages retrieved per question (overrides CHRONICLE_K)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _default_out() -> Path:
    from app import load_settings
    from app.eval.history import new_run_dir

    return new_run_dir(load_settings().runs_dir)


def _console() -> Any:
    """A console wide enough for the per-type table even when output is piped (rich defaults to 80 columns)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=180)


def _compare(paths: list[Path], out: Path | None) -> int:
    from app.eval.report import print_comparison, write_comparison
    from app.eval.runner import RunResult

    if len(paths) < 2:
        print("--compare needs at least two results JSON files", file=sys.stderr)
        return 2
    runs = [RunResult.load(p) for p in paths]
    print_comparison(runs, _console())
    path = write_comparison(runs, out or _default_out())
    print(f"comparison: {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from app import Chronicle, load_settings, read_testset
    from app.eval.history import compare_runs, find_previous
    from app.eval.report import print_comparison, print_summary, write_comparison, write_run
    from app.eval.runner import run_testset

    console = _console()
    settings = load_settings(k=args.k)
    if not args.testset.exists():
        print(f"no test set at {args.testset}", file=sys.stderr)
        return 2
    cases, problems = read_testset(args.testset, limit=args.limit)
    for problem in problems:  # a hand edit gone wrong: reported, skipped, left in the file as it is
        print(f"skipped {args.testset}:{problem.line}: {problem.reason}", file=sys.stderr)
    chron = Chronicle(settings)
    weeks = sorted({w for case in cases for w in case.corpus or []})
    if weeks:
        folder = args.corpus
        files = [folder / f"{w}_gcs.jsonl" for w in weeks] if folder else []
        if not files or not all(f.exists() for f in files):
            console.print(f"skipped: {args.testset} needs the corpus weeks {', '.join(weeks)}: pass --corpus DIR "
                          "(the RealTimeQA folder, e.g. ../shared/datasets/realtimeqa-2023-dev)")
            return 0
        console.print(f"ingesting {len(files)} corpus file(s): {chron.ingest(files).summary()}")
    if args.ingest:
        console.print(f"ingested {settings.sample_dir}: {chron.ingest([Path(settings.sample_dir)]).summary()}")
    embed, embedding_model = chron.embed, chron.embedding_model  # the packaged model, for semantic similarity
    modes = list(MODES) if args.mode == "all" else [args.mode or settings.answer_mode]
    out = args.out or _default_out()
    runs = []
    for mode in modes:
        run = run_testset(
            chron, cases, mode, settings=settings, k=settings.k, embed=embed, embedding_model=embedding_model,
            testset=str(args.testset), progress=not args.no_progress,
        )
        runs.append(run)
        print_summary(run, console)
        previous = find_previous(out.parent, args.testset, run.meta.mode, exclude=out / f"results-{run.meta.mode}.json")
        judged = any(r.judged_answer is not None for r in run.results)
        json_path, html_path = write_run(run, out, previous, compare=judged)
        rows = compare_runs(run, previous)
        regressed = [row.result.id for row in rows if row.change == "newly failing"]
        stale = [row.result.id for row in rows if row.change == "stale"]
        changed = [row.result.id for row in rows if row.result.changed_by]
        if previous is not None:
            console.print(f"compared with the previous run ({previous.meta.timestamp}): {len(regressed)} newly "
                          f"failing{': ' + ', '.join(regressed) if regressed else ''}")
        if stale:
            console.print(f"stale (their articles were removed, not counted): {', '.join(stale)}")
        if changed:
            console.print(f"changed by an article ingested after they were judged: {', '.join(changed)}")
        console.print(f"results: {json_path}\nreport:  {html_path}")
    if len(runs) > 1:
        print_comparison(runs, console)
        console.print(f"comparison: {write_comparison(runs, out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 unless the run itself crashed (failing questions are results, not errors)."""
    enforce_offline()
    args = build_parser().parse_args(argv)
    try:
        if args.compare:
            return _compare(args.compare, args.out)
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - report and signal the crash through the exit code
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
