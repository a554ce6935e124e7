"""Losses and functions on Values (``from nn import functional as F``).

Predictions are Values (or plain numbers, taken as constants); targets are plain numbers.
Losses over several samples are means, as in PyTorch, except ``half_squared_error``, which is the
documents' E = ½ Σₖ (yₖ − ŷₖ)² (for one output: ½(y − ŷ)²).

Softmax, log-softmax, cross-entropy and the logits form of binary cross-entropy are computed
stably (log-sum-exp with the largest logit subtracted, softplus), so logits of ±1000 give finite
losses and gradients.

Layer normalisation (``layer_norm``, in ``norm.py``), convolution and pooling (``im2col``, ``conv2d``,
``max_pool2d``, ``avg_pool2d``, in ``conv.py``) are re-exported here, as in ``torch.nn.functional``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

import autodiff
from autodiff import Value

from .conv import avg_pool2d, conv2d, im2col, max_pool2d  # noqa: F401  (re-exported)
from .norm import layer_norm  # noqa: F401  (re-exported)

Scalar = Value | float


def _values(xs, what: str) -> list[Value]:
    """A non-empty list of Values (numbers become constant Values)."""
    if isinstance(xs, (Value, Real)):
        xs = [xs]
    xs = list(xs)
    if not xs:
        raise ValueError(f"{what} is empty")
    out = []
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            out.append(x)
        elif isinstance(x, Real) and not isinstance(x, bool):
            out.append(Value(x))
        else:
            raise TypeError(f"{what}[{i}] must be a Value or a number, got {type(x).__name__}: {x!r}")
    return out


def _targets(ts, n: int, what: str = "targets") -> list[float]:
    """Plain-number targets, as many as there are predictions."""
    if isinstance(ts, (Value, Real)):
        ts = [ts]
    ts = list(ts)
    if len(ts) != n:
        raise ValueError(f"{what} has {len(ts)} entries but there are {n} predictions")
    out = []
    for i, t in enumerate(ts):
        t = t.data if isinstance(t, Value) else t
        if not isinstance(t, Real) or isinstance(t, bool) or not math.isfinite(t):
            raise ValueError(f"{what}[{i}] must be a finite number, got {t!r}")
        out.append(float(t))
    return out


def _flatten(xs):
    """Rows of numbers/Values → one flat list (other inputs unchanged)."""
    if isinstance(xs, (Value, Real)):
        return xs
    xs = list(xs)
    if xs and all(isinstance(row, (list, tuple)) for row in xs):
        return [v for row in xs for v in row]
    return xs


def _mean(terms: list[Value]) -> Value:
    return autodiff.sum(terms) * (1.0 / len(terms))


# ---- regression -------------------------------------------------------------------------------
def mse(pred, target) -> Value:
    """Mean squared error  (1/n) Σᵢ (ŷᵢ − yᵢ)²;  ∂/∂ŷᵢ = 2(ŷᵢ − yᵢ)/n.  A batch of several outputs
    per sample (a list of rows, and target rows to match) is averaged over every entry, as PyTorch."""
    pred, target = _flatten(pred), _flatten(target)
    p = _values(pred, "pred")
    t = _targets(target, len(p))
    return _mean([(pi - ti) ** 2 for pi, ti in zip(p, t)])


def half_squared_error(pred, target) -> Value:
    """The documents' loss  E = ½ Σₖ (yₖ − ŷₖ)²  (a sum over outputs, not a mean);  ∂E/∂ŷₖ = ŷₖ − yₖ.
    For one output: ½(y − ŷ)²."""
    p = _values(pred, "pred")
    t = _targets(target, len(p))
    squares = [(ti - pi) ** 2 for pi, ti in zip(p, t)]
    return 0.5 * (squares[0] if len(squares) == 1 else autodiff.sum(squares))


# ---- binary classification ----------------------------------------------------------------------
def binary_cross_entropy(prob, target) -> Value:
    """Mean of −[y ln p + (1 − y) ln(1 − p)] over the samples, from probabilities p ∈ [0, 1];
    ∂/∂p = (p − y) / (p(1 − p)) / n. A probability of exactly 0 or 1 against the other label is
    an infinite loss: use ``binary_cross_entropy_with_logits`` on the scores instead."""
    p = _values(prob, "prob")
    t = _targets(target, len(p))
    terms = []
    for i, (pi, yi) in enumerate(zip(p, t)):
        if not 0.0 <= pi.data <= 1.0:
            raise ValueError(f"binary_cross_entropy: prob[{i}] = {pi.data!r} is not a probability in [0, 1]")
        if not 0.0 <= yi <= 1.0:
            raise ValueError(f"binary_cross_entropy: target[{i}] = {yi!r} must be in [0, 1]")
        if (yi > 0.0 and pi.data == 0.0) or (yi < 1.0 and pi.data == 1.0):
            raise ValueError(
                f"binary_cross_entropy: prob[{i}] = {pi.data!r} with target {yi!r} gives an "
                "infinite loss (log 0); use binary_cross_entropy_with_logits on the scores"
            )
        term = None
        if yi > 0.0:
            term = -yi * pi.log()
        if yi < 1.0:
            rest = -(1.0 - yi) * (1.0 - pi).log()
            term = rest if term is None else term + rest
        terms.append(term)
    return _mean(terms)


def binary_cross_entropy_with_logits(logit, target) -> Value:
    """Binary cross-entropy from a score s (probability σ(s)), stable for any s:
    mean of  softplus(s) − y·s  = −[y ln σ(s) + (1 − y) ln(1 − σ(s))];  ∂/∂s = (σ(s) − y)/n."""
    s = _values(logit, "logit")
    t = _targets(target, len(s))
    for i, yi in enumerate(t):
        if not 0.0 <= yi <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target[{i}] = {yi!r} must be in [0, 1]")
    return _mean([si.softplus() - yi * si if yi else si.softplus() for si, yi in zip(s, t)])


def hinge(scores, labels) -> Value:
    """The SVM hinge loss of micrograd's demo, labels y = ±1: mean of relu(1 − y·s);
    ∂/∂s = −y/n where y·s < 1, else 0."""
    s = _values(scores, "scores")
    t = _targets(labels, len(s), "labels")
    terms = []
    for i, (si, yi) in enumerate(zip(s, t)):
        if yi == 1.0:
            terms.append((1.0 - si).relu())
        elif yi == -1.0:
            terms.append((si + 1.0).relu())
        else:
            raise ValueError(f"hinge: labels[{i}] = {yi!r}; the hinge loss needs labels -1 or +1")
    return _mean(terms)


# ---- several classes ----------------------------------------------------------------------------
def _logits(logits) -> list[Value]:
    return _values(logits, "logits")


def _logsumexp(z: list[Value]) -> Value:
    """ln Σ exp(zᵢ), computed as m + ln Σ exp(zᵢ − m) with m = max zᵢ (a constant: the result does
    not depend on it, so no gradient needs to flow through it); ∂/∂zᵢ = softmax(z)ᵢ."""
    m = max(v.data for v in z)
    return autodiff.sum([(v - m).exp() for v in z]).log() + m


def softmax(logits) -> list[Value]:
    """softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ), with the largest logit subtracted first (no overflow);
    ∂softmax(z)ᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ)."""
    z = _logits(logits)
    m = max(v.data for v in z)
    e = [(v - m).exp() for v in z]
    total = autodiff.sum(e)
    return [ei / total for ei in e]


def log_softmax(logits) -> list[Value]:
    """log softmax(z)ᵢ = zᵢ − ln Σⱼ exp(zⱼ) (log-sum-exp, stable);  ∂/∂zⱼ = δᵢⱼ − pⱼ."""
    z = _logits(logits)
    lse = _logsumexp(z)
    return [v - lse for v in z]


def _check_index(target, n: int, where: str) -> int:
    if isinstance(target, bool):
        raise TypeError(f"{where}: the target must be a class index (an int), got {target!r}")
    if not isinstance(target, int):
        if isinstance(target, Real) and float(target).is_integer():
            target = int(target)
        else:
            raise ValueError(f"{where}: the target must be a class index (an int), got {target!r}")
    if not 0 <= target < n:
        raise ValueError(f"{where}: target index {target} is out of range for {n} classes (0..{n - 1})")
    return target


def cross_entropy(logits, target) -> Value:
    """Cross-entropy of a class index from logits: −log softmax(z)_t = ln Σⱼ exp(zⱼ) − z_t;
    ∂/∂zⱼ = softmax(z)ⱼ − [j = t]. Finite for logits of ±1000.

    One sample: ``cross_entropy([z0, z1, ...], t)``. A batch: a list of logit lists and a list of
    indices; the loss is then the mean over the samples (PyTorch's default).
    """
    if not isinstance(logits, (Value, Real)):
        logits = list(logits)  # a generator is read once
    if not _is_batch(logits):
        z = _logits(logits)
        return _logsumexp(z) - z[_check_index(target, len(z), "cross_entropy")]
    rows = list(logits)
    if not rows:
        raise ValueError("cross_entropy: logits is empty")
    targets = [target] if isinstance(target, int) else list(target)
    if len(targets) != len(rows):
        raise ValueError(f"cross_entropy: {len(rows)} samples of logits but {len(targets)} targets")
    terms = []
    for i, (row, t) in enumerate(zip(rows, targets)):
        z = _logits(row)
        terms.append(_logsumexp(z) - z[_check_index(t, len(z), f"cross_entropy, sample {i}")])
    return _mean(terms)


#: the losses, (predictions, targets) → Value; ``fit(loss=...)`` and ``autodiff train --loss`` take each by its name
LOSS_FUNCTIONS = (mse, half_squared_error, hinge, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy)


def _is_batch(logits) -> bool:
    if isinstance(logits, (Value, Real)):
        return False
    first = next(iter(logits), None)
    return first is not None and not isinstance(first, (Value, Real))


# ---- regularisation --------------------------------------------------------------------------
def l2_penalty(params: Iterable[Value], alpha: float = 1.0) -> Value:
    """α Σ p² over the given parameters, as one dot node;  ∂/∂p = 2αp (weight decay)."""
    ps = list(params)
    if not ps:
        raise ValueError("l2_penalty: no parameters given")
    return alpha * autodiff.dot(ps, ps)


# ---- not differentiable: for reporting ------------------------------------------------------------
def accuracy(predictions: Sequence, targets: Sequence, threshold: float = 0.0) -> float:
    """Fraction of correct predictions. Scores (one Value or number per sample) against labels
    ±1 or 0/1: correct when (score > threshold) == (label > 0); use threshold 0.5 for probabilities.
    Lists of logits against class indices: correct when the largest logit is the target's."""
    preds, ts = list(predictions), list(targets)
    if not preds or len(preds) != len(ts):
        raise ValueError(f"accuracy: {len(preds)} predictions and {len(ts)} targets (need the same, non-zero count)")
    correct = 0
    for p, t in zip(preds, ts):
        if isinstance(p, (Value, Real)):
            score = p.data if isinstance(p, Value) else float(p)
            correct += (score > threshold) == (t > 0)
        else:
            row = [v.data if isinstance(v, Value) else float(v) for v in p]
            correct += row.index(max(row)) == t
    return correct / len(preds)
