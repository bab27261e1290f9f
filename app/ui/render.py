"""HTML and table rendering for the web UI, plus the thin data adapters behind its panels.

Everything here is a pure function of plain data (answers, Chroma rows, events), so it is unit-tested without a
browser or a model. Every piece of article text goes through ``html.escape`` before it reaches the page: articles
are untrusted input and may carry ``<script>`` or fake markup.

Rejected alternative: Jinja2 templates. The fragments are small, and explicit ``esc()`` calls keep the escaping
visible at each insertion point (an autoescaping template hides it, and ``|safe`` slips are easy to miss).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from app import Answer, Passage, Source, StoredArticle, StoredStatement, TimelineEvent

NO_ACTOR = "(no actor)"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")  # not & < >: html.escape handles those


def esc(text: object) -> str:
    """HTML-escape anything shown on the page (quotes too: values also land in attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


# --- chat ---------------------------------------------------------------------------------------------------


def chat_markdown(text: str) -> str:
    """Answer text for gr.Chatbot (which renders Markdown): HTML-escaped and Markdown-escaped, so article text
    shows literally ("<script>" stays text, "*" stays a star) while "[1]" still reads as "[1]"."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def question_markdown(question: str, limit: int = 600) -> str:
    """The user's bubble: escaped like answers; an over-long question is shown cut, with its full length."""
    if not question.strip():
        return "*(empty question)*"
    if len(question) <= limit:
        return chat_markdown(question)
    return chat_markdown(question[:limit].rstrip()) + f" … *({len(question):,} characters)*"


# --- sources panel ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The passage around a cited sentence: its text and where it starts in the article."""

    start: int
    text: str


def highlight(context: Context | None, sentence: str, start: int, end: int) -> str:
    """The passage as HTML with the cited sentence in <mark>; by offsets when they fit, else by string search,
    else the sentence alone (marked)."""
    if context is None or not context.text:
        return f"<mark>{esc(sentence)}</mark>"
    text = context.text
    a, b = start - context.start, end - context.start
    if not (0 <= a < b <= len(text) and text[a:b] == sentence):
        a = text.find(sentence) if sentence else -1
        if a < 0:
            return f"<mark>{esc(sentence)}</mark>"
        b = a + len(sentence)
    return f"{esc(text[:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:])}"


def source_context(source: Source, passages: Iterable[Passage] = ()) -> Context | None:
    """The display passage of a Source: a retrieved Passage holding it (offsets known), else Source.context."""
    for p in passages:
        if p.article_id == source.article_id and p.start <= source.start and source.end <= p.end:
            return Context(p.start, p.text)
    if source.context:
        return Context(-1, source.context)  # offset unknown: highlight() falls back to string search
    return None


def _fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def render_sources(answer: Answer | None, contexts: dict[int, Context] | None = None, model: str = "") -> str:
    """The Sources panel for an Answer: each citation [n] with title, date and the highlighted passage, then
    notes, timings and the model in small print. ``contexts`` maps n -> passage for sources lacking one."""
    if answer is None:
        return (
            '<div class="chr-sources chr-empty"><p>Sources for the answer appear here: every <b>[n]</b> in the '
            "answer points at an exact sentence of an article.</p></div>"
        )
    contexts = contexts or {}
    parts = ['<div class="chr-sources">']
    if answer.citations:
        parts.append('<ol class="chr-cites">')
        for s in answer.citations:
            ctx = contexts.get(s.n) or source_context(s, answer.passages)
            label = f'<span class="chr-label">{esc(s.label)}</span>' if s.label else ""
            parts.append(
                f'<li class="chr-cite" id="chr-cite-{int(s.n)}">'
                f'<div class="chr-cite-head"><span class="chr-n">[{int(s.n)}]</span> '
                f'<span class="chr-title">{esc(s.title or "Untitled article")}</span> '
                f'<span class="chr-date">{esc(s.published or "undated")}</span>{label}</div>'
                f'<blockquote class="chr-passage">{highlight(ctx, s.text, s.start, s.end)}</blockquote>'
                f'<div class="chr-offsets">characters {int(s.start)}–{int(s.end)}</div></li>'
            )
        parts.append("</ol>")
    elif answer.route == "refused":
        parts.append('<p class="chr-none">The question was not answered (see the message in the chat).</p>')
    else:
        parts.append('<p class="chr-none">No source supports an answer to this question.</p>')
    for note in answer.notes:
        parts.append(f'<p class="chr-note">{esc(note)}</p>')
    t = answer.timings or {}
    meta = [
        f"mode: {esc(answer.mode)}",
        f"route: {esc(answer.route)}",
        f"first token {_fmt_ms(t.get('first_token_ms'))}",
        f"total {_fmt_ms(t.get('total_ms'))}",
    ]
    model = answer.model or model
    if model and answer.mode == "llm":
        meta.append(f"model: {esc(model)}")
    if answer.as_of:
        meta.append(f"as of {esc(answer.as_of.isoformat())}")
    if answer.standalone_question and answer.standalone_question != answer.question:
        meta.append(f"understood as: “{esc(answer.standalone_question)}”")
    parts.append(f'<p class="chr-meta">{" · ".join(meta)}</p></div>')
    return "".join(parts)


# --- who said what ------------------------------------------------------------------------------------------


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
        actor = st.affiliation or st.speaker or "Unattributed"
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


def statement_actors(rows: Sequence[StatementRow]) -> list[str]:
    """Actors, most quoted first (ties alphabetical): the dropdown's choices."""
    counts = Counter(r.actor for r in rows)
    return sorted(counts, key=lambda a: (-counts[a], a.lower()))


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


def render_statements(rows: Sequence[StatementRow]) -> str:
    """Statements grouped under their actor, each with speaker, date and article title."""
    if not rows:
        return '<div class="chr-statements chr-empty"><p>No statements match.</p></div>'
    parts = ['<div class="chr-statements">']
    current = None
    for r in rows:
        if r.actor != current:
            if current is not None:
                parts.append("</ul></section>")
            current = r.actor
            n = sum(1 for x in rows if x.actor == r.actor)
            parts.append(
                f'<section class="chr-actor"><h3>{esc(r.actor)} <span class="chr-count">{n} statement'
                f'{"s" if n != 1 else ""}</span></h3><ul>'
            )
        speaker = f'<span class="chr-speaker">{esc(r.speaker)}</span>' if r.speaker else ""
        parts.append(
            f'<li class="chr-statement"><q>{esc(r.text)}</q><div class="chr-byline">{speaker}'
            f'<span class="chr-date">{esc(r.published or "undated")}</span>'
            f'<span class="chr-title">{esc(r.title)}</span></div></li>'
        )
    parts.append("</ul></section></div>")
    return "".join(parts)


# --- timeline -----------------------------------------------------------------------------------------------


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
                    "sentence": _short(e.text, 160),
                    "article": _short(title, 80),
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


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_events(events: Sequence[TimelineEvent]) -> str:
    """The ordered list of dated events: date label, sentence, actors, article and date."""
    if not events:
        return '<div class="chr-events chr-empty"><p>No dated events match.</p></div>'
    parts = ['<ol class="chr-events">']
    for e in events:
        cite = e.citations[0] if e.citations else None
        actors = "".join(f'<span class="chr-tag">{esc(a)}</span>' for a in e.actors)
        parts.append(
            f'<li class="chr-event"><time datetime="{esc(e.date_start.isoformat())}">{esc(e.label)}</time>'
            f'<div class="chr-event-body"><p>{esc(e.text)}</p><div class="chr-byline">{actors}'
            f'<span class="chr-title">{esc(cite.title if cite else "")}</span>'
            f'<span class="chr-date">{esc((cite.published if cite else None) or "undated")}</span></div></div></li>'
        )
    parts.append("</ol>")
    return "".join(parts)


# --- articles -----------------------------------------------------------------------------------------------


def articles_frame(articles: Iterable[StoredArticle]) -> pd.DataFrame:
    """The Articles table: newest first; the ID column is what the Remove box (and ``python -m app remove``) takes."""
    rows = [
        {"ID": a.article_id, "Title": a.title or "Untitled", "Published": a.published or "undated",
         "Source": a.url or a.source, "Passages": a.n_chunks, "_ts": a.published_ts}
        for a in articles
    ]
    frame = pd.DataFrame(rows, columns=["ID", "Title", "Published", "Source", "Passages", "_ts"])
    return frame.sort_values(["_ts", "Title"], ascending=[False, True]).drop(columns="_ts").reset_index(drop=True)
