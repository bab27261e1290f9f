"""Answer-quality metrics for the evaluation command: pure functions, no model loading, no I/O.

Why hand-written: RAGAS and ``evaluate`` were rejected because their metrics need an LLM judge or download
metric scripts at run time (fails offline), and neither knows our citation format ([n] markers pointing at
exact sentences). Token F1 follows the SQuAD v1.1 reference script so numbers are comparable with the
literature.

Every metric returns ``None`` when it does not apply (e.g. retrieval hit for a question without evidence), so
aggregation can tell "not applicable" from "scored zero".
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Embed = Callable[[list[str]], list[list[float]]]
SupportFn = Callable[[str, str], float]

# Curly quotes, primes and dashes that news text and LLMs use interchangeably with the ASCII ones.
_QUOTE_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
})
_WS = re.compile(r"\s+")
_CITE = re.compile(r"\[(\d+)\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_ONLY_MARKERS = re.compile(r"^(?:\s*\[\d+\])+\s*[.!?]?\s*$")
_LEADING_MARKERS = re.compile(r"^((?:\s*\[\d+\])+)")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.!?,;:])")

# Phrases that signal the answer declines because the sources do not contain the answer.
ABSTENTION_PHRASES: tuple[str, ...] = (
    "does not say", "doesn't say", "do not say", "don't say", "does not mention", "doesn't mention",
    "not mentioned", "no information", "not contain", "doesn't contain", "does not contain", "not specified",
    "does not specify", "doesn't specify", "not stated", "does not state", "doesn't state", "no mention",
    "cannot answer", "can't answer", "unable to answer", "not enough information", "insufficient information",
    "i don't know", "i do not know", "not in the article", "not in the sources", "not provided",
    "no relevant", "cannot find", "can't find", "could not find", "couldn't find", "not covered",
    "does not report", "doesn't report", "not reported",
)

_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being has have had do does "
    "did it its this that these those he she they them his her their we our you your i not no so than then there "
    "which who whom what when where why how also into over about after before said says say would could should "
    "will can may might".split()
)


# --------------------------------------------------------------------------- normalisation


def normalize_text(text: str) -> str:
    """Lower-case, NFKC, ASCII quotes/dashes, collapsed whitespace: the form used for substring matching."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MAP).lower()
    return _WS.sub(" ", text).strip()


def contains(haystack: str, needle: str) -> bool:
    """Case-, whitespace- and quote-insensitive substring test; an empty needle never matches."""
    n = normalize_text(needle)
    return bool(n) and n in normalize_text(haystack)


def squad_normalize(text: str) -> str:
    """SQuAD v1.1 answer normalisation: lower, drop punctuation and articles, collapse whitespace."""
    text = normalize_text(text)
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


_NON_WORD = re.compile(r"[^\w%$.]+")
_EDGE_DOTS = re.compile(r"(?<!\d)\.|\.(?!\d)")
# Joiners inside numbers and number-bearing names: "5,000" is one number, "Crew-4" one name, "2023-09-13" one
# date; splitting them let a gold "4", "5" or "13" match by accident.
_NUMBER_JOINER = re.compile(r"(?<=\d),(?=\d{3}\b)|(?<=\w)-(?=\d)|(?<=\d)-(?=\w)")


# Number words written as digits, so "Four astronauts" matches a gold "4" and "12" a gold "twelve" (RealTimeQA's
# gold answers use both forms; a model or an article may use the other). "one" is left alone: it is a pronoun
# ("the one who") more often than a number.
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}
_NUMBER_WORDS.update({w: str(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(),
                                                            start=3)})


def normalize_words(text: str) -> str:
    """Accents folded (NFKD, combining marks dropped), lower case, quotes unified, "'s" dropped, punctuation to
    spaces (decimal points kept), number words two to twenty and the tens as digits, single spaces: the form of
    whole-word matching (``contains_words``)."""
    text = unicodedata.normalize("NFKD", text)
    text = unicodedata.normalize("NFC", "".join(ch for ch in text if not unicodedata.combining(ch)))
    text = text.lower().replace("\u2019", "'").replace("'s ", " ")
    text = _NUMBER_JOINER.sub("", text)
    text = _EDGE_DOTS.sub(" ", _NON_WORD.sub(" ", text))
    return " ".join(_NUMBER_WORDS.get(w, w) for w in text.split())


def contains_words(haystack: str, needle: str) -> bool:
    """Whole-word occurrence of the normalised needle in the normalised haystack ("4" does not match "40", nor
    "Crew-4", nor "5,000"; "Pele" matches "Pelé"); an empty needle never matches. The benchmarks' scorer
    (benchmarks.common.contains)."""
    n = normalize_words(needle)
    return bool(n) and f" {n} " in f" {normalize_words(haystack)} "


def _content_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(normalize_text(_CITE.sub(" ", text))) if t not in _STOPWORDS]


# --------------------------------------------------------------------------- retrieval


def first_evidence_rank(passages: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing any evidence string; None when none does."""
    for rank, passage in enumerate(passages, start=1):
        if any(contains(passage, ev) for ev in evidence):
            return rank
    return None


def hit_at_k(passages: Sequence[str], evidence: Sequence[str], k: int) -> float | None:
    """1.0 if any evidence string occurs in the top-k passages, else 0.0; None without evidence to look for."""
    if not evidence:
        return None
    rank = first_evidence_rank(passages[:k], evidence)
    return 1.0 if rank is not None else 0.0


def reciprocal_rank(passages: Sequence[str], evidence: Sequence[str]) -> float | None:
    """1/rank of the first passage holding evidence (0.0 if none); averaged over questions this is MRR."""
    if not evidence:
        return None
    rank = first_evidence_rank(passages, evidence)
    return 1.0 / rank if rank is not None else 0.0


# --------------------------------------------------------------------------- answer content


def phrase_occurs(text: str, phrase: str) -> bool:
    """Normalised phrase match that starts at a word boundary, and ends at one when the phrase ends in a digit.

    Plain substring matching would let "two" match "network" and "25" match "250"; a prefix match keeps
    "support" matching "supported".
    """
    p = normalize_text(phrase)
    if not p:
        return False
    tail = r"(?![0-9])" if p[-1].isdigit() else ""
    return re.search(r"(?<![a-z0-9])" + re.escape(p) + tail, normalize_text(text)) is not None


def fact_recalled(answer: str, group: Sequence[str]) -> bool:
    """A fact counts as recalled if any of its acceptable phrasings occurs in the answer (see ``phrase_occurs``)."""
    return any(phrase_occurs(answer, phrasing) for phrasing in group)


def missing_facts(answer: str, required_facts: Sequence[Sequence[str]]) -> list[list[str]]:
    """The fact groups the answer does not mention, for failure reports."""
    return [list(group) for group in required_facts if not fact_recalled(answer, group)]


def fact_recall(answer: str, required_facts: Sequence[Sequence[str]]) -> float | None:
    """Share of required fact groups recalled by the answer; None when the question lists no facts."""
    if not required_facts:
        return None
    hits = sum(1 for group in required_facts if fact_recalled(answer, group))
    return hits / len(required_facts)


def token_f1(prediction: str, reference: str | None) -> float | None:
    """SQuAD-style token F1 between answer and reference (citation markers removed); None without reference."""
    if reference is None:
        return None
    pred = squad_normalize(_CITE.sub(" ", prediction)).split()
    ref = squad_normalize(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0.0 when either vector is all zeros."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def semantic_similarity(answer: str, reference: str | None, embed: Embed | None) -> float | None:
    """Cosine of the answer and reference embeddings; None without reference or embedder, 0.0 for empty answer."""
    if reference is None or embed is None:
        return None
    answer = _CITE.sub(" ", answer).strip()
    if not answer:
        return 0.0
    vec_a, vec_r = embed([answer, reference])
    return cosine(vec_a, vec_r)


# --------------------------------------------------------------------------- citations


def token_overlap_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that occur in the passage (1.0 for a sentence with none).

    The fallback when no scorer is given and the project's cannot be imported; recall-oriented because an
    answer sentence usually paraphrases a subset of the cited sentence.
    """
    sent = _content_tokens(sentence)
    if not sent:
        return 1.0
    passage_tokens = set(_content_tokens(passage))
    return sum(1 for t in sent if t in passage_tokens) / len(sent)


def default_support() -> SupportFn:
    """The citation guard's own support scorer (the evaluation judges citations as the guard does)."""
    from app import support_score

    return support_score


def cited_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Pair each answer sentence with the citation numbers that end it.

    Markers placed after the full stop ("... fighting. [1]") or opening the next sentence belong to the
    sentence before them, as in "Russia urged talks.[1] [2] Turkey ...".
    """
    from app import split_sentences

    claims: list[tuple[str, list[int]]] = []
    for span in split_sentences(answer):
        text = answer[span.start : span.end]
        if _ONLY_MARKERS.match(text) and claims:
            claims[-1][1].extend(int(n) for n in _CITE.findall(text))
            continue
        lead = _LEADING_MARKERS.match(text)
        if lead and claims:
            claims[-1][1].extend(int(n) for n in _CITE.findall(lead.group(1)))
            text = text[lead.end() :]
        numbers = [int(n) for n in _CITE.findall(text)]
        claim = _SPACE_BEFORE_PUNCT.sub(r"\1", _WS.sub(" ", _CITE.sub(" ", text))).strip()
        claims.append((claim, numbers))
    return claims


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


@dataclass
class CitationCheck:
    """Outcome of checking every [n] marker of an answer against its citations."""

    markers: int = 0  # [n] occurrences in the answer
    valid: int = 0  # exist among the citations and support their sentence
    out_of_range: list[int] = field(default_factory=list)  # numbers with no citation
    unsupported: list[dict[str, Any]] = field(default_factory=list)  # {"n", "sentence", "score"}
    uncited_sentences: int = 0  # claims with no marker at all

    @property
    def validity(self) -> float | None:
        """Share of markers that are valid; None when the answer cites nothing."""
        return self.valid / self.markers if self.markers else None


def citation_validity(
    answer: str,
    citations: Sequence[Any],
    support: SupportFn | None = None,
    threshold: float = 0.5,
) -> CitationCheck:
    """Check that each [n] exists among ``citations`` (objects or dicts with ``n`` and ``text``) and that the
    cited text supports the sentence the marker ends (``support(sentence, text) >= threshold``)."""
    support = support or default_support()
    by_n = {int(_get(c, "n")): str(_get(c, "text", "") or "") for c in citations}
    check = CitationCheck()
    for sentence, numbers in cited_claims(answer):
        if not numbers:
            if sentence:
                check.uncited_sentences += 1
            continue
        for n in numbers:
            check.markers += 1
            if n not in by_n:
                check.out_of_range.append(n)
                continue
            score = float(support(sentence, by_n[n]))
            if score >= threshold:
                check.valid += 1
            else:
                check.unsupported.append({"n": n, "sentence": sentence, "score": round(score, 3)})
    return check


def citation_precision(cited_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of cited passages that contain (or are contained in) some evidence string.

    Containment both ways because a citation may be a single sentence shorter than a multi-sentence evidence
    string. None when nothing is cited or there is no evidence to compare against.
    """
    if not cited_texts or not evidence:
        return None
    good = sum(1 for text in cited_texts if any(_overlaps(text, ev) for ev in evidence))
    return good / len(cited_texts)


def citation_recall(cited_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of distinct evidence strings covered by some cited passage; None without evidence."""
    unique = list(dict.fromkeys(normalize_text(ev) for ev in evidence if ev.strip()))
    if not unique:
        return None
    covered = sum(1 for ev in unique if any(_overlaps(text, ev) for text in cited_texts))
    return covered / len(unique)


def _overlaps(cited: str, evidence: str) -> bool:
    return contains(cited, evidence) or contains(evidence, cited)


# --------------------------------------------------------------------------- abstention


def looks_like_abstention(text: str) -> bool:
    """Text heuristic for answers that decline; used when the system gives no ``abstained`` flag."""
    norm = normalize_text(text)
    return not norm or any(phrase in norm for phrase in ABSTENTION_PHRASES)


def is_abstention(text: str, abstained: bool | None = None) -> bool:
    """The system's own flag when it says it abstained, else the text heuristic."""
    return bool(abstained) or looks_like_abstention(text)


ABSTENTION_OUTCOMES = ("answered", "right_abstention", "wrong_abstention", "false_answer")


def abstention_outcome(abstained: bool, answerable: bool) -> str:
    """Classify one answer: ``answered`` / ``right_abstention`` are correct, ``wrong_abstention`` declines an
    answerable question, ``false_answer`` answers an unanswerable one."""
    if answerable:
        return "wrong_abstention" if abstained else "answered"
    return "right_abstention" if abstained else "false_answer"


def abstention_correct(abstained: bool, answerable: bool) -> bool:
    """True when the answer abstains exactly when the question is not answerable."""
    return abstained != answerable


def count_outcomes(outcomes: Iterable[str]) -> dict[str, int]:
    """Tally abstention outcomes, with every outcome present (zero if unseen)."""
    tally = Counter(outcomes)
    return {name: tally.get(name, 0) for name in ABSTENTION_OUTCOMES}


# --------------------------------------------------------------------------- latency and aggregation


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in [0, 100]) like numpy's default; None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def latency_summary(values: Sequence[float | None]) -> dict[str, float | None]:
    """Mean, median and p95 of latencies in milliseconds, ignoring missing measurements."""
    data = [float(v) for v in values if v is not None]
    return {
        "mean": sum(data) / len(data) if data else None,
        "p50": percentile(data, 50),
        "p95": percentile(data, 95),
    }


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the applicable (non-None) values; None when no value applies."""
    data = [float(v) for v in values if v is not None]
    return sum(data) / len(data) if data else None
