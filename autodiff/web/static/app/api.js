// The site's API as the page sees it: the engine's call(name, request) (Python, in a Web Worker),
// answers always {ok: true, ...} or {ok: false, error, caret?}; and each user action timed, so the
// page itself can say how long an action took (window.autodiffTimings, read by the browser tests).
import { call, ready } from "../engine/engine.js";

export { ready };

export const timings = [];
window.autodiffTimings = timings;

/** Ask the engine; never throws: a failure of the worker itself becomes {ok: false, error}. */
export async function ask(name, request) {
  try {
    const answer = await call(name, request);
    const data = typeof answer === "string" ? JSON.parse(answer) : answer;
    if (data && typeof data === "object" && !Array.isArray(data)) return data;
    return { ok: true, items: data };
  } catch (e) {
    return { ok: false, error: `the engine failed: ${e && e.message ? e.message : e}` };
  }
}

/** Run an action (an async function) and record how long it took, from the event to the page shown. */
export async function timed(action, run) {
  const start = performance.now();
  try {
    return await run();
  } finally {
    const ms = Math.round((performance.now() - start) * 10) / 10;
    timings.push({ action, ms });
    document.body.dataset.lastAction = action;
    document.body.dataset.lastMs = String(ms);
  }
}
