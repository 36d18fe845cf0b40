"""Comparison reports across regions: who gives how much to whom, for what.

Pure aggregation over Results (any backend's): the formats live in report_render.py.
Only comparable money is added up. The headline aid is fiscal + social + donation money that
was paid, is one year's (not cumulative), is not per unit, and is counted once: a total or its
parts, never both; the same amount for the same pairing and year reported twice (or a copy of the
same sentence in a reprint) is one ledger entry with every source kept. Cumulative money has its
own column (the largest per row, never summed with yearly money), planned and agreed money theirs;
money from an article that names no helper is listed apart. Every amount left out of the headline
is listed with its reason (`ReportData.not_added`). Records that fail a rule check are left out
before anything is added (`ReportData.left_out`). Every figure keeps the evidence it came from.
"""
from __future__ import annotations

import difflib
import gc
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .checks import record_errors, run_checks
from .regions import gazetteer, standard_adcode, unit_code
from .schemas import AID_KINDS, Fund, Measure, Region, Result
from .verify import drop_contradicted

SAME_MONEY_YUAN = 1.0  # two mentions are the same money only if the amounts agree to the yuan
SAME_ARTICLE_TOLERANCE = 0.001  # …except within one article, which may write one sum rounded and exact
ROLLUP_LEVELS = ("as_written", "county", "city", "province")
UNSPECIFIED = "（未指明）"  # the recipient of money an article gives a helper but no recipient for


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
        return _place(region.name, region.full_name, region.adcode, region.level)

    @property
    def label(self) -> str:
        # An organisation has no code by nature; a place without one is flagged.
        return self.name if self.adcode or self.level == "other" else f"{self.name} (unresolved)"


@lru_cache(maxsize=65536)  # a report meets the same few hundred places tens of thousands of times
def _place(name: str, full_name: str | None, adcode: str | None, level) -> Place:
    adcode = standard_adcode(adcode)  # v1 results carry 52 / 5203: one key for either form
    return Place(key=adcode or f"name:{name}", name=name, full_name=full_name, adcode=adcode,
                 level=level.value if level else None)


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
    status: str = "paid"
    cumulative: bool = False
    since: int | None = None
    per_unit: bool = False
    apart: bool = False  # its article names no helper at all
    donor_text: str | None = None  # the record's own donor / recipient, as written (tells gifts in one article apart)
    recipient_text: str | None = None
    not_added: str | None = None  # why it is not in the comparable totals; None = counted

    @property
    def counted(self) -> bool:
        """In the comparable totals (per kind, rows, timeline); the headline adds the aid kinds of these."""
        return self.not_added is None

    @property
    def is_aid(self) -> bool:
        return self.counted and self.kind in AID_KINDS

    @property
    def cumulative_aid(self) -> bool:
        """Paid aid added up over years: its own column, never summed with one year's money."""
        return (self.cumulative and self.status == "paid" and self.kind in AID_KINDS and not self.per_unit
                and not self.apart)

    def measure(self) -> tuple:
        return (self.kind, self.status, self.cumulative, self.per_unit)


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
    categories: Counter = field(default_factory=Counter)  # measures whose sentence names this row's places
    article_categories: Counter = field(default_factory=Counter)  # measures no pairing of the article can claim
    indicators: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    years: set[int] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)
    cumulative: "FundEntry | None" = None  # the largest cumulative aid of the row (never summed)
    planned_yuan: float = 0.0
    agreed_yuan: float = 0.0
    planned_refs: list[Ref] = field(default_factory=list)
    agreed_refs: list[Ref] = field(default_factory=list)
    partner_keys: set[str] = field(default_factory=set, repr=False)
    measures_seen: dict[int, set[str]] = field(default_factory=dict, repr=False)  # article -> categories counted

    @property
    def total_yuan(self) -> float:
        return sum(self.funds_by_kind.values())

    @property
    def aid_yuan(self) -> float:
        """Fiscal + social + donation: the headline figure; other kinds are never added into it."""
        return sum(v for k, v in self.funds_by_kind.items() if k in AID_KINDS)

    @property
    def cumulative_yuan(self) -> float:
        return self.cumulative.amount_yuan if self.cumulative else 0.0

    def add_fund(self, entry: FundEntry) -> None:
        if not entry.counted:
            self._add_apart(entry)
            return
        self.articles.update(ref.article for ref in entry.refs)
        self.funds_by_kind[entry.kind] += entry.amount_yuan
        self.fund_refs[entry.kind].extend(entry.refs)
        if entry.approximate:
            self.approximate_kinds.add(entry.kind)
        if entry.year:
            self.years.add(entry.year)

    def _add_apart(self, entry: FundEntry) -> None:
        """Money the row shows beside the comparable figures: its largest cumulative aid, plans, agreements."""
        if entry.apart or entry.per_unit or entry.sub_allocation_of is not None:
            return
        if entry.cumulative_aid:
            self.articles.update(ref.article for ref in entry.refs)
            if self.cumulative is None or entry.amount_yuan > self.cumulative.amount_yuan:
                self.cumulative = entry
        elif entry.status in ("planned", "agreed") and not entry.cumulative:
            self.articles.update(ref.article for ref in entry.refs)
            setattr(self, f"{entry.status}_yuan", getattr(self, f"{entry.status}_yuan") + entry.amount_yuan)
            getattr(self, f"{entry.status}_refs").extend(entry.refs)


@dataclass
class Headline:
    """The figures a report leads with (see the module docstring for what is added)."""

    aid_yuan: float
    aid_by_kind: dict[str, float]
    not_aid_by_kind: dict[str, float]
    cumulative_largest: "FundEntry | None"
    planned_yuan: float
    agreed_yuan: float
    apart_yuan: float  # aid-kind money, paid, one year's, in articles that name no helper (comparable, not added)
    not_added: int
    left_out: int
    # One amount that is most of the aid of several articles: worth a look, a misread frame (a running total read
    # as one year's) moves the headline by multiples (see DOMINANT_SHARE and DOMINANT_AMONG below).
    dominant: "FundEntry | None" = None


DOMINANT_SHARE = 0.5
DOMINANT_AMONG = 3


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
    """Every view is built from the same de-duplicated ledger: the pairing rows plus the unattributed
    entries add up to the grand total, per kind, and so does the timeline (see `reconciliation`)."""

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
    filters: dict = field(default_factory=dict)
    matrix_indicators: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # shown on hover in html
    left_out: list[str] = field(default_factory=list)  # records that failed a rule check, one line each
    review: dict = field(default_factory=dict)  # reviewed / total articles, records changed (corrections.progress)

    def counted(self) -> list[FundEntry]:
        return [e for e in self.ledger if e.counted]

    @property
    def not_added(self) -> list[FundEntry]:
        """Every ledger amount the headline aid leaves out (merged duplicates are in `merges`)."""
        return [e for e in self.ledger if not e.is_aid]

    @property
    def apart(self) -> list[FundEntry]:
        return [e for e in self.ledger if e.apart]

    @property
    def headline(self) -> Headline:
        totals = self.totals_by_kind()
        cumulative = [e for e in self.ledger if e.cumulative_aid and e.sub_allocation_of is None]

        def summed(status: str) -> float:
            return sum(e.amount_yuan for e in self.ledger if e.status == status and not e.cumulative and not e.per_unit
                       and not e.apart and e.sub_allocation_of is None)

        aid = [e for e in self.ledger if e.is_aid]
        aid_yuan = sum(v for k, v in totals.items() if k in AID_KINDS)
        largest = max(aid, key=lambda e: e.amount_yuan, default=None)
        from_articles = {ref.article for e in aid for ref in e.refs}
        dominant = (largest if largest is not None and aid_yuan > 0 and len(aid) >= DOMINANT_AMONG
                    and len(from_articles) >= 2 and largest.amount_yuan >= DOMINANT_SHARE * aid_yuan else None)
        return Headline(
            aid_yuan=aid_yuan,
            aid_by_kind={k: v for k, v in totals.items() if k in AID_KINDS},
            not_aid_by_kind={k: v for k, v in totals.items() if k not in AID_KINDS},
            cumulative_largest=max(cumulative, key=lambda e: e.amount_yuan, default=None),
            planned_yuan=summed("planned"), agreed_yuan=summed("agreed"),
            apart_yuan=sum(e.amount_yuan for e in self.apart if e.status == "paid" and not e.per_unit
                           and not e.cumulative and e.kind in AID_KINDS),
            not_added=len(self.not_added), left_out=len(self.left_out), dominant=dominant)

    def cumulative_spans(self) -> list[FundEntry]:
        """Cumulative aid, for the timeline's spans (since → the year it was reported)."""
        return sorted((e for e in self.ledger if e.cumulative_aid and e.sub_allocation_of is None),
                      key=lambda e: (e.since or 0, -e.amount_yuan))

    def totals_by_kind(self, entries: list[FundEntry] | None = None) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for e in self.counted() if entries is None else entries:
            if e.counted:
                totals[e.kind] += e.amount_yuan
        return dict(sorted(totals.items()))

    def reconciliation(self) -> dict[str, dict[str, float]]:
        """Per kind: the grand total, the pairing rows, the unattributed entries and the timeline."""
        rows: dict[str, float] = defaultdict(float)
        for g in self.by_pairing:
            for k, v in g.funds_by_kind.items():
                rows[k] += v
        timeline: dict[str, float] = defaultdict(float)
        for _, kinds in timeline_by_year(self):
            for k, v in kinds.items():
                timeline[k] += v
        return {"total": self.totals_by_kind(), "pairing_rows": dict(sorted(rows.items())),
                "unattributed": self.totals_by_kind(self.unattributed), "timeline": dict(sorted(timeline.items()))}


def timeline_by_year(data: "ReportData") -> list[tuple[str, dict[str, float]]]:
    """Counted money by the year it is for (else the article's publication year, else "unknown year")."""
    years: dict[str, dict[str, float]] = {}
    for e in data.counted():
        published = data.articles[e.refs[0].article].published
        key = str(e.year or (published[:4] if published else "unknown year"))
        years.setdefault(key, {}).setdefault(e.kind, 0.0)
        years[key][e.kind] += e.amount_yuan
    return sorted((year, dict(sorted(kinds.items()))) for year, kinds in years.items())


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
    if len(candidates) > 1 and fund.recipient:  # 毕节 names 毕节市, not 大方县 inside it
        closest = [p for p in candidates if p.recipient.name.startswith(fund.recipient)
                   or fund.recipient.startswith(p.recipient.name)]
        candidates = closest if len({(p.helper.name, p.recipient.name) for p in closest}) == 1 else candidates
    if len(candidates) == 1 or len({(p.helper.name, p.recipient.name) for p in candidates}) == 1:
        return Place.of(candidates[0].helper), Place.of(candidates[0].recipient)
    helpers = {Place.of(p.helper) for p in candidates}
    if len(helpers) == 1:
        return helpers.pop(), None
    return None, None


def _same_year(a: FundEntry, b: FundEntry) -> bool:
    return a.year is None or b.year is None or a.year == b.year


def _same_money(entry: FundEntry, earlier: FundEntry) -> str | None:
    """Why two mentions of one amount are the same money, or None. Never across unrelated articles: only
    within one article (same parties as written), for one pairing with both sides named, or in a copy
    of the same sentence (a reprint)."""
    if not _same_year(entry, earlier):
        return None
    ref, first = entry.refs[0], earlier.refs[0]
    # One article may name a part first on its own (a headline's 1.7亿元 for rebuilding, later 民生方面投资1.7亿元
    # inside the year's 近2亿元): one sum, a part wherever it is said to be one.
    if ref.article == first.article and _repeated(entry, earlier):
        return f"the same amount ({entry.amount_text}) repeated in one article"
    if (entry.sub_allocation_of is None) != (earlier.sub_allocation_of is None):
        return None
    if entry.measure() != earlier.measure() or ref.article == first.article:
        return None
    if ref.quote == first.quote:
        return f"the same sentence with {entry.amount_text} in two articles (a copy)"
    if entry.helper is not None and entry.recipient is not None and \
            (entry.helper, entry.recipient) == (earlier.helper, earlier.recipient):
        return f"same amount ({entry.amount_text}) for the same pairing and year"
    return None


def _close(a: FundEntry, b: FundEntry) -> bool:
    return abs(a.amount_yuan - b.amount_yuan) <= SAME_ARTICLE_TOLERANCE * max(a.amount_yuan, b.amount_yuan)


def _repeated(entry: FundEntry, earlier: FundEntry) -> bool:
    """One article naming the same aid twice (捐赠100万元… 投入帮扶资金100万元…): the same status and span,
    aid kinds both, and no party written differently."""
    def compatible(a, b) -> bool:  # 毕节 and 毕节市 are one party as written
        return a is None or b is None or a == b or (isinstance(a, str) and (a in b or b in a))

    # A restatement may drop 累计 (…三年无偿投入30亿。…的30亿资金已经全部到位): the span is settled on merging.
    return ((entry.status, entry.per_unit) == (earlier.status, earlier.per_unit)
            and (entry.kind == earlier.kind or {entry.kind, earlier.kind} <= set(AID_KINDS))
            and all(compatible(x, y) for x, y in ((entry.donor_text, earlier.donor_text),
                                                  (entry.recipient_text, earlier.recipient_text),
                                                  (entry.helper, earlier.helper), (entry.recipient, earlier.recipient))))


def build_ledger(results: list[Result]) -> tuple[list[FundEntry], list[Merge]]:
    ledger: list[FundEntry] = []
    merges: list[Merge] = []
    by_amount: dict[int, list[FundEntry]] = defaultdict(list)
    for a, result in enumerate(results):
        names_a_helper = bool(result.pairings) or any(f.donor for f in result.funds if _names_helper(result, f))
        entries: dict[int, FundEntry] = {}
        for i, fund in enumerate(result.funds):
            helper, recipient = attribute(result, fund)
            parent = result.funds[fund.part_of].amount_text if fund.part_of is not None and fund.part_of < len(
                result.funds) else None
            ref = Ref(a, f"funds[{i}]", fund.evidence.text, fund.evidence.start, fund.evidence.end)
            entry = FundEntry(fund.amount_yuan, fund.amount_text, fund.kind.value, fund.year, fund.approximate,
                              helper, recipient, [ref], parent, status=fund.status.value, cumulative=fund.cumulative,
                              since=fund.since, per_unit=fund.per_unit, apart=not names_a_helper,
                              donor_text=fund.donor, recipient_text=fund.recipient)
            entries[i] = entry
            key = round(entry.amount_yuan / SAME_MONEY_YUAN)
            twin, reason = next(((e, r) for e in by_amount[key] if (r := _same_money(entry, e))), (None, None))
            if twin is None:  # one article may round the same money differently (1121万元 … 11210584.7元)
                twin = next((e for e in entries.values() if e is not entry and e.refs[0].article == a
                             and _close(e, entry) and _repeated(entry, e)), None)
                reason = f"the same amount ({entry.amount_text}, rounded) repeated in one article" if twin else None
            if twin is not None:
                twin.refs.append(ref)
                twin.year = twin.year or entry.year
                if twin.refs[0].article == a and entry.cumulative and not twin.cumulative:
                    twin.cumulative, twin.since, twin.year = True, entry.since, None  # one mention says it is a span
                merges.append(Merge(twin.refs[0], ref, reason))
                entries[i] = twin
                continue
            ledger.append(entry)
            by_amount[key].append(entry)
        _why_not_added(a, result, entries)
    return ledger, merges


def _names_helper(result: Result, fund: Fund) -> bool:
    """A fund's donor counts as a helper named by the article (an organisation's gift with no pairing)."""
    return bool(fund.donor) and fund.donor in result.article.text


# A total is counted as its parts (some of them not aid) only when the parts listed make up nearly all of it:
# with most of it unlisted, the total stays and the non-aid part is counted in its own column beside it.
MIXED_COVERED = 0.9


def _why_not_added(article: int, result: Result, entries: dict[int, FundEntry]) -> None:
    """Set the reason each new entry stays out of the comparable totals (None: counted). A part is left out
    only when its total is counted on the same side of the aid line (a fiscal part of an investment total
    is aid, and the total's column is not aid)."""
    new = {i: e for i, e in entries.items() if e.refs[0].article == article}  # twins kept their first reason
    for entry in new.values():
        entry.not_added = _own_reason(entry)
    parts: dict[int, list[FundEntry]] = defaultdict(list)
    for i, fund in enumerate(result.funds):
        if i in new and fund.part_of in new and new[fund.part_of] is not new[i]:
            parts[fund.part_of].append(new[i])
    for i, its_parts in parts.items():
        total = new[i]
        listed = sum(p.amount_yuan for p in its_parts)
        if total.counted and total.kind in AID_KINDS and listed >= MIXED_COVERED * total.amount_yuan and any(
                p.counted and p.kind not in AID_KINDS and p.kind != "other" for p in its_parts):
            # 投入帮扶资金22亿元，其中直接投入1亿元…帮助引进资金21亿元: the total mixes aid with other money
            total.not_added = "its parts are of other kinds too: the parts are counted, each as its kind"
    parent_of: dict[int, int] = {}  # an entry (by id) -> a total it is part of, from any of its mentions
    for i, fund in enumerate(result.funds):
        if i in entries and fund.part_of is not None:
            parent_of.setdefault(id(entries[i]), fund.part_of)
    for i, fund in enumerate(result.funds):
        entry = new.get(i)
        if entry is None or entry.not_added is not None:
            continue
        total = _counted_total(result, entries, parent_of, i)
        if total is not None and total is not entry and (total.kind in AID_KINDS) == (entry.kind in AID_KINDS):
            entry.not_added = f"part of {total.amount_text}, which is counted"


def _counted_total(result: Result, entries: dict[int, FundEntry], parent_of: dict[int, int],
                   index: int) -> FundEntry | None:
    """The nearest total up the part_of chain that is counted: a part of a part (双语幼儿园6108万元 inside
    教育医疗5.65亿元 inside the year's 18.12亿元) is inside the year's total too; a sum mentioned twice (once in
    the breakdown, once as the total of its own parts) is one link of the chain (`parent_of`: an entry's total,
    by the entry's id, from any of its mentions)."""
    seen = {id(entries[index])}
    at = result.funds[index].part_of
    while at is not None and at in entries and id(entries[at]) not in seen:
        if entries[at].counted:
            return entries[at]
        seen.add(id(entries[at]))
        at = parent_of.get(id(entries[at]))
    return None


def _own_reason(entry: FundEntry) -> str | None:
    if entry.per_unit:
        return "per unit (每…/人均/各): an amount for each of several recipients, not a total"
    if entry.status == "planned":
        return "planned (计划/将/拟/预计): not yet paid"
    if entry.status == "agreed":
        return "agreed (签约/协议/意向): signed or pledged, not yet paid"
    if entry.cumulative:
        since = f" since {entry.since}" if entry.since else ""
        return f"cumulative{since}: several years added up, kept apart from one year's money"
    if entry.apart:
        return "its article names no helper: listed apart"
    return None


@lru_cache(maxsize=65536)  # pure on (place, level): the division table does not change in a run
def rollup_place(place: Place, level: str) -> Place:
    if level == "as_written" or not place.adcode:
        return place
    target = {"county": 6, "city": 4, "province": 2}[level]
    own = unit_code(place.adcode)
    gaz = gazetteer()
    code = own[:target]
    unit = gaz.units.get(code)  # already at the level: still its one name (云南 and 云南省 are one row)
    if unit is None:  # municipalities have no city level: 120101 -> 12
        for length in (4, 2):
            if length < len(own) and (unit := gaz.units.get(own[:length])):
                code = unit.code
                break
    if unit is None:
        return place
    adcode = standard_adcode(code)
    return Place(key=adcode, name=unit.name, full_name=gaz.full_name(code), adcode=adcode, level=unit.level.value)


def measures_by_pairing(result: Result) -> tuple[dict[int, list[Measure]], list[Measure]]:
    """Each measure goes to the pairings whose recipient its sentence names, else the one its paragraph names;
    else to a helper's pairing when the helper it names has only one; else to the article's only
    pairing. What none can claim is article-level (a helper named with many recipients does not
    hand its measures to all of them)."""
    claimed: dict[int, list[Measure]] = defaultdict(list)
    article_level: list[Measure] = []
    text = result.article.text
    for measure in result.measures:
        start = max(measure.evidence.start, 0)
        paragraph = text[text.rfind("\n", 0, start) + 1:(text.find("\n", start) + 1 or len(text) + 1) - 1]
        owners = [i for i, p in enumerate(result.pairings) if p.recipient.name in measure.evidence.text]
        if not owners:  # the paragraph decides only when it is about one recipient
            in_paragraph = [i for i, p in enumerate(result.pairings) if p.recipient.name in paragraph]
            owners = in_paragraph if len({result.pairings[i].recipient.name for i in in_paragraph}) == 1 else []
        if not owners:
            by_helper = [i for i, p in enumerate(result.pairings) if p.helper.name in paragraph]
            owners = by_helper if len(by_helper) == 1 else []
        if not owners and len(result.pairings) == 1:
            owners = [0]
        for i in owners:
            claimed[i].append(measure)
        if not owners:
            article_level.append(measure)
    return claimed, article_level


def _indicator_totals(measures: list[Measure]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for m in measures:
        for ind in m.indicators:
            if ind.unit and ind.unit not in ("%", "元", "万元", "亿元"):
                totals[(m.category.value, ind.unit)] += ind.value
    return totals


def shown_source(source: str) -> str:
    """A report is meant to be shared: an absolute path under the working folder is shown relative to it."""
    path = Path(source)
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return path.name
    return source


def shown_sources(sources: list[str]) -> list[str]:
    """shown_source for each, but two different paths never look the same: outside the working folder
    a name shared by two files gets as many parent folders as it takes to tell them apart."""
    shown = [shown_source(s) for s in sources]
    clashes = Counter(shown)
    for i, source in enumerate(sources):
        if clashes[shown[i]] < 2 or not Path(source).is_absolute():
            continue
        rivals = [Path(s).parts for j, s in enumerate(sources) if shown[j] == shown[i] and s != source]
        parts = Path(source).parts
        for depth in range(2, len(parts) + 1):
            if all(r[-depth:] != parts[-depth:] for r in rivals):
                shown[i] = str(Path(*parts[-depth:]))
                break
    return shown


def unique_articles(results: list[Result]) -> list[Result]:
    """The same article given twice (same article.id) is one article."""
    seen: set[str] = set()
    unique = []
    for r in results:
        if r.article.id not in seen:
            seen.add(r.article.id)
            unique.append(r)
    return unique


@dataclass(frozen=True)
class RegionFilter:
    """--region: a place and every place inside it, by adcode prefix, or by name where there is no code."""

    asked: tuple[str, ...]
    prefixes: frozenset[str]
    names: frozenset[str]

    def covers(self, place: Place | None) -> bool:
        if place is None:
            return False
        if place.adcode and any(place.adcode.startswith(p) for p in self.prefixes):
            return True
        return place.name in self.names or any(n in (place.full_name or "") for n in self.names if len(n) >= 2)


class NothingSelected(ValueError):
    """A date range that leaves no article (the message says how many were undated)."""


def _date_range(since: str | None, until: str | None) -> str:
    until = until[:10].replace("-99", "") if until else None
    return " and ".join(part for part in (since and f"on or after {since}", until and f"on or before {until}") if part)


class UnknownRegion(ValueError):
    """A --region that matches no place in the results (message lists near names)."""


def _region_selector(value: str) -> RegionFilter:
    """One --region value: digits are an adcode prefix (620421, 6204, 62); a name selects its codes and itself."""
    value = value.strip()
    if value.isdigit():
        prefix = value
        while len(prefix) > 2 and prefix.endswith("00"):  # 620000 is the province 62, 620400 the city 6204
            prefix = prefix[:-2]
        return RegionFilter((value,), frozenset({prefix}), frozenset())
    gaz = gazetteer()
    return RegionFilter((value,), frozenset(gaz.current_code(c) for c in gaz.candidates(value)), frozenset({value}))


def region_filter(asked: list[str], results: list[Result]) -> RegionFilter | None:
    """The union of the --region values; one that matches no place in the results is an UnknownRegion."""
    if not asked:
        return None
    selectors = [_region_selector(value) for value in asked]
    seen = {Place.of(r) for res in results for p in res.pairings for r in (p.helper, p.recipient)}
    unmatched = [s.asked[0] for s in selectors if not any(s.covers(place) for place in seen)]
    if unmatched:
        near = difflib.get_close_matches(unmatched[0], sorted({p.name for p in seen}), n=5, cutoff=0.3)
        hint = f"; near names in the results: {', '.join(near)}" if near else ""
        raise UnknownRegion(f"--region {unmatched[0]!r} matches no region in the results{hint}")
    return RegionFilter(tuple(asked), frozenset().union(*(s.prefixes for s in selectors)),
                        frozenset().union(*(s.names for s in selectors)))


def checked(results: list[Result]) -> tuple[list[Result], list[str]]:
    """The results with every record that fails a rule check left out (as the pipeline would), and one line
    per record left out. Results that pass are not copied."""
    kept: list[Result] = []
    left_out: list[str] = []
    for result in results:
        findings = run_checks(result)
        if not record_errors(findings):  # the usual case: nothing to leave out, nothing copied
            kept.append(result)
            continue
        copy = result.model_copy(deep=True)
        dropped = drop_contradicted(copy, findings)
        kept.append(copy)
        source = shown_source(result.article.source)
        left_out += [f"{source}: {c.path} left out: {c.message}" for c in dropped]
    return kept, left_out


@contextmanager
def inputs_frozen() -> Iterator[None]:
    """While a report is built and written, the collector's full passes skip what was read before (the results
    stay alive throughout): over 10,000 results one such pass took 0.6 s, and building the report sets off one
    or two. Objects made inside are collected as usual; on leaving, everything is collectable again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build_report(results: list[Result], rollup: str = "as_written", regions: list[str] | None = None,
                 since: str | None = None, until: str | None = None, kinds: list[str] | None = None) -> ReportData:
    """Build every view from one ledger. Filters (regions, publication dates, kinds) apply to all of them.
    Records that fail a rule check are left out first (`ReportData.left_out` says which)."""
    if rollup not in ROLLUP_LEVELS:
        raise ValueError(f"rollup must be one of {', '.join(ROLLUP_LEVELS)}")
    results, left_out = checked(results)
    given = unique_articles(results)
    results = [r for r in given if (since is None or (r.article.published or "") >= since)
               and (until is None or (r.article.published or "9999") <= until)]
    undated = sum(1 for r in given if not r.article.published) if since or until else 0
    if (since or until) and not results:
        raise NothingSelected(f"no article published {_date_range(since, until)} among {len(given)} "
                              f"({undated} without a publication date)")
    selection = region_filter(regions or [], results)
    articles = [ArticleInfo(shown, r.article.title, r.article.published, r.article.outlet, r.article.text, _spans(r))
                for shown, r in zip(shown_sources([r.article.source for r in results]), results)]
    ledger, merges = build_ledger(results)
    if kinds:
        ledger = [e for e in ledger if e.kind in kinds]
    if selection is not None:
        ledger = [e for e in ledger if selection.covers(e.helper) or selection.covers(e.recipient)]

    pairings: dict[str, Group] = {}
    recipients: dict[str, Group] = {}
    helpers: dict[str, Group] = {}
    matrix: dict[str, Counter] = defaultdict(Counter)
    matrix_seen: dict[str, set[tuple[int, str]]] = {}
    matrix_label: dict[str, str] = {}
    matrix_notes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    in_view: set[int] = set()

    def group(table: dict[str, Group], key: str, label: str) -> Group:
        found = table.get(key)  # a Group is built only for a new row (it has a dozen containers)
        if found is None:
            found = table[key] = Group(key=key, label=label)
        return found

    for a, result in enumerate(results):
        claimed, article_level = measures_by_pairing(result)
        loose = sorted({m.category.value for m in article_level})
        for index, p in enumerate(result.pairings):
            if selection is not None and not (selection.covers(Place.of(p.helper)) or
                                              selection.covers(Place.of(p.recipient))):
                continue
            in_view.add(a)
            helper = rollup_place(Place.of(p.helper), rollup)
            recipient = rollup_place(Place.of(p.recipient), rollup)
            mine = [(m.category.value, m) for m in claimed.get(index, [])]  # an enum's .value is slow: read once
            categories = sorted({c for c, _ in mine})
            relation = p.relation.value
            for table, key, label, partner in (
                (pairings, f"{helper.key}→{recipient.key}", f"{helper.label} → {recipient.label}", None),
                (recipients, recipient.key, recipient.label, helper),
                (helpers, helper.key, helper.label, recipient),
            ):
                g = group(table, key, label)
                g.relations[relation] += 1
                seen = g.measures_seen.setdefault(a, set())
                new = [c for c in categories if c not in seen]  # a category counts once per article
                if new:
                    g.categories.update(new)
                    seen.update(new)
                    for k, v in _indicator_totals([m for c, m in mine if c in new]).items():
                        g.indicators[k] += v
                if a not in g.articles:
                    g.articles.add(a)
                    g.article_categories.update(loose)
                if partner and partner.key not in g.partner_keys:  # one place, one name, however it was written
                    g.partner_keys.add(partner.key)
                    g.partners.add(partner.label)
            row = matrix_label.setdefault(recipient.key, recipient.label)  # one row per place, not per spelling
            cell = matrix[row]
            for c in categories:
                if (a, c) not in matrix_seen.setdefault(row, set()):
                    matrix_seen[row].add((a, c))
                    cell[c] += 1  # articles with a measure of this category claimed for this recipient
                    for category, m in mine:
                        if category == c:
                            matrix_notes[row][c] += [f"{i.name} {i.value:g}{i.unit}" for i in m.indicators]

    unattributed = []
    for entry in ledger:
        if entry.helper is None:
            if not entry.apart:
                unattributed.append(entry)
            continue
        in_view.update(r.article for r in entry.refs)
        helper = rollup_place(entry.helper, rollup)
        recipient = rollup_place(entry.recipient, rollup) if entry.recipient is not None else None
        # Money with a helper but no recipient still has a pairing row, "helper → （未指明）", so the
        # pairing rows and the unattributed list add up to the ledger's total.
        r_key, r_label = (recipient.key, recipient.label) if recipient else ("unspecified", UNSPECIFIED)
        for g in (group(helpers, helper.key, helper.label),
                  group(pairings, f"{helper.key}→{r_key}", f"{helper.label} → {r_label}"),
                  group(recipients, r_key, r_label)):
            g.add_fund(entry)
    if selection is None:
        in_view.update(r.article for e in ledger if e.helper is None for r in e.refs)

    compare = [_in_one_order(_compare_group(name, results, ledger)) for name in (regions or [])]
    if kinds:
        compare = [g for g in compare if _has_money(g)]

    def ordered(table: dict[str, Group]) -> list[Group]:
        if kinds:  # --kind is about money: a row without money of those kinds is not shown
            table = {k: g for k, g in table.items() if _has_money(g)}
        groups = [_in_one_order(g) for g in table.values()]
        return sorted(groups, key=lambda g: (-g.aid_yuan, -g.total_yuan, -len(g.articles), g.label))

    matrix_rows = {label: dict(sorted(counts.items())) for label, counts in sorted(matrix.items()) if counts}
    notes = {label: {c: sorted(set(v))[:6] for c, v in sorted(row.items()) if v} for label, row in sorted(matrix_notes.items())}
    filters = {k: v for k, v in (("regions", list(regions or [])), ("since", since), ("until", until),
                                 ("kinds", list(kinds or []))) if v}
    if undated:  # --since/--until cannot place an undated article: say how many were left out
        filters["undated_left_out"] = undated
    filters["articles_in_view"] = sorted(in_view)
    return ReportData(articles, ledger, merges, ordered(pairings), ordered(recipients), ordered(helpers), compare,
                      matrix_rows, unattributed, rollup, filters, notes, left_out)


def _in_one_order(g: Group) -> Group:
    """One order for every run (sets iterate in a hash order that changes between runs): counts first, then names."""
    g.categories = Counter(dict(sorted(g.categories.items(), key=lambda kv: (-kv[1], kv[0]))))
    g.article_categories = Counter(dict(sorted(g.article_categories.items(), key=lambda kv: (-kv[1], kv[0]))))
    g.relations = Counter(dict(sorted(g.relations.items())))
    return g


def _has_money(g: Group) -> bool:
    return bool(g.total_yuan or g.cumulative_yuan or g.planned_yuan or g.agreed_yuan)


def _compare_group(name: str, results: list[Result], ledger: list[FundEntry]) -> Group:
    """Everything about one region, whether it gives or receives; selected as --region selects (a name, or an
    adcode prefix such as 5223), so the side-by-side row holds what every other view shows for it."""
    selector = _region_selector(name)
    unit = gazetteer().units.get(next(iter(selector.prefixes))) if name.strip().isdigit() else None
    g = Group(key=f"compare:{name}", label=f"{name} {unit.name}" if unit else name)
    for a, result in enumerate(results):
        involved = [p for p in result.pairings
                    if selector.covers(Place.of(p.recipient)) or selector.covers(Place.of(p.helper))]
        if not involved:
            continue
        g.articles.add(a)
        g.categories.update({m.category.value for m in result.measures})
        for k, v in _indicator_totals(result.measures).items():
            g.indicators[k] += v
        for p in involved:
            g.relations[p.relation.value] += 1
            partner = Place.of(p.helper if selector.covers(Place.of(p.recipient)) else p.recipient)
            if partner.key not in g.partner_keys:
                g.partner_keys.add(partner.key)
                g.partners.add(partner.name)
    for entry in ledger:
        if selector.covers(entry.helper) or selector.covers(entry.recipient):
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

