"""autodiff.gc_paused: the collector off inside the block, and exactly as it was after, on every exit
path, nested, and with several threads inside at once; nn.fit trains inside it."""

from __future__ import annotations

import gc
import threading

import pytest

import autodiff
import nn


@pytest.fixture(autouse=True)
def _collector_back_on():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_off_inside_and_back_on_after_also_after_an_exception():
    gc.enable()
    with autodiff.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), autodiff.gc_paused():
        raise KeyError("boom")
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off():
    gc.disable()
    with autodiff.gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_blocks_restore_only_when_the_outermost_leaves():
    gc.enable()
    with autodiff.gc_paused():
        with autodiff.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still open
    assert gc.isenabled()


def test_as_a_decorator():
    seen = []

    @autodiff.gc_paused()
    def step():
        seen.append(gc.isenabled())
        raise ValueError("inside")

    gc.enable()
    with pytest.raises(ValueError):
        step()
    assert seen == [False] and gc.isenabled()


def test_threads_overlapping_blocks_share_one_count():
    """Thread A enters, B enters, A leaves (still off: B is inside), B leaves: back on."""
    gc.enable()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    states = {}

    def a():
        with autodiff.gc_paused():
            a_in.set()
            b_in.wait(5)
        states["after a"] = gc.isenabled()
        a_out.set()

    def b():
        a_in.wait(5)
        with autodiff.gc_paused():
            b_in.set()
            a_out.wait(5)
            states["b inside, a gone"] = gc.isenabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert states == {"after a": False, "b inside, a gone": False}
    assert gc.isenabled()


def test_fit_trains_with_the_collector_paused_and_restores_it():
    seen = []
    model = nn.MLP(2, [3, 1], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0]
    gc.enable()
    nn.fit(model, X, y, steps=2, progress=False, callback=lambda step, loss: seen.append(gc.isenabled()))
    assert seen == [False, False] and gc.isenabled()

    def fail(step, loss):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        nn.fit(model, X, y, steps=2, progress=False, callback=fail)
    assert gc.isenabled()
