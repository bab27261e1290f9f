"""Turn an article's passages into the two structured views Chronicle answers from besides plain search:
who-said-what statements (app.text.statements) and dated events (app.text.dates), as Chroma records.

Each record reuses the embedding of the passage that contains it: no extra model time at ingest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from app.text.actors import find_actor_mentions
from app.text.articles import Article
from app.text.chunking import Chunk
from app.text.dates import find_time_expressions
from app.text.sentences import Span
from app.text.statements import extract_statements
from app.query.statements import speaker_key
from app.store.chroma import Record


def epoch(day: dt.date) -> int:
    """UTC midnight of a date as integer seconds (negative before 1970: Chroma compares ints fine)."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _chunk_for(chunks: list[Chunk], start: int) -> int:
    for i, c in enumerate(chunks):
        if c.start <= start < c.end or start < c.start:
            return i
    return len(chunks) - 1


def _base(article: Article) -> dict[str, object]:
    return {
        "article_id": article.article_id,
        "title": article.title,
        "published": article.published_iso or "",
        "published_ts": article.published_ts,
        "source": article.source,
    }


def statement_records(article: Article, chunks: list[Chunk], vectors: np.ndarray) -> list[Record]:
    sentences: list[Span] = [s for c in chunks for s in c.sentences]
    records = []
    for i, st in enumerate(extract_statements(article.text, sentences)):
        ci = _chunk_for(chunks, st.start)
        records.append(
            Record(
                id=f"{article.article_id}:s{i}",
                document=st.text,
                embedding=vectors[ci].tolist(),
                metadata={
                    **_base(article),
                    "start": st.start,
                    "end": st.end,
                    "speaker": st.speaker or "",
                    "speaker_mention": st.speaker_mention or "",
                    "speaker_key": speaker_key(st.speaker or ""),
                    "affiliation": st.affiliation or "",
                    "verb": st.verb or "",
                    "quote": st.quote or "",
                    "chunk_id": chunks[ci].chunk_id,
                },
            )
        )
    return records


def event_records(
    article: Article, chunks: list[Chunk], vectors: np.ndarray, statements: list[Record] | None = None
) -> list[Record]:
    """One event per resolved time expression, carrying its whole sentence as the cited text."""
    records = []
    spoken: dict[tuple[int, int], set[str]] = {}
    for st in statements or []:
        if st.metadata.get("affiliation"):
            spoken.setdefault((int(st.metadata["start"]), int(st.metadata["end"])), set()).add(
                str(st.metadata["affiliation"])
            )
    for ci, chunk in enumerate(chunks):
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
                records.append(
                    Record(
                        id=f"{article.article_id}:e{len(records)}",
                        document=sentence,
                        embedding=vectors[ci].tolist(),
                        metadata={
                            **_base(article),
                            "start": sent.start,
                            "end": sent.end,
                            "expr_start": sent.start + expr.start,
                            "expr_end": sent.start + expr.end,
                            "expr_text": expr.text,
                            "date_start_ts": epoch(expr.date_start),
                            "date_end_ts": epoch(expr.date_end),
                            "date_label": expr.label,
                            "granularity": expr.granularity,
                            "relation": expr.relation,
                            "actors": "|".join(sorted(actors)),
                            "chunk_id": chunk.chunk_id,
                        },
                    )
                )
    return records
