"""Select and extract: for a factoid question the model picks the sentence that answers and copies the words.

Why (issue 26): writing sentences, the packaged 1.5B model got distracted by a wider context and the citation
guard then refused it (RealTimeQA dev, issue 19: 12 of 42 right with 4 or with 12 sources). Picking one of a
dozen numbered candidates and copying a few of its words is a task it does well, and it cannot make anything up:
its reply is constrained by a grammar to ``{"sentence": n, "answer": "..."}`` (the model server turns the JSON
schema into one; n one of the candidates' numbers or 0 for "the articles don't say"), and the answer must be a
substring of sentence n, so the citation is exact by construction (no paraphrase to guard against). The output is
~10-20 tokens: the time is the prefill of the candidates.

Whatever the reply, the user gets a cited answer or a clear abstention: a reply that is not the JSON (a server
that cannot apply the grammar), a sentence number that is not a candidate, words that are not in the sentence, or
a timeout raise ``PickError``, and the answerer shows the extractive answer with a note.

Rejected: the model writing a free sentence from the wider evidence (CHRONICLE_LLM_WIDE_EVIDENCE, measured no
better, issue 19); a reranker model (none ships offline in a PyPI package). Shorter replies (31 RealTimeQA pick
prompts sent again, seventh session, benchmarks/results/results.md): ``n|words`` under a GBNF (6 tokens, not 14)
and ``{"answer": "..."}`` alone (8) each saved ~1 s at that day's ~42 tok/s, but changed the model's answers: the
first abstained on 9 of 31 (JSON: 0), the second copied other words on 11 of 31; both held the gold 8 times, the
JSON reply 9. The JSON grammar itself costs ~0.1 s a pick (the same reply without it): the time is the prefill.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.answer import prompts
from app.records import Source
from app.text.answer_spans import when_span

# The copied words, at most: the grammar stops a longer copy. The model, asked for a name, copied a sentence's first
# clause ("25 people had been killed, including two civilians, and 80 injured from Baku's military action") when
# the schema allowed 120 characters; names and numbers of news answers are rarely longer than 60.
MAX_ANSWER_CHARS = 60
# A copy that stops on one of these, or at the grammar's bound, was cut off mid-phrase: not an answer. On the seed,
# "What resolution did the UN Security Council adopt?" (the article names none) got "Armenia, which says its armed
# forces are not in Karabakh and", 60 characters: the only unanswerable seed question LLM mode answered and
# extractive mode declined (seed eval LLM 52/57, extractive 53/57, third session).
_DANGLING = frozenset("""and or but nor that which who whom whose of to in on at by for with from as the a an its their
    his her is are was were be been has have had while when where if than""".split())


class PickError(ValueError):
    """The model's reply cannot be used as a pick (the message says why)."""


@dataclass(frozen=True)
class Pick:
    """The model's choice: candidate ``n`` (0: none answers) and where its words are in that sentence."""

    n: int
    start: int  # offsets of the answer in the sentence's text
    end: int
    text: str


def schema(numbers: list[int]) -> dict[str, Any]:
    """The reply's JSON schema: a candidate's number (or 0) and the answer's words."""
    return {
        "type": "object",
        "properties": {
            "sentence": {"type": "integer", "enum": [0, *numbers]},
            "answer": {"type": "string", "maxLength": MAX_ANSWER_CHARS},
        },
        "required": ["sentence", "answer"],
        "additionalProperties": False,
    }


def messages(question: str, candidates: list[Source], kind: str) -> list[BaseMessage]:
    """The system prompt (the cached prefix every answer shares), then the task with its example (the same for
    every pick, so llama.cpp reuses it from the previous pick's KV cache), then the candidates and the question."""
    return [SystemMessage(prompts.load("system")), HumanMessage(library_question(question, candidates, kind))]


HEADLINE_CHARS = 80  # of a candidate's headline: what "the automaker" refers to, in fewer tokens than the whole


def format_candidates(candidates: list[Source]) -> str:
    """The candidates under one short headline line per article (they come article by article; an article whose
    headline is itself a candidate is headed by that numbered line instead, app.answer.routes), without dates:
    the route already chose them for the question's day (the as-of filter and the recency boost), and ~7 tokens a
    date are ~70 ms of first-token time each. RealTimeQA dev, 2 weeks, 6 candidates: p50 new tokens 404 with the
    search route's format (app.answer.prompts.format_by_article), fewer with this one (benchmarks.llm_evidence)."""
    lines: list[str] = []
    current = None
    for s in candidates:
        if s.article_id != current:
            current = s.article_id
            head = prompts.headline(s, HEADLINE_CHARS)
            if s.text.strip() != s.title.strip():  # a candidate that is the headline heads its article itself
                lines.append(f'From "{head}":' if head else "From an article:")
        lines.append(f"[{s.n}] ({s.label}) {s.text}" if s.label else f"[{s.n}] {s.text}")
    return "\n".join(lines)


def library_question(question: str, candidates: list[Source], kind: str) -> str:
    """The question part after a cached archive (app.answer.library): the same task, the candidates written out with
    the archive's numbers. Pointers alone ("[29], [38]") were cheaper, but the model then copied the right words
    and named the wrong sentence (seed article, 2 of 5 picks)."""
    return prompts.render("pick", candidates=format_candidates(candidates), question=question, kind=kind)


def parse(raw: str, candidates: list[Source]) -> Pick:
    """The pick in a reply, checked: JSON of the schema's shape, a candidate's number, words found in its sentence."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise PickError(f"the model's reply is not JSON: {raw[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sentence"), int) or isinstance(data["sentence"], bool):
        raise PickError(f"the model's reply has no sentence number: {raw[:80]!r}")
    n, words = data["sentence"], data.get("answer")
    if not isinstance(words, str):
        raise PickError("the model's reply has no answer text")
    if n == 0:
        return Pick(0, 0, 0, "")
    by_n = {s.n: s for s in candidates}
    if n not in by_n:
        raise PickError(f"the model chose sentence {n}, which is not one of the candidates")
    found = _words_in(words, by_n[n])
    if found is None:
        # The words copied right, the number wrong (the 1.5B model copies better than it counts): the candidate
        # that holds them, the scorer's best first. Still a verbatim span of the sentence it is cited to.
        holders = sorted((s for s in candidates if _words_in(words, s)), key=lambda s: -s.score)
        if not holders:
            raise PickError(f"the model's answer {words[:80]!r} is not in sentence {n}")
        n = holders[0].n
        found = _words_in(words, by_n[n])
        assert found is not None
    start, end = found
    text = by_n[n].text[start:end]
    last = re.sub(r"[^\w'’-]+$", "", text).rsplit(None, 1)[-1].lower() if text.strip() else ""
    if len(words.strip()) >= MAX_ANSWER_CHARS or last in _DANGLING:
        raise PickError(f"the model's answer {text!r} stops mid-phrase")
    return Pick(n, start, end, text)


def _words_in(words: str, source: Source) -> tuple[int, int] | None:
    """Where the copied words are in a candidate's sentence. A dated candidate is shown with its date ("[2]
    (2023-09-19) ... said on Tuesday ..."), and the model asked "When ...?" copies that date more often than the
    sentence's "Tuesday" (seed, 2 of 5): then the words are the sentence's time expression that resolves to it."""
    found = locate(words, source.text)
    if found is None and source.label and words.strip(_PUNCT_EDGES).lower() == source.label.lower():
        span = when_span(source.text, source.label, source.published_day)
        found = (span.start, span.end) if span else None
    return found


_PUNCT_EDGES = " \t\n\"'“”‘’.,;:!?()[]"


def locate(words: str, sentence: str) -> tuple[int, int] | None:
    """Where ``words`` occur in ``sentence`` (case and runs of white space aside, quotes and end punctuation of the
    copy trimmed), as offsets into the sentence; None when they do not, or are empty."""
    words = words.strip(_PUNCT_EDGES)
    if not words or len(words) > MAX_ANSWER_CHARS:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words.split())
    m = re.search(pattern, sentence, re.IGNORECASE)
    return (m.start(), m.end()) if m else None
