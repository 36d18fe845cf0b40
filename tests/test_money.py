from decimal import Decimal

import pytest

from summarizer.money import find_amounts, format_yuan, parse_amount, written_as_count


@pytest.mark.parametrize("text, yuan", [
    ("5200万元", Decimal("52000000")),
    ("28692.36万元", Decimal("286923600")),
    ("4221.165万元", Decimal("42211650")),
    ("1.2亿元", Decimal("120000000")),
    ("3,000元", Decimal("3000")),
    ("近30万元", Decimal("300000")),
    ("100余万元", Decimal("1000000")),
    ("30多万元", Decimal("300000")),
    ("2000万", Decimal("20000000")),
    ("70 万元", Decimal("700000")),  # typeset with a space
    ("突破1000万元", Decimal("10000000")),
    ("1万多亿元", Decimal("1000000000000")),
    ("上千万元", Decimal("10000000")),  # upwards of ten million: its lower bound
    ("50万元到100万元", Decimal("500000")),  # a range with its unit on both ends: the low end
])
def test_parse_amount(text, yuan):
    assert parse_amount(text) == yuan


def test_not_amounts():
    assert parse_amount("683人") is None
    assert parse_amount("资金") is None


def test_find_amounts_in_context():
    text = "向赫章送去30万尾鱼苗，价值115万的物资，资金2000万，带动2.18万人，投入帮扶资金近62万元。"
    found = {a.text: a for a in find_amounts(text)}
    assert set(found) == {"115万", "2000万", "近62万元"}
    assert found["近62万元"].approximate and not found["2000万"].approximate
    assert found["115万"].yuan == Decimal("1150000")


def test_ranges_are_approximate_with_upper_bound():
    [amount] = find_amounts("计划投入100-200万元用于产业")
    assert amount.yuan == Decimal("1000000") and amount.upper_yuan == Decimal("2000000") and amount.approximate


def test_written_as_count():
    text = "向赫章送去30万尾鱼苗，资金2000万。"
    assert written_as_count(text, "30万")
    assert not written_as_count(text, "2000万")
    assert not written_as_count(text, "5200万元")
    # a noun of money right after the figure: the second batch of 300万 start-up money was issued
    assert not written_as_count("第二批300万启动资金已经下达。", "300万")
    assert written_as_count("发放300万株树苗。", "300万")
    assert written_as_count("惠及1.2万户分红资金。", "1.2万")  # households, before the money noun
    # a verb giving money right before the figure: money, unless a counter follows
    assert not written_as_count("某局捐赠15万支持村小重建。", "15万")
    assert written_as_count("某局捐赠15万册图书。", "15万")


def test_format_yuan():
    assert format_yuan(52000000) == "5200万元"
    assert format_yuan(120000000) == "1.2亿元"
    assert format_yuan(300) == "300元"


def test_chinese_numerals():
    assert parse_amount("一百二十万元") == Decimal("1200000")
    assert parse_amount("一亿五千万元") == Decimal("150000000")
    found = [a.text for a in find_amounts("投入两亿元，数十万元，三千亩，一万人，二十万余元")]
    assert found == ["两亿元", "二十万余元"]


def test_a_value_word_makes_a_bare_figure_money_whatever_follows():
    text = "为甲村捐赠价值30万优良种子，折价12万的农机，共计50万，共计3万人次受益。"
    assert not written_as_count(text, "30万") and not written_as_count(text, "12万")
    assert not written_as_count(text, "50万") and written_as_count(text, "3万")


@pytest.mark.parametrize("text, low, high", [
    ("超过百亿元", 10**10, 10**10), ("百亿", 10**10, 10**10), ("千万元", 10**7, 10**7),
    ("数百万元", 10**6, 10**7), ("数百万", 10**6, 10**7), ("超亿元", 10**8, 10**8), ("100-200万元", 10**6, 2 * 10**6),
    ("54万元以上", 540_000, 540_000), ("30万元左右", 300_000, 300_000),
])
def test_bare_magnitudes_and_vague_amounts_parse(text, low, high):
    from summarizer.money import amount_range

    assert amount_range(text) == (Decimal(low), Decimal(high))


def test_a_lone_unit_is_not_an_amount():
    from summarizer.money import amount_range

    assert amount_range("万元") is None and parse_amount("亿") is None and parse_amount("数百万元") is None


def test_checks_accept_real_answers_forms_and_say_how_to_fix():
    from summarizer.checks import run_checks
    from summarizer.schemas import Article, Evidence, Fund, Provenance, Result

    text = "甲市累计投入超过百亿元，向乙县捐赠价值30万优良种子，另有数百万元社会资金。"

    def fund(amount_text, yuan):
        quote = text.split("，")[0] if amount_text == "超过百亿元" else text
        start = text.index(quote)
        return Fund(amount_yuan=yuan, amount_text=amount_text, kind="fiscal",
                    evidence=Evidence(text=quote, start=start, end=start + len(quote)))

    result = Result(article=Article(id="x", source="-", text=text), provenance=Provenance(backend="t"),
                    funds=[fund("超过百亿元", 1e10), fund("30万", 3e5), fund("数百万元", 3e6), fund("30万", 3e6)])
    errors = [c for c in run_checks(result) if c.severity.value == "error"]
    assert [c.path for c in errors] == ["funds[3]"]
    assert "set amount_yuan" in errors[0].message
