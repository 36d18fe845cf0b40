"""The pipeline, top to bottom: read -> clean -> extract -> ground -> check -> cache -> result.

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

from .backends.base import Backend, BackendError, EndpointUnavailable, Extraction
from .cache import Cache, cache_key
from .checks import record_errors, record_key, run_checks
from .clean import CleanArticle, clean
from .ground import ground
from .reader import Document, InputError, read_document
from .schemas import Article, Check, Provenance, Result, Severity


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


def ground_into_result(article: Article, extraction: Extraction, provenance: Provenance | None = None) -> Result:
    """Align the records' quotes to the text and resolve their regions (no checks yet)."""
    extraction = ground(extraction, article.text)
    return Result(article=article, summary=extraction.summary, pairings=extraction.pairings,
                  funds=extraction.funds, measures=extraction.measures,
                  provenance=provenance or Provenance(backend="draft"))


def assemble(article: Article, extraction: Extraction, cleaning_checks: list[Check], provenance: Provenance) -> Result:
    """Ground the records, merge duplicates, run the rule checks, keep out what contradicts the article."""
    draft = ground_into_result(article, extraction, provenance)
    merged = merge_duplicates(draft)
    findings = run_checks(draft)
    dropped = drop_contradicted(draft, findings)
    final_checks = run_checks(draft) if dropped else findings  # indexes moved only if records went
    draft.checks = cleaning_checks + extraction.checks + merged + dropped + final_checks
    if not (draft.pairings or draft.funds or draft.measures):
        draft.checks.append(Check(rule="no_records", severity=Severity.info, path="(records)",
                                  message="no pairing, fund or measure found: the article may not be about "
                                          "pairing assistance"))
    return draft


def merge_duplicates(result: Result) -> list[Check]:
    """The same record twice (overlapping chunks, a model repeating itself) is kept once."""
    merged = 0
    for name in ("pairings", "funds", "measures"):
        first_index: dict[tuple, int] = {}
        keep, new_index = [], {}
        for i, record in enumerate(getattr(result, name)):
            key = record_key(name, record)
            if key in first_index:
                new_index[i] = first_index[key]
                merged += 1
                continue
            first_index[key] = new_index[i] = len(keep)
            keep.append(record)
        setattr(result, name, keep)
        if name == "funds":
            for fund in keep:
                if fund.part_of is not None:
                    fund.part_of = new_index.get(fund.part_of)
    if not merged:
        return []
    return [Check(rule="duplicates_merged", severity=Severity.info, path="(records)",
                  message=f"merged {merged} duplicate record(s)")]


def drop_contradicted(result: Result, findings: list[Check] | None = None) -> list[Check]:
    """Remove records with error findings; each removal is reported, nothing vanishes silently."""
    errors = record_errors(run_checks(result) if findings is None else findings)
    if not errors:
        return []
    reports: list[Check] = []
    for name in ("pairings", "funds", "measures"):
        records = getattr(result, name)
        keep = []
        for i, record in enumerate(records):
            findings = errors.get(f"{name}[{i}]")
            if findings:
                reasons = "; ".join(f"{c.rule}: {c.message}" for c in findings)
                reports.append(Check(rule="record_dropped", severity=Severity.error, path=f"{name}[{i}]",
                                     message=f"dropped {_describe(name, record)} — {reasons}"))
            else:
                keep.append(record)
        setattr(result, name, keep)
    # Dropping a total re-points its parts' part_of indexes: rebuild them.
    _reindex_parts(result, errors)
    return reports


def _describe(name: str, record) -> str:
    if name == "pairings":
        return f"pairing {record.helper.name}→{record.recipient.name}"
    if name == "funds":
        return f"fund {record.amount_text}"
    return f"measure {record.category.value}"


def _reindex_parts(result: Result, errors: dict) -> None:
    if not any(f.part_of is not None for f in result.funds):
        return
    # Original indexes of the kept funds, in order.
    total = len(result.funds) + sum(1 for k in errors if k.startswith("funds["))
    kept_original = [i for i in range(total) if f"funds[{i}]" not in errors]
    new_index = {old: new for new, old in enumerate(kept_original)}
    for fund in result.funds:
        if fund.part_of is not None:
            fund.part_of = new_index.get(fund.part_of)


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
        )
        result = assemble(article, extraction, cleaned.checks, provenance)
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
