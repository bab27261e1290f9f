"""Chat models behind one LangChain interface: the packaged GGUF (or any GGUF) through llama-cpp-python, or any
OpenAI-compatible server (Ollama, vLLM, llama.cpp's server) through langchain-openai.

ChatLlamaCpp needs ``rope_freq_base=0`` (its default 10000 overrides the GGUF's own value and breaks Qwen:
citations vanish, abstentions fail) and ``n_batch=512``. Temperature is 0 everywhere: answers must be repeatable.
The Llama object keeps its KV cache between calls, so the fixed system prompt is only evaluated once.
"""

from __future__ import annotations

import threading
import warnings

from langchain_core.language_models.chat_models import BaseChatModel

from app.config import Settings
from app.model_files import packaged_model_path


class LLMError(RuntimeError):
    """The model cannot be loaded or reached; the message says what to configure."""


def describe_model(settings: Settings) -> str:
    """A short human name for reports and the UI footer."""
    if settings.llm_backend == "openai":
        return f"{settings.llm_model} @ {settings.llm_base_url}"
    return settings.llm_model_path.name if settings.llm_model_path else "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (packaged)"


def _gguf_model(settings: Settings) -> BaseChatModel:
    path = settings.llm_model_path or packaged_model_path(settings.model_cache_dir)
    if not path.exists():
        raise LLMError(f"GGUF model file not found: {path} (CHRONICLE_LLM_MODEL_PATH)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.chat_models import ChatLlamaCpp
    try:
        return ChatLlamaCpp(
            model_path=str(path),
            n_ctx=settings.llm_n_ctx,
            n_batch=512,
            n_threads=settings.llm_threads,
            rope_freq_base=0,
            temperature=0.0,
            top_p=1.0,
            max_tokens=settings.llm_max_tokens,
            repeat_penalty=1.0,
            seed=0,
            streaming=True,
            verbose=False,
        )
    except (ValueError, ImportError) as exc:
        raise LLMError(f"cannot load the GGUF model {path}: {exc}") from None


def _openai_model(settings: Settings) -> BaseChatModel:
    if not settings.llm_base_url:
        raise LLMError("CHRONICLE_LLM_BACKEND=openai needs CHRONICLE_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1)")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=settings.llm_model,
        temperature=0.0,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout_s,
        max_retries=1,
        streaming=True,
    )


_MODELS: dict[tuple[str, ...], BaseChatModel] = {}
_LOCK = threading.Lock()


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The configured chat model, loaded once per process (a GGUF load takes ~1 s and 1.9 GB)."""
    key = (
        settings.llm_backend,
        str(settings.llm_model_path),
        str(settings.llm_base_url),
        settings.llm_model,
        str(settings.llm_max_tokens),
        str(settings.llm_n_ctx),
    )
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = _openai_model(settings) if settings.llm_backend == "openai" else _gguf_model(settings)
        return _MODELS[key]
