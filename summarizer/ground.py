"""Ground step: align each record's quote to article.text and resolve its region names.

A model returns quotes, not offsets. Alignment tries, in order: the exact quote; the
quote with whitespace and punctuation folded (，/, “/\" …); a fuzzy window. The way a
quote was aligned is recorded in evidence.alignment; a quote that cannot be found keeps
offsets -1 and the `evidence_offsets` check reports it as an error.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from .backends.base import Extraction
from .regions import RegionResolver
from .schemas import Evidence, Level, Region

FUZZY_MIN_RATIO = 0.8
FOLD = re.compile(r"[\s\W_]+", re.UNICODE)


def align(quote: str, text: str) -> tuple[int, int, str] | None:
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote), "exact"
    folded_text, index = _fold_with_index(text)
    folded_quote, _ = _fold_with_index(quote)
    if len(folded_quote) >= 2:
        at = folded_text.find(folded_quote)
        if at >= 0:
            return index[at], index[at + len(folded_quote) - 1] + 1, "normalized"
    return _fuzzy(quote, text)


def _fold_with_index(text: str) -> tuple[str, list[int]]:
    kept: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        ch = unicodedata.normalize("NFKC", ch)
        if not ch or FOLD.fullmatch(ch):
            continue
        kept.append(ch[0])
        index.append(i)
    return "".join(kept), index


def _fuzzy(quote: str, text: str) -> tuple[int, int, str] | None:
    if len(quote) < 8:
        return None
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    block = matcher.find_longest_match(0, len(text), 0, len(quote))
    if block.size < 4:
        return None
    start = max(0, block.a - block.b)
    end = min(len(text), start + len(quote))
    ratio = difflib.SequenceMatcher(None, text[start:end], quote, autojunk=False).ratio()
    if ratio < FUZZY_MIN_RATIO:
        return None
    return start, end, "fuzzy"


def ground_evidence(evidence: Evidence, text: str) -> Evidence:
    if 0 <= evidence.start <= evidence.end <= len(text) and text[evidence.start:evidence.end] == evidence.text:
        return evidence.model_copy(update={"alignment": evidence.alignment or "exact"})
    found = align(evidence.text, text)
    if found is None:
        return evidence.model_copy(update={"start": -1, "end": -1, "alignment": "unaligned"})
    start, end, how = found
    return Evidence(text=text[start:end], start=start, end=end, alignment=how)


def ground_region(region: Region, resolver) -> Region:
    if region.adcode and region.full_name or region.level is Level.other:
        return region
    resolved = resolver().resolve(region.name)
    return resolved.model_copy(update={"level": region.level if resolved.level is None else resolved.level})


def ground(extraction: Extraction, text: str) -> Extraction:
    def resolver() -> RegionResolver:  # built only when a name needs resolving
        return RegionResolver.for_text(text)

    pairings = [
        p.model_copy(update={
            "helper": ground_region(p.helper, resolver),
            "recipient": ground_region(p.recipient, resolver),
            "evidence": ground_evidence(p.evidence, text),
        })
        for p in extraction.pairings
    ]
    funds = [f.model_copy(update={"evidence": ground_evidence(f.evidence, text)}) for f in extraction.funds]
    measures = [m.model_copy(update={"evidence": ground_evidence(m.evidence, text)}) for m in extraction.measures]
    extraction.pairings, extraction.funds, extraction.measures = pairings, funds, measures
    return extraction
