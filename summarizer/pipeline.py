"""The pipeline, top to bottom: read -> clean -> extract -> verify (ground + check) -> cache -> result.

Rendering is not here: callers get Results (or one-line failures) and decide how to show
them. Many inputs run concurrently under a bound; each finishes on its own, so one
failure never stops the batch and finished results can be written at once.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from .backends.base import Backend, BackendError, EndpointUnavailable, Extraction
from .cache import Cache, cache_key, raw_key
from .clean import CleanArticle, clean
from .items import Item, item_article, item_source, skipped_note, split_items
from .passages import passage_request_text, selection_of
from .reader import Document, InputError, document_text, read_bytes
from .regions import gazetteer
from .schemas import Article, Provenance, Result
from .verify import verify


class Outcome:
    """How one input ended: a result, or a one-line error.

    A cache hit found by the input's raw bytes stays the stored JSON (validated when it was written)
    until someone asks for `result`; writing it out as JSON never builds the model objects.
    """

    def __init__(self, source: str, result: Result | None = None, error: str | None = None,
                 not_attempted: bool = False, stored: dict | None = None,
                 items: list["Outcome"] | None = None, note: str | None = None):
        self.source = source
        self.error = error
        self.not_attempted = not_attempted  # skipped because the endpoint was already known to be down
        self._result = result
        self._stored = stored
        # A multi-item document (items.py): one outcome per item read, and a note on the items skipped.
        self.items = items
        self.note = note
        # Estimated tokens of the document's text, and of the text its extraction was sent (its selected
        # passages; for a multi-item document the document's size is on its first item): the token line.
        self.document_tokens: int | None = None
        self.text_tokens_sent: int | None = None

    def flat(self) -> list["Outcome"]:
        """The outcomes a caller shows: a multi-item document's items, else this one."""
        return self.items if self.items is not None else [self]

    @property
    def _unparsed(self) -> bool:
        return self._result is None and self._stored is not None

    @property
    def result(self) -> Result | None:
        if self._unparsed:
            self._result = Result.model_validate(self._stored)
        return self._result

    @property
    def ok(self) -> bool:
        if self.items is not None:
            return self.error is None
        return self._result is not None or self._stored is not None

    @property
    def cached(self) -> bool:
        if self._unparsed:
            return True
        return bool(self._result and self._result.provenance.cached)

    @property
    def provenance(self) -> dict:
        if self._unparsed:
            return self._stored["provenance"]
        return self._result.provenance.model_dump(mode="json") if self._result else {}

    def as_dict(self) -> dict:
        """The result in the output contract's JSON shape."""
        if self._unparsed:
            return self._stored
        return self._result.model_dump(mode="json")

    def as_json(self) -> str:
        """One compact JSON line."""
        if self._unparsed:
            return json.dumps(self._stored, ensure_ascii=False, separators=(",", ":"))
        return self._result.model_dump_json()


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


@dataclass(frozen=True)
class DocumentArticle:
    """One article a document gives the extractor: the document itself, or one item of a multi-item
    document (items.py) with its own text, source (`doc#N`) and cache key."""
    source: str
    article: CleanArticle
    key: str
    item: Item | None = None


def document_articles(source: str, cleaned: CleanArticle, identity: dict) -> tuple[list[DocumentArticle], str | None]:
    """The articles a cleaned document is read as, and the note naming the items skipped (None when there
    are none). A multi-item document gives each item that speaks of pairing assistance; one with no such
    item is read whole. `summarize` and `batch` both split documents here."""
    items = split_items(cleaned.text)
    note = skipped_note(source, items) if items is not None else None
    read = [item for item in items or [] if item.relevant]
    if not read:
        return [DocumentArticle(source, cleaned, cache_key(cleaned.text, identity))], note
    articles = []
    for item in read:
        article = item_article(cleaned, item)
        articles.append(DocumentArticle(item_source(source, item), article,
                                        cache_key(article.text, {**identity, "item": True}), item))
    return articles, note


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
                 breaker: CircuitBreaker | None = None, budget=None):
        self.backend = backend
        self.budget = budget  # cost.Budget under --max-cost: asked before each article is sent
        self.cache = cache
        self.refresh = refresh
        self.breaker = breaker or CircuitBreaker()

    async def run_document(self, doc: Document, raw: str | None = None, cleaned: CleanArticle | None = None) -> Result:
        """One article through the steps; `raw` is its raw-bytes alias key, recorded with what is cached."""
        started = time.perf_counter()
        cleaned = cleaned or clean(doc.text)
        article = article_of(doc, cleaned)
        key = cache_key(cleaned.text, self.backend.cache_identity())
        if self.cache is not None and not self.refresh:
            hit = self.cache.get(key)
            if hit is not None:
                if raw:
                    self.cache.alias(raw, key)
                result = Result.model_validate(hit)
                result.article.source = doc.source
                result.provenance.cached = True
                result.provenance.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
                return result
        extraction = await self.backend.extract(cleaned)
        return self.finish(article, cleaned, extraction, key, raw, started)

    def finish(self, article: Article, cleaned: CleanArticle, extraction: Extraction, key: str,
               raw: str | None = None, started: float | None = None) -> Result:
        """Verify a backend's records against the article and cache the result (answers collected from
        a batch end here too)."""
        provenance = Provenance(
            backend=self.backend.name,
            model=extraction.model,
            prompt_version=extraction.prompt_version,
            cached=False,
            input_tokens=extraction.input_tokens,
            output_tokens=extraction.output_tokens,
            metadata_source=merge_metadata(article, cleaned, extraction.metadata),
        )
        selection = selection_of(cleaned)
        if not selection.whole:
            provenance.passages = selection.spans
        result = verify(article, extraction, cleaned.checks, provenance)
        if started is not None:
            result.provenance.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        if self.cache is not None:
            self.cache.put(key, result.model_dump_json(), backend=self.backend.name, model=extraction.model,
                           prompt_version=extraction.prompt_version, raw_response=extraction.raw_response,
                           input_tokens=extraction.input_tokens, output_tokens=extraction.output_tokens,
                           raw_key=raw)
        return result

    async def run_items(self, doc: Document, cleaned: CleanArticle, articles: list[DocumentArticle],
                        note: str | None) -> Outcome:
        """A multi-item document: each item that speaks of pairing assistance as an article of its own
        (source `doc#N`), through the same cache, extraction and verification; the rest in one note."""
        if articles[0].item is None:  # no item speaks of pairing assistance: the document is read whole
            return Outcome(doc.source, result=await self.run_document(doc, None, cleaned), note=note)
        outcomes = []
        for part in articles:
            started = time.perf_counter()
            hit = None if self.cache is None or self.refresh else self.cache.get(part.key)
            if hit is not None:
                result = Result.model_validate(hit)
                result.article.source = part.source
                result.provenance.cached = True
            else:
                article = article_of(Document(source=part.source, text=""), part.article)
                result = self.finish(article, part.article, await self.backend.extract(part.article), part.key,
                                     None, started)
            outcome = Outcome(part.source, result=result)
            outcome.text_tokens_sent = tokens_sent(part.article)
            outcomes.append(outcome)
        outcomes[0].document_tokens = estimate_tokens(cleaned.text)
        return Outcome(doc.source, items=outcomes, note=note)

    async def run_source(self, source: str) -> Outcome:
        if self.breaker.open:
            return Outcome(source, error=f"not attempted: {self.breaker.reason}", not_attempted=True)
        if self.budget is not None and not self.budget.reserve(source):
            return Outcome(source, error=f"not attempted: {self.budget.reason}", not_attempted=True)
        try:
            return self._settled(source, await self._run_source(source))
        except BaseException:
            self._settled(source, None)
            raise

    def _settled(self, source: str, outcome: Outcome | None) -> Outcome | None:
        if self.budget is not None:
            self.budget.settle(source, outcome.provenance if outcome is not None and outcome.ok else None)
        return outcome

    async def _run_source(self, source: str) -> Outcome:
        try:
            data = read_bytes(source)
            doc = Document(source=source, text=document_text(source, data))
            cleaned = clean(doc.text)
            articles, note = document_articles(source, cleaned, self.backend.cache_identity())
            if note is not None or articles[0].item is not None:
                return await self.run_items(doc, cleaned, articles, note)
            raw = raw_key(data, self.backend.cache_identity()) if self.cache is not None else None
            outcome = Outcome(source, result=await self.run_document(doc, raw, cleaned))
            outcome.document_tokens, outcome.text_tokens_sent = estimate_tokens(cleaned.text), tokens_sent(cleaned)
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

    def stored_hits(self, sources: list[str]) -> dict[int, Outcome]:
        """Inputs whose exact bytes were summarized before, by index: one batched cache lookup,
        nothing decoded, cleaned or validated. Unreadable inputs are left to the normal path to report."""
        if self.cache is None or self.refresh:
            return {}
        started = time.perf_counter()
        identity = self.backend.cache_identity()
        keyed: dict[str, list[int]] = {}
        for index, source in enumerate(sources):
            if source == "-":
                continue  # stdin can be read once only
            try:
                keyed.setdefault(raw_key(read_bytes(source), identity), []).append(index)
            except InputError:
                continue
        found = self.cache.get_raw(list(keyed))
        hits: dict[int, Outcome] = {}
        for raw, hit in found.items():
            for index in keyed[raw]:
                stored = json.loads(hit.result_json)
                stored["article"]["source"] = sources[index]
                stored["provenance"]["cached"] = True
                hits[index] = Outcome(sources[index], stored=stored)
        elapsed_ms = round((time.perf_counter() - started) * 1000 / max(1, len(hits)), 3)
        for outcome in hits.values():
            outcome.provenance["elapsed_ms"] = elapsed_ms
        return hits

    async def run_many(self, sources: Iterable[str], concurrency: int = 4) -> AsyncIterator[tuple[int, Outcome]]:
        """Yield (input index, outcome) as each input finishes: cache hits by raw bytes first, at once."""
        sources = list(sources)
        hits = self.stored_hits(sources)
        for index, outcome in hits.items():
            yield index, outcome
        pending = [(i, s) for i, s in enumerate(sources) if i not in hits]
        if not pending:
            await self.aclose()
            return
        semaphore = asyncio.Semaphore(max(1, concurrency))
        first_wave = min(len(pending), max(1, concurrency))
        started = 0

        async def one(index: int, source: str) -> tuple[int, Outcome]:
            nonlocal started
            async with semaphore:
                started += 1
                if started == first_wave:
                    asyncio.get_running_loop().call_soon(load_division_table_in_the_background)
                return index, await self.run_source(source)

        tasks = [asyncio.create_task(one(i, s)) for i, s in pending]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await self.aclose()


def estimate_tokens(text: str) -> int:
    from .backends.prompting import estimate_tokens as estimate  # pydantic only; imported when first needed

    return estimate(text)


def tokens_sent(article: CleanArticle) -> int:
    """Estimated tokens of the article text an extraction is sent (a long document's selected passages)."""
    return estimate_tokens(passage_request_text(article.text, selection_of(article)))


def load_division_table_in_the_background() -> None:
    """Grounding needs the division table (~0.2 s to load) when the first answers arrive. Loaded on the
    event loop then, it holds up every answer behind it; loaded in a thread from the start, it holds the
    interpreter lock while the first requests are being built and sent (at concurrency 16 the last of
    them left 0.4 s late). So run_many starts it once the first wave of articles is under way."""
    threading.Thread(target=gazetteer, daemon=True).start()


def summarize_text(text: str, backend: Backend, source: str = "-") -> Result:
    """Convenience for library users and tests: one text through the whole pipeline."""
    pipeline = Pipeline(backend)
    done: list[Result] = []

    # The result is handed out through `done`, not as the task's return value: asyncio.run formats its main
    # task (result included) when it restores the SIGINT handler, and a Result's repr costs ~1 ms.
    async def once() -> None:
        try:
            done.append(await pipeline.run_document(Document(source=source, text=text)))
        finally:
            await pipeline.aclose()

    asyncio.run(once())
    return done[0]
