"""The chat's example questions, written from the archive being served: its most quoted names.

Why: the page showed the bundled article's questions ("What did Russia say?", "And Turkey?", "When was the latest
war?") over every archive. Over a new user's archive of a prison escape and a hurricane (twelfth session) each of
them answered "The articles don't say" or quoted a stray sentence: the first thing a new user clicks showed the
tool at its worst. Who an archive quotes most is known without reading it (the ingest's statements; the same
bounded count the Who-said-what tab opens with), and the question shapes that answer best with a name are fixed:
what X said (the statements route), the latest on X, and X's timeline (the story route). On the seed they read
"What did Azerbaijan say?", "What did the Nagorno-Karabakh authorities say?", ...

Rejected: questions made from headlines ("Where did Idalia make landfall? What to know about Florida's Nature
..." has no clean subject to put in a template, and a model writing them costs seconds per page load); the test
set's questions (the bundled cases are the seed's, and a user's own cases are a record, not a tour).
"""

from __future__ import annotations

from collections.abc import Iterable

from app import looks_like_person

__all__ = ["MAX_EXAMPLES", "example_questions"]

MAX_EXAMPLES = 5
PERSON_WITHIN = 10
# Names said with "the": "the United States", "the Kremlin", "the Nagorno-Karabakh authorities"
_THE_FIRST = frozenset({"United", "European", "International", "World", "Kremlin", "Pentagon", "Vatican", "Red",
                        "National", "Federal", "Supreme", "State", "Justice", "Foreign", "Defense", "Defence"})


_NOT_NAMES = frozenset("officials official experts expert police authorities sources source witnesses residents "
                       "analysts researchers scientists doctors lawmakers critics observers dr mr mrs ms prof sen rep "
                       "gov gen".split())


def example_questions(quoted: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """Up to MAX_EXAMPLES questions about the most quoted names (``quoted``: name and count, most quoted first, as
    ``Chronicle.statement_actors`` lists them): what the first three said; the latest on the most quoted person
    among the first PERSON_WITHIN (a week of news quotes "the United States" most, whose "latest" and timeline are
    the whole week's), else on the first name, and their timeline. A one-word name is asked as the archive
    quotes it: mapping "Murphy" to the one full name ending in it ("Jim Murphy", 4 statements) asked about Phil
    Murphy's 96; and a one-word name with no full name is as often a surname ("Arpaio", "Bezos") as a first name an
    article used alone ("Gena", "Cindy"), so neither goes last (fourteenth session, RealTimeQA weeks).
    () when no one is quoted by name: the page then shows no examples rather than ones the archive cannot answer."""
    named: list[str] = []
    for name, _ in quoted:
        if _is_name(name) and not any(_same_person(name, n) for n in named):
            named.append(name)
    if not named:
        return ()
    said = [f"What did {_spoken(n)} say?" for n in named[:3]]
    focus = _spoken(next((n for n in named[:PERSON_WITHIN] if looks_like_person(n)), named[0]))
    return (*said, f"What is the latest on {focus}?", f"Timeline of {focus}")[:MAX_EXAMPLES]


def _is_name(name: str) -> bool:
    """A proper name ("Ron DeSantis", "NASA"), not a description the ingest kept ("experts", "Officials" opening a
    sentence, "Dr" of a doctor it did not name: a week of news quoted "Officials" 21 times and "Dr" 20)."""
    name = name.strip()
    return (bool(name) and name[0].isupper() and len(name) <= 40
            and not (" " not in name and name.lower().rstrip(".") in _NOT_NAMES))


def _same_person(name: str, other: str) -> bool:
    """"Kevin McCarthy" and "McCarthy" (the ingest keys a speaker by the name its article uses)."""
    return name.split()[-1] == other.split()[-1] and (" " not in name or " " not in other)


def _spoken(name: str) -> str:
    """The name as a question says it: "the United States", "the Nagorno-Karabakh authorities", "Russia"."""
    words = name.split()
    if words[0] in _THE_FIRST or (len(words) > 1 and words[-1].islower()):
        return f"the {name}"
    return name
