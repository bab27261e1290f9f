"""Articles can be listed and removed: the CLI, the facade, the keyword index, other processes, and crashes.

Removal marks the article record ``removing`` (hidden at once), deletes its passages, statements and events, then the
record; the keyword index drops its passages (in place) and a new generation is stamped. A kill -9 in between leaves a hidden record
that the next removal or ingest finishes.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.conftest import SEED, make_settings
from tests.helpers_net import chronicle_env, run_cli
from tests.test_crash_safety import audit_in_fresh_process, write_articles


def _ingest(store: Path, *paths: Path) -> None:
    done = run_cli(["ingest.py", "--quiet", *map(str, paths)], chronicle_env(store))
    assert done.returncode == 0, done.stderr


def _rows_of(store, article_id: str) -> dict[str, int]:
    return {kind: store.count(kind, article_id) for kind in ("chunks", "statements", "events")}


def test_articles_lists_and_remove_deletes_everything_derived(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    corpus = tmp_path / "corpus"
    write_articles(corpus, 3)
    _ingest(store_dir, SEED, corpus)
    env = chronicle_env(store_dir)

    listed = run_cli(["-m", "app", "articles", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 4 and set(rows[0]) == {"id", "title", "published", "source", "passages"}
    seed = next(r for r in rows if r["title"].startswith("US criticizes Azerbaijan"))
    assert seed["published"] == "2023-09-19" and seed["passages"] == 36 and seed["source"].endswith(SEED.name)
    text = run_cli(["-m", "app", "articles"], env).stdout
    assert seed["id"] in text and "4 article(s)" in text

    from app.chronicle import Chronicle
    from app.store.keyword import get_keyword_index

    chron = Chronicle(make_settings(store_dir))
    assert chron.ask("What did Turkey say?", mode="extractive").citations
    assert _rows_of(chron.store, seed["id"]) == {"chunks": 36, "statements": 35, "events": 11}

    gone = run_cli(["-m", "app", "remove", seed["id"][:8]], env)  # an id prefix, as `articles` prints ids
    assert gone.returncode == 0 and "1 article(s) removed" in gone.stdout, gone.stderr
    time.sleep(1.1)  # the running process checks the generation at most once a second
    answer = chron.ask("What did Turkey say?", mode="extractive")
    assert answer.abstained and not answer.citations, answer.text
    assert seed["id"] not in chron.retriever.visible_articles
    assert _rows_of(chron.store, seed["id"]) == {"chunks": 0, "statements": 0, "events": 0}
    index = get_keyword_index(chron.settings)  # updated in place by the other process's removal
    assert seed["id"] not in index.article_ids() and len(index.article_ids()) == 3
    assert not [h for h in index.search("Turkey Azerbaijan Karabakh", 100) if h.chunk_id.startswith(seed["id"])]
    assert len(json.loads(run_cli(["-m", "app", "articles", "--json"], env).stdout)) == 3

    other = run_cli(["-m", "app", "remove", str(corpus / "article-0001.txt")], env)  # by source path
    assert other.returncode == 0, other.stderr
    missing = run_cli(["-m", "app", "remove", "https://example.com/never-ingested"], env)
    assert missing.returncode == 1 and "no article matches" in missing.stderr
    assert len(json.loads(run_cli(["-m", "app", "articles", "--json"], env).stdout)) == 2


def test_remove_through_the_facade_and_by_url(tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"title": "Harbour reopens", "url": "https://news.example/harbour",
                                "published": "2023-10-02", "text": "The harbour authority said on Monday that "
                                "shipping resumed after the storm. Dock workers said the cranes were undamaged."}) + "\n")
    chron = Chronicle(make_settings(tmp_path / "store"))
    chron.ingest([feed])
    assert "shipping resumed" in chron.ask("When did shipping resume at the harbour?", mode="extractive").text
    report = chron.remove(["https://news.example/harbour"])
    assert len(report.removed) == 1 and not report.not_found
    assert chron.store.articles() == {} and chron.articles() == []
    assert chron.retrieve("harbour shipping storm") == []


def test_a_removal_that_fails_half_way_is_invisible_and_finished_later(tmp_path: Path, monkeypatch) -> None:
    from app.chronicle import Chronicle
    from app.store.chroma import Store

    store_dir = tmp_path / "store"
    _ingest(store_dir, SEED)
    chron = Chronicle(make_settings(store_dir))
    article_id = next(iter(chron.store.articles()))
    real_delete = Store.delete_articles

    def dies_after_the_passages(self, aids) -> None:
        with self.using():
            for aid in aids:
                meta = dict(self.collections["articles"].get(ids=[aid], include=["metadatas"])["metadatas"][0])
                self.collections["articles"].update(ids=[aid], metadatas=[{**meta, "removing": 1}])
                self.collections["chunks"].delete(where={"article_id": aid})
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(Store, "delete_articles", dies_after_the_passages)
    with pytest.raises(KeyboardInterrupt):
        chron.remove([article_id])
    monkeypatch.setattr(Store, "delete_articles", real_delete)

    seen = audit_in_fresh_process(store_dir)  # statements and events are still stored, the record too
    assert seen["records"] == 0 and seen["visible"] == [] and seen["leaked"] == []
    assert run_cli(["-m", "app", "articles", "--json"], chronicle_env(store_dir)).stdout.strip() == "[]"

    _ingest(store_dir, SEED)  # the next run finishes the removal first, then ingests the article afresh
    chron.retriever.refresh(force=True)
    assert _rows_of(chron.store, article_id) == {"chunks": 36, "statements": 35, "events": 11}
    assert "Turkey said it supported Baku" in chron.ask("What did Turkey say?", mode="extractive").text


@pytest.mark.timeout(900)
def test_kill_9_during_a_removal_leaves_no_half_removed_article_visible(tmp_path: Path) -> None:
    store_dir, corpus = tmp_path / "store", tmp_path / "corpus"
    write_articles(corpus, 160)
    _ingest(store_dir, corpus)
    env = chronicle_env(store_dir)
    ids = [r["id"] for r in json.loads(run_cli(["-m", "app", "articles", "--json"], env).stdout)]
    # The removal deletes every collection's rows of all 120 articles at once (one metadata delete each), too fast
    # to kill from outside at a chosen moment: the process kills itself with SIGKILL when it starts deleting their
    # statements (records marked, passages gone; statements, events and records left).
    dies = ("import os, signal, sys\n"
            "from chromadb.api.models.Collection import Collection\n"
            "real = Collection.delete\n"
            "def delete(self, *a, **k):\n"
            "    if self.name.endswith('_statements'):\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    return real(self, *a, **k)\n"
            "Collection.delete = delete\n"
            "from app.cli import main\n"
            "sys.exit(main(['remove', *sys.argv[1:]]))\n")
    proc = subprocess.run([sys.executable, "-c", dies, *ids[:120]], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]

    seen = audit_in_fresh_process(store_dir)
    assert seen["visible_equals_records"] and seen["half_visible"] == [] and seen["leaked"] == []
    assert 40 <= seen["records"] < 150

    again = run_cli(["-m", "app", "remove", *ids[:120]], env)  # already-removed ids are reported, the rest go
    assert "article(s) removed" in again.stdout + again.stderr
    seen = audit_in_fresh_process(store_dir)
    assert seen["records"] == 40 and seen["invisible_with_rows"] == 0 and seen["half_visible"] == []


def test_in_llm_mode_an_upload_or_removal_rewarms_the_models_cached_prefix(tmp_path: Path, monkeypatch) -> None:
    """A small archive is the model's cached prompt prefix (app.answer.library): after the Articles tab changes it,
    the new prefix is evaluated in the background, not in the next question's first-token time."""
    import threading

    from app.ui.views import Views

    views = Views(make_settings(tmp_path / "store", answer_mode="auto"))  # the default: search answers use the model
    warmed = threading.Semaphore(0)
    monkeypatch.setattr(views, "prewarm", warmed.release)
    _, _, _, report, _ = views.ingest_upload(str(SEED))
    assert "1 article(s) added" in report and warmed.acquire(timeout=10)
    article_id = views.chronicle.articles()[0].article_id
    views.remove(article_id)
    assert warmed.acquire(timeout=10)
    extractive = Views(make_settings(tmp_path / "other", answer_mode="extractive"))
    monkeypatch.setattr(extractive, "prewarm", warmed.release)
    extractive.ingest_upload(str(SEED))
    assert not warmed.acquire(timeout=1)
