"""Date bounds typed by people (CLI ``--from/--to``, the timeline tab's From/To boxes): YYYY, YYYY-MM or
YYYY-MM-DD, widened to the first day (or, for an upper bound, the last day) of the year or month."""

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
