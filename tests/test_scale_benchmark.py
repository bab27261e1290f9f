"""benchmarks.scale on a made-up three-article dataset (no dataset needed): the store grown to two sizes with
replicas, the vectors of replicas reused, 10 articles added and removed at each size, a served process measuring
answers and tabs, and the JSON the issue asks for; and a clean skip without data."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import scale

ARTICLES = [
    {"url": "https://example.org/2031/03/04/harbour", "title": "Veloria opens its new harbour",
     "publish_date": "2031/03/04",
     "text": "The island of Veloria opened its new deep-water harbour on Tuesday. The harbour cost 40 million euros, "
             "the port authority said. Fishermen welcomed the longer quay, which lets trawlers land at low tide. "
             "The harbour master said ferries to the mainland would start in May."},
    {"url": "https://example.org/2031/03/05/storm", "title": "Storm Odile reaches the coast",
     "publish_date": "2031/03/05",
     "text": "Storm Odile reached the coast of Marennia on Wednesday. Four villages were evacuated before it made "
             "landfall, officials said. Power was cut to 3,000 homes. The regional governor asked residents to stay "
             "indoors until the winds drop on Thursday evening."},
    {"url": "https://example.org/2031/03/06/vote", "title": "Marennia's parliament passes the budget",
     "publish_date": "2031/03/06",
     "text": "Marennia's parliament passed the 2032 budget on Thursday by 88 votes to 71. The finance minister, "
             "Ilse Varga, said the budget raises school spending by 6 percent. The opposition said it would take "
             "the tax changes to the constitutional court."},
]
QUESTIONS = [
    {"question_id": "20310306_0", "question_date": "2031/03/06", "question_sentence":
     "Which island opened a new deep-water harbour this week?", "choices": ["Veloria", "Malta"], "answer": ["0"]},
    {"question_id": "20310306_1", "question_date": "2031/03/06", "question_sentence":
     "How many villages were evacuated before Storm Odile made landfall?", "choices": ["4", "5"], "answer": ["0"]},
]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_two_sizes_with_replicas_and_reused_vectors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "20310306_gcs.jsonl", [{"question_id": "20310306_0", "search_result": ARTICLES}])
    _write(data / "20310306_qa.jsonl", QUESTIONS)
    out = tmp_path / "scale.json"
    result = scale.main(["--articles", "2,5", "--data", str(data), "--no-llm", "--reuse-vectors", "--repeat", "1",
                         "--questions", "2", "--store", str(tmp_path / "store"), "--out", str(out)])
    assert json.loads(out.read_text())["sizes"] == result["sizes"]
    small, large = result["sizes"]
    assert (small["articles"], small["replicas"], large["articles"], large["replicas"]) == (2, 0, 5, 2)
    # The two replicas repeat their originals' passages: only their first passage (the dateline) is embedded anew.
    assert large["embedded_passages"] - small["embedded_passages"] <= 3
    assert small["ingest_articles_per_s"] > 0 and large["ingest_articles_per_s"] is None  # not encoder-bound
    for row in (small, large):
        assert row["add10_s"] > 0 and row["add10_empty_s"] > 0 and row["disk_mb"] > 0 and row["rss_mb"] > 0
        assert row["extractive_p50_ms"] > 0 and row["articles_tab_s"] >= 0 and row["timeline_tab_s"] >= 0
        assert row["llm_first_token_p50_ms"] is None
    assert result["growth"]["from"] == 2 and result["growth"]["to"] == 5


def test_no_dataset_skips_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    result = scale.main(["--data", str(tmp_path / "absent"), "--out", str(out)])
    assert result.get("skipped") and json.loads(out.read_text()).get("skipped")


def test_a_served_process_reports_its_own_peak_memory_not_its_parents() -> None:
    """getrusage's ru_maxrss is inherited from the process that starts another: the 20,000-article server, started
    by the benchmark process that had just added articles to the store, reported that process's 4.18 GB. The
    benchmark reads the server's own peak (VmHWM) instead."""
    import subprocess
    import sys

    from app.config import PROJECT_ROOT

    ballast = bytearray(600 * 2**20)  # this process: 600 MB more, every page touched
    ballast[:: 4096] = b"\1" * len(range(0, len(ballast), 4096))
    code = ("import resource; from benchmarks.common import peak_rss_mb; "
            "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    own, inherited = (float(x) for x in done.stdout.split())
    assert inherited > 600, "ru_maxrss carries the parent's peak (the error this guards against)"
    assert own < 450, own  # the child itself: Python with the app's light imports
    del ballast
