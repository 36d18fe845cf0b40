"""The `openai` backend: any OpenAI-compatible server through instructor.

The response model is built from the contract's enums (schemas/), so schema, prompt and
validation share one source. The model returns quotes; its records are grounded and run
through the same rule checks as every other backend *inside* instructor's validation
(VALIDATION_CONTEXT), so an `error` finding goes back to the model as a re-ask. What still fails
after the last re-ask is parsed from the last completion and left to the pipeline, which
keeps it out of the records and reports it in `checks`.

Transport faults (429 with Retry-After, 5xx, timeouts, dropped connections) are retried
with tenacity: exponential backoff with jitter, bounded attempts and total time.
"""
from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import instructor
import openai
from instructor.core.exceptions import InstructorRetryException
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, create_model, model_validator
from tenacity import AsyncRetrying, retry_if_exception, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from ..checks import metadata_problems, record_errors, run_checks
from ..clean import CleanArticle
from ..schemas import Article, Evidence, Fund, Measure, Pairing, Region, Relation, Script
from ..text import paragraphs
from ..replay import RecordingTransport, ReplayTransport, httpx
from .base import BackendError, EndpointUnavailable, Extraction

# instructor logs every failed attempt at ERROR; failures reach the user once, as one line.
logging.getLogger("instructor").setLevel(logging.CRITICAL)

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA,
         "md_json": instructor.Mode.MD_JSON, "json": instructor.Mode.JSON}
UNGROUNDED = (-1, -1)


# --- what the model returns -----------------------------------------------------------

class PairingDraft(BaseModel):
    helper: str = Field(description="the region or organisation that gives help, as written in the article")
    recipient: str = Field(description="the region or organisation that receives help, as written")
    relation: Relation
    quote: str = Field(description="verbatim sentence from the article stating this pairing")


def _draft_of(model: type[BaseModel], name: str, drop: set[str], quote_hint: str) -> type[BaseModel]:
    """The contract record as the model writes it: the same fields, a quote instead of offsets."""
    fields = {k: (f.annotation, f) for k, f in model.model_fields.items() if k not in drop}
    fields["quote"] = (str, Field(description=quote_hint))
    return create_model(name, **fields)


FundDraft = _draft_of(Fund, "FundDraft", {"evidence", "approximate"},
                      "verbatim clause from the article containing amount_text")
MeasureDraft = _draft_of(Measure, "MeasureDraft", {"evidence"},
                         "verbatim sentence from the article describing the measure")


class MetadataDraft(BaseModel):
    title: str | None = Field(default=None, description="the article's headline, copied verbatim from the page; null if none")
    published: str | None = Field(default=None, description="publication date as YYYY-MM-DD, only if the page states it; else null")
    published_quote: str | None = Field(default=None, description="verbatim text from the page that states the date")
    outlet: str | None = Field(default=None, description="the media outlet or site that published it (来源), as written; null if none")


class ArticleExtraction(BaseModel):
    """Records extracted from one article (or one chunk of a long one)."""

    @classmethod
    def model_json_schema(cls, *args, **kwargs) -> dict:
        # instructor derives a fresh subclass and asks for its schema on every request; building it
        # costs more than the rest of the request, and it only depends on the name and the fields.
        key = (cls.__name__, tuple(cls.model_fields), args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = BaseModel.model_json_schema.__func__(cls, *args, **kwargs)
        return copy.deepcopy(_SCHEMAS[key])

    metadata: MetadataDraft | None = Field(default=None, description="title, date and outlet of the article")
    summary: str = Field(description="一到三句简体中文摘要")
    pairings: list[PairingDraft] = Field(default_factory=list)
    funds: list[FundDraft] = Field(default_factory=list)  # type: ignore[valid-type]
    measures: list[MeasureDraft] = Field(default_factory=list)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def passes_rule_checks(self, info: ValidationInfo) -> "ArticleExtraction":
        context = (info.context if info else None) or VALIDATION_CONTEXT.get() or {}
        article = context.get("article")
        if article is None:
            return self
        from ..verify import grounded_result  # the same grounding and checks as the pipeline

        result = grounded_result(article, to_extraction(self))
        errors = record_errors(run_checks(result))
        lines = [f"{path}: {c.rule}: {c.message}" for path, checks in errors.items() for c in checks]
        if self.metadata is not None:
            m = self.metadata
            lines += metadata_problems(m.title, m.published, m.published_quote, m.outlet,
                                       context.get("page") or article.text)
        if lines:
            raise ValueError("These records contradict the article; fix or remove them:\n" + "\n".join(lines))
        return self


_SCHEMAS: dict[tuple, dict] = {}


@lru_cache(maxsize=1)
def _response_model() -> type[ArticleExtraction]:
    """ArticleExtraction as instructor wraps it, built once: given the bare model, instructor builds
    the wrapper class anew on every request (~3 ms each, twice per request)."""
    _check_each_model_once()
    return instructor.openai_schema(ArticleExtraction)


def _check_each_model_once() -> None:
    """instructor walks the response model's classes looking for async validators seven times per
    request (~4 ms a request here, more than all of our own work per answer). The answer cannot change
    for a class, so remember the classes that passed; anything else still gets the full check."""
    try:
        from instructor.v2.core import patch as instructor_patch
        from instructor.v2.validation import async_validators
    except ImportError:  # another instructor layout: leave it as it is
        return
    check = async_validators.reject_async_validators
    if getattr(check, "remembers_passed", False):
        return
    passed: set[type] = set()

    def reject_async_validators(model) -> None:
        if isinstance(model, type) and model in passed:
            return
        check(model)
        if isinstance(model, type):
            passed.add(model)

    reject_async_validators.remembers_passed = True
    async_validators.reject_async_validators = reject_async_validators
    if getattr(instructor_patch, "reject_async_validators", None) is check:
        instructor_patch.reject_async_validators = reject_async_validators

# What the validator checks an answer against ({"article": Article, "page": str}). Not passed as
# instructor's context=: given a context, instructor renders every message as a Jinja template, so
# an article with "{{ item.title }}" left over from a page script failed, and "{# … #}" vanished from
# what the model read. A ContextVar is per asyncio task, so concurrent articles do not mix.
VALIDATION_CONTEXT: ContextVar[dict | None] = ContextVar("summarizer_validation_context", default=None)


def to_extraction(drafts: ArticleExtraction) -> Extraction:
    def evidence(quote: str) -> Evidence:
        return Evidence(text=quote, start=UNGROUNDED[0], end=UNGROUNDED[1])

    m = drafts.metadata
    return Extraction(
        metadata={"title": m.title, "published": m.published, "outlet": m.outlet} if m else None,
        summary=drafts.summary,
        pairings=[Pairing(helper=Region(name=p.helper), recipient=Region(name=p.recipient), relation=p.relation,
                          evidence=evidence(p.quote)) for p in drafts.pairings],
        funds=[Fund(amount_yuan=f.amount_yuan, amount_text=f.amount_text, kind=f.kind, donor=f.donor,
                    recipient=f.recipient, purpose=f.purpose, year=f.year, part_of=f.part_of,
                    approximate=bool(re.search(r"近|约|超|逾|余|多", f.amount_text)), evidence=evidence(f.quote))
               for f in drafts.funds],
        measures=[Measure(category=m.category, description=m.description, indicators=m.indicators,
                          evidence=evidence(m.quote)) for m in drafts.measures],
    )


# --- prompts ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def load_prompts() -> tuple[str, list[dict], str]:
    """System prompt, worked examples, and a version derived from them and the response schema."""
    folder = resources.files("summarizer.prompts")
    system = folder.joinpath("system.md").read_text(encoding="utf-8")
    examples_raw = folder.joinpath("examples.json").read_text(encoding="utf-8")
    schema = json.dumps(ArticleExtraction.model_json_schema(), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256((system + examples_raw + schema).encode("utf-8")).hexdigest()[:12]
    return system, json.loads(examples_raw), f"p-{digest}"


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about one token per Han character, one per four other characters."""
    han = len(re.findall(r"[\u3400-\u9fff]", text))
    return han + (len(text) - han + 3) // 4


def prompt_overhead() -> dict:
    """What every request carries besides the article, and its size in (estimated) tokens."""
    messages = build_messages("（文章正文）")[:-1]
    schema = json.dumps(ArticleExtraction.model_json_schema(), ensure_ascii=False)
    system = estimate_tokens(messages[0]["content"])
    examples = sum(estimate_tokens(m["content"]) for m in messages[1:])
    return {"messages": messages, "system": system, "examples": examples, "example_count": (len(messages) - 1) // 2,
            "schema": estimate_tokens(schema), "total": system + examples + estimate_tokens(schema)}


def request_header(article: CleanArticle) -> str:
    """What the request says besides the text: only what the cleaner read with confidence, as facts;
    otherwise the page's own lines around the body, for the model to read title, date and outlet from."""
    known = {"title": "标题", "published": "发布日期", "outlet": "来源"}
    lines = [f"{label}：{getattr(article, name)}" for name, label in known.items()
             if name in article.confident and getattr(article, name)]
    if len(lines) < len(known) and article.metadata_lines:
        lines.append("页面正文外的文字（可能含标题、日期、来源）：\n" + "\n".join(article.metadata_lines))
    return "\n".join(lines) + ("\n" if lines else "")


def build_messages(article_text: str, header: str = "") -> list[dict]:
    system, examples, _ = load_prompts()
    messages = [{"role": "system", "content": system}]
    for example in examples:
        messages.append({"role": "user", "content": f"{example.get('header', '')}文章：\n{example['article']}"})
        messages.append({"role": "assistant", "content": json.dumps(example["answer"], ensure_ascii=False)})
    messages.append({"role": "user", "content": f"{header}文章：\n{article_text}"})
    return messages


def chunk_text(text: str, max_chars: int, overlap_paragraphs: int = 1) -> list[str]:
    """Split on paragraph boundaries into chunks of at most ~max_chars, overlapping a paragraph."""
    paras = [p.text for p in paragraphs(text)]
    if len(text) <= max_chars or len(paras) <= 1:
        return [text]
    chunks: list[list[str]] = [[]]
    size = 0
    for para in paras:
        if chunks[-1] and size + len(para) > max_chars:
            carried = chunks[-1][-overlap_paragraphs:] if overlap_paragraphs else []
            chunks.append(list(carried))
            size = sum(len(p) + 1 for p in carried)
        chunks[-1].append(para)
        size += len(para) + 1
    return ["\n".join(c) for c in chunks]


# --- transport retries --------------------------------------------------------------------

TRANSIENT_STATUS = {408, 409, 429, 500, 502, 503, 504}


def _cause_chain(exc: BaseException, depth: int = 4):
    """exc and the errors behind it (instructor wraps the openai client's errors)."""
    seen: BaseException | None = exc
    for _ in range(depth):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__


def transport_fault(exc: BaseException) -> BaseException | None:
    """The transport error behind exc, if it is worth retrying."""
    for seen in _cause_chain(exc):
        if isinstance(seen, (openai.APITimeoutError, openai.APIConnectionError)):
            return seen
        if isinstance(seen, openai.APIStatusError) and seen.status_code in TRANSIENT_STATUS:
            return seen
    return None


def retry_after_seconds(exc: BaseException | None) -> float | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class WaitRetryAfter:
    """Honour Retry-After when the server sends it; else exponential backoff with jitter."""

    def __init__(self, max_wait: float):
        self.max_wait = max_wait
        self.backoff = wait_random_exponential(multiplier=0.5, max=max_wait)

    def __call__(self, state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(transport_fault(exc)) if exc else None
        return min(hinted, self.max_wait) if hinted is not None else self.backoff(state)


# --- strict structured outputs ---------------------------------------------------------------

def strict_schema(schema: dict) -> dict:
    """The schema as providers' strict structured outputs want it: every object closed
    (additionalProperties false) with every property required; optional fields are already
    nullable (a default of None gives anyOf [..., null]); defaults are dropped."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items() if k != "default"}
    if out.get("type") == "object" or "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out.get("properties", {}))
    return out


def with_strict_response_format(kwargs: dict) -> dict:
    fmt = kwargs.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and "json_schema" in fmt:
        inner = dict(fmt["json_schema"], strict=True, schema=strict_schema(fmt["json_schema"].get("schema", {})))
        return dict(kwargs, response_format=dict(fmt, json_schema=inner))
    return kwargs


# Request parameters that go out as built. openai's client passes every parameter through a
# TypedDict transform (aliases, dates, files) that leaves plain strings and JSON unchanged, and walking
# ten long messages and the response schema costs ~4 ms a request, as much as the rest of our own work.
# extra_body is merged into the request body untouched.
AS_BUILT = ("messages", "tools", "tool_choice", "response_format")


def _send_as_built(raw: openai.AsyncOpenAI, strict: bool) -> None:
    """Rewrite chat.completions.create's arguments on the way out: messages and schema go in extra_body;
    with strict (--mode json_schema) the response_format is sent with strict: true (OpenAI structured
    outputs and the servers that copy them). instructor builds the arguments; this runs after it."""
    create = raw.chat.completions.create

    async def create_as_built(*args, **kwargs):
        if strict:
            kwargs = with_strict_response_format(kwargs)
        body = dict(kwargs.pop("extra_body", None) or {})
        for name in AS_BUILT:
            if name in kwargs:
                body[name] = kwargs.pop(name)
        return await create(*args, messages=[], extra_body=body, **kwargs)

    raw.chat.completions.create = create_as_built


# --- the backend --------------------------------------------------------------------------

@dataclass
class LLMSettings:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = 0.0
    mode: str = "tools"
    timeout: float = 120.0
    reasks: int = 2
    transport_attempts: int = 5
    transport_total_seconds: float = 300.0
    max_wait: float = 30.0
    chunk_chars: int = 6000
    record_dir: str | None = None  # save every exchange there (summarizer/replay.py)
    replay_dir: str | None = None  # answer from there instead of a server

    @classmethod
    def from_options(cls, model: str | None = None, base_url: str | None = None, temperature: float = 0.0,
                     mode: str = "tools", timeout: float = 120.0, **extra) -> "LLMSettings":
        model = model or os.environ.get("SUMMARIZER_MODEL")
        if extra.get("replay_dir"):
            replay = Path(extra["replay_dir"])
            if not replay.is_dir():
                raise BackendError(f"--replay {replay}: not a folder of recorded answers")
            # A replay needs no server and no key; the folder stands for both.
            return cls(model=model or "replay", base_url=f"http://replay.invalid/{replay.name}/v1", api_key="replay",
                       temperature=temperature, mode=mode, timeout=timeout, **extra)
        if not model:
            raise BackendError("no model configured: pass --model or set SUMMARIZER_MODEL")
        if mode not in MODES:
            raise BackendError(f"unknown --mode {mode!r} (choose from {', '.join(MODES)})")
        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if not base_url:
                raise BackendError("OPENAI_API_KEY is not set (for a local server without keys, pass --base-url)")
            api_key = "not-needed"  # local servers (Ollama, vLLM, llama.cpp) ignore it
        return cls(model=model, base_url=base_url, api_key=api_key, temperature=temperature, mode=mode,
                   timeout=timeout, **extra)


class LLMBackend:
    name = "openai"

    def __init__(self, settings: LLMSettings):
        self.settings = settings
        self._clients: dict[int, tuple[openai.AsyncOpenAI, instructor.AsyncInstructor]] = {}

    def _client(self):
        """One HTTP client per event loop: connections belong to the loop that opened them."""
        loop = id(asyncio.get_running_loop())
        if loop not in self._clients:
            raw = openai.AsyncOpenAI(api_key=self.settings.api_key, base_url=self.settings.base_url,
                                     timeout=self.settings.timeout, http_client=self._http_client(),
                                     max_retries=0)  # tenacity does the retrying, with our bounds
            _send_as_built(raw, strict=self.settings.mode == "json_schema")
            self._clients[loop] = (raw, instructor.from_openai(raw, mode=MODES[self.settings.mode]))
        return self._clients[loop][1]

    def openai_client(self) -> openai.AsyncOpenAI:
        """The plain client under instructor (for the Files and Batches endpoints)."""
        self._client()
        return self._clients[id(asyncio.get_running_loop())][0]

    def _http_client(self) -> httpx.AsyncClient | None:
        if self.settings.replay_dir:
            return httpx.AsyncClient(transport=ReplayTransport(Path(self.settings.replay_dir)))
        if self.settings.record_dir:
            return httpx.AsyncClient(transport=RecordingTransport(Path(self.settings.record_dir)),
                                     timeout=self.settings.timeout)
        return None

    async def aclose(self) -> None:
        loop = id(asyncio.get_running_loop())
        if loop in self._clients:
            raw, _ = self._clients.pop(loop)
            await raw.close()

    def cache_identity(self) -> dict:
        s = self.settings
        return {"backend": self.name, "model": s.model, "base_url": s.base_url, "prompt_version": load_prompts()[2],
                "temperature": s.temperature, "mode": s.mode, "reasks": s.reasks, "chunk_chars": s.chunk_chars}

    async def extract(self, article: CleanArticle) -> Extraction:
        contract_article = _contract_article(article)
        merged = self.empty_extraction()
        raw_responses = []
        for chunk in chunk_text(article.text, self.settings.chunk_chars):
            part, raw = await self._extract_chunk(chunk, article, contract_article)
            raw_responses.append(raw)
            merge_extraction(merged, part)
        merged.raw_response = json.dumps(raw_responses, ensure_ascii=False)
        return merged

    def empty_extraction(self) -> Extraction:
        return Extraction(model=self.settings.model, prompt_version=load_prompts()[2], input_tokens=0, output_tokens=0)

    def chunk_messages(self, article: CleanArticle) -> list[list[dict]]:
        """The messages of each request the article needs (one per chunk), as the synchronous path sends them."""
        header = request_header(article)
        return [build_messages(chunk, header) for chunk in chunk_text(article.text, self.settings.chunk_chars)]

    def request_body(self, messages: list[dict]) -> dict:
        """The chat-completions body the synchronous path sends for these messages: instructor's own
        request handler adds the schema (tools or response_format) for the mode."""
        from instructor.v2.core.providers import Provider
        from instructor.v2.core.registry import mode_registry

        handlers = mode_registry.get_handlers(Provider.OPENAI, MODES[self.settings.mode])
        _, kwargs = handlers.request_handler(response_model=_response_model(), kwargs={
            "model": self.settings.model, "messages": messages, "temperature": self.settings.temperature})
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return with_strict_response_format(kwargs) if self.settings.mode == "json_schema" else kwargs

    def read_answer(self, completion: dict, article: CleanArticle, *, check: bool = True) -> Extraction:
        """One chat completion (as JSON) made into records, validated like a synchronous answer.
        Raises ValueError (with the findings to re-ask about) when it does not fit or contradicts the article."""
        raw = answer_text(completion)
        context = {"article": _contract_article(article), "page": _page(article)} if check else None
        token = VALIDATION_CONTEXT.set(context)
        try:
            drafts = ArticleExtraction.model_validate_json(_json_payload(raw))
        except ValidationError as exc:
            raise ValueError(str(exc)) from None
        finally:
            VALIDATION_CONTEXT.reset(token)
        extraction = to_extraction(drafts)
        usage = completion.get("usage") or {}
        extraction.input_tokens, extraction.output_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        extraction.raw_response = raw
        return extraction

    async def reask(self, messages: list[dict], answer: str, problem: str, article: CleanArticle) -> Extraction:
        """Show the model its answer and what was wrong with it; then as a synchronous request (with its
        own bounded re-asks). Used for answers collected from a batch."""
        part, raw = await self._extract_chunk_messages(reask_messages(messages, answer, problem), article)
        part.raw_response = raw
        return part

    async def _extract_chunk(self, chunk: str, article: CleanArticle, contract_article: Article):
        return await self._extract_chunk_messages(build_messages(chunk, request_header(article)), article,
                                                  contract_article)

    async def _extract_chunk_messages(self, messages: list[dict], article: CleanArticle,
                                      contract_article: Article | None = None):
        contract_article = contract_article or _contract_article(article)
        page = _page(article)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.transport_attempts) | stop_after_delay(self.settings.transport_total_seconds),
            wait=WaitRetryAfter(self.settings.max_wait),
            retry=retry_if_exception(lambda e: transport_fault(e) is not None),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._ask(messages, contract_article, page)
        except (InstructorRetryException, openai.OpenAIError) as exc:
            error = EndpointUnavailable if _endpoint_fault(exc) else BackendError
            raise error(describe_failure(exc, self.settings)) from None

    async def _ask(self, messages: list[dict], contract_article: Article, page: str) -> tuple[Extraction, str]:
        reask = AsyncRetrying(stop=stop_after_attempt(self.settings.reasks + 1),
                              retry=retry_if_exception_type((ValidationError, json.JSONDecodeError, ValueError)),
                              reraise=True)
        try:
            drafts, completion = await self._validated_answer(messages, reask, {"article": contract_article, "page": page})
        except InstructorRetryException as exc:
            if transport_fault(exc) is not None or exc.last_completion is None:
                raise
            return _last_attempt(exc)
        extraction = to_extraction(drafts)
        _usage_into(extraction, completion)
        return extraction, _completion_json(completion)

    async def _validated_answer(self, messages: list[dict], reask: AsyncRetrying, context: dict):
        token = VALIDATION_CONTEXT.set(context)
        try:
            return await self._client().chat.completions.create_with_completion(
                model=self.settings.model,
                messages=messages,
                response_model=_response_model(),
                temperature=self.settings.temperature,
                max_retries=reask,
            )
        finally:
            VALIDATION_CONTEXT.reset(token)


def _last_attempt(exc) -> tuple[Extraction, str]:
    """Re-asks are spent: keep the last answer; the pipeline drops what still fails, and says so."""
    completion = exc.last_completion
    raw = _completion_json(completion)
    try:
        drafts = ArticleExtraction.model_validate_json(_json_payload(raw))
    except (ValidationError, ValueError) as inner:
        raise BackendError(f"the model's answer never fitted the schema after {exc.n_attempts} attempt(s): "
                           f"{_first_line(str(inner))}") from None
    extraction = to_extraction(drafts)
    _usage_into(extraction, completion, getattr(exc, "total_usage", None))
    return extraction, raw


def _completion_json(completion) -> str:
    try:
        message = completion.choices[0].message
        if message.tool_calls:
            return message.tool_calls[0].function.arguments or ""
        return message.content or ""
    except (AttributeError, IndexError):
        return ""


def answer_text(completion: dict) -> str:
    """_completion_json for a completion as JSON (a batch's output line): the tool call's arguments or the content."""
    try:
        message = completion["choices"][0]["message"]
        calls = message.get("tool_calls") or []
        return (calls[0]["function"]["arguments"] or "") if calls else (message.get("content") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""


def _json_payload(raw: str) -> str:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", raw, re.S)
    if fenced:
        return fenced.group(1)
    start, end = raw.find("{"), raw.rfind("}")
    return raw[start:end + 1] if start >= 0 and end > start else raw


def _usage_into(extraction: Extraction, completion, total=None) -> None:
    usage = total or getattr(completion, "usage", None)
    if usage is not None:
        extraction.input_tokens = getattr(usage, "prompt_tokens", None)
        extraction.output_tokens = getattr(usage, "completion_tokens", None)


def merge_extraction(into: Extraction, part: Extraction) -> None:
    into.summary = into.summary or part.summary
    into.metadata = into.metadata or part.metadata
    offset = len(into.funds)
    for fund in part.funds:
        if fund.part_of is not None:
            fund.part_of += offset
    into.pairings += part.pairings
    into.funds += part.funds
    into.measures += part.measures
    into.checks += part.checks
    into.input_tokens = (into.input_tokens or 0) + (part.input_tokens or 0)
    into.output_tokens = (into.output_tokens or 0) + (part.output_tokens or 0)


def _contract_article(article: CleanArticle) -> Article:
    return Article(id=hashlib.sha256(article.text.encode("utf-8")).hexdigest(), source="-", title=article.title,
                   published=article.published, outlet=article.outlet,
                   original_script=article.original_script or Script.simplified, text=article.text)


def reask_messages(messages: list[dict], answer: str, problem: object) -> list[dict]:
    """The conversation that shows the model its answer and what the checks found wrong with it."""
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": f"Please correct the answer and return it again:\n{problem}"}]


def _page(article: CleanArticle) -> str:
    """Where metadata may be read: the text and the page's lines around it."""
    return "\n".join([article.text, *article.metadata_lines])


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _endpoint_fault(exc: BaseException) -> bool:
    """Connection refused or unreachable, a refused key, an unknown model: no other article will fare better."""
    return any(
        (isinstance(seen, openai.APIConnectionError) and not isinstance(seen, openai.APITimeoutError))
        or isinstance(seen, (openai.AuthenticationError, openai.NotFoundError, openai.PermissionDeniedError))
        for seen in _cause_chain(exc))


def describe_failure(exc: BaseException, settings: LLMSettings) -> str:
    fault = transport_fault(exc) or exc
    cause = exc.__cause__ if isinstance(exc, InstructorRetryException) and exc.__cause__ else fault
    where = settings.base_url or "the OpenAI API"
    if isinstance(cause, openai.APITimeoutError):
        return f"{where} did not answer within {settings.timeout:g}s (gave up after retries)"
    if isinstance(cause, openai.APIConnectionError):
        return f"cannot reach {where}: {_first_line(str(cause.__cause__ or cause))}"
    if isinstance(cause, openai.AuthenticationError):
        return f"{where} refused the API key (401): check OPENAI_API_KEY"
    if isinstance(cause, openai.NotFoundError):
        return f"{where} does not know model {settings.model!r} or the endpoint (404)"
    if isinstance(cause, openai.APIStatusError):
        return f"{where} answered HTTP {cause.status_code}: {_first_line(cause.message)}"
    return f"LLM request failed: {_first_line(str(exc))}"

