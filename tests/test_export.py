"""`summarizer export`: tidy tables as CSV (UTF-8 with BOM) and as one SQLite database."""
import csv
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.export import KEYS, TABLES, columns_markdown

runner = CliRunner()
JINGYUAN = "620421"


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "seeds.jsonl"
    assert runner.invoke(app, ["summarize", "seeds/", "--jsonl", "--out", str(path)]).exit_code == 0
    return path


def expected_counts(path) -> dict[str, int]:
    results = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {"articles": len(results), "pairings": sum(len(r["pairings"]) for r in results),
            "funds": sum(len(r["funds"]) for r in results), "measures": sum(len(r["measures"]) for r in results),
            "indicators": sum(len(m["indicators"]) for r in results for m in r["measures"])}


def check_rows(tables: dict[str, list[dict]], counts: dict[str, int]) -> None:
    assert {name: len(rows) for name, rows in tables.items()} == counts
    [article] = [r for r in tables["articles"] if r["source"].endswith("002_c52947674760a02e.txt")]
    assert article["title"] and str(article["published"]) == "2020-07-13" and str(article["schema_version"]) == "2"
    [pairing] = [r for r in tables["pairings"] if r["article_id"] == article["article_id"]]
    assert (pairing["helper_name"], pairing["helper_adcode"], pairing["helper_province"]) == ("和平区", "120101", "天津市")
    assert (pairing["recipient_full_name"], pairing["recipient_adcode"], pairing["recipient_province_adcode"]) == (
        "甘肃省白银市靖远县", JINGYUAN, "620000")
    assert pairing["relation"] == "east_west" and int(pairing["end"]) > int(pairing["start"])
    fund = next(r for r in tables["funds"] if r["article_id"] == article["article_id"] and r["amount_text"] == "5200万元")
    assert float(fund["amount_yuan"]) == 52_000_000 and fund["kind"] == "fiscal" and int(fund["year"]) == 2020
    assert fund["pairing_recipient_adcode"] == JINGYUAN and fund["quote"].count("5200万元") == 1
    assert fund["status"] == "paid" and int(fund["cumulative"]) == 0 and int(fund["per_unit"]) == 0
    assert int(fund["counted"]) == 1 and fund["not_added"] in ("", None)
    text = article["text"]
    assert text[int(fund["start"]):int(fund["end"])] == fund["quote"]
    measure = next(r for r in tables["measures"] if r["article_id"] == article["article_id"])
    assert measure["category"] and measure["quote"] == text[int(measure["start"]):int(measure["end"])]
    indicator = next(r for r in tables["indicators"] if r["article_id"] == article["article_id"])
    owner = next(r for r in tables["measures"] if r["article_id"] == indicator["article_id"]
                 and int(r["measure_index"]) == int(indicator["measure_index"]))
    assert indicator["category"] == owner["category"] and float(indicator["value"]) and indicator["name"]


def test_csv_tables_load_with_the_csv_module(seed_results, tmp_path):
    done = runner.invoke(app, ["export", str(seed_results), "--to", str(tmp_path / "tables")])
    assert done.exit_code == 0, done.stderr
    tables = {}
    for name, columns in TABLES.items():
        raw = (tmp_path / "tables" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: a spreadsheet reads it as UTF-8
        with open(tmp_path / "tables" / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == [c.name for c in columns]
            tables[name] = list(reader)
    check_rows(tables, expected_counts(seed_results))


def test_sqlite_tables_have_keys_and_indexes(seed_results, tmp_path):
    db_path = tmp_path / "out" / "tables.sqlite"
    done = runner.invoke(app, ["export", str(seed_results), "--to", str(db_path)])
    assert done.exit_code == 0, done.stderr
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    tables = {name: [dict(r) for r in db.execute(f"SELECT * FROM {name}")] for name in TABLES}
    check_rows(tables, expected_counts(seed_results))
    for name in TABLES:
        keys = [r["name"] for r in sorted(db.execute(f"PRAGMA table_info({name})"), key=lambda r: r["pk"]) if r["pk"]]
        assert tuple(keys) == KEYS[name]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    indexes = {r["name"] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"funds_kind", "pairings_recipient_adcode", "funds_pairing_recipient_province_adcode"} <= indexes
    assert tuple(db.execute("SELECT typeof(amount_yuan), typeof(year) FROM funds WHERE year IS NOT NULL").fetchone()) == (
        "real", "integer")
    again = runner.invoke(app, ["export", str(seed_results), "--to", str(db_path)])  # replaced, not appended to
    assert again.exit_code == 0 and sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_the_same_article_twice_is_exported_once_and_a_merged_duplicate_names_its_kept_twin(seed_results, tmp_path):
    done = runner.invoke(app, ["export", str(seed_results), str(seed_results), "--to", str(tmp_path / "t.db")])
    assert done.exit_code == 0
    db = sqlite3.connect(tmp_path / "t.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    kept = db.execute("SELECT article_id || ':' || fund_index FROM funds WHERE duplicate_of IS NULL").fetchall()
    for (twin,) in db.execute("SELECT duplicate_of FROM funds WHERE duplicate_of IS NOT NULL"):
        assert (twin,) in kept


def test_bad_destinations_and_inputs_are_one_line(seed_results, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    refused = runner.invoke(app, ["export", str(seed_results), "--to", str(a_file)])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    nothing = runner.invoke(app, ["export", str(tmp_path / "missing.jsonl"), "--to", str(tmp_path / "t")])
    assert nothing.exit_code != 0 and "Traceback" not in nothing.stderr


def test_readme_documents_every_column():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert columns_markdown() in readme


def test_a_version_1_result_exports_what_the_amount_measures_as_empty(seed_results, tmp_path):
    lines = seed_results.read_text(encoding="utf-8").splitlines()
    old = [json.loads(line) for line in lines]
    for result in old:
        result["schema_version"] = "1"
        for fund in result["funds"]:
            for field in ("status", "cumulative", "since", "per_unit"):
                fund.pop(field, None)
    path = tmp_path / "v1.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in old), encoding="utf-8")
    assert runner.invoke(app, ["export", str(path), "--to", str(tmp_path / "v1.db")]).exit_code == 0
    db = sqlite3.connect(tmp_path / "v1.db")
    assert db.execute("SELECT count(*), count(status), count(cumulative), count(per_unit), count(since) "
                      "FROM funds").fetchone() == (20, 0, 0, 0, 0)


# --- the analyst's notebook: the report's headline per recipient province, from the tables alone -----------

AID = ("fiscal", "social", "donation")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Seeds and dev-set results, exported both ways, and the report's own JSON at province level."""
    folder = tmp_path_factory.mktemp("notebook")
    results = folder / "results.jsonl"
    assert runner.invoke(app, ["summarize", "seeds/", "devset/articles/", "--jsonl", "--out", str(results)]).exit_code == 0
    assert runner.invoke(app, ["export", str(results), "--to", str(folder / "csv")]).exit_code == 0
    assert runner.invoke(app, ["export", str(results), "--to", str(folder / "aid.sqlite")]).exit_code == 0
    report = runner.invoke(app, ["report", str(results), "--level", "province", "--format", "json"])
    assert report.exit_code == 0, report.stderr
    return folder, json.loads(report.stdout)


def report_headline(report) -> dict[str, float]:
    """The report's aid (fiscal + social + donation) per recipient province row; its rows key provinces by adcode."""
    return {g["key"]: g["aid_yuan"] for g in report["views"]["recipient"] if g["aid_yuan"] and g["key"].isdigit()}


def test_notebook_reproduces_the_headline_per_recipient_province_from_the_csv_files(corpus):
    folder, report = corpus
    with open(folder / "csv" / "funds.csv", encoding="utf-8-sig", newline="") as handle:
        funds = list(csv.DictReader(handle))
    per_province: dict[str, float] = {}
    for f in funds:
        if f["counted"] == "1" and f["kind"] in AID and f["pairing_helper_name"] and f["pairing_recipient_province_adcode"]:
            key = f["pairing_recipient_province_adcode"]
            per_province[key] = per_province.get(key, 0.0) + float(f["amount_yuan"])
    expected = report_headline(report)
    assert len(expected) >= 5
    assert per_province.keys() == expected.keys()
    assert all(per_province[k] == pytest.approx(v) for k, v in expected.items())
    headline = report["headline"]
    counted_aid = [f for f in funds if f["counted"] == "1" and f["kind"] in AID]
    assert sum(float(f["amount_yuan"]) for f in counted_aid) == pytest.approx(headline["aid_yuan"])
    for kind, value in headline["aid_by_kind"].items():
        assert sum(float(f["amount_yuan"]) for f in counted_aid if f["kind"] == kind) == pytest.approx(value)


def test_notebook_reproduces_the_headline_per_recipient_province_in_sql(corpus):
    folder, report = corpus
    db = sqlite3.connect(folder / "aid.sqlite")
    rows = db.execute("""
        SELECT pairing_recipient_province_adcode, sum(amount_yuan) FROM funds
        WHERE counted = 1 AND kind IN ('fiscal', 'social', 'donation') AND pairing_helper_name IS NOT NULL
          AND pairing_recipient_province_adcode IS NOT NULL
        GROUP BY 1""").fetchall()
    expected = report_headline(report)
    assert {k: pytest.approx(v) for k, v in rows} == expected


def test_counted_follows_the_headline_rule_on_the_records_own_fields(corpus):
    """Paid, one year's, not per unit, not a duplicate, not a part whose total is counted on its side of the
    aid line: what `counted` says, checked against the fields an analyst can filter on."""
    folder, _ = corpus
    db = sqlite3.connect(folder / "aid.sqlite")
    db.row_factory = sqlite3.Row
    funds = {(r["article_id"], r["fund_index"]): r for r in db.execute("SELECT * FROM funds")}
    assert any(r["status"] != "paid" for r in funds.values()) and any(r["cumulative"] for r in funds.values())
    for (article, _), f in funds.items():
        if f["counted"]:
            assert (f["status"], f["cumulative"], f["per_unit"], f["duplicate_of"]) == ("paid", 0, 0, None)
            total = funds.get((article, f["part_of"])) if f["part_of"] is not None else None
            assert not (total and total["counted"] and (total["kind"] in AID) == (f["kind"] in AID))
        elif f["status"] == "paid" and not f["cumulative"] and not f["per_unit"] and f["duplicate_of"] is None:
            assert f["not_added"]  # left out for another reason, which is said


def test_corrections_beside_the_results_are_applied_as_report_applies_them(seed_results, tmp_path):
    from summarizer.corrections import review_key
    from summarizer.results_io import load_results

    folder = tmp_path / "run"
    folder.mkdir()
    results = folder / "results.jsonl"
    results.write_text(seed_results.read_text(encoding="utf-8"), encoding="utf-8")
    [result] = [r.result for r in load_results(results) if r.result.article.source.endswith("002_c52947674760a02e.txt")]
    rejected = result.funds[0]
    (folder / "corrections.jsonl").write_text(json.dumps(
        {"article": result.article.id, "record": review_key("funds", rejected), "action": "reject",
         "time": "2026-12-01T00:00:00Z"}) + "\n", encoding="utf-8")
    done = runner.invoke(app, ["export", str(results), "--to", str(tmp_path / "t.db")])
    assert done.exit_code == 0, done.stderr
    db = sqlite3.connect(tmp_path / "t.db")
    texts = [t for (t,) in db.execute("SELECT amount_text FROM funds WHERE article_id = ?", (result.article.id,))]
    assert len(texts) == len(result.funds) - 1 and rejected.amount_text not in texts
