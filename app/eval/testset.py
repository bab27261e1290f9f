"""Evaluation test set: one JSON object per line (JSONL), loaded into ``TestCase`` records.

JSONL rather than YAML or CSV because every line is an independent record (easy to diff, append and grep) and
nested fields (fact groups, history pairs) need no ad-hoc encoding. Validation is hand-written instead of a
pydantic model so that an error names the file and line number a human has to fix.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

QUESTION_TYPES: tuple[str, ...] = (
    "who_said_what",
    "number",
    "date",
    "entity",
    "timeline",
    "follow_up",
    "unanswerable",
    "paraphrase",
    "adversarial",
)

_REQUIRED_KEYS = ("id", "question", "answerable", "type")
_KNOWN_KEYS = {
    "id", "question", "reference", "required_facts", "evidence", "answerable", "type", "article_ids",
    "date_constraint", "history", "corpus", "as_of", "article_urls",
}


class TestSetError(ValueError):
    """A test set line is malformed; the message names file and line."""

    __test__ = False


@dataclass(frozen=True)
class TestCase:
    """One evaluation question with everything needed to score an answer to it."""

    __test__ = False  # not a pytest test class despite the name

    id: str
    question: str
    answerable: bool
    type: str
    reference: str | None = None
    required_facts: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    article_ids: list[str] | None = None
    date_constraint: dict[str, str] | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    corpus: list[str] | None = None  # RealTimeQA week names whose *_gcs.jsonl files hold the answer (archive sets)
    as_of: str | None = None  # ISO day the question is asked on ("this week" resolves against it)
    article_urls: list[str] | None = None  # the articles holding the answer (archive sets)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form (history pairs as lists), the same shape as a test set line."""
        data = asdict(self)
        data["history"] = [list(pair) for pair in self.history]
        return data


def _fail(where: str, message: str) -> TestSetError:
    return TestSetError(f"{where}: {message}")


def _str_list(value: Any, where: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"{name} must be a list of non-empty strings")
    return list(value)


def parse_case(obj: dict[str, Any], where: str = "<case>") -> TestCase:
    """Validate one decoded JSON object and turn it into a ``TestCase``."""
    if not isinstance(obj, dict):
        raise _fail(where, "each line must be a JSON object")
    missing = [k for k in _REQUIRED_KEYS if k not in obj]
    if missing:
        raise _fail(where, f"missing keys {missing}")
    unknown = sorted(set(obj) - _KNOWN_KEYS)
    if unknown:
        raise _fail(where, f"unknown keys {unknown}")
    if not isinstance(obj["id"], str) or not obj["id"]:
        raise _fail(where, "id must be a non-empty string")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise _fail(where, "question must be a non-empty string")
    if not isinstance(obj["answerable"], bool):
        raise _fail(where, "answerable must be true or false")
    if obj["type"] not in QUESTION_TYPES:
        raise _fail(where, f"type must be one of {QUESTION_TYPES}, got {obj['type']!r}")
    facts_raw = obj.get("required_facts") or []
    if not isinstance(facts_raw, list):
        raise _fail(where, "required_facts must be a list of lists of strings")
    facts = [_str_list(group, where, "each required_facts group") for group in facts_raw]
    if any(not group for group in facts):
        raise _fail(where, "a required_facts group must not be empty")
    evidence = _str_list(obj.get("evidence") or [], where, "evidence")
    article_ids = obj.get("article_ids")
    if article_ids is not None:
        article_ids = _str_list(article_ids, where, "article_ids")
    date_constraint = obj.get("date_constraint")
    if date_constraint is not None:
        if not isinstance(date_constraint, dict) or not set(date_constraint) <= {"from", "to"}:
            raise _fail(where, 'date_constraint must be {"from": ISO, "to": ISO}')
    history_raw = obj.get("history") or []
    if not isinstance(history_raw, list) or not all(
        isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in history_raw
    ):
        raise _fail(where, "history must be a list of [user, assistant] string pairs")
    reference = obj.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise _fail(where, "reference must be a string")
    corpus = _str_list(obj["corpus"], where, "corpus") if obj.get("corpus") is not None else None
    urls = _str_list(obj["article_urls"], where, "article_urls") if obj.get("article_urls") is not None else None
    as_of = obj.get("as_of")
    if as_of is not None:
        try:
            dt.date.fromisoformat(str(as_of))
        except ValueError:
            raise _fail(where, f"as_of must be an ISO date (YYYY-MM-DD), got {as_of!r}") from None
    return TestCase(
        id=obj["id"],
        question=obj["question"],
        answerable=obj["answerable"],
        type=obj["type"],
        reference=reference,
        required_facts=facts,
        evidence=evidence,
        article_ids=article_ids,
        date_constraint=date_constraint,
        history=[(u, a) for u, a in history_raw],
        corpus=corpus,
        as_of=as_of,
        article_urls=urls,
    )


def load_testset(path: str | Path, limit: int | None = None) -> list[TestCase]:
    """Read and validate a JSONL test set; blank lines and lines starting with ``//`` are skipped."""
    path = Path(path)
    cases: list[TestCase] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"invalid JSON ({exc.msg})") from exc
        case = parse_case(obj, where)
        if case.id in seen:
            raise _fail(where, f"duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    return cases[:limit] if limit is not None else cases
