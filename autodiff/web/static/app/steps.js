// The step player: the step-through page of `autodiff.save_html` itself (its template, player script
// and quiz, autodiff/viz/assets/, copied into the site by the build), filled with the API's "steps"
// answer (the page's parts, made in Python with every learner text escaped; each pass's drawing as
// DOT, laid out here: the backward pass's first, the forward pass's in idle time after) and shown in
// a frame of its own, reused for each new expression (a new body, the player started again).
// The parts are parsed as an inert document (scripts never run in it), cleaned of anything active,
// and the only script the frame runs is the page's own player, loaded from the site (the document is
// moved into the frame as nodes, not re-parsed from text).
import { ask, timed } from "./api.js";
import { $, el, fill, oneLine } from "./dom.js";
import { layoutClean } from "./svg.js";

export const VIZ = "viz/";  // where make site puts autodiff/viz/assets/ (page.html, page.css, page.js)
let template = null;
let shown = 0;  // the latest request: an older answer arriving late is dropped

async function pageTemplate() {
  if (!template) {
    template = fetch(VIZ + "page.html").then((r) => {
      if (!r.ok) throw new Error(`the step player's template is missing (${r.status})`);
      return r.text();
    });
  }
  return template;
}

/** JSON that is safe inside <script>: < > & and the line separators as \u escapes (as page.py's). */
export function scriptJson(data) {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

const ACTIVE = "script, iframe, object, embed, link, meta, base, form, foreignObject";

function cleanDocument(doc) {
  doc.querySelectorAll(ACTIVE).forEach((n) => {
    if (!(n.id === "page-data" && n.getAttribute("type") === "application/json")) n.remove();
  });
  doc.querySelectorAll("style").forEach((n) => n.remove());  // the page's CSS comes from the site
  for (const node of doc.querySelectorAll("*")) {
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "src" || name === "srcdoc" || name === "formaction") node.removeAttribute(attr.name);
      else if ((name === "href" || name === "xlink:href") && !attr.value.startsWith("#")) node.removeAttribute(attr.name);
    }
  }
}

/** The player's document, inert (parsed, never run): the page's template filled with the API's parts,
 *  cleaned; its pictures are put in place when they are laid out. */
async function playerDocument(parts) {
  const filled = (await pageTemplate()).replace(/\{\{(\w+)\}\}/g, (m, key) => {
    if (key === "data") return scriptJson(parts.data);
    if (key === "css" || key === "js") return "";
    return typeof parts[key] === "string" ? parts[key] : String(parts[key] ?? "");
  });
  const doc = new DOMParser().parseFromString(filled, "text/html");  // inert: nothing here runs
  cleanDocument(doc);
  return doc;
}

/** Put the laid-out ``svg`` (a cleaned <svg> of this page) in the picture box of ``mode``'s pass. */
function place(target, mode, svg) {
  const box = target.querySelector(`section.pass[data-mode="${mode}"] .picture`);
  if (!box || !svg) return null;
  box.replaceChildren(target.adoptNode(svg));
  return box.closest("section.pass");
}

/** A blank frame (an empty same-origin page, under this page's security policy) shown in ``box``. */
async function blankFrame(box) {
  const frame = el("iframe", { class: "player", title: "step through the forward and the backward pass", id: "player-frame" });
  const blank = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  frame.srcdoc = "<!DOCTYPE html><html><head></head><body></body></html>";  // standards mode, same origin
  fill(box, frame);
  await blank;
  return frame;
}

/** The frame that already runs the player (its CSS and script loaded), reused; null when there is none. */
function runningFrame(box) {
  const frame = box.querySelector("iframe#player-frame");
  const win = frame && frame.contentWindow;
  return win && typeof win.autodiffPlayer === "function" ? frame : null;
}

/** Move the inert document into the frame with the backward pass's picture and start the page's own
 *  player script in it; resolves once the player has run. A frame that runs the player already gets
 *  the new body and its player started again (its stylesheets and script stay). */
function mount(frame, doc, svg) {
  const target = frame.contentDocument, win = frame.contentWindow;
  if (typeof win.autodiffPlayer === "function") {
    target.title = doc.title;
    target.body.replaceWith(target.adoptNode(doc.body));
    place(target, "backward", svg);
    win.autodiffPlayer();
    return Promise.resolve();
  }
  target.documentElement.replaceWith(target.adoptNode(doc.documentElement));
  place(target, "backward", svg);
  for (const href of [VIZ + "page.css", "player.css"]) {
    target.head.append(Object.assign(target.createElement("link"), { rel: "stylesheet", href: new URL(href, location.href).href }));
  }
  return new Promise((resolve) => {
    const script = target.createElement("script");
    script.src = new URL(VIZ + "page.js", location.href).href;
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", resolve, { once: true });
    target.body.append(script);
  });
}

/** The forward pass's picture, laid out when the page is idle (the player shows the backward pass
 *  first); the player repaints on the section's "picture" event. */
function layOutLater(frame, mine, dot) {
  if (!dot) return;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 0));
  idle(async () => {
    if (mine !== shown) return;
    const svg = await layoutClean(dot).catch(() => null);
    if (mine !== shown || !frame.isConnected || !frame.contentDocument) return;
    const section = place(frame.contentDocument, "forward", svg);
    if (section) section.dispatchEvent(new frame.contentWindow.Event("picture"));
  }, { timeout: 200 });
}

let observer = null;

function fit(frame) {
  const doc = frame.contentDocument;
  if (!doc || !doc.body) return;
  frame.style.height = Math.min(8000, doc.body.scrollHeight + 16) + "px";  // the body: it never stretches to the frame
}

/** Load the player of ``request`` into the steps card (one frame, reused); the backward pass's drawing
 *  is laid out as soon as the answer is here, shown once ``after`` has resolved true (the playground's
 *  result is on screen first); the forward pass's drawing follows in idle time. */
export async function showSteps(request, after = null) {
  const mine = ++shown, box = $("player");
  return timed("steps", async () => {
    const a = await ask("steps", request);
    const drawn = a.ok && !a.too_large && a.dot && a.dot.backward && mine === shown
      ? layoutClean(a.dot.backward).catch(() => null) : null;  // laid out while the result is shown
    if (after && !(await after)) return false;  // the result was not shown (an error): nor is the player
    if (mine !== shown) return false;
    if (!a.ok) {
      fill(box, el("p", { class: "error-inline" }, oneLine(a.error)));
      return false;
    }
    if (a.too_large || !a.dot) {  // over the drawing limit: the hint (collapse, a sub-graph), no player
      fill(box, el("p", { class: "hint-line" }, oneLine(a.hint || "this graph is too large to step through here", 600)));
      return false;
    }
    const [svg, doc] = await Promise.all([drawn, playerDocument(a)]);
    if (mine !== shown) return false;
    const frame = runningFrame(box) || (await blankFrame(box));
    if (mine !== shown) return false;
    await mount(frame, doc, svg);
    fit(frame);
    const win = frame.contentWindow;
    if (observer) observer.disconnect();
    if (win && win.ResizeObserver) {
      observer = new win.ResizeObserver(() => fit(frame));
      observer.observe(frame.contentDocument.body);
    }
    setTimeout(() => fit(frame), 100);  // the stylesheets of a first mount may come after the script
    layOutLater(frame, mine, a.dot.forward);
    return true;
  });
}
