// The step player: the step-through page of `autodiff.save_html` itself (its template, player script
// and quiz, autodiff/viz/assets/, copied into the site by the build), filled with the API's "steps"
// answer (the page's parts, made in Python with every learner text escaped; each pass's drawing as
// DOT, laid out here) and shown in a frame of its own, so each expression gets a fresh player.
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
 *  cleaned, each pass's drawing in its place. */
async function playerDocument(parts, svgs) {
  const filled = (await pageTemplate()).replace(/\{\{(\w+)\}\}/g, (m, key) => {
    if (key === "data") return scriptJson(parts.data);
    if (key === "css" || key === "js") return "";
    return typeof parts[key] === "string" ? parts[key] : String(parts[key] ?? "");
  });
  const doc = new DOMParser().parseFromString(filled, "text/html");  // inert: nothing here runs
  cleanDocument(doc);
  doc.querySelectorAll("section.pass").forEach((section) => {
    const box = section.querySelector(".picture"), svg = svgs[section.dataset.mode];
    if (box && svg) box.replaceChildren(doc.importNode(svg, true));
  });
  return doc;
}

/** Move the inert document into the frame (an empty same-origin page, under this page's security
 *  policy) and start the page's own player script in it; resolves once the player has run. */
function mount(frame, doc) {
  const target = frame.contentDocument;
  target.documentElement.replaceWith(target.importNode(doc.documentElement, true));
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

function fit(frame) {
  const doc = frame.contentDocument;
  if (!doc || !doc.documentElement) return;
  frame.style.height = Math.min(8000, doc.body.scrollHeight + 16) + "px";  // the body: it never stretches to the frame
}

/** Load the player of ``request`` into the steps card (a fresh frame each time); its drawings are laid
 *  out once ``after`` has resolved true (the playground's result is on screen first). */
export async function showSteps(request, after = null) {
  const mine = ++shown, box = $("player");
  return timed("steps", async () => {
    const a = await ask("steps", request);
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
    const parts = a;
    const svgs = {};
    for (const mode of ["backward", "forward"]) {
      svgs[mode] = parts.dot[mode] ? await layoutClean(parts.dot[mode]) : null;
    }
    if (mine !== shown) return false;
    const doc = await playerDocument(parts, svgs);
    if (mine !== shown) return false;
    const frame = el("iframe", { class: "player", title: "step through the forward and the backward pass", id: "player-frame" });
    const blank = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    frame.srcdoc = "<!DOCTYPE html><html><head></head><body></body></html>";  // standards mode, same origin
    fill(box, frame);
    await blank;
    if (mine !== shown) return false;
    await mount(frame, doc);
    fit(frame);
    const win = frame.contentWindow;
    if (win && win.ResizeObserver) new win.ResizeObserver(() => fit(frame)).observe(frame.contentDocument.body);
    setTimeout(() => fit(frame), 100);
    return true;
  });
}
