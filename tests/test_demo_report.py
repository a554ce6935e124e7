"""What ``make demo`` shows a newcomer about seed 001's network: one notation for its weights (the
document's w(l)i,j, mapped once to nn's names), and the reading that agrees with the document's own
arithmetic first, then the contradiction, then the other reading."""

from __future__ import annotations

import re

import pytest

import autodiff
import nn
from autodiff.cli import examples as ex


@pytest.fixture(scope="module")
def report() -> str:
    return ex.report()


def test_one_notation_for_the_weights(report):
    """The same weight had several names (w(2,5), w25, W(2)[2,2], w(2)5,2); users now see w(l)i,j only."""
    for other in ("w(2,5)", "w25", "W(2)[", "w(2)5,2", "w(2)4,2"):
        assert other not in report, other
    assert report.count("w(l)i,j is the weight of layer l, of that layer's neuron i, on its input j") == 1
    assert "w(2)2,2 = 3 as the tutorial's own arithmetic computes" in report
    assert "w(2)2,2 = 2 as its W(2) matrix prints" in report


@pytest.mark.parametrize("reading", [2, 3])
def test_the_notation_map_names_the_same_weights_as_nn(reading):
    """Every drawn weight w(l)i,j of the demo's graph is nn's layers.{l-1}.neurons.{i-1}.w.{j-1}: same value
    and, after the same backward pass, the same gradient."""
    e = ex.three_layer_network(reading)
    p = ex.reference()["examples"][ex.REFERENCE_KEYS[reading]]["params"]
    net = nn.MLP.from_weights([(p["W1"], p["b1"]), (p["W2"], p["b2"]), (p["W3"], p["b3"])], activations="sigmoid")
    nn.functional.half_squared_error(net([1.0, 2.0]), 1.0).backward()
    params = dict(net.named_parameters())
    drawn = [v for v in autodiff.graph.topological_order(e.root) if v.label and v.label.startswith("w(")]
    assert len(drawn) == 6 + 6 + 2  # every weight of W(1), W(2), W(3)
    for v in drawn:
        l, i, j = map(int, re.fullmatch(r"w\((\d)\)(\d),(\d)", v.label).groups())
        mate = params[f"layers.{l - 1}.neurons.{i - 1}.w.{j - 1}"]
        assert (v.data, v.grad) == (mate.data, mate.grad), v.label
    contested = next(v for v in drawn if v.label == "w(2)2,2")
    assert contested.data == params["layers.1.neurons.1.w.1"].data == reading


def test_the_agreeing_reading_comes_first(report):
    """First the reading that agrees with the document's arithmetic (one ✗), then the contradiction in two
    sentences, then the matrix as printed with its ✗ rows (it used to open with 20 ✗ unexplained)."""
    agree = report.index("w(2)2,2 = 3 as the tutorial's own arithmetic")
    verdict = report.index("The tutorial contradicts itself")
    other = report.index("2-3-2-1 sigmoid network, w(2)2,2 = 2")
    assert agree < verdict < other
    before = report[report.index(ex.INTRO) + len(ex.INTRO):verdict]  # the intro names the ✗ rows first
    assert before.count("✗") == 2  # δ2's mark and the line that explains it
    sentences = report[verdict:other].strip()
    assert len(sentences.splitlines()) == 2 and sentences.count(". ") + sentences.endswith(".") == 2
    after = report[other:]
    assert after.count("✗") == 11 and "10 printed numbers disagree" in after


def test_make_demo_s_recipe_runs_in_a_fresh_checkout(tmp_path):
    """The Makefile's demo recipe, run as written in an empty folder (a fresh clone has no out/): the
    command creates only what it is asked for, so the recipe must make out/ itself."""
    import subprocess
    import sys
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE).group(1)
    autodiff_command = f"{sys.executable} -m autodiff.cli"
    for line in recipe.splitlines():
        command = line.strip().replace("$(VENV)/bin/autodiff", autodiff_command)
        done = subprocess.run(command, check=False, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (command, done.stderr[-500:])
    assert len(list((tmp_path / "out" / "examples").glob("*.png"))) >= 5
