"""JSON ads (`condor_q -json`): literals as JSON values, other expressions as `"\\/Expr(...)\\/"`."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from classad.formats._common import Errors, LineIndex, format_real_short, parse_value
from classad.formats._emit import new_text
from classad.values import INT64_MAX, INT64_MIN, UNDEFINED, AbsTime, Error, RelTime

_EXPR_START = re.compile(r'"\\/Expr\(')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SKIP = re.compile(r"[\s,]*")
_WS = re.compile(r"\s*")
_MARK = "\x00expr"
_AT = "\x00at"


class _Pairs(list[tuple[str, Any]]):
    """A decoded JSON object, keys in file order (duplicates kept)."""


class _Source:
    """The text handed to the JSON decoder, with expression strings turned into objects."""

    def __init__(self, text: str) -> None:
        self.orig_starts: list[int] = []
        self.new_starts: list[int] = []
        if '"\\/Expr(' not in text:
            self.text = text
            return
        parts: list[str] = []
        last = written = 0
        for m in _EXPR_START.finditer(text):
            q = m.start()
            if q < last:
                continue
            b = q
            while b > 0 and text[b - 1] == "\\":
                b -= 1
            if (q - b) % 2:
                continue  # an escaped quote inside some other string
            tok = _STRING.match(text, q)
            if tok is None or not tok.group().endswith(')\\/"') or tok.end() - q < 12:
                continue
            head = text[last:q]
            body = text[q + 8 : tok.end() - 4]
            repl = f'{{"\\u0000expr":"{body}","\\u0000at":{q + 8}}}'
            parts.append(head)
            written += len(head)
            self.orig_starts.append(q)
            self.new_starts.append(written)
            parts.append(repl)
            written += len(repl)
            last = tok.end()
            self.orig_starts.append(last)
            self.new_starts.append(written)
        parts.append(text[last:])
        self.text = "".join(parts)

    def original(self, pos: int) -> int:
        """An offset in the decoder's text as an offset in the file."""
        k = bisect_right(self.new_starts, pos) - 1
        if k < 0:
            return pos
        if k % 2 == 0:  # inside a replacement
            return self.orig_starts[k]
        return self.orig_starts[k] + pos - self.new_starts[k]


def iter_ads(text: str, index: LineIndex, errors: Errors) -> Iterator[ClassAd]:
    """Every ad of a JSON text, in order; bad ads are reported to `errors`.

    The text may be an array of objects, objects one after another (JSON lines), or both.
    A string is an expression only when its raw text is `"\\/Expr(` ... `)\\/"` with the
    slashes escaped; `"/Expr(x)/"` stays a string.
    """
    src = _Source(text)
    s = src.text
    n = len(s)
    decoder = json.JSONDecoder(object_pairs_hook=_Pairs)
    depth = 0  # inside a top-level array
    pos = 0
    while True:
        pos = _SKIP.match(s, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            break
        c = s[pos]
        if c == "[" and depth == 0:
            depth = 1
            pos += 1
            continue
        if c == "]" and depth == 1:
            depth = 0
            pos += 1
            continue
        if c != "{":
            errors.add(index.error(f"expected a JSON object for an ad, found {c!r}",
                                   src.original(pos)))
            return
        start = src.original(pos)
        try:
            try:
                value, pos = decoder.raw_decode(s, pos)
            except ValueError as exc:  # an integer too long for int(): read it as C++ does
                if isinstance(exc, json.JSONDecodeError):
                    raise
                value, pos = _LONG_INTS.raw_decode(s, pos)
        except json.JSONDecodeError as exc:
            errors.add(index.error(f"invalid JSON: {exc.msg}", src.original(exc.pos)))
            return
        except RecursionError:
            errors.add(index.error("JSON nested too deeply", src.original(pos)))
            return
        try:
            record = _convert(value, index, start)
        except ClassAdSyntaxError as err:
            errors.add(err)
            continue
        except RecursionError:
            errors.add(index.error("JSON nested too deeply", src.original(pos)))
            continue
        assert isinstance(record, ast.RecordExpr)
        yield ClassAd.from_record(record)
    if depth:
        errors.add(index.error("missing ']' at the end of the JSON array", len(text)))


_UNDEFINED_LITERAL = ast.Literal(UNDEFINED)


def _int64_or_zero(text: str) -> int:
    """A JSON integer outside int64 range is 0, as the C++ library reads it."""
    digits = text.lstrip("-").lstrip("0")
    return int(text) if len(digits) <= 19 and INT64_MIN <= int(text) <= INT64_MAX else 0


_LONG_INTS = json.JSONDecoder(object_pairs_hook=_Pairs,
                              parse_int=_int64_or_zero)


def _convert(v: Any, index: LineIndex, at: int) -> ast.Expr:
    """A decoded JSON value as an expression; `at` (the ad's offset) places value errors."""
    t = type(v)
    if v is None:
        return _UNDEFINED_LITERAL
    if t is bool or t is str:
        return ast.literal(v)
    if t is float:
        return ast.Literal(v)
    if t is int:
        return ast.literal(v if INT64_MIN <= v <= INT64_MAX else 0)  # as C++ reads it
    if t is list:
        return ast.ListExpr(tuple(_convert(x, index, at) for x in v))
    if t is _Pairs:
        if len(v) == 2 and v[0][0] == _MARK and v[1][0] == _AT:
            return parse_value(v[0][1], index, v[1][1])
        names: list[str] = []
        exprs: list[ast.Expr] = []
        lit = ast.literal
        for name, x in v:
            if not name:
                raise index.error("attribute name is empty", at)
            names.append(name)
            tx = type(x)  # inline the common scalars: most attributes are literals
            if tx is str or tx is bool or tx is int and INT64_MIN <= x <= INT64_MAX:
                exprs.append(lit(x))
            else:
                exprs.append(_convert(x, index, at))
        return ast.RecordExpr(tuple(names), tuple(exprs))
    raise index.error(f"unexpected JSON value {v!r}", at)


def _jstr(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _expr_str(text: str) -> str:
    return '"\\/Expr(' + _jstr(text)[1:-1] + ')\\/"'


def _write(node: ast.Expr, indent: str, out: list[str]) -> None:
    t = type(node)
    if t is ast.Literal:
        v = node.value  # type: ignore[union-attr]
        vt = type(v)
        if vt is bool:
            out.append("true" if v else "false")
        elif vt is int:
            out.append(str(v))
        elif vt is float:
            if math.isnan(v):
                out.append(_expr_str('real("NaN")'))
            elif math.isinf(v):
                out.append(_expr_str('real("INF")' if v > 0 else 'real("-INF")'))
            else:
                out.append(format_real_short(v))
        elif vt is str:
            out.append(_jstr(v))
        elif v is UNDEFINED:
            out.append("null")
        elif vt in (Error, AbsTime, RelTime):
            out.append(_expr_str(new_text(node)))
        else:
            raise TypeError(f"not a ClassAd value: {v!r}")
        return
    inner = indent + "  "
    if t is ast.ListExpr:
        out.append("[\n")
        for i, item in enumerate(node.items):  # type: ignore[union-attr]
            out.append(",\n" + inner if i else inner)
            _write(item, inner, out)
        out.append(("\n" if node.items else "") + indent + "]")  # type: ignore[union-attr]
    elif t is ast.RecordExpr:
        _write_record(node.names, node.exprs, indent, out)  # type: ignore[union-attr]
    else:
        out.append(_expr_str(new_text(node)))


def _write_record(names: Iterable[str], exprs: Iterable[ast.Expr], indent: str,
                  out: list[str]) -> None:
    inner = indent + "  "
    out.append("{\n")
    first = True
    for name, expr in zip(names, exprs, strict=True):
        out.append(inner if first else ",\n" + inner)
        first = False
        out.append(_jstr(name) + ": ")
        _write(expr, inner, out)
    out.append(("" if first else "\n") + indent + "}")


def dump_ad(ad: ClassAd) -> str:
    """One ad as a JSON object, keys sorted ignoring case, 2-space indent, as `printJson()`."""
    names = sorted(ad, key=str.lower)
    out: list[str] = []
    _write_record(names, (ad[n] for n in names), "", out)
    return "".join(out)


def dump_ads(ads: Iterable[ClassAd], *, lines: bool = False) -> str:
    """An array as `condor_q -json` writes it (`,` on its own line), or JSON lines."""
    texts = [dump_ad(ad) for ad in ads]
    if lines:
        return "".join(_one_line(t) + "\n" for t in texts)
    if not texts:
        return "[\n]\n"
    return "[\n" + "\n,\n".join(texts) + "\n]\n"


def _one_line(text: str) -> str:
    """Pretty JSON on one line: line breaks and indentation outside strings dropped."""
    out: list[str] = []
    pos = 0
    for m in _STRING.finditer(text):
        out.append(re.sub(r"\n\s*", "", text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(re.sub(r"\n\s*", "", text[pos:]))
    return "".join(out)
