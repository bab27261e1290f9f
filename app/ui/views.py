"""What the page's events do: one method per event, over the Chronicle facade. No layout here (app.ui.app wires
these to components) and no HTML (app.ui.render draws it), so each can be called and tested on its own.

The Chronicle behind the page is built once, under a lock: the first store access creates a Chroma client, and two
threads doing that at once (the prewarm thread and the page-load event, say) crash inside chromadb. Gradio is
imported lazily (``gr.update`` in return values) so that importing this module stays cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app import Chronicle, Settings, parse_date_bound
from app.ui.render import (
    Context,
    articles_frame,
    chart_x_lim,
    chat_markdown,
    event_actors,
    events_frame,
    filter_statements,
    question_markdown,
    render_events,
    render_sources,
    render_statements,
    statement_actors,
    statement_rows,
)

log = logging.getLogger(__name__)

ALL = "All"
HEADER = (
    '<div id="chr-header"><h1>Chronicle</h1><p>Answers from the ingested news articles only: every claim cites '
    "the exact sentence it comes from. {count}</p></div>"
)
WORKING = '<div class="chr-sources chr-empty"><p>Looking for sources…</p></div>'
History = list[tuple[str, str]]
ChatLog = list[dict[str, Any]]


def _update(**kwargs: Any) -> Any:
    import gradio as gr

    return gr.update(**kwargs)


class Views:
    """The page's event handlers over one (lazily built) Chronicle."""

    def __init__(self, settings: Settings, chronicle: Chronicle | None = None) -> None:
        self.settings = settings
        self._chronicle = chronicle
        self._lock = threading.Lock()
        self._built = False

    @property
    def chronicle(self) -> Chronicle:
        if not self._built:
            with self._lock:
                if not self._built:
                    if self._chronicle is None:
                        self._chronicle = Chronicle(self.settings)
                    _ = self._chronicle.retriever  # embeddings, store and retriever, in this thread only
                    self._built = True
        assert self._chronicle is not None
        return self._chronicle

    def prewarm(self) -> None:
        """Load embeddings, the keyword index and (in llm mode) the model process before the first question."""
        t0 = time.perf_counter()
        try:
            self.chronicle.prewarm()
            log.info("prewarm done in %.1f s", time.perf_counter() - t0)
        except Exception:
            log.exception("prewarm failed")

    def header(self) -> str:
        try:
            n = len(self.chronicle.articles())
        except Exception:
            log.exception("article count failed")
            n = 0
        return HEADER.format(count=f"{n} article{'s' if n != 1 else ''} available.")

    # --- chat ---------------------------------------------------------------------------------------------------

    def respond(
        self, question: str, chat: ChatLog, pairs: History, mode: str, as_of: str | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat; the verified final text replaces the streamed one, and the Sources panel
        fills from the same event. Outputs: question box, chat, history, sources panel, send button."""
        question = question or ""
        chat = list(chat or []) + [
            {"role": "user", "content": question_markdown(question)},
            {"role": "assistant", "content": "…"},
        ]
        try:
            day = parse_date_bound(as_of, upper=True)
        except ValueError as exc:
            chat[-1] = {"role": "assistant", "content": chat_markdown(f"The “As of” date: {exc}.")}
            yield question, chat, pairs, render_sources(None), _update(interactive=True)
            return
        yield "", chat, pairs, WORKING, _update(interactive=False)
        answer = None
        streamed, last = "", 0.0
        try:
            for item in self.chronicle.stream(question, history=list(pairs or []), mode=mode, as_of=day):
                if isinstance(item, str):
                    streamed += item
                    if time.monotonic() - last > 0.08:  # ~12 repaints/s is smooth and cheap
                        last = time.monotonic()
                        chat[-1] = {"role": "assistant", "content": chat_markdown(streamed)}
                        yield "", chat, pairs, WORKING, _update()
                else:
                    answer = item
        except Exception as exc:
            log.exception("answer failed")
            chat[-1] = {"role": "assistant", "content": chat_markdown(f"Sorry, something went wrong: {exc}")}
            yield "", chat, pairs, render_sources(None), _update(interactive=True)
            return
        if answer is None:
            chat[-1] = {"role": "assistant", "content": "No answer was produced."}
            yield "", chat, pairs, render_sources(None), _update(interactive=True)
            return
        chat[-1] = {"role": "assistant", "content": chat_markdown(answer.text)}
        if answer.route != "refused":
            pairs = list(pairs or []) + [(question, answer.text)]
        yield "", chat, pairs, render_sources(answer, self.source_contexts(answer)), _update(interactive=True)

    def source_contexts(self, answer: Any) -> dict[int, Context]:
        """Passages for cited sources that carry none (statement and event sources): the stored passage around."""
        out: dict[int, Context] = {}
        for s in answer.citations:
            if s.context or any(p.article_id == s.article_id and p.start <= s.start < s.end <= p.end
                                for p in answer.passages):
                continue
            try:
                passage = self.chronicle.passage_around(s)
            except Exception:
                log.exception("passage lookup failed")
                continue
            if passage is not None:
                out[s.n] = Context(passage.start, passage.text)
        return out

    @staticmethod
    def clear_chat() -> tuple[Any, ...]:
        return [], [], render_sources(None), ""

    # --- who said what ----------------------------------------------------------------------------------------

    def statements(self, actor: str | None, text: str) -> tuple[Any, str]:
        rows = statement_rows(self.chronicle.statements())
        choices = [ALL] + statement_actors(rows)
        actor = actor if actor in choices else ALL
        return _update(choices=choices, value=actor), render_statements(filter_statements(rows, actor, text))

    # --- timeline ---------------------------------------------------------------------------------------------

    def timeline(self, actor: str | None, date_from: str, date_to: str) -> tuple[Any, ...]:
        try:
            lo, hi = parse_date_bound(date_from), parse_date_bound(date_to, upper=True)
        except ValueError as exc:
            return _update(), _update(), _update(), f"⚠ {exc}"
        everything = self.chronicle.timeline()
        choices = [ALL] + event_actors(everything)
        actor = actor if actor in choices else ALL
        events = self.chronicle.timeline(None if actor == ALL else actor, lo, hi)
        status = f"{len(events)} dated event{'s' if len(events) != 1 else ''}"
        frame = events_frame(events)
        return (_update(choices=choices, value=actor), _update(value=frame, x_lim=chart_x_lim(frame)),
                render_events(events), status)

    # --- articles ---------------------------------------------------------------------------------------------

    def articles(self) -> Any:
        return articles_frame(self.chronicle.articles())

    def ingest_upload(self, path: str | None, progress: Any = None) -> tuple[Any, ...]:
        """Ingest an uploaded file; ``progress`` (a gr.Progress) shows articles stored of the file's total."""
        if not path:
            return _update(), "Choose a file to ingest.", _update()

        def stored(done: int, total: int) -> None:
            if progress is not None and total:
                progress((done, total), desc="Ingesting", unit="articles")

        report = self.chronicle.ingest([Path(path)], on_progress=stored)
        return self.articles(), report.summary(), self.header()

    def remove(self, ref: str) -> tuple[Any, ...]:
        if not (ref or "").strip():
            return _update(), "Type an article ID (or a URL) to remove, or click a row of the table.", _update()
        report = self.chronicle.remove([ref.strip()])
        return self.articles(), report.summary(), self.header()

    @staticmethod
    def picked_article(row: list[Any] | None) -> str:
        """The article ID of a clicked table row (its first column)."""
        return str(row[0]) if row else ""
