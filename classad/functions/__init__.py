"""The builtin function table: registration, arity checks and dispatch by lowercased name.

Each builtin lives in a themed module beside this one and is registered with `@builtin`.
An eager builtin receives its evaluated arguments as a list; a lazy one receives the
argument expressions plus an `Evaluation` so it can evaluate (or not) what it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.values import Error

if TYPE_CHECKING:
    from classad.ad import ClassAd
    from classad.evaluator import EvalContext

Eager = Callable[[list[Any]], Any]


class Evaluation:
    """What a lazy builtin may use: evaluate an argument here, the scope and the context."""

    __slots__ = ("ctx", "scope")

    def __init__(self, scope: ClassAd, ctx: EvalContext) -> None:
        self.scope = scope
        self.ctx = ctx

    def eval(self, expr: ast.Expr, scope: ClassAd | None = None) -> Any:
        from classad.evaluator import evaluate

        return evaluate(expr, self.scope if scope is None else scope, self.ctx)


Lazy = Callable[[Sequence[ast.Expr], Evaluation], Any]
_Impl = Callable[[Sequence[ast.Expr], "ClassAd", "EvalContext"], Any]

_TABLE: dict[str, _Impl] = {}
#: eager builtins by name, with their arity, for the compiler to call directly
_EAGER: dict[str, tuple[Eager, int, int | None]] = {}


def _arity_error(name: str, n: int) -> Error:
    return Error(f"{name}() does not take {n} argument{'s' if n != 1 else ''}")


def builtin(*names: str, arity: tuple[int, int | None] = (0, None),
            lazy: bool = False) -> Callable[[Any], Any]:
    """Register a function under one or more names (case-insensitive).

    `arity` is (min, max) argument counts, max None for unlimited; a call outside it is ERROR.
    """
    lo, hi = arity

    def register(fn: Any) -> Any:
        label = names[0]
        if lazy:
            def run_lazy(args: Sequence[ast.Expr], scope: ClassAd, ctx: EvalContext) -> Any:
                if len(args) < lo or (hi is not None and len(args) > hi):
                    return _arity_error(label, len(args))
                return fn(args, Evaluation(scope, ctx))

            impl: _Impl = run_lazy
        else:
            def run_eager(args: Sequence[ast.Expr], scope: ClassAd, ctx: EvalContext) -> Any:
                if len(args) < lo or (hi is not None and len(args) > hi):
                    return _arity_error(label, len(args))
                from classad.evaluator import evaluate

                return fn([evaluate(a, scope, ctx) for a in args])

            impl = run_eager
        for name in names:
            _TABLE[name.lower()] = impl
            if lazy:
                _EAGER.pop(name.lower(), None)
            else:
                _EAGER[name.lower()] = (fn, lo, hi)
        return fn

    return register


def call_builtin(key: str, args: Sequence[ast.Expr], scope: ClassAd, ctx: EvalContext) -> Any:
    """Call the builtin named `key` (lower case); an unknown name gives ERROR."""
    impl = _TABLE.get(key)
    if impl is None:
        return Error(f"unknown function {key}()")
    return impl(args, scope, ctx)


def eager_function(key: str, nargs: int) -> Eager | None:
    """The plain function behind an eager builtin called with `nargs` arguments, or None."""
    found = _EAGER.get(key)
    if found is None:
        return None
    fn, lo, hi = found
    if nargs < lo or (hi is not None and nargs > hi):
        return None
    return fn


def names() -> list[str]:
    """Every registered function name, lower case."""
    return sorted(_TABLE)


def _load_all() -> None:
    from classad.functions import (  # noqa: F401
        condor,
        condor_env,
        lists,
        mathfns,
        meta,
        regex,
        strings,
        timefns,
        types,
    )


_load_all()
