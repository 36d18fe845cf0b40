"""An analyst's corrections to results: kept as JSON Lines beside them, applied whenever results are read.

A results file is never rewritten. `corrections.jsonl` holds one line per decision:

    {"article": "<article.id>", "record": "funds:57-79:3f2a9c01d4", "action": "edit",
     "values": {"amount": "120万元"}, "time": "2026-12-01T23:04:11Z"}

Actions: `accept`, `reject`, `edit` (values: the fields changed), `add` (values: the new record,
`list` and `evidence` included), `reset` (the record's earlier decisions no longer count) and
`reviewed` (article-level, record null: the analyst has been through the article). Later lines win;
successive edits of one record add up.

The record key (`review_key`) is `list:start-end:hash`: the record's list, its evidence offsets, and
the first ten hex digits of the sha1 of its quote and identifying fields (fund: amount_text,
amount_yuan, kind; pairing: helper, recipient, relation; measure: category, description). A re-run
that produces the same record gives the same key; one that changes any of those fields gives
another, and the old corrections of that record are reported as problems, never dropped silently.
A second record with the very same key in one article gets `#2`, `#3`…

`apply(results, corrections)` is what every reader (summarize, report, check, eval, review) calls.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .checks import run_checks
from .money import find_amounts, parse_amount
from .schemas import Check, Evidence, Fund, Measure, Pairing, Result, Severity

CORRECTIONS_FILE = "corrections.jsonl"
ACTIONS = ("accept", "reject", "edit", "add", "reset", "reviewed")
LISTS = {"pairings": Pairing, "funds": Fund, "measures": Measure}
# The marker a corrected result carries, so the same corrections are never applied twice.
APPLIED_RULE = "corrections_applied"


def editable_fields(name: str) -> tuple[str, ...]:
    """What the review page lets an analyst change, per list (status and cumulative only where the schema has them)."""
    if name == "funds":
        optional = tuple(f for f in ("status", "cumulative", "since", "per_unit") if f in Fund.model_fields)
        return ("amount", "kind", *optional, "donor", "recipient", "year")
    if name == "pairings":
        return ("helper", "recipient", "relation")
    return ("category", "description")


# --- keys ----------------------------------------------------------------------------------------

def _key(name: str, quote: str, start: int, end: int, identity: list) -> str:
    digest = hashlib.sha1(json.dumps([name, quote, *identity], ensure_ascii=False).encode("utf-8")).hexdigest()[:10]
    return f"{name}:{start}-{end}:{digest}"


def review_key(name: str, record: BaseModel) -> str:
    """A record's key: stable across re-runs while the record is unchanged (see the module's docstring)."""
    if name == "funds":
        identity = [record.amount_text, round(float(record.amount_yuan), 2), record.kind.value]
    elif name == "pairings":
        identity = [record.helper.name, record.recipient.name, record.relation.value]
    else:
        identity = [record.category.value, record.description]
    ev = record.evidence
    return _key(name, ev.text, ev.start, ev.end, identity)


def _data_key(name: str, data: dict) -> str:
    """review_key of a record still in its JSON form (the same key, without validating the result)."""
    if name == "funds":
        identity = [data["amount_text"], round(float(data["amount_yuan"]), 2), data["kind"]]
    elif name == "pairings":
        identity = [data["helper"]["name"], data["recipient"]["name"], data["relation"]]
    else:
        identity = [data["category"], data["description"]]
    ev = data["evidence"]
    return _key(name, ev["text"], ev["start"], ev["end"], identity)


def _numbered(keys: Iterable[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    numbered: list[tuple[str, int, str]] = []
    seen: dict[str, int] = {}
    for name, i, key in keys:
        seen[key] = seen.get(key, 0) + 1
        numbered.append((name, i, key if seen[key] == 1 else f"{key}#{seen[key]}"))
    return numbered


def record_keys(result: Result) -> list[tuple[str, int, str]]:
    """(list, index, key) for every record of a result, duplicates numbered #2, #3…"""
    return _numbered((name, i, review_key(name, record))
                     for name in LISTS for i, record in enumerate(getattr(result, name)))


def data_keys(data: dict) -> list[str] | None:
    """The keys of a result still in its JSON form; None when a record is not in the contract's shape."""
    try:
        return [key for _, _, key in _numbered((name, i, _data_key(name, record))
                                               for name in LISTS for i, record in enumerate(data.get(name) or []))]
    except (KeyError, TypeError, ValueError):
        return None


# --- the file ------------------------------------------------------------------------------------

@dataclass
class Correction:
    article: str
    record: str | None
    action: str
    values: dict = field(default_factory=dict)
    time: str = ""
    line: int = 0  # where it is in its file, for messages
    source: str = ""  # that file

    def as_json(self) -> str:
        return json.dumps({"article": self.article, "record": self.record, "action": self.action,
                           "values": self.values, "time": self.time}, ensure_ascii=False)


@dataclass
class Problem:
    """A correction that could not be applied (its record is gone, a value is invalid…), or a bad line."""

    message: str
    article: str | None = None
    record: str | None = None
    line: int = 0
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.source and self.line else self.source or "corrections"
        what = f" article {self.article[:12]}…" if self.article else ""
        return f"{where}:{what}{f' {self.record}' if self.record else ''}: {self.message}"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_corrections(path: Path) -> tuple[list[Correction], list[Problem]]:
    """Every well-formed line of a corrections file; each bad line is a problem naming it."""
    corrections: list[Correction] = []
    problems: list[Problem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(f"cannot read: {exc}", source=str(path))]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"malformed JSON at column {exc.colno}: {exc.msg}", line=number, source=str(path)))
            continue
        if (not isinstance(data, dict) or not isinstance(data.get("article"), str)
                or data.get("action") not in ACTIONS or not isinstance(data.get("values", {}), dict)
                or (data.get("action") != "reviewed" and not isinstance(data.get("record"), str))):
            problems.append(Problem(f"not a correction (needs article, record, action one of {', '.join(ACTIONS)}, "
                                    "values)", line=number, source=str(path)))
            continue
        corrections.append(Correction(data["article"], data.get("record"), data["action"], data.get("values") or {},
                                      str(data.get("time") or ""), number, str(path)))
    return corrections, problems


def append_correction(path: Path, correction: Correction) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as sink:
        sink.write(correction.as_json() + "\n")


def beside(results_path: Path) -> Path:
    """Where the corrections of a results file live by default."""
    return results_path.parent / CORRECTIONS_FILE


# --- applying ------------------------------------------------------------------------------------

@dataclass
class RecordReview:
    """One record as the analyst sees it: its key, its current values and the decision on it."""

    list: str
    key: str
    record: BaseModel  # after edits
    decision: str | None = None  # accepted | edited | rejected | added, or None (undecided)
    original: BaseModel | None = None  # before edits; None for an added record
    index: int | None = None  # in the corrected result's list; None when rejected


@dataclass
class ArticleReview:
    result: Result  # corrected
    records: list[RecordReview]
    reviewed: bool
    problems: list[Problem]

    @property
    def changed(self) -> int:
        return sum(r.decision in ("edited", "rejected", "added") for r in self.records)


def is_corrected(result: Result) -> bool:
    return any(c.rule == APPLIED_RULE for c in result.checks)


def build_record(name: str, values: dict, text: str, base: BaseModel | None = None) -> BaseModel:
    """`base` with `values` applied (or a new record from values), validated; ValueError says what is wrong."""
    model = LISTS[name]
    data = base.model_dump(mode="json") if base is not None else {}
    values = dict(values)
    if base is None:
        ev = values.pop("evidence", None)
        if not isinstance(ev, dict):
            raise ValueError("a new record needs its evidence (text, start, end)")
        data["evidence"] = {"text": ev.get("text"), "start": ev.get("start"), "end": ev.get("end")}
    values.pop("list", None)
    for name_, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "funds" and name_ in ("amount", "amount_text"):
            if not value:
                raise ValueError("an amount is needed")
            data["amount_text"] = value
            if "amount_yuan" not in values:
                parsed = parse_amount(value)
                data["amount_yuan"] = float(parsed) if parsed is not None else data.get("amount_yuan", 0.0)
                written = [a for a in find_amounts(value) if a.text == value]
                data["approximate"] = written[0].approximate if written else data.get("approximate", False)
        elif name == "funds" and name_ in ("helper", "donor"):
            data["donor"] = value or None
        elif name == "funds" and name_ in ("cumulative", "per_unit"):
            data[name_] = value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
        elif name == "funds" and name_ in ("year", "since"):
            if value not in (None, "") and not str(value).isdigit():
                raise ValueError(f"{name_} {value!r} is not a year")
            data[name_] = int(value) if value not in (None, "") else None
        elif name == "pairings" and name_ in ("helper", "recipient"):
            if not value:
                raise ValueError(f"a pairing needs a {name_}")
            current = data.get(name_) or {}
            if current.get("name") != value:
                data[name_] = _region(value, text)
        elif name_ in model.model_fields:
            data[name_] = value if value != "" else None
        else:
            raise ValueError(f"{name_!r} is not a field of {name} in this schema version")
    if name == "measures" and not data.get("description"):
        data["description"] = data["evidence"]["text"]
    if name == "funds" and "kind" not in data:
        data["kind"] = "other"
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _region(name: str, text: str) -> dict:
    from .regions import RegionResolver

    return RegionResolver.for_text(text).resolve(name).model_dump(mode="json")


@dataclass
class _State:
    decision: str | None = None
    values: dict = field(default_factory=dict)
    added: str | None = None  # the list of an added record
    added_values: dict = field(default_factory=dict)  # as it was added, before later edits


def fold(known: set[str], corrections: list[Correction], source: str = "") -> tuple[dict[str, _State], bool, list[Problem]]:
    """The decisions on each record (by key) once an article's corrections are read in order; whether the
    article was marked reviewed; the corrections that name no record."""
    states: dict[str, _State] = {}
    reviewed = False
    problems: list[Problem] = []

    def problem(c: Correction, message: str) -> None:
        problems.append(Problem(message, c.article, c.record, c.line, c.source or source))

    for c in corrections:
        if c.action == "reviewed":
            reviewed = bool(c.values.get("reviewed", True))
            continue
        if c.action == "add":
            if c.values.get("list") not in LISTS:
                problem(c, f"an added record needs list: one of {', '.join(LISTS)}")
                continue
            states[c.record] = _State("added", dict(c.values), c.values["list"], dict(c.values))
            continue
        if c.record not in known and c.record not in states:
            problem(c, f"{c.action}: the record is no longer in the results (a re-run changed or removed it); "
                       "review it again")
            continue
        state = states.setdefault(c.record, _State())
        if c.action == "reset":
            if state.added:
                state.decision, state.values = "added", dict(state.added_values)
            else:
                states.pop(c.record)
        elif c.action == "accept":
            state.decision = state.decision if state.decision in ("edited", "added") else "accepted"
        elif c.action == "reject":
            state.decision = "rejected"
        elif c.action == "edit":
            state.values.update(c.values)
            state.decision = "added" if state.added else "edited"
    return states, reviewed, problems


@dataclass
class Tally:
    reviewed: bool
    changed: int  # records edited, rejected or added
    counts: dict[str, int]  # records per list once the corrections are applied


def tally(keys: list[str], corrections: list[Correction]) -> Tally:
    """What the list of articles shows, from the record keys alone (nothing is built or checked)."""
    states, reviewed, _ = fold(set(keys), corrections)
    counts = {name: 0 for name in LISTS}
    for key in keys:
        if not (key in states and states[key].decision == "rejected"):
            counts[key.split(":", 1)[0]] += 1
    added = [state for state in states.values() if state.added]
    for state in added:
        if state.decision != "rejected":
            counts[state.added] += 1
    changed = sum(state.decision in ("edited", "rejected", "added") for state in states.values())
    every = bool(keys or added) and all(k in states and states[k].decision for k in keys)
    return Tally(reviewed or every, changed, counts)


def review_article(result: Result, corrections: list[Correction], source: str = "") -> ArticleReview:
    """A result with its corrections applied, record by record, re-checked by the rule checks."""
    keys = record_keys(result)
    states, reviewed, problems = fold({key for _, _, key in keys}, corrections, source)
    text = result.article.text
    reviews: list[RecordReview] = []
    kept: dict[str, list[BaseModel]] = {name: [] for name in LISTS}
    moved: dict[int, int] = {}  # old fund index -> new
    for name, i, key in keys:
        original = getattr(result, name)[i]
        state = states.get(key, _State())
        record = original
        decision = state.decision
        if state.values:
            try:
                record = build_record(name, state.values, text, original)
            except ValueError as exc:
                problems.append(Problem(f"edit not applied: {exc}", result.article.id, key, 0, source))
        if decision == "rejected":
            reviews.append(RecordReview(name, key, record, decision, original, None))
            continue
        if name == "funds":
            moved[i] = len(kept["funds"])
        reviews.append(RecordReview(name, key, record, decision, original, len(kept[name])))
        kept[name].append(record)
    for key, state in states.items():
        if not state.added:
            continue
        try:
            record = build_record(state.added, state.values, text)
        except ValueError as exc:
            problems.append(Problem(f"added record not applied: {exc}", result.article.id, key, 0, source))
            continue
        rejected = state.decision == "rejected"
        reviews.append(RecordReview(state.added, key, record, "rejected" if rejected else "added", None,
                                    None if rejected else len(kept[state.added])))
        if not rejected:
            kept[state.added].append(record)
    funds = [f.model_copy(update={"part_of": moved.get(f.part_of)}) if f.part_of is not None else f
             for f in kept["funds"]]
    corrected = result.model_copy(update={"pairings": kept["pairings"], "funds": funds, "measures": kept["measures"]})
    if not states and not reviewed:
        return ArticleReview(result, reviews, False, problems)
    corrected = corrected.model_copy(update={"checks": _rechecked(result, corrected, reviews)})
    if not reviewed and reviews and all(r.decision for r in reviews):
        reviewed = True  # every record has a decision (as tally says)
    return ArticleReview(corrected, reviews, reviewed, problems)


def _rechecked(original: Result, corrected: Result, reviews: list[RecordReview]) -> list[Check]:
    """The pipeline's own findings (damaged text, dropped records…) kept; the rule checks run again."""
    rule_findings = {(c.rule, c.path) for c in run_checks(original)}
    kept = [c for c in original.checks if (c.rule, c.path) not in rule_findings and c.rule != "no_records"]
    counts: dict[str, int] = {}
    for r in reviews:
        if r.decision:
            counts[r.decision] = counts.get(r.decision, 0) + 1
    summary = ", ".join(f"{n} {d}" for d, n in sorted(counts.items())) or "no record changed"
    marker = Check(rule=APPLIED_RULE, severity=Severity.info, path="(records)",
                   message=f"reviewed by an analyst: {summary}")
    return kept + run_checks(corrected) + [marker]


class Corrections:
    """Corrections grouped by article, applied one result at a time (so a reader can stream results)."""

    def __init__(self, corrections: Iterable[Correction] = (), source: str = "", problems: Iterable[Problem] = ()):
        self.source = source
        self.problems: list[Problem] = list(problems)
        self.by_article: dict[str, list[Correction]] = {}
        for c in corrections:
            self.by_article.setdefault(c.article, []).append(c)
        self.seen: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> "Corrections":
        corrections, problems = load_corrections(path)
        return cls(corrections, str(path), problems)

    def __bool__(self) -> bool:
        return bool(self.by_article)

    def review(self, result: Result) -> ArticleReview:
        self.seen.add(result.article.id)
        corrections = self.by_article.get(result.article.id, [])
        if corrections and is_corrected(result):
            return ArticleReview(result, [], False, [Problem(
                "this result already carries corrections (check corrections_applied): not applied again",
                result.article.id, None, corrections[0].line, corrections[0].source or self.source)])
        return review_article(result, corrections, self.source)

    def apply_one(self, result: Result) -> tuple[Result, list[Problem]]:
        review = self.review(result)
        return review.result, review.problems

    def unmatched(self) -> list[Problem]:
        """Corrections of articles no result was given for."""
        return [Problem(f"{len(cs)} correction(s) for an article that is not among the results", article,
                        None, cs[0].line, cs[0].source or self.source)
                for article, cs in self.by_article.items() if article not in self.seen]


def apply(results: Iterable[Result], corrections: Iterable[Correction] | Corrections) -> tuple[list[Result], list[Problem]]:
    """Results with the corrections applied, and what could not be applied (reported, never dropped)."""
    book = corrections if isinstance(corrections, Corrections) else Corrections(corrections)
    corrected: list[Result] = []
    problems: list[Problem] = list(book.problems)
    for result in results:
        fixed, found = book.apply_one(result)
        corrected.append(fixed)
        problems += found
    return corrected, problems + book.unmatched()


def progress(results: Iterable[Result], book: Corrections) -> dict:
    """Reviewed articles out of all, and records changed (edited, rejected or added)."""
    total = reviewed = changed = 0
    for result in results:
        total += 1
        if result.article.id in book.by_article:
            counted = tally([key for _, _, key in record_keys(result)], book.by_article[result.article.id])
            reviewed += counted.reviewed
            changed += counted.changed
    return {"reviewed": reviewed, "total": total, "changed": changed}


def progress_line(stats: dict, source: str = "") -> str:
    return (f"Reviewed {stats['reviewed']} of {stats['total']} article(s); {stats['changed']} record(s) changed by review"
            + (f" ({source})" if source else ""))


def load_books(paths: Iterable[Path]) -> Corrections:
    """The corrections of several files as one book (they are keyed by article, so files may overlap)."""
    corrections: list[Correction] = []
    problems: list[Problem] = []
    sources = []
    for path in dict.fromkeys(paths):
        found, bad = load_corrections(path)
        corrections += found
        problems += bad
        sources.append(str(path))
    return Corrections(corrections, ", ".join(sources), problems)


def find(result_paths: Iterable[Path], explicit: Path | None = None) -> Corrections | None:
    """The corrections a reader of these results files applies: `explicit` (--corrections), else
    corrections.jsonl beside each results file; None when there are none. What `report`, `check`,
    `eval` and `export` call, then `apply(results, book)`. FileNotFoundError for a missing explicit file."""
    if explicit is not None:
        if not explicit.is_file():
            raise FileNotFoundError(f"--corrections {explicit}: no such file")
        return load_books([explicit])
    files = [beside(p) for p in result_paths if str(p) != "-" and beside(p).is_file()]
    return load_books(files) if files else None
