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
