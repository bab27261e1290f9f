"""Find temporal expressions in news text and resolve them against the publication date.

News dates are mostly relative ("on Tuesday", "until February", "in the next 24 hours"), so every expression is
resolved the way a reader does: against the article's publication date, preferring the past for bare weekdays,
months and day-months (a story published Tuesday 19 Sep 2023 that says "Tuesday" means that very day; "until
February" means February 2023). A short look-back for future cues ("will meet on Friday") flips that preference.

Design: a set of regex candidate finders (cheap, precise spans, guarded against plain numbers such as "120,000
inhabitants", "60 military posts", modal "may", verb "march", phone numbers) feeds date arithmetic; fully
specified calendar dates ("September 19, 2023", "19 September, 2023", "2023-09-19", "19/09/2023") are normalised
by ``dateparser`` (its ``DateDataParser``, cached per span text).

Rejected alternatives:
- ``dateparser.search.search_dates`` alone: false positives and wrong spans. On a seed sentence it returns
  "on Tuesday in an" -> 2023-01-19, "and may" -> May, "now"; ~2 ms per sentence even before filtering.
- ``dateparser`` with PREFER_DATES_FROM for relative words: "Tuesday" on a Tuesday resolves to the previous week
  (same day does not count) and 'future' mode skips the same day, so weekdays/months use our arithmetic.
- parsedatetime: no spans for multiple expressions, no granularity, resolves "may"/"second" eagerly.
- duckling: needs a Haskell server; HeidelTime/SUTime: need a Java runtime. The machine is offline/Python-only.

Package layout, one module per layer; imports only point down the list (no cycles):
- ``model``: TimeExpr, TimeConstraint and their labels.
- ``lexicon``: word tables and compiled regexes.
- ``calendar_math``: date arithmetic and the ``dateparser`` wrapper.
- ``finders``: the regex candidate finders and their priorities.
- ``selection``: overlap resolution, qualifiers, prepositions, ranges; ``find_time_expressions``,
  ``without_time_expressions``.
- ``question_time``: ``parse_question_time``, ``question_is_temporal``.
- ``bounds``: dates people type (YYYY, YYYY-MM, YYYY-MM-DD): range bounds and the as-of day, one parser for the
  CLI, the web UI and the test sets.
"""

from __future__ import annotations

from app.text.dates.bounds import parse_as_of, parse_date_bound
from app.text.dates.model import TimeConstraint, TimeExpr
from app.text.dates.question_time import parse_question_time, question_is_temporal
from app.text.dates.selection import find_time_expressions, without_time_expressions

__all__ = [
    "TimeConstraint", "TimeExpr", "find_time_expressions", "parse_as_of", "parse_date_bound", "parse_question_time",
    "question_is_temporal", "without_time_expressions",
]
