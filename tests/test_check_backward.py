"""check_backward: each kind of slip, planted in a learner's backward pass, is found and named; seed
001's printed δ's are located; the report prints, renders escaped HTML, draws the wrong step, and
leaves the graph bitwise as it found it."""

from __future__ import annotations

import math
import struct

import graphs
import pytest

import autodiff
from autodiff import Value, check_backward
from autodiff.cli.examples import reference, three_layer_network
from autodiff.verify import diagnosis as D


def add_mul():
    """Seed 001 §三: q = x + y, f = q·z at (−2, 5, −4): ∂f/∂q = −4, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3."""
    return graphs.add_mul()[-1]


def reuse():
    """x used twice: q = x + y, f = q·x at x = −2, y = 5: ∂f/∂q = x = −2, ∂f/∂x = q + x = 3 − 2 = 1."""
    x, y = Value(-2.0, label="x"), Value(5.0, label="y")
    q = x + y
    q.label = "q"
    f = q * x
    f.label = "f"
    return f


def gate():
    """Seed 001 §三's sigmoid gate: f = σ(w0·x0 + w1·x1 + w2) = σ(1); ∂f/∂dot = σ(1)(1 − σ(1))."""
    return graphs.sigmoid_gate()[-1]


S1 = 1 / (1 + math.exp(-1.0))  # σ(1) = 0.7311, σ'(1) = 0.1966


def kind(report) -> str:
    assert not report, str(report)
    return report.diagnosis.kind


# ---- the report agrees with the documents' numbers ------------------------------------------------------
def test_the_documents_numbers_agree_and_the_report_is_truthy():
    f = add_mul()
    report = check_backward(f, {"f": 1, "q": -4, "x": -4, "y": -4, "z": 3})
    assert report and report.first is None and report.diagnosis is None
    assert [r.name for r in report.rows] == ["f", "z", "q", "y", "x"]  # backward order
    text = str(report)
    assert "✓ all 5 of your values agree" in text and "x + y" in text
    g = gate()
    assert check_backward(g, {"dot": S1 * (1 - S1), "w0": -0.19661193324148185, "x1": -0.5898357997244456})


def test_keys_may_be_values_and_the_drawings_names():
    x = Value(2.0, label="x")
    f = (x * x).tanh()  # unlabelled: v1 = x·x, v2 = tanh(v1)
    t = math.tanh(4.0)
    assert check_backward(f, {"v2": 1.0, "v1": 1 - t * t, x: (1 - t * t) * 4.0})


# ---- each slip, planted and named --------------------------------------------------------------------
def test_sign_flipped():
    assert kind(check_backward(add_mul(), {"q": 4})) == D.SIGN


def test_factor_of_two():
    assert kind(check_backward(add_mul(), {"q": -8})) == D.FACTOR_2


def test_chain_forgotten_names_the_local_and_the_upstream():
    report = check_backward(add_mul(), {"q": -4, "x": 1})
    assert kind(report) == D.CHAIN and report.first.label == "x"
    assert "∂q/∂x = 1 alone" in report.diagnosis.message and "∂f/∂q = -4" in report.diagnosis.message


def test_mul_operands_swapped():
    report = check_backward(add_mul(), {"z": -4})  # ∂f/∂z = q = 3; −4 is z itself
    assert kind(report) == D.SWAPPED
    assert report.diagnosis.edge == (report.root, report.first) and report.diagnosis.local == -4


def test_missing_path_names_the_path_kept():
    report = check_backward(reuse(), {"q": -2, "x": 3})  # kept only the direct path x → f (q's value, 3)
    assert kind(report) == D.MISSING_PATH
    assert "sums over 2 paths; you kept only the one through f" in report.diagnosis.message


def test_overwritten_instead_of_accumulated_in_code():
    def backward(root):  # micrograd-style, with = where += belongs
        root.grad = 1.0
        for v in reversed(autodiff.topological_order(root)):
            if v.op == "add":
                v._a.grad = v.grad
                v._b.grad = v.grad
            elif v.op == "mul":
                v._a.grad = v.grad * v._b.data
                v._b.grad = v.grad * v._a.data

    report = check_backward(reuse(), backward)
    assert kind(report) == D.OVERWRITTEN and report.first.label == "x"
    assert report.wrong == [report.first]
    assert report.rows[-1].hand == -2.0  # the last contribution, through q, alone


def test_the_output_seed_forgotten_in_code():
    def backward(root):  # never sets root.grad = 1
        for v in reversed(autodiff.topological_order(root)):
            for p, local in zip(v.parents, v.local_grads):
                p.grad += v.grad * local

    report = check_backward(add_mul(), backward)
    assert kind(report) == D.OUTPUT_SEED and report.first is report.root
    text = str(report)
    assert report.wrong == [report.root] and [v.label for v in report.missing] == ["z", "y", "x"]
    assert "✗ 3 input gradients not given by your function" in text and "your function left at 0: z, y, x" in text
    assert "1 node your function left at 0 was not compared: q" in text


def test_a_delta_recursion_that_writes_some_nodes_is_compared_on_those():
    def deltas(root):  # the documents' habit: δ's of the labelled nodes only, with a slip at x
        n = {v.label: v for v in autodiff.topological_order(root) if v.label}
        n["f"].grad = 1.0
        n["q"].grad = n["z"].data
        n["x"].grad = n["q"].grad * -1.0

    report = check_backward(add_mul(), deltas)
    assert [r.name for r in report.rows] == ["f", "q", "x"] and kind(report) == D.SIGN


def test_sigma_used_where_its_derivative_was_needed():
    report = check_backward(gate(), {"f": 1, "dot": S1})
    assert kind(report) == D.VALUE_FOR_DERIVATIVE
    message = report.diagnosis.message
    assert "∂f/∂dot = f·(1 − f) = 0.1966" in message and "f = σ(dot)" in message and "itself" in message


def test_the_input_used_where_the_output_was_needed():
    report = check_backward(gate(), {"dot": 1.0 * (1 - 1.0)})  # z(1 − z) at z = 1, not σ(z)(1 − σ(z))
    assert kind(report) == D.INPUT_FOR_OUTPUT
    assert "∂f/∂dot = f·(1 − f) = 0.1966 needs the output f = σ(dot) = 0.7311" in report.diagnosis.message


def test_a_wrong_local_the_learner_gave():
    report = check_backward(add_mul(), {"q": -4, "x": 4}, hand_local={("q", "x"): -1.0})
    assert kind(report) == D.WRONG_LOCAL and report.diagnosis.local == -1.0
    assert report.diagnosis.message.endswith("is wrong: ∂q/∂x = 1")  # the rule in the nodes' names
    assert [(r.hand, r.engine, r.ok) for r in report.locals] == [(-1.0, 1.0, False)]
    alone = check_backward(add_mul(), {"q": -4}, hand_local={("f", "q"): 3.0})  # right grads, a wrong local
    assert not alone and alone.first is None and alone.diagnosis.kind == D.WRONG_LOCAL


def test_a_wrong_local_on_a_single_edge_is_said_plainly():
    report = check_backward(add_mul(), {"q": -4, "y": -7})
    assert kind(report) == D.WRONG_LOCAL and "implies" in report.diagnosis.message
    assert report.diagnosis.local == pytest.approx(7 / 4)


def test_no_known_slip_says_so_and_shows_the_right_computation():
    report = check_backward(reuse(), {"q": -2, "x": 1.37})
    assert kind(report) == D.UNKNOWN and "no known slip" in report.diagnosis.message
    assert report.diagnosis.computation == "∂f/∂x = ∂f/∂q · ∂q/∂x + ∂f/∂x (direct) = (-2) · (1) + (3) = 1"


def test_a_right_step_from_a_wrong_upstream_follows_it():
    report = check_backward(add_mul(), {"q": 4, "x": 4, "y": 4})
    assert report.wrong == [report.first, *report.wrong[1:]] and report.first.label == "q"
    assert [report.diagnoses[v].kind for v in report.wrong] == [D.SIGN, D.FOLLOWS, D.FOLLOWS]


# ---- seed 001 ---------------------------------------------------------------------------------------------
def seed001_network(ref):
    """Seed 001 §四's 2-3-2-1 sigmoid network, L = ½(y − ŷ)², neurons z1..z6 numbered as the document."""
    p, x, y = ref["params"], ref["inputs"]["x"], ref["inputs"]["y"]
    inputs, k = list(x), 0
    for n, (W, b) in enumerate([(p["W1"], p["b1"]), (p["W2"], p["b2"]), (p["W3"], p["b3"])], 1):
        outs = []
        for i, (row, bias) in enumerate(zip(W, b)):
            ws = [Value(float(w), label=f"w({n}){i + 1},{j + 1}") for j, w in enumerate(row)]
            k += 1
            z = autodiff.dot(ws, inputs) + bias
            f = z.sigmoid()
            z.label, f.label = f"z{k}", f"f{k}"
            outs.append(f)
        inputs = outs
    loss = 0.5 * (y - inputs[0]) ** 2
    loss.label = "L"
    return loss


def test_seed001_printed_deltas_name_delta1_2_alone_and_what_w222_2_gives():
    """Built as the forward pass computes it (w(2)2,2 = 3), the printed δ's are right except δ(1)₂,
    which is what ∂(dot)/∂f2 = 2 gives: f2'(z2)·(w(2)1,2·δ4 + 2·δ5) with the printed δ4, δ5."""
    root = seed001_network(reference()["examples"]["seed001_three_layer_as_computed"])
    assert math.isclose(root.data, three_layer_network(3).root.data, rel_tol=1e-15)  # the replay's network
    doc = reference()["document_printed_seed001"]
    hand = {"z6": doc["delta3"], "z4": doc["delta2"][0], "z5": doc["delta2"][1],
            "z1": doc["delta1"][0], "z2": doc["delta1"][1], "z3": doc["delta1"][2]}  # fmt: skip
    report = check_backward(root, hand)
    assert [v.label for v in report.wrong] == ["z2"]
    d = report.diagnosis
    assert d.kind == D.WRONG_LOCAL and d.local == 2.0
    assert d.edge[1].label == "f2" and d.edge[0].op == "dot"
    edge = f"∂{report.names[d.edge[0]]}/∂f2"  # the rule in the nodes' names: ∂v5/∂f2 = w(2)2,2 = 3
    assert f"{edge} = w(2)2,2 = 3" in d.message and f"{edge} = 2 would give" in d.message
    f2 = 1 / (1 + math.exp(-9.0))
    by_hand = f2 * (1 - f2) * (1 * doc["delta2"][0] + 2 * doc["delta2"][1])
    assert math.isclose(d.predicted, by_hand, rel_tol=1e-12)
    assert math.isclose(doc["delta1"][1], by_hand, rel_tol=1e-3)  # printed to 4 digits
    assert not math.isclose(doc["delta1"][1], f2 * (1 - f2) * (doc["delta2"][0] + 3 * doc["delta2"][1]), rel_tol=1e-2)


# ---- display, drawing, hostile labels ------------------------------------------------------------------
def test_html_escapes_hostile_labels_and_the_diagnosis():
    x = Value(2.0, label="<script>alert(1)</script>")
    f = x * 3.0
    f.label = "f&<b>"
    html = check_backward(f, {"<script>alert(1)</script>": -3.0})._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html.replace("<b>check", "")
    assert "background:#fde2e1" in html


def test_draw_marks_the_first_wrong_node_and_its_edge():
    report = check_backward(add_mul(), {"z": -4})
    source = report.draw().source
    assert source.count('penwidth=3') == 2  # the node z and the edge z → f's gate
    assert "mul swapped" in source
    plain = autodiff.draw(report.root, highlight=report).source
    assert plain.count('penwidth=3') == 2


def test_draw_with_hostile_labels_renders_and_escapes_the_caption(tmp_path):
    x = Value(2.0, label='a\\N"<b>&\n\u202e]')
    f = x * 3.0
    f.label = "\\G]]>"
    report = check_backward(f, {x: 2.0})  # ∂f/∂x = 3: 2 is x's value (mul swapped)
    assert report.diagnosis.kind == D.SWAPPED
    svg = autodiff.viz.drawing.save(report.draw(), tmp_path / "g.svg").read_text()
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "\\u202e" in svg


def test_a_function_may_leave_values_in_grad():
    def backward(root):  # grads computed with Value arithmetic: their numbers count
        root.grad = Value(1.0)
        q, z = root.parents
        q.grad = root.grad * z.data
        z.grad = root.grad * q.data
        for p in q.parents:
            p.grad = q.grad * 1.0

    report = check_backward(add_mul(), backward)
    assert report and [r.name for r in report.rows] == ["f", "z", "q", "y", "x"]
    assert "✓ all 5 of your values agree" in str(report)


def test_infinite_and_nan_gradients_agree_only_with_themselves():
    x = Value(0.0, label="x")
    f = x.sqrt()  # d/dx √x = +inf at 0, as PyTorch
    assert check_backward(f, {"x": math.inf})
    for wrong in (1e300, -math.inf, math.nan):
        report = check_backward(f, {"x": wrong})
        assert not report and report.first is x and report.diagnosis is not None
    with pytest.raises(TypeError, match="must be a number"):
        check_backward(f, {"x": True})


# ---- the graph is left bitwise as found --------------------------------------------------------------------
def bits(root):
    return [(struct.pack("<d", v.grad), struct.pack("<d", v.data)) for v in autodiff.topological_order(root)]


@pytest.mark.parametrize("state", ["fresh", "backward", "by hand"])
def test_check_backward_leaves_every_grad_and_data_bitwise(state):
    f = reuse()
    if state == "backward":
        f.backward()
    elif state == "by hand":
        for v, g in zip(autodiff.topological_order(f), [math.nan, -0.0, 1e300, 5e-324]):
            v.grad = g
    before = bits(f)
    x = f._b

    def closes_over_the_originals(root):
        f.grad = 1.0
        x.grad = 5.0
        x.data = 99.0

    def on_the_copy(root):
        root.grad = 1.0
        root._b.grad = 1.0

    for hand in ({"x": 1.0, "q": -2}, on_the_copy, closes_over_the_originals):
        report = check_backward(f, hand)
        str(report), report._repr_html_(), report.draw()
        assert bits(f) == before
    assert report.rows[-1].hand == 5.0 and "closes over" in str(report)

    def raises(root):
        x.grad = 7.0
        raise RuntimeError("mine")

    with pytest.raises(RuntimeError, match="mine"):
        check_backward(f, raises)
    assert bits(f) == before


# ---- bad input ------------------------------------------------------------------------------------------------
def test_bad_input_is_refused_with_what_was_wrong():
    f = add_mul()
    with pytest.raises(ValueError, match="no node is named 'w'"):
        check_backward(f, {"w": 1})
    with pytest.raises(TypeError, match="must be a number"):
        check_backward(f, {"x": "minus four"})
    with pytest.raises(ValueError, match="y is not an input of q|not an input"):
        check_backward(f, {}, hand_local={("f", "y"): 1})
    with pytest.raises(TypeError, match="a Value"):
        check_backward(3.0, {})
    with pytest.raises(ValueError, match="rtol"):
        check_backward(f, {}, rtol=-1)
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    with pytest.raises(ValueError, match="'w' names 2 nodes"):
        check_backward(a * b, {"w": 2.0})
