"""The verify step: ground a backend's records in the article, merge duplicates, run the rule checks,
keep out what contradicts the text. The pipeline and the LLM backend's validation both use it, so
the records a model is re-asked about are judged exactly as the final ones are.
"""
from __future__ import annotations

from .backends.base import Extraction
from .checks import describe_record, record_errors, record_key, run_checks
from .ground import ground
from .regions import standard_adcode
from .schemas import Article, Check, Provenance, Result, Severity


def grounded_result(article: Article, extraction: Extraction, provenance: Provenance | None = None) -> Result:
    """Align the records' quotes to the text and resolve their regions (no checks yet)."""
    extraction = ground(extraction, article.text)
    return Result(article=article, summary=extraction.summary, pairings=extraction.pairings,
                  funds=extraction.funds, measures=extraction.measures,
                  provenance=provenance or Provenance(backend="draft"))


def verify(article: Article, extraction: Extraction, cleaning_checks: list[Check], provenance: Provenance) -> Result:
    """Ground the records, merge duplicates, run the rule checks, keep out what contradicts the article."""
    draft = grounded_result(article, extraction, provenance)
    merged = merge_duplicates(draft)
    findings = run_checks(draft)
    dropped = drop_contradicted(draft, findings)
    final_checks = run_checks(draft) if dropped else findings  # indexes moved only if records went
    draft.checks = cleaning_checks + extraction.checks + merged + dropped + final_checks
    for pairing in draft.pairings:  # the contract's 6/9-digit form; extraction works with the table's keys
        for region in (pairing.helper, pairing.recipient):
            region.adcode = standard_adcode(region.adcode)
    if not (draft.pairings or draft.funds or draft.measures):
        draft.checks.append(Check(rule="no_records", severity=Severity.info, path="(records)",
                                  message="no pairing, fund or measure found: the article may not be about "
                                          "pairing assistance"))
    return draft


def merge_duplicates(result: Result) -> list[Check]:
    """The same record twice (overlapping chunks, a model repeating itself) is kept once."""
    merged = 0
    for name in ("pairings", "funds", "measures"):
        first_index: dict[tuple, int] = {}
        keep, new_index = [], {}
        for i, record in enumerate(getattr(result, name)):
            key = record_key(name, record)
            if key in first_index:
                new_index[i] = first_index[key]
                merged += 1
                continue
            first_index[key] = new_index[i] = len(keep)
            keep.append(record)
        setattr(result, name, keep)
        if name == "funds":
            for fund in keep:
                if fund.part_of is not None:
                    fund.part_of = new_index.get(fund.part_of)
    if not merged:
        return []
    return [Check(rule="duplicates_merged", severity=Severity.info, path="(records)",
                  message=f"merged {merged} duplicate record(s)")]


def drop_contradicted(result: Result, findings: list[Check] | None = None) -> list[Check]:
    """Remove records with error findings; each removal is reported, nothing vanishes silently."""
    errors = record_errors(run_checks(result) if findings is None else findings)
    if not errors:
        return []
    reports: list[Check] = []
    for name in ("pairings", "funds", "measures"):
        records = getattr(result, name)
        keep = []
        for i, record in enumerate(records):
            findings = errors.get(f"{name}[{i}]")
            if findings:
                reasons = "; ".join(f"{c.rule}: {c.message}" for c in findings)
                reports.append(Check(rule="record_dropped", severity=Severity.error, path=f"{name}[{i}]",
                                     message=f"dropped {describe_record(name, record)} — {reasons}"))
            else:
                keep.append(record)
        setattr(result, name, keep)
    # Dropping a total re-points its parts' part_of indexes: rebuild them.
    _reindex_parts(result, errors)
    return reports


def _reindex_parts(result: Result, errors: dict) -> None:
    if not any(f.part_of is not None for f in result.funds):
        return
    # Original indexes of the kept funds, in order.
    total = len(result.funds) + sum(1 for k in errors if k.startswith("funds["))
    kept_original = [i for i in range(total) if f"funds[{i}]" not in errors]
    new_index = {old: new for new, old in enumerate(kept_original)}
    for fund in result.funds:
        if fund.part_of is not None:
            fund.part_of = new_index.get(fund.part_of)
