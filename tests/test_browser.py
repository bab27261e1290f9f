"""The real web UI in a real headless Chromium: `python -m app serve` as a subprocess, driven with Playwright.

Chromium comes from Debian (scripts/install-system-deps.sh); Playwright's own browser download is never used.
Screenshots go to /tmp/chronicle-ui-*.png for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.config import PROJECT_ROOT
from tests.helpers_net import Served, chronicle_env, run_cli, served

SEED = PROJECT_ROOT / "data" / "articles" / "nagorno-karabakh-2023-09-19.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# An article whose text tries to inject markup: it must show as text and never run.
HOSTILE = """on Monday 18 September, 2023

Harbour <b>report</b> <script>window.__pwned = 1</script>

The harbour authority said <img src=x onerror="window.__pwned=2"> shipping resumed on Monday after the storm.

Dock workers said the <script>window.__pwned = 3</script> cranes were undamaged.
"""

pytestmark = [
    pytest.mark.browser,
    # Skipped on a developer machine without chromium; under CI (CI=true, `make test` installs it) a missing
    # browser fails the run instead of silently skipping the page tests.
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="no chromium binary: run scripts/install-system-deps.sh",
    ),
]


def _ingest(store: Path, paths: list[Path]) -> None:
    done = run_cli(["-m", "app", "ingest", "--quiet", *map(str, paths)], chronicle_env(store))
    assert done.returncode == 0, done.stderr


def _serve(store: Path, mode: str, log: Path) -> Iterator[Served]:
    """The app with prewarm, as `make run` starts it; prints how long until it answers HTTP."""
    with served(chronicle_env(store, mode=mode), log, prewarm=True) as running:
        print(f"\nserver answering HTTP {time.perf_counter() - running.started:.1f} s after process start")
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def extractive_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen, float]]:
    tmp = tmp_path_factory.mktemp("browser")
    hostile = tmp / "harbour.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    _ingest(tmp / "store", [SEED, hostile])
    yield from _serve(tmp / "store", "extractive", tmp / "serve.log")


def _open(browser, url: str, started: float | None = None):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(url)
    box = page.locator("#chr-question textarea, #chr-question input").first
    box.wait_for(state="visible", timeout=60_000)
    if started is not None:
        print(f"page rendered, question box usable: {time.perf_counter() - started:.1f} s after process start")
    page.locator("#chr-header", has_text="available").wait_for(timeout=60_000)
    if started is not None:
        print(f"archive loaded (header shows the article count): {time.perf_counter() - started:.1f} s")
    return page, box, outside


def _ask_with_keyboard(page, box, question: str, timeout_ms: int = 60_000) -> tuple[str, str]:
    """Type a question, press Enter, wait for the final answer (the sources panel is filled last)."""
    answers_before = page.locator("#chr-chat [data-testid='bot']").count()
    box.focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.locator("#chr-chat [data-testid='bot']").nth(answers_before).wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('#chr-sources').innerText.includes('Looking for sources')",
        timeout=timeout_ms,
    )
    page.locator("#chr-sources .chr-sources").first.wait_for(timeout=timeout_ms)
    expect(page.locator("#chr-send")).to_be_enabled(timeout=10_000)  # re-enabled by the final update
    answer = page.locator("#chr-chat [data-testid='bot']").nth(answers_before).inner_text()
    return answer, page.locator("#chr-sources").inner_html()


def test_chat_timeline_and_statements_in_a_real_browser(browser, extractive_app) -> None:
    url, _, started = extractive_app
    page, box, outside = _open(browser, url, started)
    # Keyboard-only: the question box has focus on load; Enter sends.
    assert page.evaluate("document.activeElement && document.activeElement.closest('#chr-question') !== null")
    assert "2 articles available" in page.locator("#chr-header").inner_text()

    answer, sources = _ask_with_keyboard(page, box, "What did Russia say?")
    assert "stop fighting" in answer
    assert "[1]" in answer
    assert "<mark>" in sources and "stop fighting" in sources
    assert "US criticizes Azerbaijan after fresh attack on Nagorno-Karabakh" in sources
    assert "2023-09-19" in sources
    assert page.locator("#chr-sources mark").first.is_visible()
    assert box.input_value() == ""  # cleared for the next question
    page.screenshot(path="/tmp/chronicle-ui-chat.png", full_page=True)

    # A follow-up uses the conversation: "And Turkey?" means "What did Turkey say?"
    answer2, sources2 = _ask_with_keyboard(page, box, "And Turkey?")
    assert "Turkey said it supported" in answer2, answer2
    assert "<mark>Turkey said it supported" in sources2

    page.get_by_role("tab", name="Timeline").click()
    page.locator("#chr-events time[datetime='2023-09-19']").first.wait_for(timeout=30_000)
    chart = page.locator("#chr-chart")
    points = chart.locator("[aria-roledescription='point']")
    points.first.wait_for(timeout=30_000)
    assert chart.locator("[aria-label*='Sep 19, 2023'][aria-label*='Actor: Russia']").count() >= 1
    plot = chart.locator("[aria-roledescription='scatter plot'], svg").first.bounding_box()
    for i in range(points.count()):  # every point is drawn inside the chart, none clipped or flung off-axis
        box = points.nth(i).bounding_box()
        assert box and plot["x"] <= box["x"] <= plot["x"] + plot["width"], (i, box, plot)
        assert plot["y"] <= box["y"] <= plot["y"] + plot["height"], (i, box, plot)
    assert page.locator("#chr-events time[datetime='2023-09-19']").count() >= 1
    assert "dated event" in page.locator("#chr-ev-status").inner_text()
    page.screenshot(path="/tmp/chronicle-ui-timeline.png", full_page=True)

    # Date range filter: only 2020 events remain.
    page.locator("#chr-ev-from textarea, #chr-ev-from input").first.fill("2020")
    page.locator("#chr-ev-to textarea, #chr-ev-to input").first.fill("2020")
    page.locator("#chr-tl-show").click()  # Show timeline: the story for the range, then its dated events
    page.wait_for_function(
        "() => document.querySelectorAll('#chr-events time[datetime^=\"2023\"]').length === 0", timeout=30_000
    )
    assert page.locator("#chr-events time[datetime^='2020']").count() >= 1

    page.get_by_role("tab", name="Who said what").click()
    russia = page.locator("#chr-statements section.chr-actor", has=page.locator("h3", has_text="Russia"))
    russia.first.wait_for(timeout=30_000)
    assert "stop fighting" in russia.first.inner_text()
    assert "Dmitry Peskov" in russia.first.inner_text()
    page.screenshot(path="/tmp/chronicle-ui-statements.png", full_page=True)

    assert outside == [], f"the page fetched something off this machine: {outside}"
    page.close()


def test_the_example_questions_are_the_archive_s_and_ask_when_clicked(browser, extractive_app) -> None:
    """The examples name who this archive quotes most (app.ui.examples), not the questions of one bundled article;
    a click asks the question it shows."""
    url, _, _ = extractive_app
    page, box, _ = _open(browser, url)
    first = page.locator("#chr-example-0")
    first.wait_for(state="visible", timeout=30_000)
    shown = [b.inner_text().strip() for b in page.locator("[id^='chr-example-']").all() if b.is_visible()]
    assert shown and shown[0].startswith("What did ") and shown[0].endswith(" say?"), shown
    assert "And Turkey?" not in shown and len(shown) <= 5, shown
    answers_before = page.locator("#chr-chat [data-testid='bot']").count()
    first.click()
    page.locator("#chr-chat [data-testid='bot']").nth(answers_before).wait_for(timeout=60_000)
    expect(page.locator("#chr-send")).to_be_enabled(timeout=30_000)
    assert shown[0] in page.locator("#chr-chat [data-testid='user']").last.inner_text()
    answer = page.locator("#chr-chat [data-testid='bot']").nth(answers_before).inner_text()
    assert "[1]" in answer and "don't say" not in answer, answer
    page.close()


def test_a_short_question_is_answered_first_in_bold_with_its_sentence_under_it(browser, extractive_app) -> None:
    """Issue 26: "How many people were killed?" shows the answer's words first, in bold, with the sentence that proves
    them under them; the Sources panel marks the sentence and, inside it, the words."""
    url, _, _ = extractive_app
    page, box, _ = _open(browser, url)
    answer, sources = _ask_with_keyboard(page, box, "How many people were killed?")
    bubble = page.locator("#chr-chat [data-testid='bot']").last
    assert bubble.locator("strong", has_text="25 people").count() == 1, bubble.inner_html()
    first, _, rest = answer.strip().partition("\n")
    assert first.startswith("25 people [") and "25 people had been killed" in rest, answer
    assert '<b class="chr-answer">25 people</b>' in sources, sources
    page.close()


def test_untrusted_article_markup_is_shown_as_text_and_never_runs(browser, extractive_app) -> None:
    url, _, _ = extractive_app
    page, box, _ = _open(browser, url)
    answer, sources = _ask_with_keyboard(page, box, "What did the harbour authority say about shipping?")
    assert "shipping resumed" in answer
    assert "<img src=x" in answer  # the chat shows the markup as text
    assert "&lt;img" in sources and "<img" not in sources
    page.get_by_role("tab", name="Who said what").click()
    page.locator("#chr-statements .chr-statement").first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Articles").click()
    page.locator("#chr-articles", has_text="Harbour").first.wait_for(timeout=30_000)
    assert "<script>" in page.locator("#chr-articles").inner_text()  # the title shows its markup as text
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#chr-events time").first.wait_for(timeout=30_000)
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path="/tmp/chronicle-ui-hostile.png", full_page=True)
    page.close()


def test_refusals_keyboard_focus_and_upload(browser, extractive_app, tmp_path: Path) -> None:
    url, _, _ = extractive_app
    page, box, _ = _open(browser, url)
    answer, sources = _ask_with_keyboard(page, box, "")
    assert "Please type a question" in answer and "not answered" in sources
    answer, _ = _ask_with_keyboard(page, box, "why " * 700)
    assert "the limit is 2,000" in answer
    # Tab moves from the question box to the Send button, which shows a visible focus ring.
    box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "chr-send"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    article = tmp_path / "ceasefire.txt"
    article.write_text(
        "on Wednesday 20 September, 2023\n\nCeasefire agreed in Karabakh\n\n"
        "Separatist authorities said on Wednesday they had agreed to a ceasefire proposed by Russian peacekeepers.\n",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="Articles").click()
    page.locator("#chr-upload input[type=file]").set_input_files(str(article))
    report = page.get_by_label("Ingest report")
    expect(report).to_have_value(re.compile(r"1 article\(s\) added"), timeout=60_000)
    page.locator("#chr-articles", has_text="Ceasefire agreed in Karabakh").first.wait_for(timeout=30_000)
    expect(page.locator("#chr-articles-status")).to_contain_text("page 1 of 1", timeout=30_000)

    # The tab searches (one page of the archive at a time): a word of the title keeps only that article.
    search = page.locator("#chr-articles-search textarea, #chr-articles-search input").first
    search.fill("ceasefire")
    search.press("Enter")
    expect(page.locator("#chr-articles-status")).to_contain_text("1 matching of", timeout=30_000)
    expect(page.locator("#chr-articles")).not_to_contain_text("US criticizes Azerbaijan", timeout=30_000)
    search.fill("")
    search.press("Enter")
    expect(page.locator("#chr-articles")).to_contain_text("US criticizes Azerbaijan", timeout=30_000)

    # Remove it again: a click on its row fills the Remove box with its ID, the button removes it.
    page.locator("#chr-articles [role=gridcell]", has_text="Ceasefire agreed in Karabakh").first.click()
    ref = page.locator("#chr-remove-ref textarea, #chr-remove-ref input").first
    expect(ref).to_have_value(re.compile(r"^[0-9a-f]{16}$"), timeout=10_000)
    page.locator("#chr-remove").click()
    expect(report).to_have_value(re.compile(r"1 article\(s\) removed"), timeout=60_000)
    expect(page.locator("#chr-articles")).not_to_contain_text("Ceasefire agreed in Karabakh", timeout=30_000)
    expect(page.locator("#chr-articles")).to_contain_text("US criticizes Azerbaijan")
    page.close()


@pytest.mark.llm
def test_llm_answer_with_citation_in_a_real_browser(browser, tmp_path: Path) -> None:
    _ingest(tmp_path / "store", [SEED])
    for url, _, started in _serve(tmp_path / "store", "llm", tmp_path / "serve.log"):
        page, box, _ = _open(browser, url, started)
        answer, sources = _ask_with_keyboard(page, box, "What did Russia say?", timeout_ms=120_000)
        assert _cited(answer, sources), (answer, sources)
        assert "<mark>" in sources and "model:" in sources
        page.screenshot(path="/tmp/chronicle-ui-llm.png", full_page=True)
        page.close()


def _cited(answer: str, sources_html: str) -> bool:
    """The answer has citation markers, and each is listed in the Sources panel. Over the bundled article the
    markers are the article's own sentence numbers ([34]; app.answer.library), not 1..n."""
    markers = set(re.findall(r"\[(\d+)\]", answer))
    return bool(markers) and all(f'id="chr-cite-{n}"' in sources_html for n in markers)


def _model_process(server: subprocess.Popen, timeout: float = 180):
    """The supervised model process (app.answer.llm.server) under the web server, once prewarm has started it."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(server.pid).children(recursive=True):
            try:
                if "app.answer.llm.server" in " ".join(child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.5)
    raise AssertionError("no model process started under the web server")


@pytest.mark.llm
@pytest.mark.timeout(900)
def test_killing_the_model_mid_answer_keeps_the_page_connected(browser, tmp_path: Path) -> None:
    """SIGKILL to the model process while an answer streams: the page stays connected, that answer falls back to
    the extractive one with a note, and the next question gets a normal LLM answer from a fresh model process."""
    import signal

    _ingest(tmp_path / "store", [SEED])
    for url, server, started in _serve(tmp_path / "store", "llm", tmp_path / "serve.log"):
        page, box, _ = _open(browser, url, started)
        model = _model_process(server)
        bots = page.locator("#chr-chat [data-testid='bot']")
        box.focus()
        page.keyboard.type("What did Russia say?")
        page.keyboard.press("Enter")
        bots.nth(0).wait_for(timeout=60_000)
        page.wait_for_function(  # streamed model text is on the page: kill the model now
            "() => { const b = document.querySelectorAll(\"#chr-chat [data-testid='bot']\");"
            " return b.length && b[0].innerText.replace('…', '').trim().length > 3; }",
            timeout=240_000,
        )
        os.kill(model.pid, signal.SIGKILL)
        page.wait_for_function("() => document.querySelector('#chr-sources').innerText.includes('model failed')",
                               timeout=120_000)
        expect(page.locator("#chr-send")).to_be_enabled(timeout=30_000)
        first, sources = bots.nth(0).inner_text(), page.locator("#chr-sources").inner_html()
        assert "SIGKILL" in sources and "[1]" in first and "stop fighting" in first, (first, sources)
        assert server.poll() is None, "the web server died with the model"
        assert page.get_by_text("Connection to the server was lost").count() == 0

        second, sources2 = _ask_with_keyboard(page, box, "What did Turkey say?", timeout_ms=240_000)
        assert "model failed" not in sources2 and "model:" in sources2, sources2
        assert "territorial integrity" in second and _cited(second, sources2), second
        assert _model_process(server).pid != model.pid
        page.screenshot(path="/tmp/chronicle-ui-model-killed.png", full_page=True)
        page.close()
