"""Spans of cleaned text: sentences and clauses with their offsets."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

SENTENCE_END = re.compile(r"[。！？!?；;]+|\n+")
PERIOD_END = re.compile(r"[。！？!?]+|\n+")
CLAUSE_END = re.compile(r"[，,。！？!?；;：:]+|\n+")


# An organisation's name ends in one of these; it starts after a clause break or a
# linking word (到/在/与/向/由 …), at most ORG_PREFIX characters back.
ORG_SUFFIX = re.compile(
    r"有限公司|公司|集团|银行|大学|学院|医院|研究院|研究所|协会|商会|工商联|基金会|委员会|总局|扶贫办|办公室|部|厅|局|委|中心"
)
ORG_BOUNDARY = re.compile(r"[，,。；;：:、（）()“”\"\s]|到|在|与|向|对|由|为|的|及|等|将|把|从|引导|组织|依托|联合|通过")
ORG_PREFIX = 14


@dataclass(frozen=True)
class OrgName:
    start: int
    end: int
    text: str


def org_names(text: str, start: int = 0, end: int | None = None) -> list[OrgName]:
    end = len(text) if end is None else end
    found: list[OrgName] = []
    for m in ORG_SUFFIX.finditer(text, start, end):
        begin = m.start()
        while begin > max(start, m.start() - ORG_PREFIX) and not ORG_BOUNDARY.match(text, begin - 1):
            begin -= 1
        if m.start() - begin < 2:
            continue
        if found and begin <= found[-1].start:
            found.pop()  # 天津市小额贷款公司 inside 天津市小额贷款公司协会
        found.append(OrgName(begin, m.end(), text[begin:m.end()]))
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


def sentences(text: str) -> Spans:
    """Sentences ending in 。！？； or a line break (a list item is a sentence)."""
    return split(text, SENTENCE_END)


def periods(text: str) -> Spans:
    """Full sentences, ending only in 。！？ or a line break (；-lists stay together)."""
    return split(text, PERIOD_END)


def paragraphs(text: str) -> Spans:
    return split(text, re.compile(r"\n+"), keep_punct=False)


def clauses(text: str) -> Spans:
    return split(text, CLAUSE_END, keep_punct=False)


def enclosing(spans: Spans, start: int, end: int | None = None) -> Span | None:
    i = spans.index_at(start, end)
    return spans[i] if i is not None else None


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
