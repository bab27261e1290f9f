"""Clean timeline lines (issue 27): the rules of app.text.lines on real sentence shapes, the citation markers that
must not split an abbreviation or a time, and a real store (real Chroma, the packaged embedding model) whose story
and flat timelines skip page furniture and resolve a pronoun line.

The archive is written here (a made-up country, Corvia): its sentences copy the shapes the issue found in a real
archive (an update stamp, a dateline stamp with a pipe, a question, a byline, "And on Sunday, he urged ...", a
sentence naming two days), not their text.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.answer.citations import split_claims, verify, verify_lines
from app.answer.compose import compose_story
from app.records import Source
from app.text.lines import (
    ambiguous_past,
    content_start,
    dangling,
    furniture,
    names_other_day,
    resolve,
    shown_line,
    subject_of,
)
from app.text.sentences import ends_with_abbreviation, split_sentences
from benchmarks.line_check import check_line

D = dt.date


# --- furniture ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, reason", [
    ("Will Mubarak step down before the elections in September?", "question"),
    ("By JOHN SMITH, Associated Press Writer", "stamp, byline or caption"),
    ("By Sarah Lyall, The New York Times", "stamp, byline or caption"),
    ("Click here for the latest pictures from Tahrir Square.", "stamp, byline or caption"),
    ("Photo: Protesters wave flags in Tahrir Square on Friday.", "stamp, byline or caption"),
    ("Last updated at 10:35 GMT on Friday, 11 February 2011.", "stamp, byline or caption"),
    ("6:25 pm Protesters are gathering again outside the state television building.", "stamp, byline or caption"),
    ("Reporting by Tom Perry; Editing by Giles Elgood", "stamp, byline or caption"),
    # a new user's CNN pages (eleventh session): a caption and a note about the page on a story's timeline
    ("The chamber of the House of Representatives is seen at the Capitol on February 28, 2022.",
     "stamp, byline or caption"),
    ("A version of this story appeared in CNN’s What Matters newsletter.", "stamp, byline or caption"),
    ("Protesters are pictured outside the parliament in Tbilisi on Thursday.", "stamp, byline or caption"),
    # a new user's storm pages (twelfth session): notes about the page on a story's timeline
    ("Editor's note: This page recaps news related to Hurricane Ortega from Tuesday, Aug. 29.",
     "stamp, byline or caption"),
    ("This page recaps the storm's news from Tuesday.", "stamp, byline or caption"),
    ("Editor's note: This page is a summary of news related to Hurricane Ortega from Monday, Aug. 28.",
     "stamp, byline or caption"),
    ("For the latest news on the storm's path, please check our live updates file for Tuesday.",
     "stamp, byline or caption"),
    ("Correction: An earlier version of this story misstated the wind speed.", "stamp, byline or caption"),
    ("the president said on Tuesday that he would not stand again.", "fragment"),
    ("... and the army would not fire on the crowds, a spokesman said.", "fragment"),
    ("We will stay in the square until he leaves, ” said one protester at the barricades.", "fragment"),
    ('What we have to do right now is deliver for the American people, " Obama said on Friday.', "fragment"),
    ("“We will not leave until he leaves,” he said.", "unnamed speaker"),
    ("EGYPT UPRISING: MUBARAK STEPS DOWN AFTER 18 DAYS", "heading"),
    ("Thousands of protesters in Tahrir Square on the eighteenth day", "no verb"),
    ("This grab taken from a UGC footage provided to AFP by Marut Vanyan on September 19, 2023 shows smoke rising "
     "from artillery strikes on a hilltop outside Stepanakert.", "stamp, byline or caption"),
    ("This handout photo released by the Ukrainian Presidential Press Service shows Zelensky in Bakhmut.",
     "stamp, byline or caption"),
    ("A picture taken on Monday shows the damaged bridge over the Dnipro.", "stamp, byline or caption"),
])
def test_furniture_is_never_a_line(text, reason):
    assert furniture(text) == reason


@pytest.mark.parametrize("text", [
    "Egyptian President Hosni Mubarak resigned on Friday and handed power to the army.",
    "By Tuesday, the death toll had risen to more than 200, the health ministry said.",
    "By storming the palace gates, protesters forced the guards to retreat.",
    "“We will not leave until he leaves,” said Ahmed Maher, a founder of the April 6 movement.",
    "Obama signs stimulus bill into law",
    'Judge Keith Schwartz told Dr Murray on Monday: " You may not under any circumstances use anesthetic agents.',
    "The broader group meeting this weekend, known as the Group of 20, also includes Brazil and Mexico.",
    "The U.S. embassy in Cairo told Americans to leave the country at 6 p.m. on Monday.",
    "The quake struck at 4:53 p.m. local time (2153 GMT) on Tuesday, 15 kilometres from Port-au-Prince.",
    "The ruling is seen as a blow to the government's plans for the port.",
    "The court issued a correction to its ruling on Monday.",
    "Ticket sales are shown to have fallen by a third since March, the league said.",
    "A photo released by the army showed the bridge had collapsed.",  # a report of what a photo showed
    "This still shows the lines are long, the mayor said.",
    "The data provided by Reuters shows factory output grew in March.",
])
def test_news_sentences_are_not_furniture(text):
    assert furniture(text) == ""


@pytest.mark.parametrize("text, rest", [
    ("(Update 1:00 a.m. in Cairo, 6:00 p.m. ET) Protesters in the United States rallied outside the embassy.",
     "Protesters in the United States rallied outside the embassy."),
    ("January 31, 2011 at 6:25 pm | We have no role in this revolt.", "We have no role in this revolt."),
    ("CAIRO (Reuters) - Egyptian President Hosni Mubarak stepped down on Friday.",
     "Egyptian President Hosni Mubarak stepped down on Friday."),
    ("PORT-AU-PRINCE, Haiti (CNN) -- Rescuers pulled a girl from the rubble on Tuesday.",
     "Rescuers pulled a girl from the rubble on Tuesday."),
    ("WASHINGTON, Sept. 15 (Reuters) - Lehman Brothers filed for bankruptcy.", "Lehman Brothers filed for bankruptcy."),
    ("10:35 a.m. ET: Protesters marched towards the presidential palace.",
     "Protesters marched towards the presidential palace."),
    ("Updated 6:25 p.m.: The army said it would not use force.", "The army said it would not use force."),
    ("MEXICO CITY | Fri Apr 24, 2009 7:50 pm EDT MEXICO CITY (Reuters) - A strain of flu never seen before has "
     "killed up to 60 people in Mexico.", "A strain of flu never seen before has killed up to 60 people in Mexico."),
    ("Prepare for a flu pandemic, WHO warns Health chiefs say plans are needed Tuesday 28 April 2009 17.37 BST The "
     "world should prepare for a possible flu pandemic, experts said.",
     "The world should prepare for a possible flu pandemic, experts said."),
    ("(AP Photo/Evan Vucci) (Evan Vucci - AP) President Bush announced plans for an emergency summit on Saturday.",
     "President Bush announced plans for an emergency summit on Saturday."),
    ("29 September 2011 Last updated at 04:16 GMT Help A key aide and a security guard have told the trial of events.",
     "A key aide and a security guard have told the trial of events."),
])
def test_a_stamp_before_a_sentence_is_skipped(text, rest):
    assert text[content_start(text):] == rest


@pytest.mark.parametrize("text", ["Protesters gathered in Cairo on Tuesday.", "NATO said the strikes would go on.",
                                  "The meeting ended at 10:30 GMT - officials said nothing more about it.",
                                  "Mubarak - who ruled for 30 years - resigned.",
                                  "Help Haiti appeals raised 40 million pounds in three days, the charities said."])
def test_no_stamp_no_skip(text):
    assert content_start(text) == 0


# --- sentences that do not stand alone ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, opening", [
    ("And on Sunday, he urged the Egyptian president to \"leave today and save the country.\"", "And"),
    ("Today is the day for celebration.", "Today is"),
    ("But the army said it would not fire on the protesters.", "But"),
    ("However, the talks broke down on Thursday.", "However"),
    ("He resigned on Friday and handed power to the army.", "He"),
    ("On Sunday, he urged the crowds to go home.", "On Sunday, he"),
    ("Eight years later, this time as the nominee, the senator is again criticizing Bush.", "Eight years later, this"),
    ("It was the largest bankruptcy filing in U.S. history.", "It was the"),
    ("We have no role in this revolt.", "We"),
])
def test_dangling_openings(text, opening):
    assert dangling(text) == opening


@pytest.mark.parametrize("text", [
    "Heavy gunfire reverberated in central Cairo early Thursday.",
    "“We will not leave until he leaves,” said Ahmed Maher, a founder of the April 6 movement.",
    "Thousands of protesters marched on the presidential palace on Friday.",
])
def test_standalone_openings(text):
    assert dangling(text) == ""


PREVIOUS = "Egyptian President Hosni Mubarak said on Tuesday that he would not run for another term."


@pytest.mark.parametrize("text, previous, shown", [
    ("He resigned on Friday and handed power to the army.", PREVIOUS,
     "He [Egyptian President Hosni Mubarak] resigned on Friday and handed power to the army."),
    ("On Sunday, he urged the crowds to go home.", PREVIOUS,
     "On Sunday, he [Egyptian President Hosni Mubarak] urged the crowds to go home."),
    ("His resignation came after 18 days of protests.", PREVIOUS,
     "His [Egyptian President Hosni Mubarak’s] resignation came after 18 days of protests."),
    ("It filed for bankruptcy protection on Monday.", "Lehman Brothers said its talks with Barclays had failed.",
     "It [Lehman Brothers] filed for bankruptcy protection on Monday."),
    ("Mubarak resigned on Friday.", PREVIOUS, "Mubarak resigned on Friday."),
    # the one doing, not the school he led to a title (a RealTimeQA week's "He [Lawrence Central] played 33 games")
    ("He played 33 games for IU as a freshman.",
     "A first-team selection as a junior and senior, Hollowell averaged 23.9 points per game and led Lawrence "
     "Central to its first sectional title since 1998.", "He [Hollowell] played 33 games for IU as a freshman."),
    # the police speak as many: the one person the sentence names
    ("She said it was over.", "Police said Maria Lopez was found on Monday.", "She [Maria Lopez] said it was over."),
])
def test_a_pronoun_is_resolved_from_the_sentence_before(text, previous, shown):
    assert resolve(text, previous) == shown


@pytest.mark.parametrize("text, previous", [
    ("He resigned on Friday.", "Barack Obama spoke with Hosni Mubarak by telephone on Tuesday."),  # two people
    ("He resigned on Friday.", "The protests went on for a third week."),  # nobody named
    ("And on Sunday, he urged the president to leave.", PREVIOUS),  # a connective: another line instead
    ("Today is the day for celebration.", PREVIOUS),
    ("They marched to the square.", "Thousands of protesters gathered at dawn."),  # not a name
    # an "it" that refers to nothing: a bracket would invent its subject ("It [Scottish Government] is understood")
    ("It is understood the two travellers were admitted to hospital.", "The Scottish Government confirmed two cases."),
    ("It emerged that the minister had known for weeks.", "The Scottish Government confirmed two cases."),
])
def test_an_unresolved_opening_is_not_a_line(text, previous):
    assert resolve(text, previous) is None


def test_an_it_with_an_infinitive_after_is_a_real_subject():
    previous = "Dravo International Airport closed on Monday."
    assert resolve("It is expected to reopen next week.", previous) == (
        "It [Dravo International Airport] is expected to reopen next week.")


@pytest.mark.parametrize("text, line", [
    ("However, the talks broke down on Thursday.", (9, "The talks broke down on Thursday.")),
    ("But Burton said the first presidential debate should go ahead.",
     (4, "Burton said the first presidential debate should go ahead.")),
    ("And on Sunday, he urged the crowds to go home.",
     (4, "On Sunday, he [Egyptian President Hosni Mubarak] urged the crowds to go home.")),
    ("(Update 1:00 a.m. in Cairo) Protesters rallied on Friday.", (28, "Protesters rallied on Friday.")),
    ("So was Coleen Rowley, the FBI agent who warned her superiors.", None),
    ("But he said no to the offer.", None),  # a connective before a pronoun: another line
    ("Mubarak resigned on Friday.", (0, "Mubarak resigned on Friday.")),
    ("Today is the day for celebration.", None),
    ("Will Mubarak step down before September?", None),
])
def test_shown_line(text, line):
    """The line as shown differs from the article's span only by a capital and a bracket."""
    assert shown_line(text, PREVIOUS) == line


def test_subject_of_prefers_one_person_or_the_opening_name():
    assert subject_of("“We have very little communication,” Robertson told BBC Caribbean.", "he") == "Robertson"
    assert subject_of("A spokesman for the White House, Mike Hammer, told the BBC that President Obama had asked for "
                      "a plan.", "he") == "Mike Hammer"
    assert subject_of("Haiti said the airport was open, and aid was arriving.", "he") == ""
    assert subject_of("US Secretary of State Hillary Clinton arrived in Haiti on Saturday.", "she") == \
        "US Secretary of State Hillary Clinton"
    assert subject_of("Vice President Omar Suleiman met opposition groups on Sunday.", "he") == \
        "Vice President Omar Suleiman"
    assert subject_of("The Muslim Brotherhood said on Monday it would join the talks.", "it") == "Muslim Brotherhood"
    assert subject_of("The Muslim Brotherhood said on Monday it would join the talks.", "he") == ""


def test_an_ambiguous_past_date_is_no_line_for_that_day():
    """An article dated Wednesday 2 February 2011 (US time) says "early Thursday" of the Cairo clash of 3 February;
    resolved to the past it is 27 January."""
    assert ambiguous_past("early Thursday", D(2011, 1, 27), D(2011, 2, 2))
    assert ambiguous_past("Thursday", D(2011, 1, 27), D(2011, 2, 2))
    assert not ambiguous_past("Thursday", D(2011, 1, 27), D(2011, 1, 28))
    assert not ambiguous_past("January 27", D(2011, 1, 27), D(2011, 2, 2))
    # a day and month without a year, more than half a year back
    assert ambiguous_past("8 October", D(2010, 10, 8), D(2011, 9, 20), "The concert takes place on 8 October.")
    assert not ambiguous_past("25 June", D(2009, 6, 25), D(2010, 6, 20), "Jackson died on 25 June last year.")
    assert not ambiguous_past("8 October 2010", D(2010, 10, 8), D(2011, 9, 20))
    assert not ambiguous_past("8 October", D(2011, 10, 8), D(2011, 10, 20))


def test_a_sentence_naming_another_day_is_not_about_this_one():
    assert names_other_day(D(2011, 1, 27), [D(2011, 2, 3)])
    assert not names_other_day(D(2011, 1, 27), [D(2011, 1, 27)])
    assert not names_other_day(D(2011, 1, 27), [])


# --- citation markers never split an abbreviation or a time -------------------------------------------------------

UPDATE = ("(Update 4:33 a.m. Thursday in Cairo, 9:33 p.m. ET Wednesday) Pro-government protesters charged the "
          "demonstrators in Tahrir Square.")


def test_the_splitter_keeps_times_and_abbreviations_whole():
    text = f"{UPDATE} The U.S. embassy urged calm. Talks resumed on Dec. 3 at 10 a.m. local time."
    assert [s.text(text) for s in split_sentences(text)] == [
        UPDATE, "The U.S. embassy urged calm.", "Talks resumed on Dec. 3 at 10 a.m. local time."]
    assert ends_with_abbreviation("Talks resumed at 10 a.m.") and ends_with_abbreviation("sanctions on the U.S.")
    assert not ends_with_abbreviation("Talks resumed on Monday.")


def test_markers_stay_outside_abbreviations_in_the_chat():
    """The issue's chat line was "(Update 4:33 a.m [2]. Thursday in Cairo, 9:33 p.m [2]. ET Wednesday) ..."."""
    sources = [Source(1, "The talks ended at 6 p.m.", "b", "T", "2011-02-02", 0, 26, label="2 February 2011"),
               Source(2, UPDATE, "a", "T", "2011-02-03", 0, len(UPDATE), label="3 February 2011")]
    shown = verify_lines(compose_story(sources), sources).text
    assert "a.m [" not in shown and "p.m [" not in shown, shown
    assert shown.splitlines() == ["2 February 2011: The talks ended at 6 p.m. [1]",
                                  f"3 February 2011: {UPDATE[:-1]} [2]."]
    assert verify("The U.S. embassy urged calm [1]. The talks ended at 6 p.m. [1]",
                  [Source(1, "The U.S. embassy urged calm. The talks ended at 6 p.m.", "c", "T", None, 0, 52)]
                  ).text == "The U.S. embassy urged calm [1]. The talks ended at 6 p.m. [1]"
    assert split_claims("Dec. 3 was calm [1]. Rep. Greene spoke [2].") == ["Dec. 3 was calm [1].",
                                                                          "Rep. Greene spoke [2]."]


# --- a real store -------------------------------------------------------------------------------------------------

CORVIA = {
    "corvia-1.txt": """Title: Thousands protest in Varna against President Anton Keller
Date: 2021-03-02

(Update 1:00 a.m. in Varna, 6:00 p.m. ET) Thousands of protesters marched through central Varna on Tuesday to demand the resignation of President Anton Keller.
Police fired tear gas at the crowd near Liberty Square in Varna on Tuesday evening, witnesses said.
Will Keller step down before the elections?
""",
    "corvia-2.txt": """Title: Corvia protests against Anton Keller spread to Dorna
Date: 2021-03-03

March 3, 2021 at 6:25 pm | We have no role in this revolt against President Keller.
Protests against President Anton Keller spread to the port city of Dorna on Wednesday, the second day of unrest in Corvia.
Protesters marched in Varna on Tuesday and police fired tear gas at the Corvia protesters in Dorna on Wednesday.
""",
    "corvia-3.txt": """Title: Anton Keller quits after a week of Corvia protests
Date: 2021-03-06

Corvia's president Anton Keller had promised on Thursday to stay in office until the next election.
He resigned on Friday and handed power to a caretaker council led by the speaker of the Corvia parliament.
Crowds celebrated in Liberty Square in Varna on Saturday as the Corvia protests came to an end.
""",
    "corvia-4.txt": """Title: Corvia's caretaker council sets an election date after the Keller protests
Date: 2021-03-08

Corvia's caretaker council said on Monday that elections would be held in June, three days after President Anton Keller resigned.
And on Sunday, he urged his supporters in Varna to accept the result of the Corvia protests.
The Corvia protests against Anton Keller began on Tuesday last week in Varna.
""",
}


@pytest.fixture(scope="module")
def corvia(tmp_path_factory: pytest.TempPathFactory):
    from app import Chronicle, load_settings

    folder = tmp_path_factory.mktemp("corvia-articles")
    for name, text in CORVIA.items():
        (folder / name).write_text(text, encoding="utf-8")
    chron = Chronicle(load_settings(vectorstore_dir=tmp_path_factory.mktemp("corvia-store"),
                                    answer_mode="extractive"))
    report = chron.ingest([folder])
    assert report.added == 4 and report.ok, report.summary()
    return chron


def test_story_lines_are_clean_sentences_about_their_day(corvia):
    tl = corvia.story("Corvia protests against Anton Keller", n_dates=10, sentences_per_date=2)
    lines = {(day.date, line.text): line for day, line in tl.lines}
    assert lines, tl.message
    for (day, text), line in lines.items():
        assert not furniture(text) and check_line(text, day, D.fromisoformat(line.citations[0].published)) == [], text
        for c in line.citations:  # every citation is still an exact span of its article
            assert corvia.article_text(c.article_id)[c.start:c.end] == c.text
    texts = [text for _, text in lines]
    assert not any(t.startswith(("(Update", "March 3, 2021", "We have", "And on Sunday")) or "?" in t
                   for t in texts), texts
    assert not any("police fired tear gas at the Corvia protesters in Dorna" in t for t in texts), texts  # two days
    # the stamp is skipped, the sentence it carries is the line (its span moved past the stamp)
    tuesday = [line for (day, _), line in lines.items() if day == D(2021, 3, 2)]
    assert any(line.text.startswith("Thousands of protesters marched") for line in tuesday), tuesday
    # the pronoun line is resolved from the sentence before it; its citation quotes the article exactly
    friday = [line for (day, _), line in lines.items() if day == D(2021, 3, 5)]
    assert [line.text for line in friday] == [
        "He [Anton Keller] resigned on Friday and handed power to a caretaker council led by the speaker of the "
        "Corvia parliament."]
    assert friday[0].citations[0].text.startswith("He resigned on Friday")


def test_flat_timeline_drops_stamps_and_resolves_pronouns(corvia):
    events = corvia.timeline()
    texts = [e.text for e in events]
    assert texts and not any(t.startswith("March 3, 2021 at 6:25 pm") for t in texts), texts
    assert any(t.startswith("He [Anton Keller] resigned on Friday") for t in texts), texts


def test_chat_story_shows_the_resolved_subject_and_cites_the_exact_sentence(corvia):
    answer = corvia.ask("Give me a timeline of the Corvia protests against Anton Keller")
    assert answer.route == "story" and not answer.abstained, answer.text
    friday = [line for line in answer.text.splitlines() if line.startswith("5 March 2021: ")]
    assert friday and friday[0].startswith("5 March 2021: He [Anton Keller] resigned on Friday"), answer.text
    cited = {c.n: c for c in answer.citations}
    n = int(friday[0].rsplit("[", 1)[1].split("]")[0])
    assert cited[n].text.startswith("He resigned on Friday")  # the citation is the article's own sentence
    assert corvia.article_text(cited[n].article_id)[cited[n].start:cited[n].end] == cited[n].text


@pytest.mark.parametrize("text, lead", [
    ("Haiti devastated by massive quake Thousands of people are feared dead after a powerful earthquake.",
     "Thousands of people are feared dead"),
    ("Doctors say one of the biggest risks now is secondary infection The first planeload of medicines has landed.",
     "The first planeload"),
    ("(Bill O'leary - The Washington Post) The head of the National Urban League is calling on the Treasury.",
     "The head of"),
    ("Economic Crisis Causes Rise in MBA Applicants The economic crisis's effect on business schools is taking hold.",
     "The economic crisis's"),
    ("Dr Murray denies any wrongdoing On 8 February, 2010, Dr Murray appeared in court in Los Angeles and pleaded "
     "not guilty to the charge of involuntary manslaughter.", "On 8 February"),
])
def test_a_headline_or_caption_run_into_the_lead_is_skipped(text, lead):
    assert text[content_start(text):].startswith(lead)


@pytest.mark.parametrize("text", [
    "He told The Guardian newspaper that the bank would fail on Monday.",
    "A lack of vitamin A causes blindness in children across the region.",
    "A Government Hand In the Economy Is as Old as the Republic.",  # a title-case headline
    "Sarkozy Advocates Systemic Change After Crisis as leaders meet in Toulon to discuss banks.",
    "On Wednesday, Stitt extended his “Safer At Home” order until April 30 and included all 77 counties.",
    "The band's first On the Run tour played for six weeks in sold-out stadiums.",
    "It was the most played song of 2018 at Triple A radio, where they were the only act.",
])
def test_a_title_or_a_name_mid_sentence_is_not_a_lead(text):
    assert content_start(text) == 0


@pytest.mark.parametrize("text, lead", [
    # a photo credit, then a newspaper's dateline after the headline
    ("(By Ariana Cubillos -- Associated Press) President Bush warned yesterday against cutting aid to poor nations.",
     "President Bush warned"),
    ("Sarkozy Advocates Systemic Change After Crisis TOULON, France, Sept. 25 -- French President Nicolas Sarkozy "
     "warned Europe on Thursday that it can not escape shock waves.", "French President Nicolas Sarkozy warned"),
    ("NASHVILLE, Oct. 7 -- On a day when the stock market took another sharp plunge, the candidates clashed.",
     "On a day when"),
    # a page's date and clock (no time zone) before the lead
    ("Tuesday, September 30, 2008; 10:10 AM Most Americans see the financial situation as a crisis, a poll found.",
     "Most Americans see"),
])
def test_a_credit_dateline_or_page_clock_before_the_lead_is_skipped(text, lead):
    assert text[content_start(text):].startswith(lead)


@pytest.mark.parametrize("text, why", [
    (", chairman of the House Financial Services Committee, to determine whether Bernanke should retain authority.",
     "fragment"),
    ("A Government Hand In the Economy Is as Old as the Republic.", "heading"),  # a headline in title case
    ("President Bush, left, makes a statement in the Rose Garden after meeting G7 finance ministers.",
     "stamp, byline or caption"),
    ("Workers arrive for a statement on the world economy at Camp David, Saturday, Oct. 18, 2008, in Camp David, Md.",
     "stamp, byline or caption"),
])
def test_fragments_title_case_headlines_and_photo_captions_are_furniture(text, why):
    assert furniture(text) == why


@pytest.mark.parametrize("text", [
    "President Barack Obama met Prime Minister Gordon Brown in London on Tuesday.",  # names, and a verb in lower case
    '" We have been working with other teams and local people and they have been fantastic.',  # a spaced quote mark
    '"I said, right, but you can put a price on what I spent to get home Sunday," Nelson said.',
])
def test_names_quotes_and_a_spoken_right_are_not_furniture(text):
    assert furniture(text) == ""


def test_an_it_of_evaluation_refers_to_nothing_and_a_speaker_is_never_a_pronoun():
    previous = "A Government Hand In the Economy Is as Old as the Republic."
    assert resolve("It has become fashionable to fret that the crisis marks the end of capitalism.", previous) is None
    # "known as" names what "it" is: a real subject, resolved
    assert resolve("It had been known as the Dodd Research Center since 1995.", "The Dodd Center opened in 1995.") \
        == "It [Dodd Center] had been known as the Dodd Research Center since 1995."
    # a page's "... you may need Adobe Reader" run into "She said ..." named "Adobe Reader She" as the one who spoke
    previous = ("Most computers will open this document automatically, but you may need Adobe Reader She said eight of "
                "the 10 people regarded as close contacts of the man had tested negative.")
    assert resolve("He is thought to have picked up the virus in Texas.", previous) is None


def test_a_caption_after_the_sentence_and_a_lead_after_says_are_read():
    """ "... the swine flu pandemic A litter of pigs.": a photo caption run onto the sentence's end; "... his
    spokeswoman says A lawyer for Michael Jackson's doctor has denied ...": the lead after a headline's caption."""
    assert furniture("Just as an unsustainable financial system caused the banking crisis, intensive farming is at "
                     "the heart of the swine flu pandemic A litter of pigs.") == "stamp, byline or caption"
    assert furniture("Critics asked why he was awaiting trial at a category B rather than a category A jail.") == ""
    text = ("Dr Murray is doing all he can to help the inquiry, his spokeswoman says A lawyer for Michael Jackson's "
            "doctor has denied that his client administered painkilling drugs.")
    assert text[content_start(text):].startswith("A lawyer for")


@pytest.mark.parametrize("text, fragment", [
    ("Aaron Rodgers", True), ("1.", True), ("Onward:", True), ("Photo: AP", True),
    ("He resigned.", False), ("“Yes.”", False), ("The vote was held on Tuesday", False),
])
def test_headings_and_list_items_are_fragments(text: str, fragment: bool) -> None:
    from app.text.lines import is_fragment

    assert is_fragment(text) is fragment

