"""``make notebooks``: execute every lesson notebook and write it as HTML with its outputs into a
folder, with an index page. Offline: the pages fetch nothing (nbconvert's lab template without
require.js, mermaid or the widget manager from a CDN; images embedded; MathJax, when found, from
one file beside the pages). Every page is checked: no script or stylesheet from http(s).

    python tools/build_notebooks.py notebooks build/notebooks
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MATHJAX = "mathjax@3.2.2"  # one file with every TeX extension and SVG glyphs: no fonts to load
MATHJAX_FILE = "package/es5/tex-svg-full.js"
REMOTE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)


def remote_references(page: str) -> list[str]:
    """The tags of ``page`` that would load something from the network (empty: the page is offline)."""
    return [m.group(0) for m in REMOTE.finditer(page)]


def fetch_mathjax(folder: Path) -> str | None:
    """MathJax's single-file build in ``folder/mathjax/`` (from the npm registry, once); the path
    the pages use, or None when npm is missing (the maths then stay as TeX source)."""
    target = folder / "mathjax" / Path(MATHJAX_FILE).name
    if target.exists():
        return f"mathjax/{target.name}"
    npm = shutil.which("npm")
    if npm is None:
        print("notebooks: npm not found, so the maths stay as TeX (apt-get install npm, then rerun)", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", MATHJAX, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        (tarball,) = Path(tmp).glob("mathjax-*.tgz")
        with tarfile.open(tarball) as tar:
            data = tar.extractfile(MATHJAX_FILE).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return f"mathjax/{target.name}"


def execute(path: Path):
    """The notebook run top to bottom in its folder (the kernel is this Python), with its outputs."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(path.parent)}})
    client.execute(cleanup_kc=True, env={**os.environ, "MPLBACKEND": "Agg"})
    return nb


def to_html(nb, mathjax_src: str | None) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(HERE / "nbconvert")],
                            embed_images=True)  # fmt: skip
    page, _ = exporter.from_notebook_node(nb, resources={"mathjax_src": mathjax_src})
    return page


def title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def index(entries: list[tuple[str, str, float]]) -> str:
    items = "".join(f'<li><a href="{html.escape(name, quote=True)}">{html.escape(t)}</a> '
                    f'<span>({seconds:.1f} s)</span></li>' for name, t, seconds in entries)  # fmt: skip
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>autodiff: the lessons</title>"
            "<style>body{font-family:sans-serif;margin:2em auto;max-width:46em;line-height:1.5}"
            "span{color:#888;font-size:90%}</style></head><body><h1>autodiff: the lessons</h1>"
            "<p>Each notebook executed, with its outputs: graphs, plots, tables and the step-through player. "
            "These pages work offline; to run and change the lessons yourself: <code>make lab</code>.</p>"
            f"<ol>{items}</ol></body></html>")  # fmt: skip


def build(source: Path, out: Path, names: list[str] | None = None) -> list[Path]:
    """Execute and write every notebook of ``source`` (or those ``names``) into ``out``, then the index."""
    out.mkdir(parents=True, exist_ok=True)
    mathjax = fetch_mathjax(out)
    paths = sorted(source.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.name in names or p.stem in names]
    entries, written = [], []
    for path in paths:
        start = time.monotonic()
        nb = execute(path)
        page = to_html(nb, mathjax)
        remote = remote_references(page)
        if remote:
            raise SystemExit(f"notebooks: {path.name} would load from the network: {remote[:3]}")
        target = out / f"{path.stem}.html"
        target.write_text(page, encoding="utf-8")
        seconds = time.monotonic() - start
        entries.append((target.name, title(nb, path.stem), seconds))
        written.append(target)
        print(f"wrote {target} ({seconds:.1f} s)")
    (out / "index.html").write_text(index(entries), encoding="utf-8")
    print(f"wrote {out / 'index.html'}: open it in a browser (no server needed)")
    return written


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: build_notebooks.py NOTEBOOK_DIR OUT_DIR [NAME ...]")
    build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
