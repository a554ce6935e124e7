"""The expression language: what it accepts (and that it computes exactly what the Python API
computes), what it rejects (naming what and where), its limits, and fuzzing with hypothesis."""

from __future__ import annotations

import math
import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
from autodiff import Value
from autodiff.verify.expressions import MAX_DEPTH, MAX_LENGTH, EvaluationError, ExpressionError, parse


def grads(text: str, **values: float) -> tuple[float, dict[str, float]]:
    leaves = {n: Value(v, label=n) for n, v in values.items()}
    out = parse(text).evaluate(leaves)
    out.backward()
    return out.data, {n: v.grad for n, v in leaves.items()}


def test_the_cs231n_example():
    value, g = grads("(x+y)*z", x=-2, y=5, z=-4)
    assert value == -12.0 and g == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_names_are_sorted_free_variables_and_constants_are_not_names():
    e = parse("w1*x1 + w0*x0 + b + pi*e")
    assert e.names == ("b", "w0", "w1", "x0", "x1")
    assert parse("2*pi").evaluate({}).data == 2 * math.pi
    assert parse("e").evaluate({}).data == math.e
    assert parse("3").names == () and parse("3").evaluate().data == 3.0


def test_every_function_with_its_arity_matches_the_engine():
    x, y = 0.7, -0.4
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs", "sin", "cos"):
        value, g = grads(f"{name}(x)", x=x)
        leaf = Value(x)
        out = getattr(leaf, name)()
        out.backward()
        assert (value, g["x"]) == (out.data, leaf.grad), name
    for name in ("max", "min"):
        value, g = grads(f"{name}(x, y)", x=x, y=y)
        a, b = Value(x), Value(y)
        out = getattr(autodiff, name)(a, b)
        out.backward()
        assert (value, g["x"], g["y"]) == (out.data, a.grad, b.grad), name


def test_the_functions_are_the_rules_rows_call_names_and_make_nodes_of_that_row():
    """A function's name lives in its rules row (``call``); its arity comes from the row's kind (and
    the engine's defaults: leaky_relu's slope is optional); each call makes a node of that very row."""
    from autodiff.rules import Binary, Nary, Unary
    from autodiff.verify.expressions import FUNCTIONS

    calls = {row.call: (key, row) for key, row in autodiff.RULES.items() if row.call}
    assert set(FUNCTIONS) == {*calls, "mean"}
    for name, (key, row) in calls.items():
        args = {Unary: ["x"], Binary: ["x", "y"], Nary: ["x", "y", "x"]}[type(row)]
        out = parse(f"{name}({', '.join(args)})").evaluate({"x": 0.7, "y": 0.4})
        assert out.rule == key and out.row is row and out.data == row.forward(*(o.data for o in out.operands))
        kind = {Unary: (1, 1), Binary: (2, 2), Nary: (1, None)}[type(row)]
        assert FUNCTIONS[name] == ((1, 2) if name == "leaky_relu" else kind)
    assert parse("leaky_relu(x)").evaluate({"x": -2.0}).data == Value(-2.0).leaky_relu().data == -0.02
    mean = parse("mean(x, 2, y)").evaluate({"x": 0.7, "y": 0.4})
    assert mean.data == (autodiff.sum([Value(0.7), 2.0, Value(0.4)]) / 3).data


def test_numbers_stay_numbers_as_in_python():
    x = Value(1.5)
    out = parse("2*3*x").evaluate({"x": x})
    assert out.parents == (x,) and out.constant == 6.0  # 2*3 folded, as Python computes it
    out = parse("x*2").evaluate({"x": x})
    assert out.op == "mul" and out.parents == (x,)
    out = parse("2-x").evaluate({"x": x})
    assert out.op == "rsub" and out.data == 0.5
    assert parse("-x").evaluate({"x": x}).op == "neg"
    assert parse("+x").evaluate({"x": x}) is x  # unary plus is the identity


def test_given_values_are_used_so_their_grads_accumulate():
    x = Value(3.0)
    out = parse("x*x").evaluate({"x": x})
    out.backward()
    assert x.grad == 6.0
    numbers = parse("x*y").evaluate({"x": 2.0, "y": 5.0})  # numbers become labelled leaves
    assert sorted(p.label for p in numbers.parents) == ["x", "y"]
    assert parse("x*y")(x=2.0, y=5.0).data == 10.0


def test_whitespace_tabs_and_newlines_are_spaces():
    assert parse("(x +\n\ty)\n* 2 ").evaluate({"x": 1.0, "y": 2.0}).data == 6.0


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x.__class__", "unsupported syntax at column 2: attribute access", 2),
        ("exp(x).real", "unsupported syntax at column 7: attribute access", 7),
        ("__import__('os').system('true')", "attribute access", 17),
        ("__import__('os')", "unknown function at column 1: '__import__'", 1),
        ("open('/etc/passwd')", "unknown function at column 1: 'open'", 1),
        ("(lambda: 1)()", "unsupported syntax at column 2: lambda", 2),
        ("[x for x in y]", "unsupported syntax at column 1: list comprehension", 1),
        ("x[0]", "unsupported syntax at column 2: subscript", 2),
        ("x if x else y", "conditional expression", 1),
        ("x; y", "invalid syntax at column 2: unexpected ';'", 2),
        ("x = 1", "invalid syntax at column 3: unexpected '='", 3),
        ("exp(x=1)", "unsupported syntax at column 5: keyword argument in exp(...)", 5),
        ("exp(x, y)", "wrong number of arguments at column 1: exp takes 1 argument, got 2", 1),
        ("max(x)", "max takes 2 arguments, got 1", 1),
        ("exp(*x)", "starred argument in exp(...)", 5),
        ("1 + exp", "function used as a value at column 5", 5),
        ("x % 2", "operator '%'", 3),
        ("x // 2", "operator '//'", 3),
        ("~x", "operator '~'", 1),
        ("not x", "operator 'not'", 1),
        ("x < y", "comparison", 1),
        ("x and y", "'and'/'or'", 1),
        ("'a'", "string", 1),
        ("b'a'", "bytes", 1),
        ("f'{x}'", "f-string", 1),
        ("True", "True/False", 1),
        ("None", "unsupported syntax at column 1: None", 1),
        ("1 + 2j", "complex number", 5),
        ("x, y", "tuple", 1),
        ("{x}", "set", 1),
        ("(y := 2)", "assignment expression", 2),
        ("__class__", "the name '__class__'", 1),
        ("1e999", "number too large at column 1", 1),
        ("9" * 5000, "number too long", 1),
        ("x +", "missing operand at column 3", 3),
        ("x + (y", "unclosed '(' at column 5", 5),
        ("x)", "unmatched ')' at column 2", 2),
        ("x y", "invalid syntax at column 3: unexpected 'y'", 3),
        ("", "empty expression", None),
        ("   ", "empty expression", None),
    ],
)
def test_rejections_name_what_and_where(text, message, column):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("ｘ + 1", 1, "U+FF58 FULLWIDTH LATIN SMALL LETTER X"),
        ("x + у", 5, "U+0443 CYRILLIC SMALL LETTER U"),  # looks like y
        ("2 × x", 3, "U+00D7 MULTIPLICATION SIGN"),
        ("x − 1", 3, "U+2212 MINUS SIGN"),
        ("σ(x)", 1, "GREEK SMALL LETTER SIGMA"),
    ],
)
def test_non_ascii_look_alikes_are_rejected_not_normalised(text, column, fragment):
    with pytest.raises(ExpressionError, match="non-ASCII character") as info:
        parse(text)
    assert info.value.column == column and fragment in str(info.value)


def test_control_characters_and_nul_bytes():
    for text, col in [("x\0y", 2), ("x\x1b[2J", 2), ("x\x7f", 2)]:
        with pytest.raises(ExpressionError, match=f"control character U\\+00.. at column {col}"):
            parse(text)


def test_length_and_nesting_limits():
    with pytest.raises(ExpressionError, match="expression too long"):
        parse("x" * (MAX_LENGTH + 1))
    deepest = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert parse(deepest).evaluate({"x": 2.0}).data == 2.0
    for n in (MAX_DEPTH + 1, 50_000):
        with pytest.raises(ExpressionError, match=f"nesting too deep at column {MAX_DEPTH + 1}"):
            parse("(" * n + "x" + ")" * n)
    with pytest.raises(ExpressionError, match="nesting too deep"):
        parse("[" * 5000 + "]" * 5000)


def test_long_chains_without_a_top_level_sum_get_the_limit_message():
    for text in ("x*" * 20_000 + "x", "-" * 20_000 + "x", "x**" * 20_000 + "x"):
        with pytest.raises(ExpressionError, match="expression too complex at column 1"):
            parse(text)


def python_chain(terms: list[tuple[str, float]], x: Value) -> Value:
    """The Python API's left-to-right sum of c·x terms (what the parser must reproduce)."""
    out = x * terms[0][1]
    for op, c in terms[1:]:
        out = out + x * c if op == "+" else out - x * c
    return out


def test_long_flat_sums_work_term_by_term_left_to_right():
    n = 50_000
    value, g = grads("+".join(["x"] * n), x=1.5)
    assert value == 1.5 * n and g["x"] == n
    terms = [("+" if i % 3 else "-", float(i % 7 + 1)) for i in range(12_345)]
    text = " ".join(f"{op} x*{c:g}" for op, c in terms)[2:]  # drop the first sign: "x*1 - x*2 + ..."
    terms[0] = ("+", terms[0][1])
    x = Value(0.37)
    mine = parse(text).evaluate({"x": x})
    mine.backward()
    y = Value(0.37)
    ref = python_chain(terms, y)
    ref.backward()
    assert mine.data == ref.data and x.grad == y.grad  # the same float operations in the same order


def test_errors_in_a_long_sum_point_at_the_right_column():
    text = "x+" * 1200 + "x.y"
    with pytest.raises(ExpressionError, match="attribute access") as info:
        parse(text)
    assert info.value.column == text.index(".") + 1
    text = "x+" * 1200 + "x $ 2"
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == text.index("$") + 1


def test_exponent_signs_and_keywords_do_not_split_terms():
    assert parse("1e-5 + x").evaluate({"x": 0.0}).data == 1e-5
    assert parse("2.5E+3").evaluate().data == 2500.0
    long_sum = " + ".join(["1e-3"] * 1500) + " - 0x1e-1"  # hexadecimal 0x1e = 30, then minus 1
    assert parse(long_sum).evaluate().data == pytest.approx(1.5 - 30 - 1, rel=1e-12)
    with pytest.raises(ExpressionError, match="conditional"):
        parse("x if y else -z" + " + x" * 1500)


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("log(-1)", "log(...) at column 1: log needs x > 0, got x = -1.0", 1),
        ("log(x - 3)", "log(...) at column 1: log needs x > 0", 1),
        ("sqrt(-x)", "sqrt(...) at column 1: sqrt needs x >= 0", 1),
        ("1 / (x - 2)", "'/' at column 3: division by zero", 3),
        ("9**9**9", "'**' at column 2: pow overflow", 2),
        ("exp(1000)", "exp(...) at column 1: exp overflow", 1),
        ("x * 1e307 * 100", "'*' at column 11: mul overflow: 2e+307 × 100.0 is beyond the float range", 11),
        ("1e308 * 10", "'*' at column 7: mul overflow: 1e+308 × 10.0 is beyond the float range", 7),
        ("(-8) ** (1/3)", "'**' at column 6: pow: a negative base needs an integer exponent", 6),
        ("0 ** -1", "'**' at column 3: pow: 0 cannot be raised to a negative power", 3),
    ],
)
def test_evaluation_errors_name_the_operation_and_column(text, fragment, column):
    with pytest.raises(EvaluationError) as info:
        parse(text).evaluate({"x": 2.0})
    assert fragment in str(info.value) and info.value.column == column
    assert isinstance(info.value, ExpressionError)


def test_unknown_names_list_the_names_given():
    with pytest.raises(ExpressionError, match=r"unknown name at column 3: 'w' \(the names given are: x, y\)"):
        parse("x*w + y").evaluate({"x": 1.0, "y": 2.0})
    with pytest.raises(ExpressionError, match=r"the names given are: none"):
        parse("w").evaluate({})


def test_messages_about_names_stay_short():
    many = {f"v{i}": 1.0 for i in range(100_000)}
    with pytest.raises(ExpressionError) as info:  # the message listed all 100,000 names given
        parse("w").evaluate(many)
    assert len(str(info.value)) < 300 and str(info.value).endswith(", … (99,990 more))")
    with pytest.raises(ExpressionError) as info:
        parse("a" * 100_000).evaluate({})
    assert str(info.value).startswith(f"unknown name at column 1: '{'a' * 40}…' (100,000 characters)")
    e = parse("+".join(many))
    assert e.names == tuple(sorted(many)) and "v99999" in e.names and "w" not in e.names


def test_not_a_string():
    with pytest.raises(TypeError, match="must be a str, got int"):
        parse(3)


# ---- fuzzing -------------------------------------------------------------------------------------
def _try(text: str) -> None:
    """Parsing and evaluating ``text`` either works or raises ExpressionError: nothing else."""
    try:
        e = parse(text)
        e.evaluate({n: 0.5 for n in e.names})
    except ExpressionError:
        pass


@given(st.text(max_size=60))
def test_fuzz_any_text_raises_only_expression_errors(text):
    _try(text)


@given(st.text(alphabet="xyz+-*/(),.e0123456789 _abcgilmnoprstqw=[]'\"%:;", max_size=40))
def test_fuzz_formula_like_text_raises_only_expression_errors(text):
    _try(text)


UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs", "sin", "cos", "-"]
BINARY = ["+", "-", "*", "/", "**", "max", "min"]
leaf = st.one_of(st.sampled_from(["x", "y", "z"]), st.integers(0, 9).map(str), st.sampled_from(["0.5", "2.5", "pi"]))
trees = st.recursive(
    leaf,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(UNARY), sub),
        st.tuples(st.sampled_from(BINARY), sub, sub),
    ),
    max_leaves=12,
)


def to_text(t) -> str:
    if isinstance(t, str):
        return t
    if len(t) == 2:
        return f"(-{to_text(t[1])})" if t[0] == "-" else f"{t[0]}({to_text(t[1])})"
    op, a, b = t
    if op in ("max", "min"):
        return f"{op}({to_text(a)}, {to_text(b)})"
    return f"({to_text(a)} {op} {to_text(b)})"


def python_api(t, env: dict[str, Value]):
    """The same formula written with the Python API: numbers stay plain floats, as a user writes
    them. An intermediate result that is not a finite float is an error here, as in the parser."""
    if isinstance(t, str):
        return env[t] if t in env else (math.pi if t == "pi" else float(t))
    if len(t) == 2:
        a = python_api(t[1], env)
        if t[0] == "-":
            out = -a
        elif isinstance(a, Value):
            out = getattr(a, t[0])()
        else:  # a function of a number is a number
            out = autodiff.RULES[t[0]].forward(a)
    else:
        op, a, b = t[0], python_api(t[1], env), python_api(t[2], env)
        if op in ("max", "min"):
            out = getattr(autodiff, op)(a, b)
            out = out if isinstance(a, Value) or isinstance(b, Value) else out.data
        else:
            out = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}[
                op
            ](a, b)
    data = out.data if isinstance(out, Value) else out
    if not (isinstance(data, float) and math.isfinite(data)):
        raise OverflowError(f"not a finite float: {data!r}")
    return out


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@given(trees, st.floats(-3, 3), st.floats(-3, 3), st.floats(0.1, 3))
def test_fuzz_well_formed_expressions_agree_with_the_python_api(tree, x, y, z):
    text = to_text(tree)
    env = {"x": Value(x), "y": Value(y), "z": Value(z)}
    mine = {n: Value(v.data) for n, v in env.items()}
    expr = parse(text)
    try:
        expected = python_api(tree, env)
    except (ArithmeticError, ValueError, TypeError):  # domain errors, overflow, complex numbers
        with pytest.raises(ExpressionError):
            expr.evaluate(mine)
        return
    out = expr.evaluate(mine)
    if isinstance(expected, Value):
        expected.backward()
        out.backward()
        assert out.data == expected.data, text
    else:
        assert out.data == expected and out.is_leaf, text
    for n, v in env.items():
        assert same(mine[n].grad, v.grad), (text, n)
