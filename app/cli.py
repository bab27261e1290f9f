"""Command line: every command of `python -m app` (and `python ingest.py`, which is `ingest`).

  ask "QUESTION" [--mode auto|llm|extractive] [--as-of DATE] [--json]   one answer; --json prints the stable JSON shape
  ingest FILE|DIR [...]                                       add articles (idempotent, resumable)
  articles [--json]                                           list the stored articles
  remove ID|URL|PATH [...]                                    remove articles with their passages, statements, events
  timeline [--actor X] [--from DATE] [--to DATE] [--json]     dated events in order (the flat list)
  timeline --about STORY [--dates N] [--from DATE] [--to DATE] [--as-of DATE] [--format F] [--output FILE]
                                                              a story's timeline: the N dates that mattered, cited
  timeline --about ACTOR [--since DATE] [--kind auto|story|actor]  a person's or organisation's timeline; --since:
                                                              only what is new since that day
  timeline --about STORY --headlines [--json | --format F]    then a model-written, guarded headline per day
  serve [--port P] [--share-on-network]                       the web chat (127.0.0.1 unless told otherwise)
  run                                                         ingest the bundled sample articles, then serve
  prepare                                                     assemble and verify the packaged LLM, generate one token

Everything goes through the facade (app.Chronicle) and the public records; heavy imports happen inside commands,
so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import EXPORT_FORMATS, Settings, load_settings

if TYPE_CHECKING:
    from app import Chronicle, StoryTimeline, TimelineEvent

NO_ARTICLES = "No articles ingested yet: run `python ingest.py data/articles` first."
PROBE_ADVICE = """What to do:
  - rebuild llama-cpp-python for this CPU: rm -rf ~/.cache/chronicle/wheels .venv/.setup-* && make setup
    (scripts/cpu_flags.py picks the build flags: AVX2 / AVX-512 as the CPU has them, never AMX);
  - or use a model server on this or a bigger machine (Ollama, vLLM, llama.cpp's llama-server):
    CHRONICLE_LLM_BACKEND=openai CHRONICLE_LLM_BASE_URL=http://HOST:PORT/v1 CHRONICLE_LLM_MODEL=NAME;
  - or answer without a model: CHRONICLE_ANSWER_MODE=extractive (quoted, cited sentences).
Chronicle keeps working meanwhile: each LLM answer falls back to the extractive one, with a note."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "vectorstore_dir", None):
        overrides["vectorstore_dir"] = Path(args.vectorstore_dir)
    if getattr(args, "mode", None):
        overrides["answer_mode"] = args.mode
    if getattr(args, "k", None):
        overrides["k"] = args.k
    return load_settings(**overrides)


def _chronicle(args: argparse.Namespace) -> Chronicle:
    from app import Chronicle

    return Chronicle(_settings(args))


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}" if not message.startswith("No articles") else message, file=sys.stderr)
    return code


# --- commands ---------------------------------------------------------------------------------------------------


def one_shot(settings: Settings) -> Settings:
    """Settings for one question in a fresh process: the archive is not made the model's cached prefix
    (app.answer.library), since nothing would reuse it. With it, a one-shot question on the bundled article would
    prefill all ~1,800 tokens of it (~20 s here) instead of its own ~240."""
    return settings.model_copy(update={"llm_cached_archive_chars": 0})


def cmd_ask(args: argparse.Namespace) -> int:
    from app import Chronicle

    chron = Chronicle(one_shot(_settings(args)))
    if not chron.articles():
        return _fail(NO_ARTICLES)
    from app import parse_as_of

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        return _fail(f"--as-of: {exc}")
    answer = chron.ask(args.question, mode=args.mode, as_of=as_of)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    print(answer.text)
    for note in answer.notes:
        print(f"note: {note}")
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] {c.title} ({c.published or 'undated'}), chars {c.start}-{c.end}:\n    {c.text}")
    t = answer.timings
    print(f"\n({answer.mode}, {answer.route}; first token {t.get('first_token_ms', 0):.0f} ms, "
          f"total {t.get('total_ms', 0):.0f} ms)")
    return 0


def _shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    index, _, count = text.partition("/")
    try:
        shard = int(index), int(count)
    except ValueError:
        raise SystemExit(f"--shard {text}: expected I/N, e.g. 1/2") from None
    if not 1 <= shard[0] <= shard[1]:
        raise SystemExit(f"--shard {text}: I must be 1 to N")
    return shard


def cmd_ingest(args: argparse.Namespace) -> int:
    report = _chronicle(args).ingest([Path(p) for p in args.paths], progress=not args.quiet, shard=_shard(args.shard))
    for name, warning in report.warnings[:20]:
        print(f"warning: {name}: {warning}", file=sys.stderr)
    print(report.summary(), file=sys.stderr if report.errors else sys.stdout)
    return 1 if report.errors else 0


def cmd_articles(args: argparse.Namespace) -> int:
    articles = _chronicle(args).articles()
    if args.json:
        print(json.dumps([
            {"id": a.article_id, "title": a.title, "published": a.published, "source": a.url or a.source,
             "passages": a.n_chunks}
            for a in articles
        ], ensure_ascii=False))
        return 0
    if not articles:
        print("No articles stored yet: run `python ingest.py FILE|DIR`.")
        return 0
    for a in articles:
        title = " ".join((a.title or "Untitled").split())
        print(f"{a.article_id}  {a.published or 'undated':10}  {a.n_chunks:5} passages  {title[:70]}  "
              f"<{a.url or a.source}>")
    print(f"{len(articles)} article(s)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    report = _chronicle(args).remove(args.refs)
    print(report.summary(), file=sys.stderr if report.not_found else sys.stdout)
    return 1 if report.not_found else 0


def event_json(event: TimelineEvent) -> dict[str, object]:
    """The ``timeline --json`` shape of one event: its first report's fields, plus every report under citations."""
    first = event.citations[0]
    return {
        "date": event.label,
        "granularity": event.granularity,
        "text": event.text,
        "article_id": first.article_id,
        "title": first.title,
        "published": first.published,
        "start": first.start,
        "end": first.end,
        "citations": [dataclasses.asdict(c) for c in event.citations],
    }


def cmd_timeline(args: argparse.Namespace) -> int:
    from app import parse_as_of, parse_date_bound

    try:
        date_from = parse_date_bound(args.date_from)
        date_to = parse_date_bound(args.date_to, upper=True)
        as_of = parse_as_of(args.as_of)
        since = parse_as_of(args.since)
    except ValueError as exc:
        print(f"python -m app timeline: error: {exc} (use YYYY, YYYY-MM or YYYY-MM-DD)", file=sys.stderr)
        return 2
    story = (args.about is not None or args.dates is not None or args.format is not None or args.output is not None
             or args.headlines)
    if (since is not None or args.kind) and args.about is None:
        print("python -m app timeline: error: --since and --kind need --about (the story or actor)", file=sys.stderr)
        return 2
    if story and args.actor:
        print("python -m app timeline: error: --actor filters the flat list; a story is asked with --about",
              file=sys.stderr)
        return 2
    chron = _chronicle(args)
    if not chron.articles():
        return _fail(NO_ARTICLES)
    if story:
        return _story_timeline(chron, args, date_from, date_to, as_of, since)
    events = chron.timeline(args.actor, date_from, date_to)
    if args.json:
        print(json.dumps([event_json(e) for e in events], ensure_ascii=False))
        return 0
    for e in events:
        sources = "; ".join(f"{c.title}, {c.published or 'undated'}" for c in e.citations)
        print(f"{e.label}  {' '.join(e.text.split())}  [{sources}]")
    if not events:
        print("No dated events match.", file=sys.stderr)
    return 0


def _story_timeline(
    chron: Chronicle, args: argparse.Namespace, date_from: dt.date | None, date_to: dt.date | None,
    as_of: dt.date | None, since: dt.date | None = None,
) -> int:
    from app import TimelineError, export_story

    fmt = args.format or ("json" if args.json else "text")
    try:
        timeline = chron.story(args.about or "", n_dates=args.dates if args.dates is not None else 20,
                               sentences_per_date=args.sentences, date_from=date_from, date_to=date_to, as_of=as_of,
                               since=since, kind=args.kind or "auto")
    except TimelineError as exc:
        print(f"python -m app timeline: error: {exc}", file=sys.stderr)
        return 2
    if args.headlines and chron.settings.answer_mode == "extractive":
        print("python -m app timeline: error: --headlines needs the model, and CHRONICLE_ANSWER_MODE=extractive says "
              "not to use one (set it to llm or auto)", file=sys.stderr)
        return 2
    if args.headlines and fmt == "json" and timeline.days:  # one object: the timeline and every day's headline
        heads = list(chron.headlines(timeline))
        record = json.loads(export_story(timeline, "json", {h.date: h for h in heads}))
        record["headlines"] = [h.to_json() for h in heads]  # the refused ones' proposals too, for debugging
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    elif args.headlines and fmt != "text" and timeline.days:  # a file to publish: the kept headlines in it
        text = export_story(timeline, fmt, {h.date: h for h in chron.headlines(timeline)})
    else:
        text = export_story(timeline, fmt)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(timeline.days)} dates)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if timeline.message:
        print(timeline.message, file=sys.stderr)
    if args.headlines and fmt == "text" and timeline.days:
        _print_headlines(chron, timeline)
    if timeline.undated:
        print(f"{len(timeline.undated)} article(s) of the story have no publication date and could not be placed: "
              + "; ".join(timeline.undated[:10]), file=sys.stderr)
    return 0 if timeline.days else 1


def _print_headlines(chron: Chronicle, timeline: StoryTimeline) -> None:
    """The timeline is on the screen already; each day's headline follows as the model writes it (seconds a day)."""
    print("\nHeadlines, written by the model one day at a time (a headline the citation guard refuses leaves the day "
          "its line):", flush=True)
    for h in chron.headlines(timeline):
        if h.by == "model":
            print(f"{h.date.isoformat()}  {h.text}  ({h.seconds:.1f} s)", flush=True)
        else:
            print(f"{h.date.isoformat()}  [line kept: {h.reason}] {h.text}", flush=True)


def cmd_serve(args: argparse.Namespace, ingest_samples: bool = False) -> int:
    from app.ui.app import launch

    settings = _settings(args)
    update: dict[str, object] = {}
    if args.port:
        update["port"] = args.port
    if args.host:
        update["host"] = args.host
    settings = settings.model_copy(update=update) if update else settings
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not args.share_on_network:
        return _fail(f"refusing to listen on {settings.host}: pass --share-on-network (and set "
                     "CHRONICLE_AUTH_USER / CHRONICLE_AUTH_PASSWORD) to expose Chronicle beyond this machine.")
    if args.share_on_network and not (settings.auth_user and settings.auth_password):
        return _fail("--share-on-network requires CHRONICLE_AUTH_USER and CHRONICLE_AUTH_PASSWORD.")
    if ingest_samples:
        from app import Chronicle

        print(Chronicle(settings).ingest([settings.sample_dir]).summary())
    launch(settings, prewarm=not args.no_prewarm)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Assemble and verify the packaged GGUF, then generate one token in a child process (setup runs this, so
    neither a missing model nor a build that crashes on this CPU is left for the first question to find)."""
    chron = _chronicle(args)
    print("prepare: checking the model (one token, generated in a child process) ...", flush=True)
    check = chron.check_model()
    if check.outcome in ("skipped", "ok"):
        extra = f" ({check.seconds:.1f} s to load and generate one token)" if check.outcome == "ok" else ""
        print(f"prepare: {check.message}{extra}.")
        return 0
    if check.outcome == "missing":
        return _fail(check.message)
    print(f"error: the model cannot generate on this machine: {check.message}.", file=sys.stderr)
    if check.detail:
        print("its last output:\n  " + "\n  ".join(check.detail.splitlines()[-12:]), file=sys.stderr)
    print(PROBE_ADVICE, file=sys.stderr)
    return 1


# --- parser -----------------------------------------------------------------------------------------------------

COMMANDS = {
    "ask": cmd_ask, "ingest": cmd_ingest, "articles": cmd_articles, "remove": cmd_remove, "timeline": cmd_timeline,
    "serve": cmd_serve, "run": lambda a: cmd_serve(a, ingest_samples=True), "prepare": cmd_prepare,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Chronicle: cited Q&A over news articles.")
    parser.add_argument("--vectorstore-dir", help="overrides CHRONICLE_VECTORSTORE_DIR")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        # Also accepted after the command (`python -m app timeline --vectorstore-dir DIR`); SUPPRESS keeps a value
        # given before the command.
        sp.add_argument("--vectorstore-dir", default=argparse.SUPPRESS, help="overrides CHRONICLE_VECTORSTORE_DIR")
        return sp

    ask = command("ask", "answer one question")
    ask.add_argument("question")
    ask.add_argument("--mode", choices=["auto", "llm", "extractive"])
    ask.add_argument("--k", type=int)
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--as-of", metavar="DATE", help="the day the question is asked on (YYYY-MM-DD; YYYY-MM or YYYY: "
                     "its last day): 'this week' is the week before it, and only articles published up to it are used")

    ing = command("ingest", "add articles (files or folders)")
    ing.add_argument("paths", nargs="+")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")
    ing.add_argument("--shard", metavar="I/N", help="only shard I of N of the files (by a hash of each path): N "
                     "processes given the same folder and --shard 1/N ... N/N ingest it at once (into a Chroma server)")

    arts = command("articles", "list the stored articles")
    arts.add_argument("--json", action="store_true", help="print a JSON list")
    rm = command("remove", "remove articles (by id, URL or source path)")
    rm.add_argument("refs", nargs="+", metavar="ID|URL|PATH")

    tl = command("timeline", "a story's key dates (--about), or every dated event in order")
    tl.add_argument("--about", metavar="STORY", help="the story ('Libyan civil war'): its key dates, each cited; "
                    "found by retrieval over the archive ('' = the whole archive)")
    tl.add_argument("--dates", type=int, metavar="N", help="number of dates of the story timeline (default 20)")
    tl.add_argument("--sentences", type=int, default=2, metavar="N", help="sentences per date (default 2)")
    tl.add_argument("--as-of", metavar="DATE", help="only articles published up to this day (YYYY-MM-DD; "
                    "YYYY-MM or YYYY: its last day)")
    tl.add_argument("--format", choices=list(EXPORT_FORMATS), help="story timeline output (default text)")
    tl.add_argument("--output", metavar="FILE", help="write the story timeline to FILE instead of the terminal")
    tl.add_argument("--since", metavar="DATE", help="what is new: only the dates the articles published after this "
                    "day report (new days, and earlier days they change)")
    tl.add_argument("--kind", choices=["auto", "story", "actor"], help="--about is a story or an actor (default auto: "
                    "an actor when the archive knows the name as one, e.g. 'Conrad Murray', 'the Muslim Brotherhood')")
    tl.add_argument("--actor", help="flat list: only events naming this actor (aliases work: Moscow -> Russia)")
    tl.add_argument("--from", dest="date_from", help="YYYY, YYYY-MM or YYYY-MM-DD (inclusive)")
    tl.add_argument("--to", dest="date_to", help="YYYY, YYYY-MM or YYYY-MM-DD (inclusive)")
    tl.add_argument("--json", action="store_true", help="print JSON (flat list: a list of events)")
    tl.add_argument("--headlines", action="store_true", help="story timeline: then a one-line headline per day, "
                    "written by the model from the day's lines after the timeline is shown (a headline naming anything "
                    "the lines do not is refused: the day keeps its line); with --json, under \"headlines\"; with "
                    "--format md, csv or timelinejs, the kept ones in the file")

    command("prepare", "assemble and verify the packaged LLM, then generate one token in a child process")

    for name in ("serve", "run"):
        sp = command(name, "web chat" if name == "serve" else "ingest the sample articles, then serve")
        sp.add_argument("--port", type=int)
        sp.add_argument("--host")
        sp.add_argument("--share-on-network", action="store_true", help="allow a non-loopback --host (needs auth)")
        sp.add_argument("--no-prewarm", action="store_true", help="do not load the LLM before the first question")
        sp.add_argument("--mode", choices=["auto", "llm", "extractive"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from app import EmbeddingError, StoreError

    try:
        return COMMANDS[args.command](args)
    except (StoreError, EmbeddingError) as exc:
        return _fail(str(exc))
