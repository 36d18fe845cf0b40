"""Rule checks: one implementation for every backend, `summarizer check`, and the LLM re-ask.

Each rule looks at a Result against its own article.text and reports findings as
contract Check records (rule, severity, path, message). `error` means the record
contradicts the article; `warning` means suspicious but kept.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

from .money import amount_range, written_as_count
from .own_money import clause_around, own_money
from .pairing_table import helper_first, published_rows
from .regions import unit_code
from .relations import programme_provinces, wording_direction
from .schemas import Check, Evidence, Level, Result, Severity

AMOUNT_TOLERANCE = 0.005  # 0.5 %: rounding, as the evaluator allows
# Pairing aid as a programme dates from the 1950s (援藏 since 1951, central subsidies to 西藏 since 1965, 对口支援
# named in 1979): a year before this is no year of it. (1990 rejected 西藏自治区成立以来, since=1965.)
FIRST_YEAR = 1950
YEARS_AHEAD = 5
SHARE_WORDS = ("率", "占比", "比例", "覆盖")

Rule = Callable[[Result], Iterator[Check]]


def _error(rule: str, path: str, message: str) -> Check:
    return Check(rule=rule, severity=Severity.error, path=path, message=message)


def _warning(rule: str, path: str, message: str) -> Check:
    return Check(rule=rule, severity=Severity.warning, path=path, message=message)


def _evidences(result: Result) -> Iterator[tuple[str, Evidence]]:
    for name in ("pairings", "funds", "measures"):
        for i, record in enumerate(getattr(result, name)):
            yield f"{name}[{i}]", record.evidence


def evidence_offsets(result: Result) -> Iterator[Check]:
    text = result.article.text
    for path, ev in _evidences(result):
        if not (0 <= ev.start <= ev.end <= len(text)):
            yield _error("evidence_offsets", path, f"offsets {ev.start}:{ev.end} outside the text (length {len(text)}): quote "
                                                   "the article verbatim")
        elif text[ev.start:ev.end] != ev.text:
            yield _error("evidence_offsets", path,
                         f"evidence is not article.text[{ev.start}:{ev.end}] ({text[ev.start:ev.end][:30]!r}…): copy the "
                         "quote character for character from the article")


def evidence_holds_value(result: Result) -> Iterator[Check]:
    for i, fund in enumerate(result.funds):
        if fund.amount_text and fund.amount_text not in fund.evidence.text:
            yield _error("evidence_value", f"funds[{i}]", f"amount {fund.amount_text!r} is not in its evidence: quote the "
                                                               "clause that states the amount")
    for i, pairing in enumerate(result.pairings):
        quote = pairing.evidence.text
        named = {code for pair in programme_provinces(quote) for code in pair}
        missing = [r.name for r in (pairing.helper, pairing.recipient) if r.name not in quote and unit_code(r.adcode) not in named]
        if len(missing) == 2:
            yield _error("evidence_value", f"pairings[{i}]", "neither helper nor recipient is in the evidence: "
                                                                  "quote the sentence that names both")
        elif missing:
            yield _warning("evidence_value", f"pairings[{i}]", f"{missing[0]!r} is not in the evidence")


def amount_grounded(result: Result) -> Iterator[Check]:
    text = result.article.text
    for i, fund in enumerate(result.funds):
        path = f"funds[{i}]"
        if fund.amount_yuan < 0:
            yield _error("amount_negative", path, f"negative amount {fund.amount_yuan}: give the amount in yuan as a "
                                                  "positive number")
        if fund.amount_text not in text:
            yield _error("amount_grounded", path, f"amount_text {fund.amount_text!r} does not occur in the text: copy "
                                                  "the amount exactly as the article writes it, with its unit")
            continue
        if written_as_count(text, fund.amount_text):
            yield _error("amount_is_count", path,
                         f"{fund.amount_text!r} is a count of something else in the text, not money: remove the "
                         "record unless the article gives it in 元")
            continue
        allowed = amount_range(fund.amount_text)
        if allowed is None:
            yield _error("amount_unparsed", path, f"{fund.amount_text!r} is not an amount of money: amount_text must "
                                                  "be a figure with its unit as written (e.g. 5200万元, 超过百亿元)")
            continue
        low, high = (float(v) for v in allowed)
        if not (low * (1 - AMOUNT_TOLERANCE) - 1e-6 <= fund.amount_yuan <= high * (1 + AMOUNT_TOLERANCE) + 1e-6):
            stated = f"{low:,.0f}" if low == high else f"{low:,.0f}–{high:,.0f}"
            yield _error("amount_mismatch", path,
                         f"{fund.amount_text!r} is {stated} yuan, not {fund.amount_yuan:,.0f}: set amount_yuan "
                         "to the amount in yuan (万 = 10,000; 亿 = 100,000,000)")


def regions_in_text(result: Result) -> Iterator[Check]:
    text = result.article.text
    by_abbreviation = {code for pair in programme_provinces(text) for code in pair}  # 闽宁协作 names 福建 and 宁夏
    for i, pairing in enumerate(result.pairings):
        for role in ("helper", "recipient"):
            region = getattr(pairing, role)
            if region.name and region.name not in text and unit_code(region.adcode) not in by_abbreviation:
                yield _error("region_in_text", f"pairings[{i}].{role}", f"{region.name!r} does not occur in the text: write the name as the "
                                                                      "article does, or remove the pairing")
    for i, fund in enumerate(result.funds):
        for role in ("donor", "recipient"):
            name = getattr(fund, role)
            if name and name not in text:
                yield _warning("region_in_text", f"funds[{i}].{role}", f"{name!r} does not occur in the text")


def helper_not_recipient(result: Result) -> Iterator[Check]:
    for i, p in enumerate(result.pairings):
        same_code = p.helper.adcode is not None and p.helper.adcode == p.recipient.adcode
        if p.helper.name == p.recipient.name or same_code:
            yield _error("helper_is_recipient", f"pairings[{i}]", f"{p.helper.name!r} cannot help itself: name the "
                                                                                 "other party, or remove the pairing")


def pairing_direction(result: Result) -> Iterator[Check]:
    for i, p in enumerate(result.pairings):
        path = f"pairings[{i}]"
        table = helper_first(p.helper.adcode, p.recipient.adcode)  # data/pairings.tsv
        if table is True:
            continue  # the published pairings say so: wording like 宁夏青年…前往福建 does not turn it round
        if table is False:
            rows = published_rows(p.recipient.adcode, p.helper.adcode)
            said = (f"the published pairings have {rows[0].helper} helping {rows[0].recipient}"
                    f" ({rows[0].programme})" if rows else
                    f"{p.helper.name}'s province only receives and {p.recipient.name}'s only helps in the published pairings")
            yield _error("pairing_reversed", path, f"{said}: helper and recipient reversed? "
                                              "Swap them unless the article says this helper gives to this recipient")
            continue
        if wording_direction(p.evidence.text, p.helper.name, p.recipient.name) is False:
            yield _error("pairing_reversed", path,
                         f"the evidence says {p.recipient.name} helps {p.helper.name}, not the reverse: swap helper and "
                         "recipient")


def years_plausible(result: Result) -> Iterator[Check]:
    published = result.article.published
    last = (int(published[:4]) if published else dt.date.today().year) + YEARS_AHEAD
    for i, fund in enumerate(result.funds):
        if fund.year is not None and not (FIRST_YEAR <= fund.year <= last):
            yield _error("year_plausible", f"funds[{i}]", f"year {fund.year} outside {FIRST_YEAR}–{last}: "
                                                                "give the year the article states, or null")


def percentages(result: Result) -> Iterator[Check]:
    for i, measure in enumerate(result.measures):
        for j, ind in enumerate(measure.indicators):
            if ind.unit in ("%", "％") and not (0 <= ind.value <= 100):
                share = any(w in ind.name for w in SHARE_WORDS)
                make = _error if share else _warning
                yield make("percentage_range", f"measures[{i}].indicators[{j}]", f"{ind.name} = {ind.value}% is not a share")


def sub_allocations(result: Result) -> Iterator[Check]:
    parts: dict[int, list[int]] = {}
    for i, fund in enumerate(result.funds):
        if fund.part_of is None:
            continue
        if not (0 <= fund.part_of < len(result.funds)) or fund.part_of == i:
            yield _error("sub_allocation", f"funds[{i}]", f"part_of={fund.part_of} names no other fund: set it "
                                                                      "to the index of the total in funds, or null")
            continue
        parts.setdefault(fund.part_of, []).append(i)
    for parent, children in parts.items():
        total = result.funds[parent].amount_yuan
        larger = [c for c in children if result.funds[c].amount_yuan > total * (1 + AMOUNT_TOLERANCE)]
        summed = sum(result.funds[c].amount_yuan for c in children)
        for c in larger:
            yield _error("sub_allocation", f"funds[{c}]",
                         f"larger than the total funds[{parent}] ({total:,.0f} yuan) it is said to be part of: "
                         "set part_of=null if it is not a part of it, or fix the amounts")
        if not larger and summed > total * (1 + AMOUNT_TOLERANCE):
            # 其中民生项目12.72亿元…其中基层12.67亿元: two breakdowns of one total (by kind of project, by level) overlap
            yield _warning("sub_allocation", f"funds[{parent}]",
                           f"its parts funds{children} add up to {summed:,.0f} yuan, more than the total {total:,.0f}: "
                           "two breakdowns of it, or something that is not a part of it")


def fund_measures(result: Result) -> Iterator[Check]:
    """What an amount measures must hold together: spans end by publication, per-unit money is no total,
    a part of a cumulative total is not larger than it."""
    published = result.article.published
    last = int(published[:4]) if published else dt.date.today().year
    funds = result.funds
    for i, fund in enumerate(funds):
        path = f"funds[{i}]"
        if fund.since is not None:
            if not (FIRST_YEAR <= fund.since <= last):
                yield _error("since_plausible", path, f"since={fund.since} is outside {FIRST_YEAR}–{last} (the publication "
                             "year): give the first year the amount counts from, or null")
            elif not fund.cumulative:
                yield _warning("since_plausible", path, f"since={fund.since} on an amount that is not cumulative: "
                               "set cumulative=true, or since=null")
        if fund.part_of is None or not (0 <= fund.part_of < len(funds)) or fund.part_of == i:
            continue
        total = funds[fund.part_of]
        if total.per_unit:
            yield _error("per_unit_total", path, f"part_of={fund.part_of} points at a per-unit amount "
                         f"({total.amount_text} each), which is no total: set part_of=null")
        elif total.cumulative and fund.amount_yuan > total.amount_yuan * (1 + AMOUNT_TOLERANCE):
            yield _error("sub_allocation", path, f"{fund.amount_text} is larger than the cumulative total "
                         f"{total.amount_text} it is said to be part of: set part_of=null or fix the amount")
        elif fund.cumulative and not total.cumulative:
            yield _warning("sub_allocation", path, f"a cumulative amount inside {total.amount_text}, which is one "
                           "year's: check cumulative on both")


def describe_record(name: str, record) -> str:
    """A record in a few words for a message: pairing A→B, fund 5200万元, measure industry."""
    if name == "pairings":
        return f"pairing {record.helper.name}→{record.recipient.name}"
    if name == "funds":
        return f"fund {record.amount_text}"
    return f"measure {record.category.value}"


def record_key(name: str, record) -> tuple:
    """What makes two records the same: the pipeline merges on it, `duplicate_record` reports it."""
    ev = (record.evidence.start, record.evidence.end) if record.evidence.start >= 0 else (record.evidence.text,)
    if name == "pairings":
        return (record.helper.adcode or record.helper.name, record.recipient.adcode or record.recipient.name)
    if name == "funds":  # 各/分别: one amount, one quote, one record per named recipient or donor
        return (round(record.amount_yuan, 2), record.kind, record.amount_text, record.recipient, record.donor) + ev
    return (record.category, record.description) + ev


def duplicates(result: Result) -> Iterator[Check]:
    for name in ("pairings", "funds"):
        seen: dict[tuple, int] = {}
        for i, record in enumerate(getattr(result, name)):
            key = record_key(name, record)
            if key in seen:
                yield _warning("duplicate_record", f"{name}[{i}]", f"the same record as {name}[{seen[key]}]")
            seen.setdefault(key, i)


def not_assistance(result: Result) -> Iterator[Check]:
    """A region's own budget, output, trade, revenue or income figure is not a fund unless the clause that
    states it ties it to a helper or recipient (own_money.py)."""
    text = result.article.text
    helpers = {p.helper.name for p in result.pairings if p.helper.level is not Level.other}
    recipients = {p.recipient.name for p in result.pairings}
    for i, fund in enumerate(result.funds):
        quote, ev = fund.evidence.text, fund.evidence
        at = quote.find(fund.amount_text) if fund.amount_text else -1
        if at < 0:
            continue  # evidence_value reports it
        if 0 <= ev.start and text[ev.start:ev.end] == quote:  # read in the article: a short quote loses its clause
            quote, at = text, ev.start + at
        word = own_money(clause_around(quote, at, at + len(fund.amount_text)), helpers, recipients)
        if word:
            yield _error("not_assistance", f"funds[{i}]",
                         f"{fund.amount_text!r} is a {word} figure tied to no helper or recipient, not assistance: "
                         "remove the record")


RULES: list[Rule] = [
    evidence_offsets, evidence_holds_value, amount_grounded, regions_in_text, helper_not_recipient,
    pairing_direction, years_plausible, percentages, sub_allocations, fund_measures, duplicates, not_assistance,
]


def run_checks(result: Result) -> list[Check]:
    findings: list[Check] = []
    for rule in RULES:
        findings.extend(rule(result))
    return findings


def record_errors(findings: list[Check]) -> dict[str, list[Check]]:
    """Error findings grouped by the record they point at ('funds[2]')."""
    grouped: dict[str, list[Check]] = {}
    for check in findings:
        if check.severity is Severity.error and check.path.split(".")[0].endswith("]"):
            grouped.setdefault(check.path.split(".")[0], []).append(check)
    return grouped


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


METADATA_FIELDS = ("title", "published", "outlet")


def metadata_findings(title: str | None, published: str | None, published_quote: str | None,
                      outlet: str | None, page: str, known: frozenset[str] | set[str] = frozenset()) -> dict[str, list[str]]:
    """What is wrong with metadata a model read from `page` (the cleaned text plus the page's header lines),
    by field. Fields in `known` were stated by the tool as facts: the model's value for them is not used,
    so it is not checked (a date quoted from the request's own header line is not a page quote).

    The title must be on the page verbatim; a date must be derivable from a quote on the page (the
    same year, month and day written in it); the outlet must be named on the page.
    """
    found: dict[str, list[str]] = {}
    if title and "title" not in known and title not in page:
        found["title"] = [f"metadata.title {title!r} is not on the page verbatim: copy the headline character for "
                          "character from the article's first line or the page lines, or set title to null"]
    if published and "published" not in known:
        m = ISO_DATE.match(published)
        if not m:
            found["published"] = [f"metadata.published {published!r} is not an ISO date: write it as YYYY-MM-DD, "
                                  "or set it to null"]
        elif not published_quote:
            found["published"] = [f"metadata.published {published!r} needs published_quote: copy the page text that "
                                  "states the date (e.g. a byline '2020-07-13 来源：…'), or set published to null"]
        elif published_quote not in page:
            found["published"] = [f"metadata.published_quote {published_quote!r} is not on the page: copy it character "
                                  "for character from the article or the page lines outside it, or set published "
                                  "and published_quote to null"]
        else:
            year, month, day = (int(g) for g in m.groups())
            digits = [int(n) for n in re.findall(r"\d+", published_quote)]
            compact = f"{year:04d}{month:02d}{day:02d}" in published_quote
            written_year = year in digits or (year % 100 in digits and not re.search(r"\d{4}", published_quote))  # 23-07-11
            if not compact and not (written_year and month in digits and day in digits):
                found["published"] = [f"metadata.published {published!r} cannot be read from {published_quote!r}: "
                                      "give the date the quote states, or set published to null"]
    if outlet and "outlet" not in known and outlet not in page:
        found["outlet"] = [f"metadata.outlet {outlet!r} is not named on the page: copy the outlet as the page writes "
                           "it (after 来源, in a credit or a dateline), or set outlet to null"]
    return found


def metadata_problems(title: str | None, published: str | None, published_quote: str | None,
                      outlet: str | None, page: str, known: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """metadata_findings as one list of messages."""
    return [message for messages in metadata_findings(title, published, published_quote, outlet, page,
                                                      known).values() for message in messages]
