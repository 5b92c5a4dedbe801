"""benchmarks/names_quality.py builds its cases from the data, not from the checker: a name's rendering in the
reference is found by transliteration alone, and every case is degraded as it says."""

from __future__ import annotations

import random
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import names_quality as bench


def test_renderings_are_found_by_transliteration_in_every_script():
    assert bench.rendering("Merkel", "Ангела Меркель посетила Берлин.").group() == "Меркель"
    assert bench.rendering("Baku", "Sammit Bakıda keçirilib.").group() == "Bakıda"
    assert bench.rendering("Smith", "Джон Смит приехал.").group() == "Смит"  # a word the checker skips
    assert bench.rendering("Merkel", "Канцлер выступила.") is None


def test_every_name_with_a_rendering_is_a_case_and_each_degradation_changes_it():
    en = ["John Smith met Angela Merkel in Berlin on Monday."]
    ref = ["Джон Смит встретился с Ангелой Меркель в Берлине в понедельник."]
    found = bench.cases(en, ref)
    assert {c["name"] for c in found} == {"John Smith", "Angela Merkel", "Berlin"}
    smith = next(c for c in found if c["name"] == "John Smith")
    pool = ["Джонс", "Смитт"]  # "Смитт" transliterates like "Смит": never a replacement for it
    rng = random.Random(0)
    replaced = bench.degraded(smith, ref[0], "replaced", pool, rng)
    assert "Смит" not in replaced and "Джонс" in replaced and "Джон " in replaced
    assert "Смит" not in bench.degraded(smith, ref[0], "deleted-1", pool, rng)
    merkel = next(c for c in found if c["name"] == "Angela Merkel")
    everything = bench.degraded(merkel, ref[0], "deleted", pool, rng)
    assert "Меркель" not in everything and "Ангелой" not in everything and "Смит" in everything
