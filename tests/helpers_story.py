"""A small made-up archive for story-timeline tests: five dated reports of one story (a dam collapse, told day by
day with "on Tuesday" etc., so the ingest finds day events that refer back), one undated report of it, and two
reports of another story (a port strike) that must stay out of the dam's timeline. Written by the tests, not copied
from any dataset. One headline carries markup, one URL an ampersand: the page must show both as text."""

from __future__ import annotations

from pathlib import Path

DAM = "Lakeview dam collapse"
OTHER = "Port Belmar strike"
HOSTILE_TITLE = "Rescuers search <b>mud</b> after Lakeview dam collapse"

ARTICLES = {
    "dam-1.txt": """Title: Lakeview dam collapses after days of heavy rain
Date: 2021-03-02
URL: https://news.example.org/lakeview/dam-collapse?id=1&lang=en

The Lakeview dam collapsed on Tuesday morning after days of heavy rain, flooding villages along the Oren river.
Officials said at least twelve people were missing on Tuesday evening.
The regional government declared an emergency in the valley below the Lakeview reservoir.
""",
    "dam-2.txt": f"""Title: {HOSTILE_TITLE}
Date: 2021-03-03

The Lakeview dam collapsed on Tuesday, sending a wall of water through three villages of the Oren valley.
On Wednesday, rescue teams pulled four survivors from the mud near the town of Marren.
Army helicopters carried drinking water to villages cut off by the Lakeview flood.
""",
    "dam-3.txt": """Title: Lakeview dam engineers had warned of cracks
Date: 2021-03-04

Engineers had warned of cracks in the Lakeview dam on Monday, a day before it collapsed, documents show.
The Lakeview dam collapsed on Tuesday after heavy rain filled the reservoir to the brim.
On Thursday, the regional governor ordered an inquiry into the collapse of the Lakeview dam.
""",
    "dam-4.txt": """Title: Death toll from Lakeview dam collapse rises to nine
Date: 2021-03-06

The death toll from the collapse of the Lakeview dam rose to nine on Saturday, officials said.
Rescue teams pulled four survivors from the mud on Wednesday near Marren, the Lakeview mayor recalled.
The Lakeview dam collapsed on Tuesday after heavy rain, flooding the Oren valley.
""",
    "dam-5.txt": """Title: Inquiry into the Lakeview dam collapse opens
Date: 2021-03-09

The inquiry into the Lakeview dam collapse held its first hearing on Tuesday in the regional capital.
The governor ordered the inquiry on Thursday last week, two days after the Lakeview dam collapsed.
Families of the Lakeview flood victims attended the hearing and asked why the warnings were ignored.
""",
    "dam-undated.txt": """Title: Lakeview residents recall the night the dam broke

Residents of Lakeview described the night the dam collapsed and the flood water reached their homes.
Many Lakeview families still live in tents near the broken dam on the Oren river.
""",
    "port-1.txt": """Title: Dock workers strike at Port Belmar
Date: 2021-03-03

Dock workers at Port Belmar walked off the job on Wednesday over pay, halting container traffic at the port.
The dockers' union said the Port Belmar strike would last until Friday unless wages rose.
""",
    "port-2.txt": """Title: Port Belmar strike ends with a pay deal
Date: 2021-03-05

The strike at Port Belmar ended on Friday after the dockers' union accepted a pay rise of six percent.
Container ships queued outside Port Belmar began unloading on Friday evening.
""",
}


def write_story_articles(folder: Path) -> list[Path]:
    """Write the archive's .txt files into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in ARTICLES.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
