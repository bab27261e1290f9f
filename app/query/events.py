"""The timeline: dated events of the visible articles, filtered by date and actor, merged across articles.

Events were found at ingest (app.ingest.enrich.event_records -> the "events" collection: one record per resolved time
expression, its sentence as the document, integer epochs ``date_start_ts``/``date_end_ts``). Reading them is a
Chroma ``where`` on those epochs, so a date range costs one indexed metadata query, not a scan in Python.

Rules (why):
- A date filter keeps events whose range *overlaps* [date_from, date_to]: "in the next 24 hours" (19-20 Sep)
  belongs to 20 September, and "2023" belongs to September 2023.
- Order: by start date; on the same start, the coarser (longer) event first, like an outline (the year before the
  day that opens it); then by publication date, article and position in the article.
- Sameness across articles: two events are the same when they come from different articles, carry the same date
  label and their sentences are close (MiniLM cosine >= SAME_COSINE, or content-word overlap coefficient >=
  SAME_OVERLAP). The event keeps the earliest report's sentence and gains a citation per article. Within one
  article, different sentences with the same date stay separate events (one article does not repeat itself).
- Only events of completely ingested (visible) articles are shown.

Rejected: pandas/polars for grouping (a dependency for a few hundred rows); a clustering library (scikit-learn
agglomerative clustering) would merge chains of loosely similar sentences, whereas news dedup wants "same date
and clearly the same sentence", a greedy one-pass rule that is easy to explain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from app.text.actors import resolve_actor
from app.answer.citations import content_tokens

SAME_COSINE = 0.72
SAME_OVERLAP = 0.6
_GRANULARITY_ORDER = {"century": 0, "decade": 1, "year": 2, "month": 3, "week": 4, "day": 5}

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class TimelineEvent:
    """One dated event; ``citations`` hold every article sentence that reports it."""

    date_start: dt.date
    date_end: dt.date
    label: str
    granularity: str
    relation: str
    text: str  # the sentence of the first report
    actors: list[str]
    citations: list[dict[str, Any]] = field(default_factory=list)
    # {article_id, title, published, start, end, expr_start, expr_end, expr_text}

    @property
    def article_ids(self) -> list[str]:
        return [c["article_id"] for c in self.citations]


# --------------------------------------------------------------------------------------------------------------
# Reading the store
# --------------------------------------------------------------------------------------------------------------


def epoch(day: dt.date) -> int:
    """UTC midnight as integer seconds, the same encoding app.ingest.enrich writes."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def from_epoch(ts: int) -> dt.date:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(ts))).date()


def date_where(date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any] | None:
    """The Chroma filter for events overlapping [date_from, date_to] (either end open)."""
    conds: list[dict[str, Any]] = []
    if date_from is not None:
        conds.append({"date_end_ts": {"$gte": epoch(date_from)}})
    if date_to is not None:
        conds.append({"date_start_ts": {"$lte": epoch(date_to)}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def parts(chronicle_or_retriever: Any) -> tuple[Any, Any]:
    """(retriever, settings) from a Chronicle facade or a HybridRetriever."""
    retriever = getattr(chronicle_or_retriever, "retriever", chronicle_or_retriever)
    return retriever, retriever.settings


def event_rows(chronicle_or_retriever: Any, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Raw event rows ({id, document, metadata}) of visible articles matching a Chroma ``where``."""
    retriever, _ = parts(chronicle_or_retriever)
    visible = retriever.visible_articles
    rows = retriever.store.get_all("events", where=where, include=["documents", "metadatas"])
    return [r for r in rows if r["metadata"].get("article_id") in visible]


def _actor_names(meta: dict[str, Any]) -> list[str]:
    return [a for a in str(meta.get("actors") or "").split("|") if a]


def has_actor(meta: dict[str, Any], actor: str) -> bool:
    """Does an event row name the actor? Aliases resolve to canonical names ("Moscow" -> Russia)."""
    resolved = resolve_actor(actor)
    wanted = resolved.name if resolved else actor
    names = _actor_names(meta)
    if wanted in names:
        return True
    # Not a known actor (a person, say): look for the name in the sentence itself.
    return resolved is None and actor.lower() in str(meta.get("_document", "")).lower()


def row_sort_key(meta: dict[str, Any]) -> tuple:
    """Start date, coarser first, publication date, article, position."""
    return (
        int(meta["date_start_ts"]),
        _GRANULARITY_ORDER.get(str(meta.get("granularity")), 9),
        -int(meta["date_end_ts"]),
        int(meta.get("published_ts") or 0),
        str(meta["article_id"]),
        int(meta["start"]),
        int(meta.get("expr_start", 0)),
    )


def citation_of(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "article_id": meta["article_id"],
        "title": meta.get("title", ""),
        "published": meta.get("published") or None,
        "start": int(meta["start"]),
        "end": int(meta["end"]),
        "expr_start": int(meta.get("expr_start", meta["start"])),
        "expr_end": int(meta.get("expr_end", meta["end"])),
        "expr_text": meta.get("expr_text", ""),
    }


def event_from_row(document: str, meta: dict[str, Any]) -> TimelineEvent:
    return TimelineEvent(
        date_start=from_epoch(meta["date_start_ts"]),
        date_end=from_epoch(meta["date_end_ts"]),
        label=str(meta.get("date_label", "")),
        granularity=str(meta.get("granularity", "")),
        relation=str(meta.get("relation", "at")),
        text=document,
        actors=_actor_names(meta),
        citations=[citation_of(meta)],
    )


# --------------------------------------------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------------------------------------------


def overlap_coefficient(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def merge_rows(rows: list[dict[str, Any]], encode: Encode | None = None) -> list[TimelineEvent]:
    """Rows (already in timeline order) -> events; the same event from several articles becomes one.

    Embeddings are computed only for sentences whose date label occurs in more than one article.
    """
    by_label: dict[str, set[str]] = {}
    for r in rows:
        by_label.setdefault(r["metadata"]["date_label"], set()).add(r["metadata"]["article_id"])
    shared = [r["document"] for r in rows if len(by_label[r["metadata"]["date_label"]]) > 1]
    vectors: dict[str, np.ndarray] = {}
    if shared and encode is not None:
        unique = list(dict.fromkeys(shared))
        vectors = dict(zip(unique, encode(unique)))

    events: list[TimelineEvent] = []
    members: list[list[str]] = []  # sentences of each event, for similarity
    seen_sentence: set[tuple[str, int, str]] = set()
    open_by_label: dict[str, list[int]] = {}
    # Merge in publication order so the first report gives the event its text; output keeps timeline order.
    for r in sorted(rows, key=lambda r: (int(r["metadata"].get("published_ts") or 0), row_sort_key(r["metadata"]))):
        meta, doc = r["metadata"], r["document"]
        key = (meta["article_id"], int(meta["start"]), meta["date_label"])
        if key in seen_sentence:  # the same date twice in one sentence
            continue
        seen_sentence.add(key)
        target = None
        best = 0.0
        for idx in open_by_label.get(meta["date_label"], []):
            if meta["article_id"] in events[idx].article_ids:
                continue
            score = max(_similarity(doc, other, vectors) for other in members[idx])
            if score > best:
                target, best = idx, score
        if target is not None and best >= 1.0:
            ev = events[target]
            ev.citations.append(citation_of(meta))
            ev.actors = sorted(set(ev.actors) | set(_actor_names(meta)))
            members[target].append(doc)
            continue
        events.append(event_from_row(doc, meta))
        members.append([doc])
        open_by_label.setdefault(meta["date_label"], []).append(len(events) - 1)
    order = {id(e): row_sort_key({**_meta_of(e)}) for e in events}
    return sorted(events, key=lambda e: order[id(e)])


def _meta_of(event: TimelineEvent) -> dict[str, Any]:
    c = event.citations[0]
    published = dt.date.fromisoformat(c["published"]) if c.get("published") else None
    return {
        "date_start_ts": epoch(event.date_start),
        "date_end_ts": epoch(event.date_end),
        "granularity": event.granularity,
        "published_ts": epoch(published) if published else 0,
        "article_id": c["article_id"],
        "start": c["start"],
        "expr_start": c["expr_start"],
    }


def _similarity(a: str, b: str, vectors: dict[str, np.ndarray]) -> float:
    """>= 1.0 means 'same event': the larger of cosine/SAME_COSINE and overlap/SAME_OVERLAP."""
    overlap = overlap_coefficient(content_tokens(a), content_tokens(b)) / SAME_OVERLAP
    if a in vectors and b in vectors:
        return max(overlap, float(vectors[a] @ vectors[b]) / SAME_COSINE)
    return overlap


# --------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------


def list_events(
    chronicle: Any,
    actor: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    encode: Encode | None = None,
) -> list[TimelineEvent]:
    """The timeline of visible articles: events overlapping [date_from, date_to], naming ``actor`` if given.

    ``chronicle`` is a Chronicle or a HybridRetriever; ``encode`` defaults to the packaged embedding model.
    """
    _, settings = parts(chronicle)
    rows = event_rows(chronicle, date_where(date_from, date_to))
    if actor:
        rows = [r for r in rows if has_actor({**r["metadata"], "_document": r["document"]}, actor)]
    rows.sort(key=lambda r: row_sort_key(r["metadata"]))
    if encode is None and rows:
        from app.store.registry import get_embeddings

        encode = get_embeddings(settings).encode
    return merge_rows(rows, encode)


def event_json(event: TimelineEvent) -> dict[str, Any]:
    """The CLI --json shape of one event: its first report's fields, plus every report under "citations"."""
    first = event.citations[0]
    return {
        "date": event.label,
        "granularity": event.granularity,
        "text": event.text,
        "article_id": first["article_id"],
        "title": first["title"],
        "published": first["published"],
        "start": first["start"],
        "end": first["end"],
        "citations": event.citations,
    }


def _parse_cli_date(value: str, end: bool) -> dt.date:
    """'2023', '2023-09' or '2023-09-19'; a year or month is widened to its first (or, for --to, last) day."""
    parts_ = value.strip().split("-")
    try:
        if len(parts_) == 1:
            year = int(parts_[0])
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if len(parts_) == 2:
            year, month = int(parts_[0]), int(parts_[1])
            if end:
                nxt = dt.date(year + month // 12, month % 12 + 1, 1)
                return nxt - dt.timedelta(days=1)
            return dt.date(year, month, 1)
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def timeline_command(argv: list[str]) -> int:
    """`python -m app timeline [--actor X] [--from DATE] [--to DATE] [--json] [--vectorstore-dir DIR]`."""
    parser = argparse.ArgumentParser(prog="python -m app timeline", description="Dated events, in order.")
    parser.add_argument("--actor", help="only events naming this actor (aliases work: Moscow -> Russia)")
    parser.add_argument("--from", dest="date_from", help="YYYY, YYYY-MM or YYYY-MM-DD (inclusive)")
    parser.add_argument("--to", dest="date_to", help="YYYY, YYYY-MM or YYYY-MM-DD (inclusive)")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.add_argument("--vectorstore-dir", help="overrides CHRONICLE_VECTORSTORE_DIR")
    args = parser.parse_args(argv)
    try:
        date_from = _parse_cli_date(args.date_from, end=False) if args.date_from else None
        date_to = _parse_cli_date(args.date_to, end=True) if args.date_to else None
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    from pathlib import Path

    from app.chronicle import Chronicle
    from app.config import load_settings
    from app.store.chroma import StoreError

    settings = load_settings(vectorstore_dir=Path(args.vectorstore_dir) if args.vectorstore_dir else None)
    try:
        chron = Chronicle(settings)
        if not chron.store.count("articles"):
            print("No articles ingested yet: run `python ingest.py data/articles` first.", file=sys.stderr)
            return 2
        events = list_events(chron, args.actor, date_from, date_to)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        rows = [event_json(e) for e in events]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for e in events:
        sources = "; ".join(f"{c['title']}, {c['published'] or 'undated'}" for c in e.citations)
        print(f"{e.label}  {' '.join(e.text.split())}  [{sources}]")
    if not events:
        print("No dated events match.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(timeline_command(sys.argv[1:]))
