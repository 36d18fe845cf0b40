"""Every vocabulary entry (data/vocabulary.toml) matches the examples written beside it."""
import re

import pytest

from summarizer.pairing_table import province_programmes
from summarizer.relations import programme_provinces, relation_mentions
from summarizer.rules.pairing_places import _is_organisation
from summarizer.text import org_names
from summarizer.vocabulary import vocabulary

VOCAB = vocabulary()


@pytest.mark.parametrize("word", VOCAB.relations, ids=lambda w: w.pattern.pattern[:30])
def test_relation_entry_matches_its_examples_and_names_its_relation(word):
    assert word.examples, "an entry without examples is untested"
    for example in word.examples:
        assert word.pattern.search(example), example
        # The whole vocabulary, with its precedence, reads the example as this entry's relation.
        assert word.relation in {m.relation for m in relation_mentions(example)}, example


@pytest.mark.parametrize("cue", VOCAB.measures, ids=lambda c: c.category.value)
def test_measure_cue_matches_its_examples(cue):
    assert cue.examples
    for example in cue.examples:
        assert cue.pattern.search(example), example


@pytest.mark.parametrize("name, pattern", [("spam", VOCAB.spam), ("chrome", VOCAB.chrome),
                                           ("chrome_short", VOCAB.chrome_short), ("footer", VOCAB.footer),
                                           ("dateline", VOCAB.dateline), ("not_a_title", VOCAB.not_a_title)])
def test_cleaning_and_metadata_patterns_match_their_examples(name, pattern):
    examples = VOCAB.raw["cleaning"].get(f"{name}_examples") or VOCAB.raw["metadata"].get(f"{name}_examples")
    assert examples
    for example in examples:
        assert pattern.search(example), example


def test_outlet_suffix_examples():
    suffix = re.compile(rf"(?:{VOCAB.outlet_suffix})$")
    assert all(suffix.search(e) for e in VOCAB.raw["metadata"]["outlet_examples"])


def test_organisation_examples_are_found_and_classified():
    for example in VOCAB.organisation_examples:
        [org] = org_names(example)
        assert org.text == example
    # An entity keeps its name over a place inside it; a place's government office is the place.
    assert org_names("天津大学")[0].entity and not org_names("南明区扶贫办")[0].entity
    assert _is_organisation(org_names("由财政部牵头")[0], [])  # a ministry is an organisation of its own
    assert not _is_organisation(org_names("县委宣传部")[0], [])  # a county's department is not


def test_negative_cases_the_vocabulary_must_not_match():
    assert not [m for m in relation_mentions("对口地区的干部") if m.relation.value == "counterpart_assistance"]
    assert not org_names("选派援宁挂职干部，落实东西部协作战略部署")  # 干部, 东西部, 部署 are not ministries
    assert not VOCAB.measures[0].pattern.search("")  # an empty sentence has no cue
    twinning = next(c for c in VOCAB.measures if c.category.value == "twinning").pattern
    assert not twinning.search("两地建立结对帮扶关系以来")  # the relationship itself is not a measure


def test_abbreviations_are_read_only_for_published_province_pairs():
    published = province_programmes()  # data/pairings.tsv
    short = {code: name for name, code in VOCAB.abbreviations.items()}
    programme = next(w for w in VOCAB.relations if w.programme)
    # Every published province pair can be written as an abbreviation the programme entry reads.
    unread = [(h, r) for h, r in published if h not in short or r not in short
              or not programme.pattern.search(short[h] + short[r] + "协作")]
    assert unread == []
    assert programme_provinces("开展闽宁协作和沪滇扶贫协作") == [("35", "64"), ("31", "53")]
    assert programme_provinces("京津冀协同发展") == []  # not a pairing programme
    assert programme_provinces("深化京津冀合作") == []  # 津冀: no published province pair


@pytest.mark.parametrize("word", [w for w in VOCAB.relations if w.negative_examples], ids=lambda w: w.pattern.pattern[:30])
def test_relation_entry_is_not_read_in_its_negative_examples(word):
    for example in word.negative_examples:
        assert word.relation not in {m.relation for m in relation_mentions(example)}, example


def test_direction_verbs_and_local_schools_match_their_examples_and_not_their_negatives():
    for name, pattern in (("direction", VOCAB.directed), ("references", VOCAB.local_school)):
        entry = VOCAB.raw[name]
        assert entry["examples"] and entry["negative_examples"]
        assert all(pattern.search(e) for e in entry["examples"]), name
        assert not [e for e in entry["negative_examples"] if pattern.search(e)], name


@pytest.mark.parametrize("name", ["help_verbs", "passive_markers", "arrive_verbs", "giver_suffixes", "designated_unit",
                                  "not_a_village", "forms_relation"])
def test_wording_lists_match_their_examples_and_not_their_negatives(name):
    wording = VOCAB.raw["wording"]
    pattern = re.compile(wording[name])
    examples, negatives = wording[f"{name}_examples"], wording[f"{name}_negative_examples"]
    assert examples and negatives
    assert all(pattern.search(e) for e in examples)
    assert not [e for e in negatives if pattern.search(e)]


def test_not_a_title_leaves_real_headlines_alone():
    for headline in VOCAB.raw["metadata"]["not_a_title_negative"]:
        assert not VOCAB.not_a_title.search(headline), headline


def test_a_bracketed_word_inside_a_company_name_is_part_of_it():
    assert [o.text for o in org_names("，某某牧业(集团)有限责任公司获得帮扶资金")] == ["某某牧业(集团)有限责任公司"]
    assert [o.text for o in org_names("由某某（中国）有限公司捐赠")] == ["某某（中国）有限公司"]
    assert not org_names("某市（集团）")  # a bracket with no name suffix after it is no name


def test_a_central_enterprise_is_a_name_without_a_suffix_but_never_inside_a_word():
    assert [o.text for o in org_names("据悉 , 中国稀土自2016年起帮扶某县")] == ["中国稀土"]
    assert [o.text for o in org_names("2019年以来,国投在定点县投入资金")] == ["国投"]
    assert not org_names("各地集中建设一批项目，全国投入资金")  # 中建, 国投 inside words
    assert [o.text for o in org_names("与国投某某有限公司衔接")] == ["国投某某有限公司"]  # the longer name wins


def test_a_dash_ends_a_name_and_a_described_building_is_no_name():
    assert [o.text for o in org_names("据悉——某省某某农业科技有限公司投入资金")] == ["某省某某农业科技有限公司"]
    assert org_names("援建了全县首个三级综合医院") == []
    assert org_names("资助了两所乡村学校和41家医院") == []
    assert [o.text for o in org_names("某县第一人民医院")] == ["某县第一人民医院"]
    assert [o.text for o in org_names("，甲乙（北京）丙丁（集团）有限公司捐赠")] == ["甲乙（北京）丙丁（集团）有限公司"]
    assert org_names("展示了中国建筑的魅力") == [] and org_names("中国黄金周期间") == []


def test_every_rule_word_pattern_matches_its_examples_and_not_its_negatives():
    import re

    from summarizer.vocabulary import vocabulary
    words = vocabulary().raw["rule_words"]
    anchored = set(words["anchored"])
    patterns = {k: v for k, v in words.items() if isinstance(v, str)}
    assert anchored <= set(patterns)
    for name, pattern in patterns.items():
        compiled = re.compile(pattern)
        find = compiled.match if name in anchored else compiled.search
        assert words[f"{name}_examples"], name
        for example in words[f"{name}_examples"]:
            assert find(example), (name, example)
        for negative in words.get(f"{name}_negative", []):
            assert not find(negative), (name, negative)
