"""Prompt templates live as files in prompts/; this module only reads and fills them."""

from __future__ import annotations

from functools import lru_cache

from langchain_core.prompts import PromptTemplate

from app.config import PROJECT_ROOT

PROMPT_DIR = PROJECT_ROOT / "prompts"


@lru_cache(maxsize=32)
def load(name: str) -> str:
    return (PROMPT_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=32)
def template(name: str) -> PromptTemplate:
    return PromptTemplate.from_template(load(name))


def render(name: str, **values: str) -> str:
    """Fill a template; values are inserted verbatim (braces in article text are not re-interpreted)."""
    return template(name).format(**values)
