"""The ClassAd type: a case-insensitive mapping of attribute names to expressions."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from classad import ast
from classad.values import UNDEFINED, AbsTime, Error, RelTime


def to_expr(value: Any) -> ast.Expr:
    """A Python value (or an expression node) as an expression node."""
    t = type(value)
    if t is bool or t is str or t is int and -(1 << 63) <= value < (1 << 63):
        return ast.literal(value)
    if t is float:
        return ast.Literal(value)
    if isinstance(value, ast.Literal | ast.AttrRef | ast.Select | ast.Subscript | ast.Unary
                  | ast.Binary | ast.Cond | ast.Elvis | ast.Call | ast.ListExpr
                  | ast.RecordExpr | ast.Paren):
        return value
    t = type(value)
    if t in (bool, int, float, str, AbsTime, RelTime, Error) or value is UNDEFINED:
        if t is int and not -(1 << 63) <= value < (1 << 63):
            raise ValueError(f"integer {value} does not fit in 64 bits")
        return ast.Literal(value)
    if isinstance(value, ClassAd):
        return ast.RecordExpr(tuple(value.keys()), tuple(value.exprs()))
    if isinstance(value, Mapping):
        return ast.RecordExpr(tuple(value), tuple(to_expr(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return ast.ListExpr(tuple(to_expr(v) for v in value))
    raise TypeError(f"cannot store {type(value).__name__} in a ClassAd")


#: attribute spellings seen so far -> (the spelling, its lower-case key), both interned: the
#: ads of a pool share their names, so each is kept once, not once per ad
_SPELLINGS: dict[str, tuple[str, str]] = {}
_SPELLINGS_MAX = 100_000


def spelling(name: str) -> tuple[str, str]:
    """An attribute name and its key (lower case), as strings shared by every ad."""
    found = _SPELLINGS.get(name)
    if found is None:
        found = (sys.intern(name), sys.intern(name.lower()))
        if len(_SPELLINGS) < _SPELLINGS_MAX:
            _SPELLINGS[found[0]] = found
    return found


class ClassAd(MutableMapping[str, ast.Expr]):
    """Attribute name -> expression; lookups ignore case, iteration keeps the first spelling.

    `ad["x"] = 5` stores a literal; `ad.eval("x")` evaluates. `parent` is the enclosing ad of
    a nested ad (None for a top-level ad).
    """

    __slots__ = ("_exprs", "_fast", "_memo", "_names", "_values", "parent")

    #: a value of the C++ library's second ad type (SCLASSAD, what `ad["name"]` hands back):
    #: `=?=` finds two ads of different types unequal, two of one type an ERROR
    shared_value = False

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
                 parent: ClassAd | None = None) -> None:
        self._exprs: dict[str, ast.Expr] = {}
        self._names: dict[str, str] = {}
        #: values of attributes that depend on this ad alone (see classad.purity)
        self._memo: dict[str, Any] | None = None
        #: this ad's expressions specialised for the matchmaking fast path (classad.specialize)
        self._fast: dict[str, Any] | None = None
        #: literal values read by the fast path while this ad was TARGET (classad.fastpath)
        self._values: dict[str, Any] | None = None
        self.parent = parent
        pairs = items.items() if isinstance(items, Mapping) else items
        for name, value in pairs:
            self[name] = value

    @classmethod
    def from_record(cls, record: ast.RecordExpr, parent: ClassAd | None = None) -> ClassAd:
        ad = cls.__new__(cls)
        ad._exprs = {}
        ad._names = {}
        ad._forget()
        ad.parent = parent
        for name, expr in zip(record.names, record.exprs, strict=True):
            name, key = spelling(name)
            if key not in ad._names:
                ad._names[key] = name
            ad._exprs[key] = expr
        return ad

    @classmethod
    def from_pairs(cls, names: list[str], exprs: list[ast.Expr]) -> ClassAd:
        """A top-level ad from parallel lists of names and expressions (a later name wins)."""
        pairs = [spelling(name) for name in names]
        keys = [key for _, key in pairs]
        if len(set(keys)) != len(keys):
            return cls.from_record(ast.RecordExpr(tuple(names), tuple(exprs)))
        names = [name for name, _ in pairs]
        ad = cls.__new__(cls)
        ad._exprs = dict(zip(keys, exprs, strict=True))
        ad._names = dict(zip(keys, names, strict=True))
        ad._forget()
        ad.parent = None
        return ad

    def _forget(self) -> None:
        """Drop what was kept about this ad's values: its attributes changed (or it is new)."""
        self._memo = None
        self._fast = None
        self._values = None

    # mapping protocol -----------------------------------------------------------------------
    def __getitem__(self, name: str) -> ast.Expr:
        return self._exprs[name.lower()]

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str) or not name:
            raise KeyError(f"attribute names are non-empty strings, not {name!r}")
        name, key = spelling(name)
        if key not in self._names:
            self._names[key] = name
        self._exprs[key] = to_expr(value)
        self._forget()

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        del self._exprs[key]
        del self._names[key]
        self._forget()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._exprs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._exprs

    def __repr__(self) -> str:
        from classad.unparse import unparse_ad

        return f"ClassAd({unparse_ad(self)})"

    def __str__(self) -> str:
        from classad.unparse import unparse_ad

        return unparse_ad(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassAd):
            return NotImplemented
        return self._exprs == other._exprs

    __hash__ = None  # type: ignore[assignment]

    def exprs(self) -> Iterator[ast.Expr]:
        return iter(self._exprs.values())

    def lookup(self, name: str) -> ast.Expr | None:
        """The expression stored under `name` (any case), or None."""
        return self._exprs.get(name.lower())

    def get_expr(self, key: str) -> ast.Expr | None:
        """Like lookup, for a name that is already lower case."""
        return self._exprs.get(key)

    def copy(self) -> ClassAd:
        new = ClassAd.__new__(ClassAd)
        new._exprs = dict(self._exprs)
        new._names = dict(self._names)
        new._forget()
        new.parent = self.parent
        return new

    def update_from(self, other: ClassAd) -> None:
        """Merge another ad's attributes into this one (its values win)."""
        for key, expr in other._exprs.items():
            if key not in self._names:
                self._names[key] = other._names[key]
            self._exprs[key] = expr
        self._forget()

    def set_expr(self, name: str, text: str) -> None:
        """Parse `text` as an expression and store it under `name`."""
        from classad.parser import parse_expr

        self[name] = parse_expr(text)

    # evaluation -----------------------------------------------------------------------------
    def eval(self, name: str, target: ClassAd | None = None) -> Any:
        """Evaluate attribute `name` with this ad as MY (and `target` as TARGET)."""
        from classad.evaluator import evaluate_attr

        return evaluate_attr(self, name, target)

    def to_string(self, fmt: str = "new") -> str:
        """This ad as text: "new" (`[ a = 1 ]`), "old" (`a = 1` lines) or "json"."""
        from classad.formats import dump_ad

        return dump_ad(self, fmt)
