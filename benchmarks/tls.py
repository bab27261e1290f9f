"""Timeline summarisation (Timeline17): Chronicle's story timelines beside two baselines, scored with tilse.

    python -m benchmarks.tls [--data DIR] [--topics a,b] [--pooled] [--extra FILE,...] [--membership-only]
                             [--stores DIR] [--naive-ingest] [--out FILE]

Protocol (the dataset's README; news-tls, Ghalandari & Ifrim 2020): for each gold timeline the system is told the
number of dates T and the average number of sentences per date L (rounded), uses only articles published within
the gold timeline's first and last date, and is asked with the topic's title and query words (``topics.json``).
One store per topic; with ``--pooled`` all topics share one store, so the story must be found among the others as
in a real archive. ``--extra`` adds articles of no topic to the pooled store (same ``articles.jsonl`` layout):
neighbouring stories a topic's story must not take in (each one a topic's story takes lowers its precision);
``--membership-only`` measures only how well each story is found among the others (no timelines, no baselines).
``--data DIR`` takes any folder laid out the same way (``<topic>/articles.jsonl``,
``<topic>/timelines.jsonl``, ``topics.json``).

Systems, per gold timeline:
- chronicle: ``Chronicle.story(about, n_dates=T, sentences_per_date=L, date_from, date_to)`` (extractive);
- flat-mentions: the flat timeline (``Chronicle.timeline(date_from, date_to)``: every dated sentence, merged across
  articles) cut to the T days with the most events, each day's first L event sentences;
- most-published: the T days on which most articles were published, each day's first L sentences of those
  articles (news-tls's PubCount date baseline with lead sentences).
Metrics (tilse, as the papers report them): Date-F1 (exact days), alignment ROUGE-1 / ROUGE-2 F1 with
``align_date_content_costs_many_to_one`` (each system date aligned with the closest gold date, ROUGE discounted
by the distance), computed by tilse's ROUGE re-implementation (``rouge_computation="reimpl"``, no Perl). The gold
summaries are Penn-Treebank tokenised; system sentences are tokenised the same way (nltk's Treebank tokenizer)
before scoring, so "Haiti's" meets "Haiti 's". Reference rows: news-tls on all of T17.

tilse is isolated from the app: ``benchmarks/requirements-tls.txt`` (installed by setup with ``--no-deps``; its
own dependency list pulls in pyrouge, spaCy-era extras that the metrics never import).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from app import Chronicle, clear_caches, load_settings
from benchmarks.common import RESULTS, base_parser, envelope, peak_rss_mb, read_jsonl, skip, stats_ms, write_json

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "t17-dev"
REFERENCE = [
    {"system": "news-tls Datewise (published, all T17)", "date_f1": 0.544, "ar1_f1": 0.120, "ar2_f1": 0.035},
    {"system": "news-tls Clust (published, all T17)", "date_f1": 0.407, "ar1_f1": None, "ar2_f1": None},
]
SYSTEMS = ("chronicle", "flat-mentions", "most-published")
Tl = dict[dt.date, list[str]]


# --- data -------------------------------------------------------------------------------------------------------


def topics(data: Path) -> dict[str, dict[str, Any]]:
    """topic -> {title, query, articles (path), timelines (list)} for every topic folder with both files."""
    meta = json.loads((data / "topics.json").read_text()) if (data / "topics.json").exists() else {}
    out = {}
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        arts, tls = folder / "articles.jsonl", folder / "timelines.jsonl"
        if arts.exists() and tls.exists():
            info = meta.get(folder.name, {})
            out[folder.name] = {"title": info.get("title", folder.name), "query": info.get("query", []),
                                "articles": arts, "timelines": read_jsonl(tls)}
    return out


def gold_timeline(record: dict[str, Any]) -> Tl:
    return {dt.date.fromisoformat(d["date"]): list(d["sentences"]) for d in record["dates"]}


def about_of(topic: dict[str, Any]) -> str:
    words = [w for w in topic["query"] if w.lower() not in topic["title"].lower()]
    return " ".join([topic["title"], *words]).strip()


# --- scoring (tilse) --------------------------------------------------------------------------------------------


def _tokenise(sentences: list[str]) -> list[str]:
    from nltk.tokenize import TreebankWordTokenizer

    tok = TreebankWordTokenizer()
    return [" ".join(tok.tokenize(s)) for s in sentences]


def score(pred: Tl, gold: Tl) -> dict[str, float]:
    """Date-F1 and alignment ROUGE-1/2 F1 (many-to-one) of one system timeline against one gold timeline."""
    from tilse.data.timelines import GroundTruth, Timeline
    from tilse.evaluation import rouge

    shared = len(set(pred) & set(gold))
    p = shared / len(pred) if pred else 0.0
    r = shared / len(gold) if gold else 0.0
    date_f1 = 2 * p * r / (p + r) if p + r else 0.0
    if not pred:
        return {"date_f1": 0.0, "ar1_f1": 0.0, "ar2_f1": 0.0}
    evaluator = rouge.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"], rouge_computation="reimpl")
    system = Timeline({d: _tokenise(s) for d, s in pred.items()})
    truth = GroundTruth([Timeline({d: list(s) for d, s in gold.items()})])
    got = evaluator.evaluate_align_date_content_costs_many_to_one(system, truth)
    return {"date_f1": round(date_f1, 4), "ar1_f1": round(got["rouge_1"]["f_score"], 4),
            "ar2_f1": round(got["rouge_2"]["f_score"], 4)}


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = ("date_f1", "ar1_f1", "ar2_f1")
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0 for k in keys}


# --- systems ----------------------------------------------------------------------------------------------------


def chronicle_system(chron: Chronicle, about: str, n: int, per_day: int, lo: dt.date, hi: dt.date) -> tuple[Tl, Any]:
    story = chron.story(about, n_dates=n, sentences_per_date=per_day, date_from=lo, date_to=hi)
    return {d.date: [line.text for line in d.lines] for d in story.days}, story


def flat_mentions(chron: Chronicle, n: int, per_day: int, lo: dt.date, hi: dt.date) -> Tl:
    """The flat timeline cut to the n days with the most events (single days only), first sentences."""
    events = [e for e in chron.timeline(date_from=lo, date_to=hi)
              if e.granularity == "day" and e.date_start == e.date_end and lo <= e.date_start <= hi]
    counts = Counter(e.date_start for e in events)
    days = [d for d, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
    out: Tl = defaultdict(list)
    for e in events:
        if e.date_start in days and len(out[e.date_start]) < per_day and e.text not in out[e.date_start]:
            out[e.date_start].append(e.text)
    return dict(out)


def most_published(chron: Chronicle, n: int, per_day: int, lo: dt.date, hi: dt.date) -> Tl:
    """The n days with the most articles published, the first sentences of that day's first articles."""
    from app import split_sentences

    by_day: dict[dt.date, list[Any]] = defaultdict(list)
    for a in chron.articles():
        if a.published and lo <= dt.date.fromisoformat(a.published[:10]) <= hi:
            by_day[dt.date.fromisoformat(a.published[:10])].append(a)
    days = sorted(by_day, key=lambda d: (-len(by_day[d]), d))[:n]
    out: Tl = {}
    for d in days:
        sents: list[str] = []
        for a in sorted(by_day[d], key=lambda a: a.article_id):
            text = chron.article_text(a.article_id) or ""
            sents += [text[s.start:s.end] for s in split_sentences(text)[:per_day] if len(text[s.start:s.end]) > 20]
            if len(sents) >= per_day:
                break
        out[d] = sents[:per_day]
    return out


# --- stores -----------------------------------------------------------------------------------------------------


def open_store(store_dir: Path, files: list[Path]) -> tuple[Chronicle, dict[str, Any]]:
    """A Chronicle over ``store_dir``, ingesting those of ``files`` the store does not hold yet (timed); the marker
    lists the files ingested (a marker without the list holds every file given, as before)."""
    settings = load_settings(vectorstore_dir=store_dir, answer_mode="extractive")
    chron = Chronicle(settings)
    marker = store_dir / "tls-ingested.json"
    done = json.loads(marker.read_text()) if marker.exists() else {}
    held = set(done.get("files", [str(f) for f in files])) if done else set()
    todo = [f for f in files if str(f) not in held]
    info: dict[str, Any] = {**done, "reused": not todo}
    if todo:
        t0 = time.perf_counter()
        report = chron.ingest(todo)
        info.update(seconds=round(time.perf_counter() - t0, 1), articles=report.added + done.get("articles", 0),
                    chars=sum(len(r["text"]) for f in todo for r in read_jsonl(f)) + done.get("chars", 0),
                    files=sorted(held | {str(f) for f in todo}))
        marker.write_text(json.dumps({k: v for k, v in info.items() if k != "reused"}))
    return chron, info


def naive_ingest(files: list[Path], store_dir: Path) -> dict[str, Any]:
    """The naive LangChain pipeline's ingest of the same articles (1000-character chunks, torch MiniLM, Chroma)."""
    from langchain_core.documents import Document

    from benchmarks.naive import build_naive, naive_embeddings

    emb = naive_embeddings()
    docs = [Document(f"{r.get('title') or ''}\n\n{r['text']}", metadata={"published": r.get("published", "")})
            for f in files for r in read_jsonl(f)]
    t0 = time.perf_counter()
    shutil.rmtree(store_dir, ignore_errors=True)
    _, n_chunks = build_naive(docs, store_dir, emb)
    return {"seconds": round(time.perf_counter() - t0, 1), "chunks": n_chunks,
            "chars": sum(len(d.page_content) for d in docs)}


def story_membership(chron: Chronicle, group: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """In a pooled store, over the whole archive (no date range): precision and recall of each topic's story
    articles against the articles the topic's folder holds (matched by URL); ``other_topics`` and ``extra`` count
    what it took from the other topics and from the ``--extra`` articles. ``mean`` is over the topics."""
    urls = {t: {r.get("url") for r in read_jsonl(info["articles"])} for t, info in group.items()}
    by_id = {a.article_id: a.url for a in chron.articles()}
    topic_ids = {aid for aid, url in by_id.items() if any(url in u for u in urls.values())}
    out: dict[str, Any] = {}
    for t, info in group.items():
        found = set(chron.story(about_of(info), n_dates=1).article_ids)
        truth = {aid for aid, url in by_id.items() if url in urls[t]}
        hits = len(found & truth)
        out[t] = {"found": len(found), "topic_articles": len(truth),
                  "precision": round(hits / len(found), 3) if found else 0.0,
                  "recall": round(hits / len(truth), 3) if truth else 0.0,
                  "other_topics": len((found - truth) & topic_ids), "extra": len(found - topic_ids)}
    if out:
        out["mean"] = {k: round(sum(v[k] for v in out.values()) / len(out), 3) for k in ("precision", "recall")}
    return out


def story_latency(chron: Chronicle, abouts: list[str], repeat: int = 3) -> dict[str, Any]:
    """Story timelines as a user asks for them (20 dates, 2 sentences, no range) on the whole store: of the whole
    archive, and of each topic's story; p50/p95 over ``repeat`` runs each."""
    def timed(about: str) -> float:
        t0 = time.perf_counter()
        chron.story(about, n_dates=20)
        return (time.perf_counter() - t0) * 1000

    timed("")  # the first call loads the keyword index and the article list
    whole = [timed("") for _ in range(repeat)]
    story = [timed(a) for _ in range(repeat) for a in abouts]
    return {"articles": len(chron.articles()), "whole_archive": stats_ms(whole), "story": stats_ms(story)}


# --- the run ----------------------------------------------------------------------------------------------------


def headline_system(chron: Chronicle, story: Any) -> tuple[Tl, dict[str, Any]]:
    """Each day's one-line headline (the model's under the citation guard, else the day's first line) as that day's
    summary, and what happened: how many the guard kept, why the others were refused, seconds until the last."""
    t0 = time.perf_counter()
    heads = list(chron.headlines(story))
    kept = [h for h in heads if h.by == "model"]
    info = {"days": len(heads), "model": len(kept), "refused": Counter(h.reason.split(" (")[0] for h in heads
                                                                       if h.by != "model"),
            "seconds_all": round(time.perf_counter() - t0, 1),
            "words_mean": round(sum(len(h.text.split()) for h in kept) / len(kept), 1) if kept else 0.0,
            "examples": [{"date": h.date.isoformat(), "by": h.by, "text": h.text, "proposed": h.proposed,
                          "reason": h.reason} for h in heads[:4]]}
    return {h.date: [h.text] for h in heads}, info


def headline_latency(chron: Chronicle, about: str, n: int = 20) -> dict[str, Any]:
    """Seconds until every headline of a ``n``-date story timeline (no range) has arrived, the model warm, and
    until the first: what a reader of the Timeline tab waits for after the timeline is shown."""
    story = chron.story(about, n_dates=n)
    t0 = time.perf_counter()
    arrived = [time.perf_counter() - t0 for _ in chron.headlines(story)]
    return {"dates": len(story.days), "first_s": round(arrived[0], 1) if arrived else None,
            "all_s": round(arrived[-1], 1) if arrived else None}


def run_timeline(chron: Chronicle, topic: dict[str, Any], record: dict[str, Any],
                 headlines: bool = False) -> dict[str, Any]:
    gold = gold_timeline(record)
    lo, hi = min(gold), max(gold)
    n = len(gold)
    per_day = max(1, round(sum(len(s) for s in gold.values()) / n))
    about = about_of(topic)
    row: dict[str, Any] = {"topic": record["topic"], "timeline": record["timeline"], "dates": n, "per_day": per_day,
                           "from": lo.isoformat(), "to": hi.isoformat(), "about": about, "scores": {}, "ms": {}}
    t0 = time.perf_counter()
    pred, story = chronicle_system(chron, about, n, per_day, lo, hi)
    row["ms"]["chronicle"] = round((time.perf_counter() - t0) * 1000, 1)
    row["story_articles"] = story.n_articles
    row["story_timings"] = dict(story.timings)
    row["scores"]["chronicle"] = score(pred, gold)
    if headlines:
        heads, row["headlines"] = headline_system(chron, story)
        row["scores"]["chronicle-headlines"] = score(heads, gold)
        row["ms"]["chronicle-headlines"] = row["headlines"]["seconds_all"] * 1000
    t0 = time.perf_counter()
    row["scores"]["flat-mentions"] = score(flat_mentions(chron, n, per_day, lo, hi), gold)
    row["ms"]["flat-mentions"] = round((time.perf_counter() - t0) * 1000, 1)
    t0 = time.perf_counter()
    row["scores"]["most-published"] = score(most_published(chron, n, per_day, lo, hi), gold)
    row["ms"]["most-published"] = round((time.perf_counter() - t0) * 1000, 1)
    print(f"  {record['topic']}#{record['timeline']} T={n} L={per_day} story={story.n_articles} articles: "
          + "  ".join(f"{s} {v['date_f1']:.3f}/{v['ar1_f1']:.3f}/{v['ar2_f1']:.3f}" for s, v in row["scores"].items()),
          flush=True)
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = base_parser(__doc__, RESULTS / "tls.json", DEFAULT_DATA)
    parser.add_argument("--topics", default="", help="comma-separated topic folders (default: all)")
    parser.add_argument("--pooled", action="store_true", help="all topics in one store (the story must be found)")
    parser.add_argument("--extra", default="", help="comma-separated articles.jsonl files of no topic, pooled in "
                        "as neighbouring stories (with --pooled)")
    parser.add_argument("--membership-only", action="store_true",
                        help="with --pooled: only how well each story is found among the others")
    parser.add_argument("--stores", type=Path, default=None, help="keep (and reuse) the stores here")
    parser.add_argument("--naive-ingest", action="store_true", help="also time the naive pipeline's ingest")
    parser.add_argument("--headlines", action="store_true", help="also score each day's model-written headline "
                        "(the packaged LLM, under the citation guard) in place of its lines, and time a 20-date "
                        "timeline's headlines")
    args = parser.parse_args(argv)
    if not args.data.exists():
        return skip(f"no T17 data at {args.data}", args.out)
    try:
        import tilse  # noqa: F401
    except ImportError:
        return skip("tilse is not installed: pip install --no-deps -r benchmarks/requirements-tls.txt", args.out)
    extra = [Path(f) for f in args.extra.split(",") if f]
    if (extra or args.membership_only) and not args.pooled:
        parser.error("--extra and --membership-only need --pooled")
    if missing_extra := [str(f) for f in extra if not f.exists()]:
        parser.error(f"no such file: {', '.join(missing_extra)}")
    found = topics(args.data)
    wanted = [t for t in args.topics.split(",") if t] or list(found)
    missing = [t for t in wanted if t not in found]
    if missing:
        parser.error(f"unknown topic(s) {', '.join(missing)}; the data has {', '.join(found)}")
    tmp = Path(tempfile.mkdtemp(prefix="chronicle-tls-"))
    base = args.stores or tmp
    rows, ingest, latency, membership = [], {}, {}, {}
    heads_latency: dict[str, Any] = {}
    systems = (*SYSTEMS, "chronicle-headlines") if args.headlines else SYSTEMS
    try:
        groups = [("pooled", wanted)] if args.pooled else [(t, [t]) for t in wanted]
        for name, members in groups:
            files = [found[t]["articles"] for t in members] + extra
            plus = "".join(f"+{f.parent.name}-{f.stem}" for f in extra)
            store_dir = base / ("pooled-" + "-".join(members) + plus if args.pooled else name)
            chron, info = open_store(store_dir, files)
            try:
                if args.naive_ingest and not info.get("reused"):
                    info["naive"] = naive_ingest(files, tmp / f"naive-{name}")
                    info["speedup_chars_per_s"] = round(info["naive"]["seconds"] / info["seconds"], 2)
                ingest[name] = info
                took = "reused" if info.get("reused") else f"{info.get('seconds')} s"
                print(f"{name}: store {store_dir} ({took})", flush=True)
                if args.pooled:
                    membership = story_membership(chron, {t: found[t] for t in members})
                    print(f"story membership: {json.dumps(membership)}", flush=True)
                if args.membership_only:
                    continue
                for t in members:
                    for record in found[t]["timelines"]:
                        rows.append(run_timeline(chron, found[t], record, args.headlines))
                latency[name] = story_latency(chron, [about_of(found[t]) for t in members])
                if args.headlines:  # the model is warm: the timelines above asked it
                    heads_latency[name] = {t: headline_latency(chron, about_of(found[t])) for t in members}
                    print(f"headlines of a 20-date timeline: {json.dumps(heads_latency[name])}", flush=True)
            finally:
                # Release this store's Chroma client and forget the cached parts; other Chronicles of the process
                # keep theirs (clear_caches(close=True) closed them too: a test run after this one lost its store).
                chron.store.close()
                clear_caches()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "setting": ("pooled store" if args.pooled else "one store per topic")
        + (" with extra articles" if extra else ""),
        "extra": [str(f) for f in extra],
        # "mean" is Chronicle's (date_f1, ar1_f1, ar2_f1); "systems" holds every system's mean, baselines included
        "mean": mean([r["scores"]["chronicle"] for r in rows]),
        "systems": {s: mean([r["scores"][s] for r in rows]) for s in systems},
        "per_timeline": rows,
        "latency_ms": {s: stats_ms(r["ms"][s] for r in rows) for s in systems},
        # --headlines: seconds until the headlines of a 20-date story timeline arrived (model warm), per topic
        "headline_latency": heads_latency,
        "ingest": ingest,
        # pooled: how well each topic's story is found among the others, by article (no date range)
        "story_membership": membership,
        # per store: Chronicle.story timed as a user asks it (20 dates, no range): the whole archive, each story
        "story_latency": next(iter(latency.values())) if args.pooled and latency else latency,
        "reference": REFERENCE,
        "peak_rss_mb_at_end": peak_rss_mb(),
    }
    print(json.dumps({"systems": result["systems"], "latency_ms": result["latency_ms"]}, indent=2))
    write_json(args.out, envelope("tls", result))
    return result


if __name__ == "__main__":
    main()
