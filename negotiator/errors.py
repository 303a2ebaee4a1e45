"""The one exception raised for bad negotiator input, with the file and line at fault."""

from __future__ import annotations


class NegotiatorError(Exception):
    """Bad input: a malformed config, ad, scenario or state file.

    `path` and `line` locate the fault when known; `str(err)` gives `path:line: message`.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"
