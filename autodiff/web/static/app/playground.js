// The playground: an expression, its input values and optional names for inner nodes (or a worked
// example) → the engine's answer: the output, each input's gradient, the graph (values, gradients,
// local derivatives on the wires), the chain rule for ∂f/∂x and its paths, and the step player.
import { ask, timed } from "./api.js";
import { $, el, fill, fmt, hideError, showError } from "./dom.js";
import { showDerivation } from "./derive.js";
import { writeLink } from "./state.js";
import { showSteps } from "./steps.js";
import { draw } from "./svg.js";

const listeners = [];
export const current = { request: null, answer: null };

/** Call ``f(request, answer)`` after each successful compute (the check view listens). */
export function onComputed(f) {
  listeners.push(f);
}

const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const NUMBER = /^[-+\u2212]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** "w=0.7, x=1.3 b=-0.2" → {w: 0.7, x: 1.3, b: -0.2}; a piece that is not name=number → an error text. */
export function parseValues(text) {
  const values = {};
  const pieces = text.replace(/\s*=\s*/g, "=").split(/[\s,;]+/).filter(Boolean);
  for (const piece of pieces) {
    const at = piece.indexOf("=");
    const name = piece.slice(0, at), value = piece.slice(at + 1).replace("\u2212", "-");
    if (at < 1 || !NAME.test(name)) return { error: `input values: write each as name=number, got "${piece}"` };
    if (!NUMBER.test(value)) return { error: `input values: ${name} needs a number, got "${value}"` };
    values[name] = Number(value);
  }
  return { values };
}

export function valuesText(values) {
  return Object.entries(values || {}).map(([k, v]) => `${k}=${typeof v === "number" ? v : v}`).join(", ");
}

function readForm() {
  const expr = $("expr").value.trim(), names = $("names").value.trim();
  if (!expr) return { error: "type an expression, e.g. tanh(w*x + b)" };
  const parsed = parseValues($("values").value);
  if (parsed.error) return parsed;
  return { request: { expr, values: parsed.values, ...(names ? { names } : {}) } };
}

function setForm(request) {
  $("expr").value = request.expr || "";
  $("expr").placeholder = request.example ? "(a worked example built in Python: see its graph below)" : "tanh(w*x + b)";
  $("values").value = valuesText(request.values);
  $("names").value = request.names || "";
}

function showInputs(answer) {
  const body = $("inputs").querySelector("tbody");
  const rows = Object.entries(answer.inputs || {}).map(([name, v]) =>
    el("tr", { dataset: { input: name } },
      el("td", { class: "mono name" }, name),
      el("td", { class: "mono" }, fmt(v.data)),
      el("td", { class: "mono grad" }, v.grad_shown ?? fmt(v.grad))));
  fill(body, rows);
  const out = answer.output || {};
  fill($("output"), `${out.label || "f"} = `, el("b", { class: "mono" }, out.data_shown ?? fmt(out.data)),
    answer.notes && answer.notes.length ? el("span", { class: "muted notes" }, "  " + answer.notes.join(" · ")) : null);
  const hint = $("too-large");
  hint.hidden = !answer.too_large && !answer.hint;
  fill(hint, answer.hint || "");
}

function wrtMenu(answer) {
  const select = $("wrt"), keep = select.value;
  const names = Object.keys(answer.inputs || {});
  fill(select, names.map((n) => el("option", { value: n }, n)));
  if (names.includes(keep)) select.value = keep;
  return select.value;
}

function stale(yes) {
  // after an error the last good result stays, greyed, with a note: the boxes no longer say what it shows
  $("result").classList.toggle("stale", yes);
  $("stale-note").hidden = !yes;
}

/** The input the chain rule is written for: the one shown before when the new request has it too,
 *  else the first value given (the answer's inputs are the values' names). */
function guessWrt(request) {
  const names = Object.keys(request.values || {});
  const keep = $("wrt").value;
  return names.includes(keep) ? keep : names[0] || null;
}

/** Show a compute answer; ``pending``: the chain rule already asked for ``{wrt, answer}``. */
async function showAnswer(request, answer, pending) {
  const error = $("expr-error");
  if (!answer.ok) {
    showError(error, answer);
    stale(true);
    return false;
  }
  hideError(error);
  stale(false);
  current.request = request;
  current.answer = answer;
  $("result").hidden = false;
  showInputs(answer);
  const wrt = wrtMenu(answer);
  const derived = wrt ? showDerivation(request, wrt, pending && pending.wrt === wrt ? pending.answer : null) : null;
  const graph = $("graph");
  if (answer.dot) await draw(graph, answer.dot);
  else fill(graph, el("p", { class: "muted" }, answer.hint || "This graph is too large to draw."));
  await derived;
  writeLink(request);
  setTimeout(() => listeners.forEach((f) => f(request, answer)), 0);  // the check form: built after the result shows
  return true;
}

/** Compute ``request`` (from the form, a link or an example) and show everything. The engine is asked
 *  for the answer, the chain rule and the player's steps at once: Python (in its worker) works on the
 *  next while this page lays out the graph; the player's own drawings wait until the result is shown
 *  (the player is timed on its own, "steps"). */
export async function compute(request, action = "compute") {
  return timed(action, async () => {
    const wrt = guessWrt(request);
    const asked = ask("compute", request);
    const pending = wrt ? { wrt, answer: ask("derive", { ...request, wrt }) } : null;
    let release;
    showSteps(request, new Promise((resolve) => { release = resolve; }));
    let shown = false;
    try {
      shown = await showAnswer(request, await asked, pending);
      return shown;
    } finally {
      release(shown);  // a request that failed shows no player (its error is above)
    }
  });
}

async function loadExamples() {
  const a = await ask("examples", {});
  const list = a.examples || a.items || [];
  const select = $("examples");
  fill(select, el("option", { value: "" }, "choose an example…"),
    list.map((x) => el("option", { value: x.key }, x.title || x.key)));
  return list;
}

function exampleRequest(item) {
  if (typeof item.expr !== "string") return { example: item.key };  // built by Python (the 2-3-2-1 network)
  return { expr: item.expr, values: item.values || {}, ...(item.names ? { names: item.names } : {}) };
}

async function openExample(list, key) {
  const item = list.find((x) => x.key === key);
  if (!item) return false;
  const request = exampleRequest(item);
  setForm(request);
  return compute(request, "example");
}

export async function setup() {
  const examples = await loadExamples();
  $("expr-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const read = readForm();
    if (read.error) {
      showError($("expr-error"), { error: read.error });
      stale(true);
      return;
    }
    $("examples").value = "";
    await compute(read.request);
  });
  $("examples").addEventListener("change", (e) => openExample(examples, e.target.value));
  $("wrt").addEventListener("change", (e) => {
    if (current.request) timed("derive", () => showDerivation(current.request, e.target.value));
  });
}

/** Open a playground request (from a link): fill the form and compute. */
export async function openRequest(request) {
  setForm(request);
  return compute(request, "link");
}
