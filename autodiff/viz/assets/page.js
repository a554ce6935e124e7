// The step-through player: shows one step of the current pass (its picture, sentence and table row);
// the quiz replaces the step's answers (in the sentence, the table and the picture) with "?".
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var state = { mode: "backward", at: { backward: 0, forward: 0 }, quiz: false, revealed: {}, timer: null };
  var byId = function (id) { return document.getElementById(id); };
  var slider = byId("slider");
  var XLINK = "http://www.w3.org/1999/xlink";  // a namespace name, never fetched

  function section() { return document.querySelector('section.pass[data-mode="' + state.mode + '"]'); }
  function steps() { return data[state.mode]; }
  function masked(i) { return state.quiz && !state.revealed[state.mode + ":" + i]; }

  function maskPicture(frame, step, hide) {
    // the answers' numbers in the drawing: the text in the pass's ink inside each answer node
    var ink = data.ink[state.mode];
    frame.querySelectorAll("g.node").forEach(function (g) {
      var title = g.querySelector("title");
      if (!title || step.answers.indexOf(title.textContent) < 0) { return; }
      g.querySelectorAll("a").forEach(function (a) {  // the tooltip holds the exact numbers: hidden too
        var tip = a.getAttributeNS(XLINK, "title");
        if (tip !== null && a.dataset.tip === undefined) { a.dataset.tip = tip; }
        if (hide) { a.removeAttributeNS(XLINK, "title"); } else if (a.dataset.tip !== undefined) {
          a.setAttributeNS(XLINK, "xlink:title", a.dataset.tip);
        }
      });
      g.querySelectorAll("text").forEach(function (t) {
        if ((t.getAttribute("fill") || "").toLowerCase() !== ink) { return; }
        if (t.dataset.v === undefined) { t.dataset.v = t.textContent; }
        t.textContent = hide ? "?" : t.dataset.v;
      });
    });
  }

  function show() {
    var sec = section(), i = state.at[state.mode], list = steps(), hide = masked(i);
    document.querySelectorAll("section.pass").forEach(function (s) { s.hidden = s !== sec; });
    sec.querySelectorAll(".frame, .sentence").forEach(function (el) { el.hidden = Number(el.dataset.i) !== i; });
    sec.querySelectorAll("tr[data-i]").forEach(function (tr) {
      var k = Number(tr.dataset.i);
      tr.classList.toggle("current", k === i);
      tr.hidden = state.quiz && k > i;  // the quiz shows no row of a step not reached yet
    });
    sec.querySelectorAll(".ans").forEach(function (a) {
      var k = Number(a.closest("[data-i]").dataset.i);
      a.textContent = k === i && hide ? "?" : a.dataset.v;
    });
    sec.querySelectorAll(".frame").forEach(function (f) {
      var k = Number(f.dataset.i);
      maskPicture(f, list[k], k === i && hide);
    });
    slider.max = String(list.length - 1);
    slider.value = String(i);
    byId("where").textContent = list[i].where + (list[i].node === null ? "" : ": " + list[i].node);
    byId("prev").disabled = i === 0;
    byId("next").disabled = i === list.length - 1;
    byId("reveal").hidden = !state.quiz;
    byId("summary").hidden = state.quiz;  // the final gradients are the last answers
    byId("reveal").disabled = !hide || list[i].answers.length === 0;
    document.querySelectorAll("button.mode").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === state.mode));
    });
    document.body.dataset.mode = state.mode;
    document.body.dataset.step = String(i);
  }

  function go(i) {
    var n = steps().length;
    state.at[state.mode] = Math.max(0, Math.min(n - 1, i));
    show();
  }
  function move(by) { go(state.at[state.mode] + by); }

  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    byId("play").textContent = "play";
  }
  function play() {
    if (state.timer !== null) { stop(); return; }
    if (state.at[state.mode] === steps().length - 1) { go(0); }
    byId("play").textContent = "pause";
    state.timer = setInterval(function () {
      if (state.at[state.mode] >= steps().length - 1) { stop(); } else { move(1); }
    }, 1200);
  }

  byId("prev").addEventListener("click", function () { stop(); move(-1); });
  byId("next").addEventListener("click", function () { stop(); move(1); });
  byId("play").addEventListener("click", play);
  slider.addEventListener("input", function () { stop(); go(Number(slider.value)); });
  byId("quiz").addEventListener("change", function (e) { state.quiz = e.target.checked; show(); });
  byId("reveal").addEventListener("click", function () {
    state.revealed[state.mode + ":" + state.at[state.mode]] = true;
    show();
  });
  document.querySelectorAll("button.mode").forEach(function (b) {
    b.addEventListener("click", function () { stop(); state.mode = b.dataset.mode; show(); });
  });
  document.querySelectorAll(".picture svg").forEach(function (svg) {
    // shrink a wide drawing to the window, but not below 60 %: past that, scroll sideways
    svg.style.minWidth = Math.round(svg.width.baseVal.value * 0.6) + "px";
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }  // the slider moves itself
    if (e.key === "ArrowRight") { stop(); move(1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { stop(); move(-1); e.preventDefault(); }
  });
  show();
})();
