"""AST -> Python source -> function: the fast backend, sharing the operators' semantics.

Each distinct expression tree is compiled once into `def _expr(scope, ctx)`, run in a fresh
namespace that holds the helpers and constants as objects. Names and strings from the input
only ever appear inside `repr()` literals, so no input can change what the code does.
The interpreter in classad.evaluator stays the reference; both must agree on every case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from classad import ast, operators
from classad.depth import DEEP_BRANCHES, TOO_DEEP, fails_on_entry, too_deep
from classad.values import (
    FAILED_ELEMENT,
    INT64_MAX,
    INT64_MIN,
    UNDEFINED,
    Error,
    EvaluationFailed,
    ListValue,
    wrap64,
)

if TYPE_CHECKING:
    from classad.ad import ClassAd
    from classad.evaluator import EvalContext

Compiled = Callable[["ClassAd", "EvalContext"], Any]

_CACHE_LIMIT = 100_000
#: generated functions longer than this are not compiled (the interpreter runs them)
_MAX_LINES = 4000
_cache: dict[int, tuple[ast.Expr, Compiled]] = {}
#: code objects by generated source: expressions of one shape share them
_code_by_source: dict[str, Any] = {}

_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
_OP_NAMES = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "&": "bit_and", "|": "bit_or",
    "^": "bit_xor", "<<": "shl", ">>": "shr", ">>>": "ushr", "<": "lt", "<=": "le", ">": "gt",
    ">=": "ge", "==": "eq", "!=": "ne", "=?=": "identical", "is": "identical",
    "=!=": "not_identical", "isnt": "not_identical",
}
_UNARY_NAMES = {"-": "neg", "+": "pos", "!": "logical_not", "~": "invert"}


def compiled(expr: ast.Expr) -> Compiled:
    """The compiled function for an expression tree (compiled on first use, then cached)."""
    hit = _cache.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    fn = compile_expr(expr)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[id(expr)] = (expr, fn)
    return fn


#: evaluations an expression gets from the tree walker before the tiered backend compiles it
HOT_AFTER = 8
_heat: dict[int, list[Any]] = {}


def is_hot(expr: ast.Expr) -> bool:
    """Count one evaluation of `expr`; True once it is worth compiling."""
    entry = _heat.get(id(expr))
    if entry is None or entry[0] is not expr:
        if len(_heat) >= _CACHE_LIMIT:
            _heat.clear()
        _heat[id(expr)] = [expr, 1]
        return False
    entry[1] += 1
    return bool(entry[1] > HOT_AFTER)


def compile_expr(expr: ast.Expr) -> Compiled:
    fn = build(Generator(), expr)
    return _interpreted(expr) if fn is None else fn


def build(gen: Generator, expr: ast.Expr) -> Any:
    """Generate, compile and bind `gen`'s function for `expr`; None if it cannot be compiled.

    Code objects are shared by generated source, so expressions of one shape compile once.
    """
    if TOO_DEEP and too_deep(expr):
        return None  # evaluation fails (classad.depth): the interpreter raises it
    try:
        source = gen.module(expr)
    except RecursionError:
        return None  # nested too deeply for the generator: interpreted
    if len(gen.lines) > _MAX_LINES:
        return None  # compile() time grows fast; huge trees are interpreted
    namespace = dict(gen.namespace)
    try:
        code = _code_by_source.get(source)
        if code is None:
            code = compile(source, "<classad>", "exec")
            if len(_code_by_source) >= _CACHE_LIMIT:
                _code_by_source.clear()
            _code_by_source[source] = code
        exec(code, namespace)  # noqa: S102 - source is generated from our own AST only
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    return namespace[gen.function_name]


def python_source(expr: ast.Expr) -> str:
    """The generated Python source for an expression (for `classad eval --show-python`)."""
    return Generator().module(expr)


def _interpreted(expr: ast.Expr) -> Compiled:
    from classad.evaluator import evaluate

    def run(scope: ClassAd, ctx: EvalContext) -> Any:
        if TOO_DEEP and too_deep(expr):
            raise EvaluationFailed("operators nested past the C++ evaluation depth limit")
        return evaluate(expr, scope, ctx)

    return run


def _helpers() -> dict[str, Any]:
    from classad import evaluator
    from classad.ad import ClassAd
    from classad.functions import call_builtin

    ns: dict[str, Any] = {f"_{name}": getattr(operators, name) for name in _OP_NAMES.values()}
    ns.update({f"_{name}": getattr(operators, name) for name in _UNARY_NAMES.values()})
    ns.update({
        "_truth": operators.truth, "_Error": Error, "_Literal": ast.Literal,
        "_target_exprs": evaluator.target_exprs, "_eval_in": evaluator.eval_in,
        "_unscoped": evaluator.lookup_unscoped, "_NONE": {}, "_UNDEF": UNDEFINED, "_wrap": wrap64,
        "_attr": evaluator.attr_fast, "_target_attr": evaluator.target_attr,
        "_my_attr": evaluator.my_attr, "_chain": evaluator.lookup_in_chain,
        "_select": evaluator.select_value, "_subscript": evaluator.subscript_value,
        "_pick": evaluator.pick_element, "_element": evaluator.list_element, "_subscript_ref": evaluator.subscript_ref,
        "_call": call_builtin, "_record": ClassAd.from_record, "_fold": operators.fold_case,
        "_MIN": INT64_MIN, "_MAX": INT64_MAX, "_Failed": EvaluationFailed,
        "_ListValue": ListValue, "_FAILED_ELEMENT": FAILED_ELEMENT,
    })
    return ns


_PLAIN_COMPARE = frozenset({"<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "is", "isnt"})
_LOGICAL_OPS = frozenset({"<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "is", "isnt",
                          "&&", "||"})


def _logical_result(node: ast.Expr) -> bool:
    """Whether a node can only give true, false, UNDEFINED or ERROR (its own truth value)."""
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is ast.Binary:
        return node.op in _LOGICAL_OPS
    return type(node) is ast.Unary and node.op == "!"


class Generator:
    """Emits straight-line Python statements, one temporary per node."""

    function_name = "_expr"

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = _helpers()
        self.counter = 0
        self.indent = 1
        self.uses_target = False
        self.uses_my = False
        self.names: dict[tuple[type, Any], str] = {}
        #: names of constants (and True/False) -> their Python type
        self.known: dict[str, type] = {"True": bool, "False": bool}

    def module(self, expr: ast.Expr) -> str:
        result = self.root(expr)
        prologue = ["    _SE = scope._exprs"]
        if self.uses_target:
            prologue.append("    _TE = ctx.target._exprs if scope is ctx.my and ctx.target is not None "
                            "and scope.parent is None and 'target' not in _SE "
                            "else _target_exprs(scope, ctx)")
        if self.uses_my:  # MY is the scope itself unless the scope defines `my`
            prologue.append("    _ME = _NONE if 'my' in _SE else _SE")
        body = "\n".join(prologue + self.lines)
        return f"def _expr(scope, ctx):\n{body}\n    return {result}\n"

    def root(self, expr: ast.Expr) -> str:
        """The whole expression; a top-level `&&` or `||` chain returns as soon as a term decides it.

        Left to right, `a && b && ...` is the first term that is false or ERROR, else
        UNDEFINED if some term was, else true (and `||` the same with true for false): each
        term is tested and the function returns.
        """
        node = expr
        while type(node) is ast.Paren:
            node = node.expr
        if type(node) is not ast.Binary or node.op not in ("&&", "||"):
            return self.emit(expr)
        chain = node.op
        terms = self.chain_terms(node, chain)
        decided = "False" if chain == "&&" else "True"
        acc = self.assign("True" if chain == "&&" else "False")
        for term in terms:
            if DEEP_BRANCHES and fails_on_entry(term):
                self.failing_branch()
                continue
            if self.fast_term(term, decided, acc):
                continue
            value = self.emit(term)
            if _logical_result(term):  # already true, false, UNDEFINED or ERROR
                x = value
            else:
                x = self.assign(f"{value} if type({value}) is bool else _truth({value})")
            self.decide(x, decided, acc)
        return acc

    def chain_terms(self, node: ast.Expr, chain: str) -> list[ast.Expr]:
        """The terms of a left-leaning `chain` (`&&` or `||`) chain, in order."""
        while type(node) is ast.Paren:
            node = node.expr
        terms: list[ast.Expr] = []
        while type(node) is ast.Binary and node.op == chain:
            terms.append(node.right)
            node = node.left
            while type(node) is ast.Paren and type(node.expr) is ast.Binary and node.expr.op == chain:
                node = node.expr
        terms.append(node)
        terms.reverse()
        return terms

    def decide(self, x: str, decided: str, acc: str) -> None:
        """Return a term's logical value `x` if it decides the chain; note an UNDEFINED one."""
        self.line(f"if {x} is {decided} or type({x}) is _Error: return {x}")
        self.line(f"if {x} is _UNDEF: {acc} = _UNDEF")

    def fast_term(self, term: ast.Expr, decided: str, acc: str) -> bool:
        """Emit a chain term whose common case is a plain comparison or a boolean attribute.

        The common case tests the Python values directly and returns at once when the term
        decides the chain; any other operand types take the shared operator, as elsewhere.
        Operands whose type is known here (constants) need no type test.
        """
        while type(term) is ast.Paren:
            term = term.expr
        if type(term) in (ast.Select, ast.AttrRef):
            a = self.emit(term)
            if self.known.get(a) is bool:
                self.line(f"if {a} is {decided}: return {decided}")
                return True
            self.line(f"if {a} is not {'True' if decided == 'False' else 'False'}:")
            self.indent += 1
            x = self.assign(f"{a} if type({a}) is bool else _truth({a})")
            self.decide(x, decided, acc)
            self.indent -= 1
            return True
        if type(term) is not ast.Binary or term.op not in _PLAIN_COMPARE:
            return False
        op = term.op
        a = self.emit(term.left)
        b = self.emit(term.right)
        guard, test = self.plain_compare(op, a, b)
        stop = f"if {'not ' if decided == 'False' else ''}({test}): return {decided}"
        if guard is None:
            self.line(stop)
            return True
        if guard != "False":
            self.line(f"if {guard}:")
            self.line(f"    {stop}")
            self.line("else:")
            self.indent += 1
        self.decide(self.assign(f"_{_OP_NAMES[op]}({a}, {b})"), decided, acc)
        if guard != "False":
            self.indent -= 1
        return True

    def plain_compare(self, op: str, a: str, b: str) -> tuple[str | None, str]:
        """How to compare emitted operands `a` and `b` with `op` in plain Python.

        Returns (guard, test): where `guard` holds (None: always; "False": never) `test` is
        the result, a bool. Operands of known type (constants) need no type test.
        """
        ta, tb = self.known.get(a), self.known.get(b)
        if op in ("==", "!=") and str in (ta, tb) and ta is not tb:
            if ta is str:
                a, b = b, a  # equality is symmetric: the constant on the right
            return f"type({a}) is str and {a}.isascii()", f"{a}.lower() {op} {self.folded(b)}"
        py = {"=?=": "==", "is": "==", "=!=": "!=", "isnt": "!="}.get(op, op)
        plain = (int, float) if op in _COMPARE else (int, str, bool)
        guard: str | None
        if ta is not None and tb is not None:
            guard = None if ta is tb and ta in plain else "False"
        elif ta in plain:
            guard = f"type({b}) is {ta.__name__}"  # type: ignore[union-attr]
        elif tb in plain:
            guard = f"type({a}) is {tb.__name__}"  # type: ignore[union-attr]
        elif ta is None and tb is None:
            alts = " or ".join(f"type({a}) is {t.__name__}" for t in plain)
            guard = f"type({a}) is type({b}) and ({alts})"
        else:
            guard = "False"
        return guard, f"{a} {py} {b}"

    def folded(self, name: str) -> str:
        """The case-folded twin of the string constant `name`."""
        return self.name_of(operators.fold_case(self.namespace[name]))

    # ---- plumbing ----------------------------------------------------------------------
    def temp(self) -> str:
        self.counter += 1
        return f"_v{self.counter}"

    def const(self, value: Any) -> str:
        self.counter += 1
        name = f"_k{self.counter}"
        self.namespace[name] = value
        return name

    def name_of(self, value: Any) -> str:
        """A constant from the input, referenced by a name: the generated source then depends
        only on the expression's shape, so expressions that differ in constants share code."""
        key = (type(value), value) if type(value) is not float else (float, repr(value))
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = self.const(value)
            self.known[name] = type(value)
        return name

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def assign(self, text: str) -> str:
        name = self.temp()
        self.line(f"{name} = {text}")
        return name

    # ---- nodes ---------------------------------------------------------------------------
    def emit(self, node: ast.Expr) -> str:
        if DEEP_BRANCHES and fails_on_entry(node):
            return self.failing_branch()
        t = type(node)
        if t is ast.Literal:
            return self.literal(node.value)  # type: ignore[union-attr]
        if t is ast.Paren:
            return self.emit(node.expr)  # type: ignore[union-attr]
        if t is ast.AttrRef:
            return self.attr_ref(node)  # type: ignore[arg-type]
        if t is ast.Select:
            return self.select(node)  # type: ignore[arg-type]
        if t is ast.Binary:
            return self.binary(node)  # type: ignore[arg-type]
        if t is ast.Unary:
            operand = self.emit(node.operand)  # type: ignore[union-attr]
            return self.assign(f"_{_UNARY_NAMES[node.op]}({operand})")  # type: ignore[union-attr]
        if t is ast.Cond:
            return self.cond(node)  # type: ignore[arg-type]
        if t is ast.Elvis:
            return self.elvis(node)  # type: ignore[arg-type]
        if t is ast.Subscript:
            return self.subscript(node)  # type: ignore[arg-type]
        if t is ast.Call:
            return self.call(node)  # type: ignore[arg-type]
        if t is ast.ListExpr:
            return self.list_expr(node)  # type: ignore[arg-type]
        if t is ast.RecordExpr:
            return self.assign(f"_record({self.const(node)}, scope)")
        raise TypeError(f"not an expression node: {node!r}")

    def list_expr(self, node: ast.ListExpr) -> str:
        constants = [item for item in node.items if isinstance(item, ast.Literal)]
        if len(constants) == len(node.items):
            # a list of constants is one shared value (values are never changed in place)
            value = ListValue([item.value for item in constants])
            value.source = node
            return self.const(value)
        items = [self.list_item(item) for item in node.items]
        out = self.assign("_ListValue()")
        self.line(f"{out} += ({', '.join(items)},)")
        self.line(f"{out}.source = {self.const(node)}")
        return out

    def list_item(self, item: ast.Expr) -> str:
        """A list element, on its own: a failed one is ERROR (see evaluator.list_element)."""
        if type(item) is ast.Literal:
            return self.emit(item)
        out = self.temp()
        self.line("try:")
        self.indent += 1
        self.line(f"{out} = {self.emit(item)}")
        self.indent -= 1
        self.line("except RecursionError:")
        self.line(f"    {out} = _Error(_FAILED_ELEMENT)")
        return out

    def failing_branch(self) -> str:
        """A branch whose evaluation fails as it is entered (classad.depth.DEEP_BRANCHES)."""
        self.line('raise _Failed("a branch taken nests past the C++ evaluation depth limit")')
        return "_UNDEF"

    def literal(self, value: Any) -> str:
        if type(value) is bool:
            return repr(value)
        return self.name_of(value)

    def attr_ref(self, node: ast.AttrRef) -> str:
        if node.absolute:
            return self.assign(f"_chain(ctx.top_of(scope), {self.name_of(node.key)}, ctx)")
        key = node.key
        e = self.assign(f"_SE.get({self.name_of(key)})")
        out = self.temp()
        self.line(f"if type({e}) is _Literal: {out} = {e}.value")
        self.line(f"elif {e} is not None: {out} = _eval_in(scope, {self.name_of(key)}, {e}, ctx)")
        self.line(f"else: {out} = _unscoped(scope, {self.name_of(key)}, ctx)")
        return out

    def fast_ref(self, table: str, key: str, slow: str) -> str:
        """A reference whose common case is a literal attribute found in `table`."""
        e = self.assign(f"{table}.get({self.name_of(key)})")
        return self.assign(f"{e}.value if type({e}) is _Literal else {slow}")

    def select(self, node: ast.Select) -> str:
        base = node.base
        if type(base) is ast.AttrRef and not base.absolute and base.key == "target":
            self.uses_target = True
            return self.fast_ref("_TE", node.key, f"_target_attr(scope, ctx, {self.name_of(node.key)})")
        if type(base) is ast.AttrRef and not base.absolute and base.key == "my":
            self.uses_my = True
            return self.fast_ref("_ME", node.key, f"_my_attr(scope, ctx, {self.name_of(node.key)})")
        value = self.emit(base)
        return self.assign(f"_select({value}, {self.name_of(node.key)}, ctx)")

    def subscript(self, node: ast.Subscript) -> str:
        base = node.base
        while type(base) is ast.Paren:
            base = base.expr
        if type(base) is ast.ListExpr:
            index = self.emit(node.index)
            return self.assign(f"_pick({self.const(base.items)}, {index}, scope, ctx)")
        if type(base) is ast.AttrRef and not base.absolute:
            index = self.emit(node.index)
            return self.assign(f"_subscript_ref(scope, ctx, {self.name_of(base.key)}, {index})")
        value = self.emit(node.base)
        index = self.emit(node.index)
        return self.assign(f"_subscript({value}, {index}, ctx)")

    def binary(self, node: ast.Binary) -> str:
        spine: list[ast.Binary] = []
        cur: ast.Expr = node
        while type(cur) is ast.Binary:
            spine.append(cur)
            cur = cur.left
        acc = self.emit(cur)
        for b in reversed(spine):
            if b.op in ("&&", "||"):
                acc = self.logical(b.op, acc, b.right)
            else:
                acc = self.strict_binary(b, acc)
        return acc

    def strict_binary(self, b: ast.Binary, left: str) -> str:
        op = b.op
        right = self.emit(b.right)
        fn = f"_{_OP_NAMES[op]}"
        if op in _PLAIN_COMPARE:
            guard, test = self.plain_compare(op, left, right)
            if guard is None:
                return self.assign(test)
            if guard == "False":
                return self.assign(f"{fn}({left}, {right})")
            return self.assign(f"({test}) if {guard} else {fn}({left}, {right})")
        if op in ("+", "-", "*"):
            out = self.temp()
            self.line(f"if type({left}) is int and type({right}) is int:")
            self.line(f"    {out} = {left} {op} {right}")
            self.line(f"    if not _MIN <= {out} <= _MAX: {out} = _wrap({out})")
            self.line("else:")
            self.line(f"    {out} = {fn}({left}, {right})")
            return out
        return self.assign(f"{fn}({left}, {right})")

    def logical(self, op: str, left: str, right_node: ast.Expr) -> str:
        x = self.assign(f"{left} if type({left}) is bool else _truth({left})")
        out = self.temp()
        stop = "False" if op == "&&" else "True"
        go = "True" if op == "&&" else "False"
        self.line(f"if {x} is {stop} or type({x}) is _Error:")
        self.line(f"    {out} = {x}")
        self.line("else:")
        self.indent += 1
        right = self.emit(right_node)
        y = self.assign(f"{right} if type({right}) is bool else _truth({right})")
        self.line(f"if {x} is {go} or {y} is {stop} or type({y}) is _Error:")
        self.line(f"    {out} = {y}")
        self.line("else:")
        self.line(f"    {out} = _UNDEF")
        self.indent -= 1
        return out

    def cond(self, node: ast.Cond) -> str:
        test = self.emit(node.test)
        x = self.assign(f"{test} if type({test}) is bool else _truth({test})")
        out = self.temp()
        self.line(f"if {x} is True:")
        self.indent += 1
        self.line(f"{out} = {self.emit(node.then)}")
        self.indent -= 1
        self.line(f"elif {x} is False:")
        self.indent += 1
        self.line(f"{out} = {self.emit(node.orelse)}")
        self.indent -= 1
        self.line("else:")
        self.line(f"    {out} = {x}")
        return out

    def elvis(self, node: ast.Elvis) -> str:
        out = self.assign(self.emit(node.left))
        self.line(f"if {out} is _UNDEF:")
        self.indent += 1
        self.line(f"{out} = {self.emit(node.right)}")
        self.indent -= 1
        return out

    def call(self, node: ast.Call) -> str:
        from classad.functions import eager_function

        found = eager_function(node.key, len(node.args))
        if found is None:
            return self.assign(f"_call({self.name_of(node.key)}, {self.const(node.args)}, scope, ctx)")
        args = [self.emit(a) for a in node.args]
        return self.assign(f"{self.const(found)}([{', '.join(args)}])")
