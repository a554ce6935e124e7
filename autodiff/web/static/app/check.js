// Check my backward pass: the learner types ∂f/∂node for each node of the playground's graph (and,
// optionally, each wire's local derivative); the engine's check_backward answers with the first
// wrong node (outlined in the graph), the slip that explains it and the right computation.
import { ask, timed } from "./api.js";
import { $, el, fill, fmt, hideError, oneLine, showError } from "./dom.js";
import { current, onComputed } from "./playground.js";
import { draw, mark } from "./svg.js";

function nodeName(n) {
  return n.name || n.label || n.id;
}

function parentsOf(answer) {
  const names = Object.fromEntries((answer.nodes || []).map((n) => [n.id, nodeName(n)]));
  const out = {};
  for (const e of answer.edges || []) (out[e.to] = out[e.to] || []).push(names[e.from] ?? e.from);
  return { names, parents: out };
}

function computedAs(n, parents) {
  if (n.formula) return n.formula;
  if (n.input || !n.op || n.op === "input") return "input";
  return `${n.op}(${(parents[n.id] || []).join(", ")})`;
}

function field(key, label) {
  return el("input", { type: "text", class: "mono answer", dataset: { key }, inputmode: "decimal",
    placeholder: "?", "aria-label": label, spellcheck: "false", autocomplete: "off" });
}

/** Rebuild the form for the playground's current graph. */
function build(request, answer) {
  if (!request.expr && request.example) request = { ...request, expr: answer.expr || request.example };
  $("check-empty").hidden = true;
  $("check-form").hidden = false;
  fill($("check-expr"), request.expr || "");
  const values = Object.entries(request.values || {}).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
  fill($("check-values"), values ? `at ${values}` : "");
  const { names, parents } = parentsOf(answer);
  const nodes = [...(answer.nodes || [])].reverse();  // backward order: the output first
  fill($("check-nodes").querySelector("tbody"), nodes.map((n) =>
    el("tr", { dataset: { node: n.id } },
      el("td", { class: "mono name" }, nodeName(n)),
      el("td", { class: "mono muted" }, computedAs(n, parents)),
      el("td", { class: "mono" }, fmt(n.data)),
      el("td", {}, field(n.id, `your gradient of ${nodeName(n)}`)))));
  fill($("check-locals").querySelector("tbody"), (answer.edges || []).map((e) => {
    const key = `${e.from}->${e.to}`, label = `∂${names[e.to] ?? e.to}/∂${names[e.from] ?? e.from}`;
    return el("tr", { dataset: { edge: key } }, el("td", { class: "mono" }, label), el("td", {}, field(key, label)));
  }));
  $("check-verdict").hidden = true;
  hideError($("check-error"));
  $("check-graph-card").hidden = true;
}

function readBoxes(selector) {
  const out = {};
  document.querySelectorAll(selector).forEach((input) => {
    const text = input.value.trim();
    if (text !== "") out[input.dataset.key] = text;
  });
  return out;
}

function numbers(typed) {
  // the API reads numbers: a typed text stays text when it is not one (the API names it)
  const out = {};
  for (const [k, v] of Object.entries(typed)) {
    const x = Number(v.replace("\u2212", "-"));
    out[k] = v === "" ? "" : Number.isFinite(x) ? x : v;
  }
  return out;
}

function rowCells(r) {
  return [el("td", { class: "mono name" }, String(r.label ?? r.id)), el("td", { class: "mono" }, fmt(r.yours)),
    el("td", { class: "mono" }, fmt(r.engine)), el("td", { class: r.ok ? "ok" : "bad" }, r.ok ? "✓" : "✗"),
    el("td", {}, r.slip ? el("span", { class: "slip" }, r.slip) : "")];
}

async function run() {
  const request = current.request, answer = current.answer;
  if (!request) return;
  const grads = numbers(readBoxes("#check-nodes input")), locals = numbers(readBoxes("#check-locals input"));
  if (Object.keys(grads).length === 0 && Object.keys(locals).length === 0) {
    showError($("check-error"), { error: "type at least one gradient: your ∂f/∂node for some node" });
    return;
  }
  const a = await ask("check", { ...request, grads, ...(Object.keys(locals).length ? { locals } : {}) });
  if (!a.ok) {
    showError($("check-error"), a);
    $("check-verdict").hidden = true;
    return;
  }
  hideError($("check-error"));
  const node = (answer.nodes || []).find((n) => n.id === a.first_wrong);
  const summary = $("check-summary");
  summary.className = "verdict-line " + (a.all_right ? "right" : "wrong");
  if (a.all_right) fill(summary, "✓ All right: every number you gave agrees with the engine's (to 0.1 %).");
  else {
    fill(summary, "✗ First wrong node: ", el("b", { class: "mono", id: "check-first" }, a.first_wrong_label ?? String(a.first_wrong ?? "?")),
      a.slip ? [" · slip: ", el("b", { class: "slip", id: "check-slip" }, a.slip)] : "",
      a.message ? el("span", { class: "message", id: "check-message" }, oneLine(a.message, 600)) : "");
  }
  const rows = Array.isArray(a.rows) ? a.rows.filter((r) => r && typeof r === "object") : [];
  const right = $("check-right");
  fill(right, typeof a.right === "string" ? a.right : "");
  right.hidden = !a.right;
  if (rows.length) {
    right.before(el("table", { class: "numbers rows" }, el("thead", {}, el("tr", {}, ["node", "yours", "engine", "", "slip"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, rowCells(r))))));
  }
  $("check-verdict").hidden = false;
  document.querySelectorAll("#check-nodes tr").forEach((tr) => tr.classList.toggle("wrong", !!node && tr.dataset.node === node.id));
  const dot = a.dot || answer.dot;
  if (dot) {
    $("check-graph-card").hidden = false;
    const svg = await draw($("check-graph"), dot);
    mark(svg, "wrong", a.first_wrong, a.first_wrong_label);
  }
}

export function setup() {
  onComputed(build);
  $("check-form").addEventListener("submit", (e) => {
    e.preventDefault();
    document.querySelectorAll("#check-verdict table.rows").forEach((t) => t.remove());
    timed("check", run);
  });
  $("check-clear").addEventListener("click", () => {
    document.querySelectorAll("#check-form input").forEach((i) => { i.value = ""; });
    $("check-verdict").hidden = true;
    $("check-graph-card").hidden = true;
    document.querySelectorAll("#check-nodes tr.wrong").forEach((tr) => tr.classList.remove("wrong"));
  });
}
