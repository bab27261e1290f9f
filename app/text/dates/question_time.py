"""Question layer of app.text.dates: the time constraint a question puts on the events it asks about
(``parse_question_time``) and whether it is temporal at all (``question_is_temporal``).

Built on ``find_time_expressions`` plus cues only questions carry (which came first, latest/earliest, before/after
an event phrase); kept apart because article text never needs them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from app.text.dates.model import TimeConstraint, TimeExpr
from app.text.dates.selection import find_time_expressions

# --------------------------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------------------------

_RE_FIRST_OF = re.compile(
    r"(?i:\b(?:which|what)\b[^?]*?\b(?:came|happened|occurred|started|began|took\s+place|was|were)\s+"
    r"(?:first|earlier|sooner)\b[^?]*\bor\b"
    r"|\b(?:first|earlier|sooner)\s*[,:]\s*[^?]+\bor\b"
    r"|\bor\b[^?]*\bwhich\b[^?]*\b(?:came|happened|occurred|was|were)\s+(?:first|earlier|sooner)\b)"
)
_RE_LATEST = re.compile(r"(?i:\b(?:latest|most\s+recent(?:ly)?|newest|recent|recently|current(?:ly)?|last)\b)")
_RE_EARLIEST = re.compile(
    r"(?i:\b(?:earliest|first(?!\s+(?:name|names|half|quarter|lady|minister|aid|class|hand|round|place|leg|"
    r"team|division|language|person|degree|amendment))|oldest|original(?:ly)?|initial(?:ly)?)\b)"
)
_RE_ANCHOR = re.compile(
    r"(?i:\b(?P<p>before|after|since|until|till|prior\s+to|following|ahead\s+of|preceding)\s+"
    r"(?P<a>[^?,;.!]+))"
)
_ANCHOR_RELATION = {"before": "before", "until": "before", "till": "before", "prior to": "before",
                    "ahead of": "before", "preceding": "before", "after": "after", "since": "after",
                    "following": "after"}
_RE_TEMPORAL_Q = re.compile(
    r"(?i:\b(?:when|what\s+(?:year|date|day|month|time|decade|century)|which\s+(?:year|date|day|month|decade)|"
    r"how\s+long|since\s+when|before|after|since|until|till|latest|earliest|first|most\s+recent|recently|"
    r"timeline|chronolog\w*|ago|last|prior\s+to|following|during|currently|recent|recently|newest|earlier|later)\b)"
)


def _outside(spans: list[tuple[int, int]], match: re.Match[str]) -> bool:
    return not any(match.start() < end and start < match.end() for start, end in spans)


def _bound(expr: TimeExpr) -> tuple[datetime.date | None, datetime.date | None]:
    """The (lower, upper) bound a before/after expression puts on events; 'before 1995' excludes 1995."""
    prep = expr.text.split(" ", 1)[0].lower()
    if expr.relation == "before":
        exclusive = prep in ("before", "prior", "ahead", "earlier")
        return None, expr.date_start - datetime.timedelta(days=1) if exclusive else expr.date_end
    exclusive = prep in ("after", "later", "following")
    return (expr.date_end + datetime.timedelta(days=1) if exclusive else expr.date_start), None


def _date_constraint(exprs: list[TimeExpr]) -> TimeConstraint | None:
    """One constraint from the question's dates: an explicit range wins, then before/after bounds, then 'in X'.

    Later plain dates are usually descriptions ("... Gary Mills, who was born in 1961"), so the first one is used.
    """
    ranges = [e for e in exprs if e.is_range]
    if ranges:  # "the rector for the period 1962 to 1988 went from 1968 to 1979": the prepositional one
        expr = min(ranges, key=lambda e: not e.text.lower().startswith(("from", "between", "in ", "during")))
        return TimeConstraint(expr.date_start, expr.date_end, "between", None, (expr.start, expr.end))
    bounded = [e for e in exprs if e.relation in ("before", "after")]
    if bounded:
        lower: datetime.date | None = None
        upper: datetime.date | None = None
        used: list[TimeExpr] = []
        for expr in bounded:
            lo, hi = _bound(expr)
            if (lo is not None and lower is None) or (hi is not None and upper is None):
                lower, upper = lower or lo, upper or hi
                used.append(expr)
        relation = "between" if lower and upper else ("after" if lower else "before")
        return TimeConstraint(lower, upper, relation, None, (used[0].start, used[-1].end))
    if exprs:
        expr = exprs[0]
        return TimeConstraint(expr.date_start, expr.date_end, "in", None, (expr.start, expr.end))
    return None


def _superlatives(question: str, blocked: list[tuple[int, int]], dated: bool) -> Iterator[tuple[str, re.Match[str]]]:
    """'latest' / 'earliest' words outside dates and anchors; 'First Air Group' (a name) does not count."""
    for pattern, relation in ((_RE_LATEST, "latest"), (_RE_EARLIEST, "earliest")):
        for match in pattern.finditer(question):
            word = match.group(0)
            if not _outside(blocked, match):
                continue
            if word[0].isupper() and match.start() > 0:
                continue  # part of a proper name
            if dated and word.lower().startswith(("current", "recent", "oldest", "newest", "original", "initial")):
                continue  # "current Manager X from 2010 to 2013" describes, it does not constrain
            yield relation, match


def parse_question_time(question: str, today: datetime.date) -> TimeConstraint | None:
    """The time constraint of a question ('in 2020', 'before 1995', 'after the ceasefire', 'latest'), or None.

    Precedence: 'which came first, X or Y' > dates (narrowed by a superlative: 'latest attack in 2023') >
    before/after an event phrase > a bare superlative ('latest', 'most recent', 'first').
    """
    exprs = find_time_expressions(question, today)
    spans = [(e.start, e.end) for e in exprs]
    first_of = _RE_FIRST_OF.search(question)
    if first_of:
        return TimeConstraint(None, None, "first_of", None, (first_of.start(), first_of.end()))
    dated = _date_constraint(exprs)
    anchor: TimeConstraint | None = None
    for match in _RE_ANCHOR.finditer(question):
        text = match.group("a").strip()
        if not _outside(spans, match) or not text:
            continue
        prep = re.sub(r"\s+", " ", match.group("p").lower())
        end = match.start("a") + len(match.group("a").rstrip())
        anchor = TimeConstraint(None, None, _ANCHOR_RELATION[prep], text, (match.start(), end))
        break
    blocked = spans + ([anchor.span] if anchor and anchor.span else [])
    superlative = next(_superlatives(question, blocked, dated is not None), None)
    if dated is not None:
        if superlative is None or dated.span is None:
            return dated
        relation, match = superlative
        span = (min(match.start(), dated.span[0]), max(match.end(), dated.span[1]))
        return TimeConstraint(dated.start, dated.end, relation, None, span)
    if anchor is not None:
        return anchor
    if superlative is not None:
        relation, match = superlative
        return TimeConstraint(None, None, relation, None, (match.start(), match.end()))
    return None


def question_is_temporal(question: str) -> bool:
    """'When ...', 'what year', 'how long ago', before/after/since/until/latest/first questions, or a date."""
    if _RE_TEMPORAL_Q.search(question):
        return True
    # Any reference date will do: only whether expressions exist matters ("this year's prize").
    return bool(find_time_expressions(question, datetime.date(2000, 1, 1)))
