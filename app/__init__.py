"""Chronicle: an offline timeline and fact Q&A chatbot for news articles, with verified citations.

The public API is what ``__all__`` lists; everything else is internal and may change. The package is laid out by
stage, in the order data flows, and imports only point down (tests/test_architecture.py checks it):

    config, records      settings, and the records that cross stages
    text/                pure language code: articles, sentences, passages, actors, statements, dates, tokens
    store/               Chroma, the keyword index, the embedding model
    ingest/  query/      writing articles in / retrieval, statements, events, temporal questions
    answer/              routes, composition, the citation guard, follow-ups, the LLM (and its process)
    chronicle            the facade
    cli, ui/, eval/      what users run

Names are imported lazily (PEP 562): ``import app`` stays cheap for the model's child process and the CLI's help.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from app.offline import enforce_offline

# Must run before chromadb, gradio or transformers are imported anywhere: they read these at import time.
enforce_offline()

__version__ = "0.2.0"

_EXPORTS = {
    "Chronicle": "app.chronicle",
    "clear_caches": "app.chronicle",
    "Answer": "app.answer.answerer",
    "Settings": "app.config",
    "load_settings": "app.config",
    "IngestReport": "app.ingest.pipeline",
    "RemoveReport": "app.ingest.pipeline",
    "Passage": "app.records",
    "Source": "app.records",
    "StoredArticle": "app.records",
    "StoredStatement": "app.records",
    "TimelineEvent": "app.records",
    "EventCitation": "app.records",
    "StoryTimeline": "app.records",
    "StoryDay": "app.records",
    "StoryLine": "app.records",
    "DayHeadline": "app.records",
    "SentenceCitation": "app.records",
    "CoverageDay": "app.records",
    "ModelProcessInfo": "app.records",
    "ModelWait": "app.records",
    "TimelineError": "app.query.story",
    "EXPORT_FORMATS": "app.export",
    "export_story": "app.export",
    # The test set (judged answers and hand-written cases): the record, its file, reading and saving.
    "TestCase": "app.store.testcases",
    "TestSetError": "app.store.testcases",
    "QUESTION_TYPES": "app.store.testcases",
    "load_testset": "app.store.testcases",
    "read_testset": "app.store.testcases",
    "SavedCase": "app.store.testcases",
    "CaseFileProblem": "app.store.testcases",
    "CaseFile": "app.store.testcases",
    "CaseFileError": "app.store.testcases",
    "StoreError": "app.store.chroma",
    "EmbeddingError": "app.store.embeddings",
    "LLMError": "app.answer.llm.client",
    "ModelCheck": "app.answer.llm.client",
    "QuestionError": "app.answer.question_checks",
    "parse_date_bound": "app.text.dates",
    "parse_as_of": "app.text.dates",
    # How the citation guard judges a claim, for evaluations that judge citations the same way:
    "support_score": "app.answer.citations",
    "evidence_of": "app.answer.citations",
    "is_abstention": "app.answer.citations",
    "split_sentences": "app.text.sentences",
    # Whether a quoted name is a person's, as the speaker rules read it (the chat's example questions use it):
    "looks_like_person": "app.text.attribution",
}
__all__ = [  # the names of _EXPORTS, spelled out for readers and linters
    "Answer", "CaseFile", "CaseFileError", "CaseFileProblem", "Chronicle", "CoverageDay", "DayHeadline",
    "EXPORT_FORMATS",
    "EmbeddingError",
    "EventCitation", "IngestReport", "LLMError", "ModelCheck", "ModelProcessInfo", "ModelWait", "Passage",
    "QUESTION_TYPES",
    "QuestionError", "RemoveReport", "SavedCase", "SentenceCitation", "Settings", "Source", "StoreError",
    "StoredArticle", "StoredStatement", "StoryDay", "StoryLine", "StoryTimeline", "TestCase", "TestSetError",
    "TimelineError", "TimelineEvent", "__version__", "clear_caches", "evidence_of", "export_story", "is_abstention",
    "load_settings", "load_testset", "looks_like_person", "parse_as_of", "parse_date_bound", "read_testset",
    "split_sentences",
    "support_score",
]

if TYPE_CHECKING:
    from app.answer.answerer import Answer
    from app.answer.citations import evidence_of, is_abstention, support_score
    from app.answer.llm.client import LLMError, ModelCheck
    from app.answer.question_checks import QuestionError
    from app.chronicle import Chronicle, clear_caches
    from app.config import Settings, load_settings
    from app.export import EXPORT_FORMATS, export_story
    from app.ingest.pipeline import IngestReport, RemoveReport
    from app.query.story import TimelineError
    from app.records import (
        CoverageDay,
        DayHeadline,
        EventCitation,
        ModelProcessInfo,
        ModelWait,
        Passage,
        SentenceCitation,
        Source,
        StoredArticle,
        StoredStatement,
        StoryDay,
        StoryLine,
        StoryTimeline,
        TimelineEvent,
    )
    from app.store.chroma import StoreError
    from app.store.embeddings import EmbeddingError
    from app.store.testcases import (
        QUESTION_TYPES,
        CaseFile,
        CaseFileError,
        CaseFileProblem,
        SavedCase,
        TestCase,
        TestSetError,
        load_testset,
        read_testset,
    )
    from app.text.attribution import looks_like_person
    from app.text.dates import parse_as_of, parse_date_bound
    from app.text.sentences import split_sentences


if not TYPE_CHECKING:  # hidden from the type checker: it would type every unknown `from app import X` as Any

    def __getattr__(name: str) -> Any:
        if name in _EXPORTS:
            value = getattr(importlib.import_module(_EXPORTS[name]), name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'app' has no attribute {name!r}")
