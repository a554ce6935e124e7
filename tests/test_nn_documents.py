"""The documents' networks, replayed with ``nn`` number for number.

- Seed 001 §四: the 2-3-2-1 sigmoid network, L = ½(y − ŷ)², y = 1: every z, f(z), δ and gradient
  of the reference to 1e-9, for both readings of w(2)2,2; the δ recursion by hand equals backward().
- Seed 000: two softmax outputs with cross-entropy, one backward and one SGD update, against
  PyTorch float64 (when installed) and finite differences.
- micrograd's demo: MLP 2-16-16-1 on two moons with hinge + 1e-4 L2 reaches 100 % training accuracy,
  and its first loss and gradients equal micrograd's own for the same weights.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import pytest
from nn_checks import assert_close, fd_close, finite_differences

import nn
from autodiff import Value
from autodiff.cli.examples import REFERENCE_KEYS, SHARED_NAMES, printed_agrees, reference
from nn import functional as F

READINGS = [REFERENCE_KEYS[2], REFERENCE_KEYS[3]]  # w(2)2,2 as printed (2), as computed (3)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "worked_examples.json"


def seed001(name: str):
    ex = reference()["examples"][name]
    P = ex["params"]
    net = nn.MLP.from_weights([(P["W1"], P["b1"]), (P["W2"], P["b2"]), (P["W3"], P["b3"])], activations="sigmoid")
    x, y = ex["inputs"]["x"], ex["inputs"]["y"]
    loss = F.half_squared_error(net(x), y)
    loss.backward()
    return ex, net, loss


def test_project_copy_of_seed001_matches_the_shared_reference():
    if not SHARED.exists():
        pytest.skip("the shared reference folder is not beside this checkout")
    shared = {e["name"]: e for e in json.loads(SHARED.read_text(encoding="utf-8"))["examples"]}
    theirs_of = {ours: theirs for theirs, ours in SHARED_NAMES.items()}
    for name in READINGS:  # every number; the name and description are ours (one notation)
        theirs = theirs_of[name]
        ours = {k: v for k, v in reference()["examples"][name].items() if k not in ("name", "description")}
        assert ours == {k: v for k, v in shared[theirs].items() if k not in ("name", "description")}
        assert "w(2,5)" not in reference()["examples"][name]["description"]


@pytest.mark.parametrize("name", READINGS)
def test_seed001_every_z_f_delta_and_gradient(name):
    ex, net, loss = seed001(name)
    fwd, grads = ex["expected_forward"], ex["expected_grads"]
    assert_close(loss.data, fwd["loss"], 1e-9, "loss")
    for l, layer in enumerate(net.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            where = f"layer {l} neuron {j}"
            assert_close(neuron.z.data, fwd[f"z{l}"][j], 1e-9, f"z, {where}")
            assert_close(neuron.out.data, fwd[f"f{l}"][j], 1e-9, f"f(z), {where}")
            assert_close(neuron.z.grad, grads[f"delta{l}"][j], 1e-9, f"δ, {where}")
            assert_close(neuron.b.grad, grads[f"b{l}"][j], 1e-9, f"∂L/∂b, {where}")
            for i, w in enumerate(neuron.w):
                assert_close(w.grad, grads[f"W{l}"][j][i], 1e-9, f"∂L/∂w[{i}], {where}")
        assert layer.z == [n.z for n in layer.neurons] and layer.out == [n.out for n in layer.neurons]


@pytest.mark.parametrize("name", READINGS)
def test_seed001_delta_recursion_by_hand_equals_backward(name):
    """δ(L) = −(y − ŷ)·σ'(z(L)),  δ(l) = σ'(z(l)) ⊙ W(l+1)ᵀ δ(l+1),  ∂L/∂W(l) = δ(l) f(l−1)ᵀ,
    with σ'(z) = f(1 − f), from the forward numbers and the weights only."""
    ex, net, _ = seed001(name)
    P, y = ex["params"], ex["inputs"]["y"]
    Ws = [P["W1"], P["W2"], P["W3"]]
    f = [[n.out.data for n in layer.neurons] for layer in net.layers]
    d_sigma = [[fj * (1 - fj) for fj in fl] for fl in f]
    deltas = [None, None, [-(y - f[2][0]) * d_sigma[2][0]]]
    for l in (1, 0):
        W_next, d_next = Ws[l + 1], deltas[l + 1]
        deltas[l] = [
            d_sigma[l][j] * sum(W_next[k][j] * d_next[k] for k in range(len(d_next))) for j in range(len(f[l]))
        ]
    inputs = [ex["inputs"]["x"], f[0], f[1]]
    for l, layer in enumerate(net.layers):
        for j, neuron in enumerate(layer.neurons):
            assert_close(neuron.z.grad, deltas[l][j], 1e-12, f"δ layer {l + 1} neuron {j}")
            for i, w in enumerate(neuron.w):
                assert_close(w.grad, deltas[l][j] * inputs[l][i], 1e-12, f"∂L/∂w layer {l + 1} [{j}][{i}]")


def test_seed001_printed_numbers_agree_with_w222_3_except_the_documents_slip():
    _, net, _ = seed001("seed001_three_layer_as_computed")
    printed = reference()["document_printed_seed001"]
    ours = {
        "f1": net.layers[0].neurons[0].out.data,
        "f2": net.layers[0].neurons[1].out.data,
        "f3": net.layers[0].neurons[2].out.data,
        "z4": net.layers[1].neurons[0].z.data,
        "f4": net.layers[1].neurons[0].out.data,
        "z5": net.layers[1].neurons[1].z.data,
        "f5": net.layers[1].neurons[1].out.data,
        "z6": net.layers[2].neurons[0].z.data,
        "f6": net.layers[2].neurons[0].out.data,
        "delta3": net.layers[2].neurons[0].z.grad,
    }
    for key, value in ours.items():
        assert printed_agrees(value, printed[key]), key
    for k, n in enumerate(net.layers[1].neurons):
        assert printed_agrees(n.z.grad, printed["delta2"][k]), f"delta2[{k}]"
    d1 = [n.z.grad for n in net.layers[0].neurons]
    assert printed_agrees(d1[0], printed["delta1"][0]) and printed_agrees(d1[2], printed["delta1"][2])
    assert not printed_agrees(d1[1], printed["delta1"][1]), "the document's δ1₂ slip is found"


# ---- seed 000: two softmax outputs, cross-entropy, one SGD update --------------------------------
SEED000 = {
    "x": [0.05, 0.10],
    "W1": [[0.15, 0.20], [0.25, 0.30]],
    "b1": [0.35, 0.35],
    "W2": [[0.40, 0.45], [0.50, 0.55]],
    "b2": [0.60, 0.60],
    "target": 0,
    "lr": 0.5,
}


def seed000_net():
    s = SEED000
    return nn.MLP.from_weights([(s["W1"], s["b1"]), (s["W2"], s["b2"])], activations=["sigmoid", "linear"])


def seed000_loss(net) -> Value:
    return F.cross_entropy(net(SEED000["x"]), SEED000["target"])


def test_seed000_output_error_is_softmax_minus_one_hot_and_matches_finite_differences():
    net = seed000_net()
    loss = seed000_loss(net)
    loss.backward()
    z = [n.z.data for n in net.layers[1].neurons]
    e = [math.exp(v) for v in z]
    p = [v / sum(e) for v in e]
    assert_close(loss.data, -math.log(p[0]), 1e-12, "loss = −ln p₀")
    for k, neuron in enumerate(net.layers[1].neurons):
        assert_close(neuron.z.grad, p[k] - (k == SEED000["target"]), 1e-12, f"∂L/∂z{k} = p − y")
    params = net.parameters()
    numeric = finite_differences(lambda: seed000_loss(net).data, params)
    for (name, prm), g in zip(net.named_parameters(), numeric):
        assert fd_close(prm.grad, g), (name, prm.grad, g)


def test_seed000_one_sgd_update_lowers_the_loss_and_matches_torch():
    net = seed000_net()
    loss = seed000_loss(net)
    net.zero_grad()
    loss.backward()
    before = loss.data
    nn.SGD(net.parameters(), lr=SEED000["lr"]).step()  # W⁺ = W − η ∂L/∂W (seed 004)
    after = seed000_loss(net).data
    assert after < before

    torch = pytest.importorskip("torch")
    s = SEED000
    t = {k: torch.tensor(s[k], dtype=torch.float64, requires_grad=True) for k in ("W1", "b1", "W2", "b2")}
    x = torch.tensor(s["x"], dtype=torch.float64)
    logits = t["W2"] @ torch.sigmoid(t["W1"] @ x + t["b1"]) + t["b2"]
    tl = torch.nn.functional.cross_entropy(logits.unsqueeze(0), torch.tensor([s["target"]]))
    tl.backward()
    assert_close(before, tl.item(), 1e-12, "loss vs torch")
    ref = seed000_net()
    seed000_loss(ref).backward()
    for layer, key in ((0, "1"), (1, "2")):
        for j, neuron in enumerate(ref.layers[layer].neurons):
            assert_close(neuron.b.grad, t["b" + key].grad[j].item(), 1e-12, f"∂L/∂b{key}[{j}]")
            for i, w in enumerate(neuron.w):
                assert_close(w.grad, t["W" + key].grad[j][i].item(), 1e-12, f"∂L/∂W{key}[{j}][{i}]")
    torch.optim.SGD(list(t.values()), lr=s["lr"]).step()
    for layer, key in ((0, "1"), (1, "2")):
        W, b = net.layers[layer].weights()
        for j in range(2):
            assert_close(b[j], t["b" + key][j].item(), 1e-12, f"b{key}⁺[{j}]")
            for i in range(2):
                assert_close(W[j][i], t["W" + key][j][i].item(), 1e-12, f"W{key}⁺[{j}][{i}]")
    with torch.no_grad():
        t_after = torch.nn.functional.cross_entropy(
            (t["W2"] @ torch.sigmoid(t["W1"] @ x + t["b1"]) + t["b2"]).unsqueeze(0), torch.tensor([s["target"]])
        )
    assert_close(after, t_after.item(), 1e-12, "loss after the update vs torch")


# ---- micrograd's demo ----------------------------------------------------------------------------
def demo_setup(seed: int = 0):
    X, y = nn.data.make_moons(100, noise=0.1, seed=seed, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)
    return X, y, model


def demo_loss(model, X, y) -> tuple[Value, list[Value]]:
    scores = [model(x) for x in X]
    return F.hinge(scores, y) + F.l2_penalty(model.parameters(), 1e-4), scores


def test_micrograd_demo_reaches_full_training_accuracy(capsys):
    X, y, model = demo_setup()
    opt = nn.SGD(model.parameters(), lr=1.0)
    schedule = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)  # η = 1 − 0.9k/100
    accuracy, steps, t0 = 0.0, 0, time.perf_counter()
    while steps < 100:
        loss, scores = demo_loss(model, X, y)
        accuracy = F.accuracy(scores, y)
        if accuracy == 1.0:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        steps += 1
    per_step = (time.perf_counter() - t0) / max(steps, 1)
    with capsys.disabled():
        print(f"\n[micrograd demo] 100 % training accuracy after {steps} steps, {per_step * 1e3:.1f} ms per step")
    assert accuracy == 1.0, f"accuracy {accuracy} after {steps} steps"


def test_first_loss_and_gradients_equal_micrograd_for_the_same_weights():
    pytest.importorskip("micrograd")
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MicroMLP

    X, y, model = demo_setup(seed=3)
    loss, _ = demo_loss(model, X, y)
    loss.backward()
    theirs = MicroMLP(2, [16, 16, 1])
    mparams = theirs.parameters()
    assert len(mparams) == model.num_parameters()
    for p, q in zip(mparams, model.parameters()):  # same order: layer, neuron, w..., b
        p.data = q.data
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 10_000))  # micrograd's topological sort recurses
    try:
        scores = [theirs([MValue(a) for a in x]) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        mloss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in mparams)
        mloss.backward()
    finally:
        sys.setrecursionlimit(old)
    assert_close(loss.data, mloss.data, 1e-12, "first loss")
    for (name, q), p in zip(model.named_parameters(), mparams):
        assert math.isclose(q.grad, p.grad, rel_tol=1e-9, abs_tol=1e-15), (name, q.grad, p.grad)
