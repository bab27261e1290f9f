"""The story finder stops where the archive's stories part (issue 27, item 0), and a story of years gets dates in
each of its phases (item 3).

Store (real Chroma, the packaged embedding model): two related, made-up stories written here — an uprising in
Veloria and, weeks later, one in neighbouring Marenia told in the same words (protesters, a square, a president,
the army). Two Marenia reports name Veloria further down ("weeks after the Velorian president resigned"): what an
article mentions is not what it is about. Before issue 27 the finder took the Marenia articles into the Veloria
story (by the centroid's cosine, and by a name anywhere in the text).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.query.story import archive_names, names_all, spread_over_phases, story_phases

D = dt.date

_MARENIA_TAIL = ("\n\nThe protest camp has grown every night since the first march, with tents, kitchens and a "
                 "clinic run by volunteer doctors from the city hospital. Shopkeepers around the square have closed "
                 "their shutters, and the state broadcaster has stopped showing the crowds. Students from the "
                 "university have organised shifts so that the square is never empty, and lawyers have set up a "
                 "desk to record arrests. Trade unions said their members would join the marches next week."
                 "\n\nIn the poorer districts of Tarn, bakeries ran out of bread by noon and queues formed at "
                 "petrol stations, as lorry drivers refused to cross the city. Hospitals asked for blood donors "
                 "after the first clashes, and the Red Crescent opened two field clinics near the river. Foreign "
                 "airlines cut their flights to Tarn, and several embassies told their citizens to leave while the "
                 "airport was still open."
                 "\n\nAnalysts said the Marenian protests echoed the uprising in neighbouring Veloria, where the "
                 "Velorian president resigned last month after weeks of demonstrations in the capital. The Velorian "
                 "opposition sent a message of support to the Marenian protesters on Monday. Diplomats said the "
                 "region had not seen such unrest in decades, and markets in both countries fell sharply.")

ARTICLES = {
    "veloria-1.txt": """Title: Thousands of protesters fill Osk square against the Velorian president
Date: 2021-03-01

Tens of thousands of Velorians marched into Liberty Square in Osk on Monday, chanting for the end of the
Velorian president's thirty-year rule. Riot police used water cannon on students near the university.

Organisers of the Velorian marches said unions would join them by the end of the week.""",
    "veloria-2.txt": """Title: Velorian army refuses to fire on protesters in Osk
Date: 2021-03-04

The Velorian army said on Thursday it would not fire on the protesters in Osk, a blow to the president. Soldiers
stood by as crowds marched from the square to the presidential palace.

The opposition called for a general strike across Veloria on Friday.""",
    "veloria-3.txt": """Title: Velorian president resigns after weeks of protests
Date: 2021-03-10

The Velorian president resigned on Wednesday after weeks of protests, handing power to a military council. Crowds
in Osk square celebrated through the night.

The military council promised elections in Veloria within six months.""",
    "veloria-4.txt": """Title: Veloria sets a date for elections after the uprising
Date: 2021-03-20

Veloria's military council set elections for September on Saturday, ten days after the president resigned in the
face of mass protests. Opposition parties in Veloria welcomed the date.""",
    "marenia-1.txt": """Title: Protesters gather in Tarn square against the Marenian president
Date: 2021-04-05

Thousands of protesters gathered in the main square of Tarn, the Marenian capital, on Monday, demanding that the
Marenian president resign after twenty years in power. Police fired tear gas at the crowd near the parliament.

Protest leaders said they would stay in the square until the president stepped down.""" + _MARENIA_TAIL,
    "marenia-2.txt": """Title: Marenian army deploys tanks as protests grow in Tarn
Date: 2021-04-08

The Marenian army deployed tanks in Tarn on Thursday as the protests against the president grew. Soldiers
surrounded the square where crowds had camped for four days.

The opposition called for a general strike across Marenia on Friday.""" + _MARENIA_TAIL,
    "marenia-3.txt": """Title: Marenian president offers talks as crowds stay in Tarn square
Date: 2021-04-12

The Marenian president offered talks with the opposition on Monday, as crowds stayed in Tarn square for a second
week. Protest leaders rejected the offer and demanded that he resign.""",
    "marenia-4.txt": """Title: Clashes in Tarn leave dozens injured
Date: 2021-04-15

Clashes between protesters and police in Tarn left dozens injured on Thursday, hospitals in the Marenian capital
said. The president's supporters attacked the protest camp in the main square.""",
}


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    folder = tmp_path_factory.mktemp("neighbours-articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = load_settings(vectorstore_dir=tmp_path_factory.mktemp("neighbours-store"), answer_mode="extractive")
    c = Chronicle(settings)
    report = c.ingest([folder])
    assert report.added == len(ARTICLES) and report.ok, report.summary()
    return c


def _story_titles(chron, about: str) -> set[str]:
    titles = {a.article_id: a.title for a in chron.articles()}
    return {titles[aid] for aid in chron.story(about, n_dates=5).article_ids}


@pytest.mark.parametrize("about", ["Velorian uprising", "uprising in Veloria", "veloria protests"])
def test_a_story_does_not_take_in_its_neighbour(chron, about):
    titles = _story_titles(chron, about)
    veloria = {t for t in titles if "Velori" in t}
    assert len(veloria) == 4, titles  # every Veloria article ...
    assert titles == veloria, titles  # ... and none of Marenia's, even those naming Veloria further down


@pytest.mark.parametrize("about", ["Marenian protests", "protests in Marenia"])
def test_the_neighbour_is_a_story_of_its_own(chron, about):
    titles = _story_titles(chron, about)
    assert len(titles) == 4 and all("Tarn" in t or "Marenian" in t for t in titles), titles


def test_names_are_read_from_the_archive():
    texts = ["Protesters in Osk defied the Velorian army on Monday.", "The army said the Velorian president left.",
             "Talks between the Velorian opposition and the council began.",
             "The financial crisis deepened as the crisis spread to Financial markets and financial firms.",
             "Banks said the financial system was sound."]
    # capitalised inside sentences: a name, however it was typed; a capital that only opens a sentence is not
    assert archive_names("velorian uprising", texts) == {"velorian"}
    assert archive_names("Financial crisis", texts) == set()
    assert archive_names("Velorian uprising", texts[:2]) == set()  # two uses decide nothing


def test_a_name_meets_its_demonym_but_not_a_longer_word():
    assert names_all({"syria"}, {"syrian", "protest"}) and names_all({"egyptian"}, {"egypt"})
    assert not names_all({"jackson"}, {"jacksonvill"}) and not names_all({"iran"}, {"iraq"})
    assert not names_all({"michael", "jackson"}, {"jackson"})


# --- long stories: phases ---------------------------------------------------------------------------------------


def _long_story() -> dict[dt.date, int]:
    """A death (three busy weeks), a quiet year and a half with an article a month, a trial (two busy months)."""
    reporting = {D(2009, 6, 25) + dt.timedelta(days=i): 6 for i in range(21)}
    reporting |= {D(2009, 8, 1) + dt.timedelta(days=30 * i): 1 for i in range(24)}
    reporting |= {D(2011, 9, 20) + dt.timedelta(days=i): 3 for i in range(60)}
    return reporting


def test_a_story_of_years_is_split_where_its_coverage_changes():
    phases = story_phases(_long_story())
    assert len(phases) >= 3
    assert phases[0][0] == D(2009, 6, 25) and phases[0][0] <= D(2009, 7, 15) <= phases[0][1]
    assert any(a <= D(2010, 6, 1) <= b and b < D(2011, 9, 20) for a, b in phases)  # the quiet middle is its own
    assert phases[-1][1] == D(2011, 11, 18) and phases[-1][0] <= D(2011, 10, 1) <= phases[-1][1]
    assert all(b >= a for a, b in phases) and all(b < c for (_, b), (c, _) in zip(phases, phases[1:]))


def test_each_phase_gets_dates_in_proportion_to_its_coverage():
    reporting = _long_story()
    # ranked as rank_days would: the busiest days first (the death's, then the trial's)
    ranked = sorted(((d, float(k)) for d, k in reporting.items()), key=lambda t: (-t[1], t[0]))
    chosen = spread_over_phases(ranked, reporting, 20)[:20]
    assert [d for d, _ in ranked[:20]] != chosen  # today's choice: only the death's and the trial's weeks
    quiet = [d for d in chosen if D(2009, 8, 1) <= d <= D(2011, 7, 1)]
    trial = [d for d in chosen if d >= D(2011, 9, 20)]
    death = [d for d in chosen if d <= D(2009, 7, 15)]
    assert quiet and len(trial) > len(quiet) and death  # every phase, each in proportion to its articles
    total = sum(reporting.values())
    share = sum(k for d, k in reporting.items() if d >= D(2011, 9, 20)) / total
    assert abs(len(trial) - 20 * share) <= 1.5
    # the rest follows in rank order, nothing lost or repeated
    assert sorted(spread_over_phases(ranked, reporting, 20)) == sorted(reporting)


def test_a_short_story_keeps_todays_choice():
    reporting = {D(2010, 1, 12) + dt.timedelta(days=i): 10 - i % 7 for i in range(60)}
    ranked = sorted(((d, float(k)) for d, k in reporting.items()), key=lambda t: (-t[1], t[0]))
    assert story_phases(reporting) == [(D(2010, 1, 12), D(2010, 3, 12))]
    assert spread_over_phases(ranked, reporting, 10) == [d for d, _ in ranked]


def test_long_story_timeline_on_a_real_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """End to end: a story told in two bursts two years apart, with an inquiry between, gets dates in each when
    the phase split is on (it is off by default: see SPREAD_PHASES), and only the two bursts' days when off."""
    from app import Chronicle, load_settings
    from app.query import story

    folder = tmp_path / "articles"
    folder.mkdir()
    flood = ["The Kessel river burst its banks and flooded the old town of Kessel.",
             "Soldiers filled sandbags along the Kessel embankment as a second wave of water arrived.",
             "The mayor of Kessel ordered schools closed while pumps drained the market square.",
             "Insurers estimated the damage to Kessel homes at forty million euros.",
             "Volunteers from three villages cleared mud from the Kessel hospital wards.",
             "The regional government promised a fund for families whose Kessel houses were ruined."]
    texts = {}
    for i, line in enumerate(flood):
        day = D(2019, 5, 6) + dt.timedelta(days=i)
        for paper in ("Courier", "Herald"):  # two papers a day: the flood's weeks are its busiest
            texts[f"flood-{i}-{paper}.txt"] = (f"Title: Kessel flood, day {i + 1} ({paper})\nDate: {day}\n\n{line} "
                                               f"The Kessel {paper} spoke to officials on {day:%A}.")
    inquiry = ["The inquiry into the Kessel flood heard that engineers had warned the council about the river walls.",
               "A hydrologist told the Kessel flood inquiry that the gauges had failed two days before the water rose."]
    for i, line in enumerate(inquiry):
        day = D(2020, 3, 2) + dt.timedelta(days=90 * i)
        texts[f"flood-inquiry-{i}.txt"] = f"Title: Kessel flood inquiry, hearing {i + 1}\nDate: {day}\n\n{line}"
    trial = ["Three Kessel council officials went on trial over the flood that ruined the old town.",
             "A witness at the Kessel flood trial described losing her bakery to the river.",
             "The judge at the Kessel flood trial heard the council's engineer admit the walls were never repaired."]
    for i, line in enumerate(trial):
        day = D(2021, 6, 7) + dt.timedelta(days=i)
        for paper in ("Courier", "Herald"):
            texts[f"flood-trial-{i}-{paper}.txt"] = (f"Title: Kessel flood trial, day {i + 1} ({paper})\nDate: {day}"
                                                     f"\n\n{line} The Kessel {paper} was in court on {day:%A}.")
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    chron = Chronicle(load_settings(vectorstore_dir=tmp_path / "store", answer_mode="extractive"))
    assert chron.ingest([folder]).added == len(texts)
    monkeypatch.setattr(story, "SPREAD_PHASES", True)
    tl = chron.story("Kessel flood", n_dates=5, sentences_per_date=1)
    years = sorted({d.date.year for d in tl.days})
    assert len(tl.days) == 5 and years == [2019, 2020, 2021], [d.date for d in tl.days]
    monkeypatch.setattr(story, "SPREAD_PHASES", False)
    # off: the days two papers reported (the flood's and the trial's, all of equal weight: the most on-story first,
    # app.query.story.rank_days), never the inquiry's one-article days
    off = chron.story("Kessel flood", n_dates=5, sentences_per_date=1).days
    assert len(off) == 5 and 2020 not in {d.date.year for d in off} and all(d.n_articles == 2 for d in off)
