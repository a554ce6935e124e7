"""sympy (issue 12 §3): ``autodiff.symbolic`` (the graph as a formula, node by node) and proofs with
``check_formula(..., symbolic=True)`` / ``autodiff check --prove``, both ways; no raw text ever reaches
sympy's parser (the hostile suite goes through ``--prove``); without sympy, the install hint."""

from __future__ import annotations

import builtins
import json
import sys
import time

import graphs
import pytest
from test_hostile_input import HOSTILE

import autodiff
from autodiff import Value
from autodiff.cli.app import main
from autodiff.cli.examples import reference
from autodiff.graph import gradients, topological_order
from autodiff.verify.expressions import parse
from autodiff.verify.proofs import prove
from autodiff.verify.symbolic import MAX_TERMS, SympyMissingError

sympy = pytest.importorskip("sympy")
EXAMPLES = reference()["examples"]


def proof(f: str, hand: str, name: str = "x"):
    e = parse(f)
    (p,) = prove(e, {name: parse(hand)}, e.names)
    return p


def test_sigma_prime_is_sigma_times_one_minus_sigma_everywhere():
    p = proof("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))")
    assert p.verdict == "equal" and "proved equal everywhere" in str(p)
    assert proof("log(1 + exp(x))", "sigmoid(x)").verdict == "equal"
    assert proof("tanh(x)", "1 - tanh(x)**2").verdict == "equal"
    leaky = proof("leaky_relu(x)", "0.01 + 0.99*relu(x)/x")  # the slope the engine defaults to, exactly
    assert leaky.verdict == "equal" and leaky.derivative.subs(sympy.Symbol("x", real=True), -1) == sympy.Rational(1, 100)
    assert proof("mean(x, 3*x, 2)", "1").verdict == "differs" and proof("mean(x, 3*x)", "2").verdict == "equal"
    e = parse("x*y + sin(x)**2")
    assert [q.verdict for q in prove(e, {"x": parse("y + 2*sin(x)*cos(x)"), "y": parse("x")}, e.names)] == ["equal"] * 2


def test_sigma_times_one_plus_sigma_differs_at_a_point_where_the_engine_says_so_too():
    p = proof("sigmoid(x)", "sigmoid(x)*(1 + sigmoid(x))")
    assert p.verdict == "differs" and "differs: the difference (hand − true) simplifies to" in str(p)
    x = p.witness["x"]
    leaf = Value(x, label="x")
    engine = gradients(leaf.sigmoid())[leaf]
    s = leaf.sigmoid().data
    assert s * (1 + s) - engine == pytest.approx(2 * s * s, rel=1e-9)  # σ(1 + σ) − σ(1 − σ) = 2σ²
    assert float(p.difference.subs(sympy.Symbol("x", real=True), x)) == pytest.approx(2 * s * s, rel=1e-12)
    assert f"e.g. at x = {x:.6g}" in str(p)


def test_check_formula_with_symbolic_true_reports_the_proof_and_is_falsy_on_a_difference():
    good = autodiff.check_formula("sigmoid(x)", {"x": "sigmoid(x)*(1-sigmoid(x))"}, samples=3, seed=1, symbolic=True)
    assert good and good.proofs[0].verdict == "equal" and "proved equal everywhere" in str(good)
    bad = autodiff.check_formula("sigmoid(x)", {"x": "sigmoid(x)*(1+sigmoid(x))"}, samples=3, seed=1, symbolic=True)
    assert not bad and bad.proofs[0].verdict == "differs"
    # a difference only where no sample lands: the samples pass, the proof does not
    sneaky = autodiff.check_formula("x**2", {"x": "2*x + relu(x - 50)"}, samples=5, seed=2, symbolic=True)
    assert all(r.ok for r in sneaky.rows) and not sneaky and sneaky.proofs[0].witness is not None


def test_what_cannot_be_decided_says_why_and_the_samples_stand():
    r = autodiff.check_formula(lambda x: x * x, {"x": "2*x"}, samples=3, seed=1, symbolic=True)
    assert r and r.proofs[0].verdict == "undecided" and "Python function" in r.proofs[0].reason
    big = " + ".join(["x"] * (MAX_TERMS // 2 + 10))
    p = proof(big, "1")
    assert p.verdict == "undecided" and "could not decide" in str(p)
    assert proof("9**9**9 * x", "1").verdict == "undecided"  # the engine's overflow, not a huge integer


def add_mul():
    return graphs.add_mul()[-1]


def test_symbolic_builds_the_graph_node_by_node_beside_the_engines_numbers():
    f = add_mul()
    r = autodiff.symbolic(f)
    x, y, z = sympy.symbols("x y z", real=True)
    assert sympy.simplify(r.expression - (x + y) * z) == 0
    assert r.derivatives == {"x": z, "y": z, "z": x + y}
    want = EXAMPLES["cs231n_add_mul"]["expected_grads"]
    assert r and {row.name: row.value for row in r} == {n: want[n] for n in "xyz"}
    assert str(r).startswith("f = ") and "∂f/∂leaf" in str(r)


def test_symbolic_of_the_sigmoid_gate_built_with_dot_equals_the_documents_numbers():
    v = {n: Value(x, label=n) for n, x in EXAMPLES["cs231n_sigmoid_gate"]["inputs"].items()}
    f = autodiff.dot([v["w0"], v["w1"]], [v["x0"], v["x1"]], bias=v["w2"]).sigmoid()
    f.label = "f"
    f.backward()
    before = [(n.data, n.grad) for n in topological_order(f)]
    r = autodiff.symbolic(f)
    assert [(n.data, n.grad) for n in topological_order(f)] == before
    want = EXAMPLES["cs231n_sigmoid_gate"]["expected_grads"]
    assert r and len(r) == 5
    for row in r:
        assert row.value == pytest.approx(want[row.name], rel=1e-12) and row.engine == pytest.approx(want[row.name])
    w0, x0, w1, x1, w2 = (sympy.Symbol(n, real=True) for n in ("w0", "x0", "w1", "x1", "w2"))
    s = 1 / (1 + sympy.exp(-(w0 * x0 + w1 * x1 + w2)))
    for name, partner in (("w0", x0), ("x0", w0), ("w1", x1), ("x1", w1), ("w2", 1)):  # σ(1 − σ) · partner
        assert sympy.cancel((r.derivatives[name] - s * (1 - s) * partner).rewrite(sympy.exp)) == 0


def test_symbolic_latex_escapes_hostile_labels():
    a = Value(1.5, label="a}{\\b$")
    b = Value(2.0, label="b_c^d")
    f = (a * b).tanh()
    f.label = "%f#"
    latex = autodiff.symbolic(f).latex
    body = latex.replace(r"\{", "").replace(r"\}", "")
    assert body.count("{") == body.count("}") and "$" not in latex.replace(r"\$", "")
    assert r"\mathrm{a\}\{\backslash b\$}" in latex and r"\%f\#" in latex


@pytest.fixture
def spy(monkeypatch):
    """Record every text given to sympy's parser (sympify, parse_expr) and every eval/exec."""
    import sympy.parsing.sympy_parser as parser

    core = sys.modules["sympy.core.sympify"]  # the module (sympy.core.sympify is also the function's name)

    seen: list = []

    def watch(original, what):
        def wrapper(a, *args, **kwargs):
            if isinstance(a, str):
                seen.append((what, a))
            return original(a, *args, **kwargs)

        return wrapper

    for module, name in ((sympy, "sympify"), (core, "sympify"), (sympy, "parse_expr"), (parser, "parse_expr")):
        monkeypatch.setattr(module, name, watch(getattr(module, name), name))
    monkeypatch.setattr(builtins, "eval", watch(builtins.eval, "eval"))
    monkeypatch.setattr(builtins, "exec", watch(builtins.exec, "exec"))
    sympy.sympify("1")  # the spy sees the whole chain: sympify → parse_expr → eval
    assert [w for w, _ in seen][:2] == ["sympify", "parse_expr"] and "eval" in [w for w, _ in seen]
    seen.clear()
    return seen


def reached(spy: list, *texts: str) -> list:
    """The texts given to sympy's parser or to eval/exec that hold the user's text. (sympy parses and
    execs texts of its own: unit prefixes such as 'yotta' when a module loads, the polys module's small
    generated functions such as monomial_mul; those are not the user's.)"""
    return [(w, a) for w, a in spy if any(t.strip() and t in a for t in texts)]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_no_raw_text_reaches_sympy_through_prove(text, spy, capsys):
    for argv in (["check", text, "--d", "x=1", "--prove", "--samples", "1"],
                 ["check", "x*y", "--d", f"x={text}", "--prove", "--samples", "1"]):  # fmt: skip
        assert main(argv) in (1, 2)
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.splitlines()) <= 3
    assert reached(spy, text) == []


def test_a_real_proof_runs_with_no_text_given_to_sympy(spy, capsys):
    f, dx, dy = "x**3/3 + 0.1*x*y", "x**2 + 0.1*y", "0.1*x"
    assert main(["check", f, "--d", f"x={dx}", "--d", f"y={dy}", "--prove", "--samples", "2"]) == 0
    assert capsys.readouterr().out.count("proved equal everywhere") == 2
    assert reached(spy, f, dx, dy, "x**3") == []
    sympy.sympify(dx)  # what the test would see if the project gave sympy the text
    assert ("sympify", dx) in reached(spy, dx)


def test_sympy_has_a_time_budget_the_command_never_hangs(capsys):
    """Four nested σ took sympy's simplify 219 s; with the budget the proof still finds the slip."""
    start = time.monotonic()
    assert main(["check", "sigmoid(sigmoid(sigmoid(sigmoid(x))))", "--d", "x=1", "--prove", "--samples", "1"]) == 1
    assert time.monotonic() - start < 60
    assert "proved wrong" in capsys.readouterr().out


def test_without_sympy_symbolic_says_how_to_install_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy raises ImportError
    with pytest.raises(SympyMissingError, match=r"pip install 'autodiff\[symbolic\]'"):
        autodiff.check_formula("x*x", {"x": "2*x"}, samples=1, symbolic=True)
    with pytest.raises(SympyMissingError, match="symbolic"):
        autodiff.symbolic(add_mul())
    assert main(["check", "x*x", "--d", "x=2*x", "--prove"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "autodiff[symbolic]" in err
    assert autodiff.check_formula("x*x", {"x": "2*x"}, samples=1)  # without symbolic=True, nothing changes


def test_the_command_prove_exit_codes_and_json(capsys):
    assert main(["check", "sigmoid(x)", "--d", "x=sigmoid(x)*(1-sigmoid(x))", "--prove", "--samples", "2"]) == 0
    assert "proved equal everywhere" in capsys.readouterr().out
    assert main(["check", "sigmoid(x)", "--d", "x=sigmoid(x)*(1+sigmoid(x))", "--prove", "--samples", "2"]) == 1
    assert "proved wrong" in capsys.readouterr().out
    assert main(["check", "sigmoid(x)", "--d", "x=sigmoid(x)*(1+sigmoid(x))", "--prove", "--json", "--samples", "1"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["proofs"][0]["verdict"] == "differs" and out["proofs"][0]["witness"] == {"x": 0.5}


def test_symbolic_keeps_the_numbers_folded_into_sum_and_dot_and_agrees_with_the_engine():
    """Issue 19 defect 4: the +1 inside autodiff.sum was dropped (log(x) shown for log(x + 1)) and the
    engine's right gradient marked ✗; dot's number partners and bias come from the record too."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    sx, sw = sympy.Symbol("x", real=True), sympy.Symbol("w", real=True)
    f = autodiff.sum([x, 1.0]).log()
    r = autodiff.symbolic(f)
    assert sympy.simplify(r.expression - sympy.log(sx + 1)) == 0
    assert r and r.rows[0].value == pytest.approx(1 / 3, rel=1e-15) == gradients(f)[x]
    g = autodiff.dot([w, 2.0, x], [x, w, 0.5], -7.5).sin()  # sin(w·x + 2·w + x/2 − 7.5)
    r = autodiff.symbolic(g)
    assert sympy.simplify(r.expression - sympy.sin(sw * sx + 2 * sw + sx / 2 - sympy.Rational(15, 2))) == 0
    grads = gradients(g)
    assert r and {row.name: row.value for row in r} == pytest.approx({"w": grads[w], "x": grads[x]}, rel=1e-12)
    h = (2.5 - x) ** 0.5 + 2**x + x.leaky_relu(0.1) + autodiff.max(x, 1.0)  # reflected operands, slope, max
    r = autodiff.symbolic(h)
    assert r and r.rows[0].value == pytest.approx(gradients(h)[x], rel=1e-12)


def test_an_operation_of_your_own_has_no_sympy_form_whatever_its_name():
    """A custom operation named mean was converted as sympy's mean (of one argument: x itself)."""
    from autodiff.custom import remove_operation
    from autodiff.verify.symbolic import NotSymbolicError

    half = autodiff.operation("mean", "M", lambda x: x / 2, lambda x, out: 0.5)
    try:
        with pytest.raises(NotSymbolicError, match="no sympy form for the operation 'mean'"):
            autodiff.symbolic(half(Value(3.0, label="x")) * 2)
    finally:
        remove_operation("mean")


def test_a_right_formula_whose_terms_cancel_beyond_any_fixed_digits_is_never_proved_wrong(capsys):
    """Issue 19 defect 6: hand − true evaluated to 30 digits at 0.5 was 1e40 · (rounding noise), so a
    right formula was "proved wrong: ... the difference simplifies to 0" (exit 1). A witness must now
    be certified by sympy; at x = 0 the samples agree exactly, so the proof alone decides."""
    hand = "1 + 1e40*(cos(x)**2 + sin(x)**2 - 1)"  # = 1 = d/dx x, written the long way
    r = autodiff.check_formula("x", {"x": hand}, at={"x": 0.0}, samples=0, symbolic=True)
    assert r and r.proofs[0].verdict == "equal" and "proved wrong" not in str(r)
    assert main(["check", "x", "--d", f"x={hand}", "--at", "x=0", "--samples", "0", "--prove"]) == 0
    assert "proved equal everywhere" in capsys.readouterr().out
    slip = "2 + 1e40*(cos(x)**2 + sin(x)**2 - 1)"  # off by 1 everywhere: still shown, at a certified point
    p = proof("x", slip)
    assert p.verdict == "differs" and p.difference == 1 and p.witness == {"x": 0.5}


def test_every_step_of_a_proof_is_under_its_budget(capsys):
    """``--prove`` on sin(exp(exp(x))) ran past 120 s: the witness points (exp(exp(10))...) were
    evaluated outside the 8 s budget. Points where f is not a finite float are skipped now."""
    from autodiff.verify.proofs import SHOWN_SECONDS
    from autodiff.verify.symbolic import SECONDS

    start = time.monotonic()
    argv = ["check", "sin(exp(exp(x)))", "--d", "x=cos(exp(exp(x)))*exp(exp(x))*exp(x)", "--prove", "--samples", "1"]
    assert main(argv) == 0
    assert time.monotonic() - start < SECONDS + 2 * SHOWN_SECONDS + 10
    assert "proved equal everywhere" in capsys.readouterr().out


NESTED = "sigmoid(sigmoid(sigmoid(sigmoid(x))))"  # sympy's simplify took 219 s to prove its derivative


def _nested_derivative() -> str:
    s = [NESTED.replace("sigmoid(", "", 4 - k).replace(")", "", 4 - k) if k else "x" for k in range(5)]
    return "*".join(f"{s[k]}*(1 - {s[k]})" for k in range(4, 0, -1))


def test_a_proof_away_from_the_main_thread_has_a_budget_too():
    """The signal timer works only in the main thread: another thread had no budget at all. There the
    proof runs in a worker process, killed past its time; the easy proof still says equal."""
    import threading

    from autodiff.verify.proofs import SHOWN_SECONDS
    from autodiff.verify.sympy_process import STARTUP_SECONDS

    leaf = Value(0.3, label="x")  # the hand formula is right: only sympy's time can leave it undecided
    assert parse(_nested_derivative()).evaluate({"x": 0.3}).data == pytest.approx(
        gradients(parse(NESTED).evaluate({"x": leaf}))[leaf], rel=1e-12)
    answers: dict = {}

    def run(key: str, f: str, hand: str, seconds: float) -> None:
        start, e = time.monotonic(), parse(f)
        answers[key] = (prove(e, {"x": parse(hand)}, e.names, seconds)[0], time.monotonic() - start)

    jobs = [threading.Thread(target=run, args=("hard", NESTED, _nested_derivative(), 1.0)),
            threading.Thread(target=run, args=("easy", "sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))", 8.0))]  # fmt: skip
    for j in jobs:
        j.start()
    for j in jobs:
        j.join(timeout=120)
    hard, took = answers["hard"]
    assert hard.verdict == "undecided" and "more than 1 s" in hard.reason
    assert took < 2 * (1.0 + 2 * SHOWN_SECONDS) + STARTUP_SECONDS + 10
    easy, _ = answers["easy"]
    assert easy.verdict == "equal" and easy.derivative is not None


def test_the_worker_process_is_killed_when_its_time_is_up():
    """A computation inside C, which no signal interrupts (a factorial of 10⁸), is still bounded."""
    from autodiff.verify import sympy_process

    start = time.monotonic()
    with pytest.raises(sympy_process.OutOfTime, match="more than 0.5 s"):
        sympy_process.run("math", "factorial", (10**8,), 0.5)
    assert time.monotonic() - start < 0.5 + sympy_process.STARTUP_SECONDS + 10
    assert sympy_process.run("math", "hypot", (3.0, 4.0), 5.0) == 5.0
    with pytest.raises(ValueError, match="math domain error"):
        sympy_process.run("math", "log", (-1.0,), 5.0)


def test_symbolic_away_from_the_main_thread_gives_the_same_report():
    import threading

    f = add_mul()
    here = autodiff.symbolic(f)
    there: list = []
    job = threading.Thread(target=lambda: there.append(autodiff.symbolic(f)))
    job.start()
    job.join(timeout=120)
    assert there[0].derivatives == here.derivatives and [r.value for r in there[0]] == [r.value for r in here]
