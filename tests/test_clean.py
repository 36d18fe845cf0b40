import json
import re

import pytest

from summarizer.clean import LOST, RUBY, clean, mark_garbled, to_simplified
from summarizer.reader import read_document
from summarizer.schemas import Script

from gold_answers import GOLD


def test_ruby_is_stripped_but_real_parentheses_survive():
    raw = "您當(dāng)前的位置。全年（2020年）生產(chǎn)總值(GDP)增長(zhǎng)，見(jiàn)附件(一)。"
    text = RUBY.sub("", raw)
    assert "(dāng)" not in text and "(chǎn)" not in text and "(jiàn)" not in text
    assert "（2020年）" in text and "(GDP)" in text and "(一)" in text


def test_traditional_is_converted_and_recorded():
    raw = ("甲山區(qū)扎實推進對(duì)口幫扶鄉(xiāng)村產業發展\n\n"
           "來(lái)源:某某晚報(bào) 2032年03月09日 10:15\n\n"
           "  甲山區(qū)繼續(xù)幫扶乙水縣丙河鎮(zhèn)。\n")
    cleaned = clean(raw)
    assert cleaned.original_script is Script.traditional
    assert cleaned.title == "甲山区扎实推进对口帮扶乡村产业发展"
    assert "甲山区继续帮扶乙水县丙河镇。" in cleaned.text
    assert cleaned.published == "2032-03-09" and cleaned.outlet == "某某晚报"


def test_damaged_fragment_is_flagged_not_invented():
    cleaned = clean("标题一行文字\n\n发布时间：2020-09-23\n\n组织7家企业联系?xùn)|溪镇4个村，共谋产业发展。")
    assert "?xùn)|" not in cleaned.text and LOST in cleaned.text
    assert "联系" + LOST + "溪镇" in cleaned.text
    [check] = [c for c in cleaned.checks if c.rule == "damaged_text"]
    assert check.severity.value in ("info", "warning")


def test_spam_navigation_and_share_lines_are_removed():
    raw = ("网站首页 > 新闻中心\nbet365亚洲官网\n县区帮扶工作取得成效\n发布日期：2033-06-19  来源：某某日报\n"
           "正文第一段，花都区对口帮扶黔西县。\n分享到：\n相关附件：\nbet365亚洲官网\n")
    cleaned = clean(raw)
    assert cleaned.text.split("\n") == ["县区帮扶工作取得成效", "正文第一段，花都区对口帮扶黔西县。"]
    assert "bet365亚洲官网" in cleaned.removed and "分享到：" in cleaned.removed


def test_copyright_disclaimer_block_is_removed():
    raw = ("标题在这里吗\n2030-11-02 14:21:07|来源:贵阳日报\n正文，南明区结对帮扶石屯镇。\n"
           "某某网关于版权与转载事宜的声明:\n  • 1、凡本网注明来源的信息，未经授权不得转载。\n"
           "  • 2、擅自使用者，本站保留依法追究的权利。\n")
    cleaned = clean(raw)
    assert cleaned.text == "标题在这里吗\n正文，南明区结对帮扶石屯镇。"


@pytest.mark.parametrize("stem", [p.stem for p in sorted(GOLD.glob("*.json"))])
def test_seed_metadata_matches_gold(cleaned_seeds, stem):
    gold = json.loads((GOLD / f"{stem}.json").read_text(encoding="utf-8"))
    cleaned = cleaned_seeds[stem]
    assert cleaned.title in [gold["title"]] + gold.get("title_alternatives", [])
    assert cleaned.published == gold["published"]
    assert cleaned.outlet in gold["outlet"]
    assert cleaned.original_script.value == gold["original_script"]


def _body_lines(raw: str) -> list[str]:
    """Lines of a seed that are article prose: long, sentence-like, not a disclaimer bullet."""
    text = to_simplified(RUBY.sub("", raw))
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if len(re.findall(r"[\u4e00-\u9fff]", line)) >= 25 and "。" in line and not line.startswith("•"):
            lines.append(line)
    return lines


def test_every_body_paragraph_of_every_seed_survives(seeds, cleaned_seeds):
    for seed in seeds:
        raw = read_document(str(seed)).text
        cleaned = cleaned_seeds[seed.stem].text
        body = _body_lines(raw)
        assert body, seed
        for line in body:
            # damaged and garbled fragments are replaced by a marker; compare the rest of the line
            line = mark_garbled(re.sub(r"\?[^\s)]*\)\|?", LOST, line))[0]
            pieces = [p for p in line.split(LOST) if len(p) > 4]
            for piece in pieces:
                assert piece in cleaned, f"{seed.name}: lost {piece[:40]!r}"


def test_html_page_title_and_headline_are_not_body(tmp_path):
    from summarizer.reader import read_document as read
    page = tmp_path / "p.html"
    page.write_text("<html><head><title>花都区对口帮扶黔西县取得成效_花都区政府网</title></head><body>"
                    "<div class='nav'>首页 &gt; 新闻中心</div><h1>花都区对口帮扶黔西县取得成效</h1>"
                    "<div>发布时间：2031-01-17 来源：花都区政府</div><p>花都区对口帮扶黔西县，投入资金500万元。</p>"
                    "<script>var a='统计代码';</script></body></html>", encoding="utf-8")
    cleaned = clean(read(str(page)).text)
    assert cleaned.title == "花都区对口帮扶黔西县取得成效" and cleaned.published == "2031-01-17"
    assert cleaned.outlet == "花都区政府"
    assert cleaned.text == "花都区对口帮扶黔西县取得成效\n花都区对口帮扶黔西县，投入资金500万元。"


ROOT = GOLD.parent.parent
REAL_ARTICLES = sorted([*(ROOT / "seeds").glob("*.txt"), *(ROOT / "devset").rglob("articles/*.txt")])
# Reasons that may remove a line carrying money or relation wording: the page's own header and
# bylines, a body printed twice, a notice, navigation; never a spam or furniture word inside prose.
CONTENT_MAY_GO_AS = {"byline or header", "the paragraph again (the page prints its body twice)", "disclaimer",
                     "reprint notice", "navigation", "breadcrumb", "menu", "short line before the first paragraph",
                     "short line after the last paragraph"}


@pytest.mark.parametrize("path", REAL_ARTICLES, ids=lambda p: p.stem[:24])
def test_no_real_line_with_money_or_relation_wording_is_removed_without_a_reason(path):
    from summarizer.clean import carries_content, looks_like_sentence

    cleaned = clean(read_document(str(path)).text)
    for line in cleaned.removed:
        assert line.reason, f"removed with no reason: {line}"
        if carries_content(line):  # a furniture line (原标题:…) may carry the headline's words, never a clause
            assert line.reason in CONTENT_MAY_GO_AS or not looks_like_sentence(line), f"{line.reason}: {line}"


def test_the_vocabularys_negative_examples_survive_cleaning():
    from summarizer.vocabulary import vocabulary

    cleaning = vocabulary().raw["cleaning"]
    negatives = cleaning["spam_negative"] + cleaning["chrome_negative"]
    assert len(negatives) >= 10
    for line in negatives:
        raw = f"甲县帮扶工作取得成效\n发布日期：2022-03-09 来源：某某日报\n东城区对口帮扶甲县，投入资金500万元。\n{line}\n" \
              "两地还开展了干部交流和劳务协作，成效明显。\n"
        cleaned = clean(raw)
        assert line in cleaned.text.split("\n"), f"{line!r} was removed: {[(r, r.reason) for r in cleaned.removed]}"


def test_every_removed_line_says_why_in_the_clean_command(tmp_path):
    from typer.testing import CliRunner

    from summarizer.cli import app

    page = tmp_path / "page.txt"
    page.write_text("网站首页 > 新闻中心\n县区帮扶工作取得成效\n发布日期：2022-03-09  来源：某某日报\n"
                    "正文第一段，花都区对口帮扶黔西县。\n分享到：\nbet365亚洲官网\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["clean", str(page), "--json"])
    data = json.loads(result.stdout)
    assert len(data["removed"]) == len(data["removed_reasons"]) and all(data["removed_reasons"])
    assert dict(zip(data["removed"], data["removed_reasons"]))["bet365亚洲官网"] == "spam"


@pytest.mark.parametrize("raw, outlet", [
    ("甲地帮扶乙县纪实\n□某州日报/某某新闻记者 李某\n甲地今年向乙县投入帮扶资金500万元。", "某州日报"),
    ("某某视窗讯 甲地今年向乙县投入帮扶资金500万元，建成学校两所。", "某某视窗"),
    ("晚报讯 甲地今年向乙县投入帮扶资金500万元，建成学校两所。", None),  # no name of its own
    ("本报讯 甲地今年向乙县投入帮扶资金500万元，建成学校两所。", None),
    ("甲地帮扶乙县\n发布时间:2031-09-13 10:15:42丨来源:某某客户端丨编辑:某某\n甲地今年向乙县投入帮扶资金500万元。",
     "某某客户端"),  # 丨 ends a header field
])
def test_an_outlet_named_by_a_reporters_line_or_its_own_dateline(raw, outlet):
    assert clean(raw).outlet == outlet


def test_a_caption_opening_on_a_date_is_no_byline():
    text = ("某县志 第88页\n(1990—2030)\n2031年5月12日,甲市代表团到乙院汇报帮扶工作\n"
            "乙院持续帮扶甲市某县，全年投入帮扶资金60万元。")
    cleaned = clean(text)
    assert cleaned.published is None and cleaned.title != "(1990—2030)"
    dated = clean("甲县帮扶纪实\n2031年5月12日 来源：某某日报\n乙院持续帮扶甲县，全年投入帮扶资金60万元。")
    assert (dated.title, dated.published) == ("甲县帮扶纪实", "2031-05-12")
    assert clean("甲县帮扶纪实\n2031年5月12日，某某在线\n乙院持续帮扶甲县，投入帮扶资金60万元。").published == "2031-05-12"


def test_widget_labels_after_the_source_are_not_the_outlet():
    cleaned = clean("甲县帮扶纪实\n2031年03月15日 08:12 来源:某某新闻网参与互动参与互动\n乙院持续帮扶甲县，投入帮扶资金60万元。")
    assert cleaned.outlet == "某某新闻网"


def test_hard_wrapped_lines_of_a_scanned_page_are_joined_into_their_paragraphs():
    page = ("某市对口支援志\n"
            "2030年,甲市工作队在乙县修通三条村道,新建一所寄宿制小学,\n"
            "为两个村引来自来水,春季又组织农技员下乡指导茶叶和核桃种\n"
            "植,当年拨付援助资金260万元,协调落地企业两家。\n"
            "2024—2030年,甲市累计派出支教教师四十名和医生二十名,培\n"
            "训乡村干部九百人次,在乙县建成冷库、烘干房和电商服务站,\n"
            "共拨付援助资金1830万元,帮助乙县卖出茶叶和核桃640万元。\n")
    text = clean(page).text
    assert "指导茶叶和核桃种植,当年拨付" in text and "培训乡村干部" in text
    assert text.count("\n") == 2  # the title and two paragraphs
    headlines = ("要闻\n甲省召开全省乡村振兴工作推进会议部署下一步工作\n乙市举行东西部协作产业合作项目签约仪式暨推介会\n"
                 "丙县开展消费帮扶农产品展销活动助力农民增收致富\n丁区组织干部赴对口帮扶地区开展调研考察交流活动\n")
    assert clean(headlines).text.count("\n") >= 3  # lines that share a width but end no sentence mid-way stay lines
    rows = ("捐赠名单\n甲市东区，结对帮扶乙县，投入资金300万元\n甲市西区，结对帮扶丙县，投入资金250万元\n"
            "甲市南区，结对帮扶丁县，投入资金280万元\n甲市北区，结对帮扶戊县，投入资金310万元\n")
    assert clean(rows).text.count("\n") == 4  # a table's rows share a width, but none wraps after a comma
