"""Hostile inputs: nothing escapes as a traceback; every input is a result or one clear error."""
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from summarizer.backends.rules import RulesBackend
from summarizer.cli import app
from summarizer.clean import clean
from summarizer.pipeline import summarize_text
from summarizer.reader import InputError, document_text

SEED = open("seeds/002_c52947674760a02e.txt", encoding="utf-8").read()


def survives(data: bytes, name: str = "x.txt") -> None:
    try:
        text = document_text(name, data)
    except InputError as exc:
        assert exc.reason and "\n" not in exc.reason
        return
    result = summarize_text(text, RulesBackend())
    assert result.article.text == clean(text).text
    for record in result.pairings + result.funds + result.measures:
        ev = record.evidence
        assert result.article.text[ev.start:ev.end] == ev.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    survives(data)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=len(SEED.encode("utf-8")) - 1))
def test_truncated_utf8(cut):
    survives(SEED.encode("utf-8")[:cut])


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000))
def test_arbitrary_unicode_text(text):
    survives(text.encode("utf-8"))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(SEED.split("\n")), min_size=1, max_size=30), st.randoms())
def test_shuffled_lines_and_mixed_encodings(lines, rnd):
    rnd.shuffle(lines)
    parts = [line.encode(rnd.choice(["utf-8", "gb18030", "big5", "utf-16"]), errors="ignore") for line in lines]
    survives(b"\n".join(parts))


def test_html_with_scripts_and_no_chinese():
    survives(b"<html><script>" + b"alert(1);" * 1000 + b"</script><p>" + "帮扶".encode() * 3 + b"</p></html>", "a.html")
    survives(("<html><body><script>var s='靖远县';</script><p>" + SEED + "</p></body></html>").encode(), "a.html")
    survives(b"plain ascii text only\n" * 100)


def test_huge_single_line():
    survives(("天津市和平区对口帮扶靖远县，投入资金5200万元。" * 40_000).encode("utf-8"))


def test_five_megabyte_article_through_the_cli(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text((SEED + "\n") * 660, encoding="utf-8")
    assert big.stat().st_size > 5_000_000
    result = CliRunner().invoke(app, ["summarize", str(big), "--jsonl"])
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    assert result.stdout.count("\n") == 1


def test_cli_reports_each_hostile_file_in_one_line(tmp_path):
    rnd = random.Random(7)
    files = []
    for i, data in enumerate([b"", bytes(rnd.getrandbits(8) for _ in range(5000)), b"\x00" * 100,
                              "no chinese at all".encode(), "<html><script>x</script></html>".encode()]):
        path = tmp_path / f"h{i}.txt"
        path.write_bytes(data)
        files.append(str(path))
    result = CliRunner().invoke(app, ["summarize", *files, "--jsonl"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if "failed:" in line]
    assert len(failed) == len(files)
