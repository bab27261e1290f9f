"""The timeline (list_events, CLI) and the temporal question route, on real Chroma and the packaged embedder.

Store: the seed article (published 2023-09-19) plus two made-up fixture articles: a ceasefire report published
2023-09-20 that also retells Tuesday's attack (must merge with the seed's sentence) and talks in Yevlakh
published 2023-09-21 (the latest news).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app.answer.citations import verify
from app.answer.compose import compose_timeline as compose_timeline_extractive
from app.cli import main as cli_main
from app.query.events import overlapping
from app.query.temporal import first_of_phrases, question_kind, timeline_sources
from app.records import Source, TimelineEvent

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "data" / "articles"
FIXTURES = ROOT / "tests" / "fixtures" / "timeline"
D = dt.date


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app.chronicle import Chronicle
    from app.config import load_settings
    from app.ingest.pipeline import ingest_paths

    settings = load_settings(vectorstore_dir=tmp_path_factory.mktemp("timeline-store"), answer_mode="extractive")
    report = ingest_paths([SEED_DIR, FIXTURES], settings)
    assert report.added == 3 and report.ok, report.summary()
    c = Chronicle(settings)
    c.retriever.refresh(force=True)
    return c


@pytest.fixture(scope="module")
def encode(chron):
    from app.store.registry import get_embeddings

    return get_embeddings(chron.settings).encode


@pytest.fixture(scope="module")
def events(chron) -> list[TimelineEvent]:
    return chron.timeline()


def dated(chron, question: str, encode) -> tuple[list[Source], str] | None:
    """The temporal route's (sources, instruction) for a question, or None when it declines."""
    found = timeline_sources(chron.retriever, question, encode)
    return (found.sources, found.instruction) if found is not None else None


def find(events: list[TimelineEvent], needle: str, label: str | None = None) -> TimelineEvent:
    hits = [e for e in events if needle in e.text and (label is None or e.label == label)]
    assert len(hits) == 1, (needle, label, [(e.label, e.text[:60]) for e in hits])
    return hits[0]


# --- seed expectations --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "needle, label, start, end",
    [
        ("Azerbaijan sent troops backed by artillery strikes", "2023-09-19", D(2023, 9, 19), D(2023, 9, 19)),
        ("the latest in 2020", "2020", D(2020, 1, 1), D(2020, 12, 31)),
        ("the 1991 fall of the Soviet Union", "1991", D(1991, 1, 1), D(1991, 12, 31)),
        ("an earlier conflict in the 1990s", "1990s", D(1990, 1, 1), D(1999, 12, 31)),
        ("until February", "2023-02", D(2023, 2, 1), D(2023, 2, 28)),
    ],
)
def test_seed_event_dates(events: list[TimelineEvent], needle: str, label: str, start: dt.date, end: dt.date) -> None:
    ev = find(events, needle, label)
    assert (ev.date_start, ev.date_end) == (start, end)
    cite = ev.citations[0]
    assert cite.published == "2023-09-19" and cite.end > cite.start


def test_next_24_hours_ends_by_the_next_day(events: list[TimelineEvent]) -> None:
    ev = find(events, "in the next 24 hours")
    assert ev.date_start == D(2023, 9, 19) and ev.date_end == D(2023, 9, 20)
    assert ev.relation == "within"


def test_citation_offsets_point_at_the_sentence_and_expression(chron, events: list[TimelineEvent]) -> None:
    ev = find(events, "until February")
    cite = ev.citations[0]
    text = chron.article_text(cite.article_id)
    assert text[cite.start : cite.end] == ev.text
    assert text[cite.expr_start : cite.expr_end] == cite.expr_text == "until February"


# --- ordering, filters, merge --------------------------------------------------------------------------------


def test_events_are_in_date_order_coarser_first(events: list[TimelineEvent]) -> None:
    starts = [e.date_start for e in events]
    assert starts == sorted(starts)
    labels = [e.label for e in events]
    assert labels.index("1990s") < labels.index("1991") < labels.index("2020") < labels.index("2023-02")
    assert labels[-1] == "2023-09-21"
    # same start: the two-day window (coarser) before the single days of 19 September
    assert labels.index("2023-09-19..2023-09-20") < labels.index("2023-09-19")


def test_date_range_filter_goes_to_the_index(chron, monkeypatch: pytest.MonkeyPatch) -> None:
    """The range is a condition of the read (SQL on the local event index), not a filter over every event."""
    import app.store.keyword as keyword

    seen: list[tuple[list[str], list[object]]] = []
    original = keyword._sql

    def spy(conditions):
        seen.append(original(conditions))
        return seen[-1]

    monkeypatch.setattr(keyword, "_sql", spy)
    got = chron.timeline(date_from=D(2020, 1, 1), date_to=D(2020, 12, 31))
    assert (["end_ts >= ?", "start_ts <= ?"], [1577836800, 1609372800]) in seen
    assert [e.label for e in got] == ["2020", "2020"]
    # both the index and Chroma's filter work on the integer epochs (negative ones too)
    monkeypatch.undo()
    for old in (chron.store.events(overlapping(D(1900, 1, 1), D(1995, 1, 1))),
                chron.retriever.events(overlapping(D(1900, 1, 1), D(1995, 1, 1)))):
        assert sorted({e.date_label for e in old}) == ["1990s", "1991"]


def test_overlap_semantics_for_open_ranges(chron) -> None:
    after = chron.timeline(date_from=D(2023, 9, 20))
    labels = {e.label for e in after}
    assert labels == {"2023-09-19..2023-09-20", "2023-09-20", "2023-09-21"}
    before = chron.timeline(date_to=D(1999, 12, 31))
    assert [e.label for e in before] == ["1990s", "1991"]


def test_actor_filter_resolves_aliases(chron) -> None:
    russia = chron.timeline(actor="Russia")
    assert russia and all("Russia" in e.actors for e in russia)
    assert {e.label for e in russia} >= {"2020", "1990s", "2023-09-19"}
    assert [e.text for e in chron.timeline(actor="Moscow")] == [e.text for e in russia]
    assert not any("Yevlakh" in e.text for e in russia)


def test_same_event_from_two_articles_appears_once_with_two_citations(events: list[TimelineEvent]) -> None:
    tuesday_attack = [e for e in events if e.label == "2023-09-19" and "sent troops backed by artillery" in e.text]
    assert len(tuesday_attack) == 1
    ev = tuesday_attack[0]
    assert [c.published for c in ev.citations] == ["2023-09-19", "2023-09-20"]
    assert "artillery strikes into Armenian-controlled" in ev.text  # the first report's sentence
    # other Tuesday sentences of the seed are different events and were not merged (an AFP photo's caption, "This
    # grab taken from a UGC footage provided to AFP ... shows smoke rising", is no event)
    tuesday = [e for e in events if e.label == "2023-09-19"]
    assert len(tuesday) == 4 and not any(e.text.startswith("This grab") for e in tuesday)
    # the planned talks and the held talks share a date but are different sentences: not merged
    assert len([e for e in events if e.label == "2023-09-21"]) == 2


# --- the temporal question route ------------------------------------------------------------------------------


def test_not_temporal_questions_go_to_search(chron, encode) -> None:
    assert dated(chron, "Who is Hikmet Hajiyev?", encode) is None


def test_when_did_the_latest_war_happen(chron, encode) -> None:
    sources, note = dated(chron, "When did the latest war happen?", encode)
    assert sources[0].label == "2020" and "the latest in 2020" in sources[0].text
    assert "date" in note.lower()
    answer = compose_timeline_extractive(sources, "When did the latest war happen?")
    assert answer.startswith("2020: The region has been at the center of two wars") and answer.endswith("[1]")
    assert verify(answer, sources).text  # the year is in the sentence: the guard keeps it


def test_when_uses_resolved_relative_dates(chron, encode) -> None:
    sources, _ = dated(chron, "When did Azerbaijan send troops into Karabakh?", encode)
    assert sources[0].label == "2023-09-19" and "sent troops" in sources[0].text
    assert sources[0].text == chron.article_text(sources[0].article_id)[sources[0].start : sources[0].end]


def test_what_happened_in_2020(chron, encode) -> None:
    sources, _ = dated(chron, "What happened in 2020?", encode)
    assert [s.label for s in sources] == ["2020", "2020"]
    assert [s.n for s in sources] == [1, 2]


def test_nothing_in_range_gives_no_sources(chron, encode) -> None:
    sources, _ = dated(chron, "What happened in 2005?", encode)
    assert sources == []


def test_what_happened_after_the_ceasefire(chron, encode) -> None:
    sources, note = dated(chron, "What happened after the ceasefire?", encode)
    assert sources[0].label == "2023-09-20" and "accepted a ceasefire" in sources[0].text
    rest = sources[1:]
    assert rest and all(s.label == "2023-09-21" for s in rest)
    assert any("Yevlakh" in s.text for s in rest)
    assert "2023-09-20" in note


def test_what_happened_before_the_2020_war(chron, encode) -> None:
    sources, _ = dated(chron, "What happened before the 2020 war?", encode)
    assert sources[0].label == "2020"
    assert {s.label for s in sources[1:]} <= {"1990s", "1991"} and len(sources) > 1


def test_which_came_first(chron, encode) -> None:
    q = "Which came first, the fall of the Soviet Union or the 2020 war?"
    assert first_of_phrases(q) == ["the fall of the Soviet Union", "the 2020 war"]
    sources, note = dated(chron, q, encode)
    assert [s.label for s in sources] == ["1991", "2020"]
    assert "first" in note
    answer = compose_timeline_extractive(sources, q)
    assert answer.index("1991:") < answer.index("2020:")


def test_latest_news_comes_from_the_newest_article(chron, encode) -> None:
    sources, _ = dated(chron, "What is the latest news?", encode)
    assert sources and all(s.published == "2023-09-21" for s in sources)
    assert "Yevlakh" in sources[0].text


@pytest.mark.parametrize(
    "question", ["What happened after the ceasefire?", "What is the latest news?", "What happened before the 2020 war?"]
)
def test_large_archive_paths_give_the_same_sources(chron, encode, question: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above SCOPE_ARTICLES, range/before/after questions read only the retrieved passages' events and "latest"
    only the newest articles' events (reading every event took seconds at 30,000 events): same answers here."""
    import app.query.temporal as ta

    whole, _ = dated(chron, question, encode)
    reads: list[object] = []
    monkeypatch.setattr(ta, "SCOPE_ARTICLES", 0)
    original = ta._rows
    monkeypatch.setattr(ta, "_rows", lambda retriever, query: reads.append(query) or original(retriever, query))
    scoped, _ = dated(chron, question, encode)
    assert whole and [(s.text, s.label) for s in scoped] == [(s.text, s.label) for s in whole]
    assert reads and all(w for w in reads)  # never an unfiltered read of every event


def test_route_merges_the_same_event(chron, encode) -> None:
    sources, _ = dated(chron, "What happened on 19 September 2023?", encode)
    attack = [s for s in sources if "sent troops backed by artillery" in s.text]
    assert len(attack) == 1 and attack[0].published == "2023-09-19"


def test_question_kinds() -> None:
    from app.text.dates import parse_question_time

    today = D(2023, 9, 21)
    for q, kind in [
        ("When did the latest war happen?", "when"),
        ("What happened after the ceasefire?", "anchor"),
        ("What happened between 2019 and 2021?", "range"),
        ("Which came first, X or Y?", "first_of"),
        ("What is the latest news?", "latest"),
    ]:
        assert question_kind(q, parse_question_time(q, today)) == kind, q


def test_day_labels_pass_the_guard_when_labels_count_as_evidence(chron, encode) -> None:
    """Day labels ('2023-09-21') are not in the sentence ('on Thursday'): the guard must read the label too."""
    sources, _ = dated(chron, "What is the latest news?", encode)
    answer = compose_timeline_extractive(sources, "What is the latest news?")
    assert answer.startswith("2023-09-21: Envoys")
    labelled = [replace(s, text=f"{s.label} {s.text}") for s in sources]
    assert verify(answer, labelled).text.startswith("2023-09-21: Envoys")


# --- CLI ----------------------------------------------------------------------------------------------------------


def test_cli_json_shape(chron, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["timeline", "--vectorstore-dir", str(chron.settings.vectorstore_dir), "--from", "2023-09-20",
                     "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["date"] for r in rows] == ["2023-09-19..2023-09-20", "2023-09-20", "2023-09-21", "2023-09-21"]
    for r in rows:
        assert {"date", "granularity", "text", "article_id", "title", "published", "start", "end"} <= set(r)
        assert isinstance(r["start"], int) and r["end"] > r["start"]
        assert r["citations"][0] == {k: r[k] for k in ("article_id", "title", "published", "start", "end")} | {
            k: r["citations"][0][k] for k in ("expr_start", "expr_end", "expr_text")}


def test_cli_plain_subprocess_with_actor(chron) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "CHRONICLE_VECTORSTORE_DIR": str(chron.settings.vectorstore_dir)}
    out = subprocess.run([sys.executable, "-m", "app", "timeline", "--actor", "Russia", "--to", "2020"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert [line.split("  ")[0] for line in lines] == ["1990s", "2020"]
    assert lines[0].endswith("[US criticizes Azerbaijan after fresh attack on Nagorno-Karabakh, 2023-09-19]")


def test_cli_rejects_bad_dates(chron, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["timeline", "--vectorstore-dir", str(chron.settings.vectorstore_dir), "--from", "Septembre"]) == 2
    assert "not a date" in capsys.readouterr().err
