"""The one door to the classad package: loading ads, evaluating expressions, matching."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import classad
from classad import match
from classad.ad import ClassAd
from classad.unparse import unparse
from negotiator.errors import NegotiatorError

Value = Any
_NO_RANK = -1.7976931348623157e308


def parse_expression(text: str) -> Any:
    """A parsed ClassAd expression; a syntax error becomes a NegotiatorError."""
    try:
        return classad.parse_expr(text)
    except classad.ClassAdSyntaxError as exc:
        raise NegotiatorError(f"bad ClassAd expression {text!r}: {exc}") from None


def read_ads(path: str | Path, kind: str, check: bool = True) -> list[ClassAd]:
    """Every ad in a file (new, old or JSON syntax); errors name the file and line. With
    `check`, every ad must look like a `kind` ad ("job" or "slot")."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NegotiatorError(f"cannot read {kind} ads: {exc.strerror}", str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NegotiatorError(
            f"{kind} ads are not UTF-8 text (byte 0x{data[exc.start]:02x})", str(path), line
        ) from None
    found = parse_ad_text(text, str(path), kind)
    if check:
        for number, ad in enumerate(found, 1):
            problem = kind_problem(ad, kind)
            if problem is not None:
                raise NegotiatorError(
                    f"ad {number} does not look like a {kind} ad: {problem}", str(path)
                )
    return found


_JOB_MARKS = ("clusterid", "procid", "jobuniverse", "jobstatus", "qdate")
_SLOT_MARKS = ("slotid", "state", "activity", "totalcpus", "startd", "machine")


def kind_problem(ad: ClassAd, kind: str) -> str | None:
    """Why `ad` is not a `kind` ad (MyType, or the attributes only that kind carries), or None."""
    my_type = text(ad, "MyType")
    job_marks = [a for a in _JOB_MARKS if a in ad]
    slot_marks = [a for a in _SLOT_MARKS if a in ad]
    if kind == "job":
        if my_type is not None and my_type.lower() != "job":
            return f"MyType is {my_type!r}, not \"Job\""
        if my_type is None and not job_marks:
            return "no MyType = \"Job\" and none of ClusterId, ProcId, JobUniverse, JobStatus"
        return None
    if my_type is not None and my_type.lower() not in {"machine", "slot"}:
        return f"MyType is {my_type!r}, not \"Machine\""
    if my_type is None and job_marks and not slot_marks:
        return f"it has job attributes ({', '.join(job_marks)}) and no MyType = \"Machine\""
    return None


def parse_ad_text(text: str, source: str, kind: str) -> list[ClassAd]:
    try:
        return list(classad.parse_ads(text))
    except classad.ClassAdSyntaxError as exc:
        line = getattr(exc, "line", None)
        message = getattr(exc, "message", str(exc))
        raise NegotiatorError(f"malformed {kind} ad: {message}", source, line) from None


def make_ad(attrs: dict[str, object]) -> ClassAd:
    """An ad from Python literals; a str value starting with '=' is parsed as an expression."""
    ad = ClassAd()
    for name, value in attrs.items():
        if isinstance(value, str) and value.startswith("="):
            ad[name] = parse_expression(value[1:])
        else:
            ad[name] = value
    return ad


def evaluate(expr: Any, my: ClassAd | None, target: ClassAd | None) -> Value:
    return classad.evaluate(expr, my=my, target=target)


def unparse_value(value: Value) -> str:
    """A value as ClassAd text (strings quoted, lists and ads in braces and brackets)."""
    from classad.ad import to_expr

    return str(unparse(to_expr(value)))


def attr(ad: ClassAd, name: str, target: ClassAd | None = None) -> Value:
    """The value of attribute `name` of `ad` (UNDEFINED when missing).

    A literal, or a bare reference to a literal of the same top-level ad (`SlotWeight = Cpus`),
    is read directly: that is what the evaluator would return for it.
    """
    key = name.lower()
    expr = ad._exprs.get(key)
    if expr is None:
        return classad.UNDEFINED
    t = type(expr)
    if t is _LITERAL:
        return expr.value  # type: ignore[union-attr]
    if (t is _ATTR_REF and not expr.absolute and ad.parent is None  # type: ignore[union-attr]
            and expr.key not in _SPECIAL):  # type: ignore[union-attr]
        inner = ad._exprs.get(expr.key)  # type: ignore[union-attr]
        if type(inner) is _LITERAL:
            return inner.value  # type: ignore[union-attr]
    return ad.eval(name, target=target)


def as_number(value: Value) -> float | None:
    """int/float as float, bool as 1/0; anything else None."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def number(ad: ClassAd, name: str, default: float, target: ClassAd | None = None) -> float:
    found = as_number(attr(ad, name, target))
    return default if found is None or math.isnan(found) else found


def text(ad: ClassAd, name: str) -> str | None:
    value = attr(ad, name)
    return value if isinstance(value, str) else None


def is_true(value: Value) -> bool:
    """The matchmaker's truth rule: true, or a non-zero number; undefined/error/string are false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return False


def negotiator_rank(expr: Any | None, slot: ClassAd, job: ClassAd) -> float:
    """A negotiator rank expression (slot = MY, job = TARGET), rounded to float32; failure -> -DBL_MAX."""
    if expr is None:
        return _NO_RANK
    value = as_number(evaluate(expr, slot, job))
    if value is None or math.isnan(value):
        return _NO_RANK
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def job_rank(job: ClassAd, slot: ClassAd) -> float:
    """The job's Rank against the slot; undefined, error or non-numeric -> 0.0."""
    return match.rank(job, slot)


def symmetric_match(job: ClassAd, slot: ClassAd) -> bool:
    """Both Requirements true against each other (the C++ matchmaker's truth rule)."""
    return match.symmetric_match(job, slot)


def expression_text(ad: ClassAd, name: str) -> str:
    """The attribute's expression as ClassAd text ("" when missing)."""
    expr = ad.lookup(name)
    return unparse(expr) if expr is not None else ""


def references(exprs: Iterable[Any]) -> set[str]:
    """Lower-cased attribute names an expression reads (MY., TARGET. or unscoped: a superset)."""
    from classad import ast

    out: set[str] = set()
    seen: set[int] = set()
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if isinstance(node, tuple | list):
            stack.extend(node)
            continue
        t = type(node)
        if t is ast.Literal or id(node) in seen:
            continue
        if t is ast.AttrRef or t is ast.Select:
            out.add(node.name.lower())
        if t in _NODE_TYPES:
            seen.add(id(node))
            stack.extend(ast.children(node))
    return out


def _node_types() -> frozenset[type]:
    from classad import ast

    return frozenset({ast.AttrRef, ast.Select, ast.Subscript, ast.Unary, ast.Binary, ast.Cond,
                      ast.Elvis, ast.Call, ast.ListExpr, ast.RecordExpr, ast.Paren})


_NODE_TYPES = _node_types()
_LITERAL: type = classad.ast.Literal
_ATTR_REF: type = classad.ast.AttrRef
#: names the evaluator resolves specially (never a plain attribute of the ad)
_SPECIAL = frozenset({"parent", "toplevel", "root", "my", "target", "ad", "other", "lctx",
                      "rctx", "left", "right", "symmetricmatch", "leftmatchesright",
                      "rightmatchesleft", "leftrankvalue", "rightrankvalue", "currenttime"})
