"""A small archive as the model's cached prompt prefix: every sentence of it, numbered once.

Why: every prompt token costs ~11 ms of first-token time on 2 cores, and llama.cpp only skips the part of a prompt
that repeats the previous one. With the route's four sentences after the fixed system prompt, a question on the
seed article prefilled ~240 new tokens (first token p50 ~3.4 s). When the whole archive is a few thousand
characters, the numbered archive goes into the prefix instead (evaluated once, when the chat starts, and again only
after an ingest changes it), and a question adds only itself and pointers to the sentences the route chose
("Read these first: [12], [14] (19 September 2023)"): ~30-60 new tokens. The routes still choose the evidence; the
guard checks every [n] against the archive's own sentences, with the labels (speaker, event date) the route gave.

A chosen source that is not one whole archive sentence (a quote spanning a few) is written out after the
pointers, numbered after the archive, so the prefix never changes between questions of one archive.

Rejected: a KV-state cache per prompt (llama-cpp-python's LlamaRAMCache) for the usual four-sentence prompts: the
sources differ with every question, so there is no state to reuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.answer import prompts
from app.query.retrieval import HybridRetriever
from app.records import Source


@dataclass(frozen=True)
class Library:
    """Every sentence of a small archive as numbered sources, and their prompt text (the cached prefix)."""

    generation: str
    sources: tuple[Source, ...]
    block: str

    def point(self, chosen: list[Source]) -> tuple[list[Source], list[Source], list[Source]]:
        """(every source the model may cite, the chosen ones as numbered there, the chosen ones that are not whole
        archive sentences, numbered after the archive). Labels of the chosen sources are kept."""
        index = {(s.article_id, s.start, s.end): s for s in self.sources}
        labelled = dict(index)
        pointed: list[Source] = []
        extra: list[Source] = []
        for s in chosen:
            found = index.get((s.article_id, s.start, s.end))
            if found is None:
                found = replace(s, n=len(self.sources) + len(extra) + 1)
                extra.append(found)
            else:
                found = replace(found, label=s.label, verb=s.verb, quote=s.quote, score=s.score)
                labelled[(s.article_id, s.start, s.end)] = found
            if found not in pointed:
                pointed.append(found)
        return [*labelled.values(), *extra], pointed, extra


def build_library(retriever: HybridRetriever, max_chars: int) -> Library | None:
    """The archive's sentences in article order (articles by date), or None when they exceed ``max_chars``."""
    articles = retriever.articles
    if not articles or max_chars <= 0:
        return None
    sentences: dict[tuple[str, int, int], Source] = {}
    size = 0
    ordered = sorted(articles.values(), key=lambda a: (a.published or "", a.title, a.article_id))
    for article in ordered:
        for passage in retriever.store.passages_of(article.article_id):
            for start, end, text in passage.sentence_texts():
                key = (article.article_id, start, end)
                if key in sentences or not text.strip():
                    continue
                size += len(text)
                if size > max_chars:
                    return None
                sentences[key] = Source(len(sentences) + 1, text.strip(), article.article_id, article.title,
                                        article.published, start, end)
    if not sentences:
        return None
    numbered = tuple(sentences.values())
    return Library(retriever.generation, numbered, "Sources:\n" + prompts.format_by_article(list(numbered)))
