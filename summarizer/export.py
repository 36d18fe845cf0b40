"""Tidy tables for analysts: one row per record, as CSV files or one SQLite database.

`articles`, `pairings`, `funds`, `measures` and `indicators` share the key `article_id`; each record
keeps its number in the result (`pairings[2]` is pairing_index 2), so a row can be traced back
to the JSON and its quote found at `start:end` of the article's text. Funds also carry the
pairing the report attributes them to and whether the report's ledger merged them into an
earlier mention (`duplicate_of`), so the report's figures can be rebuilt from the tables alone.
"""
from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .regions import gazetteer
from .report import attribute, build_ledger, shown_sources, unique_articles
from .schemas import Evidence, Region, Result
from .verify import drop_contradicted

CSV_ENCODING = "utf-8-sig"  # a BOM, so spreadsheets read the Chinese as UTF-8


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # TEXT, INTEGER, REAL
    doc: str
    side: str | None = None  # the place's prefix for the seven columns of a place (helper, recipient…)


PLACE_COLUMNS = [
    ("name", "as the article writes it"),
    ("full_name", "full administrative name (甘肃省白银市靖远县)"),
    ("level", "province, city, county, township, village or other"),
    ("code", "division code as resolved (6 digits; 9 for a township), empty if unresolved"),
    ("adcode", "6-digit adcode: the unit's own, or for a township or village its county's"),
    ("province", "the province it lies in"),
    ("province_adcode", "6-digit adcode of that province (620000)"),
]


def _side(prefix: str) -> list[Column]:
    return [Column(f"{prefix}_{suffix}", "TEXT", doc, prefix) for suffix, doc in PLACE_COLUMNS]


EVIDENCE = [
    Column("quote", "TEXT", "verbatim quote from the article's cleaned text"),
    Column("start", "INTEGER", "offset of the quote in articles.text (code points)"),
    Column("end", "INTEGER", "end offset (exclusive)"),
]

TABLES: dict[str, list[Column]] = {
    "articles": [
        Column("article_id", "TEXT", "sha256 of the cleaned text (key of every table)"),
        Column("source", "TEXT", "file (relative to the working folder), URL, or - for stdin"),
        Column("title", "TEXT", "title, or empty"),
        Column("published", "TEXT", "publication date YYYY-MM-DD, or empty"),
        Column("outlet", "TEXT", "outlet (来源), or empty"),
        Column("original_script", "TEXT", "simplified or traditional"),
        Column("summary", "TEXT", "one to three Chinese sentences"),
        Column("pairings", "INTEGER", "number of pairing rows of this article"),
        Column("funds", "INTEGER", "number of fund rows"),
        Column("measures", "INTEGER", "number of measure rows"),
        Column("backend", "TEXT", "rules or openai"),
        Column("model", "TEXT", "LLM model, or empty"),
        Column("schema_version", "TEXT", "contract version of the result"),
        Column("text", "TEXT", "the cleaned text the offsets point into"),
    ],
    "pairings": [
        Column("article_id", "TEXT", "the article"),
        Column("pairing_index", "INTEGER", "record number in the result (pairings[N])"),
        *_side("helper"),
        *_side("recipient"),
        Column("relation", "TEXT", "east_west, counterpart_support, counterpart_assistance, twinning, designated, other"),
        *EVIDENCE,
    ],
    "funds": [
        Column("article_id", "TEXT", "the article"),
        Column("fund_index", "INTEGER", "record number in the result (funds[N])"),
        Column("amount_yuan", "REAL", "amount in yuan"),
        Column("amount_text", "TEXT", "the amount as written (5200万元)"),
        Column("approximate", "INTEGER", "1 for 余/近/约/超/多 amounts"),
        Column("kind", "TEXT", "fiscal, social, donation, investment, procurement, credit, returns, other"),
        Column("status", "TEXT", "paid, planned or agreed; empty in results of schema version 1"),
        Column("cumulative", "INTEGER", "1 for a running total over several years (累计); empty in version 1"),
        Column("per_unit", "INTEGER", "1 for an amount per person, household or item; empty in version 1"),
        Column("since", "INTEGER", "first year of a cumulative amount, or empty"),
        Column("year", "INTEGER", "year the money is for, or empty"),
        Column("donor", "TEXT", "donor as written, or empty"),
        Column("recipient", "TEXT", "recipient as written, or empty"),
        Column("purpose", "TEXT", "what it is for, or empty"),
        Column("part_of", "INTEGER", "fund_index of the total this is a part of, or empty"),
        *_side("pairing_helper"),
        *_side("pairing_recipient"),
        Column("counted", "INTEGER", "1 when the report adds it into its comparable totals (the headline aid is "
                                     "the counted fiscal, social and donation money of a pairing row)"),
        Column("not_added", "TEXT", "why the report does not add it (planned, agreed, cumulative, per unit, part "
                                    "of a counted total, a duplicate, no helper named, fails a check), or empty"),
        Column("duplicate_of", "TEXT", "article_id:fund_index of the mention the report kept for the same money, "
                                       "or empty"),
        *EVIDENCE,
    ],
    "measures": [
        Column("article_id", "TEXT", "the article"),
        Column("measure_index", "INTEGER", "record number in the result (measures[N])"),
        Column("category", "TEXT", "industry, employment, consumption, education, health, talent, infrastructure, "
                                   "social_security, finance, twinning, governance, environment, other"),
        Column("description", "TEXT", "concise Chinese description"),
        Column("indicators", "INTEGER", "number of indicator rows"),
        *EVIDENCE,
    ],
    "indicators": [
        Column("article_id", "TEXT", "the article"),
        Column("measure_index", "INTEGER", "the measure (measures.measure_index)"),
        Column("indicator_index", "INTEGER", "number within the measure"),
        Column("category", "TEXT", "the measure's category"),
        Column("name", "TEXT", "what is counted"),
        Column("value", "REAL", "the figure"),
        Column("unit", "TEXT", "its unit (人, 万元, %…), or empty"),
    ],
}
KEYS = {"articles": ("article_id",), "pairings": ("article_id", "pairing_index"), "funds": ("article_id", "fund_index"),
        "measures": ("article_id", "measure_index"), "indicators": ("article_id", "measure_index", "indicator_index")}
INDEXES = {"articles": ("published",),
           "pairings": ("helper_adcode", "recipient_adcode", "recipient_province_adcode", "relation"),
           "funds": ("kind", "year", "counted", "pairing_helper_adcode", "pairing_recipient_adcode",
                     "pairing_recipient_province_adcode"),
           "measures": ("category",), "indicators": ("category",)}


class ExportError(Exception):
    """The destination cannot be written (one line for the user)."""


def _six(code: str | None) -> str | None:
    if not code or not code.isdigit():
        return None
    return code[:6].ljust(6, "0")


def _place(prefix: str, name: str | None, full_name: str | None, level: str | None, code: str | None) -> dict:
    province = code[:2] if code and code.isdigit() and len(code) >= 2 else None
    unit = gazetteer().units.get(province) if province else None
    return {f"{prefix}_name": name, f"{prefix}_full_name": full_name, f"{prefix}_level": level,
            f"{prefix}_code": code, f"{prefix}_adcode": _six(code),
            f"{prefix}_province": unit.name if unit else None,
            f"{prefix}_province_adcode": _six(province) if unit else None}


def _region(prefix: str, region: Region | None) -> dict:
    if region is None:
        return _place(prefix, None, None, None, None)
    return _place(prefix, region.name, region.full_name, region.level.value if region.level else None, region.adcode)


def _attributed(prefix: str, place) -> dict:
    if place is None:
        return _place(prefix, None, None, None, None)
    return _place(prefix, place.name, place.full_name, place.level, place.adcode)


def _evidence(evidence: Evidence) -> dict:
    return {"quote": evidence.text, "start": evidence.start, "end": evidence.end}


def _measured(fund, version: str) -> dict:
    """What the amount measures (contract v2). A version-1 result never said: empty, not v2's defaults."""
    if version == "1":
        return {"status": None, "cumulative": None, "per_unit": None, "since": None}
    return {"status": fund.status.value, "cumulative": int(fund.cumulative), "per_unit": int(fund.per_unit),
            "since": fund.since}


@dataclass
class FundInReport:
    """How the report reads one fund record: the pairing it is attributed to and whether it is added."""

    helper: object = None  # report.Place
    recipient: object = None
    counted: bool = False
    not_added: str | None = None
    duplicate_of: str | None = None


def report_reading(results: list[Result]) -> dict[tuple[int, int], FundInReport]:
    """(article, fund index) -> what the report makes of it: the same check-dropping, attribution and
    ledger as `build_report`, so the tables add up to the report's figures."""
    reading: dict[tuple[int, int], FundInReport] = {}
    checked_results, kept = [], []
    for a, result in enumerate(results):
        copy = result.model_copy(deep=True)
        dropped = {c.path: c.message for c in drop_contradicted(copy)}
        kept.append([i for i in range(len(result.funds)) if f"funds[{i}]" not in dropped])
        for i in range(len(result.funds)):
            if f"funds[{i}]" in dropped:
                reading[(a, i)] = FundInReport(not_added=f"left out: {dropped[f'funds[{i}]']}")
        checked_results.append(copy)
    ledger, _ = build_ledger(checked_results)
    for entry in ledger:
        first = entry.refs[0]
        kept_id = f"{results[first.article].article.id}:{kept[first.article][_index(first.record)]}"
        for ref in entry.refs:
            a, j = ref.article, _index(ref.record)
            helper, recipient = attribute(checked_results[a], checked_results[a].funds[j])
            reading[(a, kept[a][j])] = FundInReport(
                helper, recipient, counted=entry.counted and ref is first,
                not_added=entry.not_added if ref is first else f"the same money as {kept_id}: not added again",
                duplicate_of=None if ref is first else kept_id)
    return reading


def _index(record: str) -> int:
    return int(record[record.index("[") + 1:-1])


def tables(results: list[Result]) -> dict[str, list[dict]]:
    """One row per record; the same article given twice is exported once."""
    results = unique_articles(results)
    reading = report_reading(results)
    sources = shown_sources([r.article.source for r in results])
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    for a, result in enumerate(results):
        art = result.article
        rows["articles"].append({
            "article_id": art.id, "source": sources[a], "title": art.title, "published": art.published,
            "outlet": art.outlet, "original_script": art.original_script.value, "summary": result.summary,
            "pairings": len(result.pairings), "funds": len(result.funds), "measures": len(result.measures),
            "backend": result.provenance.backend, "model": result.provenance.model,
            "schema_version": result.schema_version, "text": art.text})
        for i, p in enumerate(result.pairings):
            rows["pairings"].append({"article_id": art.id, "pairing_index": i, **_region("helper", p.helper),
                                     **_region("recipient", p.recipient), "relation": p.relation.value,
                                     **_evidence(p.evidence)})
        for i, f in enumerate(result.funds):
            read = reading.get((a, i), FundInReport())
            rows["funds"].append({
                "article_id": art.id, "fund_index": i, "amount_yuan": f.amount_yuan, "amount_text": f.amount_text,
                "approximate": int(f.approximate), "kind": f.kind.value, **_measured(f, result.schema_version),
                "year": f.year, "donor": f.donor, "recipient": f.recipient, "purpose": f.purpose, "part_of": f.part_of,
                **_attributed("pairing_helper", read.helper), **_attributed("pairing_recipient", read.recipient),
                "counted": int(read.counted), "not_added": read.not_added, "duplicate_of": read.duplicate_of,
                **_evidence(f.evidence)})
        for i, m in enumerate(result.measures):
            rows["measures"].append({"article_id": art.id, "measure_index": i, "category": m.category.value,
                                     "description": m.description, "indicators": len(m.indicators),
                                     **_evidence(m.evidence)})
            for j, ind in enumerate(m.indicators):
                rows["indicators"].append({"article_id": art.id, "measure_index": i, "indicator_index": j,
                                           "category": m.category.value, "name": ind.name, "value": ind.value,
                                           "unit": ind.unit})
    return rows


def _cell(value) -> object:
    return "" if value is None else value


def write_csv(rows: dict[str, list[dict]], folder: Path) -> list[Path]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc
    written = []
    for name, columns in TABLES.items():
        path = folder / f"{name}.csv"
        try:
            with open(path, "w", encoding=CSV_ENCODING, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.name for c in columns])
                writer.writerows([_cell(row[c.name]) for c in columns] for row in rows[name])
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        written.append(path)
    return written


def _ddl(name: str, columns: list[Column]) -> str:
    body = [f'"{c.name}" {c.sql}' + (" NOT NULL" if c.name in KEYS[name] else "") for c in columns]
    body.append(f"PRIMARY KEY ({', '.join(KEYS[name])})")
    if name == "indicators":
        body.append("FOREIGN KEY (article_id, measure_index) REFERENCES measures (article_id, measure_index)")
    elif name != "articles":
        body.append("FOREIGN KEY (article_id) REFERENCES articles (article_id)")
    return f"CREATE TABLE {name} (\n  " + ",\n  ".join(body) + "\n)"


def write_sqlite(rows: dict[str, list[dict]], path: Path) -> Path:
    """A new database (an existing file is replaced): the tables with their keys and indexes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        db = sqlite3.connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise ExportError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        with db:
            db.execute("PRAGMA foreign_keys = ON")
            for name, columns in TABLES.items():
                db.execute(_ddl(name, columns))
                for column in INDEXES[name]:
                    db.execute(f'CREATE INDEX {name}_{column} ON {name} ("{column}")')
                marks = ", ".join("?" * len(columns))
                db.executemany(f"INSERT INTO {name} VALUES ({marks})",
                               [[row[c.name] for c in columns] for row in rows[name]])
    except sqlite3.Error as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc
    finally:
        db.close()
    return path


def is_database(path: Path) -> bool:
    return path.suffix.lower() in (".sqlite", ".sqlite3", ".db")


SIDES = {"helper": "the helper", "recipient": "the recipient",
         "pairing_helper": "the helper of the pairing the report attributes the fund to (empty if none)",
         "pairing_recipient": "the recipient of that pairing (empty if the article does not make it clear)"}


def columns_markdown() -> str:
    """The README's column reference, generated so it cannot drift from the code."""
    lines = ["A place is seven columns, `PREFIX_` + " + "; ".join(f"`{suffix}` {doc}" for suffix, doc in PLACE_COLUMNS)
             + ".", ""]
    for name, columns in TABLES.items():
        shown = []
        for c in columns:
            if c.side is None:
                shown.append(f"`{c.name}` {c.doc}")
            elif c.name.endswith("_name") and c.name == f"{c.side}_name":
                shown.append(f"`{c.side}_*` {SIDES[c.side]}")
        lines.append(f"- **{name}** (key {', '.join(KEYS[name])}): " + "; ".join(shown) + ".")
    return "\n".join(lines)
