"""ClassAd runtime values: plain Python scalars plus UNDEFINED, Error, AbsTime and RelTime."""

from __future__ import annotations

import codecs
import math
from typing import TYPE_CHECKING, Any, Final, TypeAlias

if TYPE_CHECKING:
    from classad.ad import ClassAd

INT64_MIN: Final = -(1 << 63)
INT64_MAX: Final = (1 << 63) - 1
_MASK64: Final = (1 << 64) - 1
#: the longest string (in characters) a builtin may build; a longer result is ERROR, so that
#: doubling a string in a loop of references ends in a value instead of exhausting memory
MAX_STRING: Final = 1 << 26


class Undefined:
    """The ClassAd UNDEFINED value; `UNDEFINED` is its only instance."""

    __slots__ = ()
    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        raise TypeError("UNDEFINED has no truth value; test it with `is UNDEFINED`")

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = Undefined()


class Error:
    """The ClassAd ERROR value. All errors are equal; `reason` keeps the root cause."""

    __slots__ = ("reason",)

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Error)

    def __hash__(self) -> int:
        return hash(Error)

    def __repr__(self) -> str:
        return f"Error({self.reason!r})" if self.reason else "ERROR"

    def __bool__(self) -> bool:
        raise TypeError("ERROR has no truth value; test it with isinstance(v, Error)")


ERROR: Final = Error()


class AbsTime:
    """An absolute time: seconds since the epoch and the zone offset (seconds east of UTC)."""

    __slots__ = ("offset", "secs")

    def __init__(self, secs: float, offset: int = 0) -> None:
        self.secs = secs
        self.offset = offset

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AbsTime) and self.secs == other.secs and self.offset == other.offset
        )

    def __hash__(self) -> int:
        return hash((AbsTime, self.secs, self.offset))

    def __repr__(self) -> str:
        return f"AbsTime({self.secs!r}, offset={self.offset})"


class RelTime:
    """A relative time (a duration) in seconds, possibly fractional."""

    __slots__ = ("secs",)

    def __init__(self, secs: float) -> None:
        self.secs = secs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RelTime) and (
            self.secs == other.secs or (math.isnan(self.secs) and math.isnan(other.secs))
        )

    def __hash__(self) -> int:
        return hash((RelTime, self.secs))

    def __repr__(self) -> str:
        return f"RelTime({self.secs!r})"


class ListValue(list[Any]):
    """A list literal's value, which remembers the literal (`source`): C++ keeps a list as
    its element expressions, so strcat() and string() write them (`{ 1 + 1 }`), however
    the list was reached (an attribute, ifThenElse, eval, ...)."""

    __slots__ = ("source",)
    source: Any


def list_value(items: list[Any], source: Any) -> ListValue:
    """The value of the list literal `source` (an ast.ListExpr) with elements `items`."""
    out = ListValue(items)
    out.source = source
    return out


def list_source(v: list[Any]) -> Any:
    """The list literal a list value was evaluated from (its element expressions), or None."""
    return getattr(v, "source", None)


class SharedList(list[Any]):
    """A list value of the C++ library's second list type (SLIST): what a builtin function
    builds (split(), argsToList(), ...) and what `ad["name"]` hands back. A list literal or a
    list reached through an attribute or a selection is the first type (a plain `list`).
    `=?=` finds two lists of different types unequal, two of one type an ERROR."""

    __slots__ = ("source",)
    source: Any


#: the classes of list values: the C++ library's first list type and its second
LIST_TYPES: Final = frozenset({list, ListValue, SharedList})


# A ClassAd value. Lists are Python lists of values; nested ads are ClassAd objects.
Value: TypeAlias = "bool | int | float | str | Undefined | Error | AbsTime | RelTime | list[Any] | ClassAd"


class EvaluationFailed(RecursionError):
    """The C++ library's Evaluate() returns false: the whole evaluation, not just the node,
    gives ERROR (`isError(...)` around it does not see it). Raised where the C++ library
    aborts (userHome() with a wrong argument count, operators nested past its depth limit);
    a RecursionError, so every entry point that turns a too-deep evaluation into ERROR
    catches it too."""


#: the reason of the ERROR a failed evaluation leaves in a list element (C++ keeps lists
#: unevaluated: `{1, userHome()}` is a list whose second element fails when it is read)
FAILED_ELEMENT: Final = "the evaluation of this list element failed"


def read_element(v: Any) -> Any:
    """A list element as a builtin or a selection reads it: in C++ they evaluate the element
    in place, so one whose evaluation failed fails the whole evaluation (a subscript, which
    keeps the failure to the element, is the exception)."""
    if type(v) is Error and v.reason is FAILED_ELEMENT:
        raise EvaluationFailed(FAILED_ELEMENT)
    return v


def wrap64(n: int) -> int:
    """Two's-complement wraparound of an integer into int64."""
    if INT64_MIN <= n <= INT64_MAX:
        return n
    n &= _MASK64
    return n - (1 << 64) if n > INT64_MAX else n


def _byte_escape(exc: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: a surrogate escape (U+DC80..U+DCFF) is the byte it stands for,
    any other lone surrogate is written as its 3-byte UTF-8-style form (as the parser does)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for ch in exc.object[exc.start:exc.end]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += ch.encode("utf-8", "surrogatepass")
    return bytes(out), exc.end


codecs.register_error("classad-bytes", _byte_escape)


def to_bytes(s: str) -> bytes:
    """A ClassAd string as the C++ library's byte string. Never fails: undecodable bytes are
    kept as surrogate escapes and come back as themselves, a lone surrogate as 3 bytes."""
    return s.encode("utf-8", "classad-bytes")


def from_bytes(b: bytes) -> str:
    """A C++ byte string as a ClassAd string (undecodable bytes become surrogate escapes)."""
    return b.decode("utf-8", "surrogateescape")


def is_error(v: object) -> bool:
    return type(v) is Error


def is_undefined(v: object) -> bool:
    return v is UNDEFINED


def type_name(v: object) -> str:
    """The ClassAd type name of a value, as the canonical encoding spells it."""
    from classad.ad import ClassAd

    t = type(v)
    if t is bool:
        return "boolean"
    if t is int:
        return "integer"
    if t is float:
        return "real"
    if t is str:
        return "string"
    if v is UNDEFINED:
        return "undefined"
    if t is Error:
        return "error"
    if t in LIST_TYPES:
        return "list"
    if t is AbsTime:
        return "abstime"
    if t is RelTime:
        return "reltime"
    if isinstance(v, ClassAd):
        return "classad"
    raise TypeError(f"not a ClassAd value: {v!r}")
