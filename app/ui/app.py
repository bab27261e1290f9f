"""The web UI (Gradio Blocks): chat with cited sources, who-said-what, timeline, articles.

This module is layout and event wiring only; HTML and tables come from app.ui.render (pure, unit-tested).
``build_app`` makes the Blocks without serving (tests use it); ``launch`` serves it on settings.host:port.

Rejected alternative: gr.ChatInterface. It owns the chat layout and the history format, but the page needs the
Sources panel updated from the same event as the answer and the verified final text replacing the streamed one,
which a plain Blocks with gr.Chatbot does directly.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from app.config import Settings
from app.offline import enforce_offline
from app.ui.render import (
    Context,
    articles_frame,
    chart_x_lim,
    chat_markdown,
    event_actors,
    events_frame,
    filter_statements,
    parse_date_bound,
    question_markdown,
    render_events,
    render_sources,
    render_statements,
    statement_actors,
    statement_rows,
)

log = logging.getLogger(__name__)

EXAMPLES = (
    "What did Russia say?",
    "What did the US say?",
    "How many people were killed?",
    "When was the latest war?",
    "What did China say?",
    "And Turkey?",
)
MODES = [("LLM", "llm"), ("Extractive (no model)", "extractive")]
ALL = "All"
HEADER = (
    '<div id="chr-header"><h1>Chronicle</h1><p>Answers from the ingested news articles only: every claim cites '
    "the exact sentence it comes from. {count}</p></div>"
)

CSS = """
:root { --chr-ink: #1f2933; --chr-muted: #52606d; --chr-rule: #d9e2ec; --chr-mark: #fff1a8; }
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#chr-header h1 { font-family: Georgia, 'Times New Roman', serif; font-size: 1.9rem; margin: 0.2rem 0 0; color: var(--chr-ink); }
#chr-header p { color: var(--chr-muted); margin: 0.2rem 0 0.6rem; }
.chr-sources, .chr-statements, .chr-events { color: var(--chr-ink); font-size: 0.95rem; line-height: 1.5; }
.chr-sources h2 { font-size: 1rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--chr-muted); margin: 0 0 0.5rem; }
.chr-cites { list-style: none; padding: 0; margin: 0; }
.chr-cite { border-top: 1px solid var(--chr-rule); padding: 0.6rem 0; }
.chr-cite-head { font-size: 0.9rem; }
.chr-n { font-weight: 700; color: #1d4ed8; margin-right: 0.2rem; }
.chr-title { font-weight: 600; margin-right: 0.5rem; }
.chr-date { color: var(--chr-muted); font-variant-numeric: tabular-nums; margin-right: 0.5rem; }
.chr-label, .chr-tag { display: inline-block; font-size: 0.75rem; background: #e4ecf7; color: #243b53; border-radius: 3px; padding: 0 0.35rem; margin-right: 0.3rem; }
.chr-passage { font-family: Georgia, 'Times New Roman', serif; margin: 0.4rem 0 0.2rem; padding-left: 0.7rem; border-left: 3px solid var(--chr-rule); color: #334e68; }
.chr-passage mark, .chr-statements mark { background: var(--chr-mark); color: #102a43; padding: 0 1px; }
.chr-offsets, .chr-meta { font-size: 0.75rem; color: var(--chr-muted); }
.chr-note { font-size: 0.85rem; background: #fff8e1; border-left: 3px solid #f0b429; padding: 0.3rem 0.6rem; }
.chr-empty p, .chr-none { color: var(--chr-muted); font-style: italic; }
.chr-actor h3 { font-family: Georgia, serif; font-size: 1.15rem; margin: 1rem 0 0.3rem; border-bottom: 1px solid var(--chr-rule); }
.chr-count { font-family: system-ui, sans-serif; font-size: 0.75rem; color: var(--chr-muted); font-weight: 400; }
.chr-statements ul { list-style: none; padding: 0; margin: 0; }
.chr-statement { padding: 0.4rem 0; }
.chr-statement q { font-family: Georgia, serif; quotes: none; }
.chr-byline { font-size: 0.8rem; margin-top: 0.15rem; }
.chr-speaker { font-weight: 600; margin-right: 0.5rem; }
.chr-byline .chr-title { font-weight: 400; font-style: italic; color: var(--chr-muted); }
ol.chr-events { list-style: none; padding: 0; margin: 0; }
.chr-event { display: grid; grid-template-columns: 11rem 1fr; gap: 0.8rem; border-top: 1px solid var(--chr-rule); padding: 0.5rem 0; }
.chr-event time { font-weight: 700; font-variant-numeric: tabular-nums; color: #1d4ed8; }
.chr-event p { margin: 0; font-family: Georgia, serif; }
.chr-examples { flex-wrap: wrap !important; gap: 0.4rem !important; }
.chr-examples button { font-size: 0.85rem !important; flex: 0 0 auto !important; }
.chr-hint p { margin: 0.4rem 0 0 !important; font-size: 0.85rem; color: var(--chr-muted); }
#chr-sources { max-height: 640px; overflow-y: auto; }
*:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
"""


class Backend:
    """The Chronicle behind the page, built once under a lock.

    Why: the first store access creates a chromadb PersistentClient, and two threads doing that at once (the
    prewarm thread and the page-load event, say) crash inside chromadb. Every handler goes through ``get()``.
    """

    def __init__(self, settings: Settings, chronicle: Any | None = None) -> None:
        if chronicle is None:
            from app.chronicle import Chronicle

            chronicle = Chronicle(settings)
        self.settings = settings
        self.chronicle = chronicle
        self._lock = threading.Lock()
        self._built = False

    def get(self) -> Any:
        if not self._built:
            with self._lock:
                if not self._built:
                    _ = self.chronicle.retriever  # embeddings, store and retriever, in this thread only
                    self._built = True
        return self.chronicle

    def prewarm(self) -> None:
        """Load embeddings, BM25 and (in llm mode) the chat model before the first question arrives."""
        t0 = time.perf_counter()
        try:
            chron = self.get()
            chron.retriever.refresh(force=True)
            from app.store.registry import get_embeddings

            get_embeddings(self.settings).encode(["warm up"])
            if self.settings.answer_mode == "llm":
                from app.answer import prompts
                from app.answer.llm.client import get_chat_model

                model = get_chat_model(self.settings)
                if hasattr(model, "prewarm"):  # the embedded model: start its process, cache the system prompt
                    model.prewarm(prompts.load("system"))
            log.info("prewarm done in %.1f s", time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - a failed prewarm only means a slower first answer
            log.exception("prewarm failed")


# --- data access (thin: the rendering is in ui_render) --------------------------------------------------------


def source_contexts(chron: Any, answer: Any) -> dict[int, Context]:
    """Passages for cited sources that carry none (statement sources): the stored chunk holding the sentence."""
    out: dict[int, Context] = {}
    for s in answer.citations:
        if s.context or any(p.article_id == s.article_id and p.start <= s.start < s.end <= p.end for p in answer.passages):
            continue
        where = {"$and": [{"article_id": s.article_id}, {"start": {"$lte": s.start}}, {"end": {"$gte": s.end}}]}
        try:
            got = chron.store.collections["chunks"].get(where=where, include=["documents", "metadatas"], limit=1)
        except Exception:  # noqa: BLE001 - the panel falls back to the sentence alone
            log.exception("chunk lookup failed")
            continue
        if got["ids"]:
            out[s.n] = Context(int(got["metadatas"][0]["start"]), got["documents"][0] or "")
    return out


def load_statements(chron: Any) -> list:
    got = chron.store.collections["statements"].get(include=["documents", "metadatas"])
    return statement_rows(got, chron.retriever.visible_articles)


def list_events(chron: Any, actor: str | None = None, date_from: Any = None, date_to: Any = None) -> list:
    """app.query.events.list_events, with the dropdown's "All" meaning no actor filter."""
    from app.query.events import list_events as timeline_events

    return timeline_events(chron, actor=None if not actor or actor == ALL else actor, date_from=date_from,
                           date_to=date_to)


def _article_count(chron: Any) -> int:
    try:
        return len(chron.retriever.visible_articles)
    except Exception:  # noqa: BLE001 - the header must render even if the store is unreachable
        log.exception("article count failed")
        return 0


# --- app ------------------------------------------------------------------------------------------------------


def build_app(settings: Settings, chronicle: Any | None = None):  # noqa: ANN201 - gr.Blocks (gradio imported lazily)
    """The Blocks app, not yet queued or launched."""
    enforce_offline()
    import gradio as gr

    backend = Backend(settings, chronicle)
    private = {"api_visibility": "private"}
    light = {"api_visibility": "private", "concurrency_limit": None}  # quick reads never wait behind answers

    def header() -> str:
        n = _article_count(backend.get())
        return HEADER.format(count=f"{n} article{'s' if n != 1 else ''} available.")

    # --- chat ---------------------------------------------------------------------------------------------

    def respond(
        question: str, chat: list[dict], pairs: list[tuple[str, str]], mode: str
    ) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        chat = list(chat or []) + [
            {"role": "user", "content": question_markdown(question)},
            {"role": "assistant", "content": "…"},
        ]
        working = '<div class="chr-sources chr-empty"><p>Looking for sources…</p></div>'
        yield "", chat, pairs, working, gr.update(interactive=False)
        answer = None
        streamed = ""
        last = 0.0
        try:
            for item in backend.get().stream(question, history=list(pairs or []), mode=mode):
                if isinstance(item, str):
                    streamed += item
                    if time.monotonic() - last > 0.08:  # ~12 repaints/s is smooth and cheap
                        last = time.monotonic()
                        chat[-1] = {"role": "assistant", "content": chat_markdown(streamed)}
                        yield "", chat, pairs, working, gr.update()
                else:
                    answer = item
        except Exception as exc:  # noqa: BLE001 - show the failure in the chat instead of a stuck spinner
            log.exception("answer failed")
            chat[-1] = {"role": "assistant", "content": chat_markdown(f"Sorry, something went wrong: {exc}")}
            yield "", chat, pairs, render_sources(None), gr.update(interactive=True)
            return
        if answer is None:
            chat[-1] = {"role": "assistant", "content": "No answer was produced."}
            yield "", chat, pairs, render_sources(None), gr.update(interactive=True)
            return
        chat[-1] = {"role": "assistant", "content": chat_markdown(answer.text)}
        if answer.route != "refused":
            pairs = list(pairs or []) + [(question, answer.text)]
        panel = render_sources(answer, source_contexts(backend.get(), answer))
        yield "", chat, pairs, panel, gr.update(interactive=True)

    def clear_chat() -> tuple[Any, ...]:
        return [], [], render_sources(None), ""

    # --- who said what --------------------------------------------------------------------------------------

    def statements_view(actor: str | None, text: str) -> tuple[Any, str]:
        rows = load_statements(backend.get())
        choices = [ALL] + statement_actors(rows)
        actor = actor if actor in choices else ALL
        return gr.update(choices=choices, value=actor), render_statements(filter_statements(rows, actor, text))

    # --- timeline -------------------------------------------------------------------------------------------

    def timeline_view(actor: str | None, date_from: str, date_to: str) -> tuple[Any, ...]:
        try:
            lo, hi = parse_date_bound(date_from), parse_date_bound(date_to, upper=True)
        except ValueError as exc:
            return gr.update(), gr.update(), gr.update(), f"⚠ {exc}"
        all_events = list_events(backend.get())
        choices = [ALL] + event_actors(all_events)
        actor = actor if actor in choices else ALL
        events = list_events(backend.get(), actor, lo, hi)
        status = f"{len(events)} dated event{'s' if len(events) != 1 else ''}"
        frame = events_frame(events)
        chart_update = gr.update(value=frame, x_lim=chart_x_lim(frame))
        return gr.update(choices=choices, value=actor), chart_update, render_events(events), status

    # --- articles -------------------------------------------------------------------------------------------

    def articles_view() -> Any:
        return articles_frame(backend.get().store.article_records())

    def ingest_upload(path: str | None) -> tuple[Any, ...]:
        if not path:
            return gr.update(), "Choose a file to ingest.", gr.update()
        report = backend.get().ingest([Path(path)])
        return articles_view(), report.summary(), header()

    def remove_article(ref: str) -> tuple[Any, ...]:
        if not (ref or "").strip():
            return gr.update(), "Type an article ID (or a URL) to remove, or click a row of the table.", gr.update()
        report = backend.get().remove([ref.strip()])
        return articles_view(), report.summary(), header()

    def pick_article(evt: gr.SelectData) -> str:
        """A click on a table row puts its article ID into the Remove box."""
        row = evt.row_value or []
        return str(row[0]) if row else ""

    pick_article.__annotations__["evt"] = gr.SelectData  # resolved here: gradio is imported lazily, not at module level

    theme = gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    with gr.Blocks(title="Chronicle — cited news Q&A", analytics_enabled=False) as demo:
        demo.chronicle_theme, demo.chronicle_css = theme, CSS  # launch() passes these (Gradio 6: launch args)
        demo.chronicle_backend = backend
        head = gr.HTML(HEADER.format(count="Loading the archive…"), elem_id="chr-header-box")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            elem_id="chr-chat",
                            height=460,
                            sanitize_html=True,
                            allow_tags=False,
                            feedback_options=None,
                            buttons=["copy"],
                            placeholder="Ask a question about the ingested articles. Answers cite their sources "
                            "as [n]; the passages appear on the right.",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                label="Question",
                                show_label=False,
                                placeholder="Ask a question and press Enter…",
                                lines=1,
                                max_lines=1,
                                elem_id="chr-question",
                                autofocus=True,
                                scale=6,
                                container=False,
                            )
                            send = gr.Button("Send", variant="primary", scale=1, min_width=90, elem_id="chr-send")
                        gr.Markdown("Try an example:", elem_classes="chr-hint")
                        with gr.Row(elem_classes="chr-examples"):
                            example_buttons = [
                                gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0) for q in EXAMPLES
                            ]
                        with gr.Row():
                            mode = gr.Radio(
                                MODES,
                                value=settings.answer_mode,
                                label="Answer mode",
                                info="LLM: the local model phrases the cited sentences. Extractive: the sentences "
                                "themselves, instantly.",
                                elem_id="chr-mode",
                                scale=4,
                            )
                            clear = gr.Button("New conversation", size="sm", variant="secondary", scale=0, min_width=160)
                    with gr.Column(scale=2, min_width=320):
                        gr.HTML('<div class="chr-sources"><h2>Sources</h2></div>')
                        sources = gr.HTML(render_sources(None), elem_id="chr-sources")
                pairs = gr.State([])
                chat_out = [question, chatbot, pairs, sources, send]
                question.submit(respond, [question, chatbot, pairs, mode], chat_out, **private)
                send.click(respond, [question, chatbot, pairs, mode], chat_out, **private)
                for btn, q in zip(example_buttons, EXAMPLES):
                    btn.click(lambda q=q: q, None, question, queue=False, **private).then(
                        respond, [question, chatbot, pairs, mode], chat_out, **private
                    )
                clear.click(clear_chat, None, [chatbot, pairs, sources, question], **light)

            with gr.Tab("Who said what", id="statements") as statements_tab:
                with gr.Row():
                    actor = gr.Dropdown([ALL], value=ALL, label="Actor", elem_id="chr-actor", scale=2)
                    text_filter = gr.Textbox(label="Filter text", placeholder="e.g. ceasefire", scale=3)
                statements_html = gr.HTML(elem_id="chr-statements")
                st_inputs, st_outputs = [actor, text_filter], [actor, statements_html]
                statements_tab.select(statements_view, st_inputs, st_outputs, **light)
                actor.input(statements_view, st_inputs, st_outputs, **light)
                text_filter.submit(statements_view, st_inputs, st_outputs, **light)
                text_filter.input(statements_view, st_inputs, st_outputs, trigger_mode="always_last", **light)

            with gr.Tab("Timeline", id="timeline") as timeline_tab:
                with gr.Row():
                    ev_actor = gr.Dropdown([ALL], value=ALL, label="Actor", elem_id="chr-ev-actor", scale=2)
                    ev_from = gr.Textbox(label="From", placeholder="YYYY or YYYY-MM-DD", scale=1, elem_id="chr-ev-from")
                    ev_to = gr.Textbox(label="To", placeholder="YYYY or YYYY-MM-DD", scale=1, elem_id="chr-ev-to")
                    ev_apply = gr.Button("Apply", variant="primary", scale=1, min_width=90)
                ev_status = gr.Markdown(elem_id="chr-ev-status")
                chart = gr.ScatterPlot(
                    x="date",
                    y="actor",
                    tooltip=["when", "sentence", "article"],
                    x_title="Event date",
                    y_title="Actor",
                    label="Dated events",
                    height=340,
                    elem_id="chr-chart",
                )
                events_html = gr.HTML(elem_id="chr-events")
                ev_inputs, ev_outputs = [ev_actor, ev_from, ev_to], [ev_actor, chart, events_html, ev_status]
                timeline_tab.select(timeline_view, ev_inputs, ev_outputs, **light)
                ev_apply.click(timeline_view, ev_inputs, ev_outputs, **light)
                ev_actor.input(timeline_view, ev_inputs, ev_outputs, **light)
                ev_from.submit(timeline_view, ev_inputs, ev_outputs, **light)
                ev_to.submit(timeline_view, ev_inputs, ev_outputs, **light)

            with gr.Tab("Articles", id="articles") as articles_tab:
                articles_table = gr.Dataframe(interactive=False, label="Ingested articles", elem_id="chr-articles")
                with gr.Row():
                    upload = gr.File(
                        label="Add an article (.txt, .md, .html, .json, .jsonl)",
                        file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"],
                        type="filepath",
                        scale=2,
                        elem_id="chr-upload",
                    )
                    ingest_report = gr.Textbox(label="Ingest report", interactive=False, lines=4, scale=3)
                with gr.Row():
                    remove_ref = gr.Textbox(label="Remove an article", placeholder="article ID (click a row) or URL",
                                            elem_id="chr-remove-ref", scale=3)
                    remove_btn = gr.Button("Remove", variant="stop", elem_id="chr-remove", scale=1, min_width=90)
                articles_tab.select(articles_view, None, articles_table, **light)
                articles_table.select(pick_article, None, remove_ref, **light)
                remove_btn.click(remove_article, remove_ref, [articles_table, ingest_report, head], concurrency_limit=1,
                                 api_visibility="private")
                upload.upload(ingest_upload, upload, [articles_table, ingest_report, head], concurrency_limit=1,
                              api_visibility="private")
        demo.load(header, None, head, **light)
    return demo


def launch(settings: Settings, prewarm: bool = True) -> None:
    """Serve the app on settings.host:settings.port (blocking); no share link, no API page, no analytics."""
    enforce_offline()
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    if prewarm:
        threading.Thread(target=demo.chronicle_backend.prewarm, daemon=True, name="chronicle-prewarm").start()
    auth = (settings.auth_user, settings.auth_password) if settings.auth_user and settings.auth_password else None
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        footer_links=[],
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
        run_history=False,
        max_file_size=settings.max_article_bytes,
        show_error=False,
        theme=demo.chronicle_theme,
        css=demo.chronicle_css,
    )
