"""The multi-line text HTCondor's `str(ad)` gives: the C++ library's PrettyPrint layout."""

from __future__ import annotations

from collections.abc import Iterable

from classad import ast
from classad.unparse import quote_name, unparse

_AD_INDENT = 4
_LIST_INDENT = 3


def pretty_ad(names: Iterable[str], exprs: Iterable[ast.Expr], indent: int = 0) -> str:
    """An ad's attributes in PrettyPrint layout, starting on a new line; `indent` is the
    column of the line the ad hangs from."""
    pad = " " * (indent + _AD_INDENT)
    inner = indent + 2 * _AD_INDENT
    parts = [f"{' ' * inner}{quote_name(n)} = {_pretty(e, inner)}"
             for n, e in zip(names, exprs, strict=True)]
    if not parts:
        return f"\n{pad}[\n{pad}]"
    return f"\n{pad}[\n" + "; \n".join(parts) + f"\n{pad}]"


def _pretty_list(items: tuple[ast.Expr, ...], indent: int) -> str:
    pad = " " * (indent + _LIST_INDENT)
    inner = indent + 2 * _LIST_INDENT
    if not items:
        return f"\n{pad}{{\n{pad}}}"
    body = ",\n".join(f"{' ' * inner}{_pretty(item, inner)}" for item in items)
    return f"\n{pad}{{\n{body}\n{pad}}}"


def _pretty(node: ast.Expr, indent: int) -> str:
    if type(node) is ast.RecordExpr:
        return pretty_ad(node.names, node.exprs, indent)
    if type(node) is ast.ListExpr:
        return _pretty_list(node.items, indent)
    return unparse(node)


def pretty_expr(node: ast.Expr) -> str:
    """`str()` of an expression: records and lists laid out, anything else on one line."""
    return _pretty(node, 0)
