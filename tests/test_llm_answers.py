"""End to end with the real packaged LLM (Qwen2.5-Coder-1.5B GGUF, llama-cpp-python's server in a child process).

Generation runs in the supervised model process: if it crashes on this CPU, these tests fail with the process's
exit status in the answer's note (``The model failed: the model process crashed with SIGSEGV ...``) instead of
killing pytest.
"""

from __future__ import annotations

import pytest

from tests.conftest import SEED

pytestmark = pytest.mark.llm


def _assert_cited_exactly(answer) -> None:
    assert not any("model failed" in n or "LLM unavailable" in n or "LLM error" in n for n in answer.notes), answer.notes
    text = SEED.read_text(encoding="utf-8")
    assert answer.citations, answer.text
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert text[c.start : c.end] == c.text
    shown = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert shown <= {c.n for c in answer.citations}  # no citation number that does not exist


def test_russia(seed_chronicle) -> None:
    answer = seed_chronicle.ask("What did Russia say?", mode="llm")
    assert answer.mode == "llm" and not answer.abstained
    lowered = answer.text.lower()
    assert "stop fighting" in lowered or "stop the fighting" in lowered
    assert "negotiation" in lowered and "civilian" in lowered
    _assert_cited_exactly(answer)


def test_turkey_followup(seed_chronicle) -> None:
    answer = seed_chronicle.ask(
        "And Turkey?", history=[("What did Russia say?", "Russia called for all sides to stop fighting [1].")], mode="llm"
    )
    assert answer.standalone_question == "What did Turkey say?"
    assert "territorial integrity" in answer.text
    _assert_cited_exactly(answer)


def test_china_abstains(seed_chronicle) -> None:
    answer = seed_chronicle.ask("What did China say?", mode="llm")
    assert answer.abstained and not answer.citations and answer.notes == []
    assert "don't say" in answer.text


def test_us_aliases_are_attributed(seed_chronicle) -> None:
    answer = seed_chronicle.ask("What did the US say?", mode="llm")
    lowered = answer.text.lower()
    assert "deeply concerned" in lowered and "unacceptable" in lowered
    _assert_cited_exactly(answer)


def test_search_route_number(seed_chronicle) -> None:
    answer = seed_chronicle.ask("How many people were killed according to the separatist authorities?", mode="llm")
    assert "25" in answer.text
    _assert_cited_exactly(answer)


def test_answerable_number_is_answered_not_abstained(seed_chronicle) -> None:
    """The model alone abstained here; the verified quote is shown instead (with a note when the model abstains)."""
    answer = seed_chronicle.ask("How many people were injured in Baku's military action?", mode="llm")
    assert not answer.abstained and "80" in answer.text
    _assert_cited_exactly(answer)


# --- issue 26: the model picks a candidate sentence and copies the words that answer --------------------------------


def test_a_factoid_answer_is_picked_and_copied_under_the_grammar(seed_chronicle) -> None:
    """The real server applies the JSON schema: the reply is a pick, its words are in the cited sentence, and they
    lead the answer (the sentence under them)."""
    answer = seed_chronicle.ask("Which country launched a military operation in Nagorno-Karabakh?", mode="llm")
    assert not any("could not be used" in n for n in answer.notes), answer.notes
    assert answer.short is not None and answer.short.by == "model", (answer.text, answer.notes)
    assert "Azerbaijan" in answer.short.text
    assert answer.text.startswith(f"{answer.short.text} [{answer.short.n}]")
    cited = {c.n: c for c in answer.citations}[answer.short.n]
    article = SEED.read_text(encoding="utf-8")
    assert cited.start <= answer.short.start < answer.short.end <= cited.end
    assert article[answer.short.start:answer.short.end] == answer.short.text
    _assert_cited_exactly(answer)


def test_when_is_answered_by_the_words_that_say_when(seed_chronicle) -> None:
    """"When ...?" on the timeline route: the model picks a dated sentence and copies its time words (or the date
    shown beside it, cited to the sentence's own words for it); the date they resolve to is under them."""
    answer = seed_chronicle.ask("When did Kremlin spokesman Dmitry Peskov make his comments?", mode="llm")
    assert answer.route == "timeline" and not any("could not be used" in n for n in answer.notes), answer.notes
    assert answer.short is not None and answer.short.by == "model", (answer.text, answer.notes)
    assert answer.short.text == "Tuesday" and "2023-09-19: " in answer.text, answer.text
    article = SEED.read_text(encoding="utf-8")
    assert article[answer.short.start:answer.short.end] == "Tuesday"
    _assert_cited_exactly(answer)


def test_the_model_server_constrains_a_reply_to_the_schema(seed_chronicle) -> None:
    """Straight to the embedded model: a question the candidates cannot answer still gets JSON of the schema."""
    import json

    from langchain_core.messages import HumanMessage, SystemMessage

    from app.answer import pick
    from app.answer.llm.client import get_chat_model

    model = get_chat_model(seed_chronicle.settings)
    messages = [SystemMessage("Reply in JSON."), HumanMessage("Candidate sentences:\n[4] The sky is blue.\n\n"
                                                              "Question: Who won the 1998 World Cup?")]
    raw = "".join(model.structured(messages, pick.schema([4])))
    data = json.loads(raw)
    assert set(data) == {"sentence", "answer"} and data["sentence"] in (0, 4), raw


def test_the_default_mode_answers_search_with_the_model_and_statements_without(seed_settings) -> None:
    """"auto" (what a user gets without configuration) answers each route in its measured mode (ROUTE_MODES): a
    factoid search question with the real model's pick, "What did Russia say?" with the extractive statements."""
    from app.chronicle import Chronicle

    auto = Chronicle(seed_settings.model_copy(update={"answer_mode": "auto"}))
    answer = auto.ask("Which country launched a military operation in Nagorno-Karabakh?")
    assert answer.mode == "llm" and answer.route == "search", (answer.mode, answer.route, answer.notes)
    assert answer.short is not None and answer.short.by == "model" and "Azerbaijan" in answer.short.text
    _assert_cited_exactly(answer)
    said = auto.ask("What did Russia say?")
    assert said.mode == "extractive" and said.route == "statements" and "stop" in said.text.lower()
    _assert_cited_exactly(said)
