"""The Timeline tab in a real headless Chromium (`python -m app serve`, extractive): the story view on a small
made-up archive of two stories, its coverage chart, a download, and bad input in the status line.

Screenshots go to /tmp/chronicle-ui-story*.png for a human to look at.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers_net import Served, chronicle_env, run_cli, served
from tests.helpers_story import DAM, HOSTILE_TITLE, write_story_articles
from tests.test_browser import browser, pytestmark  # noqa: F401  (the Chromium fixture; the browser marker and skip)


@pytest.fixture(scope="module")
def story_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("story-browser")
    env = chronicle_env(tmp / "store", mode="extractive")
    done = run_cli(["-m", "app", "ingest", "--quiet", *map(str, write_story_articles(tmp / "articles"))], env)
    assert done.returncode == 0, done.stderr
    with served(env, tmp / "serve.log", prewarm=True) as running:
        yield running


def _field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def _show(page, status_text: str, timeout: int = 60_000) -> str:
    page.locator("#chr-tl-show").click()
    expect(page.locator("#chr-tl-status")).to_contain_text(status_text, timeout=timeout)
    return page.locator("#chr-tl-status").inner_text()


def test_story_timeline_chart_and_download_in_a_real_browser(
    browser, story_app: Served, tmp_path: Path  # noqa: F811 - the fixture imported above
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 1000}, accept_downloads=True)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(story_app.url)
    page.locator("#chr-header", has_text="8 articles available").wait_for(timeout=60_000)

    # Opening the tab on a small archive: the whole archive's story, then the list of every dated event.
    t0 = time.perf_counter()
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#chr-story .chr-day").first.wait_for(timeout=30_000)
    print(f"\nTimeline tab: whole-archive story visible {time.perf_counter() - t0:.2f} s after the click")
    expect(page.locator("#chr-tl-status")).to_contain_text("The whole archive:")
    page.locator("#chr-events time").first.wait_for(timeout=30_000)
    expect(page.locator("#chr-ev-status")).to_contain_text("dated events in 8 articles")

    # Ask for one story with the keyboard: type it, Enter.
    about = _field(page, "chr-tl-about")
    about.fill(DAM)
    _field(page, "chr-tl-n").fill("4")
    about.press("Enter")
    expect(page.locator("#chr-tl-status")).to_contain_text(f"{DAM}: 4 dates from 5 articles", timeout=60_000)
    story = page.locator("#chr-story")
    days = story.locator("li.chr-day time")
    expect(days).to_have_count(4)
    assert days.first.get_attribute("datetime") == "2021-03-02"
    assert days.first.inner_text() == "Tuesday 2 March 2021"
    text = story.inner_text()
    assert "reported by 4 articles" in text and "The Lakeview dam collapsed on Tuesday" in text
    assert "Port Belmar" not in text
    assert HOSTILE_TITLE in text  # the headline's markup shows as text
    assert story.locator("b", has_text="mud").count() == 0
    link = story.locator("a.chr-title").first
    assert link.get_attribute("href") == "https://news.example.org/lakeview/dam-collapse?id=1&lang=en"
    assert "chars " in (story.locator(".chr-src .chr-title").first.get_attribute("title") or "")
    assert story.locator(".chr-offsets").first.inner_text().startswith("chars ")
    chart = page.locator("#chr-tl-coverage svg")
    expect(chart.locator("g.chr-cov-chosen")).to_have_count(4)
    box = chart.bounding_box()
    assert box and box["width"] > 600 and box["height"] > 100
    page.screenshot(path="/tmp/chronicle-ui-story.png", full_page=True)

    # Download the Markdown and the TimelineJS3 file of the timeline shown.
    for elem, name in (("chr-dl-md", "timeline-lakeview-dam-collapse.md"),
                       ("chr-dl-timelinejs", "timeline-lakeview-dam-collapse.timelinejs.json")):
        expect(page.locator(f"#{elem}")).to_be_enabled(timeout=10_000)
        with page.expect_download(timeout=30_000) as info:
            page.locator(f"#{elem}").click()
        download = info.value
        assert download.suggested_filename == name
        saved = tmp_path / name
        download.save_as(saved)
        content = saved.read_text(encoding="utf-8")
        if name.endswith(".md"):
            assert content.startswith(f"# Timeline of {DAM}: 4 dates from 5 articles")
            assert content.count("\n## ") == 4 and "[^1]: " in content
        else:
            data = json.loads(content)
            assert [e["start_date"] for e in data["events"]][0] == {"year": 2021, "month": 3, "day": 2}
            assert len(data["events"]) == 4

    # Bad input: a clear message in the status line, the story on the page stays.
    _field(page, "chr-tl-n").fill("0")
    assert "number of dates must be a whole number from 1 to 100 (got 0)" in _show(page, "number of dates")
    expect(days).to_have_count(4)
    _field(page, "chr-tl-n").fill("500")
    assert "(got 500)" in _show(page, "(got 500)")
    _field(page, "chr-tl-n").fill("4")
    _field(page, "chr-ev-from").fill("2021-04")
    _field(page, "chr-ev-to").fill("2021-03")
    assert "The range is inverted" in _show(page, "inverted")
    _field(page, "chr-ev-to").fill("next week")
    assert "“To”: “next week” is not a date" in _show(page, "is not a date")
    _field(page, "chr-ev-from").fill("")
    _field(page, "chr-ev-to").fill("")

    # A story the archive does not cover: said, not a timeline of something else; no download offered.
    about.fill("Martian volcano eruption")
    _show(page, "No articles about Martian volcano eruption")
    expect(story).to_contain_text("No articles about Martian volcano eruption.")
    expect(page.locator("#chr-dl-json")).to_be_disabled()
    page.screenshot(path="/tmp/chronicle-ui-story-empty.png", full_page=True)
    assert outside == [], f"the page fetched something off this machine: {outside}"
    page.close()
