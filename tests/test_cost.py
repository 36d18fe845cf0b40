"""Cost before and after a run: --dry-run, --max-cost, and the token line (fake server on 127.0.0.1)."""
import pytest
from typer.testing import CliRunner

from summarizer.cost import Budget, Estimate, cost_of, money

from fake_openai import FakeOpenAI
from gold_answers import gold_reply

runner = CliRunner()


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cost")
    with FakeOpenAI() as server:
        server.default = gold_reply
        yield server


def summarize(fake, *args):
    from summarizer.cli import app

    return runner.invoke(app, ["summarize", "seeds", "--model", "fake", "--base-url", fake.url, "--jsonl", *args])


def test_dry_run_sends_nothing_needs_no_key_and_prices_in_the_named_currency(fake, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    done = summarize(fake, "--dry-run", "--price-in", "0.15", "--price-out", "0.6", "--currency", "CNY",
                     "--cache-dir", str(tmp_path / "cache"))
    assert done.exit_code == 0, done.stderr
    assert fake.requests == [] and done.stdout == ""
    assert "5 request(s) for 5 article(s)" in done.stderr and "CNY" in done.stderr and "per article" in done.stderr
    assert "input" in done.stderr and "output tokens" in done.stderr
    assert not (tmp_path / "cache").exists()  # a dry run creates no cache


def test_dry_run_leaves_out_what_the_cache_holds(fake, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert summarize(fake, "--out", str(tmp_path / "r.jsonl"), *cache).exit_code == 0
    dry = summarize(fake, "--dry-run", *cache)
    assert "0 request(s) for 0 article(s) (5 already cached" in dry.stderr


def test_rules_backend_dry_run_says_it_costs_nothing():
    from summarizer.cli import app

    done = runner.invoke(app, ["summarize", "seeds", "--backend", "rules", "--dry-run"])
    assert done.exit_code == 0 and "no request" in done.stderr and done.stdout == ""


def test_token_line_names_the_currency_and_the_cost_per_article(fake, tmp_path):
    done = summarize(fake, "--no-cache", "--price-in", "0.15", "--price-out", "0.6", "--out", str(tmp_path / "r.jsonl"))
    assert done.exit_code == 0, done.stderr
    line = next(l for l in done.stderr.splitlines() if l.startswith("tokens:"))
    assert "USD" in line and "per article" in line and "5 article(s) sent" in line


def test_max_cost_stops_sending_at_the_cap_and_says_what_was_not_sent(fake, tmp_path):
    one_article = 0.15 * 6000 / 1e6 + 0.6 * 2000 / 1e6  # about what one seed is estimated at
    done = summarize(fake, "--no-cache", "-j", "1", "--price-in", "0.15", "--price-out", "0.6",
                     "--max-cost", f"{one_article * 1.5:.6f}", "--out", str(tmp_path / "r.jsonl"))
    assert done.exit_code == 1
    assert 1 <= len(fake.requests) < 5
    assert "not attempted" in done.stderr and "--max-cost" in done.stderr


def test_max_cost_needs_a_price(fake):
    done = summarize(fake, "--max-cost", "1")
    assert done.exit_code == 2 and "--price-in" in done.stderr and fake.requests == []


def test_budget_reserves_in_flight_estimates_and_stops_for_good():
    found = Estimate(per_source={"a": (1_000_000, 0), "b": (1_000_000, 0), "c": (100_000, 0)})
    budget = Budget(2.5, 1.0, 1.0, found)
    assert budget.reserve("a") and budget.reserve("b")
    assert budget.reserve("c")  # a and b in flight: 2.0 reserved, and c's 0.1 still fits under 2.5
    budget.settle("a", {"input_tokens": 1_500_000, "output_tokens": 0})
    assert budget.spent == pytest.approx(1.5)
    assert budget.reserve("cached-or-unreadable")  # nothing to send costs nothing
    budget = Budget(1.0, 1.0, 1.0, found)
    assert budget.reserve("a") and not budget.reserve("b") and not budget.reserve("c")  # stopped for good


def test_money_reads_as_money():
    assert money(cost_of(5_000_000, 1_400_000, 0.15, 0.6), "USD") == "1.59 USD"
    assert money(0.00162, "EUR") == "0.0016 EUR" and money(1234.5, "CNY") == "1,234 CNY"
