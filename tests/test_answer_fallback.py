"""What the user sees when the model abstains: a deterministic fake chat model over the real seed store.

The 1.5B model says "The articles don't say." on answerable questions (9 of 57 on evalsets/seed.jsonl); when the
sources alone pass the extractive mode's relevance gate, the verified quoted sentences are shown instead, with a
note. When they don't, the abstention stands. (The real model is exercised in tests/test_llm_answers.py.)
"""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from app.answer.answerer import ABSTAIN_TEXT, Answerer
from app.answer.llm.client import LangChainChat
from app.query.retrieval import get_retriever
from app.store.registry import get_embeddings


def _answerer(settings, reply: str) -> Answerer:
    settings = settings.model_copy(update={"llm_pick": False})  # the written answer (the pick: tests/test_pick.py)
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


# --- issue 19: the model's wider evidence on the search route ---------------------------------------------------


class _Recording:
    """A chat model that records the prompt it is given and replies with a fixed text."""

    description = "recording fake"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.seen: list = []

    def stream(self, messages):
        self.seen.append(messages)
        yield self.reply


def _recording(settings, reply: str, library: bool = False) -> tuple[Answerer, _Recording]:
    """A recording model. Without ``library`` the archive is not the cached prefix, so the prompt is the one an
    archive too large for it gets (what the issue-19 tests below are about)."""
    if not library:
        settings = settings.model_copy(update={"llm_cached_archive_chars": 0})
    settings = settings.model_copy(update={"llm_pick": False})  # the written answer (the pick: tests/test_pick.py)
    model = _Recording(reply)
    return Answerer(settings, get_retriever(settings), get_embeddings(settings).encode, lambda: model), model


def _wide(settings):
    return settings.model_copy(update={"llm_wide_evidence": True})


def test_the_wide_evidence_is_off_by_default(seed_settings) -> None:
    """Measured worse with the packaged model (app.config): by default the model reads the strict selection."""
    answerer, model = _recording(seed_settings, "The articles don't say.")
    evidence = answerer.router.gather("Were inhabitants of villages evacuated?", "llm")
    assert evidence.wide == [] and evidence.model_sources == evidence.sources


def test_the_model_reads_more_than_the_extractive_selection(seed_settings) -> None:
    """Search route, LLM mode, CHRONICLE_LLM_WIDE_EVIDENCE: the model's sources hold the extractive scorer's two
    best sentences and the best sentence of further passages; a model answer citing one of the extra sentences is
    verified against it."""
    question = "Were inhabitants of villages evacuated?"
    answerer, model = _recording(_wide(seed_settings), "The articles don't say.")
    evidence = answerer.router.gather(question, "llm")
    assert evidence.route == "search" and evidence.sources
    strict = {(s.article_id, s.start) for s in evidence.sources}
    wide = {(s.article_id, s.start) for s in evidence.wide}
    best_two = {(s.article_id, s.start) for s in sorted(evidence.sources, key=lambda s: -s.score)[:2]}
    assert best_two <= wide and len(wide - strict) >= 2, (len(strict), len(wide))
    assert [s.n for s in evidence.wide] == list(range(1, len(evidence.wide) + 1))
    assert len({s.text for s in evidence.wide}) == len(evidence.wide)
    extra = next(s for s in evidence.wide if (s.article_id, s.start) not in strict)
    answerer, model = _recording(_wide(seed_settings), f"{extra.text.rstrip('.')} [{extra.n}].")
    answer = answerer.ask(question, mode="llm")
    prompt = model.seen[0][1].content
    assert all(f"[{s.n}] " in prompt for s in evidence.wide)
    assert not answer.abstained and [c.text for c in answer.citations] == [extra.text], answer.text
    assert [s.text for s in answer.sources] == [s.text for s in evidence.wide]  # what its [n] refer to
    assert extractive_only(answerer, question) == [s.text for s in evidence.sources]  # extractive mode unchanged


def extractive_only(answerer: Answerer, question: str) -> list[str]:
    return [s.text for s in answerer.router.gather(question, "extractive").sources]


def test_the_fallback_still_quotes_the_strict_selection(seed_settings) -> None:
    """A model answer with no verifiable citation falls back to the extractive answer: the strict sentences, with
    their own numbers, whatever the model was shown."""
    answerer, _ = _recording(seed_settings, "Something happened somewhere [9].")
    answer = answerer.ask("How many people were injured in Baku's military action?", mode="llm")
    assert not answer.abstained and "80 injured" in answer.text
    assert any("no verifiable citation" in n for n in answer.notes)
    strict = answerer.router.gather("How many people were injured in Baku's military action?", "extractive").sources
    assert [s.text for s in answer.sources] == [s.text for s in strict]
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


@pytest.mark.parametrize("wide", [False, True])
def test_a_factoid_question_asks_for_a_short_answer_that_begins_with_it(seed_settings, wide: bool) -> None:
    """With the strict evidence (the default) as with the wide one."""
    answerer, model = _recording(_wide(seed_settings) if wide else seed_settings, "The articles don't say.")
    answerer.ask("Which country launched a military operation in Nagorno-Karabakh?", mode="llm")
    answerer.ask("What did Blinken say about the humanitarian situation?", mode="llm")
    factoid, other = (m[1].content for m in model.seen)
    assert factoid.endswith("Begin your one sentence with the country.")
    assert "Begin" not in other
    assert model.seen[0][0].content == model.seen[1][0].content  # one fixed system prompt: a cached prefix


# --- issue 19: a small archive is the model's cached prompt prefix ---------------------------------------------


def test_a_small_archive_is_the_same_prompt_prefix_for_every_question(seed_settings) -> None:
    """The seed article (~6,900 characters) fits: every prompt starts with the system prompt and the whole numbered
    article, and a question adds only itself, the numbers of the route's sentences and its cue."""
    answerer, model = _recording(seed_settings, "The articles don't say.", library=True)
    library = answerer.library()
    assert library is not None and len(library.sources) > 30
    questions = ["Which country launched a military operation in Nagorno-Karabakh?",
                 "What did Blinken say about the humanitarian situation?", "What happened in the 2020 war?"]
    for q in questions:
        answerer.ask(q, mode="llm")
    prompts = [m[1].content for m in model.seen]
    opening = f"{library.block}\n\n"
    assert all(p.startswith(opening) for p in prompts)
    tails = [p[len(opening):] for p in prompts]
    assert all(len(t) < 400 for t in tails), tails  # the question part: ~30-60 tokens, not four sentences
    assert "Begin your one sentence with the country" in tails[0] and "Begin" not in tails[1]
    assert all("Read these sources first: [" in t for t in tails[:2])
    assert [m[0].content for m in model.seen] == [answerer.prefix()[0].content] * 3
    assert answerer.prefix()[1].content == opening  # what the chat's prewarm evaluates
    # Too large an archive (here: a limit below the article's size) gets the usual prompt.
    small, model = _recording(seed_settings.model_copy(update={"llm_cached_archive_chars": 2000}), "x", library=True)
    assert small.library() is None
    small.ask(questions[0], mode="llm")
    assert model.seen[0][1].content.startswith("Sources:\n") and "Read these sources first" not in model.seen[0][1].content


def test_an_answer_over_the_cached_archive_cites_its_sentences_and_is_guarded(seed_settings) -> None:
    """The model may cite any sentence of the archive; the guard checks each citation against it, and the route's
    labels (the speaker of a statement) stay with the sentences it chose."""
    answerer, _ = _recording(seed_settings, "", library=True)
    library = answerer.library()
    killed = next(s for s in library.sources if "25 people had been killed" in s.text)
    turkey = next(s for s in library.sources if "Turkey, which backs Azerbaijan" in s.text)
    reply = f"25 people had been killed, including two civilians [{killed.n}]. Iran backs Azerbaijan [{turkey.n}]."
    answerer, model = _recording(seed_settings, reply, library=True)
    answer = answerer.ask("How many people were killed?", mode="llm")
    assert answer.text == f"25 people had been killed, including two civilians [{killed.n}].", answer.text
    assert [c.text for c in answer.citations] == [killed.text]
    assert any("removed by the citation guard" in n for n in answer.notes)
    pointed = model.seen[0][1].content.rsplit("Read these sources first:", 1)[1]
    assert all(f"[{s.n}]" in pointed for s in answer.sources)  # what the route chose, in the archive's numbers
    # A statement keeps its speaker as the label the guard reads.
    answerer, model = _recording(seed_settings, "The articles don't say.", library=True)
    answerer.ask("What did Russia say?", mode="llm")
    tail = model.seen[0][1].content.rsplit("Question:", 1)[1]
    assert "Say what Russia said." in tail and "Russia" in tail.split("Read these sources first:")[1]


def test_a_one_shot_cli_question_does_not_cache_the_archive(seed_settings) -> None:
    """`python -m app ask` starts a model process for one question: caching the whole article first would only
    make that question wait for ~1,800 tokens of prefill."""
    from app.cli import one_shot

    answerer, model = _recording(one_shot(seed_settings), "The articles don't say.", library=True)
    assert answerer.library() is None
    answerer.ask("How many people were killed?", mode="llm")
    assert "Read these sources first" not in model.seen[0][1].content
