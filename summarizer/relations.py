"""Relation vocabulary and the wording that decides who helps whom.

Shared by the offline extractor and the checks, so the rule that finds a pairing is
the rule that verifies one.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .pairing_table import helper_first, province_programmes, published_relation
from .schemas import Relation
from .vocabulary import vocabulary

@dataclass(frozen=True)
class RelationMention:
    start: int
    end: int
    relation: Relation
    recipient_province: str | None  # 援藏 itself names 西藏 as the helped province
    programme: tuple[str, str] | None = None  # 闽宁协作: (helper, recipient) province codes
# Verbs of helping: they carry direction but not the kind of relation.
HELP_VERB = re.compile(vocabulary().raw["wording"]["help_verbs"])  # data/vocabulary.toml [wording]
# "B 接受/得到 A 的帮扶": the helper comes after the recipient.
PASSIVE_MARKER = re.compile(vocabulary().raw["wording"]["passive_markers"])
PASSIVE = re.compile(rf"(?:{PASSIVE_MARKER.pattern})(?P<between>[^，。；,;]{{0,20}}?)(?:的)?(?:帮扶|支援|援助|援建|支持|捐赠)")
# Separators inside a list of recipients: 黔西县、织金县 / 清新区和阳山县.
LIST_SEPARATOR = re.compile(r"^\s*(?:、|和|及|以及|与|同|,|，)?\s*$")
# What may stand between a relation word and the first recipient: 的, 单位, 地区 …
LEAD_GAP = re.compile(r"^[^，。；,;：:！？!?“”\"]{0,6}$")
# 与/同 before a relation word makes it mutual ("A与B结对"); 和 is too often part of a name (和平区).
MUTUAL = re.compile(r"与|同")
# Between a help word and its recipient in a checked quote: a list of places, no clause break, and no 与/同/向
# bringing in another party (对口凉山扶贫协作工作组密切与佛山市扶贫办沟通: 佛山市 is not helped).
DIRECTION_GAP = re.compile(r"^(?:(?!与|同|向)[^，。；,;：:！？!?\n]){0,30}$")
# "来到(望谟县)石屯镇": arriving at a place, possibly through its parent's name.
ARRIVE = re.compile(rf"(?:{vocabulary().raw['wording']['arrive_verbs']})[^，。；,;、]{{0,6}}$")


@lru_cache(maxsize=32)  # the extractor asks for an article's words several times; callers only read
def relation_mentions(text: str) -> tuple[RelationMention, ...]:
    """Relation wording in text order (data/vocabulary.toml [[relation]]; earlier entries win overlaps)."""
    found: list[RelationMention] = []
    taken: set[int] = set()  # character positions already part of a relation word
    for word in vocabulary().relations:
        for m in word.pattern.finditer(text):
            span = range(m.start(), m.end())
            if any(i in taken for i in span):
                continue
            programme = _published_programme(m.group()) if word.programme else None
            if word.programme and programme is None:
                continue
            taken.update(span)
            found.append(RelationMention(m.start(), m.end(), word.relation, word.recipient_province, programme))
    return tuple(sorted(found, key=lambda r: r.start))


def relations_in(text: str) -> list[tuple[int, int, Relation]]:
    return [(r.start, r.end, r.relation) for r in relation_mentions(text)]


def _published_programme(words: str) -> tuple[str, str] | None:
    """闽宁… -> ("35", "64") when the two short names are a published province pair (data/pairings.tsv)."""
    abbreviations = vocabulary().abbreviations
    pair = abbreviations.get(words[0]), abbreviations.get(words[1])
    return pair if pair in province_programmes() else None


@lru_cache(maxsize=256)
def programme_mentions(text: str) -> dict[tuple[str, str], int]:
    """(helper, recipient) province codes of programme abbreviations in text, each with where it is
    first written: 闽宁协作 -> {("35", "64"): offset}."""
    found: dict[tuple[str, str], int] = {}
    for mention in relation_mentions(text):
        if mention.programme:
            found.setdefault(mention.programme, mention.start)
    return found


def programme_provinces(text: str) -> list[tuple[str, str]]:
    """(east, west) province codes of programme abbreviations in text: 闽宁协作 -> ("35", "64")."""
    return list(programme_mentions(text))


def article_relation(text: str) -> Relation | None:
    """The relation an article is about: the most frequent relation wording in it."""
    counts = Counter(r for _, _, r in relations_in(text))
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def refine_relation(relation: Relation, helper_code: str | None, recipient_code: str | None,
                    east_west_programme: bool = False, named_programmes: frozenset[Relation] = frozenset()) -> Relation:
    """对口帮扶 between a pair the published east-west pairings cover is 东西部协作 (east_west); others stay.

    结对帮扶 between an eastern and a western place is east_west too when the article is about an
    east-west programme (携手奔小康 pairs are its county-level twinning). Where the sentence names both
    programmes (named_programmes: 对口支援和扶贫协作), the published pairing says which one a pair is in;
    where it names one, the wording stands (天津对口支援甘肃 is counterpart_support as written).
    """
    helper_province, recipient_province = (helper_code or "")[:2], (recipient_code or "")[:2]
    if (relation in (Relation.counterpart_assistance, Relation.other) and recipient_province in vocabulary().support_only
            and helper_province and helper_province != recipient_province):
        return Relation.counterpart_support  # 西藏林芝地区是福建省的对口援助地区: 援藏
    refinable = (Relation.counterpart_assistance, Relation.other) + ((Relation.twinning,) if east_west_programme else ())
    if relation in refinable and _east_to_west(helper_code, recipient_code):
        return Relation.east_west
    published = published_relation(helper_code, recipient_code)
    if relation in PROGRAMMES and published in PROGRAMMES and len(named_programmes) > 1:
        return published  # 滨州市…对口支援和扶贫协作…奉节: the published pairing says which programme
    if relation is Relation.designated and published in PROGRAMMES:
        return published  # 江苏省与陕西省…挂钩扶贫协作: two regions of a published pair are in its programme
    return relation


# The two assigned programmes: wording about one may stand beside the other (对口支援和扶贫协作).
PROGRAMMES = (Relation.east_west, Relation.counterpart_support)


def _east_to_west(helper_code: str | None, recipient_code: str | None) -> bool:
    """A published east-west row covers the pair; without any row, the provinces' roles in the table."""
    published = published_relation(helper_code, recipient_code)
    if published is not None:
        return published is Relation.east_west
    return helper_first(helper_code, recipient_code) is True


def wording_direction(text: str, helper: str, recipient: str) -> bool | None:
    """Does the wording of `text` say helper -> recipient (True), the reverse (False)?

    None when the wording does not decide (mutual 与…结对, a name missing …).
    """
    h, r = text.find(helper), text.find(recipient)
    if h < 0 or r < 0 or helper == recipient:
        return None
    for m in PASSIVE.finditer(text):
        between = m.group("between")
        if helper in between and text.rfind(recipient, 0, m.start()) >= 0:
            return True
        if recipient in between and text.rfind(helper, 0, m.start()) >= 0:
            return False
    for name, other in ((recipient, helper), (helper, recipient)):
        at = text.find(name)
        if at > 0 and ARRIVE.search(text[max(0, at - 10):at]) and 0 <= text.find(other) < at:
            return name == recipient  # "A…来到B开展帮扶": B is helped
    words = [(s, e) for s, e, _ in relations_in(text)] + [(m.start(), m.end()) for m in HELP_VERB.finditer(text)]
    for start, end in sorted(words):
        before = text[max(0, start - 8) : start]
        if MUTUAL.search(before) or (helper in before and recipient in before):
            continue  # 与B结对; 西安安康区域对口帮扶 names the pair before the word: no direction
        after_name = _name_right_after(text, end, (helper, recipient))
        if after_name is None:
            continue
        other = recipient if after_name == helper else helper
        at = text.find(after_name, end)
        if text.endswith("的", 0, at):
            continue  # 挂钩帮扶该村的某办公室: the party after 的 is the one that helps, the word's object is before it
        if AGENT_OF_RELATIVE.match(text, at + len(after_name)):
            continue  # 用于支持省民政厅帮扶的两个村: the name helps in a clause describing the word's real object
        if text.rfind(other, 0, start) >= 0:
            return after_name == recipient
    return None


# A name followed by its own help verb and 的 (…省民政厅帮扶的两个村) is the agent of a clause describing something else.
AGENT_OF_RELATIVE = re.compile(r"(?:对口|定点|结对|挂钩)?(?:帮扶|援助|支援|援建|联系)的")


def _name_right_after(text: str, pos: int, names: tuple[str, ...]) -> str | None:
    best: tuple[int, str] | None = None
    for name in names:
        i = text.find(name, pos)
        if i >= 0 and DIRECTION_GAP.match(text[pos:i]) and (best is None or i < best[0]):
            best = (i, name)
    return best[1] if best else None
