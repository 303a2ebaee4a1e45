"""Old-style ads (`condor_q -l`): `Name = value` lines, a blank line between ads."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from classad import ast
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from classad.formats._common import LITERAL_PATTERN, Errors, LineIndex, parse_value, plain_attribute
from classad.formats._emit import old_name, old_text
from classad.parser import parse_expr, unescape

_NAME = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")
_QNAME = re.compile(r"[ \t]*'((?:[^'\\\n]|\\.)*)'[ \t]*=")
_QUOTE = re.compile(r"[\"']")
_COMMENT_LINE = re.compile(r"(?://[^\n]*|/\*.*?\*/)(?:[ \t\r]*/\*.*?\*/)*[ \t\r]*")
_BLANK_LINE = re.compile(r"\n[ \t\r]*(?:\n|\Z)")
_QNAME_TOKEN = re.compile(r"'(?:[^'\\\n]|\\.)*'")
# a whole `Name = literal` line: most lines of real ads, read in one match
_PLAIN_LINE = re.compile(rf"[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*({LITERAL_PATTERN})[ \t\r]*(?=\n|\Z)")


def iter_ads(text: str, index: LineIndex, errors: Errors) -> Iterator[ClassAd]:
    """Every ad of an old-style text, in order; bad ads are reported to `errors`.

    Old syntax escapes nothing but the quote in strings: `"ab\\"cd\\ef"` is `ab"cd\\ef`, and a
    `\\"` right at the end of a line is a backslash and the closing quote, as HTCondor reads
    it. Strings may hold raw line breaks (HTCondor writes them so). Lines starting with `#`
    are comments; a `***` banner line (history files) ends an ad like a blank line does.
    """
    n = len(text)
    pos = 0
    names: list[str] = []
    exprs: list[ast.Expr] = []
    ok = True
    started = False
    plain_line = _PLAIN_LINE.match
    while pos <= n:
        m = plain_line(text, pos)
        if m is not None and (attr := plain_attribute(m)) is not None:
            names.append(attr[0])
            exprs.append(attr[1])
            started = True
            pos = m.end() + 1
            continue
        eol = text.find("\n", pos)
        if eol < 0:
            eol = n
        stripped = text[pos:eol].strip()
        if not stripped or stripped.startswith("***"):
            if started and ok:
                yield ClassAd.from_pairs(names, exprs)
            names, exprs, ok, started = [], [], True, False
            pos = eol + 1
            continue
        if stripped[0] == "#":
            pos = eol + 1
            continue
        if _COMMENT_LINE.fullmatch(stripped):
            # C++ reads a `//` or `/* */` line as a failed attribute: inside an ad it ends the
            # ad (the rest of it, to the blank line, is skipped); where an ad would start, it
            # ends the list of ads.
            if not started:
                return
            if ok:
                yield ClassAd.from_pairs(names, exprs)
            names, exprs, ok, started = [], [], True, False
            blank = _BLANK_LINE.search(text, eol)
            pos = n + 1 if blank is None else blank.end()
            continue
        started = True
        try:
            name, expr, end = _read_attr(text, pos, eol, index)
        except ClassAdSyntaxError as err:
            errors.add(err)
            ok = False
            pos = eol + 1
            continue
        names.append(name)
        exprs.append(expr)
        pos = end + 1
    if started and ok:
        yield ClassAd.from_pairs(names, exprs)


def _read_attr(text: str, pos: int, eol: int, index: LineIndex) -> tuple[str, ast.Expr, int]:
    """The `name = value` starting at `pos`: name, expression and the offset of its line end."""
    m = _NAME.match(text, pos, eol)
    if m is not None:
        name = m.group(1)
    else:
        m = _QNAME.match(text, pos, eol)
        if m is None:
            first = len(text[pos:eol]) - len(text[pos:eol].lstrip())
            raise index.error("expected 'Name = value'", pos + first)
        name = unescape(m.group(1))
        if not name:
            raise index.error("attribute name is empty", pos)
    start = m.end()
    if text.startswith("=", start):
        raise index.error("expected 'Name = value', found '=='", start - 1)
    end, converted, inserted = _scan_value(text, start, eol, index)
    value = text[start:end] if converted is None else converted
    if not value.strip():
        raise index.error(f"attribute {name!r} has no value", end)
    mapper: Callable[[int], int] | None = None
    if converted is not None:
        def mapper(c: int) -> int:
            return c - bisect_left(inserted, c)
    try:
        return name, parse_value(value, index, start, mapper), end
    except ClassAdSyntaxError:
        cut = _expression_end(value)
        if cut is None:
            raise
        return name, parse_value(value[:cut], index, start, mapper), end


def _expression_end(value: str) -> int | None:
    """Where the longest leading expression of `value` ends, if text it cannot take follows.

    The C++ old-syntax reader parses a value as one expression and ignores what follows it
    (`a = 1 # note`, `a = f(x) junk` and `a = 1;` all give the leading expression), while an
    expression cut short (`a = 1 +`) fails. The parser stops where the expression cannot go
    on: the text before that point is the expression, if it parses alone.
    """
    try:
        parse_expr(value)
    except ClassAdSyntaxError as err:
        lines = value.split("\n")
        if not 1 <= err.line <= len(lines):
            return None
        cut = sum(len(line) + 1 for line in lines[:err.line - 1]) + err.column - 1
        if not 0 < cut < len(value.rstrip()) or not value[:cut].strip():
            return None
        try:
            parse_expr(value[:cut])
        except ClassAdSyntaxError:
            return None
        return cut
    return None


def _scan_value(text: str, i: int, eol: int,
                index: LineIndex) -> tuple[int, str | None, list[int]]:
    """Find where a value ends (strings may span lines) and rewrite old strings as new ones.

    Returns the end offset, the rewritten text (None when nothing changed) and the offsets,
    in the rewritten text, of the backslashes it added.
    """
    n = len(text)
    last = i
    parts: list[str] = []
    inserted: list[int] = []
    written = 0
    while True:
        m = _QUOTE.search(text, i, eol)
        if m is None:
            break
        q = m.start()
        if text[q] == "'":
            qm = _QNAME_TOKEN.match(text, q, eol)
            if qm is None:
                raise index.error("unterminated quoted name", q)
            i = qm.end()
            continue
        j = q + 1
        while True:
            k = text.find('"', j)
            if k < 0:
                raise index.error("unterminated string", q)
            if text[k - 1] == "\\" and k - 1 > q:
                after = k + 1
                if after >= n or text[after] == "\n" or text.startswith("\r\n", after):
                    break
                j = k + 1
                continue
            break
        body = text[q + 1 : k]
        if "\\" in body:
            head = text[last : q + 1]
            parts.append(head)
            written += len(head)
            out: list[str] = []
            b, nb = 0, len(body)
            while b < nb:
                ch = body[b]
                if ch == "\\":
                    if b + 1 < nb and body[b + 1] == '"':
                        out.append('\\"')
                        written += 2
                        b += 2
                        continue
                    inserted.append(written)
                    out.append("\\\\")
                    written += 2
                else:
                    out.append(ch)
                    written += 1
                b += 1
            parts.append("".join(out))
            last = k
        i = k + 1
        if k >= eol:
            eol = text.find("\n", k)
            if eol < 0:
                eol = n
    if not parts:
        return eol, None, inserted
    parts.append(text[last:eol])
    return eol, "".join(parts), inserted


def dump_ad(ad: ClassAd) -> str:
    """`Name = value` lines sorted by name ignoring case, as `condor_q -l` prints them."""
    return "".join(f"{old_name(n)} = {old_text(ad[n])}\n" for n in sorted(ad, key=str.lower))


def dump_ads(ads: Iterable[ClassAd]) -> str:
    """Each ad followed by a blank line."""
    return "".join(dump_ad(ad) + "\n" for ad in ads)
