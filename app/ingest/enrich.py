"""Turn an article's passages into the records Chronicle stores: the passages themselves, who-said-what statements
(app.text.attribution) and dated events (app.text.dates).

Statements and events point at their passage (``chunk_id``) and reuse its embedding when stored: no extra model
time at ingest. An event's actors are the actors its sentence names plus the affiliation of any statement that
overlaps it ("Moscow said on Tuesday ..." is a Russia event).

``prepare_articles`` runs every CPU-bound text stage of a batch (sentence split and chunking, statements, dates and
actors) in one call that needs no model and no store, so the pipeline can run it in a worker process for the next
batch while the encoder works on this one. It times each stage (the ingest profile reports the sums).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from app.records import Passage, StoredArticle, StoredEvent, StoredStatement, epoch
from app.text.actors import find_actor_mentions
from app.text.articles import Article
from app.text.attribution import extract_statements, speaker_key
from app.text.chunking import Chunk, chunk_article
from app.text.dates import find_time_expressions


def source_key(article: Article) -> str:
    """What identifies 'the same article, maybe edited': its URL, else its resolved file path (or file#record)."""
    if article.url:
        return article.url
    name, _, record = article.source.partition("#")
    path = Path(name)
    return f"{path.resolve()}#{record}" if record else str(path.resolve())


def article_record(article: Article, n_chunks: int) -> StoredArticle:
    return StoredArticle(
        article_id=article.article_id, title=article.title, published=article.published_iso,
        published_ts=article.published_ts, source=article.source, source_key=source_key(article),
        url=article.url or "", byline=article.byline or "", n_chunks=n_chunks, ingested_at=int(time.time()),
    )


def passage_records(article: Article, chunks: list[Chunk]) -> list[Passage]:
    return [
        Passage(chunk_id=c.chunk_id, text=c.text, article_id=article.article_id, title=article.title,
                published=article.published_iso, source=article.source, start=c.start, end=c.end,
                sentences=tuple((s.start, s.end) for s in c.sentences))
        for c in chunks
    ]


def _chunk_for(chunks: list[Chunk], start: int) -> Chunk:
    for c in chunks:
        if c.start <= start < c.end or start < c.start:
            return c
    return chunks[-1]


def statement_records(article: Article, chunks: list[Chunk]) -> tuple[list[StoredStatement], list[str]]:
    """The article's attributed statements, and for each the words that named its speaker."""
    sentences = [s for c in chunks for s in c.sentences]
    records, mentions = [], []
    for i, st in enumerate(extract_statements(article.text, sentences)):
        records.append(StoredStatement(
            statement_id=f"{article.article_id}:s{i}", text=st.text, article_id=article.article_id,
            chunk_id=_chunk_for(chunks, st.start).chunk_id, title=article.title, published=article.published_iso,
            published_ts=article.published_ts, start=st.start, end=st.end, speaker=st.speaker or "",
            affiliation=st.affiliation or "", speaker_key=speaker_key(st.speaker or ""), verb=st.verb or "",
            quote=st.quote or "",
        ))
        mentions.append(st.speaker_mention or "")
    return records, mentions


def event_records(article: Article, chunks: list[Chunk], statements: list[StoredStatement]) -> list[StoredEvent]:
    """One event per resolved time expression, carrying its whole sentence as the cited text."""
    spoken: dict[tuple[int, int], set[str]] = {}
    for st in statements:
        if st.affiliation:
            spoken.setdefault((st.start, st.end), set()).add(st.affiliation)
    records: list[StoredEvent] = []
    for chunk in chunks:
        for sent in chunk.sentences:
            sentence = article.text[sent.start : sent.end]
            exprs = find_time_expressions(sentence, article.published)
            if not exprs:
                continue
            actors = {m.actor.name for m in find_actor_mentions(sentence)}  # case-sensitive: 'turkey' is food
            for (s, e), names in spoken.items():
                if s < sent.end and e > sent.start:
                    actors |= names
            for expr in exprs:
                records.append(StoredEvent(
                    event_id=f"{article.article_id}:e{len(records)}", text=sentence, article_id=article.article_id,
                    chunk_id=chunk.chunk_id, title=article.title, published=article.published_iso,
                    published_ts=article.published_ts, start=sent.start, end=sent.end,
                    expr_start=sent.start + expr.start, expr_end=sent.start + expr.end, expr_text=expr.text,
                    date_start_ts=epoch(expr.date_start), date_end_ts=epoch(expr.date_end), date_label=expr.label,
                    granularity=expr.granularity, relation=expr.relation, actors=tuple(sorted(actors)),
                ))
    return records


@dataclass(frozen=True)
class PreparedArticle:
    """An article after the text stages: its passages, statements (with the words naming each speaker) and events;
    only the passages' vectors are missing."""

    article: Article
    chunks: tuple[Chunk, ...]
    statements: tuple[StoredStatement, ...]
    mentions: tuple[str, ...]
    events: tuple[StoredEvent, ...]


@dataclass(frozen=True)
class PreparedBatch:
    """``prepare_articles``' result: the prepared articles, the ones without a sentence, and seconds per stage."""

    articles: tuple[PreparedArticle, ...]
    no_sentences: tuple[str, ...] = ()  # sources of articles in which no sentence was found
    seconds: dict[str, float] = field(default_factory=dict)


def prepare_articles(articles: list[Article], max_chars: int) -> PreparedBatch:
    """The text stages of a batch of articles (pure CPU, picklable in and out: runs in a worker process)."""
    seconds = {"chunk": 0.0, "statements": 0.0, "events": 0.0}
    done: list[PreparedArticle] = []
    empty: list[str] = []
    for article in articles:
        t0 = time.perf_counter()
        chunks = chunk_article(article, max_chars)
        t1 = time.perf_counter()
        seconds["chunk"] += t1 - t0
        if not chunks:
            empty.append(article.source)
            continue
        statements, mentions = statement_records(article, chunks)
        t2 = time.perf_counter()
        events = event_records(article, chunks, statements)
        seconds["statements"] += t2 - t1
        seconds["events"] += time.perf_counter() - t2
        done.append(PreparedArticle(article, tuple(chunks), tuple(statements), tuple(mentions), tuple(events)))
    return PreparedBatch(tuple(done), tuple(empty), seconds)
