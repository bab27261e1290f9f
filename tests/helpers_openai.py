"""A tiny OpenAI-compatible HTTP server on 127.0.0.1, in a thread: what tests put behind CHRONICLE_LLM_BASE_URL (and
the embeddings endpoint) to exercise the real client path (langchain-openai / httpx over real sockets) without a
model on the other side.

- ``POST /v1/chat/completions`` (streamed as server-sent events): replies ``reply`` in a few chunks (``reply`` may
  be a function of the request's body, for a reply that depends on the prompt); with ``gate`` set, every request
  blocks until the gate opens (to hold answers "in the model" while a test looks).
- ``POST /v1/embeddings``: vectors from ``embed`` (a test serves the packaged encoder itself through it).
- ``GET /v1/models``.
Every request is counted (``chats``), so a test sees which endpoint served.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self, reply: str | Callable[[dict[str, Any]], str] = "The sources say so [1].",
                 embed: Callable[[list[str]], list[list[float]]] | None = None, model: str = "fake") -> None:
        self.reply = reply
        self.embed = embed
        self.model = model
        self.chats = 0
        self.embedding_calls = 0
        self.gate: threading.Event | None = None
        self.delay_s = 0.0  # each chat reply waits this long before its first word (a slow model)
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": owner.model, "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.endswith("/embeddings"):
                    owner._embeddings(self, body)
                elif self.path.endswith("/chat/completions"):
                    owner._chat(self, body)
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="fake-openai")

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def _chat(self, handler: Any, body: dict[str, Any]) -> None:
        with self.lock:
            self.chats += 1
        if self.gate is not None:
            self.gate.wait(120)
        if self.delay_s:
            time.sleep(self.delay_s)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        reply = self.reply(body) if callable(self.reply) else self.reply
        words = reply.split(" ")
        for i, word in enumerate(words):
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": self.model,
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": word + (" " if i < len(words)
                                                                                                  - 1 else "")},
                                  "finish_reason": None}]}
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        done = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": self.model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        handler.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        handler.wfile.flush()
        handler.close_connection = True

    def _embeddings(self, handler: Any, body: dict[str, Any]) -> None:
        if self.embed is None:
            handler._json(404, {"error": {"message": "no embeddings here"}})
            return
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        with self.lock:
            self.embedding_calls += 1
        vectors = self.embed(texts)
        handler._json(200, {"object": "list", "model": body.get("model", self.model), "data": [
            {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": 0, "total_tokens": 0}})
