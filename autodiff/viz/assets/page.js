// The step-through player. Each pass has one drawing, made once; showing step i repaints it (the
// gradients, or the values, known after step i, "?" for the others; the step's box outlined, its gate
// marked, the edges into the gate bold: the lists come from page_picture.py), and shows the step's
// sentence and table rows. The quiz replaces the step's answers (sentence, table, picture) with "?"
// and, in the backward pass, asks for each edge's local derivative, contribution and new gradient in
// input boxes made here: checked at check_backward's tolerance, a wrong number named by the slip that
// gives it (hints made in Python), a score of first tries. User text is only ever set as text.
// A pass's drawing may arrive after the player starts (the playground lays out the pass on screen
// first): its section then gets a "picture" event. window.autodiffPlayer starts the player again on a
// new body of the same document (the playground's frame, reused); the old one's listeners go with it.
(window.autodiffPlayer = function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var state = { mode: "backward", at: { backward: 0, forward: 0 }, quiz: false, revealed: {}, timer: null,
    boxes: {} };  // "step:box" → {first: right at the first check, right, tried, hint, note}
  var byId = function (id) { return document.getElementById(id); };
  var slider = byId("slider");
  var XLINK = "http://www.w3.org/1999/xlink";  // a namespace name, never fetched
  var pictures = {};

  function num(x) {  // a number of the page's JSON: "inf", "-inf", "nan" stand for what JSON cannot hold
    if (typeof x !== "string") { return x; }
    return x === "nan" ? NaN : (x.charAt(0) === "-" ? -Infinity : Infinity);
  }
  function close(x, right) {  // text/slips.py's agrees: an infinity agrees with the same infinity only
    if (!isFinite(x) || !isFinite(right)) { return x === right; }
    return Math.abs(x - right) <= data.tol.atol + data.tol.rtol * Math.abs(right);
  }
  function same(x, y) { return x === y || (x !== x && y !== y); }  // as numbers, nan the same as nan
  function section(mode) { return document.querySelector('section.pass[data-mode="' + (mode || state.mode) + '"]'); }
  function steps() { return data[state.mode]; }
  function masked(i) { return state.quiz && !state.revealed[state.mode + ":" + i]; }
  function boxOf(i, j) { return state.boxes[i + ":" + j] || {}; }
  function set(list) { var out = {}; (list || []).forEach(function (x) { out[x] = true; }); return out; }

  function picture(mode) {
    // the drawing's boxes by id: the number to repaint (the text in the pass's ink), the shapes drawn
    // before the label (outlined, filled), the tooltip; its edges by title ("n0->n2_op")
    var svg = section(mode).querySelector(".picture svg"), ink = data.ink[mode], nodes = {}, edges = {};
    if (!svg) { return null; }  // not laid out yet: a "picture" event comes when it is
    svg.querySelectorAll("g.node").forEach(function (g) {
      var a = g.querySelector("a"), n = { g: g, a: a, fills: [], text: null, before: true };
      g.querySelectorAll("path, polygon, ellipse, polyline, text").forEach(function (el) {
        if (el.tagName === "text") {
          n.before = false;
          if (n.text === null && (el.getAttribute("fill") || "").toLowerCase() === ink) { n.text = el; n.shown = el.textContent; }
        } else if (n.before) {
          el.classList.add("shape");
          if (el.getAttribute("fill") !== "none") { n.fills.push(el); }
        }
      });
      n.tip = a ? a.getAttributeNS(XLINK, "title") : null;
      nodes[g.querySelector("title").textContent] = n;
    });
    svg.querySelectorAll("g.edge").forEach(function (g) { edges[g.querySelector("title").textContent] = g; });
    svg.style.minWidth = Math.round(svg.width.baseVal.value * 0.6) + "px";  // shrink to the window, not below 60 %
    return { nodes: nodes, edges: edges };
  }

  function retip(n, key, part) {
    // the tooltip ("x, data = 3.0, grad = -4.0, op = leaf") with its "key ..." part replaced; null: no
    // tooltip; undefined: the drawing's own
    if (n.a === null || n.tip === null) { return; }
    if (part === null) { n.a.removeAttributeNS(XLINK, "title"); return; }
    if (part === undefined) { n.a.setAttributeNS(XLINK, "xlink:title", n.tip); return; }
    var at = n.tip.lastIndexOf(", " + key + " = "), end = n.tip.lastIndexOf(", op = ");
    n.a.setAttributeNS(XLINK, "xlink:title", at < 0 || end < at ? n.tip : n.tip.slice(0, at + 2) + part + n.tip.slice(end));
  }

  function showPicture(i, hide) {
    if (!pictures[state.mode]) { pictures[state.mode] = picture(state.mode); }
    if (!pictures[state.mode]) { return; }
    var pic = pictures[state.mode], list = steps(), step = list[i], ink = data.ink[state.mode];
    var back = state.mode === "backward", known = {}, asked = set(hide ? step.answers : []), k;
    if (back) {  // [id, the number as shown, the fill, the exact number]: the start, then each step's
      data.start.forEach(function (r) { known[r[0]] = r; });
      for (k = 1; k <= i; k++) { list[k].paint.forEach(function (r) { known[r[0]] = r; }); }
    } else {
      for (k = 0; k <= i; k++) { known[list[k].id] = true; }
    }
    var active = set(step.active), edges = set(step.edges);
    Object.keys(pic.nodes).forEach(function (id) {
      var n = pic.nodes[id], got = known[id], shown = got && !asked[id], cls = n.g.classList;
      cls.toggle("cur", id === step.cur);
      cls.toggle("gate", id === step.gate);
      cls.toggle("active", active[id] === true && id !== step.cur);
      if (n.text === null) { return; }
      n.text.setAttribute("fill", got ? ink : data.ink.muted);
      if (back) {
        n.text.textContent = shown ? got[1] : "?";
        n.fills.forEach(function (s) { s.setAttribute("fill", shown ? got[2] : data.ink.neutral); });
        retip(n, "grad", asked[id] ? null : (got ? "grad = " + got[3] : "grad not computed yet"));
      } else {
        n.text.textContent = shown ? n.shown : "?";
        retip(n, "data", asked[id] ? null : (got ? undefined : "data not computed yet"));
      }
    });
    Object.keys(pic.edges).forEach(function (t) { pic.edges[t].classList.toggle("on", edges[t] === true); });
  }

  function element(tag, cls, j) {
    var el = document.createElement(tag);
    el.className = cls;
    if (j !== undefined) { el.dataset.box = j; }
    return el;
  }

  function makeBoxes(sentence, i) {
    // the quiz's input boxes of backward step i, made the first time the quiz asks it
    if (sentence.dataset.made) { return; }
    sentence.dataset.made = "yes";
    sentence.querySelectorAll(".ans[data-box]").forEach(function (a) {
      var j = a.dataset.box, spec = data.backward[i].boxes[Number(j)];
      var box = element("span", "box", j), input = element("input", "answer"), button = element("button", "check");
      input.type = "text";
      input.size = 9;
      input.placeholder = "?";
      input.autocomplete = "off";
      input.spellcheck = false;
      input.setAttribute("inputmode", "decimal");
      input.setAttribute("aria-label", spec.label);
      button.type = "button";
      button.textContent = "check";
      box.append(input, button);
      var verdict = element("span", "verdict", j), hint = element("span", "hint", j);
      box.hidden = verdict.hidden = hint.hidden = true;
      a.after(box, verdict);
      (a.closest("li") || sentence).appendChild(hint);
      button.addEventListener("click", function () { check(box); });
      input.addEventListener("focus", stop);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); check(box); }
        if (e.key === "Escape") { input.blur(); }
      });
    });
  }

  function show() {
    var sec = section(), i = state.at[state.mode], list = steps(), hide = masked(i);
    var sentence = sec.querySelector('.sentence[data-i="' + i + '"]');
    document.querySelectorAll("section.pass").forEach(function (s) { s.hidden = s !== sec; });
    sec.querySelectorAll(".sentence").forEach(function (el) { el.hidden = el !== sentence; });
    if (state.quiz && state.mode === "backward") { makeBoxes(sentence, i); }
    sec.querySelectorAll("tr[data-i]").forEach(function (tr) {
      var k = Number(tr.dataset.i);
      tr.classList.toggle("current", k === i);
      tr.hidden = state.quiz && k > i;  // the quiz shows no row of a step not reached yet
    });
    sec.querySelectorAll(".ans").forEach(function (a) {
      var k = Number(a.closest("[data-i]").dataset.i), typed = a.dataset.box !== undefined;
      var ask = k === i && hide && !(typed && boxOf(k, a.dataset.box).right);
      a.textContent = ask ? "?" : a.dataset.v;
      a.hidden = ask && typed && state.mode === "backward";  // its input box stands in its place
    });
    sentence.querySelectorAll(".box, .verdict, .hint").forEach(function (el) {
      var b = boxOf(i, el.dataset.box), cls = el.classList;
      if (cls.contains("box")) { el.hidden = !(hide && !b.right); return; }
      var verdict = b.note || (b.tried ? (b.right ? "✓ right" : "✗ wrong") : null);
      var spec = data.backward[i].boxes[Number(el.dataset.box)];
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
    showPicture(i, hide);
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

  function readNumber(s) {
    // a number, a fraction of two or an infinity: -0.25, 1e-3, −4, 1/4, inf, −∞, nan; undefined when none
    var num = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?)";
    var t = s.replace(/[\u2212\u2013]/g, "-").replace(/[\s\u2248]/g, "").toLowerCase();  // − and ≈ as the page writes them
    var inf = /^([-+]?)(?:\u221e|inf|infinity)$/.exec(t);
    if (inf) { return inf[1] === "-" ? -Infinity : Infinity; }
    if (t === "nan") { return NaN; }
    var m = new RegExp("^" + num + "(?:/" + num + ")?$").exec(t);
    var x = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
    return isFinite(x) ? x : undefined;
  }

  function check(box) {
    var i = Number(box.closest("[data-i]").dataset.i), j = box.dataset.box, step = data.backward[i];
    var spec = step.boxes[Number(j)], x = readNumber(box.querySelector("input").value);
    var b = state.boxes[i + ":" + j] = boxOf(i, j);
    b.note = x === undefined ? "type a number (-0.5, 1/4, inf)" : null;
    if (x !== undefined) {
      b.right = close(x, num(spec.v)) || same(x, num(spec.shown));  // the number as the page writes it is right too
      if (!b.tried) { b.first = b.right; b.tried = true; }
      var slip = spec.hints.filter(function (h) { return close(x, num(h[0])); })[0];
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
      if (!slider.isConnected) { clearInterval(state.timer); return; }  // a new player has taken the page
      if (state.at[state.mode] >= steps().length - 1) { stop(); } else { move(1); }
    }, 1200);
  }

  document.querySelectorAll("section.pass").forEach(function (s) {
    s.addEventListener("picture", function () {  // its drawing has just been put in place
      pictures[s.dataset.mode] = null;
      if (s.dataset.mode === state.mode) { show(); }
    });
  });
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
  document.body.addEventListener("keydown", function (e) {  // the body's: it goes when a new player comes
    if (e.target === slider || e.target.classList.contains("answer") || e.altKey || e.ctrlKey || e.metaKey) {
      return;  // the slider moves itself; in an input box the arrows move the caret
    }
    if (e.key === "ArrowRight") { stop(); move(1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { stop(); move(-1); e.preventDefault(); }
  });
  show();
})();
