"""The Batch API path against the fake Files + Batches server on 127.0.0.1 (tests/fake_openai.py)."""
import json
import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from summarizer.cli import app

from fake_openai import FakeOpenAI, answer, status
from gold_answers import ROOT, gold_answer, gold_reply, seed_paths

KEY = "sk-test-batch-key"
runner = CliRunner()


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeOpenAI() as server:
        server.default = gold_reply
        yield server


def batch(fake, *args):
    return runner.invoke(app, ["batch", *args, *(["--model", "fake", "--base-url", fake.url]
                                                 if args[0] in ("run", "submit") else [])])


def scores(results_file):
    report = runner.invoke(app, ["eval", "seeds/gold", str(results_file), "--json"])
    return json.loads(report.stdout)["micro"]


def test_run_then_eval_scores_as_the_synchronous_path_and_summarize_is_all_hits(fake, tmp_path):
    job = tmp_path / "job"
    done = batch(fake, "run", "seeds", "--out", str(job), "--poll", "0")
    assert done.exit_code == 0, done.stderr
    assert fake.uploads == 1 and fake.batches_created == 1
    assert "collected 5 article(s)" in done.stderr
    batch_scores = scores(job / "results.jsonl")

    sync_out = tmp_path / "sync.jsonl"
    synchronous = runner.invoke(app, ["summarize", "seeds", "--jsonl", "--out", str(sync_out), "--model", "fake",
                                      "--base-url", fake.url, "--no-cache"])
    assert synchronous.exit_code == 0
    assert batch_scores == scores(sync_out) and batch_scores["pairing_f1"] == 1.0

    sent = len(fake.requests)
    again = runner.invoke(app, ["summarize", "seeds", "--jsonl", "--model", "fake", "--base-url", fake.url])
    assert again.exit_code == 0 and len(fake.requests) == sent and "5 from cache" in again.stderr


def test_batch_requests_are_the_synchronous_requests(fake, tmp_path):
    seed = seed_paths()[2]
    assert batch(fake, "submit", str(seed), "--out", str(tmp_path / "job"), "--no-cache").exit_code == 0
    [line] = (tmp_path / "job" / "requests-001.jsonl").read_text(encoding="utf-8").splitlines()
    from_batch = json.loads(line)
    assert from_batch["url"] == "/v1/chat/completions" and from_batch["method"] == "POST"
    runner.invoke(app, ["summarize", str(seed), "--json", "--model", "fake", "--base-url", fake.url, "--no-cache"])
    sent = fake.requests[-1]
    assert from_batch["body"] == sent  # messages, tools, tool_choice, model, temperature: all the same


@pytest.mark.parametrize("mode", ["tools", "json_schema", "md_json"])
def test_spliced_request_lines_equal_lines_built_whole(mode):
    """The shared part of a request is serialised once and each article's message spliced in (where the
    mode leaves messages as they are); the line must be the one built whole, whatever the text holds."""
    from summarizer.backends.llm import LLMBackend, LLMSettings
    from summarizer.backends.prompting import build_messages, reask_messages
    from summarizer.batch import RequestLines, request_line

    backend = LLMBackend(LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k", mode=mode))
    lines = RequestLines(backend)
    assert (lines.pieces is not None) == (mode != "md_json")
    messages = build_messages('正文"引号"\\ 反斜杠 \x00 \u2028 {{ item.title }}', "标题：某县\n")
    reask = reask_messages(messages, '{"summary": ""}', "pairings[0]: wrong")
    for conversation in (messages, reask):
        assert lines.line("id-1", conversation) == request_line("id-1", backend.request_body(conversation))


def test_states_then_collect_later_and_nothing_twice(fake, tmp_path):
    fake.batch_states = ["validating", "in_progress", "in_progress", "completed"]
    job = tmp_path / "job"
    assert batch(fake, "submit", "seeds", "--out", str(job)).exit_code == 0
    status_now = batch(fake, "status", str(job))
    assert "in_progress" in status_now.stdout and "0/5" in status_now.stdout
    early = batch(fake, "collect", str(job))
    assert early.exit_code == 0 and "5 waiting for batches still running" in early.stderr
    assert (job / "results.jsonl").read_text() == ""
    done = batch(fake, "collect", str(job))
    assert done.exit_code == 0 and "collected 5 article(s) now" in done.stderr
    again = batch(fake, "collect", str(job), "--jsonl", str(tmp_path / "all.jsonl"))
    assert "collected 0 article(s) now, 5 before" in again.stderr
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 5
    assert fake.uploads == 1 and fake.batches_created == 1
    refused = batch(fake, "submit", "seeds", "--out", str(job))
    assert refused.exit_code == 2 and "already holds a batch job" in refused.stderr


def test_a_killed_run_is_resumed_by_collect_without_submitting_again(fake, tmp_path):
    fake.batch_states = ["validating"] + ["in_progress"] * 10_000
    job = tmp_path / "job"
    env = dict(os.environ, SUMMARIZER_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "summarizer.cli", "batch", "run", "seeds", "--out", str(job),
                            "--model", "fake", "--base-url", fake.url, "--poll", "0.05"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = job / "job.json"
    deadline = time.time() + 60
    while time.time() < deadline and not (state.exists() and '"batch_id": "batch-1"' in state.read_text()):
        time.sleep(0.05)
    time.sleep(0.3)  # a few polls
    run.kill()
    run.wait()
    assert fake.batches_created == 1
    fake.batch_states = ["validating", "completed"]
    resumed = batch(fake, "collect", str(job))
    assert resumed.exit_code == 0, resumed.stderr
    assert "collected 5 article(s) now" in resumed.stderr
    assert fake.uploads == 1 and fake.batches_created == 1


def test_resubmitting_after_a_crash_between_upload_and_batch_finds_the_batch(fake, tmp_path):
    from summarizer.batch import Job

    job_dir = tmp_path / "job"
    assert batch(fake, "submit", "seeds", "--out", str(job_dir)).exit_code == 0
    job = Job.load(job_dir)
    job.parts[0].batch_id = None  # as if the run stopped before writing down the batch it had created
    job.save()
    import asyncio

    from summarizer.batch import submit

    backend = job.backend()

    async def resubmit():
        try:
            await submit(job, backend.openai_client())
        finally:
            await backend.aclose()

    asyncio.run(resubmit())
    assert job.parts[0].batch_id == "batch-1" and fake.batches_created == 1 and fake.uploads == 1


def test_expired_batch_keeps_what_came_and_resubmits_only_the_rest(fake, tmp_path):
    fake.batch_expire_after = 2
    done = batch(fake, "run", "seeds", "--out", str(tmp_path / "job"), "--poll", "0")
    assert done.exit_code == 1
    assert done.stderr.count("summarizer: failed:") == 3 and "completion window expired" in done.stderr
    assert len((tmp_path / "job" / "results.jsonl").read_text().splitlines()) == 2
    fake.batch_expire_after = None
    rest = batch(fake, "run", "seeds", "--out", str(tmp_path / "job2"), "--poll", "0")
    assert rest.exit_code == 0 and "submitted 3 request(s) for 3 article(s)" in rest.stderr
    assert "2 already cached" in rest.stderr


def test_error_file_lines_and_malformed_output_are_reported_per_article(fake, tmp_path):
    fake.batch_malformed = True
    fake.push(status(500, message="upstream model overloaded"))
    done = batch(fake, "run", "seeds", "--out", str(tmp_path / "job"), "--poll", "0")
    assert done.exit_code == 1
    assert "upstream model overloaded" in done.stderr and "1 line(s) of the provider's output" in done.stderr
    assert done.stderr.count("summarizer: failed:") == 1
    assert len((tmp_path / "job" / "results.jsonl").read_text().splitlines()) == 4


def ungrounded(seed):
    bad = gold_answer(seed)
    bad["funds"][0]["amount_text"] = "999万元"
    bad["funds"][0]["amount_yuan"] = "9990000"
    return bad


def test_answers_failing_the_checks_are_reasked_synchronously(fake, tmp_path):
    seed = seed_paths()[2]
    fake.push(answer(ungrounded(seed)), answer(gold_answer(seed)))
    done = batch(fake, "run", str(seed), "--out", str(tmp_path / "job"), "--poll", "0")
    assert done.exit_code == 0, done.stderr
    assert "1 answer(s) re-asked" in done.stderr and fake.batches_created == 1
    reask = fake.requests[-1]["messages"]
    assert reask[-2]["role"] == "assistant" and "999万元" in reask[-1]["content"]
    [result] = [json.loads(line) for line in (tmp_path / "job" / "results.jsonl").read_text().splitlines()]
    assert not [c for c in result["checks"] if c["rule"] == "record_dropped"]
    assert len(result["funds"]) == len(gold_answer(seed)["funds"])


def test_a_worse_sync_reask_keeps_the_batch_answers_good_records(fake, tmp_path):
    seed = seed_paths()[2]
    fake.push(answer(ungrounded(seed)), answer({}), answer({}), answer({}))
    done = batch(fake, "run", str(seed), "--out", str(tmp_path / "job"), "--poll", "0")
    assert done.exit_code == 0, done.stderr
    [result] = [json.loads(line) for line in (tmp_path / "job" / "results.jsonl").read_text().splitlines()]
    assert len(result["funds"]) == len(gold_answer(seed)["funds"]) - 1 and result["pairings"]
    assert [c for c in result["checks"] if c["rule"] == "record_dropped" and "999万元" in c["message"]]


def test_reask_in_a_follow_up_batch(fake, tmp_path):
    seed = seed_paths()[2]
    fake.push(answer(ungrounded(seed)), answer(gold_answer(seed)))
    done = batch(fake, "run", str(seed), "--out", str(tmp_path / "job"), "--poll", "0", "--reask", "batch")
    assert done.exit_code == 0, done.stderr
    assert fake.batches_created == 2 and fake.uploads == 2
    follow_up = (tmp_path / "job" / "requests-002.jsonl").read_text(encoding="utf-8")
    assert '~r1"' in follow_up and "999万元" in follow_up
    [result] = [json.loads(line) for line in (tmp_path / "job" / "results.jsonl").read_text().splitlines()]
    assert len(result["funds"]) == len(gold_answer(seed)["funds"])


def test_requests_are_split_by_count_and_by_size(fake, tmp_path):
    by_count = batch(fake, "submit", "seeds", "--out", str(tmp_path / "a"), "--max-requests", "2", "--no-cache")
    assert by_count.exit_code == 0 and "in 3 batch(es)" in by_count.stderr and fake.batches_created == 3
    line_bytes = max(len(line) for line in (tmp_path / "a" / "requests-001.jsonl").read_bytes().splitlines())
    by_size = batch(fake, "submit", "seeds", "--out", str(tmp_path / "b"), "--no-cache",
                    "--max-mb", str((line_bytes * 1.5) / 1024 / 1024))
    assert "in 5 batch(es)" in by_size.stderr
    for part in (tmp_path / "b").glob("requests-*.jsonl"):
        assert part.stat().st_size <= line_bytes * 1.5


def test_not_a_job_folder_and_no_key_are_one_line(fake, tmp_path, monkeypatch):
    missing = batch(fake, "collect", str(tmp_path))
    assert missing.exit_code == 2 and "not a batch job folder" in missing.stderr
    monkeypatch.delenv("OPENAI_API_KEY")
    no_key = runner.invoke(app, ["batch", "submit", "seeds", "--out", str(tmp_path / "j"), "--model", "fake"])
    assert no_key.exit_code == 2 and "OPENAI_API_KEY" in no_key.stderr
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    bad_reask = batch(fake, "run", "seeds", "--out", str(tmp_path / "k"), "--reask", "later")
    assert bad_reask.exit_code == 2 and "--reask 'later'" in bad_reask.stderr
    assert fake.uploads == 0 and not (tmp_path / "k").exists()  # refused before anything was submitted


def test_large_jobs_read_in_worker_processes_build_the_same_requests(fake, tmp_path, monkeypatch):
    import summarizer.batch as batch_module
    from summarizer.backends.llm import LLMBackend, LLMSettings

    backend = LLMBackend(LLMSettings(model="fake", base_url=fake.url, api_key=KEY))
    sources = [str(p) for p in seed_paths()] + [str(tmp_path / "missing.txt")]
    _, alone = batch_module.prepare(tmp_path / "alone", sources, backend, None)
    monkeypatch.setattr(batch_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(batch_module.os, "cpu_count", lambda: 2)
    _, pooled = batch_module.prepare(tmp_path / "pooled", sources, backend, None)
    assert pooled == alone and pooled.unreadable == [(sources[-1], "no such file")]
    for name in ("requests-001.jsonl", "articles.jsonl"):
        assert (tmp_path / "pooled" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()


def test_a_failed_upload_is_not_running_collect_says_so_and_submit_sends_it(fake, tmp_path):
    fake.upload_failures = 1
    job = tmp_path / "job"
    failed = batch(fake, "submit", "seeds", "--out", str(job))
    assert failed.exit_code == 1 and "upload refused by the test" in failed.stderr
    status_now = batch(fake, "status", str(job))
    assert "running" not in status_now.stdout and "never submitted" in status_now.stdout
    collect = batch(fake, "collect", str(job))
    assert collect.exit_code == 1 and "never submitted" in collect.stderr and "batch submit" in collect.stderr
    again = batch(fake, "submit", "seeds", "--out", str(job))
    assert again.exit_code == 0, again.stderr
    assert "not submitted" in again.stderr and fake.uploads == 1 and fake.batches_created == 1
    fake.batch_states = ["completed"]
    done = batch(fake, "collect", str(job))
    assert done.exit_code == 0 and "collected 5 article(s) now" in done.stderr


def test_batch_dry_run_sends_nothing_and_max_cost_refuses_before_uploading(fake, tmp_path):
    job = tmp_path / "job"
    dry = batch(fake, "submit", "seeds", "--out", str(job), "--dry-run", "--no-cache", "--price-in", "0.075",
                "--price-out", "0.3", "--currency", "EUR")
    assert dry.exit_code == 0, dry.stderr
    assert "5 request(s) for 5 article(s)" in dry.stderr and "EUR" in dry.stderr and "per article" in dry.stderr
    assert not job.exists() and fake.uploads == 0
    capped = batch(fake, "submit", "seeds", "--out", str(job), "--no-cache", "--price-in", "0.075",
                   "--price-out", "0.3", "--max-cost", "0.0001")
    assert capped.exit_code == 2 and "--max-cost" in capped.stderr and "nothing submitted" in capped.stderr
    assert fake.uploads == 0 and not (job / "job.json").exists()
