"""Sentence splitting and chunking keep exact offsets: a citation points at the very sentence."""

from __future__ import annotations

from app.text.articles import read_file
from app.text.chunking import chunk_article
from app.text.sentences import split_sentences
from tests.conftest import SEED


def test_sentences_are_exact_spans_and_respect_abbreviations() -> None:
    text = "Mr. Smith met U.S. officials in Washington. He said talks would resume on Jan. 5.\nA new line starts."
    spans = split_sentences(text)
    got = [s.text(text) for s in spans]
    assert got == ["Mr. Smith met U.S. officials in Washington.", "He said talks would resume on Jan. 5.",
                   "A new line starts."]


def test_dotted_initials_before_a_name_do_not_end_a_sentence() -> None:
    text = "Ravens running back J.K. Dobbins tore his Achilles. She read J.R.R. Tolkien. Then she slept."
    assert [s.text(text) for s in split_sentences(text)] == [
        "Ravens running back J.K. Dobbins tore his Achilles.", "She read J.R.R. Tolkien.", "Then she slept."]


def test_closing_quotes_end_sentences() -> None:
    text = "“Enough is enough,” he said. “We cannot tolerate it.” Officials agreed."
    assert [s.text(text) for s in split_sentences(text)] == [
        "“Enough is enough,” he said.", "“We cannot tolerate it.”", "Officials agreed."]


def test_chunks_point_at_the_article_text() -> None:
    article = read_file(SEED, 10**7).articles[0]
    chunks = chunk_article(article, max_chars=450)
    assert len(chunks) > 20
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert c.sentences[0].start == c.start and c.sentences[-1].end == c.end
        assert len(c.text) <= 450 or len(c.sentences) == 1
        assert c.start >= article.body_start
    joined = " ".join(c.text for c in chunks)
    assert "Yemen Details" not in joined  # the byline is not a fact
    peskov = next(c for c in chunks if "Peskov" in c.text)
    assert "Russia is in touch with both Azerbaijan and Armenia" in peskov.text


def test_chunk_ids_are_deterministic() -> None:
    article = read_file(SEED, 10**7).articles[0]
    assert [c.chunk_id for c in chunk_article(article)] == [c.chunk_id for c in chunk_article(article)]
