"""Data model of app.text.dates: TimeExpr (one expression's span and the inclusive date range it covers) and
TimeConstraint (the restriction a question puts on events), with their human labels.

The bottom layer: plain frozen records that every other layer produces or consumes, free of regexes and parsing,
so code that only needs the types does not depend on how expressions are found.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------------------

_SEASONS = ("spring", "summer", "autumn", "fall", "winter")


@dataclass(frozen=True)
class TimeExpr:
    """One temporal expression: its exact span in the text and the inclusive date range it covers."""

    start: int
    end: int
    text: str
    date_start: datetime.date
    date_end: datetime.date
    granularity: str  # "day" | "week" | "month" | "year" | "decade" | "century"
    relation: str = "at"  # "at" | "before" | "after" | "within"
    qualifier: str = ""  # "early" | "mid" | "late" | a season name; narrows the range, shown in the label
    is_range: bool = False  # an explicit range such as "from 2004 to 2005" or "2019-2021"

    @property
    def label(self) -> str:
        """Human label: "2023-09-19", "2023-02", "2020", "1990s", "2023-W38", "19th century", "early 2021"."""
        if self.qualifier in _SEASONS:
            year = self.date_end.year
            return f"{self.qualifier} {year}"
        first = _unit_label(self.date_start, self.granularity)
        last = _unit_label(self.date_end, self.granularity)
        if self.qualifier:
            return f"{self.qualifier} {first}"
        if first == last:
            return first
        if self.relation == "within" or self.granularity in ("day", "week"):
            return f"{self.date_start.isoformat()}..{self.date_end.isoformat()}"
        return f"{first}..{last}"


def _unit_label(day: datetime.date, granularity: str) -> str:
    if granularity == "day":
        return day.isoformat()
    if granularity == "week":
        iso = day.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if granularity == "month":
        return f"{day.year}-{day.month:02d}"
    if granularity == "year":
        return str(day.year)
    if granularity == "decade":
        return f"{day.year // 10 * 10}s"
    century = day.year // 100 + 1
    return f"{_ordinal(century)} century"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class TimeConstraint:
    """The time restriction a question puts on the events it asks about."""

    start: datetime.date | None
    end: datetime.date | None
    relation: str  # "in" | "before" | "after" | "between" | "latest" | "earliest" | "first_of"
    anchor_text: str | None
    span: tuple[int, int] | None
