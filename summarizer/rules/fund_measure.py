"""What an amount measures: paid, planned or agreed; one year's or cumulative (and since when); per unit.

The cue words are data (`[fund_measure]` in data/vocabulary.toml, each with examples that must and
must not match). Time and status cues are read before the amount in its sentence, the nearest one
deciding, so in "2016年以来累计投入3亿元，其中2020年投入1亿元" the part is one year's money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..money import find_amounts
from ..schemas import FundStatus
from ..vocabulary import vocabulary

# A year that names an event (2018年度…会议上获悉，各企业累计投入…) dates the meeting, not a running total.
EVENT_AFTER = re.compile(r"度?[^，。；,;]{0,30}?(?:会议|大会|论坛|座谈会|推进会|联席会)")
# A plan naming the projects it is for: 将启动和加快实施的援藏项目, 计划新建的帮扶项目.
PLANNED_PROJECTS = re.compile(r"[^，。；,;]{0,10}的[^，。；,;]{0,8}项目")
# A clause that frames what follows as inside a plan: 今年某省拟安排资金项目里，A地安排…，B地安排….
PLANNED_FRAME = re.compile(vocabulary().raw["rule_words"]["planned_frame"])
FRAMING_PLANS = ("拟", "将", "计划")  # (not the noun 规划: 对口支援规划项目中，去年投入… is paid)
# A span running on from now: 今后三年, 未来五年, 从今年起至2019年.
FROM_NOW = re.compile(r"(?:从|自)(?:今年|明年)")
FORWARD = re.compile(rf"今后|未来|{FROM_NOW.pattern}")
# A list item after a semicolon that opens on the giving itself, with no giver of its own (；投入资金655万元…).
ITEM_GOES_ON = re.compile(vocabulary().raw["fund_measure"]["list_item_opening"])
SHARE_OF_A_GIFT = re.compile(r"中的\s*$")  # 捐资中的…: a share of a gift, not a giving
GIFT = re.compile(vocabulary().raw["fund_measure"]["gift_act"])
ITEM_BREAKS = ("；", ";", "……")
FIVE_YEAR_PLANS = {"十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}


@dataclass(frozen=True)
class Cues:
    time: re.Pattern  # named groups: single (one year), cumulative, within (累计: a span unless a year is named before)
    status: re.Pattern  # named groups: planned, agreed, paid
    per_unit: re.Pattern
    each: re.Pattern
    yearly_rate: re.Pattern
    so_far: re.Pattern
    yearly_comparison: re.Pattern
    prior_total: re.Pattern
    planned_use: re.Pattern
    project_cost: re.Pattern
    one_round_after: re.Pattern
    share_of_years: re.Pattern
    list_sum: re.Pattern
    as_of: re.Pattern
    each_counted: re.Pattern
    giving_verb: re.Pattern
    sum_word: re.Pattern
    year: re.Pattern


@lru_cache(maxsize=1)
def cues() -> Cues:
    words = vocabulary().raw["fund_measure"]
    return Cues(
        # One year first: "今年以来" is this year's money, not a span.
        time=re.compile(f"(?P<single>{words['single_year']})|(?P<cumulative>{words['cumulative']})"
                        f"|(?P<within>{words['cumulative_within']})"),
        # A plan that names completion ("计划完成投资") is tried before "完成" alone.
        status=re.compile(f"(?P<planned>{words['planned']})|(?P<agreed>{words['agreed']})|(?P<paid>{words['paid']})"),
        per_unit=re.compile(words["per_unit"]),
        each=re.compile(words["each"]),
        yearly_rate=re.compile(words["yearly_rate"]),
        so_far=re.compile(words["so_far"]),
        yearly_comparison=re.compile(words["yearly_comparison"]),
        prior_total=re.compile(words["prior_total"]),
        planned_use=re.compile(words["planned_use"]),
        project_cost=re.compile(words["project_cost"]),
        one_round_after=re.compile(words["one_round_after"]),
        share_of_years=re.compile(words["share_of_years"]),
        list_sum=re.compile(f"{words['list_sum']}|{words['sum_word']}"),
        as_of=re.compile(words["as_of"]),
        each_counted=re.compile(words["each_counted"]),
        giving_verb=re.compile(words["giving_verb"]),
        sum_word=re.compile(words["sum_word"]),
        year=re.compile(r"(?:19|20)\d{2}"),
    )


@dataclass(frozen=True)
class Measured:
    status: FundStatus = FundStatus.paid
    cumulative: bool = False
    since: int | None = None
    per_unit: bool = False


def span_of(before: str, published_year: int | None, lead: str = "", after: str = "",
            earlier_lead: str = "", earlier_in_paragraph: str = "") -> tuple[bool, int | None]:
    """(cumulative, since) from the sentence's text before the amount: the nearest time cue decides.

    A weak cue (累计, 截至) inside a year named before it is that year's running total (2019年…累计实现销售).
    A sentence that names no time takes it from its paragraph's lead (过去两年，…。…将20.7亿元援助资金用于…), and a
    sum (共, 累计…) whose paragraph names none the span the paragraph before it opens on (`earlier_lead`).
    A figure compared with an earlier year (较去年增长, 是2019年的1.3倍) is one year's; a sum something new
    is built on (在已投入2.3亿元的基础上) is what was given so far. A sum up to a date (截至今年10月底) whose sentence
    names no other time runs from the span the paragraph named before it (多年来，…。截至今年10月底，…已投入…)."""
    if cues().yearly_comparison.search(after):
        return False, None
    found = list(cues().time.finditer(before))
    if _only_a_date_reached(before, found) and not _one_gift(clause_of(before)):
        # (not 先后, which tells acts one after another: 领导先后到某县调研。截至10月底，…)
        context = [m for m in cues().time.finditer(earlier_in_paragraph) if m.lastgroup != "within"]
        if context and context[-1].lastgroup == "cumulative" and context[-1].group(0) != "先后":
            found = context
    if cues().prior_total.search(after) or cues().share_of_years.match(after):
        return True, next((year for m in found if m.lastgroup == "cumulative"
                           and (year := first_year(m.group(0))) is not None), None)
    if not found:
        # "已无偿投入60亿": what was given up to now, said in the amount's own clause (not 公交车已投入运营，…139万元)
        if cues().so_far.search(clause_of(before)):
            return True, None
        # (先后 in another sentence tells that sentence's acts one after another: 先后参观…。…一是投资100万元…)
        found = [m for m in cues().time.finditer(lead) if m.group(0) != "先后"]
        if not found and earlier_lead and cues().sum_word.search(clause_of(before)):
            # 自…对口支援忠县以来，…。\n据统计，…共无偿援助忠县资金4.25亿元: a sum whose paragraph names no time
            # adds up over the span the paragraph before it opens on
            found = [m for m in cues().time.finditer(earlier_lead) if m.lastgroup == "cumulative"][-1:]
        if not found or _one_gift(clause_of(before)):
            return False, None  # (此外，甲区向乙旗捐赠400万元: one gift, not the paragraph's running total)
    last = found[-1]
    if last.lastgroup == "single" or (_one_after_another(last, before, after)
                                      and not any(m.lastgroup == "cumulative" for m in found[:-1])):
        return False, None  # (2016年以来…先后捐赠…: the span named before 先后 still holds)
    if last.lastgroup == "within":
        if last.group(0).startswith(("截至", "截止")) and not cues().list_sum.search(before, last.end()) \
                and _one_gift(clause_of(before)):
            return False, None  # (截至目前，…促成某基金会捐赠500万元物资: one gift made so far, not a sum)
        # (the year of an earlier item of a list dates that item, not this one: 2016年，某商会捐款…；…目前，…累计投入
        # 2.95亿元; a frame such as 今年以来 opening the list holds for all its items)
        item_start = max(before.rfind(mark, 0, last.start()) for mark in ITEM_BREAKS) + 1
        prior = next((m for m in reversed(found[:-1]) if m.lastgroup != "within"
                      and (m.start() >= item_start or not cues().year.fullmatch(m.group(0).rstrip("年")))), None)
        if prior is None:  # from the paragraph's lead only a time frame counts (今年以来), not 今年是…第二十六年
            frames = [m for m in cues().time.finditer(lead) if m.lastgroup != "within" and m.group(0).endswith("以来")]
            prior = frames[-1] if frames else None
        if (prior is not None and prior.lastgroup == "single" and _names_year(prior.group(0))
                and not EVENT_AFTER.match(before, prior.end())):
            return False, None
    run = _run(found)  # "2016年以来累计投入" starts in 2016
    since = next((year for m in reversed(run) if (year := first_year(m.group(0))) is not None), None)
    if (since is not None and published_year is not None and since >= published_year
            and not any(FORWARD.search(m.group(0)) for m in run)):
        return False, None  # "2021年以来" in a 2021 article is this year's money (not "自2021年起…今后三年")
    return True, since


def _run(found: list[re.Match]) -> list[re.Match]:
    """The span cues since the last single-year one, nearest first."""
    run = []
    for m in reversed(found):
        if m.lastgroup == "single":
            break
        run.append(m)
    return run


def _only_a_date_reached(before: str, found: list[re.Match]) -> bool:
    """The sentence's only time word is the date a sum runs to (截至今年10月底, with 累计 or not)."""
    dates = list(cues().as_of.finditer(before))
    return bool(dates) and all(m.lastgroup == "within" or any(d.start() <= m.start() < d.end() for d in dates)
                               for m in found)


def _one_gift(clause: str) -> bool:
    """An act of giving in the amount's clause (向乙旗捐赠), not a sum (共捐赠) nor money described (捐赠给某县的)."""
    return bool(GIFT.search(clause)) and not cues().list_sum.search(clause) and not clause.rstrip().endswith("的")


def _goes_on(first: str, item: str) -> bool:
    """A ；-item that opens, with no giver of its own, on the verb the first item after 先后 gives with."""
    verb = cues().giving_verb.search(first)
    opening = ITEM_GOES_ON.match(item)
    return bool(verb and opening and opening.group("verb") == verb.group(0))


def clause_of(before: str) -> str:
    """The amount's own comma clause, from the text of its sentence before it."""
    return re.split(r"[，,]", before)[-1]


def _one_after_another(cue: re.Match, before: str, after: str) -> bool:
    """先后为某村捐赠12万元…，捐赠60万元…: 先后 before several gifts, this one among them, none of them a sum of
    the others; or 先后 that a semicolon ends before this amount."""
    if cue.group(0) != "先后" or cue.string is not before:
        return False
    # the list runs to the next semicolon: what follows is another party's (…慰问贫困党员等；台商…寄来90多万元),
    # unless the item after it has no giver of its own (先后投入资金1300万元…；投入资金655万元…: the same spending)
    items = re.split(r"[；;]", before[cue.end():])
    if len(items) > 1 and not _goes_on(items[0], items[-1]):
        return True  # this amount is past it: 先后 is not its word
    run = before[cue.end():] + "#" + re.split(r"[；;]", after, maxsplit=1)[0]
    others = find_amounts(run)
    # each other amount a gift as this one is (捐赠40万元…); money put into works (投入资金…用于修建) adds up over the
    # years, and an output or a gain (年产值达2亿元) is no gift
    this = run.index("#")
    return bool(others) and bool(GIFT.search(run, max(0, this - 6), this)) \
        and all(GIFT.search(run, max(0, a.start - 6), a.start) for a in others) and not cues().list_sum.search(run)


def span_end(before: str) -> int | None:
    """The last year of the nearest span before the amount (2016至2020年 -> 2020), if it names one."""
    found = list(cues().time.finditer(before))
    if not found or found[-1].lastgroup != "cumulative":
        return None
    years = cues().year.findall(found[-1].group(0))
    return int(years[-1]) if len(years) >= 2 or (years and FROM_NOW.match(found[-1].group(0))) else None


def _names_year(cue: str) -> bool:
    """今年, 2019年, 截至6月底 place a running total in one year; a bare date (10月17日电) does not."""
    return "年" in cue or cue.startswith(("截至", "截止"))


def first_year(cue: str) -> int | None:
    if FROM_NOW.match(cue):
        return None  # 从今年起至2019年: from the article's own year, which the cue does not write
    years = cues().year.findall(cue)
    if years:
        return int(years[0])
    for plan, year in FIVE_YEAR_PLANS.items():
        if plan in cue:
            return year
    return None


def status_of(clause_before: str, clause_after: str, sentence_before: str = "", sentence_after: str = "") -> FundStatus:
    """The nearest status cue before the amount in its clause; else the first after it (…资金也将投入); else, in
    a clause with no giving verb (总投资额达242亿元), a plan or agreement earlier in the sentence; else a plan the
    next clause makes for it when its own clause gives nothing but a share (捐资中的1000万元，计划用于…; not
    捐赠资金400万元，计划用于…, a gift whose use is planned); else paid."""
    found = list(cues().status.finditer(clause_before))
    if not found:
        after = cues().status.search(clause_after)
        found = [after] if after else []
    if not found:
        earlier = [m for m in cues().status.finditer(sentence_before) if m.lastgroup != "paid"][-1:]
        # With a giving verb of its own, the clause follows an earlier plan only when that plan names the
        # projects the money is for (今年将启动的援藏项目共34个，其中…投入5313万元) or frames it (拟安排资金项目里，…).
        if not cues().giving_verb.search(clause_before) or (earlier and (
                PLANNED_PROJECTS.match(sentence_before, earlier[0].end())
                or (earlier[0].group(0) in FRAMING_PLANS and PLANNED_FRAME.match(sentence_before, earlier[0].end())))):
            found = earlier
    if not found:  # (a gift whose use is planned was given: 捐赠资金400万元，计划用于…)
        gives = GIFT.search(clause_before) and not SHARE_OF_A_GIFT.search(clause_before)
        planned_use = cues().planned_use.search(sentence_after) and not gives
        return FundStatus.planned if planned_use else FundStatus.paid
    return FundStatus(found[-1].lastgroup)


def says_status(clause_before: str) -> bool:
    """The amount's clause says itself whether it is paid, planned or agreed."""
    return cues().status.search(clause_before) is not None


def says_paid(clause_before: str) -> bool:
    """The nearest status cue before the amount says it was paid (到位, 已拨付, 完成)."""
    found = list(cues().status.finditer(clause_before))
    return bool(found) and found[-1].lastgroup == "paid"


def is_per_unit(clause_before: str) -> bool:
    """A per-unit cue in the amount's clause (每县…300万元, 县均援助资金…5800万元)."""
    return bool(cues().per_unit.search(clause_before))


def each_of_counted(clause_before: str) -> bool:
    """各 after a count of recipients the text does not name (为10个村各安排50万元): a per-unit amount."""
    return bool(cues().each_counted.search(clause_before[-16:]))


def given_to_each(clause_before: str) -> bool:
    """各/分别 right before the amount (向A县、B县各捐赠100万元)."""
    return bool(cues().each.search(clause_before[-8:]))


def measured(sentence_before: str, clause_before: str, clause_after: str, published_year: int | None,
             paragraph_lead: str = "", sentence_after: str = "", earlier_lead: str = "",
             earlier_in_paragraph: str = "") -> Measured:
    cumulative, since = span_of(sentence_before, published_year, paragraph_lead, sentence_after, earlier_lead,
                                earlier_in_paragraph)
    rates = list(cues().yearly_rate.finditer(clause_before))
    if cumulative and rates and not find_amounts(clause_before[rates[-1].end():]):
        # 2008年以来…每年捐赠15万元: a yearly rate (not 每年安排3.5亿元共计14亿元's total)
        cumulative, since = False, None
    if cumulative and cues().one_round_after.match(clause_after) and not cues().sum_word.search(clause_before) \
            and not cues().time.search(clause_before):
        cumulative, since = False, None  # …启动以来，某省1.27亿元援建资金于7月份全部一次性拨付到位: one round
    if (not cumulative and cues().project_cost.match(clause_after) and not cues().time.search(sentence_before)
            and not cues().time.search(paragraph_lead)):
        cumulative = True
    earlier = sentence_before[:len(sentence_before) - len(clause_before)]
    status = status_of(clause_before, clause_after, earlier, sentence_after)
    if (status is FundStatus.paid and cumulative and published_year is not None
            and (end := span_end(sentence_before)) is not None and end > published_year
            and not says_status(clause_before)):
        status = FundStatus.planned  # 2016至2020年…共安排 in a 2017 article: years still to come
    return Measured(status=status,
                    cumulative=cumulative, since=since,
                    per_unit=is_per_unit(clause_before) or each_of_counted(clause_before))
