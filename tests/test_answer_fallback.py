"""What the user sees when the model abstains: a deterministic fake chat model over the real seed store.

The 1.5B model says "The articles don't say." on answerable questions (9 of 57 on evalsets/seed.jsonl); when the
sources alone pass the extractive mode's relevance gate, the verified quoted sentences are shown instead, with a
note. When they don't, the abstention stands. (The real model is exercised in tests/test_llm_answers.py.)
"""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from app.answer.answerer import ABSTAIN_TEXT, Answerer
from app.answer.llm.client import LangChainChat
from app.query.retrieval import get_retriever
from app.store.registry import get_embeddings


def _answerer(settings, reply: str) -> Answerer:
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)] * 10))
    return Answerer(settings, get_retriever(settings), get_embeddings(settings).encode, lambda: LangChainChat(model))


def test_abstaining_model_on_a_clear_question_shows_the_quoted_sentence(seed_settings) -> None:
    answer = _answerer(seed_settings, "The articles don't say.").ask("How many people were injured in Baku's military action?", mode="llm")
    assert not answer.abstained and "80 injured" in answer.text
    assert any("found no answer" in n for n in answer.notes)
    assert answer.citations and all(f"[{c.n}]" in answer.text for c in answer.citations)
    assert all(c.text.rstrip(".") in answer.text for c in answer.citations)  # quoted verbatim


def test_abstaining_model_on_a_vague_match_still_abstains(seed_settings) -> None:
    answer = _answerer(seed_settings, "The articles don't say.").ask("What resolution did the UN Security Council adopt?", mode="llm")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations


def test_a_cited_model_answer_is_kept(seed_settings) -> None:
    reply = "Separatist authorities said 25 people had been killed, including two civilians [1]."
    answer = _answerer(seed_settings, reply).ask("How many people were killed?", mode="llm")
    assert not answer.abstained and "25 people" in answer.text and not answer.notes
