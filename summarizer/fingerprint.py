"""A fingerprint of the code and data that shape a result, for the cache's identity.

A cached result is a final result: cleaned, extracted (the offline rules too), grounded, checked. So an
entry is valid only for the code and data that made it; the package version (0.1.0 since the first
commit) says nothing about those. The fingerprint hashes every file of the package except the modules
that only read, render or store results, once a process: after any change to them a warm run recomputes.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

# Everything in the package shapes a result except what only reads, renders or stores results: new modules
# count by default, so a new extraction stage can never be forgotten here.
NOT_SHAPING = {"cli.py", "render.py", "report.py", "report_render.py", "export.py", "review.py", "corrections.py",
               "evaluate.py", "cache.py", "results_io.py", "batch.py", "replay.py", "fingerprint.py", "__main__.py"}
SHAPING_PACKAGES = ("summarizer", "summarizer.schemas", "summarizer.prompts")
SKIPPED_FOLDERS = {"templates", "__pycache__"}


def _files(package: str) -> list[tuple[str, bytes]]:
    """(relative name, content) of every file under the package that shapes a result, in a stable order."""
    found: list[tuple[str, bytes]] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = f"{prefix}{child.name}"
            if child.is_dir():
                if child.name not in SKIPPED_FOLDERS and not (package == "summarizer" and child.name in ("schemas",
                                                                                                          "prompts")):
                    walk(child, name + "/")
            elif child.name not in NOT_SHAPING and not child.name.endswith((".pyc", ".html", ".j2")):
                found.append((name, child.read_bytes()))

    try:
        walk(resources.files(package), "")
    except (FileNotFoundError, ModuleNotFoundError):
        found.append(("(missing)", b""))
    return found


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in SHAPING_PACKAGES:
        for name, data in _files(package):
            digest.update(f"{package}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:16]
