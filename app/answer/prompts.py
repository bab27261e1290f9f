"""Prompt templates live as files in prompts/; this module reads and fills them, and writes the sources block."""

from __future__ import annotations

import re
from functools import lru_cache

from langchain_core.prompts import PromptTemplate

from app.config import PROJECT_ROOT
from app.records import Source
from app.text.articles import neutralise_chat_tokens

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


MAX_HEADLINE = 120  # characters of a headline shown to the model


def headline(source: Source) -> str:
    """The source's article headline as plain prompt text: one line, chat tokens neutralised, bounded."""
    title = re.sub(r"\s+", " ", neutralise_chat_tokens(source.title or "")).strip()
    return title if len(title) <= MAX_HEADLINE else title[: MAX_HEADLINE - 1].rstrip() + "…"


def format_sources(sources: list[Source]) -> str:
    """The sources block of the prompt: numbered, attributed, dated, each with its article's headline (once, when
    all share one headline or one date).

    The headline is what a passage cut from its article has lost: the sentence with the detail often says "the
    automaker" or "the country" while the headline names it (RealTimeQA dev: the answer was in the headline or
    lead of 8 of the 30 archive questions written by reading the articles). The citation guard still checks each
    claim against its sentence, not the headline (app.answer.citations.evidence_of)."""
    dates = {s.published for s in sources}
    heads = [headline(s) for s in sources]
    titles = set(heads)
    one_date, one_title = len(dates) == 1 and None not in dates, len(titles) == 1 and "" not in titles
    shared = ", ".join(x for x in (f'from "{next(iter(titles))}"' if one_title else "",
                                   f"published {next(iter(dates))}" if one_date else "") if x)
    lines = [f"(all {shared})"] if shared else []
    for s, head in zip(sources, heads, strict=True):
        title = "" if one_title or not head else f'"{head}"'
        meta = ", ".join(x for x in (s.label, "" if one_date else (s.published or ""), title) if x)
        lines.append(f"[{s.n}] ({meta}) {s.text}" if meta else f"[{s.n}] {s.text}")
    return "\n".join(lines)
