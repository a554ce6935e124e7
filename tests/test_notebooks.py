"""The lesson notebooks: each one runs top to bottom, and each is committed with its outputs cleared.

Every claim in a notebook is an ``assert`` in a code cell, so running a notebook checks the lesson.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]
TIMEOUT = 300  # seconds for a whole notebook, kernel start-up included


def _kernel_manager() -> AsyncKernelManager:
    """The "python3" kernel running this very interpreter (``sys.executable``), so that the
    notebooks import the same ``autodiff`` as the tests.

    With no kernel directories, the spec manager falls back to ipykernel's built-in spec, whose
    command is ``[sys.executable, "-m", "ipykernel_launcher", ...]``. A ``python3`` kernel.json
    found on the Jupyter path (a user-wide one, or one named by ``JUPYTER_PATH``) could
    otherwise start a different Python, where ``autodiff`` is not installed.
    """
    specs = KernelSpecManager(kernel_dirs=[])
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    assert km.kernel_spec is not None and km.kernel_spec.argv[0] == sys.executable
    return km


def _remaining(deadline: float):
    """nbclient's ``timeout_func``: each cell may use whatever is left of the notebook's budget
    (at least 1 s: nbclient reads a timeout of 0 as "no timeout")."""

    def timeout(cell) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    return timeout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=_kernel_manager(),
        timeout_func=_remaining(time.monotonic() + TIMEOUT),
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # the kernel's working directory
    )
    # A failing cell raises CellExecutionError, with the cell's source and traceback.
    # cleanup_kc: shut the kernel down afterwards, although the client does not own its manager.
    client.execute(cleanup_kc=True, env={**os.environ, "MPLBACKEND": "Agg"})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_outputs_cleared(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have outputs or an execution count; clear them before committing "
        "(in Jupyter: Edit > Clear Outputs of All Cells, then save)"
    )
