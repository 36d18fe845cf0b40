"""The HTTP side of the `openai` backend: instructor on the `openai` client, retries, re-asks.

Imported on the first request that misses the cache (openai and instructor take ~0.5 s to import,
more than a whole warm run). Transport faults (429 with Retry-After, 5xx, timeouts, dropped
connections) are retried with tenacity: exponential backoff with jitter, bounded attempts and total
time. An answer that fails the response model's validation is re-asked (instructor's max_retries);
what still fails after the last re-ask is parsed from the last completion and left to the pipeline,
which keeps it out of the records and reports it in `checks`.
"""
from __future__ import annotations

import asyncio
import json
import logging
from functools import lru_cache
from pathlib import Path

import instructor
import openai
from instructor.core import InstructorRetryException
from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from ..replay import RecordingTransport, ReplayTransport, httpx
from ..schemas import Check, Severity
from .attempts import best_of, no_progress
from .base import BackendError, EndpointUnavailable, Extraction
from .prompting import VALIDATION_CONTEXT, ArticleExtraction

# instructor logs every failed attempt at ERROR; failures reach the user once, as one line.
logging.getLogger("instructor").setLevel(logging.CRITICAL)

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA,
         "md_json": instructor.Mode.MD_JSON, "json": instructor.Mode.JSON}


@lru_cache(maxsize=1)
def _response_model() -> type[ArticleExtraction]:
    """ArticleExtraction as instructor wraps it (instructor.openai_schema), built once: given the bare
    model, instructor builds the wrapper class anew on every request (~3 ms each, twice per request)."""
    return instructor.openai_schema(ArticleExtraction)


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


# --- request bodies without sending -------------------------------------------------------------

class _Captured(Exception):
    def __init__(self, body: dict):
        super().__init__("captured")
        self.body = body


@lru_cache(maxsize=4)
def _capturing_create(mode: str):
    """instructor's public patch() around a create that sends nothing: it hands back the arguments
    instructor built (the schema as tools or response_format, the messages as the mode wants them)."""
    def create(*args, **kwargs):
        raise _Captured(kwargs)

    return instructor.patch(create=create, mode=MODES[mode])


def _captured_body(mode: str, model: str, temperature: float, messages: list[dict]) -> dict:
    try:
        _capturing_create(mode)(model=model, messages=messages, temperature=temperature,
                                response_model=_response_model(), max_retries=0)
    except Exception as exc:  # instructor may wrap what its create raised
        for seen in (exc, exc.__cause__, exc.__context__):
            if isinstance(seen, _Captured):
                return seen.body
        raise
    raise RuntimeError("instructor built no request")


# --- the client -------------------------------------------------------------------------------

class LLMClient:
    """instructor on the `openai` client, one per event loop (connections belong to the loop that
    opened them), sending a conversation and returning checked records with transport retries and
    bounded re-asks. `settings` is an LLMSettings (backends/llm.py)."""

    def __init__(self, settings):
        self.settings = settings
        self._clients: dict[int, tuple[openai.AsyncOpenAI, instructor.AsyncInstructor]] = {}

    def _client(self) -> instructor.AsyncInstructor:
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

    def request_body(self, messages: list[dict]) -> dict:
        """The chat-completions body `ask` sends for these messages, as instructor builds it for the mode
        (the schema as tools or response_format): captured from a request instructor's public `create`
        makes through a transport that answers nothing, so no private part of instructor is needed."""
        body = _captured_body(self.settings.mode, self.settings.model, self.settings.temperature, messages)
        body = {k: v for k, v in body.items() if v is not None}
        return with_strict_response_format(body) if self.settings.mode == "json_schema" else body

    async def ask(self, messages: list[dict], context: dict) -> tuple[Extraction, str]:
        """The model's records for this conversation, checked against `context` (prompting.validation_context:
        the article, the page for metadata, the fields the request stated as known), with the last answer's
        raw text. Raises BackendError (EndpointUnavailable when no other article would fare better) with
        one line saying why."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.transport_attempts) | stop_after_delay(self.settings.transport_total_seconds),
            wait=WaitRetryAfter(self.settings.max_wait),
            retry=retry_if_exception(lambda e: transport_fault(e) is not None),
            reraise=True,
        )
        prior = list(context.get("attempts") or [])  # answers checked before this request (a batch's)
        answered: list = prior
        try:
            async for attempt in retrying:
                with attempt:
                    tried = dict(context, attempts=list(prior))
                    try:
                        return await self._ask_once(messages, tried)
                    finally:
                        if len(tried["attempts"]) > len(answered):
                            answered = tried["attempts"]
        except (InstructorRetryException, openai.OpenAIError) as exc:
            reason = describe_failure(exc, self.settings)
            if answered:  # a re-ask failed on the way: what was answered and checked before it stands
                kept = best_of(answered)
                kept.checks.append(Check(rule="reask_failed", severity=Severity.warning, path="(records)",
                                         message=f"a re-ask failed ({reason}); kept the checked answers before it"))
                return kept, answered[-1].answer
            error = EndpointUnavailable if _endpoint_fault(exc) else BackendError
            raise error(reason) from None

    async def _ask_once(self, messages: list[dict], context: dict) -> tuple[Extraction, str]:
        """One request and its re-asks; the records are the best of every answer (backends/attempts.py)."""
        try:
            _, completion = await self._validated_answer(messages, context)
            usage = getattr(completion, "usage", None)
        except InstructorRetryException as exc:
            if transport_fault(exc) is not None or exc.last_completion is None:
                raise
            if not context["attempts"]:
                raise BackendError(f"the model's answer never fitted the schema after {exc.n_attempts} attempt(s): "
                                   f"{_first_line(str(exc.__cause__ or exc))}") from None
            completion, usage = exc.last_completion, getattr(exc, "total_usage", None) or exc.last_completion.usage
        extraction = best_of(context["attempts"])
        _usage_into(extraction, usage)
        return extraction, _completion_json(completion)

    async def _validated_answer(self, messages: list[dict], context: dict):
        attempts = context["attempts"]
        # A re-ask answered with the same answer again will not be answered differently a third time.
        reask = AsyncRetrying(stop=stop_after_attempt(self.settings.reasks + 1),
                              retry=retry_if_exception(lambda e: isinstance(e, (ValidationError, json.JSONDecodeError,
                                                                                  ValueError))
                                                       and not no_progress(attempts)),
                              reraise=True)
        token = VALIDATION_CONTEXT.set(context)
        try:
            return await self._client().chat.completions.create_with_completion(
                model=self.settings.model, messages=messages, response_model=_response_model(),
                temperature=self.settings.temperature, max_retries=reask)
        finally:
            VALIDATION_CONTEXT.reset(token)


def _completion_json(completion) -> str:
    try:
        message = completion.choices[0].message
        if message.tool_calls:
            return message.tool_calls[0].function.arguments or ""
        return message.content or ""
    except (AttributeError, IndexError):
        return ""


def _usage_into(extraction: Extraction, usage) -> None:
    if usage is not None:
        extraction.input_tokens = getattr(usage, "prompt_tokens", None)
        extraction.output_tokens = getattr(usage, "completion_tokens", None)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _endpoint_fault(exc: BaseException) -> bool:
    """Connection refused or unreachable, a refused key, an unknown model: no other article will fare better."""
    return any(
        (isinstance(seen, openai.APIConnectionError) and not isinstance(seen, openai.APITimeoutError))
        or isinstance(seen, (openai.AuthenticationError, openai.NotFoundError, openai.PermissionDeniedError))
        for seen in _cause_chain(exc))


def describe_failure(exc: BaseException, settings) -> str:
    """One line for the user: what went wrong with the endpoint (settings: an LLMSettings)."""
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

