"""Run a test set through Chronicle and score every answer; aggregate per question type.

The runner only talks to the facade contract (``ask``/``stream``/``retrieve`` returning an Answer with text,
citations, passages, abstained, timings), so tests can drive it with a small fake of the same shape. Latency
is measured here by wall clock around ``stream`` so that every mode is timed the same way; the system's own
timings are kept alongside.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app import QUESTION_TYPES, ModelWait, TestCase
from app.eval import metrics as M
from app.eval.machine import machine_facts

if TYPE_CHECKING:
    from app import Answer, Passage, Settings, Source

SCORE_KEYS: tuple[str, ...] = (
    "hit@1", "hit@k", "mrr", "fact_recall", "token_f1", "semantic_similarity", "citation_validity",
    "citation_precision", "citation_recall", "abstention_correct", "date_ok",
)
_SECRET_HINTS = ("key", "password", "token", "secret")


class ChronicleLike(Protocol):
    """The part of ``app.Chronicle`` the evaluation uses (tests pass a deterministic stand-in)."""

    def stream(
        self, question: str, history: list[tuple[str, str]] | None = None, mode: str | None = None,
        as_of: dt.date | None = None,
    ) -> Iterator[str | Answer | ModelWait]: ...

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]: ...


@dataclass
class QuestionResult:
    """Everything recorded about one question: the answer, what was expected, scores and why it failed."""

    id: str
    type: str
    question: str
    answerable: bool
    mode: str
    answer: str = ""
    abstained: bool = False
    outcome: str = ""  # one of metrics.ABSTENTION_OUTCOMES
    passed: bool = False
    failures: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    reference: str | None = None
    required_facts: list[list[str]] = field(default_factory=list)
    missing_facts: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    history: list[list[str]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    citation_check: dict[str, Any] = field(default_factory=dict)
    first_token_ms: float | None = None
    total_ms: float | None = None
    system_timings: dict[str, Any] = field(default_factory=dict)
    answer_mode: str | None = None  # Answer.mode as reported by the system
    model: str | None = None  # Answer.model, when the system reports it
    route: str | None = None  # Answer.route (how the question was handled), when reported
    standalone_question: str | None = None  # the follow-up rewritten by the system, when reported
    error: str | None = None
    # Cases judged in the chat: what the user judged, and how the archive moved since
    verdict: str | None = None  # "right" / "wrong"
    judged_answer: str | None = None  # the answer the user judged
    stale: list[str] = field(default_factory=list)  # article ids the case depends on that are gone: not asked
    changed_by: list[str] = field(default_factory=list)  # cited articles ingested after the judgement, answer changed

    @property
    def status(self) -> str:
        """"stale" (cannot pass any more: its articles were removed), "pass" or "fail"."""
        return "stale" if self.stale else ("pass" if self.passed else "fail")


@dataclass
class RunMeta:
    """What produced a run, so two runs can be compared honestly."""

    mode: str
    testset: str
    n_questions: int
    k: int | None
    model: str
    embedding_model: str | None
    git_commit: str | None
    timestamp: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    duration_s: float = 0.0


@dataclass
class RunResult:
    """One run of one mode over one test set."""

    meta: RunMeta
    results: list[QuestionResult]
    summary: dict[str, dict[str, Any]]  # "overall" and each question type -> aggregate numbers

    def to_json(self) -> dict[str, Any]:
        return {"meta": asdict(self.meta), "summary": self.summary, "results": [asdict(r) for r in self.results]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        meta = RunMeta(**data["meta"])
        results = [QuestionResult(**r) for r in data.get("results", [])]
        return cls(meta=meta, results=results, summary=data.get("summary") or aggregate(results))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> RunResult:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- helpers over duck-typed records


def _passage_record(p: Passage) -> dict[str, Any]:
    return {"article_id": p.article_id, "title": p.title, "published": p.published, "start": p.start, "end": p.end,
            "score": p.score, "text": p.text}


def _citation_record(s: Source) -> dict[str, Any]:
    return {"n": s.n, "article_id": s.article_id, "title": s.title, "published": s.published, "start": s.start,
            "end": s.end, "label": s.label, "text": s.text}


def _in_range(published: str | None, constraint: dict[str, str] | None) -> bool | None:
    """True/False when both a date constraint and a publication date exist; ISO dates compare as strings."""
    if not constraint or not published:
        return None
    day = str(published)[:10]
    lo, hi = constraint.get("from"), constraint.get("to")
    return (lo is None or day >= lo[:10]) and (hi is None or day <= hi[:10])


# --------------------------------------------------------------------------- asking


def _ask_timed(chron: ChronicleLike, case: TestCase, mode: str | None) -> tuple[Answer, float | None, float]:
    """Ask through ``stream`` so time-to-first-token is measured; returns (answer, ttft, total)."""
    history = [(str(p[0]), str(p[1])) for p in case.history] or None
    t0 = time.perf_counter()
    first: float | None = None
    answer = None
    for item in chron.stream(case.question, history=history, mode=mode, as_of=case.as_of_day):
        if isinstance(item, str):
            if item and first is None:
                first = (time.perf_counter() - t0) * 1000
        elif not isinstance(item, ModelWait):  # a place in the model's line is not an answer
            answer = item
    total = (time.perf_counter() - t0) * 1000
    if answer is None:
        raise RuntimeError("stream() ended without yielding an Answer")
    return answer, first, total


def evaluate_case(
    chron: ChronicleLike,
    case: TestCase,
    mode: str | None,
    k: int,
    embed: M.Embed | None = None,
    support: M.SupportFn | None = None,
) -> QuestionResult:
    """Ask one question and score the answer; an exception becomes a failed record, never a crash."""
    res = QuestionResult(
        id=case.id, type=case.type, question=case.question, answerable=case.answerable, mode=mode or "default",
        reference=case.reference, required_facts=case.required_facts, evidence=case.evidence,
        history=[list(p) for p in case.history],
    )
    try:
        answer, res.first_token_ms, res.total_ms = _ask_timed(chron, case, mode)
    except Exception as exc:  # noqa: BLE001 - one bad question must not end the run
        res.error = f"{type(exc).__name__}: {exc}"
        res.failures.append(f"error: {res.error}")
        res.outcome = M.abstention_outcome(False, case.answerable)
        return res

    res.answer = answer.text
    res.answer_mode = answer.mode
    res.model = answer.model or None
    res.route = answer.route
    res.standalone_question = answer.standalone_question
    res.system_timings = dict(answer.timings)
    if res.first_token_ms is None:
        res.first_token_ms = res.system_timings.get("first_token_ms")
    citations = list(answer.citations)
    res.citations = [_citation_record(c) for c in citations]
    passages = list(answer.passages)
    if not passages:
        try:
            passages = list(chron.retrieve(case.question, k=k))
        except Exception:  # noqa: BLE001 - retrieval metrics then count as misses
            passages = []
    res.passages = [_passage_record(p) for p in passages]
    passage_texts = [p["text"] or "" for p in res.passages]
    cited_texts = [c["text"] or "" for c in res.citations]

    res.abstained = M.is_abstention(res.answer, answer.abstained)
    res.outcome = M.abstention_outcome(res.abstained, case.answerable)
    # Judge each [n] against what the guard lets it rely on: the sentence plus its label (speaker or resolved date).
    from app import evidence_of

    checkable = [{"n": c.n, "text": evidence_of(c)} for c in citations]
    check = M.citation_validity(res.answer, checkable, support=support)
    res.citation_check = {
        "markers": check.markers, "valid": check.valid, "out_of_range": check.out_of_range,
        "unsupported": check.unsupported, "uncited_sentences": check.uncited_sentences,
    }
    res.missing_facts = M.missing_facts(res.answer, case.required_facts)
    in_range = [_in_range(c["published"], case.date_constraint) for c in res.citations]
    dates = [d for d in in_range if d is not None]
    try:
        similarity = M.semantic_similarity(res.answer, case.reference, embed)
    except Exception:  # noqa: BLE001 - an embedder failure only loses this one score
        similarity = None
    res.scores = {
        "hit@1": M.hit_at_k(passage_texts, case.evidence, 1),
        "hit@k": M.hit_at_k(passage_texts, case.evidence, k),
        "mrr": M.reciprocal_rank(passage_texts, case.evidence),
        "fact_recall": M.fact_recall(res.answer, case.required_facts) if case.answerable else None,
        "token_f1": M.token_f1(res.answer, case.reference) if case.answerable else None,
        "semantic_similarity": similarity if case.answerable else None,
        "citation_validity": check.validity,
        "citation_precision": M.citation_precision(cited_texts, case.evidence),
        "citation_recall": M.citation_recall(cited_texts, case.evidence),
        "abstention_correct": float(M.abstention_correct(res.abstained, case.answerable)),
        "date_ok": (sum(dates) / len(dates)) if dates else None,
    }
    res.failures = _failures(res, case)
    res.passed = not res.failures
    return res


def _same_text(a: str | None, b: str | None) -> bool:
    def norm(text: str | None) -> str:
        return M.normalize_text(re.sub(r"\[\d+\]", "", text or ""))

    return norm(a) == norm(b)


def stale_result(case: TestCase, mode: str | None, missing: list[str]) -> QuestionResult:
    """A case whose articles were removed: not asked, not a failure."""
    return QuestionResult(
        id=case.id, type=case.type, question=case.question, answerable=case.answerable, mode=mode or "default",
        reference=case.reference, required_facts=case.required_facts, evidence=case.evidence,
        history=[list(p) for p in case.history], verdict=case.verdict, judged_answer=case.judged_answer,
        stale=missing, standalone_question=case.standalone_question,
    )


def mark_changes(res: QuestionResult, case: TestCase, ingested_at: dict[str, int]) -> None:
    """For a judged case: which cited articles were ingested after the judgement, when the answer is not the one
    judged (an article ingested later that changes the answer)."""
    res.verdict, res.judged_answer = case.verdict, case.judged_answer
    saved = case.saved_ts
    if case.judged_answer is None or saved is None or _same_text(res.answer, case.judged_answer):
        return
    cited = dict.fromkeys(c["article_id"] for c in res.citations)
    res.changed_by = [a for a in cited if a not in case.depends_on and ingested_at.get(a, 0) > saved]


def _failures(res: QuestionResult, case: TestCase) -> list[str]:
    """Human-readable reasons a question failed; empty means it passed."""
    reasons: list[str] = []
    if res.outcome == "wrong_abstention":
        reasons.append("abstained on an answerable question")
    elif res.outcome == "false_answer":
        reasons.append("answered an unanswerable question")
    if case.answerable and not res.abstained:
        if res.missing_facts:
            reasons.append("missing facts: " + "; ".join(" | ".join(g) for g in res.missing_facts))
        if not res.citations:
            reasons.append("no citations")
    if res.citation_check.get("out_of_range"):
        reasons.append(f"citation numbers without a source: {res.citation_check['out_of_range']}")
    if res.citation_check.get("unsupported"):
        reasons.append(f"{len(res.citation_check['unsupported'])} citation(s) do not support their sentence")
    judged_evidence = case.verdict == "right" and case.answerable and case.evidence
    if judged_evidence and not res.abstained and res.citations and not res.scores.get("citation_recall"):
        reasons.append("cites none of the sentences judged right")
    date_ok = res.scores.get("date_ok")
    if date_ok is not None and date_ok < 1.0:
        reasons.append("cited an article outside the date constraint")
    return reasons


# --------------------------------------------------------------------------- aggregation


def _summarise(results: Sequence[QuestionResult]) -> dict[str, Any]:
    n = len(results)
    passed = sum(r.passed for r in results)
    row: dict[str, Any] = {"n": n, "passed": passed, "pass_rate": passed / n if n else None}
    for key in SCORE_KEYS:
        row[key] = M.mean(r.scores.get(key) for r in results)
    row["outcomes"] = M.count_outcomes(r.outcome for r in results if r.outcome)
    row["errors"] = sum(r.error is not None for r in results)
    row["first_token_ms"] = M.latency_summary([r.first_token_ms for r in results])
    row["total_ms"] = M.latency_summary([r.total_ms for r in results])
    return row


def aggregate(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    """Per-type and overall aggregates; types appear in the canonical order, then any unknown ones. Stale cases
    (their articles removed) are counted apart, not scored."""
    live = [r for r in results if not r.stale]
    by_type: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in live:
        by_type[r.type].append(r)
    order = [t for t in QUESTION_TYPES if t in by_type] + sorted(set(by_type) - set(QUESTION_TYPES))
    summary = {t: _summarise(by_type[t]) for t in order}
    summary["overall"] = _summarise(live)
    summary["overall"]["stale"] = len(results) - len(live)
    summary["overall"]["changed"] = sum(bool(r.changed_by) for r in live)
    return summary


def _ingested_at(chron: ChronicleLike) -> dict[str, int] | None:
    """Visible article id -> when it was ingested (epoch seconds), for stale and changed cases; None when the
    system cannot list its articles (then no case is stale)."""
    articles = getattr(chron, "articles", None)
    if articles is None:
        return None
    return {a.article_id: int(a.ingested_at) for a in articles()}


# --------------------------------------------------------------------------- run metadata


def git_commit(repo: Path | None = None) -> str | None:
    """HEAD commit of the repository (with "-dirty" when there are uncommitted changes), None outside git."""
    cwd = str(repo or Path(__file__).resolve().parents[2])
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def settings_dump(settings: Settings | None) -> dict[str, Any]:
    """JSON-safe settings with secrets masked."""
    if settings is None:
        return {}
    data = settings.model_dump(mode="json")
    return {k: ("***" if v and any(h in k.lower() for h in _SECRET_HINTS) else v) for k, v in data.items()}


def model_name(settings: Settings | None, mode: str | None, results: Sequence[QuestionResult] = ()) -> str:
    """Which generator answered: what the answers report (most common), else derived from settings."""
    reported = Counter(r.model for r in results if r.model)
    if reported:
        return reported.most_common(1)[0][0]
    if mode == "extractive":
        return "extractive (no generator)"
    if settings is None:
        return "unknown"
    if mode == "openai" or settings.llm_backend == "openai":
        return f"{settings.llm_model} @ {settings.llm_base_url}"
    return str(settings.llm_model_path) if settings.llm_model_path else "packaged GGUF (default)"


# --------------------------------------------------------------------------- the run


def run_testset(
    chron: ChronicleLike,
    cases: Iterable[TestCase],
    mode: str | None,
    *,
    settings: Settings | None = None,
    k: int | None = None,
    embed: M.Embed | None = None,
    embedding_model: str | None = None,
    support: M.SupportFn | None = None,
    testset: str = "",
    progress: bool = True,
    on_result: Callable[[QuestionResult], None] | None = None,
) -> RunResult:
    """Evaluate every case with ``chron`` in ``mode`` and return per-question records plus aggregates."""
    from tqdm import tqdm

    cases = list(cases)
    k = k or (settings.k if settings is not None else 5)
    started = time.perf_counter()
    ingested = _ingested_at(chron) if any(c.depends_on or c.judged_answer for c in cases) else None
    results: list[QuestionResult] = []
    bar = tqdm(cases, desc=f"eval {mode or 'default'}", unit="q", disable=not progress, dynamic_ncols=True)
    for case in bar:
        missing = [a for a in case.depends_on if a not in ingested] if ingested is not None else []
        if missing:
            result = stale_result(case, mode, missing)
        else:
            result = evaluate_case(chron, case, mode, k, embed=embed, support=support)
            result.verdict, result.judged_answer = case.verdict, case.judged_answer
            if ingested is not None:
                mark_changes(result, case, ingested)
        results.append(result)
        bar.set_postfix(passed=f"{sum(r.passed for r in results)}/{len(results)}")
        if on_result:
            on_result(result)
    meta = RunMeta(
        mode=mode or "default",
        testset=testset,
        n_questions=len(results),
        k=k,
        model=model_name(settings, mode, results),
        embedding_model=embedding_model,
        git_commit=git_commit(),
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_facts(),
        settings=settings_dump(settings),
        duration_s=round(time.perf_counter() - started, 3),
    )
    return RunResult(meta=meta, results=results, summary=aggregate(results))
