"""What every model endpoint is to the rest of Chronicle: the ChatModel protocol, its errors, and a prompt's size.

Its own module so that the endpoints (app.answer.llm.client) and the line in front of them (app.answer.llm.pool)
both build on it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.messages import BaseMessage


class LLMError(RuntimeError):
    """The model cannot be loaded or reached; the message says what to configure."""


class ModelFailure(LLMError):
    """The model process died or hung in the middle of an answer (it is restarted on the next question)."""


class EndpointDown(LLMError):
    """An OpenAI-compatible server could not be reached (connection refused, reset or timed out): another endpoint
    may serve the answer (app.answer.llm.pool)."""


class ChatModel(Protocol):
    """What the answerer needs from a model: streamed text for a list of messages."""

    description: str

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]: ...

    def structured(self, messages: list[BaseMessage], schema: dict[str, Any]) -> Iterator[str]:
        """The reply streamed as ``stream`` does, constrained to JSON of ``schema`` (a grammar on the server)."""
        ...


@dataclass(frozen=True)
class PromptSize:
    """One request's prompt: ``tokens`` in all, ``prefilled`` of them evaluated anew (the rest was the common
    prefix with the previous request, reused from llama.cpp's KV cache)."""

    tokens: int
    prefilled: int
