"""Who said what, found at ingest: rule-based statement extraction and speaker attribution (app.query.statements
reads the stored statements back when a question asks what an actor said).

A small LLM answering "What did Russia say?" misses positions voiced through "Moscow", "the Kremlin" or
"Kremlin spokesman Dmitry Peskov", and quotes continued with "He added:". So every article is scanned once at
ingest for reporting verbs ("said", "urged", "called for", ...) and direct quotes; each statement gets a
speaker (person or body), and an affiliation (canonical actor from app.text.actors).

How: quotes and dash/bracket parentheticals are masked, reporting verbs are found by regex, and the subject is
read from the words around the verb (backwards for "X said", forwards for "“...,” said X", through
appositions for "X, foreign policy adviser to ..., said", shared for "..., adding" and "... and has urged").
Pronouns ("he", "it", "they") and descriptions ("the ministry") resolve to the most recent compatible speaker
in the article; surnames ("Pashinyan") resolve to the full name seen earlier. Sentences inside one open quote
are merged, and an unattributed quote paragraph continues the previous speaker.

Rejected alternative: spaCy NER + dependency parse (or coreferee) would be more general, but its models are
downloaded from a hub (not installed, no internet at run time) and cost ~10 ms per sentence on 2 CPU cores;
these rules run in a few milliseconds per article, which matters because ingest covers thousands of articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.text.actors import find_actor_mentions, is_demonym, lookup_alias, person_affiliation, resolve_actor
from app.text.sentences import Span


@dataclass(frozen=True)
class Statement:
    """One attributed statement; [start, end) covers the sentence(s) it was found in."""

    start: int
    end: int
    text: str  # text[start:end]
    speaker_mention: str  # as written: "Kremlin spokesman Dmitry Peskov", "he", "Armenia's foreign ministry"
    speaker: str  # resolved person or body: "Dmitry Peskov", "Armenia's foreign ministry"
    affiliation: str | None  # canonical actor name: "Russia", "Nagorno-Karabakh authorities"
    verb: str  # "said", "called for", "urged", "according to", ...
    quote: str | None  # the quoted words if a direct quote


# Reporting verbs: canonical form -> inflections (all lower case; sentence-initial participles are frames).
_VERB_FORMS: dict[str, tuple[str, ...]] = {
    "said": ("said", "says", "say", "saying"), "added": ("added", "adds", "adding"),
    "told": ("told", "tells", "telling"), "stated": ("stated",), "urged": ("urged", "urges", "urging"),
    "condemned": ("condemned", "condemns", "condemning"), "slammed": ("slammed", "slams", "slamming"),
    "criticised": ("criticised", "criticized", "criticises", "criticizes", "criticising", "criticizing"),
    "accused": ("accused", "accuses", "accusing"), "denied": ("denied", "denies", "deny", "denying"),
    "appealed": ("appealed", "appeals", "appealing"), "described": ("described", "describes", "describing"),
    "warned": ("warned", "warns", "warning"), "spoke": ("spoke", "speaks"), "announced": ("announced", "announces"),
    "claimed": ("claimed", "claims"), "insisted": ("insisted", "insists", "insisting"),
    "praised": ("praised", "praises"), "welcomed": ("welcomed", "welcomes"), "rejected": ("rejected", "rejects"),
    "demanded": ("demanded", "demands", "demanding"), "stressed": ("stressed", "stresses", "stressing"),
    "noted": ("noted", "noting"), "confirmed": ("confirmed", "confirms"), "asserted": ("asserted", "asserts"),
    "argued": ("argued", "argues", "arguing"), "expressed": ("expressed", "expresses"), "vowed": ("vowed", "vows"),
    "pledged": ("pledged", "pledges"), "reiterated": ("reiterated", "reiterates"), "declared": ("declared",),
    "acknowledged": ("acknowledged", "acknowledges"), "admitted": ("admitted", "admits"),
    "responded": ("responded",), "replied": ("replied",), "commented": ("commented",), "explained": ("explained",),
    "wrote": ("wrote",), "tweeted": ("tweeted",), "threatened": ("threatened", "threatens"),
    "promised": ("promised", "promises"), "blamed": ("blamed", "blames", "blaming"), "dismissed": ("dismissed",),
    "hailed": ("hailed",), "decried": ("decried",), "reported": ("reported",), "asked": ("asked",),
    "continued": ("continued",),
}
_CALL_FORMS = ("calling", "called", "calls", "call")
_VERB_OF_FORM = {form: verb for verb, forms in _VERB_FORMS.items() for form in forms}
_VERB_RE = re.compile(
    r"\b(?:(?P<call>" + "|".join(_CALL_FORMS) + r")\b(?:\s+(?P<prep>on|upon|for)\b)?"
    r"|(?P<verb>" + "|".join(sorted(_VERB_OF_FORM, key=len, reverse=True)) + r")\b"
    r"|(?P<acc>[Aa]ccording\s+to)\b)"
)
# Verbs that may introduce the speaker after them: "“...,” said Hajiyev."
_INVERTIBLE = {"said", "says", "added", "told", "wrote", "continued", "asked", "insisted", "warned"}
# Verbs that report speech only before a quote or punctuation: "“...,” she continued." but not
# "North Korea continued to threaten"; "he asked:" but not "Robert asked to read a statement".
_QUOTE_ONLY = {"continued", "asked"}
# "called in a team", "responded by defying", "people accused of crimes", "Hurricane Idalia slammed into Florida's
# Big Bend ..., bringing an "unprecedented event"" (a storm's landfall read as a statement by the storm, and its
# story timeline then titled "a person"): actions, not statements.
_WROTE_NEXT = {"that", "on", "in", "to", "about", "online", "separately"}
_NOT_AFTER = {"called": {"in", "off", "up", "out", "back"}, "responded": {"by", "with"},
              "accused": {"of"}, "asked": {"to"}, "slammed": {"into", "onto", "through", "against", "ashore", "shut"}}

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W_][\w'’.-]*[^\W_]|[^\W_]|#+|[,;:.!?“”\"()–—-]")
_HARD_STOPS = {";", ":", ".", "!", "?", "(", ")", "–", "—", "-", "“", "”", '"'}


def _is_stop(token: str) -> bool:
    """Clause boundary: punctuation or a masked quotation ('###')."""
    return token in _HARD_STOPS or token.startswith("#")


_PRONOUNS = {"he": "person", "she": "person", "it": "body", "they": "group", "we": "any", "i": "any"}
_RELATIVES = {"which", "who", "that"}
_ARTICLES = {"the", "a", "an"}
_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "al", "el", "bin", "ibn", "la", "le"}
_SKIP_BEFORE_VERB = {
    "has", "have", "had", "was", "were", "is", "are", "been", "be", "being", "will", "would", "could", "may",
    "might", "should", "can", "did", "does", "do", "also", "again", "previously", "repeatedly", "later",
    "earlier", "separately", "publicly", "openly", "strongly", "reportedly", "then", "further", "once",
    "already", "now", "not", "never", "immediately", "recently", "initially", "first", "just",
}
_PASSIVE_AUX = {"is", "are", "was", "were", "be", "been", "being"}
_NEGATIONS = {"not", "never"}
_TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "today",
    "yesterday", "tonight",
}
# Capitalised words that open a clause rather than name someone.
_CAP_STOPS = {
    "but", "and", "or", "however", "on", "in", "at", "after", "before", "as", "if", "although", "though",
    "meanwhile", "earlier", "later", "when", "while", "this", "that", "these", "those", "there", "here", "asked",
    "speaking", "according", "since", "so", "yet", "still", "also", "then", "by", "for", "with", "from", "to",
    "what", "why", "how", "where", "who", "which", "not", "no", "some", "many", "most", "other", "others",
    "such", "both", "all", "its", "his", "her", "their", "our", "my", "your", "it", "he", "she", "they", "we",
    "i", "you",
}
_PERSON_NOUNS = {
    "spokesman", "spokeswoman", "spokesperson", "minister", "diplomat", "adviser", "advisor", "president",
    "official", "envoy", "ambassador", "leader", "chief", "head", "commander", "secretary", "chancellor",
    "premier", "governor", "mayor", "analyst", "expert", "negotiator", "representative", "senator",
    "lawmaker", "source", "prosecutor", "general", "director", "chairman", "ombudsman", "researcher",
}
_GROUP_NOUNS = {
    "officials", "authorities", "forces", "separatists", "diplomats", "leaders", "sources", "analysts",
    "experts", "lawmakers", "troops", "rebels", "militants", "peacekeepers", "ministers", "residents",
    "activists", "observers", "prosecutors", "police", "media",
}
_BODY_NOUNS = {
    "ministry", "government", "administration", "statement", "office", "army", "military", "council",
    "agency", "service", "committee", "parliament", "presidency", "embassy", "mission", "delegation",
    "opposition", "group", "organisation", "organization", "alliance", "coalition", "department", "palace",
    "court", "command", "headquarters", "cabinet",
}
_MODIFIERS = {
    "defense", "defence", "foreign", "interior", "prime", "deputy", "top", "senior", "separatist", "ethnic",
    "regional", "local", "state", "national", "policy", "security", "press", "former", "acting", "vice",
    "special", "civilian", "emergency", "health", "finance", "justice", "affairs", "intelligence", "border",
    "presidential", "military", "rebel", "news", "government", "chief", "de", "facto", "self-declared",
    "unnamed", "anonymous", "federal", "public", "executive", "company", "party", "campaign",
}
_ROLE_WORDS = _PERSON_NOUNS | _GROUP_NOUNS | _BODY_NOUNS | _MODIFIERS
_TITLE_WORDS = {
    "President", "Vice", "Prime", "Minister", "Ministry", "Foreign", "Secretary", "State", "Defence", "Defense",
    "Interior", "Spokesman", "Spokeswoman", "Spokesperson", "Chancellor", "King", "Queen", "Prince", "Crown",
    "Sheikh", "Emir", "General", "Gen", "Ambassador", "Envoy", "Deputy", "Chief", "Head", "Senator", "Sen",
    "Rep", "Representative", "Governor", "Mayor", "Mr", "Mrs", "Ms", "Dr", "Commander", "Pope", "Council",
    "Commission", "Office", "Affairs", "Security", "National", "Army", "Colonel", "Col", "Lieutenant", "Lt",
    "Admiral", "Chairman", "Chairwoman", "Chair", "Director", "Leader", "Speaker", "Adviser", "Advisor",
    "Special", "High", "Parliament", "Assembly", "Department", "Agency", "Government", "Military", "Forces",
    "Justice", "Finance", "Economy", "Trade", "Republic", "Federal", "Supreme", "Court", "Party", "Press",
    "Secretary-General", "Attorney", "Premier", "Sultan", "Ayatollah", "Major", "Captain", "Sergeant",
    "Senior", "Top", "Former", "Acting", "Minister-President", "Presidential", "Union", "Group", "Committee",
}
_TITLE_WORDS |= {
    "Artist", "Filmmaker", "Manager", "Superintendent", "Coach", "Actor", "Actress", "Singer", "Author",
    "Writer", "Professor", "Prof", "Judge", "Officer", "Detective", "Sheriff", "Police", "Commissioner",
    "Rev", "Father", "Sister", "Rabbi", "Imam", "Bishop", "Cardinal", "Archbishop", "Lawyer", "Economist",
    "Analyst", "CEO", "Founder", "Executive", "Editor", "Reporter", "Journalist", "Producer", "Rapper",
    "Comedian", "Host", "Dean", "Principal", "Pastor", "Councilman", "Councilwoman", "Councilmember", "Sgt",
    "Cpl", "Pvt", "Treasurer", "Auditor", "Comptroller", "Congressman", "Congresswoman", "Lawmaker",
    "Spokesman", "Minister", "Foreign", "Gov", "Ret", "Sir", "Dame", "Lord", "Lady", "Mr.", "Mrs.", "Ms.",
    "Administrator", "Astronaut", "Physicist", "Scientist", "Doctor", "Nurse", "Coordinator", "Strategist",
}
# Words that make a capitalised run an organisation rather than a person.
_ORG_WORDS = {
    "Center", "Centre", "Centers", "Institute", "University", "Association", "Council", "Committee", "Post",
    "Times", "News", "Company", "Inc", "Corp", "Group", "Foundation", "Organization", "Organisation", "Party",
    "Court", "Bank", "Fund", "Service", "Services", "Office", "Ministry", "Commission", "Authority",
    "Administration", "Board", "Agency", "Police", "Force", "Army", "Navy", "Command", "Network", "Channel",
    "Hospital", "School", "Schools", "College", "Club", "League", "Union", "Team", "Society", "Museum",
    "Laboratory", "Research", "Survey", "Report", "Magazine", "Journal", "Press", "Media", "Studios",
    "Records", "Health", "Guard", "Station", "Airport", "Republic", "Federation", "Kingdom", "States",
    "Nations", "Watch", "Project", "Trust", "Partners", "Systems", "Technologies", "Department", "Government",
    "Parliament", "Congress", "Senate", "House", "Reuters", "Bureau", "Forces", "Coalition", "Alliance",
    "Movement", "Front", "Brigade", "Brigades", "Ltd", "LLC", "Corporation", "Group's", "Daily", "Tribune",
}
_APPOSITION_SKIP = {"which", "who", "whose", "that", "where", "when", "including", "while"}
_SPACED_DASH = re.compile(r"\s[-–—]\s")
_BRACKETS = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int


@dataclass
class _Speaker:
    """A speaker seen in the article, for pronoun, description and surname resolution."""

    speaker: str
    affiliation: str | None
    kind: str  # "person" | "body" | "group"
    description: str  # mention and apposition, searched by "the minister"-style references
    named: bool


@dataclass(frozen=True)
class _Raw:
    """A reporting verb with the subject words found for it, before resolution."""

    verb_pos: int
    verb: str
    mention: str  # subject as written ("" when shared with the previous statement)
    apposition: str
    shared: bool  # "..., adding" / "... and has urged": same speaker as the previous statement


def extract_statements(text: str, sentences: list[Span]) -> list[Statement]:
    """All attributed statements in ``text``, in reading order; ``sentences`` come from split_sentences."""
    context = _Context()
    out: list[Statement] = []
    previous_unit: list[Statement] = []
    for n, unit in enumerate(_units(text, sentences)):
        context.unit = n
        found = _unit_statements(text, unit, context, previous_unit)
        out.extend(found)
        previous_unit = found
    return out


def statements_by_actor(statements: list[Statement], actor: str) -> list[Statement]:
    """Statements of ``actor``, case-insensitive.

    An actor name or alias ("Russia", "Washington", "the Kremlin") matches by affiliation; a person ("Blinken",
    "Antony Blinken") matches by speaker name. A query that names a speaker but is not itself an alias
    ("Jonathan French", "US officials") matches that speaker only.
    """
    words = re.findall(r"[\w'’-]+", actor.lower())
    by_name = [
        st for st in statements if words and all(w in re.findall(r"[\w'’-]+", st.speaker.lower()) for w in words)
    ]
    resolved = resolve_actor(actor)
    if resolved is None or (by_name and lookup_alias(actor) is None):
        return by_name
    wanted = {actor.strip().lower(), resolved.name.lower()}
    return [st for st in statements if (st.affiliation or "").lower() in wanted or st in by_name]


# ---------------------------------------------------------------------------------------------------- units


def _units(text: str, sentences: list[Span]) -> list[Span]:
    """Merge consecutive sentences of one paragraph while a quotation opened in them is still open."""
    units: list[Span] = []
    current: Span | None = None
    depth, straight_open = 0, False
    for sentence in sentences:
        still_open = depth > 0 or straight_open
        if current is not None and still_open and "\n" not in text[current.end : sentence.start]:
            current = Span(current.start, sentence.end)
        else:
            if current is not None:
                units.append(current)
            current, depth, straight_open = sentence, 0, False
        chunk = sentence.text(text)
        depth = max(0, depth + chunk.count("“") - chunk.count("”"))
        straight_open ^= chunk.count('"') % 2 == 1
    if current is not None:
        units.append(current)
    return units


def _quote_segments(s: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in ``s``, quote marks included; an unclosed quote runs to the end."""
    segments: list[tuple[int, int]] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in "“\"":
            close = "”" if ch == "“" else '"'
            j = s.find(close, i + 1)
            j = len(s) - 1 if j < 0 else j
            segments.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return segments


def _mask(s: str, segments: list[tuple[int, int]]) -> str:
    """Hide quotes (as '#') and parentheticals (as spaces) so verbs and subjects inside them are ignored."""
    chars = list(s)
    for a, b in segments:
        chars[a:b] = "#" * (b - a)
    masked = "".join(chars)
    masked = _BRACKETS.sub(lambda m: " " * len(m.group()), masked)
    dashes = [m.start() for m in _SPACED_DASH.finditer(masked)]
    chars = list(masked)
    for a, b in zip(dashes[0::2], dashes[1::2]):
        chars[a : b + 3] = " " * (b + 3 - a)
    return "".join(chars)


# ------------------------------------------------------------------------------------------- subject finding


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _possessive(word: str) -> bool:
    return word.endswith(("’s", "'s", "s’", "s'"))


def _accept(toks: list[_Tok], k: int) -> bool:
    """Can token k be part of a speaker noun phrase?"""
    w = toks[k].text
    low = w.lower()
    if _is_stop(w) or w == ",":
        return False
    if low in _ARTICLES:
        return True
    if low in _PARTICLES or low in {"of", "to"}:
        nxt = toks[k + 1].text if k + 1 < len(toks) else ""
        if low in {"of", "to"} and nxt.lower() == "the" and k + 2 < len(toks):
            nxt = toks[k + 2].text
        before = toks[k - 1].text if k > 0 else ""
        if low == "to":  # "US Ambassador to the United Nations Linda Thomas-Greenfield"
            return _is_cap(nxt) and (before in _TITLE_WORDS or before.lower() in _PERSON_NOUNS)
        return _is_cap(nxt) and (_is_cap(before) or before.lower() in _ROLE_WORDS)
    if _is_cap(w):
        return low not in _CAP_STOPS
    base = re.sub(r"['’]s$", "", low)
    return base in _ROLE_WORDS


def _valid_np(words: list[str]) -> bool:
    content = [w for w in words if w.lower() not in _ARTICLES]
    if not content or _possessive(content[-1]):
        return False
    if all(w.lower() in _TIME_WORDS for w in content):
        return False
    if len(content) == 1 and is_demonym(content[0]):
        return False
    return any(_is_cap(w) for w in content) or content[-1].lower() in _PERSON_NOUNS | _GROUP_NOUNS | _BODY_NOUNS


def _np_backward(toks: list[_Tok], j: int) -> int:
    """Index of the first token of the noun phrase ending at token j (j + 1 when there is none)."""
    k = j
    while k >= 0 and _accept(toks, k):
        if toks[k].text.lower() in _ARTICLES and not (k > 0 and toks[k - 1].text.lower() in {"of", "to"}):
            return k
        k -= 1
    return k + 1


def _np_forward(toks: list[_Tok], i: int) -> int:
    """Index after the last token of the noun phrase starting at token i."""
    k = i
    while k < len(toks) and _accept(toks, k):
        if k > i and toks[k].text.lower() in _ARTICLES and toks[k - 1].text.lower() not in {"of", "to"}:
            break
        k += 1
    return k


def _span_text(s: str, toks: list[_Tok], a: int, b: int) -> str:
    return s[toks[a].start : toks[b - 1].end] if b > a else ""


def _chunk_subject(s: str, toks: list[_Tok], verb_idx: int) -> tuple[str, str]:
    """Subject for "X, apposition, said": the first whole noun-phrase chunk of the clause, plus appositions."""
    start = verb_idx - 1
    while start >= 0 and not _is_stop(toks[start].text):
        start -= 1
    chunks: list[tuple[int, int]] = []
    a = start + 1
    for k in range(start + 1, verb_idx + 1):
        if k == verb_idx or toks[k].text == ",":
            if k > a:
                chunks.append((a, k))
            a = k + 1
    for n, (a, b) in enumerate(chunks):
        if _np_forward(toks, a) == b and _valid_np([t.text for t in toks[a:b]]):
            appositions = [
                _span_text(s, toks, x, y) for x, y in chunks[n + 1 :] if toks[x].text.lower() not in _APPOSITION_SKIP
            ]
            return _span_text(s, toks, a, b), ", ".join(appositions)
    return "", ""


def _relative_antecedent(s: str, toks: list[_Tok], rel_idx: int) -> str:
    j = rel_idx - 1
    if j >= 0 and toks[j].text == ",":
        j -= 1
    a = _np_backward(toks, j)
    words = [t.text for t in toks[a : j + 1]]
    return _span_text(s, toks, a, j + 1) if _valid_np(words) else ""


def _subject(s: str, toks: list[_Tok], i: int, verb: str, form: str) -> _Raw | None:
    """Find the subject of the reporting verb at token i (None: not a statement)."""
    pos = toks[i].start
    if verb == "according to":
        return _according_to(s, toks, i + 2, pos)
    j = i - 1
    skipped: list[str] = []
    while j >= 0 and toks[j].text.lower() in _SKIP_BEFORE_VERB:
        skipped.append(toks[j].text.lower())
        j -= 1
    if j >= 1 and toks[j].text.lower() in _TIME_WORDS and toks[j - 1].text.lower() in {"on", "in", "last"}:
        j -= 2
    if _NEGATIONS & set(skipped):
        return None
    ing = form.endswith("ing")
    if _PASSIVE_AUX & set(skipped) and not ing:
        return None  # "was accused", "were told"
    prev = toks[j].text if j >= 0 else ""
    low = prev.lower()
    if ing and prev == "," and not skipped:
        return _Raw(pos, verb, "", "", True)
    if low in {"and", "but"}:
        return _Raw(pos, verb, "", "", True)
    if low in _PRONOUNS:
        return _Raw(pos, verb, prev, "", False)
    if low in _RELATIVES:
        antecedent = _relative_antecedent(s, toks, j)
        return _Raw(pos, verb, antecedent, "", False) if antecedent else None
    if prev == ",":
        mention, apposition = _chunk_subject(s, toks, j)
        return _Raw(pos, verb, mention, apposition, False) if mention else None
    if (prev.startswith("#") or prev == "") and form in _INVERTIBLE and not ing:
        b = _np_forward(toks, i + 1)
        words = [t.text for t in toks[i + 1 : b]]
        if not _valid_np(words):
            return None
        apposition = ""
        if b < len(toks) and toks[b].text == ",":  # "said Hassan Ali, a spokesman for the Egyptian army."
            c = b + 1
            while c < len(toks) and not _is_stop(toks[c].text) and toks[c].text != ",":
                c += 1
            apposition = _span_text(s, toks, b + 1, c)
        return _Raw(pos, verb, _span_text(s, toks, i + 1, b), apposition, False)
    if j < 0:
        return None
    a = _np_backward(toks, j)
    words = [t.text for t in toks[a : j + 1]]
    if a <= j and _valid_np(words):
        return _Raw(pos, verb, _span_text(s, toks, a, j + 1), "", False)
    return None


def _according_to(s: str, toks: list[_Tok], a: int, pos: int) -> _Raw | None:
    """ "according to Pfizer chief scientific officer Mikael Dolsten, ..." -> the source up to the comma."""
    b = a
    while b < len(toks) and b - a < 12 and not _is_stop(toks[b].text) and toks[b].text != ",":
        b += 1
    while b > a and not (_is_cap(toks[b - 1].text) or toks[b - 1].text.lower() in _PERSON_NOUNS | _GROUP_NOUNS
                         | _BODY_NOUNS):
        b -= 1
    words = [t.text for t in toks[a:b]]
    if b == a or not _valid_np(words) or _possessive(words[-1]):
        return None
    return _Raw(pos, "according to", _span_text(s, toks, a, b), "", False)


def _raw_statements(s: str, masked: str) -> list[_Raw]:
    toks = [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(masked)]
    index = {t.start: n for n, t in enumerate(toks)}
    raws: list[_Raw] = []
    for m in _VERB_RE.finditer(masked):
        i = index.get(m.start())
        if i is None:
            continue
        if m.group("acc"):
            verb, form = "according to", "according"
        elif m.group("call"):
            form = m.group("call")
            if m.group("prep"):
                verb = "called " + ("on" if m.group("prep") == "upon" else m.group("prep"))
            elif i + 1 < len(toks) and toks[i + 1].text in _NOT_AFTER["called"]:
                continue
            elif any(t.text.startswith("#") for t in toks[i + 1 : i + 9]):
                verb = "called"  # "called the news “devastating”"
            else:
                continue  # "Stepanakert, called Khankendi by Azerbaijan"
        else:
            form = m.group("verb")
            verb = _VERB_OF_FORM[form]
        after = toks[i + 1].text if i + 1 < len(toks) else "."
        if after.lower() in _NOT_AFTER.get(verb, ()):
            continue
        if verb in _QUOTE_ONLY and not (after[0] in ",:.#" or (i > 0 and toks[i - 1].text.startswith("#"))):
            continue
        if verb == "wrote" and not (after[0] in ",:.#" or after in _WROTE_NEXT):
            continue  # "wrote a book" is not a statement; "wrote on X", "wrote that" are
        raw = _subject(s, toks, i, verb, form)
        if raw is not None:
            raws.append(raw)
    return raws


# ----------------------------------------------------------------------------------------------- resolution


class _Context:
    """Speakers seen so far in one article (created per call, never global)."""

    # A pronoun refers to a speaker of at most this many units (sentences) back; older antecedents are too
    # often a non-speaker mentioned in between, which these rules do not track.
    PRONOUN_WINDOW = 4

    def __init__(self) -> None:
        self.history: list[_Speaker] = []
        self.seen_at: list[int] = []  # unit index of each history entry
        self.unit = 0
        self.persons: dict[str, _Speaker] = {}

    def add(self, sp: _Speaker) -> _Speaker:
        self.history.append(sp)
        self.seen_at.append(self.unit)
        return sp

    def last(self, kind: str) -> _Speaker | None:
        for sp, unit in zip(reversed(self.history), reversed(self.seen_at)):
            if unit < self.unit - self.PRONOUN_WINDOW:
                break
            if kind == "any" or sp.kind == kind:
                return self.add(sp)
        if kind == "group":
            return self.last("body")
        return None

    def resolve(self, mention: str, apposition: str) -> _Speaker | None:
        low = mention.lower()
        if low in _PRONOUNS:
            return self.last(_PRONOUNS[low])
        words = re.findall(r"[^\W_][\w'’.-]*", mention)
        if words and words[0].lower() == "the" and all(not _is_cap(w) or w in _TITLE_WORDS for w in words[1:]):
            return self._description(words[1:])  # "the minister", "the President"
        name = _person_name(mention)
        rest = mention.replace(name, " ") if name else mention
        actor = resolve_actor(rest) if find_actor_mentions(rest) else None
        if actor is None and apposition:
            actor = resolve_actor(apposition) if find_actor_mentions(apposition) else None
        if name:
            return self._person(name, f"{mention} {apposition}", actor)
        head = re.sub(r"['’]s$", "", words[-1].lower()) if words else ""
        kind = "group" if head in _GROUP_NOUNS else "person" if head in _PERSON_NOUNS else "body"
        speaker = re.sub(r"^(?:the|a|an)\s+", "", mention, flags=re.I)
        speaker = re.sub(r"\s+statement$", "", speaker)
        sp = _Speaker(speaker, actor.name if actor else None, kind, f"{mention} {apposition}", False)
        return self.add(sp)

    def _description(self, words: list[str]) -> _Speaker | None:
        """ "the ministry", "the minister": the most recent speaker described with that noun."""
        if not words:
            return None
        head = words[-1].lower()
        for sp in reversed(self.history):
            if head in re.findall(r"[\w-]+", sp.description.lower()):
                return self.add(sp)
        kind = "group" if head in _GROUP_NOUNS else "person" if head in _PERSON_NOUNS else "body"
        sp = _Speaker(" ".join(words), None, kind, " ".join(words), False)  # a new, unidentified speaker
        return self.add(sp)

    def _person(self, name: str, description: str, actor: object) -> _Speaker:
        surname = name.split()[-1].lower()
        known = self.persons.get(surname)
        if known is not None and " " in name and " " in known.speaker and name.split()[0] != known.speaker.split()[0]:
            known = None  # "Janet Mills" is not "Robert Mills"
        affiliation = getattr(actor, "name", None)
        if known is not None:
            known.description += " " + description
            if len(name) > len(known.speaker):
                known.speaker = name
            if affiliation and not known.affiliation:
                known.affiliation = affiliation
            return self.add(known)
        if affiliation is None:
            by_table = person_affiliation(name)
            affiliation = by_table.name if by_table else None
        if affiliation is None and self.history:
            before = self.history[-1]  # "The top US diplomat slammed ... Secretary of State Antony Blinken said"
            if not before.named and before.kind == "person":
                affiliation = before.affiliation
        sp = _Speaker(name, affiliation, "person", description, True)
        self.persons[surname] = sp
        return self.add(sp)


def _person_name(mention: str) -> str:
    """The personal name in a mention: "Kremlin spokesman Dmitry Peskov" -> "Dmitry Peskov"; "" if none."""
    region = mention
    of = re.search(r"\s+of\s+(?:the\s+)?", mention)
    if of:
        left = mention[: of.start()].split()
        if left and _is_cap(left[-1]) and left[-1] not in _TITLE_WORDS:
            region = mention[: of.start()]
    covered = [(m.start, m.end) for m in find_actor_mentions(region)]
    tokens = [(m.group(), m.start()) for m in re.finditer(r"[^\W_][\w'’.-]*", region)]

    def plain(k: int) -> bool:
        word, start = tokens[k]
        return not (
            not _is_cap(word)
            or _possessive(word)
            or word.rstrip(".") in _TITLE_WORDS
            or (word.isupper() and len(word) > 1)  # "NASA Administrator Bill Nelson": an acronym is an org
            or word.lower() in _ROLE_WORDS | _CAP_STOPS | _ARTICLES
            or any(a <= start < b for a, b in covered)
        )

    k = len(tokens) - 1
    name: list[str] = []
    if k >= 1 and not plain(k) and _is_cap(tokens[k][0]) and plain(k - 1):
        alias = [(a, b) for a, b in covered if a == tokens[k][1]]
        if alias and alias[0][1] == tokens[k][1] + len(tokens[k][0]) and tokens[k][0] not in _TITLE_WORDS:
            name.append(tokens[k][0])  # a surname that is also a demonym: "Jonathan French"
            k -= 1
    while k >= 0 and (plain(k) or (tokens[k][0] in _PARTICLES and name)):
        name.append(tokens[k][0])
        k -= 1
    while name and name[-1] in _PARTICLES:
        name.pop()
    if not name or (k >= 0 and tokens[k][0].lower() in {"for", "and", "of", "&"}):
        return ""
    if set(name) & _ORG_WORDS or (len(name) == 1 and name[0].isupper() and len(name[0]) > 1):
        return ""  # "Pew Research Center", "CNN": a body, not a person
    return " ".join(reversed(name))


def _unit_statements(
    text: str, unit: Span, context: _Context, previous_unit: list[Statement]
) -> list[Statement]:
    s = text[unit.start : unit.end]
    segments = _quote_segments(s)
    masked = _mask(s, segments)
    resolved: list[tuple[_Raw, _Speaker, str]] = []
    sp: _Speaker | None
    for raw in _raw_statements(s, masked):
        if raw.shared:
            if resolved:
                _, sp, mention = resolved[-1]
            else:
                sp, mention = _sentence_subject(s, masked, context)
                if sp is None:
                    continue
        else:
            sp, mention = context.resolve(raw.mention, raw.apposition), raw.mention
            if sp is None:
                continue
        if any(sp.speaker == other.speaker and sp.affiliation == other.affiliation for _, other, _ in resolved):
            continue
        resolved.append((raw, sp, mention))
    if not resolved and s.lstrip().startswith(("“", '"')) and previous_unit:
        last = previous_unit[-1]  # an unattributed quote paragraph continues the previous speaker
        joined = " ".join(_clean_quote(s[a:b]) for a, b in segments)
        return [Statement(unit.start, unit.end, s, last.speaker_mention, last.speaker, last.affiliation, "said",
                          joined or None)]
    out = []
    for n, (raw, sp, mention) in enumerate(resolved):
        owned = [
            (a, b) for a, b in segments
            if (n == 0 and a < raw.verb_pos)
            or (raw.verb_pos < a and (n + 1 == len(resolved) or a < resolved[n + 1][0].verb_pos))
        ]
        quote = " ".join(_clean_quote(s[a:b]) for a, b in owned) or None
        out.append(Statement(unit.start, unit.end, s, mention, sp.speaker, sp.affiliation, raw.verb, quote))
    return out


def _sentence_subject(s: str, masked: str, context: _Context) -> tuple[_Speaker | None, str]:
    """ "Russia is in touch ... and has urged": the noun phrase that opens the sentence."""
    toks = [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(masked)]
    if toks and toks[0].text.lower() in _PRONOUNS:  # "He compared ... and said"
        return context.resolve(toks[0].text, ""), toks[0].text
    b = _np_forward(toks, 0)
    words = [t.text for t in toks[:b]]
    if not _valid_np(words) or (b < len(toks) and toks[b].text == ","):
        return None, ""
    mention = _span_text(s, toks, 0, b)
    return context.resolve(mention, ""), mention


def _clean_quote(q: str) -> str:
    return q.strip("“”\" ").rstrip(",.").strip()


def speaker_key(speaker: str) -> str:
    """Surname of a named speaker, lower case ("Antony Blinken" -> "blinken"), or the one name a speaker is known
    by in its article ("Cavalcante told investigators ..." -> "cavalcante"; "CNN" -> "cnn"): "What did Cavalcante
    tell investigators?" had found no statement of his, and abstained. "" for groups and for the actors the
    canonical table knows ("Russia": those are read by affiliation)."""
    words = re.findall(r"[A-Z][\w'’-]+", speaker)
    if len(words) >= 2 and words[0] not in {"Armenia", "Azerbaijan", "Russia", "Karabakh"} and "'" not in speaker:
        return words[-1].lower()
    if len(words) == 1 and re.fullmatch(r"[A-Z][\w-]{2,}", speaker.strip()) and resolve_actor(speaker) is None:
        return speaker.strip().lower()
    return ""


def looks_like_person(name: str) -> bool:
    """Is ``name`` a personal name as the speaker rules read one ("Conrad Murray", "Mohamed ElBaradei"), not a body
    ("the Muslim Brotherhood", "Los Angeles Police Department", "CNN")?"""
    name = " ".join(name.split())
    return bool(name) and not name.lower().startswith("the ") and _person_name(name) == name


# What a name can stand before that makes it a modifier, not the one speaking: "the Biden administration has been
# criticized", "Biden's campaign said", "Trump aides told".
_NAME_MODIFIES = re.compile(r"\s*(?:['’]s?\b|(?:administration|campaign|officials?|aides?|allies|team|government|"
                            r"family|lawyers?|attorneys?|spokes(?:wo)?man|spokesperson|supporters|critics|"
                            r"presidency|era|years?)\b)", re.I)
SPEAKS_WITHIN = 12  # words between a speaker's name and the reporting verb ("Trump did not mention Chutkan by name,
# but said: ...": 9)


def names_a_speaker(sentence: str, names: list[str]) -> bool:
    """One of ``names`` speaks in ``sentence``: written before a reporting verb (within SPEAKS_WITHIN words, not as
    a modifier: "the Biden administration", "Biden's aides") or right after an invertible one ("..., said Biden").
    The search route's answer to "What did Biden say about Israel?" when no statement of his names Israel quoted
    "The Biden administration has being criticized for the agreement with Iran ..." (fourteenth session): what
    others say of him is not what he said."""
    for name in names:
        for m in re.finditer(rf"\b{re.escape(name)}\b", sentence, re.I):
            if _NAME_MODIFIES.match(sentence, m.end()):
                continue
            after = sentence[m.end():]
            words = re.findall(r"[\w'’-]+", after)[:SPEAKS_WITHIN + 1]
            if any(w.lower() in _VERB_OF_FORM or w.lower() in _CALL_FORMS for w in words):
                return True
            before = re.findall(r"[\w'’-]+", sentence[:m.start()])[-2:]
            if any(w.lower() in _VERB_OF_FORM and _VERB_OF_FORM[w.lower()] in _INVERTIBLE for w in before):
                return True
    return False
