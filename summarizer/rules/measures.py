"""Offline measures: a category per sentence from its wording, with the figures it gives."""
from __future__ import annotations

import re

from ..schemas import Category, Evidence, Indicator, Measure
from ..vocabulary import vocabulary
from ..text import clauses, clip, enclosing, mask_org_names, sentences

def _category_words() -> list[tuple[Category, re.Pattern]]:
    return [(cue.category, cue.pattern) for cue in vocabulary().measures]  # data/vocabulary.toml [[measure]]


NUMBER = r"(?P<num>\d+(?:\.\d+)?)"
UNIT = (r"(?P<unit>人次|人|名|个|家|户|所|座|对|期|次|项|场|批|亩|吨|斤|公斤|头|只|尾|套|台|辆|条|间|平方米|公里|千米|"
        r"万元|亿元|元|%|个百分点|份|件|本|册|箱|栋|幢|张|班|支|处|村|镇|乡|类|条|家次|年)")
INDICATOR = re.compile(NUMBER + r"(?P<approx>余|多)?(?P<mag>万|亿)?" + UNIT)
YEAR_LIKE = re.compile(r"^(?:19|20)\d{2}$")
NAME_TRIM = re.compile(r"^(?:共|累计|已经|已|先后|新增|其中|全年|目前|截至目前|并|和|与|及|等|达|为|到|有)+")


def extract_measures(text: str) -> list[Measure]:
    masked = mask_org_names(text)
    clause_spans = clauses(text)
    sentence_spans = sentences(text)
    # Each cue pattern scans the article once; its hits are then dealt out to their sentences.
    cues_by_sentence: dict[int, list[tuple[int, Category]]] = {}
    for category, words in _category_words():
        for m in words.finditer(masked):
            index = sentence_spans.index_at(m.start(), m.end())
            if index is not None:
                cues_by_sentence.setdefault(index, []).append((m.start() - sentence_spans[index].start, category))
    measures: list[Measure] = []
    for index, sentence in enumerate(sentence_spans):
        cues = cues_by_sentence.get(index)
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
