"""Reading result files (JSON object, JSON array, JSONL) leniently, record by record.

A malformed line or a record that does not fit the schema becomes a finding naming the
line and the field; the rest of the document is still loaded and checked, and paths of
later findings keep the record numbers of the file.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .schemas import Check, Result, Severity

RECORD_LISTS = ("pairings", "funds", "measures")
MAX_PASSES = 50


@dataclass
class LoadedResult:
    label: str  # file:line or file[index]
    result: Result | None
    findings: list[Check] = field(default_factory=list)
    error: str | None = None
    kept: dict[str, list[int]] = field(default_factory=dict)  # original indexes of the records kept

    def original_path(self, path: str) -> str:
        """Map 'funds[2].kind' in the loaded result to the record number in the file."""
        m = re.match(r"^(pairings|funds|measures)\[(\d+)\](.*)$", path)
        if not m or m.group(1) not in self.kept:
            return path
        kept = self.kept[m.group(1)]
        index = int(m.group(2))
        return f"{m.group(1)}[{kept[index] if index < len(kept) else index}]{m.group(3)}"


def iter_documents(path: Path) -> Iterator[tuple[str, object | None, str | None]]:
    """Yield (label, parsed JSON or None, parse error or None) for each document in a file."""
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        yield str(path), None, "binary data or not UTF-8: not a results file (JSON or JSON Lines from summarize)"
        return
    except OSError as exc:
        yield str(path), None, f"cannot read: {exc.strerror or exc}"
        return
    stripped = raw.lstrip()
    if not stripped:
        yield str(path), None, "empty: no results in it"
        return
    if stripped[0] not in "[{":  # an article, not results: one line, not one error per line of its text
        yield str(path), None, ("not JSON: this looks like an article, not results; run `summarizer summarize` "
                                "on it (or `summarize --jsonl` to make a results file)")
        return
    if stripped.startswith("["):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield str(path), None, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            return
        for i, item in enumerate(items):
            yield f"{path}[{i}]", item, None
        return
    try:
        yield str(path), json.loads(raw), None
        return
    except json.JSONDecodeError:
        pass  # not one document: read it as JSON Lines
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", json.loads(line), None
        except json.JSONDecodeError as exc:
            yield f"{path}:{number}", None, f"malformed JSON at column {exc.colno}: {exc.msg}"


def load_result(label: str, data: object) -> LoadedResult:
    if not isinstance(data, dict):
        return LoadedResult(label, None, error="not a JSON object")
    kept = {name: list(range(len(data.get(name) or []))) for name in RECORD_LISTS if isinstance(data.get(name), list)}
    try:  # the usual case, a valid document: no copy to prune
        return LoadedResult(label, Result.model_validate(data), kept=kept)
    except ValidationError:
        pass
    data = json.loads(json.dumps(data))  # private copy to prune
    findings: list[Check] = []
    for _ in range(MAX_PASSES):
        try:
            result = Result.model_validate(data)
            return LoadedResult(label, result, findings, kept=kept)
        except ValidationError as exc:
            bad: dict[str, set[int]] = {}
            for err in exc.errors():
                loc = err["loc"]
                if len(loc) >= 2 and loc[0] in kept and isinstance(loc[1], int):
                    original = kept[loc[0]][loc[1]]
                    field_path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
                    rule = "enum_valid" if err["type"] in ("enum", "literal_error") else "schema"
                    findings.append(Check(rule=rule, severity=Severity.error, path=f"{loc[0]}[{original}]{field_path}",
                                          message=f"{err['msg']} (got {_short(err.get('input'))})"))
                    bad.setdefault(loc[0], set()).add(loc[1])
                else:
                    where = ".".join(str(p) for p in loc) or "(document)"
                    return LoadedResult(label, None, findings, error=f"field {where}: {err['msg']}")
            for name, indexes in bad.items():
                survivors = [i for i in range(len(data[name])) if i not in indexes]
                data[name] = [data[name][i] for i in survivors]
                kept[name] = [kept[name][i] for i in survivors]
                if name == "funds":  # part_of points into the list: follow the records that moved
                    position = {old: new for new, old in enumerate(survivors)}
                    for fund in data["funds"]:
                        if isinstance(fund, dict) and isinstance(fund.get("part_of"), int):
                            fund["part_of"] = position.get(fund["part_of"])
    return LoadedResult(label, None, findings, error="too many schema errors")


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def load_results(path: Path) -> Iterator[LoadedResult]:
    for label, data, error in iter_documents(path):
        if error is not None:
            yield LoadedResult(label, None, error=error)
        else:
            yield load_result(label, data)
