"""Score results against gold annotations, exactly as docs/gold-matching-rules.md says.

Pairings and funds: one-to-one greedy matching, required golds first, then optional
ones (matches to optional golds are neither rewarded nor punished). Measures: category
sets. Indicators: recall. Metadata: exact title/date, outlet in the accepted list.
Micro-averaged over articles, with a per-article breakdown.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .schemas import AID_KINDS, Result

METADATA_FIELDS = ("title", "published", "outlet")
MEASURED_FIELDS = ("status", "cumulative", "per_unit")  # what a fund measures, scored where gold says it
AMOUNT_TOLERANCE = 0.005
INDICATOR_TOLERANCE = 0.005


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Ratio:
    hit: int = 0
    total: int = 0

    def add(self, other: "Ratio") -> None:
        self.hit += other.hit
        self.total += other.total

    @property
    def value(self) -> float:
        return self.hit / self.total if self.total else 1.0


@dataclass
class ArticleScore:
    article: str
    pairings: Counts = field(default_factory=Counts)
    relation: Ratio = field(default_factory=Ratio)
    funds: Counts = field(default_factory=Counts)
    kind: Ratio = field(default_factory=Ratio)
    measures: Counts = field(default_factory=Counts)
    indicators: Ratio = field(default_factory=Ratio)
    metadata: Ratio = field(default_factory=Ratio)
    status: Ratio = field(default_factory=Ratio)
    cumulative: Ratio = field(default_factory=Ratio)
    per_unit: Ratio = field(default_factory=Ratio)
    gold_aid: float = 0.0  # the gold's comparable aid (see comparable_aid)
    gold_aid_most: float = 0.0  # with funds whose accepted kinds include an aid kind among others
    missing: bool = False
    # Breakdowns: (gold relation, predicted relation) of matched pairings; each metadata field alone.
    relation_confusion: Counter = field(default_factory=Counter)
    metadata_fields: dict[str, Ratio] = field(default_factory=lambda: {f: Ratio() for f in METADATA_FIELDS})

    def add(self, other: "ArticleScore") -> None:
        for name in ("pairings", "relation", "funds", "kind", "measures", "indicators", "metadata") + MEASURED_FIELDS:
            getattr(self, name).add(getattr(other, name))
        self.gold_aid += other.gold_aid
        self.gold_aid_most += other.gold_aid_most
        self.relation_confusion.update(other.relation_confusion)
        for name, ratio in other.metadata_fields.items():
            self.metadata_fields[name].add(ratio)


def region_matches(accepted: list[str], region) -> bool:
    name = region.name or ""
    full = region.full_name or ""
    return any(a in name or (full and full.endswith(a)) for a in accepted)


def _greedy(predictions: list, required: list, optional: list, matches) -> tuple[list[tuple[int, int]], set[int], set[int]]:
    """Returns (pred, required gold) pairs, preds matched to optional golds, and all matched preds."""
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for g, gold in enumerate(required):
        for p, pred in enumerate(predictions):
            if p not in used_pred and matches(gold, pred):
                used_pred.add(p)
                pairs.append((p, g))
                break
    optional_hits: set[int] = set()
    for gold in optional:
        for p, pred in enumerate(predictions):
            if p not in used_pred and matches(gold, pred):
                used_pred.add(p)
                optional_hits.add(p)
                break
    return pairs, optional_hits, used_pred


def _pairing_match(gold: dict, pred) -> bool:
    return region_matches(gold["helper"], pred.helper) and region_matches(gold["recipient"], pred.recipient)


def _fund_match(gold: dict, pred) -> bool:
    expected = float(gold["amount_yuan"])
    return abs(pred.amount_yuan - expected) <= AMOUNT_TOLERANCE * max(abs(expected), 1.0)


def comparable_aid(gold: dict, any_aid_kind: bool = False) -> float:
    """Required funds all of whose accepted kinds are aid kinds, paid, one year's, not per unit, not inside
    other required amounts: what a report's headline aid over the same article should be (gold/README.md).

    `any_aid_kind`: also funds for which the gold accepts an aid kind among others (fiscal or other): the most a
    report may count without contradicting an accepted reading. A second figure beside the first, not instead."""
    total = 0.0
    for fund in gold.get("funds", []):
        kinds = set(fund.get("kind", []))
        aid_kind = bool(kinds & set(AID_KINDS)) if any_aid_kind else kinds <= set(AID_KINDS)
        if (aid_kind and kinds and "paid" in fund.get("status", ["paid"])
                and not fund.get("cumulative", False) and not fund.get("per_unit", False)
                and not fund.get("in_other_total", False)):
            total += float(fund["amount_yuan"])
    return total


def _score_measured(score: "ArticleScore", gold_fund: dict, predicted) -> None:
    if "status" in gold_fund:
        score.status.total += 1
        score.status.hit += getattr(predicted, "status", None) is not None and predicted.status.value in gold_fund["status"]
    for name in ("cumulative", "per_unit"):
        if name in gold_fund:
            ratio = getattr(score, name)
            ratio.total += 1
            ratio.hit += bool(getattr(predicted, name, False)) == bool(gold_fund[name])


def score_article(gold: dict, result: Result | None) -> ArticleScore:
    score = ArticleScore(article=gold.get("article", "?"))
    score.gold_aid = comparable_aid(gold)
    score.gold_aid_most = comparable_aid(gold, any_aid_kind=True)
    if result is None:
        score.missing = True
        score.pairings.fn = len(gold.get("pairings", []))
        score.funds.fn = len(gold.get("funds", []))
        score.measures.fn = len(gold.get("measures", {}).get("required", []))
        score.indicators.total = len(gold.get("indicators", []))
        score.metadata.total = 3
        for ratio in score.metadata_fields.values():
            ratio.total = 1
        return score

    pairs, _, used = _greedy(result.pairings, gold.get("pairings", []), gold.get("optional_pairings", []), _pairing_match)
    score.pairings = Counts(tp=len(pairs), fp=len(result.pairings) - len(used), fn=len(gold.get("pairings", [])) - len(pairs))
    for p, g in pairs:
        expected, predicted_relation = gold["pairings"][g]["relation"], result.pairings[p].relation.value
        score.relation.total += 1
        score.relation.hit += predicted_relation == expected
        score.relation_confusion[(expected, predicted_relation)] += 1

    pairs, _, used = _greedy(result.funds, gold.get("funds", []), gold.get("optional_funds", []), _fund_match)
    score.funds = Counts(tp=len(pairs), fp=len(result.funds) - len(used), fn=len(gold.get("funds", [])) - len(pairs))
    for p, g in pairs:
        score.kind.total += 1
        score.kind.hit += result.funds[p].kind.value in gold["funds"][g]["kind"]
        _score_measured(score, gold["funds"][g], result.funds[p])

    predicted = {m.category.value for m in result.measures}
    required = set(gold.get("measures", {}).get("required", []))
    optional = set(gold.get("measures", {}).get("optional", []))
    score.measures = Counts(tp=len(predicted & required), fp=len(predicted - required - optional),
                            fn=len(required - predicted))

    values = [i.value for m in result.measures for i in m.indicators]
    for indicator in gold.get("indicators", []):
        score.indicators.total += 1
        expected = float(indicator["value"])
        score.indicators.hit += any(abs(v - expected) <= INDICATOR_TOLERANCE * max(abs(expected), 1.0) for v in values)

    titles = [gold.get("title")] + list(gold.get("title_alternatives", []))
    outlets = gold.get("outlet") or []
    article = result.article
    hits = {"title": article.title in titles, "published": article.published == gold.get("published"),
            "outlet": (article.outlet in outlets) if outlets else article.outlet is None}
    for name, hit in hits.items():
        score.metadata_fields[name] = Ratio(hit=int(hit), total=1)
    score.metadata = Ratio(hit=sum(hits.values()), total=3)
    return score


@dataclass
class Report:
    articles: list[ArticleScore]
    total: ArticleScore
    headline_aid: float | None = None  # a report's headline aid over the scored results

    @property
    def aid_error(self) -> float | None:
        """Relative error of the report's headline aid against the gold's comparable aid (corpus totals)."""
        if self.headline_aid is None:
            return None
        gold = self.total.gold_aid
        if not gold:
            return 0.0 if not self.headline_aid else None  # no gold aid to be relative to
        return abs(self.headline_aid - gold) / gold

    @property
    def aid_error_within_accepted_kinds(self) -> float | None:
        """The headline's distance from the range the gold's accepted kinds allow (its comparable aid up to the
        same with funds whose accepted kinds include an aid kind among others), relative to the nearer end; 0
        inside it. Tells a kind judgement the gold leaves open from money counted wrong."""
        if self.headline_aid is None:
            return None
        low, high = self.total.gold_aid, max(self.total.gold_aid_most, self.total.gold_aid)
        if low <= self.headline_aid <= high:
            return 0.0
        end = low if self.headline_aid < low else high
        return abs(self.headline_aid - end) / end if end else None

    def metrics(self) -> dict[str, float]:
        t = self.total
        return {
            "pairing_precision": t.pairings.precision, "pairing_recall": t.pairings.recall, "pairing_f1": t.pairings.f1,
            "relation_accuracy": t.relation.value,
            "fund_precision": t.funds.precision, "fund_recall": t.funds.recall, "fund_f1": t.funds.f1,
            "kind_accuracy": t.kind.value,
            "measure_precision": t.measures.precision, "measure_recall": t.measures.recall,
            "measure_f1": t.measures.f1,
            "indicator_recall": t.indicators.value,
            "metadata_accuracy": t.metadata.value,
            "status_accuracy": t.status.value, "cumulative_accuracy": t.cumulative.value,
            "per_unit_accuracy": t.per_unit.value,
            **({"comparable_aid_error": self.aid_error} if self.aid_error is not None else {}),
            **({"accepted_kinds_aid_error": self.aid_error_within_accepted_kinds}
               if self.aid_error_within_accepted_kinds is not None else {}),
        }

    def aid(self) -> dict:
        return {"gold_comparable_aid_yuan": self.total.gold_aid, "report_headline_aid_yuan": self.headline_aid,
                "relative_error": self.aid_error,
                "gold_aid_with_any_aid_kind_yuan": self.total.gold_aid_most,
                "error_within_accepted_kinds": self.aid_error_within_accepted_kinds,
                "scored_funds": {name: getattr(self.total, name).total for name in MEASURED_FIELDS}}

    def breakdown(self) -> dict:
        """Relation confusion (gold -> predicted -> count) and the accuracy of each metadata field."""
        confusion: dict[str, dict[str, int]] = {}
        for (expected, predicted), n in sorted(self.total.relation_confusion.items()):
            confusion.setdefault(expected, {})[predicted] = n
        return {"relation_confusion": confusion,
                "metadata_fields": {name: r.value for name, r in self.total.metadata_fields.items()}}

    def to_dict(self) -> dict:
        return {
            "micro": self.metrics(),
            **self.breakdown(),
            "aid": self.aid(),
            "articles": [
                {"article": a.article, "missing": a.missing,
                 "pairing_f1": a.pairings.f1, "fund_f1": a.funds.f1, "measure_f1": a.measures.f1,
                 "relation_accuracy": a.relation.value, "kind_accuracy": a.kind.value,
                 "indicator_recall": a.indicators.value, "metadata_accuracy": a.metadata.value,
                 "status_accuracy": a.status.value, "gold_comparable_aid_yuan": a.gold_aid,
                 "pairings": vars(a.pairings), "funds": vars(a.funds), "measures": vars(a.measures)}
                for a in self.articles
            ],
        }


LIST_FIELDS = ("title_alternatives", "outlet", "pairings", "optional_pairings", "funds", "optional_funds", "indicators")


def load_gold(directory: Path) -> list[dict]:
    golds = []
    for path in sorted(directory.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        gold.setdefault("article", path.stem + ".txt")
        for field in LIST_FIELDS:  # "title_alternatives": null is a gold that lists none
            if gold.get(field, []) is None:
                gold[field] = []
        golds.append(gold)
    return golds


def match_results(golds: list[dict], gold_dir: Path, results: list[Result]) -> dict[str, Result]:
    """Gold stem -> result: by the file stem of article.source, else by article.id (the hash of the
    cleaned text) against the gold's article file, found beside the gold folder (../X.txt or ../articles/X.txt)."""
    from .clean import clean
    from .items import merge_items
    from .reader import InputError, read_document

    results = merge_items(results)  # a multi-item document's items are scored as the one document
    by_stem = {Path(r.article.source).stem: r for r in results if r.article.source != "-"}
    by_id = {r.article.id: r for r in results}
    matched: dict[str, Result] = {}
    for gold in golds:
        stem = Path(gold["article"]).stem
        if stem in by_stem:
            matched[stem] = by_stem[stem]
            continue
        for candidate in (gold_dir.parent / gold["article"], gold_dir.parent / "articles" / gold["article"]):
            if by_id and candidate.is_file():
                try:
                    text = clean(read_document(str(candidate)).text).text
                except InputError:
                    break
                found = by_id.get(hashlib.sha256(text.encode("utf-8")).hexdigest())
                if found is not None:
                    matched[stem] = found
                break
    return matched


def evaluate(golds: list[dict], results: dict[str, Result]) -> Report:
    """`results` maps an article's stem (file name without suffix) to its result."""
    from .report import build_report  # the same headline a user's report prints

    total = ArticleScore(article="micro-average")
    scores = []
    for gold in golds:
        stem = Path(gold["article"]).stem
        score = score_article(gold, results.get(stem))
        scores.append(score)
        total.add(score)
    scored = [results[Path(g["article"]).stem] for g in golds if Path(g["article"]).stem in results]
    headline = build_report(scored).headline.aid_yuan if scored else None
    return Report(scores, total, headline)
