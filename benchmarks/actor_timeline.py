"""Actor timelines (issue 27): over actors of a T17 dev topic, the share of lines that name the actor and the time
per actor timeline (and per "what is new since" timeline).

The actors are not chosen by hand: by default the topic's most frequent named speakers (statements the ingest
attributed, by number of articles; names of two or more capitalised words, one per surname), so the measure does
not depend on picking actors whose timelines look good; ``--actors`` names others. Each is asked as a user would,
``Chronicle.story(name)`` with the kind decided by the archive (it must come back as an actor, not a story).

A line names the actor when it holds the full name, or the surname alone where no other given name stands right
before it ("Dr Murray" names Conrad Murray, "Katherine Jackson" does not name Michael) — a check written apart from
app.query.actor_timeline's matcher; ``strict`` counts the full name only. Target: >= 90 % of lines (issue 27).

    python -m benchmarks.actor_timeline [--data ../shared/datasets/t17-dev] [--topic mj] [--store DIR]
        [--actors "Conrad Murray,Edward Chernoff"] [--n 5] [--repeat 3]
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from app import Chronicle, StoryTimeline, clear_caches, load_settings
from benchmarks.common import RESULTS, base_parser, envelope, peak_rss_mb, skip, stats_ms, write_json

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "t17-dev"
_HONORIFICS = {"Mr", "Mrs", "Ms", "Miss", "Dr", "Doctor", "Prof", "President", "Judge", "Sen", "Senator", "Gov",
               "Governor", "Mayor", "General", "Gen", "Officer", "Detective", "Attorney", "Sir", "Lord", "Lady"}


def names(line: str, actor: str) -> tuple[bool, bool]:
    """(strict, lenient): the line holds the full name; or the surname alone, no other given name before it."""
    if actor in line:
        return True, True
    words = actor.split()
    if len(words) < 2:
        return False, False
    for m in re.finditer(rf"(?<![\w-]){re.escape(words[-1])}(?![\w-])", line):
        before = re.search(r"([A-Z][\w'’-]*)\.?\s+$", line[: m.start()])
        if before is None or before.group(1) in _HONORIFICS or before.group(1) in words:
            return False, True
    return False, False


def pick_actors(chron: Chronicle, n: int) -> list[str]:
    """The topic's most frequent named speakers (by articles), one per surname."""
    articles: dict[str, set[str]] = defaultdict(set)
    for st in chron.statements():
        name = re.sub(r"^(?:the|The)\s+", "", st.speaker.strip())
        if len(re.findall(r"\b[A-Z][\w'’-]+", name)) >= 2 and len(name.split()) == len(re.findall(r"[A-Z]\S*", name)):
            articles[name].add(st.article_id)
    chosen: list[str] = []
    surnames: set[str] = set()
    for name in sorted(articles, key=lambda k: (-len(articles[k]), k)):
        if name.split()[-1] in surnames:
            continue
        chosen.append(name)
        surnames.add(name.split()[-1])
        if len(chosen) == n:
            break
    return chosen


def open_store(store: Path, articles: Path) -> tuple[Chronicle, dict[str, Any]]:
    chron = Chronicle(load_settings(vectorstore_dir=store, answer_mode="extractive"))
    if chron.articles():
        return chron, {"reused": True, "articles": len(chron.articles())}
    t0 = time.perf_counter()
    report = chron.ingest([articles])
    return chron, {"reused": False, "articles": report.added, "seconds": round(time.perf_counter() - t0, 1)}


def measure(chron: Chronicle, actor: str, repeat: int) -> dict[str, Any]:
    """One actor: its timeline (20 dates, 1 line each, as the chat asks), the lines' naming share, the time."""
    times, tl = [], None
    for _ in range(repeat + 1):  # the first run warms the caches (keyword index, article matrix)
        t0 = time.perf_counter()
        tl = chron.story(actor, n_dates=20, sentences_per_date=1)
        times.append((time.perf_counter() - t0) * 1000)
    assert tl is not None
    lines = [line.text for _, line in tl.lines]
    checks = [names(text, actor) for text in lines]
    since = newest_minus(tl, 7)
    since_ms, since_tl = [], None
    if since is not None:
        for _ in range(repeat):
            t0 = time.perf_counter()
            since_tl = chron.story(actor, n_dates=20, sentences_per_date=1, since=since)
            since_ms.append((time.perf_counter() - t0) * 1000)
    since_lines = [line.text for _, line in since_tl.lines] if since_tl else []
    row = {
        "actor": actor, "kind": tl.kind, "articles": tl.n_articles, "dates": len(tl.days), "lines": len(lines),
        "named_strict": sum(s for s, _ in checks), "named": sum(lenient for _, lenient in checks),
        "share_named": round(sum(lenient for _, lenient in checks) / len(lines), 3) if lines else None,
        "ms": stats_ms(times[1:]), "first_ms": round(times[0], 1),
        "since": since.isoformat() if since else None,
        "since_dates": {s: sum(d.status == s for d in since_tl.days) for s in ("new", "changed")} if since_tl else {},
        "since_share_named": round(sum(names(t, actor)[1] for t in since_lines) / len(since_lines), 3)
        if since_lines else None,
        "since_ms": stats_ms(since_ms) if since_ms else None,
        "not_named": [t[:160] for t, (_, lenient) in zip(lines, checks) if not lenient],
    }
    since_p50 = stats_ms(since_ms)["p50"] if since_ms else 0.0
    print(f"  {actor} ({tl.kind}): {len(tl.days)} dates, {row['named']}/{len(lines)} lines name it "
          f"(strict {row['named_strict']}), p50 {stats_ms(times[1:])['p50']:.0f} ms; since {row['since']}: "
          f"{row['since_dates']} p50 {since_p50:.0f} ms", flush=True)
    return row


def newest_minus(tl: StoryTimeline, days: int) -> dt.date | None:
    """A week before the actor's newest reported day: what a reporter following it would ask."""
    return tl.days[-1].date - dt.timedelta(days=days) if tl.days else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = base_parser(__doc__, RESULTS / "actor_timeline.json", DEFAULT_DATA)
    parser.add_argument("--topic", default="mj", help="the T17 topic folder (default mj: the smallest)")
    parser.add_argument("--store", type=Path, default=None, help="keep (and reuse) the topic's store here")
    parser.add_argument("--actors", default="", help="comma-separated names (default: the topic's top speakers)")
    parser.add_argument("--n", type=int, default=5, help="actors picked when --actors is not given (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per actor after a warm-up (default 3)")
    args = parser.parse_args(argv)
    articles = args.data / args.topic / "articles.jsonl"
    if not articles.exists():
        return skip(f"no T17 topic {args.topic!r} at {args.data}", args.out)
    store = args.store or Path(tempfile.mkdtemp(prefix="chronicle-actors-"))
    chron, ingest = open_store(store, articles)
    try:
        actors = [a.strip() for a in args.actors.split(",") if a.strip()] or pick_actors(chron, args.n)
        print(f"{args.topic}: {ingest['articles']} articles, actors: {', '.join(actors)}", flush=True)
        rows = [measure(chron, actor, args.repeat) for actor in actors]
    finally:
        chron.store.close()
        clear_caches()
    lines = sum(r["lines"] for r in rows)
    result = {
        "topic": args.topic,
        "ingest": ingest,
        "actors": rows,
        "share_named": round(sum(r["named"] for r in rows) / lines, 3) if lines else None,
        "share_named_strict": round(sum(r["named_strict"] for r in rows) / lines, 3) if lines else None,
        "mean_share_per_actor": round(statistics.mean(r["share_named"] for r in rows if r["share_named"] is not None),
                                      3) if lines else None,
        "actor_kinds": {r["actor"]: r["kind"] for r in rows},
        "p50_ms_per_actor": round(statistics.median(r["ms"]["p50"] for r in rows), 1) if rows else None,
        "target_share": 0.9,
        "peak_rss_mb_at_end": peak_rss_mb(),
    }
    print(json.dumps({k: result[k] for k in ("share_named", "share_named_strict", "mean_share_per_actor",
                                             "actor_kinds", "p50_ms_per_actor")}, indent=2))
    write_json(args.out, envelope("actor_timeline", result))
    return result


if __name__ == "__main__":
    main()
