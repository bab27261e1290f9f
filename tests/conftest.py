"""Shared pytest configuration: markers used across the suite."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "llm: needs the packaged LLM (slow; ~2 GB RAM); deselect with -m 'not llm'")
