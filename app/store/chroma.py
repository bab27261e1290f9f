"""Chroma storage: one client (embedded PersistentClient, or HttpClient for a shared server) and four collections.

- ``<name>_chunks``: passages, embedded; searched through langchain-chroma.
- ``<name>_statements``: who-said-what records (one per attributed statement).
- ``<name>_events``: dated sentences with integer-epoch bounds for ``where`` filters.
- ``<name>_articles``: one record per *completely* ingested article. It is written last, so a crash half-way
  leaves no article record, and retrieval shows only chunks of recorded articles (all or none).
Statements and events reuse their passage's embedding, so they cost no extra model time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from app.config import Settings

COLLECTION_KINDS = ("chunks", "statements", "events", "articles")
_GET_PAGE = 5000


class StoreError(RuntimeError):
    """The store cannot be used (server down, model mismatch): the message says what to do."""


@dataclass
class Record:
    """One row to upsert into a collection."""

    id: str
    document: str
    embedding: list[float]
    metadata: dict[str, Any]


def make_client(settings: Settings) -> chromadb.ClientAPI:
    """Embedded PersistentClient under vectorstore_dir, or HttpClient when a Chroma host is configured."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - any transport error means the same thing to the user
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} ({exc}). "
                "Start it with `chroma run --path DIR --host 127.0.0.1 --port PORT` or unset CHRONICLE_CHROMA_HOST."
            ) from None
        return client
    path = settings.vectorstore_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ReadWriteLock:
    """Many readers or one writer. Reads and writes of the store share it; only ``reopen`` takes it exclusively,
    so a question in flight never sees its Chroma client closed under it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Store:
    """The four collections plus the LangChain vector store over the passages."""

    def __init__(self, settings: Settings, embeddings: Embeddings, model_id: str) -> None:
        self.settings = settings
        self.model_id = model_id
        self._embeddings = embeddings
        self.lock = ReadWriteLock()
        self._written: set[str] = set()  # generations this process wrote (its own client saw those writes)
        self._open()

    def _open(self) -> None:
        settings, model_id = self.settings, self.model_id
        self.client = make_client(settings)
        self.collections = {
            kind: self.client.get_or_create_collection(
                f"{settings.collection}_{kind}",
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": model_id},
            )
            for kind in COLLECTION_KINDS
        }
        stored_model = (self.collections["chunks"].metadata or {}).get("embedding_model")
        if stored_model and stored_model.split("/")[0] != model_id.split("/")[0]:
            raise StoreError(
                f"the store at {settings.vectorstore_dir} was built with {stored_model}, not {model_id}: "
                "use another CHRONICLE_VECTORSTORE_DIR or re-ingest"
            )
        self.vectorstore = Chroma(
            client=self.client,
            collection_name=f"{settings.collection}_chunks",
            embedding_function=self._embeddings,
            create_collection_if_not_exists=False,
        )

    def reopen(self) -> None:
        """Close and reopen the Chroma client: embedded Chroma keeps each collection's vector index in memory per
        process, so passages another process (``python ingest.py``) added stay invisible to a running app until
        its client is reopened. Measured: a reopened client saw 2,000 of 2,000 rows, the old one 10. Server mode
        needs none of this (the server sees every write)."""
        with self.lock.exclusive():
            self.client.close()
            self._open()

    def note_written(self, generation: str) -> None:
        self._written.add(generation)

    def is_own(self, generation: str) -> bool:
        """Did this process write that generation (so its client already holds the rows)?"""
        return generation in self._written

    # --- writes ---------------------------------------------------------------------------------------------

    def upsert(self, kind: str, records: list[Record]) -> None:
        """One call per collection and article: Chroma applies a batch in one transaction."""
        if not records:
            return
        with self.lock.shared():
            col = self.collections[kind]
            max_batch = self.client.get_max_batch_size()
            for i in range(0, len(records), max_batch):
                part = records[i : i + max_batch]
                col.upsert(
                    ids=[r.id for r in part],
                    documents=[r.document for r in part],
                    embeddings=[r.embedding for r in part],
                    metadatas=[r.metadata for r in part],
                )

    def delete_article(self, article_id: str) -> None:
        """Remove an article everywhere, crash-safely: the record is first marked ``removing`` (retrieval hides it
        from then on), then its passages, statements and events go, then the record. A ``kill -9`` in between
        leaves a marked record, invisible, which the next ingest or removal finishes (``finish_removals``)."""
        with self.lock.shared():
            col = self.collections["articles"]
            got = col.get(ids=[article_id], include=["metadatas"])
            if got["ids"]:
                meta = dict(got["metadatas"][0] or {})
                meta["removing"] = 1
                col.update(ids=[article_id], metadatas=[meta])
            for kind in ("chunks", "statements", "events"):
                self.collections[kind].delete(where={"article_id": article_id})
            col.delete(ids=[article_id])

    def finish_removals(self) -> list[str]:
        """Complete removals an interrupted run left half-done; returns their article ids."""
        with self.lock.shared():
            got = self.collections["articles"].get(where={"removing": 1}, include=[])
        for article_id in got["ids"]:
            self.delete_article(article_id)
        return list(got["ids"])

    # --- reads ----------------------------------------------------------------------------------------------

    def article_records(self) -> dict[str, dict[str, Any]]:
        """article_id -> metadata of every completely ingested article (not those being removed)."""
        return {
            r["id"]: r["metadata"]
            for r in self.get_all("articles", include=["metadatas"])
            if not (r["metadata"] or {}).get("removing")
        }

    def get_all(
        self, kind: str, where: dict[str, Any] | None = None, include: Iterable[str] = ("documents", "metadatas")
    ) -> list[dict[str, Any]]:
        """Every row of a collection (paged), as dicts with id, document, metadata."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            with self.lock.shared():
                got = self.collections[kind].get(where=where, include=list(include), limit=_GET_PAGE, offset=offset)
            docs = got.get("documents") or [None] * len(got["ids"])
            metas = got.get("metadatas") or [None] * len(got["ids"])
            rows.extend({"id": i, "document": d, "metadata": m} for i, d, m in zip(got["ids"], docs, metas))
            if len(got["ids"]) < _GET_PAGE:
                return rows
            offset += _GET_PAGE

    def count(self, kind: str) -> int:
        with self.lock.shared():
            return self.collections[kind].count()

    def close(self) -> None:
        """Release the Chroma client (its HNSW indexes stay in memory until then, even after clear_caches)."""
        self.client.close()

    def generation(self) -> str:
        """Changes whenever an ingest run finished: lets other processes know their caches are stale."""
        # Fetched afresh: a Collection object keeps the metadata it was opened with, so another process's ingest
        # would otherwise stay invisible until restart.
        with self.lock.shared():
            col = self.client.get_collection(f"{self.settings.collection}_articles")
            return str((col.metadata or {}).get("generation", "0"))

    def bump_generation(self, value: str) -> None:
        with self.lock.shared():
            col = self.collections["articles"]
            meta = {k: v for k, v in (col.metadata or {}).items() if not k.startswith("hnsw:")}
            meta["generation"] = value
            col.modify(metadata=meta)
        self.note_written(value)


def dumps_spans(spans: Iterable[tuple[int, int]]) -> str:
    """Chroma metadata holds scalars only: sentence spans travel as compact JSON."""
    return json.dumps([list(s) for s in spans], separators=(",", ":"))


def loads_spans(value: str | None) -> list[tuple[int, int]]:
    return [tuple(x) for x in json.loads(value)] if value else []  # type: ignore[misc]
