"""The web UI (Gradio Blocks): chat with cited sources (answers judged Right/Wrong become test cases), who-said-what,
timeline, articles, and the test set of judged answers.

This module is layout and event wiring only, one function per tab; what events do is in app.ui.views, HTML and SVG come
from app.ui.render and table data from app.ui.tables (both pure, unit-tested); see app/ui/__init__.py. ``build_app``
makes the Blocks without serving (tests use it); ``launch`` serves it on settings.host:port.

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
from app.ui.examples import MAX_EXAMPLES
from app.ui.render import render_sources
from app.ui.views import ALL, DOWNLOADS, HEADER, MAX_DATES, MUST_SAY_HINT, RUN_MODES, VERDICTS, TestSetViews, Views

if TYPE_CHECKING:
    import gradio as gr

MODES = [("Auto (per question, as measured)", "auto"), ("LLM", "llm"), ("Extractive (no model)", "extractive")]
CSS = "\n".join(Path(__file__).with_name(name).read_text(encoding="utf-8") for name in ("chronicle.css", "testset.css"))
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
LIGHT: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None}  # quick reads never wait
# The chat never waits in Gradio's queue: an extractive answer is ~70 ms of work, and the model part of an LLM answer
# waits in the model's own fair line (app.answer.llm.pool), which shows the reader's place. With the chat limited
# to ui_concurrency (2) here, extractive answers waited 18.6 s p50 behind 10 LLM answers on the seed (issue 28).
CHAT: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None, "concurrency_id": "chat"}


def _chat_tab(gr: Any, views: Views, settings: Settings, tsv: TestSetViews) -> list[Any]:
    """The chat; returns the example row (its hint and buttons), which the page fills from the archive on load and
    after each ingest (app.ui.examples)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(
                label="Conversation", elem_id="chr-chat", height=460, sanitize_html=True, allow_tags=False,
                feedback_options=("Like", "Dislike"), buttons=["copy"],  # Right / Wrong: app.ui.views.TestSetViews
                placeholder="Ask a question about the ingested articles. Answers cite their sources as [n]; the "
                "passages appear on the right.",
            )
            with gr.Row():
                question = gr.Textbox(
                    label="Question", show_label=False, placeholder="Ask a question and press Enter…", lines=1,
                    max_lines=1, elem_id="chr-question", autofocus=True, scale=6, container=False,
                )
                send = gr.Button("Send", variant="primary", scale=1, min_width=90, elem_id="chr-send")
            hint = gr.Markdown("Try an example:", elem_classes="chr-hint", visible=False)
            with gr.Row(elem_classes="chr-examples"):
                examples = [gr.Button("", size="sm", variant="secondary", scale=0, min_width=0, visible=False,
                                      elem_id=f"chr-example-{i}") for i in range(MAX_EXAMPLES)]
            with gr.Row():
                mode = gr.Radio(
                    MODES, value=settings.answer_mode, label="Answer mode", elem_id="chr-mode", scale=4,
                    info="Auto: each kind of question in the mode that scored higher. LLM: the local model picks "
                    "the answer or phrases the cited sentences. Extractive: the sentences themselves, instantly.",
                )
                as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD", elem_id="chr-as-of", scale=1, min_width=130,
                                   info="Answer as on that day: 'this week' is the week before it; later articles "
                                   "are not used.")
                clear = gr.Button("New conversation", size="sm", variant="secondary", scale=0, min_width=160)
            answers = gr.State({})  # chat index -> the Answer shown there (to judge it)
            judge = _judge_panel(gr, tsv, chatbot, answers)
        with gr.Column(scale=2, min_width=320):
            gr.HTML('<div class="chr-sources"><h2>Sources</h2></div>')
            sources = gr.HTML(render_sources(None), elem_id="chr-sources")
    pairs = gr.State([])
    inputs = [question, chatbot, pairs, mode, as_of, answers]
    outputs = [question, chatbot, pairs, sources, send, answers]
    question.submit(tsv.respond, inputs, outputs, **CHAT)
    send.click(tsv.respond, inputs, outputs, **CHAT)
    for button in examples:  # a button's value is its question
        button.click(lambda q: q, button, question, queue=False, **PRIVATE).then(tsv.respond, inputs, outputs,
                                                                                 **CHAT)
    clear.click(views.clear_chat, None, [chatbot, pairs, sources, question], **LIGHT).then(
        lambda: ({}, gr.update(visible=False)), None, [answers, judge], **LIGHT)
    return [hint, *examples]


def _judge_panel(gr: Any, tsv: TestSetViews, chatbot: Any, answers: Any) -> Any:
    """Under the chat: 👍/👎 on an answer opens it (returned); a test case is saved to settings.testset."""
    with gr.Group(visible=False, elem_id="chr-judge") as panel:
        head = gr.Markdown(elem_id="chr-judge-head")
        verdict = gr.Radio(VERDICTS, label="Verdict", elem_id="chr-verdict")
        must_say = gr.Textbox(label="What the answer must say (optional)", placeholder=MUST_SAY_HINT, lines=2,
                              elem_id="chr-must-say")
        with gr.Row():
            saved_by = gr.Textbox(label="Saved by", placeholder="your name (optional)", elem_id="chr-saved-by",
                                  scale=3)
            save = gr.Button("Save as a test case", variant="primary", elem_id="chr-save-case", scale=2)
        status = gr.Markdown(elem_id="chr-judge-status")
    picked = gr.State(None)

    def judged(answers: Any, saved_by: str, request: gr.Request, evt: gr.LikeData) -> tuple[Any, ...]:
        return tsv.judge(answers, evt.index, evt.liked, saved_by, getattr(request, "username", None))

    def saving(answers: Any, picked: Any, verdict: str, must_say: str, saved_by: str, request: gr.Request) -> str:
        return tsv.save(answers, picked, verdict, must_say, saved_by, getattr(request, "username", None))

    judged.__annotations__.update(request=gr.Request, evt=gr.LikeData)  # gradio is imported lazily (see picked)
    saving.__annotations__["request"] = gr.Request
    chatbot.like(judged, [answers, saved_by], [panel, head, verdict, must_say, status, picked],
                 concurrency_limit=1, api_visibility="private")
    save.click(saving, [answers, picked, verdict, must_say, saved_by], status, concurrency_limit=1,
               api_visibility="private")
    return panel


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
    """The story timeline (story box, number of dates, range, as-of; coverage chart, vertical timeline, downloads),
    then the flat list of every dated event for a small scope. Opening the tab is cheap on any archive size: see
    app.ui.views (the measurements behind its limits are in its docstring)."""
    with gr.Row(equal_height=False):
        about = gr.Textbox(label="Story or actor", placeholder="e.g. Haiti earthquake, Conrad Murray, the Muslim "
                           "Brotherhood (empty: the whole archive)", scale=4,
                           elem_id="chr-tl-about", max_lines=1)
        n_dates = gr.Number(value=20, label="Dates", precision=0, scale=1, min_width=90, elem_id="chr-tl-n",
                            info=f"1 to {MAX_DATES}")
        show = gr.Button("Show timeline", variant="primary", scale=1, min_width=140, elem_id="chr-tl-show")
    with gr.Row():
        date_from = gr.Textbox(label="From", placeholder="YYYY, YYYY-MM or YYYY-MM-DD", scale=1, elem_id="chr-ev-from",
                               max_lines=1)
        date_to = gr.Textbox(label="To", placeholder="YYYY, YYYY-MM or YYYY-MM-DD", scale=1, elem_id="chr-ev-to",
                             max_lines=1)
        as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD", scale=1, elem_id="chr-tl-as-of", max_lines=1,
                           info="Only articles published by then.")
        since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", scale=1, elem_id="chr-tl-since", max_lines=1,
                           info="Only what is new since then.")
        actor = gr.Dropdown([ALL], value=ALL, label="Actor (event list)", elem_id="chr-ev-actor", scale=1,
                            allow_custom_value=True)
    status = gr.Markdown(elem_id="chr-tl-status")
    coverage = gr.HTML(elem_id="chr-tl-coverage")
    story = gr.HTML(elem_id="chr-story")
    with gr.Row(elem_classes="chr-downloads"):
        downloads = [gr.DownloadButton(f"Download {label}", interactive=False, size="sm", variant="secondary",
                                       elem_id=f"chr-dl-{fmt}", scale=0, min_width=200) for fmt, label in DOWNLOADS]
    gr.Markdown("### Every dated event", elem_classes="chr-subhead")
    ev_status = gr.Markdown(elem_id="chr-ev-status")
    chart = gr.ScatterPlot(x="date", y="actor", tooltip=["when", "sentence", "article"], x_title="Event date",
                           y_title="Actor", label="Dated events", height=340, elem_id="chr-chart")
    html = gr.HTML(elem_id="chr-events")
    folder = gr.State(None, delete_callback=views.drop_downloads)  # this session's download folder
    shown, listed = gr.State(None), gr.State(None)  # what the page shows: reopening the tab does not recompute it
    story_in = [about, n_dates, date_from, date_to, as_of, folder]
    story_out = [status, coverage, story, *downloads, folder, shown]
    flat_in, flat_out = [actor, date_from, date_to, as_of], [actor, chart, html, ev_status, listed]
    # LLM mode: each day's headline is written after the story and the flat list are on the page (a generator: the
    # story is drawn again, and the downloads written again, as each arrives); a new request cancels the headlines
    # still being written for the last.
    headlines = [tab.select(views.timeline_open, [*story_in, shown, since], story_out, **LIGHT).then(
        views.timeline_events_open, [*flat_in, listed], flat_out, **LIGHT).then(
        views.timeline_headlines, [shown, folder], [story, *downloads], **LIGHT)]
    triggers = (show.click, about.submit, n_dates.submit, date_from.submit, date_to.submit, as_of.submit,
                since.submit)
    for event in triggers:
        headlines.append(event(views.timeline_show, [*story_in, since], story_out, **LIGHT).then(
            views.timeline_events_show, flat_in, flat_out, **LIGHT).then(
            views.timeline_headlines, [shown, folder], [story, *downloads], **LIGHT))
    for event in triggers:
        event(None, None, None, cancels=headlines, **PRIVATE)
    actor.input(views.timeline_events_show, flat_in, flat_out, **LIGHT)


def _articles_tab(gr: Any, views: Views, tab: Any, head: Any, examples: list[Any]) -> None:
    with gr.Row():
        search = gr.Textbox(label="Search", placeholder="words of the title, source or URL, or an ID", scale=3,
                            elem_id="chr-articles-search")
        a_from = gr.Textbox(label="From", placeholder="2023-09 or 2023-09-01", scale=1, elem_id="chr-articles-from")
        a_to = gr.Textbox(label="To", placeholder="2023-12-31", scale=1, elem_id="chr-articles-to")
    with gr.Row():
        prev = gr.Button("◀ Newer", scale=1, min_width=90, elem_id="chr-articles-prev")
        page = gr.Number(value=1, precision=0, label="Page", scale=1, min_width=80, elem_id="chr-articles-page")
        nxt = gr.Button("Older ▶", scale=1, min_width=90, elem_id="chr-articles-next")
        status = gr.Markdown(elem_id="chr-articles-status")
    table = gr.Dataframe(interactive=False, label="Ingested articles (one page)", elem_id="chr-articles")
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
    shown = [table, status, page]
    filters = [search, a_from, a_to]
    tab.select(views.articles, [*filters, page], shown, **LIGHT)
    for box in filters:  # a new search starts at its first page
        box.submit(lambda text, lo, hi: views.articles(text, lo, hi, 1), filters, shown, **LIGHT)
    page.submit(views.articles, [*filters, page], shown, **LIGHT)
    prev.click(lambda text, lo, hi, n: views.articles_step(text, lo, hi, n, -1), [*filters, page], shown, **LIGHT)
    nxt.click(lambda text, lo, hi, n: views.articles_step(text, lo, hi, n, 1), [*filters, page], shown, **LIGHT)
    table.select(picked, None, ref, **LIGHT)

    def ingest(path: str | None, text: str, lo: str, hi: str, n: Any,
               progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - gradio's API
        return views.ingest_upload(path, progress, text, lo, hi, n)

    upload.upload(ingest, [upload, *filters, page], [*shown, report, head], concurrency_limit=1,
                  api_visibility="private").then(views.examples, None, examples, **LIGHT)
    remove.click(views.remove, [ref, *filters, page], [*shown, report, head], concurrency_limit=1,
                 api_visibility="private").then(views.examples, None, examples, **LIGHT)


def _testset_tab(gr: Any, tsv: TestSetViews, tab: Any) -> None:
    info = gr.Markdown(elem_id="chr-ts-info")
    cases = gr.HTML(elem_id="chr-ts-cases")
    with gr.Row():
        modes = gr.CheckboxGroup(RUN_MODES, value=["extractive"], label="Answer modes", elem_id="chr-ts-modes",
                                 info="Extractive: well under a second a case. LLM: the local model answers each "
                                 "case (seconds to a minute a case on a 2-core machine).", scale=3)
        run = gr.Button("Run the test set", variant="primary", elem_id="chr-ts-run", scale=1, min_width=160)
    results = gr.HTML(elem_id="chr-ts-results")
    with gr.Accordion("Report of this run", open=False, elem_id="chr-ts-report-box"):
        report = gr.HTML(elem_id="chr-ts-report")
        files = gr.File(label="Report and results files", file_count="multiple", interactive=False,
                        elem_id="chr-ts-files")

    def running(modes: list[str], progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - gradio's progress hook
        return tsv.run(modes, progress)

    tab.select(tsv.cases, None, [info, cases], **LIGHT)
    run.click(running, modes, [results, report, files, info, cases], concurrency_limit=1, api_visibility="private",
              show_progress="full")


def _theme(gr: Any) -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def build_app(settings: Settings, chronicle: Chronicle | None = None, views: Views | None = None) -> gr.Blocks:
    """The Blocks app, not yet queued or launched, over ``views`` (default: new Views over ``chronicle``)."""
    enforce_offline()
    import gradio as gr

    views = views or Views(settings, chronicle)
    tsv = TestSetViews(views)
    # delete_cache: Gradio copies every file it serves (timeline downloads, test-set reports) into its own cache;
    # files older than a day are removed hourly, and all of them when the server stops.
    with gr.Blocks(title="Chronicle — cited news Q&A", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        head = gr.HTML(HEADER.format(count="Loading the archive…"), elem_id="chr-header-box")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                examples = _chat_tab(gr, views, settings, tsv)
            with gr.Tab("Who said what", id="statements") as tab:
                _statements_tab(gr, views, tab)
            with gr.Tab("Timeline", id="timeline") as tab:
                _timeline_tab(gr, views, tab)
            with gr.Tab("Articles", id="articles") as tab:
                _articles_tab(gr, views, tab, head, examples)
            with gr.Tab("Test set", id="testset") as tab:
                _testset_tab(gr, tsv, tab)
        demo.load(views.header, None, head, **LIGHT)
        demo.load(views.examples, None, examples, **LIGHT)
    return demo


def launch(settings: Settings, prewarm: bool = True) -> None:
    """Serve the app on settings.host:settings.port (blocking); no share link, no API page, no analytics."""
    enforce_offline()
    import gradio as gr

    views = Views(settings)
    demo = build_app(settings, views=views)
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    if prewarm:
        threading.Thread(target=views.prewarm, daemon=True, name="chronicle-prewarm").start()
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
        # Gradio runs events in at most max_threads worker threads (default 40): room for every answer the model's
        # line may hold waiting, plus the answers being written and the tabs' reads beside them.
        max_threads=max(40, settings.llm_queue_max + settings.llm_processes * settings.llm_endpoint_slots
                        + len(settings.llm_base_urls) * settings.llm_endpoint_slots + 16),
        max_file_size=settings.max_article_bytes,
        show_error=False,
        theme=_theme(gr),  # Gradio 6: theme and css are launch arguments
        css=CSS,
    )
