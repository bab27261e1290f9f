"""The fact-checker's loop in the web UI: judge an answer in the chat (the chatbot's thumbs: Right / Wrong, plus
"what the answer must say"), and the Test set tab that lists the saved cases and runs them.

Handlers and HTML for both live here, apart from app.ui.views and app.ui.render, so the chat and the other tabs do
not change with it; app.ui.app only wires the components.

- Judging: a thumbs-up saves the answer as a Right case at once (its key facts and cited sentences are what a later
  answer must keep); a thumbs-down opens the panel, which needs what the answer must say or "the articles do not say
  this" before Save. Saving the same question again updates its case (Chronicle.save_case).
- Running: the same functions as ``python -m app.eval`` (app.eval.runner / report / history), so a run started here
  writes the same ``<runs_dir>/<timestamp>/results-<mode>.json`` + ``report-<mode>.html`` as one started in CI, and
  each run is compared with the previous run of the set in that mode, whoever started it. Cases that used to pass
  and now fail come first; stale cases (their articles removed) are shown apart, never as failures.
- The report opens in the tab in a sandboxed ``<iframe srcdoc>``: Gradio serves .html files only as downloads
  (XSS protection), and the report is self-contained (inline CSS and SVG, no script). It is also offered as a file.

Rejected: a separate "judge" column of buttons under each message (Gradio's own like/dislike already sits on every
answer and reports which one, gr.LikeData.index); a subprocess running ``python -m app.eval`` for the tab (same
results, but a second copy of the embedding model, store and — in LLM mode — model process on a 2-core machine).
"""

from __future__ import annotations

import html
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import Answer, CaseFileError, CaseFileProblem
from app.eval.history import CaseRow, compare_runs, counts, find_previous, new_run_dir
from app.eval.report import write_run
from app.eval.runner import QuestionResult, RunResult, run_testset
from app.eval.testset import TestCase, read_testset
from app.ui.render import esc

if TYPE_CHECKING:
    from app.ui.views import Views

log = logging.getLogger(__name__)

VERDICTS = [("Right", "right"), ("Wrong", "wrong"), ("Wrong: the articles do not say this", "decline")]
RUN_MODES = [("Extractive", "extractive"), ("LLM", "llm")]
MUST_SAY_HINT = "one fact per line; alternative phrasings separated by |"
# chat message index -> (the Answer shown there, the conversation before it)
Judgeable = dict[int, tuple[Answer, list[tuple[str, str]]]]


def _update(**kwargs: Any) -> Any:
    import gradio as gr

    return gr.update(**kwargs)


# --- pure rendering ------------------------------------------------------------------------------------------


def facts_text(facts: Sequence[Sequence[str]], missing: Sequence[Sequence[str]] = ()) -> str:
    """Required facts as HTML: "a | b; c", a missing one marked."""
    if not facts:
        return "<i>nothing required</i>"
    parts = []
    for group in facts:
        cls = "chr-ts-missing" if list(group) in [list(m) for m in missing] else "chr-ts-found"
        parts.append(f'<span class="{cls}">{esc(" | ".join(group))}</span>')
    return "; ".join(parts)


def expects_html(answerable: bool, facts: Sequence[Sequence[str]], missing: Sequence[Sequence[str]] = ()) -> str:
    if not answerable:
        return "<b>declines</b> (the articles do not say this)"
    return "must say: " + facts_text(facts, missing)


def saved_markdown(case: dict[str, Any], created: bool, path: str) -> str:
    expects = ("decline (the articles do not say this)" if not case["answerable"]
               else "; ".join(" | ".join(g) for g in case["required_facts"]) or "cited, with no specific fact")
    verb = "Saved" if created else "Updated"
    return (f"✓ {verb} test case `{case['id']}` in `{path}` — it expects: {html.escape(expects)}. "
            "Type what the answer must say and press Save to refine it.")


def render_problems(problems: Sequence[CaseFileProblem], path: str | Path) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>line {p.line}: {esc(p.reason)} <code>{esc(p.text[:120])}</code></li>" for p in problems)
    return (f'<div class="chr-note chr-ts-problems"><b>{len(problems)} line(s) of {esc(path)} are not test cases</b> '
            f"(skipped; left in the file as they are — fix them by hand):<ul>{items}</ul></div>")


def render_cases(cases: Sequence[TestCase], problems: Sequence[CaseFileProblem], path: str | Path,
                 visible: set[str] | None) -> str:
    """The saved cases: question, what is expected, the verdict, who saved it when; stale ones marked."""
    parts = [render_problems(problems, path)]
    if not cases:
        parts.append('<p class="chr-none">No saved cases yet: judge an answer in the Chat tab with 👍 (right) or '
                     "👎 (wrong) to add one.</p>")
        return "".join(parts)
    parts.append('<table class="chr-ts-table"><thead><tr><th>case</th><th>question</th><th>expects</th>'
                 "<th>judged</th><th>saved</th></tr></thead><tbody>")
    for c in cases:
        missing = [a for a in c.depends_on if visible is not None and a not in visible]
        stale = (f'<div class="chr-ts-badge chr-ts-stale" title="articles removed: {esc(", ".join(missing))}">'
                 "stale</div>") if missing else ""
        asked = esc(c.question)
        if c.standalone_question and c.standalone_question != c.question:
            asked += f'<div class="chr-meta">as: {esc(c.standalone_question)}</div>'
        if c.as_of:
            asked += f'<div class="chr-meta">as of {esc(c.as_of)}</div>'
        parts.append(
            f'<tr class="chr-ts-case" data-case="{esc(c.id)}"><td><code>{esc(c.id)}</code>{stale}</td><td>{asked}</td>'
            f"<td>{expects_html(c.answerable, c.required_facts)}</td>"
            f"<td>{esc(c.verdict or '-')}{' · ' + esc(c.mode) if c.mode else ''}</td>"
            f"<td>{esc(c.saved_by or '-')}<div class='chr-meta'>{esc((c.saved_at or '')[:16].replace('T', ' '))}"
            "</div></td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def _short(text: str, limit: int = 500) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _why(r: QuestionResult) -> str:
    if r.stale:
        return "its article(s) were removed: " + ", ".join(r.stale)
    notes = list(r.failures)
    if r.changed_by:
        notes.append("the answer changed: it now cites article(s) ingested after it was judged: "
                     + ", ".join(r.changed_by))
    return "; ".join(notes)


def render_rows(rows: Sequence[CaseRow]) -> str:
    """Each case: status and what changed since the previous run, the answer now beside what was expected."""
    out = ['<table class="chr-ts-table chr-ts-results"><thead><tr><th>result</th><th>question</th>'
           "<th>answer now</th><th>expected</th></tr></thead><tbody>"]
    for row in rows:
        r = row.result
        badge = f'<div class="chr-ts-badge chr-ts-{row.status}">{esc(row.status)}</div>'
        if row.change and row.change != row.status:
            badge += f'<div class="chr-ts-change">{esc(row.change)}</div>'
        if row.previous:
            badge += f'<div class="chr-meta">before: {esc(row.previous)}</div>'
        answer = "<i>not asked</i>" if r.stale else esc(_short(r.answer)) or "<i>(empty)</i>"
        expected = expects_html(r.answerable, r.required_facts, r.missing_facts)
        if r.judged_answer:
            expected += (f'<div class="chr-meta">judged {esc(r.verdict or "")}: '
                         f"“{esc(_short(r.judged_answer, 240))}”</div>")
        why = _why(r)
        out.append(
            f'<tr class="chr-ts-row chr-ts-row-{esc(row.status)}" data-case="{esc(r.id)}"><td>{badge}</td>'
            f"<td>{esc(r.question)}</td><td>{answer}"
            f"{f'<div class=chr-ts-why>{esc(why)}</div>' if why else ''}</td><td>{expected}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def render_run_summary(mode: str, run: RunResult, previous: RunResult | None, rows: Sequence[CaseRow]) -> str:
    tally = counts(list(rows))
    since = (f"compared with the run of {esc(previous.meta.timestamp)}" if previous
             else "no earlier run of this set in this mode")
    return (
        f'<h3 class="chr-ts-mode">{esc(mode)}: <span class="chr-ts-pass">{tally["pass"]} pass</span> · '
        f'<span class="chr-ts-fail">{tally["fail"]} fail</span> ({tally["newly failing"]} newly failing) · '
        f'{tally["stale"]} stale · {tally["changed"]} changed by a new article '
        f'<span class="chr-meta">— {since}; {run.meta.duration_s:.1f} s</span></h3>'
    )


def report_iframe(report_html: str, title: str) -> str:
    """The self-contained report shown in the tab, sandboxed (no script, no same-origin access)."""
    return (f'<iframe class="chr-ts-report" title="{esc(title)}" sandbox="" srcdoc="{html.escape(report_html)}">'
            "</iframe>")


# --- handlers ------------------------------------------------------------------------------------------------


class TestSetViews:
    """Judging in the chat and the Test set tab, over the page's Views (and so its one Chronicle)."""

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

    def judge(self, answers: Judgeable | None, index: Any, liked: Any, saved_by: str, username: str | None) -> tuple:
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
