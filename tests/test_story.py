"""Story timelines (app.query.story, Chronicle.story, `timeline --about`, the chat's story route, app.export) on real
Chroma and the packaged embedding model.

Store: tests/fixtures/story — made-up articles: a volcano eruption in a fictional country told by four dated
articles over a week plus one undated explainer, and a football transfer told by two articles in the same days.
The eruption (Monday 4 March 2024) is published on and referred back to by every later article; the 1998 eruption
is recalled once (background).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from app.answer.citations import cited_numbers
from app.cli import main as cli_main
from app.query.story import (
    StoryRequest,
    TimelineError,
    _Candidate,
    date_weights,
    lead_prior,
    names_all,
    rank_days,
    story_names,
    story_range,
    summarise_days,
)
from app.records import StoredEvent, epoch
from app.text.asking import story_request

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "story"
D = dt.date
ERUPTION = D(2024, 3, 4)


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    settings = load_settings(vectorstore_dir=tmp_path_factory.mktemp("story-store"), answer_mode="extractive")
    c = Chronicle(settings)
    report = c.ingest([FIXTURES])
    assert report.added == 7 and report.ok, report.summary()
    return c


def titles(chron, ids: set[str]) -> set[str]:
    arts = {a.article_id: a.title for a in chron.articles()}
    return {arts[i] for i in ids}


# --- the story is found by retrieval ----------------------------------------------------------------------------


@pytest.mark.parametrize("about", ["Mount Karsk eruption", "volcanic disaster in Veloria", "the Karsk volcano"])
def test_story_is_found_by_meaning_not_only_keywords(chron, about):
    tl = chron.story(about, n_dates=5)
    cited = {c.article_id for _, line in tl.lines for c in line.citations}
    names = titles(chron, cited)
    assert names and all("Lenz" not in n and "Arvika" not in n for n in names), names
    assert tl.n_articles == 4  # the four dated eruption articles (the explainer is undated)
    assert tl.undated == ("Why Mount Karsk is Veloria's most dangerous volcano",)


@pytest.mark.parametrize("about, names", [
    ("Hurricane Ian", {"ian"}), ("the Israel-Hamas war", {"israel", "hama"}), ("Financial crisis", set()),
    ("Death of Michael Jackson", {"michael", "jackson"}), ("volcanic disaster in Veloria", {"veloria"}),
    ("H1N1 swine flu", {"h1n1"}), ("the G7 summit", {"g7"}),
])
def test_story_names(about, names):
    assert story_names(about) == names


def test_a_named_story_the_archive_lacks_is_not_a_similar_one(chron):
    """'Mount Etna eruption' is close in meaning to the Karsk articles, but none of them names Etna."""
    tl = chron.story("Mount Etna eruption", n_dates=5)
    assert not tl.days and tl.message == "No articles about Mount Etna eruption."


def test_other_story_in_the_same_archive(chron):
    tl = chron.story("Tomas Lenz transfer to Arvika", n_dates=5)
    cited = titles(chron, {c.article_id for _, line in tl.lines for c in line.citations})
    assert cited and all("Lenz" in t or "Arvika" in t for t in cited), cited
    assert D(2024, 3, 5) in {d.date for d in tl.days}  # the signing, "on Tuesday" of a 5 March article


def test_story_not_covered_says_so(chron):
    tl = chron.story("Mars rover landing", n_dates=5)
    assert not tl.days and tl.message == "No articles about Mars rover landing."
    early = chron.story("Mount Karsk eruption", as_of=D(2024, 3, 1))
    assert early.message == (
        "No dated articles about Mount Karsk eruption published up to 2024-03-01: 1 undated article(s).")


# --- the dates that mattered ------------------------------------------------------------------------------------


def test_key_day_first_and_background_day_left_out(chron):
    tl = chron.story("Mount Karsk eruption", n_dates=3)
    days = {d.date: d for d in tl.days}
    assert len(tl.days) == 3 and ERUPTION in days
    eruption = days[ERUPTION]
    assert eruption.published == 1 and eruption.mentions == 3 and eruption.n_articles == 4  # 3 later articles
    assert max(tl.days, key=lambda d: d.weight).date == ERUPTION
    every = chron.story("Mount Karsk eruption", n_dates=50)
    assert D(1998, 5, 3) not in {d.date for d in every.days}  # recalled by one article, before the story began
    assert [d.date for d in every.days] == sorted(d.date for d in every.days)


def test_date_weights_count_articles_not_sentences():
    def ev(aid: str, day: D, start: int) -> StoredEvent:
        ts = epoch(day)
        return StoredEvent(f"{aid}:{start}", "x", aid, f"{aid}:0", "", None, 0, start, start + 1, start, start + 1,
                           "on Monday", ts, ts, day.isoformat(), "day", "at", ())

    published = {"a": D(2024, 3, 5), "b": D(2024, 3, 6), "c": D(2024, 3, 6)}
    events = [ev("a", ERUPTION, i) for i in range(10)] + [ev("b", ERUPTION, 0), ev("c", D(2024, 3, 5), 0),
                                                          ev("c", D(2024, 3, 9), 5)]  # a plan: after publication
    pub, mentions = date_weights(events, published, None, None)
    assert mentions[ERUPTION] == {"a", "b"}  # ten sentences of one article count once
    assert D(2024, 3, 9) not in mentions
    assert pub == {D(2024, 3, 5): {"a"}, D(2024, 3, 6): {"b", "c"}}
    # published share + mention share: 3/4 (0 + 2/2), 3/5 (1/2 + 1/2), 3/6 (2/2 + 0); ties in date order
    assert rank_days(pub, mentions) == [(D(2024, 3, 4), 1.0), (D(2024, 3, 5), 1.0), (D(2024, 3, 6), 1.0)]
    # equal weights: the day whose reporting article is closest to the story first, then date order
    closeness = {"a": 0.5, "b": 0.6, "c": 0.9}  # 3/4: a, b (0.6); 3/5: a, c (0.9); 3/6: b, c (0.9)
    assert [d for d, _ in rank_days(pub, mentions, closeness)] == [D(2024, 3, 5), D(2024, 3, 6), D(2024, 3, 4)]
    pub[D(2024, 3, 5)].add("d")  # now 3/5 has the most publications (2/2) and half the mentions
    assert rank_days(pub, mentions)[0] == (D(2024, 3, 5), 1.5)


# --- what happened: cited, exact, deduplicated ------------------------------------------------------------------


def test_a_days_own_article_is_told_by_its_lead():
    """The lead prior: a sentence deep in an article published on the day gives way to the article's lead, however
    central; a later article's sentence recalling the day is not discounted for where it stands in that article."""
    from app.text.tokens import content_tokens

    def cand(aid: str, start: int, text: str) -> _Candidate:
        return _Candidate(aid, start, start + len(text), text, frozenset(content_tokens(text)))

    lead = cand("a", 0, "Mount Karsk erupted on Monday, sending ash over the capital of Veloria.")
    deep = cand("a", 1800, "Ash from the eruption of Mount Karsk closed the airport at Dravo and schools in Veloria.")
    recall = cand("c", 2500, "The ash of Mount Karsk closed the airport at Dravo for a week.")
    published = {"a": ERUPTION, "c": ERUPTION + dt.timedelta(days=2)}
    cands = {ERUPTION: [lead, deep, recall]}
    assert [r[0] for r in summarise_days([ERUPTION], cands, 2)[ERUPTION]] == [deep]  # the centroid alone
    assert [r[0] for r in summarise_days([ERUPTION], cands, 2, published)[ERUPTION]] == [recall, lead]
    assert lead_prior(0) == 1.0 and lead_prior(1000) == 0.5 and lead_prior(-5) == 1.0


def test_the_line_of_a_day_is_its_reports_lead(chron):
    """On a real store: 5 March's report leads with the airport's closure; the state of emergency, its third
    paragraph, was the centroid's pick before the lead prior."""
    tl = chron.story("Mount Karsk eruption", n_dates=10, sentences_per_date=1)
    day = next(d for d in tl.days if d.date == D(2024, 3, 5))
    assert day.lines[0].text.startswith("Ash from the Karsk volcano forced the closure of Dravo international airport")


def test_across_days_only_an_undated_line_can_repeat_another_days():
    """Monday's arrest and Friday's release share most words: Friday's line, dated by its own words, stays; a lead
    published on Friday that retells the arrest without naming a day repeats Monday's line and gives way."""
    from app.text.tokens import content_tokens

    monday, friday = D(2024, 3, 4), D(2024, 3, 8)

    def cand(aid: str, text: str, dated: bool) -> _Candidate:
        return _Candidate(aid, 0, len(text), text, frozenset(content_tokens(text)), "", dated)

    arrest = cand("a", "Police arrested the mayor of Lenz on Monday over the harbour contracts.", True)
    release = cand("b", "Police released the mayor of Lenz on Friday without charge over the harbour contracts.", True)
    retold = cand("c", "Police arrested the mayor of Lenz over the harbour contracts, officials said.", False)
    for friday_cands, kept in (([release], release), ([retold], None)):
        chosen = summarise_days([monday, friday], {monday: [arrest], friday: friday_cands}, 1)
        assert chosen[monday][0][0] == arrest
        assert (chosen[friday][0][0] if friday in chosen else None) == kept


@pytest.mark.parametrize("per_day", [1, 2])
def test_a_sequel_on_another_day_is_not_a_retelling(chron, per_day):
    """The airport's reopening (12 March) shares most of its words with its closure (5 March), but it is another
    event on another day, dated by its own words: its day keeps its line."""
    tl = chron.story("Mount Karsk eruption", n_dates=10, sentences_per_date=per_day)
    lines = {d.date: [line.text for line in d.lines] for d in tl.days}
    assert lines[D(2024, 3, 12)][0].startswith("Dravo international airport reopened on Tuesday"), lines
    assert any(t.startswith("Ash from the Karsk volcano forced the closure") for t in lines[D(2024, 3, 5)]), lines



def test_every_line_cites_exact_spans(chron):
    tl = chron.story("Mount Karsk eruption", n_dates=10, sentences_per_date=2)
    assert tl.lines
    for day, line in tl.lines:
        assert 1 <= len(day.lines) <= 2
        for c in line.citations:
            text = chron.article_text(c.article_id)
            assert text[c.start : c.end] == c.text
        assert line.text == line.citations[0].text


def test_same_sentence_in_two_articles_is_one_line(chron):
    tl = chron.story("Mount Karsk eruption", n_dates=3, sentences_per_date=1)
    eruption = next(d for d in tl.days if d.date == ERUPTION)
    line = eruption.lines[0]
    assert line.text.startswith("Mount Karsk erupted on Monday")
    assert line.n_articles == 2
    all_texts = [ln.text for _, ln in tl.lines]
    assert len(all_texts) == len(set(all_texts))


def test_range_and_as_of_limit_articles_and_days(chron):
    tl = chron.story("Mount Karsk eruption", n_dates=10, date_from=D(2024, 3, 6))
    assert tl.days and all(d.date >= D(2024, 3, 6) for d in tl.days)
    tl = chron.story("Mount Karsk eruption", n_dates=10, as_of=D(2024, 3, 5))
    assert tl.n_articles == 2 and all(d.date <= D(2024, 3, 5) for d in tl.days)


@pytest.mark.parametrize("kwargs, needle", [
    ({"n_dates": 0}, "number of dates"),
    ({"n_dates": 100_000}, "number of dates"),
    ({"sentences_per_date": 0}, "sentences per date"),
    ({"date_from": D(2024, 3, 10), "date_to": D(2024, 3, 1)}, "inverted"),
    ({"about": "Mount Karsk " * 5000}, "at most 300"),
])
def test_bad_requests_are_refused_clearly(chron, kwargs, needle):
    with pytest.raises(TimelineError, match=needle):
        chron.story(**{"about": "Mount Karsk eruption", **kwargs})
    with pytest.raises(TimelineError):
        StoryRequest(**kwargs).checked()


def test_archive_without_dates_says_which_articles_it_could_not_place(tmp_path):
    from app import Chronicle, load_settings

    c = Chronicle(load_settings(vectorstore_dir=tmp_path / "store"))
    c.ingest([FIXTURES / "karsk-explainer-undated.txt"])
    tl = c.story("Mount Karsk", n_dates=5)
    assert not tl.days and "undated" in tl.message
    assert tl.undated == ("Why Mount Karsk is Veloria's most dangerous volcano",)


# --- asking for a story -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question, about, when", [
    ("Give me a timeline of the Israel-Hamas war", "the Israel-Hamas war", ""),
    ("timeline of the Libyan civil war from February to October 2011", "the Libyan civil war",
     "from February to October 2011"),
    ("What are the key dates of the financial crisis?", "the financial crisis", ""),
    ("what happened in Haiti since January 13?", "Haiti", "since January 13"),
    ("Show me the chronology of the H1N1 outbreak in 2009", "the H1N1 outbreak", "in 2009"),
])
def test_story_questions_are_recognised(question, about, when):
    ask = story_request(question)
    assert ask is not None and (ask.about, ask.when) == (about, when)


@pytest.mark.parametrize("question", ["What happened after the ceasefire?", "When did the latest war happen?",
                                      "What happened in September since the attack?", "What did Russia say?"])
def test_other_questions_are_not_story_requests(question):
    assert story_request(question) is None


@pytest.mark.parametrize("when, expected", [
    ("since June", (D(2023, 6, 1), None)),
    ("since 5 March 2024", (D(2024, 3, 5), None)),
    ("from February to October 2011", (D(2011, 2, 1), D(2011, 10, 31))),
    ("in 2009", (D(2009, 1, 1), D(2009, 12, 31))),
    ("before March 2009", (None, D(2009, 2, 28))),
    ("", (None, None)),
])
def test_story_range(when, expected):
    assert story_range(when, D(2023, 11, 10)) == expected


def test_chat_answers_a_story_request_with_cited_dated_lines(chron):
    answer = chron.ask("Give me a timeline of the Mount Karsk eruption")
    assert answer.route == "story" and not answer.abstained
    lines = answer.text.splitlines()
    assert len(lines) >= 4 and lines[0].startswith("4 March 2024: ")
    for line in lines:
        assert cited_numbers(line), line
    assert "Lenz" not in answer.text and "1998" not in answer.text.split(":")[0]
    ranged = chron.ask("What happened in Veloria since 5 March 2024?")
    assert ranged.route == "story"
    days = [line.split(":")[0] for line in ranged.text.splitlines()]
    assert days[0] == "5 March 2024" and len(days) >= 3, ranged.text
    # the eruption (4 March) is retold in a 5 March lead, but it is not a day of the range
    assert "Mount Karsk erupted on Monday" not in ranged.text


def test_chat_story_about_nothing_falls_through(chron):
    answer = chron.ask("Give me a timeline of the Mars rover landing")
    assert answer.route != "story"
    inverted = chron.ask("Timeline of the Karsk eruption from 12 March 2024 to 1 March 2024")
    assert inverted.route != "story"  # an impossible range is not a story timeline; another route answers


def test_one_article_archive_keeps_the_outline(seed_chronicle):
    """With one article, the article's own dated events (the timeline route) are the better outline."""
    answer = seed_chronicle.ask("Give me a timeline of the conflict", mode="extractive")
    assert answer.route == "timeline"


# --- the command line and the files -----------------------------------------------------------------------------


def run_cli(chron, *args: str, capsys) -> tuple[int, str, str]:
    code = cli_main(["timeline", "--vectorstore-dir", str(chron.settings.vectorstore_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_story_formats(chron, capsys):
    code, out, _ = run_cli(chron, "--about", "Mount Karsk eruption", "--dates", "3", "--format", "json",
                           capsys=capsys)
    data = json.loads(out)
    assert code == 0 and len(data["dates"]) == 3 and data["dates"][0]["lines"][0]["citations"]
    code, out, _ = run_cli(chron, "--about", "Mount Karsk eruption", "--dates", "3", "--format", "csv", capsys=capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["date"] for r in rows} == {d["date"] for d in data["dates"]}
    assert sum(len(line["citations"]) for d in data["dates"] for line in d["lines"]) == len(rows)
    code, out, _ = run_cli(chron, "--about", "Mount Karsk eruption", "--dates", "3", "--format", "md", capsys=capsys)
    assert code == 0 and out.startswith("# Timeline of Mount Karsk eruption") and "[^1]:" in out
    code, out, _ = run_cli(chron, "--about", "Mount Karsk eruption", "--format", "timelinejs", capsys=capsys)
    tjs = json.loads(out)
    assert tjs["events"][0]["start_date"] == {"year": 2024, "month": 3, "day": 4}
    assert tjs["title"]["text"]["headline"]
    code, out, _ = run_cli(chron, "--about", "Mount Karsk eruption", "--dates", "2", capsys=capsys)
    assert code == 0 and "2024-03-04" in out and "Sources:" in out


def test_cli_story_errors(chron, capsys, tmp_path):
    code, _, err = run_cli(chron, "--about", "Mount Karsk", "--dates", "0", capsys=capsys)
    assert code == 2 and "number of dates" in err
    code, _, err = run_cli(chron, "--about", "Mount Karsk", "--from", "2024-03-10", "--to", "2024-03-01",
                           capsys=capsys)
    assert code == 2 and "inverted" in err
    code, _, err = run_cli(chron, "--about", "Mount Karsk", "--from", "next tuesdayish", capsys=capsys)
    assert code == 2 and "YYYY" in err
    code, out, err = run_cli(chron, "--about", "Mars rover landing", capsys=capsys)
    assert code == 1 and "No articles about Mars rover landing" in err
    code, _, err = run_cli(chron, "--about", "Mount Karsk", "--actor", "Veloria", capsys=capsys)
    assert code == 2 and "--actor" in err
    target = tmp_path / "karsk.timelinejs.json"
    code, _, err = run_cli(chron, "--about", "Mount Karsk", "--format", "timelinejs", "--output", str(target),
                           capsys=capsys)
    assert code == 0 and json.loads(target.read_text())["events"]


def test_a_retelling_is_not_a_second_line(tmp_path):
    """Two reports of the dam's collapse worded apart ("... flooding the valley" / "... filled the reservoir") are
    one line of the day, not two."""
    from app import Chronicle, load_settings
    from app.text.tokens import content_tokens
    from tests.helpers_story import write_story_articles

    folder = tmp_path / "articles"
    folder.mkdir()
    write_story_articles(folder)
    c = Chronicle(load_settings(vectorstore_dir=tmp_path / "store"))
    c.ingest([folder])
    tl = c.story("Lakeview dam collapse", n_dates=5, sentences_per_date=2)
    texts = [content_tokens(line.text) for _, line in tl.lines]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert len(a & b) / min(len(a), len(b)) < 0.6, tl.lines


def test_a_name_of_letters_and_digits_is_one_token():
    """"H1N1" is one word to every matcher (it was {h, 1, n}: any lead with a "1", an "h" and an "n" named it), and a
    number written after a hyphen stays a number ("COVID-19" holds 19; "F-16" holds 16)."""
    from app.text.tokens import content_tokens, name_groups, numbers_in

    assert content_tokens("The H1N1 virus") == {"h1n1", "virus"}
    assert name_groups("The H1N1 virus reached Mexico.") == [("h1n1",), ("mexico",)]
    assert numbers_in("COVID-19 and F-16") == {"19", "16"}
    assert not names_all({"h1n1"}, content_tokens("H5N1 bird flu reached 1 hospital in Hanoi"))
