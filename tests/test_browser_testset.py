"""The fact-checker's loop in a real headless Chromium: an answer marked Wrong with what it must say becomes a test
case that fails when the set runs from the Test set tab; an answer marked Right becomes one that passes.

Runs `python -m app serve` (extractive mode, to stay fast) as tests/test_browser.py does, on a private store, test
set file and runs folder. Screenshots: /tmp/chronicle-ui-judge.png, /tmp/chronicle-ui-testset.png.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers_net import chronicle_env, served
from tests.test_browser import SEED, _ask_with_keyboard, _ingest, _open, browser, pytestmark  # noqa: F401

BOTS = "#chr-chat [data-testid='bot']"


def _thumb(page, answer_index: int, label: str) -> None:
    """Click 👍 ("Like") or 👎 ("Dislike") under the answer_index-th answer of the conversation."""
    bot = page.locator(BOTS).nth(answer_index)
    bot.hover()
    message = page.locator("#chr-chat .message-row, #chr-chat .message-wrap > div").filter(has=bot).last
    button = message.get_by_role("button", name=label, exact=True)
    if button.count() == 0:  # the button row sits beside the bubble, not inside it
        button = page.locator("#chr-chat").get_by_role("button", name=label, exact=True).nth(answer_index)
    button.first.click()


def _run_set(page) -> str:
    before = page.locator("#chr-ts-results").inner_text()
    page.locator("#chr-ts-run").click()
    page.wait_for_function(
        "(before) => { const el = document.querySelector('#chr-ts-results');"
        " return el && el.innerText !== before && el.innerText.includes('pass'); }",
        arg=before, timeout=120_000,
    )
    return page.locator("#chr-ts-results").inner_html()


def test_judged_answers_run_as_a_test_set_from_the_tab(browser, tmp_path: Path) -> None:  # noqa: F811
    store, testset, runs = tmp_path / "store", tmp_path / "evalsets" / "mine.jsonl", tmp_path / "runs"
    _ingest(store, [SEED])
    env = chronicle_env(store, "extractive", CHRONICLE_TESTSET=str(testset), CHRONICLE_RUNS_DIR=str(runs))
    with served(env, tmp_path / "serve.log", prewarm=True) as running:
        page, box, outside = _open(browser, running.url)

        # 1. Wrong, with what the answer must say (the article says 25, the fact-checker expects another number).
        answer, _ = _ask_with_keyboard(page, box, "How many people were killed?")
        assert "25 people" in answer
        _thumb(page, 0, "Dislike")
        judge = page.locator("#chr-judge").first  # gr.Group renders its elem_id on two nested divs
        expect(judge).to_be_visible(timeout=30_000)
        expect(page.locator("#chr-judge-head")).to_contain_text("How many people were killed?", timeout=30_000)
        expect(page.locator("#chr-verdict input[value='wrong']")).to_be_checked()
        page.locator("#chr-must-say textarea").fill("more than 200 people | 200 dead")
        page.locator("#chr-saved-by input, #chr-saved-by textarea").first.fill("Ana the fact-checker")
        page.locator("#chr-save-case").click()
        expect(page.locator("#chr-judge-status")).to_contain_text("Saved test case", timeout=30_000)
        page.screenshot(path="/tmp/chronicle-ui-judge.png", full_page=True)
        saved = [json.loads(line) for line in testset.read_text(encoding="utf-8").splitlines()]
        assert len(saved) == 1 and saved[0]["verdict"] == "wrong"
        assert saved[0]["required_facts"] == [["more than 200 people", "200 dead"]]
        assert saved[0]["saved_by"] == "Ana the fact-checker" and saved[0]["cited"]

        # 2. The Test set tab lists it; running the set shows it failing, the answer beside what was expected.
        page.get_by_role("tab", name="Test set").click()
        expect(page.locator("#chr-ts-info")).to_contain_text("1 saved case", timeout=30_000)
        expect(page.locator("#chr-ts-cases")).to_contain_text("How many people were killed?")
        results = _run_set(page)
        row = page.locator("#chr-ts-results tr.chr-ts-row", has_text="How many people were killed?")
        expect(row.locator(".chr-ts-badge")).to_have_text("fail")
        assert "25 people" in row.inner_text() and "more than 200 people" in row.inner_text()
        assert "missing facts" in row.inner_text()
        assert "0 pass" in results and "1 fail" in page.locator("#chr-ts-results").inner_text()

        # 3. Right on another answer: saved at once, and it passes on the next run; the first case is now compared
        # with the previous run ("still failing") and stays on top.
        page.get_by_role("tab", name="Chat").click()
        answer, _ = _ask_with_keyboard(page, box, "What did Turkey say?")
        assert "Turkey said it supported" in answer
        _thumb(page, 1, "Like")
        expect(page.locator("#chr-judge-status")).to_contain_text("Saved test case", timeout=30_000)
        expect(page.locator("#chr-judge-head")).to_contain_text("What did Turkey say?")
        assert len(testset.read_text(encoding="utf-8").splitlines()) == 2

        page.get_by_role("tab", name="Test set").click()
        expect(page.locator("#chr-ts-info")).to_contain_text("2 saved cases", timeout=30_000)
        _run_set(page)
        rows = page.locator("#chr-ts-results tr.chr-ts-row")
        expect(rows).to_have_count(2)
        assert "How many people were killed?" in rows.nth(0).inner_text()  # the failure first
        assert "still failing" in rows.nth(0).inner_text()
        turkey = page.locator("#chr-ts-results tr.chr-ts-row", has_text="What did Turkey say?")
        expect(turkey.locator(".chr-ts-badge")).to_have_text("pass")
        assert "compared with the run of" in page.locator("#chr-ts-results").inner_text()

        # 4. The report of that run opens in the tab (sandboxed), and the CLI's files are on disk.
        page.locator("#chr-ts-report-box").get_by_text("Report of this run").click()
        frame = page.frame_locator("#chr-ts-report iframe.chr-ts-report")
        expect(frame.locator("h1")).to_contain_text("Chronicle evaluation", timeout=30_000)
        expect(frame.locator("#compare")).to_be_visible()
        assert len(list(runs.glob("*/results-extractive.json"))) == 2
        assert len(list(runs.glob("*/report-extractive.html"))) == 2
        page.screenshot(path="/tmp/chronicle-ui-testset.png", full_page=True)
        assert outside == [], f"the page fetched something off this machine: {outside}"
        page.close()
        print(f"\nloop done {time.perf_counter() - running.started:.1f} s after server start")
