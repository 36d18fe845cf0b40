"""Backends behind one small interface (see base.Backend); `make_backend` picks one by name."""
from __future__ import annotations

from .base import Backend, BackendError, EndpointUnavailable, Extraction

BACKENDS = ("rules", "openai")


def make_backend(name: str, **options) -> Backend:
    if name == "rules":
        from .rules import RulesBackend

        return RulesBackend()
    if name == "openai":
        from .llm import LLMBackend, LLMSettings

        return LLMBackend(LLMSettings.from_options(**options))
    raise BackendError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")


__all__ = ["Backend", "BackendError", "EndpointUnavailable", "Extraction", "BACKENDS", "make_backend"]
