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


class Store:
    """The four collections plus the LangChain vector store over the passages."""

    def __init__(self, settings: Settings, embeddings: Embeddings, model_id: str) -> None:
        self.settings = settings
        self.client = make_client(settings)
        self.model_id = model_id
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
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )

    # --- writes ---------------------------------------------------------------------------------------------

    def upsert(self, kind: str, records: list[Record]) -> None:
        """One call per collection and article: Chroma applies a batch in one transaction."""
        if not records:
            return
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
        """Remove an article everywhere, its record first so it stops being visible at once."""
        self.collections["articles"].delete(ids=[article_id])
        for kind in ("chunks", "statements", "events"):
            self.collections[kind].delete(where={"article_id": article_id})

    # --- reads ----------------------------------------------------------------------------------------------

    def article_records(self) -> dict[str, dict[str, Any]]:
        """article_id -> metadata of every completely ingested article."""
        return {r["id"]: r["metadata"] for r in self.get_all("articles", include=["metadatas"])}

    def get_all(
        self, kind: str, where: dict[str, Any] | None = None, include: Iterable[str] = ("documents", "metadatas")
    ) -> list[dict[str, Any]]:
        """Every row of a collection (paged), as dicts with id, document, metadata."""
        col = self.collections[kind]
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            got = col.get(where=where, include=list(include), limit=_GET_PAGE, offset=offset)
            docs = got.get("documents") or [None] * len(got["ids"])
            metas = got.get("metadatas") or [None] * len(got["ids"])
            rows.extend({"id": i, "document": d, "metadata": m} for i, d, m in zip(got["ids"], docs, metas))
            if len(got["ids"]) < _GET_PAGE:
                return rows
            offset += _GET_PAGE

    def count(self, kind: str) -> int:
        return self.collections[kind].count()

    def close(self) -> None:
        """Release the Chroma client (its HNSW indexes stay in memory until then, even after clear_caches)."""
        self.client.close()

    def generation(self) -> str:
        """Changes whenever an ingest run finished: lets other processes know their caches are stale."""
        # Fetched afresh: a Collection object keeps the metadata it was opened with, so another process's ingest
        # would otherwise stay invisible until restart.
        col = self.client.get_collection(f"{self.settings.collection}_articles")
        return str((col.metadata or {}).get("generation", "0"))

    def bump_generation(self, value: str) -> None:
        col = self.collections["articles"]
        meta = {k: v for k, v in (col.metadata or {}).items() if not k.startswith("hnsw:")}
        meta["generation"] = value
        col.modify(metadata=meta)


def dumps_spans(spans: Iterable[tuple[int, int]]) -> str:
    """Chroma metadata holds scalars only: sentence spans travel as compact JSON."""
    return json.dumps([list(s) for s in spans], separators=(",", ":"))


def loads_spans(value: str | None) -> list[tuple[int, int]]:
    return [tuple(x) for x in json.loads(value)] if value else []  # type: ignore[misc]
