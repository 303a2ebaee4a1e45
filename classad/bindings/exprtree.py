"""HTCondor's ExprTree: an expression users build, inspect and evaluate from Python.

Operators build expressions (`Literal(1) + Attribute("x")`), as in the first-generation
`classad` module; `bool()`, `int()` and `float()` evaluate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.bindings.convert import to_node, to_python
from classad.bindings.errors import (
    EVALUATION_FAILED,
    ClassAdEvaluationError,
    ClassAdParseError,
    ClassAdValueError,
)
from classad.errors import ClassAdSyntaxError
from classad.evaluator import evaluate_expr
from classad.unparse import unparse
from classad.values import UNDEFINED, Error

if TYPE_CHECKING:
    from classad.ad import ClassAd as CoreAd

#: binding strength of each binary operator (higher binds tighter), for parenthesising
_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
    "==": 6, "!=": 6, "=?=": 6, "=!=": 6,
    "<": 7, "<=": 7, ">": 7, ">=": 7,
    "<<": 8, ">>": 8, ">>>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}
_UNARY = 11
_INTEGER = re.compile(r"\s*[+-]?[0-9]+")


def _strength(node: ast.Expr) -> int:
    t = type(node)
    if t is ast.Binary:
        return _PRECEDENCE.get(node.op, 0)  # type: ignore[union-attr]
    if t is ast.Cond or t is ast.Elvis:
        return 0
    if t is ast.Unary:
        return _UNARY
    return 99


def _wrap(node: ast.Expr, need: int) -> ast.Expr:
    return ast.Paren(node) if _strength(node) < need else node


def _binary(op: str, left: ast.Expr, right: ast.Expr) -> ast.Expr:
    level = _PRECEDENCE[op]
    return ast.Binary(op, _wrap(left, level), _wrap(right, level + 1))


def _as_scope(scope: Any) -> CoreAd | None:
    from classad.ad import ClassAd as CoreAd
    from classad.bindings.ad import ClassAd

    if scope is None or isinstance(scope, CoreAd):
        return scope
    if isinstance(scope, Mapping):
        return ClassAd(dict(scope))
    raise TypeError("scope must be a ClassAd")


class ExprTree:
    """An expression in the ClassAd language.

    `ExprTree("a + 2")` parses; `ExprTree(None)` is `undefined`. An ExprTree read from an ad
    evaluates in that ad unless given another scope.
    """

    __slots__ = ("_scope", "_verdict", "node")
    node: ast.Expr
    _scope: CoreAd | None
    #: the truth of an `==`/`!=` built between two ExprTrees (whether they are the same tree)
    _verdict: bool | None

    def __init__(self, expr: str | ExprTree | ast.Expr | None = None,
                 _scope: CoreAd | None = None) -> None:
        from classad.parser import parse_expr

        if expr is None:
            node: ast.Expr = ast.Literal(UNDEFINED)
        elif isinstance(expr, ExprTree):
            node, _scope = expr.node, expr._scope
        elif isinstance(expr, str):
            try:
                node = parse_expr(expr)
            except ClassAdSyntaxError as e:
                raise ClassAdParseError.from_error("Unable to parse string into a ClassAd", e) from None
        elif isinstance(expr, ast.Literal | ast.AttrRef | ast.Select | ast.Subscript | ast.Unary
                        | ast.Binary | ast.Cond | ast.Elvis | ast.Call | ast.ListExpr
                        | ast.RecordExpr | ast.Paren):
            node = expr
        else:
            raise TypeError(f"cannot make an ExprTree from {type(expr).__name__}")
        self.node = node
        self._scope = _scope
        self._verdict = None

    # text ------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return unparse(self.node)

    def __str__(self) -> str:
        from classad.bindings.pretty import pretty_expr

        return pretty_expr(self.node)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ExprTree, (repr(self),))

    def __hash__(self) -> int:
        return hash(repr(self))

    def sameAs(self, other: ExprTree) -> bool:  # noqa: N802 (HTCondor's name)
        """True if the two expressions are the same tree (not merely the same value)."""
        return isinstance(other, ExprTree) and repr(self) == repr(other)

    # evaluation ------------------------------------------------------------------------------
    def _value(self, scope: Any = None, target: Any = None) -> Any:
        my = _as_scope(scope)
        if my is None:
            my = self._scope
        try:
            return evaluate_expr(self.node, my, _as_scope(target), strict=True)
        except RecursionError:  # also EvaluationFailed: both HTCondor APIs raise
            raise ClassAdEvaluationError(EVALUATION_FAILED) from None

    def eval(self, scope: Any = None, target: Any = None) -> Any:
        """The expression's value as a Python object, evaluated in `scope` (MY) and `target`."""
        if type(self.node) is ast.ListExpr:
            from classad.bindings.convert import node_to_python

            return node_to_python(self.node)
        return to_python(self._value(scope, target))

    def simplify(self, scope: Any = None, target: Any = None) -> ExprTree:
        """The expression's value as an ExprTree (a literal, list or ad)."""
        return ExprTree(to_node(self._value(scope, target)))

    def __bool__(self) -> bool:
        if self._verdict is not None:
            return self._verdict
        value = self._value()
        if type(value) is Error:
            raise ClassAdEvaluationError("Unable to evaluate expression.")
        if value is UNDEFINED:
            return False
        return bool(to_python(value))

    def __int__(self) -> int:
        value = self._value()
        t = type(value)
        if t is bool or t is int:
            return int(value)
        if t is float:
            if not math.isfinite(value):
                raise ClassAdValueError("Unable to convert expression to numeric type.")
            return int(value)
        if t is str:
            if not _INTEGER.fullmatch(value):  # strtoll: leading blanks, no trailing ones
                raise ClassAdValueError("Unable to convert string to integer.")
            return int(value)
        raise ClassAdValueError("Unable to convert expression to numeric type.")

    def __float__(self) -> float:
        value = self._value()
        t = type(value)
        if t is bool or t is int or t is float:
            return float(value)
        if t is str:
            try:
                if value != value.rstrip():
                    raise ValueError(value)
                return float(value)
            except ValueError:
                raise ClassAdValueError("Unable to convert string to float.") from None
        raise ClassAdValueError("Unable to convert expression to numeric type.")

    def __getitem__(self, index: Any) -> Any:
        """An element of a list expression, or of the list or string the expression gives."""
        from classad.bindings.convert import node_to_python

        if type(self.node) is ast.ListExpr:
            return node_to_python(self.node.items[index])
        value = self.eval()
        if isinstance(value, str | list):
            return value[index]
        raise ClassAdValueError("ClassAd expression is unsubscriptable.")

    # building --------------------------------------------------------------------------------
    def _op(self, op: str, other: Any) -> ExprTree:
        return ExprTree(_binary(op, self.node, to_node(other)))

    def _rop(self, op: str, other: Any) -> ExprTree:
        return ExprTree(_binary(op, to_node(other), self.node))

    def _same(self, op: str, other: Any, absent: bool) -> ExprTree:
        try:
            right = to_node(other)
        except TypeError:
            return ExprTree(ast.Literal(absent))
        built = ExprTree(_binary(op, self.node, right))
        if op in ("==", "!=") and isinstance(other, ExprTree):
            # classad2 compares trees; the first generation built `x == y` and evaluated it.
            # Building it but answering truth by tree keeps both kinds of script right.
            built._verdict = self.sameAs(other) is (op == "==")
        return built

    def __add__(self, other: Any) -> ExprTree:
        return self._op("+", other)

    def __radd__(self, other: Any) -> ExprTree:
        return self._rop("+", other)

    def __sub__(self, other: Any) -> ExprTree:
        return self._op("-", other)

    def __rsub__(self, other: Any) -> ExprTree:
        return self._rop("-", other)

    def __mul__(self, other: Any) -> ExprTree:
        return self._op("*", other)

    def __rmul__(self, other: Any) -> ExprTree:
        return self._rop("*", other)

    def __truediv__(self, other: Any) -> ExprTree:
        return self._op("/", other)

    def __rtruediv__(self, other: Any) -> ExprTree:
        return self._rop("/", other)

    def __mod__(self, other: Any) -> ExprTree:
        return self._op("%", other)

    def __rmod__(self, other: Any) -> ExprTree:
        return self._rop("%", other)

    def __and__(self, other: Any) -> ExprTree:
        return self._op("&", other)

    def __rand__(self, other: Any) -> ExprTree:
        return self._rop("&", other)

    def __or__(self, other: Any) -> ExprTree:
        return self._op("|", other)

    def __ror__(self, other: Any) -> ExprTree:
        return self._rop("|", other)

    def __xor__(self, other: Any) -> ExprTree:
        return self._op("^", other)

    def __rxor__(self, other: Any) -> ExprTree:
        return self._rop("^", other)

    def __lshift__(self, other: Any) -> ExprTree:
        return self._op("<<", other)

    def __rlshift__(self, other: Any) -> ExprTree:
        return self._rop("<<", other)

    def __rshift__(self, other: Any) -> ExprTree:
        return self._op(">>", other)

    def __rrshift__(self, other: Any) -> ExprTree:
        return self._rop(">>", other)

    def __lt__(self, other: Any) -> ExprTree:
        return self._op("<", other)

    def __le__(self, other: Any) -> ExprTree:
        return self._op("<=", other)

    def __gt__(self, other: Any) -> ExprTree:
        return self._op(">", other)

    def __ge__(self, other: Any) -> ExprTree:
        return self._op(">=", other)

    def __eq__(self, other: object) -> ExprTree:  # type: ignore[override]
        return self._same("==", other, False)

    def __ne__(self, other: object) -> ExprTree:  # type: ignore[override]
        return self._same("!=", other, True)

    def __neg__(self) -> ExprTree:
        return ExprTree(ast.Unary("-", _wrap(self.node, _UNARY)))

    def __pos__(self) -> ExprTree:
        return ExprTree(ast.Unary("+", _wrap(self.node, _UNARY)))

    def __invert__(self) -> ExprTree:
        return ExprTree(ast.Unary("~", _wrap(self.node, _UNARY)))

    def and_(self, other: Any) -> ExprTree:
        """`self && other`."""
        return self._op("&&", other)

    def or_(self, other: Any) -> ExprTree:
        """`self || other`."""
        return self._op("||", other)

    def is_(self, other: Any) -> ExprTree:
        """`self =?= other`."""
        return self._same("=?=", other, False)

    def isnt_(self, other: Any) -> ExprTree:
        """`self =!= other`."""
        return self._same("=!=", other, True)

    def _get(self, index: Any) -> ExprTree:
        """`self[index]`, as an expression."""
        return ExprTree(ast.Subscript(_wrap(self.node, 99), to_node(index)))


def Literal(obj: Any) -> ExprTree:  # noqa: N802 (HTCondor's name)
    """A literal expression for a Python value (an ExprTree is evaluated first)."""
    if isinstance(obj, ExprTree):
        return obj.simplify()
    return ExprTree(to_node(obj))


def Attribute(name: str) -> ExprTree:  # noqa: N802 (HTCondor's name)
    """A reference to the attribute `name`."""
    if not isinstance(name, str):
        raise TypeError("attribute names are strings")
    return ExprTree(ast.AttrRef(name))


def Function(name: str, *args: Any) -> ExprTree:  # noqa: N802 (HTCondor's name)
    """A call of the ClassAd function `name` with the given arguments."""
    return ExprTree(ast.Call(name, tuple(to_node(a) for a in args)))


def register(function: Callable[..., Any], name: str | None = None) -> None:
    """Make a Python function callable from ClassAd expressions, under `name` (default: its
    own name). It receives its arguments as Python values; its result is converted back (an
    ExprTree it returns is evaluated where the call was). An exception it raises propagates
    out of the evaluation, as with HTCondor's bindings. Registration is process-wide and
    replaces a builtin of the same name. Expressions only reach functions registered here.
    """
    from classad.functions import Evaluation, builtin

    if not callable(function):
        raise TypeError("register() needs a callable")
    label = name if name is not None else getattr(function, "__name__", None)
    if not isinstance(label, str) or not label:
        raise TypeError("register() needs a function name")

    def call(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
        result = function(*[to_python(ev.eval(a)) for a in args])
        return ev.eval(to_node(result))

    builtin(label, lazy=True)(call)
