"""nn: neurons, layers, MLPs, losses, optimizers and a training loop, built only on ``autodiff``.

    import nn
    from nn import functional as F

    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    X, y = nn.data.make_moons(100, noise=0.1, seed=0, labels=(-1, 1))
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.5), epochs=50, l2=1e-4)

Replaying a network printed in a document (rows of W = neurons):

    net = nn.MLP.from_weights([(W1, b1), (W2, b2), (W3, b3)], activations="sigmoid")
    loss = F.half_squared_error(net(x), y)        # ½(y − ŷ)²
    loss.backward()
    net.layers[1].neurons[0].z.grad               # δ of that neuron (= ∂L/∂z)

Seed 001's layers on nested lists (C × H × W images): ``nn.LayerNorm(n)``, ``nn.Conv2d(c_in, c_out, k)``,
``F.layer_norm``, ``F.im2col``, ``F.conv2d``, ``F.max_pool2d``, ``F.avg_pool2d`` (``norm.py``, ``conv.py``).

Saving and loading, as PyTorch (``copy.deepcopy`` and ``pickle`` work too, without the last graph):

    text = json.dumps(model.state_dict())         # {"layers.0.neurons.0.w.0": 0.31, ...}
    model.load_state_dict(json.loads(text))       # names checked; strict=False returns what did not match
"""

from . import data, functional, plots
from .conv import Conv2d
from .data import Batches
from .layers import ACTIVATIONS, Layer, Neuron
from .mlp import MLP
from .module import Module
from .norm import LayerNorm
from .optim import SGD, Adam, LinearLR, LRScheduler, Optimizer, StepLR
from .train import LOSSES, fit, predict

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "Batches",
    "Conv2d",
    "LRScheduler",
    "Layer",
    "LayerNorm",
    "LinearLR",
    "Module",
    "Neuron",
    "Optimizer",
    "StepLR",
    "data",
    "fit",
    "functional",
    "plots",
    "predict",
]
