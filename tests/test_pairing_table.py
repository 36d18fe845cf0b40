"""The published pairings (data/pairings.tsv): sourced rows, codes that still resolve, and their use
in the extractor and the pairing_reversed check. Sentences are written for the test (the places are
the table's own; wording and figures are invented)."""
import pytest

from summarizer.backends.rules import RulesBackend
from summarizer.checks import run_checks
from summarizer.pairing_table import (
    helper_first, province_programmes, published_direction, published_pairings, published_relation,
)
from summarizer.pipeline import summarize_text
from summarizer.regions import RegionResolver
from summarizer.schemas import Relation

ROWS = published_pairings()


def test_every_row_cites_a_document_and_an_address():
    assert len(ROWS) >= 100
    for row in ROWS:
        document, _, address = row.source.partition(" | ")
        assert document and address.startswith("http"), row


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.helper}-{r.recipient}-{r.period}")
def test_every_name_still_resolves_to_its_code(row):
    for name, code in ((row.helper, row.helper_adcode), (row.recipient, row.recipient_adcode)):
        candidates = {RegionResolver(name).resolve(name).adcode}
        # A county or district name shared across provinces (江北区): its code must be one of the name's units.
        candidates |= {RegionResolver(name).gaz.adcode(c) for c in RegionResolver(name).gaz.candidates(name)}
        assert code in candidates, (name, code)
    assert row.helper_adcode[:2] != row.recipient_adcode[:2] or row.programme.startswith("省内")


def test_the_programmes_the_issue_names_are_all_there():
    programmes = {row.programme for row in ROWS}
    assert {"东西部扶贫协作", "东西部协作", "对口支援新疆", "对口支援西藏", "对口支援青海", "对口支援三峡库区"} <= programmes
    assert {row.period for row in ROWS if row.programme == "东西部扶贫协作"} >= {"2001-2010", "2016-2020"}


def test_a_row_covers_units_inside_its_places_never_the_province_around_a_city():
    assert published_direction("330226", "222426") is True  # 宁海县 -> 安图县, as listed
    assert published_direction("320115", "610102") is True  # any 江苏 place -> any 陕西 place
    assert published_direction("130802", "12") is False  # 承德 is helped by 天津 …
    assert published_direction("12", "13") is None  # … but 天津 -> 承德 says nothing about the rest of 河北
    assert helper_first("4401", "4205") is None  # 广州 and a 湖北 city: no published pair, no orientation
    assert published_relation("37", "653122") is Relation.counterpart_support  # 山东 -> 疏勒县 is 援疆 …
    assert published_relation("3716", "500236") is Relation.east_west  # … 山东 -> 重庆 east-west
    assert ("35", "64") in province_programmes() and ("12", "13") not in province_programmes()


def pairs(text):
    result = summarize_text(text, RulesBackend())
    return {(p.helper.name, p.recipient.name, p.relation.value) for p in result.pairings}


# Sentences per programme of the table: the recipient is named first, so only the table orients it.
PROGRAMME_SENTENCES = {
    "东西部扶贫协作": [
        ("宁夏回族自治区与福建省召开第九次联席会议，商定今年对口扶贫协作项目37个。",
         ("福建省", "宁夏回族自治区", "east_west")),  # province level, "A与B"
        ("黔西南布依族苗族自治州与宁波市签署对口帮扶协议，确定援建资金4600万元。",
         ("宁波市", "黔西南布依族苗族自治州", "east_west")),  # city level
        ("今年，安图县与宁海县深化对口帮扶，共建产业园区一个。", ("宁海县", "安图县", "east_west")),  # county level
    ],
    "东西部协作": [("甘肃省与山东省签订对口协作框架协议，共建车间58个。", ("山东省", "甘肃省", "east_west"))],
    "对口帮扶贵州": [("黔东南苗族侗族自治州与杭州市召开对口帮扶联席会议，商定项目15个。",
                  ("杭州市", "黔东南苗族侗族自治州", "east_west"))],
    "对口支援新疆": [
        ("莎车县与上海市举行对口支援座谈会，落实援建项目41个。", ("上海市", "莎车县", "counterpart_support")),
        ("兵团第十师与黑龙江省召开对口支援工作会议，确定项目19个。", ("黑龙江省", "兵团第十师", "counterpart_support")),
    ],
    "对口支援西藏": [("昌都市与天津市召开对口支援工作座谈会，签约项目23个。", ("天津市", "昌都市", "counterpart_support"))],
    "对口支援四省藏区": [("甘孜藏族自治州与广东省召开对口支援工作会议，确定项目11个。",
                    ("广东省", "甘孜藏族自治州", "counterpart_support"))],
    "对口支援青海": [("玉树藏族自治州与北京市召开对口支援联席会议，确定项目30个。",
                  ("北京市", "玉树藏族自治州", "counterpart_support"))],
    "对口支援三峡库区": [("万州区与上海市召开对口支援联席会议，签订项目协议8份。", ("上海市", "万州区", "counterpart_support"))],
}


def test_every_programme_of_the_table_has_its_test_sentences():
    assert set(PROGRAMME_SENTENCES) == {row.programme for row in ROWS}


@pytest.mark.parametrize("text, expected", [case for cases in PROGRAMME_SENTENCES.values() for case in cases])
def test_each_programme_is_oriented_and_typed_by_the_table(text, expected):
    assert expected in pairs(text)


def test_a_bare_programme_abbreviation_names_its_published_pair():
    assert ("山东省", "甘肃省", "east_west") in pairs("今年以来，鲁甘协作不断走深，两省共建产业园区12个。")
    assert pairs("今年以来，闽宁镇的葡萄产业不断走深，新建酒庄3座。") == set()  # a town's name, not the programme


def test_two_programmes_joined_leave_the_choice_to_the_table():
    found = pairs("今年东营市加大对巫溪县的对口支援和扶贫协作力度，投入资金900万元。")
    assert ("东营市", "巫溪县", "east_west") in found  # 山东 -> 重庆 is the published east-west pair


@pytest.mark.parametrize("text", [
    "湖北省某市向广州市输送劳动力3000人，帮助群众稳定就业。",  # labour going east is no aid
    "两地将深化京津冀合作，推动天津市与河北省产业协同发展。",  # regional cooperation, no published pair
])
def test_no_pairing_is_invented_without_wording_or_a_published_pair(text):
    assert pairs(text) == set()


def test_school_after_a_local_school_is_that_school_not_the_university():
    found = pairs("中国农业大学定点帮扶镇康县。勐捧镇中心小学建在镇上，学校结对帮扶南伞镇的20户困难家庭。")
    assert ("中国农业大学", "镇康县", "designated") in found
    assert not [p for p in found if p[0] == "中国农业大学" and p[1] == "南伞镇"]


def test_pairing_reversed_cites_the_published_pair():
    result = summarize_text("上海市对口支援莎车县，落实援建项目41个。", RulesBackend())
    [pairing] = result.pairings
    flipped = pairing.model_copy(update={"helper": pairing.recipient, "recipient": pairing.helper})
    findings = run_checks(result.model_copy(update={"pairings": [flipped]}))
    [reversed_] = [c for c in findings if c.rule == "pairing_reversed"]
    assert "上海市" in reversed_.message and "莎车县" in reversed_.message and "对口支援新疆" in reversed_.message
    # 广州 and a 湖北 city are no published pair: the table does not call either direction reversed.
    other = summarize_text("广州市与襄阳市结对帮扶，共建产业园1个。", RulesBackend())
    assert not [c for c in run_checks(other) if c.rule == "pairing_reversed"]


def test_explain_says_why_a_pair_was_made_and_why_one_was_not():
    from summarizer.rules.pairings import explain_pairings
    decisions = explain_pairings("昌都市与天津市召开对口支援工作座谈会，签约项目23个。青禾集团帮扶了一批农户。")
    [made] = [d for d in decisions if d.made]
    assert (made.helper, made.recipient, made.relation) == ("天津市", "昌都市", "counterpart_support")
    assert any("published: 天津市 → 昌都市" in r for r in made.reasons)  # turned round by the table
    assert any("relation word" in r for r in made.reasons)
    [dropped] = explain_pairings("白水县帮助澄城县修建道路3公里。")  # no programme named anywhere
    assert not dropped.made and any("only a help verb" in r for r in dropped.reasons)


def test_summarize_explain_prints_the_decisions_and_refuses_json():
    from typer.testing import CliRunner

    from summarizer.cli import app
    runner = CliRunner()
    shown = runner.invoke(app, ["summarize", "-", "--explain", "-b", "rules", "--no-cache"],
                          input="莎车县与上海市举行对口支援座谈会，落实援建项目41个。\n")
    assert shown.exit_code == 0 and "Pairing decisions" in shown.stdout and "对口支援新疆" in shown.stdout
    refused = runner.invoke(app, ["summarize", "-", "--explain", "--json"], input="莎车县与上海市举行对口支援座谈会。\n")
    assert refused.exit_code == 2


def test_a_help_verb_between_a_published_pair_is_that_pairing_where_no_programme_is_named():
    # 杭州市 → 恩施州 is published: 杭州 building in a county of 恩施 is that pairing, with its relation
    assert pairs("今年杭州市援建巴东县村级卫生室6所。") == {("杭州市", "巴东县", "east_west")}
    # the place after 在 is where the help goes (上海市 → 遵义市 is published)
    assert pairs("上海市筹措资金200万元，在湄潭县实施援建项目3个。") == {("上海市", "湄潭县", "east_west")}
    # a province pair (浙江 → 四川) says nothing of two of their cities: no pairing from a help verb alone
    assert pairs("杭州市支持成都市举办展销会一场。") == set()
    # nor does a help verb between places no published row pairs
    assert pairs("白水县帮助澄城县修建道路3公里。") == set()
    # the place's people or firms are not the place (the published-pair route needs the place to act)
    assert pairs("杭州市的企业家们援助巴东县销售茶叶。") == set()
    assert pairs("来自杭州市的游客援助巴东县旅游发展。") == set()


def test_a_venue_after_zai_is_not_helped_by_a_help_verb_under_a_programme_headline():
    def under_headline(text):
        result = summarize_text("沪遵东西部协作成果展\n发布时间：2031-04-06\n" + text, RulesBackend())
        return {(p.helper.name, p.recipient.name) for p in result.pairings}
    assert under_headline("上海市在北京市举办展会支持遵义企业参展。") == set()
    assert under_headline("上海市在昆明市召开会议支持当地企业发展。") == set()
    assert ("上海市", "湄潭县") in under_headline("上海市筹措资金200万元，在湄潭县实施援建项目3个。")
