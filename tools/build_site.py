"""``make site``: the playground as a static site in a folder (``build/site/``), to serve from any static
host (``make serve`` locally, GitHub Pages, a course's web space). What it holds:

- ``vendor/pyodide/``: Python compiled to WebAssembly, pinned (the npm package ``pyodide``), only the files
  a start needs: ``pyodide.mjs``, ``pyodide.asm.mjs``, ``pyodide.asm.wasm``, ``python_stdlib.zip`` and a lock
  file with no packages (nothing is ever fetched from Pyodide's CDN);
- ``vendor/graphviz/index.js``: Graphviz as one WebAssembly ES module (``@hpcc-js/wasm-graphviz``, pinned);
- ``wheels/``: this project's wheel (``pip wheel --no-deps``) and the pure-Python ``graphviz`` wheel (the
  version installed here), which the engine's worker unpacks with ``pyodide.unpackArchive``;
- ``engine/``, ``app/``, ``index.html``, ...: the site's own files, ``autodiff/web/static/`` as they are,
  plus ``engine/manifest.json`` (what the worker loads); ``viz/``: the step-through page's player and quiz
  (``autodiff/viz/assets/``), reused as they are;
- ``lessons/``: the lessons' HTML pages from ``make notebooks`` (with their MathJax);
- bytecode (``tools/site_bytecode.mjs``, run by node with the site's own Pyodide): the standard library's
  modules that a start and the API import become .pyc in ``python_stdlib.zip``, and the wheels carry the
  .pyc of their imported modules beside the .py, so the browser's CPython compiles nothing at start
  (first interactive about 1.3 s instead of 3.5 s here).

The two npm packages are fetched once with ``npm pack`` into a cache folder (``build/cache/``), as ``make
notebooks`` fetches MathJax; the built site makes no request outside itself (its HTML pages are checked here,
its requests in a real browser by ``tests/test_site_build.py``).

    python tools/build_site.py build/site [--notebooks build/notebooks] [--cache build/cache]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from build_notebooks import remote_references  # tools/ is not a package: its folder is on sys.path

PYODIDE = ("pyodide", "314.0.7")
GRAPHVIZ_WASM = ("@hpcc-js/wasm-graphviz", "1.29.2")
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
GRAPHVIZ_FILES = {"dist/index.js": "index.js"}
SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=\S+\s*$")  # maps are not shipped: no 404 in devtools
WHEEL_SOURCES = ("pyproject.toml", "README.md", "autodiff", "nn")  # what setuptools needs for our wheel


class BuildError(RuntimeError):
    """A step of the build could not be done; the message says which and what to do."""


def run(args: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        lines = [x for x in (done.stderr or done.stdout).splitlines() if x.strip() and "is ignored" not in x]
        raise BuildError(f"{' '.join(args[:4])} ... failed: {lines[-1] if lines else done.returncode}")


def npm_tarball(name: str, version: str, cache: Path) -> Path:
    """The npm package ``name@version`` as its tarball in ``cache`` (``npm pack``: once, then reused)."""
    tarball = cache / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if tarball.exists():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(f"npm is needed once to fetch {name}@{version} (apt-get install npm), then rerun")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        run([npm, "pack", f"{name}@{version}", "--silent"], cwd=Path(tmp))
        (packed,) = Path(tmp).glob("*.tgz")
        packed.replace(tarball)
    return tarball


def extract(tarball: Path, files: dict[str, str], target: Path) -> None:
    """Copy ``files`` (path in the package → name in ``target``) out of an npm tarball."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for inside, name in files.items():
            member = tar.extractfile(f"package/{inside}")
            if member is None:
                raise BuildError(f"{tarball.name} has no {inside}")
            data = member.read()
            if name.endswith((".js", ".mjs")):
                data = SOURCE_MAP.sub(b"\n", data)
            (target / name).write_bytes(data)


def pyodide(cache: Path, target: Path) -> None:
    """Pyodide's start files, and its lock file emptied of packages: the site loads no Pyodide package
    (our wheels are unpacked directly), so nothing can be asked of the CDN the full lock file names."""
    tarball = npm_tarball(*PYODIDE, cache)
    extract(tarball, {f: f for f in PYODIDE_FILES}, target)
    with tarfile.open(tarball) as tar:
        lock = json.load(tar.extractfile("package/pyodide-lock.json"))
    (target / "pyodide-lock.json").write_text(json.dumps({"info": lock["info"], "packages": {}}), encoding="utf-8")


def wheels(root: Path, cache: Path, target: Path) -> list[str]:
    """This project's wheel (built from a copy of its sources, so no build/ or egg-info is left in the
    tree) and the pure-Python graphviz wheel of the version installed here; their file names."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        for name in WHEEL_SOURCES:
            path = root / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                source.mkdir(exist_ok=True)
                shutil.copy2(path, source / name)
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(Path(tmp) / "out"), str(source)])
        (ours,) = (Path(tmp) / "out").glob("*.whl")
        shutil.copy2(ours, target / ours.name)
    version = importlib.metadata.version("graphviz")
    found = sorted(cache.glob(f"graphviz-{version}-py3-none-any.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", f"graphviz=={version}", "--no-deps", "--only-binary", ":all:",
             "--quiet", "-d", str(cache)])  # fmt: skip
        found = sorted(cache.glob(f"graphviz-{version}-py3-none-any.whl"))
    if not found:
        raise BuildError(f"pip found no pure-Python wheel of graphviz {version}")
    shutil.copy2(found[0], target / found[0].name)
    return [ours.name, found[0].name]


def bytecode(site: Path) -> None:
    """Compile what a start imports to bytecode, in place (``tools/site_bytecode.mjs``, with node)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise BuildError("node is needed to compile the site's Python to bytecode (apt-get install nodejs)")
    run([node, str(HERE / "site_bytecode.mjs"), str(site)])


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))


def lessons(notebooks: Path, target: Path) -> int:
    """The lessons' pages (and their MathJax) from ``make notebooks``; how many pages."""
    copy_tree(notebooks, target)
    return sum(1 for p in target.glob("*.html") if p.name != "index.html")


INDEX = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>autodiff in your browser</title>
<style>body{font-family:sans-serif;margin:2em auto;max-width:46em;line-height:1.5}</style></head><body data-state="done">
<h1>autodiff in your browser</h1><p>Python and the engine run in this page (Pyodide); nothing is installed.</p>
<ul><li><a href="lessons/index.html">The lessons</a>: each notebook executed, with its outputs.</li>
<li><a href="engine/selftest.html">The engine's self-test</a>: Python starts, (x+y)·z is differentiated and drawn.</li>
</ul></body></html>
"""


def favicon(target: Path) -> None:
    """A small icon at the site's root (browsers ask every page's origin for /favicon.ico: no 404)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((2, 2, 29, 29), fill=(106, 61, 154, 255))  # the drawings' highlight, #6a3d9a
    image.save(target, format="ICO", sizes=[(32, 32)])


def build(out: Path, notebooks: Path, cache: Path, root: Path = ROOT) -> dict:
    """Write the whole site into ``out`` (emptied first: no stale file survives); a summary."""
    if not (notebooks / "index.html").exists():
        raise BuildError(f"no lessons in {notebooks}: run `make notebooks` first (`make site` does)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_tree(root / "autodiff" / "web" / "static", out)
    copy_tree(root / "autodiff" / "viz" / "assets", out / "viz")
    if not (out / "index.html").exists():  # the playground's page is the UI's; until it lands, a plain index
        (out / "index.html").write_text(INDEX, encoding="utf-8")
    favicon(out / "favicon.ico")
    (out / ".nojekyll").touch()  # GitHub Pages: serve the files as they are
    pyodide(cache, out / "vendor" / "pyodide")
    extract(npm_tarball(*GRAPHVIZ_WASM, cache), GRAPHVIZ_FILES, out / "vendor" / "graphviz")
    names = wheels(root, cache, out / "wheels")
    manifest = {"pyodide": PYODIDE[1], "graphviz_wasm": GRAPHVIZ_WASM[1], "wheels": [f"wheels/{n}" for n in names]}
    (out / "engine").mkdir(exist_ok=True)
    (out / "engine" / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    bytecode(out)
    pages = lessons(notebooks, out / "lessons")
    remote = {str(p.relative_to(out)): r for p in out.rglob("*.html") if (r := remote_references(p.read_text("utf-8")))}
    if remote:
        raise BuildError(f"pages would load from the network: {dict(list(remote.items())[:3])}")
    return {"bytes": site_bytes(out), "lessons": pages, **manifest}


def site_bytes(folder: Path) -> int:
    """The site's size on disk: the sum of its files' sizes in bytes."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build_site.py", description="Build the playground as a static site.")
    parser.add_argument("out", type=Path, help="the site's folder (emptied and rewritten), e.g. build/site")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "build" / "notebooks", help="make notebooks' pages")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "cache", help="npm tarballs and wheels, kept")
    args = parser.parse_args(argv)
    try:
        summary = build(args.out, args.notebooks, args.cache)
    except BuildError as e:
        print(f"site: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {summary['bytes'] / 1e6:.1f} MB, {summary['lessons']} lessons, Pyodide "
          f"{summary['pyodide']}, wasm Graphviz {summary['graphviz_wasm']}; `make serve` serves it on 127.0.0.1")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
