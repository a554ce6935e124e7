"""Grad mode and scopes are per thread, as PyTorch's: a thread inside ``no_grad`` or a scope
changes nothing for the others, each new thread starts with grad on and no scope, and the
single-thread fast path comes back once no thread needs the slow one."""

from __future__ import annotations

import threading

import pytest

import autodiff
import nn
from autodiff import Value, engine

TIMEOUT = 30


def run_threads(*targets):
    """Start every target in its own thread, join them, and re-raise the first failure."""
    errors: list[BaseException] = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as err:  # noqa: BLE001 - handed back to the test below
                errors.append(err)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def expression_and_grads():
    """f = (x + y) · z + x·x with its gradients from the formula: ∂f/∂x = z + 2x, ∂f/∂y = z, ∂f/∂z = x + y."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z + x * x
    f.backward()
    return (x.grad, y.grad, z.grad), (-4.0 + 2 * -2.0, -4.0, 3.0)


def test_a_second_thread_records_while_the_first_is_in_no_grad():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def main_thread_like():
        with autodiff.no_grad():
            inside.set()
            assert done.wait(TIMEOUT)
            a = Value(1.0) * 3
            seen["leaf_in_no_grad"] = a.is_leaf

    def worker():
        assert inside.wait(TIMEOUT)
        seen["enabled"] = autodiff.is_grad_enabled()
        seen["grads"] = expression_and_grads()
        done.set()

    run_threads(main_thread_like, worker)
    assert seen["enabled"] is True
    got, want = seen["grads"]
    assert got == want
    assert seen["leaf_in_no_grad"] is True


def test_new_threads_start_with_grad_on_and_no_scope():
    seen = {}

    def child():
        seen["grad"] = autodiff.is_grad_enabled()
        seen["scope"] = autodiff.current_scope()
        seen["node_scope"] = (Value(1.0) + 1).scope

    with autodiff.no_grad(), autodiff.scope("parent"):
        run_threads(child)
        assert not autodiff.is_grad_enabled() and autodiff.current_scope() == ("parent",)
    assert seen == {"grad": True, "scope": (), "node_scope": ()}


def test_concurrent_scopes_stay_in_their_threads():
    barrier = threading.Barrier(3)
    made: dict[str, list[tuple[str, ...]]] = {}

    def worker(name):
        def run():
            with autodiff.scope(name):
                barrier.wait(TIMEOUT)
                nodes = []
                x = Value(1.0)
                for _ in range(2000):
                    x = (x * 0.5 + 0.25).tanh()
                    nodes.append(x)
                made[name] = sorted({v.scope for v in nodes})
                barrier.wait(TIMEOUT)

        return run

    def unscoped():
        barrier.wait(TIMEOUT)
        x = Value(1.0)
        nodes = [x := x * 0.5 + 0.25 for _ in range(2000)]
        made["none"] = sorted({v.scope for v in nodes})
        barrier.wait(TIMEOUT)

    run_threads(worker("a"), worker("b"), unscoped)
    assert made == {"a": [("a",)], "b": [("b",)], "none": [()]}
    assert autodiff.current_scope() == () and engine._tracking is False


def test_two_threads_calling_predict_leave_gradients_on():
    """The race of issue 10: two threads in nn.predict at once used to leave grad off process-wide."""
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    X = [[0.1 * i, -0.2 * i] for i in range(20)]
    expected = nn.predict(model, X)
    x_leaf, w = Value(0.3), model.parameters()[0]
    start = threading.Barrier(3)
    results: list[list] = []

    def predictor():
        start.wait(TIMEOUT)
        for _ in range(50):
            results.append(nn.predict(model, X))

    def trainer_like():
        start.wait(TIMEOUT)
        for _ in range(200):
            out = model([x_leaf, 1.0])
            assert not out.is_leaf, "a thread outside no_grad built a leaf"
            model.zero_grad()
            x_leaf.grad = 0.0
            out.backward()
            assert w.grad != 0.0 or x_leaf.grad != 0.0

    for _ in range(3):
        run_threads(predictor, predictor, trainer_like)
        start.reset()
        assert autodiff.is_grad_enabled() and engine._grad_enabled
        f = Value(2.0) * Value(3.0)
        assert not f.is_leaf
    assert all(r == expected for r in results) and len(results) == 300


def test_one_no_grad_instance_shared_by_threads_as_a_decorator():
    off = autodiff.no_grad()
    barrier = threading.Barrier(4)
    seen = []

    @off
    def inside():
        barrier.wait(TIMEOUT)
        seen.append((autodiff.is_grad_enabled(), (Value(1.0) * 2).is_leaf))
        barrier.wait(TIMEOUT)

    run_threads(inside, inside, inside, inside)
    assert seen == [(False, True)] * 4
    assert autodiff.is_grad_enabled() and engine._grad_enabled


def test_a_thread_that_ends_inside_no_grad_gives_the_fast_path_back():
    def leaves_it_on():
        autodiff.no_grad().__enter__()  # never exited
        autodiff.scope("left-open").__enter__()
        assert (Value(1.0) * 2).is_leaf

    run_threads(leaves_it_on)
    import gc

    gc.collect()
    assert engine._grad_enabled is True and engine._tracking is False
    assert engine._new is engine._plain_new
    assert not (Value(1.0) * 2).is_leaf


def test_set_grad_enabled_and_enable_grad_as_torch():
    with autodiff.no_grad():
        with autodiff.enable_grad():
            assert not (Value(1.0) * 2).is_leaf
        assert (Value(1.0) * 2).is_leaf
    with autodiff.set_grad_enabled(False):
        assert not autodiff.is_grad_enabled()
    assert autodiff.is_grad_enabled()
    autodiff.set_grad_enabled(False)  # as a function: takes effect now
    try:
        assert (Value(1.0) + 1).is_leaf
    finally:
        autodiff.set_grad_enabled(True)
    assert not (Value(1.0) + 1).is_leaf and engine._grad_enabled
    with pytest.raises(TypeError, match="True or False"):
        autodiff.set_grad_enabled("no")


def test_grad_mode_restored_after_exceptions_in_threads():
    def fails_inside():
        with autodiff.no_grad(), autodiff.scope("s"):
            raise KeyError("boom")

    with pytest.raises(KeyError):
        run_threads(fails_inside)
    assert engine._grad_enabled and not engine._tracking
