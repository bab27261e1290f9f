"""Many readers at once: real HTTP chat sessions against a served Chronicle, waits by kind of answer.

    python -m benchmarks.load [--sessions 20] [--questions 3] [--mode extractive|llm|mixed] [--store DIR]
                              [--processes N] [--llm-threads T] [--llm-base-url URL[,URL...]] [--out FILE]

Starts ``python -m app serve`` on a free port over ``--store`` (default: a temporary store holding the bundled
article, data/articles, the "seed"), waits for it to answer and to warm up (one extractive question; with the model,
one LLM question), then opens ``--sessions`` sessions at once (a barrier), each asking ``--questions`` questions of
evalsets/seed.jsonl one after another through the chat's Send button, over Gradio's own queue protocol (POST
/gradio_api/queue/join + the SSE stream /gradio_api/queue/data: what the page's JavaScript does; the chat is private,
so gradio_client cannot call it). ``--mode mixed``: even sessions ask in LLM mode, odd ones extractively (the issue-28
scenario: extractive questions asked while LLM answers are in flight).

Per question: ``wait`` = from the click to the first text of the answer (the extractive answer itself, or the model's
first streamed words; "Waiting for the model ..." and the "…" placeholder do not count), ``total`` = to the final
answer; whether the chat showed the reader's place in the model's line, and the highest place shown. Reported by
kind of answer (the mode asked): p50 / p95 / max in seconds, plus ``errors`` (a failed request, or "something went
wrong"), the server's peak RSS (sampled every 0.25 s, psutil) and that of its model processes, separately.
``--processes 2`` starts two embedded model processes (CHRONICLE_LLM_PROCESSES), ``--llm-base-url`` uses external
OpenAI-compatible servers instead (CHRONICLE_LLM_BACKEND=openai).

The machine's load matters: a 2-core machine shared with other jobs slows every answer; the envelope records the
load average at the start.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from gradio_client.utils import apply_diff  # type: ignore[import-untyped]  # gradio_client: no py.typed

from benchmarks.common import RESULTS, ROOT, base_parser, envelope, read_jsonl, write_json

WAITING = "Waiting for the model"


@dataclass
class Asked:
    """One question of one session, as the reader saw it."""

    session: int
    kind: str  # the mode asked: extractive or llm
    question: str
    wait_s: float = 0.0
    total_s: float = 0.0
    place_shown: int = 0  # the highest place in the model's line the chat showed (0: never waited)
    error: str = ""
    answer: str = field(default="", repr=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Session:
    """One browser session over Gradio's queue protocol."""

    def __init__(self, url: str, timeout: float = 900) -> None:
        self.api = f"{url}/gradio_api"
        self.session_hash = uuid.uuid4().hex[:11]
        self.http = httpx.Client(timeout=timeout, trust_env=False)
        config = self.http.get(f"{url}/config").json()
        send = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "chr-send")
        self.trigger = send
        self.fn = next(dep.get("id", i) for i, dep in enumerate(config["dependencies"])
                       if dep.get("backend_fn") and any(t[0] == send and t[1] == "click" for t in dep["targets"]))

    def close(self) -> None:
        self.http.close()

    def ask(self, asked: Asked) -> Asked:
        body = {"data": [asked.question, [], None, asked.kind, "", None], "fn_index": self.fn,
                "session_hash": self.session_hash, "event_data": None, "trigger_id": self.trigger}
        t0 = time.perf_counter()
        first: float | None = None
        state: list[Any] | None = None
        try:
            self.http.post(f"{self.api}/queue/join", json=body).raise_for_status()
            with self.http.stream("GET", f"{self.api}/queue/data", params={"session_hash": self.session_hash}) as r:
                r.raise_for_status()
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    msg = json.loads(line[5:])
                    kind = msg.get("msg")
                    if kind == "process_generating":
                        # the first message holds every output, the later ones diffs of them (gradio_client's own
                        # apply_diff rebuilds the page's state, as the browser does)
                        data = msg.get("output", {}).get("data", [])
                        state = list(data) if state is None else [apply_diff(old, new) for old, new in zip(
                            state, data, strict=False)]
                        shown = _last_message(state)
                        if WAITING in shown:
                            asked.place_shown = max(asked.place_shown, _place(shown))
                        elif shown.strip() not in ("", "…") and first is None:
                            first = time.perf_counter() - t0
                    elif kind == "process_completed":
                        asked.total_s = time.perf_counter() - t0
                        asked.wait_s = first if first is not None else asked.total_s
                        if not msg.get("success"):
                            asked.error = f"failed: {str(msg)[:200]}"
                            return asked
                        last = msg["output"]["data"][1][-1]
                        content = last.get("content") if isinstance(last, dict) else last
                        if isinstance(content, list):
                            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                        asked.answer = str(content)
                        if "went wrong" in asked.answer:
                            asked.error = asked.answer[:200]
                        return asked
                    elif kind in ("queue_full", "unexpected_error"):
                        asked.error = str(msg)[:200]
                        return asked
            asked.error = "the stream ended without an answer"
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            asked.error = f"{type(exc).__name__}: {exc}"[:200]
        return asked


def _last_message(state: list[Any]) -> str:
    """The chat's last message (outputs: question box, chat, ...), as text."""
    try:
        last = state[1][-1]
    except (IndexError, KeyError, TypeError):
        return ""
    content = last.get("content") if isinstance(last, dict) else last
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def _place(shown: str) -> int:
    """'Waiting for the model: 3rd in line' -> 3; 'next in line' -> 1."""
    text = shown[shown.index(WAITING):]
    if "next in line" in text[:60]:
        return 1
    digits = "".join(ch for ch in text[len(WAITING) + 2:][:6] if ch.isdigit())
    return int(digits) if digits else 1


class RssWatch:
    """Peak RSS of the server process and, apart, of its child processes (the model), sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.server_mb = 0.0
        self.children_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                proc = psutil.Process(self.pid)
                self.server_mb = max(self.server_mb, proc.memory_info().rss / 2**20)
                kids = sum(c.memory_info().rss for c in proc.children(recursive=True)) / 2**20
                self.children_mb = max(self.children_mb, kids)
            except psutil.Error:
                pass
            self._stop.wait(0.25)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def pct(values: list[float], p: float) -> float:
    xs = sorted(values)
    return round(xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))], 2)


def summary(rows: list[Asked]) -> dict[str, Any]:
    ok = [r for r in rows if not r.error]
    if not ok:
        return {"n": 0, "errors": len(rows)}
    waits, totals = [r.wait_s for r in ok], [r.total_s for r in ok]
    return {"n": len(ok), "p50_s": pct(waits, 50), "p95_s": pct(waits, 95), "max_s": round(max(waits), 2),
            "total_p50_s": pct(totals, 50), "total_p95_s": pct(totals, 95), "total_max_s": round(max(totals), 2),
            "place_shown": sum(1 for r in ok if r.place_shown), "highest_place": max(r.place_shown for r in ok)}


def questions() -> list[str]:
    rows = read_jsonl(ROOT / "evalsets" / "seed.jsonl")
    return [r["question"] for r in rows if not r.get("history")]


def serve(store: Path, env_extra: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONICLE_") and not k.lower().endswith("_proxy")}
    env.update(CHRONICLE_VECTORSTORE_DIR=str(store), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost", **env_extra)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/", timeout=2, trust_env=False).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the server did not answer within 300 s: {log.read_text()[-2000:]}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "load.json")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=3, help="questions per session (asked one after another)")
    ap.add_argument("--mode", choices=["extractive", "llm", "mixed"], default="extractive")
    ap.add_argument("--store", type=Path, help="a store to serve (default: a temporary one with the seed article)")
    ap.add_argument("--processes", type=int, default=1, help="embedded model processes (CHRONICLE_LLM_PROCESSES)")
    ap.add_argument("--llm-threads", type=int, help="threads per embedded model process (CHRONICLE_LLM_THREADS)")
    ap.add_argument("--llm-base-url", help="external OpenAI-compatible endpoint(s), comma-separated")
    ap.add_argument("--llm-model", default="", help="model name for --llm-base-url")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="chronicle-load-"))
    store = args.store
    if store is None:
        store = work / "store"
        env = {**os.environ, "CHRONICLE_VECTORSTORE_DIR": str(store), "HF_HUB_OFFLINE": "1"}
        done = subprocess.run([sys.executable, "ingest.py", "--quiet", str(ROOT / "data" / "articles")], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"ingest failed: {done.stderr[-2000:]}")
    uses_model = args.mode != "extractive"
    extra = {"CHRONICLE_ANSWER_MODE": "llm" if uses_model else "extractive",
             "CHRONICLE_LLM_PROCESSES": str(args.processes),
             "CHRONICLE_LLM_QUEUE_MAX": str(max(24, args.sessions + 4))}
    if args.llm_threads:
        extra["CHRONICLE_LLM_THREADS"] = str(args.llm_threads)
    if args.llm_base_url:
        extra.update(CHRONICLE_LLM_BACKEND="openai", CHRONICLE_LLM_BASE_URL=args.llm_base_url)
        if args.llm_model:
            extra["CHRONICLE_LLM_MODEL"] = args.llm_model
    log = work / "serve.log"
    pool = questions()
    t_start = time.perf_counter()
    proc, url = serve(store, extra, log)
    rows: list[Asked] = []
    try:
        with RssWatch(proc.pid) as rss:
            warm = Session(url)
            warmups = [warm.ask(Asked(-1, "extractive", pool[0]))]
            if uses_model:
                warmups.append(warm.ask(Asked(-1, "llm", pool[1])))
            warm.close()
            ready_s = time.perf_counter() - t_start
            barrier = threading.Barrier(args.sessions)

            def session(i: int) -> list[Asked]:
                kind = "extractive" if args.mode == "extractive" or (args.mode == "mixed" and i % 2) else "llm"
                client = Session(url)
                try:
                    barrier.wait(timeout=120)
                    return [client.ask(Asked(i, kind, pool[(i * args.questions + j) % len(pool)]))
                            for j in range(args.questions)]
                finally:
                    client.close()

            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.sessions) as ex:
                for out in ex.map(session, range(args.sessions)):
                    rows.extend(out)
            wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    kinds = sorted({r.kind for r in rows})
    result = envelope("load", {
        "sessions": args.sessions, "questions_per_session": args.questions, "mode": args.mode,
        "store": str(args.store or "temporary: data/articles"),
        "llm_threads": args.llm_threads or 2,
        "model_endpoints": (len([u for u in (args.llm_base_url or "").split(",") if u.strip()]) if args.llm_base_url
                            else args.processes) if uses_model else 0,
        "waits": {kind: summary([r for r in rows if r.kind == kind]) for kind in kinds},
        "errors": sum(1 for r in rows if r.error),
        "error_samples": [r.error for r in rows if r.error][:5],
        "wall_s": round(wall, 1),
        "server_ready_s": round(ready_s, 1),
        "warmup_s": [round(w.total_s, 2) for w in warmups],
        "server_rss_mb": round(rss.server_mb, 1),
        "model_processes_rss_mb": round(rss.children_mb, 1),
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
    })
    rows_out = args.out.with_name(args.out.stem + "-rows.json")
    write_json(rows_out, [asdict(r) | {"answer": r.answer[:300]} for r in rows])
    write_json(args.out, result)
    print(json.dumps({k: result[k] for k in ("mode", "sessions", "model_endpoints", "waits", "errors", "wall_s",
                                             "server_rss_mb", "model_processes_rss_mb")}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
