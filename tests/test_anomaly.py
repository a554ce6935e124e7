"""``autodiff.detect_anomaly()``, as ``torch.autograd.detect_anomaly``: backward stops at the first
gradient that becomes NaN or infinite, naming the node, its operation, its inputs and the line
that made it, and leaves every grad as it was."""

from __future__ import annotations

import math
import threading

import pytest

import autodiff
from autodiff import AnomalyError, Value


def test_sqrt_at_zero_is_caught_with_the_line_that_made_it():
    x = Value(0.0, label="x")
    y = Value(3.0, label="y")
    with autodiff.detect_anomaly():
        r = x.sqrt()  # the line the error must point at
        f = r * y
        with pytest.raises(AnomalyError) as info:
            f.backward()
    message = str(info.value)
    assert "'x'" in message and "became inf" in message and "sqrt" in message
    assert "upstream 3.0 × local ∂sqrt/∂input inf" in message
    assert "test_anomaly.py" in message and "test_sqrt_at_zero_is_caught" in message
    assert x.grad == 0.0 and y.grad == 0.0 and f.grad == 0.0 and r.grad == 0.0  # as before the call


def test_without_detect_anomaly_the_infinite_gradient_is_kept_as_pytorch_does():
    x = Value(0.0)
    (x.sqrt() * 3).backward()
    assert x.grad == math.inf


def test_nan_from_zero_times_infinity_is_caught():
    x = Value(0.0, label="x")
    with autodiff.detect_anomaly():
        f = x.sqrt() * 0.0  # upstream 0 × local inf = nan
        with pytest.raises(AnomalyError, match="became nan"):
            f.backward()


def test_grads_held_before_are_put_back_exactly():
    x = Value(0.0, label="x")
    w = Value(2.0, label="w")
    f = x.sqrt() * w
    x.grad, w.grad = 0.125, -7.5
    with autodiff.detect_anomaly(), pytest.raises(AnomalyError, match="made outside detect_anomaly"):
        f.backward()
    assert (x.grad, w.grad, f.grad) == (0.125, -7.5, 0.0)


def test_finite_backward_is_unchanged_under_detect_anomaly():
    x, y = Value(-2.0), Value(5.0)
    with autodiff.detect_anomaly():
        f = (x + y) * x.tanh() / y
        f.backward()
    g_x, g_y = x.grad, y.grad
    x.grad = y.grad = 0.0
    f.backward()
    assert (x.grad, y.grad) == (g_x, g_y)


def test_anomaly_detection_is_per_thread_and_switches_off_after():
    seen = {}

    def other():
        x = Value(0.0)
        (x.sqrt() * 2).backward()  # not in detect_anomaly in this thread: inf is kept
        seen["grad"] = x.grad

    with autodiff.detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join(30)
    assert seen["grad"] == math.inf
    assert autodiff.engine._tracking is False
    x = Value(0.0)
    (x.sqrt() * 2).backward()
    assert x.grad == math.inf
