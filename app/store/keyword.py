"""The keyword side of hybrid search: a BM25 index over the passages in one SQLite file, updated in place.

Why in place: the index used to be a bm25s sparse matrix rebuilt from every passage in Chroma at the end of each
ingest or removal (16 s at 82,000 passages, issue 20): adding one article to a large archive cost as much as
re-indexing it, and grew with the archive. Now an ingest adds its articles' passages and a removal masks them, each
in one SQLite transaction, so their cost is what they hold (``python -m benchmarks.scale``: add10_s per size).

How: postings in segments, as Lucene keeps them. Each ``add`` is a segment: per word stem one row holding a blob of
(passage id, term count, passage length) int32 arrays. A query reads, per stem of the question, one blob per
segment and scores with numpy; the IDF and the mean passage length come from counters kept in the same transactions,
so scores are never stale. A removal records the passages' ids in ``deleted`` (masked at query time, counters
updated at once); tiered merging (``MERGE_FACTOR`` segments of one size class become one, dropping removed
postings) keeps the segments few, and rewrites a posting O(log n) times over the archive's life. Measured on
RealTimeQA + T17 text (load average 14-19, benchmarks/results/results.md, issue 28): adding 10 articles' passages
took 0.42-0.58 s at 3,900 to 103,000 passages, where the bm25s rebuild took 7.7-69 s; a query 4 ms p50 at
103,000 passages (bm25s 1.1 ms; scores are summed with a dense bincount by passage id: np.unique's sort made it
92 ms); 124 MB on disk at 103,000 passages. The price: a merge that cascades rewrites the postings it merges
inside one ingest's transaction (rare; the largest, once, rewrites them all).

Scoring is the index's it replaced, exactly: bm25s's tokenizer (lower-case words of 2+ characters, English stopwords
removed, Snowball stemmer) over the headline + passage (``keyword_text``), and Lucene's BM25 with bm25s's k1 = 1.5,
b = 0.75; the scores are equal (tests/test_keyword_index.py), and so was hit@5/10 on the nine RealTimeQA dev week
stores (keyword-only and hybrid; benchmarks/results/results.md, issue 28).

Rejected, measured: SQLite FTS5 with its ``bm25()`` (k1 = 1.2): same hit@k, but the ranking function runs per
matching row (20-30 us each here: 17-48 ms per question at 5,000-12,000 passages against bm25s's 1-2 ms, so ~2 s
at the ~1 M passages of 20,000 articles); a postings table of one row per (stem, passage) read into numpy (11 ms at
5,000 passages, most of it building Python tuples). Rejected, not measured: tantivy (a new native dependency, and
one IndexWriter per index held by a lock file: two ``ingest.py`` processes, or a web upload beside a CLI ingest,
could not both write); bm25s with delta segments (its postings bake the collection's IDF in: every segment is
stale as soon as another is added). SQLite gives the rest: WAL journal (a ``kill -9`` mid-write rolls back to
the last commit; readers never wait for a writer), and several processes may write at once (``BEGIN IMMEDIATE``
with a busy timeout: two ingests wait for each other's short transactions).

The index is a cache of Chroma, the source of truth: it records which articles it holds, and ``sync`` brings it in
line with the articles visible in the store (adding the passages of those it lacks, removing those no longer
visible) and stamps the store's generation. Ingest adds a batch's passages *before* their article records are
written, so an article visible to retrieval always has its keyword rows; rows of an article that never became
visible (a crash) are never returned (searches keep visible articles only) and the next ``sync`` removes them.

Migration: a store written before this index (a ``bm25/`` folder with ``manifest.json``) has no ``keyword.sqlite3``;
the first process that opens it creates the file, deletes the old folder, and its first ``sync`` (the retriever's
first refresh, or the next ingest) builds the index from Chroma once: one read of every passage, as the old
rebuild did (5-21 s for the 5,000-12,000-passage RealTimeQA week stores on this loaded machine, 1.0-2.0x the old
rebuild). Nothing else in the store changes.

The same file keeps the **events** (every dated sentence's metadata and text, one row each, indexed by article,
passage and start day), written in the same transaction as their article's passages and removed with them, so a
timeline reads them with an indexed SQL query. Why: timelines filter events by article, day and date range, and
Chroma's metadata filter scans at an archive's size. At 20,000 articles (334,361 events) it took 0.65 s for the
events of 500 articles and 3.0 s with a date range; a 20-date story timeline spent 5-13 s of its 19-27 s reading
events (cProfile, loaded machine), 0.2-0.4 s from this table. Chroma keeps them too (the source of truth; this is
a cache like the postings). An index written before it kept events is filled from Chroma by the next ``sync``
(once: 123 s at 20,000 articles) and stamped ``events = 1``.

The **statements** (who said what) are kept the same way, indexed by article, passage, actor and speaker: no query
searches them by vector, yet reading them through Chroma loaded their collection's vector index into the server
(the server's own peak at 20,000 articles 3.76 GB, 3.18 GB without it, on a store written before statements got
placeholder vectors), and the "Who said what" tab
read all of them (276,266 at 20,000 articles) to show a few hundred. It now reads the newest page of one actor's or
of some words' statements, and the actors' counts, by SQL (0.13-0.75 s at 20,000 articles, loaded machine). Filled
from Chroma once in older indexes (96 s at 20,000 articles, loaded machine).

And the **leads**: the names (the tokens of the capitalised words) of each article's first passages (LEAD_CHARS),
which the story finder checks for the story's names in each of its candidates (~2,500 at 20,000 articles: 2.5-5 s
of Chroma reads and tokenising, cProfile, loaded machine; now one SQL read). Their stamp names what they hold and
the tokenizer's version (app.text.tokens.VERSION): a new one refills them from Chroma (21-26 s at 20,000 articles).
An article whose lead row is missing (a refill racing another process's ingest) is read from Chroma by the story
finder, as before.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.config import Settings
from app.records import EventFilter, Passage, StatementFilter, StoredEvent, StoredStatement
from app.text.chunking import keyword_text
from app.text.tokens import VERSION as TOKENS_VERSION
from app.text.tokens import written_names

if TYPE_CHECKING:
    from app.store.chroma import Store

# AUTOINCREMENT: a removed passage's id stays masked in ``deleted`` until its segment is merged, so ids are never
# reused (a re-ingested article must not inherit the mask).
_LEADS_TABLE = "CREATE TABLE IF NOT EXISTS leads(article_id TEXT PRIMARY KEY, tokens TEXT NOT NULL) WITHOUT ROWID"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles(article_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE,
                                article_id TEXT NOT NULL, len INTEGER NOT NULL, seg INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS docs_by_article ON docs(article_id);
CREATE TABLE IF NOT EXISTS segments(seg INTEGER PRIMARY KEY AUTOINCREMENT, docs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings(term TEXT NOT NULL, seg INTEGER NOT NULL, data BLOB NOT NULL,
                                    PRIMARY KEY(term, seg)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deleted(doc INTEGER PRIMARY KEY, seg INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('docs', '0'), ('length', '0');
CREATE TABLE IF NOT EXISTS events(id TEXT PRIMARY KEY, article_id TEXT NOT NULL, chunk_id TEXT NOT NULL,
                                  start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, granularity TEXT NOT NULL,
                                  published_ts INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_article ON events(article_id);
CREATE INDEX IF NOT EXISTS events_by_chunk ON events(chunk_id);
CREATE INDEX IF NOT EXISTS events_by_start ON events(start_ts);
CREATE TABLE IF NOT EXISTS statements(id TEXT PRIMARY KEY, article_id TEXT NOT NULL, chunk_id TEXT NOT NULL,
                                      affiliation TEXT NOT NULL, speaker_key TEXT NOT NULL, actor TEXT NOT NULL,
                                      start INTEGER NOT NULL, published_ts INTEGER NOT NULL, words TEXT NOT NULL,
                                      record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS statements_by_article ON statements(article_id);
CREATE INDEX IF NOT EXISTS statements_by_chunk ON statements(chunk_id);
CREATE INDEX IF NOT EXISTS statements_by_affiliation ON statements(affiliation);
CREATE INDEX IF NOT EXISTS statements_by_speaker ON statements(speaker_key);
CREATE INDEX IF NOT EXISTS statements_by_actor ON statements(actor, published_ts);
"""
K1, B = 1.5, 0.75  # bm25s's defaults (Lucene's BM25), as the index before this one scored
MERGE_FACTOR = 4  # segments of one size class merged into one (tiered merging: a posting is rewritten O(log n) times)
_SYNC_PART = 200  # articles read from Chroma per part when the index catches up
# Kept beside the postings since: a stamp per kind says the rows are complete. The leads hold the tokens of their
# capitalised words (app.text.tokens.written_names; all their content tokens before the fifteenth session), so their
# stamp names what they hold and the tokenizer's version: a new one refills them.
_FILLED = {"events": "1", "statements": "1", "leads": f"names-{TOKENS_VERSION}"}
# An article's lead, what the story finder reads to tell whether an article is about a story (app.query.story): its
# passages among the first LEAD_READ that start in its first LEAD_CHARS characters.
LEAD_CHARS = 1000
LEAD_READ = 6
_BUSY_MS = 60_000  # a writer waits this long for another process's transaction


def _stemmer() -> Any:  # PyStemmer ships no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class BM25Hit:
    chunk_id: str
    score: float


def index_path(settings: Settings) -> Path:
    """Where this client keeps the keyword index: per server when the store is a shared Chroma server.

    The index is a cache of the chunks in Chroma, kept in step with the store's visible articles, so a local copy
    is safe even when other machines write to the server: a stale copy catches up with what changed (``sync``).
    """
    if settings.uses_server:
        name = f"keyword-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}.sqlite3"
        return settings.vectorstore_dir / name
    return settings.vectorstore_dir / "keyword.sqlite3"


def legacy_dir(settings: Settings) -> Path:
    """Where the bm25s index of stores written before the SQLite index was kept (deleted after migration)."""
    if settings.uses_server:
        return settings.vectorstore_dir / f"bm25-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return settings.vectorstore_dir / "bm25"


class KeywordIndex:
    """A BM25 index of passages in one SQLite file; one connection per thread, safe across processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._stem = _stemmer()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db().executescript(_SCHEMA + _LEADS_TABLE)  # IF NOT EXISTS: two processes opening one store succeed
        with self._write() as db:  # an index written before it kept events or leads holds articles without them
            empty = db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None
            db.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                           [(kind, stamp if empty else "0") for kind, stamp in _FILLED.items()])

    # --- connections ------------------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer; a crash rolls back to a commit
            db.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process (not a power cut: a cache)
            db.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            self._local.db = db
            with self._all_lock:
                self._all.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, taking the write lock at once (BEGIN IMMEDIATE: no deadlock between two writers)."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection (a thread that uses the index again opens a new one)."""
        with self._all_lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()

    # --- tokens -----------------------------------------------------------------------------------------------

    def stems(self, texts: Sequence[str]) -> list[list[str]]:
        import bm25s

        out: list[list[str]] = bm25s.tokenize(list(texts), stopwords="en", stemmer=self._stem, return_ids=False,
                                              show_progress=False)
        return out

    # --- writes -----------------------------------------------------------------------------------------------

    def add(self, rows: Iterable[Passage], events: Iterable[StoredEvent] = (),
            statements: Iterable[StoredStatement] = ()) -> int:
        """Index the passages, events and statements of articles not indexed yet, the passages as one new segment (one
        transaction: all of them or none); returns the number of passages added. An article already indexed is
        skipped (its id is a hash of its content)."""
        by_article: dict[str, list[Passage]] = {}
        for row in rows:
            by_article.setdefault(row.article_id, []).append(row)
        if not by_article:
            return 0
        events_of: dict[str, list[StoredEvent]] = {}
        for ev in events:
            events_of.setdefault(ev.article_id, []).append(ev)
        statements_of: dict[str, list[StoredStatement]] = {}
        for st in statements:
            statements_of.setdefault(st.article_id, []).append(st)
        stems = self.stems([keyword_text(r.title, r.text) for group in by_article.values() for r in group])
        added = length = 0
        with self._write() as db:
            have = {aid for (aid,) in db.execute(
                f"SELECT article_id FROM articles WHERE article_id IN ({','.join('?' * len(by_article))})",
                list(by_article))}
            seg = int(db.execute("INSERT INTO segments(docs) VALUES (0)").lastrowid or 0)
            postings: dict[str, list[tuple[int, int, int]]] = {}
            offset = 0
            for article_id, group in by_article.items():
                words, offset = stems[offset : offset + len(group)], offset + len(group)
                if article_id in have:
                    continue
                db.execute("INSERT INTO articles(article_id) VALUES (?)", (article_id,))
                _insert_events(db, events_of.get(article_id, ()))
                _insert_statements(db, statements_of.get(article_id, ()))
                _insert_leads(db, group)
                for row, tokens in zip(group, words):
                    cur = db.execute("INSERT OR IGNORE INTO docs(chunk_id, article_id, len, seg) VALUES (?, ?, ?, ?)",
                                     (row.chunk_id, article_id, len(tokens), seg))
                    if not cur.rowcount:
                        continue
                    doc = int(cur.lastrowid or 0)
                    for term, n in Counter(tokens).items():
                        postings.setdefault(term, []).append((doc, n, len(tokens)))
                    added += 1
                    length += len(tokens)
            db.executemany("INSERT INTO postings(term, seg, data) VALUES (?, ?, ?)",
                           [(term, seg, _pack(np.array(p, dtype=np.int32).T)) for term, p in postings.items()])
            db.execute("UPDATE segments SET docs = ? WHERE seg = ?", (added, seg))
            self._count(db, added, length)
            self._merge(db)
        return added

    @staticmethod
    def _count(db: sqlite3.Connection, docs: int, length: int) -> None:
        """Keep the collection's size and total length (BM25's N and mean length) in step, in the same
        transaction."""
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'docs'", (docs,))
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'length'", (length,))

    def _merge(self, db: sqlite3.Connection) -> None:
        """Tiered merging, in the caller's transaction: when MERGE_FACTOR segments fall in one size class
        (powers of MERGE_FACTOR), they become one, without the postings of removed passages. A query reads one
        blob per term and segment, so the segments must stay few; each posting is rewritten once per class."""
        while True:
            sizes = db.execute("SELECT seg, docs FROM segments").fetchall()
            classes: dict[int, list[int]] = {}
            for seg, n in sizes:
                classes.setdefault(int(math.log(max(n, 1), MERGE_FACTOR)), []).append(seg)
            group = next((segs for _, segs in sorted(classes.items()) if len(segs) >= MERGE_FACTOR), None)
            if group is None:
                return
            marks = ",".join("?" * len(group))
            gone = np.array([d for (d,) in db.execute(f"SELECT doc FROM deleted WHERE seg IN ({marks})", group)],
                            dtype=np.int32)
            new = int(db.execute("INSERT INTO segments(docs) VALUES (0)").lastrowid or 0)
            merged: list[tuple[str, int, bytes]] = []
            term: str | None = None
            parts: list[np.ndarray] = []
            for t, data in db.execute(f"SELECT term, data FROM postings WHERE seg IN ({marks}) ORDER BY term",
                                      group):
                if t != term and parts:
                    merged.append((str(term), new, _pack(_live(np.concatenate(parts, axis=1), gone))))
                    parts = []
                term = t
                parts.append(_unpack(data))
            if parts:
                merged.append((str(term), new, _pack(_live(np.concatenate(parts, axis=1), gone))))
            db.execute(f"DELETE FROM postings WHERE seg IN ({marks})", group)
            db.executemany("INSERT INTO postings(term, seg, data) VALUES (?, ?, ?)",
                           [m for m in merged if len(m[2])])
            n = int(db.execute(f"SELECT count(*) FROM docs WHERE seg IN ({marks})", group).fetchone()[0])
            db.execute(f"UPDATE docs SET seg = ? WHERE seg IN ({marks})", [new, *group])
            db.execute(f"DELETE FROM deleted WHERE seg IN ({marks})", group)
            db.execute(f"DELETE FROM segments WHERE seg IN ({marks})", group)
            db.execute("UPDATE segments SET docs = ? WHERE seg = ?", (n, new))

    def remove(self, article_ids: Iterable[str]) -> None:
        """Delete the passages of these articles (one transaction): their postings are masked at once and
        dropped when their segment is next merged."""
        ids = list(article_ids)
        if not ids:
            return
        with self._write() as db:
            docs = length = 0
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT id, len, seg FROM docs WHERE article_id IN ({marks})", part).fetchall()
                db.executemany("INSERT OR IGNORE INTO deleted(doc, seg) VALUES (?, ?)", [(d, g) for d, _, g in rows])
                db.execute(f"DELETE FROM docs WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM articles WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM events WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM statements WHERE article_id IN ({marks})", part)
                db.execute(f"DELETE FROM leads WHERE article_id IN ({marks})", part)
                docs += len(rows)
                length += sum(n for _, n, _ in rows)
            self._count(db, -docs, -length)

    def stamp(self, generation: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (generation,))

    # --- reads ------------------------------------------------------------------------------------------------

    @property
    def generation(self) -> str | None:
        """The store generation the index was last brought in line with (None: never)."""
        got = self._db().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return str(got[0]) if got else None

    def article_ids(self) -> set[str]:
        return {aid for (aid,) in self._db().execute("SELECT article_id FROM articles")}

    def count(self) -> int:
        """Passages indexed."""
        return int(self._db().execute("SELECT value FROM meta WHERE key = 'docs'").fetchone()[0])

    def search(self, query: str, k: int) -> list[BM25Hit]:
        """The k passages with the best BM25 score for the query's words (any of them), best first.

        Each query stem's postings are one blob per segment (passage ids, term counts, passage lengths), scored
        with numpy; the IDF and mean length are the collection's now, so scores never go stale."""
        # A word the question repeats counts each time, as in bm25s ("Who won the Asia Cup, the cup of ...").
        tokens = Counter(t for t in self.stems([query])[0] if t)
        if not tokens or k <= 0:
            return []
        db = self._db()
        with self._read(db):  # one snapshot: counts and postings agree while an ingest writes
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('docs', 'length')").fetchall())
            n, total = int(meta.get("docs", 0)), int(meta.get("length", 0))
            if not n:
                return []
            avg = max(total / n, 1e-9)
            gone = np.array([d for (d,) in db.execute("SELECT doc FROM deleted")], dtype=np.int32)
            docs, scores = [], []
            for token, times in sorted(tokens.items()):
                blobs = [_unpack(b) for (b,) in db.execute("SELECT data FROM postings WHERE term = ?", (token,))]
                if not blobs:
                    continue
                got = _live(np.concatenate(blobs, axis=1), gone)
                df = got.shape[1]
                if not df:
                    continue
                idf = times * math.log(1 + (n - df + 0.5) / (df + 0.5))
                tf, dl = got[1].astype(np.float64), got[2].astype(np.float64)
                docs.append(got[0])
                scores.append(idf * tf / (tf + K1 * (1 - B + B * dl / avg)))
            if not docs:
                return []
            # Summed per passage id in a dense array (ids are assigned in order: its size is the passages ever
            # indexed); np.unique's sort cost more than the scoring at 27,000 passages.
            total_scores = np.bincount(np.concatenate(docs), weights=np.concatenate(scores))
            hit = np.flatnonzero(total_scores)
            k = min(k, len(hit))
            best = hit[np.argpartition(-total_scores[hit], k - 1)[:k]]
            best = best[np.argsort(-total_scores[best], kind="stable")]
            chunk_of: dict[int, str] = {}
            picked = [int(i) for i in best]
            for i in range(0, len(picked), 500):
                part = picked[i : i + 500]
                chunk_of.update(db.execute(f"SELECT id, chunk_id FROM docs WHERE id IN ({','.join('?' * len(part))})",
                                           part).fetchall())
        return [BM25Hit(chunk_of[d], float(total_scores[d])) for d in picked if d in chunk_of]

    @contextmanager
    def _read(self, db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN")
        try:
            yield
        finally:
            db.execute("COMMIT")

    # --- keeping in step with the store -------------------------------------------------------------------------

    def sync(self, store: Store, visible: set[str], generation: str) -> tuple[int, int]:
        """Bring the index in line with the store's visible articles and stamp ``generation``: the passages of
        visible articles it lacks are read from Chroma and added, those of articles no longer visible deleted.
        Returns (articles added, articles removed). Cheap when in step: one read of the indexed article ids (a
        retriever calls it at every generation change, so another machine's ingest on a shared Chroma server is
        caught up even when this machine's own ingest stamped the latest generation)."""
        have = self.article_ids()
        extra = sorted(have - visible)
        missing = sorted(visible - have)
        self.remove(extra)
        for i in range(0, len(missing), _SYNC_PART):
            part = missing[i : i + _SYNC_PART]
            self.add(store.passages_of_articles(part), store.events(EventFilter(article_ids=tuple(part))),
                     store.statements(StatementFilter(article_ids=tuple(part))))
        for kind, stamp in _FILLED.items():
            if self._db().execute("SELECT value FROM meta WHERE key = ?", (kind,)).fetchone() != (stamp,):
                self._backfill(kind, store, sorted(have - set(extra)))
        if extra or missing or self.generation != generation:
            self.stamp(generation)
        return len(missing), len(extra)

    def _backfill(self, kind: str, store: Store, article_ids: list[str]) -> None:
        """The events, statements or leads of articles indexed before the index kept them (or leads of another
        tokenizer), read from Chroma once (an upgrade), then the stamp that says it is done."""
        if kind == "leads":  # rebuilt whole: its tokens (or the table itself) may be of another version
            with self._write() as db:
                db.execute("DROP TABLE IF EXISTS leads")
                db.execute(_LEADS_TABLE)
        for i in range(0, len(article_ids), _SYNC_PART):
            part = article_ids[i : i + _SYNC_PART]
            if kind == "events":
                found = store.events(EventFilter(article_ids=tuple(part)))
                with self._write() as db:
                    _insert_events(db, found)
            elif kind == "statements":
                said = store.statements(StatementFilter(article_ids=tuple(part)))
                with self._write() as db:
                    _insert_statements(db, said)
            else:
                of: dict[str, list[Passage]] = {}
                for p in store.passages([f"{aid}:{n}" for aid in part for n in range(LEAD_READ)]):
                    of.setdefault(p.article_id, []).append(p)
                with self._write() as db:
                    for group in of.values():
                        _insert_leads(db, group)
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (kind, _FILLED[kind]))

    # --- leads ------------------------------------------------------------------------------------------------

    def leads(self, article_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The names (app.text.tokens.written_names) of each article's lead: its passages among the first LEAD_READ
        that start in its first LEAD_CHARS characters; by id, an article not indexed left out."""
        db = self._db()
        with self._read(db):
            rows = db.execute(f"SELECT article_id, tokens FROM leads WHERE article_id {_AMONG}",
                              (json.dumps(list(article_ids)),)).fetchall()
        return {aid: frozenset(tokens.split()) for aid, tokens in rows}

    # --- events -----------------------------------------------------------------------------------------------

    def events(self, query: EventFilter | None = None, texts: bool = True) -> list[StoredEvent]:
        """Events matching a filter (None: all of them), as ``Store.events`` reads them from Chroma, in the
        order they were stored; ``texts=False`` leaves their sentences empty."""
        if query is not None and query.matches_nothing:
            return []
        where, args = _sql(query.conditions() if query is not None else ())
        sql = f"SELECT id, record FROM events{_clause(where)} ORDER BY rowid"
        db = self._db()
        with self._read(db):
            rows = db.execute(sql, args).fetchall()
        return [_event_of(eid, record, texts) for eid, record in rows]

    # --- statements -------------------------------------------------------------------------------------------

    def statements(self, query: StatementFilter | None = None) -> list[StoredStatement]:
        """Statements matching a filter (None: all of them), as ``Store.statements`` reads them from Chroma, in the
        order they were stored."""
        if query is not None and query.matches_nothing:
            return []
        where, args = _sql(query.conditions() if query is not None else ())
        sql = f"SELECT record FROM statements{_clause(where)} ORDER BY rowid"
        db = self._db()
        with self._read(db):
            return [_statement_of(record) for (record,) in db.execute(sql, args)]

    def statement_actors(self) -> list[tuple[str, int]]:
        """Each actor (StoredStatement.actor) with its statements counted, most quoted first (read from the actor
        index alone: counting each sentence once, as the tab draws them, took 1.1 s at 276,266 statements)."""
        db = self._db()
        with self._read(db):
            rows = db.execute("SELECT actor, COUNT(*) FROM statements GROUP BY actor").fetchall()
        return sorted(((str(a), int(n)) for a, n in rows), key=lambda r: (-r[1], r[0].lower()))

    def statement_page(self, actor: str | None, text: str, limit: int) -> tuple[list[StoredStatement], int]:
        """The newest ``limit`` statements of one actor (None: every actor) whose sentence, speaker or article
        title contains ``text`` (any case), and how many match in all: what the "Who said what" tab shows, bounded
        at any archive size (138,566 statements at 20,000 articles)."""
        where, args = [], []
        if actor is not None:
            where.append("actor = ?")
            args.append(actor)
        if needle := text.strip().lower():  # the words column: reading them out of the JSON took 2.6 s
            where.append("instr(words, ?) > 0")
            args.append(needle)
        clause = _clause(where)
        db = self._db()
        with self._read(db):
            total = int(db.execute(f"SELECT COUNT(*) FROM statements{clause}", args).fetchone()[0])
            rows = db.execute(f"SELECT record FROM statements{clause} ORDER BY published_ts DESC, rowid LIMIT ?",
                              [*args, limit]).fetchall()
        return [_statement_of(record) for (record,) in rows], total


def _insert_statements(db: sqlite3.Connection, statements: Iterable[StoredStatement]) -> None:
    db.executemany(
        "INSERT OR IGNORE INTO statements(id, article_id, chunk_id, affiliation, speaker_key, actor, start,"
        " published_ts, words, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(st.statement_id, st.article_id, st.chunk_id, st.affiliation, st.speaker_key, st.actor, st.start,
          st.published_ts, f"{st.text}\n{st.speaker}\n{st.title}".lower(),
          json.dumps(asdict(st), separators=(",", ":"), ensure_ascii=False)) for st in statements])


def _statement_of(record: str) -> StoredStatement:
    return StoredStatement(**json.loads(record))


def _insert_leads(db: sqlite3.Connection, passages: Sequence[Passage]) -> None:
    """One article's lead, from its passages (any order; the others are ignored)."""
    if not passages:
        return
    lead = [p for p in sorted(passages, key=lambda p: p.start)
            if p.start < LEAD_CHARS and int(p.chunk_id.rpartition(":")[2]) < LEAD_READ]
    tokens = set().union(*(written_names(p.text) for p in lead))
    db.execute("INSERT OR IGNORE INTO leads(article_id, tokens) VALUES (?, ?)",
               (passages[0].article_id, " ".join(sorted(tokens))))


def _insert_events(db: sqlite3.Connection, events: Iterable[StoredEvent]) -> None:
    db.executemany(
        "INSERT OR IGNORE INTO events(id, article_id, chunk_id, start_ts, end_ts, granularity, published_ts, record)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(ev.event_id, ev.article_id, ev.chunk_id, ev.date_start_ts, ev.date_end_ts, ev.granularity,
          ev.published_ts, json.dumps(asdict(ev), separators=(",", ":"))) for ev in events])


def _event_of(event_id: str, record: str, texts: bool) -> StoredEvent:
    fields = json.loads(record)
    fields.update(event_id=event_id, actors=tuple(fields.get("actors") or ()))
    if not texts:
        fields["text"] = ""
    return StoredEvent(**fields)


_COLUMNS = {"date_start_ts": "start_ts", "date_end_ts": "end_ts"}  # the events table's names for two fields
_AMONG = "IN (SELECT value FROM json_each(?))"  # a list as one JSON parameter: no limit on its length, and
# SQLite still looks each value up in the column's index


def _sql(conditions: Sequence[tuple[str, str, Any]]) -> tuple[list[str], list[Any]]:
    """A filter's conditions (EventFilter.conditions, StatementFilter.conditions) as SQL on its table's indexed
    columns."""
    where: list[str] = []
    args: list[Any] = []
    for name, op, value in conditions:
        column = _COLUMNS.get(name, name)
        where.append(f"{column} {_AMONG}" if op == "in" else f"{column} {op} ?")
        args.append(json.dumps(list(value)) if op == "in" else value)
    return where, args


def _clause(where: Sequence[str]) -> str:
    """" WHERE a AND b" for some conditions, "" for none."""
    return f" WHERE {' AND '.join(where)}" if where else ""


def _pack(postings: np.ndarray) -> bytes:
    """(3, n) postings -> bytes: n passage ids, then n term counts, then n passage lengths (int32)."""
    return np.ascontiguousarray(postings, dtype=np.int32).tobytes()


def _unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.int32).reshape(3, -1)


def _live(postings: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """The (3, n) postings without those of removed passages."""
    return postings if not len(gone) else postings[:, ~np.isin(postings[0], gone)]


_INDEXES: dict[Path, KeywordIndex] = {}
_INDEXES_LOCK = threading.Lock()


def get_keyword_index(settings: Settings) -> KeywordIndex:
    """The process's index for this store (one per file); a store with the old bm25s folder is migrated: its
    index is built from Chroma by the first ``sync`` (the new file has no articles and no generation stamp), and
    the old folder is deleted."""
    path = index_path(settings).resolve()
    with _INDEXES_LOCK:
        index = _INDEXES.get(path)
        if index is None:
            index = _INDEXES[path] = KeywordIndex(path)
            shutil.rmtree(legacy_dir(settings), ignore_errors=True)
        return index


def forget_keyword_indexes() -> None:
    """Close every open index (tests that delete stores; a process going through many stores)."""
    with _INDEXES_LOCK:
        for index in _INDEXES.values():
            index.close()
        _INDEXES.clear()
