"""Who-said-what at query time: which actors a question asks about, and all their statements as sources.

Statements were extracted at ingest (app.text.statements) and stored with a canonical ``affiliation`` ("Russia") and a
``speaker_key`` (the speaker's surname, lower case), so "What did Russia say?" and "What did Blinken say?" are
metadata lookups, not similarity guesses: nothing the article attributes to the actor is missed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.text.actors import actors_in_question, resolve_actor
from app.answer.citations import Source
from app.query.retrieval import HybridRetriever

MAX_STATEMENT_SOURCES = 12

_STATEMENT_INTENT = re.compile(
    r"\b(say|says|said|saying|tell|told|react\w*|respon\w*|position|stance|view|views|think|thinks|comment\w*|"
    r"statement\w*|criticis\w*|criticiz\w*|condemn\w*|warn\w*|urge\w*|call(ed)? (for|on)|claim\w*|accus\w*|"
    r"announc\w*|reaction|stand|line on|official line)\b|^\s*(and|what about|how about)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)*\b")
_QUESTION_WORDS = {"What", "How", "Who", "When", "Where", "Why", "Which", "Did", "Does", "Do", "And", "Compare",
                   "Tell", "Is", "Was", "Were", "Has", "Have", "The", "About", "Summarize", "Summarise", "List"}


def statement_question_actors(question: str) -> list[str]:
    """Actor names (canonical) or person surnames a "what did X say" style question asks about; [] otherwise."""
    if not _STATEMENT_INTENT.search(question) or re.match(r"\s*(who|when|where)\b", question, re.I):
        return []
    question = _subject_part(question)
    names = [a.name for a in actors_in_question(question)]
    for m in _NAME.finditer(question):
        word = m.group()
        if word in _QUESTION_WORDS or resolve_actor(word) is not None:
            continue
        if any(word in n or n in word for n in names):
            continue
        names.append(word.split()[-1])
    return names


_SUBJECT = re.compile(
    r"\b(?:did|does|do|has|have|had|is|are|was|were)\s+(?P<x>.+?)\s+(?:say|said|react|respond|think|comment|"
    r"claim|warn|urge|announce|accuse|critici[sz]e|condemn|call|tell|told|state)\b"
    r"|\bwhat\s+(?P<y>.+?)\s+(?:said|says|thinks?|wants?)\b"
    r"|\b(?P<z>[\w .’'-]+?)['’]s\s+(?:position|stance|view|reaction|response|statement|line)\b",
    re.IGNORECASE,
)


def _subject_part(question: str) -> str:
    """The speaker part of "What did X say about Y?": only X is asked about, Y is the topic."""
    m = _SUBJECT.search(question)
    if not m:
        return question
    return next(g for g in m.groups() if g)


def speaker_key(speaker: str) -> str:
    """Surname of a named speaker, lower case ("Antony Blinken" -> "blinken"); "" for bodies and groups."""
    words = re.findall(r"[A-Z][\w'’-]+", speaker)
    if len(words) >= 2 and words[0] not in {"Armenia", "Azerbaijan", "Russia", "Karabakh"} and "'" not in speaker:
        return words[-1].lower()
    return ""


def actor_sources(retriever: HybridRetriever, names: list[str]) -> list[Source]:
    """Every visible statement of the named actors/people, deduplicated by sentence, in date then text order."""
    store = retriever.store
    visible = retriever.visible_articles
    rows = []
    for name in names:
        resolved = resolve_actor(name)
        where = {"affiliation": resolved.name} if resolved else {"speaker_key": name.lower()}
        got = store.collections["statements"].get(where=where, include=["documents", "metadatas"])
        rows += [(name, d, m) for d, m in zip(got["documents"], got["metadatas"]) if m["article_id"] in visible]
    seen: set[tuple[str, int]] = set()
    unique = []
    for name, doc, meta in sorted(rows, key=lambda r: (r[2]["published_ts"], r[2]["article_id"], r[2]["start"])):
        key = (meta["article_id"], int(meta["start"]))
        if key in seen:
            continue
        seen.add(key)
        unique.append((name, doc, meta))
    unique = unique[-MAX_STATEMENT_SOURCES:]  # the most recent ones when an actor said a lot
    sources = []
    for i, (name, doc, meta) in enumerate(unique):
        speaker = meta.get("speaker") or ""
        affiliation = meta.get("affiliation") or name
        label = affiliation if not speaker or speaker == affiliation else f"{affiliation} — {speaker}"
        sources.append(
            Source(
                n=i + 1,
                text=doc,
                article_id=meta["article_id"],
                title=meta.get("title", ""),
                published=meta.get("published") or None,
                start=int(meta["start"]),
                end=int(meta["end"]),
                label=label,
                verb=meta.get("verb") or "",
                quote=meta.get("quote") or "",
            )
        )
    return sources


def label_sources(retriever: HybridRetriever, sources: list[Source], chunk_ids: list[str]) -> list[Source]:
    """Attribute search-route sentences too ("Russia — Dmitry Peskov"), so "Who said ...?" is answerable by a small
    model. One metadata lookup for all the passages involved."""
    if not sources or not chunk_ids:
        return sources
    got = retriever.store.collections["statements"].get(
        where={"chunk_id": {"$in": sorted(set(chunk_ids))}}, include=["metadatas"]
    )
    spans = [
        (m["article_id"], int(m["start"]), int(m["end"]), m.get("affiliation") or "", m.get("speaker") or "")
        for m in got["metadatas"]
    ]
    out = []
    for s in sources:
        names = []
        for article_id, start, end, affiliation, speaker in spans:
            if article_id == s.article_id and start < s.end and end > s.start:
                name = affiliation if not speaker or speaker == affiliation else f"{affiliation} — {speaker}"
                if name and name not in names:
                    names.append(name.strip(" —"))
        out.append(replace(s, label="; ".join(names)) if names else s)
    return out
