"""The LLM path's metadata, worked examples, and record/replay (issue 12), against the fake server."""
import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.backends.llm import LLMBackend, LLMSettings
from summarizer.backends.prompting import ArticleExtraction, prompt_overhead, request_header
from summarizer.clean import clean
from summarizer.cli import app
from summarizer.pipeline import Pipeline
from summarizer.reader import Document
from summarizer.schemas import Article, Script

from fake_openai import FakeOpenAI, answer

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "gold-roundtrip-seeds"
PAGE = ("天河区助力梅县区发展茶产业\n栏目：要闻速递\n"
        "今年，天河区对口帮扶梅县区，投入帮扶资金500万元，发展茶叶产业。\n来源：梅州日报\n")
ANSWER = {
    "metadata": {"title": "天河区助力梅县区发展茶产业", "published": None, "published_quote": None, "outlet": "梅州日报"},
    "summary": "天河区对口帮扶梅县区，投入帮扶资金500万元发展茶叶产业。",
    "pairings": [{"helper": "天河区", "recipient": "梅县区", "relation": "counterpart_assistance",
                  "quote": "今年，天河区对口帮扶梅县区，投入帮扶资金500万元，发展茶叶产业。"}],
    "funds": [], "measures": [],
}


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def summarize(fake_url: str, text: str, **settings):
    backend = LLMBackend(LLMSettings(model="m", base_url=fake_url, api_key="sk-test", timeout=5, max_wait=0.05,
                                     transport_attempts=2, **settings))
    pipeline = Pipeline(backend)

    async def once():
        try:
            return await pipeline.run_document(Document(source="page.txt", text=text))
        finally:
            await pipeline.aclose()

    return asyncio.run(once())


def test_a_wrong_cleaner_guess_gives_way_to_the_models_checked_title(fake, monkeypatch):
    import summarizer.pipeline as pipeline

    def wrong_guess(raw):  # the cleaner took the column line for the title, without confidence
        cleaned = clean(raw)
        cleaned.title, cleaned.confident = "栏目：要闻速递", cleaned.confident - {"title"}
        return cleaned

    monkeypatch.setattr(pipeline, "clean", wrong_guess)
    cleaned = wrong_guess(PAGE)
    assert "outlet" in cleaned.confident  # 来源：… is read with confidence
    header = request_header(cleaned)
    assert "标题：" not in header and "天河区助力梅县区发展茶产业" in header  # a guess is not sent as a fact
    fake.script.append(answer(ANSWER))
    result = summarize(fake.url, PAGE)
    assert result.article.title == "天河区助力梅县区发展茶产业" and result.article.outlet == "梅州日报"
    assert result.provenance.metadata_source == {"title": "model", "outlet": "cleaner"}


def test_metadata_that_is_not_on_the_page_is_reasked(fake):
    made_up = json.loads(json.dumps(ANSWER))
    made_up["metadata"]["title"] = "天河区梅县区茶产业喜获丰收"  # not on the page
    made_up["metadata"]["published"] = "2021-05-06"
    made_up["metadata"]["published_quote"] = "今年"
    fake.script.extend([answer(made_up), answer(ANSWER)])
    result = summarize(fake.url, PAGE)
    assert len(fake.requests) == 2 and result.article.title == "天河区助力梅县区发展茶产业"
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "metadata.title" in reask and "metadata.published" in reask


@pytest.mark.parametrize("index", range(len(json.loads((ROOT / "prompts" / "examples.json").read_text("utf-8")))))
def test_every_worked_example_passes_the_projects_own_checks(index):
    example = json.loads((ROOT / "prompts" / "examples.json").read_text("utf-8"))[index]
    text = example["article"]
    article = Article(id="x", source="example", original_script=Script.simplified, text=text)
    page = text + "\n" + example.get("header", "")
    # The same validation a model's answer gets: grounding, every rule check, the metadata rule.
    ArticleExtraction.model_validate(example["answer"], context={"article": article, "page": page})


def test_prompt_size_is_printed(capsys):
    result = CliRunner().invoke(app, ["schema", "--prompt"])
    assert result.exit_code == 0 and "tokens per request before the article" in result.stdout
    overhead = prompt_overhead()
    assert overhead["example_count"] == 5 and 2000 < overhead["total"] < 7000


def test_gold_round_trip_fixture_replays_to_one_on_every_metric():
    """A round-trip test of record/replay and the pipeline: the fixture's answers are built from the gold,
    so 1.00 means nothing was lost on the way, not that any model scores 1.00."""
    result = CliRunner().invoke(app, ["eval", "seeds/gold", "seeds", "--replay", str(FIXTURE), "--no-cache", "--json"])
    assert result.exit_code == 0, result.stderr
    micro = json.loads(result.stdout)["micro"]
    assert micro == {k: 0.0 if k in ("comparable_aid_error", "accepted_kinds_aid_error") else 1.0 for k in micro}


def test_record_then_replay_reproduces_the_run_without_a_server(fake, tmp_path):
    fake.default = lambda body: answer(ANSWER)
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    runner = CliRunner()
    live = runner.invoke(app, ["summarize", str(page), "--model", "m", "--base-url", fake.url, "--record",
                               str(tmp_path / "rec"), "--no-cache", "--json"], env={"OPENAI_API_KEY": "sk-test"})
    assert live.exit_code == 0 and len(list((tmp_path / "rec").glob("*.json"))) == 1
    replayed = runner.invoke(app, ["summarize", str(page), "--replay", str(tmp_path / "rec"), "--no-cache", "--json"])
    assert replayed.exit_code == 0
    strip = lambda doc: {k: v for k, v in json.loads(doc).items() if k != "provenance"}  # noqa: E731
    assert strip(replayed.stdout) == strip(live.stdout)
    other = tmp_path / "other.txt"
    other.write_text(PAGE.replace("500万元", "600万元"), encoding="utf-8")
    missing = runner.invoke(app, ["summarize", str(other), "--replay", str(tmp_path / "rec"), "--no-cache"])
    assert missing.exit_code == 1 and "no recorded answer" in missing.stderr


def _objects(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


def test_json_schema_mode_sends_a_strict_schema_and_still_parses(fake):
    fake.script.append(answer(ANSWER))
    result = summarize(fake.url, PAGE, mode="json_schema")
    assert result.pairings and result.article.title == "天河区助力梅县区发展茶产业"
    fmt = fake.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    objects = list(_objects(fmt["json_schema"]["schema"]))
    assert len(objects) >= 5  # the extraction, metadata, pairing, fund, measure, indicator drafts
    for obj in objects:
        assert obj["additionalProperties"] is False and set(obj["required"]) == set(obj["properties"])
    assert '"default"' not in json.dumps(fmt)
    # Optional fields stay nullable, so a strict provider can still say "none".
    metadata = fmt["json_schema"]["schema"]["$defs"]["MetadataDraft"]["properties"]["title"]
    assert {"type": "null"} in metadata["anyOf"]


BYLINE_PAGE = ("东川区帮扶西岭县建成光伏电站\n2020-07-19 来源：东川日报\n"
               "东川区对口帮扶西岭县，投入帮扶资金300万元建设光伏电站。\n")


def test_what_the_cleaner_knows_is_stated_as_fact_and_never_checked_as_a_quote(fake):
    cleaned = clean(BYLINE_PAGE)
    assert cleaned.confident == {"title", "published", "outlet"}
    header = request_header(cleaned)
    assert header.startswith("已知") and "发布日期：2020-07-19" in header and "页面正文外" not in header
    quoted_header = {
        "metadata": {"title": "东川区帮扶西岭县建成光伏电站", "published": "2020-07-19",
                     "published_quote": "发布日期：2020-07-19", "outlet": "东川日报"},  # the request's own line
        "summary": "东川区对口帮扶西岭县，投入300万元建设光伏电站。",
        "pairings": [{"helper": "东川区", "recipient": "西岭县", "relation": "counterpart_assistance",
                      "quote": "东川区对口帮扶西岭县，投入帮扶资金300万元建设光伏电站。"}],
        "funds": [], "measures": []}
    null_quote = json.loads(json.dumps(quoted_header))
    null_quote["metadata"]["published_quote"] = None
    for given in (quoted_header, null_quote):
        fake.requests.clear()
        fake.script.append(answer(given))
        result = summarize(fake.url, BYLINE_PAGE)
        assert len(fake.requests) == 1, "a tool-stated value was checked as a page quote"
        assert result.article.published == "2020-07-19" and result.article.title == "东川区帮扶西岭县建成光伏电站"
        assert result.provenance.metadata_source == {"title": "cleaner", "published": "cleaner", "outlet": "cleaner"}


def test_a_caption_above_the_byline_is_never_a_confident_title(fake):
    page = ("图为帮扶干部在茶园查看茶叶长势\n2020-07-19 来源：东川日报\n"
            "东川区对口帮扶西岭县，投入帮扶资金300万元建设光伏电站。\n")
    cleaned = clean(page)
    assert "title" not in cleaned.confident and "published" in cleaned.confident
    assert "标题：" not in request_header(cleaned)


def test_an_unknown_date_without_its_quote_is_reasked_with_how_to_fix_it(fake):
    no_quote = json.loads(json.dumps(ANSWER))
    no_quote["metadata"]["published"], no_quote["metadata"]["published_quote"] = "2021-05-06", None
    fake.script.extend([answer(no_quote), answer(ANSWER)])
    result = summarize(fake.url, PAGE)
    assert len(fake.requests) == 2 and result.article.published is None
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "needs published_quote" in reask and "or set published to null" in reask
