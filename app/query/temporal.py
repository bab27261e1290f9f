"""The temporal question route: dated events (app.query.events) become numbered, date-labelled sources.

Question kinds (parse_question_time gives the constraint; the wording gives the kind):
- "When did X ...?"                 events ranked by how close their sentence is to the question; the label of each
                                    source is the date of the expression nearest to the question's words in it;
- "What happened before/after X?"   X's date from the best-matching event, then the events after/before it
                                    (source 1 is X itself, so the answer can say what the reference is), from X's
                                    story (``anchor_story``, in a small archive) when the question names no
                                    subject of its own;
- "What happened in 2020 / between A and B / before 1995?"  a Chroma date filter, ranked by relevance if the
                                    question has a topic, then shown in date order;
- "Which came first, X or Y?"       the best event for each phrase, in date order;
- "latest / most recent"            the newest article's events when articles differ in publication date, else the
                                    events with the latest date ("the latest on X", X a name: the newest article
                                    of X's story, ``_story_newest``); "earliest / first": the earliest event date.
"When did ...?" and "after X" are dated by what happened: not a question, a condition, or (asked about the past) a
forecast when a report is nearly as relevant (``_happened``).
Relevance is the evidence route's score: MiniLM cosine + 0.5 x content-word overlap. Candidates come from the
hybrid retriever's passages (events carry their chunk id), so cost does not grow with the number of events.

Returns None when the question is not temporal, or when it names an event that no dated sentence matches (the
normal search route may still find an undated answer). A date-filtered question with no event in the range gets
an empty source list: the answerer then abstains rather than quoting undated text.

Rejected: asking the LLM to order events (slow on this CPU and not checkable); a temporal-QA model
(e.g. a fine-tuned T5 for TimeQA) is neither packaged nor offline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from app.query.events import merge_events, overlapping, sort_key, visible_events
from app.query.retrieval import Retriever
from app.query.story import STORY_COSINE, asked_names, find_story, names_all, query_names
from app.records import EventFilter, Passage, Source, StoredEvent, from_epoch
from app.store.keyword import LEAD_CHARS
from app.text.asking import what_is_asked
from app.text.dates import (
    TimeConstraint,
    find_time_expressions,
    parse_question_time,
    question_is_temporal,
    without_time_expressions,
)
from app.text.lines import dangling, furniture, hypothetical, speculative
from app.text.tokens import content_tokens, held_names, with_hyphen_parts

Encode = Callable[[list[str]], np.ndarray]

MAX_LIST = 8  # sources for listing questions (in 2020, after X)
MAX_WHEN = 4  # sources for "when" and superlative questions
MAX_TOPICAL = 6  # sources for a dated question with a subject ("which club did X coach in 2005?")
CANDIDATE_PASSAGES = 12  # passages whose events are candidates for a phrase
# ... read again from WIDER_PASSAGES when those hold fewer than MIN_CANDIDATE_EVENTS dated sentences. A news archive's
# best passages for a short phrase are often its headings and FAQ subheads ("What happens if McCarthy is ousted?",
# undated): over 8 articles of one story (a new user's archive, eleventh session) "McCarthy was ousted" found 1 dated
# sentence in its 12 passages (January's succession list, so "What happened after McCarthy was ousted?" started
# there) and "When was McCarthy ousted?" none (the search route answered, with no date). Read from 30 passages for
# every question, TimeQA dev lost 10 and gained 8 of 410 (other documents' dated sentences came in), and so did
# reading again below 8 dated sentences (a date filter keeps few: most TimeQA questions have one); read again only
# below 3 and without a date filter: the same 410 TimeQA answers and the same 57 seed eval answers (extractive).
WIDER_PASSAGES, MIN_CANDIDATE_EVENTS = 30, 3
SCOPE_ARTICLES = 50  # above this many articles, range and before/after questions read retrieved passages' events
SCOPED_PASSAGES = 60  # ... of this many passages
MAX_RANGE_ENCODE = 60  # at most this many in-range sentences are scored per question (cheap word pre-rank first)
ENCODE_BUDGET = 12  # ... of which at most this many are embedded now (~9-17 ms each); the rest: their passage's vector
MIN_COSINE, MIN_OVERLAP = 0.3, 0.5  # below both: no event matches the phrase
NEAR_BEST = 0.8  # "when" keeps the sources scoring at least this share of the best
SHORT_PERIOD_DAYS = 7  # a question about at most this many days is not answered by an event dated a month or a year
DAY_SECONDS = 86_400
SCHEDULED_DAYS = 7  # "after X" lists what its article scheduled for at most this many days ahead (``_reported``)

_RE_WHEN = re.compile(
    r"(?i:^\s*(?:and\s+|so\s+)?(?:when|since\s+when|how\s+long|what\s+(?:year|date|day|month|time|decade|century)|"
    r"which\s+(?:year|date|day|month|decade|century)|in\s+(?:what|which)\s+(?:year|month|decade)|on\s+what\s+(?:date|day))\b)"
)
_RE_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
# Words that say "tell me about time", not what about: no topic for ranking.
_GENERIC = frozenset(content_tokens(
    "what happened happen happens latest recent recently most newest news new events event update updates "
    "earliest first timeline chronology going on occurred took place there today now current currently last "
    "came come first earlier later between until till through throughout during since within"
))
# Verbs that carry little of an event ("make landfall", "take office", "hold talks"): a time expression is placed
# by the event's noun when the sentence shares one. "is expected to strengthen ... by the end of Tuesday before
# making landfall in Florida on Wednesday" dated "When will Idalia make landfall?" Tuesday: "making" is 8
# characters from "Tuesday", "landfall" 12 from "on Wednesday" (thirteenth session).
_LIGHT_VERBS = frozenset(content_tokens("make makes made making take takes took taken taking have has had having "
                                        "get gets got getting do does did done doing give gives gave given giving "
                                        "hold holds held holding go goes went gone going"))
BEFORE_WORD = 2
_RE_FIRST_WORD = re.compile(r"(?i:\b(?:first|earlier|sooner)\b\s*[,:]?\s*)")
_RE_TAIL_WHICH = re.compile(r"(?i:,?\s*(?:which|what)\b[^?]*\b(?:first|earlier|sooner)\b.*$)")
# "before the 2020 war": an event phrase that contains a date is still an event, not the date range 2020.
_RE_EVENT_ANCHOR = re.compile(
    r"(?i:\b(?P<p>before|after|prior\s+to|following|since)\s+(?P<a>the\s+[^?,;.!]*?\b(?P<noun>[a-z]{3,})\s*)(?=[?,;.!]|$))"
)


@dataclass(frozen=True)
class DatedSources:
    """What the temporal route found: numbered, date-labelled sources and how the prompt should use them."""

    sources: list[Source]
    instruction: str


@dataclass(frozen=True)
class _Hit:
    """One stored event with its relevance to a text."""

    event: StoredEvent
    cosine: float = 0.0
    overlap: float = 0.0
    vector: np.ndarray | None = None  # the sentence's embedding when it is a whole stored passage (no re-embedding)
    context: np.ndarray | None = None  # its passage's embedding: a stand-in beyond the per-question budget

    @property
    def score(self) -> float:
        return self.cosine + 0.5 * self.overlap

    @property
    def relevant(self) -> bool:
        return self.cosine >= MIN_COSINE or self.overlap >= MIN_OVERLAP

    @property
    def key(self) -> tuple[str, int]:
        return self.event.key


# --------------------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------------------


def question_kind(question: str, constraint: TimeConstraint | None) -> str:
    """"first_of" | "anchor" | "when" | "range" | "latest" | "earliest" | "list"."""
    relation = constraint.relation if constraint else None
    if relation == "first_of":
        return "first_of"
    if _RE_WHEN.search(question):
        return "when"
    if constraint is not None and constraint.anchor_text:
        return "anchor"
    if constraint is not None and (constraint.start or constraint.end):
        return "range"
    if relation in ("latest", "earliest"):
        return relation
    return "list"


def event_anchor(question: str) -> TimeConstraint | None:
    """'What happened before the 2020 war?': parse_question_time reads 'in 2020'; this reads 'before <event>'.

    Only when the phrase after the preposition starts with 'the', holds a date and ends in a word that is not
    part of the date ('war'), so 'before the 1990s' stays a date bound.
    """
    m = _RE_EVENT_ANCHOR.search(question)
    if not m:
        return None
    phrase = m.group("a").strip()
    exprs = find_time_expressions(phrase, dt.date(2000, 1, 1))
    if not exprs or exprs[-1].end >= m.end("noun") - m.start("a"):
        return None
    relation = "before" if m.group("p").lower().startswith(("before", "prior")) else "after"
    return TimeConstraint(None, None, relation, phrase, (m.start(), m.end("a")))


def topic_tokens(text: str) -> set[str]:
    """Content words of a question minus its dates and time words: what the question is about."""
    return content_tokens(without_time_expressions(text)) - _GENERIC


def first_of_phrases(question: str) -> list[str]:
    """'Which came first, X or Y?' / 'X or Y: which happened first?' -> [X, Y]."""
    q = question.strip().rstrip("?").strip()
    tail = _RE_TAIL_WHICH.search(q)
    if tail and " or " in q[: tail.start()]:
        body = q[: tail.start()]
    else:
        m = _RE_FIRST_WORD.search(q)
        body = q[m.end() :] if m else q
    if " or " not in body:
        return []
    left, right = body.rsplit(" or ", 1)
    left = re.sub(r"(?i:^\s*either\s+)", "", left.split(",")[-1] if "," in left else left)
    return [p.strip(" ,:;") for p in (left, right) if p.strip(" ,:;")]


# --------------------------------------------------------------------------------------------------------------
# Candidates and scoring
# --------------------------------------------------------------------------------------------------------------


def _rows(retriever: Retriever, query: EventFilter | None) -> list[_Hit]:
    return [_Hit(e) for e in visible_events(retriever, query)]


def _large_archive(retriever: Retriever) -> bool:
    return len(retriever.visible_articles) > SCOPE_ARTICLES


def _newest_published_ts(retriever: Retriever) -> int | None:
    stamps = [a.published_ts for a in retriever.articles.values() if a.published]
    return max(stamps) if stamps else None


def _scoped_rows(retriever: Retriever, question: str, query: EventFilter | None) -> list[_Hit]:
    """Events matching ``query``: all of them in a small archive; in a large one, only those in the passages
    retrieved for the question (reading every event after a date took seconds at 30,000 events)."""
    if not _large_archive(retriever):
        return _rows(retriever, query)
    return _candidates(retriever, question, query, SCOPED_PASSAGES)


def _candidates(
    retriever: Retriever, text: str, query: EventFilter | None = None, n: int = CANDIDATE_PASSAGES
) -> list[_Hit]:
    """Events inside the passages the hybrid retriever finds for a text (optionally date-filtered); unfiltered,
    from WIDER_PASSAGES when the first ``n`` hold fewer than MIN_CANDIDATE_EVENTS (a date filter keeps few)."""
    found = _events_in(retriever, text, query, n)
    if query is None and len(found) < MIN_CANDIDATE_EVENTS and n < WIDER_PASSAGES:
        found = _events_in(retriever, text, query, WIDER_PASSAGES)
    return found


def _events_in(retriever: Retriever, text: str, query: EventFilter | None, n: int) -> list[_Hit]:
    passages = {p.chunk_id: p for p in retriever.retrieve(text, n, vectors=True)}
    if not passages:
        return []
    hits = _rows(retriever, (query or EventFilter()).and_chunks(tuple(passages)))
    out = []
    for h in hits:
        p = passages.get(h.event.chunk_id)
        if p is not None and (p.start, p.end) == (h.event.start, h.event.end):
            out.append(replace(h, vector=p.vector))  # the event is the whole passage
        else:
            out.append(replace(h, context=p.vector if p else None))
    return out


def _score(hits: list[_Hit], text: str, encode: Encode) -> list[_Hit]:
    """Cosine/overlap against a text; best first.

    Sentences that are a whole stored passage use its vector; of the others, the ENCODE_BUDGET sharing most words
    with the text are embedded and the rest scored with their passage's vector (a close stand-in). Embedding all
    60 candidates of a before/after question took 660 ms of an 850 ms answer on a 12,000-passage week store."""
    if not hits:
        return []
    tokens = topic_tokens(text) or content_tokens(text)
    overlap = {h.event.text: len(tokens & content_tokens(h.event.text)) / len(tokens) if tokens else 0.0
               for h in hits}
    known = {h.event.text: h.vector for h in hits if h.vector is not None}
    stand_in = {h.event.text: h.context for h in hits if h.context is not None}
    docs = sorted((d for d in dict.fromkeys(h.event.text for h in hits) if d not in known), key=lambda d: -overlap[d])
    docs = [d for n, d in enumerate(docs) if n < ENCODE_BUDGET or d not in stand_in]
    vectors = encode([text] + docs)
    cos = {d: float(np.asarray(v) @ vectors[0]) for d, v in stand_in.items()}
    cos.update(zip(docs, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    cos.update({d: float(np.asarray(v) @ vectors[0]) for d, v in known.items()})
    scored = [replace(h, cosine=float(cos[h.event.text]), overlap=overlap[h.event.text]) for h in hits]
    return sorted(scored, key=lambda h: -h.score)


def _happened(hits: list[_Hit], past: bool = False) -> list[_Hit]:
    """The hits whose sentence states what happened: "when" and the reference event of "after X" are dated by them,
    never by a question or a condition (app.text.lines.hypothetical). For a question about the past, a forecast or
    a speculation gives way to a report of what happened (``_reported``, app.text.lines.speculative) when one is
    nearly as relevant (NEAR_BEST of the best score, the share "when" keeps its sources within)."""
    hits = [h for h in hits if not hypothetical(h.event.text)]
    if past and hits:
        reports = [h for h in hits if _reported(h) and not speculative(h.event.text)]
        best = max(h.score for h in hits)
        if reports and max(h.score for h in reports) >= NEAR_BEST * best:
            return reports
    return hits


YEAR_SECONDS = 366 * DAY_SECONDS


def _reaches_on(h: _Hit) -> bool:
    """Its date runs on more than a year past its article's publication: what "happened after X" cannot list.
    "Several conflicts between Israel and Arab states in the region followed over the next decades", a history
    told in the past, was dated 2023-10-12..2033-10-12 from its article's day (fourteenth session)."""
    return bool(h.event.published_ts) and h.event.date_end_ts > h.event.published_ts + YEAR_SECONDS


def _reported(h: _Hit, horizon_days: int = 0) -> bool:
    """The day its expression names had come (or comes within ``horizon_days``) when its article was published: an
    article published on Monday that says a storm "is expected to strengthen by the end of Tuesday before making
    landfall in Florida on Wednesday" dates a forecast, not a landfall. Over a new user's archive (twelfth session)
    "When did Idalia make landfall?" was answered "Tuesday" from that sentence, beside the Wednesday reports of the
    landfall itself, and "What happened after Idalia made landfall?" listed a senator asked about running "in
    2026". The "after" list keeps what was scheduled for the week after its article (SCHEDULED_DAYS: "talks will
    be held in Yevlakh on Thursday", the next step after the seed's ceasefire, quoted with its "will"), not
    forecasts further out. Undated articles: kept."""
    return not h.event.published_ts or h.event.date_start_ts <= h.event.published_ts + horizon_days * DAY_SECONDS


# "When did X ...?", "What year was X ...?": the question asks what has happened; "When will X ...?" does not.
_RE_ASKS_PAST = re.compile(r"(?i:\b(?:did|was|were|had|has|have|happened)\b)")
_RE_ASKS_FUTURE = re.compile(r"(?i:\b(?:will|would|shall|going\s+to|expected|scheduled|due|planned|next|upcoming)\b)")


def asks_past(question: str) -> bool:
    """The question asks when something happened, not when it will."""
    return bool(_RE_ASKS_PAST.search(question)) and not _RE_ASKS_FUTURE.search(question)


def _nearest_expression(hits: list[_Hit], text: str) -> list[_Hit]:
    """One row per sentence: the expression closest to the words the sentence shares with the text."""
    tokens = content_tokens(text)
    by_sentence: dict[tuple[str, int], list[_Hit]] = {}
    for h in hits:
        by_sentence.setdefault(h.key, []).append(h)
    out = []
    for group in by_sentence.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        sentence = group[0].event.text
        words = _asked_spans(sentence, tokens) or _asked_spans(sentence, tokens, light=True)
        out.append(min(group, key=partial(_expression_distance, words=words)))
    return sorted(out, key=lambda h: -h.score)


def _asked_spans(sentence: str, tokens: set[str], light: bool = False) -> list[tuple[int, int]]:
    """Where ``sentence`` has the asked words (``tokens``); not the light verbs among them unless ``light``."""
    return [m.span() for m in _RE_WORD.finditer(sentence) if content_tokens(m.group()) & tokens
            and (light or not content_tokens(m.group()) <= _LIGHT_VERBS)]


def _expression_distance(h: _Hit, words: list[tuple[int, int]]) -> tuple[int, int]:
    """How far a hit's time expression is from the asked words (their spans in its sentence): inside first, then
    the characters between the expression and the nearest word's near end ("by the end of Tuesday before making
    landfall in Florida on Wednesday": "landfall" is 12 characters from "on Wednesday" and 15 from "Tuesday";
    measured from the word's start it was 21, and the landfall was dated Tuesday). An expression before the word
    counts BEFORE_WORD times its gap: English puts the time after what it dates ("strengthen by the end of Tuesday
    before making landfall on the Corran coast on Wednesday": "landfall" is 15 characters after "Tuesday" and 21
    before "on Wednesday")."""
    s, e = h.event.expr_start - h.event.start, h.event.expr_end - h.event.start
    inside = [a for a, _ in words if s <= a < e]  # "the 2020 war": the year itself is the asked word
    gap = min((s - b if b <= s else BEFORE_WORD * (a - e) if a >= e else 0 for a, b in words), default=10**6)
    return (0 if inside else 1, gap)


# An adverbial clause of another event between the asked words and the expression: "... responsible for ... deadly
# attacks since the militant group was formed in 1987" dates the group's founding, not an attack.
_OTHER_CLAUSE = re.compile(r"\b(?:since|after|before|until|when|while|because|once)\b(?:\s+[\w'’,-]+){0,8}?\s+"
                           r"(?:(?:is|are|was|were|has|have|had|did|will|would)\b|[a-z]+ed\b)", re.I)


def _dates_another_clause(h: _Hit, tokens: set[str]) -> bool:
    """The hit's expression comes after every asked word of its sentence, in an adverbial clause that begins after
    the nearest of them (``_OTHER_CLAUSE``)."""
    sentence = h.event.text
    s = h.event.expr_start - h.event.start
    spans = _asked_spans(sentence, tokens)
    if not spans or any(a >= s for a, _ in spans):
        return False  # an asked word inside or after the expression: the expression may well date it
    between = sentence[max(b for _, b in spans):s]
    return bool(_OTHER_CLAUSE.search(between))


def _own_clause(hits: list[_Hit], question: str) -> list[_Hit]:
    """For "when", a sentence whose expression dates another clause (``_dates_another_clause``) gives way to one
    whose expression is the asked event's when one is nearly as relevant (NEAR_BEST of the best score). Over a
    RealTimeQA week (fourteenth session) "When did Hamas attack Israel?" was answered "1987" from "... deadly
    attacks since the militant group was formed in 1987", above "On Saturday, about 1,000 Hamas fighters stormed
    across the Israeli border ... in an attack"."""
    if not hits:
        return hits
    tokens = content_tokens(question)
    own = [h for h in hits if not _dates_another_clause(h, tokens)]
    if len(own) == len(hits) or not own or own[0].score < NEAR_BEST * hits[0].score:
        return hits
    return own


def _dedupe_sentences(hits: list[_Hit]) -> list[_Hit]:
    seen: set[tuple[str, int]] = set()
    out = []
    for h in hits:
        if h.key not in seen:
            seen.add(h.key)
            out.append(h)
    return out


def _merge(hits: list[_Hit], encode: Encode) -> list[_Hit]:
    """The same event reported by several articles is one source (its first report), as in the timeline."""
    firsts = {(first.article_id, first.start, first.date_label)
              for first, _ in merge_events(sorted((h.event for h in hits), key=sort_key), encode)}
    return [h for h in hits if (h.event.article_id, h.event.start, h.event.date_label) in firsts]


def _sources(hits: list[_Hit]) -> list[Source]:
    return [
        Source(n=i + 1, text=h.event.text, article_id=h.event.article_id, title=h.event.title,
               published=h.event.published, start=h.event.start, end=h.event.end, label=h.event.date_label,
               score=h.score)
        for i, h in enumerate(hits)
    ]


def _chronological(hits: list[_Hit]) -> list[_Hit]:
    return sorted(hits, key=lambda h: sort_key(h.event))


def reference_date(retriever: Retriever) -> dt.date:
    """'Now' for relative words in questions: the as-of day when the question has one, else the newest publication
    date in the archive, else today."""
    if retriever.as_of is not None:
        return retriever.as_of
    newest = _newest_published_ts(retriever)
    return from_epoch(newest) if newest is not None else dt.date.today()


# --------------------------------------------------------------------------------------------------------------
# Kinds
# --------------------------------------------------------------------------------------------------------------


def _named(hits: list[_Hit], text: str, context: str | None = None) -> list[_Hit]:
    """The hits whose sentence or article headline holds every name of ``text`` (``asked_names``): "When did the
    Morocco earthquake happen?" over a week without it was answered "December 1861" (a California megaflood), and
    "What happened after the earthquake in Morocco?" listed Libya's floods (thirteenth session). ``context``: the
    question ``text`` was taken from, whose names in ``text`` are read there ("Scalise" opens the anchor "Scalise
    was nominated", not the question: "What happened after Scalise was nominated?" had been anchored on "He also
    successfully nominated three Supreme Court justices", fifteenth session)."""
    names = asked_names(text) if context is None else asked_names(context) & content_tokens(text)
    if not names:
        return hits
    # the sentence's names as it writes them (app.text.tokens.written_names: "the main suspect" names no Maine)
    return [h for h in hits if names_all(names, held_names(h.event.title, h.event.text))]


def event_words(question: str, context: str | None = None) -> set[str]:
    """The words of the asked event itself: the question's topic words that are neither a name nor a light verb
    ("visit" of "When did Biden visit Israel?", "landfall" of "When did Idalia make landfall?"). ``context``: the
    question ``question`` was taken from (an anchor's: its names are read there, as ``_named`` reads them)."""
    return topic_tokens(question) - asked_names(context or question) - _LIGHT_VERBS


def holds_event(event: set[str], text: str) -> bool:
    """Does ``text`` hold a word of the asked event (``event_words``; "re-elected" holds "elected": a hyphenated
    word's parts and joined form count), or is there no such word to hold?"""
    return not event or bool(event & with_hyphen_parts(content_tokens(text)))


def _of_the_event(hits: list[_Hit], question: str, context: str | None = None) -> list[_Hit]:
    """The hits whose sentence holds a word of the asked event (``event_words``), if it has any. "When did Biden
    visit Israel?", over a week without the visit, had been answered "earlier this month" from "He focused instead
    on Iran and President Joe Biden, blaming both for the outbreak of more violence in the region earlier this
    month" under a headline naming Israel (fifteenth session)."""
    event = event_words(question, context)
    return [h for h in hits if holds_event(event, h.event.text)]


def _leads_of_the_event(retriever: Retriever, hits: list[_Hit], question: str) -> list[_Hit]:
    """The hits in an article's lead (its first LEAD_CHARS characters) whose article holds a word of the asked event
    (``event_words``) further on: a news story's lead says what happened and when in its own words. "When did
    Azerbaijan launch its operation?" on the seed had said the articles don't say: no dated sentence holds "launch"
    or "operation", while the lead "Azerbaijan sent troops ... into Armenian-controlled Nagorno-Karabakh on Tuesday"
    tells it and the article calls it "a full-scale military operation" further down. One read of the hits'
    articles."""
    event = event_words(question)
    leads = [h for h in hits if h.event.start < LEAD_CHARS]
    if not event or not leads:
        return []
    texts = retriever.store.article_texts(sorted({h.event.article_id for h in leads}))
    return [h for h in leads if holds_event(event, texts.get(h.event.article_id, ""))]


def _when(
    retriever: Retriever, question: str, constraint: TimeConstraint | None, encode: Encode
) -> DatedSources | None:
    query = overlapping(constraint.start, constraint.end) if constraint else None
    named = _named(_score(_candidates(retriever, question, query), question, encode), question)
    hits = _of_the_event(named, question) or _leads_of_the_event(retriever, named, question)
    hits = _own_clause(_nearest_expression(_happened(hits, asks_past(question)), question), question)
    if not hits or not hits[0].relevant:
        return None
    best = hits[0].score
    chosen = [h for h in hits if h.relevant and h.score >= NEAR_BEST * best][:MAX_WHEN]
    chosen = _merge(chosen, encode)
    note = "Each source is labelled with the date it describes. State the date of the event the question asks about."
    return DatedSources(_sources(chosen), note)


def _anchor(
    retriever: Retriever, question: str, constraint: TimeConstraint, encode: Encode
) -> DatedSources | None:
    anchor_text = constraint.anchor_text or ""
    past = asks_past(question)
    hits = _score(_candidates(retriever, anchor_text), anchor_text, encode)
    # the reference event names what the anchor names and is that event ("What happened after Scalise was
    # nominated?" had been anchored on "He also successfully nominated three Supreme Court justices", then on
    # "Republican Whip Steve Scalise telling reporters Tuesday, ...": fifteenth session)
    hits = _of_the_event(_named(hits, anchor_text, question), anchor_text, question)
    hits = _nearest_expression(_happened(hits, past), anchor_text)
    if not hits or not hits[0].relevant:
        return None
    ref = _best_anchor(hits)
    after = constraint.relation == "after"
    bound = ref.event.date_end_ts if after else ref.event.date_start_ts
    query = EventFilter(starts_after=bound) if after else EventFilter(ends_before=bound)
    topic = topic_tokens(question[: constraint.span[0]] if constraint.span else question)
    # not a caption, nor a sentence dated only by the far bound of something else ("a top official ... until
    # February, appealed for ..." is no event of February, after the ceasefire or before it)
    beyond = "before" if after else "after"
    rows = [h for h in _scoped_rows(retriever, question, query)
            if h.key != ref.key and h.event.relation != beyond and not furniture(h.event.text)]
    if not topic and not _large_archive(retriever):
        story, names = anchor_story(retriever, anchor_text, ref.event)
        rows = [h for h in rows if h.event.article_id in story or (names and names_all(
            names, content_tokens(h.event.title) | content_tokens(h.event.text)))]
    if past:  # what happened: not a condition ("If search teams hadn't captured him when they did, ..."), nor a
        # forecast years out
        rows = [h for h in _happened(rows) if _reported(h, SCHEDULED_DAYS) and not _reaches_on(h)]
    rows = _pick(rows, question, topic, encode, nearest_to=bound, after=after)
    word = "after" if after else "before"
    note = (f"Source 1 is the reference event ({ref.event.date_label}). The other sources happened {word} it, "
            "in date order; say what happened and when.")
    return DatedSources(_sources([ref] + _chronological(rows)), note)


def anchor_story(retriever: Retriever, anchor_text: str, ref: StoredEvent) -> tuple[set[str], set[str]]:
    """The articles of the reference event's story, which "What happened after X?" reads its events from, and the
    names the anchor gives it (an event whose headline or sentence holds them all is of the story too: an
    aftermath report, "Odile's floods recede", can be further from the story's centroid than the story finder's
    threshold).

    Without it the events nearest after X's day came from the whole archive: over a new user's 25 articles of two
    stories (twelfth session), "What happened after Cavalcante escaped?" listed the Labor Day holiday's history and
    flamingos flung by Hurricane Idalia beside the manhunt, and "... after Idalia made landfall?" the prison escape.
    The story is the story finder's for the anchor's words (``find_story``, as ``timeline --about``: "Cavalcante
    escaped" -> the 12 manhunt articles, "Idalia made landfall" -> the 11 storm articles); when that does not hold
    the reference event's article ("the ceasefire" names no story), the articles whose vector is within
    STORY_COSINE of that article's. An anchor that names nothing takes its names from that article's headline
    ("the ceasefire" -> "Karabakh separatists accept ceasefire ..." -> Karabakh): the story's next day, "First talks
    held in Yevlakh on Karabakh's future", was further from the ceasefire article than STORY_COSINE.

    Read in an archive of at most SCOPE_ARTICLES articles, where the candidates are every dated sentence of the
    archive; a larger one reads the events of the passages retrieved for the question (``_scoped_rows``), which are
    about it already, and the story finder there cost seconds per question (2,600 articles: 2.8 s -> 12 s for
    "What happened after the earthquake?", the machine loaded)."""
    scope = retriever.articles  # every visible article (as of the question's day in an as-of view)
    article_id = ref.article_id
    names = query_names(retriever, anchor_text) or query_names(retriever, ref.title)
    story = set(find_story(retriever, anchor_text, scope, names))
    if article_id in story:
        return story, names
    near = retriever.article_matrix()
    if article_id not in near.ids:
        return {article_id}, names
    vector = near.vectors[near.ids.index(article_id)]
    return {aid for aid, sim in near.similarities(vector).items() if aid in scope and sim >= STORY_COSINE} | {
        article_id}, names


def _best_anchor(hits: list[_Hit]) -> _Hit:
    """The best match; among near-ties the most recent report (news means the latest ceasefire)."""
    best = hits[0].score
    ties = [h for h in hits if h.score >= best - 0.05]
    return max(ties, key=lambda h: (h.event.published_ts, h.event.date_end_ts, h.score))


def _pick(rows: list[_Hit], question: str, topic: set[str], encode: Encode, nearest_to: int | None = None,
          after: bool = True) -> list[_Hit]:
    """At most MAX_LIST events: the most relevant if the question has a topic, else those nearest the bound."""
    rows = _dedupe_sentences(sorted(rows, key=lambda h: sort_key(h.event)))
    if topic:
        if len(rows) > MAX_RANGE_ENCODE:  # cheap pre-rank by shared words before embedding
            rows = sorted(rows, key=lambda h: -len(topic & content_tokens(h.event.text)))[:MAX_RANGE_ENCODE]
        rows = [h for h in _score(rows, question, encode) if h.relevant] or []
    elif nearest_to is not None:
        rows.sort(key=lambda h: abs((h.event.date_start_ts if after else h.event.date_end_ts) - nearest_to))
    rows = _merge(rows[: MAX_LIST * 2], encode)
    return rows[:MAX_LIST]


def _short(constraint: TimeConstraint) -> bool:
    return (constraint.start is not None and constraint.end is not None
            and (constraint.end - constraint.start).days < SHORT_PERIOD_DAYS)


def _stands_alone(text: str) -> bool:
    """A line of a day's list: not page furniture, a condition, nor an opening that needs the sentence before it
    ("It's time for Wednesday's news", "And on Sunday, he urged ..."), nor a quotation opening it ("“We’ve dreamed
    big here tonight…": what someone said, not what happened)."""
    return (not furniture(text) and not hypothetical(text) and not dangling(text)
            and not text.lstrip().startswith(('"', "“", "'", "‘")))


def _news_first(h: _Hit) -> tuple[bool, bool, bool, int, str]:
    """What a period's events are listed by when the question names no subject: those an article published in the
    period or the day after it dates to one day (not "this week"), reports before forecasts, by their place in
    the article (a lead says what happened first); then later recollections."""
    e = h.event
    fresh = e.date_start_ts <= e.published_ts <= e.date_end_ts + DAY_SECONDS
    return not fresh, e.date_end_ts - e.date_start_ts > DAY_SECONDS, not _reported(h), e.start, e.article_id


def _within(constraint: TimeConstraint, hits: list[_Hit]) -> list[_Hit]:
    """Of events overlapping a short period (a day or a week: SHORT_PERIOD_DAYS), those whose own date is not much
    wider than it: "What happened on 1 September 2023?" was answered with eight sentences dated "2023" ("There
    will be two solar eclipses ... in 2023"), which overlap the day but do not say anything about it. A longer
    period keeps them all: "Which club did X play for in 2006?" is answered by "from 2003 to 2008 ..." (TimeQA).
    "Not much wider" is a week, and two days for a day: "What happened on 18 October 2023?" over a week with no
    article of that day was answered "Boo Buckets:McDonald's brings back its Boo Buckets for Halloween this week",
    dated 2023-W42 (fourteenth session); "between 13 and 17 October" keeps that week's events."""
    if not _short(constraint):
        return hits
    one_day = constraint.start == constraint.end
    widest = (2 if one_day else SHORT_PERIOD_DAYS) * DAY_SECONDS
    return [h for h in hits if h.event.date_end_ts - h.event.date_start_ts <= widest]


def _range(retriever: Retriever, question: str, constraint: TimeConstraint, encode: Encode) -> DatedSources:
    query = overlapping(constraint.start, constraint.end)
    topic = topic_tokens(question)
    if topic:
        # A question with a subject ("which club did X coach from 2005 to 2007"): the in-range events of the
        # passages retrieved for it, the best few; the whole range only if none of those is relevant.
        hits = [h for h in _nearest_expression(_score(_candidates(retriever, question, query), question, encode),
                                               question) if h.relevant]
        if not hits:
            hits = _pick(_scoped_rows(retriever, question, query), question, topic, encode)
        best = hits[0].score if hits else 0.0
        rows = _merge([h for h in hits if h.score >= 0.7 * best][:MAX_TOPICAL], encode)
    elif _short(constraint):
        # "What happened on 30 August?": the period's own events, read by date (a short period holds few; the
        # passages retrieved for the words "what happened on" are no guide to them), the day's reports first
        rows = _dedupe_sentences(sorted(_within(constraint, _rows(retriever, query)), key=_news_first))
        rows = [h for h in rows if _stands_alone(h.event.text)] or rows
        if asks_past(question):  # "what happened": what was reported, not what was forecast for the day
            rows = [h for h in rows if _reported(h) and not speculative(h.event.text)] or rows
        rows = _merge(rows[: MAX_LIST * 2], encode)
        rows = rows[:MAX_LIST]
    else:
        rows = _pick(_scoped_rows(retriever, question, query), question, topic, encode)
    rows = _within(constraint, rows)
    if constraint.relation in ("latest", "earliest"):
        rows.sort(key=lambda h: sort_key(h.event), reverse=constraint.relation == "latest")
        chosen = rows[:MAX_WHEN]
    else:
        chosen = _chronological(rows)
    lo = constraint.start.isoformat() if constraint.start else "the beginning"
    hi = constraint.end.isoformat() if constraint.end else "now"
    note = f"The question is about {lo} to {hi}. Use only the dated sources; say when each thing happened."
    return DatedSources(_sources(chosen), note)


def _story_newest(retriever: Retriever, question: str, encode: Encode) -> list[_Hit]:
    """The relevant dated sentences of the newest article of the question's story (``find_story``): "What is the
    latest on Cavalcante?" over a new user's 25 articles (twelfth session) had been answered from a search-timeline
    article of 8 September, the newest among the passages that best match the question's words, while the story's
    newest article, of 14 September, reported his capture. What happened, as for "when" (``_happened``). Only for a
    question that names its story (``query_names``: Cavalcante), as the story finder reads names first. Empty when
    the question names no story the archive holds, or its newest article has no relevant dated sentence."""
    names = query_names(retriever, question)
    if not names:  # "the latest on the swine flu": a story found by its vectors alone may end in a neighbour's
        return []  # newest article (2023's COVID-19 tests, in an archive holding both)
    scope = retriever.articles  # every visible article (as of the question's day in an as-of view)
    story = [aid for aid in find_story(retriever, question, scope, names) if scope[aid].published_ts]
    if not story:
        return []
    newest = max(scope[aid].published_ts for aid in story)
    ids = tuple(sorted(aid for aid in story if scope[aid].published_ts == newest))
    scored = _happened(_score(_rows(retriever, EventFilter(article_ids=ids)), question, encode), past=True)
    return [h for h in scored if h.relevant]


def _superlative(retriever: Retriever, question: str, relation: str, encode: Encode) -> DatedSources | None:
    topic = topic_tokens(question)
    if topic:
        hits = _story_newest(retriever, question, encode) if relation == "latest" else []
        hits = hits or [h for h in _score(_candidates(retriever, question), question, encode) if h.relevant]
        if not hits:
            return None
        best = hits[0].score
        hits = [h for h in hits if h.score >= 0.75 * best]
    elif relation == "latest" and _large_archive(retriever) and (newest := _newest_published_ts(retriever)):
        hits = _rows(retriever, EventFilter(published_ts=newest))  # "the latest news": the newest articles' events
    else:
        hits = _scoped_rows(retriever, question, None)
    if not hits:
        return None
    latest = relation == "latest"
    published = {h.event.published_ts for h in hits}
    if latest and len(published) > 1:
        newest = max(published)
        hits = [h for h in hits if h.event.published_ts == newest]
        note = "These come from the most recently published article. Say what the latest news is and its date."
    else:
        note = f"These are the {'latest' if latest else 'earliest'} dated events. Say what happened and when."
    hits = _dedupe_sentences(sorted(hits, key=lambda h: sort_key(h.event), reverse=latest))
    return DatedSources(_sources(_merge(hits[: MAX_WHEN * 2], encode)[:MAX_WHEN]), note)


def _first_of(retriever: Retriever, question: str, encode: Encode) -> DatedSources | None:
    chosen: list[_Hit] = []
    for phrase in first_of_phrases(question)[:2]:
        hits = _score(_candidates(retriever, phrase), phrase, encode)
        exprs = find_time_expressions(phrase, dt.date(2000, 1, 1))
        dated = [e for e in exprs if e.granularity in ("year", "decade", "century", "month") or "20" in e.text]
        if dated:  # "the 2020 war": prefer events of that date
            lo, hi = dated[0].date_start, dated[0].date_end
            inside = [h for h in hits if from_epoch(h.event.date_start_ts) <= hi
                      and from_epoch(h.event.date_end_ts) >= lo]
            hits = inside or hits
        hits = _nearest_expression(hits, phrase)
        if hits and hits[0].relevant:
            chosen.append(hits[0])
    if len(chosen) < 2:
        return None
    note = "Compare the dates of the sources and say which came first, with both dates."
    return DatedSources(_sources(_chronological(chosen)), note)


_YEAR = re.compile(r"\b\d{3,4}s?\b")


def _absolute(question: str, constraint: TimeConstraint | None) -> bool:
    """A constraint that names a year ("in 2005", "from 1990 to 1995", "in March 2003"), not a relative news
    qualifier ("this week", "recently"). A factoid question with one ("Which team did X play for in 2005?") is a
    search among the events dated in that period (the range reader below, which falls through to plain search
    when none is relevant); with a relative one it is a plain search with a recency preference. Sending both to
    plain search cost TimeQA dev half its accuracy (0.349 -> 0.171, 362 of 410 questions routed to search)."""
    if constraint is None or constraint.span is None or constraint.start is None:
        return False
    return bool(_YEAR.search(question[constraint.span[0] : constraint.span[1]]))


# "the UK's 2030 ban", "Which 2024 Republican presidential contender", "the J.D. Power 2023 North American Airport
# Satisfaction Study": a bare year before a word that is not a connective, and not after a preposition, is part of
# a name; it does not say when the asked thing happened ("in 2023 Delaware saw ...", "from 2004 to 2005" do).
_BARE_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_BEFORE_A_WORD = re.compile(r"(?:[-–/]\d{2,4})?\s+(?!(?:and|or|to|through|until|till|when|while|as|after|before|in|on|"
                            r"at|for|with|from|is|was|were|are|has|had|have|did|will|would)\b)[A-Za-z]")
_AFTER_A_PREPOSITION = re.compile(r"\b(?:in|from|to|between|and|during|since|until|till|through|by|before|after|of|"
                                  r"on|around|year|early|mid|late|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|\d{1,2},?)\s*$",
                                  re.I)


def _names_a_thing(question: str, year: re.Match[str]) -> bool:
    return bool(_BEFORE_A_WORD.match(question, year.end())) and not _AFTER_A_PREPOSITION.search(
        question[: year.start()])


def _past_period(question: str, constraint: TimeConstraint | None, reference: dt.date) -> bool:
    """Is a factoid question's constraint a period the range reader (``_range``) reads: a named one
    (``_absolute``: "Which team did X play for from 2004 to 2005?", TimeQA's questions), over by the reference day,
    its year not part of a name? The range reader reads dated sentences, and a news article rarely dates the
    sentence that answers a question about its own year or a coming one: "Which car company has criticised Rishi
    Sunak's decision to delay the UK's 2030 ban ...?", "Who did Governor John Carney endorse for the next Delaware
    governor in 2024?" (asked in 2023) and "... which airport ranked last in the J.D. Power 2023 ... Study?" had
    listed events dated 2030, 2024 and 2023 instead of searching. Those are searches, as the relative qualifiers
    ("this week") are. (RealTimeQA dev: see results.md, fifteenth session.)"""
    if not _absolute(question, constraint) or constraint is None or constraint.span is None:
        return False
    if constraint.end is None or constraint.end >= reference:
        return False
    start, end = constraint.span
    return not all(_names_a_thing(question, year) for year in _BARE_YEAR.finditer(question, start, end))


def timeline_sources(retriever: Retriever, question: str, encode: Encode) -> DatedSources | None:
    """Date-labelled numbered sources and an instruction for the prompt, for a temporal question; else None."""
    if not question_is_temporal(question):
        return None
    reference = reference_date(retriever)
    constraint = event_anchor(question) or parse_question_time(question, reference)
    kind = question_kind(question, constraint)
    if (kind not in ("when", "first_of") and what_is_asked(question).factoid
            and not _past_period(question, constraint, reference)):
        # "Which school named a president this week?", "How many villages were evacuated before the storm made
        # landfall?": a search with a time qualifier or an anchor event, not a timeline: the events around the anchor
        # are not the thing asked for. (RealTimeQA, 100 questions of 4 weeks: 4 such questions moved from the timeline
        # route to search, none answered on either; TimeQA dev 0.341 -> 0.344, seed eval unchanged.)
        return None
    if kind == "first_of":
        return _first_of(retriever, question, encode)
    if kind == "when":
        return _when(retriever, question, constraint, encode)
    if kind == "anchor" and constraint is not None:
        return _anchor(retriever, question, constraint, encode)
    if kind == "range" and constraint is not None:
        return _range(retriever, question, constraint, encode)
    if kind in ("latest", "earliest"):
        return _superlative(retriever, question, kind, encode)
    # Temporal wording without a constraint ("timeline of the talks", "how long ago"): relevant events in order,
    # of what the question names and of its event ("Timeline of the Maine shooting", over a week without it, had
    # listed other shootings, then a Maine teacher's award: fifteenth session).
    hits = _of_the_event(_named(_score(_candidates(retriever, question), question, encode), question), question)
    hits = [h for h in _nearest_expression(hits, question) if h.relevant]
    if not hits:
        return None
    chosen = _chronological(_merge(hits[:MAX_LIST], encode))
    return DatedSources(_sources(chosen), "The sources are dated events in date order; say what happened and when.")


# An article cannot report what happened in a period that began after it was published: "Which major strike in the
# US ended this week?" (asked 2023-09-28) had the model pick "It was the 1994 Major League Baseball strike" from a
# 2014 article, beside the week's "Screenwriters and studios make deal". A few days' margin keeps the previews and
# the reports of the days just before ("this week" read as the calendar week, asked on a Monday).
PERIOD_MARGIN = dt.timedelta(days=7)


def reported_since(question: str, reference: dt.date) -> dt.date | None:
    """The earliest publication day of an article that can report on the period the question asks about ("this
    week", "this month", "on Tuesday", "over the past week"): the period's start less PERIOD_MARGIN. None when the
    question names no relative period that has begun by ``reference``: no period, a named year ("in 2005": the
    range reader's, over documents whose publication day says nothing of what they cover), a future one ("next
    year", which earlier articles preview)."""
    constraint = parse_question_time(question, reference)
    if constraint is None or constraint.start is None or constraint.start > reference:
        return None
    if _absolute(question, constraint):
        return None
    return constraint.start - PERIOD_MARGIN


def published_since(passages: list[Passage], earliest: dt.date) -> list[Passage]:
    """The passages of articles published on or after ``earliest`` (and undated ones), when any dated passage is;
    else all of them (the archive holds nothing of the period: its older articles are what there is)."""
    kept = [p for p in passages if (day := p.published_day) is None or day >= earliest]
    return kept if any(p.published_day is not None for p in kept) else passages


def looks_back(source: Source) -> bool:
    """A range of more than a year that ends on its article's day ("in the past 170 years", "over the past two
    years": 1853-08-28..2023-08-28) measures a span back from the writing; it never says when something happened.
    A new user's "When did Hurricane Idalia make landfall?" had been led by "the past 170 years"."""
    first, _, last = source.label.partition("..")
    published = source.published_day
    if not last or published is None or last != published.isoformat():
        return False
    try:
        return (published - dt.date.fromisoformat(first)).days > 366
    except ValueError:
        return False
