"""New-style ads (`[ a = 1; b = "x" ]`): many per file, optionally inside `{ ..., ... }`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from classad import ast
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from classad.formats._common import (
    LITERAL_PATTERN,
    PLAIN_SEEN,
    Errors,
    LineIndex,
    parse_value,
    plain_attribute,
)
from classad.formats._emit import new_text
from classad.parser import RESERVED_WORDS, unescape
from classad.unparse import attr_order, quote_name

_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_QNAME = re.compile(r"'(?:[^'\\]|\\.)*'", re.S)
_SPECIAL = re.compile(r"[\[\]{}()\"';/]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLOSER = {"(": ")", "[": "]", "{": "}"}
# `name = literal;` (or before the closing `]`): most attributes of real ads, read in one match
_PLAIN_ATTR = re.compile(r"[ \t\r\n]*([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*=[ \t\r\n]*"
                         rf"({LITERAL_PATTERN})[ \t\r\n]*(?:;|(?=\]))")


def iter_ads(text: str, index: LineIndex, errors: Errors) -> Iterator[ClassAd]:
    """Every ad of a new-style text, in order; bad ads are reported to `errors`."""
    pos, n = 0, len(text)
    in_list = False
    while True:
        pos = _SKIP.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            break
        c = text[pos]
        if c == "[":
            try:
                ad, pos = _read_ad(text, pos, index, errors)
            except ClassAdSyntaxError as err:
                errors.add(err)
                pos = _resync(text, pos + 1)
                continue
            if ad is not None:
                yield ad
        elif c == "{" and not in_list:
            in_list = True
            pos += 1
        elif c == "," and in_list:
            pos += 1
        elif c == "}" and in_list:
            in_list = False
            pos += 1
        else:
            errors.add(index.error(f"expected '[' to start an ad, found {c!r}", pos))
            pos = _resync(text, pos + 1)
    if in_list:
        errors.add(index.error("missing '}' at the end of the list of ads", n))


def _resync(text: str, pos: int) -> int:
    """After an error: continue at the next line that starts with `[` (or stop)."""
    nxt = text.find("\n[", pos)
    return len(text) if nxt < 0 else nxt + 1


def _read_ad(text: str, start: int, index: LineIndex,
             errors: Errors) -> tuple[ClassAd | None, int]:
    """The ad whose `[` is at `start`, and the offset after its `]`.

    Structural problems (no closing bracket, an unterminated string) raise; a bad attribute
    is reported to `errors` and makes the result None.
    """
    names: list[str] = []
    exprs: list[ast.Expr] = []
    ok = True
    separated = False
    stack: list[str] = []
    pos = seg = _plain_attrs(text, start + 1, names, exprs)
    while True:
        m = _SPECIAL.search(text, pos)
        if m is None:
            raise index.error("ad has no closing ']'", start)
        p = m.start()
        c = text[p]
        if c == '"' or c == "'":
            sm = (_STRING if c == '"' else _QNAME).match(text, p)
            if sm is None:
                what = "string" if c == '"' else "quoted name"
                raise index.error(f"unterminated {what}", p)
            pos = sm.end()
        elif c == "/":
            pos = p + 1
            if text.startswith("//", p) or text.startswith("/*", p):
                pos = _SKIP.match(text, p).end()  # type: ignore[union-attr]
                if pos == p:
                    raise index.error("unterminated comment", p)
        elif c in _CLOSER:
            stack.append(_CLOSER[c])
            pos = p + 1
        elif c in ")]}":
            if stack:
                if stack.pop() != c:
                    raise index.error(f"unexpected {c!r}", p)
                pos = p + 1
                continue
            if c != "]":
                raise index.error(f"unexpected {c!r}", p)
            try:
                _segment(text, seg, p, index, names, exprs)
            except ClassAdSyntaxError as err:
                errors.add(err)
                ok = False
            if not ok:
                return None, p + 1
            if not names and separated:
                raise index.error("expected an attribute definition", p)  # `[;]`, as C++
            return ClassAd.from_pairs(names, exprs), p + 1
        elif c == ";" and not stack:
            separated = True
            try:
                _segment(text, seg, p, index, names, exprs)
            except ClassAdSyntaxError as err:
                errors.add(err)
                ok = False
            pos = seg = _plain_attrs(text, p + 1, names, exprs)
        else:
            pos = p + 1


def _plain_attrs(text: str, pos: int, names: list[str], exprs: list[ast.Expr]) -> int:
    """Read the `name = literal;` attributes from `pos` on; the offset of the first other one."""
    match = _PLAIN_ATTR.match
    seen = PLAIN_SEEN.get
    while True:
        m = match(text, pos)
        if m is None:
            return pos
        attr = seen(m.group())
        if attr is None:
            attr = plain_attribute(m)
            if attr is None:
                return pos
        names.append(attr[0])
        exprs.append(attr[1])
        pos = m.end()


def _segment(text: str, start: int, end: int, index: LineIndex,
             names: list[str], exprs: list[ast.Expr]) -> None:
    """One `name = value` between separators; appends to names/exprs or raises. An empty
    one is skipped: `[;a = 1;;b = 2;]` is `[a = 1; b = 2]`, as in C++."""
    p = _SKIP.match(text, start, end).end()  # type: ignore[union-attr]
    if p >= end:
        return
    m = _NAME.match(text, p, end)
    if m is not None:
        name = m.group()
        if name.lower() in RESERVED_WORDS:
            raise index.error(f"{name!r} is a reserved word", p)
    else:
        q = _QNAME.match(text, p, end)
        if q is None:
            raise index.error("expected an attribute name", p)
        m = q
        name = unescape(q.group()[1:-1])
        if not name:
            raise index.error("attribute name is empty", p)
    p = _SKIP.match(text, m.end(), end).end()  # type: ignore[union-attr]
    if p >= end or text[p] != "=" or text.startswith("==", p):
        raise index.error(f"expected '=' after attribute name {name!r}", p)
    value = text[p + 1 : end]
    if not value.strip():
        raise index.error(f"attribute {name!r} has no value", end)
    exprs.append(parse_value(value, index, p + 1))
    names.append(name)


def dump_ad(ad: ClassAd, *, pretty: bool = False) -> str:
    """`[ a = 1; b = "x" ]`, or with pretty=True one `  name = value;` line per attribute.

    Attributes come in the C++ library's order (by length, then name), as `repr()` of a
    classad2 ad lists them.
    """
    order = attr_order(list(ad))
    if pretty:
        body = "".join(f"  {quote_name(n)} = {new_text(ad[n])};\n" for n in order)
        return f"[\n{body}]"
    return "[ " + "; ".join(f"{quote_name(n)} = {new_text(ad[n])}" for n in order) + " ]"


def dump_ads(ads: Iterable[ClassAd], *, pretty: bool = False, wrap: bool = False) -> str:
    """One ad per line (`-long:newl`), or inside `{` ... `}` with `,` lines (`-long:new`)."""
    texts = [dump_ad(ad, pretty=pretty) for ad in ads]
    if wrap:
        return "{\n" + "\n,\n".join(texts) + ("\n}\n" if texts else "}\n")
    return "".join(t + "\n" for t in texts)
