"""Lexical primitives shared by every stage: stemmed content words and normalised numbers.

Matching by content words (light Porter stemming via PyStemmer, stopwords dropped, "120,000" == "120000") is exact
about names and numbers, costs microseconds and needs no model: the citation guard, the relevance gates, event
merging and the evaluation all compare texts this way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Bumped when content_tokens changes: the local index keeps the tokens of each article's lead (app.store.keyword) and
# refills them when this changes. 2: "H1N1" one word (issue 27).
VERSION = 2

# Letters then digits first ("H1N1", "G7", "MH17", "A380": one word each, as a name would be; split into {h, 1, n}
# they matched neither the story finder's name stems nor a headline's), then words, then numbers.
_WORD = re.compile(r"[A-Za-z]+\d[A-Za-z\d]*|[A-Za-z][A-Za-z'’-]*|\d[\d,.]*\d|\d")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being has have had do does
    did not no it its it's this that these those there their they them he his she her we our you your i me my which
    who whom whose what when where why how all any both each few more most other some such than too very can will
    just also so up out over about into after before said says say according would could should may might must
    while during since until per via""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # PyStemmer ships no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def number_words_as_digits(text: str) -> str:
    """The digits of the number words in a text ("four astronauts" -> "4"), space-separated: what a claim that
    writes a number as digits may rely on when its source spells it out."""
    return " ".join(str(_NUMBER_WORDS[m.group(1).lower()]) for m in _NUMBER_WORD.finditer(text))


def content_tokens(text: str) -> set[str]:
    """Stemmed content words and normalised numbers (commas dropped: '120,000' == '120000')."""
    stem = _stemmer().stemWord
    out = set()
    for w in _WORD.findall(text.replace("’", "'")):
        lw = w.lower().strip("'-")
        if not lw or lw in STOPWORDS:
            continue
        out.add(lw.replace(",", "") if lw[0].isdigit() else stem(lw))
    return out


def numbers_in(text: str) -> set[str]:
    return {t for t in content_tokens(text) if t[0].isdigit()}


# One capitalised word of a name, with a capital inside it too: "Blinken", "DeSantis", "McCarthy", "ElBaradei" (the
# chat's statement and follow-up questions read names with it; "[A-Z][a-z]+" read "Ron DeSantis" as "Ron", and "What
# did Ron DeSantis say?" found none of his 20 statements in a week of news). Not an all-capitals word ("US").
NAME_WORD = r"[A-Z][a-z]{0,3}[A-Z]?[a-z]+"

# A run of capitalised words: "International Space Station", "Prime Minister Nikol Pashinyan", "On Tuesday".
_CAPITALISED_RUN = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")
_WITH_DIGIT = re.compile(r"(?<![\w'’-])[\w'’-]*[A-Za-z][\w'’-]*\d[\w'’-]*|(?<![\w'’-])\d[\w'’-]*[A-Za-z][\w'’-]*")
# What may stand before the first word of a sentence or quotation.
_OPENS_SENTENCE = re.compile(r"(?:^|[.!?:;][”\"’)\]]*|[“\"‘(\[])\s*$")


# A Slavic surname's ending is written several ways: AP's "Zelensky" is USA Today's "Zelenskyy" (a new user's "What
# did Zelensky say at the UN?" found none of his statements in a week that spelt it the other way: fifteenth
# session). Read on a word or its stem ("zelenski", as the stemmer leaves "Zelensky").
_SLAVIC_ENDING = re.compile(r"(?<=\w{3})sk(?:yy|iy|yi|y|i)$")


def slavic_spellings(word: str) -> list[str]:
    """A lower-case surname, or each way of writing its Slavic ending (sky, skyy, skiy, ski)."""
    if not _SLAVIC_ENDING.search(word):
        return [word]
    return [_SLAVIC_ENDING.sub(ending, word) for ending in ("sky", "skyy", "skiy", "ski")]


def held_names(title: str, text: str) -> set[str]:
    """The names a sentence holds under its article's headline: the headline's content tokens (headlines capitalise
    every word) and the sentence's written names (``written_names``)."""
    return content_tokens(title) | written_names(text)


def with_hyphen_parts(tokens: set[str]) -> set[str]:
    """Tokens with each hyphenated one's parts and its joined form too: "re-elected" holds "elect", and "cease-fire"
    is "ceasefire" ("When was Aliyev elected?" is answered by "... was re-elected in 2018")."""
    out = set(tokens)
    for token in tokens:
        if "-" in token:
            out |= {part for part in token.split("-") if part} | {token.replace("-", "")}
    return out


def written_names(text: str) -> set[str]:
    """The content tokens of a text's capitalised words (sentence openers too) and of its words with a digit
    ("h1n1", "104th"): the words it writes as names, as a question's are read (app.query.story.story_names). The
    story finder reads a lead's names with it: "Maine" and "main" are one stem, and "the main entrance" of a St.
    Louis school shooting's lead had made it an article of "the Maine shooting" (fifteenth session)."""
    words = [m.group() for m in _CAPITALISED_RUN.finditer(text)] + _WITH_DIGIT.findall(text)
    return content_tokens(" ".join(words))


def _name_tokens(run: str) -> tuple[str, ...]:
    """Stemmed words of a capitalised run, hyphenated parts apart ("Nagorno-Karabakh"), possessives and stopwords
    dropped."""
    stem = _stemmer().stemWord
    out: dict[str, None] = {}
    for word in re.split(r"[\s-]+", run.replace("’", "'")):
        w = re.sub(r"'s?$", "", word).lower()
        if w and w not in STOPWORDS and not w[0].isdigit():
            out[stem(w)] = None
    return tuple(out)


def name_groups(text: str, known: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """The proper names of a text, as the stemmed words of each run of capitalised words, in order.

    A single capitalised word that opens a sentence or quotation ("Officials said", "Four astronauts") is a name
    only when ``known`` holds it (the caller passes words it has seen capitalised mid-sentence, and actor names):
    without a lexicon, capitals at a sentence start say nothing.
    """
    groups = []
    for m in _CAPITALISED_RUN.finditer(text):
        tokens = _name_tokens(m.group())
        if not tokens:
            continue
        if " " not in m.group().strip() and _OPENS_SENTENCE.search(text[: m.start()]) and not set(tokens) <= known:
            continue
        groups.append(tokens)
    return groups


def name_stems(run: str) -> tuple[str, ...]:
    """The stemmed words of one run of capitalised words, as ``name_groups`` reads them."""
    return _name_tokens(run)


def opens_sentence(before: str) -> bool:
    """Does a word after ``before`` open a sentence or quotation (where a capital says nothing)?"""
    return bool(_OPENS_SENTENCE.search(before))


def capitalised_words(text: str) -> frozenset[str]:
    """Stemmed words written with a capital anywhere in a text (what a name in a claim may match)."""
    return frozenset(t for _, words in name_positions(text) for t in words)


def name_words(text: str) -> frozenset[str]:
    """Every stemmed word of a text in any case, split as names are ("Nagorno-Karabakh" -> nagorno, karabakh)."""
    return frozenset(_name_tokens(" ".join(_WORD.findall(text))))


def name_positions(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """(character offset, stemmed words) of every run of capitalised words in a text, sentence starts included."""
    return [(m.start(), _name_tokens(m.group())) for m in _CAPITALISED_RUN.finditer(text)]


def word_positions(text: str) -> list[tuple[int, str]]:
    """(character offset, stemmed word) of every word of a text, in any case, split as names are."""
    out: list[tuple[int, str]] = []
    for m in _WORD.finditer(text):
        for part in re.finditer(r"[^-]+", m.group()):
            out.extend((m.start() + part.start(), w) for w in _name_tokens(part.group()))
    return out
