"""The house's rules, read from the source: the engine at the top of ``autodiff/``, one package
per tool family below it, imports that only point down, no import circle between files (lazy and
TYPE_CHECKING imports included), and no file over 400 lines."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = {"engine", "node", "collector", "rules", "guards", "graph", "functions", "scopes", "modes", "version",
          "higher", "forward", "custom", "differentiate", "functional"}  # fmt: skip
# rank of each part of the house: a module may import its own part or a lower one only
# (replay, the compiled replay, reads only the engine: a sibling of text, neither imports the other;
# web, the site's API, stands on the command: it reuses its parser and helpers)
RANKS = {"engine": 0, "replay": 1, "text": 1, "viz": 2, "verify": 3, "cli": 4, "web": 5, "api": 6, "nn": 7}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for top in ("autodiff", "nn"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _part(module: str) -> str:
    """Which part of the house a module belongs to."""
    parts = module.split(".")
    if parts[0] == "nn":
        return "nn"
    if module == "autodiff":
        return "api"
    if len(parts) == 2 and parts[1] in ENGINE:
        return "engine"
    return parts[1]


def _resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The project modules an import statement loads (a name imported from a package is the
    submodule of that name when there is one)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] in ("autodiff", "nn")]
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = package[: len(package) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    if target.split(".")[0] not in ("autodiff", "nn"):
        return []
    found = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
    return found or [target]


def _imports() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):  # every import: top level, in functions, under TYPE_CHECKING
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(t for t in _resolve(module, path, node) if t in MODULES and t != module)
        graph[module] = targets
    return graph


IMPORTS = _imports()


def test_the_engine_stands_at_the_top_of_autodiff():
    top = {p.stem for p in (ROOT / "autodiff").glob("*.py")} - {"__init__"}
    assert top <= ENGINE, f"only the engine lives at the top of autodiff/, found also {sorted(top - ENGINE)}"
    packages = {p.name for p in (ROOT / "autodiff").iterdir() if (p / "__init__.py").exists()}
    assert packages == {"replay", "text", "viz", "verify", "cli", "web"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = _part(module)
    for target in IMPORTS[module]:
        theirs = _part(target)
        assert theirs == mine or RANKS[theirs] < RANKS[mine], (
            f"{module} ({mine}) imports {target} ({theirs}): imports only point down "
            "(engine → text, replay → viz → verify → cli → web → the public API → nn)"
        )


def test_no_import_circles_between_files():
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(IMPORTS[m]):
            if state.get(t) == 1:
                cycle = [*path[path.index(t) :], t] if t in path else [m, t]
                pytest.fail("import circle: " + " → ".join(cycle))
            if t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


def test_no_file_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in [*MODULES.values(), *(ROOT / "tests").glob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}  # fmt: skip
    assert not long, f"files over {MAX_LINES} lines: {long}"


def test_the_layout_check_sees_real_edges():
    """The checker itself: it finds the engine's import of the rules and nn's use of autodiff."""
    assert "autodiff.rules" in IMPORTS["autodiff.engine"]
    assert "autodiff.viz.options" in IMPORTS["autodiff.viz.builder"]
    assert "autodiff" in IMPORTS["nn.functional"]
    assert _part("autodiff.viz.drawing") == "viz" and _part("autodiff.scopes") == "engine"


SLOTS = re.compile(r"\._(?:a|da|b|db)\b")
CORE = {"autodiff/engine.py", "autodiff/node.py", "autodiff/graph.py", "autodiff/functions.py"}


def test_only_the_engine_core_reads_the_node_slots():
    """What a node recorded is read through the record (``node.py``): at most these four files touch
    the slots ``_a _da _b _db``; every tool, ``nn`` included, reads ``operands``, ``row``, ``parents``..."""
    readers = {str(p.relative_to(ROOT)) for p in MODULES.values() if SLOTS.search(p.read_text(encoding="utf-8"))}
    assert readers <= CORE, f"files outside the engine core read the node slots: {sorted(readers - CORE)}"


def _spellings(path: Path, word: str) -> int:
    """How often the code of ``path`` names ``word``: as a name, or as a string that is exactly it (a
    table's key); calling it as a method (``x.tanh()``), docstrings, comments and examples inside
    longer texts do not count."""
    found, previous = 0, ""
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.NAME and tok.string == word and previous != "." or tok.type == tokenize.STRING and tok.string.strip("'\"") == word:  # x.tanh() uses the op
            found += 1
        previous = tok.string
    return found


@pytest.mark.parametrize("op", ["softplus", "leaky_relu", "tanh"])
def test_a_built_in_operation_is_spelled_in_at_most_three_files(op):
    """A rule lives in its row: the row (rules.py), the engine's method (engine.py) and at most one
    more file of autodiff/ name the operation in code; every other tool derives what it needs from the row."""
    files = {str(p.relative_to(ROOT)) for m, p in MODULES.items() if m.startswith("autodiff") and _spellings(p, op)}
    assert len(files) <= 3 and "autodiff/rules.py" in files, f"{op!r} is spelled in {sorted(files)}"
