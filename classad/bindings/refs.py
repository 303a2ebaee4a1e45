"""What an expression reads from an ad (internal and external references) and flattening."""

from __future__ import annotations

from classad import ast
from classad.ad import ClassAd as CoreAd
from classad.evaluator import evaluate_expr
from classad.values import Error

#: attribute expressions followed at most this many times, so cyclic ads terminate
_BUDGET = 10_000
_FOLDABLE = (ast.Literal,)


def _order(names: set[str]) -> list[str]:
    return sorted(names, key=lambda n: n.lower())


def references(ad: CoreAd, node: ast.Expr) -> tuple[list[str], list[str]]:
    """(internal, external) references of `node` in `ad`, each sorted ignoring case.

    Internal names are followed into the expressions they name; `TARGET.x` is external and
    kept as written; `MY.x` is `x`.
    """
    internal: dict[str, str] = {}
    external: dict[str, str] = {}
    followed: set[tuple[int, str]] = set()
    stack: list[tuple[ast.Expr, CoreAd]] = [(node, ad)]
    budget = _BUDGET
    while stack and budget > 0:
        budget -= 1
        cur, scope = stack.pop()
        t = type(cur)
        if t is ast.AttrRef:
            name = cur.name  # type: ignore[union-attr]
            expr = scope.get_expr(name.lower())
            if expr is None:
                external.setdefault(name.lower(), name)
                continue
            internal.setdefault(name.lower(), name)
            if (id(scope), name.lower()) not in followed:
                followed.add((id(scope), name.lower()))
                stack.append((expr, scope))
            continue
        if t is ast.Select:
            base = cur.base  # type: ignore[union-attr]
            name = cur.name  # type: ignore[union-attr]
            if type(base) is ast.AttrRef and base.name.lower() == "my":
                stack.append((ast.AttrRef(name), scope))
                continue
            if type(base) is ast.AttrRef and base.name.lower() == "target":
                full = f"{base.name}.{name}"
                external.setdefault(full.lower(), full)
                continue
            if type(base) is ast.AttrRef and scope is not None:
                inner = scope.get_expr(base.name.lower())
                if type(inner) is ast.RecordExpr:
                    internal.setdefault(base.name.lower(), base.name)
                    nested = CoreAd.from_record(inner)
                    found = nested.get_expr(name.lower())
                    if found is not None:
                        stack.append((found, nested))
                    continue
            stack.append((base, scope))
            continue
        if t is ast.RecordExpr:
            continue
        stack.extend((child, scope) for child in reversed(ast.children(cur)))
    return _order(set(internal.values())), _order(set(external.values()))


def _value_node(node: ast.Expr) -> ast.Expr:
    """The literal for a foldable expression's value (ERROR folds to a literal too)."""
    from classad.bindings.convert import to_node

    value = evaluate_expr(node)
    if type(value) is Error:
        return ast.Literal(value)
    return to_node(value)


def _is_value(node: ast.Expr) -> bool:
    return type(node) is ast.Literal


def flatten(ad: CoreAd, node: ast.Expr, depth: int = 0) -> ast.Expr:
    """`node` with what `ad` defines folded in and constant parts computed."""
    if depth > 200:
        return node
    t = type(node)
    if t is ast.Literal:
        return node
    if t is ast.AttrRef:
        expr = ad.get_expr(node.key)  # type: ignore[union-attr]
        if expr is None:
            return node
        inner = flatten(ad, expr, depth + 1)
        return inner if _is_value(inner) else node
    if t is ast.Select and type(node.base) is ast.AttrRef and (  # type: ignore[union-attr]
            node.base.name.lower() == "my"):  # type: ignore[union-attr]
        return flatten(ad, ast.AttrRef(node.name), depth + 1)  # type: ignore[union-attr]
    if t is ast.Paren:
        inner = flatten(ad, node.expr, depth + 1)  # type: ignore[union-attr]
        return inner if _is_value(inner) else ast.Paren(inner)
    if t is ast.Unary:
        operand = flatten(ad, node.operand, depth + 1)  # type: ignore[union-attr]
        new: ast.Expr = ast.Unary(node.op, operand)  # type: ignore[union-attr]
        return _value_node(new) if _is_value(operand) else new
    if t is ast.Binary:
        return _flatten_binary(ad, node, depth)  # type: ignore[arg-type]
    if t is ast.Cond:
        test = flatten(ad, node.test, depth + 1)  # type: ignore[union-attr]
        if _is_value(test) and type(test.value) is bool:  # type: ignore[union-attr]
            branch = node.then if test.value else node.orelse  # type: ignore[union-attr]
            return flatten(ad, branch, depth + 1)
        return ast.Cond(test, flatten(ad, node.then, depth + 1),  # type: ignore[union-attr]
                        flatten(ad, node.orelse, depth + 1))  # type: ignore[union-attr]
    if t is ast.Call:
        args = tuple(flatten(ad, a, depth + 1) for a in node.args)  # type: ignore[union-attr]
        call = ast.Call(node.name, args)  # type: ignore[union-attr]
        return _value_node(call) if all(_is_value(a) for a in args) else call
    return node


_ASSOCIATIVE = frozenset({"+", "*"})


def _flatten_binary(ad: CoreAd, node: ast.Binary, depth: int) -> ast.Expr:
    left = flatten(ad, node.left, depth + 1)
    right = flatten(ad, node.right, depth + 1)
    op = node.op
    if _is_value(left) and _is_value(right):
        return _value_node(ast.Binary(op, left, right))
    logical = _logical(op, left, right)
    if logical is not None:
        return logical
    if op in _ASSOCIATIVE:
        # (v1 op rest) op v2 -> (v1 op v2) op rest, as the C++ library regroups constants
        value, other = (right, left) if _is_value(right) else (left, right)
        if _is_value(value) and type(other) is ast.Binary and other.op == op:
            if _is_value(other.left):
                return ast.Binary(op, _value_node(ast.Binary(op, other.left, value)), other.right)
            if _is_value(other.right):
                return ast.Binary(op, _value_node(ast.Binary(op, other.right, value)), other.left)
    return ast.Binary(op, left, right)


def _logical(op: str, left: ast.Expr, right: ast.Expr) -> ast.Expr | None:
    """`x && true` is `x`, `x && false` is false (and the same for `||`), as the library
    flattens them; None when neither side is a boolean literal."""
    if op not in ("&&", "||"):
        return None
    unit = op == "&&"
    for side, other in ((left, right), (right, left)):
        if type(side) is ast.Literal and type(side.value) is bool:
            return other if side.value is unit else ast.Literal(not unit)
    return None
