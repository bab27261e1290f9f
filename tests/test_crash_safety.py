"""Crash safety: a `kill -9` in the middle of a batch ingest leaves no half-visible article, and a re-run finishes.

A real `python ingest.py DIR` subprocess ingests a few hundred generated articles with the real embedding model and
is killed with SIGKILL once some batches are stored (watched through its progress output and the store's files).
A fresh process then audits the store: every article visible to retrieval has exactly its ``n_chunks`` passages,
no retrieval result, statement or timeline event comes from an invisible article; the re-run exits 0 and leaves
every article exactly once, with no duplicate passages. A second, deterministic test makes the article-record write
itself fail (the worst moment: everything else written) and checks the same.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.config import PROJECT_ROOT, load_settings
from tests.helpers_net import chronicle_env, run_cli

N_ARTICLES = 240
_PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Hanoi", "Accra", "Bergen", "Cusco", "Dakar"]
_THINGS = ["bridge", "harbour", "library", "railway", "stadium", "museum", "market", "tunnel", "dam", "airport"]
QUERIES = ["Which council approved the bridge plan?", "What did the mayor say?", "code word zq0007x",
           "How much did the harbour cost?", "When will the stadium open?"]


def write_articles(folder: Path, n: int = N_ARTICLES) -> None:
    """Small, unique, dated articles, each with a code word and a quoted mayor (statements and events too)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        rnd = random.Random(i)
        place, thing = rnd.choice(_PLACES), rnd.choice(_THINGS)
        (folder / f"article-{i:04d}.txt").write_text(
            f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}\nCouncil of {place} approves {thing} plan number {i}\n\n"
            f"The city council of {place} voted on Monday to approve the new {thing} plan, officials said. "
            f"The plan carries the code word zq{i:04d}x and costs {rnd.randint(2, 900)} million euros.\n\n"
            f"Mayor Ana Costa{i} said the {thing} would open in {rnd.randint(2025, 2030)}. "
            f"\"This is a good day for {place},\" she told reporters.\n\n"
            f"Opponents said the {thing} was too expensive. A vote on the budget is expected next week.\n"
        )


def audit(store_dir: str) -> dict[str, Any]:
    """Run in a fresh process: what retrieval, statements and the timeline can see, and what is in the store."""
    from app.chronicle import Chronicle
    from app.store.keyword import get_keyword_index
    settings = load_settings(vectorstore_dir=Path(store_dir))
    chron = Chronicle(settings)
    # The keyword index as the killed run left it (read before any retriever catches it up with the store): every
    # visible article is in it, whole, because a batch is indexed before its article records are written.
    indexed = get_keyword_index(settings).article_ids()
    recorded = set(chron.store.articles())
    keyword_missing = sorted(recorded - indexed)
    retriever = chron.retriever
    store = chron.store
    records = store.articles()
    visible = set(retriever.visible_articles)
    passages = store.all_passages()
    per_article = Counter(p.article_id for p in passages)
    spans = Counter((p.article_id, p.start, p.end) for p in passages)
    leaked: list[str] = []
    for q in QUERIES:
        leaked += [p.chunk_id for p in retriever.retrieve(q, k=20) if p.article_id not in visible]
        answer = chron.ask(q, mode="extractive")
        leaked += [f"cite:{c.article_id}" for c in answer.citations if c.article_id not in visible]
    leaked += [f"event:{a}" for e in chron.timeline() for a in e.article_ids if a not in visible]
    stmt = chron.ask("What did Mayor Ana Costa7 say?", mode="extractive")
    leaked += [f"stmt:{c.article_id}" for c in stmt.citations if c.article_id not in visible]
    code_words = [int(a.title.split()[-1]) for a in list(records.values())[:20]]  # "... plan number 17"
    keyword_lost = [i for i in code_words if f"zq{i:04d}x" not in " ".join(
        p.text for p in store.passages([h.chunk_id for h in retriever.keyword_hits(f"zq{i:04d}x", 3)]))]
    return {
        "keyword_missing": keyword_missing,
        "keyword_lost": keyword_lost,
        "records": len(records),
        "visible": sorted(visible),
        "visible_equals_records": visible == set(records),
        "titles": sorted(a.title for a in records.values()),
        "chunk_rows": len(passages),
        "half_visible": sorted(a for a in visible if per_article[a] != records[a].n_chunks),
        "invisible_with_rows": len(set(per_article) - visible),
        "duplicate_spans": sum(1 for c in spans.values() if c > 1),
        "leaked": leaked,
    }


def audit_in_fresh_process(store: Path) -> dict[str, Any]:
    code = "import json, sys; from tests.test_crash_safety import audit; print('AUDIT' + json.dumps(audit(sys.argv[1])))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(store)], cwd=PROJECT_ROOT, env=chronicle_env(store), capture_output=True,
        text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("AUDIT"))
    return json.loads(line[5:])


def _progress(err_file: Path) -> int:
    """Articles the killed process reported as stored (the progress bar's last "N/TOTAL articles" on stderr)."""
    import re

    counts = re.findall(r"(\d+)/\d+ articles", err_file.read_text(errors="replace"))
    return int(counts[-1]) if counts else 0


@pytest.mark.timeout(900)
def test_kill_9_mid_batch_leaves_no_half_visible_article_and_rerun_finishes(tmp_path: Path) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    write_articles(corpus)
    env = chronicle_env(store)
    err_file = tmp_path / "ingest.err"
    with err_file.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "ingest.py", str(corpus)], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        deadline = time.monotonic() + 400
        while _progress(err_file) < 64:  # two batches of 32 stored: the kill lands inside a later one
            assert proc.poll() is None, f"ingest ended before it could be killed:\n{err_file.read_text()[-2000:]}"
            assert time.monotonic() < deadline, err_file.read_text()[-2000:]
            time.sleep(0.05)
        time.sleep(random.Random().uniform(0.0, 1.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    after_kill = audit_in_fresh_process(store)
    print(f"\nafter kill -9: {after_kill['records']} articles visible, {after_kill['chunk_rows']} passage rows, "
          f"{after_kill['invisible_with_rows']} invisible article(s) with leftover rows")
    assert 0 < after_kill["records"] < N_ARTICLES, "the kill did not land mid-ingest"
    assert after_kill["visible_equals_records"]
    assert after_kill["half_visible"] == []
    assert after_kill["duplicate_spans"] == 0
    assert after_kill["leaked"] == []
    assert after_kill["keyword_missing"] == [] and after_kill["keyword_lost"] == []

    rerun = run_cli(["ingest.py", "--quiet", str(corpus)], env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{N_ARTICLES - after_kill['records']} article(s) added" in rerun.stdout, rerun.stdout
    assert f"{after_kill['records']} unchanged" in rerun.stdout, rerun.stdout

    final = audit_in_fresh_process(store)
    assert final["records"] == N_ARTICLES
    assert len(final["titles"]) == len(set(final["titles"])) == N_ARTICLES  # every article exactly once
    assert final["invisible_with_rows"] == 0
    assert final["half_visible"] == [] and final["duplicate_spans"] == 0 and final["leaked"] == []
    assert final["keyword_missing"] == [] and final["keyword_lost"] == []


def test_failure_right_before_the_article_record_leaves_it_invisible_and_rerun_completes(tmp_path: Path) -> None:
    """The most dangerous moment, made deterministic: passages, statements and events are stored, the record not."""
    from app.ingest.pipeline import ingest_paths
    from app.store.chroma import Store

    corpus, store_dir = tmp_path / "corpus", tmp_path / "store"
    write_articles(corpus, 40)
    settings = load_settings(vectorstore_dir=store_dir)
    original = Store._upsert
    calls = {"articles": 0}

    def failing_upsert(self: Store, kind: str, rows: list) -> None:
        if kind == "articles":
            calls["articles"] += 1
            if calls["articles"] == 2:  # the second batch dies after its passages were written
                raise OSError("disk full (simulated)")
        original(self, kind, rows)

    Store._upsert = failing_upsert  # type: ignore[method-assign]
    try:
        with pytest.raises(OSError, match="simulated"):
            ingest_paths([corpus], settings)
    finally:
        Store._upsert = original  # type: ignore[method-assign]

    broken = audit_in_fresh_process(store_dir)
    assert broken["records"] == 32  # the first batch only
    assert broken["invisible_with_rows"] == 8  # the second batch's rows exist but are invisible
    assert broken["half_visible"] == [] and broken["leaked"] == []

    report = ingest_paths([corpus], settings)
    assert (report.added, report.unchanged) == (8, 32), report.summary()
    final = audit_in_fresh_process(store_dir)
    assert final["records"] == 40 and final["invisible_with_rows"] == 0
    assert final["half_visible"] == [] and final["duplicate_spans"] == 0 and final["leaked"] == []
