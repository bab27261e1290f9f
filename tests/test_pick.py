"""Issue 26: a factoid question's answer first, the sentence that proves it under it.

- app.text.answer_spans: the extractive mode's answer words (rules), on sentences written here;
- app.answer.pick: the model's pick parsed and checked (JSON of the schema, a candidate's number, words found in
  that sentence), on replies written here;
- the answerer over the real seed store with deterministic fake models: a good pick leads the answer; every bad
  reply (not JSON, a number that is not a candidate, words not in the sentence, a model that fails) gives the
  extractive answer with a note, never an uncited claim. The real model's picks: tests/test_llm_answers.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from app.answer import pick
from app.answer.answerer import ABSTAIN_TEXT, Answerer
from app.answer.llm.client import LLMError, ModelFailure, response_format
from app.query.retrieval import get_retriever
from app.records import Source
from app.store.registry import get_embeddings
from app.text.answer_spans import answer_span, fits_question, when_span
from app.text.asking import what_is_asked


def span(question: str, sentence: str, known: frozenset[str] = frozenset()) -> str | None:
    found = answer_span(what_is_asked(question), sentence, question, known)
    assert found is None or sentence[found.start:found.end] == found.text
    return None if found is None else found.text


# --- the rules (extractive mode) ---------------------------------------------------------------------------------


def test_a_number_with_its_unit_nearest_the_question_words() -> None:
    sentence = "Separatist authorities said 25 people had been killed and 138 injured, including two civilians."
    assert span("How many people were killed?", sentence) == "25 people"
    assert span("How many were injured?", sentence) == "138 injured"  # the question's own words after it


def test_a_number_counting_another_thing_the_question_names_is_not_the_answer() -> None:
    """"How many people died in the earthquake?" was answered "5.1 earthquake" (its magnitude): "earthquake" is a
    word of the question, but not what it counts (thirteenth session)."""
    sentence = "A magnitude 5.1 earthquake shook Port Selwyn on Friday night, killing three people."
    assert span("How many people died in the Port Selwyn earthquake?", sentence) == "three people"
    assert span("How many people died in the earthquake?", "A magnitude 5.1 earthquake shook the town.") is None


def test_a_number_before_a_compound_noun_counts_its_last_word() -> None:
    """"student" of "305,000 student loan borrowers" is a word of the question that is not what it counts, but the
    compound counts borrowers (a week of October 2023 had no lead for it)."""
    sentence = "About 305,000 student loan borrowers were given the wrong amount for their monthly payment."
    assert span("How many borrowers were hit by the student loan glitch?", sentence) == \
        "305,000 student loan borrowers"


def test_a_number_the_question_already_holds_is_not_the_answer() -> None:
    sentence = "In 2023, the 12 member states pledged 4,000 troops."
    assert span("How many troops did the 12 member states pledge?", sentence) == "4,000 troops"


def test_money_and_percentages() -> None:
    assert span("How much did the company pay for the startup?",
                "The company paid $3.2 billion for the startup in March.") == "$3.2 billion"
    assert span("What percentage of voters backed the measure?",
                "About 62 percent of voters backed the measure, up from 55 last year.") == "62 percent"


def test_a_name_the_question_does_not_hold() -> None:
    sentence = "Saturday's appointment of Omar Suleiman, the intelligence chief, as vice president surprised many."
    assert span("Who did Mubarak appoint as vice president?", sentence) == "Omar Suleiman"
    assert span("Which automaker recalled 1 million SUVs?",
                "The recall by Toyota covers 1 million SUVs built since 2019.") == "Toyota"
    assert span("Who is the president of Azerbaijan?",
                "Hikmet Hajiyev, adviser to Azerbaijani President Ilham Aliyev, spoke.") == "Ilham Aliyev"  # no title
    assert span("Which American official criticised Baku?",
                "The top US official, Antony Blinken, criticised Baku.") == "Antony Blinken"  # not "US"


def test_a_name_far_from_the_question_words_is_another_fact() -> None:
    assert span("Which country backs Azerbaijan?",
                "Azerbaijan sent troops backed by artillery strikes into Nagorno-Karabakh on Tuesday in an attempt to "
                "bring the region to heel, raising the threat of a new war with its neighbor Armenia.") is None


def test_a_lone_capital_opening_the_sentence_is_a_name_only_when_seen_elsewhere() -> None:
    sentence = "Toyota recalled 1 million SUVs on Tuesday."
    assert span("Which automaker recalled 1 million SUVs?", sentence) is None
    assert span("Which automaker recalled 1 million SUVs?", sentence, frozenset({"toyota"})) == "Toyota"


@pytest.mark.parametrize("question, sentence, expected", [
    # a dotted abbreviation is one name, never its first capital
    ("Which lawmaker was ousted as speaker of the US House?",
     "The U.S. House voted to oust Speaker Kevin McCarthy on Tuesday.", "Kevin McCarthy"),
    ("Which country vetoed the resolution?", "The resolution was vetoed by the U.S. on Friday.", "U.S."),
    # an organisation is not a country
    ("Which streaming platform raised its prices?", "The U.S. streaming platform Netflix raised its prices.",
     "Netflix"),
    # a party or nationality word is an adjective, not a name
    ("Which GOP lawmaker called for an impeachment inquiry?",
     "Members backed the Republican impeachment inquiry announced by Speaker Kevin McCarthy.", "Kevin McCarthy"),
    ("Which country may be changing its name?", "The Turkish government may be changing its name.", None),
    # a person is not written in capitals; a state is a state
    ("Which pop star made a surprise appearance at the game?",
     "The NFL made the most of the surprise appearance at the game.", None),
    ("Hurricane Idalia made landfall in which state?",
     "Hurricane Idalia made landfall in Florida on Wednesday, USA TODAY reported.", "Florida"),
    ("The winning ticket was sold in which state?", "The winning ticket was sold in Los Angeles on Monday.", None),
    # a month's abbreviation is a date, not a place
    ("Where did the debate take place?", "The debate took place on Sept. 27 before a small crowd.", None),
    # a body is not a person, and a title word of the question is not cut off a body's name (fourteenth session)
    ("Who is the new speaker of the House?",
     "He may be the first freshman ever elected speaker of the House of Representatives.", None),
    ("Who is the new speaker of the House?",
     "The clerk of the House from the prior Congress presides as speaker until one is elected.", None),
    ("Who is the new speaker of the House?", "Mike Johnson was elected speaker of the House on Wednesday.",
     "Mike Johnson"),
    # a title or a party tag alone is no one, and a prize is not a person (fifteenth session)
    ("Who did Governor John Carney endorse?", "But Gov. John Carney endorsed Lt. Gov. Bethany Hall-Long on Monday.",
     "Bethany Hall-Long"),
    ("Who did House Republicans pick as their nominee?", "House Republicans (R-Calif.) picked their nominee.", None),
    ("Who is the American finalist for the teacher prize?", "A finalist for the Nobel Prize for Teaching spoke.",
     None),
    ("Who is the American finalist for the teacher prize?", "The finalists teach in schools in Maine.", None),
    ("Who was hired as the police chief?", "A new police chief was hired, the News Journal reported.", None),
    # a name the sentence leaves out is not the answer
    ("Who won the second Republican debate?", "The Republican candidates, excluding former President Donald Trump, "
     "had their second debate Wednesday.", None),
    ("Who won the debate?", "Everyone but Ron DeSantis spoke, and Nikki Haley won the debate.", "Nikki Haley"),
    # "where": a country, a state, or a name after a word of place; never a person
    ("Where is the UN headquartered?", "The UN General Assembly meets this week, where President Joe Biden will "
     "speak.", None),
    ("Where is the UN headquartered?", "The UN is headquartered in New York, where President Joe Biden will speak.",
     "New York"),
    # a word in capitals is a brand or an acronym, not a person's name
    ("Who injured Aaron Rodgers?", "Rodgers was injured on the new FieldTurf CORE installed at MetLife Stadium.", None),
])
def test_a_name_of_the_kind_asked(question: str, sentence: str, expected: str | None) -> None:
    assert span(question, sentence, frozenset({"nfl"})) == expected


@pytest.mark.parametrize("question, words, fits", [
    ("Which country backs Azerbaijan?", "Azerbaijan", False),  # the question's own word
    ("Which country backs Azerbaijan?", "Turkey", True),
    ("Which country backs Azerbaijan?", "the intelligence chief", False),  # not a country
    ("Who is the president of Azerbaijan?", "Armenia", False),  # a country is not who
    ("Who is the president of Azerbaijan?", "Azerbaijani President Ilham Aliyev", True),
    ("How many people were killed?", "many civilians", False),  # no number
    ("What percentage of Americans are immune?", "roughly two-thirds", False),
    ("What percentage of Americans are immune?", "97%", True),
])
def test_a_models_words_must_be_of_the_kind_asked(question: str, words: str, fits: bool) -> None:
    assert fits_question(what_is_asked(question), words, question) is fits


@pytest.mark.parametrize("question, words, before, fits", [
    # a person of another office is no answer to "Who is the <office> ...?": by the words' title or the one before
    ("Who is the president of Azerbaijan?", "Secretary of State Antony Blinken", "", False),
    ("Who is the president of Azerbaijan?", "Antony Blinken", "“We are concerned,” Secretary of State ", False),
    ("Who is the president of Azerbaijan?", "Ilham Aliyev", "an adviser to Azerbaijani President ", True),
    ("Who is the president of Azerbaijan?", "Ilham Aliyev", "said ", True),  # no title: nothing contradicts
    ("Who is Azerbaijan's president?", "Hikmet Hajiyev, foreign policy adviser", "", False),
    ("Who is the president?", "Vice President Kamala Harris", "", False),  # "vice president" is its own office
    ("Who is the speaker of the House?", "House Majority Leader Steve Scalise", "", False),
    # one taking an office still carries the old title: not checked
    ("Who became the new prime minister?", "Foreign Secretary Liz Truss", "", True),
    ("Who is the new speaker of the House?", "Majority Whip Tom Emmer", "", True),
])
def test_a_person_of_another_office_is_no_answer(question: str, words: str, before: str, fits: bool) -> None:
    assert fits_question(what_is_asked(question), words, question, before) is fits


def test_no_span_for_other_questions_or_sentences_without_one() -> None:
    assert span("Why did the talks fail?", "The talks failed because Baku refused.") is None
    assert span("How many people were killed?", "Many people were killed in the attack.") is None
    assert span("Who won?", "Who won the match on Sunday?") is None  # a sentence that asks answers nothing


# --- the model's reply, parsed and checked -------------------------------------------------------------------------


def _sources(*texts: str) -> list[Source]:
    return [Source(i + 1, t, "a1", "Headline", "2023-09-19", 100 * i, 100 * i + len(t)) for i, t in enumerate(texts)]


CANDIDATES = _sources("Mubarak named a new cabinet on Monday.",
                      "Saturday's appointment of Omar Suleiman as vice president was a first.")


def test_words_copied_right_under_the_wrong_number_are_cited_to_their_sentence() -> None:
    got = pick.parse('{"sentence": 1, "answer": "Omar Suleiman"}', CANDIDATES)
    assert (got.n, got.text) == (2, "Omar Suleiman")


def test_a_pick_of_words_in_the_sentence() -> None:
    got = pick.parse(json.dumps({"sentence": 2, "answer": "omar  suleiman"}), CANDIDATES)
    assert (got.n, got.text) == (2, "Omar Suleiman")
    assert CANDIDATES[1].text[got.start:got.end] == "Omar Suleiman"
    assert pick.parse('{"sentence": 0, "answer": ""}', CANDIDATES).n == 0


@pytest.mark.parametrize("reply, reason", [
    ("Omar Suleiman [2]", "not JSON"),
    ('{"answer": "Omar Suleiman"}', "no sentence number"),
    ('{"sentence": 7, "answer": "Omar Suleiman"}', "not one of the candidates"),
    ('{"sentence": 2, "answer": "Suleiman, the spy chief"}', "is not in sentence 2"),
    ('{"sentence": 2, "answer": ""}', "is not in sentence 2"),
    ('{"sentence": true, "answer": "x"}', "no sentence number"),
    ('{"sentence": 2, "answer": "Omar Suleiman as"}', "stops mid-phrase"),  # a cut-off copy is no answer
    ('{"sentence": 2, "answer": "appointment of Omar Suleiman as vice president was a"}', "stops mid-phrase"),
    ('{"sentence": 2, "answer": "Saturday\'s appointment of Omar Suleiman as vice president wa"}',
     "stops mid-phrase"),  # the grammar's 60 characters reached: cut off mid-word
])
def test_a_reply_that_is_not_a_good_pick_is_refused(reply: str, reason: str) -> None:
    with pytest.raises(pick.PickError, match=reason):
        pick.parse(reply, CANDIDATES)


def test_the_schema_allows_only_the_candidates_and_none() -> None:
    shape = pick.schema([3, 5, 9])
    assert shape["properties"]["sentence"]["enum"] == [0, 3, 5, 9]
    assert shape["required"] == ["sentence", "answer"]
    assert response_format(shape, embedded=True) == {"type": "json_object", "schema": shape}
    assert response_format(shape, embedded=False)["json_schema"]["schema"] == shape


# --- the answerer over the seed store, with fake models ------------------------------------------------------------


class _Picker:
    """A chat model that answers a pick with a reply built from the candidates it was shown (or fails)."""

    description = "picking fake"

    def __init__(self, reply, fail: Exception | None = None) -> None:
        self.reply = reply  # callable: candidates -> reply text
        self.fail = fail
        self.schemas: list[dict] = []

    def stream(self, messages):
        yield "The articles don't say."

    def structured(self, messages, schema):
        self.schemas.append(schema)
        if self.fail is not None:
            raise self.fail
        yield self.reply(messages)


KILLED = "How many people were killed?"


def _answerer(settings, model, library: bool = False) -> Answerer:
    if not library:
        settings = settings.model_copy(update={"llm_cached_archive_chars": 0})
    return Answerer(settings, get_retriever(settings), get_embeddings(settings).encode, lambda: model)


def _candidate_with(answerer: Answerer, question: str, words: str) -> Source:
    evidence = answerer.router.gather(question, "llm")
    assert evidence.route == "search" and evidence.candidates, evidence.route
    return next(s for s in evidence.candidates if words in s.text)


def test_a_good_pick_leads_the_answer_with_its_sentence_under_it(seed_settings) -> None:
    holder: dict[str, Source] = {}
    model = _Picker(lambda _: json.dumps({"sentence": holder["s"].n, "answer": "25 people"}))
    answerer = _answerer(seed_settings, model)
    holder["s"] = _candidate_with(answerer, KILLED, "25 people")
    answer = answerer.ask(KILLED, mode="llm")
    n = holder["s"].n
    assert answer.text.startswith(f"25 people [{n}]\n\n") and holder["s"].text in answer.text, answer.text
    assert answer.short is not None and (answer.short.by, answer.short.n) == ("model", n)
    assert answer.citations[0].n == n and not answer.notes and not answer.abstained
    source = answer.citations[0]
    assert source.start <= answer.short.start < answer.short.end <= source.end
    assert model.schemas[0]["properties"]["sentence"]["enum"][0] == 0
    assert answer.to_json()["short_answer"]["text"] == "25 people"


def test_the_extractive_sentences_stay_in_view_under_the_picks_proof(seed_settings) -> None:
    """A pick is one sentence: the scorer's best sentences follow it, cited into the same numbered list, so a
    wrong pick never hides what the extractive answer shows."""
    posts = "How many military posts did Azerbaijan say it captured?"
    holder: dict[str, Source] = {}
    model = _Picker(lambda _: json.dumps({"sentence": holder["s"].n, "answer": "25 people"}))  # a wrong pick
    answerer = _answerer(seed_settings, model)
    holder["s"] = _candidate_with(answerer, posts, "25 people")
    answer = answerer.ask(posts, mode="llm")
    extractive = answerer.ask(posts, mode="extractive")
    assert "60 military posts" in extractive.text, extractive.text
    assert "60 military posts" in answer.text, answer.text
    lead, proof, *rest = answer.text.split("\n\n")
    assert lead.startswith("25 people") and holder["s"].text[:-1] in proof
    by_n = {s.n: s for s in answer.sources}
    assert len(by_n) == len(answer.sources)  # one numbered list: no number means two sentences
    for c in answer.citations:
        assert by_n[c.n] == c and f"[{c.n}]" in answer.text
    for c in extractive.citations:  # every sentence the extractive answer quotes is still there, cited
        assert c.text[:-1] in answer.text
        shown = next(s for s in answer.citations if (s.article_id, s.start) == (c.article_id, c.start))
        assert shown.text == c.text
    assert rest and "60 military posts" not in proof


def test_over_a_cached_archive_the_candidates_keep_its_sentence_numbers(seed_settings) -> None:
    """The bundled article is the model's cached prefix: the pick prompt follows it, and the candidates are written
    out under the archive's own numbers."""
    seen: list = []

    def reply(messages):
        seen.append(messages[-1].content)
        return json.dumps({"sentence": 0, "answer": ""})

    answerer = _answerer(seed_settings, _Picker(reply), library=True)
    answer = answerer.ask(KILLED, mode="llm")
    library = answerer.library()
    assert library is not None and seen[0].startswith(library.block)
    archive = {s.text: s.n for s in library.sources}
    listed = seen[0].split("Candidate sentences:", 1)[1]
    numbered = [line for line in listed.splitlines() if line.startswith("[")]
    texts = [re.sub(r"^\[\d+\] (?:\([^)]*\) )?", "", line) for line in numbered]  # "[n] (label) sentence"
    assert numbered and all(archive[t] == int(line[1:line.index("]")]) for t, line in zip(texts, numbered))
    assert any("found no answer" in note for note in answer.notes) and not answer.abstained


@pytest.mark.parametrize("reply, note", [
    (lambda _: "25 people were killed [2].", "not JSON"),
    (lambda _: json.dumps({"sentence": 99, "answer": "25 people"}), "not one of the candidates"),
    (lambda _: json.dumps({"sentence": 1, "answer": "a thousand people"}), "is not in sentence 1"),
    (lambda _: json.dumps({"sentence": 1, "answer": ""}), "is not in sentence 1"),
])
def test_a_bad_pick_gives_the_extractive_answer_with_a_note(seed_settings, reply, note) -> None:
    answer = _answerer(seed_settings, _Picker(reply)).ask(KILLED, mode="llm")
    extractive = _answerer(seed_settings, _Picker(reply)).ask(KILLED, mode="extractive")
    assert any(note in n for n in answer.notes), answer.notes
    assert answer.text == extractive.text and answer.citations and not answer.abstained
    assert "25 people" in answer.text and all(f"[{c.n}]" in answer.text for c in answer.citations)


@pytest.mark.parametrize("failure", [ModelFailure("the model did not respond within 120 s"),
                                     LLMError("connection refused"), RuntimeError("boom")])
def test_a_failing_model_gives_the_extractive_answer_with_a_note(seed_settings, failure) -> None:
    answer = _answerer(seed_settings, _Picker(None, fail=failure)).ask(KILLED, mode="llm")
    assert answer.notes and "extractive answer" in answer.notes[0], answer.notes
    assert "25 people" in answer.text and answer.citations and not answer.abstained


def test_none_answers_on_a_vague_match_is_an_abstention(seed_settings) -> None:
    model = _Picker(lambda _: json.dumps({"sentence": 0, "answer": ""}))
    answer = _answerer(seed_settings, model).ask("Which country did the UN Security Council sanction?", mode="llm")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations


@pytest.mark.parametrize("reply", [lambda _: "not json", lambda _: json.dumps(
    {"sentence": 1, "answer": "Armenia, which says its armed forces are not in Karabakh and"})])
def test_a_bad_pick_on_a_vague_match_is_what_extractive_mode_answers_an_abstention(seed_settings, reply) -> None:
    """The seed names no Security Council resolution: extractive mode declines, and so does LLM mode when the pick
    cannot be used (it showed a loosely matching sentence before)."""
    question = "What resolution did the UN Security Council adopt?"
    assert _answerer(seed_settings, _Picker(reply)).ask(question, mode="extractive").abstained
    answer = _answerer(seed_settings, _Picker(reply)).ask(question, mode="llm")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations and answer.notes


def test_the_extractive_mode_leads_with_the_words_too(seed_settings) -> None:
    answer = _answerer(seed_settings, _Picker(None)).ask(KILLED, mode="extractive")
    assert answer.short is not None and answer.short.by == "rules"
    assert answer.text.startswith(f"{answer.short.text} [{answer.short.n}]\n\n") and "25" in answer.short.text
    cited = {c.n: c for c in answer.citations}[answer.short.n]
    assert cited.start <= answer.short.start < answer.short.end <= cited.end


def test_questions_that_are_not_factoid_keep_the_written_answer(seed_settings) -> None:
    """An explanation is written by the model and checked by the guard, as before: no candidates, no pick."""
    model = _Picker(None)
    answerer = _answerer(seed_settings, model)
    evidence = answerer.router.gather("Why did Azerbaijan launch the operation?", "llm")
    assert evidence.candidates == []
    answerer.ask("Why did Azerbaijan launch the operation?", mode="llm")
    assert model.schemas == []


def _reply_with(words: str):
    """A pick of the first candidate line of the prompt that holds ``words``, copying them."""

    def reply(messages) -> str:
        line = next(x for x in messages[-1].content.splitlines() if x.startswith("[") and words in x)
        return json.dumps({"sentence": int(line[1:line.index("]")]), "answer": words})

    return reply


@pytest.mark.parametrize("words", ["been killed", "people"])
def test_words_that_only_repeat_the_question_are_no_answer(seed_settings, words: str) -> None:
    """"been killed" is in the sentence, but it is the question's own words, and no number: the extractive answer."""
    answer = _answerer(seed_settings, _Picker(_reply_with(words))).ask(KILLED, mode="llm")
    assert any("is not the number the question asks for" in n for n in answer.notes), answer.notes
    assert "25 people" in answer.text and answer.short is not None and answer.short.by == "rules"


def test_no_lead_from_a_sentence_that_names_nothing_the_question_asks_about() -> None:
    """"hundreds [1]" of a Mariupol hospital had led "How many hostages does Hamas hold?" (a week without the war's
    hostage count): a lead's sentence, or its headline, holds a name the question asks about."""
    from app.answer.compose import short_extractive

    question = "How many hostages does Hamas hold?"
    other = "Russian forces were holding hundreds of doctors and patients hostage in the hospital, Biden said."
    ours = "Hamas is holding about 200 hostages in Gaza, the Israeli military said."
    elsewhere = Source(1, other, "a", "Biden on Putin", "2022-03-16", 0, len(other), score=0.9)
    assert short_extractive(question, [elsewhere]) is None
    short = short_extractive(question, [Source(1, ours, "b", "The war", "2023-10-20", 0, len(ours), score=0.9)])
    assert short is not None and short.text.startswith("200")
    titled = "The group is holding about 200 hostages, the military said."  # the name in the headline
    short = short_extractive(question, [Source(1, titled, "c", "Hamas holds 200 hostages", "2023-10-20", 0,
                                               len(titled), score=0.9)])
    assert short is not None and short.text.startswith("200")


def test_a_pick_from_a_sentence_naming_nothing_asked_gives_the_extractive_answer(seed_settings) -> None:
    """The seed counts 25 dead by the separatists' word, not Turkey's: "25 people" is no answer to "How many people
    did Turkey say were killed?", and the extractive answer does not lead with it either."""
    question = "How many people did Turkey say were killed?"
    answer = _answerer(seed_settings, _Picker(_reply_with("25 people"))).ask(question, mode="llm")
    assert any("names nothing the question asks about" in n for n in answer.notes), answer.notes
    assert answer.short is None or "25" not in answer.short.text
    good = _answerer(seed_settings, _Picker(_reply_with("25 people"))).ask(KILLED, mode="llm")
    assert good.short is not None and good.short.by == "model" and good.short.text == "25 people"


def test_a_pick_whose_article_lead_names_what_is_asked_stands(seed_settings) -> None:
    """"Stepanakert" is in the seed's lead, not in the sentence counting the seized posts nor in the headline: the
    article is about what is asked, so the pick stands (a sentence of an article about something else is refused,
    as above)."""
    question = "How many military posts did the forces seize near Stepanakert?"
    answer = _answerer(seed_settings, _Picker(_reply_with("more than 60 military posts"))).ask(question, mode="llm")
    assert not answer.notes, answer.notes
    assert answer.short is not None and answer.short.by == "model" and "60" in answer.short.text


def test_a_pick_of_another_office_holder_gives_the_extractive_answer(seed_settings) -> None:
    """The packaged model picked "Antony Blinken" (Secretary of State) for the seed's "Who is the president of
    Azerbaijan?": refused, the extractive answer leads with Azerbaijan's president."""
    question = "Who is the president of Azerbaijan?"
    answer = _answerer(seed_settings, _Picker(_reply_with("Antony Blinken"))).ask(question, mode="llm")
    assert any("could not be used" in n for n in answer.notes), answer.notes
    assert answer.short is not None and answer.short.by == "rules" and answer.short.text == "Ilham Aliyev"


# --- auto: each route in the mode that scored higher (app.answer.answerer.ROUTE_MODES) ----------------------------


def test_auto_answers_each_route_in_its_measured_mode(seed_settings, monkeypatch) -> None:
    from app.answer import answerer as answering

    model = _Picker(_reply_with("25 people"))
    auto = _answerer(seed_settings.model_copy(update={"answer_mode": "auto"}), model)
    assert type(seed_settings).model_fields["answer_mode"].default == "auto"
    answer = auto.ask(KILLED)
    assert answer.mode == answering.route_mode("search") and answer.route == "search"
    monkeypatch.setitem(answering.ROUTE_MODES, "search", "llm")
    answer = auto.ask(KILLED)
    assert answer.mode == "llm" and answer.short is not None and answer.short.by == "model", answer.notes
    monkeypatch.setitem(answering.ROUTE_MODES, "search", "extractive")
    assert auto.ask(KILLED).mode == "extractive" and auto.ask(KILLED, mode="llm").mode == "llm"  # --mode overrides


# --- "When ...?": the words that say when, first (extractive rules and the model's pick) -------------------------


def test_the_words_that_say_when_are_the_expression_that_gave_the_sentence_its_date() -> None:
    sentence = ("Russia is in touch with both Azerbaijan and Armenia, Kremlin spokesman Dmitry Peskov said on "
                "Tuesday, a day after talks in 2022 failed.")
    day = dt.date(2023, 9, 19)
    found = when_span(sentence, "2023-09-19", day)
    assert found is not None and found.text == "Tuesday" and sentence[found.start:found.end] == "Tuesday"
    assert when_span(sentence, "2022", day).text == "2022"  # type: ignore[union-attr]
    assert when_span(sentence, "1990s", day) is None  # no expression of it resolves to that date


def test_a_span_counted_back_from_the_writing_does_not_say_when() -> None:
    """"in the past 170 years" (1853-08-28..2023-08-28) scores high for "When did Idalia make landfall?" but says
    how rare, not when: the lead is the best sentence that dates the event."""
    from app.answer.compose import short_when

    back = "Idalia could be the second major hurricane to make landfall there in the past 170 years, he said."
    day = "Idalia made landfall on Wednesday morning near Keaton Beach."
    sources = [Source(1, back, "a", "Idalia", "2023-08-28", 0, len(back), label="1853-08-28..2023-08-28", score=0.9),
               Source(2, day, "b", "Idalia", "2023-08-30", 0, len(day), label="2023-08-30", score=0.7)]
    short = short_when("When did Hurricane Idalia make landfall?", sources)
    assert short is not None and (short.text, short.n) == ("Wednesday", 2)
    decade = "The region saw an earlier conflict in the 1990s, he said."  # a period, not a span back from the day
    older = Source(3, decade, "c", "War", "2023-09-19", 0, len(decade), label="1990s", score=0.9)
    assert short_when("When was the earlier conflict?", [older]).text == "the 1990s"  # type: ignore[union-attr]


@pytest.mark.parametrize("words, fits", [("2020", True), ("Tuesday", True), ("the 1990s", True),
                                         ("the next 24 hours", True), ("Dmitry Peskov", False)])
def test_a_models_words_for_when_must_be_a_time(words: str, fits: bool) -> None:
    question = "When did Peskov make his comments?"
    assert fits_question(what_is_asked(question), words, question) is fits


def test_a_copied_date_label_is_the_sentences_own_expression_for_it() -> None:
    """A dated candidate is shown as "[n] (2023-09-19) ... said on Tuesday ...": a copy of the date is cited to the
    sentence's own words for it."""
    text = "Kremlin spokesman Dmitry Peskov said on Tuesday that Moscow was in touch with both sides."
    dated = [Source(1, text, "a1", "Headline", "2023-09-19", 500, 500 + len(text), label="2023-09-19")]
    got = pick.parse(json.dumps({"sentence": 1, "answer": "2023-09-19"}), dated)
    assert (got.text, text[got.start:got.end]) == ("Tuesday", "Tuesday")
    with pytest.raises(pick.PickError, match="not in sentence 1"):
        pick.parse(json.dumps({"sentence": 1, "answer": "2023-09-20"}), dated)


WHEN = "When was the latest war?"


def test_when_leads_with_the_words_that_say_when_in_both_modes(seed_settings) -> None:
    """Extractive mode by its rules, LLM mode by the model's pick among the dated sentences; either way the words
    are a span of the cited sentence and its resolved date is under them."""
    extractive = _answerer(seed_settings, _Picker(None)).ask(WHEN, mode="extractive")
    assert extractive.route == "timeline" and extractive.short is not None and extractive.short.by == "rules"
    assert extractive.text.startswith(f"2020 [{extractive.short.n}]\n\n2020: "), extractive.text

    holder: dict[str, Source] = {}
    model = _Picker(lambda _: json.dumps({"sentence": holder["s"].n, "answer": "2020"}))
    answerer = _answerer(seed_settings, model)
    evidence = answerer.router.gather(WHEN, "llm")
    assert evidence.route == "timeline" and evidence.candidates
    holder["s"] = next(s for s in evidence.candidates if s.label == "2020" and "latest in 2020" in s.text)
    answer = answerer.ask(WHEN, mode="llm")
    n = holder["s"].n
    assert answer.text.startswith(f"2020 [{n}]\n\n2020: ") and answer.short is not None, answer.text
    assert answer.short.by == "model" and not answer.notes
    assert model.schemas, "a When question on the timeline route is a pick in LLM mode"
    for short in (extractive.short, answer.short):
        cited = next(c for c in (extractive.citations + answer.citations) if c.n == short.n)
        article = get_retriever(seed_settings).store.article_text(cited.article_id)
        assert article is not None and article[short.start:short.end] == short.text == "2020"


def test_a_when_pick_that_is_not_a_time_gives_the_extractive_answer(seed_settings) -> None:
    model = _Picker(lambda messages: json.dumps({"sentence": 1, "answer": "Soviet Union"}))
    answer = _answerer(seed_settings, model).ask(WHEN, mode="llm")
    assert any("not the date or time" in n or "is not in sentence" in n for n in answer.notes), answer.notes
    assert answer.text.startswith("2020 [") and answer.short is not None and answer.short.by == "rules"


# --- headlines: the candidates' articles' headlines are numbered candidates too ------------------------------------


CRITICIZED = "Which country did the US criticize?"


def test_the_headline_of_a_candidates_article_is_a_numbered_candidate(seed_settings) -> None:
    """The headline is the article's own line, cited by its exact span, and it heads its article's candidates in
    the prompt instead of a "From ..." line."""
    answerer = _answerer(seed_settings, _Picker(None))
    evidence = answerer.router.gather(CRITICIZED, "llm")
    heads = [s for s in evidence.candidates if s.text == s.title]
    assert evidence.route == "search" and len(heads) == 1, evidence.candidates
    article = get_retriever(seed_settings).store.article_text(heads[0].article_id)
    assert article is not None and article[heads[0].start:heads[0].end] == heads[0].title
    listed = pick.format_candidates(evidence.candidates)
    assert f"[{heads[0].n}] {heads[0].title}" in listed and "From " not in listed, listed
    assert len(evidence.candidates) == answerer.router.candidate_limits[3] + 1  # beyond the sentences' count


def test_words_copied_from_a_headline_lead_the_answer_cited_to_it(seed_settings) -> None:
    holder: dict[str, Source] = {}
    model = _Picker(lambda _: json.dumps({"sentence": holder["s"].n, "answer": "Azerbaijan"}))
    answerer = _answerer(seed_settings, model)
    holder["s"] = next(s for s in answerer.router.gather(CRITICIZED, "llm").candidates if s.text == s.title)
    answer = answerer.ask(CRITICIZED, mode="llm")
    assert answer.short is not None and (answer.short.text, answer.short.n) == ("Azerbaijan", holder["s"].n)
    article = get_retriever(seed_settings).store.article_text(holder["s"].article_id)
    assert article is not None and article[answer.short.start:answer.short.end] == "Azerbaijan"
    assert answer.text.startswith(f"Azerbaijan [{holder['s'].n}]\n\n{holder['s'].title} [{holder['s'].n}]")


def test_over_a_cached_archive_a_headline_is_not_a_candidate(seed_settings) -> None:
    """A headline is not one of the archive's numbered sentences: over a cached archive the pick keeps to them, so
    the prompt stays the cached prefix plus the question."""
    seen: list = []

    def reply(messages):
        seen.append(messages[-1].content)
        return json.dumps({"sentence": 0, "answer": ""})

    answerer = _answerer(seed_settings, _Picker(reply), library=True)
    answerer.ask(CRITICIZED, mode="llm")
    library = answerer.library()
    assert library is not None and seen and seen[0].startswith(library.block)
    listed = seen[0].split("Candidate sentences:", 1)[1]
    title = library.sources[0].title
    assert f"] {title}" not in listed
