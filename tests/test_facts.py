"""Facts of a sentence (summarizer/quality/facts.py): each kind, spans into the original string, and the
sentence-start and title-case traps of names, on the seed article's names."""

from __future__ import annotations

import pytest

from summarizer.quality.facts import Fact, facts, number_word_stems, numbers

from conftest import SEED


def of(kind: str, sentence: str) -> list[Fact]:
    return [f for f in facts(sentence) if f.kind == kind]


def test_spans_point_into_the_original_string():
    sentence = "On 2 March 2023 at 10:08 p.m., Ilham Aliyev paid €30 to www.example.org, ٢٠١٩ times."
    found = facts(sentence)
    assert found and all(sentence[f.start : f.end] == f.text for f in found)
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))  # no overlaps


def test_numbers_units_and_currencies():
    found = {f.text: f for f in of("number", "They paid €30, then $30 and 30 AZN; 5% more over 12 km; 1,500 came.")}
    assert (found["€30"].value, found["€30"].unit) == ("30", "EUR")
    assert (found["$30"].value, found["$30"].unit) == ("30", "USD")
    assert found["30 AZN"].unit == "AZN" and found["5%"].unit == "%" and found["12 km"].unit == "km"
    assert found["1,500"].value == "1500"
    assert numbers("١٬٥٠٠ و٣٫٥") == ["1500", "35"]


@pytest.mark.parametrize(
    "text, value",
    [("three thousand", "3000"), ("twenty", "20"), ("fifth", "5"), ("seven", "7"), ("twenty-five", "25")],
)
def test_numbers_written_in_words(text, value):
    (fact,) = of("number", f"They counted {text} delegations.")
    assert (fact.text, fact.value, fact.spelled) == (text, value, True)


def test_ambiguous_number_words_are_not_numbers():
    assert of("number", "One of them came first, and a second later another one.") == []


def test_dates_and_times():
    dates = {f.text: f.value for f in of("date", "On 2 March 2023, March 1, December 2020 and 2023-03-02.")}
    assert dates == {
        "2 March 2023": "2023-03-02",
        "March 1": "--03-01",
        "December 2020": "2020-12",
        "2023-03-02": "2023-03-02",
    }
    (time,) = of("time", "It began at 10:08 p.m. local time.")
    assert (time.text, time.value) == ("10:08 p.m.", "10:08")
    assert of("date", "The summit may end soon.") == []  # "may" is not a month without a day or year


def test_addresses_handles_and_hashtags():
    sentence = "Write to Info@Example.org, see https://Trend.az/x, @trend_news #Baku2023."
    found = {f.kind: f.value for f in facts(sentence) if f.kind != "name"}
    assert found == {
        "email": "info@example.org",
        "url": "https://trend.az/x",
        "handle": "@trend_news",
        "hashtag": "#baku2023",
    }


def test_names_of_the_seed_article():
    text = SEED.read_text(encoding="utf-8")
    found = {f.value for line in text.splitlines() for f in facts(line) if f.kind == "name"}
    for name in ["Ilham Aliyev", "Csaba Kőrösi", "Belgrade", "Karabakh", "NAM", "Trend", "Non-Aligned Movement"]:
        assert name in found
    assert "President Ilham Aliyev" not in found  # the title is translated with the sentence
    assert not found & {"Currently", "Simply", "Certainly", "Moreover", "Thus", "March", "The"}


def test_multiword_names_with_connectors():
    names = [f.value for f in of("name", "He met Bashar al-Assad and Charles de Gaulle at the League of Arab States.")]
    assert names == ["Bashar al-Assad", "Charles de Gaulle", "League of Arab States"]


def test_sentence_start_trap():
    # A common word starting a sentence is not a name; a name there is, and so is a longer run.
    assert of("name", "Several delegations came.") == []
    assert [f.value for f in of("name", "Baku hosted the summit.")] == ["Baku"]
    assert [f.value for f in of("name", "Currently, Ilham Aliyev chairs it.")] == ["Ilham Aliyev"]
    assert [f.value for f in of("name", '"We agree," said George W. Bush.')] == ["George W. Bush"]


def test_title_case_trap():
    # In a title every word is capitalised: only acronyms are evidence of a name.
    assert [f.value for f in of("name", "Azerbaijan’s Contribution To The New World Order Of NAM")] == ["NAM"]


def test_possessives_and_weekdays():
    assert [f.value for f in of("name", "It was Japan's decision on Tuesday's vote.")] == ["Japan"]


def test_target_number_words():
    assert "семь" in number_word_stems("7", "ru") and "yeddi" in number_word_stems("7", "az")
    assert number_word_stems("3000", "ru") == ("тысяч", "три", "трех", "трёх", "трем", "трём", "трое", "трои", "трет")
    assert number_word_stems("2", "ar") is None  # the Arabic dual says two without a word
    assert number_word_stems("7", "de") is None
