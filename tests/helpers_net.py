"""Test helpers for real processes on 127.0.0.1: ports, environments, a served app, and Gradio's queue protocol.

The chat handler is ``api_visibility="private"`` (no API page), so ``gradio_client`` refuses to call it; the browser
itself talks to Gradio's queue over HTTP (POST /gradio_api/queue/join, then the SSE stream /gradio_api/queue/data),
and ``QueueClient`` speaks that same protocol, so the requests go through the real queue and its limits.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from app.config import PROJECT_ROOT


class Served(NamedTuple):
    """A running `python -m app serve`: its URL, its process, and when it was started (perf_counter)."""

    url: str
    process: subprocess.Popen[bytes]
    started: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chronicle_env(store: Path, mode: str = "extractive", **extra: str) -> dict[str, str]:
    """The environment of a Chronicle subprocess on a private store, offline, without proxies."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("CHRONICLE_")}
    env.update(
        CHRONICLE_VECTORSTORE_DIR=str(store),
        CHRONICLE_ANSWER_MODE=mode,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project root (e.g. ["ingest.py", "--quiet", DIR] or ["-m", "app", "ask", ...])."""
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def served(
    env: dict[str, str], log: Path, args: tuple[str, ...] = (), up_timeout: float = 120, prewarm: bool = False
) -> Iterator[Served]:
    """Start `python -m app serve --port P ARGS`; yield (url, process, start time) once the page answers; stop it
    after. Without ``prewarm`` the model is not loaded before the first question."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), *(() if prewarm else ("--no-prewarm",)), *args],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + up_timeout
        while True:
            assert proc.poll() is None, f"server exited early:\n{log.read_text()[-3000:]}"
            try:
                if httpx.get(url + "/", timeout=2, trust_env=False).status_code in (200, 401, 302, 307):
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"server not up after {up_timeout} s:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        yield Served(url, proc, started)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class QueueClient:
    """One browser session's worth of Gradio queue protocol over HTTP (what the page's JavaScript does)."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        self.url = url
        self.api = f"{url}/gradio_api"
        self.session_hash = uuid.uuid4().hex[:11]
        self.http = httpx.Client(timeout=timeout, trust_env=False)
        self.config = self.http.get(f"{url}/config").json()

    def close(self) -> None:
        self.http.close()

    def component_id(self, elem_id: str) -> int:
        for comp in self.config["components"]:
            if comp.get("props", {}).get("elem_id") == elem_id:
                return comp["id"]
        raise KeyError(elem_id)

    def fn_index(self, elem_id: str, event: str) -> int:
        """The id of the backend function an event of the element with ``elem_id`` triggers."""
        target = self.component_id(elem_id)
        for i, dep in enumerate(self.config["dependencies"]):
            if dep.get("backend_fn") and any(t[0] == target and t[1] == event for t in dep.get("targets", [])):
                return dep.get("id", i)
        raise KeyError(f"{elem_id}.{event}")

    def call(self, fn_index: int, data: list[Any], trigger_id: int | None = None) -> dict[str, Any]:
        """Join the queue, follow the SSE stream, return the completion message (raises on errors)."""
        body = {
            "data": data, "fn_index": fn_index, "session_hash": self.session_hash,
            "event_data": None, "trigger_id": trigger_id,
        }
        joined = self.http.post(f"{self.api}/queue/join", json=body)
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        with self.http.stream("GET", f"{self.api}/queue/data", params={"session_hash": self.session_hash}) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") not in (None, event_id):
                    continue
                if msg.get("msg") == "process_completed":
                    if not msg.get("success", False):
                        raise RuntimeError(f"queue call failed: {msg}")
                    return msg
                if msg.get("msg") in ("queue_full", "unexpected_error"):
                    raise RuntimeError(f"queue refused: {msg}")
        raise RuntimeError("queue stream ended without a completion")

    def ask(self, question: str, mode: str = "extractive") -> tuple[str, str]:
        """Ask through the chat's Send button; return (assistant message markdown, sources panel HTML)."""
        fn = self.fn_index("chr-send", "click")
        done = self.call(fn, [question, [], None, mode, "", None], trigger_id=self.component_id("chr-send"))
        outputs = done["output"]["data"]
        chat = outputs[1]
        last = chat[-1]
        content = last["content"] if isinstance(last, dict) else last
        if isinstance(content, list):  # Gradio 6 message content: a list of {"type": "text", "text": ...}
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        return str(content), str(outputs[3])
