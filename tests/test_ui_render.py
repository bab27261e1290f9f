"""Rendering for the web UI: escaping of untrusted article text, highlighting, empty states, data adapters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from app import (
    Answer,
    CoverageDay,
    EventCitation,
    Passage,
    SentenceCitation,
    Source,
    StoredArticle,
    StoredStatement,
    StoryDay,
    StoryLine,
    StoryTimeline,
    TimelineEvent,
    parse_date_bound,
)
from app.ui.render import (
    Context,
    chat_markdown,
    coverage_points,
    download_stem,
    highlight,
    question_markdown,
    render_coverage,
    render_events,
    render_sources,
    render_statements,
    render_story,
    source_context,
)
from app.ui.tables import (
    NO_ACTOR,
    articles_frame,
    chart_x_lim,
    event_actors,
    events_frame,
    filter_statements,
    statement_rows,
)

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _source(n: int = 1, text: str = "Russia called for all sides to stop fighting.", **kw: object) -> Source:
    base = dict(n=n, text=text, article_id="a1", title="Title", published="2023-09-19", start=100, end=100 + len(text))
    base.update(kw)
    return Source(**base)  # type: ignore[arg-type]


def _answer(citations: list[Source], **kw: object) -> Answer:
    base = dict(
        text="Russia called for all sides to stop fighting [1].",
        citations=citations,
        mode="extractive",
        abstained=False,
        route="search",
        question="What did Russia say?",
        standalone_question="What did Russia say?",
        timings={"first_token_ms": 12.0, "total_ms": 1500.0},
    )
    base.update(kw)
    return Answer(**base)  # type: ignore[arg-type]


# --- escaping -----------------------------------------------------------------------------------------------


def test_chat_markdown_escapes_html_and_markdown() -> None:
    out = chat_markdown(f"{EVIL} *bold* [1]")
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out
    assert r"\*bold\*" in out and r"\[1\]" in out


def test_sources_panel_escapes_article_text_title_and_notes() -> None:
    src = _source(text=f"He said {EVIL} today.", title=f"<b>{EVIL}</b>", label="<i>x</i>")
    html = render_sources(_answer([src], notes=[EVIL]))
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert html.count("&lt;script&gt;") == 3  # title, passage, note


def test_statements_and_events_escape() -> None:
    html = render_statements(statement_rows([_statement(EVIL, affiliation="<b>Russia</b>", title=EVIL)]))
    assert "<script" not in html and "<b>Russia" not in html and "&lt;b&gt;Russia" in html
    ev = TimelineEvent(dt.date(2023, 9, 19), dt.date(2023, 9, 19), "2023-09-19", "day", "at", EVIL, (EVIL,),
                       (_citation(title=EVIL),))
    assert "<script" not in render_events([ev])


def test_question_markdown_cuts_long_questions_and_marks_empty_ones() -> None:
    assert question_markdown("   ") == "*(empty question)*"
    assert question_markdown("<b>hi</b>?") == "&lt;b&gt;hi&lt;/b&gt;?"
    long = question_markdown("word " * 1000)
    assert len(long) < 700 and "(5,000 characters)" in long


# --- highlighting -------------------------------------------------------------------------------------------


def test_highlight_uses_offsets_when_they_match() -> None:
    ctx = Context(90, "Earlier. Same. Same.")
    # "Same." occurs twice: offsets pick the second one, which string search would miss
    out = highlight(ctx, "Same.", 90 + 15, 90 + 20)
    assert out == "Earlier. Same. <mark>Same.</mark>"


def test_highlight_falls_back_to_string_search_then_to_the_sentence() -> None:
    assert highlight(Context(-1, "A b. <c> d."), "<c> d.", 0, 6) == "A b. <mark>&lt;c&gt; d.</mark>"
    assert highlight(Context(0, "unrelated passage"), "The sentence.", 5, 18) == "<mark>The sentence.</mark>"
    assert highlight(None, "x < y", 0, 5) == "<mark>x &lt; y</mark>"


def test_sources_panel_highlights_cited_sentence_inside_retrieved_passage() -> None:
    text = "Russia called for all sides to stop fighting."
    passage_text = "Turkey backed Baku. " + text + " Peskov spoke."
    passage = Passage("a1:3", passage_text, "a1", "Title", "2023-09-19", "src", 80, 80 + len(passage_text), ())
    src = _source(text=text, start=100, end=100 + len(text))
    html = render_sources(_answer([src], passages=[passage]))
    assert f"Turkey backed Baku. <mark>{text}</mark> Peskov spoke." in html
    assert "[1]" in html and "Title" in html and "2023-09-19" in html
    assert "first token 12 ms" in html and "total 1.5 s" in html


def test_sources_panel_uses_given_context_for_statement_sources() -> None:
    src = _source(label="Russia — Dmitry Peskov")
    html = render_sources(_answer([src], route="statements"), {1: Context(60, "x" * 39 + " " + src.text)})
    assert f"<mark>{src.text}</mark>" in html and "x" * 39 in html
    assert "Russia — Dmitry Peskov" in html


def test_source_context_prefers_passage_with_offsets() -> None:
    src = _source(context="the passage")
    passage = Passage("c", "P" * 200, "a1", "T", None, "s", 50, 250, [])
    assert source_context(src, [passage]) == Context(50, "P" * 200)
    assert source_context(src, []) == Context(-1, "the passage")
    assert source_context(_source(), []) is None


# --- empty states and refusals ------------------------------------------------------------------------------


def test_empty_states() -> None:
    assert "appear here" in render_sources(None)
    assert "No source supports" in render_sources(_answer([], abstained=True, text="The articles don't say."))
    assert "not answered" in render_sources(_answer([], route="refused", text="Your question is too long."))
    assert "No statements match" in render_statements([])
    assert "No dated events" in render_events([])
    assert list(events_frame([]).columns) == ["date", "actor", "when", "sentence", "article"]
    assert articles_frame([]).empty


def test_sources_panel_shows_notes_model_and_rewritten_question() -> None:
    answer = _answer(
        [_source()],
        mode="llm",
        model="Qwen 1.5B",
        notes=["1 unsupported sentence(s) removed by the citation guard."],
        question="And Turkey?",
        standalone_question="What did Turkey say?",
    )
    html = render_sources(answer)
    assert "1 unsupported sentence(s) removed" in html
    assert "model: Qwen 1.5B" in html
    assert "What did Turkey say?" in html


# --- who said what ------------------------------------------------------------------------------------------


def _statement(text: str, **kw: object) -> StoredStatement:
    base: dict[str, object] = dict(
        statement_id="a1:s0", text=text, article_id="a1", chunk_id="a1:0", title="T", published="2023-09-19",
        published_ts=1695081600, start=0, end=10, speaker="", affiliation="", speaker_key="", verb="said", quote="",
    )
    base.update(kw)
    return StoredStatement(**base)  # type: ignore[arg-type]


def _citation(**kw: object) -> EventCitation:
    base: dict[str, object] = dict(article_id="a1", title="T", published="2023-09-19", start=0, end=10, expr_start=0,
                                   expr_end=4, expr_text="Tuesday")
    base.update(kw)
    return EventCitation(**base)  # type: ignore[arg-type]


def test_statement_rows_group_filter_and_dedupe() -> None:
    rows = statement_rows([
        _statement("Russia urged talks.", affiliation="Russia", speaker="Russia", start=5),
        _statement("Russia urged talks.", affiliation="Russia", speaker="Dmitry Peskov", start=5),  # second speaker
        _statement("Turkey backed Baku.", affiliation="Turkey", speaker="Turkey", start=50),
        _statement("Blinken spoke.", affiliation="", speaker="Antony Blinken", start=80),  # grouped by speaker
    ])
    assert [(r.actor, r.speaker) for r in rows] == [
        ("Antony Blinken", "Antony Blinken"),
        ("Russia", "Russia, Dmitry Peskov"),
        ("Turkey", "Turkey"),
    ]
    assert [r.actor for r in filter_statements(rows, "Russia")] == ["Russia"]
    assert [r.actor for r in filter_statements(rows, "All", "baku")] == ["Turkey"]
    assert [r.actor for r in filter_statements(rows, None, "peskov")] == ["Russia"]
    html = render_statements(filter_statements(rows, "Russia"))
    assert "<h3>Russia" in html and "Russia urged talks." in html and "1 statement<" in html


# --- timeline -----------------------------------------------------------------------------------------------


def test_parse_date_bound() -> None:
    assert parse_date_bound("2023") == dt.date(2023, 1, 1)
    assert parse_date_bound("2023", upper=True) == dt.date(2023, 12, 31)
    assert parse_date_bound("2023-02", upper=True) == dt.date(2023, 2, 28)
    assert parse_date_bound("2023-12", upper=True) == dt.date(2023, 12, 31)
    assert parse_date_bound(" 2023-09-19 ") == dt.date(2023, 9, 19)
    assert parse_date_bound("") is None and parse_date_bound(None) is None
    with pytest.raises(ValueError, match="YYYY"):
        parse_date_bound("last week")
    with pytest.raises(ValueError, match="not a valid date"):
        parse_date_bound("2023-13-01")


def _event(label: str, start: dt.date, end: dt.date, text: str, actors: list[str]) -> TimelineEvent:
    return TimelineEvent(start, end, label, "day", "at", text, tuple(actors), (_citation(),))


def test_events_frame_and_list_handle_pre_1970_dates_and_actorless_events() -> None:
    events = [
        _event("1990s", dt.date(1990, 1, 1), dt.date(1999, 12, 31), "Wars in the 1990s.", ["Russia"]),
        _event("1991", dt.date(1991, 1, 1), dt.date(1991, 12, 31), "The 1991 fall.", []),
        _event("2023-09-19", dt.date(2023, 9, 19), dt.date(2023, 9, 19), "Shelling.", ["Azerbaijan", "Russia"]),
        _event("1960", dt.date(1960, 1, 1), dt.date(1960, 12, 31), "Long ago.", ["Russia"]),
    ]
    assert event_actors(events) == ["Russia", "Azerbaijan"]
    frame = events_frame(events)
    assert len(frame) == 5  # the 2023 event is drawn once per actor, the 1991 one under NO_ACTOR
    assert set(frame["actor"]) == {"Russia", "Azerbaijan", NO_ACTOR}
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame["date"].min() == dt.datetime(1960, 1, 1)
    assert frame.loc[frame["when"] == "2023-09-19", "sentence"].tolist() == ["Shelling.", "Shelling."]

    lo, hi = chart_x_lim(frame)
    assert dt.datetime(1957, 1, 1, tzinfo=dt.UTC).timestamp() < lo < dt.datetime(1960, 1, 1, tzinfo=dt.UTC).timestamp()
    assert dt.datetime(2023, 9, 19, tzinfo=dt.UTC).timestamp() < hi < dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()
    assert chart_x_lim(events_frame([])) is None
    one_lo, one_hi = chart_x_lim(events_frame(events[2:3]))
    assert one_hi - one_lo == 60 * 86400

    html = render_events(events[:3])
    assert html.index(">1990s</time>") < html.index(">1991</time>") < html.index(">2023-09-19</time>")
    assert '<time datetime="2023-09-19">' in html and '<span class="chr-tag">Azerbaijan</span>' in html


def test_articles_frame_newest_first() -> None:
    frame = articles_frame([
        StoredArticle("a", "Old", "2020-01-01", 1577836800, "a.txt", "a.txt", "", "", 3, 0),
        StoredArticle("b", "New", "2023-09-19", 1695081600, "b.json#1", "http://x", "http://x", "", 9, 0),
    ])
    assert frame["Title"].tolist() == ["New", "Old"]
    assert frame["Source"].tolist() == ["http://x", "a.txt"]
    assert frame["Passages"].tolist() == [9, 3]
    assert frame["ID"].tolist() == ["b", "a"]


def test_build_app_wires_the_page_without_touching_the_store(tmp_path) -> None:
    import gradio as gr

    from app.config import load_settings
    from app.ui.app import build_app
    from app.ui.examples import MAX_EXAMPLES

    class NoStore:
        def __getattr__(self, name: str) -> None:
            raise AssertionError(f"build_app must not use the Chronicle ({name}) before a request")

    demo = build_app(load_settings(vectorstore_dir=tmp_path), chronicle=NoStore())
    assert isinstance(demo, gr.Blocks)
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"chr-chat", "chr-question", "chr-send", "chr-sources", "chr-chart", "chr-statements"} <= ids
    # the example questions are the archive's (filled on load, app.ui.examples): hidden and empty until then
    examples = [b for b in demo.blocks.values() if str(getattr(b, "elem_id", "")).startswith("chr-example-")]
    assert len(examples) == MAX_EXAMPLES and all(not b.visible and not b.value for b in examples)
    assert all(fn.api_visibility == "private" for fn in demo.fns.values())


# --- story timeline -----------------------------------------------------------------------------------------


def _cite(aid: str, title: str = "Dam collapses", url: str = "", start: int = 10, text: str = "The dam collapsed.",
          published: str | None = "2021-03-02") -> SentenceCitation:
    return SentenceCitation(aid, title, published, url, start, start + len(text), text)


def _story(**kw: object) -> StoryTimeline:
    d1, d2 = dt.date(2021, 3, 2), dt.date(2021, 3, 4)
    day1 = StoryDay(d1, (StoryLine("The dam collapsed on Tuesday.", tuple(_cite(f"a{i}", start=371, text="The dam "
                                                                                 "collapsed on Tuesday.")
                                                                           for i in range(5))),), 6, 2, 5, 1.8)
    day2 = StoryDay(d2, (StoryLine(f"An inquiry was ordered {EVIL}.", (_cite("b", title=f"<b>{EVIL}</b>",
                                                                            url="https://x.org/a?b=1&c=<2>"),)),
                         StoryLine("Engineers had warned.", (_cite("c", url="javascript:alert(1)"),
                                                              _cite("d", published=None)))), 3, 1, 2, 0.9)
    coverage = (CoverageDay(dt.date(2004, 5, 1), 0, 1), CoverageDay(d1, 2, 5), CoverageDay(dt.date(2021, 3, 3), 1, 1),
                CoverageDay(d2, 1, 2), CoverageDay(dt.date(2021, 3, 9), 1, 0))
    base = dict(about="Lakeview dam", days=(day1, day2), coverage=coverage,
                article_ids=tuple(f"id{i}" for i in range(7)), date_from=None,
                date_to=None)
    base.update(kw)
    return StoryTimeline(**base)  # type: ignore[arg-type]


def test_story_view_escapes_and_shows_dates_counts_and_exact_spans() -> None:
    html = render_story(_story())
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;") == 2  # the line and the headline
    assert "Lakeview dam: 2 dates from 7 articles, Tuesday 2 March 2021 to Thursday 4 March 2021" in html
    assert html.index('<time datetime="2021-03-02">Tuesday 2 March 2021</time>') < html.index(
        '<time datetime="2021-03-04">Thursday 4 March 2021</time>')
    assert "reported by 6 articles" in html and "reported by 3 articles" in html
    assert "5 articles report this" in html and "1 article report" in html and "2 articles report this" in html
    assert html.count(">chars 371–400<") == 5  # every citing article, with the sentence's exact span
    assert 'title="chars 371–400: The dam collapsed on Tuesday."' in html
    assert "2 more sources</summary>" in html  # 3 listed, 2 folded
    assert 'href="https://x.org/a?b=1&amp;c=&lt;2&gt;"' in html and 'rel="noopener noreferrer"' in html
    assert "javascript:" not in html  # not a link
    assert ">undated<" in html


def test_story_view_empty_message_undated_articles_and_prompt() -> None:
    empty = _story(days=(), coverage=(), article_ids=(), message="No articles about <Mars>.", undated=("Old <i>note",))
    html = render_story(empty)
    assert "No articles about &lt;Mars&gt;." in html and "chr-empty" in html
    assert "Not placed on the timeline (no publication date): Old &lt;i&gt;note." in html
    assert "Show timeline" in render_story(None)
    assert render_coverage(empty) == "" and render_coverage(None) == ""
    assert "Not placed" in render_story(_story(undated=("x",)))


def test_coverage_points_span_the_chosen_dates_and_count_what_is_left_out() -> None:
    chart = coverage_points(_story())
    assert chart is not None
    assert (chart.lo, chart.hi) == (dt.date(2021, 2, 28), dt.date(2021, 3, 6))  # 2 March to 4 March, +-2 days
    assert [p.date.isoformat() for p in chart.points] == ["2021-03-02", "2021-03-03", "2021-03-04"]
    assert [(p.published, p.mentions, p.chosen) for p in chart.points] == [(2, 5, True), (1, 1, False), (1, 2, True)]
    assert chart.left_out == 2 and chart.outside == (dt.date(2004, 5, 1), dt.date(2021, 3, 9))
    # A chosen day outside the coverage rows still gets its mark.
    lone = coverage_points(_story(coverage=(CoverageDay(dt.date(2021, 3, 2), 2, 5),)))
    assert lone is not None and [p.date for p in lone.points] == [dt.date(2021, 3, 2), dt.date(2021, 3, 4)]
    # A long story: the margin is 15% of the chosen span.
    days = tuple(replace(_story().days[0], date=d) for d in (dt.date(2021, 1, 1), dt.date(2021, 11, 27)))
    wide = coverage_points(_story(days=days))
    assert wide is not None and (wide.lo, wide.hi) == (dt.date(2020, 11, 12), dt.date(2022, 1, 16))
    assert coverage_points(_story(days=(), coverage=())) is None


def test_coverage_svg_marks_each_chosen_date_with_tooltips() -> None:
    svg = render_coverage(_story())
    assert svg.startswith('<figure class="chr-coverage"><svg') and svg.count("<svg") == 1
    assert svg.count('<g class="chr-cov-chosen"') == 2
    assert 'data-date="2021-03-02"' in svg and 'data-date="2021-03-04"' in svg
    assert svg.count('class="chr-cov-pub"') == 3 and svg.count('class="chr-cov-men"') == 3
    assert "Tuesday 2 March 2021: 2 articles published, 5 articles referring back (chosen date)" in svg
    assert "Not drawn: 2 other days with coverage or references (2004-05-01 to 2021-03-09)." in svg
    # Bars share one scale: 5 mentions is the tallest bar, 2 published is 2/5 of it.
    heights = [float(h) for h in re.findall(r'class="chr-cov-(?:pub|men)"[^>]*height="([\d.]+)"', svg)]
    assert max(heights) == pytest.approx(heights[1]) and heights[0] == pytest.approx(heights[1] * 2 / 5, rel=0.01)
    # Every drawn x stays inside the view box.
    xs = [float(x) for x in re.findall(r' x="([\d.-]+)"', svg)]
    assert min(xs) >= 0 and max(xs) <= 960
    hostile = render_coverage(_story(about=EVIL))
    assert "<script" not in hostile


def test_download_stem() -> None:
    assert download_stem("Haiti earthquake") == "timeline-haiti-earthquake"
    assert download_stem("  Côte d'Ivoire: crisis/2011 ") == "timeline-cote-d-ivoire-crisis-2011"
    assert download_stem("") == "timeline-archive" and download_stem("../../etc/passwd") == "timeline-etc-passwd"
    assert download_stem("中文") == "timeline-archive"
    assert len(download_stem("x" * 500)) <= len("timeline-") + 60


def test_coverage_svg_of_a_single_day() -> None:
    one = _story(days=_story().days[:1], coverage=(CoverageDay(dt.date(2021, 3, 2), 2, 5),))
    svg = render_coverage(one)
    assert svg.count('<g class="chr-cov-chosen"') == 1
    assert re.findall(r'class="chr-cov-x"[^>]*>([^<]+)<', svg) == ["28 Feb", "01 Mar", "02 Mar", "03 Mar", "04 Mar"]
    x = float(re.search(r'<g class="chr-cov-chosen"[^>]*>.*?<line x1="([\d.]+)"', svg).group(1))
    assert x == pytest.approx(44 + (960 - 44 - 12) / 2)  # the one day is in the middle of the axis


# --- example questions --------------------------------------------------------------------------------------------


def test_example_questions_are_the_archive_s_most_quoted_names() -> None:
    from app.ui.examples import example_questions

    seed = [("Azerbaijan", 8), ("Nagorno-Karabakh authorities", 7), ("Armenia", 6), ("United States", 6)]
    assert example_questions(seed) == (
        "What did Azerbaijan say?", "What did the Nagorno-Karabakh authorities say?", "What did Armenia say?",
        "What is the latest on Azerbaijan?", "Timeline of Azerbaijan")
    week = [("United States", 73), ("experts", 13), ("Ron DeSantis", 20)]  # a description is not a name
    assert example_questions(week) == (
        "What did the United States say?", "What did Ron DeSantis say?", "What is the latest on Ron DeSantis?",
        "Timeline of Ron DeSantis")  # the most quoted person, not the country every story quotes
    assert example_questions([]) == () and example_questions([("officials", 4)]) == ()
    # a capitalised description or title is not a name; one person under two keys is asked about once
    congress = [("McCarthy", 43), ("Officials", 21), ("Dr", 20), ("Kevin McCarthy", 18), ("Mike Pence", 17)]
    assert example_questions(congress)[:2] == ("What did McCarthy say?", "What did Mike Pence say?")
