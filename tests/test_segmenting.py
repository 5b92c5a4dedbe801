"""Sentence splitting on real news lines: an abbreviation such as "p.m.", "U.S.", "Jan." or "No." ends no
sentence when the sentence goes on, and a time at a sentence's end still ends it."""

from __future__ import annotations

import pytest

from summarizer.inputs.segmenting import segment_article, split_sentences

# WMT16 newstest's first paragraph without its headline, as in ../shared/corpus/wmt16-en-news-sample.txt (a
# transformers test fixture, Apache-2.0); kept here so the test needs nothing beside the repository.
WMT16 = (
    "Secretary-General Ban Ki-moon says his response to Russia's stepped up military support for Syria is that "
    '"there is no military solution" to the nearly five-year conflict and more weapons will only worsen the '
    "violence and misery for millions of people. The U.N. chief again urged all parties, including the divided "
    "U.N. Security Council, to unite and support inclusive negotiations to find a political solution. Ban told a "
    "news conference Wednesday that he plans to meet with foreign ministers of the five permanent council nations "
    "- the U.S., Russia, China, Britain and France - on the sidelines of the General Assembly's ministerial session "
    "later this month to discuss Syria."
)
# FLORES-200 devtest, English (CC-BY-SA 4.0), as written (the typo is theirs).
FLORES = "The eathquake struck Mariana at 07:19 a.m. local time (09:19 p.m. GMT Friday)."


@pytest.mark.parametrize(
    "line",
    [
        "Polls in Baku close at 5 p.m. Friday, and the first results are expected overnight.",  # the case
        "The summit opens at 9 a.m. Moscow time on Tuesday.",
        "The ministers will meet again at 11 a.m. Monday in Geneva.",
        "The statement came at 5 P.M. Saturday, hours before the deadline.",
        "The agency said the quake hit at 3:40 p.m. EST near the coast.",
        "Talks resume Jan. 5 in Vienna, a U.S. official said.",
        "The No. 2 diplomat at the U.S. Embassy in Baku met him.",
        FLORES,
    ],
)
def test_an_abbreviation_inside_a_sentence_ends_nothing(line):
    assert split_sentences(line) == [line]


@pytest.mark.parametrize(
    "line, sentences",
    [
        (
            "The raid began at 4 a.m. Police said three men were held.",
            ["The raid began at 4 a.m.", "Police said three men were held."],
        ),
        (
            "Polls closed at 8 p.m. Officials will count the ballots overnight.",
            ["Polls closed at 8 p.m.", "Officials will count the ballots overnight."],
        ),
        (
            "The session ended at 10 a.m. The vote came later.",
            ["The session ended at 10 a.m.", "The vote came later."],
        ),
    ],
)
def test_a_time_at_the_end_of_a_sentence_still_ends_it(line, sentences):
    assert split_sentences(line) == sentences


def test_a_news_paragraph_splits_where_its_sentences_end():
    sentences = split_sentences(WMT16)
    assert len(sentences) == 3, sentences
    assert sentences[1].startswith("The U.N. chief") and sentences[2].startswith("Ban told")
    assert "the U.S., Russia, China" in sentences[2]


def test_joined_pieces_keep_the_ids_in_order():
    text = "The vote ends at 5 p.m. Friday. Results come Saturday.\n\nThe raid began at 4 a.m. Police said so."
    sentences = segment_article(text, "a")
    assert [s.id for s in sentences] == ["a:p0:s0", "a:p0:s1", "a:p1:s0", "a:p1:s1"]
    assert sentences[0].text == "The vote ends at 5 p.m. Friday."
