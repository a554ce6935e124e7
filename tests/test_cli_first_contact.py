"""Smaller first-contact defects of the command (issue 20 §6): linear NAME=VALUE parsing, a closed
pipe's exit code, no folders made that were not asked for, a replay's backward after a failed
forward, and output that reads as the parser reads (powers, --local pairs, plurals, one sign)."""

from __future__ import annotations

import contextlib
import io
import math
import re
import subprocess
import sys
import time

import pytest

import autodiff
from autodiff import Value
from autodiff.cli.app import main

BROKEN_PIPE = 141  # 128 + SIGPIPE, as the command's help says


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120, cwd=cwd)


def one_line_error(p: subprocess.CompletedProcess, *fragments: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
    for f in fragments:
        assert f in p.stderr, p.stderr


def test_sixty_thousand_named_values_parse_in_linear_time():
    items = [f"x{i}={i}" for i in range(60_000)]  # was 43.6 s: a set of all names so far, rebuilt per item
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check-steps", "x0*x1+x59999", *items, "--grad", "x1=0", "--grad", "x59999=1"])
    assert time.perf_counter() - start < 10
    assert code == 0 and "✓ all 2 of your values agree" in out.getvalue()


def test_a_reader_that_goes_away_ends_the_command_quietly_with_141():
    # 10,000 sample rows are far more than a pipe holds: the writes meet the closed pipe
    cmd = [sys.executable, "-m", "autodiff.cli", "check", "x*x", "--d", "x=2*x", "--samples", "10000", "--seed", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().startswith(b"check_formula")
    p.stdout.close()  # as `| head -1` does
    assert p.wait(timeout=120) == BROKEN_PIPE  # not 1, which says a check failed
    assert p.stderr.read() == b""
    p.stderr.close()
    assert "141 output pipe closed early" in run("--help").stdout


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "x*y", "x=1", "y=2", "-o", "{missing}/out.png"],
        ["draw", "x*y", "x=1", "y=2", "--frames", "{missing}/frames"],
        ["draw", "x*y", "x=1", "y=2", "--html", "{missing}/steps.html"],
        ["draw", "x*y", "x=1", "y=2", "--gif", "{missing}/a.gif"],
        ["grad", "x*y", "x=1", "y=2", "--draw", "{missing}/g.svg"],
        ["check-steps", "x*y", "x=1", "y=2", "--grad", "x=2", "--draw", "{missing}/g.svg"],
        ["examples", "--out", "{missing}/graphs"],
    ],
)
def test_a_missing_folder_is_an_error_not_made(tmp_path, args):
    p = run(*(a.format(missing="no/such") for a in args), cwd=tmp_path)
    one_line_error(p, "the folder 'no/such' does not exist")
    assert not (tmp_path / "no").exists()


def test_a_folder_asked_for_is_made_in_an_existing_one(tmp_path):
    p = run("draw", "x*y", "x=1", "y=2", "--frames", str(tmp_path / "frames"), "-o", "g.svg", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "wrote 1 frame to" in p.stdout  # one, not "1 frames"
    assert (tmp_path / "g.svg").read_text().lstrip().startswith("<")
    assert [f.suffix for f in (tmp_path / "frames").iterdir()] == [".png"]  # one backward step


def test_backward_after_a_failed_forward_refuses_instead_of_using_old_numbers():
    replay = autodiff.compile(lambda x: x.log(), 2.0)
    assert replay.forward(2.0) == math.log(2.0) and replay.backward() == [0.5]
    with pytest.raises(ValueError, match="log"):
        replay.forward(-1.0)
    with pytest.raises(RuntimeError, match="last forward.*failed"):
        replay.backward()  # was [0.5]: the previous call's 1/x
    with pytest.raises(TypeError):
        replay.forward("a")
    with pytest.raises(RuntimeError, match="last forward.*failed"):
        replay.backward()
    assert replay.forward(4.0) == math.log(4.0) and replay.backward() == [0.25]  # a success clears it


def test_a_power_is_printed_as_the_parser_reads_it():
    p = run("check-steps", "x**3*y", "x=2", "y=0.5", "--grad", "v1=0.5", "--grad", "y=8")
    assert p.returncode == 0, p.stderr
    printed = re.search(r"^v1 +(\S.*?) {2,}", p.stdout, re.MULTILINE).group(1)  # the "computed as" cell
    assert printed == "x ** 3" and "^" not in p.stdout
    trace = run("grad", "x**3*y", "x=2", "y=0.5", "--trace", "--derive", "x")
    assert "^" not in trace.stdout and "v1 = x ** 3" in trace.stdout
    # the printed text reads back, as a definition, as the same node of the expression
    again = run("check-steps", "x**3*y", "x=2", "y=0.5", f"q={printed}", "--grad", "q=0.5", "--grad", "x=6")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_local_pair_is_shown_as_typed():
    p = run("check-steps", "(x+y)*z", "x=-2", "y=5", "z=-4", "q=x+y", "--local", "q/z=2", "--grad", "x=-4")
    one_line_error(p, "--local q/z: z is not an input of q")
    assert "(" not in p.stderr


def test_one_path_is_singular():
    x = Value(2.0, label="x")
    f = x * 3.0
    f.label = "f"
    assert repr(autodiff.derivation(f, x)) == "Derivation(∂f/∂x = 3, 1 path)"
    g = x * x
    g.label = "g"
    assert repr(autodiff.derivation(g, x)) == "Derivation(∂g/∂x = 4, 2 paths)"


def test_a_rounded_number_gets_one_sign():
    p = run("grad", "exp(x)/(1+exp(x))", "x=1.53", "--trace", "--derive", "x")
    assert p.returncode == 0
    assert "= ≈" not in p.stdout
    sigma = 1 / (1 + math.exp(-1.53))
    shown = f"{sigma * (1 - sigma):.3g}"  # σ'(1.53) = 0.1547...: the trace writes ∂f/∂x rounded
    assert f"∂f/∂x = {shown}" in p.stdout or f"∂f/∂x ≈ {shown}" in p.stdout
    assert "≈ 0.822" in p.stdout  # ∂f/∂exp · ∂exp/∂x = 0.1780 · 4.618, rounded: "≈", not "= ≈"
    steps = run("check-steps", "exp(x)/(1+exp(x))", "x=1.53", "--grad", "x=0.3")
    assert "= ≈" not in steps.stdout
