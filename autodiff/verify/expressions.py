"""A small, safe expression language for the ``autodiff`` command and for ``check_formula``.

``parse("(x + y) * z")`` reads a formula with Python's ``ast`` and keeps only a whitelist:
numbers, names, ``+ - * / **``, unary minus (and plus), parentheses, calls of the engine's
functions (each rules row's ``call`` name, ``exp(x)``, ``max(a, b)``, ``sum(x, y, ...)``: a unary row
takes one argument, a binary row two (an argument the engine gives a default, such as
``leaky_relu``'s slope, is optional), an n-ary row one or more; and ``mean`` = ``sum(...)/n``) and
the constants ``pi`` and ``e``. Learners' habits get a hint: ``x^2`` (use ``**``), ``2x`` (write ``2*x``). Nothing is ever passed to ``eval``/``exec``/``compile``
as code: the tree is turned into a list of instructions (postfix order) that ``evaluate`` runs on a
stack, without recursion, with the engine's own operations. Every rejection is an
``ExpressionError`` naming what was rejected and its column (1-based).

Limits, checked on the raw text before Python's parser sees it: length, non-ASCII look-alikes and
control characters, bracket nesting. A flat sum of many terms (``x + x + ... + x``) is split at its
top-level ``+``/``−`` and parsed in chunks of terms, so it works however long it is (within the length
limit). Numbers are floats: ``9**9**9`` is an overflow message, never a huge integer.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping

from ..engine import Value
from .expression_functions import FUNCTIONS, _call
from .expression_text import (
    MAX_DEPTH,
    MAX_LENGTH,
    SPACES,
    EvaluationError,
    ExpressionError,
    check_characters,
    listing,
    quoted,
    syntax_error,
    top_level_terms,
)

CHUNK_TERMS = 500  # a sum with more top-level terms than this is parsed this many terms at a time



CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_BINARY = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
}
_OTHER_OPERATORS = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}  # fmt: skip
_SYNTAX_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Slice: "slice",
    ast.Lambda: "lambda", ast.IfExp: "conditional expression (... if ... else ...)",
    ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    ast.Compare: "comparison", ast.BoolOp: "'and'/'or'", ast.List: "list", ast.Tuple: "tuple (a comma)",
    ast.Dict: "dict", ast.Set: "set", ast.JoinedStr: "f-string", ast.FormattedValue: "f-string",
    ast.NamedExpr: "assignment expression (:=)", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Starred: "starred argument (*)",
}  # fmt: skip

# Instructions (postfix): (NUM, value, col) (VAR, name, col) (NEG, None, col)
# (BIN, (symbol, function), col) (CALL, (name, n_args), col)
NUM, VAR, NEG, BIN, CALL = range(5)


class Names(tuple):
    """The sorted free variables of an expression: a tuple whose ``in`` is a set lookup, so that
    checking n names against an expression of m names costs n + m, not n·m."""

    def __new__(cls, names: Iterable[str]) -> Names:  # noqa: PYI034 - typing.Self needs 3.11
        self = super().__new__(cls, names)
        self._set = frozenset(self)
        return self

    def __contains__(self, name: object) -> bool:
        return name in self._set


class Expression:
    """A parsed formula: ``names`` (its free variables, sorted) and ``evaluate(values)``."""

    __slots__ = ("_program", "names", "text")

    def __init__(self, text: str, program: list[tuple], names: Iterable[str]) -> None:
        self.text = text
        self._program = program
        self.names = names if isinstance(names, Names) else Names(names)

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"Expression({shown!r})"

    def __str__(self) -> str:
        return self.text

    def evaluate(self, values: Mapping[str, float | Value] | None = None) -> Value:
        """The formula's Value, built with the engine's operations from ``values`` (a number
        becomes a new leaf labelled with its name; a Value is used as it is)."""
        values = {} if values is None else values
        leaves: dict[str, Value] = {}
        for name in self.names:
            if name not in values:
                col = next(c for kind, arg, c in self._program if kind == VAR and arg == name)
                given = listing(sorted(values)) or "none"
                raise ExpressionError(
                    f"unknown name at column {col}: {quoted(name)} (the names given are: {given})", col, self.text
                )
            v = values[name]
            leaves[name] = v if isinstance(v, Value) else Value(v, label=name)
        out = _run(self._program, leaves, self.text)
        return out if isinstance(out, Value) else Value(out)

    def __call__(self, **values: float | Value) -> Value:
        return self.evaluate(values)


def parse(text: str) -> Expression:
    """Read a formula of the language into an ``Expression``; ``ExpressionError`` if it is not one."""
    if not isinstance(text, str):
        raise TypeError(f"an expression must be a str, got {type(text).__name__}")
    check_characters(text)
    text = text.translate(SPACES)  # tabs and newlines become spaces: columns stay as they were
    if not text.strip():
        raise ExpressionError("empty expression", None, text)
    terms = top_level_terms(text)
    program: list[tuple] = []
    if terms is None or len(terms) <= CHUNK_TERMS:
        _compile(text, 0, text, program)
    else:
        # A long flat sum, whose left-deep tree Python's parser cannot build: parse it in chunks of
        # terms. A later chunk is read as "_ + t + t ...", where "_" stands for the sum so far (it
        # replaces the character before the chunk's first operator, so the columns stay right); its
        # instruction is dropped, and the terms are added on, left to right, exactly as in Python.
        _compile(text[: terms[CHUNK_TERMS - 1][2]], 0, text, program)
        for k in range(CHUNK_TERMS, len(terms), CHUNK_TERMS):
            first_op, end = terms[k][0], terms[min(k + CHUNK_TERMS, len(terms)) - 1][2]
            chunk: list[tuple] = []
            _compile("_" + text[first_op:end], first_op - 1, text, chunk)
            assert chunk[0][:2] == (VAR, "_"), chunk[0]
            program += chunk[1:]
    return Expression(text, program, Names(sorted({arg for kind, arg, _ in program if kind == VAR})))


_NAME_RULE = "a name is ASCII letters, digits and _, not starting with a digit"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_]")


def check_variable(name: str) -> None:
    """Refuse a name the language cannot use as a variable, saying why (ExpressionError): not an
    ASCII identifier, a Python keyword (``if``, ``None``, ``True``), a ``__dunder__``, a function
    or a constant of the language."""
    if not isinstance(name, str):
        raise TypeError(f"a name must be a str, got {type(name).__name__}")
    if _IDENTIFIER.fullmatch(name) is None:
        if not name:
            raise ExpressionError(f"an empty name ({_NAME_RULE})")
        bad = _NOT_NAME_CHAR.search(name)
        if bad is None:
            raise ExpressionError(f"{quoted(name)} is not a name: it starts with a digit ({_NAME_RULE})")
        c = bad.group()
        what = repr(c) if c.isascii() else f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"
        raise ExpressionError(f"{quoted(name)} is not a name: {what} at position {bad.start() + 1} ({_NAME_RULE})")
    if keyword.iskeyword(name):
        raise ExpressionError(f"{name!r} is a Python keyword, which the language cannot use as a name")
    if name.startswith("__"):
        raise ExpressionError(f"{quoted(name)} starts with '__', which the language refuses in names")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is a function of the language, not a variable")
    if name in CONSTANTS:
        raise ExpressionError(f"{name!r} is the constant {CONSTANTS[name]!r}, not a variable")


def _compile(piece: str, start: int, text: str, program: list[tuple]) -> None:
    """Parse ``piece``, found at index ``start`` of ``text``, with ``ast`` and append its
    whitelisted postfix instructions (columns count in ``text``)."""
    stripped = piece.lstrip(" ")  # Python reads leading spaces as an indent
    start += len(piece) - len(stripped)
    piece = stripped
    try:
        with warnings.catch_warnings():  # "1if x" makes Python warn on stderr before its error
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(piece, mode="eval")
    except SyntaxError as err:
        col = start + (err.offset or 1)
        raise syntax_error(err.msg, col, text, FUNCTIONS) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"expression too complex at column {start + 1}: too many operators nested or chained "
            "for Python's parser (split the formula, or add parentheses)",
            start + 1,
            text,
        ) from None
    _whitelist(tree.body, start, text, program)


def _whitelist(root: ast.AST, offset: int, text: str, program: list[tuple]) -> None:
    """Walk the tree without recursion (a left-deep sum may be thousands deep), rejecting anything
    outside the language and emitting each accepted node after its operands (postfix)."""
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    emit = program.append
    while stack:
        node, operands_done = stack.pop()
        col = getattr(node, "col_offset", 0) + offset + 1
        t = type(node)
        if t is ast.BinOp:
            if type(node.op) not in _BINARY:
                symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
                hint = " (use ** for powers: x**2)" if symbol == "^" else ""
                _reject(f"operator {symbol!r}{hint}", _operator_column(node, symbol, offset, text), text)
            if operands_done:
                spec = _BINARY[type(node.op)]
                emit((BIN, spec, _operator_column(node, spec[0], offset, text)))
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        elif t is ast.UnaryOp:
            if type(node.op) is ast.USub:
                if operands_done:
                    emit((NEG, None, col))
                else:
                    stack += [(node, True), (node.operand, False)]
            elif type(node.op) is ast.UAdd:
                stack.append((node.operand, False))  # +x is x
            else:
                _reject(f"operator {_OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)!r}", col, text)
        elif t is ast.Call:
            if operands_done:
                emit((CALL, (node.func.id, len(node.args)), col))
            else:
                _check_call(node, col, offset, text)
                stack.append((node, True))
                stack += [(a, False) for a in reversed(node.args)]
        elif t is ast.Name:
            emit(_name(node.id, col, text))
        elif t is ast.Constant:
            emit((NUM, _number(node.value, col, text), col))
        else:
            _reject_node(node, offset, text)


def _operator_column(node: ast.BinOp, symbol: str, offset: int, text: str) -> int:
    """The column of a binary node's operator: between its operands, past spaces and brackets."""
    gap_start = node.left.end_col_offset + offset
    gap = text[gap_start : node.right.col_offset + offset]
    i = gap.find(symbol)
    return gap_start + (i if i >= 0 else 0) + 1


def _reject_node(node: ast.AST, offset: int, text: str):
    t = type(node)
    if t is ast.Attribute or t is ast.Subscript:  # point at the "." or the "["
        col = node.value.end_col_offset + offset + 1
    else:
        col = node.col_offset + offset + 1
    what = _SYNTAX_NAMES.get(t, "a call of something that is not a function name")
    if t not in _SYNTAX_NAMES and t in (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call):  # 2(x+1), (x+1)(x-1)
        what += " (multiplication is never implied: write 2*(x+1), (x+1)*(x-1))"
    _reject(what, col, text)


def _reject(what: str, col: int, text: str):
    raise ExpressionError(f"unsupported syntax at column {col}: {what}", col, text)


def _check_call(node: ast.Call, col: int, offset: int, text: str) -> None:
    func = node.func
    if type(func) is not ast.Name:
        _reject_node(func, offset, text)
    name = func.id
    if name not in FUNCTIONS:
        known = ", ".join(FUNCTIONS)
        raise ExpressionError(
            f"unknown function at column {col}: {quoted(name)} (the functions are: {known})", col, text
        )
    if node.keywords:
        kw = node.keywords[0]
        kcol = kw.col_offset + offset + 1
        _reject(f"keyword argument in {name}(...)" if kw.arg else f"'**' argument in {name}(...)", kcol, text)
    for a in node.args:
        if type(a) is ast.Starred:
            _reject(f"starred argument in {name}(...)", a.col_offset + offset + 1, text)
    low, high = FUNCTIONS[name]
    if not low <= len(node.args) <= (len(node.args) if high is None else high):
        want = f"{low}" if low == high else f"{low} or more" if high is None else f"{low} or {high}"
        plural = "argument" if want == "1" else "arguments"
        raise ExpressionError(
            f"wrong number of arguments at column {col}: {name} takes {want} {plural}, got {len(node.args)}",
            col,
            text,
        )


def _name(name: str, col: int, text: str) -> tuple:
    if name in CONSTANTS:
        return (NUM, CONSTANTS[name], col)
    if name in FUNCTIONS:
        raise ExpressionError(f"function used as a value at column {col}: call it, as in {name}(x)", col, text)
    if keyword.iskeyword(name) or name.startswith("__"):
        _reject(f"the name {quoted(name)}", col, text)
    return (VAR, name, col)


def _number(value, col: int, text: str) -> float:
    t = type(value)
    if t is float or t is int:
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise ExpressionError(f"number too large at column {col}: beyond the float range (~1.8e308)", col, text)
        return x
    what = {str: "string", bytes: "bytes", bool: "True/False", complex: "complex number"}.get(t, repr(value))
    _reject(what, col, text)
    return 0.0  # not reached


def _run(program: list[tuple], leaves: dict[str, Value], text: str) -> Value | float:
    """Evaluate the postfix program on a stack. Numbers stay plain floats (so ``x * 2`` is one
    node, as in Python); an operation on two numbers is computed by the engine on a temporary
    Value, so that its domain checks and error messages apply."""
    stack: list = []
    push, pop = stack.append, stack.pop
    kind, arg, col = NUM, None, 0
    try:
        for kind, arg, col in program:
            if kind == NUM:
                push(arg)
            elif kind == VAR:
                push(leaves[arg])
            else:
                if kind == BIN:
                    b = pop()
                    a = pop()
                    out = arg[1](a, b) if isinstance(a, Value) or isinstance(b, Value) else arg[1](Value(a), b).data
                elif kind == NEG:
                    out = -pop()
                else:
                    name, n = arg
                    args = stack[-n:]
                    del stack[-n:]
                    out = _call(name, args)
                x = out.data if isinstance(out, Value) else out
                if x - x != 0.0:
                    raise OverflowError(f"the result, {x!r}, is outside the float range (~1.8e308)")
                push(out)
    except (ArithmeticError, ValueError) as err:
        what = {BIN: lambda: f"{arg[0]!r}", NEG: lambda: "unary '-'", CALL: lambda: f"{arg[0]}(...)"}[kind]()
        raise EvaluationError(f"{what} at column {col}: {err}", col, text) from err
    assert len(stack) == 1, stack
    return stack[0]


__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "EvaluationError", "Expression", "ExpressionError",
           "Names", "check_variable", "parse"]  # fmt: skip
