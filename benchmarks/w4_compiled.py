"""W4 compiled: the GPT of ``w4_gpt.py`` (its idiomatic form) with one training step compiled per sequence
length by ``autodiff.compile``. A replay's inputs are the numbers it is recorded for, so the tokens enter
as one-hot rows: the embedding is Σᵥ onehot[v]·wte[v] (a dot node per coordinate, + the position's
embedding) and the loss picks the target's logit as dot(onehot, logits); the rest is the idiomatic code.

    step = CompiledStep(build_compiled(vocab_size), vocab_size)      # backend="numpy": the batched replay
    loss = step(tokens, k, num_steps)     # records the step for len(tokens) the first time, then replays

    .venv/bin/python benchmarks/w4_compiled.py [--steps 8] [--repeat 3]   # vs the peer, in one run
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from statistics import median
from time import perf_counter, process_time

from gcmeter import GCMeter
from w4_gpt import BLOCK_SIZE, N_LAYER, IdiomaticGPT, init_weights

import autodiff

NUM_STEPS = 1000  # the learning-rate schedule's length, as w4_bench.py


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

    def __init__(self, model: CompiledGPT, vocab_size: int, backend: str = "python") -> None:
        self.model, self.vocab_size, self.backend = model, vocab_size, backend
        self.replays: dict[int, autodiff.Compiled] = {}

    def _replay(self, tokens: list[int]):
        n = min(BLOCK_SIZE, len(tokens) - 1)
        xs, ys = onehot(tokens[:n], self.vocab_size), onehot(tokens[1 : n + 1], self.vocab_size)
        replay = self.replays.get(n)
        if replay is None:
            replay = self.replays[n] = autodiff.compile(self.model.loss_onehot, xs, ys, backend=self.backend)
        return replay, xs, ys

    def prepare(self, docs: list[list[int]]) -> None:
        """Record and compile (or plan) the steps these sequences need, without training: the Python
        replay's code compiled, the numpy replay's arrays made (each backend's ``compile_step``)."""
        for tokens in docs:
            self._replay(tokens)[0].compile_step()

    def __call__(self, tokens: list[int], step: int, num_steps: int) -> float:
        replay, xs, ys = self._replay(tokens)
        loss = replay(xs, ys)
        self.model.update(step, num_steps)
        return loss


# ---- the benchmark: peer, idiomatic and compiled in one process, interleaved, collector on ----------------
def _forms(docs, vocab_size: int, needed: list[list[int]]):
    import microgpt_peer
    from w4_gpt import build_model, train_step

    def eager(Value, idiomatic):
        model = build_model(Value, idiomatic=idiomatic, vocab_size=vocab_size)
        return lambda k: train_step(model, docs[k % len(docs)], k, NUM_STEPS)

    def compiled(backend: str):
        step = CompiledStep(build_compiled(vocab_size), vocab_size, backend)
        t0 = perf_counter()
        step.prepare(needed)
        PREPARE[backend] = perf_counter() - t0
        print(f"{backend}: {len(step.replays)} sequence lengths recorded and compiled in {PREPARE[backend]:.1f} s",
              file=sys.stderr)  # fmt: skip
        return lambda k: step(docs[k % len(docs)], k, NUM_STEPS)

    return {"microgpt-design": lambda: eager(microgpt_peer.Value, False),
            "autodiff idiomatic": lambda: eager(autodiff.Value, True),
            "autodiff compiled": lambda: compiled("python"), "autodiff numpy": lambda: compiled("numpy")}  # fmt: skip


PREPARE: dict[str, float] = {}  # backend -> seconds to record and compile/plan every sequence length


def parts(docs, vocab_size: int, backend: str, steps: int) -> dict[str, float]:
    """Where one compiled step's CPU time goes (median ms over ``steps`` steps, after recording): the replay
    (reading the params' numbers, forward, backward, adding into their ``.grad``) and the Adam update."""
    step = CompiledStep(build_compiled(vocab_size), vocab_size, backend)
    step.prepare(docs[:steps])
    replay_ms, adam_ms = [], []
    for k in range(steps):
        replay, xs, ys = step._replay(docs[k])
        t0 = process_time()
        replay(xs, ys)
        t1 = process_time()
        step.model.update(k, NUM_STEPS)
        adam_ms.append((process_time() - t1) * 1e3)
        replay_ms.append((t1 - t0) * 1e3)
    return {"replay": median(replay_ms), "Adam update": median(adam_ms), "params": len(step.model.params)}


def main(argv: list[str] | None = None) -> int:
    from w4_gpt import make_names, tokenize, vocabulary
    from workloads import recursion_limit

    parser = argparse.ArgumentParser(description="W4 compiled vs the microgpt-design peer")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    names = make_names()
    chars = vocabulary(names)
    docs = [tokenize(n, chars) for n in names]
    vocab_size = len(chars) + 1
    total = args.steps * args.repeat
    gc.enable()
    t0 = perf_counter()
    makers = _forms(docs, vocab_size, docs[:total])
    trainers = {name: make() for name, make in makers.items()}
    setup = perf_counter() - t0
    names_ = list(trainers)
    seconds = {n: [] for n in names_}
    cpu = {n: [] for n in names_}
    gc_share = {n: [0.0, 0.0] for n in names_}
    losses = {n: [] for n in names_}
    for rep in range(args.repeat):
        k = rep % len(names_)
        for name in names_[k:] + names_[:k]:
            gc.collect()
            with recursion_limit(10**5), GCMeter() as meter:
                t, c = perf_counter(), process_time()
                for _ in range(args.steps):
                    losses[name].append(trainers[name](len(losses[name])))
                elapsed = perf_counter() - t
                cpu[name].append((process_time() - c) / args.steps)
            seconds[name].append(elapsed / args.steps)
            gc_share[name][0] += meter.seconds
            gc_share[name][1] += elapsed
            print(f"rep {rep + 1} {name}: {elapsed / args.steps * 1e3:.1f} ms/step", file=sys.stderr)
    peer, peer_cpu = seconds["microgpt-design"], cpu["microgpt-design"]
    lines = [
        f"## W4 compiled: {args.steps} steps × {args.repeat} repetitions per form, interleaved, collector on",
        "",
        "| form | ms/step (wall) | × vs peer (wall) | CPU ms/step | × vs peer (CPU) | collector share | first loss |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in names_:
        ratio = median(a / b for a, b in zip(peer, seconds[n]))
        ratio_cpu = median(a / b for a, b in zip(peer_cpu, cpu[n]))
        lines.append(f"| {n} | {median(seconds[n]) * 1e3:.1f} | {ratio:.1f}× | {median(cpu[n]) * 1e3:.1f} | "
                     f"{ratio_cpu:.1f}× | {gc_share[n][0] / gc_share[n][1]:.0%} | {losses[n][0]:.15f} |")  # fmt: skip
    drift = max(abs(a - b) for n in names_ for a, b in zip(losses["microgpt-design"], losses[n]))
    lines += [
        "",
        f"- Largest loss difference from the peer over all {total} steps: {drift:.1e}.",
        (f"- Setup (models, and recording + compiling one step per sequence length): {setup:.0f} s, not in ms/step; "
         f"of it the Python replay's recording + code {PREPARE['python']:.1f} s, numpy's recording + plans "
         f"{PREPARE['numpy']:.1f} s."),
    ]
    for name, target in (("autodiff compiled", 40), ("autodiff numpy", 150)):
        got = median(a / b for a, b in zip(peer, seconds[name]))
        got_cpu = median(a / b for a, b in zip(peer_cpu, cpu[name]))
        verdict = "met" if min(got, got_cpu) >= target else "met in CPU time only" if got_cpu >= target else "NOT MET"
        lines.append(f"- W4 {name} ≥ {target}× the peer: {got:.1f}× wall, {got_cpu:.1f}× CPU (process time, all "
                     f"threads; the fair figure on a shared machine) — {verdict}")  # fmt: skip
    for backend in ("python", "numpy"):
        split = parts(docs, vocab_size, backend, total)
        lines.append(f"- Where a {backend} step's CPU time goes (median of {total} steps): the replay {split['replay']:.2f} "
                     f"ms (params read, forward, backward, added into {split['params']:,} `.grad`s), the Adam update "
                     f"{split['Adam update']:.2f} ms (`nn.Adam.step()`, numpy arrays between reading and writing the "
                     f"params' numbers, and `zero_grad()`).")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text, end="")
    (Path(__file__).resolve().parent / "results" / "w4-compiled.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
