"""Temporal expressions in news text and in questions, resolved the way a reader does."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from app.text.dates import (
    TimeConstraint,
    TimeExpr,
    find_time_expressions,
    parse_question_time,
    question_is_temporal,
)
from app.text.sentences import split_sentences

SEED = Path(__file__).resolve().parent.parent / "data" / "articles" / "nagorno-karabakh-2023-09-19.txt"
PUB = datetime.date(2023, 9, 19)  # a Tuesday
D = datetime.date


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def _sentence_with(text: str, phrase: str) -> str:
    for span in split_sentences(text):
        if phrase in span.text(text):
            return span.text(text)
    raise AssertionError(f"phrase not in seed article: {phrase!r}")


def _expr_covering(text: str, phrase: str, published: datetime.date | None = PUB) -> TimeExpr:
    """The expression found over the phrase, searched in its own sentence as ingest does."""
    sentence = _sentence_with(text, phrase)
    at = sentence.index(phrase)
    exprs = find_time_expressions(sentence, published)
    for expr in exprs:
        assert sentence[expr.start : expr.end] == expr.text
        if expr.start < at + len(phrase) and at < expr.end:
            return expr
    raise AssertionError(f"no expression over {phrase!r}; found {[e.text for e in exprs]}")


def _only(text: str, published: datetime.date | None = PUB) -> TimeExpr:
    exprs = find_time_expressions(text, published)
    assert len(exprs) == 1, [e.text for e in exprs]
    return exprs[0]


# ---------------------------------------------------------------------------------------------- seed article


def test_seed_on_tuesday_is_publication_day(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "Nagorno-Karabakh on Tuesday in an attempt")
    assert expr.text == "on Tuesday"
    assert (expr.date_start, expr.date_end, expr.granularity, expr.label) == (PUB, PUB, "day", "2023-09-19")


def test_seed_latest_in_2020(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "the latest in 2020")
    assert expr.text == "in 2020"
    assert (expr.date_start, expr.date_end, expr.granularity, expr.label) == (D(2020, 1, 1), D(2020, 12, 31), "year", "2020")


def test_seed_1991_fall_of_soviet_union(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "the 1991 fall of the Soviet Union")
    assert expr.text == "1991"
    assert (expr.granularity, expr.label, expr.date_start.year) == ("year", "1991", 1991)


def test_seed_1990s_decade(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "an earlier conflict in the 1990s")
    assert (expr.date_start, expr.date_end, expr.granularity, expr.label) == (
        D(1990, 1, 1), D(1999, 12, 31), "decade", "1990s")


def test_seed_until_february_is_past_february_before(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "until February")
    assert expr.text == "until February"
    assert (expr.date_start, expr.date_end, expr.granularity, expr.relation, expr.label) == (
        D(2023, 2, 1), D(2023, 2, 28), "month", "before", "2023-02")


def test_seed_next_24_hours_is_within(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "in the next 24 hours")
    assert expr.text == "in the next 24 hours"
    assert (expr.relation, expr.date_start, expr.date_end) == ("within", PUB, D(2023, 9, 20))


def test_seed_full_calendar_date(seed_text: str) -> None:
    expr = _expr_covering(seed_text, "September 19, 2023")
    assert (expr.date_start, expr.date_end, expr.granularity) == (PUB, PUB, "day")


def test_seed_dateline_with_weekday(seed_text: str) -> None:
    first_line = seed_text.splitlines()[0]
    expr = _only(first_line)
    assert expr.text == "on Tuesday 19 September, 2023"
    assert expr.date_start == PUB


def test_seed_counts_are_not_dates(seed_text: str) -> None:
    sentence = _sentence_with(seed_text, "against 120,000 inhabitants, of which 30,000 are children")
    assert find_time_expressions(sentence, PUB) == []


def test_seed_military_counts_are_not_dates(seed_text: str) -> None:
    for phrase in ("more than 60 military posts", "25 people had been killed"):
        sentence = _sentence_with(seed_text, phrase)
        assert find_time_expressions(sentence, PUB) == [], phrase


def test_seed_whole_article_offsets_are_exact(seed_text: str) -> None:
    exprs = find_time_expressions(seed_text, PUB)
    assert exprs, "the seed article has dates"
    for expr in exprs:
        assert seed_text[expr.start : expr.end] == expr.text
    assert all(a.end <= b.start for a, b in zip(exprs, exprs[1:])), "sorted and non-overlapping"
    labels = {e.label for e in exprs}
    assert {"2023-09-19", "2020", "1991", "1990s", "2023-02"} <= labels


# ---------------------------------------------------------------------------------------------- weekdays


def test_weekdays_prefer_past_and_same_day_counts() -> None:
    wednesday = D(2023, 9, 20)
    assert _only("Fighting resumed on Wednesday.", wednesday).date_start == wednesday
    assert _only("Fighting began on Tuesday.", wednesday).date_start == D(2023, 9, 19)
    assert _only("Talks collapsed on Thursday.", wednesday).date_start == D(2023, 9, 14)
    assert _only("He spoke on Monday.", PUB).date_start == D(2023, 9, 18)


def test_weekday_modifiers_and_future_cue() -> None:
    assert _only("It happened last Tuesday.").date_start == D(2023, 9, 12)
    assert _only("They meet next Tuesday.").date_start == D(2023, 9, 26)
    assert _only("Leaders will meet in Brussels on Friday.").date_start == D(2023, 9, 22)
    assert _only("Leaders met in Brussels on Friday.").date_start == D(2023, 9, 15)
    # a forecast speaks of the coming days: "is forecast to make landfall ... early Wednesday" (a new user's storm)
    assert _only("The storm is forecast to make landfall early on Friday.").date_start == D(2023, 9, 22)
    assert _only("The storm is likely to weaken by Friday.").date_start == D(2023, 9, 22)
    # a new user's storm pages (twelfth session): forecasts in a Monday article dated to the past days
    assert _only("The storm is likely bringing rain and winds to the coast on Friday.").date_start == D(2023, 9, 22)
    assert _only("The storm may make landfall on Friday.").date_start == D(2023, 9, 22)
    long = ("The storm is expected to strengthen into a major hurricane by the end of Wednesday before making "
            "landfall on the coast on Friday.")
    assert [e.date_start for e in find_time_expressions(long, PUB)] == [D(2023, 9, 20), D(2023, 9, 22)]
    assert _only('The forecaster said Friday will be "a dangerous day".').date_start == D(2023, 9, 22)
    # ... and what was, or was not, done stays in the past
    assert _only("The forecaster said Friday that the storm was weakening.").date_start == D(2023, 9, 15)
    assert _only("He may have left the city on Friday.").date_start == D(2023, 9, 15)
    assert _only("Officials might not have known on Friday.").date_start == D(2023, 9, 15)
    assert _only("He said he could see the smoke on Friday.").date_start == D(2023, 9, 15)
    # what people are told to do is ahead: a Monday storm page's "Residents are urged to limit travel on Wednesday"
    # stood under the Wednesday before (fourteenth session); what they were told to do stays in the past
    assert _only("Residents are urged to limit travel on Friday.").date_start == D(2023, 9, 22)
    assert _only("Everyone is asked to stay home on Friday.").date_start == D(2023, 9, 22)
    assert _only("Residents were urged to limit travel on Friday.").date_start == D(2023, 9, 15)


def test_holiday_names_are_not_weekdays() -> None:
    assert find_time_expressions("Shops opened for Black Friday sales.", PUB) == []


# ---------------------------------------------------------------------------------------------- relative units


@pytest.mark.parametrize(
    ("phrase", "first", "last", "granularity", "label"),
    [
        ("last week", D(2023, 9, 11), D(2023, 9, 17), "week", "2023-W37"),
        ("this week", D(2023, 9, 18), D(2023, 9, 24), "week", "2023-W38"),
        ("next week", D(2023, 9, 25), D(2023, 10, 1), "week", "2023-W39"),
        ("yesterday", D(2023, 9, 18), D(2023, 9, 18), "day", "2023-09-18"),
        ("today", PUB, PUB, "day", "2023-09-19"),
        ("tomorrow", D(2023, 9, 20), D(2023, 9, 20), "day", "2023-09-20"),
        ("earlier this year", D(2023, 1, 1), PUB, "year", "2023"),
        ("last year", D(2022, 1, 1), D(2022, 12, 31), "year", "2022"),
        ("this month", D(2023, 9, 1), D(2023, 9, 30), "month", "2023-09"),
        ("last month", D(2023, 8, 1), D(2023, 8, 31), "month", "2023-08"),
        ("two days ago", D(2023, 9, 17), D(2023, 9, 17), "day", "2023-09-17"),
        ("three years ago", D(2020, 1, 1), D(2020, 12, 31), "year", "2020"),
    ],
)
def test_relative_expressions(phrase: str, first: datetime.date, last: datetime.date, granularity: str,
                              label: str) -> None:
    expr = _only(f"Officials said {phrase} that talks had stalled.")
    assert expr.text == phrase
    assert (expr.date_start, expr.date_end, expr.granularity, expr.label) == (first, last, granularity, label)


def test_within_windows() -> None:
    assert (_only("a decision in the next 48 hours").date_end, _only("in the next 48 hours").relation) == (
        D(2023, 9, 21), "within")
    days = _only("Troops could withdraw within days.")
    assert (days.text, days.relation, days.date_start) == ("within days", "within", PUB)
    assert days.date_end > PUB
    past = _only("Shelling intensified over the past week.")
    assert (past.relation, past.date_start, past.date_end) == ("within", D(2023, 9, 12), PUB)


# ---------------------------------------------------------------------------------------------- absolute forms


@pytest.mark.parametrize(
    ("text", "first", "last", "granularity", "label"),
    [
        ("in 2020", D(2020, 1, 1), D(2020, 12, 31), "year", "2020"),
        ("the 1990s", D(1990, 1, 1), D(1999, 12, 31), "decade", "1990s"),
        ("1990s", D(1990, 1, 1), D(1999, 12, 31), "decade", "1990s"),
        ("the '90s", D(1990, 1, 1), D(1999, 12, 31), "decade", "1990s"),
        ("the 19th century", D(1800, 1, 1), D(1899, 12, 31), "century", "19th century"),
        ("September 19, 2023", PUB, PUB, "day", "2023-09-19"),
        ("19 September, 2023", PUB, PUB, "day", "2023-09-19"),
        ("2023-09-19", PUB, PUB, "day", "2023-09-19"),
        ("in September 2023", D(2023, 9, 1), D(2023, 9, 30), "month", "2023-09"),
        ("mid-2022", D(2022, 5, 1), D(2022, 8, 31), "year", "mid 2022"),
        ("early 2021", D(2021, 1, 1), D(2021, 4, 30), "year", "early 2021"),
        ("late 2019", D(2019, 9, 1), D(2019, 12, 31), "year", "late 2019"),
        ("the late 1990s", D(1997, 1, 1), D(1999, 12, 31), "decade", "late 1990s"),
        ("from 2004 to 2005", D(2004, 1, 1), D(2005, 12, 31), "year", "2004..2005"),
        ("between 2019 and 2021", D(2019, 1, 1), D(2021, 12, 31), "year", "2019..2021"),
    ],
)
def test_absolute_expressions(text: str, first: datetime.date, last: datetime.date, granularity: str,
                              label: str) -> None:
    expr = _only(f"Reports covered {text} at length.")
    assert expr.text == text
    assert (expr.date_start, expr.date_end, expr.granularity, expr.label) == (first, last, granularity, label)


def test_partial_dates_resolve_to_past_year() -> None:
    assert _only("The vote was held on Sept. 19.").date_start == PUB
    assert _only("The vote was held on Oct. 3.").date_start == D(2022, 10, 3)


def test_a_day_a_few_days_after_publication_is_this_years() -> None:
    """A page updated after its first publication ("Sept. 13: Cavalcante captured" in a timeline first published
    on 8 September) or a plan said without a future word: the days up to AHEAD_DAYS ahead are this year's."""
    from app.text.dates import find_time_expressions

    assert _only("Sept. 24: Cavalcante captured.").date_start == D(2023, 9, 24)  # PUB + 5 days
    assert _only("The vote was held on Sept. 27.").date_start == D(2022, 9, 27)  # PUB + 8: last year's
    late_december = find_time_expressions("Jan. 2: the new law takes effect.", D(2023, 12, 28))
    assert [e.date_start for e in late_december] == [D(2024, 1, 2)]
    assert [e.date_start for e in find_time_expressions("On Feb. 29 they met.", D(2024, 3, 10))] == [D(2024, 2, 29)]


def test_relations_from_prepositions() -> None:
    since = _only("The region has been disputed since 1991.")
    assert (since.text, since.relation) == ("since 1991", "after")
    by = _only("Troops must leave by Friday.")
    assert (by.relation, by.date_start) == ("before", D(2023, 9, 15))


@pytest.mark.parametrize("sentence, text, relation", [
    # what followed a day or led up to it is not the day's own news (a 2022 meeting had been dated 6 January 2021)
    ("He was criticised in the immediate wake of January 6, 2021, sources said.",
     "in the immediate wake of January 6, 2021", "after"),
    ("Protests grew in the aftermath of the March 3 vote.", "in the aftermath of the March 3", "after"),
    ("Talks stalled in the run-up to Tuesday's vote.", "in the run-up to Tuesday", "before"),
    ("It was up to the 2020 team.", "2020", "at"),  # "up to the" before a year is no relation
])
def test_relations_from_phrases_of_sequence(sentence: str, text: str, relation: str) -> None:
    expr = _only(sentence)
    assert (expr.text, expr.relation) == (text, relation)


# ---------------------------------------------------------------------------------------------- false positives


@pytest.mark.parametrize(
    "text",
    [
        "The city has 120,000 inhabitants.",
        "At least 25 people died and 60 military posts fell.",
        "The region has 2.5 million residents.",
        "Talks may resume, officials said.",
        "Protesters march on parliament now.",
        "May I ask a question?",
        "He finished second in the race.",
        "Call +1 202 555 2020 or 555-2020 for details.",
        "UN Resolution 2334 was cited.",
        "About 1500 troops and 2000 fighters moved in.",
        "June Smith said the talks failed.",
    ],
)
def test_false_positives(text: str) -> None:
    assert find_time_expressions(text, PUB) == []


def test_may_with_day_or_cue_is_a_month() -> None:
    assert _only("The deal was signed May 5.").date_start == D(2023, 5, 5)
    assert _only("Elections were held in May.").label == "2023-05"


# ---------------------------------------------------------------------------------------------- no publication date


def test_without_publication_date_only_absolute_kept() -> None:
    text = "On Tuesday, last week and until February, officials recalled the 1991 war and September 19, 2023."
    labels = [e.label for e in find_time_expressions(text, None)]
    assert labels == ["1991", "2023-09-19"]


# ---------------------------------------------------------------------------------------------- questions

TODAY = D(2023, 9, 19)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened in 2020?", (D(2020, 1, 1), D(2020, 12, 31), "in", None)),
        ("What happened between 2019 and 2021?", (D(2019, 1, 1), D(2021, 12, 31), "between", None)),
        ("What happened before 1995?", (None, D(1994, 12, 31), "before", None)),
        ("What happened after 2000?", (D(2001, 1, 1), None, "after", None)),
        ("What happened since 1991?", (D(1991, 1, 1), None, "after", None)),
        ("What happened after the ceasefire?", (None, None, "after", "the ceasefire")),
        ("What did Baku do before the offensive?", (None, None, "before", "the offensive")),
        ("What happened in September 2023?", (D(2023, 9, 1), D(2023, 9, 30), "in", None)),
        ("Which team did he play for from 2004 to 2005?", (D(2004, 1, 1), D(2005, 12, 31), "between", None)),
        ("When did the latest war happen?", (None, None, "latest", None)),
        ("What is the most recent attack on Stepanakert?", (None, None, "latest", None)),
        ("What was the first war over Karabakh?", (None, None, "earliest", None)),
        ("What was the latest attack in 2023?", (D(2023, 1, 1), D(2023, 12, 31), "latest", None)),
        ("Which came first, the ceasefire or the war?", (None, None, "first_of", None)),
        ("What happened last year?", (D(2022, 1, 1), D(2022, 12, 31), "in", None)),
    ],
)
def test_parse_question_time(question: str, expected: tuple) -> None:
    constraint = parse_question_time(question, TODAY)
    assert isinstance(constraint, TimeConstraint)
    assert (constraint.start, constraint.end, constraint.relation, constraint.anchor_text) == expected
    assert constraint.span is not None
    lo, hi = constraint.span
    assert 0 <= lo < hi <= len(question)


def test_question_constraint_span_points_at_the_phrase() -> None:
    question = "What happened in 2020?"
    constraint = parse_question_time(question, TODAY)
    assert constraint is not None and constraint.span is not None
    assert question[constraint.span[0] : constraint.span[1]] == "in 2020"


@pytest.mark.parametrize("question", ["Who is Antony Blinken?", "What does Azerbaijan want?",
                                      "How many people live in Stepanakert?"])
def test_question_without_time(question: str) -> None:
    assert parse_question_time(question, TODAY) is None
    assert not question_is_temporal(question)


@pytest.mark.parametrize(
    "question",
    ["When did Azerbaijan attack?", "What year did the Soviet Union fall?", "What date was the offensive?",
     "How long ago was the last war?", "What happened after the ceasefire?", "What is the latest news?",
     "Who ruled Karabakh in 1990?", "Which came first, the war or the ceasefire?"],
)
def test_question_is_temporal(question: str) -> None:
    assert question_is_temporal(question)


# ---------------------------------------------------------------------------------------------- news-text hardening


def test_weekday_fixes_the_year_of_a_partial_date() -> None:
    # 19 March 2023 was a Sunday; the Tuesday that fits is 19 March 2024.
    assert _only("Details: 7:30 p.m. Tuesday, March 19.", D(2023, 9, 15)).date_start == D(2024, 3, 19)


def test_future_cue_survives_abbreviations() -> None:
    expr = _only("A meeting will be held at 7 p.m. Tuesday in the hall.", D(2023, 9, 15))
    assert expr.date_start == D(2023, 9, 19)


@pytest.mark.parametrize(
    "text",
    ["The show airs every Tuesday.", "Follow the Sunday Night Football action.", "Read The Road to Today here.",
     "She and April needed time."],
)
def test_recurring_days_titles_and_names_are_not_dates(text: str) -> None:
    assert find_time_expressions(text, PUB) == []


def test_numeric_dates_read_month_first_unless_impossible() -> None:
    assert _only("Served 12/1/1974 as director.").date_start == D(1974, 12, 1)
    assert _only("Served 19/09/2023 as director.").date_start == PUB


def test_year_to_year_range_without_from() -> None:
    expr = _only("In 2017 to 2019, revenue fell.")
    assert (expr.is_range, expr.date_start, expr.date_end, expr.relation) == (True, D(2017, 1, 1), D(2019, 12, 31), "at")
    dash = _only("He served from 1998-2006.")
    assert (dash.is_range, dash.relation, dash.label) == (True, "at", "1998..2006")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who coached the team from jul 1983 to jun 1984?", (D(1983, 7, 1), D(1984, 6, 30), "between", None)),
        ("The First Air Group had what man commanding it from 1941 to 1942?",
         (D(1941, 1, 1), D(1942, 12, 31), "between", None)),
        ("Who was wed to her after her first husband died?", (None, None, "after", "her first husband died")),
        ("In the first half of 2023, what rose?", (D(2023, 1, 1), D(2023, 6, 30), "in", None)),
        ("Who did the coach, born in 1961, manage from 2010 to 2013?", (D(2010, 1, 1), D(2013, 12, 31), "between", None)),
        ("What will cause most cancers by 2030?", (None, D(2030, 12, 31), "before", None)),
        ("What happened after 2000 and before 2010?", (D(2001, 1, 1), D(2009, 12, 31), "between", None)),
    ],
)
def test_parse_question_time_typed_and_descriptive(question: str, expected: tuple) -> None:
    constraint = parse_question_time(question, TODAY)
    assert constraint is not None
    assert (constraint.start, constraint.end, constraint.relation, constraint.anchor_text) == expected


def test_question_first_name_is_not_a_superlative() -> None:
    assert parse_question_time("Which male nominees share which first name?", TODAY) is None


def test_partial_date_range_end_rolls_forward() -> None:
    expr = _only("The brew is available from October 27th to October 29th.", D(2023, 10, 28))
    assert (expr.is_range, expr.date_start, expr.date_end) == (True, D(2023, 10, 27), D(2023, 10, 29))


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("A survey of analysts taken April 21-27 found a slim majority.", D(2023, 4, 21), D(2023, 4, 27)),
        ("Talks were held on 21-22 April.", D(2023, 4, 21), D(2023, 4, 22)),
        ("The poll, conducted Sept. 5-7, 2008, found support.", D(2008, 9, 5), D(2008, 9, 7)),
        ("The festival runs from April 21 to 27.", D(2023, 4, 21), D(2023, 4, 27)),
        ("Talks ran between April 21 and 27.", D(2023, 4, 21), D(2023, 4, 27)),
    ],
)
def test_days_of_one_month_are_one_range(text: str, first: datetime.date, last: datetime.date) -> None:
    """ "April 21-27" is a week of days, not 21 April: a timeline must not put the survey on its first day."""
    expr = _only(text)
    assert (expr.is_range, expr.granularity, expr.date_start, expr.date_end) == (True, "day", first, last)
    assert expr.label == f"{first.isoformat()}..{last.isoformat()}"


@pytest.mark.parametrize("text", ["On April 21 and 27 they met.", "On April 21 to 27 people died."])
def test_two_days_or_a_count_are_not_a_range(text: str) -> None:
    assert [e.is_range for e in find_time_expressions(text, PUB)] == [False]
