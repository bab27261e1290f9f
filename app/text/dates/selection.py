"""Selection layer of app.text.dates: the longest non-overlapping finder candidates win, qualifiers ("early
2021") and prepositions ("until February") join their spans, ranges ("from 2004 to 2005") merge;
``find_time_expressions`` is the entry point.

The one place that turns raw candidates into TimeExpr records, shared by ingest (article sentences) and the
question layer, so both read dates identically.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

from app.text.dates.calendar_math import _add_years, _narrow
from app.text.dates.finders import _FINDERS, _Cand
from app.text.dates.lexicon import _PREP_RELATION, _QUAL_PART, _RE_PREFIX, _RE_QUALIFIER
from app.text.dates.model import TimeExpr

# --------------------------------------------------------------------------------------------------------------
# Assembly: overlap resolution, qualifiers, prepositions, ranges
# --------------------------------------------------------------------------------------------------------------


def _select(text: str, published: datetime.date | None) -> list[TimeExpr]:
    """Longest non-overlapping candidates win; ties go to the more specific finder."""
    candidates: list[tuple[int, int, int, _Cand]] = []
    for finder, priority in _FINDERS:
        for cand in finder(text, published):
            candidates.append((-(cand[1] - cand[0]), priority, cand[0], cand))
    candidates.sort()
    taken: list[tuple[int, int]] = []
    chosen: list[TimeExpr] = []
    for _, _, _, (start, end, first, last, granularity, relation, qualifier, is_range) in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        chosen.append(TimeExpr(start, end, text[start:end], first, last, granularity, relation, qualifier, is_range))
    chosen.sort(key=lambda e: e.start)
    return chosen


def _with_qualifier(text: str, expr: TimeExpr) -> TimeExpr:
    """'early 2021', 'mid-2022', 'the late 1990s', 'the end of September' narrow the range."""
    if expr.qualifier or expr.granularity not in ("month", "year", "decade", "century") or expr.is_range:
        return expr
    match = _RE_QUALIFIER.search(text, max(0, expr.start - 30), expr.start)
    if not match:
        return expr
    if match.group("h"):
        qualifier = f"{match.group('h').lower()} half"
    else:
        qualifier = (match.group("q") or _QUAL_PART[(match.group("p") or "middle").lower()]).lower()
    first, last = _narrow(expr.date_start, expr.date_end, expr.granularity, qualifier)
    start = match.start()
    return replace(expr, start=start, text=text[start : expr.end], date_start=first, date_end=last,
                   qualifier=qualifier)


def _with_preposition(text: str, expr: TimeExpr) -> TimeExpr:
    """'until February' (before), 'since 1991' (after), 'on Tuesday' (at): the preposition joins the span."""
    if expr.relation == "within":
        return expr
    match = _RE_PREFIX.search(text, max(0, expr.start - 40), expr.start)
    if not match:
        return expr
    prep = re.sub(r"\s+", " ", match.group("p").lower()).replace(" at least", "").replace(" immediate", "")
    prep = prep.removesuffix(" the") if prep.endswith(("of the", "to the", "after the")) else prep
    if prep == "by" and text[expr.end : expr.end + 2] in ("'s", "’s"):
        return expr  # "by Tuesday's attack"
    start = match.start()
    relation = "at" if expr.is_range else _PREP_RELATION[prep]  # "from 1998-2006" covers, not starts
    return replace(expr, start=start, text=text[start : expr.end], relation=relation)


_RE_RANGE_GAP = re.compile(r"(?i:^\s*(?:to|and|-|–|—)?\s*$)")
_RE_RANGE_OPEN = re.compile(r"(?i:\bbetween\s+$)")
_RANGE_CLOSERS = ("to", "until", "till", "through", "and")


def _roll_forward(second: TimeExpr, first: TimeExpr) -> TimeExpr:
    """'from October 27 to October 29': a year-less end resolved into the past may belong a year later."""
    if second.date_end >= first.date_start or re.search(r"\d{4}", second.text) or second.granularity not in (
            "day", "week", "month"):
        return second
    later = replace(second, date_start=_add_years(second.date_start, 1), date_end=_add_years(second.date_end, 1))
    return later if later.date_end >= first.date_start and later.date_start <= _add_years(first.date_end, 1) else second


def _merge_ranges(text: str, exprs: list[TimeExpr]) -> list[TimeExpr]:
    """'from 2004 to 2005' and 'between 2019 and 2021' become one expression covering both ends."""
    merged: list[TimeExpr] = []
    i = 0
    while i < len(exprs):
        first = exprs[i]
        if i + 1 < len(exprs):
            second = _roll_forward(exprs[i + 1], first)
            gap = text[first.end : second.start]
            opens_from = first.text.lower().startswith("from ")
            between = _RE_RANGE_OPEN.search(text, max(0, first.start - 10), first.start)
            closer = second.text.split(" ", 1)[0].lower()
            joined = _RE_RANGE_GAP.match(gap) and (gap.strip() or closer in _RANGE_CLOSERS)
            bare_to = gap.strip().lower() in ("to", "-", "–", "—") or (
                not gap.strip() and closer in ("to", "through")
            )
            same_kind = first.granularity == second.granularity and not first.is_range and not second.is_range
            if ((opens_from or between) or (bare_to and same_kind)) and joined \
                    and second.date_end >= first.date_start and first.relation != "within":
                start = between.start() if between else first.start
                merged.append(TimeExpr(start, second.end, text[start : second.end], first.date_start,
                                       second.date_end, first.granularity, "at", "", True))
                i += 2
                continue
        merged.append(first)
        i += 1
    return merged


def find_time_expressions(text: str, published: datetime.date | None) -> list[TimeExpr]:
    """All temporal expressions in text, resolved against published (None: only absolute ones)."""
    exprs = [_with_preposition(text, _with_qualifier(text, e)) for e in _select(text, published)]
    return _merge_ranges(text, exprs)


def without_time_expressions(text: str) -> str:
    """The text with each of its time expressions replaced by a space: what a question is about, or names, beside
    when (any reference day will do: only where the expressions are matters)."""
    for expression in sorted(find_time_expressions(text, datetime.date(2000, 1, 1)), key=lambda e: -e.start):
        text = text[: expression.start] + " " + text[expression.end :]
    return text
