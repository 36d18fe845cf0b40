"""A model answer built from a seed's gold annotation, for round-trip tests (not a model score).

Tests that feed these answers through the LLM path check that a correct answer survives parsing,
grounding, checks and evaluation; their 1.00 says nothing about how well any model reads an article.

Quotes and amount texts are taken verbatim from the cleaned article, so a pipeline that
grounds and checks correctly must score 1.0 on them.
"""
from __future__ import annotations

import json
from pathlib import Path

from summarizer.clean import clean
from summarizer.schemas import AID_KINDS
from summarizer.money import find_amounts
from summarizer.reader import read_document
from summarizer.text import clauses, sentences

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = SEEDS / "gold"


def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def gold_for(seed: Path) -> dict:
    return json.loads((GOLD / f"{seed.stem}.json").read_text(encoding="utf-8"))


def _sentence_with(text: str, *names_lists: list[str]) -> str:
    spans = sorted(sentences(text), key=lambda s: len(s.text))
    for span in spans:
        if all(any(n in span.text for n in names) for names in names_lists):
            return span.text
    raise LookupError(f"no sentence names {names_lists}")


def gold_answer(seed: Path) -> dict:
    gold = gold_for(seed)
    text = clean(read_document(str(seed)).text).text
    pairings = []
    for p in gold["pairings"]:
        quote = _sentence_with(text, p["helper"], p["recipient"])
        helper = next(n for n in p["helper"] if n in quote)
        recipient = next(n for n in p["recipient"] if n in quote)
        pairings.append({"helper": helper, "recipient": recipient, "relation": p["relation"], "quote": quote})
    funds = []
    amounts = find_amounts(text)
    clause_spans = clauses(text)
    for f in gold["funds"]:
        expected = float(f["amount_yuan"])
        amount = next(a for a in amounts if abs(float(a.yuan) - expected) <= 0.005 * expected)
        clause = next(c for c in clause_spans if c.start <= amount.start and amount.end <= c.end)
        statuses = f.get("status", ["paid"])
        # A fund the gold keeps out of comparable aid (a non-aid kind accepted) is answered with that kind.
        kind = next((k for k in f["kind"] if k not in AID_KINDS), f["kind"][0])
        funds.append({"amount_text": amount.text, "amount_yuan": float(amount.yuan), "kind": kind,
                      "donor": None, "recipient": None, "purpose": None, "year": None, "part_of": None,
                      "status": "paid" if "paid" in statuses else statuses[0],
                      "cumulative": f.get("cumulative", False), "per_unit": f.get("per_unit", False),
                      "quote": clause.text})
    first = sentences(text)[1].text
    measures = [{"category": c, "description": c, "indicators": [], "quote": first}
                for c in gold["measures"]["required"]]
    if measures:
        measures[0]["indicators"] = [{"name": "indicator", "value": i["value"], "unit": i["unit"]}
                                     for i in gold["indicators"]]
    cleaned = clean(read_document(str(seed)).text)
    return {"metadata": gold_metadata(gold, cleaned), "summary": first, "pairings": pairings, "funds": funds,
            "measures": measures}


def gold_metadata(gold: dict, cleaned) -> dict:
    """Title, date and outlet as a model would read them from the page, with a quote for the date."""
    page = [cleaned.text.split("\n")[0], *cleaned.metadata_lines]
    quote = None
    if gold.get("published"):
        year, month, day = (int(x) for x in gold["published"].split("-"))
        quote = next(line for line in page
                     if all(str(n) in line or f"{n:02d}" in line for n in (year, month, day)))
    outlet = next((o for o in gold.get("outlet") or [] if any(o in line for line in page)), None)
    return {"title": gold.get("title"), "published": gold.get("published"), "published_quote": quote,
            "outlet": outlet}


def gold_reply(body):
    """A fake server's reply: the gold answer of whichever seed the request's article is."""
    from fake_openai import answer, status

    user = body["messages"][-1]["content"]
    for seed in seed_paths():
        good = gold_answer(seed)
        if good["summary"][:30] in user:
            return answer(good)
    return status(500, message="unknown article")
