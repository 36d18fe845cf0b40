"""Comparison reports: aggregation on hand-built results, and every format from the seeds."""
import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.report import build_report
from summarizer.report_render import VIEWS, as_csv, as_html, as_json, as_markdown, csv_rows
from summarizer.schemas import (
    Article, Category, Evidence, Fund, FundKind, Measure, Pairing, Provenance, Region, Relation, Result,
)

runner = CliRunner()


def region(name, adcode=None):
    return Region(name=name, adcode=adcode, full_name=None)


def make_result(source, pairs, funds, categories=(), published="2020-06-01"):
    text = "。".join([f"{h}帮扶{r}" for h, _, r, _ in pairs] + [f"投入{t}" for _, t, *_ in funds]) + "。"

    def ev(quote):
        start = text.index(quote)
        return Evidence(text=quote, start=start, end=start + len(quote))

    return Result(
        article=Article(id=source, source=source, title=source, published=published, text=text),
        pairings=[Pairing(helper=region(h, hc), recipient=region(r, rc), relation=Relation.east_west,
                          evidence=ev(f"{h}帮扶{r}")) for h, hc, r, rc in pairs],
        funds=[Fund(amount_yuan=y, amount_text=t, kind=k, year=yr, part_of=part, evidence=ev(f"投入{t}"))
               for y, t, k, yr, part in funds],
        measures=[Measure(category=c, description=c.value, evidence=ev(f"{pairs[0][0]}帮扶{pairs[0][2]}"))
                  for c in categories],
        provenance=Provenance(backend="test"),
    )


HEPING = ("和平区", "120101", "靖远县", "620421")


def test_same_money_in_two_articles_counts_once():
    a = make_result("a", [HEPING], [(52_000_000, "5200万元", FundKind.fiscal, 2020, None)])
    b = make_result("b", [HEPING], [(52_000_000, "5200万元", FundKind.fiscal, None, None),
                                    (52_130_000, "5213万元", FundKind.investment, 2020, None)])
    data = build_report([a, b])
    [row] = data.by_pairing
    assert row.funds_by_kind == {"fiscal": 52_000_000, "investment": 52_130_000}
    assert len(data.merges) == 1 and data.merges[0].merged.article == 1
    assert row.articles == {0, 1}


def test_different_years_are_different_money():
    a = make_result("a", [HEPING], [(52_000_000, "5200万元", FundKind.fiscal, 2019, None)])
    b = make_result("b", [HEPING], [(52_000_000, "5200万元", FundKind.fiscal, 2020, None)])
    assert build_report([a, b]).by_pairing[0].total_yuan == 104_000_000


def test_sub_allocations_are_not_added_to_their_total():
    r = make_result("a", [HEPING], [(5_162_000, "516.2万元", FundKind.fiscal, 2020, None),
                                    (3_864_000, "386.4万元", FundKind.fiscal, 2020, 0),
                                    (1_130_000, "113万元", FundKind.fiscal, 2020, 0)])
    data = build_report([r])
    assert data.by_pairing[0].total_yuan == 5_162_000
    assert [e.sub_allocation_of for e in data.ledger if not e.counted] == ["516.2万元", "516.2万元"]


def test_roll_up_to_province_and_city():
    a = make_result("a", [("和平区", "120101", "靖远县", "620421")], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)])
    b = make_result("b", [("河西区", "120103", "会宁县", "620422")], [(2_000_000, "200万元", FundKind.fiscal, 2020, None)])
    by_province = build_report([a, b], rollup="province")
    assert [(g.label, g.total_yuan) for g in by_province.by_recipient] == [("甘肃省", 3_000_000)]
    assert [(g.label, g.total_yuan) for g in by_province.by_helper] == [("天津市", 3_000_000)]
    by_city = build_report([a, b], rollup="city")
    assert [g.label for g in by_city.by_recipient] == ["白银市"]
    assert [g.label for g in by_city.by_helper] == ["天津市"]  # a municipality has no city level


def test_unknown_adcodes_group_by_name_and_say_so():
    r = make_result("a", [("某某集团", None, "某村", None)], [(10_000, "1万元", FundKind.donation, 2020, None)])
    data = build_report([r], rollup="province")
    assert data.by_pairing[0].label == "某某集团 (unresolved) → 某村 (unresolved)"
    assert data.by_pairing[0].total_yuan == 10_000


def test_compare_and_matrix():
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)],
                    categories=[Category.industry, Category.employment])
    b = make_result("b", [("南明区", "520102", "望谟县", "522326")], [(2_000_000, "200万元", FundKind.donation, 2019, None)],
                    categories=[Category.education])
    data = build_report([a, b], regions=["靖远县", "望谟县"])
    assert [(g.label, dict(g.funds_by_kind)) for g in data.compare] == [
        ("靖远县", {"fiscal": 1_000_000}), ("望谟县", {"donation": 2_000_000})]
    assert data.matrix == {"望谟县": {"education": 1}, "靖远县": {"industry": 1, "employment": 1}}


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory):
    path = tmp_path_factory.mktemp("r") / "seeds.jsonl"
    runner.invoke(app, ["summarize", "seeds/", "--jsonl", "--out", str(path)])
    return path


def test_every_format_from_seed_results(seed_results, tmp_path):
    for fmt in ("table", "md", "csv", "json", "html"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(app, ["report", str(seed_results), "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "和平区 → 靖远县" in out.read_text(encoding="utf-8"), fmt
    data = json.loads(runner.invoke(app, ["report", str(seed_results), "--format", "json"]).stdout)
    [row] = [r for r in data["views"]["pairing"] if r["row"] == "和平区 → 靖远县"]
    assert row["funds_by_kind"]["fiscal"] == 52_000_000 + 5_162_000  # 5200万 + 516.2万, not its three parts
    assert all(ref["quote"] for refs in row["fund_refs"].values() for ref in refs)
    md = runner.invoke(app, ["report", str(seed_results), "--format", "md"]).stdout
    assert "[^1]:" in md and "sub-allocation of 516.2万元" in md
    out_dir = tmp_path / "csv"
    assert runner.invoke(app, ["report", str(seed_results), "--format", "csv", "--out", str(out_dir)]).exit_code == 0
    assert {p.name for p in out_dir.iterdir()} >= {"pairing.csv", "recipient.csv", "ledger.csv", "matrix.csv"}


def test_report_from_article_directory_and_region_filter():
    result = runner.invoke(app, ["report", "seeds/", "--region", "靖远县", "--region", "石屯镇", "--format", "json"])
    data = json.loads(result.stdout)
    assert [g["row"] for g in data["views"]["compare"]] == ["靖远县", "石屯镇"]
    assert all("花都区" not in g["row"] for g in data["views"]["pairing"])


def test_bad_report_options():
    assert runner.invoke(app, ["report", "seeds/", "--format", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["report", "seeds/", "--by", "nothing"]).exit_code == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)")
def test_html_opens_offline_in_headless_chromium_without_errors(seed_results, tmp_path):
    page = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(seed_results), "--format", "html", "--out", str(page)]).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing to fetch: opens offline
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", f"file://{page}#a2-funds0"],
        capture_output=True, text=True, timeout=120).stdout
    assert 'data-js-ready="1"' in dom and 'data-js-errors="' not in dom
    assert 'class="fund active"' in dom  # the linked evidence is highlighted
    assert dom.count("<svg") >= 2 and "mark class=\"pairing\"" in dom


def test_all_views_render_from_hand_built_results():
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)], categories=[Category.health])
    data = build_report([a], regions=["靖远县"])
    views = list(VIEWS)
    assert "靖远县" in as_markdown(data, views) and "靖远县" in as_html(data, views)
    assert json.loads(as_json(data, views))["views"]["compare"][0]["row"] == "靖远县"
    assert "funds.fiscal" in as_csv(csv_rows(data, views))
