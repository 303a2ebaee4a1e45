"""HTCondor's Python ClassAd API (`classad2` and the first-generation `classad`) over this
package: `import classad` gives scripts written for HTCondor's bindings the names they use."""

from __future__ import annotations

from classad.bindings.ad import ClassAd
from classad.bindings.convert import Value
from classad.bindings.errors import (
    ClassAdEnumError,
    ClassAdEvaluationError,
    ClassAdException,
    ClassAdInternalError,
    ClassAdOSError,
    ClassAdParseError,
    ClassAdTypeError,
    ClassAdValueError,
    Parser,
    ParserType,
)
from classad.bindings.exprtree import Attribute, ExprTree, Function, Literal, register
from classad.bindings.parsing import (
    lastError,
    parse,
    parseAds,
    parseNext,
    parseOld,
    parseOldAds,
    parseOne,
    quote,
    registerLibrary,
    unquote,
    version,
)

__all__ = [
    "Attribute", "ClassAd", "ClassAdEnumError", "ClassAdEvaluationError", "ClassAdException",
    "ClassAdInternalError", "ClassAdOSError", "ClassAdParseError", "ClassAdTypeError",
    "ClassAdValueError", "ExprTree", "Function", "Literal", "Parser", "ParserType", "Value",
    "lastError", "parse", "parseAds", "parseNext", "parseOld", "parseOldAds", "parseOne",
    "quote", "register", "registerLibrary", "unquote", "version",
]
