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
  const r = a.request || {};
  if (a.action === "exercise") return { kind: "practice", seed: r.seed, level: r.level };
  if (a.action === "compute") return { kind: "compute", request: r };
  return { kind: "none" };
}

/** Put the link of ``request`` (a playground request or {seed, level}) in the address bar, as Python
 *  writes it (the API's "link"), without a new history entry and without a hashchange. */
export async function writeLink(request) {
  const a = await ask("link", { request });
  if (!a.ok || typeof a.hash !== "string") return;  // e.g. an input named "level": no link, nothing else changes
  written = a.hash;
  if (location.hash !== a.hash) history.replaceState(null, "", a.hash);
}

/** True when the hash changed by the user (pasted a link), not by writeLink. */
export function isNewHash() {
  return location.hash !== written;
}
