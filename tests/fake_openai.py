"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Each request takes the next scripted reply (or the default one): a good answer (as a
tool call when the request offers tools, else as JSON content), an HTTP status with
headers, a hang, or a dropped connection. Every request body is recorded.

It also keeps Files and Batches (/v1/files, /v1/batches): a batch moves one state per
retrieve along `batch_states` (validating -> in_progress -> completed by default) and, on
completing, answers every request line with the same replies as above. `batch_expire_after`
answers only that many lines and ends the batch as expired; `batch_malformed` appends a line
that is not JSON to the output file. Uploads and created batches are counted.
"""
from __future__ import annotations

import json
import re
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
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.uploads = 0
        self.batches_created = 0
        self.batch_states = ["validating", "in_progress", "completed"]
        self.batch_expire_after: int | None = None
        self.batch_malformed = False
        self.upload_failures = 0  # the next N uploads are refused (400), as a provider refuses a bad file
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

            def do_GET(self):
                path = self.path.split("?")[0]
                with fake.lock:
                    if m := re.fullmatch(r"/v1/files/([^/]+)/content", path):
                        data = fake.files.get(m.group(1))
                        if data is None:
                            return self._send(404, {"error": {"message": "no such file"}})
                        return self._send_bytes(200, data, "application/jsonl")
                    if m := re.fullmatch(r"/v1/batches/([^/]+)", path):
                        batch = fake.batches.get(m.group(1))
                        if batch is None:
                            return self._send(404, {"error": {"message": "no such batch"}})
                        fake.advance(batch)
                        return self._send(200, batch)
                    if path == "/v1/batches":
                        listed = [{k: v for k, v in b.items() if not k.startswith("_")} for b in
                                  sorted(fake.batches.values(), key=lambda b: b["created_at"], reverse=True)]
                        return self._send(200, {"object": "list", "data": listed, "has_more": False})
                self._send(404, {"error": {"message": f"unknown path {path}"}})

            def do_POST(self):
                if self.path.startswith("/v1/files"):
                    return self._upload()
                if self.path.startswith("/v1/batches"):
                    return self._create_batch()
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

            def _upload(self):
                data = self._body()
                with fake.lock:
                    refuse = fake.upload_failures > 0
                    fake.upload_failures -= refuse
                if refuse:
                    return self._send(400, {"error": {"message": "upload refused by the test"}})
                boundary = re.search(r"boundary=([^;]+)", self.headers.get("content-type", "")).group(1).strip('"')
                fields = {}
                for section in data.split(b"--" + boundary.encode())[1:-1]:
                    head, _, value = section.partition(b"\r\n\r\n")
                    name = re.search(rb'name="([^"]+)"', head).group(1).decode()
                    fields[name] = value[:-2]  # the CRLF before the next boundary
                with fake.lock:
                    fake.uploads += 1
                    file_id = f"file-{fake.uploads}"
                    fake.files[file_id] = fields["file"]
                self._send(200, {"id": file_id, "object": "file", "bytes": len(fields["file"]), "created_at": 0,
                                 "filename": "requests.jsonl", "purpose": fields.get("purpose", b"").decode()})

            def _create_batch(self):
                body = json.loads(self._body() or b"{}")
                with fake.lock:
                    if body.get("input_file_id") not in fake.files:
                        return self._send(400, {"error": {"message": "no such input file"}})
                    fake.batches_created += 1
                    batch_id = f"batch-{fake.batches_created}"
                    lines = fake.files[body["input_file_id"]].decode("utf-8").splitlines()
                    fake.batches[batch_id] = {
                        "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                        "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                        "status": fake.batch_states[0], "created_at": time.time(), "output_file_id": None,
                        "error_file_id": None, "metadata": body.get("metadata"), "_step": 0,
                        "request_counts": {"total": len(lines), "completed": 0, "failed": 0}}
                    batch = dict(fake.batches[batch_id])
                self._send(200, {k: v for k, v in batch.items() if not k.startswith("_")})

            def _send_bytes(self, code, data, content_type):
                self.send_response(code)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send(self, code, payload, headers=None):
                if isinstance(payload, dict):
                    payload = {k: v for k, v in payload.items() if not k.startswith("_")}
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default 5 resets connections when 64 clients connect at once

        self.server = Server(("127.0.0.1", 0), Handler)
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

    def reply_to(self, body: dict) -> Reply:
        self.requests.append(body)
        reply = self.script.popleft() if self.script else (self.default(body) if self.default else None)
        return reply or status(500, message="no scripted reply")

    def advance(self, batch: dict) -> None:
        """One state further along batch_states; the last step answers the batch's requests."""
        if batch["status"] in ("completed", "expired", "failed", "cancelled"):
            return
        batch["_step"] += 1
        states = self.batch_states
        batch["status"] = states[min(batch["_step"], len(states) - 1)]
        if batch["status"] not in ("completed", "expired"):
            return
        outputs, errors = [], []
        for number, line in enumerate(self.files[batch["input_file_id"]].decode("utf-8").splitlines()):
            request = json.loads(line)
            if self.batch_expire_after is not None and number >= self.batch_expire_after:
                batch["status"] = "expired"
                errors.append({"id": f"req-{number}", "custom_id": request["custom_id"], "response": None,
                               "error": {"code": "batch_expired", "message": "This request could not be executed "
                                                                             "before the completion window expired."}})
                continue
            reply = self.reply_to(request["body"])
            if reply.kind == "answer":
                outputs.append({"id": f"req-{number}", "custom_id": request["custom_id"], "error": None,
                                "response": {"status_code": 200, "request_id": f"r{number}",
                                             "body": completion(request["body"], reply.payload)}})
            else:
                errors.append({"id": f"req-{number}", "custom_id": request["custom_id"], "error": None,
                               "response": {"status_code": reply.status if reply.kind == "status" else 500,
                                            "request_id": f"r{number}", "body": reply.payload}})
        for name, lines in (("output_file_id", outputs), ("error_file_id", errors)):
            if lines or (name == "output_file_id" and self.batch_malformed):
                data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
                if name == "output_file_id" and self.batch_malformed:
                    data += '{"custom_id": "truncated-li\n'
                file_id = f"file-out-{batch['id']}-{name[:3]}"
                self.files[file_id] = data.encode("utf-8")
                batch[name] = file_id
        batch["request_counts"].update(completed=len(outputs), failed=len(errors))


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
