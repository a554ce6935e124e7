"""``autodiff.exercise`` and ``autodiff practice``: every level's answers against the engine's own
``.grad`` and central differences (recomputed from each node's rules row, not from the exercise),
the same exercise for the same seed (in another process too), slips planted from the maths and named
as ``check_backward`` names them, the score, and the command end to end with piped answers."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff
from autodiff import Value
from autodiff.text import slips
from autodiff.verify import exercise_levels
from autodiff.verify.exercise import Score

LEVELS = range(1, 6)
SEEDS = range(25)
ROOT = Path(__file__).resolve().parents[1]


def evaluate(order: list[Value], override: dict[Value, float]) -> dict[Value, float]:
    """Every node's value recomputed from its rules row and operands, with some nodes' values replaced."""
    vals: dict[Value, float] = {}
    for v in order:
        if v in override:
            vals[v] = override[v]
        elif v.is_leaf:
            vals[v] = v.data
        else:
            vals[v] = v.row.forward(*[vals[o] if isinstance(o, Value) else o for o in v.operands])
    return vals


def central(order: list[Value], of: Value, wrt: Value, h: float = 1e-6) -> float:
    """∂of/∂wrt by central differences: wrt's value moved by ±h, everything after it recomputed."""
    up = evaluate(order, {wrt: wrt.data + h})[of]
    down = evaluate(order, {wrt: wrt.data - h})[of]
    return (up - down) / (2 * h)


def partial(child: Value, parent: Value, h: float = 1e-6) -> float:
    """The local derivative ∂child/∂parent by central differences: child's rules row on its operands,
    the parent's value moved by ±h, its other inputs held (not the total derivative through the graph)."""

    def at(x: float) -> float:
        return child.row.forward(
            *[x if o is parent else (o.data if isinstance(o, Value) else o) for o in child.operands]
        )

    return (at(parent.data + h) - at(parent.data - h)) / (2 * h)


def close(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


# ---- the answers are the engine's and the finite differences' -----------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_answers_are_the_engines_grad_and_finite_differences(level):
    for seed in SEEDS:
        ex = autodiff.exercise(seed, level)
        order = autodiff.topological_order(ex.root)
        assert evaluate(order, {})[ex.root] == ex.root.data  # the recomputation is the forward pass
        assert all(v.grad == 0.0 for v in order)  # the exercise computed its answers on the side
        ex.root.backward()
        grads = [b for b in ex.blanks if b.kind == "grad"]
        assert {b.node for b in grads} == {n for n, v in ex.nodes.items() if v is not ex.root}
        for b in ex.blanks:
            child = ex.nodes[b.node]
            if b.kind == "grad":
                assert b.answer == child.grad, (seed, b)
                assert close(b.answer, central(order, ex.root, child)), (seed, b, central(order, ex.root, child))
            else:
                parent = ex.nodes[b.parent]
                assert any(p is parent for p in child.parents)
                assert close(b.answer, partial(child, parent)), (seed, b)


@pytest.mark.parametrize("level", LEVELS)
def test_blanks_come_in_backward_order_each_gradient_after_its_locals(level):
    ex = autodiff.exercise(3, level)
    order = autodiff.topological_order(ex.root)
    position = {ex.nodes[n]: i for i, n in enumerate(ex.nodes)}
    done: set[str] = {"f"}
    for b in ex.blanks:
        assert b.index == ex.blanks.index(b)
        if b.kind == "local":
            assert b.node in done  # ∂c/∂v is asked once c's gradient is known
        else:
            v = ex.nodes[b.node]
            users = [c for c in order if any(p is v for p in c.parents)]
            asked = [(x.node, x.parent) for x in ex.blanks[: b.index]]
            assert all((ex.names[c], b.node) in asked for c in users)  # every path's local first
            done.add(b.node)
    assert [position[ex.nodes[b.node]] for b in ex.blanks if b.kind == "grad"] == sorted(
        (position[ex.nodes[b.node]] for b in ex.blanks if b.kind == "grad"), reverse=True)  # fmt: skip


def test_levels_are_what_they_say():
    rules = {level: [{v.rule for v in autodiff.topological_order(autodiff.exercise(s, level).root) if not v.is_leaf}
                     for s in SEEDS] for level in LEVELS}  # fmt: skip
    assert all(len(ops) == 1 for ops in rules[1])  # one gate
    assert set().union(*rules[1]) == {"add", "sub", "mul", "div", "max"}
    for seed in SEEDS:  # fan-out: some node feeds two others
        order = autodiff.topological_order(autodiff.exercise(seed, 3).root)
        assert any(sum(any(p is v for p in c.parents) for c in order) == 2 for v in order)
    assert all({"sigmoid", "tanh"} & ops and "mul" in ops for ops in rules[4])
    assert {"sigmoid", "tanh"} <= set().union(*rules[4]) and {"sigmoid", "tanh"} <= set().union(*rules[5])
    assert all(sum(v.rule in ("sigmoid", "tanh") for v in autodiff.topological_order(autodiff.exercise(s, 5).root))
               == 2 for s in SEEDS)  # fmt: skip
    for level in LEVELS:  # small numbers: integers and halves for every input
        for seed in SEEDS:
            assert all((2 * x).is_integer() and abs(x) <= 4 for x in autodiff.exercise(seed, level).values.values())


def test_every_seed_finds_its_numbers_in_a_few_draws(monkeypatch):
    draws = []
    nice = exercise_levels.nice
    monkeypatch.setattr(exercise_levels, "nice", lambda root: draws.append(root) or nice(root))
    for level in LEVELS:
        most = 0
        for seed in [*range(400), 2**64 - 1]:
            draws.clear()
            ex = autodiff.exercise(seed, level)
            most = max(most, len(draws))
            for v in autodiff.topological_order(ex.root):  # a product's two factors differ in size
                if v.rule == "mul":
                    assert abs(v.parents[0].data) != abs(v.parents[1].data)
        assert most <= exercise_levels.TRIES // 5, (level, most)


# ---- determinism ----------------------------------------------------------------------------------------------
def test_same_seed_same_exercise_and_different_seeds_differ():
    for level in LEVELS:
        assert autodiff.exercise(7, level).to_json(True) == autodiff.exercise(7, level).to_json(True)
        distinct = {json.dumps(autodiff.exercise(s, level).to_json(True)) for s in range(20)}
        assert len(distinct) >= 15, (level, len(distinct))
    assert autodiff.exercise(2**64 - 1, 5).to_json() == autodiff.exercise(2**64 - 1, 5).to_json()


def test_same_exercise_in_another_process_with_another_hash_seed():
    code = ("import json, autodiff; print(json.dumps([autodiff.exercise(s, l).to_json(True) "
            "for s in (0, 7, 2**64 - 1) for l in range(1, 6)]))")  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120)
    here = [autodiff.exercise(s, lv).to_json(True) for s in (0, 7, 2**64 - 1) for lv in LEVELS]
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


def test_the_generator_draws_only_with_randrange(monkeypatch):
    """randrange on an int seed gives the same sequence on every Python 3 version; random(), choice(),
    shuffle() and the float draws are not promised to, so the generator must not call them."""
    calls: list[str] = []

    class Strict(random.Random):
        def randrange(self, *args):
            calls.append("randrange")
            return super().randrange(*args)

    for name in ("random", "choice", "shuffle", "sample", "uniform", "gauss", "choices", "randint"):
        monkeypatch.setattr(Strict, name, lambda self, *a, _n=name, **k: pytest.fail(f"the generator called {_n}"))
    monkeypatch.setattr(exercise_levels.random, "Random", Strict)
    for level in LEVELS:
        for seed in range(10):
            autodiff.exercise(seed, level)
    assert calls


# ---- answers: right ones accepted, wrong ones named ----------------------------------------------------------
def test_right_answers_accepted_as_numbers_rounded_text_and_fractions():
    for level in LEVELS:
        ex = autodiff.exercise(11, level)
        for b in ex.blanks:
            assert ex.answer(b.index, f"{b.answer:.4g}").correct, b  # four digits are within rtol 1e-3
            assert ex.answer(b.index, b.answer).correct
        assert ex.score() == Score(len(ex), len(ex), len(ex))
    for seed in range(40):  # a half typed as a fraction
        ex = autodiff.exercise(seed, 5)
        halves = [b for b in ex.blanks if b.answer in (0.5, -0.5, 1.5, -1.5)]
        for b in halves:
            assert ex.answer(b.index, f"{round(b.answer * 2):d}/2").correct
        if halves:
            break
    else:
        pytest.fail("no half among 40 exercises")
    assert not ex.answer(halves[0].index, "1/3" if halves[0].answer != 1 / 3 else "1/4").correct


def _first_blank(ex, kind, where):
    return next((b for b in ex.blanks if b.kind == kind and where(b)), None)


def test_planted_slips_on_gradients_are_named_as_check_backward_names_them():
    seen: set[str] = set()
    for level in LEVELS:
        for seed in SEEDS:
            ex = autodiff.exercise(seed, level)
            order = autodiff.topological_order(ex.root)
            users = {v: [c for c in order if any(p is v for p in c.parents)] for v in order}
            grads = {n: central(order, ex.root, v) for n, v in ex.nodes.items()}
            for b in [b for b in ex.blanks if b.kind == "grad"]:
                v = ex.nodes[b.node]
                planted = []
                if b.answer:
                    planted.append(("sign flipped", -grads[b.node]))
                if len(users[v]) == 2:  # fan-out: one path's contribution alone
                    c = users[v][0]
                    one = grads[ex.names[c]] * partial(c, v)
                    if not slips.agrees(one, -b.answer) and not slips.agrees(one, b.answer):
                        planted.append(("missing path", one))
                if len(users[v]) == 1 and users[v][0] is not ex.root:  # the local derivative alone
                    c = users[v][0]
                    up, local = grads[ex.names[c]], partial(c, v)
                    if not any(slips.agrees(up, k) for k in (1, -1, 2, 0.5, -2, -0.5)):
                        planted.append(("chain forgotten", local))
                for kind, typed in planted:
                    fresh = autodiff.exercise(seed, level)  # no earlier answers
                    verdict = fresh.answer(b.index, typed)
                    assert not verdict.correct and verdict.slip == kind, (level, seed, b, kind, verdict.message)
                    assert verdict.hint and f"{b.answer:.4g}" not in verdict.hint  # what to do, not the number
                    report = autodiff.check_backward(fresh.root, {b.node: typed})
                    assert report.diagnosis.kind == kind  # the same name, from the same diagnosis
                    seen.add(kind)
    assert seen == {"sign flipped", "missing path", "chain forgotten"}


def test_planted_slips_on_local_derivatives():
    seen: set[str] = set()
    for level in LEVELS:
        for seed in SEEDS:
            ex = autodiff.exercise(seed, level)
            for b in [b for b in ex.blanks if b.kind == "local"]:
                c, p = ex.nodes[b.node], ex.nodes[b.parent]
                planted = []  # in the order they are tried: a value two slips give is named by the first
                if c.rule in ("mul", "dot"):
                    planted.append(("mul swapped", p.data))  # the parent itself for the other factor
                z = p.data
                if c.rule == "sigmoid":
                    planted += [("value for derivative", 1 / (1 + math.exp(-z))), ("input for output", z * (1 - z))]
                if c.rule == "tanh":
                    planted += [("value for derivative", math.tanh(z)), ("input for output", 1 - z * z)]
                planted += [("sign flipped", -b.answer), ("factor of 2", 2 * b.answer), ("factor of 2", b.answer / 2)]
                for k, (kind, typed) in enumerate(planted):
                    if slips.agrees(typed, b.answer) or any(slips.agrees(typed, x) for _, x in planted[:k]):
                        continue
                    verdict = autodiff.exercise(seed, level).answer(b.index, typed)
                    assert not verdict.correct and verdict.slip == kind, (level, seed, b, kind, verdict.message)
                    seen.add(kind)
    assert seen == {"factor of 2", "mul swapped", "value for derivative", "input for output", "sign flipped"}


def test_a_step_right_from_a_wrong_upstream_and_a_wrong_local_used_are_named_where_they_start():
    ex = autodiff.exercise(7, 4)  # a neuron: f = act(z), z = s + b, ...
    z, b = ex.blank_of("grad", "z"), ex.blank_of("grad", "b")
    wrong = 3 * z.answer
    assert ex.answer(z.index, wrong).slip is not None
    verdict = ex.answer(b.index, wrong * 1.0)  # ∂z/∂b = 1: right from the wrong ∂f/∂z
    assert not verdict.correct and verdict.slip == "follows upstream"
    ex = autodiff.exercise(7, 4)
    local = ex.blank_of("local", "f", "z")
    assert ex.answer(local.index, 0.3).slip == "wrong local"
    assert ex.answer(ex.blank_of("grad", "z").index, 0.3).slip == "wrong local"  # ∂f/∂z from the wrong local


def test_after_a_wrong_upstream_a_slip_is_named_against_the_right_upstream_shown():
    ex = autodiff.exercise(7, 4)  # p1 = w1·x1: ∂f/∂w1 = ∂f/∂p1 · x1
    p1, w1 = ex.blank_of("grad", "p1"), ex.blank_of("grad", "w1")
    assert not ex.answer(p1.index, 5).correct  # a wrong ∂f/∂p1; the verdict shows the right one
    assert ex.answer(w1.index, -w1.answer).slip == "sign flipped"  # from the right upstream, only the sign is off
    chain = ex.answer(w1.index, ex.nodes["x1"].data)  # the local derivative alone
    assert chain.slip == "chain forgotten" and f"∂f/∂p1 = {p1.answer:.4g}" in chain.message


def test_score_counts_first_tries_and_the_graph_is_left_alone():
    ex = autodiff.exercise(5, 2)
    first, second = ex.blanks[0], ex.blanks[1]
    assert not ex.answer(first.index, first.answer + 7).correct
    assert ex.answer(first.index, first.answer).correct  # a second try is checked, not counted
    assert ex.answer(second.index, second.answer).correct
    assert ex.score() == Score(1, 2, len(ex))
    assert str(ex.score()) == f"score: 1 of {len(ex)} right ({len(ex) - 2} not answered)"
    order = autodiff.topological_order(ex.root)
    assert all(v.grad == 0.0 for v in order)
    assert [v.data for v in order] == [v.data for v in autodiff.topological_order(autodiff.exercise(5, 2).root)]


def test_to_json_hides_the_answers_unless_asked():
    ex = autodiff.exercise(7, 5)
    public, key = ex.to_json(), ex.to_json(answers=True)
    text = json.dumps(public, allow_nan=False)
    assert '"answer"' not in text and len(public["blanks"]) == len(ex)
    assert [b["answer"] for b in key["blanks"]] == [b.answer for b in ex.blanks]
    assert public["values"] == ex.values and public["output"] == "f" and public["level"] == 5
    assert {n["name"] for n in public["nodes"]} == set(ex.nodes)


# ---- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("seed", "level", "error", "words"), [
    (-1, 1, ValueError, "seed"), (2**64, 1, ValueError, "seed"), (1, 0, ValueError, "level"),
    (1, 6, ValueError, "level"), ("7", 1, TypeError, "seed"), (True, 1, TypeError, "seed"),
    (7, 2.0, TypeError, "level"), (7, None, TypeError, "level"),
])  # fmt: skip
def test_bad_seeds_and_levels_are_refused(seed, level, error, words):
    with pytest.raises(error, match=words) as info:
        autodiff.exercise(seed, level)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("typed", ["", "abc", "x+1", "__import__('os').system('true')", "1e999", "9" * 200,
                                   "1/0", "[1]", float("nan"), float("inf"), 10**400, "10**400"])  # fmt: skip
def test_typed_answers_are_read_safely(typed):
    ex = autodiff.exercise(1, 1)
    with pytest.raises(ValueError) as info:
        ex.answer(0, typed)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    assert ex.score().answered == 0


def test_bad_blank_indexes_are_refused():
    ex = autodiff.exercise(1, 1)
    for index, error in ((len(ex), ValueError), (-1, ValueError), ("0", TypeError), (True, TypeError)):
        with pytest.raises(error, match="blank"):
            ex.answer(index, 1)


# ---- the command ------------------------------------------------------------------------------------------------
def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", "practice", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, input=stdin, timeout=120)


def test_the_command_takes_piped_answers_and_prints_the_score():
    ex = autodiff.exercise(7, 3)
    p = run("--seed", "7", "--level", "3", stdin="".join(f"{b.answer:.6g}\n" for b in ex.blanks))
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"score: {len(ex)} of {len(ex)} right" in p.stdout and p.stdout.count("✓ right") == len(ex)
    assert ex.blanks[0].prompt in p.stdout and "fan-out" in p.stdout


def test_the_command_names_slips_takes_an_answers_file_and_stops_cleanly_at_the_end(tmp_path):
    ex = autodiff.exercise(7, 3)
    lines = [f"{b.answer:.6g}" for b in ex.blanks]
    flipped = next(b for b in ex.blanks if b.kind == "grad" and b.answer)
    lines[flipped.index] = f"{-flipped.answer:.6g}"
    answers = tmp_path / "answers.txt"
    answers.write_text("\n".join(["not a number", *lines[: flipped.index + 1]]) + "\n")
    p = run("--seed", "7", "--level", "3", "--answers", str(answers))
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert "sign flipped" in p.stdout and "type a number such as -4 or 1/2" in p.stdout
    k = flipped.index + 1
    assert p.stdout.rstrip().endswith(
        f"the input ended: score: {k - 1} of {len(ex)} right ({len(ex) - k} not answered)"
    )


def test_the_command_refuses_bad_input_in_one_line():
    for args, words in ((("--level", "9"), "--level"), (("--seed", "x"), "--seed"), (("--seed", "-3"), "--seed"),
                        (("--seed", "1", "--answers", "/nonexistent/a.txt"), "/nonexistent/a.txt")):  # fmt: skip
        p = run(*args, stdin="")
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
        assert len([line for line in p.stderr.splitlines() if "error" in line]) == 1 and words in p.stderr
        assert "practice:" not in p.stdout  # nothing asked
    p = run("--seed", "1", stdin="\x1b[31m\n" * 30)
    assert p.returncode == 2 and "answers were not numbers" in p.stderr and "\x1b" not in p.stdout


def test_the_command_prints_json_and_a_key():
    p = run("--seed", "7", "--level", "4", "--json")
    assert p.returncode == 0 and json.loads(p.stdout) == autodiff.exercise(7, 4).to_json()
    p = run("--seed", "7", "--level", "4", "--json", "--key")
    assert json.loads(p.stdout) == autodiff.exercise(7, 4).to_json(answers=True)
    p = run("--seed", "7", "--level", "4", "--key")
    assert p.returncode == 0 and all(b.prompt in p.stdout for b in autodiff.exercise(7, 4).blanks)
    p = run("--level", "2", stdin="")
    assert p.returncode == 1 and "gives it again" in p.stdout
