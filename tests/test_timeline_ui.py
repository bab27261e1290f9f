"""The Timeline tab's event handlers (app.ui.views) on a real store of made-up dated articles: the story view and its
downloads, bad input in the status line, and what opening the tab reads (never every event of a large archive)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app import export_story
from app.ui import views as views_mod
from app.ui.views import DOWNLOADS, Views
from tests.helpers_story import DAM, OTHER, write_story_articles

KEEP = {"__type__": "update"}  # gr.update() with no change


def _plain(markdown: str) -> str:
    """A status line as the page shows it: Markdown escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> Views:
    from app import Chronicle, load_settings

    tmp = tmp_path_factory.mktemp("timeline-ui")
    settings = load_settings(vectorstore_dir=tmp / "store", answer_mode="extractive")
    chron = Chronicle(settings)
    report = chron.ingest(write_story_articles(tmp / "articles"))
    assert report.added == 8 and report.ok, report.summary()
    return Views(settings, chron)


def _story(views: Views, about: str, n: Any = 20, lo: str = "", hi: str = "", as_of: str = "",
           folder: str | None = None) -> dict[str, Any]:
    out = views.timeline_show(about, n, lo, hi, as_of, folder)
    status, coverage, story, *rest = out
    buttons, folder, key = rest[:len(DOWNLOADS)], rest[len(DOWNLOADS)], rest[len(DOWNLOADS) + 1]
    return {"status": _plain(status), "coverage": coverage, "story": story, "buttons": buttons, "folder": folder, "key": key}


def test_story_view_shows_the_story_with_sources_and_writes_the_downloads(views: Views) -> None:
    got = _story(views, DAM, 5)
    assert got["status"].startswith(f"{DAM}: 5 dates from 5 articles, Tuesday 2 March 2021 to"), got["status"]
    assert '<svg class="chr-coverage-svg"' in got["coverage"] and 'class="chr-cov-chosen"' in got["coverage"]
    story = got["story"]
    assert '<time datetime="2021-03-02">Tuesday 2 March 2021</time>' in story
    assert "reported by 4 articles" in story and "The Lakeview dam collapsed on Tuesday" in story
    assert "Port Belmar" not in story  # the other story stays out
    assert "Rescuers search &lt;b&gt;mud&lt;/b&gt;" in story and "<b>mud</b>" not in story
    assert 'href="https://news.example.org/lakeview/dam-collapse?id=1&amp;lang=en"' in story
    assert "Not placed on the timeline (no publication date): Lakeview residents recall" in story

    folder = Path(got["folder"])
    assert folder.is_dir() and folder.parent.name.startswith("chronicle-downloads-")  # removed at process exit
    paths = {fmt: Path(b["value"]) for (fmt, _), b in zip(DOWNLOADS, got["buttons"], strict=True)}
    assert all(b["interactive"] for b in got["buttons"])
    assert {p.name for p in paths.values()} == {"timeline-lakeview-dam-collapse.json",
                                                "timeline-lakeview-dam-collapse.csv",
                                                "timeline-lakeview-dam-collapse.md",
                                                "timeline-lakeview-dam-collapse.timelinejs.json"}
    assert all(p.parent == folder for p in paths.values())
    fresh = views.chronicle.story(DAM, 5)
    for fmt, path in paths.items():
        assert path.read_text(encoding="utf-8") == export_story(fresh, fmt), fmt
    assert len(json.loads(paths["timelinejs"].read_text())["events"]) == 5

    # The next story in the same session replaces the files in the same folder.
    other = _story(views, OTHER, 5, folder=str(folder))
    assert other["folder"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"timeline-port-belmar-strike{s}" for s in (".json", ".csv", ".md", ".timelinejs.json"))
    assert "Dock workers at Port Belmar" in other["story"] and "Lakeview" not in other["story"]

    Views.drop_downloads(str(folder))  # the session ends: its folder goes
    assert not folder.exists()


def test_a_story_the_archive_does_not_cover_says_so(views: Views) -> None:
    got = _story(views, "Martian volcano eruption", 5)
    assert got["status"] == "⚠ No articles about Martian volcano eruption."
    assert "No articles about Martian volcano eruption." in got["story"] and "<time" not in got["story"]
    assert got["coverage"] == ""
    assert all(b == {"__type__": "update", "value": None, "interactive": False} for b in got["buttons"])


def test_range_and_as_of_narrow_the_story(views: Views) -> None:
    got = _story(views, DAM, 20, lo="2021-03-04", hi="2021-03")
    assert "2021-03-02" not in got["story"] and '<time datetime="2021-03-04">' in got["story"]
    assert "20 asked" in got["status"]  # fewer dates than asked, said so
    early = _story(views, DAM, 20, as_of="2021-03-03")
    assert "<time datetime=\"2021-03-06\">" not in early["story"] and "Tuesday 2 March 2021" in early["story"]


@pytest.mark.parametrize(("n", "lo", "hi", "as_of", "message"), [
    (0, "", "", "", "The number of dates must be a whole number from 1 to 100 (got 0)."),
    (-3, "", "", "", "(got -3)"),
    (101, "", "", "", "(got 101)"),
    (1e12, "", "", "", "from 1 to 100"),
    (None, "", "", "", "(got nothing)"),
    (2.5, "", "", "", "(got 2.5)"),
    ("many", "", "", "", "(got many)"),
    (5, "2021-04", "2021-03", "", "The range is inverted: “From” (2021-04-01) is after “To” (2021-03-31)."),
    (5, "last week", "", "", "“From”: “last week” is not a date: use YYYY, YYYY-MM or YYYY-MM-DD."),
    (5, "", "2021-02-30", "", "“To”: “2021-02-30” is not a valid date."),
    (5, "2021-03-05", "", "2021-03-01", "“From” (2021-03-05) is after “As of” (2021-03-01)"),
    (5, "", "", "tomorrow", "“As of”: “tomorrow” is not a date"),
])
def test_bad_input_is_a_clear_message_and_changes_nothing_else(views: Views, n: Any, lo: str, hi: str, as_of: str,
                                                               message: str) -> None:
    got = _story(views, DAM, n, lo, hi, as_of, folder="/keep/this")
    assert got["status"].startswith("⚠ ") and message in got["status"], got["status"]
    assert "Traceback" not in got["status"]
    assert got["coverage"] == KEEP and got["story"] == KEEP and all(b == KEEP for b in got["buttons"])
    assert got["folder"] == "/keep/this"


def test_too_long_a_story_is_refused(views: Views) -> None:
    assert "the limit is 300" in _story(views, "dam " * 200)["status"]


def test_opening_a_small_archive_shows_the_whole_story_and_the_event_list(views: Views) -> None:
    out = views.timeline_open("", 20, "", "", "", None, None)
    assert _plain(out[0]).startswith("The whole archive: ") and "<time" in out[2]
    assert "Port Belmar" in out[2] and "Lakeview" in out[2]
    key = out[-1]
    dropdown, chart, events, status, listed = views.timeline_events_open("All", "", "", "", None)
    assert re.fullmatch(r"\d+ dated events in 8 articles", _plain(status)), status
    assert "<time" in events and len(chart["value"]) > 0 and "All" in dropdown["choices"]
    # Reopening the tab with the same inputs on the same archive recomputes nothing.
    again = views.timeline_open("", 20, "", "", "", None, key)
    assert all(x == KEEP for x in again[:-1]) and again[-1] == key
    assert all(x == KEEP for x in views.timeline_events_open("All", "", "", "", listed)[:-1])


def test_opening_a_large_archive_reads_no_events(views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over OPEN_STORY_MAX articles the tab opens on a prompt; over FLAT_MAX the flat list is not read."""
    monkeypatch.setattr(views_mod, "OPEN_STORY_MAX", 3)
    monkeypatch.setattr(views_mod, "FLAT_MAX", 3)
    monkeypatch.setattr(views_mod, "FLAT_MAX_ACTOR", 6)
    chron = views.chronicle

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("opening the tab read the archive's events")

    monkeypatch.setattr(chron, "story", refuse)
    monkeypatch.setattr(chron, "timeline", refuse)
    out = views.timeline_open("", 20, "", "", "", None, None)
    assert out[0].startswith("8 articles: type a story") and "Show timeline" in out[2]
    _, chart, events, status, _ = views.timeline_events_open("All", "", "", "", None)
    assert "up to 3 articles" in status and "8 articles are in range" in status and len(chart["value"]) == 0
    assert "pick an actor" in events
    # An actor alone does not lift the limit past FLAT_MAX_ACTOR either.
    assert "up to 3 articles" in views.timeline_events("Lakeview", "", "", "")[3]
    monkeypatch.undo()
    # A narrow range is a small scope: the list is drawn.
    _, _, events, status, _ = views.timeline_events_show("All", "2021-03-05", "2021-03-06", "")
    assert "dated event" in status and "in 3 articles" in status and "<time" in events  # 2 dated, 1 undated


def test_actor_filter_lists_only_that_actors_events(views: Views) -> None:
    dropdown, _, events, status, _ = views.timeline_events_show("Port Belmar", "", "", "")
    assert dropdown == {"__type__": "update", "value": "Port Belmar"}
    assert "naming Port Belmar" in _plain(status) and "Port Belmar" in events and "Lakeview dam" not in events


def test_every_timeline_event_returns_one_value_per_wired_output(views: Views) -> None:
    """The tab's wiring (app.ui.app) against its handlers: each returns exactly as many values as its outputs, on
    the components' initial values (what a first click sends)."""
    from app.ui.app import build_app

    demo = build_app(views.settings, views.chronicle)
    wired = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "").startswith("timeline")]
    names = {f.fn.__name__ for f in wired}
    assert names == {"timeline_open", "timeline_events_open", "timeline_show", "timeline_events_show",
                     "timeline_headlines"}, names
    for f in wired:
        out = f.fn(*[getattr(c, "value", None) for c in f.inputs])
        if f.fn.__name__ == "timeline_headlines":  # a generator: the story and the downloads as headlines arrive
            drawn = list(out)
            assert drawn and all(len(o) == len(f.outputs) == 5 for o in drawn), f.fn.__name__
            continue
        assert len(out) == len(f.outputs), f.fn.__name__


def test_the_status_line_shows_typed_markup_as_text(views: Views) -> None:
    raw = views.timeline_show("<img src=x onerror=alert(1)> *dam*", 5, "", "", "", None)[0]
    assert "<img" not in raw and "&lt;img" in raw and r"\*dam\*" in raw
