"""Functions about evaluation itself: ifThenElse, eval, unparse, unresolved, debug."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from classad.evaluator import branch
from classad.functions import Evaluation, builtin
from classad.operators import truth
from classad.parser import parse_expr
from classad.unparse import unparse, unparse_pretty
from classad.values import UNDEFINED, Error, list_source, list_value


@builtin("ifThenElse", arity=(3, 3), lazy=True)
def if_then_else(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    test = truth(ev.eval(args[0]))
    if test is True:
        return branch(args[1], ev.scope, ev.ctx)
    if test is False:
        return branch(args[2], ev.scope, ev.ctx)
    if type(test) is Error and not isinstance(ev.eval(args[0]), Error):
        return Error("ifThenElse condition is not a boolean or number")
    return test


@builtin("debug", arity=(1, 1))
def debug(args: list[Any]) -> Any:
    return args[0]


# ---- eval ----------------------------------------------------------------------------------


@builtin("eval", arity=(1, 1), lazy=True)
def eval_(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    v = ev.eval(args[0])
    t = type(v)
    if t is str:
        try:
            tree = parse_expr(v)
        except ClassAdSyntaxError:
            return Error("eval(): the string does not parse")
        return ev.eval(tree)
    if t is float or isinstance(v, list):
        return _through_text(v)
    if t in (int, bool) or isinstance(v, ClassAd):
        return v
    return Error("eval() needs a string or a plain value")


def _through_text(v: Any) -> Any:
    """A value after the library's round trip through text: reals keep 16 digits (`%.15E`)."""
    if type(v) is float:
        return float(f"{v:.15E}") if math.isfinite(v) else v
    if isinstance(v, list):
        # the text of a list is its element expressions (values.ListValue): they stay
        return list_value([_through_text(item) for item in v], list_source(v))
    return v


# ---- unparse -------------------------------------------------------------------------------


@builtin("unparse", arity=(1, 1), lazy=True)
def unparse_(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    arg = args[0]
    if type(arg) is ast.Select:
        return ""
    if type(arg) is not ast.AttrRef:
        return Error("unparse() needs an attribute reference")
    if arg.absolute:
        return ""
    expr = ev.scope.get_expr(arg.key)
    return "" if expr is None else unparse_pretty(expr)


# ---- unresolved ----------------------------------------------------------------------------


class _Refs:
    """Collects the attribute references of an expression that no ad defines."""

    def __init__(self, target: ClassAd | None) -> None:
        self.target = target
        self.names: dict[str, str] = {}
        self.seen: set[tuple[int, str]] = set()

    def add(self, name: str, key: str) -> None:
        self.names.setdefault(key.lower(), name)

    def text(self) -> list[str]:
        return [self.names[k] for k in sorted(self.names)]

    def follow(self, ad: ClassAd, key: str) -> bool:
        """Walk attribute `key` of `ad` (or an enclosing ad); False if nobody defines it."""
        cur: ClassAd | None = ad
        while cur is not None:
            expr = cur.get_expr(key)
            if expr is not None:
                token = (id(cur), key)
                if token not in self.seen:
                    self.seen.add(token)
                    self.walk(expr, cur)
                return True
            cur = cur.parent
        return False

    def ad_of(self, node: ast.Expr, ad: ClassAd) -> ClassAd | None:
        """The nested ad a select base names, when it is statically known."""
        if type(node) is ast.RecordExpr:
            return ClassAd.from_record(node, parent=ad)
        if type(node) is ast.AttrRef and not node.absolute:
            if node.key == "my":
                return ad
            if node.key == "target":
                return self.target
            cur: ClassAd | None = ad
            while cur is not None:
                expr = cur.get_expr(node.key)
                if expr is not None:
                    return self.ad_of(expr, cur) if type(expr) is ast.RecordExpr else None
                cur = cur.parent
        if type(node) is ast.Select:
            base = self.ad_of(node.base, ad)
            expr = base.get_expr(node.key) if base is not None else None
            if base is not None and type(expr) is ast.RecordExpr:
                return ClassAd.from_record(expr, parent=base)
        return None

    def select(self, node: ast.Select, ad: ClassAd) -> None:
        base = node.base
        if type(base) is ast.AttrRef and base.key == "target" and not base.absolute:
            if self.target is None or self.target.get_expr(node.key) is None:
                self.add(node.name, "target." + node.key)
            return
        inner = self.ad_of(base, ad)
        if inner is None:
            full = unparse(node)
            if full[:7].lower() == "target.":
                self.add(full[7:], full)
            else:
                self.add(full, full)
        elif not self.follow(inner, node.key):
            self.add(node.name, node.key)

    def walk(self, node: ast.Expr, ad: ClassAd) -> None:
        if type(node) is ast.AttrRef:
            if not self.follow(ad, node.key):
                self.add(node.name, node.key)
        elif type(node) is ast.Select:
            self.select(node, ad)
        elif type(node) is ast.RecordExpr:
            inner = ClassAd.from_record(node, parent=ad)
            for expr in node.exprs:
                self.walk(expr, inner)
        else:
            for child in ast.children(node):
                self.walk(child, ad)


def _reference_target(arg: ast.Expr, ev: Evaluation) -> tuple[ClassAd, str] | Error | None:
    """Where the attribute named by unresolved()'s argument lives."""
    if type(arg) is ast.AttrRef and not arg.absolute:
        cur: ClassAd | None = ev.scope
        while cur is not None:
            if cur.get_expr(arg.key) is not None:
                return cur, arg.key
            cur = cur.parent
        return None
    if type(arg) is ast.Select:
        walker = _Refs(ev.ctx.target)
        base = walker.ad_of(arg.base, ev.scope)
        if base is None or base.get_expr(arg.key) is None:
            return None
        return base, arg.key
    return Error("unresolved() needs an attribute reference")


@builtin("unresolved", arity=(1, 2), lazy=True)
def unresolved(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    # the reference is resolved first: a missing attribute is UNDEFINED whatever the pattern
    where = _reference_target(args[0], ev)
    if where is None or isinstance(where, Error):
        return UNDEFINED if where is None else where
    pattern: re.Pattern[str] | None = None
    if len(args) == 2:
        text = ev.eval(args[1])
        if type(text) is not str:
            return Error("unresolved() pattern must be a string")
        try:
            pattern = re.compile(text, re.IGNORECASE)
        except re.error:
            return Error("unresolved() pattern does not compile")
    walker = _Refs(ev.ctx.target)
    walker.follow(*where)
    names = walker.text()
    if len(args) == 1:
        return ",".join(names)
    assert pattern is not None
    return bool(pattern.pattern) and any(pattern.search(n) for n in names)
