"""Submit-file macro expansion: $(NAME), $(NAME:default), $ENV(), $INT(), $REAL(), $F*(), ...

Expansion is lazy and recursive as in condor_submit: a macro's value is expanded when it is
used, with the definitions in force at the queue statement. `$$(...)` is left alone (the
starter substitutes it at match time) and `$(DOLLAR)` is a literal `$`. An undefined macro
expands to the empty string. Budgets: nesting depth (a macro that refers to itself runs into
it) and the size of one expansion. Names ignore case; function names ($ENV, $INT...) do not.

The `$` scanner is the configuration language's (negotiator.policy.macros.scan); this module is
the submit language's dialect of it. As in condor_submit, a function macro's arguments end at
the first `)` (`$Fn(a(b).txt)` is `$Fn(a(b)` followed by `.txt)`), except after the `:` of
`$ENV(NAME:default)`, where a `(` skips to the next `)`; `$(NAME)` bodies nest.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Mapping

from negotiator.policy.macros import close_paren, scan
from negotiator.queue.errors import SubmitError

#: how deep $(A) -> $(B) -> ... may nest; a macro that refers to itself runs into this
MAX_DEPTH = 64
#: the longest value one expansion may produce (characters)
MAX_EXPANSION = 1 << 20

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_INT_FMT = re.compile(r"[^%]*%[-+ #0]*\d*(\.\d+)?[diouxX][^%]*\Z")
_REAL_FMT = re.compile(r"[^%]*%[-+ #0]*\d*(\.\d+)?[eEfFgG][^%]*\Z")


def closing_paren(text: str, start: int) -> int:
    """The index of the `)` closing the `(` at `start`, or -1."""
    end = close_paren(text, start + 1)
    return end - 1 if end >= 0 else -1


#: marks a live value in a compiled template: SENTINEL + name + SENTINEL
SENTINEL = "\x00"


class NotTemplatable(Exception):
    """A live value was used inside a function ($INT($(Process))...): expand it per proc."""


def is_macro_name(name: str) -> bool:
    return _NAME.match(name) is not None


class Expander:
    """Expands text against one set of macro definitions plus the live per-proc values.

    `macros` and `live` map lower-case names to raw (unexpanded) values; live values (Process,
    Step, Item, the queue variables...) win. `touched` becomes True when an expansion read a
    live value or drew a random number, i.e. when its result may differ from proc to proc.
    """

    __slots__ = ("arguments", "cwd", "env", "live", "macros", "rng", "sentinel", "touched")

    def __init__(self, macros: Mapping[str, str], live: Mapping[str, str],
                 env: Mapping[str, str], cwd: str, rng: random.Random) -> None:
        self.macros = macros
        self.live = live
        self.env = env
        self.cwd = cwd
        self.rng = rng
        self.touched = False
        #: how many function macros' arguments are being expanded (an unterminated `$(` there is text)
        self.arguments = 0
        #: compile mode: a live value expands to a marker (see `template`)
        self.sentinel = False

    def raw(self, key: str) -> str | None:
        """The unexpanded value of macro `key` (lower case), or None."""
        value = self.live.get(key)
        if value is not None:
            self.touched = True
            return SENTINEL + key + SENTINEL if self.sentinel else value
        return self.macros.get(key)

    def param(self, key: str) -> str | None:
        """The expanded value of macro `key` (lower case), or None when it is not defined."""
        value = self.raw(key)
        if value is None:
            return None
        return self.expand(value, key)

    def template(self, text: str, name: str = "") -> tuple[str, ...] | None:
        """`text` expanded except for live values: literal pieces and live names alternate
        (`("out.", "process", "")`). None when a live value feeds a function or a random
        number is drawn: such text is expanded per proc."""
        self.sentinel = True
        try:
            expanded = self.expand(text, name)
        except NotTemplatable:
            return None
        finally:
            self.sentinel = False
        return tuple(expanded.split(SENTINEL))

    def expand(self, text: str, name: str = "") -> str:
        try:
            return self._expand(text, 0)
        except RecursionError:  # pragma: no cover - the depth budget comes first
            raise SubmitError(f"macro expansion of {name or text!r} is nested too deeply") from None

    # ------------------------------------------------------------------------------------------
    def _expand(self, text: str, depth: int) -> str:
        if "$" not in text:
            return text
        if depth > MAX_DEPTH:
            raise SubmitError(f"macro expansion is nested more than {MAX_DEPTH} deep "
                              "(does a macro refer to itself?)")
        result = scan(text, depth, self)
        if len(result) > MAX_EXPANSION:
            raise SubmitError(f"macro expansion is longer than {MAX_EXPANSION} characters")
        return result

    # -- the scanner's hooks (negotiator.policy.macros.Dialect) --------------------------------
    def reference(self, body: str, depth: int) -> str:
        return self._macro(body, depth)

    def is_function(self, name: str) -> bool:
        return True  # an unknown $NAME( is an error here (condor_submit keeps it as text)

    def function_end(self, name: str, text: str, start: int) -> int:
        """condor_submit's end of a function's arguments: the first `)`; in $ENV(NAME:default)
        a `(` after the `:` skips to the next `)` first."""
        if name == "ENV":
            colon = text.find(":", start)
            close = text.find(")", start)
            if 0 <= colon < close:
                k = colon + 1
                while k < len(text) and text[k] != ")":
                    if text[k] == "(":
                        skip = text.find(")", k + 1)
                        k = skip if skip >= 0 else len(text)
                    k += 1
                return k + 1 if k < len(text) else -1
        close = text.find(")", start)
        return close + 1 if close >= 0 else -1

    def function(self, name: str, body: str, depth: int) -> str:
        self.arguments += 1
        try:
            return self._function(name, body, depth)
        finally:
            self.arguments -= 1

    def produced(self, piece: str, size: int) -> None:
        if size > MAX_EXPANSION:
            raise SubmitError(f"macro expansion is longer than {MAX_EXPANSION} characters")

    def failure(self, message: str) -> Exception:
        return SubmitError(message)

    def keeps_unterminated(self) -> bool:
        return self.arguments > 0  # in a function's argument, as condor_submit; elsewhere an error

    def rescans_functions(self) -> bool:
        return True

    def _macro(self, body: str, depth: int) -> str:
        name, colon, default = body.partition(":")
        if "$" in name:  # a name built from macros: $(A$(N)) (condor_submit expands the inner one first)
            name = self._expand(name, depth + 1)
        name = name.strip()
        if not is_macro_name(name):
            raise SubmitError(f"$({body}): {name!r} is not a macro name")
        key = name.lower()
        if key == "dollar":
            return "$"
        value = self.raw(key)
        if value is None:
            return self._expand(default, depth + 1) if colon else ""
        return self._expand(value, depth + 1)

    def _arg_value(self, arg: str, depth: int) -> str:
        """A function argument: the expanded value of the macro it names, else its own text."""
        arg = arg.strip()
        if is_macro_name(arg):
            value = self.raw(arg.lower())
            if value is not None:
                return self._expand(value, depth + 1)
        return self._expand(arg, depth + 1)

    def _function(self, fname: str, args: str, depth: int) -> str:
        handler = _FUNCTIONS.get(fname)
        if handler is None and fname.startswith("F") and set(fname[1:]) <= set("fpduwnxbqa"):
            handler = _F_FUNCTIONS.setdefault(fname, _flagged(fname[1:]))
        if handler is None:
            raise SubmitError(f"${fname}() is not a macro function this reader knows")
        if not self.sentinel:
            return handler(self, args, depth)
        before, self.touched = self.touched, False
        try:
            result = handler(self, args, depth)
        except SubmitError:
            if self.touched:
                raise NotTemplatable from None
            raise
        if self.touched:
            raise NotTemplatable
        self.touched = before
        return result


def _number(ex: Expander, text: str, what: str) -> int | float:
    """`text` evaluated as a ClassAd expression that must give a number (no Python runs)."""
    import classad

    try:
        value = classad.evaluate(classad.parse_expr(text))
    except classad.ClassAdError:
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SubmitError(f"{what}: {text!r} does not evaluate to a number")
    return value


def _fn_env(ex: Expander, args: str, depth: int) -> str:
    name, colon, default = args.partition(":")
    value = ex.env.get(name.strip())
    if value is None:  # the manual: "evaluates to UNDEFINED unless ... default-value is used"
        return ex._expand(default, depth + 1) if colon else "UNDEFINED"
    return value


def _formatted(ex: Expander, args: str, depth: int, real: bool) -> str:
    what = "$REAL()" if real else "$INT()"
    item, comma, fmt = args.partition(",")
    value = _number(ex, ex._arg_value(item, depth), what)
    fmt = fmt.strip() if comma else ("%.16G" if real else "%d")
    if not (_REAL_FMT if real else _INT_FMT).match(fmt):
        raise SubmitError(f"{what}: {fmt!r} is not a format for {'reals' if real else 'integers'}")
    return fmt % (float(value) if real else int(value))


def _fn_int(ex: Expander, args: str, depth: int) -> str:
    return _formatted(ex, args, depth, real=False)


def _fn_real(ex: Expander, args: str, depth: int) -> str:
    return _formatted(ex, args, depth, real=True)


def _split_list(ex: Expander, args: list[str], depth: int) -> list[str]:
    if len(args) == 1:
        return [a.strip() for a in ex._arg_value(args[0], depth).split(",")]
    return [ex._expand(a.strip(), depth + 1) for a in args]


def _fn_choice(ex: Expander, args: str, depth: int) -> str:
    parts = args.split(",")
    if len(parts) < 2:
        raise SubmitError("$CHOICE(index, list...) needs an index and a list")
    index = _number(ex, ex._arg_value(parts[0], depth), "$CHOICE()")
    items = _split_list(ex, parts[1:], depth)
    if not isinstance(index, int) or not 0 <= index < len(items):
        raise SubmitError(f"$CHOICE(): index {index} is outside the list of {len(items)}")
    return items[index]


def _fn_eval(ex: Expander, args: str, depth: int) -> str:
    """$EVAL(expr): the expanded text evaluated as a ClassAd expression (a string result as
    its characters, any other value as ClassAd text); text that does not parse gives nothing
    (as condor_submit). The expression sees no ad: attributes are undefined."""
    import classad
    from classad.unparse import unparse_value

    text = ex._arg_value(args, depth)
    try:
        value = classad.evaluate(classad.parse_expr(text))
    except classad.ClassAdError:
        return ""
    return value if isinstance(value, str) else unparse_value(value)


def _fn_substr(ex: Expander, args: str, depth: int) -> str:
    parts = args.split(",")
    if len(parts) not in (2, 3):
        raise SubmitError("$SUBSTR(name, start[, length]) takes 2 or 3 arguments")
    text = ex._arg_value(parts[0], depth)
    start = _number(ex, ex._expand(parts[1], depth + 1), "$SUBSTR()")
    start = int(start)
    if start < 0:
        start = max(0, len(text) + start)
    rest = text[start:]
    if len(parts) == 3:
        length = int(_number(ex, ex._expand(parts[2], depth + 1), "$SUBSTR()"))
        rest = rest[:length] if length >= 0 else rest[:max(0, len(rest) + length)]
    return rest


def _fn_random_integer(ex: Expander, args: str, depth: int) -> str:
    parts = [int(_number(ex, ex._expand(p, depth + 1), "$RANDOM_INTEGER()"))
             for p in args.split(",")]
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] <= 0) or parts[1] < parts[0]:
        raise SubmitError("$RANDOM_INTEGER(min, max[, step]) needs min <= max and step > 0")
    ex.touched = True
    return str(ex.rng.randrange(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1))


def _fn_random_choice(ex: Expander, args: str, depth: int) -> str:
    items = _split_list(ex, args.split(","), depth)
    ex.touched = True
    return ex.rng.choice(items)


def _fn_dirname(ex: Expander, args: str, depth: int) -> str:
    return _path_function(ex, "p", args, depth)


def _fn_basename(ex: Expander, args: str, depth: int) -> str:
    return _path_function(ex, "nx", args, depth)


def _path_function(ex: Expander, flags: str, args: str, depth: int) -> str:
    """$F[fpduwnxbqa](name): pieces of a path, as the manual's 'Function Macros' lists them."""
    path = ex._arg_value(args, depth)
    if "f" in flags and not path.startswith("/"):
        path = os.path.join(ex.cwd, path)
    if "w" in flags:
        path = path.replace("/", "\\")
    sep = "\\" if "w" in flags else "/"
    cut = max(path.rfind("/"), path.rfind("\\"))
    directory, filename = path[:cut + 1], path[cut + 1:]
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        stem, ext = filename, ""
    else:
        ext = ("" if "b" in flags else ".") + ext
    picked = [c for c in flags if c in "pdnx"]
    if not picked:
        result = path
    else:
        result = ""
        if "p" in flags:
            result += directory
        elif "d" in flags:
            parent = directory.rstrip("/\\")
            cut = max(parent.rfind("/"), parent.rfind("\\"))
            last = parent[cut + 1:]
            result += last + ("" if "b" in flags or not last else sep)
        if "n" in flags:
            result += stem
        if "x" in flags:
            result += ext
    if "q" in flags:
        quote = "'" if "a" in flags else '"'
        result = quote + result + quote
    return result


def _flagged(flags: str) -> Callable[[Expander, str, int], str]:
    def handler(ex: Expander, args: str, depth: int) -> str:
        return _path_function(ex, flags, args, depth)
    return handler


_F_FUNCTIONS: dict[str, Callable[[Expander, str, int], str]] = {}

_FUNCTIONS: dict[str, Callable[[Expander, str, int], str]] = {
    "ENV": _fn_env,
    "INT": _fn_int,
    "REAL": _fn_real,
    "CHOICE": _fn_choice,
    "EVAL": _fn_eval,
    "SUBSTR": _fn_substr,
    "RANDOM_INTEGER": _fn_random_integer,
    "RANDOM_CHOICE": _fn_random_choice,
    "DIRNAME": _fn_dirname,
    "BASENAME": _fn_basename,
}
