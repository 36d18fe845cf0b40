"""A strong model's real answers (../shared/model-answers) replayed through the whole LLM path.

The folder stays in ../shared (beside the checkout in CI); without it these tests skip.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from model_answers import ModelAnswers, article_message, model_answers_dir

ROOT = Path(__file__).resolve().parent.parent
FOLDER = model_answers_dir()
needs_answers = pytest.mark.skipif(FOLDER is None, reason="../shared/model-answers is not beside the checkout")


def test_a_reask_is_told_apart_from_the_first_request():
    article = {"role": "user", "content": "文章：\n某县对口帮扶某村。"}
    assert article_message([{"role": "system", "content": "x"}, article]) == (article["content"], False)
    reask = [article, {"role": "assistant", "content": "{}"}, {"role": "user", "content": "Please correct"}]
    assert article_message(reask) == (article["content"], True)


@needs_answers
def test_each_recorded_request_finds_its_own_answer():
    replay = ModelAnswers.load(FOLDER)
    for recorded in replay.recorded[:5]:
        request = json.loads((FOLDER / f"{recorded.name}.request.json").read_text(encoding="utf-8"))
        text, _ = article_message(request["messages"])
        assert replay.nearest(text)[0].name == recorded.name


@needs_answers
def test_replayed_real_answers_need_no_reask_lose_nothing_and_score(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "replay_model_answers.py"), "--json", str(out),
                           "--reask-answer", "same"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    assert figures["requests_per_article"] <= 1.05, done.stdout
    assert figures["records_lost"] == 0, done.stdout
    both = figures["both"]
    assert both["pairing_f1"] >= 0.98 and both["fund_f1"] >= 0.98 and both["metadata_accuracy"] >= 0.95, done.stdout
