"""The quiz teaches derivatives and blames the right step (issue 20 §3): ``autodiff quiz`` and
``autodiff.quiz`` give the hint ``check-steps`` gives for the same numbers, write each rule in the
nodes' own names, take infinite answers, count first tries, and stay bounded whatever is typed."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import autodiff
from autodiff import Value
from autodiff.verify.backward_check import check_backward
from autodiff.verify.quiz import read_number

TANH = ["tanh(w*x+b)", "w=0.5", "x=2", "b=-1.5"]
ADD_MUL = ["(x+y)*z", "x=-2", "y=5", "z=-4"]


def run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", *args]
    text = not isinstance(stdin, bytes)
    return subprocess.run(cmd, check=False, capture_output=True, text=text, input=stdin, timeout=120)


def tanh_graph() -> Value:
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.5, label="b")
    f = (w * x + b).tanh()
    f.label = "f"
    return f


# answers in the quiz's order v2, b, v1, x, w: the first is wrong (0.5, not 1 − tanh²), the other four
# are the chain rule applied exactly to it: b and v1 get 0.5·1, x gets 0.5·w = 0.25, w gets 0.5·x = 1
WRONG_FIRST = ["0.5", "0.5", "0.5", "0.25", "1"]


def test_the_quiz_blames_the_step_check_steps_blames():
    f = tanh_graph()
    q = autodiff.quiz(f)
    order = [q.names[v] for v in q.questions]
    assert order == ["v2", "b", "v1", "x", "w"]
    hints = [q.answer(v, a).hint for v, a in zip(q.questions, WRONG_FIRST)]
    report = check_backward(f, dict(zip(order, map(float, WRONG_FIRST))))  # check-steps' own tool
    for v, hint in zip(q.questions, hints):
        shared = report.diagnoses[v]
        assert (hint.kind, hint.message, hint.computation) == (shared.kind, shared.message, shared.computation)
    assert [h.kind for h in hints] == ["wrong local"] + ["follows upstream"] * 4
    assert q.score == (0, 5)


def test_the_quiz_command_says_follows_upstream_as_check_steps_does():
    p = run("quiz", *TANH, stdin="\n".join(WRONG_FIRST) + "\n")
    assert p.returncode == 1, p.stderr
    grads = [a for name, v in zip(["v2", "b", "v1", "x", "w"], WRONG_FIRST) for a in ("--grad", f"{name}={v}")]
    steps = run("check-steps", *TANH, *grads)
    assert steps.returncode == 1 and steps.stdout.count("✗ follows upstream") == 4, steps.stdout
    assert p.stdout.count("this step is right from your upstream value") == 4, p.stdout
    assert p.stdout.count("is right, so the local derivative is wrong") == 1  # the first answer only
    assert "from your upstream: ∂f/∂x = ∂f/∂v1 · ∂v1/∂x = (0.5) · (0.5) = 0.25" in p.stdout


def test_rules_are_written_in_the_nodes_own_names():
    p = run("check-steps", *ADD_MUL, "--grad", "z=7")
    assert p.returncode == 1
    assert "∂f/∂z = v1 = 3; your value is what ∂f/∂z = 7 would give" in p.stdout, p.stdout
    assert "v1 = 7" not in p.stdout
    p = run("check-steps", *ADD_MUL, "--grad", "v1=-4", "--grad", "y=-5.5")  # 1.375 = the local it implies
    assert "the upstream ∂f/∂v1 = -4 is right" in p.stdout and "∂v1/∂y = 1, your value implies 1.375" in p.stdout
    for placeholder in ("(a = ", "∂/∂a", "∂/∂b", "d/dx"):
        assert placeholder not in p.stdout
    p = run("quiz", *TANH, stdin="0.5\n")
    assert "∂f/∂v2 = 1 − f² = 0.7864" in p.stdout and "d/dx tanh x" not in p.stdout


@pytest.mark.parametrize(("typed", "value"), [("inf", math.inf), ("∞", math.inf), ("-inf", -math.inf),
                                               ("−∞", -math.inf), (" +Infinity ", math.inf), ("1/4", 0.25)])  # fmt: skip
def test_an_answer_may_be_infinite(typed, value):
    assert read_number(typed) == value


def test_the_quiz_takes_the_infinite_gradient_of_a_root_at_0():
    x = Value(0.0, label="x")
    f = x.sqrt()
    assert autodiff.grad(f, x) == (math.inf,)  # 1/(2√x) at 0, as PyTorch
    for typed in ("inf", "∞"):
        p = run("quiz", "sqrt(x)", "x=0", stdin=f"{typed}\n")
        assert p.returncode == 0 and "✓ right" in p.stdout, p.stdout + p.stderr
    p = run("quiz", "sqrt(x)", "x=0", stdin="-inf\n")
    assert p.returncode == 1 and "yours -∞" in p.stdout and "Traceback" not in p.stderr
    with pytest.raises(ValueError, match="not a number"):
        read_number("1/0")


def test_a_retry_keeps_the_first_try_in_the_score():
    f = tanh_graph()
    q = autodiff.quiz(f)
    v2 = q.questions[0]
    assert not q.answer(v2, 0.5).ok
    right = 1 - math.tanh(-0.5) ** 2
    assert q.answer(v2, right).ok  # the retry is checked ...
    assert q.score == (0, 5) and not q.answers[v2].ok  # ... but the quiz counts the first try
    b = q.questions[1]
    assert q.answer(b, right).ok  # the next step is judged from the latest value of v2
    assert q.score == (1, 5)


def test_what_is_typed_is_echoed_without_terminal_escapes():
    p = run("quiz", *ADD_MUL, stdin="\x1b[2J\x1b]0;owned\x07\n\x1b[31m3\n")
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout
    assert "\\x1b[2J" in p.stdout  # shown, escaped


def test_an_endless_line_ends_with_exit_2_and_one_line():
    p = run("quiz", *ADD_MUL, stdin=b"1" * 5_000_000)
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err
    assert err.strip().splitlines() == ["autodiff quiz: error: an answer line is longer than 1,000 characters"]
    assert len(p.stdout) < 1_000


def test_endless_wrong_answers_end_with_exit_2_and_one_line():
    p = run("quiz", *ADD_MUL, stdin="hello\n" * 100_000)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == ["autodiff quiz: error: 20 answers were not numbers: the quiz stops"]
    assert p.stdout.count("type a number") == 19 and len(p.stdout) < 10_000
