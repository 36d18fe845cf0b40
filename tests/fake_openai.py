"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Each request takes the next scripted reply (or the default one): a good answer (as a
tool call when the request offers tools, else as JSON content), an HTTP status with
headers, a hang, or a dropped connection. Every request body is recorded.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    kind: str  # answer | status | hang | drop
    payload: object = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0


def answer(payload: dict | str) -> Reply:
    return Reply("answer", payload)


def status(code: int, headers: dict | None = None, message: str = "scripted failure") -> Reply:
    return Reply("status", {"error": {"message": message, "type": "server_error", "code": code}}, status=code,
                 headers=headers or {})


def hang(seconds: float) -> Reply:
    return Reply("hang", seconds=seconds)


def drop() -> Reply:
    return Reply("drop")


class FakeOpenAI:
    def __init__(self, latency: float = 0.0):
        self.script: deque[Reply] = deque()
        self.default: Callable[[dict], Reply] | None = None
        self.requests: list[dict] = []
        self.latency = latency
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def setup(self):
                super().setup()
                # headers and body go out as separate writes: without this, Nagle's algorithm and
                # delayed ACKs add ~40 ms to every response
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("content-length", 0)))

            def do_POST(self):
                body = json.loads(self._body() or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    reply = fake.script.popleft() if fake.script else (fake.default(body) if fake.default else None)
                if fake.latency:
                    time.sleep(fake.latency)
                if reply is None:
                    reply = status(500, message="no scripted reply")
                if reply.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.kind == "hang":
                    time.sleep(reply.seconds)
                    reply = status(504, message="hung")
                if reply.kind == "status":
                    self._send(reply.status, reply.payload, reply.headers)
                    return
                self._send(200, completion(body, reply.payload))

            def _send(self, code, payload, headers=None):
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def push(self, *replies: Reply) -> None:
        self.script.extend(replies)


def completion(request: dict, payload: dict | str) -> dict:
    arguments = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    message: dict = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    if tools:
        name = tools[0]["function"]["name"]
        message["tool_calls"] = [{"id": "call_1", "type": "function",
                                  "function": {"name": name, "arguments": arguments}}]
        finish = "tool_calls"
    else:
        message["content"] = arguments
        finish = "stop"
    prompt_chars = sum(len(m.get("content") or "") for m in request.get("messages", []))
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_chars, "completion_tokens": len(arguments),
                  "total_tokens": prompt_chars + len(arguments)},
    }


def serve_gold_answers(latency: float, port_file: str) -> None:
    """Serve gold-derived answers for the seeds until killed (for benchmarks, in its own process)."""
    from gold_answers import gold_answer, seed_paths

    answers = {}
    for seed in seed_paths():
        good = gold_answer(seed)
        answers[good["summary"][:30]] = good

    def reply(body: dict) -> Reply:
        user = body["messages"][-1]["content"]
        return next((answer(v) for k, v in answers.items() if k in user), status(500, message="unknown article"))

    with FakeOpenAI(latency=latency) as fake:
        fake.default = reply
        with open(port_file, "w") as fh:
            fh.write(fake.url)
        threading.Event().wait()


if __name__ == "__main__":
    import sys

    serve_gold_answers(float(sys.argv[1]), sys.argv[2])
