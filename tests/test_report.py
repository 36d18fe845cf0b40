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


def test_a_part_of_a_part_is_inside_the_counted_total():
    r = make_result("a", [HEPING], [(900_000_000, "9亿元", FundKind.fiscal, 2020, None),
                                    (150_000_000, "1.5亿元", FundKind.fiscal, 2020, 0),
                                    (40_000_000, "4000万元", FundKind.fiscal, 2020, 1)])
    data = build_report([r])
    assert data.headline.aid_yuan == 900_000_000
    assert [e.not_added for e in data.ledger] == [None, "part of 9亿元, which is counted",
                                                  "part of 9亿元, which is counted"]


def test_a_sum_named_alone_and_again_as_a_part_counts_once_inside_its_total():
    r = make_result("a", [HEPING], [(170_000_000, "1.7亿元", FundKind.fiscal, 2020, None),
                                    (200_000_000, "2亿元", FundKind.fiscal, 2020, None),
                                    (170_000_000, "1.7亿元", FundKind.fiscal, 2020, 1)])
    data = build_report([r])
    assert data.headline.aid_yuan == 200_000_000
    assert data.ledger[0].not_added == "part of 2亿元, which is counted" and len(data.merges) == 1


@pytest.mark.parametrize("funds, aid", [
    # 9亿 with its part 3亿; 3亿 said again later with its part 1亿: only the 9亿 is counted
    ([(900_000_000, "9亿元", FundKind.fiscal, 2020, None), (300_000_000, "3亿元", FundKind.fiscal, 2020, 0),
      (300_000_000, "3亿元", FundKind.fiscal, 2020, None), (100_000_000, "1亿元", FundKind.fiscal, 2020, 2)],
     900_000_000),
    # a part of unknown kind does not split its total
    ([(2_200_000_000, "22亿元", FundKind.fiscal, 2020, None), (100_000_000, "1亿元", FundKind.other, 2020, 0)],
     2_200_000_000),
    # a small non-aid part listed: the total stays, the part is counted in its own column
    ([(1_000_000_000, "10亿元", FundKind.fiscal, 2020, None), (100_000_000, "1亿元", FundKind.investment, 2020, 0),
      (200_000_000, "2亿元", FundKind.fiscal, 2020, 0)], 1_000_000_000),
])
def test_the_headline_counts_a_breakdown_once(funds, aid):
    assert build_report([make_result("a", [HEPING], funds)]).headline.aid_yuan == aid


def test_a_total_whose_parts_are_partly_not_aid_is_counted_as_its_parts():
    r = make_result("a", [HEPING], [(2_200_000_000, "22亿元", FundKind.fiscal, 2020, None),
                                    (100_000_000, "1亿元", FundKind.fiscal, 2020, 0),
                                    (2_100_000_000, "21亿元", FundKind.investment, 2020, 0)])
    data = build_report([r])
    assert data.headline.aid_yuan == 100_000_000
    assert data.ledger[0].not_added.startswith("its parts are of other kinds")
    assert [e.counted for e in data.ledger] == [False, True, True]


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
    assert "[^1]:" in md and "part of 516.2万元, which is counted" in md
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
    assert 'data-js-ready="1"' in dom and 'data-js-errors="' not in dom  # no script error on the page
    assert 'class="fund active"' in dom  # the linked evidence is highlighted
    assert dom.count("<svg") >= 3 and "mark class=\"pairing\"" in dom  # map, two charts
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,800", f"--screenshot={shot}",
                    f"file://{page}"], capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000  # kept under the test's tmp dir to look at
    has_cjk_font = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    if has_cjk_font:  # .ci/run installs fonts-noto-cjk beside chromium
        assert 'data-cjk-glyphs="1"' in dom, "Chinese text renders as empty boxes"


def test_all_views_render_from_hand_built_results():
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)], categories=[Category.health])
    data = build_report([a], regions=["靖远县"])
    views = list(VIEWS)
    assert "靖远县" in as_markdown(data, views) and "靖远县" in as_html(data, views)
    assert json.loads(as_json(data, views))["views"]["compare"][0]["row"] == "靖远县"
    assert "funds.fiscal" in as_csv(csv_rows(data, views))


# --- issue 11: one ledger, many views; money by kind; filters; reproducible; readable at 80 columns ----------

from pathlib import Path

from summarizer.report import AID_KINDS as _AID, build_report as _build, timeline_by_year as _timeline


def _seed_results():
    from summarizer.backends.rules import RulesBackend
    from summarizer.pipeline import summarize_text
    from gold_answers import seed_paths
    return [summarize_text(p.read_text(encoding="utf-8"), RulesBackend(), source=str(p)) for p in seed_paths()]


def _assert_reconciles(data):
    rec = data.reconciliation()
    for kind, total in rec["total"].items():
        rows = rec["pairing_rows"].get(kind, 0) + rec["unattributed"].get(kind, 0)
        assert abs(rows - total) < 0.01 and abs(rec["timeline"].get(kind, 0) - total) < 0.01, (kind, rec)
    assert set(rec["pairing_rows"]) | set(rec["unattributed"]) == set(rec["total"]) == set(rec["timeline"])
    for g in data.by_pairing:
        assert abs(g.aid_yuan - sum(v for k, v in g.funds_by_kind.items() if k in _AID)) < 0.01


def test_every_view_reconciles_to_the_ledger_on_the_seeds():
    data = _build(_seed_results())
    _assert_reconciles(data)
    # A helper's money with no recipient has its own pairing row, so nothing attributed is left out.
    assert any(g.label.endswith("（未指明）") for g in data.by_pairing)
    assert sum(v for _, kinds in _timeline(data) for v in kinds.values()) == sum(data.totals_by_kind().values())


def test_every_view_reconciles_on_ten_thousand_synthetic_results():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from report_speed import synthetic
    results = synthetic(10_000)
    _assert_reconciles(_build(results))
    _assert_reconciles(_build(results, rollup="province"))


def test_aid_never_includes_investment_or_procurement():
    data = _build(_seed_results())
    [row] = [g for g in data.by_pairing if g.label.startswith("和平区")]
    assert row.funds_by_kind["investment"] > 0 and row.funds_by_kind["procurement"] > 0
    assert row.aid_yuan == sum(row.funds_by_kind[k] for k in _AID if k in row.funds_by_kind) < row.total_yuan


def test_reports_are_byte_identical_run_to_run_whatever_the_hash_seed(tmp_path):
    import subprocess
    import sys
    outputs = {}
    for seed in ("1", "2"):
        for fmt in ("md", "json", "csv", "html", "table"):
            proc = subprocess.run([sys.executable, "-m", "summarizer.cli", "report", "seeds/", "--format", fmt],
                                  capture_output=True, env={**__import__("os").environ, "PYTHONHASHSEED": seed},
                                  cwd=Path(__file__).resolve().parent.parent)
            assert proc.returncode == 0, proc.stderr
            outputs.setdefault(fmt, set()).add(proc.stdout)
    assert {fmt: len(variants) for fmt, variants in outputs.items()} == {f: 1 for f in outputs}


def test_the_same_article_given_twice_counts_once():
    results = _seed_results()
    once, twice = _build(results), _build(results + results[:2])
    assert len(twice.articles) == len(once.articles)
    assert twice.totals_by_kind() == once.totals_by_kind()


def test_region_by_name_or_adcode_filters_every_view():
    results = _seed_results()
    for region in ("望谟县", "522326", "5223", "522300"):
        data = _build(results, regions=[region])
        for view in (data.by_pairing, data.by_recipient, data.by_helper):
            assert view, region
        assert [g.label for g in data.by_pairing] == ["南明区 → 石屯镇"]
        assert data.unattributed == [] and data.filters["articles_in_view"] == [1]
        _assert_reconciles(data)


def test_unknown_region_is_one_line_with_near_names():
    result = runner.invoke(app, ["report", "seeds/", "--region", "靖远"])
    assert result.exit_code == 0
    bad = runner.invoke(app, ["report", "seeds/", "--region", "靖远区"])
    assert bad.exit_code == 2 and "靖远县" in bad.stderr and bad.stderr.count("\n") == 1


def test_since_until_and_kind_filters():
    results = _seed_results()
    data = _build(results, since="2020-01-01", until="2020-12-31")
    assert {data.articles[i].published[:4] for i in data.filters["articles_in_view"]} == {"2020"}
    only = _build(results, kinds=["procurement"])
    assert set(only.totals_by_kind()) == {"procurement"}
    assert runner.invoke(app, ["report", "seeds/", "--kind", "gift"]).exit_code == 2


def test_terminal_report_at_80_columns_never_splits_a_figure():
    from rich.console import Console
    from summarizer.money import format_yuan
    from summarizer.report_render import VIEWS, as_table
    data = _build(_seed_results())
    console = Console(width=80, record=True, file=__import__("io").StringIO())
    console.print(as_table(data, list(VIEWS), width=80))
    lines = console.export_text().splitlines()
    figures = {format_yuan(v) for g in data.by_pairing for v in list(g.funds_by_kind.values()) + [g.aid_yuan] if v}
    figures |= {str(y) for g in data.by_pairing for y in g.years}
    missing = [f for f in figures if not any(f in line for line in lines)]
    assert figures and missing == []


def test_measures_belong_to_the_pairing_their_sentence_names():
    from summarizer.report import measures_by_pairing
    from summarizer.schemas import Evidence, Indicator, Measure
    text = "花都区对口帮扶丰顺县和清新区。\n在丰顺县建设茶叶基地，培训860人。\n在清新区开展义诊。\n两地还召开联席会议。"
    r = make_result("x", [("花都区", "440114", "丰顺县", "441423"), ("花都区", "440114", "清新区", "441803")], [])
    r.article.text = text
    for p in r.pairings:  # the pairings' quotes must be in the new text, or the report's checks leave them out
        p.evidence = Evidence(text="花都区对口帮扶丰顺县和清新区", start=0, end=14)

    def measure(category, quote, indicators=()):
        start = text.index(quote)
        return Measure(category=category, description=quote, indicators=list(indicators),
                       evidence=Evidence(text=quote, start=start, end=start + len(quote)))
    r.measures = [measure(Category.industry, "在丰顺县建设茶叶基地，培训860人。", [Indicator(name="培训", value=860, unit="人")]),
                  measure(Category.health, "在清新区开展义诊。"), measure(Category.governance, "两地还召开联席会议。")]
    claimed, article_level = measures_by_pairing(r)
    assert [m.category for m in claimed[0]] == [Category.industry] and [m.category for m in claimed[1]] == [Category.health]
    assert [m.category for m in article_level] == [Category.governance]
    data = _build([r])
    rows = {g.label: g for g in data.by_pairing}
    assert dict(rows["花都区 → 丰顺县"].categories) == {"industry": 1}
    assert dict(rows["花都区 → 清新区"].article_categories) == {"governance": 1}
    assert data.matrix["丰顺县"] == {"industry": 1} and data.matrix_indicators["丰顺县"]["industry"] == ["培训 860人"]


def test_the_map_colours_provinces_by_aid_and_draws_flows():
    from summarizer.report_render import _tile_map, province_flows
    data = _build(_seed_results())
    received, flows = province_flows(data)
    assert received["62"] > 0 and ("12", "62") in flows  # 天津和平区 → 甘肃靖远县
    svg = _tile_map(data)
    assert svg.count("<rect") == 34 and "marker-end" in svg and "href='#row-620421'" in svg
    assert abs(sum(received.values()) - sum(v for g in data.by_recipient for k, v in g.funds_by_kind.items()
                                            if k in _AID and g.key[:2].isdigit())) < 0.01


def test_the_side_by_side_rows_read_the_same_whatever_the_hash_seed(tmp_path):
    """Categories tied on count are listed by name, not in a set's order, which changes from run to run."""
    import os
    import sys
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)],
                    categories=(Category.industry, Category.education, Category.health, Category.employment))
    path = tmp_path / "results.jsonl"
    path.write_text(a.model_dump_json() + "\n", encoding="utf-8")
    outputs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-m", "summarizer.cli", "report", str(path), "--region", "和平区",
                               "--format", "md"], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.add(done.stdout)
    [output] = outputs
    assert "## Regions side by side" in output and "医疗健康" in output

