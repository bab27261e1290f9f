"""Numbered sources and the citation guard.

Every [n] shown to a user must exist and its source sentence must support the answer sentence it ends. The check is
lexical on purpose (content-word overlap with light stemming, also over the claim's words that are not names; every
number and every proper name in the claim must appear in the source, actor aliases unified; a claim that opens with
a name and its verb needs that name in the verb's place): it is exact about numbers and names, costs microseconds,
and needs no model. An entailment model (an NLI cross-encoder) was rejected: none ships offline in a PyPI package,
and it would add ~100 ms per claim on 2 cores. A claim whose citation fails is re-attached to the source that does
support it, or dropped; if nothing survives, the caller falls back to the extractive answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.records import Source
from app.text.actors import canonical_actors, find_actor_mentions
from app.text.sentences import ends_with_abbreviation, split_sentences
from app.text.tokens import (
    capitalised_words,
    content_tokens,
    name_groups,
    name_positions,
    name_words,
    number_words_as_digits,
    numbers_in,
    word_positions,
)

CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def _sentences(text: str) -> list[str]:
    """The answer's sentences, split by the one sentence splitter the articles are split by
    (app.text.sentences): a full stop of an abbreviation or a time ("a.m.", "U.S.", "Dec.", "Rep.") or of an
    initial ("Clifford J. Murphy") ends no sentence. A second, looser splitter here cut "(Update 4:33 a.m. Thursday
    in Cairo, 9:33 p.m. ET Wednesday)" after "a.m." and "p.m.", and the guard put the markers inside them:
    "4:33 a.m [2]. Thursday" (issue 27)."""
    parts: list[str] = []
    for span in split_sentences(text):
        part = span.text(text).strip()
        marker = CITATION.match(part)
        if parts and marker:  # "calm. [2]": the marker closes the sentence before it
            parts[-1] += f" {part[: marker.end()]}"
            part = part[marker.end():].strip()
        if part:
            parts.append(part)
    return parts
# A citation group and what closes it ("[2].", "[1, 3]”"); a bracket of words ("He [Hosni Mubarak] said") is not one.
_CITATION_END = re.compile(CITATION.pattern + r"[.!?;:,]*[”\"’)]*(?=\s|$)")


def support_score(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence; 0 if the claim has a number the evidence lacks."""
    claim_tokens = content_tokens(CITATION.sub(" ", claim))
    if not claim_tokens:
        return 1.0
    evidence_tokens = content_tokens(evidence)
    if numbers_in(CITATION.sub(" ", claim)) - evidence_tokens:
        return 0.0
    return len(claim_tokens & evidence_tokens) / len(claim_tokens)


SUPPORT_THRESHOLD = 0.5


def said_supported(claim: str, evidence: str, known: frozenset[str] = frozenset(),
                   threshold: float = SUPPORT_THRESHOLD) -> bool:
    """What the claim says beyond its names is in the evidence: the share of its content words that are not words
    of its proper names reaches ``threshold`` (names are checked apart, by ``names_supported``). Counted with the
    names, "Rep. Marjorie Taylor Greene, R-Ga., called for a formal impeachment inquiry into President Joe Biden"
    passed 0.5 on "... lawmakers, including Rep. Marjorie Taylor Greene, R-Ga., ... have long alleged that Biden was
    improperly involved ...": eight of its thirteen words are names; of the other four, one is there."""
    said, unsaid = said_words(claim, evidence, known)
    return not said or (len(said) - len(unsaid)) / len(said) >= threshold


def said_words(claim: str, evidence: str, known: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """The claim's content words that are not words of its proper names, and those of them the evidence lacks
    (actor aliases unified on both sides)."""
    claim = canonical_actors(CITATION.sub(" ", claim))
    said = content_tokens(claim) - {w for group in name_groups(claim, known) for w in group}
    return said, said - content_tokens(canonical_actors(evidence))


def names_supported(claim: str, evidence: str, known: frozenset[str] = frozenset()) -> bool:
    """Every proper name of the claim is in the evidence, actor aliases unified ("Moscow" may cite "the Kremlin").

    A name passes when its last word is written with a capital in the evidence ("Prime Minister Nikol Pashinyan"
    may cite "Pashinyan said"; "New York" may not cite "New Delhi") or when all its words are there in any case
    ("the Defence Ministry" may cite "the defence ministry"). The share-of-words test alone let a swapped name
    through: "Eugene Young, a 53-year-old veteran ..." citing the sentence about Donyale Hall, and "Armenia backs
    Azerbaijan" citing "... Turkey, which backs Azerbaijan". ``known`` holds words that are names wherever they
    stand (see ``name_groups``); the actors the claim names are added to it.
    """
    claim = CITATION.sub(" ", claim)
    known = known | {w for m in find_actor_mentions(claim) for w in name_words(m.actor.name)}
    claim, evidence = canonical_actors(claim), canonical_actors(evidence)
    capitals, words = capitalised_words(evidence), name_words(evidence)
    return all(group[-1] in capitals or set(group) <= words for group in name_groups(claim, known))


# Words after which the subject may come last in news text ("... ," said Peskov): no order is read from them.
_INVERTIBLE = frozenset("said say says told tell add added ask asked note noted write wrote according".split())


# A passive verb: "was ousted", "has been ousted", "were quickly removed" (participles: -ed, -en, -wn, ...).
_AUX = r"(?:is|are|was|were|be|been|being|has\s+been|have\s+been|had\s+been)"
_PASSIVE = re.compile(rf"^{_AUX}\s+(?:\w+ly\s+)?(?P<verb>[a-z][\w'’-]*(?:ed|en|wn|ung|ught|id|lt|nt))\b", re.I)
_PRONOUN_OBJECT = re.compile(r"^[\w'’-]+\s+(?:him|her|them)\b", re.I)
_ENDS_WITH_AUX = re.compile(rf"\b{_AUX}\s+(?:\w+ly\s+)?$", re.I)

# "Armenia sent", "The Kremlin said", "Azerbaijan's defence ministry": a leading name and the word after it.
_LEADING_NAME = re.compile(r"^(?:The\s+)?(?P<name>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+(?P<word>[a-z][\w'’-]*)")


def subject_in_place(claim: str, evidence: str, label: str = "") -> bool:
    """A claim that opens with a name and a word ("Armenia sent troops ...", "Russia backs Azerbaijan") is only
    supported by a sentence where that word follows the same name: the name nearest before some use of the word
    in the evidence must be the claim's (actor aliases unified), or the source's label (a statement's speaker)
    must name it. "Armenia sent troops [3]" citing "Azerbaijan sent troops ... its neighbor Armenia", and "Russia
    backs Azerbaijan" citing "... where Russia ... is seeking ... from Turkey, which backs Azerbaijan", are refused;
    the first had passed every other check. A long clause between a subject and its verb with another name in it
    ("Russia, which brokered a ceasefire ... around Karabakh, called for ...") is refused too, unless the label
    names the speaker: the reader then sees the quoted sentence instead of the model's. Reporting verbs are
    exempt, since news puts the speaker after them ("... ," said Peskov). A passive claim ("Matt Gaetz was ousted")
    names the one acted on: after an active verb that is the name just after it, or the name before a pronoun
    object ("McCarthy ... after lawmakers ousted him"); "members ... ousted its speaker ... in a move set in motion by
    ... Rep. Matt Gaetz" is refused. A lexical check cannot parse who did what: "Azerbaijan backs Azerbaijan" still
    passes "Azerbaijan sent troops backed by artillery"."""
    claim = canonical_actors(CITATION.sub(" ", claim)).strip()
    first = _LEADING_NAME.match(claim)
    if first is None:
        return True
    names = name_positions(first.group("name"))
    subject = set(names[0][1]) if names else set()
    word = first.group("word")
    passive = _PASSIVE.match(claim[first.start("word"):])  # "Matt Gaetz was ousted": the verb is the participle
    if passive:
        word = passive.group("verb")
    verb_words = word_positions(word)
    if not subject or not verb_words or word.lower() in _INVERTIBLE:
        return True
    if subject & name_words(canonical_actors(label)):
        return True
    verb = verb_words[0][1]
    evidence = canonical_actors(evidence)
    verb_at = [i for i, w in word_positions(evidence) if w == verb]
    named = [(i, set(ws)) for i, ws in name_positions(evidence) if ws]
    if not verb_at or not any(subject & ws for _, ws in named):
        return True  # a paraphrase, or a name the name check has already judged
    for at in verb_at:
        before = [ws for i, ws in named if i < at]
        # A passive claim's subject is the one acted on: the name just after an active verb ("... ousted
        # McCarthy"); before a passive one ("McCarthy has been ousted") it is the name nearest before, as usual.
        if passive and not _ENDS_WITH_AUX.search(evidence[:at]):
            after = [ws for i, ws in named if i > at]
            if after and subject & after[0]:
                return True
            # "McCarthy ... after lawmakers ousted him": a pronoun object refers back to a name before the verb
            if _PRONOUN_OBJECT.match(evidence[at:]) and any(subject & ws for ws in before):
                return True
        elif before and subject & before[-1]:
            return True
    return False


def known_names(sources: list[Source]) -> frozenset[str]:
    """Words the sources write with a capital inside a sentence: names, wherever a claim puts them."""
    return frozenset(w for s in sources for group in name_groups(canonical_actors(s.text)) for w in group)


def evidence_of(source: Source) -> str:
    """What a claim citing ``source`` may rely on: the sentence, its label (speaker, or the resolved event date),
    a story line's shown form (its pronoun's subject in brackets, resolved from the sentence before), its
    publication date spelled out (so "on 19 September 2023 [1]" can cite "on Tuesday") and the digits of its
    number words ("4 astronauts" may cite "four astronauts"). Not the headline: every source of an article shares it,
    so headline words would let a claim cite any sentence of the story."""
    extra = [source.label, source.shown, number_words_as_digits(source.text)]
    day = source.published_day
    if day is not None:
        extra.append(f"{day.isoformat()} {day.day} {day:%B} {day.year} {day:%A} {day:%b}")
    elif source.published:
        extra.append(source.published)
    for label_date in re.findall(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b", source.label):
        year, month, day_s = label_date
        extra.append(f"{dt.date(int(year), int(month), 1):%B} {int(day_s) if day_s else ''} {year}")
    return " ".join([source.text, *extra])


def cite(text: str, n: int) -> str:
    """"text [n]", with a full stop after the marker when the text has no end punctuation of its own (a headline),
    so the next quoted sentence is not read as part of it."""
    text = text.rstrip()
    return f"{text} [{n}]" if re.search(r"[.!?][”\"’)]*$", text) else f"{text} [{n}]."


def split_claims(answer: str) -> list[str]:
    """Answer claims, each keeping the citation markers that close it.

    Text is cut after every citation group. Inside a cut, the marker covers only the last sentence (models put
    one marker per sentence), except when the sentences form one quotation ("“Enough is enough. We cannot...” [4]"),
    which stays whole. Uncited sentences become claims of their own, which the guard re-cites or drops.
    """
    claims: list[str] = []
    cuts = [0] + [m.end() for m in _CITATION_END.finditer(answer)] + [len(answer)]
    for a, b in zip(cuts, cuts[1:]):
        segment = answer[a:b]
        parts = _sentences(segment)
        if len(parts) > 1 and CITATION.search(parts[-1]) and _one_quotation(parts):
            parts = [" ".join(parts)]
        claims.extend(parts)
    return claims


def _one_quotation(parts: list[str]) -> bool:
    """True when a quotation opens in an earlier sentence and closes in the last one."""
    opened = sum(p.count("“") - p.count("”") for p in parts[:-1])
    return opened > 0 or sum(p.count('"') for p in parts[:-1]) % 2 == 1


def cited_numbers(claim: str) -> list[int]:
    return [int(x) for m in CITATION.finditer(claim) for x in m.group(1).split(",")]


@dataclass
class GuardResult:
    """The verified answer text, the sources it cites (in order of first use) and what the guard changed."""

    text: str
    cited: list[Source]
    dropped_claims: list[str]
    repaired: int
    removed_markers: int

    @property
    def empty(self) -> bool:
        return not self.text.strip() or not self.cited


def verify(answer: str, sources: list[Source], threshold: float = SUPPORT_THRESHOLD,
           repair_from: list[Source] | None = None) -> GuardResult:
    """Keep claims whose citations exist and support them; re-cite (to one of ``repair_from``, default ``sources``)
    or drop the others. Over a whole cached archive (app.answer.library) the model may cite any sentence, but a
    claim is only re-cited to a sentence the route chose: among sixty sentences, one sharing the claim's words by
    chance is too easy to find ("Armenia backs Azerbaijan" re-cited to "... its neighbor Armenia")."""
    by_n = {s.n: s for s in sources}
    known = known_names(sources)

    def supports(claim: str, source: Source) -> bool:
        evidence = evidence_of(source)
        return (support_score(claim, evidence) >= threshold and names_supported(claim, evidence, known)
                and said_supported(claim, evidence, known, threshold) and subject_in_place(claim, source.text,
                                                                                             source.label))

    kept: list[str] = []
    dropped: list[str] = []
    used: list[int] = []
    repaired = removed = 0
    for claim in split_claims(answer):
        bare = CITATION.sub("", claim).strip()
        bare = re.sub(r"\s+([.,;:!?])", r"\1", bare)
        if not bare:
            continue
        numbers = cited_numbers(claim)
        good = [n for n in dict.fromkeys(numbers) if n in by_n and supports(bare, by_n[n])]
        removed += len(numbers) - len(good)
        if not good and len(content_tokens(bare)) >= 2:
            ranked = sorted(sources if repair_from is None else repair_from,
                            key=lambda s: -support_score(bare, evidence_of(s)))
            best = next((s for s in ranked if supports(bare, s)), None)
            if best is not None:
                good = [best.n]
                repaired += 1
        if not good:
            if _is_abstention(bare) or not content_tokens(bare):
                continue
            dropped.append(bare)
            continue
        for n in good:
            if n not in used:
                used.append(n)
        marker = "".join(f"[{n}]" for n in good)
        if bare[-1:] in ".!?" and not ends_with_abbreviation(bare):
            kept.append(f"{bare[:-1]} {marker}{bare[-1]}")  # "... stop fighting [1]."
        else:
            kept.append(f"{bare} {marker}")
    return GuardResult(" ".join(kept), [by_n[n] for n in used], dropped, repaired, removed)


_ABSTAIN = re.compile(
    r"\b(articles?|sources?|text|passages?)\s+(do|does|did)\s*(n['’]?t|not)\s+(say|mention|state|specify|contain|provide)"
    r"|\bno (information|mention)\b|\bnot (mentioned|stated|specified)\b|\bI (don't|do not) know\b",
    re.IGNORECASE,
)


def _is_abstention(text: str) -> bool:
    return bool(_ABSTAIN.search(text))


def is_abstention(text: str) -> bool:
    """True for 'The articles don't say.' style replies (and nothing else of substance)."""
    return _is_abstention(text) and len(content_tokens(CITATION.sub("", text))) <= 12


def strip_unknown_markers(text: str, valid: set[int]) -> str:
    """For streaming: hide citation numbers that do not exist before the guard has run."""

    def keep(m: re.Match[str]) -> str:
        nums = [x.strip() for x in m.group(1).split(",") if int(x) in valid]
        return f"[{', '.join(nums)}]" if nums else ""

    return CITATION.sub(keep, text)


def verify_lines(answer: str, sources: list[Source], threshold: float = SUPPORT_THRESHOLD) -> GuardResult:
    """``verify`` for an answer that is a list, one cited claim per line (a story timeline): each line is verified on
    its own and the lines stay lines."""
    parts = [verify(line, sources, threshold) for line in answer.splitlines() if line.strip()]
    cited: dict[int, Source] = {}
    for part in parts:
        cited.update({s.n: s for s in part.cited if s.n not in cited})
    return GuardResult("\n".join(p.text for p in parts if p.text), list(cited.values()),
                       [c for p in parts for c in p.dropped_claims], sum(p.repaired for p in parts),
                       sum(p.removed_markers for p in parts))
