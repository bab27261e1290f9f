"""Ingest: files -> articles -> passages, statements, events -> Chroma, in batches, resumable, crash-safe.

Per article the order is fixed: leftovers of an interrupted run are deleted, then passages, statements and events
are written, and the article record last. Retrieval only shows articles that have a record, so a ``kill -9`` at any
point leaves nothing half-visible, and a re-run finishes the job. Re-ingesting an unchanged article is a no-op (the
id comes from its normalised content); an edited file replaces its old version (matched by source path or URL).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from app.text.articles import Article, ArticleError, discover_files, has_words, read_file
from app.text.chunking import Chunk, chunk_article
from app.config import Settings
from app.ingest.enrich import event_records, statement_records
from app.query.retrieval import bm25_dir, rebuild_bm25
from app.store.chroma import Record, Store, dumps_spans

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
            f"unchanged{self._superseded()}; {self.chunks} passages, {self.statements} statements, {self.events} dated events "
            f"in {self.seconds:.1f} s"
        )
        if self.errors:
            line += f"; {len(self.errors)} problem(s):\n" + "\n".join(f"  - {n}: {r}" for n, r in self.errors)
        return line


def source_key(article: Article) -> str:
    """What identifies 'the same article, maybe edited': its URL, else its resolved file path (or file#record)."""
    if article.url:
        return article.url
    name, _, record = article.source.partition("#")
    path = Path(name)
    return f"{path.resolve()}#{record}" if record else str(path.resolve())


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


def chunk_records(article: Article, chunks: list[Chunk], vectors: np.ndarray) -> list[Record]:
    base = {
        "article_id": article.article_id,
        "title": article.title,
        "published": article.published_iso or "",
        "published_ts": article.published_ts,
        "source": article.source,
    }
    return [
        Record(
            id=c.chunk_id,
            document=c.text,
            embedding=vectors[i].tolist(),
            metadata={
                **base,
                "chunk_index": c.index,
                "start": c.start,
                "end": c.end,
                "sentences": dumps_spans((s.start, s.end) for s in c.sentences),
            },
        )
        for i, c in enumerate(chunks)
    ]


def article_record(article: Article, n_chunks: int, vector: list[float]) -> Record:
    return Record(
        id=article.article_id,
        document=article.text,
        embedding=vector,
        metadata={
            "title": article.title,
            "published": article.published_iso or "",
            "published_ts": article.published_ts,
            "source": article.source,
            "source_key": source_key(article),
            "url": article.url or "",
            "byline": article.byline or "",
            "n_chunks": n_chunks,
            "ingested_at": int(time.time()),
        },
    )


def _mean_vector(vectors: np.ndarray) -> list[float]:
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(384)
    return (mean / (np.linalg.norm(mean) or 1)).tolist()


def _delete_leftovers(store: Store, article_ids: list[str]) -> None:
    """Rows of articles without a record are leftovers of an interrupted run: one query per collection finds them."""
    for kind in ("chunks", "statements", "events"):
        got = store.collections[kind].get(where={"article_id": {"$in": article_ids}}, include=[])
        if got["ids"]:
            store.collections[kind].delete(ids=got["ids"])


def write_articles(store: Store, items: list[tuple[Article, list[Chunk], np.ndarray]]) -> list[tuple[int, int]]:
    """Write a batch of articles with few round trips, keeping the crash-safe order for every one of them.

    All passages, statements and events of the batch go first (one upsert per collection), the article records
    last (one upsert): an article becomes visible only after everything it owns is stored.
    """
    if not items:
        return []
    _delete_leftovers(store, [a.article_id for a, _, _ in items])
    rows: dict[str, list[Record]] = {"chunks": [], "statements": [], "events": []}
    counts = []
    for article, chunks, vectors in items:
        statements = statement_records(article, chunks, vectors)
        events = event_records(article, chunks, vectors, statements)
        rows["chunks"].extend(chunk_records(article, chunks, vectors))
        rows["statements"].extend(statements)
        rows["events"].extend(events)
        counts.append((len(statements), len(events)))
    for kind in ("chunks", "statements", "events"):
        store.upsert(kind, rows[kind])
    store.upsert("articles", [article_record(a, len(c), _mean_vector(v)) for a, c, v in items])
    return counts


def _final_versions(paths: list[Path], settings: Settings) -> dict[str, str]:
    """source key -> id of its LAST version among the inputs (a quick parse-only pass).

    Inputs can hold several versions of one URL (RealTimeQA weeks re-crawl the same page). Only the last is
    ingested, so a re-run over the same inputs is a no-op instead of flipping between versions.
    """
    scratch = IngestReport()
    return {source_key(a): a.article_id for a in iter_articles(paths, settings, scratch)}


def _latest_by_source(known: dict[str, dict]) -> tuple[dict[str, str], list[str]]:
    """source key -> newest stored article id, and the older versions that an interrupted run left behind."""
    latest: dict[str, str] = {}
    stale: list[str] = []
    for aid, meta in sorted(known.items(), key=lambda kv: int(kv[1].get("ingested_at") or 0)):
        key = str(meta.get("source_key") or "")
        if key in latest:
            stale.append(latest[key])
        latest[key] = aid
    return latest, stale


@dataclass
class _Pending:
    """A batch whose passages are being embedded (in a worker thread) while the previous batch is written."""

    todo: list[tuple[Article, list[Chunk]]]
    vectors: Future
    size: int


def _embed_unique(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """Embed each distinct text once: boilerplate passages ("CNN —", sign-offs) repeat across a batch."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    index: dict[str, int] = {}
    slots = [index.setdefault(t, len(index)) for t in texts]
    unique = encode(list(index))
    return unique[np.asarray(slots)]


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    store: Store | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    progress: bool = False,
) -> IngestReport:
    """Ingest files and folders; safe to re-run (skips what is done, finishes what was interrupted).

    Speed: what is already stored is read once up front (no per-article lookups); the model embeds batch N+1 in
    a worker thread while batch N is enriched and written (the encoder runs on one thread, the writer on the
    other core); each batch costs one upsert per collection.
    """
    from app.store.registry import get_ingest_embeddings, get_store

    started = time.perf_counter()
    report = IngestReport()
    store = store or get_store(settings)
    encode = encode or get_ingest_embeddings(settings).encode
    if store.finish_removals():  # a removal interrupted by a crash: finish it before anything else
        finish_run(store, settings)
    known = store.article_records()
    by_source, stale = _latest_by_source(known)
    for article_id in stale:  # a crash between "new version visible" and "old version deleted"
        store.delete_article(article_id)
        known.pop(article_id)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit=" articles", desc="ingest", dynamic_ncols=True)
    n_files = len(discover_files(paths)) if progress else 0
    final = _final_versions(paths, settings)
    seen: set[str] = set()
    changed = bool(stale)

    def finish(pending: _Pending) -> None:
        nonlocal changed
        vectors = pending.vectors.result()
        items, offset = [], 0
        for article, chunks in pending.todo:
            items.append((article, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        counts = write_articles(store, items)
        for (article, chunks), (n_statements, n_events) in zip(pending.todo, counts):
            # Looked up now, not when the batch was prepared: an earlier batch may have stored the old version.
            key = source_key(article)
            previous_id = by_source.get(key)
            if previous_id and previous_id != article.article_id:
                store.delete_article(previous_id)
                report.replaced += 1
            else:
                report.added += 1
            by_source[key] = article.article_id
            report.chunks += len(chunks)
            report.statements += n_statements
            report.events += n_events
            changed = True
        if bar is not None:
            bar.set_description_str(f"ingest [file {report.files}/{n_files}]", refresh=False)
            bar.update(pending.size)

    pending: _Pending | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as pool:
        for batch in _batches(iter_articles(paths, settings, report), BATCH_ARTICLES):
            todo: list[tuple[Article, list[Chunk]]] = []
            for article in batch:
                if article.article_id in seen or article.article_id in known:
                    report.unchanged += 1
                    continue
                if final.get(source_key(article), article.article_id) != article.article_id:
                    report.superseded += 1  # a later record of this run has the same URL/path: only it is kept
                    continue
                seen.add(article.article_id)
                chunks = chunk_article(article, settings.chunk_max_chars)
                if not chunks:
                    report.errors.append((article.source, "no sentences found in the text"))
                    continue
                todo.append((article, chunks))
            texts = [c.text for _, chunks in todo for c in chunks]
            job = _Pending(todo, pool.submit(_embed_unique, encode, texts), len(batch))
            if pending is not None:
                finish(pending)
            pending = job
        if pending is not None:
            finish(pending)
    if bar is not None:
        bar.close()
    if changed or not (bm25_dir(settings) / "manifest.json").exists():
        finish_run(store, settings)
    report.seconds = time.perf_counter() - started
    return report


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


def resolve_article_refs(records: dict[str, dict], refs: list[str]) -> tuple[list[str], list[str]]:
    """(article ids, unmatched refs) for references that are article ids, URLs or source file paths; an id prefix
    of 6+ characters (as ``articles`` prints ids) works when it is unambiguous."""
    found: list[str] = []
    missing: list[str] = []
    for ref in (r.strip() for r in refs):
        keys = {ref, str(Path(ref).resolve())} if ref else set()
        hits = [aid for aid, m in records.items()
                if keys & {aid, m.get("url"), m.get("source"), m.get("source_key")}]
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
    from app.store.registry import get_store

    store = store or get_store(settings)
    store.finish_removals()
    ids, missing = resolve_article_refs(store.article_records(), refs)
    for article_id in ids:
        store.delete_article(article_id)
    if ids:
        finish_run(store, settings)
    return RemoveReport(tuple(ids), tuple(missing))
