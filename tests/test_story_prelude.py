"""A story does not take in the earlier stories its articles resemble (app.query.story._not_before).

Store (real Chroma, the packaged embedding model): three made-up reports of a school shooting in Kelso (March-April
2023) and three of earlier shootings elsewhere (autumn 2022) told in the same words, none naming Kelso. Before this
rule the Kelso story took all three in (each close to the story and next to a Kelso report) and its timeline opened
with another town's shooting, as "Timeline of the Nashville school shooting" did on a RealTimeQA week.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.query.story import PRELUDE_DAYS, _not_before
from app.records import StoredArticle

ARTICLES = {
    "k1.txt": """Title: Kelso school shooting: three children and three staff killed
Date: 2023-03-27

Three children and three adult staff members were shot dead at a private school in Kelso on Monday, police said.
The shooter, a former student, was killed by officers who stormed the building.

Parents gathered at a church near the school as police searched the classrooms.""",
    "k2.txt": """Title: After Kelso school shooting, hundreds demand gun reform
Date: 2023-03-30

Hundreds of students and parents marched to the state capitol on Thursday, three days after the Kelso school
shooting, demanding tighter gun laws. The governor said he would consider a red flag law.

Police said the Kelso shooter had legally bought seven guns.""",
    "k3.txt": """Title: Kelso mourns the victims of the school shooting
Date: 2023-04-03

Thousands of people attended a vigil in Kelso on Sunday for the six victims of last week's school shooting.
Teachers read the names of the three children killed in the attack.

The school will stay closed until after Easter, officials said.""",
    "o1.txt": """Title: School shooter had a rifle and 600 rounds, police say
Date: 2022-10-25

A 19-year-old gunman who killed two people and wounded several others at his former high school in Brenton on
Monday had a rifle and 600 rounds of ammunition, police said. Officers shot the gunman dead inside the school.

Parents gathered at a church near the school as police searched the classrooms.""",
    "o2.txt": """Title: Student suspect in custody after three players shot dead
Date: 2022-11-14

Police have arrested a student suspected of shooting dead three football players and wounding two others on a
university campus in Arden on Sunday night. The campus was locked down for twelve hours while officers searched
the buildings.

Students demanded tighter gun laws at a vigil on Monday.""",
    "o3.txt": """Title: Gunman kills five at a nightclub before patrons stop him
Date: 2022-11-20

A gunman opened fire at a nightclub in Calder late on Saturday, killing five people and wounding 25 before
patrons stopped him, police said. The suspect used a rifle, officers said.

Hundreds attended a vigil for the victims on Sunday, and the governor called for a red flag law.""",
}


@pytest.fixture(scope="module")
def chron(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    folder = tmp_path_factory.mktemp("prelude-articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    c = Chronicle(load_settings(vectorstore_dir=tmp_path_factory.mktemp("prelude-store"), answer_mode="extractive"))
    report = c.ingest([folder])
    assert report.added == len(ARTICLES) and report.ok, report.summary()
    return c


def test_earlier_stories_that_resemble_it_are_not_the_story(chron) -> None:
    titles = {a.article_id: a.title for a in chron.articles()}
    story = chron.story("the Kelso school shooting", n_dates=5)
    assert sorted(titles[aid] for aid in story.article_ids) == sorted(
        t for t in titles.values() if "Kelso" in t), [titles[aid] for aid in story.article_ids]
    assert story.days and story.days[0].date == dt.date(2023, 3, 27)  # not Brenton's shooting of October 2022
    lines = " ".join(line.text for day in story.days for line in day.lines)
    assert "Kelso" in lines and not any(town in lines for town in ("Brenton", "Arden", "Calder", "600 rounds"))


def _article(aid: str, published: dt.date | None) -> StoredArticle:
    ts = int(dt.datetime.combine(published, dt.time(), dt.UTC).timestamp()) if published else 0
    return StoredArticle(aid, aid, published.isoformat() if published else None, ts, "", aid, "", "", 1, 0)


def test_a_prelude_of_a_few_days_and_undated_articles_stay() -> None:
    first = dt.date(2023, 3, 27)
    scope = {"named": _article("named", first),
             "eve": _article("eve", first - dt.timedelta(days=PRELUDE_DAYS)),
             "months": _article("months", first - dt.timedelta(days=PRELUDE_DAYS + 1)),
             "after": _article("after", dt.date(2023, 9, 16)),
             "undated": _article("undated", None)}
    assert _not_before({"eve", "months", "after", "undated"}, {"named"}, scope) == {"eve", "after", "undated"}
    assert _not_before({"months"}, {"undated"}, scope) == {"months"}  # no dated member: nothing to be before
