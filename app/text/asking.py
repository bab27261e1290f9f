"""What a question asks for: its wh-form and the type of answer it wants ("which automaker" -> an organisation,
"how much" -> money, "where" -> a place), so routing and reading follow the question, not its incidental words.

Why: a time qualifier is a filter, not a request for a timeline. "Which Ivy League school named a new president
this week?" contains "this week" and went to the timeline route, which answered with dated events instead of the
school; "Which pro sports league announced ...?" contains "announced" and went to the who-said-what route. A
factoid question (which / who / where / how many / how much / what + noun) asks for a thing; only "when", "before /
after", "what happened ..." and "latest" questions ask for a timeline.

Rules, not a model: the wh-word and the noun after "which/what" decide, with a small table of nouns per answer type.
Rejected: spaCy's dependency parse for the head noun (a 12 MB pipeline and ~5 ms per question for what a regex
reads exactly in these short questions).

Measured and rejected (eighth session): a wider head-noun table (~70 more nouns: "species", "product", "virus",
"broadcaster", "constituency", ...), plural heads, the head read up to the phrase's verb ("which college sport set"
-> "the sport", not "the college"), and a wh-phrase inside the question read like a leading one ("After a 35-year
run, which department store closed ..." -> "the store", not "the department"). It changed the kind of 50 of the
250 RealTimeQA dev questions (the LLM pick's cue "Copy the species." instead of "Copy the answer."). Those 50 in
LLM mode, before / after: open 11 / 11, no question gained or lost; the more specific cue made the model answer
where it had declined (6 abstentions became wrong answers, "Wegmans" for the brewery, 2 wrong answers became
abstentions). Extractive, all 250: 0.160 / 0.160 (same rows); TimeQA dev, extractive: 0.341 / 0.344 (22 of 485
questions typed differently, one more right). No gain a reader would see, and more confident wrong answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.text.sentences import split_sentences

# Answer types, named as spaCy's NER labels are (the reader matches candidates to them).
PERSON, ORG, GPE, LOC, NUMBER, MONEY, PERCENT, DATE, EVENT, OTHER = (
    "PERSON", "ORG", "GPE", "LOC", "NUMBER", "MONEY", "PERCENT", "DATE", "EVENT", "OTHER",
)

_HEAD_TYPES: dict[str, tuple[str, ...]] = {
    PERSON: ("person", "man", "woman", "actor", "actress", "singer", "rapper", "player", "athlete", "coach",
             "president", "leader", "minister", "official", "executive", "ceo", "senator", "governor", "mayor",
             "judge", "candidate", "celebrity", "star", "author", "writer", "director", "lawmaker", "politician",
             "journalist", "reporter", "billionaire", "founder", "chief", "spokesman", "spokeswoman", "scientist",
             "musician", "artist", "comedian", "host", "quarterback", "pitcher", "golfer", "boxer", "driver",
             "royal", "prince", "princess", "king", "queen", "pope", "general", "republican", "democrat"),
    ORG: ("company", "automaker", "carmaker", "firm", "brand", "chain", "retailer", "bank", "airline", "network",
          "organization", "organisation", "agency", "group", "team", "club", "league", "union", "party",
          "school", "university", "college", "studio", "maker", "manufacturer", "startup", "giant", "publisher",
          "newspaper", "outlet", "channel", "band", "department", "court", "committee", "government", "restaurant",
          "store", "platform", "app", "service", "exchange", "fund", "insurer", "hospital", "church", "ministry"),
    GPE: ("country", "nation", "state", "city", "town", "county", "province", "region", "capital", "territory",
          "island", "village", "neighborhood", "neighbourhood"),
    LOC: ("place", "location", "venue", "stadium", "arena", "park", "river", "mountain", "volcano", "sea", "ocean",
          "lake", "airport", "building", "site", "area", "border"),
    DATE: ("year", "month", "day", "date", "week", "decade", "century", "season", "time"),
    NUMBER: ("number", "toll", "total", "count", "amount", "figure", "score", "age", "population", "size"),
    MONEY: ("cost", "price", "value", "fine", "salary", "budget", "revenue", "deal"),
    PERCENT: ("percentage", "share", "rate"),
    EVENT: ("event", "tournament", "award", "prize", "storm", "hurricane", "disaster", "holiday", "festival",
            "election", "war", "game", "match", "race", "championship", "series"),
}
_TYPE_OF_HEAD = {noun: kind for kind, nouns in _HEAD_TYPES.items() for noun in nouns}
TYPE_NOUNS = frozenset(_TYPE_OF_HEAD)  # the nouns whose answer type is known ("country", "automaker", "stadium")
_AUX = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "will", "would", "can", "could",
        "should", "happened", "happens", "happen", "caused", "causes", "made", "makes", "led", "about"}
_LEAD = re.compile(r"^\s*(?:(?:and|so|but|then|also|ok|okay)[,\s]+)*(?:(?:on|in|at|by|for|from|to|of|with|since)\s+)?",
                   re.I)
_WH = re.compile(
    r"(?P<wh>how\s+(?:many|much|old|long|far|big|large|tall|often)|which|what|whose|whom|who|where|when|why|how)\b"
    r"(?:\s+(?P<head>[a-z0-9][\w-]*(?:\s+[a-z0-9][\w-]*){0,3}))?",
    re.I,
)
# "Xi Jinping met with Joe Biden in which city?": the wh-phrase inside the question
_INNER_WH = re.compile(r"\b(?P<wh>which|what)\s+(?P<head>[a-z][\w-]*)", re.I)
# "Three astronauts returned to Earth this week after how many days in space?", "... rates increased by how much
# between 2021 and 2022?": a number asked inside the sentence
_INNER_HOW = re.compile(r"\b(?P<wh>how\s+(?:many|much))\b(?:\s+(?P<head>[a-z][\w-]*))?", re.I)
_MONEY_WORDS = re.compile(r"\b(cost|costs|price|worth|paid|pay|fine|fined|salary|budget|raise[ds]?|dollars?|"
                          r"\$|euros?|pounds?|billion|million)\b", re.I)
_PERCENT_WORDS = re.compile(r"\b(percent|per cent|percentage|rate|%)\b", re.I)
# "What was Russia's reaction to ...", "What was the response from Turkey", "What reaction did Israel have": a
# reaction asked as a noun is a request for someone's statements (as "How did X react" is), not for one thing.
_OPINION_NOUNS = r"(?:reactions?|responses?|reply|replies|position|stance|views?|statements?|comments?)"
_OPINION = re.compile(
    r"^\s*what\s+(?:(?:is|was|are|were|has\s+been|had\s+been)\s+(?:the\s+)?(?:[\w .’'-]+?['’]s\s+)?"
    rf"(?P<a>{_OPINION_NOUNS})\b|(?P<b>{_OPINION_NOUNS})\s+(?:did|does|do|has|have|had)\b)",
    re.I,
)


# "Who is Hikmet Hajiyev?", "Who was Omar Suleiman?": a name and nothing after it asks for a description
_WHO_IS_NAME = re.compile(r"^\s*(?i:who)\s+(?i:is|was|are|were)\s+(?:[A-Z][\w.'’-]*\s*)+\??\s*$")


@dataclass(frozen=True)
class Asking:
    """What a question asks for."""

    wh: str  # "which", "who", "how many", ... ; "" for a yes/no or imperative question
    answer_type: str | None  # PERSON, ORG, GPE, LOC, NUMBER, MONEY, PERCENT, DATE, EVENT, OTHER; None: not a thing
    head: str  # the noun after which/what ("automaker"), if any
    factoid: bool  # asks for one specific thing: a name, a place, a number


def _after_lead(question: str) -> str:
    """The question after its leading "And", "So", "On" ... (``_LEAD`` matches at least the empty string)."""
    lead = _LEAD.match(question)
    return question[lead.end():] if lead else question


# "When most of the team's games were played in New Orleans, what was its name?": a clause of time first, then the
# question (TimeQA's form)
_WHEN_CLAUSE = re.compile(r"^\s*when\b[^?,]*,\s*(?=(?:who|whom|whose|what|which|where|how)\b)", re.I)


def what_is_asked(question: str) -> Asking:
    """The wh-form and expected answer type of a question ("Which automaker recalled ...?" -> ORG, factoid)."""
    clause = _WHEN_CLAUSE.match(question or "")
    if clause:
        return what_is_asked(question[clause.end():])
    body = _after_lead(question)
    opinion = _OPINION.match(body) if question else None
    if opinion:
        return Asking("what", None, (opinion.group("a") or opinion.group("b")).lower(), False)
    m = _WH.match(body) if question else None
    if not m:
        # "The House has been in disarray since ... . Who did House Republicans pick as their nominee?": the context
        # first, then the sentence that asks (a quiz's form, and a user's who pastes a line before asking)
        asking = [span for span in split_sentences(question or "")[1:] if _WH.match(question, span.start)]
        if asking:
            return what_is_asked(question[asking[-1].start:])
        inner = _INNER_WH.search(question or "")
        if inner is None:
            how = _INNER_HOW.search(question or "")
            if how is None:
                return Asking("", None, "", False)
            return _how(" ".join(how.group("wh").lower().split()), (how.group("head") or "").lower(), question)
        head = inner.group("head").lower()
        kind = _TYPE_OF_HEAD.get(head, OTHER)
        if kind == DATE:
            return Asking("when", DATE, head, False)
        return Asking(inner.group("wh").lower(), kind, head, True)
    wh = " ".join(m.group("wh").lower().split())
    words = (m.group("head") or "").lower().split()
    if words and words[0] in ("is", "was", "are", "were") and len(words) > 1:
        words = words[1:]  # "What was the death toll ...": the noun after the copula
    elif words and words[0] in _AUX:
        words = words[:1]
    # "Which French stadium will host ...": the noun phrase ends at its verb ("host" is not the head)
    words = next((words[:i] for i, w in enumerate(words) if i and w in _AUX), words)
    # "Which Ivy League school ...": the last known noun of the phrase is its head
    head = next((w for w in reversed(words) if w in _TYPE_OF_HEAD), words[0] if words else "")
    if wh.startswith("how ") and wh != "how long":
        return _how(wh, head, question)
    if wh == "how long":
        return Asking(wh, DATE, head, False)
    if wh in ("who", "whom", "whose"):
        if _WHO_IS_NAME.match(question):
            return Asking(wh, None, head, False)  # "Who is Hikmet Hajiyev?" asks what the person is, not a name
        return Asking(wh, PERSON, head, True)
    if wh == "where":
        return Asking(wh, GPE, head, True)
    if wh in ("when", "why", "how"):
        return Asking(wh, DATE if wh == "when" else None, head, False)
    # which / what: the noun after it decides
    if not words or words[0] in _AUX or (head not in _TYPE_OF_HEAD and words[0] in ("the", "a", "an")):
        return Asking(wh, None, "", wh == "which")  # "What happened ...?", "What did X say?", "What is the news?"
    kind = _TYPE_OF_HEAD.get(head, OTHER)
    if kind == DATE:
        return Asking("when", DATE, head, False)  # "which year", "what day": a time question
    if head == "figure" and wh == "which":
        kind = PERSON  # "Which political figure tested positive?" asks who; "What figure ...?" how many
    return Asking(wh, kind, head, True)


def _how(wh: str, head: str, question: str) -> Asking:
    """"How many" / "how old" / ... asks for a number; "how much" for a share, a sum or a number."""
    if wh != "how much":
        return Asking(wh, NUMBER, head, True)
    kind = PERCENT if _PERCENT_WORDS.search(question) else MONEY if _MONEY_WORDS.search(question) else NUMBER
    return Asking(wh, kind, head, True)


# --- story timelines ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryAsk:
    """A request for a story's timeline: "Give me a timeline of the Libyan civil war since June"."""

    about: str  # "the Libyan civil war"
    when: str  # "since June"; "" when the question sets no range
    new: bool = False  # "what's new in X since Monday": only what the articles published after that day report


_OPENERS = (r"^\s*(?:please\s+)?(?:(?:give|show|tell|get)\s+(?:me|us)\s+|(?:make|build|create|draw|write|list)\s+"
            r"(?:me\s+|us\s+)?|(?:what|which)\s+(?:is|was|are|were)\s+|what's\s+|can\s+you\s+(?:give|show|make)\s+"
            r"(?:me\s+|us\s+)?)?")
_STORY_PATTERNS = (
    re.compile(_OPENERS + r"(?:an?\s+|the\s+)?(?:(?:full|complete|brief|short|detailed)\s+)?"
               r"(?:timeline|chronology|time\s+line)\s+(?:of|for|on|about)\s+(?P<about>.+)$", re.I),
    re.compile(_OPENERS + r"(?:the\s+)?(?:key|main|important|major|biggest)\s+(?:dates|events|moments|milestones|days)"
               r"\s+(?:of|in|for|on)\s+(?P<about>.+)$", re.I),
    re.compile(r"^\s*(?:and\s+)?what\s+(?:has\s+|have\s+)?happened\s+(?:in|with|to|during)\s+(?P<about>.+?)\s+"
               r"(?P<when>(?:since|from|between|after|until|through|over)\s+.+)$", re.I),
)
# A range after the story's name: "... of the Libyan civil war from February to October 2011"
_TRAILING_WHEN = re.compile(r"\s+(?P<when>(?:since|from|between|after|before|until|through|during|in|over)\s+.+)$",
                            re.I)


# "What's new in the Lakeview dam collapse since Monday?", "Anything new on Conrad Murray since 3 March?": only what
# is new since the day (app.query.actor_timeline), not the whole timeline from it.
_NEW_SINCE = re.compile(r"^\s*(?:and\s+)?(?:so\s+)?(?:what(?:'s|’s|\s+is|\s+was)\s+new|what\s+(?:has|have)\s+changed|"
                        r"(?:is\s+there\s+)?any(?:thing)?\s+new)\s+(?:in|with|on|about|for|from|regarding)\s+"
                        r"(?P<about>.+?)\s+(?P<when>since\s+.+)$", re.I)


def story_request(question: str) -> StoryAsk | None:
    """The story a question asks the timeline of ("timeline of X", "key dates of X", "what happened in X since
    June"), with its time words; None for any other question (those are answered by the other routes)."""
    from app.text.dates import find_time_expressions  # the date finders are heavier than this module

    text = (question or "").strip().rstrip("?.! ")
    new = _NEW_SINCE.match(text)
    if new and new.group("about").strip() and find_time_expressions(new.group("when"), dt.date(2000, 1, 1)):
        return StoryAsk(new.group("about").strip(), new.group("when").strip(), new=True)
    for i, pattern in enumerate(_STORY_PATTERNS):
        m = pattern.match(text)
        if not m:
            continue
        about, when = m.group("about").strip(), (m.groupdict().get("when") or "").strip()
        if not when:
            trail = _TRAILING_WHEN.search(about)
            if trail and find_time_expressions(trail.group("when"), dt.date(2000, 1, 1)):
                about, when = about[: trail.start()].strip(), trail.group("when").strip()
        # "What happened in September since ...": the subject itself is a time, not a story
        if not about or (i == 2 and find_time_expressions(about, dt.date(2000, 1, 1))):
            return None
        return StoryAsk(about, when)
    return None
