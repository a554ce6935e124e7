"""nn.functional.im2col / conv2d / max_pool2d / avg_pool2d and nn.Conv2d: values and gradients
against PyTorch float64 (to 1e-10) on random shapes, channels, strides and padding; finite
differences; PyTorch's tie rule for max pooling; shape and stride errors; the module's names."""

from __future__ import annotations

import math
import random

import pytest
from nn_checks import fd_close, finite_differences

import autodiff
import nn
from autodiff import Value
from nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def grid(rng, *shape, lo=-1.0, hi=1.0):
    if len(shape) == 1:
        return [rng.uniform(lo, hi) for _ in range(shape[0])]
    return [grid(rng, *shape[1:], lo=lo, hi=hi) for _ in range(shape[0])]


def values(x):
    return [values(v) for v in x] if isinstance(x, list) else Value(x)


def flat(x):
    return [w for v in x for w in flat(v)] if isinstance(x, list) else [x]


def t64(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def close(a, b, tol=1e-10):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def assert_all_close(ours, theirs, what):
    ours, theirs = flat(ours), [float(t) for t in theirs.detach().flatten()]
    assert len(ours) == len(theirs), what
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if not close(a, b)]
    assert not bad, f"{what}: {bad[:3]}"


def data(x):
    return [data(v) for v in x] if isinstance(x, list) else x.data


def upstream_loss(y, rng):
    """L = Σ r·y with random weights r (every output gets its own upstream gradient)."""
    ys = flat(y)
    r = [rng.uniform(-1, 1) for _ in ys]
    return autodiff.dot(ys, r), r


# (C_in, H, W, C_out, kernel, stride, padding)
CASES = [
    (1, 3, 3, 1, 2, 1, 0),            # seed 001's single-channel case
    (3, 3, 3, 2, 2, 1, 0),            # its multi-channel case: 3 in, 2 out, 6 kernels of 4
    (2, 5, 6, 3, 3, 2, 1),
    (3, 6, 5, 2, (2, 3), (2, 1), (1, 0)),
    (1, 7, 7, 2, 3, 3, 2),
    (4, 4, 5, 1, (1, 2), 1, (0, 1)),
]


@pytest.mark.parametrize("case", CASES)
def test_im2col_is_the_transpose_of_torch_unfold(case):
    c, h, w, _, k, s, p = case
    rng = random.Random(str(case))
    x = grid(rng, c, h, w)
    cols = F.im2col(x, k, s, p)
    ref = TF.unfold(t64([x]), k, stride=s, padding=p)[0].T  # unfold: one column per window
    assert len(cols) == ref.shape[0] and all(len(row) == ref.shape[1] for row in cols)
    assert_all_close(cols, ref, "im2col")


def test_im2col_of_the_documents_3x3_example_has_four_rows_of_four():
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    assert F.im2col(x, 2) == [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]
    xs = values(x)
    assert F.im2col(xs, 2)[3][0] is xs[0][1][1]  # the entries are the inputs themselves


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_values_and_gradients_match_torch(case, with_bias):
    c, h, w, c_out, k, s, p = case
    kh, kw = (k, k) if isinstance(k, int) else k
    rng = random.Random(f"{case}{with_bias}")
    x0, w0, b0 = grid(rng, c, h, w), grid(rng, c_out, c, kh, kw), grid(rng, c_out)
    x, wt, b = values(x0), values(w0), values(b0) if with_bias else None
    y = F.conv2d(x, wt, b, stride=s, padding=p)
    loss, r = upstream_loss(y, rng)
    loss.backward()
    tx, tw, tb = t64([x0], True), t64(w0, True), t64(b0, True) if with_bias else None
    ty = TF.conv2d(tx, tw, tb, stride=s, padding=p)[0]
    assert_all_close(data(y), ty, "conv2d values")
    (ty.flatten() * t64(r)).sum().backward()
    assert_all_close([v.grad for v in flat(x)], tx.grad, "∂L/∂x")
    assert_all_close([v.grad for v in flat(wt)], tw.grad, "∂L/∂weight")
    if with_bias:
        assert_all_close([v.grad for v in b], tb.grad, "∂L/∂bias")


def test_each_conv_output_is_one_dot_node_with_the_bias():
    rng = random.Random(1)
    x, wt, b = values(grid(rng, 2, 3, 3)), values(grid(rng, 1, 2, 2, 2)), [Value(0.5, label="b")]
    y = F.conv2d(x, wt, b)
    assert len(y) == 1 and len(y[0]) == 2 and len(y[0][0]) == 2
    node = y[0][1][0]
    assert node.op == "dot"
    assert node.parents == (*flat(wt[0]), b[0], *flat(F.im2col(x, 2)[2]))  # weights, bias, window


def test_conv2d_gradients_match_finite_differences():
    rng = random.Random(2)
    x, wt, b = values(grid(rng, 2, 4, 4)), values(grid(rng, 2, 2, 3, 3)), values(grid(rng, 2))
    r = grid(rng, 2 * 2 * 2)

    def loss():
        return autodiff.dot(flat(F.conv2d(x, wt, b, stride=2, padding=1)), r)

    loss().backward()
    leaves = [*flat(x), *flat(wt), *b]
    numeric = finite_differences(lambda: loss().data, leaves)
    assert all(fd_close(v.grad, n) for v, n in zip(leaves, numeric))


POOLS = [(2, 4, 4, 2, None), (3, 5, 6, 2, 1), (2, 6, 5, (3, 2), (2, 1)), (1, 7, 7, 3, 2), (2, 4, 6, (2, 3), None)]


@pytest.mark.parametrize("case", POOLS)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_values_and_gradients_match_torch(case, kind):
    c, h, w, k, s = case
    rng = random.Random(f"{case}{kind}")
    x0 = grid(rng, c, h, w)
    x = values(x0)
    ours, theirs = (F.max_pool2d, TF.max_pool2d) if kind == "max" else (F.avg_pool2d, TF.avg_pool2d)
    y = ours(x, k, s)
    loss, r = upstream_loss(y, rng)
    loss.backward()
    tx = t64([x0], True)
    ty = theirs(tx, k, s)[0]
    assert_all_close(data(y), ty, f"{kind}_pool2d values")
    (ty.flatten() * t64(r)).sum().backward()
    assert_all_close([v.grad for v in flat(x)], tx.grad, f"{kind}_pool2d ∂L/∂x")


@pytest.mark.parametrize("stride", [None, 1])
def test_max_pool_ties_follow_torch_the_first_maximum_in_reading_order_wins(stride):
    rng = random.Random(stride or 0)
    for _ in range(20):  # small integers: many ties, overlapping windows when stride = 1
        x0 = [[[float(rng.randint(0, 2)) for _ in range(6)] for _ in range(5)] for _ in range(2)]
        x = values(x0)
        y = F.max_pool2d(x, 2, stride)
        loss, r = upstream_loss(y, rng)
        loss.backward()
        tx = t64([x0], True)
        ty = TF.max_pool2d(tx, 2, stride)[0]
        (ty.flatten() * t64(r)).sum().backward()
        assert_all_close([v.grad for v in flat(x)], tx.grad, "max_pool2d tie")


def test_max_pool_tie_by_hand():
    x = values([[[1.0, 3.0], [3.0, 0.0]]])  # two 3s: the first in reading order (row 0, column 1) wins
    F.max_pool2d(x, 2)[0][0][0].backward()
    assert [[v.grad for v in row] for row in x[0]] == [[0.0, 1.0], [0.0, 0.0]]


def test_avg_pool_gives_each_entry_upstream_over_the_window_size():
    x = values([[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]])
    y = F.avg_pool2d(x, 2)
    assert [v.data for v in y[0][0]] == [3.5, 5.5]
    (2.0 * y[0][0][0] + 4.0 * y[0][0][1]).backward()
    assert [[v.grad for v in row] for row in x[0]] == [[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0]]


def test_pooling_gradients_match_finite_differences():
    rng = random.Random(3)
    x = values(grid(rng, 2, 5, 5))  # distinct values: the maximum does not move under ±1e-6
    r = grid(rng, 2 * 4 * 4)
    for pool in (F.max_pool2d, F.avg_pool2d):
        for v in flat(x):
            v.grad = 0.0
        autodiff.dot(flat(pool(x, 2, 1)), r).backward()
        numeric = finite_differences(lambda pool=pool: autodiff.dot(flat(pool(x, 2, 1)), r).data, flat(x))
        assert all(fd_close(v.grad, n) for v, n in zip(flat(x), numeric)), pool.__name__


def test_plain_numbers_are_constants_and_mixed_inputs_work():
    w = values([[[[1.0, -1.0], [0.5, 2.0]]]])
    y = F.conv2d([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], w, [1])
    assert data(y) == [[[1 - 2 + 2 + 10 + 1, 2 - 3 + 2.5 + 12 + 1], [4 - 5 + 3.5 + 16 + 1, 5 - 6 + 4 + 18 + 1]]]
    y[0][0][0].backward()
    assert [v.grad for v in flat(w)] == [1.0, 2.0, 4.0, 5.0]
    assert data(F.max_pool2d([[[1, 5], [2, Value(3.0)]]], 2)) == [[[5.0]]]


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: F.conv2d(grid(random.Random(0), 2, 3, 3), grid(random.Random(0), 1, 3, 2, 2)),
         ["conv2d", "1 × 3 × 2 × 2", "3 input channels", "2 × 3 × 3"]),
        (lambda: F.conv2d(grid(random.Random(0), 1, 2, 2), grid(random.Random(0), 1, 1, 3, 3)),
         ["conv2d", "3 × 3 kernel", "1 × 2 × 2"]),
        (lambda: F.conv2d(grid(random.Random(0), 1, 3, 3), grid(random.Random(0), 2, 1, 2, 2), [1.0]),
         ["conv2d", "bias", "(1,)", "(2,)"]),
        (lambda: F.conv2d([[1.0, 2.0]], [[[[1.0]]]]), ["conv2d", "C_in × H × W", "shape 1 × 2"]),
        (lambda: F.conv2d([[[1.0, 2.0], [3.0]]], [[[[1.0]]]]), ["conv2d", "x[0][1]", "1 entries, not 2"]),
        (lambda: F.im2col([[[1.0] * 3] * 3], 4), ["im2col", "4 × 4 kernel", "1 × 3 × 3"]),
        (lambda: F.max_pool2d([[[1.0] * 3] * 3], 4), ["max_pool2d", "4 × 4 kernel", "1 × 3 × 3"]),
        (lambda: F.avg_pool2d([[1.0, 2.0]], 1), ["avg_pool2d", "C × H × W"]),
    ],
)
def test_shapes_that_do_not_fit_are_value_errors_naming_function_and_shapes(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize("bad", [0, -1, 1.5, 2.0, True, "2", (2, 0), (1, 2, 3)])
@pytest.mark.parametrize("what", ["kernel_size", "stride"])
def test_kernel_and_stride_must_be_positive_ints(bad, what):
    x = [[[1.0] * 4] * 4]
    calls = [
        lambda **kw: F.im2col(x, **{"kernel_size": 2, **kw}),
        lambda **kw: F.max_pool2d(x, **{"kernel_size": 2, **kw}),
        lambda **kw: F.avg_pool2d(x, **{"kernel_size": 2, **kw}),
        lambda **kw: nn.Conv2d(1, 1, **{"kernel_size": 2, **kw}),
    ]
    if what == "stride":
        calls.append(lambda **kw: F.conv2d(x, [[[[1.0, 1.0], [1.0, 1.0]]]], **kw))
    for call in calls:
        with pytest.raises(ValueError, match=what):
            call(**{what: bad})


def test_pooling_stride_none_is_the_kernel_size():
    x = grid(random.Random(0), 1, 4, 4)
    assert data(F.max_pool2d(x, 2, None)) == data(F.max_pool2d(x, 2, 2)) and len(F.avg_pool2d(x, 2)[0]) == 2


def test_padding_must_be_a_non_negative_int_and_entries_finite_numbers():
    with pytest.raises(ValueError, match="padding"):
        F.conv2d([[[1.0]]], [[[[1.0]]]], padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: x\[0\]\[0\]\[1\] must be finite"):
        F.conv2d([[[1.0, math.nan]]], [[[[1.0]]]])
    with pytest.raises(TypeError, match=r"conv2d: weight\[0\]\[0\]\[0\]\[0\] must be a Value or a number"):
        F.conv2d([[[1.0]]], [[[["1"]]]])


def test_conv2d_module_names_state_dict_seed_and_scope():
    conv = nn.Conv2d(2, 3, (2, 1), stride=1, padding=1, seed=4)
    names = [n for n, _ in conv.named_parameters()]
    assert len(names) == 3 * 2 * 2 * 1 + 3 and names[0] == "weight.0.0.0.0" and names[-1] == "bias.2"
    assert names[3] == "weight.0.1.1.0" and names[5] == "weight.1.0.1.0" and conv.weight[0][1][1][0].label == "w[0,1,1,0]"
    a = 1 / math.sqrt(2 * 2 * 1)
    assert all(-a <= p.data <= a for p in conv.parameters())
    assert nn.Conv2d(2, 3, (2, 1), seed=4).state_dict() == conv.state_dict()
    other = nn.Conv2d(2, 3, (2, 1), padding=1, seed=5)
    other.load_state_dict(conv.state_dict())
    x = grid(random.Random(0), 2, 3, 3)
    assert data(other(x)) == data(conv(x)) == data(F.conv2d(x, conv.weight, conv.bias, 1, 1))
    assert conv.out[0][0][0].scope == ()
    assert nn.Conv2d(1, 1, 2, bias=False, seed=0).num_parameters() == 4

    class Net(nn.Module):
        def __init__(self):
            self.conv = nn.Conv2d(1, 1, 2, seed=0)
            self._set_path(())

        def named_children(self):
            yield "conv", self.conv

        def forward(self, x):
            return self.conv(x)

    net = Net()
    assert [n for n, _ in net.named_parameters()][-1] == "conv.bias.0"
    with autodiff.scope("model"):
        y = net([[[1.0, 2.0], [3.0, 4.0]]])
    assert y[0][0][0].scope == ("model", "conv") and autodiff.current_scope() == ()


def test_conv2d_copies_and_pickles_without_its_last_graph():
    import copy
    import pickle

    conv = nn.Conv2d(1, 2, 2, seed=0)
    conv([[[1.0, 2.0], [3.0, 4.0]]])
    for twin in (copy.deepcopy(conv), pickle.loads(pickle.dumps(conv))):
        assert twin.out is None and twin.state_dict() == conv.state_dict()
        assert data(twin([[[1.0, 2.0], [3.0, 4.0]]])) == data(conv.out)
