"""Ingest: files -> articles -> passages, statements, events -> Chroma, in batches, resumable, crash-safe.

Per article the order is fixed: leftovers of an interrupted run are deleted, then passages, statements and events
are written, and the article record last. Retrieval only shows articles that have a record, so a ``kill -9`` at any
point leaves nothing half-visible, and a re-run finishes the job. Re-ingesting an unchanged article is a no-op (the
id comes from its normalised content); an edited file replaces its old version (matched by source path or URL).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.config import Settings
from app.ingest.enrich import article_record, event_records, passage_records, source_key, statement_records
from app.records import StoredArticle
from app.store.chroma import ArticleRows, Store
from app.store.keyword import bm25_dir, rebuild_bm25
from app.store.registry import get_batch_embeddings, get_store
from app.text.articles import Article, ArticleError, discover_files, has_words, read_file
from app.text.chunking import Chunk, chunk_article

BATCH_ARTICLES = 32


@dataclass
class IngestReport:
    """What one ingest run did; ``errors`` name each bad file or record and why."""

    files: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    superseded: int = 0
    chunks: int = 0
    statements: int = 0
    events: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def _superseded(self) -> str:
        return f", {self.superseded} superseded by a later version in the same run" if self.superseded else ""

    def summary(self) -> str:
        line = (
            f"{self.files} file(s): {self.added} article(s) added, {self.replaced} replaced, {self.unchanged} "
            f"unchanged{self._superseded()}; {self.chunks} passages, {self.statements} statements, "
            f"{self.events} dated events in {self.seconds:.1f} s"
        )
        if self.errors:
            line += f"; {len(self.errors)} problem(s):\n" + "\n".join(f"  - {n}: {r}" for n, r in self.errors)
        return line


def iter_articles(paths: list[Path], settings: Settings, report: IngestReport) -> Iterator[Article]:
    """Parse every file; a bad file is reported by name and reason and the rest go on."""
    for path in discover_files(paths):
        report.files += 1
        try:
            if not path.exists():
                raise ArticleError(f"{path}: no such file")
            result = read_file(path, settings.max_article_bytes)
        except ArticleError as exc:
            report.errors.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        except (OSError, UnicodeError, ValueError) as exc:
            report.errors.append((str(path), f"could not read: {exc}"))
            continue
        for err in result.errors:
            name, _, reason = err.partition(": ")
            report.errors.append((name, reason))
        for article in result.articles:
            if len(article.text.strip()) < 20:
                report.errors.append((article.source, "too little text to be an article"))
                continue
            if not has_words(article.text):
                report.errors.append((article.source, "no words found in the text (symbols or binary data?)"))
                continue
            for w in article.warnings:
                report.warnings.append((article.source, w))
            yield article


def _batches(items: Iterator[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Encode = Callable[[list[str]], np.ndarray]


def article_rows(article: Article, chunks: list[Chunk], vectors: np.ndarray) -> ArticleRows:
    """Everything stored for one article: passages, statements, events and the article record."""
    statements, mentions = statement_records(article, chunks)
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(384, dtype=np.float32)
    return ArticleRows(
        article=article_record(article, len(chunks)),
        text=article.text,
        vector=mean / (np.linalg.norm(mean) or 1.0),
        passages=tuple(passage_records(article, chunks)),
        passage_vectors=vectors,
        statements=tuple(statements),
        events=tuple(event_records(article, chunks, statements)),
        speaker_mentions=tuple(mentions),
    )


def _final_versions(paths: list[Path], settings: Settings) -> dict[str, str]:
    """source key -> id of its LAST version among the inputs (a quick parse-only pass).

    Inputs can hold several versions of one URL (RealTimeQA weeks re-crawl the same page). Only the last is
    ingested, so a re-run over the same inputs is a no-op instead of flipping between versions.
    """
    scratch = IngestReport()
    return {source_key(a): a.article_id for a in iter_articles(paths, settings, scratch)}


def _latest_by_source(known: dict[str, StoredArticle]) -> tuple[dict[str, str], list[str]]:
    """source key -> newest stored article id, and the older versions that an interrupted run left behind."""
    latest: dict[str, str] = {}
    stale: list[str] = []
    for aid, article in sorted(known.items(), key=lambda kv: kv[1].ingested_at):
        if article.source_key in latest:
            stale.append(latest[article.source_key])
        latest[article.source_key] = aid
    return latest, stale


@dataclass
class _Pending:
    """A batch whose passages are being embedded (in a worker thread) while the previous batch is written."""

    todo: list[tuple[Article, list[Chunk]]]
    vectors: Future[np.ndarray]
    size: int


def _embed_unique(encode: Encode, texts: list[str]) -> np.ndarray:
    """Embed each distinct text once: boilerplate passages ("CNN —", sign-offs) repeat across a batch."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    index: dict[str, int] = {}
    slots = [index.setdefault(t, len(index)) for t in texts]
    unique = encode(list(index))
    return unique[np.asarray(slots)]


class _Run:
    """One ingest run's state: what is stored already, what this run has seen, and the report."""

    def __init__(self, paths: list[Path], settings: Settings, store: Store, progress: bool) -> None:
        self.settings = settings
        self.store = store
        self.report = IngestReport()
        if store.finish_removals():  # a removal interrupted by a crash: finish it before anything else
            finish_run(store, settings)
        self.known = store.articles()
        self.by_source, stale = _latest_by_source(self.known)
        for article_id in stale:  # a crash between "new version visible" and "old version deleted"
            store.delete_article(article_id)
            self.known.pop(article_id)
        self.changed = bool(stale)
        self.final = _final_versions(paths, settings)
        self.seen: set[str] = set()
        self.n_files = len(discover_files(paths)) if progress else 0
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(unit=" articles", desc="ingest", dynamic_ncols=True)

    def select(self, batch: list[Article]) -> list[tuple[Article, list[Chunk]]]:
        """The batch's articles that need storing, chunked; the rest are counted as unchanged or superseded."""
        todo = []
        for article in batch:
            if article.article_id in self.seen or article.article_id in self.known:
                self.report.unchanged += 1
                continue
            if self.final.get(source_key(article), article.article_id) != article.article_id:
                self.report.superseded += 1  # a later record of this run has the same URL/path: only it is kept
                continue
            self.seen.add(article.article_id)
            chunks = chunk_article(article, self.settings.chunk_max_chars)
            if not chunks:
                self.report.errors.append((article.source, "no sentences found in the text"))
                continue
            todo.append((article, chunks))
        return todo

    def write(self, pending: _Pending) -> None:
        """Store an embedded batch, then retire the versions it replaces."""
        vectors = pending.vectors.result()
        rows, offset = [], 0
        for article, chunks in pending.todo:
            rows.append(article_rows(article, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        self.store.write(rows)
        for row in rows:
            # Looked up now, not when the batch was prepared: an earlier batch may have stored the old version.
            key, article_id = row.article.source_key, row.article.article_id
            previous_id = self.by_source.get(key)
            if previous_id and previous_id != article_id:
                self.store.delete_article(previous_id)
                self.report.replaced += 1
            else:
                self.report.added += 1
            self.by_source[key] = article_id
            self.report.chunks += len(row.passages)
            self.report.statements += len(row.statements)
            self.report.events += len(row.events)
            self.changed = True
        if self.bar is not None:
            self.bar.set_description_str(f"ingest [file {self.report.files}/{self.n_files}]", refresh=False)
            self.bar.update(pending.size)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    store: Store | None = None,
    encode: Encode | None = None,
    progress: bool = False,
) -> IngestReport:
    """Ingest files and folders; safe to re-run (skips what is done, finishes what was interrupted).

    Speed: what is already stored is read once up front (no per-article lookups); the model embeds batch N+1 in
    a worker thread while batch N is enriched and written (the encoder runs on one thread, the writer on the
    other core); each batch costs one upsert per collection.
    """
    started = time.perf_counter()
    store = store or get_store(settings)
    encode = encode or get_batch_embeddings(settings).encode
    run = _Run(paths, settings, store, progress)
    pending: _Pending | None = None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as pool:
            for batch in _batches(iter_articles(paths, settings, run.report), BATCH_ARTICLES):
                todo = run.select(batch)
                texts = [c.text for _, chunks in todo for c in chunks]
                job = _Pending(todo, pool.submit(_embed_unique, encode, texts), len(batch))
                if pending is not None:
                    run.write(pending)
                pending = job
            if pending is not None:
                run.write(pending)
    finally:
        run.close()
    if run.changed or not (bm25_dir(settings) / "manifest.json").exists():
        finish_run(store, settings)
    run.report.seconds = time.perf_counter() - started
    return run.report


def finish_run(store: Store, settings: Settings) -> None:
    """Stamp a new generation and rebuild the keyword index once for the whole run."""
    generation = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    index = rebuild_bm25(store, generation)
    index.save(bm25_dir(settings))
    store.bump_generation(generation)


@dataclass(frozen=True)
class RemoveReport:
    """What ``remove_articles`` did: the ids removed and the references that matched nothing."""

    removed: tuple[str, ...]
    not_found: tuple[str, ...]

    def summary(self) -> str:
        parts = [f"{len(self.removed)} article(s) removed"]
        if self.not_found:
            parts.append("no article matches: " + ", ".join(self.not_found))
        return "; ".join(parts)


def resolve_article_refs(records: dict[str, StoredArticle], refs: list[str]) -> tuple[list[str], list[str]]:
    """(article ids, unmatched refs) for references that are article ids, URLs or source file paths; an id prefix
    of 6+ characters (as ``articles`` prints ids) works when it is unambiguous."""
    found: list[str] = []
    missing: list[str] = []
    for ref in (r.strip() for r in refs):
        keys = {ref, str(Path(ref).resolve())} if ref else set()
        hits = [aid for aid, a in records.items() if keys & {aid, a.url, a.source, a.source_key}]
        if not hits and len(ref) >= 6:
            prefixed = [aid for aid in records if aid.startswith(ref)]
            hits = prefixed if len(prefixed) == 1 else []
            if len(prefixed) > 1:
                missing.append(f"{ref} (ambiguous: {len(prefixed)} articles)")
                continue
        if not hits:
            missing.append(ref)
        found.extend(h for h in hits if h not in found)
    return found, missing


def remove_articles(refs: list[str], settings: Settings, store: Store | None = None) -> RemoveReport:
    """Remove articles (by id, URL or source path) with their passages, statements and events; the keyword index
    and the store generation follow, so running apps drop them on their next question. Crash-safe: see
    ``Store.delete_article``."""
    store = store or get_store(settings)
    store.finish_removals()
    ids, missing = resolve_article_refs(store.articles(), refs)
    for article_id in ids:
        store.delete_article(article_id)
    if ids:
        finish_run(store, settings)
    return RemoveReport(tuple(ids), tuple(missing))
