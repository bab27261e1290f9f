"""The keyword side of hybrid search: a bm25s index over the passages, persisted next to the store.

bm25s (sparse-matrix BM25, ~1 s to index 100k passages, sub-millisecond queries) was chosen over rank-bm25, which
re-scores every document in Python on each query and has no save/load. The index is built once at the end of an
ingest run and saved; other processes load it, and rebuild it from Chroma only when the store's generation stamp
shows it is stale (e.g. a shared Chroma server written by another machine).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bm25s
import numpy as np

from app.config import Settings
from app.text.chunking import keyword_text

if TYPE_CHECKING:
    from app.store.chroma import Store


def _stemmer() -> Any:  # PyStemmer ships no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class BM25Hit:
    chunk_id: str
    score: float


class BM25Index:
    """A bm25s retriever plus the chunk ids it was built over."""

    def __init__(self, retriever: bm25s.BM25 | None, ids: list[str], generation: str) -> None:
        self.retriever = retriever
        self.ids = ids
        self.generation = generation
        self._stem = _stemmer()

    @classmethod
    def build(cls, ids: list[str], texts: list[str], generation: str) -> BM25Index:
        if not ids:
            return cls(None, [], generation)
        stem = _stemmer()
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stem, show_progress=False)
        if not tokens.vocab:  # only stopwords everywhere: nothing to index, dense search still works
            return cls(None, [], generation)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, list(ids), generation)

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in: a reader never sees half an index."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(tmp / "bm25"))
        (tmp / "manifest.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids}))
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> BM25Index | None:
        manifest = directory / "manifest.json"
        if not manifest.exists():
            return None
        data = json.loads(manifest.read_text())
        retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False) if data["ids"] else None
        return cls(retriever, data["ids"], str(data["generation"]))

    def search(self, query: str, k: int) -> list[BM25Hit]:
        if self.retriever is None or not self.ids:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stem, show_progress=False)
        if not tokens.vocab or all(len(t) == 0 for t in tokens.ids):
            return []
        k = min(k, len(self.ids))
        # n_threads=0: no thread pool per query
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=0)
        return [
            BM25Hit(self.ids[int(d)], float(s)) for d, s in zip(np.asarray(docs[0]), np.asarray(scores[0])) if s > 0
        ]


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
    rows = list(store.passage_texts())
    return BM25Index.build([cid for cid, _, _ in rows], [keyword_text(title, text) for _, title, text in rows],
                           generation)
