"""Chroma server mode: Chronicle ingests and answers through a real `chroma run` server, and the data survives a
server restart (CHRONICLE_CHROMA_HOST / CHRONICLE_CHROMA_PORT -> chromadb.HttpClient).

The server is chromadb 1.x's own Rust binary (`chroma run --path DIR --host H --port P`, in .venv/bin); every wait
is bounded and the process is always killed in the fixture's teardown.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from tests.conftest import SEED, make_settings
from tests.helpers_net import free_port

CHROMA = Path(sys.executable).with_name("chroma")
STARTUP_TIMEOUT_S = 60


class ChromaServer:
    """A `chroma run` child process on a private data folder."""

    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        import httpx

        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma did not answer within {STARTUP_TIMEOUT_S} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma CLI is not installed")
    srv = ChromaServer(tmp_path / "chroma-data", free_port(), tmp_path / "chroma.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def server_settings(tmp: Path, port: int, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Through the environment, as a user would configure it."""
    monkeypatch.setenv("CHRONICLE_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHRONICLE_CHROMA_PORT", str(port))
    settings = make_settings(tmp)
    assert settings.uses_server and settings.chroma_port == port
    return settings


def test_ingest_query_restart_and_still_there(server: ChromaServer, tmp_path: Path, monkeypatch) -> None:
    from app.chronicle import Chronicle, clear_caches
    from app.store.chroma import Store

    settings = server_settings(tmp_path / "client", server.port, monkeypatch)
    chron = Chronicle(settings)
    report = chron.ingest([SEED])
    assert report.added == 1, report.summary()
    assert not (settings.vectorstore_dir / "chroma").exists()  # nothing embedded locally: it all went to the server
    question = "How many people were killed according to the separatist authorities?"
    before = chron.ask(question, mode="extractive")
    assert not before.abstained and "25 people had been killed" in before.text
    counts = {k: chron.store.count(k) for k in ("chunks", "statements", "events", "articles")}
    assert counts["chunks"] > 5 and counts["articles"] == 1

    server.stop()
    server.start()

    # A fresh client (a new process would do the same): the caches keyed by settings are dropped.
    clear_caches()
    from app.store.keyword import KeywordIndex

    syncs: list[tuple[int, int]] = []

    def sync(*a, **k):
        syncs.append(real_sync(*a, **k))
        return syncs[-1]

    real_sync = KeywordIndex.sync
    monkeypatch.setattr(KeywordIndex, "sync", sync)
    again = Chronicle(settings)
    assert isinstance(again.store, Store)
    assert {k: again.store.count(k) for k in counts} == counts
    after = again.ask(question, mode="extractive")
    assert not after.abstained and "25 people had been killed" in after.text
    assert [c.start for c in after.citations] == [c.start for c in before.citations]
    assert syncs and set(syncs) == {(0, 0)}  # the keyword index kept at ingest matches the server: nothing to catch up
    assert again.ingest([SEED]).unchanged == 1  # the server remembers the article: re-ingest is a no-op


def test_unreachable_server_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    from app.store.chroma import Store, StoreError

    settings = server_settings(tmp_path, free_port(), monkeypatch)
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        Store(settings, embeddings=None, model_id="all-MiniLM-L6-v2/torch")  # type: ignore[arg-type]
