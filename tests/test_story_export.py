"""Story timeline downloads (app.export via the public API), checked on a real store: the TimelineJS3 file against
a JSON Schema written here from Knight Lab's documented format, the CSV parsed back (one row per citation, each span
exact in its article), the Markdown's footnotes (one per line) and the JSON's round trip. The model's headlines
(DayHeadline records, as the Timeline tab holds them) on the same real story: a kept one in each file, escaped for
its format and marked as the model's; a refused or pending day's output exactly as without headlines.

The schema follows https://timeline.knightlab.com/docs/json-format.html: a top-level object with ``events``
(required, a list of slides) and an optional ``title`` slide (and optional ``eras``, ``scale``); a slide has
``start_date`` (required for events) and optional ``end_date`` date objects with a numeric ``year`` (required) and
optional ``month``, ``day``, ``hour``, ``minute``, ``second``, ``millisecond``, ``display_date``; a ``text`` object
with optional ``headline`` and ``text``; optional ``media``, ``group``, ``display_date``, ``background``,
``autolink``, ``unique_id``. Keys outside the documented ones are refused, so a typo ("start-date") fails here
rather than on a newsroom's page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import jsonschema
import pytest

from app import EXPORT_FORMATS, DayHeadline, StoryTimeline, export_story
from tests.helpers_story import DAM, HOSTILE_TITLE, write_story_articles

_NUM = {"type": "number"}
_STR = {"type": "string"}
DATE = {
    "type": "object",
    "required": ["year"],
    "properties": {"year": _NUM, "month": {"type": "number", "minimum": 1, "maximum": 12},
                   "day": {"type": "number", "minimum": 1, "maximum": 31}, "hour": _NUM, "minute": _NUM,
                   "second": _NUM, "millisecond": _NUM, "display_date": _STR, "format": _STR},
    "additionalProperties": False,
}
TEXT = {"type": "object", "properties": {"headline": _STR, "text": _STR}, "additionalProperties": False}
MEDIA = {"type": "object", "required": ["url"],
         "properties": {k: _STR for k in ("url", "caption", "credit", "thumbnail", "alt", "title", "link",
                                          "link_target")},
         "additionalProperties": False}
SLIDE = {
    "type": "object",
    "properties": {"start_date": DATE, "end_date": DATE, "text": TEXT, "media": MEDIA, "group": _STR,
                   "display_date": _STR, "autolink": {"type": "boolean"}, "unique_id": _STR,
                   "background": {"type": "object", "properties": {"url": _STR, "color": _STR},
                                  "additionalProperties": False}},
    "additionalProperties": False,
}
TIMELINEJS3 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["events"],
    "properties": {
        "title": SLIDE,
        "events": {"type": "array", "items": {"allOf": [SLIDE, {"required": ["start_date"]}]}},
        "eras": {"type": "array", "items": {"type": "object", "required": ["start_date", "end_date"],
                                            "properties": {"start_date": DATE, "end_date": DATE, "text": TEXT}}},
        "scale": {"enum": ["human", "cosmological"]},
    },
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    tmp = tmp_path_factory.mktemp("story-export")
    c = Chronicle(load_settings(vectorstore_dir=tmp / "store", answer_mode="extractive"))
    report = c.ingest(write_story_articles(tmp / "articles"))
    assert report.added == 8 and report.ok, report.summary()
    return c


@pytest.fixture(scope="module")
def story(chron) -> StoryTimeline:
    tl = chron.story(DAM, 5)
    assert len(tl.days) >= 3 and all(line.citations for _, line in tl.lines)
    return tl


def test_the_schema_itself_catches_what_timelinejs_cannot_read() -> None:
    jsonschema.Draft202012Validator.check_schema(TIMELINEJS3)
    ok = {"events": [{"start_date": {"year": 2021, "month": 3, "day": 2}, "text": {"headline": "h", "text": "t"}}]}
    jsonschema.validate(ok, TIMELINEJS3)
    for bad in ({"title": {"text": {"headline": "no events"}}},
                {"events": [{"text": {"headline": "no start date"}}]},
                {"events": [{"start_date": {"year": "2021"}}]},  # year must be a number
                {"events": [{"start_date": {"month": 3}}]},
                {"events": [{"start-date": {"year": 2021}}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, TIMELINEJS3)


def test_timelinejs_output_validates_against_the_documented_format(story: StoryTimeline) -> None:
    data = json.loads(export_story(story, "timelinejs"))
    jsonschema.validate(data, TIMELINEJS3)
    assert len(data["events"]) == len(story.days)
    dates = [dt.date(e["start_date"]["year"], e["start_date"]["month"], e["start_date"]["day"])
             for e in data["events"]]
    assert dates == [d.date for d in story.days]
    assert len({e["unique_id"] for e in data["events"]}) == len(data["events"])
    body = json.dumps(data)
    assert "<b>mud</b>" not in body  # TimelineJS renders text as HTML: the headline's markup is escaped
    if any(c.title == HOSTILE_TITLE for _, line in story.lines for c in line.citations[:5]):
        assert "&lt;b&gt;mud&lt;/b&gt;" in body


def test_csv_has_one_row_per_citation_with_exact_spans(chron, story: StoryTimeline) -> None:
    rows = list(csv.DictReader(io.StringIO(export_story(story, "csv"))))
    assert len(rows) == sum(len(line.citations) for _, line in story.lines)
    expected = [(day.date.isoformat(), line.text, c.article_id, c.start, c.end)
                for day, line in story.lines for c in line.citations]
    assert [(r["date"], r["text"], r["article_id"], int(r["start"]), int(r["end"])) for r in rows] == expected
    for r in rows:  # each citation's span is the cited sentence in the stored article
        text = chron.article_text(r["article_id"])
        assert text is not None and text[int(r["start"]):int(r["end"])].strip()
        assert int(r["line_articles"]) >= 1 and int(r["day_articles"]) >= int(r["line_articles"])
    urls = {r["url"] for r in rows if r["url"]}
    assert urls <= {"https://news.example.org/lakeview/dam-collapse?id=1&lang=en"}


def test_markdown_has_one_footnote_per_line(story: StoryTimeline) -> None:
    md = export_story(story, "md")
    lines = story.lines
    refs = re.findall(r"^- .* \[\^(\d+)\]$", md, flags=re.M)
    notes = re.findall(r"^\[\^(\d+)\]: (.+)$", md, flags=re.M)
    assert refs == [str(i) for i in range(1, len(lines) + 1)]
    assert [n for n, _ in notes] == refs
    for (_, line), (_, note) in zip(lines, notes, strict=True):
        assert note.count("chars ") == len(line.citations)  # every citing article in its line's footnote
    assert md.count("\n## ") == len(story.days)
    assert "Lakeview residents recall the night the dam broke" in md  # the undated article is named
    assert "<b>" not in md  # a headline's markup is escaped, not raw HTML to a Markdown viewer
    if any(c.title == HOSTILE_TITLE for _, line in lines for c in line.citations):
        assert r"\<b\>mud\</b\>" in md


def test_json_round_trips(story: StoryTimeline) -> None:
    data = json.loads(export_story(story, "json"))
    assert data["about"] == DAM and data["n_articles"] == story.n_articles
    assert [d["date"] for d in data["dates"]] == [d.date.isoformat() for d in story.days]
    got = [(line["text"], [(c["article_id"], c["start"], c["end"], c["text"]) for c in line["citations"]])
           for d in data["dates"] for line in d["lines"]]
    assert got == [(line.text, [(c.article_id, c.start, c.end, c.text) for c in line.citations])
                   for _, line in story.lines]
    assert data["undated"] == list(story.undated)
    assert {c["date"] for c in data["coverage"]} >= {d["date"] for d in data["dates"]}


def test_every_format_of_an_uncovered_story_says_why(chron) -> None:
    empty = chron.story("Martian volcano eruption", 5)
    assert not empty.days and empty.message.startswith("No articles about Martian volcano eruption")
    for fmt in EXPORT_FORMATS:
        out = export_story(empty, fmt)
        if fmt == "csv":  # a data file: the header, no rows
            assert out.count("\n") == 1 and out.startswith("date,line,text,")
        else:
            assert "No articles about Martian volcano eruption" in out, fmt
    jsonschema.validate(json.loads(export_story(empty, "timelinejs")), TIMELINEJS3)


# --- the model's headlines in the downloads (issue 27, item 2) ------------------------------------------------------

HOSTILE_HEAD = 'Dam <script>alert("x")</script> breaks *twice* after [rain](http://evil.example) & _floods_'
REFUSED = "it names someone or something that no line of the day names"


def _heads(story: StoryTimeline) -> dict[dt.date, DayHeadline]:
    """Day 1: a kept headline full of markup; day 2: refused by the guard; the rest: not arrived yet."""
    first, second = story.days[0], story.days[1]
    return {
        first.date: DayHeadline(first.date, HOSTILE_HEAD, "model", seconds=1.5),
        second.date: DayHeadline(second.date, second.lines[0].text, "extractive", REFUSED,
                                 proposed="Governor Smith blames the engineers", seconds=3.0),
    }


def _md_sections(md: str) -> list[str]:
    return md.split("\n## ")


def test_without_a_kept_headline_every_download_is_as_before(story: StoryTimeline) -> None:
    refused = {d: h for d, h in _heads(story).items() if h.by != "model"}
    for fmt in EXPORT_FORMATS:
        plain = export_story(story, fmt)
        assert export_story(story, fmt, None) == plain and export_story(story, fmt, {}) == plain, fmt
        if fmt != "json":  # the JSON says why a day has no headline; the others are unchanged
            assert export_story(story, fmt, refused) == plain, fmt


def test_markdown_puts_a_kept_headline_above_its_day_escaped_and_marked(story: StoryTimeline) -> None:
    plain, md = export_story(story, "md"), export_story(story, "md", _heads(story))
    sections, before = _md_sections(md), _md_sections(plain)
    first = sections[1].splitlines()
    assert first[0] == story.days[0].date.strftime("%A %-d %B %Y")
    assert first[1] == (r'**Dam \<script\>alert("x")\</script\> breaks \*twice\* after \[rain\](http://evil.example) '
                        r"& \_floods\_**  ")
    assert "written by the model" in first[2] and first[2].startswith("_") and first[2].endswith("_")
    assert "<script>" not in md  # raw HTML to a Markdown viewer otherwise; the link is no link (brackets escaped)
    assert "Governor Smith" not in md  # a refused headline is never in the file
    assert sections[0] == before[0] and sections[2:] == before[2:]  # refused and pending days: exactly as before
    # The day's lines and footnotes are the same, below the headline.
    assert sections[1].split("\n", 4)[4] == before[1].split("\n", 1)[1]


def test_timelinejs_slide_carries_a_kept_headline_html_escaped(story: StoryTimeline) -> None:
    plain = json.loads(export_story(story, "timelinejs"))
    data = json.loads(export_story(story, "timelinejs", _heads(story)))
    jsonschema.validate(data, TIMELINEJS3)
    slide = data["events"][0]
    assert slide["text"]["headline"] == ("Dam &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; breaks *twice* after "
                                         "[rain](http://evil.example) &amp; _floods_")
    assert slide["text"]["text"].startswith("<p><small><em>Headline written by the model")
    assert slide["text"]["text"].endswith(plain["events"][0]["text"]["text"])  # the lines below, unchanged
    assert slide["start_date"] == plain["events"][0]["start_date"]
    assert data["events"][1:] == plain["events"][1:] and data["title"] == plain["title"]
    assert "<script>" not in json.dumps(data) and "Governor Smith" not in json.dumps(data)


def test_json_gives_each_arrived_headline_with_its_status(story: StoryTimeline) -> None:
    plain = json.loads(export_story(story, "json"))
    data = json.loads(export_story(story, "json", _heads(story)))
    days = data["dates"]
    assert days[0]["headline"] == {"text": HOSTILE_HEAD, "by": "model", "reason": ""}  # plain text, as written
    assert days[1]["headline"] == {"text": None, "by": "extractive", "reason": REFUSED}
    assert all("headline" not in d for d in days[2:])  # not arrived yet
    for d in days:
        d.pop("headline", None)
    assert data == plain  # nothing else changed
    assert "Governor Smith" not in export_story(story, "json", _heads(story))


def test_csv_gains_a_headline_column_once_a_headline_is_kept(story: StoryTimeline) -> None:
    plain = list(csv.reader(io.StringIO(export_story(story, "csv"))))
    rows = list(csv.reader(io.StringIO(export_story(story, "csv", _heads(story)))))
    assert rows[0] == [*plain[0], "headline"]
    assert [r[:-1] for r in rows] == plain  # every other cell as before
    first = story.days[0].date.isoformat()
    assert {r[-1] for r in rows[1:] if r[0] == first} == {HOSTILE_HEAD}
    assert {r[-1] for r in rows[1:] if r[0] != first} == {""}  # refused and pending days: empty


def test_a_headline_with_a_line_break_stays_one_line(story: StoryTimeline) -> None:
    day = story.days[0]
    heads = {day.date: DayHeadline(day.date, "Dam breaks\n## Fake heading", "model")}
    md = export_story(story, "md", heads)
    assert "**Dam breaks ## Fake heading**" in md and md.count("\n## ") == len(story.days)
