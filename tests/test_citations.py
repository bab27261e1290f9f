"""The citation guard: no [n] is shown that does not exist or does not support its sentence."""

from __future__ import annotations

from app.answer.citations import Source, is_abstention, split_claims, strip_unknown_markers, support_score, verify


def src(n: int, text: str) -> Source:
    return Source(n=n, text=text, article_id="a", title="T", published="2023-09-19", start=n * 100, end=n * 100 + 50)


SOURCES = [
    src(1, "Russia, which brokered a fragile ceasefire, called for all sides to stop fighting."),
    src(2, "Karabakh separatist authorities said 25 people had been killed, including two civilians."),
    src(3, "Turkey said it supported Baku’s drive to preserve its territorial integrity."),
]


def test_supported_citations_are_kept() -> None:
    result = verify("Russia called for all sides to stop fighting [1]. Turkey supported Baku’s drive [3].", SOURCES)
    assert result.text == "Russia called for all sides to stop fighting [1]. Turkey supported Baku’s drive [3]."
    assert [s.n for s in result.cited] == [1, 3]
    assert not result.dropped_claims


def test_out_of_range_citation_is_never_shown_and_claim_is_recited() -> None:
    result = verify("Russia called for all sides to stop fighting [7].", SOURCES)
    assert "[7]" not in result.text
    assert result.text.endswith("[1].") and result.repaired == 1


def test_wrong_number_in_claim_is_unsupported() -> None:
    assert support_score("30 people had been killed", SOURCES[1].text) == 0.0
    result = verify("Separatists said 30 people had been killed [2].", SOURCES)
    assert result.empty and result.dropped_claims


def test_unsupported_claim_is_dropped_supported_kept() -> None:
    result = verify("China condemned the attack [1]. 25 people had been killed, including two civilians [2].", SOURCES)
    assert "China" not in result.text
    assert result.text == "25 people had been killed, including two civilians [2]."
    assert result.dropped_claims == ["China condemned the attack."]


def test_multi_sentence_quote_keeps_one_marker() -> None:
    claims = split_claims("Hajiyev: “Enough is enough. We cannot tolerate it.” [4] Russia urged talks [1].")
    assert claims == ["Hajiyev: “Enough is enough. We cannot tolerate it.” [4]", "Russia urged talks [1]."]


def test_abstention_detection_and_stream_filter() -> None:
    assert is_abstention("The articles don't say.")
    assert is_abstention("The sources do not mention China.")
    assert not is_abstention("Russia called for all sides to stop fighting [1].")
    assert strip_unknown_markers("A [1] B [9] C [2, 9]", {1, 2}) == "A [1] B  C [2]"


def test_cite_ends_a_headline_so_the_next_sentence_stays_apart() -> None:
    from app.answer.citations import cite

    assert cite("Russia called for calm.", 2) == "Russia called for calm. [2]"
    assert cite("“Enough is enough,”", 1) == "“Enough is enough,” [1]."
    text = cite("US criticizes Azerbaijan after fresh attack", 1) + " " + cite("Russia called for calm.", 2)
    assert split_claims(text) == ["US criticizes Azerbaijan after fresh attack [1].", "Russia called for calm. [2]"]


def test_number_words_support_digits_and_initials_do_not_end_claims() -> None:
    from app.answer.citations import split_claims, verify
    from app.records import Source

    src = Source(1, "A capsule carrying four astronauts docked on Sunday.", "a", "T", "2023-08-27", 0, 52)
    assert verify("4 astronauts docked [1].", [src]).text == "4 astronauts docked [1]."
    assert verify("5 astronauts docked [1].", [src]).empty  # a number the source does not state is still refused
    assert split_claims("Rep. Mike Johnson was elected speaker [1].") == ["Rep. Mike Johnson was elected speaker [1]."]
    assert split_claims("Judge Clifford J. Murphy III ruled [2].") == ["Judge Clifford J. Murphy III ruled [2]."]


def test_a_swapped_name_is_refused_though_most_words_match() -> None:
    hall = Source(1, "Donyale Hall, a 53-year-old veteran, business owner and mother of 10, won the primary.",
                  "a", "T", "2023-09-12", 0, 80)
    claim = "Eugene Young, a 53-year-old veteran, business owner and mother of 10, won the primary [1]."
    assert support_score(claim, hall.text) >= 0.5  # the share of words alone would pass it
    assert verify(claim, [hall]).empty
    assert verify("Donyale Hall, a 53-year-old veteran, won the primary [1].", [hall]).text.startswith("Donyale")
    # A claim-initial actor is a name too; the sentence names Turkey, not Armenia.
    turkey = src(1, "Russia is seeking to preserve its influence in the face of Turkey, which backs Azerbaijan.")
    assert verify("Armenia backs Azerbaijan [1].", [turkey]).empty
    assert verify("Turkey backs Azerbaijan [1].", [turkey]).text == "Turkey backs Azerbaijan [1]."


def test_names_pass_with_aliases_titles_and_lower_case_mentions() -> None:
    from app.answer.citations import names_supported

    assert names_supported("Moscow called for calm.", "The Kremlin called for calm.")
    assert names_supported("Prime Minister Nikol Pashinyan said talks failed.", "Pashinyan said talks failed.")
    assert names_supported("The Defence Ministry said it struck posts.", "The defence ministry said it struck posts.")
    assert names_supported("Fighting in Nagorno-Karabakh went on.", "Fighting in Karabakh went on.")
    assert names_supported("Officials said four people died.", "Four people died, officials said.")
    assert not names_supported("Officials in New York said four people died.", "In New Delhi four people died.")
    # The wrong name is re-cited to the source that has it rather than dropped.
    both = [src(1, "Russia said it supported Baku’s drive to end the fighting."),
            src(2, "Turkey said it supported Baku’s drive to end the fighting.")]
    result = verify("Turkey said it supported Baku’s drive [1].", both)
    assert result.text == "Turkey said it supported Baku’s drive [2]." and result.repaired == 1
    # Over a whole archive, a claim is only re-cited to a sentence the route chose.
    assert verify("Turkey said it supported Baku’s drive [1].", both, repair_from=[both[0]]).empty


def test_a_claim_that_swaps_who_did_what_is_refused() -> None:
    """The false premise "Why did Armenia send troops into Azerbaijan?" got "Armenia sent troops into Azerbaijan
    [3]" from the 1.5B model, citing the sentence where Azerbaijan sent them: every word and name is there."""
    sent = src(3, "Azerbaijan sent troops backed by artillery strikes into Armenian-controlled Nagorno-Karabakh on "
                  "Tuesday, raising the threat of a new war with its neighbor Armenia.")
    assert verify("Armenia sent troops into Azerbaijan on Tuesday [3].", [sent]).empty
    assert not verify("Azerbaijan sent troops into Nagorno-Karabakh on Tuesday [3].", [sent]).empty
    backs = src(1, "Russia is seeking to preserve its influence in the face of Turkey, which backs Azerbaijan.")
    assert verify("Azerbaijan backs Azerbaijan [1].", [backs]).empty
    assert not verify("Türkiye backs Azerbaijan [1].", [backs]).empty  # aliases unified
    # Reporting verbs come before their speaker in news ("... ," said Peskov): no order is read from them.
    assert not verify("Peskov said Moscow urged calm [1].", [src(1, "“Moscow urges calm,” said Peskov.")]).empty
    # The name nearest before the verb decides: Russia is named earlier in the sentence, Turkey backs Azerbaijan.
    region = src(2, "The balance could shift in the region, where Russia - distracted by its own war in Ukraine - "
                    "faces greater activity from Turkey, which backs Azerbaijan.")
    assert verify("Russia backs Azerbaijan [2].", [region]).empty
    assert not verify("Turkey backs Azerbaijan [2].", [region]).empty
    # A clause with another name between subject and verb: only a statement's speaker label vouches for it.
    clause = "Russia, which brokered a ceasefire after the war that saw Azerbaijan retake Karabakh, called for calm."
    assert verify("Russia called for calm [1].", [src(1, clause)]).empty
    statement = Source(1, clause, "a", "T", "2023-09-19", 0, len(clause), label="Russia")
    assert not verify("Russia called for calm [1].", [statement]).empty


def test_a_passive_claim_names_the_one_acted_on() -> None:
    """RealTimeQA: "Matt Gaetz was ousted from his role as speaker [3]" passed every check on the sentence where the
    House ousted its speaker "in a move set in motion by ... Rep. Matt Gaetz"."""
    moved = src(3, "For the first time in U.S. history, members of the House of Representatives ousted its speaker of "
                   "the House in a move Tuesday set in motion by hard-line conservative Rep. Matt Gaetz, R-Fla.")
    assert verify("Matt Gaetz was ousted from his role as speaker [3].", [moved]).empty
    passive = src(1, "In a historic turn of events, McCarthy has been ousted as speaker, leaving the House in turmoil.")
    assert not verify("McCarthy was ousted as speaker [1].", [passive]).empty
    active = src(2, "Speaker Kevin McCarthy made history Tuesday after a handful of hardliners and Democratic "
                    "lawmakers ousted him from the top leadership post.")
    assert not verify("Kevin McCarthy was ousted from the top leadership post [2].", [active]).empty
    named_after = src(4, "Lawmakers ousted Kevin McCarthy on Tuesday, in a move led by Matt Gaetz.")
    assert not verify("Kevin McCarthy was ousted on Tuesday [4].", [named_after]).empty
    assert verify("Matt Gaetz was ousted on Tuesday [4].", [named_after]).empty


def test_what_a_claim_says_beyond_its_names_must_be_in_the_source() -> None:
    """Names made up eight of thirteen words of a claim whose action the source never states."""
    source = src(3, "The inquiry comes as Republican lawmakers, including Rep. Marjorie Taylor Greene, R-Ga., and Rep. "
                    "James Comer, R-Ky., have long alleged that Biden was improperly involved in his family’s business "
                    "dealings.")
    claim = "Rep. Marjorie Taylor Greene, R-Ga., called for a formal impeachment inquiry into President Joe Biden [3]."
    assert support_score(claim, source.text) >= 0.5  # the share of all words alone would pass it
    assert verify(claim, [source]).empty
    assert not verify("Republican lawmakers, including Marjorie Taylor Greene, have alleged that Biden was "
                      "improperly involved in his family’s business dealings [3].", [source]).empty
