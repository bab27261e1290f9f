"""The evaluation command end to end: in-process against a fake facade, and as a subprocess against the real
system (extractive mode, temporary vector store, bundled article ingested first)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app import Answer, Passage, Source
from app.eval.__main__ import main
from app.eval.report import render_compare_html, write_run
from app.eval.runner import RunResult, aggregate, run_testset
from app.store.testcases import load_testset

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "evalsets" / "smoke.jsonl"


# --------------------------------------------------------------------------- a deterministic stand-in for the facade


RUSSIA = "Russia, which brokered a fragile ceasefire, called for all sides to stop fighting."
KILLED = "Karabakh separatist authorities said 25 people had been killed, including two civilians, and 80 injured."


def _passage(text: str) -> Passage:
    return Passage("k:0", text, "nagorno-karabakh-2023-09-19", "US criticizes Azerbaijan", "2023-09-19", "seed.txt",
                   0, len(text), ((0, len(text)),), score=1.0)


def _source(n: int, text: str) -> Source:
    return Source(n, text, "nagorno-karabakh-2023-09-19", "US criticizes Azerbaijan", "2023-09-19", 0, len(text))


def _answer(text: str, citations: list[Source], passages: list[Passage], abstained: bool = False) -> Answer:
    return Answer(text, citations, "extractive", abstained, "search", "q", "q", {}, passages)


class FakeChronicle:
    """Answers Russia and casualty questions correctly, abstains on China, invents a Turkey answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, object]] = []

    def retrieve(self, question, k=None):
        return [_passage(KILLED), _passage(RUSSIA)][: k or 2]

    def stream(self, question, history=None, mode=None, as_of=None):
        self.calls.append((question, history, mode))
        yield "..."
        passages = self.retrieve(question)
        if "Russia" in question:
            yield _answer("Russia called for all sides to stop fighting, Peskov said [1].",
                          [_source(1, RUSSIA)], passages)
        elif "killed" in question:
            yield _answer("Separatists said 25 people had been killed, including two civilians [1].",
                          [_source(1, KILLED)], passages)
        elif "China" in question:
            yield _answer("The article does not say.", [], passages, abstained=True)
        elif "Turkey" in question:
            yield _answer("Turkey condemned Baku [2].", [_source(1, RUSSIA)], passages)
        else:
            raise RuntimeError("model crashed")


def test_runner_scores_and_aggregates_fake_answers():
    chron = FakeChronicle()
    run = run_testset(chron, load_testset(SMOKE), "extractive", k=2, progress=False,
                      embed=lambda texts: [[1.0, float(len(t) % 7)] for t in texts])
    by_id = {r.id: r for r in run.results}
    assert set(by_id) == {"wsw-russia", "num-killed", "ent-hajiyev", "un-china", "fu-turkey"}
    assert by_id["num-killed"].passed and by_id["num-killed"].scores["fact_recall"] == 1.0
    assert by_id["num-killed"].scores["hit@1"] == 1.0 and by_id["num-killed"].scores["citation_validity"] == 1.0
    assert by_id["un-china"].passed and by_id["un-china"].outcome == "right_abstention"
    russia = by_id["wsw-russia"]
    assert russia.scores["fact_recall"] == 2 / 3 and not russia.passed  # "negotiations" missing
    assert russia.scores["mrr"] == 0.5
    turkey = by_id["fu-turkey"]
    assert not turkey.passed and turkey.citation_check["out_of_range"] == [2]
    history = {q: h for q, h, _ in chron.calls}
    assert history["And Turkey?"] and history["And Turkey?"][0][0] == "What did Russia say?"  # history passed
    assert history["What did China say?"] is None and {m for _, _, m in chron.calls} == {"extractive"}
    hajiyev = by_id["ent-hajiyev"]
    assert hajiyev.error and "model crashed" in hajiyev.error and not hajiyev.passed
    overall = run.summary["overall"]
    assert overall["n"] == 5 and overall["passed"] == 2 and overall["errors"] == 1
    assert overall["outcomes"]["right_abstention"] == 1
    assert run.summary["unanswerable"]["abstention_correct"] == 1.0
    assert overall["first_token_ms"]["p50"] is not None
    assert aggregate(run.results) == run.summary


def test_run_json_roundtrip_and_html(tmp_path):
    run = run_testset(FakeChronicle(), load_testset(SMOKE), "extractive", k=2, progress=False)
    json_path, html_path = write_run(run, tmp_path)
    loaded = RunResult.load(json_path)
    assert [r.id for r in loaded.results] == [r.id for r in run.results]
    assert loaded.summary["overall"]["passed"] == run.summary["overall"]["passed"]
    page = html_path.read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page and "<link" not in page
    assert "Turkey condemned Baku" in page and "territorial integrity" in page  # failure with expected facts
    compare = render_compare_html([run, loaded])
    assert "overall" in compare and "<script" not in compare


def test_compare_cli_writes_side_by_side(tmp_path, capsys):
    runs_dir = tmp_path / "runs"
    run = run_testset(FakeChronicle(), load_testset(SMOKE), "extractive", k=2, progress=False)
    a, _ = write_run(run, runs_dir / "a")
    run.results[0].passed = not run.results[0].passed
    run.summary = aggregate(run.results)
    b, _ = write_run(run, runs_dir / "b")
    assert main(["--compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    assert "->" in out and "overall" in out
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert run.results[0].id in page  # listed among the questions whose outcome changed


# --------------------------------------------------------------------------- the real system


def test_eval_command_end_to_end_extractive(tmp_path):
    out = tmp_path / "out"
    env = {
        **os.environ,
        "CHRONICLE_VECTORSTORE_DIR": str(tmp_path / "store"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "app.eval", "--set", str(SMOKE), "--mode", "extractive", "--ingest",
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results-extractive.json").read_text(encoding="utf-8"))
    html = (out / "report-extractive.html").read_text(encoding="utf-8")
    assert results["meta"]["mode"] == "extractive" and results["meta"]["settings"]["vectorstore_dir"]
    records = {r["id"]: r for r in results["results"]}
    assert set(records) == {c.id for c in load_testset(SMOKE)}
    for r in records.values():
        assert r["error"] is None, r["error"]
        assert r["total_ms"] is not None and 0 < r["total_ms"] < 120_000
        for value in r["scores"].values():
            assert value is None or 0.0 <= value <= 1.0
    answered = [r for r in records.values() if r["answerable"]]
    assert all(r["passages"] for r in answered)  # retrieval returned something from the ingested article
    assert sum(r["scores"]["hit@k"] or 0 for r in answered) >= 3  # the evidence is found for most questions
    assert all(r["citations"] for r in answered if not r["abstained"])
    overall = results["summary"]["overall"]
    assert overall["n"] == 5 and 0 <= overall["passed"] <= 5
    assert "<svg" in html and "<script" not in html and "wsw-russia" in html
    assert "overall" in proc.stdout  # the per-type console table
