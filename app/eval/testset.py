"""Evaluation test set: one JSON object per line (JSONL), loaded into ``TestCase`` records.

JSONL rather than YAML or CSV because every line is an independent record (easy to diff, append and grep) and
nested fields (fact groups, history pairs) need no ad-hoc encoding. Validation is hand-written instead of a
pydantic model so that an error names the file and line number a human has to fix. ``load_testset`` stops at the
first bad line (hand-written sets); ``read_testset`` — for the set filled from the chat, and the CLI — reports each
bad line with its number and runs the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.records import CaseFileProblem

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
    # cases judged in the chat (app/answer/judged.py): what was judged, by whom, and what the case depends on
    "standalone_question", "verdict", "judged_answer", "cited", "depends_on", "mode", "route", "saved_by",
    "saved_at", "created_at",
}
_TEXT_KEYS = ("standalone_question", "judged_answer", "mode", "route", "saved_by", "saved_at", "created_at")


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
    # Cases judged in the chat (evalsets/mine.jsonl):
    standalone_question: str | None = None  # the question after follow-up rewriting
    verdict: str | None = None  # "right" / "wrong": how the user judged judged_answer
    judged_answer: str | None = None
    cited: list[dict[str, Any]] = field(default_factory=list)  # what judged_answer cited: article_id, start, end, text
    depends_on: list[str] = field(default_factory=list)  # article ids: without them the case is stale
    mode: str | None = None  # the answer mode it was judged in
    route: str | None = None
    saved_by: str | None = None
    saved_at: str | None = None  # ISO time of the (latest) judgement
    created_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form (history pairs as lists), the same shape as a test set line."""
        data = asdict(self)
        data["history"] = [list(pair) for pair in self.history]
        return data

    @property
    def saved_ts(self) -> float | None:
        """Epoch seconds of saved_at (None when absent or not a time)."""
        if not self.saved_at:
            return None
        try:
            when = dt.datetime.fromisoformat(self.saved_at)
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


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
    for key in _TEXT_KEYS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise _fail(where, f"{key} must be a string")
    if obj.get("verdict") is not None and obj["verdict"] not in ("right", "wrong"):
        raise _fail(where, f'verdict must be "right" or "wrong", got {obj["verdict"]!r}')
    depends_on = _str_list(obj.get("depends_on") or [], where, "depends_on")
    cited = obj.get("cited") or []
    if not isinstance(cited, list) or not all(isinstance(c, dict) for c in cited):
        raise _fail(where, "cited must be a list of objects")
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
        depends_on=depends_on,
        cited=cited,
        **{key: obj.get(key) for key in (*_TEXT_KEYS, "verdict")},
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


def read_testset(path: str | Path, limit: int | None = None) -> tuple[list[TestCase], list[CaseFileProblem]]:
    """Like ``load_testset`` but a bad line (a hand edit gone wrong) does not stop the set: it is returned as a
    problem with its line number and skipped (the file itself is not changed). A missing file is an empty set."""
    from app import CaseFile

    records, problems = CaseFile(path).read()
    problems = list(problems)
    cases: list[TestCase] = []
    seen: set[str] = set()
    for lineno, obj in records:
        try:
            case = parse_case(obj, f"{path}:{lineno}")
        except TestSetError as exc:
            problems.append(CaseFileProblem(lineno, str(exc).split(": ", 1)[-1], json.dumps(obj, ensure_ascii=False)))
            continue
        if case.id in seen:
            problems.append(CaseFileProblem(lineno, f"duplicate id {case.id!r} (the first one is used)", case.id))
            continue
        seen.add(case.id)
        cases.append(case)
    problems.sort(key=lambda p: p.line)
    return (cases[:limit] if limit is not None else cases), problems
