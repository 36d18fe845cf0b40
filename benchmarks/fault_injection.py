"""Fault-injection benchmark for the rule checks (run by hand: python benchmarks/fault_injection.py).

Takes correct results for the seed articles (the offline backend's output, which passes
every check), injects one fault at a time into copies, re-runs the checks, and prints per
fault type how often the faulty record was flagged (error or warning at its path), plus
the false-alarm rate on the untouched records. Goal: >= 95 % detected, <= 5 % false alarms.
"""
from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.backends.rules import RulesBackend  # noqa: E402
from summarizer.checks import run_checks  # noqa: E402
from summarizer.pipeline import Pipeline  # noqa: E402
from summarizer.results_io import load_result  # noqa: E402
from summarizer.schemas import Evidence, Indicator, Region, Result, Severity  # noqa: E402

Fault = Callable[[Result, int], str | None]  # mutate record i of a copy; return the path to look at, or None


def _fund(fn):
    fn.records = "funds"
    return fn


def _pairing(fn):
    fn.records = "pairings"
    return fn


def _measure(fn):
    fn.records = "measures"
    return fn


@_fund
def scale_by_10(r: Result, i: int):
    r.funds[i].amount_yuan *= 10
    return f"funds[{i}]"


@_fund
def scale_by_1e4(r: Result, i: int):
    r.funds[i].amount_yuan *= 1e4
    return f"funds[{i}]"


@_fund
def divide_by_1e4(r: Result, i: int):
    r.funds[i].amount_yuan /= 1e4
    return f"funds[{i}]"


@_fund
def amount_not_in_text(r: Result, i: int):
    r.funds[i].amount_text = "98765万元"
    r.funds[i].amount_yuan = 987_650_000
    return f"funds[{i}]"


@_fund
def count_as_money(r: Result, i: int):
    m = re.search(r"(\d+(?:\.\d+)?万?)(?=[人头亩尾只户名])", r.article.text)
    if not m:
        return None
    fund = r.funds[i]
    fund.amount_text = m.group(1)
    fund.amount_yuan = float(m.group(1).rstrip("万")) * (10_000 if m.group(1).endswith("万") else 1)
    s = max(0, m.start() - 10)
    fund.evidence = Evidence(text=r.article.text[s:m.end() + 2], start=s, end=m.end() + 2)
    return f"funds[{i}]"


@_fund
def negative_amount(r: Result, i: int):
    r.funds[i].amount_yuan = -r.funds[i].amount_yuan
    return f"funds[{i}]"


@_fund
def year_1890(r: Result, i: int):
    r.funds[i].year = 1890
    return f"funds[{i}]"


@_fund
def year_far_future(r: Result, i: int):
    r.funds[i].year = int((r.article.published or "2020")[:4]) + 30
    return f"funds[{i}]"


@_fund
def duplicate_fund(r: Result, i: int):
    r.funds.append(r.funds[i].model_copy(deep=True))
    return f"funds[{len(r.funds) - 1}]"


@_fund
def unknown_kind(r: Result, i: int):
    return f"funds[{i}].kind"  # applied to the JSON, see run()


@_fund
def parts_exceed_total(r: Result, i: int):
    others = [j for j in range(len(r.funds)) if j != i]
    if len(others) < 2:
        return None
    bigger = sorted(others, key=lambda j: -r.funds[j].amount_yuan)[:2]
    if sum(r.funds[j].amount_yuan for j in bigger) <= r.funds[i].amount_yuan * 1.01:
        return None
    for j in bigger:
        r.funds[j].part_of = i
    return f"funds[{i}]"


def _shift(r: Result, name: str, i: int, delta: int) -> str:
    record = getattr(r, name)[i]
    ev = record.evidence
    record.evidence = ev.model_copy(update={"start": ev.start + delta, "end": ev.end + delta})
    return f"{name}[{i}]"


@_fund
def fund_evidence_shifted(r: Result, i: int):
    return _shift(r, "funds", i, 3)


@_pairing
def pairing_evidence_shifted(r: Result, i: int):
    return _shift(r, "pairings", i, -2)


@_measure
def measure_evidence_shifted(r: Result, i: int):
    return _shift(r, "measures", i, 5)


@_measure
def evidence_out_of_range(r: Result, i: int):
    return _shift(r, "measures", i, len(r.article.text))


@_fund
def evidence_without_the_amount(r: Result, i: int):
    fund = r.funds[i]
    other = next((m.evidence for m in r.measures if fund.amount_text not in m.evidence.text), None)
    if other is None:
        return None
    fund.evidence = other.model_copy()
    return f"funds[{i}]"


@_pairing
def swap_helper_recipient(r: Result, i: int):
    p = r.pairings[i]
    p.helper, p.recipient = p.recipient, p.helper
    return f"pairings[{i}]"


@_pairing
def region_not_in_text(r: Result, i: int):
    name = next(n for n in ("乌兰察布市", "和田县", "望谟县", "元阳县") if n not in r.article.text)
    r.pairings[i].recipient = Region(name=name)
    return f"pairings[{i}]"


@_pairing
def helper_is_recipient(r: Result, i: int):
    r.pairings[i].recipient = r.pairings[i].helper.model_copy()
    return f"pairings[{i}]"


@_measure
def percentage_over_100(r: Result, i: int):
    r.measures[i].indicators.append(Indicator(name="脱贫率", value=150, unit="%"))
    return f"measures[{i}].indicators[{len(r.measures[i].indicators) - 1}]"


FAULTS: list[Fault] = [
    scale_by_10, scale_by_1e4, divide_by_1e4, amount_not_in_text, count_as_money, negative_amount, year_1890,
    year_far_future, duplicate_fund, unknown_kind, parts_exceed_total, fund_evidence_shifted,
    pairing_evidence_shifted, measure_evidence_shifted, evidence_out_of_range, evidence_without_the_amount,
    swap_helper_recipient, region_not_in_text, helper_is_recipient, percentage_over_100,
]


def correct_results(paths: list[Path]) -> list[Result]:
    pipeline = Pipeline(RulesBackend())
    return [asyncio.run(pipeline.run_source(str(p))).result for p in paths]


def flagged(findings, path: str) -> bool:
    return any(c.severity is not Severity.info and (c.path == path or c.path.startswith(path + ".")
                                                      or c.path.startswith(path + "["))
               for c in findings)


def findings_for(result: Result, fault: Fault, path: str) -> list:
    if fault is unknown_kind:
        data = json.loads(result.model_dump_json())
        index = int(re.search(r"\[(\d+)\]", path).group(1))
        data["funds"][index]["kind"] = "gift"
        loaded = load_result("injected", data)
        return loaded.findings + (run_checks(loaded.result) if loaded.result else [])
    return run_checks(result)


def run(results: list[Result]) -> dict:
    per_fault: dict[str, list[int]] = {}
    for fault in FAULTS:
        hits = total = 0
        for result in results:
            for i in range(len(getattr(result, fault.records))):
                copy = result.model_copy(deep=True)
                path = fault(copy, i)
                if path is None:
                    continue
                total += 1
                hits += flagged(findings_for(copy, fault, path), path)
        per_fault[fault.__name__] = [hits, total]
    clean_records = alarms = 0
    for result in results:
        findings = run_checks(result)
        for name in ("pairings", "funds", "measures"):
            for i in range(len(getattr(result, name))):
                clean_records += 1
                alarms += flagged(findings, f"{name}[{i}]")
    hits = sum(h for h, _ in per_fault.values())
    total = sum(t for _, t in per_fault.values())
    return {"per_fault": per_fault, "detected": hits, "injected": total,
            "detection_rate": hits / total if total else 0.0,
            "clean_records": clean_records, "false_alarms": alarms,
            "false_alarm_rate": alarms / clean_records if clean_records else 0.0}


def main() -> None:
    results = correct_results(sorted((ROOT / "seeds").glob("*.txt")))
    report = run(results)
    width = max(len(name) for name in report["per_fault"])
    print(f"{'fault':<{width}}  detected / injected")
    for name, (hits, total) in report["per_fault"].items():
        rate = hits / total if total else float("nan")
        print(f"{name:<{width}}  {hits:>4} / {total:<4} {rate:6.1%}")
    print(f"\noverall detection: {report['detected']} / {report['injected']} = {report['detection_rate']:.1%}"
          f"   (goal >= 95%)")
    print(f"false alarms on correct records: {report['false_alarms']} / {report['clean_records']} = "
          f"{report['false_alarm_rate']:.1%}   (goal <= 5%)")


if __name__ == "__main__":
    main()
