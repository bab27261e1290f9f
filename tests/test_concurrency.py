"""Concurrent use: answers stay right while another process ingests into the same store, and 20 chat sessions at
once through Gradio's queue over real HTTP all get their own correct answers.

The chat handler is private (no API page), so ``gradio_client`` refuses it; ``tests.helpers_net.QueueClient``
speaks the browser's queue protocol (POST /gradio_api/queue/join + SSE /gradio_api/queue/data) instead, which goes
through the same queue, limits and session state as a real page.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.config import PROJECT_ROOT, Settings
from tests.conftest import SEED, SEED_QA, make_settings
from tests.helpers_net import QueueClient, chronicle_env, run_cli, served
from tests.test_crash_safety import write_articles


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("concurrency") / "store"
    done = run_cli(["ingest.py", "--quiet", str(SEED)], chronicle_env(store))
    assert done.returncode == 0, done.stderr
    return store


@pytest.mark.timeout(600)
def test_answers_stay_right_while_another_process_ingests(tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    store = tmp_path / "store"
    assert run_cli(["ingest.py", "--quiet", str(SEED)], chronicle_env(store)).returncode == 0
    corpus = tmp_path / "corpus"
    write_articles(corpus, 160)
    settings: Settings = make_settings(store)
    chron = Chronicle(settings)
    assert SEED_QA[0][1] in chron.ask(SEED_QA[0][0], mode="extractive").text

    err = (tmp_path / "ingest.err").open("w")
    proc = subprocess.Popen([sys.executable, "ingest.py", "--quiet", str(corpus)], cwd=PROJECT_ROOT,
                            env=chronicle_env(store), stdout=subprocess.PIPE, stderr=err, text=True)
    asked, wrong = 0, []
    deadline = time.monotonic() + 400
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            question, expected = SEED_QA[asked % len(SEED_QA)]
            answer = chron.ask(question, mode="extractive")
            asked += 1
            if expected not in answer.text or not answer.citations:
                wrong.append((question, answer.text))
    finally:
        if proc.poll() is None:
            proc.kill()
        out, _ = proc.communicate(timeout=60)
        err.close()
    assert proc.returncode == 0, (tmp_path / "ingest.err").read_text()[-3000:]
    assert "160 article(s) added" in out
    print(f"\n{asked} questions answered during the ingest")
    assert asked >= 5, "the ingest finished before the questions could overlap with it"
    assert wrong == []
    for question, expected in SEED_QA:
        assert expected in chron.ask(question, mode="extractive").text


def test_a_running_process_sees_articles_another_process_ingested(tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    store = tmp_path / "store"
    assert run_cli(["ingest.py", "--quiet", str(SEED)], chronicle_env(store)).returncode == 0
    chron = Chronicle(make_settings(store))
    assert SEED_QA[0][1] in chron.ask(SEED_QA[0][0], mode="extractive").text  # caches are warm now
    corpus = tmp_path / "corpus"
    write_articles(corpus, 3)
    assert run_cli(["ingest.py", "--quiet", str(corpus)], chronicle_env(store)).returncode == 0
    time.sleep(1.1)  # the retriever checks the store's generation at most once a second
    hits = chron.retrieve("code word zq0002x", k=3)
    assert "number 2" in " ".join(h.title for h in hits)
    dense = chron.store.dense_search("code word zq0002x", k=3)  # the dense index itself is fresh
    assert "number 2" in " ".join(p.title for p in dense)
    # ... and answers and the timeline from them, without a restart.
    answer = chron.ask("Which plan carries the code word zq0001x?", mode="extractive")
    assert any("number 1" in c.title for c in answer.citations), answer.text
    assert {"number 0", "number 1", "number 2"} <= {c.title.split("plan ")[-1] for e in chron.timeline()
                                                    for c in e.citations}
    assert len(chron.retriever.visible_articles) == 4


@pytest.mark.timeout(300)
def test_twenty_concurrent_chat_sessions_over_http(seed_store: Path, tmp_path: Path) -> None:
    n_sessions = 20
    with served(chronicle_env(seed_store), tmp_path / "serve.log") as (url, _, _):
        QueueClient(url).ask("warm up the model", mode="extractive")
        barrier = threading.Barrier(n_sessions)

        def session(i: int) -> tuple[str, str, str, float]:
            client = QueueClient(url)
            try:
                question, expected = SEED_QA[i % len(SEED_QA)]
                barrier.wait(timeout=60)
                t0 = time.perf_counter()
                text, sources = client.ask(question)
                return expected, text, sources, time.perf_counter() - t0
            finally:
                client.close()

        t0 = time.perf_counter()
        with ThreadPoolExecutor(n_sessions) as pool:
            results = list(pool.map(session, range(n_sessions)))
        wall = time.perf_counter() - t0
    for expected, text, sources, _ in results:
        plain = text.replace("\\", "")
        assert expected in plain, text
        cited = re.findall(r"\[(\d+)\]", plain)
        assert cited and all(f'id="chr-cite-{n}"' in sources for n in cited), (text, sources)
        assert "went wrong" not in text
    slowest = max(r[3] for r in results)
    print(f"\n{n_sessions} sessions: wall {wall:.1f} s, slowest answer {slowest:.1f} s")
    assert wall < 120


@pytest.mark.timeout(300)
def test_queue_limits_come_from_settings(seed_store: Path, tmp_path: Path) -> None:
    """ui_max_queue caps the waiting requests (Gradio answers 503 "Queue is full. Max size is N")."""
    env = chronicle_env(seed_store, CHRONICLE_UI_CONCURRENCY="1", CHRONICLE_UI_MAX_QUEUE="2")
    with served(env, tmp_path / "serve.log") as (url, _, _):
        client = QueueClient(url)
        fn = client.fn_index("chr-send", "click")
        body = {"data": ["What did Turkey say?", [], None, "extractive", "", None], "fn_index": fn, "event_data": None,
                "trigger_id": client.component_id("chr-send")}

        def join(i: int) -> httpx.Response:
            with httpx.Client(timeout=30, trust_env=False) as http:
                return http.post(f"{client.api}/queue/join", json={**body, "session_hash": f"s{i:010d}"})

        with ThreadPoolExecutor(30) as pool:
            responses = list(pool.map(join, range(60)))
        client.close()
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 503}, codes
    full = [r.json()["detail"] for r in responses if r.status_code == 503]
    assert full, "60 simultaneous requests never filled a queue of 2"
    assert all("Max size is 2" in d for d in full), full[:3]


def test_launch_passes_concurrency_and_queue_size_to_gradio(tmp_path: Path, monkeypatch) -> None:
    import gradio as gr

    from app.ui import app as ui

    captured = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: captured.update(demo=self, kw=kw))
    settings = make_settings(tmp_path / "store", ui_concurrency=3, ui_max_queue=17)
    ui.launch(settings, prewarm=False)
    demo = captured["demo"]
    assert demo._queue.max_size == 17
    assert demo._queue.default_concurrency_limit == 3
    respond = [fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") == "respond"]
    # the chat never waits in Gradio's queue (its model part waits in the model's own line, app.answer.llm.pool)
    assert respond and all(fn.concurrency_limit is None and fn.concurrency_id == "chat" for fn in respond)
    assert captured["kw"]["max_threads"] >= settings.llm_queue_max + 16
    assert captured["kw"]["server_name"] == "127.0.0.1"
    assert captured["kw"]["share"] is False
