"""Pairing stage 1, the actors: region mentions and organisations in the text, as Places."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..regions import RegionResolver
from ..schemas import Level, Region
from ..text import OrgName, Span, boundary_before, org_names
from ..vocabulary import vocabulary

ANAPHORA = re.compile(r"(?P<word>该校|该集团|该公司|该行|(?:(?<=^)|(?<=[，,。；;\n\s]))学校)", re.M)
ANAPHORA_KINDS = {"校": re.compile(r"大学|学院|[农师医科工财]大$"), "团": re.compile(r"集团$"),
                  "司": re.compile(r"公司$"), "行": re.compile(r"银行$")}
# A village named right after its township: 官元镇团兴村 (not 原州区乡村振兴, 某县新农村建设: NOT_A_VILLAGE).
# A kind of village or a count of villages (某县重点村, 某县五个贫困村), not a name: data/vocabulary.toml [wording].
NOT_A_VILLAGE = re.compile(vocabulary().raw["wording"]["not_a_village"])
VILLAGE = re.compile(r"(?![的在和与及等全该本各每])[\u4e00-\u9fff]{1,4}?(?:村(?!民|级|委(?!会))|社区|嘎查)")
# A national body that is an organisation of its own, not a place's government.
NATIONAL_BODY = re.compile(
    r"^(?:国家|国务院|中央|中国|全国)[\u4e00-\u9fff]{1,10}(?<!部)$|"
    r"^(?:中共中央|中央|国家)?(?:财政|教育|商务|农业农村|农业|人力资源社会保障|人力资源和社会保障|民政|交通运输|水利|住房和城乡建设|"
    r"住房城乡建设|科技|科学技术|工业和信息化|自然资源|生态环境|文化和旅游|国防|外交|公安|司法|退役军人事务|应急管理|统战|组织|宣传)部$")
LOCAL_WORD = re.compile(r"[省市县区镇乡村]|组织部|宣传部|统战部|支部")
REFERENCE = re.compile(r"^(?:该|本|这|此|其|各|全)")
# 我省/我市 in a paper's own words: the province or city the outlet is named after (辽宁日报: 我省 is 辽宁).
SELF_REFERENCE = re.compile(r"我(?P<level>省|市|州)(?![长委])")
# A department of a place's government (民政局, 发改委, 妇联, 总工会), not the government itself nor the office that runs
# its pairing programmes (扶贫办, 协作办, 合作交流办, 对口支援办, 指挥部), which act for the place.
DEPARTMENT = re.compile(vocabulary().raw["rule_words"]["department"])
PLACE_ITSELF = re.compile(vocabulary().raw["rule_words"]["place_itself"])
# What follows a company's short name when it acts (恒大将…, 恒大已累计…, 恒大帮扶…), not the rest of a longer name.
ACTOR_NEXT = re.compile(vocabulary().raw["rule_words"]["actor_next"])
# The end a company's name loses when the press shortens it (恒大集团 -> 恒大).
COMPANY_ENDING = re.compile(vocabulary().raw["rule_words"]["company_ending"])


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


def outlet_home(outlet: str | None, resolver: RegionResolver) -> dict[str, Region]:
    """What 我省 and 我市/我州 stand for in an outlet's own words: the province its name holds (辽宁日报,
    中国甘肃网) and a city of the article its name holds (佛山日报 in an article naming 佛山市), whose province is
    then 我省."""
    if not outlet:
        return {}
    home: dict[str, Region] = {}
    for mention in resolver.gaz.find_mentions(outlet):
        region = resolver.resolve_mention(mention)
        if region.level is Level.province:
            home.setdefault("省", region)
    for mention in resolver.mentions:
        region = resolver.resolve_mention(mention)
        if region.level is Level.city and len(mention.text) >= 2 and mention.text.rstrip("市州") in outlet:
            home.setdefault("市", region)
            home.setdefault("州", region)
    city = home.get("市")
    if "省" not in home and city is not None and city.adcode:
        province = resolver.gaz.units.get(city.adcode[:2])  # 天水日报 says 我省 of 甘肃
        if province is not None:
            home["省"] = resolver.resolve(province.name)
    return home


def places(resolver: RegionResolver, home: dict[str, Region] | None = None) -> list[Place]:
    """Region mentions, with a parent written right before its child merged (阳曲县东黄水镇), and
    organisations: an entity keeps its own name over a place inside it (天津大学 is not 天津); 我省/我市 as the
    outlet's own province or city (`home`)."""
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
    merged = _no_overlaps([_with_village(resolver.text, p) for p in merged
                           if not any(s <= p.start < e for s, e in datelines)])  # 新华社拉萨12月12日电: where it was filed
    merged = _villages_named_again(resolver.text, merged)
    if home:
        merged = sorted(merged + [Place(m.start(), m.end(), home[m.group("level")].model_copy(update={"name": m.group(0)}))
                                  for m in SELF_REFERENCE.finditer(resolver.text) if m.group("level") in home],
                        key=lambda p: p.start)
    found = org_names(resolver.text)
    organisations = [o for o in found if (_is_organisation(o, merged) or _local_department(o, merged, found))
                     and not _quoted(resolver.text, o.start)]
    if not organisations:
        return merged
    covered = [(o.start, o.end) for o in organisations]
    kept = [p for p in merged if not any(s <= p.start and p.end <= e for s, e in covered)]
    named = [Place(o.start, o.end, Region(name=o.text, full_name=None, level=Level.other, adcode=None))
             for o in organisations]
    taken = [(o.start, o.end) for o in found] + [(p.start, p.end) for p in kept]
    return sorted(kept + named + _references(resolver.text, named, covered) + _short_names(resolver.text, named, taken),
                  key=lambda p: p.start)


def _no_overlaps(found: list[Place]) -> list[Place]:
    """A name found inside one already read is not a place of its own: 湖村乡 in 扁担沟镇渔光湖村乡村振兴."""
    kept: list[Place] = []
    for place in found:
        if kept and place.start < kept[-1].end:
            continue
        kept.append(place)
    return kept


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


def _short_names(text: str, named: list[Place], taken: list[tuple[int, int]]) -> list[Place]:
    """A company named in full (恒大集团) stands for itself by its name without 集团/公司 (恒大将帮扶范围扩大…) where
    that name stands alone, after a boundary, and is no place's."""
    found: list[Place] = []
    seen: set[str] = set()
    for place in named:
        ending = COMPANY_ENDING.search(place.region.name)
        short = place.region.name[:ending.start()] if ending else ""
        if not 2 <= len(short) <= 6 or short in seen:
            continue
        seen.add(short)
        for m in re.finditer(re.escape(short), text):
            alone = ((m.start() == 0 or boundary_before(text, m.start()))
                     and ACTOR_NEXT.match(text, m.end()) is not None)  # not 华润万家, 中建三局
            if alone and not any(s < m.end() and m.start() < e for s, e in taken):
                found.append(Place(m.start(), m.end(), place.region))
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
    if NOT_A_VILLAGE.search(name):
        return place  # 原州区乡村振兴, 某县新农村建设, 某县五个贫困村: words, not names
    full = (place.region.full_name or place.region.name) + name
    return Place(place.start, m.end(), Region(name=name, full_name=full, level=Level.village, adcode=None))


def _villages_named_again(text: str, found: list[Place]) -> list[Place]:
    """A village once written after its township (甲子镇琼星村) is that village wherever its name stands alone."""
    villages = {p.region.name: p.region for p in found if p.region.level is Level.village and len(p.region.name) >= 3}
    if not villages:
        return found
    taken = [(p.start, p.end) for p in found]
    again = [Place(m.start(), m.end(), villages[m.group(0)])
             for m in re.finditer("|".join(map(re.escape, sorted(villages, key=len, reverse=True))), text)
             if not any(s < m.end() and m.start() < e for s, e in taken)]
    return sorted(found + again, key=lambda p: p.start) if again else found


def _is_organisation(org: OrgName, regions: list[Place]) -> bool:
    """Entities are; a government body is its place's government (南明区扶贫办 = 南明区) unless national."""
    if REFERENCE.match(org.text):
        return False  # 该集团: a reference back, not a name
    if org.entity:
        return True
    inside_region = any(org.start <= p.start and p.end <= org.end for p in regions)
    return not inside_region and bool(NATIONAL_BODY.match(org.text)) and not LOCAL_WORD.search(org.text)


def is_department(name: str) -> bool:
    """A department of a place's government (民政局, 省妇联), not one that acts for the place itself (政府, 扶贫办,
    财政局)."""
    return DEPARTMENT.search(name) is not None and PLACE_ITSELF.search(name) is None


def _local_department(org: OrgName, regions: list[Place], orgs: list[OrgName]) -> bool:
    """A department of a place (张家口市民政局, 省妇联), not the place's government or its aid office, in an article
    whose every place is that place, above it, or inside it with one inside it named: it helps places of its own
    region (单位帮扶), so it is an organisation, not the place (which could help no place inside itself)."""
    if org.entity or not is_department(org.text):
        return False
    own = [p for p in regions if org.start <= p.start and p.end <= org.end]
    outside = [p for p in regions if not any(o.start <= p.start and p.end <= o.end for o in orgs)]
    if len(own) != 1 or not outside:
        return False
    home = own[0].region
    if home.level not in (Level.province, Level.city, Level.county):
        return False  # 化屋村委: a village's committee is the village
    return (any(_is_parent(home, p.region) for p in outside)
            and all(related(home, p.region) for p in outside))


def _is_parent(parent: Region, child: Region) -> bool:
    if parent.adcode and child.adcode:
        return child.adcode.startswith(parent.adcode) and child.adcode != parent.adcode
    return bool(parent.full_name and child.full_name and child.full_name.startswith(parent.full_name))


def related(a: Region, b: Region) -> bool:
    """Same place, or one inside the other: never a pairing."""
    same = (a.adcode is not None and a.adcode == b.adcode) or a.name == b.name
    return same or _is_parent(a, b) or _is_parent(b, a)
