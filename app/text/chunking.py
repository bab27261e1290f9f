"""Split an article into tight, sentence-aligned passages that keep their character offsets.

Small passages (a few sentences, at most ``max_chars``) are what lets a 1.5B model cite precisely: the naive
1000-character chunks mix several speakers and the model loses who said what. Rejected: LangChain's
RecursiveCharacterTextSplitter, which cuts mid-sentence and drops offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from app.text.articles import Article
from app.text.sentences import Span, split_sentences

# Credit lines carry no facts: "by : Yemen Details", "-With Reuters", "Reporting by ...".
_BYLINE = re.compile(
    r"^\s*[-–—]?\s*(by\s*:|by\s+[A-Z][\w.]*(\s+[A-Z][\w.]*){0,3}$|with\s+(reuters|ap|afp)\b|reporting by\b)", re.I
)


@dataclass(frozen=True)
class Chunk:
    """A passage: consecutive whole sentences of one paragraph, with spans into ``Article.text``."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]

    @property
    def chunk_id(self) -> str:
        return f"{self.article_id}:{self.index}"


def chunk_article(article: Article, max_chars: int = 450) -> list[Chunk]:
    """Greedy sentence packing within paragraphs; an over-long sentence is cut into pieces of at most max_chars.

    Tried and dropped (measured on evalsets/seed.jsonl, extractive pass rate 0.93): packing across paragraph breaks
    (news paragraphs are often one sentence) -> 0.86, and ingest time did not change (it goes per character, not
    per passage); the headline as a passage of its own -> 0.91 (a short, topical passage crowds out answers; the
    headline is in the keyword index instead, see ``keyword_text``).
    """
    text = article.text
    sentences = [
        s for s in split_sentences(text) if s.start >= article.body_start and not _BYLINE.match(text[s.start : s.end])
    ] or split_sentences(text)
    sentences = [piece for s in sentences for piece in split_long(text, s, max_chars)]
    chunks: list[Chunk] = []
    group: list[Span] = []
    group_para = -1
    para_marks = _paragraph_marks(text)

    def flush() -> None:
        if group:
            start, end = group[0].start, group[-1].end
            chunks.append(Chunk(article.article_id, len(chunks), start, end, text[start:end], tuple(group)))
            group.clear()

    for sent in sentences:
        para = bisect_right(para_marks, sent.start)
        too_long = group and (sent.end - group[0].start) > max_chars
        if group and (para != group_para or too_long):
            flush()
        group.append(sent)
        group_para = para
    flush()
    return chunks


def keyword_text(title: str, passage: str) -> str:
    """What the keyword index holds for a passage: its article's headline, then the passage.

    A passage deep in a story rarely names what the story is about ("The ministry said 32 were killed"); the
    headline does. Only BM25 gets it: within one article the headline words weigh nothing there (every passage has
    them), while a headline prefix on every *vector* made passages of one story alike (measured: "What did Russia
    say?" fell from dense rank 2 to 10 on the seed article). The stored, cited text stays the passage itself.
    """
    title = title.strip()
    return passage if not title or passage.startswith(title) else f"{title}\n{passage}"


def split_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """Cut a sentence longer than ``max_chars`` (a 1 MB line without punctuation, a table dump) into bounded pieces.

    Cuts fall after a clause mark (, ; :) or else at a space, in the second half of the window; text without either
    is cut hard. Every piece is a span into ``text``, so offsets and citations stay exact.
    """
    if span.end - span.start <= max_chars:
        return [span]
    pieces: list[Span] = []
    start = span.start
    while span.end - start > max_chars:
        window = text[start : start + max_chars + 1]
        half = max_chars // 2
        cut = max(window.rfind(", ", half), window.rfind("; ", half), window.rfind(": ", half))
        cut = cut + 1 if cut > 0 else window.rfind(" ", half)
        end = start + (cut if cut > 0 else max_chars)
        piece = Span(start, end)
        while piece.end > piece.start and text[piece.end - 1].isspace():
            piece = Span(piece.start, piece.end - 1)
        if piece.end > piece.start:
            pieces.append(piece)
        start = end
        while start < span.end and text[start].isspace():
            start += 1
    if span.end > start:
        pieces.append(Span(start, span.end))
    return pieces


def _paragraph_marks(text: str) -> list[int]:
    """Offsets of line breaks: in news text every line is a paragraph (or a heading, or a caption)."""
    return [i for i, ch in enumerate(text) if ch == "\n"]

