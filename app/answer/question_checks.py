"""Question hygiene, before any route runs: every question gets an answer or a clear reason, never a crash.

What a question asks for is app.text.asking; the time constraint it puts on events is app.text.dates.question_time.
"""

from __future__ import annotations

import re
import unicodedata

from app.text.articles import neutralise_chat_tokens


class QuestionError(ValueError):
    """A question Chronicle refuses, with the reason in plain words."""


def check_question(question: str, max_chars: int) -> str:
    """Normalise a question; refuse empty, over-long or control-character-only input."""
    if question is None:
        raise QuestionError("Please type a question.")
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in str(question))
    cleaned = re.sub(r"\s+", " ", neutralise_chat_tokens(cleaned)).strip()
    if not cleaned:
        raise QuestionError("Please type a question.")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"Your question is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
            "Please ask a shorter question (one topic at a time)."
        )
    if not re.search(r"\w", cleaned):
        raise QuestionError("Please type a question with words in it.")
    return cleaned
