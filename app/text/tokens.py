"""Lexical primitives shared by every stage: stemmed content words and normalised numbers.

Matching by content words (light Porter stemming via PyStemmer, stopwords dropped, "120,000" == "120000") is exact
about names and numbers, costs microseconds and needs no model: the citation guard, the relevance gates, event
merging and the evaluation all compare texts this way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*\d|\d")
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
