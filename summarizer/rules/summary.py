"""Offline summary: the 1–3 most informative sentences of the body, in article order."""
from __future__ import annotations

import re

from ..money import find_amounts
from ..relations import relations_in
from ..text import periods

MAX_CHARS = 220
SENTENCE_LIMIT = 150


def extractive_summary(text: str, title: str | None, place_names: set[str]) -> str:
    body_start = len(title) + 1 if title and text.startswith(title) else 0
    candidates = [s for s in periods(text) if s.start >= body_start and len(s.text) >= 12]
    if not candidates:
        return (title or text[:MAX_CHARS]).strip()
    scored = []
    for rank, span in enumerate(candidates):
        score = 3.0 * min(len(relations_in(span.text)), 2)
        score += min(sum(1 for name in place_names if name in span.text), 3)
        score += 2.0 * min(len(find_amounts(span.text)), 2)
        score += 0.5 * min(len(re.findall(r"\d+(?:\.\d+)?[人户个家名所项]", span.text)), 4)
        score += 2.0 if rank == 0 else 0.0
        if len(span.text) > SENTENCE_LIMIT:
            score -= 2.0
        if not span.text.endswith(("。", "！", "？", "!", "?")):
            score -= 3.0  # a heading, not a sentence
        scored.append((score, rank, span))
    chosen: list = []
    total = 0
    for score, rank, span in sorted(scored, key=lambda t: (-t[0], t[1])):
        if len(chosen) == 3 or score <= 0 and chosen:
            break
        if total + len(span.text) > MAX_CHARS and chosen:
            continue
        chosen.append((rank, span))
        total += len(span.text)
    return "".join(span.text for _, span in sorted(chosen, key=lambda t: t[0]))
