"""Read step: turn inputs (files, directories, globs, stdin) into decoded text.

Decoding is UTF-8 first (with or without BOM), then charset-normalizer; HTML is reduced
to text with the standard library's HTML parser. Every failure is an InputError with a
one-line reason, so a batch can report it and go on.
"""
from __future__ import annotations

import glob
import json
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator


ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".md")
MAX_BYTES = 20 * 1024 * 1024
MIN_CJK_CHARS = 10

CJK = re.compile(r"[\u3400-\u9fff]")


class InputError(Exception):
    """An input that cannot become an article; str() is the one-line reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Document:
    source: str
    text: str


def expand_inputs(items: list[str]) -> Iterator[str]:
    """Yield sources in order: '-' as is, directories recursively, globs expanded.

    A name that matches nothing is yielded unchanged so that reading it reports it.
    """
    for item in items:
        if item == "-":
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
            )
            yield from (str(p) for p in found)
        elif path.exists():
            yield item
        elif glob.has_magic(item):
            matches = sorted(m for m in glob.glob(item, recursive=True) if Path(m).is_file())
            yield from matches if matches else [item]
        else:
            yield item


def read_document(source: str) -> Document:
    return Document(source=source, text=document_text(source, read_bytes(source)))


def read_bytes(source: str) -> bytes:
    """The input as stored, size-checked: a file, or stdin for '-'."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(source, "no file matches this pattern" if glob.has_magic(source) else "no such file")
        if not path.is_file():
            raise InputError(source, "not a regular file")
        if path.stat().st_size > MAX_BYTES:
            raise InputError(source, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputError(source, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def document_text(source: str, data: bytes) -> str:
    if not data.strip():
        raise InputError(source, "empty input")
    text = decode(source, data)
    if looks_like_results(text):
        raise InputError(source, "this is a results file (JSON in the output contract), not an article: "
                                 "use `summarizer report` or `summarizer check` on it")
    text = unescape_json_string(text)
    if looks_like_html(source, text):
        text = html_to_text(text)
    if not has_chinese(text):
        raise InputError(source, "no Chinese text found (is this the right file?)")
    return text


# The tool's own outputs: results (summarize) and reports (report --format json).
RESULT_KEYS = re.compile(r'"schema_version"\s*:|"pairings"\s*:|"headline"\s*:|"rollup"\s*:')


def looks_like_results(text: str) -> bool:
    """JSON or JSON Lines whose first record has the contract's keys (summarize's own output), or a report's JSON."""
    head = text.lstrip()[:4096]
    return head[:1] in ("{", "[") and bool(RESULT_KEYS.search(head)) and '"article"' in head


def has_chinese(text: str) -> bool:
    for count, _ in enumerate(CJK.finditer(text), start=1):
        if count >= MIN_CJK_CHARS:
            return True
    return False


def decode(source: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(source, "broken UTF-16 text") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _detect(source, data)
    if _binary_share(text) > 0.02:
        raise InputError(source, "binary data, not text")
    return text


def _detect(source: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(source, "binary data, not text")
    from charset_normalizer import from_bytes  # ~15 ms to import; most input is UTF-8

    best = from_bytes(data).best()
    if best is None:
        raise InputError(source, "binary data or unknown text encoding")
    return str(best)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _binary_share(text: str) -> float:
    sample = text[:20_000]
    if not sample:
        return 0.0
    return len(CONTROL.findall(sample)) / len(sample)


def looks_like_html(source: str, text: str) -> bool:
    if source.lower().endswith((".html", ".htm")):
        return True
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body", "<meta", "<div", "<p>", "<p ", "<img ",
                            "<section", "<article"))


# A page body saved as a JSON string (an app's API: "\u003Cp\u003E三年前…): escapes, not text.
JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|\\[\"/nrt\\]")


def unescape_json_string(text: str) -> str:
    """The text a JSON-escaped string holds, when the whole input is one (closed or cut off); else text as is."""
    body = text.strip()
    if not body.startswith('"') or len(JSON_ESCAPE.findall(body[:2000])) < 3:
        return text
    cut = re.sub(r"\\(?:u[0-9a-fA-F]{0,3})?$", "", body)  # a page cut off inside an escape
    for candidate in (body, cut + '"'):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, str):  # (emoji come as surrogate pairs: json joins them)
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "table", "ul", "ol", "dd", "dt", "title", "blockquote", "pre", "hr",
}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
