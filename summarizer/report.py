"""Comparison reports across regions: who gives how much to whom, for what.

Pure aggregation over Results (any backend's): the formats live in report_render.py.
Money is never double counted: the same amount for the same pairing and year, reported
by two articles or twice in one, is one ledger entry (with every source kept), and a
sub-allocation is shown under its total, never added to it. Every figure keeps the
evidence it came from.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .regions import gazetteer
from .schemas import Fund, Region, Result

SAME_MONEY_YUAN = 1.0  # two mentions are the same money only if the amounts agree to the yuan
ROLLUP_LEVELS = ("as_written", "county", "city", "province")


@dataclass(frozen=True)
class Place:
    """A region as the report groups it: by adcode when known, else by name."""

    key: str
    name: str
    full_name: str | None = None
    adcode: str | None = None
    level: str | None = None

    @classmethod
    def of(cls, region: Region) -> "Place":
        return cls(key=region.adcode or f"name:{region.name}", name=region.name, full_name=region.full_name,
                   adcode=region.adcode, level=region.level.value if region.level else None)

    @property
    def label(self) -> str:
        return self.name if self.adcode else f"{self.name} (unresolved)"


@dataclass
class Ref:
    """Where a figure comes from: article number, record path, verbatim quote and offsets."""

    article: int
    record: str
    quote: str
    start: int
    end: int


@dataclass
class FundEntry:
    amount_yuan: float
    amount_text: str
    kind: str
    year: int | None
    approximate: bool
    helper: Place | None
    recipient: Place | None
    refs: list[Ref]
    sub_allocation_of: str | None = None  # amount_text of the total it is part of

    @property
    def counted(self) -> bool:
        return self.sub_allocation_of is None


@dataclass
class Merge:
    kept: Ref
    merged: Ref
    reason: str


@dataclass
class Group:
    """Figures for one row of a view (a pairing, a region)."""

    key: str
    label: str
    relations: Counter = field(default_factory=Counter)
    articles: set[int] = field(default_factory=set)
    funds_by_kind: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    approximate_kinds: set[str] = field(default_factory=set)
    fund_refs: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))
    categories: Counter = field(default_factory=Counter)
    indicators: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    years: set[int] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)

    @property
    def total_yuan(self) -> float:
        return sum(self.funds_by_kind.values())

    def add_fund(self, entry: FundEntry) -> None:
        if not entry.counted:
            return
        self.funds_by_kind[entry.kind] += entry.amount_yuan
        self.fund_refs[entry.kind].extend(entry.refs)
        if entry.approximate:
            self.approximate_kinds.add(entry.kind)
        if entry.year:
            self.years.add(entry.year)


@dataclass
class ArticleInfo:
    source: str
    title: str | None
    published: str | None
    outlet: str | None
    text: str
    spans: list[tuple[int, int, str, str]]  # start, end, record type, record path


@dataclass
class ReportData:
    articles: list[ArticleInfo]
    ledger: list[FundEntry]
    merges: list[Merge]
    by_pairing: list[Group]
    by_recipient: list[Group]
    by_helper: list[Group]
    compare: list[Group]
    matrix: dict[str, dict[str, int]]  # region label -> category -> articles
    unattributed: list[FundEntry]
    rollup: str


# --- building ----------------------------------------------------------------------------

def _same_place(name: str | None, region: Region) -> bool:
    return bool(name) and (name == region.name or name in (region.full_name or "") or region.name in name)


def attribute(result: Result, fund: Fund) -> tuple[Place | None, Place | None]:
    """The pairing a fund belongs to, as far as the article makes it clear."""
    candidates = result.pairings
    if not candidates:
        return None, None
    if fund.donor:
        narrowed = [p for p in candidates if _same_place(fund.donor, p.helper)]
        candidates = narrowed or candidates
    if fund.recipient:
        narrowed = [p for p in candidates if _same_place(fund.recipient, p.recipient)]
        candidates = narrowed or candidates
    if len(candidates) == 1:
        return Place.of(candidates[0].helper), Place.of(candidates[0].recipient)
    helpers = {Place.of(p.helper) for p in candidates}
    if len(helpers) == 1:
        return helpers.pop(), None
    return None, None


def _money_key(entry: FundEntry) -> tuple:
    """Entries that may be the same money share this key; the year decides among them."""
    return (entry.helper, entry.recipient, entry.counted, round(entry.amount_yuan / SAME_MONEY_YUAN))


def _same_year(a: FundEntry, b: FundEntry) -> bool:
    return a.year is None or b.year is None or a.year == b.year


def build_ledger(results: list[Result]) -> tuple[list[FundEntry], list[Merge]]:
    ledger: list[FundEntry] = []
    merges: list[Merge] = []
    by_key: dict[tuple, list[FundEntry]] = defaultdict(list)
    for a, result in enumerate(results):
        for i, fund in enumerate(result.funds):
            helper, recipient = attribute(result, fund)
            parent = result.funds[fund.part_of].amount_text if fund.part_of is not None and fund.part_of < len(
                result.funds) else None
            ref = Ref(a, f"funds[{i}]", fund.evidence.text, fund.evidence.start, fund.evidence.end)
            entry = FundEntry(fund.amount_yuan, fund.amount_text, fund.kind.value, fund.year, fund.approximate,
                              helper, recipient, [ref], parent)
            twin = next((e for e in by_key[_money_key(entry)] if _same_year(e, entry)), None)
            if twin is not None:
                twin.refs.append(ref)
                twin.year = twin.year or entry.year
                merges.append(Merge(twin.refs[0], ref, f"same amount ({entry.amount_text}) for the same pairing and year"))
                continue
            ledger.append(entry)
            by_key[_money_key(entry)].append(entry)
    return ledger, merges


def rollup_place(place: Place, level: str) -> Place:
    if level == "as_written" or not place.adcode:
        return place
    target = {"county": 6, "city": 4, "province": 2}[level]
    if len(place.adcode) <= target:
        return place
    gaz = gazetteer()
    code = place.adcode[:target]
    unit = gaz.units.get(code)
    if unit is None:  # municipalities have no city level: 120101 -> 12
        for length in (4, 2):
            if length < len(place.adcode) and (unit := gaz.units.get(place.adcode[:length])):
                code = unit.code
                break
    if unit is None:
        return place
    return Place(key=code, name=unit.name, full_name=gaz.full_name(code), adcode=code, level=unit.level.value)


def _indicator_totals(result: Result) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for m in result.measures:
        for ind in m.indicators:
            if ind.unit and ind.unit not in ("%", "元", "万元", "亿元"):
                totals[(m.category.value, ind.unit)] += ind.value
    return totals


def build_report(results: list[Result], rollup: str = "as_written", regions: list[str] | None = None) -> ReportData:
    if rollup not in ROLLUP_LEVELS:
        raise ValueError(f"rollup must be one of {', '.join(ROLLUP_LEVELS)}")
    articles = [ArticleInfo(r.article.source, r.article.title, r.article.published, r.article.outlet, r.article.text,
                            _spans(r)) for r in results]
    ledger, merges = build_ledger(results)

    pairings: dict[str, Group] = {}
    recipients: dict[str, Group] = {}
    helpers: dict[str, Group] = {}
    matrix: dict[str, Counter] = defaultdict(Counter)

    def group(table: dict[str, Group], key: str, label: str) -> Group:
        return table.setdefault(key, Group(key=key, label=label))

    for a, result in enumerate(results):
        categories = Counter({m.category.value for m in result.measures})
        indicators = _indicator_totals(result)
        seen_recipients: set[str] = set()
        for p in result.pairings:
            helper = rollup_place(Place.of(p.helper), rollup)
            recipient = rollup_place(Place.of(p.recipient), rollup)
            for table, key, label, partner in (
                (pairings, f"{helper.key}→{recipient.key}", f"{helper.label} → {recipient.label}", None),
                (recipients, recipient.key, recipient.label, helper.label),
                (helpers, helper.key, helper.label, recipient.label),
            ):
                g = group(table, key, label)
                g.relations[p.relation.value] += 1
                if a not in g.articles:
                    g.articles.add(a)
                    g.categories.update(categories)
                    for k, v in indicators.items():
                        g.indicators[k] += v
                if partner:
                    g.partners.add(partner)
            if recipient.key not in seen_recipients:
                seen_recipients.add(recipient.key)
                matrix[recipient.label].update(categories)

    unattributed = []
    for entry in ledger:
        if entry.helper is None:
            unattributed.append(entry)
            continue
        helper = rollup_place(entry.helper, rollup)
        targets = [group(helpers, helper.key, helper.label)]
        if entry.recipient is not None:
            recipient = rollup_place(entry.recipient, rollup)
            targets += [group(pairings, f"{helper.key}→{recipient.key}", f"{helper.label} → {recipient.label}"),
                        group(recipients, recipient.key, recipient.label)]
        for g in targets:
            g.add_fund(entry)

    compare = [_compare_group(name, results, ledger) for name in (regions or [])]

    def ordered(table: dict[str, Group]) -> list[Group]:
        rows = list(table.values())
        if regions:
            rows = [g for g in rows if any(name in g.label for name in regions)]
        return sorted(rows, key=lambda g: (-g.total_yuan, -len(g.articles), g.label))

    matrix_rows = {label: dict(counts) for label, counts in sorted(matrix.items())}
    if regions:
        matrix_rows = {k: v for k, v in matrix_rows.items() if any(name in k for name in regions)}
    return ReportData(articles, ledger, merges, ordered(pairings), ordered(recipients), ordered(helpers), compare,
                      matrix_rows, unattributed, rollup)


def _compare_group(name: str, results: list[Result], ledger: list[FundEntry]) -> Group:
    """Everything about one region, whether it gives or receives."""
    g = Group(key=f"compare:{name}", label=name)
    for a, result in enumerate(results):
        involved = [p for p in result.pairings if _same_place(name, p.recipient) or _same_place(name, p.helper)]
        if not involved:
            continue
        g.articles.add(a)
        g.categories.update({m.category.value for m in result.measures})
        for k, v in _indicator_totals(result).items():
            g.indicators[k] += v
        for p in involved:
            g.relations[p.relation.value] += 1
            g.partners.add(p.helper.name if _same_place(name, p.recipient) else p.recipient.name)
    for entry in ledger:
        places = [x for x in (entry.helper, entry.recipient) if x is not None]
        if any(name == x.name or name in (x.full_name or "") for x in places):
            g.add_fund(entry)
    return g


def _spans(result: Result) -> list[tuple[int, int, str, str]]:
    spans = []
    for name, kind in (("pairings", "pairing"), ("funds", "fund"), ("measures", "measure")):
        for i, record in enumerate(getattr(result, name)):
            ev = record.evidence
            if 0 <= ev.start < ev.end:
                spans.append((ev.start, ev.end, kind, f"{name}[{i}]"))
    return spans

