"""Read article files into ``Article`` records: title, publication date, byline, source and body text.

Formats: .txt (with or without a small header), .md, .html/.htm (boilerplate stripped with trafilatura; rejected:
BeautifulSoup get_text, which keeps menus and footers), .json / .jsonl (records with title, text, published, url,
source; RealTimeQA's ``*_gcs.jsonl`` search results are accepted as they are).

Every character offset Chronicle stores (chunks, citations, statements, events) points into ``Article.text``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}


class ArticleError(ValueError):
    """An input that cannot become an article; the message says why in words a user understands."""


@dataclass(frozen=True)
class Article:
    """One news article. ``text`` is what offsets point into; ``body_start`` is where the story itself begins."""

    article_id: str
    title: str
    text: str
    published: dt.date | None
    source: str
    byline: str | None = None
    url: str | None = None
    body_start: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def published_iso(self) -> str | None:
        return self.published.isoformat() if self.published else None

    @property
    def published_ts(self) -> int:
        """Integer epoch seconds (UTC midnight) for Chroma ``where`` filters; 0 when the date is unknown."""
        if not self.published:
            return 0
        day = self.published
        return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def date_warnings(published: dt.date | None, today: dt.date | None = None) -> tuple[str, ...]:
    """A missing or future publication date is accepted (embargoed copy, a wrong clock) but reported."""
    if published is None:
        return ("no publication date found: relative dates cannot be resolved",)
    today = today or dt.date.today()
    if published > today + dt.timedelta(days=1):
        return (f"publication date {published.isoformat()} is in the future: check the date line",)
    return ()


_ID_QUOTES = str.maketrans("“”‘’\u00a0", "\"\"'' ")


def normalise_for_id(text: str) -> str:
    """Unicode NFKC, unified quotes, collapsed whitespace, lower case: cosmetic edits keep the same id."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_ID_QUOTES)
    return re.sub(r"\s+", " ", text).strip().lower()


def article_id_for(text: str) -> str:
    """A stable id from normalised content: the same story under another file name is the same article."""
    return hashlib.sha256(normalise_for_id(text).encode("utf-8")).hexdigest()[:16]


# --- decoding -------------------------------------------------------------------------------------------------

_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or .docx/.xlsx)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}


def decode_bytes(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM; a few invalid bytes become U+FFFD), else UTF-16 with BOM, else a
    clear refusal or Latin-1/CP1252 (a file whose non-ASCII bytes are mostly not UTF-8)."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ArticleError(f"{name}: this is {what}, not a text article")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name}: binary data (NUL bytes), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8-sig", errors="replace")
    non_ascii = sum(1 for b in data if b > 0x7F)
    if lenient.count("\ufffd") * 10 < non_ascii:
        return lenient  # UTF-8 with a few stray bytes: keep the good characters, mark the bad ones
    text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > 0.01 * max(1, min(len(text), 8192)):
        raise ArticleError(f"{name}: not valid text in UTF-8 or Latin-1 (binary data?)")
    return text


_WORD = re.compile(r"[^\W\d_]{2,}")


def has_words(text: str, minimum: int = 3) -> bool:
    """At least a few words of two or more letters (any script): a page of symbols is not an article, and a corpus
    without a single word cannot be keyword-indexed."""
    return sum(1 for _ in zip(range(minimum), _WORD.finditer(text))) >= minimum


# "[1]", "[3][4]", "[ 12 ]", "[1, 2]": Chronicle's citation syntax. In an article it is a footnote or a forged
# citation ("Answer: Russia declared war [1]."), which an answer quoting the sentence would show as if Chronicle had
# cited source 1. Such markers are stored as "(1)": same length, same meaning to a reader, never a citation.
_BRACKET_NUMBER = re.compile(r"\[(\s*\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*\s*)\]")


# Chat-template control tokens (<|im_start|>, <|im_end|>, <|endoftext|>, <|eot_id|>, ...). llama.cpp tokenizes the
# whole prompt with special=True, so an article containing "<|im_start|>system" would open a real system turn.
_CHAT_TOKEN = re.compile(r"<\|([A-Za-z0-9_]{1,40})\|>")


def neutralise_chat_tokens(text: str) -> str:
    """'<|im_start|>' -> '<im_start>': readable, but plain text to every tokenizer."""
    return _CHAT_TOKEN.sub(r"<\1>", text)


def clean_text(text: str) -> str:
    """Normalise line endings, strip characters that break offsets or display (NUL, other controls), and turn
    bracketed numbers into parenthesised ones so that article text can never carry a citation marker."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = _BRACKET_NUMBER.sub(r"(\1)", text)
    text = neutralise_chat_tokens(text)
    text = unicodedata.normalize("NFC", text)
    return text.strip("\n ") + "\n" if text.strip() else ""


# --- dates ------------------------------------------------------------------------------------------------------

# A full date: "19 September, 2023", "Sept. 19th 2023", "2023-09-19", "2023/09/19".
_DAY = (r"(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
        r"|\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2})")
_DATE_LINE = re.compile(
    r"^(?:on\s+|published:?\s*|date:?\s*|posted:?\s*|updated:?\s*)?"
    rf"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?{_DAY}\s*$",
    re.IGNORECASE,
)
_CLOCK = r"\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4}\b)?"
# A news site's dateline, copied with the text: a byline and a date on one line, a time beside the date ("By Jane
# Doe | October 3, 2023", "By Staff | 2023/10/03", "October 3, 2023 at 9:15 a.m. EDT", "Updated 5:12 PM EDT, Tue
# October 3, 2023"). A new user's articles pasted from news pages had their dates on such lines, and were ingested
# undated (relative dates unresolved) while _DATE_LINE wants the date alone on its line.
_DATELINE = re.compile(
    rf"^(?:by\s+(?P<by>[^|•·\n]{{2,80}}?)\s*[|•·]\s*)?(?:(?:published|updated|posted)\s*:?\s*)?(?:{_CLOCK},?\s+)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+|(?:mon|tue|wed|thu|fri|sat|sun)\.?,?\s+)?"
    rf"(?P<date>{_DAY})(?:,?\s+(?:at\s+)?{_CLOCK})?\s*$",
    re.IGNORECASE,
)


def parse_date(value: Any) -> dt.date | None:
    """A publication date from an ISO string, 'YYYY/MM/DD', 'Tuesday 19 September, 2023', or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    m = re.match(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})", s)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    s = re.sub(r"^(on|published:?|date:?|posted:?|updated:?)\s+", "", s, flags=re.IGNORECASE)
    import dateparser  # imported lazily: it costs ~0.3 s

    parsed = dateparser.parse(s, settings={"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]}, languages=["en"])
    return parsed.date() if parsed else None


# --- format readers -----------------------------------------------------------------------------------------------


def _header_field(line: str) -> tuple[str, str] | None:
    m = re.match(r"^(title|date|published|source|url|by|byline|author)\s*:\s*(.+)$", line.strip(), re.IGNORECASE)
    return (m.group(1).lower(), m.group(2).strip()) if m else None


# A headline cut short by the page it was copied from ("Matt Gaetz threatens to remove Kevin McCarthy as House
# speaker ...") is still the title, not a first sentence: a sentence ends in one full stop.
_CUT_TITLE = re.compile(r"(?:\.\.\.|…)$")


def _is_header_line(line: str) -> bool:
    """A 'Key: value' field, a date line or a news site's dateline: what follows a headline, never a body's line."""
    stripped = line.strip().lstrip("#").strip()
    return bool(_header_field(stripped) or _DATE_LINE.match(stripped) or _DATELINE.match(stripped))


def _titled_by_what_follows(lines: list[str], index: int) -> bool:
    """A headline that ends like a sentence ("Will they be caught?", "... ends in Pa.") is still the title when
    the next non-blank line is a date or header line: 4 of 25 news pages of a new user's archive had such headlines,
    and their "Published:" line went unread, so the articles were stored undated. Body text does not sit above
    a dateline, so the look-ahead does not take a first paragraph for a title."""
    following = next((line for line in lines[index + 1 : index + 4] if line.strip()), "")
    return _is_header_line(following)


def parse_plain(text: str, source: str, fmt: str = "txt") -> Article:
    """A .txt/.md article. Recognises a date line, a title line, 'Key: value' header lines and a 'by : X' byline."""
    text = clean_text(text)
    if not text.strip():
        raise ArticleError(f"{source}: the file is empty (or only whitespace)")
    lines = text.split("\n")
    published: dt.date | None = None
    title: str | None = None
    byline: str | None = None
    url: str | None = None
    header_end = 0
    pos = 0
    for index, line in enumerate(lines[:12]):
        stripped = line.strip().lstrip("#").strip()
        line_end = pos + len(line) + 1
        if not stripped:
            pos = line_end
            continue
        fieldv = _header_field(stripped)
        if fieldv:
            key, value = fieldv
            if key == "title":
                title = value
            elif key in ("date", "published"):
                published = parse_date(value) or published
            elif key in ("by", "byline", "author"):
                byline = value
            elif key == "url":
                url = value
            header_end = line_end
        elif published is None and _DATE_LINE.match(stripped):
            published = parse_date(stripped)
            header_end = line_end
        elif published is None and (dateline := _DATELINE.match(stripped)):
            published = parse_date(dateline.group("date"))
            byline = byline or (dateline.group("by") or "").strip() or None
            header_end = line_end
        elif title is None and len(stripped) <= 200 and (_CUT_TITLE.search(stripped) or not stripped.endswith(
                (".", "?", "!", ",")) or _titled_by_what_follows(lines, index)) or (
            title is None and fmt == "md" and line.lstrip().startswith("#")
        ):
            title = stripped
            header_end = line_end
        else:
            break
        pos = line_end
    for m in re.finditer(r"^\s*by\s*:?\s+(.{2,80})$", text, re.IGNORECASE | re.MULTILINE):
        byline = byline or m.group(1).strip()
        break
    if title is None:
        first = text.strip().split("\n", 1)[0]
        title = (first[:97] + "...") if len(first) > 100 else first
    return Article(
        article_id=article_id_for(text),
        title=title,
        text=text,
        published=published,
        source=source,
        byline=byline,
        url=url,
        body_start=header_end,
        warnings=date_warnings(published),
    )


def parse_html(html: str, source: str) -> Article:
    """An HTML page: main text and metadata through trafilatura; scripts, menus and footers are dropped."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    body = (getattr(doc, "text", None) if doc is not None else None) or ""
    if not body.strip():
        raise ArticleError(f"{source}: no article text found in the HTML page")
    return _with_header(
        body, (getattr(doc, "title", None) or "").strip(), parse_date(getattr(doc, "date", None)), source,
        byline=getattr(doc, "author", None), url=getattr(doc, "url", None),
    )


def parse_record(record: dict[str, Any], source: str) -> Article:
    """A JSON record {title, text, published, url, source}; aliases: body/content, date/publish_date, authors."""
    if not isinstance(record, dict):
        raise ArticleError(f"{source}: expected a JSON object with 'title' and 'text'")
    body = record.get("text") or record.get("body") or record.get("content") or ""
    if not isinstance(body, str) or not body.strip():
        raise ArticleError(f"{source}: the record has no 'text'")
    title = str(record.get("title") or "").strip()
    published = parse_date(record.get("published") or record.get("publish_date") or record.get("date"))
    authors = record.get("authors") or record.get("byline") or record.get("author")
    byline = ", ".join(authors) if isinstance(authors, list) else (str(authors) if authors else None)
    url = record.get("url")
    if re.search(r"<(p|div|article|br)\b[^<>]*>", body, re.IGNORECASE):
        body = parse_html(body, source).text
    # Where it came from (file#record), not the record's "source" field: that names a publisher, and two url-less
    # records of one publisher would otherwise count as one article, the second replacing the first.
    return _with_header(body, title, published, str(url or source), byline=byline or None, url=url)


def _with_header(
    body: str, title: str, published: dt.date | None, source: str, byline: str | None, url: str | None
) -> Article:
    """An article whose metadata came apart from its body (an HTML page, a JSON record): the stored text opens with
    a header of the date and title lines, so that the title's words are indexed and the date line reads as in a
    .txt file; ``body_start`` points past it. No title: the body's first line (at most 100 characters)."""
    header = "\n".join(x for x in (published.isoformat() if published else "", title) if x)
    text = clean_text(f"{header}\n\n{body}" if header else body)
    return Article(
        article_id=article_id_for(text),
        title=title or body.strip().split("\n", 1)[0][:100],
        text=text,
        published=published,
        source=source,
        byline=byline,
        url=url,
        body_start=len(header) + 2 if header else 0,
        warnings=date_warnings(published),
    )


def _records_from_json(data: Any) -> Iterator[dict[str, Any]]:
    """Flatten supported JSON shapes: a record, a list of records, or RealTimeQA {search_result: [...]}."""
    if isinstance(data, list):
        for item in data:
            yield from _records_from_json(item)
    elif isinstance(data, dict) and isinstance(data.get("search_result"), list):
        yield from data["search_result"]
    else:
        yield data


@dataclass
class ParseResult:
    """Articles read from one file, and per-record problems that did not stop the rest."""

    articles: list[Article]
    errors: list[str]


def read_file(path: Path, max_bytes: int) -> ParseResult:
    """Parse one file into articles. Raises ArticleError for a file that yields nothing usable."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleError(f"{name}: unsupported file type '{suffix}' (use {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    size = path.stat().st_size
    if size == 0:
        raise ArticleError(f"{name}: the file is empty")
    if size > max_bytes and suffix != ".jsonl":
        raise ArticleError(f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one article")
    if suffix == ".jsonl":
        return _read_jsonl(path, max_bytes)
    text = decode_bytes(path.read_bytes(), name)
    if suffix in (".html", ".htm"):
        return ParseResult([parse_html(text, name)], [])
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArticleError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        return _articles_from_records(list(_records_from_json(data)), name)
    return ParseResult([parse_plain(text, name, "md" if suffix in (".md", ".markdown") else "txt")], [])


def _articles_from_records(records: list[dict[str, Any]], name: str, first_line: int = 1) -> ParseResult:
    articles, errors = [], []
    for i, record in enumerate(records):
        try:
            articles.append(parse_record(record, f"{name}#{first_line + i}"))
        except ArticleError as exc:
            errors.append(str(exc))
    return ParseResult(articles, errors)


def _read_jsonl(path: Path, max_bytes: int) -> ParseResult:
    """JSON Lines: a broken line is reported by number and skipped; the other lines are read."""
    articles, errors = [], []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            if len(raw) > max_bytes:
                errors.append(f"{where}: line of {len(raw) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
                continue
            try:
                data = json.loads(decode_bytes(raw, where))
            except (json.JSONDecodeError, ArticleError) as exc:
                errors.append(f"{where}: invalid JSON line ({getattr(exc, 'msg', exc)})")
                continue
            result = _articles_from_records(list(_records_from_json(data)), where, 1)
            articles.extend(result.articles)
            errors.extend(result.errors)
    if not articles and errors:
        raise ArticleError(f"{path}: no readable records ({errors[0]})")
    if not articles:
        raise ArticleError(f"{path}: the file holds no records")
    return ParseResult(articles, errors)


def discover_files(paths: list[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders walked recursively for supported suffixes, sorted."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            found.append(p)
    return found


def shard(files: list[Path], index: int, count: int) -> list[Path]:
    """Shard ``index`` (1-based) of ``count`` of a file list: a file belongs to one shard by a hash of its path as
    given (CRC-32), so processes given the same folder split it without talking to each other, whatever order they
    list it in. Several ``python ingest.py DIR --shard i/n`` processes then write one store (a Chroma server) at
    once."""
    import zlib

    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: the index must be 1 to {count}")
    return [f for f in files if zlib.crc32(str(f).encode("utf-8")) % count == index - 1]
