// Render helpers: elements made with text only (never innerHTML), numbers as the engine writes them,
// the one-line error with the parser's caret. Every text a learner typed goes through textContent.

/** An element: el("td", {class: "x", title: "..."}, "text", child, ...). Strings become text nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) throw new Error("events are added with addEventListener");
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append strings (as text) and nodes. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Empty a node, then append. */
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export const $ = (id) => document.getElementById(id);

/** A number of the API's JSON: "inf", "-inf", "nan" stand for what JSON cannot hold. */
export function num(x) {
  if (typeof x !== "string") return x;
  if (x === "nan") return NaN;
  return x.charAt(0) === "-" ? -Infinity : Infinity;
}

function pyG(x, digits) {
  // Python's f"{x:.{digits}g}": exponent form below 1e-4 or from 10**digits on
  const exp = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(Number(x.toPrecision(digits)))));
  if (exp < -4 || exp >= digits) {
    const [m, e] = x.toExponential(digits - 1).split("e");
    const mant = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const s = x.toFixed(Math.max(0, digits - 1 - exp));
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function significant(text) {
  return text.replace(/^-/, "").split("e")[0].replace(".", "").replace(/^0+/, "").length;
}

/** A number to 4 significant digits, as the engine's text.display.fmt writes it (0.7311, -12,
 *  1.475e-10, "≈1" for 0.99995: never a rounder number than it is). */
export function fmt(value, digits = 4) {
  const x = num(value);
  if (typeof x !== "number") return String(value);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  let s = pyG(x, digits);
  if (s === "-0" || s === "0") return "0";
  if (Math.abs(Number(s) - x) > 1e-12 * Math.abs(x) && significant(s) < digits) s = "≈" + s;
  return s;
}

/** Show an API error in a box: the one-line message, and the expression with a caret under the
 *  column the parser names (when it names one). */
export function showError(box, answer) {
  const msg = box.querySelector(".msg"), caret = box.querySelector(".caret");
  fill(msg, oneLine(answer && answer.error));
  if (caret) {
    const c = answer && answer.caret;
    if (c && typeof c.text === "string" && Number.isInteger(c.column)) {
      const text = oneLine(c.text, 400);
      fill(caret, text, "\n", " ".repeat(Math.max(0, Math.min(c.column, text.length))) + "^");
      caret.hidden = false;
    } else {
      fill(caret);
      caret.hidden = true;
    }
  }
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
}

/** A text on one line, cut at ``limit`` characters. */
export function oneLine(text, limit = 300) {
  const s = String(text === undefined || text === null ? "something went wrong" : text).replace(/\s*\n\s*/g, " ");
  return s.length > limit ? s.slice(0, limit - 1) + "…" : s;
}

/** Milliseconds since ``start`` (performance.now()), to one decimal. */
export function since(start) {
  return Math.round((performance.now() - start) * 10) / 10;
}
