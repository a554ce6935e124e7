"""gradcheck (the engine against finite differences, torch's rule and tolerances) and
check_formula (a hand-derived derivative against the engine and finite differences)."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value, check_formula, gradcheck
from autodiff.cli.examples import reference


def with_local(x: Value, value: float, local: float) -> Value:
    """A node whose value is ``value`` and whose derivative towards x is ``local`` (a hand-written
    backward): value + local·(x − x.data), where the bracket is 0 but its gradient is 1."""
    return (x - x.data) * local + value


def sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# ---- gradcheck ---------------------------------------------------------------------------------
def test_gradcheck_passes_and_reports_engine_and_numeric_per_input():
    report = gradcheck(lambda x, y: (x * y).sigmoid() + x.log(), [0.5, 2.0])
    assert report and not report.failures
    assert [r.name for r in report.rows] == ["x", "y"]
    x, y = Value(0.5), Value(2.0)
    out = (x * y).sigmoid() + x.log()
    out.backward()
    assert report.value == out.data
    assert [r.analytic for r in report.rows] == [x.grad, y.grad]
    s = sigmoid(1.0)
    exact = [2.0 * s * (1 - s) + 2.0, 0.5 * s * (1 - s)]  # ∂/∂x = yσ' + 1/x, ∂/∂y = xσ'
    for r, e in zip(report.rows, exact):
        assert math.isclose(r.analytic, e, rel_tol=1e-12)
        assert abs(r.numeric - e) < 1e-8  # central differences: error O(ε²) plus rounding
        assert r.abs_error == abs(r.analytic - r.numeric) and r.rel_error == r.abs_error / abs(r.numeric)
    text = str(report)
    assert "analytic (engine)" in text and "numeric (finite diff.)" in text and "✓ all 2 gradients agree" in text
    assert "<table>" in report._repr_html_() and "#fde2e1" not in report._repr_html_()


def test_gradcheck_catches_a_wrong_hand_written_backward():
    def wrong_sigmoid(x):  # σ' written as σ(1 + σ)
        s = sigmoid(x.data)
        return with_local(x, s, s * (1 + s))

    def right_sigmoid(x):
        s = sigmoid(x.data)
        return with_local(x, s, s * (1 - s))

    bad = gradcheck(wrong_sigmoid, [1.0])
    assert not bad and [r.name for r in bad.failures] == ["x"]
    assert "✗ 1 of 1 gradients disagree: x" in str(bad) and "#fde2e1" in bad._repr_html_()
    assert gradcheck(right_sigmoid, [1.0])


def test_gradcheck_uses_torchs_rule_at_the_boundary():
    # f(x) = x², f'(1) = 2; accepted when |analytic − numeric| ≤ 1e-5 + 1e-3·|numeric| ≈ 0.00201
    def off_by(delta):
        return lambda x: with_local(x, x.data**2, 2 * x.data + delta)

    assert gradcheck(off_by(0.0019), [1.0])
    assert not gradcheck(off_by(0.0021), [1.0])
    assert not gradcheck(off_by(0.0019), [1.0], atol=0.0, rtol=1e-4)


def test_gradcheck_agrees_with_torch_autograd_gradcheck():
    torch = pytest.importorskip("torch")

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, delta):
            ctx.save_for_backward(x)
            ctx.delta = delta
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (2 * x + ctx.delta), None

    for delta in (0.0, 1e-6, 5e-4, 0.0019, 0.0021, 0.01, -0.0021):
        t = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
        theirs = torch.autograd.gradcheck(lambda u, d=delta: Square.apply(u, d), (t,), raise_exception=False)
        ours = gradcheck(lambda x, d=delta: with_local(x, x.data**2, 2 * x.data + d), [1.0])
        assert bool(ours) == theirs, delta


def test_gradcheck_with_a_mapping_an_expression_and_labelled_values():
    assert gradcheck(lambda w, x, b: (w * x + b).tanh(), {"w": 0.5, "x": -1.0, "b": 0.2})
    report = gradcheck("log(1 + exp(x*y))", [0.3, -0.7])
    assert report and [r.name for r in report.rows] == ["x", "y"]
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    report = gradcheck(lambda *v: v[0] * v[1], [a, b])
    assert [r.name for r in report.rows] == ["a", "b"]
    assert a.grad == 0.0 and b.grad == 0.0, "fresh leaves: the inputs' own grads are left alone"
    assert gradcheck(lambda x: x * x, 3.0).rows[0].analytic == 6.0


def test_gradcheck_where_f_is_not_defined_at_x_minus_eps():
    report = gradcheck("sqrt(x)", [0.0])
    assert not report
    row = report.rows[0]
    assert row.analytic == math.inf and row.numeric is None and "sqrt needs x >= 0" in row.note


def test_gradcheck_input_errors():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: math.exp(x.data), [1.0])
    with pytest.raises(ValueError, match="eps must be > 0"):
        gradcheck(lambda x: x, [1.0], eps=0)
    with pytest.raises(ValueError, match="needs a finite number"):
        gradcheck(lambda x: x, [math.nan])
    with pytest.raises(ValueError, match="inputs x, y but 1 values"):
        gradcheck("x*y", [1.0])


# ---- check_formula -----------------------------------------------------------------------------
WRONG = "sigmoid(x)*(1 + sigmoid(x))"
RIGHT = "sigmoid(x)*(1 - sigmoid(x))"


@pytest.mark.parametrize("as_string", [True, False])
def test_check_formula_catches_sigma_prime_written_as_sigma_times_one_plus_sigma(as_string):
    f = "sigmoid(x)" if as_string else (lambda x: x.sigmoid())
    wrong = WRONG if as_string else (lambda x: sigmoid(x.data) * (1 + sigmoid(x.data)))
    right = RIGHT if as_string else (lambda x: sigmoid(x.data) * (1 - sigmoid(x.data)))
    bad = check_formula(f, {"x": wrong}, at={"x": 0.0}, samples=20, seed=1)
    assert not bad
    assert len(bad.points) == 21 and len(bad.rows) == 21 and len(bad.failures) == 21  # σ(1+σ) ≠ σ(1−σ) anywhere
    first = bad.rows[0]
    assert first.given and first.point == {"x": 0.0}
    assert first.hand == 0.75 and first.engine == 0.25 and abs(first.numeric - 0.25) < 1e-9
    text = str(bad)
    assert "✗ ∂f/∂x: the hand formula disagrees with the engine at 21 of 21 points" in text
    assert "first at x = 0: hand 0.75, engine 0.25" in text and "seed 1" in text
    good = check_formula(f, {"x": right}, at={"x": 0.0}, samples=20, seed=1)
    assert good and len(good.rows) == 21
    assert "✓ ∂f/∂x: the hand formula agrees with the engine at all 21 points" in str(good)
    assert good.points == bad.points, "the same seed gives the same points"


def test_check_formula_softplus_and_the_sigmoid_gate():
    assert check_formula("log(1 + exp(x))", {"x": "sigmoid(x)"}, samples=10, seed=3)
    assert not check_formula("log(1 + exp(x))", {"x": "exp(x)"}, samples=10, seed=3)
    gate = "sigmoid(w0*x0 + w1*x1 + w2)"
    s = "sigmoid(w0*x0 + w1*x1 + w2)"
    hand = {"w0": f"x0*{s}*(1-{s})", "x0": f"w0*{s}*(1-{s})", "w2": f"{s}*(1-{s})"}
    report = check_formula(gate, hand, at={"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}, samples=5, seed=0)
    assert report
    cs231n = reference()["examples"]["cs231n_sigmoid_gate"]["expected_grads"]
    given = {r.input: r for r in report.rows if r.given}
    for name in hand:
        assert math.isclose(given[name].engine, cs231n[name], rel_tol=1e-12)
        assert math.isclose(given[name].hand, cs231n[name], rel_tol=1e-12)
    hand["x0"] = f"w0*{s}"  # forgot the local σ' of the gate
    bad = check_formula(gate, hand, samples=5, seed=0)
    assert not bad and {r.input for r in bad.failures} == {"x0"}


def test_check_formula_random_points_avoid_domain_errors_and_say_so():
    report = check_formula("log(x) * sqrt(y)", {"x": "sqrt(y)/x", "y": "log(x)/(2*sqrt(y))"}, samples=15, seed=4)
    assert report and len(report.points) == 15
    assert all(p["x"] > 0 and p["y"] > 0 for p in report.points)
    assert report.skipped > 0 and "random points were skipped because f is not defined there" in str(report)
    assert "log needs x > 0" in report.skip_reason or "sqrt needs x >= 0" in report.skip_reason


def test_check_formula_a_hand_formula_that_fails_is_a_disagreement():
    report = check_formula("x * x", {"x": "2*x + log(x)"}, at=[{"x": -1.0}, {"x": 2.0}], samples=0)
    assert not report
    bad, other = report.rows
    assert bad.hand is None and "the hand formula fails here" in bad.note and not bad.ok
    assert not other.ok and other.hand == 4.0 + math.log(2.0)


def test_check_formula_the_tolerance_is_relative_even_for_tiny_gradients():
    # 1e-12-sized gradients (as in seed 001's network) are compared relative to their size
    f = lambda x: x * 1e-12
    assert check_formula(f, {"x": lambda x: 1e-12}, samples=3, seed=0)
    assert not check_formula(f, {"x": lambda x: 1.1e-12}, samples=3, seed=0)


def test_check_formula_seed001_slip():
    """δ(1)₂ of seed 001's network, derived by hand as the document did: forward with w(2)2,2 = 3 but
    the backward step through W(2) with w(2)2,2 = 2. The engine and finite differences disagree."""
    ref = reference()["examples"]["seed001_three_layer_as_computed"]
    p = ref["params"]
    x, y = ref["inputs"]["x"], ref["inputs"]["y"]

    def loss(w121, w222):  # ∂L/∂w(1)2,1 (neuron 2's weight from x1) with w(2)2,2 free
        W1 = [list(r) for r in p["W1"]]
        W2 = [list(r) for r in p["W2"]]
        h = [autodiff.dot([w121 if (i, j) == (1, 0) else W1[i][j] for j in range(2)], x) + p["b1"][i] for i in range(3)]
        f1 = [z.sigmoid() for z in h]
        W2[1][1] = w222
        f2 = [autodiff.dot(W2[k], f1) + p["b2"][k] for k in range(2)]
        f2 = [z.sigmoid() for z in f2]
        out = (autodiff.dot(p["W3"][0], f2) + p["b3"][0]).sigmoid()
        return 0.5 * (y - out) ** 2

    def by_hand(w121, w222, w222_in_backward):
        W1 = [list(r) for r in p["W1"]]
        W1[1][0] = w121.data
        f1 = [sigmoid(sum(W1[i][j] * x[j] for j in range(2)) + p["b1"][i]) for i in range(3)]
        W2 = [list(r) for r in p["W2"]]
        W2[1][1] = w222.data
        f2 = [sigmoid(sum(W2[k][i] * f1[i] for i in range(3)) + p["b2"][k]) for k in range(2)]
        out = sigmoid(sum(p["W3"][0][k] * f2[k] for k in range(2)) + p["b3"][0])
        d6 = (out - y) * out * (1 - out)
        d4, d5 = (p["W3"][0][k] * d6 * f2[k] * (1 - f2[k]) for k in range(2))
        w222b = w222.data if w222_in_backward is None else w222_in_backward
        d2 = f1[1] * (1 - f1[1]) * (p["W2"][0][1] * d4 + w222b * d5)
        return d2 * x[0]

    doc = {"w121": p["W1"][1][0], "w222": 3.0}
    slip = check_formula(loss, {"w121": lambda a, b: by_hand(a, b, 2.0)}, at=doc, samples=5, seed=0)
    row = slip.rows[0]
    assert not slip and not row.ok
    assert math.isclose(row.engine, ref["expected_grads"]["delta1"][1] * x[0], rel_tol=1e-9)
    assert math.isclose(row.hand, -2.451e-12, rel_tol=1e-3)  # the document's printed δ2
    # finite differences (2 good digits here: L ≈ 3e-6 is computed from 1 − ŷ ≈ 0.0025) side with the engine
    assert abs(row.numeric - row.engine) < 0.01 * abs(row.engine) < 0.1 * abs(row.numeric - row.hand)
    assert check_formula(loss, {"w121": lambda a, b: by_hand(a, b, None)}, at=doc, samples=5, seed=0)


def test_check_formula_input_errors():
    with pytest.raises(ValueError, match="not an input of f"):
        check_formula("x*y", {"z": "1"})
    with pytest.raises(ValueError, match="uses w, not inputs of f"):
        check_formula("x*y", {"x": "w"})
    with pytest.raises(ValueError, match="no value for y"):
        check_formula("x*y", {"x": "y"}, at={"x": 1.0})
    with pytest.raises(ValueError, match="f cannot be evaluated at x = -1: log"):
        check_formula("log(x)", {"x": "1/x"}, at={"x": -1.0})
    with pytest.raises(ValueError, match="nothing to check"):
        check_formula("x", {"x": "1"}, samples=0)
    with pytest.raises(TypeError, match="must name its inputs"):
        check_formula(lambda *a: a[0], {"x": "1"})
    with pytest.raises(TypeError, match="hand must map"):
        check_formula("x", "1")
    with pytest.raises(autodiff.verify.expressions.ExpressionError, match="attribute access"):
        check_formula("x", {"x": "x.__class__"})


# ---- gradcheck of a model's own parameters (f takes no inputs) --------------------------------------
def test_gradcheck_nudges_a_models_parameters_in_place_and_restores_them():
    import nn
    from nn import functional as F

    net = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    X, y = [[0.5, -1.0], [1.5, 0.3]], [1.0, -1.0]
    params = dict(net.named_parameters())
    before = [(p.data, p.grad) for p in params.values()]
    report = autodiff.gradcheck(lambda: F.mse([net(x) for x in X], y), params)
    assert report and [r.name for r in report.rows] == list(params)
    assert [(p.data, p.grad) for p in params.values()] == before  # data put back, grads untouched
    loss = F.mse([net(x) for x in X], y)
    loss.backward()
    assert [r.analytic for r in report.rows] == [p.grad for p in params.values()]


def test_gradcheck_in_place_catches_a_cut_gradient_and_handles_unused_values():
    p, unused = Value(1.5, label="p"), Value(2.0, label="unused")
    report = autodiff.gradcheck(lambda: p.detach() * p, [p, unused])  # d/dp p² = 3, the graph says 1.5
    rows = {r.name: r for r in report.rows}
    assert not report and not rows["p"].ok
    assert rows["p"].analytic == 1.5 and rows["p"].numeric == pytest.approx(3.0, rel=1e-8)
    assert rows["unused"].ok and rows["unused"].analytic == 0.0 and rows["unused"].numeric == 0.0
    with pytest.raises(TypeError, match="the Values it reads"):
        autodiff.gradcheck(lambda: p * p, [1.0])
