// The step-through player: shows one step of the current pass (its picture, sentence and table row);
// the quiz replaces the step's answers (in the sentence, the table and the picture) with "?" and, in the
// backward pass, puts an input box in the sentence for each: checked against the true value at
// check_backward's tolerance, a wrong number named by the slip that gives it (hints made in Python).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var state = { mode: "backward", at: { backward: 0, forward: 0 }, quiz: false, revealed: {}, timer: null,
    boxes: {} };  // "step:box" → {first: right at the first check, right, tried, hint, note}
  var byId = function (id) { return document.getElementById(id); };
  var slider = byId("slider");
  var XLINK = "http://www.w3.org/1999/xlink";  // a namespace name, never fetched

  function section() { return document.querySelector('section.pass[data-mode="' + state.mode + '"]'); }
  function steps() { return data[state.mode]; }
  function masked(i) { return state.quiz && !state.revealed[state.mode + ":" + i]; }
  function boxOf(i, j) { return state.boxes[i + ":" + j] || {}; }
  function close(x, right) { return Math.abs(x - right) <= data.tol.atol + data.tol.rtol * Math.abs(right); }

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
      var k = Number(a.closest("[data-i]").dataset.i), typed = a.dataset.box !== undefined;
      var ask = k === i && hide && !(typed && boxOf(k, a.dataset.box).right);
      a.textContent = ask ? "?" : a.dataset.v;
      a.hidden = ask && typed;  // its input box stands in its place
    });
    sec.querySelectorAll(".box, .verdict, .hint").forEach(function (el) {
      var k = Number(el.closest("[data-i]").dataset.i), b = boxOf(k, el.dataset.box), cls = el.classList;
      if (cls.contains("box")) { el.hidden = !(k === i && hide && !b.right); return; }
      var verdict = b.note || (b.tried ? (b.right ? "✓ right" : "✗ wrong") : null);
      var spec = data.backward[k].boxes[Number(el.dataset.box)];
      var text = cls.contains("hint") ? (b.tried && !b.right && !b.note ? spec.label + " — " + b.hint : null) : verdict;
      el.hidden = !state.quiz || !text;
      el.textContent = text || "";  // plain text: the hints' names are never markup
      cls.toggle("right", cls.contains("verdict") && !b.note && b.right === true);
      cls.toggle("wrong", cls.contains("verdict") && !b.note && b.right === false);
    });
    var tried = Object.keys(state.boxes).filter(function (key) { return state.boxes[key].tried; });
    var first = tried.filter(function (key) { return state.boxes[key].first; });
    byId("score").textContent = "score: " + first.length + " of " + tried.length + " right";
    byId("score").hidden = !state.quiz;
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

  function readNumber(s) {  // a number or a fraction of two: -0.25, 1e-3, −4, 1/4; null when it is not one
    var num = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?)";
    var t = s.replace(/[\u2212\u2013]/g, "-").replace(/[\s\u2248]/g, "");  // − and ≈ as the page writes them
    var m = new RegExp("^" + num + "(?:/" + num + ")?$", "i").exec(t);
    var x = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
    return isFinite(x) ? x : null;
  }

  function check(box) {
    var i = Number(box.closest("[data-i]").dataset.i), j = box.dataset.box, step = data.backward[i];
    var spec = step.boxes[Number(j)], x = readNumber(box.querySelector("input").value);
    var b = state.boxes[i + ":" + j] = boxOf(i, j);
    b.note = x === null ? "type a number (-0.5, 1/4)" : null;
    if (x !== null) {
      b.right = close(x, spec.v) || x === spec.shown;  // the number as the page writes it is right too
      if (!b.tried) { b.first = b.right; b.tried = true; }
      var slip = spec.hints.filter(function (h) { return close(x, h[0]); })[0];
      b.hint = slip ? slip[1] : "no common slip gives this number: try again, or press “reveal”";
      if (step.boxes.every(function (_, m) { return boxOf(i, m).right; })) { state.revealed["backward:" + i] = true; }
    }
    show();
    var open = box.closest(".sentence").querySelector(".box:not([hidden]) input");
    if (b.right && open) { open.focus(); } else if (b.right) { document.activeElement.blur(); }
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
  document.querySelectorAll(".box").forEach(function (box) {
    var input = box.querySelector("input");
    box.querySelector("button.check").addEventListener("click", function () { check(box); });
    input.addEventListener("focus", stop);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); check(box); }
      if (e.key === "Escape") { input.blur(); }
    });
  });
  document.querySelectorAll("button.mode").forEach(function (b) {
    b.addEventListener("click", function () { stop(); state.mode = b.dataset.mode; show(); });
  });
  document.querySelectorAll(".picture svg").forEach(function (svg) {
    // shrink a wide drawing to the window, but not below 60 %: past that, scroll sideways
    svg.style.minWidth = Math.round(svg.width.baseVal.value * 0.6) + "px";
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.target.classList.contains("answer") || e.altKey || e.ctrlKey || e.metaKey) {
      return;  // the slider moves itself; in an input box the arrows move the caret
    }
    if (e.key === "ArrowRight") { stop(); move(1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { stop(); move(-1); e.preventDefault(); }
  });
  show();
})();
