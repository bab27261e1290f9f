"""Shared fixtures: settings pointing at temporary stores, and a session-wide store holding the seed article."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from app.config import PROJECT_ROOT, Settings, load_settings

SEED = PROJECT_ROOT / "data" / "articles" / "nagorno-karabakh-2023-09-19.txt"

# (question, words the extractive answer must contain) about the seed article: shared by the concurrency and
# injection tests (answers must stay right under load and next to hostile articles).
SEED_QA = [
    ("What did Turkey say?", "Turkey said it supported Baku"),
    ("How many people were killed?", "25 people had been killed"),
    ("What did Blinken say?", "deeply concerned"),
    ("How many military posts did Azerbaijan seize?", "more than 60 military posts"),
    ("What is Stepanakert called by Azerbaijan?", "Khankendi"),
    ("Who is Hikmet Hajiyev?", "foreign policy adviser"),
    ("What did France say?", "France said it was working with its partners"),
    ("What did Russia say?", "urged negotiations"),
]


def hash_encode(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for the embedding model where a test is about sizes, time or crashes, not meaning:
    the same text always gets the same unit vector."""
    out = np.empty((len(texts), 384), dtype=np.float32)
    for i, t in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings on a private store; the model cache is shared (the joined GGUF is 1 GB). Answers are extractive
    unless a test asks for another mode: the default ("auto") answers search questions with the packaged model,
    which the tests of LLM mode and of "auto" start on purpose (test_llm_answers, test_pick)."""
    return load_settings(vectorstore_dir=tmp, **{"answer_mode": "extractive", **overrides})


def written_archive(tmp_path_factory: pytest.TempPathFactory, name: str, articles: dict[str, str]):
    """A Chronicle over a new store holding ``articles`` (file name -> text), written as files and ingested: the
    invented archives tests write to show one behaviour."""
    from app import Chronicle

    folder = tmp_path_factory.mktemp(name)
    for file_name, text in articles.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    chron = Chronicle(make_settings(tmp_path_factory.mktemp(f"{name}-store")))
    report = chron.ingest([folder])
    assert report.added == len(articles), report.summary()
    return chron


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store with the seed article ingested once for the whole session (read-only for tests)."""
    from app.ingest.pipeline import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("seed-store"))
    report = ingest_paths([SEED], settings)
    assert report.added == 1, report.summary()
    return settings


@pytest.fixture(scope="session")
def seed_chronicle(seed_settings: Settings):
    from app.chronicle import Chronicle

    return Chronicle(seed_settings)


# --- test order ---------------------------------------------------------------------------------------------------
# Every test must pass in any order (issue 29). `make test` runs the suite shuffled by pytest-randomly (the seed is
# printed in the header: `--randomly-seed=N` replays that order, `-p no:randomly` turns shuffling off);
# `--reverse-files -p no:randomly` runs the files last to first, each file's tests in their own order (the order
# that once found a store closed under a live Chronicle: tests/test_pipeline.py before tests/test_routing.py).


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse-files", action="store_true",
                     help="run the test files in reverse order (use with -p no:randomly)")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-files"):
        files = list(dict.fromkeys(item.path for item in items))
        rank = {path: i for i, path in enumerate(reversed(files))}
        items.sort(key=lambda item: rank[item.path])  # stable: each file keeps its own order
