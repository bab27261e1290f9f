"""The default answer mode ("auto") in a real headless Chromium, as a new user gets it from `make run`: a factoid
question is answered by the model's pick (the words first, in bold, the sentence that proves them under them) and
"What did Russia say?" by the extractive statements, without asking the model (app.answer.answerer.ROUTE_MODES).

The model is the project's fake OpenAI-compatible server (tests/helpers_openai.py) as CHRONICLE_LLM_BASE_URL: it
picks the candidate sentence that says Azerbaijan sent troops, by its number in the prompt, and counts the requests.
The packaged model's own pick in "auto" is tested in tests/test_llm_answers.py (marked llm).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers_net import Served, chronicle_env, run_cli, served
from tests.helpers_openai import FakeOpenAI
from tests.test_browser import _ask_with_keyboard, _open, browser, pytestmark  # noqa: F401  (Chromium fixture, marker)

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"


def _pick(body: dict[str, Any]) -> str:
    """The pick: the candidate whose sentence says Azerbaijan sent troops (0 when there is none)."""
    prompt = str(body["messages"][-1]["content"])
    found = re.search(r"\[(\d+)\][^\n]*Azerbaijan sent troops", prompt)
    return json.dumps({"sentence": int(found.group(1)), "answer": "Azerbaijan"} if found
                      else {"sentence": 0, "answer": ""})


@pytest.fixture(scope="module")
def auto_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, FakeOpenAI]]:
    tmp = tmp_path_factory.mktemp("auto-browser")
    done = run_cli(["ingest.py", "--quiet", str(ARTICLES)], chronicle_env(tmp / "store"))
    assert done.returncode == 0, done.stderr
    with FakeOpenAI(reply=_pick) as model:
        env = chronicle_env(tmp / "store", mode="auto", CHRONICLE_LLM_BACKEND="openai", CHRONICLE_LLM_BASE_URL=model.url)
        with served(env, tmp / "serve.log", prewarm=True) as running:
            yield running, model


def test_auto_answers_a_factoid_with_the_models_pick_and_statements_without_the_model(browser, auto_app) -> None:  # noqa: F811
    running, model = auto_app
    page, box, outside = _open(browser, running.url)
    expect(page.locator("#chr-mode input[value='auto']")).to_be_checked()  # the default, shown as such

    asked = model.chats
    answer, _ = _ask_with_keyboard(page, box, "Which country launched a military operation in Nagorno-Karabakh?")
    assert model.chats > asked, "the search route asked the model"
    assert answer.startswith("Azerbaijan ["), answer  # the picked words first, cited
    bot = page.locator("#chr-chat [data-testid='bot']").last
    expect(bot.locator("strong", has_text="Azerbaijan").first).to_be_visible()
    assert "Azerbaijan sent troops" in answer  # the sentence that proves it, under it
    panel = page.locator("#chr-sources")
    assert "Azerbaijan sent troops" in panel.inner_text()  # the sources panel quotes it
    expect(panel.locator("mark, .chr-answer-span").first).to_be_visible()  # and marks the sentence, or its words

    asked = model.chats
    answer, _ = _ask_with_keyboard(page, box, "What did Russia say?")
    assert "stop fighting" in answer and re.search(r"\[\d+\]", answer), answer
    assert model.chats == asked, "who said what is answered without the model"
    page.screenshot(path="/tmp/chronicle-ui-auto.png", full_page=True)
    assert outside == []
    page.close()
