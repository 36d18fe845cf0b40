"""Offline pairings, in typed stages: places (pairing_places) → relation triggers (pairing_triggers) →
candidate pairs, each with how it was read (pairing_candidates) → the strongest reading of each pair,
oriented and typed by the published pairings (data/pairings.tsv) → Pairing records.

Every decision, made or not, can be kept with its reasons (`explain_pairings`, `summarize --explain`).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ..checks import record_key
from ..pairing_table import (assigned_relation, explain_direction, helper_first, published_direction,
                              published_relation)
from ..regions import RegionResolver, unit_code
from ..relations import article_relation, programme_mentions, refine_relation, relation_mentions
from ..schemas import Evidence, Level, Pairing, Region, Relation
from ..text import Span, clauses, enclosing, sentences
from ..vocabulary import vocabulary
from .pairing_candidates import (
    COOPERATING, NAMED_TOGETHER, PROGRAMME, PUBLISHED_PAIR, TOPIC, Candidate, candidates_for, receiving_places,
)
from .pairing_places import Place, is_department, places, places_in, related
from .pairing_triggers import Reading, Trigger, TriggerKind, triggers_in

__all__ = ["Place", "PairingDecision", "explain_pairings", "extract_pairings", "lead_relation", "places", "places_in"]

# Programmes between governments of regions: a village or a township is never their helper.
PROGRAMME_RELATIONS = (Relation.east_west, Relation.counterpart_support, Relation.counterpart_assistance)
# Two relation words joined: 对口支援和扶贫协作, 东西部协作与对口支援.
COORDINATED = re.compile(r"^(?:和|与|及|以及|、)$")
# "A与B": two places named together, a pairing only where the published pairings pair them.
TOGETHER = re.compile(r"^(?:与|同|和)$")
# A helping then a helped province named together before 协作 in an east-west article: 广东、广西协作
# (not 广西与广东企业签约合作: an enterprise's deal).
PAIR_COOPERATION = re.compile(r"^\s*(?:、|和|与)\s*$")
COOPERATION_AFTER = re.compile(r"[^，。；;,企公]{0,8}?协作")


@dataclass(frozen=True)
class PairingDecision:
    """Why a pair was or was not made: the trigger, how the pair was read, orientation and typing."""
    helper: str
    recipient: str
    relation: str | None
    made: bool
    reasons: tuple[str, ...]
    at: int  # where the trigger is in the text


def explain_pairings(text: str, title: str | None = None) -> list[PairingDecision]:
    """Every pairing decision of the offline rules on a (cleaned) text, in text order."""
    trace: list[PairingDecision] = []
    extract_pairings(text, RegionResolver.for_text(text), title, trace)
    return sorted(trace, key=lambda d: d.at)


def extract_pairings(text: str, resolver: RegionResolver, title: str | None = None,
                     trace: list[PairingDecision] | None = None, home: dict | None = None) -> list[Pairing]:
    """Pairings from relation wording, help verbs and direction markers, sentence by sentence.

    Without any relation wording in the article, a help verb alone is not a pairing; only the
    explicit passive "B接受A的帮扶" or a direction marker ("A向B捐赠") is. A pair found only
    through a help verb takes the relation of the programme the headline or lead names.
    """
    run = _Run(text, resolver, title, trace, home)
    for sentence in run.sentence_spans:
        run.read_sentence(sentence)
    pairings = list(run.found.values())
    pairings += _named_together(run, pairings)
    if run.east_west_programme:
        pairings += _cooperating_provinces(run, pairings)
    pairings += _programme_pairings(run, pairings)
    pairings += _group_helpers(run)
    return _as_designated_units(run, _local_units(_one_per_organisation(pairings))) or _published_pair_named(run)


DESIGNATED_UNIT = re.compile(vocabulary().raw["wording"]["designated_unit"])
VILLAGE_LEVELS = (Level.village, Level.township)


def _as_designated_units(run: _Run, pairings: list[Pairing]) -> list[Pairing]:
    """An organisation paired with a village or township (结对, or no programme word) is the village's designated
    unit where a sentence naming either of them names designated help or calls it the 帮扶单位."""
    said = [s.text for s in run.sentence_spans if DESIGNATED_UNIT.search(s.text)]
    if not said:
        return pairings
    return [p.model_copy(update={"relation": Relation.designated})
            if p.helper.level is Level.other and p.recipient.level in VILLAGE_LEVELS
            and p.relation in (Relation.twinning, Relation.other)
            and any(p.helper.name in s or p.recipient.name in s for s in said) else p
            for p in pairings]


def _local_units(pairings: list[Pairing]) -> list[Pairing]:
    """A department helping a place inside its own region (湖南省人民政府办公厅 -> a township of 湖南) is that place's
    designated unit (单位定点帮扶), unless wording named another relation."""
    def inside_home(p: Pairing) -> bool:
        home = _home_code(p.helper)
        return bool(home and p.recipient.adcode and p.recipient.adcode.startswith(unit_code(home))
                    and p.recipient.adcode != home)
    return [p.model_copy(update={"relation": Relation.designated})
            if p.helper.level is Level.other and is_department(p.helper.name)
            and p.relation in (Relation.twinning, Relation.other) and inside_home(p) else p
            for p in pairings]


def _one_per_organisation(pairings: list[Pairing]) -> list[Pairing]:
    """浙江省舟山市工商联 and 舟山市工商联 helping 万源市 are one pairing: an organisation named with and without
    its region, the same recipient; the first reading is kept."""
    kept: list[Pairing] = []
    for pairing in pairings:
        if not any(_same_organisation(pairing.helper, k.helper) and _same_place(pairing.recipient, k.recipient)
                   for k in kept):
            kept.append(pairing)
    return kept


def _same_organisation(a: Region, b: Region) -> bool:
    return (a.level is Level.other and b.level is Level.other and a.name != b.name
            and (a.name.endswith(b.name) or b.name.endswith(a.name)))


def _same_place(a: Region, b: Region) -> bool:
    return (a.adcode is not None and a.adcode == b.adcode) or a.name == b.name


# A gift of money said between the helper and the help verb (…又一次捐赠183.22万元，帮助…).
# The helper itself, its party committee and government (深圳市委、市政府), gives: no one else's gift (成都市一位退休教师捐赠…,
# 在成都市务工的老乡捐款…) between them.
GAVE_MONEY = re.compile(vocabulary().raw["rule_words"]["gave_money"])
# Verbs of aid strong enough, between a published pair, to stand for the pairing (not 支持/帮助/助力).
STRONG_HELP = re.compile(r"援建|帮扶|支援|援助")

class _Run:
    """One article's pairing extraction: its places, relation words and the best reading of each pair."""

    def __init__(self, text: str, resolver: RegionResolver, title: str | None, trace: list[PairingDecision] | None,
                 home: dict | None = None):
        self.text, self.resolver, self.trace = text, resolver, trace
        self.default = lead_relation(text, title)
        self.all_words = relation_mentions(text)
        self.word_starts = [w.start for w in self.all_words]
        self.east_west_programme = any(r.relation is Relation.east_west for r in self.all_words)
        self.all_places = places(resolver, home)
        self.place_starts = [p.start for p in self.all_places]
        self.title_end = len(title) if title and text.startswith(title) else 0
        self.topic = _topic_places(text, self.all_places, self.title_end)
        self.sentence_spans = sentences(text)
        self.clause_spans = clauses(text)
        self.found: dict[tuple, Pairing] = {}
        self.reading: dict[tuple, Reading] = {}  # the strongest reading of each pair so far
        self.from_title: set[tuple] = set()  # the body's wording is better evidence than a headline's

    def words_in(self, sentence: Span):
        lo, hi = bisect_left(self.word_starts, sentence.start), bisect_left(self.word_starts, sentence.end)
        return [w for w in self.all_words[lo:hi] if w.end <= sentence.end]

    def note(self, helper: str, recipient: str, relation: Relation | None, made: bool, at: int, *reasons: str) -> None:
        if self.trace is not None:
            self.trace.append(PairingDecision(helper, recipient, relation.value if relation else None, made,
                                              tuple(r for r in reasons if r), at))

    def read_sentence(self, sentence: Span) -> None:
        inside = places_in(self.all_places, self.place_starts, sentence)
        if not inside:
            return
        words = self.words_in(sentence)
        triggers = triggers_in(self.text, sentence, words)
        receiving = receiving_places(self.text, inside, triggers)
        for trigger in triggers:
            for candidate in candidates_for(self.text, sentence, inside, receiving, trigger, self.topic, self.title_end):
                self.score(candidate, sentence, words)

    def _acts(self, helper: Place, trigger: Trigger) -> bool:
        """The place itself gives aid with a verb of aid (杭州市援建…), not its people or firms (杭州市的企业家们帮助…,
        来自杭州市的游客支持…)."""
        return (STRONG_HELP.fullmatch(self.text[trigger.start:trigger.end]) is not None
                and not self.text.startswith("的", helper.end) and not self.text.endswith("来自", 0, helper.start))

    def score(self, candidate: Candidate, sentence: Span, words) -> None:
        """Keep a candidate's pairing when its reading is the strongest of the pair (or the first from the body)."""
        trigger, helper, recipient = candidate.trigger, candidate.helper, candidate.recipient
        said = (trigger.describe(self.text), candidate.how)
        # An organisation giving to a place is 社会帮扶 even where no programme is named.
        by_organisation = helper.region.level is Level.other
        # A help verb between two places the published pairings pair (杭州市援建巴东县…: 杭州 → 恩施州) is that pairing.
        help_verb_only = trigger.relation is None and self.default is None
        published = (assigned_relation(helper.region.adcode, recipient.region.adcode)
                     if help_verb_only and self._acts(helper, trigger) else None)
        # 深圳市委、市政府捐赠183.22万元，帮助我省…: the helper's own gift of money, right before the help verb
        if help_verb_only and published is None and not (candidate.passive or trigger.marker or by_organisation
                                                         or GAVE_MONEY.fullmatch(self.text, helper.end, trigger.start)):
            self.note(helper.region.name, recipient.region.name, None, False, trigger.start, *said,
                      "dropped: only a help verb, and the article names no programme")
            return
        relation = trigger.relation or self.default or published or Relation.other
        typed = ("relation from the trigger" if trigger.relation else
                 f"relation {relation.value}: the programme of the headline or lead" if self.default else
                 f"relation {relation.value}: a help verb between a published pair" if published else "relation other")
        pairing = _orient(self.text, helper, recipient, relation, trigger.start, trigger.end, self.clause_spans,
                          self.east_west_programme, cite_recipient=candidate.how != TOPIC,
                          named_programmes=_coordinated(self.text, words, *trigger.worded))
        if pairing is None:
            self.note(helper.region.name, recipient.region.name, relation, False, trigger.start, *said,
                      "dropped: the same place, or one inside the other")
            return
        key = record_key("pairings", pairing)
        in_title = sentence.end <= self.title_end
        better = trigger.reading > self.reading.get(key, Reading.help_verb_only)
        kept = key not in self.found or better or (key in self.from_title and not in_title)
        reasons = (*said, trigger.reading.describe(), typed, *_typing(relation, pairing),
                   *_orientation(helper, recipient, pairing))
        self.note(pairing.helper.name, pairing.recipient.name, pairing.relation, kept, trigger.start, *reasons,
                  "" if kept else "not kept: the pair was already read as firmly elsewhere")
        if kept:
            self.found[key] = pairing
            self.from_title.discard(key)
            if in_title:
                self.from_title.add(key)
        self.reading[key] = max(trigger.reading, self.reading.get(key, Reading.help_verb_only))


def _typing(worded: Relation, pairing: Pairing) -> tuple[str, ...]:
    if pairing.relation is worded:
        return ()
    return (f"typed {pairing.relation.value} (worded {worded.value}) by the published pairings and the programme",)


def _orientation(helper: Place, recipient: Place, pairing: Pairing) -> tuple[str, ...]:
    turned = pairing.helper.name != helper.region.name or pairing.recipient.name != recipient.region.name
    why = explain_direction(pairing.helper.adcode, pairing.recipient.adcode)
    if turned:
        return (f"turned round: {why}",)
    return (f"orientation as written; {why}",) if why else ("orientation as written",)


def _cooperating_provinces(run: _Run, found: list[Pairing]) -> list[Pairing]:
    """"广东、广西协作从帮扶走向共创": an eastern and a western province named together, in that order, just
    before 协作, in an article about east-west cooperation, are a pair."""
    text = run.text
    have = {record_key("pairings", p) for p in found}
    added: list[Pairing] = []
    provinces = [p for p in run.all_places if p.region.level is Level.province and p.region.adcode]
    for first, second in zip(provinces, provinces[1:]):
        if not PAIR_COOPERATION.match(text[first.end:second.start]) or not COOPERATION_AFTER.match(text, second.end):
            continue
        if helper_first(first.region.adcode, second.region.adcode) is not True:  # data/pairings.tsv
            continue
        end = COOPERATION_AFTER.match(text, second.end).end()
        pairing = _orient(text, first, second, Relation.east_west, first.start, end, run.clause_spans, True)
        if pairing is not None and record_key("pairings", pairing) not in have:
            have.add(record_key("pairings", pairing))
            added.append(pairing)
            run.note(pairing.helper.name, pairing.recipient.name, pairing.relation, True, first.start, COOPERATING,
                     *_orientation(first, second, pairing))
    return added


def _named_together(run: _Run, found: list[Pairing]) -> list[Pairing]:
    """"宁夏与福建召开联席会议，商定…对口扶贫协作": two places written as "A与B" in a sentence with relation
    wording are a pairing when the published pairings (data/pairings.tsv) pair them; the table orients it."""
    text = run.text
    known = {record_key("pairings", p) for p in found}
    linked = {(p.helper.adcode, p.recipient.adcode) for p in found}
    added: list[Pairing] = []
    for sentence in run.sentence_spans:
        words = run.words_in(sentence)
        if not words:
            continue
        inside = places_in(run.all_places, run.place_starts, sentence)
        paired = {code for p in found if p.evidence.start >= sentence.start and p.evidence.end <= sentence.end
                  for code in (p.helper.adcode, p.recipient.adcode) if code}
        for a, b in zip(inside, inside[1:]):
            if not TOGETHER.match(text[a.end:b.start]) or published_direction(a.region.adcode, b.region.adcode) is None:
                continue
            if (a.region.adcode, b.region.adcode) in linked or (b.region.adcode, a.region.adcode) in linked:
                continue
            if {a.region.adcode, b.region.adcode} & paired:
                continue  # 余姚市与黔西南州兴义市、… listed pairs are read already: the next list item is not its partner
            word = next((w for w in words if w.start >= b.end), words[-1])
            pairing = _orient(text, a, b, word.relation, word.start, word.end, run.clause_spans, run.east_west_programme)
            if pairing is not None and record_key("pairings", pairing) not in known:
                known.add(record_key("pairings", pairing))
                linked.add((pairing.helper.adcode, pairing.recipient.adcode))
                added.append(pairing)
                run.note(pairing.helper.name, pairing.recipient.name, pairing.relation, True, a.start,
                         f"relation word “{text[word.start:word.end]}” in the sentence", NAMED_TOGETHER,
                         *_orientation(a, b, pairing))
    return added


def _published_pair_named(run: _Run) -> list[Pairing]:
    """"浙江省下达援疆项目计划，阿克苏地区实施援疆项目370个": in an article where nothing else links two
    places, a sentence with relation wording that names both sides of a published pair, of that pair's
    relation, states it; the table orients it."""
    text = run.text
    added: dict[tuple, Pairing] = {}
    for sentence in run.sentence_spans:
        words = run.words_in(sentence)
        if not words:
            continue
        inside = places_in(run.all_places, run.place_starts, sentence)
        for i, a in enumerate(inside):
            for b in inside[i + 1:]:
                direction = published_direction(a.region.adcode, b.region.adcode)
                if direction is None:
                    continue
                helper, recipient = (a, b) if direction else (b, a)
                relation = published_relation(helper.region.adcode, recipient.region.adcode)
                word = next((w for w in words if w.relation is relation), None)
                if word is None:
                    continue
                pairing = _orient(text, helper, recipient, relation, word.start, word.end, run.clause_spans,
                                  run.east_west_programme)
                if pairing is not None and record_key("pairings", pairing) not in added:
                    added[record_key("pairings", pairing)] = pairing
                    run.note(pairing.helper.name, pairing.recipient.name, pairing.relation, True, a.start,
                             PUBLISHED_PAIR, f"relation word “{text[word.start:word.end]}” in the sentence")
    return list(added.values())


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


def _programme_pairings(run: _Run, found: list[Pairing]) -> list[Pairing]:
    """闽宁协作 names 福建 -> 宁夏; say so when no pairing found links places of the two provinces."""
    linked = {(_province(p.helper), _province(p.recipient)) for p in found}
    added: list[Pairing] = []
    for (east, west), at in programme_mentions(run.text).items():
        if (east, west) in linked:
            continue
        helper, recipient = _province_region(run.resolver, east), _province_region(run.resolver, west)
        sentence = enclosing(run.sentence_spans, at)
        if helper is None or recipient is None or sentence is None:
            continue
        added.append(Pairing(helper=helper, recipient=recipient, relation=Relation.east_west,
                             evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end)))
        run.note(helper.name, recipient.name, Relation.east_west, True, at, PROGRAMME,
                 "no other pairing links places of the two provinces")
    return added


GROUP_HELPER = re.compile(vocabulary().raw["pairing_group"]["helper"])
GIVEN_TO = re.compile(r"向|对|支援|援助")
GROUP = "helpers named as a group (19个援疆省市) acting, for the province their aid word names or they give to"


def _group_helpers(run: _Run) -> list[Pairing]:
    """19个援疆省市累计…拨付援助资金, 对口支援省市和单位累计向西藏无偿援助: a group of helpers named as a group helps
    the province its own aid word names (援疆: 新疆), else the one the rest of its sentence names (援疆项目, 向西藏),
    as the article writes that province somewhere; once per article and province."""
    added: dict[str, Pairing] = {}
    for m in GROUP_HELPER.finditer(run.text):
        sentence = enclosing(run.sentence_spans, m.start())
        if sentence is None:
            continue
        province = _named_province(run, m.group(0), sentence, m.end())
        if province is None or province in added:
            continue
        # the province as the article writes it somewhere (援疆 alone names no place a reader can find)
        recipient = next((p.region for p in run.all_places if p.region.level is Level.province
                          and (p.region.adcode or "")[:2] == province), None)
        if recipient is None:
            continue
        helper = Region(name=m.group(0), full_name=None, level=Level.other, adcode=None)
        added[province] = Pairing(helper=helper, recipient=recipient, relation=Relation.counterpart_support,
                                  evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end))
        run.note(helper.name, recipient.name, Relation.counterpart_support, True, m.start(), GROUP)
    return list(added.values())


def _named_province(run: _Run, group: str, sentence: Span, after: int) -> str | None:
    """The two-digit code of the province a group helps: its own aid word's, a later aid word's in its sentence,
    or a province given to (向西藏) after it."""
    own = [w.recipient_province for w in relation_mentions(group) if w.recipient_province]
    if own:
        return own[0]
    later = [w.recipient_province for w in run.words_in(sentence) if w.start >= after and w.recipient_province]
    if later:
        return later[0]
    given = [p for p in places_in(run.all_places, run.place_starts, sentence) if p.start >= after
             and p.region.level is Level.province and GIVEN_TO.search(run.text, max(after, p.start - 4), p.start)]
    return given[0].region.adcode[:2] if given and given[0].region.adcode else None


def _province_region(resolver: RegionResolver, code: str) -> Region | None:
    unit = resolver.gaz.units.get(code)
    return resolver.resolve(unit.name) if unit else None


def _orient(text: str, helper: Place, recipient: Place, relation: Relation, start: int, end: int,
            clause_spans: list[Span], east_west_programme: bool = False, cite_recipient: bool = True,
            named_programmes: frozenset[Relation] = frozenset()) -> Pairing | None:
    """Helper -> recipient as the published pairings have it where they do; evidence from the clauses that name them.

    A recipient taken from the headline (援藏 with no place named) is not quoted: the evidence is
    the helper's own clause.
    """
    if related(helper.region, recipient.region):
        return None
    if helper_first(_home_code(helper.region), _home_code(recipient.region)) is False:  # data/pairings.tsv
        helper, recipient = recipient, helper
    relation = refine_relation(relation, helper.region.adcode, recipient.region.adcode, east_west_programme,
                               named_programmes)
    if not _fits_programme(helper.region, recipient.region, relation):
        return None
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


def _fits_programme(helper: Region, recipient: Region, relation: Relation) -> bool:
    """Programmes between regions' governments have no village or township as helper, and 东西部协作 joins two
    provinces: "立斯达村沪滇扶贫协作项目、邑等村…" pairs neither village."""
    if relation not in PROGRAMME_RELATIONS:
        return True
    if helper.level in (Level.village, Level.township):
        return False
    return not (relation is Relation.east_west and _province(helper) and _province(helper) == _province(recipient))


def _home_code(region: Region) -> str | None:
    """A region's code; an organisation's, the code of the place its name opens with (福建省侨联: 福建)."""
    if region.adcode or region.level is not Level.other:
        return region.adcode
    return _leading_place_code(region.name)


@lru_cache(maxsize=4096)
def _leading_place_code(name: str) -> str | None:
    resolver = RegionResolver(name)  # not for_text: its small shared cache holds whole articles' resolvers
    first = next((m for m in resolver.mentions if m.start == 0), None)
    region = resolver.resolve_mention(first) if first else None
    return region.adcode if region else None


def _province(region: Region) -> str | None:
    return region.adcode[:2] if region.adcode else None
