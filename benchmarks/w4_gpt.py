"""W4: a character-level GPT on scalars, of microgpt's size (embedding 16, 4 heads, 1 layer, block size 16,
RMSNorm, a relu MLP, Adam), trained on names that a seeded generator makes (no download).

The model is written once, in the style microgpt made popular (one Value per number, Python's ``sum`` and
``**``), and parameterised by the engine's ``Value`` class: ``build_model(microgpt_peer.Value)`` is the peer,
``build_model(autodiff.Value)`` is autodiff running that same code as written. ``build_model(autodiff.Value,
idiomatic=True)`` changes only the few methods an autodiff user would write otherwise (``autodiff.dot`` for
every weighted sum, ``autodiff.sum``, ``nn.functional.cross_entropy``, ``nn.Adam``).

    model = build_model(autodiff.Value)
    names, chars = make_names(), vocabulary(make_names())
    loss = train_step(model, tokenize(names[0], chars), step=0, num_steps=100)

``model.loss(tokens)`` builds one step's graph (its root, the mean next-character loss) from
``model.params``; ``model.update(step, num_steps)`` is Adam with a linearly decaying learning rate.
"""

from __future__ import annotations

import random

N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
HEAD_DIM = N_EMBD // N_HEAD
INIT_STD = 0.08  # weights ~ N(0, 0.08²)
LR, BETA1, BETA2, EPS = 0.01, 0.85, 0.99, 1e-8

_ONSETS = ("", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s", "t", "v", "w", "x", "z",
           "br", "ch", "sh", "th", "st", "tr", "gr", "kl")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "y", "ai", "ea", "ia", "ie", "ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "nd", "x", "ck")


def make_names(count: int = 1000, seed: int = 0) -> list[str]:
    """``count`` made-up names (lower case, 2 to 15 letters) from a seeded syllable generator."""
    rng = random.Random(seed)
    names = []
    while len(names) < count:
        name = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(rng.randint(1, 3)))
        if 2 <= len(name) < BLOCK_SIZE:
            names.append(name)
    return names


def vocabulary(names: list[str]) -> list[str]:
    """The characters of the names, sorted; token ``len(chars)`` is BOS (begin/end of a name)."""
    return sorted(set("".join(names)))


def tokenize(name: str, chars: list[str]) -> list[int]:
    """BOS, the name's characters, BOS."""
    bos = len(chars)
    return [bos, *(chars.index(c) for c in name), bos]


def init_weights(vocab_size: int, seed: int = 1) -> dict[str, list[list[float]]]:
    """One set of weights (as floats, rows = output units) that every form loads."""
    rng = random.Random(seed)

    def matrix(nout: int, nin: int) -> list[list[float]]:
        return [[rng.gauss(0.0, INIT_STD) for _ in range(nin)] for _ in range(nout)]

    w = {"wte": matrix(vocab_size, N_EMBD), "wpe": matrix(BLOCK_SIZE, N_EMBD), "lm_head": matrix(vocab_size, N_EMBD)}
    for i in range(N_LAYER):
        for name in ("wq", "wk", "wv", "wo"):
            w[f"layer{i}.attn_{name}"] = matrix(N_EMBD, N_EMBD)
        w[f"layer{i}.mlp_fc1"] = matrix(4 * N_EMBD, N_EMBD)
        w[f"layer{i}.mlp_fc2"] = matrix(N_EMBD, 4 * N_EMBD)
    return w


class GPT:
    """The model as microgpt's users write it, for any engine's ``Value`` (only leaves are constructed)."""

    def __init__(self, Value, weights: dict[str, list[list[float]]]) -> None:
        self.Value = Value
        self.state = {k: [[Value(x) for x in row] for row in m] for k, m in weights.items()}
        self.params = [p for m in self.state.values() for row in m for p in row]
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    # ---- the lines an autodiff user writes otherwise (IdiomaticGPT) ----
    def linear(self, x, w):
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def rmsnorm(self, x):
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def scores(self, q, ks):
        return [sum(q[j] * k[j] for j in range(HEAD_DIM)) / HEAD_DIM**0.5 for k in ks]

    def mix(self, weights, vs):
        return [sum(weights[t] * vs[t][j] for t in range(len(vs))) for j in range(HEAD_DIM)]

    def softmax(self, logits):
        max_val = max(v.data for v in logits)
        exps = [(v - max_val).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def nll(self, logits, target):
        return -self.softmax(logits)[target].log()

    def mean(self, losses):
        return (1 / len(losses)) * sum(losses)

    # ---- the model ----
    def forward(self, token: int, pos: int, keys: list, values: list) -> list:
        """Logits for the next token; appends this position's keys and values (the KV cache)."""
        sd = self.state
        x = [t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])]
        x = self.rmsnorm(x)
        for li in range(N_LAYER):
            residual = x
            x = self.rmsnorm(x)
            q = self.linear(x, sd[f"layer{li}.attn_wq"])
            keys[li].append(self.linear(x, sd[f"layer{li}.attn_wk"]))
            values[li].append(self.linear(x, sd[f"layer{li}.attn_wv"]))
            heads = []
            for h in range(N_HEAD):
                s = slice(h * HEAD_DIM, (h + 1) * HEAD_DIM)
                weights = self.softmax(self.scores(q[s], [k[s] for k in keys[li]]))
                heads.extend(self.mix(weights, [v[s] for v in values[li]]))
            x = [a + b for a, b in zip(self.linear(heads, sd[f"layer{li}.attn_wo"]), residual)]
            residual = x
            x = self.rmsnorm(x)
            x = [xi.relu() for xi in self.linear(x, sd[f"layer{li}.mlp_fc1"])]
            x = [a + b for a, b in zip(self.linear(x, sd[f"layer{li}.mlp_fc2"]), residual)]
        return self.linear(x, sd["lm_head"])

    def loss(self, tokens: list[int]):
        """The mean next-token loss over one name (at most BLOCK_SIZE positions): the step's root."""
        n = min(BLOCK_SIZE, len(tokens) - 1)
        keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
        losses = [self.nll(self.forward(tokens[i], i, keys, values), tokens[i + 1]) for i in range(n)]
        return self.mean(losses)

    def update(self, step: int, num_steps: int) -> None:
        """Adam (bias-corrected), learning rate decaying linearly to 0 over num_steps; resets the grads."""
        lr = LR * (1 - step / num_steps)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = BETA1 * m[i] + (1 - BETA1) * g
            v[i] = BETA2 * v[i] + (1 - BETA2) * g**2
            m_hat = m[i] / (1 - BETA1 ** (step + 1))
            v_hat = v[i] / (1 - BETA2 ** (step + 1))
            p.data -= lr * m_hat / (v_hat**0.5 + EPS)
            p.grad = 0


class IdiomaticGPT(GPT):
    """The same model as an autodiff user writes it: each weighted sum one ``dot`` node, ``autodiff.sum``,
    the stable ``cross_entropy``, ``nn.Adam``."""

    def __init__(self, Value, weights):
        import autodiff
        import nn

        super().__init__(Value, weights)
        self._dot, self._sum, self._ce = autodiff.dot, autodiff.sum, nn.functional.cross_entropy
        self.opt = nn.Adam(self.params, lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def linear(self, x, w):
        dot = self._dot
        return [dot(wo, x) for wo in w]

    def rmsnorm(self, x):
        scale = (self._dot(x, x) / len(x) + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def scores(self, q, ks):
        dot, c = self._dot, 1 / HEAD_DIM**0.5
        return [dot(q, k) * c for k in ks]

    def mix(self, weights, vs):
        return [self._dot(weights, [v[j] for v in vs]) for j in range(HEAD_DIM)]

    def softmax(self, logits):
        max_val = max(v.data for v in logits)
        exps = [(v - max_val).exp() for v in logits]
        total = self._sum(exps)
        return [e / total for e in exps]

    def nll(self, logits, target):
        return self._ce(logits, target)

    def mean(self, losses):
        return self._sum(losses) / len(losses)

    def update(self, step, num_steps):
        self.opt.lr = LR * (1 - step / num_steps)
        self.opt.step()
        self.opt.zero_grad()


def build_model(Value, *, idiomatic: bool = False, vocab_size: int | None = None, seed: int = 1) -> GPT:
    """The W4 model on ``Value`` (the peer's or autodiff's), from the seeded weights."""
    if vocab_size is None:
        vocab_size = len(vocabulary(make_names())) + 1
    return (IdiomaticGPT if idiomatic else GPT)(Value, init_weights(vocab_size, seed))


def train_step(model: GPT, tokens: list[int], step: int, num_steps: int) -> float:
    """One training step on one name: build the graph, backward, Adam. Returns the loss before the update."""
    loss = model.loss(tokens)
    loss.backward()
    model.update(step, num_steps)
    return loss.data
