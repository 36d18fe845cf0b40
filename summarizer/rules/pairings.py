"""Offline pairings: relation wording plus the regions around it, oriented helper -> recipient."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..regions import RegionResolver, is_east_to_west
from ..relations import (
    ARRIVE, HELP_VERB, LEAD_GAP, LIST_SEPARATOR, article_relation, refine_relation, relations_in,
)
from ..schemas import Evidence, Level, Pairing, Region, Relation
from ..text import Span, clauses, enclosing, org_names, sentences

MUTUAL_LINK = re.compile(r"^(?:与|同|和)$|^[^，,。；;]{0,3}(?:与|同|和)$")
# A "其中/包括" list or a dash breaks the link between a verb and what follows it.
TOO_FAR = re.compile(r"[，,。；;：:]")


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    region: Region

    @property
    def key(self) -> str:
        return self.region.adcode or self.region.name


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


def extract_pairings(text: str, resolver: RegionResolver) -> list[Pairing]:
    default = article_relation(text)
    if default is None:
        return []  # without any relation wording, a help verb alone is not a pairing
    all_places = places(resolver)
    east_west_article = "东西部" in text
    found: dict[tuple[str, str], Pairing] = {}
    explicit: set[tuple[str, str]] = set()  # pairs named with relation wording, not just a help verb
    sentence_spans = sentences(text)
    clause_spans = clauses(text)
    place_starts = [p.start for p in all_places]
    for sentence in sentence_spans:
        lo, hi = bisect_left(place_starts, sentence.start), bisect_left(place_starts, sentence.end)
        inside = [p for p in all_places[lo:hi] if sentence.contains(p.start, p.end)]
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
            for helper, recipient in pairs:
                rel = relation or default
                pairing = _orient(text, helper, recipient, rel, start, end, clause_spans, east_west_article)
                if pairing is None:
                    continue
                key = (pairing.helper.adcode or pairing.helper.name, pairing.recipient.adcode or pairing.recipient.name)
                if key not in found or (relation is not None and key not in explicit):
                    found[key] = pairing
                if relation is not None:
                    explicit.add(key)
    return list(found.values())


def _pairs_around(text: str, sentence: Span, inside: list[Place], receiving: set[int], start: int, end: int,
                  mutual_ok: bool):
    recipients = _list_after(text, inside, end)
    before = [p for p in inside if p.end <= start and id(p) not in receiving]
    if recipients:
        helper = _helper_before(text, sentence, before, recipients, start)
        if helper is not None:
            for recipient in recipients:
                yield helper, recipient
        return
    if mutual_ok and len(before) >= 2:
        # "A与B结对", "A…来到B开展结对帮扶": helper first, the place joined or arrived at last.
        recipient = before[-1]
        helpers = [p for p in before[:-1] if not _related(p.region, recipient.region)]
        if not helpers or TOO_FAR.search(text[recipient.end:start]):
            return
        between = text[helpers[-1].end:recipient.start]
        if LIST_SEPARATOR.match(between):
            return  # "东黄水镇和凌井店乡": two recipients listed together
        if MUTUAL_LINK.search(between) or ARRIVE.search(between):
            yield helpers[0], recipient


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


def _helper_before(text: str, sentence: Span, before: list[Place], recipients: list[Place], pos: int) -> Place | None:
    for place in reversed(before):
        if any(_related(place.region, r.region) for r in recipients):
            continue
        return place
    orgs = org_names(text, sentence.start, pos)
    if orgs and pos - orgs[-1].end <= 8:
        org = orgs[-1]
        return Place(org.start, org.end, Region(name=org.text, full_name=None, level=Level.other, adcode=None))
    return None


def _orient(text: str, helper: Place, recipient: Place, relation: Relation, start: int, end: int,
            clause_spans: list[Span], east_west_article: bool) -> Pairing | None:
    if _related(helper.region, recipient.region):
        return None
    hp, rp = _province(helper.region), _province(recipient.region)
    if is_east_to_west(hp, rp) is False:
        helper, recipient = recipient, helper
        hp, rp = rp, hp
    relation = refine_relation(relation, hp, rp, east_west_article)
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
