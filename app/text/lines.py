"""Timeline lines a newsroom would publish: which article sentences may stand alone as "what happened that day".

A timeline line is read without its article, so it must be a complete sentence that states what happened — a
subject and a verb — and nothing else. Read as a journalist would, a story timeline over ~200 Egyptian-revolution
articles (issue 27) had, beside good lines, page furniture ("January 31, 2011 at 6:25 pm | We have no role in this
revolt.", "(Update 1:00 a.m. in Cairo, 6:00 p.m. ET) Protesters in the United States ..."), lines that do not stand
alone ("And on Sunday, he urged the Egyptian president to ...", "Today is the day for celebration.") and lines about
another day. These rules sort a candidate sentence into:

- **furniture** (``furniture``): a question, an update stamp, a dateline or time stamp, a byline, a caption or
  credit, a "click here"/"read more", a heading in capitals, a fragment (opens in lower case or with an ellipsis, or
  an unclosed quotation), a quotation whose only speaker is a pronoun, or no finite verb at all. Never a line.
- **a leading stamp** (``content_start``): "(Update 1:00 a.m. in Cairo, 6:00 p.m. ET) Protesters ..." or
  "CAIRO (Reuters) - Protesters ..." carry a sentence after the stamp: the line is that sentence, its span moved
  past the stamp (the citation stays an exact span of the article).
- **a headline or caption run into the lead** (``content_start``, eighth session): "Haiti devastated by massive quake
  Thousands of people are feared dead ...", "(Bill O'leary - The Washington Post) The head of ...": the line starts
  at the lead (``_RUN_ON``). 22 of the 273 T17 dev lines began with one; over 42,473 sentences of RealTimeQA and T17
  articles the rule moved the start of 62, read by hand: photo credits, captions, headlines, page dates.
- **more furniture** (eighth session, read on the T17 finan timeline, the Washington Post's layout): a photo credit
  "(By Ariana Cubillos -- Associated Press)" and a dateline after a headline ("... TOULON, France, Sept. 25 --") are
  stamps before the lead; a page's "Tuesday, September 30, 2008; 10:10 AM" too; a sentence opening with punctuation
  (", chairman of the House Financial Services Committee, to determine ..."), a headline in title case ("A
  Government Hand In the Economy Is as Old as the Republic.") and a photo caption ("President Bush, left, makes a
  statement ...", "... Saturday, Oct. 11, 2008, in Washington.") are furniture. 20 of finan#0's 130 lines changed;
  T17 dev per topic 0.7542 / 0.1556 / 0.0394 -> 0.7542 / 0.1542 / 0.0390 (a wrongly bracketed "He [Adobe Reader
  She] is thought to have picked up swine flu ..." had shared the gold's words); the line check 0 of 492.
- **a dangling opening** (``dangling``): a connective ("And", "But", "However", "Meanwhile") or a deictic opening
  ("Today is", "This was") needs the sentence before it: the line is replaced by another sentence. A pronoun subject
  ("He urged ...", "On Sunday, she said ...") is resolved from the preceding sentence when it names one person (for
  he/she) or opens with a name (for it/they), shown in brackets: "He [Hosni Mubarak] said ..." (``resolve``);
  otherwise the line is replaced too. An "it" that refers to nothing ("It is understood the two travellers were
  admitted ...") is replaced too: the bracket had named the sentence before's subject ("It [Scottish Government] is
  understood ...").
- **another day** (``names_other_day``): a sentence whose own single-day time expression resolves to a day other
  than the line's is about that day, not this one.

Measured with the independent line check (benchmarks/line_check.py, its own rules, not these functions) on the T17
dev timelines (loaded machine): flagged 136 of 541 lines before (25 %; per timeline 17-49 %: finan 66 of 292, of
them 41 dangling, 19 furniture, 12 another day) and 0 of 498 after. tilse, mean of the six dev timelines: Date-F1
0.771 -> 0.771, AR-1 0.150 -> 0.148, AR-2 0.039 -> 0.038 (h1n1 and mj up, finan and haiti down: the "He ...",
"And ..." and header-stamped lines that give way carried words the gold summaries share). Among finan's 637
day-dated sentences the rules call 54 stamps, bylines or captions, 16 verbless, 14 fragments, 8 questions and 90
dangling. A page header run into its lead ("MEXICO CITY | Fri Apr 24, 2009 7:50 pm EDT MEXICO CITY (Reuters) -
...") is skipped to the lead rather than dropped: dropping such lines had cost h1n1#2 AR-1 0.124 -> 0.089.

Rejected: a parser for "subject and verb" and for pronoun resolution. spaCy needs a model download (en_core_web_sm,
not a PyPI wheel the offline setup installs) and ~10 ms a sentence on 2 cores; NLTK's POS tagger needs its
averaged-perceptron data downloaded at run time (fails offline); neural coreference (fastcoref, coreferee) needs
models too. News prose is regular enough at a sentence's edges — its first words and its stamps — for a few
word lists, and a wrong rule only costs a sentence (another candidate is chosen), never a wrong line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from app.text.actors import resolve_actor
from app.text.tokens import content_tokens

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?|GMT|UTC|BST|[ECMP][SD]?T)\b"
_CLOCK = r"\d{1,2}:\d{2}"
_NOT_BYLINE = (r"(?:the|late|early|mid|then|now|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
               r"January|February|March|April|May|June|July|August|September|October|November|December)\b")

# Furniture anywhere in the sentence: the pipe of a dateline, a credit, a call to click.
_FURNITURE_ANYWHERE = re.compile(
    r"\s\|\s|\b(?:click\s+here|read\s+more|sign\s+up|subscribe\s+(?:to|now)|all\s+rights\s+reserved|copyright|"
    r"last\s+updated|updated\s+at|posted\s+(?:at|on|by)|published\s+at|comments?\s+(?:was|were|have\s+been)\s+"
    r"(?:removed|closed)|(?:AP|AFP|Reuters|Getty)\s+(?:Photo|Images)|photo\s*(?:credit|illustration)|"
    r"contributed\s+to\s+this\s+report|(?:reporting|editing|writing)\s+by|associated\s+press\s+writer|"
    r"e-?mail\s+(?:this|to\s+a\s+friend)|follow\s+us|share\s+this|"
    # the page about the story, not the story: "A version of this story appeared in CNN's What Matters newsletter."
    r"a\s+version\s+of\s+this\s+(?:story|article)|this\s+(?:story|article)\s+(?:has\s+been|was)\s+(?:updated|"
    r"corrected|originally\s+published|first\s+published)|this\s+(?:page|post|live\s+blog|blog)\s+(?:recaps|"
    r"is\s+(?:a\s+summary|no\s+longer)|will\s+be\s+updated|has\s+ended)|please\s+(?:check|see|visit|refer\s+to)\s+"
    r"(?:our|the)\b)\b|"
    # a photo caption: "The chamber of the House of Representatives is seen at the Capitol on February 28, 2022."
    # (not "is seen as a blow", "is shown to work")
    r"\b(?:is|are)\s+(?:seen|pictured|shown)\b(?!\s+(?:as|to|by|that)\b)|"
    # a photo caption: "President Bush, left, makes a statement ... , Saturday, Oct. 11, 2008, in Washington."
    r"\b(?-i:[A-Z])[\w'’.-]+,\s+(?:left|right|center|centre|second\s+(?:from\s+)?(?:left|right)|foreground|background)\s*,|"
    rf",\s+(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+{_MONTH}\s+\d{{1,2}},\s+\d{{4}}(?:,?\s+in\s+[A-Z][^.]{{0,40}})?\.?$",
    re.I)
# An agency photo's caption: "This grab taken from a UGC footage provided to AFP by Marut Vanyan on September 19, 2023
# shows smoke rising ..." (the seed article's; the chat's "What happened after the ceasefire?" listed it as an event),
# "This handout photo released by the Ukrainian Presidential Press Service shows ..." (a caption's present tense: "A
# photo released by the army showed the damaged bridge" is a report).
_AGENCY_CAPTION = re.compile(
    r"^\W*(?i:this|an?)\s+(?:\w+\s+){0,2}?(?i:photo(?:graph)?|picture|image|grab|screengrab|handout)\s+"
    r"(?i:(?:taken|released|provided|obtained|made\s+available|distributed)\b.{0,240}?\bshows|shows|showing)\b|"
    r"\bprovided\s+to\s+(?:AFP|AP|Reuters|Getty\s+Images|EPA)\b")
# Furniture at the start: stamps, bylines, captions, live-blog clocks.
_FURNITURE_OPENING = re.compile(
    rf"^\W*(?:(?i:updated?\b|update\s*\d|(?:photo|photograph|picture|image|video|watch|listen|caption|pictured|"
    rf"file|credit|related|see\s+also|editor['’]?s\s+note|editors\s+note|correction|clarification)\s*:|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}},?\s*(?:at\s+)?{_CLOCK}|{_TIME}|"
    rf"{_CLOCK}\b)|By\s+(?!{_NOT_BYLINE})[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){{1,3}}\s*(?:,|$|\|))")
# A stamp before the sentence it carries: "(Update 1:00 a.m. in Cairo, 6:00 p.m. ET) ", "CAIRO (Reuters) - ",
# "(AP Photo/Evan Vucci) (Evan Vucci - AP) ",
# "CAIRO, Egypt (CNN) -- ", "January 31, 2011 at 6:25 pm | ", "10:35 a.m.: ", "Updated 6:25 p.m.: ".
_LEADING_STAMP = re.compile(
    rf"(?:(?:\([^()]{{0,60}}\b(?:AP|AFP|Reuters|Getty|Photo|Bloomberg|EPA|Credit|Associated\s+Press)\b[^()]{{0,60}}\)"
    rf"\s*|\(By\s+[A-Z][^()]{{0,60}}\)\s*)+|(?i:\((?:update|updated)[^)]{{0,80}}\)\s*[-:—–]*\s*|"
    rf"updated?\s*(?:\d+(?!:\d))?\s*(?:at\s+)?(?:{_CLOCK}\s*(?:[ap]\.?m\.?)?\s*(?:[ECMP][SD]?T|GMT)?)?\s*:\s*|"
    rf"{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s*(?:at\s+)?{_CLOCK}\s*(?:[ap]\.?m\.?)?)?\s*(?:\||-{{1,2}}|—|:)\s*|"
    rf"{_CLOCK}\s*(?:[ap]\.?m\.?)?(?:\s*[ECMP][SD]?T)?\s*(?:\||-{{1,2}}|—|:)\s*)|"
    rf"(?:[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){{0,3}}(?:,[^()]{{1,30}})?\s*)?"
    rf"\((?:AP|AFP|CNN|Reuters|BBC|UPI|Bloomberg|dpa|Xinhua)\)\s*(?:-{{1,2}}|—|–|:)\s*|"
    rf"[A-Z][A-Z'’-]{{2,}}(?:\s+[A-Z][A-Z'’-]{{2,}}){{0,2}}(?:,\s*[A-Z][\w.]+(?:\s+[A-Z][\w.]+)?)?\s*(?:-{{1,2}}|—|–)\s+)")

HEADER_CHARS = 300
_HEADER_STAMP = re.compile(
    r"\((?:AP|AFP|CNN|Reuters|BBC|UPI|Bloomberg|dpa|Xinhua)\)\s*(?:-{1,2}|—|–|:)\s*|"
    r"\b\d{1,2}[:.]\d{2}\s*(?:[AaPp]\.?[Mm]\.?\s*(?:(?:BST|GMT|UTC|[ECMP][SD]T|ET)\b)?|(?:BST|GMT|UTC|[ECMP][SD]T|ET)\b)"
    r"\s*(?:\||-{1,2}|—|:)?\s*")
# A newspaper's dateline, after its headline or a photo credit: "... NASHVILLE, Oct. 7 -- On a day when ...",
# "... TOULON, France, Sept. 25 -- French President ...": a place in capitals, the day, a dash.
_DATELINE = re.compile(
    rf"\b[A-Z][A-Z.'’-]{{2,}}(?:\s+[A-Z][A-Z.'’-]+){{0,3}}(?:,\s+[A-Z][\w.]+(?:\s+[A-Z][\w.]+){{0,2}})?,\s+{_MONTH}\s+"
    rf"\d{{1,2}}\s*(?:-{{1,2}}|—|–)\s+")

# A page's link text left between its header stamp and the lead (13 BBC articles of the T17 mj topic: "29 September
# 2011 Last updated at 04:16 GMT Help A key aide and a security guard have told ..."): skipped only right after a
# header stamp and before a capital, so a sentence that opens with "Help" is left alone. T17 dev (seventh session):
# 7 of mj#0's 70 lines lost their "Help"; per topic AR-1 / AR-2 0.1540 / 0.0405 -> 0.1528 / 0.0398, pooled 0.1547 /
# 0.0410 -> 0.1534 / 0.0403 (Date-F1 the same): the shared "Help" had made those BBC sentences alike, and the day's
# centroid had preferred them (29 September 2011 now shows another article's sentence in place of one of them).
# A headline or a photo caption run into the lead without a full stop (a page's text as scraped; the T17 articles):
# "Haiti devastated by massive quake Thousands of people are feared dead ...", "... secondary infection The first
# planeload of medicines ...". The lead starts at a word that opens sentences, capitalised mid-sentence after a word
# that does not introduce a title or a letter ("told The Guardian", "vitamin A"); "A", "An" and "The" only before a
# lower-case word or a number ("A Royal Fleet Auxiliary ship" may be a title), and only these after a capitalised
# word (a preposition may be part of a name or a title-case headline: "Change After Crisis", "Lost In Translation").
# What follows must read as a sentence: six words or more, under half of them capitalised ("In the Economy Is as Old
# as the Republic" is a headline's).
_RUN_ON = re.compile(r"(?<=[\w'’)\]])\s+(?P<w>A|An|The|In|On|At|As|After|Despite|Following|Thousands|Hundreds|Dozens|"
                     r"Millions|When|While|Although|Amid)\s+(?P<next>[^\s]+)")
_TITLE_TAKERS = frozenset("""
told tell tells to by of in on at from with for said says and or but nor than the a an into onto about called named
titled read reads watched starring film movie song album book novel show series magazine newspaper program programme
column
""".split())
# before a letter: "vitamin A deficiency", "Triple A radio" (before "A lawyer", "The first", any word but these)
_LETTER_TAKERS = frozenset("""
vitamin type grade plan class section group category hepatitis flight room gate terminal level phase stage round
division page chapter part word letter triple
""".split())


def _run_on_lead(text: str, skip: int) -> int:
    """Where the lead starts after a headline or caption run into it (``_RUN_ON``), or ``skip`` when none does."""
    start = skip
    for m in _RUN_ON.finditer(text, skip, skip + HEADER_CHARS):
        before = text[skip:m.start()].split()
        prev = before[-1].strip("'’\"”)]").lower() if before else ""
        determiner = m.group("w") in ("A", "An", "The")
        article = determiner and (m.group("next")[:1].islower() or m.group("next")[:1].isdigit())
        if len(before) < 3 or prev in _LETTER_TAKERS or (prev in _TITLE_TAKERS and not article):
            continue  # "told The Guardian", "vitamin A"; but "his spokeswoman says A lawyer for ..." is a lead
        if determiner and not article:
            continue  # "A Royal Fleet Auxiliary ship": maybe a title
        if not determiner and (before[-1].lstrip("\"“‘'(")[:1].isupper()
                               or re.match(r"(?:the|a|an)\s+[A-Z]", text[m.start("next"):])):
            continue  # "Change After Crisis", "Luiz In cio Lula", "“Safer At Home”"; "the first On the Run tour"
        after = text[m.start("w"):].split()
        if len(after) >= 6 and sum(w[:1].isupper() for w in after) < len(after) / 2 and _has_verb(" ".join(after)):
            start = m.start("w")
    return start


_PAGE_LINK = re.compile(r"(?:Help|Share|Print|E-?mail|Close|Menu|Advertisement|Comments)\s+(?=[A-Z\"“‘])")

_VERB_WORDS = frozenset("""
is are was were be been being am has have had do does did will would shall should can could may might must
said says say told tells tell added adds announced announces reported reports left leaves made makes took takes
gave gives went goes came comes won wins lost loses met meets fled flees fell falls rose rises struck strikes
began begins became becomes held holds hit hits led leads killed kills sent sends set sets put puts shot shoots
broke breaks brought brings built builds cut cuts drew draws found finds got gets grew grows heard hears kept
keeps knew knows laid lays paid pays ran runs saw sees sought seeks sold sells spoke speaks spent spends stood
stands swept sweeps threw throws thought thinks tore tears understood wrote writes quit quits shut shuts spread
spreads bore bid bids dealt deals fought fights forgave froze hung hangs lay lies lit meant means overtook rang
rode rode sank sat shook showed shows sang slid stole stuck stung swore swung taught withdrew withdraws
""".split())
_FINITE_ENDING = re.compile(r"^[a-z][a-z'’-]*(?:ed|ied)$")
# "Obama signs", "Haiti faces", "the group also includes": a present-tense verb after a name or an adverb
_NAME_THEN_S = re.compile(r"\b(?:[A-Z][\w'’.-]*|also|still|now|only|often|already|never|just|again)\s+"
                          r"([a-z]+[^s']s)\b")

_PRONOUN_SUBJECTS = {"he": "person", "she": "person", "it": "thing", "they": "thing", "his": "person's",
                     "her": "person's", "its": "thing's", "their": "thing's"}
_CONNECTIVES = ("and", "but", "or", "so", "also", "yet", "still", "then", "however", "meanwhile", "moreover",
                "furthermore", "nevertheless", "nonetheless", "instead", "besides", "otherwise", "thus", "therefore",
                "hence", "accordingly", "consequently", "additionally", "likewise", "similarly", "plus", "later",
                "earlier", "afterwards", "in addition", "as a result", "at the same time", "on the other hand",
                "even so", "after that", "since then", "by then", "in turn", "in response", "that", "this",
                "these", "those", "such", "we", "i", "you", "us", "our", "my", "him", "them")
_CONNECTIVE = re.compile(r"^\(?(?:" + "|".join(re.escape(c) for c in sorted(_CONNECTIVES, key=len,
                                                                                      reverse=True)) + r")\b", re.I)
_DEICTIC = re.compile(r"^(?:today|tonight|now|here|there)\s+(?:is|was|are|were|will)\b|^(?:it|this|that)\s+(?:is|was)"
                      r"\s+(?:the|a|an|time|not|also|why|what|how)\b", re.I)
# "It is understood the two travellers were admitted ...", "It emerged that ...": an "it" that refers to nothing. The
# sentence before names no subject for it, and a bracket would invent one ("It [Scottish Government] is understood
# ..."), so such a sentence is not a line. "It is expected to reopen" (an infinitive after) is a real "it".
_EXPLETIVE_IT = re.compile(
    r"^it\s+(?:is|was|has\s+been|had\s+been|seems|seemed|appears|appeared|remains|remained)\s+(?:now\s+|also\s+|"
    r"widely\s+|still\s+)?(?:understood|thought|believed|expected|feared|likely|unlikely|unclear|reported|said|"
    r"estimated|hoped|possible|impossible|probable|known|alleged|claimed|rumou?red|suspected|certain|uncertain)\b"
    r"(?!\s+(?:to|for|as)\b)|^it\s+(?:seems|seemed|appears|appeared|emerged|transpired)\s+(?:that|as\s+if)\b|"
    r"^it\s+(?:is|was|has\s+become|had\s+become|became|seems|seemed|remains|remained)\s+(?:now\s+|also\s+|still\s+|"
    r"increasingly\s+)?(?:fashionable|clear|hard|easy|difficult|important|necessary|essential|vital|crucial|worth|"
    r"tempting|a\s+shame|no\s+secret|no\s+surprise|no\s+wonder)\b", re.I)
# A pronoun subject, at the start or after an opening phrase ("On Sunday, he urged ..."; "In a statement, they said").
_PRONOUN = re.compile(r"^(?P<lead>(?:[^,\"“”]{1,40},\s+)?)"
                      r"(?P<pronoun>he|she|it|they|his|her|its|their|this|that|these|those)\b", re.I)

# A capitalised name run: "Hosni Mubarak", "President Barack Obama", "the Muslim Brotherhood", "Ban Ki-moon".
_NAME_RUN = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*)(?:\s+(?:(?:of|de|del|la|van|von|bin|al|ibn|"
                       r"el)\s+)?(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*))*")
_NOT_NAMES = frozenset("""
a an the in on at as by for from of to with after before during since until while when where why how what who this
that these those it its he she they his her their we our i you but and or so yet also however meanwhile
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december today yesterday tomorrow tonight mr mrs ms dr president minister prime
""".split())
_TITLES = frozenset("president vice prime minister secretary gen general sen senator rep representative gov governor "
                    "king queen prince chancellor chief judge mr mrs ms dr pope sheikh ambassador spokesman "
                    "spokeswoman mayor leader".split())


# A connective before a named subject: "But Burton said ...", "Meanwhile, Lehman Brothers filed ...".
_LEADING_CONNECTIVE = re.compile(r"^(?:and|but|yet|so|also|still|meanwhile|however|moreover|furthermore|instead|"
                                 r"nevertheless|nonetheless|separately|elsewhere|in addition|at the same time)\b,?\s+"
                                 r"(?=[\w“\"])", re.I)
_AUXILIARY = re.compile(r"(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|may|might)\b", re.I)


def content_start(text: str) -> int:
    """Characters to skip at the start of ``text``: a stamp before the sentence it carries, and a connective before
    its subject ("But Burton said ..." is the line "Burton said ..."; an editor drops the "But"; ``shown_line``
    gives "However, the talks ..." as "The talks ..."); 0 when none. After a stamp the rest must open with a
    capital (else ``furniture`` says what it is); a connective stays before a pronoun, a deictic opening or an
    auxiliary ("So was Coleen Rowley ..."), and ``dangling`` says so. On the T17 finan
    timeline, dropping every connective-led sentence cost 28 of 266 lines (AR-1 0.112 -> 0.107)."""
    skip = 0
    for _ in range(3):  # stamps come in runs: "(By Bill Pugliano -- Getty Images) DETROIT -- First it was ..."
        m = _LEADING_STAMP.match(text, skip)
        if not (m and skip < m.end() < len(text) and (text[m.end()].isupper() or text[m.end()] in "\"“‘")):
            break
        skip = m.end()
    # A page's header run into its lead: "MEXICO CITY | Fri Apr 24, 2009 7:50 pm EDT MEXICO CITY (Reuters) - A strain
    # of flu ...", "... Sunday 26 April 2009 10.40 BST The world should prepare ...": the lead starts after the last
    # agency dateline or clock stamp of its first characters.
    end = skip + HEADER_CHARS
    stamps = [*_HEADER_STAMP.finditer(text, skip, end), *_DATELINE.finditer(text, skip, end)]
    for stamp in sorted(stamps, key=lambda m: -m.end()):
        rest, head = text[stamp.end():], text[skip:stamp.end()]
        # a clock is a header's only after a date or a pipe ("... at 10:30 GMT - Officials said" is a sentence)
        header = stamp.re is _DATELINE or stamp.group(0).startswith("(") or "|" in head or re.search(
            r"\b(?:19|20)\d\d\b", head)
        if header and rest[:1].isupper() and len(rest.split()) >= 6:
            skip = stamp.end()
            nav = _PAGE_LINK.match(rest)
            if nav:  # "... Last updated at 04:16 GMT Help A key aide ...": the page's link text, not the lead's
                skip += nav.end()
            break
    skip = _run_on_lead(text, skip)
    c = _LEADING_CONNECTIVE.match(text[skip:])
    if c:
        rest = text[skip + c.end():]
        word = re.match(r"[\w'’]+", rest)
        if word and word.group(0).lower() not in _PRONOUN_SUBJECTS and word.group(0).lower() not in _CONNECTIVES \
                and not _DEICTIC.match(rest) and not _AUXILIARY.match(rest):
            skip += c.end()
    return skip


def trimmed(text: str) -> tuple[int, str]:
    """(characters skipped, the rest opening with a capital): ``text`` without its leading stamp or connective."""
    skip = content_start(text)
    rest = text[skip:]
    return skip, rest[:1].upper() + rest[1:] if skip and rest[:1].islower() else rest


def shown_line(text: str, previous: str) -> tuple[int, str] | None:
    """A sentence as a timeline line: (characters skipped at its start, the line as shown), or None when it cannot
    be one. The skip leaves a stamp or a connective out (``content_start``); the shown line opens with a capital
    ("However, the talks broke down" -> "The talks broke down") and its pronoun subject is resolved from
    ``previous`` in brackets (``resolve``). It differs from the article's span only by that capital and bracket."""
    skip, shown = trimmed(text)
    if furniture(shown):
        return None
    resolved = resolve(shown, previous)
    return None if resolved is None else (skip, resolved)


def _has_verb(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    for w in words[1:] if len(words) > 1 else words:
        lw = w.lower()
        if lw in _VERB_WORDS or (w[0].islower() and _FINITE_ENDING.match(lw)):
            return True
        if lw.endswith(("n't", "n’t")):
            return True
    return bool(_NAME_THEN_S.search(text))


def _starts_inside_a_quote(text: str) -> bool:
    """Does the sentence begin inside a quotation (its first quote mark closes one: 'What we have to do is deliver,
    " Obama said')? One that opens a quotation running on past its end ('Judge Schwartz told Dr Murray on Monday:
    " You may not use any anesthetic agents.') is whole: a reader has its speaker and its words. On the T17 mj
    timeline the second shape was the only line of a gold date (8 February 2010)."""
    if text.count("“") != text.count("”"):
        first = min((i for i in (text.find("“"), text.find("”")) if i >= 0), default=-1)
        return first >= 0 and text[first] == "”"
    if text.count('"') % 2 == 0:
        return False
    at = text.find('"')
    before = text[:at].rstrip()
    return at > 0 and (before[-1:] in ",.!?" or not text[at + 1:].strip()[:1].isupper())


_SPEAKER_PRONOUN = re.compile(r"[”\"’]\s*,?\s*(?:he|she|they|it)\s+(?:said|says|added|told|wrote|asked)\b|"
                              r"\b(?:said|says|added)\s+(?:he|she|they)\s*[.!]?$", re.I)


_TRAILING_CAPTION = re.compile(r"\b(?P<prev>[a-z]{3,})\s+(?:A|An|The)\s+[a-z][\w'’-]*(?:\s+[\w'’,-]+){0,3}\.?\s*$")
_TITLE_CASE_SMALL = frozenset("a an the of in on at to for and or but nor as by with from via vs into over up off out "
                              "per than is are was were be its".split())


_END_MARK = re.compile(r"[.!?][\"'”’)\]]*$")


def is_fragment(text: str) -> bool:
    """A heading, a list item or a caption rather than a sentence: no word, or fewer than three words without a
    closing full stop ("1. Aaron Rodgers" is split into "1." and "Aaron Rodgers": the second had been quoted as
    the evidence for "Who injured Aaron Rodgers?", with a lead taken from another sentence over it)."""
    words = re.findall(r"[A-Za-z]+", text)
    return not words or (len(words) < 3 and not _END_MARK.search(text.strip()))


def is_question(text: str) -> bool:
    """Whether ``text`` asks rather than tells ("Have you been affected by the earthquake?", a quoted question
    included): it ends with a question mark before any closing quote or bracket."""
    return text.strip().rstrip("\"”’') ").endswith("?")


_CONDITION = re.compile(r"^\W*(?:if|unless|should|in\s+case|in\s+the\s+event)\b", re.IGNORECASE)


def hypothetical(text: str) -> bool:
    """Whether ``text`` says what would happen rather than what happened: a question, or a sentence opening with
    a condition ("If the House decides to remove McCarthy as speaker, then someone from a private backup list
    provided by McCarthy at the beginning of the year will fill his slot ..."). Its time expression dates the
    condition's setting, never the event asked about."""
    return is_question(text) or bool(_CONDITION.match(text))


# A modal or a forecast: what may, could or is expected to happen.
_SPECULATION = re.compile(
    r"\b(?:will|won't|would|could|might|may|shall|(?:is|are|was|were)\s+(?:expected|set|due|likely|forecast|"
    r"projected|poised|scheduled)\s+to|plans?\s+to)\b"
)


def speculative(text: str) -> bool:
    """Whether ``text`` says what may, could or is expected to happen ("Idalia could become just the second
    Category 3 hurricane to make landfall there in the past 170 years", "is expected to strengthen ... before
    making landfall in Florida on Wednesday"): its time expressions date a forecast or a comparison. Case-sensitive
    on the modals, so the month May is not one."""
    return bool(_SPECULATION.search(text))


def speculates_on(text: str, words: set[str]) -> bool:
    """Whether ``text`` forecasts or supposes one of ``words`` (content tokens of what is asked: its verbs and
    nouns, not its names): a modal of what may happen or a forecast phrase (not "will": a plan) with one of them
    in the rest of its clause, at most SPECULATED_WORDS words ("Idalia is expected to strengthen by the end of
    Tuesday before making landfall" speculates on {make, landfal}; "Vivek Ramaswamy may be a fan of famed rapper
    Eminem, but ..." does not speculate on {ask, stop, use, rap, song})."""
    for m in _UNCERTAIN.finditer(text):
        clause = _CLAUSE_END.split(text[m.end():], maxsplit=1)[0]
        if content_tokens(" ".join(clause.split()[:SPECULATED_WORDS])) & words:
            return True
    return False


SPECULATED_WORDS = 12
_CLAUSE_END = re.compile(r"[,;:—–]|\b(?:but|and|while|although)\b")
# What may happen, not what is planned: "will be honored with a U.S. commemorative postage stamp in a ceremony on
# Monday" reports a schedule and answered "Which famous figure was recently honored on a new US postage stamp?".
_UNCERTAIN = re.compile(r"\b(?:could|might|may|would|(?:is|are|was|were)\s+(?:expected|likely|forecast|projected|"
                        r"poised)\s+to)\b")


def furniture(text: str) -> str:
    """Why ``text`` cannot be a timeline line ("" when it can): "question", "stamp", "byline or caption",
    "fragment", "unnamed speaker", "heading", "no verb". ``text`` is the sentence after ``content_start``."""
    s = text.strip()
    if not s:
        return "fragment"
    if is_question(s):
        return "question"
    if _FURNITURE_OPENING.match(s) or _FURNITURE_ANYWHERE.search(s) or _AGENCY_CAPTION.search(s):
        return "stamp, byline or caption"
    first = s.lstrip("\"“‘'( ")
    if not first or first[0].islower() or s.startswith(("...", "…", "-", "–", "—")) or _starts_inside_a_quote(s) or (
            not first[0].isalnum() and first[0] not in "$£€"):
        return "fragment"  # ", chairman of the House Financial Services Committee, to determine ..."
    if s[0] in "\"“‘" and _SPEAKER_PRONOUN.search(s):
        return "unnamed speaker"
    letters = [w for w in re.findall(r"[A-Za-z]{2,}", s)]
    if letters and sum(w.isupper() for w in letters) > len(letters) / 2:
        return "heading"
    trailing = _TRAILING_CAPTION.search(s)
    if trailing and trailing.group("prev") not in _LETTER_TAKERS:  # not "a category A jail"
        return "stamp, byline or caption"  # "... at the heart of the swine flu pandemic A litter of pigs."
    # a headline in title case: "A Government Hand In the Economy Is as Old as the Republic."
    words = re.findall(r"[A-Za-z][\w'’-]*", s)
    if len(words) >= 4 and all(w[0].isupper() or w.lower() in _TITLE_CASE_SMALL for w in words) and sum(
            w[0].isupper() for w in words) >= 3:
        return "heading"
    if not _has_verb(s):
        return "no verb"
    return ""


def dangling(text: str) -> str:
    """The opening that needs the sentence before it ("And", "Today is", "He", "On Sunday, he"), "" when none."""
    s = text.strip()
    m = _DEICTIC.match(s) or _CONNECTIVE.match(s)
    if m:
        return m.group(0)
    p = _PRONOUN.match(s)
    return p.group(0) if p else ""


def _names(sentence: str) -> list[str]:
    """Name runs of a sentence, in order, without opening function words and weekdays ("On Sunday, Hosni Mubarak
    said" -> ["Hosni Mubarak"])."""
    out = []
    for m in _NAME_RUN.finditer(sentence):
        words = m.group(0).split()
        while words and words[0].lower().strip(".") in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower().strip(".") in _NOT_NAMES:
            words = words[:-1]
        if words:
            out.append(" ".join(words).rstrip(".,"))
    return out


_SPEAKER = re.compile(r"\b((?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’.-]+),?\s+(?:said|says|told|tells|added|announced|"
                      r"declared|wrote)\b")


def _person(name: str) -> bool:
    """A name that may be a person: two or more words, or a title and a name ("President Mubarak", "US Secretary of
    State Hillary Clinton": a title's "of State" is no organisation's)."""
    words = name.split()
    titled = [w for w in words if w.lower() in _TITLES]
    if titled:
        after = words[words.index(titled[-1]) + 1:]
        words = [w for w in after if w.lower() not in {"of", "state"}] or words
    return len(words) >= 2 and not name.isupper() and not any(
        w.lower() in {"of", "party", "brotherhood", "council", "ministry", "bank", "university", "square",
                      "street", "airport", "house", "office", "agency", "army", "police", "forces", "government",
                      "republic", "states", "kingdom", "union", "nations", "organization", "organisation", "court",
                      "news", "press", "times", "post", "journal", "television", "tv", "radio", "corp", "inc",
                      "hospital", "center", "centre", "clinic", "stadium", "hotel", "church", "school", "college",
                      "institute", "foundation", "association", "memorial", "museum", "park", "city", "county",
                      "company", "group", "reserve", "brothers", "department", "committee", "congress", "senate"}
        for w in words)


# Who speak as many: "Police said Maria Lopez was found ..." gives a "She" no referent ("She [Police] said").
_GROUP_NOUNS = frozenset("police officials authorities witnesses residents experts sources analysts prosecutors "
                         "investigators officers doctors troops protesters lawmakers critics observers scientists "
                         "researchers organizers organisers firefighters rescuers survivors".split())


def _acting(sentence: str, names: list[str]) -> str:
    """The name written right before a finite verb, mid-sentence (the sentence's subject: "..., Hollowell averaged
    23.9 points ... and led Lawrence Central to its first sectional title"), when it may be a person; "" for none.
    Without it the "He" of the next sentence was "[Lawrence Central]", a school, the one two-word name there (a
    RealTimeQA week, fourteenth session). A sentence with a "he" or "she" of its own has two people in play ("He
    didn't blame the moderators ..., But Allison did"): none."""
    if re.search(r"\b(?:he|she)\b", sentence, re.I):
        return ""
    for name in names:
        for m in re.finditer(rf"(?<![\w'’-]){re.escape(name)}\s+([a-z][\w'’-]*)", sentence):
            verb = m.group(1)
            if not (verb in _VERB_WORDS or _FINITE_ENDING.match(verb)) or opens_here(sentence, m.start()):
                continue
            if _person(name) or (len(name.split()) == 1 and resolve_actor(name) is None
                                 and name.lower() not in _NOT_NAMES | _GROUP_NOUNS):
                return name
    return ""


def opens_here(sentence: str, at: int) -> bool:
    """``at`` is where the sentence's words begin (a capital there may be any word's)."""
    return not sentence[:at].strip(" \"“‘'(")


def subject_of(previous: str, pronoun: str) -> str:
    """Who ``pronoun`` refers to in the sentence before: for he/she/his/her the one person named there (none when
    two different people are named: ambiguous); for it/they/its/their the name the sentence opens with."""
    kind = _PRONOUN_SUBJECTS.get(pronoun.lower(), "")
    if furniture(previous[content_start(previous):]):
        return ""  # "Download Adobe Reader ..." names no one the story is about
    names = _names(previous)
    if not names:
        return ""
    if kind.startswith("person"):
        # the one who spoke: "..., Robertson told BBC Caribbean." / "..., a spokesman, Mike Hammer, told ..."
        said = _SPEAKER.findall(previous)
        if any(s.split()[-1].lower() in _PRONOUN_SUBJECTS for s in said):
            return ""  # "... you may need Adobe Reader She said ...": the one who spoke is unnamed there
        speakers = [s for s in said
                    if not s.startswith("The ") and (_person(s) or (len(s.split()) == 1 and resolve_actor(s) is None
                                                                    and s.lower() not in _GROUP_NOUNS))]
        if speakers and len({s.split()[-1] for s in speakers}) == 1 and speakers[0].lower() not in _NOT_NAMES:
            return speakers[0]
        acting = _acting(previous, names)
        if acting:
            return acting
        people = [n for n in names if _person(n)]
        # "President Hosni Mubarak" and "Mubarak" are one person; a second, different surname is ambiguous
        surnames = {p.split()[-1] for p in people}
        return people[0] if len(surnames) == 1 else ""
    lead = _NAME_RUN.match(previous.strip().lstrip("\"“‘'("))
    if lead is None:
        return ""
    opening = _names(lead.group(0))
    # A single capitalised word opening a sentence may be a common word ("Thousands", "Police"): a name of two
    # words or an acronym ("NATO") only.
    if not opening or opening[0] != names[0] or _person(opening[0]):
        return ""
    return opening[0] if len(opening[0].split()) >= 2 or opening[0].isupper() else ""


def resolve(text: str, previous: str) -> str | None:
    """``text`` with its dangling pronoun resolved from ``previous`` and shown in brackets ("He [Hosni Mubarak]
    said ..."); ``text`` itself when nothing dangles; None when it dangles and cannot be resolved (a connective,
    a deictic opening, or a pronoun the sentence before does not settle)."""
    opening = dangling(text)
    if not opening:
        return text
    p = _PRONOUN.match(text.strip())
    if p is None or p.group(0) != opening or p.group("pronoun").lower() not in _PRONOUN_SUBJECTS:
        return None  # a connective, a deictic opening, "this"/"that": another line
    if _EXPLETIVE_IT.match(text.strip()):
        return None  # "It is understood ...": no one to name
    if re.search(r"\b(?:he|she|it|they|his|her|its|their)\b", p.group("lead"), re.I):
        return None  # "If he performs well, he could ...": two pronouns, one bracket would not settle them
    who = subject_of(previous, p.group("pronoun"))
    return named_subject(text, who) or None


def named_subject(text: str, who: str) -> str:
    """``text`` with ``who`` in brackets after its opening pronoun ("It [Azerbaijan’s defense ministry] said ...",
    "Its [Hosni Mubarak’s] ..."); "" when it opens with no personal pronoun or ``who`` is empty."""
    p = _PRONOUN.match(text.strip())
    if not who or p is None or p.group("pronoun").lower() not in _PRONOUN_SUBJECTS:
        return ""
    if _PRONOUN_SUBJECTS[p.group("pronoun").lower()].endswith("'s"):
        who = who + "’s" if not who.endswith("s") else who + "’"
    at = len(text) - len(text.lstrip()) + p.end()
    return f"{text[:at]} [{who}]{text[at:]}"


def pronoun_speaks(text: str, verb: str) -> bool:
    """``text`` opens with a pronoun subject whose verb is ``verb`` ("It said ...", "He later told ..."): the
    speaker the ingest attributed that verb's statement to is the pronoun's referent."""
    first = verb.split()[0] if verb.split() else ""
    return bool(first) and re.match(rf"(?:he|she|it|they)\s+(?:\w+ly\s+|also\s+|then\s+)?{re.escape(first)}\b",
                                    text.strip(), re.I) is not None


_BARE_WEEKDAY = re.compile(r"(?:on\s+)?(?:early|late)?\s*(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
                           r"(?:\s+(?:morning|afternoon|evening|night))?", re.I)


_MONTH_WORD = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
               r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY_MONTH = re.compile(rf"(?:on\s+)?(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}|"
                        rf"{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?)", re.I)
_LAST_YEAR = re.compile(r"\b(?:last|previous)\s+year\b|\ba\s+year\s+(?:ago|earlier)\b", re.I)


def ambiguous_past(expression: str, day: dt.date, published: dt.date, sentence: str = "") -> bool:
    """A date resolved into the past that a reader would as likely read as another day: no line for that day.

    - A bare weekday six days before its article's publication ("early Thursday" in an article dated Wednesday) is
      as likely the next day in another time zone as last week: the issue's "Heavy gunfire reverberated in central
      Cairo early Thursday ..." stood under the Thursday a week before the clash (a writer six days on says "last
      Thursday" or the date).
    - A day and month without a year more than half a year before publication ("The concert takes place on
      8 October" in a September 2011 article, resolved to 8 October 2010): the coming one is meant as often. On the
      T17 mj timeline two such lines stood a year early; "on 25 June last year" says its year and stays.
    """
    back = (published - day).days
    expression = expression.strip()
    if back == 6 and _BARE_WEEKDAY.fullmatch(expression):
        return True
    return back > 183 and bool(_DAY_MONTH.fullmatch(expression)) and not _LAST_YEAR.search(sentence)


def names_other_day(day: dt.date, expression_days: Iterable[dt.date]) -> bool:
    """True when one of a sentence's single-day time expressions (resolved at ingest) is a day other than ``day``:
    the sentence is about that day, not the line's."""
    return any(d != day for d in expression_days)


__all__ = ["content_start", "dangling", "furniture", "is_question", "named_subject", "names_other_day",
           "pronoun_speaks", "resolve", "shown_line", "subject_of", "trimmed", "ambiguous_past"]
