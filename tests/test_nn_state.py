"""Saving and copying modules: pickle and deepcopy without the last call's graph, ``state_dict`` /
``load_state_dict`` as PyTorch's (a JSON round trip on disk retrains bit for bit), and the bounded
per-scope cache of a Layer."""

from __future__ import annotations

import copy
import io
import json
import pickle

import pytest

import autodiff
import nn
from autodiff import Value
from nn import functional as F

X, Y = nn.data.make_moons(40, noise=0.1, seed=1, labels=(-1, 1))


def _model(seed: int = 0) -> nn.MLP:
    return nn.MLP(2, [5, 4, 1], activation="tanh", output_activation="linear", seed=seed)


def _parameter_record(model: nn.Module) -> list[tuple]:
    """Everything a parameter carries: name, value, gradient, label and scope."""
    return [(name, p.data, p.grad, p.label, p.scope) for name, p in model.named_parameters()]


def _trained(seed: int = 0) -> nn.MLP:
    """A model after a forward and backward (so z, out and the gradients are set)."""
    model = _model(seed)
    F.mse([model(x) for x in X[:5]], Y[:5]).backward()
    return model


# ---- pickle and deepcopy ----------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_leaves_the_last_graph_behind_and_keeps_the_parameters(how):
    model = _trained()
    assert all(z is not None for layer in model.layers for z in layer.z)
    clone = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    for layer in clone.layers:
        assert layer.z == [None] * layer.nout and layer.out == [None] * layer.nout
    assert _parameter_record(clone) == _parameter_record(model)
    assert any(p.grad != 0.0 for p in clone.parameters()), "the gradients come back"
    assert [layer.activation for layer in clone.layers] == ["tanh", "tanh", "linear"]
    assert clone.layers[1].neurons[2].name == "layers.1.neurons.2"
    assert not set(map(id, clone.parameters())) & set(map(id, model.parameters())), "the copy owns its parameters"
    assert all(z is not None for layer in model.layers for z in layer.z), "the original keeps its graph"
    out = clone([0.3, -0.7])
    assert out.data == model([0.3, -0.7]).data
    assert clone.layers[2].neurons[0].z.scope == ("layers.2", "neurons.0")


class _CountingPickler(pickle.Pickler):
    """Pickles into memory and records every Value it meets (a shared one each time it is met)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO())
        self.values: list[Value] = []

    def persistent_id(self, obj):
        if isinstance(obj, Value):
            self.values.append(obj)


def test_a_pickle_holds_the_parameters_and_no_other_node():
    model = _model()
    nn.fit(model, X, Y, loss="hinge", steps=3, batch_size=8, progress=False)  # z/out hold the last call's nodes
    assert model.layers[2].neurons[0].out is not None
    pickler = _CountingPickler()
    pickler.dump(model)
    assert {id(v) for v in pickler.values} == {id(p) for p in model.parameters()}  # no z, out or their parents


def test_a_neuron_and_a_layer_copy_alone_and_sigmoid_activations_survive():
    neuron = nn.Neuron.from_weights([0.5, -1.0], b=0.25, activation="sigmoid")
    neuron([1.0, 2.0]).backward()
    clone = pickle.loads(pickle.dumps(neuron))
    assert clone.z is None and clone.out is None and clone.activation == "sigmoid"
    assert clone([1.0, 2.0]).data == neuron([1.0, 2.0]).data
    layer = nn.Layer(2, 3, activation="relu", seed=2)
    layer([1.0, 2.0])
    twin = copy.deepcopy(layer)
    assert twin.z == [None, None, None] and twin.weights() == layer.weights()


# ---- state_dict ---------------------------------------------------------------------------------------
def test_state_dict_is_an_ordered_dict_of_floats_named_as_named_parameters():
    model = _model()
    state = model.state_dict()
    assert type(state).__name__ == "OrderedDict"
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == [p.data for p in model.parameters()]
    assert all(type(v) is float for v in state.values())
    assert "layers.0.neurons.3.w.1" in state and "layers.2.neurons.0.b" in state
    assert json.loads(json.dumps(state)) == dict(state), "JSON gives back the same floats"


def test_a_json_round_trip_on_disk_retrains_bit_for_bit(tmp_path):
    original = _model(seed=0)
    nn.fit(original, X, Y, loss="hinge", optimizer=nn.SGD(original, lr=0.3, momentum=0.9), steps=6, progress=False)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(original.state_dict()), encoding="utf-8")
    loaded = _model(seed=123)  # other initial weights: everything must come from the file
    assert loaded.state_dict() != original.state_dict()
    assert (
        repr(loaded.load_state_dict(json.loads(path.read_text(encoding="utf-8")))) == "<All keys matched successfully>"
    )
    assert loaded.state_dict() == original.state_dict()

    def more(model):  # the same data, settings and a fresh optimizer on both sides
        opt = nn.Adam(model, lr=0.02, weight_decay=1e-3)
        return nn.fit(model, X, Y, loss="hinge", optimizer=opt, steps=12, batch_size=8, seed=5, l2=1e-4, progress=False)

    assert more(loaded) == more(original)  # float ==: bitwise for finite numbers
    assert loaded.state_dict() == original.state_dict()
    pickled, deep = pickle.loads(pickle.dumps(original)), copy.deepcopy(original)
    assert more(pickled) == more(deep) == more(original)


def _torch_message(missing: list[str], unexpected: list[str]) -> str:
    """PyTorch's own wording for those keys, with its trailing spaces removed."""
    torch = pytest.importorskip("torch")
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    state = {k: v for k, v in seq.state_dict().items() if k not in missing} | dict.fromkeys(unexpected, torch.zeros(1))
    with pytest.raises(RuntimeError) as err:
        seq.load_state_dict(state)
    return "\n".join(line.rstrip() for line in str(err.value).splitlines())


def test_load_state_dict_lists_missing_and_unexpected_keys_as_torch_and_changes_nothing():
    model = nn.MLP.from_weights([([[0.5, -1.0]], [0.25])], activations="linear")
    before = model.state_dict()
    state = dict(before)
    del state["layers.0.neurons.0.b"]
    state["extra"] = 1.0
    state["layers.0.neurons.0.w.0"] = 9.0
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(state)
    expected = (
        _torch_message(["0.bias"], ["extra"]).replace("Sequential", "MLP").replace('"0.bias"', '"layers.0.neurons.0.b"')
    )
    assert str(err.value) == expected
    assert model.state_dict() == before, "a refused load changes nothing"
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["layers.0.neurons.0.b"] and result.unexpected_keys == ["extra"]
    assert result == (["layers.0.neurons.0.b"], ["extra"]), "a NamedTuple, as torch's _IncompatibleKeys"
    assert model.state_dict() == {
        "layers.0.neurons.0.w.0": 9.0,
        "layers.0.neurons.0.w.1": -1.0,
        "layers.0.neurons.0.b": 0.25,
    }


def test_load_state_dict_all_matched_repr_is_torchs():
    torch = pytest.importorskip("torch")
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    model = _model()
    assert repr(model.load_state_dict(model.state_dict())) == repr(seq.load_state_dict(seq.state_dict()))


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (float("nan"), ValueError, "finite"),
        (float("inf"), ValueError, "finite"),
        (10**400, ValueError, "finite"),
        ("0.5", TypeError, "must be a number, got str"),
        (None, TypeError, "got NoneType"),
        (True, TypeError, "got bool"),
        ([0.1, 0.2], TypeError, "one number"),
        (Value(0.5), TypeError, ".data"),
    ],
)
def test_load_state_dict_refuses_a_bad_value_naming_its_key(value, error, words):
    model = _model()
    before = model.state_dict()
    state = dict(before)
    state["layers.1.neurons.2.w.3"] = value
    with pytest.raises(error, match=words) as err:
        model.load_state_dict(state)
    assert "'layers.1.neurons.2.w.3'" in str(err.value)
    assert model.state_dict() == before
    with pytest.raises(error, match=words):
        model.load_state_dict(state, strict=False)
    assert model.state_dict() == before


def test_load_state_dict_needs_a_mapping_and_takes_ints():
    model = nn.MLP.from_weights([([[0.5, -1.0]], [0.25])], activations="linear")
    with pytest.raises(TypeError, match="dict-like, got list"):
        model.load_state_dict(list(model.state_dict().items()))
    model.load_state_dict({"layers.0.neurons.0.w.0": 2, "layers.0.neurons.0.w.1": -3, "layers.0.neurons.0.b": 0})
    assert model([1.0, 1.0]).data == -1.0 and all(type(v) is float for v in model.state_dict().values())


# ---- the per-scope cache of a Layer -------------------------------------------------------------------
def test_a_layer_called_in_a_new_scope_each_step_keeps_a_bounded_cache_and_right_scopes():
    model = nn.MLP(2, [3, 2], seed=0)
    for i in range(10_000):
        with autodiff.scope(f"step{i}"):
            out = model([0.5, -0.5])
        if i % 1999 == 0 or i == 9_999:
            assert [v.scope for v in out] == [(f"step{i}", "layers.1", f"neurons.{j}") for j in range(2)]
            assert [z.scope for z in model.layers[0].z] == [(f"step{i}", "layers.0", f"neurons.{j}") for j in range(3)]
    assert all(len(layer._paths) <= nn.layers.PATHS_KEPT for layer in model.layers)
    with autodiff.scope("step0"), autodiff.scope("inner"):  # a scope long evicted, nested, comes out right
        out = model([0.5, -0.5])
    assert out[1].scope == ("step0", "inner", "layers.1", "neurons.1")
    assert model([0.5, -0.5])[0].scope == ("layers.1", "neurons.0")
    layer = nn.Layer(2, 2, seed=0)
    for i in range(100):
        with autodiff.scope(f"s{i}"):
            layer([1.0, 2.0])
    assert len(layer._paths) <= nn.layers.PATHS_KEPT
    assert layer.z[1].scope == ("s99", "neurons.1") and layer.out[0].scope == ("s99", "neurons.0")
