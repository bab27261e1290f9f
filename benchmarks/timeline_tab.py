"""The Timeline tab's server-side cost on an existing store: opening the tab, showing a story, the flat list.

    python -m benchmarks.timeline_tab --store DIR [--story "Haiti earthquake"] [--repeat 5] [--out FILE]

What a page's events run (app.ui.views.Views, the handlers app.ui.app wires to the tab), timed in this process:

- open: ``timeline_open`` then ``timeline_events_open`` with the tab's default inputs, as a first visit does
  (the whole-archive story up to OPEN_STORY_MAX articles, else a prompt; the flat list only for <= FLAT_MAX
  articles in range). Each repeat uses a new session (no cached view).
- story: ``timeline_show`` for ``--story`` (20 dates), with the downloads written, then ``timeline_events_show``.
- whole archive: ``timeline_show`` with an empty story box (what a user pressing Show timeline on an empty box
  waits for; the reason opening the tab stops drawing it past OPEN_STORY_MAX articles).

Building the Chronicle (embedding model, Chroma, keyword index) is timed apart: the server's prewarm does it before
the first page. The store is opened, not written; pass a copy if another process may be writing to it.
Reports p50/p95/max in ms per step and the process's peak RSS; say the machine's load beside the numbers.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, base_parser, envelope, stats_ms, write_json


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = base_parser(__doc__ or "", RESULTS / "timeline_tab.json")
    parser.add_argument("--store", type=Path, required=True, help="a Chronicle vector store folder")
    parser.add_argument("--story", default="", help="a story to ask for (default: none, skipped)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not (args.store / "chroma").is_dir():
        parser.error(f"{args.store} is not a Chronicle store (no chroma/ folder)")

    from app import load_settings
    from app.ui import views as views_mod
    from app.ui.views import Views

    t0 = time.perf_counter()
    views = Views(load_settings(vectorstore_dir=args.store, answer_mode="extractive"))
    views.prewarm()  # as `python -m app serve` does before the first page
    import gradio  # noqa: F401  (the handlers' gr.update(); the server has it loaded before any page)
    n_articles = len(views.chronicle.articles())
    build_s = time.perf_counter() - t0
    print(f"{n_articles} articles; Chronicle built and prewarmed in {build_s:.1f} s")

    def timed(fn: Any, *a: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        out = fn(*a)
        return (time.perf_counter() - t) * 1000, out

    steps: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    for i in range(args.repeat):
        ms_story, out = timed(views.timeline_open, "", 20, "", "", "", None, None)
        ms_flat, flat = timed(views.timeline_events_open, "All", "", "", "", None)
        steps.setdefault("open_story_ms", []).append(ms_story)
        steps.setdefault("open_events_ms", []).append(ms_flat)
        steps.setdefault("open_total_ms", []).append(ms_story + ms_flat)
        notes["open"], notes["open_events"] = str(out[0]), str(flat[3])
        if args.story:
            ms, out = timed(views.timeline_show, args.story, 20, "", "", "", None)
            ms2, flat = timed(views.timeline_events_show, "All", "", "", "")
            steps.setdefault("story_ms", []).append(ms)
            steps.setdefault("story_total_ms", []).append(ms + ms2)
            notes["story"] = str(out[0])
            views.drop_downloads(out[2 + len(views_mod.DOWNLOADS) + 1])
        ms, out = timed(views.timeline_show, "", 20, "", "", "", None)
        steps.setdefault("whole_archive_ms", []).append(ms)
        notes["whole_archive"] = str(out[0])
        views.drop_downloads(out[2 + len(views_mod.DOWNLOADS) + 1])
        print(f"repeat {i + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in steps.items()))
    payload = {
        "store": str(args.store), "n_articles": n_articles, "build_s": round(build_s, 2), "repeat": args.repeat,
        "open_story_max": views_mod.OPEN_STORY_MAX, "flat_max": views_mod.FLAT_MAX,
        **{k: stats_ms(v) for k, v in steps.items()}, "status_lines": notes,
    }
    result = envelope("timeline_tab", payload)
    write_json(args.out, result)
    for k, v in steps.items():
        s = stats_ms(v)
        print(f"{k:18} p50 {s['p50']:8.1f}  p95 {s['p95']:8.1f}  max {s['max']:8.1f}")
    print(f"peak RSS {result['peak_rss_mb']} MB; load at start {result['machine']['load_avg_at_start']}")
    return result


if __name__ == "__main__":
    main()
