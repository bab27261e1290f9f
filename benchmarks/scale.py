"""Scale: one archive of real article text grown to each size; ingest rate, adding 10 articles, disk, server RSS and
the latency of answers, story timelines and the two heavy tabs at every size, and how each grows.

    python -m benchmarks.scale --articles 1000,5000,20000 [--data DIR ...] [--out FILE] [--no-llm]
                               [--store DIR] [--questions N] [--repeat N]

The articles are the real ones of the datasets given (default: RealTimeQA dev's search results and T17 dev's
articles, deduplicated by URL or text). When a size asks for more than they hold, replicas are added: article i of
replica round r >= 1 is the original with its publication date shifted by r whole weeks, a dateline of its own
("REPLICA r DESK, <date> —") first in its text and a URL of its own, so it is a new article to the ingester (its
id is a hash of its content) and not an edit of the original (matched by URL). The JSON says how many are
replicas at each size.

One store is grown size by size (ingest of the new articles only; ``ingest_articles_per_s`` is that step's rate).
At each size: ``add10_s`` is the wall time of ``Chronicle.ingest`` of 10 new articles into it (then removed again,
so the sizes stay exact; ``add10_empty_s`` is the same into an empty store, measured first and again right after
each size's, so that their ratio holds on a machine whose load changes); ``disk_mb`` the store
folder. Then a fresh process serves the store as ``python -m app serve`` would (``Views`` built and prewarmed) and
measures: extractive answers (RealTimeQA questions: p50/p95 ms), the LLM's first token (p50, unless
``--no-llm``), three story timelines (T17 topic titles: p50 s), the Timeline tab opening (its two handlers, as a
first visit runs them) and the Articles tab opening (its first page), and its own peak RSS: the server's, the model
process apart. ``growth`` is each number at the largest size over the number at the smallest.

Time: ingest runs at the encoder's speed (~13,000 characters/s on 2 cores): 1,000 articles take ~5-10 minutes,
20,000 ~2 hours; run the full sizes on a quiet machine. ``--store`` keeps the grown store (resumable: a re-run skips
the articles already stored).

``--reuse-vectors``: the growth steps embed each distinct passage text once per run and reuse its vector for the
replicas (which repeat an original's passages; their first passage, with its dateline, is embedded anew). Without
it a 20,000-article archive of these datasets (~150 M characters: their articles average ~7,600) is ~3 h of encoder
time on 2 cores (``--vectors-from STORE`` also reuses the vectors of stores built from the same articles, e.g. the
RealTimeQA week stores), and the store at each size is the same either way: only ``ingest_articles_per_s`` changes,
so the JSON then gives the encoder-bound rate of the first size (real articles only, every text embedded) as
``ingest_articles_per_s`` and the growth step's own rate as ``ingest_reused_articles_per_s``. ``add10_s`` never
reuses vectors (the 10 articles go through ``Chronicle.ingest`` with the packaged encoder, as a user's would).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, base_parser, envelope, peak_rss_mb, read_jsonl, skip, write_json

DEFAULT_DATA = [Path("../shared/datasets/realtimeqa-2023-dev"), Path("../shared/datasets/t17-dev")]
DESKS = ["NORTH", "SOUTH", "EAST", "WEST", "CENTRAL", "COASTAL", "CAPITAL", "METRO"]
KEYS = ("ingest_articles_per_s", "add10_s", "disk_mb", "rss_mb", "extractive_p50_ms", "extractive_p95_ms",
        "llm_first_token_p50_ms", "story_p50_s", "timeline_tab_s", "articles_tab_s")


# --- the corpus ---------------------------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).replace("/", "-")[:10])
    except ValueError:
        return None


def real_articles(dirs: list[Path]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(articles as ingest records, RealTimeQA questions, story names) from the dataset folders, deduplicated."""
    out: list[dict[str, Any]] = []
    questions: list[str] = []
    stories: list[str] = []
    seen: set[str] = set()

    def add(title: str, text: str, published: dt.date | None, url: str, source: str) -> None:
        key = url or hashlib.sha256(text.encode()).hexdigest()
        if len(text.strip()) < 200 or key in seen or published is None:
            return
        seen.add(key)
        out.append({"title": title, "text": text, "published": published.isoformat(), "url": url,
                    "source": source})

    for folder in dirs:
        for gcs in sorted(folder.glob("*_gcs.jsonl")):  # RealTimeQA: search results per question
            for row in read_jsonl(gcs):
                for r in row.get("search_result") or []:
                    if isinstance(r, dict):
                        add(str(r.get("title") or ""), str(r.get("text") or ""), _date(r.get("publish_date")),
                            str(r.get("url") or ""), "realtimeqa")
        for qa in sorted(folder.glob("*_qa.jsonl")):
            questions += [str(q["question_sentence"]) for q in read_jsonl(qa)]
        topics = folder / "topics.json"
        if topics.exists():  # Timeline17
            for name, topic in json.loads(topics.read_text()).items():
                stories.append(str(topic.get("title") or name))
                for i, r in enumerate(read_jsonl(folder / name / "articles.jsonl")):
                    add(str(r.get("title") or ""), str(r.get("text") or ""), _date(r.get("published")),
                        str(r.get("url") or f"t17://{name}/{i}"), f"t17-{name}")
    return interleaved(out), questions, stories


def interleaved(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The articles of each source (RealTimeQA, each T17 topic) in turn, so that every size, even a small one,
    holds some of every story the benchmark asks for (a first run without this had no T17 article up to 300)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in articles:
        groups.setdefault(a["source"], []).append(a)
    out: list[dict[str, Any]] = []
    for i in range(max((len(g) for g in groups.values()), default=0)):
        out += [g[i] for g in groups.values() if i < len(g)]
    return out


def replica(article: dict[str, Any], round_: int) -> dict[str, Any]:
    """The article ``round_`` whole weeks later, with a dateline and URL of its own."""
    day = dt.date.fromisoformat(article["published"]) + dt.timedelta(weeks=round_)
    desk = DESKS[round_ % len(DESKS)]
    return {**article, "published": day.isoformat(), "url": f"{article['url']}#replica-{round_}",
            "text": f"REPLICA {round_} {desk} DESK, {day:%d %B %Y} — {article['text']}",
            "source": f"{article['source']}-replica"}


def nth(base: list[dict[str, Any]], i: int) -> dict[str, Any]:
    """Article i of the archive: the originals first, then replica rounds 1, 2, ..."""
    round_, k = divmod(i, len(base))
    return base[k] if round_ == 0 else replica(base[k], round_)


def held_out(base: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """Articles never part of any size (replica rounds no archive reaches): what ``add10_s`` adds."""
    return [replica(base[j * 7 % len(base)], 10_000 + j) for j in range(n)]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return path


def disk_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


# --- the server side (a fresh process per size) --------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(q * len(xs) + 0.5) - 1))] if xs else 0.0


def serve_measure(store: Path, questions: list[str], stories: list[str], llm: bool, repeat: int) -> dict[str, Any]:
    """What a served store costs: run in its own process (``--serve``), so its peak RSS is the server's."""
    from app import load_settings
    from app.ui.views import Views

    views = Views(load_settings(vectorstore_dir=store, answer_mode="llm" if llm else "extractive"))
    t0 = time.perf_counter()
    views.prewarm()
    chron = views.chronicle
    out: dict[str, Any] = {"prewarm_s": round(time.perf_counter() - t0, 2)}

    def timed(fn: Any, *args: Any) -> float:
        t = time.perf_counter()
        fn(*args)
        return time.perf_counter() - t

    out["articles_tab_s"] = round(statistics.median(timed(views.articles) for _ in range(repeat)), 3)
    tab = [timed(views.timeline_open, "", 20, "", "", "", None, None)
           + timed(views.timeline_events_open, "All", "", "", "", None) for _ in range(repeat)]
    out["timeline_tab_s"] = round(statistics.median(tab), 3)
    chron.ask(questions[0], mode="extractive")  # warm-up: lazy imports, caches
    ms = [1000 * timed(chron.ask, q, None, "extractive") for q in questions]
    out["extractive_p50_ms"] = round(_p(ms, 0.5), 1)
    out["extractive_p95_ms"] = round(_p(ms, 0.95), 1)
    story_s = [timed(chron.story, about) for about in stories]
    out["story_p50_s"] = round(statistics.median(story_s), 2) if story_s else None
    out["llm_first_token_p50_ms"] = None
    if llm:
        first = []
        for q in questions[:3]:
            t = time.perf_counter()
            for part in chron.stream(q, mode="llm"):
                if isinstance(part, str) and part:
                    first.append(1000 * (time.perf_counter() - t))
                    break
        out["llm_first_token_p50_ms"] = round(statistics.median(first), 1) if first else None
    out["rss_mb"] = peak_rss_mb()
    return out


def serve_in_child(store: Path, questions: list[str], stories: list[str], llm: bool, repeat: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"questions": questions, "stories": stories}, fh)
    try:
        cmd = [sys.executable, "-m", "benchmarks.scale", "--serve", str(store), "--serve-input", fh.name,
               "--repeat", str(repeat)] + ([] if llm else ["--no-llm"])
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    finally:
        os.unlink(fh.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("SERVE ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"the serving process failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(line[6:]))


# --- the run ------------------------------------------------------------------------------------------------------


class Grower:
    """Ingest of a growth step: ``Chronicle.ingest``, or with ``reuse`` the same pipeline with an encoder that embeds
    each distinct text once per run (replicas repeat their original's passages)."""

    def __init__(self, chron: Any, reuse: bool) -> None:
        self.chron, self.reuse = chron, reuse
        self.vectors: dict[str, Any] = {}
        self.embedded = 0

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        todo = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if todo:
            for text, vector in zip(todo, self.chron.embed_batch(todo)):
                self.vectors[text] = vector
            self.embedded += len(todo)
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    def prefill(self, store: Any = None) -> None:
        """A resumed run: the stored passages' vectors are what their texts embed to (a kill loses no work); the
        same for another store built with the packaged encoder (``--vectors-from``)."""
        store = store or self.chron.store
        ids = sorted(store.articles())
        for i in range(0, len(ids), 200):
            passages = store.passages_of_articles(ids[i:i + 200])
            vectors = store.passage_vectors([p.chunk_id for p in passages])
            self.vectors.update({p.text: vectors[p.chunk_id] for p in passages if p.chunk_id in vectors})

    def __call__(self, paths: list[Path]) -> Any:
        if not self.reuse:
            return self.chron.ingest(paths, progress=True)
        from app.ingest.pipeline import ingest_paths

        report = ingest_paths(paths, self.chron.settings, store=self.chron.store, encode=self.encode, progress=True)
        self.chron.retriever.refresh(force=True)
        return report



def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "scale.json")
    ap.add_argument("--articles", default="1000,5000,20000", help="archive sizes, ascending (comma-separated)")
    ap.add_argument("--data", type=Path, action="append", default=None,
                    help="a dataset folder (RealTimeQA's *_gcs.jsonl, or T17's topics.json); repeatable")
    ap.add_argument("--no-llm", action="store_true", help="skip the model (no first-token time)")
    ap.add_argument("--store", type=Path, default=None, help="grow (and keep) the store here; default: a temp dir")
    ap.add_argument("--questions", type=int, default=20, help="extractive questions per size")
    ap.add_argument("--repeat", type=int, default=3, help="openings of each tab per size (median)")
    ap.add_argument("--reuse-vectors", action="store_true",
                    help="growth steps embed each distinct passage once and reuse it for replicas (see the docstring)")
    ap.add_argument("--vectors-from", type=Path, action="append", default=None,
                    help="with --reuse-vectors: other stores (packaged encoder) whose passage vectors are reused")
    ap.add_argument("--serve", type=Path, default=None, help=argparse_hidden())
    ap.add_argument("--serve-input", type=Path, default=None, help=argparse_hidden())
    args = ap.parse_args(argv)

    if args.serve is not None:  # the child: measure one served store, print one line
        given = json.loads(args.serve_input.read_text())
        print("SERVE " + json.dumps(serve_measure(args.serve, given["questions"], given["stories"],
                                                  not args.no_llm, args.repeat)), flush=True)
        return {}

    dirs = [d for d in (args.data or DEFAULT_DATA) if d.exists()]
    if not dirs:
        return skip(f"no dataset at {', '.join(map(str, args.data or DEFAULT_DATA))}", args.out)
    sizes = sorted({int(x) for x in args.articles.split(",") if x.strip()})
    base, questions, stories = real_articles(dirs)
    if not base or not questions:
        return skip(f"no articles or no RealTimeQA questions in {', '.join(map(str, dirs))}", args.out)
    questions = questions[:: max(1, len(questions) // args.questions)][: args.questions]
    stories = (stories or ["Hurricane Idalia", "Ukraine war", "Israel Hamas war"])[:3]
    print(f"{len(base):,} distinct real articles in {', '.join(map(str, dirs))}; sizes {sizes}", flush=True)

    from app import Chronicle, load_settings

    work = Path(tempfile.mkdtemp(prefix="chronicle-scale-"))
    store = args.store or work / "store"
    try:
        extra = held_out(base)
        add_file = write_jsonl(work / "add10.jsonl", extra)

        def add10(chron: Any) -> float:
            t = time.perf_counter()
            report = chron.ingest([add_file])
            seconds = time.perf_counter() - t
            assert report.added == len(extra), report.summary()
            ids = [a.article_id for a in chron.articles() if "#replica-1000" in a.url]
            chron.remove(ids)
            return round(seconds, 2)

        empty = Chronicle(load_settings(vectorstore_dir=work / "empty"))
        empty.retrieve("warm up the encoder")  # the model load is not part of adding 10 articles
        empty.ingest([write_jsonl(work / "warm.jsonl", [replica(base[0], 20_000)])])
        add10_empty = add10(empty)
        print(f"add 10 articles to an empty store: {add10_empty} s", flush=True)

        chron = Chronicle(load_settings(vectorstore_dir=store))
        grow = Grower(chron, reuse=args.reuse_vectors)
        if args.reuse_vectors:
            grow.prefill()
            for other in args.vectors_from or []:
                grow.prefill(Chronicle(load_settings(vectorstore_dir=other)).store)
            print(f"{len(grow.vectors):,} passage vectors known before the first step", flush=True)
        rows: list[dict[str, Any]] = []
        result: dict[str, Any] = {}
        have = len(chron.articles())
        for size in sizes:
            new = [nth(base, i) for i in range(have, size)]
            t = time.perf_counter()
            report = grow([write_jsonl(work / f"articles-{have}-{size}.jsonl", new)])
            seconds = time.perf_counter() - t
            stored = len(chron.articles())
            rate = round(report.added / seconds, 2) if report.added else None
            real = report.added > 0 and not any("#replica-" in str(a.get("url")) for a in new)
            row: dict[str, Any] = {
                "articles": stored,
                "replicas": max(0, stored - len(base)),
                "ingest_articles_per_s": rate if real or not args.reuse_vectors else None,
                "ingest_reused_articles_per_s": rate if args.reuse_vectors else None,
                "embedded_passages": grow.embedded,
                "ingest_s": round(seconds, 1),
                "add10_s": add10(chron),
                "add10_empty_s": add10(empty),  # again, beside it: on a shared machine the load changes
                "disk_mb": disk_mb(store),
            }
            row.update(serve_in_child(store, questions, stories, not args.no_llm, args.repeat))
            rows.append(row)
            have = size
            print(json.dumps(row), flush=True)
            result = _result(rows, base, dirs, add10_empty, questions, stories, not args.no_llm)
            write_json(args.out, result)  # after every size: a long run stopped at 10,000 keeps what it measured
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _result(rows: list[dict[str, Any]], base: list[dict[str, Any]], dirs: list[Path], add10_empty: float,
            questions: list[str], stories: list[str], llm: bool) -> dict[str, Any]:
    growth = {}
    if len(rows) > 1:
        for key in KEYS:
            a, b = rows[0].get(key), rows[-1].get(key)
            growth[key] = round(b / a, 2) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a \
                else None
    return envelope("scale", {
        "base_articles": len(base),
        "data": [str(d) for d in dirs],
        "add10_empty_s": add10_empty,
        "sizes": rows,
        "growth": {"from": rows[0]["articles"], "to": rows[-1]["articles"], **growth} if growth else {},
        "questions": len(questions),
        "stories": stories,
        "llm": llm,
    })


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
