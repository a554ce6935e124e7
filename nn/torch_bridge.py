"""From scalars to tensors and back: an ``MLP`` as a float64 ``torch.nn.Sequential`` and the reverse
(``MLP.to_torch`` / ``MLP.from_torch`` call these; this module knows layers only by their methods).

``torch.nn.Linear`` stores its weight as (out_features, in_features): rows = neurons, the layout of
``Layer.weights()``, so weights copy over unchanged. PyTorch is optional (``pip install -e '.[torch]'``)
and imported only when these functions run.
"""

from __future__ import annotations

_TO_TORCH = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}
_FROM_TORCH = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Identity": "linear"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "the PyTorch bridge needs PyTorch, which is not installed: pip install -e '.[torch]' (or pip install torch)"
        ) from None
    return torch


def to_torch(model):
    """A ``torch.nn.Sequential`` (float64) computing the same function: Linear, activation, Linear, ...
    (a linear layer gets no activation module)."""
    torch = _torch()
    modules = []
    for i, layer in enumerate(model.layers):
        if layer.activation not in (*_TO_TORCH, "linear"):
            raise ValueError(
                f"layers.{i}: activation {layer.activation!r} has no PyTorch module here "
                f"(supported: {sorted(_TO_TORCH)} and linear)"
            )
        W, b = layer.weights()
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(b, dtype=torch.float64))
        modules.append(linear)
        if layer.activation in _TO_TORCH:
            modules.append(getattr(torch.nn, _TO_TORCH[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential) -> tuple[list, list[str]]:
    """The layers ``[(W, b), ...]`` and activations of a Sequential made of ``Linear`` layers, each
    optionally followed by ReLU, Sigmoid, Tanh or Identity: what ``MLP.from_weights`` takes."""
    torch = _torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch needs a torch.nn.Sequential, got {type(sequential).__name__}")
    layers: list = []
    activations: list[str] = []
    for i, module in enumerate(sequential):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            W = module.weight.detach().to(torch.float64).tolist()
            b = module.bias.detach().to(torch.float64).tolist() if module.bias is not None else None
            layers.append((W, b))
            activations.append("linear")
        elif kind in _FROM_TORCH:
            if not layers or activations[-1] != "linear":
                raise ValueError(f"module {i} ({kind}) must follow a Linear layer")
            activations[-1] = _FROM_TORCH[kind]
        else:
            raise ValueError(f"module {i} is a {kind}; only Linear, ReLU, Sigmoid, Tanh and Identity convert")
    if not layers:
        raise ValueError("the Sequential has no Linear layer")
    return layers, activations
