"""Money you can add up (issue 19): a report over a small hand-built corpus adds only comparable aid.

The articles are written for this test (invented places and figures). The corpus holds a cumulative
total with a yearly part, a second year's money, a plan, a signed agreement, a per-unit amount, two
unrelated articles with the same amount and no helper, a pairing with that same amount, and one
hand-corrupted record. Every column of the report and the exit code are checked.
"""
import json

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.report import build_report
from summarizer.rules.fund_measure import measured
from summarizer.schemas import (
    Article, Evidence, Fund, FundKind, FundStatus, Pairing, Provenance, Region, Relation, Result,
)

runner = CliRunner()

PAIRED = ("东海市对口帮扶西山县。2016年以来，东海市累计投入财政帮扶资金3亿元，其中2020年投入8000万元。"
          "2021年东海市投入帮扶资金5000万元。东海市计划明年再投入2亿元。两地企业签订协议，协议投资额5亿元。"
          "东海市为每个脱贫村安排10万元。")
OTHER_PAIR = "北江区结对帮扶南岭县。北江区向南岭县捐赠1000万元。"
NO_HELPER_1 = "青石县安排就业补助资金1000万元，用于稳岗。"
NO_HELPER_2 = "白沙县今年安排专项资金1000万元用于乡村道路。"
CORRUPTED = "东湖区对口帮扶西林县。东湖区投入帮扶资金500万元。"


def _ev(text: str, quote: str) -> Evidence:
    start = text.index(quote)
    return Evidence(text=quote, start=start, end=start + len(quote))


def _fund(text, quote, amount_text, yuan, kind=FundKind.fiscal, **fields) -> Fund:
    return Fund(amount_yuan=yuan, amount_text=amount_text, kind=kind, evidence=_ev(text, quote), **fields)


def _result(source, text, pairs, funds) -> Result:
    return Result(
        article=Article(id=source, source=source, title=source, published="2021-12-01", text=text),
        pairings=[Pairing(helper=Region(name=h), recipient=Region(name=r), relation=Relation.counterpart_assistance,
                          evidence=_ev(text, f"{h}{verb}{r}")) for h, verb, r in pairs],
        funds=funds, provenance=Provenance(backend="test"))


def corpus() -> list[Result]:
    t = PAIRED
    paired = _result("paired", t, [("东海市", "对口帮扶", "西山县")], [
        _fund(t, "东海市累计投入财政帮扶资金3亿元", "3亿元", 300_000_000, cumulative=True, since=2016),
        _fund(t, "其中2020年投入8000万元", "8000万元", 80_000_000, year=2020, part_of=0),
        _fund(t, "2021年东海市投入帮扶资金5000万元", "5000万元", 50_000_000, year=2021),
        _fund(t, "东海市计划明年再投入2亿元", "2亿元", 200_000_000, status=FundStatus.planned),
        _fund(t, "协议投资额5亿元", "5亿元", 500_000_000, kind=FundKind.investment, status=FundStatus.agreed),
        _fund(t, "东海市为每个脱贫村安排10万元", "10万元", 100_000, per_unit=True),
    ])
    other = _result("other", OTHER_PAIR, [("北江区", "结对帮扶", "南岭县")],
                    [_fund(OTHER_PAIR, "北江区向南岭县捐赠1000万元", "1000万元", 10_000_000, kind=FundKind.donation)])
    lone_1 = _result("lone1", NO_HELPER_1, [], [_fund(NO_HELPER_1, "青石县安排就业补助资金1000万元", "1000万元", 10_000_000)])
    lone_2 = _result("lone2", NO_HELPER_2, [], [_fund(NO_HELPER_2, "安排专项资金1000万元", "1000万元", 10_000_000)])
    broken = _result("broken", CORRUPTED, [("东湖区", "对口帮扶", "西林县")],
                     [_fund(CORRUPTED, "东湖区投入帮扶资金500万元", "500万元", 50_000_000)])  # 10x its text
    return [paired, other, lone_1, lone_2, broken]


def test_the_headline_adds_only_paid_yearly_aid_counted_once():
    data = build_report(corpus())
    # 8000万 (a yearly part of a cumulative total) + 5000万 + the paired 1000万 donation
    assert data.headline.aid_yuan == 140_000_000
    row = next(g for g in data.by_pairing if g.label.startswith("东海市"))
    assert row.aid_yuan == 130_000_000 and row.funds_by_kind == {"fiscal": 130_000_000}
    assert row.cumulative_yuan == 300_000_000 and row.cumulative.since == 2016
    assert row.planned_yuan == 200_000_000 and row.agreed_yuan == 500_000_000
    assert sorted(row.years) == [2020, 2021]
    reasons = {e.amount_text: e.not_added for e in data.not_added}
    assert reasons["3亿元"].startswith("cumulative since 2016")
    assert reasons["2亿元"].startswith("planned") and reasons["5亿元"].startswith("agreed")
    assert reasons["10万元"].startswith("per unit")
    # the two articles that name no helper: listed apart, never merged with each other or the pairing's
    assert [e.refs[0].article for e in data.apart] == [2, 3] and not data.merges
    assert all(e.not_added.startswith("its article names no helper") for e in data.apart)
    # the corrupted record is left out, said once
    assert len(data.left_out) == 1 and "broken: funds[0] left out" in data.left_out[0]
    assert "amount_mismatch" in data.left_out[0]
    # the timeline holds yearly paid money only
    recon = data.reconciliation()
    assert recon["timeline"] == recon["total"] == {"donation": 10_000_000, "fiscal": 130_000_000}
    assert [e.amount_text for e in data.cumulative_spans()] == ["3亿元"]


def test_report_json_carries_the_headline_and_every_amount_not_added(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in corpus()), encoding="utf-8")
    result = runner.invoke(app, ["report", str(path), "--format", "json"])
    assert result.exit_code == 1  # a record failed a check
    assert "broken: funds[0] left out" in result.stderr and result.stderr.count("left out") == 1
    payload = json.loads(result.stdout)
    assert payload["headline"]["aid_yuan"] == 140_000_000
    assert payload["headline"]["cumulative_largest_yuan"] == 300_000_000
    assert payload["headline"]["planned_yuan"] == 200_000_000 and payload["headline"]["agreed_yuan"] == 500_000_000
    not_added = {(e["amount_text"], e["article"]): e["reason"] for e in payload["not_added"]}
    assert all(payload["ledger"][e["ledger"]]["amount_text"] == e["amount_text"] for e in payload["not_added"])
    assert set(not_added) == {("3亿元", 0), ("2亿元", 0), ("5亿元", 0), ("10万元", 0), ("1000万元", 2), ("1000万元", 3)}
    row = next(r for r in payload["views"]["pairing"] if r["row"].startswith("东海市"))
    assert (row["aid_yuan"], row["cumulative_yuan"], row["cumulative_since"]) == (130_000_000, 300_000_000, 2016)


def test_html_links_every_aid_figure_to_its_evidence(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in corpus()[:2]), encoding="utf-8")
    result = runner.invoke(app, ["report", str(path), "--format", "html"])
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if "<td class=\"num\">1.3亿元" in line)
    assert row.count("class=\"ref\"") == 2  # the 8000万 and 5000万 records


def test_cues_read_what_an_amount_measures():
    def read(sentence: str, lead: str = "", after_sentence: str = ""):
        before, after = sentence.split("#")
        after = after or after_sentence
        return measured(before, before.split("，")[-1], after.split("，")[0], 2021, lead, after)

    # a span opened by 从/自 a year (…开始, 起) is a running total since then, not that year's
    m = read("从1998年甲省启动援助乙区工作开始，至第三批干部返回时，各省累计向乙区无偿援助#")
    assert (m.cumulative, m.since) == (True, 1998)
    assert read("某集团自2009年起，对口支援某县，投入帮扶资金#").since == 2009
    assert read("自2005年甲乙两地确定为协作城市后，甲市累计捐助资金#").since == 2005
    assert read("自2021年起，某市今后三年帮扶资金合计#").cumulative is True  # a span from now on
    assert read("自2021年起，某市投入帮扶资金#").cumulative is False  # from this year on: this year's
    # one payment or the month it all arrived, in the amount's own clause, beats the span the sentence opens on
    assert read("新一轮援助工作开展以来，甲省的#援建资金于九月份一次性拨付到位").cumulative is False
    assert read("新一轮援助工作开展以来，甲省累计拨付援建资金#").cumulative is True
    assert read("2017年以来，甲省累计投入帮扶资金#一次性解决了饮水问题").cumulative is True  # 累计 says a sum
    assert read("新一轮援助工作开展以来，甲省投入资金#用于十月份开工的项目").cumulative is True  # 用于, no payment
    # 将 before the giving verb right before the amount (将援助1200万元), or after it (首期…将援助某县)
    assert read("某会将援助#").status is FundStatus.planned
    assert read("首期#将援助某县建设学校3所").status is FundStatus.planned
    assert read("某会将援助资金全部用于学校，已拨付#").status is FundStatus.paid
    # 先后 before several gifts: one after another, each one gift; before one amount: a running total
    assert read("某公司先后为甲村捐赠#建设大棚，捐赠40万元种植茶叶").cumulative is False
    assert read("某公司先后为甲村捐赠8万元建设大棚，捐赠#种植茶叶").cumulative is False
    assert read("近五年某公司先后投入#，建成道路10公里").cumulative is True
    assert read("某公司先后投入#，其中2020年投入30万元").cumulative is True  # a sum with its part
    assert read("三年多来，某市向某州投入财政援助资金#").cumulative is True
    # two years named together are a span; one of them alone is that year
    assert read("某集团去年和今年共向甲村捐款#").cumulative is True
    assert read("某集团去年向甲村捐款#").cumulative is False
    assert read("2012年——2013年，甲区投入帮扶资金#").cumulative is True  # a span written with a double dash
    # 截至目前 before one gift made so far is that gift; before a sum or money arrived, a running total
    assert read("截至目前，某干部促成某基金会向甲县捐赠#").cumulative is False
    assert read("截至目前，某集团累计向甲县捐赠#").cumulative is True
    assert read("截至目前，甲县到位帮扶资金#").cumulative is True
    m = read("2016年始，某行已累计向甲村捐赠#")  # 始 opens a span as 起 does
    assert (m.cumulative, m.since) == (True, 2016)
    # a sentence with no time of its own takes its paragraph's, unless it is one act of giving
    lead = "近三年来，甲区共投入帮扶资金900万元。"
    assert read("甲区投入产业资金#", lead=lead).cumulative is True
    assert read("此外，甲区向乙旗捐赠扶贫资金#", lead=lead).cumulative is False
    assert read("定向捐赠给乙旗的#", lead=lead).cumulative is True  # money described, not a gift made
    # a gift whose use is planned was given; a share of a gift planned for a use is a plan
    assert read("甲区向乙旗捐赠扶贫资金#", after_sentence="，计划用于村级光伏电站").status is FundStatus.paid
    # 先后 over a ；-list whose items open on the same spending with no giver of their own: all of it over the years
    assert read("甲区先后投入资金900万元修建公路，道路更加通畅；投入资金#，修建水厂2个").cumulative is True
    assert read("甲区先后投入资金900万元修建公路；乙企业投入资金#，修建水厂2个").cumulative is False
    assert read("某公司先后为甲村捐赠8万元建设大棚；捐赠#种植茶叶").cumulative is False  # gifts one after another
    # what a project cost to build is its whole cost over the years it took, unless a year is named
    assert read("甲市投入#建设的滨河文化小镇").cumulative is True
    assert read("2020年，甲市投入#建设的滨河文化小镇").cumulative is False
    assert read("甲市投入#建设滨河文化小镇").cumulative is False
    # 已投入 says "so far" only in the amount's own clause (the buses already in service are not this money)
    assert read("捐赠的3辆公交车已投入运营，另有培训经费#").cumulative is False
    assert read("某集团已无偿投入#").cumulative is True
    # a span named before 先后 still holds; an output after the amount is no gift of the list
    assert read("2016年以来，某公司先后为甲村捐赠#建设大棚，捐赠40万元种植茶叶").cumulative is True
    assert read("某公司先后投入帮扶资金#建设扶贫车间，年产值达2亿元").cumulative is True
    assert read("某公司先后为甲村捐赠#修建公共厕所，捐赠40万元种植茶叶").cumulative is False  # 公共 is no sum word
    # a share of one named year's money is no several-year share
    assert read("2031年，某市拨付援助资金#", after_sentence="，占2031年援助资金的40%").cumulative is False
    assert read("某会将援助的#全部用于修建道路").status is FundStatus.paid  # 将 as 把
    # the list runs to the semicolon: another party's gift after it is no item of it
    assert read("结对以来，某办先后出资#修建球场、慰问党员；某基金会捐来价值20万元的衣物").cumulative is True
    # 将 as 把 (将争取到的…) is no plan; a quota (任务指标) is one
    assert read("某院将争取到的#分别用于修路和建设广场").status is FundStatus.paid
    assert read("按标准计算，某市援建任务指标为#").status is FundStatus.planned
    # one year said in words (全年, 2013年到位); a share of a several-year total is a running total
    assert read("某省先后两次增拨资金，全年总额增加两倍，县均资金达到#").cumulative is False
    assert read("累计到位资金5亿元，其中2020年到位资金#").cumulative is False
    assert read("截至5月底，各省市累计拨付援助资金#", after_sentence="，占五年援助资金总量的45%").cumulative is True
    m = read("2017年以来，某市累计投入帮扶资金#")
    assert (m.cumulative, m.since, m.status) == (True, 2017, FundStatus.paid)
    assert read("某市今年以来投入资金#").cumulative is False
    assert read("“十三五”期间，某区投入#").since == 2016
    assert read("2021年以来，某区投入#").cumulative is False  # this year's, in a 2021 article
    assert read("某集团计划投入#").status is FundStatus.planned
    assert read("某集团签约项目到位资金#").status is FundStatus.paid
    assert read("双方签订协议，协议金额#").status is FundStatus.agreed
    assert read("剩余#资金也将投入到项目").status is FundStatus.planned
    assert read("为每个脱贫户发放#").per_unit is True
    assert read("该县投入#", lead="过去三年，某市共投入援助资金5亿元。").cumulative is True
    # a running total inside a named year is that year's; a span named before it keeps it a span
    assert read("2019年，某县累计实现销售#").cumulative is False
    assert read("截至6月底，某兵团累计到位资金#").cumulative is False
    # the year of an earlier item of a list dates that item; a frame opening the list holds for every item
    assert read("2029年，某商会向甲村捐款80万元，用于修路；某协会组织务工……到现在，60家企业结对帮扶，累计投入资金#").cumulative
    assert not read("今年以来，引导企业投资2亿元；在消费帮扶方面，甲省累计采购乙省农产品#").cumulative
    # 先后 in the paragraph's lead tells that sentence's visits, not a span of years; 从今年起至 a span still to come
    assert not read("援助资金将用于两个方面：一是投入#", lead="5月3日，甲市考察团先后参观乙县两个村。").cumulative
    m = read("甲集团签署协议，从今年起至2024年共组织资金#")
    assert (m.cumulative, m.status) == (True, FundStatus.agreed)
    assert read("甲集团从今年起至2024年共组织资金#").status is FundStatus.planned
    # a helper's aid project is one gift; a place built over years (投入…建设的小镇) its running cost
    assert read("甲市投入#", after_sentence="援建的某某中小企业孵化基地").cumulative is False
    # what a plan frames (拟安排资金项目里，…) is planned, each part of it
    assert read("今年，甲省拟安排资金项目里，乙地安排援助资金#").status is FundStatus.planned
    assert read("今年，甲省拟召开推进会，乙地安排援助资金#").status is FundStatus.paid
    assert read("对口支援规划项目中，甲市去年向乙县投入援助资金#").status is FundStatus.paid  # 规划, a noun
    # a date a sum runs to says how far; from when is the span its paragraph named before it, if any
    def up_to(sentence: str, earlier: str):
        before = sentence.split("#")[0]
        return measured(before, before.split("，")[-1], "", 2021, earlier_in_paragraph=earlier)
    assert up_to("截至今年9月底，参与的企业共212家，已投入资金#", "某会2017年发起助农行动。几年来，成效明显。").cumulative is True
    assert up_to("截至8月底，某兵团累计到位资金#", "多年来，两地协作不断。2021年，某兵团安排援助项目80个。").cumulative is False
    assert up_to("截至8月底，甲市已向乙县投入资金#", "甲市领导先后到乙县调研。").cumulative is False  # 先后: visits
    assert up_to("截至8月底，甲市已向乙县投入资金#", "2021年以来，两地合作不断深化。").cumulative is False  # this year
    assert up_to("截至8月底，某县已投入资金#", "").cumulative is False
    assert up_to("截至目前，甲商会向乙校捐赠#", "几年来，甲商会持续助学。").cumulative is False  # one gift so far
    assert read("近两年来，某市累计向某省投入资金#").cumulative is True
    assert read("某日电，近年来，四市累计投入#").cumulative is True
    assert read("某市累计投入#", lead="今年以来，某市深化协作。").cumulative is False
    assert read("截至目前，某省拨付资金#，较去年增长20%").cumulative is False
    assert read("2016年和2017年，某区向某县投资#").cumulative is True
    assert read("两地签下10个合作项目，总投资额达#").status is FundStatus.agreed
    assert read("两地签约仪式上，某公司捐赠#").status is FundStatus.paid
    assert read("为12个村各安排#").per_unit is True
    assert read("甲公司和乙公司各捐赠#").per_unit is False
    # 将 before a verb or a preposition is the future; before a noun it only marks the object
    assert read("明年甲乙两区将分别帮扶#").status is FundStatus.planned
    assert read("某省将对某州六县率先投入#").status is FundStatus.planned
    assert read("某市将帮扶范围扩大到全县，投入#").status is FundStatus.paid
    # money of projects a plan names earlier in the sentence is planned, giving verb or not
    assert read("某省下月将开工的援建项目共9个，其中新建项目投入#").status is FundStatus.planned
    assert read("某省下月将召开协作会议，此前已投入#").status is FundStatus.paid
    # a span up to now is cumulative; 此次 is this one time, whatever span the sentence opens with
    assert read("从2014年至今年5月，某市共投入资金#").cumulative is True
    assert read("自帮扶工作开展以来，此次获得的#").cumulative is False
    # a year naming a meeting does not make a running total that year's; a year's span is one year's money
    assert read("从2030年度甲省东西部协作联席会议上获悉，各方累计投入#").cumulative is True
    assert read("近一年来，两地引导企业投资#").cumulative is False
    # what the next clause plans for the amount makes it planned
    assert read("善款中的#", after_sentence="，计划用于村道硬化").status is FundStatus.planned
    # a sum something new is built on is what was given so far; a dateline is not the money's time
    assert read("在某区已投入#援助资金的基础上，再新建两所学校").cumulative is True
    assert read("本报甲地5月8日电，某县已投入#").cumulative is True
    # a span that runs past the publication year is money arranged for years still to come
    m = read("2019至2023年，甲市共安排帮扶资金#")
    assert (m.cumulative, m.status) == (True, FundStatus.planned)
    assert read("2016至2020年，甲市共安排帮扶资金#").status is FundStatus.paid
    assert read("2019至2023年，甲市已拨付帮扶资金#").status is FundStatus.paid
    # money matched to a five-year plan is that plan's total; a year's money merely named beside the plan is not
    m = read("2012年，甲市对接乙县“十二五”规划，实际划拨资金#")
    assert (m.cumulative, m.since) == (True, 2011)
    assert read("2021年，甲市围绕乙州“十四五”规划，拨付资金#").cumulative is False
    # a year's end named as the end point of a running total is no year of its own; 计划外 is no plan
    assert read("至2020年底，各地累计向库区投入援助资金#").cumulative is True
    assert read("截至6月底，某兵团累计到位资金#").cumulative is False
    assert read("五年累计到位援助资金#", after_sentence="（不含计划外资金），已完成规划任务").status is FundStatus.paid


def test_every_fund_measure_cue_matches_its_examples_and_not_its_negatives():
    import re

    from summarizer.vocabulary import vocabulary
    words = vocabulary().raw["fund_measure"]
    patterns = {k: v for k, v in words.items() if isinstance(v, str)}
    for name, pattern in patterns.items():
        compiled = re.compile(pattern)
        examples = words.get(f"{name}_examples")
        assert examples, f"{name} has no examples"
        for example in examples:
            assert compiled.search(example), (name, example)
        for negative in words.get(f"{name}_negative", []):
            assert not compiled.search(negative), (name, negative)


def test_every_fund_donor_word_list_matches_its_examples_and_not_its_negatives():
    import re

    from summarizer.vocabulary import vocabulary
    words = vocabulary().raw["fund_donor"]
    for name, match in (("collective", "search"), ("mixed", "fullmatch")):  # mixed is read on a donor's whole name
        compiled = re.compile(words[name])
        for example in words[f"{name}_examples"]:
            assert getattr(compiled, match)(example), (name, example)
        for negative in words[f"{name}_negative"]:
            assert not getattr(compiled, match)(negative), (name, negative)


def test_one_amount_that_is_most_of_the_aid_of_several_articles_is_pointed_out(tmp_path):
    big = "西岭市对口帮扶东坡县。西岭市投入帮扶资金9亿元。"
    results = corpus() + [_result("big", big, [("西岭市", "对口帮扶", "东坡县")],
                                  [_fund(big, "西岭市投入帮扶资金9亿元", "9亿元", 900_000_000)])]
    dominant = build_report(results).headline.dominant
    assert dominant is not None and dominant.amount_text == "9亿元"
    assert build_report(results[-1:]).headline.dominant is None  # one article's own total is no surprise
    path = tmp_path / "r.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    data = json.loads(runner.invoke(app, ["report", str(path), "--format", "json"]).stdout)
    assert data["headline"]["dominant"]["amount_text"] == "9亿元" and data["headline"]["dominant"]["share"] > 0.5
    assert "one amount is" in runner.invoke(app, ["report", str(path), "--format", "md"]).stdout


def test_a_running_total_may_start_decades_back_but_not_before_the_programmes():
    from summarizer.checks import run_checks

    text = "东海市对口支援西山县。1965年以来，东海市累计投入援助资金60亿元。"
    def since_errors(year):
        fund = _fund(text, "东海市累计投入援助资金60亿元", "60亿元", 6_000_000_000, cumulative=True, since=year)
        result = _result("old", text, [("东海市", "对口支援", "西山县")], [fund])
        return [c for c in run_checks(result) if c.rule == "since_plausible" and c.severity.value == "error"]
    assert since_errors(1965) == [] and since_errors(1949) != []


def test_eval_gives_the_aid_error_within_the_kinds_the_gold_accepts_beside_the_strict_one():
    from summarizer.evaluate import Report, score_article

    text = "东海市对口帮扶西山县。东海市投入帮扶资金8000万元，另投入2000万元。"
    gold = {"article": "a.txt", "funds": [
        {"amount_yuan": 80_000_000, "kind": ["fiscal"], "status": ["paid"], "cumulative": False, "per_unit": False},
        {"amount_yuan": 20_000_000, "kind": ["fiscal", "other"], "status": ["paid"], "cumulative": False,
         "per_unit": False}]}
    score = score_article(gold, _result("a", text, [("东海市", "对口帮扶", "西山县")], []))
    def errors(headline):
        report = Report(articles=[score], total=score, headline_aid=headline)
        return report.aid_error, report.aid_error_within_accepted_kinds
    assert errors(100_000_000) == (0.25, 0.0)  # counting the 2000万 as aid is a reading the gold accepts
    assert errors(80_000_000) == (0.0, 0.0)
    assert errors(150_000_000) == (0.875, 0.5)  # past every accepted reading
