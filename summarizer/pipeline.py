"""The pipeline, top to bottom: read -> clean -> extract -> verify (ground + check) -> cache -> result.

Rendering is not here: callers get Results (or one-line failures) and decide how to show
them. Many inputs run concurrently under a bound; each finishes on its own, so one
failure never stops the batch and finished results can be written at once.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from .backends.base import Backend, BackendError, EndpointUnavailable
from .cache import Cache, cache_key
from .clean import CleanArticle, clean
from .reader import Document, InputError, read_document
from .schemas import Article, Provenance, Result
from .verify import verify


@dataclass
class Outcome:
    source: str
    result: Result | None = None
    error: str | None = None
    not_attempted: bool = False  # skipped because the endpoint was already known to be down

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def cached(self) -> bool:
        return bool(self.result and self.result.provenance.cached)


def article_of(doc: Document, cleaned: CleanArticle) -> Article:
    return Article(
        id=hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest(),
        source=doc.source,
        title=cleaned.title,
        published=cleaned.published,
        outlet=cleaned.outlet,
        original_script=cleaned.original_script,
        text=cleaned.text,
    )


METADATA = ("title", "published", "outlet")


def merge_metadata(article: Article, cleaned: CleanArticle, read_by_model: dict | None) -> dict[str, str]:
    """Set article.title / published / outlet: the cleaner's value where it read it with confidence
    (CleanArticle.confident), else the model's checked value, else the cleaner's guess. Returns where
    each came from, for the provenance."""
    sources: dict[str, str] = {}
    for name in METADATA:
        model_value = (read_by_model or {}).get(name)
        if name in cleaned.confident:
            sources[name] = "cleaner"
        elif model_value:
            setattr(article, name, model_value)
            sources[name] = "model"
        elif getattr(article, name):
            sources[name] = "cleaner-guess"
    return sources


class CircuitBreaker:
    """Stops sending once the endpoint has failed `threshold` times in a row for reasons no article can fix.

    Shared by all the articles of a run, so 1,000 articles against a closed port give up after a
    few attempts instead of retrying each on its own; what finished is in the cache for a re-run.
    """

    def __init__(self, threshold: int = 3):
        self.threshold = threshold
        self.streak = 0
        self.reason: str | None = None  # set once open

    @property
    def open(self) -> bool:
        return self.reason is not None

    def failed(self, reason: str) -> None:
        self.streak += 1
        if self.streak >= self.threshold:
            self.reason = reason

    def succeeded(self) -> None:
        self.streak = 0


class Pipeline:
    def __init__(self, backend: Backend, cache: Cache | None = None, refresh: bool = False,
                 breaker: CircuitBreaker | None = None):
        self.backend = backend
        self.cache = cache
        self.refresh = refresh
        self.breaker = breaker or CircuitBreaker()

    async def run_document(self, doc: Document) -> Result:
        started = time.perf_counter()
        cleaned = clean(doc.text)
        article = article_of(doc, cleaned)
        key = cache_key(cleaned.text, self.backend.cache_identity())
        if self.cache is not None and not self.refresh:
            hit = self.cache.get(key)
            if hit is not None:
                result = Result.model_validate(hit)
                result.article.source = doc.source
                result.provenance.cached = True
                result.provenance.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
                return result
        extraction = await self.backend.extract(cleaned)
        provenance = Provenance(
            backend=self.backend.name,
            model=extraction.model,
            prompt_version=extraction.prompt_version,
            cached=False,
            input_tokens=extraction.input_tokens,
            output_tokens=extraction.output_tokens,
            metadata_source=merge_metadata(article, cleaned, extraction.metadata),
        )
        result = verify(article, extraction, cleaned.checks, provenance)
        result.provenance.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        if self.cache is not None:
            self.cache.put(key, result.model_dump_json(), backend=self.backend.name, model=extraction.model,
                           prompt_version=extraction.prompt_version, raw_response=extraction.raw_response,
                           input_tokens=extraction.input_tokens, output_tokens=extraction.output_tokens)
        return result

    async def run_source(self, source: str) -> Outcome:
        if self.breaker.open:
            return Outcome(source, error=f"not attempted: {self.breaker.reason}", not_attempted=True)
        try:
            doc = read_document(source)
            outcome = Outcome(source, result=await self.run_document(doc))
        except InputError as exc:
            return Outcome(source, error=exc.reason)
        except EndpointUnavailable as exc:
            self.breaker.failed(str(exc))
            return Outcome(source, error=str(exc))
        except BackendError as exc:
            return Outcome(source, error=str(exc))
        if not outcome.cached:
            self.breaker.succeeded()
        return outcome

    async def aclose(self) -> None:
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            await close()

    async def run_many(self, sources: Iterable[str], concurrency: int = 4) -> AsyncIterator[tuple[int, Outcome]]:
        """Yield (input index, outcome) as each input finishes."""
        semaphore = asyncio.Semaphore(max(1, concurrency))

        async def one(index: int, source: str) -> tuple[int, Outcome]:
            async with semaphore:
                return index, await self.run_source(source)

        tasks = [asyncio.create_task(one(i, s)) for i, s in enumerate(sources)]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await self.aclose()


def summarize_text(text: str, backend: Backend, source: str = "-") -> Result:
    """Convenience for library users and tests: one text through the whole pipeline."""
    pipeline = Pipeline(backend)

    async def once() -> Result:
        try:
            return await pipeline.run_document(Document(source=source, text=text))
        finally:
            await pipeline.aclose()

    return asyncio.run(once())
