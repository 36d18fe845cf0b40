"""The `openai` backend: any OpenAI-compatible server through instructor.

What the model is asked and how its answer is read live in backends/prompting.py (pydantic only);
the HTTP client, retries and re-asks in backends/llm_client.py, imported on the first request that
misses the cache, so a run answered from the cache never pays for importing openai and instructor.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..clean import CleanArticle
from ..fingerprint import code_fingerprint
from ..passages import PASSAGES_VERSION, passage_request_text, selection_of
from .base import BackendError, Extraction
from .prompting import (MODE_NAMES, VALIDATION_CONTEXT, ArticleExtraction, answer_text, build_messages, chunk_text,
                        json_payload, load_prompts, merge_extraction, reask_messages, request_header, to_extraction,
                        validation_context)

if TYPE_CHECKING:
    from .llm_client import LLMClient


# Said in the request (not the system prompt, so short articles' requests and the prompt version are
# unchanged) when a long document is sent as its selected passages.
PASSAGES_NOTE = "以下只是长文中与对口帮扶相关的段落，方括号内是其在全文中的字符位置（不是正文，不要引用）；其余部分已略去。\n"


def request_texts(article: CleanArticle, chunk_chars: int) -> tuple[str, list[str]]:
    """The header and the article text of each request (one per chunk) an article needs: of a long document
    only its selected passages, each under its place in the whole text. `chunk_messages` and the batch
    path's request files (built in worker processes, with no backend) both read an article through this."""
    selection = selection_of(article)
    header = request_header(article) + ("" if selection.whole else PASSAGES_NOTE)
    return header, chunk_text(passage_request_text(article.text, selection), chunk_chars)


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
        if mode not in MODE_NAMES:
            raise BackendError(f"unknown --mode {mode!r} (choose from {', '.join(MODE_NAMES)})")
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
        self._client: LLMClient | None = None

    @property
    def client(self) -> LLMClient:
        if self._client is None:
            from .llm_client import LLMClient  # openai + instructor: ~0.5 s to import, needed on a miss only

            self._client = LLMClient(self.settings)
        return self._client

    def openai_client(self):
        """The plain `openai` client (for the Files and Batches endpoints)."""
        return self.client.openai_client()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def cache_identity(self) -> dict:
        s = self.settings
        return {"backend": self.name, "model": s.model, "base_url": s.base_url, "prompt_version": load_prompts()[2],
                "temperature": s.temperature, "mode": s.mode, "reasks": s.reasks, "chunk_chars": s.chunk_chars,
                "passages": PASSAGES_VERSION,
                "code": code_fingerprint()}  # cleaning, grounding, checks, data: a change recomputes

    async def extract(self, article: CleanArticle) -> Extraction:
        context = validation_context(article)
        merged = self.empty_extraction()
        raw_responses = []
        for messages in self.chunk_messages(article):
            part, raw = await self.client.ask(messages, context)
            raw_responses.append(raw)
            merge_extraction(merged, part)
        merged.raw_response = json.dumps(raw_responses, ensure_ascii=False)
        return merged

    def empty_extraction(self) -> Extraction:
        return Extraction(model=self.settings.model, prompt_version=load_prompts()[2], input_tokens=0, output_tokens=0)

    def chunk_messages(self, article: CleanArticle) -> list[list[dict]]:
        """The messages of each request the article needs (one per chunk), as `extract` sends them: of a long
        document only its selected passages, each under its place in the whole text (quotes are grounded
        against the whole text)."""
        header, chunks = request_texts(article, self.settings.chunk_chars)
        return [build_messages(chunk, header) for chunk in chunks]

    def request_body(self, messages: list[dict]) -> dict:
        """The chat-completions body `extract` sends for these messages (a batch request's body)."""
        return self.client.request_body(messages)

    def read_answer(self, completion: dict, article: CleanArticle, *, check: bool = True,
                    attempts: list | None = None) -> Extraction:
        """One chat completion (as JSON) made into records, validated like a synchronous answer (and, given
        `attempts`, kept there as one, for a re-ask to build on). Raises ValueError (with the findings to
        re-ask about) when it does not fit or contradicts the article."""
        raw = answer_text(completion)
        context = dict(validation_context(article), attempts=attempts) if check else None
        token = VALIDATION_CONTEXT.set(context)
        try:
            drafts = ArticleExtraction.model_validate_json(json_payload(raw))
        except ValidationError as exc:
            raise ValueError(str(exc)) from None
        finally:
            VALIDATION_CONTEXT.reset(token)
        extraction = to_extraction(drafts)
        usage = completion.get("usage") or {}
        extraction.input_tokens, extraction.output_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        extraction.raw_response = raw
        return extraction

    async def reask(self, messages: list[dict], answer: str, problem: str, article: CleanArticle,
                    attempts: list | None = None) -> Extraction:
        """Show the model its answer and what was wrong with it; then as a synchronous request (with its
        own bounded re-asks). Used for answers collected from a batch, whose checked answer (`attempts`,
        from read_answer) counts: the re-ask only adds or corrects records."""
        context = dict(validation_context(article), attempts=attempts or [])
        part, raw = await self.client.ask(reask_messages(messages, answer, problem), context)
        part.raw_response = raw
        return part
