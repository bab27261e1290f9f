"""The words of a sentence that answer a factoid question: "Omar Suleiman" in "... Saturday's appointment of Omar
Suleiman as vice president ..." for "Who did Mubarak appoint as vice president?", "25 people" for "How many people
were killed?".

Why: a fact-checker asking a short question wants the answer first and the sentence that proves it right under it,
not a paragraph to read the answer out of. The extractive mode has no model to read the sentence, so these rules
find the span of the kind the question asks for (app.text.asking): for a number, amount or percentage the number
the question does not already hold, with its unit ("$3.2 billion", "12 percent", "25 people"); for a person,
organisation, place or event, the run of capitalised words the question does not already name. Among several, the
one nearest to the question's own words in the sentence ("25 people had been killed and 138 injured": "killed" is
next to 25). No span (the sentence holds nothing of that kind) is an answer too: the sentence alone is shown.

Rejected: spaCy NER (a model download, ~5 ms a sentence, and it labels "Nagorno-Karabakh" a person as often as
not); the LLM mode's pick (app.answer.pick) reads the sentence with the model instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.text.asking import EVENT, GPE, LOC, MONEY, NUMBER, ORG, PERCENT, PERSON, Asking
from app.text.tokens import content_tokens, name_stems, name_words, opens_sentence

_NAMED = (PERSON, ORG, GPE, LOC, EVENT)
_NUMERIC = (NUMBER, MONEY, PERCENT)
_NUMBER_WORD = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                r"hundreds|thousands|dozens|a\s+dozen)")
_SCALE = r"(?:\s+(?:hundred|thousand|million|billion|trillion|bn|m)\b)?"
# "$3.2 billion", "25", "4,000", "12.5%", "12 percent", "four", "US$ 7"; a unit word after it is added apart.
_NUMBER = re.compile(
    rf"(?<![\w.,])(?:(?:US)?[$£€¥]\s?)?(?:\d[\d,]*(?:\.\d+)?|{_NUMBER_WORD}){_SCALE}"
    r"(?:\s*(?:%|percent\b|per\s+cent\b|(?:dollars?|euros?|pounds?|yuan|yen|rupees?)\b))?",
    re.I,
)
_UNIT = re.compile(r"\s+(?:(?:more|other|new|additional)\s+)?([a-z][a-z-]+)")
_NOT_A_NOUN = re.compile(r"(?:ed|ing|ly)$")  # "138 injured", "25 fleeing": a verb or adverb is no unit
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
# Capitalised runs, as app.text.tokens reads names (kept in step with its _CAPITALISED_RUN), with their offsets.
_CAPITALISED_RUN = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|the|de|al|bin|von|van|for|and)[ \t]+)?"
                              r"[A-Z][\w'’-]*)*")
_CALENDAR = frozenset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
                      "June July August September October November December".split())
_LEADING = re.compile(r"^(?:The|A|An|In|On|At|By|For|From|But|And|After|Before|When|While|As|If|Mr|Mrs|Ms|Dr|"
                      r"Sen|Rep|Gov|Pres)\.?\s+")
_STOP_UNITS = frozenset(content_tokens("and or of in on at to from by for with as than the a an is was were are be "
                                       "been has have had that this which who percent"))


@dataclass(frozen=True)
class AnswerSpan:
    """Where the answer is in a sentence: ``start``/``end`` are offsets into that sentence's text."""

    start: int
    end: int
    text: str


def answer_span(asked: Asking, sentence: str, question: str, known: frozenset[str] = frozenset()) -> AnswerSpan | None:
    """The words of ``sentence`` that answer a factoid question of the kind ``asked``, or None (not factoid, no
    such words, or only words the question already says). ``known``: words seen capitalised mid-sentence nearby
    (a lone capital opening the sentence is a name only then, as in app.text.tokens.name_groups)."""
    if not asked.factoid or sentence.rstrip(" \"'”’)").endswith("?"):
        return None
    if asked.answer_type in _NUMERIC:
        found = _numbers(asked.answer_type, sentence, question)
    elif asked.answer_type in _NAMED:
        found = _names(sentence, question, known)
    else:
        return None
    if not found:
        return None
    anchors = _anchor_positions(sentence, question)
    start, end = min(found, key=lambda se: (_distance(se, anchors), se[0]))
    return AnswerSpan(start, end, sentence[start:end])


def _numbers(kind: str, sentence: str, question: str) -> list[tuple[int, int]]:
    asked = {_digits(m.group()) for m in _NUMBER.finditer(question)}
    out = []
    for m in _NUMBER.finditer(sentence):
        value = _digits(m.group())
        if not value or value in asked or (_YEAR.match(value) and kind != MONEY):
            continue
        text = m.group()
        if kind == PERCENT and not re.search(r"%|per\s*cent", text, re.I):
            continue
        if kind == MONEY and not (re.search(r"[$£€¥]|dollar|euro|pound|yuan|yen|rupee", text, re.I)
                                  or re.search(r"million|billion|trillion", text, re.I)):
            continue
        end = m.end()
        unit = _UNIT.match(sentence, end)
        noun = content_tokens(unit.group(1)) if unit else set()
        if kind == NUMBER and unit and noun and not noun & _STOP_UNITS and not _NOT_A_NOUN.search(unit.group(1)):
            end = unit.end()  # "25 people", "four astronauts"
        out.append((m.start(), end))
    return out


def _digits(text: str) -> str:
    """The number of a match as digits without separators ("4,000" -> "4000"), or its word."""
    m = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    return m.group().replace(",", "") if m else text.strip().lower()


def _names(sentence: str, question: str, known: frozenset[str]) -> list[tuple[int, int]]:
    asked = name_words(question)
    out = []
    for m in _CAPITALISED_RUN.finditer(sentence):
        start, text = m.start(), m.group()
        lead = _LEADING.match(text)
        if lead and lead.end() < len(text):
            start, text = start + lead.end(), text[lead.end():]
        text = re.sub(r"['’]s$", "", text)
        words = set(name_stems(text))
        if not words or set(text.split()) <= _CALENDAR or words <= asked:
            continue
        if " " not in text and opens_sentence(sentence[:start]) and not words <= known:
            continue  # "Officials said": a lone capital opening the sentence is a name only when seen elsewhere
        out.append((start, start + len(text)))
    return out


def _anchor_positions(sentence: str, question: str) -> list[int]:
    """Offsets in the sentence of the question's content words (where the answer is talked about)."""
    terms = content_tokens(question)
    return [m.start() for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*", sentence) if content_tokens(m.group()) & terms]


def _distance(span: tuple[int, int], anchors: list[int]) -> int:
    if not anchors:
        return 0
    a, b = span
    return min(0 if a <= x < b else min(abs(x - a), abs(x - b)) for x in anchors)
