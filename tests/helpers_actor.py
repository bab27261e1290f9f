"""A small made-up archive for actor timelines and "what is new since" (tests/test_actor_timeline.py and the browser
test): a port strike told over ten days, with a mayor who speaks (a person the ingest attributes statements to), a
union (an organisation), her namesake, a football coach of the same surname (whose lines must not join hers), and
a last article that tells something new about an earlier day. Written by the tests, not copied from any dataset."""

from __future__ import annotations

from pathlib import Path

PERSON = "Ilse Brandt"
ORGANISATION = "the Harbour Workers Union"
STORY = "Port Belmar dock strike"
LAST = "2021-03-10"  # the newest article

ARTICLES = {
    "strike-1.txt": """Title: Dock workers strike in Port Belmar
Date: 2021-03-01

The Harbour Workers Union called a strike at Port Belmar on Monday, halting all cargo traffic in the port.
Mayor Ilse Brandt said on Monday that the city would not let the port stay closed for long.
Hundreds of dock workers gathered at the harbour gates with banners demanding higher wages.
""",
    "strike-2.txt": """Title: Ilse Brandt meets union leaders as the Port Belmar strike goes on
Date: 2021-03-03

Ilse Brandt met the leaders of the Harbour Workers Union on Wednesday in an attempt to end the dock strike.
Brandt said the talks had been difficult but honest and would continue on Thursday.
The Harbour Workers Union said its members would stay out until their wages rose by ten percent.
""",
    "strike-3.txt": """Title: Port Belmar strike ends with a pay deal
Date: 2021-03-05

The Harbour Workers Union accepted a pay offer on Friday and ended the five-day strike at Port Belmar.
Ilse Brandt said the deal had saved the port's busiest season and thanked both sides for their patience.
Cargo ships waiting outside the harbour were told they could dock from Monday.
""",
    "strike-4.txt": """Title: Ships return to Port Belmar after the strike
Date: 2021-03-08

Ships returned to Port Belmar on Monday after the dock strike ended on Friday.
Mayor Ilse Brandt, who brokered the pay deal on Friday, was praised by the shipping firms of the port.
Coach Tomas Brandt said his Port Belmar football team had trained at the harbour during the strike.
""",
    "strike-5.txt": """Title: Ilse Brandt to seek a second term after the Port Belmar strike
Date: 2021-03-10

Ilse Brandt announced on Wednesday that she will stand for a second term as mayor of Port Belmar.
Documents released by the city show that Ilse Brandt secretly offered the union leaders a bonus on 3 March.
Brandt apologised to traders on Tuesday for the delays they suffered during the strike week.
""",
    "football.txt": """Title: Port Belmar football team wins the regional cup
Date: 2021-03-07

The Port Belmar football team won the regional cup on Sunday with a 2-0 win over Selm.
Coach Tomas Brandt said the victory belonged to the fans who had followed the team all season.
The team will play in the national league next year for the first time.
""",
}


def write_actor_articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
