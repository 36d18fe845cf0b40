"""Pairing stage 3, candidate pairs: for each trigger, the places it links, each with how it was read.

The ways a trigger links two places, by the name an explanation shows:
- LISTED: the places right after the trigger are recipients, the nearest before it the helper (A对口帮扶B、C);
- ONE_TO_ONE: "A、B、C分别帮扶X、Y、Z": listed in the same order, paired one to one;
- PASSIVE: "B接受/得到A的帮扶": the place after the passive marker helps the one before it;
- ARRIVED: "A…来到B，开展帮扶活动": the place arrived at is helped;
- JOINED: "A与B结对": helper first, the place joined last;
- COUNTED_LIST: "X共有A县、B县2个定点扶贫县": the places counted are the sentence subject's;
- SUBJECT_JOINED: "A积极投身结对帮扶工作，与B开展结对帮扶": the clause opening on 与 has the sentence's subject;
- TOPIC: "上海市对口援藏": 援藏 names 西藏, the headline or lead names the place there;
- NAMED_TOGETHER: "宁夏与福建…对口扶贫协作": a published pair (data/pairings.tsv) named as A与B;
- PROGRAMME: "闽宁协作": a published province pair named by its short names;
- UNDER_HELP: "在A对口援助下，B…"; OPENING_PLACE: "在墨脱县，福建、广东接力援藏"; COOPERATING: "广东、广西协作";
- BRACKETED: "分别为黑龙江省、江苏省(援助克州)、吉林省": the bracket's aid word links only 江苏省 and what it holds.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ..pairing_table import assigned_relation, published_direction
from ..relations import ARRIVE, HELP_VERB, LEAD_GAP, LIST_SEPARATOR, PASSIVE_MARKER, relation_mentions
from ..schemas import Level, Region
from ..text import Span
from ..vocabulary import vocabulary
from .pairing_places import Place, related
from .pairing_triggers import TOO_FAR, Trigger, TriggerKind

LISTED = "places right after the trigger are its recipients, the nearest place before it the helper"
ONE_TO_ONE = "A、B分别…X、Y: helpers and recipients paired in the order listed"
PASSIVE = "B接受/得到A的帮扶: the place after the passive marker helps the one before it"
ARRIVED = "A…来到B: the place arrived at is helped"
JOINED = "A与B + relation word: helper first, the place joined last"
COUNTED_LIST = "X有A、B…N个 + relation word: the places counted are the relation's, the sentence's subject helps them"
SUBJECT_JOINED = "A…，与B + relation word: the clause opening on 与 is the sentence's subject's, who helps B"
AS_ROLE_READING = "作为帮扶X的…，A: the party named after the role helps X"
AT_PLACES = "A…在X、Y…+ relation word or help verb: the places after 在 are helped by the party named before it"
JOINED_LIST = "A、B与X、Y + relation word: each place before 与 with each after it, the published pairings orienting them"
TOPIC = "the aid word names the province; the headline or lead names the place there"
NAMED_TOGETHER = "A与B in a sentence with relation wording, and the published pairings pair them"
PROGRAMME = "a programme abbreviation naming a published province pair"
PUBLISHED_PAIR = "nothing else links two places; the sentence names both sides of a published pair with its relation word"
UNDER_HELP = "在A对口援助下，B…: A helps the place opening the next clause"
OPENING_PLACE = "the sentence opens on the place helped; the helpers are right before the aid word"
COOPERATING = "a helping and a helped province named together before 协作 in an east-west article"
BOTH_SIDES_NAMED = "A、B两地 + relation word: the two sides of the relation, the published pairings orienting them"
BRACKETED = "A(援助X): an aid word inside a bracket links the place right before the bracket to the places in it"

HELPER_LIST = re.compile(r"^\s*(?:、|和|及|以及)\s*$")
ENUMERATION = re.compile(r"^\s*(?:、|及|以及|,|，)\s*$")
# 渭南、镇江两地 / 两市: two places named as the two sides of what follows.
BOTH_SIDES = re.compile(vocabulary().raw["rule_words"]["both_sides"])
MUTUAL_LINK = re.compile(r"^(?:与|同|和)$|^[^，,。；;]{0,3}(?:与|同|和)$")
# One clause of the subject's own, then a clause opening on 与 (…积极响应某号召，与某村进行结对).
LISTED_BEFORE = re.compile(r"(?:、|和|及)\s*$")  # the last of a list is no subject of its own
SUBJECT_LINK = re.compile(r"^[^，,。；;、和及]{0,36}[，,](?:并|还|又|主动)?(?:与|同)"
                          r"(?:[\u4e00-\u9fff]{1,9}?(?:省|市|州|盟|县|区|旗|镇|乡))?$")
# Organisations that give rather than receive (data/vocabulary.toml [wording] giver_suffixes).
GIVER = re.compile(rf"(?:{vocabulary().raw['wording']['giver_suffixes']})$")
# Between a helper and the aid word that names its province: 上海市对口援藏, 福建省第十批援藏 (not a clause away).
NEAR_AID = re.compile(r"[^，。；;,：:“”\"]{0,6}$")
RESPECTIVELY = re.compile(r"分别")
# A count of units right after a listed place, then the separator: 支援塔城地区五县两市、农八师….
COUNTED_UNITS = re.compile(r"(?:[一二两三四五六七八九十\d]+个?[县市区旗乡镇村]){1,3}\s*(?:、|和|及|以及)\s*")
# Between the place an organisation joins and a help verb: the agreement they sign (与某县签订2031年帮扶协议).
SIGNED = re.compile(r"^[^，。；,;]{0,4}?(?:签订|签署|签下)[^，。；,;]{0,10}$")
JOIN_WORD = re.compile(r"与|同")
# "作为定点帮扶X的中央企业，Y…": a role the sentence opens with, then the party that has it.
AS_ROLE = re.compile(r"作为\s*$")
ROLE_THEN_PARTY = re.compile(r"的[^，。；,;]{0,10}[，,]\s*")
AT = re.compile(r"在")
# "望谟县在南明区对口帮扶下脱贫": 在…下 names the helper, not the places helped.
UNDER_AFTER = re.compile(r"[^，。；,;]{0,3}下")
# A short name the gazetteer cannot place alone, between two listed places: 普格和布拖、青海曲麻莱.
UNREAD_BETWEEN = re.compile(r"\s*(?:、|和|及)\s*[\u4e00-\u9fff]{1,4}\s*(?:、|和|及)\s*")
# Between the last place after 在 and the relation word: 7县用心用情用力落实 — a short run, no clause break.
AT_LIST_TO_TRIGGER = 16
# A party named as the source of an instruction (按照国务院国资委工作要求) is not the one helping.
AUTHORITY_BEFORE = re.compile(r"(?:按照|根据|依据|遵照)$")
COMMA = re.compile(r"[,，]")
# From the last place of a joined list to the relation word: 签订了, 开展 — a few characters, no clause break.
LIST_TO_TRIGGER = 8
# …unless the gap forms the relation the trigger names: 与连城县、永泰县结为省级扶贫开发、水土流失治理对口帮扶县.
FORMS_RELATION = re.compile(vocabulary().raw["wording"]["forms_relation"])
LIST_TO_NAMED_RELATION = 20
# "在山东对口援助下，喀什…": the helper inside the phrase, the recipient opening the next clause.
UNDER = re.compile(r"下\s*[，,]")
# A sentence that opens on a place ("在墨脱县，福建、广东接力援藏", "塔什库尔干县平均海拔…，深圳援疆医疗队…")
# is about that place: an aid word later in it with no recipient of its own helps there.
OPENING = re.compile(r"^\s*(?:在|于)?$")


@dataclass(frozen=True)
class Candidate:
    """A pair a trigger links, in written order (the table may still turn it round), and how it was read."""
    helper: Place
    recipient: Place
    trigger: Trigger
    how: str  # one of the names above
    passive: bool = False


def receiving_places(text: str, inside: list[Place], triggers: list[Trigger]) -> set[int]:
    """Places written right after a trigger are recipients, never helpers (ids of the Places)."""
    return {id(p) for t in triggers for p in _list_after(text, inside, t.end)}


def candidates_for(text: str, sentence: Span, inside: list[Place], receiving: set[int], trigger: Trigger,
                   topic: dict[str, Place], title_end: int = 0) -> list[Candidate]:
    """The pairs a trigger links in its sentence; without any, "在A对口援助下，B", the place the sentence opens
    on, and last the place 援藏/援疆 itself points to."""
    opened = _open_bracket(text, sentence.start, trigger.start)
    bracketed = _bracketed(text, inside, trigger, opened) if opened is not None else None
    if bracketed is not None:
        return bracketed
    respectively = bool(RESPECTIVELY.search(sentence.text))
    pairs = list(_pairs_around(text, sentence, inside, receiving, trigger.start, trigger.end,
                               mutual_ok=trigger.kind is TriggerKind.relation_word, respectively=respectively))
    province = trigger.recipient_province
    if not pairs and UNDER.match(text, trigger.end):
        pairs = _under(text, sentence, inside, trigger.start, trigger.end)
    if not pairs and sentence.start >= title_end:  # a headline's terse wording is read from its body
        pairs = _at_opening(text, sentence, inside, receiving, trigger.start, province)
    found = [Candidate(h, r, trigger, how, passive) for h, r, passive, how in pairs]
    if found or province not in topic:
        return found
    before = [p for p in inside if p.end <= trigger.start and id(p) not in receiving]  # 援藏 helps 西藏 from outside it
    return [Candidate(h, topic[province], trigger, TOPIC) for h in _helpers_before(text, before, [topic[province]])
            if not (h.region.adcode or "").startswith(province) and NEAR_AID.match(text, h.end, trigger.start)]


def _open_bracket(text: str, start: int, pos: int) -> int | None:
    """Where the bracket that pos is inside opens, in the same sentence (江苏省(援助克州): the 援助)."""
    opened = max(text.rfind("(", start, pos), text.rfind("（", start, pos))
    if opened < 0 or max(text.rfind(")", opened, pos), text.rfind("）", opened, pos)) >= 0:
        return None
    return opened


def _bracket_close(text: str, pos: int) -> int:
    """Where the bracket pos is inside closes (the end of the text if it never does)."""
    closes = [i for i in (text.find(")", pos), text.find("）", pos)) if i >= 0]
    return min(closes) if closes else len(text)


def _bracketed(text: str, inside: list[Place], trigger: Trigger, opened: int) -> list[Candidate] | None:
    """The pairs of an aid word in a bracket right after a place; None when the bracket follows no place or
    is about the place before it (…划拨到凉山州财政局(其中定向支持美姑县…)): then it is read as any other."""
    helper = next((p for p in reversed(inside) if p.end <= opened), None)
    if helper is None or text[helper.end:opened].strip() or any(opened < p.start < trigger.start for p in inside):
        return None  # (宁强县（海淀区对口帮扶县）: the bracket names who helps the place before it)
    recipients = _list_after(text, inside, trigger.end)
    if any(related(helper.region, r.region) for r in recipients):
        return None
    return [Candidate(helper, r, trigger, BRACKETED) for r in recipients]


def _pairs_around(text: str, sentence: Span, inside: list[Place], receiving: set[int], start: int, end: int,
                  mutual_ok: bool, respectively: bool = False):
    passive = _passive(text, sentence, inside, start)
    if passive is not None:
        yield *passive, True, PASSIVE
        return
    recipients = _list_after(text, inside, end)
    before = [p for p in inside if p.end <= start and id(p) not in receiving]
    if recipients and AS_ROLE.search(text, sentence.start, start):
        # "作为定点帮扶鹤庆的中央企业，中船集团…": the party the clause after the role names helps
        named = ROLE_THEN_PARTY.match(text, recipients[-1].end)
        after = [p for p in inside if named and p.start >= named.end() and p.start - named.end() <= 2]
        if after:
            yield from ((after[0], r, False, AS_ROLE_READING) for r in recipients)
            return
    if recipients:
        helpers = _subject_of_clause_opening(text, sentence, before, recipients, start) or \
            _helpers_before(text, before, recipients)
        if len(helpers) == len(recipients) >= 2 and (respectively or len(helpers) >= 3):
            # "A、B、C分别帮扶X、Y、Z": listed in the same order, paired one to one.
            yield from ((h, r, False, ONE_TO_ONE) for h, r in zip(helpers, recipients))
            return
        for helper in helpers:
            for recipient in recipients:
                yield helper, recipient, False, LISTED
        return
    counted = _counted_list_before(text, before, start) if mutual_ok else []
    if counted:
        subject = [h for h in _sentence_subject(text, sentence, before) if h not in counted]
        if subject:
            yield from ((h, r, False, COUNTED_LIST) for h in subject for r in counted if not related(h.region, r.region))
            return
    joined = _joined_list(text, before, start, respectively) if mutual_ok else []
    if joined:
        yield from ((a, b, False, how) for a, b, how in joined)
        return
    at_places = _at_places(text, sentence, before, start) if not UNDER_AFTER.match(text, end) else []
    if not mutual_ok:  # a help verb: 在 may name a venue (在北京市举办展会支持…), so only a published pair counts
        at_places = [(a, b) for a, b in at_places if assigned_relation(a.region.adcode, b.region.adcode) is not None
                     and published_direction(a.region.adcode, b.region.adcode) is True]
    if at_places:
        yield from ((a, b, False, AT_PLACES) for a, b in at_places)
        return
    if len(before) >= 2:
        # "A与B结对", "A…来到B，开展帮扶活动": helper first, the place joined or arrived at last.
        recipient = before[-1]
        helpers = [p for p in before[:-1] if not related(p.region, recipient.region)]
        if not helpers:
            return
        gap = text[recipient.end:start]
        between = text[helpers[-1].end:recipient.start]
        if ENUMERATION.match(between):
            # "黔西县、织金县": two places listed together, neither helps the other, unless the list is named as the
            # relation's two sides (渭南、镇江两地扶贫协作) and a published pair orients them
            both = BOTH_SIDES.match(text, recipient.end)
            if (mutual_ok and both and not TOO_FAR.search(text, both.end(), start) and (direction := published_direction(
                    helpers[-1].region.adcode, recipient.region.adcode)) is not None):
                yield *((helpers[-1], recipient) if direction else (recipient, helpers[-1])), False, BOTH_SIDES_NAMED
            return
        # With a bare help verb, only an organisation's visit counts (workers going to the helper's city do not).
        arrive_ok = mutual_ok or helpers[0].region.level is Level.other
        # an organisation signing a help agreement with a place (某集团与某县签订帮扶协议) helps it
        signed_ok = helpers[-1].region.level is Level.other and SIGNED.match(gap) is not None
        if arrive_ok and ARRIVE.search(between) and not re.search(r"[。；;]", gap) and len(TOO_FAR.findall(gap)) <= 1:
            yield helpers[0], recipient, False, ARRIVED
        elif mutual_ok and not TOO_FAR.search(gap) and MUTUAL_LINK.search(between):
            yield helpers[0], recipient, False, JOINED
        elif signed_ok and MUTUAL_LINK.search(between):
            yield helpers[-1], recipient, False, JOINED
        elif mutual_ok and not TOO_FAR.search(gap) and (subject := _subject_of_link(text, helpers, recipient)):
            yield subject, recipient, False, SUBJECT_JOINED


def _subject_of_link(text: str, helpers: list[Place], recipient: Place) -> Place | None:
    """The first place of the clause right before one opening on 与 (…以来，A积极投身帮扶工作，与某县某村开展结对)."""
    return next((p for p in helpers if SUBJECT_LINK.match(text[p.end:recipient.start])
                 and not LISTED_BEFORE.search(text, 0, p.start) and not related(p.region, recipient.region)), None)


def _joined_list(text: str, before: list[Place], start: int,
                 respectively: bool = False) -> list[tuple[Place, Place, str]]:
    """"A与万源市草坝镇寨坝村、大竹镇营盘村签订结对帮扶协议", "崆峒区、庄浪县与天津市河西区结对": each place
    of the list before 与 with each of the list after it, written order (the published pairings orient
    them); of a chain of names (万源市草坝镇寨坝村) the last. [] unless the list after 与 runs to just before
    the trigger and the list before it ends right at 与."""
    links = list(JOIN_WORD.finditer(text, before[0].end if before else start, start))
    if not links:
        return []
    link = links[-1]
    first = [p for p in before if p.end <= link.start()]
    second = [p for p in before if p.start >= link.end()]
    if not first or not second or not MUTUAL_LINK.search(text[first[-1].end:link.end()]):
        return []
    reach = LIST_TO_NAMED_RELATION if FORMS_RELATION.match(text, second[-1].end) else LIST_TO_TRIGGER
    if text[link.end():second[0].start].strip() or TOO_FAR.search(text, second[-1].end, start) \
            or start - second[-1].end > reach:
        return []
    joined = _listed_leaves(text, second)
    if not joined:
        return []
    listed = _trailing_leaves(text, first)
    if len(listed) == len(joined) >= 2 and (respectively or len(joined) >= 3):
        # "A、B、C、D与W、X、Y、Z结成对口关系": listed in the same order, paired one to one.
        return [(a, b, ONE_TO_ONE) for a, b in zip(listed, joined)]
    return [(a, b, JOINED_LIST) for a in listed for b in joined if not related(a.region, b.region)]


def _at_places(text: str, sentence: Span, before: list[Place], start: int) -> list[tuple[Place, Place]]:
    """"某集团…，在四川普格和布拖、青海曲麻莱…7县落实定点帮扶": the places after 在 up to the relation word are
    helped, by the nearest party named before 在 (not one of 按照…要求)."""
    ats = list(AT.finditer(text, sentence.start, start))
    if not ats:
        return []
    at = ats[-1]
    listed = [p for p in before if p.start >= at.end()]
    if not listed or text[at.end():listed[0].start].strip() or TOO_FAR.search(text, listed[-1].end, start) \
            or start - listed[-1].end > AT_LIST_TO_TRIGGER:
        return []
    places = [p for p in _listed_leaves(text, listed) if p.region.level is not Level.other]  # 在某部委组织的…: a host
    parties = [p for p in before if p.end <= at.start() and not AUTHORITY_BEFORE.search(text, sentence.start, p.start)]
    if not places or not parties:
        return []
    helper = parties[-1]
    return [(helper, place) for place in places if not related(helper.region, place.region)]


def _listed_leaves(text: str, places: list[Place]) -> list[Place]:
    """The last name of each chain (万源市草坝镇寨坝村) of a list joined by 、/和/及; [] if anything else stands between."""
    leaves = []
    for place, following in zip(places, places[1:] + [None]):
        if following is not None and following.start == place.end:
            continue  # 万源市 of 万源市草坝镇寨坝村
        gap = text[place.end:following.start] if following is not None else ""
        if following is not None and not (HELPER_LIST.match(gap) or UNREAD_BETWEEN.fullmatch(gap)):
            return []
        leaves.append(place)
    return leaves


def _trailing_leaves(text: str, places: list[Place]) -> list[Place]:
    """The list that ends with the last place (崆峒区、庄浪县 of "具体为崆峒区、庄浪县"), chains counted once."""
    run = [places[-1]]
    for place in reversed(places[:-1]):
        gap = text[place.end:run[0].start]
        if gap and not HELPER_LIST.match(gap):
            break
        run.insert(0, place)
    return _listed_leaves(text, run)


def _passive(text: str, sentence: Span, inside: list[Place], start: int) -> tuple[Place, Place] | None:
    """"B接受/得到A(的)帮扶": the place after the passive marker helps the place before it."""
    clause_start = max([sentence.start, *(m.end() for m in TOO_FAR.finditer(text, sentence.start, start))])
    marker = PASSIVE_MARKER.search(text, clause_start, start)
    if marker is None:
        return None
    helpers = [p for p in inside if marker.end() <= p.start and p.end <= start]
    recipients = [p for p in inside if sentence.start <= p.start and p.end <= marker.start()]
    if helpers and recipients and not related(helpers[-1].region, recipients[-1].region):
        return helpers[-1], recipients[-1]
    return None


class _Starts(frozenset):
    """Start offsets of the article's relation words, with the sorted list for range queries."""

    def range(self, lo: int, hi: int) -> list[int]:
        ordered = self.ordered
        return ordered[bisect_left(ordered, lo):bisect_left(ordered, hi)]


@lru_cache(maxsize=8)
def _relation_word_starts(text: str) -> _Starts:
    starts = _Starts(w.start for w in relation_mentions(text))
    starts.ordered = sorted(starts)
    return starts


def _list_after(text: str, inside: list[Place], pos: int) -> list[Place]:
    line_start = max(text.rfind("\n", 0, pos), text.rfind("。", 0, pos)) + 1
    end = _bracket_close(text, pos) if _open_bracket(text, line_start, pos) is not None else len(text)
    after = [p for p in inside if p.start >= pos and p.end <= end and not GIVER.search(p.region.name)]
    if not after or not LEAD_GAP.match(text[pos:after[0].start]):
        return []
    chain = [after[0]]
    word_starts = _relation_word_starts(text)
    for place in after[1:]:
        gap = text[chain[-1].end:place.start]
        if len(chain) == 1 and gap == "的" and _is_within(place.region, chain[0].region):
            chain = [place]  # 对口支援和田地区的和田市、和田县…: the places inside it are the ones named
            continue
        listed = (LIST_SEPARATOR.match(gap) or re.fullmatch(r"\s*(?:、|和|及|以及|与)\s*[\u4e00-\u9fff]{1,4}", gap)
                  or COUNTED_UNITS.fullmatch(gap))
        helps_next = place.end not in word_starts
        in_gap = bool(word_starts.range(chain[-1].end, place.start))
        if listed and COMMA.search(gap):  # "对口帮扶甲州，乙州与丙市开展协作": a clause of its own is no list
            clause_end = TOO_FAR.search(text, place.end)
            if word_starts.range(place.end, clause_end.start() if clause_end else len(text)):
                break
        if listed and not in_gap and not HELP_VERB.search(gap) and helps_next:
            chain.append(place)
        else:
            break  # "青岛市对口安顺市、烟台市对口巫山县": 烟台市 starts the next pair
    return chain


def _is_within(inner: Region, outer: Region) -> bool:
    """inner lies inside outer (和田市 in 和田地区)."""
    return related(inner, outer) and bool(inner.adcode and outer.adcode and len(inner.adcode) > len(outer.adcode))


# A relation word opening its clause (…6个定点扶贫县，对口支援西藏班戈县): the clause is the sentence subject's.
OPENS_CLAUSE = re.compile(r"[，,；;]\s*(?:并|还|同时|另外|又|也)?\s*$")
# A list closed by its count right before the relation word: 甘肃东乡县、湖南凤凰和泸溪6个定点扶贫县 (its last
# short name may be one the division table does not resolve alone).
COUNT_BEFORE = re.compile(r"^\s*(?:(?:、|和|及)[\u4e00-\u9fff]{2,3})?(?:等)?(?:\d+|[一二两三四五六七八九十]+)个$")
LEAD_CLAUSE = 12  # a short clause a sentence may open on before its subject (目前，…; 2019年，…)


def _sentence_subject(text: str, sentence: Span, before: list[Place]) -> list[Place]:
    """The places the sentence opens on, one or a list (广州市、深圳市…), at its start or after one short lead
    clause (目前，中国石化…)."""
    if not before:
        return []
    first = before[0]
    lead = text[sentence.start:first.start]
    breaks = [m.end() for m in re.finditer(r"[，,]", lead)]
    opens = (not breaks and not lead.strip()) or (
        len(breaks) == 1 and breaks[0] <= LEAD_CLAUSE and not text[sentence.start + breaks[0]:first.start].strip())
    if not opens:
        return []
    subject = [first]
    for place in before[1:]:
        if not HELPER_LIST.match(text[subject[-1].end:place.start]):
            break
        subject.append(place)
    return subject


def _subject_of_clause_opening(text: str, sentence: Span, before: list[Place], recipients: list[Place],
                               start: int) -> list[Place]:
    """The helpers of a relation word that opens its clause, after an earlier clause of the same subject: that
    subject, never a place the earlier clause lists."""
    if len(before) < 2 or not OPENS_CLAUSE.search(text, sentence.start, start):
        return []
    subject = _sentence_subject(text, sentence, before)
    if len(subject) == len(before) or any(related(h.region, r.region) for h in subject for r in recipients):
        return []
    return subject


def _counted_list_before(text: str, before: list[Place], start: int) -> list[Place]:
    """The places listed right before a count and the relation word (A县、B县和C县3个定点扶贫县): its recipients."""
    if not before:
        return []
    count = text[before[-1].end:start]
    if not COUNT_BEFORE.match(count):
        return []
    run = [before[-1]]
    for place in reversed(before[:-1]):
        gap = text[place.end:run[0].start]
        if not (HELPER_LIST.match(gap) or PROVINCE_PREFIX.fullmatch(gap)):
            break
        run.insert(0, place)
    return run if len(run) >= 2 else []


# Between two listed places: a joiner, the next one's province (、湖南凤凰), a short name passed over (和颍上、).
PROVINCE_PREFIX = re.compile(r"^\s*(?:(?:、|和|及)[\u4e00-\u9fff]{2,3})?\s*(?:、|和|及)\s*[\u4e00-\u9fff]{0,3}$")


def _helpers_before(text: str, before: list[Place], recipients: list[Place]) -> list[Place]:
    """The nearest place before the relation word, with any listed just before it (广州市、深圳市对口帮扶…)."""
    candidates = [p for p in before if not any(related(p.region, r.region) for r in recipients)]
    if candidates:
        helpers = [candidates[-1]]
        for place in reversed(candidates[:-1]):
            if not HELPER_LIST.match(text[place.end:helpers[0].start]):
                break
            helpers.insert(0, place)
        return helpers
    return []


def _under(text: str, sentence: Span, inside: list[Place], start: int, end: int) -> list:
    """"在A(的)对口援助下，B…": A helps the place that opens the next clause."""
    helpers = [p for p in inside if sentence.start <= p.start and p.end <= start and "在" in text[sentence.start:p.start]]
    comma = UNDER.match(text, end).end()
    after = [p for p in inside if p.start >= comma]
    if not helpers or not after or text[comma:after[0].start].strip():
        return []
    return [(helpers[-1], after[0], False, UNDER_HELP)] if not related(helpers[-1].region, after[0].region) else []


def _at_opening(text: str, sentence: Span, inside: list[Place], receiving: set[int], start: int,
                province: str | None) -> list:
    """The place a sentence opens on, for an aid word after it that has no recipient of its own: the helpers
    are the places written right before the aid word (湖南援建, 福建、广东接力援藏); an aid word that names a
    province (援疆) only for a place inside it."""
    if not inside or not OPENING.match(text[sentence.start:inside[0].start]) or inside[0].end > start:
        return []
    opening = inside[0]
    if province and not (opening.region.adcode or "").startswith(province):
        return []
    if opening.region.level in (Level.province, Level.other):
        return []  # a province is what the aid word already says; an organisation is not a place helped
    before = [p for p in inside[1:] if p.end <= start and id(p) not in receiving]
    helpers = [h for h in _helpers_before(text, before, [opening]) if NEAR_AID.match(text, h.end, start)]
    return [(h, opening, False, OPENING_PLACE) for h in helpers
            if h.region.level is not Level.other or GIVER.search(h.region.name)]
