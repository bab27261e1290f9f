"""Issue 27, item 2: a one-line headline per story day, written by the model from the day's lines, under the guard.

- the guard on its own (app.answer.headlines.refusal): names and numbers the lines hold pass; a name, a number or a
  statement they do not hold, an empty or over-long headline are refused; title case is read as sentence case;
- the writer over the real seed store's story with deterministic fake models: a good headline is the model's; a
  refused, over-long, non-JSON reply or a model that fails leaves the day its extractive line, with the reason;
- the facade and the CLI through the real OpenAI client against a fake server (tests/helpers_openai.py): the
  timeline is printed first, the headline after it; no model configured: every day keeps its line;
- the Timeline tab's headlines event: the story drawn again as each headline arrives, and the downloads
  written again with it (no second model call).
The real packaged model's headline on the seed: ``test_the_packaged_model_writes_a_guarded_headline`` (marked llm).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.answer import headlines as hl
from app.answer.llm.base import LLMError, ModelFailure
from app.records import DayHeadline, SentenceCitation, StoryDay, StoryLine, StoryTimeline
from tests.helpers_openai import FakeOpenAI

DAY = dt.date(2011, 2, 11)
LINES = (
    "Hosni Mubarak resigned as president of Egypt on Friday after 18 days of protests, handing power to the military.",
    "Crowds in Tahrir Square celebrated through the night as four days of strikes ended.",
)


def _day(lines: tuple[str, ...] = LINES, date: dt.date = DAY) -> StoryDay:
    cites = [StoryLine(t, (SentenceCitation(f"a{i}", "Mubarak quits", "2011-02-11", "", 0, len(t), t),))
             for i, t in enumerate(lines)]
    return StoryDay(date, tuple(cites), n_articles=2, published=2, mentions=0, weight=1.0)


def _timeline(*days: StoryDay) -> StoryTimeline:
    return StoryTimeline("Egypt", days, (), ("a0", "a1"), None, None)


# --- the guard --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headline", [
    "Mubarak resigns after 18 days of protests",
    "Hosni Mubarak hands power to the military",
    "Crowds celebrate in Tahrir Square as Mubarak resigns",
    "Mubarak resigns on Friday as 4 days of strikes end",  # "four" in the line, "Friday" the day itself
])
def test_a_headline_whose_names_and_numbers_are_in_the_lines_passes(headline: str) -> None:
    assert hl.refusal(headline, _day()) == ""


@pytest.mark.parametrize(("headline", "why"), [
    ("Mubarak resigns after 30 days of protests", "number 30"),
    ("Omar Suleiman takes power as Mubarak resigns", "names someone or something"),
    ("Mubarak resigns in Alexandria", "names someone or something"),
    ("Army arrests ministers and dissolves parliament", "most of its words"),
    # half its words are in the lines (the guard's share), two are not: a claim the day does not make
    ("Mubarak resigns after violent clashes with the military", "its words clash, violent"),
    ("", "empty"),
    ("Mubarak resigns as president of Egypt after eighteen long days of protests and crowds celebrate all night",
     "words (at most 15)"),
])
def test_a_headline_the_lines_do_not_support_is_refused(headline: str, why: str) -> None:
    assert why in hl.refusal(headline, _day())


def test_title_case_is_read_as_sentence_case_but_an_unknown_name_keeps_its_capital() -> None:
    day = _day()
    assert hl.sentence_case("Crowds Celebrate in Tahrir Square as Mubarak Resigns", day) == \
        "Crowds celebrate in Tahrir Square as Mubarak resigns"
    invented = hl.sentence_case("Mubarak Resigns as Suleiman Takes Over", day)
    assert "Suleiman" in invented and hl.refusal(invented, day)


def test_the_reply_is_read_until_its_object_closes_or_it_is_too_long() -> None:
    """No grammar bounds the reply (it cost ~27% of each headline's time): the writer stops reading at the object's
    end (the server stops writing when its reader goes), or at REPLY_CHARS for a reply that is no headline."""
    fenced = _Writer(lambda _: '```json\n{"headline": "Mubarak resigns after 18 days of protests"}\n```\nMore text')
    head = hl.headline_for(_day(), fenced)
    assert head.by == "model" and head.text == "Mubarak resigns after 18 days of protests"
    assert fenced.read * 4 < len('```json\n{"headline": "Mubarak resigns after 18 days of protests"}\n```\nMore')
    unclosed = _Writer(lambda _: '{"headline": "Mubarak resigns after 18 days of protests"')  # seen on the real model
    assert hl.headline_for(_day(), unclosed).text == "Mubarak resigns after 18 days of protests"
    rambling = _Writer(lambda _: "Mubarak resigns. " * 200)
    head = hl.headline_for(_day(), rambling)
    assert head.by == "extractive" and "not JSON" in head.reason
    assert rambling.read * 4 <= hl.REPLY_CHARS + 4  # stopped reading at the bound, not at the 3,400 characters


def test_the_storys_common_words_lower_a_title_case_word_its_day_does_not_write() -> None:
    """"Prime minister announces Aid for Haiti": the day's lines do not write "aid", other days' lines do (in lower
    case, never as a name): it is lowered, and is then the headline's one new word. A name stays."""
    day = _day(("The prime minister announced the move on Saturday, saying that helping Haiti was a test.",))
    other = _day(("Aid agencies say the aid reached Port-au-Prince, where Brown's envoy arrived.",
                  "More aid arrived as Gordon Brown spoke.",), DAY + dt.timedelta(1))
    common = hl.common_words(_timeline(day, other))
    assert "aid" in common and "brown" not in common and "haiti" not in common
    assert hl.sentence_case("Prime Minister Announces Aid for Haiti", day) == "Prime minister announces Aid for Haiti"
    cased = hl.sentence_case("Prime Minister Announces Aid for Haiti", day, common)
    assert cased == "Prime minister announces aid for Haiti" and hl.refusal(cased, day) == ""
    assert "Brown" in hl.sentence_case("Brown Announces Aid for Haiti", day, common)


def test_a_hyphenated_word_is_cased_by_its_parts_and_a_capitalised_word_no_line_writes_is_refused() -> None:
    """Two headlines the packaged model wrote for a Haiti timeline (real T17 lines): "84-Year-Old woman ..." was
    shown with its capitals; "UN memorial service Honors Haitian staff" passed because the name guard read
    "Honors Haitian" as one name, passed by its last word."""
    rescued = _day(("Two people, an 84-year-old woman and a 21-year-old man, were pulled alive from the rubble in "
                    "Port-au-Prince on Friday.",
                    "The 84-year-old woman survivor, rescued on Friday after 10 days in the rubble, is being treated "
                    "by doctors at the main city hospital with intravenous fluids and drugs."))
    cased = hl.sentence_case("84-Year-Old Woman Rescued From Port-au-Prince After 10 Days in Rubble", rescued)
    assert cased == "84-year-old woman rescued from Port-au-Prince after 10 days in rubble"
    assert hl.refusal(cased, rescued) == ""
    memorial = _day(("On Thursday, the UN held a memorial service in the Haitian capital, Port-au-Prince, to "
                     "remember dozens of its staff who were killed.",))
    honors = hl.sentence_case("UN memorial service Honors Haitian staff", memorial)
    assert "Honors" in honors and "Honors" in hl.refusal(honors, memorial)
    assert hl.refusal("UN holds memorial service for Haitian staff", memorial) == ""


def test_the_reply_is_parsed_from_json_only() -> None:
    assert hl.parse(json.dumps({"headline": " Mubarak resigns [1] "})) == "Mubarak resigns"
    with pytest.raises(hl.HeadlineError, match="not JSON"):
        hl.parse("Mubarak resigns")
    with pytest.raises(hl.HeadlineError, match="no headline"):
        hl.parse(json.dumps({"title": "Mubarak resigns"}))


# --- the writer, with deterministic fake models -------------------------------------------------------------------


class _Writer:
    """A chat model replying to every headline request with ``reply(lines shown)`` (or failing)."""

    description = "headline fake"

    def __init__(self, reply, fail: Exception | None = None, fail_after: int = 0) -> None:
        self.reply = reply
        self.fail = fail
        self.fail_after = fail_after
        self.asked: list[str] = []
        self.read = 0  # chunks the writer took

    def stream(self, messages):
        if self.fail is not None and len(self.asked) >= self.fail_after:
            raise self.fail
        self.asked.append(str(messages[-1].content))
        for i in range(0, len(reply := self.reply(self.asked[-1])), 4):  # in chunks, as a server streams
            self.read += 1
            yield reply[i : i + 4]

    def structured(self, messages, schema):
        raise AssertionError("headlines are asked without a grammar")


def _headline(text: str):
    return lambda _: json.dumps({"headline": text})


def test_each_day_is_asked_on_its_own() -> None:
    second = _day(("The army suspended the constitution and dissolved parliament on Sunday.",), DAY + dt.timedelta(2))
    model = _Writer(lambda shown: json.dumps({"headline": "Mubarak resigns after 18 days of protests"
                                              if "Mubarak" in shown else "The army dissolves parliament"}))
    heads = list(hl.write_headlines(_timeline(_day(), second), model))
    assert [(h.date, h.by, h.text) for h in heads] == [
        (DAY, "model", "Mubarak resigns after 18 days of protests"),
        (second.date, "model", "The army dissolves parliament")]
    assert len(model.asked) == 2 and "Tahrir" in model.asked[0] and "Tahrir" not in model.asked[1]
    assert heads[0].seconds <= heads[1].seconds


@pytest.mark.parametrize(("reply", "why"), [
    (_headline("Omar Suleiman takes over as Mubarak quits"), "names someone"),
    (_headline("Mubarak resigns after 30 days of protests"), "number 30"),
    (_headline(" ".join(["Mubarak resigns"] * 9)), "at most 15"),
    (_headline("Demonstrators celebrate throughout Tahrir Square overnight following President Mubarak's "
               "resignation, transferring constitutional authority"[: hl.MAX_CHARS]), "cut off"),  # the grammar's cut
    (lambda _: "Mubarak resigns.", "not JSON"),
    (_headline("  "), "empty"),
])
def test_a_refused_or_unusable_headline_leaves_the_days_line(reply, why: str) -> None:
    (head,) = hl.write_headlines(_timeline(_day()), _Writer(reply))
    assert head.by == "extractive" and head.text == LINES[0] and why in head.reason, head


@pytest.mark.parametrize("failure", [ModelFailure("the model did not respond within 120 s"),
                                     LLMError("no model endpoint is reachable"), RuntimeError("boom")])
def test_a_model_that_fails_leaves_every_remaining_day_its_line(failure: Exception) -> None:
    days = [_day(date=DAY + dt.timedelta(i)) for i in range(3)]
    model = _Writer(_headline("Mubarak resigns"), fail=failure, fail_after=1)
    heads = list(hl.write_headlines(_timeline(*days), model))
    assert [h.by for h in heads] == ["model", "extractive", "extractive"]
    assert all(str(failure) in h.reason and h.text == LINES[0] for h in heads[1:])


def test_the_seed_storys_day_gets_the_models_headline_or_its_line(seed_chronicle) -> None:
    """The real story of the real seed store: a headline from its lines passes; one naming a country its lines do
    not name is refused, and the day keeps its first line."""
    story = seed_chronicle.story("", n_dates=5)
    assert story.days
    good = hl.write_headlines(story, _Writer(_headline("Azerbaijan sends troops into Nagorno-Karabakh")))
    assert [h.by for h in good] == ["model"] * len(story.days)
    bad = list(hl.write_headlines(story, _Writer(_headline("Russia sends troops into Nagorno-Karabakh"))))
    assert bad[0].by == "extractive" and bad[0].text == story.days[0].lines[0].text
    assert bad[0].proposed == "Russia sends troops into Nagorno-Karabakh"


# --- the facade, the CLI and the Timeline tab through the real client ---------------------------------------------


def _fake_settings(seed_settings, url: str):
    return seed_settings.model_copy(update={"answer_mode": "llm", "llm_backend": "openai", "llm_base_url": url})


def test_the_facade_asks_the_configured_server_and_never_raises(seed_settings) -> None:
    from app import Chronicle

    with FakeOpenAI(reply=json.dumps({"headline": "Azerbaijan sends troops into Nagorno-Karabakh"})) as server:
        chron = Chronicle(_fake_settings(seed_settings, server.url))
        story = chron.story("", n_dates=5)
        heads = list(chron.headlines(story))
        assert chron.writes_headlines and [h.by for h in heads] == ["model"] and server.chats == 1
    # No server configured: every day keeps its line, with the reason; nothing raises.
    lost = Chronicle(seed_settings.model_copy(update={"llm_backend": "openai", "llm_base_url": None}))
    (head,) = lost.headlines(story)
    assert head.by == "extractive" and "CHRONICLE_LLM_BASE_URL" in head.reason
    assert not Chronicle(seed_settings.model_copy(update={"answer_mode": "auto"})).writes_headlines


def test_the_cli_prints_the_timeline_then_the_headlines(seed_settings, monkeypatch, capsys) -> None:
    from app.cli import main

    with FakeOpenAI(reply=json.dumps({"headline": "Azerbaijan sends troops into Nagorno-Karabakh"})) as server:
        monkeypatch.setenv("CHRONICLE_LLM_BACKEND", "openai")
        monkeypatch.setenv("CHRONICLE_LLM_BASE_URL", server.url)
        monkeypatch.setenv("CHRONICLE_ANSWER_MODE", "llm")
        args = ["timeline", "--about", "", "--headlines", "--vectorstore-dir", str(seed_settings.vectorstore_dir)]
        assert main(args) == 0
        out = capsys.readouterr().out
        assert out.index("Timeline of") < out.index("Sources:") < out.index("Headlines")
        assert "2023-09-19  Azerbaijan sends troops into Nagorno-Karabakh" in out
        assert main([*args, "--json"]) == 0
        record = json.loads(capsys.readouterr().out)
        assert record["dates"] and record["headlines"][0]["by"] == "model"
        assert record["dates"][0]["headline"]["text"] == "Azerbaijan sends troops into Nagorno-Karabakh"
        assert main([*args, "--format", "md"]) == 0  # a file to publish: the kept headline in it
        assert "**Azerbaijan sends troops into Nagorno-Karabakh**" in capsys.readouterr().out
        monkeypatch.setenv("CHRONICLE_ANSWER_MODE", "extractive")
        assert main(args) == 2
        assert "--headlines needs the model" in capsys.readouterr().err


def test_the_timeline_tab_draws_each_headline_as_it_arrives(seed_settings) -> None:
    from app import Chronicle
    from app.ui.views import Views

    with FakeOpenAI(reply=json.dumps({"headline": "Russia sends troops into Nagorno-Karabakh"})) as server:
        settings = _fake_settings(seed_settings, server.url)
        views = Views(settings, Chronicle(settings))
        out = views.timeline_show("", 5, "", "", "", None)
        assert "chr-headline" not in out[2]  # the timeline is drawn without waiting for the model
        drawn = [story for story, *_ in views.timeline_headlines(out[-1], out[-2])]
        assert "Headline being written" in drawn[0]
        assert "No headline (it names someone" in drawn[-1] and "Headlines all in: 1 of 1 day" in drawn[-1]
        assert "Russia sends troops" not in drawn[-1]  # a refused headline is never shown as one
        assert server.chats == 1
        assert len(list(views.timeline_headlines(out[-1], out[-2]))) == 1 and server.chats == 1  # not re-asked


def test_the_timeline_tabs_downloads_carry_the_kept_headline_without_waiting(seed_settings) -> None:
    """The downloads are offered with the story (no headline yet), and written again from the page's own headline
    records as each arrives: the Markdown then has the headline, and the model was asked once."""
    from pathlib import Path

    from app import Chronicle
    from app.ui.views import Views

    head = "Azerbaijan sends troops into Nagorno-Karabakh"
    with FakeOpenAI(reply=json.dumps({"headline": head})) as server:
        settings = _fake_settings(seed_settings, server.url)
        views = Views(settings, Chronicle(settings))
        out = views.timeline_show("", 5, "", "", "", None)
        first_md = Path(out[3 + 2]["value"])  # status, coverage, story, then the buttons: json, csv, md, timelinejs
        assert server.chats == 0 and head not in first_md.read_text(encoding="utf-8")
        drawn = list(views.timeline_headlines(out[-1], out[-2]))
        assert [type(b).__name__ for b in drawn[0][1:]] == ["dict"] * 4 and "value" not in drawn[0][1]  # unchanged
        md = Path(drawn[-1][1 + 2]["value"])
        assert md.parent.parent == Path(out[-2]) and md.name == first_md.name  # the session's folder, same name
        text = md.read_text(encoding="utf-8")
        assert f"**{head}**" in text and "written by the model" in text
        record = json.loads(Path(drawn[-1][1]["value"]).read_text(encoding="utf-8"))
        assert record["dates"][0]["headline"] == {"text": head, "by": "model", "reason": ""}
        assert server.chats == 1
        # Shown again: the downloads are written again from the records, the model is not asked again.
        again = list(views.timeline_headlines(out[-1], out[-2]))
        assert len(again) == 1 and f"**{head}**" in Path(again[0][3]["value"]).read_text(encoding="utf-8")
        assert server.chats == 1


def test_headlines_are_not_asked_for_outside_llm_mode(seed_settings) -> None:
    from app import Chronicle
    from app.ui.views import Views

    settings = seed_settings.model_copy(update={"answer_mode": "extractive"})
    views = Views(settings, Chronicle(settings))
    out = views.timeline_show("", 5, "", "", "", None)
    (drawn,) = views.timeline_headlines(out[-1], out[-2])
    assert [type(x).__name__ for x in drawn] == ["dict"] * 5 and not any("value" in x for x in drawn)  # unchanged


# --- the real packaged model ----------------------------------------------------------------------------------------


@pytest.mark.llm
def test_the_packaged_model_writes_a_guarded_headline(seed_chronicle) -> None:
    """The packaged Qwen2.5-Coder-1.5B: the seed's day, told by as many lines as a headline reads (hl.MAX_LINES),
    gets a headline the guard passes (its names and numbers in the day's lines). With the day's lead and one more
    line only, the model proposed "Azerbaijan Seizes Nagorno-Karabakh, shelling Rises", two words no line writes,
    and the guard refused it: the guard is what is guaranteed, the model's wording is not."""
    from app import Chronicle

    chron = Chronicle(seed_chronicle.settings.model_copy(update={"answer_mode": "llm"}))
    story = chron.story("", n_dates=5, sentences_per_date=hl.MAX_LINES)
    heads: list[DayHeadline] = list(chron.headlines(story))
    assert len(heads) == len(story.days) >= 1
    kept = [h for h in heads if h.by == "model"]
    assert kept, [(h.reason, h.proposed) for h in heads]
    for h in kept:
        day = next(d for d in story.days if d.date == h.date)
        assert hl.refusal(h.text, day) == "" and 1 <= len(h.text.split()) <= hl.MAX_WORDS


def test_the_model_reads_and_the_guard_checks_the_first_lines_only() -> None:
    """A day of many lines prefills only its first MAX_LINES (time grows with the prompt); a name from a later line
    is then no support for the headline."""
    lines = tuple(f"Line {i} reports that the army moved to sector {i} on Friday." for i in range(1, 7)) + (
        "Omar Suleiman met the army's leaders on Friday.",)
    day = _day(lines)
    prompt = hl.messages(day)[-1].content
    assert "sector 3" in prompt and "sector 4" not in prompt and "Suleiman" not in prompt
    assert len(hl.day_sources(day)) == hl.MAX_LINES
    assert hl.refusal("Omar Suleiman meets the army's leaders", day)
