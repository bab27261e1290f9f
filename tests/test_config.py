"""Configuration: one typed object from CHRONICLE_* variables, every field documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import PROJECT_ROOT, Settings, load_settings


def test_env_overrides_and_types(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHRONICLE_VECTORSTORE_DIR", str(tmp_path))
    monkeypatch.setenv("CHRONICLE_K", "9")
    monkeypatch.setenv("CHRONICLE_ANSWER_MODE", "extractive")
    s = load_settings()
    assert (s.vectorstore_dir, s.k, s.answer_mode) == (tmp_path, 9, "extractive")
    assert load_settings(k=3).k == 3


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_ANSWER_MODE", "magic")
    with pytest.raises(ValidationError):
        Settings()


def test_overrides_are_validated_like_the_environment(tmp_path: Path) -> None:
    """A benchmark or a command-line flag passing a str path or a bad number gets the same checks as the env."""
    assert load_settings(vectorstore_dir=str(tmp_path)).vectorstore_dir == tmp_path
    with pytest.raises(ValidationError):
        load_settings(k=0)
    with pytest.raises(ValidationError):
        load_settings(answer_mode="magic")


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().k = 2  # type: ignore[misc]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"CHRONICLE_{n.upper()}" for n in Settings.model_fields if f"CHRONICLE_{n.upper()}" not in readme]
    assert not missing
