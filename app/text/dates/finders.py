"""Candidate finders of app.text.dates: one regex-driven generator per kind of expression (calendar and partial
dates, month-years, months, weekdays, years and year ranges, decades, centuries, day words, relative units,
parts of, "ago", "within", seasons), each with its guards against false readings, and the prioritised _FINDERS.

Finders may overlap freely: choosing among them is the selection layer's job, so each finder only has to be
precise about its own span and date range.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator

from app.text.dates.calendar_math import (
    _add_months,
    _century_range,
    _count,
    _decade_range,
    _month_range,
    _narrow,
    _parse_calendar_date,
    _shift,
    _unit_bounds,
    _unit_granularity,
    _week_range,
    _year_range,
)
from app.text.dates.lexicon import (
    _COUNT_NOUNS,
    _DECADE_WORDS,
    _ID_WORDS,
    _MON,
    _MONTHS,
    _NAME_MONTHS,
    _ORDINAL_WORDS,
    _QUAL_PART,
    _RE_AGO,
    _RE_CAL_DATE,
    _RE_CENTURY,
    _RE_CLAUSE_CUT,
    _RE_DAY_RANGE,
    _RE_DAY_WORD,
    _RE_DECADE,
    _RE_FUTURE_CUE,
    _RE_HOLIDAY_PREFIX,
    _RE_MONTH,
    _RE_MONTH_YEAR,
    _RE_PART_OF,
    _RE_PARTIAL_DATE,
    _RE_RECURRING_PREFIX,
    _RE_SEASON,
    _RE_UNIT_REL,
    _RE_WEEKDAY,
    _RE_WITHIN,
    _RE_WORD_AFTER,
    _RE_WORD_BEFORE,
    _RE_YEAR,
    _RE_YEAR_RANGE,
    _TITLE_FOLLOWERS,
    _WEEKDAYS,
    _YEAR_CUES,
)

# --------------------------------------------------------------------------------------------------------------
# Candidate finders: each yields (start, end, date_start, date_end, granularity, relation, qualifier, is_range)
# --------------------------------------------------------------------------------------------------------------

_Cand = tuple[int, int, datetime.date, datetime.date, str, str, str, bool]


def _word_before(text: str, pos: int) -> str:
    match = _RE_WORD_BEFORE.search(text, max(0, pos - 30), pos)
    return match.group(1).lower() if match else ""


def _word_after(text: str, pos: int) -> str:
    match = _RE_WORD_AFTER.match(text[pos : pos + 30])
    return match.group(1) if match else ""


FUTURE_WINDOW = 120
# A day that is the subject of a future verb: 'Truchelut said Tuesday will be "a dangerous day"' (a Monday article).
_RE_FUTURE_SUBJECT = re.compile(r"\s+(?:will|is\s+(?:expected|forecast|likely|set)\s+to|could\s+be|may\s+be)\b")


def _future_preferred(text: str, pos: int) -> bool:
    """True when the clause before pos speaks of the future ("... will meet on Friday"): a cue in the FUTURE_WINDOW
    characters before it, after the last clause break ("is expected to strengthen into a major hurricane by the
    end of Tuesday before making landfall in Florida on Wednesday": 102 characters; with 60 that Wednesday was the
    one before the Monday article)."""
    window = text[max(0, pos - FUTURE_WINDOW) : pos]
    cuts = [m.end() for m in _RE_CLAUSE_CUT.finditer(window)]
    return bool(_RE_FUTURE_CUE.search(window[cuts[-1] :] if cuts else window))


# A month and day without a year, in a clause that does not speak of the future, is the last such day up to this
# many days after publication: a page updated after it was first published ("Sept. 13: Cavalcante captured" in a
# manhunt timeline first published on 8 September had been read as 13 September 2022), or a plan said without a
# future word. News writes the year of a day from another year (AP style), so a day a few days ahead is not last
# year's; further ahead, a past-tense sentence is still read as last year's ("The vote was held on Oct. 3." in a
# 19 September article): reading half a year ahead as this year's broke that (fifteenth session).
AHEAD_DAYS = 7


def _resolve_month_day(pub: datetime.date, month: int, day: int, future: bool) -> datetime.date | None:
    """The day ``month``/``day`` names in an article published on ``pub``: the first on or after ``pub`` when the
    clause speaks of the future, else the last on or before AHEAD_DAYS after ``pub``."""
    latest = pub + datetime.timedelta(days=AHEAD_DAYS)
    candidates = []
    for year in (pub.year - 1, pub.year, pub.year + 1):
        try:
            candidates.append(datetime.date(year, month, day))
        except ValueError:
            continue  # 29 February of a common year
    if future:
        return min((c for c in candidates if c >= pub), default=None)
    return max((c for c in candidates if c <= latest), default=None)


def _match_weekday(day: datetime.date, weekday: int) -> datetime.date:
    """'Thursday, Nov. 1' names its year implicitly: take the nearest year (±1) where the weekday fits."""
    for years in (0, 1, -1):
        try:
            candidate = day.replace(year=day.year + years)
        except ValueError:
            continue
        if candidate.weekday() == weekday:
            return candidate
    return day


def _day_number(token: str) -> int:
    return int(re.sub(r"\D", "", token))


def _month_number(token: str) -> int:
    return _MONTHS[token.rstrip(".").lower()]


def _find_calendar_dates(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_CAL_DATE.finditer(text):
        day = _parse_calendar_date(m.group(0))
        if day is None:  # dateparser could not read it; fall back on the regex groups
            try:
                if m.group("y1"):
                    day = datetime.date(int(m.group("y1")), _month_number(m.group("m1")), _day_number(m.group("d1")))
                elif m.group("y2"):
                    day = datetime.date(int(m.group("y2")), _month_number(m.group("m2")), _day_number(m.group("d2")))
            except ValueError:
                day = None
        if day is not None:
            yield m.start(), m.end(), day, day, "day", "at", "", False


def _find_partial_dates(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_PARTIAL_DATE.finditer(text):
        month = _month_number(m.group("m1") or m.group("m2"))
        day = _resolve_month_day(pub, month, _day_number(m.group("d1") or m.group("d2")),
                                 _future_preferred(text, m.start()))
        if day is not None and m.group("wd"):
            day = _match_weekday(day, _WEEKDAYS[m.group("wd").lower()])
        if day is not None:
            yield m.start(), m.end(), day, day, "day", "at", "", False


def _find_day_ranges(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    """ "April 21-27", "21-22 April 2009": the days of one month from the first to the last, an explicit range."""
    for m in _RE_DAY_RANGE.finditer(text):
        month = _month_number(m.group("m1") or m.group("m2"))
        first_day, last_day = (_day_number(m.group(g)) for g in (("a1", "b1") if m.group("m1") else ("a2", "b2")))
        year = m.group("y1") or m.group("y2")
        if first_day >= last_day or _word_after(text, m.end()).lower() in _COUNT_NOUNS:
            continue  # "April 21 to 27 people" counts; "April 27-21" is no range
        if (m.group("s1") or m.group("s2")).strip() == "and" and _word_before(text, m.start()) != "between":
            continue  # "on April 21 and 27": two days
        if year:
            try:
                first: datetime.date | None = datetime.date(int(year), month, first_day)
            except ValueError:
                continue
        elif pub is not None:
            first = _resolve_month_day(pub, month, first_day, _future_preferred(text, m.start()))
        else:
            continue
        if first is None:
            continue
        try:
            last = first.replace(day=last_day)
        except ValueError:
            continue  # "February 27-31"
        yield m.start(), m.end(), first, last, "day", "at", "", True


def _find_month_years(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_MONTH_YEAR.finditer(text):
        if _word_after(text, m.end()).lower() in _COUNT_NOUNS - {"of"}:  # "Sep 1958 of the ..." is a date
            continue
        if m.group("m") in ("may", "march") and _word_before(text, m.start()) not in _MONTH_CUES:
            continue  # lowercase verbs: "protesters march 2,000 strong" style
        first, last = _month_range(int(m.group("y")), _month_number(m.group("m")))
        yield m.start(), m.end(), first, last, "month", "at", "", False


_MONTH_CUES = _YEAR_CUES - {"and", "the", "to", "as", "around", "than", "'s", "’s"}
_RE_MONTH_NAME = re.compile(rf"{_MON}")


def _month_cue(text: str, pos: int, before: str) -> bool:
    """A preposition before the month, or a list of months ("in May and June")."""
    if before in _MONTH_CUES:
        return True
    return before in ("and", "or") and bool(_RE_MONTH_NAME.search(text, max(0, pos - 16), pos))


def _find_months(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_MONTH.finditer(text):
        name, mod = m.group("m"), (m.group("mod") or "").lower()
        before = _word_before(text, m.start())
        follower = _word_after(text, m.end())
        if follower[:1].isupper() and follower.lower().rstrip(".") not in _MONTHS:
            continue  # a name: "June Smith", "August Rush"
        if name in _NAME_MONTHS and not mod and not _month_cue(text, m.start(), before):
            continue  # modal "May I ...", "April said": accept these only with a temporal cue
        month = _MONTHS[name.lower()]
        if mod == "last":
            year = pub.year if month < pub.month else pub.year - 1
        elif mod in ("next", "coming") or (mod != "this" and _future_preferred(text, m.start())):
            strict = mod in ("next", "coming")
            year = pub.year if (month > pub.month or (month == pub.month and not strict)) else pub.year + 1
        else:
            year = pub.year if month <= pub.month else pub.year - 1
        first, last = _month_range(year, month)
        yield m.start(), m.end(), first, last, "month", "at", "", False


def _find_weekdays(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_WEEKDAY.finditer(text):
        if not m.group("mod") and _RE_HOLIDAY_PREFIX.search(text, max(0, m.start() - 10), m.start()):
            continue  # "Good Friday", "Black Friday"
        if not m.group("mod") and _RE_RECURRING_PREFIX.search(text, max(0, m.start() - 10), m.start()):
            continue  # "every Tuesday", "the second Sunday of March"
        if _word_after(text, m.end()) in _TITLE_FOLLOWERS:
            continue
        target, mod = _WEEKDAYS[m.group("wd").lower()], (m.group("mod") or "").lower()
        back = (pub.weekday() - target) % 7
        ahead = (target - pub.weekday()) % 7
        if mod in ("last", "past"):
            delta = -(back or 7)
        elif mod in ("next", "coming"):
            delta = ahead or 7
        elif mod == "this":
            delta = target - pub.weekday()
        elif _future_preferred(text, m.start()) or _RE_FUTURE_SUBJECT.match(text, m.end()):
            delta = ahead
        else:
            delta = -back
        day = pub + datetime.timedelta(days=delta)
        yield m.start(), m.end(), day, day, "day", "at", "", False


def _year_is_plausible(text: str, start: int, end: int, year: int) -> bool:
    """Guards a bare 4-digit number against counts, identifiers and phone numbers."""
    before = _word_before(text, start)
    if text[start - 1 : start] == "'" or before in _ID_WORDS:
        return False
    if re.search(r"\d[\s.-]?$", text[max(0, start - 3) : start]):
        return False  # part of a longer digit group: phone numbers, "1 2020"
    after = _word_after(text, end)
    if after.lower() in _COUNT_NOUNS:
        return False
    cue = before in _YEAR_CUES or before.endswith(("'s", "’s"))
    plural_follower = after.islower() and after.endswith("s") and not after.endswith("ss") and len(after) > 3
    if plural_follower and not cue:
        return False  # "2000 fighters" but not "the 2019 protests"
    if not 1900 <= year <= 2099 and not cue:
        return False  # "1500" reads as a count unless a cue says year
    return True


def _find_year_ranges(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_YEAR_RANGE.finditer(text):
        first = int(m.group("y1"))
        tail = m.group("y2")
        last = int(tail) if len(tail) == 4 else first // 100 * 100 + int(tail)
        if not first < last <= first + 100 or not _year_is_plausible(text, m.start(), m.end(), first):
            continue
        yield m.start(), m.end(), _year_range(first)[0], _year_range(last)[1], "year", "at", "", True


def _find_years(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_YEAR.finditer(text):
        year = int(m.group("y"))
        if _year_is_plausible(text, m.start(), m.end(), year):
            first, last = _year_range(year)
            yield m.start(), m.end(), first, last, "year", "at", "", False


def _find_decades(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_DECADE.finditer(text):
        if m.group("full"):
            first = int(m.group("full"))
        elif m.group("word"):
            first = 1900 + 10 * _DECADE_WORDS[m.group("word").lower()]
        else:
            short = int(m.group("short") or m.group("bare"))
            if m.group("bare") and not m.group(0).lower().startswith("the"):
                continue  # "in her 40s" is an age; "the 90s" is a decade
            if pub is None:
                first = 1900 + short
            else:
                first = pub.year // 100 * 100 + short
                if first > pub.year:
                    first -= 100
        lo, hi = _decade_range(first)
        yield m.start(), m.end(), lo, hi, "decade", "at", "", False


def _find_centuries(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    for m in _RE_CENTURY.finditer(text):
        number = int(m.group("num")) if m.group("num") else _ORDINAL_WORDS[m.group("word").lower().replace(" ", "-")]
        if not 1 <= number <= 22:
            continue
        lo, hi = _century_range(number)
        yield m.start(), m.end(), lo, hi, "century", "at", "", False


def _find_day_words(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_DAY_WORD.finditer(text):
        word = re.sub(r"\s+", " ", m.group("w").lower())
        if m.group(0)[0].isupper() and re.search(r"[\w,;:]\s*$", text[max(0, m.start() - 3) : m.start()]):
            continue  # a title mid-sentence: "USA Today", "The Road to Today"
        offset = {"yesterday": -1, "last night": -1, "tomorrow": 1}.get(word, 0)
        day = pub + datetime.timedelta(days=offset)
        yield m.start(), m.end(), day, day, "day", "at", "", False


def _find_unit_relatives(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_UNIT_REL.finditer(text):
        unit, mod, part = m.group("unit").lower(), (m.group("mod") or "").lower(), (m.group("part") or "").lower()
        if mod and text[max(0, m.start() - 4) : m.start()].lower() == "the ":
            continue  # "the last week" is rolling: handled by the within finder
        step = {"last": -1, "previous": -1, "next": 1, "coming": 1}.get(mod, 0)
        if unit == "weekend":
            monday = _week_range(pub)[0]
            saturday = monday + datetime.timedelta(days=5)
            if step < 0 and saturday >= pub:
                saturday -= datetime.timedelta(days=7)
            elif step > 0 and saturday <= pub:
                saturday += datetime.timedelta(days=7)
            yield m.start(), m.end(), saturday, saturday + datetime.timedelta(days=1), "day", "at", "", False
            continue
        granularity = unit
        first, last = _unit_bounds(_shift(pub, unit, step), granularity)
        if part == "earlier":
            last = pub
        elif part == "later":
            first = pub
        yield m.start(), m.end(), first, last, granularity, "at", "", False


def _find_parts_of(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_PART_OF.finditer(text):
        granularity = m.group("unit").lower()
        qualifier = _QUAL_PART[m.group("part").lower()]
        first, last = _unit_bounds(pub, granularity)
        if granularity != "week":
            first, last = _narrow(first, last, granularity, qualifier)
        yield m.start(), m.end(), first, last, granularity, "at", qualifier if granularity != "week" else "", False


def _find_agos(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_AGO.finditer(text):
        count = _count(m.group("n"))
        if count is None:
            continue
        unit = m.group("unit")
        granularity = _unit_granularity(unit)
        lo, _ = _unit_bounds(_shift(pub, unit, -count[1]), granularity)
        _, hi = _unit_bounds(_shift(pub, unit, -count[0]), granularity)
        yield m.start(), m.end(), lo, hi, granularity, "at", "", False


# Vague "in the coming days" style durations, in units.
_VAGUE_SPAN = {"hour": 24, "day": 7, "week": 4, "month": 3, "year": 3, "decade": 1}


def _find_withins(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    if pub is None:
        return
    for m in _RE_WITHIN.finditer(text):
        direction = (m.group("dir") or m.group("dir3") or "next").lower()
        unit = (m.group("unit") or m.group("unit2") or m.group("unit3")).lower()
        number = m.group("n") or m.group("n2")
        if number:
            count = _count(number)
            if count is None:
                continue
            amount = count[1]
        elif unit.endswith("s"):
            amount = _VAGUE_SPAN[unit.rstrip("s")]
        else:
            amount = 1
        if unit.startswith("hour"):
            days = max(1, -(-amount // 24))
            unit, amount = "days", days
        granularity = _unit_granularity(unit)
        if direction in ("past", "last", "previous", "recent"):
            first, last = _shift(pub, unit, -amount), pub
        else:
            first, last = pub, _shift(pub, unit, amount)
        yield m.start(), m.end(), first, last, granularity, "within", "", False


def _find_seasons(text: str, pub: datetime.date | None) -> Iterator[_Cand]:
    starts = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
    for m in _RE_SEASON.finditer(text):
        season, mod = m.group("s").lower(), (m.group("mod") or "").lower()
        if m.group("y"):
            year = int(m.group("y"))
        elif mod and pub is not None:
            year = pub.year + {"next": 1}.get(mod, 0)
            if season == "winter" and pub.month == 12:
                year += 1  # "this winter" in December: the winter ending next February
            first_month = starts[season]
            season_start = datetime.date(year - 1 if season == "winter" else year, first_month, 1)
            if mod in ("last", "past") and season_start > pub - datetime.timedelta(days=90):
                year -= 1
        else:
            continue  # "fall" alone is a noun ("the fall of the Soviet Union")
        first_month = starts[season]
        first = datetime.date(year - 1 if season == "winter" else year, first_month, 1)
        third_month = _add_months(first, 2)
        last = _month_range(third_month.year, third_month.month)[1]
        yield m.start(), m.end(), first, last, "month", "at", season, False


_FINDERS: tuple[tuple[Callable[[str, datetime.date | None], Iterator[_Cand]], int], ...] = (
    # (finder, priority: lower wins ties between candidates of the same length)
    (_find_calendar_dates, 0),
    (_find_day_ranges, 0),
    (_find_withins, 1),
    (_find_agos, 1),
    (_find_parts_of, 1),
    (_find_partial_dates, 2),
    (_find_month_years, 2),
    (_find_year_ranges, 2),
    (_find_centuries, 3),
    (_find_decades, 3),
    (_find_seasons, 3),
    (_find_unit_relatives, 4),
    (_find_day_words, 4),
    (_find_weekdays, 5),
    (_find_months, 5),
    (_find_years, 6),
)
