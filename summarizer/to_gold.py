"""Reviewed results as gold files in the ../shared/gold format, so a team's reviewed sample is its own eval set.

Every record that survived review becomes a required gold entry with exactly its values (names,
amount, kind, category), so `eval` of the gold against the same reviewed results scores 1.00; a
later run of the tool is then measured against what the analyst signed off.
"""
from __future__ import annotations

import json
from pathlib import Path

from .schemas import AID_KINDS, Result

FUND_V2_FIELDS = ("status", "cumulative", "per_unit")  # carried when the results have them (schema v2)


def gold_name(result: Result) -> str:
    """The gold's file stem: the article's file stem (how eval matches), or its id for stdin."""
    return Path(result.article.source).stem if result.article.source != "-" else result.article.id[:16]


def in_headline(results: list[Result]) -> set[tuple[str, int]] | None:
    """(source, fund index) of every fund a report over these results adds into its headline aid; None when the
    report knows no headline (schema v1)."""
    from .report import build_report, shown_source

    data = build_report(results)
    if not hasattr(data, "headline"):
        return None
    return {(data.articles[entry.refs[0].article].source, int(entry.refs[0].record[6:-1]))
            for entry in data.ledger if entry.is_aid}


def to_gold(result: Result, headline: set[tuple[str, int]] | None = None) -> dict:
    """`headline`: from in_headline over the same reviewed results. An aid amount the report does not add
    (a part of a counted total, the same money twice, a record failing a check, an article naming no helper)
    is marked in_other_total, so the gold's comparable aid is the report's headline aid."""
    from .report import shown_source

    article = result.article
    funds = []
    for i, fund in enumerate(result.funds):
        entry: dict = {"amount_yuan": fund.amount_yuan, "kind": [fund.kind.value]}
        for name in FUND_V2_FIELDS:
            value = getattr(fund, name, None)
            if value is not None:
                value = getattr(value, "value", value)
                entry[name] = [value] if name == "status" else value
        comparable = (fund.kind.value in AID_KINDS and entry.get("status", ["paid"]) == ["paid"]
                      and not entry.get("cumulative") and not entry.get("per_unit"))
        if headline is not None and comparable and (shown_source(article.source), i) not in headline:
            entry["in_other_total"] = True
        entry["note"] = fund.evidence.text
        funds.append(entry)
    source_name = Path(article.source).name if article.source != "-" else f"{gold_name(result)}.txt"
    return {
        "article": source_name,
        "title": article.title,
        "published": article.published,
        "outlet": [article.outlet] if article.outlet else [],
        "original_script": article.original_script.value,
        "pairings": [{"helper": [p.helper.name], "recipient": [p.recipient.name], "relation": p.relation.value,
                      "note": p.evidence.text} for p in result.pairings],
        "optional_pairings": [],
        "funds": funds,
        "optional_funds": [],
        "measures": {"required": sorted({m.category.value for m in result.measures}), "optional": []},
        "indicators": [{"value": i.value, "unit": i.unit} for m in result.measures for i in m.indicators],
        "reviewed": True,
    }


def write_gold(results: list[Result], folder: Path) -> tuple[list[Path], list[str]]:
    """One gold file per result (named by the article's stem); the files written, and the sources left out
    because an earlier article has the same stem (eval could not tell them apart either)."""
    folder.mkdir(parents=True, exist_ok=True)
    headline = in_headline(results) if results else None
    written: list[Path] = []
    skipped: list[str] = []
    used: set[str] = set()
    for result in results:
        stem = gold_name(result)
        if stem in used:
            skipped.append(result.article.source)
            continue
        used.add(stem)
        path = folder / f"{stem}.json"
        path.write_text(json.dumps(to_gold(result, headline), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written, skipped
