"""The timeline route over a news archive of one story: "when" and "after X" are dated by what happened.

Found trying Chronicle as a new user (eight articles on a speaker's ouster): the answer to "When was McCarthy removed
as speaker?" was dated by a condition ("If the House decides to remove McCarthy as speaker, then someone from a
private backup list provided by McCarthy at the beginning of the year will fill his slot"), and the passages best
matching "McCarthy was ousted" were FAQ subheads with no date, so "What happened after McCarthy was ousted?" started
from January. Real store, real embedding model; the archive is written here.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_settings

FAQ = [
    "What happens if Speaker Dana Whitfield is ousted?",
    "Who could replace Speaker Whitfield if she is ousted?",
    "Can an ousted speaker run for speaker again?",
    "How does a motion to oust the speaker work?",
    "Why do some members want Speaker Whitfield ousted?",
    "Has a speaker ever been ousted before?",
    "What does an ousted speaker lose?",
    "Who votes when a speaker is ousted?",
    "How long does an acting speaker serve after a speaker is ousted?",
    "What would ousting Whitfield mean for the budget?",
]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle

    folder = tmp_path_factory.mktemp("ouster-articles")
    (folder / "faq.txt").write_text(
        "Title: Whitfield ouster: your questions answered\nDate: 2023-10-02\n\n"
        + "\n\n".join(f"{q}\n\nMembers are still discussing it." for q in FAQ) + "\n", encoding="utf-8")
    (folder / "vote.txt").write_text(
        "Title: Speaker Whitfield ousted in historic vote\nDate: 2023-10-04\n\n"
        "If Whitfield is ousted, or the House decides to remove Whitfield as speaker, a member named on a list "
        "Whitfield filed at the beginning of the year will remove her from the chair and take her place.\n\n"
        "Dana Whitfield was ousted as speaker on Tuesday in a 216-210 vote.\n\n"
        "The House elected Marcus Reyes as speaker on Wednesday.\n", encoding="utf-8")
    chron = Chronicle(make_settings(tmp_path_factory.mktemp("ouster-store")))
    report = chron.ingest([folder])
    assert report.added == 2, report.summary()
    return chron


def test_a_condition_does_not_date_the_event_asked_about(story) -> None:
    answer = story.ask("When was Whitfield removed as speaker?", mode="extractive")
    assert answer.route == "timeline", answer.route
    assert answer.citations and "If the House" not in answer.citations[0].text, answer.text
    assert answer.citations[0].text.startswith("Dana Whitfield was ousted"), answer.text
    assert "2023-10-03" in answer.text, answer.text  # "on Tuesday" of an article published Wednesday 4 October


def test_after_x_starts_from_the_event_not_a_heading_or_a_condition(story) -> None:
    answer = story.ask("What happened after Whitfield was ousted?", mode="extractive")
    assert answer.route == "timeline", answer.route
    first, *rest = answer.citations
    assert first.text.startswith("Dana Whitfield was ousted"), answer.text
    assert any("Marcus Reyes" in c.text for c in rest), answer.text


def test_few_dated_sentences_in_the_best_passages_reads_more(story) -> None:
    """The FAQ's undated subheads rank first for "Whitfield was ousted": read from more passages when the first
    few hold fewer than MIN_CANDIDATE_EVENTS dated sentences."""
    from app.query import temporal

    retriever = story.retriever
    first = temporal._events_in(retriever, "Whitfield was ousted", None, 4)
    assert len(first) < temporal.MIN_CANDIDATE_EVENTS
    found = temporal._candidates(retriever, "Whitfield was ousted", n=4)
    assert any(h.event.text.startswith("Dana Whitfield was ousted") for h in found), [h.event.text for h in found]
    assert len(found) > len(first)


@pytest.mark.parametrize(("text", "expected"), [
    ("If the House decides to remove her, a member will take her place.", True),
    ("Unless a deal is reached by Friday, the government will shut down.", True),
    ("Should the talks fail, the strike will resume on Monday.", True),
    ("What happens if the speaker is ousted?", True),
    ("The speaker was ousted on Tuesday, if only by six votes.", False),
    ("Dana Whitfield was ousted as speaker on Tuesday.", False),
])
def test_what_would_happen_is_told_from_what_happened(text: str, expected: bool) -> None:
    from app.text.lines import hypothetical

    assert hypothetical(text) is expected
