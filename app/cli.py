"""Command line: `python -m app ask|ingest|serve|run` (and `python ingest.py`, which is `ingest`).

  ask "QUESTION" [--mode llm|extractive] [--json]   one answer; --json prints the stable JSON shape
  ingest FILE|DIR [...]                              add articles (idempotent, resumable)
  serve [--port P] [--share-on-network]              the web chat (127.0.0.1 unless told otherwise)
  run                                                ingest the bundled sample articles, then serve
  timeline [--actor X] [--from DATE] [--to DATE] [--json]   dated events in order
  articles [--json]                                  list the stored articles (id, title, published, source, passages)
  remove ID|URL|PATH [...]                           remove articles with their passages, statements and events
  prepare                                            assemble and verify the packaged LLM, generate one token
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.config import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "vectorstore_dir", None):
        overrides["vectorstore_dir"] = Path(args.vectorstore_dir)
    if getattr(args, "mode", None):
        overrides["answer_mode"] = args.mode
    if getattr(args, "k", None):
        overrides["k"] = args.k
    return load_settings(**overrides)


def cmd_ask(args: argparse.Namespace) -> int:
    from app.chronicle import Chronicle

    settings = _settings(args)
    chron = Chronicle(settings)
    if not chron.store.count("articles"):
        print("No articles ingested yet: run `python ingest.py data/articles` first.", file=sys.stderr)
        return 2
    if args.json:
        answer = chron.ask(args.question, mode=args.mode)
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    answer = None
    for item in chron.stream(args.question, mode=args.mode):
        if isinstance(item, str):
            continue
        answer = item
    assert answer is not None
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


def cmd_ingest(args: argparse.Namespace) -> int:
    from app.store.registry import get_store
    from app.ingest.pipeline import ingest_paths
    from app.store.chroma import StoreError

    settings = _settings(args)
    try:
        store = get_store(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = ingest_paths([Path(p) for p in args.paths], settings, store=store, progress=not args.quiet)
    for name, warning in report.warnings[:20]:
        print(f"warning: {name}: {warning}", file=sys.stderr)
    print(report.summary(), file=sys.stderr if report.errors else sys.stdout)
    return 1 if report.errors else 0


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
        print(
            f"error: refusing to listen on {settings.host}: pass --share-on-network (and set "
            "CHRONICLE_AUTH_USER / CHRONICLE_AUTH_PASSWORD) to expose Chronicle beyond this machine.",
            file=sys.stderr,
        )
        return 2
    if args.share_on_network and not (settings.auth_user and settings.auth_password):
        print("error: --share-on-network requires CHRONICLE_AUTH_USER and CHRONICLE_AUTH_PASSWORD.", file=sys.stderr)
        return 2
    if ingest_samples:
        from app.ingest.pipeline import ingest_paths

        report = ingest_paths([settings.sample_dir], settings, progress=False)
        print(report.summary())
    launch(settings, prewarm=not args.no_prewarm)
    return 0


def _open_store(settings: Settings):  # noqa: ANN202
    from app.store.registry import get_store

    return get_store(settings)


def cmd_articles(args: argparse.Namespace) -> int:
    from app.store.chroma import StoreError

    settings = _settings(args)
    try:
        records = _open_store(settings).article_records()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = sorted(records.items(), key=lambda kv: (-int(kv[1].get("published_ts") or 0), str(kv[1].get("title"))))
    if args.json:
        print(json.dumps([
            {"id": aid, "title": m.get("title") or "", "published": m.get("published") or None,
             "source": m.get("url") or m.get("source") or "", "passages": int(m.get("n_chunks") or 0)}
            for aid, m in rows
        ], ensure_ascii=False))
        return 0
    if not rows:
        print("No articles stored yet: run `python ingest.py FILE|DIR`.")
        return 0
    for aid, m in rows:
        title = " ".join(str(m.get("title") or "Untitled").split())
        print(f"{aid}  {m.get('published') or 'undated':10}  {int(m.get('n_chunks') or 0):5} passages  "
              f"{title[:70]}  <{m.get('url') or m.get('source') or ''}>")
    print(f"{len(rows)} article(s)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from app.ingest.pipeline import remove_articles
    from app.store.chroma import StoreError

    settings = _settings(args)
    try:
        report = remove_articles(args.refs, settings, store=_open_store(settings))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr if report.not_found else sys.stdout)
    return 1 if report.not_found else 0


PROBE_ADVICE = """What to do:
  - rebuild llama-cpp-python for this CPU: rm -rf ~/.cache/chronicle/wheels .venv/.setup-* && make setup
    (scripts/cpu_flags.py picks the build flags: AVX2 / AVX-512 as the CPU has them, never AMX);
  - or use a model server on this or a bigger machine (Ollama, vLLM, llama.cpp's llama-server):
    CHRONICLE_LLM_BACKEND=openai CHRONICLE_LLM_BASE_URL=http://HOST:PORT/v1 CHRONICLE_LLM_MODEL=NAME;
  - or answer without a model: CHRONICLE_ANSWER_MODE=extractive (quoted, cited sentences).
Chronicle keeps working meanwhile: each LLM answer falls back to the extractive one, with a note."""


def cmd_prepare(args: argparse.Namespace) -> int:
    """Assemble and verify the packaged GGUF, then generate one token in a child process (setup runs this, so
    neither a missing model nor a build that crashes on this CPU is left for the first question to find)."""
    from app.answer.llm.process import probe
    from app.answer.llm.model_files import ModelFileError, packaged_model_path

    settings = _settings(args)
    if settings.answer_mode == "extractive":
        print("prepare: extractive mode: no model to check.")
        return 0
    if settings.llm_backend == "openai":
        print(f"prepare: answers come from the server at {settings.llm_base_url}: nothing to assemble here.")
        return 0
    try:
        path = settings.llm_model_path or packaged_model_path(settings.model_cache_dir)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"error: GGUF model file not found: {path} (CHRONICLE_LLM_MODEL_PATH)", file=sys.stderr)
        return 2
    print(f"prepare: model file {path}; generating one token in a child process ...", flush=True)
    result = probe(path, settings.llm_threads)
    if result.ok:
        print(f"prepare: the model runs on this CPU ({result.seconds:.1f} s to load and generate one token).")
        return 0
    print(f"error: the model cannot generate on this machine: the model process {result.status}.", file=sys.stderr)
    if result.detail:
        print("its last output:\n  " + "\n  ".join(result.detail.splitlines()[-12:]), file=sys.stderr)
    print(PROBE_ADVICE, file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Chronicle: cited Q&A over news articles.")
    parser.add_argument("--vectorstore-dir", help="overrides CHRONICLE_VECTORSTORE_DIR")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--mode", choices=["llm", "extractive"])
    ask.add_argument("--k", type=int)
    ask.add_argument("--json", action="store_true", help="print one JSON object")

    ing = sub.add_parser("ingest", help="add articles (files or folders)")
    ing.add_argument("paths", nargs="+")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")

    arts = sub.add_parser("articles", help="list the stored articles")
    arts.add_argument("--json", action="store_true", help="print a JSON list")
    rm = sub.add_parser("remove", help="remove articles (by id, URL or source path)")
    rm.add_argument("refs", nargs="+", metavar="ID|URL|PATH")

    sub.add_parser("prepare", help="assemble and verify the packaged LLM, then generate one token in a child process")

    tl = sub.add_parser("timeline", add_help=False, help="dated events: [--actor X] [--from DATE] [--to DATE] [--json]")
    tl.add_argument("rest", nargs=argparse.REMAINDER)

    for name in ("serve", "run"):
        sp = sub.add_parser(name, help="web chat" if name == "serve" else "ingest the sample articles, then serve")
        sp.add_argument("--port", type=int)
        sp.add_argument("--host")
        sp.add_argument("--share-on-network", action="store_true", help="allow a non-loopback --host (needs auth)")
        sp.add_argument("--no-prewarm", action="store_true", help="do not load the LLM before the first question")
        sp.add_argument("--mode", choices=["llm", "extractive"])
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["timeline"]:  # its own option parser (app/timeline.py)
        from app.query.events import timeline_command

        return timeline_command(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "ask":
        return cmd_ask(args)
    if args.command == "ingest":
        return cmd_ingest(args)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "prepare":
        return cmd_prepare(args)
    if args.command == "articles":
        return cmd_articles(args)
    if args.command == "remove":
        return cmd_remove(args)
    if args.command == "run":
        return cmd_serve(args, ingest_samples=True)
    return 2
