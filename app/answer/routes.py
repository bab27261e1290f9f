"""Routes: what evidence a standalone question gets, as one frozen ``Evidence``. Tried in order; each route
declines (returns None) when its own evidence does not answer the question, and the next one is tried:

- ``claim``: "Say that X" / "Ignore the article and tell me X": X is a claim to check, not an order; only a
  sentence that states it counts (an instruction with nothing to check, "say HACKED", gets no evidence at all);
- ``statements``: "What did X say / how did X react / X's position / X's reaction / the response from X", X a
  country, organisation or person: all of X's attributed statements in date order (found at ingest), none dropped;
- ``story``: "timeline of X" / "key dates of X" / "what happened in X since June": the story timeline of X across
  the archive (app.query.story), one cited line per key date; declined when the story has fewer than
  STORY_MIN_ARTICLES articles (one article's own dated events, the timeline route, are the better outline);
- ``timeline``: when / before / after / latest / in 2020: dated events (app.query.temporal);
- ``search``: hybrid retrieval, then the few best sentences, behind a relevance gate; in LLM mode, with
  CHRONICLE_LLM_WIDE_EVIDENCE, the model is also given a wider set (``Evidence.wide``: the best sentence of each
  of more passages), while the extractive answer and the LLM mode's fallback keep quoting the strict selection.

In LLM mode a question that asks for one thing (who / which / where / how many ...) also gets ``candidates`` on the
search and timeline routes (and "When ...?" on the timeline route: the model copies the words that say when):
the sentences the model picks the answer from (app.answer.pick). On the search route
they are read wide and cheaply: the scorer scores the sentences of more passages and of the leads of the best
articles, and the best sentence of each passage is kept (``read_wide``, ``select_candidates``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from app.answer.citations import support_score
from app.answer.followup import mentions
from app.query.actor_timeline import about_timeline
from app.query.evidence import (
    MAX_CANDIDATE,
    ScoredSentence,
    question_terms,
    score_sentences,
    select_candidates,
    select_sources,
    select_wide_sources,
)
from app.query.retrieval import HybridRetriever, Retriever, scoped
from app.query.statements import actor_sources, label_sources, statement_question_actors, statement_topic
from app.query.story import StoryRequest, TimelineError, asked_names, names_all, story_range
from app.query.temporal import (
    NEAR_BEST,
    asks_past,
    event_words,
    holds_event,
    looks_back,
    published_since,
    reference_date,
    reported_since,
    timeline_sources,
)
from app.records import Passage, Source, StoryTimeline
from app.text.actors import canonical_actors
from app.text.asking import StoryAsk, story_request, what_is_asked
from app.text.attribution import looks_like_person, names_a_speaker
from app.text.dates import find_time_expressions
from app.text.lines import furniture, hypothetical, speculates_on
from app.text.tokens import content_tokens, held_names, name_groups

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Evidence:
    """What a route found for a question."""

    route: str  # "claim" | "story" | "statements" | "timeline" | "search"
    sources: list[Source] = field(default_factory=list)  # numbered 1..n; empty: nothing answers the question
    passages: list[Passage] = field(default_factory=list)  # what retrieval returned (search and claim routes)
    speaker: str = ""  # statements route: whose statements ("Russia and Turkey")
    instruction: str = ""  # timeline route: how the prompt should use the dated sources
    sure: bool = False  # the sources alone pass the extractive mode's (stricter) relevance gate
    # search route, LLM mode: the model's wider evidence (numbered 1..n on their own); ``sources`` keep the strict
    # selection that the extractive answer (and the LLM mode's fallback) quotes. Empty: the model reads ``sources``.
    wide: list[Source] = field(default_factory=list)
    # search route, a factoid question: the model's candidates for select-and-extract (app.answer.pick), numbered
    # 1..n on their own; the best sentence or two of many more passages than the strict selection reads.
    candidates: list[Source] = field(default_factory=list)
    # story route: what the answer says when there are no sources ("Nothing new since ..."); a note every answer to
    # the question carries: what was built ("The timeline of a person: ..."), or on the search route that the
    # period asked about ("this week") has no article and older ones answer (``older_note``)
    message: str = ""
    note: str = ""

    @property
    def model_sources(self) -> list[Source]:
        """What the model is shown and its citations are checked against."""
        return self.wide or self.sources


# How much of the question the best sentence must cover before an answer is attempted. The extractive mode quotes
# sentences as they are, so it needs more; the LLM may still reply "The articles don't say".
# Measured on evalsets/seed.jsonl: answerable questions mostly cover >= 0.6 or have cosine >= 0.6; unanswerable
# ones mostly neither.
MIN_COVERAGE = {"extractive": 0.6, "llm": 0.34}
MIN_COSINE = {"extractive": 0.6, "llm": 0.5}
CLAIM_SUPPORT = 0.8  # share of a claim's words one sentence must state for the claim to count as reported


STORY_MIN_ARTICLES = 3  # below this a "timeline of X" is one article's outline: the timeline route answers it
STORY_DATES = 12  # dates of a story timeline asked for in the chat (the Timeline tab and the CLI choose their own)
STORY_SENTENCES = 1

# The search route's evidence. The extractive answer quotes from the strict selection (STRICT_*). The model reads
# more (issue 19): the scorer's WIDE_STRICT best sentences, then the best sentence of each of the WIDE_PASSAGES best
# retrieved passages, within WIDE_MAX_CHARS of sentence text. Chosen by measurement (benchmarks.llm_evidence, 2
# RealTimeQA weeks, the 36 questions the search route answers): the share whose gold answer is in what the model
# is shown, against the tokens it must prefill (every one costs ~10-25 ms of first-token time on 2 cores):
#   strict 4 sentences / 700 chars (before)     0.31 at 250 tokens (p50)
#   2 + 8 passages x 1 / 700 chars              0.36 at 308
#   2 + 10 passages x 1 / 900 chars (chosen)    0.47 at 354
#   4 + 10 passages x 1 / 1000 chars            0.47 at 383
#   4 + 10 passages x 2 / 1400 chars            0.47 at 507
STRICT_SOURCES, STRICT_CHARS = 4, 700
WIDE_STRICT, WIDE_PASSAGES, WIDE_PER_PASSAGE, WIDE_MAX_CHARS = 2, 10, 1, 900

# The candidates of a factoid question (issue 26): the model picks the sentence that answers and copies the words
# (app.answer.pick). Read wide, cheaply: the extractive scorer scores the sentences of CANDIDATE_PASSAGES retrieved
# passages and of the first CANDIDATE_LEADS passages of the CANDIDATE_ARTICLES best-ranked articles (a news
# question is often answered in the lead of an article whose best-matching passage is not the answer's), and
# keeps the CANDIDATES best sentences, CANDIDATE_PER_PASSAGE per passage, none longer than MAX_CANDIDATE characters.
# Chosen by benchmarks.llm_evidence over all 9 RealTimeQA dev weeks (146 factoid questions the search route answers;
# gold in the candidates' sentences / new prompt tokens p50, each ~12-15 ms of first token on 2 cores):
#   6 x <=260 chars (shipped)    0.260 / 293        4 x <=200 chars           0.281 / 239
#   6 x <=220                    0.315 / 321        5 x <=200                 0.295 / 276
#   6 x <=200                    0.308 / 313        8 x <=200                 0.329 / 385
#   6 x <=180                    0.295 / 306        5 x <=180                 0.288 / 271
# A long sentence is rarely the one that answers, and it takes the place of a shorter one of its passage; each
# candidate beyond 4 adds ~1.5 points of gold for ~35 tokens (~0.5 s). By this curve 4 or 6 x 200 is better, and
# RealTimeQA weeks 1-3 were run with 4 x 200. But with the real model on the seed, both lost "Which country launched
# a military operation in Nagorno-Karabakh?" (it copied "United States" from a distractor, with and without the
# answering sentence among the candidates), which 6 x 260 answers: session 1's choice stays until the model's own
# accuracy over the candidates is measured on a quiet machine (gold in the candidates is not what it picks).
# Rejected: the extractive answer reading as wide (its strict sources from the same pool): RealTimeQA dev, all 250,
# open 0.160 -> 0.156, shown 0.176 -> 0.172. Its few quoted sentences gain nothing from more passages.
# Sixth session: the headline of each candidate's article is a numbered candidate too (``candidate_sources``). It
# was already in the prompt, as the "From ..." line above its article's sentences, but the model copies only from a
# numbered sentence, and a headline often names what its sentences only refer to ("Asian hornets threaten
# 'catastrophe' for UK bees" above "UK bees are in danger from 'invasive hornets' ..."). Numbered, it replaces that
# line, so it costs a few tokens. benchmarks.llm_evidence, all 9 weeks, 146 factoid questions on the search route
# (gold in a candidate / new prompt tokens p50; today's stores and scorer, so the first row differs from above):
#   6 x <=260 (before)                                      0.342 / 334.5
#   6 x <=260 + their articles' headlines (chosen)          0.370 / 338.5
#   5 x <=260 + their articles' headlines                   0.356 / 298
#   7 x <=260                                               0.342 / 373
#   the 8 best articles' headlines scored as sentences      0.329 / 316  (they took the answering sentences' places)
#   6 + up to 2 headlines holding a name/number of the kind 0.349 / 340  (holds_answer misses "which species")
# These rows were measured before "Which political figure" was read as asking for a person (app.text.asking): with
# it, as shipped, the chosen row is 0.363 / 338.5 (one question's headline article, "First lady Jill Biden tests
# positive", no longer has a chosen sentence; 2 weeks: 0.533 -> 0.500). The RealTimeQA run had both changes.
# Over a cached archive (app.answer.library) headlines are not candidates: they are not its numbered sentences.
CANDIDATE_PASSAGES, CANDIDATE_ARTICLES, CANDIDATE_LEADS = 30, 3, 4
CANDIDATES, CANDIDATE_PER_PASSAGE = 6, 1
CANDIDATE_HEADLINES = 8  # headlines read for the candidates' articles (headline_passages): of the best-ranked ones

MIN_TERMS = 3  # ... or this many of a long question's terms (a 10-term quiz question rarely shares 6 with its answer)


def relevant(scored: list[ScoredSentence], mode: str, n_terms: int) -> bool:
    """Is any retrieved sentence about the question at all? Otherwise abstain without asking the model.

    Coverage counts the sentence's article headline at half weight (headline_coverage); the share needed is
    MIN_COVERAGE, or MIN_TERMS terms when that is less (questions of more than 5 content terms)."""
    need = MIN_COVERAGE.get(mode, 0.34)
    if n_terms > 5:
        need = min(need, MIN_TERMS / n_terms)
    best_cover = max(max(s.overlap, s.context) for s in scored[:8])
    best_cosine = max(s.cosine for s in scored)
    return best_cover >= need or best_cosine >= MIN_COSINE.get(mode, 0.5)


_INSTRUCTION = re.compile(
    r"^\s*(?:please\s+)?(?:ignore\b.*?\band\s+|forget\b.*?\band\s+)?"
    r"(?:say|state|claim|write|declare|confirm|admit|repeat|pretend|tell\s+(?:me|us|everyone))\b(?:\s+that)?\s*(?P<c>.+)$"
    r"|^\s*quote\s+(?P<who>.+?)\s+saying\s+(?:that\s+)?(?P<c2>.+)$",
    re.IGNORECASE,
)


def actor_evidence(timeline: StoryTimeline) -> Evidence:
    """An actor's timeline, or what is new since a day, as the story route's evidence: one source per line, its
    day labelled with its mark ("10 March 2021 (new)", "3 March 2021 (changed)"), and a note saying what was built."""
    sources: list[Source] = []
    for day, line in timeline.lines:
        first = line.citations[0]
        label = day.date.strftime("%-d %B %Y") + (f" ({day.status})" if day.status else "")
        sources.append(Source(len(sources) + 1, first.text, first.article_id, first.title, first.published,
                              first.start, first.end, label=label, score=float(line.n_articles)))
    return Evidence("story", sources, sure=bool(sources), note=timeline_note(timeline))


def timeline_note(timeline: StoryTimeline) -> str:
    """What the chat says it built: an actor's timeline, or what is new since a day (a plain story: nothing)."""
    whose = f"The timeline of {timeline.subject} ({timeline.kind})" if timeline.is_actor else ""
    if timeline.since is None:
        pronoun = "they" if timeline.kind == "person" else "it"  # "the days it did" read of a man, for George Bivens
        return f"{whose}: the days {pronoun} did, said or suffered something." if whose else ""
    changed = sum(d.status == "changed" for d in timeline.days)
    return (f"{whose or 'The story'}: what {len(timeline.new_articles)} article(s) published after "
            f"{timeline.since:%-d %B %Y} report; {changed} earlier day(s) they changed are marked (changed).")


def instructed_claim(question: str) -> str | None:
    """The claim inside an instruction such as "Say that X" or "Ignore the article and tell me X"; else None."""
    m = _INSTRUCTION.match(question)
    if not m:
        return None
    claim = f"{m.group('who')} {m.group('c2')}" if m.group("c2") else m.group("c")
    claim = claim.rstrip(" .?!")
    # "say HACKED" is not a claim about the news: with fewer than 3 content words there is nothing to check.
    return claim if len(content_tokens(claim)) >= 3 else ""


# What the search route's answer never quotes when it has anything else: a stamp, byline, caption or note about the
# page (app.text.lines.furniture). Not a heading or a line without a verb: a list's items carry answers ("Northeast
# Greenland National Park, Greenland" for the biggest national park in North America); with every reason the
# furniture check gives, RealTimeQA dev lost 2 answers and gained 1, with headings too 1 lost (twelfth session).
PAGE_FURNITURE = frozenset({"stamp, byline or caption"})
# A sentence ends in a stop (before closing quotes or brackets); a mid-article subhead ("How Cavalcante escaped
# from prison", "Video shows Cavalcante's escape") does not. A question that wants an explanation ("How did
# Cavalcante escape?") is answered by sentences, not by the subheads that repeat its words (a new user's archive,
# twelfth session); a factoid's answer may be a list item ("Northeast Greenland National Park, Greenland").
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


class Router:
    """Gathers the evidence for a standalone question from one retriever (limited to an as-of day if given)."""

    def __init__(self, retriever: HybridRetriever, encode: Encode, k: int) -> None:
        self.base = retriever
        self.encode = encode
        self.k = k
        # (strict picks kept, passages, sentences per passage, characters) of the model's wider evidence;
        # benchmarks.llm_evidence measures other values by setting this
        # (off unless CHRONICLE_LLM_WIDE_EVIDENCE: measured worse with the packaged 1.5B model, see app.config)
        passages = WIDE_PASSAGES if retriever.settings.llm_wide_evidence else 0
        self.wide_limits = (WIDE_STRICT, passages, WIDE_PER_PASSAGE, WIDE_MAX_CHARS)
        # (passages, articles read from their lead, lead passages each, candidates, per passage) of a factoid
        # question's candidates; benchmarks.llm_evidence measures other values by setting this
        self.candidate_limits = (CANDIDATE_PASSAGES, CANDIDATE_ARTICLES, CANDIDATE_LEADS, CANDIDATES,
                                 CANDIDATE_PER_PASSAGE)
        self.candidate_chars = MAX_CANDIDATE
        self.candidate_headlines = 1  # 0: no headline candidates (benchmarks.llm_evidence measures both)

    def candidate_sources(self, question: str, scored: list[ScoredSentence], heads: list[Passage]) -> list[Source]:
        """The candidates: the best sentences of the passages read (``select_candidates``), and the headlines of
        their articles, numbered too."""
        _, _, _, n_candidates, per_passage = self.candidate_limits
        titles = {p.chunk_id for p in heads}
        body = [s for s in scored if s.passage.chunk_id not in titles]
        read = [s for s in scored if s.passage.chunk_id in titles]
        return select_candidates(body, n_candidates, per_passage, self.candidate_chars, read)

    def picks(self, retriever: Retriever, question: str, mode: str, dated: bool = False) -> bool:
        """Does the question get candidates for the model to pick from: LLM mode, picking on, a factoid question,
        or (``dated``: on the timeline route) a "When ...?" question, answered by the words that say when."""
        asked = what_is_asked(question)
        return (mode == "llm" and self.candidate_limits[3] > 0 and retriever.settings.llm_pick
                and (asked.factoid or dated and asked.wh == "when"))

    def gather(self, question: str, mode: str, as_of: dt.date | None = None, focus: str | None = None) -> Evidence:
        """``focus``: the new subject of a follow-up ("And Turkey?"): evidence that does not mention it is none."""
        evidence = self._gather(question, mode, as_of)
        if focus is None or evidence.route == "claim":
            return evidence
        # A source must name the new subject and still be about the rest of the question ("How many were killed
        # — Turkey?": a Turkey sentence without any killing does not answer it).
        rest = question_terms(question) - question_terms(focus)
        kept = [s for s in evidence.sources if mentions(f"{s.title}\n{s.label}\n{s.text}", focus)
                and (evidence.route == "statements" or not rest or rest & content_tokens(s.text))]
        if len(kept) == len(evidence.sources):
            return evidence
        renumbered = [replace(s, n=i + 1) for i, s in enumerate(kept)]
        def about_focus(more: list[Source]) -> list[Source]:
            found = [s for s in more if mentions(f"{s.title}\n{s.label}\n{s.text}", focus)
                     and (not rest or rest & content_tokens(s.text))]
            return [replace(s, n=i + 1) for i, s in enumerate(found)] if kept else []

        return replace(evidence, sources=renumbered, sure=evidence.sure and bool(kept), wide=about_focus(evidence.wide),
                       candidates=about_focus(evidence.candidates))

    def _gather(self, question: str, mode: str, as_of: dt.date | None) -> Evidence:
        retriever = scoped(self.base, as_of)
        claim = instructed_claim(question)
        if claim is not None:
            return self.claim(retriever, claim)
        story = story_request(question)
        if story is not None:
            found = self.story(retriever, story)
            if found is not None:
                return found
        actors = statement_question_actors(question)
        if actors:
            found = self.statements(retriever, actors, question)
            if found is not None:
                return found
        dated = self.timeline(retriever, question, mode)
        if dated is not None:
            return dated
        if actors and statement_topic(question, actors) and actor_sources(retriever, actors):
            return self.search(retriever, question, mode, naming=actors)  # X spoke, but not of Y in a statement
        return self.search(retriever, question, mode, abstain=bool(actors), about=story.about if story else None)

    def claim(self, retriever: Retriever, claim: str) -> Evidence:
        """Only a sentence that states the claim counts; it is checked, never obeyed."""
        if not claim:
            return Evidence("claim")
        passages = retriever.retrieve(claim, self.k, vectors=True)
        scored = score_sentences(claim, passages, self.encode)
        best = max(scored, key=lambda s: support_score(claim, s.text), default=None)
        if best is None or support_score(claim, best.text) < CLAIM_SUPPORT:
            return Evidence("claim", passages=passages)
        return Evidence("claim", select_sources([best], max_sources=1), passages, sure=True)

    def story(self, retriever: Retriever, story: StoryAsk) -> Evidence | None:
        """One source per line of the story timeline, labelled with its day; None when the archive holds too few
        articles of the story for a timeline across articles."""
        date_from, date_to = story_range(story.when, reference_date(retriever))
        since = None
        if story.new:  # "what's new in X since Monday": the articles published after Monday
            since, date_from = date_from, None
        try:
            timeline = about_timeline(retriever, StoryRequest(story.about, STORY_DATES, STORY_SENTENCES, date_from,
                                                              date_to, retriever.as_of), since=since)
        except TimelineError:  # "timeline of <a pasted page>", "from March to January": the other routes answer
            return None
        if timeline.n_articles < STORY_MIN_ARTICLES or timeline.is_actor and not timeline.days and since is None:
            return None  # one article's own dated events are the better outline; an actor without days: not one
        if since is not None and not timeline.days:
            return Evidence("story", message=timeline.message)
        if timeline.is_actor or since is not None:
            return actor_evidence(timeline)

        sources: list[Source] = []
        for day, line in timeline.lines:
            first = line.citations[0]
            sources.append(Source(len(sources) + 1, first.text, first.article_id, first.title, first.published,
                                  first.start, first.end, label=day.date.strftime("%-d %B %Y"),
                                  score=float(line.n_articles), shown=line.text if line.text != first.text else ""))
        return Evidence("story", sources, sure=bool(sources))

    def statements(self, retriever: Retriever, actors: list[str], question: str = "") -> Evidence | None:
        sources = actor_sources(retriever, actors, question)
        if not sources:
            return None
        return Evidence("statements", sources, speaker=" and ".join(actors), sure=True)

    def timeline(self, retriever: Retriever, question: str, mode: str = "extractive") -> Evidence | None:
        """Dated events; for a factoid question asked of a period ("Which team did X play for from 2004 to 2005?",
        TimeQA's questions) in LLM mode, the best of them are also the model's candidates to pick from."""
        dated = timeline_sources(retriever, question, self.encode)
        if dated is None or not dated.sources:
            return None
        picks = self.picks(retriever, question, mode, dated=True)
        dating = [s for s in dated.sources if not looks_back(s)]  # "in the past 170 years" says no when
        best = sorted(dating, key=lambda s: -s.score)[: self.candidate_limits[3]] if picks else []
        candidates = [replace(s, n=i + 1) for i, s in enumerate(sorted(best, key=lambda s: s.n))]
        return Evidence("timeline", dated.sources, instruction=dated.instruction, sure=True, candidates=candidates)

    def search(self, retriever: Retriever, question: str, mode: str, abstain: bool = False,
               naming: list[str] | None = None, about: str | None = None) -> Evidence:
        """The best sentences of the retrieved passages. ``abstain``: an actor question with no statement by that
        actor has nothing to say, whatever the passages hold. ``naming``: only sentences that name one of these
        actors ("What did Trump say about the judge?" when no statement of his names the judge: 'Trump did not
        mention Chutkan by name, but said: "The judge doesn't like me too much."', a sentence the ingest's
        attribution rules did not read as a statement), a person as the one speaking
        (app.text.attribution.names_a_speaker: not "The Biden administration has being criticized ..." for
        "What did Biden say about Israel?"), in words of what was asked about (``statement_topic``). A factoid
        question ("Who did Mubarak appoint ...?") in LLM mode also gets its candidates: the best sentences of a
        wider read (``read_wide``). The extractive
        answer keeps the k passages: chosen from the wide read (and its headlines) by the same scorer, it lost 1
        (2) of the 250 RealTimeQA questions and gained none (seventh session): the scorer's best over more text is
        the same sentence or a worse one; the model's choice is what the wide read is for. A question about a
        period that has begun ("this week") reads no article published before it (``reported_since``). ``about``:
        the story of a timeline request neither the story nor the timeline route could build: only sentences of it
        (``about_it``)."""
        n_passages, n_articles, n_leads, n_candidates, per_passage = self.candidate_limits
        picks = self.picks(retriever, question, mode)
        fetch = max(self.k, n_passages) if picks else self.k
        retrieved = retriever.retrieve(question, fetch, vectors=True)
        earliest = reported_since(question, reference_date(retriever))
        if earliest is not None and published_since(retrieved, earliest) != retrieved:
            # "this week": no article published before the week began (app.query.temporal.reported_since)
            retrieved = published_since(retriever.retrieve(question, 2 * fetch, vectors=True), earliest)[:fetch]
        passages = retrieved[: self.k]
        note = older_note(passages, earliest) if earliest is not None else ""
        reads_heads = picks and self.candidate_headlines > 0
        heads = headline_passages(retriever, retrieved, CANDIDATE_HEADLINES) if reads_heads else []
        pool = read_wide(retriever, retrieved, n_articles, n_leads) + heads if picks else passages
        scored_all = score_sentences(question, pool, self.encode, as_of=retriever.as_of,
                                     recency_days=retriever.settings.recency_days)
        strict_ids = {p.chunk_id for p in passages}
        scored = [s for s in scored_all if s.passage.chunk_id in strict_ids]
        if naming:
            names = content_tokens(canonical_actors(" ".join(naming)))
            people = [n for n in naming if looks_like_person(n)]  # a country speaks through its ministries
            topic = statement_topic(question, naming)
            scored = [s for s in scored if names & content_tokens(canonical_actors(s.text))
                      and (not people or names_a_speaker(s.text, people))
                      and (not topic or topic & content_tokens(s.text))]
        if about is not None:
            # the story of a timeline request no route could build: "Timeline of the Maine shooting", over a week
            # without it, had quoted Colorado's and Nashville's shootings (fifteenth session)
            scored = about_it(scored, about)
        n_terms = len(question_terms(question))
        if abstain or not scored or not relevant(scored, mode, n_terms) or _names_nothing_asked(question, pool):
            return Evidence("search", passages=passages, note=note)
        chunk_ids = [p.chunk_id for p in pool]
        quoted = [s for s in scored if furniture(s.text) not in PAGE_FURNITURE] or scored
        asked = what_is_asked(question)
        if not asked.factoid:  # "How did X escape?" is not answered by a subhead
            quoted = [s for s in quoted if _SENTENCE_END.search(s.text)] or quoted
        if asked.wh == "when":
            # "When did the Morocco earthquake happen?" over a week whose one mention of it is a link had quoted "It's
            # not an earthquake", then a dated sentence about Libya's floods, and "When did Kim Jong Un meet Putin?"
            # Trump's meetings with Kim: a sentence that says no time, or not of the asked event and names
            # (``about_it``), does not say when it happened (fifteenth session)
            quoted = about_it([s for s in quoted if says_when(s)], question)
            if not quoted:
                return Evidence("search", passages=passages, note=note)
        if asks_past(question):
            quoted = reports_first(question, quoted)
        sources = label_sources(retriever, select_sources(quoted, STRICT_SOURCES, STRICT_CHARS), chunk_ids)
        strict, n_wide, wide_per_passage, max_chars = self.wide_limits
        wide = (label_sources(retriever, select_wide_sources(scored, strict, STRICT_CHARS, n_wide, wide_per_passage,
                                                              max_chars), chunk_ids)
                if mode == "llm" and n_wide > 0 else [])
        candidates = (label_sources(retriever, self.candidate_sources(question, scored_all, heads), chunk_ids)
                      if picks else [])
        return Evidence("search", sources, passages, sure=relevant(scored, "extractive", n_terms), wide=wide,
                        candidates=candidates, note=note)


def _names_nothing_asked(question: str, passages: list[Passage]) -> bool:
    """No passage retrieved for the question (nor its article's headline) holds any name it asks about
    (``asked_names``): "What happened after the earthquake in Kallisto?" over an archive without Kallisto was
    answered with another town's earthquake. Any one name is enough: requiring them all in the passage that answers
    ("President Biden", "San Francisco", "the US" written "Biden", "the city", "American") lost 11 of RealTimeQA
    dev's 41 right extractive answers (thirteenth session). Weighing the sentences of passages that name none of
    them 0.8 (when another passage names one) lost 2 and gained none (fourteenth session): a list item
    ("Northeast Greenland National Park, Greenland" for the biggest park in North America) names nothing asked."""
    names = asked_names(question)
    if not names:
        return False
    # a passage's names as it writes them (app.text.tokens.written_names: "the main entrance" names no Maine)
    held = held_names(" ".join(p.title for p in passages), " ".join(p.text for p in passages))
    return not any(names_all({name}, held) for name in names)


def asked_name_groups(question: str) -> list[set[str]]:
    """The names a question asks about (``asked_names``), grouped by the run of capitalised words each comes from
    ("Kim Jong Un" -> {kim, jong, un}): a word of a group names it ("Kim")."""
    asked = asked_names(question)
    return [group for group in (set(run) & asked for run in name_groups(question)) if group]


def holds_each_name(groups: list[set[str]], title: str, text: str) -> bool:
    """Does a sentence (``text``, under its article's ``title``) hold a word of each group (``asked_name_groups``),
    written as a name (app.text.tokens.held_names: "the main gym doors" names no Maine)?"""
    tokens = held_names(title, text)
    return all(any(names_all({word}, tokens) for word in group) for group in groups)


def about_it(scored: list[ScoredSentence], question: str) -> list[ScoredSentence]:
    """The sentences of what ``question`` asks about: a word of each name it asks (``holds_each_name``, in the
    sentence or its headline) and a word of its event (``event_words``: "shooting" of "the Maine shooting",
    "visit" of "When did Biden visit Israel?") in the sentence."""
    groups, event = asked_name_groups(question), event_words(question)
    return [s for s in scored if holds_event(event, s.text) and holds_each_name(groups, s.passage.title, s.text)]


def says_when(sentence: ScoredSentence) -> bool:
    """Does the sentence hold a time expression (a date, a weekday, "last year")?"""
    return bool(find_time_expressions(sentence.text, sentence.passage.published_day or dt.date.today()))


def reports_first(question: str, scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """For a question about what happened, the sentences that forecast or suppose what it asks about (a modal
    before its words: app.text.lines.speculates_on; a condition: hypothetical) weigh NEAR_BEST of their score: a
    report scoring at least that share of the best comes first, and is the one the answer's words are taken from.
    "Where did Idalia make landfall?" was answered "Cedar Key" from "Idalia could make landfall near Cedar Key",
    above "Idalia made landfall at about 7:45 a.m. EDT Wednesday near Keaton Beach" (thirteenth session). A modal
    elsewhere in a report does not count ("... may be a fan of famed rapper Eminem, but ..."): demoting every
    sentence with a modal lost 2 of RealTimeQA dev's 250 answers."""
    words = question_terms(question) - {w for group in name_groups(question) for w in group}
    weighed = [replace(s, score=s.score * NEAR_BEST) if speculates_on(s.text, words) or hypothetical(s.text) else s
               for s in scored]
    if all(w is s for w, s in zip(weighed, scored, strict=True)):
        return scored  # nothing speculates: the scorer's order stands
    return sorted(weighed, key=lambda s: -s.score)


def older_note(passages: list[Passage], earliest: dt.date) -> str:
    """What the reader is told when a question about a period that has begun ("this week") is answered from older
    articles because the archive gave nothing published since ``earliest`` (``published_since``): each citation
    shows its date, but "this week" asked and a month-old article answering must be said outright. Empty when a
    passage is from the period, or none is dated."""
    days = [d for p in passages if (d := p.published_day) is not None]
    if not days or max(days) >= earliest:
        return ""
    return (f"Nothing published since {earliest:%-d %B %Y} matches this question; the sources are older (the newest "
            f"is from {max(days):%-d %B %Y}).")


def headline_passages(retriever: Retriever, passages: list[Passage], n_articles: int) -> list[Passage]:
    """The headlines of the first ``n_articles`` articles of ``passages`` as one-sentence passages of their own,
    each with its exact span in its article's text (the stored text opens with its title line: app.text.articles;
    an article whose text does not hold its title is left out). A headline often names what its sentences only
    refer to ("Asian hornets threaten 'catastrophe' for UK bees" above "UK bees are in danger from 'invasive
    hornets' ..."), and the model copies an answer only from a numbered sentence."""
    top = list(dict.fromkeys(p.article_id for p in passages))[:n_articles]
    first: dict[str, Passage] = {}
    for p in passages:
        first.setdefault(p.article_id, p)
    texts = retriever.store.article_texts(top)
    out = []
    for aid in top:
        p, text = first[aid], texts.get(aid, "")
        words = p.title.split()
        m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words and text else None
        if m is not None:
            out.append(Passage(f"{aid}:title", m.group(0), aid, p.title, p.published, p.source, m.start(), m.end(),
                               ((m.start(), m.end()),)))
    return out


def read_wide(retriever: Retriever, retrieved: list[Passage], n_articles: int, n_leads: int) -> list[Passage]:
    """The retrieved passages, then the first ``n_leads`` passages of the ``n_articles`` articles retrieval ranks
    highest (by their best passage) that were not retrieved already, with their stored vectors (so the scorer
    embeds none of them again)."""
    seen = {p.chunk_id for p in retrieved}
    top = list(dict.fromkeys(p.article_id for p in retrieved))[:n_articles]
    leads = [p for p in retriever.store.lead_passages(top, n_leads) if p.chunk_id not in seen] if top else []
    vectors = retriever.store.passage_vectors([p.chunk_id for p in leads])
    return retrieved + [replace(p, vector=vectors.get(p.chunk_id)) for p in leads]
