"""Offline backend throughput (run by hand: python benchmarks/offline_speed.py [N]).

Builds ~3,000-character articles from the seeds (each seed's body repeated or trimmed to
that length), runs clean -> extract -> ground -> check on one core, and prints articles/s.
Goal: >= 100 articles/s. Also prints the time and peak memory for one 5 MB article.
"""
from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.backends.rules import RulesBackend  # noqa: E402
from summarizer.pipeline import Pipeline, summarize_text  # noqa: E402
from summarizer.reader import Document, read_document  # noqa: E402
from summarizer.regions import gazetteer  # noqa: E402

TARGET_CHARS = 3000


def articles(n: int) -> list[Document]:
    seeds = [read_document(str(p)).text for p in sorted((ROOT / "seeds").glob("*.txt"))]
    docs = []
    for i in range(n):
        text = seeds[i % len(seeds)]
        while len(text) < TARGET_CHARS:
            text += "\n" + seeds[i % len(seeds)]
        docs.append(Document(source=f"synthetic-{i}", text=text[:TARGET_CHARS] + f"\n第{i}篇。"))
    return docs


async def run(docs: list[Document]) -> None:
    pipeline = Pipeline(RulesBackend())
    for doc in docs:
        await pipeline.run_document(doc)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    t0 = time.perf_counter()
    gazetteer()
    print(f"gazetteer load (once per process): {time.perf_counter() - t0:.2f} s")
    docs = articles(n)
    started = time.perf_counter()
    asyncio.run(run(docs))
    elapsed = time.perf_counter() - started
    print(f"{n} articles of ~{TARGET_CHARS} chars in {elapsed:.2f} s: {n / elapsed:.1f} articles/s (goal >= 100)")

    big = (read_document(str(ROOT / "seeds" / "002_c52947674760a02e.txt")).text + "\n") * 660
    started = time.perf_counter()
    summarize_text(big, RulesBackend())
    print(f"one {len(big.encode()) / 1e6:.1f} MB article: {time.perf_counter() - started:.1f} s")
    tracemalloc.start()  # slows the run several times over: memory is measured on a second pass
    summarize_text(big, RulesBackend())
    _, peak = tracemalloc.get_traced_memory()
    print(f"  peak memory allocated while processing it: {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
