"""Every rule check, each on a correct result with one fault injected."""
import pytest

from summarizer.backends.rules import RulesBackend
from summarizer.checks import run_checks
from summarizer.pipeline import summarize_text
from summarizer.verify import drop_contradicted
from summarizer.schemas import Evidence, Indicator, Region, Severity

TEXT = """天津市和平区对口帮扶甘肃省靖远县

发布时间：2020-08-16 来源：白银新闻网

今年，天津市和平区对口帮扶靖远县，安排财政帮扶资金528.6万元。其中，安排资金401.6万元，扶持日光温室42座；安排资金127万元，实施基础设施建设。
天津市工商联拿出30万元支持防疫，向靖远县捐赠40万尾鱼苗，带动贫困人口12.7万人。就业率达到95%。
"""


@pytest.fixture
def result():
    r = summarize_text(TEXT, RulesBackend())
    assert [c for c in r.checks if c.severity is Severity.error] == []
    return r


def rules_at(result, path_prefix):
    return {c.rule for c in run_checks(result) if c.path.startswith(path_prefix) and c.severity is not Severity.info}


def fund(result, yuan):
    return next(i for i, f in enumerate(result.funds) if f.amount_yuan == yuan)


def test_correct_result_has_no_findings(result):
    assert run_checks(result) == []
    # The district's 对口帮扶, and the association that donates to the county (向靖远县捐赠).
    assert {(p.helper.name, p.recipient.name) for p in result.pairings} == {("和平区", "靖远县"), ("天津市工商联", "靖远县")}
    assert len(result.funds) == 4


@pytest.mark.parametrize("factor", [10, 1e4, 1e-4])
def test_amount_unit_slip(result, factor):
    i = fund(result, 300_000)
    result.funds[i].amount_yuan *= factor
    assert "amount_mismatch" in rules_at(result, f"funds[{i}]")


def test_amount_text_not_in_text(result):
    result.funds[0].amount_text = "999万元"
    assert {"amount_grounded", "evidence_value"} <= rules_at(result, "funds[0]")


def test_amount_that_is_a_count(result):
    i = fund(result, 300_000)
    result.funds[i].amount_text, result.funds[i].amount_yuan = "40万", 400_000
    result.funds[i].evidence = Evidence(text="向靖远县捐赠40万尾鱼苗", start=TEXT_OFFSET(result, "向靖远县捐赠40万尾鱼苗"),
                                        end=TEXT_OFFSET(result, "向靖远县捐赠40万尾鱼苗") + 12)
    assert "amount_is_count" in rules_at(result, f"funds[{i}]")


def TEXT_OFFSET(result, quote):
    return result.article.text.index(quote)


def test_negative_amount(result):
    result.funds[0].amount_yuan = -result.funds[0].amount_yuan
    assert "amount_negative" in rules_at(result, "funds[0]")


def test_evidence_offsets_shifted_or_out_of_range(result):
    ev = result.funds[0].evidence
    result.funds[0].evidence = ev.model_copy(update={"start": ev.start + 3, "end": ev.end + 3})
    result.pairings[0].evidence = ev.model_copy(update={"start": 10**6, "end": 10**6 + 5})
    assert "evidence_offsets" in rules_at(result, "funds[0]")
    assert "evidence_offsets" in rules_at(result, "pairings[0]")


def test_region_not_in_text(result):
    result.pairings[0].recipient = Region(name="望谟县")
    assert "region_in_text" in rules_at(result, "pairings[0]")


def test_helper_is_recipient(result):
    result.pairings[0].recipient = result.pairings[0].helper
    assert "helper_is_recipient" in rules_at(result, "pairings[0]")


def test_reversed_pairing(result):
    p = result.pairings[0]
    p.helper, p.recipient = p.recipient, p.helper
    assert "pairing_reversed" in rules_at(result, "pairings[0]")


def test_reversed_pairing_from_passive_wording():
    text = "靖远县接受天津市和平区的帮扶。\n"
    r = summarize_text("标题\n\n发布时间：2031-04-06\n\n" + text, RulesBackend())
    from summarizer.relations import wording_direction
    assert wording_direction(text, "和平区", "靖远县") is True
    assert wording_direction(text, "靖远县", "和平区") is False
    assert r is not None


def test_a_party_brought_in_by_yu_is_not_the_one_helped():
    from summarizer.relations import wording_direction
    # "甲市对口乙州协作工作组与甲市民政局会商": 甲市 after 与 is a partner in the talks, not helped
    text = "东部对口西州扶贫协作工作组近日与东市民政局会商追加资金。"
    assert wording_direction(text, "东市", "西州") is not False


def test_the_party_a_relative_clause_ends_on_is_the_helper_not_the_one_helped():
    from summarizer.relations import wording_direction
    # "结对帮扶该村的某局": the office after 的 does the helping; the word's object (该村) stands for the village
    text = "白岭村的茶园长势良好，这是结对帮扶该村的东市农业局引进的项目。"
    assert wording_direction(text, "东市农业局", "白岭村") is not False
    # "支持某厅帮扶的两个村": the office is the agent of a clause naming what 支持 is for
    text = "经某厅协调，东市向白岭村捐赠50万元，用于支持某厅帮扶的这个村修建水渠。"
    assert wording_direction(text, "某厅", "白岭村") is not False


def test_wording_never_turns_round_a_pair_the_published_pairings_orient(result):
    from summarizer.schemas import Evidence, Pairing, Region
    quote = "每年都有宁夏学生经由闽宁协作项目前往福建学习技能。"
    result.article.text += quote
    start = result.article.text.index(quote)
    result.pairings = [Pairing(helper=Region(name="福建", adcode="350000"), recipient=Region(name="宁夏", adcode="640000"),
                               relation="east_west", evidence=Evidence(text=quote, start=start, end=start + len(quote)))]
    assert "pairing_reversed" not in rules_at(result, "pairings[0]")


def test_year_out_of_range(result):
    result.funds[0].year = 1890
    assert "year_plausible" in rules_at(result, "funds[0]")
    result.funds[0].year = 2030
    assert "year_plausible" in rules_at(result, "funds[0]")


def test_percentage_over_100(result):
    measure = result.measures[0]
    measure.indicators.append(Indicator(name="就业率", value=195, unit="%"))
    j = len(measure.indicators) - 1
    assert any(c.rule == "percentage_range" and c.severity is Severity.error and c.path.endswith(f"indicators[{j}]")
               for c in run_checks(result))


def test_sub_allocations_exceeding_total(result):
    total = fund(result, 5_286_000)
    parts = [i for i, f in enumerate(result.funds) if f.part_of == total]
    result.funds[total].amount_yuan = 4_000_000
    result.funds[total].amount_text = "400万元"
    # parts that each fit but add up past the total may be two breakdowns of it: a warning, never a re-ask
    summed = [c for c in run_checks(result) if c.rule == "sub_allocation"]
    assert summed and all(c.severity is Severity.warning and c.path == f"funds[{total}]" for c in summed)
    result.funds[total].amount_yuan = 1_000_000
    result.funds[total].amount_text = "100万元"
    larger = [c for c in run_checks(result) if c.rule == "sub_allocation" and c.severity is Severity.error]
    assert {c.path for c in larger} == {f"funds[{i}]" for i in parts if result.funds[i].amount_yuan > 1_000_000}


def test_sub_allocations_within_rounding_pass(result):
    assert "sub_allocation" not in {c.rule for c in run_checks(result)}


def test_duplicate_fund(result):
    result.funds.append(result.funds[0].model_copy(deep=True))
    assert "duplicate_record" in rules_at(result, f"funds[{len(result.funds) - 1}]")


def test_dropping_contradicted_records_is_reported(result):
    i = fund(result, 300_000)
    result.funds[i].amount_yuan = 3_000_000
    before = len(result.funds)
    reports = drop_contradicted(result)
    assert len(result.funds) == before - 1
    assert [r.rule for r in reports] == ["record_dropped"] and "30万元" in reports[0].message
    # the parts still point at their total after re-indexing
    total = fund(result, 5_286_000)
    assert [f.part_of for f in result.funds if f.part_of is not None] == [total, total]
