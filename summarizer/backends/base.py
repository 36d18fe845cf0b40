"""The backend interface: a cleaned article in, records out.

A backend returns contract records whose evidence may carry only a quote (start/end
set to -1): the ground step aligns quotes to offsets and resolves region names, so a
backend need not know about either. Anything a backend had to drop goes in `checks`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..clean import CleanArticle
from ..schemas import Check, Fund, Measure, Pairing


@dataclass
class Extraction:
    summary: str = ""
    pairings: list[Pairing] = field(default_factory=list)
    funds: list[Fund] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    model: str | None = None
    prompt_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    raw_response: str | None = None  # what the model said, kept in the cache
    metadata: dict[str, str | None] | None = None  # title / published / outlet a model read, already checked


class BackendError(Exception):
    """The backend could not produce records for this article (one-line reason)."""


class EndpointUnavailable(BackendError):
    """Not this article's fault: the endpoint cannot be reached, refuses the key, or lacks the model.

    The pipeline counts these; after a few in a row it stops sending (see pipeline.CircuitBreaker).
    """


class Backend(Protocol):
    name: str

    def cache_identity(self) -> dict:
        """Everything besides the text that changes the output (model, prompt version …)."""
        ...

    async def extract(self, article: CleanArticle) -> Extraction: ...
