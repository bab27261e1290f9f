"""Shared fixtures: settings pointing at temporary stores, and a session-wide store holding the seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import PROJECT_ROOT, Settings, load_settings

SEED = PROJECT_ROOT / "data" / "articles" / "nagorno-karabakh-2023-09-19.txt"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "llm: runs the real packaged LLM (slow: ~10 s to load, seconds per answer)")
    config.addinivalue_line("markers", "browser: drives a real headless Chromium")


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings on a private store; the model cache is shared (the joined GGUF is 1 GB)."""
    return load_settings(vectorstore_dir=tmp, **overrides)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store with the seed article ingested once for the whole session (read-only for tests)."""
    from app.ingest.pipeline import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("seed-store"))
    report = ingest_paths([SEED], settings)
    assert report.added == 1, report.summary()
    return settings


@pytest.fixture(scope="session")
def seed_chronicle(seed_settings: Settings):  # noqa: ANN201
    from app.chronicle import Chronicle

    return Chronicle(seed_settings)
