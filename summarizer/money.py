"""Money: find and parse Chinese amounts with decimal.Decimal.

An amount is money when it is written in 元 (5200万元, 3000元), or when a bare 万/亿
figure is made money by its context (价值115万, 资金2000万). A count in another unit is
not money: 50万尾鱼苗, 2.18万人.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAGNITUDE = {"": Decimal(1), "百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000),
             "十万": Decimal(100_000), "百万": Decimal(1_000_000), "千万": Decimal(10_000_000),
             "亿": Decimal(100_000_000), "万亿": Decimal(10**12)}
APPROX_BEFORE = "近|约|大约|超过|突破|超|逾|将近|接近"
# Figures in words, also in the financial form of receipts and agreements (伍万元, 壹佰万元).
CN_NUMBER = r"[一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾][零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]*"
NUMBER = rf"\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUMBER}"
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}
# Words a writer puts after an amount that leave the figure as stated: 54万元以上, 30万元左右.
AFTER_THE_FIGURE = re.compile(r"(?:以上|以下|之多|左右|上下)$")
VAGUE_BEFORE = re.compile(r"[数几上每]$")  # 数十万元 is not an amount
AMOUNT = re.compile(
    rf"(?P<before>{APPROX_BEFORE})?"
    rf"(?P<num>{NUMBER})"
    rf"(?:\s*(?:-|~|～|—|至|到)\s*(?P<num2>{NUMBER}))?"
    r"(?:[ \u00a0\u3000](?=[余多万亿千百元]))?"  # typeset with a space: 投入 70 万元
    r"(?P<approx1>余|多)?"
    r"(?P<mag>万[多余]?亿|千万|百万|十万|亿|万|千|百)?"  # 1万多亿元: more than a trillion
    r"(?P<approx2>余|多)?"
    r"(?P<yuan>元(?:人民币)?)?"
)
# Words that make a bare 万/亿 figure money.
MONEY_CONTEXT = re.compile(
    r"资金|价值|金额|投资|捐|款|销售额|销售|产值|收入|收益|贷款|资本|营业额|资产|经费|补助|补贴|奖励|采购|成交|交易|"
    r"帮扶|援助|拨付|投入|筹集|募集|预算|利润|税收|营收|GDP",
    re.I,
)
# After a bare figure: money continues with punctuation, 的, or a money noun; a counter ends it.
MONEY_FOLLOWERS = re.compile(r"$|[^\u4e00-\u9fff]|的|资金|元|用于|人民币|美元")
# Right after a bare figure, a noun of money makes it money: 第一批600万启动资金, 30万帮扶经费 (not 50万尾鱼苗).
MONEY_NOUN_AFTER = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:资金|经费|善款|款项|专款)")
# Right before a bare figure these make it money whatever follows: 价值30万优良种子, 折价50万.
VALUE_BEFORE = re.compile(r"(?:价值|折价|折款|折合)(?:约|近|超过|超|逾|达|为|共)?$")
# 共计/合计/总计 before a bare figure: money unless a counter follows (共计3万人 is people).
TOTAL_BEFORE = re.compile(r"(?:共计|合计|总计)(?:约|近|超过|超|逾|达|为)?$")
# A verb that gives money right before a bare figure (海关总署捐赠20万支持校园重建): money unless a counter follows
# (捐赠20万册图书 is books).
GIVEN_BEFORE = re.compile(r"(?:捐赠|捐资|捐款|捐助|资助|拨付|援助)了?(?:约|近|超过|超|逾|达|共)?$")
COUNTER = re.compile(r"[人户个名亩吨头只尾株棵件次台套斤册所家项场间张辆位批期天年余多]|公斤|平方|立方")
# A magnitude with no digits before it: 百亿元, 千万元; with 数/几 before it a vague amount: 数百万元.
BARE_MAGNITUDE = re.compile(
    rf"(?P<before>{APPROX_BEFORE}|上)?(?P<vague>数|几)?(?P<mag>十万|百万|千万|百亿|千亿|十亿|万亿|亿|万)"  # 上千万元: upwards of
    r"(?P<approx>余|多)?(?P<yuan>元(?:人民币)?)?"
)
BARE_MAGNITUDE_VALUE = {"十万": 100_000, "百万": 1_000_000, "千万": 10_000_000, "十亿": 10**9, "百亿": 10**10,
                        "千亿": 10**11, "万亿": 10**12, "亿": 10**8, "万": 10**4}


@dataclass(frozen=True)
class Amount:
    text: str
    start: int
    end: int
    yuan: Decimal
    approximate: bool
    upper_yuan: Decimal | None = None  # for ranges: 100-200万元


def _number(raw: str) -> Decimal | None:
    if raw[0] in CN_DIGITS or raw[0] in CN_UNITS:
        return Decimal(_chinese_integer(raw))
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None


def _chinese_integer(raw: str) -> int:
    """一百二十 -> 120, 一亿五千万 -> 150000000."""
    result = below_yi = section = digit = 0
    for ch in raw:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit or 1) * CN_UNITS[ch]
            digit = 0
        elif ch == "万":
            below_yi += (section + digit) * 10_000
            section = digit = 0
        else:  # 亿
            result += (below_yi + section + digit) * 100_000_000
            below_yi = section = digit = 0
    return result + below_yi + section + digit


def _from_match(m: re.Match) -> tuple[Decimal, Decimal | None, bool] | None:
    mag = m.group("mag") or ""
    factor = MAGNITUDE[mag.replace("多", "").replace("余", "")]
    value = _number(m.group("num"))
    if value is None:
        return None
    upper = _number(m.group("num2")) if m.group("num2") else None
    approximate = bool(m.group("before") or m.group("approx1") or m.group("approx2") or upper is not None
                       or mag != mag.replace("多", "").replace("余", ""))
    return value * factor, (upper * factor if upper is not None else None), approximate


# A range with its unit on both ends: 50万元到100万元, 1亿元至1.5亿元.
RANGE_BOTH_ENDS = re.compile(r"(?P<low>.+?[万亿千百元])\s*(?:到|至|-|~|～|—)\s*(?P<high>.+[万亿元])")


def parse_amount(text: str) -> Decimal | None:
    """Parse a standalone amount text ('5200万元', '近30万元', '1.2亿', '超过百亿元') to yuan; a range to its low end.
    A vague amount (数百万元) has no single value: None (see amount_range)."""
    both = _range_both_ends(text)
    if both:
        return both[0]
    text = AFTER_THE_FIGURE.sub("", text.strip())  # 54万元以上, 30万元左右: the figure is the amount
    m = AMOUNT.fullmatch(text)
    if not m or not (m.group("mag") or m.group("yuan")):
        bare = BARE_MAGNITUDE.fullmatch(text)
        if bare and not bare.group("vague") and _stands_alone(bare):
            return Decimal(BARE_MAGNITUDE_VALUE[bare.group("mag")])
        return None
    parsed = _from_match(m)
    return parsed[0] if parsed else None


def _range_both_ends(text: str) -> tuple[Decimal, Decimal] | None:
    """50万元到100万元 -> (500000, 1000000); None unless both ends are amounts of their own, the low one lower."""
    m = RANGE_BOTH_ENDS.fullmatch(text.strip())
    if not m:
        return None
    low, high = (AMOUNT.fullmatch(m.group(n)) for n in ("low", "high"))
    if not (low and high and (low.group("mag") or low.group("yuan")) and (high.group("mag") or high.group("yuan"))):
        return None
    low_yuan, high_yuan = _from_match(low), _from_match(high)
    if low_yuan is None or high_yuan is None or low_yuan[0] >= high_yuan[0]:
        return None
    return low_yuan[0], high_yuan[0]


def _stands_alone(bare: re.Match) -> bool:
    """百亿元, 千万, 数百万元, 超亿元 are amounts; a lone 万元 or 亿 is a unit."""
    return len(bare.group("mag")) == 2 or bool(bare.group("vague") or bare.group("before"))


def amount_range(text: str) -> tuple[Decimal, Decimal] | None:
    """The yuan a standalone amount text allows: one value (5200万元), a range (100-200万元), or for a
    vague amount the span it may mean (数百万元: 1 to 10 million). None if it is not an amount."""
    both = _range_both_ends(text)
    if both:
        return both
    text = AFTER_THE_FIGURE.sub("", text.strip())  # 54万元以上, 30万元左右: the figure is the amount
    m = AMOUNT.fullmatch(text)
    if m and (m.group("mag") or m.group("yuan")):
        parsed = _from_match(m)
        if parsed is None:
            return None
        low, upper, _ = parsed
        return low, upper if upper is not None else low
    bare = BARE_MAGNITUDE.fullmatch(text)
    if bare and _stands_alone(bare):
        value = Decimal(BARE_MAGNITUDE_VALUE[bare.group("mag")])
        return (value, value * 10) if bare.group("vague") else (value, value)
    return None


def find_amounts(text: str) -> list[Amount]:
    """Every money amount in text, with offsets; counts in other units are skipped."""
    found: list[Amount] = []
    for m in AMOUNT.finditer(text):
        if not (m.group("mag") or m.group("yuan")):
            continue
        if m.start("num") > 0 and (text[m.start("num") - 1].isdigit() or text[m.start("num") - 1] == "."):
            continue
        chinese = not m.group("num")[0].isdigit()
        if chinese and (not m.group("yuan") or VAGUE_BEFORE.search(text, 0, m.start())):
            continue  # Chinese numerals only as explicit yuan amounts: 一百万元, not 三千亩 or 数十万元
        if not m.group("yuan") and not bare_figure_is_money(text, m.start(), m.end()):
            continue
        parsed = _from_match(m)
        if parsed is None:
            continue
        yuan, upper, approximate = parsed
        found.append(Amount(m.group(0), m.start(), m.end(), yuan, approximate, upper))
    return found


def bare_figure_is_money(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 6):start]
    if VALUE_BEFORE.search(before):
        return True
    if TOTAL_BEFORE.search(before) or GIVEN_BEFORE.search(before):
        return not COUNTER.match(text, end)
    if MONEY_NOUN_AFTER.match(text, end) and not COUNTER.match(text, end):  # 1.2万户分红资金: households
        return True
    if not MONEY_FOLLOWERS.match(text, end):
        return False
    window = text[max(0, start - 10) : start]
    return bool(MONEY_CONTEXT.search(window))


def written_as_count(text: str, amount_text: str) -> bool:
    """True when every occurrence of amount_text in text is a count of something else (50万尾)."""
    if "元" in amount_text:
        return False
    found = False
    for m in re.finditer(re.escape(amount_text), text):
        if bare_figure_is_money(text, m.start(), m.end()):
            return False
        found = True
    return found


def format_yuan(yuan: float | Decimal) -> str:
    value = Decimal(str(yuan))
    if abs(value) >= Decimal(100_000_000):
        return f"{(value / Decimal(100_000_000)).quantize(Decimal('0.0001')).normalize():f}亿元"
    if abs(value) >= Decimal(10_000):
        return f"{(value / Decimal(10_000)).quantize(Decimal('0.0001')).normalize():f}万元"
    return f"{value.normalize():f}元"
