"""1,000 articles against a closed port (run by hand: python benchmarks/endpoint_down.py [N]).

The whole `summarizer summarize` process, as a user runs it, with the LLM backend pointed at a
port nothing listens on. Prints the wall time and the lines it printed on stderr. Goal: under
15 s for 1,000 articles, one line for all the articles it did not attempt.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(n: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    seed = (ROOT / "seeds" / "002_c52947674760a02e.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for i in range(n):
            (folder / f"a{i:05}.txt").write_text(seed + f"\n第{i}篇。", encoding="utf-8")
        env = dict(os.environ, OPENAI_API_KEY="sk-benchmark", SUMMARIZER_CACHE_DIR=str(Path(tmp) / "cache"))
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "summarizer.cli", "summarize", str(folder), "--model", "m",
                               "--base-url", f"http://127.0.0.1:{port}/v1", "--jsonl"],
                              capture_output=True, text=True, env=env, cwd=ROOT)
        elapsed = time.perf_counter() - started
    lines = proc.stderr.strip().splitlines()
    print(f"{n} articles against a closed port: {elapsed:.1f} s, exit {proc.returncode} (goal < 15 s)")
    print(f"stderr: {len(lines)} line(s)")
    for line in lines[:3] + (["…"] if len(lines) > 6 else []) + lines[-3:] if len(lines) > 6 else lines:
        print("  " + line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
