"""``MLP``: layers in a row, nin → h1 → … → nout (see ``layers.py`` for neurons and layers)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from autodiff import Value, engine

from . import torch_bridge
from .layers import Activation, Layer, Seed, _size, check_input, make_rng
from .module import Module


class MLP(Module):
    """A multilayer perceptron: ``MLP(nin, [h1, h2, ..., nout])`` is layers nin→h1→h2→…→nout.

    Hidden layers use ``activation``, the last one ``output_activation``; ``seed`` (an int or a
    ``random.Random``) makes the initial weights repeatable. ``model(x)`` returns a Value when the
    last layer has one neuron, else a list. ``model.layers[i].neurons[j]`` is neuron j of layer i.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "relu",
        output_activation: Activation = "linear",
        *,
        seed: Seed = None,
    ) -> None:
        nin = _size(nin, "nin")
        if isinstance(nouts, int) or not hasattr(nouts, "__len__") or len(nouts) == 0:
            raise ValueError(f"nouts must be a non-empty list of layer widths, e.g. [16, 16, 1], got {nouts!r}")
        sizes = [nin, *(_size(n, "each width in nouts") for n in nouts)]
        rng = make_rng(seed)
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, seed=rng)
            for i in range(len(nouts))
        ]
        self._set_path(())

    @classmethod
    def from_weights(
        cls,
        layers: Sequence[tuple[Sequence[Sequence[float]], Sequence[float] | None]],
        activations: Activation | Sequence[Activation] = None,
    ) -> MLP:
        """An MLP with given weights: ``layers = [(W1, b1), (W2, b2), ...]``, each W with one row per
        neuron. ``activations``: one name/callable for every layer, a list with one per layer, or
        None (relu in the hidden layers, linear at the output, as ``MLP``'s defaults)."""
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or len(layers) == 0:
            raise ValueError("MLP.from_weights needs a non-empty list of (W, b) pairs, one per layer")
        n = len(layers)
        if activations is None:
            acts = ["relu"] * (n - 1) + ["linear"]
        elif isinstance(activations, str) or callable(activations):
            acts = [activations] * n
        else:
            acts = list(activations)
            if len(acts) != n:
                raise ValueError(f"MLP.from_weights: {len(acts)} activations given for {n} layers")
        model = cls.__new__(cls)
        model.layers = []
        for i, pair in enumerate(layers):
            name = f"layers.{i}"
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{name}: expected a (W, b) pair, got {pair!r}")
            layer = Layer.from_weights(pair[0], pair[1], acts[i], name=name)
            if i and layer.nin != model.layers[-1].nout:
                prev = model.layers[-1].nout
                raise ValueError(
                    f"{name}: W has shape {layer.nout}×{layer.nin}, expected {layer.nout}×{prev} "
                    f"(layers.{i - 1} has {prev} outputs)"
                )
            model.layers.append(layer)
        model._set_path(())
        return model

    @property
    def sizes(self) -> list[int]:
        """[nin, h1, ..., nout]."""
        return [self.layers[0].nin] + [layer.nout for layer in self.layers]

    def weights(self) -> list[tuple[list[list[float]], list[float]]]:
        """[(W1, b1), (W2, b2), ...] as plain numbers: what ``from_weights`` takes."""
        return [layer.weights() for layer in self.layers]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def forward(self, x) -> Value | list[Value]:
        """The network's output for one input x (nin numbers or Values)."""
        outer = engine._mode.scope
        first = self.layers[0]
        x = first._forward(check_input(x, first.nin, first.name), outer)
        for layer in self.layers[1:]:
            x = layer._forward(x, outer, hidden=True)
        return x[0] if len(x) == 1 else x

    def to_torch(self):
        """An equivalent float64 ``torch.nn.Sequential`` with the same weights (needs PyTorch)."""
        return torch_bridge.to_torch(self)

    @classmethod
    def from_torch(cls, sequential) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear layers and activations."""
        layers, activations = torch_bridge.from_torch(sequential)
        return cls.from_weights(layers, activations=activations)

    def __repr__(self) -> str:
        arrows = " → ".join(map(str, self.sizes))
        lines = [f"MLP({arrows}, {self.num_parameters()} parameters)"]
        lines += [f"  ({name}): {layer!r}" for name, layer in self.named_children()]
        return "\n".join(lines)
