"""HTML and SVG for the web UI: the chat's answers and sources, who said what, the timeline, the story, the test set.

Everything here is a pure function of plain data (answers, Chroma rows, events), so it is unit-tested without a
browser or a model. Every piece of article text goes through ``html.escape`` before it reaches the page: articles
are untrusted input and may carry ``<script>`` or fake markup.

Rejected alternative: Jinja2 templates. The fragments are small, and explicit ``esc()`` calls keep the escaping
visible at each insertion point (an autoescaping template hides it, and ``|safe`` slips are easy to miss).

The story's coverage chart is an inline SVG drawn here (``render_coverage``), not a Gradio plot. Rejected: gr.BarPlot /
gr.LinePlot / gr.ScatterPlot (Gradio 6, Vega-Lite underneath) draw one mark type with one categorical ``color`` column,
so the two counts per day (articles published, articles referring back) and a marker on each chosen date cannot be drawn
in one chart, and their temporal ``x_lim`` needs the seconds-vs-milliseconds workaround of
``app.ui.tables.chart_x_lim``. The SVG is a pure function of the timeline (unit-tested), carries a ``<title>`` tooltip
per day, and costs no extra round trip: it arrives in the same event as the story.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.eval.history import counts
from app.ui.tables import shorten

if TYPE_CHECKING:
    from app import (
        Answer,
        CaseFileProblem,
        DayHeadline,
        ModelWait,
        Passage,
        SentenceCitation,
        Source,
        StoryDay,
        StoryTimeline,
        TestCase,
        TimelineEvent,
    )
    from app.eval.history import CaseRow
    from app.eval.runner import QuestionResult, RunResult
    from app.ui.tables import StatementRow

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")  # not & < >: html.escape handles those


def esc(text: object) -> str:
    """HTML-escape anything shown on the page (quotes too: values also land in attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


# --- chat ---------------------------------------------------------------------------------------------------


def chat_markdown(text: str) -> str:
    """Answer text for gr.Chatbot (which renders Markdown): HTML-escaped and Markdown-escaped, so article text
    shows literally ("<script>" stays text, "*" stays a star) while "[1]" still reads as "[1]"."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def waiting_markdown(wait: ModelWait) -> str:
    """An answer waiting for the model, in its place in the chat: '_Waiting for the model: 3rd in line (2 answers
    ahead), about 20 s._'"""
    return f"_{chat_markdown(wait.describe())}_"


def answer_markdown(answer: Answer) -> str:
    """An answer for the chat: a factoid question's answer words first, in bold ("**Omar Suleiman** [4]"), the
    sentence that proves it under them; any other answer as ``chat_markdown``."""
    short = answer.short
    head = f"{short.text} [{short.n}]" if short is not None else ""
    if short is None or not answer.text.startswith(head):
        return chat_markdown(answer.text)
    return f"**{chat_markdown(short.text)}** {chat_markdown(f'[{short.n}]')}{chat_markdown(answer.text[len(head):])}"


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


def highlight(context: Context | None, sentence: str, start: int, end: int, answer: tuple[int, int] | None = None
              ) -> str:
    """The passage as HTML with the cited sentence in <mark>; by offsets when they fit, else by string search,
    else the sentence alone (marked). ``answer``: the answer words' offsets in the sentence, in <b> inside it."""
    if context is None or not context.text:
        return f"<mark>{_bold(sentence, answer)}</mark>"
    text = context.text
    a, b = start - context.start, end - context.start
    if not (0 <= a < b <= len(text) and text[a:b] == sentence):
        a = text.find(sentence) if sentence else -1
        if a < 0:
            return f"<mark>{_bold(sentence, answer)}</mark>"
        b = a + len(sentence)
    return f"{esc(text[:a])}<mark>{_bold(text[a:b], answer)}</mark>{esc(text[b:])}"


def _bold(sentence: str, answer: tuple[int, int] | None) -> str:
    if answer is None or not 0 <= answer[0] < answer[1] <= len(sentence):
        return esc(sentence)
    x, y = answer
    return f'{esc(sentence[:x])}<b class="chr-answer">{esc(sentence[x:y])}</b>{esc(sentence[y:])}'



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
            short = answer.short
            words = (short.start - s.start, short.end - s.start) if short is not None and short.n == s.n else None
            parts.append(
                f'<li class="chr-cite" id="chr-cite-{int(s.n)}">'
                f'<div class="chr-cite-head"><span class="chr-n">[{int(s.n)}]</span> '
                f'<span class="chr-title">{esc(s.title or "Untitled article")}</span> '
                f'<span class="chr-date">{esc(s.published or "undated")}</span>{label}</div>'
                f'<blockquote class="chr-passage">{highlight(ctx, s.text, s.start, s.end, words)}</blockquote>'
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


def render_statements(rows: Sequence[StatementRow], note: str = "") -> str:
    """Statements grouped under their actor, each with speaker, date and article title; ``note`` above them (when
    only some are shown)."""
    if not rows:
        return '<div class="chr-statements chr-empty"><p>No statements match.</p></div>'
    parts = ['<div class="chr-statements">'] + ([f'<p class="chr-note">{esc(note)}</p>'] if note else [])
    counts = Counter(r.actor for r in rows)
    current = None
    for r in rows:
        if r.actor != current:
            if current is not None:
                parts.append("</ul></section>")
            current = r.actor
            n = counts[r.actor]
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


def render_events_skipped(n_articles: int) -> str:
    """In place of the flat list when the scope is too large to list every dated event."""
    return ('<div class="chr-events chr-empty"><p>Every dated event of these '
            f"{n_articles:,} articles would be a long, repetitive list: the story timeline above picks the dates "
            "that mattered. Narrow the range (From/To) or pick an actor to list every event.</p></div>")


# --- story timeline -----------------------------------------------------------------------------------------

SOURCES_SHOWN = 3  # citations listed under a line; the rest fold into a <details>


def day_label(day: dt.date) -> str:
    """'Tuesday 12 January 2010'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _safe_url(url: str) -> str:
    """Only web links become links: a ``javascript:`` or ``data:`` URL from an article's metadata must not."""
    return url if re.match(r"(?i)^https?://", url or "") else ""


def render_citation(c: SentenceCitation) -> str:
    """One source of a story line: headline (linked when the article has a web URL), publication date, and the
    cited sentence's exact span (also in the hover title, with the sentence)."""
    span = f"chars {int(c.start)}–{int(c.end)}"
    hover = esc(f"{span}: {c.text}")
    name = esc(c.title or c.article_id)
    url = _safe_url(c.url)
    head = (f'<a class="chr-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer" title="{hover}">'
            f"{name}</a>") if url else f'<span class="chr-title" title="{hover}">{name}</span>'
    return (f'<li class="chr-src" data-article="{esc(c.article_id)}">{head} '
            f'<span class="chr-date">{esc(c.published or "undated")}</span> '
            f'<span class="chr-offsets">{span}</span></li>')


# A day's headline slot (issue 27): the model's headline once it has arrived and passed the citation guard; while
# it is being written, a placeholder; a refused one leaves the day's lines as they are, with a small note of why.
HEADLINE_TITLE = "Written by the model from this day's lines; every name and number in it is in them."


def _render_headline(day: StoryDay, headlines: Mapping[dt.date, DayHeadline] | None) -> str:
    if headlines is None:
        return ""
    head = headlines.get(day.date)
    if head is None:
        return '<p class="chr-headline chr-pending">Headline being written…</p>'
    if head.by == "model":
        return f'<p class="chr-headline" title="{esc(HEADLINE_TITLE)}">{esc(head.text)}</p>'
    return (f'<p class="chr-headline-note">No headline ({esc(head.reason)}): the line below stands.</p>'
            if head.reason else "")


def headline_progress(tl: StoryTimeline, headlines: Mapping[dt.date, DayHeadline]) -> str:
    """'Headlines: 12 of 20 days (10 written, 2 refused by the citation guard)' above the days."""
    days = sum(1 for d in tl.days if d.lines)
    kept = sum(1 for h in headlines.values() if h.by == "model")
    done = len(headlines)
    state = "all in" if done >= days else "being written"
    return (f'<p class="chr-headline-progress">Headlines {state}: {done} of {_plural(days, "day")} '
            f"({kept} written, {done - kept} kept their line)</p>")


def _render_day(day: StoryDay, headlines: Mapping[dt.date, DayHeadline] | None = None) -> str:
    why = []
    if day.published:
        why.append(f"{_plural(day.published, 'article')} published that day")
    if day.mentions:
        why.append(f"{_plural(day.mentions, 'article')} referring back to it")
    parts = [
        f'<li class="chr-day" id="chr-day-{esc(day.date.isoformat())}">'
        f'<div class="chr-day-head"><time datetime="{esc(day.date.isoformat())}">{esc(day_label(day.date))}</time>'
        f' <span class="chr-day-count" title="{esc("; ".join(why))}">reported by '
        f"{_plural(day.n_articles, 'article')}</span>{_status(day)}</div>",
        _render_headline(day, headlines),
    ]
    for line in day.lines:
        shown, rest = line.citations[:SOURCES_SHOWN], line.citations[SOURCES_SHOWN:]
        more = ""
        if rest:
            more = (f'<details class="chr-more"><summary>{_plural(len(rest), "more source")}</summary>'
                    f'<ul class="chr-srcs">{"".join(render_citation(c) for c in rest)}</ul></details>')
        parts.append(
            f'<div class="chr-line"><p>{esc(line.text)}</p>'
            f'<div class="chr-line-meta">{_plural(line.n_articles, "article")} report this:</div>'
            f'<ul class="chr-srcs">{"".join(render_citation(c) for c in shown)}</ul>{more}</div>'
        )
    parts.append("</li>")
    return "".join(parts)


# A "what is new since" day's mark: a day after the since-day, or an earlier one the new articles say something new
# about (app.query.actor_timeline).
_STATUS = {"new": ("New", "reported for the first time by articles published after the day asked"),
           "changed": ("Changed", "an earlier day that articles published after the day asked say something new about")}


def _status(day: StoryDay) -> str:
    if day.status not in _STATUS:
        return ""
    label, why = _STATUS[day.status]
    return f' <span class="chr-day-status chr-status-{esc(day.status)}" title="{esc(why)}">{esc(label)}</span>'


def story_heading(tl: StoryTimeline) -> str:
    """'Haiti earthquake: 20 dates from 237 articles, 12 January 2010 to 31 January 2010'; an actor's says so
    ('Conrad Murray (a person): ...'), and a "what is new since" one counts its new and changed days."""
    subject = tl.subject or "The whole archive"
    span = f", {day_label(tl.days[0].date)} to {day_label(tl.days[-1].date)}" if tl.days else ""
    if tl.is_actor:
        subject = f"{subject} ({tl.kind_label})"
    if tl.since is not None:
        new = sum(d.status == "new" for d in tl.days)
        return (f"What is new about {subject} since {day_label(tl.since)}: {new} new, "
                f"{len(tl.days) - new} changed {'date' if len(tl.days) - new == 1 else 'dates'} from "
                f"{_plural(len(tl.new_articles), 'new article')}{span}")
    return f"{subject}: {_plural(len(tl.days), 'date')} from {_plural(tl.n_articles, 'article')}{span}"


def render_story(tl: StoryTimeline | None, headlines: Mapping[dt.date, DayHeadline] | None = None) -> str:
    """The story as a vertical timeline: per chosen date its label, how many articles report it, the line(s)
    saying what happened, and each line's sources. An empty timeline shows its message ("No articles about ...");
    articles that could not be placed (no publication date) are named below. ``headlines`` (LLM mode): the days'
    headlines arrived so far; a day without one yet shows that it is being written."""
    if tl is None:
        return ('<div class="chr-story chr-empty"><p>Type a story (for example a place, a person or an event) and '
                "press <b>Show timeline</b>; leave the box empty for the whole archive.</p></div>")
    undated = ""
    if tl.undated:
        names = ", ".join(tl.undated[:10]) + (f" and {len(tl.undated) - 10} more" if len(tl.undated) > 10 else "")
        undated = (f'<p class="chr-note">Not placed on the timeline (no publication date): '
                   f"{esc(names)}.</p>")
    if not tl.days:
        msg = tl.message or "No dates to show in this range."
        return f'<div class="chr-story chr-empty"><p>{esc(msg)}</p>{undated}</div>'
    return (f'<div class="chr-story"><h3 class="chr-story-title">{esc(story_heading(tl))}</h3>'
            f"{headline_progress(tl, headlines) if headlines is not None else ''}"
            f'<ol class="chr-days">{"".join(_render_day(d, headlines) for d in tl.days)}</ol>{undated}</div>')


@dataclass(frozen=True)
class CoveragePoint:
    """One day of the coverage chart."""

    date: dt.date
    published: int
    mentions: int
    chosen: bool


@dataclass(frozen=True)
class CoverageChart:
    """What the coverage chart draws: the days in [lo, hi], and the coverage days outside it (not drawn)."""

    points: list[CoveragePoint]
    lo: dt.date
    hi: dt.date
    left_out: int
    outside: tuple[dt.date, dt.date] | None  # the first and last day not drawn


def coverage_points(tl: StoryTimeline) -> CoverageChart | None:
    """The chart's days: the chosen dates' span with a margin (15% of it, at least 2 days), so the chosen dates stay
    legible. Coverage outside it (a background reference to "the 2004 coup", a one-year-on article) would stretch
    the axis over months of nothing: it is counted in the caption instead. None when there is nothing to draw."""
    chosen = sorted(d.date for d in tl.days)
    anchors = chosen or sorted(c.date for c in tl.coverage if c.published) or sorted(c.date for c in tl.coverage)
    if not anchors:
        return None
    pad = dt.timedelta(days=max(2, round((anchors[-1] - anchors[0]).days * 0.15)))
    lo, hi = anchors[0] - pad, anchors[-1] + pad
    points = [CoveragePoint(c.date, c.published, c.mentions, c.date in set(chosen)) for c in tl.coverage
              if lo <= c.date <= hi]
    seen = {p.date for p in points}
    points += [CoveragePoint(d, 0, 0, True) for d in chosen if d not in seen]  # a chosen day always has its mark
    points.sort(key=lambda p: p.date)
    out = sorted(c.date for c in tl.coverage if not lo <= c.date <= hi)
    return CoverageChart(points, lo, hi, len(out), (out[0], out[-1]) if out else None)


def _ticks(lo: dt.date, hi: dt.date, n: int = 6) -> list[dt.date]:
    span = (hi - lo).days
    if span <= 0:
        return [lo]
    step = max(1, round(span / (n - 1)))
    out = [lo + dt.timedelta(days=i) for i in range(0, span + 1, step)]
    return out if out[-1] == hi or (hi - out[-1]).days > step // 2 else out[:-1] + [hi]


def render_coverage(tl: StoryTimeline | None, width: int = 960, height: int = 210) -> str:
    """The story's coverage per day as an inline SVG: articles published that day as bars above the axis, articles
    referring back to the day as bars below it (same scale), and each chosen date marked by a red line. Every bar
    and mark has a <title> tooltip."""
    if tl is None or not tl.coverage:
        return ""
    chart = coverage_points(tl)
    if chart is None:
        return ""
    points, lo, hi = chart.points, chart.lo, chart.hi
    left, right, top, bottom = 44, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    mid = top + plot_h / 2
    days = (hi - lo).days + 1
    top_max = max([1] + [p.published for p in points] + [p.mentions for p in points])
    slot = plot_w / days
    bar = max(1.0, min(slot * 0.8, 24.0))

    def x(d: dt.date) -> float:
        return left + ((d - lo).days + 0.5) * slot

    def h(v: int) -> float:
        return v / top_max * (plot_h / 2 - 2)

    parts = [f'<svg class="chr-coverage-svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{esc(_coverage_label(tl, points))}" xmlns="http://www.w3.org/2000/svg">']
    parts.append(f'<line class="chr-cov-axis" x1="{left}" y1="{mid:.1f}" x2="{width - right}" y2="{mid:.1f}"/>')
    parts.append(f'<text class="chr-cov-y" x="{left - 6}" y="{top + 8}" text-anchor="end">{top_max}</text>'
                 f'<text class="chr-cov-y" x="{left - 6}" y="{height - bottom}" text-anchor="end">{top_max}</text>'
                 f'<text class="chr-cov-y" x="{left - 6}" y="{mid + 4:.1f}" text-anchor="end">0</text>')
    for p in points:
        cx = x(p.date)
        tip = esc(f"{day_label(p.date)}: {_plural(p.published, 'article')} published, "
                  f"{_plural(p.mentions, 'article')} referring back" + (" (chosen date)" if p.chosen else ""))
        parts.append(f'<g class="chr-cov-day" data-date="{p.date.isoformat()}"><title>{tip}</title>')
        if p.published:
            parts.append(f'<rect class="chr-cov-pub" x="{cx - bar / 2:.1f}" y="{mid - h(p.published):.1f}" '
                         f'width="{bar:.1f}" height="{h(p.published):.1f}"/>')
        if p.mentions:
            parts.append(f'<rect class="chr-cov-men" x="{cx - bar / 2:.1f}" y="{mid:.1f}" width="{bar:.1f}" '
                         f'height="{h(p.mentions):.1f}"/>')
        parts.append("</g>")
    for p in points:
        if p.chosen:
            cx = x(p.date)
            parts.append(f'<g class="chr-cov-chosen" data-date="{p.date.isoformat()}"><title>'
                         f'{esc("Chosen date: " + day_label(p.date))}</title>'
                         f'<line x1="{cx:.1f}" y1="{top}" x2="{cx:.1f}" y2="{height - bottom}"/>'
                         f'<circle cx="{cx:.1f}" cy="{top}" r="3.5"/></g>')
    fmt = "%d %b %Y" if lo.year != hi.year else "%d %b"
    for t in _ticks(lo, hi):
        parts.append(f'<text class="chr-cov-x" x="{x(t):.1f}" y="{height - 10}" text-anchor="middle">'
                     f"{esc(t.strftime(fmt))}</text>")
    parts.append("</svg>")
    note = ""
    if chart.outside:
        first, last = chart.outside
        note = (f" Not drawn: {_plural(chart.left_out, 'other day')} with coverage or references "
                f"({first.isoformat()}{'' if first == last else ' to ' + last.isoformat()}).")
    caption = (f'<figcaption><span class="chr-key chr-key-pub"></span> articles published that day (above) '
               f'<span class="chr-key chr-key-men"></span> articles referring back to the day (below) '
               f'<span class="chr-key chr-key-chosen"></span> chosen date.{esc(note)}</figcaption>')
    return f'<figure class="chr-coverage">{"".join(parts)}{caption}</figure>'


def _coverage_label(tl: StoryTimeline, points: Sequence[CoveragePoint]) -> str:
    chosen = sum(1 for p in points if p.chosen)
    return (f"Coverage of {tl.about or 'the archive'} per day, {points[0].date.isoformat()} to "
            f"{points[-1].date.isoformat()}: {_plural(len(points), 'day')} with articles, {chosen} chosen dates")


def download_stem(about: str) -> str:
    """A file name stem for a story: 'Haiti earthquake' -> 'timeline-haiti-earthquake'; the whole archive ->
    'timeline-archive'. ASCII letters, digits and dashes only, at most 60 characters."""
    text = unicodedata.normalize("NFKD", about or "").encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].rstrip("-")
    return f"timeline-{slug or 'archive'}"


# --- test set -------------------------------------------------------------------------------------------


def facts_text(facts: Sequence[Sequence[str]], missing: Sequence[Sequence[str]] = ()) -> str:
    """Required facts as HTML: "a | b; c", a missing one marked."""
    if not facts:
        return "<i>nothing required</i>"
    parts = []
    for group in facts:
        cls = "chr-ts-missing" if list(group) in [list(m) for m in missing] else "chr-ts-found"
        parts.append(f'<span class="{cls}">{esc(" | ".join(group))}</span>')
    return "; ".join(parts)


def expects_html(answerable: bool, facts: Sequence[Sequence[str]], missing: Sequence[Sequence[str]] = ()) -> str:
    if not answerable:
        return "<b>declines</b> (the articles do not say this)"
    return "must say: " + facts_text(facts, missing)


def saved_markdown(case: dict[str, Any], created: bool, path: str) -> str:
    expects = ("decline (the articles do not say this)" if not case["answerable"]
               else "; ".join(" | ".join(g) for g in case["required_facts"]) or "cited, with no specific fact")
    verb = "Saved" if created else "Updated"
    return (f"✓ {verb} test case `{case['id']}` in `{path}` — it expects: {html.escape(expects)}. "
            "Type what the answer must say and press Save to refine it.")


def render_problems(problems: Sequence[CaseFileProblem], path: str | Path) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>line {p.line}: {esc(p.reason)} <code>{esc(p.text[:120])}</code></li>" for p in problems)
    return (f'<div class="chr-note chr-ts-problems"><b>{len(problems)} line(s) of {esc(path)} are not test cases</b> '
            f"(skipped; left in the file as they are — fix them by hand):<ul>{items}</ul></div>")


def render_cases(cases: Sequence[TestCase], problems: Sequence[CaseFileProblem], path: str | Path,
                 visible: set[str] | None) -> str:
    """The saved cases: question, what is expected, the verdict, who saved it when; stale ones marked."""
    parts = [render_problems(problems, path)]
    if not cases:
        parts.append('<p class="chr-none">No saved cases yet: judge an answer in the Chat tab with 👍 (right) or '
                     "👎 (wrong) to add one.</p>")
        return "".join(parts)
    parts.append('<table class="chr-ts-table"><thead><tr><th>case</th><th>question</th><th>expects</th>'
                 "<th>judged</th><th>saved</th></tr></thead><tbody>")
    for c in cases:
        missing = [a for a in c.depends_on if visible is not None and a not in visible]
        stale = (f'<div class="chr-ts-badge chr-ts-stale" title="articles removed: {esc(", ".join(missing))}">'
                 "stale</div>") if missing else ""
        asked = esc(c.question)
        if c.standalone_question and c.standalone_question != c.question:
            asked += f'<div class="chr-meta">as: {esc(c.standalone_question)}</div>'
        if c.as_of:
            asked += f'<div class="chr-meta">as of {esc(c.as_of)}</div>'
        parts.append(
            f'<tr class="chr-ts-case" data-case="{esc(c.id)}"><td><code>{esc(c.id)}</code>{stale}</td><td>{asked}</td>'
            f"<td>{expects_html(c.answerable, c.required_facts)}</td>"
            f"<td>{esc(c.verdict or '-')}{' · ' + esc(c.mode) if c.mode else ''}</td>"
            f"<td>{esc(c.saved_by or '-')}<div class='chr-meta'>{esc((c.saved_at or '')[:16].replace('T', ' '))}"
            "</div></td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def _why(r: QuestionResult) -> str:
    if r.stale:
        return "its article(s) were removed: " + ", ".join(r.stale)
    notes = list(r.failures)
    if r.changed_by:
        notes.append("the answer changed: it now cites article(s) ingested after it was judged: "
                     + ", ".join(r.changed_by))
    return "; ".join(notes)


def render_rows(rows: Sequence[CaseRow]) -> str:
    """Each case: status and what changed since the previous run, the answer now beside what was expected."""
    out = ['<table class="chr-ts-table chr-ts-results"><thead><tr><th>result</th><th>question</th>'
           "<th>answer now</th><th>expected</th></tr></thead><tbody>"]
    for row in rows:
        r = row.result
        badge = f'<div class="chr-ts-badge chr-ts-{row.status}">{esc(row.status)}</div>'
        if row.change and row.change != row.status:
            badge += f'<div class="chr-ts-change">{esc(row.change)}</div>'
        if row.previous:
            badge += f'<div class="chr-meta">before: {esc(row.previous)}</div>'
        answer = "<i>not asked</i>" if r.stale else esc(shorten(r.answer)) or "<i>(empty)</i>"
        expected = expects_html(r.answerable, r.required_facts, r.missing_facts)
        if r.judged_answer:
            expected += (f'<div class="chr-meta">judged {esc(r.verdict or "")}: '
                         f"“{esc(shorten(r.judged_answer, 240))}”</div>")
        why = _why(r)
        out.append(
            f'<tr class="chr-ts-row chr-ts-row-{esc(row.status)}" data-case="{esc(r.id)}"><td>{badge}</td>'
            f"<td>{esc(r.question)}</td><td>{answer}"
            f"{f'<div class=chr-ts-why>{esc(why)}</div>' if why else ''}</td><td>{expected}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def render_run_summary(mode: str, run: RunResult, previous: RunResult | None, rows: Sequence[CaseRow]) -> str:
    tally = counts(list(rows))
    since = (f"compared with the run of {esc(previous.meta.timestamp)}" if previous
             else "no earlier run of this set in this mode")
    return (
        f'<h3 class="chr-ts-mode">{esc(mode)}: <span class="chr-ts-pass">{tally["pass"]} pass</span> · '
        f'<span class="chr-ts-fail">{tally["fail"]} fail</span> ({tally["newly failing"]} newly failing) · '
        f'{tally["stale"]} stale · {tally["changed"]} changed by a new article '
        f'<span class="chr-meta">— {since}; {run.meta.duration_s:.1f} s</span></h3>'
    )


def report_iframe(report_html: str, title: str) -> str:
    """The self-contained report shown in the tab, sandboxed (no script, no same-origin access)."""
    return (f'<iframe class="chr-ts-report" title="{esc(title)}" sandbox="" srcdoc="{html.escape(report_html)}">'
            "</iframe>")
