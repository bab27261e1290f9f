"""The timeline-summarisation benchmark (benchmarks/tls.py): tilse's metrics on known timelines, and a whole run on a
small dataset laid out like T17 (made from tests/fixtures/story), per topic and pooled, with real stores and the
packaged embedding model."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("tilse", reason="benchmarks/requirements-tls.txt is installed by setup")

from benchmarks import tls

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "story"
D = dt.date


def test_score_matches_hand_computed_values():
    gold = {D(2010, 1, 12): ["The quake struck Haiti ."], D(2010, 1, 13): ["Aid arrived ."]}
    same = tls.score({D(2010, 1, 12): ["The quake struck Haiti."], D(2010, 1, 13): ["Aid arrived."]}, gold)
    assert same == {"date_f1": 1.0, "ar1_f1": 1.0, "ar2_f1": 1.0}
    half = tls.score({D(2010, 1, 12): ["The quake struck Haiti."], D(2010, 2, 1): ["Aid arrived."]}, gold)
    assert half["date_f1"] == 0.5 and 0 < half["ar1_f1"] < 1
    assert tls.score({}, gold) == {"date_f1": 0.0, "ar1_f1": 0.0, "ar2_f1": 0.0}
    # tokenised like the gold: "Haiti's" meets "Haiti 's"
    assert tls.score({D(2010, 1, 12): ["Haiti's capital shook."]},
                     {D(2010, 1, 12): ["Haiti 's capital shook ."]})["ar2_f1"] == 1.0


def _dataset(root: Path) -> Path:
    """Two topics in the T17 layout: the Karsk eruption and the Lenz transfer (texts from the story fixtures)."""
    def record(path: Path) -> dict[str, str]:
        text = path.read_text()
        title = re.search(r"^Title: (.+)$", text, re.M).group(1)
        date = re.search(r"^Date: (.+)$", text, re.M).group(1)
        body = text.split("\n\n", 1)[1]
        return {"published": date, "title": title, "text": body, "url": f"https://news.example/{path.stem}",
                "source": "fixture"}

    topics = {"karsk": ("karsk-2024-*.txt", {"2024-03-04": ["Mount Karsk erupted , sending ash into the sky ."],
                                             "2024-03-05": ["Ash closed Dravo airport ."],
                                             "2024-03-12": ["Dravo airport reopened ."]}),
              "arvika": ("arvika-*.txt", {"2024-03-05": ["Arvika FC signed Tomas Lenz for a record fee ."],
                                          "2024-03-07": ["Lenz scored twice on his debut ."]})}
    for name, (pattern, gold) in topics.items():
        folder = root / name
        folder.mkdir(parents=True)
        lines = [json.dumps(record(p)) for p in sorted(FIXTURES.glob(pattern))]
        (folder / "articles.jsonl").write_text("\n".join(lines) + "\n")
        dates = [{"date": d, "sentences": s} for d, s in gold.items()]
        (folder / "timelines.jsonl").write_text(json.dumps({"topic": name, "timeline": 0, "dates": dates}) + "\n")
    (root / "topics.json").write_text(json.dumps({"karsk": {"title": "Mount Karsk eruption", "query": ["volcano"]},
                                                  "arvika": {"title": "Tomas Lenz transfer", "query": ["lenz"]}}))
    return root


@pytest.mark.parametrize("pooled", [False, True])
def test_run_on_any_folder_laid_out_like_t17(tmp_path, pooled):
    data = _dataset(tmp_path / "data")
    out = tmp_path / "tls.json"
    result = tls.main(["--data", str(data), "--out", str(out), "--stores", str(tmp_path / "stores")]
                      + (["--pooled"] if pooled else []))
    saved = json.loads(out.read_text())
    assert saved["benchmark"] == "tls" and set(saved["mean"]) == {"date_f1", "ar1_f1", "ar2_f1"}
    assert [(r["topic"], r["dates"]) for r in result["per_timeline"]] == [("arvika", 2), ("karsk", 3)]
    karsk = next(r for r in result["per_timeline"] if r["topic"] == "karsk")
    assert karsk["scores"]["chronicle"]["date_f1"] >= 2 / 3  # the eruption and the airport's closure at least
    assert karsk["story_articles"] == 4  # pooled: the Lenz articles are not part of the volcano story
    assert set(saved["systems"]) == set(tls.SYSTEMS)
    if pooled:  # each story found among the other's articles, over the whole store
        assert saved["story_membership"]["karsk"] == {"found": 4, "topic_articles": 4, "precision": 1.0,
                                                      "recall": 1.0, "other_topics": 0, "extra": 0}
        assert saved["story_membership"]["arvika"]["precision"] == 1.0
        assert saved["story_latency"]["articles"] == 6


def test_missing_data_skips_cleanly(tmp_path):
    assert "skipped" in tls.main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o.json")])
