"""Best of a model's attempts: a re-ask can only add or correct records, never take good ones away.

Each answer the model gives for one request (the first and every re-ask's) is checked as it arrives
and kept as an Attempt. The records kept at the end are every record that passed the checks in some
attempt, a later passing version of the same record replacing an earlier one; a re-ask that leaves a
record out, answers worse, or answers nothing usable takes nothing away. Records that never passed are
taken from the last attempt, so the pipeline reports them as dropped instead of losing them silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..checks import describe_record
from ..schemas import Check, Severity
from .base import Extraction

RECORDS = ("pairings", "funds", "measures")
METADATA = ("title", "published", "outlet")


@dataclass
class Attempt:
    """One answer, grounded and checked: its records, which of them had errors, its metadata."""
    pairings: list
    funds: list
    measures: list
    summary: str
    errors: set[str]  # record paths with an error finding: "funds[2]"
    metadata: dict[str, str | None] = field(default_factory=dict)  # fields without a finding only
    answer: str = ""  # the parsed answer, canonical: two equal answers mean the re-ask changed nothing


def identity(name: str, record) -> tuple:
    """Which record of another attempt this one is a version of (looser than checks.record_key: a
    corrected kind, year or donor is the same record corrected)."""
    ev = record.evidence
    where = (ev.start, ev.end) if ev.start >= 0 else (ev.text,)
    if name == "pairings":
        return (record.helper.name, record.recipient.name)
    if name == "funds":
        return (record.amount_text,) + where
    return (record.category,) + where


def identities(name: str, records: list) -> list[tuple]:
    """identity() of each record, with how many records before it in the same answer share it: 各捐赠5万元
    to two villages is two records with one amount and one quote, and stays two."""
    seen: dict[tuple, int] = {}
    keys = []
    for record in records:
        key = identity(name, record)
        keys.append(key + (seen.get(key, 0),))
        seen[key] = seen.get(key, 0) + 1
    return keys


def no_progress(attempts: list[Attempt]) -> bool:
    """The last answer is the one before it again: asking once more will not help."""
    return len(attempts) >= 2 and attempts[-1].answer == attempts[-2].answer


def best_of(attempts: list[Attempt]) -> Extraction:
    """One extraction from all the attempts (see the module's docstring)."""
    last = attempts[-1]
    merged = Extraction(summary=next((a.summary for a in reversed(attempts) if a.summary), ""))
    origin: dict[str, list[tuple[int, object]]] = {}
    for name in RECORDS:
        chosen: dict[tuple, tuple[int, int, object]] = {}
        for number, attempt in enumerate(attempts):
            records = getattr(attempt, name)
            for index, (key, record) in enumerate(zip(identities(name, records), records)):
                if f"{name}[{index}]" not in attempt.errors:
                    chosen[key] = (number, index, record)
        # What never passed, from the last answer: kept for the pipeline to drop and report.
        last_records = getattr(last, name)
        failed = [(len(attempts) - 1, index, record)
                  for index, (key, record) in enumerate(zip(identities(name, last_records), last_records))
                  if f"{name}[{index}]" in last.errors and key not in chosen]
        kept = list(chosen.values()) + failed
        if name == "funds":
            _repoint_parts(kept, attempts)
        setattr(merged, name, [record for _, _, record in kept])
        origin[name] = [(number, record) for number, _, record in kept]
    fields = {}
    for key in METADATA:
        fields[key] = next((a.metadata.get(key) for a in reversed(attempts) if a.metadata.get(key)), None)
    merged.metadata = fields if any(fields.values()) else None
    if len(attempts) > 1:
        merged.checks.append(_origin_check(origin, len(attempts)))
    return merged


def _repoint_parts(kept: list[tuple[int, int, object]], attempts: list[Attempt]) -> None:
    """part_of pointed into its own attempt's list: point it at the same total among the kept funds."""
    position = {(number, index): at for at, (number, index, _) in enumerate(kept)}
    keys = {number: identities("funds", attempt.funds) for number, attempt in enumerate(attempts)}
    by_identity = {keys[number][index]: at for at, (number, index, _) in enumerate(kept)}
    for number, _, fund in kept:
        if fund.part_of is None:
            continue
        target = position.get((number, fund.part_of))
        if target is None and 0 <= fund.part_of < len(keys[number]):
            target = by_identity.get(keys[number][fund.part_of])
        fund.part_of = target


def _origin_check(origin: dict[str, list[tuple[int, object]]], count: int) -> Check:
    """Which answer the records came from, when the last answer is not the whole story."""
    parts = []
    for number in range(count):
        described = [describe_record(name, record) for name in RECORDS for n, record in origin[name] if n == number]
        if described and number < count - 1:
            label = "the first answer" if number == 0 else f"re-ask {number}"
            parts.append(f"{len(described)} from {label} ({', '.join(described[:6])}{', …' if len(described) > 6 else ''})")
    message = f"best of {count} answers (a re-ask only adds or corrects records)"
    if parts:
        message += ": kept " + "; ".join(parts) + " that a later answer left out or did not repeat"
    return Check(rule="reask_merged", severity=Severity.info, path="(records)", message=message)
