"""Lexicon of app.text.dates: the word tables (months, weekdays, number words, count nouns, year cues,
prepositions) and the regexes built from them, compiled once at import.

Kept apart from the code that uses them so the vocabulary can be read and extended in one place; it depends on
nothing but ``re``. Small tables used by a single finder or step stay next to that code.
"""

from __future__ import annotations

import re

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
    # "in the immediate wake of January 6, 2021": what followed the day, not the day (a House speaker-race timeline
    # had dated a 2022 meeting to 6 January 2021); "in the run-up to the vote on Tuesday": what preceded it
    "in the wake of": "after", "in the aftermath of": "after", "in the days after": "after",
    "in the run-up to": "before", "in the runup to": "before", "in the lead-up to": "before",
    "in the leadup to": "before", "on the eve of": "before",
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
# A range of days within one month: "April 21-27", "Sept. 5-7, 2008", "21-22 April", "April 21 to 27", "between
# April 21 and 27". Read as one day before, so a survey "taken April 21-27" was an event of 21 April. "April 21 and
# 27" without "between" is two days, not a range (the finder checks the word before).
_DAY_SEP = r"(?:\s*(?:-|–|—)\s*|\s+(?:to|through|and)\s+)"
_RE_DAY_RANGE = re.compile(
    rf"{_B}(?:(?P<m1>{_MON})\s+(?P<a1>{_DAY})(?P<s1>{_DAY_SEP})(?P<b1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<a2>{_DAY})(?P<s2>{_DAY_SEP})(?P<b2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MON})(?:,?\s+(?P<y2>{_YEAR}))?)"
    rf"{_E}(?![.,]?\d)"
)
# Month + year may be lowercase ("from jul 1983 to jun 1984" in typed questions): the year makes it safe.
_RE_MONTH_YEAR = re.compile(rf"{_B}(?P<m>(?i:{_MON})),?\s+(?:of\s+)?(?P<y>{_YEAR}){_E}")
_RE_MONTH = re.compile(rf"{_B}(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his|[Cc]oming)\s+)?(?P<m>{_MONTH_FULL}){_E}")
_RE_WEEKDAY = re.compile(rf"{_B}(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his|[Cc]oming|[Pp]ast)\s+)?(?P<wd>{_WD}){_E}")
_RE_YEAR_RANGE = re.compile(
    rf"(?<![\w.,$£€#/+])(?<!\d-)(?P<y1>{_YEAR})\s*[-–—/]\s*(?P<y2>{_YEAR}|\d\d)(?![\w%]|[,.:/-]\d)"
)
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
    r"until(?:\s+at\s+least)?|till|til|by|before|through|prior\s+to|up\s+to|ahead\s+of|earlier\s+than|no\s+later\s+than|"
    r"(?:in\s+the\s+(?:immediate\s+)?(?:wake|aftermath)\s+of|in\s+the\s+days\s+after|in\s+the\s+(?:run|lead)-?up\s+to|"
    r"on\s+the\s+eve\s+of)(?:\s+the)?)\s+)$"
)
_RE_QUALIFIER = re.compile(
    r"(?i:(?:\bthe\s+)?(?:\b(?P<q>early|mid|late)(?:\s*-\s*|\s+)|\b(?P<p>end|start|beginning|middle|close)\s+of\s+"
    r"(?:the\s+)?|\b(?P<h>first|second)\s+half\s+of\s+(?:the\s+)?))$"
)
_RE_FUTURE_CUE = re.compile(
    r"(?i:\b(?:will|won't|shall|is\s+due|are\s+due|is\s+set\s+to|are\s+set\s+to|scheduled|expected\s+to|"
    r"plans?\s+to|planned|going\s+to|upcoming|(?:forecast|predicted|projected|poised|likely)\s+to|"
    # "Idalia is likely bringing rain ... on Wednesday", "may make landfall on Wednesday" (not "may have", "might
    # not"; not "could": "said he could see the smoke on Monday" is the past)
    r"(?:is|are)\s+(?:likely|expected)|(?-i:might|may)\s+(?!have\b|not\b|be\s+reached\b)|"
    # what people are told to do: "Residents are urged to limit travel on Wednesday" (a Monday article: the coming
    # Wednesday, not the last; "were urged to" is the past)
    r"(?:is|are)\s+(?:being\s+)?(?:urged|asked|advised|encouraged|ordered|told|warned)\s+to)\b)"
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
