"""The extras are optional: `make test` and every lesson run on a fresh clone without PyTorch or a
browser. Read from the source, every import of torch in tests/ and notebooks/ that runs on loading (a
test module's top level, a test or fixture, a notebook cell) sits in ``try: ... except ImportError``
(tests may also use ``pytest.importorskip``), so a fresh clone never stops at ``import torch``; and
without chromium the browser tests skip, saying what to install."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports_torch(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "torch" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch" and node.level == 0


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def unguarded_torch_imports(tree: ast.AST) -> list[int]:
    """Line numbers of torch imports that run on loading and are not inside try/except ImportError:
    at the top level, or in a test function or fixture (a helper function that is only reached with
    tensors in hand may import torch lazily)."""
    found: list[int] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                runs = child.name.startswith("test") or any("fixture" in ast.unparse(d) for d in child.decorator_list)
                if runs:
                    visit(child, guarded)
                continue
            if isinstance(child, ast.ClassDef):
                visit(child, guarded)
                continue
            if _imports_torch(child) and not guarded:
                found.append(child.lineno)
            if isinstance(child, ast.Try):
                safe = guarded or any(_catches_import_error(h) for h in child.handlers)
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), safe)
                for part in (child.handlers, child.orelse, child.finalbody):
                    for stmt in part:
                        visit(ast.Module(body=[stmt], type_ignores=[]), guarded)
            else:
                visit(child, guarded)

    visit(tree, False)
    return found


def _cell_source(cell: dict) -> str:
    """A code cell as Python: IPython's magics (%..., !...) become blank lines."""
    lines = "".join(cell["source"]).splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def test_the_finder_tells_a_guarded_import_from_an_unguarded_one():
    bare = "import math\nimport torch\n"
    guarded = "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
    wrong_guard = "try:\n    import torch\nexcept ValueError:\n    pass\n"
    in_test = "def test_x():\n    import torch.nn.functional as TF\n"
    in_fixture = "@pytest.fixture\ndef t():\n    from torch import nn\n"
    helper = "def _torch():\n    import torch\n    return torch\n"
    in_else = "try:\n    import math\nexcept ImportError:\n    pass\nelse:\n    import torch\n"
    assert unguarded_torch_imports(ast.parse(bare)) == [2]
    assert unguarded_torch_imports(ast.parse(guarded)) == []
    assert unguarded_torch_imports(ast.parse(wrong_guard)) == [2]
    assert unguarded_torch_imports(ast.parse(in_test)) == [2]
    assert unguarded_torch_imports(ast.parse(in_fixture)) == [3]
    assert unguarded_torch_imports(ast.parse(helper)) == []
    assert unguarded_torch_imports(ast.parse(in_else)) == [6]
    assert unguarded_torch_imports(ast.parse("import torchvision\nfrom .torch import x\n")) == []


def test_no_test_module_imports_torch_unguarded():
    bad = {}
    for path in sorted((ROOT / "tests").glob("*.py")):
        lines = unguarded_torch_imports(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            bad[path.name] = lines
    assert not bad, (f"unguarded torch imports (file: lines): {bad}; use pytest.importorskip('torch') in the "
                     "tests that need it, or try/except ImportError and a skipif, so the other tests run")  # fmt: skip


def test_no_notebook_imports_torch_unguarded():
    bad = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells):
            if cell["cell_type"] == "code" and unguarded_torch_imports(ast.parse(_cell_source(cell))):
                bad.setdefault(path.name, []).append(number)
    assert not bad, (f"notebook cells with an unguarded import of torch (file: cell numbers): {bad}; write "
                     "try: import torch / except ImportError: torch = None, and in the comparison cell print "
                     "that the comparison with PyTorch is skipped")  # fmt: skip


def test_the_browser_tests_skip_with_the_reason_when_chromium_is_missing(tmp_path):
    """With no chromium or chromedriver on the PATH the page's browser tests skip, and say what to install."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "test_page_browser.py")],
                          cwd=ROOT, env={"PATH": str(tmp_path), "HOME": str(tmp_path)}, check=False,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: the whole module skipped, nothing ran
    assert "skipped" in done.stdout and not any(w in done.stdout for w in ("passed", "failed", "error"))
    assert "no chromium/chromedriver: apt-get install chromium chromium-driver" in done.stdout, done.stdout
