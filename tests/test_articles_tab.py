"""The Articles tab pages and searches (title, source or URL, ID; From / To) instead of showing the whole table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.records import StoredArticle, epoch
from app.ui.tables import ARTICLES_PAGE, article_page
from tests.conftest import hash_encode, make_settings
from tests.test_crash_safety import write_articles


def _article(i: int, published: str | None, title: str, url: str = "") -> StoredArticle:
    ts = epoch(dt.date.fromisoformat(published)) if published else 0
    return StoredArticle(f"id{i:05d}", title, published, ts, f"/feeds/{i}.txt", url or f"/feeds/{i}.txt", url, "",
                         3, 0)


def test_pages_are_bounded_and_newest_first() -> None:
    arts = [_article(i, (dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(), f"Story {i}") for i in range(2500)]
    first = article_page(arts)
    assert len(first.frame) == ARTICLES_PAGE and first.pages == 50 and first.matched == first.archive == 2500
    assert first.frame["Title"].iloc[0] == "Story 2499" and first.frame["Published"].iloc[0] > first.frame[
        "Published"].iloc[1]
    last = article_page(arts, page=999)  # past the end: the last page
    assert last.page == 50 and list(last.frame["Title"])[-1] == "Story 0"
    assert article_page(arts, page=0).page == 1
    assert "Articles 1–50 of 2,500 · page 1 of 50" == first.status()


def test_search_by_words_source_and_dates() -> None:
    arts = [_article(1, "2023-09-19", "US criticizes Azerbaijan over Karabakh", "https://news.example/karabakh"),
            _article(2, "2023-10-02", "Harbour reopens in Lisbon", "https://port.example/lisbon"),
            _article(3, None, "Undated note on Azerbaijan"),
            _article(4, "2023-10-05", "São Paulo floods")]
    assert list(article_page(arts, "azerbaijan").frame["ID"]) == ["id00001", "id00003"]
    assert list(article_page(arts, "KARABAKH criticizes").frame["ID"]) == ["id00001"]
    assert list(article_page(arts, "port.example").frame["ID"]) == ["id00002"]  # by source URL
    assert list(article_page(arts, "sao paulo").frame["ID"]) == ["id00004"]  # accents ignored
    assert list(article_page(arts, "id00003").frame["ID"]) == ["id00003"]
    october = article_page(arts, date_from=dt.date(2023, 10, 1), date_to=dt.date(2023, 10, 31))
    assert list(october.frame["ID"]) == ["id00004", "id00002"]  # undated never in a date range
    assert october.status() == "Articles 1–2 of 2 matching of 4 · page 1 of 1"
    none = article_page(arts, "volcano")
    assert none.frame.empty and none.status() == "No article matches (of 4)."
    assert article_page([]).status() == "No articles yet: add one below."


@pytest.mark.timeout(600)
def test_the_tab_pages_and_searches_a_real_store(tmp_path: Path) -> None:
    from app.ingest.pipeline import ingest_paths
    from app.ui.views import Views

    corpus = tmp_path / "corpus"
    write_articles(corpus, 120)
    settings = make_settings(tmp_path / "store", answer_mode="extractive")
    assert ingest_paths([corpus], settings, encode=hash_encode).added == 120
    views = Views(settings)

    frame, status, page = views.articles()
    assert len(frame) == ARTICLES_PAGE and page == 1 and "of 120 · page 1 of 3" in status
    frame3, status3, page3 = views.articles("", "", "", 3)
    assert len(frame3) == 120 - 2 * ARTICLES_PAGE and page3 == 3
    assert not set(frame["ID"]) & set(frame3["ID"])
    older, _, n = views.articles_step("", "", "", 2, 1)
    assert n == 3 and list(older["ID"]) == list(frame3["ID"])

    lisbon, status_l, _ = views.articles("Lisbon", "", "", 1)
    assert len(lisbon) and all("Lisbon" in t for t in lisbon["Title"]) and "matching of 120" in status_l
    march, _, _ = views.articles("", "2023-03", "2023-03", 1)  # the fixture dates month i % 12 + 1
    assert len(march) == 10 and all(p.startswith("2023-03") for p in march["Published"])
    _, bad, kept = views.articles("", "last Thursday-ish", "", 2)
    assert "From" in bad and kept == 2  # a bad date says which box, the page stays

    removed = str(frame["ID"].iloc[0])
    table, status_r, _, report, _ = views.remove(removed)
    assert "1 article(s) removed" in report and removed not in set(table["ID"]) and "of 119" in status_r
    gone = str(lisbon["ID"].iloc[0])
    table, status_k, _, report, _ = views.remove(gone, "Lisbon", "", "", 1)  # the search shown is kept
    assert "1 article(s) removed" in report and len(table) == len(lisbon) - 1 and "matching of 118" in status_k
    assert all("Lisbon" in t for t in table["Title"])
