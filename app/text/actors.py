"""Canonical actors (countries, organisations, regional authorities) and alias resolution.

"What did Russia say?" has to find sentences that name "Moscow", "the Kremlin" or "Kremlin spokesman Dmitry
Peskov", so every mention is mapped to one canonical actor. Country names come from pycountry (ISO 3166, kept
up to date by its maintainers); demonyms, capitals/metonyms ("Kremlin", "Downing Street") and organisations are
small rule tables here, because no library ships them offline. country_converter was considered and rejected:
its regexes cover official country names only (no demonyms, no capitals, no organisations), it pulls in pandas,
and it is ~100x slower per lookup than one compiled alias regex.

Tables are built lazily on first use (functools.cache), never at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pycountry


@dataclass(frozen=True)
class Actor:
    """A canonical actor; ``name`` is the display name used as statement affiliation."""

    name: str  # "Russia", "United States", "European Union", "International Crisis Group"
    kind: str  # "country" | "organisation" | "region" | "person"


# pycountry names that differ from the name newsrooms (and users) use.
_COUNTRY_NAME_OVERRIDES = {
    "RU": "Russia", "TR": "Turkey", "CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo",
    "PS": "Palestine", "VA": "Vatican", "BN": "Brunei", "FM": "Micronesia", "CI": "Ivory Coast",
    "GB": "United Kingdom", "US": "United States",
}

# Extra names per ISO alpha-2 code: short forms, old names, demonyms/adjectives.
_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "United States of America", "America", "American", "Americans"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "British", "Briton", "Britons"),
    "RU": ("Russian Federation", "Russian", "Russians"),
    "TR": ("Türkiye", "Turkiye", "Turkish", "Turks"),
    "AZ": ("Azerbaijani", "Azeri", "Azerbaijanis", "Azeris"),
    "AM": ("Armenian", "Armenians"),
    "DE": ("German", "Germans"), "FR": ("French",), "CN": ("Chinese", "PRC"), "UA": ("Ukrainian", "Ukrainians"),
    "IR": ("Iranian", "Iranians", "Persia"), "GE": ("Georgian",), "IL": ("Israeli", "Israelis"),
    "PS": ("Palestinian", "Palestinians"), "SY": ("Syrian",), "IQ": ("Iraqi",), "LB": ("Lebanese",),
    "JO": ("Jordanian",), "EG": ("Egyptian",), "SA": ("Saudi", "Saudis"), "AE": ("UAE", "Emirati", "Emirates"),
    "QA": ("Qatari",), "YE": ("Yemeni",), "AF": ("Afghan",), "PK": ("Pakistani",), "IN": ("Indian",),
    "JP": ("Japanese",), "KR": ("South Korean",), "KP": ("North Korean",), "IT": ("Italian",),
    "ES": ("Spanish",), "PL": ("Polish",), "HU": ("Hungarian",), "GR": ("Greek",), "CY": ("Cypriot",),
    "NL": ("Dutch",), "BE": ("Belgian",), "SE": ("Swedish",), "NO": ("Norwegian",), "FI": ("Finnish",),
    "DK": ("Danish",), "AT": ("Austrian",), "CH": ("Swiss",), "CZ": ("Czech", "Czech Republic"),
    "RO": ("Romanian",), "BG": ("Bulgarian",), "RS": ("Serbian",), "HR": ("Croatian",), "BY": ("Belarusian",),
    "MD": ("Moldovan",), "KZ": ("Kazakh",), "CA": ("Canadian",), "MX": ("Mexican",), "BR": ("Brazilian",),
    "AR": ("Argentine", "Argentinian"), "VE": ("Venezuelan",), "CU": ("Cuban",), "AU": ("Australian",),
    "NZ": ("New Zealander",), "ZA": ("South African",), "NG": ("Nigerian",), "ET": ("Ethiopian",),
    "KE": ("Kenyan",), "SD": ("Sudanese",), "LY": ("Libyan",), "TN": ("Tunisian",), "DZ": ("Algerian",),
    "MA": ("Moroccan",), "ID": ("Indonesian",), "PH": ("Filipino", "Philippine"), "VN": ("Vietnamese",),
    "TH": ("Thai",), "MM": ("Myanmar", "Burma", "Burmese"), "TW": ("Taiwanese",), "IE": ("Irish",),
    "PT": ("Portuguese",), "LT": ("Lithuanian",), "LV": ("Latvian",), "EE": ("Estonian",), "SK": ("Slovak",),
    "SI": ("Slovenian",), "AL": ("Albanian",), "BA": ("Bosnian",), "CD": ("DR Congo", "DRC"),
    "VA": ("Holy See", "Vatican City"), "CI": ("Côte d'Ivoire", "Cote d'Ivoire"), "KW": ("Kuwaiti",),
    "BH": ("Bahraini",), "OM": ("Omani",), "BD": ("Bangladeshi",), "LK": ("Sri Lankan",), "NP": ("Nepali",),
}

# Capitals and metonyms: the place or building stands for the government.
_METONYMS: dict[str, tuple[str, ...]] = {
    "RU": ("Moscow", "Kremlin"),
    "US": ("Washington", "White House", "State Department", "Pentagon", "Capitol Hill"),
    "AZ": ("Baku",), "AM": ("Yerevan",), "TR": ("Ankara",), "FR": ("Paris", "Elysee", "Élysée", "Quai d'Orsay"),
    "DE": ("Berlin", "Bundestag"), "GB": ("London", "Downing Street", "Whitehall", "Foreign Office"),
    "CN": ("Beijing",), "UA": ("Kyiv", "Kiev"), "IR": ("Tehran",), "GE": ("Tbilisi",), "SY": ("Damascus",),
    "IQ": ("Baghdad",), "SA": ("Riyadh",), "EG": ("Cairo",), "JP": ("Tokyo",), "KR": ("Seoul",),
    "KP": ("Pyongyang",), "IN": ("New Delhi",), "PK": ("Islamabad",), "AF": ("Kabul",), "BY": ("Minsk",),
    "IT": ("Rome",), "ES": ("Madrid",), "PL": ("Warsaw",), "HU": ("Budapest",), "CA": ("Ottawa",),
    "AU": ("Canberra",), "QA": ("Doha",), "AE": ("Abu Dhabi",), "LB": ("Beirut",), "JO": ("Amman",),
    "YE": ("Sanaa",), "SD": ("Khartoum",), "ET": ("Addis Ababa",), "KE": ("Nairobi",), "ZA": ("Pretoria",),
    "BR": ("Brasilia",), "VE": ("Caracas",), "CU": ("Havana",), "TW": ("Taipei",), "VN": ("Hanoi",),
    "PH": ("Manila",), "ID": ("Jakarta",), "TH": ("Bangkok",), "MD": ("Chisinau",), "GR": ("Athens",),
    "CY": ("Nicosia",), "SE": ("Stockholm",), "NO": ("Oslo",), "FI": ("Helsinki",), "DK": ("Copenhagen",),
    "AT": ("Vienna",), "NL": ("The Hague",), "PT": ("Lisbon",), "IE": ("Dublin",), "CZ": ("Prague",),
    "RO": ("Bucharest",), "BG": ("Sofia",), "RS": ("Belgrade",), "HR": ("Zagreb",), "LT": ("Vilnius",),
    "LV": ("Riga",), "EE": ("Tallinn",), "KZ": ("Astana",), "IL": ("Knesset",),
}

_ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "European Union": ("European Union", "EU", "E.U.", "Brussels", "European Council", "European Commission",
                       "European Parliament", "EU Commission"),
    "United Nations": ("United Nations", "UN", "U.N.", "UN Security Council", "U.N. Security Council",
                       "Security Council", "UN General Assembly", "General Assembly", "UN Secretary-General",
                       "UNHCR", "UNICEF"),
    "NATO": ("NATO", "Nato", "North Atlantic Treaty Organization", "North Atlantic Alliance"),
    "International Crisis Group": ("International Crisis Group", "Crisis Group"),
    "Reuters": ("Reuters",),
    "AFP": ("AFP", "Agence France-Presse"),
    "Associated Press": ("Associated Press",),
    "OSCE": ("OSCE", "Organization for Security and Co-operation in Europe"),
    "Council of Europe": ("Council of Europe",),
    "International Committee of the Red Cross": ("International Committee of the Red Cross", "ICRC", "Red Cross"),
    "Amnesty International": ("Amnesty International", "Amnesty"),
    "Human Rights Watch": ("Human Rights Watch",),
    "African Union": ("African Union",),
    "Arab League": ("Arab League",),
    "CSTO": ("CSTO", "Collective Security Treaty Organization"),
    "World Health Organization": ("World Health Organization", "WHO"),
    "International Monetary Fund": ("International Monetary Fund", "IMF"),
    "World Bank": ("World Bank",),
    "International Atomic Energy Agency": ("International Atomic Energy Agency", "IAEA"),
    "G7": ("G7", "Group of Seven"),
}

_REGION_ACTOR = Actor("Nagorno-Karabakh authorities", "region")
_REGION_ALIASES = ("Nagorno-Karabakh", "Karabakh", "Artsakh", "Stepanakert")

# Separatist / regional authorities, checked before plain aliases: "Karabakh's ethnic Armenian administration"
# must not resolve to Armenia.
_REGION_RULES: tuple[tuple[re.Pattern[str], Actor], ...] = (
    (re.compile(
        r"\b(?:(?:Nagorno-)?Karabakh|Artsakh|Stepanakert)(?:['’]s)?\s+(?:[\w-]+\s+){0,3}?"
        r"(?:authorities|administration|government|leadership|leaders?|officials?|separatists?|forces|president"
        r"|ombudsman|emergency|defen[cs]e|army)\b"), _REGION_ACTOR),
    (re.compile(r"\b(?:[Ss]eparatists?\s+(?:Armenian|Karabakh)|(?:Armenian|Karabakh)\s+separatists?"
                r"|[Ee]thnic\s+Armenian\s+(?:authorities|administration|government|leaders?|officials?))\b"),
     _REGION_ACTOR),
)

_BOUNDARY_LEFT = r"(?<![\w.’'-])"
_BOUNDARY_RIGHT = r"(?![\w-])"
# "Latin America(n)" is not the United States.
_NOT_AMERICA = re.compile(r"(?:Latin|South|North|Central)\s+$")
# "Washington Post", "Moscow Times", "China Daily": a place inside a newspaper's (or team's) name.
_PROPER_NAME_TAIL = re.compile(
    r"\s+(?:Post|Times|Independent|Journal|Herald|Daily|Tribune|Gazette|Examiner|Chronicle|Observer|Star|Sun"
    r"|Standard|Telegraph|Globe|Insider|Today|Commanders|Nationals|Wizards|Capitals|Mystics|Saint-Germain"
    r"|Hilton|Jackson|Fashion|Marathon|Agreement|Accords?|Convention|Protocol|Treaty|Summit)\b")


@dataclass(frozen=True)
class _AliasTable:
    by_alias: dict[str, Actor]
    exact: re.Pattern[str]  # case-sensitive, used on article text
    folded: dict[str, Actor]  # lower-cased aliases, for user questions


def _country_name(country: Any) -> str:  # a pycountry record: attributes made at run time, untyped
    code = country.alpha_2
    if code in _COUNTRY_NAME_OVERRIDES:
        return _COUNTRY_NAME_OVERRIDES[code]
    return getattr(country, "common_name", None) or country.name


@cache
def _table() -> _AliasTable:
    """Build the alias -> actor table once, on first use."""
    by_alias: dict[str, Actor] = {}
    for country in pycountry.countries:
        actor = Actor(_country_name(country), "country")
        code = country.alpha_2
        names = {actor.name, country.name, getattr(country, "common_name", "") or "",
                 getattr(country, "official_name", "") or ""}
        names |= set(_COUNTRY_ALIASES.get(code, ())) | set(_METONYMS.get(code, ()))
        for name in names:
            name = name.removeprefix("the ")
            if name and "," not in name and "(" not in name:
                by_alias.setdefault(name, actor)
    for name, aliases in _ORGANISATIONS.items():
        actor = Actor(name, "organisation")
        for alias in aliases:
            by_alias[alias] = actor
    for alias in _REGION_ALIASES:
        by_alias[alias] = _REGION_ACTOR
    alternation = "|".join(re.escape(a) for a in sorted(by_alias, key=len, reverse=True))
    exact = re.compile(f"{_BOUNDARY_LEFT}(?:{alternation}){_BOUNDARY_RIGHT}")
    folded = {a.lower(): actor for a, actor in by_alias.items()}
    return _AliasTable(by_alias, exact, folded)


@dataclass(frozen=True)
class ActorMention:
    """An alias found in a text: where, and which actor it names."""

    start: int
    end: int
    actor: Actor


def find_actor_mentions(text: str) -> list[ActorMention]:
    """All alias matches in ``text`` (case-sensitive, so the pronoun "us" is never the United States)."""
    table = _table()
    found: list[ActorMention] = []
    for rule, actor in _REGION_RULES:
        found.extend(ActorMention(m.start(), m.end(), actor) for m in rule.finditer(text))
    for m in table.exact.finditer(text):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        if m.group().startswith("America") and _NOT_AMERICA.search(text[: m.start()]):
            continue
        if _PROPER_NAME_TAIL.match(text, m.end()):
            continue
        found.append(ActorMention(m.start(), m.end(), table.by_alias[m.group()]))
    return sorted(found, key=lambda f: f.start)


def canonical_actors(text: str) -> str:
    """Replace actor aliases by their canonical name ("Azerbaijani President" -> "Azerbaijan President")."""
    out, pos = [], 0
    for m in find_actor_mentions(text):
        out += [text[pos : m.start], m.actor.name]
        pos = m.end
    return "".join(out) + text[pos:]


def resolve_actor(mention: str) -> Actor | None:
    """The actor a speaker mention belongs to: "Kremlin spokesman Dmitry Peskov" -> Russia.

    Regional-authority rules win; otherwise the first alias in the mention decides ("foreign policy adviser to
    Azerbaijani President Ilham Aliyev" -> Azerbaijan). A bare lower-case mention ("moscow", "the us") is
    retried case-insensitively so user input resolves too. Persons are not actors: "Blinken" -> None.
    """
    for rule, actor in _REGION_RULES:
        if rule.search(mention):
            return actor
    mentions = find_actor_mentions(mention)
    if mentions:
        return mentions[0].actor
    key = _fold(mention)
    if len(key) <= 3 and not mention.strip().lower().startswith("the "):
        return None  # "us", "un": a pronoun or prefix, not an acronym typed in lower case
    return _table().folded.get(key)


def lookup_alias(text: str) -> Actor | None:
    """The actor whose alias is exactly ``text`` (case-insensitive, leading "the" ignored), else None."""
    return _table().folded.get(_fold(text))


def is_place_name(text: str) -> bool:
    """Is ``text`` only the name of a place whose authorities are an actor ("Nagorno-Karabakh", "Artsakh")? Asked
    for a timeline, such a name is the place's story, not its authorities'."""
    return _fold(text) in {_fold(alias) for alias in _REGION_ALIASES}


def _fold(text: str) -> str:
    text = text.strip().strip("?!.,;:\"'“”‘’").lower()
    return text.removeprefix("the ").strip()


_WORD = re.compile(r"[A-Za-zÀ-ÿ][\wÀ-ÿ'’-]*(?:\.[A-Za-z]\.?)*")


def actors_in_question(question: str) -> list[Actor]:
    """Actors a question asks about, in order: "Compare what Russia and the US said" -> [Russia, United States].

    Persons are not resolved here ("What did Blinken say?" -> []); statements_by_actor matches them by
    speaker name instead. Lower-case input ("what did russia say") is matched case-insensitively, except
    short acronyms, which need capitals or a preceding "the" ("tell us" is not the United States).
    """
    found = [(m.start, m.actor) for m in find_actor_mentions(question)] + _folded_mentions(question)
    out: list[Actor] = []
    for _, actor in sorted(found, key=lambda pair: pair[0]):
        if actor not in out:
            out.append(actor)
    return out


def _folded_mentions(question: str) -> list[tuple[int, Actor]]:
    """Case-insensitive alias matches of up to four words."""
    folded = _table().folded
    words = [(m.group(), m.start()) for m in _WORD.finditer(question)]
    found: list[tuple[int, Actor]] = []
    i = 0
    while i < len(words):
        step = 1
        for n in (4, 3, 2, 1):
            if i + n > len(words):
                continue
            phrase = re.sub(r"['’]s$", "", " ".join(w for w, _ in words[i : i + n]).lower())
            actor = folded.get(phrase)
            if actor is None:
                continue
            after_the = i > 0 and words[i - 1][0].lower() == "the"
            if len(phrase) <= 3 and not after_the:
                continue
            found.append((words[i][1], actor))
            step = n
            break
        i += step
    return found


# Officials whose affiliation a news article often leaves implicit ("Secretary of State Antony Blinken said").
# Deliberately short: article context (titles, appositions) is the main source of affiliation.
_KNOWN_PERSONS: dict[str, str] = {
    "Antony Blinken": "United States", "Joe Biden": "United States", "Jake Sullivan": "United States",
    "Lloyd Austin": "United States", "Kamala Harris": "United States", "Donald Trump": "United States",
    "Marco Rubio": "United States",
    "Vladimir Putin": "Russia", "Sergei Lavrov": "Russia", "Dmitry Peskov": "Russia", "Maria Zakharova": "Russia",
    "Ilham Aliyev": "Azerbaijan", "Hikmet Hajiyev": "Azerbaijan", "Jeyhun Bayramov": "Azerbaijan",
    "Nikol Pashinyan": "Armenia", "Ararat Mirzoyan": "Armenia",
    "Recep Tayyip Erdogan": "Turkey", "Tayyip Erdogan": "Turkey", "Hakan Fidan": "Turkey",
    "Emmanuel Macron": "France", "Catherine Colonna": "France", "Olaf Scholz": "Germany",
    "Annalena Baerbock": "Germany", "Rishi Sunak": "United Kingdom", "James Cleverly": "United Kingdom",
    "Xi Jinping": "China", "Wang Yi": "China", "Volodymyr Zelenskiy": "Ukraine", "Volodymyr Zelensky": "Ukraine",
    "Dmytro Kuleba": "Ukraine", "Charles Michel": "European Union", "Ursula von der Leyen": "European Union",
    "Josep Borrell": "European Union", "Antonio Guterres": "United Nations", "António Guterres": "United Nations",
    "Jens Stoltenberg": "NATO",
}


def person_affiliation(name: str) -> Actor | None:
    """Affiliation of a well-known official by full name or surname ("Blinken" -> United States)."""
    for full, actor_name in _KNOWN_PERSONS.items():
        if name == full or (" " not in name and full.split()[-1] == name):
            return resolve_actor(actor_name)
    return None


_DEMONYM_SUFFIXES = ("ian", "ean", "ish", "ese", "i", "ch", "an")


def is_demonym(word: str) -> bool:
    """True for a nationality adjective ("Azerbaijani", "Turkish"), which alone is not a speaker."""
    table = _table()
    actor = table.by_alias.get(word)
    if actor is None or actor.kind != "country" or word == actor.name:
        return False
    return word.endswith(_DEMONYM_SUFFIXES) and word not in _country_names_and_places()


def is_country_initials(word: str) -> bool:
    """True for a country's initials ("US", "UK", "UAE"): written as many ways as its demonym ("U.S.", "United
    States", "American") or, in its own press, not at all ("walked off the job in several states")."""
    actor = _table().by_alias.get(word)
    return actor is not None and actor.kind == "country" and word.isupper() and len(word) <= 3


@cache
def _country_names_and_places() -> frozenset[str]:
    names = {getattr(c, attr, "") or "" for c in pycountry.countries for attr in ("name", "common_name")}
    names |= {m for places in _METONYMS.values() for m in places}
    return frozenset(names)


def aliases_of(actor: Actor) -> tuple[str, ...]:
    """Every alias the table maps to ``actor`` (longest first): "Russia" -> ("Russian Federation", "Kremlin", ...)."""
    return tuple(sorted((a for a, found in _table().by_alias.items() if found == actor), key=lambda a: (-len(a), a)))
