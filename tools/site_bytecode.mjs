// `make site`'s bytecode step (tools/build_site.py runs it with node): Pyodide ships its standard library
// and we ship our wheels as .py sources, which its CPython compiles again on every page load: most of
// a first start (2-3 s on a 2-core machine; with bytecode about 1 s). Here the site's own Pyodide, run
// by node, starts as the page's worker does, unpacks the wheels, imports autodiff.web.api and answers one
// call of each kind (so the modules imported later are known too); then, for the modules so imported:
//  - in vendor/pyodide/python_stdlib.zip each such module's .py becomes its .pyc (sourceless; zipimport
//    loads a .pyc when there is no .py): the zip stays the size of what it replaces, near enough;
//  - in each wheel, beside each such module's .py, __pycache__/NAME.cpython-3XX.pyc, hash-based and
//    unchecked (its source is the .py beside it, from the same build), with the wheel's RECORD updated.
// The bytecode is compiled by the very CPython that loads it (the same magic number, the same version).
//
//     node tools/site_bytecode.mjs build/site
import fs from "node:fs";
import path from "node:path";

const site = path.resolve(process.argv[2] || "build/site");
const indexURL = path.join(site, "vendor", "pyodide") + path.sep;
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
const py = await loadPyodide({ indexURL, env: { PYTHONNODEBUGRANGES: "1" } });  // no column tables: smaller .pyc
const manifest = JSON.parse(fs.readFileSync(path.join(site, "engine", "manifest.json"), "utf8"));
const stdlib = path.join(indexURL, "python_stdlib.zip");
py.FS.mkdirTree("/build/out");
py.FS.writeFile("/build/python_stdlib.zip", new Uint8Array(fs.readFileSync(stdlib)));
for (const wheel of manifest.wheels) {
  py.FS.writeFile(`/build/${path.basename(wheel)}`, new Uint8Array(fs.readFileSync(path.join(site, wheel))));
}
const names = manifest.wheels.map((w) => path.basename(w));
py.globals.set("wheel_names", py.toPy(names));
py.runPython(`
import base64, hashlib, importlib.util, json, os, sys, sysconfig, zipfile
import importlib._bootstrap_external as external

site_packages = sysconfig.get_path("purelib")
for name in wheel_names:
    with zipfile.ZipFile(f"/build/{name}") as wheel:
        wheel.extractall(site_packages)
importlib.invalidate_caches()
import autodiff.web.api as api

site_packages = os.path.dirname(os.path.dirname(api.__file__.rsplit("/web/", 1)[0] + "/"))  # (no "//")

request = {"expr": "tanh(w*x+b)", "values": {"w": 0.7, "x": 1.3, "b": -0.2}}
for name, extra in (("compute", {}), ("steps", {"page": True}), ("derive", {"wrt": "w"}), ("check", {"grads": {"w": 1}}),
                    ("compute", {"expr": "tanh(w*x+", "values": {}}), ("link", {"hash": "#expr=x&x=1"})):
    api.call(name, json.dumps({**request, **extra}))
for name, req in (("examples", {}), ("example", {"key": "add_mul"}), ("exercise", {"seed": 7, "level": 3}),
                  ("answer", {"seed": 7, "level": 3, "index": 0, "answer": "1"})):
    api.call(name, json.dumps(req))
files = {m.__file__ for m in list(sys.modules.values()) if isinstance(getattr(m, "__file__", None), str)}


def zip_with_bytecode(source, target, prefix, change):
    """Copy the zip source to target; change(name, data) -> [(name, data), ...] for each .py in files."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            for name, out in (change(info.filename, data) if prefix + info.filename in files else [(info.filename, data)]):
                entry = zipfile.ZipInfo(name, info.date_time)
                entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                new.writestr(entry, out)


zipped = next(p for p in sys.path if p.endswith(".zip"))  # where Pyodide mounts python_stdlib.zip


def sourceless(name, data):
    code = compile(data, f"{zipped}/{name}", "exec", dont_inherit=True)
    return [(name + "c", bytes(external._code_to_timestamp_pyc(code, 0, len(data))))]


zip_with_bytecode("/build/python_stdlib.zip", "/build/out/python_stdlib.zip", zipped + "/", sourceless)


def beside(name, data):
    code = compile(data, f"{site_packages}/{name}", "exec", dont_inherit=True)
    pyc = external._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
    return [(name, data), (importlib.util.cache_from_source(name), bytes(pyc))]


def record(wheel_path):
    """Rewrite the wheel's RECORD: every file with its sha256 and size (RECORD itself without)."""
    with zipfile.ZipFile(wheel_path) as wheel:
        entries = {i.filename: wheel.read(i) for i in wheel.infolist()}
    (name,) = [n for n in entries if n.endswith(".dist-info/RECORD")]
    lines = []
    for n, data in entries.items():
        if n != name:
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append(f"{n},sha256={digest},{len(data)}")
    entries[name] = ("\\n".join(lines + [f"{name},,"]) + "\\n").encode()
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for n, data in entries.items():
            wheel.writestr(n, data)


for name in wheel_names:
    zip_with_bytecode(f"/build/{name}", f"/build/out/{name}", site_packages + "/", beside)
    record(f"/build/out/{name}")
`);
fs.writeFileSync(stdlib, py.FS.readFile("/build/out/python_stdlib.zip"));
for (const wheel of manifest.wheels) {
  fs.writeFileSync(path.join(site, wheel), py.FS.readFile(`/build/out/${path.basename(wheel)}`));
}
