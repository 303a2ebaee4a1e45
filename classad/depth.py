"""The C++ library's two nesting limits, measured on our trees without recursion.

Parsing: the C++ parser is recursive descent and counts its active parseExpression,
parseUnaryExpression and parsePostfixExpression calls; a text that needs more than 500 of
them at once is rejected. Every expression slot (the whole text, an attribute's value, a
parenthesised, bracketed or argument expression, a list element, either branch of `?:`)
opens one parseExpression; each operand below it opens one parseUnaryExpression per prefix
operator plus one, then one parsePostfixExpression; a chain of `?:` (elvis) opens one more
per link; binary operators open nothing (the C++ parser loops over them).

Evaluation: each C++ operator node (unary, binary, `?:`, parentheses, subscript, elvis)
takes one level of a 400-level budget while it evaluates its operands; past it the C++
Evaluate() fails and the whole evaluation is ERROR. A tree whose operands that are always
evaluated already nest deeper than that (`a && b && ...` with more than 400 operators) is
recorded here when parsed, and the evaluators fail it (EvaluationFailed) before starting.
The budget counts what is being evaluated, so a branch counts too once it is taken: `false ?
0 : false ? 0 : ...` fails with more than 400 links. For a tree whose branches can reach past
the budget, the branches whose entry already goes past it (the operators active above them
plus the certain depth below) are recorded (DEEP_BRANCHES); both backends fail on entering
one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from classad import ast

#: the C++ parser's limit on its active recursive calls
MAX_PARSE_DEPTH = 500
#: the C++ evaluator's limit on nested operator evaluations
MAX_EVAL_DEPTH = 400

_OPERATORS = (ast.Unary, ast.Binary, ast.Cond, ast.Paren, ast.Subscript, ast.Elvis)
_FOLDED_CALL = 3  # absTime("...") / relTime("...") are folded, but were parsed as calls

#: id -> tree, for trees whose evaluation the C++ library always fails (too deep)
TOO_DEEP: dict[int, ast.Expr] = {}
_TOO_DEEP_LIMIT = 4096
#: id -> branch (of `?:`, `&&`, `||`, `?:` elvis, ifThenElse) whose evaluation the C++ library
#: fails once it is entered, with the roots of their trees
DEEP_BRANCHES: dict[int, ast.Expr] = {}
_DEEP_ROOTS: dict[int, ast.Expr] = {}


def parse_depth(root: ast.Expr, *, record: bool = False) -> int:
    """The most C++ parser calls active at once while parsing `root`'s text as an expression
    (or, with `record`, as a whole ad, whose attribute values are the top expressions)."""
    peak = 0
    # (node, depth, level): level 0 = an expression slot opened at `depth`, 1 = an operand
    # of a binary operator in the slot at `depth`, 2 = a postfix expression at `depth`
    todo: list[tuple[ast.Expr, int, int]]
    if record and type(root) is ast.RecordExpr:
        todo = [(e, 1, 0) for e in root.exprs]
    else:
        todo = [(root, 1, 0)]
    while todo:
        node, depth, level = todo.pop()
        t = type(node)
        if level == 0 and t is ast.Cond:
            assert isinstance(node, ast.Cond)
            todo += ((node.test, depth, 1), (node.then, depth + 1, 0),
                     (node.orelse, depth + 1, 0))
            continue
        if level < 2:
            if t is ast.Binary:
                assert isinstance(node, ast.Binary)
                todo += ((node.left, depth, 1), (node.right, depth, 1))
                continue
            prefix = 0
            while type(node) is ast.Unary:
                prefix += 1
                node = node.operand
            depth += 2 + prefix
            t = type(node)
        peak = max(peak, depth)
        if t is ast.Elvis:
            links: list[ast.Expr] = []
            while type(node) is ast.Elvis:
                links.append(node.right)
                node = node.left
            todo.append((node, depth, 2))
            todo += ((link, depth + len(links) - i, 2) for i, link in enumerate(links))
        elif t is ast.Select:
            todo.append((node.base, depth, 2))  # type: ignore[union-attr]
        elif t is ast.Subscript:
            assert isinstance(node, ast.Subscript)
            todo += ((node.base, depth, 2), (node.index, depth + 1, 0))
        elif t is ast.Literal:
            if node.text is not None and node.text.startswith("relTime(") or (  # type: ignore[union-attr]
                    type(node.value).__name__ == "AbsTime"):  # type: ignore[union-attr]
                peak = max(peak, depth + _FOLDED_CALL)
        elif t is not ast.AttrRef:
            # parentheses, calls, lists and ads: each child is a new expression slot
            todo += ((child, depth + 1, 0) for child in ast.children(node))
    return peak


def certain_eval_depth(root: ast.Expr) -> int:
    """How deep C++ operator evaluations nest along the operands every evaluation of `root`
    reaches: left operands, both operands of operators that do not short-circuit, unary
    operands, conditions, parentheses, subscripts and builtin arguments (not branches, list
    elements or ad values)."""
    return _depths(root)[0]


def _depths(root: ast.Expr) -> tuple[int, int]:
    """(certain_eval_depth(root), how deep operator evaluations could nest if every branch
    were taken), in one pass."""
    certain = deepest = 0
    # (node, depth along certain operands or -1 below a branch, depth along any operands)
    todo: list[tuple[Any, int, int]] = [(root, 0, 0)]
    pop, push, split, guarded = todo.pop, todo.append, _SPLIT.get, _GUARDED
    while todo:
        node, sure_depth, any_depth = pop()
        t = type(node)
        if t in guarded:
            any_depth += 1
            if any_depth > deepest:
                deepest = any_depth
            if sure_depth >= 0:
                sure_depth += 1
                if sure_depth > certain:
                    certain = sure_depth
        parts = split(t)
        if parts is not None:
            sure, maybe = parts(node)
            for child in sure:
                push((child, sure_depth, any_depth))
            for child in maybe:
                push((child, -1, any_depth))
    return certain, deepest


def note_eval_depth(root: ast.Expr, bound: int) -> None:
    """Record `root` in TOO_DEEP if its evaluation always fails in C++, or its branches that
    fail when taken in DEEP_BRANCHES; `bound` is at least the depth of the tree (the check is
    skipped below the limit)."""
    if bound <= MAX_EVAL_DEPTH:
        return
    certain, deepest = _depths(root)
    if certain > MAX_EVAL_DEPTH:
        if len(TOO_DEEP) >= _TOO_DEEP_LIMIT:
            TOO_DEEP.clear()
        TOO_DEEP[id(root)] = root
        return
    if deepest <= MAX_EVAL_DEPTH:
        return  # no branch can pass the limit: the common case
    deep = _deep_branches(root)
    if deep:
        if len(DEEP_BRANCHES) >= _TOO_DEEP_LIMIT:
            DEEP_BRANCHES.clear()
            _DEEP_ROOTS.clear()
        DEEP_BRANCHES.update((id(b), b) for b in deep)
        _DEEP_ROOTS[id(root)] = root


def _split_binary(node: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if node.op == "&&" or node.op == "||":
        return (node.left,), (node.right,)
    return (node.left, node.right), ()


def _split_call(node: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    args = node.args
    if node.key == "ifthenelse":  # builtins evaluate their arguments first, but for these
        return args[:1], args[1:]
    return args, ()


_NONE: tuple[tuple[Any, ...], tuple[Any, ...]] = ((), ())
#: node type -> (the operands every evaluation reaches, the branches it may or may not take);
#: literals, references, list elements and ad values: none (the latter are evaluated apart)
_SPLIT: dict[type, Callable[[Any], tuple[tuple[Any, ...], tuple[Any, ...]]]] = {
    ast.Binary: _split_binary,
    ast.Cond: lambda n: ((n.test,), (n.then, n.orelse)),
    ast.Elvis: lambda n: ((n.left,), (n.right,)),
    ast.Call: _split_call,
    ast.Unary: lambda n: ((n.operand,), ()),
    ast.Paren: lambda n: ((n.expr,), ()),
    ast.Select: lambda n: ((n.base,), ()),
    ast.Subscript: lambda n: ((n.base, n.index), ()),
}
_GUARDED = frozenset(_OPERATORS)


def _deep_branches(root: ast.Expr) -> list[ast.Expr]:
    """The branches of `root` whose evaluation fails in C++ as soon as it is entered: the
    operators active at the entry plus the certain depth below it pass MAX_EVAL_DEPTH."""
    certain = _certain_depths(root)
    found: list[ast.Expr] = []
    todo: list[tuple[ast.Expr, int]] = [(root, 0)]  # (node, operators active above it)
    while todo:
        node, above = todo.pop()
        t = type(node)
        if t in _GUARDED:
            above += 1
        parts = _SPLIT.get(t)
        if parts is None:
            continue
        sure, maybe = parts(node)
        todo += ((child, above) for child in sure)
        for branch in maybe:
            if above + certain[id(branch)] > MAX_EVAL_DEPTH:
                found.append(branch)
            else:
                todo.append((branch, above))
    return found


def _certain_depths(root: ast.Expr) -> dict[int, int]:
    """id(node) -> certain_eval_depth(node), for every node of `root`, in one pass."""
    depths: dict[int, int] = {}
    todo: list[tuple[ast.Expr, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        parts = _SPLIT.get(type(node))
        sure, maybe = _NONE if parts is None else parts(node)
        if not done:
            todo.append((node, True))
            todo += ((child, False) for child in (*sure, *maybe))
            continue
        below = max((depths[id(child)] for child in sure), default=0)
        depths[id(node)] = below + (1 if type(node) in _GUARDED else 0)
    return depths


def fails_on_entry(branch: ast.Expr) -> bool:
    """`branch` was recorded: taking it fails the evaluation in C++."""
    return DEEP_BRANCHES.get(id(branch)) is branch


def deep_root(root: ast.Expr) -> bool:
    """`root` was recorded with branches that fail when taken."""
    return _DEEP_ROOTS.get(id(root)) is root


def too_deep(expr: ast.Expr) -> bool:
    """`expr` was recorded: its evaluation always fails in C++."""
    return TOO_DEEP.get(id(expr)) is expr
