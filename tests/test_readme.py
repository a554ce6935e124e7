"""The README's own code, run as a newcomer pastes it: every ```python block, in order, in one session.

A comment that states something is checked: ``# a == b`` (or several, ``# a == b, c == d``, text after a
colon aside) is evaluated after its statement; a ``print(...)`` whose comment is a row of numbers must print
those numbers, and one whose comment ends with "..." must print text that begins with it; a report shown
on its own line (gradcheck, check_formula) must pass. Issue 10's reproducer: the tools of "See the
backward pass" used to add to every .grad (w[0].grad ended at −0.983 instead of −0.1966)."""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import tokenize
from pathlib import Path

import pytest

import autodiff
from autodiff.cli.examples import reference
from autodiff.custom import remove_operation
from autodiff.rules import RULES

README = Path(__file__).resolve().parents[1] / "README.md"
NUMBERS = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?(\s+[-+]?\d+(\.\d+)?([eE][-+]?\d+)?)*")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def comments(block: str) -> dict[int, str]:
    """Line number → the comment on it (without '#')."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(block).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string.lstrip("#").strip()
    return found


def claims(comment: str) -> list[ast.Compare]:
    """The ``a == b`` comparisons a comment states (none if it is prose)."""
    for text in (comment, comment.split(":")[0]):
        try:
            body = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            continue
        parts = body.elts if isinstance(body, ast.Tuple) else [body]
        if all(isinstance(p, ast.Compare) and all(isinstance(o, ast.Eq) for o in p.ops) for p in parts):
            return parts
    return []


def _is_print(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "print")


def run_readme(space: dict) -> tuple[list[str], dict[str, object]]:
    """Run every block in ``space``, checking the comments; returns what was checked, one line each, and
    the value of each expression on a line of its own, by its source."""
    checked, values = [], {}
    for k, block in enumerate(python_blocks(), 1):
        notes = comments(block)
        for stmt in ast.parse(block).body:
            where = f"README python block {k}, line {stmt.lineno}"
            shown = io.StringIO()
            with contextlib.redirect_stdout(shown):
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), where, "eval"), space)
                    values[ast.unparse(stmt.value)] = value
                else:
                    exec(compile(ast.Module([stmt], []), where, "exec"), space)  # noqa: S102 - the README
                    value = None
            for line in range(stmt.lineno, stmt.end_lineno + 1):
                note = notes.get(line)
                if note is None:
                    continue
                for claim in claims(note):
                    left = eval(compile(ast.Expression(claim.left), where, "eval"), space)
                    right = eval(compile(ast.Expression(claim.comparators[0]), where, "eval"), space)
                    assert left == right, f"{where}: the comment says {ast.unparse(claim)}, but it is {left!r}"
                    checked.append(ast.unparse(claim))
                if _is_print(stmt) and line == stmt.lineno:
                    out = shown.getvalue()
                    if NUMBERS.fullmatch(note):
                        assert [float(t) for t in out.split()] == [float(t) for t in note.split()], (where, out)
                        checked.append(f"prints {note}")
                    elif note.endswith("..."):
                        assert " ".join(out.split()).startswith(note[:-3].strip()), (where, out)
                        checked.append(f"prints {note}")
            if type(value).__module__.startswith("autodiff.verify") and hasattr(type(value), "__bool__"):
                assert value, f"{where}: the report fails:\n{value}"
                checked.append(f"{type(value).__name__} passes")
    return checked, values


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """All the README's blocks run once, in order, in one namespace, in a temporary folder."""
    import matplotlib

    matplotlib.use("Agg")  # nn.plots draws into a figure, not a window
    before = set(RULES)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("readme"))  # render and save_gif write their files here
        space: dict = {}
        try:
            yield space, *run_readme(space)
        finally:
            for name in set(RULES) - before:  # the README registers softsign: the other tests see the table as it was
                remove_operation(name)


def test_every_python_block_runs_in_order_and_its_comments_hold(session):
    space, checked, _ = session
    assert len(python_blocks()) >= 6
    assert "f.local_grads == (-4.0, 3.0)" in checked and "prints -4.0 -4.0 3.0 -4.0" in checked
    assert len(checked) >= 8, checked  # the comments that state something were found and checked
    assert str(space["report"].diagnosis).startswith("chain forgotten")


def test_the_tours_numbers_are_cs231ns():
    """The tour's printed -4 -4 3 -4 are CS231n's gradients of (x + y)·z at x = −2, y = 5, z = −4."""
    tour = python_blocks()[0]
    ref = reference()["examples"]["cs231n_add_mul"]
    assert 'Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")' in tour
    assert ref["inputs"] == {"x": -2.0, "y": 5.0, "z": -4.0}
    printed = re.search(r"print\(x\.grad, y\.grad, z\.grad, q\.grad\)\s+# (.*)", tour).group(1)
    grads = ref["printed"]["grads"]
    assert [float(t) for t in printed.split()] == [grads["x"], grads["y"], grads["z"], grads["q"]]


def test_the_derivation_comment_is_what_derivation_writes(session):
    _, _, values = session
    see = python_blocks()[1]
    said = re.search(r"autodiff\.derivation\(f, x\)\s+# (.*?) \(LaTeX", see).group(1)
    assert said == "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = (−4) · 1 = −4"  # z = −4 at CS231n's point
    assert str(values["autodiff.derivation(f, x)"]) == said


def test_the_tour_then_the_backward_pass_tools_leave_the_gradients(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # render and save_gif write their files here
    tour, see = python_blocks()[:2]
    space: dict = {}
    exec(compile(tour, "README tour", "exec"), space)  # noqa: S102 - the project's own README
    w, out = space["w"], space["out"]
    sigma = 1 / (1 + math.exp(-1.0))  # s = 2·(−1) + (−3)·(−2) + (−3)·1 = 1
    expected = [-1.0 * sigma * (1 - sigma), -2.0 * sigma * (1 - sigma), 1.0 * sigma * (1 - sigma)]
    assert all(math.isclose(v.grad, e, rel_tol=1e-15) for v, e in zip(w, expected))
    shown = autodiff.topological_order(out)  # the graph the tools of the second block show
    before = [v.grad for v in shown]
    exec(compile(see, "README: see the backward pass", "exec"), space)  # noqa: S102
    assert [v.grad for v in shown] == before
    assert math.isclose(w[0].grad, -0.19661193324148185, rel_tol=1e-15)
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "backward.gif").stat().st_size > 0
