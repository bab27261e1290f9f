"""The keyword index (SQLite, updated in place): adds, removals, merging, crashes, migration of an old store, and
BM25 scores equal to the bm25s index it replaced, on the seed article's real passages."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.records import EventFilter, Passage, StatementFilter
from app.store.keyword import (
    LEAD_CHARS,
    LEAD_READ,
    MERGE_FACTOR,
    KeywordIndex,
    get_keyword_index,
    index_path,
    legacy_dir,
)
from app.text.chunking import keyword_text
from app.text.tokens import VERSION as TOKENS_VERSION
from app.text.tokens import written_names
from tests.conftest import SEED, hash_encode, make_settings

QUERIES = ["What did Turkey say?", "How many people were killed?", "Stepanakert Khankendi",
           "military posts seized by Azerbaijan", "Blinken deeply concerned", "ceasefire talks Russia peacekeepers",
           "Turkey said Turkey supports Azerbaijan"]  # a repeated word counts twice, as in bm25s


@pytest.fixture(scope="module")
def seed_passages(tmp_path_factory: pytest.TempPathFactory) -> list[Passage]:
    """The seed article's real passages, as stored (ingested with the hash encoder: vectors do not matter here)."""
    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("kw-seed"))
    assert ingest_paths([SEED], settings, encode=hash_encode).added == 1
    passages = Chronicle(settings).store.all_passages()
    assert len(passages) > 20
    return passages


def _copies(passages: list[Passage], n: int) -> list[Passage]:
    """n distinct articles made of the seed's passages (ids changed), each with one word of its own."""
    out = []
    for i in range(n):
        aid = f"copy{i:04d}"
        out += [replace(p, chunk_id=f"{aid}:{j}", article_id=aid, text=f"{p.text} marker{i:04d}x")
                for j, p in enumerate(passages)]
    return out


def _bm25s_ranking(passages: list[Passage], query: str, k: int) -> list[tuple[str, float]]:
    """The ranking of the index this one replaced: bm25s (Lucene BM25) over the same headline + passage texts."""
    import bm25s
    import Stemmer

    stem = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([keyword_text(p.title, p.text) for p in passages], stopwords="en",
                                   stemmer=stem, show_progress=False), show_progress=False)
    tokens = bm25s.tokenize([query], stopwords="en", stemmer=stem, show_progress=False)
    docs, scores = retriever.retrieve(tokens, k=k, show_progress=False, n_threads=0)
    return [(passages[int(d)].chunk_id, float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def test_bm25_scores_equal_the_bm25s_index_it_replaced_on_real_passages(tmp_path: Path, seed_passages) -> None:
    passages = _copies(seed_passages, 3)[: len(seed_passages) * 2 + 5]  # uneven: not every passage thrice
    index = KeywordIndex(tmp_path / "kw.sqlite3")
    index.add(passages)
    for query in QUERIES:
        old = _bm25s_ranking(passages, query, 10)
        new = [(h.chunk_id, h.score) for h in index.search(query, 10)]
        assert old, query
        assert [s for _, s in new] == pytest.approx([s for _, s in old], rel=1e-4), query
        cut = min(s for _, s in old) * (1 + 1e-4)  # equal scores at the cut may differ in which ids they keep
        assert {c: pytest.approx(s, rel=1e-4) for c, s in old if s > cut} == {c: s for c, s in new if s > cut}, query
    top = index.search("How many people were killed?", 1)[0]
    assert "25 people had been killed" in next(p.text for p in passages if p.chunk_id == top.chunk_id)


def test_add_remove_and_merging_keep_results_equal_to_a_fresh_index(tmp_path: Path, seed_passages) -> None:
    copies = _copies(seed_passages, 24)
    grown = KeywordIndex(tmp_path / "grown.sqlite3")
    for i in range(24):  # one article per ingest: segments are merged as they accumulate
        assert grown.add([p for p in copies if p.article_id == f"copy{i:04d}"]) == len(seed_passages)
    assert grown.add([p for p in copies if p.article_id == "copy0003"]) == 0  # already indexed: skipped
    segments = grown._db().execute("SELECT count(*) FROM segments").fetchone()[0]
    assert segments < 2 * MERGE_FACTOR  # 24 adds, few segments

    removed = [f"copy{i:04d}" for i in range(0, 24, 3)]
    grown.remove(removed)
    assert not grown.search("marker0003x", 5)
    assert grown.search("marker0004x", 5)[0].chunk_id.startswith("copy0004:")
    assert grown.article_ids() == {f"copy{i:04d}" for i in range(24)} - set(removed)

    fresh = KeywordIndex(tmp_path / "fresh.sqlite3")
    fresh.add([p for p in copies if p.article_id not in removed])
    assert grown.count() == fresh.count()
    for query in [*QUERIES, "marker0005x Turkey"]:
        a, b = grown.search(query, 20), fresh.search(query, 20)
        assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-6), query

    for i in range(24, 24 + 3 * MERGE_FACTOR):  # more adds: the removed passages' postings are merged away
        grown.add([replace(p, chunk_id=f"new{i}:{j}", article_id=f"new{i}") for j, p in enumerate(seed_passages)])
    gone = grown._db().execute("SELECT count(*) FROM deleted").fetchone()[0]
    assert gone < len(removed) * len(seed_passages)


def test_a_failed_transaction_leaves_the_index_as_it_was(tmp_path: Path, seed_passages, monkeypatch) -> None:
    index = KeywordIndex(tmp_path / "kw.sqlite3")
    copies = _copies(seed_passages, 2)
    index.add([p for p in copies if p.article_id == "copy0000"])
    before = index.search("Turkey", 50), index.count()

    def dies(*args, **kwargs):
        raise KeyboardInterrupt("kill")

    monkeypatch.setattr(KeywordIndex, "_count", staticmethod(dies))  # after the postings are written
    with pytest.raises(KeyboardInterrupt):
        index.add([p for p in copies if p.article_id == "copy0001"])
    monkeypatch.undo()
    assert (index.search("Turkey", 50), index.count()) == before
    assert index.article_ids() == {"copy0000"}
    assert index.add([p for p in copies if p.article_id == "copy0001"]) == len(seed_passages)


def test_ingest_and_removal_update_the_index_in_place(tmp_path: Path) -> None:
    from app.chronicle import Chronicle
    from tests.test_crash_safety import write_articles

    corpus = tmp_path / "corpus"
    write_articles(corpus, 12)
    settings = make_settings(tmp_path / "store", dense_weight=0.0)
    chron = Chronicle(settings)
    assert chron.ingest([corpus / f"article-{i:04d}.txt" for i in range(10)]).added == 10
    assert len(chron.retriever.article_matrix().ids) == 10
    read: list[int] = []
    real_vectors = chron.store.article_vectors
    chron.store.article_vectors = lambda ids: read.append(len(ids)) or real_vectors(ids)  # type: ignore[method-assign]
    index = get_keyword_index(settings)
    rows_before = index.count()
    db = sqlite3.connect(index_path(settings))
    postings_before = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    assert chron.ingest([corpus / "article-0010.txt", corpus / "article-0011.txt"]).added == 2
    assert db.execute("SELECT count(*) FROM docs").fetchone()[0] == postings_before + index.count() - rows_before
    assert len(index.article_ids()) == 12
    matrix = chron.retriever.article_matrix()  # the story finder's vectors: only the 2 new ones are read
    assert read == [2] and len(matrix.ids) == 12 and matrix.vectors.shape == (12, 384)
    vectors = chron.store.article_vectors(list(matrix.ids))
    assert all(np.allclose(vectors[aid], matrix.vectors[i]) for i, aid in enumerate(matrix.ids))
    hit = chron.retrieve("code word zq0011x", 1)[0]
    assert "zq0011x" in hit.text

    victim = hit.article_id
    chron.remove([victim])
    assert victim not in index.article_ids()
    assert all(h.article_id != victim for h in chron.retrieve("code word zq0011x", 5))
    assert victim not in chron.retriever.article_matrix().ids and len(chron.retriever.article_matrix().ids) == 11
    assert index.generation == chron.store.generation()


def test_a_crash_between_the_index_and_the_article_records_is_finished_by_the_next_run(
        tmp_path: Path, monkeypatch) -> None:
    """The index is written before the article records: a crash in between leaves keyword rows of articles that
    are not visible (never returned) and the next run keeps the index equal to the visible articles."""
    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths
    from app.store.chroma import Store
    from tests.test_crash_safety import write_articles

    corpus = tmp_path / "corpus"
    write_articles(corpus, 4)
    settings = make_settings(tmp_path / "store", dense_weight=0.0)
    real_write = Store.write

    def dies(self, batch, seconds=None):
        raise KeyboardInterrupt("kill -9")

    monkeypatch.setattr(Store, "write", dies)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([corpus], settings, encode=hash_encode)
    monkeypatch.setattr(Store, "write", real_write)
    index = get_keyword_index(settings)
    assert len(index.article_ids()) == 4  # indexed, but no article is visible
    chron = Chronicle(settings)
    assert not chron.retriever.visible_articles and not chron.retrieve("code word zq0002x", 5)

    report = ingest_paths([corpus], settings, encode=hash_encode)
    assert report.added == 4, report.summary()
    chron.retriever.refresh(force=True)
    assert index.article_ids() == chron.retriever.visible_articles
    hits = index.search("zq0002x", 10)
    assert len({h.chunk_id for h in hits}) == len(hits) and "zq0002x" in chron.retrieve("code word zq0002x", 1)[0].text


def test_a_store_with_the_old_bm25s_index_is_migrated_on_open(tmp_path: Path) -> None:
    """A store written before this index: Chroma rows and a ``bm25/`` folder (bm25s files and manifest.json), no
    ``keyword.sqlite3``. Opening it builds the index from Chroma once and deletes the old folder."""
    import bm25s

    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths
    from app.store.registry import forget_stores

    settings = make_settings(tmp_path / "store")
    assert ingest_paths([SEED], settings).added == 1
    chron = Chronicle(settings)
    passages = chron.store.all_passages()
    forget_stores()  # as a new process would: no index open
    for f in index_path(settings).parent.glob(index_path(settings).name + "*"):
        f.unlink()
    old = legacy_dir(settings)
    old.mkdir()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([p.text for p in passages], show_progress=False), show_progress=False)
    retriever.save(str(old / "bm25"))
    (old / "manifest.json").write_text(json.dumps({"generation": chron.store.generation(),
                                                   "ids": [p.chunk_id for p in passages]}))

    again = Chronicle(settings)
    answer = again.ask("How many people were killed?", mode="extractive")
    assert "25 people had been killed" in answer.text
    assert not old.exists() and index_path(settings).exists()
    index = get_keyword_index(settings)
    assert index.count() == len(passages) and index.generation == again.store.generation()
    assert index.search("Khankendi", 1)[0].chunk_id in {p.chunk_id for p in passages if "Khankendi" in p.text}
    assert again.ingest([SEED]).unchanged == 1


def test_search_on_an_empty_or_stopword_query_returns_nothing(tmp_path: Path, seed_passages) -> None:
    index = KeywordIndex(tmp_path / "kw.sqlite3")
    assert index.search("Turkey", 5) == []  # empty index
    index.add(seed_passages)
    assert index.search("the of and", 5) == [] and index.search("", 5) == [] and index.search("?!", 5) == []
    assert index.search('"Turkey" OR NEAR(', 3)  # FTS-like syntax is just words here
    assert np.all(np.diff([h.score for h in index.search("Azerbaijan Armenia", 30)]) <= 1e-9)


def test_an_index_stamped_current_but_missing_articles_is_caught_up(tmp_path: Path) -> None:
    """On a Chroma server, another machine's ingest can end while this machine's runs; this machine's run then
    stamps the latest generation on an index that lacks the other's articles. Readers compare article ids."""
    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths
    from app.store.registry import forget_stores
    from tests.test_crash_safety import write_articles

    corpus = tmp_path / "corpus"
    write_articles(corpus, 3)
    settings = make_settings(tmp_path / "store", dense_weight=0.0)
    assert ingest_paths([corpus], settings, encode=hash_encode).added == 3
    index = get_keyword_index(settings)
    other = sorted(index.article_ids())[0]
    index.remove([other])  # the other machine's article, never indexed here
    assert index.generation == Chronicle(settings).store.generation()  # the stamp says "in step"
    forget_stores()
    chron = Chronicle(settings)  # a new reader process
    assert chron.retriever.visible_articles == get_keyword_index(settings).article_ids()
    assert any(p.article_id == other for p in chron.retrieve("code word zq0000x zq0001x zq0002x", 3))


def _event_filters(events: list) -> list[EventFilter | None]:
    """Filters of every kind the timelines use, built from the stored events' own values (so each matches some)."""
    one = events[len(events) // 2]
    days = tuple(sorted({e.date_start_ts for e in events if e.granularity == "day"})[:3])
    return [
        None,
        EventFilter(article_ids=(one.article_id,)),
        EventFilter(article_ids=(one.article_id, "no-such-article"), granularity="day"),
        EventFilter(chunk_ids=(one.chunk_id,)),
        EventFilter(overlaps=(one.date_start_ts, None)),
        EventFilter(overlaps=(None, one.date_end_ts)),
        EventFilter(overlaps=(one.date_start_ts, one.date_end_ts), granularity="day"),
        EventFilter(starts_after=one.date_start_ts),
        EventFilter(ends_before=one.date_end_ts),
        EventFilter(published_ts=one.published_ts),
        EventFilter(starts_in=days, granularity="day"),
        EventFilter(article_ids=()),
    ]


def test_the_local_event_index_answers_every_filter_as_chroma_does(tmp_path: Path) -> None:
    """Timelines read events from the local index (Chroma's metadata filter took 3 s at 20,000 articles): on the
    real seed store and two more articles, every kind of filter gives the events Chroma gives, field for field."""
    from app.chronicle import Chronicle
    from tests.test_crash_safety import write_articles

    corpus = tmp_path / "corpus"
    write_articles(corpus, 2)
    chron = Chronicle(make_settings(tmp_path / "store"))
    assert chron.ingest([SEED, corpus]).added == 3
    stored = chron.store.events()
    assert len(stored) >= 10 and len({e.article_id for e in stored}) >= 2
    for query in _event_filters(stored):
        want = sorted(chron.store.events(query), key=lambda e: e.event_id)
        got = sorted(chron.retriever.events(query), key=lambda e: e.event_id)
        assert got == want, query
        assert all(e.text == "" for e in chron.retriever.events(query, texts=False))
    assert chron.retriever.events(_event_filters(stored)[1]), "a filter that matches reads something"

    # each article's lead: its passages among the first LEAD_READ that start in its first LEAD_CHARS characters
    ids = sorted(chron.retriever.visible_articles)
    leads = chron.retriever.leads(ids)
    assert set(leads) == set(ids)
    for aid in ids:
        want = [p.text for p in chron.store.passages_of(aid)[:LEAD_READ] if p.start < LEAD_CHARS]
        assert want and leads[aid] == written_names("\n".join(want))  # the names it writes

    # statements: every kind of filter the answers use gives what Chroma gives, field for field
    said = chron.store.statements()
    assert len(said) >= 5
    st = said[len(said) // 2]
    for query in [None, StatementFilter(affiliation=st.affiliation), StatementFilter(speaker_key=st.speaker_key),
                  StatementFilter(chunk_ids=(st.chunk_id, "nope:0")), StatementFilter(article_ids=(st.article_id,)),
                  StatementFilter(affiliation=st.affiliation, chunk_ids=(st.chunk_id,)), StatementFilter(chunk_ids=())]:
        want_st = sorted(chron.store.statements(query), key=lambda x: x.statement_id)
        assert sorted(chron.retriever.statements(query), key=lambda x: x.statement_id) == want_st, query
    assert chron.retriever.statements(StatementFilter(chunk_ids=(st.chunk_id,)))
    # the "Who said what" tab's bounded reads: actors counted; the newest first, with the total
    actors = dict(chron.statement_actors())
    assert actors[st.actor] == sum(1 for x in said if x.actor == st.actor)
    page, total = chron.statement_page(st.actor, "", 2)
    assert total == sum(1 for x in said if x.actor == st.actor) and len(page) == min(2, total)
    assert all(x.actor == st.actor for x in page)
    assert [x.published_ts for x in page] == sorted((x.published_ts for x in page), reverse=True)
    word = st.text.split()[-1].strip(".,\"'").upper()  # any case, in the sentence, speaker or title
    page, total = chron.statement_page(None, word, 1000)
    assert st in page and total == len(page)
    assert all(word.lower() in f"{x.text}\n{x.speaker}\n{x.title}".lower() for x in page)
    assert chron.statement_page(None, "no statement says zqxv", 10) == ([], 0)

    victim = stored[0].article_id
    chron.remove([victim])
    assert not chron.retriever.events(EventFilter(article_ids=(victim,)))
    assert not chron.retriever.statements(StatementFilter(article_ids=(victim,)))
    assert sorted(chron.retriever.statements(), key=lambda x: x.statement_id) == sorted(
        chron.store.statements(), key=lambda x: x.statement_id)
    assert victim not in chron.retriever.leads(ids) and len(chron.retriever.leads(ids)) == len(ids) - 1
    assert sorted(chron.retriever.events(), key=lambda e: e.event_id) == sorted(chron.store.events(),
                                                                                  key=lambda e: e.event_id)


def test_an_index_written_before_it_kept_events_statements_and_leads_gets_them_from_chroma_once(tmp_path: Path) -> None:
    """An upgrade: a keyword index with articles and no events or leads (and no stamps) is filled from Chroma by
    the next reader's sync, and stamped, so it is not read again."""
    from app.chronicle import Chronicle, clear_caches

    settings = make_settings(tmp_path / "store")
    chron = Chronicle(settings)
    assert chron.ingest([SEED]).added == 1
    want = sorted(chron.store.events(), key=lambda e: e.event_id)
    said = sorted(chron.store.statements(), key=lambda x: x.statement_id)
    leads = chron.retriever.leads(sorted(chron.retriever.visible_articles))
    clear_caches()  # as a new process would: no store, retriever or index open
    db = sqlite3.connect(index_path(settings))
    db.execute("DELETE FROM events")
    db.execute("DELETE FROM statements")
    db.execute("DELETE FROM leads")
    db.execute("DELETE FROM meta WHERE key IN ('events', 'statements', 'leads')")
    db.commit()
    db.close()
    again = Chronicle(settings)
    assert sorted(again.retriever.events(), key=lambda e: e.event_id) == want
    assert said and sorted(again.retriever.statements(), key=lambda x: x.statement_id) == said
    check = sqlite3.connect(index_path(settings))
    assert check.execute("SELECT value FROM meta WHERE key = 'events'").fetchone() == ("1",)
    assert check.execute("SELECT value FROM meta WHERE key = 'statements'").fetchone() == ("1",)
    assert check.execute("SELECT value FROM meta WHERE key = 'leads'").fetchone() == (f"names-{TOKENS_VERSION}",)
    assert leads and again.retriever.leads(sorted(leads)) == leads
    # leads tokenised by an older tokenizer are refilled
    check.execute("UPDATE leads SET tokens = 'stale'")
    check.execute("UPDATE meta SET value = 'tokens-1' WHERE key = 'leads'")
    check.commit()
    check.close()
    clear_caches()
    assert Chronicle(settings).retriever.leads(sorted(leads)) == leads
    story = again.story("Nagorno-Karabakh")
    assert story.days, story.message
