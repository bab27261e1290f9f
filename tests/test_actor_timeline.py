"""Whose timeline and what is new since a day (app.query.actor_timeline, Chronicle.story, `timeline --about X
--since DATE`, the chat's story route) on real Chroma and the packaged embedding model.

Store: tests/helpers_actor.py — a made-up port strike over ten days with a mayor who speaks (Ilse Brandt), a union,
a football coach of the same surname (Tomas Brandt) and a last article (10 March) that tells something new about
an earlier day (3 March).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from app.cli import main as cli_main
from app.text.asking import story_request
from tests.helpers_actor import LAST, ORGANISATION, PERSON, STORY, write_actor_articles

D = dt.date


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    tmp = tmp_path_factory.mktemp("actor-store")
    c = Chronicle(load_settings(vectorstore_dir=tmp / "store", answer_mode="extractive"))
    report = c.ingest([write_actor_articles(tmp / "articles")])
    assert report.added == 6 and report.ok, report.summary()
    return c


def names_her(text: str) -> bool:
    """The mayor by her full name, or by her surname alone (the archive's only other Brandt is Tomas)."""
    return PERSON in text or (re.search(r"\bBrandt\b", text) is not None and "Tomas Brandt" not in text)


# --- whose timeline ---------------------------------------------------------------------------------------------


def test_a_person_gets_her_own_timeline(chron):
    tl = chron.story(PERSON, n_dates=10, sentences_per_date=1)
    assert tl.kind == "person" and tl.is_actor and tl.subject == PERSON and tl.aliases == (PERSON, "Brandt")
    texts = [line.text for _, line in tl.lines]
    assert len(texts) >= 4
    assert sum(names_her(t) for t in texts) / len(texts) >= 0.9, texts
    assert not any("Tomas" in t or "football" in t for t in texts), texts  # her namesake is not her
    days = {d.date for d in tl.days}
    assert {D(2021, 3, 1), D(2021, 3, 3), D(2021, 3, 5)} <= days
    # "Brandt apologised ... on Tuesday" (9 March): her surname alone, after her full name in the same article
    assert D(2021, 3, 9) in days
    for _, line in tl.lines:
        for c in line.citations:
            text = chron.article_text(c.article_id)
            assert text is not None and text[c.start:c.end] == c.text


@pytest.mark.parametrize("typed", ["ilse brandt", "Mayor Ilse Brandt", "  Ilse   Brandt? "])
def test_the_name_as_typed(chron, typed):
    """Lower case, a title or stray spaces: the same person, named as the archive writes her."""
    tl = chron.story(typed, n_dates=3, sentences_per_date=1)
    assert tl.kind == "person" and tl.subject == PERSON and tl.days


def test_an_organisation_gets_its_own_timeline(chron):
    tl = chron.story(ORGANISATION, n_dates=10, sentences_per_date=1)
    assert tl.kind == "organisation"
    texts = [line.text for _, line in tl.lines]
    assert len(texts) >= 3 and all("Harbour Workers Union" in t for t in texts), texts


def test_a_story_stays_a_story(chron):
    tl = chron.story(STORY, n_dates=10)
    assert tl.kind == "story" and not tl.is_actor and tl.days
    forced = chron.story(PERSON, n_dates=10, kind="story")
    assert forced.kind == "story"


def test_an_actor_the_archive_does_not_know(chron):
    tl = chron.story("Zara Quillfeather", n_dates=5)
    assert not tl.days and tl.message == "No articles about Zara Quillfeather."
    forced = chron.story("Zara Quillfeather", n_dates=5, kind="actor")
    assert not forced.days and forced.message.startswith("No articles about Zara Quillfeather")


def test_a_name_never_quoted_is_an_actor_when_asked_as_one(chron):
    """Port Belmar is written in every article but never speaks: a story by default, an actor when asked."""
    assert chron.story("Port Belmar", n_dates=5).kind == "story"
    tl = chron.story("Port Belmar", n_dates=10, sentences_per_date=1, kind="actor")
    assert tl.is_actor and tl.days and all("Port Belmar" in line.text for _, line in tl.lines)


# --- what is new since a day ------------------------------------------------------------------------------------


def test_what_is_new_since_a_day(chron):
    since = D(2021, 3, 8)
    tl = chron.story(PERSON, n_dates=10, sentences_per_date=1, since=since)
    assert tl.since == since and tl.days
    status = {d.date: d.status for d in tl.days}
    assert status[D(2021, 3, 10)] == "new" and status[D(2021, 3, 9)] == "new"
    # the 10 March article says something new about 3 March (a bonus offered that day): an earlier day it changed
    assert status.get(D(2021, 3, 3)) == "changed"
    # the days it only retells (the strike's end on 5 March) are not changes
    assert D(2021, 3, 5) not in status and D(2021, 3, 1) not in status
    for _, line in tl.lines:
        assert all(c.published and c.published > since.isoformat() for c in line.citations), line
    story = chron.story(STORY, n_dates=10, since=since)
    assert story.kind == "story" and story.days
    assert all(d.status == "new" or d.date <= since for d in story.days)


def test_nothing_new_after_the_newest_article(chron):
    tl = chron.story(PERSON, since=D.fromisoformat(LAST))
    assert not tl.days and tl.message == (
        f"Nothing new since 10 March 2021 about {PERSON}: its newest article was published on 10 March 2021.")
    story = chron.story(STORY, since=D(2022, 1, 1))
    assert not story.days and story.message.startswith("Nothing new since 1 January 2022 about")


# --- the command line -------------------------------------------------------------------------------------------


def run_cli(chron, *args: str, capsys) -> tuple[int, str, str]:
    code = cli_main(["timeline", "--vectorstore-dir", str(chron.settings.vectorstore_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_actor_timeline_and_since(chron, capsys):
    code, out, _ = run_cli(chron, "--about", PERSON, "--json", capsys=capsys)
    data = json.loads(out)
    assert code == 0 and data["kind"] == "person" and data["title"].startswith(f"Timeline of {PERSON} (a person)")
    code, out, _ = run_cli(chron, "--about", PERSON, "--since", "2021-03-08", "--format", "json", capsys=capsys)
    data = json.loads(out)
    assert code == 0 and data["since"] == "2021-03-08" and data["new_articles"]
    assert {d["status"] for d in data["dates"]} == {"new", "changed"}
    code, out, _ = run_cli(chron, "--about", PERSON, "--since", "2021-03-08", capsys=capsys)
    assert code == 0 and out.startswith(f"New about {PERSON} (a person) since 2021-03-08") and "CHANGED" in out


def test_cli_errors(chron, capsys):
    code, _, err = run_cli(chron, "--about", PERSON, "--since", LAST, capsys=capsys)
    assert code == 1 and "Nothing new since 10 March 2021" in err
    code, _, err = run_cli(chron, "--about", "Zara Quillfeather", capsys=capsys)
    assert code == 1 and "No articles about Zara Quillfeather" in err
    code, _, err = run_cli(chron, "--since", "2021-03-08", capsys=capsys)
    assert code == 2 and "--about" in err
    code, _, err = run_cli(chron, "--about", PERSON, "--since", "last tuesdayish", capsys=capsys)
    assert code == 2 and "YYYY" in err


# --- the chat ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question, about, when", [
    ("What's new in the Libyan civil war since Monday?", "the Libyan civil war", "since Monday"),
    ("what is new with Conrad Murray since 3 March", "Conrad Murray", "since 3 March"),
    ("Anything new on the Muslim Brotherhood since June?", "the Muslim Brotherhood", "since June"),
])
def test_whats_new_questions_are_recognised(question, about, when):
    ask = story_request(question)
    assert ask is not None and ask.new and (ask.about, ask.when) == (about, when)


def test_whats_new_needs_a_day():
    ask = story_request("What's new in the Libyan civil war?")
    assert ask is None or not ask.new


def test_chat_timeline_of_a_person(chron):
    answer = chron.ask(f"Give me a timeline of {PERSON}", as_of=D.fromisoformat(LAST))
    assert answer.route == "story" and not answer.abstained
    assert any("(person): the days they did" in note for note in answer.notes), answer.notes  # not "it"
    lines = answer.text.splitlines()
    assert len(lines) >= 4 and sum(names_her(line) for line in lines) / len(lines) >= 0.9, answer.text


def test_chat_whats_new_since_monday(chron):
    # as of Wednesday 10 March 2021, "Monday" is 8 March: what the articles published after it report
    answer = chron.ask(f"What's new in {PERSON} since Monday?", as_of=D(2021, 3, 10))
    assert answer.route == "story" and not answer.abstained
    assert "10 March 2021 (new):" in answer.text and "3 March 2021 (changed):" in answer.text, answer.text
    assert "1 March 2021" not in answer.text
    nothing = chron.ask(f"What's new in the {STORY} since 10 March 2021?")
    assert nothing.text.startswith("Nothing new since 10 March 2021"), nothing.text


def test_one_article_actor_keeps_the_outline(seed_chronicle):
    """Azerbaijan is an actor of the seed article, but with one article its own dated events are the better outline
    (as for a story: app.answer.routes.STORY_MIN_ARTICLES)."""
    assert seed_chronicle.story("Azerbaijan", n_dates=5).kind == "country"
    answer = seed_chronicle.ask("Give me a timeline of Azerbaijan", mode="extractive")
    assert answer.route == "timeline"


@pytest.mark.parametrize("typed", ["Nagorno-Karabakh", "the Nagorno-Karabakh", "Karabakh"])
def test_a_place_name_is_the_place_story_not_its_authorities(seed_chronicle, typed):
    """"Nagorno-Karabakh" alone names the place's story (its title was "Timeline of Nagorno-Karabakh authorities
    (a region)"); its authorities are the actor when an actor is asked for."""
    story = seed_chronicle.story(typed, n_dates=5)
    assert story.kind == "story" and story.days, story.message
    from app.export import title_of

    assert title_of(story).startswith(f"Timeline of {typed}:"), title_of(story)
    assert seed_chronicle.story(typed, n_dates=5, kind="actor").kind == "region"


def test_an_actors_equal_days_spread_from_the_newest_over_the_span() -> None:
    """17 days of one article each (a RealTimeQA week's McCarthy): 8 dates ran from the oldest and left out the
    newest (his ouster); spread, they reach from the newest back over the span, and a day with two reporting
    articles still comes first."""
    from app.query.actor_timeline import spread_ties
    from app.query.story import rank_days

    days = [dt.date(2022, 11, 7) + dt.timedelta(days=20 * i) for i in range(17)]
    pub = {d: {f"a{i}"} for i, d in enumerate(days)}
    mentions = {days[3]: {"a9"}}  # the fourth day is also recalled by a later article: two reporters
    ranked = rank_days(pub, mentions)
    assert [d for d, _ in ranked[:3]] == [days[3], days[0], days[1]]  # rank_days: ties oldest first
    spread = spread_ties(ranked, pub, mentions, keep=8)
    first = [d for d, _ in spread[:8]]
    assert first[0] == days[3] and first[1] == days[-1]  # the heavier day, then the newest
    assert days[0] in first and max(first) == days[-1]  # the span's both ends
    assert sorted(d for d, _ in spread) == sorted(days)  # nothing lost, only reordered
