"""Pick the few sentences that matter from the retrieved passages and number them as sources.

A 1.5B model reads ~160 prompt tokens per second here, so the prompt carries only the best sentences (not whole
chunks): the first token comes sooner and the model is not distracted by neighbouring speakers. Sentences are
scored by embedding similarity to the question plus content-word overlap, then put back in article order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.citations import Source, content_tokens
from app.retrieval import Passage


@dataclass
class ScoredSentence:
    passage: Passage
    start: int
    end: int
    text: str
    cosine: float
    overlap: float
    score: float


def score_sentences(
    question: str, passages: list[Passage], encode, question_vector: np.ndarray | None = None  # noqa: ANN001
) -> list[ScoredSentence]:
    """Every sentence of the passages, scored against the question, best first."""
    items = [(p, s, e, t) for p in passages for s, e, t in p.sentence_texts() if t.strip()]
    if not items:
        return []
    q_tokens = content_tokens(question)
    vectors = encode([question] + [t for *_, t in items]) if question_vector is None else None
    qv = question_vector if question_vector is not None else vectors[0]
    sv = encode([t for *_, t in items]) if vectors is None else vectors[1:]
    cos = sv @ qv
    out = []
    for rank_bonus, ((p, s, e, t), c) in enumerate(zip(items, cos)):
        overlap = len(q_tokens & content_tokens(t)) / len(q_tokens) if q_tokens else 0.0
        out.append(ScoredSentence(p, s, e, t, float(c), overlap, float(c) + 0.5 * overlap))
    out.sort(key=lambda x: -x.score)
    return out


def select_sources(
    scored: list[ScoredSentence], max_sources: int = 6, max_chars: int = 1100, min_score: float = 0.0
) -> list[Source]:
    """Top sentences within a character budget, renumbered 1..n in (article, position) order."""
    chosen: list[ScoredSentence] = []
    used = 0
    seen: set[tuple[str, int]] = set()
    for s in scored:
        if s.score < min_score or (s.passage.article_id, s.start) in seen:
            continue
        if used + len(s.text) > max_chars and chosen:
            continue
        chosen.append(s)
        seen.add((s.passage.article_id, s.start))
        used += len(s.text)
        if len(chosen) >= max_sources:
            break
    chosen.sort(key=lambda s: (s.passage.published or "", s.passage.article_id, s.start))
    return [
        Source(
            n=i + 1,
            text=s.text,
            article_id=s.passage.article_id,
            title=s.passage.title,
            published=s.passage.published,
            start=s.start,
            end=s.end,
            context=s.passage.text,
            score=s.score,
        )
        for i, s in enumerate(chosen)
    ]


def format_sources(sources: list[Source]) -> str:
    """The sources block of the prompt: delimited, dated, attributed, one per line."""
    lines = []
    for s in sources:
        meta = ", ".join(x for x in (s.label, s.published or "") if x)
        lines.append(f"[{s.n}] ({meta}) {s.text}" if meta else f"[{s.n}] {s.text}")
    return "\n".join(lines)
