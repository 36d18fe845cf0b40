"""What an amount measures: paid, planned or agreed; one year's or cumulative (and since when); per unit.

The cue words are data (`[fund_measure]` in data/vocabulary.toml, each with examples that must and
must not match). Time and status cues are read before the amount in its sentence, the nearest one
deciding, so in "2016年以来累计投入3亿元，其中2020年投入1亿元" the part is one year's money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..schemas import FundStatus
from ..vocabulary import vocabulary

FIVE_YEAR_PLANS = {"十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}


@dataclass(frozen=True)
class Cues:
    time: re.Pattern  # named groups: single (one year), cumulative
    status: re.Pattern  # named groups: planned, agreed, paid
    per_unit: re.Pattern
    each: re.Pattern
    so_far: re.Pattern
    year: re.Pattern


@lru_cache(maxsize=1)
def cues() -> Cues:
    words = vocabulary().raw["fund_measure"]
    return Cues(
        # One year first: "今年以来" is this year's money, not a span.
        time=re.compile(f"(?P<single>{words['single_year']})|(?P<cumulative>{words['cumulative']})"),
        # A plan that names completion ("计划完成投资") is tried before "完成" alone.
        status=re.compile(f"(?P<planned>{words['planned']})|(?P<agreed>{words['agreed']})|(?P<paid>{words['paid']})"),
        per_unit=re.compile(words["per_unit"]),
        each=re.compile(words["each"]),
        so_far=re.compile(words["so_far"]),
        year=re.compile(r"(?:19|20)\d{2}"),
    )


@dataclass(frozen=True)
class Measured:
    status: FundStatus = FundStatus.paid
    cumulative: bool = False
    since: int | None = None
    per_unit: bool = False


def span_of(before: str, published_year: int | None, lead: str = "") -> tuple[bool, int | None]:
    """(cumulative, since) from the sentence's text before the amount: the nearest time cue decides. A sentence
    that names no time takes it from the paragraph's lead (过去两年，…。…将20.7亿元援助资金用于…)."""
    found = list(cues().time.finditer(before))
    if not found:
        if cues().so_far.search(before):  # "已无偿投入60亿": what was given up to now
            return True, None
        found = list(cues().time.finditer(lead))
        if not found:
            return False, None
    if found[-1].lastgroup != "cumulative":
        return False, None
    run = []  # the cumulative cues since the last single-year one: "2016年以来累计投入" starts in 2016
    for m in reversed(found):
        if m.lastgroup != "cumulative":
            break
        run.append(m)
    since = next((year for m in reversed(run) if (year := first_year(m.group(0))) is not None), None)
    if since is not None and published_year is not None and since >= published_year:
        return False, None  # "2021年以来" in a 2021 article is this year's money
    return True, since


def first_year(cue: str) -> int | None:
    years = cues().year.findall(cue)
    if years:
        return int(years[0])
    for plan, year in FIVE_YEAR_PLANS.items():
        if plan in cue:
            return year
    return None


def status_of(clause_before: str, clause_after: str) -> FundStatus:
    """The nearest status cue before the amount in its clause; else the first after it (…资金也将投入); else paid."""
    found = list(cues().status.finditer(clause_before))
    if not found:
        after = cues().status.search(clause_after)
        found = [after] if after else []
    if not found:
        return FundStatus.paid
    return FundStatus(found[-1].lastgroup)


def is_per_unit(clause_before: str) -> bool:
    """A per-unit cue in the amount's clause (每县…300万元, 县均援助资金…5800万元)."""
    return bool(cues().per_unit.search(clause_before))


def given_to_each(clause_before: str) -> bool:
    """各/分别 right before the amount (向A县、B县各捐赠100万元)."""
    return bool(cues().each.search(clause_before[-8:]))


def measured(sentence_before: str, clause_before: str, clause_after: str, published_year: int | None,
             paragraph_lead: str = "") -> Measured:
    cumulative, since = span_of(sentence_before, published_year, paragraph_lead)
    return Measured(status=status_of(clause_before, clause_after), cumulative=cumulative, since=since,
                    per_unit=is_per_unit(clause_before))
