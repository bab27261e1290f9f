"""Routing on what a question asks for, and asking "as of" a day.

Fast tests of the question reader (app/text/asking.py) on the kinds of questions a news archive gets; then, on a
real store of small dated articles, that a factoid question with "this week" is a search (not a timeline), that
"which league announced ..." is not a who-said-what question, and that ``as_of`` keeps later articles out and
resolves "this week" against that day (CLI and facade).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app.query.statements import statement_question_actors
from app.text.asking import GPE, LOC, MONEY, NUMBER, ORG, PERSON, what_is_asked
from tests.conftest import make_settings
from tests.helpers_net import chronicle_env, run_cli


@pytest.mark.parametrize(
    ("question", "answer_type", "factoid"),
    [
        ("Which automaker recalled nearly 2 million vehicles this week due to a fire risk?", ORG, True),
        ("Which MLB team won the World Series this week?", ORG, True),
        ("Which Ivy League school named a new president this week?", ORG, True),
        ("Xi Jinping met with Joe Biden in which city?", GPE, True),
        ("Which celebrity will host the 2024 Academy Awards?", PERSON, True),
        ("Which French stadium will host the final of the Rugby World Cup?", LOC, True),  # "host" is its verb
        ("How much did the harbour cost?", MONEY, True),
        ("How many people were killed?", NUMBER, True),
        ("What was the death toll from Baku's offensive?", NUMBER, True),
        ("Which political figure tested positive for Covid-19 this week?", PERSON, True),  # a who, not a number
        ("What figure did the census give for the population?", NUMBER, True),
        ("When did the latest war happen?", "DATE", False),
        ("In what year did the Soviet Union fall?", "DATE", False),
        ("What happened after the ceasefire?", None, False),
        ("What did Russia say?", None, False),
        ("What is the latest news?", None, False),
        ("What was Russia's reaction to the offensive?", None, False),
        ("What was the response from Turkey?", None, False),
        ("What reaction did Armenia have to the offer?", None, False),
        # the context first, then the sentence that asks (RealTimeQA's quiz form)
        ("The House has been in disarray since McCarthy's ousting. Who did House Republicans pick as their nominee?",
         PERSON, True),
        ("World leaders gathered at the UN this week. Where is the UN headquartered?", GPE, True),
        ("What did the U.S. Navy say?", None, False),  # an abbreviation's full stop is no sentence before a question
        # a number asked inside the sentence
        ("Three astronauts returned to Earth this week after how many days in space?", NUMBER, True),
        ("Approximately how many refugees have been admitted to the US this year?", NUMBER, True),
        ("UK house prices fell by how much in August?", NUMBER, True),
        # a clause of time first: the question is what follows it
        ("When most of the games were played in Ohio, which team did he coach?", ORG, True),
    ],
)
def test_what_is_asked(question: str, answer_type: str | None, factoid: bool) -> None:
    asked = what_is_asked(question)
    assert (asked.answer_type, asked.factoid) == (answer_type, factoid), asked


def test_statements_route_only_when_the_actor_speaks() -> None:
    assert statement_question_actors("What did Russia say?") == ["Russia"]
    assert statement_question_actors("How did Moscow react?") == ["Russia"]
    assert statement_question_actors("What was Ankara's stance?") == ["Turkey"]
    # a capital inside a surname: "[A-Z][a-z]+" read "Ron DeSantis" as "Ron" and "DeSantis" as no name at all
    assert statement_question_actors("What did Ron DeSantis say?") == ["DeSantis"]
    assert statement_question_actors("How did McCarthy react?") == ["McCarthy"]
    assert statement_question_actors("What did Mohamed ElBaradei say?") == ["ElBaradei"]
    assert statement_question_actors("Which pro sports league announced it will play a game in Brazil?") == []
    assert statement_question_actors("Which American football team claimed victory against the Chiefs?") == []


@pytest.mark.parametrize(
    ("question", "actors"),
    [
        ("What was Russia's reaction to the offensive?", ["Russia"]),
        ("What was the Kremlin's response to the fighting?", ["Russia"]),
        ("What was the reaction from Turkey?", ["Turkey"]),
        ("What was the response of Armenia to the offer?", ["Armenia"]),
        ("What was the reaction by Blinken to the attack?", ["Blinken"]),
        ("What reaction did Moscow have to the offensive?", ["Russia"]),
        ("What response did Armenia give?", ["Armenia"]),
        ("What was the international reaction to the offensive?", []),
        ("What was the reaction in Yerevan?", []),
    ],
)
def test_reactions_asked_as_nouns_are_statement_questions(question: str, actors: list[str]) -> None:
    """Issue 19: "What was X's reaction", "the reaction from X" ask for X's statements as "How did X react" does;
    a reaction with no one named ("the international reaction", "the reaction in Yerevan") does not."""
    assert statement_question_actors(question) == actors


@pytest.mark.parametrize("question", ["What was the reaction from Russia?", "What was Russia's response to the "
                                      "offensive?", "What reaction did Moscow have to the offensive?"])
def test_reaction_nouns_reach_the_statements(seed_chronicle, question: str) -> None:
    """On the seed article (real store, real embeddings), the noun phrasings get Russia's statements, the same
    sources as "How did Russia react?" (before: the search route, where extractive mode could abstain)."""
    verb = seed_chronicle.ask("How did Russia react?", mode="extractive")
    noun = seed_chronicle.ask(question, mode="extractive")
    assert noun.route == verb.route == "statements" and not noun.abstained, (noun.route, noun.text)
    assert [c.text for c in noun.citations] == [c.text for c in verb.citations]
    assert "civilian safety" in noun.text


def _article(folder: Path, name: str, day: str, title: str, body: str) -> None:
    (folder / f"{name}.txt").write_text(f"Title: {title}\nDate: {day}\n\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """Two recalls a year apart, and a league announcement, in one store."""
    from app import Chronicle

    folder = tmp_path_factory.mktemp("archive-articles")
    _article(folder, "old-recall", "2022-10-05", "Kestrel Motors recalls 300,000 SUVs over brake fault",
             "Kestrel Motors said on Tuesday it was recalling 300,000 SUVs because of a brake fault. The automaker "
             "said dealers would replace the brake lines for free.")
    _article(folder, "new-recall", "2023-10-04", "Orinda Auto recalls 1.8 million cars over fire risk",
             "Orinda Auto said on Tuesday it was recalling 1.8 million cars because of a fire risk in the wiring. "
             "The automaker said owners should park outside until repairs are made.")
    _article(folder, "league", "2023-10-03", "Northern Hockey League to play a game in Brazil",
             "The Northern Hockey League announced on Monday that it will play a regular-season game in Brazil "
             "next year, its first in South America.")
    chron = Chronicle(make_settings(tmp_path_factory.mktemp("archive-store")))
    report = chron.ingest([folder])
    assert report.added == 3, report.summary()
    return chron


def test_a_time_qualified_factoid_is_a_search(archive) -> None:
    answer = archive.ask("Which automaker recalled cars this week because of a fire risk?", mode="extractive",
                         as_of=dt.date(2023, 10, 6))
    assert answer.route == "search", answer.route
    assert "Orinda" in " ".join(c.title + " " + c.text for c in answer.citations)


def test_this_weeks_question_reads_no_article_published_before_the_week(archive) -> None:
    """An article cannot report what happened in a period that began after it was published: the 2022 recall is
    not evidence for "this week" (it had been among the passages, and could be quoted or picked)."""
    answer = archive.ask("Which automaker recalled cars this week?", mode="extractive", as_of=dt.date(2023, 10, 6))
    assert answer.passages and all(p.published >= "2023-09-25" for p in answer.passages), [
        (p.title, p.published) for p in answer.passages]
    assert answer.citations and all("Kestrel" not in c.title for c in answer.citations), answer.text
    # nothing published in the week asked about: the older articles are what there is, and they still answer
    earlier = archive.ask("Which automaker recalled SUVs this week?", mode="extractive", as_of=dt.date(2023, 1, 15))
    assert earlier.citations and "Kestrel" in earlier.citations[0].title, earlier.text
    # ... and the reader is told so, not left to notice the citation's date
    assert "Nothing published since 2 January 2023 matches this question" in earlier.notes[0], earlier.notes
    assert "the newest is from 5 October 2022" in earlier.notes[0], earlier.notes
    assert not answer.notes, answer.notes  # the week had an article: nothing to say


def test_the_older_sources_note_is_in_an_llm_mode_answer_too(archive) -> None:
    """The note belongs to the evidence, not to a mode: a model's reply (here a deterministic fake that abstains,
    so the quoted sentences are shown) carries it as the extractive answer does."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from app.answer.answerer import Answerer
    from app.answer.llm.client import LangChainChat

    settings = archive.settings.model_copy(update={"llm_pick": False})
    model = GenericFakeChatModel(messages=iter([AIMessage(content="The articles don't say.")] * 3))
    answerer = Answerer(settings, archive.retriever, archive.embed_batch, lambda: LangChainChat(model))
    answer = answerer.ask("Which automaker recalled SUVs this week?", mode="llm", as_of=dt.date(2023, 1, 15))
    assert answer.notes and answer.notes[0].startswith("Nothing published since 2 January 2023"), answer.notes


def test_the_older_sources_note_is_said_only_when_no_passage_is_from_the_period() -> None:
    from app.answer.routes import older_note
    from app.records import Passage

    def passage(published: str | None) -> Passage:
        return Passage(f"a{published}:0", "Text.", f"a{published}", "Title", published, "", 0, 5, ((0, 5),))

    earliest = dt.date(2023, 9, 25)
    assert older_note([passage("2023-09-01"), passage("2022-01-03")], earliest).endswith(
        "(the newest is from 1 September 2023).")
    assert older_note([passage("2023-09-01"), passage("2023-09-27")], earliest) == ""
    assert older_note([passage(None)], earliest) == ""  # undated: nothing can be said of its period


@pytest.mark.parametrize(("question", "earliest"), [
    ("Which automaker recalled vehicles this week?", dt.date(2023, 9, 25)),  # the week of 2 October, less 7 days
    ("What happened on Tuesday?", dt.date(2023, 9, 26)),
    ("Which automaker recalled SUVs in 2022?", None),  # a named year: the range reader's, not a publication window
    ("Where will next year's summit be held?", None),  # a future period: earlier articles preview it
    ("Which automaker recalled SUVs?", None),
])
def test_the_earliest_article_that_can_report_the_period_asked(question: str, earliest: dt.date | None) -> None:
    from app.query.temporal import reported_since

    assert reported_since(question, dt.date(2023, 10, 6)) == earliest


def test_a_factoid_with_a_year_reads_the_events_of_that_period(archive) -> None:
    """'Which automaker ... in 2022?' is a search among the events dated in 2022 (the TimeQA kind of question):
    the 2022 recall, not this year's."""
    answer = archive.ask("Which automaker recalled SUVs over a brake fault in 2022?", mode="extractive")
    assert answer.route == "timeline", answer.route
    assert answer.citations and all("Kestrel" in c.title for c in answer.citations), answer.text


@pytest.mark.parametrize(("question", "reads_the_period"), [
    ("Which team did Pele play for from 2004 to 2005?", True),  # TimeQA's kind: the events of a past period
    ("In the first half of 2022, which state saw the largest rise?", True),
    ("One winner of the 2020 Nobel Memorial Prize, Wilson, attended which school from 1958 to 1959?", True),
    ("Which car company criticised the decision to delay the UK's 2030 ban on petrol cars?", False),  # a name
    ("Which 2022 Republican contender ended his campaign?", False),  # a year naming a thing, not a period
    ("Who did the governor endorse for governor in 2024?", False),  # a period not begun: only previews of it
    ("Which airport ranked last in 2023?", False),  # the period still running: its reports rarely date the answer
    ("Which automaker recalled SUVs this week?", False),  # relative: a search with a recency preference
])
def test_the_periods_a_factoid_question_reads_among_dated_events(question: str, reads_the_period: bool) -> None:
    from app.query.temporal import _past_period
    from app.text.dates import parse_question_time

    reference = dt.date(2023, 10, 6)
    assert _past_period(question, parse_question_time(question, reference), reference) is reads_the_period


def test_a_factoid_about_a_named_or_coming_year_is_a_search(archive) -> None:
    """"... the 2023 recall ..." names the recall, and "in 2024" has not begun: neither is a period whose dated
    events answer the question (they had gone to the timeline route and listed dated events)."""
    named = archive.ask("Which automaker announced a 2023 recall over a fire risk?", mode="extractive",
                        as_of=dt.date(2023, 10, 6))
    assert named.route == "search", named.route
    assert named.citations and "Orinda" in named.citations[0].title, named.text
    coming = archive.ask("Which league will play a regular-season game in Brazil in 2024?", mode="extractive",
                         as_of=dt.date(2023, 10, 6))
    assert coming.route == "search", coming.route
    assert coming.citations and "Northern Hockey League" in coming.citations[0].title, coming.text


def test_an_announcement_question_is_not_who_said_what(archive) -> None:
    answer = archive.ask("Which league announced it will play a game in Brazil?", mode="extractive")
    assert answer.route == "search" and answer.citations
    assert "Northern Hockey League" in answer.citations[0].title


def test_as_of_keeps_later_articles_out(archive) -> None:
    q = "Which automaker is recalling SUVs?"
    before = archive.ask(q, mode="extractive", as_of=dt.date(2023, 1, 15))
    assert before.citations and {c.title for c in before.citations} == {
        "Kestrel Motors recalls 300,000 SUVs over brake fault"}
    assert all(p.published <= "2023-01-15" for p in before.passages)
    assert before.as_of == dt.date(2023, 1, 15) and before.to_json()["as_of"] == "2023-01-15"
    nothing = archive.ask(q, mode="extractive", as_of=dt.date(2021, 1, 1))
    assert nothing.abstained and not nothing.citations


def test_ask_as_of_on_the_command_line(archive) -> None:
    env = chronicle_env(archive.settings.vectorstore_dir)
    done = run_cli(["-m", "app", "ask", "--json", "--as-of", "2023-01-15", "Which automaker is recalling SUVs?"],
                   env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["as_of"] == "2023-01-15" and all(c["published"] <= "2023-01-15" for c in out["citations"])
    bad = run_cli(["-m", "app", "ask", "--as-of", "next Tuesday", "Which automaker is recalling SUVs?"], env)
    assert bad.returncode == 2 and "--as-of" in bad.stderr


def test_a_follow_up_about_a_new_subject_needs_evidence_about_it(seed_chronicle) -> None:
    """"And Turkey?" after a casualty question: no sentence gives Turkey's casualties, so no answer (it used to quote
    the casualty sentence, which says nothing about Turkey)."""
    killed = [("How many people were killed?", "25 people had been killed [1].")]
    answer = seed_chronicle.ask("And Turkey?", history=killed, mode="extractive")
    assert answer.abstained and not answer.citations, answer.text
    said = seed_chronicle.ask("And Turkey?", history=[("What did Russia say?", "x")], mode="extractive")
    assert "Turkey said it supported Baku" in said.text
    injured = seed_chronicle.ask("And how many were injured?", history=killed, mode="extractive")
    assert "80 injured" in injured.text


def test_a_quoted_sentence_that_opens_with_a_pronoun_names_its_referent(seed_chronicle) -> None:
    """"And Armenia?" with no history quoted "It said it was acting to restore the constitutional order ..." first:
    the "It" is Azerbaijan's defence ministry, which a reader took for Armenia. The answer names it in brackets, and
    the citation still points at the article's exact sentence."""
    answer = seed_chronicle.ask("And Armenia?", mode="extractive")
    quoted = next(c for c in answer.citations if c.text.startswith("It said it was acting"))
    assert "It [Azerbaijan’s defense ministry] said it was acting" in answer.text
    article = seed_chronicle.article_text(quoted.article_id)
    assert article[quoted.start:quoted.end] == quoted.text


def test_what_happened_after_lists_no_caption_and_no_far_bound(seed_chronicle) -> None:
    """Over the seed article, "What happened after the ceasefire?" listed an AFP photo's caption ("This grab taken
    from a UGC footage provided to AFP ... shows smoke rising ...") and, dated "2023-02", Vardanyan's appeal, whose
    only date is the end of his term ("a top official ... until February"). Neither is an event after 2020."""
    answer = seed_chronicle.ask("What happened after the ceasefire?", mode="extractive")
    assert answer.citations and "Azerbaijan sent troops" in answer.text
    assert "This grab taken" not in answer.text and "Vardanyan" not in answer.text
    assert "2023-02" not in answer.text


def test_subject_shown_from_the_sentence_before_when_no_statement_says_who() -> None:
    from app.query.statements import subject_shown
    from app.records import Source

    context = "Hosni Mubarak addressed the nation on Thursday night. He refused to step down before September."
    source = Source(n=1, text="He refused to step down before September.", article_id="a", title="t",
                    published="2011-02-10", start=55, end=97, context=context)
    assert subject_shown(source, []) == "He [Hosni Mubarak] refused to step down before September."
    alone = Source(n=1, text=source.text, article_id="a", title="t", published=None, start=0, end=42,
                   context=source.text)
    assert subject_shown(alone, []) == ""  # nothing before it: no referent is guessed
    plain = Source(n=1, text=context.split(". ")[0] + ".", article_id="a", title="t", published=None, start=0,
                   end=54, context=context)
    assert subject_shown(plain, []) == ""


def test_the_speaker_attributed_is_named_only_when_the_sentence_before_names_them() -> None:
    """After "He didn't blame the moderators ..., But Allison did", "He called the event “the worst debate ...”"
    (a RealTimeQA week) had been attributed to the Collier quoted two sentences up: no bracket is better than a
    wrong one."""
    from app.query.statements import subject_shown
    from app.records import Source, StoredStatement

    context = ("“It’s hard to get that many people to have a real conversation,” Collier said. He didn’t blame the "
               "moderators: Dana Perino of Fox News and Ilia Calderón of Univision, But Allison did. He called the "
               "event “the worst debate that I have ever seen,” due to the moderators.")
    text = "He called the event “the worst debate that I have ever seen,” due to the moderators."
    start = context.index(text)
    source = Source(n=1, text=text, article_id="a", title="t", published=None, start=start, end=start + len(text),
                    context=context)
    said = StoredStatement("s", text, "a", "c", "t", None, 0, start, start + len(text), "Chris Collier", "",
                           "collier", "called", "the worst debate that I have ever seen")
    assert subject_shown(source, [said]) == ""
    named = "Chris Collier, a pollster, spoke to the panel. " + text
    source = Source(n=1, text=text, article_id="a", title="t", published=None, start=47, end=47 + len(text),
                    context=named)
    assert subject_shown(source, [said]) == "He [Chris Collier] called the event “the worst debate that I have ever " \
                                            "seen,” due to the moderators."


@pytest.mark.parametrize(
    ("question", "begins_with"),
    [
        ("Which country backs Azerbaijan?", "the country"),  # the question's own noun, not "the place"
        ("Which GOP lawmaker called for an impeachment inquiry?", "the lawmaker's name"),
        ("Who mediated the talks?", "the person's name"),
        ("How many people were killed?", "the number"),
        ("Which decorated gymnast won a record eighth title?", "the answer"),  # "decorated" is not a kind of thing
    ],
)
def test_factoid_prompt_asks_for_a_short_answer_that_begins_with_what_is_asked(question: str,
                                                                                begins_with: str) -> None:
    from app.answer.prompts import render_search

    prompt = render_search("[1] A sentence.", question)
    assert prompt.endswith(f"Begin your one sentence with {begins_with}.")
    # the rule itself, and the way out for an unanswerable factoid, are in the cached system prompt
    from app.answer.prompts import load

    assert "reply in one short sentence that begins with it" in load("system")
    assert "reply exactly: The articles don't say." in load("system")
    assert prompt.index("[1] A sentence.") < prompt.index(question) < prompt.index("Begin your one sentence")


def test_a_question_that_is_not_a_factoid_gets_the_plain_prompt() -> None:
    from app.answer.prompts import render_search

    assert "Begin your one sentence" not in render_search("[1] A sentence.", "What did Russia say?")


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        ("Which retail chain recalled nearly 50,000 mattresses?", "The chain Costco recalled them on Friday.", True),
        ("Which retail chain recalled nearly 50,000 mattresses?", "The mattresses may grow mold, the agency said.",
         False),  # about the story, names nothing new
        ("Which retail chain recalled nearly 50,000 mattresses?", "Which chain recalled the mattresses?", False),
        ("Who won the race in Singapore?", "Carlos Sainz won in Singapore on Sunday.", True),
        ("Who won the race in Singapore?", "The race in Singapore was won on Sunday.", False),
        ("How many days was he on the run?", "He was captured after 13 days.", True),
        ("How many days was he on the run?", "He was captured after two weeks.", True),  # spelled out
        ("How many of the 50,000 mattresses were sold?", "About 50,000 mattresses were recalled.", False),  # asked
        ("What percentage of couples sleep apart?", "Some 15% of couples sleep apart.", True),
        ("What percentage of couples sleep apart?", "In 2023, couples slept apart.", False),  # a year, no share
        ("How much did the stadium cost?", "The stadium cost $1.2 billion.", True),
        ("Why did the chain recall mattresses?", "Costco recalled them over mold.", False),  # not a factoid
    ],
)
def test_holds_answer_reads_the_kind_of_thing_asked_for(question: str, sentence: str, holds: bool) -> None:
    from app.query.evidence import holds_answer

    assert holds_answer(what_is_asked(question), sentence, question) is holds


def test_a_lone_capital_opening_a_sentence_is_a_name_when_seen_mid_sentence() -> None:
    from app.query.evidence import holds_answer
    from app.text.tokens import content_tokens

    question = "Which retail chain recalled nearly 50,000 mattresses?"
    asked = what_is_asked(question)
    assert not holds_answer(asked, "Costco recalled them on Friday.", question)  # "Officials said" looks the same
    assert holds_answer(asked, "Costco recalled them on Friday.", question, frozenset(content_tokens("Costco")))


def test_the_sentence_naming_the_answer_gets_the_bonus(seed_settings, monkeypatch) -> None:
    """Of two sentences of one story, only the one naming a country gains ANSWER_BONUS over the other."""
    import dataclasses

    import app.query.evidence as evidence
    from app.query.retrieval import get_retriever
    from app.store.registry import get_embeddings

    encode = get_embeddings(seed_settings).encode
    question = "Which country backs Azerbaijan?"
    text = "Azerbaijan is backed by its ally. Azerbaijan is backed by Turkey."
    cut = text.index(" Azerbaijan")
    passage = dataclasses.replace(get_retriever(seed_settings).retrieve(question, 1)[0], text=text, start=0,
                                  end=len(text), vector=None, sentences=((0, cut), (cut + 1, len(text))))

    def scores() -> dict[str, float]:
        return {s.text: s.score for s in evidence.score_sentences(question, [passage], encode)}

    with_bonus, bonus = scores(), evidence.ANSWER_BONUS
    assert bonus > 0
    monkeypatch.setattr(evidence, "ANSWER_BONUS", 0.0)
    without = scores()
    named, unnamed = "Azerbaijan is backed by Turkey.", "Azerbaijan is backed by its ally."
    assert with_bonus[named] - without[named] == pytest.approx(bonus)
    assert with_bonus[unnamed] == pytest.approx(without[unnamed])


def test_a_heading_or_list_item_is_not_a_sentence_to_quote(seed_settings) -> None:
    """"1. Aaron Rodgers" splits into "1." and "Aaron Rodgers": neither is scored as evidence (the second had been
    quoted for "Who injured Aaron Rodgers?")."""
    import dataclasses

    from app.query.evidence import score_sentences
    from app.query.retrieval import get_retriever
    from app.store.registry import get_embeddings

    text = "1. Aaron Rodgers\nRodgers was injured on the artificial turf on Monday."
    spans = ((0, 2), (3, 16), (17, len(text)))
    passage = dataclasses.replace(get_retriever(seed_settings).retrieve("Rodgers", 1)[0], text=text, start=0,
                                  end=len(text), vector=None, sentences=spans)
    scored = score_sentences("Who injured Aaron Rodgers?", [passage], get_embeddings(seed_settings).encode)
    assert [s.text for s in scored] == ["Rodgers was injured on the artificial turf on Monday."]
