"""Ingest: files -> articles -> passages, statements, events -> Chroma, in batches, resumable, crash-safe.

Per article the order is fixed: leftovers of an interrupted run are deleted, then passages, statements and events
are written, and the article record last. Retrieval only shows articles that have a record, so a ``kill -9`` at any
point leaves nothing half-visible, and a re-run finishes the job. Re-ingesting an unchanged article is a no-op (the
id comes from its normalised content, and stored ids are skipped before any text stage or embedding: an interrupted
10,000-article run resumes where it stopped); an edited file replaces its old version (matched by source path or
URL).

Speed: a pipeline of three stages over batches of ``BATCH_ARTICLES`` articles. The text stages (sentence split and
chunking, statements, dates and actors: ``enrich.prepare_articles``) of the next batches run in a worker process
(``ingest_workers``, spawn context: never fork a process that holds onnxruntime and Chroma threads); the encoder
embeds this batch in a thread (onnxruntime releases the GIL); the main thread writes the previous batch to Chroma
(one upsert per collection) and reports progress. Each distinct passage text is embedded once per run; statements
and events reuse their passage's vector and the article vector is its passages' mean (no text is embedded twice).
Each batch's passages and events go into the local index (SQLite, updated in place: app.store.keyword) just before
their article records are written, so adding articles costs what they hold, not what the archive holds; the run
ends by stamping a new store generation (other processes reload their caches when it changes).

Measured (cProfile, then ``python -m benchmarks.ingest_bench --week 20230901``: 130 articles, 860 k characters, on
the shared 2-core VM; benchmarks/results/results.md): before this design the main thread spent 80 of 96 s waiting
for the encoder thread, 6.9 s in Chroma upserts, 3.2 s on dates/events, 2.1 s on statements and 1.6 s parsing
(every input was parsed twice). After (load 4-5): of 90.4 s, the encoder took 86.2 s, Chroma writes 6.6 s and the
text stages 3.7 s (both overlapped with it); the encoder alone on the same passages took 84.6 s (ingest /
encoder-only = 1.07). Ingest is encoder-bound: what is left is the model's own speed (see app.store.embeddings).
Rejected: a thread instead of a process for the text stages (pure Python: they hold the GIL the encoder thread
needs between batches); two encoder processes of one thread each (each loads its own model, and on this loaded
machine they embedded 800 passages in 14.4 / 13.7 s against 10.8 / 11.4 s for one process on one thread). One onnx
thread beat two at load 7-10 (encoder alone 114.5 vs 175.4 s, ingest 150.6 vs 226.6 s) and tied at load 4-5 once
the threads stopped spinning (90.4 vs 91.6 s): ``CHRONICLE_INGEST_THREADS=1`` on a busy machine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from app.config import Settings
from app.ingest.enrich import (
    PreparedArticle,
    PreparedBatch,
    article_record,
    passage_records,
    prepare_articles,
    source_key,
)
from app.records import StoredArticle
from app.store.chroma import ArticleRows, Store
from app.store.keyword import KeywordIndex, get_keyword_index
from app.store.registry import get_batch_embeddings, get_store
from app.text.articles import Article, ArticleError, discover_files, has_words, read_file

BATCH_ARTICLES = 32
AHEAD = 2  # batches whose text stages run ahead of the encoder
MIN_ARTICLES_FOR_WORKERS = 3 * BATCH_ARTICLES  # fewer: a worker process costs more to start than it saves
MAX_KEPT_CHARS = 100_000_000  # the first pass keeps parsed articles up to this much text (else parses again)
SHORT_TEXT = 200  # passages up to this long ("CNN —", sign-offs) are remembered for the whole run
MAX_REMEMBERED = 20_000

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
_T = TypeVar("_T")


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
    characters: int = 0  # of the articles stored by this run
    # Seconds per stage: parse, chunk, statements, events (text stages, summed over workers), embed (the encoder),
    # embed_wait (the writer waiting for it), rows, write_<collection>, write_leftovers, replace, keyword (index
    # adds), keyword_sync, generation.
    profile: dict[str, float] = field(default_factory=dict)

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


def article_rows(prepared: PreparedArticle, vectors: np.ndarray) -> ArticleRows:
    """Everything stored for one article: passages, statements, events and the article record."""
    article, chunks = prepared.article, list(prepared.chunks)
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(384, dtype=np.float32)
    return ArticleRows(
        article=article_record(article, len(chunks)),
        text=article.text,
        vector=mean / (np.linalg.norm(mean) or 1.0),
        passages=tuple(passage_records(article, chunks)),
        passage_vectors=vectors,
        statements=prepared.statements,
        events=prepared.events,
        speaker_mentions=prepared.mentions,
    )


def _latest_by_source(known: dict[str, StoredArticle]) -> tuple[dict[str, str], list[str]]:
    """source key -> newest stored article id, and the older versions that an interrupted run left behind."""
    latest: dict[str, str] = {}
    stale: list[str] = []
    for aid, article in sorted(known.items(), key=lambda kv: kv[1].ingested_at):
        if article.source_key in latest:
            stale.append(latest[article.source_key])
        latest[article.source_key] = aid
    return latest, stale


def _add(profile: dict[str, float], name: str, seconds: float) -> None:
    profile[name] = profile.get(name, 0.0) + seconds


class _Inline(Executor):
    """Runs a submitted call at once, in this thread: the text stages of a small ingest (no worker to start)."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future, as a pool does
            future.set_exception(exc)
        return future


@dataclass
class _Pending:
    """A prepared batch whose passages are being embedded while the previous batch is written."""

    batch: PreparedBatch
    vectors: Future[np.ndarray]


class _Run:
    """One ingest run's state: what is stored already, what this run has seen, the encoder, progress, the report."""

    def __init__(self, paths: list[Path], settings: Settings, store: Store, encode: Encode, progress: bool,
                 on_progress: ProgressCallback | None) -> None:
        self.settings = settings
        self.store = store
        self.encode = encode
        self.report = IngestReport()
        self.profile = self.report.profile
        self.index = get_keyword_index(settings)
        removed = store.finish_removals()
        if removed:  # a removal interrupted by a crash: finish it before anything else
            self.index.remove(removed)
            finish_run(store, settings, index=self.index)
        self.known = store.articles()
        started = time.perf_counter()
        # The keyword index catches up with what a crashed run or another machine left (cheap when in step).
        self.changed = any(self.index.sync(store, set(self.known), store.generation()))
        _add(self.profile, "keyword_sync", time.perf_counter() - started)
        self.by_source, stale = _latest_by_source(self.known)
        store.delete_articles(stale)  # a crash between "new version visible" and "old version deleted"
        for article_id in stale:
            self.known.pop(article_id)
        self.index.remove(stale)
        self.changed = self.changed or bool(stale)
        self.paths = paths
        self.final, self.kept = self._first_pass(paths)
        self.total = len(set(self.final.values()) - set(self.known))  # articles this run has to store
        self.done = 0
        self.seen: set[str] = set()
        self.remembered: dict[str, np.ndarray] = {}
        self.on_progress = on_progress
        self.n_files = len(discover_files(paths)) if progress else 0
        self.bar = None
        if progress:
            from tqdm import tqdm

            # "N/TOTAL articles [elapsed<ETA, rate]": what is stored, what is left, and when it will be done.
            self.bar = tqdm(total=self.total, unit=" articles", desc="ingest", dynamic_ncols=True, smoothing=0.1,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} articles "
                                       "[{elapsed}<{remaining}, {rate_fmt}{postfix}]")
        if on_progress is not None:
            on_progress(0, self.total)

    def _first_pass(self, paths: list[Path]) -> tuple[dict[str, str], list[Article] | None]:
        """Parse every input once: source key -> id of its LAST version among the inputs, and the parsed articles
        (kept for the main pass unless they exceed ``MAX_KEPT_CHARS``, then parsed again as they stream).

        Inputs can hold several versions of one URL (RealTimeQA weeks re-crawl the same page). Only the last is
        ingested, so a re-run over the same inputs is a no-op instead of flipping between versions.
        """
        started = time.perf_counter()
        scratch = IngestReport()
        final: dict[str, str] = {}
        kept: list[Article] | None = []
        chars = 0
        for article in iter_articles(paths, self.settings, scratch):
            final[source_key(article)] = article.article_id
            if kept is not None:
                kept.append(article)
                chars += len(article.text)
                if chars > MAX_KEPT_CHARS:
                    kept = None
        if kept is not None:  # the main pass uses these articles: their file count, errors and warnings stand
            self.report.files, self.report.errors = scratch.files, scratch.errors
            self.report.warnings = scratch.warnings
        _add(self.profile, "parse", time.perf_counter() - started)
        return final, kept

    def articles(self) -> Iterator[Article]:
        if self.kept is not None:
            yield from self.kept
            return
        yield from iter_articles(self.paths, self.settings, self.report)

    def select(self, batch: list[Article]) -> list[Article]:
        """The batch's articles that need storing; the rest are counted as unchanged or superseded."""
        todo = []
        for article in batch:
            if article.article_id in self.seen or article.article_id in self.known:
                self.report.unchanged += 1
                continue
            if self.final.get(source_key(article), article.article_id) != article.article_id:
                self.report.superseded += 1  # a later record of this run has the same URL/path: only it is kept
                continue
            self.seen.add(article.article_id)
            todo.append(article)
        return todo

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed each distinct text once: boilerplate passages ("CNN —", sign-offs) repeat within a batch, and
        short ones across the whole run (those are remembered)."""
        started = time.perf_counter()
        out = np.zeros((len(texts), 384), dtype=np.float32)
        index: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vector = self.remembered.get(text)
            if vector is not None:
                out[i] = vector
            else:
                index.setdefault(text, []).append(i)
        if index:
            unique = list(index)
            vectors = self.encode(unique)
            for text, vector in zip(unique, vectors):
                out[index[text]] = vector
                if len(text) <= SHORT_TEXT and len(self.remembered) < MAX_REMEMBERED:
                    self.remembered[text] = vector
        _add(self.profile, "embed", time.perf_counter() - started)
        return out

    def write(self, pending: _Pending) -> None:
        """Store an embedded batch, then retire the versions it replaces."""
        started = time.perf_counter()
        vectors = pending.vectors.result()
        now = time.perf_counter()
        _add(self.profile, "embed_wait", now - started)
        rows, offset = [], 0
        for prepared in pending.batch.articles:
            n = len(prepared.chunks)
            rows.append(article_rows(prepared, vectors[offset : offset + n]))
            offset += n
        _add(self.profile, "rows", time.perf_counter() - now)
        now = time.perf_counter()
        # Before the article records: an article visible to retrieval always has its keyword rows.
        self.index.add((p for row in rows for p in row.passages), (e for row in rows for e in row.events),
                       (st for row in rows for st in row.statements))
        _add(self.profile, "keyword", time.perf_counter() - now)
        self.store.write(rows, self.profile)
        now = time.perf_counter()
        for row in rows:
            # Looked up now, not when the batch was prepared: an earlier batch may have stored the old version.
            key, article_id = row.article.source_key, row.article.article_id
            previous_id = self.by_source.get(key)
            if previous_id and previous_id != article_id:
                self.store.delete_article(previous_id)
                self.index.remove([previous_id])
                self.report.replaced += 1
            else:
                self.report.added += 1
            self.by_source[key] = article_id
            self.report.chunks += len(row.passages)
            self.report.statements += len(row.statements)
            self.report.events += len(row.events)
            self.report.characters += len(row.text)
            self.changed = True
        _add(self.profile, "replace", time.perf_counter() - now)
        self._progress(len(rows))

    def prepared(self, batch: PreparedBatch) -> list[str]:
        """Book a prepared batch (stage times, articles without sentences); the passage texts to embed."""
        for name, seconds in batch.seconds.items():
            _add(self.profile, name, seconds)
        for source in batch.no_sentences:
            self.report.errors.append((source, "no sentences found in the text"))
        self._progress(0, skipped=len(batch.no_sentences))
        return [c.text for p in batch.articles for c in p.chunks]

    def _progress(self, stored: int, skipped: int = 0) -> None:
        self.done += stored + skipped
        if self.bar is not None:
            self.bar.set_description_str(f"ingest [file {self.report.files}/{self.n_files}]", refresh=False)
            if self.report.unchanged:
                self.bar.set_postfix_str(f"{self.report.unchanged} unchanged", refresh=False)
            self.bar.update(stored + skipped)
        if self.on_progress is not None and (stored or skipped):
            self.on_progress(self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _exit_with_parent(parent: int) -> None:
    """In a text-stage worker: exit as soon as the ingesting process is gone. A worker waiting for its next batch
    would otherwise outlive a ``kill -9`` of its parent (measured: it did, idle, until killed by hand)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _text_pool(settings: Settings, articles: int) -> Executor:
    """Worker processes for the text stages of a big run; in-process for a small one (or ``ingest_workers=0``)."""
    if settings.ingest_workers <= 0 or articles < MIN_ARTICLES_FOR_WORKERS:
        return _Inline()
    return ProcessPoolExecutor(settings.ingest_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    store: Store | None = None,
    encode: Encode | None = None,
    progress: bool = False,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest files and folders; safe to re-run (skips what is done, finishes what was interrupted).

    ``progress`` draws a progress bar on stderr (articles stored / to store, articles/s, time left);
    ``on_progress(done, total)`` is called after every stored batch (the web page's upload shows it).
    """
    started = time.perf_counter()
    store = store or get_store(settings)
    encode = encode or get_batch_embeddings(settings).encode
    run = _Run(paths, settings, store, encode, progress, on_progress)
    pending: _Pending | None = None
    texts_ahead: deque[tuple[Future[PreparedBatch], list[Article]]] = deque()
    inline = _Inline()
    try:
        with _text_pool(settings, run.total) as texts, ThreadPoolExecutor(1, thread_name_prefix="embed") as encoder:

            def advance() -> None:
                nonlocal pending, texts
                future, todo = texts_ahead.popleft()
                try:
                    batch = future.result()
                except BrokenProcessPool:
                    # A worker died (out of memory, or a caller's script without an ``if __name__ ==
                    # "__main__"`` guard, which spawn re-runs): the text stages go on in this process.
                    log.warning("ingest: the text-stage worker process failed; continuing in this process")
                    texts = inline
                    batch = prepare_articles(todo, settings.chunk_max_chars)
                job = _Pending(batch, encoder.submit(run.embed, run.prepared(batch)))
                if pending is not None:
                    run.write(pending)
                pending = job

            for batch in _batches(run.articles(), BATCH_ARTICLES):
                todo = run.select(batch)
                if todo:
                    try:
                        future = texts.submit(prepare_articles, todo, settings.chunk_max_chars)
                    except BrokenProcessPool:
                        texts = inline
                        future = texts.submit(prepare_articles, todo, settings.chunk_max_chars)
                    texts_ahead.append((future, todo))
                if len(texts_ahead) > AHEAD:
                    advance()
            while texts_ahead:
                advance()
            if pending is not None:
                run.write(pending)
    finally:
        run.close()
    if run.changed:
        finish_run(store, settings, run.profile)
    run.report.seconds = time.perf_counter() - started
    return run.report


def finish_run(store: Store, settings: Settings, profile: dict[str, float] | None = None,
               index: KeywordIndex | None = None) -> None:
    """Stamp a new generation on the keyword index (kept in step during the run) and on the store: other
    processes see the change and reload their caches. A crash between the two stamps leaves them different, which
    makes the next reader check the index against the store (``KeywordIndex.sync``)."""
    started = time.perf_counter()
    generation = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    (index or get_keyword_index(settings)).stamp(generation)
    store.bump_generation(generation)
    if profile is not None:
        _add(profile, "generation", time.perf_counter() - started)


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
    index = get_keyword_index(settings)
    index.remove(store.finish_removals())
    ids, missing = resolve_article_refs(store.articles(), refs)
    store.delete_articles(ids)
    index.remove(ids)
    if ids:
        finish_run(store, settings, index=index)
    return RemoveReport(tuple(ids), tuple(missing))
