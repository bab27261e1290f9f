"""Bad input never breaks Chronicle: every odd file is ingested sensibly or refused by name and reason, and every
odd question gets a clear reply.

Most cases go through ``app.ingest.pipeline.ingest_paths`` on a private temporary store with the real embedding model;
the folder of mixed good and bad files, the 50 MB file and one question also go through the real command line
(``python ingest.py``, ``python -m app ask``) in a subprocess.
"""

from __future__ import annotations

import json
import random
import time
import tracemalloc
from pathlib import Path

import pytest

from app.config import Settings
from app.ingest.pipeline import IngestReport, ingest_paths
from app.records import StoredArticle
from app.text.articles import read_file
from tests.conftest import SEED, hash_encode, make_settings
from tests.helpers_net import chronicle_env, run_cli

GOOD_BODY = (
    "The harbour authority of Bergen said on Monday that the new ferry terminal will open in March. "
    "Officials said the terminal cost 40 million euros.\n\n"
    "Mayor Ingrid Lunde said the project was finished on time.\n"
)


def good_article(title: str = "Bergen opens ferry terminal", date: str = "2023-09-18", extra: str = "") -> str:
    return f"{date}\n{title}\n\n{GOOD_BODY}{extra}"


def ingest(tmp_path: Path, *paths: Path, **kwargs: object) -> tuple[IngestReport, Settings]:
    settings = make_settings(tmp_path / "store")
    return ingest_paths(list(paths), settings, **kwargs), settings  # type: ignore[arg-type]


def stored(settings: Settings) -> dict[str, StoredArticle]:
    from app.store.registry import get_store

    return get_store(settings).articles()


def chunk_texts(settings: Settings) -> list[str]:
    from app.store.registry import get_store

    return [p.text for p in get_store(settings).all_passages()]


# --- files that are not articles ------------------------------------------------------------------------------


def test_empty_file_is_refused_by_name(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    report, settings = ingest(tmp_path, f)
    assert report.added == 0 and not stored(settings)
    assert report.errors == [(str(f), "the file is empty")]


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "blank.md"
    f.write_text(" \n\t\n   \r\n\n")
    report, settings = ingest(tmp_path, f)
    assert report.added == 0 and not stored(settings)
    assert len(report.errors) == 1 and report.errors[0][0] == str(f)
    assert "empty" in report.errors[0][1] and "whitespace" in report.errors[0][1]


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 20, "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, "PNG"),
        (random.Random(7).randbytes(20_000), "binary"),
    ],
)
def test_binary_file_named_txt_is_refused_with_what_it_is(tmp_path: Path, payload: bytes, what: str) -> None:
    f = tmp_path / "report.txt"
    f.write_bytes(payload)
    report, settings = ingest(tmp_path, f)
    assert report.added == 0 and not stored(settings)
    assert len(report.errors) == 1
    name, reason = report.errors[0]
    assert name == str(f)
    assert (what in reason and "not a text article" in reason) or (what == "binary" and "not valid text" in reason)


def test_a_page_of_symbols_is_refused_and_does_not_break_the_keyword_index(tmp_path: Path) -> None:
    f = tmp_path / "symbols.txt"
    f.write_bytes(b"\xa5" * 20_000)  # valid Latin-1 ("¥¥¥..."), but no word in it
    report, settings = ingest(tmp_path, f)
    assert report.added == 0 and not stored(settings)
    assert report.errors == [(str(f), "no words found in the text (symbols or binary data?)")]
    good = tmp_path / "good.txt"
    good.write_text(good_article())
    assert ingest_paths([good], settings).added == 1


def test_latin1_text_is_decoded_not_mangled(tmp_path: Path) -> None:
    f = tmp_path / "latin1.txt"
    f.write_bytes(good_article("Café owners in São Paulo protest", extra="Déjà vu, said a résident.\n").encode("latin-1"))
    report, settings = ingest(tmp_path, f)
    assert report.added == 1, report.summary()
    (meta,) = stored(settings).values()
    assert meta.title == "Café owners in São Paulo protest"
    assert any("Déjà vu, said a résident." in t for t in chunk_texts(settings))


def test_utf8_with_a_few_invalid_bytes_keeps_the_good_characters(tmp_path: Path) -> None:
    f = tmp_path / "broken-utf8.txt"
    f.write_bytes(good_article("Zürich café — ünïcode", extra="A stray byte STRAY here.\n").encode().replace(b"STRAY", b"\xff"))
    report, settings = ingest(tmp_path, f)
    assert report.added == 1, report.summary()
    (meta,) = stored(settings).values()
    assert meta.title == "Zürich café — ünïcode"  # not mojibake like "ZÃ¼rich"
    assert any("A stray byte \ufffd here." in t for t in chunk_texts(settings))


# --- size limits --------------------------------------------------------------------------------------------


def test_50mb_file_is_refused_fast_by_name_and_reason_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "huge.txt"
    line = ("Officials said the talks would resume next week in Geneva. " * 100 + "\n").encode()
    with f.open("wb") as fh:
        for _ in range(50_000_000 // len(line) + 1):
            fh.write(line)
    assert f.stat().st_size > 50_000_000

    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    tracemalloc.start()
    t0 = time.perf_counter()
    report, settings = ingest(tmp_path, f)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.added == 0 and not stored(settings)
    assert report.errors == [(str(f), "50.0 MB is over the 20 MB limit for one article")]
    assert read == [], "the file was read before its size was checked"
    assert peak < 20_000_000, f"peak Python allocation {peak / 1e6:.1f} MB"
    assert elapsed < 15, f"{elapsed:.1f} s to refuse a file by its size"


def test_50mb_file_is_refused_by_the_cli_with_a_clear_message(tmp_path: Path) -> None:
    f = tmp_path / "huge.md"
    with f.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: only the size matters, and the CLI must not read it
    t0 = time.perf_counter()
    done = run_cli(["ingest.py", "--quiet", str(f)], chronicle_env(tmp_path / "store"), timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{f}: 50.0 MB is over the 20 MB limit for one article" in done.stderr
    assert "0 article(s) added" in done.stderr
    assert time.perf_counter() - t0 < 60


def test_1mb_single_line_becomes_bounded_passages(tmp_path: Path) -> None:
    rnd = random.Random(1)
    vocab = ("the council said on Monday that troops would move north while officials in Baku and Yerevan met "
             "again last week to discuss the border crossing near the river").split()
    line = " ".join(rnd.choice(vocab) for _ in range(200_000))[:1_000_000].rstrip()
    f = tmp_path / "one-line.txt"
    f.write_text(f"2023-09-18\nA very long wire dump\n\n{line}\n")
    t0 = time.perf_counter()
    report, settings = ingest(tmp_path, f, encode=hash_encode)
    elapsed = time.perf_counter() - t0
    assert report.added == 1 and not report.errors, report.summary()
    texts = chunk_texts(settings)
    assert len(texts) >= 1_000_000 // 450
    assert max(len(t) for t in texts) <= settings.chunk_max_chars
    assert sum(len(t.replace(" ", "")) for t in texts) == len(line.replace(" ", ""))  # nothing lost
    assert elapsed < 120, f"{elapsed:.1f} s"


def test_1mb_line_without_spaces_is_cut_hard_but_kept(tmp_path: Path) -> None:
    f = tmp_path / "base64ish.txt"
    blob = "".join(random.Random(2).choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(1_000_000))
    f.write_text(f"2023-09-18\nAn attachment pasted as text\n\n{blob}\n")
    report, settings = ingest(tmp_path, f, encode=hash_encode)
    assert report.added == 1, report.summary()
    texts = chunk_texts(settings)
    assert max(len(t) for t in texts) <= settings.chunk_max_chars
    assert sum(len(t) for t in texts) == len(blob)


# --- formats ------------------------------------------------------------------------------------------------


def test_html_scripts_styles_and_handlers_are_never_ingested(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Ferry terminal opens in Bergen</title>"
        "<script>var SECRET_TOKEN_SCRIPT = 'steal cookies'; document.write('INJECTED_BY_SCRIPT');</script>"
        "<style>.x { content: 'STYLE_TEXT_LEAK' }</style>"
        '<meta property="article:published_time" content="2023-09-18"></head><body>'
        "<nav>Home | World | SPORTS_MENU_ITEM</nav><article><h1>Ferry terminal opens in Bergen</h1>"
        + "".join(f"<p>{p}</p>" for p in GOOD_BODY.split("\n") if p)
        + '<p onclick="alert(\'ONCLICK_HANDLER\')">The terminal serves 2,000 passengers a day.</p>'
        "<script type=\"application/ld+json\">{\"headline\": \"LDJSON_TEXT\"}</script>"
        "</article><footer>Copyright FOOTER_TEXT</footer></body></html>"
    )
    report, settings = ingest(tmp_path, f)
    assert report.added == 1, report.summary()
    from app.store.registry import get_store

    store = get_store(settings)
    article_text = store.article_text(next(iter(store.articles()))) or ""
    everything = article_text + "\n".join(chunk_texts(settings))
    assert "Mayor Ingrid Lunde said the project was finished on time." in everything
    for leaked in ("SECRET_TOKEN_SCRIPT", "INJECTED_BY_SCRIPT", "steal cookies", "STYLE_TEXT_LEAK", "ONCLICK_HANDLER",
                   "LDJSON_TEXT", "<script", "document.write"):
        assert leaked not in everything, leaked


def test_jsonl_with_one_broken_line_ingests_the_others_and_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    records = [
        {"title": f"Story {i} from the harbour", "text": GOOD_BODY.replace("Bergen", f"Town{i}"), "published": "2023-09-18"}
        for i in range(4)
    ]
    lines = [json.dumps(r) for r in records]
    lines.insert(2, '{"title": "broken", "text": "no closing quote}')
    f.write_text("\n".join(lines) + "\n")
    report, settings = ingest(tmp_path, f)
    assert report.added == 4, report.summary()
    assert len(stored(settings)) == 4
    assert len(report.errors) == 1
    name, reason = report.errors[0]
    assert name == f"{f}:3" and "invalid JSON" in reason


def test_records_without_url_from_one_publisher_are_distinct_articles(tmp_path: Path) -> None:
    """A record's "source" names its publisher: two url-less records of one publisher are two articles, not one
    version of the other (before, the second silently replaced the first)."""
    f = tmp_path / "feed.jsonl"
    records = [{"title": f"Story {i}", "text": GOOD_BODY.replace("Bergen", f"Town{i}"), "published": "2023-09-18",
                "source": "Harbour Gazette"} for i in range(3)]
    f.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    report, settings = ingest(tmp_path, f)
    assert report.added == 3 and not report.superseded, report.summary()
    assert len(stored(settings)) == 3
    again, _ = ingest(tmp_path, f)
    assert again.unchanged == 3 and again.added == 0, again.summary()


def test_article_without_a_date_is_ingested_with_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "undated.txt"
    f.write_text(f"Bergen opens ferry terminal\n\n{GOOD_BODY}")
    report, settings = ingest(tmp_path, f)
    assert report.added == 1 and not report.errors, report.summary()
    (meta,) = stored(settings).values()
    assert meta.published is None and meta.title == "Bergen opens ferry terminal"
    assert report.warnings == [(str(f), "no publication date found: relative dates cannot be resolved")]


def test_article_dated_in_the_future_is_ingested_with_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "future.txt"
    f.write_text(good_article(date="2091-05-04"))
    report, settings = ingest(tmp_path, f)
    assert report.added == 1 and not report.errors, report.summary()
    (meta,) = stored(settings).values()
    assert meta.published == "2091-05-04"  # kept as written: the user may know better (an embargoed copy)
    assert len(report.warnings) == 1
    assert report.warnings[0][0] == str(f) and "2091-05-04 is in the future" in report.warnings[0][1]


def test_today_is_not_the_future(tmp_path: Path) -> None:
    import datetime as dt

    f = tmp_path / "today.txt"
    f.write_text(good_article(date=dt.date.today().isoformat()))
    assert read_file(f, 10**6).articles[0].warnings == ()


def test_same_article_under_another_file_name_is_not_duplicated(tmp_path: Path) -> None:
    a = tmp_path / "a" / "nk.txt"
    b = tmp_path / "b" / "copy of nk (1).txt"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_bytes(SEED.read_bytes())
    b.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))  # and saved on Windows
    report, settings = ingest(tmp_path, a.parent, b.parent)
    assert (report.added, report.unchanged) == (1, 1), report.summary()
    assert len(stored(settings)) == 1
    texts = chunk_texts(settings)
    assert len(texts) == len(set(texts))
    again = ingest_paths([b], settings)
    assert (again.added, again.unchanged) == (0, 1)
    assert len(stored(settings)) == 1


def test_folder_mixing_good_and_bad_files_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "good1.txt").write_text(good_article())
    (folder / "sub" / "good2.md").write_text(good_article("Oslo rail line reopens").replace("Bergen", "Oslo"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "scan.txt").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    (folder / "bad.json").write_text('{"title": "x", "text": ')
    (folder / "notes.jsonl").write_text(
        json.dumps({"title": "Tallinn port expands", "text": GOOD_BODY.replace("Bergen", "Tallinn"),
                    "published": "2023-09-17"}) + "\nnot json at all\n"
    )
    (folder / "ignored.docx").write_bytes(b"PK\x03\x04")  # not a supported suffix: not picked up from a folder
    done = run_cli(["ingest.py", "--quiet", str(folder)], chronicle_env(tmp_path / "store"))
    assert done.returncode == 1, done.stdout + done.stderr
    err = done.stderr
    assert "6 file(s): 3 article(s) added" in err, err
    assert "3 problem(s)" not in err  # four problems: empty, PDF, bad JSON, one bad JSONL line
    assert "4 problem(s)" in err, err
    assert f"{folder / 'empty.txt'}: the file is empty" in err
    assert f"{folder / 'scan.txt'}: this is a PDF document, not a text article" in err
    assert f"{folder / 'bad.json'}: invalid JSON" in err
    assert f"{folder / 'notes.jsonl'}:2: invalid JSON line" in err
    assert "ignored.docx" not in err
    settings = make_settings(tmp_path / "store")
    titles = sorted(m.title for m in stored(settings).values())
    assert titles == ["Bergen opens ferry terminal", "Oslo rail line reopens", "Tallinn port expands"]


def test_missing_path_is_reported_not_a_traceback(tmp_path: Path) -> None:
    done = run_cli(["ingest.py", "--quiet", str(tmp_path / "nope.txt")], chronicle_env(tmp_path / "store"))
    assert done.returncode == 1
    assert "nope.txt: no such file" in done.stderr and "Traceback" not in done.stderr


# --- questions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("", "Please type a question."),
        ("   \n\t  ", "Please type a question."),
        ("\x00\x07\x1b\x7f\u200b", "Please type a question"),
        ("?!?! ...", "Please type a question with words in it."),
        ("What did Turkey say? " * 5000, "the limit is 2,000"),
    ],
)
def test_bad_questions_get_a_clear_reply(seed_chronicle, question: str, expect: str) -> None:
    answer = seed_chronicle.ask(question, mode="extractive")
    assert expect in answer.text
    assert answer.route == "refused" and answer.abstained and not answer.citations


def test_100kb_question_is_refused_quickly_with_the_limit(seed_chronicle) -> None:
    question = ("Azerbaijan Armenia Karabakh " * 4000)[:100_000]
    t0 = time.perf_counter()
    answer = seed_chronicle.ask(question, mode="extractive")
    assert time.perf_counter() - t0 < 2
    assert "100,000 characters long; the limit is 2,000" in answer.text
    assert len(answer.question) <= 200  # the refused text is not echoed back in full


def test_control_characters_inside_a_real_question_are_ignored(seed_chronicle) -> None:
    answer = seed_chronicle.ask("What did\x00 Turkey\x1b[31m say?\x07", mode="extractive")
    assert "Turkey said it supported Baku" in answer.text and answer.citations


@pytest.mark.parametrize(
    "question",
    [
        "Что сказала Россия о Карабахе?",
        "ماذا قالت تركيا عن أذربيجان؟",
        "美国对阿塞拜疆说了什么？",
        "Qu'a dit la France ?",
        "🤔🔥 Karabakh??",
        "\u202eWhat did Turkey say?",
    ],
)
def test_questions_in_other_languages_and_scripts_never_crash(seed_chronicle, question: str) -> None:
    answer = seed_chronicle.ask(question, mode="extractive")
    assert answer.text.strip()
    valid = {s.n for s in answer.sources}
    assert {c.n for c in answer.citations} <= valid
    assert answer.abstained or answer.citations


def test_odd_question_through_the_cli(seed_settings: Settings) -> None:
    env = chronicle_env(seed_settings.vectorstore_dir)
    done = run_cli(["-m", "app", "ask", "--mode", "extractive", "--json", "\x07Что сказала Турция?\x1b"], env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["answer"].strip() and out["mode"] == "extractive"
    long_q = run_cli(["-m", "app", "ask", "--mode", "extractive", "x" * 5000], env)
    assert long_q.returncode == 0, long_q.stderr
    assert "the limit is 2,000" in long_q.stdout and "Traceback" not in long_q.stderr
