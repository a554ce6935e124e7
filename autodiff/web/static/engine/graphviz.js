// Graphviz's `dot` in the page: the WebAssembly build (@hpcc-js/wasm-graphviz, from this site's vendor/).
//
//   import { layout, preload } from "./engine/graphviz.js";
//   preload();                              // optional: start loading the module (0.8 MB) now
//   const svg = await layout(answer.dot);   // the SVG text of the drawing
//
// layout(dot) resolves with the SVG text that `dot -Tsvg` writes; it rejects with an Error of one line when
// Graphviz refuses the DOT. The module is loaded once, at the first preload() or layout(). The SVG is
// Graphviz's own output of DOT made by autodiff.web.api (every label escaped there): parse it with
// DOMParser and insert the <svg> element, or set it as an <img>'s data, never pass learner text through it.

let graphviz = null;

// The wasm build has no fonts: it estimates text widths from tables of a few families, and a fallback
// list ("DejaVu Sans,Helvetica,...", as our drawings name it for the system's dot) is measured as Times,
// narrower than what the browser draws: words would overlap. So the layout is made with each list's
// first family, and the SVG names the whole list again, as `dot -Tsvg` does.
const FONTNAME = /fontname="([^"\\]*)"/g;
const ESCAPE = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function firstFamilies(dot) {
  const lists = new Map();
  const text = dot.replace(FONTNAME, (whole, list) => {
    const first = list.split(",")[0].trim();
    if (!first || first === list) return whole;
    lists.set(first, list);
    return `fontname="${first}"`;
  });
  return [text, lists];
}

function wholeLists(svg, lists) {
  for (const [first, list] of lists) {
    const escaped = (s) => s.replace(/[&<>"]/g, (c) => ESCAPE[c]);
    svg = svg.split(`font-family="${escaped(first)}"`).join(`font-family="${escaped(list)}"`);
  }
  return svg;
}

/** Start loading the wasm Graphviz (a promise of the module's Graphviz object). */
export function preload() {
  graphviz ??= import("../vendor/graphviz/index.js").then((m) => m.Graphviz.load());
  return graphviz;
}

/** The SVG of `dot` laid out by Graphviz's dot engine. */
export async function layout(dot) {
  if (typeof dot !== "string") throw new TypeError(`layout(dot) takes the DOT text, not ${typeof dot}`);
  const gv = await preload();
  const [text, lists] = firstFamilies(dot);
  try {
    return wholeLists(gv.layout(text, "svg", "dot"), lists);
  } catch (error) {
    const text = String(error && error.message ? error.message : error).split("\n").find((s) => s.trim());
    throw new Error(`Graphviz could not lay out the graph: ${(text || "unknown error").slice(0, 200)}`);
  }
}

/** Graphviz's version, e.g. "12.2.1" (after loading the module). */
export async function version() {
  return (await preload()).version();
}
