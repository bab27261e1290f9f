"""The timeline: dated events of the visible articles, filtered by date and actor, merged across articles.

Events were found at ingest (app.ingest.enrich.event_records -> the "events" collection: one record per resolved time
expression, its sentence as the document, integer epochs ``date_start_ts``/``date_end_ts``). Reading them is a
store filter on those epochs, so a date range costs one indexed metadata query, not a scan in Python.

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
- Page furniture is no event (app.text.lines): a stamp, byline, caption or question, or a sentence dated only by
  its stamp ("(Update 1:00 a.m. Thursday in Cairo) ..."); a sentence opening with a pronoun shows its subject, resolved
  from the sentence before, in brackets ("He [Hosni Mubarak] resigned on Friday"); its citation is unchanged.

Rejected: pandas/polars for grouping (a dependency for a few hundred rows); a clustering library (scikit-learn
agglomerative clustering) would merge chains of loosely similar sentences, whereas news dedup wants "same date
and clearly the same sentence", a greedy one-pass rule that is easy to explain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache

import numpy as np

from app.query.retrieval import Retriever
from app.records import EventCitation, EventFilter, StoredEvent, TimelineEvent, epoch, from_epoch
from app.text.actors import resolve_actor
from app.text.lines import dangling, furniture, resolve, trimmed
from app.text.tokens import content_tokens

SAME_COSINE = 0.72
SAME_OVERLAP = 0.6
# Beyond this many sentences to compare, sameness is judged on content words alone: embedding them dominated the
# flat timeline of a large filter (T17 mj store, 121 articles, 2,851 shared sentences: 20.4 of 21.3 s, loaded
# machine). Story timelines (app.query.story) are the view for many articles; the flat list is for a few.
MAX_ENCODED = 256
_GRANULARITY_ORDER = {"century": 0, "decade": 1, "year": 2, "month": 3, "week": 4, "day": 5}

Encode = Callable[[list[str]], np.ndarray]


# --------------------------------------------------------------------------------------------------------------
# Reading the store
# --------------------------------------------------------------------------------------------------------------


def overlapping(date_from: dt.date | None, date_to: dt.date | None) -> EventFilter | None:
    """The filter for events overlapping [date_from, date_to] (either end open); None when both are open."""
    if date_from is None and date_to is None:
        return None
    return EventFilter(overlaps=(epoch(date_from) if date_from else None, epoch(date_to) if date_to else None))


def visible_events(retriever: Retriever, query: EventFilter | None = None) -> list[StoredEvent]:
    """Stored events of visible articles matching a filter."""
    visible = retriever.visible_articles
    return [e for e in retriever.events(query) if e.article_id in visible]


def has_actor(event: StoredEvent, actor: str) -> bool:
    """Does an event name the actor? Aliases resolve to canonical names ("Moscow" -> Russia)."""
    resolved = resolve_actor(actor)
    wanted = resolved.name if resolved else actor
    if wanted in event.actors:
        return True
    # Not a known actor (a person, say): look for the name in the sentence itself.
    return resolved is None and actor.lower() in event.text.lower()


def sort_key(e: StoredEvent) -> tuple[int, int, int, int, str, int, int]:
    """Start date, coarser first, longer first, publication date, article, position."""
    return (e.date_start_ts, _GRANULARITY_ORDER.get(e.granularity, 9), -e.date_end_ts, e.published_ts,
            e.article_id, e.start, e.expr_start)


# --------------------------------------------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------------------------------------------


def overlap_coefficient(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


class _Group:
    """An event being merged: its first report plus the reports of other articles that say the same."""

    def __init__(self, first: StoredEvent) -> None:
        self.first = first
        self.reports = [first]

    def event(self) -> TimelineEvent:
        e = self.first
        actors = sorted({a for r in self.reports for a in r.actors})
        return TimelineEvent(from_epoch(e.date_start_ts), from_epoch(e.date_end_ts), e.date_label, e.granularity,
                             e.relation, e.text, tuple(actors), tuple(EventCitation.of(r) for r in self.reports))


def merge_events(
    events: Iterable[StoredEvent], encode: Encode | None = None
) -> list[tuple[StoredEvent, TimelineEvent]]:
    """Events -> (first report, merged event) in timeline order; the same event from several articles is one.

    Embeddings are computed only for sentences whose date label occurs in more than one article, and only when
    there are at most MAX_ENCODED of them (else content-word overlap alone decides).
    """
    events = list(events)
    by_label: dict[str, set[str]] = {}
    for e in events:
        by_label.setdefault(e.date_label, set()).add(e.article_id)
    shared = [e.text for e in events if len(by_label[e.date_label]) > 1]
    vectors: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(shared))
    if unique and encode is not None and len(unique) <= MAX_ENCODED:
        vectors = dict(zip(unique, encode(unique), strict=True))

    groups: list[_Group] = []
    seen_sentence: set[tuple[str, int, str]] = set()
    open_by_label: dict[str, list[_Group]] = {}
    # Merge in publication order so the first report gives the event its text; output keeps timeline order.
    for e in sorted(events, key=lambda e: (e.published_ts, sort_key(e))):
        key = (e.article_id, e.start, e.date_label)
        if key in seen_sentence:  # the same date twice in one sentence
            continue
        seen_sentence.add(key)
        target, best = None, 0.0
        for group in open_by_label.get(e.date_label, []):
            if e.article_id in {r.article_id for r in group.reports}:
                continue
            score = max(_similarity(e.text, r.text, vectors) for r in group.reports)
            if score > best:
                target, best = group, score
        if target is not None and best >= 1.0:
            target.reports.append(e)
            continue
        group = _Group(e)
        groups.append(group)
        open_by_label.setdefault(e.date_label, []).append(group)
    groups.sort(key=lambda g: sort_key(g.first))
    return [(g.first, g.event()) for g in groups]


@lru_cache(maxsize=8192)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(content_tokens(text))


def _similarity(a: str, b: str, vectors: dict[str, np.ndarray]) -> float:
    """>= 1.0 means 'same event': the larger of cosine/SAME_COSINE and overlap/SAME_OVERLAP."""
    overlap = overlap_coefficient(_tokens(a), _tokens(b)) / SAME_OVERLAP
    if a in vectors and b in vectors:
        return max(overlap, float(vectors[a] @ vectors[b]) / SAME_COSINE)
    return overlap


# --------------------------------------------------------------------------------------------------------------
# The timeline
# --------------------------------------------------------------------------------------------------------------


def list_events(
    retriever: Retriever,
    encode: Encode,
    actor: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[TimelineEvent]:
    """The timeline of visible articles: events overlapping [date_from, date_to], naming ``actor`` if given."""
    events = [e for e in visible_events(retriever, overlapping(date_from, date_to)) if not _furniture(e)]
    if actor:
        events = [e for e in events if has_actor(e, actor)]
    events.sort(key=sort_key)
    merged = merge_events(events, encode if events else None)
    before = previous_sentences(retriever, [first for first, _ in merged if dangling(first.text)])
    out = []
    for first, event in merged:
        key = (first.article_id, first.start)
        resolved = resolve(first.text, before[key]) if key in before else None
        out.append(replace(event, text=resolved) if resolved else event)
    return out


def _furniture(e: StoredEvent) -> bool:
    """Page furniture is no event (app.text.lines): a sentence that is a stamp, a byline, a caption or a question,
    or whose date is only its stamp's ("(Update 1:00 a.m. Thursday in Cairo) Protesters ...": the update's time,
    not the protest's)."""
    skip, rest = trimmed(e.text)
    return bool(furniture(rest)) or e.expr_start < e.start + skip


def previous_sentences(retriever: Retriever, events: list[StoredEvent]) -> dict[tuple[str, int], str]:
    """(article id, sentence start) -> the sentence before each event's sentence in its article: what a pronoun
    opening ("He urged ...") refers to. One read of the events' passages and the passages before them."""
    wanted = set()
    for e in events:
        aid, _, index = e.chunk_id.rpartition(":")
        wanted.add(e.chunk_id)
        if index.isdigit() and int(index) > 0:
            wanted.add(f"{aid}:{int(index) - 1}")
    sentences: dict[str, list[tuple[int, str]]] = {}
    for p in retriever.store.passages(sorted(wanted)):
        sentences.setdefault(p.article_id, []).extend((start, text) for start, _, text in p.sentence_texts())
    out = {}
    for e in events:
        earlier = [(start, text) for start, text in sentences.get(e.article_id, ()) if start < e.start]
        if earlier:
            out[(e.article_id, e.start)] = max(earlier)[1]
    return out
