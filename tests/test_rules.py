"""The offline backend: seed regression against gold, and articles it has never seen."""
import asyncio

import pytest

from summarizer.backends.rules import RulesBackend
from summarizer.checks import run_checks
from summarizer.clean import clean
from summarizer.evaluate import evaluate, load_gold
from summarizer.pipeline import Pipeline, summarize_text
from summarizer.report import build_report
from summarizer.schemas import Category, FundKind, FundStatus, Relation

from gold_answers import GOLD

BARS = {"pairing_f1": 0.90, "fund_f1": 0.90, "measure_f1": 0.80, "metadata_accuracy": 0.95}


@pytest.fixture(scope="module")
def seed_results(seeds):
    pipeline = Pipeline(RulesBackend())
    return {p.stem: asyncio.run(pipeline.run_source(str(p))).result for p in seeds}


def test_seed_scores_meet_the_bars(seed_results):
    metrics = evaluate(load_gold(GOLD), seed_results).metrics()
    for name, bar in BARS.items():
        assert metrics[name] >= bar, (name, metrics[name])
    assert metrics["relation_accuracy"] >= 0.9 and metrics["kind_accuracy"] >= 0.9


def test_seed_records_pass_every_error_check(seed_results):
    for stem, result in seed_results.items():
        errors = [c for c in result.checks if c.severity.value == "error"]
        assert errors == [], (stem, errors)


def test_no_pairing_without_cross_region_relation(seed_results):
    # 004 talks of 结对帮扶干部 (cadres paired with households), not of regions helping regions.
    assert seed_results["004_9de2d279c88a392c"].pairings == []


def test_evidence_offsets_point_into_the_text(seed_results):
    for result in seed_results.values():
        for record in result.pairings + result.funds + result.measures:
            ev = record.evidence
            assert result.article.text[ev.start:ev.end] == ev.text


UNSEEN_EAST_WEST = """闵行区投入2000万元帮扶资金助力元阳县脱贫

2020-05-10 10:00 来源：闵行报

今年以来，上海市闵行区持续深化与云南省元阳县的东西部扶贫协作，投入财政帮扶资金2000万元，实施产业项目12个。
闵行区组织企业采购元阳县红米等农特产品1500万元，举办劳务协作培训班8期，培训贫困劳动力420人。
元阳县贫困户人均可支配收入达到8600元。闵行区还选派3名干部到元阳县挂职，向元阳县捐赠价值50万元的医疗设备。
"""

UNSEEN_DESIGNATED = """中国农业银行定点帮扶望谟县纪实

发布时间：2021-03-02

中国农业银行定点帮扶贵州省望谟县，几年来共向当地投入帮扶资金1.2亿元，发放扶贫小额信贷3.5亿元，支持当地茶叶和板栗产业。
该行还帮助销售农产品超过800万元，培训乡村干部1200人次。
"""


def test_unseen_east_west_article():
    result = summarize_text(UNSEEN_EAST_WEST, RulesBackend())
    assert result.article.title == "闵行区投入2000万元帮扶资金助力元阳县脱贫"
    assert result.article.published == "2020-05-10" and result.article.outlet == "闵行报"
    [pairing] = result.pairings
    assert (pairing.helper.name, pairing.recipient.name, pairing.relation) == ("闵行区", "元阳县", Relation.east_west)
    assert pairing.helper.adcode == "310112"
    funds = {f.amount_yuan: f for f in result.funds}
    assert set(funds) == {20_000_000, 15_000_000, 500_000}  # not the 8600元 per-capita income
    assert funds[20_000_000].kind is FundKind.fiscal
    assert funds[15_000_000].kind is FundKind.procurement
    assert funds[500_000].kind is FundKind.donation and funds[500_000].recipient == "元阳县"
    categories = {m.category for m in result.measures}
    assert {Category.industry, Category.consumption, Category.employment, Category.talent} <= categories
    values = {i.value for m in result.measures for i in m.indicators}
    assert {12, 8, 420, 3} <= values


def test_unseen_designated_assistance_by_a_company():
    result = summarize_text(UNSEEN_DESIGNATED, RulesBackend())
    [pairing] = result.pairings
    assert pairing.helper.name == "中国农业银行" and pairing.recipient.name == "望谟县"
    assert pairing.relation is Relation.designated and pairing.recipient.adcode == "522326"
    kinds = {f.amount_yuan: f.kind for f in result.funds}
    # CONTRACT.md: fiscal is money from a government budget; an enterprise's (a bank's) is social.
    assert kinds[120_000_000] is FundKind.social
    assert kinds[350_000_000] is FundKind.credit
    assert kinds[8_000_000] is FundKind.procurement
    assert Category.finance in {m.category for m in result.measures}


def test_sub_allocations_point_at_their_total():
    text = ("甲区对口帮扶乙县\n\n发布时间：2031-04-06\n\n天津市和平区安排财政帮扶资金500万元。"
            "其中，安排资金300万元用于产业；安排资金200万元用于基础设施。")
    result = summarize_text(text, RulesBackend())
    by_amount = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    total = by_amount[5_000_000]
    assert result.funds[by_amount[3_000_000]].part_of == total
    assert result.funds[by_amount[2_000_000]].part_of == total
    assert result.funds[total].part_of is None


@pytest.mark.parametrize("text, parts, total", [
    # a paragraph opening on 其中 breaks down the paragraph before it
    ("甲省援助乙州\n\n发布时间：2031-04-06\n\n甲省对口支援乙州，今年安排援助资金8亿元。\n\n"
     "其中：教育项目安排资金3亿元；产业项目安排资金5亿元。", (300_000_000, 500_000_000), 800_000_000),
    # an amount with a realised rate is a part of the sum it is that share of
    ("甲市对口帮扶乙县\n\n发布时间：2031-08-06\n\n甲市对口帮扶乙县，今年安排帮扶资金6亿元，另有社会捐赠1亿元。"
     "截至7月底，累计到位帮扶资金2.7亿元，资金到位率45%。", (270_000_000,), 600_000_000),
])
def test_parts_written_apart_from_their_total_point_at_it(text, parts, total):
    result = summarize_text(text, RulesBackend())
    by_amount = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    assert all(result.funds[by_amount[part]].part_of == by_amount[total] for part in parts)


@pytest.mark.parametrize("text, part, total", [
    # the share is written after the part, the sum it is a share of comes in the next paragraph
    ("甲省对口支援乙州\n\n发布时间：2031-04-06\n\n今年，教育项目投入援助资金4.2亿元，教育项目投入占80%以上。\n\n"
     "截至年底，甲省到位援助资金5亿元，另有企业投资9亿元。", 420_000_000, 500_000_000),
    ("甲省对口支援乙州\n\n发布时间：2031-04-06\n\n甲省今年拨付援助资金6亿元。医疗项目投入援助资金1.1亿元，占全年援助资金的20%。",
     110_000_000, 600_000_000),
    # no sum it is that share of: no part
    ("甲省对口支援乙州\n\n发布时间：2031-04-06\n\n甲省今年拨付援助资金6亿元。医疗项目投入援助资金3亿元，占全年援助资金的20%。",
     300_000_000, None),
])
def test_an_amount_said_to_be_a_share_of_a_sum_is_a_part_of_it(text, part, total):
    result = summarize_text(text, RulesBackend())
    index = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    assert result.funds[index[part]].part_of == (index[total] if total else None)


def test_a_part_of_a_signed_sum_is_signed_and_a_benefit_is_no_fund():
    text = ("标题\n发布时间：2031-04-06\n甲集团与乙县签订帮扶合同，合同金额为300万元，其中资助乡村学校100万元，"
            "已拨付修路资金50万元。组织员工到乙县考察疗养，带来的效益超过80万元。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert set(funds) == {3_000_000, 1_000_000, 500_000}
    assert funds[1_000_000].status is FundStatus.agreed  # no word of its own: as the sum it is part of
    assert funds[500_000].status is FundStatus.paid  # 已拨付 says it was paid


def test_an_amounts_recipient_after_it_is_never_past_the_next_amount():
    text = ("标题\n发布时间：2031-04-06\n甲省预拨援助资金5亿元。\n在住房方面，投资3亿元，建设安置房；"
            "教育方面，投资8000万元，为会宁县新建教学楼。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert funds[300_000_000].recipient is None and funds[80_000_000].recipient == "会宁县"
    index = {f.amount_yuan: i for i, f in enumerate(summarize_text(text, RulesBackend()).funds)}
    assert funds[300_000_000].part_of == funds[80_000_000].part_of == index[500_000_000]  # 在…方面 lists parts


@pytest.mark.parametrize("text, part, total", [
    # 其中 in the first sentence of the next paragraph reaches the total the paragraph before gave
    ("甲省援助乙州\n\n发布时间：2031-04-06\n\n今年甲省援建项目共30个，安排援助资金9亿元。\n\n"
     "项目围绕民生和产业等领域，其中住房类项目10个，安排援助资金4亿元；产业类项目8个，安排援助资金3亿元。",
     400_000_000, 900_000_000),
    # the share written before the amount (超过80%的…资金)
    ("甲省援助乙州\n\n发布时间：2031-04-06\n\n今年甲省安排援助资金共计9亿元。超过80%的援助资金用于乙州的贫困乡镇，"
     "共计安排援助资金7.5亿元。", 750_000_000, 900_000_000),
    # X中有Y names its sum, wherever that was first recorded
    ("甲省援助乙州\n\n发布时间：2031-04-06\n\n甲省今年提供援助资金9亿元，其中乙州6亿元、丙州3亿元。\n\n"
     "在丙州，甲省投入的3亿元中有1亿元用于修路。", 100_000_000, 300_000_000),
])
def test_parts_of_a_total_said_in_other_ways(text, part, total):
    funds = summarize_text(text, RulesBackend()).funds
    by_amount = {f.amount_yuan: i for i, f in enumerate(funds)}
    assert funds[by_amount[part]].part_of is not None
    assert funds[funds[by_amount[part]].part_of].amount_yuan == total


def test_a_run_of_breakdown_paragraphs_reaches_the_total_before_the_run_and_never_a_sibling():
    text = ("标题\n发布时间：2031-04-06\n甲市今年投入帮扶资金1亿元。\n在产业方面，投入帮扶资金3000万元。\n"
            "在教育方面，投入帮扶资金5000万元。\n在医疗方面，投入帮扶资金1000万元。")
    funds = summarize_text(text, RulesBackend()).funds
    index = {f.amount_yuan: i for i, f in enumerate(funds)}
    assert [funds[index[y]].part_of for y in (30_000_000, 50_000_000, 10_000_000)] == [index[100_000_000]] * 3


@pytest.mark.parametrize("text, part", [
    # another year's money is no part of this year's total
    ("标题\n发布时间：2031-04-06\n2030年甲市投入财政帮扶资金8000万元。\n在资金支持方面，2031年甲市投入帮扶资金5000万元。",
     50_000_000),
    # a share of people is no share of money
    ("标题\n发布时间：2031-04-06\n甲市今年投入帮扶资金1亿元。乙县获得帮扶资金8500万元，受益群众占全县贫困人口的85%。",
     85_000_000),
    # a share that would push the parts past their total is not taken
    ("标题\n发布时间：2031-04-06\n甲省今年安排援助资金10亿元，其中产业项目6亿元、教育项目3亿元。"
     "用于民生的援助资金9亿元，占全年援助资金的90%。", 900_000_000),
])
def test_no_part_of_a_total_it_cannot_be_part_of(text, part):
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert funds[part].part_of is None


def test_a_spending_rate_leaves_the_sum_paid_and_a_past_part_of_a_running_plan_paid():
    spent = ("标题\n发布时间：2031-04-06\n今年甲市向乙州投入财政帮扶资金10亿元，目前已支出帮扶资金9亿元，资金支出率90%。")
    assert {f.amount_yuan: f.status for f in summarize_text(spent, RulesBackend()).funds}[1_000_000_000] is FundStatus.paid
    plan = "标题\n发布时间：2032-04-06\n2030至2034年，甲市共向乙州安排财政帮扶资金3亿元，其中2031年投入8000万元。"
    funds = {f.amount_yuan: f for f in summarize_text(plan, RulesBackend()).funds}
    assert funds[300_000_000].status is FundStatus.planned and funds[80_000_000].status is FundStatus.paid


def test_the_next_sentence_giving_money_with_the_running_totals_verb_goes_on_breaking_it_down():
    text = ("甲省援助乙区\n发布时间：2031-04-06\n甲省高度重视援助工作，多次召开专题会议。十年来，甲省共筹措援助资金9亿元，其中省本级5亿元，建成学校40所。"
            "丙丁两市筹措资金2亿元，分别援助乙区两个县。丙市还投入1亿元修建医院。")
    result = summarize_text(text, RulesBackend())
    index = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    two = result.funds[index[200_000_000]]
    assert (two.part_of, two.cumulative) == (index[900_000_000], True)
    assert result.funds[index[100_000_000]].part_of is None  # another verb, another sentence apart: its own money


def test_the_parts_of_a_planned_sum_written_after_them_are_planned_unless_they_say_otherwise():
    text = ("标题\n发布时间：2031-04-06\n按照协议测算，甲市援建任务指标为12亿元，甲市又追加援助资金3亿元，"
            "使援建资金总规模达15亿元。乙市援建任务指标为5亿元，已拨付资金2亿元，合计7亿元。")
    result = summarize_text(text, RulesBackend())
    status = {f.amount_yuan: f.status for f in result.funds}
    assert status[300_000_000] is FundStatus.planned  # a top-up of a plan, no status of its own
    assert status[200_000_000] is FundStatus.paid  # 已拨付: said as paid


def test_a_sum_written_after_its_parts_has_them_as_parts():
    text = ("标题\n发布时间：2031-04-06\n甲市商会捐赠8万元、乙市商会捐赠4万元、丙县商会捐赠3万元，合计15万元。"
            "丁公司捐赠2万元、戊公司捐赠1万元，共计5万元。")
    result = summarize_text(text, RulesBackend())
    index = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    assert [result.funds[index[y]].part_of for y in (80_000, 40_000, 30_000)] == [index[150_000]] * 3
    assert {f.amount_yuan: f.part_of for f in result.funds}[50_000] is None  # 2万+1万 is not 5万: no parts
    assert build_report([result]).headline.aid_yuan == 150_000 + 50_000 + 20_000 + 10_000


def test_a_yearly_gift_is_a_fund_and_a_yearly_wage_is_not():
    text = "标题\n发布时间：2031-04-06\n甲集团每年向乙村捐赠15万元。乙村务工人员每年工资收入3万元。"
    assert [f.amount_yuan for f in summarize_text(text, RulesBackend()).funds] == [150_000]


def test_a_count_with_duo_is_no_comparison_and_a_yearly_rate_is_no_running_total():
    text = ("标题\n发布时间：2031-04-06\n甲集团为家庭较为困难的200多户发放补助资金50万元。"
            "2025年以来，甲集团每年为会宁县东山镇乙村捐赠人民币15万元，五年共计75万元。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert 500_000 in funds
    assert funds[150_000].cumulative is False and funds[750_000].cumulative is True


def test_a_part_with_no_kind_of_its_own_is_of_its_totals_kind_and_a_difference_is_no_fund():
    text = ("标题\n发布时间：2031-04-06\n甲市今年投入财政援助资金6亿元，其中有2亿元用在了乙县的学校。"
            "甲市援助资金较上年增长1.5亿元。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert set(funds) == {600_000_000, 200_000_000}
    assert funds[200_000_000].kind is FundKind.fiscal


def test_a_realised_rate_makes_the_sum_it_points_at_arranged_money():
    text = ("甲市对口帮扶乙县\n\n发布时间：2031-08-06\n\n2031年，甲市共安排帮扶项目40个，帮扶资金5亿元，"
            "截至年底，项目全部开工，到位帮扶资金4.6亿元，到位资金率92%。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert funds[500_000_000].status is FundStatus.planned
    assert funds[460_000_000].status is FundStatus.paid and funds[460_000_000].part_of is not None


def test_a_paragraph_opening_among_the_projects_lists_parts_of_the_total_before_it():
    text = ("甲省援助乙州\n\n发布时间：2031-04-06\n\n今年，甲省安排援助资金9亿元，项目总投资30亿元。\n\n"
            "在今年的援助项目中，安排2亿元用于住房。在产业方面，安排援助资金3亿元。"
            "在教育方面，安排援助资金1.5亿元，其中，新建幼儿园安排资金4000万元。")
    result = summarize_text(text, RulesBackend())
    index = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    part_of = {f.amount_yuan: f.part_of for f in result.funds}
    assert part_of[200_000_000] == part_of[300_000_000] == part_of[150_000_000] == index[900_000_000]
    assert part_of[40_000_000] == index[150_000_000]  # a part of a part
    assert part_of[900_000_000] is None and part_of[3_000_000_000] is None


@pytest.mark.parametrize("sentence, kind", [
    ("丙集团定点帮扶丁县，引进帮扶资金3000万元。", FundKind.other),  # brought in from others, not its own
    ("丙集团定点帮扶丁县，协调引进资金800多万元。", FundKind.other),
    ("丙能源集团定点帮扶丁县，直接投入帮扶资金3000万元。", FundKind.social),
    ("丁县援建项目12个，完成投资4.5亿元。", FundKind.investment),  # a project's whole cost, not only aid
    ("甲市引导沪企到丁县兴业，投资已达8亿元。", FundKind.investment),  # drawn in from others
    ("今年甲市招引产业项目30个，实际投资12亿元。", FundKind.investment),
    ("甲市投资600万元为丁县修建水渠。", FundKind.fiscal),  # a city's own spending on a work
    ("今年甲市9家国企在丁县的产业合作项目开工，到位资金3500万元。", FundKind.investment),  # the firms' own projects
    ("甲市投资300万元，硬化丁县某村农业园区道路8公里。", FundKind.fiscal),  # an aid work in a farming park
    ("丁县工业园区今年新增投资2亿元。", FundKind.investment),  # a park of firms
    ("甲市推动12个帮扶单位购销丁县农副产品1.5亿元。", FundKind.procurement),  # bought and sold, not given
    ("全市参与帮扶的非公经济组织120家，结对帮扶贫困村60个，已投入资金900万元。", FundKind.social),  # not a budget's
    ("甲市援助丁县的产业项目开工，到位帮扶资金3500万元。", FundKind.fiscal),
    # ministries, state firms and universities together: neither a budget's nor firms' only
    ("今年28家中央单位向西岭省各定点县直接投入帮扶资金9.2亿元。", FundKind.other),
    ("今年中央单位向丁县捐赠物资折款300万元。", FundKind.donation),  # a gift stays a gift
    ("今年中央和国家机关向丁县直接投入帮扶资金3000万元。", FundKind.fiscal),  # public bodies alone
    # aid money by its own name, not what it bought or the firms it went with
    ("甲区结对帮扶丁县以来，拿出600万元东西部协作资金购买母牛200头。", FundKind.fiscal),
    ("丁县投入扶贫合作资金500万元，与两家养殖有限公司合作养牛。", FundKind.fiscal),
    ("甲市推动12个帮扶单位采购丁县农副产品1.5亿元扶贫产品。", FundKind.procurement),
])
def test_what_kind_of_money_an_amount_is(sentence, kind):
    [fund] = summarize_text("标题\n发布时间：2031-04-06\n" + sentence, RulesBackend()).funds
    assert fund.kind is kind


def test_a_projects_whole_cost_with_a_share_from_a_party_is_no_ones_aid():
    text = ("标题\n发布时间：2031-04-06\n某村的文化广场去年建成，工程投入资金80万元，其中20万元来自结对帮扶该村的甲市。")
    funds = summarize_text(text, RulesBackend()).funds
    assert [(f.amount_yuan, f.kind, f.part_of) for f in funds] == [(800_000, FundKind.other, None),
                                                                   (200_000, FundKind.fiscal, 0)]
    own = "标题\n发布时间：2031-04-06\n甲市结对帮扶乙县。今年甲市共投入资金2亿元，其中1.5亿元来自区级财政。"
    assert summarize_text(own, RulesBackend()).funds[0].kind is FundKind.fiscal  # a budget level is no other party


def test_a_department_helping_a_place_inside_its_own_region_is_an_organisation():
    text = ("标题\n发布时间：2031-04-06\n今年以来，湘西州民政局结对帮扶泸溪县，为泸溪县捐赠帮扶资金30万元。")
    pairs = [(p.helper.name, p.helper.level.value, p.recipient.name, p.relation)
             for p in summarize_text(text, RulesBackend()).pairings]
    assert pairs == [("湘西州民政局", "other", "泸溪县", Relation.designated)]  # the unit's designated help
    # an aid office acts for its place, and a place outside the region makes no department an organisation
    text = "标题\n发布时间：2031-04-06\n今年以来，宁波市民政局结对帮扶泸溪县，为泸溪县捐赠帮扶资金30万元。"
    assert [p.helper.level.value for p in summarize_text(text, RulesBackend()).pairings] == ["city"]
    budget = "标题\n发布时间：2031-04-06\n今年以来，湘西州教育局定点帮扶泸溪县，投入资金30万元。"
    assert [f.kind for f in summarize_text(budget, RulesBackend()).funds] == [FundKind.fiscal]  # a department's money


def test_a_round_figure_of_a_sum_said_before_is_that_sum():
    text = ("标题\n发布时间：2031-04-06\n甲省拟安排援助资金30150万元、项目120个对口支援乙州。\n"
            "3亿援助资金120个项目助力乙州发展。")
    funds = summarize_text(text, RulesBackend()).funds
    assert [(f.amount_yuan, f.status) for f in funds] == [(301_500_000, FundStatus.planned)]
    two = "标题\n发布时间：2031-04-06\n甲市向乙州捐赠1008万元用于修路。甲市还向乙州捐赠1000万元用于建学校。"
    assert len(summarize_text(two, RulesBackend()).funds) == 2  # another gift (还), not the first one rounded


def test_one_sum_in_two_years_is_two_records():
    text = ("标题\n发布时间：2031-04-06\n会上通报了两年的帮扶情况。2030年，甲县将800万元财政帮扶资金用于丁县学校建设。"
            "2031年，甲县计划把800万元帮扶资金投向丁县的产业项目。")
    funds = summarize_text(text, RulesBackend()).funds
    assert [(f.year, f.status) for f in funds] == [(2030, FundStatus.paid), (2031, FundStatus.planned)]

def test_the_parts_of_money_a_mixed_group_of_givers_put_in_are_of_its_kind():
    text = "标题\n发布时间：2031-04-06\n今年中央单位向丁县投入帮扶资金9.2亿元，其中，投入产业帮扶资金5亿元，教育帮扶资金2亿元。"
    result = summarize_text(text, RulesBackend())
    assert {f.amount_text: f.kind for f in result.funds} == {"9.2亿元": FundKind.other, "5亿元": FundKind.other,
                                                             "2亿元": FundKind.other}
    assert build_report([result]).headline.aid_yuan == 0  # nothing of it counted twice, or as a budget's



def test_an_organisation_signing_a_help_agreement_with_a_place_helps_it():
    text = "标题\n发布时间：2031-04-06\n北辰能源集团与会宁县签订2031年帮扶协议，约定援建乡村学校两所。"
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings] == [
        ("北辰能源集团", "会宁县")]


def test_a_central_units_role_names_designated_help():
    text = "标题\n发布时间：2031-04-06\n北辰能源集团作为帮扶会宁县的中央定点企业，今年采购当地农产品300万元。"
    [pairing] = summarize_text(text, RulesBackend()).pairings
    assert (pairing.helper.name, pairing.recipient.name, pairing.relation) == ("北辰能源集团", "会宁县",
                                                                               Relation.designated)


def test_wo_sheng_is_the_province_the_outlet_is_named_after():
    text = "援建学校落成\n2031-04-06 来源：辽宁日报\n我省今年对口支援塔城地区，援建的学校已经落成。"
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.adcode, p.recipient.name) for p in result.pairings] == [("210000", "塔城地区")]
    elsewhere = "援建学校落成\n2031-04-06 来源：某某晚报\n我省今年对口支援塔城地区，援建的学校已经落成。"
    assert summarize_text(elsewhere, RulesBackend()).pairings == []  # no outlet to say which province


def test_a_city_papers_wo_sheng_is_its_province_and_a_gift_before_a_help_verb_pairs():
    text = ("某某网-铜川日报讯(记者 某某)东莞市又一次捐赠96.5万元，帮助我省的12个县的贫困学生完成学业。铜川市王益区的"
            "200名学生将获资助。")
    result = summarize_text(text, RulesBackend())
    assert result.article.outlet == "铜川日报"  # a site's name before the paper's dateline
    assert [(p.recipient.name, p.recipient.adcode) for p in result.pairings] == [("我省", "610000")]
    other = "某某网-铜川日报讯(记者 某某)东莞市一位企业家又一次捐赠96.5万元，帮助我省的12个县的贫困学生完成学业。铜川市王益区的200名学生将获资助。"
    assert summarize_text(other, RulesBackend()).pairings == []  # someone else's gift, not the city's
    plain = "某某网-铜川日报讯(记者 某某)东莞市今年帮助我省的12个县的贫困学生完成学业。铜川市王益区的200名学生将获资助。"
    assert summarize_text(plain, RulesBackend()).pairings == []  # a help verb alone, no programme, no gift


def test_a_count_of_units_after_a_listed_place_keeps_the_list_going():
    text = "标题\n发布时间：2031-04-06\n辽宁省对口支援塔城地区七县一市、农九师，今年新建学校两所。"
    assert {p.recipient.name for p in summarize_text(text, RulesBackend()).pairings} == {"塔城地区", "农九师"}


def test_a_group_named_as_giver_is_the_donor():
    text = "标题\n发布时间：2031-04-06\n2030年，东部地区共投入财政援助资金200亿元，中央单位向定点帮扶县投入帮扶资金50亿元。"
    result = summarize_text(text, RulesBackend())
    assert [f.donor for f in result.funds] == ["东部地区", "中央单位"]
    headline = build_report([result]).headline  # the article names who gives: not listed apart
    # (中央单位's money is of mixed givers, `other`: not in the aid headline, among the other kinds)
    assert (headline.aid_yuan, headline.apart_yuan) == (20_000_000_000, 0)
    assert headline.not_aid_by_kind.get("other") == 5_000_000_000


def test_a_company_named_in_full_is_the_giver_where_its_short_name_stands_alone():
    text = ("标题\n发布时间：2031-04-06\n宏远集团去年起结对帮扶甲省乙县。今年3月，宏远将帮扶范围扩大至全市，"
            "再无偿投入资金5亿元。")
    [fund] = summarize_text(text, RulesBackend()).funds
    assert (fund.donor, fund.kind) == ("宏远集团", FundKind.social)  # a company's money is never a budget's
    longer = "标题\n发布时间：2031-04-06\n宏远集团去年起结对帮扶甲省乙县。今年，宏远大厦的业主投入资金5亿元。"
    assert summarize_text(longer, RulesBackend()).funds[0].donor != "宏远集团"  # 宏远大厦: another name


def test_two_places_named_as_the_two_sides_of_a_relation_are_paired_by_the_published_table():
    text = "标题\n发布时间：2031-04-06\n今年召开座谈会，总结临夏州、厦门市两地扶贫协作的经验，两地干部参加。"
    pairs = [(p.helper.name, p.recipient.name, p.relation) for p in summarize_text(text, RulesBackend()).pairings]
    assert pairs == [("厦门市", "临夏州", Relation.east_west)]
    listed = "标题\n发布时间：2031-04-06\n临夏州今年召开座谈会，临夏、厦门的企业参加扶贫协作洽谈，厦门市派出干部12名。"
    assert ("厦门", "临夏") not in [(p.helper.name, p.recipient.name) for p in summarize_text(listed, RulesBackend()).pairings]


def test_a_gift_in_a_donation_sentence_is_a_donation():
    text = "标题\n发布时间：2031-04-06\n甲县商会向乙村小学捐赠图书500册，并为该村考上大学的学生提供5万元奖学金。"
    assert [f.kind for f in summarize_text(text, RulesBackend()).funds] == [FundKind.donation]


def test_a_published_pair_named_in_one_sentence_with_its_relation_word_is_a_pairing():
    text = ("年度计划下达\n\n发布时间：2031-04-06\n\n"
            "近日，江苏省有关部门下达年度援疆项目计划，伊犁哈萨克自治州今年实施援疆项目120个，安排援疆资金9亿元。")
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name, p.relation) for p in result.pairings] == [
        ("江苏省", "伊犁哈萨克自治州", Relation.counterpart_support)]


def test_a_list_joined_by_yu_before_the_relation_word_is_helped_place_by_place():
    text = ("结对活动\n\n发布时间：2031-04-06\n\n"
            "近日，江苏省南通市总商会与平昌县白衣镇金山村、驷马镇水井村签订结对帮扶协议，各捐赠3万元。"
            "南通市总商会还向两村赠送了农机具。")
    pairs = {(p.helper.name.removeprefix("江苏省"), p.recipient.name)
             for p in summarize_text(text, RulesBackend()).pairings}
    assert {("南通市总商会", "金山村"), ("南通市总商会", "水井村")} <= pairs
    assert not any(r in ("白衣镇", "驷马镇", "平昌县") for _, r in pairs)  # the last name of each chain


def test_a_list_before_yu_is_paired_with_the_place_after_it():
    text = ("结对名单\n\n发布时间：2031-04-06\n\n名单如下：景泰县、古浪县与天津市南开区结对，各方签署协议。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert {("南开区", "景泰县"), ("南开区", "古浪县")} <= pairs


def test_a_comma_before_a_clause_with_its_own_relation_word_ends_a_list_of_recipients():
    text = ("两地协作\n\n发布时间：2031-04-06\n\n"
            "上海市闵行区对口帮扶西双版纳州，黔东南州与杭州市开展东西部协作，杭州市向黔东南州投入资金2亿元。")
    result = summarize_text(text, RulesBackend())
    assert {(p.helper.name, p.recipient.name) for p in result.pairings} == {("闵行区", "西双版纳州"), ("杭州市", "黔东南州")}
    assert [(f.donor, f.recipient) for f in result.funds] == [("杭州市", "黔东南州")]  # the place given to nearest the amount


def test_an_association_is_named_without_its_representative_and_oriented_by_its_home():
    text = ("侨界协作\n\n发布时间：2031-04-06\n\n"
            "会上，宁夏侨联与福建省侨联签订闽宁协作帮扶协议。陈某某代表福建省侨联向固原市原州区捐赠资金8万元，"
            "用于原州区乡村振兴项目。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert ("福建省侨联", "宁夏侨联") in pairs and ("福建省侨联", "原州区") in pairs  # 闽宁: 福建 helps 宁夏
    assert not any("代表" in h or r == "乡村" for h, r in pairs)


def test_names_that_only_look_like_places_or_organisations():
    from summarizer.regions import RegionResolver
    from summarizer.rules.pairing_places import places
    found = {p.region.name: p.region.level.value for p in places(RegionResolver.for_text(
        "东山市对口帮扶原州区助力乡村振兴，东山市归国华侨联合会参与，深圳市对口帮扶隆林县，该县旅游开发区域扩大。"))}
    assert "助力乡村" not in found and "原州区" in found  # no village named 乡村
    assert "东山市归国华侨联合会" in found  # 联合会, not 侨联 inside it
    assert found.get("隆林县") == "county"  # 隆林各族自治县
    assert not any(name.endswith("开发区") for name in found)  # 开发区域 is no zone


def test_a_place_name_inside_a_village_name_is_not_a_place():
    from summarizer.regions import RegionResolver
    from summarizer.rules.pairing_places import places
    text = "某公司向利通区金积镇青湖村乡村振兴项目捐赠。"
    names = [p.region.name for p in places(RegionResolver.for_text(text))]
    assert "青湖村" in names and "湖村乡" not in names and "乡村" not in names


def test_the_words_of_each_amount_in_a_list_say_its_kind():
    text = ("某集团定点帮扶\n\n发布时间：2031-04-06\n\n"
            "某某能源集团定点帮扶甲县，全年投入无偿帮扶资金1.2亿元、有偿帮扶资金6000万元，并捐赠贰拾万元用于助学。")
    kinds = {f.amount_text: f.kind for f in summarize_text(text, RulesBackend()).funds}
    assert kinds == {"1.2亿元": FundKind.social, "6000万元": FundKind.credit, "贰拾万元": FundKind.donation}


def test_two_lists_of_three_joined_by_yu_are_paired_in_order():
    text = ("结对关系\n\n发布时间：2031-04-06\n\n"
            "去年起，宁波市北仑区、鄞州区、余姚市与贵州省黔西南州兴义市、安龙县、册亨县结成东西部协作结对关系。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert pairs == {("北仑区", "兴义市"), ("鄞州区", "安龙县"), ("余姚市", "册亨县")}


def test_the_places_after_zai_are_helped_by_the_party_before_it():
    text = ("定点帮扶\n\n发布时间：2031-04-06\n\n"
            "某某电力集团根据国务院国资委部署，在甘肃宕昌和礼县、云南镇雄等3县扎实开展定点帮扶，投入资金3000万元。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    # 礼县 is written without its province between two placed names: not placed (left alone, see the README)
    assert pairs == {("某某电力集团", "宕昌"), ("某某电力集团", "镇雄")}


def test_zai_a_helper_xia_is_not_a_list_of_places_helped():
    text = "脱贫\n\n发布时间：2031-04-06\n\n望谟县在南明区的对口帮扶下，去年实现脱贫摘帽。"
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert pairs == {("南明区", "望谟县")}


def test_the_places_named_inside_a_recipient_are_the_recipients():
    text = ("援疆\n\n发布时间：2031-04-06\n\n按照部署，江苏省对口支援伊犁州的霍城县、察布查尔县和巩留县。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert pairs == {("江苏省", "霍城县"), ("江苏省", "察布查尔县"), ("江苏省", "巩留县")}


def test_a_part_named_as_of_an_earlier_sum_points_at_it():
    text = ("某集团捐赠\n\n发布时间：2031-04-06\n\n某某集团近日向甲省捐赠3000万元助力乡村振兴。\n\n"
            "捐资中的800万元，计划用于两个县的道路建设；捐资中的2200万元，将安排到产业项目。")
    funds = summarize_text(text, RulesBackend()).funds
    by_amount = {f.amount_yuan: (i, f) for i, f in enumerate(funds)}
    total, _ = by_amount[30_000_000]
    for part in (8_000_000, 22_000_000):
        assert by_amount[part][1].part_of == total and by_amount[part][1].status.value == "planned"


def test_the_party_named_after_a_role_the_sentence_opens_with_is_the_helper():
    text = ("定点帮扶\n\n发布时间：2031-04-06\n\n"
            "作为定点帮扶永胜县的中央企业，某某能源集团多年来选派干部驻村，累计投入帮扶资金2000万元。")
    pairs = {(p.helper.name, p.recipient.name) for p in summarize_text(text, RulesBackend()).pairings}
    assert ("某某能源集团", "永胜县") in pairs


def test_a_development_zone_is_a_helper_of_its_own_name():
    text = ("协议签署\n\n发布时间：2031-04-06\n\n"
            "近日，天津经济技术开发区与甘肃省两当县签署东西部协作框架协议。天津经济技术开发区今年投入帮扶资金1500万元。")
    result = summarize_text(text, RulesBackend())
    [pairing] = result.pairings
    assert (pairing.helper.name, pairing.recipient.name) == ("天津经济技术开发区", "两当县")
    assert [f.kind for f in result.funds] == [FundKind.fiscal]  # a zone's money is public, not social


def test_a_headline_amount_the_body_dates_as_a_span_is_cumulative():
    text = ("某市援藏\n\n发布时间：2031-04-06\n\n援藏投入资金3.6亿元，援建项目50个\n\n"
            "2015年以来，某市连续开展两轮对口援藏工作，已投入资金3.6亿元。")
    [fund] = summarize_text(text, RulesBackend()).funds
    assert fund.cumulative and fund.since == 2015


def test_an_organisation_named_with_and_without_its_region_is_one_helper():
    text = ("商会赴乙县\n\n发布时间：2031-04-06\n\n"
            "近日，浙江省台州市工商联一行赴四川省平昌县开展结对帮扶活动。台州市工商联向平昌县捐赠帮扶资金20万元。")
    pairings = summarize_text(text, RulesBackend()).pairings
    assert [(p.helper.name, p.recipient.name) for p in pairings] == [("浙江省台州市工商联", "平昌县")]  # the first reading


def test_summary_is_short_chinese_from_the_text():
    result = summarize_text(UNSEEN_EAST_WEST, RulesBackend())
    assert 10 <= len(result.summary) <= 230
    assert all(s in clean(UNSEEN_EAST_WEST).text for s in result.summary.split("。") if s)


@pytest.mark.parametrize("text, helper, recipient, relation", [
    ("东莞对口帮扶昭通\n发布时间：2020-10-12\n广东省东莞市对口帮扶云南省昭通市以来，累计拨付财政帮扶资金12.5亿元。",
     "东莞市", "昭通市", Relation.east_west),  # 对口帮扶 across east -> west provinces is 东西部协作
    ("闽宁协作二十五年\n发布时间：2021-04-01\n福建与宁夏开展闽宁协作，福建省累计向宁夏援助资金33亿元。",
     "福建", "宁夏", Relation.east_west),
    ("铜仁与苏州\n发布时间：2019-06-01\n贵州省铜仁市与江苏省苏州市开展东西部扶贫协作，苏州市投入帮扶资金3.2亿元。",
     "苏州市", "铜仁市", Relation.east_west),  # written west-first: oriented east -> west
    ("会宁县接受河西区帮扶\n发布时间：2020-05-13\n会宁县积极接受天津市河西区的帮扶，河西区今年安排帮扶资金4000万元。",
     "河西区", "会宁县", Relation.east_west),  # passive wording
    ("湖州对口支援青川\n发布日期：2018-06-12\n浙江省湖州市对口支援四川省青川县十年来，援助资金超过10亿元。",
     "湖州市", "青川县", Relation.counterpart_support),  # the body's names, not the headline's short ones
    ("苏陕挂钩\n发布时间：2011-02-01\n去年江苏省与陕西省深化挂钩扶贫协作，苏方全年拨付援助款3000万元。",
     "江苏省", "陕西省", Relation.east_west),  # 挂钩 between a published pair is its programme, not 定点帮扶
])
def test_unseen_pairing_wordings(text, helper, recipient, relation):
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name, p.relation) for p in result.pairings] == [(helper, recipient, relation)]
    assert result.funds and result.funds[0].donor is not None


def test_per_capita_income_is_not_a_fund():
    text = "标题\n发布时间：2031-04-06\n天津市和平区对口帮扶靖远县，贫困户人均增收2000元，人均可支配收入达到8600元，每亩补贴300元。"
    assert summarize_text(text, RulesBackend()).funds == []


def test_department_lists_are_not_measures():
    text = "标题\n发布时间：2031-04-06\n区里抽调卫健、民政、教育、农业几个部门的人组成工作组，到红岩镇开展产业帮扶。"
    categories = {m.category for m in summarize_text(text, RulesBackend()).measures}
    assert Category.industry in categories
    assert Category.education not in categories and Category.health not in categories


def test_several_helpers_listed_before_the_relation_word():
    text = "标题\n发布时间：2031-04-06\n广东省广州市、深圳市对口帮扶贵州省毕节市、黔南州，投入帮扶资金一亿五千万元。"
    result = summarize_text(text, RulesBackend())
    pairs = {(p.helper.name, p.recipient.name) for p in result.pairings}
    assert pairs == {("广州市", "毕节市"), ("深圳市", "毕节市"), ("广州市", "黔南州"), ("深圳市", "黔南州")}
    assert [f.amount_yuan for f in result.funds] == [150_000_000]  # Chinese numerals


def test_vague_and_counted_chinese_numerals_are_not_amounts():
    text = "标题\n发布时间：2031-04-06\n天津市和平区对口帮扶靖远县，投入数十万元，种植三千亩。"
    assert summarize_text(text, RulesBackend()).funds == []


@pytest.mark.parametrize("text, part, total", [
    # a year's total (年度) holds the same year's smaller money of its kind that the article gives apart
    ("标题\n发布时间：2032-02-06\n2031年度西岭市对口帮扶东坡县财政援助资金2亿元。\n"
     "2031年，西岭市共投入财政援助资金3000万元，援建5个卫生院项目。", 30_000_000, 200_000_000),
    # an undated article's 今年 is the one year its dated amounts give
    ("标题\n今年西岭市安排对口帮扶东坡县资金共计5000万元。\n2031年西岭市安排帮扶资金300万元用于培训。",
     3_000_000, 50_000_000),
    # another year's money is its own
    ("标题\n发布时间：2032-02-06\n2031年度西岭市对口帮扶东坡县财政援助资金2亿元。\n"
     "2030年，西岭市投入财政援助资金3000万元，援建5个卫生院项目。", 30_000_000, None),
    # 共 of a count in another clause makes no year's total of its siblings
    ("标题\n发布时间：2032-02-06\n2031年西岭市安排项目共12个，北片项目9个，援助资金4亿元；南片项目3个，援助资金1亿元。",
     100_000_000, None),
    # parts that would add up past the total are money of their own, all of them
    ("标题\n发布时间：2032-02-06\n2031年西岭市全年投入帮扶资金1000万元。\n西岭市投入帮扶资金800万元修建道路。"
     "西岭市投入帮扶资金500万元修建学校。", 8_000_000, None),
])
def test_a_years_total_holds_the_same_years_money_given_apart(text, part, total):
    funds = summarize_text(text, RulesBackend()).funds
    index = {f.amount_yuan: i for i, f in enumerate(funds)}
    assert funds[index[part]].part_of == (index[total] if total else None)


def test_a_years_total_counts_once_in_the_headline():
    text = ("标题\n发布时间：2032-02-06\n2031年度常州市对口帮扶平武县财政援助资金2亿元。\n"
            "2031年，常州市共投入财政援助资金3000万元，援建5个卫生院项目。")
    assert build_report([summarize_text(text, RulesBackend())]).headline.aid_yuan == 200_000_000


def test_a_word_inside_a_company_name_says_nothing_of_the_moneys_kind():
    text = ("标题\n发布时间：2031-04-06\n常州市对口帮扶平武县。今年，某某投资(集团)股份公司获准使用常州市帮扶资金"
            "总计500万元，用于购买育肥牛。")
    [fund] = summarize_text(text, RulesBackend()).funds
    assert fund.kind is FundKind.fiscal


def test_a_central_enterprise_named_without_a_suffix_helps_and_gives_as_an_enterprise():
    text = ("标题\n发布时间：2031-04-06\n据悉 , 中国稀土自2016年起 , 对口支援青海省囊谦县 , 累计投入帮扶资金3000万元 。")
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name) for p in result.pairings] == [("中国稀土", "囊谦县")]
    [fund] = result.funds
    assert fund.kind is FundKind.social and fund.cumulative and fund.since == 2016


def test_an_aid_word_in_a_bracket_links_only_the_place_before_it_to_what_the_bracket_holds():
    listed = ("援疆进度\n发布时间：2031-05-06\n资金到位率超过八成的省市分别为浙江省、广东省(援助喀什地区)、湖南省、辽宁省。")
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(listed, RulesBackend()).pairings] == [
        ("广东省", "喀什地区")]
    unnamed = "援疆进度\n发布时间：2031-05-06\n到位率超过八成的分别为浙江省、广东省(援助某州)、湖南省、辽宁省。"
    assert summarize_text(unnamed, RulesBackend()).pairings == []  # the bracket's place is not read: no pair at all
    aside = ("协作\n发布时间：2031-05-06\n珠海市对口帮扶怒江州。7月，珠海市财政局将新增援助资金1亿元划拨到怒江州财政局"
             "（其中定向支持福贡县2000万元）。")  # a bracket about the place before it is read as any other words
    assert ("珠海市", "福贡县") in [(p.helper.name, p.recipient.name) for p in summarize_text(aside, RulesBackend()).pairings]


def test_a_project_named_by_its_size_is_investment_and_an_arrived_share_makes_its_sum_arranged():
    signed = ("标题\n发布时间：2031-04-06\n双方签约项目9个。其中工业类项目主要包括投资20亿元的某某新材料产业园项目。")
    assert [f.kind for f in summarize_text(signed, RulesBackend()).funds] == [FundKind.investment]
    shared = ("标题\n发布时间：2031-04-06\n2031年，某师安排援助项目100个，其中援助资金10亿元。"
              "已开工的项目到位援助资金4亿元，占年度援助资金的40%。")
    funds = {f.amount_yuan: f for f in summarize_text(shared, RulesBackend()).funds}
    assert funds[1_000_000_000].status is FundStatus.planned and funds[400_000_000].status is FundStatus.paid


def test_a_gift_for_a_place_and_an_autonomous_prefecture_by_its_short_name_make_pairings():
    gift = "标题\n发布时间：2031-04-06\n某某电力公司先后为宁强县阳平关镇燕子砭村捐赠8万元修建村道。"
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(gift, RulesBackend()).pairings] == [
        ("某某电力公司", "燕子砭村")]
    short = "标题\n发布时间：2031-04-06\n宁波市对口帮扶黔西南以来，两地干部往来频繁。"
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(short, RulesBackend()).pairings] == [
        ("宁波市", "黔西南")]


def test_a_part_that_says_only_zijin_is_money_of_its_investment_total():
    text = ("标题\n发布时间：2031-12-06\n引进企业方面，某市企业到乙州投资的项目达40个，投资总额90亿元。"
            "其中，某市企业投资项目12个，投资总额20亿元，累计到位资金9亿元，其中2031年到位资金4亿元。"
            "某市投入帮扶资金800万元，其中教育项目帮扶资金300万元。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert funds[900_000_000].kind is funds[400_000_000].kind is FundKind.investment
    assert funds[3_000_000].kind is FundKind.fiscal  # 帮扶资金 says what it is


def test_helpers_named_as_a_group_help_the_province_their_aid_word_names():
    text = ("援藏综述\n发布时间：2031-04-06\n西藏各地项目进展顺利。截至5月底，16个援藏省市累计实施援助项目900个，"
            "拨付援助资金60亿元。")
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name, p.relation) for p in result.pairings] == [
        ("16个援藏省市", "西藏", Relation.counterpart_support)]
    one_of = "援疆综述\n发布时间：2031-04-06\n作为19个援疆省市之一，江苏省对口支援伊犁州，今年投入资金20亿元。"
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(one_of, RulesBackend()).pairings] == [
        ("江苏省", "伊犁州")]


def test_the_group_helper_vocabulary_matches_its_examples():
    import re

    from summarizer.vocabulary import vocabulary
    words = vocabulary().raw["pairing_group"]
    assert all(re.search(words["helper"], e) for e in words["examples"])
    assert not any(re.search(words["helper"], e) for e in words["negative_examples"])


def test_a_sum_written_as_a_total_size_after_its_parts_has_them_as_parts():
    text = ("标题\n发布时间：2031-04-06\n某市已拨付援助资金8亿元，又追加援助资金2亿元，使援建资金总规模达10亿元。")
    funds = summarize_text(text, RulesBackend()).funds
    index = {f.amount_yuan: i for i, f in enumerate(funds)}
    assert [funds[index[y]].part_of for y in (800_000_000, 200_000_000)] == [index[1_000_000_000]] * 2


@pytest.mark.parametrize("text, part, total", [
    # 去年 in an undated article is not the 今年 of its year's total
    ("标题\n今年常州市安排对口帮扶平武县资金共计5000万元。去年常州市拨付帮扶资金3000万元用于培训。", 30_000_000, None),
    # 共产党员 says no sum
    ("标题\n发布时间：2032-01-06\n2031年，常州市组织共产党员向平武县捐款50万元。2031年，常州市组织企业家向平武县捐款20万元。",
     200_000, None),
])
def test_no_years_total_from_another_year_or_a_word_that_only_looks_like_a_sum(text, part, total):
    funds = summarize_text(text, RulesBackend()).funds
    assert {f.amount_yuan: f.part_of for f in funds}[part] is total


def test_review_fixes_for_kinds_statuses_and_pairings():
    own = "标题\n发布时间：2031-04-06\n常州市对口帮扶平武县。平武县产业园项目总投资3亿元，其中常州市投入资金1亿元。"
    assert {f.amount_yuan: f.kind for f in summarize_text(own, RulesBackend()).funds}[100_000_000] is FundKind.fiscal
    handed = ("标题\n发布时间：2032-01-06\n2031年，常州市投入帮扶资金1000万元。向各乡镇拨付帮扶资金400万元，"
              "占帮扶资金总额的40%。")
    assert {f.amount_yuan: f.status for f in summarize_text(handed, RulesBackend()).funds}[10_000_000] is FundStatus.paid
    thanks = "标题\n发布时间：2031-04-06\n宁强县为海淀区捐赠的物资举行交接仪式。"
    assert summarize_text(thanks, RulesBackend()).pairings == []
    named = "标题\n发布时间：2031-04-06\n宁强县（海淀区对口帮扶县）今年获得帮扶资金300万元。"
    assert [(p.helper.name, p.recipient.name) for p in summarize_text(named, RulesBackend()).pairings] == [
        ("海淀区", "宁强县")]
    both = ("标题\n发布时间：2031-04-06\n新疆各地项目进展顺利。中国稀土对口支援疏附县。"
            "19个援疆省市累计投入援疆资金100亿元。")
    assert ("19个援疆省市", "新疆") in [(p.helper.name, p.recipient.name) for p in summarize_text(both, RulesBackend()).pairings]


def test_amounts_each_spent_on_something_are_the_parts_of_the_sum_they_add_up_to():
    text = ("标题\n发布时间：2031-04-06\n某某电力公司今年帮扶甲县扶贫资金900万元。\n"
            "据悉，该公司投入的900万元帮扶资金由县里统筹，500万元用于茶叶基地、200万元用于村道、200万元用于学校。")
    result = summarize_text(text, RulesBackend())
    parts = [f for f in result.funds if f.part_of is not None]
    assert sorted(f.amount_yuan for f in parts) == [2_000_000, 2_000_000, 5_000_000]  # two 200万 are two sums
    assert {result.funds[f.part_of].amount_yuan for f in parts} == {9_000_000}
    assert build_report([result]).headline.aid_yuan == 9_000_000


def test_a_named_helpers_poverty_budget_given_to_its_partners_is_its_help():
    text = ("标题\n发布时间：2031-04-06\n常州市对口帮扶平武县、北川县。2028年~2030年,常州市投入财政专项扶贫资金9.5亿元。"
            "四川省下达财政专项扶贫资金30亿元。")
    result = summarize_text(text, RulesBackend())
    assert [f.amount_yuan for f in result.funds] == [950_000_000]  # 四川's own budget stays out
    assert not [c for c in run_checks(result) if c.rule == "not_assistance"]


@pytest.mark.parametrize("text, pair", [
    # the clause opening on 与 is the subject's, even after a time clause
    ("标题\n发布时间：2031-04-06\n某省启动帮扶行动以来，湖州市商会主动投身帮扶工作，与贵州省松桃县深入开展结对帮扶活动。",
     ("湖州市商会", "松桃县")),
    ("标题\n发布时间：2031-04-06\n常熟市工商联积极响应省里的“千企帮千村”号召，与宿迁市泗洪县进行结对，帮助当地脱贫。",
     ("常熟市工商联", "泗洪县")),
])
def test_a_clause_opening_on_yu_has_the_sentences_subject_as_helper(text, pair):
    from summarizer.rules.pairings import explain_pairings
    made = [(d.helper, d.recipient) for d in explain_pairings(text) if d.made]
    assert any(h.endswith(pair[0]) and r.endswith(pair[1]) for h, r in made), made


def test_a_count_of_villages_after_a_county_is_no_village():
    from summarizer.rules.pairing_places import places
    from summarizer.regions import RegionResolver
    text = "某商会与黔西县三个贫困村结对，向黔西县新华村捐赠物资。"
    names = [p.region.name for p in places(RegionResolver.for_text(text))]
    assert "三个贫困村" not in names and "新华村" in names, names


def test_a_list_joined_by_yu_reaches_a_relation_word_the_gap_says_they_form():
    from summarizer.rules.pairings import explain_pairings
    text = "晋江市分别与长汀县、宁化县结成产业协作、生态治理对口帮扶关系。"
    made = {(d.helper, d.recipient) for d in explain_pairings(text) if d.made}
    assert made == {("晋江市", "长汀县"), ("晋江市", "宁化县")}
    assert not [d for d in explain_pairings("晋江市分别与长汀县、宁化县召开座谈会和产业推进会议，谈对口帮扶。") if d.made]


def test_a_village_once_named_after_its_township_is_that_village_where_its_name_stands_alone():
    from summarizer.rules.pairing_places import places
    from summarizer.regions import RegionResolver
    text = "某单位驻黔西县化屋村工作队到岗。两年来，某市中级人民法院与化屋村委会结对共建，为化屋村修通了产业路。"
    found = [(p.region.name, p.region.level.value) for p in places(RegionResolver.for_text(text))]
    assert found.count(("化屋村", "village")) == 3, found
    assert ("某市中级人民法院", "other") in found


def test_lines_listed_under_a_colon_are_parts_of_the_sum_before_it_and_of_its_years():
    text = ("标题\n发布时间：2031-04-06\n●五年来累计安排援助资金9亿元，其中：\n甲县 4亿元\n乙县 3亿元\n丙县 2亿元\n"
            "●另有社会捐赠1亿元")
    result = summarize_text(text, RulesBackend())
    by_amount = {f.amount_yuan: (i, f) for i, f in enumerate(result.funds)}
    total = by_amount[900_000_000][0]
    for yuan in (400_000_000, 300_000_000, 200_000_000):
        part = by_amount[yuan][1]
        assert (part.part_of, part.cumulative, part.kind) == (total, True, FundKind.fiscal)
        assert "\n" not in part.evidence.text  # one line each
    assert by_amount[100_000_000][1].part_of is None


def test_an_organisation_paired_with_a_village_in_an_article_naming_designated_help_is_its_designated_unit():
    text = ("标题\n发布时间：2031-04-06\n某单位驻黔西县化屋村工作队到岗。某市中级人民法院与化屋村结对共建，修通了产业路。"
            "化屋村是该院定点帮扶工作的重点。")
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name, p.relation) for p in result.pairings] == [
        ("某市中级人民法院", "化屋村", Relation.designated)]
    plain = summarize_text(text.replace("定点帮扶工作", "日常工作"), RulesBackend())
    assert [p.relation for p in plain.pairings] == [Relation.twinning]


def test_single_givers_named_after_a_counted_groups_sum_give_shares_of_it():
    text = ("标题\n发布时间：2031-04-06\n今年，甲市40家民营企业和商会共捐赠帮扶资金900万元，其中现金700万元，物资折价200万元。"
            "青禾集团、白石公司分别捐赠300万元、100万元，位列前两名。此外，乙银行另捐赠50万元。")
    result = summarize_text(text, RulesBackend())
    index = {f.amount_yuan: i for i, f in enumerate(result.funds)}
    parts = {f.amount_yuan: f.part_of for f in result.funds}
    assert parts[3_000_000] == parts[1_000_000] == parts[7_000_000] == index[9_000_000]
    assert parts[500_000] is None  # another giver, said apart
    assert build_report([result]).headline.aid_yuan == 9_000_000 + 500_000


def test_a_programme_abbreviation_before_poverty_relief_names_its_province_pair():
    text = "标题\n发布时间：2031-04-06\n今年，粤桂消费扶贫行动帮助销售广西脱贫县农产品12亿元。广东财政帮扶资金投入3亿元修建道路。"
    result = summarize_text(text, RulesBackend())
    assert [(p.helper.name, p.recipient.name, p.relation) for p in result.pairings] == [
        ("广东省", "广西壮族自治区", Relation.east_west)]


def test_givers_listed_before_fenbie_give_one_amount_each_and_a_sum_of_neighbours_holds_them():
    text = ("标题\n发布时间：2031-04-06\n甲县商会及爱心企业纷纷伸出援手，共计向乙县捐赠防疫资金45万元。"
            "现场，甲县商会向乙县捐赠25万元，青禾食品有限公司、白石建材有限公司分别向乙县捐赠10万元抗疫款。")
    result = summarize_text(text, RulesBackend())
    tens = [f for f in result.funds if f.amount_yuan == 100_000]
    assert sorted(f.donor for f in tens) == ["白石建材有限公司", "青禾食品有限公司"]
    total = next(i for i, f in enumerate(result.funds) if f.amount_yuan == 450_000)
    assert all(f.part_of == total for f in result.funds if f.amount_yuan < 450_000)
    assert build_report([result]).headline.aid_yuan == 450_000


def test_a_sum_after_amounts_in_earlier_sentences_that_add_up_to_it_has_them_as_parts():
    text = ("标题\n发布时间：2031-04-06\n上月，价值80万元的某院援助甲县的医疗设备正式交付。加之年初完成的培训项目20万元，"
            "某院共计帮扶甲县卫生项目资金达100万元。某院还派出医生5名。")
    result = summarize_text(text, RulesBackend())
    total = next(i for i, f in enumerate(result.funds) if f.amount_yuan == 1_000_000)
    assert [f.part_of for f in result.funds if f.amount_yuan < 1_000_000] == [total, total]
    # one sum written twice is not two parts of a sum twice its size
    twice = ("标题\n发布时间：2031-04-06\n某集团向甲县捐赠30万元。目前，捐赠给甲县的30万元已全部到位。某集团共计捐赠60万元。")
    assert all(f.part_of is None for f in summarize_text(twice, RulesBackend()).funds)


def test_places_counted_before_a_relation_word_are_the_subjects_and_a_clause_opening_on_one_is_too():
    from summarizer.rules.pairings import explain_pairings
    text = "目前，某能源集团共有甘肃通渭县、安徽金寨和岳西、湖南花垣3个定点帮扶县，对口支援青海玛多县。"
    made = {(d.helper, d.recipient, d.relation) for d in explain_pairings(text) if d.made}
    assert {("某能源集团", "通渭县", "designated"), ("某能源集团", "金寨", "designated"),
            ("某能源集团", "花垣", "designated"), ("某能源集团", "玛多县", "counterpart_support")} <= made, made
    assert {h for h, _, _ in made} == {"某能源集团"}  # never a listed county helping the next one


def test_rules_of_this_round_keep_off_sentences_they_do_not_describe():
    from summarizer.rules.pairings import explain_pairings

    def funds(body):
        return summarize_text("标题\n发布时间：2031-04-06\n" + body, RulesBackend()).funds

    # two givers with an amount each: each its own amount, 30万 in all
    got = funds("甲县商会、乙县商会分别向丙县捐赠10万元、20万元。")
    assert sorted(f.amount_yuan for f in got) == [100_000, 200_000]
    # gifts of other years are no parts of a later sum
    got = funds("2028年，乙公司向甲县捐赠60万元。2029年，丙公司向甲县捐赠40万元。2030年，丁集团共计向甲县捐赠100万元。")
    assert all(f.part_of is None for f in got)
    # a group's sum does not hold last year's gifts
    got = funds("今年，甲市40家民营企业共捐赠帮扶资金900万元。去年，青禾集团捐赠300万元，白石公司捐赠100万元。")
    assert all(f.part_of is None for f in got)
    # money added beside a running total, or planned, is no share of it
    lead = "甲市高度重视援助工作，多次召开专题会议。五年来，甲市共投入资金9亿元。"
    for added in ("此外，甲市还投入3亿元修建学校。", "甲市计划投入3亿元修建学校。"):
        assert all(f.part_of is None for f in funds(lead + added))
    # a budget whose use is planned stays a plan; only a gift is given
    got = funds("为乙县安排帮扶资金500万元，计划用于产业发展。")
    assert [f.status for f in got] == [FundStatus.planned]
    # money put into works after 先后 adds up, beside a gift or not
    got = {f.amount_yuan: f.cumulative for f in funds("甲市先后投入资金900万元修建公路、捐赠30万元慰问贫困户。")}
    assert got[9_000_000] is True
    # a list of helpers opening the sentence all help
    made = {(d.helper, d.recipient) for d in explain_pairings("目前，广州市、深圳市共选派干部300名，对口帮扶毕节市。") if d.made}
    assert made == {("广州市", "毕节市"), ("深圳市", "毕节市")}
    # the last place of a list is no subject of a clause opening on 与
    made = {(d.helper, d.recipient) for d in explain_pairings("全省共有岷县、漳县和通渭县3个深度贫困县，与天津市开展东西部协作。")
            if d.made}
    assert made == {("天津市", "岷县"), ("天津市", "漳县"), ("天津市", "通渭县")}
    # designated help named for another pair does not make a 结对 organisation a designated unit
    text = ("标题\n发布时间：2031-04-06\n某单位驻黔西县化屋村工作队到岗。中国石化定点帮扶的岳西县今年脱贫。"
            "青禾集团与化屋村结对帮扶，修通了产业路。")
    assert {(p.helper.name, p.relation) for p in summarize_text(text, RulesBackend()).pairings
            if p.recipient.name == "化屋村"} == {("青禾集团", Relation.twinning)}
    # a kind of village is no village's name
    assert not [d for d in explain_pairings("黔西县重点村今年全部出列。中国石化与重点村开展结对帮扶。") if d.made]


def test_a_sum_whose_paragraph_names_no_time_adds_up_over_the_span_the_paragraph_before_opens_on():
    text = ("标题\n发布时间：2031-04-06\n自国家确定甲省对口支援乙县以来，甲省高度重视，派出干部百余人。\n"
            "据统计，甲省共无偿援助乙县资金3.1亿元，援建学校20所；实施经济合作项目合作资金达9亿元。\n"
            "今年，甲省向乙县投入援助资金2000万元。")
    funds = {f.amount_yuan: f for f in summarize_text(text, RulesBackend()).funds}
    assert funds[310_000_000].cumulative is True
    assert funds[900_000_000].kind is FundKind.investment  # economic cooperation: firms' money, not aid
    assert funds[20_000_000].cumulative is False  # a sum word is needed; this year's money is this year's


def test_a_rate_between_a_sums_parts_is_passed_over():
    text = ("标题\n发布时间：2031-04-06\n座谈会上收到爱心捐款7万元，物资折价1万元。商会随后向16名学生每人发放助学金5000元，"
            "合计捐助8万元。")
    result = summarize_text(text, RulesBackend())
    total = next(i for i, f in enumerate(result.funds) if f.amount_yuan == 80_000)
    assert {f.amount_yuan: f.part_of for f in result.funds if f.amount_yuan in (70_000, 10_000)} == {70_000: total, 10_000: total}


def test_an_organisation_name_starts_after_a_verb_phrase_ending_in_gei():
    from summarizer.text import org_names
    names = [o.text for o in org_names("来自某某师范学院的教师正给某某职业技术学院学生上课，某某给排水有限公司捐赠5万元。")]
    assert names == ["某某师范学院", "某某职业技术学院", "某某给排水有限公司"]
