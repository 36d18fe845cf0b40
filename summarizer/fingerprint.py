"""A fingerprint of the code and data that shape a result, for the cache's identity.

A cached result is a final result: cleaned, grounded, checked. So an entry is valid only for the
cleaner, grounding, checks, vocabulary, division table, prompts and schemas that made it; the package
version (0.1.0 since the first commit) says nothing about those. The fingerprint is a hash of their
files' content, computed once a process (~3 ms): after any change to them a warm run recomputes.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

# (package, file names): everything a result depends on besides the article, the model and its answer.
SHAPING = (
    ("summarizer", ("clean.py", "reader.py", "text.py", "money.py", "own_money.py", "relations.py", "regions.py",
                    "ground.py", "checks.py", "verify.py", "vocabulary.py", "passages.py", "items.py", "pipeline.py")),
    ("summarizer.backends", ("base.py", "prompting.py", "attempts.py", "llm.py", "llm_client.py")),
    ("summarizer.data", ("vocabulary.toml", "divisions.tsv.gz", "bingtuan.tsv")),
    ("summarizer.schemas", ("__init__.py",)),
    ("summarizer.prompts", ("system.md", "examples.json")),
)


def _read(package: str, name: str) -> bytes:
    try:
        return resources.files(package).joinpath(name).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        return b"(missing)"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for package, names in SHAPING:
        for name in names:
            data = _read(package, name)
            digest.update(f"{package}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:16]
