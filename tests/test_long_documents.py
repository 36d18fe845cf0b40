"""Long documents (issue 24): a work report read only where it speaks of pairing assistance, a day's
transcript split into items, the region's own money never taken as a fund. Every text here is written
for the test: the report's places are real (the gazetteer must know them), its wording and figures not."""
import asyncio
import json
import re

import pytest
from typer.testing import CliRunner

from summarizer.backends.llm import LLMBackend, LLMSettings
from summarizer.backends.prompting import build_messages, estimate_tokens
from summarizer.backends.rules import RulesBackend
from summarizer.checks import run_checks
from summarizer.clean import clean
from summarizer.cli import app
from summarizer.items import split_items
from summarizer.own_money import own_money
from summarizer.passages import SHORT_DOCUMENT, masked_text, passage_request_text, select_passages
from summarizer.pipeline import Pipeline, summarize_text
from summarizer.schemas import Evidence, Fund, FundKind
from summarizer.vocabulary import vocabulary

from fake_openai import FakeOpenAI, answer
from gold_answers import seed_paths

AID = ("深化东西部协作。吴兴区对口帮扶青川县以来，两地互派挂职干部18名，"
       "全年到位东西部协作财政援助资金1.26亿元，实施协作项目37个，带动脱贫群众就业2100人。")
OWN = [
    "全县地区生产总值完成{n}.6亿元，增长6.{m}%。",
    "一般公共预算收入完成{n}.3亿元，同比增长{m}.1%。",
    "全社会固定资产投资完成{n}.8亿元，其中工业投资{m}.2亿元。",
    "城乡居民人均可支配收入分别达到{n}{m}80元和1{m}460元。",
    "全年新建改建农村公路{n}{m}公里，完成投资{m}.5亿元。",
    "社会消费品零售总额达到{n}.{m}亿元，外贸进出口总额{m}.4亿元。",
]
HEADINGS = ["一、过去一年工作回顾", "二、今年主要目标任务", "三、加强政府自身建设"]


def work_report(length: int = 30_600, aid_after: int = 20_500) -> str:
    """A county's work report: its own budget, GDP and investment throughout, one paragraph of
    east-west cooperation after character `aid_after`."""
    lines = ["某县政府工作报告", "各位代表："]
    n = 0
    placed = False
    while sum(len(line) + 1 for line in lines) < length:
        if n % 40 == 0:
            lines.append(HEADINGS[(n // 40) % len(HEADINGS)])
        if not placed and sum(len(line) + 1 for line in lines) > aid_after:
            lines.append(AID)
            placed = True
        lines.append("".join(t.format(n=10 + n % 80, m=n % 9 + 1) for t in OWN[n % 3:n % 3 + 3]))
        n += 1
    return "\n".join(lines)


def transcript(items: int = 12, aid_item: int = 7) -> str:
    """A day's broadcast transcript: a contents list, then `items` items under ### headings; one about
    对口支援 (with a trade figure in the item before it)."""
    titles = [f"第{i}条新闻 某地召开会议部署工作" for i in range(1, items + 1)]
    titles[aid_item - 1] = "上海对口援疆 助力喀什发展"
    head = ["# 《晚间联播》 (20990105)", "## 新闻摘要", *[f"{i}.{t}；" for i, t in enumerate(titles, 1)],
            "## 详细新闻"]
    body = []
    for i, title in enumerate(titles, 1):
        body.append(f"### {title}")
        if i == aid_item:
            body.append("本台消息：上海市对口支援喀什地区，今年安排援疆资金3.2亿元，"
                        "重点用于莎车县产业园区和职业学校建设，选派援疆教师120名。")
            body.append("上海援疆干部表示，将继续做好产业援疆和就业援疆。")
        else:
            body.append(f"本台消息：今天，有关部门召开第{i}次会议，部署下一阶段工作。会议指出，前三季度全国货物贸易"
                        f"进出口总值{i}.5万亿元，同比增长{i}%。"
                        + "".join(f"会议要求第{k}项任务在{k}月底前完成，有关部门加强协调、压实责任。" for k in range(1, 13)))
    return "\n".join(head + body)


def run_source(path, backend):
    pipeline = Pipeline(backend)

    async def once():
        try:
            return await pipeline.run_source(str(path))
        finally:
            await pipeline.aclose()

    return asyncio.run(once())


def assert_quotes_in_text(result):
    for record in result.pairings + result.funds + result.measures:
        ev = record.evidence
        assert result.article.text[ev.start:ev.end] == ev.text


# --- the work report -------------------------------------------------------------------

@pytest.fixture(scope="module")
def report():
    text = clean(work_report()).text
    assert len(text) >= 30_000 and text.index(AID) > 20_000
    return text


def test_a_long_report_is_read_only_around_its_assistance_paragraph(report):
    selection = select_passages(report)
    aid_start = report.index(AID)
    assert not selection.whole
    assert any(s <= aid_start and aid_start + len(AID) <= e for s, e in selection.spans)
    assert selection.kept_chars < 0.05 * len(report)
    kept = " ".join(report[s:e] for s, e in selection.spans)
    assert kept.count("地区生产总值") <= 2  # one paragraph of context each side, no more
    reasons = next(r for (s, e), r in selection.reasons.items() if s == aid_start)
    assert any("东西部协作" in r for r in reasons)
    masked = masked_text(report, selection)
    assert len(masked) == len(report) and masked[aid_start:aid_start + len(AID)] == AID


def test_the_offline_backend_takes_the_pairing_and_only_the_assistance_money(report):
    result = summarize_text(report, RulesBackend())
    assert {(p.helper.name, p.recipient.name) for p in result.pairings} == {("吴兴区", "青川县")}
    assert [f.amount_yuan for f in result.funds] == [126_000_000.0]
    assert_quotes_in_text(result)
    aid_start = report.index(AID)
    assert all(r.evidence.start >= aid_start - 200 for r in result.pairings + result.funds)
    assert result.provenance.passages == select_passages(report, result.article.title).spans


def test_the_llm_request_carries_only_the_passages_with_their_offsets(report):
    backend = LLMBackend(LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k"))
    [messages] = backend.chunk_messages(clean(report))
    sent = messages[-1]["content"]
    assert AID in sent and "地区生产总值" in sent  # the context paragraphs
    marker = [m for m in re.finditer(r"\[第(\d+)–(\d+)字\]", sent) if m.start() < sent.index(AID)][-1]
    assert int(marker.group(1)) > 19_000
    start, end = int(marker.group(1)), int(marker.group(2))
    assert report[start:end] in sent
    assert estimate_tokens(sent) <= 0.25 * estimate_tokens(report)
    assert estimate_tokens(sent) <= 0.05 * estimate_tokens(report)


def test_an_llm_quote_from_the_passages_grounds_in_the_whole_text(tmp_path):
    page = tmp_path / "report.txt"
    page.write_text(work_report(), encoding="utf-8")
    quote_pair = "吴兴区对口帮扶青川县以来"
    quote_fund = "全年到位东西部协作财政援助资金1.26亿元"
    reply = {"summary": "吴兴区对口帮扶青川县。", "pairings": [
        {"helper": "吴兴区", "recipient": "青川县", "relation": "east_west", "quote": quote_pair}],
        "funds": [{"amount_text": "1.26亿元", "amount_yuan": 126_000_000.0, "kind": "fiscal", "donor": "吴兴区",
                   "recipient": "青川县", "purpose": None, "year": None, "part_of": None, "quote": quote_fund}],
        "measures": []}
    with FakeOpenAI() as fake:
        fake.default = lambda body: answer(reply)
        outcome = run_source(page, LLMBackend(LLMSettings(model="m", base_url=fake.url, api_key="k", timeout=5.0)))
        [request] = fake.requests
    assert outcome.ok, outcome.error
    result = outcome.result
    text = result.article.text
    assert result.pairings[0].evidence.start == text.index(quote_pair) > 20_000
    assert result.funds[0].evidence.start == text.index(quote_fund)
    assert_quotes_in_text(result)
    assert estimate_tokens(request["messages"][-1]["content"]) <= 0.25 * estimate_tokens(text)
    assert outcome.text_tokens_sent < 0.05 * outcome.document_tokens


# --- the transcript --------------------------------------------------------------------

def test_a_transcript_is_split_into_its_items_and_only_the_assistance_item_is_read():
    text = clean(transcript()).text
    items = split_items(text)
    assert len(items) == 12
    assert [i.number for i in items if i.relevant] == [7]
    assert items[6].title == "上海对口援疆 助力喀什发展"


def test_each_item_read_is_a_result_of_its_own_with_the_documents_date_and_outlet(tmp_path):
    page = tmp_path / "day.txt"
    page.write_text(transcript(), encoding="utf-8")
    outcome = run_source(page, RulesBackend())
    [item] = outcome.items
    assert "12 items, 1 read; 11 skipped" in outcome.note and outcome.note.endswith("8, 9, 10, 11, 12")
    result = item.result
    assert result.article.source == f"{page}#7"
    assert result.article.title == "上海对口援疆 助力喀什发展"
    assert result.article.published == "2099-01-05"
    assert result.article.text.startswith("上海对口援疆 助力喀什发展\n")
    assert {(p.helper.name, p.recipient.name) for p in result.pairings} == {("上海市", "喀什地区")}
    assert [f.amount_yuan for f in result.funds] == [320_000_000.0]
    assert_quotes_in_text(result)


def test_summarize_prints_one_result_per_item_read_and_notes_the_rest(tmp_path):
    page = tmp_path / "day.txt"
    page.write_text(transcript(), encoding="utf-8")
    run = CliRunner().invoke(app, ["summarize", str(page), "--json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert isinstance(payload, dict) and payload["article"]["source"].endswith("day.txt#7")
    assert "11 skipped (no pairing-assistance content)" in run.stderr


def test_a_transcript_request_carries_only_its_assistance_item():
    text = clean(transcript()).text
    [item] = [i for i in split_items(text) if i.relevant]
    backend = LLMBackend(LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k"))
    from summarizer.items import item_article
    requests = backend.chunk_messages(item_article(clean(transcript()), item))
    sent = "".join(m[-1]["content"] for m in requests)
    assert "援疆资金3.2亿元" in sent and "进出口总值" not in sent.split("援疆资金")[1]
    assert estimate_tokens(sent) <= 0.25 * estimate_tokens(text)


def test_clean_passages_shows_what_is_read_and_why(tmp_path):
    page = tmp_path / "day.txt"
    page.write_text(transcript(), encoding="utf-8")
    run = CliRunner().invoke(app, ["clean", "--passages", "--json", str(page)])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)["passages"]
    assert [i["number"] for i in report["items"] if i["read"]] == [7]
    reasons = [r for p in report["items"][6]["passages"]["paragraphs"] for r in p["reasons"]]
    assert any("援疆" in r for r in reasons)


# --- short articles are read whole --------------------------------------------------------

def test_a_short_article_is_read_whole_and_sent_as_before():
    backend = LLMBackend(LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k"))
    for path in seed_paths():
        article = clean(path.read_text(encoding="utf-8"))
        assert len(article.text) < SHORT_DOCUMENT
        selection = select_passages(article.text, article.title)
        assert selection.whole and masked_text(article.text, selection) == article.text
        assert passage_request_text(article.text, selection) == article.text
        assert split_items(article.text) is None
        [messages] = backend.chunk_messages(article)
        assert messages[-1]["content"].endswith("文章：\n" + article.text)


# --- money that is not assistance -----------------------------------------------------------

def test_own_money_vocabulary_matches_its_examples():
    words = vocabulary().raw["own_money"]
    assert all(own_money(e) for e in words["examples"])
    assert not any(own_money(e) for e in words["assistance_examples"])


def test_passage_vocabulary_keeps_its_examples_and_not_its_negative_ones():
    words = vocabulary().raw["passages"]
    threshold = words["threshold"]
    from summarizer.passages import score_paragraph
    assert all(score_paragraph(e)[0] >= threshold for e in words["examples"]), words["examples"]
    assert not any(score_paragraph(e)[0] >= threshold for e in words["negative_examples"])


def test_the_not_assistance_check_flags_a_budget_figure_and_not_aid():
    text = "全县一般公共预算收入完成9.8亿元。全年到位东西部协作财政援助资金1.26亿元。"
    result = summarize_text("某县报告\n" + text, RulesBackend())
    assert [f.amount_yuan for f in result.funds] == [126_000_000.0]
    budget = "全县一般公共预算收入完成9.8亿元"
    start = result.article.text.index(budget)
    result.funds.append(Fund(amount_yuan=980_000_000.0, amount_text="9.8亿元", kind=FundKind.fiscal,
                             evidence=Evidence(text=budget, start=start, end=start + len(budget))))
    findings = [c for c in run_checks(result) if c.rule == "not_assistance"]
    assert [c.path for c in findings] == ["funds[1]"] and findings[0].severity.value == "error"


def test_financing_for_a_recipient_named_as_the_one_helped_is_not_a_regions_own_money():
    clause = "某信托公司承诺三年内帮助甲县年均融资扶持金额超过800万元"
    assert own_money(clause) == "融资"
    assert own_money(clause, recipients=["甲县"]) is None
    assert own_money("甲县今年融资总额超过800万元", recipients=["甲县"]) == "融资"  # the county's own financing
    assert own_money("中央财政向甲县下达财政专项扶贫资金3亿元", recipients=["甲县"])  # 向 alone ties nothing


def test_a_part_after_qizhong_is_judged_with_the_sum_it_belongs_to():
    from summarizer.own_money import clause_around
    aid = "某省去年投入对口援助资金5600万元，其中省级财政拨付2000万元。"
    budget = "全州地区生产总值210亿元，其中第二产业增加值64亿元。"
    for text, amount, own in ((aid, "2000万元", False), (budget, "64亿元", True)):
        at = text.index(amount)
        assert bool(own_money(clause_around(text, at, at + len(amount)))) is own, text


def test_unambiguous_city_names_are_read_as_their_city_without_context():
    from summarizer.regions import RegionResolver
    for name in vocabulary().raw["provinces"]["unambiguous_cities"]:
        resolver = RegionResolver.for_text(f"{name}援疆工作队")
        [mention] = resolver.mentions
        region = resolver.resolve_mention(mention)
        assert mention.text == name and len(region.adcode) == 4, name  # the city, however many districts share it


# --- pairing wording found in long documents (sentences written for the test) ----------------

def pairs(text):
    result = summarize_text(text, RulesBackend())
    return {(p.helper.name, p.recipient.name) for p in result.pairings}


def test_under_a_helpers_aid_the_next_clause_names_the_recipient():
    assert ("大连", "六盘水市") in pairs("产业援建见成效。在大连对口援助下，六盘水市建起了冷链仓储基地。")


def test_a_sentence_opening_on_a_place_is_about_that_place():
    found = pairs("对口援藏三十年。在色尼区，浙江、江苏接力援藏，帮助当地建起牦牛加工厂。")
    assert {("浙江", "色尼区"), ("江苏", "色尼区")} <= found
    assert ("厦门", "岳普湖县") in pairs("对口援疆成效明显。岳普湖县气候干旱，厦门援疆工作队引来了滴灌技术。")


def test_an_aid_word_naming_a_province_keeps_a_place_outside_it_out():
    # 援疆 helps 新疆: a sentence opening on a place in another province is not the one helped
    assert ("厦门", "龙岩市") not in pairs("龙岩市召开会议，厦门援疆工作队介绍经验。")


def test_helpers_that_implement_projects_for_a_province():
    found = pairs("东西部协作持续深化。江苏、福建与多家帮扶企业共同为青海实施项目200多个。")
    assert {("江苏", "青海"), ("福建", "青海")} <= found


def test_an_east_and_a_west_province_cooperating_in_an_east_west_article():
    found = pairs("东西部协作走深走实。江苏、陕西协作从产业延伸到人才，福建、宁夏深化光伏产业协作。")
    assert {("江苏", "陕西"), ("福建", "宁夏")} <= found
    assert ("广东", "广西") not in pairs("东西部协作走深走实。广西与广东企业签约合作项目200个。")


# --- the long dev set: real transcripts, annotated before the tool was run on them ------------

def test_the_long_dev_set_stays_above_its_floors():
    """Floors a little under the measured figures (devset/BLIND.md), the issue's goals at least."""
    from pathlib import Path

    from summarizer.evaluate import evaluate, load_gold, match_results
    from summarizer.reader import expand_inputs

    root = Path(__file__).resolve().parent.parent / "devset" / "long"
    golds = load_gold(root / "gold")
    sources = list(expand_inputs([str(root / "articles")]))
    assert len(golds) == len(sources) >= 8
    results = [o.result for s in sources for o in run_source(s, RulesBackend()).flat()]
    metrics = evaluate(golds, match_results(golds, root / "gold", results)).metrics()
    assert metrics["pairing_f1"] >= 0.85 and metrics["fund_precision"] >= 0.95, metrics
