"""json.dumps(value, ensure_ascii=False, indent=2), byte for byte, several times faster.

Python 3.11's C encoder cannot indent, so the stdlib falls back to its pure-Python encoder, whose
time goes into nested generators (a 10,000-article report is 30 MB of JSON). Here containers are
walked in Python, but the C encoder writes every container of scalars (a reference, a place) and
every list of them (an evidence list, the articles) in one call: given ",\\n" plus the indent of
its items' depth as the item separator, it writes their items exactly as indent=2 does, and only
the brackets' line breaks are added. A value outside plain JSON (a subclass such as Counter, a
tuple, something needing `default`) makes the stdlib write the whole value, so the text never
differs from json.dumps.
"""
from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # the C escaper when available, as json.dumps uses

_INFINITY = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


_SCALAR_TEXT = {str: encode_basestring, int: int.__repr__, float: _float, bool: lambda b: "true" if b else "false",
                type(None): lambda _: "null"}  # exact types only: a subclass goes to the stdlib
_SCALARS = frozenset(_SCALAR_TEXT)


_CONTAINERS = (dict, list, tuple)
_HOLE = "\x00\x01container\x01\x00"
_HOLE_TEXT = encode_basestring(_HOLE)


class _NotPlain(Exception):
    """A value the fast path does not handle: the stdlib writes the whole value."""


def _refuse(value):
    raise _NotPlain


def _stdlib(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _flat(value) -> bool:
    """A non-empty dict or list holding only scalars."""
    return bool(value) and _SCALARS.issuperset(map(type, value.values() if type(value) is dict else value))


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.newlines: list[str] = []  # "\n" plus the indent of each depth
        self.encoders: list = []  # per depth: the C encoder putting items at that depth
        self.deepen(16)
        self.written: dict[tuple[int, int], str] = {}  # (id, depth) of a container of scalars met before

    def deepen(self, depth: int) -> None:
        for d in range(len(self.newlines), depth + 1):
            self.newlines.append("\n" + "  " * d)
            self.encoders.append(c_make_encoder(None, _refuse, encode_basestring, None, ": ", "," + self.newlines[d],
                                                False, False, True))

    def flat(self, value, depth: int) -> str:
        """A non-empty container of scalars at `depth`."""
        text = "".join(self.encoders[depth + 1](value, 0))
        return text[0] + self.newlines[depth + 1] + text[1:-1] + self.newlines[depth] + text[-1]

    def flat_dicts(self, value: list, depth: int) -> str:
        """A non-empty list of non-empty dicts of scalars at `depth`. Its items' separators come out at the
        dicts' depth; the only "},\\n" followed by "{" is between two dicts (a scalar never ends in "}")."""
        inner, outer = self.newlines[depth + 1], self.newlines[depth + 2]
        text = "".join(self.encoders[depth + 2](value, 0))
        body = text[2:-2].replace("}," + outer + "{", inner + "}," + inner + "{" + outer)
        return "[" + inner + "{" + outer + body + inner + "}" + self.newlines[depth] + "]"

    def write(self, value, depth: int) -> None:
        out = self.parts.append
        kind = type(value)
        if kind is not dict and kind is not list:
            scalar = _SCALAR_TEXT.get(kind)
            if scalar is None:
                raise _NotPlain
            out(scalar(value))
            return
        if not value:
            out("{}" if kind is dict else "[]")
            return
        if depth + 2 >= len(self.newlines):
            self.deepen(2 * depth + 2)
        if _flat(value):  # the same place may stand in many entries: written once
            key = (id(value), depth)
            text = self.written.get(key)
            if text is None:
                text = self.written[key] = self.flat(value, depth)
            out(text)
            return
        if kind is list and all(type(item) is dict and _flat(item) for item in value):
            out(self.flat_dicts(value, depth))
            return
        # The C encoder writes the scalars at this depth; each non-empty container in it stands as a
        # placeholder string until it is written in its turn, one level deeper.
        holes: list = []
        if kind is dict:
            shallow = {}
            for key, item in value.items():
                if isinstance(item, _CONTAINERS) and item:
                    holes.append(item)
                    item = _HOLE
                shallow[key] = item
        else:
            shallow = [_HOLE if isinstance(item, _CONTAINERS) and item and not holes.append(item) else item
                       for item in value]
        pieces = self.flat(shallow, depth).split(_HOLE_TEXT)
        if len(pieces) != len(holes) + 1:  # a string of the data looks like the placeholder
            raise _NotPlain
        for piece, hole in zip(pieces, holes):
            out(piece)
            self.write(hole, depth + 1)
        out(pieces[-1])


def dumps_indented(value) -> str:
    """The same text as json.dumps(value, ensure_ascii=False, indent=2)."""
    if c_make_encoder is None:
        return _stdlib(value)
    writer = _Writer()
    try:
        writer.write(value, 0)
    except (_NotPlain, RecursionError, TypeError, ValueError):
        return _stdlib(value)  # which raises the stdlib's own error, if any
    return "".join(writer.parts)
