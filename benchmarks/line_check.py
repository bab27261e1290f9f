"""Line check: are a story timeline's lines clean, self-contained sentences about their own day? (issue 27)

    python -m benchmarks.line_check [--data DIR] [--stores DIR] [--topics a,b] [--out FILE]

Builds Chronicle's story timelines as ``benchmarks.tls`` does (per gold timeline of a Timeline17-style folder: its
number of dates and sentences per date, articles of its date range, asked with the topic's title and query words;
one store per topic, reused from ``--stores`` when ``benchmarks.tls --stores`` kept them) and counts the lines that
a reader would not publish:

- **furniture**: a question, an update or dateline stamp ("(Update 1:00 a.m. in Cairo ...)", "January 31, 2011 at
  6:25 pm | ..."), a clock at the start, a byline, a caption or credit, "click here"/"read more", a heading in
  capitals, a fragment (lower-case start, an ellipsis, a line that starts inside a quotation);
- **dangling**: the line opens with a pronoun or a connective ("And", "But", "He", "It", "Today is") that is not
  resolved in brackets ("He [Hosni Mubarak] said" passes);
- **other day**: the line's own words name another day than the one it stands under — a weekday, "yesterday",
  "today", or a month and day, resolved here against the publication day of the article it quotes (a weekday is the
  last one on or before that day, unless "next" or "will" points ahead).

- (eighth session, found by reading the dev timelines) a photo caption (", left,", "..., Saturday, Oct. 11, 2008"),
  a newspaper dateline ("NASHVILLE, Oct. 7 --"), a headline run into the lead ("massive quake Thousands of people
  ...", "... secondary infection The first planeload ..."), a headline in title case, a line opening with
  punctuation. With these rules the seventh session's timelines had 38 of 505 lines flagged (7.5 %; haiti#0 11.4 %).

Target: at most 2 % of lines on every timeline. The rules are written here, on purpose apart from the selector's
(app.text.lines and app.text.dates are not imported): a check that called the selector's own functions could not
fail. Per-line findings quote dataset text, so the JSON result stays out of git.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any

from app import clear_caches
from benchmarks.common import RESULTS, base_parser, envelope, skip, write_json
from benchmarks.tls import DEFAULT_DATA, about_of, gold_timeline, open_store, topics

TARGET = 0.02

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS["sept"] = 9
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

_STAMP = [
    re.compile(r"^\W*(?:update|updated)\b", re.I),
    re.compile(r"^\W*\d{1,2}:\d{2}"),
    re.compile(r"^\W*\d{1,2}(?:\.\d{2})?\s*[ap]\.?m\b", re.I),
    re.compile(r"^\W*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}", re.I),
    re.compile(r"\s\|\s"),
    re.compile(r"^By\s+[A-Z][a-z]+\s+[A-Z]"),
    re.compile(r"^(?:[A-Z]{2,}[ ,]*)+(?:\([A-Za-z]+\))?\s*(?:--|-|—)"),
    re.compile(r"\((?:AP|Reuters|AFP|CNN)\)"),
    re.compile(r"\b(?:click|tap)\s+here\b|\bread\s+more\b|\bsign\s+up\b|\bsubscribe\b|\bcopyright\b|"
               r"\ball rights reserved\b|\bphoto\s*:|\bpicture\s*:|\bcaption\b|\bgetty images\b|"
               r"\b(?:reporting|editing)\s+by\b|\blast updated\b|\bposted (?:at|on|by)\b", re.I),
]
# Found by reading the dev timelines (eighth session); written apart from app.text.lines, as the rules above.
_CAPTION = re.compile(r"\b[A-Z][a-z]+,\s+(?:left|right|center|centre)\s*,|"
                      r",\s+(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\b")
_DATELINE = re.compile(r"\b[A-Z]{3,}(?:\s+[A-Z]{2,})*,(?:\s+[A-Z][a-z]+,)?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*--")
# a sentence's opening word capitalised after a lower-case word: "massive quake Thousands of people ...",
# "... secondary infection The first planeload ..."
_RUN_ON = re.compile(r"\b[a-z]{3,}\s+(?:The|A|An)\s+[a-z]{3,}|"
                     r"\b[a-z]{3,}\s+(?:Thousands|Hundreds|Dozens|Despite)\s+[a-z]")
_SMALL = frozenset("a an the of in on at to for and or but as by with from into over up off out than is are was "
                   "were be its".split())
_PRONOUNS = ("he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their", "our", "this", "that",
             "these", "those", "him", "them")
_CONNECTIVES = ("and", "but", "or", "so", "also", "yet", "however", "meanwhile", "moreover", "furthermore",
                "nevertheless", "still", "then", "instead", "thus", "therefore", "besides", "plus")


def furniture(text: str) -> str:
    s = text.strip()
    if not s:
        return "empty"
    if re.search(r"\?\W*$", s):
        return "question"
    for rule in _STAMP:
        if rule.search(s):
            return "stamp/byline/caption"
    opening = s.lstrip("\"“‘'( ")
    if not opening or opening[0].islower() or s.startswith(("...", "…")) or not (opening[0].isalnum() or
                                                                                 opening[0] in "$£€"):
        return "fragment"  # also ", chairman of the committee, to determine ..."
    if _CAPTION.search(s):
        return "stamp/byline/caption"
    if _DATELINE.search(s[:300]):
        return "dateline"
    if _RUN_ON.search(s[:300]):
        return "headline run into the lead"
    title = re.findall(r"[A-Za-z][\w'’-]*", s)
    if len(title) >= 4 and all(w[0].isupper() or w.lower() in _SMALL for w in title):
        return "title-case headline"
    # a line that starts inside a quotation: its first quote mark closes one ('... the American people, " Obama
    # said'); a quotation opened in the line and running on past its end keeps its speaker and is not flagged
    marks = [(i, ch) for i, ch in enumerate(s) if ch in '"“”']
    if marks and (s.count('"') % 2 or s.count("“") != s.count("”")):
        i, ch = marks[0]
        if ch == "”" or (ch == '"' and i > 0 and re.search(r"[,.!?]\s*$", s[:i])):
            return "quotation fragment"
    words = re.findall(r"[A-Za-z]{2,}", s)
    if words and sum(w.isupper() for w in words) * 2 > len(words):
        return "heading"
    return ""


def dangling(text: str) -> str:
    """The unresolved pronoun or connective the line opens with ("" when none or resolved in brackets)."""
    s = text.strip().lstrip("(")
    words = re.findall(r"[A-Za-z']+|\[", s[:120])
    if not words:
        return ""
    if s[:1] in "\"“‘`'":
        # a quotation's pronouns are its speaker's: it dangles only when the speaker is a pronoun too
        said = re.search(r"[\"”’']\s*,?\s*(he|she|they|it|we|i)\s+(?:said|says|added|told|wrote)\b|"
                         r"\b(?:said|says|added)\s+(he|she|they)\b", s, re.I)
        return (said.group(1) or said.group(2)) if said else ""
    first = words[0].lower()
    if first == "today" and len(words) > 1 and words[1].lower() in ("is", "was"):
        return "Today is"
    if first in _CONNECTIVES:
        return words[0]
    # a pronoun subject at the start or after a short opening phrase ("On Sunday, he urged ...")
    head = s.split(",", 1)
    candidates = [words[0]]
    if len(head) == 2 and len(head[0].split()) <= 6:
        after = re.findall(r"[A-Za-z']+|\[", head[1])
        candidates.append(after[0] if after else "")
        if after and after[0].lower() in _PRONOUNS and not (len(after) > 1 and after[1] == "["):
            return after[0]
    if first in _PRONOUNS and not (len(words) > 1 and words[1] == "["):
        if first in ("that", "this", "these", "those") and len(words) > 1 and words[1][0].isupper():
            return ""  # "This Week in ..." is a name, not a reference
        return words[0]
    return ""


def _weekday_before(published: dt.date, weekday: int, ahead: bool) -> dt.date:
    delta = (weekday - published.weekday()) % 7
    return published + dt.timedelta(days=delta) if ahead else published - dt.timedelta(days=(-delta) % 7)


def named_days(text: str, published: dt.date) -> list[dt.date]:
    """The single days a sentence names, resolved against its publication day (an independent, small resolver)."""
    days: list[dt.date] = []
    low = text.lower()
    for m in re.finditer(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", low):
        before = low[max(0, m.start() - 25): m.start()]
        ahead = bool(re.search(r"\b(?:next|will|coming)\b", before))
        if re.search(r"\blast\s*$", before):  # "last Wednesday" in a Wednesday paper is a week back
            days.append(_weekday_before(published - dt.timedelta(days=1), _WEEKDAYS[m.group(1)], False))
        else:
            days.append(_weekday_before(published, _WEEKDAYS[m.group(1)], ahead))
    if re.search(r"\byesterday\b", low):
        days.append(published - dt.timedelta(days=1))
    if re.search(r"\b(?:today|tonight|this morning|this afternoon|this evening)\b", low):
        days.append(published)
    if re.search(r"\btomorrow\b", low):
        days.append(published + dt.timedelta(days=1))
    month_names = "|".join(sorted(_MONTHS, key=len, reverse=True))
    for m in re.finditer(rf"\b({month_names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b"
                         rf"(?:,?\s+(\d{{4}}))?|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({month_names})\b\.?(?:,?\s+(\d{{4}}))?",
                         low):
        month = _MONTHS[m.group(1) or m.group(5)]
        day = int(m.group(2) or m.group(4))
        year = int(m.group(3) or m.group(6) or published.year)
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if not (m.group(3) or m.group(6)) and d > published + dt.timedelta(days=60):
            d = d.replace(year=d.year - 1)  # "December 28" in a January article is last year's
        days.append(d)
    return days


def check_line(text: str, day: dt.date, published: dt.date | None) -> list[str]:
    """What is wrong with one line ([] when it is clean)."""
    problems = []
    why = furniture(text)
    if why:
        problems.append(f"furniture: {why}")
    opening = dangling(text)
    if opening:
        problems.append(f"dangling: {opening}")
    if published is not None:
        other = sorted({d for d in named_days(text, published) if d != day})
        if other:
            problems.append(f"other day: {other[0].isoformat()}")
    return problems


def check_timeline(story: Any) -> dict[str, Any]:
    lines, bad = 0, []
    for day in story.days:
        for line in day.lines:
            lines += 1
            first = line.citations[0]
            published = dt.date.fromisoformat(first.published[:10]) if first.published else None
            problems = check_line(line.text, day.date, published)
            if problems:
                bad.append({"date": day.date.isoformat(), "text": line.text, "problems": problems})
    kinds: dict[str, int] = {}
    for b in bad:
        for p in b["problems"]:
            kinds[p.split(":")[0]] = kinds.get(p.split(":")[0], 0) + 1
    return {"lines": lines, "bad": len(bad), "share": round(len(bad) / lines, 4) if lines else 0.0, "kinds": kinds,
            "bad_lines": bad}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = base_parser(__doc__, RESULTS / "line_check.json", DEFAULT_DATA)
    parser.add_argument("--topics", default="", help="comma-separated topic folders (default: all)")
    parser.add_argument("--stores", type=Path, default=None,
                        help="stores kept by benchmarks.tls --stores (one per topic; built there when absent)")
    args = parser.parse_args(argv)
    if not args.data.exists():
        return skip(f"no T17 data at {args.data}", args.out)
    found = topics(args.data)
    wanted = [t for t in args.topics.split(",") if t] or list(found)
    missing = [t for t in wanted if t not in found]
    if missing:
        parser.error(f"unknown topic(s) {', '.join(missing)}; the data has {', '.join(found)}")
    if args.stores is None:
        return skip("give --stores DIR (the per-topic stores benchmarks.tls --stores DIR keeps)", args.out)
    rows = []
    for t in wanted:
        chron, _ = open_store(args.stores / t, [found[t]["articles"]])
        try:
            for record in found[t]["timelines"]:
                gold = gold_timeline(record)
                n = len(gold)
                per_day = max(1, round(sum(len(s) for s in gold.values()) / n))
                story = chron.story(about_of(found[t]), n_dates=n, sentences_per_date=per_day,
                                    date_from=min(gold), date_to=max(gold))
                row = {"timeline": f"{t}#{record['timeline']}", **check_timeline(story)}
                rows.append(row)
                print(f"  {row['timeline']}: {row['bad']}/{row['lines']} lines flagged ({row['share']:.1%}) "
                      f"{row['kinds']}", flush=True)
        finally:
            chron.store.close()
            clear_caches()
    lines = sum(r["lines"] for r in rows)
    bad = sum(r["bad"] for r in rows)
    result = {"lines": lines, "bad": bad, "share": round(bad / lines, 4) if lines else 0.0,
              "worst": max((r["share"] for r in rows), default=0.0), "target": TARGET,
              "met": all(r["share"] <= TARGET for r in rows), "per_timeline": rows}
    print(f"all: {bad}/{lines} lines flagged ({result['share']:.1%}); worst timeline {result['worst']:.1%}; "
          f"target <= {TARGET:.0%} on every timeline: {'met' if result['met'] else 'NOT met'}")
    write_json(args.out, envelope("line_check", result))
    return result


if __name__ == "__main__":
    main()
