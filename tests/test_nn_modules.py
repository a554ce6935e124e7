"""Neuron, Layer, MLP: the dot node, names, scopes, initialisation, explicit weights, shape and
input errors, repr, and the PyTorch bridge."""

from __future__ import annotations

import math
import random

import pytest
from nn_checks import assert_close, fd_close, finite_differences

import autodiff
import nn
from autodiff import Value
from nn import functional as F


def test_a_neuron_is_one_dot_node_with_the_bias_inside():
    n = nn.Neuron.from_weights([2.0, -3.0], b=-3.0, activation="sigmoid")
    x = [Value(-1.0), Value(-2.0)]
    out = n(x)
    z = n.z
    assert out.op == "sigmoid" and out.parents == (z,) and n.out is out
    assert z.op == "dot" and z.parents == (*n.w, n.b, *x)
    assert z.local_grads == (-1.0, -2.0, 1.0, 2.0, -3.0)  # ∂z/∂w = x, ∂z/∂b = 1, ∂z/∂x = w
    assert z.data == 1.0 and out.data == 1 / (1 + math.exp(-1.0))
    ref = autodiff.dot([*n.w, n.b], [*x, 1.0])  # the same record as the engine's own dot, weights first
    assert dict(zip(ref.parents, ref.local_grads)) == dict(zip(z.parents, z.local_grads))
    assert dict(zip(ref.parents, ref.partners)) == dict(zip(z.parents, z.partners)), "each parent's partner"
    same = autodiff.dot(n.w, x, n.b)  # what the neuron computes, as the record reads it
    assert same.operands == z.operands == (n.w[0], x[0], n.w[1], x[1], n.b) and same.data == z.data
    out.backward()  # CS231n's sigmoid gate (seed 001 §三)
    assert [v.grad for v in x] == pytest.approx([0.3932238664829637, -0.5898357997244456], rel=1e-12)
    assert [w.grad for w in n.w] + [n.b.grad] == pytest.approx(
        [-0.19661193324148185, -0.3932238664829637, 0.19661193324148185], rel=1e-12
    )


def test_plain_number_and_mixed_inputs():
    n = nn.Neuron.from_weights([0.5, -1.0, 2.0], b=0.25, activation="linear")
    out = n([1.0, 2, 3.0])
    assert out is n.z and out.parents == (*n.w, n.b) and out.local_grads == (1.0, 2.0, 3.0, 1.0)
    assert out.data == 0.5 - 2.0 + 6.0 + 0.25
    v = Value(2.0)
    mixed = n([1.0, v, 3.0])
    assert mixed.parents == (*n.w, n.b, v) and mixed.local_grads == (1.0, 2.0, 3.0, 1.0, -1.0)
    mixed.backward()
    assert v.grad == -1.0


def test_one_neuron_layer_returns_a_value_else_a_list():
    assert isinstance(nn.Layer(3, 1, seed=0)([1.0, 2.0, 3.0]), Value)
    out = nn.Layer(3, 4, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 4 and all(isinstance(v, Value) for v in out)
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    assert len(nn.MLP(2, [3, 2], seed=0)([1.0, 2.0])) == 2
    assert isinstance(nn.MLP(1, [4, 1], seed=0)(0.5), Value), "a single number is a 1-input x"
    assert isinstance(nn.MLP(2, [1, 3, 1], seed=0)([0.5, 1.0]), Value), "a one-neuron middle layer"


def test_gradients_reach_value_inputs_and_match_finite_differences():
    model = nn.MLP(3, [4, 3, 2], activation="tanh", output_activation="sigmoid", seed=7)
    x = [Value(0.3), Value(-1.2), Value(0.8)]

    def loss_of():
        return F.mse(model(x), [0.2, 0.9]).data

    loss = F.mse(model(x), [0.2, 0.9])
    loss.backward()
    leaves = model.parameters() + x
    for v, g in zip(leaves, finite_differences(loss_of, leaves)):
        assert fd_close(v.grad, g), (v, g)


def test_named_parameters_are_stable_dotted_paths_and_labels_are_short():
    model = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b" and len(names) == model.num_parameters() == 3 * 3 + 4
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert [name for name, _ in model.layers[1].named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.w.2",
        "neurons.0.b",
    ]
    params = dict(model.named_parameters())
    assert params["layers.0.neurons.1.w.1"] is model.layers[0].neurons[1].w[1]
    assert [p.label for p in model.layers[0].neurons[2].parameters()] == ["w0", "w1", "b"]
    assert model.layers[0].neurons[2].name == "layers.0.neurons.2" and model.name == "MLP"
    assert [name for name, _ in nn.MLP.from_weights(model.weights()).named_parameters()] == names


def test_zero_grad_resets_every_parameter():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_nodes_record_the_module_path_as_their_scope():
    model = nn.MLP(2, [4, 1], activation="relu", seed=0)
    model([0.5, -0.25])
    n = model.layers[0].neurons[3]
    assert n.z.scope == ("layers.0", "neurons.3") and n.out.scope == ("layers.0", "neurons.3")
    assert model.layers[1].neurons[0].z.scope == ("layers.1", "neurons.0")
    assert n.w[1].scope == ("layers.0", "neurons.3") == n.b.scope  # weights boxed with their neuron
    assert autodiff.current_scope() == () and Value(1.0).scope == () and (Value(1.0) * 2).scope == ()
    with autodiff.scope("model"):
        model([0.5, -0.25])
        inside = Value(1.0) + 1
    assert n.z.scope == ("model", "layers.0", "neurons.3") and inside.scope == ("model",)
    assert autodiff.current_scope() == ()
    alone = nn.Neuron(2, seed=0)
    alone([1.0, 2.0])
    assert alone.z.scope == () and alone.out.scope == ()
    layer = nn.Layer(2, 3, seed=0)
    layer([1.0, 2.0])
    assert layer.neurons[2].z.scope == ("neurons.2",)


def test_callable_activation_nodes_get_the_scope_and_errors_restore_it():
    def swish(z):
        return z * z.sigmoid()

    model = nn.MLP(2, [2, 1], activation=swish, seed=0)
    assert model.layers[0].activation == "swish"
    model([1.0, 2.0])
    out = model.layers[0].neurons[1].out
    assert out.op == "mul" and out.scope == ("layers.0", "neurons.1")
    assert all(p.scope == ("layers.0", "neurons.1") for p in out.parents)

    def broken(z):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        nn.MLP(2, [2, 1], activation=broken, seed=0)([1.0, 2.0])
    assert autodiff.current_scope() == () and (Value(1.0) * 2).scope == ()


def test_no_grad_forward_records_nothing():
    model = nn.MLP(2, [3, 1], seed=0)
    with autodiff.no_grad():
        out = model([1.0, 2.0])
    assert out.is_leaf and model.layers[0].neurons[0].z.is_leaf
    assert out.data == model([1.0, 2.0]).data


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_activations_by_name(activation):
    n = nn.Neuron.from_weights([1.0, -2.0], b=0.5, activation=activation)
    z = 1.0 * 0.3 - 2.0 * 0.4 + 0.5
    expected = {"sigmoid": 1 / (1 + math.exp(-z)), "tanh": math.tanh(z), "relu": max(z, 0.0), "linear": z}
    assert_close(n([0.3, 0.4]).data, expected[activation], 1e-15, activation)
    assert nn.Neuron(2, activation.upper(), seed=0).activation == activation


def test_initialisation_is_seeded_and_scaled_per_activation():
    a, b = nn.MLP(4, [8, 3], seed=5), nn.MLP(4, [8, 3], seed=5)
    assert a.weights() == b.weights() and a.weights() != nn.MLP(4, [8, 3], seed=6).weights()
    rng1, rng2 = random.Random(9), random.Random(9)
    assert nn.Layer(3, 2, seed=rng1).weights() == nn.Layer(3, 2, seed=rng2).weights()
    random.seed(11)
    first = nn.MLP(2, [3, 1]).weights()
    random.seed(11)
    assert nn.MLP(2, [3, 1]).weights() == first, "seed=None uses the global generator"
    relu = nn.Layer(50, 40, "relu", seed=0)
    W, bias = relu.weights()
    he = math.sqrt(6 / 50)
    assert all(abs(w) <= he for row in W for w in row) and max(abs(w) for row in W for w in row) > 0.9 * he
    assert bias == [0.0] * 40
    W, _ = nn.Layer(50, 40, "tanh", seed=0).weights()
    xavier = math.sqrt(6 / 90)
    assert all(abs(w) <= xavier for row in W for w in row) and max(abs(w) for row in W for w in row) > 0.9 * xavier
    with pytest.raises(TypeError, match="seed"):
        nn.MLP(2, [1], seed="zero")


def test_from_weights_round_trips_and_copies_numbers():
    W1, b1 = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.1, 0.2, 0.3]
    layer = nn.Layer.from_weights(W1, b1, activation="tanh")
    assert layer.weights() == (W1, b1) and (layer.nin, layer.nout) == (2, 3)
    W1[0][0] = 99.0
    assert layer.weights()[0][0][0] == 1.0
    assert nn.Layer.from_weights([[1.0, 2.0]]).weights() == ([[1.0, 2.0]], [0.0])
    model = nn.MLP.from_weights([([[1, 2], [3, 4]], [0, 1]), ([[5, 6]], [2])], activations=["relu", "sigmoid"])
    assert model.sizes == [2, 2, 1] and [layer.activation for layer in model.layers] == ["relu", "sigmoid"]
    assert nn.MLP.from_weights(model.weights()).weights() == model.weights()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Layer.from_weights([[1, 2], [3, 4]], [1, 2, 3]), r"Layer: b has shape \(3,\), expected \(2,\)"),
        (lambda: nn.Layer.from_weights([[1, 2], [3]], [1, 2]), r"Layer: the rows of W .* \[2, 1\]"),
        (lambda: nn.Layer.from_weights([1, 2], [1]), r"Layer: W must be a list of rows"),
        (lambda: nn.Layer.from_weights([], []), r"Layer: W must be a non-empty list"),
        (
            lambda: nn.MLP.from_weights([([[1, 2]] * 3, [0] * 3), ([[1, 2]], [0])]),
            r"layers\.1: W has shape 1×2, expected 1×3 \(layers\.0 has 3 outputs\)",
        ),
        (
            lambda: nn.MLP.from_weights([([[1, 2]], [0]), ([[1]], [0, 0])]),
            r"layers\.1: b has shape \(2,\), expected \(1,\)",
        ),
        (
            lambda: nn.MLP.from_weights([([[1, 2]], [0])], activations=["relu", "relu"]),
            "2 activations given for 1 layers",
        ),
        (lambda: nn.MLP.from_weights([]), "non-empty list"),
        (lambda: nn.Layer.from_weights([[1, float("nan")]]), r"Layer: W\[0\]\[1\] must be finite"),
        (lambda: nn.MLP(2, 16), "nouts must be a non-empty list"),
        (lambda: nn.MLP(0, [3]), "nin must be a positive int"),
        (lambda: nn.Neuron(2, "softmax"), "unknown activation 'softmax'"),
    ],
)
def test_bad_weights_and_shapes_raise_value_errors_naming_the_layer(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_inputs_name_the_layer_and_both_shapes():
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"layers\.0: expected an input of shape \(2,\), got shape \(3,\)"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"layers\.1: expected an input of shape \(3,\), got shape \(2,\)"):
        model.layers[1]([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Layer: expected an input of shape \(2,\), got shape \(1,\)"):
        nn.Layer(2, 2, seed=0)(1.0)
    with pytest.raises(TypeError, match=r"layers\.0: input\[1\] must be a number, got str"):
        model([1.0, "2"])
    with pytest.raises(TypeError, match="the input must be a list of 2 numbers"):
        model("12")
    with pytest.raises(ValueError, match=r"input\[0\] must be finite"):
        model([float("inf"), 1.0])


def test_repr_is_readable():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    text = repr(model)
    assert text.splitlines()[0] == "MLP(2 → 16 → 16 → 1, 337 parameters)"
    assert "  (layers.1): Layer(16 → 16, relu)" in text and "  (layers.2): Layer(16 → 1, linear)" in text
    assert repr(nn.Neuron.from_weights([2.0, 1.0], 1.0, "sigmoid")) == "Neuron(2 → 1, sigmoid; w = [2, 1], b = 1)"
    assert repr(nn.Neuron(8, seed=0)) == "Neuron(8 → 1, relu)"


# ---- PyTorch bridge ------------------------------------------------------------------------------
def test_to_torch_and_back_give_the_same_loss_and_gradients():
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [5, 4, 1], activation="tanh", output_activation="sigmoid", seed=2)
    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    X, y = nn.data.make_moons(12, noise=0.1, seed=4)
    loss = F.binary_cross_entropy([model(x) for x in X], y)
    loss.backward()
    tl = torch.nn.functional.binary_cross_entropy(
        seq(torch.tensor(X, dtype=torch.float64)).squeeze(1), torch.tensor(y, dtype=torch.float64)
    )
    tl.backward()
    assert_close(loss.data, tl.item(), 1e-12, "loss")
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, lin in zip(model.layers, linears):
        for j, neuron in enumerate(layer.neurons):
            assert_close(neuron.b.grad, lin.bias.grad[j].item(), 1e-10, "∂L/∂b")
            for i, w in enumerate(neuron.w):
                assert_close(w.grad, lin.weight.grad[j][i].item(), 1e-10, "∂L/∂w")
    back = nn.MLP.from_torch(seq)
    assert back.weights() == model.weights()
    assert [layer.activation for layer in back.layers] == ["tanh", "tanh", "sigmoid"]
    relu_net = nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))
    assert relu_net.sizes == [3, 2, 1] and [la.activation for la in relu_net.layers] == ["relu", "linear"]
    with pytest.raises(ValueError, match="module 1 is a Softmax"):
        nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Softmax(dim=0)))
    with pytest.raises(TypeError, match="Sequential"):
        nn.MLP.from_torch(torch.nn.Linear(3, 2))


def test_to_torch_without_torch_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"needs PyTorch.*pip install"):
        nn.MLP(2, [1], seed=0).to_torch()
