"""Rebuild tests/fixtures/gold-roundtrip-seeds: answers built from the seeds' gold, recorded.

A round-trip test, not a model score: the answers are the gold itself written as a model's reply, so
replaying them scores 1.00 whenever the pipeline carries a correct answer through intact. No real
model produced them; a real model's answers come from `summarize --record` against that model.

Runs the fake OpenAI-compatible server (tests/fake_openai.py) serving answers derived from the
seeds' gold (tests/gold_answers.py), and records the exchanges with `summarize --record`, the
same path a user takes to turn a run against a real model into a fixture. Run it after changing
the prompt or the response schema: python tools/make_replay_fixture.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI, answer, status  # noqa: E402
from gold_answers import gold_answer, seed_paths  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "gold-roundtrip-seeds"


def main() -> None:
    answers = {p.stem: gold_answer(p) for p in seed_paths()}

    def reply(body: dict):
        article = body["messages"][-1]["content"]
        for good in answers.values():
            if good["summary"][:30] in article:
                return answer(good)
        return status(500, message="no gold answer for this article")

    shutil.rmtree(FIXTURE, ignore_errors=True)
    with FakeOpenAI() as server:
        server.default = reply
        env = dict(os.environ, OPENAI_API_KEY="sk-fixture")
        subprocess.run([sys.executable, "-m", "summarizer.cli", "summarize", str(ROOT / "seeds"), "--model", "fake",
                        "--base-url", server.url, "--record", str(FIXTURE), "--no-cache", "--jsonl"],
                       check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"recorded {len(list(FIXTURE.glob('*.json')))} exchanges in {FIXTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
