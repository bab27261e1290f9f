"""Integration on real components: embedded Chroma, the packaged embedding model, ingest, hybrid retrieval,
extractive answers and the CLI's JSON shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.answer.followup import rewrite_followup
from app.config import PROJECT_ROOT
from app.ingest.pipeline import ingest_paths
from tests.conftest import SEED, make_settings

# (question, evidence substring that must be among the top-k passages)
RETRIEVAL_CASES = [
    ("What did Russia say?", "called for all sides to stop fighting"),
    ("What did the Kremlin spokesman say?", "Kremlin spokesman Dmitry Peskov"),
    ("How many people were killed?", "25 people had been killed"),
    ("What did Blinken say about the use of force?", "the use of force to resolve disputes is unacceptable"),
    ("What is Stepanakert called by Azerbaijan?", "called Khankendi by Azerbaijan"),
    ("How many military posts were seized?", "more than 60 military posts"),
    ("What did Turkey say?", "supported Baku’s drive"),
    ("Who is Hikmet Hajiyev?", "foreign policy adviser to Azerbaijani President Ilham Aliyev"),
    ("How many inhabitants does Karabakh have according to Vardanyan?", "120,000 inhabitants"),
    ("What did Armenia ask the UN Security Council?", "called on members of the UN Security Council"),
    ("When was the latest war in the region?", "the latest in 2020"),
]


@pytest.mark.parametrize(("question", "evidence"), RETRIEVAL_CASES)
def test_evidence_in_top_k(seed_chronicle, question: str, evidence: str) -> None:
    passages = seed_chronicle.retrieve(question, k=6)
    assert any(evidence in p.text for p in passages), [p.text[:60] for p in passages]
    for p in passages:
        assert SEED.read_text(encoding="utf-8")[p.start : p.end] == p.text  # offsets into the article text


def test_reingest_is_a_no_op_and_edit_replaces(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "store")
    art = tmp_path / "story.txt"
    art.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    first = ingest_paths([art], settings)
    chunks = first.chunks
    again = ingest_paths([art], settings)
    assert (again.added, again.unchanged, again.chunks) == (0, 1, 0)
    from app.store.registry import get_store

    store = get_store(settings)
    assert store.count("chunks") == chunks
    copy = tmp_path / "same-story-other-name.txt"
    copy.write_text(art.read_text(encoding="utf-8"))
    assert ingest_paths([copy], settings).unchanged == 1  # same content = same article
    edited = art.read_text(encoding="utf-8").replace("25 people had been killed", "27 people had been killed")
    art.write_text(edited, encoding="utf-8")
    report = ingest_paths([art], settings)
    assert report.replaced == 1
    assert store.count("articles") == 1 and store.count("chunks") == chunks
    docs = [p.text for p in store.all_passages()]
    assert any("27 people" in d for d in docs) and not any("25 people had been killed" in d for d in docs)


def test_extractive_answers_cite_exact_sentences(seed_chronicle) -> None:
    text = SEED.read_text(encoding="utf-8")
    answer = seed_chronicle.ask("What did Russia say?", mode="extractive")
    assert answer.route == "statements" and not answer.abstained
    assert "stop fighting" in answer.text and "civilian safety" in answer.text
    for c in answer.citations:
        assert text[c.start : c.end] == c.text
        assert f"[{c.n}]" in answer.text
    killed = seed_chronicle.ask("How many people were killed?", mode="extractive")
    assert "25 people had been killed" in killed.text and killed.citations


def test_unknown_actor_abstains(seed_chronicle) -> None:
    answer = seed_chronicle.ask("What did China say?", mode="extractive")
    assert answer.abstained and answer.citations == [] and "don't say" in answer.text


def test_followup_is_rewritten_with_history(seed_chronicle) -> None:
    assert rewrite_followup("And Turkey?", [("What did Russia say?", "...")]) == "What did Turkey say?"
    assert rewrite_followup("And McCarthy?", [("What did Ron DeSantis say?", "...")]) == "What did McCarthy say?"
    answer = seed_chronicle.ask("And Turkey?", history=[("What did Russia say?", "Russia called ...")],
                                mode="extractive")
    assert answer.standalone_question == "What did Turkey say?"
    assert "supported Baku’s drive" in answer.text


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "x" * 100_000])
def test_bad_questions_get_a_clear_reply(seed_chronicle, question: str) -> None:
    answer = seed_chronicle.ask(question, mode="extractive")
    assert answer.route == "refused" and answer.citations == []
    assert "question" in answer.text.lower()


def test_cli_ask_json_shape(seed_settings) -> None:
    env = {**os.environ, "CHRONICLE_VECTORSTORE_DIR": str(seed_settings.vectorstore_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "app", "ask", "What did Turkey say?", "--mode", "extractive", "--json"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    data = json.loads(out.stdout)
    assert set(data) >= {"answer", "citations", "mode", "timings"}
    assert data["mode"] == "extractive"
    cite = data["citations"][0]
    assert set(cite) == {"n", "article_id", "title", "published", "text", "start", "end"}
    assert cite["published"] == "2023-09-19" and "Turkey said" in cite["text"]
    assert {"first_token_ms", "total_ms"} <= set(data["timings"])


def test_keyword_index_knows_each_passage_headline(tmp_path: Path) -> None:
    """A passage deep in a story ("The ministry said 32 were killed") is found by its headline's words."""
    from app.query.retrieval import get_retriever

    settings = make_settings(tmp_path / "store", dense_weight=0.0)
    (tmp_path / "a.txt").write_text(
        "Title: Flooding hits Valdoria province\nDate: 2023-09-18\n\nHeavy rain fell for three days.\n\n"
        "The ministry said 32 people were killed and roads were cut.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "Title: Parliament passes budget\nDate: 2023-09-18\n\nLawmakers voted 120 to 80.\n\n"
        "The ministry said the deficit would shrink.\n", encoding="utf-8")
    ingest_paths([tmp_path / "a.txt", tmp_path / "b.txt"], settings)
    top = get_retriever(settings).retrieve("ministry Valdoria", 1)[0]
    assert top.text == "The ministry said 32 people were killed and roads were cut."  # no headline in the text


def test_sentence_scoring_reuses_stored_vectors_of_one_sentence_passages(seed_settings) -> None:
    """Whole-passage sentences are not embedded again, and their scores match embedding them afresh."""
    from dataclasses import replace

    from app.query.evidence import MAX_EMBEDDED, score_sentences
    from app.query.retrieval import get_retriever
    from app.store.registry import get_embeddings

    encode = get_embeddings(seed_settings).encode
    seen: list[str] = []

    def counting(texts: list[str]):
        seen.extend(texts)
        return encode(texts)

    question = "How many people were killed?"
    passages = get_retriever(seed_settings).retrieve(question, 6, vectors=True)
    assert all(p.vector is not None and p.vector.shape == (384,) for p in passages)
    reused = score_sentences(question, passages, counting)
    whole = [p.text for p in passages if len(p.sentences) == 1]
    assert whole and not set(whole) & set(seen[1:])  # only the question and the other sentences were embedded
    assert len(seen) - 1 <= MAX_EMBEDDED
    passages = [replace(p, vector=None) for p in passages]
    fresh = {(s.passage.chunk_id, s.start): s.cosine for s in score_sentences(question, passages, encode)}
    for s in reused:
        assert abs(s.cosine - fresh[(s.passage.chunk_id, s.start)]) < 0.02
    assert reused[0].text == max(reused, key=lambda s: s.score).text


def test_clear_caches_can_release_chroma_clients(tmp_path: Path) -> None:
    """A process that goes through many stores (the RealTimeQA benchmark: one per week) can free each one."""
    from app.chronicle import clear_caches
    from app.store.registry import get_store

    settings = make_settings(tmp_path / "store")
    store = get_store(settings)
    assert store.count("chunks") == 0
    clear_caches(close=True)
    assert store._closed  # the client was released
    assert get_store(settings) is not store  # a fresh client for the next caller


def test_a_chronicle_still_in_use_survives_clear_caches(tmp_path: Path) -> None:
    """clear_caches(close=True) closes every store, also one a live Chronicle holds (a test module's fixture, while
    a benchmark or another test frees its own): that Chronicle reopens it on its next use instead of failing."""
    from app import Chronicle, clear_caches

    chron = Chronicle(make_settings(tmp_path / "store"))
    chron.ingest([SEED])
    store = chron.store
    assert chron.answerer is chron.answerer  # built now: it keeps this store through its retriever
    clear_caches(close=True)
    assert store._closed
    # a search question (its dense half reads Chroma; statements come from the local index)
    assert chron.ask("How many people were killed?", mode="extractive").citations  # the closed store: reopened
    assert not store._closed and store.count("chunks") > 0
    assert chron.articles()  # and through the fresh one the facade builds now


def _dims(store, kind: str) -> set[int]:
    got = store.collections[kind].get(include=["embeddings"])
    return {len(v) for v in got["embeddings"]}


def test_statements_and_events_store_light_vectors_and_old_stores_keep_theirs(tmp_path: Path) -> None:
    """Statements and events are never searched by vector: a new store gives them 2-float placeholders (their
    passages' 384 floats cost ~440 MB more server memory at 10,000 articles); a store whose rows have 384 floats
    goes on writing 384 (a collection's dimension is fixed), and both read back the same statements."""
    from app.store.chroma import LIGHT_DIM
    from app.store.registry import get_store

    new = make_settings(tmp_path / "new")
    ingest_paths([SEED], new)
    store = get_store(new)
    assert _dims(store, "statements") == {LIGHT_DIM} and _dims(store, "events") == {LIGHT_DIM}
    assert _dims(store, "chunks") == {384}
    fresh = store.statements()
    assert fresh and any("Russia" in (st.speaker + st.text) for st in fresh)

    old = make_settings(tmp_path / "old")
    legacy = get_store(old)
    for kind in ("statements", "events"):  # as a store written before: its first row has 384 floats
        legacy.collections[kind].upsert(ids=[f"gone:{kind}"], documents=["x"], embeddings=[[0.05] * 384],
                                         metadatas=[{"article_id": "gone"}])
    ingest_paths([SEED], old)
    legacy = get_store(old)
    for kind in ("statements", "events"):
        legacy.collections[kind].delete(ids=[f"gone:{kind}"])
    assert _dims(legacy, "statements") == {384} and _dims(legacy, "events") == {384}
    assert sorted(st.text for st in legacy.statements()) == sorted(st.text for st in fresh)


def test_the_article_list_read_incrementally_equals_a_full_read(tmp_path: Path) -> None:
    """Store.articles reads the ids, the removal marks and only the records it has not read before: after adds,
    a removal mark (a crash mid-removal) and a removal, it equals what a store with nothing read gives."""
    from app.chronicle import Chronicle
    from app.store.chroma import Store
    from app.store.registry import get_embeddings
    from tests.test_crash_safety import write_articles

    corpus = tmp_path / "corpus"
    write_articles(corpus, 4)
    settings = make_settings(tmp_path / "store")
    chron = Chronicle(settings)
    store = chron.store

    def full() -> dict:
        emb = get_embeddings(settings)
        return Store(settings, emb, emb.model_id).articles()

    assert chron.ingest([corpus / f"article-{i:04d}.txt" for i in range(2)]).added == 2
    assert len(store.articles()) == 2 and store.articles() == full()
    assert chron.ingest([corpus]).added == 2
    assert len(store.articles()) == 4 and store.articles() == full()
    marked = sorted(store.articles())[0]
    col = store.collections["articles"]
    meta = col.get(ids=[marked], include=["metadatas"])["metadatas"][0]
    col.update(ids=[marked], metadatas=[{**meta, "removing": 1}])  # what a kill -9 mid-removal leaves
    assert marked not in store.articles() and store.articles() == full()
    gone = sorted(store.articles())[0]
    chron.remove([gone])
    assert set(store.articles()) == set(full()) and len(store.articles()) == 2


def test_a_question_in_an_article_is_never_quoted_as_an_answer(tmp_path: Path) -> None:
    """An article's own questions ("Have you been affected by the earthquake?", the reader call under a story) share
    the question's words but answer nothing: the answer quotes the sentence that tells."""
    from app import Chronicle

    (tmp_path / "quake.txt").write_text(
        "Title: Strong earthquake strikes Valdoria\nDate: 2023-09-18\n\n"
        "How strong was the earthquake that struck Valdoria?\n\n"
        "A magnitude 7.0 earthquake struck Valdoria on Monday, officials said.\n\n"
        "Have you been affected by the earthquake? Tell us your story.\n", encoding="utf-8")
    chron = Chronicle(make_settings(tmp_path / "store"))
    chron.ingest([tmp_path / "quake.txt"])
    answer = chron.ask("How strong was the earthquake?")
    assert "magnitude 7.0" in answer.text
    assert "?" not in answer.text
    assert all(not c.text.rstrip().endswith("?") for c in answer.citations)


def test_what_someone_said_about_a_topic_is_what_they_said_about_it(tmp_path: Path) -> None:
    """"What did X say about Y?" over several articles quotes X's statements that name Y, not everything X said;
    when none of them does, the sentences that name X and Y answer (a quote the attribution rules did not read as a
    statement); someone with no statement abstains; a plain "What did X say?" still lists every statement."""
    from app import Chronicle

    (tmp_path / "rallies.txt").write_text(
        "Title: Mayor speaks at two rallies\nDate: 2023-10-16\n\n"
        "Mayor Ana Dalton said the new bridge over the river would open in May.\n\n"
        "In her second speech, Dalton did not mention Judge Carla Ortiz by name, but said: \"The judge does not "
        "like me too much.\"\n\n"
        "The stadium will be finished in June.\n", encoding="utf-8")
    (tmp_path / "budget.txt").write_text(
        "Title: City budget approved\nDate: 2023-10-17\n\n"
        "The council approved the city budget on Tuesday.\n\n"
        "Mayor Ana Dalton said taxes would not rise this year.\n", encoding="utf-8")
    chron = Chronicle(make_settings(tmp_path / "store"))
    chron.ingest([tmp_path / "rallies.txt", tmp_path / "budget.txt"])

    taxes = chron.ask("What did Dalton say about taxes?")
    assert taxes.route == "statements" and "taxes would not rise" in taxes.text and "bridge" not in taxes.text

    judge = chron.ask("What did Dalton say about the judge?")
    assert not judge.abstained and "does not like me" in judge.text and "bridge" not in judge.text

    # someone with no statement at all: nothing they said, whatever the sentences that name them hold
    assert chron.ask("What did Ortiz say about the mayor?").abstained

    everything = chron.ask("What did Dalton say?")
    assert everything.route == "statements" and "bridge" in everything.text and "taxes" in everything.text
