"""An answer judged "Right" or "Wrong" in the chat, turned into one evaluation test case (a line of the JSONL format
of evalsets/README.md, so ``python -m app.eval --set evalsets/mine.jsonl`` runs it). The record, its validation and
its file live in app/store/testcases.py, which saves the line built here (``Chronicle.save_case``).

What a case expects, from the judgement:
- Right: the answer's key facts must be said again (or, when the user typed what the answer must say, those), with
  citations; the cited sentences are the expected evidence. Right on an answer that declined: it must decline.
- Wrong + "what the answer must say": those facts, with citations. Wrong + "the articles do not say this": decline.

Key facts of a Right answer are its numbers and proper names (the parts a re-phrased answer must keep, and that a
regression loses first), not its wording: the packaged LLM and the extractive mode phrase the same fact differently,
so a case built from whole sentences would fail on wording alone. A name also accepts the actor it stands for
("Baku" or "Azerbaijan") and a person's surname ("Dmitry Peskov" or "Peskov"); a Right case also fails when the new
answer cites none of the judged sentences (app/eval/runner.py). Names that the question already contains are left
out (they test nothing). Rejected: spaCy NER for the names (a 12 MB pipeline for what capitalisation and the
project's date/number patterns find in 1-3 short sentences).

The case id is a hash of the standalone question (after follow-up rewriting) and the as-of day, so saving the same
question again updates its case instead of adding a second one; a follow-up keeps its history so that a re-run asks
it the way the user did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from app.answer.answerer import Answer
from app.text.actors import lookup_alias
from app.text.asking import DATE, MONEY, NUMBER, PERCENT, what_is_asked

VERDICTS = ("right", "wrong")
MAX_KEY_FACTS = 3
_MARKER = re.compile(r"\s*\[\d+\]")
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?:s\b|\s?%| percent)?")
_NAME = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of|de|del|al|bin|van|von|the|la|le)?\s*[A-Z][\w’'-]*)*")
_FUNCTION_WORDS = frozenset(
    "a an the and but or so if in on at by for from to of with as after before since during while when where which "
    "who whom whose what why how it its he she they we i you his her their our this that these those there here "
    "however meanwhile also according earlier later yesterday today tomorrow said says mr mrs ms dr".split()
)
_WORD = re.compile(r"[\w’'-]+")


def normalise_question(question: str) -> str:
    return " ".join(question.casefold().split()).rstrip(" ?.!")


def case_id(standalone: str, as_of: dt.date | None) -> str:
    """Readable and stable: the question's first words, then a hash of (question, as-of day)."""
    norm = normalise_question(standalone)
    slug = "-".join(re.findall(r"[a-z0-9]+", norm)[:6]) or "q"
    digest = hashlib.sha1(f"{norm}|{as_of.isoformat() if as_of else ''}".encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


def parse_must_say(text: str) -> list[list[str]]:
    """What the user typed: one fact per line (or separated by ';'), alternative phrasings separated by '|'."""
    facts = []
    for part in re.split(r"[\n;]+", text or ""):
        group = [p.strip().strip('"“”') for p in part.split("|")]
        group = [p for p in group if p]
        if group:
            facts.append(group)
    return facts


def _strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def _clean_name(name: str) -> str:
    words = name.split()
    while words and words[0].casefold().strip("’'") in _FUNCTION_WORDS:
        words = words[1:]
    while words and words[-1].casefold() in ("of", "de", "del", "al", "bin", "van", "von", "the", "la", "le"):
        words = words[:-1]
    return re.sub(r"[’']s$", "", " ".join(words)).rstrip("’'-")


def key_facts(answer_text: str, question: str = "", limit: int = MAX_KEY_FACTS) -> list[list[str]]:
    """Numbers and proper names of an answer, most specific first, without those the question already names; each
    a fact group of one phrasing (the metric matches it case-insensitively at a word boundary)."""
    text = _strip_markers(answer_text)
    asked = {w.casefold() for w in _WORD.findall(question)}
    numbers = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    names = []
    for m in _NAME.finditer(text):
        name = _clean_name(m.group(0))
        opens_sentence = not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?:"
        if opens_sentence and " " not in name and name == m.group(0) and lookup_alias(name) is None:
            continue  # "Separatists said ...": capitalised because it opens the sentence, not a name
        if len(name) > 1:
            names.append(name)
    multi = [n for n in names if " " in n]
    single = [n for n in names if " " not in n]
    asked_actors = {a.name for w in _WORD.findall(question) if w[:1].isupper() and (a := lookup_alias(w))}
    seen: set[str] = set()
    facts: list[list[str]] = []
    for phrase in numbers + multi + single:
        group = _phrasings(phrase)
        keys = {p.casefold() for p in group}
        words = {w.casefold() for w in _WORD.findall(phrase)}
        if keys & seen or (words and words <= asked) or any(phrase.casefold() in s for s in seen):
            continue
        if (actor := lookup_alias(phrase)) is not None and actor.name in asked_actors:
            continue  # "Moscow" in the question: "Russia" in the answer tests nothing
        seen |= keys
        facts.append(group)
        if len(facts) >= limit:
            break
    return facts


def _phrasings(phrase: str) -> list[str]:
    """A fact and the other names a re-phrased answer may use for it: the actor a name stands for ("Baku" ->
    Azerbaijan) and a person's surname ("Dmitry Peskov" -> "Peskov")."""
    out = [phrase]
    actor = None if phrase[:1].isdigit() else lookup_alias(phrase)
    if actor is not None:
        out.append(actor.name)
    elif " " in phrase and len(phrase.split()[-1]) >= 4:
        out.append(phrase.split()[-1])
    return list(dict.fromkeys(out))


def question_type(answer: Answer, should_abstain: bool, follow_up: bool) -> str:
    """One of the test-set types (app/store/testcases.py QUESTION_TYPES), from the judgement and how it was asked."""
    if should_abstain:
        return "unanswerable"
    if follow_up:
        return "follow_up"
    if answer.route == "statements":
        return "who_said_what"
    if answer.route == "timeline":
        return "timeline"
    kind = what_is_asked(answer.standalone_question or answer.question).answer_type
    if kind in (NUMBER, MONEY, PERCENT):
        return "number"
    if kind == DATE:
        return "date"
    return "entity"


def build_case(
    answer: Answer,
    verdict: str,
    must_say: str = "",
    should_abstain: bool = False,
    saved_by: str = "",
    history: list[tuple[str, str]] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The test-set line for a judged answer (see the module docstring). Raises ValueError when a Wrong judgement
    says neither what the answer must say nor that the articles do not say it (there would be nothing to check)."""
    verdict = verdict.lower()
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    if answer.route == "refused":
        raise ValueError("this message is not an answer (the question was refused), so it cannot become a test case")
    typed = parse_must_say(must_say)
    if verdict == "wrong" and not typed and not should_abstain:
        raise ValueError('say what the answer must say, or choose "the articles do not say this"')
    if verdict == "right" and answer.abstained and not typed:
        should_abstain = True  # "Right" on "The articles don't say": it must keep declining
    standalone = answer.standalone_question or answer.question
    follow_up = normalise_question(standalone) != normalise_question(answer.question) and bool(history)
    facts = [] if should_abstain else (typed or key_facts(answer.text, standalone))
    cited = [
        {"n": s.n, "article_id": s.article_id, "title": s.title, "published": s.published, "start": s.start,
         "end": s.end, "text": s.text}
        for s in answer.citations
    ]
    depends_on = list(dict.fromkeys(s.article_id for s in answer.citations))
    right = verdict == "right" and not should_abstain
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    case: dict[str, Any] = {
        "id": case_id(standalone, answer.as_of),
        "question": answer.question,
        "standalone_question": standalone,
        "type": question_type(answer, should_abstain, follow_up),
        "answerable": not should_abstain,
        "required_facts": facts,
        "reference": _strip_markers(answer.text) if right else (must_say.strip() or None),
        "evidence": list(dict.fromkeys(s.text for s in answer.citations)) if right else [],
        "article_ids": depends_on if right else None,
        "history": [list(p) for p in history] if follow_up and history else [],
        "as_of": answer.as_of.isoformat() if answer.as_of else None,
        "verdict": verdict,
        "judged_answer": answer.text,
        "cited": cited,
        "depends_on": depends_on,
        "mode": answer.mode,
        "route": answer.route,
        "saved_by": saved_by or "anonymous",
        "saved_at": when,
        "created_at": when,
    }
    return case
