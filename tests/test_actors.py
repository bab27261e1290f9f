"""Actor alias resolution: mentions in articles and in user questions."""

from __future__ import annotations

import pytest

from app.text.actors import (
    Actor,
    actors_in_question,
    find_actor_mentions,
    is_demonym,
    person_affiliation,
    resolve_actor,
)


@pytest.mark.parametrize(
    ("mention", "name", "kind"),
    [
        ("Kremlin spokesman Dmitry Peskov", "Russia", "country"),
        ("Moscow", "Russia", "country"),
        ("Russian peacekeepers in Karabakh", "Russia", "country"),
        ("Baku", "Azerbaijan", "country"),
        ("A Baku defense ministry statement", "Azerbaijan", "country"),
        ("foreign policy adviser to Azerbaijani President Ilham Aliyev", "Azerbaijan", "country"),
        ("Armenian Prime Minister Nikol Pashinyan", "Armenia", "country"),
        ("Armenia’s foreign ministry", "Armenia", "country"),
        ("Yerevan", "Armenia", "country"),
        ("the top US diplomat", "United States", "country"),
        ("U.S. officials", "United States", "country"),
        ("Washington", "United States", "country"),
        ("the White House", "United States", "country"),
        ("State Department spokesman Matthew Miller", "United States", "country"),
        ("German Foreign Minister Annalena Baerbock", "Germany", "country"),
        ("the Elysee", "France", "country"),
        ("Downing Street", "United Kingdom", "country"),
        ("British officials", "United Kingdom", "country"),
        ("Ankara", "Turkey", "country"),
        ("Türkiye", "Turkey", "country"),
        ("Kiev", "Ukraine", "country"),
        ("Tehran", "Iran", "country"),
        ("Beijing", "China", "country"),
        ("European Council President Charles Michel", "European Union", "organisation"),
        ("Brussels", "European Union", "organisation"),
        ("the UN Security Council", "United Nations", "organisation"),
        ("NATO chief Jens Stoltenberg", "NATO", "organisation"),
        ("Alissa de Carbonnel of the International Crisis Group", "International Crisis Group", "organisation"),
        ("Reuters", "Reuters", "organisation"),
        ("Karabakh separatist authorities", "Nagorno-Karabakh authorities", "region"),
        ("Karabakh’s ethnic Armenian administration", "Nagorno-Karabakh authorities", "region"),
        ("Armenian separatist forces", "Nagorno-Karabakh authorities", "region"),
        ("moscow", "Russia", "country"),  # user input in lower case
    ],
)
def test_resolve_actor(mention: str, name: str, kind: str) -> None:
    assert resolve_actor(mention) == Actor(name, kind)


@pytest.mark.parametrize("mention", ["Blinken", "the spokesman", "he", "Latin American leaders", "us", ""])
def test_resolve_actor_none(mention: str) -> None:
    assert resolve_actor(mention) is None


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What did Russia say?", ["Russia"]),
        ("Compare what Russia and the US said", ["Russia", "United States"]),
        ("How did Moscow react?", ["Russia"]),
        ("And Turkey?", ["Turkey"]),
        ("What did China say?", ["China"]),
        ("What did Blinken say?", []),
        ("what did russia and the eu say", ["Russia", "European Union"]),
        ("Tell us what the Kremlin and Washington said", ["Russia", "United States"]),
        ("What did the Karabakh separatist authorities claim?", ["Nagorno-Karabakh authorities"]),
        ("What did the UN say about Azerbaijan's offensive?", ["United Nations", "Azerbaijan"]),
    ],
)
def test_actors_in_question(question: str, names: list[str]) -> None:
    assert [a.name for a in actors_in_question(question)] == names


def test_pronoun_us_is_not_the_united_states() -> None:
    assert actors_in_question("can you tell us more?") == []
    assert find_actor_mentions("Let us see what happens") == []


def test_person_affiliation_and_demonyms() -> None:
    assert person_affiliation("Antony Blinken") == Actor("United States", "country")
    assert person_affiliation("Blinken") == Actor("United States", "country")
    assert person_affiliation("Jane Doe") is None
    assert is_demonym("Azerbaijani") and is_demonym("Turkish")
    assert not is_demonym("Iran") and not is_demonym("Russia") and not is_demonym("US")
