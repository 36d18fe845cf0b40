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


# --- a multi-item document (items.py): each item read is an article of its own, as in summarize ---------

FILLER = "本台消息：{topic}。据介绍，第{k}季度各项指标运行平稳，相关部门将继续跟踪监测，确保年度计划按期落地。"
TEA = ("本台消息：大连市对口帮扶六盘水市以来，今年投入协作资金5600万元，在水城区建成高山茶叶加工车间三座，"
       "带动四百余户茶农增收。")
SCHOOL = "本台消息：天津市对口支援和田地区，援建的策勒县职业技术学校本周迎来首批新生，可容纳学生两千四百人。"
PROGRAMME = [("秋粮收购进度过半", "全国秋粮收购进度已超过五成，各地粮库加快入库"),
             ("大连六盘水携手 茶叶走出深山", [TEA, "两市还互派挂职干部二十六名，共同开办茶艺技能培训班十一期。"]),
             ("北方地区迎来首场寒潮", "气象台发布寒潮蓝色预警，北方多地气温将下降八到十度"),
             ("天津援建和田 职业学校开学", [SCHOOL, "天津援疆干部介绍，学校开设电子商务和农机维修等专业。"]),
             ("高速公路网新增通车里程", "今年前十个月新建成高速公路四千余公里"),
             ("博物馆夜场参观人数创新高", "多地博物馆延长开放时间，夜场参观人数同比明显增加")]


def day_programme() -> str:
    """A day's news programme: six items under ### headings, two (2 and 4) about pairing assistance."""
    lines = ["# 《夜间要闻》 (20241106)"]
    for title, body in PROGRAMME:
        lines.append(f"### {title}")
        lines += body if isinstance(body, list) else ["".join(FILLER.format(topic=body, k=k) for k in range(1, 13))]
    return "\n".join(lines)


ITEM_ANSWERS = {
    "茶叶加工车间": {
        "metadata": {"title": None, "published": None, "published_quote": None, "outlet": None},
        "summary": "大连市对口帮扶六盘水市，今年投入协作资金5600万元建茶叶加工车间。",
        "pairings": [{"helper": "大连市", "recipient": "六盘水市", "relation": "east_west",
                      "quote": "大连市对口帮扶六盘水市以来"}],
        "funds": [{"amount_text": "5600万元", "amount_yuan": 56_000_000, "kind": "fiscal", "donor": "大连市",
                   "recipient": "六盘水市", "purpose": "茶叶加工车间", "year": None, "part_of": None, "status": "paid",
                   "cumulative": False, "per_unit": False, "quote": "今年投入协作资金5600万元"}],
        "measures": [{"category": "industry", "description": "建成高山茶叶加工车间", "indicators": [
            {"name": "茶叶加工车间", "value": 3, "unit": "座"}], "quote": "在水城区建成高山茶叶加工车间三座"}]},
    "职业技术学校": {
        "metadata": {"title": None, "published": None, "published_quote": None, "outlet": None},
        "summary": "天津市对口支援和田地区，援建的策勒县职业技术学校迎来首批新生。",
        "pairings": [{"helper": "天津市", "recipient": "和田地区", "relation": "counterpart_support",
                      "quote": "天津市对口支援和田地区"}],
        "funds": [],
        "measures": [{"category": "education", "description": "援建职业技术学校", "indicators": [],
                      "quote": "援建的策勒县职业技术学校本周迎来首批新生"}]},
}


def item_or_seed_reply(body):
    user = body["messages"][-1]["content"]
    found = [payload for marker, payload in ITEM_ANSWERS.items() if marker in user]
    return answer(found[0]) if len(found) == 1 else gold_reply(body)


@pytest.fixture
def corpus(tmp_path, fake):
    fake.default = item_or_seed_reply
    folder = tmp_path / "corpus"
    folder.mkdir()
    for seed in seed_paths()[:2]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "day.txt").write_text(day_programme(), encoding="utf-8")
    return folder


def without_provenance(line: str) -> dict:
    result = json.loads(line)
    result.pop("provenance")
    return result


def test_batch_sends_only_the_items_about_pairing_assistance_and_collects_each_as_its_own_result(fake, corpus,
                                                                                                 tmp_path):
    job = tmp_path / "job"
    done = batch(fake, "run", str(corpus), "--out", str(job), "--poll", "0")
    assert done.exit_code == 0, done.stderr
    day = corpus / "day.txt"
    assert f"{day}: 6 items, 2 read; 4 skipped (no pairing-assistance content): 1, 3, 5, 6" in done.stderr
    assert "submitted 4 request(s) for 4 article(s)" in done.stderr and "collected 4 article(s)" in done.stderr
    sent = [json.loads(line)["body"]["messages"][-1]["content"].split("文章：\n", 1)[1]
            for line in (job / "requests-001.jsonl").read_text(encoding="utf-8").splitlines()]
    item_requests = [text for text in sent if "本台消息" in text]
    assert len(item_requests) == 2 and not [t for t in item_requests if "秋粮" in t or "寒潮" in t or "博物馆" in t]
    results = {r["article"]["source"]: r for r in map(json.loads, (job / "results.jsonl").read_text().splitlines())}
    tea, school = results[f"{day}#2"], results[f"{day}#4"]
    assert len(results) == 4 and f"{day}" not in results
    assert tea["article"]["title"] == "大连六盘水携手 茶叶走出深山" and tea["article"]["published"] == "2024-11-06"
    assert [(p["helper"]["name"], p["recipient"]["name"]) for p in tea["pairings"]] == [("大连市", "六盘水市")]
    assert [f["amount_yuan"] for f in tea["funds"]] == [56_000_000]
    assert school["article"]["text"].startswith("天津援建和田 职业学校开学\n")
    assert [(p["helper"]["name"], p["recipient"]["name"]) for p in school["pairings"]] == [("天津市", "和田地区")]
    for result in (tea, school):
        evidence = result["pairings"][0]["evidence"]
        assert result["article"]["text"][evidence["start"]:evidence["end"]] == evidence["text"]

    sent_before = len(fake.requests)
    again = runner.invoke(app, ["summarize", str(corpus), "--jsonl", "--backend", "openai", "--model", "fake",
                                "--base-url", fake.url])
    assert again.exit_code == 0 and len(fake.requests) == sent_before and "4 from cache" in again.stderr
    rerun = batch(fake, "submit", str(corpus), "--out", str(tmp_path / "job2"))
    assert "submitted 0 request(s) for 0 article(s)" in rerun.stderr and "4 already cached" in rerun.stderr
    assert "4 skipped (no pairing-assistance content)" in rerun.stderr


def test_batch_and_summarize_give_the_same_records_for_the_same_answers(fake, corpus, tmp_path):
    job = tmp_path / "job"
    assert batch(fake, "run", str(corpus), "--out", str(job), "--poll", "0", "--no-cache").exit_code == 0
    from_batch = {r["article"]["source"]: r for r in map(without_provenance, (job / "results.jsonl").read_text()
                                                         .splitlines())}
    batch_requests = [json.loads(line)["body"] for line in (job / "requests-001.jsonl").read_text().splitlines()]
    fake.requests.clear()
    synchronous = runner.invoke(app, ["summarize", str(corpus), "--jsonl", "--backend", "openai", "--model", "fake",
                                      "--base-url", fake.url, "--no-cache"])
    assert synchronous.exit_code == 0, synchronous.stderr
    assert "6 items, 2 read; 4 skipped (no pairing-assistance content): 1, 3, 5, 6" in synchronous.stderr
    from_summarize = {r["article"]["source"]: r for r in map(without_provenance, synchronous.stdout.splitlines())}
    assert len(from_batch) == 4 and from_batch == from_summarize
    key = lambda body: body["messages"][-1]["content"]  # noqa: E731
    assert sorted(batch_requests, key=key) == sorted(fake.requests, key=key)  # the same bodies, byte for byte


def test_the_dry_run_estimates_the_items_read_and_names_the_rest(fake, corpus, tmp_path):
    dry = batch(fake, "submit", str(corpus), "--out", str(tmp_path / "job"), "--dry-run", "--no-cache")
    assert dry.exit_code == 0, dry.stderr
    assert "4 request(s) for 4 article(s)" in dry.stderr and "4 skipped (no pairing-assistance content)" in dry.stderr
    from summarizer.backends.llm import LLMBackend, LLMSettings
    from summarizer.cost import estimate

    backend = LLMBackend(LLMSettings(model="fake", base_url=fake.url, api_key=KEY))
    found = estimate([str(p) for p in sorted(corpus.iterdir())], backend)
    assert set(found.per_source) == {str(p) for p in corpus.iterdir()}  # --max-cost holds back inputs
    assert fake.uploads == 0


def test_a_long_documents_batch_request_carries_its_passages_as_summarize_sends_them(fake, tmp_path):
    from test_long_documents import work_report

    fake.default = lambda body: answer({"summary": "", "pairings": [], "funds": [], "measures": []})
    report = tmp_path / "report.txt"
    report.write_text(work_report(), encoding="utf-8")
    assert batch(fake, "submit", str(report), "--out", str(tmp_path / "job"), "--no-cache").exit_code == 0
    [line] = (tmp_path / "job" / "requests-001.jsonl").read_text(encoding="utf-8").splitlines()
    runner.invoke(app, ["summarize", str(report), "--json", "--backend", "openai", "--model", "fake",
                        "--base-url", fake.url, "--no-cache"])
    assert json.loads(line)["body"] == fake.requests[-1]
    assert "其余部分已略去" in fake.requests[-1]["messages"][-1]["content"]
