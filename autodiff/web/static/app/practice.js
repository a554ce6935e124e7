// Practice: an exercise made by autodiff.exercise(seed, level) (the same in Python, the command and
// here). The learner fills each blank (a local derivative or a gradient) in backward order; each
// answer is judged in Python ("answer"): right, or wrong with the slip that gives that number.
import { ask, timed } from "./api.js";
import { $, el, fill, fmt, hideError, oneLine, showError } from "./dom.js";
import { writeLink } from "./state.js";
import { draw, mark } from "./svg.js";

const ex = { seed: null, level: null, blanks: [], results: {}, history: {}, svg: null };
// results: index → {tried, first, right}; history: index → the answer that was right (the API replays it)

function score() {
  const tried = Object.values(ex.results).filter((r) => r.tried);
  const first = tried.filter((r) => r.first).length;
  const done = Object.values(ex.results).filter((r) => r.right).length;
  fill($("ex-score"), `score: ${first} of ${tried.length} right at the first try · ${done} of ${ex.blanks.length} blanks done`);
  if (done === ex.blanks.length && ex.blanks.length) $("ex-score").classList.add("done");
  else $("ex-score").classList.remove("done");
}

function nextOpen() {
  return ex.blanks.find((b) => !(ex.results[b.index] || {}).right);
}

function refresh() {
  const open = nextOpen();
  document.querySelectorAll("#ex-blanks li").forEach((li) => {
    const i = Number(li.dataset.index), r = ex.results[i] || {};
    const isOpen = open && open.index === i;
    li.classList.toggle("current", !!isOpen);
    li.classList.toggle("done", !!r.right);
    li.querySelectorAll("input, button").forEach((x) => { x.disabled = !isOpen; });
  });
  mark(ex.svg, "cur", open ? open.id : null);  // the node the open blank is about, outlined
  score();
}

async function answer(li, blank) {
  const input = li.querySelector("input"), verdict = li.querySelector(".verdict"), typed = input.value.trim();
  if (!typed) return;
  const a = await ask("answer", { seed: ex.seed, level: ex.level, index: blank.index, answer: typed, history: ex.history });
  const r = ex.results[blank.index] = ex.results[blank.index] || {};
  if (!a.ok) {
    verdict.className = "verdict note";
    fill(verdict, oneLine(a.error));
  } else {
    const right = a.correct === true;
    if (!r.tried) { r.tried = true; r.first = right; }
    r.right = right;
    if (right) ex.history[blank.index] = typed;
    verdict.className = "verdict " + (right ? "right" : "wrong");
    // a wrong answer: what to do about its slip (the hint, without the right number, when the API gives it)
    const message = oneLine(a.hint || a.message || "").replace(/^[✓✗]\s*/, "");
    fill(verdict, right ? "✓ right" : [a.slip ? el("b", { class: "slip" }, a.slip) : "✗", " ", message]);
  }
  refresh();
  const open = nextOpen();
  if (a.ok && a.correct && open) document.querySelector(`#ex-blanks li[data-index="${open.index}"] input`).focus();
}

function blankItem(blank) {
  const input = el("input", { type: "text", class: "mono answer", inputmode: "decimal", placeholder: "?",
    "aria-label": blank.prompt || `blank ${blank.index}`, spellcheck: "false", autocomplete: "off" });
  const button = el("button", { type: "button", class: "check" }, "check");
  const li = el("li", { dataset: { index: blank.index, kind: blank.kind || "" } },
    el("span", { class: "kind" }, blank.kind === "local" ? "local" : "gradient"),
    el("span", { class: "prompt mono" }, blank.prompt || ""), el("span", { class: "entry" }, input, button),
    el("span", { class: "verdict" }));
  const go = () => timed("answer", () => answer(li, blank));
  button.addEventListener("click", go);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); go(); } });
  return li;
}

/** Open exercise (seed, level): ask the engine, show it, put its link in the address bar. */
export async function openExercise(seed, level, action = "exercise") {
  return timed(action, async () => {
    const a = await ask("exercise", { seed, level });
    if (!a.ok) {
      showError($("practice-error"), a);
      $("exercise").hidden = true;
      return false;
    }
    hideError($("practice-error"));
    const e = a.exercise || a;
    Object.assign(ex, { seed: e.seed ?? seed, level: e.level ?? level, blanks: e.blanks || [], results: {}, history: {}, svg: null });
    $("seed").value = String(ex.seed);
    $("level").value = String(ex.level);
    fill($("ex-title"), e.title || `exercise ${ex.seed}, level ${ex.level}`);
    const values = Object.entries(e.values || {}).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
    const about = e.about && !(e.title || "").includes(e.about) ? e.about + ". " : "";
    fill($("ex-expr"), about, values ? ["Inputs: ", el("code", {}, values), ". "] : "",
      e.given ? ["Given: ", el("code", {}, e.given), "."] : "");
    fill($("ex-blanks"), ex.blanks.map(blankItem));
    $("exercise").hidden = false;
    const dot = e.dot || a.dot;
    if (dot) ex.svg = await draw($("ex-graph"), dot);
    else fill($("ex-graph"), el("p", { class: "muted" }, "(no drawing for this exercise)"));
    refresh();
    writeLink({ seed: ex.seed, level: ex.level });
    return true;
  });
}

function readSeed() {
  const seed = Number($("seed").value), level = Number($("level").value);
  if (!Number.isInteger(seed) || seed < 0) return { error: "the seed is a whole number ≥ 0, e.g. 7" };
  return { seed, level };
}

export function setup() {
  $("practice-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const r = readSeed();
    if (r.error) showError($("practice-error"), { error: r.error });
    else openExercise(r.seed, r.level);
  });
  $("practice-new").addEventListener("click", () => {
    const seed = Math.floor(Math.random() * 10000);
    openExercise(seed, Number($("level").value));
  });
}
