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
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterator

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


# --------------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100,
}
# Vague counts -> (smallest, largest) number of units.
_VAGUE = {"few": (2, 5), "a few": (2, 5), "several": (3, 9), "couple of": (2, 2), "a couple of": (2, 2)}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "twenty-first": 21, "twenty first": 21, "twenty-second": 22,
}
_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
                 "eighties": 8, "nineties": 9}
# Words after a bare number that mark it as a count, not a year ("2000 troops").
_COUNT_NOUNS = {
    "people", "persons", "men", "women", "children", "troops", "soldiers", "fighters", "civilians", "residents",
    "inhabitants", "refugees", "families", "homes", "houses", "buildings", "units", "vehicles", "tanks", "km",
    "kilometers", "kilometres", "miles", "meters", "metres", "feet", "tonnes", "tons", "barrels", "dollars",
    "euros", "pounds", "members", "votes", "workers", "employees", "jobs", "cases", "deaths", "patients",
    "students", "times", "words", "pages", "acres", "hectares", "square", "sq", "mw", "kg", "rounds", "posts",
    "villages", "of", "hours", "hrs", "gmt", "utc", "local", "points", "percent", "per", "million", "billion",
    "sq.", "bn", "m", "cubic", "degrees", "calories", "shares", "flights", "passengers", "beds", "cars",
}
# Words before a bare number that make it an identifier, not a year ("Resolution 2334").
_ID_WORDS = {
    "resolution", "article", "no", "no.", "number", "flight", "route", "page", "room", "highway", "bus", "code",
    "model", "version", "chapter", "section", "rule", "paragraph", "item", "line", "unit", "call", "pp", "p",
    "about", "around", "nearly", "almost", "some", "over", "than", "least", "approximately", "roughly", "only",
}
# Words before a bare number that make a year reading likely.
_YEAR_CUES = {
    "in", "since", "until", "till", "by", "from", "of", "during", "before", "after", "the", "year", "circa",
    "c.", "early", "mid", "late", "and", "to", "through", "between", "as", "fiscal", "spring", "summer",
    "autumn", "fall", "winter", "throughout", "around", "'s", "’s", "than",
}
_PREP_RELATION = {
    "on": "at", "in": "at", "at": "at", "during": "at", "throughout": "at", "as of": "at",
    "since": "after", "after": "after", "from": "after", "starting": "after", "beginning": "after",
    "later than": "after", "following": "after",
    "until": "before", "till": "before", "til": "before", "by": "before", "before": "before", "through": "before",
    "prior to": "before", "up to": "before", "ahead of": "before", "earlier than": "before",
    "no later than": "before",
}

# --------------------------------------------------------------------------------------------------------------
# Regexes (compiled once; month and weekday names are case-sensitive on purpose: "may", "march" are verbs)
# --------------------------------------------------------------------------------------------------------------

_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_MON = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|" \
       r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|a\s+few|few|several|" \
       r"a\s+couple\s+of|couple\s+of)"
_B = r"(?<![\w'’])"  # word start that is not inside a word or a contraction
_E = r"(?![\w])"

_RE_CAL_DATE = re.compile(
    rf"{_B}(?:{_WD},?\s+(?:the\s+)?)?"
    rf"(?:(?P<m1>{_MON})\s+(?P<d1>{_DAY}),?\s+(?P<y1>{_YEAR})"
    rf"|(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MON}),?\s+(?P<y2>{_YEAR})){_E}"
    rf"|(?<![\d\w./-])(?P<iso>{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?![\d/.-]*\d)"
    rf"|(?<![\d\w./-])(?P<num>\d{{1,2}}/\d{{1,2}}/{_YEAR})(?![\d/.-]*\d)"
)
_RE_PARTIAL_DATE = re.compile(
    rf"{_B}(?:(?P<wd>{_WD}),?\s+(?:the\s+)?)?(?:(?P<m1>{_MON})\s+(?P<d1>{_DAY})|(?P<d2>{_DAY})\s+(?:of\s+)?"
    rf"(?P<m2>{_MON})){_E}(?![.,]?\d)"
)
# Month + year may be lowercase ("from jul 1983 to jun 1984" in typed questions): the year makes it safe.
_RE_MONTH_YEAR = re.compile(rf"{_B}(?P<m>(?i:{_MON})),?\s+(?:of\s+)?(?P<y>{_YEAR}){_E}")
_RE_MONTH = re.compile(rf"{_B}(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his|[Cc]oming)\s+)?(?P<m>{_MONTH_FULL}){_E}")
_RE_WEEKDAY = re.compile(rf"{_B}(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his|[Cc]oming|[Pp]ast)\s+)?(?P<wd>{_WD}){_E}")
_RE_YEAR_RANGE = re.compile(rf"(?<![\w.,$£€#/+])(?<!\d-)(?P<y1>{_YEAR})\s*[-–—/]\s*(?P<y2>{_YEAR}|\d\d)(?![\w%]|[,.:/-]\d)")
_RE_YEAR = re.compile(rf"(?<![\w.,$£€#/+])(?<!\d-)(?P<y>{_YEAR})(?![\w%]|[,.:/-]\d|\s?[-.)]\s?\d)")
_RE_DECADE = re.compile(
    rf"{_B}(?:the\s+)?(?:(?P<full>1[0-9]{{2}}0|20[0-9]0)|['’‘](?P<short>\d0)|(?P<bare>[2-9]0))['’]?s{_E}"
    rf"|(?i:\bthe\s+(?P<word>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b)"
)
_RE_CENTURY = re.compile(
    r"(?i:\b(?:the\s+)?(?:(?P<num>\d{1,2})(?:st|nd|rd|th)|(?P<word>twenty[- ]first|twenty[- ]second|first|second|"
    r"third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|"
    r"sixteenth|seventeenth|eighteenth|nineteenth|twentieth))[- ]century\b)"
)
_RE_DAY_WORD = re.compile(
    r"(?i:(?<![\w.])(?:(?P<earlier>earlier|later)\s+)?(?P<w>yesterday|today|tonight|tomorrow|last\s+night|"
    r"this\s+(?:morning|afternoon|evening))\b)"
)
_RE_UNIT_REL = re.compile(
    r"(?i:\b(?:(?P<part>earlier|later)\s+(?:this|in\s+the)\s+|(?P<mod>last|this|next|previous|coming)\s+)"
    r"(?P<unit>week|weekend|month|year)\b)"
)
_RE_PART_OF = re.compile(
    r"(?i:\b(?:the\s+)?(?P<part>end|start|beginning|middle|close)\s+of\s+(?:the|this)\s+(?P<unit>week|month|year)\b)"
)
_RE_AGO = re.compile(rf"(?i:\b(?P<n>{_NUM})\s+(?P<unit>hours?|days?|weeks?|months?|years?|decades?)\s+ago\b)")
_RE_WITHIN = re.compile(
    rf"(?i:\b(?:(?:in|over|within|during|for)\s+)?the\s+(?P<dir>next|coming|following|past|last|previous)\s+"
    rf"(?:(?P<n>{_NUM})\s+)?(?P<unit>hours?|days?|weeks?|months?|years?|decades?)\b"
    rf"|\bwithin\s+(?:(?P<n2>{_NUM})\s+)?(?P<unit2>hours|days|weeks|months|years|hour|day|week|month|year)\b"
    rf"|\bin\s+(?:the\s+)?(?P<dir3>coming|recent)\s+(?P<unit3>days|weeks|months|years)\b)"
)
_RE_SEASON = re.compile(
    rf"(?i:\b(?:(?P<mod>last|this|next|past)\s+)?(?P<s>spring|summer|autumn|fall|winter)"
    rf"(?:\s+(?:of\s+)?(?P<y>{_YEAR}))?\b)"
)
_RE_PREFIX = re.compile(
    r"(?i:\b(?P<p>on|in|at|during|throughout|as\s+of|since|after|from|starting|beginning|later\s+than|following|"
    r"until(?:\s+at\s+least)?|till|til|by|before|through|prior\s+to|up\s+to|ahead\s+of|earlier\s+than|no\s+later\s+than)\s+)$"
)
_RE_QUALIFIER = re.compile(
    r"(?i:(?:\bthe\s+)?(?:\b(?P<q>early|mid|late)(?:\s*-\s*|\s+)|\b(?P<p>end|start|beginning|middle|close)\s+of\s+"
    r"(?:the\s+)?|\b(?P<h>first|second)\s+half\s+of\s+(?:the\s+)?))$"
)
_RE_FUTURE_CUE = re.compile(
    r"(?i:\b(?:will|won't|shall|is\s+due|are\s+due|is\s+set\s+to|are\s+set\s+to|scheduled|expected\s+to|"
    r"plans?\s+to|planned|going\s+to|upcoming)\b)"
)
# Where a clause ends: a sentence stop (not "p.m." / "U.S."), a line break, a comma, or a reporting verb.
_RE_CLAUSE_CUT = re.compile(r"(?<!\.[A-Za-z])[.!?]\s+|\n|,\s|\b(?:said|says|told)\b")
_RE_HOLIDAY_PREFIX = re.compile(r"(?:Good|Black|Bloody|Super|Easter|Cyber|Ash|Palm|Holy|Maundy)\s+$")
# "the second Sunday of March", "every Tuesday": a recurring or ordinal day, not one date.
_RE_RECURRING_PREFIX = re.compile(
    r"(?i:\b(?:every|each|first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+$)"
)
# Titles: "Sunday Night Football", "Sunday Times".
_TITLE_FOLLOWERS = {"Night", "Times", "Telegraph", "Mail", "Express", "Post", "Herald", "Football", "Mass",
                    "School", "Service", "Morning", "Edition", "Show", "Club", "Magazine", "Review"}
# Months that are also first names: need a temporal cue or a day/year next to them.
_NAME_MONTHS = {"April", "May", "June", "August"}
_RE_WORD_BEFORE = re.compile(r"([\w.'’]+)\W*$")
_RE_WORD_AFTER = re.compile(r"^\s+([\w.]+)")

_QUAL_PART = {"end": "late", "close": "late", "start": "early", "beginning": "early", "middle": "mid"}

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


def _narrow(start: datetime.date, end: datetime.date, granularity: str, qualifier: str) -> tuple[datetime.date, datetime.date]:
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
def _date_parser():  # noqa: ANN202 - dateparser type is internal
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


def _future_preferred(text: str, pos: int) -> bool:
    """True when the clause before pos speaks of the future ("... will meet on Friday")."""
    window = text[max(0, pos - 60) : pos]
    cuts = [m.end() for m in _RE_CLAUSE_CUT.finditer(window)]
    return bool(_RE_FUTURE_CUE.search(window[cuts[-1] :] if cuts else window))


def _resolve_month_day(pub: datetime.date, month: int, day: int, future: bool) -> datetime.date | None:
    year = pub.year
    if future and (month, day) < (pub.month, pub.day):
        year += 1
    elif not future and (month, day) > (pub.month, pub.day):
        year -= 1
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


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
        elif _future_preferred(text, m.start()):
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
    match = _RE_PREFIX.search(text, max(0, expr.start - 20), expr.start)
    if not match:
        return expr
    prep = re.sub(r"\s+", " ", match.group("p").lower()).replace(" at least", "")
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
            bare_to = (gap.strip().lower() in ("to", "-", "–", "—") or (not gap.strip() and closer in ("to", "through")))
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
