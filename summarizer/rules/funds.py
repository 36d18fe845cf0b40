"""Offline funds: money amounts with kind, donor, recipient, purpose, year and sub-allocations."""
from __future__ import annotations

import re
from decimal import Decimal
from itertools import chain, takewhile

from ..money import Amount, find_amounts
from ..own_money import clause_around, own_money
from ..schemas import Evidence, Fund, FundKind, FundStatus, Level, Pairing
from ..text import PARAGRAPH_BREAK, Span, Spans, clauses, enclosing, mask_org_names, org_names, paragraphs, periods
from ..vocabulary import vocabulary
from .fund_measure import cues, given_to_each, measured, says_paid, says_status
from .pairings import Place, places_in

# Per-capita figures, prices and wages are money but not funds.
NOT_A_FUND_BEFORE = re.compile(
    r"(?:人均|户均|每人|每户|每亩|每斤|每公斤|每吨|每头|每只|每月|每年|每天|每日|月均|年均|日均|单价|价格|(?<!销)售价|"
    r"月薪|工资|月收入|年收入|纯收入|净收入|可支配收入|收入水平|标准|增收|效益|"
    # a difference from another year is no money given: 较2016年增长28.78亿元
    r"(?:较|比)[^，。；,;]{1,10}(?:增长|增加|提高|减少|下降|多出))[^，。；,;]{0,8}$"
)
# Per head or per household, money given as aid is a per-unit fund (每户补助2000元), not a wage or an income.
PER_UNIT_AID = re.compile(r"(?:每(?:个|一个|名|位|所|家)?(?:县|乡|镇|村|户|人|学生|贫困户|脱贫户|学校|校)|人均|户均)"
                          r"[^，。；,;]{0,6}(?:补助|资助|奖补|奖励|扶持|帮扶|发放|捐赠|慰问|救助|补贴)[^，。；,;]{0,4}$")
YEARLY_GIFT = re.compile(r"每年(?:向|为|给|对)[^，。；,;]{1,12}?(?:捐赠|捐助|捐资|投入|安排|资助|拨付|提供)[^，。；,;]{0,4}$")
NOT_A_FUND_AFTER = re.compile(r"^\s*(?:/|每|一斤|一公斤|一亩|以上的|左右的收入)")
# Economic statistics of a place are not money given: 地区生产总值从5.9亿元增长到216.3亿元.
ECONOMY = re.compile(r"生产总值|GDP|固定资产投资|财政收入|一般公共预算|增加值|零售总额|总产值|经济总量", re.I)
# Organisations that spend public money: a development zone's or 保税区's funds are fiscal.
# Givers the sentence counts as non-public (344家非公经济组织…已投入资金2502.7万元): their money is never a budget's.
NON_PUBLIC_GIVERS = re.compile(vocabulary().raw["fund_measure"]["non_public_givers"])
PUBLIC_BODY = re.compile(r"(?:保税区|开发区|高新区|经开区|管委会)$")
DONATION_CUE = re.compile(r"捐赠|捐款|捐助|捐资|捐献")
# Words that make money aid whatever sum it is part of (沪滇扶贫协作项目资金, 对口支援资金), unlike 资金 alone.
GIVEN_AS_AID = re.compile(r"援|帮扶|扶贫|协作|对口|财政|输血")
# Where the clause says nothing of the kind, the sentence may: 援宁资金…由1.12亿元提高到3.1亿元.
AID_CUE = re.compile(r"援助|援建|援[藏疆青宁滇黔]|帮扶|扶贫资金|协作资金|输血|财政")
# Investment is an enterprise's: "投资2800万元建好沉砂池" by a city is the city's own spending. A project's
# total or completed investment (总投资, 完成投资) is investment whoever pays for it: aid is only part of it.
ENTERPRISE = re.compile(r"企业|公司|集团|招商|招引|引进|签约|签下|签订|落户|注册资|客商|投资方|产业园区|工业园区|总投资|经济合作|完成投资|投资额|合作项目"
                        # a project named by its size: 投资30亿元的某某制造中心项目
                        r"|投资[^，。；,;]{0,12}元的[^，。；,;]{0,40}项目"
                        # investment drawn in from others: 带动社会投资, 引导京企…投资
                        r"|社会投资|(?:带动|引导|撬动|吸引)[^，。；,;]{0,10}投资|[京津沪渝冀晋辽吉苏浙皖闽赣鲁豫鄂湘粤桂川黔滇陕甘青宁]企")

# Money that arrived for projects is the enterprises' when the sentence is about enterprises settling in.
PROJECT_MONEY = re.compile(r"到位(?:资金|投资)|实际投资|项目资金")
ENTERPRISE_PROJECTS = re.compile(r"(?:入驻|引进|引导|签约|落地|落户|招商)[^。；]{0,12}(?:企业|项目)|(?:企业|项目)[^。；]{0,6}(?:入驻|落地|落户|签约)"
                                 # firms' own industrial projects (14个某市国企帮扶产业合作项目), not their aid projects (援建)
                                 r"|(?:企业|国企|公司|集团)[^。；，,援]{0,8}(?:合作|投资)项目")
# Aid money a helper brought in from others (引进帮扶资金, 协调引进资金, 引入各类帮扶资金, 争取社会资金) is not
# its own gift: of unstated kind, kept out of the aid headline.
INTRODUCED = re.compile(r"(?:引进|引入|争取|协调)[^，。；,;]{0,4}(?:帮扶|扶贫|援助|社会|各类|各方)[^，。；,;]{0,2}资金"
                        r"|协调引进资金")
# Ordered: the first kind whose words occur in the amount's clause wins.
KIND_WORDS: list[tuple[FundKind, re.Pattern]] = [
    (FundKind.returns, re.compile(r"收益|分红|红利|租金收入")),
    (FundKind.procurement, re.compile(r"采购|销售|购买|购销|消费扶贫|消费帮扶|带货|认购|订单|成交|交易额|营业额")),
    (FundKind.credit, re.compile(r"贷款|信贷|授信|担保|借款|有偿")),
    (FundKind.donation, re.compile(r"捐赠|捐款|捐助|捐资|捐献|捐建|义捐|募捐|捐")),
    (FundKind.investment, re.compile(r"投资|注册资[金本]|引进.{0,6}企业|招商|签约项目|引进项目|引进资金|落地|经济合作|(?<!扶贫)(?<!帮扶)合作资金|"
                                     r"(?:协议|签约)(?:金)?额")),
    (FundKind.social, re.compile(r"社会帮扶|社会组织|社会资金|社会各界|爱心人士|企业帮扶|社会力量|非公经济组织|非公企业|民营企业")),
    (FundKind.fiscal, re.compile(r"财政|帮扶资金|扶贫资金|援助资金|协作资金|援建资金|专项资金|安排资金|拨付|资金|投入|补助|补贴|奖补|"
                                 r"援助|援建|援助款|输血")),
]
# A part said to come from a party (其中30万元来自某市): the total it is part of had other sources too.
FROM_A_PARTY = re.compile(vocabulary().raw["rule_words"]["from_a_party"])
# Aid money named right after the amount (2058万元京蒙扶贫协作资金).
AID_MONEY_NAMED_AFTER = re.compile(vocabulary().raw["rule_words"]["aid_money_named_after"])
YEAR = re.compile(r"((?:19|20)\d{2})年(?!\d{1,2}月\d)")
RELATIVE_YEAR = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
RELATIVE = re.compile("|".join(RELATIVE_YEAR))
TOWARDS = re.compile(r"(?:向|给|为|帮助|帮扶|支持|扶持|援助|资助)$")
PURPOSE = re.compile(r"(?:重点用于|主要用于|全部用于|用于|扶持|实施|建设|帮助|投资)([^，。；,;]{2,40})")
DONOR = re.compile(r"([\u4e00-\u9fff]{2,16}?(?:公司|集团|银行|协会|商会|工商联|基金会|企业|医院|大学|学校))[^，。；]{0,6}捐")
BREAKDOWN = re.compile(r"其中|包括|(?:资金|捐资|捐款|善款|款项)中的|(?<=元)中有")
# A paragraph opening with one of these lists parts of the total the paragraph before it gave, in every
# sentence (在今年的援助项目中，安排A…；在产业方面，安排B…。 / 在民生方面，投资A…；教育方面，投资B…).
BREAKDOWN_PARAGRAPH = re.compile(r"[ \t\u3000]*(?:其中|在[^，。；,;\n]{0,14}(?:项目|资金)中|在[^，。；,;\n]{1,8}方面)[：:，,]")
REALISED_SHARE = re.compile(vocabulary().raw["fund_measure"]["realised_share"])
SHARE_OF_TOTAL = re.compile(vocabulary().raw["fund_measure"]["share_of_total"])
SHARE_BEFORE = re.compile(vocabulary().raw["fund_measure"]["share_before"])
COLLECTIVE_DONOR = re.compile(vocabulary().raw["fund_donor"]["collective"])
MIXED_GIVERS = re.compile(vocabulary().raw["fund_donor"]["mixed"])
YEARS_TOTAL = re.compile("|".join(vocabulary().raw["fund_measure"][k] for k in ("years_total", "sum_word")))
ARRIVAL_WORDS = ("到位", "拨付", "兑现")
# A share that arrived (到位); 拨付 before a share is as often handing it down (向各乡镇拨付…，占…40%).
ARRIVED_SHARE = re.compile("到位")


def fund_kind(clause: str) -> FundKind:
    clause = mask_org_names(clause)
    for kind, words in KIND_WORDS:
        if words.search(clause):
            return kind
    return FundKind.other


def _kind(clause: str, sentence: str, donor: str | None, organisations: set[str]) -> FundKind:
    """The amount's own words decide (`_own_words`: its part of the clause, else the clause); the sentence's
    where they say nothing; the donor refines.

    An organisation's money given through a programme is social (捐 stays donation);
    investment needs an enterprise in the sentence; money a mixed group of givers puts in (中央单位) is other.
    """
    if INTRODUCED.search(clause):
        return FundKind.other
    kind = fund_kind(clause)
    if kind is FundKind.other and DONATION_CUE.search(mask_org_names(sentence)):
        kind = FundKind.donation  # 捐赠…礼物，为大学生提供10万元助学金: given in the same act
    if kind is FundKind.other and AID_CUE.search(mask_org_names(sentence)):
        kind = FundKind.fiscal
    if kind is FundKind.fiscal and PROJECT_MONEY.search(clause) and ENTERPRISE_PROJECTS.search(sentence):
        kind = FundKind.investment  # 引导入驻园区企业71个，到位资金21.37亿元: the enterprises' money
    if kind is FundKind.investment and not ENTERPRISE.search(sentence):
        kind = FundKind.fiscal
    if (kind is FundKind.fiscal and (donor in organisations or _is_entity(donor) or NON_PUBLIC_GIVERS.search(sentence))
            and "财政" not in clause and not PUBLIC_BODY.search(donor or "") and not _government(donor)):
        kind = FundKind.social  # an organisation's or a company's money is never a government budget's
    if kind is FundKind.fiscal and donor and MIXED_GIVERS.fullmatch(donor) and "财政" not in clause:
        kind = FundKind.other  # 中央单位…投入帮扶资金: budgets and firms' money together
    return kind


def _own_words(text: str, evidence: Evidence, amount: Amount, amounts: list[Amount]) -> str:
    """The words that say what this amount is: from the previous amount of its quote, or the quote's start, to
    the amount (投入无偿帮扶资金2.44亿元、有偿帮扶资金1.83亿元: 有偿 is the second's), when they name a kind;
    else the whole quote."""
    previous = next((a.end for a in reversed(amounts) if a.end <= amount.start), None)  # amounts are in text order
    own = text[previous if previous is not None and previous >= evidence.start else evidence.start:amount.end]
    if fund_kind(own) is not FundKind.other:
        return own
    # 利用2058万元京蒙扶贫协作资金购买奶牛: aid money by its own name, not what it bought (nor 捐赠…的扶贫资金's gift)
    named = AID_MONEY_NAMED_AFTER.match(text, amount.end)
    if named and fund_kind(evidence.text) not in (FundKind.donation, FundKind.social, FundKind.fiscal):
        return named.group(0)
    return evidence.text


def _government(name: str | None) -> bool:
    """A government body (湖南省教育厅): its money is a budget's, organisation or not."""
    return bool(name) and not _is_entity(name) and re.search(f"(?:{vocabulary().government_suffix})$", name) is not None


def _is_entity(name: str | None) -> bool:
    return bool(name) and re.search(f"(?:{vocabulary().entity_suffix})$", name) is not None


def extract_funds(text: str, pairings: list[Pairing], places: list[Place], published_year: int | None,
                  body_start: int = 0) -> list[Fund]:
    clause_spans = clauses(text)
    period_spans = periods(text)
    paragraph_spans = paragraphs(text)
    helpers = {p.helper.adcode or p.helper.name for p in pairings}
    helper_names = {p.helper.name for p in pairings if p.helper.level is not Level.other}
    recipient_names = {p.recipient.name for p in pairings}
    organisations = {p.region.name for p in places if p.region.level is Level.other}
    funds: list[Fund] = []
    amounts: list[Amount] = []
    starts = [p.start for p in places]
    found = find_amounts(text)
    for at, amount in enumerate(found):
        if amount.start < body_start:
            continue
        next_amount_start = found[at + 1].start if at + 1 < len(found) else len(text)
        clause = enclosing(clause_spans, amount.start, amount.end) or Span(amount.start, amount.end, amount.text)
        sentence = enclosing(period_spans, amount.start, amount.end) or clause
        before = text[clause.start:amount.start]
        per_unit_aid = bool(PER_UNIT_AID.search(before))
        given_yearly = bool(YEARLY_GIFT.search(before))  # 每年向某村捐赠15万元: a yearly gift, not a wage
        if ((NOT_A_FUND_BEFORE.search(before) and not (per_unit_aid or given_yearly))
                or NOT_A_FUND_AFTER.match(text[amount.end:])
                or ECONOMY.search(before)):
            continue
        if own_money(clause_around(text, amount.start, amount.end), helper_names, recipient_names):
            continue  # a budget, output or trade figure tied to no helper or recipient
        evidence = _evidence(text, clause_spans, clause)
        if _twin_in_clause(found, at, clause):  # 200万元用于村道、200万元用于学校: two sums, each quoted as its own item
            evidence = _list_item(text, clause, amount, evidence)
        nearby = places_in(places, starts, sentence)
        donor = _donor(text, sentence, amount, nearby, helpers)
        paragraph = enclosing(paragraph_spans, amount.start, amount.end) or sentence
        lead = enclosing(period_spans, paragraph.start) if paragraph.start < sentence.start else None
        what = measured(text[sentence.start:amount.start], before, text[amount.end:clause.end], published_year,
                        lead.text if lead else "", text[amount.end:sentence.end],
                        _earlier_lead(text, paragraph_spans, period_spans, paragraph),
                        text[paragraph.start:sentence.start])
        each = _named_recipients(text, nearby, clause, amount) if given_to_each(before) else []
        givers = _named_givers(text, nearby, clause, amount) if not each else []
        fund = Fund(
            amount_yuan=float(amount.yuan),
            amount_text=amount.text,
            kind=_kind(_own_words(text, evidence, amount, amounts), sentence.text, donor, organisations),
            donor=donor,
            recipient=_recipient(text, sentence, amount, nearby, next_amount_start),
            purpose=_purpose(text[amount.end:clause.end] + text[clause.end:sentence.end][:40]),
            year=None if what.cumulative else _year(text[sentence.start:amount.start], published_year),
            evidence=evidence,
            approximate=amount.approximate,
            part_of=None,
            status=what.status,
            cumulative=what.cumulative,
            since=what.since,
            per_unit=what.per_unit or per_unit_aid,
        )
        parent = _parent(text, sentence, amount, amounts, fund, funds)
        if parent is not None:
            fund = fund.model_copy(update={"part_of": parent})
            total_clause = enclosing(clause_spans, amounts[parent].start, amounts[parent].end)
            if (FROM_A_PARTY.match(text, amount.end) and funds[parent].kind is FundKind.fiscal and total_clause
                    and not GIVEN_AS_AID.search(mask_org_names(total_clause.text)) and "捐" not in total_clause.text):
                # 项目投入资金120万元，其中30万元来自某市: the project's whole cost, of mixed sources, is no one's aid
                funds[parent] = funds[parent].model_copy(update={"kind": FundKind.other})
            if funds[parent].cumulative and not fund.cumulative and not cues().time.search(text, sentence.start, amount.start):
                # 累计安排资金34.15亿元，其中：\n安顺 11.04亿元: a share of a running total, over its years
                fund = fund.model_copy(update={"cumulative": True, "since": funds[parent].since, "year": None})
            # (not money its own clause gives a giver for: 总投资3亿元，其中某市投入资金1亿元 is that city's aid)
            generic = (fund.kind is FundKind.fiscal and not (fund.donor and fund.donor in before)
                       and not GIVEN_AS_AID.search(mask_org_names(before)))
            mixed_total = funds[parent].kind is FundKind.other and MIXED_GIVERS.fullmatch(funds[parent].donor or "")
            if (fund.kind is FundKind.other and not INTRODUCED.search(before)) or (
                    generic and (funds[parent].kind is FundKind.investment or mixed_total)):
                # 其中有1.1亿元用在了…, 投资总额48亿元，累计到位资金24亿元: a part with no word of its own kind (资金
                # alone says nothing of it) is money of its total's kind
                fund = fund.model_copy(update={"kind": funds[parent].kind})
            past_year = fund.year is not None and published_year is not None and fund.year <= published_year
            if fund.status is FundStatus.paid and not says_status(before) and not (
                    past_year and funds[parent].status is FundStatus.planned):
                # 协议帮扶资金132万元，其中资助…60万元: a part of what was signed or planned is signed or planned
                # (not a past year's part of a plan that runs on: 2016至2020年…3亿元，其中2017年投入8000万元)
                fund = fund.model_copy(update={"status": funds[parent].status})
        realised = _realised_part_of(text, sentence, amount, amounts) if parent is None else None
        if realised is not None:  # 安排资金22亿元…到位资金9.9亿元，到位率45%: the 22亿 was arranged, 9.9亿 paid
            realised_of, rate = realised
            fund = fund.model_copy(update={"part_of": realised_of})
            if rate.group(0).startswith(ARRIVAL_WORDS):
                _arranged(text, clause_spans, funds, amounts, realised_of)
        # (never two amounts of one sentence: 200万元用于A、200万元用于B are two sums)
        repeated = [i for i, earlier in enumerate(funds) if _same_money(fund, earlier)
                    and not sentence.start <= amounts[i].start < sentence.end
                    and not (_rounded(fund, earlier) and (ANOTHER_GIFT.search(before) or (
                        fund.status is not earlier.status and says_status(before))))]  # (还向某州捐赠1000万元)
        if repeated:
            for i in repeated:  # every copy of it (one per recipient of 各/分别)
                if fund.cumulative and not funds[i].cumulative:
                    # one sum written twice, once as a running total ("投入资金4.68亿元" … "2012年以来…已投入
                    # 4.68亿元"): it is the running total
                    funds[i] = funds[i].model_copy(update={"cumulative": True, "since": fund.since, "year": None})
            continue
        for recipient in each or [fund.recipient]:  # one record per named recipient of 各/分别
            for giver in givers or [fund.donor]:  # or per named giver (A公司、B公司分别向某县捐赠10万元)
                funds.append(fund.model_copy(update={"recipient": recipient, "donor": giver}))
                amounts.append(amount)
    shared = _shares_of_totals(text, clause_spans, period_spans, funds, amounts)
    summed = _sums_of_neighbours(text, clause_spans, _totals_after_parts(text, period_spans, shared, amounts), amounts)
    spent = _uses_of_a_total(text, period_spans, summed, amounts)
    continued = _running_total_continued(text, clause_spans, period_spans, spent, amounts)
    grouped = _group_totals_hold_their_members(text, clause_spans, period_spans, continued, amounts)
    return _inside_years_totals(text, period_spans, grouped, amounts)


SUM_WORD = re.compile(r"(?:共计|合计|总计|一共|累计共|共|总规模|总额)(?:约|近|达到|达|为)?\s*$")


def _earlier_lead(text: str, paragraph_spans: Spans, period_spans: Spans, paragraph: Span) -> str:
    """The first sentence of the paragraph right before this one, if there is one."""
    index = paragraph_spans.index_at(paragraph.start, paragraph.end)
    if not index:
        return ""
    lead = enclosing(period_spans, paragraph_spans[index - 1].start)
    return lead.text if lead else ""


def _sentence_start(period_spans: Spans, amount: Amount) -> int:
    found = enclosing(period_spans, amount.start, amount.end)
    return found.start if found else amount.start


def _totals_after_parts(text: str, period_spans: Spans, funds: list[Fund], amounts: list[Amount]) -> list[Fund]:
    """A温州商会捐赠10万元、B商会捐赠5万元、C商会捐赠5万元，共计20万元: a sum written after the amounts it adds up
    (共计/合计/总计, in the same sentence, equal to their sum within 2 %) has them as its parts."""
    for t, total in enumerate(amounts):
        if not SUM_WORD.search(text, max(0, total.start - 6), total.start):
            continue
        sentence_start = _sentence_start(period_spans, total)
        parts = [i for i, a in enumerate(amounts[:t]) if a.start >= sentence_start and funds[i].part_of is None
                 and funds[i].kind is funds[t].kind and a.yuan < total.yuan]
        if len(parts) >= 2 and abs(sum(amounts[i].yuan for i in parts) - total.yuan) <= total.yuan * Decimal("0.02"):
            for i in parts:
                funds[i] = funds[i].model_copy(update={"part_of": t})
                if (funds[t].status is not FundStatus.paid and not _says_own_status(text, amounts[i], sentence_start)
                        and _compatible_years(funds[i], funds[t])):  # (2020年投入2亿元…，预计合计3亿元: 2020's was paid)
                    # 任务指标为23.6亿元，…追加援助资金6.4亿元，使资金总规模达30亿元: the parts of a plan are planned
                    funds[i] = funds[i].model_copy(update={"status": funds[t].status})
    return funds


def _says_own_status(text: str, amount: Amount, sentence_start: int) -> bool:
    clause_start = max(text.rfind(mark, sentence_start, amount.start) for mark in "，,；;") + 1
    return says_status(text[max(clause_start, sentence_start):amount.start])


AID_KINDS = (FundKind.fiscal, FundKind.social, FundKind.donation)
NEIGHBOUR_RUN = 6  # amounts a sum's parts may run to, written before or after it


def _sums_of_neighbours(text: str, clause_spans: Spans, funds: list[Fund], amounts: list[Amount]) -> list[Fund]:
    """…共计向某县捐赠防疫资金35万元。…某协会捐赠15万元，A公司、B公司分别捐赠10万元: a sum (共计, 合计… in its clause)
    that the amounts written right after it, or right before it, add up to exactly (within 0.5 %), in its own
    or a neighbouring paragraph, has them as its parts, when it has none yet."""
    for t, total in enumerate(amounts):
        if (funds[t].part_of is not None or any(f.part_of == t for f in funds)
                or not cues().sum_word.search(text, _clause_start(clause_spans, total), total.start)):
            continue
        for run in (range(t + 1, min(len(amounts), t + 1 + NEIGHBOUR_RUN)), range(t - 1, max(-1, t - 1 - NEIGHBOUR_RUN), -1)):
            linked = False
            parts: list[int] = []
            for i in run:
                if funds[i].per_unit:
                    continue  # a rate (每人3000元) between the parts is none of them
                previous = amounts[parts[-1]] if parts else total
                between = text[min(previous.end, amounts[i].end):max(previous.start, amounts[i].start)]
                if (funds[i].part_of is not None or amounts[i].yuan >= total.yuan
                        or funds[i].status is not funds[t].status or _paragraphs_apart(between) > 1
                        or not _compatible_years(funds[i], funds[t])
                        or (funds[i].kind in AID_KINDS) != (funds[t].kind in AID_KINDS)
                        or any(amounts[j].yuan == amounts[i].yuan and funds[j].evidence != funds[i].evidence
                               for j in parts)):
                    break  # (one sum written twice is no two parts; A、B分别捐赠10万元 is)
                parts.append(i)
                held = sum(amounts[j].yuan for j in parts)
                if len(parts) >= 2 and abs(held - total.yuan) <= total.yuan * Decimal("0.005"):
                    for j in parts:
                        funds[j] = funds[j].model_copy(update={"part_of": t})
                    linked = True
                    break
                if held > total.yuan:
                    break
            if linked:
                break
    return funds


def _arranged(text: str, clause_spans: Spans, funds: list[Fund], amounts: list[Amount], total: int) -> None:
    """A sum whose arrived part is given (到位/拨付/兑现 so much of it) was arranged, not paid, unless its own clause
    says it was paid."""
    arranged = amounts[total]
    if funds[total].status is FundStatus.paid and not says_paid(
            text[_clause_start(clause_spans, arranged):arranged.start]):
        funds[total] = funds[total].model_copy(update={"status": FundStatus.planned})


SPENT_ON = re.compile(r"\s*(?:用于|用在|投向|安排到|安排给)")


def _uses_of_a_total(text: str, period_spans: Spans, funds: list[Fund], amounts: list[Amount]) -> list[Fund]:
    """…投入的1500万元帮扶资金将由县政府统筹安排，800万元用于…、300万元用于…、200万元用于…、200万元用于…: two or
    more amounts each said to be spent on something (用于, 投向) are the parts of a sum written before them in their
    sentence that they add up to (within 2 %), wherever that sum was first recorded (a repeat is recorded once)."""
    by_sentence: dict[int, list[int]] = {}
    for i, amount in enumerate(amounts):
        if funds[i].part_of is None and SPENT_ON.match(text, amount.end):
            by_sentence.setdefault(_sentence_start(period_spans, amount), []).append(i)
    for sentence_start, uses in by_sentence.items():
        spent = sum(amounts[i].yuan for i in uses)
        written = [a for a in find_amounts(text[sentence_start:amounts[uses[0]].start])
                   if abs(a.yuan - spent) <= a.yuan * Decimal("0.02")]
        totals = [t for t, a in enumerate(amounts) if written and a.yuan == written[-1].yuan and t not in uses
                  and funds[t].part_of is None]
        if len(uses) >= 2 and totals:
            for i in uses:
                funds[i] = funds[i].model_copy(update={"part_of": totals[-1], "kind": funds[totals[-1]].kind})
    return funds


def _shares_of_totals(text: str, clause_spans: Spans, period_spans: Spans, funds: list[Fund],
                      amounts: list[Amount]) -> list[Fund]:
    """…援助资金14.31亿元，民生项目投入占90%以上 … 到位援助资金15.33亿元: an amount said to be a share of a sum is a
    part of the sum of its kind, in the same or a neighbouring paragraph, before or after it, that it is that
    share of (within 15 % of the share as written; at least it for 以上). An arrived share (到位援助资金6.65亿元，
    占年度援助资金的38.8%) makes the sum arranged money."""
    for i, amount in enumerate(amounts):
        share = (SHARE_OF_TOTAL.match(text[amount.end:amount.end + 40])
                 or _share_before(text, _sentence_start(period_spans, amount), amount, amounts))
        if funds[i].part_of is not None or share is None:
            continue
        written = Decimal(share.group("share")) / 100
        at_least = bool(share.groupdict().get("more") or share.groupdict().get("more2"))
        fits = [j for j, total in enumerate(amounts)
                if funds[j].kind is funds[i].kind and total.yuan > amount.yuan and funds[j].part_of != i
                and _same_period(funds[i], funds[j]) and _room_for(funds, amounts, j, amount)
                and _paragraphs_apart(text[min(total.end, amount.end):max(total.start, amount.start)]) <= 1
                and (written <= amount.yuan / total.yuan if at_least
                     else abs(amount.yuan / total.yuan - written) <= written * Decimal("0.15"))]
        if fits:
            nearest = min(fits, key=lambda j: abs(amounts[j].start - amount.start))
            funds[i] = funds[i].model_copy(update={"part_of": nearest})
            if ARRIVED_SHARE.search(text, _clause_start(clause_spans, amount), amount.start):
                _arranged(text, clause_spans, funds, amounts, nearest)
    return funds


def _running_total_continued(text: str, clause_spans: Spans, period_spans: Spans, funds: list[Fund],
                             amounts: list[Amount]) -> list[Fund]:
    """12年来，共筹措资金4亿元，其中省级财政2.15亿元…。甲乙两市筹措资金1.5亿元，分别援助…: a sentence with no time of
    its own that gives money with the same verb as the running total in the sentence right before it, in the same
    paragraph, goes on breaking that total down: a part of it, over the same years."""
    for i, amount in enumerate(amounts):
        fund = funds[i]
        sentence = enclosing(period_spans, amount.start, amount.end)
        if (sentence is None or fund.cumulative or fund.part_of is not None or fund.per_unit or fund.year is not None
                or cues().time.search(text, sentence.start, amount.start)):
            continue
        verb = _giving_verb(text, clause_spans, amount)
        previous = enclosing(period_spans, sentence.start - 1) if sentence.start > 0 else None
        if (verb is None or previous is None or "\n" in text[previous.start:sentence.start]
                or MORE_MONEY.search(text, sentence.start, amount.start)):
            continue  # (此外，甲市还投入3亿元…: money beside the total, not a share of it)
        totals = [j for j, total in enumerate(amounts)
                  if previous.start <= total.start < previous.end and funds[j].cumulative and funds[j].part_of is None
                  and funds[j].kind is fund.kind and funds[j].status is fund.status and total.yuan > amount.yuan
                  and _one_party(fund.donor, funds[j].donor)
                  and _giving_verb(text, clause_spans, total) == verb and _room_for(funds, amounts, j, amount)]
        if totals:
            total = funds[totals[-1]]
            funds[i] = fund.model_copy(update={"part_of": totals[-1], "cumulative": True, "since": total.since})
    return funds


# A sum given by a counted group (86家民营企业和商协会组织共捐赠…): its members' gifts named later are inside it.
GROUP_GIVERS = re.compile(vocabulary().raw["fund_measure"]["group_givers"])
MORE_MONEY = re.compile(vocabulary().raw["fund_measure"]["more_money"])
GIFT_KINDS = (FundKind.donation, FundKind.social)


def _group_totals_hold_their_members(text: str, clause_spans: Spans, period_spans: Spans, funds: list[Fund],
                                     amounts: list[Amount]) -> list[Fund]:
    """德阳市86家民营企业和商协会组织共捐赠4399.71万元 … 某协会、某集团、某公司分别捐赠652万元、500万元、230万元: the
    gifts of single givers named after a counted group's sum, of its year and in its or the next paragraph, are
    their shares of it (all of them fit in it, or none is linked), beside any other breakdown of the sum (its cash
    and goods); a sentence that says the giving is another (此外, 另) is not."""
    for t, total in enumerate(amounts):
        clause = enclosing(clause_spans, total.start, total.end)
        if clause is None or funds[t].part_of is not None or funds[t].kind not in GIFT_KINDS \
                or not GROUP_GIVERS.search(text, clause.start, total.start):
            continue
        members = [i for i in range(t + 1, len(amounts))
                   if funds[i].part_of is None and funds[i].kind in GIFT_KINDS and funds[i].status is funds[t].status
                   and funds[i].cumulative == funds[t].cumulative and not funds[i].per_unit
                   and amounts[i].yuan < total.yuan and funds[i].donor and funds[i].donor != funds[t].donor
                   and _compatible_years(funds[i], funds[t])
                   and _paragraphs_apart(text[total.end:amounts[i].start]) <= 1
                   and not MORE_MONEY.search(text, _sentence_start(period_spans, amounts[i]), amounts[i].start)]
        if members and sum(amounts[i].yuan for i in members) <= total.yuan:
            for i in members:
                funds[i] = funds[i].model_copy(update={"part_of": t})
    return funds


def _compatible_years(a: Fund, b: Fund) -> bool:
    return a.year is None or b.year is None or a.year == b.year


def _clause_start(clause_spans: Spans, amount: Amount) -> int:
    clause = enclosing(clause_spans, amount.start, amount.end)
    return clause.start if clause else amount.start


def _giving_verb(text: str, clause_spans: Spans, amount: Amount) -> str | None:
    """The first giving verb before the amount in its clause (共筹措援助资金: 筹措, not the 援助 of 援助资金)."""
    found = cues().giving_verb.search(text, _clause_start(clause_spans, amount), amount.start)
    return found.group(0) if found else None


def _inside_years_totals(text: str, period_spans: Spans, funds: list[Fund], amounts: list[Amount]) -> list[Fund]:
    """2019年度…财政援助资金7.27亿元 … 2019年，…共投入财政援助资金5046万元，援建8个安全住房项目: a year's total
    (年度, 全年, 共计, 累计 within one year) holds the smaller amounts of its kind, status and year that the
    article gives apart, from the same giver to the same receiver, as written or unsaid; an amount of no stated
    year only when every dated amount of the article is of that year. Each goes into the deepest part of the
    total made out to its receiver, else the total itself; all of them fit, or none is linked (then they are
    money of their own)."""
    dated = {f.year for f in funds if f.year is not None}
    for t in sorted(range(len(funds)), key=lambda i: -amounts[i].yuan):
        total = funds[t]
        if total.part_of is not None or total.cumulative or total.per_unit or not YEARS_TOTAL.search(
                text, total.evidence.start, amounts[t].start):
            continue
        year = total.year
        if year is None:  # 今年 in an undated article: the one year its dated amounts give, if they give one
            if len(dated) > 1 or _relative_year(text, period_spans, amounts[t]) not in THIS_YEAR:
                continue
            year = next(iter(dated), None)
        inside = [i for i, f in enumerate(funds)
                  if i != t and f.part_of is None and not f.cumulative and not f.per_unit
                  and f.kind is total.kind and f.status is total.status and amounts[i].yuan < amounts[t].yuan
                  and (f.year == year if f.year is not None else dated <= {year}
                       and _relative_year(text, period_spans, amounts[i]) in THIS_YEAR + (None,))
                  and _one_party(f.donor, total.donor) and _one_party(f.recipient, total.recipient)]
        linked = list(funds)
        for i in inside:
            home = _deepest_home(linked, amounts, t, i)
            if home is None:
                break
            linked[i] = linked[i].model_copy(update={"part_of": home})
        else:
            funds = linked
    return funds


THIS_YEAR = ("今年", "本年")


def _relative_year(text: str, period_spans: Spans, amount: Amount) -> str | None:
    """The last relative year word (今年, 去年…) of the amount's sentence before it."""
    found = list(RELATIVE.finditer(text, _sentence_start(period_spans, amount), amount.start))
    return found[-1].group(0) if found else None


def _deepest_home(funds: list[Fund], amounts: list[Amount], total: int, part: int) -> int | None:
    """Where a part of a year's total goes: the smallest part of that total (at any depth) made out to the part's
    receiver that has room for it, else the total if it has room."""
    def under_total(i: int) -> bool:
        seen = set()
        while funds[i].part_of is not None and i not in seen:
            seen.add(i)
            i = funds[i].part_of
            if i == total:
                return True
        return False

    receiver = funds[part].recipient
    homes = [i for i in range(len(funds)) if i != part and receiver is not None and funds[i].recipient is not None
             and _one_party(funds[i].recipient, receiver)
             and amounts[i].yuan > amounts[part].yuan and under_total(i) and _room_for(funds, amounts, i, amounts[part])]
    if homes:
        return min(homes, key=lambda i: amounts[i].yuan)
    return total if _room_for(funds, amounts, total, amounts[part]) else None


def _compatible(a: str | None, b: str | None) -> bool:
    """Two parties as written that may be one: the same name, or one unsaid."""
    return a is None or b is None or a == b


def _one_party(a: str | None, b: str | None) -> bool:
    """As _compatible, and a short name is its full one (遵义, 遵义市)."""
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def _same_period(part: Fund, total: Fund) -> bool:
    """A part is of the same year as its total, or of a running total (2016年以来…3亿元，其中2020年…)."""
    return total.cumulative or part.year is None or total.year is None or part.year == total.year


def _room_for(funds: list[Fund], amounts: list[Amount], total: int, amount: Amount) -> bool:
    """The parts a total already has leave room for this one (never parts adding up past their total)."""
    held = sum(a.yuan for f, a in zip(funds, amounts) if f.part_of == total)
    return held + amount.yuan <= amounts[total].yuan * Decimal("1.02")


def _share_before(text: str, sentence_start: int, amount: Amount, amounts: list[Amount]) -> re.Match | None:
    """超过80%的帮扶资金用于…，共计安排帮扶资金4400万元: the share written earlier in the sentence, no amount between."""
    shares = list(SHARE_BEFORE.finditer(text, sentence_start, amount.start))
    if not shares or any(sentence_start <= a.start and a.end <= amount.start and a.start >= shares[-1].end()
                         for a in amounts):
        return None
    return shares[-1]


LIST_JOINER = re.compile(r"^[、和及与,，\s]*$")


def _named_recipients(text: str, places: list[Place], clause: Span, amount: Amount) -> list[str]:
    """The places listed right before 各/分别 (向A县、B县各捐赠…): two or more, joined by 、/和/及."""
    run = _listed_places(text, [p for p in places if clause.start <= p.start and p.end <= amount.start])
    names = [p.region.name for p in reversed(run)]
    if run and all(p.region.level is Level.other for p in run) and not TOWARDS.search(text, clause.start, run[-1].start):
        return []  # 青禾集团、白石公司各捐赠…: organisations named with no 向/为 before them give, they do not receive
    return names if len(names) >= 2 and len(set(names)) == len(names) else []


def _named_givers(text: str, places: list[Place], clause: Span, amount: Amount) -> list[str]:
    """The organisations listed right before 各/分别 that give (A公司、B公司分别向某县捐赠…): two or more."""
    cue = list(EACH_CUE.finditer(text, clause.start, amount.start))
    if not cue or not GIVEN_TO.match(text, cue[-1].end(), amount.start) \
            or len(find_amounts(text[cue[-1].end():clause.end])) != 1:
        return []  # (甲、乙分别捐赠10万元、20万元: each its own amount, not both the first)
    before = [p for p in places if clause.start <= p.start and p.end <= cue[-1].start()]
    if not before or text[before[-1].end:cue[-1].start()].strip():
        return []  # the list must end right at 各/分别
    run = _listed_places(text, before)
    names = [p.region.name for p in reversed(run) if p.region.level is Level.other]
    return names if len(names) == len(run) >= 2 and len(set(names)) == len(names) else []


def _listed_places(text: str, before: list[Place]) -> list[Place]:
    """The last of the places and those listed with it by 、/和/及, last first."""
    run: list[Place] = []
    for place in reversed(before):
        if run and not LIST_JOINER.match(text[place.end:run[-1].start]):
            break
        run.append(place)
    return run


EACH_CUE = re.compile(r"各自?|分别")
# From 各/分别 to the amount: a giving, to a recipient or not (分别向某县捐赠, 各捐资).
GIVEN_TO = re.compile(r"(?:向|为|给|对)?[^，。；,;]{0,12}?(?:捐赠|捐助|捐资|捐款|捐|出资|资助|援助|投入)[^，。；,;\d]{0,6}$")


def _same_money(fund: Fund, earlier: Fund) -> bool:
    """A repeated mention (a subheading, a summary sentence) of money already listed: same sum and kind,
    no party nor year that tells them apart (2017年…1000万元 is not 2018年…1000万元), neither a part of a breakdown."""
    same_sum = fund.amount_yuan == earlier.amount_yuan or _rounded(fund, earlier)
    return (same_sum and fund.kind == earlier.kind and fund.part_of is None
            and _compatible_years(fund, earlier)
            and earlier.part_of is None and _compatible(fund.donor, earlier.donor)
            and _compatible(fund.recipient, earlier.recipient))


ANOTHER_GIFT = re.compile(r"还|又|另|再|追加")


def _rounded(fund: Fund, earlier: Fund) -> bool:
    """A round figure (21亿) within 1 % of an exact one said before it (210315万元): the same sum, rounded."""
    number = re.search(r"\d[\d.]*", fund.amount_text)
    significant = number.group(0).replace(".", "").strip("0") if number else ""
    round_figure = 0 < len(significant) <= 2  # 21亿, 3.4亿, 4亿; not 1.27亿
    return (round_figure and earlier.amount_yuan != fund.amount_yuan
            and abs(fund.amount_yuan - earlier.amount_yuan) <= 0.01 * earlier.amount_yuan)


def _evidence(text: str, clause_spans: Spans, clause: Span) -> Evidence:
    start = clause.start
    index = clause_spans.index_at(clause.start, clause.end)
    if clause.end - clause.start < 12 and index and text[clause_spans[index - 1].end:clause.start].strip() in (",", "，"):
        start = clause_spans[index - 1].start  # "其中,安排资金…" keeps the clause before it
    return Evidence(text=text[start:clause.end], start=start, end=clause.end)


def _twin_in_clause(found: list[Amount], at: int, clause: Span) -> bool:
    """Another amount of the same sum in the clause; amounts are in text order, so only the clause's neighbours
    are looked at."""
    before = takewhile(lambda a: a.start >= clause.start, (found[i] for i in range(at - 1, -1, -1)))
    after = takewhile(lambda a: a.start < clause.end, (found[i] for i in range(at + 1, len(found))))
    return any(other.yuan == found[at].yuan for other in chain(before, after))


def _list_item(text: str, clause: Span, amount: Amount, evidence: Evidence) -> Evidence:
    """The item of a 、-list the amount stands in, within its clause."""
    start = max(evidence.start, text.rfind("、", clause.start, amount.start) + 1)
    end = text.find("、", amount.end, clause.end)
    end = clause.end if end < 0 else end
    return Evidence(text=text[start:end], start=start, end=end)


def _donor(text: str, sentence: Span, amount: Amount, places: list[Place], helpers: set[str]) -> str | None:
    before = [p for p in places if sentence.start <= p.start and p.end <= amount.start]
    for place in reversed(before):
        if place.key in helpers:
            return place.region.name
    for org in reversed(org_names(text, sentence.start, amount.start)):
        if org.text in helpers:  # 国家电网有限公司定点帮扶…
            return org.text
    donors = DONOR.findall(text[sentence.start:amount.start])
    if donors:
        return donors[-1]
    groups = COLLECTIVE_DONOR.findall(text[sentence.start:amount.start])
    if groups:
        return groups[-1]
    organisations = [p for p in before if p.region.level is Level.other]
    return organisations[-1].region.name if organisations else None  # 中国农大累计投入帮扶资金…


def _recipient(text: str, sentence: Span, amount: Amount, places: list[Place], next_amount: int) -> str | None:
    """The place given to (向/给/为/帮扶 right before it) nearest before the amount, else the first after it and
    before the next amount (a later amount's recipient is its own)."""
    given_to = [p for p in places if sentence.start <= p.start and p.end <= min(sentence.end, next_amount)
                and TOWARDS.search(text[sentence.start:p.start])]
    before = [p for p in given_to if p.end <= amount.start]
    if before or given_to:
        return (before[-1] if before else given_to[0]).region.name
    window = text[sentence.start:amount.start]
    m = re.search(r"(?:向|给|为)([\u4e00-\u9fff]{2,4}村)", window)
    return m.group(1) if m else None


def _purpose(after: str) -> str | None:
    m = PURPOSE.search(after)
    if not m:
        return None
    return m.group(0).strip()


def _year(before: str, published_year: int | None) -> int | None:
    """The year nearest before the amount: written (2019年) or relative to publication (今年, 明年)."""
    found = [(m.start(), int(m.group(1))) for m in YEAR.finditer(before)]
    if published_year:
        found += [(m.start(), published_year + RELATIVE_YEAR[m.group(0)]) for m in RELATIVE.finditer(before)]
    return max(found)[1] if found else None


def _realised_part_of(text: str, sentence: Span, amount: Amount,
                      amounts: list[Amount]) -> tuple[int, re.Match] | None:
    """安排资金22亿元。…累计到位资金9.9亿元，资金到位率45%: the amount is the realised share of the earlier
    amount it is that percentage of (within a point), so a part of it: that amount's index, and the rate."""
    rate = REALISED_SHARE.search(text, amount.end, sentence.end)
    if rate is None or find_amounts(text[amount.end:rate.start()]):
        return None  # no rate, or another amount stands between this one and its rate
    share = Decimal(rate.group(1))
    for index in range(len(amounts) - 1, -1, -1):
        if _paragraphs_apart(text[amounts[index].end:amount.start]) > 1:
            break  # only the same paragraph or the one before it
        total = amounts[index].yuan
        if total > amount.yuan and abs(amount.yuan / total * 100 - share) <= 1:
            return index, rate
    return None


def _paragraphs_apart(between: str) -> int:
    """How many paragraph breaks lie between two amounts (a run of newlines is one): 0 the same paragraph,
    1 the one before."""
    return len(PARAGRAPH_BREAK.findall(between))


def _parent(text: str, sentence: Span, amount: Amount, amounts: list[Amount], fund: Fund,
            funds: list[Fund]) -> int | None:
    """A fund listed after 其中 in the same sentence is a part of the last larger amount before it; a paragraph
    opening on 其中 breaks down the paragraph right before it (…安排资金17.56亿元。\n其中：…0.87亿元；…), in each
    of its sentences, and so does a run of such paragraphs (在产业方面…。\n在教育方面…). A part is of its total's
    year, or of a running total."""
    markers = list(BREAKDOWN.finditer(text, sentence.start, amount.start))
    line_start = text.rfind("\n", 0, sentence.start) + 1
    if markers:
        marker = markers[-1].start()
        # 捐资中的1000万元 names the sum it is part of, wherever that was written
        names_its_sum = markers[-1].group(0).endswith(("中的", "中有"))
        # 其中 opening the paragraph, or in its first sentence (江苏援藏项目…围绕…重点领域，其中…类项目20个，安排…)
        opens_paragraph = not re.search(r"[。！？]", text[text.rfind("\n", 0, marker) + 1:marker])
        named = find_amounts(text[sentence.start:marker]) if markers[-1].group(0) == "中有" else []
        if named:  # 杭州投入的3.88亿元中有1.4亿元: the latest mention of the sum named right before
            same = [i for i, a in enumerate(amounts) if a.yuan == named[-1].yuan]
            return same[-1] if same and named[-1].yuan > amount.yuan else None
    elif BREAKDOWN_PARAGRAPH.match(text, line_start):
        marker, names_its_sum, opens_paragraph = _breakdown_run_start(text, line_start), False, True
    elif (listed := _listed_after_colon(text, line_start)) is not None:
        # …援助资金34.15亿元，其中：\n安顺 11.04亿元\n陇南 15.66亿元: each line a part of the sum before the colon
        markers, marker, names_its_sum, opens_paragraph = [listed], listed.start(), False, True
    else:
        return None
    whole_paragraph = not markers  # its parts are of the total's kind (援助资金 in a list, not the 总投资 beside it)
    for index in range(len(amounts) - 1, -1, -1):
        if whole_paragraph and funds[index].kind is not fund.kind:
            continue
        if amounts[index].end <= marker and amounts[index].yuan >= amount.yuan:
            between = text[amounts[index].end:marker]
            if not _same_period(fund, funds[index]) or (whole_paragraph and not _room_for(funds, amounts, index, amount)):
                return None
            if "\n" not in between or (opens_paragraph or names_its_sum) and _paragraphs_apart(between) <= 1:
                return index
            return None
    return None


BREAKDOWN_COLON = re.compile(vocabulary().raw["fund_measure"]["breakdown_colon"])
LIST_LINE = 30  # a line of a list under 其中：, such as "安顺 11.04亿元"


def _listed_after_colon(text: str, line_start: int) -> re.Match | None:
    """The 其中： ending the line above a run of list lines (a name and an amount, no verb: "安顺 11.04亿元") that
    holds this one, if this line is one of them."""
    line_end = text.find("\n", line_start)
    if not _list_line(text[line_start:line_end if line_end >= 0 else len(text)]):
        return None
    while line_start > 0:
        previous = text.rfind("\n", 0, line_start - 1) + 1
        line = text[previous:line_start - 1]
        colon = BREAKDOWN_COLON.search(text, previous, line_start - 1)
        if colon:
            return colon
        if not _list_line(line):
            return None
        line_start = previous
    return None


def _list_line(line: str) -> bool:
    return len(line.strip()) <= LIST_LINE and bool(find_amounts(line)) and not cues().giving_verb.search(line) \
        and not re.match(r"\s*[●■□◆•·\-]", line)


def _breakdown_run_start(text: str, line_start: int) -> int:
    """The first of a run of paragraphs that each open on a breakdown (在产业方面…。\n在教育方面…): the total they
    break down is in the paragraph before the run, never in a sibling."""
    run = line_start
    while True:
        end = run
        while end > 0 and text[end - 1].isspace():
            end -= 1
        if end == 0:
            return run
        previous = text.rfind("\n", 0, end) + 1
        if not BREAKDOWN_PARAGRAPH.match(text, previous):
            return run
        run = previous
