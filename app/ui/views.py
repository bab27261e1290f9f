"""What the page's events do: one method per event, over the Chronicle facade. No layout here (app.ui.app wires
these to components) and no HTML (app.ui.render draws it), so each can be called and tested on its own.

The Chronicle behind the page is built once, under a lock: the first store access creates a Chroma client, and two
threads doing that at once (the prewarm thread and the page-load event, say) crash inside chromadb. Gradio is
imported lazily (``gr.update`` in return values) so that importing this module stays cheap.

The Timeline tab (issue 17) opens on the story, not on every dated sentence. Measured with
``python -m benchmarks.timeline_tab`` on the 278-article T17 haiti store (2 cores, load average ~7 from other
work): opening the tab 573 ms p50 / 882 ms p95 (the whole-archive story: Chronicle.story reads the day events of
every article in scope, ~0.6 ms each here), a "Haiti earthquake" story with its four downloads 1.08 s p50, peak RSS
520 MB. On the pooled 1,025-article store of the four T17 topics (load ~8): opening the tab 7 ms p50 / 15 ms p95
(a prompt, no event read; 0.55-0.62 s from the click to the status line in Chromium), "Haiti earthquake" 0.93 s
p50 / 1.27 s p95, the whole-archive story 1.62 s p50, peak RSS 621 MB. The old flat list merged every event of the
archive pairwise, twice per click: 3.2 s for the 58 articles of two days of the haiti store, 1.6 s for one actor
over all 278. Hence:

- opening the tab draws the whole-archive story up to OPEN_STORY_MAX articles, else a prompt (cost: the article
  list, already cached); the flat list only for <= FLAT_MAX articles in range (FLAT_MAX_ACTOR with an actor);
- the flat list is a second event chained after the story (``.then``), so the story never waits for it;
- reopening the tab with the same inputs on the same archive recomputes nothing (the ``shown``/``listed`` keys).

Rejected: gr.Number(minimum=1, maximum=100) for the number of dates (Gradio refuses an out-of-range value in its
preprocessing with an error toast, which ``show_error=False`` hides: the status line says what is wrong instead);
gr.Slider (no typing a number, no Enter); gr.File for the downloads (a file box per format; gr.DownloadButton is
one click, disabled while there is nothing to download).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app import (
    EXPORT_FORMATS,
    Answer,
    CaseFileError,
    Chronicle,
    DayHeadline,
    ModelWait,
    Settings,
    StoreError,
    StoryTimeline,
    export_story,
    parse_as_of,
    parse_date_bound,
    read_testset,
)
from app.eval.history import compare_runs, find_previous, new_run_dir
from app.eval.report import write_run
from app.eval.runner import QuestionResult, run_testset
from app.ui.examples import MAX_EXAMPLES, example_questions
from app.ui.render import (
    Context,
    answer_markdown,
    chat_markdown,
    download_stem,
    esc,
    question_markdown,
    render_cases,
    render_coverage,
    render_events,
    render_events_skipped,
    render_problems,
    render_rows,
    render_run_summary,
    render_sources,
    render_statements,
    render_story,
    report_iframe,
    saved_markdown,
    story_heading,
    waiting_markdown,
)
from app.ui.tables import (
    article_page,
    chart_x_lim,
    event_actors,
    events_frame,
    filter_statements,
    statement_rows,
)

log = logging.getLogger(__name__)

ALL = "All"
STATEMENTS_SHOWN = 300  # statements drawn at once in "Who said what" (newest first)
STATEMENT_ACTORS = 500  # actors in its dropdown (most quoted first)
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
        self._downloads: tempfile.TemporaryDirectory[str] | None = None  # sessions' download folders live in it
        # The stories last drawn, by view key, with their headlines so far (LLM mode): the headlines event that
        # follows a story finds it here, and a story shown again does not ask the model again.
        self._stories: OrderedDict[tuple[str, ...], tuple[StoryTimeline, dict[dt.date, DayHeadline]]] = OrderedDict()

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

    def examples(self) -> list[Any]:
        """The example row: its hint, then MAX_EXAMPLES buttons (app.ui.examples: the archive's most quoted names);
        buttons without a question, and the hint when there is none, hidden."""
        try:
            questions = example_questions(self.chronicle.statement_actors())
        except Exception:
            log.exception("example questions failed")
            questions = ()
        return [_update(visible=bool(questions))] + [
            _update(value=questions[i], visible=True) if i < len(questions) else _update(visible=False)
            for i in range(MAX_EXAMPLES)]


    def respond(
        self, question: str, chat: ChatLog, pairs: History, mode: str, as_of: str | None = None,
        keep: dict[int, tuple[Any, History]] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat; the verified final text replaces the streamed one, and the Sources panel
        fills from the same event. Outputs: question box, chat, history, sources panel, send button. ``keep``
        receives {chat index: (Answer, history before it)} of the final answer (to judge it later)."""
        question = question or ""
        before = list(pairs or [])
        chat = list(chat or []) + [
            {"role": "user", "content": question_markdown(question)},
            {"role": "assistant", "content": "…"},
        ]
        try:
            day = parse_as_of(as_of)
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
                elif isinstance(item, ModelWait):  # in the model's line: the reader's place and the wait
                    chat[-1] = {"role": "assistant", "content": waiting_markdown(item)}
                    yield "", chat, pairs, WORKING, _update()
                elif isinstance(item, Answer):
                    answer = item
        except StoreError as exc:  # the Chroma server went away: say so; the next question tries again
            log.warning("store unavailable: %s", exc)
            chat[-1] = {"role": "assistant", "content": chat_markdown(f"The article store is unavailable: {exc}")}
            yield "", chat, pairs, render_sources(None), _update(interactive=True)
            return
        except Exception as exc:
            log.exception("answer failed")
            chat[-1] = {"role": "assistant", "content": chat_markdown(f"Sorry, something went wrong: {exc}")}
            yield "", chat, pairs, render_sources(None), _update(interactive=True)
            return
        if answer is None:
            chat[-1] = {"role": "assistant", "content": "No answer was produced."}
            yield "", chat, pairs, render_sources(None), _update(interactive=True)
            return
        chat[-1] = {"role": "assistant", "content": answer_markdown(answer)}
        if keep is not None:
            keep[len(chat) - 1] = (answer, before)
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
        """The actor dropdown (the STATEMENT_ACTORS most quoted) and the newest STATEMENTS_SHOWN matching statements,
        both read with bounded SQL from the local index: at 20,000 articles (276,266 statements) it opens in 0.14 s;
        reading them all through Chroma and rendering them did not finish in 15 minutes."""
        known = [a for a, _ in self.chronicle.statement_actors()]
        actor = actor if actor in known else ALL
        choices = [ALL] + known[:STATEMENT_ACTORS] + ([actor] if actor in known[STATEMENT_ACTORS:] else [])
        found, total = self.chronicle.statement_page(None if actor == ALL else actor, text or "", STATEMENTS_SHOWN)
        rows = filter_statements(statement_rows(found), actor, text)
        note = (f"The newest {len(found)} of {total} statements: pick an actor or type words to narrow them."
                if total > len(found) else "")
        return _update(choices=choices, value=actor), render_statements(rows, note)

    # --- timeline ---------------------------------------------------------------------------------------------
    #
    # Two events, chained: the story (``timeline_story``: its coverage chart, the vertical timeline, the downloads)
    # and then the flat list of every dated event (``timeline_events``). The story reads only the story's day-event
    # metadata; the flat list merges every event in scope pairwise, so it is drawn only for a small scope
    # (FLAT_MAX articles, FLAT_MAX_ACTOR with an actor filter). Opening the tab draws the whole-archive story when
    # the archive has at most OPEN_STORY_MAX articles, else a prompt, and never reads events it then does not show.

    def _timeline_request(
        self, about: str | None, n_dates: Any, date_from: str | None, date_to: str | None, as_of: str | None
    ) -> tuple[str, int, dt.date | None, dt.date | None, dt.date | None]:
        # "Since" (what is new since a day) is read by ``_since``: the other inputs keep their order and meaning
        """The Timeline tab's inputs, checked; raises ValueError with the message for the status line."""
        about = " ".join((about or "").split())
        if len(about) > MAX_STORY_CHARS:
            raise ValueError(f"the story is {len(about):,} characters long: the limit is {MAX_STORY_CHARS}")
        n = _whole_number(n_dates)
        if n is None or not 1 <= n <= MAX_DATES:
            raise ValueError(f"the number of dates must be a whole number from 1 to {MAX_DATES} "
                             f"(got {_shown(n_dates)})")
        lo, hi, day = _bounds(date_from, date_to, as_of)
        return about, n, lo, hi, day

    def timeline_story(
        self, about: str | None, n_dates: Any, date_from: str | None, date_to: str | None, as_of: str | None,
        folder: str | None = None, opening: bool = False, since: str | None = None, key: list[Any] | None = None,
    ) -> tuple[Any, ...]:
        """The story view (a story's, or an actor's when the box names one the archive knows; with ``since``, what
        is new since that day). Outputs: status, coverage chart, story, the four download buttons, the session's
        download folder. Bad input: the message in the status line, everything else as it was."""
        keep = (_update(),) * (2 + len(DOWNLOADS))  # coverage, story, the buttons
        try:
            about, n, lo, hi, day = self._timeline_request(about, n_dates, date_from, date_to, as_of)
            new_since = _since(since, about)
        except ValueError as exc:
            return (_warn(_sentence(exc)), *keep, folder)
        if opening and not about:
            count = len(self.chronicle.articles())
            if count > OPEN_STORY_MAX:
                prompt = (f"{count:,} articles: type a story and press **Show timeline** (or press it with the box "
                          "empty for the whole archive).")
                return (prompt, "", render_story(None), *_no_downloads(), folder)
        t0 = time.perf_counter()
        try:
            story = self.chronicle.story(about, n, date_from=lo, date_to=hi, as_of=day, since=new_since)
        except ValueError as exc:  # TimelineError: a request the facade refuses, said in words
            return (_warn(_sentence(exc)), *keep, folder)
        except Exception as exc:
            log.exception("story timeline failed")
            return (_warn(f"The timeline could not be made: {exc}"), *keep, folder)
        seconds = time.perf_counter() - t0
        if not story.days:
            return (_warn(story.message or "No dates to show."), render_coverage(story), render_story(story),
                    *_no_downloads(), folder)
        if key is not None:
            self._remember(key, story)
        folder = folder if folder and Path(folder).is_dir() else self._session_folder()
        files = write_downloads(story, Path(folder))
        more = f" ({n} asked: the story has no more dates with a usable sentence)" if len(story.days) < n else ""
        note = f" · {story.message}" if story.message else ""  # a story cut to its closest articles says so
        status = chat_markdown(f"{story_heading(story)}{more} · {seconds:.2f} s{note}")
        return (status, render_coverage(story), render_story(story), *_buttons(files), folder)

    def timeline_open(
        self, about: str | None, n_dates: Any, date_from: str | None, date_to: str | None, as_of: str | None,
        folder: str | None, shown: Any, since: str | None = None,
    ) -> tuple[Any, ...]:
        """Tab selected: the story as the inputs say (whole archive only up to OPEN_STORY_MAX articles), unless this
        very view is already on the page (same inputs, same archive). The last output is the new ``shown`` key."""
        key = self._view_key(about, n_dates, date_from, date_to, as_of, since or "")
        if shown == key:
            return (*(_update(),) * (4 + len(DOWNLOADS)), key)
        return (*self.timeline_story(about, n_dates, date_from, date_to, as_of, folder, opening=True, since=since,
                                     key=key), key)

    def timeline_show(
        self, about: str | None, n_dates: Any, date_from: str | None, date_to: str | None, as_of: str | None,
        folder: str | None, since: str | None = None,
    ) -> tuple[Any, ...]:
        """The Show timeline button (and Enter in the boxes): always recomputed."""
        key = self._view_key(about, n_dates, date_from, date_to, as_of, since or "")
        return (*self.timeline_story(about, n_dates, date_from, date_to, as_of, folder, since=since, key=key), key)

    def _remember(self, key: list[Any], story: StoryTimeline) -> None:
        with self._lock:
            self._stories[_key(key)] = (story, {})
            self._stories.move_to_end(_key(key))
            while len(self._stories) > STORIES_KEPT:
                self._stories.popitem(last=False)

    def timeline_headlines(self, shown: Any, folder: str | None = None) -> Iterator[tuple[Any, ...]]:
        """After the story is on the page (LLM mode): the story again each time a day's headline arrives (the
        model's, when the citation guard passes it; a refused one leaves the day its line, with the reason), so
        the timeline never waits for the model; the downloads are written again with the headlines so far (from
        the records here: no second model call), so a download at any moment has what the page shows. Outputs: the
        story, the four download buttons. Nothing to do (extractive or auto mode, no story, headlines off): the
        page is left as it is."""
        keep = (_update(),) * len(DOWNLOADS)
        entry = self._stories.get(_key(shown)) if shown else None
        if entry is None or not self.chronicle.writes_headlines:
            yield (_update(), *keep)
            return
        story, heads = entry
        days = [d for d in story.days if d.lines]
        out = _headline_folder(folder)
        if len(heads) >= len(days):  # this story's headlines are all in already (the tab reopened)
            yield (render_story(story, heads), *_download_buttons(story, heads, out))
            return
        heads.clear()  # a second event for the same story (a second tab): written again, not mixed
        yield (render_story(story, heads), *keep)  # the downloads as the story wrote them: no headline yet
        for head in self.chronicle.headlines(story):
            heads[head.date] = head
            yield (render_story(story, heads), *_download_buttons(story, heads, out))

    def _view_key(self, *inputs: Any) -> list[Any]:
        arts = self.chronicle.articles()  # cached by the retriever: the key changes when articles come or go
        return [*map(str, inputs), len(arts), max((a.ingested_at for a in arts), default=0)]

    def timeline_events(self, actor: str | None, date_from: str | None, date_to: str | None,
                        as_of: str | None = None) -> tuple[Any, ...]:
        """The flat list of every dated event, for a small scope only. Outputs: actor dropdown, chart, list,
        status."""
        try:
            lo, hi, day = _bounds(date_from, date_to, as_of)
        except ValueError:
            return _update(), _update(), _update(), ""  # the story's status line already says why
        hi = min((d for d in (hi, day) if d is not None), default=None)
        actor = (actor or "").strip() or ALL
        first, last = lo.isoformat() if lo else "", hi.isoformat() if hi else "9999"
        scope = [a for a in self.chronicle.articles() if not a.published or first <= a.published[:10] <= last]
        limit = FLAT_MAX if actor == ALL else FLAT_MAX_ACTOR
        if len(scope) > limit:
            status = (f"The list of every dated event is drawn for up to {FLAT_MAX} articles ({FLAT_MAX_ACTOR} with "
                      f"an actor); {len(scope):,} articles are in range: narrow From/To"
                      f"{'' if actor != ALL else ' or pick an actor'}.")
            return (_update(), _update(value=events_frame([]), x_lim=None), render_events_skipped(len(scope)),
                    status)
        events = self.chronicle.timeline(None if actor == ALL else actor, lo, hi)
        choices = [ALL] + event_actors(events) if actor == ALL else None
        status = chat_markdown(f"{len(events)} dated event{'s' if len(events) != 1 else ''} in {len(scope)} article"
                               f"{'s' if len(scope) != 1 else ''}" + ("" if actor == ALL else f", naming {actor}"))
        frame = events_frame(events)
        dropdown = _update(choices=choices, value=actor) if choices else _update(value=actor)
        return dropdown, _update(value=frame, x_lim=chart_x_lim(frame)), render_events(events), status

    def timeline_events_open(self, actor: str | None, date_from: str | None, date_to: str | None,
                             as_of: str | None, listed: Any) -> tuple[Any, ...]:
        """Tab selected: the flat list, unless the same list is already on the page. Last output: the new key."""
        key = self._view_key(actor, date_from, date_to, as_of)
        if listed == key:
            return (*(_update(),) * 4, key)
        return (*self.timeline_events(actor, date_from, date_to, as_of), key)

    def timeline_events_show(self, actor: str | None, date_from: str | None, date_to: str | None,
                             as_of: str | None) -> tuple[Any, ...]:
        """After Show timeline or an actor pick: the flat list, always recomputed. Last output: the new key."""
        return (*self.timeline_events(actor, date_from, date_to, as_of),
                self._view_key(actor, date_from, date_to, as_of))

    def _session_folder(self) -> str:
        """A new session's download folder, inside this process's downloads folder: a session's folder goes when the
        session ends (``drop_downloads``), and whatever is left goes when the process exits."""
        with self._lock:
            if self._downloads is None:
                self._downloads = tempfile.TemporaryDirectory(prefix="chronicle-downloads-")
            return tempfile.mkdtemp(prefix="chronicle-timeline-", dir=self._downloads.name)

    @staticmethod
    def drop_downloads(folder: str | None) -> None:
        """A session ended (its State was deleted): remove its download folder."""
        if folder and Path(folder).name.startswith("chronicle-timeline-"):
            shutil.rmtree(folder, ignore_errors=True)

    # --- articles ---------------------------------------------------------------------------------------------

    def articles(self, text: str | None = "", date_from: str | None = "", date_to: str | None = "",
                 page: Any = 1) -> tuple[Any, str, int]:
        """One page of the Articles tab: (the table, the status line, the page shown). Searches the title, source
        or URL and ID by words, and the publication date by From / To; a bad date says so in the status line."""
        try:
            lo, hi, _ = _bounds(date_from, date_to, None)
        except ValueError as exc:
            return _update(), _warn(_sentence(exc)), _page_number(page)
        got = article_page(self.chronicle.articles(), text or "", lo, hi, _page_number(page))
        return got.frame, got.status(), got.page

    def articles_step(self, text: str | None, date_from: str | None, date_to: str | None, page: Any,
                      step: int) -> tuple[Any, str, int]:
        return self.articles(text, date_from, date_to, _page_number(page) + step)

    def ingest_upload(self, path: str | None, progress: Any = None, *shown: Any) -> tuple[Any, ...]:
        """Ingest an uploaded file; ``progress`` (a gr.Progress) shows articles stored of the file's total;
        ``shown``: the Articles tab's search, From, To and page, kept."""
        if not path:
            return _update(), _update(), _update(), "Choose a file to ingest.", _update()

        def stored(done: int, total: int) -> None:
            if progress is not None and total:
                progress((done, total), desc="Ingesting", unit="articles")

        report = self.chronicle.ingest([Path(path)], on_progress=stored)
        self._rewarm()
        return (*self.articles(*shown), report.summary(), self.header())

    def remove(self, ref: str, *shown: Any) -> tuple[Any, ...]:
        """Remove an article by ID, URL or path; ``shown``: the Articles tab's search, From, To and page, kept."""
        if not (ref or "").strip():
            return (_update(), _update(), _update(),
                    "Type an article ID (or a URL) to remove, or click a row of the table.", _update())
        report = self.chronicle.remove([ref.strip()])
        self._rewarm()
        return (*self.articles(*shown), report.summary(), self.header())

    def _rewarm(self) -> None:
        """A small archive is the model's cached prompt prefix (app.answer.library): after it changed, evaluate the
        new one now, in the background, rather than in the next question's first-token time (~20 s for 7,000
        characters on 2 cores)."""
        if self.settings.answer_mode != "extractive":
            threading.Thread(target=self.prewarm, daemon=True, name="chronicle-rewarm").start()

    @staticmethod
    def picked_article(row: list[Any] | None) -> str:
        """The article ID of a clicked table row (its first column)."""
        return str(row[0]) if row else ""


# --- timeline helpers ---------------------------------------------------------------------------------------------


STORIES_KEPT = 32  # stories remembered for their headlines event (a story's record is a few tens of kB)


def _key(key: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in key)


MAX_DATES = 100  # the tab's bound (the facade allows more; a page of 100 dates is already long)
MAX_STORY_CHARS = 300
OPEN_STORY_MAX = 300  # opening the tab draws the whole-archive story up to this many articles (278: 0.57 s p50)
FLAT_MAX = 50  # articles in range for the flat list of every event (58 articles: 3.2 s)
FLAT_MAX_ACTOR = 300  # ... with an actor filter (278 articles, one actor: 1.6 s)
DOWNLOADS = (("json", "JSON"), ("csv", "CSV"), ("md", "Markdown"), ("timelinejs", "TimelineJS3 JSON"))
SUFFIXES = {"json": ".json", "csv": ".csv", "md": ".md", "timelinejs": ".timelinejs.json"}


def write_downloads(story: StoryTimeline, folder: Path,
                    headlines: dict[dt.date, DayHeadline] | None = None) -> dict[str, Path]:
    """The story in each download format (with the days' headlines so far, LLM mode), written into the session's
    folder (earlier files there replaced), named after the story: timeline-haiti-earthquake.json, .csv, .md,
    .timelinejs.json."""
    for old in folder.glob("timeline-*"):
        old.unlink(missing_ok=True)
    stem = download_stem(story.about)
    out = {}
    for fmt, _ in DOWNLOADS:
        assert fmt in EXPORT_FORMATS
        path = folder / f"{stem}{SUFFIXES[fmt]}"
        path.write_text(export_story(story, fmt, headlines), encoding="utf-8")
        out[fmt] = path
    return out


HEADLINES_PREFIX = "chronicle-headlines-"


def _headline_folder(folder: str | None) -> Path | None:
    """A fresh folder, inside the session's download folder, for one headlines event's files; the session's earlier
    ones are removed. Its own folder, not the session's: a headlines event cancelled by a new request may still
    finish writing its current day (its thread is not stopped), and must not overwrite the new story's files before
    Gradio has copied them into its cache (Gradio serves its copy, named by content hash, so a file rewritten later
    never changes a download already on the page). None: no session folder (no downloads to update)."""
    if not folder or not Path(folder).is_dir():
        return None
    for old in Path(folder).glob(f"{HEADLINES_PREFIX}*"):
        shutil.rmtree(old, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=HEADLINES_PREFIX, dir=folder))
    except OSError:
        log.exception("no folder for the headlines' downloads")
        return None


def _download_buttons(story: StoryTimeline, heads: dict[dt.date, DayHeadline], folder: Path | None) -> list[Any]:
    """The four buttons on the story's files with its headlines so far; a write that fails (the session ended, the
    disk is full) leaves the buttons as they were: a download without headlines, never a lost timeline."""
    if folder is None:
        return [_update() for _ in DOWNLOADS]
    try:
        files = write_downloads(story, folder, heads)
    except OSError:
        log.exception("the downloads could not be written with the headlines")
        return [_update() for _ in DOWNLOADS]
    return _buttons(files)


def _buttons(files: dict[str, Path]) -> list[Any]:
    """The download buttons on these files."""
    return [_update(value=str(files[fmt]), interactive=True) for fmt, _ in DOWNLOADS]


def _no_downloads() -> list[Any]:
    return [_update(value=None, interactive=False) for _ in DOWNLOADS]


def _bounds(date_from: str | None, date_to: str | None, as_of: str | None
            ) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """From, To and As of parsed; ValueError with a message naming the box for a bad or inverted one."""
    parsed = []
    for label, parse, text in (("From", parse_date_bound, date_from), ("To", _upper_bound, date_to),
                               ("As of", parse_as_of, as_of)):
        try:
            parsed.append(parse(text))
        except ValueError as exc:
            raise ValueError(f"“{label}”: {exc}") from None
    lo, hi, day = parsed
    if lo and hi and lo > hi:
        raise ValueError(f"the range is inverted: “From” ({lo.isoformat()}) is after “To” ({hi.isoformat()})")
    if lo and day and lo > day:
        raise ValueError(f"“From” ({lo.isoformat()}) is after “As of” ({day.isoformat()}): nothing was published "
                         "in that range yet")
    return lo, hi, day


def _since(text: str | None, about: str) -> dt.date | None:
    """The Since box: a day (YYYY-MM-DD), only with a story or actor named."""
    try:
        day = parse_as_of(text)
    except ValueError as exc:
        raise ValueError(f"“Since”: {exc}") from None
    if day is not None and not about:
        raise ValueError("“Since” needs a story or an actor in the box: what is new about what?")
    return day


def _page_number(value: Any) -> int:
    """The page box's value as a page number (empty or not a number: the first page)."""
    try:
        return max(1, int(float(value)))
    except (TypeError, ValueError):
        return 1


def _upper_bound(text: str | None) -> dt.date | None:
    return parse_date_bound(text, upper=True)


def _whole_number(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")) or number != int(number):
        return None
    return int(number)


def _shown(value: Any) -> str:
    return "nothing" if value is None or value == "" else str(value)[:40]


def _warn(text: str) -> str:
    """A status line saying what is wrong, as Markdown showing the text literally (it may quote the user's input)."""
    return f"⚠ {chat_markdown(text)}"


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# --- judging in the chat, and the Test set tab ----------------------------------------------------------

VERDICTS = [("Right", "right"), ("Wrong", "wrong"), ("Wrong: the articles do not say this", "decline")]
RUN_MODES = [("Extractive", "extractive"), ("LLM", "llm")]
MUST_SAY_HINT = "one fact per line; alternative phrasings separated by |"
# chat message index -> (the Answer shown there, the conversation before it)
Judgeable = dict[int, tuple[Answer, list[tuple[str, str]]]]


class TestSetViews:
    """The fact-checker's loop, over the page's Views (and so its one Chronicle): judge an answer in the chat (the
    chatbot's thumbs: Right / Wrong, plus "what the answer must say"), and the Test set tab that lists the saved
    cases and runs them. A class of its own so that the chat and the other tabs do not change with it.

    - Judging: a thumbs-up saves the answer as a Right case at once (its key facts and cited sentences are what a
      later answer must keep); a thumbs-down opens the panel, which needs what the answer must say or "the articles
      do not say this" before Save. Saving the same question again updates its case (Chronicle.save_case).
    - Running: the same functions as ``python -m app.eval`` (app.eval.runner / report / history), so a run started here
      writes the same ``<runs_dir>/<timestamp>/results-<mode>.json`` + ``report-<mode>.html`` as one started in CI, and
      each run is compared with the previous run of the set in that mode, whoever started it. Cases that used to pass
      and now fail come first; stale cases (their articles removed) are shown apart, never as failures.
    - The report opens in the tab in a sandboxed ``<iframe srcdoc>`` (app.ui.render.report_iframe): Gradio serves
      .html files only as downloads (XSS protection), and the report is self-contained (inline CSS and SVG, no
      script). It is also offered as a file.

    Rejected: a separate "judge" column of buttons under each message (Gradio's own like/dislike already sits on
    every answer and reports which one, gr.LikeData.index); a subprocess running ``python -m app.eval`` for the tab
    (same results, but a second copy of the embedding model, store and — in LLM mode — model process on a 2-core
    machine).
    """

    __test__ = False

    def __init__(self, views: Views) -> None:
        self.views = views
        self.settings = views.settings

    @property
    def path(self) -> Path:
        return Path(self.settings.testset)

    # chat ---------------------------------------------------------------------------------------------------

    def respond(
        self, question: str, chat: list[dict[str, Any]], pairs: list[tuple[str, str]], mode: str,
        as_of: str | None, answers: Judgeable | None,
    ) -> Any:
        """The chat's respond, remembering which Answer each assistant message shows (for judging it later)."""
        answers = dict(answers or {})
        for out in self.views.respond(question, chat, pairs, mode, as_of, keep=answers):
            yield (*out, answers)

    def judge(self, answers: Judgeable | None, index: Any, liked: Any, saved_by: str, username: str | None
              ) -> tuple[Any, ...]:
        """A thumb on message ``index``: 👍 saves it as Right at once; 👎 opens the panel for what it must say.
        Outputs: panel, heading, verdict, must-say box, status, picked index."""
        if isinstance(index, (list, tuple)):
            index = index[0]
        entry = (answers or {}).get(int(index)) if index is not None else None
        if entry is None:
            return (_update(visible=True), "", _update(), _update(),
                    "This message is not an answer that can be judged (only answers of this conversation can).",
                    None)
        answer, history = entry
        head = f"**Judging the answer to:** {html.escape(answer.question)}"
        if liked is True:
            status = self._save(answer, history, "right", "", saved_by or username or "")
            return _update(visible=True), head, "right", "", status, int(index)
        if liked is False:
            return (_update(visible=True), head, "wrong", "",
                    "Say what the answer must say (or choose “the articles do not say this”), then **Save**.",
                    int(index))
        return _update(visible=True), head, _update(), _update(), "Not judged.", int(index)

    def save(self, answers: Judgeable | None, picked: int | None, verdict: str | None, must_say: str,
             saved_by: str, username: str | None) -> str:
        entry = (answers or {}).get(int(picked)) if picked is not None else None
        if entry is None:
            return "Judge an answer first: 👍 or 👎 under it in the chat."
        if not verdict:
            return "Choose Right or Wrong first."
        answer, history = entry
        return self._save(answer, history, verdict, must_say or "", saved_by or username or "")

    def _save(self, answer: Answer, history: list[tuple[str, str]], verdict: str, must_say: str, who: str) -> str:
        decline = verdict == "decline"
        try:
            saved = self.views.chronicle.save_case(
                answer, "wrong" if decline else verdict, must_say=must_say, should_abstain=decline,
                saved_by=who, history=history,
            )
        except ValueError as exc:
            return f"Not saved: {html.escape(str(exc))}."
        except CaseFileError as exc:
            return f"⚠ Not saved: {html.escape(str(exc))}"
        message = saved_markdown(saved.case, saved.created, saved.path)
        if saved.problems:
            lines = ", ".join(str(p.line) for p in saved.problems)
            message += f"\n\n⚠ Line(s) {lines} of the file are not test cases; they were kept as they are."
        return message

    # Test set tab -------------------------------------------------------------------------------------------

    def _visible(self) -> set[str] | None:
        try:
            return {a.article_id for a in self.views.chronicle.articles()}
        except Exception:
            log.exception("article list failed")
            return None

    def cases(self) -> tuple[str, str]:
        """Outputs: the heading line, the list of cases."""
        try:
            cases, problems = read_testset(self.path)
        except CaseFileError as exc:
            return f"⚠ {exc}", ""
        visible = self._visible()
        stale = sum(1 for c in cases if visible is not None and any(a not in visible for a in c.depends_on))
        info = (f"**{len(cases)} saved case{'s' if len(cases) != 1 else ''}** in `{self.path}`"
                + (f" · {stale} stale (their articles were removed)" if stale else "")
                + (f" · ⚠ {len(problems)} bad line(s) skipped" if problems else ""))
        return info, render_cases(cases, problems, self.path, visible)

    def run(self, modes: list[str] | None, progress: Any = None) -> tuple[Any, ...]:
        """Run every saved case in each chosen mode, as ``python -m app.eval --set <testset>`` does. Outputs:
        results, report (in the tab), report files, heading, case list."""
        modes = [m for m in (modes or []) if m in dict(RUN_MODES).values()]
        if not modes:
            return "<p class='chr-none'>Choose at least one answer mode.</p>", "", None, *self.cases()
        cases, problems = read_testset(self.path)
        if not cases:
            return "<p class='chr-none'>No saved cases to run.</p>", "", None, *self.cases()
        chron = self.views.chronicle
        total, done = len(cases) * len(modes), 0

        def tick(result: QuestionResult) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress((done, total), desc=f"{result.mode}: case {done} of {total}", unit="cases")

        if progress is not None:
            progress((0, total), desc="starting", unit="cases")
        out = new_run_dir(Path(self.settings.runs_dir))
        parts, frames, files = [render_problems(problems, self.path)], [], []
        for mode in modes:
            run = run_testset(
                chron, cases, mode, settings=self.settings, k=self.settings.k, embed=chron.embed,
                embedding_model=chron.embedding_model, testset=str(self.path), progress=False, on_result=tick,
            )
            previous = find_previous(out.parent, self.path, run.meta.mode, exclude=out / f"results-{mode}.json")
            json_path, html_path = write_run(run, out, previous, compare=True)
            rows = compare_runs(run, previous)
            parts.append(render_run_summary(mode, run, previous, rows) + render_rows(rows))
            frames.append(f"<p class='chr-meta'>{esc(html_path)}</p>"
                          + report_iframe(html_path.read_text(encoding="utf-8"), f"report {mode}"))
            files += [html_path, json_path]
        parts.append(f"<p class='chr-meta'>Results and reports: <code>{esc(out)}</code> "
                     f"(the same files as <code>python -m app.eval --set {esc(self.path)}</code>).</p>")
        return "".join(parts), "".join(frames), _downloadable(files), *self.cases()


def _downloadable(files: list[Path]) -> list[str]:
    """Copies in the temp folder, which Gradio serves (a runs_dir outside the working directory is not)."""
    folder = Path(tempfile.mkdtemp(prefix="chronicle-run-"))
    copies = []
    for f in files:
        target = folder / f.name
        shutil.copyfile(f, target)
        copies.append(str(target))
    return copies
