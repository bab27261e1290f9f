"""Ingest: files -> articles -> passages, statements, events -> Chroma, in batches, resumable, crash-safe.

Per article the order is fixed: leftovers of an interrupted run are deleted, then passages, statements and events
are written, and the article record last. Retrieval only shows articles that have a record, so a ``kill -9`` at any
point leaves nothing half-visible, and a re-run finishes the job. Re-ingesting an unchanged article is a no-op (the
id comes from its normalised content); an edited file replaces its old version (matched by source path or URL).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from app.articles import Article, ArticleError, discover_files, read_file
from app.chunking import Chunk, chunk_article
from app.config import Settings
from app.enrich import event_records, statement_records
from app.retrieval import rebuild_bm25
from app.store import Record, Store, dumps_spans

BATCH_ARTICLES = 32


@dataclass
class IngestReport:
    """What one ingest run did; ``errors`` name each bad file or record and why."""

    files: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    chunks: int = 0
    statements: int = 0
    events: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        line = (
            f"{self.files} file(s): {self.added} article(s) added, {self.replaced} replaced, {self.unchanged} "
            f"unchanged; {self.chunks} passages, {self.statements} statements, {self.events} dated events "
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


def write_article(store: Store, article: Article, chunks: list[Chunk], vectors: np.ndarray) -> tuple[int, int]:
    """Write one article in the crash-safe order; returns (statements, events) written."""
    for kind in ("chunks", "statements", "events"):
        if store.collections[kind].get(where={"article_id": article.article_id}, limit=1, include=[])["ids"]:
            store.collections[kind].delete(where={"article_id": article.article_id})
    chunk_rows = chunk_records(article, chunks, vectors)
    statements = statement_records(article, chunks, vectors)
    events = event_records(article, chunks, vectors, statements)
    store.upsert("chunks", chunk_rows)
    store.upsert("statements", statements)
    store.upsert("events", events)
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(384)
    store.upsert("articles", [article_record(article, len(chunks), (mean / (np.linalg.norm(mean) or 1)).tolist())])
    return len(statements), len(events)


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    store: Store | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    progress: bool = False,
) -> IngestReport:
    """Ingest files and folders; safe to re-run (skips what is done, finishes what was interrupted)."""
    from app.components import get_embeddings, get_store

    started = time.perf_counter()
    report = IngestReport()
    store = store or get_store(settings)
    encode = encode or get_embeddings(settings).encode
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="article", desc="ingest")
    seen: set[str] = set()
    changed = False
    for batch in _batches(iter_articles(paths, settings, report), BATCH_ARTICLES):
        todo: list[tuple[Article, list[Chunk], str | None]] = []
        for article in batch:
            if article.article_id in seen or store.has_article(article.article_id):
                report.unchanged += 1
                continue
            seen.add(article.article_id)
            previous = store.article_by_source(source_key(article))
            chunks = chunk_article(article, settings.chunk_max_chars)
            if not chunks:
                report.errors.append((article.source, "no sentences found in the text"))
                continue
            todo.append((article, chunks, previous[0] if previous else None))
        texts = [c.text for _, chunks, _ in todo for c in chunks]
        vectors = encode(texts) if texts else np.zeros((0, 384), dtype=np.float32)
        offset = 0
        for article, chunks, previous_id in todo:
            part = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            n_statements, n_events = write_article(store, article, chunks, part)
            if previous_id and previous_id != article.article_id:
                store.delete_article(previous_id)
                report.replaced += 1
            else:
                report.added += 1
            report.chunks += len(chunks)
            report.statements += n_statements
            report.events += n_events
            changed = True
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    if changed or not (settings.vectorstore_dir / "bm25" / "manifest.json").exists():
        finish_run(store, settings)
    report.seconds = time.perf_counter() - started
    return report


def finish_run(store: Store, settings: Settings) -> None:
    """Stamp a new generation and rebuild the keyword index once for the whole run."""
    generation = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    index = rebuild_bm25(store, generation)
    if not settings.uses_server:
        index.save(settings.vectorstore_dir / "bm25")
    store.bump_generation(generation)
