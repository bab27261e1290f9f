"""One fair line for the model: answers that need an LLM wait here for a free endpoint, and nothing else does.

Why (issue 28): on the seed store, 10 extractive questions asked while 10 LLM answers were in flight waited 18.6 s
each (p50; 0.8 s alone). The wait was not in the model's code: every chat answer went through one Gradio event
whose ``concurrency_limit`` was ``ui_concurrency`` (2), so an extractive answer (~70 ms of work) queued behind LLM
answers that each hold a slot for seconds. The chat event is now unlimited in Gradio (app.ui.app) and only the
model part of an answer waits, here, where the line knows who waits for what:

- **Fair**: first come, first served across every reader (a FIFO of tickets under one condition variable); a
  reader's place and an estimated wait are yielded as ``ModelWait`` records about once a second, which the chat
  shows in place of the answer until the model starts.
- **Several endpoints**: ``CHRONICLE_LLM_BASE_URL`` may list OpenAI-compatible servers (comma-separated), or
  ``CHRONICLE_LLM_PROCESSES`` start several embedded model processes; the head of the line takes the least busy
  reachable endpoint (ties: the one that served fewest). Each serves ``llm_endpoint_slots`` answers at once (1 for
  llama.cpp, whose server runs one request at a time anyway; more for a batching vLLM).
- **Down endpoints**: one that refuses a connection (or times out) before its first token is left out for
  ``llm_retry_down_s`` and the answer moves to another endpoint without losing its turn; with none reachable the
  answerer gives the extractive answer with a note (app.answer.answerer), as it does for any model failure.
- **Bounded**: beyond ``llm_queue_max`` waiting answers the next one is answered extractively at once with a note,
  so waiting answers can never hold all of the web server's worker threads.

The estimate is answers ahead / reachable slots x the mean time an endpoint was held (exponentially weighted, 0.3;
the first guess is 8 s, the seed's LLM answer time on 2 cores).

Rejected: Gradio's own queue for the model (``concurrency_id`` shared by the LLM events): Gradio decides before the
answer's route is known whether the model is needed (auto mode answers most routes extractively), and its queue
position is shown as a page-wide spinner, not in the conversation. A second Gradio event for the model part of an
answer would split one answer over two events and lose the streamed text on a failure.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

from app.answer.llm.base import ChatModel, EndpointDown, LLMError, PromptSize
from app.records import ModelWait

FIRST_GUESS_S = 8.0  # an LLM answer on the seed store, 2 cores (benchmarks/results/results.md)
SMOOTHING = 0.3


class ModelBusy(LLMError):
    """Too many answers wait for the model already; this one is answered without it."""


@dataclass
class Endpoint:
    """One model server in the rotation and what the line knows of it."""

    name: str
    model: ChatModel
    busy: int = 0
    served: int = 0
    down_until: float = 0.0
    last_error: str = ""

    def up(self, now: float) -> bool:
        return self.down_until <= now


@dataclass
class _Ticket:
    """One answer's place in the line."""

    since: float = field(default_factory=time.monotonic)


class ModelPool:
    """The model endpoints behind one fair line. Thread-safe; one per configuration and process."""

    def __init__(self, endpoints: list[Endpoint], slots: int = 1, max_waiting: int = 24, retry_s: float = 20.0,
                 description: str = "") -> None:
        if not endpoints:
            raise LLMError("no model endpoint configured")
        self.endpoints = endpoints
        self.slots = slots
        self.max_waiting = max_waiting
        self.retry_s = retry_s
        self.description = description or ", ".join(e.name for e in endpoints)
        self._cond = threading.Condition()
        self._line: deque[_Ticket] = deque()
        self._mean_s = FIRST_GUESS_S
        self._local = threading.local()

    # --- what the answerer uses ---------------------------------------------------------------------------------

    def wait(self, poll_s: float = 1.0) -> Generator[ModelWait, None, Lease]:
        """Take a place in the line; yield where it is (about every ``poll_s``, and whenever it moves) until an
        endpoint is free, then return the Lease on it (``lease = yield from pool.wait()``; release it when done).
        Raises ModelBusy when the line is full, LLMError when no endpoint is reachable."""
        ticket = _Ticket()
        with self._cond:
            if len(self._line) >= self.max_waiting and self._free(time.monotonic()) is None:
                raise ModelBusy(f"{len(self._line)} answers are waiting for the model already")
            self._line.append(ticket)
        try:
            last: tuple[int, int] | None = None
            while True:
                with self._cond:
                    endpoint = self._take(ticket)
                    if endpoint is not None:
                        return Lease(self, endpoint)
                    status = self._status(ticket)
                    if (status.position, status.waiting) == last:
                        self._cond.wait(poll_s)
                        endpoint = self._take(ticket)
                        if endpoint is not None:
                            return Lease(self, endpoint)
                        status = self._status(ticket)
                last = (status.position, status.waiting)
                yield status  # outside the lock: the reader's page is drawn meanwhile
        finally:
            with self._cond:
                if ticket in self._line:  # abandoned (the reader left) or failed: give the place up
                    self._line.remove(ticket)
                    self._cond.notify_all()

    def line(self) -> int:
        """Answers waiting now (not those being written)."""
        with self._cond:
            return len(self._line)

    # --- ChatModel, for callers that do not show the line (prewarm, baselines) -----------------------------

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        lease = _drain(self.wait())
        try:
            yield from lease.stream(messages)
        finally:
            lease.release()

    def structured(self, messages: list[BaseMessage], schema: dict[str, Any]) -> Iterator[str]:
        lease = _drain(self.wait())
        try:
            yield from lease.structured(messages, schema)
        finally:
            lease.release()

    def last_prompt(self) -> PromptSize | None:
        """The size of this thread's last prompt, from the endpoint that served it (embedded models measure it)."""
        model = getattr(self._local, "model", None)
        measure = getattr(model, "last_prompt", None)
        return measure() if callable(measure) else None

    @property
    def process(self) -> Any:
        """The first embedded endpoint's model process (benchmarks read its pid), or None."""
        return getattr(self.endpoints[0].model, "process", None)

    def prewarm(self, system_prompt: str, user_prefix: str = "") -> None:
        """Start and warm every embedded endpoint (a remote server is warmed by its own first answers)."""
        for endpoint in self.endpoints:
            warm = getattr(endpoint.model, "prewarm", None)
            if callable(warm):
                warm(system_prompt, user_prefix)

    def close(self) -> None:
        for endpoint in self.endpoints:
            close = getattr(endpoint.model, "close", None)
            if callable(close):
                close()

    # --- the line -----------------------------------------------------------------------------------------------

    def _free(self, now: float) -> Endpoint | None:
        """The least busy reachable endpoint with a free slot (ties: the one that served fewest), or None."""
        free = [e for e in self.endpoints if e.up(now) and e.busy < self.slots]
        return min(free, key=lambda e: (e.busy, e.served)) if free else None

    def _reachable(self, now: float) -> list[Endpoint]:
        return [e for e in self.endpoints if e.up(now)]

    def _take(self, ticket: _Ticket) -> Endpoint | None:
        """Under the lock: the endpoint this ticket gets now (it must be first in line), or None to keep waiting.
        Raises LLMError when every endpoint is down."""
        now = time.monotonic()
        if not self._reachable(now):
            raise LLMError("no model endpoint is reachable: " + "; ".join(
                f"{e.name} ({e.last_error or 'down'})" for e in self.endpoints))
        if self._line[0] is not ticket:
            return None
        endpoint = self._free(now)
        if endpoint is None:
            return None
        self._line.popleft()
        endpoint.busy += 1
        self._cond.notify_all()  # the next in line moves up
        return endpoint

    def _status(self, ticket: _Ticket) -> ModelWait:
        position = self._line.index(ticket) + 1
        slots = max(1, len(self._reachable(time.monotonic())) * self.slots)
        return ModelWait(position, len(self._line), len(self._reachable(time.monotonic())),
                         math.ceil(position / slots) * self._mean_s)

    def _release(self, endpoint: Endpoint, held_s: float, ok: bool) -> None:
        with self._cond:
            endpoint.busy -= 1
            if ok:
                endpoint.served += 1
                self._mean_s = (1 - SMOOTHING) * self._mean_s + SMOOTHING * held_s
            self._cond.notify_all()

    def _mark_down(self, endpoint: Endpoint, error: Exception) -> None:
        with self._cond:
            endpoint.down_until = time.monotonic() + self.retry_s
            endpoint.last_error = str(error)[:200]
            self._cond.notify_all()

    def _swap(self, endpoint: Endpoint) -> Endpoint:
        """Give a down endpoint back and take another at once, ahead of the line (this answer has waited its
        turn already). Raises LLMError when none is reachable."""
        with self._cond:
            endpoint.busy -= 1
            self._cond.notify_all()
            while True:
                now = time.monotonic()
                if not self._reachable(now):
                    raise LLMError("no model endpoint is reachable: " + "; ".join(
                        f"{e.name} ({e.last_error or 'down'})" for e in self.endpoints))
                other = self._free(now)
                if other is not None:
                    other.busy += 1
                    return other
                self._cond.wait(1.0)


class Lease:
    """An endpoint held for one answer; ``stream`` / ``structured`` move to another endpoint when this one turns out
    to be down before its first token. ``release()`` once (the answerer does it in ``finally``)."""

    def __init__(self, pool: ModelPool, endpoint: Endpoint) -> None:
        self.pool = pool
        self.endpoint = endpoint
        self.started = time.monotonic()
        self._released = False

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        return self._call(lambda model: model.stream(messages))

    def structured(self, messages: list[BaseMessage], schema: dict[str, Any]) -> Iterator[str]:
        return self._call(lambda model: model.structured(messages, schema))

    def _call(self, call: Callable[[ChatModel], Iterator[str]]) -> Iterator[str]:
        while True:
            self.pool._local.model = self.endpoint.model
            produced = False
            try:
                for piece in call(self.endpoint.model):
                    produced = True
                    yield piece
                return
            except EndpointDown as exc:
                if produced:
                    raise
                self.pool._mark_down(self.endpoint, exc)
                self.endpoint = self.pool._swap(self.endpoint)
                self.started = time.monotonic()

    def release(self, ok: bool = True) -> None:
        if not self._released:
            self._released = True
            self.pool._release(self.endpoint, time.monotonic() - self.started, ok)


def _drain(waiting: Generator[ModelWait, None, Lease]) -> Lease:
    """Wait in line without showing it; the Lease at the end."""
    while True:
        try:
            next(waiting)
        except StopIteration as done:
            return done.value


def single(model: ChatModel) -> ModelPool:
    """A line of one endpoint around any ChatModel (a fake in tests, a model built by hand)."""
    return ModelPool([Endpoint(getattr(model, "description", "model"), model)], description=model.description)
