"""The LLM path against a scripted OpenAI-compatible server on 127.0.0.1 (no network, no real model)."""
import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from summarizer.backends.llm import LLMBackend, LLMSettings
from summarizer.backends.prompting import chunk_text
from summarizer.cache import Cache, raw_key
from summarizer.cli import app
from summarizer.pipeline import Pipeline

from fake_openai import FakeOpenAI, answer, drop, hang, status
from gold_answers import gold_answer, seed_paths

AID_ERRORS = ("comparable_aid_error", "accepted_kinds_aid_error")  # errors: 0.0 is a perfect score

SEED = seed_paths()[2]  # 002: a pairing, eight funds, sub-allocations
KEY = "sk-test-secret-key-0123456789"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def good():
    return gold_answer(SEED)


def backend(fake, **overrides) -> LLMBackend:
    settings = dict(model="fake-model", base_url=fake.url, api_key=KEY, timeout=5.0, max_wait=0.05,
                    transport_attempts=4, transport_total_seconds=30)
    settings.update(overrides)
    return LLMBackend(LLMSettings(**settings))


def run_one(fake, source=SEED, cache=None, **overrides):
    pipeline = Pipeline(backend(fake, **overrides), cache)

    async def once():
        try:
            return await pipeline.run_source(str(source))
        finally:
            await pipeline.aclose()

    return asyncio.run(once())


def test_good_answer_is_grounded_and_checked(fake, good):
    fake.push(answer(good))
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 1
    result = outcome.result
    assert [c for c in result.checks if c.severity.value == "error"] == []
    [pairing] = result.pairings
    assert pairing.helper.adcode == "120101" and pairing.recipient.adcode == "620421"
    for record in result.pairings + result.funds + result.measures:
        ev = record.evidence
        assert result.article.text[ev.start:ev.end] == ev.text and ev.alignment == "exact"
    assert result.provenance.backend == "openai" and result.provenance.model == "fake-model"
    assert result.provenance.input_tokens > 0 and result.provenance.prompt_version.startswith("p-")
    request = fake.requests[0]
    assert request["model"] == "fake-model" and request["tools"][0]["function"]["name"] == "ArticleExtraction"


def test_template_syntax_in_an_article_reaches_the_model_verbatim(fake, good, tmp_path):
    """Scraped pages keep template leftovers; instructor would render them as Jinja if given context=."""
    raw = SEED.read_text(encoding="utf-8")
    cut = raw.index("。", len(raw) // 2)
    page = tmp_path / SEED.name
    page.write_text(raw[:cut] + "（{{ item.title }}{# 注 #}{% if x %}）" + raw[cut:], encoding="utf-8")
    fake.push(answer(good))
    outcome = run_one(fake, source=page)
    assert outcome.ok, outcome.error
    assert "（{{ item.title }}{# 注 #}{% if x %}）" in fake.requests[0]["messages"][-1]["content"]
    assert outcome.result.funds and not [c for c in outcome.result.checks if c.rule == "record_dropped"]


def test_malformed_json_is_reasked(fake, good):
    fake.push(answer('{"summary": "broken'), answer(good))
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 2
    assert len(outcome.result.funds) == len(good["funds"])


def test_schema_violation_is_reasked_with_the_error(fake, good):
    bad = json.loads(json.dumps(good))
    bad["funds"][0]["kind"] = "gift"
    fake.push(answer(bad), answer(good))
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 2
    assert "gift" in json.dumps(fake.requests[1]["messages"], ensure_ascii=False)


def test_ungrounded_amount_is_reasked_then_kept_out_and_reported(fake, good):
    bad = json.loads(json.dumps(good))
    bad["funds"][0]["amount_text"] = "9999万元"
    bad["funds"][0]["amount_yuan"] = 99_990_000
    fake.push(answer(bad), answer(bad), answer(bad))
    outcome = run_one(fake)
    # the first try and one re-ask: the same answer again means another re-ask would not help
    assert outcome.ok and len(fake.requests) == 2
    reask = json.dumps(fake.requests[1]["messages"], ensure_ascii=False)
    assert "amount_grounded" in reask
    result = outcome.result
    assert all(f.amount_text != "9999万元" for f in result.funds)
    assert len(result.funds) == len(good["funds"]) - 1
    dropped = [c for c in result.checks if c.rule == "record_dropped"]
    assert len(dropped) == 1 and "9999万元" in dropped[0].message


def test_reasks_stop_at_the_bound_while_answers_change(fake, good):
    answers = []
    for n in range(3):
        bad = json.loads(json.dumps(good))
        bad["funds"][0]["amount_text"], bad["funds"][0]["amount_yuan"] = f"999{n}万元", 99_900_000 + n * 10_000
        answers.append(answer(bad))
    fake.push(*answers)
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 3  # the first try and two re-asks


def test_a_worse_reask_never_wipes_a_good_answer(fake, good):
    """A re-ask answered with nothing usable (an empty object) or with fewer records keeps what passed."""
    bad = json.loads(json.dumps(good))
    bad["funds"][0]["amount_text"] = "9999万元"
    fewer = json.loads(json.dumps(bad))
    fewer["pairings"], fewer["funds"] = [], fewer["funds"][:1]
    fake.push(answer(bad), answer({}), answer(fewer))
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 3
    result = outcome.result
    assert len(result.pairings) == 1 and len(result.funds) == len(good["funds"]) - 1
    assert [c for c in result.checks if c.rule == "record_dropped" and "9999万元" in c.message]
    [merged] = [c for c in result.checks if c.rule == "reask_merged"]
    assert "from the first answer" in merged.message and "pairing 和平区→靖远县" in merged.message


def test_one_amount_given_to_each_of_two_recipients_stays_two_records(fake, good):
    """各/分别: one amount and one quote, a record per recipient; none may be merged away, with or without a re-ask."""
    each = json.loads(json.dumps(good))
    twin = dict(each["funds"][0], recipient="富坪村")
    each["funds"].append(twin)
    bad = json.loads(json.dumps(each))
    bad["funds"][1]["amount_yuan"] *= 10  # amount_mismatch: one re-ask
    fake.push(answer(each), answer(bad), answer(each))
    for _ in range(2):
        result = run_one(fake).result
        same = [f for f in result.funds if f.amount_text == twin["amount_text"] and f.evidence.text == result.funds[0].evidence.text]
        assert {f.recipient for f in same} == {good["funds"][0]["recipient"], "富坪村"}
        assert len(result.funds) == len(each["funds"])


def test_one_amount_from_each_of_two_donors_stays_two_records(fake, good):
    """分别 by named donors: one amount and one quote, a record per donor, none merged away as a duplicate."""
    each = json.loads(json.dumps(good))
    twin = dict(each["funds"][0], donor="某某商会")
    each["funds"].append(twin)
    fake.push(answer(each))
    result = run_one(fake).result
    same = [f for f in result.funds if f.amount_text == twin["amount_text"] and f.evidence.text == result.funds[0].evidence.text]
    assert {f.donor for f in same} == {good["funds"][0]["donor"], "某某商会"} and len(result.funds) == len(each["funds"])


def test_a_reask_correction_replaces_the_failed_record(fake, good):
    bad = json.loads(json.dumps(good))
    bad["funds"][1]["amount_yuan"] *= 10  # amount_mismatch
    fake.push(answer(bad), answer(good))
    outcome = run_one(fake)
    assert len(fake.requests) == 2
    result = outcome.result
    assert len(result.funds) == len(good["funds"])
    assert not [c for c in result.checks if c.severity.value == "error"]


def test_swapped_helper_and_recipient_is_fixed_by_reask(fake, good):
    swapped = json.loads(json.dumps(good))
    p = swapped["pairings"][0]
    p["helper"], p["recipient"] = p["recipient"], p["helper"]
    fake.push(answer(swapped), answer(good))
    outcome = run_one(fake)
    assert "pairing_reversed" in json.dumps(fake.requests[1]["messages"], ensure_ascii=False)
    [pairing] = outcome.result.pairings
    assert (pairing.helper.name, pairing.recipient.name) == ("和平区", "靖远县")


def test_429_honours_retry_after(fake, good):
    fake.push(status(429, {"Retry-After": "1"}), answer(good))
    started = time.perf_counter()
    outcome = run_one(fake, max_wait=5)
    assert outcome.ok and len(fake.requests) == 2
    assert time.perf_counter() - started >= 0.9


def test_500s_are_retried_then_reported_per_article(fake, good):
    fake.push(status(500), status(503), answer(good))
    assert run_one(fake).ok and len(fake.requests) == 3
    fake.requests.clear()
    fake.default = lambda body: status(500)
    outcome = run_one(fake)
    assert not outcome.ok and len(fake.requests) == 4  # transport_attempts, then stop
    assert "HTTP 500" in outcome.error


def test_hang_past_the_timeout(fake, good):
    fake.push(hang(3), answer(good))
    outcome = run_one(fake, timeout=0.5)
    assert outcome.ok and len(fake.requests) == 2
    fake.default = lambda body: hang(3)
    outcome = run_one(fake, timeout=0.3, transport_attempts=2)
    assert not outcome.ok and "did not answer" in outcome.error


def test_dropped_connection_is_retried(fake, good):
    fake.push(drop(), answer(good))
    outcome = run_one(fake)
    assert outcome.ok and len(fake.requests) == 2


def test_auth_error_is_not_retried(fake):
    fake.push(status(401, message="bad key"))
    outcome = run_one(fake)
    assert not outcome.ok and "refused the API key" in outcome.error and len(fake.requests) == 1


def test_md_json_mode(fake, good):
    fake.default = lambda body: answer("```json\n" + json.dumps(good, ensure_ascii=False) + "\n```")
    outcome = run_one(fake, mode="md_json")
    assert outcome.ok and "tools" not in fake.requests[0]
    assert len(outcome.result.funds) == len(good["funds"])


def test_cache_second_run_sends_nothing_and_keeps_no_key(fake, good, tmp_path):
    cache = Cache(tmp_path / "c")
    fake.default = lambda body: answer(good)
    first = run_one(fake, cache=cache)
    assert first.ok and not first.cached and len(fake.requests) == 1
    second = run_one(fake, cache=cache)
    assert second.ok and second.cached and len(fake.requests) == 1
    assert second.result.funds == first.result.funds
    stats = cache.stats()
    assert stats.entries == 1 and stats.hits == 1 and stats.tokens_saved > 0
    for path in (tmp_path / "c").iterdir():
        assert KEY.encode() not in path.read_bytes()
    # another model is another cache entry
    run_one(fake, cache=cache, model="other-model")
    assert len(fake.requests) == 2


def run_many(fake, sources, cache, **overrides):
    pipeline = Pipeline(backend(fake, **overrides), cache)

    async def all_of_them():
        return dict([pair async for pair in pipeline.run_many([str(s) for s in sources], 4)])

    return asyncio.run(all_of_them())


def test_records_are_grounded_once_per_answer(fake, good, monkeypatch):
    """Validation grounds the answer to check it; the verify step takes those records over."""
    import summarizer.ground as ground_module
    from summarizer.regions import RegionResolver

    RegionResolver.for_text.cache_clear()  # resolvers are shared per text: start from a fresh one
    aligned, resolved = [], []
    align, resolve_name = ground_module.align, RegionResolver._resolve_name
    monkeypatch.setattr(ground_module, "align", lambda quote, text: aligned.append(quote) or align(quote, text))
    monkeypatch.setattr(RegionResolver, "_resolve_name",
                        lambda self, name: resolved.append(name) or resolve_name(self, name))
    fake.push(answer(good))
    outcome = run_one(fake)
    assert outcome.ok and len(outcome.result.funds) == len(good["funds"])
    quotes = len(good["pairings"]) + len(good["funds"]) + len(good["measures"])
    assert 0 < len(aligned) <= quotes
    assert sorted(resolved) == sorted({p[side] for p in good["pairings"] for side in ("helper", "recipient")})


def test_the_division_table_loads_once_the_first_wave_of_requests_is_out(monkeypatch):
    """Loading it (a thread holding the interpreter lock) while the first requests are built delayed them."""
    import summarizer.pipeline as pipeline_module
    from summarizer.backends.base import Extraction

    events = []

    class SlowBackend:
        name = "slow"

        def cache_identity(self):
            return {"backend": "slow"}

        async def extract(self, article):
            events.append("request")
            await asyncio.sleep(0.01)
            return Extraction(summary="x")

    monkeypatch.setattr(pipeline_module, "load_division_table_in_the_background", lambda: events.append("load"))
    pipeline = Pipeline(SlowBackend())

    async def all_of_them():
        return [pair async for pair in pipeline.run_many([str(s) for s in seed_paths()], 3)]

    assert len(asyncio.run(all_of_them())) == 5
    assert events[:4] == ["request", "request", "request", "load"] and events.count("load") == 1


def test_warm_run_answers_from_the_raw_bytes_without_cleaning(fake, good, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "c")
    fake.default = lambda body: answer(good)
    [cold] = run_many(fake, [SEED], cache).values()
    assert not cold.cached and len(fake.requests) == 1

    import summarizer.pipeline as pipeline_module

    def no_cleaning(text):
        raise AssertionError("a warm hit must not clean the article again")

    monkeypatch.setattr(pipeline_module, "clean", no_cleaning)
    [warm] = run_many(fake, [SEED], cache).values()
    assert warm.cached and len(fake.requests) == 1
    as_written = json.loads(warm.as_json())
    assert as_written["article"]["source"] == str(SEED) and as_written["provenance"]["cached"] is True
    for volatile in ("cached", "elapsed_ms"):
        as_written["provenance"].pop(volatile)
    expected = cold.result.model_dump(mode="json")
    for volatile in ("cached", "elapsed_ms"):
        expected["provenance"].pop(volatile)
    assert as_written == expected
    assert warm.result.funds == cold.result.funds  # built from the stored JSON only when asked
    assert cache.stats().hits == 1


def test_other_bytes_of_the_same_article_hit_by_cleaned_text_then_by_alias(fake, good, tmp_path):
    cache = Cache(tmp_path / "c")
    fake.default = lambda body: answer(good)
    run_many(fake, [SEED], cache)
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))  # other bytes, the same cleaned text
    [second] = run_many(fake, [copy], cache).values()
    assert second.cached and second.result is not None and len(fake.requests) == 1
    hits = cache.get_raw([raw_key(copy.read_bytes(), backend(fake).cache_identity())])
    assert len(hits) == 1  # the copy's bytes now lead straight to the entry
    cache.clear()
    assert cache.db.execute("SELECT COUNT(*) FROM raw_aliases").fetchone()[0] == 0


def test_long_articles_are_chunked_on_paragraphs():
    text = "\n".join(f"第{i}段，" + "内容" * 50 for i in range(10))
    chunks = chunk_text(text, 400)
    assert len(chunks) > 2
    assert all(len(c) <= 400 + 110 for c in chunks)
    paragraphs = text.split("\n")
    assert all(any(p in c for c in chunks) for p in paragraphs)
    assert chunks[0].split("\n")[-1] == chunks[1].split("\n")[0]  # one paragraph of overlap


def test_chunk_results_are_merged(fake, good):
    fake.default = lambda body: answer(good)
    outcome = run_one(fake, chunk_chars=600)
    assert len(fake.requests) > 1
    # the same quotes from overlapping chunks come back once
    keys = [(f.amount_yuan, f.evidence.start) for f in outcome.result.funds]
    assert len(keys) == len(set(keys))


def _gold_server(fake):
    answers = {}
    for path in seed_paths():
        good = gold_answer(path)
        answers[good["summary"][:30]] = good

    def reply(body):
        user = body["messages"][-1]["content"]
        for key, value in answers.items():
            if key in user:
                return answer(value)
        return status(500)

    fake.default = reply


def test_cli_end_to_end_gold_round_trip_scores_one_and_resumes_from_cache(fake, tmp_path, monkeypatch):
    _gold_server(fake)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    out = tmp_path / "llm.jsonl"
    runner = CliRunner()
    args = ["summarize", "seeds/", "--backend", "openai", "--model", "fake", "--base-url", fake.url,
            "--jsonl", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "tokens:" in result.stderr
    assert len(fake.requests) == 5
    scores = json.loads(runner.invoke(app, ["eval", "seeds/gold", str(out), "--json"]).stdout)["micro"]
    assert all(value == (0.0 if name in AID_ERRORS else 1.0) for name, value in scores.items()), scores
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and len(fake.requests) == 5  # all from the cache
    assert "5 from cache" in again.stderr


def test_a_warm_run_never_imports_the_http_client(fake, tmp_path, monkeypatch):
    """openai + instructor take longer to import than a whole warm run takes: only a miss loads them."""
    _gold_server(fake)
    args = ["summarize", "seeds/", "--backend", "openai", "--model", "fake", "--base-url", fake.url, "--jsonl"]
    env = dict(os.environ, OPENAI_API_KEY=KEY, SUMMARIZER_CACHE_DIR=str(tmp_path / "cache"))

    def imported_by_a_run() -> tuple[set[str], int]:
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "summarizer.cli", *args], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
        return modules, len(done.stdout.splitlines())

    cold, results = imported_by_a_run()
    assert results == 5 and {"openai", "instructor"} <= cold and len(fake.requests) == 5
    warm, results = imported_by_a_run()
    assert results == 5 and len(fake.requests) == 5
    assert not {name for name in warm if name.split(".")[0] in ("openai", "instructor", "httpx", "tenacity")}


def test_one_failing_article_does_not_stop_the_batch(fake, tmp_path, monkeypatch):
    _gold_server(fake)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    original = fake.default

    def flaky(body):
        if "靖远县" in body["messages"][-1]["content"]:
            return status(500)
        return original(body)

    fake.default = flaky
    out = tmp_path / "llm.jsonl"
    args = ["summarize", "seeds/", "--backend", "openai", "--model", "fake", "--base-url", fake.url, "--jsonl",
            "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "002_c52947674760a02e.txt" in result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    fake.default = original
    fake.requests.clear()
    assert CliRunner().invoke(app, args).exit_code == 0
    assert len(fake.requests) == 1  # only the article that failed is asked again


@pytest.mark.parametrize("changed", [("summarizer", "checks.py"), ("summarizer", "clean.py"),
                                     ("summarizer", "data/vocabulary.toml"), ("summarizer", "rules/funds.py"),
                                     ("summarizer", "data/pairings.tsv")])
def test_a_warm_run_after_a_change_to_checks_or_cleaning_recomputes(fake, good, tmp_path, monkeypatch, changed):
    """A stored result is a final result (cleaned, grounded, checked): it is valid only for the code that made it."""
    import summarizer.fingerprint as fingerprint

    cache = Cache(tmp_path / "c")
    fake.default = lambda body: answer(good)
    [cold] = run_many(fake, [SEED], cache).values()
    [warm] = run_many(fake, [SEED], cache).values()
    assert not cold.cached and warm.cached and len(fake.requests) == 1

    files = fingerprint._files
    monkeypatch.setattr(fingerprint, "_files", lambda package: [
        (name, data + (b"\n# edited\n" if (package, name) == changed else b"")) for name, data in files(package)])
    fingerprint.code_fingerprint.cache_clear()
    try:
        [after] = run_many(fake, [SEED], cache).values()
        assert not after.cached and len(fake.requests) == 2  # neither the raw-bytes alias nor the text key hit
    finally:
        fingerprint.code_fingerprint.cache_clear()


def test_instructor_is_used_through_its_public_api_only():
    """The next instructor release must not break every request: no private module, no patched internals."""
    import re as regex

    import instructor

    from summarizer.backends import llm_client

    source = open(llm_client.__file__, encoding="utf-8").read()
    used = set(regex.findall(r"\binstructor\.([A-Za-z_]\w*)", source))
    used = {name for name in used if not name.startswith(("py", "md"))}  # words in comments and docstrings
    assert used <= set(instructor.__all__) | {"core"}, used - set(instructor.__all__)
    imports = set(regex.findall(r"^from (instructor[\w.]*) import", source, regex.M))
    assert imports <= {"instructor.core"}, imports  # InstructorRetryException's documented home
    assert "v2" not in source and "mode_registry" not in source


def test_a_reask_that_fails_on_the_wire_keeps_the_checked_first_answer(fake, good):
    bad = json.loads(json.dumps(good))
    bad["funds"][0]["amount_text"] = "9999万元"
    for _ in range(4):  # each transport attempt: the first answer, then a failing re-ask
        fake.push(answer(bad), status(500))
    outcome = run_one(fake)
    assert outcome.ok, outcome.error
    result = outcome.result
    assert len(result.pairings) == 1 and len(result.funds) == len(good["funds"]) - 1
    [failed] = [c for c in result.checks if c.rule == "reask_failed"]
    assert "HTTP 500" in failed.message and failed.severity.value == "warning"
