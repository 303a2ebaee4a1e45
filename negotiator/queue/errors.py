"""The one exception a bad submit file raises: its message is `file:line: what is wrong`."""

from __future__ import annotations


class SubmitError(ValueError):
    """A submit description file (or a value in it) that condor_submit would refuse."""

    def __init__(self, message: str, where: str | None = None, *, key: str | None = None) -> None:
        message = " ".join(message.split())  # always one line
        self.where = where
        self.detail = message
        #: the submit command the error is about (its line is the error's place), if known
        self.key = key
        super().__init__(f"{where}: {message}" if where else message)

    def at(self, where: str) -> SubmitError:
        """This error placed at `where` (kept if it already has a place)."""
        return self if self.where else SubmitError(self.detail, where, key=self.key)
