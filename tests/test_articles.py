"""Article parsing: headers, formats, stable ids, and clear refusals of what is not an article."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app.text.articles import ArticleError, article_id_for, read_file
from tests.conftest import SEED

LIMIT = 20_000_000


def test_seed_header_title_date_byline() -> None:
    article = read_file(SEED, LIMIT).articles[0]
    assert article.title == "US criticizes Azerbaijan after fresh attack on Nagorno-Karabakh"
    assert article.published == dt.date(2023, 9, 19)
    assert article.byline == "Yemen Details"
    assert article.text[article.body_start :].lstrip().startswith("This grab taken")
    assert article.published_ts == 1695081600


def test_plain_text_without_header(tmp_path: Path) -> None:
    p = tmp_path / "story.txt"
    p.write_text("Officials met in Geneva on Monday to discuss the dam. They agreed to meet again.\n")
    article = read_file(p, LIMIT).articles[0]
    assert article.published is None
    assert article.title.startswith("Officials met in Geneva")
    assert article.warnings  # no date: relative dates cannot be resolved, and the user is told


def _read(folder: Path, text: str, name: str = "story.txt"):
    (folder / name).write_text(text)
    return read_file(folder / name, LIMIT).articles[0]


@pytest.mark.parametrize("dateline", [
    "By Staff | 2023/10/03",
    "By Jane Doe | October 3, 2023",
    "October 3, 2023 at 9:15 a.m. EDT",
    "Updated 5:12 PM EDT, Tue October 3, 2023",
])
def test_a_news_sites_dateline_gives_the_publication_day(tmp_path: Path, dateline: str) -> None:
    """Articles pasted from news pages carry the date on a byline or time line; they had been ingested undated."""
    article = _read(tmp_path, f"Speaker ousted in historic vote\n{dateline}\n\nThe House voted on Tuesday to remove it.\n")
    assert article.published == dt.date(2023, 10, 3), dateline
    assert article.title == "Speaker ousted in historic vote"
    assert article.text[article.body_start :].lstrip().startswith("The House voted")
    assert article.byline == ("Jane Doe" if "Jane" in dateline else "Staff" if "Staff" in dateline else None)
    assert not article.warnings


def test_a_headline_cut_short_is_still_the_title(tmp_path: Path) -> None:
    article = _read(tmp_path, "Gaetz threatens to remove McCarthy as House speaker ...\nBy Staff | 2023/09/12\n\nGaetz.\n")
    assert article.title == "Gaetz threatens to remove McCarthy as House speaker ..."
    assert article.published == dt.date(2023, 9, 12)


@pytest.mark.parametrize("headline", [
    "Prison escapees elude police without violence. Will they be caught?",
    "Two-week manhunt ends in Pa.",
    "Storm makes landfall!",
])
def test_a_headline_that_ends_like_a_sentence_is_the_title_above_a_date(tmp_path: Path, headline: str) -> None:
    """Such headlines stopped the header reader, so the "Published:" line under them was not read."""
    article = _read(tmp_path, f"{headline}\nPublished: 2023-09-13\n\nThe escaped prisoner was captured Wednesday.\n")
    assert article.title == headline
    assert article.published == dt.date(2023, 9, 13)
    assert article.text[article.body_start :].lstrip().startswith("The escaped prisoner")


def test_a_first_sentence_above_the_body_is_not_a_title(tmp_path: Path) -> None:
    article = _read(tmp_path, "The prisoner was captured Wednesday.\nHe had escaped two weeks before.\n")
    assert article.title == "The prisoner was captured Wednesday."
    assert article.body_start == 0


def test_a_date_inside_a_sentence_is_not_a_dateline(tmp_path: Path) -> None:
    text = "Speaker ousted in historic vote\nThe vote happened on October 3, 2023\n\nMore text here.\n"
    assert _read(tmp_path, text).published is None


def test_key_value_header_and_markdown(tmp_path: Path) -> None:
    p = tmp_path / "story.md"
    p.write_text("# Dam talks resume\n\nDate: 2024-03-05\n\nOfficials met in Geneva on Monday.\n")
    article = read_file(p, LIMIT).articles[0]
    assert article.title == "Dam talks resume"
    assert article.published == dt.date(2024, 3, 5)


def test_html_boilerplate_and_scripts_are_stripped(tmp_path: Path) -> None:
    body = " ".join(["The ministry said the bridge would reopen on Friday after repairs."] * 8)
    html = (
        "<html><head><title>Bridge to reopen</title><script>alert('x')</script></head><body>"
        "<nav>Home | Sport | Weather</nav><article><h1>Bridge to reopen</h1>"
        f"<p>{body}</p></article><footer>Copyright 2024 Example News</footer></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(html)
    article = read_file(p, LIMIT).articles[0]
    assert "bridge would reopen" in article.text
    assert "alert(" not in article.text and "Copyright" not in article.text and "Weather" not in article.text


def test_json_and_jsonl_records(tmp_path: Path) -> None:
    rec = {"title": "Vote delayed", "text": "The vote was delayed until March, the speaker said.",
           "published": "2024-01-02", "url": "https://example.org/vote", "source": "Example"}
    (tmp_path / "a.json").write_text(json.dumps(rec))
    a = read_file(tmp_path / "a.json", LIMIT).articles[0]
    assert (a.title, a.published, a.url, a.source) == ("Vote delayed", dt.date(2024, 1, 2), rec["url"], rec["url"])
    gcs = {"question_id": "q1", "search_result": [
        {"title": "One", "text": "First story text about a storm.", "publish_date": "2023/08/30", "url": "u1"},
        {"title": "Two", "text": "Second story text about a vote.", "publish_date": "2023/08/31", "url": "u2"}]}
    (tmp_path / "b.jsonl").write_text(json.dumps(rec) + "\n{broken json\n" + json.dumps(gcs) + "\n")
    result = read_file(tmp_path / "b.jsonl", LIMIT)
    assert [x.title for x in result.articles] == ["Vote delayed", "One", "Two"]
    assert result.articles[1].published == dt.date(2023, 8, 30)
    assert len(result.errors) == 1 and ":2:" in result.errors[0]


def test_article_id_is_stable_under_cosmetic_changes() -> None:
    text = "Russia called for all sides to stop fighting.\nPeskov said “talks” matter."
    assert article_id_for(text) == article_id_for("  Russia called for all sides   to stop fighting.\r\n"
                                                  'Peskov said "talks" matter.  ')
    assert article_id_for(text) != article_id_for(text.replace("stop", "halt"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"%PDF-1.7\n...", "PDF"), (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"), (b"abc\x00\x01\x02def", "binary")],
)
def test_refuses_non_articles_with_a_clear_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        read_file(p, LIMIT)


def test_latin1_text_is_read(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes("Le ministre a déclaré que la réunion aurait lieu à Genève.".encode("latin-1"))
    assert "déclaré" in read_file(p, LIMIT).articles[0].text


def test_too_large_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("word " * 5000)
    with pytest.raises(ArticleError, match="limit"):
        read_file(p, 10_000)
