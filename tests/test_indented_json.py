"""report --format json is written by indented_json.dumps_indented: byte for byte what
json.dumps(value, ensure_ascii=False, indent=2) writes, only faster."""
import json
import math
import random
from collections import Counter, OrderedDict
from enum import Enum, IntEnum

import pytest

from summarizer.indented_json import _HOLE, dumps_indented
from summarizer.report import build_report
from summarizer.report_render import VIEWS, as_json
from summarizer.schemas import Article, Evidence, Fund, FundKind, Pairing, Provenance, Region, Relation, Result


def stdlib(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


class Colour(str, Enum):
    red = "红"


class Size(IntEnum):
    big = 3


TRICKY_STRINGS = ["", "援助", 'a "quoted" word', "back\\slash", "line\nbreak\ttab", "\x00\x1f\x7f", "},\n  {",
                  "}, {", "[1, 2]", ": ", "\u2028\u2029", "😀", _HOLE, f"x{_HOLE}", json.dumps(_HOLE)]


def scalar(rnd: random.Random):
    return rnd.choice([
        rnd.choice(TRICKY_STRINGS), rnd.randint(-10**20, 10**20), rnd.random() * 10**rnd.randint(-8, 20),
        rnd.choice([0.0, -0.0, 1e16, 5.2e7, 1.5, float("nan"), float("inf"), -float("inf")]),
        True, False, None,
    ])


def nested(rnd: random.Random, depth: int = 0):
    roll = rnd.random()
    if depth > 5 or roll < 0.35:
        return scalar(rnd)
    size = rnd.choice([0, 1, 2, 3, 6])
    if roll < 0.55:  # a list of flat dicts, sometimes with an empty one among them
        return [{rnd.choice("abcdefg"): scalar(rnd) for _ in range(rnd.randint(0, 4))} for _ in range(size)]
    if roll < 0.75:
        return [nested(rnd, depth + 1) for _ in range(size)]
    return {rnd.choice(TRICKY_STRINGS + ["k1", "k2", "k3"]): nested(rnd, depth + 1) for _ in range(size)}


@pytest.mark.parametrize("seed", range(300))
def test_random_values_are_written_as_the_stdlib_writes_them(seed):
    value = nested(random.Random(seed))
    assert dumps_indented(value) == stdlib(value)


def deep(levels: int):
    value = [1, [2, {"deep": [3], "flat": {"x": 1}}]]
    for level in range(levels):
        value = [value] if level % 2 else {"k": value, "n": level}
    return value


@pytest.mark.parametrize("value", [
    {}, [], 0, "字", None, [[]], [{}], {"a": {}}, {"a": []}, [[], {}, [[]]],
    [{"a": 1}, {}, {"b": 2}],  # an empty dict among flat ones
    [{"a": "}"}, {"b": "{"}], [{"a": "},\n    {"}, {"a": 1}],
    {"places": [{"name": "甲县", "adcode": "520000"}, {"name": "乙县", "adcode": None}], "n": 2},
    {"ratio": math.nan, "big": math.inf, "small": -math.inf, "zero": -0.0},
    (1, 2), {"t": (1, [2, 3])}, Counter({"x": 2}), OrderedDict(a=1), {"c": Counter({"x": 2})},
    {1: "one", 2.5: "x", True: "y", None: "z"}, {"nested": {1: [1, 2]}},
    [Colour.red, Size.big], {"e": [Colour.red]},
    {_HOLE: [1, 2], "k": _HOLE}, [_HOLE, [1]], {"q": json.dumps(_HOLE), "r": [{"s": 1}]},
    deep(20), deep(40),
])
def test_edge_cases_are_written_as_the_stdlib_writes_them(value):
    assert dumps_indented(value) == stdlib(value)


def test_a_shared_container_is_written_for_each_place_it_stands():
    place = {"name": "丙县", "level": "county"}
    value = {"a": place, "b": [place, {"inner": place}], "c": [[place]]}
    assert dumps_indented(value) == stdlib(value)


def test_what_the_stdlib_refuses_is_refused_the_same_way():
    with pytest.raises(TypeError):
        dumps_indented({"a": object()})
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): "tuple key"})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        dumps_indented([loop])


def made_up_result(number: int) -> Result:
    """Wording invented for this test; amounts and quotes with characters JSON escapes."""
    text = (f"甲{number}区与乙{number}县携手协作。\n甲{number}区\"拨付\"帮扶资金{number + 1}00万元，"
            f"其中{number}0万元用于道路。\t累计投入{number + 2}亿元。")

    def ev(quote: str) -> Evidence:
        start = text.index(quote)
        return Evidence(text=quote, start=start, end=start + len(quote))

    helper, recipient = Region(name=f"甲{number}区", adcode="120101"), Region(name=f"乙{number}县", adcode="620421")
    funds = [Fund(amount_yuan=(number + 1) * 1_000_000, amount_text=f"{number + 1}00万元", kind=FundKind.fiscal,
                  year=2020, evidence=ev(f"帮扶资金{number + 1}00万元")),
             Fund(amount_yuan=number * 100_000, amount_text=f"{number}0万元", kind=FundKind.fiscal, year=2020,
                  part_of=0, evidence=ev(f"其中{number}0万元")),
             Fund(amount_yuan=(number + 2) * 100_000_000, amount_text=f"{number + 2}亿元", kind=FundKind.social,
                  cumulative=True, evidence=ev(f"累计投入{number + 2}亿元"))]
    return Result(article=Article(id=str(number), source=f"made-up-{number}.txt", title=f"第{number}篇",
                                  published="2021-03-04", text=text),
                  pairings=[Pairing(helper=helper, recipient=recipient, relation=Relation.east_west,
                                    evidence=ev(f"甲{number}区与乙{number}县携手协作"))],
                  funds=funds, measures=[], provenance=Provenance(backend="test"))


@pytest.mark.parametrize("rollup", ["as_written", "province"])
def test_report_json_is_what_json_dumps_writes_for_the_same_content(rollup, monkeypatch):
    import summarizer.report_render as report_render

    payloads = []
    real = report_render.dumps_indented
    monkeypatch.setattr(report_render, "dumps_indented", lambda value: payloads.append(value) or real(value))
    data = build_report([made_up_result(n) for n in range(1, 6)], rollup=rollup, regions=["620421"])
    text = as_json(data, list(VIEWS) + ["compare"])
    assert json.loads(text)["ledger"] and json.loads(text)["not_added"]
    [payload] = payloads
    assert text == stdlib(payload) + "\n"  # the very object as_json built, written by the stdlib


def test_plain_values_do_not_fall_back_to_the_stdlib(monkeypatch):
    import summarizer.indented_json as indented_json

    expected = {seed: stdlib(nested(random.Random(seed))) for seed in range(300)}
    fell_back = []
    monkeypatch.setattr(indented_json, "_stdlib", lambda value: fell_back.append(value) or stdlib(value))
    for seed, text in expected.items():
        assert dumps_indented(nested(random.Random(seed))) == text
    assert len(fell_back) < 100  # only values with a tuple, a subclass or a placeholder-like string
    data = build_report([made_up_result(n) for n in range(1, 4)])
    fell_back.clear()
    as_json(data, list(VIEWS))
    assert fell_back == []
