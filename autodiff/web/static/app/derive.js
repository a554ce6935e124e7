// The chain rule for ∂f/∂x, written out (the engine's ``derivation``), and its paths (``paths``):
// shown at once as text, then typeset by MathJax when the site carries the lessons' copy.
import { ask } from "./api.js";
import { $, el, fill, oneLine } from "./dom.js";

const MATHJAX = "lessons/mathjax/tex-svg-full.js";  // the lessons' build (make notebooks) copied by make site
let mathjax = null;  // a promise: MathJax ready, or false when the site has none

function loadMathJax() {
  if (mathjax) return mathjax;
  const wanted = document.documentElement.dataset.mathjax;  // the build says where MathJax is, if it is
  if (!wanted && !window.MathJax) {
    mathjax = Promise.resolve(false);
    return mathjax;
  }
  window.MathJax = { startup: { typeset: false }, svg: { fontCache: "local" }, options: { enableMenu: false, enableAssistiveMml: false } };
  mathjax = new Promise((resolve) => {
    const script = el("script", { src: wanted || MATHJAX, async: true });
    script.addEventListener("load", () => {
      const ready = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
      (ready || Promise.resolve()).then(() => {
        const ok = typeof window.MathJax.tex2svg === "function";
        if (ok && typeof window.MathJax.svgStylesheet === "function") document.head.append(window.MathJax.svgStylesheet());
        resolve(ok);
      }, () => resolve(false));
    });
    script.addEventListener("error", () => resolve(false));
    document.head.append(script);
  });
  return mathjax;
}

let shownAt = 0;  // the latest derivation shown: a late typesetting of an older one is dropped

async function typeset(box, latex, mine) {
  // the maths replaces the text version once MathJax has typeset it (after the action is on screen)
  if (!latex || !(await loadMathJax()) || mine !== shownAt) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (mine !== shownAt) return;
  try {
    fill(box, el("div", { class: "maths" }, window.MathJax.tex2svg(latex, { display: true })));
  } catch (e) {
    // the text version stays
  }
}

function pathItem(p) {
  // one path: its nodes from the output down to the input, and the product of the local derivatives on it
  return el("li", {}, el("span", { class: "mono route" }, p.text), el("span", { class: "mono product" }, p.factors));
}

/** Show ∂f/∂``wrt`` for ``request``: the derivation and the paths (``asked``: the answer, already asked). */
export async function showDerivation(request, wrt, asked = null) {
  const box = $("derivation"), list = $("paths"), mine = ++shownAt;
  const a = await (asked || ask("derive", { ...request, wrt }));
  if (mine !== shownAt) return;
  if (!a.ok) {
    fill(box, el("p", { class: "error-inline" }, oneLine(a.error)));
    fill(list);
    return;
  }
  fill(box, el("pre", { class: "maths-text mono" }, a.text || a.latex || ""));
  typeset(box, a.latex, mine);
  const paths = a.paths || [];
  fill(list, paths.length ? paths.map(pathItem) : el("li", { class: "muted" }, a.paths_text || `no path: ∂f/∂${wrt} = 0`));
}
