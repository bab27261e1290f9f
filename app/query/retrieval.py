"""Hybrid retrieval: dense (Chroma, through langchain-chroma) + BM25, fused by weighted reciprocal rank.

Dense search finds paraphrases ("How did Moscow react?"), BM25 finds rare exact words (names, numbers); RRF
needs no score calibration between the two. Only passages of completely ingested articles are returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.store.keyword import BM25Index
from app.text.chunking import keyword_text
from app.config import Settings
from app.store.chroma import Store, loads_spans


@dataclass
class Passage:
    """A retrieved passage with everything needed to cite it."""

    chunk_id: str
    text: str
    article_id: str
    title: str
    published: str | None
    source: str
    start: int
    end: int
    sentences: list[tuple[int, int]]
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    vector: Any = None  # the stored embedding (numpy), when asked for: a one-sentence passage's is its sentence's

    @classmethod
    def from_row(cls, chunk_id: str, text: str, meta: dict[str, Any], score: float = 0.0) -> "Passage":
        return cls(
            chunk_id=chunk_id,
            text=text,
            article_id=str(meta["article_id"]),
            title=str(meta.get("title", "")),
            published=meta.get("published") or None,
            source=str(meta.get("source", "")),
            start=int(meta["start"]),
            end=int(meta["end"]),
            sentences=loads_spans(meta.get("sentences")),
            score=score,
        )

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """(article start, article end, text) of each sentence in the passage."""
        return [(s, e, self.text[s - self.start : e - self.start]) for s, e in self.sentences]


class HybridRetriever:
    """Owns the BM25 index cache; the dense side is the store's LangChain vector store."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._bm25: BM25Index | None = None
        self._visible: set[str] = set()
        self._articles: dict[str, dict[str, Any]] = {}
        self._generation: str | None = None
        self._checked_at = 0.0

    @property
    def index_dir(self) -> Path:
        return bm25_dir(self.settings)

    def refresh(self, force: bool = False) -> None:
        """Reload caches when the store's generation changed (checked at most once a second)."""
        now = time.monotonic()
        if not force and self._generation is not None and now - self._checked_at < 1.0:
            return
        self._checked_at = now
        generation = self.store.generation()
        if not force and generation == self._generation:
            return
        if self._generation is not None and not self.settings.uses_server and not self.store.is_own(generation):
            self.store.reopen()  # another process ingested: this process's embedded Chroma index is stale
        self._articles = self.store.article_records()
        self._visible = set(self._articles)
        index = BM25Index.load(self.index_dir)
        if index is None or index.generation != generation:
            index = rebuild_bm25(self.store, generation)
            index.save(self.index_dir)  # with a server too: the next process loads it while the generation holds
        self._bm25 = index
        self._generation = generation

    @property
    def visible_articles(self) -> set[str]:
        self.refresh()
        return self._visible

    @property
    def article_metadata(self) -> dict[str, dict[str, Any]]:
        """article_id -> metadata of every visible article (cached; refreshed with the generation)."""
        self.refresh()
        return self._articles

    def retrieve(
        self, query: str, k: int | None = None, where: dict[str, Any] | None = None, vectors: bool = False
    ) -> list[Passage]:
        """Top-k passages for a query by weighted RRF of dense and BM25 ranks (with their stored vectors if asked)."""
        self.refresh()
        with self.store.lock.shared():
            return self._retrieve(query, k, where, vectors)

    def _retrieve(
        self, query: str, k: int | None, where: dict[str, Any] | None, vectors: bool
    ) -> list[Passage]:
        k = k or self.settings.k
        fetch = max(self.settings.fetch_k, k)
        fused: dict[str, float] = {}
        rows: dict[str, Passage] = {}
        ranks: dict[str, dict[str, int]] = {}
        if self.settings.dense_weight > 0 and self._visible:  # no count() round trip per query
            hits = self.store.vectorstore.similarity_search_with_score(query, k=fetch, filter=where)
            for rank, (doc, distance) in enumerate(hits):
                cid = str(doc.id)
                if doc.metadata.get("article_id") not in self._visible:
                    continue
                rows[cid] = Passage.from_row(cid, doc.page_content, doc.metadata)
                ranks.setdefault(cid, {})["dense"] = rank + 1
                fused[cid] = fused.get(cid, 0.0) + self.settings.dense_weight / (self.settings.rrf_k + rank + 1)
        if self.settings.bm25_weight > 0 and self._bm25 is not None:
            bm25_hits = [h for h in self._bm25.search(query, fetch) if h.chunk_id.split(":")[0] in self._visible]
            missing = [h.chunk_id for h in bm25_hits if h.chunk_id not in rows]
            if missing:
                got = self.store.collections["chunks"].get(ids=missing, include=["documents", "metadatas"])
                for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                    if where is None or _matches(meta, where):
                        rows[cid] = Passage.from_row(cid, doc, meta)
            for rank, hit in enumerate(h for h in bm25_hits if h.chunk_id in rows):
                ranks.setdefault(hit.chunk_id, {})["bm25"] = rank + 1
                fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + self.settings.bm25_weight / (
                    self.settings.rrf_k + rank + 1
                )
        best = sorted(fused, key=lambda cid: -fused[cid])[:k]
        out = []
        for cid in best:
            p = rows[cid]
            p.score = fused[cid]
            p.ranks = ranks.get(cid, {})
            out.append(p)
        if vectors and out:
            got = self.store.collections["chunks"].get(ids=[p.chunk_id for p in out], include=["embeddings"])
            stored = dict(zip(got["ids"], got["embeddings"]))
            for p in out:
                p.vector = np.asarray(stored[p.chunk_id], dtype=np.float32) if p.chunk_id in stored else None
        return out


def bm25_dir(settings: Settings) -> Path:
    """Where this client keeps the keyword index: per server when the store is a shared Chroma server.

    The index is a cache of the chunks in Chroma, checked against the store's generation stamp, so a local copy
    is safe even when other machines write to the server: a stale copy is rebuilt once, not on every start.
    """
    if settings.uses_server:
        return settings.vectorstore_dir / f"bm25-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return settings.vectorstore_dir / "bm25"


def rebuild_bm25(store: Store, generation: str) -> BM25Index:
    """Build the keyword index from the chunks in Chroma (the source of truth)."""
    rows = store.get_all("chunks", include=["documents", "metadatas"])
    texts = [keyword_text(str((r["metadata"] or {}).get("title") or ""), r["document"] or "") for r in rows]
    return BM25Index.build([r["id"] for r in rows], texts, generation)


def _matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    """A small evaluator for the ``where`` filters Chronicle itself builds ($and, $gte, $lte, $eq, $in)."""
    for key, cond in where.items():
        if key == "$and":
            if not all(_matches(meta, c) for c in cond):
                return False
            continue
        if key == "$or":
            if not any(_matches(meta, c) for c in cond):
                return False
            continue
        value = meta.get(key)
        if isinstance(cond, dict):
            for op, arg in cond.items():
                if value is None:
                    return False
                if (
                    (op == "$gte" and not value >= arg)
                    or (op == "$lte" and not value <= arg)
                    or (op == "$gt" and not value > arg)
                    or (op == "$lt" and not value < arg)
                    or (op == "$eq" and value != arg)
                    or (op == "$ne" and value == arg)
                    or (op == "$in" and value not in arg)
                ):
                    return False
        elif value != cond:
            return False
    return True
