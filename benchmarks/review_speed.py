"""Review page speed on a 500-article results file (run by hand: python benchmarks/review_speed.py [N]).

Builds N results (default 500) from the real seed and dev-set articles through the offline backend,
each copy made distinct by a line appended to its text (so ids differ and the offsets still hold),
then starts the whole `summarizer review` process and measures:

- start: from launching the process to the server listening (reading the N results included);
- first page: GET / (the article list for N articles), and in headless chromium the time from
  navigating to the page to its first article shown (goal < 1 s);
- opening an article: GET /api/article/K for 50 articles, and in chromium J (next article) until
  the article is shown (goal < 200 ms);
- a decision: POST accept (appended to corrections.jsonl, the article re-checked).
"""
from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from summarizer.backends.rules import RulesBackend  # noqa: E402
from summarizer.pipeline import summarize_text  # noqa: E402


def build(n: int, folder: Path) -> Path:
    articles = sorted(ROOT.glob("seeds/*.txt")) + sorted(ROOT.glob("devset/**/articles/*.txt"))
    base = [summarize_text(p.read_text(encoding="utf-8"), RulesBackend(), source=str(p.relative_to(ROOT)))
            for p in articles]
    path = folder / "results.jsonl"
    with open(path, "w", encoding="utf-8") as sink:
        for i in range(n):
            result = base[i % len(base)]
            text = result.article.text + f"\n（第{i}份）"
            import hashlib

            article = result.article.model_copy(update={
                "text": text, "id": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "source": f"{Path(result.article.source).stem}-{i}.txt"})
            sink.write(result.model_copy(update={"article": article}).model_dump_json() + "\n")
    records = sum(len(r.pairings) + len(r.funds) + len(r.measures) for r in base) * n // len(base)
    print(f"{n} results from {len(base)} real articles, about {records:,} records, {path.stat().st_size / 1e6:.1f} MB")
    return path


def get(url: str, data: dict | None = None) -> tuple[float, bytes]:
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data else None,
                                     headers={"Content-Type": "application/json"} if data else {})
    t = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=30).read()
    return time.perf_counter() - t, body


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        path = build(n, Path(tmp))
        cli = [sys.executable, "-c", "from summarizer.cli import main; main()"]
        t0 = time.perf_counter()
        server = subprocess.Popen(cli + ["review", str(path), "--port", "0"], stderr=subprocess.PIPE, text=True)
        try:
            line = server.stderr.readline()
            started = time.perf_counter() - t0
            port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
            url = f"http://127.0.0.1:{port}"
            page_s, page = get(url + "/")
            print(f"start (process launched → listening, {n} results read): {started:.2f} s")
            print(f"first page GET /: {page_s * 1000:.0f} ms, {len(page) / 1e3:.0f} kB")
            opens = [get(f"{url}/api/article/{k}")[0] for k in range(0, n, max(1, n // 50))]
            print(f"open an article GET /api/article/K ({len(opens)}): median {statistics.median(opens) * 1000:.0f} ms, "
                  f"max {max(opens) * 1000:.0f} ms")
            keys = [r["key"] for r in json.loads(get(f"{url}/api/article/3")[1])["records"]]
            acts = [get(f"{url}/api/article/3", {"action": "accept", "record": key})[0] for key in keys[:20]]
            print(f"a decision POST accept ({len(acts)}): median {statistics.median(acts) * 1000:.0f} ms, "
                  f"max {max(acts) * 1000:.0f} ms")
            browser_figures(url, tmp)
        finally:
            server.terminate()
            server.wait(timeout=10)


def browser_figures(url: str, tmp: str) -> None:
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not installed: no in-browser figures")
        return
    from cdp import Browser

    browser = Browser(chromium, os.path.join(tmp, "profile"))
    try:
        browser.open("about:blank")
        browser.wait_for("document.readyState === 'complete'")
        loads = []
        for attempt in range(3):  # the first in a fresh browser also loads the CJK font
            t = time.perf_counter()
            browser.send("Page.navigate", {"url": f"{url}/?load={attempt}"})
            browser.wait_for(f"location.search === '?load={attempt}' && document.body && document.body.dataset.ready === '1'",
                             timeout=30)
            loads.append((browser.evaluate("Number(document.body.dataset.readyMs)"), (time.perf_counter() - t) * 1000))
        print("first page in chromium (navigation → list and first article shown), fresh browser then twice more: "
              + ", ".join(f"{page:.0f} ms" for page, _ in loads) + " by the page's clock; "
              + ", ".join(f"{driver:.0f} ms" for _, driver in loads) + " by this driver's (which polls)")
        times, in_page = [], []
        for k in range(1, 31):
            t = time.perf_counter()
            browser.press("J")
            browser.wait_for(f"document.body.dataset.article === '{k}'")
            times.append(time.perf_counter() - t)
            in_page.append(browser.evaluate("Number(document.body.dataset.openMs)"))
        print(f"open the next article in chromium ({len(times)}, J → fetched and shown): by the page's clock median "
              f"{statistics.median(in_page):.0f} ms, max {max(in_page):.0f} ms; by the driver's median "
              f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
