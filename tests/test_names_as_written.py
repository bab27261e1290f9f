"""A name is a name as the archive writes it: "Maine" and "main" are one stem, and "the main entrance" is no Maine.

Found asking a RealTimeQA week as a new user (fifteenth session): "Timeline of the Maine shooting", over a week
without the Lewiston shooting, built a story of other shootings (St. Louis, Colorado Springs, Virginia) whose leads
say "main" ("the main entrance"), then, with that fixed, listed a Maine teacher's award, then quoted Colorado's
shootings. The story's articles, the dated events of a "timeline of" and the sentences quoted for it now name the
story as a name (a capitalised word) and hold a word of its event. Real store, real embedding model; the archive is
invented and written here.
"""

from __future__ import annotations

import pytest

from app import is_abstention
from tests.conftest import written_archive

_SHOOTING = ("Title: Gunman kills {n} at {town} school\nDate: 2031-10-{day}\n\n"
             "A gunman opened fire at the main entrance of a {town} high school on Monday, killing {n} people, "
             "police said.\n\nThe shooting was the third in {town} this year, and students left through the main "
             "gym doors.\n")
ARTICLES = {
    "corran.txt": _SHOOTING.format(n=3, town="Corran", day=10),
    "bresk.txt": _SHOOTING.format(n=2, town="Bresk", day=14),
    "selva.txt": _SHOOTING.format(n=4, town="Selva", day=18),
    "teacher.txt": (
        "Title: Foundation awards $1 million to Maine teacher\nDate: 2031-10-20\n\n"
        "A writing teacher whose school in Maine has trained thousands of teachers over the past 25 years won a $1 "
        "million award on Monday.\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    return written_archive(tmp_path_factory, "names-as-written", ARTICLES)


def test_a_timeline_of_a_story_the_archive_does_not_hold_says_so(archive) -> None:
    answer = archive.ask("Timeline of the Maine shooting", mode="extractive")
    assert is_abstention(answer.text) or answer.text.startswith("No articles"), answer.text
    for town in ("Corran", "Bresk", "Selva"):
        assert town not in answer.text, answer.text
    assert "award" not in answer.text, answer.text


def test_the_story_finder_reads_the_names_a_lead_writes(archive) -> None:
    story = archive.story("the Maine shooting", n_dates=5)
    assert not story.article_ids, [a for a in story.article_ids]
    corran = archive.story("the Corran shooting", n_dates=5)
    assert corran.article_ids, corran.message  # a name written in the lead still finds its story


def test_written_names_are_the_capitalised_words() -> None:
    from app.text.tokens import content_tokens, written_names

    assert written_names("Police said the main entrance in Maine was shut.") == content_tokens("Police Maine")
    assert "main" not in written_names("the main entrance")
    # a word with a digit is a name as a question's is ("H1N1", "104th": "Which league is back for its 104th
    # season?" had abstained over "The NFL is back, its 104th season set to kick off")
    assert written_names("the h1n1 flu and its 104th season") == content_tokens("h1n1 104th")
