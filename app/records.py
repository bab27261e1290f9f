"""The records that cross stages, in one place: what the store hands to queries, queries to answers, answers to the
CLI, the UI and eval. All frozen: a record read from the store, or a source shown to a user, never changes under
a later stage (a scored copy is ``dataclasses.replace``-d, not edited).

Chroma rows become these types inside app.store and nowhere else, so no stage downstream reads a raw Chroma dict
(``got["metadatas"][0]["start"]``) or depends on how a field is encoded there (spans as JSON, actors joined by "|").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

Span = tuple[int, int]


def epoch(day: dt.date) -> int:
    """UTC midnight of a date as integer seconds (negative before 1970): how dates are stored for range filters."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def from_epoch(ts: int) -> dt.date:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(ts))).date()


def day_of(published: str | None) -> dt.date | None:
    """The day of a stored publication date ("2023-09-19T10:00:00" -> 2023-09-19); None: undated or unparsable."""
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


@dataclass(frozen=True)
class StoredArticle:
    """One completely ingested article, as the store lists it (its text is fetched apart: ``Store.article_text``)."""

    article_id: str
    title: str
    published: str | None  # ISO date
    published_ts: int  # epoch seconds of ``published``; 0 when undated
    source: str  # file path (or file#record) it came from
    source_key: str  # what identifies "the same article, maybe edited": URL, else resolved path
    url: str
    byline: str
    n_chunks: int
    ingested_at: int


@dataclass(frozen=True)
class Passage:
    """A stored passage (a few whole sentences of one article) with everything needed to cite it."""

    chunk_id: str
    text: str
    article_id: str
    title: str
    published: str | None
    source: str
    start: int
    end: int
    sentences: tuple[Span, ...]
    score: float = 0.0  # fused retrieval score, when it came from a search
    ranks: tuple[tuple[str, int], ...] = ()  # ("dense", 1), ("bm25", 3): rank in each retriever
    vector: Any = field(default=None, compare=False, repr=False)  # stored embedding (numpy), when asked for

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """(article start, article end, text) of each sentence in the passage."""
        return [(s, e, self.text[s - self.start : e - self.start]) for s, e in self.sentences]

    def rank(self, retriever: str) -> int | None:
        return dict(self.ranks).get(retriever)

    @property
    def published_day(self) -> dt.date | None:
        """The article's publication day (None: undated, or a date that does not parse)."""
        return day_of(self.published)


@dataclass(frozen=True)
class StoredStatement:
    """An attributed statement found at ingest: who said it (speaker, and the actor they speak for) and where."""

    statement_id: str
    text: str  # the sentence (or the quote spanning a few)
    article_id: str
    chunk_id: str
    title: str
    published: str | None
    published_ts: int
    start: int
    end: int
    speaker: str  # "Dmitry Peskov", "the Kremlin"
    affiliation: str  # canonical actor: "Russia"
    speaker_key: str  # surname, lower case, for "What did Peskov say?"
    verb: str  # reporting verb: "said", "called for"
    quote: str  # the quoted words, if any

    @property
    def actor(self) -> str:
        """Whom the "Who said what" tab files it under: the actor spoken for, else the speaker."""
        return self.affiliation or self.speaker or "Unattributed"

    @property
    def label(self) -> str:
        """"Russia — Dmitry Peskov", or just the actor when the speaker is the actor itself."""
        if not self.speaker or self.speaker == self.affiliation:
            return self.affiliation
        return f"{self.affiliation} — {self.speaker}".strip(" —")


@dataclass(frozen=True)
class StatementFilter:
    """Which stored statements to read; every given condition must hold (none given: all of them)."""

    affiliation: str | None = None  # the canonical actor a speaker speaks for: "Russia"
    speaker_key: str | None = None  # a speaker's surname, lower case: "peskov"
    chunk_ids: tuple[str, ...] | None = None
    article_ids: tuple[str, ...] | None = None

    @property
    def matches_nothing(self) -> bool:
        """An empty id list: no statement can match."""
        return self.chunk_ids == () or self.article_ids == ()

    def conditions(self) -> list[tuple[str, str, Any]]:
        """Every given condition as (StoredStatement field, operator "in" or "=", value), as EventFilter.conditions:
        the one reading of a filter, rendered by Chroma's metadata filter and by the local index's SQL."""
        out: list[tuple[str, str, Any]] = []
        if self.article_ids is not None:
            out.append(("article_id", "in", self.article_ids))
        if self.chunk_ids is not None:
            out.append(("chunk_id", "in", self.chunk_ids))
        if self.affiliation is not None:
            out.append(("affiliation", "=", self.affiliation))
        if self.speaker_key is not None:
            out.append(("speaker_key", "=", self.speaker_key))
        return out


@dataclass(frozen=True)
class StoredEvent:
    """One resolved time expression in a sentence: the sentence is the cited text, the expression gives the date."""

    event_id: str
    text: str  # the whole sentence
    article_id: str
    chunk_id: str
    title: str
    published: str | None
    published_ts: int
    start: int  # the sentence's span in the article
    end: int
    expr_start: int  # the time expression's span in the article
    expr_end: int
    expr_text: str
    date_start_ts: int
    date_end_ts: int
    date_label: str  # "2023-09-19", "September 2023", "1990s"
    granularity: str  # day, week, month, year, decade, century
    relation: str  # at, before, after, since, until ...
    actors: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int]:
        """The sentence it belongs to: (article, start)."""
        return self.article_id, self.start


@dataclass(frozen=True)
class EventFilter:
    """Which stored events to read; every given condition must hold.

    ``overlaps``: events whose date range overlaps [from, to] (either end open, as epoch seconds);
    ``starts_after`` / ``ends_before``: strictly after / before an epoch (for "what happened after X").
    """

    chunk_ids: tuple[str, ...] | None = None
    overlaps: tuple[int | None, int | None] | None = None
    starts_after: int | None = None
    ends_before: int | None = None
    published_ts: int | None = None
    article_ids: tuple[str, ...] | None = None
    granularity: str | None = None  # "day": only events dated to one day
    starts_in: tuple[int, ...] | None = None  # events starting on one of these epochs (story dates)

    def and_chunks(self, chunk_ids: tuple[str, ...]) -> EventFilter:
        return replace(self, chunk_ids=chunk_ids)

    @property
    def matches_nothing(self) -> bool:
        """An empty id or day list: no event can match."""
        return self.chunk_ids == () or self.article_ids == () or self.starts_in == ()

    def conditions(self) -> list[tuple[str, str, Any]]:
        """Every given condition as (StoredEvent field, operator, value); the operator is "in" (the value a tuple),
        ">=", "<=", ">", "<" or "=". The one reading of a filter, which each store renders in its own terms
        (Chroma's metadata filter, the local index's SQL), so the two cannot drift apart."""
        out: list[tuple[str, str, Any]] = []
        if self.article_ids is not None:
            out.append(("article_id", "in", self.article_ids))
        if self.chunk_ids is not None:
            out.append(("chunk_id", "in", self.chunk_ids))
        if self.starts_in is not None:
            out.append(("date_start_ts", "in", self.starts_in))
        if self.overlaps is not None:
            lo, hi = self.overlaps
            if lo is not None:
                out.append(("date_end_ts", ">=", lo))
            if hi is not None:
                out.append(("date_start_ts", "<=", hi))
        if self.starts_after is not None:
            out.append(("date_start_ts", ">", self.starts_after))
        if self.ends_before is not None:
            out.append(("date_end_ts", "<", self.ends_before))
        if self.published_ts is not None:
            out.append(("published_ts", "=", self.published_ts))
        if self.granularity is not None:
            out.append(("granularity", "=", self.granularity))
        return out


@dataclass(frozen=True)
class EventCitation:
    """One article sentence that reports a timeline event."""

    article_id: str
    title: str
    published: str | None
    start: int
    end: int
    expr_start: int
    expr_end: int
    expr_text: str

    @classmethod
    def of(cls, event: StoredEvent) -> EventCitation:
        return cls(event.article_id, event.title, event.published, event.start, event.end, event.expr_start,
                   event.expr_end, event.expr_text)


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event of the timeline; ``citations`` hold every article sentence that reports it (first report
    first)."""

    date_start: dt.date
    date_end: dt.date
    label: str
    granularity: str
    relation: str
    text: str  # the sentence of the first report
    actors: tuple[str, ...]
    citations: tuple[EventCitation, ...]

    @property
    def article_ids(self) -> list[str]:
        return [c.article_id for c in self.citations]


@dataclass(frozen=True)
class Source:
    """A numbered piece of evidence shown to the model and cited in answers: one sentence (or a quote spanning a
    few) of an article, with its exact span."""

    n: int
    text: str
    article_id: str
    title: str
    published: str | None
    start: int
    end: int
    label: str = ""  # e.g. "Russia — Dmitry Peskov" for attributed statements, the resolved date for events
    context: str = ""  # the surrounding passage, for display
    score: float = 0.0  # relevance to the question
    verb: str = ""  # reporting verb of an attributed statement ("said", "called for")
    quote: str = ""  # the quoted words of a statement, if any
    shown: str = ""  # a story line as shown, when it differs from ``text``: "He [Hosni Mubarak] resigned ..."

    @property
    def published_day(self) -> dt.date | None:
        """The article's publication day (None: undated, or a date that does not parse)."""
        return day_of(self.published)

    def to_citation(self) -> dict[str, object]:
        """The stable ``--json`` shape of a citation."""
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "published": self.published,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class ShortAnswer:
    """The words that answer a factoid question ("Omar Suleiman"), inside the cited sentence [n]: what the reader
    sees first, the sentence under it. ``start``/``end``: the words' span in the article (inside the sentence's)."""

    text: str
    n: int
    start: int
    end: int
    by: str  # "model": the model picked and copied it (app.answer.pick); "rules": app.text.answer_spans

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "n": self.n, "start": self.start, "end": self.end, "by": self.by}


# --- story timelines (app.query.story) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceCitation:
    """One article sentence, by exact span: what a story timeline line cites."""

    article_id: str
    title: str
    published: str | None
    url: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class StoryLine:
    """One sentence saying what happened on a story date; ``citations`` hold every article sentence that reports
    the same (the quoted one first), so ``n_articles`` is how many articles reported it."""

    text: str
    citations: tuple[SentenceCitation, ...]

    @property
    def n_articles(self) -> int:
        return len({c.article_id for c in self.citations})


@dataclass(frozen=True)
class StoryDay:
    """A date that mattered in a story: what happened, and why the date was chosen."""

    date: dt.date
    lines: tuple[StoryLine, ...]
    n_articles: int  # story articles that report the day: published on it, or referring back to it
    published: int  # story articles published that day
    mentions: int  # story articles that refer to the day in a sentence dated to it
    weight: float  # the score the date was chosen by (app.query.story.date_weights)
    # a "what is new since" timeline (app.query.actor_timeline): "new", a day after the since-day reported by the
    # articles published after it, or "changed", an earlier day those articles report something new about
    status: str = ""


@dataclass(frozen=True)
class CoverageDay:
    """How much of the story falls on one day: articles published, and articles referring back to it."""

    date: dt.date
    published: int
    mentions: int


@dataclass(frozen=True)
class StoryTimeline:
    """The dates that mattered in a story, in date order, each with the sentences saying what happened.

    ``message`` says why there is no timeline to show ("No articles about ..."), or, beside one, that the story
    was cut to its closest articles (app.query.story.MAX_STORY_ARTICLES); ``undated`` lists story articles that
    have no publication date (their relative dates could not be placed)."""

    about: str
    days: tuple[StoryDay, ...]
    coverage: tuple[CoverageDay, ...]
    article_ids: tuple[str, ...]  # the story's dated articles in scope
    date_from: dt.date | None
    date_to: dt.date | None
    as_of: dt.date | None = None
    undated: tuple[str, ...] = ()
    message: str = ""
    timings: tuple[tuple[str, float], ...] = ()
    # Whose timeline (app.query.actor_timeline): "story", or an actor's: "person", "organisation", "country",
    # "region"; an actor's timeline lists its name, then the other names its lines were matched by ("Conrad Murray",
    # "Murray").
    kind: str = "story"
    aliases: tuple[str, ...] = ()
    since: dt.date | None = None  # "what is new since": only what the articles published after this day report
    new_articles: tuple[str, ...] = ()  # ... those articles

    @property
    def n_articles(self) -> int:
        return len(self.article_ids)

    @property
    def is_actor(self) -> bool:
        return self.kind != "story"

    @property
    def subject(self) -> str:
        """Whose timeline: the actor's name as the archive writes it, else the story as asked."""
        return self.aliases[0] if self.is_actor and self.aliases else self.about

    @property
    def kind_label(self) -> str:
        """What the timeline is of, as its title says it: "story", "a person", "an organisation" ..."""
        return {"story": "story", "person": "a person", "organisation": "an organisation", "country": "a country",
                "region": "a region"}.get(self.kind, self.kind)

    @property
    def lines(self) -> list[tuple[StoryDay, StoryLine]]:
        return [(day, line) for day in self.days for line in day.lines]


@dataclass(frozen=True)
class DayHeadline:
    """A story day's one-line headline (app.answer.headlines): written by the model from the day's lines and kept
    only when the citation guard finds every name and number of it in those lines; otherwise the day's extractive
    line, with the reason the model's was not used."""

    date: dt.date
    text: str  # what the day's headline shows: the model's headline, or the day's first line
    by: str  # "model", or "extractive" (the model's headline was refused, or the model could not be asked)
    reason: str = ""  # why the model's headline was not used ("names 'Cairo' that no line of the day writes")
    proposed: str = ""  # the model's headline as written, when refused
    seconds: float = 0.0  # from the request to this headline (its wait for the model included)

    def to_json(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "text": self.text, "by": self.by, "reason": self.reason,
                "proposed": self.proposed, "seconds": round(self.seconds, 2)}


# --- the model's child process --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelProcessInfo:
    """The embedded model's child process, as tools outside the package may see it (its memory is part of what a
    user's machine must hold: benchmarks/llm_bench.py reads it by pid)."""

    pid: int | None  # None: not running (not started yet, or died and not restarted yet)
    starts: int  # processes started so far (more than 1: one died and was restarted)


@dataclass(frozen=True)
class ModelWait:
    """An LLM answer waiting for a free model endpoint (yielded by ``Chronicle.stream`` about once a second while it
    waits, before any text): the reader's place in the line and a rough estimate of the wait."""

    position: int  # 1: next to be served
    waiting: int  # answers in line, this one included
    endpoints: int  # model endpoints serving the line (reachable ones)
    eta_s: float  # about how long until this answer starts: answers ahead / endpoints x the mean answer time

    def describe(self) -> str:
        """'Waiting for the model: 3rd in line (2 answers ahead), about 20 s.'"""
        ahead = self.position - 1
        place = "next in line" if ahead == 0 else f"{_ordinal(self.position)} in line ({ahead} answer" \
            f"{'s' if ahead != 1 else ''} ahead)"
        return f"Waiting for the model: {place}, about {max(1, round(self.eta_s))} s."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
