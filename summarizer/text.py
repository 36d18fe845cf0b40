"""Spans of cleaned text: sentences and clauses with their offsets."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .vocabulary import vocabulary

SENTENCE_END = re.compile(r"[。！？!?；;]+|\n+")
PERIOD_END = re.compile(r"[。！？!?]+|\n+")
CLAUSE_END = re.compile(r"[，,。！？!?；;：:]+|\n+")


# An organisation's name ends in one of the suffixes of data/vocabulary.toml [organisations];
# it starts after a clause break or a linking word (到/在/与/向/由 …), at most ORG_PREFIX
# characters back, and never before the end of the organisation named just before it.
ORG_BOUNDARY = re.compile(
    r"[，,。；;：:、（）()“”《》\"\s—–-]|到|在|与|向|对|由|为|的|及|等|将|把|从|引导|组织|依托|联合|通过|收到|接过|获得|得到|"
    r"推动|协调|促成|动员|邀请|携手|积极|支持|帮助|捐赠|启动|自|是|和|了|代表|率领|带领|赴|来到|走进|前往|按照|根据|依据|实施|开展|举办|购置|"
    r"[正在并还又将要来都也]给")  # (not 给 alone: 某某给排水有限公司)
ORG_PREFIX = 14
DESCRIBED = re.compile(r"首个|首家|首所|第一[个家所]|[一两三四五六七八九十\d]+[所家座]")
NAME_BRACKET = re.compile(r"[（(](?:集团|中国|控股|股份|国际|北京|上海|深圳|香港)[)）]$")  # right before pos


@dataclass(frozen=True)
class OrgName:
    start: int
    end: int
    text: str
    entity: bool = True  # a company, university, hospital, association…; False: a government body


def boundary_before(text: str, pos: int) -> bool:
    """Does a boundary character or word end right before pos?"""
    return any(ORG_BOUNDARY.fullmatch(text, pos - n, pos) for n in (1, 2))


@lru_cache(maxsize=1)
def _org_suffix() -> re.Pattern:
    vocab = vocabulary()
    return re.compile(rf"(?P<entity>{vocab.entity_suffix})|(?P<government>{vocab.government_suffix}|中心)")


@lru_cache(maxsize=1)
def _known_names() -> re.Pattern:
    """Central enterprises by the names with no suffix the press gives them (data/central_units.tsv)."""
    table = resources.files("summarizer.data").joinpath("central_units.tsv").read_text("utf-8")
    names = set()
    for line in table.splitlines():
        if line and not line.startswith("#"):
            full, short = line.split("\t")
            names.update([full, *short.split("、")])
    # not a word of its own: 中国黄金周, 中国建筑的魅力 (a known name followed by such words is no company)
    return re.compile("(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                      + ")(?!周|产业|行业|工业|市场|文化|之|的魅力|特色)")


def org_names(text: str, start: int = 0, end: int | None = None) -> list[OrgName]:
    end = len(text) if end is None else end
    by_suffix = _names_by_suffix(text, start, end)
    known = [OrgName(m.start(), m.end(), m.group(0)) for m in _known_names().finditer(text, start, end)
             if (m.start() == start or boundary_before(text, m.start()) or text[m.start() - 1] == "\n")
             and not any(o.start < m.end() and m.start() < o.end for o in by_suffix)]
    return sorted(by_suffix + known, key=lambda o: o.start) if known else by_suffix


def _names_by_suffix(text: str, start: int, end: int) -> list[OrgName]:
    found: list[OrgName] = []
    for m in _org_suffix().finditer(text, start, end):
        floor = max(start, m.start() - ORG_PREFIX, found[-1].end if found else start)
        begin = m.start()
        while begin > floor:
            inner = NAME_BRACKET.search(text, floor, begin)
            if inner and inner.end() == begin:  # 某某投资(集团)有限责任公司: the bracket is inside the name
                begin = inner.start()
                continue
            if boundary_before(text, begin):
                break
            begin -= 1
        runs_on = found and begin == found[-1].end and not boundary_before(text, begin)
        if m.start() - begin < 2 or runs_on:
            # 天津市小额贷款公司协会, 某某大学科技学院: a longer name that runs on from the one before it.
            if found and found[-1].end == begin:
                previous = found.pop()
                found.append(OrgName(previous.start, m.end(), text[previous.start:m.end()],
                                     previous.entity or m.group("entity") is not None))
            continue
        if DESCRIBED.search(text, begin, m.start()):
            continue  # 玉树州首个三级综合医院, 一所乡村学校: a description of a new building, not a name
        found.append(OrgName(begin, m.end(), text[begin:m.end()], m.group("entity") is not None))
    return found


# "区人社、教育、卫健、工信、商务等部门": a list of departments, not of things done.
DEPARTMENT_LIST = re.compile(r"(?:[\u4e00-\u9fff]{1,6}、){2,}[\u4e00-\u9fff]{1,6}等?(?:相关)?(?:部门|单位|机构|职能部门)")


def mask_org_names(text: str) -> str:
    """Blank out organisation names and department lists, keeping offsets, so their words are not read as cues."""
    chars = list(text)
    spans = [(o.start, o.end) for o in org_names(text)] + [m.span() for m in DEPARTMENT_LIST.finditer(text)]
    for start, end in spans:
        chars[start:end] = "＿" * (end - start)
    return "".join(chars)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    def contains(self, start: int, end: int | None = None) -> bool:
        return self.start <= start and (end if end is not None else start) <= self.end


class Spans(list):
    """Spans in text order, found by offset in O(log n)."""

    @property
    def starts(self) -> list[int]:
        if getattr(self, "_starts", None) is None or len(self._starts) != len(self):
            self._starts = [span.start for span in self]
        return self._starts

    def index_at(self, start: int, end: int | None = None) -> int | None:
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and self[i].contains(start, end):
            return i
        return None


def split(text: str, boundary: re.Pattern, keep_punct: bool = True) -> Spans:
    spans = Spans()
    pos = 0
    for m in boundary.finditer(text):
        end = m.end() if keep_punct and "\n" not in m.group(0) else m.start()
        _add(spans, text, pos, end)
        pos = m.end()
    _add(spans, text, pos, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end, text[start:end]))


@lru_cache(maxsize=16)  # every extractor splits the same text
def sentences(text: str) -> Spans:
    """Sentences ending in 。！？； or a line break (a list item is a sentence)."""
    return split(text, SENTENCE_END)


@lru_cache(maxsize=16)  # every extractor splits the same text
def periods(text: str) -> Spans:
    """Full sentences, ending only in 。！？ or a line break (；-lists stay together)."""
    return split(text, PERIOD_END)


PARAGRAPH_BREAK = re.compile(r"\n+")


@lru_cache(maxsize=16)  # every extractor splits the same text
def paragraphs(text: str) -> Spans:
    return split(text, PARAGRAPH_BREAK, keep_punct=False)


@lru_cache(maxsize=16)  # every extractor splits the same text
def clauses(text: str) -> Spans:
    return split(text, CLAUSE_END, keep_punct=False)


def enclosing(spans: Spans, start: int, end: int | None = None) -> Span | None:
    i = spans.index_at(start, end)
    return spans[i] if i is not None else None


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
