"""The Batch API path: submit many articles as files of requests, collect the answers later.

For corpora where the synchronous path's rate limits and price hurt: the provider's Files and
Batches endpoints (OpenAI's, and the servers that copy them) take a JSONL file of chat-completion
requests and answer within a window, at about half the price and outside per-minute limits.

The job folder is the whole state, saved after every call to the provider, so `collect` after a
crash or on another day carries on and nothing is uploaded or submitted twice:

  job.json              settings, and per part: request file, uploaded file id, batch id, status
  articles.jsonl        one line per article: source (`doc#N` for an item of a multi-item document), the
                        file it is read from, cache key, raw-bytes key, its requests' custom_ids
  requests-NNN.jsonl    the request files (one per part; a part is one batch)
  output-NNN.jsonl, errors-NNN.jsonl   what the provider returned for that part
  results.jsonl         the collected results, one line per article, as `summarize --jsonl` writes them

Requests are built by the same code as the synchronous path (same prompt version, same cache key, a
multi-item document split into the same items), and answers go through the same validation, grounding,
checks and cache, so `summarize` on the same inputs afterwards answers from the cache. Nothing here
knows about the terminal.
"""
from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .backends.base import BackendError
from .backends.llm import LLMBackend, LLMSettings, request_texts
from .backends.prompting import answer_text, build_messages, merge_extraction, reask_messages
from .cache import Cache, raw_key
from .clean import clean
from .pipeline import DocumentArticle, Pipeline, article_of, document_articles
from .reader import Document, InputError, document_text, read_bytes

JOB_FILE = "job.json"
ARTICLES_FILE = "articles.jsonl"
RESULTS_FILE = "results.jsonl"
ENDPOINT = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}
# OpenAI's limits per batch input file: 50,000 requests and 200 MB. Others copy them or set lower ones.
MAX_REQUESTS = 50_000
MAX_BYTES = 190 * 1024 * 1024
REASK_MODES = ("sync", "batch")
SETTINGS_KEPT = ("model", "base_url", "temperature", "mode", "timeout", "reasks", "chunk_chars")


class JobError(Exception):
    """The job folder cannot be used (one-line reason)."""


@dataclass
class Part:
    name: str  # requests-NNN.jsonl
    requests: int = 0
    bytes: int = 0
    file_id: str | None = None
    batch_id: str | None = None
    status: str | None = None
    counts: dict = field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None
    downloaded: bool = False

    @property
    def number(self) -> str:
        return self.name.removeprefix("requests-").removesuffix(".jsonl")


@dataclass
class Job:
    folder: Path
    id: str
    settings: dict
    parts: list[Part]
    collected: set[str] = field(default_factory=set)  # cache keys of articles whose result is written
    failed: dict[str, str] = field(default_factory=dict)  # cache key -> why it has no result
    reasks: dict[str, int] = field(default_factory=dict)  # custom_id -> re-asks sent in follow-up batches

    @classmethod
    def load(cls, folder: Path) -> "Job":
        path = Path(folder) / JOB_FILE
        if not path.is_file():
            raise JobError(f"{folder}: not a batch job folder (no {JOB_FILE}; `summarizer batch submit` makes one)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(Path(folder), data["id"], data["settings"], [Part(**p) for p in data["parts"]],
                       set(data.get("collected", [])), data.get("failed", {}), data.get("reasks", {}))
        except (ValueError, KeyError, TypeError) as exc:
            raise JobError(f"{path}: damaged job file ({exc})") from None

    def save(self) -> None:
        data = {"id": self.id, "settings": self.settings, "parts": [vars(p) for p in self.parts],
                "collected": sorted(self.collected), "failed": self.failed, "reasks": self.reasks}
        temporary = self.folder / (JOB_FILE + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, self.folder / JOB_FILE)  # a crash leaves the old state or the new, never half

    def articles(self) -> list[dict]:
        with open(self.folder / ARTICLES_FILE, encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def backend(self) -> LLMBackend:
        """The backend the job was submitted with (the API key from the environment, never stored)."""
        s = self.settings
        settings = LLMSettings.from_options(model=s["model"], base_url=s["base_url"], temperature=s["temperature"],
                                            mode=s["mode"], timeout=s["timeout"])
        return LLMBackend(replace(settings, reasks=s["reasks"], chunk_chars=s["chunk_chars"]))

    def new_part_name(self) -> str:
        return f"requests-{len(self.parts) + 1:03d}.jsonl"


# --- submit ---------------------------------------------------------------------------------

@dataclass
class Prepared:
    articles: int = 0
    requests: int = 0
    cached: int = 0  # already in the cache: not submitted
    duplicates: int = 0  # the same article twice: submitted once
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    notes: list[str] = field(default_factory=list)  # per multi-item document, the items skipped (items.py)


class PartWriter:
    """Request lines into request files, a new one whenever the next line would pass either limit."""

    def __init__(self, job: Job, max_requests: int, max_bytes: int):
        self.job, self.max_requests, self.max_bytes = job, max_requests, max_bytes
        self.handle = None

    def write(self, line: bytes) -> None:
        part = self.job.parts[-1] if self.handle else None
        if part is None or part.requests >= self.max_requests or part.bytes + len(line) > self.max_bytes:
            self.close()
            part = Part(self.job.new_part_name())
            self.job.parts.append(part)
            self.handle = open(self.job.folder / part.name, "wb")
        self.handle.write(line)
        part.requests += 1
        part.bytes += len(line)

    def close(self) -> None:
        if self.handle:
            self.handle.close()
            self.handle = None


def request_line(custom_id: str, body: dict) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class RequestLines:
    """Request lines as the synchronous path would send them. The system prompt, worked examples and
    schema are the same in every request, so when the mode's request handler leaves the messages as they
    are (tools, json_schema) the line is serialised once and each article's own message is spliced in:
    the difference between ~1 ms and ~20 µs a request. Other modes, and any other conversation, get
    their body built whole."""

    ID, TEXT = "\0custom_id\0", "\0article\0"

    def __init__(self, backend: LLMBackend):
        self.backend = backend
        self.probe = build_messages(self.TEXT)
        body = backend.request_body(self.probe)
        self.pieces: list[str] | None = None
        if body.get("messages") == self.probe:
            text = request_line(self.ID, body).decode("utf-8")
            head, _, rest = text.partition(json.dumps(self.ID))
            middle, found, tail = rest.partition(_json_string(self.probe[-1]["content"]))
            if found and self.ID not in tail and self.TEXT not in tail:
                self.pieces = [head, middle, tail]

    def line(self, custom_id: str, messages: list[dict]) -> bytes:
        if self.pieces is None or messages[:-1] != self.probe[:-1] or messages[-1]["role"] != "user":
            return request_line(custom_id, self.backend.request_body(messages))
        head, middle, tail = self.pieces
        return (head + json.dumps(custom_id) + middle + _json_string(messages[-1]["content"]) + tail).encode("utf-8")


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def prepare(folder: Path, sources: list[str], backend: LLMBackend, cache: Cache | None,
            max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES,
            on_article: Callable[[], None] = lambda: None) -> tuple[Job, Prepared]:
    """Write the job folder: one request per article chunk, articles already cached left out."""
    folder = Path(folder)
    if (folder / JOB_FILE).exists():
        raise JobError(f"{folder} already holds a batch job: `summarizer batch collect {folder}` carries it on "
                       "(or choose another --out)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JobError(f"cannot create {folder}: {exc.strerror or exc}") from None
    settings = {name: getattr(backend.settings, name) for name in SETTINGS_KEPT}
    job = Job(folder, uuid.uuid4().hex, settings, [])
    identity = backend.cache_identity()
    report = Prepared()
    writer = PartWriter(job, max_requests, max_bytes)
    lines = RequestLines(backend)
    with open(folder / ARTICLES_FILE, "w", encoding="utf-8") as manifest:
        for request in new_requests(sources, identity, backend.settings.chunk_chars, cache, report, on_article,
                                    alias_hits=True):
            ids = []
            for number, chunk in enumerate(request.chunks):
                ids.append(f"{request.key[:24]}-{number}")
                writer.write(lines.line(ids[-1], build_messages(chunk, request.header)))
            manifest.write(json.dumps({"source": request.source, "document": request.document, "key": request.key,
                                       "raw_key": request.raw, "custom_ids": ids}, ensure_ascii=False) + "\n")
            report.articles += 1
            report.requests += len(ids)
    writer.close()
    job.save()
    return job, report


@dataclass(frozen=True)
class ArticleRequests:
    """What one article would be sent: a document, or one item of a multi-item document (source `doc#N`)."""
    source: str
    document: str  # the input it is read from
    key: str  # cache key
    raw: str | None  # the document's raw-bytes key (None for an item: a document's bytes name no one item)
    header: str
    chunks: list[str]  # the article text of each request


def new_requests(sources: list[str], identity: dict, chunk_chars: int, cache, tally, on_article=lambda: None,
                 alias_hits: bool = False):
    """The ArticleRequests of each article that would be sent: read, split into items as `summarize` splits
    them, chunked, not a duplicate of one before it, not in the cache. What is skipped is counted on `tally`
    (unreadable, duplicates, cached; a multi-item document's note on the items it skips); with alias_hits a
    cache hit on a whole document also learns the input's raw bytes."""
    seen: set[str] = set()
    for source, read in _read_all(sources, identity, chunk_chars):
        on_article()
        if isinstance(read, str):
            tally.unreadable.append((source, read))
            continue
        articles, note = read
        if note:
            tally.notes.append(note)
        for request in articles:
            if request.key in seen:
                tally.duplicates += 1
                continue
            seen.add(request.key)
            if cache is not None and cache.get(request.key) is not None:
                if alias_hits and request.raw and source != "-":
                    cache.alias(request.raw, request.key)
                tally.cached += 1
                continue
            yield request


PARALLEL_FROM = 256  # articles; fewer are read in this process (starting workers costs more)


def _read_all(sources: list[str], identity: dict, chunk_chars: int):
    """(source, ([ArticleRequests], note) or the reason it cannot be read), in input order. Reading and
    cleaning are most of the work, so a large job spreads them over the machine's cores."""
    work = partial(_read_one, identity=identity, chunk_chars=chunk_chars)
    if len(sources) < PARALLEL_FROM or "-" in sources or (os.cpu_count() or 1) < 2:
        yield from zip(sources, map(work, sources))
        return
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 2, 8)) as pool:
        yield from zip(sources, pool.map(work, sources, chunksize=64))


def _read_one(source: str, identity: dict, chunk_chars: int):
    try:
        data = read_bytes(source)
        cleaned = clean(document_text(source, data))
    except InputError as exc:
        return exc.reason
    articles, note = document_articles(source, cleaned, identity)
    raw = raw_key(data, identity) if articles[0].item is None and note is None else None
    return [ArticleRequests(a.source, source, a.key, raw, *request_texts(a.article, chunk_chars))
            for a in articles], note


async def submit(job: Job, client) -> None:
    """Upload each part and start its batch, saving the state after each call. A part whose file was
    uploaded in an earlier run that stopped is looked for among the provider's batches first."""
    for part in job.parts:
        if part.batch_id:
            continue
        resuming = part.file_id is not None
        if not resuming:
            uploaded = await client.files.create(file=(part.name, (job.folder / part.name).read_bytes()),
                                                 purpose="batch")
            part.file_id = uploaded.id
            job.save()
        batch = await _existing_batch(client, job, part) if resuming else None
        if batch is None:
            batch = await client.batches.create(input_file_id=part.file_id, endpoint=ENDPOINT, completion_window="24h",
                                                metadata={"summarizer_job": job.id, "summarizer_part": part.name})
        part.batch_id, part.status = batch.id, batch.status
        job.save()


async def _existing_batch(client, job: Job, part: Part):
    async for batch in client.batches.list(limit=100):
        metadata = batch.metadata or {}
        if metadata.get("summarizer_job") == job.id and metadata.get("summarizer_part") == part.name:
            return batch
    return None


# --- status -----------------------------------------------------------------------------------

async def refresh(job: Job, client) -> None:
    for part in job.parts:
        if not part.batch_id or part.status in TERMINAL:
            continue
        batch = await client.batches.retrieve(part.batch_id)
        part.status = batch.status
        counts = batch.request_counts
        part.counts = {"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {}
        part.output_file_id, part.error_file_id = batch.output_file_id, batch.error_file_id
    job.save()


def unsubmitted(job: Job) -> list[Part]:
    """Parts with no batch: their upload or batch creation failed, and no provider will ever answer them."""
    return [p for p in job.parts if not p.batch_id]


def progress(job: Job) -> tuple[int, int, bool]:
    """(requests answered or failed, requests in all, every part finished)."""
    total = sum(p.requests for p in job.parts)
    done = sum(p.requests if p.status in TERMINAL else p.counts.get("completed", 0) + p.counts.get("failed", 0)
               for p in job.parts)
    return done, total, all(p.status in TERMINAL for p in job.parts)


# --- collect ------------------------------------------------------------------------------------

@dataclass
class Collected:
    results: int = 0  # articles collected in this run
    pending: int = 0  # waiting for a batch that has not finished
    failed: dict[str, str] = field(default_factory=dict)  # source -> reason, first seen in this run
    reasked: int = 0  # answers re-asked (synchronously, or sent in a follow-up batch)
    malformed: int = 0  # output lines that could not be read at all
    already: int = 0  # collected in an earlier run


async def download(job: Job, client) -> None:
    for part in job.parts:
        if part.status not in TERMINAL or part.downloaded:
            continue
        for file_id, prefix in ((part.output_file_id, "output"), (part.error_file_id, "errors")):
            if file_id:
                content = await client.files.content(file_id)
                (job.folder / f"{prefix}-{part.number}.jsonl").write_bytes(content.read())
        part.downloaded = True
        job.save()


def read_outputs(job: Job) -> tuple[dict[str, dict], dict[str, str], int]:
    """(custom_id -> completion body, custom_id -> error, malformed lines) over every downloaded part;
    a re-ask's answer ("<id>~rN") stands for its request."""
    answers: dict[str, dict] = {}
    errors: dict[str, str] = {}
    malformed = 0
    for part in job.parts:
        for prefix in ("output", "errors"):
            path = job.folder / f"{prefix}-{part.number}.jsonl"
            if not path.is_file():
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    custom_id = entry["custom_id"].split("~")[0]
                except (ValueError, KeyError, TypeError, AttributeError):
                    malformed += 1
                    continue
                response = entry.get("response") or {}
                if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
                    answers[custom_id] = response["body"]
                    errors.pop(custom_id, None)
                elif custom_id not in answers:
                    error = entry.get("error") or (response.get("body") or {}).get("error") or {}
                    errors[custom_id] = (error.get("message") or error.get("code") or
                                         f"HTTP {response.get('status_code')}") if isinstance(error, dict) else str(error)
    return answers, errors, malformed


async def collect(job: Job, client, backend: LLMBackend, cache: Cache | None, reask: str = "sync") -> Collected:
    """Download what finished, turn each article's answers into a result (validated, grounded, checked,
    cached) and append it to results.jsonl. Answers that fail the checks are re-asked: synchronously,
    or (reask="batch") in a follow-up batch that the next collect picks up."""
    await refresh(job, client)
    await download(job, client)
    answers, errors, malformed = read_outputs(job)
    report = Collected(malformed=malformed)
    finished_ids = {cid for part in job.parts if part.status in TERMINAL for cid in _custom_ids(job, part)}
    pipeline = Pipeline(backend, cache)
    follow_up: list[bytes] = []
    documents = DocumentsRead(backend.cache_identity())
    with open(job.folder / RESULTS_FILE, "a", encoding="utf-8") as results:
        for entry in job.articles():
            key, source, ids = entry["key"], entry["source"], entry["custom_ids"]
            if key in job.collected or key in job.failed:
                report.already += key in job.collected
                continue
            missing = [cid for cid in ids if cid not in answers]
            if any(cid in errors for cid in missing) or any(cid in finished_ids for cid in missing):
                reason = next((errors[c] for c in missing if c in errors), "no answer in the batch's output")
                job.failed[key] = report.failed[source] = f"request failed: {reason}"
                continue
            if missing:
                report.pending += 1
                continue
            try:
                result = await _result_of(job, pipeline, backend, documents.article(entry), entry,
                                          [answers[c] for c in ids], reask, follow_up, report)
            except (InputError, BackendError, JobError) as exc:
                job.failed[key] = report.failed[source] = str(exc)
                continue
            if result is None:
                report.pending += 1  # waiting for a follow-up batch's re-ask
                continue
            results.write(result.model_dump_json() + "\n")
            results.flush()
            job.collected.add(key)
            report.results += 1
    job.save()
    if follow_up:
        writer = PartWriter(job, MAX_REQUESTS, MAX_BYTES)
        for line in follow_up:
            writer.write(line)
        writer.close()
        job.save()
        await submit(job, client)
    return report


def _custom_ids(job: Job, part: Part) -> list[str]:
    with open(job.folder / part.name, encoding="utf-8") as lines:
        return [json.loads(line)["custom_id"].split("~")[0] for line in lines if line.strip()]


class DocumentsRead:
    """The articles of the documents a job was built from, read and cleaned again (once per document: a
    multi-item document's items are consecutive entries), to check and ground their answers against."""

    def __init__(self, identity: dict):
        self.identity = identity
        self.last: tuple[str, list[DocumentArticle] | InputError] | None = None

    def article(self, entry: dict) -> DocumentArticle:
        path = entry.get("document", entry["source"])  # job folders from before items name no document
        if self.last is None or self.last[0] != path:
            try:
                cleaned = clean(document_text(path, read_bytes(path)))
                self.last = path, document_articles(path, cleaned, self.identity)[0]
            except InputError as exc:
                self.last = path, exc
        read = self.last[1]
        if isinstance(read, InputError):
            raise InputError(path, f"cannot read it again to collect its answers: {read.reason}")
        found = next((a for a in read if a.source == entry["source"]), None)
        if found is None or found.key != entry["key"]:
            raise JobError(f"{entry['source']} (or the tool's cleaning, checks or prompts) changed since it was "
                           "submitted; summarize it again")
        return found


async def _result_of(job: Job, pipeline: Pipeline, backend: LLMBackend, read: DocumentArticle, entry: dict,
                     completions: list[dict], reask: str, follow_up: list[bytes], report: Collected):
    source, cleaned = read.source, read.article
    merged = backend.empty_extraction()
    raw_answers = []
    waiting = False
    messages = backend.chunk_messages(cleaned)
    if len(messages) != len(entry["custom_ids"]):  # submitted by a version that chunked it otherwise
        raise JobError(f"{source} was sent as {len(entry['custom_ids'])} request(s) and is now read as "
                       f"{len(messages)}; summarize it again")
    for custom_id, completion, chunk_messages in zip(entry["custom_ids"], completions, messages):
        attempts: list = []  # the batch's answer counts as the first attempt of a re-ask
        try:
            part = backend.read_answer(completion, cleaned, attempts=attempts)
        except ValueError as problem:
            answer = answer_text(completion)
            asked = job.reasks.get(custom_id, 0)
            if reask == "batch" and asked < backend.settings.reasks:
                job.reasks[custom_id] = asked + 1
                follow_up.append(request_line(f"{custom_id}~r{asked + 1}",
                                              backend.request_body(reask_messages(chunk_messages, answer, problem))))
                report.reasked += 1
                waiting = True
                continue
            if reask == "sync":
                report.reasked += 1
                part = await backend.reask(chunk_messages, answer, str(problem), cleaned, attempts)
            else:  # re-asks spent: keep the last answer; the checks keep out what contradicts the article
                part = backend.read_answer(completion, cleaned, check=False)
        raw_answers.append(part.raw_response)
        merge_extraction(merged, part)
    if waiting:
        return None
    merged.raw_response = json.dumps(raw_answers, ensure_ascii=False)
    doc = Document(source=source, text=cleaned.text)
    return pipeline.finish(article_of(doc, cleaned), cleaned, merged, entry["key"], entry.get("raw_key"))
