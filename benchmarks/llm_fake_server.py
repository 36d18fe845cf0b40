"""LLM path against the fake OpenAI-compatible server (run by hand: python benchmarks/llm_fake_server.py).

The server runs in its own process (tests/fake_openai.py), so its work does not share this
process's interpreter lock with the client being measured.

1. 200 articles at concurrency 16 with a fixed 300 ms server latency: wall time and its
   ratio to the ideal ceil(200/16) x 0.3 s (goal <= 1.15).
2. The same 200 again with a warm cache: speed-up and requests sent (goal >= 100x, zero).
3. Input size per article, raw vs cleaned text (characters, and the server's usage count,
   which the fake server reports as prompt characters).
"""
from __future__ import annotations

import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from gold_answers import seed_paths  # noqa: E402

from summarizer.backends.llm import LLMBackend, LLMSettings  # noqa: E402
from summarizer.cache import Cache  # noqa: E402
from summarizer.clean import clean  # noqa: E402
from summarizer.pipeline import Pipeline  # noqa: E402
from summarizer.reader import read_document  # noqa: E402

N, CONCURRENCY, LATENCY = 200, 16, 0.3  # articles, concurrent requests, server latency (s)


def make_inputs(folder: Path) -> list[str]:
    seeds = seed_paths()
    paths = []
    for i in range(N):
        seed = seeds[i % len(seeds)]
        path = folder / f"{i:03d}_{seed.name}"
        # a distinct article each time (its own cache key), same content otherwise
        path.write_text(seed.read_text(encoding="utf-8") + f"\n第{i}号。", encoding="utf-8")
        paths.append(str(path))
    return paths


tokens_in = [0, 0]


async def run_all(pipeline: Pipeline, paths: list[str]) -> tuple[int, int]:
    """(articles done, requests sent): a request was sent for every result not from the cache."""
    ok = fresh = 0
    async for _, outcome in pipeline.run_many(paths, CONCURRENCY):
        ok += outcome.ok
        if outcome.ok and not outcome.cached:
            fresh += 1
            tokens_in[0] += outcome.result.provenance.input_tokens or 0
            tokens_in[1] += 1
    return ok, fresh


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port_file = tmp / "url"
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_openai.py"), str(LATENCY), str(port_file)],
                              cwd=ROOT / "tests")
    for _ in range(300):
        if port_file.exists() and port_file.read_text():
            return server, port_file.read_text()
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("the fake server did not start")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp))
        try:
            run(Path(tmp), url)
        finally:
            server.kill()


async def plain_client_baseline(url: str) -> float:
    """The same 200 requests through the bare openai client: what the transport alone costs here."""
    import openai

    from gold_answers import gold_answer

    client = openai.AsyncOpenAI(base_url=url, api_key="sk-bench", max_retries=0)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    messages = [{"role": "user", "content": gold_answer(seed_paths()[0])["summary"]}]

    async def one() -> None:
        async with semaphore:
            await client.chat.completions.create(model="fake", messages=messages)

    started = time.perf_counter()
    await asyncio.gather(*[one() for _ in range(N)])
    await client.close()
    return time.perf_counter() - started


def run(tmp: Path, url: str) -> None:
    baseline = asyncio.run(plain_client_baseline(url))
    ideal = math.ceil(N / CONCURRENCY) * LATENCY
    print(f"bare openai client, no pipeline: {N} requests in {baseline:.2f} s; ratio {baseline / ideal:.2f} "
          f"(the floor this machine's client overhead sets)")
    paths = make_inputs(tmp)
    settings = LLMSettings(model="fake", base_url=url, api_key="sk-bench")
    cache = Cache(tmp / "cache")

    started = time.perf_counter()
    ok, fresh = asyncio.run(run_all(Pipeline(LLMBackend(settings), cache), paths))
    cold = time.perf_counter() - started
    print(f"cold: {ok}/{N} articles in {cold:.2f} s at concurrency {CONCURRENCY}, {fresh} requests; "
          f"ideal {ideal:.2f} s; ratio {cold / ideal:.2f} (goal <= 1.15)")

    started = time.perf_counter()
    ok, fresh = asyncio.run(run_all(Pipeline(LLMBackend(settings), cache), paths))
    warm = time.perf_counter() - started
    print(f"warm: {ok}/{N} articles in {warm:.3f} s, {fresh} requests; {cold / warm:.0f}x faster "
          f"(goal >= 100x, zero requests)")

    raw = [len(read_document(str(p)).text) for p in seed_paths()]
    cleaned = [len(clean(read_document(str(p)).text).text) for p in seed_paths()]
    print(f"input per article: raw {statistics.mean(raw):.0f} chars, cleaned {statistics.mean(cleaned):.0f} chars "
          f"({1 - sum(cleaned) / sum(raw):.0%} fewer: ruby, boilerplate and spam removed); "
          f"prompt tokens per request as the server counts them: {tokens_in[0] // max(1, tokens_in[1])}")


if __name__ == "__main__":
    main()
