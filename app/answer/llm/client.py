"""Chat models behind one small interface, all spoken to over OpenAI-compatible HTTP through langchain-openai.

- ``gguf`` (default): the packaged Qwen2.5-Coder-1.5B (or any GGUF) served by llama-cpp-python's own server in a
  supervised child process (app.answer.llm.process). A crash, hang or out-of-memory kill of the model ends only that
  process: the answer falls back to the extractive one with a note, and the next question starts a fresh model.
- ``openai``: any OpenAI-compatible server the user runs (Ollama, vLLM, llama.cpp's ``llama-server``).

One client for both. Temperature 0 everywhere: answers must be repeatable; for the embedded server the
llama.cpp-specific ``repeat_penalty=1.0`` is sent too (its server defaults to 1.1, which changed answers compared
with the in-process ChatLlamaCpp that Chronicle used before).

Prompt caching, as llama-cpp-python 0.3 does it (llama_cpp/llama.py ``Llama.generate``): the server holds ONE
``Llama`` whose KV cache still holds the previous request's tokens; a new prompt is compared token by token with
them and only the part after the longest common prefix is evaluated (``kv_cache_seq_rm`` + decode of the rest).
So the order of the prompt decides what is reused: the fixed system prompt first, then the user template's fixed
opening ("Sources:"), then the question-specific sources and the question last (app.answer.answerer.messages).
The server's optional ``cache`` (a LlamaRAMCache of whole states keyed by prompt) is left off: it only helps when
prompts alternate between different prefixes, and it saves a full KV state (tens of MB) after every answer.
``EmbeddedChat.last_prompt`` measures each request: its prompt tokens, and how many of them were new (not the
common prefix with the previous request) - what the first token waits for.

Rejected: ChatLlamaCpp in the serving process (how Chronicle ran until a build whose kernels did not fit the CPU
took the web server down with SIGSEGV).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.answer.llm.base import EndpointDown, LLMError, ModelFailure, PromptSize
from app.answer.llm.model_files import ModelFileError, packaged_model_path
from app.answer.llm.pool import Endpoint, ModelPool
from app.answer.llm.process import ModelProcess, ModelProcessConfig, ModelStartError, probe
from app.config import Settings


def _unreachable(exc: Exception) -> bool:
    """A connection that failed, as opposed to a server that answered with an error."""
    import httpx
    import openai

    return isinstance(exc, (openai.APIConnectionError, httpx.ConnectError, httpx.ConnectTimeout, ConnectionError))


def _wrapped(exc: Exception) -> LLMError:
    kind = EndpointDown if _unreachable(exc) else LLMError
    return kind(f"{type(exc).__name__}: {exc}")


def response_format(schema: dict[str, Any], embedded: bool) -> dict[str, Any]:
    """How to ask a server for JSON of a schema. llama-cpp-python's server (0.3) reads ``{"type": "json_object",
    "schema": ...}`` and turns the schema into a grammar; OpenAI's form (``json_schema``), which vLLM, Ollama and
    llama.cpp's llama-server also read, for any other server."""
    if embedded:
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}


def chatml(messages: list[BaseMessage]) -> str:
    """The messages as the packaged Qwen2.5 GGUF's chat template lays them out (ChatML), for counting tokens."""
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    parts = [f"<|im_start|>{roles.get(m.type, m.type)}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def describe_model(settings: Settings) -> str:
    """A short human name for reports and the UI footer."""
    if settings.llm_backend == "openai":
        return f"{settings.llm_model} @ {', '.join(settings.llm_base_urls)}"
    return settings.llm_model_path.name if settings.llm_model_path else "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (packaged)"


def _openai_client(settings: Settings, base_url: str, api_key: str, model: str, embedded: bool,
                   schema: dict[str, Any] | None = None) -> BaseChatModel:
    """A ChatOpenAI for one server; with ``schema``, its replies are constrained to that JSON (sent in the request
    body as the server expects it: ``response_format``)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    body: dict[str, Any] = {"repeat_penalty": 1.0, "top_p": 1.0, "seed": 0} if embedded else {}
    if schema is not None:
        body["response_format"] = response_format(schema, embedded)

    return ChatOpenAI(
        base_url=base_url,
        api_key=SecretStr(api_key),
        model=model,
        temperature=0.0,
        # the field's name is max_tokens (typed under its alias max_completion_tokens); sent as "max_tokens", which
        # every server Chronicle talks to reads
        max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
        timeout=settings.llm_timeout_s,
        max_retries=0 if embedded else 1,  # a dead child is restarted by the supervisor, not retried blindly
        streaming=True,
        extra_body=body or None,
    )


def _text_chunks(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    for chunk in model.stream(messages):
        if isinstance(chunk.content, str) and chunk.content:
            yield chunk.content


class LangChainChat:
    """Any LangChain chat model (a user's server through ChatOpenAI; a deterministic fake in tests)."""

    def __init__(self, model: BaseChatModel, description: str = "",
                 structured_model: Callable[[dict[str, Any]], BaseChatModel] | None = None) -> None:
        self.model = model
        self.description = description or type(model).__name__
        self._structured_model = structured_model  # a client constrained to a schema (a user's server)

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        try:
            yield from _text_chunks(self.model, messages)
        except Exception as exc:
            raise _wrapped(exc) from exc

    def structured(self, messages: list[BaseMessage], schema: dict[str, Any]) -> Iterator[str]:
        """Through the schema-constrained client when there is one; a plain model (a fake in tests) is asked as it
        is, and its reply is checked like any other (app.answer.pick.parse)."""
        model = self._structured_model(schema) if self._structured_model is not None else self.model
        try:
            yield from _text_chunks(model, messages)
        except Exception as exc:
            raise _wrapped(exc) from exc


class EmbeddedChat:
    """The GGUF in its own supervised process, reached over HTTP like any other server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.description = describe_model(settings)
        self._process: ModelProcess | None = None
        self._lock = threading.Lock()
        self._warm_prompt = ""
        self._warm_prefix = ""
        self._local = threading.local()
        self._previous: list[int] = []  # the last request's prompt tokens (what the KV cache starts with)

    @property
    def process(self) -> ModelProcess:
        with self._lock:
            if self._process is None:
                try:
                    path = self.settings.llm_model_path or packaged_model_path(self.settings.model_cache_dir)
                except ModelFileError as exc:
                    raise LLMError(str(exc)) from None
                if not path.exists():
                    raise LLMError(f"GGUF model file not found: {path} (CHRONICLE_LLM_MODEL_PATH)")
                config = ModelProcessConfig(path, self.settings.llm_n_ctx, self.settings.llm_threads)
                self._process = ModelProcess(config)
            return self._process

    def _client(self, schema: dict[str, Any] | None = None) -> BaseChatModel:
        process = self.process
        try:
            url = process.ensure()
        except ModelStartError as exc:
            raise LLMError(f"the model could not be started: {exc}") from None
        return _openai_client(self.settings, url, process.api_key, "chronicle-embedded", embedded=True, schema=schema)

    def structured(self, messages: list[BaseMessage], schema: dict[str, Any]) -> Iterator[str]:
        return self.stream(messages, schema)

    def stream(self, messages: list[BaseMessage], schema: dict[str, Any] | None = None) -> Iterator[str]:
        client = self._client(schema)
        self._local.size = None
        try:
            yield from _text_chunks(client, messages)
        except Exception as exc:
            raise self._failure(exc) from exc
        self._measure(messages)

    def last_prompt(self) -> PromptSize | None:
        """The size of this thread's last request to the model (None before one, or if it could not be measured)."""
        return getattr(self._local, "size", None)

    def _measure(self, messages: list[BaseMessage]) -> None:
        """Measure the request just answered: its tokens, and its tokens beyond the common prefix with the request
        before it (what llama.cpp evaluated anew). Asked of the model server's own tokenizer after the answer (a
        tokenize request waits for the model's lock, so it is never sent while an answer is being written)."""
        import httpx

        self._local.size = None
        process = self.process
        try:
            reply = httpx.post(f"{process.base_url.removesuffix('/v1')}/extras/tokenize",
                               json={"input": chatml(messages)},
                               headers={"Authorization": f"Bearer {process.api_key}"}, timeout=10.0)
            reply.raise_for_status()
            tokens = [int(t) for t in reply.json()["tokens"]]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            return
        with self._lock:
            common = 0
            for a, b in zip(self._previous, tokens):
                if a != b:
                    break
                common += 1
            self._previous = tokens
        self._local.size = PromptSize(len(tokens), len(tokens) - common)

    def _failure(self, exc: Exception) -> LLMError:
        process = self.process
        timed_out = "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower()
        status = process.exit_status(wait_s=0.0 if timed_out else 2.0)
        if status:
            self._restart_in_background()
            return ModelFailure(f"the model process {status}; a fresh one is starting for the next question")
        if timed_out:
            process.kill()
            self._restart_in_background()
            return ModelFailure(
                f"the model did not respond within {self.settings.llm_timeout_s:.0f} s and was stopped; a fresh one "
                "is starting for the next question"
            )
        return LLMError(f"{type(exc).__name__}: {exc}")

    def _restart_in_background(self) -> None:
        """Start (and warm) the replacement now, so the user's next question does not wait for the load. A model
        that fails again is left alone until that question (no restart loop)."""

        if getattr(self._local, "restarting", False):
            return  # this failure IS the background restart's: stop here

        def restart() -> None:
            self._local.restarting = True
            try:
                if self._warm_prompt:
                    self.prewarm(self._warm_prompt, self._warm_prefix)
                else:
                    self.process.ensure()
            except Exception:  # noqa: BLE001 - the next question reports whatever is wrong
                pass

        threading.Thread(target=restart, daemon=True, name="chronicle-model-restart").start()

    def prewarm(self, system_prompt: str, user_prefix: str = "") -> None:
        """Start the process and evaluate the fixed system prompt (and the start of the user message that every
        question shares, app.answer.library) once, so the first question only pays for its own tokens (llama.cpp
        reuses the cached prompt prefix)."""
        self._warm_prompt = system_prompt
        self._warm_prefix = user_prefix
        messages = [SystemMessage(system_prompt), HumanMessage(f"{user_prefix}Reply with OK.")]
        for _ in self.stream(messages):
            break
        self._measure(messages)  # the KV cache now starts with the system prompt: the next request reuses it

    def close(self) -> None:
        if self._process is not None:
            self._process.stop()


_MODELS: dict[tuple[str, ...], ModelPool] = {}
_LOCK = threading.Lock()


def get_chat_model(settings: Settings) -> ModelPool:
    """The configured model endpoints behind their one fair line (app.answer.llm.pool), one per configuration and
    process: a server per URL of CHRONICLE_LLM_BASE_URL, or ``llm_processes`` embedded model processes (each owns
    its child). The pool is itself a ChatModel (it waits in line without showing it)."""
    key = (
        settings.llm_backend,
        str(settings.llm_model_path),
        str(settings.llm_base_url),
        settings.llm_model,
        str(settings.llm_max_tokens),
        str(settings.llm_n_ctx),
        str(settings.llm_threads),
        str(settings.llm_timeout_s),
        str(settings.model_cache_dir),
        str(settings.llm_processes),
        str(settings.llm_endpoint_slots),
        str(settings.llm_queue_max),
        str(settings.llm_retry_down_s),
    )
    with _LOCK:
        if key not in _MODELS:
            endpoints: list[Endpoint] = []
            if settings.llm_backend == "openai":
                if not settings.llm_base_urls:
                    raise LLMError(
                        "CHRONICLE_LLM_BACKEND=openai needs CHRONICLE_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1)"
                    )
                api_key, name = settings.llm_api_key, settings.llm_model
                for base_url in settings.llm_base_urls:
                    client = _openai_client(settings, base_url, api_key, name, embedded=False)

                    def constrained(schema: dict[str, Any], url: str = base_url) -> BaseChatModel:
                        return _openai_client(settings, url, api_key, name, embedded=False, schema=schema)

                    endpoints.append(Endpoint(base_url, LangChainChat(client, f"{name} @ {base_url}", constrained)))
            else:
                for i in range(settings.llm_processes):
                    endpoints.append(Endpoint(f"model process {i + 1}", EmbeddedChat(settings)))
            _MODELS[key] = ModelPool(endpoints, settings.llm_endpoint_slots, settings.llm_queue_max,
                                     settings.llm_retry_down_s, describe_model(settings))
        return _MODELS[key]


@dataclass(frozen=True)
class ModelCheck:
    """What ``check_model`` found: ``outcome`` is skipped (no local model configured), ok, missing or failed."""

    outcome: str
    message: str
    detail: str = ""
    seconds: float = 0.0


def check_model(settings: Settings) -> ModelCheck:
    """Assemble and verify the packaged GGUF (or find the configured one), then generate one token with it in a child
    process: a build that crashes on this CPU is found here, by setup, not by the first question."""
    if settings.answer_mode == "extractive":
        return ModelCheck("skipped", "extractive mode: no model to check.")
    if settings.llm_backend == "openai":
        return ModelCheck("skipped", f"answers come from the server at {settings.llm_base_url}: nothing to check here.")
    try:
        path = settings.llm_model_path or packaged_model_path(settings.model_cache_dir)
    except ModelFileError as exc:
        return ModelCheck("missing", str(exc))
    if not path.exists():
        return ModelCheck("missing", f"GGUF model file not found: {path} (CHRONICLE_LLM_MODEL_PATH)")
    result = probe(path, settings.llm_threads)
    if result.ok:
        return ModelCheck("ok", f"the model {path.name} runs on this CPU", result.detail, result.seconds)
    return ModelCheck("failed", f"the model process {result.status}", result.detail, result.seconds)
