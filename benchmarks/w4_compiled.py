"""W4 compiled: the GPT of ``w4_gpt.py`` (its idiomatic form) with one training step compiled per sequence
length by ``autodiff.compile``. A replay's inputs are the numbers it is recorded for, so the tokens enter
as one-hot rows: the embedding is Σᵥ onehot[v]·wte[v] (a dot node per coordinate, + the position's
embedding) and the loss picks the target's logit as dot(onehot, logits); the rest is the idiomatic code.

    step = CompiledStep(build_compiled(vocab_size))
    loss = step(tokens, k, num_steps)     # records the step for len(tokens) the first time, then replays
"""

from __future__ import annotations

from w4_gpt import BLOCK_SIZE, N_LAYER, IdiomaticGPT, init_weights

import autodiff


class CompiledGPT(IdiomaticGPT):
    """IdiomaticGPT whose tokens are one-hot inputs (the graph then depends on the length alone)."""

    def __init__(self, Value, weights):
        super().__init__(Value, weights)
        self.wte_columns = [list(col) for col in zip(*self.state["wte"])]  # coordinate j of every token

    def loss_onehot(self, inputs, targets):
        """The mean next-token loss of one sequence of one-hot rows. A token's embedding row is
        dot(onehot, column) per coordinate (exactly wte[token]: the other products are zeros), handed to
        the unchanged ``forward`` as the one row of its table; the target's logit is dot(onehot, logits)."""
        keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
        dot, table = self._dot, self.state["wte"]
        losses = []
        try:
            for pos, (x, t) in enumerate(zip(inputs, targets)):
                self.state["wte"] = [[dot(x, col) for col in self.wte_columns]]
                logits = self.forward(0, pos, keys, values)
                m = max(v.data for v in logits)  # a constant, as in cross_entropy (recorded once: harmless)
                lse = self._sum([(v - m).exp() for v in logits]).log() + m
                losses.append(lse - dot(t, logits))
        finally:
            self.state["wte"] = table
        return self.mean(losses)


def build_compiled(vocab_size: int, seed: int = 1) -> CompiledGPT:
    return CompiledGPT(autodiff.Value, init_weights(vocab_size, seed))


def onehot(tokens: list[int], vocab_size: int) -> list[list[float]]:
    return [[1.0 if v == t else 0.0 for v in range(vocab_size)] for t in tokens]


class CompiledStep:
    """One compiled step per sequence length, recorded the first time that length comes."""

    def __init__(self, model: CompiledGPT, vocab_size: int) -> None:
        self.model, self.vocab_size = model, vocab_size
        self.replays: dict[int, autodiff.Compiled] = {}

    def __call__(self, tokens: list[int], step: int, num_steps: int) -> float:
        n = min(BLOCK_SIZE, len(tokens) - 1)
        xs, ys = onehot(tokens[:n], self.vocab_size), onehot(tokens[1 : n + 1], self.vocab_size)
        replay = self.replays.get(n)
        if replay is None:
            replay = self.replays[n] = autodiff.compile(self.model.loss_onehot, xs, ys)
        loss = replay(xs, ys)
        self.model.update(step, num_steps)
        return loss
