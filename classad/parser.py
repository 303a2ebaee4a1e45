"""Text -> AST: the only module that imports lark; folds literals and caches by text.

lark is imported and the tables built on the first parse, not at `import classad`."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classad import ast, descent, lalr, shapes
from classad.depth import MAX_PARSE_DEPTH, deep_root, note_eval_depth, parse_depth, too_deep
from classad.errors import ClassAdSyntaxError, caret_snippet
from classad.literals import (
    RESERVED_WORDS,
    SAME_OP,
    Reject,
    fold_time_literal,
    int_value,
    magnitude,
    negative_number,
    unescape,
)
from classad.values import ERROR, INT64_MIN, UNDEFINED

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput

#: deepest parenthesis nesting accepted: the C++ parser's depth limit (see classad.depth)
MAX_NESTING = (MAX_PARSE_DEPTH - 3) // 3
_CACHE_LIMIT = 65536
#: raised inside the callbacks for a token the C++ lexer would refuse
_Reject = Reject


def _grammar_text() -> str:
    here = Path(__file__).resolve().parent
    for candidate in (here / "classad.lark", here.parent / "grammar" / "classad.lark"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError("classad.lark not found beside the package or in grammar/")


class _ToAst:
    """Builds classad.ast nodes as the LALR parser reduces (no intermediate tree). lark looks
    its callbacks up by rule name, so this need not subclass lark's Transformer."""

    def start(self, items: list[Any]) -> ast.Expr:
        return items[0]  # type: ignore[no-any-return]

    def ad_start(self, items: list[Any]) -> ast.RecordExpr:
        return items[0]  # type: ignore[no-any-return]

    # literals ---------------------------------------------------------------------------
    def integer(self, items: list[Token]) -> ast.Literal:
        text = str(items[0])
        if len(text) > 1 and text[0] == "0":
            raise _Reject(f"integer literal {text!r} has a leading zero", items[0])
        return ast.Literal(int_value(text))

    def real(self, items: list[Token]) -> ast.Literal:
        text = str(items[0])
        if text.endswith(".") or ".e" in text or ".E" in text:  # C++ wants a digit after `.`
            raise _Reject(f"malformed real literal {text!r}", items[0])
        return ast.Literal(float(text))

    def negative_number(self, items: list[Token]) -> ast.Literal:
        return negative_number(str(items[0])[1:], items[0])

    def string(self, items: list[Token]) -> ast.Literal:
        return ast.Literal("".join(unescape(str(t)[1:-1], t) for t in items))

    def true(self, _: list[Token]) -> ast.Literal:
        return ast.Literal(True)

    def false(self, _: list[Token]) -> ast.Literal:
        return ast.Literal(False)

    def undefined(self, _: list[Token]) -> ast.Literal:
        return ast.Literal(UNDEFINED)

    def error(self, _: list[Token]) -> ast.Literal:
        return ast.Literal(ERROR)

    # names and references ---------------------------------------------------------------
    def attr(self, items: list[Token]) -> ast.AttrRef:
        return ast.AttrRef(_name_of(items))

    def absolute_attr(self, items: list[Token]) -> ast.AttrRef:
        return ast.AttrRef(_name_of(items[1:]), absolute=True)

    def select(self, items: list[Any]) -> ast.Select:
        return ast.Select(items[0], _name_of(items[2:]))

    def subscript(self, items: list[Any]) -> ast.Subscript:
        return ast.Subscript(items[0], items[1])

    # operators --------------------------------------------------------------------------
    def binop(self, items: list[Any]) -> ast.Binary:
        op = str(items[1])
        op = SAME_OP.get(op.lower(), op)
        return ast.Binary(op, items[0], items[2])

    def _infix(op: str) -> Callable[[_ToAst, list[Any]], ast.Binary]:  # type: ignore[misc]
        def build(self: _ToAst, items: list[Any]) -> ast.Binary:
            return ast.Binary(op, items[0], items[1])

        return build

    lor = _infix("||")
    land = _infix("&&")
    bor = _infix("|")
    bxor = _infix("^")
    band = _infix("&")

    def unary(self, items: list[Any]) -> ast.Unary:
        return ast.Unary(str(items[0]), items[1])

    def cond(self, items: list[Any]) -> ast.Cond:
        return ast.Cond(items[0], items[1], items[2])

    def elvis(self, items: list[Any]) -> ast.Elvis:
        return ast.Elvis(items[0], items[2])

    def paren(self, items: list[Any]) -> ast.Paren:
        return ast.Paren(items[0])

    # calls, lists, records --------------------------------------------------------------
    def call(self, items: list[Any]) -> ast.Expr:
        name = str(items[0])
        args = tuple(a for a in items[1:] if a is not None)
        folded = fold_time_literal(name, args, items[0])
        return folded if folded is not None else ast.Call(name, args)

    def list_expr(self, items: list[Any]) -> ast.ListExpr:
        return ast.ListExpr(tuple(a for a in items if a is not None))

    def record(self, items: list[Any]) -> ast.RecordExpr:
        defs = items[0] if items and items[0] is not None else []
        if isinstance(defs, tuple):
            defs = [defs]
        names = tuple(d[0] for d in defs)
        return ast.RecordExpr(names, tuple(d[1] for d in defs))

    def attr_def(self, items: list[Any]) -> tuple[str, ast.Expr]:
        return (_name_of(items[:-1]), items[-1])

    def more_defs(self, items: list[Any]) -> list[tuple[str, ast.Expr]]:
        head = items[0] if isinstance(items[0], list) else [items[0]]
        if len(items) > 1 and items[1] is not None:
            head = [*head, items[1]]
        return head


def _name_of(tokens: list[Token]) -> str:
    """An attribute name from its tokens: a NAME (not a reserved word) or quoted names."""
    text = str(tokens[0])
    if text[0] == "'":  # QUOTED_NAME (the fast driver passes plain strings)
        return "".join(unescape(str(t)[1:-1], t) for t in tokens)
    if text.lower() in RESERVED_WORDS:
        raise _Reject(f"{text!r} is a reserved word", tokens[0])
    return text


def _cache_file(grammar: str) -> str | bool:
    """Where lark keeps the built LALR tables (building them takes ~0.5 s, loading ~20 ms)."""
    from lark import __version__ as lark_version

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "classad-pool")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    digest = hashlib.sha256((grammar + lark_version).encode()).hexdigest()[:16]
    return os.path.join(folder, f"classad-lalr-{digest}.cache")


def _build() -> Lark:
    from lark import Lark

    grammar = _grammar_text()
    options: dict[str, Any] = {
        "parser": "lalr", "lexer": "contextual", "start": ["start", "ad_start"],
        "transformer": _ToAst(), "maybe_placeholders": True,
        # keywords compare ASCII-only, as in C++: `ıs` and `İs` are not `is`
        "g_regex_flags": re.ASCII,
    }
    try:
        return Lark(grammar, cache=_cache_file(grammar), **options)
    except Exception:  # noqa: BLE001 - unreadable, partly written or stale cache: build in memory
        return Lark(grammar, cache=False, **options)


def _fast_tables(lark: Lark) -> lalr.Tables | None:
    """lark's LALR tables, contextual lexers and callbacks as plain data for classad.lalr;
    None (lark parses everything itself) if this lark version lays them out differently."""
    from lark.lexer import UnlessCallback
    from lark.parse_tree_builder import ExpandSingleChild

    try:
        frontend = lark.parser
        table = frontend.parser.parser.parse_table
        callbacks = frontend.parser.parser.callbacks
        contextual = frontend.lexer
        rule_ids: dict[Any, int] = {}
        rules: list[lalr.Rule] = []
        actions: list[dict[str, int]] = []
        for state in range(len(table.states)):
            row: dict[str, int] = {}
            for symbol, (action, arg) in table.states[state].items():
                if action.name == "Shift":
                    row[symbol] = arg
                    continue
                if arg not in rule_ids:
                    rule_ids[arg] = len(rules)
                    rules.append(_fast_rule(arg, callbacks[arg], ExpandSingleChild))
                row[symbol] = ~rule_ids[arg]
            actions.append(row)
        skip = "|".join(lark.get_terminal(name).pattern.to_regexp()
                        for name in lark.lexer_conf.ignore)
        lexers = [_fast_lexer(contextual.lexers[state], skip, UnlessCallback)
                  for state in range(len(table.states))]
        return lalr.Tables(actions, lexers, rules, dict(table.start_states),
                           dict(table.end_states))
    except (AttributeError, KeyError, TypeError, ValueError):  # pragma: no cover - other lark
        return None


def _fast_rule(rule: Any, callback: Callable[[list[Any]], Any], unit_type: type) -> lalr.Rule:
    expansion = rule.expansion
    unit = (rule.options.expand1 and rule.alias is None and len(expansion) == 1
            and not expansion[0].is_term and not expansion[0].name.startswith("_")
            and isinstance(callback, unit_type))
    return lalr.Rule(len(expansion), rule.origin.name, callback, bool(unit))


def _fast_lexer(basic: Any, skip: str, unless_type: Any) -> lalr.LexState:
    """One parser state's lexer: lark's pattern for it, after any run of ignored text."""
    scanner = basic.scanner
    if len(scanner._mres) != 1:
        raise ValueError("lexer split over several regular expressions")
    tokens = scanner._mres[0]
    retype: dict[str, re.Pattern[str]] = {}
    for name, callback in basic.callback.items():
        if not isinstance(callback, unless_type) or len(callback.scanner._mres) != 1:
            raise ValueError(f"unexpected lexer callback for {name}")
        retype[name] = callback.scanner._mres[0]
    pattern = re.compile(f"(?:{skip})*+(?:{tokens.pattern})?", tokens.flags)
    return lalr.LexState(pattern, retype, frozenset(basic.ignore_types))


_built: tuple[Lark, lalr.Tables | None] | None = None


def _parsers() -> tuple[Lark, lalr.Tables | None]:
    """lark and the fast driver's tables, built on the first parse (not at import: loading
    the tables and compiling a lexer per parser state would cost every `import classad`)."""
    global _built
    if _built is None:
        lark = _build()
        _built = (lark, _fast_tables(lark))
    return _built


def __getattr__(name: str) -> Any:
    """`_LARK` and `_TABLES`, the built parsers, for the tests that drive them directly."""
    if name == "_LARK":
        return _parsers()[0]
    if name == "_TABLES":
        return _parsers()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_cache: dict[str, ast.Expr] = {}


def parse_expr(text: str, *, source: str = "<string>") -> ast.Expr:
    """Parse one expression; identical texts share one tree. Raises ClassAdSyntaxError."""
    tree = _cache.get(text)
    if tree is None:
        tree = _parse_shaped(text, source)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[text] = tree
    return tree


#: skeleton -> its shape; True: seen once (its text was parsed as it is); False: not usable
_shapes: dict[str, shapes.Shape | bool] = {}


def _parse_shaped(text: str, source: str) -> ast.Expr:
    """Parse `text`, or build its tree from the parse of a text of the same shape (the same
    but for its literals, see classad.shapes). A shape is made the second time it is seen
    (one-off texts cost one parse). Errors are always the text's own."""
    found = shapes.skeleton(text)
    if found is None:
        return _parse(text, "start", source)  # type: ignore[no-any-return]
    skeleton, raws = found
    shape = _shapes.get(skeleton)
    if type(shape) is not shapes.Shape:
        if shape is None and len(_shapes) >= _CACHE_LIMIT:
            _shapes.clear()
        if shape is not True:  # new (now seen once), or known not to be usable
            if shape is None:
                _shapes[skeleton] = True
            return _parse(text, "start", source)  # type: ignore[no-any-return]
        try:
            skeleton_tree = _parse(skeleton, "start", source)
            # a tree whose evaluation always fails (classad.depth) is marked by identity at
            # parse time: built trees would lose the mark, so such texts are parsed whole
            made = (None if too_deep(skeleton_tree) or deep_root(skeleton_tree)
                    else shapes.Shape.of(skeleton_tree, raws))
        except ClassAdSyntaxError:
            made = None
        _shapes[skeleton] = made if made is not None else False
        if made is None:
            return _parse(text, "start", source)  # type: ignore[no-any-return]
        shape = made
    try:
        return shape.build(raws, _hole_literal)
    except _Reject:  # a string the C++ lexer refuses: the text's own error, placed
        return _parse(text, "start", source)  # type: ignore[no-any-return]


def _hole_literal(raw: str, sign: int) -> ast.Literal:
    """The literal of a hole's text (classad.shapes), as the parser's callbacks read it: a
    run of strings joined, a real, or decimal digits (not starting with 0; out of range: 0).
    Strings and integers come from the shared literals (ast.literal): ads repeat them."""
    c = raw[0]
    if c == '"':
        if raw.count('"') == 2 and "\\" not in raw:
            return ast.literal(raw[1:-1])
        return ast.literal("".join(unescape(s[1:-1]) for s in shapes.STRING.findall(raw)))
    if not raw.isdigit():
        return ast.Literal(float(raw) if sign > 0 else -float(raw))
    if len(raw) < 19:  # within int64 either way
        return ast.literal(int(raw) if sign > 0 else -int(raw))
    if sign > 0:
        return ast.literal(int_value(raw))
    value = magnitude(raw)
    return ast.literal(-value if 0 <= value <= -INT64_MIN else 0)


def parse_record(text: str, *, source: str = "<string>") -> ast.RecordExpr:
    """Parse a whole new-style ad `[ ... ]` into a RecordExpr. Raises ClassAdSyntaxError."""
    node = _parse(text, "ad_start", source)
    assert isinstance(node, ast.RecordExpr)
    return node


def _parse(text: str, start: str, source: str) -> Any:
    if "\x00" in text:
        pos = text.index("\x00")
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise ClassAdSyntaxError("NUL character in input", line=line, column=col, source=source,
                                 snippet=caret_snippet(text, line, col))
    try:
        node, depth_bound = _parse_fast(text, start)
    except _Reject as exc:
        raise _error_at(exc.message, exc.token, text, source) from None
    except Exception as exc:
        from lark.exceptions import LarkError, UnexpectedInput

        if isinstance(exc, UnexpectedInput):
            raise _syntax_error(exc, text, source) from None
        if not isinstance(exc, LarkError):
            raise
        cause = exc.__context__
        if isinstance(cause, _Reject):
            raise _error_at(cause.message, cause.token, text, source) from None
        raise ClassAdSyntaxError(str(exc), source=source) from None
    record = start == "ad_start"
    # each node built adds at most 3 to the C++ parser's depth: most texts skip the walk
    if 3 * depth_bound + 3 > MAX_PARSE_DEPTH and parse_depth(node, record=record) > MAX_PARSE_DEPTH:
        raise ClassAdSyntaxError(
            "expression nested too deeply (the C++ parser stops at depth "
            f"{MAX_PARSE_DEPTH}, about {MAX_NESTING} parentheses)", source=source)
    for top in node.exprs if record else (node,):
        note_eval_depth(top, depth_bound)
    return node


def _parse_fast(text: str, start: str) -> tuple[Any, int]:
    """classad.descent for an expression, else classad.lalr on lark's tables, else lark
    itself (for what the driver refuses: lark names the error). Also returns a bound on the
    tree's depth."""
    if start == "start":
        try:
            return descent.parse(text)
        except descent.Refused:
            pass
    lark, tables = _built or _parsers()
    if tables is not None:
        try:
            return lalr.parse(tables, text, start)
        except (lalr.Refused, _Reject):
            pass
    return lark.parse(text, start=start), len(text)


def _error_at(message: str, token: Token | None, text: str, source: str) -> ClassAdSyntaxError:
    line = token.line if token is not None and token.line else 1
    col = token.column if token is not None and token.column else 1
    return ClassAdSyntaxError(message, line=line, column=col, source=source,
                              snippet=caret_snippet(text, line, col))


def _syntax_error(exc: UnexpectedInput, text: str, source: str) -> ClassAdSyntaxError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF

    line = getattr(exc, "line", 1) or 1
    col = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedEOF) or line < 1:
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        message = "unexpected end of input"
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        message = f"unexpected character {text[pos:pos + 1]!r}"
    else:
        tok = getattr(exc, "token", None)
        if tok is not None and tok.type == "$END":
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
            message = "unexpected end of input"
        else:
            message = f"unexpected {str(tok)!r}" if tok is not None else "syntax error"
    return ClassAdSyntaxError(message, line=line, column=col, source=source,
                              snippet=caret_snippet(text, line, col))


__all__ = ["MAX_NESTING", "RESERVED_WORDS", "parse_expr", "parse_record", "unescape"]
