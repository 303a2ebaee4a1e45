"""HTCondor's ClassAd: the project's ClassAd, read and written with Python values.

`ad["x"]` gives a Python value for a literal, list or nested ad and an ExprTree for any other
expression; `ad["x"] = v` accepts what HTCondor's bindings accept (None, datetime, bytes,
dict, ExprTree, ...). Attributes iterate in the C++ library's order (by length, then name
ignoring case). It is a subclass of the project's ClassAd, so every project function takes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from classad import ast
from classad.ad import ClassAd as CoreAd
from classad.bindings.convert import adopt, node_to_python, to_node, to_python
from classad.bindings.errors import EVALUATION_FAILED, ClassAdEvaluationError, ClassAdParseError
from classad.bindings.exprtree import ExprTree
from classad.errors import ClassAdSyntaxError
from classad.evaluator import evaluate_attr
from classad.formats._emit import new_text, old_name, old_text
from classad.unparse import attr_order, quote_name


def _strict_attr(ad: CoreAd, attr: str, target: CoreAd | None) -> Any:
    """`evaluate_attr`, raising as HTCondor's bindings do where the C++ Evaluate() fails."""
    try:
        return evaluate_attr(ad, attr, target, strict=True)
    except RecursionError:  # also EvaluationFailed
        raise ClassAdEvaluationError(EVALUATION_FAILED) from None


def _key(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError("ClassAd keys are strings")
    return name


class ClassAd(CoreAd):
    """A ClassAd as HTCondor's Python bindings present it (see the module docstring).

    `ClassAd()` is empty; `ClassAd("[a = 1]")` parses new-style text; `ClassAd({"a": 1})`
    converts a dict (or any mapping, including another ClassAd).
    """

    __slots__ = ()

    def __init__(self, input: str | Mapping[str, Any] | None = None) -> None:  # noqa: A002
        super().__init__()
        if input is None:
            return
        if isinstance(input, str):
            from classad.formats import parse_ad

            try:
                parsed = parse_ad(input, "new")
            except ClassAdSyntaxError as e:
                raise ClassAdParseError.from_error("Unable to parse string into a ClassAd", e) from None
            self.update_from(parsed)
        elif isinstance(input, Mapping):
            for name, value in input.items():
                self[name] = value
        else:
            raise TypeError("input must be None, str, or dict")

    # mapping protocol, HTCondor's way ---------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        node = self._exprs[_key(name).lower()]
        got = node_to_python(node)
        if isinstance(got, ExprTree):
            got._scope = self
        return got

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(_key(name), to_node(value))

    def __delitem__(self, name: str) -> None:
        super().__delitem__(_key(name))

    def __iter__(self) -> Iterator[str]:
        return iter(attr_order(list(self._names.values())))

    def exprs(self) -> Iterator[ast.Expr]:
        return (self._exprs[n.lower()] for n in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CoreAd):  # a dict is never equal to a ClassAd, as in classad2
            mine = {k: new_text(e) for k, e in self._exprs.items()}
            return mine == {k: new_text(e) for k, e in other._exprs.items()}
        return NotImplemented

    __hash__ = None

    def copy(self) -> ClassAd:
        return adopt(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ClassAd, (repr(self),))

    # text --------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        body = "; ".join(f"{quote_name(n)} = {new_text(e)}" for n, e in zip(self, self.exprs(),
                                                                              strict=True))
        return f"[ {body} ]"

    def __str__(self) -> str:
        from classad.bindings.pretty import pretty_ad

        return pretty_ad(list(self), list(self.exprs()))

    def to_string(self, fmt: str = "new") -> str:
        """The project's method: this ad as text in "new", "old" or "json" format."""
        from classad.formats import dump_ad

        return dump_ad(CoreAd.from_pairs(list(self), list(self.exprs())), fmt)

    def printOld(self) -> str:  # noqa: N802 (HTCondor's name)
        """The ad in the old (`condor_q -l`) format, one `name = value` line per attribute."""
        return "".join(f"{old_name(n)} = {old_text(e)}\n" for n, e in zip(self, self.exprs(),
                                                                         strict=True))

    formatOld = printOld

    def printJson(self, arg: object = None) -> str:  # noqa: N802 (HTCondor's name)
        """The ad as a JSON object (expressions as `/Expr(...)/` strings)."""
        from classad.formats.jsonfmt import _write_record

        out: list[str] = []
        _write_record(list(self), list(self.exprs()), "", out)
        return "".join(out)

    formatJson = printJson

    # evaluation ----------------------------------------------------------------------------------
    def lookup(self, attr: str) -> ExprTree:  # type: ignore[override]
        """The expression stored under `attr`, as an ExprTree (KeyError if there is none)."""
        return ExprTree(self._exprs[_key(attr).lower()], self)

    def eval(self, attr: str, target: CoreAd | None = None) -> Any:
        """The value of attribute `attr` evaluated in this ad (KeyError if there is none)."""
        node = self._exprs[_key(attr).lower()]
        if type(node) is ast.ListExpr:
            return node_to_python(node)
        return to_python(_strict_attr(self, attr, target))

    def matches(self, ad: CoreAd) -> bool:
        """True if `ad`'s Requirements, evaluated with this ad as TARGET, is true (a non-zero
        number counts as true; UNDEFINED, ERROR and a missing Requirements do not)."""
        if not isinstance(ad, CoreAd):
            raise TypeError("ad must be a ClassAd")
        if "requirements" not in ad:
            return False
        result = _strict_attr(ad, "requirements", self)
        return type(result) in (bool, int, float) and bool(result)

    def symmetricMatch(self, ad: CoreAd) -> bool:  # noqa: N802 (HTCondor's name)
        """`self.matches(ad) and ad.matches(self)`."""
        return self.matches(ad) and ClassAd.matches(ad, self)  # type: ignore[arg-type]

    def externalRefs(self, expr: ExprTree) -> list[str]:  # noqa: N802 (HTCondor's name)
        """The attributes `expr` reads that this ad does not define (`TARGET.x` as written)."""
        from classad.bindings.refs import references

        return references(self, _tree(expr).node)[1]

    def internalRefs(self, expr: ExprTree) -> list[str]:  # noqa: N802 (HTCondor's name)
        """The attributes `expr` reads that this ad defines, followed through their values."""
        from classad.bindings.refs import references

        return references(self, _tree(expr).node)[0]

    def flatten(self, expr: ExprTree) -> Any:
        """`expr` partially evaluated here: what this ad defines is folded, the rest kept.
        An expression that folds to a value gives the value, as with HTCondor."""
        from classad.bindings.refs import flatten

        node = flatten(self, _tree(expr).node)
        if type(node) is ast.Literal:
            return node_to_python(node)
        return ExprTree(node)


def _tree(expr: object) -> ExprTree:
    if not isinstance(expr, ExprTree):
        raise TypeError("expr must be an ExprTree")
    return expr
