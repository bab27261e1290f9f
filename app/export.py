"""A story timeline as a file a newsroom can take elsewhere: plain text, JSON, CSV, Markdown, TimelineJS3 JSON.

The CLI (``timeline --about X --format F``) and the Timeline tab's downloads both call ``export_story``, so a file
from either is the same. Every format keeps what makes a line checkable: the date, the sentence, and for each
citing article its id, headline, publication date, URL and the sentence's exact character span.

TimelineJS3 (Knight Lab, https://timeline.knightlab.com/docs/json-format.html) is what newsrooms embed: an object
with ``title`` (a slide) and ``events`` (slides, each with ``start_date`` {year, month, day} as numbers and
``text`` {headline, text}, HTML allowed in ``text``; ``unique_id`` and ``group`` optional). Text is HTML-escaped
there, since TimelineJS renders it as HTML; the other formats hold plain text.

Rejected: pandas for the CSV (the csv module writes the same rows without a 50 MB import in the CLI).
"""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from app.records import StoryDay, StoryLine, StoryTimeline

EXPORT_FORMATS = ("text", "json", "csv", "md", "timelinejs")
SUFFIX = {"text": ".txt", "json": ".json", "csv": ".csv", "md": ".md", "timelinejs": ".timelinejs.json"}


def export_story(timeline: StoryTimeline, fmt: str) -> str:
    """The timeline in one of EXPORT_FORMATS."""
    writers = {"text": _text, "json": _json, "csv": _csv, "md": _markdown, "timelinejs": _timelinejs}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return writers[fmt](timeline)


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


def _record(tl: StoryTimeline) -> dict[str, Any]:
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


def _json(tl: StoryTimeline) -> str:
    return json.dumps(_record(tl), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("date", "line", "text", "line_articles", "day_articles", "article_id", "title", "published", "url",
               "start", "end")


def _csv(tl: StoryTimeline) -> str:
    """One row per citation: a line reported by three articles is three rows with the same date and text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for day, line, n in numbered(tl):
        for c in line.citations:
            writer.writerow([day.date.isoformat(), n, line.text, line.n_articles, day.n_articles, c.article_id,
                             c.title, c.published or "", c.url, c.start, c.end])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    """Article text as literal Markdown: link brackets, emphasis, and ``<``/``>`` (a headline's ``<b>`` or ``<script>``
    would otherwise be raw HTML to a Markdown viewer) are backslash-escaped (CommonMark escapes)."""
    for ch in ("\\", "[", "]", "*", "_", "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return text


def _markdown(tl: StoryTimeline) -> str:
    if not tl.days:
        return f"_{_md_escape(tl.message)}_\n"
    out = [f"# {_md_escape(title_of(tl))}", ""]
    notes: list[str] = []
    for day in tl.days:
        out.append(f"## {day_label(day)}")
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


def _timelinejs(tl: StoryTimeline) -> str:
    events = []
    for i, day in enumerate(tl.days):
        body = []
        for line in day.lines:
            refs = ", ".join(
                (f'<a href="{html.escape(c.url, quote=True)}">{html.escape(c.title or c.article_id)}</a>' if c.url
                 else html.escape(c.title or c.article_id)) for c in line.citations[:5])
            more = f" and {len(line.citations) - 5} more" if len(line.citations) > 5 else ""
            body.append(f"<p>{html.escape(line.text)}</p><p><small>Reported by {refs}{more}</small></p>")
        events.append({
            "start_date": {"year": day.date.year, "month": day.date.month, "day": day.date.day},
            "text": {"headline": html.escape(day_label(day)), "text": "".join(body)},
            "unique_id": f"day-{i + 1}-{day.date.isoformat()}",
        })
    about = tl.message or "Made by Chronicle from the ingested articles; every line cites the articles reporting it."
    data = {
        "title": {"text": {"headline": html.escape(title_of(tl)), "text": f"<p>{html.escape(about)}</p>"}},
        "events": events,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
