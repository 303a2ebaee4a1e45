"""HTCondor's binding exceptions and enums: ClassAdException and its family, ParserType."""

from __future__ import annotations

import enum

from classad.errors import ClassAdError, ClassAdSyntaxError


class ClassAdException(ClassAdError):  # noqa: N818 (HTCondor's name)
    """The parent of every exception the HTCondor-style API raises."""


# The first-generation module's exceptions also inherited from the builtin exceptions that
# even older versions raised, so `except ValueError` and `except ClassAdParseError` both work.
class ClassAdEnumError(ClassAdException, TypeError):
    """A value must be in an enumeration, but is not."""


class ClassAdEvaluationError(ClassAdException, TypeError, RuntimeError):
    """An expression could not be evaluated (an ERROR where a value was needed)."""


#: what HTCondor's first-generation module says when the C++ Evaluate() fails
EVALUATION_FAILED = "Unable to evaluate expression"


class ClassAdInternalError(ClassAdException, ValueError, RuntimeError):
    """The library met an internal error."""


class ClassAdParseError(ClassAdException, ClassAdSyntaxError, ValueError, SyntaxError,
                        RuntimeError):
    """Text is not a ClassAd (or not the expression or literal asked for); it is also the
    project's ClassAdSyntaxError, with the place it went wrong when known."""

    __str__ = ClassAdSyntaxError.__str__

    @classmethod
    def from_error(cls, prefix: str, err: ClassAdSyntaxError) -> ClassAdParseError:
        return cls(f"{prefix}: {err.message}", line=err.line, column=err.column,
                   source=err.source, snippet=err.snippet)


class ClassAdValueError(ClassAdException, ValueError, RuntimeError, TypeError):
    """Raised instead of ValueError, as the first-generation module did."""


class ClassAdTypeError(ClassAdException, TypeError, ValueError):
    """Raised instead of TypeError, as the first-generation module did."""


class ClassAdOSError(ClassAdException, OSError, RuntimeError):
    """Raised instead of OSError, as the first-generation module did."""


class ParserType(enum.IntEnum):
    """Which serialization `parseAds` and friends read (HTCondor's numbering)."""

    Auto = -1
    Old = 0
    XML = 1
    JSON = 2
    New = 3
    FileAuto = 4


#: the first-generation name of ParserType
Parser = ParserType
