// The engine's Web Worker: Python (Pyodide, from this site's own files) with autodiff inside.
// Boot: Pyodide starts while the wheels listed in manifest.json are fetched; the wheels are unpacked
// into site-packages (pyodide.unpackArchive, no package manager, no CDN); autodiff.web.api is imported.
// Then each message {id, name, request} is answered {id, response}: response is the parsed JSON that
// autodiff.web.api.call(name, JSON.stringify(request)) returns (it never raises: {"ok": false, "error"}
// for bad input). A failure of the worker itself is answered {id, error: "one line"}.
// The only Python run here is fixed text below: what a learner types travels as JSON data, never as code.
import { loadPyodide } from "../vendor/pyodide/pyodide.mjs";

const ROOT = new URL("../", import.meta.url);
const BOOT = `
import importlib, json, sys, time
importlib.invalidate_caches()
_t = time.perf_counter()
import autodiff
_t_engine = time.perf_counter() - _t
try:
    import autodiff.web.api as _api
except ModuleNotFoundError as e:
    if not (e.name or "").startswith("autodiff.web"):
        raise
    _api = None

def _call(name, request):
    if _api is None:
        return json.dumps({"ok": False, "error": "this build of the site has no autodiff.web.api"})
    return _api.call(name, request)

def _selftest(request):
    # CS231n's (x+y)z, with the numbers asked: the values, the gradients and the DOT of its drawing.
    r = json.loads(request)
    x, y, z = (autodiff.Value(float(r[k]), label=k) for k in "xyz")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return json.dumps({"f": f.data, "grads": {v.label: v.grad for v in (x, y, z, q)},
                       "dot": autodiff.draw(f, show_local=True).source,
                       "python": sys.version.split()[0], "autodiff": autodiff.__version__})

_boot = {"import_s": time.perf_counter() - _t, "engine_s": _t_engine, "api": _api is not None}
`;

function oneLine(error) {
  const lines = String(error && error.message ? error.message : error).split("\n").map((s) => s.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 300) : "the engine failed";
}

async function fetchBytes(path) {
  const response = await fetch(new URL(path, ROOT));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function boot() {
  const t0 = performance.now();
  let sitePackages = null;  // told by Pyodide before Python starts (importing sysconfig costs ~0.1 s)
  const starting = loadPyodide({
    indexURL: new URL("vendor/pyodide/", ROOT).href,
    fsInit: async (FS, info) => { sitePackages = info.sitePackages; },
  });
  starting.catch(() => {});  // awaited below; a failure before that must not be logged as unhandled
  const manifest = await (await fetch(new URL("engine/manifest.json", ROOT))).json();
  const wheels = Promise.all(manifest.wheels.map(fetchBytes));
  wheels.catch(() => {});
  const pyodide = await starting;
  const t1 = performance.now();
  sitePackages ??= pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  for (const wheel of await wheels) pyodide.unpackArchive(wheel, "wheel", { extractDir: sitePackages });
  const t2 = performance.now();
  const scope = pyodide.globals;
  pyodide.runPython(BOOT, { globals: scope });
  const info = scope.get("_boot").toJs({ dict_converter: Object.fromEntries });
  return {
    pyodide,
    call: scope.get("_call"),
    selftest: scope.get("_selftest"),
    ready: {
      api: info.api,
      python: pyodide.runPython("import sys; sys.version.split()[0]"),
      pyodide: manifest.pyodide,
      // import: autodiff and autodiff.web.api; engine: autodiff alone (the API's own imports are the rest)
      seconds: { pyodide: (t1 - t0) / 1000, wheels: (t2 - t1) / 1000, import: info.import_s, engine: info.engine_s,
                 total: (performance.now() - t0) / 1000 },
      // what this worker fetched (Resource Timing): the site's own files, and how many bytes came
      resources: performance.getEntriesByType("resource").map((e) => ({
        name: e.name, transfer: e.transferSize, body: e.encodedBodySize, start: e.startTime, end: e.responseEnd })),
    },
  };
}

const engine = boot();
engine.then(
  (e) => postMessage({ ready: e.ready }),
  (error) => postMessage({ failed: oneLine(error) }),
);

onmessage = async ({ data }) => {
  const { id, name, request } = data;
  try {
    const e = await engine;
    const text = JSON.stringify(request ?? {});
    const answer = name === "selftest" ? e.selftest(text) : e.call(String(name), text);
    postMessage({ id, response: JSON.parse(answer) });
  } catch (error) {
    postMessage({ id, error: oneLine(error) });
  }
};
