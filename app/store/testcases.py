"""The test set: the test-case record, its JSON Lines format, and the file several writers update in place — one
home for what a judged answer becomes. app/answer/judged.py builds a case's line from a judged answer,
``save_case`` (through ``Chronicle.save_case``) writes it here, and the evaluation and the Test set tab read the set
from here (``read_testset``), so the record, its validation and its file change together. Rejected: the record in
app/eval and the file in app/store (as before): a newcomer following a saved case crossed three stages, and a new
field had to be added in two modules that did not import each other.

The record: one JSON object per line (JSONL; the fields are in evalsets/README.md), loaded into ``TestCase``. JSONL
rather than YAML or CSV because every line is an independent record (easy to diff, append and grep) and nested
fields (fact groups, history pairs) need no ad-hoc encoding. Validation is hand-written instead of a pydantic model
so that an error names the file and line number a human has to fix. ``load_testset`` stops at the first bad line
(hand-written sets); ``read_testset`` — for the set filled from the chat, and the CLI — reports each bad line with
its number and runs the rest.

The file (``CaseFile``): the set fact-checkers fill from the chat (``evalsets/mine.jsonl``) is updated in place by
several writers without ever losing a case. Why a rewrite under a lock instead of a plain append: saving the same
question again must *update* its line, so each save reads the file, replaces or appends one line, and writes the whole
file to a temporary file in the same folder, ``fsync``-s it and ``os.replace``-s it over the old one (then ``fsync``-s
the folder). A reader — or a server killed mid-save, or a full disk — therefore sees either the old file or the new one,
never half a line; an exception before the rename leaves the old file untouched, so every save that was acknowledged is
still there. Two browser tabs, two web servers or a web server and a script saving at once are serialised by an
inter-process lock on ``<file>.lock`` (the read-modify-write must not interleave, or one save would overwrite the
other's).

Lines that are not a JSON object (a hand edit gone wrong), blank lines and ``//`` comments are kept verbatim in
place on every rewrite and reported with their line numbers: they are never dropped or overwritten.

Lock: ``filelock`` (tox-dev, already installed with huggingface-hub/torch; ``fcntl.flock`` on POSIX, with a timeout
and a clear error) rather than hand-written ``fcntl.flock`` calls (POSIX only, no timeout) or ``portalocker``
(one more dependency for the same thing). Measured: 4 processes x 25 saves each onto one file keep all 100 cases
(tests/test_casefile.py). Cost of rewriting instead of appending: a save takes 17 ms with 100 cases (0.2 MB) and
29 ms with 1,000 (1.7 MB), reading 1,000 takes 12 ms (2-core VM shared by other developers, load average 7) — far
below a human judging answers; an append-only log with a compaction step was rejected as more code for no visible
gain at these sizes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from app.text.dates.bounds import parse_as_of

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
    as_of: str | None = None  # ISO day the question is asked on ("this week" resolves against it; app.text.dates
    # parse_as_of reads the line, so "2023-11" is stored here as "2023-11-30")
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
    def as_of_day(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of) if self.as_of else None  # parse_case normalised it

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
            as_of = parse_as_of(str(as_of))
        except ValueError:
            raise _fail(where, f"as_of must be a date (YYYY-MM-DD; YYYY-MM or YYYY: its last day), got {as_of!r}"
                        ) from None
        as_of = as_of.isoformat() if as_of else None
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


# --- saving a judged answer ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedCase:
    """What saving a judged answer as a test case did."""

    case_id: str
    path: str
    created: bool  # False: the case of the same question (and as-of day) was updated
    case: dict[str, Any]  # the line written
    problems: tuple[CaseFileProblem, ...] = ()  # other lines of the file that are not cases (kept as they are)


def merge_case(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Saving the same question again: the new judgement replaces the old one; when it was first saved stays."""
    return {**new, "created_at": old.get("created_at") or old.get("saved_at") or new["created_at"]}


def save_case(path: str | Path, case: dict[str, Any]) -> SavedCase:
    """Write a case line (app.answer.judged.build_case) into the set at ``path``: in place of the case with the same
    id (``merge_case``), or appended. Raises CaseFileError when the file cannot be written (then nothing changed)."""
    created, problems, written = CaseFile(path).upsert(case, merge=merge_case)
    return SavedCase(case["id"], str(path), created, written, tuple(problems))


# --- the file -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFileProblem:
    """A line of a test-set file that is not a test case (a hand edit gone wrong): kept in the file as it is,
    reported, and skipped."""

    line: int
    reason: str
    text: str


LOCK_TIMEOUT_S = 30.0


class CaseFileError(RuntimeError):
    """The file could not be read or written (lock timeout, disk full, permissions); the message says why."""


@dataclass(frozen=True)
class _Line:
    """One physical line: its text, and the decoded object when it is one."""

    number: int
    text: str
    obj: dict[str, Any] | None
    problem: str | None  # why a non-blank, non-comment line is not a record


def _parse(text: str) -> list[_Line]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            lines.append(_Line(number, line, None, None))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            lines.append(_Line(number, line, None, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            lines.append(_Line(number, line, None, "not a JSON object"))
            continue
        lines.append(_Line(number, line, obj, None))
    return lines


def problems_of(lines: list[_Line]) -> list[CaseFileProblem]:
    return [CaseFileProblem(line.number, line.problem, line.text) for line in lines if line.problem]


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` all at once: temporary file in the same folder, fsync, rename, fsync the folder.
    On any error the temporary file is removed and ``path`` is as it was."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


class CaseFile:
    """One JSONL file of records keyed by their ``id`` field."""

    def __init__(self, path: str | Path, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=self.lock_timeout)
        try:
            with lock:
                yield
        except Timeout:
            raise CaseFileError(f"{self.path} is locked by another save for more than {self.lock_timeout:.0f} s; "
                                "nothing was written") from None

    def _lines(self) -> list[_Line]:
        try:
            return _parse(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise CaseFileError(f"cannot read {self.path}: {exc}") from exc

    def read(self) -> tuple[list[tuple[int, dict[str, Any]]], list[CaseFileProblem]]:
        """(line number, record) of every record, and the lines that are not records. No lock: a reader sees one
        whole version of the file (writes are atomic renames)."""
        lines = self._lines()
        return [(line.number, line.obj) for line in lines if line.obj is not None], problems_of(lines)

    def upsert(
        self, record: dict[str, Any], merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    ) -> tuple[bool, list[CaseFileProblem], dict[str, Any]]:
        """Write ``record`` in place of the record with the same ``id`` (``merge(old, new)`` decides the line
        written), or append it. Returns (created, the file's problem lines — kept as they were —, the record
        written)."""
        key = record.get("id")
        if not isinstance(key, str) or not key:
            raise ValueError("a record needs a non-empty string id")
        with self._locked():
            lines = self._lines()
            out: list[str] = []
            created, written = True, record
            for line in lines:
                if created and line.obj is not None and line.obj.get("id") == key:
                    written = merge(line.obj, record) if merge else record
                    out.append(json.dumps(written, ensure_ascii=False))
                    created = False
                else:
                    out.append(line.text)
            if created:
                out.append(json.dumps(record, ensure_ascii=False))
            try:
                atomic_write(self.path, "\n".join(out) + "\n")
            except OSError as exc:
                raise CaseFileError(f"cannot write {self.path}: {exc.strerror or exc}; the file is unchanged") from exc
        return created, problems_of(lines), written
