"""Batch ingest of a few hundred generated articles: resumable, idempotent, edit-aware, with progress output.

The encoder is a deterministic stand-in (a hash-seeded unit vector per text): these tests are about the ingest
bookkeeping, and keep the shared CPU free. Retrieval is checked through BM25, which needs no model.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from app.config import Settings
from tests.conftest import hash_encode, make_settings

N_JSONL_FILES = 3
PER_FILE = 100
N_TXT = 20
TOTAL = N_JSONL_FILES * PER_FILE + N_TXT

_PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Hanoi", "Accra", "Bergen", "Cusco", "Dakar"]
_THINGS = ["bridge", "harbour", "library", "railway", "stadium", "museum", "market", "tunnel", "dam", "airport"]


fake_encode = hash_encode  # same text, same unit vector: these tests are about batches, files and crashes


def article_text(n: int) -> tuple[str, str]:
    """A small, unique, dated news-like article: title and body of several paragraphs."""
    rnd = random.Random(n)
    place, thing = rnd.choice(_PLACES), rnd.choice(_THINGS)
    title = f"Council of {place} approves {thing} plan number {n}"
    paras = [
        f"The city council of {place} voted on Monday to approve the new {thing} plan, officials said. "
        f"The plan carries the code word zq{n:04d}x and costs {rnd.randint(2, 900)} million euros.",
        f"Mayor Ana Costa{n} said the {thing} would open in {rnd.randint(2025, 2030)}. "
        f"\"This is a good day for {place},\" she told reporters.",
        f"Opponents said the {thing} was too expensive. A vote on the budget is expected next week.",
    ]
    return title, "\n\n".join(paras)


def write_corpus(root: Path) -> None:
    """Three JSON Lines files in the RealTimeQA search-result shape, and loose .txt files."""
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    for f in range(N_JSONL_FILES):
        with (root / f"week{f}_gcs.jsonl").open("w") as fh:
            for q in range(PER_FILE // 10):
                results = []
                for _ in range(10):
                    title, body = article_text(n)
                    results.append(
                        {
                            "url": f"https://news.example/{n}",
                            "title": title,
                            "text": body,
                            "publish_date": "2023/09/19",
                            "authors": ["Staff"],
                        }
                    )
                    n += 1
                fh.write(json.dumps({"question_id": f"w{f}_{q}", "search_result": results}) + "\n")
    for _ in range(N_TXT):
        title, body = article_text(n)
        (root / f"article-{n}.txt").write_text(f"on Tuesday 19 September, 2023\n\n{title}\n\n{body}\n")
        n += 1


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "articles")
    return tmp_path / "articles"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "store")


def counts(settings: Settings) -> dict[str, int]:
    from app.store.registry import get_store

    store = get_store(settings)
    return {kind: store.count(kind) for kind in ("chunks", "statements", "events", "articles")}


def test_batch_ingest_then_rerun_adds_nothing(corpus: Path, settings: Settings, capsys) -> None:
    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths

    report = ingest_paths([corpus], settings, encode=fake_encode, progress=True)
    err = capsys.readouterr().err
    assert report.ok, report.summary()
    assert report.added == TOTAL and report.files == N_JSONL_FILES + N_TXT
    n_files = N_JSONL_FILES + N_TXT
    assert f"{TOTAL}articles" in err.replace(" ", "") and f"file {n_files}/{n_files}" in err  # progress counted all
    first = counts(settings)
    assert first["articles"] == TOTAL and first["chunks"] >= TOTAL * 3
    assert first["statements"] >= TOTAL  # the quoted mayor in every article

    chron = Chronicle(settings.model_copy(update={"dense_weight": 0.0}))  # fake vectors: keywords only
    top = chron.retriever.retrieve("zq0123x", k=3)
    assert top and top[0].title.endswith("plan number 123")
    generation = chron.store.generation()

    again = ingest_paths([corpus], settings, encode=fake_encode)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, TOTAL)
    assert counts(settings) == first
    assert chron.store.generation() == generation  # nothing changed: no keyword-index rebuild


def test_interrupted_run_resumes_without_leftovers(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    from app.ingest import pipeline as ingest
    from app.store.chroma import Store
    from app.store.registry import get_store

    clean = make_settings(tmp_path / "clean")
    ingest.ingest_paths([corpus], clean, encode=fake_encode)
    expected = counts(clean)

    settings = make_settings(tmp_path / "crashy")
    real_upsert = Store._upsert
    calls = {"articles": 0}

    def crash_on_third_article_batch(self: Store, kind: str, rows: list) -> None:
        if kind == "articles":
            calls["articles"] += 1
            if calls["articles"] == 3:  # passages, statements, events of this batch are written: die now
                raise KeyboardInterrupt("simulated crash")
        real_upsert(self, kind, rows)

    monkeypatch.setattr(Store, "_upsert", crash_on_third_article_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest_paths([corpus], settings, encode=fake_encode)
    monkeypatch.setattr(Store, "_upsert", real_upsert)

    store = get_store(settings)
    visible = store.count("articles")
    assert visible == 2 * ingest.BATCH_ARTICLES
    assert store.count("chunks") > expected["chunks"] * visible / TOTAL  # the dead batch left rows behind

    resumed = ingest.ingest_paths([corpus], settings, encode=fake_encode)
    assert resumed.ok and resumed.unchanged == visible and resumed.added == TOTAL - visible
    assert counts(settings) == expected  # leftovers replaced, nothing twice


def test_edited_files_replace_their_old_version(corpus: Path, settings: Settings) -> None:
    from app.ingest.pipeline import ingest_paths
    from app.store.registry import get_store

    ingest_paths([corpus], settings, encode=fake_encode)
    store = get_store(settings)
    before = counts(settings)
    old_ids = set(store.articles())

    txt = sorted(corpus.glob("article-*.txt"))[0]
    txt.write_text(txt.read_text().replace("voted on Monday", "voted late on Monday"))
    jsonl = corpus / "week1_gcs.jsonl"
    lines = jsonl.read_text().splitlines()
    record = json.loads(lines[0])
    record["search_result"][0]["text"] += "\n\nThe council will meet again in October."
    lines[0] = json.dumps(record)
    jsonl.write_text("\n".join(lines) + "\n")

    report = ingest_paths([corpus], settings, encode=fake_encode)
    assert (report.added, report.replaced, report.unchanged) == (0, 2, TOTAL - 2)
    now = counts(settings)
    assert now["articles"] == before["articles"]
    assert now["chunks"] == before["chunks"] + 1  # one new paragraph, the edited sentence kept its passage
    texts = [p.text for p in store.all_passages()]
    assert any("meet again in October" in t for t in texts) and any("voted late on Monday" in t for t in texts)
    gone = old_ids - set(store.articles())
    assert len(gone) == 2
    for article_id in gone:
        for kind in ("chunks", "statements", "events"):
            assert store.count(kind, article_id) == 0


def test_duplicates_across_files_are_stored_once(corpus: Path, settings: Settings) -> None:
    from app.ingest.pipeline import ingest_paths

    (corpus / "copy").mkdir()
    (corpus / "copy" / "week0_again.jsonl").write_text((corpus / "week0_gcs.jsonl").read_text())
    report = ingest_paths([corpus], settings, encode=fake_encode)
    assert report.added == TOTAL and report.unchanged == PER_FILE
    assert counts(settings)["articles"] == TOTAL


def test_two_versions_of_one_url_in_the_inputs_keep_the_last_and_rerun_is_a_no_op(
    corpus: Path, settings: Settings
) -> None:
    """RealTimeQA re-crawls pages: week 2 may hold an updated text under a URL week 1 already had."""
    from app.ingest.pipeline import ingest_paths
    from app.store.registry import get_store

    record = json.loads((corpus / "week0_gcs.jsonl").read_text().splitlines()[0])["search_result"][0]
    updated = {**record, "text": record["text"] + "\n\nUpdate: the council postponed the vote."}
    (corpus / "week9_gcs.jsonl").write_text(json.dumps({"question_id": "w9_0", "search_result": [updated]}) + "\n")

    first = ingest_paths([corpus], settings, encode=fake_encode)
    assert (first.added, first.superseded) == (TOTAL, 1)
    store = get_store(settings)
    ids = [aid for aid, a in store.articles().items() if a.url == record["url"]]
    assert len(ids) == 1
    assert any("postponed" in p.text for p in store.passages_of(ids[0]))  # the later version won

    again = ingest_paths([corpus], settings, encode=fake_encode)
    assert (again.added, again.replaced, again.unchanged, again.superseded) == (0, 0, TOTAL, 1)


def test_resumed_run_skips_finished_articles_before_any_text_stage_or_embedding(
    corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """A long ingest stopped half-way is resumed by running it again: the finished articles are recognised by id
    and never reach the text stages or the encoder again; progress counts only what is left."""
    from app.ingest import pipeline as ingest
    from app.store.chroma import Store
    from app.store.registry import get_store

    settings = make_settings(tmp_path / "store", ingest_workers=0)  # in-process: the stages can be watched
    real_upsert = Store._upsert
    calls = {"articles": 0}

    def stop_at_third_batch(self: Store, kind: str, rows: list) -> None:
        if kind == "articles":
            calls["articles"] += 1
            if calls["articles"] == 3:
                raise KeyboardInterrupt("Ctrl-C")
        real_upsert(self, kind, rows)

    monkeypatch.setattr(Store, "_upsert", stop_at_third_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest_paths([corpus], settings, encode=fake_encode)
    monkeypatch.setattr(Store, "_upsert", real_upsert)
    finished = get_store(settings).articles()
    assert len(finished) == 2 * ingest.BATCH_ARTICLES

    prepared: list[str] = []
    encoded: list[str] = []
    real_prepare = ingest.prepare_articles

    def watched_prepare(articles, max_chars):
        prepared.extend(a.article_id for a in articles)
        return real_prepare(articles, max_chars)

    def watched_encode(texts: list[str]):
        encoded.extend(texts)
        return fake_encode(texts)

    monkeypatch.setattr(ingest, "prepare_articles", watched_prepare)
    progress: list[tuple[int, int]] = []
    resumed = ingest.ingest_paths([corpus], settings, encode=watched_encode,
                                  on_progress=lambda done, total: progress.append((done, total)))
    left = TOTAL - len(finished)
    assert (resumed.added, resumed.unchanged) == (left, len(finished))
    assert len(prepared) == left and not set(prepared) & set(finished)  # finished articles: no text stage again
    finished_titles = {a.title for a in finished.values()}
    codes = {f"zq{int(title.rsplit(' ', 1)[1]):04d}x" for title in finished_titles}  # one per article
    assert encoded and not any(code in t for code in codes for t in encoded)  # ... and no embedding
    assert progress[0] == (0, left) and progress[-1] == (left, left)
    assert get_store(settings).count("articles") == TOTAL


def test_worker_process_and_in_process_text_stages_store_the_same_rows(corpus: Path, tmp_path: Path) -> None:
    """The text stages give the same passages, statements and events in a spawned worker as in-process."""
    from app.ingest.pipeline import MIN_ARTICLES_FOR_WORKERS, ingest_paths
    from app.store.registry import get_store

    assert TOTAL >= MIN_ARTICLES_FOR_WORKERS  # the default settings use the worker process here
    pooled, inline = make_settings(tmp_path / "pooled"), make_settings(tmp_path / "inline", ingest_workers=0)
    for settings in (pooled, inline):
        assert ingest_paths([corpus], settings, encode=fake_encode).added == TOTAL
    assert counts(pooled) == counts(inline)
    a, b = get_store(pooled), get_store(inline)
    assert sorted((s.statement_id, s.speaker, s.affiliation) for s in a.statements()) == sorted(
        (s.statement_id, s.speaker, s.affiliation) for s in b.statements())
    assert sorted((e.event_id, e.date_start_ts, e.actors) for e in a.events()) == sorted(
        (e.event_id, e.date_start_ts, e.actors) for e in b.events())


def test_the_articles_tab_upload_reports_progress(tmp_path: Path) -> None:
    """The Articles tab's upload hands gradio's progress bar (done, total) after every stored batch."""
    from app.ui.views import Views

    feed = tmp_path / "feed.jsonl"
    rows = []
    for n in range(40):  # two batches
        title, body = article_text(n)
        rows.append(json.dumps({"title": title, "text": body, "published": "2023-09-19", "url": f"https://x.example/{n}"}))
    feed.write_text("\n".join(rows) + "\n")
    calls: list[tuple[tuple[int, int], str]] = []

    def progress(value: tuple[int, int], desc: str = "", unit: str = "") -> None:
        calls.append((value, unit))

    # extractive: in LLM mode an upload also re-warms the model's cached prefix in the background (not tested here)
    views = Views(make_settings(tmp_path / "store", answer_mode="extractive"))
    _, _, _, report, _ = views.ingest_upload(str(feed), progress)
    assert "40 article(s) added" in report
    assert calls[0] == ((0, 40), "articles") and calls[-1] == ((40, 40), "articles")
    assert len(calls) >= 3  # the start, then each of the two batches
