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


def test_format_yuan():
    assert format_yuan(52000000) == "5200万元"
    assert format_yuan(120000000) == "1.2亿元"
    assert format_yuan(300) == "300元"


def test_chinese_numerals():
    assert parse_amount("一百二十万元") == Decimal("1200000")
    assert parse_amount("一亿五千万元") == Decimal("150000000")
    found = [a.text for a in find_amounts("投入两亿元，数十万元，三千亩，一万人，二十万余元")]
    assert found == ["两亿元", "二十万余元"]
