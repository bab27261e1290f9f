"""Answering: question -> route -> numbered sources -> (LLM | extractive) -> citation guard -> Answer.

The routes (app.answer.routes) gather the evidence; the LLM only phrases what the sources say, and the guard
(app.answer.citations) verifies every [n]. If the LLM's answer loses all its claims, the extractive answer
(app.answer.compose) is shown instead, with a note saying so; likewise when it abstains although the sources alone
pass the extractive mode's stricter relevance gate (measured on evalsets/seed.jsonl: the packaged 1.5B model
abstained on 9 of 51 answerable questions; with this, LLM-mode pass rate 0.74 -> 0.88), and when the model process
fails mid-answer.

A question that asks for one thing (who / which / where / how many ...) gets candidates instead of a written answer
in LLM mode: the model picks the sentence and copies the words that answer (app.answer.pick, issue 26), and the
reader sees those words first, the sentence under them; the extractive mode leads with the same kind of words when
its rules find them unambiguously (app.text.answer_spans). ``auto`` (the default mode) answers each route in the
mode that scored higher on the measured sets (ROUTE_MODES).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.answer import pick, prompts
from app.answer.citations import GuardResult, cite, is_abstention, strip_unknown_markers, verify, verify_lines
from app.answer.compose import (
    complete_statements,
    compose_extractive,
    compose_story,
    compose_timeline,
    lead_with,
    names_something_asked,
    short_extractive,
    short_when,
)
from app.answer.followup import followup_focus, rewrite_followup
from app.answer.library import Library, build_library
from app.answer.llm.base import ChatModel, LLMError, ModelFailure
from app.answer.llm.pool import Lease, ModelPool, single
from app.answer.question_checks import QuestionError, check_question
from app.answer.routes import Evidence, Router
from app.config import Settings
from app.query.retrieval import HybridRetriever
from app.records import ModelWait, Passage, ShortAnswer, Source
from app.text.answer_spans import fits_question
from app.text.asking import what_is_asked

ABSTAIN_TEXT = "The articles don't say."
History = list[tuple[str, str]]

# The default mode ("auto") of each route: the one that answered more questions right on the measured sets (issue 26;
# the README's "Which mode answers" has the table). Right answers, extractive / LLM, on the same questions:
# - search: 25 / 25 on the seed eval (28 questions) and 38 / 43 on all 250 RealTimeQA dev questions (202 on this
#   route; only the LLM right 5, only extractive 0: the model picks from more candidates and its answer keeps the
#   extractive sentences under its proof): the model;
# - timeline: 11 / 11 on the seed, 2 / 2 on RealTimeQA (38), 44 / 49 on the first 100 TimeQA dev questions (97 on
#   this route; only the LLM 6, only extractive 1): the model;
# - statements 14 / 14, claim 3 / 3: ties, which go to the extractive answer (the model has to earn its seconds:
#   first token p50 6.0 s on 2 cores against ~0.1 s).
# The story route is extractive in both modes. ``--mode llm|extractive`` (or the chat's radio, or
# CHRONICLE_ANSWER_MODE) overrides it for every route; without a model (none configured, or it fails) an LLM-mode
# answer is the extractive one with a note.
ROUTE_MODES = {"search": "llm", "timeline": "llm", "statements": "extractive", "claim": "extractive",
               "story": "extractive"}


def route_mode(route: str) -> str:
    """The mode an "auto" answer takes on a route."""
    return ROUTE_MODES.get(route, "extractive")


def uses_model(mode: str) -> bool:
    """Will answers in ``mode`` call the model (so the model process is worth starting and warming)?"""
    return mode == "llm" or (mode == "auto" and "llm" in ROUTE_MODES.values())


@dataclass(frozen=True)
class Answer:
    """What the user sees, plus what an evaluation needs to judge it."""

    text: str
    citations: list[Source]
    mode: str
    abstained: bool
    route: str
    question: str
    standalone_question: str
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    model: str = ""
    as_of: dt.date | None = None
    short: ShortAnswer | None = None  # a factoid question's answer words, inside citation short.n

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "citations": [s.to_citation() for s in self.citations],
            "mode": self.mode,
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "abstained": self.abstained,
            "route": self.route,
            "question": self.question,
            "standalone_question": self.standalone_question,
            "notes": self.notes,
            "model": self.model,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "short_answer": self.short.to_json() if self.short else None,
        }


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


@dataclass
class _Turn:
    """One question on its way to an Answer: what every exit needs to build it."""

    question: str
    standalone: str
    mode: str
    evidence: Evidence
    started: float
    timings: dict[str, float]
    model: str = ""
    as_of: dt.date | None = None

    def answer(self, text: str, cited: list[Source], abstained: bool, notes: list[str] | None = None,
               sources: list[Source] | None = None, short: ShortAnswer | None = None) -> Answer:
        """``sources``: the numbered sources the text's [n] refer to (default: the evidence's strict ones). The
        evidence's note comes first in every answer of the turn, whichever mode and exit built it."""
        if self.evidence.note and self.evidence.note not in (notes or []):
            notes = [self.evidence.note, *(notes or [])]
        self.timings["total_ms"] = _ms(self.started)
        self.timings.setdefault("first_token_ms", self.timings["total_ms"])
        return Answer(text, cited, self.mode, abstained, self.evidence.route, self.question, self.standalone,
                      self.timings, self.evidence.passages, self.evidence.sources if sources is None else sources,
                      notes or [], self.model, self.as_of, short)

    def extractive(self, composed: str, notes: list[str] | None = None) -> Answer:
        """The no-model answer: the composed sentences after the guard, led by a factoid question's answer words
        when the rules find them in a quoted sentence (app.answer.compose.short_extractive)."""
        sources = self.evidence.sources
        guarded = verify_lines(composed, sources) if self.evidence.route == "story" else verify(composed, sources)
        if guarded.empty:
            return self.answer(ABSTAIN_TEXT, [], True, notes)
        route = self.evidence.route
        short = (short_extractive(self.standalone, sources) if route == "search"
                 else short_when(self.standalone, sources) if route == "timeline" else None)
        if short is not None and short.n not in {c.n for c in guarded.cited}:
            short = None
        return self.answer(lead_with(short, guarded.text), guarded.cited, False, notes, short=short)


    def also(self, composed: str, proof: Source, numbered: list[Source]) -> tuple[str, list[Source], list[Source]]:
        """The extractive answer's sentences other than the pick's proof, to show under it: (their cited text,
        them, ``numbered`` with those it lacked appended). A pick is one sentence; the scorer's best sentences stay
        in view beside it, so a wrong pick never hides what the extractive answer would have shown (RealTimeQA
        weeks 1-2: of 4 questions only extractive got right, 3 had the gold in its sentences, not the pick's)."""
        guarded = verify(composed, self.evidence.sources)
        by_span = {(s.article_id, s.start): s for s in numbered}
        numbered = list(numbered)
        texts: list[str] = []
        cited: list[Source] = []
        for s in guarded.cited:
            key = (s.article_id, s.start)
            if key == (proof.article_id, proof.start):
                continue
            same = by_span.get(key)
            if same is None:
                same = replace(s, n=max(c.n for c in numbered) + 1)  # over a cached archive: its numbers
                numbered.append(same)
                by_span[key] = same
            texts.append(cite(same.text, same.n))
            cited.append(same)
        return " ".join(texts), cited, numbered


def _failure_note(exc: Exception) -> str:
    """What the reader is told when the model fails mid-answer (the extractive answer is shown instead)."""
    if isinstance(exc, ModelFailure):
        return f"The model failed: {exc}. Showing the extractive answer."
    if isinstance(exc, LLMError):
        return f"LLM unavailable ({exc}); showing the extractive answer."
    return f"LLM error ({type(exc).__name__}: {exc}); showing the extractive answer."


def _record_prompt(turn: _Turn, model: ChatModel) -> None:
    """The embedded model's last prompt: its tokens and those prefilled anew (what the first token waited for)."""
    size = model.last_prompt() if hasattr(model, "last_prompt") else None
    if size is not None:
        turn.timings["prompt_tokens"] = float(size.tokens)
        turn.timings["prefill_tokens"] = float(size.prefilled)


def _over_library(library: Library | None, user: str) -> list[BaseMessage]:
    """The system prompt, then the cached archive (if any), then ``user``: the prewarm and every question over the
    archive build their prompt here, so they share the prefix token for token."""
    opening = f"{library.block}\n\n" if library is not None else ""
    return [SystemMessage(prompts.load("system")), HumanMessage(opening + user)]


class Answerer:
    """Holds the retriever, the embedding encoder and (lazily) the chat model."""

    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        encode: Callable[[list[str]], np.ndarray],
        chat_model_factory: Callable[[], ChatModel],
    ) -> None:
        self.settings = settings
        self.router = Router(retriever, encode, settings.k)
        self._chat_model_factory = chat_model_factory
        self._library: Library | None = None
        self._library_generation: str | None = None

    # --- public ---------------------------------------------------------------------------------------------

    def ask(
        self, question: str, history: History | None = None, mode: str | None = None, as_of: dt.date | None = None
    ) -> Answer:
        answer = None
        for item in self.stream(question, history, mode, as_of):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self, question: str, history: History | None = None, mode: str | None = None, as_of: dt.date | None = None
    ) -> Iterator[str | Answer | ModelWait]:
        """Yield text deltas while the model writes, then the verified Answer (whose text may differ); while an
        answer waits for the model, ModelWait records (its place in line) before any text. ``as_of``: the day the
        question is asked on ("this week" is the week before it; later articles are not used)."""
        t0 = time.perf_counter()
        mode = mode or self.settings.answer_mode
        try:
            question = check_question(question, self.settings.max_question_chars)
        except QuestionError as exc:
            yield Answer(str(exc), [], mode, True, "refused", (question or "")[:200], "", {"total_ms": _ms(t0)})
            return
        standalone = rewrite_followup(question, history or [])
        focus = followup_focus(question, history or [])
        timings = {"rewrite_ms": _ms(t0)}
        t1 = time.perf_counter()
        evidence = self.router.gather(standalone, "llm" if mode == "auto" else mode, as_of, focus)
        timings["retrieve_ms"] = _ms(t1)
        if mode == "auto":  # the route decides; an extractive answer needs the stricter gate the LLM one does not
            mode = route_mode(evidence.route)
            if mode == "extractive" and evidence.route == "search" and not evidence.sure:
                evidence = replace(evidence, sources=[], candidates=[], wide=[])
        turn = _Turn(question, standalone, mode, evidence, t0, timings, as_of=as_of)

        if not evidence.sources:
            text = evidence.message or ABSTAIN_TEXT  # "Nothing new since ..." says why there is nothing to cite
            yield text
            yield turn.answer(text, [], abstained=True)
            return
        sources = evidence.sources
        extractive = (compose_timeline(sources, standalone) if evidence.route == "timeline"
                      else compose_story(sources) if evidence.route == "story"
                      else compose_extractive(evidence.route, sources))
        # A story timeline is its articles' own sentences, one per key date: rewriting a dozen dated lines would
        # cost the model a minute here and add nothing the citations do not already show.
        if mode == "extractive" or evidence.route == "story":
            answer = turn.extractive(extractive)
            timings["first_token_ms"] = _ms(t0)
            yield answer.text
            yield answer
            return
        if evidence.candidates:
            yield from self._pick_answer(turn, extractive)
            return
        yield from self._llm_answer(turn, extractive)

    # --- LLM ------------------------------------------------------------------------------------------------

    def library(self) -> Library | None:
        """The whole archive as the model's cached prefix, when it is small enough (rebuilt after each ingest)."""
        retriever = self.router.base
        generation = retriever.generation
        if generation != self._library_generation:
            # ~3 characters a token at worst, and room for the system prompt, the question part and the answer
            fits = (self.settings.llm_n_ctx - 600 - self.settings.llm_max_tokens) * 3
            self._library = build_library(retriever, min(self.settings.llm_cached_archive_chars, fits))
            self._library_generation = generation
        return self._library

    def prefix(self) -> list[BaseMessage]:
        """What every prompt starts with: the system prompt, and the archive when it is the cached prefix (what
        the model process evaluates when the chat starts)."""
        return _over_library(self.library(), "")

    def _prompt(self, turn: _Turn) -> tuple[list[Source], list[Source], list[BaseMessage]]:
        """(every source the model may cite, the route's sources in that numbering, the messages). Questions asked
        as of a day see part of the archive only: they get the usual prompt."""
        evidence = turn.evidence
        library = self.library() if turn.as_of is None else None
        if library is None:
            return evidence.model_sources, evidence.model_sources, self.messages(turn.standalone, evidence)
        citable, pointed, extra = library.point(evidence.model_sources)
        user = prompts.render_pointers(turn.standalone, pointed, extra, evidence.route, evidence.speaker,
                                       evidence.instruction)
        return citable, pointed + extra, _over_library(library, user)

    @staticmethod
    def messages(question: str, evidence: Evidence) -> list[BaseMessage]:
        """The fixed system prompt first, then the sources, then the question: the system prompt and the user
        template's opening are the same for every question, and llama.cpp reuses that prefix's KV cache, so only
        the sources and the question are prefilled (app.answer.llm.client)."""
        if evidence.route == "statements":
            block = prompts.format_sources(evidence.sources)
            user = prompts.render("statements", sources=block, question=question, actor=evidence.speaker)
        elif evidence.route == "timeline":
            block = prompts.format_sources(evidence.sources)
            user = prompts.render("timeline", sources=block, question=question, instruction=evidence.instruction)
        elif evidence.route == "search":
            user = prompts.render_search(prompts.format_by_article(evidence.model_sources), question)
        else:
            user = prompts.render("answer", sources=prompts.format_sources(evidence.sources), question=question)
        return [SystemMessage(prompts.load("system")), HumanMessage(user)]

    def _line(self) -> ModelPool:
        """The model endpoints' fair line (a bare ChatModel, a fake in tests, gets a line of its own)."""
        model = self._chat_model_factory()
        return model if isinstance(model, ModelPool) else single(model)

    @staticmethod
    def _wait(turn: _Turn, pool: ModelPool) -> Generator[ModelWait, None, Lease]:
        """Wait for a free endpoint, yielding the reader's place in line; the time waited is ``model_wait_ms``."""
        t0 = time.perf_counter()
        lease = yield from pool.wait()
        turn.timings["model_wait_ms"] = _ms(t0)
        return lease

    def _llm_answer(self, turn: _Turn, extractive: str) -> Iterator[str | Answer | ModelWait]:
        from app.answer.llm.client import describe_model

        turn.model = describe_model(self.settings)
        citable, chosen, messages = self._prompt(turn)
        valid = {s.n for s in citable}
        raw, notes = "", []
        try:
            model = self._line()
            lease = yield from self._wait(turn, model)
            try:
                t_llm = time.perf_counter()
                shown = ""
                for piece in lease.stream(messages):
                    turn.timings.setdefault("first_token_ms", _ms(turn.started))
                    raw += piece
                    visible = strip_unknown_markers(raw, valid)
                    if visible.startswith(shown):
                        delta, shown = visible[len(shown) :], visible
                        if delta:
                            yield delta
                turn.timings["llm_ms"] = _ms(t_llm)
            finally:
                lease.release()
            _record_prompt(turn, model)
        except Exception as exc:  # noqa: BLE001 - a model error must not lose the answer
            raw, notes = "", [_failure_note(exc)]
        yield self._judge(turn, raw, extractive, notes, citable, chosen)

    def _judge(self, turn: _Turn, raw: str, extractive: str, notes: list[str], citable: list[Source],
               chosen: list[Source]) -> Answer:
        """The model's text after the guard (which checks its [n] against ``citable``), or the extractive fallback
        (quoting the strict sources), or the abstention. ``chosen``: the route's sources, numbered as the model
        saw them."""
        guarded: GuardResult | None = verify(raw, citable, repair_from=chosen) if raw else None
        abstains = bool(raw) and is_abstention(raw) and (guarded is None or guarded.empty)
        if abstains and not turn.evidence.sure:
            return turn.answer(ABSTAIN_TEXT, [], True, notes)
        if abstains:
            # The 1.5B model says "don't say" on answerable questions: the quoted sentences still pass the
            # extractive mode's stricter gate, so they are shown.
            notes.append("The model found no answer in the sources; showing the sentences that match the question.")
        elif guarded is None or guarded.empty:
            if raw:
                notes.append("The model's answer had no verifiable citation; showing the quoted sentences instead.")
        else:
            text, cited = guarded.text, guarded.cited
            if guarded.dropped_claims:
                notes.append(f"{len(guarded.dropped_claims)} unsupported sentence(s) removed by the citation guard.")
            if turn.evidence.route == "statements":
                text, cited = complete_statements(text, cited, chosen)
            return turn.answer(text, cited, False, notes, sources=chosen)
        return turn.extractive(extractive, notes)

    # --- LLM: select and extract (a factoid question on the search route) --------------------------------------

    def _pick_prompt(self, turn: _Turn) -> tuple[list[Source], list[BaseMessage]]:
        """(the candidates as the model sees them numbered, the messages). Over a cached archive they keep the
        archive's numbers (its sentences are already in the prompt's cached prefix)."""
        candidates = turn.evidence.candidates
        kind = prompts.pick_kind(turn.standalone)
        library = self.library() if turn.as_of is None else None
        if library is not None:
            # a headline is not one of the archive's numbered sentences, and writing it out after them would cost
            # more than it brings over a small archive (the cached block shows each article's headline already)
            _, pointed, extra = library.point([s for s in candidates if s.text.strip() != s.title.strip()])
            if not extra:
                return pointed, _over_library(library, pick.library_question(turn.standalone, pointed, kind))
        return candidates, pick.messages(turn.standalone, candidates, kind)

    def _pick_answer(self, turn: _Turn, extractive: str) -> Iterator[str | Answer | ModelWait]:
        """The model picks the candidate that answers and copies its words, under a grammar (app.answer.pick); any
        reply that is not such a pick gives the extractive answer with a note."""
        from app.answer.llm.client import describe_model

        turn.model = describe_model(self.settings)
        candidates, messages = self._pick_prompt(turn)
        raw, notes, chosen = "", [], None
        try:
            model = self._line()
            lease = yield from self._wait(turn, model)
            try:
                t_llm = time.perf_counter()
                for piece in lease.structured(messages, pick.schema([s.n for s in candidates])):
                    turn.timings.setdefault("model_first_token_ms", _ms(turn.started))
                    raw += piece
                turn.timings["llm_ms"] = _ms(t_llm)
            finally:
                lease.release()
            _record_prompt(turn, model)
            picked = pick.parse(raw, candidates)
            source = next((s for s in candidates if s.n == picked.n), None)
            if source is not None:  # a pick of none is the model's "the articles don't say"
                before = source.text[:picked.start]  # where a name's title stands ("Secretary of State ...")
                if not fits_question(what_is_asked(turn.standalone), picked.text, turn.standalone, before):
                    kind = prompts.pick_kind(turn.standalone)
                    raise pick.PickError(f"the model's answer {picked.text!r} is not {kind} the question asks for")
                if not self._names_something_asked(turn.standalone, source):
                    raise pick.PickError(f"sentence {picked.n} names nothing the question asks about")
            chosen = picked
        except pick.PickError as exc:
            notes = [f"The model's pick could not be used ({exc}); showing the extractive answer."]
        except Exception as exc:  # noqa: BLE001 - a model error must not lose the answer
            notes = [_failure_note(exc)]
        # the reader sees the answer when the pick is whole: its first token is the answer's end (total_ms)
        yield self._judge_pick(turn, chosen, extractive, notes, candidates)

    def _names_something_asked(self, question: str, source: Source) -> bool:
        """The pick's sentence, its headline or its article's lead (what the article is about: the model reads wider
        than the extractive lead, and "Rubio would spend 371 days in space" answers "Three astronauts returned to
        Earth ... after how many days?" under a lead that says Earth) names something the question asks about
        (app.answer.compose.names_something_asked)."""
        if names_something_asked(question, source):
            return True
        lead = self.router.base.leads([source.article_id]).get(source.article_id, frozenset())
        return names_something_asked(question, source, lead)

    def _judge_pick(self, turn: _Turn, chosen: pick.Pick | None, extractive: str, notes: list[str],
                    candidates: list[Source]) -> Answer:
        if chosen is None:  # what extractive mode answers: on a vague match (its stricter gate), nothing
            if turn.evidence.route == "search" and not turn.evidence.sure:
                return turn.answer(ABSTAIN_TEXT, [], True, notes)
            return turn.extractive(extractive, notes)
        if chosen.n == 0:
            if not turn.evidence.sure:
                return turn.answer(ABSTAIN_TEXT, [], True, notes)
            notes.append("The model found no answer among the candidates; showing the sentences that match the "
                         "question.")
            return turn.extractive(extractive, notes)
        source = next(s for s in candidates if s.n == chosen.n)
        short = ShortAnswer(chosen.text, source.n, source.start + chosen.start, source.start + chosen.end, "model")
        dated = turn.evidence.route == "timeline" and source.label  # "2004 – 2005: <sentence>", as the timeline says
        proof = cite(f"{source.label}: {source.text}" if dated else source.text, source.n)
        more, cited, numbered = turn.also(extractive, source, candidates) if not dated else ("", [], candidates)
        body = f"{proof}\n\n{more}" if more else proof
        return turn.answer(lead_with(short, body), [source, *cited], False, notes, sources=numbered, short=short)
