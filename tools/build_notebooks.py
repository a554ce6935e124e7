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
from typing import NamedTuple

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

    nb = nbformat.read(path, as_version=4)
    run(nb, path.parent)
    return nb


def run(nb, folder: Path) -> None:
    """Execute ``nb`` in ``folder``, filling in its outputs (up to the failing cell when one fails)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(folder)}})
    client.execute(cleanup_kc=True, env={**os.environ, "MPLBACKEND": "Agg"})


def to_html(nb, mathjax_src: str | None) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    # nbconvert's HTML knows PNG and JPEG, not GIF: an IPython Image of a .gif would show as its text
    # "<IPython.core.display.Image object>"; our template writes it as an <img> with a data: URI.
    priority = [*HTMLExporter().default_config.NbConvertBase.display_data_priority]
    priority.insert(priority.index("text/plain"), "image/gif")
    config = Config({"NbConvertBase": {"display_data_priority": priority}})
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(HERE / "nbconvert")],
                            embed_images=True, config=config)  # fmt: skip
    page, _ = exporter.from_notebook_node(nb, resources={"mathjax_src": mathjax_src})
    return page


def title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


class Entry(NamedTuple):
    """One lesson in the index: its page (None when none was written), title, seconds, and the last
    line of its error when it failed."""

    page: str | None
    title: str
    seconds: float
    error: str | None = None


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def last_line(error: BaseException) -> str:
    """What went wrong, in one line: ``Name: message`` of the failing cell's exception when nbclient
    says it, else the last non-empty line of the error (colour codes removed), at most 300 characters."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    if ename:
        line = f"{ename}: {evalue}" if evalue else ename
    else:
        lines = [x.strip() for x in ANSI.sub("", str(error)).splitlines() if x.strip()]
        line = lines[-1] if lines else type(error).__name__
    line = " ".join(ANSI.sub("", line).split())
    return line if len(line) <= 300 else line[:299] + "…"


def index(entries: list[Entry]) -> str:
    entries = [Entry(*e) for e in entries]
    failed = sum(1 for e in entries if e.error)
    note = (f'<p class="failed"><strong>{failed} of {len(entries)} lesson{"s" if len(entries) != 1 else ""} failed'
            "</strong>: marked below with the last line of the error; a lesson that ran shows it in its page.</p>"
            if failed else "")  # fmt: skip
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>autodiff: the lessons</title>"
            "<style>body{font-family:sans-serif;margin:2em auto;max-width:46em;line-height:1.5}"
            "span{color:#888;font-size:90%}.failed{color:#b00020}</style></head><body><h1>autodiff: the lessons</h1>"
            "<p>Each notebook executed, with its outputs: graphs, plots, tables and the step-through player. "
            "These pages work offline; to run and change the lessons yourself: <code>make lab</code>.</p>"
            f"{note}<ol>{''.join(_item(e) for e in entries)}</ol></body></html>")  # fmt: skip


def _item(entry: Entry) -> str:
    name = html.escape(entry.title)
    link = f'<a href="{html.escape(entry.page, quote=True)}">{name}</a>' if entry.page else name
    failed = f' <strong class="failed">failed: <code>{html.escape(entry.error)}</code></strong>' if entry.error else ""
    return f"<li>{link} <span>({entry.seconds:.1f} s)</span>{failed}</li>"


def lesson(path: Path, out: Path, mathjax: str | None) -> Entry:
    """Execute one notebook and write its page; a failure becomes the entry's error (the page, when
    the notebook could be read, shows the outputs up to the failing cell and its traceback)."""
    import nbformat

    start = time.monotonic()
    target = out / f"{path.stem}.html"
    error, nb, page = None, None, None
    try:
        nb = nbformat.read(path, as_version=4)
        run(nb, path.parent)
    except Exception as e:  # noqa: BLE001 (a cell, the kernel or the file: one lesson must not stop the others)
        error = last_line(e)
    if nb is not None:
        page = to_html(nb, mathjax)
        remote = remote_references(page)
        if remote:
            error, page = error or f"the page would load from the network: {remote[:3]}", None
    if page is None:
        target.unlink(missing_ok=True)  # no stale page of an earlier build
    else:
        target.write_text(page, encoding="utf-8")
    seconds = time.monotonic() - start
    shown = title(nb, path.stem) if nb is not None else path.stem
    print(f"{'FAILED' if error else 'wrote'} {target if page else path.name} ({seconds:.1f} s)"
          + (f": {error}" if error else ""), file=sys.stderr if error else sys.stdout)  # fmt: skip
    return Entry(target.name if page is not None else None, shown, seconds, error)


def build(source: Path, out: Path, names: list[str] | None = None) -> list[Entry]:
    """Execute and write every notebook of ``source`` (or those ``names``) into ``out``, then the index.
    A lesson that fails does not stop the others: the index marks it with its error's last line."""
    paths = sorted(source.glob("*.ipynb"))
    if names:
        unknown = [n for n in names if not any(n in (p.name, p.stem) for p in paths)]
        if unknown:
            raise SystemExit(f"notebooks: no lesson named {', '.join(unknown)} in {source}")
        paths = [p for p in paths if p.name in names or p.stem in names]
    if not paths:
        raise SystemExit(f"notebooks: no .ipynb files in {source}")
    out.mkdir(parents=True, exist_ok=True)
    mathjax = fetch_mathjax(out)
    entries = [lesson(path, out, mathjax) for path in paths]
    (out / "index.html").write_text(index(entries), encoding="utf-8")
    print(f"wrote {out / 'index.html'}: open it in a browser (no server needed)")
    return entries


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        raise SystemExit("usage: build_notebooks.py NOTEBOOK_DIR OUT_DIR [NAME ...]")
    entries = build(Path(argv[0]), Path(argv[1]), argv[2:])
    failed = [e for e in entries if e.error]
    for e in failed:
        print(f"notebooks: FAILED {e.title}: {e.error}", file=sys.stderr)
    if failed:
        print(f"notebooks: {len(failed)} of {len(entries)} lessons failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
