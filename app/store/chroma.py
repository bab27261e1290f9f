"""Chroma storage: one client (embedded PersistentClient, or HttpClient for a shared server) and four collections.

- ``<name>_chunks``: passages, embedded; searched through langchain-chroma.
- ``<name>_statements``: who-said-what records (one per attributed statement).
- ``<name>_events``: dated sentences with integer-epoch bounds for range filters.
- ``<name>_articles``: one record per *completely* ingested article. It is written last, so a crash half-way
  leaves no article record, and retrieval shows only chunks of recorded articles (all or none).
Statements and events reuse their passage's embedding, so they cost no extra model time.

This module is the only one that knows Chroma's row format (documents, metadatas, spans as JSON, actors joined by
"|", ``where`` syntax): it takes and returns the records of app.records. Every call holds the store's read/write
lock shared (``using``); only ``reopen`` and ``close`` take it exclusively.

A closed store reopens on its next use. Stores are shared by every Chronicle of a configuration in a process, so the
owner that closes one (a benchmark going through many stores frees each Chroma client's memory) cannot know that no
other holder will use it again; a test run after such a benchmark failed on a closed client. Rejected: closing only
stores no one else holds (reference counting across facades, retrievers and answerers, for a rare path).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from app.config import Settings
from app.records import (
    EventFilter,
    Passage,
    StatementFilter,
    StoredArticle,
    StoredEvent,
    StoredStatement,
    epoch,
)
from app.store.embeddings import backends_for

COLLECTION_KINDS = ("chunks", "statements", "events", "articles")
_GET_PAGE = 5000
_IN_PART = 500  # ids per $in condition: long lists are read in parts
Where = dict[str, Any]

class StoreError(RuntimeError):
    """The store cannot be used (server down, model mismatch): the message says what to do."""


@dataclass(frozen=True)
class ArticleRows:
    """Everything stored for one article, written by ``Store.write`` in the crash-safe order."""

    article: StoredArticle
    text: str
    vector: np.ndarray  # the article's vector (mean of its passages')
    passages: tuple[Passage, ...]
    passage_vectors: np.ndarray  # one row per passage; statements and events reuse their passage's row
    statements: tuple[StoredStatement, ...] = ()
    events: tuple[StoredEvent, ...] = ()
    speaker_mentions: tuple[str, ...] = ()  # per statement: the words that named the speaker


class _Clock:
    """Adds the seconds a block takes to ``seconds[name]`` (nothing when ``seconds`` is None)."""

    def __init__(self, seconds: dict[str, float] | None) -> None:
        self.seconds = seconds

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.seconds is not None:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


@dataclass(frozen=True)
class _Row:
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


def _server_gone(exc: BaseException) -> bool:
    """A connection to the Chroma server that failed (refused, reset, timed out), not an error it answered with."""
    import httpx

    seen: BaseException | None = exc
    while seen is not None:  # chromadb may wrap the transport error
        if isinstance(seen, (httpx.TransportError, ConnectionError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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


# Statements and events are read by id and metadata only, never searched by vector, yet Chroma keeps a vector index
# per collection in memory. They used to store their passage's 384-float vector: at 10,064 articles (457,660
# passages, 138,566 statements, 166,507 events; ``benchmarks.scale``) opening those two indexes cost 287 + 334 MB of
# the server's RSS (passages: 880 MB). A new store gives them a 2-float placeholder instead (distinct per row: an
# index of identical points is a degenerate graph); a store written before keeps its 384-float rows (a
# collection's dimension is fixed by its first row). Measured on 60,000 rows of statement-like text and metadata in
# one collection, opened by ``count()``: +123 MB with 384 floats, +36 MB with 2 (2.05 -> 0.60 KB a row): ~440 MB
# less of those 621 MB at 10,064 articles. The rest is the rows' text and metadata.
LIGHT_DIM = 2
FIRST_ROW_TRIES = 5  # reads of a collection a concurrent writer is still creating (``_first_row``)


def light_vector(row_id: str) -> list[float]:
    """A unit 2-vector from the row's id: a point of its own on the circle."""
    angle = zlib.crc32(row_id.encode()) / 2**32 * 2 * math.pi
    return [math.cos(angle), math.sin(angle)]


class Store:
    """The four collections plus the LangChain vector store over the passages."""

    def __init__(self, settings: Settings, embeddings: Embeddings, model_id: str) -> None:
        self.settings = settings
        self.model_id = model_id
        self._embeddings = embeddings
        self.lock = ReadWriteLock()
        self._written: set[str] = set()  # generations this process wrote (its own client saw those writes)
        self._dims: dict[str, int] = {}  # statements / events: the stored rows' vector length (LIGHT_DIM when new)
        self._records: dict[str, StoredArticle] = {}  # article records read so far (see ``articles``)
        self._closed = True
        self._open()

    def _open(self) -> None:
        settings, model_id = self.settings, self.model_id
        self._dims = {}
        self.client = make_client(settings)
        # Any, on purpose: chromadb types every field of a read as Optional (documents, metadatas and embeddings
        # are there only when ``include``-d) and ``where`` / ``include`` as Literal unions, which this module's
        # dict filters and include tuples would have to be cast to at every call. The reads are checked here
        # instead: ``_get_all`` and the ``_passage`` / ``_statement`` / ``_event`` decoders turn rows into records.
        self.collections: dict[str, Any] = {
            kind: self.client.get_or_create_collection(
                f"{settings.collection}_{kind}",
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": model_id},
            )
            for kind in COLLECTION_KINDS
        }
        stored_model = (self.collections["chunks"].metadata or {}).get("embedding_model")
        if stored_model and stored_model.split("/")[0] != model_id.split("/")[0]:
            # Vectors of two models are not comparable: a search would rank by noise. Refused before anything is
            # read or written (onnx, torch and openai are one model, all-MiniLM-L6-v2; e5 is another).
            raise StoreError(
                f"the store at {settings.vectorstore_dir} holds {stored_model.split('/')[0]} vectors "
                f"(CHRONICLE_EMBEDDING_BACKEND={backends_for(stored_model)}), but this process embeds with "
                f"{model_id.split('/')[0]} (CHRONICLE_EMBEDDING_BACKEND={model_id.split('/')[-1]}): a store never "
                "mixes two models' vectors. Set CHRONICLE_EMBEDDING_BACKEND to the store's, or use another "
                "CHRONICLE_VECTORSTORE_DIR and ingest the articles again there"
            )
        self.vectorstore = Chroma(
            client=self.client,
            collection_name=f"{settings.collection}_chunks",
            embedding_function=self._embeddings,
            create_collection_if_not_exists=False,
        )
        self._closed = False

    @contextmanager
    def using(self) -> Iterator[None]:
        """The read/write lock held shared, on an open client: a closed store is reopened first. A Chroma server
        that stopped answering is a StoreError that says so (the same client works again once the server is back:
        httpx connects anew for each request, so nothing needs rebuilding)."""
        while True:
            with self.lock.shared():
                if not self._closed:
                    try:
                        yield
                    except Exception as exc:
                        if self.settings.uses_server and _server_gone(exc):
                            raise StoreError(
                                f"the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port} is not "
                                f"answering ({type(exc).__name__}: {exc}). Nothing was changed; try again when it is "
                                "back (`chroma run --path DIR --port PORT`)."
                            ) from exc
                        raise
                    return
            with self.lock.exclusive():
                if self._closed:
                    self._open()

    def reopen(self) -> None:
        """Close and reopen the Chroma client: embedded Chroma keeps each collection's vector index in memory per
        process, so passages another process (``python ingest.py``) added stay invisible to a running app until
        its client is reopened. Measured: a reopened client saw 2,000 of 2,000 rows, the old one 10. Server mode
        needs none of this (the server sees every write)."""
        with self.lock.exclusive():
            if not self._closed:
                self.client.close()  # type: ignore[attr-defined]  # every client has it; ClientAPI lacks it  # type: ignore[attr-defined]  # on every client since chromadb 1.0, not in ClientAPI
            self._open()

    def note_written(self, generation: str) -> None:
        self._written.add(generation)

    def is_own(self, generation: str) -> bool:
        """Did this process write that generation (so its client already holds the rows)?"""
        return generation in self._written

    # --- writes ---------------------------------------------------------------------------------------------

    def write(self, batch: Sequence[ArticleRows], seconds: dict[str, float] | None = None) -> None:
        """Write a batch of articles with few round trips, keeping the crash-safe order for every one of them.

        Leftovers of an interrupted run are deleted first; then all passages, statements and events of the batch
        (one upsert per collection); the article records last (one upsert): an article becomes visible only after
        everything it owns is stored. ``seconds`` (if given) accumulates the time per step ("write_chunks", ...).
        """
        if not batch:
            return
        clock = _Clock(seconds)
        with clock("write_leftovers"):
            self._delete_rows_of([b.article.article_id for b in batch])
        chunks: list[_Row] = []
        statements: list[_Row] = []
        events: list[_Row] = []
        for b in batch:
            vector_of = {p.chunk_id: b.passage_vectors[i].tolist() for i, p in enumerate(b.passages)}
            chunks += [_Row(p.chunk_id, p.text, vector_of[p.chunk_id], _passage_meta(p, i)) for i, p in
                       enumerate(b.passages)]
            mentions = b.speaker_mentions or ("",) * len(b.statements)
            statements += [_Row(st.statement_id, st.text, self._vector("statements", st.statement_id,
                                                                    vector_of[st.chunk_id]),
                                _statement_meta(st, mention)) for st, mention in zip(b.statements, mentions)]
            events += [_Row(ev.event_id, ev.text, self._vector("events", ev.event_id, vector_of[ev.chunk_id]),
                            _event_meta(ev)) for ev in b.events]
        for kind, rows in (("chunks", chunks), ("statements", statements), ("events", events)):
            with clock(f"write_{kind}"):
                self._upsert(kind, rows)
        with clock("write_articles"):
            self._upsert("articles", [_Row(b.article.article_id, b.text, np.asarray(b.vector).tolist(),
                                           _article_meta(b.article)) for b in batch])

    def _vector(self, kind: str, row_id: str, passage_vector: list[float]) -> list[float]:
        """A statement's or event's stored vector: the light placeholder, or its passage's in a store written so."""
        if kind not in self._dims:
            got = self._first_row(kind)
            self._dims[kind] = len(got["embeddings"][0]) if got["ids"] else LIGHT_DIM
        return light_vector(row_id) if self._dims[kind] == LIGHT_DIM else passage_vector

    def _first_row(self, kind: str) -> Any:
        """One row of a collection with its vector. A Chroma server that another ingest process is writing a new
        collection to can answer "Error creating hnsw segment reader: Nothing found on disk" until that
        collection's index is on disk (seen once in the two-shard server test, ninth session): the read is tried
        again a few times before the error is the caller's."""
        for attempt in range(1, FIRST_ROW_TRIES):
            try:
                with self.using():
                    return self.collections[kind].get(limit=1, include=["embeddings"])
            except chromadb.errors.InternalError:
                time.sleep(0.5 * attempt)
        with self.using():
            return self.collections[kind].get(limit=1, include=["embeddings"])

    def _upsert(self, kind: str, rows: list[_Row]) -> None:
        """Chroma applies each call in one transaction; batches above the client's limit are split."""
        if not rows:
            return
        with self.using():
            col = self.collections[kind]
            max_batch = self.client.get_max_batch_size()
            for i in range(0, len(rows), max_batch):
                part = rows[i : i + max_batch]
                col.upsert(
                    ids=[r.id for r in part],
                    documents=[r.document for r in part],
                    embeddings=[r.embedding for r in part],
                    metadatas=[r.metadata for r in part],
                )

    def _delete_rows_of(self, article_ids: list[str]) -> None:
        """Rows of articles without a record are leftovers of an interrupted run: one query per collection."""
        with self.using():
            for kind in ("chunks", "statements", "events"):
                got = self.collections[kind].get(where={"article_id": {"$in": article_ids}}, include=[])
                if got["ids"]:
                    self.collections[kind].delete(ids=got["ids"])

    def delete_article(self, article_id: str) -> None:
        """Remove one article everywhere (``delete_articles``)."""
        self.delete_articles([article_id])

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        """Remove articles everywhere, crash-safely: their records are first marked ``removing`` (retrieval hides
        them from then on), then their passages, statements and events go, then the records. A ``kill -9`` in
        between leaves marked records, invisible, which the next ingest or removal finishes (``finish_removals``).
        One metadata delete per collection for all of them: one per article and collection took 8-12 s for 10
        articles at 20,000 articles (each scans the collection's metadata)."""
        if not article_ids:
            return
        with self.using():
            col = self.collections["articles"]
            for part in _parts(article_ids):
                got = col.get(ids=list(part), include=["metadatas"])
                if got["ids"]:
                    col.update(ids=got["ids"], metadatas=[{**(m or {}), "removing": 1} for m in got["metadatas"]])
            for part in _parts(article_ids):
                for kind in ("chunks", "statements", "events"):
                    self.collections[kind].delete(where={"article_id": {"$in": list(part)}})
                col.delete(ids=list(part))

    def finish_removals(self) -> list[str]:
        """Complete removals an interrupted run left half-done; returns their article ids."""
        with self.using():
            got = self.collections["articles"].get(where={"removing": 1}, include=[])
        if got["ids"]:
            self.delete_articles(got["ids"])
        return list(got["ids"])

    def bump_generation(self, value: str) -> None:
        with self.using():
            col = self.collections["articles"]
            meta = {k: v for k, v in (col.metadata or {}).items() if not k.startswith("hnsw:")}
            meta["generation"] = value
            col.modify(metadata=meta)
        self.note_written(value)

    # --- reads: articles --------------------------------------------------------------------------------------

    def articles(self) -> dict[str, StoredArticle]:
        """Every completely ingested article (not those being removed), by id.

        Read incrementally: every id (cheap), the ids marked ``removing``, and the records of ids not read before.
        A record is written once (its id is a hash of the article's content) and only ever marked ``removing``, so
        a record read before is the record. At 20,000 articles reading every record took ~2 s (Chroma's metadata
        rows); the ids 0.05-0.3 s. Every ingest reads the list twice (its start, the readers' refresh after it),
        so adding 10 articles to a large archive paid ~4 s for it."""
        ids = [r.id for r in self._get_all("articles", include=())]
        with self.using():
            removing = set(self.collections["articles"].get(where={"removing": 1}, include=[])["ids"])
        known = self._records
        new = [aid for aid in ids if aid not in known]
        fresh = {}
        for i in range(0, len(new), _GET_PAGE):
            with self.using():
                got = self.collections["articles"].get(ids=new[i : i + _GET_PAGE], include=["metadatas"])
            fresh.update({aid: _article(aid, meta or {}) for aid, meta in zip(got["ids"], got["metadatas"])
                          if not (meta or {}).get("removing")})
        records = {aid: known.get(aid) or fresh[aid] for aid in ids if aid in known or aid in fresh}
        self._records = records  # one assignment: a reader in another thread sees the old or the new dict
        return {aid: a for aid, a in records.items() if aid not in removing}

    def article_text(self, article_id: str) -> str | None:
        return self.article_texts([article_id]).get(article_id)

    def article_texts(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Whole article texts by id, in one read (unknown ids are left out)."""
        if not article_ids:
            return {}
        with self.using():
            got = self.collections["articles"].get(ids=list(dict.fromkeys(article_ids)), include=["documents"])
        return {i: d or "" for i, d in zip(got["ids"], got["documents"] or [])}

    def count(self, kind: str, article_id: str | None = None) -> int:
        """Rows of a collection ("chunks", "statements", "events", "articles"), or of one article in it."""
        if article_id is None:
            with self.using():
                return self.collections[kind].count()
        return len(self._get_all(kind, where={"article_id": article_id}, include=()))

    # --- reads: passages --------------------------------------------------------------------------------------

    def dense_search(self, query: str, k: int, published_until: int | None = None) -> list[Passage]:
        """The k passages nearest to the query's embedding (langchain-chroma embeds the query), best first;
        ``published_until`` (epoch seconds) keeps passages of articles published up to then (or undated)."""
        where = {"published_ts": {"$lte": published_until}} if published_until is not None else None
        with self.using():
            # Ignored: langchain-chroma types the filter dict[str, str], but Chroma takes operators ($lte).
            hits = self.vectorstore.similarity_search_with_score(query, k=k, filter=where)  # type: ignore[arg-type]
        return [_passage(str(doc.id), doc.page_content, doc.metadata) for doc, _distance in hits]

    def passages(self, chunk_ids: Sequence[str], vectors: bool = False) -> list[Passage]:
        """Stored passages by id (in the order given; unknown ids are skipped), with their vectors if asked."""
        if not chunk_ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if vectors else [])
        with self.using():
            got = self.collections["chunks"].get(ids=list(chunk_ids), include=include)
        vecs = got.get("embeddings") if vectors else None
        by_id = {
            cid: _passage(cid, doc, meta, None if vecs is None else np.asarray(vecs[i], dtype=np.float32))
            for i, (cid, doc, meta) in enumerate(zip(got["ids"], got["documents"], got["metadatas"]))
        }
        return [by_id[c] for c in chunk_ids if c in by_id]

    def passage_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        with self.using():
            got = self.collections["chunks"].get(ids=list(chunk_ids), include=["embeddings"])
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"])}

    def passage_containing(self, article_id: str, start: int, end: int) -> Passage | None:
        """The stored passage holding the span [start, end) of an article (for display around a citation)."""
        where = {"$and": [{"article_id": article_id}, {"start": {"$lte": start}}, {"end": {"$gte": end}}]}
        with self.using():
            got = self.collections["chunks"].get(where=where, include=["documents", "metadatas"], limit=1)
        return _passage(got["ids"][0], got["documents"][0], got["metadatas"][0]) if got["ids"] else None

    def passages_of_articles(self, article_ids: Sequence[str]) -> list[Passage]:
        """Every passage of these articles (what the keyword index adds when it catches up with the store)."""
        rows = []
        for part in _parts(article_ids):
            rows += self._get_all("chunks", where={"article_id": {"$in": list(part)}},
                                  include=("documents", "metadatas"))
        return [_passage(r.id, r.document, r.metadata) for r in rows]

    def all_passages(self) -> list[Passage]:
        """Every stored passage, of every article (visible or not): for audits and re-indexing."""
        return [_passage(r.id, r.document, r.metadata) for r in self._get_all("chunks", include=("documents",
                                                                                                   "metadatas"))]

    def passages_of(self, article_id: str) -> list[Passage]:
        """Every passage of one article, in article order."""
        rows = self._get_all("chunks", where={"article_id": article_id}, include=("documents", "metadatas"))
        return sorted((_passage(r.id, r.document, r.metadata) for r in rows), key=lambda p: p.start)

    # --- reads: statements and events -----------------------------------------------------------------------

    def statements(self, query: StatementFilter | None = None) -> list[StoredStatement]:
        """Statements matching a filter (None: all of them). A long id list is read in parts."""
        if query is not None and query.matches_nothing:
            return []
        parts: list[StatementFilter | None] = [query]
        if query is not None and query.article_ids is not None:
            parts = [replace(query, article_ids=part) for part in _parts(query.article_ids)]
        rows = [r for q in parts for r in self._get_all("statements", where=_where(q.conditions()) if q else None,
                                                         include=("documents", "metadatas"))]
        return [_statement(r.id, r.document, r.metadata) for r in rows]

    def events(self, query: EventFilter | None = None, texts: bool = True) -> list[StoredEvent]:
        """Events matching a filter (None: all of them); ``texts=False`` leaves their sentences empty (a story's
        date counts need only the metadata: a third less to read). A long article-id list is read in parts."""
        if query is not None and query.matches_nothing:
            return []
        include = ("documents", "metadatas") if texts else ("metadatas",)
        if query is not None and query.article_ids is not None:
            parts: list[EventFilter | None] = [replace(query, article_ids=part) for part in _parts(query.article_ids)]
        else:
            parts = [query]
        rows = [r for q in parts for r in self._get_all("events", where=_where(q.conditions()) if q else None,
                                                         include=include)]
        return [_event(r.id, r.document, r.metadata) for r in rows]

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector, as dense search embeds it."""
        return np.asarray(self._embeddings.embed_query(text), dtype=np.float32)

    def article_vectors(self, article_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each article's vector (the mean of its passages'), by id."""
        out: dict[str, np.ndarray] = {}
        for part in _parts(article_ids):
            with self.using():
                got = self.collections["articles"].get(ids=list(part), include=["embeddings"])
            out.update({aid: np.asarray(v, dtype=np.float32) for aid, v in zip(got["ids"], got["embeddings"])})
        return out

    def lead_passages(self, article_ids: Sequence[str], n: int) -> list[Passage]:
        """The first ``n`` passages of each article (a news story's lead says what happened), in article order.
        Read by id (a passage's id is its article's and its index): at 20,000 articles Chroma took 0.42 s for the
        first 2 passages of 500 articles by a metadata filter, 0.10 s by id."""
        ids = [f"{aid}:{i}" for aid in sorted(set(article_ids)) for i in range(n)]
        rows = [p for i in range(0, len(ids), _GET_PAGE) for p in self.passages(ids[i : i + _GET_PAGE])]
        return sorted(rows, key=lambda p: (p.article_id, p.start))

    def _get_all(self, kind: str, where: Where | None = None, include: Iterable[str] = ("metadatas",)) -> list[_Row]:
        """Every matching row of a collection, paged."""
        rows: list[_Row] = []
        offset = 0
        while True:
            with self.using():
                got = self.collections[kind].get(where=where, include=list(include), limit=_GET_PAGE, offset=offset)
            docs = got.get("documents") or [""] * len(got["ids"])
            metas = got.get("metadatas") or [{}] * len(got["ids"])
            rows.extend(_Row(i, d or "", [], m or {}) for i, d, m in zip(got["ids"], docs, metas))
            if len(got["ids"]) < _GET_PAGE:
                return rows
            offset += _GET_PAGE

    # --- lifecycle -----------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the Chroma client (its vector indexes stay in memory until then); the next use reopens it."""
        with self.lock.exclusive():
            if not self._closed:
                self.client.close()  # type: ignore[attr-defined]  # every client has it; ClientAPI lacks it  # type: ignore[attr-defined]  # on every client since chromadb 1.0, not in ClientAPI
                self._closed = True

    def generation(self) -> str:
        """Changes whenever an ingest or removal run finished: lets other processes know their caches are stale."""
        # Fetched afresh: a Collection object keeps the metadata it was opened with, so another process's ingest
        # would otherwise stay invisible until restart.
        with self.using():
            col = self.client.get_collection(f"{self.settings.collection}_articles")
            return str((col.metadata or {}).get("generation", "0"))


# --- encoding: records <-> Chroma rows ----------------------------------------------------------------------------


def _parts(ids: Iterable[str]) -> list[tuple[str, ...]]:
    """Distinct ids, sorted, in parts of at most _IN_PART: one $in condition or get() each."""
    unique = sorted(set(ids))
    return [tuple(unique[i : i + _IN_PART]) for i in range(0, len(unique), _IN_PART)]


def _and(conds: list[Where]) -> Where | None:
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


_OPERATORS = {"in": "$in", ">=": "$gte", "<=": "$lte", ">": "$gt", "<": "$lt"}


def _where(conditions: Sequence[tuple[str, str, Any]]) -> Where | None:
    """A filter's conditions (EventFilter.conditions, StatementFilter.conditions) as Chroma's metadata filter."""
    return _and([{name: value if op == "=" else {_OPERATORS[op]: list(value) if op == "in" else value}}
                 for name, op, value in conditions])


def _spans_json(spans: Iterable[tuple[int, int]]) -> str:
    """Chroma metadata holds scalars only: sentence spans travel as compact JSON."""
    return json.dumps([list(s) for s in spans], separators=(",", ":"))


def _spans(value: str | None) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in json.loads(value)) if value else ()


def _article_meta(a: StoredArticle) -> dict[str, Any]:
    return {"title": a.title, "published": a.published or "", "published_ts": a.published_ts, "source": a.source,
            "source_key": a.source_key, "url": a.url, "byline": a.byline, "n_chunks": a.n_chunks,
            "ingested_at": a.ingested_at}


def _article(article_id: str, m: dict[str, Any]) -> StoredArticle:
    return StoredArticle(
        article_id=article_id, title=str(m.get("title") or ""), published=m.get("published") or None,
        published_ts=int(m.get("published_ts") or 0), source=str(m.get("source") or ""),
        source_key=str(m.get("source_key") or ""), url=str(m.get("url") or ""), byline=str(m.get("byline") or ""),
        n_chunks=int(m.get("n_chunks") or 0), ingested_at=int(m.get("ingested_at") or 0),
    )


def _passage_meta(p: Passage, index: int) -> dict[str, Any]:
    return {"article_id": p.article_id, "title": p.title, "published": p.published or "",
            "published_ts": _published_ts(p.published), "source": p.source, "chunk_index": index, "start": p.start,
            "end": p.end, "sentences": _spans_json(p.sentences)}


def _published_ts(published: str | None) -> int:
    return epoch(dt.date.fromisoformat(published[:10])) if published else 0


def _passage(chunk_id: str, text: str, m: dict[str, Any], vector: np.ndarray | None = None) -> Passage:
    return Passage(
        chunk_id=chunk_id, text=text, article_id=str(m["article_id"]), title=str(m.get("title") or ""),
        published=m.get("published") or None, source=str(m.get("source") or ""), start=int(m["start"]),
        end=int(m["end"]), sentences=_spans(m.get("sentences")), vector=vector,
    )


def _statement_meta(st: StoredStatement, mention: str) -> dict[str, Any]:
    return {"article_id": st.article_id, "title": st.title, "published": st.published or "",
            "published_ts": st.published_ts, "start": st.start, "end": st.end, "speaker": st.speaker,
            "speaker_mention": mention, "speaker_key": st.speaker_key, "affiliation": st.affiliation, "verb": st.verb,
            "quote": st.quote, "chunk_id": st.chunk_id}


def _statement(statement_id: str, text: str, m: dict[str, Any]) -> StoredStatement:
    return StoredStatement(
        statement_id=statement_id, text=text, article_id=str(m["article_id"]), chunk_id=str(m.get("chunk_id") or ""),
        title=str(m.get("title") or ""), published=m.get("published") or None,
        published_ts=int(m.get("published_ts") or 0), start=int(m["start"]), end=int(m["end"]),
        speaker=str(m.get("speaker") or ""), affiliation=str(m.get("affiliation") or ""),
        speaker_key=str(m.get("speaker_key") or ""), verb=str(m.get("verb") or ""), quote=str(m.get("quote") or ""),
    )


def _event_meta(ev: StoredEvent) -> dict[str, Any]:
    return {"article_id": ev.article_id, "title": ev.title, "published": ev.published or "",
            "published_ts": ev.published_ts, "start": ev.start, "end": ev.end, "expr_start": ev.expr_start,
            "expr_end": ev.expr_end, "expr_text": ev.expr_text, "date_start_ts": ev.date_start_ts,
            "date_end_ts": ev.date_end_ts, "date_label": ev.date_label, "granularity": ev.granularity,
            "relation": ev.relation, "actors": "|".join(ev.actors), "chunk_id": ev.chunk_id}


def _event(event_id: str, text: str, m: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        event_id=event_id, text=text, article_id=str(m["article_id"]), chunk_id=str(m.get("chunk_id") or ""),
        title=str(m.get("title") or ""), published=m.get("published") or None,
        published_ts=int(m.get("published_ts") or 0), start=int(m["start"]), end=int(m["end"]),
        expr_start=int(m.get("expr_start", m["start"])), expr_end=int(m.get("expr_end", m["end"])),
        expr_text=str(m.get("expr_text") or ""), date_start_ts=int(m["date_start_ts"]),
        date_end_ts=int(m["date_end_ts"]), date_label=str(m.get("date_label") or ""),
        granularity=str(m.get("granularity") or ""), relation=str(m.get("relation") or "at"),
        actors=tuple(a for a in str(m.get("actors") or "").split("|") if a),
    )
