"""Hostile text in drawings: names, scope names, nn module names, collapse names and frame
captions never add DOT statements, SVG elements or links, and are drawn as the text they are
(characters Python's ``str.isprintable`` rejects shown as their repr escapes, long names cut
with "…"). Every case is laid out by the real ``dot``: the SVG must parse, hold no tag or
attribute that the same graph with plain names lacks, and show the name where it belongs."""

from __future__ import annotations

import json
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

import autodiff
from autodiff import Value
from nn import Layer, Module

INJECTION = '<x> injected [label="PWNED" URL="javascript:alert(document.domain)"] label=<y>'
HOSTILE = [
    INJECTION,
    "x\\", "x\\\\", "\\", "\\N \\G \\E \\T \\H \\L \\l \\n \\r", "a\\\"b",
    '"', "'", "a\"b'c", "<", ">", "<>", "&", "&amp;", "&lt;b&gt;", "&#60;script&#62;", "&#93;",
    "]", "[", "]]>", "{}", "}", ";", "a;b", "-- -> --", "/* c */ // c # c",
    "x\ny", "x\ty", "x\ry", "\x00", "a\x00b", "\x01\x02\x1b[31m\x7f", "\u2028\u2029\x85", "\xa0",
    "\ud800", "a\udfffb", "\U0010ffff", "\u202eevil\u202c", "a\u200bb\u200d\ufeff",
    "שלום עולם", "مرحبا بالعالم", "😀🧮 x", "𝑥₁", "e\u0301", "  spaced  out  ",
    "x" * 5000, "αβγ" * 400, "\\" * 301, "\\" * 100_000, "\x00" * 200, "&" * 3000, '"' * 3000,
    "digraph", "subgraph", "node", "edge", "graph", "strict", "n0", "cluster0", "%3",
    '"]; a -> b [label="', '" URL="javascript:alert(1)', "<b>x</b>", '<font color="red" point-size="72">big</font>',
    "<<TABLE><TR><TD>t</TD></TR></TABLE>>", "javascript:alert(1)", '<a href="javascript:alert(1)">click</a>',
    "$\\frac{1}{2}$",
]  # fmt: skip
XLINK = "{http://www.w3.org/1999/xlink}"
SVG = "{http://www.w3.org/2000/svg}"
LIMIT = 60  # the characters of a name a box shows
TIP_NAME = 200  # ... and a tooltip


def shown(text: str) -> str:
    """What a drawing should show for ``text``: non-printable characters as Python's repr writes them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def assert_shows(drawn: str, text: str, limit: int = LIMIT) -> None:
    want = shown(text)
    if len(want) <= limit:
        assert drawn == want, (drawn, want)
    else:  # cut, ending in "…", and never inside an escape
        assert drawn.endswith("…") and len(drawn) <= limit and want.startswith(drawn[:-1]), (drawn, want)
        assert len(drawn) >= limit - 10, drawn


# ---- graphs with every user text set to one string ---------------------------------------------
def scoped(name: str) -> tuple[Value, Value, Value]:
    """x (labelled ``name``) + y inside scope ``name`` inside scope ``name``, labelled ``name``, times z."""
    x, y, z = Value(-2.0, label=name), Value(5.0, label="y"), Value(-4.0, label="z")
    with autodiff.scope(name), autodiff.scope(name):
        q = x + y
    q.label = name
    f = q * z
    f.label = "f"
    f.backward()
    return x, q, f


def nn_like(name: str) -> Value:
    """A module tree whose child names are ``name`` and ``name.j``: they become scopes."""

    class Named(Layer):
        def named_children(self):
            for j, n in enumerate(self.neurons):
                yield f"{name}.{j}", n

    class Net(Module):
        def __init__(self) -> None:
            self.body = Named.from_weights([[0.5, -1.0]], [0.25], "tanh")
            self._set_path(())

        def named_children(self):
            yield name, self.body

        def forward(self, xs):
            return self.body(xs)

    out = Net()([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    out.backward()
    return out


def svg_of(root: Value, tmp_path, **options) -> ET.Element:
    path = autodiff.render(root, tmp_path / "g.svg", show_local=True, legend=True, **options)
    return ET.parse(path).getroot()  # well-formed XML, or this raises


def structure(root: Value, **options) -> tuple[list[str], int]:
    """(sorted names of the clusters and nodes, number of edges) as ``dot`` itself reads the source."""
    source = autodiff.draw(root, show_local=True, legend=True, **options).source
    out = subprocess.run(["dot", "-Tjson"], input=source.encode("utf-8"), capture_output=True, check=True, timeout=60)
    layout = json.loads(out.stdout)
    return sorted(o["name"] for o in layout.get("objects", [])), len(layout.get("edges", []))


def vocabulary(svg: ET.Element) -> tuple[set[str], set[str]]:
    return {e.tag for e in svg.iter()}, {a for e in svg.iter() for a in e.attrib}


def group(svg: ET.Element, title: str) -> ET.Element:
    """The SVG group of a node or cluster, found by its DOT id (graphviz writes it as the <title>)."""
    for g in svg.iter(SVG + "g"):
        t = g.find(SVG + "title")
        if t is not None and t.text == title:
            return g
    raise AssertionError(f"no group {title!r} in the SVG")


def texts(g: ET.Element) -> list[str]:
    """The text pieces of a group (graphviz writes a space after a space as a no-break space)."""
    return [(t.text or "").replace("\xa0", " ") for t in g.iter(SVG + "text")]


def tooltip(g: ET.Element) -> str:
    return next(a.get(XLINK + "title") for a in g.iter(SVG + "a")).replace("\xa0", " ")


def assert_safe(svg: ET.Element, plain: ET.Element) -> None:
    """No tag or attribute name the plain graph lacks, no link, no javascript: outside tooltip text."""
    tags, attrs = vocabulary(svg)
    plain_tags, plain_attrs = vocabulary(plain)
    assert tags <= plain_tags and attrs <= plain_attrs, (tags - plain_tags, attrs - plain_attrs)
    assert len(list(svg.iter(SVG + "a"))) == len(list(plain.iter(SVG + "a")))
    for e in svg.iter():
        assert XLINK + "href" not in e.attrib and "href" not in e.attrib
        for key, value in e.attrib.items():
            assert key == XLINK + "title" or "javascript:" not in value.lower(), (key, value)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The SVGs and structures of the same graphs with plain names."""
    tmp = tmp_path_factory.mktemp("plain")
    _, q, f = scoped("x")
    net = nn_like("x")
    return {
        "scoped": (svg_of(f, tmp, highlight=[q]), structure(f, highlight=[q])),
        "collapsed": (svg_of(f, tmp, collapse=["x"], highlight=[q]), structure(f, collapse=["x"])),
        "nn": (svg_of(net, tmp), structure(net)),
    }


@pytest.mark.parametrize("name", HOSTILE, ids=lambda s: repr(s)[:40])
def test_hostile_labels_and_scope_names_are_drawn_as_text(name, tmp_path, plain):
    x, q, f = scoped(name)
    source = autodiff.draw(f, show_local=True, legend=True, highlight=[q]).source
    source.encode("utf-8")  # no lone surrogate reaches the source
    assert structure(f, highlight=[q]) == plain["scoped"][1], "the same DOT statements as with plain names"
    svg = svg_of(f, tmp_path, highlight=[q])
    assert_safe(svg, plain["scoped"][0])
    n = {v: f"n{i}" for i, v in enumerate(autodiff.topological_order(f))}
    for v in (x, q):
        assert_shows(texts(group(svg, n[v]))[0], name)  # the box's first line: the name, then " = value"
        tip = tooltip(group(svg, n[v]))
        numbers = f", data = {v.data!r}, grad = {v.grad!r}, op = {v.op or 'leaf'}"  # exact, even for a long name
        assert tip.endswith(numbers), tip
        assert_shows(tip.removesuffix(numbers), name, TIP_NAME)
    for cluster in ("cluster0", "cluster1"):  # the scope and the one nested in it
        assert_shows(texts(group(svg, cluster))[0], name)
    edge_tips = [tooltip(g) for g in svg.iter(SVG + "g") if g.get("class") == "edge" and g.find(f".//{SVG}a") is not None]
    if len(shown(name)) <= TIP_NAME:
        assert f"∂f/∂{shown(name)} = -4" in edge_tips, edge_tips  # ∂(q·z)/∂q = z = -4


@pytest.mark.parametrize("name", HOSTILE, ids=lambda s: repr(s)[:40])
def test_hostile_collapse_names_and_boxes(name, tmp_path, plain):
    _, q, f = scoped(name)
    assert structure(f, collapse=[name]) == plain["collapsed"][1]
    svg = svg_of(f, tmp_path, collapse=[name], highlight=[q])
    assert_safe(svg, plain["collapsed"][0])
    box = group(svg, "box0")
    lines = texts(box)
    assert_shows(lines[0], name)
    assert lines[1] == "1 node, 1 output"  # q (x is outside the scope)
    assert lines[2].startswith(shown(name)[:50])  # its output: "name = 3   grad -4"
    assert tooltip(box).startswith("scope ") and tooltip(box).endswith(" collapsed: 1 node")
    assert_shows(tooltip(box).removeprefix("scope ").removesuffix(" collapsed: 1 node"), name, TIP_NAME)


@pytest.mark.parametrize("name", HOSTILE, ids=lambda s: repr(s)[:40])
def test_hostile_nn_module_names(name, tmp_path, plain):
    out = nn_like(name)
    assert structure(out) == plain["nn"][1]
    svg = svg_of(out, tmp_path)
    assert_safe(svg, plain["nn"][0])
    assert_shows(texts(group(svg, "cluster0"))[0], name)
    assert_shows(texts(group(svg, "cluster1"))[0], name + ".0")


@pytest.mark.parametrize("name", HOSTILE[::3] + ["\\l", "a\\nb", "]"], ids=lambda s: repr(s)[:40])
def test_frames_with_a_hostile_name_show_it_in_the_caption(name, tmp_path):
    *_, f = scoped(name)
    paths = autodiff.save_frames(f, tmp_path / "frames", fmt="svg")
    assert len(paths) == 2
    for path in paths:
        svg = ET.parse(path).getroot()
        graph = group(svg, "autodiff")
        caption = [(t.text or "").replace("\xa0", " ") for t in graph.findall(SVG + "text")]
        assert caption[0].startswith(f"step {paths.index(path) + 1} of 2:")
        want = shown(name)
        if len(want) < 60:
            assert any(want in line for line in caption), (want, caption)
        else:
            assert any(line.endswith("…") for line in caption), caption
        for e in svg.iter():
            assert "href" not in e.attrib and XLINK + "href" not in e.attrib
    assert paths[0].read_bytes().count(b"<g id=\"node") == 7


def test_png_with_hostile_names_renders(tmp_path):
    *_, f = scoped(INJECTION)
    png = autodiff.render(f, tmp_path / "g.png", show_local=True, legend=True, collapse=[INJECTION])
    assert png.read_bytes().startswith(b"\x89PNG")
    autodiff.save_frames(f, tmp_path / "frames")


def test_a_non_str_label_or_scope_name_is_a_clear_type_error():
    x = Value(1.0, label="x")
    y = x * 2
    y.label = 5  # the engine will refuse this at creation; set directly, draw must still say so
    with pytest.raises(TypeError, match="label must be a str or None, got int: 5"):
        autodiff.draw(y)
    y.label = "y"
    y._scope = ("layer", 0)
    with pytest.raises(TypeError, match="scope names must be str, got int: 0"):
        autodiff.draw(y)


def test_a_long_run_of_backslashes_draws_quickly(tmp_path):
    """graphviz.Digraph's quoting regexes are quadratic in a run of backslashes: tooltips write
    them as entities (1000 backslashes took 4 s to build and then crashed ``dot``)."""
    *_, f = scoped("\\" * 5000)
    start = time.perf_counter()
    svg = svg_of(f, tmp_path, collapse=1)
    assert time.perf_counter() - start < 5.0
    assert_shows(texts(group(svg, "box0"))[0], "\\" * 5000)


def test_a_caption_longer_than_graphvizs_string_limit_shows_every_line(tmp_path):
    """A sum of 300 inputs: its one frame's caption has 301 lines, 29 000 characters once escaped
    (Graphviz reads at most 16384 characters between two HTML tags: each line is its own text)."""
    xs = [Value(float(i), label=f'in&"{i}\\') for i in range(300)]
    s = autodiff.sum(xs)
    s.label = "s"
    (path,) = autodiff.save_frames(s, tmp_path / "frames", fmt="svg")
    lines = [t.text.replace("\xa0", " ") for t in group(ET.parse(path).getroot(), "autodiff").findall(SVG + "text")]
    assert len(lines) == 301 and lines[0].startswith("step 1 of 1:")
    assert [line.split(".grad")[0].strip() for line in lines[1:]] == [f'in&"{i}\\' for i in range(300)]
