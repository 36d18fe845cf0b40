import json

import pytest
from typer.testing import CliRunner

from summarizer.cli import app

runner = CliRunner()
SEED = "seeds/002_c52947674760a02e.txt"


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_help_and_version():
    assert "summarize" in run("--help").stdout
    assert run("--version").stdout.startswith("summarizer ")
    for command in ("summarize", "eval", "check", "clean", "schema", "report", "cache"):
        assert run(command, "--help").exit_code == 0


def test_summarize_rich_view():
    result = run("summarize", SEED)
    assert result.exit_code == 0
    assert "靖远县" in result.stdout and "Pairings" in result.stdout and "5200万元" in result.stdout


def test_summarize_json_one_and_many():
    one = run("summarize", SEED, "--json")
    assert one.exit_code == 0
    doc = json.loads(one.stdout)
    assert doc["schema_version"] == "2" and doc["article"]["source"] == SEED
    many = json.loads(run("summarize", "seeds/", "--json").stdout)
    assert isinstance(many, list) and len(many) == 5


def test_summarize_jsonl_and_out_file(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("summarize", "seeds/", "--jsonl", "--out", str(out))
    assert result.exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and all(json.loads(line)["article"]["text"] for line in lines)


def test_summarize_stdin():
    text = open(SEED, encoding="utf-8").read()
    result = run("summarize", "-", "--json", input=text)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["article"]["source"] == "-"


def test_results_piped_into_report_and_export_are_read_from_stdin(tmp_path):
    jsonl = run("summarize", SEED, "--jsonl").stdout
    from_file = tmp_path / "r.jsonl"
    from_file.write_text(jsonl, encoding="utf-8")
    piped = run("report", "-", "--format", "json", input=jsonl)
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["headline"] == json.loads(run("report", str(from_file), "--format", "json").stdout)["headline"]
    assert run("export", "-", "--to", str(tmp_path / "tables"), input=jsonl).exit_code == 0
    assert (tmp_path / "tables" / "funds.csv").is_file()
    with_bom = run("report", "-", "--format", "json", input="\ufeff" + jsonl)
    assert with_bom.exit_code == 0 and json.loads(with_bom.stdout)["headline"] == json.loads(piped.stdout)["headline"]
    assert run("check", "-", input=jsonl).exit_code == 0
    # an article on stdin is still an article, also one that opens on a bracket
    bracketed = run("report", "-", "--format", "json", input="[图片]\n" + open(SEED, encoding="utf-8").read())
    assert bracketed.exit_code == 0 and json.loads(bracketed.stdout)["headline"]["aid_yuan"] > 0
    article = run("report", "-", "--format", "json", input=open(SEED, encoding="utf-8").read())
    assert article.exit_code == 0 and json.loads(article.stdout)["headline"]["aid_yuan"] > 0


def test_bad_inputs_fail_alone_and_others_still_produce(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    result = run("summarize", SEED, str(empty), str(tmp_path / "missing.txt"), str(binary), "--jsonl")
    assert result.exit_code == 1
    assert len(result.stdout.strip().splitlines()) == 1
    assert "empty input" in result.stderr and "no such file" in result.stderr and "binary" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_clean_shows_text_and_removed_lines():
    result = run("clean", "seeds/003_131218c44d7a8d1f.txt", "--json")
    data = json.loads(result.stdout)
    gold = json.loads(open("seeds/gold/003_131218c44d7a8d1f.json", encoding="utf-8").read())
    assert data["title"] == gold["title"]
    assert "bet365亚洲官网" in data["removed"] and "bet365" not in data["text"]


def test_eval_on_seed_directory_and_on_predictions(tmp_path):
    scores = json.loads(run("eval", "seeds/gold", "seeds", "--json").stdout)["micro"]
    assert scores["pairing_f1"] >= 0.9 and scores["fund_f1"] >= 0.9 and scores["metadata_accuracy"] >= 0.95
    predictions = tmp_path / "p.jsonl"
    run("summarize", "seeds/", "--jsonl", "--out", str(predictions))
    again = json.loads(run("eval", "seeds/gold", str(predictions), "--json").stdout)["micro"]
    assert again == scores
    view = run("eval", "seeds/gold", str(predictions))
    assert "Micro-average" in view.stdout and "pairing_f1" in view.stdout


def test_eval_reads_a_gold_whose_lists_are_null_as_empty(tmp_path):
    gold_dir, articles = tmp_path / "gold", tmp_path / "articles"
    gold_dir.mkdir(), articles.mkdir()
    (articles / "a.txt").write_text("标题\n发布时间：2031-04-06\n常州市对口帮扶平武县，投入帮扶资金300万元。", encoding="utf-8")
    (gold_dir / "a.json").write_text(json.dumps({
        "title": "标题", "title_alternatives": None, "published": "2031-04-06", "outlet": None,
        "pairings": [{"helper": ["常州市"], "recipient": ["平武县"], "relation": "east_west"}], "optional_pairings": None,
        "funds": [{"amount_yuan": 3000000, "kind": ["fiscal"]}], "optional_funds": None, "indicators": None},
        ensure_ascii=False), encoding="utf-8")
    result = run("eval", str(gold_dir), str(articles), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["micro"]["fund_f1"] == 1.0


def test_eval_counts_missing_articles_as_misses(tmp_path):
    predictions = tmp_path / "p.jsonl"
    run("summarize", "seeds/002_c52947674760a02e.txt", "--jsonl", "--out", str(predictions))
    scores = json.loads(run("eval", "seeds/gold", str(predictions), "--json").stdout)["micro"]
    assert scores["fund_recall"] < 1.0 and scores["pairing_recall"] < 1.0


@pytest.fixture
def results_file(tmp_path):
    path = tmp_path / "results.jsonl"
    run("summarize", "seeds/", "--jsonl", "--out", str(path))
    return path


def test_check_passes_on_seed_results(results_file):
    result = run("check", str(results_file))
    assert result.exit_code == 0, result.stdout


def test_check_flags_hand_edited_faults_and_bad_lines(results_file, tmp_path):
    lines = results_file.read_text(encoding="utf-8").splitlines()
    doc = json.loads(lines[2])
    doc["funds"][0]["amount_yuan"] *= 10           # a unit slip
    doc["funds"][1]["kind"] = "gift"               # not an enum value
    faulty = tmp_path / "faulty.jsonl"
    faulty.write_text("\n".join([lines[0], json.dumps(doc, ensure_ascii=False), "{not json", lines[1]]) + "\n",
                      encoding="utf-8")
    result = run("check", str(faulty), "--json")
    assert result.exit_code == 1
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == 4
    assert reports[0]["checks"] == [] and reports[3]["checks"] == []
    rules = {(c["rule"], c["path"]) for c in reports[1]["checks"]}
    assert ("amount_mismatch", "funds[0]") in rules
    assert ("enum_valid", "funds[1].kind") in rules
    assert reports[2]["error"].startswith("malformed JSON") and reports[2]["source"].endswith(":3")


def test_check_keeps_record_numbers_of_the_file_after_a_schema_error(results_file, tmp_path):
    doc = json.loads(results_file.read_text(encoding="utf-8").splitlines()[2])
    doc["funds"][0]["kind"] = "gift"
    doc["funds"][3]["amount_yuan"] = 1.0
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    reports = json.loads(run("check", str(path), "--json").stdout)
    paths = {c["path"] for c in reports["checks"] if c["rule"] == "amount_mismatch"}
    assert paths == {"funds[3]"}


def test_llm_backend_without_key_is_one_clear_error():
    result = run("summarize", SEED, "--backend", "openai", "--model", "gpt-test")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_unknown_backend():
    result = run("summarize", SEED, "--backend", "nope")
    assert result.exit_code == 2 and "unknown backend" in result.stderr


def test_cache_commands(tmp_path):
    from summarizer.cache import Cache
    Cache(tmp_path).close()
    assert "entries" in run("cache", "stats", "--cache-dir", str(tmp_path)).stdout
    assert "removed 0" in run("cache", "clear", "--cache-dir", str(tmp_path), "--older-than", "7d").stdout
    bad = run("cache", "clear", "--cache-dir", str(tmp_path), "--older-than", "soon")
    assert bad.exit_code == 2 and "--older-than" in bad.stderr
