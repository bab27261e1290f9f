"""Records turned into what Gradio's tables, plots and dropdowns take: rows, pandas frames, choices.

The other half of the page's output beside app.ui.render (HTML and SVG), and like it pure functions of plain data,
unit-tested without a browser. Apart from it because a frame is never HTML and drawing HTML needs no pandas (the
"Who said what" HTML is drawn from the rows made here).

The Articles tab shows one page (``article_page``): the whole table of a 20,000-article archive would be a
multi-megabyte frame sent to the browser on every open. The filter runs over the article list the retriever keeps
in memory (read once per store generation), so a page costs a scan of that list, not a store read.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from app import StoredArticle, StoredStatement, TimelineEvent

NO_ACTOR = "(no actor)"


@dataclass(frozen=True)
class StatementRow:
    """One attributed statement as the "Who said what" tab lists it."""

    actor: str
    speaker: str
    text: str
    title: str
    published: str
    article_id: str
    start: int
    end: int
    published_ts: int = 0


def statement_rows(statements: Iterable[StoredStatement]) -> list[StatementRow]:
    """Rows grouped by affiliation (fallback speaker), deduplicated per actor and sentence, in date then article
    order."""
    rows: dict[tuple[str, str, int], StatementRow] = {}
    for st in statements:
        actor = st.actor
        key = (actor, st.article_id, st.start)
        if key in rows:
            old = rows[key]
            if st.speaker and st.speaker not in old.speaker.split(", "):  # one sentence, two speakers of one actor
                rows[key] = replace(old, speaker=f"{old.speaker}, {st.speaker}".strip(", "))
            continue
        rows[key] = StatementRow(actor=actor, speaker=st.speaker, text=st.text, title=st.title,
                                 published=st.published or "", article_id=st.article_id, start=st.start, end=st.end,
                                 published_ts=st.published_ts)
    return sorted(rows.values(), key=lambda r: (r.actor.lower(), r.published_ts, r.article_id, r.start))


def filter_statements(rows: Sequence[StatementRow], actor: str | None = None, text: str = "") -> list[StatementRow]:
    """Rows of one actor (None or "All" = every actor) whose sentence, speaker or title contains ``text``."""
    needle = (text or "").strip().lower()
    out = []
    for r in rows:
        if actor and actor != "All" and r.actor != actor:
            continue
        if needle and needle not in f"{r.text}\n{r.speaker}\n{r.title}".lower():
            continue
        out.append(r)
    return out


def event_actors(events: Iterable[TimelineEvent]) -> list[str]:
    """Actors of app.query.events.TimelineEvent items, most frequent first: the timeline dropdown's choices."""
    counts = Counter(a for e in events for a in e.actors)
    return sorted(counts, key=lambda a: (-counts[a], a.lower()))


def events_frame(events: Sequence[TimelineEvent]) -> pd.DataFrame:
    """One point per (event, actor): x = event start date, y = actor (NO_ACTOR when none), for gr.ScatterPlot."""
    rows = []
    for e in events:
        title = e.citations[0].title if e.citations else ""
        for a in e.actors or [NO_ACTOR]:
            rows.append(
                {
                    "date": pd.Timestamp(e.date_start),
                    "actor": a,
                    "when": e.label,
                    "sentence": shorten(e.text, 160),
                    "article": shorten(title, 80),
                }
            )
    frame = pd.DataFrame(rows, columns=["date", "actor", "when", "sentence", "article"])
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("actor", "when", "sentence", "article"):
        frame[col] = frame[col].astype("string")
    return frame


def chart_x_lim(frame: pd.DataFrame, pad: float = 0.04) -> list[float] | None:
    """x limits with a margin, so edge points are not clipped; a single date gets +-30 days. Epoch *seconds*:
    Gradio's plot frontend multiplies temporal limits by 1000 (its data column is in ms)."""
    if frame.empty:
        return None
    lo, hi = frame["date"].min(), frame["date"].max()
    margin = max((hi - lo) * pad, pd.Timedelta(days=30) if lo == hi else pd.Timedelta(days=2))
    return [float((lo - margin).value // 1_000_000_000), float((hi + margin).value // 1_000_000_000)]


def articles_frame(articles: Iterable[StoredArticle]) -> pd.DataFrame:
    """The Articles table: newest first; the ID column is what the Remove box (and ``python -m app remove``) takes."""
    rows = [
        {"ID": a.article_id, "Title": a.title or "Untitled", "Published": a.published or "undated",
         "Source": a.url or a.source, "Passages": a.n_chunks, "_ts": a.published_ts}
        for a in articles
    ]
    frame = pd.DataFrame(rows, columns=["ID", "Title", "Published", "Source", "Passages", "_ts"])
    return frame.sort_values(["_ts", "Title"], ascending=[False, True]).drop(columns="_ts").reset_index(drop=True)


ARTICLES_PAGE = 50  # rows per page of the Articles tab


@dataclass(frozen=True)
class ArticlePage:
    """One page of the Articles tab: the rows shown, which page of how many, and how many articles matched."""

    frame: pd.DataFrame
    page: int  # 1-based, within 1..pages
    pages: int
    matched: int
    archive: int

    def status(self) -> str:
        if not self.archive:
            return "No articles yet: add one below."
        if not self.matched:
            return f"No article matches (of {self.archive:,})."
        first = (self.page - 1) * ARTICLES_PAGE + 1
        last = min(self.matched, self.page * ARTICLES_PAGE)
        of = f"{self.matched:,} matching of {self.archive:,}" if self.matched < self.archive else f"{self.archive:,}"
        return f"Articles {first:,}–{last:,} of {of} · page {self.page:,} of {self.pages:,}"


def article_page(articles: Sequence[StoredArticle], text: str = "", date_from: dt.date | None = None,
                 date_to: dt.date | None = None, page: int = 1, size: int = ARTICLES_PAGE) -> ArticlePage:
    """The articles matching every word of ``text`` (in the title, the source or URL, or the ID; case and accents
    ignored) and published in [date_from, date_to] (an undated article matches no date range), newest first, one
    page of them. Only the page becomes a table: the browser gets ``size`` rows whatever the archive holds
    (measured in ``benchmarks.scale``: articles_tab_s)."""
    words = _folded(text).split()
    lo, hi = (d.isoformat() if d else None for d in (date_from, date_to))
    kept = []
    for a in articles:
        day = (a.published or "")[:10]
        if (lo or hi) and (not day or (lo and day < lo) or (hi and day > hi)):
            continue
        if words:
            hay = _folded(f"{a.title} {a.url} {a.source} {a.article_id}")
            if not all(w in hay for w in words):
                continue
        kept.append(a)
    kept.sort(key=lambda a: (-a.published_ts, a.title))
    pages = max(1, math.ceil(len(kept) / size))
    page = min(max(1, page), pages)
    shown = kept[(page - 1) * size : page * size]
    return ArticlePage(articles_frame(shown), page, pages, len(kept), len(articles))


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)).casefold()


def shorten(text: str | None, limit: int = 500) -> str:
    """One line of at most ``limit`` characters (an ellipsis where it was cut): a table cell, a results row."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
