"""Hostile input for the expression language and the command: every case is refused with exit
code 2 and a short message, runs nothing, and returns within a second; huge inputs on standard
input give a result or exit 2, never a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from autodiff.verify.expressions import MAX_LENGTH, ExpressionError, parse

HOSTILE = [
    "__import__('os').system('true')",
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "[x for x in y]",
    "9**9**9",
    "9**9**9**9",
    "10**10**10 - 10**10**10",
    "(" * 50_000 + "x" + ")" * 50_000,
    "exp(" * 50_000 + "x" + ")" * 50_000,
    "-" * 50_000 + "x",
    "x**" * 50_000 + "x",
    "ｘ + 1",
    "x + у",
    "open('/etc/passwd')",
    "open('/etc/passwd').read()",
    "x if x else y",
    "x; y",
    "import os",
    "exp(x=1)",
    "exp(x, y)",
    "exp(**{'x': 1})",
    "globals()",
    "breakpoint()",
    "getattr(x, 'data')",
    "f'{x}'",
    "'a' * 10**9",
    "[0] * 10**10",
    "9" * 5000,
    "1e99999",
    "x # comment",
    "x\\\n+1",
]
STDIN_ONLY = ["x\0y", "x + 1\0", "\x00" * 1000]  # NUL bytes cannot be passed as arguments


def grad(
    expression: str, *values: str, stdin: bytes | None = None, cwd=None
) -> tuple[subprocess.CompletedProcess, float]:
    cmd = [sys.executable, "-m", "autodiff.cli", "grad", expression, *values]
    start = time.monotonic()
    p = subprocess.run(cmd, check=False, capture_output=True, input=stdin, timeout=60, cwd=cwd)
    return p, time.monotonic() - start


def assert_refused(p: subprocess.CompletedProcess) -> str:
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, (p.returncode, p.stdout, err)
    assert p.stdout == b"", p.stdout
    assert "Traceback" not in err and len(err.splitlines()) <= 3 and len(err) < 600, err
    return err


@pytest.mark.parametrize("text", HOSTILE + STDIN_ONLY, ids=lambda t: repr(t[:30]))
def test_the_parser_refuses_quickly(text):
    start = time.monotonic()
    with pytest.raises(ExpressionError) as info:
        e = parse(text)
        e.evaluate({n: 1.0 for n in e.names})
    assert time.monotonic() - start < 1.0, "a refusal must be quick"
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_the_command_refuses_with_exit_2(text, tmp_path):
    if len(text) < 100_000:
        p, _ = grad(text, "x=1", "y=2", cwd=tmp_path)
    else:  # too long for one command-line argument (Linux allows 128 kB)
        p, _ = grad("-", "x=1", "y=2", stdin=text.encode(), cwd=tmp_path)
    assert_refused(p)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", STDIN_ONLY, ids=repr)
def test_nul_bytes_through_standard_input(text):
    assert "control character U+0000" in assert_refused(grad("-", "x=1", "y=2", stdin=text.encode())[0])


def test_nothing_is_run(tmp_path):
    target = tmp_path / "pwned"
    for attack in (
        f"__import__('os').system('touch {target}')",
        f"exp(__import__('os').system('touch {target}'))",
        f"x + __import__('subprocess').call(['touch', '{target}'])",
    ):
        assert_refused(grad(attack, "x=1", cwd=tmp_path)[0])
        assert_refused(grad("-", "x=1", stdin=attack.encode(), cwd=tmp_path)[0])
        p = subprocess.run(
            [sys.executable, "-m", "autodiff.cli", "check", "x", "--d", f"x={attack}"],
            check=False, capture_output=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        assert_refused(p)
    assert not target.exists()
    p, _ = grad("open('/etc/passwd')", cwd=tmp_path)
    assert b"root:" not in p.stdout + p.stderr


def test_huge_inputs_on_standard_input():
    ten_mb = ("x+" * 5_000_000 + "x").encode()
    p, _ = grad("-", "x=1", stdin=ten_mb)
    assert "longer than 1,000,000 characters" in assert_refused(p)
    parens = ("(" * 3_000_000 + "x" + ")" * 3_000_000).encode()
    p, _ = grad("-", "x=1", stdin=parens)
    assert_refused(p)
    parens = ("(" * 400_000 + "x" + ")" * 400_000).encode()  # under the length limit: the depth limit
    p, _ = grad("-", "x=1", stdin=parens)
    assert "nesting too deep at column 101" in assert_refused(p)
    p, _ = grad("-", "x=1", stdin=b"\xff\xfe x")
    assert "non-ASCII character at column 1: U+FFFD" in assert_refused(p)


def test_a_long_flat_sum_on_standard_input_gives_the_result():
    n = 50_000
    p, _ = grad("-", "x=0.5", "--json", stdin=("+".join(["x"] * n)).encode())
    assert p.returncode == 0, p.stderr
    assert b'"value": 25000.0' in p.stdout and b'"x": 50000.0' in p.stdout


def test_the_length_limit_is_exact():
    text = "x" + " " * (MAX_LENGTH - 2) + "1"
    with pytest.raises(ExpressionError, match="invalid syntax"):  # read, then refused for its content
        parse(text)
    assert parse(text[:-1] + " ").names == ("x",)
    with pytest.raises(ExpressionError, match="expression too long: 1,000,001 characters"):
        parse(text + " ")


def test_python_syntax_warnings_do_not_leak_to_the_user():
    err = assert_refused(grad("1if x", "x=1")[0])  # Python's parser warns "invalid decimal literal" first
    assert "SyntaxWarning" not in err and "column 1" in err
