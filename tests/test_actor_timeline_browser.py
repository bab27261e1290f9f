"""An actor's timeline and "what is new since" in a real headless Chromium (`python -m app serve`, extractive), on the
made-up port-strike archive of tests/helpers_actor.py: the Timeline tab says it built a person's timeline, its Since
box marks new and changed days, and the chat answers "timeline of <person>" and "what's new in X since Monday".

Screenshots go to /tmp/chronicle-ui-actor*.png for a human to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.helpers_actor import PERSON, STORY, write_actor_articles
from tests.helpers_net import Served, chronicle_env, run_cli, served
from tests.test_browser import _ask_with_keyboard, _open, browser, pytestmark  # noqa: F401  (Chromium fixture, marker)
from tests.test_timeline_ui_browser import _field, _show


@pytest.fixture(scope="module")
def actor_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("actor-browser")
    env = chronicle_env(tmp / "store", mode="extractive")
    done = run_cli(["-m", "app", "ingest", "--quiet", str(write_actor_articles(tmp / "articles"))], env)
    assert done.returncode == 0, done.stderr
    with served(env, tmp / "serve.log", prewarm=True) as running:
        yield running


def test_actor_timeline_and_whats_new_in_the_timeline_tab(browser, actor_app: Served) -> None:  # noqa: F811
    page, _, outside = _open(browser, actor_app.url)
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#chr-story .chr-day").first.wait_for(timeout=30_000)

    # A person: the status line and the timeline's title say which kind of timeline was built.
    _field(page, "chr-tl-about").fill(PERSON)
    status = _show(page, f"{PERSON} (a person):")
    assert "dates from" in status
    story = page.locator("#chr-story")
    expect(story.locator(".chr-story-title")).to_contain_text(f"{PERSON} (a person)")
    lines = story.locator(".chr-line > p").all_inner_texts()
    assert len(lines) >= 4 and all("Brandt" in line and "Tomas" not in line for line in lines), lines
    page.screenshot(path="/tmp/chronicle-ui-actor.png", full_page=True)

    # A story stays a story.
    _field(page, "chr-tl-about").fill(STORY)
    status = _show(page, f"{STORY}: ")
    assert "(a person)" not in status

    # What is new about her since 8 March: new days and the earlier day the new article changed, marked.
    _field(page, "chr-tl-about").fill(PERSON)
    _field(page, "chr-tl-since").fill("2021-03-08")
    _show(page, f"What is new about {PERSON} (a person) since Monday 8 March 2021")
    days = story.locator("li.chr-day")
    expect(days.locator(".chr-status-new").first).to_be_visible()
    changed = story.locator("li.chr-day:has(.chr-status-changed) time")
    expect(changed).to_have_count(1)
    assert changed.first.get_attribute("datetime") == "2021-03-03"
    assert all(d > "2021-03-08" for d in story.locator("li.chr-day:has(.chr-status-new) time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"))
    page.screenshot(path="/tmp/chronicle-ui-actor-since.png", full_page=True)

    # Nothing new after the newest article; a Since without a story or actor is refused, said in words.
    _field(page, "chr-tl-since").fill("2021-03-10")
    _show(page, "Nothing new since 10 March 2021")
    _field(page, "chr-tl-about").fill("")
    _show(page, "needs a story or an actor")
    assert outside == [], f"the page fetched something off this machine: {outside}"
    page.close()


def test_actor_timeline_and_whats_new_in_the_chat(browser, actor_app: Served) -> None:  # noqa: F811
    page, box, outside = _open(browser, actor_app.url)
    _field(page, "chr-as-of").fill("2021-03-10")
    answer, sources = _ask_with_keyboard(page, box, f"Give me a timeline of {PERSON}")
    lines = [line for line in answer.splitlines() if line.strip() and "March 2021" in line]
    assert len(lines) >= 4 and all("Brandt" in line for line in lines), answer
    assert f"The timeline of {PERSON} (person)" in sources  # the note under the sources says whose timeline it is
    answer, _ = _ask_with_keyboard(page, box, f"What's new in {PERSON} since Monday?")
    assert "10 March 2021 (new):" in answer and "3 March 2021 (changed):" in answer, answer
    assert "1 March 2021" not in answer
    page.screenshot(path="/tmp/chronicle-ui-actor-chat.png", full_page=True)
    assert outside == [], f"the page fetched something off this machine: {outside}"
    page.close()
