"""Pairing stage 2, relation triggers: the words in a sentence that may link two places.

A trigger is relation wording (对口帮扶, 援藏, 闽宁协作: it names the relation), a help verb
(帮扶, 捐赠: direction but no relation), or a direction marker ("向B捐赠", "对B的帮扶": the places
right after it are recipients; the relation, if any, is a relation word after it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..relations import HELP_VERB, RelationMention
from ..schemas import Relation
from ..text import Span
from ..vocabulary import vocabulary

# "A对B的(对口)帮扶/援建…": the places after 对 are the recipients.
TOWARDS = re.compile(r"对(?=[^，。；;！？]{1,30}?的(?:对口)?(?:援建|帮扶|支援|援助|扶贫|协作|结对))")
# Clause punctuation: a place and a relation word on either side of it are not linked.
TOO_FAR = re.compile(r"[，,。；;：:]")


class TriggerKind(str, Enum):
    relation_word = "relation word"
    help_verb = "help verb"
    direction = "direction marker (向B捐赠)"
    towards = "direction marker (对B的帮扶)"


class Reading(int, Enum):
    """How firmly a pair's relation was read; a stronger reading of a pair replaces a weaker one."""
    help_verb_only = 0  # no relation wording for the pair
    later_clause = 1  # relation wording in a later clause of the sentence: 向甘肃投入…，实施扶贫协作项目
    around_pair = 2  # relation wording around the pair

    def describe(self) -> str:
        return {0: "no relation wording for the pair", 1: "relation wording in a later clause",
                2: "relation wording around the pair"}[self.value]


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    kind: TriggerKind
    relation: Relation | None  # named by the trigger itself, or by the relation word after a marker
    recipient_province: str | None  # 援藏 names 西藏
    reading: Reading
    worded: tuple[int, int]  # where the relation word is (the marker's own span when there is none)

    @property
    def marker(self) -> bool:
        return self.kind in (TriggerKind.direction, TriggerKind.towards)

    def describe(self, text: str) -> str:
        return f"{self.kind.value} “{text[self.start:self.end]}”"


def triggers_in(text: str, sentence: Span, words: list[RelationMention]) -> list[Trigger]:
    """The sentence's relation words, then help verbs and direction markers not inside one, in text order."""
    found = [Trigger(w.start, w.end, TriggerKind.relation_word, w.relation, w.recipient_province, Reading.around_pair,
                     (w.start, w.end)) for w in words]
    for pattern, kind in ((HELP_VERB, TriggerKind.help_verb), (vocabulary().directed, TriggerKind.direction),
                          (TOWARDS, TriggerKind.towards)):
        for m in pattern.finditer(sentence.text):
            start, end = m.start() + sentence.start, m.end() + sentence.start
            if any(t.start <= start < t.end for t in found):
                continue
            found.append(_unworded(text, start, end, kind, words))
    return sorted(found, key=lambda t: t.start)


def _unworded(text: str, start: int, end: int, kind: TriggerKind, words: list[RelationMention]) -> Trigger:
    """A help verb names no relation; a direction marker takes the relation word after it (对祁连的对口支援),
    read less firmly when that word is in another clause."""
    if kind is TriggerKind.help_verb:
        return Trigger(start, end, kind, None, None, Reading.help_verb_only, (start, end))
    later = next((w for w in words if w.start >= end), None)
    if later is None:
        return Trigger(start, end, kind, None, None, Reading.help_verb_only, (start, end))
    reading = Reading.later_clause if TOO_FAR.search(text, end, later.start) else Reading.around_pair
    return Trigger(start, end, kind, later.relation, None, reading, (later.start, later.end))
