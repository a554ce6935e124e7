"""nn.optim against torch.optim (float64) for a few steps: SGD (plain, momentum, weight decay),
Adam, and the two schedules; plus the update rule of seed 004 and bad settings."""

from __future__ import annotations

import math

import pytest
from nn_checks import assert_close

import autodiff
import nn
from autodiff import Value

START = [0.8, -1.3, 0.25, 2.0, -0.6]


def loss_of(p):
    """A small non-quadratic loss whose gradient changes every step (works on Values and tensors)."""
    total = 0
    for i in range(len(p)):
        total = total + (i + 1) * 0.5 * p[i] * p[i] + 0.3 * p[i] * p[(i + 1) % len(p)]
    return total + (p[0] - 0.5 * p[-1]) ** 4


def run_ours(make, steps=5):
    params = [Value(x) for x in START]
    opt = make(params)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
    return [p.data for p in params]


def run_torch(make, steps=5):
    torch = pytest.importorskip("torch")
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = make([t])
    for _ in range(steps):
        opt.zero_grad()
        loss_of(t).backward()
        opt.step()
    return t.detach().tolist()


@pytest.mark.parametrize(
    ("name", "ours", "theirs"),
    [
        ("sgd", lambda p: nn.SGD(p, lr=0.05), lambda t: _torch().optim.SGD(t, lr=0.05)),
        (
            "momentum",
            lambda p: nn.SGD(p, lr=0.05, momentum=0.9),
            lambda t: _torch().optim.SGD(t, lr=0.05, momentum=0.9),
        ),
        (
            "momentum+decay",
            lambda p: nn.SGD(p, lr=0.05, momentum=0.8, weight_decay=0.1),
            lambda t: _torch().optim.SGD(t, lr=0.05, momentum=0.8, weight_decay=0.1),
        ),
        ("adam", lambda p: nn.Adam(p, lr=0.1), lambda t: _torch().optim.Adam(t, lr=0.1, foreach=False)),
        (
            "adam-betas-decay",
            lambda p: nn.Adam(p, lr=0.03, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
            lambda t: _torch().optim.Adam(t, lr=0.03, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, foreach=False),
        ),
    ],
)
def test_optimizer_matches_torch_for_several_steps(name, ours, theirs):
    a = run_ours(ours, steps=6)
    b = run_torch(theirs, steps=6)
    for i, (x, y) in enumerate(zip(a, b)):
        assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-14), (name, i, x, y)


def _torch():
    return pytest.importorskip("torch")


def test_sgd_step_is_w_minus_eta_grad_and_lowers_the_loss():
    w = [Value(1.0), Value(-2.0)]
    loss = loss_of(w)
    loss.backward()
    grads = [p.grad for p in w]
    nn.SGD(w, lr=0.01).step()
    assert [p.data for p in w] == [1.0 - 0.01 * grads[0], -2.0 - 0.01 * grads[1]]
    assert loss_of(w).data < loss.data


def test_adam_first_step_moves_each_parameter_by_about_lr():
    w = [Value(3.0), Value(-0.001)]
    loss_of(w).backward()
    signs = [math.copysign(1.0, p.grad) for p in w]
    nn.Adam(w, lr=0.1).step()  # m̂ = g, v̂ = g²: the first step is lr·g/(|g| + ε)
    assert w[0].data == pytest.approx(3.0 - 0.1 * signs[0], rel=1e-9)
    assert w[1].data == pytest.approx(-0.001 - 0.1 * signs[1], rel=1e-6)


def test_optimizers_accept_a_module_and_zero_its_grads():
    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(model, lr=0.1)
    assert opt.params == model.parameters()
    model([1.0, 2.0]).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert repr(opt) == "SGD(9 parameters, lr=0.1, momentum=0.0, weight_decay=0.0)"


def test_schedules_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [
        (lambda o: nn.StepLR(o, step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5)),
        (
            lambda o: nn.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
        ),
        (
            lambda o: nn.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
        ),
    ]:
        opt = nn.SGD([Value(1.0)], lr=0.8)
        sched = ours(opt)
        t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.8)
        t_sched = theirs(t_opt)
        for _ in range(14):
            assert_close(opt.lr, t_opt.param_groups[0]["lr"], 1e-12, type(sched).__name__)
            assert sched.get_last_lr() == [opt.lr]
            opt.step()
            t_opt.step()
            sched.step()
            t_sched.step()


def test_micrograds_schedule_is_linear_lr():
    opt = nn.SGD([Value(1.0)], lr=1.0)
    sched = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    for k in range(120):
        assert opt.lr == pytest.approx(1.0 - 0.9 * min(k, 100) / 100, rel=1e-12)
        sched.step()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.SGD([], lr=0.1), "empty parameter list"),
        (lambda: nn.SGD([Value(1.0)], lr=-1), "lr must be a finite number >= 0"),
        (lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=float("nan")), "momentum"),
        (lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)), "betas"),
        (lambda: nn.StepLR(nn.SGD([Value(1.0)], lr=0.1), step_size=0), "step_size"),
        (lambda: nn.LinearLR(nn.SGD([Value(1.0)], lr=0.1), total_iters=0), "total_iters"),
    ],
)
def test_bad_settings_raise(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_non_value_parameters_raise_a_type_error():
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        nn.SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match="nn optimizer"):
        nn.StepLR(object(), step_size=1)
    assert autodiff.is_grad_enabled()
