"""`summarizer review`: a local page to accept, reject, edit and add records, kept as corrections.

The server binds 127.0.0.1 only (stdlib http.server). It reads the results once, never writes them,
and appends every decision to the corrections file (see corrections.py). The page is one static
HTML file with its script inline; an article's text, records and findings come as JSON when it opens.
"""
from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel

from .results_io import load_result
from .corrections import (
    LISTS, ArticleReview, Correction, Tally, append_correction, build_record, data_keys, editable_fields, now,
    progress_line, record_keys, review_article, review_key, tally,
)
from .schemas import Category, Fund, FundKind, Relation, Result

HOST = "127.0.0.1"


class ReviewError(ValueError):
    """A request the page should not have sent (unknown article, bad action, invalid value): one line back."""


def _choices(field: str) -> list[str]:
    """The values an enum field of Fund takes (status arrives with schema v2)."""
    schema = Fund.model_json_schema()
    prop = schema["properties"].get(field, {})
    for option in [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]:
        if "$ref" in option:
            option = schema["$defs"][option["$ref"].rsplit("/", 1)[-1]]
        if "enum" in option:
            return list(option["enum"])
    return []


def display(name: str, record: BaseModel) -> dict:
    """A record's fields as the page shows and edits them."""
    if name == "funds":
        values = {"amount": record.amount_text, "amount_yuan": record.amount_yuan, "kind": record.kind.value,
                  "donor": record.donor, "recipient": record.recipient, "year": record.year,
                  "purpose": record.purpose, "approximate": record.approximate, "part_of": record.part_of}
        for optional in ("status", "cumulative", "since", "per_unit"):
            if optional in Fund.model_fields:
                value = getattr(record, optional)
                values[optional] = getattr(value, "value", value)
        return values
    if name == "pairings":
        return {"helper": record.helper.name, "helper_full": record.helper.full_name, "helper_adcode": record.helper.adcode,
                "recipient": record.recipient.name, "recipient_full": record.recipient.full_name,
                "recipient_adcode": record.recipient.adcode, "relation": record.relation.value}
    return {"category": record.category.value, "description": record.description,
            "indicators": [f"{i.name} {i.value:g}{i.unit or ''}" for i in record.indicators]}


class Loaded:
    """One result under review: its JSON as read, validated only when the article is opened (or corrected),
    so the page for hundreds of articles is up as soon as the file is parsed."""

    def __init__(self, label: str, data: dict | None = None, result: Result | None = None):
        self.label = label
        self.data = data
        self._result = result

    @property
    def result(self) -> Result:
        if self._result is None:
            loaded = load_result(self.label, self.data)
            if loaded.result is None:
                raise ReviewError(f"{self.label}: {loaded.error}")
            self._result, self.data = loaded.result, None
        return self._result

    def _article(self) -> dict:
        article = self.data.get("article") if isinstance(self.data, dict) else None
        return article if isinstance(article, dict) else {}

    @property
    def article_id(self) -> str:
        return self._result.article.id if self._result is not None else str(self._article().get("id"))

    def keys(self) -> list[str] | None:
        """The record keys, from the JSON while the result is not validated yet."""
        if self._result is not None:
            return [key for _, _, key in record_keys(self._result)]
        return data_keys(self.data)

    def summary(self) -> dict:
        """Title, date and record counts for the list, without validating the result."""
        if self._result is not None:
            article = self._result.article
            return {"title": article.title or Path(article.source).name, "published": article.published,
                    "counts": {name: len(getattr(self._result, name)) for name in LISTS}}
        article = self._article()
        return {"title": article.get("title") or Path(str(article.get("source") or "")).name,
                "published": article.get("published"),
                "counts": {name: len(self.data.get(name) or []) for name in LISTS}}


class ReviewSession:
    """The results under review, their corrections, and the answers the page asks for."""

    def __init__(self, loaded: list[Loaded], corrections_path: Path, corrections: list[Correction]):
        self.loaded = loaded
        self.path = corrections_path
        self.by_article: dict[str, list[Correction]] = {}
        for c in corrections:
            self.by_article.setdefault(c.article, []).append(c)
        self._reviews: dict[int, ArticleReview] = {}
        self._tallies: dict[int, Tally] = {}
        self._lock = threading.Lock()

    # --- reading ---

    def review(self, n: int) -> ArticleReview:
        if not 0 <= n < len(self.loaded):
            raise ReviewError(f"no article {n}")
        if n not in self._reviews:
            result = self.loaded[n].result
            self._reviews[n] = review_article(result, self.by_article.get(result.article.id, []), str(self.path))
        return self._reviews[n]

    def tally(self, n: int) -> Tally | None:
        """Reviewed, changed and counts of an article with corrections, from its record keys (cached)."""
        item = self.loaded[n]
        corrections = self.by_article.get(item.article_id)
        if not corrections:
            return None
        if n not in self._tallies:
            keys = item.keys()
            if keys is None:
                try:
                    keys = [key for _, _, key in record_keys(item.result)]
                except ReviewError:
                    return None
            self._tallies[n] = tally(keys, corrections)
        return self._tallies[n]

    def row(self, n: int) -> dict:
        item = self.loaded[n]
        summary = item.summary()
        counted = self.tally(n)
        if counted:
            summary["counts"] = counted.counts
        return {"n": n, "source": item.label, **summary,
                "reviewed": bool(counted and counted.reviewed), "changed": counted.changed if counted else 0}

    def progress(self) -> dict:
        reviewed = changed = 0
        for n in range(len(self.loaded)):
            counted = self.tally(n)
            if counted:
                reviewed += counted.reviewed
                changed += counted.changed
        stats = {"reviewed": reviewed, "total": len(self.loaded), "changed": changed}
        return stats | {"line": progress_line(stats), "corrections": str(self.path)}

    def index(self) -> dict:
        return {"rows": [self.row(n) for n in range(len(self.loaded))], "progress": self.progress(),
                "choices": {"kind": [k.value for k in FundKind], "relation": [r.value for r in Relation],
                            "category": [c.value for c in Category], "status": _choices("status")},
                "editable": {name: list(editable_fields(name)) for name in LISTS}}

    def article(self, n: int) -> dict:
        review = self.review(n)
        result = self.loaded[n].result
        findings: dict[tuple[str, int], list[dict]] = {}
        for check in review.result.checks:
            head = check.path.split(".")[0]
            if head.endswith("]") and "[" in head:
                name, index = head[:-1].split("[", 1)
                if index.isdigit():
                    findings.setdefault((name, int(index)), []).append(check.model_dump(mode="json"))
        records = []
        for r in review.records:
            ev = r.record.evidence
            records.append({"key": r.key, "list": r.list, "decision": r.decision,
                            "values": display(r.list, r.record),
                            "original": display(r.list, r.original) if r.original is not None and r.decision == "edited" else None,
                            "evidence": {"text": ev.text, "start": ev.start, "end": ev.end},
                            "checks": findings.get((r.list, r.index), []) if r.index is not None else []})
        order = {name: i for i, name in enumerate(LISTS)}
        records.sort(key=lambda r: (order[r["list"]], r["evidence"]["start"]))  # money and pairings before measures
        article = result.article
        return {"n": n, "id": article.id, "title": article.title, "source": self.loaded[n].label,
                "published": article.published, "outlet": article.outlet, "text": article.text,
                "records": records, "reviewed": review.reviewed,
                "article_checks": [c.model_dump(mode="json") for c in review.result.checks
                                   if not c.path.split(".")[0].endswith("]")],
                "problems": [str(p) for p in review.problems], "row": self.row(n), "progress": self.progress()}

    # --- writing ---

    def act(self, n: int, request: dict) -> dict:
        """Record one decision (validated first), then answer with the article as it now stands."""
        action = request.get("action")
        values = request.get("values") or {}
        if not isinstance(values, dict):
            raise ReviewError("values must be an object")
        with self._lock:
            review = self.review(n)
            result = self.loaded[n].result
            keys = {r.key: r for r in review.records}
            key = request.get("record")
            if action == "reviewed":
                key, values = None, {"reviewed": bool(values.get("reviewed", True))}
            elif action == "add":
                key, values = self._new_record(result, values, keys)
            elif action in ("accept", "reject", "reset", "edit"):
                if key not in keys:
                    raise ReviewError(f"no record {key!r} in this article")
                if action == "edit":
                    record = keys[key]
                    allowed = set(editable_fields(record.list)) | {"purpose", "helper", "donor"}
                    unknown = sorted(set(values) - allowed)
                    if unknown:
                        raise ReviewError(f"{unknown[0]!r} cannot be edited on {record.list}")
                    try:
                        build_record(record.list, values, result.article.text, record.record)
                    except ValueError as exc:
                        raise ReviewError(str(exc)) from None
            else:
                raise ReviewError(f"unknown action {action!r}")
            correction = Correction(result.article.id, key, action, values, now())
            append_correction(self.path, correction)
            self.by_article.setdefault(result.article.id, []).append(correction)
            for other, item in enumerate(self.loaded):  # the same article given twice shares its corrections
                if item.article_id == result.article.id:
                    self._reviews.pop(other, None)
                    self._tallies.pop(other, None)
        return self.article(n)

    def _new_record(self, result: Result, values: dict, keys: dict) -> tuple[str, dict]:
        name = values.get("list")
        if name not in LISTS:
            raise ReviewError(f"list must be one of {', '.join(LISTS)}")
        text = result.article.text
        ev = values.get("evidence") or {}
        quote = str(ev.get("text") or "")
        if not quote.strip():
            raise ReviewError("select the record's quote in the text first")
        start = _locate(text, quote, ev.get("start"))
        if start is None:
            raise ReviewError("the selected quote is not in the article's text")
        values = dict(values) | {"evidence": {"text": quote, "start": start, "end": start + len(quote)}}
        try:
            record = build_record(name, values, text)
        except ValueError as exc:
            raise ReviewError(str(exc)) from None
        key, number = review_key(name, record), 1
        existing = set(keys) | {k for _, _, k in record_keys(result)}
        while (key if number == 1 else f"{key}#{number}") in existing:
            number += 1
        return (key if number == 1 else f"{key}#{number}"), values


def _locate(text: str, quote: str, near) -> int | None:
    """Where the quote is in the text: at the offset the page gave if it is there, else the nearest occurrence."""
    if isinstance(near, int) and text[near:near + len(quote)] == quote:
        return near
    starts, at = [], text.find(quote)
    while at >= 0:
        starts.append(at)
        at = text.find(quote, at + 1)
    if not starts:
        return None
    return min(starts, key=lambda s: abs(s - near)) if isinstance(near, int) else starts[0]


def page_html(session: ReviewSession) -> bytes:
    template = resources.files("summarizer").joinpath("templates/review.html").read_text("utf-8")
    data = json.dumps(session.index(), ensure_ascii=False).replace("</", "<\\/")
    return template.replace("/*INITIAL_DATA*/null", data, 1).encode("utf-8")


def make_handler(session: ReviewSession):
    class Handler(BaseHTTPRequestHandler):
        server_version = "summarizer-review"

        def log_message(self, format, *args):  # the terminal shows the address and errors, not every request
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data, status: int = 200) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def _local_host(self) -> bool:
            # Another site's page in the same browser may not talk to this server (DNS rebinding).
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            return host in ("127.0.0.1", "localhost")

        def do_GET(self) -> None:
            if not self._local_host():
                return self._json({"error": "only 127.0.0.1"}, HTTPStatus.FORBIDDEN)
            path = urlsplit(self.path).path
            try:
                if path in ("/", "/index.html"):
                    return self._send(200, page_html(session), "text/html; charset=utf-8")
                if path == "/api/index":
                    return self._json(session.index())
                if path.startswith("/api/article/"):
                    return self._json(session.article(int(path.rsplit("/", 1)[1])))
            except (ReviewError, ValueError) as exc:
                return self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)

        def do_POST(self) -> None:
            if not self._local_host() or "application/json" not in (self.headers.get("Content-Type") or ""):
                return self._json({"error": "only JSON from 127.0.0.1"}, HTTPStatus.FORBIDDEN)
            try:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                path = urlsplit(self.path).path
                if not path.startswith("/api/article/") or not isinstance(request, dict):
                    return self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)
                return self._json(session.act(int(path.rsplit("/", 1)[1]), request))
            except (ReviewError, ValueError) as exc:
                return self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            except OSError as exc:  # the corrections file cannot be written: say so on the page, keep serving
                return self._json({"error": f"cannot write {session.path}: {exc.strerror or exc}"},
                                  HTTPStatus.INTERNAL_SERVER_ERROR)

    return Handler


def make_server(session: ReviewSession, port: int = 0) -> ThreadingHTTPServer:
    """Bound to 127.0.0.1 only; port 0 picks a free one (server.server_address[1])."""
    server = ThreadingHTTPServer((HOST, port), make_handler(session))
    server.daemon_threads = True
    return server
