"""What a new user met walking through the report and the CLI (issue 22): each case fails on the tool before it."""
import io
import json
import math
import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.money import format_yuan
from summarizer.report import AID_KINDS, build_report
from summarizer.report_render import VIEWS, as_html, as_markdown, as_table
from summarizer.schemas import Category, FundKind

from test_report import make_result

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
WANGMO = ("南明区", "520102", "望谟县", "522326")  # 522326 lies in the prefecture 5223
HEPING = ("和平区", "120101", "靖远县", "620421")


def results_file(tmp_path, results) -> str:
    path = tmp_path / "results.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    return str(path)


def test_the_side_by_side_view_selects_by_adcode_as_every_other_view_does():
    a = make_result("a", [WANGMO], [(2_000_000, "200万元", FundKind.donation, 2019, None)],
                    categories=[Category.education])
    b = make_result("b", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)])
    data = build_report([a, b], regions=["5223"])
    [row] = data.compare
    assert "黔西南" in row.label and row.articles == {0} and dict(row.funds_by_kind) == {"donation": 2_000_000}
    assert row.partners == {"南明区"}


def test_terminal_table_at_120_to_160_columns_keeps_amounts_units_and_years_whole():
    cats = list(Category)
    a = make_result("a", [("北京市", "11", "内蒙古", "15")],
                    [(21_199_490_000, "211.9949亿元", FundKind.fiscal, 2017, None),
                     (24_499_000_000, "244.99亿元", FundKind.investment, 2018, None),
                     (6_320_000_000, "63.2亿元", FundKind.procurement, 2019, None)], categories=cats)
    b = make_result("b", [("北京市", "11", "内蒙古", "15")], [(100_000, "10万元", FundKind.social, 2020, None)],
                    categories=cats, published="2021-01-01")
    data = build_report([a, b])
    figures = {format_yuan(v) for g in data.by_pairing + data.by_recipient  # the aid and each kind not aid
               for v in [g.aid_yuan, *(v for k, v in g.funds_by_kind.items() if k not in AID_KINDS)] if v}
    assert {"211.9959亿元", "244.99亿元", "63.2亿元"} <= figures
    for width in (120, 130, 140, 160):
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(as_table(data, list(VIEWS), width=width))
        text = console.export_text()
        tables = text[text.index("By pairing"):]  # the figures inside the tables, not the totals line above
        for figure in figures:
            assert figure in tables, (width, figure)
        for year in ("2017", "2018", "2019", "2020"):
            assert re.search(rf"(?<!\d){year}(?!\d)", text), (width, year)
        assert "partner" in text and not re.search(r"partner\s*│[^\n]*\n[^\n]*│\s*s\s", text)


def test_province_rollup_is_one_matrix_row_per_province_and_partners_are_named_once():
    a = make_result("a", [("上海市", "31", "云南", "53")], [], categories=[Category.industry])
    b = make_result("b", [("上海", "31", "云南省", "53")], [], categories=[Category.education])
    data = build_report([a, b], rollup="province")
    assert list(data.matrix) == ["云南省"] and data.matrix["云南省"] == {"education": 1, "industry": 1}
    assert [(g.label, g.partners) for g in data.by_recipient] == [("云南省", {"上海市"})]
    written = build_report([a, b])
    assert len(written.matrix) == 1 and all(len(g.partners) == 1 for g in written.by_recipient + written.by_helper)


def test_since_until_say_how_many_undated_articles_they_leave_out_and_an_empty_range_is_exit_2(tmp_path):
    dated = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)])
    undated = make_result("b", [WANGMO], [(2_000_000, "200万元", FundKind.fiscal, 2019, None)], published=None)
    path = results_file(tmp_path, [dated, undated])
    kept = runner.invoke(app, ["report", path, "--since", "2020-01-01", "--format", "json"])
    assert kept.exit_code == 0 and "1 article(s) without a publication date left out" in kept.stderr
    assert json.loads(kept.stdout)["filters"]["undated_left_out"] == 1
    empty = runner.invoke(app, ["report", path, "--since", "2030-01-01"])
    assert empty.exit_code == 2 and "no article published on or after 2030-01-01" in empty.stderr
    assert "1 without a publication date" in empty.stderr


def test_kind_keeps_only_rows_with_that_money_and_is_case_insensitive(tmp_path):
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.procurement, 2020, None)])
    b = make_result("b", [WANGMO], [(2_000_000, "200万元", FundKind.fiscal, 2019, None)])
    data = build_report([a, b], kinds=["procurement"])
    assert [g.label for g in data.by_pairing] == ["和平区 → 靖远县"]
    assert [g.label for g in data.by_recipient] == ["靖远县"] and [g.label for g in data.by_helper] == ["和平区"]
    upper = runner.invoke(app, ["report", results_file(tmp_path, [a, b]), "--kind", "Procurement", "--format", "json"])
    assert upper.exit_code == 0 and [r["row"] for r in json.loads(upper.stdout)["views"]["pairing"]] == ["和平区 → 靖远县"]


def test_two_files_of_the_same_name_outside_the_working_folder_look_different(tmp_path):
    one = make_result(str(tmp_path / "site-a" / "001.txt"), [HEPING], [])
    two = make_result(str(tmp_path / "site-b" / "001.txt"), [WANGMO], [])
    sources = [a.source for a in build_report([one, two]).articles]
    assert len(set(sources)) == 2 and all(s.endswith("001.txt") and not s.startswith("/") for s in sources)


def test_report_out_to_a_folder_writes_report_dot_format_inside_it(tmp_path):
    path = results_file(tmp_path, [make_result("a", [HEPING], [(1e6, "100万元", FundKind.fiscal, 2020, None)])])
    for fmt, name in (("html", "report.html"), ("md", "report.md"), ("json", "report.json")):
        folder = tmp_path / f"out-{fmt}"
        done = runner.invoke(app, ["report", path, "--format", fmt, "--out", f"{folder}/"])
        assert done.exit_code == 0, done.stderr
        assert (folder / name).is_file() and "和平区" in (folder / name).read_text(encoding="utf-8")


def test_summarize_one_failed_file_as_json_is_an_object_and_out_creates_folders(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    failed = runner.invoke(app, ["summarize", str(empty), "--json"])
    assert failed.exit_code == 1
    assert json.loads(failed.stdout) == {"source": str(empty), "error": "empty input"}
    out = tmp_path / "new" / "dir" / "x.json"
    done = runner.invoke(app, ["summarize", str(ROOT / "seeds" / "001_ee477a1f74fe2587.txt"), "--json", "--out", str(out)])
    assert done.exit_code == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["article"]["title"]


def test_help_prints_no_bool_after_flags():
    for command in (["summarize"], ["report"], ["export"], ["batch", "submit"], []):
        shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
        assert shown.exit_code == 0 and "--help" in shown.stdout and "<bool>" not in shown.stdout, command


def test_readme_deepseek_example_uses_a_mode_deepseek_has():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [l for l in readme.splitlines() if "--model deepseek-chat" in l]
    assert "json_schema" not in line.split("#")[0]


def _big_data():
    a = make_result("a", [HEPING], [(15_748_250_000, "157.4825亿元", FundKind.fiscal, 2020, None)],
                    categories=[Category.industry, Category.education])
    b = make_result("b", [("上海市", "31", "云南省", "53")], [(3e8, "3亿元", FundKind.fiscal, 2020, None)])
    return build_report([a, b])


def test_html_chart_axis_ticks_fall_on_round_values():
    page = as_html(_big_data(), list(VIEWS))
    ticks = re.findall(r"<text x='[\d.]+' y='[\d.]+' class='val' text-anchor='middle'>([^<]+)</text>", page)
    assert "50亿元" in ticks and "100亿元" in ticks and "150亿元" in ticks
    assert "157.4825亿元" not in ticks and not any("." in t for t in ticks if "亿" in t)


def test_html_chart_labels_stay_readable_on_a_phone():
    page = as_html(_big_data(), list(VIEWS))
    [css] = re.findall(r"svg\.chart \{([^}]*)\}", page)
    assert "max-width: none" in css  # drawn at its own size in a scrolling box, never shrunk to a 390 px screen
    sizes = {name: int(px) for name, px in re.findall(r"svg \.(lbl|val) \{ font-size: (\d+)px", page)}
    assert min(sizes.values()) >= 12
    widths = [int(w) for w in re.findall(r"<svg role='img' class='chart' viewBox='0 0 (\d+) ", page)]
    assert widths and all(w == int(re.search(rf"class='chart' viewBox='0 0 {w} \d+' width='(\d+)'", page).group(1))
                          for w in widths)


def test_map_arrowheads_stop_clear_of_the_tile_names():
    from summarizer.report_render import LABEL_CLEARANCE, TILES

    page = as_html(_big_data(), list(VIEWS))
    svg = page[page.index("class='map'"):]
    svg = svg[:svg.index("</svg>")]
    assert "markerUnits='userSpaceOnUse'" in svg
    size = 54
    centres = [((c + 0.5) * size, (r + 0.5) * size) for c, r, _ in TILES.values()]
    lines = re.findall(r"<line x1='([\d.]+)' y1='([\d.]+)' x2='([\d.]+)' y2='([\d.]+)'", svg)
    assert lines
    for x1, y1, x2, y2 in lines:
        for x, y in ((float(x1), float(y1)), (float(x2), float(y2))):
            assert min(math.hypot(x - cx, y - cy) for cx, cy in centres) >= LABEL_CLEARANCE * size - 0.1
    assert svg.rindex("class='tile'") > svg.rindex("<line")  # names drawn over the arrows


def test_matrix_headers_are_chinese_in_html_and_markdown():
    data = _big_data()
    md = as_markdown(data, list(VIEWS))
    header = next(l for l in md.splitlines() if l.startswith("| 地区"))
    assert "产业" in header and "教育" in header and "industry" not in header
    page = as_html(data, list(VIEWS))
    assert "<th title=\"industry\">产业</th>" in page and "<th>industry</th>" not in page


# --- the second new-user walk (after contract v2) -------------------------------------------

def test_money_naming_a_recipient_goes_to_its_pairing_not_to_a_place_inside_it():
    from summarizer.report import attribute
    from summarizer.schemas import Evidence, Fund
    r = make_result("a", [("某集团", None, "青岭市", None), ("某集团", None, "青岭市山阳县", None)], [])
    for p, name in zip(r.pairings, ("青岭市", "山阳县")):
        p.recipient.name, p.recipient.full_name = name, "某省青岭市" + ("" if name == "青岭市" else name)
    fund = Fund(amount_yuan=1e8, amount_text="1亿元", kind=FundKind.donation, donor="某集团", recipient="青岭",
                evidence=Evidence(text="x", start=0, end=1))
    helper, recipient = attribute(r, fund)
    assert helper.name == "某集团" and recipient.name == "青岭市"


def test_an_impossible_date_is_a_usage_error(tmp_path):
    path = results_file(tmp_path, [make_result("a", [HEPING], [])])
    for value in ("2019-13-01", "2019-02-30"):
        result = runner.invoke(app, ["report", path, "--since", value])
        assert result.exit_code == 2 and "use a date such as" in result.stderr, value
    assert runner.invoke(app, ["report", path, "--since", "2020-02-29"]).exit_code == 0


def test_a_report_json_is_not_summarized_as_an_article(tmp_path):
    path = results_file(tmp_path, [make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)])])
    report = tmp_path / "report.json"
    report.write_text(runner.invoke(app, ["report", path, "--format", "json"]).stdout, encoding="utf-8")
    result = runner.invoke(app, ["summarize", str(report)])
    assert result.exit_code != 0 and "report" in result.stderr


def test_a_record_left_out_by_the_checks_is_listed_in_the_table_and_markdown(tmp_path):
    a = make_result("a", [HEPING], [(1_000_000, "100万元", FundKind.fiscal, 2020, None)])
    a.funds[0].amount_yuan = 10_000_000  # 10x its text
    data = build_report([a])
    assert len(data.left_out) == 1
    assert "Left out: records that fail a rule check" in as_markdown(data, ["pairing"]) and data.left_out[0] in as_markdown(data, ["pairing"])
    console = Console(file=io.StringIO(), width=200)
    console.print(as_table(data, ["pairing"], width=200))
    assert "left out" in console.file.getvalue()


def test_a_price_for_one_side_only_is_said(tmp_path):
    result = runner.invoke(app, ["summarize", str(ROOT / "seeds"), "--backend", "openai", "--model", "m",
                                 "--dry-run", "--price-in", "0.15"])
    assert "no --price-out" in result.stderr


def test_check_on_an_article_or_binary_file_says_so_in_one_line(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("标题\n某县对口帮扶某村，投入资金10万元。\n第二行。\n", encoding="utf-8")
    binary = tmp_path / "b.txt"
    binary.write_bytes(bytes(range(128, 256)) * 3)
    for path, words in ((article, "looks like an article"), (binary, "binary data")):
        result = runner.invoke(app, ["check", str(path)])
        assert result.exit_code == 1 and words in result.stderr
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_eval_at_80_columns_keeps_names_and_figures_whole():
    from summarizer.evaluate import evaluate, load_gold
    from summarizer.render import eval_view
    golds = load_gold(ROOT / "seeds" / "gold")
    console = Console(file=io.StringIO(), width=80)
    console.print(eval_view(evaluate(golds, {}), width=80))
    text = console.file.getvalue()
    assert "000_9bc852f1aa1b2cfa.txt (no result)" in text and "pairing F1 0.00" in text


def test_years_are_never_cut_in_a_wide_table():
    results = [make_result(f"y{i}", [HEPING], [(1_000_000 * (i + 1), f"{i + 1}00万元", FundKind.fiscal, 2017 + i, None)])
               for i in range(4)]
    data = build_report(results)
    for width in (120, 160):
        console = Console(file=io.StringIO(), width=width)
        console.print(as_table(data, ["helper"], width=width))
        text = console.file.getvalue()
        assert all(str(year) in text for year in range(2017, 2021)), text
