"""Report speed over synthetic results (run by hand: python benchmarks/report_speed.py [N]).

Builds N synthetic result records (default 10,000: each one article with a pairing between
real counties, three funds of which one is a sub-allocation and one repeats another
article's money, and four measures), then times aggregation and every format. Goal: <= 5 s.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.regions import gazetteer  # noqa: E402
from summarizer.report import build_report, inputs_frozen  # noqa: E402
from summarizer.report_render import VIEWS, as_csv, as_html, as_json, as_markdown, as_table, csv_rows  # noqa: E402
from summarizer.schemas import (  # noqa: E402
    Article, Category, Evidence, Fund, FundKind, Measure, Pairing, Provenance, Region, Relation, Result,
)


def synthetic(n: int, seed: int = 1) -> list[Result]:
    rnd = random.Random(seed)
    gaz = gazetteer()
    east = [u for u in gaz.units.values() if u.current and len(u.code) == 6 and u.code[:2] in ("12", "31", "44")]
    west = [u for u in gaz.units.values() if u.current and len(u.code) == 6 and u.code[:2] in ("52", "62", "65")]
    kinds, categories = list(FundKind), list(Category)
    results: list[Result] = []
    previous = None
    for i in range(n):
        h, r = rnd.choice(east[:40]), rnd.choice(west[:60])
        if i and i % 5 == 0:  # this article repeats the previous one's pairing and money
            h, r = previous
        total = rnd.randrange(20, 5000)  # a part never exceeds its total: the report checks what it reads
        amounts = [total * 10_000, rnd.randrange(10, total) * 10_000]
        text = f"{h.name}对口帮扶{r.name}，投入{amounts[0] // 10_000}万元，其中{amounts[1] // 10_000}万元用于产业。"
        ev = Evidence(text=text, start=0, end=len(text))
        funds = [Fund(amount_yuan=a, amount_text=f"{a // 10_000}万元", kind=rnd.choice(kinds), year=2018 + i % 4,
                      evidence=ev) for a in amounts]
        funds[1].part_of = 0
        if i and i % 5 == 0:  # the previous article's money told again, in its words
            repeated = results[-1].funds[0]
            text += f"此前投入{repeated.amount_text}。"
            start = text.index(f"此前投入{repeated.amount_text}")
            funds.append(repeated.model_copy(update={"evidence": Evidence(text=text[start:-1], start=start,
                                                                           end=len(text) - 1)}))
        previous = (h, r)
        results.append(Result(
            article=Article(id=str(i), source=f"synthetic-{i}.txt", title=f"第{i}篇", published="2020-01-01",
                            text=text),
            pairings=[Pairing(helper=Region(name=h.name, adcode=h.code), recipient=Region(name=r.name, adcode=r.code),
                              relation=Relation.east_west, evidence=ev)],
            funds=funds,
            measures=[Measure(category=rnd.choice(categories), description="…", evidence=ev) for _ in range(4)],
            provenance=Provenance(backend="synthetic"),
        ))
    return results


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    results = synthetic(n)
    views = list(VIEWS)
    started = time.perf_counter()
    with inputs_frozen():  # as `summarizer report` builds it
        data = build_report(results, rollup="province", regions=None)
    aggregated = time.perf_counter() - started
    print(f"{n} results, {sum(len(r.funds) for r in results)} fund records: aggregation {aggregated:.2f} s "
          f"({len(data.ledger)} ledger entries, {len(data.merges)} merged)")
    took: dict[str, float] = {}
    for name, render in (("json", lambda: as_json(data, views)), ("md", lambda: as_markdown(data, views)),
                         ("csv", lambda: as_csv(csv_rows(data, views))), ("table", lambda: as_table(data, views))):
        t = time.perf_counter()
        with inputs_frozen():  # as `summarizer report` writes it
            render()
        took[name] = time.perf_counter() - t
        print(f"  {name:<5} {took[name]:.2f} s")
    t = time.perf_counter()
    html = as_html(build_report(results[:500]), views)
    print(f"  html  {time.perf_counter() - t:.2f} s for 500 articles with the viewer ({len(html) / 1e6:.1f} MB)")
    print(f"aggregation + json: {aggregated + took['json']:.2f} s (goal <= 5 s)")

if __name__ == "__main__":
    main()
