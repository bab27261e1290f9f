"""Prompt templates live as files in prompts/; this module reads and fills them, and writes the sources block."""

from __future__ import annotations

from functools import lru_cache

from langchain_core.prompts import PromptTemplate

from app.config import PROJECT_ROOT
from app.records import Source

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


def format_sources(sources: list[Source]) -> str:
    """The sources block of the prompt: numbered, attributed, dated (once, when all share one date)."""
    dates = {s.published for s in sources}
    one_date = len(dates) == 1
    lines = [f"(all published {dates.pop()})"] if one_date and None not in dates else []
    for s in sources:
        meta = ", ".join(x for x in (s.label, "" if one_date else (s.published or "")) if x)
        lines.append(f"[{s.n}] ({meta}) {s.text}" if meta else f"[{s.n}] {s.text}")
    return "\n".join(lines)
