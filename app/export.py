"""A story timeline as a file a newsroom can take elsewhere: plain text, JSON, CSV, Markdown, TimelineJS3 JSON.

The CLI (``timeline --about X --format F``) and the Timeline tab's downloads both call ``export_story``, so a file
from either is the same. Every format keeps what makes a line checkable: the date, the sentence, and for each
citing article its id, headline, publication date, URL and the sentence's exact character span.

TimelineJS3 (Knight Lab, https://timeline.knightlab.com/docs/json-format.html) is what newsrooms embed: an object
with ``title`` (a slide) and ``events`` (slides, each with ``start_date`` {year, month, day} as numbers and
``text`` {headline, text}, HTML allowed in ``text``; ``unique_id`` and ``group`` optional). Text is HTML-escaped
there, since TimelineJS renders it as HTML; the other formats hold plain text.

In LLM mode a day may also have a one-line headline written by the model (app.answer.headlines). ``headlines``
(the days' DayHeadline records the caller already has, e.g. the Timeline tab's: never a new model call) puts each
kept one in the file, marked as the model's: Markdown, the day's first line in bold above its cited lines, with a
note; TimelineJS3, the slide's headline (HTML-escaped; the slide still shows its date), the note in its text; JSON,
a ``headline`` object per day whose headline has arrived (``by`` "model" with its ``text``, or "extractive" with
``text`` null and the guard's ``reason``); CSV, once some day has a kept headline, a last ``headline`` column (empty
for a day without one). A day whose headline was refused or has not arrived keeps exactly its output without
headlines in Markdown and TimelineJS3; with no kept headline at all (``headlines=None``: extractive mode, the CLI; or
all refused) the Markdown, TimelineJS3 and CSV files are byte for byte those without headlines. Rejected: the
refused headline's text in the JSON (a claim the guard refused should not travel in a file made to be published;
the CLI's ``--headlines --json`` keeps it, for debugging); the headline in place of the date heading in Markdown
(the date is what a reader scans by).

Rejected: pandas for the CSV (the csv module writes the same rows without a 50 MB import in the CLI).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from collections.abc import Mapping
from typing import Any

from app.records import DayHeadline, StoryDay, StoryLine, StoryTimeline

EXPORT_FORMATS = ("text", "json", "csv", "md", "timelinejs")
SUFFIX = {"text": ".txt", "json": ".json", "csv": ".csv", "md": ".md", "timelinejs": ".timelinejs.json"}


Headlines = Mapping[dt.date, DayHeadline]
HEADLINE_NOTE = "Headline written by the model from this day's lines; every name and number in it is in them."


def export_story(timeline: StoryTimeline, fmt: str, headlines: Headlines | None = None) -> str:
    """The timeline in one of EXPORT_FORMATS; with ``headlines`` (by day, as arrived so far), each day's kept
    headline in it (the text format, read on a terminal beside the CLI's own headline lines, has none)."""
    if fmt == "text":
        return _text(timeline)
    writers = {"json": _json, "csv": _csv, "md": _markdown, "timelinejs": _timelinejs}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return writers[fmt](timeline, headlines)


def kept_headline(day: StoryDay, headlines: Headlines | None) -> str:
    """The day's model-written headline when it has arrived and passed the guard (one line), else ""."""
    head = headlines.get(day.date) if headlines else None
    if head is None or head.by != "model":
        return ""
    return " ".join(head.text.split())


def _day_headline(day: StoryDay, headlines: Headlines | None) -> dict[str, Any]:
    """The JSON day's ``headline`` field: none until the day's headline has arrived; a refused one its reason."""
    head = headlines.get(day.date) if headlines else None
    if head is None:
        return {}
    if head.by == "model":
        return {"headline": {"text": kept_headline(day, headlines), "by": "model", "reason": ""}}
    return {"headline": {"text": None, "by": head.by, "reason": head.reason}}


def title_of(timeline: StoryTimeline) -> str:
    span = ""
    if timeline.days:
        span = f", {timeline.days[0].date.isoformat()} to {timeline.days[-1].date.isoformat()}"
    subject = timeline.subject or "the archive"
    kind = f" ({timeline.kind_label})" if timeline.is_actor else ""  # a story's title stays as it was
    if timeline.since is not None:
        return (f"New about {subject}{kind} since {timeline.since.isoformat()}: {len(timeline.days)} dates from "
                f"{len(timeline.new_articles)} new articles{span}")
    return f"Timeline of {subject}{kind}: {len(timeline.days)} dates from {timeline.n_articles} articles{span}"


def day_label(day: StoryDay) -> str:
    """'Tuesday 12 January 2010'."""
    return day.date.strftime("%A %-d %B %Y")


def numbered(timeline: StoryTimeline) -> list[tuple[StoryDay, StoryLine, int]]:
    """Every line with its citation number [n], in timeline order (n counts lines, from 1)."""
    return [(day, line, i) for i, (day, line) in enumerate(timeline.lines, start=1)]


def _text(tl: StoryTimeline) -> str:
    if not tl.days:
        return tl.message + "\n"
    out = [title_of(tl), ""]
    sources = []
    for day, line, n in numbered(tl):
        mark = {"new": "NEW  ", "changed": "CHANGED  "}.get(day.status, "")
        out.append(f"{day.date.isoformat()}  {mark}{line.text} [{n}]  ({line.n_articles} article(s); "
                   f"{day.n_articles} reporting the day)")
        first = line.citations[0]
        sources.append(f"[{n}] {first.title or first.article_id} ({first.published or 'undated'}), "
                       f"chars {first.start}-{first.end}" + (f" {first.url}" if first.url else ""))
    out += ["", "Sources:", *sources]
    if tl.undated:
        out += ["", f"Not placed (no publication date): {', '.join(tl.undated)}"]
    return "\n".join(out) + "\n"


def _record(tl: StoryTimeline, headlines: Headlines | None = None) -> dict[str, Any]:
    return {
        "about": tl.about,
        "title": title_of(tl),
        "from": tl.date_from.isoformat() if tl.date_from else None,
        "to": tl.date_to.isoformat() if tl.date_to else None,
        "as_of": tl.as_of.isoformat() if tl.as_of else None,
        "n_articles": tl.n_articles,
        "message": tl.message,
        "kind": tl.kind,
        "aliases": list(tl.aliases),
        "since": tl.since.isoformat() if tl.since else None,
        "new_articles": list(tl.new_articles),
        "undated": list(tl.undated),
        "dates": [
            {
                "date": day.date.isoformat(),
                "n_articles": day.n_articles,
                "published": day.published,
                "mentions": day.mentions,
                "weight": day.weight,
                "status": day.status,
                **_day_headline(day, headlines),
                "lines": [
                    {
                        "text": line.text,
                        "n_articles": line.n_articles,
                        "citations": [
                            {"article_id": c.article_id, "title": c.title, "published": c.published, "url": c.url,
                             "start": c.start, "end": c.end, "text": c.text}
                            for c in line.citations
                        ],
                    }
                    for line in day.lines
                ],
            }
            for day in tl.days
        ],
        "coverage": [{"date": c.date.isoformat(), "published": c.published, "mentions": c.mentions}
                     for c in tl.coverage],
    }


def _json(tl: StoryTimeline, headlines: Headlines | None = None) -> str:
    return json.dumps(_record(tl, headlines), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("date", "line", "text", "line_articles", "day_articles", "article_id", "title", "published", "url",
               "start", "end")


def _csv(tl: StoryTimeline, headlines: Headlines | None = None) -> str:
    """One row per citation: a line reported by three articles is three rows with the same date and text. With
    a kept headline, a last column: the day's kept headline (empty for a day without one)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    column = any(kept_headline(day, headlines) for day in tl.days)
    writer.writerow(CSV_COLUMNS + (("headline",) if column else ()))
    for day, line, n in numbered(tl):
        head = [kept_headline(day, headlines)] if column else []
        for c in line.citations:
            writer.writerow([day.date.isoformat(), n, line.text, line.n_articles, day.n_articles, c.article_id,
                             c.title, c.published or "", c.url, c.start, c.end, *head])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    """Article text as literal Markdown: link brackets, emphasis, and ``<``/``>`` (a headline's ``<b>`` or ``<script>``
    would otherwise be raw HTML to a Markdown viewer) are backslash-escaped (CommonMark escapes)."""
    for ch in ("\\", "[", "]", "*", "_", "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return text


def _markdown(tl: StoryTimeline, headlines: Headlines | None = None) -> str:
    if not tl.days:
        return f"_{_md_escape(tl.message)}_\n"
    out = [f"# {_md_escape(title_of(tl))}", ""]
    notes: list[str] = []
    for day in tl.days:
        out.append(f"## {day_label(day)}")
        if head := kept_headline(day, headlines):
            out.append(f"**{_md_escape(head)}**  ")  # two spaces: a line break, the note under it
            out.append(f"_{_md_escape(HEADLINE_NOTE)}_")
            out.append("")
        out.append(f"_{day.n_articles} article(s) report this day_")
        out.append("")
        for line in day.lines:
            n = len(notes) + 1
            out.append(f"- {_md_escape(line.text)} [^{n}]")
            refs = "; ".join(
                (f"[{_md_escape(c.title or c.article_id)}]({c.url})" if c.url else _md_escape(c.title or c.article_id))
                + f" ({c.published or 'undated'}, chars {c.start}–{c.end})" for c in line.citations)
            notes.append(f"[^{n}]: {refs}")
        out.append("")
    out += notes
    if tl.undated:
        out += ["", f"_Not placed (no publication date): {_md_escape(', '.join(tl.undated))}_"]
    return "\n".join(out) + "\n"


def _timelinejs(tl: StoryTimeline, headlines: Headlines | None = None) -> str:
    events = []
    for i, day in enumerate(tl.days):
        head = kept_headline(day, headlines)
        body = [f"<p><small><em>{html.escape(HEADLINE_NOTE)}</em></small></p>"] if head else []
        for line in day.lines:
            refs = ", ".join(
                (f'<a href="{html.escape(c.url, quote=True)}">{html.escape(c.title or c.article_id)}</a>' if c.url
                 else html.escape(c.title or c.article_id)) for c in line.citations[:5])
            more = f" and {len(line.citations) - 5} more" if len(line.citations) > 5 else ""
            body.append(f"<p>{html.escape(line.text)}</p><p><small>Reported by {refs}{more}</small></p>")
        events.append({
            "start_date": {"year": day.date.year, "month": day.date.month, "day": day.date.day},
            "text": {"headline": html.escape(head or day_label(day)), "text": "".join(body)},
            "unique_id": f"day-{i + 1}-{day.date.isoformat()}",
        })
    about = tl.message or "Made by Chronicle from the ingested articles; every line cites the articles reporting it."
    data = {
        "title": {"text": {"headline": html.escape(title_of(tl)), "text": f"<p>{html.escape(about)}</p>"}},
        "events": events,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
