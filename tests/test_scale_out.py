"""Past one machine (issue 28): one real `chroma run` server shared by two web processes and by two ingest processes
writing at once, embeddings from an OpenAI-compatible endpoint, and a Chroma server that goes away mid-session.

Every process is real: `python -m app serve` front ends (each with its own local folder, as on two machines) spoken
to over Gradio's queue protocol, `python ingest.py --shard i/n` processes, and the packaged encoder served over HTTP
by a tiny OpenAI-compatible server in the test (tests/helpers_openai.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.config import PROJECT_ROOT
from tests.conftest import SEED, SEED_QA, make_settings
from tests.helpers_net import QueueClient, chronicle_env, run_cli, served
from tests.helpers_openai import FakeOpenAI
from tests.test_chroma_server import ChromaServer, server  # noqa: F401  (the fixture)
from tests.test_crash_safety import write_articles


@pytest.fixture()
def chroma(server: ChromaServer) -> ChromaServer:  # noqa: F811 - test_chroma_server's real `chroma run` server
    return server


def _server_env(local: Path, port: int, **extra: str) -> dict[str, str]:
    return chronicle_env(local, CHRONICLE_CHROMA_HOST="127.0.0.1", CHRONICLE_CHROMA_PORT=str(port), **extra)


def _upload(client: QueueClient, path: Path) -> str:
    """Add an article through the Articles tab's upload box, as a reader would; returns the ingest report."""
    with path.open("rb") as f:
        sent = client.http.post(f"{client.api}/upload", files={"files": (path.name, f, "text/plain")})
    sent.raise_for_status()
    stored = sent.json()[0]
    fn = client.fn_index("chr-upload", "upload")
    file_data = {"path": stored, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
    # the upload keeps the Articles tab's search (text, from, to) and page; its outputs: table, status, page, report
    done = client.call(fn, [file_data, "", "", "", 1], trigger_id=client.component_id("chr-upload"))
    return str(done["output"]["data"][3])


@pytest.mark.timeout(600)
def test_two_web_processes_share_one_chroma_server_and_see_each_others_ingests(chroma: ChromaServer,
                                                                               tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_articles(corpus, 2)
    first, second = sorted(corpus.iterdir())
    env_a = _server_env(tmp_path / "front-a", chroma.port)
    env_b = _server_env(tmp_path / "front-b", chroma.port)
    with served(env_a, tmp_path / "a.log") as (url_a, _, _), served(env_b, tmp_path / "b.log") as (url_b, _, _):
        a, b = QueueClient(url_a), QueueClient(url_b)
        assert "1 article(s) added" in _upload(a, first)
        time.sleep(1.1)  # a front end checks the store's generation at most once a second
        text, sources = b.ask("Which plan carries the code word zq0000x?")
        assert "zq0000x" in text and "plan number 0" in sources, text
        assert "1 article(s) added" in _upload(b, second)
        time.sleep(1.1)
        text, sources = a.ask("Which plan carries the code word zq0001x?")
        assert "zq0001x" in text and "plan number 1" in sources, text
        a.close()
        b.close()
    assert not (tmp_path / "front-a" / "chroma").exists()  # the articles are on the server, not in a local store


@pytest.mark.timeout(900)
def test_two_ingest_processes_on_shards_of_a_folder_write_one_server_at_once(chroma: ChromaServer,
                                                                             tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    n = 24
    corpus = tmp_path / "corpus"
    write_articles(corpus, n)
    procs = [
        subprocess.Popen([sys.executable, "ingest.py", "--quiet", "--shard", f"{i}/2", str(corpus)], cwd=PROJECT_ROOT,
                         env=_server_env(tmp_path / f"ingester-{i}", chroma.port), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for i in (1, 2)
    ]
    outs = [p.communicate(timeout=800) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    added = [int(out.split(" article(s) added")[0].rsplit(" ", 1)[-1]) for out, _ in outs]
    assert sum(added) == n and all(added), outs  # each shard had work, and together they cover the folder

    # From a third machine (its own local folder), and from one of the ingesters: every article once, and the
    # keyword index alone (no dense side) finds each one by its code word.
    for local in (tmp_path / "reader", tmp_path / "ingester-1"):
        settings = make_settings(local, chroma_host="127.0.0.1", chroma_port=chroma.port, dense_weight=0.0)
        chron = Chronicle(settings)
        articles = chron.articles()
        assert len(articles) == n and len({a.article_id for a in articles}) == n
        assert sorted(a.title for a in articles) == sorted({a.title for a in articles})
        for i in range(n):
            hits = chron.retrieve(f"code word zq{i:04d}x", k=3)
            assert hits and hits[0].title.endswith(f"plan number {i}"), (i, [h.title for h in hits])


@pytest.mark.timeout(600)
def test_a_chroma_server_that_goes_away_is_a_clear_message_and_chronicle_recovers(chroma: ChromaServer,
                                                                                 tmp_path: Path) -> None:
    from app.chronicle import Chronicle
    from app.store.chroma import StoreError
    from app.ui.views import Views

    settings = make_settings(tmp_path / "front", chroma_host="127.0.0.1", chroma_port=chroma.port)
    chron = Chronicle(settings)
    assert chron.ingest([SEED]).added == 1
    question, expected = SEED_QA[0]
    views = Views(settings, chron)

    def chat(q: str) -> str:
        *_, last = views.respond(q, [], [], "extractive")
        return str(last[1][-1]["content"])

    assert expected in chat(question).replace("\\", "")
    chroma.stop()
    time.sleep(1.1)  # past the retriever's once-a-second generation check: the next question reaches the server
    with pytest.raises(StoreError, match="is not answering"):
        chron.ask(question, mode="extractive")
    shown = chat(SEED_QA[1][0])
    assert "The article store is unavailable" in shown and "not answering" in shown, shown
    env = _server_env(tmp_path / "cli", chroma.port)
    cli = run_cli(["-m", "app", "ask", question, "--mode", "extractive"], env)
    assert cli.returncode == 2 and "Chroma server" in cli.stderr and "Traceback" not in cli.stderr, cli.stderr

    chroma.start()  # back: the same Chronicle and page answer again, nothing restarted
    time.sleep(1.1)
    assert expected in chron.ask(question, mode="extractive").text
    assert SEED_QA[1][1] in chat(SEED_QA[1][0]).replace("\\", "")
    cli = run_cli(["-m", "app", "ask", question, "--mode", "extractive"], env)
    assert cli.returncode == 0 and expected in cli.stdout, cli.stderr


# --- embeddings from an OpenAI-compatible endpoint ---------------------------------------------------------------


def _packaged() -> object:
    from app.store.registry import get_embeddings

    return get_embeddings(make_settings(Path("/nonexistent")))


def test_embeddings_from_an_endpoint_serving_the_packaged_model(tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    local = _packaged()
    with FakeOpenAI(embed=lambda texts: local.encode(texts).tolist()) as endpoint:  # type: ignore[attr-defined]
        settings = make_settings(tmp_path / "store", embedding_backend="openai", embedding_base_url=endpoint.url)
        chron = Chronicle(settings)
        assert chron.ingest([SEED]).added == 1
        calls = endpoint.embedding_calls
        assert calls >= 2  # the check, then the article's passages
        question, expected = SEED_QA[1]  # a search question: embedded, and its passages' sentences scored
        answer = chron.ask(question, mode="extractive")
        assert expected in answer.text and answer.citations
        assert endpoint.embedding_calls > calls  # questions are embedded there too
        remote = chron.store._embeddings  # the encoder the store was built with
        assert remote.agreement is not None and remote.agreement > 0.999
        vectors = np.asarray(chron.embed(["Russia called for all sides to stop fighting."]))
        assert np.allclose(vectors, local.encode(["Russia called for all sides to stop fighting."]), atol=1e-5)  # type: ignore[attr-defined]


def test_an_endpoint_serving_another_model_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    def other_model(texts: list[str]) -> list[list[float]]:
        rng = np.random.default_rng(0)
        return rng.normal(size=(len(texts), 384)).tolist()

    with FakeOpenAI(embed=other_model) as endpoint:
        store = tmp_path / "store"
        env = chronicle_env(store, CHRONICLE_EMBEDDING_BACKEND="openai", CHRONICLE_EMBEDDING_BASE_URL=endpoint.url)
        done = run_cli(["ingest.py", "--quiet", str(SEED)], env)
        assert done.returncode == 2, done.stderr
        assert "does not serve all-MiniLM-L6-v2" in done.stderr and "Traceback" not in done.stderr, done.stderr
        listed = run_cli(["-m", "app", "articles", "--json"], chronicle_env(store))
        assert listed.returncode == 0 and listed.stdout.strip() == "[]", listed.stdout + listed.stderr
