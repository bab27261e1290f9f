"""The web UI (Gradio Blocks): chat with cited sources, who-said-what, timeline, articles.

This module is layout and event wiring only, one function per tab; what events do is in app.ui.views, and HTML
and tables come from app.ui.render (pure, unit-tested). ``build_app`` makes the Blocks without serving (tests use
it); ``launch`` serves it on settings.host:port.

Rejected alternative: gr.ChatInterface. It owns the chat layout and the history format, but the page needs the
Sources panel updated from the same event as the answer and the verified final text replacing the streamed one,
which a plain Blocks with gr.Chatbot does directly.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import Chronicle, Settings
from app.offline import enforce_offline
from app.ui.render import render_sources
from app.ui.views import ALL, HEADER, Views

if TYPE_CHECKING:
    import gradio as gr

EXAMPLES = (
    "What did Russia say?",
    "What did the US say?",
    "How many people were killed?",
    "When was the latest war?",
    "What did China say?",
    "And Turkey?",
)
MODES = [("LLM", "llm"), ("Extractive (no model)", "extractive")]
CSS = (Path(__file__).with_name("chronicle.css")).read_text(encoding="utf-8")
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
LIGHT: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None}  # quick reads never wait


def _chat_tab(gr: Any, views: Views, settings: Settings) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(
                label="Conversation", elem_id="chr-chat", height=460, sanitize_html=True, allow_tags=False,
                feedback_options=None, buttons=["copy"],
                placeholder="Ask a question about the ingested articles. Answers cite their sources as [n]; the "
                "passages appear on the right.",
            )
            with gr.Row():
                question = gr.Textbox(
                    label="Question", show_label=False, placeholder="Ask a question and press Enter…", lines=1,
                    max_lines=1, elem_id="chr-question", autofocus=True, scale=6, container=False,
                )
                send = gr.Button("Send", variant="primary", scale=1, min_width=90, elem_id="chr-send")
            gr.Markdown("Try an example:", elem_classes="chr-hint")
            with gr.Row(elem_classes="chr-examples"):
                examples = [gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0) for q in EXAMPLES]
            with gr.Row():
                mode = gr.Radio(
                    MODES, value=settings.answer_mode, label="Answer mode", elem_id="chr-mode", scale=4,
                    info="LLM: the local model phrases the cited sentences. Extractive: the sentences themselves, "
                    "instantly.",
                )
                as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD", elem_id="chr-as-of", scale=1, min_width=130,
                                   info="Answer as on that day: 'this week' is the week before it; later articles "
                                   "are not used.")
                clear = gr.Button("New conversation", size="sm", variant="secondary", scale=0, min_width=160)
        with gr.Column(scale=2, min_width=320):
            gr.HTML('<div class="chr-sources"><h2>Sources</h2></div>')
            sources = gr.HTML(render_sources(None), elem_id="chr-sources")
    pairs = gr.State([])
    inputs, outputs = [question, chatbot, pairs, mode, as_of], [question, chatbot, pairs, sources, send]
    question.submit(views.respond, inputs, outputs, **PRIVATE)
    send.click(views.respond, inputs, outputs, **PRIVATE)
    for button, q in zip(examples, EXAMPLES, strict=True):
        button.click(lambda q=q: q, None, question, queue=False, **PRIVATE).then(views.respond, inputs, outputs,
                                                                                 **PRIVATE)
    clear.click(views.clear_chat, None, [chatbot, pairs, sources, question], **LIGHT)


def _statements_tab(gr: Any, views: Views, tab: Any) -> None:
    with gr.Row():
        actor = gr.Dropdown([ALL], value=ALL, label="Actor", elem_id="chr-actor", scale=2)
        text = gr.Textbox(label="Filter text", placeholder="e.g. ceasefire", scale=3)
    html = gr.HTML(elem_id="chr-statements")
    inputs, outputs = [actor, text], [actor, html]
    tab.select(views.statements, inputs, outputs, **LIGHT)
    actor.input(views.statements, inputs, outputs, **LIGHT)
    text.submit(views.statements, inputs, outputs, **LIGHT)
    text.input(views.statements, inputs, outputs, trigger_mode="always_last", **LIGHT)


def _timeline_tab(gr: Any, views: Views, tab: Any) -> None:
    with gr.Row():
        actor = gr.Dropdown([ALL], value=ALL, label="Actor", elem_id="chr-ev-actor", scale=2)
        date_from = gr.Textbox(label="From", placeholder="YYYY or YYYY-MM-DD", scale=1, elem_id="chr-ev-from")
        date_to = gr.Textbox(label="To", placeholder="YYYY or YYYY-MM-DD", scale=1, elem_id="chr-ev-to")
        apply = gr.Button("Apply", variant="primary", scale=1, min_width=90)
    status = gr.Markdown(elem_id="chr-ev-status")
    chart = gr.ScatterPlot(x="date", y="actor", tooltip=["when", "sentence", "article"], x_title="Event date",
                           y_title="Actor", label="Dated events", height=340, elem_id="chr-chart")
    html = gr.HTML(elem_id="chr-events")
    inputs, outputs = [actor, date_from, date_to], [actor, chart, html, status]
    for event in (tab.select, apply.click, actor.input, date_from.submit, date_to.submit):
        event(views.timeline, inputs, outputs, **LIGHT)


def _articles_tab(gr: Any, views: Views, tab: Any, head: Any) -> None:
    table = gr.Dataframe(interactive=False, label="Ingested articles", elem_id="chr-articles")
    with gr.Row():
        upload = gr.File(label="Add an article (.txt, .md, .html, .json, .jsonl)", type="filepath", scale=2,
                         file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"],
                         elem_id="chr-upload")
        report = gr.Textbox(label="Ingest report", interactive=False, lines=4, scale=3)
    with gr.Row():
        ref = gr.Textbox(label="Remove an article", placeholder="article ID (click a row) or URL",
                         elem_id="chr-remove-ref", scale=3)
        remove = gr.Button("Remove", variant="stop", elem_id="chr-remove", scale=1, min_width=90)

    def picked(evt: gr.SelectData) -> str:
        return views.picked_article(evt.row_value)

    picked.__annotations__["evt"] = gr.SelectData  # resolved here: gradio is imported lazily, not at module level
    tab.select(views.articles, None, table, **LIGHT)
    table.select(picked, None, ref, **LIGHT)

    def ingest(path: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - gradio's API
        return views.ingest_upload(path, progress)

    upload.upload(ingest, upload, [table, report, head], concurrency_limit=1, api_visibility="private")
    remove.click(views.remove, ref, [table, report, head], concurrency_limit=1, api_visibility="private")


def build_app(settings: Settings, chronicle: Chronicle | None = None) -> gr.Blocks:
    """The Blocks app, not yet queued or launched."""
    enforce_offline()
    import gradio as gr

    views = Views(settings, chronicle)
    theme = gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    with gr.Blocks(title="Chronicle — cited news Q&A", analytics_enabled=False) as demo:
        demo.chronicle_theme, demo.chronicle_css = theme, CSS  # launch() passes these (Gradio 6: launch args)
        demo.chronicle_views = views
        head = gr.HTML(HEADER.format(count="Loading the archive…"), elem_id="chr-header-box")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(gr, views, settings)
            with gr.Tab("Who said what", id="statements") as tab:
                _statements_tab(gr, views, tab)
            with gr.Tab("Timeline", id="timeline") as tab:
                _timeline_tab(gr, views, tab)
            with gr.Tab("Articles", id="articles") as tab:
                _articles_tab(gr, views, tab, head)
        demo.load(views.header, None, head, **LIGHT)
    return demo


def launch(settings: Settings, prewarm: bool = True) -> None:
    """Serve the app on settings.host:settings.port (blocking); no share link, no API page, no analytics."""
    enforce_offline()
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    if prewarm:
        threading.Thread(target=demo.chronicle_views.prewarm, daemon=True, name="chronicle-prewarm").start()
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
