"""The genre's failure classes (issue 9), each on sentences written for the test in our own wording
(invented or other places and figures; tests/test_own_wording.py checks none is copied from an article)."""
import json
from pathlib import Path

import pytest

from summarizer.backends.rules import RulesBackend
from summarizer.clean import LOST, clean
from summarizer.evaluate import evaluate, load_gold, match_results
from summarizer.pipeline import summarize_text
from summarizer.reader import expand_inputs
from summarizer.schemas import Level, Relation

ROOT = Path(__file__).resolve().parent.parent


def pairs(text):
    result = summarize_text(text, RulesBackend())
    return {(p.helper.name, p.recipient.name): p for p in result.pairings}, result


# --- 1. organisations as helpers --------------------------------------------------------

def test_enterprise_hooked_to_a_county_is_a_designated_helper():
    found, _ = pairs("某某电力集团自2016年挂钩扶贫云县以来，累计拨付帮扶款800万元。")
    [(key, pairing)] = found.items()
    assert key == ("某某电力集团", "云县") and pairing.relation is Relation.designated
    assert pairing.helper.level is Level.other and pairing.helper.adcode is None


def test_university_named_after_a_city_is_the_university_not_the_city():
    found, _ = pairs("兰州理工大学定点帮扶临潭县，选派两名干部挂职。")
    assert set(found) == {("兰州理工大学", "临潭县")}


def test_company_giving_to_a_village_without_any_programme_word():
    found, result = pairs("近日，某地乳业有限公司向平川镇红岩村捐赠20万元，用于修建村道。")
    [(helper, recipient)] = found
    assert helper.endswith("有限公司") and recipient == "红岩村"
    assert result.pairings[0].relation is Relation.other


def test_a_government_office_stands_for_its_place():
    found, _ = pairs("由天河区扶贫办牵头，天河区对口帮扶梅县区，开展消费帮扶。")
    assert ("天河区", "梅县区") in found and not any("扶贫办" in h for h, _ in found)


def test_a_student_is_not_a_university_and_a_college_of_a_university_is_one_name():
    from summarizer.text import org_names
    found, _ = pairs("南开区给临洮县送去一笔资助困难家庭大学生的助学款，帮他们读完书。")
    assert not any("大学" in h or "大学" in r for h, r in found)
    assert [o.text for o in org_names("货车停在某某师范大学科技学院门口")] == ["某某师范大学科技学院"]


# --- 2. 兵团 divisions -----------------------------------------------------------------

def test_corps_division_is_a_recipient_with_its_city_code():
    found, _ = pairs("对口援疆工作中，苏州市对口支援新疆兵团第四师，全年安排援疆资金2亿元。")
    [pairing] = [p for (h, r), p in found.items() if h == "苏州市"]
    assert pairing.recipient.name == "第四师" and pairing.recipient.adcode == "659008"
    assert pairing.relation is Relation.counterpart_support


def test_old_division_name_resolves_too():
    found, _ = pairs("嘉兴市援建农四师的保障住房项目已完工。对口支援工作扎实推进。")
    assert ("嘉兴市", "农四师") in found
    assert found[("嘉兴市", "农四师")].recipient.full_name.endswith("新疆生产建设兵团第四师")


# --- 3. round-ups naming several pairs ------------------------------------------------

def test_aid_roundup_names_each_helper_for_the_headline_place():
    text = ("西藏山南：援藏项目累计超千个\n"
            "湖南省对口援藏项目400个、援藏资金30亿元；湖北省对口援藏项目300个、援藏资金25亿元；"
            "安徽省对口援藏项目200个、援藏资金12亿元。")
    found, _ = pairs(text)
    assert {h for h, r in found if r == "山南"} == {"湖南省", "湖北省", "安徽省"}
    assert all(p.relation is Relation.counterpart_support for p in found.values())


def test_respective_lists_pair_one_to_one():
    found, _ = pairs("长安大学、西北大学、西安交通大学分别定点帮扶岚皋县、镇坪县、平利县，选派干部挂职。")
    assert set(found) == {("长安大学", "岚皋县"), ("西北大学", "镇坪县"), ("西安交通大学", "平利县")}


def test_bare_duikou_before_a_place_is_the_relation_verb():
    found, _ = pairs("按照东西部扶贫协作部署，大连市对口贵州六盘水市、杭州市对口四川广元市。")
    assert {("大连市", "六盘水市"), ("杭州市", "广元市")} <= set(found)
    assert all(found[k].relation is Relation.east_west for k in [("大连市", "六盘水市"), ("杭州市", "广元市")])


def test_a_doubled_comma_does_not_break_a_list_of_helpers():
    found, result = pairs("北京市,、江苏省无锡市,、浙江省宁波市和杭州市对口支援青海省,,在人才、产业上给予支持,。")
    assert ",、" not in result.article.text
    assert set(found) == {(h, "青海省") for h in ("北京市", "无锡市", "宁波市", "杭州市")}
    assert {p.relation for p in found.values()} == {Relation.counterpart_support}


# --- 4. relation words and programmes -------------------------------------------------

def test_east_west_without_bu_and_twinning_inside_the_programme():
    found, _ = pairs("在东西扶贫协作中，宁波市鄞州区与贵州省晴隆县结对帮扶，共建产业园。")
    assert found[("鄞州区", "晴隆县")].relation is Relation.east_west


def test_programme_abbreviation_alone_names_the_provinces():
    found, _ = pairs("津甘协作向纵深推进，去年以来落实帮扶资金5亿元，实施项目300个。")
    assert ("天津市", "甘肃省") in found and found[("天津市", "甘肃省")].relation is Relation.east_west


def test_headline_programme_decides_a_help_verb_pair():
    text = "对口支援工作纪实\n当年，常州市帮助海北州建成牧区学校3所。"
    found, _ = pairs(text)
    assert found[("常州市", "海北州")].relation is Relation.counterpart_support


def test_a_relation_word_in_another_clause_gives_way_to_the_pairs_own_wording():
    found, _ = pairs("这几年，北京市和山东省共向青海投入财政援助资金7亿元，落地扶贫协作项目260多个。"
                     "北京市、山东省对口支援青海省，在资金、干部上持续给予支持。")
    assert {(h, p.relation) for (h, _), p in found.items()} == {("北京市", Relation.counterpart_support),
                                                             ("山东省", Relation.counterpart_support)}


def test_sales_value_is_money_and_signed_projects_are_investment():
    result = summarize_text("某市帮对口地区卖出销售价值约1.8亿元的山货；新签约引进项目9个，协议额21亿元；"
                            "另帮助引进资金4亿元，用于建设园区。", RulesBackend())
    kinds = {f.amount_text: f.kind.value for f in result.funds}
    assert kinds == {"约1.8亿元": "procurement", "21亿元": "investment", "4亿元": "investment"}


# --- 5. metadata ----------------------------------------------------------------------

@pytest.mark.parametrize("raw, title, published, outlet", [
    ("【脱贫攻坚】某县迎来东部帮扶新项目\n2020-05-06  来源：某某日报\n正文，某县与某区结对帮扶，成效明显。", 
     "【脱贫攻坚】某县迎来东部帮扶新项目", "2020-05-06", "某某日报"),
    ("黔东南日报 2019-11-02 08:30\n某地东西部协作成果丰硕\n本报凯里讯 杭州市对口帮扶黔东南州，今年投入资金2亿元，成效明显。", 
     "某地东西部协作成果丰硕", "2019-11-02", "黔东南日报"),
    ("《扶贫在路上》 (20200512)\n主持人：今天我们来到对口帮扶一线，看看产业园区的新变化。记者：这里的车间很忙。",
     None, "2020-05-12", "扶贫在路上"),
    ("首页 > 新闻中心 > 正文\n某区协作工作综述\n发布时间：2021-03-04\n某区对口帮扶某县，全年投入资金1000万元，成效明显。", 
     "某区协作工作综述", "2021-03-04", None),
    ("某区代表团赴某县开展协作对接\n24-02-19 16:45 来源:某某日报 编辑:张三\n正文，某区对口帮扶某县，投入资金。",
     "某区代表团赴某县开展协作对接", "2024-02-19", "某某日报"),
])
def test_titles_dates_and_outlets(raw, title, published, outlet):
    cleaned = clean(raw)
    assert (cleaned.title, cleaned.published, cleaned.outlet) == (title, published, outlet)


def test_outlet_from_a_dateline_a_credit_or_a_closing_source():
    assert clean("某县东西部协作见实效\n新华社兰州3月2日电 记者从会上获悉，对口帮扶成效明显，项目落地。").outlet == "新华社"
    assert clean("正文第一段，某市对口帮扶某县，投入资金500万元。\n（甘孜日报社融媒体记者 张三）").outlet == "甘孜日报"
    assert clean("正文，某区结对帮扶某村，捐赠物资。其他内容若干，成效明显。 来源:某某晚报 |").outlet == "某某晚报"
    assert clean("?据某某日报报道(记者 张三)自去年起某市结对帮扶某县，成效明显。").outlet == "某某日报"


def test_a_models_date_may_be_read_from_a_two_digit_year():
    from summarizer.checks import metadata_problems
    page = "24-02-19 16:45 来源:某某日报\n正文"
    assert metadata_problems(None, "2024-02-19", "24-02-19 16:45", None, page) == []
    assert metadata_problems(None, "2014-02-19", "24-02-19 16:45", None, page) != []
    assert metadata_problems(None, "2024-02-19", "2014-02-19 16:45", None, "2014-02-19 16:45") != []


def test_a_sites_reprint_notice_is_neither_text_nor_outlet():
    notice = ("1、凡在本网标明“来源:某某在线”的稿件,著作权归本网所有,任何单位未获本网授权不可转载或摘编。"
              "擅自使用者,本网保留依法追究的权利。")
    cleaned = clean(f"本报讯 某市深化县际结对帮扶，累计投入帮扶资金1亿元，成效明显。\n{notice}\n2、凡本网注")
    assert cleaned.outlet is None and "本网" not in cleaned.text and notice in cleaned.removed


# --- 6. cleaning ---------------------------------------------------------------------

def test_menus_private_use_and_garbled_runs():
    raw = ("首页|新闻|图片|视频|评论|地方\n某县协作纪实\n发布时间：2022-01-02\n"
           "正文一段，某区对口帮扶某县\ue123，投入资金。\n正文二段，趱撠毚逖?对接某镇，成效明显。")
    cleaned = clean(raw)
    assert any(line.startswith("首页|新闻") for line in cleaned.removed) and "首页" not in cleaned.text
    assert "\ue123" not in cleaned.text and "撠" not in cleaned.text and LOST in cleaned.text
    assert any(c.rule == "damaged_text" for c in cleaned.checks)


def test_title_is_kept_once_and_is_never_a_record_source():
    text = "某区投入500万元助力某县\n发布时间：2021-01-01\n某区对口帮扶某县，投入资金500万元，发展茶叶产业。"
    cleaned = clean(text)
    assert cleaned.text.count("某区投入500万元助力某县") == 1 and cleaned.title not in cleaned.removed
    result = summarize_text(text, RulesBackend())
    assert [f.amount_text for f in result.funds] == ["500万元"]
    assert all(f.evidence.start > len(cleaned.title) for f in result.funds)
    assert all(m.evidence.start > len(cleaned.title) for m in result.measures)


def test_a_page_that_prints_its_body_twice_yields_each_record_once():
    body = "今年，浙江对口支援那曲，全年资金合计3.48亿元，建设项目41个。"
    result = summarize_text(f"标题一行在这里\n发布时间：2024-03-31\n{body}\n{body}", RulesBackend())
    assert result.article.text.count(body) == 1 and [f.amount_yuan for f in result.funds] == [348_000_000.0]


# --- the dev set: real articles, annotated by hand -------------------------------------

# Regression guards, a little under each set's figures as measured after it was worked on (dev figures,
# against the gold as restored in issue 21: devset pairing F1 0.900). Never a blind figure: a set that
# is still blind (devset/BLIND.md) has no floor here, and a blind measurement is never raised into one.
FLOORS = {
    "devset": {"pairing_f1": 0.88, "relation_accuracy": 0.95, "fund_f1": 0.94, "measure_f1": 0.90, "metadata_accuracy": 0.93},
    "holdout": {"pairing_f1": 0.89, "relation_accuracy": 0.85, "fund_f1": 0.95, "measure_f1": 0.95, "metadata_accuracy": 0.93},
    "holdout2": {"pairing_f1": 0.90, "relation_accuracy": 0.80, "fund_f1": 0.97, "measure_f1": 0.90, "metadata_accuracy": 0.93},
    "holdout3": {"pairing_f1": 0.78, "relation_accuracy": 0.95, "fund_f1": 0.97, "measure_f1": 0.95, "metadata_accuracy": 0.95},
    # worked on in issue 19's second round (their blind figures stand in devset/BLIND.md)
    "holdout4": {"pairing_f1": 0.90, "relation_accuracy": 0.95, "fund_f1": 0.97, "measure_f1": 0.90, "metadata_accuracy": 0.85,
                 "status_accuracy": 0.95, "cumulative_accuracy": 0.95},
    # 0.80 -> 0.75: a county's short name is now read where its prefecture is named (南京市栖霞、浦口、高淳…援助…),
    # and two districts the text names as helping are pairs the gold does not list
    "holdout5": {"pairing_f1": 0.75, "relation_accuracy": 0.65, "fund_f1": 0.90, "measure_f1": 0.83, "metadata_accuracy": 0.80,
                 "status_accuracy": 0.95, "cumulative_accuracy": 0.90},
    "holdout6": {"pairing_f1": 0.76, "relation_accuracy": 0.90, "fund_f1": 0.92, "measure_f1": 0.84, "metadata_accuracy": 0.80,
                 "status_accuracy": 0.95, "cumulative_accuracy": 0.90},
    "holdout7": {"pairing_f1": 0.45, "relation_accuracy": 0.80, "fund_f1": 0.95, "measure_f1": 0.88, "metadata_accuracy": 0.90,
                 "status_accuracy": 0.95, "cumulative_accuracy": 0.92},
    "holdout8": {"pairing_f1": 0.64, "relation_accuracy": 0.95, "fund_f1": 0.95, "measure_f1": 0.90, "metadata_accuracy": 0.72,
                 "status_accuracy": 0.88, "cumulative_accuracy": 0.94},
    "holdout9": {"pairing_f1": 0.80, "relation_accuracy": 0.85, "fund_f1": 0.95, "measure_f1": 0.82, "metadata_accuracy": 0.90,
                 "status_accuracy": 0.93, "cumulative_accuracy": 0.95},
    "holdout10": {"pairing_f1": 0.60, "relation_accuracy": 0.78, "fund_f1": 0.95, "measure_f1": 0.75, "metadata_accuracy": 0.77,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.93},
    # relation 0.80 -> 0.70: 上海市→正安 is now found (正安 confirmed by its township 土坪镇, pairing F1 .78 -> .84);
    # the tool gives it the published 东西部协作 relation, the gold `other` (the text names no programme)
    "holdout11": {"pairing_f1": 0.70, "relation_accuracy": 0.70, "fund_f1": 0.95, "measure_f1": 0.84, "metadata_accuracy": 0.70,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.95},
    "holdout12": {"pairing_f1": 0.65, "relation_accuracy": 0.85, "fund_f1": 0.92, "measure_f1": 0.75, "metadata_accuracy": 0.85,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.95},
    "holdout13": {"pairing_f1": 0.63, "relation_accuracy": 0.95, "fund_f1": 0.88, "measure_f1": 0.85, "metadata_accuracy": 0.85,
                  "status_accuracy": 0.88, "cumulative_accuracy": 0.95},
    "holdout14": {"pairing_f1": 0.50, "relation_accuracy": 0.95, "fund_f1": 0.95, "measure_f1": 0.80, "metadata_accuracy": 0.82,
                  "status_accuracy": 0.90, "cumulative_accuracy": 0.93},
    "holdout15": {"pairing_f1": 0.75, "relation_accuracy": 0.68, "fund_f1": 0.94, "measure_f1": 0.80, "metadata_accuracy": 0.90,
                  "status_accuracy": 0.93, "cumulative_accuracy": 0.95},
    "holdout16": {"pairing_f1": 0.44, "relation_accuracy": 0.95, "fund_f1": 0.95, "measure_f1": 0.92, "metadata_accuracy": 0.83,
                  "status_accuracy": 0.93, "cumulative_accuracy": 0.90},
    "holdout17": {"pairing_f1": 0.55, "relation_accuracy": 0.95, "fund_f1": 0.87, "measure_f1": 0.84, "metadata_accuracy": 0.90,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.88},
    "holdout18": {"pairing_f1": 0.80, "relation_accuracy": 0.60, "fund_f1": 0.95, "measure_f1": 0.78, "metadata_accuracy": 0.80,
                  "status_accuracy": 0.90, "cumulative_accuracy": 0.94},
    "holdout19": {"pairing_f1": 0.53, "relation_accuracy": 0.95, "fund_f1": 0.95, "measure_f1": 0.85, "metadata_accuracy": 0.83,
                  "status_accuracy": 0.94, "cumulative_accuracy": 0.90},
    "holdout20": {"pairing_f1": 0.78, "relation_accuracy": 0.85, "fund_f1": 0.95, "measure_f1": 0.78, "metadata_accuracy": 0.90,
                  "status_accuracy": 0.90, "cumulative_accuracy": 0.95},
    "holdout21": {"pairing_f1": 0.45, "relation_accuracy": 0.30, "fund_f1": 0.95, "measure_f1": 0.90, "metadata_accuracy": 0.63,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.95},
    "holdout22": {"pairing_f1": 0.66, "relation_accuracy": 0.95, "fund_f1": 0.95, "measure_f1": 0.92, "metadata_accuracy": 0.93,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.93},
    "holdout23": {"pairing_f1": 0.62, "relation_accuracy": 0.78, "fund_f1": 0.95, "measure_f1": 0.65, "metadata_accuracy": 0.83,
                  "status_accuracy": 0.93, "cumulative_accuracy": 0.80},
    "holdout24": {"pairing_f1": 0.47, "relation_accuracy": 0.95, "fund_f1": 0.92, "measure_f1": 0.74, "metadata_accuracy": 0.87,
                  "status_accuracy": 0.93, "cumulative_accuracy": 0.77},
    "holdout25": {"pairing_f1": 0.32, "relation_accuracy": 0.95, "fund_f1": 0.90, "measure_f1": 0.62, "metadata_accuracy": 0.87,
                  "status_accuracy": 0.95, "cumulative_accuracy": 0.87},
    # relation 0.45 -> 0.35: 深圳市→甘肃 (我省 of a 天水 paper) is now found, pairing F1 .30 -> .36; the published
    # province roles type it east_west, the gold other (a 2010 city gift to students, no programme named)
    "holdout26": {"pairing_f1": 0.27, "relation_accuracy": 0.35, "fund_f1": 0.89, "measure_f1": 0.92, "metadata_accuracy": 0.73,
                  "status_accuracy": 0.93, "cumulative_accuracy": 0.92},
    # holdout27 and holdout28: blind batches of 2026-12-02, worked on the same day (blind figures in devset/BLIND.md)
    "holdout27": {"pairing_f1": 0.47, "relation_accuracy": 0.62, "fund_f1": 0.93, "measure_f1": 0.87, "metadata_accuracy": 0.87,
                  "status_accuracy": 0.97, "cumulative_accuracy": 0.92},
    "holdout28": {"pairing_f1": 0.43, "relation_accuracy": 0.62, "fund_f1": 0.92, "measure_f1": 0.79, "metadata_accuracy": 0.83,
                  "status_accuracy": 0.92, "cumulative_accuracy": 0.87},
}
DEVSETS = [ROOT / "devset"] + [ROOT / "devset" / name for name in FLOORS if name != "devset"]


@pytest.mark.parametrize("root", DEVSETS, ids=lambda p: p.name)
def test_dev_set_scores_stay_above_their_floors(root):
    golds = load_gold(root / "gold")
    sources = list(expand_inputs([str(root / "articles")]))
    assert len(golds) == len(sources) >= 7
    from summarizer.reader import read_document
    results = [summarize_text(read_document(s).text, RulesBackend(), source=s) for s in sources]
    report = evaluate(golds, match_results(golds, root / "gold", results))
    metrics = report.metrics()
    low = {k: round(metrics[k], 3) for k, floor in FLOORS[root.name].items() if metrics[k] < floor}
    assert low == {}, json.dumps(report.metrics(), indent=1)


def test_the_school_and_the_group_stand_for_the_organisation_named_before():
    found, _ = pairs("西北农林科技大学组织专家开展培训。学校定点扶贫合阳县以来，累计投入资金300万元。")
    assert ("西北农林科技大学", "合阳县") in found
    found, _ = pairs("某某建设集团有限公司近年来积极投身公益。该公司向平利县捐赠100万元。")
    assert ("某某建设集团有限公司", "平利县") in found
    found, _ = pairs("帮助平利县改造学校，镇坪县援建学校两所。")  # 学校 as a building, no organisation before
    assert not any("学校" in h or "学校" in r for h, r in found)
