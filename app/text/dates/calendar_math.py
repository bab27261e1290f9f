"""Date arithmetic of app.text.dates: month/week/year/decade/century ranges, shifts by units, early/mid/late
narrowing, counts of units, and the cached ``dateparser`` wrapper for fully specified calendar dates.

Pure functions on ``datetime.date`` with no knowledge of text spans, so the finders stay about matching and this
layer about calendars. Named calendar_math, not calendar, so it never shadows the stdlib ``calendar`` it uses.
"""

from __future__ import annotations

import calendar
import datetime
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from app.text.dates.lexicon import _NUMBER_WORDS, _VAGUE

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

# --------------------------------------------------------------------------------------------------------------
# Date arithmetic
# --------------------------------------------------------------------------------------------------------------


def _month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    return _add_months(day, 12 * years)


def _week_range(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _decade_range(first_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(first_year, 1, 1), datetime.date(first_year + 9, 12, 31)


def _century_range(century: int) -> tuple[datetime.date, datetime.date]:
    """The 19th century as readers use it: 1800-1899."""
    first = (century - 1) * 100
    return datetime.date(max(first, 1), 1, 1), datetime.date(first + 99, 12, 31)


def _narrow(
    start: datetime.date, end: datetime.date, granularity: str, qualifier: str
) -> tuple[datetime.date, datetime.date]:
    """Early/mid/late part (or first/second half) of a month, year, decade or century."""
    if qualifier in ("first half", "second half"):
        middle = start + (end - start) // 2
        if granularity == "year":
            middle = datetime.date(start.year, 6, 30)
        return (start, middle) if qualifier == "first half" else (middle + datetime.timedelta(days=1), end)
    third = {"early": 0, "mid": 1, "late": 2}[qualifier]
    if granularity == "month":
        bounds = [(1, 10), (11, 20), (21, end.day)][third]
        return start.replace(day=bounds[0]), start.replace(day=bounds[1])
    if granularity == "year":
        first_month = 1 + 4 * third
        return datetime.date(start.year, first_month, 1), _month_range(start.year, first_month + 3)[1]
    if granularity == "decade":
        lo, hi = [(0, 3), (4, 6), (7, 9)][third]
    elif granularity == "century":
        lo, hi = [(0, 32), (33, 66), (67, 99)][third]
    else:
        return start, end
    base = start.year // 10 * 10 if granularity == "decade" else start.year // 100 * 100
    return datetime.date(max(base + lo, 1), 1, 1), datetime.date(base + hi, 12, 31)


def _count(word: str) -> tuple[int, int] | None:
    word = re.sub(r"\s+", " ", word.lower())
    if word.isdigit():
        value = int(word)
        return (value, value) if value < 10000 else None
    if word in _VAGUE:
        return _VAGUE[word]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word], _NUMBER_WORDS[word]
    return None


def _shift(pub: datetime.date, unit: str, amount: int) -> datetime.date:
    """pub moved by amount units (negative: into the past)."""
    unit = unit.lower().rstrip("s")
    if unit == "hour":
        return pub + datetime.timedelta(days=int(amount / 24))
    if unit == "day":
        return pub + datetime.timedelta(days=amount)
    if unit == "week":
        return pub + datetime.timedelta(weeks=amount)
    if unit == "month":
        return _add_months(pub, amount)
    if unit == "year":
        return _add_years(pub, amount)
    return _add_years(pub, 10 * amount)  # decade


def _unit_granularity(unit: str) -> str:
    unit = unit.lower().rstrip("s")
    return {"hour": "day", "day": "day", "week": "week", "month": "month", "year": "year"}.get(unit, "decade")


def _unit_bounds(day: datetime.date, granularity: str) -> tuple[datetime.date, datetime.date]:
    if granularity == "day":
        return day, day
    if granularity == "week":
        return _week_range(day)
    if granularity == "month":
        return _month_range(day.year, day.month)
    if granularity == "year":
        return _year_range(day.year)
    return _decade_range(day.year // 10 * 10)


@lru_cache(maxsize=1)
def _date_parser() -> DateDataParser:
    """Built lazily: dateparser loads its language data on first use, never at import."""
    from dateparser.date import DateDataParser

    # No DATE_ORDER: English numeric dates read month-first (US wires) unless the first number exceeds 12.
    return DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})


@lru_cache(maxsize=4096)
def _parse_calendar_date(text: str) -> datetime.date | None:
    """A fully specified calendar date (it has a year, so the publication date plays no part)."""
    data = _date_parser().get_date_data(text)
    if data.date_obj is None or data.period != "day":
        return None
    return data.date_obj.date()
