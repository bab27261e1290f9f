""""When" is dated by the asked event's own expression, and "after X" lists no history told as a future.

Found asking a RealTimeQA week as a new user (fourteenth session): "When did Hamas attack Israel?" was answered
"1987" from "... deadly attacks since the militant group was formed in 1987" (the founding's date), above "On
Saturday, about 1,000 Hamas fighters stormed across the Israeli border ... in an attack"; "What happened after the
Hamas attack?" listed "Several conflicts ... followed over the next decades", dated from its article's day to ten
years on. Real store, real embedding model; the archive is invented and written here.
"""

from __future__ import annotations

import pytest

from tests.conftest import written_archive

ARTICLES = {
    "raid.txt": (
        "Title: Militants storm across the Corran border\nDate: 2031-10-12\n\n"
        "The Vessa Front has vowed to destroy Corran and has been responsible for numerous deadly attacks since the "
        "militant group was formed in 1987.\n\n"
        "On Saturday, about 1,000 Vessa Front fighters stormed across the Corran border by land and sea in an attack "
        "that caught the army off-guard.\n\n"
        "Over half the valley's population fled, according to the U.N. Several conflicts between Corran and its "
        "neighbours followed over the next decades.\n\n"
        "On Thursday an airstrike killed at least 45 people in a refugee camp, the interior ministry said.\n"),
    "lanterns.txt": (
        "Title: Corran's shops get ready for the lantern festival\nDate: 2031-10-16\n\n"
        "Shops across Corran brought back their paper lanterns for the autumn festival this week.\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "when-clauses", ARTICLES)


def test_when_is_dated_by_the_asked_events_own_expression(archive) -> None:
    answer = archive.ask("When did the Vessa Front attack Corran?", mode="extractive")
    assert answer.short is not None and answer.short.text == "Saturday", answer.text
    assert "2031-10-11" in answer.text and "1987" not in answer.text.split("\n")[0], answer.text


def test_after_lists_no_history_dated_into_the_coming_decade(archive) -> None:
    answer = archive.ask("What happened after the Vessa Front attack?", mode="extractive")
    assert "airstrike killed" in answer.text, answer.text
    assert "next decades" not in answer.text and "2041" not in answer.text, answer.text


def test_an_expression_in_a_clause_of_another_event() -> None:
    from app.query import temporal

    assert temporal._OTHER_CLAUSE.search(" since the militant group was formed ")
    assert temporal._OTHER_CLAUSE.search(", after the talks had collapsed ")
    assert not temporal._OTHER_CLAUSE.search(" that caught the army off-guard ")  # a relative clause of the event
    assert not temporal._OTHER_CLAUSE.search(" across the border by land and sea ")


def test_a_day_is_not_answered_by_an_event_of_its_week(archive) -> None:
    """"What happened on 18 October 2023?" over a week with no article of that day was answered "... brings back
    its Boo Buckets for Halloween this week", dated 2023-W42 (fourteenth session)."""
    day = archive.ask("What happened on 15 October 2031?", mode="extractive")
    assert "lanterns" not in day.text, day.text
    days = archive.ask("What happened between 13 and 17 October 2031?", mode="extractive")
    assert "lanterns" in days.text, days.text  # a period of days keeps its week's events
