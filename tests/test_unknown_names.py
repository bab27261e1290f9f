"""A question naming what the archive does not hold is not answered from a story that shares its other words.

Found asking a week of news as a new user (thirteenth session, a RealTimeQA week without the Morocco earthquake):
"When did the Morocco earthquake happen?" was answered "December 1861" from a California megaflood story, "What
happened after the earthquake in Morocco?" with Libya's floods, and "It's not an earthquake [1]" once the
timeline route declined. Real store, real embedding model; the archive is invented and written here.
"""

from __future__ import annotations

import pytest

from app import is_abstention
from tests.conftest import written_archive

ARTICLES = {
    "flood.txt": (
        "Title: A megaflood could hit the Corran valley, experts say\nDate: 2022-08-12\n\n"
        "A megaflood is the biggest natural disaster risk the Corran valley faces, experts say.\n\n"
        "It's not an earthquake.\n\n"
        "The catastrophe began in December 1861, when nearly 15 feet of snow fell on the Corran hills.\n\n"
        "The 1861 flood turned the valley into an inland sea for weeks.\n"),
    "quake.txt": (
        "Title: Earthquake shakes Port Selwyn\nDate: 2024-03-02\n\n"
        "A magnitude 5.1 earthquake shook Port Selwyn on Friday night, damaging the old harbour wall.\n\n"
        "No one was killed, the mayor said.\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "unknown-names", ARTICLES)


@pytest.mark.parametrize("question", [
    "When did the Kallisto earthquake happen?",
    "What happened after the earthquake in Kallisto?",
    "How many people died in the Kallisto earthquake?",
])
def test_a_name_the_archive_does_not_hold_is_not_answered(archive, question: str) -> None:
    answer = archive.ask(question, mode="extractive")
    assert is_abstention(answer.text) and not answer.citations, (answer.route, answer.text)


def test_the_name_the_archive_holds_is_answered(archive) -> None:
    answer = archive.ask("When did the Port Selwyn earthquake happen?", mode="extractive")
    assert answer.short is not None and answer.short.text == "Friday", answer.text
    assert "2024-03-01" in answer.text, answer.text
    died = archive.ask("How many people died in the Port Selwyn earthquake?", mode="extractive")
    assert died.short is None or "5.1" not in died.short.text, died.text  # the magnitude counts no one


def test_a_nationality_word_is_not_a_name_the_passage_must_hold() -> None:
    """"Who is the American top diplomat who criticised Baku?" is answered by "The top US diplomat slammed
    Azerbaijan ... calling on Baku": requiring "American" abstained on the seed eval."""
    from app.query.story import asked_names

    assert asked_names("Who is the American top diplomat who criticised Baku?") == {"baku"}
    assert asked_names("What happened after the earthquake in Morocco?") == {"morocco"}
    assert asked_names("How many people were killed?") == set()


def test_a_year_or_a_letter_is_not_a_name() -> None:
    """TimeQA's "The Norway island of Karlsøy was chaired by whom from 2011 to 2015?" required "2011" and "2015"
    (and "y", a piece of "Karlsøy") in the passage, and abstained on passages about Karlsøy."""
    from app.query.story import asked_names

    assert asked_names("The Norway island of Karlsøy was chaired by whom from 2011 to 2015?") == {"norway", "karl"}


def test_a_sentence_opener_or_a_countrys_initials_is_not_a_name() -> None:
    """"The largest health care strike in US history began this week. Around how many hospital employees walked off
    the job?" asked for "Around" and "US": neither is in "More than 75,000 Kaiser Permanente health care workers
    ... walked off the job Wednesday in several states", so Chronicle said the articles don't say (RealTimeQA)."""
    from app.query.story import asked_names

    assert asked_names("The largest health care strike in US history began this week. Around how many hospital "
                       "employees walked off the job?") == set()
    assert asked_names("What did the U.S. Navy say?") == asked_names("What did the US Navy say?") == {"navi"}
    assert asked_names("Kaiser workers went on strike. When did Kaiser settle?") == {"kaiser"}
    assert asked_names("What happened in the UAE and in Qatar?") == {"qatar"}
    # a month or a weekday is when, as a year is: "last month" answers "in August"
    assert asked_names("According to Halifax, house prices fell by how much in August?") == {"halifax"}
    assert asked_names("The prisoner was captured Wednesday. How many days was he free?") == set()
