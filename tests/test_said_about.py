""""What did X say about Y?" when none of X's statements names Y: a sentence where X speaks of Y, never one where
others speak of X.

Found asking a RealTimeQA week as a new user (fourteenth session): "What did Biden say about Israel?" (144
statements of his, none about Israel) quoted "The Biden administration has being criticized for the agreement with
Iran ...". Real store, real embedding model; the archive is invented and written here.
"""

from __future__ import annotations

import pytest

from app import is_abstention
from app.text.attribution import names_a_speaker
from tests.conftest import written_archive

ARTICLES = {
    "budget.txt": (
        "Title: Mayor Ortiz defends the Corran city budget\nDate: 2031-05-06\n\n"
        "Mayor Lena Ortiz said on Monday that the budget would protect libraries and bus routes.\n\n"
        "“We kept every branch open,” Ortiz told reporters at city hall.\n\n"
        "The Ortiz administration has been criticized over the harbour dredging contract, which opposition "
        "councillors call a giveaway.\n\n"
        "Ortiz did not mention the port authority by name, but said: “Some people in this town want the city to "
        "fail.”\n"),
    "parks.txt": (
        "Title: Corran opens its new riverside park\nDate: 2031-06-02\n\n"
        "Mayor Lena Ortiz said the riverside park would open every day from dawn to dusk.\n\n"
        "“This is a park for every family in Corran,” Ortiz said at the opening.\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "said-about", ARTICLES)


def test_what_others_say_of_a_person_is_not_what_they_said(archive) -> None:
    answer = archive.ask("What did Ortiz say about the harbour dredging contract?", mode="extractive")
    assert is_abstention(answer.text) and not answer.citations, answer.text


def test_a_sentence_where_the_person_speaks_of_it_answers(archive) -> None:
    answer = archive.ask("What did Ortiz say about the port authority?", mode="extractive")
    assert "Some people in this town want the city to fail" in answer.text, answer.text


@pytest.mark.parametrize(("sentence", "speaks"), [
    ("The Biden administration has being criticized for the agreement with Iran.", False),
    ("Biden's aides told reporters the trip was off.", False),
    ("Biden met Netanyahu in Tel Aviv on Wednesday.", False),
    ("Trump did not mention Chutkan by name, but said: “The judge doesn't like me too much.”", True),
    ("“We stand with Israel,” said Biden on Tuesday.", True),
    ("Biden warned Iran not to get involved.", True),
])
def test_names_a_speaker(sentence: str, speaks: bool) -> None:
    name = "Trump" if "Trump" in sentence else "Biden"
    assert names_a_speaker(sentence, [name]) is speaks


TWO_PEOPLE = {
    "governor.txt": (
        "Title: Governor Phil Ostrander campaign promise tracker\nDate: 2031-02-08\n\n"
        "Ostrander said he would raise the minimum wage to $15 an hour within two years.\n\n"
        "“Every worker in this state deserves a raise,” Ostrander said at a rally.\n"),
    "clinic.txt": (
        "Title: Clinics brace for a hard flu season\nDate: 2031-10-18\n\n"
        "Jim Ostrander, who runs the county's clinics, said the flu season had started early.\n\n"
        "“We’re kind of preparing for the worst here,” Jim Ostrander said.\n"),
}


@pytest.fixture(scope="module")
def two_people(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "two-ostranders", TWO_PEOPLE)


def test_a_full_name_asked_is_that_person_not_everyone_of_the_surname(two_people) -> None:
    """The ingest keys speakers by surname: "What did Jim Murphy say?" over a RealTimeQA week listed Phil Murphy's
    96 statements (a headline naming him, the statements by "Murphy" alone) beside Jim Murphy's 4."""
    jim = two_people.ask("What did Jim Ostrander say?", mode="extractive")
    assert "preparing for the worst" in jim.text and "minimum wage" not in jim.text, jim.text
    phil = two_people.ask("What did Phil Ostrander say?", mode="extractive")
    assert "minimum wage" in phil.text and "preparing for the worst" not in phil.text, phil.text
    both = two_people.ask("What did Ostrander say?", mode="extractive")  # the surname alone: everyone of it
    assert "minimum wage" in both.text and "preparing for the worst" in both.text, both.text


SPELT = {
    "assembly.txt": (
        "Title: Leaders address the General Assembly\nDate: 2031-09-20\n\n"
        "“Many seats in this hall may become empty,” Vorinskyy said on Wednesday.\n\n"
        "The speech drew a long ovation from the delegates.\n"),
}


@pytest.fixture(scope="module")
def spelt(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "spelt-otherwise", SPELT)


def test_a_slavic_surname_is_found_however_its_ending_is_written(spelt) -> None:
    """AP's "Zelensky" is USA Today's "Zelenskyy": "What did Zelensky say at the UN?" found none of his statements in
    a week that spelt it the other way (fifteenth session)."""
    from app.text.tokens import slavic_spellings as spellings

    answer = spelt.ask("What did Vorinsky say?", mode="extractive")
    assert answer.route == "statements" and "seats in this hall" in answer.text, answer.text
    assert spellings("zelensky") == ["zelensky", "zelenskyy", "zelenskiy", "zelenski"]
    assert spellings("murphy") == ["murphy"]


def test_a_slavic_surname_is_one_name_to_the_name_checks() -> None:
    """The search route's and the timeline route's name checks read "Zelensky" in a "Zelenskyy" sentence too."""
    from app.query.story import names_all
    from app.text.tokens import content_tokens

    assert names_all(content_tokens("Zelensky"), content_tokens("Zelenskyy spoke at the assembly"))
    assert not names_all(content_tokens("Sky"), content_tokens("a ski resort"))  # a short word is no surname
