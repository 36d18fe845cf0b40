"""The published pairing relations in data/pairings.tsv: who was assigned to help whom, with the source.

A place is covered by a row when its adcode lies inside the row's unit (江苏省 covers 南京市江宁区;
延边朝鲜族自治州 covers 延吉市), never the reverse: 天津市 → 承德市 says nothing about 天津 and the
rest of 河北. That is what keeps "深化京津冀合作" from becoming a pairing.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .regions import unit_code
from .schemas import Relation

COLUMNS = ("programme", "helper", "helper_adcode", "recipient", "recipient_adcode", "relation", "period", "source")


@dataclass(frozen=True)
class PublishedPairing:
    programme: str  # 东西部扶贫协作, 对口支援新疆 …
    helper: str
    helper_adcode: str
    recipient: str
    recipient_adcode: str
    relation: Relation
    period: str  # as the source gives it: 2016-2020, 2021-, 2022
    source: str  # document and address

    def covers(self, helper_code: str, recipient_code: str) -> bool:
        return helper_code.startswith(self.helper_adcode) and recipient_code.startswith(self.recipient_adcode)


@lru_cache(maxsize=1)
def published_pairings() -> tuple[PublishedPairing, ...]:
    table = resources.files("summarizer.data").joinpath("pairings.tsv").read_text("utf-8")
    rows: list[PublishedPairing] = []
    lines = [line for line in table.splitlines() if line and not line.startswith("#")]
    if tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"data/pairings.tsv: header is not {COLUMNS}")
    for line in lines[1:]:
        values = line.split("\t")
        rows.append(PublishedPairing(*values[:5], Relation(values[5]), *values[6:]))
    return tuple(rows)


def published_rows(helper_code: str | None, recipient_code: str | None) -> list[PublishedPairing]:
    """The rows that assign helper_code (or a unit containing it) to help recipient_code (or a unit containing it)."""
    if not helper_code or not recipient_code:
        return []
    return list(_rows_covering(unit_code(helper_code), unit_code(recipient_code)))  # 520000 reads as 52


@lru_cache(maxsize=4096)  # a report checks the same few pairs thousands of times
def _rows_covering(helper_code: str, recipient_code: str) -> tuple[PublishedPairing, ...]:
    return tuple(row for row in _rows_by_helper_province().get(helper_code[:2], ())
                 if row.covers(helper_code, recipient_code))


@lru_cache(maxsize=1)
def _rows_by_helper_province() -> dict[str, tuple[PublishedPairing, ...]]:
    index: dict[str, list[PublishedPairing]] = {}
    for row in published_pairings():
        index.setdefault(row.helper_adcode[:2], []).append(row)
    return {province: tuple(rows) for province, rows in index.items()}


def published_direction(a_code: str | None, b_code: str | None) -> bool | None:
    """True: a published row has a helping b; False: b helping a; None: no row decides (or both do)."""
    forward, backward = bool(published_rows(a_code, b_code)), bool(published_rows(b_code, a_code))
    if forward == backward:
        return None
    return forward


def published_relation(helper_code: str | None, recipient_code: str | None) -> Relation | None:
    """The relation of the most specific published rows for this pair (山东省 → 疏勒县 is 援疆, though
    山东省 → 新疆 was once an east-west pair), when they agree on one."""
    rows = published_rows(helper_code, recipient_code)
    if not rows:
        return None
    depth = max((len(r.recipient_adcode), len(r.helper_adcode)) for r in rows)
    relations = {r.relation for r in rows if (len(r.recipient_adcode), len(r.helper_adcode)) == depth}
    return relations.pop() if len(relations) == 1 else None


def assigned_relation(helper_code: str | None, recipient_code: str | None) -> Relation | None:
    """The published relation of a pair covered by a row that names a city or county on at least one side (杭州市 →
    恩施州 for 杭州市 and 巴东县; 浙江省 → 广元市 for 温州市 and 广元市), or by a province pair when both places are
    provinces; None for two cities only a province pair covers (浙江省 → 四川省 says nothing of 杭州 and 成都)."""
    if not helper_code or not recipient_code:
        return None
    provinces = len(unit_code(helper_code)) == 2 and len(unit_code(recipient_code)) == 2
    if not any(provinces or len(row.helper_adcode) > 2 or len(row.recipient_adcode) > 2
               for row in published_rows(helper_code, recipient_code)):
        return None
    return published_relation(helper_code, recipient_code)


@lru_cache(maxsize=1)
def province_programmes() -> frozenset[tuple[str, str]]:
    """(helper, recipient) province codes of province-to-province east_west rows: 闽宁 = (35, 64)."""
    return frozenset((row.helper_adcode, row.recipient_adcode) for row in published_pairings()
                     if row.relation is Relation.east_west and len(row.helper_adcode) == len(row.recipient_adcode) == 2)


@lru_cache(maxsize=1)
def province_roles() -> tuple[frozenset[str], frozenset[str]]:
    """Provinces that only ever help (east) and only ever receive (west) in the table; a province on
    both sides (河北, 吉林, 湖北, 湖南 receive at city level and help 新疆/西藏) is in neither."""
    helpers = {row.helper_adcode[:2] for row in published_pairings()}
    recipients = {row.recipient_adcode[:2] for row in published_pairings()}
    return frozenset(helpers - recipients), frozenset(recipients - helpers)


@lru_cache(maxsize=4096)  # the checks ask it for every pairing a report reads
def helper_first(a_code: str | None, b_code: str | None) -> bool | None:
    """Does a help b (True), b help a (False)? A published row decides; without one, the provinces'
    roles in the table (only helping / only receiving); None when neither does."""
    decided = published_direction(a_code, b_code)
    if decided is not None or not a_code or not b_code:
        return decided
    return province_direction(a_code[:2], b_code[:2])


def province_direction(a_province: str | None, b_province: str | None) -> bool | None:
    if not a_province or not b_province or a_province == b_province:
        return None
    helping, receiving = province_roles()
    if a_province in helping and b_province in receiving:
        return True
    if a_province in receiving and b_province in helping:
        return False
    return None


def explain_direction(helper_code: str | None, recipient_code: str | None) -> str | None:
    """Why helper -> recipient is the published direction, in words; None when the table does not say."""
    rows = published_rows(helper_code, recipient_code)
    if rows:
        row = max(rows, key=lambda r: (len(r.recipient_adcode), len(r.helper_adcode)))
        return f"published: {row.helper} → {row.recipient} ({row.programme} {row.period})"
    if helper_code and recipient_code and province_direction(helper_code[:2], recipient_code[:2]):
        return "the helper's province only helps, the recipient's only receives, in the published pairings"
    return None
