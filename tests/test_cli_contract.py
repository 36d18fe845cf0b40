"""The command line's contract: exit codes (README table), nothing silently lost, one line per failure."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cache import Cache
from summarizer.cli import app

runner = CliRunner()
SEED = "seeds/002_c52947674760a02e.txt"
ROOT = Path(__file__).resolve().parent.parent


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def results_jsonl(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "seeds.jsonl"
    assert run("summarize", "seeds/", "--jsonl", "--out", path).exit_code == 0
    return path


# --- exit codes: 0 ok, 1 some inputs failed or checks found errors, 2 usage error or nothing to do ----------

def test_exit_codes_of_every_command(tmp_path, results_jsonl):
    empty = tmp_path / "empty"
    empty.mkdir()
    faulty = tmp_path / "faulty.json"
    doc = json.loads(results_jsonl.read_text(encoding="utf-8").splitlines()[2])
    doc["funds"][0]["amount_yuan"] *= 10
    faulty.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    cases = [
        (0, ["summarize", SEED]), (1, ["summarize", SEED, tmp_path / "missing.txt"]), (2, ["summarize", empty]),
        (2, ["summarize", SEED, "--json", "--jsonl"]),
        (0, ["clean", SEED]), (1, ["clean", tmp_path / "missing.txt"]),
        (0, ["schema"]),
        (0, ["eval", "seeds/gold", "seeds"]), (2, ["eval", "seeds/gold", empty]), (2, ["eval", empty, "seeds"]),
        (0, ["check", results_jsonl]), (1, ["check", faulty]), (2, ["check"]),
        (0, ["report", results_jsonl]), (2, ["report", results_jsonl, "--format", "pdf"]),
        (0, ["cache", "stats", "--cache-dir", tmp_path / "never"]), (2, ["cache", "stats", "--cache-dir", faulty]),
        (2, ["no-such-command"]),
    ]
    got = {" ".join(map(str, args)): run(*args).exit_code for _, args in cases}
    assert got == {" ".join(map(str, args)): code for code, args in cases}


# --- summarize -----------------------------------------------------------------------------------------

def test_summarize_with_no_articles_says_so_in_one_line(tmp_path):
    result = run("summarize", tmp_path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no articles" in result.stderr


def test_a_results_file_given_as_an_article_is_refused_with_a_hint(results_jsonl):
    result = run("summarize", results_jsonl)
    assert result.exit_code == 1 and "results file" in result.stderr and "summarizer report" in result.stderr
    assert result.stdout == ""  # no records made up from JSON text


def test_json_is_an_array_for_a_folder_even_of_one_file_and_an_object_for_one_file(tmp_path):
    (tmp_path / "a.txt").write_text(Path(SEED).read_text(encoding="utf-8"), encoding="utf-8")
    assert isinstance(json.loads(run("summarize", tmp_path, "--json").stdout), list)
    assert isinstance(json.loads(run("summarize", str(tmp_path) + "/*.txt", "--json").stdout), list)
    assert isinstance(json.loads(run("summarize", tmp_path / "a.txt", "--json").stdout), dict)


def test_an_off_topic_article_says_so(tmp_path):
    page = tmp_path / "weather.txt"
    page.write_text("今日天气晴朗，气温二十度，适合出游。明天有小雨，请市民注意携带雨具。", encoding="utf-8")
    doc = json.loads(run("summarize", page, "--json").stdout)
    assert [c["rule"] for c in doc["checks"]] == ["no_records"] and doc["checks"][0]["severity"] == "info"
    view = run("summarize", page)
    assert view.exit_code == 0 and "no pairing, fund or measure" in view.stdout and "╭" not in view.stdout


# --- eval ----------------------------------------------------------------------------------------------

def test_eval_refuses_to_score_when_nothing_matches(tmp_path):
    result = run("eval", "seeds/gold", tmp_path)
    assert result.exit_code == 2 and "file stem of article.source" in result.stderr and result.stdout == ""


def test_eval_matches_stdin_results_by_article_id():
    doc = run("summarize", "-", "--json", input=Path(SEED).read_text(encoding="utf-8")).stdout
    assert json.loads(doc)["article"]["source"] == "-"
    result = run("eval", "seeds/gold", "-", "--json", input=doc)
    scored = [a for a in json.loads(result.stdout)["articles"] if not a["missing"]]
    assert [a["article"] for a in scored] == ["002_c52947674760a02e.txt"] and scored[0]["pairing_f1"] == 1.0
    assert result.exit_code == 1 and "4 of 5 gold article(s) had no prediction" in result.stderr


def test_eval_by_class_shows_relation_confusion_and_metadata_fields(results_jsonl):
    result = run("eval", "seeds/gold", results_jsonl, "--by-class")
    assert result.exit_code == 0 and "Relation confusion (rows gold, columns predicted)" in result.stdout and "outlet" in result.stdout
    data = json.loads(run("eval", "seeds/gold", results_jsonl, "--json").stdout)
    assert data["relation_confusion"]["east_west"] == {"east_west": 3}
    assert data["metadata_fields"] == {"title": 1.0, "published": 1.0, "outlet": 1.0}


# --- check ---------------------------------------------------------------------------------------------

def test_check_follows_part_of_when_a_bad_record_is_dropped(results_jsonl, tmp_path):
    doc = next(json.loads(line) for line in results_jsonl.read_text(encoding="utf-8").splitlines()
               if any(f.get("part_of") is not None for f in json.loads(line)["funds"]))
    child = next(i for i, f in enumerate(doc["funds"]) if f.get("part_of") is not None)
    assert doc["funds"][child]["part_of"] > 0
    doc["funds"][0]["kind"] = "not-a-kind"  # dropped for the schema; later indexes move
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    findings = json.loads(run("check", path, "--json").stdout)["checks"]
    assert [f["rule"] for f in findings if f["severity"] == "error"] == ["enum_valid"]
    assert findings[0]["path"] == "funds[0].kind"


def test_check_on_an_empty_file_says_so(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = run("check", empty)
    assert result.exit_code == 1 and "empty" in result.stderr


# --- cache ---------------------------------------------------------------------------------------------

def test_cache_stats_creates_nothing_and_clear_resets_and_shrinks(tmp_path):
    missing = tmp_path / "nothing-here"
    assert "no cache at" in run("cache", "stats", "--cache-dir", missing).stdout and not missing.exists()
    cache = Cache(tmp_path / "c")
    for i in range(200):
        cache.put(f"k{i}", json.dumps({"x": "填充" * 500}), backend="openai", model="m", prompt_version="p",
                  raw_response="r" * 2000, input_tokens=10, output_tokens=5)
    cache.get("k1"), cache.get("nope")
    cache.close()
    size_before = Cache(tmp_path / "c").stats().size_bytes
    assert "removed 200" in run("cache", "clear", "--cache-dir", tmp_path / "c").stdout
    stats = Cache(tmp_path / "c").stats()
    assert (stats.entries, stats.hits, stats.misses, stats.tokens_saved) == (0, 0, 0, 0)
    assert stats.size_bytes < size_before / 4


def test_cache_path_errors_are_one_line(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for args in (["cache", "stats", "--cache-dir", a_file], ["cache", "clear", "--cache-dir", a_file]):
        result = run(*args)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "not a cache directory" in result.stderr


# --- the LLM endpoint is down -------------------------------------------------------------------------

def test_a_closed_port_stops_the_batch_early_and_says_so_once(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    articles = tmp_path / "in"
    articles.mkdir()
    text = Path(SEED).read_text(encoding="utf-8")
    for i in range(40):
        (articles / f"a{i:02}.txt").write_text(text + f"\n第{i}篇。", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = run("summarize", articles, "--model", "m", "--base-url", f"http://127.0.0.1:{port}/v1",
                 "--concurrency", "4", "--cache-dir", tmp_path / "cache", "--jsonl")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    not_attempted = [line for line in lines if "not attempted" in line]
    assert len(not_attempted) == 1 and "cannot reach" in not_attempted[0]
    skipped = int(not_attempted[0].split("summarizer: ")[1].split(" article")[0])
    attempted = [line for line in lines if line.startswith("summarizer: failed:")]
    assert skipped >= 30 and len(attempted) + skipped == 40


# --- what a user installs -------------------------------------------------------------------------------

def test_module_entry_point_fails_cleanly_when_output_cannot_be_written():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-c", "from summarizer.cli import main; main()", "eval", "seeds/gold",
                               "seeds", "--json"], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "No space left" in proc.stderr


def test_summarize_at_80_columns_splits_no_figure_and_no_code():
    import io
    from rich.console import Console
    from summarizer.render import result_view
    from summarizer.backends.rules import RulesBackend
    from summarizer.pipeline import summarize_text
    result = summarize_text(Path(SEED).read_text(encoding="utf-8"), RulesBackend(), source=SEED)
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(result_view(result))
    lines = console.export_text().splitlines()
    tokens = {f.amount_text for f in result.funds} | {f"{f.amount_yuan:,.0f}" for f in result.funds}
    tokens |= {f.kind.value for f in result.funds} | {p.relation.value for p in result.pairings}
    tokens |= {str(f.year) for f in result.funds if f.year}
    assert [t for t in tokens if not any(t in line for line in lines)] == []
