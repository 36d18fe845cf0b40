"""Record and replay LLM exchanges, so a run against a real model becomes an offline fixture.

`--record DIR` saves every chat-completions request and the server's answer, one JSON file per
exchange, named by the request's key; `--replay DIR` answers from such a folder instead of a
server. Both sit below the `openai` client as an httpx transport, so a replayed run goes through
exactly the code a live run does: instructor's parsing, the checks, the re-asks.

The fixture shipped in `tests/fixtures/gold-roundtrip-seeds` is not a real model's run: its answers are
built from the seeds' gold, so replaying it is a round-trip test of this path, not a model score.

The key is the sha256 of the conversation from the article's own message on (the article and
any re-ask turns), not of the system prompt or the worked examples: a fixture survives prompt
edits, and an answer that no longer fits the schema is then re-asked like any other.
"""
from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

import openai

# The HTTP library the installed `openai` is built on (httpx, or httpx2 from openai 3 on).
httpx = importlib.import_module(openai.DefaultAsyncHttpxClient.__mro__[1].__module__.split(".")[0])

ARTICLE_MARK = "文章：\n"


def request_key(body: dict) -> str:
    messages = body.get("messages") or []
    starts = [i for i, m in enumerate(messages) if m.get("role") == "user" and ARTICLE_MARK in str(m.get("content"))]
    turn = messages[starts[-1]:] if starts else messages
    payload = json.dumps([(m.get("role"), m.get("content")) for m in turn], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests on to the real transport and writes each exchange to `folder`."""

    def __init__(self, folder: Path, inner: httpx.AsyncBaseTransport | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/chat/completions"):
            return response
        raw = await response.aread()
        body = json.loads(request.content or b"{}")
        if response.status_code == 200:
            record = {"request": {"model": body.get("model"), "messages": body.get("messages")},
                      "response": json.loads(raw)}
            path = self.folder / f"{request_key(body)}.json"
            path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        return httpx.Response(response.status_code, headers=response.headers, content=raw, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers chat-completions requests from a folder written by RecordingTransport (or by hand)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        path = self.folder / f"{request_key(body)}.json"
        if not path.is_file():
            error = {"error": {"message": f"replay: no recorded answer for this request in {self.folder} "
                                          f"(key {path.stem}); record one with --record", "type": "invalid_request_error"}}
            return httpx.Response(400, json=error, request=request)
        record = json.loads(path.read_text(encoding="utf-8"))
        return httpx.Response(200, json=record["response"], request=request)
