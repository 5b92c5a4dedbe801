"""The name check's renderers (summarizer/quality/names.py), one rule each: Russian case endings, Azerbaijani
suffixes, Arabic clitics, CLDR's names of countries, and every word of a person's name checked."""

from __future__ import annotations

import pytest

from summarizer.quality import checks, names


def mismatch(source: str, output: str, lang: str, **kwargs) -> list[str]:
    return [
        f.message for f in names.check_names(source, output, target=lang, **kwargs) if f.code == checks.NAME_MISMATCH
    ]


def test_a_declined_russian_name_is_found():
    source = "Angela Merkel met Olaf Scholz in Berlin."
    # Instrumental and prepositional case: Меркель, Шольцем, Берлине.
    assert mismatch(source, "Ангела Меркель встретилась с Олафом Шольцем в Берлине.", "ru") == []
    assert mismatch(source, "Ангела Меркель встретилась с Олафом Шольцем в Гамбурге.", "ru") == [
        "not found in the output: Berlin"
    ]


@pytest.mark.parametrize("rendering", ["Bakıda", "Bakının", "Bakıya", "Bakı"])
def test_an_azerbaijani_suffix_is_taken_off(rendering):
    source = "Ilham Aliyev spoke about Baku and Ganja."
    assert mismatch(source, f"İlham Əliyev {rendering} və Gəncə haqqında danışdı.", "az") == []
    assert mismatch(source, "İlham Əliyev Sumqayıt və Gəncə haqqında danışdı.", "az") == [
        "not found in the output: Baku"
    ]


@pytest.mark.parametrize("clitic", ["", "و", "ب", "ل", "وب"])
def test_an_arabic_clitic_is_taken_off(clitic):
    source = "The delegates travelled from France to Germany."
    assert mismatch(source, f"سافر المندوبون من فرنسا {clitic}ألمانيا.", "ar") == []
    (message,) = mismatch(source, f"سافر المندوبون من فرنسا {clitic}إيطاليا.", "ar")
    assert "Germany" in message and "France" not in message


@pytest.mark.parametrize(
    "lang, right, wrong",
    [
        ("ru", "Переговоры прошли в Германии.", "Переговоры прошли во Франции."),
        ("ar", "جرت المحادثات في ألمانيا.", "جرت المحادثات في فرنسا."),
        ("az", "Danışıqlar Almaniyada keçdi.", "Danışıqlar Fransada keçdi."),
    ],
)
def test_a_country_is_checked_against_its_cldr_name(lang, right, wrong):
    """ "Germany" is not transliterated in any of the three (Германия, ألمانيا, Almaniya): CLDR says how it
    is written, so "Germany" rendered as France is caught (it used to be skipped as a translated name)."""
    source = "The talks took place in Germany."
    assert mismatch(source, right, lang) == []
    assert mismatch(source, wrong, lang) == ["not found in the output: Germany"]


@pytest.mark.parametrize(
    "lang, output",
    [
        ("ru", "Ангела Шольц выступила в Берлине."),
        ("ar", "تحدثت أنجيلا شولتس في برلين."),
        ("az", "Angela Şolts Berlində çıxış etdi."),
    ],
)
def test_a_swapped_surname_is_caught(lang, output):
    """The first name is there and the surname is another's: every word that carries the name (the surname,
    the longest) must be found, not any one of them."""
    assert mismatch("Angela Merkel spoke in Berlin.", output, lang) == ["not found in the output: Angela Merkel"]
