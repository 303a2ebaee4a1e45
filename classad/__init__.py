"""HTCondor ClassAds in Python: parse, evaluate, match, and read and write ad files.

Two APIs share this namespace. The project's own: `parse_ad`, `parse_ads`, `load_ads`,
`dump_ad`, `evaluate`, `matches`, `symmetric_match`, `rank`, whose ads are
`classad.ad.ClassAd` (attribute name -> expression tree). And HTCondor's Python bindings
(`classad.bindings`): `ClassAd`, `ExprTree`, `Value`, `parseAds`, `quote`, ... `classad.ClassAd`
is HTCondor's, a subclass of the project's ClassAd, so the project's functions take it too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from classad.ad import ClassAd as _CoreAd
from classad.errors import ClassAdError, ClassAdSyntaxError
from classad.evaluator import evaluate_expr as _evaluate_expr
from classad.formats import dump_ad as _dump_ad
from classad.formats import dump_ads as _dump_ads
from classad.formats import load_ads, parse_ad, parse_ads
from classad.match import matches, rank, symmetric_match
from classad.parser import parse_expr
from classad.values import (
    ERROR,
    UNDEFINED,
    AbsTime,
    Error,
    RelTime,
    Undefined,
    is_error,
    is_undefined,
)

if TYPE_CHECKING:
    from classad.bindings import (
        Attribute,
        ClassAd,
        ClassAdEnumError,
        ClassAdEvaluationError,
        ClassAdException,
        ClassAdInternalError,
        ClassAdOSError,
        ClassAdParseError,
        ClassAdTypeError,
        ClassAdValueError,
        ExprTree,
        Function,
        Literal,
        Parser,
        ParserType,
        Value,
        lastError,
        parse,
        parseAds,
        parseNext,
        parseOld,
        parseOldAds,
        parseOne,
        quote,
        register,
        registerLibrary,
        unquote,
        version,
    )

#: HTCondor's names, imported from classad.bindings on first use so that the project's own
#: commands do not pay for them
_BINDINGS = frozenset({
    "Attribute", "ClassAd", "ClassAdEnumError", "ClassAdEvaluationError", "ClassAdException",
    "ClassAdInternalError", "ClassAdOSError", "ClassAdParseError", "ClassAdTypeError",
    "ClassAdValueError", "ExprTree", "Function", "Literal", "Parser", "ParserType", "Value",
    "lastError", "parse", "parseAds", "parseNext", "parseOld", "parseOldAds", "parseOne",
    "quote", "register", "registerLibrary", "unquote", "version",
})


def __getattr__(name: str) -> Any:
    if name in _BINDINGS:
        from classad import bindings

        value = getattr(bindings, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'classad' has no attribute {name!r}")


__all__ = [
    "ERROR", "UNDEFINED", "AbsTime", "ClassAd", "ClassAdError", "ClassAdSyntaxError", "Error",
    "RelTime", "Undefined", "evaluate", "is_error", "is_undefined", "parse_expr",
    "dump_ad", "dump_ads", "load_ads", "parse_ad", "parse_ads", "matches", "rank",
    "symmetric_match",
    # HTCondor's names (classad.bindings)
    "Attribute", "ClassAdEnumError", "ClassAdEvaluationError", "ClassAdException",
    "ClassAdInternalError", "ClassAdOSError", "ClassAdParseError", "ClassAdTypeError",
    "ClassAdValueError", "ExprTree", "Function", "Literal", "Parser", "ParserType", "Value",
    "lastError", "parse", "parseAds", "parseNext", "parseOld", "parseOldAds", "parseOne",
    "quote", "register", "registerLibrary", "unquote", "version",
]


def evaluate(expr: Any, my: _CoreAd | None = None, target: _CoreAd | None = None) -> Any:
    """Evaluate an expression (text or parsed) with `my` as MY and `target` as TARGET."""
    tree = parse_expr(expr) if isinstance(expr, str) else expr
    return _evaluate_expr(tree, my, target)


def _core(ad: _CoreAd) -> _CoreAd:
    """The project's view of an ad: HTCondor's ClassAd reads back Python values, not trees."""
    loaded = sys.modules.get("classad.bindings.ad")
    if loaded is not None and isinstance(ad, loaded.ClassAd):
        return _CoreAd.from_pairs(list(ad), list(ad.exprs()))
    return ad


def dump_ad(ad: _CoreAd, fmt: str = "new", *, pretty: bool = False) -> str:
    """One ad as text: "new" (one line, or multi-line with pretty=True), "old" or "json"."""
    return _dump_ad(_core(ad), fmt, pretty=pretty)


def dump_ads(ads: Iterable[_CoreAd], fmt: str = "new", *, pretty: bool = False,
             wrap: bool = False) -> str:
    """Several ads as text in one of the formats (see classad.formats.dump_ads)."""
    return _dump_ads([_core(ad) for ad in ads], fmt, pretty=pretty, wrap=wrap)
