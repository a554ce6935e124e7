// The engine, seen from the page (main thread): Python runs in a Web Worker (worker.js), so the tab never
// freezes while it computes. Importing this module starts the worker.
//
//   import { call, ready } from "./engine/engine.js";
//   const info = await ready;   // {api, python, pyodide, seconds: {pyodide, wheels, import, engine, total},
//                               //  resources (what the worker fetched), interactiveMs}
//   const answer = await call("compute", {expr: "tanh(w*x+b)", values: {w: 0.7, x: 1.3, b: -0.2}});
//   if (answer.ok) ... else show(answer.error, answer.caret);
//
// call(name, request) resolves with the parsed JSON of autodiff.web.api.call(name, JSON.stringify(request))
// (bad input is an answer with ok: false, never a rejection); it rejects with an Error whose message is one
// line only when the engine itself failed (Python did not start, the worker died).
// ready rejects the same way; interactiveMs is performance.now() when the engine answered ready: the time
// from this page's navigation start to the first moment a call can be answered.
//
// Budgets (the issue's; benchmarks/site_speed.py measures them): a first visit fetches at most 15 MB, and
// the engine takes 15.5 MB of it as files (Pyodide 13.9 with the standard library's bytecode, wasm Graphviz
// 0.8, the wheels 0.8; a server that compresses sends about half): fetch anything big (MathJax: 2.3 MB)
// only when it is first shown. Python's start takes over a second: say it is starting.

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 1;
let failure = null;

let settle;
export const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
ready.catch(() => {});  // a page that never awaits ready must not log an unhandled rejection

function fail(message) {
  failure = new Error(message);
  settle.reject(failure);
  for (const { reject } of pending.values()) reject(failure);
  pending.clear();
}

worker.onmessage = ({ data }) => {
  if (data.ready) {
    settle.resolve({ ...data.ready, interactiveMs: performance.now() });
  } else if (data.failed) {
    fail(`the engine could not start: ${data.failed}`);
  } else if (pending.has(data.id)) {
    const { resolve, reject } = pending.get(data.id);
    pending.delete(data.id);
    if ("error" in data) reject(new Error(data.error));
    else resolve(data.response);
  }
};
worker.onerror = (event) => {
  event.preventDefault();
  fail(`the engine stopped: ${event.message || "its worker failed to load"}`);
};

/** Ask the engine: `name` is one of autodiff.web.api's names, `request` a JSON-able object. */
export function call(name, request = {}) {
  if (failure) return Promise.reject(failure);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, name, request });
  });
}

/** The boot's own check, without autodiff.web.api: (x+y)·z at {x, y, z} → {f, grads, dot, python, autodiff}. */
export function selftest(values) {
  return call("selftest", values);
}
