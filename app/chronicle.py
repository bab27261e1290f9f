"""The facade: one object per configuration that ingests, removes, retrieves, answers and lists the timeline.

    chron = Chronicle(load_settings())
    chron.ingest([Path("data/articles")])
    answer = chron.ask("What did Russia say?")
    print(answer.text, [c.n for c in answer.citations])

The CLI, the web UI, the evaluation and the benchmarks use this and the records of app.records, nothing deeper.
Heavy parts (embedding model, Chroma client, keyword index, the model process) load on first use and are shared
by every Chronicle of the same configuration in a process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from app.answer.answerer import Answer, Answerer, History, uses_model
from app.answer.judged import build_case
from app.answer.llm.client import ModelCheck, check_model
from app.config import Settings
from app.ingest.pipeline import IngestReport, RemoveReport, ingest_paths, remove_articles
from app.query.actor_timeline import about_timeline
from app.query.events import list_events
from app.query.retrieval import HybridRetriever, forget_retrievers, get_retriever
from app.query.story import StoryRequest
from app.records import (
    DayHeadline,
    ModelProcessInfo,
    ModelWait,
    Passage,
    Source,
    StoredArticle,
    StoredStatement,
    StoryTimeline,
    TimelineEvent,
)
from app.store.chroma import Store
from app.store.registry import forget_stores, get_answer_encoder, get_batch_embeddings, get_embeddings, get_store
from app.store.testcases import SavedCase, save_case
from app.text.articles import discover_files
from app.text.articles import shard as shard_files


class Chronicle:
    """Facade over store, retriever and answerer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._answerer: Answerer | None = None

    # --- the parts (tests and benchmarks look inside; the CLI and UI do not need to) --------------------------

    @property
    def store(self) -> Store:
        return get_store(self.settings)

    @property
    def retriever(self) -> HybridRetriever:
        return get_retriever(self.settings)

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            from app.answer.llm.client import get_chat_model

            self._answerer = Answerer(
                self.settings, self.retriever, get_answer_encoder(self.settings),
                lambda: get_chat_model(self.settings),
            )
        return self._answerer

    # --- articles -------------------------------------------------------------------------------------------

    def ingest(self, paths: list[Path], progress: bool = False,
               on_progress: Callable[[int, int], None] | None = None,
               shard: tuple[int, int] | None = None) -> IngestReport:
        """Add files and folders (see ``ingest_paths``): ``progress`` draws a bar on stderr, ``on_progress(done,
        total)`` hears of every stored batch; ``shard=(i, n)`` takes only shard i (1-based) of n of the files, so n
        processes can ingest one folder at once (app.text.articles.shard)."""
        if shard is not None:
            paths = shard_files(discover_files(paths), *shard)
        report = ingest_paths(paths, self.settings, store=self.store, progress=progress, on_progress=on_progress)
        self.retriever.refresh(force=True)
        return report

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of texts from the encoder ingest uses (``ingest_threads``): for benchmarks and tools."""
        return get_batch_embeddings(self.settings).encode(texts)

    def remove(self, refs: list[str]) -> RemoveReport:
        """Remove articles by id (or 6+ character prefix), URL or source path, with everything derived from them."""
        report = remove_articles(refs, self.settings, store=self.store)
        self.retriever.refresh(force=True)
        return report

    def articles(self) -> list[StoredArticle]:
        """The visible articles, newest first."""
        return sorted(self.retriever.articles.values(), key=lambda a: (-a.published_ts, a.title))

    def article_text(self, article_id: str) -> str | None:
        return self.store.article_text(article_id)

    # --- questions ------------------------------------------------------------------------------------------

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k)

    def ask(
        self, question: str, history: History | None = None, mode: str | None = None, as_of: dt.date | None = None
    ) -> Answer:
        """The verified answer. ``as_of``: the day the question is asked on: "this week" and "recently" resolve
        against it, and only articles published up to it are used."""
        return self.answerer.ask(question, history, mode, as_of)

    def stream(
        self, question: str, history: History | None = None, mode: str | None = None, as_of: dt.date | None = None
    ) -> Iterator[str | Answer | ModelWait]:
        """Text deltas while the model writes, then the verified Answer; before the model starts, ModelWait records
        (the answer's place in the model's line, about once a second) while it waits for a free model."""
        return self.answerer.stream(question, history, mode, as_of)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The packaged embedding model (what retrieval uses), for callers that compare texts (the evaluation)."""
        return get_embeddings(self.settings).embed_documents(texts)

    @property
    def embedding_model(self) -> str:
        return get_embeddings(self.settings).model_id

    def passage_around(self, source: Source) -> Passage | None:
        """The stored passage holding a cited sentence (for display around it)."""
        return self.store.passage_containing(source.article_id, source.start, source.end)

    # --- views ----------------------------------------------------------------------------------------------

    def timeline(
        self, actor: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> list[TimelineEvent]:
        """Dated events of the visible articles, in date order, the same event across articles merged."""
        return list_events(self.retriever, get_answer_encoder(self.settings), actor, date_from, date_to)

    def story(
        self,
        about: str = "",
        n_dates: int = 20,
        sentences_per_date: int = 2,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        as_of: dt.date | None = None,
        since: dt.date | None = None,
        kind: str = "auto",
    ) -> StoryTimeline:
        """The story timeline: the ``n_dates`` days that mattered in the story ``about`` (found by retrieval; empty:
        the whole archive), each with the sentences saying what happened, every one cited. Raises TimelineError
        for a bad request; a story the archive does not cover gives a timeline with no days and a ``message``.

        ``about`` naming an actor the archive knows ("Conrad Murray", "the Muslim Brotherhood") gives that actor's
        timeline (``kind`` "auto"; "story" or "actor" forces one; the timeline's ``kind`` says which was built).
        ``since``: only what the articles published after that day report (app.query.actor_timeline)."""
        request = StoryRequest(about, n_dates, sentences_per_date, date_from, date_to, as_of)
        return about_timeline(self.retriever, request, since=since, kind=kind)

    @property
    def writes_headlines(self) -> bool:
        """Does a story timeline shown in this configuration get model-written headlines (LLM mode, on by
        settings.timeline_headlines)? The CLI writes them on request (``--headlines``) whatever the mode."""
        from app.answer.headlines import wanted

        return wanted(self.settings.answer_mode, self.settings.timeline_headlines)

    def headlines(self, timeline: StoryTimeline) -> Iterator[DayHeadline]:
        """Each day's one-line headline as the model writes it (date order, one request a day, through the model's
        fair line): the model's, when the citation guard finds its every name and number in that day's lines, else
        the day's extractive line with the reason. Never raises for a model that is missing, down or slow: the
        days then keep their lines, each with the reason. Show the timeline first; this takes seconds a day."""
        from app.answer.headlines import all_extractive, write_headlines
        from app.answer.llm.base import LLMError
        from app.answer.llm.client import get_chat_model

        try:
            model = get_chat_model(self.settings)
        except LLMError as exc:
            return all_extractive(timeline, f"no model to write headlines ({exc})")
        return write_headlines(timeline, model)

    def statements(self) -> list[StoredStatement]:
        """Every attributed statement of the visible articles."""
        visible = self.retriever.visible_articles
        return [st for st in self.retriever.statements() if st.article_id in visible]

    def statement_actors(self) -> list[tuple[str, int]]:
        """Who is quoted (the actor spoken for, else the speaker), with how often, most quoted first."""
        return self.retriever.statement_actors()

    def statement_page(self, actor: str | None = None, text: str = "", limit: int = 300,
                       ) -> tuple[list[StoredStatement], int]:
        """The newest ``limit`` statements of ``actor`` (None: everyone's) whose sentence, speaker or article title
        contains ``text``, and how many match in all: bounded reads for an archive of any size."""
        return self.retriever.statement_page(actor, text, limit)

    def prewarm(self) -> None:
        """Load the embedding model and the keyword index, and in LLM mode start the model process with its fixed
        system prompt (and a small archive, app.answer.library) evaluated, so the first question pays for neither."""
        self.retriever.refresh(force=True)
        get_embeddings(self.settings).encode(["warm up"])
        if uses_model(self.settings.answer_mode):
            from app.answer.llm.client import get_chat_model

            model = get_chat_model(self.settings)
            if hasattr(model, "prewarm"):
                system, opening = self.answerer.prefix()
                model.prewarm(str(system.content), str(opening.content))


    def generate(self, prompt: str) -> Iterator[str]:
        """The configured model's raw text for a prompt: no routes, no sources, no guard. For baselines measured
        with the same model (benchmarks/naive.py); answers to users go through ``ask``."""
        from langchain_core.messages import HumanMessage

        from app.answer.llm.client import get_chat_model

        return get_chat_model(self.settings).stream([HumanMessage(prompt)])

    # --- test cases judged in the chat ----------------------------------------------------------------------

    def save_case(
        self,
        answer: Answer,
        verdict: str,
        must_say: str = "",
        should_abstain: bool = False,
        saved_by: str = "",
        history: History | None = None,
        path: Path | None = None,
    ) -> SavedCase:
        """Save a judged answer ("right" / "wrong") as a test case in ``path`` (default: settings.testset); the
        same question (and as-of day) saved again updates its case. Raises ValueError when the judgement leaves
        nothing to check, CaseFileError when the file cannot be written (then nothing was changed)."""
        case = build_case(answer, verdict, must_say, should_abstain, saved_by, history)
        return save_case(Path(path or self.settings.testset), case)

    def model_process(self) -> ModelProcessInfo | None:
        """The configured model's child process (pid, starts), without starting it; None when the model is an
        OpenAI-compatible server (no child process here). For benchmarks that measure the model's memory."""
        from app.answer.llm.client import get_chat_model

        process = getattr(get_chat_model(self.settings), "process", None)
        return None if process is None else ModelProcessInfo(process.pid, process.starts)

    def check_model(self) -> ModelCheck:
        """Can the configured local model generate on this machine? (One token, in a child process.)"""
        return check_model(self.settings)


def clear_caches(close: bool = False) -> None:
    """Forget built stores and retrievers (tests that restart a Chroma server, or a process going through many
    stores); with ``close``, release each Chroma client's memory too. A Chronicle still in use keeps working: a
    closed store reopens on its next use (app/store/chroma.py)."""
    forget_retrievers()
    forget_stores(close=close)
