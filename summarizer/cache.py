"""Persistent result cache on stdlib sqlite3 (WAL, safe for concurrent writers).

Key: sha256 of cleaned text + backend identity (backend, model, prompt version,
generation parameters, and a fingerprint of the code and data that shape a result:
summarizer/fingerprint.py) + schema version. Stores the model's raw response and the
validated result. An alias on the input's raw bytes (+ the same identity) points at an entry, so a warm run answers
from one batched SELECT without decoding, cleaning or validating anything. Schema changes are small migration functions applied once, in
order, tracked by PRAGMA user_version. API keys are never part of what is stored.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from .schemas import SCHEMA_VERSION

ENV_DIR = "SUMMARIZER_CACHE_DIR"
FILE_NAME = "cache.sqlite3"


def _m1_entries(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE entries (
            key TEXT PRIMARY KEY,
            created REAL NOT NULL,
            backend TEXT NOT NULL,
            model TEXT,
            prompt_version TEXT,
            raw_response TEXT,
            result_json TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER
        )"""
    )
    db.execute("CREATE INDEX entries_created ON entries(created)")


def _m2_counters(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0)")
    db.executemany("INSERT INTO counters(name, value) VALUES (?, 0)",
                   [("hits",), ("misses",), ("tokens_saved",)])


def _m3_raw_aliases(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE raw_aliases (raw_key TEXT PRIMARY KEY, key TEXT NOT NULL)")
    db.execute("CREATE INDEX raw_aliases_key ON raw_aliases(key)")


MIGRATIONS = [_m1_entries, _m2_counters, _m3_raw_aliases]
LOOKUP_CHUNK = 500  # keys per SELECT … IN (…): well under SQLite's bound on query parameters


def default_dir() -> Path:
    return Path(os.environ.get(ENV_DIR) or user_cache_dir("summarizer"))


def cache_key(text: str, identity: dict) -> str:
    payload = json.dumps({"text": text, "identity": identity, "schema": SCHEMA_VERSION},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def raw_key(data: bytes, identity: dict) -> str:
    from . import __version__

    head = json.dumps({"identity": identity, "schema": SCHEMA_VERSION, "version": __version__},
                      sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(head + b"\0" + data).hexdigest()


@dataclass
class Hit:
    """A cached result as stored (validated when it was written): JSON text, not yet parsed."""
    result_json: str
    input_tokens: int | None
    output_tokens: int | None


@dataclass
class CacheStats:
    path: str
    entries: int
    size_bytes: int
    hits: int
    misses: int
    tokens_saved: int


class CacheError(Exception):
    """The cache cannot be opened or written (one-line reason)."""


class Cache:
    def __init__(self, directory: Path | str | None = None, *, create: bool = True):
        """Open (and by default create) the cache. With create=False a missing cache is a CacheError
        and nothing is written: read-only questions such as `cache stats` must not create files."""
        self.directory = Path(directory) if directory else default_dir()
        self.path = self.directory / FILE_NAME
        try:
            if self.directory.exists() and not self.directory.is_dir():
                raise CacheError(f"{self.directory} is a file, not a cache directory")
            if not create and not self.path.is_file():
                raise CacheError(f"no cache at {self.path} (nothing has been cached there yet)")
            self.directory.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._configure()
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the cache at {self.path}: {exc}") from None

    def _configure(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, no fsync per lookup
        self._migrate()

    @contextmanager
    def _transaction(self, kind: str = ""):
        self.db.execute(f"BEGIN {kind}")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction("IMMEDIATE"):
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                migration(self.db)
                self.db.execute(f"PRAGMA user_version={number}")

    def get(self, key: str) -> dict | None:
        row = self.db.execute("SELECT result_json, input_tokens, output_tokens FROM entries WHERE key=?",
                              (key,)).fetchone()
        if row is None:
            self._count("misses", 1)
            return None
        self._count("hits", 1)
        self._count("tokens_saved", (row[1] or 0) + (row[2] or 0))
        return json.loads(row[0])

    def get_raw(self, raw_keys: list[str]) -> dict[str, Hit]:
        """Look many inputs up by their raw-bytes alias: one SELECT per LOOKUP_CHUNK keys, one counter update."""
        hits: dict[str, Hit] = {}
        for start in range(0, len(raw_keys), LOOKUP_CHUNK):
            chunk = raw_keys[start:start + LOOKUP_CHUNK]
            rows = self.db.execute(
                "SELECT a.raw_key, e.result_json, e.input_tokens, e.output_tokens FROM raw_aliases a "
                f"JOIN entries e ON e.key = a.key WHERE a.raw_key IN ({','.join('?' * len(chunk))})", chunk)
            for raw, result_json, tokens_in, tokens_out in rows:
                hits[raw] = Hit(result_json, tokens_in, tokens_out)
        if hits:
            with self._transaction():
                self._count("hits", len(hits))
                self._count("tokens_saved", sum((h.input_tokens or 0) + (h.output_tokens or 0) for h in hits.values()))
        return hits

    def put(self, key: str, result_json: str, *, backend: str, model: str | None, prompt_version: str | None,
            raw_response: str | None, input_tokens: int | None, output_tokens: int | None,
            raw_key: str | None = None) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, time.time(), backend, model, prompt_version, raw_response, result_json, input_tokens,
                 output_tokens),
            )
            if raw_key:
                self.db.execute("INSERT OR REPLACE INTO raw_aliases VALUES (?, ?)", (raw_key, key))

    def alias(self, raw_key: str, key: str) -> None:
        """The same article read from other bytes (another file, encoding or page wrapper) maps to the entry too."""
        self.db.execute("INSERT OR REPLACE INTO raw_aliases VALUES (?, ?)", (raw_key, key))

    def _count(self, name: str, amount: int) -> None:
        if amount:
            self.db.execute("UPDATE counters SET value = value + ? WHERE name=?", (amount, name))

    def stats(self) -> CacheStats:
        entries = self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        counters = dict(self.db.execute("SELECT name, value FROM counters").fetchall())
        size = sum(p.stat().st_size for p in self.directory.glob(FILE_NAME + "*") if p.exists())
        return CacheStats(str(self.path), entries, size, counters.get("hits", 0), counters.get("misses", 0),
                          counters.get("tokens_saved", 0))

    def clear(self, older_than_seconds: float | None = None) -> int:
        """Delete entries (all, or the older ones) and give the space back; clearing all resets the counters."""
        try:
            if older_than_seconds is None:
                removed = self.db.execute("DELETE FROM entries").rowcount
                self.db.execute("DELETE FROM raw_aliases")
                self.db.execute("UPDATE counters SET value = 0")
            else:
                cutoff = time.time() - older_than_seconds
                removed = self.db.execute("DELETE FROM entries WHERE created < ?", (cutoff,)).rowcount
                self.db.execute("DELETE FROM raw_aliases WHERE key NOT IN (SELECT key FROM entries)")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # after VACUUM: its pages pass through the WAL
        except sqlite3.Error as exc:
            raise CacheError(f"cannot clear the cache at {self.path}: {exc}") from None
        return removed

    def close(self) -> None:
        self.db.close()
