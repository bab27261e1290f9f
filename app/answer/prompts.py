"""Prompt templates live as files in prompts/; this module reads and fills them, and writes the sources block."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from langchain_core.prompts import PromptTemplate

from app.config import PROJECT_ROOT
from app.records import Source
from app.text.articles import neutralise_chat_tokens
from app.text.asking import EVENT, GPE, LOC, MONEY, NUMBER, ORG, PERCENT, PERSON, TYPE_NOUNS, what_is_asked

PROMPT_DIR = PROJECT_ROOT / "prompts"


@lru_cache(maxsize=32)
def load(name: str) -> str:
    return (PROMPT_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=32)
def template(name: str) -> PromptTemplate:
    return PromptTemplate.from_template(load(name))


def render(name: str, **values: str) -> str:
    """Fill a template; values are inserted verbatim (braces in article text are not re-interpreted)."""
    return template(name).format(**values)


# What a factoid answer should begin with, by the answer type app.text.asking reads from the question.
_KIND_WORDS = {PERSON: "the person's name", ORG: "the organisation's name", GPE: "the place", LOC: "the place",
               NUMBER: "the number", MONEY: "the amount", PERCENT: "the percentage", EVENT: "the event's name"}


def render_search(sources: str, question: str) -> str:
    """The search route's user message: a factoid question ("Which automaker ...?", "How many ...?") asks for one
    short sentence that begins with the answer (the rule is in prompts/system.txt, the cached prefix; the question
    adds only "Begin your one sentence with the automaker.", prompts/answer_factoid.txt); any other the plain answer
    prompt. The whole instruction after each question cost ~27 more prefilled tokens (~0.3 s here); RealTimeQA, 42
    questions: 12 right with the short cue, 11 with the whole instruction, p50 231 vs 249 prefilled tokens.

    Why: given ten passages, the 1.5B model summarised the story around a factoid question instead of naming the
    automaker ("A recall was announced ... [3]"); an answer that begins with the thing asked for is what the reader
    wants, and the guard still checks its cited sentence. The instruction comes after the question, so the cached
    prefix (system prompt + "Sources:") is the same for every question."""
    kind = factoid_kind(question)
    if kind is None:
        return render("answer", sources=sources, question=question)
    return render("answer_factoid", sources=sources, question=question, kind=kind)


def pick_kind(question: str) -> str:
    """What the model copies when it picks (app.answer.pick): the factoid's kind, "the date or time" for "When
    ...?" (a pick on the timeline route), else "the answer"."""
    kind = factoid_kind(question)
    if kind is not None:
        return kind
    return "the date or time" if what_is_asked(question).wh == "when" else "the answer"


def factoid_kind(question: str) -> str | None:
    """What the answer to a question that asks for one thing should begin with ("the country"); None for others.

    "Which country ...": "the country", the question's own noun when it is a known kind of thing (more precise than
    the type's "the place"; "Which French stadium" is no longer "the person's name"); "which decorated gymnast": no
    "the decorated"."""
    asked = what_is_asked(question)
    if not asked.factoid:
        return None
    if asked.wh in ("which", "what") and asked.head in TYPE_NOUNS:
        return f"the {asked.head}'s name" if asked.answer_type == PERSON else f"the {asked.head}"
    return _KIND_WORDS.get(asked.answer_type or "", "the answer")


def readable_dates(label: str) -> str:
    """ "2023-09-19" -> "19 September 2023" in a label: the model copies the form it is shown, and a reader (and the
    seed eval's "When did Peskov make his comments?") wants the date written out."""

    def written(m: re.Match[str]) -> str:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).strftime("%-d %B %Y")
        except ValueError:
            return m[0]

    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", written, label)


def render_pointers(question: str, pointed: list[Source], extra: list[Source], route: str, speaker: str = "",
                    instruction: str = "") -> str:
    """The part of a prompt after a cached archive (app.answer.library): the question, the numbers of the sources
    the route chose with their labels, any chosen source that is not an archive sentence, and the route's cue."""
    pointers = ", ".join(f"[{s.n}] ({readable_dates(s.label)})" if s.label else f"[{s.n}]" for s in pointed)
    cue = ""
    if route == "statements" and speaker:
        cue = f"Say what {speaker} said."
    elif route == "timeline":
        cue = f"The dates in brackets are when those events happened. {instruction}".strip()
    elif route == "search" and (kind := factoid_kind(question)):
        cue = f"Begin your one sentence with {kind}. If no source says, reply: The articles don't say."
    more = f"More sources:\n{format_sources(extra)}\n\n" if extra else ""
    return render("library_question", question=question, pointers=pointers, more=more, cue=cue).strip()


MAX_HEADLINE = 120  # characters of a headline shown to the model


def headline(source: Source, limit: int = MAX_HEADLINE) -> str:
    """The source's article headline as plain prompt text: one line, chat tokens neutralised, at most ``limit``."""
    title = re.sub(r"\s+", " ", neutralise_chat_tokens(source.title or "")).strip()
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def format_sources(sources: list[Source]) -> str:
    """The sources block of the prompt: numbered, attributed, dated, each with its article's headline (once, when
    all share one headline or one date).

    The headline is what a passage cut from its article has lost: the sentence with the detail often says "the
    automaker" or "the country" while the headline names it (RealTimeQA dev: the answer was in the headline or
    lead of 8 of the 30 archive questions written by reading the articles). The citation guard still checks each
    claim against its sentence, not the headline (app.answer.citations.evidence_of)."""
    dates = {s.published for s in sources}
    heads = [headline(s) for s in sources]
    titles = set(heads)
    one_date, one_title = len(dates) == 1 and None not in dates, len(titles) == 1 and "" not in titles
    shared = ", ".join(x for x in (f'from "{next(iter(titles))}"' if one_title else "",
                                   f"published {next(iter(dates))}" if one_date else "") if x)
    lines = [f"(all {shared})"] if shared else []
    for s, head in zip(sources, heads, strict=True):
        title = "" if one_title or not head else f'"{head}"'
        meta = ", ".join(x for x in (s.label, "" if one_date else (s.published or ""), title) if x)
        lines.append(f"[{s.n}] ({meta}) {s.text}" if meta else f"[{s.n}] {s.text}")
    return "\n".join(lines)


def format_by_article(sources: list[Source]) -> str:
    """The search route's sources (strict or wide): a line with each article's headline and date, then its numbered
    sentences (sources come article by article, so an article's sentences are adjacent); the date is written when
    it differs from the article above.

    Ten passages' sentences share three or four articles: one headline line per article instead of one per sentence
    made the wide sources block 15 % shorter (36 RealTimeQA search questions, p50 310 vs 360 tokens, each a ~10-25 ms
    of first-token time here), and the model still reads the headline right above the sentence that says "the
    automaker"; for the strict four sentences it pays for the factoid instruction (42 questions: p50 248 prefilled
    tokens with it, 244 before without it). A single article falls back to ``format_sources``."""
    if len({s.article_id for s in sources}) <= 1:
        return format_sources(sources)
    lines: list[str] = []
    current, day = None, None
    for s in sources:
        if s.article_id != current:
            current = s.article_id
            head = headline(s)
            # the date once per day (articles come in date order): a date is ~6 tokens, and most share a week
            meta = ", ".join(x for x in (f'"{head}"' if head else "", s.published or "" if s.published != day else "")
                             if x)
            day = s.published
            lines.append(f"Article: {meta}" if meta else "Article:")
        lines.append(f"[{s.n}] ({s.label}) {s.text}" if s.label else f"[{s.n}] {s.text}")
    return "\n".join(lines)
