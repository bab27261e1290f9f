"""Who-said-what at query time: which actors a question asks about, and all their statements as sources.

Statements were extracted at ingest (app.text.attribution) and stored with a canonical ``affiliation`` ("Russia") and a
``speaker_key`` (the speaker's surname, lower case), so "What did Russia say?" and "What did Blinken say?" are
metadata lookups, not similarity guesses: nothing the article attributes to the actor is missed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.query.evidence import near_duplicate, question_terms
from app.query.retrieval import Retriever
from app.records import Source, StatementFilter, StoredStatement
from app.text.actors import actors_in_question, canonical_actors, resolve_actor
from app.text.asking import what_is_asked
from app.text.lines import dangling, named_subject, pronoun_speaks, resolve
from app.text.sentences import split_sentences
from app.text.tokens import NAME_WORD, content_tokens, slavic_spellings

MAX_STATEMENT_SOURCES = 12
_PRONOUNS = frozenset("he she it they him her them his its their".split())

_STATEMENT_INTENT = re.compile(
    r"\b(say|says|said|saying|tell|told|react\w*|respon\w*|position|stance|view|views|think|thinks|comment\w*|"
    r"statement\w*|criticis\w*|criticiz\w*|condemn\w*|warn\w*|urge\w*|call(ed)? (for|on)|claim\w*|accus\w*|"
    r"announc\w*|reaction|stand|line on|official line)\b|^\s*(and|what about|how about)\b",
    re.IGNORECASE,
)
_NAME = re.compile(rf"\b{NAME_WORD}(?:[- ]{NAME_WORD})*\b")
_QUESTION_WORDS = {"What", "How", "Who", "When", "Where", "Why", "Which", "Did", "Does", "Do", "And", "Compare",
                   "Tell", "Is", "Was", "Were", "Has", "Have", "The", "About", "Summarize", "Summarise", "List"}


def statement_question_actors(question: str) -> list[str]:
    """Actor names (canonical) or person surnames a "what did X say" style question asks about; [] otherwise.

    Only when X is the subject of the reporting verb ("What did X say", "How did X react", "X's position"): "Which
    pro sports league announced ...?" or "Which team claimed victory ...?" ask for a thing, not for statements.
    """
    if not _STATEMENT_INTENT.search(question) or re.match(r"\s*(who|when|where)\b", question, re.I):
        return []
    if what_is_asked(question).factoid and what_is_asked(question).wh != "what":
        return []
    subject = _SUBJECT.search(question)
    if subject is None:
        return []
    question = next(g for g in subject.groups() if g)
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
    r"|\b(?P<z>[\w .’'-]+?)['’]s\s+(?:position|stance|view|reaction|response|statement|line)\b"
    # "What was the reaction from / of / by X (to ...)", "What reaction did X have": the reaction as a noun
    r"|\b(?:reactions?|responses?|reply|statements?|comments?|position|stance)\s+(?:from|of|by)\s+"
    r"(?P<w>.+?)(?=\s+(?:to|on|over|about|regarding|after|following|at|in)\b|\s*[?.!]|\s*$)"
    r"|\bwhat\s+(?:reactions?|responses?|statements?|comments?|position|stance)\s+(?:did|does|do|has|have|had)\s+"
    r"(?P<v>.+?)\s+(?:have|give|make|offer|issue|take|had|given|made|offered|issued|taken)\b",
    re.IGNORECASE,
)


# Words that ask for statements, not what they are about ("What did Trump say about the judge?": "judge").
_INTENT_WORDS = frozenset(content_tokens(
    "say says said saying tell told react reacted reaction reactions respond responded response responses position "
    "stance view views think thinks comment comments commented statement statements criticise criticize criticised "
    "criticized condemn condemned warn warned urge urged call called claim claimed accuse accused announce announced "
    "stand line official"))


def statement_topic(question: str, names: list[str]) -> set[str]:
    """What a statement question asks the actor's words to be about, as content tokens: {"judge"} for "What did
    Trump say about the judge?"; empty for "What did Russia say?" (its words name the actor or ask for words)."""
    subject = _SUBJECT.search(question)
    said_by = next((g for g in subject.groups() if g), "") if subject else ""
    actor_words = content_tokens(canonical_actors(f"{said_by} {' '.join(names)}"))
    return question_terms(question) - _INTENT_WORDS - actor_words


def actor_sources(retriever: Retriever, names: list[str], question: str = "") -> list[Source]:
    """Every visible statement of the named actors/people, deduplicated by sentence, in date then text order; a later
    copy of a statement already listed (``near_duplicate``: wire copies, retellings, a live page's summary box) is
    not listed again: a week of news listed "DeSantis declared a state of emergency for 49 counties" four times in
    twelve. When
    ``question`` asks what they said about something (``statement_topic``) and their statements come from several
    articles, only the statements that name it, in their words or their article's headline: none when none does
    (the search route then answers from the sentences that name them). A new user's "What did Trump say about the
    judge?" over 62 articles had listed twelve Trump statements on cars and unions. Within one article every
    statement is about its story, named or not ("What was Russia's response to the offensive?" on the seed, whose
    Russian statements say "stop fighting" and "urged negotiations"): all of them are kept."""
    visible = retriever.visible_articles
    found: list[tuple[str, StoredStatement]] = []
    for name in names:
        resolved = resolve_actor(name)
        rows = (retriever.statements(StatementFilter(affiliation=resolved.name)) if resolved
                else [st for key in slavic_spellings(name.lower()) for st in retriever.statements(
                    StatementFilter(speaker_key=key))])
        given = _given_name(question, name) if question and not resolved else ""
        found += [(name, st) for st in rows if st.article_id in visible and not _someone_else(st, name, given)]
    seen: set[tuple[str, int]] = set()
    told: list[set[str]] = []  # the kept statements' content tokens
    unique: list[tuple[str, StoredStatement]] = []
    for name, st in sorted(found, key=lambda r: (r[1].published_ts, r[1].article_id, r[1].start)):
        tokens = content_tokens(st.text)
        if (st.article_id, st.start) in seen or near_duplicate(tokens, told):
            continue
        seen.add((st.article_id, st.start))
        told.append(tokens)
        unique.append((name, st))
    topic = statement_topic(question, names) if question else set()
    if topic and len({st.article_id for _, st in unique}) > 1:
        unique = [(name, st) for name, st in unique if topic & content_tokens(f"{st.title} {st.text}")]
    unique = unique[-MAX_STATEMENT_SOURCES:]  # the most recent ones when an actor said a lot
    return [
        Source(n=i + 1, text=st.text, article_id=st.article_id, title=st.title, published=st.published,
               start=st.start, end=st.end, label=_label(st, name), verb=st.verb, quote=st.quote)
        for i, (name, st) in enumerate(unique)
    ]


_NOT_GIVEN = frozenset("""president vice prime minister secretary gen general sen senator rep representative gov
governor king queen prince chancellor chief judge justice mr mrs ms dr pope sheikh ambassador mayor leader speaker
former late house senate what did does do how when why who and the about""".split())


def _given_name(question: str, surname: str) -> str:
    """The given name the question puts before ``surname`` ("What did Jim Murphy say?" -> "Jim"), "" for none."""
    m = re.search(rf"\b([A-Z][a-z'’-]+)\s+{re.escape(surname)}\b", question)
    return m.group(1) if m and m.group(1).lower() not in _NOT_GIVEN else ""


def _someone_else(st: StoredStatement, surname: str, given: str) -> bool:
    """A statement keyed by ``surname`` that is another person's than the asked "``given`` ``surname``": its speaker
    is written with another given name, or it is written by surname alone in an article whose headline names the
    surname with another given name. The ingest keys speakers by surname, so "What did Jim Murphy say?" listed the
    96 statements of "Phil Murphy campaign promise tracker ..." beside Jim Murphy's 4 (a RealTimeQA week,
    fourteenth session)."""
    if not given:
        return False
    words = st.speaker.split()
    if len(words) >= 2 and words[-1].lower() == surname.lower():
        first = next((w for w in words[:-1] if w.lower().strip(".") not in _NOT_GIVEN), "")
        return bool(first) and first.lower() != given.lower()
    headline = _given_name(st.title, surname)
    return bool(headline) and headline.lower() != given.lower()


def _label(st: StoredStatement, asked: str) -> str:
    """"Russia — Dmitry Peskov"; a speaker with no known affiliation is labelled with the name that was asked, or
    with their own name when it holds the asked one ("Ron DeSantis", not "DeSantis — Ron DeSantis")."""
    actor = st.affiliation or asked
    if not st.affiliation and st.speaker and asked.lower() in st.speaker.lower():
        return st.speaker
    return actor if not st.speaker or st.speaker == actor else f"{actor} — {st.speaker}"


def label_sources(retriever: Retriever, sources: list[Source], chunk_ids: list[str]) -> list[Source]:
    """Attribute search-route sentences too ("Russia — Dmitry Peskov"), so "Who said ...?" is answerable by a small
    model. One metadata lookup for all the passages involved."""
    if not sources or not chunk_ids:
        return sources
    statements = retriever.statements(StatementFilter(chunk_ids=tuple(sorted(set(chunk_ids)))))
    # the sentence before a pronoun-led one may be in the passage before: its articles read once, together
    texts = retriever.store.article_texts(sorted({s.article_id for s in sources if not s.shown and dangling(s.text)}))
    out = []
    for s in sources:
        names: list[str] = []
        overlapping = [st for st in statements
                       if st.article_id == s.article_id and st.start < s.end and st.end > s.start]
        for st in overlapping:
            if st.label and st.label not in names:
                names.append(st.label)
        shown = s.shown
        if not shown and dangling(s.text):
            text = texts.get(s.article_id, "")
            before = text[max(0, s.start - 2000):s.start] if text[s.start:s.end] == s.text else ""
            shown = subject_shown(s, overlapping, before)
        out.append(replace(s, label="; ".join(names) or s.label, shown=shown))
    return out


def subject_shown(source: Source, statements: list[StoredStatement], before: str = "") -> str:
    """The sentence with its opening pronoun's referent in brackets, "" when it opens with none or it cannot be
    told. "And Armenia?" over the seed article was answered "It said it was acting to “restore the constitutional
    order ...” [2]", the "It" being Azerbaijan's defence ministry: a reader took it for Armenia. The referent is the
    speaker the ingest attributed the pronoun's reporting verb to when the sentence before names that speaker ("It
    [Azerbaijan’s defense ministry] said ..." after "Azerbaijan’s defense ministry spoke in an earlier statement
    ..."), else the subject of the sentence before (``resolve``, as a timeline line's). The speaker alone is not
    enough: after "He didn't blame the moderators ..., But Allison did", a RealTimeQA week's "He called the event
    “the worst debate ...”" was attributed to the Collier quoted two sentences up. ``before``: the article's text
    before the sentence (else the passage's, ``source.context``)."""
    if not dangling(source.text):
        return ""
    if not before.strip():
        at = source.context.find(source.text)
        before = source.context[:at] if at > 0 else ""
    before = before.rstrip()
    spans = split_sentences(before) if before else []
    if not spans:
        return ""
    previous = spans[-1].text(before)
    for st in statements:
        speaker = st.speaker.strip()
        if speaker and speaker.lower() not in _PRONOUNS and pronoun_speaks(source.text, st.verb) \
                and re.search(rf"\b{re.escape(speaker.split()[-1])}\b", previous):
            return named_subject(source.text, speaker)
    resolved = resolve(source.text, previous)
    return resolved if resolved and resolved != source.text else ""
