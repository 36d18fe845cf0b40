"""Money that is not assistance: a region's own budget lines, GDP, investment, trade, revenue and income.

A work report is full of them (地区生产总值完成128.6亿元, 一般公共预算收入12.3亿元); so is a day's
transcript (中央财政安排…, 进出口总值…). They are never funds unless the clause that states the amount
ties it to a helper or a recipient (data/vocabulary.toml [own_money]). Shared by the offline
extractor, which never takes such an amount, and the `not_assistance` check, which holds an LLM
answer (and any result) to the same rule.
"""
from __future__ import annotations

from collections.abc import Iterable

import re
from dataclasses import dataclass
from functools import lru_cache

from .relations import relation_mentions
from .vocabulary import vocabulary

CLAUSE_BREAK = re.compile(r"[，。；！？,;!?\n]")
BREAKDOWN_OPENING = re.compile(r"\s*其中")
LOOKBACK = 400


@dataclass(frozen=True)
class OwnMoney:
    pattern: re.Pattern
    tie: re.Pattern


@lru_cache(maxsize=1)
def own_money_words() -> OwnMoney:
    raw = vocabulary().raw["own_money"]
    return OwnMoney(re.compile(raw["pattern"], re.I), re.compile(raw["tie"]))


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of text (between commas or stops) that holds text[start:end]; a clause opening on 其中 is
    a part of the amount before it and is judged with that clause (投入援助资金3559万元，其中省级财政拨付1000万元)."""
    window = max(0, start - LOOKBACK)  # a clause and the one before it; bounded, so a huge text stays linear
    before = [m.end() for m in CLAUSE_BREAK.finditer(text, window, start)]
    after = CLAUSE_BREAK.search(text, end)
    begin = before[-1] if before else window
    if before and BREAKDOWN_OPENING.match(text, begin) and text[begin - 1] not in "。！？!?\n":
        begin = before[-2] if len(before) >= 2 else window
    return text[begin:after.start() if after else len(text)]


def own_money(clause: str, helpers: Iterable[str] = (), recipients: Iterable[str] = ()) -> str | None:
    """The word that makes the clause's money the region's own (not assistance), or None: none found,
    or the clause ties it to a helper or recipient: a tie word, relation wording, one of the article's
    helpers named in it (佛山市对口帮扶湛江… 佛山市投入财政专项扶贫资金23.6亿元 is 佛山's help), or one of its
    recipients named as the one helped (某信托公司计划帮助甲县每年融资帮扶金额达到1000万元)."""
    words = own_money_words()
    found = words.pattern.search(clause)
    if (found is None or words.tie.search(clause) or relation_mentions(clause)
            or any(helper and helper in clause for helper in helpers)
            or any(recipient and re.search(HELPED + re.escape(recipient), clause) for recipient in recipients)):
        return None
    return found.group(0)


HELPED = "(?:帮助|支持|扶持)"  # not 向/为/给: 中央财政向某市下达…, 为某市新增税收…
