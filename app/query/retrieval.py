"""Hybrid retrieval: dense (Chroma, through langchain-chroma) + BM25, fused by weighted reciprocal rank.

Dense search finds paraphrases ("How did Moscow react?"), BM25 finds rare exact words (names, numbers); RRF
needs no score calibration between the two. Only passages of completely ingested articles are returned.

The retriever also keeps the process's view of the archive fresh: at most once a second it reads the store's
generation stamp; when another process has ingested or removed articles it reopens the embedded Chroma client
(whose vector index is per process), reloads the article list and brings the keyword index in step with it (in
place: only the articles that changed; app.store.keyword).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

import numpy as np

from app.config import Settings
from app.records import EventFilter, Passage, StatementFilter, StoredArticle, StoredEvent, StoredStatement, epoch
from app.store.chroma import Store
from app.store.keyword import BM25Hit, KeywordIndex, get_keyword_index
from app.store.registry import BUILD_LOCK, get_store


def rrf(rankings: dict[str, list[str]], weights: dict[str, float], k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion of several rankings of ids: sum of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        for rank, cid in enumerate(ids, start=1):
            fused[cid] = fused.get(cid, 0.0) + weights.get(name, 1.0) / (k + rank)
    return fused


class Retriever(Protocol):
    """What queries need from retrieval: the archive's articles and a search, maybe limited to an as-of day."""

    settings: Settings
    store: Store
    as_of: dt.date | None

    @property
    def visible_articles(self) -> set[str]: ...

    @property
    def articles(self) -> dict[str, StoredArticle]: ...

    def retrieve(self, query: str, k: int | None = None, vectors: bool = False) -> list[Passage]: ...

    def keyword_hits(self, query: str, k: int) -> list[BM25Hit]: ...

    def events(self, query: EventFilter | None = None, texts: bool = True) -> list[StoredEvent]: ...

    def statements(self, query: StatementFilter | None = None) -> list[StoredStatement]: ...

    def leads(self, article_ids: Sequence[str]) -> dict[str, frozenset[str]]: ...

    def article_matrix(self) -> ArticleMatrix: ...


@dataclass(frozen=True)
class ArticleMatrix:
    """Every visible article's vector (the mean of its passages'), one row each: what a story is found with."""

    ids: tuple[str, ...]
    vectors: np.ndarray  # (n, dim), unit rows

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        if not self.ids:
            return {}
        return dict(zip(self.ids, (self.vectors @ np.asarray(vector, dtype=np.float32)).tolist(), strict=True))


class HybridRetriever:
    """Owns the keyword index and the visible-article list of one store; the dense side is the store's."""

    as_of: dt.date | None = None  # the whole archive

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._bm25: KeywordIndex | None = None
        self._articles: dict[str, StoredArticle] = {}
        self._generation: str | None = None
        self._matrix: ArticleMatrix | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    # --- freshness ------------------------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Reload caches when the store's generation changed (checked at most once a second)."""
        now = time.monotonic()
        if not force and self._generation is not None and now - self._checked_at < 1.0:
            return
        with self._lock:
            self._checked_at = now
            generation = self.store.generation()
            if not force and generation == self._generation:
                return
            if self._generation is not None and not self.settings.uses_server and not self.store.is_own(generation):
                self.store.reopen()  # another process wrote: this process's embedded Chroma index is stale
            self._articles = self.store.articles()
            index = get_keyword_index(self.settings)
            # Compared by article ids, not only by stamp: on a Chroma server, another machine's ingest may end while
            # this machine's runs, and a stamp alone would hide its articles (an old store or a crash: the same).
            index.sync(self.store, set(self._articles), generation)
            self._bm25 = index
            # the article matrix is brought up to date on first use (only the articles that came or went are read)
            self._generation = generation

    @property
    def visible_articles(self) -> set[str]:
        self.refresh()
        return set(self._articles)

    @property
    def generation(self) -> str:
        """The store's generation stamp as this process last read it: changes with every ingest or removal."""
        self.refresh()
        return self._generation or ""

    @property
    def articles(self) -> dict[str, StoredArticle]:
        """Every visible article (cached; refreshed with the generation)."""
        self.refresh()
        return self._articles

    # --- search ---------------------------------------------------------------------------------------------

    def allowed(self, as_of: dt.date | None) -> set[str]:
        """Visible articles a question asked on ``as_of`` may use: those published up to that day, and undated ones
        (what a reader could have read then; an article from after the date is not news yet)."""
        if as_of is None:
            return set(self._articles)
        until = epoch(as_of)
        return {aid for aid, a in self._articles.items() if a.published_ts <= until}

    def dense_ranking(self, query: str, fetch: int, allowed: set[str], as_of: dt.date | None = None) -> list[Passage]:
        if self.settings.dense_weight <= 0 or not allowed:
            return []
        # Chroma's metadata filter costs ~80 ms per query on a 12,000-passage store (97 ms filtered vs 19 ms
        # unfiltered, RealTimeQA week store): search unfiltered and drop the later articles here; only when too
        # few allowed passages remain (an as-of day early in the archive) ask Chroma to filter.
        hits = [p for p in self.store.dense_search(query, fetch) if p.article_id in allowed]
        if as_of is None or len(hits) >= fetch or len(allowed) == len(self._articles):
            return hits
        return [p for p in self.store.dense_search(query, fetch, epoch(as_of)) if p.article_id in allowed]

    def keyword_ranking(self, query: str, fetch: int, allowed: set[str]) -> list[str]:
        if self.settings.bm25_weight <= 0 or self._bm25 is None or not allowed:
            return []
        # Fetch more when some articles are ruled out by the date, so k allowed passages remain.
        extra = fetch if len(allowed) == len(self._articles) else fetch * 3
        return [h.chunk_id for h in self._bm25.search(query, extra) if h.chunk_id.split(":")[0] in allowed][:fetch]

    def article_matrix(self) -> ArticleMatrix:
        """Every visible article's vector (1,464 articles: 2.2 MB; a dot product with all of them takes well under a
        millisecond, where a Chroma query for the k nearest of all articles pages through its index). Kept across
        generations: after an ingest or removal only the vectors of the articles that came are read, so the first
        story after adding 10 articles to a 20,000-article archive reads 10 vectors, not 20,000."""
        self.refresh()
        with self._lock:
            matrix = self._matrix
            wanted = set(self._articles)
            if matrix is not None and len(matrix.ids) == len(wanted) and wanted.issuperset(matrix.ids):
                return matrix
            kept = [i for i, aid in enumerate(matrix.ids) if aid in wanted] if matrix is not None else []
            old_ids = [matrix.ids[i] for i in kept] if matrix is not None else []
            new = self.store.article_vectors(sorted(wanted - set(old_ids)))
            ids = tuple(old_ids) + tuple(new)
            parts = ([matrix.vectors[kept]] if matrix is not None and kept else []) + (
                [np.vstack(list(new.values()))] if new else [])
            stacked = np.vstack(parts) if parts else np.zeros((0, 1), dtype=np.float32)
            matrix = self._matrix = ArticleMatrix(ids, stacked)
            return matrix

    def keyword_hits(self, query: str, k: int) -> list[BM25Hit]:
        """The k best passages for the query's words, with their BM25 scores (every stored passage; callers keep
        the visible ones)."""
        self.refresh()
        return self._bm25.search(query, k) if self._bm25 is not None else []

    def events(self, query: EventFilter | None = None, texts: bool = True) -> list[StoredEvent]:
        """Stored events matching a filter, as ``Store.events`` gives them (every stored event; callers keep
        those of the articles they read), from the local index kept in step with the store: Chroma's metadata
        filter took 0.65 s for the events of 500 articles and 3.0 s with a date range at 20,000 articles."""
        self.refresh()
        return self._bm25.events(query, texts) if self._bm25 is not None else self.store.events(query, texts)

    def statements(self, query: StatementFilter | None = None) -> list[StoredStatement]:
        """Stored statements matching a filter, as ``Store.statements`` gives them (every stored statement; callers
        keep those of the articles they read), from the local index: reading them through Chroma loaded the
        statements' vector index, which no query uses (~0.6 GB of the server's own peak at 20,000 articles: 3.76 ->
        3.18 GB)."""
        self.refresh()
        return self._bm25.statements(query) if self._bm25 is not None else self.store.statements(query)

    def statement_actors(self) -> list[tuple[str, int]]:
        """Every actor of the visible articles' statements, with its count, most quoted first (the local index
        holds the visible articles only)."""
        self.refresh()
        assert self._bm25 is not None  # set by refresh
        return self._bm25.statement_actors()

    def statement_page(self, actor: str | None, text: str, limit: int) -> tuple[list[StoredStatement], int]:
        """The newest ``limit`` visible statements of one actor (None: all) containing ``text``, and the count of
        all that match (app.store.keyword.KeywordIndex.statement_page)."""
        self.refresh()
        assert self._bm25 is not None
        return self._bm25.statement_page(actor, text, limit)

    def leads(self, article_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The names of each article's lead (app.store.keyword.LEAD_CHARS), by id, from the local index:
        the story finder checks the leads of a story's ~2,500 candidate articles at 20,000 articles, which cost
        2.5-5 s of Chroma reads and tokenising (cProfile, loaded machine)."""
        self.refresh()
        return self._bm25.leads(article_ids) if self._bm25 is not None else {}

    def with_recency(self, fused: dict[str, float], as_of: dt.date) -> dict[str, float]:
        """A question asked on a day is mostly about that day's news: each score is multiplied by
        1 + w * exp(-age / days), age = days from the article's publication to the as-of day (undated: no boost).
        Measured on RealTimeQA dev: the gold sentence was 12x likelier in articles of the 7 days before the
        question than in older ones, and 59% of the sentences retrieved without this came from articles more than a
        year old."""
        until = epoch(as_of)
        out = {}
        for cid, score in fused.items():
            article = self._articles.get(cid.split(":")[0])
            if article is None or not article.published_ts:
                out[cid] = score
                continue
            age = max(0.0, (until - article.published_ts) / 86400)
            out[cid] = score * (1 + self.settings.recency_weight * math.exp(-age / self.settings.recency_days))
        return out

    def retrieve(
        self, query: str, k: int | None = None, vectors: bool = False, as_of: dt.date | None = None
    ) -> list[Passage]:
        """Top-k passages for a query by weighted RRF of dense and BM25 ranks (with their stored vectors if asked);
        with ``as_of``, only articles published up to that day."""
        self.refresh()
        k = k or self.settings.k
        fetch = max(self.settings.fetch_k, k)
        allowed = self.allowed(as_of)
        dense = self.dense_ranking(query, fetch, allowed, as_of)
        keyword = self.keyword_ranking(query, fetch, allowed)
        rankings = {"dense": [p.chunk_id for p in dense], "bm25": keyword}
        weights = {"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight}
        fused = rrf(rankings, weights, self.settings.rrf_k)
        if as_of is not None and self.settings.recency_weight > 0:
            fused = self.with_recency(fused, as_of)
        best = sorted(fused, key=lambda cid: -fused[cid])[:k]
        rows = {p.chunk_id: p for p in dense}
        missing = [cid for cid in best if cid not in rows or vectors]
        rows.update({p.chunk_id: p for p in self.store.passages(missing, vectors=vectors)})
        ranks = {name: {cid: i + 1 for i, cid in enumerate(ids)} for name, ids in rankings.items()}
        return [
            replace(rows[cid], score=fused[cid],
                    ranks=tuple((name, r[cid]) for name, r in ranks.items() if cid in r))
            for cid in best if cid in rows
        ]


class AsOf:
    """A retriever limited to the articles published up to a day: what a question asked on that day may use.
    Relative words in the question ("this week", "recently") resolve against that day too (app.query.temporal)."""

    def __init__(self, base: HybridRetriever, as_of: dt.date) -> None:
        self.base = base
        self.settings = base.settings
        self.store = base.store
        self.as_of: dt.date | None = as_of

    @property
    def visible_articles(self) -> set[str]:
        self.base.refresh()
        return self.base.allowed(self.as_of)

    @property
    def articles(self) -> dict[str, StoredArticle]:
        allowed = self.visible_articles
        return {aid: a for aid, a in self.base.articles.items() if aid in allowed}

    def retrieve(self, query: str, k: int | None = None, vectors: bool = False) -> list[Passage]:
        return self.base.retrieve(query, k, vectors, as_of=self.as_of)

    def keyword_hits(self, query: str, k: int) -> list[BM25Hit]:
        return self.base.keyword_hits(query, k)

    def events(self, query: EventFilter | None = None, texts: bool = True) -> list[StoredEvent]:
        return self.base.events(query, texts)

    def statements(self, query: StatementFilter | None = None) -> list[StoredStatement]:
        return self.base.statements(query)

    def leads(self, article_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        return self.base.leads(article_ids)

    def article_matrix(self) -> ArticleMatrix:
        return self.base.article_matrix()


def scoped(retriever: HybridRetriever, as_of: dt.date | None) -> Retriever:
    """The retriever itself, or its view limited to ``as_of``."""
    return retriever if as_of is None else AsOf(retriever, as_of)


@lru_cache(maxsize=8)
def _retriever(settings: Settings) -> HybridRetriever:
    return HybridRetriever(settings, get_store(settings))


def get_retriever(settings: Settings) -> HybridRetriever:
    """One retriever per configuration and process (it holds the keyword index in memory)."""
    with BUILD_LOCK:
        return _retriever(settings)


def forget_retrievers() -> None:
    with BUILD_LOCK:
        _retriever.cache_clear()
