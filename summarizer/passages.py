"""Passage selection: which parts of a long document the extractors read.

A 政府工作报告 of 30,000 characters has one paragraph on 东西部协作; a day's transcript has one
item in a dozen on 对口支援. Everything else (the region's own budget, GDP, trade figures) is noise
to an extractor. Paragraphs are scored for pairing-assistance wording (data/vocabulary.toml
[passages] and the relation words); those that reach the threshold are kept with one paragraph of
context each side, and a heading that reaches it keeps its whole section. The text itself is never
changed: a selection is a list of spans of it, so every offset still points into article.text.
A document shorter than SHORT_DOCUMENT is kept whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .relations import relation_mentions
from .text import paragraphs
from .vocabulary import vocabulary

SHORT_DOCUMENT = 3000
# Part of every backend's cache identity: a change here changes what the extractors read.
PASSAGES_VERSION = "passages-1"
# A heading: a markdown heading, a bracketed title on its own line, 一、 or （一）, short and unpunctuated.
HEADING = re.compile(r"^(?:(?P<hashes>#{1,6})\s*\S|【[^】]{2,40}】\s*$|(?P<level1>[一二三四五六七八九十]{1,3}、)|"
                     r"(?P<level2>[（(][一二三四五六七八九十]{1,3}[）)]))")
HEADING_MAX_CHARS = 40


@dataclass(frozen=True)
class Scored:
    """One paragraph and why it counts as pairing assistance (or not)."""
    start: int
    end: int
    score: int
    words: tuple[str, ...]
    heading_level: int | None  # None: not a heading; 1 is the highest


@dataclass
class Selection:
    """What the extractors read: spans of the text, in order, each with the reason it was kept."""
    text_length: int
    spans: list[tuple[int, int]]
    reasons: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # paragraph span -> why kept
    whole: bool = False  # the document is short: nothing was left out
    # The kept paragraphs with any assistance wording at all (score >= 1), or in a kept section: a
    # context paragraph without any (全县地区生产总值完成…) is read for who and what, never for money.
    worded: list[tuple[int, int]] = field(default_factory=list)

    @property
    def kept_chars(self) -> int:
        return sum(end - start for start, end in self.spans)


@dataclass(frozen=True)
class PassageVocabulary:
    threshold: int
    strong: int
    cues: re.Pattern
    patterns: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def passage_vocabulary() -> PassageVocabulary:
    raw = vocabulary().raw["passages"]
    return PassageVocabulary(threshold=raw["threshold"], strong=raw["strong"], cues=re.compile(raw["cues"]),
                             patterns=tuple(re.compile(p) for p in raw["patterns"]))


def score_paragraph(text: str) -> tuple[int, tuple[str, ...]]:
    """The paragraph's score and the words that earned it (a relation word's cue words count once)."""
    words = passage_vocabulary()
    found: list[str] = []
    score = 0
    taken: set[int] = set()
    for mention in relation_mentions(text):
        found.append(text[mention.start:mention.end])
        taken.update(range(mention.start, mention.end))
        score += words.strong
    for pattern in words.patterns:
        for m in pattern.finditer(text):
            found.append(m.group(0))
            score += words.strong
    cues = {m.group(0) for m in words.cues.finditer(text) if not taken.intersection(range(m.start(), m.end()))}
    found += sorted(cues)
    return score + len(cues), tuple(found)


def heading_level(paragraph: str) -> int | None:
    if len(paragraph) > HEADING_MAX_CHARS or paragraph.rstrip().endswith(("。", "；", ";")):
        return None
    m = HEADING.match(paragraph)
    if not m:
        return None
    if m.group("hashes"):
        return len(m.group("hashes"))
    return 2 if m.group("level2") else 1


def score_paragraphs(text: str) -> list[Scored]:
    scored = []
    for para in paragraphs(text):
        score, words = score_paragraph(para.text)
        scored.append(Scored(para.start, para.end, score, words, heading_level(para.text)))
    return scored


def select_passages(text: str, title: str | None = None, part_of_long: bool = False) -> Selection:
    """`part_of_long`: the text is an item of a long document (a transcript's 国内联播快讯), read the way
    the document would be, however short."""
    if len(text) < SHORT_DOCUMENT and not part_of_long:
        return Selection(len(text), [(0, len(text))] if text else [], whole=True)
    threshold = passage_vocabulary().threshold
    paras = score_paragraphs(text)
    reasons: dict[int, list[str]] = {}

    def keep(index: int, reason: str) -> None:
        reasons.setdefault(index, []).append(reason)

    if paras and title and text[paras[0].start:paras[0].end] == title:
        keep(0, "title")
    for i, para in enumerate(paras):
        if para.score < threshold:
            continue
        keep(i, f"score {para.score}: {'、'.join(dict.fromkeys(para.words))}")
        if para.heading_level is not None:
            for j in _section(paras, i):
                keep(j, f"in the section headed by paragraph {i + 1}")
    for i in [i for i, rs in reasons.items() if any(r.startswith("score") for r in rs)]:
        for j in (i - 1, i + 1):
            if 0 <= j < len(paras) and j not in reasons:
                keep(j, "context")
    kept = sorted(reasons)
    worded = [i for i in kept if paras[i].score >= 1 or reasons[i] != ["context"]]
    return Selection(len(text), _joined(paras, kept), {(paras[i].start, paras[i].end): reasons[i] for i in kept},
                     worded=_joined(paras, worded))


def _joined(paras: list[Scored], indices: list[int]) -> list[tuple[int, int]]:
    """Spans of the paragraphs at indices, neighbours joined into one span."""
    spans: list[tuple[int, int]] = []
    previous = None
    for i in indices:
        if spans and previous == i - 1:
            spans[-1] = (spans[-1][0], paras[i].end)
        else:
            spans.append((paras[i].start, paras[i].end))
        previous = i
    return spans


def selection_of(article) -> Selection:
    """The selection for a cleaned article (an item of a long document is read like the document)."""
    return _selection(article.text, article.title, article.item is not None)


@lru_cache(maxsize=64)  # the backend and the provenance ask for the same article's selection
def _selection(text: str, title: str | None, part_of_long: bool) -> Selection:
    return select_passages(text, title, part_of_long)


def _section(paras: list[Scored], heading: int) -> range:
    level = paras[heading].heading_level
    end = heading + 1
    while end < len(paras) and not (paras[end].heading_level is not None and paras[end].heading_level <= level):
        end += 1
    return range(heading + 1, end)


def masked_text(text: str, selection: Selection, worded_only: bool = False) -> str:
    """The text with everything outside the selection blanked to newlines: same length, same offsets,
    so what an extractor quotes from it is a quote of the whole text. `worded_only`: blank the context
    paragraphs that have no assistance wording too (where money is read)."""
    if selection.whole:
        return text
    parts, pos = [], 0
    for start, end in selection.worded if worded_only else selection.spans:
        parts.append(re.sub(r"[^\n]", "\n", text[pos:start]))
        parts.append(text[start:end])
        pos = end
    parts.append(re.sub(r"[^\n]", "\n", text[pos:]))
    return "".join(parts)


def passage_request_text(text: str, selection: Selection) -> str:
    """What a model is sent of a long document: each kept passage under a line giving its place in
    the whole text, so the request says what was left out and a quote still grounds in the whole."""
    if selection.whole:
        return text
    return "\n".join(f"[第{start}–{end}字]\n{text[start:end]}" for start, end in selection.spans)
