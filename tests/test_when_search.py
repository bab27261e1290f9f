""""When ...?" answered by search (the timeline route found no dated event of it) quotes only a sentence that says
when, about what was asked, naming each name asked.

Found asking a RealTimeQA week as a new user (fifteenth session): "When did the Morocco earthquake happen?", over a
week whose one mention of the earthquake is a link ("Here's how to help victims of the earthquake in Morocco"),
quoted "It's not an earthquake." (a California megaflood article), then a dated sentence about Libya's floods;
"When did Kim Jong Un meet Putin?" quoted Trump's meetings with Kim; "When did Biden visit Israel?" (a week without
the visit) was dated by a sentence blaming Biden for violence "earlier this month". Real store, real embedding model; the archive
is invented and written here.
"""

from __future__ import annotations

import pytest

from app import is_abstention
from tests.conftest import written_archive

ARTICLES = {
    "floods.txt": (
        "Title: 2,000 feared dead in eastern Dessia floods after weekend storm\nDate: 2031-09-11\n\n"
        "As many as 2,000 people were feared dead in Dessia after storm Daniel caused devastating floods that swept "
        "away entire neighbourhoods, one of Dessia's leaders said Monday.\n\n"
        "'Challenges are vast': Here's how to help victims of the earthquake in Varrow.\n"),
    "megaflood.txt": (
        "Title: A megaflood is coming to Calloway, experts say\nDate: 2030-08-12\n\n"
        "It's not an earthquake. And it isn't the drought.\n\n"
        "It is a flood that would swamp the valley, the experts warned.\n"),
    "blame.txt": (
        "Title: Orlov walks back his Corran criticism\nDate: 2031-10-16\n\n"
        "Orlov spoke to supporters in Bresk on Monday.\n\n"
        "He focused instead on Selva and President Arden, blaming both for the outbreak of more violence in the "
        "region earlier this month.\n"),
    "nominations.txt": (
        "Title: Orlov announces a new bid\nDate: 2031-10-05\n\n"
        "He also successfully nominated three supreme court justices on Tuesday, whose rulings shifted the "
        "country.\n\n"
        "Whip Tarvo told reporters on Wednesday that negotiations over the budget were continuing.\n"),
    "vote.txt": (
        "Title: Veska's president wins another term\nDate: 2031-02-10\n\n"
        "Pell Andrin was re-elected on Sunday with 80 percent of the vote, officials said.\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "when-search", ARTICLES)


def test_when_is_not_answered_by_a_sentence_without_a_time_or_about_something_else(archive) -> None:
    answer = archive.ask("When did the Varrow earthquake happen?", mode="extractive")
    assert is_abstention(answer.text), answer.text  # neither "It's not an earthquake" nor Dessia's floods


def test_when_is_dated_by_a_sentence_of_the_asked_event(archive) -> None:
    """"When did Biden visit Israel?", over a week without the visit, had been answered "earlier this month" from a
    sentence blaming Biden for violence, under a headline naming Israel: the sentence holds no word of a visit."""
    answer = archive.ask("When did Arden visit Corran?", mode="extractive")
    assert "earlier this month" not in answer.text, answer.text
    assert is_abstention(answer.text), answer.text


def test_after_x_is_anchored_on_an_event_of_x(archive) -> None:
    """"What happened after Scalise was nominated?" (a week without the nomination) was anchored on "He also
    successfully nominated three Supreme Court justices" (the anchor's first word, "Scalise", was not read as a
    name), then on "Republican Whip Steve Scalise telling reporters Tuesday, ..." (no nomination)."""
    answer = archive.ask("What happened after Tarvo was nominated?", mode="extractive")
    assert answer.route != "timeline", answer.text  # no reference event: nothing is dated after it
    assert "nominated three" not in answer.text, answer.text


def test_holds_each_name_reads_a_word_of_each_name() -> None:
    """The search route's check (the timeline route's "when" reads its events' names the same way): "Kim" names
    "Kim Jong Un", and a meeting of Kim's without Putin is not the one asked about."""
    from app.answer.routes import asked_name_groups, holds_each_name

    kim, war = asked_name_groups("When did Kim Tae Su meet Orlov?"), asked_name_groups("When did the latest war happen?")

    assert holds_each_name(kim, "", "Kim plans to meet with Orlov")
    assert not holds_each_name(kim, "", "Arden met Kim Tae Su in Selva")
    assert holds_each_name(war, "", "The war began in 2020")  # no name asked


def test_a_hyphenated_word_holds_the_asked_event(archive) -> None:
    """"When was Aliyev elected?" is answered by "... was re-elected in 2018", and "cease-fire" is a ceasefire: the
    event-word checks read a hyphenated word's parts and its joined form."""
    from app.text import tokens

    answer = archive.ask("When was Pell Andrin elected?", mode="extractive")
    assert answer.short is not None and answer.short.text == "Sunday", answer.text
    held = tokens.with_hyphen_parts(tokens.content_tokens("He was re-elected in 2018 after the cease-fire."))
    assert tokens.content_tokens("elected") <= held and tokens.content_tokens("ceasefire") <= held


def test_when_is_dated_by_the_lead_of_an_article_that_tells_the_event(seed_chronicle) -> None:
    """"When did Azerbaijan launch its operation?" had said the articles don't say: no dated sentence of the seed holds
    "launch" or "operation". Its lead tells the event ("Azerbaijan sent troops ... on Tuesday") and the article calls
    it an operation further down: the lead dates it."""
    answer = seed_chronicle.ask("When did Azerbaijan launch its operation?", mode="extractive")
    assert answer.short is not None and answer.short.text == "Tuesday", answer.text
    cited = {c.n: c for c in answer.citations}[answer.short.n]
    assert cited.text.startswith("Azerbaijan sent troops") and "2023-09-19" in answer.text
