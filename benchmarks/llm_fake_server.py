"""LLM path against the fake OpenAI-compatible server (run by hand: python benchmarks/llm_fake_server.py).

The server runs in its own process (tests/fake_openai.py), so its work does not share this
process's interpreter lock with the client being measured.

1. 200 articles at concurrency 16 and 64 with a fixed 300 ms server latency: wall time and its
   ratio to the ideal ceil(200/C) x 0.3 s (goal <= 1.15 at C=16), beside the bare openai client
   sending 200 small requests the same way (the floor the client itself sets on this machine).
2. The same 200 again with a warm cache: speed-up and requests sent (goal >= 100x, zero).
3. The whole `summarizer summarize --jsonl` process a user runs, cold (goal <= 1.3x the ideal) and
   warm (goal <= 0.5 s), with its peak memory; beside a whole process that only imports the bare
   openai client and sends the 200 small requests (importing openai alone takes ~0.75 s here).
4. Input size per article, raw vs cleaned text (characters, and the server's usage count,
   which the fake server reports as prompt characters).
"""
from __future__ import annotations

import asyncio
import math
import os
import resource
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


async def run_all(pipeline: Pipeline, paths: list[str], concurrency: int = CONCURRENCY) -> tuple[int, int]:
    """(articles done, requests sent): a request was sent for every result not from the cache."""
    ok = fresh = 0
    async for _, outcome in pipeline.run_many(paths, concurrency):
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


async def plain_client_baseline(url: str, concurrency: int = CONCURRENCY) -> float:
    """The same 200 requests through the bare openai client: what the transport alone costs here."""
    import openai

    from gold_answers import gold_answer

    client = openai.AsyncOpenAI(base_url=url, api_key="sk-bench", max_retries=0)
    semaphore = asyncio.Semaphore(concurrency)
    messages = [{"role": "user", "content": gold_answer(seed_paths()[0])["summary"]}]

    async def one() -> None:
        async with semaphore:
            await client.chat.completions.create(model="fake", messages=messages)

    started = time.perf_counter()
    await asyncio.gather(*[one() for _ in range(N)])
    await client.close()
    return time.perf_counter() - started


BARE_PROCESS = """
import asyncio, sys, openai
async def main(url, n, concurrency, content):
    client = openai.AsyncOpenAI(base_url=url, api_key="sk-bench", max_retries=0)
    semaphore = asyncio.Semaphore(concurrency)
    async def one():
        async with semaphore:
            await client.chat.completions.create(model="fake", messages=[{"role": "user", "content": content}])
    await asyncio.gather(*[one() for _ in range(n)])
    await client.close()
asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
"""


def bare_process(url: str, concurrency: int) -> float:
    """Seconds for a whole process that imports the bare openai client and sends N small requests."""
    from gold_answers import gold_answer

    content = gold_answer(seed_paths()[0])["summary"]  # one the fake server knows
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_PROCESS, url, str(N), str(concurrency), content], check=True)
    return time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cli(paths: list[str], url: str, cache_dir: Path, concurrency: int) -> tuple[float, float, int]:
    """(seconds, peak MB, results) for the whole `summarizer summarize --jsonl` process."""
    env = dict(os.environ, SUMMARIZER_CACHE_DIR=str(cache_dir), OPENAI_API_KEY="sk-bench")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "summarizer.cli", "summarize", *paths, "--jsonl", "--model", "fake",
                           "--base-url", url, "-j", str(concurrency)], env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return elapsed, peak, len(done.stdout.splitlines())


def run(tmp: Path, url: str) -> None:
    paths = make_inputs(tmp)
    settings = LLMSettings(model="fake", base_url=url, api_key="sk-bench")
    for concurrency in (CONCURRENCY, 64):
        ideal = math.ceil(N / concurrency) * LATENCY
        baseline = asyncio.run(plain_client_baseline(url, concurrency))
        cache = Cache(tmp / f"cache-{concurrency}")
        started = time.perf_counter()
        ok, fresh = asyncio.run(run_all(Pipeline(LLMBackend(settings), cache), paths, concurrency))
        cold = time.perf_counter() - started
        print(f"C={concurrency}: bare openai client {baseline:.2f} s (ratio {baseline / ideal:.2f}); summarizer in-process "
              f"{ok}/{N} articles, {fresh} requests in {cold:.2f} s: ratio {cold / ideal:.2f} to the ideal {ideal:.2f} s "
              f"(goal <= 1.15 at C=16), {cold / baseline:.2f}x the bare client; peak {peak_mb():.0f} MB")
        if concurrency == CONCURRENCY:
            started = time.perf_counter()
            ok, fresh = asyncio.run(run_all(Pipeline(LLMBackend(settings), cache), paths, concurrency))
            warm = time.perf_counter() - started
            print(f"warm in-process: {ok}/{N} articles in {warm:.3f} s, {fresh} requests; {cold / warm:.0f}x faster "
                  f"(goal >= 100x, zero requests)")

    ideal = math.ceil(N / CONCURRENCY) * LATENCY
    floor = bare_process(url, CONCURRENCY)
    cold, cold_peak, lines = cli(paths, url, tmp / "cache-cli", CONCURRENCY)
    print(f"whole CLI process, cold: {lines} results in {cold:.2f} s, ratio {cold / ideal:.2f} (goal <= 1.3), "
          f"{cold / floor:.2f}x a bare openai process ({floor:.2f} s, ratio {floor / ideal:.2f}); peak {cold_peak:.0f} MB")
    warm, warm_peak, lines = cli(paths, url, tmp / "cache-cli", CONCURRENCY)
    print(f"whole CLI process, warm: {lines} results in {warm:.2f} s (goal <= 0.5 s); peak {warm_peak:.0f} MB")

    raw = [len(read_document(str(p)).text) for p in seed_paths()]
    cleaned = [len(clean(read_document(str(p)).text).text) for p in seed_paths()]
    print(f"input per article: raw {statistics.mean(raw):.0f} chars, cleaned {statistics.mean(cleaned):.0f} chars "
          f"({1 - sum(cleaned) / sum(raw):.0%} fewer: ruby, boilerplate and spam removed); "
          f"prompt tokens per request as the server counts them: {tokens_in[0] // max(1, tokens_in[1])}")


if __name__ == "__main__":
    main()
