"""What a run will cost before it is sent, what it cost after, and a cap on what it may spend.

Tokens are estimated without a tokenizer (about one token per Han character, one per four other
characters: `estimate_tokens`), for exactly the requests the run would send: one per article
chunk, the system prompt, worked examples and response schema included, articles already in the
cache left out. The answer is estimated from the article: a strong model's answers to the tool's
own requests (shared/model-answers, 33 articles) ran to 1.9 tokens per token of article, because
every record quotes its evidence; answers to the current prompt (devset/model-answers, 15) ran to
1.5 in all, median 1.8: the estimate errs high, as a budget should. Re-asks (at most 2 per request,
only when an answer fails the checks) are not in the estimate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .backends.prompting import build_messages, estimate_tokens, prompt_overhead

OUTPUT_PER_ARTICLE_TOKEN = 1.9  # measured: estimated answer tokens / article-message tokens, 33 real answers
DEFAULT_CURRENCY = "USD"


@dataclass
class Estimate:
    articles: int = 0  # articles that would be sent
    requests: int = 0
    cached: int = 0  # already in the cache: nothing sent
    duplicates: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    # input -> (input, output) tokens (a multi-item document's items summed: --max-cost holds back inputs)
    per_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # per multi-item document, the items skipped


def request_tokens(chunks: list[str], header: str, overhead: int) -> tuple[int, int]:
    """(input, output) tokens of one article's requests."""
    tokens_in = tokens_out = 0
    for chunk in chunks:
        article = estimate_tokens(build_messages(chunk, header)[-1]["content"])
        tokens_in += overhead + article
        tokens_out += round(article * OUTPUT_PER_ARTICLE_TOKEN)
    return tokens_in, tokens_out


def estimate(sources: list[str], backend, cache=None) -> Estimate:
    """The requests `summarize` or `batch submit` would send for these inputs with this backend and cache."""
    from .batch import new_requests

    overhead = prompt_overhead()["total"]
    result = Estimate()
    for request in new_requests(sources, backend.cache_identity(), backend.settings.chunk_chars, cache, result):
        tokens = request_tokens(request.chunks, request.header, overhead)
        before = result.per_source.get(request.document, (0, 0))
        result.per_source[request.document] = (before[0] + tokens[0], before[1] + tokens[1])
        result.articles += 1
        result.requests += len(request.chunks)
        result.input_tokens += tokens[0]
        result.output_tokens += tokens[1]
    return result


def cost_of(tokens_in: int, tokens_out: int, price_in: float | None, price_out: float | None) -> float:
    """Prices are per million tokens."""
    return tokens_in / 1e6 * (price_in or 0) + tokens_out / 1e6 * (price_out or 0)


def money(value: float, currency: str) -> str:
    """Cents for sums a person reads as money, more digits for the fractions a single article costs."""
    if value >= 100:
        return f"{value:,.0f} {currency}"
    return f"{value:,.2f} {currency}" if value >= 1 else f"{value:.4f} {currency}"


def estimate_line(found: Estimate, price_in: float | None, price_out: float | None, currency: str) -> str:
    line = (f"dry run: {found.requests} request(s) for {found.articles} article(s) ({found.cached} already cached, "
            f"{found.duplicates} duplicate(s) not sent); estimated {found.input_tokens:,} input + "
            f"{found.output_tokens:,} output tokens")
    if price_in is not None or price_out is not None:
        total = cost_of(found.input_tokens, found.output_tokens, price_in, price_out)
        line += f"; cost ≈ {money(total, currency)}"
        if found.articles:
            line += f" ({money(total / found.articles, currency)} per article)"
    return line + "; re-asks, if any, come on top"


class Budget:
    """--max-cost: an article is sent only if what was spent, plus what the articles in flight are estimated
    to cost, plus its own estimate, stays within the cap."""

    def __init__(self, limit: float, price_in: float | None, price_out: float | None, found: Estimate,
                 currency: str = DEFAULT_CURRENCY):
        self.limit, self.price_in, self.price_out, self.currency = limit, price_in, price_out, currency
        self.estimates = {s: cost_of(i, o, price_in, price_out) for s, (i, o) in found.per_source.items()}
        self.spent = 0.0
        self.in_flight: dict[str, float] = {}
        self.stopped = False

    @property
    def reason(self) -> str:
        return f"--max-cost {money(self.limit, self.currency)} reached ({money(self.spent, self.currency)} spent)"

    def reserve(self, source: str) -> bool:
        expected = self.estimates.get(source, 0.0)  # not in the estimate: cached or unreadable, nothing to send
        if expected == 0:
            return True
        if self.stopped or self.spent + sum(self.in_flight.values()) + expected > self.limit:
            self.stopped = True  # once the cap is reached nothing more is sent, in whatever order they come
            return False
        self.in_flight[source] = expected
        return True

    def settle(self, source: str, provenance: dict | None) -> None:
        self.in_flight.pop(source, None)
        if provenance and not provenance.get("cached"):
            self.spent += cost_of(provenance.get("input_tokens") or 0, provenance.get("output_tokens") or 0,
                                  self.price_in, self.price_out)
