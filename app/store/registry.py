"""Build the heavy components once per process, lazily, keyed by the settings that shape them.

Nothing is built at import time; the first caller pays (model load ~0.2-4 s), later callers share. One lock
serialises construction: two threads creating a Chroma client at once crash inside chromadb.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from app.config import Settings
from app.store.embeddings import PackagedEmbeddings
from app.query.retrieval import HybridRetriever
from app.store.chroma import Store

_BUILD_LOCK = threading.RLock()


@lru_cache(maxsize=4)
def _embeddings(backend: str, batch_size: int, threads: int = 1) -> PackagedEmbeddings:
    return PackagedEmbeddings(backend, batch_size, threads)


_STORES: dict[tuple[object, ...], Store] = {}


def _store_key(settings: Settings) -> tuple[object, ...]:
    """One Store (one Chroma client) per store location and process, whatever the other settings: embedded Chroma
    shares one in-memory index per path, and reopening it (to see another process's ingest) must reopen that one."""
    return (
        str(settings.vectorstore_dir.resolve()), settings.chroma_host, settings.chroma_port, settings.collection,
        settings.embedding_backend, settings.embedding_batch_size,
    )


@lru_cache(maxsize=8)
def _retriever(settings: Settings) -> HybridRetriever:
    return HybridRetriever(settings, get_store(settings))


def get_embeddings(settings: Settings) -> PackagedEmbeddings:
    with _BUILD_LOCK:
        return _embeddings(settings.embedding_backend, settings.embedding_batch_size)


def get_ingest_embeddings(settings: Settings) -> PackagedEmbeddings:
    """The encoder batch ingest uses: onnx may use several threads there (a single query stays on one)."""
    if settings.embedding_backend != "onnx" or settings.ingest_threads == 1:
        return get_embeddings(settings)
    with _BUILD_LOCK:
        return _embeddings("onnx", settings.embedding_batch_size, settings.ingest_threads)


def get_store(settings: Settings) -> Store:
    with _BUILD_LOCK:
        key = _store_key(settings)
        if key not in _STORES:
            emb = get_embeddings(settings)
            _STORES[key] = Store(settings, emb, emb.model_id)
        return _STORES[key]


def get_retriever(settings: Settings) -> HybridRetriever:
    with _BUILD_LOCK:
        return _retriever(settings)


def clear_caches() -> None:
    """Forget built components (tests that restart a Chroma server, or switch stores, start afresh). A process that
    goes through many stores also calls ``get_store(settings).close()`` first, to free each client's memory."""
    with _BUILD_LOCK:
        _retriever.cache_clear()
        _STORES.clear()
