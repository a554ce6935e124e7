// The graph as SVG: the API's DOT (every label escaped by our viz) laid out by Graphviz as
// WebAssembly, parsed as SVG (never as HTML) and cleaned of anything active before it is shown.
import { layout } from "../engine/graphviz.js";
import { el, fill } from "./dom.js";

const SAFE_HREF = /^#/;

function clean(root) {
  // Graphviz writes no scripts; this keeps it so whatever the DOT held: no script, no foreignObject,
  // no event attribute, no link leaving the page.
  root.querySelectorAll("script, foreignObject, iframe, object, embed").forEach((n) => n.remove());
  for (const node of [root, ...root.querySelectorAll("*")]) {
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) node.removeAttribute(attr.name);
      else if ((name === "href" || name === "xlink:href") && !SAFE_HREF.test(attr.value)) node.removeAttribute(attr.name);
    }
  }
  return root;
}

// Graphviz in WebAssembly has no font files: it sizes text from built-in metrics of a few families
// (Helvetica/Arial, Times, Courier) and reads any other name ("DejaVu Sans,Helvetica,...", the
// drawings' list for `dot` on a desktop) as Times, whose letters are narrower than the sans font the
// browser then draws: "grad" ran into its number. So the browser's drawings are laid out as Helvetica
// (only the font attributes change: a label's own text never reads fontname=" unescaped) and drawn
// in Helvetica's metric twins (style.css).
const FONT_ATTRIBUTE = /fontname="[^"]*"/g;
const FONT_FACE = /FACE="[^"]*"/g;

/** ``dot`` laid out by Graphviz, as a cleaned <svg> element of this document (null if it failed). */
export async function layoutClean(dot) {
  const text = await layout(dot.replace(FONT_ATTRIBUTE, 'fontname="Helvetica"').replace(FONT_FACE, 'FACE="Helvetica"'));
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName !== "svg" || doc.querySelector("parsererror")) return null;
  return clean(document.adoptNode(svg));  // moved, not copied: the parsed document is dropped
}

/** Lay ``dot`` out and show it in ``box`` (replacing what was there); returns the <svg> element. */
export async function draw(box, dot) {
  const shown = await layoutClean(dot);
  if (!shown) {
    fill(box, el("p", { class: "muted" }, "The graph could not be drawn."));
    return null;
  }
  const width = shown.width && shown.width.baseVal ? shown.width.baseVal.value : 0;
  shown.removeAttribute("height");
  if (width) {  // fit the card, but never grown past 1.25× nor shrunk under 60 % (then the card scrolls)
    shown.style.maxWidth = Math.round(width * 1.25) + "px";
    shown.style.minWidth = Math.round(width * 0.6) + "px";
  }
  fill(box, shown);
  return shown;
}

/** The drawing's node groups by their Graphviz title (the DOT node id, e.g. "n3"). */
export function nodesByTitle(svg) {
  const out = {};
  if (!svg) return out;
  svg.querySelectorAll("g.node").forEach((g) => {
    const t = g.querySelector("title");
    if (t) out[t.textContent] = g;
  });
  return out;
}

/** Outline the node ``id`` (a DOT id, or failing that a node whose text reads ``label``) with ``cls``. */
export function mark(svg, cls, id, label) {
  if (!svg) return null;
  svg.querySelectorAll("g.node." + cls).forEach((g) => g.classList.remove(cls));
  const nodes = nodesByTitle(svg);
  let g = id !== null && id !== undefined ? nodes[String(id)] : undefined;
  if (!g && label) {
    g = Object.values(nodes).find((n) => [...n.querySelectorAll("text")].some((t) => t.textContent.trim() === label));
  }
  if (g) g.classList.add(cls);
  return g || null;
}
