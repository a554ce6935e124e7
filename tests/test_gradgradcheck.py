"""gradgradcheck: the engine's second derivatives against finite differences of its first ones,
in gradcheck's report style; it passes right second derivatives and fails a planted wrong one."""

from __future__ import annotations

import pytest

import autodiff
from autodiff import Value
from autodiff.custom import remove_operation


@pytest.mark.parametrize("f, xs", [
    (lambda x, y: (x * y).tanh() * x + y.exp() / x, [0.4, -0.8]),
    (lambda x, y, z: autodiff.dot([x, y], [y, z]).sigmoid() + (z * z).log(), [0.3, 1.2, -0.7]),
    ("sin(x) * y ** 2 + sqrt(x)", [0.6, 1.5]),
    (lambda x: (x ** 3).relu() + abs(x) * x, [-0.5]),
])  # fmt: skip
def test_right_second_derivatives_pass(f, xs):
    report = autodiff.gradgradcheck(f, xs)
    assert report, str(report)
    assert len(report.rows) == len(xs) ** 2 and str(report).splitlines()[-1].startswith("✓")


def test_a_planted_wrong_second_derivative_fails():
    """x's number in the derivative: right on floats (first derivatives pass gradcheck) but a
    constant on Values, so the second derivative of x²·x comes out 2.8 instead of 4.2. (float(x)
    would be the same slip, but a Value refuses float(), naming it.)"""
    sq = autodiff.operation("planted_square", "sq", lambda x: x * x, lambda x, out: 2.0 * getattr(x, "data", x))
    try:
        assert autodiff.gradcheck(lambda x: sq(x) * x, [0.7])
        report = autodiff.gradgradcheck(lambda x: sq(x) * x, [0.7])
        assert not report
        (row,) = report.failures
        assert row.analytic == pytest.approx(2.8) and row.numeric == pytest.approx(4.2, rel=1e-6)
        text = str(report)
        assert text.startswith("gradgradcheck of") and "✗ 1 of 1 second derivatives disagree: ∂²f/∂x∂x" in text
        assert "<table>" in report._repr_html_()
    finally:
        remove_operation("planted_square")


def test_leaves_every_grad_and_data_alone():
    x, y = Value(0.4, label="x"), Value(-0.8, label="y")
    x.grad = 5.0
    report = autodiff.gradgradcheck(lambda x, y: x * y * y, [x, y])
    assert report and (x.grad, y.grad, x.data, y.data) == (5.0, 0.0, 0.4, -0.8)
    assert [r.name for r in report.rows] == ["∂²f/∂x∂x", "∂²f/∂y∂x", "∂²f/∂x∂y", "∂²f/∂y∂y"]


def test_a_point_where_f_fails_is_reported_not_raised():
    report = autodiff.gradgradcheck(lambda x: x.log(), [1e-9])
    assert not report and "f fails at x ± eps" in str(report)
    with pytest.raises(ValueError, match="eps must be > 0"):
        autodiff.gradgradcheck(lambda x: x, [1.0], eps=0)
