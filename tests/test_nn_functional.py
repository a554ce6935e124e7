"""nn.functional: every loss against PyTorch float64 (when installed) and finite differences,
stability at logits of ±1000, and a clear ValueError for bad input."""

from __future__ import annotations

import math

import pytest
from nn_checks import assert_close, fd_close, finite_differences

from autodiff import Value
from nn import functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch comparisons skip; finite differences still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

PRED = [0.3, -1.2, 2.5, 0.05]
PROB = [0.2, 0.7, 0.95, 0.5]
LOGITS = [1.5, -0.3, 0.2, 2.1]
TARGET = [0.5, -1.0, 2.0, 0.0]
LABELS01 = [0.0, 1.0, 1.0, 0.0]
LABELS_PM = [-1.0, 1.0, 1.0, -1.0]


def leaves(xs):
    return [Value(x) for x in xs]


def tensor(xs):
    return torch.tensor(xs, dtype=torch.float64, requires_grad=True)


# (name, our loss on a list of Values, torch's loss on a tensor, input numbers)
CASES = [
    ("mse", lambda v: F.mse(v, TARGET), lambda t: TF.mse_loss(t, torch.tensor(TARGET, dtype=torch.float64)), PRED),
    (
        "half_squared_error",
        lambda v: F.half_squared_error(v, TARGET),
        lambda t: 0.5 * ((torch.tensor(TARGET, dtype=torch.float64) - t) ** 2).sum(),
        PRED,
    ),
    (
        "binary_cross_entropy",
        lambda v: F.binary_cross_entropy(v, LABELS01),
        lambda t: TF.binary_cross_entropy(t, torch.tensor(LABELS01, dtype=torch.float64)),
        PROB,
    ),
    (
        "bce_soft_labels",
        lambda v: F.binary_cross_entropy(v, [0.3, 0.9, 0.0, 1.0]),
        lambda t: TF.binary_cross_entropy(t, torch.tensor([0.3, 0.9, 0.0, 1.0], dtype=torch.float64)),
        PROB,
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda v: F.binary_cross_entropy_with_logits(v, LABELS01),
        lambda t: TF.binary_cross_entropy_with_logits(t, torch.tensor(LABELS01, dtype=torch.float64)),
        LOGITS,
    ),
    (
        "hinge",
        lambda v: F.hinge(v, LABELS_PM),
        lambda t: torch.relu(1 - torch.tensor(LABELS_PM, dtype=torch.float64) * t).mean(),
        PRED,
    ),
    (
        "cross_entropy",
        lambda v: F.cross_entropy(v, 2),
        lambda t: TF.cross_entropy(t.unsqueeze(0), torch.tensor([2])),
        LOGITS,
    ),
    (
        "softmax·c",
        lambda v: sum(c * p for c, p in zip(TARGET, F.softmax(v))),
        lambda t: (torch.tensor(TARGET, dtype=torch.float64) * torch.softmax(t, 0)).sum(),
        LOGITS,
    ),
    (
        "log_softmax·c",
        lambda v: sum(c * p for c, p in zip(TARGET, F.log_softmax(v))),
        lambda t: (torch.tensor(TARGET, dtype=torch.float64) * torch.log_softmax(t, 0)).sum(),
        LOGITS,
    ),
    ("l2_penalty", lambda v: F.l2_penalty(v, 0.01), lambda t: 0.01 * (t * t).sum(), PRED),
]
IDS = [c[0] for c in CASES]


@needs_torch
@pytest.mark.parametrize(("name", "ours", "theirs", "xs"), CASES, ids=IDS)
def test_loss_value_and_gradient_match_torch(name, ours, theirs, xs):
    v = leaves(xs)
    loss = ours(v)
    loss.backward()
    t = tensor(xs)
    tl = theirs(t)
    tl.backward()
    assert_close(loss.data, tl.item(), 1e-12, name)
    for i, (a, b) in enumerate(zip(v, t.grad.tolist())):
        assert math.isclose(a.grad, b, rel_tol=1e-12, abs_tol=1e-15), (name, i, a.grad, b)


@pytest.mark.parametrize(("name", "ours", "theirs", "xs"), CASES, ids=IDS)
def test_loss_gradient_matches_finite_differences(name, ours, theirs, xs):
    v = leaves(xs)
    ours(v).backward()
    numeric = finite_differences(lambda: ours(v).data, v)
    for a, g in zip(v, numeric):
        assert fd_close(a.grad, g), (name, a.grad, g)


def test_half_squared_error_of_one_output_is_the_documents_loss():
    yhat = Value(0.9975186881409559)
    loss = F.half_squared_error(yhat, 1.0)
    loss.backward()
    assert_close(loss.data, 0.5 * (1.0 - 0.9975186881409559) ** 2, 1e-15, "½(y − ŷ)²")
    assert_close(yhat.grad, 0.9975186881409559 - 1.0, 1e-15, "∂/∂ŷ = ŷ − y")


def test_softmax_sums_to_one_and_matches_the_formula():
    p = F.softmax(leaves(LOGITS))
    e = [math.exp(z) for z in LOGITS]
    for pi, ei in zip(p, e):
        assert_close(pi.data, ei / sum(e), 1e-14, "softmax")
    assert math.isclose(sum(pi.data for pi in p), 1.0, rel_tol=1e-15)
    assert [v.data for v in F.log_softmax(LOGITS)] == pytest.approx([math.log(ei / sum(e)) for ei in e], rel=1e-14)


def test_cross_entropy_is_finite_at_logits_of_plus_minus_1000():
    z = leaves([1000.0, -1000.0, 0.0])
    loss = F.cross_entropy(z, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert [v.grad for v in z] == [1.0, -1.0, 0.0]  # softmax − one-hot
    z = leaves([1000.0, -1000.0])
    good = F.cross_entropy(z, 0)
    good.backward()
    assert good.data == 0.0 and [v.grad for v in z] == [0.0, 0.0]
    s = leaves([1000.0, -1000.0])
    bce = F.binary_cross_entropy_with_logits(s, [0.0, 1.0])
    bce.backward()
    assert bce.data == 1000.0 and [v.grad for v in s] == [0.5, -0.5]
    assert all(math.isfinite(p.data) for p in F.softmax([1000.0, -1000.0, 999.0]))
    assert all(math.isfinite(p.data) for p in F.log_softmax([1000.0, -1000.0]))


@needs_torch
def test_stable_losses_match_torch_at_extreme_logits():
    xs = [1000.0, -1000.0, 3.0]
    v = leaves(xs)
    loss = F.cross_entropy(v, 2)
    loss.backward()
    t = tensor(xs)
    tl = TF.cross_entropy(t.unsqueeze(0), torch.tensor([2]))
    tl.backward()
    assert_close(loss.data, tl.item(), 1e-12, "cross-entropy at ±1000")
    assert [a.grad for a in v] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-300)
    v = leaves(xs)
    loss = F.binary_cross_entropy_with_logits(v, [0.0, 0.0, 1.0])
    loss.backward()
    t = tensor(xs)
    tl = TF.binary_cross_entropy_with_logits(t, torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))
    tl.backward()
    assert_close(loss.data, tl.item(), 1e-12, "BCE with logits at ±1000")
    assert [a.grad for a in v] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-300)


@needs_torch
def test_cross_entropy_of_a_batch_is_the_mean():
    rows = [[0.2, -1.0, 3.0], [1.5, 0.5, -0.5]]
    v = [leaves(r) for r in rows]
    loss = F.cross_entropy(v, [2, 0])
    loss.backward()
    t = tensor(rows)
    tl = TF.cross_entropy(t, torch.tensor([2, 0]))
    tl.backward()
    assert_close(loss.data, tl.item(), 1e-12, "batch cross-entropy")
    for row, trow in zip(v, t.grad.tolist()):
        assert [a.grad for a in row] == pytest.approx(trow, rel=1e-12)


def test_hinge_is_micrographs_demo_loss():
    s = [Value(0.5), Value(-2.0), Value(1.5)]
    loss = F.hinge(s, [1, 1, -1])
    expected = (max(0.0, 1 - 0.5) + max(0.0, 1 + 2.0) + max(0.0, 1 + 1.5)) / 3
    assert_close(loss.data, expected, 1e-15, "hinge")
    loss.backward()
    assert [v.grad for v in s] == pytest.approx([-1 / 3, -1 / 3, 1 / 3], rel=1e-15)


def test_accuracy():
    assert F.accuracy([Value(0.3), -0.2, 2.0, -1.0], [1, -1, -1, 1]) == 0.5
    assert F.accuracy([0.7, 0.2], [1, 0], threshold=0.5) == 1.0
    assert F.accuracy([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]], [1, 2]) == 0.5


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.mse([], []), ValueError, "pred is empty"),
        (lambda: F.hinge([], []), ValueError, "scores is empty"),
        (lambda: F.cross_entropy([], 0), ValueError, "logits is empty"),
        (lambda: F.softmax([]), ValueError, "logits is empty"),
        (lambda: F.l2_penalty([]), ValueError, "no parameters"),
        (lambda: F.mse([1.0, 2.0], [1.0]), ValueError, "1 entries but there are 2 predictions"),
        (
            lambda: F.cross_entropy([1.0, 2.0], 2),
            ValueError,
            r"target index 2 is out of range for 2 classes \(0\.\.1\)",
        ),
        (lambda: F.cross_entropy([1.0, 2.0], -1), ValueError, "out of range"),
        (lambda: F.cross_entropy([1.0, 2.0], 0.5), ValueError, "class index"),
        (lambda: F.cross_entropy([1.0, 2.0], True), TypeError, "class index"),
        (lambda: F.cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 samples of logits but 2 targets"),
        (lambda: F.binary_cross_entropy([1.2], [1.0]), ValueError, r"prob\[0\] = 1\.2 is not a probability"),
        (lambda: F.binary_cross_entropy([-0.1], [0.0]), ValueError, "not a probability"),
        (lambda: F.binary_cross_entropy([0.5], [2.0]), ValueError, r"target\[0\] = 2\.0 must be in \[0, 1\]"),
        (lambda: F.binary_cross_entropy([0.0, 0.5], [1.0, 1.0]), ValueError, "infinite loss"),
        (lambda: F.binary_cross_entropy_with_logits([0.5], [-1.0]), ValueError, "must be in"),
        (lambda: F.hinge([0.5, 0.2], [1, 0]), ValueError, r"labels\[1\] = 0\.0; the hinge loss needs labels -1 or \+1"),
        (lambda: F.mse([0.5], [float("nan")]), ValueError, "finite number"),
        (lambda: F.mse(["a"], [1.0]), TypeError, "must be a Value or a number"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bce_at_exact_probabilities_with_the_matching_label_is_fine():
    p = [Value(1.0), Value(0.0)]
    loss = F.binary_cross_entropy(p, [1.0, 0.0])
    assert loss.data == 0.0


def test_mse_of_a_batch_of_rows_averages_every_entry_and_logits_may_be_a_generator():
    rows = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    loss = F.mse(rows, [[0.0, 2.0], [1.0, 1.0]])
    assert loss.data == (1.0 + 0.0 + 1.0 + 4.0) / 4
    z = [0.5, -0.5, 2.0]
    assert F.cross_entropy((v for v in z), 2).data == F.cross_entropy(z, 2).data
