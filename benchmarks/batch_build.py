"""Batch request building for 10,000 articles (run by hand: python benchmarks/batch_build.py).

Reading, cleaning, chunking and writing one chat-completions request per chunk into the job folder's
request files, as `summarizer batch submit` does before it uploads anything (no server needed).
Goal: <= 10 s. Prints the time, the request files' size and the peak memory.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from gold_answers import seed_paths  # noqa: E402

from summarizer.backends.llm import LLMBackend, LLMSettings  # noqa: E402
from summarizer.batch import prepare  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        seeds = [p.read_text(encoding="utf-8") for p in seed_paths()]
        sources = []
        for i in range(N):
            path = folder / f"{i:05d}.txt"
            path.write_text(seeds[i % len(seeds)] + f"\n第{i}号。", encoding="utf-8")
            sources.append(str(path))
        backend = LLMBackend(LLMSettings(model="bench", base_url="http://127.0.0.1:9/v1", api_key="sk-bench"))
        started = time.perf_counter()
        job, report = prepare(Path(tmp) / "job", sources, backend, cache=None)
        elapsed = time.perf_counter() - started
        size = sum((job.folder / p.name).stat().st_size for p in job.parts)
        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        print(f"batch build: {report.articles} articles, {report.requests} requests in {len(job.parts)} file(s) "
              f"of {size / 1e6:.0f} MB in {elapsed:.2f} s ({elapsed / N * 1000:.2f} ms an article; goal <= 10 s); "
              f"peak memory {peak:.0f} MB (largest process)")


if __name__ == "__main__":
    main()
