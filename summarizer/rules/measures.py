"""Offline measures: a category per sentence from its wording, with the figures it gives."""
from __future__ import annotations

import re

from ..schemas import Category, Evidence, Indicator, Measure
from ..text import clauses, clip, enclosing, mask_org_names, sentences

CATEGORY_WORDS: list[tuple[Category, re.Pattern]] = [
    (Category.industry, re.compile(
        r"产业|种植|养殖|加工厂|加工|合作社|招商引资|引进.{0,4}企业|光伏|乡村旅游|旅游|特色农业|现代农业|生态农业|车间|项目引领|"
        r"农业示范|大棚|温室|基地")),
    (Category.employment, re.compile(
        r"就业|劳务|招聘|技能培训|转移就业|公益性?岗位|务工|岗位|劳动力|创业|用工|稳岗|返岗")),
    (Category.consumption, re.compile(
        r"消费扶贫|消费帮扶|农特产品|农副产品|产销对接|电商|销售|采购|购买.{0,4}(?:产品|农产品)|销售渠道|直播带货")),
    (Category.education, re.compile(r"教育|学校|教师|学生|入学|助学|教学|校(?:园)?|留守儿童|贫困生")),
    (Category.health, re.compile(r"医疗|医院|义诊|卫生院|医生|医师|健康|诊疗|疫情防控|防疫|因病")),
    (Category.talent, re.compile(
        r"挂职|人才|选派.{0,8}(?:干部|教师|医生|医师|骨干|专家)|干部|专业技术|跟班学习|专家")),
    (Category.infrastructure, re.compile(
        r"基础设施|道路|硬化|饮水|水利|排洪|渠道衬砌|灌溉|危房|住房|通村|通组|桥梁|电网|供水|水窖|设施建设")),
    (Category.social_security, re.compile(
        r"兜底|低保|医保|救助|社会保障|生活保障|政策保障|五保|特困|养老|应保尽保|保障政策")),
    (Category.finance, re.compile(r"金融|信贷|贷款|保险|授信|担保|小额")),
    (Category.twinning, re.compile(r"结对|携手奔小康|手拉手|一对一|姊妹|包联|村企|镇镇|镇村|百企")),
    (Category.governance, re.compile(
        r"会议|党建|党组织|组织领导|工作机制|机制|部署|督战|考核|责任|工作专班|专班|网格|台账|工作队|对接会|协议")),
    (Category.environment, re.compile(r"人居环境|环境整治|垃圾|乡风文明|文明素养|村容村貌|环境卫生|厕所|美丽乡村|三清三拆")),
]
NUMBER = r"(?P<num>\d+(?:\.\d+)?)"
UNIT = (r"(?P<unit>人次|人|名|个|家|户|所|座|对|期|次|项|场|批|亩|吨|斤|公斤|头|只|尾|套|台|辆|条|间|平方米|公里|千米|"
        r"万元|亿元|元|%|个百分点|份|件|本|册|箱|栋|幢|张|班|支|处|村|镇|乡|类|条|家次|年)")
INDICATOR = re.compile(NUMBER + r"(?P<approx>余|多)?(?P<mag>万|亿)?" + UNIT)
YEAR_LIKE = re.compile(r"^(?:19|20)\d{2}$")
NAME_TRIM = re.compile(r"^(?:共|累计|已经|已|先后|新增|其中|全年|目前|截至目前|并|和|与|及|等|达|为|到|有)+")


def extract_measures(text: str) -> list[Measure]:
    masked = mask_org_names(text)
    clause_spans = clauses(text)
    measures: list[Measure] = []
    for sentence in sentences(text):
        cue_text = masked[sentence.start:sentence.end]
        cues: list[tuple[int, Category]] = []
        for category, words in CATEGORY_WORDS:
            positions = [m.start() for m in words.finditer(cue_text)]
            cues.extend((p, category) for p in positions)
        if not cues:
            continue
        categories = list(dict.fromkeys(c for _, c in sorted(cues)))
        indicators = _indicators(sentence.text)
        assigned: dict[Category, list[Indicator]] = {c: [] for c in categories}
        for offset, indicator in indicators:
            assigned[_nearest_category(cues, offset)].append(indicator)
        for category in categories:
            measures.append(
                Measure(
                    category=category,
                    description=_description(text, clause_spans, sentence.start, sentence.end, cues, category),
                    indicators=assigned[category],
                    evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end),
                )
            )
    return measures


def _nearest_category(cues: list[tuple[int, Category]], offset: int) -> Category:
    before = [(offset - p, c) for p, c in cues if p <= offset]
    if before:
        return min(before, key=lambda t: t[0])[1]
    return min(cues, key=lambda t: abs(t[0] - offset))[1]


def _indicators(sentence: str) -> list[tuple[int, Indicator]]:
    found: list[tuple[int, Indicator]] = []
    for m in INDICATOR.finditer(sentence):
        if m.start() > 0 and (sentence[m.start() - 1].isdigit() or sentence[m.start() - 1] in ".-+"):
            continue
        unit = m.group("unit")
        if unit == "年" or YEAR_LIKE.match(m.group("num")) and unit in ("年",):
            continue
        value = float(m.group("num"))
        if m.group("mag") and unit not in ("元",):
            value *= 10_000 if m.group("mag") == "万" else 100_000_000
        elif m.group("mag"):
            unit = m.group("mag") + unit
        found.append((m.start(), Indicator(name=_indicator_name(sentence, m.start(), m.end()), value=value, unit=unit)))
    return found


def _indicator_name(sentence: str, start: int, end: int) -> str:
    head = re.split(r"[，,。；;：:、（）()“”]", sentence[:start])[-1]
    head = NAME_TRIM.sub("", head[-16:])
    if len(head) >= 3:
        return head
    tail = re.split(r"[，,。；;：:、（）()“”\d]", sentence[end:])[0][:10]
    return (head + tail) or sentence[max(0, start - 8):start]


def _description(text, clause_spans, start, end, cues, category) -> str:
    position = min(p for p, c in cues if c is category) + start
    clause = enclosing(clause_spans, position)
    return clip(clause.text if clause else text[start:end], 80)
