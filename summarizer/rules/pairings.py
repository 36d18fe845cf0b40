"""Offline pairings: relation wording plus the regions around it, oriented helper -> recipient."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ..checks import record_key
from ..pairing_table import helper_first, published_direction
from ..regions import RegionResolver
from ..relations import (
    ARRIVE, HELP_VERB, LEAD_GAP, LIST_SEPARATOR, PASSIVE_MARKER, article_relation, programme_mentions,
    refine_relation, relation_mentions,
)
from ..schemas import Evidence, Level, Pairing, Region, Relation
from ..text import OrgName, Span, clauses, enclosing, org_names, sentences
from ..vocabulary import vocabulary

HELPER_LIST = re.compile(r"^\s*(?:、|和|及|以及)\s*$")
ENUMERATION = re.compile(r"^\s*(?:、|及|以及|,|，)\s*$")
# Two relation words joined: 对口支援和扶贫协作, 东西部协作与对口支援.
COORDINATED = re.compile(r"^(?:和|与|及|以及|、)$")
# "A与B": two places named together, a pairing only where the published pairings pair them.
NAMED_TOGETHER = re.compile(r"^(?:与|同|和)$")
MUTUAL_LINK = re.compile(r"^(?:与|同|和)$|^[^，,。；;]{0,3}(?:与|同|和)$")
# Clause punctuation: a place and a relation word on either side of it are not linked.
TOO_FAR = re.compile(r"[，,。；;：:]")
# Direction without a relation word: "A向B捐赠/投入/选派…" (data/vocabulary.toml [direction]),
# "A对B的(对口)帮扶/援建…". The marker is a trigger; the places right after it are the recipients.
TOWARDS = re.compile(r"对(?=[^，。；;！？]{1,30}?的(?:对口)?(?:援建|帮扶|支援|援助|扶贫|协作|结对))")
RESPECTIVELY = re.compile(r"分别")
ANAPHORA = re.compile(r"(?P<word>该校|该集团|该公司|该行|(?:(?<=^)|(?<=[，,。；;\n\s]))学校)", re.M)
ANAPHORA_KINDS = {"校": re.compile(r"大学|学院|[农师医科工财]大$"), "团": re.compile(r"集团$"),
                  "司": re.compile(r"公司$"), "行": re.compile(r"银行$")}
# Between a helper and the aid word that names its province: 上海市对口援藏, 福建省第十批援藏 (not a clause away).
NEAR_AID = re.compile(r"[^，。；;,：:“”\"]{0,6}$")
# Organisations that give rather than receive: never a pairing's recipient (a school or a hospital may be).
GIVER = re.compile(r"(?:公司|集团|银行|协会|商会|基金会|工商联|分会|促进会|联合会)$")
VILLAGE = re.compile(r"(?![的在和与及等全该本各每])[\u4e00-\u9fff]{1,4}?(?:村(?![民委级])|社区|嘎查)")
# A national body that is an organisation of its own, not a place's government.
NATIONAL_BODY = re.compile(
    r"^(?:国家|国务院|中央|中国|全国)[\u4e00-\u9fff]{1,10}(?<!部)$|"
    r"^(?:中共中央|中央|国家)?(?:财政|教育|商务|农业农村|农业|人力资源社会保障|人力资源和社会保障|民政|交通运输|水利|住房和城乡建设|"
    r"住房城乡建设|科技|科学技术|工业和信息化|自然资源|生态环境|文化和旅游|国防|外交|公安|司法|退役军人事务|应急管理|统战|组织|宣传)部$")
LOCAL_WORD = re.compile(r"[省市县区镇乡村]|组织部|宣传部|统战部|支部")
REFERENCE = re.compile(r"^(?:该|本|这|此|其|各|全)")
# "在山东对口援助下，喀什…": the helper inside the phrase, the recipient opening the next clause.
UNDER = re.compile(r"下\s*[，,]")
# A sentence that opens on a place ("在墨脱县，福建、广东接力援藏", "塔什库尔干县平均海拔…，深圳援疆医疗队…")
# is about that place: an aid word later in it with no recipient of its own helps there.
OPENING = re.compile(r"^\s*(?:在|于)?$")
# An eastern then a western province named together before 协作 in an east-west article: 广东、广西协作
# (not 广西与广东企业签约合作: an enterprise's deal).
PAIR_COOPERATION = re.compile(r"^\s*(?:、|和|与)\s*$")
COOPERATION_AFTER = re.compile(r"[^，。；;,企公]{0,8}?协作")


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    region: Region

    @property
    def key(self) -> str:
        return self.region.adcode or self.region.name


def places_in(places: list[Place], starts: list[int], span: Span) -> list[Place]:
    """The places (in text order, `starts` their offsets) that lie inside span."""
    lo, hi = bisect_left(starts, span.start), bisect_left(starts, span.end)
    return [p for p in places[lo:hi] if p.end <= span.end]


def places(resolver: RegionResolver) -> list[Place]:
    """Region mentions, with a parent written right before its child merged (阳曲县东黄水镇), and
    organisations: an entity keeps its own name over a place inside it (天津大学 is not 天津)."""
    merged: list[Place] = []
    for mention in resolver.mentions:
        region = resolver.resolve_mention(mention)
        if merged and merged[-1].end == mention.start and _is_parent(merged[-1].region, region):
            previous = merged.pop()
            merged.append(Place(previous.start, mention.end, region))
            continue
        merged.append(Place(mention.start, mention.end, region))
    dateline = re.compile(vocabulary().dateline.pattern, re.M)  # data/vocabulary.toml [metadata] dateline
    datelines = [(m.start(), m.end()) for m in dateline.finditer(resolver.text)]
    merged = [_with_village(resolver.text, p) for p in merged
              if not any(s <= p.start < e for s, e in datelines)]  # 新华社拉萨12月12日电: where it was filed
    organisations = [o for o in org_names(resolver.text)
                     if _is_organisation(o, merged) and not _quoted(resolver.text, o.start)]
    if not organisations:
        return merged
    covered = [(o.start, o.end) for o in organisations]
    kept = [p for p in merged if not any(s <= p.start and p.end <= e for s, e in covered)]
    named = [Place(o.start, o.end, Region(name=o.text, full_name=None, level=Level.other, adcode=None))
             for o in organisations]
    return sorted(kept + named + _references(resolver.text, named, covered), key=lambda p: p.start)


def _references(text: str, named: list[Place], covered: list[tuple[int, int]]) -> list[Place]:
    """该校/该集团/该公司/该行, and 学校 opening a clause, stand for the last organisation of that kind
    named before them (中国农大…, 学校定点扶贫镇康县: the university helps 镇康县)."""
    found: list[Place] = []
    for m in ANAPHORA.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue  # part of a name: 某某学校
        word = m.group("word")
        kind = ANAPHORA_KINDS[word[-1]]
        earlier = [p for p in named if p.end <= m.start() and kind.search(p.region.name)]
        if earlier and word == "学校" and vocabulary().local_school.search(text, earlier[-1].end, m.start()):
            continue  # 某镇中心小学…，学校…: the local school, not the university named before it
        if earlier:
            found.append(Place(m.start("word"), m.end("word"), earlier[-1].region))
    return found


def _quoted(text: str, pos: int) -> bool:
    """Inside “…” or 《…》 on the same line: a slogan or a title, not an actor."""
    line_start = text.rfind("\n", 0, pos) + 1
    before = text[line_start:pos]
    return before.count("“") > before.count("”") or before.count("《") > before.count("》")


def _with_village(text: str, place: Place) -> Place:
    """Villages are not in the gazetteer; one written right after its township or county is a place: 官元镇团兴村."""
    if place.region.level not in (Level.township, Level.county):
        return place
    m = VILLAGE.match(text, place.end)
    if not m:
        return place
    name = m.group()
    full = (place.region.full_name or place.region.name) + name
    return Place(place.start, m.end(), Region(name=name, full_name=full, level=Level.village, adcode=None))


def _is_organisation(org: OrgName, regions: list[Place]) -> bool:
    """Entities are; a government body is its place's government (南明区扶贫办 = 南明区) unless national."""
    if REFERENCE.match(org.text):
        return False  # 该集团: a reference back, not a name
    if org.entity:
        return True
    inside_region = any(org.start <= p.start and p.end <= org.end for p in regions)
    return not inside_region and bool(NATIONAL_BODY.match(org.text)) and not LOCAL_WORD.search(org.text)


def _is_parent(parent: Region, child: Region) -> bool:
    if parent.adcode and child.adcode:
        return child.adcode.startswith(parent.adcode) and child.adcode != parent.adcode
    return bool(parent.full_name and child.full_name and child.full_name.startswith(parent.full_name))


def _related(a: Region, b: Region) -> bool:
    """Same place, or one inside the other: never a pairing."""
    same = (a.adcode is not None and a.adcode == b.adcode) or a.name == b.name
    return same or _is_parent(a, b) or _is_parent(b, a)


def extract_pairings(text: str, resolver: RegionResolver, title: str | None = None) -> list[Pairing]:
    """Pairings from relation wording, help verbs and direction markers, sentence by sentence.

    Without any relation wording in the article, a help verb alone is not a pairing; only the
    explicit passive "B接受A的帮扶" or a direction marker ("A向B捐赠") is. A pair found only
    through a help verb takes the relation of the programme the headline or lead names.
    """
    default = lead_relation(text, title)
    all_words = relation_mentions(text)
    word_starts = [w.start for w in all_words]
    east_west_programme = any(r.relation is Relation.east_west for r in all_words)
    all_places = places(resolver)
    found: dict[tuple, Pairing] = {}
    # How a pair's relation was read: 2 from wording around the pair, 1 from wording in a later clause of the
    # sentence, 0 not at all (a help verb); a stronger reading replaces a weaker one.
    strength: dict[tuple, int] = {}
    from_title: set[tuple] = set()  # the body's wording is better evidence than a headline's
    title_end = len(title) if title and text.startswith(title) else 0
    topic = _topic_places(text, all_places, title_end)
    sentence_spans = sentences(text)
    clause_spans = clauses(text)
    place_starts = [p.start for p in all_places]
    for sentence in sentence_spans:
        inside = places_in(all_places, place_starts, sentence)
        if not inside:
            continue
        words = [w for w in all_words[bisect_left(word_starts, sentence.start):bisect_left(word_starts, sentence.end)]
                 if w.end <= sentence.end]
        triggers = [(r.start, r.end, r.relation, r.recipient_province, False) for r in words]
        for pattern, marker in ((HELP_VERB, False), (vocabulary().directed, True), (TOWARDS, True)):
            triggers += [(m.start() + sentence.start, m.end() + sentence.start, None, None, marker)
                         for m in pattern.finditer(sentence.text)
                         if not any(s <= m.start() + sentence.start < e for s, e, *_ in triggers)]
        triggers.sort(key=lambda t: t[0])
        # Places written right after a relation word are recipients, never helpers.
        receiving = {id(p) for _, e, *_ in triggers for p in _list_after(text, inside, e)}
        respectively = bool(RESPECTIVELY.search(sentence.text))
        for start, end, relation, province, marker in triggers:
            pairs = list(_pairs_around(text, sentence, inside, receiving, start, end, mutual_ok=relation is not None,
                                       respectively=respectively))
            if not pairs and UNDER.match(text, end):
                pairs = _under(text, sentence, inside, start, end)
            if not pairs and sentence.start >= title_end:  # a headline's terse wording is read from its body
                pairs = _at_opening(text, sentence, inside, receiving, start, province)
            from_topic = not pairs and province in topic
            if from_topic:  # 援藏 helps 西藏 from outside it
                before = [p for p in inside if p.end <= start and id(p) not in receiving]
                pairs = [(h, topic[province], False) for h in _helpers_before(text, before, [topic[province]])
                         if not (h.region.adcode or "").startswith(province) and NEAR_AID.match(text, h.end, start)]
            level = 2 if relation is not None else 0
            worded = (start, end)  # where the relation word is
            if marker and relation is None:  # the relation word after the marker: 对祁连的对口支援
                later = next((w for w in words if w.start >= end), None)
                relation = later.relation if later else None
                worded = (later.start, later.end) if later else worded
                # in another clause it may not be about this pair: 向甘肃投入…，实施扶贫协作项目
                level = 0 if later is None else 1 if TOO_FAR.search(text, end, later.start) else 2
            for helper, recipient, passive in pairs:
                # An organisation giving to a place is 社会帮扶 even where no programme is named.
                by_organisation = helper.region.level is Level.other
                if relation is None and default is None and not (passive or marker or by_organisation):
                    continue
                rel = relation or default or Relation.other
                pairing = _orient(text, helper, recipient, rel, start, end, clause_spans, east_west_programme,
                                  cite_recipient=not from_topic, named_programmes=_coordinated(text, words, *worded))
                if pairing is None:
                    continue
                key = record_key("pairings", pairing)
                in_title = sentence.end <= title_end
                better = level > strength.get(key, 0)
                if key not in found or better or (key in from_title and not in_title):
                    found[key] = pairing
                    from_title.discard(key)
                    if in_title:
                        from_title.add(key)
                strength[key] = max(level, strength.get(key, 0))
    pairings = list(found.values())
    pairings += _named_together(text, all_places, place_starts, all_words, sentence_spans, clause_spans, pairings,
                                east_west_programme)
    if east_west_programme:
        pairings += _cooperating_provinces(text, all_places, pairings, clause_spans)
    return pairings + _programme_pairings(text, resolver, pairings, sentence_spans)


def _under(text: str, sentence: Span, inside: list[Place], start: int, end: int) -> list:
    """"在A(的)对口援助下，B…": A helps the place that opens the next clause."""
    helpers = [p for p in inside if sentence.start <= p.start and p.end <= start and "在" in text[sentence.start:p.start]]
    comma = UNDER.match(text, end).end()
    after = [p for p in inside if p.start >= comma]
    if not helpers or not after or text[comma:after[0].start].strip():
        return []
    return [(helpers[-1], after[0], False)] if not _related(helpers[-1].region, after[0].region) else []


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
    return [(h, opening, False) for h in helpers if h.region.level is not Level.other or GIVER.search(h.region.name)]


def _cooperating_provinces(text: str, all_places: list[Place], found: list[Pairing], clause_spans) -> list[Pairing]:
    """"广东、广西协作从帮扶走向共创": an eastern and a western province named together, in that order, just
    before 协作, in an article about east-west cooperation, are a pair."""
    have = {record_key("pairings", p) for p in found}
    added: list[Pairing] = []
    provinces = [p for p in all_places if p.region.level is Level.province and p.region.adcode]
    for first, second in zip(provinces, provinces[1:]):
        if not PAIR_COOPERATION.match(text[first.end:second.start]) or not COOPERATION_AFTER.match(text, second.end):
            continue
        if helper_first(first.region.adcode, second.region.adcode) is not True:  # data/pairings.tsv
            continue
        end = COOPERATION_AFTER.match(text, second.end).end()
        pairing = _orient(text, first, second, Relation.east_west, first.start, end, clause_spans, True)
        if pairing is not None and record_key("pairings", pairing) not in have:
            have.add(record_key("pairings", pairing))
            added.append(pairing)
    return added


def _named_together(text: str, all_places: list[Place], place_starts: list[int], all_words, sentence_spans,
                    clause_spans, found: list[Pairing], east_west_programme: bool) -> list[Pairing]:
    """"宁夏与福建召开联席会议，商定…对口扶贫协作": two places written as "A与B" in a sentence with relation
    wording are a pairing when the published pairings (data/pairings.tsv) pair them; the table orients it."""
    known = {record_key("pairings", p) for p in found}
    linked = {(p.helper.adcode, p.recipient.adcode) for p in found}
    added: list[Pairing] = []
    for sentence in sentence_spans:
        words = [w for w in all_words if sentence.start <= w.start and w.end <= sentence.end]
        if not words:
            continue
        inside = places_in(all_places, place_starts, sentence)
        for a, b in zip(inside, inside[1:]):
            if not NAMED_TOGETHER.match(text[a.end:b.start]) or published_direction(a.region.adcode, b.region.adcode) is None:
                continue
            if (a.region.adcode, b.region.adcode) in linked or (b.region.adcode, a.region.adcode) in linked:
                continue
            word = next((w for w in words if w.start >= b.end), words[-1])
            pairing = _orient(text, a, b, word.relation, word.start, word.end, clause_spans, east_west_programme)
            if pairing is not None and record_key("pairings", pairing) not in known:
                known.add(record_key("pairings", pairing))
                linked.add((pairing.helper.adcode, pairing.recipient.adcode))
                added.append(pairing)
    return added


def _coordinated(text: str, words, start: int, end: int) -> frozenset[Relation]:
    """The relations of the word at start:end and of the words joined to it: 对口支援和扶贫协作 names two."""
    joined = [w.relation for w in words if (w.start, w.end) == (start, end)
              or COORDINATED.match(text[end:w.start]) or COORDINATED.match(text[w.end:start])]
    return frozenset(joined)


def lead_relation(text: str, title: str | None) -> Relation | None:
    """The programme an article is about: named in its headline, else its lead paragraph, else most often."""
    title_end = len(title) if title and text.startswith(title) else 0
    lead_end = text.find("\n", title_end + 1)
    for part in (text[:title_end], text[title_end:lead_end if lead_end > 0 else len(text)]):
        named = [r.relation for r in relation_mentions(part) if r.relation is not Relation.other]
        if named:
            return named[0]
    return article_relation(text)


def _topic_places(text: str, all_places: list[Place], title_end: int) -> dict[str, Place]:
    """Per province code, the place an article is about there: the first one its headline or lead names.

    "上海市对口援藏项目1582个" names no recipient; 援藏 says it is in 西藏, and the article's
    headline says which place in 西藏 it is about (日喀则). Without one, the province itself.
    """
    first_sentence = re.compile(r"[。！？!?\n]").search(text, title_end + 1)
    lead_end = first_sentence.end() if first_sentence else len(text)
    topic: dict[str, Place] = {}
    for place in all_places:
        code = place.region.adcode
        if place.start >= lead_end or not code:
            continue
        province = code[:2]
        if province not in topic or len(code) > len(topic[province].region.adcode or ""):
            if province not in topic or topic[province].region.level is Level.province:
                topic[province] = place
    for place in all_places:  # provinces named only further down
        code = place.region.adcode
        if code and len(code) == 2 and code not in topic:
            topic[code] = place
    return topic


def _programme_pairings(text: str, resolver: RegionResolver, found: list[Pairing], sentence_spans) -> list[Pairing]:
    """闽宁协作 names 福建 -> 宁夏; say so when no pairing found links places of the two provinces."""
    linked = {(_province(p.helper), _province(p.recipient)) for p in found}
    added: list[Pairing] = []
    for (east, west), at in programme_mentions(text).items():
        if (east, west) in linked:
            continue
        helper, recipient = _province_region(resolver, east), _province_region(resolver, west)
        sentence = enclosing(sentence_spans, at)
        if helper is None or recipient is None or sentence is None:
            continue
        added.append(Pairing(helper=helper, recipient=recipient, relation=Relation.east_west,
                             evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end)))
    return added


def _province_region(resolver: RegionResolver, code: str) -> Region | None:
    unit = resolver.gaz.units.get(code)
    return resolver.resolve(unit.name) if unit else None


def _pairs_around(text: str, sentence: Span, inside: list[Place], receiving: set[int], start: int, end: int,
                  mutual_ok: bool, respectively: bool = False):
    passive = _passive(text, sentence, inside, start)
    if passive is not None:
        yield *passive, True
        return
    recipients = _list_after(text, inside, end)
    before = [p for p in inside if p.end <= start and id(p) not in receiving]
    if recipients:
        helpers = _helpers_before(text, before, recipients)
        if len(helpers) == len(recipients) >= 2 and (respectively or len(helpers) >= 3):
            # "A、B、C分别帮扶X、Y、Z": listed in the same order, paired one to one.
            yield from ((h, r, False) for h, r in zip(helpers, recipients))
            return
        for helper in helpers:
            for recipient in recipients:
                yield helper, recipient, False
        return
    if len(before) >= 2:
        # "A与B结对", "A…来到B，开展帮扶活动": helper first, the place joined or arrived at last.
        recipient = before[-1]
        helpers = [p for p in before[:-1] if not _related(p.region, recipient.region)]
        if not helpers:
            return
        gap = text[recipient.end:start]
        between = text[helpers[-1].end:recipient.start]
        if ENUMERATION.match(between):
            return  # "黔西县、织金县": two places listed together, neither helps the other
        # With a bare help verb, only an organisation's visit counts (workers going to the helper's city do not).
        arrive_ok = mutual_ok or helpers[0].region.level is Level.other
        if arrive_ok and ARRIVE.search(between) and not re.search(r"[。；;]", gap) and len(TOO_FAR.findall(gap)) <= 1:
            yield helpers[0], recipient, False
        elif mutual_ok and not TOO_FAR.search(gap) and MUTUAL_LINK.search(between):
            yield helpers[0], recipient, False


def _passive(text: str, sentence: Span, inside: list[Place], start: int) -> tuple[Place, Place] | None:
    """"B接受/得到A(的)帮扶": the place after the passive marker helps the place before it."""
    clause_start = max([sentence.start, *(m.end() for m in TOO_FAR.finditer(text, sentence.start, start))])
    marker = PASSIVE_MARKER.search(text, clause_start, start)
    if marker is None:
        return None
    helpers = [p for p in inside if marker.end() <= p.start and p.end <= start]
    recipients = [p for p in inside if sentence.start <= p.start and p.end <= marker.start()]
    if helpers and recipients and not _related(helpers[-1].region, recipients[-1].region):
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
    after = [p for p in inside if p.start >= pos and not GIVER.search(p.region.name)]
    if not after or not LEAD_GAP.match(text[pos:after[0].start]):
        return []
    chain = [after[0]]
    word_starts = _relation_word_starts(text)
    for place in after[1:]:
        gap = text[chain[-1].end:place.start]
        listed = LIST_SEPARATOR.match(gap) or re.fullmatch(r"\s*(?:、|和|及|以及|与)\s*[\u4e00-\u9fff]{1,4}", gap)
        helps_next = place.end not in word_starts
        in_gap = bool(word_starts.range(chain[-1].end, place.start))
        if listed and not in_gap and not HELP_VERB.search(gap) and helps_next:
            chain.append(place)
        else:
            break  # "青岛市对口安顺市、烟台市对口巫山县": 烟台市 starts the next pair
    return chain


def _helpers_before(text: str, before: list[Place], recipients: list[Place]) -> list[Place]:
    """The nearest place before the relation word, with any listed just before it (广州市、深圳市对口帮扶…)."""
    candidates = [p for p in before if not any(_related(p.region, r.region) for r in recipients)]
    if candidates:
        helpers = [candidates[-1]]
        for place in reversed(candidates[:-1]):
            if not HELPER_LIST.match(text[place.end:helpers[0].start]):
                break
            helpers.insert(0, place)
        return helpers
    return []


def _orient(text: str, helper: Place, recipient: Place, relation: Relation, start: int, end: int,
            clause_spans: list[Span], east_west_programme: bool = False, cite_recipient: bool = True,
            named_programmes: frozenset[Relation] = frozenset()) -> Pairing | None:
    """Helper -> recipient by the east-west rule where it applies; evidence from the clauses that name them.

    A recipient taken from the headline (援藏 with no place named) is not quoted: the evidence is
    the helper's own clause.
    """
    if _related(helper.region, recipient.region):
        return None
    if helper_first(helper.region.adcode, recipient.region.adcode) is False:  # data/pairings.tsv
        helper, recipient = recipient, helper
    relation = refine_relation(relation, helper.region.adcode, recipient.region.adcode, east_west_programme,
                               named_programmes)
    cited = (helper, recipient) if cite_recipient else (helper,)
    lo = min([p.start for p in cited] + [start])
    hi = max([p.end for p in cited] + [end])
    first = enclosing(clause_spans, lo) or Span(lo, lo, "")
    last = enclosing(clause_spans, hi - 1) or Span(hi, hi, "")
    s, e = min(first.start, lo), max(last.end, hi)
    return Pairing(
        helper=helper.region,
        recipient=recipient.region,
        relation=relation,
        evidence=Evidence(text=text[s:e], start=s, end=e),
    )


def _province(region: Region) -> str | None:
    return region.adcode[:2] if region.adcode else None
