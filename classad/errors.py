"""Exceptions for bad input and misuse; ClassAd language errors are values, not these."""

from __future__ import annotations


class ClassAdError(Exception):
    """Root of every exception raised by the classad package."""


class ClassAdSyntaxError(ClassAdError):
    """Text that is not valid ClassAd syntax, with the place it went wrong.

    `line` and `column` are 1-based; `source` names the file (or "<string>").
    """

    def __init__(
        self,
        message: str,
        *,
        line: int = 1,
        column: int = 1,
        source: str = "<string>",
        snippet: str = "",
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        self.snippet = snippet
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}: {self.message}"
        return f"{where}\n{self.snippet}" if self.snippet else where

    def relocated(self, *, source: str, line_offset: int = 0, column_offset: int = 0,
                  text: str | None = None) -> ClassAdSyntaxError:
        """The same error placed inside a larger file (lines and columns shifted)."""
        line = self.line + line_offset
        column = self.column + (column_offset if self.line == 1 else 0)
        snippet = caret_snippet(text, line, column) if text is not None else self.snippet
        return ClassAdSyntaxError(self.message, line=line, column=column, source=source,
                                  snippet=snippet)


def caret_snippet(text: str, line: int, column: int, width: int = 70) -> str:
    """The offending line of `text` with a caret under `column` (both 1-based)."""
    lines = text.splitlines() or [""]
    if not 1 <= line <= len(lines):
        return ""
    src = lines[line - 1].expandtabs(1)
    start = max(0, column - 1 - width // 2)
    shown = src[start : start + width]
    prefix = "..." if start > 0 else ""
    return f"    {prefix}{shown}\n    {' ' * (len(prefix) + column - 1 - start)}^"
