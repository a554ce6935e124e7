// The site's start: the tabs, the engine's boot (timed and shown), the link in the address bar.
import { ready, timed } from "./api.js";
import { setup as setupCheck } from "./check.js";
import { $, showError, since } from "./dom.js";
import { openRequest, setup as setupPlayground } from "./playground.js";
import { openExercise, setup as setupPractice } from "./practice.js";
import { isNewHash, readLink } from "./state.js";

const FIRST = { expr: "tanh(w*x + b)", values: { w: 0.7, x: 1.3, b: -0.2 } };  // a neuron: what a first visit shows

export function showView(view) {
  document.querySelectorAll("section.view").forEach((s) => { s.hidden = s.dataset.view !== view; });
  document.querySelectorAll("button.tab").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.view === view)));
  document.body.dataset.view = view;
}

async function openLink(hash) {
  const link = await readLink(hash);
  if (link.kind === "practice") {
    showView("practice");
    return openExercise(link.seed, link.level, "link");
  }
  showView("playground");
  if (link.kind === "compute") return openRequest(link.request);
  if (link.kind === "error") {
    return timed("link", async () => {
      showError($("expr-error"), { ...link.answer, error: `this link: ${link.answer.error}` });
      return false;
    });
  }
  return openRequest(FIRST);
}

async function start() {
  const t0 = performance.now();
  const status = $("status");
  document.querySelectorAll("button.tab").forEach((b) => b.addEventListener("click", () => showView(b.dataset.view)));
  let info;
  try {
    info = await ready;  // Pyodide started, our wheel unpacked, autodiff.web.api imported
  } catch (e) {
    status.textContent = `The engine did not start: ${e && e.message ? e.message : e}`;
    status.classList.add("failed");
    document.body.dataset.state = "failed";
    return;
  }
  const ms = info && info.interactiveMs ? Math.round(info.interactiveMs) : since(t0);
  document.body.dataset.engineMs = String(ms);
  status.textContent = `Engine ready ${(ms / 1000).toFixed(1)} s after the page opened: Python and autodiff run in this tab, offline.`;
  status.classList.add("ready");
  await setupPlayground();
  setupCheck();
  setupPractice();
  await openLink(location.hash);
  window.addEventListener("hashchange", () => { if (isNewHash()) openLink(location.hash); });
  document.body.dataset.ready = "yes";
  document.body.dataset.state = "done";
}

start();
