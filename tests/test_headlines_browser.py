"""Issue 27, item 2, in a real headless Chromium: the Timeline tab in LLM mode (`python -m app serve`) draws the
story first and fills each day's headline slot when the model's headline arrives; a headline the citation guard
refuses leaves the day its line, with the note; the downloads offered before any headline have none, and those
offered after carry the kept one (written from the page's records: the model is asked once per day).

The model is the project's fake OpenAI-compatible server (tests/helpers_openai.py) set as CHRONICLE_LLM_BASE_URL,
so the test is deterministic and fast: its reply depends on the day's lines (a supported headline for the dam's
collapse, a name no line holds for every other day), and its gate holds every request until the test has seen the
timeline drawn without waiting. The real model's headline is ``test_the_packaged_model_writes_a_guarded_headline``
(tests/test_headlines.py, marked llm). Screenshots go to /tmp/chronicle-ui-headlines*.png.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers_net import Served, chronicle_env, run_cli, served
from tests.helpers_openai import FakeOpenAI
from tests.helpers_story import write_story_articles
from tests.test_browser import _open, browser, pytestmark  # noqa: F401  (the Chromium fixture; the browser marker)

KEPT = "Lakeview dam collapses after heavy rain"  # every name and word of it in the collapse day's line
REFUSED = "Governor Smith blames engineers for the Lakeview flood"  # "Smith": in no line of the archive
COLLAPSE_DAY = "2021-03-02"


def _reply(body: dict[str, Any]) -> str:
    """The model's reply for one day: the prompt's last message holds that day's lines."""
    prompt = str(body["messages"][-1]["content"])
    return json.dumps({"headline": KEPT if "heavy rain" in prompt else REFUSED})


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, FakeOpenAI]]:
    tmp = tmp_path_factory.mktemp("headlines-browser")
    done = run_cli(["-m", "app", "ingest", "--quiet", *map(str, write_story_articles(tmp / "articles"))],
                   chronicle_env(tmp / "store"))
    assert done.returncode == 0, done.stderr
    with FakeOpenAI(reply=_reply) as model:
        model.gate = threading.Event()  # closed: every request waits "in the model" until the test opens it
        env = chronicle_env(tmp / "store", mode="llm", CHRONICLE_LLM_BACKEND="openai",
                            CHRONICLE_LLM_BASE_URL=model.url, CHRONICLE_TIMELINE_HEADLINES="true")
        with served(env, tmp / "serve.log", prewarm=True) as running:
            yield running, model


def _download(page, elem: str, folder: Path) -> str:
    expect(page.locator(f"#{elem}")).to_be_enabled(timeout=10_000)
    with page.expect_download(timeout=30_000) as info:
        page.locator(f"#{elem}").click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    return saved.read_text(encoding="utf-8")


def test_headlines_fill_the_timeline_after_it_is_drawn(browser, llm_app, tmp_path: Path) -> None:  # noqa: F811
    app, model = llm_app
    page, _, outside = _open(browser, app.url)
    page.get_by_role("tab", name="Timeline").click()
    story = page.locator("#chr-story")

    # The timeline is on the page while the model holds every headline: each day's slot says it is being written.
    days = story.locator("li.chr-day")
    days.first.wait_for(timeout=30_000)
    n = days.count()
    assert n >= 4
    expect(story.locator(".chr-headline.chr-pending")).to_have_count(n, timeout=30_000)
    expect(story.locator(".chr-headline-progress")).to_contain_text(f"Headlines being written: 0 of {n} days")
    lines_before = story.locator(".chr-line > p").all_inner_texts()
    assert any("heavy rain" in line for line in lines_before)
    page.screenshot(path="/tmp/chronicle-ui-headlines-pending.png", full_page=True)
    # ... and its downloads are offered already, without a headline (a download never waits for the model).
    md = _download(page, "chr-dl-md", tmp_path)
    assert md.startswith("# Timeline of the archive") and "**" not in md and "written by the model" not in md
    assert model.chats >= 1  # the first day's request is in the model, held

    # The model answers: the collapse day's slot shows its headline; every other day keeps its line, with the note.
    model.gate.set()
    collapse = story.locator(f"#chr-day-{COLLAPSE_DAY}")
    expect(collapse.locator(".chr-headline")).to_have_text(KEPT, timeout=60_000)
    expect(collapse.locator(".chr-headline")).to_have_attribute("title", "Written by the model from this day's "
                                                                "lines; every name and number in it is in them.")
    expect(story.locator(".chr-headline-progress")).to_contain_text(
        f"Headlines all in: {n} of {n} days (1 written, {n - 1} kept their line)", timeout=60_000)
    notes = story.locator(".chr-headline-note")
    expect(notes).to_have_count(n - 1)
    for text in notes.all_inner_texts():
        assert text == ("No headline (it names someone or something that no line of the day names): the line below "
                        "stands."), text
    assert "Smith" not in story.inner_text()  # a refused headline is never shown
    assert story.locator(".chr-line > p").all_inner_texts() == lines_before  # every line stays
    assert model.chats == n  # one request a day
    page.screenshot(path="/tmp/chronicle-ui-headlines.png", full_page=True)

    # The downloads now carry the kept headline, marked as the model's, and nothing of the refused ones.
    md = _download(page, "chr-dl-md", tmp_path)
    collapse_md = md.split("\n## ")[1].splitlines()
    assert collapse_md[0] == "Tuesday 2 March 2021" and collapse_md[1] == f"**{KEPT}**  "
    assert "written by the model" in collapse_md[2] and md.count(f"**{KEPT}**") == 1 and "Smith" not in md
    slides = json.loads(_download(page, "chr-dl-timelinejs", tmp_path))["events"]
    assert [s["text"]["headline"] for s in slides].count(KEPT) == 1
    assert slides[0]["start_date"] == {"year": 2021, "month": 3, "day": 2} and slides[0]["text"]["headline"] == KEPT
    record = json.loads(_download(page, "chr-dl-json", tmp_path))
    heads = [d.get("headline") for d in record["dates"]]
    assert heads[0] == {"text": KEPT, "by": "model", "reason": ""}
    assert all(h is not None and h["by"] == "extractive" and h["text"] is None for h in heads[1:])
    assert model.chats == n  # the downloads asked the model nothing
    assert outside == [], f"the page fetched something off this machine: {outside}"
    page.close()
