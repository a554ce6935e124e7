// Links: the address's hash holds the state a teacher hands out. "#expr=tanh(w*x%2Bb)&w=0.7&x=1.3"
// opens the playground on that expression and values; "#practice=7&level=3" opens that exercise.
// The hash is read by Python (the API's "link" call: parsed and validated there, never here); the
// page writes it back after each action (replaceState: no history entry per keystroke).
import { ask } from "./api.js";

let written = "";

/** The request a hash stands for: {kind: "compute", request} | {kind: "practice", seed, level} |
 *  {kind: "none"} | {kind: "error", answer}. */
export async function readLink(hash) {
  if (!hash || hash === "#") return { kind: "none" };
  const a = await ask("link", { hash });
  if (!a.ok) return { kind: "error", answer: a };
  const r = a.request && typeof a.request === "object" ? a.request : a;
  const kind = a.kind || a.name || (r.practice !== undefined || r.seed !== undefined ? "practice" : "compute");
  if (kind === "practice" || kind === "exercise") {
    return { kind: "practice", seed: r.seed ?? r.practice, level: r.level ?? 1 };
  }
  if (typeof r.expr !== "string") return { kind: "none" };
  return { kind: "compute", request: { expr: r.expr, values: r.values || {}, ...(r.names ? { names: r.names } : {}) } };
}

function part(key, value) {
  return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

function numberText(x) {
  return typeof x === "number" ? String(x) : String(x);  // "inf" / "nan" as the API writes them
}

/** The hash of a playground request: expression first, then each input's value, then the names. */
export function computeHash(request) {
  const parts = [part("expr", request.expr)];
  for (const [name, value] of Object.entries(request.values || {})) parts.push(part(name, numberText(value)));
  if (request.names) parts.push(part("names", request.names));
  return "#" + parts.join("&");
}

export function practiceHash(seed, level) {
  return `#${part("practice", seed)}&${part("level", level)}`;
}

/** Put ``hash`` in the address bar without a new history entry (and without a hashchange). */
export function writeHash(hash) {
  written = hash;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

/** True when the hash changed by the user (pasted a link), not by writeHash. */
export function isNewHash() {
  return location.hash !== written;
}
