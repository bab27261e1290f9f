"""The no-model answers: the evidence's own sentences, quoted and cited. They are the extractive mode's answer and
the LLM mode's fallback, so they are computed for every question (a few microseconds).

- search: the best 1-3 sentences (within 85% of the best score), in source order, an opening pronoun's referent in
  brackets ("It [Azerbaijan’s defense ministry] said ...": app.query.statements.subject_shown);
- statements: every statement, labelled with its speaker ("Russia — Dmitry Peskov: ...");
- timeline: "DATE: sentence [n]" for each source that answers (the best few for "when" and topical ranges); a
  "When ...?" is led by the words that say when (``short_when``), as a factoid is by its answer's words: the
  LLM mode's free sentence had read "The ceasefire happened on 2020 [1]" where a fact-checker wants "2020 [1]" and
  the sentence under it;
- story: "DATE: sentence [n]" for every line of the story timeline, one line each, in date order.
The LLM may summarise statements but may not drop one: ``complete_statements`` appends, verbatim and cited, any
statement whose reported words the model's answer does not cover.
"""

from __future__ import annotations

import datetime as dt
import re

from app.answer.citations import cite, cited_numbers, split_claims, support_score
from app.answer.routes import asked_name_groups
from app.query.story import names_all
from app.query.temporal import looks_back, question_kind
from app.records import ShortAnswer, Source
from app.text.answer_spans import answer_span, when_span
from app.text.asking import what_is_asked
from app.text.dates import parse_question_time
from app.text.tokens import held_names, name_groups


def compose_extractive(route: str, sources: list[Source]) -> str:
    """The no-model answer for the search and statements routes."""
    if route == "statements":
        return " ".join(cite(labelled(s), s.n) for s in sources)
    ranked = sorted(sources, key=lambda s: -s.score)
    best = ranked[0].score if ranked else 0.0
    chosen = [s for s in ranked[:3] if s.score >= 0.85 * best]
    return " ".join(cite(s.shown or s.text, s.n) for s in sorted(chosen, key=lambda s: s.n))


def short_extractive(question: str, sources: list[Source]) -> ShortAnswer | None:
    """The words that answer a factoid question in the best-scored source (app.text.answer_spans). None for other
    questions, or when that sentence holds no such words, or several (the sentences alone are the answer): a lead
    taken from the second-best sentence named the wrong person on the seed ("Who is the president of Azerbaijan?")."""
    asked = what_is_asked(question)
    if not asked.factoid or not sources:
        return None
    known = frozenset(w for s in sources for group in name_groups(s.text) for w in group)
    best = max(sources, key=lambda s: s.score)
    if not names_something_asked(question, best):
        return None
    span = answer_span(asked, best.text, question, known)
    if span is None:
        return None
    return ShortAnswer(span.text, best.n, best.start + span.start, best.start + span.end, "rules")


def names_something_asked(question: str, source: Source, lead: frozenset[str] = frozenset()) -> bool:
    """Does the sentence (or its article's headline, or ``lead``: the names of its article's lead, as the keyword
    index keeps them) hold a name the question asks about, when it asks about any
    (app.answer.routes.asked_name_groups)? Words taken from a sentence that does not are about something else:
    "hundreds" of a Mariupol hospital had led "How many hostages does Hamas hold?" over a week without the war's
    hostage count. RealTimeQA dev, extractive: 3 of 39 leads dropped, all three wrong
    ("Idalia", "America", "Festival of Colors"), every right lead kept; the seed eval the same."""
    groups = asked_name_groups(question)
    if not groups:
        return True
    held = held_names(source.title, source.text) | lead
    return any(names_all({word}, held) for group in groups for word in group)


def short_when(question: str, sources: list[Source]) -> ShortAnswer | None:
    """For "When ...?" on the timeline route: the words of the best-scored dated sentence that say when ("2020",
    "Tuesday"), the date it resolves to in its label under them ("2023-09-19: ... said on Tuesday ... [1]"). None
    for other questions, or when no time expression of that sentence gave its date."""
    dated = [s for s in sources if not looks_back(s)]
    if what_is_asked(question).wh != "when" or not dated:
        return None
    best = max(dated, key=lambda s: s.score)
    span = when_span(best.text, best.label, best.published_day)
    if span is None:
        return None
    return ShortAnswer(span.text, best.n, best.start + span.start, best.start + span.end, "rules")


def lead_with(short: ShortAnswer | None, body: str) -> str:
    """The answer first, cited, then the sentences that prove it: "Omar Suleiman [4]\n\n<sentence> [4]"."""
    return f"{short.text} [{short.n}]\n\n{body}" if short is not None else body


def compose_timeline(sources: list[Source], question: str) -> str:
    """The no-model answer for the timeline route: 'DATE: sentence [n]' for each source that answers."""
    if not sources:
        return ""
    kind = question_kind(question, parse_question_time(question, dt.date.today()))
    chosen = sources
    best = max(s.score for s in sources)
    if kind == "when" or (kind == "range" and best > 0):  # a subject: the best sentences, not the whole range
        chosen = sorted(sorted(sources, key=lambda s: -s.score)[:2 if kind == "when" else 3], key=lambda s: s.n)
        chosen = [s for s in chosen if s.score >= 0.9 * best]
    return " ".join(cite(f"{s.label}: {s.text}" if s.label else s.text, s.n) for s in chosen)


def compose_story(sources: list[Source]) -> str:
    """The story timeline as the answer: one cited line per source, each starting with its day; a line whose pronoun
    the timeline resolved shows the subject in brackets ("He [Hosni Mubarak] resigned ...")."""
    return "\n".join(cite(f"{s.label}: {s.shown or s.text}", s.n) for s in sources)


def labelled(source: Source) -> str:
    """"Russia — Dmitry Peskov: <sentence>", without repeating a label the sentence already starts with."""
    first = source.label.split(" — ")[0] if source.label else ""
    if not first or source.text.startswith(first):
        return source.text
    return f"{source.label}: {source.text}"


def reported_content(source: Source) -> str:
    """The part of a statement that carries what was said: the quote, else the words after the reporting verb."""
    if source.quote:
        return source.quote
    if source.verb:
        m = re.search(rf"\b{re.escape(source.verb)}\b", source.text)
        if m and len(source.text) - m.end() > 15:
            return source.text[m.end() :]
    return source.text


# Share of a statement's reported words that the answer sentences citing it must repeat; below it the statement
# counts as dropped ("called on Azerbaijan to cease" loses "deeply concerned": 0.55, appended verbatim).
STATEMENT_COVERAGE = 0.7


def complete_statements(text: str, cited: list[Source], sources: list[Source]) -> tuple[str, list[Source]]:
    """The LLM may summarise but may not drop a statement: a statement whose reported words are not covered by the
    answer sentences citing it is appended, verbatim and cited."""
    claims = split_claims(text)
    missing = []
    for s in sources:
        citing = " ".join(c for c in claims if s.n in cited_numbers(c))
        if not citing or support_score(reported_content(s), citing) < STATEMENT_COVERAGE:
            missing.append(s)
    if not missing:
        return text, cited
    extra = " ".join(cite(labelled(s), s.n) for s in missing)
    ordered = sorted({s.n: s for s in cited + missing}.values(), key=lambda s: s.n)
    return f"{text} Also: {extra}", ordered
