"""Dates typed by people, parsed in one place so that every box and flag accepts the same forms: YYYY, YYYY-MM or
YYYY-MM-DD, widened to the first day (or, for an upper bound, the last day) of the year or month.

- ``parse_date_bound``: a range's ends (CLI ``--from/--to``, the timeline tab's From/To boxes).
- ``parse_as_of``: the day a question is asked on (CLI ``--as-of``, the chat's and the timeline tab's As of boxes,
  a test case's ``as_of`` in evalsets/*.jsonl): an upper bound, so "2023-11" is a reader on 30 November 2023.

Rejected: ``date.fromisoformat`` for the test sets (the evaluation used it): it also takes "20231110" and
"2023-W45-5" but not "2023-11", so a case and the CLI disagreed on what an as-of date is.
"""

from __future__ import annotations

import datetime as dt
import re

_DATE_BOUND = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")


def parse_date_bound(text: str | None, upper: bool = False) -> dt.date | None:
    """"2023" / "2023-09" / "2023-09-19" -> a date (first day, or last day when ``upper``); "" or None -> None.
    Raises ValueError with a readable message on anything else."""
    if not text or not text.strip():
        return None
    m = _DATE_BOUND.match(text)
    if not m:
        raise ValueError(f"“{text.strip()}” is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            first = dt.date(year, int(month), 1)
            if not upper:
                return first
            nxt = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(year, 12, 31) if upper else dt.date(year, 1, 1)
    except ValueError:
        raise ValueError(f"“{text.strip()}” is not a valid date") from None


def parse_as_of(text: str | None) -> dt.date | None:
    """The day a question is asked on: "2023-11-10" that day, "2023-11" / "2023" the last day of the month / year;
    "" or None -> None. Raises ValueError with a readable message on anything else."""
    return parse_date_bound(text, upper=True)
