"""The model's fair line (app.answer.llm.pool): first come first served with each reader's place, answers spread over
several OpenAI-compatible endpoints (least busy first), a down endpoint skipped, none reachable -> the extractive
answer with a note, and in the served app an extractive answer never waits behind LLM answers.

The endpoints are real HTTP servers on 127.0.0.1 (tests/helpers_openai.py) reached through Chronicle's real client
(langchain-openai); the unit tests of the line itself use a gated fake model.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.answer.llm.pool import Endpoint, ModelBusy, ModelPool
from app.records import ModelWait
from tests.conftest import SEED_QA
from tests.helpers_net import QueueClient, chronicle_env, free_port, run_cli, served
from tests.helpers_openai import FakeOpenAI


class _Gated:
    """A chat model that blocks until its gate opens, then says which call it was."""

    description = "gated fake"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls = 0

    def stream(self, messages) -> Iterator[str]:
        self.calls += 1
        self.gate.wait(30)
        yield "ok"

    def structured(self, messages, schema) -> Iterator[str]:
        return self.stream(messages)


def _take(pool: ModelPool, seen: list[ModelWait], order: list[int], i: int) -> None:
    waiting = pool.wait(poll_s=0.05)
    while True:
        try:
            seen.append(next(waiting))
        except StopIteration as done:
            lease = done.value
            break
    order.append(i)
    list(lease.stream([]))
    lease.release()


def test_the_line_is_first_come_first_served_and_says_each_place() -> None:
    model = _Gated()
    pool = ModelPool([Endpoint("one", model)], slots=1, max_waiting=10)
    holder = pool.wait()
    with pytest.raises(StopIteration) as first:
        next(holder)  # the endpoint is free: no wait at all
    lease = first.value.value
    seen: dict[int, list[ModelWait]] = {i: [] for i in range(3)}
    order: list[int] = []
    threads = []
    for i in range(3):
        t = threading.Thread(target=_take, args=(pool, seen[i], order, i))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while pool.line() < i + 1 and time.monotonic() < deadline:  # joined in this order
            time.sleep(0.01)
    assert pool.line() == 3
    assert [seen[i][0].position for i in range(3)] == [1, 2, 3]
    assert seen[2][0].waiting == 3 and seen[2][0].endpoints == 1
    assert seen[2][0].eta_s > seen[0][0].eta_s > 0
    assert "3rd in line (2 answers ahead)" in seen[2][0].describe()
    assert "next in line" in seen[0][0].describe()
    model.gate.set()
    list(lease.stream([]))
    lease.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2]
    assert pool.line() == 0


def test_a_full_line_answers_without_the_model_and_a_reader_who_leaves_gives_the_place_up() -> None:
    model = _Gated()
    pool = ModelPool([Endpoint("one", model)], slots=1, max_waiting=1)
    lease = _first(pool)
    waiting = pool.wait(poll_s=0.05)
    assert next(waiting).position == 1
    with pytest.raises(ModelBusy):
        next(pool.wait())
    waiting.close()  # the reader closed the page
    assert pool.line() == 0
    lease.release()


def _first(pool: ModelPool):
    try:
        next(pool.wait())
    except StopIteration as done:
        return done.value
    raise AssertionError("the first answer waited")


def test_two_endpoints_serve_two_answers_at_once_least_busy_first() -> None:
    a, b = _Gated(), _Gated()
    pool = ModelPool([Endpoint("a", a), Endpoint("b", b)], slots=1)
    first, second = _first(pool), _first(pool)
    assert {first.endpoint.name, second.endpoint.name} == {"a", "b"}
    third = pool.wait(poll_s=0.05)
    assert next(third).endpoints == 2  # both busy: the third waits
    first.release()
    with pytest.raises(StopIteration) as got:
        next(third)
    assert got.value.value.endpoint is first.endpoint
    second.release()
    got.value.value.release()


# --- real HTTP endpoints through Chronicle's client ------------------------------------------------------------------


def _llm_settings(seed_settings, urls: list[str], **extra):
    return seed_settings.model_copy(update={
        "llm_backend": "openai", "llm_base_url": ",".join(urls), "llm_model": "fake", "llm_timeout_s": 10.0,
        "llm_cached_archive_chars": 0, **extra})


def test_answers_spread_over_the_endpoints_and_a_down_one_is_skipped(seed_settings) -> None:
    from app.chronicle import Chronicle

    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there: connection refused
    with FakeOpenAI() as one, FakeOpenAI() as two:
        chron = Chronicle(_llm_settings(seed_settings, [dead, one.url, two.url]))
        for question, _ in SEED_QA[:4]:
            answer = chron.ask(question, mode="llm")
            assert answer.text and not any("unavailable" in n for n in answer.notes), answer.notes
        assert one.chats >= 1 and two.chats >= 1 and one.chats + two.chats == 4
        pool = chron.answerer._line()
        down = [e for e in pool.endpoints if e.name == dead]
        assert down[0].last_error and down[0].down_until > time.monotonic()


def test_no_endpoint_reachable_gives_the_extractive_answer_with_a_note(seed_settings) -> None:
    from app.chronicle import Chronicle

    dead = [f"http://127.0.0.1:{free_port()}/v1" for _ in range(2)]
    chron = Chronicle(_llm_settings(seed_settings, dead))
    question, expected = SEED_QA[0]
    answer = chron.ask(question, mode="llm")
    assert expected in answer.text and answer.citations and not answer.abstained
    assert any("no model endpoint is reachable" in n for n in answer.notes), answer.notes


# --- the served app: extractive answers never wait behind the model ------------------------------------------------


class _Watching(QueueClient):
    """A session that keeps every chat message it was shown on the way to the answer."""

    def ask_watching(self, question: str, mode: str) -> tuple[str, list[str]]:
        fn = self.fn_index("chr-send", "click")
        body = {"data": [question, [], None, mode, "", None], "fn_index": fn, "session_hash": self.session_hash,
                "event_data": None, "trigger_id": self.component_id("chr-send")}
        joined = self.http.post(f"{self.api}/queue/join", json=body)
        joined.raise_for_status()
        shown: list[str] = []
        with self.http.stream("GET", f"{self.api}/queue/data", params={"session_hash": self.session_hash}) as resp:
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_generating":
                    shown.append(json.dumps(msg["output"]))
                if msg.get("msg") == "process_completed":
                    assert msg.get("success"), msg
                    chat = msg["output"]["data"][1]
                    content = chat[-1]["content"]
                    if isinstance(content, list):
                        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                    return str(content), shown
        raise AssertionError("no completion")


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SEED

    store = tmp_path_factory.mktemp("pool") / "store"
    done = run_cli(["ingest.py", "--quiet", str(SEED)], chronicle_env(store))
    assert done.returncode == 0, done.stderr
    return store


@pytest.mark.timeout(300)
def test_extractive_answers_do_not_wait_while_llm_answers_hold_the_model(seed_store: Path, tmp_path: Path) -> None:
    with FakeOpenAI() as model:
        model.gate = threading.Event()  # every LLM answer is held "in the model" until the test opens this
        env = chronicle_env(seed_store, mode="auto", CHRONICLE_LLM_BACKEND="openai", CHRONICLE_LLM_BASE_URL=model.url,
                            CHRONICLE_LLM_MODEL="fake", CHRONICLE_LLM_CACHED_ARCHIVE_CHARS="0")
        with served(env, tmp_path / "serve.log") as (url, _, _):
            QueueClient(url).ask("warm up", mode="extractive")
            with ThreadPoolExecutor(4) as pool:
                llm = [pool.submit(_Watching(url).ask_watching, q, "llm") for q, _ in SEED_QA[:3]]
                deadline = time.monotonic() + 60
                while model.chats < 1 and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert model.chats == 1  # one answer in the model, two in the line
                for question, expected in SEED_QA[3:6]:  # answered while the model is still held
                    text, _ = QueueClient(url).ask(question, mode="extractive")
                    assert expected in text.replace("\\", ""), text
                assert not any(f.done() for f in llm)
                model.gate.set()
                results = [f.result(timeout=120) for f in llm]
    assert all(text and "went wrong" not in text for text, _ in results)
    waits = [shown for _, shown in results if any("Waiting for the model" in s for s in shown)]
    assert len(waits) >= 2, [r[1][:3] for r in results]  # the two in line were told their place
    assert any("2nd in line" in s for shown in waits for s in shown)


# --- the answers' memory of sentence vectors (what 20 readers at once mostly wait for) -----------------------------


def test_the_sentence_vector_memory_gives_the_encoders_own_vectors_and_embeds_each_sentence_once() -> None:
    import numpy as np

    from app.store.embeddings import CachedEncoder
    from app.store.registry import get_batch_embeddings
    from tests.conftest import make_settings

    encoder = get_batch_embeddings(make_settings(Path("/nonexistent")))
    asked: list[list[str]] = []

    def counting(texts: list[str]):
        asked.append(list(texts))
        return encoder.encode(texts)

    cached = CachedEncoder(counting, max_items=3)
    texts = ["Russia urged negotiations.", "Turkey backed Baku.", "Twenty-five people were killed."]
    first = cached(texts)
    assert np.allclose(first, encoder.encode(texts), atol=1e-5)
    again = cached([texts[2], "France was working with its partners.", texts[0]])
    assert asked[-1] == ["France was working with its partners."]  # only the new sentence was embedded
    assert np.allclose(again[0], first[2]) and np.allclose(again[2], first[0])
    cached(["A fifth sentence."])  # over max_items: the least recently used ("Turkey ...") is forgotten
    cached([texts[1]])
    assert asked[-1] == [texts[1]]
    assert cached([]).shape == (0, 384)


def test_the_chat_shows_the_place_in_line_in_words() -> None:
    from app.ui.render import waiting_markdown

    shown = waiting_markdown(ModelWait(position=2, waiting=5, endpoints=2, eta_s=7.6))
    assert shown.startswith("_") and shown.endswith("_")
    assert "2nd in line (1 answer ahead), about 8 s" in shown.replace("\\", "")  # Markdown-escaped
    assert "11th in line" in ModelWait(11, 11, 1, 80.0).describe()
    assert "22nd in line" in ModelWait(22, 22, 1, 80.0).describe()
    assert "about 1 s" in ModelWait(1, 1, 1, 0.2).describe()
