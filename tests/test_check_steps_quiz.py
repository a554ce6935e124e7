"""``autodiff check-steps`` and ``autodiff quiz`` end to end (exit 0 all right, 1 a mistake, 2 bad
input with a one-line message, never a traceback), and ``autodiff.quiz`` in Python."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import autodiff
from autodiff import Value

ADD_MUL = ["(x+y)*z", "x=-2", "y=5", "z=-4"]  # seed 001 §三: ∂f/∂q = ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, input=stdin, timeout=120)


def assert_user_error(p: subprocess.CompletedProcess, fragment: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and fragment in p.stderr, p.stderr
    assert len([line for line in p.stderr.splitlines() if "error" in line]) == 1, p.stderr


# ---- check-steps ---------------------------------------------------------------------------------------------
def test_check_steps_all_right_exits_0():
    p = run("check-steps", *ADD_MUL, "q=x+y", "--grad", "q=-4", "--grad", "x=-4", "--grad", "y=-4", "--grad", "z=3",
            "--grad", "f=1")  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "✓ all 5 of your values agree" in p.stdout


def test_check_steps_names_the_first_wrong_step_and_exits_1(tmp_path):
    p = run("check-steps", *ADD_MUL, "q=(x+y)", "--grad", "q=-4", "--grad", "x=1", "--draw", str(tmp_path / "g.svg"))
    assert p.returncode == 1, p.stderr
    assert "first wrong step: x (chain forgotten)" in p.stdout and "∂f/∂q = -4" in p.stdout
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "chain forgotten" in svg


def test_check_steps_inner_nodes_by_name_in_the_expression_by_drawing_name_and_commuted():
    used = run("check-steps", "q*z", "q=x+y", "x=-2", "y=5", "z=-4", "--grad", "q=-4")
    drawn = run("check-steps", *ADD_MUL, "--grad", "v1=-4", "--local", "f/z=3", "--local", "v1/x=1")
    swapped = run("check-steps", *ADD_MUL, "s=y+x", "--grad", "s=4")
    assert used.returncode == 0 and drawn.returncode == 0, (used.stderr, drawn.stderr)
    assert swapped.returncode == 1 and "first wrong step: s (sign flipped)" in swapped.stdout
    p = run("check-steps", "(x+y)*x", "x=-2", "y=5", "q=x+y", "--grad", "q=-2", "--grad", "x=-2")
    assert p.returncode == 1 and "missing path" in p.stdout and "through q" in p.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([*ADD_MUL, "--grad", "w=-4"], "--grad: no node is named 'w'"),
        ([*ADD_MUL, "--grad", "q=-4"], "no node is named 'q'"),
        ([*ADD_MUL, "q=y+z", "--grad", "q=-4"], "is not a node of the expression"),
        ([*ADD_MUL, "q=x+y", "--grad", "q=minus"], "a --grad value must be a number"),
        ([*ADD_MUL, "--grad", "x=1", "--grad", "x=2"], "given twice"),
        ([*ADD_MUL], "give your gradients"),
        (["(x+y)*z", "x=-2", "y=5", "--grad", "x=1"], "no value for z"),
        ([*ADD_MUL, "q=x+w", "--grad", "x=1"], "uses w"),
        ([*ADD_MUL, "--local", "qx=1"], "CHILD/PARENT"),
        ([*ADD_MUL, "--local", "f/x=1"], "x is not an input of f"),
        (["(x+y)*z(", "x=1"], "column 8"),
        (["(x+y)*(x+y)", "x=1", "y=2", "q=x+y", "--grad", "q=1"], "matches 2 nodes"),
        (["__import__('os')", "--grad", "x=1"], "'__import__'"),
        ([*ADD_MUL, "q=x.__class__", "--grad", "x=1"], "unsupported syntax"),
    ],
)
def test_check_steps_bad_input_exits_2_with_one_line(args, fragment):
    assert_user_error(run("check-steps", *args), fragment)


def test_check_steps_and_quiz_have_help_naming_the_syntax():
    for cmd in ("check-steps", "quiz"):
        p = run(cmd, "--help")
        assert p.returncode == 0 and "q='x+y'" in p.stdout and "v1, v2" in p.stdout


# ---- quiz through standard input ----------------------------------------------------------------------------
def test_quiz_all_right_exits_0():
    # backward order: z, q, y, x
    p = run("quiz", *ADD_MUL, "q=x+y", stdin="3\n-4\n-4\n-4\n")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("✓ right") == 4 and "score: 4 of 4 right" in p.stdout


def test_quiz_wrong_answers_get_the_hint_and_exit_1():
    p = run("quiz", *ADD_MUL, "q=x+y", stdin="-4\n-4\nhello\n1\n-8/2\n")
    assert p.returncode == 1, p.stderr
    out = p.stdout
    assert "✗ wrong: ∂f/∂z is 3, yours -4" in out and "mul's operands swapped" in out
    assert "type a number such as -4 or 1/2" in out  # "hello" asked again
    assert "chain forgotten" in out and "score: 2 of 4 right" in out


def test_quiz_input_ending_early_exits_2():
    p = run("quiz", *ADD_MUL, stdin="3\n")
    assert_user_error(p, "standard input ended after 1 of 4 answers")
    assert_user_error(run("quiz", "-", stdin="x*y"), "reads its answers from standard input")


# ---- autodiff.quiz in Python ---------------------------------------------------------------------------------
def test_quiz_in_python_scores_and_hints_and_leaves_the_graph():
    x = Value(1.0, label="z")
    s = x.sigmoid()
    s.label = "<s>"
    L = s * 3.0
    L.label = "L"
    L.backward()
    before = [(v.grad, v.data) for v in autodiff.topological_order(L)]
    q = autodiff.quiz(L)
    assert [q.names[v] for v in q.questions] == ["<s>", "z"] and q.question is s
    assert q.answer("<s>", "3").ok
    sigma = 1 / (1 + math.exp(-1.0))
    wrong = q.answer("z", 3 * sigma)
    assert not wrong.ok and wrong.hint.kind == "value for derivative"
    assert q.score == (1, 2) and q.question is None
    html = q.static_html()
    assert "&lt;s&gt;" in html and "<s>" not in html and "score: 1 of 2 right" in html
    assert "score: 1 of 2" in str(q)
    assert [(v.grad, v.data) for v in autodiff.topological_order(L)] == before
    with pytest.raises(ValueError, match="is given"):
        q.answer("L", 1.0)
    with pytest.raises(ValueError, match="not a number"):
        q.answer("z", "3 +")


def test_quiz_widget_builds_and_answers():
    pytest.importorskip("ipywidgets")
    f = Value(2.0, label="a") * Value(3.0, label="b")
    q = autodiff.quiz(f)
    box = q.widget()
    text, button = box.children[2].children
    text.value = "3"  # ∂f/∂b = a... order is b then a: ∂f/∂b = 2
    button.click()
    assert q.answers and not next(iter(q.answers.values())).ok
    text.value = "3"
    button.click()
    assert q.score == (1, 2) and "score: 1 of 2" in box.children[1].value
    bundle = q._repr_mimebundle_()
    assert "text/html" in bundle and "score" in bundle["text/plain"]
