"""The test-set file judged answers are saved to (app/store/testcases.py): update vs append, bad lines kept and
reported, concurrent saves from threads and processes, a full disk, and a writer killed mid-save."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.store import testcases
from app.store.testcases import CaseFile, CaseFileError, read_testset


def _case(case_id: str, question: str = "What did Russia say?", **extra: object) -> dict:
    return {"id": case_id, "question": question, "answerable": True, "type": "entity",
            "required_facts": [["Peskov"]], **extra}


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("{") and _is_json(line)]


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def test_same_id_updates_in_place_and_new_id_appends(tmp_path: Path) -> None:
    path = tmp_path / "sets" / "mine.jsonl"  # the folder is created on first save
    cases = CaseFile(path)
    assert cases.read() == ([], [])  # no file yet: an empty set
    assert cases.upsert(_case("a", saved_at="1")) == (True, [], _case("a", saved_at="1"))
    assert cases.upsert(_case("b"))[0] is True
    created, _, written = cases.upsert(_case("a", required_facts=[["Lavrov"]]),
                                       merge=lambda old, new: {**new, "created_at": old.get("saved_at")})
    assert created is False and written["created_at"] == "1"
    records, problems = cases.read()
    assert [obj["id"] for _, obj in records] == ["a", "b"]  # updated where it was, not appended
    assert records[0][1]["required_facts"] == [["Lavrov"]] and records[0][1]["created_at"] == "1"
    assert problems == []
    assert not list(tmp_path.glob("sets/.mine.jsonl.*.tmp"))  # no temporary file left behind
    with pytest.raises(ValueError, match="id"):
        cases.upsert({"question": "no id"})


def test_a_corrupt_line_is_reported_kept_verbatim_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    bad = '{"id": "broken", "question": "What did Turkey say?", oops'
    path.write_text(
        json.dumps(_case("a")) + "\n" + bad + "\n// a comment line\n\n" + '["not", "an", "object"]\n'
        + json.dumps(_case("c", type="trivia")) + "\n",
        encoding="utf-8",
    )
    created, problems, _ = CaseFile(path).upsert(_case("b", "What did the US say?"))
    assert created
    assert [(p.line, p.text) for p in problems] == [(2, bad), (5, '["not", "an", "object"]')]
    assert "invalid JSON" in problems[0].reason and "object" in problems[1].reason
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == bad and lines[2] == "// a comment line" and lines[3] == ""  # never dropped or rewritten
    assert json.loads(lines[-1])["id"] == "b"
    # The evaluation reads the good cases and reports the others by line number (a bad type on line 6, too).
    cases, problems = read_testset(path)
    assert [c.id for c in cases] == ["a", "b"]
    assert [p.line for p in problems] == [2, 5, 6] and "type must be" in problems[2].reason
    # Updating a case next to the corrupt line leaves that line as it is again.
    CaseFile(path).upsert(_case("a", "What did Moscow say?"))
    assert path.read_text(encoding="utf-8").splitlines()[1] == bad


def _save_many(path: str, worker: int, n: int) -> None:
    cases = CaseFile(path)
    for i in range(n):
        cases.upsert(_case(f"w{worker}-{i}"))
        cases.upsert(_case("shared", f"saved last by {worker}"))  # every worker also updates one common case


def test_concurrent_saves_from_processes_keep_every_case(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: as two web servers or a script would be
    workers = [ctx.Process(target=_save_many, args=(str(path), w, 25)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
        assert p.exitcode == 0
    ids = _ids(path)
    assert len(ids) == len(set(ids)) == 4 * 25 + 1  # nothing lost, the shared case not duplicated
    assert all(_is_json(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_concurrent_saves_from_threads_keep_every_case(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            _save_many(str(path), worker, 15)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    ids = _ids(path)
    assert len(ids) == len(set(ids)) == 6 * 15 + 1


def test_a_full_disk_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.jsonl"
    CaseFile(path).upsert(_case("a"))
    before = path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(testcases.os, "fsync", no_space)
    with pytest.raises(CaseFileError, match="No space left on device.*unchanged"):
        CaseFile(path).upsert(_case("b"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    CaseFile(path).upsert(_case("b"))  # the lock was released: the next save works
    assert _ids(path) == ["a", "b"]


def test_a_held_lock_times_out_with_a_clear_error(tmp_path: Path) -> None:
    from filelock import FileLock

    path = tmp_path / "mine.jsonl"
    with FileLock(str(path) + ".lock"):
        holder = subprocess.run(
            [sys.executable, "-c", "import sys; from app.store.testcases import CaseFile, CaseFileError\n"
             "try:\n    CaseFile(sys.argv[1], lock_timeout=0.5).upsert({'id': 'x'})\n"
             "except CaseFileError as e:\n    print(e); sys.exit(3)", str(path)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        )
    assert holder.returncode == 3, holder.stderr
    assert "locked by another save" in holder.stdout and not path.exists()


_KILLED_WRITER = """
import sys
from app.store.testcases import CaseFile
cases = CaseFile(sys.argv[1])
i = 0
while True:
    cases.upsert({"id": f"k{i}", "question": "q" * 2000, "answerable": True, "type": "entity"})
    print(f"k{i}", flush=True)  # acknowledged: upsert returned
    i += 1
"""


def test_a_writer_killed_mid_save_loses_no_acknowledged_case(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    acknowledged = []
    assert writer.stdout is not None
    while len(acknowledged) < 60:
        line = writer.stdout.readline()
        assert line, "the writer stopped early"
        acknowledged.append(line.strip())
    os.kill(writer.pid, signal.SIGKILL)  # somewhere inside a save (each rewrites ~120 KB)
    writer.wait(30)
    ids = _ids(path)
    assert all(_is_json(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert set(acknowledged) <= set(ids) and len(ids) == len(set(ids))
    CaseFile(path).upsert(_case("after"))  # the dead writer's lock does not block the next save
    assert _ids(path)[-1] == "after"
