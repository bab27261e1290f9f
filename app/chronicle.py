"""The public API: one object per configuration that ingests, retrieves and answers.

    chron = Chronicle(load_settings())
    chron.ingest([Path("data/articles")])
    answer = chron.ask("What did Russia say?")
    print(answer.text, [c.n for c in answer.citations])
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from app.answer.answerer import Answer, Answerer
from app.store.registry import get_embeddings, get_retriever, get_store
from app.config import Settings
from app.ingest.pipeline import IngestReport, RemoveReport, ingest_paths, remove_articles
from app.query.retrieval import Passage


class Chronicle:
    """Facade over store, retriever and answerer; heavy parts load on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._answerer: Answerer | None = None

    @property
    def store(self):  # noqa: ANN201
        return get_store(self.settings)

    @property
    def retriever(self):  # noqa: ANN201
        return get_retriever(self.settings)

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            from app.answer.llm.client import get_chat_model

            self._answerer = Answerer(
                self.settings,
                self.retriever,
                get_embeddings(self.settings).encode,
                lambda: get_chat_model(self.settings),
            )
        return self._answerer

    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        report = ingest_paths(paths, self.settings, store=self.store, progress=progress)
        self.retriever.refresh(force=True)
        return report

    def remove(self, refs: list[str]) -> RemoveReport:
        """Remove articles by id (or 6+ character prefix), URL or source path, with everything derived from them."""
        report = remove_articles(refs, self.settings, store=self.store)
        self.retriever.refresh(force=True)
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, mode: str | None = None) -> Answer:
        return self.answerer.ask(question, history, mode)

    def stream(
        self, question: str, history: list[tuple[str, str]] | None = None, mode: str | None = None
    ) -> Iterator[str | Answer]:
        return self.answerer.stream(question, history, mode)
