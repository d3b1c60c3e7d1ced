"""Normalisation to standard Simplified Chinese: t2s, the variant fold, the 著 rule."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import opencc
import pytest
from conftest import page_text
from hypothesis import given
from hypothesis import strategies as st

from ingest.extract import extract
from ingest.normalise import (
    Fold,
    common_chars,
    count_changed,
    detect_script,
    han_counts,
    han_mask,
    make_fold,
    normalise,
    script_of,
    standard_chars,
    to_simplified,
    variant_table,
    zhu_to_zhe,
)

OPENCC_TESTS = Path(sys.prefix) / "opencc-tests" / opencc.__version__


def test_traditional_becomes_simplified():
    assert normalise("城市跨域風險協同治理的模式與路逕") == "城市跨域风险协同治理的模式与路径"


def test_variants_that_t2s_leaves_are_folded():
    text = "病原躰迅速傳播,搆建機製,竝不縂是,霛活処理,辳村,衹有"
    assert to_simplified(text) != "病原体迅速传播,构建机制,并不总是,灵活处理,农村,只有"
    assert normalise(text) == "病原体迅速传播,构建机制,并不总是,灵活处理,农村,只有"


def test_fold_table_maps_outside_the_standard_set_into_it():
    table, standard = variant_table(), standard_chars()
    assert len(table) > 1000
    assert all(key not in standard and value in standard for key, value in table.items())
    assert [table[c] for c in "躰搆処傚蓡竝鎋縂霛辳衹"] == list("体构处效参并辖总灵农只")
    assert table["椝"] == "规"  # t2s turns 槼 into 椝, itself outside the standard set


def test_standard_and_common_sets():
    standard, common = standard_chars(), common_chars()
    assert len(common) == 3500 and common < standard
    assert {"郃", "琯", "𬙂", "𪟝"} <= standard - common  # standard, but rare
    assert "儅" not in standard and "的" in common


def test_zhu_becomes_zhe_on_traditional_text_outside_the_keep_list():
    text = "他看著這部著作,意味著顯著的變化,著名的土著學者著力於此"
    assert normalise(text) == "他看着这部著作,意味着显著的变化,著名的土著学者着力于此"
    assert zhu_to_zhe("随著") == "随着"


def test_zhu_in_simplified_text_is_never_touched():
    text = "随著时代发展,他写的著作显著影响了学界。"
    assert detect_script(text) == "simplified"
    assert normalise(text) == text


def test_fold_variants_count_as_traditional_signals():
    text = "我们要搆建新的工作躰系,竝不断提高傚能"  # only variants t2s does not change
    assert to_simplified(text) == text
    assert detect_script(text) == "traditional"
    assert normalise(text) == "我们要构建新的工作体系,并不断提高效能"


def test_standard_characters_t2s_would_change_do_not_make_text_traditional():
    text = "乾隆年间的乾县,幺麽小丑"
    assert to_simplified(text) != text
    assert detect_script(text) == "simplified"
    assert normalise(text) == text


@given(st.lists(st.text(alphabet="风險躰乾著abc 1,\n城市跨域協同治理", max_size=30), max_size=5))
def test_han_counts_of_texts_add_up_to_those_of_the_texts_joined(texts):
    # A page's script is decided on its articles' counts summed (ingest.build).
    counts = [han_counts(text) for text in texts]
    summed = (sum(s for s, _ in counts), sum(o for _, o in counts))
    assert summed == han_counts("".join(texts))
    assert script_of(*summed) == detect_script("".join(texts))


def test_substitutions_apply_after_the_table_and_to_its_values():
    fold = Fold({"郃": "合", "体": "體"})
    assert normalise("聯郃國的躰系", "traditional", fold) == "联合国的體系"
    assert normalise("聯郃國", "traditional") == "联郃国"
    assert normalise("联郃国的躰系", "simplified", fold) == "联郃国的躰系"


def test_make_fold_is_built_once_per_set():
    assert make_fold({"郃": "合"}) is make_fold({"郃": "合"})
    assert make_fold({}) is not make_fold({"郃": "合"})


def test_simplified_pages_are_not_changed():
    for name in ("000", "002"):
        for article in extract(page_text(name)).articles:
            assert detect_script(article.title + "\n" + article.body) == "simplified"
            assert normalise(article.body) == article.body
            assert normalise(article.title) == article.title


def test_script_of_sample_pages():
    scripts = {name: detect_script(page_text(name)) for name in ("000", "001", "002", "003", "004")}
    assert scripts == {
        "000": "simplified",
        "001": "traditional",
        "002": "simplified",
        "003": "traditional",
        "004": "traditional",
    }


def test_count_changed():
    assert count_changed("風險", "风险") == 2
    assert count_changed("风险", "风险") == 0
    assert count_changed("风险a", "风险") == 1
    assert count_changed("𪟝效", "绩效") == 1


@given(st.text())
def test_any_text_normalises(text):
    out = normalise(text)
    assert isinstance(out, str)
    if detect_script(text) == "simplified":
        assert out is text


@given(
    st.text(alphabet=st.sampled_from(sorted(standard_chars())) | st.characters(max_codepoint=0x2FF))
)
def test_text_of_standard_characters_is_never_changed(text):
    assert normalise(text) == text


@given(st.text(alphabet=st.sampled_from(sorted(variant_table())), min_size=1))
def test_variants_alone_fold_to_standard_characters(text):
    out = normalise(text)
    assert all(c in standard_chars() for c in out if han_mask()[ord(c)])


def standard_only(text: str) -> bool:
    """Whether every Han character of the text is in the standard set."""
    return all(c in standard_chars() for c in text if han_mask()[ord(c)])


def opencc_cases() -> list[dict]:
    """OpenCC's test cases (its file allows trailing commas)."""
    path = OPENCC_TESTS / "testcases.json"
    if not path.exists():
        pytest.skip(f"OpenCC's test cases are not fetched: make opencc-tests ({path})")
    raw = path.read_text(encoding="utf-8")
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", raw))["cases"]


def test_opencc_t2s_cases_give_its_expected_output():
    cases = [c for c in opencc_cases() if "t2s" in c["expected"]]
    assert len(cases) > 40
    for case in cases:
        expected = case["expected"]["t2s"]
        ours = normalise(case["input"], "traditional")
        # The one intended difference: on Traditional text 著 outside the keep-list is 着,
        # where OpenCC keeps 著 (慰藉著受傷 → 慰藉着受伤).
        assert ours in (expected, zhu_to_zhe(expected)), case["id"]


def test_opencc_t2s_cases_with_script_detection():
    for case in (c for c in opencc_cases() if "t2s" in c["expected"]):
        expected = case["expected"]["t2s"]
        ours = normalise(case["input"])
        if ours not in (expected, zhu_to_zhe(expected)):
            # Short inputs made only of standard characters (步步高陞, 相剋) are Simplified
            # text to the detector, and Simplified text is left as it is.
            assert standard_only(case["input"]), case["id"]
            assert ours == case["input"]


def test_opencc_simplified_texts_are_left_alone():
    """Inputs of its Simplified→Traditional cases, and its expected Simplified outputs."""
    texts = [
        c["input"]
        for c in opencc_cases()
        if any(k.startswith("s2") for k in c["expected"]) and standard_only(c["input"])
    ]
    texts += [v for c in opencc_cases() for k, v in c["expected"].items() if "2s" in k]
    assert len(texts) > 150
    for text in texts:
        assert normalise(text) == text


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_opencc_golden_text_round_trips(config):
    simplified = OPENCC_TESTS / "us_constitution_zhs.txt"
    if not simplified.exists():
        pytest.skip("OpenCC's golden texts are not fetched: make opencc-tests")
    original = simplified.read_text(encoding="utf-8")
    converted = (OPENCC_TESTS / f"us_constitution_zhs.{config}.txt").read_text(encoding="utf-8")
    assert normalise(original) is original
    assert detect_script(converted) == "traditional"
    assert normalise(converted) == original
