# make demo / make test / make bench work on a fresh Debian machine with only python3, pip and apt.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint setup graphviz clean notebooks lab pictures site serve npm

demo: setup
	mkdir -p out
	$(VENV)/bin/autodiff examples --out out/examples

test: setup
	$(PY) -m pytest -n 2

bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/run.py

# Every notebook executed, as HTML with its outputs (graphs, plots, tables, the step-through player)
# in build/notebooks/, with an index page; offline: nothing is fetched from a CDN.
# MathJax comes once from the npm registry (npm: through apt-get when missing and we are root).
notebooks: setup
	@command -v npm >/dev/null 2>&1 || test -f build/notebooks/mathjax/tex-svg-full.js || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing (sudo apt-get install npm): the pages will show the maths as TeX"; fi; }
	$(PY) tools/build_notebooks.py notebooks build/notebooks

# The playground as a static site in build/site/ (Python and the engine run in the browser, Pyodide):
# pinned Pyodide and wasm Graphviz fetched once from the npm registry into build/cache/, our wheel,
# the lessons' pages (`make notebooks` first, when build/notebooks/ has none). `make serve` serves it.
site: setup
	@test -f build/notebooks/index.html || $(MAKE) --no-print-directory notebooks
	@command -v npm >/dev/null 2>&1 || { ls build/cache/*.tgz >/dev/null 2>&1 && command -v node >/dev/null 2>&1; } \
	  || $(MAKE) --no-print-directory npm  # npm fetches Pyodide once; node compiles the site's bytecode
	$(PY) tools/build_site.py build/site

PORT ?= 8000
serve:
	@$(PYTHON) tools/serve_site.py build/site $(PORT)

# npm, through apt-get when we are root.
npm:
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: run 'sudo apt-get install npm', then retry."; exit 1; fi; }

# JupyterLab in the venv, opened on the notebooks (as root, e.g. in a container, with --allow-root).
lab: setup
	$(PY) -m pip install --quiet jupyterlab
	$(VENV)/bin/jupyter lab notebooks/ $$(test "$$(id -u)" = 0 && echo --allow-root)

# The pictures under docs/ (the README's), drawn by the engine.
pictures: setup
	$(PY) docs/make_pictures.py

lint: setup
	$(PY) -m ruff check .

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: run 'sudo apt-get install python3-venv', then retry."; exit 1; fi; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Graphviz's `dot` program: installed with apt-get when missing and we are root.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	  else echo "Graphviz 'dot' is missing: run 'sudo apt-get install graphviz' (or your system's equivalent), then retry."; exit 1; fi; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
