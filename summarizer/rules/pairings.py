"""Offline pairings: relation wording plus the regions around it, oriented helper -> recipient."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..checks import record_key
from ..regions import RegionResolver, is_east_to_west
from ..relations import (
    ARRIVE, HELP_VERB, LEAD_GAP, LIST_SEPARATOR, PASSIVE_MARKER, article_relation, refine_relation, relations_in,
)
from ..schemas import Evidence, Level, Pairing, Region, Relation
from ..text import Span, clauses, enclosing, org_names, sentences

HELPER_LIST = re.compile(r"^\s*(?:、|和|及|以及)\s*$")
ENUMERATION = re.compile(r"^\s*(?:、|及|以及|,|，)\s*$")
MUTUAL_LINK = re.compile(r"^(?:与|同|和)$|^[^，,。；;]{0,3}(?:与|同|和)$")
# Clause punctuation: a place and a relation word on either side of it are not linked.
TOO_FAR = re.compile(r"[，,。；;：:]")


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
    """Region mentions, with a parent written right before its child merged: 阳曲县东黄水镇."""
    merged: list[Place] = []
    for mention in resolver.mentions:
        region = resolver.resolve_mention(mention)
        if merged and merged[-1].end == mention.start and _is_parent(merged[-1].region, region):
            previous = merged.pop()
            merged.append(Place(previous.start, mention.end, region))
            continue
        merged.append(Place(mention.start, mention.end, region))
    return merged


def _is_parent(parent: Region, child: Region) -> bool:
    if parent.adcode and child.adcode:
        return child.adcode.startswith(parent.adcode) and child.adcode != parent.adcode
    return bool(parent.full_name and child.full_name and child.full_name.startswith(parent.full_name))


def _related(a: Region, b: Region) -> bool:
    """Same place, or one inside the other: never a pairing."""
    same = (a.adcode is not None and a.adcode == b.adcode) or a.name == b.name
    return same or _is_parent(a, b) or _is_parent(b, a)


def extract_pairings(text: str, resolver: RegionResolver, title: str | None = None) -> list[Pairing]:
    # Without any relation wording in the article, a help verb alone is not a pairing;
    # only the explicit passive "B接受A的帮扶" is.
    default = article_relation(text)
    all_places = places(resolver)
    found: dict[tuple, Pairing] = {}
    explicit: set[tuple] = set()  # pairs named with relation wording, not just a help verb
    from_title: set[tuple] = set()  # the body's wording is better evidence than a headline's
    title_end = len(title) if title and text.startswith(title) else 0
    sentence_spans = sentences(text)
    clause_spans = clauses(text)
    place_starts = [p.start for p in all_places]
    for sentence in sentence_spans:
        inside = places_in(all_places, place_starts, sentence)
        if not inside and not org_names(sentence.text):
            continue
        triggers = [(s + sentence.start, e + sentence.start, r) for s, e, r in relations_in(sentence.text)]
        triggers += [(m.start() + sentence.start, m.end() + sentence.start, None)
                     for m in HELP_VERB.finditer(sentence.text)
                     if not any(s <= m.start() + sentence.start < e for s, e, _ in triggers)]
        triggers.sort(key=lambda t: t[0])
        # Places written right after a relation word are recipients, never helpers.
        receiving = {id(p) for _, e, _ in triggers for p in _list_after(text, inside, e)}
        for start, end, relation in triggers:
            pairs = _pairs_around(text, sentence, inside, receiving, start, end, mutual_ok=relation is not None)
            for helper, recipient, passive in pairs:
                if relation is None and default is None and not passive:
                    continue
                rel = relation or default or Relation.other
                pairing = _orient(text, helper, recipient, rel, start, end, clause_spans)
                if pairing is None:
                    continue
                key = record_key("pairings", pairing)
                in_title = sentence.end <= title_end
                better = relation is not None and key not in explicit
                if key not in found or better or (key in from_title and not in_title):
                    found[key] = pairing
                    from_title.discard(key)
                    if in_title:
                        from_title.add(key)
                if relation is not None:
                    explicit.add(key)
    return list(found.values())


def _pairs_around(text: str, sentence: Span, inside: list[Place], receiving: set[int], start: int, end: int,
                  mutual_ok: bool):
    passive = _passive(text, sentence, inside, start)
    if passive is not None:
        yield *passive, True
        return
    recipients = _list_after(text, inside, end)
    before = [p for p in inside if p.end <= start and id(p) not in receiving]
    if recipients:
        for helper in _helpers_before(text, sentence, before, recipients, start):
            for recipient in recipients:
                yield helper, recipient, False
        return
    if mutual_ok and len(before) >= 2:
        # "A与B结对", "A…来到B开展结对帮扶": helper first, the place joined or arrived at last.
        recipient = before[-1]
        helpers = [p for p in before[:-1] if not _related(p.region, recipient.region)]
        if not helpers or TOO_FAR.search(text[recipient.end:start]):
            return
        between = text[helpers[-1].end:recipient.start]
        if ENUMERATION.match(between):
            return  # "黔西县、织金县": two places listed together, neither helps the other
        if MUTUAL_LINK.search(between) or ARRIVE.search(between):
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


def _list_after(text: str, inside: list[Place], pos: int) -> list[Place]:
    after = [p for p in inside if p.start >= pos]
    if not after or not LEAD_GAP.match(text[pos:after[0].start]):
        return []
    chain = [after[0]]
    for place in after[1:]:
        gap = text[chain[-1].end:place.start]
        listed = LIST_SEPARATOR.match(gap) or re.fullmatch(r"\s*(?:、|和|及|以及|与)\s*[\u4e00-\u9fff]{1,4}", gap)
        if listed and not relations_in(gap) and not HELP_VERB.search(gap):
            chain.append(place)
        else:
            break
    return chain


def _helpers_before(text: str, sentence: Span, before: list[Place], recipients: list[Place], pos: int) -> list[Place]:
    """The nearest place before the relation word, with any listed just before it (广州市、深圳市对口帮扶…)."""
    candidates = [p for p in before if not any(_related(p.region, r.region) for r in recipients)]
    if candidates:
        helpers = [candidates[-1]]
        for place in reversed(candidates[:-1]):
            if not HELPER_LIST.match(text[place.end:helpers[0].start]):
                break
            helpers.insert(0, place)
        return helpers
    orgs = org_names(text, sentence.start, pos)
    if orgs and pos - orgs[-1].end <= 8:
        org = orgs[-1]
        return [Place(org.start, org.end, Region(name=org.text, full_name=None, level=Level.other, adcode=None))]
    return []


def _orient(text: str, helper: Place, recipient: Place, relation: Relation, start: int, end: int,
            clause_spans: list[Span]) -> Pairing | None:
    if _related(helper.region, recipient.region):
        return None
    hp, rp = _province(helper.region), _province(recipient.region)
    if is_east_to_west(hp, rp) is False:
        helper, recipient = recipient, helper
        hp, rp = rp, hp
    relation = refine_relation(relation, hp, rp)
    lo = min(helper.start, recipient.start, start)
    hi = max(helper.end, recipient.end, end)
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
