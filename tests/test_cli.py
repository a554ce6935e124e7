"""The ``autodiff`` command end to end, through subprocesses: outputs, files and exit codes
(0 ok, 1 a check failed, 2 bad input, never a traceback), and plug-in subcommands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import autodiff
import autodiff.cli.examples
from autodiff import Value, __version__
from autodiff.verify.expressions import parse

SCRIPT = Path(sys.executable).parent / "autodiff"


def run(*args: str, stdin: str | bytes | None = None, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", *args]
    text = not isinstance(stdin, bytes)
    return subprocess.run(cmd, check=False, capture_output=True, text=text, input=stdin, timeout=120, env=env, cwd=cwd)


def assert_user_error(p: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 2 with a short message (argparse adds its usage lines), no traceback."""
    err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode()
    assert p.returncode == 2, (p.returncode, p.stdout, err)
    assert "Traceback" not in err and len(err.splitlines()) <= 8, err
    for f in fragments:
        assert f in err, err


# ---- examples (make demo) --------------------------------------------------------------------
def test_examples_prints_values_beside_the_documents_numbers():
    p = run("examples")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "q = x + y, f = q × z" in out and "0.73105857863" in out and "-0.589835799724" in out
    assert "All engine values match the float64 references to 1e-12." in out
    assert "every printed number agrees except δ2" in out  # seed 001's slip, found and shown
    assert "-2.451e-12" in out and "-2.73721990789e-12" in out


def test_examples_out_draws_every_example(tmp_path):
    p = run("examples", "--out", str(tmp_path / "graphs"))
    assert p.returncode == 0, p.stderr
    names = sorted(f.name for f in (tmp_path / "graphs").iterdir())
    assert names == sorted(f"{ex.name}.png" for ex in autodiff.cli.examples.replay_all())
    assert len(names) == 7 and "wrote 7 graphs" in p.stdout
    for f in (tmp_path / "graphs").iterdir():
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    p = run("examples", "--out", str(tmp_path / "svg"), "--format", "svg")
    assert p.returncode == 0 and b"<svg" in (tmp_path / "svg" / "add_mul.svg").read_bytes()


def test_version_help_and_bad_command():
    p = run("--version")
    assert p.returncode == 0 and __version__ in p.stdout
    p = run("no-such-command")
    assert p.returncode == 2 and "Traceback" not in p.stderr and "invalid choice" in p.stderr
    for cmd in ("grad", "check", "draw", "examples"):
        p = run(cmd, "--help")
        assert p.returncode == 0 and f"usage: autodiff {cmd}" in p.stdout
    p = run("--help")
    assert p.returncode == 0 and all(c in p.stdout for c in ("grad", "check", "draw", "examples"))
    assert SCRIPT.exists() and subprocess.run([SCRIPT, "--version"], capture_output=True, check=False).returncode == 0


def test_train_is_listed_when_its_plug_in_is_installed():
    if "train" not in {ep.name for ep in entry_points(group="autodiff.commands")}:
        pytest.skip("the nn plug-in's entry point is not installed (pip install -e .)")
    p = run("--help")
    assert p.returncode == 0 and "train" in p.stdout
    assert run("train", "--help").returncode == 0


# ---- grad ---------------------------------------------------------------------------------------
def test_grad_prints_value_and_gradient_table():
    p = run("grad", "(x+y)*z", "x=-2", "y=5", "z=-4")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "f = (x+y)*z" and lines[1] == "value: -12"
    rows = {line.split()[0]: line.split()[1:] for line in lines[4:]}
    assert rows == {"x": ["-2", "-4"], "y": ["5", "-4"], "z": ["-4", "3"]}


def test_grad_json_is_the_python_apis_numbers():
    p = run("grad", "sigmoid(w0*x0 + w1*x1 + w2)", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3", "--json")
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    leaves = {n: Value(v) for n, v in result["inputs"].items()}
    out = (leaves["w0"] * leaves["x0"] + leaves["w1"] * leaves["x1"] + leaves["w2"]).sigmoid()
    out.backward()
    assert result["value"] == out.data and result["gradient"] == {n: v.grad for n, v in leaves.items()}
    assert result["expression"] == "sigmoid(w0*x0 + w1*x1 + w2)"
    p = run("grad", "sqrt(x)", "x=0", "--json")  # the gradient is +inf: JSON has no inf, so a string
    assert p.returncode == 0 and json.loads(p.stdout)["gradient"] == {"x": "inf"}


def test_grad_values_may_be_constant_expressions_and_stdin(tmp_path):
    p = run("grad", "x*2", "x=pi/4", "--json")
    assert json.loads(p.stdout)["inputs"] == {"x": 0.7853981633974483}
    p = run("grad", "-", "x=3", stdin="x*x\n  + 1\n")
    assert p.returncode == 0 and "value: 10" in p.stdout and "x      3      6" in p.stdout
    for args in (["-x*y", "x=1", "y=2"], ["--", "-x*y", "x=1", "y=2"], ["-x*y", "--json", "x=1", "y=2"]):
        p = run("grad", *args)  # an expression may start with a minus sign, like an option
        assert p.returncode == 0 and ("value: -2" in p.stdout or '"value": -2.0' in p.stdout), p.stderr
    assert_user_error(run("grad", "-x.y", "x=1"), "at column 3: attribute access")  # columns unchanged
    p = run("draw", "-x*y", "x=1", "y=2", "-o", "g.dot", cwd=tmp_path)
    assert p.returncode == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_grad_trace_prints_the_backward_steps():
    p = run("grad", "(x+y)*z", "x=-2", "y=5", "z=-4", "--trace")
    assert p.returncode == 0, p.stderr
    leaves = {n: Value(v, label=n) for n, v in {"x": -2, "y": 5, "z": -4}.items()}
    out = parse("(x+y)*z").evaluate(leaves)
    out.label = "f"
    trace = str(autodiff.trace_backward(out))
    assert trace in p.stdout and "upstream × local" in trace


def test_grad_draw_writes_the_picture(tmp_path):
    svg = tmp_path / "g.svg"
    p = run("grad", "tanh(w*x + b)", "w=0.5", "x=2", "b=-1", "--draw", str(svg), "--local")
    assert p.returncode == 0, p.stderr
    assert f"wrote {svg}" in p.stdout and "<svg" in svg.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.__class__", "x=1"], "unsupported syntax at column 2: attribute access"),
        (["x*w", "x=1"], "no value for w (give it as NAME=VALUE; the values given: x)"),
        (["x", "x"], "expected NAME=VALUE, got 'x'"),
        (["x", "x=abc"], "a value must be a number, but 'abc' uses abc"),
        (["x", "x=1", "x=2"], "x is given twice"),
        (["exp(x)", "exp=1", "x=1"], "'exp' is a function of the language"),
        (["x", "pi=3", "x=1"], "'pi' is the constant"),
        (["x", "x=nan"], "a value must be a number, but 'nan' uses nan"),
        (["x", "x=1e999"], "number too large"),
        (["log(x)", "x=-1"], "log(...) at column 1: log needs x > 0, got x = -1.0"),
        (["1/(x-1)", "x=1"], "'/' at column 2: division by zero"),
        (["exp(x)", "x=1000"], "exp overflow"),
        (["x", "x=1", "--draw", "/proc/no/such/g.svg"], "the folder '/proc/no/such' does not exist"),
        (["x", "x=1", "--draw", "/proc/g.svg"], "cannot write or read /proc/g.svg"),
        (["x", "x=1", "--draw", "g.bmp"], "cannot tell the image format"),
    ],
)
def test_grad_bad_input_is_a_message_and_exit_2(args, message, tmp_path):
    assert_user_error(run("grad", *args, cwd=tmp_path), message)


def test_grad_mentions_unused_values():
    p = run("grad", "x*2", "x=1", "z=3")
    assert p.returncode == 0 and "note: not in the expression, so their gradient is 0: z" in p.stderr
    assert "z      3      0" in p.stdout


# ---- check --------------------------------------------------------------------------------------
def test_check_right_formula_exits_0_wrong_formula_exits_1():
    p = run("check", "log(1+exp(x))", "--d", "x=sigmoid(x)", "--at", "x=0.3", "--seed", "5")
    assert p.returncode == 0, p.stderr
    assert "✓ ∂f/∂x: the hand formula agrees with the engine at all 21 points" in p.stdout
    assert "21 points: 1 given, 20 random, seed 5" in p.stdout and "x = 0.3 " in p.stdout
    p = run("check", "sigmoid(x)", "--d", "x=sigmoid(x)*(1+sigmoid(x))", "--samples", "5", "--seed", "1")
    assert p.returncode == 1, p.stderr
    assert "✗ ∂f/∂x: the hand formula disagrees with the engine at 5 of 5 points" in p.stdout


def test_check_several_inputs_points_and_json():
    p = run("check", "x*y + sin(x)", "--d", "x=y + cos(x)", "--d", "y=x + 1",
            "--at", "x=0", "y=1", "--at", "x=1", "y=2", "--samples", "0", "--json")  # fmt: skip
    assert p.returncode == 1, p.stderr  # ∂/∂y = x, not x + 1
    result = json.loads(p.stdout)
    assert result["ok"] is False and result["points"] == [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 2.0}]
    by = {(r["input"], r["point"]["x"]): r for r in result["rows"]}
    assert by[("x", 0.0)]["ok"] and by[("x", 0.0)]["engine"] == 2.0
    assert not by[("y", 1.0)]["ok"] and by[("y", 1.0)]["hand"] == 2.0 and by[("y", 1.0)]["engine"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x*y"], "give at least one hand-derived derivative"),
        (["x*y", "--d", "z=1"], "z is not an input of the expression (inputs: x, y)"),
        (["x*y", "--d", "x"], "--d expects NAME=FORMULA"),
        (["x*y", "--d", "x=w"], "uses w, not inputs of f"),
        (["x*y", "--d", "x=y.real"], "attribute access"),
        (["log(x)", "--d", "x=1/x", "--at", "x=-1"], "f cannot be evaluated at x = -1"),
        (["x", "--d", "x=1", "--at", "y=1"], "y is not an input"),
        (["x", "--d", "x=1", "--samples", "-1"], "expected a whole number >= 0"),
        (["x", "--d", "x=1", "--samples", "0"], "nothing to check"),
    ],
)
def test_check_bad_input_is_a_message_and_exit_2(args, message):
    assert_user_error(run("check", *args), message)


# ---- draw ---------------------------------------------------------------------------------------
def test_draw_png_frames_and_gif(tmp_path):
    expr = ("tanh(w*x + b)", "w=0.5", "x=2", "b=-1")
    png = tmp_path / "graph.png"
    p = run("draw", *expr, "-o", str(png), "--local")
    assert p.returncode == 0, p.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    p = run("draw", *expr, "--frames", str(tmp_path / "frames"))
    assert p.returncode == 0, p.stderr
    w, x, b = Value(0.5), Value(2.0), Value(-1.0)
    steps = len(autodiff.trace_backward((w * x + b).tanh()))  # one frame per backward step
    frames = sorted((tmp_path / "frames").iterdir())
    assert len(frames) == steps == 3 and f"wrote {steps} frames" in p.stdout
    assert all(f.read_bytes()[:4] == b"\x89PNG" for f in frames)
    gif = tmp_path / "pass.gif"
    p = run("draw", *expr, "--gif", str(gif), "-o", str(tmp_path / "g.dot"))
    assert p.returncode == 0, p.stderr
    assert gif.read_bytes()[:6] == b"GIF89a" and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_draw_bad_input():
    assert_user_error(run("draw", "x*2", "x=1"), "say where to draw")
    p = run("draw", "x*2", "x=1", "--frames", "d", "--gif", "a.gif")
    assert p.returncode == 2 and "not allowed with argument" in p.stderr
    assert_user_error(run("draw", "x.y", "x=1", "-o", "g.png"), "attribute access")


# ---- plug-ins -----------------------------------------------------------------------------------
PLUGIN = """
def register(subparsers):
    p = subparsers.add_parser("hello", help="say hello from a plug-in")
    p.add_argument("--name", default="world")
    p.set_defaults(run=lambda args: print(f"hello, {args.name}") or 0)


def crash(subparsers):
    raise RuntimeError("this plug-in is broken")


def half(subparsers):
    subparsers.add_parser("half", help="adds itself, then fails")
    raise ImportError("half-loaded")
"""
ENTRY_POINTS = """[autodiff.commands]
hello = fakeplugin:register
crash = fakeplugin:crash
missing = no_such_module_for_autodiff:register
half = fakeplugin:half
grad = fakeplugin:register
"""


def make_plugin_env(folder: Path, source: str, entry_points: str) -> dict:
    """An environment whose sys.path holds the module ``fakeplugin`` and a dist-info naming its entry points."""
    (folder / "fakeplugin.py").write_text(source)
    info = folder / "fakeplugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    return {**os.environ, "PYTHONPATH": str(folder)}


@pytest.fixture
def plugin_env(tmp_path) -> dict:
    return make_plugin_env(tmp_path, PLUGIN, ENTRY_POINTS)


def test_plugins_are_loaded_and_broken_ones_break_nothing(plugin_env):
    p = run("--help", env=plugin_env)
    assert p.returncode == 0, p.stderr
    assert "say hello from a plug-in" in p.stdout and "crash" in p.stdout and "missing" in p.stdout
    p = run("hello", "--name", "plug-in", env=plugin_env)
    assert p.returncode == 0 and p.stdout == "hello, plug-in\n"
    assert_user_error(run("crash", env=plugin_env), "'crash'", "RuntimeError: this plug-in is broken")
    assert_user_error(run("missing", env=plugin_env), "ModuleNotFoundError")
    assert_user_error(run("half", env=plugin_env), "set no function to run")
    p = run("grad", "x*3", "x=2", env=plugin_env)  # a plug-in cannot replace a built-in command
    assert p.returncode == 0 and "value: 6" in p.stdout
    p = run("examples", env=plugin_env)
    assert p.returncode == 0


HOSTILE_PLUGIN = PLUGIN + """
import sys, time


class Boom(BaseException):
    pass


def boom(subparsers):
    raise Boom("a BaseException of its own")


def generator_exit(subparsers):
    raise GeneratorExit


def exits(subparsers):
    sys.exit(3)


def huge(subparsers):
    raise RuntimeError("x" * 1_000_000)


def interrupted(subparsers):
    raise KeyboardInterrupt


def sleeps(subparsers):
    time.sleep(60)
"""


def test_a_plug_in_raising_any_base_exception_is_listed_as_broken(tmp_path):
    """A BaseException of its own, GeneratorExit, and sys.exit() during registration: broken, not a
    traceback and not the end of the command (SystemExit used to end it)."""
    env = make_plugin_env(tmp_path, HOSTILE_PLUGIN, "[autodiff.commands]\nhello = fakeplugin:register\n"
                          "boom = fakeplugin:boom\ngenexit = fakeplugin:generator_exit\nexits = fakeplugin:exits\n"
                          "huge = fakeplugin:huge\n")  # fmt: skip
    p = run("--help", env=env)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert all(name in p.stdout for name in ("hello", "boom", "genexit", "exits", "huge")), p.stdout
    assert run("hello", env=env).stdout == "hello, world\n"
    assert_user_error(run("boom", env=env), "'boom'", "Boom: a BaseException of its own")
    assert_user_error(run("genexit", env=env), "(fakeplugin:generator_exit) could not be loaded: GeneratorExit")
    assert_user_error(run("exits", env=env), "could not be loaded: SystemExit: 3")
    p = run("huge", env=env)
    assert_user_error(p, "RuntimeError: " + "x" * 40 + "… (1,000,000 characters)")
    assert len(p.stderr) < 1000


def test_ctrl_c_while_plug_ins_load_is_an_interruption_not_a_traceback(tmp_path):
    env = make_plugin_env(tmp_path, HOSTILE_PLUGIN, "[autodiff.commands]\nstop = fakeplugin:interrupted\n")
    p = run("--help", env=env)
    assert (p.returncode, p.stderr) == (130, "interrupted\n")
    assert run("grad", "x*3", "x=2", env=env).returncode == 0  # the built-in commands load no plug-in


def test_version_loads_no_plug_in(tmp_path):
    """A plug-in that sleeps in its import or its register used to hang ``autodiff --version``."""
    source = "import time\ntime.sleep(60)\n"
    env = make_plugin_env(tmp_path, source, "[autodiff.commands]\nslow = fakeplugin:register\n")
    (tmp_path / "slowreg.py").write_text(HOSTILE_PLUGIN)
    (tmp_path / "fakeplugin-0.1.dist-info" / "entry_points.txt").write_text(
        "[autodiff.commands]\nslow = fakeplugin:register\nslower = slowreg:sleeps\n"
    )
    for flag in ("--version", "--vers"):
        p = subprocess.run([sys.executable, "-m", "autodiff.cli", flag], env=env, capture_output=True, text=True,
                           timeout=10, check=False)  # fmt: skip
        assert p.returncode == 0 and p.stdout == f"autodiff {__version__}\n", p.stderr


# ---- the output's label -------------------------------------------------------------------------
def test_an_output_never_shares_a_name_with_an_input(tmp_path):
    """``grad "f*out" f=3 out=2`` labelled its output "out", like the input out."""
    dot = tmp_path / "g.dot"
    p = run("grad", "f*out", "f=3", "out=2", "--trace", "--draw", str(dot))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "output = f*out" and lines[2].split() == ["input", "value", "∂output/∂input"]
    assert "output = f × out" in p.stdout and "∂output/∂f = 2, ∂output/∂out = 3" in p.stdout
    assert "#" not in p.stdout  # the trace had to call it out#2
    labels = re.findall(r"<B>([^<]*)</B>", dot.read_text())
    assert sorted(labels) == ["f", "out", "output"]
    result = json.loads(run("grad", "f*out", "f=3", "out=2", "--trace", "--json").stdout)
    assert result["output"] == "output" and result["gradient"] == {"f": 2.0, "out": 3.0}
    assert "backward pass of output:" in result["trace"]
    result = json.loads(run("grad", "f*out*output", "f=3", "out=2", "output=1", "--json").stdout)
    assert result["output"] == "f_1"
    assert run("grad", "x*2", "x=1", "f=2").stdout.startswith("out = x*2\n")  # an unused f is in the table
