/* report.html's script (nas-env): draws each interactive figure as SVG from its embedded JSON (hover: agent,
   seed and value; agent switches; "show seeds"), and sorts tables on a header click. Hand-written, no library. */
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const H = 330, M = { l: 66, r: 16, t: 28, b: 44 };
  const meta = JSON.parse(document.getElementById("report-meta").textContent);
  const off = new Set();
  const tip = document.getElementById("tip");
  let uid = 0, hot = null;  // clip-path ids; the series under the mouse

  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) if (attrs[k] !== undefined && attrs[k] !== "") e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return parent ? parent.appendChild(e) : e;
  }
  function html(tag, cls, parent, text) {
    const e = document.createElement(tag);
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    return parent ? parent.appendChild(e) : e;
  }
  const ok = (v) => v !== null && v !== undefined && isFinite(v);
  function fmt(v, log) {
    if (!ok(v)) return "n/a";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(log ? 0 : 2);
    return String(+v.toPrecision(log ? 2 : 4));
  }
  const short = (label) => (label || "value").replace(", log scale", "").replace(" (count)", "");

  function ticks(lo, hi, log) {
    const out = [];
    if (log) {
      const e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi)), n = e1 - e0;
      const mults = n <= 2 ? [1, 2, 5] : [1], step = n <= 2 ? 1 : Math.ceil(n / 6);
      for (let e = e0; e <= e1; e += step) {
        for (const m of mults) { const v = m * Math.pow(10, e); if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v); }
      }
      return out;
    }
    const raw = (hi - lo) / 6, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      out.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
    }
    return out;
  }

  function extent(p, axis) {
    const log = axis === "x" ? p.xlog : p.ylog;
    if (axis === "y" && p.ylim) return p.ylim;
    if (axis === "x" && p.xticks) return [-0.6, p.xticks.length - 0.4];
    let lo = Infinity, hi = -Infinity;
    for (const s of p.series) {
      if (axis === "x" && s.kind === "hline") continue;
      const arrays = axis === "x" ? [s.x] : s.lo ? [s.y, s.lo, s.hi] : [s.y];
      for (const a of arrays) for (const v of a || []) {
        if (ok(v) && (!log || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    if (!isFinite(lo)) return log ? [0.1, 10] : [0, 1];
    if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / Math.pow(hi / lo, 0.03), hi * Math.pow(hi / lo, 0.03)];
    const pad = lo === hi ? 0.5 : 0.03 * (hi - lo);
    return [lo - pad, hi + pad];
  }

  function scale(lo, hi, a, b, log) {
    const f = log ? Math.log10 : (v) => v, f0 = f(lo), f1 = f(hi);
    const s = (v) => a + (f(v) - f0) / (f1 - f0) * (b - a);
    s.inv = (px) => { const u = f0 + (px - a) / (b - a) * (f1 - f0); return log ? Math.pow(10, u) : u; };
    return s;
  }

  function project(s, P, key) {  // [X, Y, index, starts a new piece] of every drawable point
    const out = [];
    let gap = true;
    const ys = s[key || "y"];
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i], y = ys[i];
      if (!ok(x) || !ok(y) || (P.p.xlog && x <= 0) || (P.p.ylog && y <= 0)) { gap = true; continue; }
      out.push([P.sx(x), P.sy(y), i, gap]);
      gap = false;
    }
    return out;
  }

  function drawSeries(s, P) {
    const g = el("g", { "data-agent": s.agent || undefined, class: s.seeds ? "seeds" : undefined }, P.plot);
    const style = { stroke: s.color, "stroke-width": s.width, fill: "none", "stroke-dasharray": s.dash,
      "stroke-opacity": s.alpha };
    if (s.kind === "band") {
      const hi = project(s, P, "hi"), lo = project(s, P, "lo").reverse();
      if (hi.length) el("path", { d: "M" + hi.concat(lo).map((q) => q[0] + "," + q[1]).join("L") + "Z",
        fill: s.color, "fill-opacity": 0.18, stroke: "none" }, g);
      s.pts = [];
    } else if (s.kind === "hline") {
      const Y = P.sy(s.y[0]);
      el("path", Object.assign({ d: `M${M.l},${Y}H${P.W - M.r}` }, style), g);
      s.pts = [[M.l, Y, 0, true], [P.W - M.r, Y, 0, false]];
    } else if (s.kind === "points" || s.kind === "errorbar") {
      s.pts = project(s, P);
      for (const q of s.pts) {
        const Y = Math.min(Math.max(q[1], M.t), H - M.b), clamped = Y !== q[1];
        q[1] = Y;
        if (s.kind === "points") {
          el("circle", { cx: q[0], cy: Y, r: 3, fill: clamped ? "none" : s.color, stroke: s.color,
            "fill-opacity": 0.7, "stroke-width": clamped ? 1 : 0 }, g);
        } else {
          el("path", Object.assign({ d: `M${q[0]},${P.sy(s.lo[q[2]])}V${P.sy(s.hi[q[2]])}` }, style), g);
          el("path", { d: `M${q[0]},${Y - 5}l5,5l-5,5l-5,-5Z`, fill: s.color }, g);
        }
      }
    } else {
      s.pts = project(s, P);
      let d = "";
      s.pts.forEach((q, k) => {
        if (q[3]) d += `M${q[0]},${q[1]}`;
        else d += s.kind === "step" ? `H${q[0]}V${q[1]}` : `L${q[0]},${q[1]}`;
        if (s.kind === "step" && k === s.pts.length - 1) d += "h0.01";
      });
      el("path", Object.assign({ d: d }, style), g);
    }
    s.g = g;
  }

  function drawPanel(fig, p, host) {
    const W = p.width || 520;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": p.title || fig.spec.title }, host);
    svg.style.width = W + "px";
    const [x0, x1] = extent(p, "x"), [y0, y1] = extent(p, "y");
    const P = { fig, p, svg, W, sx: scale(x0, x1, M.l, W - M.r, p.xlog), sy: scale(y0, y1, H - M.b, M.t, p.ylog) };
    const xt = p.xticks || ticks(x0, x1, p.xlog).map((v) => [v, fmt(v, p.xlog)]);
    for (const [v, label] of xt) {
      el("line", { x1: P.sx(v), x2: P.sx(v), y1: M.t, y2: H - M.b, class: "grid" }, svg);
      const text = el("text", { x: P.sx(v), y: H - M.b + 14, "text-anchor": "middle" }, svg);
      String(label).split("\n").forEach((line, k) => el("tspan", { x: P.sx(v), dy: k ? 12 : 0 }, text, line));
    }
    for (const v of ticks(y0, y1, p.ylog)) {
      el("line", { x1: M.l, x2: W - M.r, y1: P.sy(v), y2: P.sy(v), class: "grid" }, svg);
      el("text", { x: M.l - 5, y: P.sy(v) + 4, "text-anchor": "end" }, svg, fmt(v, p.ylog));
    }
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: "none", class: "axis" }, svg);
    el("text", { x: (M.l + W - M.r) / 2, y: 16, "text-anchor": "middle", class: "ptitle" }, svg, p.title);
    el("text", { x: (M.l + W - M.r) / 2, y: H - 8, "text-anchor": "middle" }, svg, p.xlabel);
    el("text", { transform: `translate(13,${(M.t + H - M.b) / 2}) rotate(-90)`, "text-anchor": "middle" }, svg,
      p.ylabel);
    const id = "clip" + uid++;
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }, el("clipPath", { id: id },
      el("defs", {}, svg)));
    P.plot = el("g", { "clip-path": `url(#${id})` }, svg);
    p.series.forEach((s) => drawSeries(s, P));
    svg.addEventListener("mousemove", (ev) => hover(P, ev));
    svg.addEventListener("mouseleave", unhover);
  }

  const visible = (fig, s) => !(s.agent && off.has(s.agent)) && (!s.seeds || fig.root.classList.contains("show-seeds"));
  function near(px, py, ax, ay, bx, by) {  // [squared distance, position along the segment]
    const dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy;
    const t = L ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / L)) : 0;
    return [Math.pow(ax + t * dx - px, 2) + Math.pow(ay + t * dy - py, 2), t];
  }

  function hover(P, ev) {
    const r = P.svg.getBoundingClientRect();
    const px = (ev.clientX - r.left) * P.W / r.width, py = (ev.clientY - r.top) * H / r.height;
    let best = null, bd = 100;
    const take = (d, s, x, y, i) => { if (d < bd) { bd = d; best = { s, x, y, i }; } };
    for (const s of P.p.series) {
      if (!s.pts || !s.pts.length || !visible(P.fig, s)) continue;
      const q = s.pts;
      if (s.kind === "errorbar") {
        for (const [X, , i] of q) take(near(px, py, X, P.sy(s.lo[i]), X, P.sy(s.hi[i]))[0], s, s.x[i], s.y[i], i);
        continue;
      }
      if (s.kind === "points" || q.length === 1) {
        for (const [X, Y, i] of q) take(Math.pow(X - px, 2) + Math.pow(Y - py, 2), s, s.x[i], s.y[i], i);
        continue;
      }
      for (let k = 1; k < q.length; k++) {
        if (q[k][3]) continue;
        const [ax, ay, i] = q[k - 1], [bx, by, j] = q[k];
        if (s.kind === "step") {
          const [d1, t1] = near(px, py, ax, ay, bx, ay);
          take(d1, s, P.sx.inv(ax + t1 * (bx - ax)), s.y[i], i);
          take(near(px, py, bx, ay, bx, by)[0], s, s.x[j], s.y[j], j);
        } else {
          const [d, t] = near(px, py, ax, ay, bx, by);
              take(d, s, P.sx.inv(ax + t * (bx - ax)), s.kind === "hline" ? s.y[0] : P.sy.inv(ay + t * (by - ay)),
            t < 0.5 ? i : j);
        }
      }
    }
    if (!best) return unhover();
    const s = best.s, seed = s.seed !== undefined ? s.seed : s.point_seeds ? s.point_seeds[best.i] : undefined;
    const head = (s.agent && !s.label.startsWith(s.agent) ? s.agent + ": " : "") + s.label +
      (seed !== undefined ? " · seed " + seed : "");
    let value = (P.p.xticks ? "" : `${short(P.p.xlabel)} ${fmt(best.x)} · `) + `${short(P.p.ylabel)} ${fmt(best.y)}`;
    if (s.kind === "errorbar") value += ` [${fmt(s.lo[best.i])}, ${fmt(s.hi[best.i])}]`;
    tip.textContent = head + "\n" + value + (s.tips ? "\n" + s.tips[best.i] : "");
    tip.hidden = false;
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 4) + "px";
    if (hot !== s.g) { unhover(true); hot = s.g; hot.classList.add("hot"); }
  }
  function unhover(keepTip) {
    if (hot) hot.classList.remove("hot");
    hot = null;
    tip.hidden = tip.hidden || keepTip !== true;
  }

  function buildFigure(root) {
    const spec = JSON.parse(root.querySelector("script.figdata").textContent);
    const fig = { root, spec };
    if (spec.seeds_shown) root.classList.add("show-seeds");
    const top = root.insertBefore(html("div", ""), root.firstChild);
    html("div", "ftitle", top, spec.title);
    if (spec.note) html("div", "fnote", top, spec.note);
    const host = html("div", "panels", top);
    spec.panels.forEach((p) => drawPanel(fig, p, host));
    const legend = html("div", "legend", top), seen = new Set(), all = [].concat(...spec.panels.map((p) => p.series));
    const byAgent = new Set(all.map((s) => s.agent).filter((a) => a)).size > 1;  // else: one entry per curve
    for (const s of all) {
      const key = byAgent && s.agent ? s.agent : s.label;
      if (s.seeds || s.kind === "band" || seen.has(key)) continue;
      seen.add(key);
      const item = html("span", "item", legend);
      html("i", "", item).style.background = s.color;
      item.appendChild(document.createTextNode(byAgent && s.agent ? s.agent : s.label));
      if (byAgent && s.agent) { item.dataset.toggle = s.agent; item.title = "click: hide or show " + s.agent; }
      item.addEventListener("click", () => { if (byAgent && s.agent) toggle(s.agent); });
    }
    const seeds = all.some((s) => s.seeds);
    if (seeds) {
      const label = html("label", "", legend), box = html("input", "", label);
      Object.assign(box, { type: "checkbox", checked: !!spec.seeds_shown });
      label.appendChild(document.createTextNode(" show seeds"));
      box.addEventListener("change", () => root.classList.toggle("show-seeds", box.checked));
    }
  }

  function toggle(agent) {
    if (off.has(agent)) off.delete(agent); else off.add(agent);
    document.querySelectorAll("[data-agent]").forEach((n) => {
      n.style.display = off.has(n.getAttribute("data-agent")) ? "none" : "";
    });
    document.querySelectorAll("[data-toggle]").forEach((n) => n.classList.toggle("off", off.has(n.dataset.toggle)));
    document.querySelectorAll("#agents input").forEach((b) => { b.checked = !off.has(b.value); });
  }

  function agentSwitches() {
    const bar = document.getElementById("agents");
    if (!bar || meta.agents.length < 2) return;
    html("strong", "", bar, "Agents");
    for (const a of meta.agents) {
      const label = html("label", "", bar), box = html("input", "", label);
      Object.assign(box, { type: "checkbox", checked: true, value: a });
      html("span", "swatch", label).style.background = meta.colors[a];
      label.appendChild(document.createTextNode(a));
      box.addEventListener("change", () => toggle(a));
    }
  }

  function sortKey(td) {
    const t = td.textContent.trim().replace(/\u2212/g, "-");
    const m = t.match(/^[+-]?(\d[\d,]*(\.\d+)?|\.\d+)(e[+-]?\d+)?/i);
    return m ? parseFloat(m[0].replace(/,/g, "")) : null;
  }
  function sortable(table) {
    const agents = new Set(meta.agents);
    for (const row of table.tBodies[0].rows) {
      const first = row.cells[0] ? row.cells[0].textContent.trim() : "";
      if (agents.has(first)) row.setAttribute("data-agent", first);
    }
    const head = table.tHead;  // every table the page writes has one
    if (!head || !head.rows.length) return;
    for (const th of head.rows[0].cells) {
      th.addEventListener("click", () => {
        const col = th.cellIndex, dir = th.classList.contains("asc") ? -1 : 1;
        for (const other of head.rows[0].cells) other.classList.remove("asc", "desc");
        th.classList.add(dir === 1 ? "asc" : "desc");
        const body = table.tBodies[0], rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const ca = a.cells[col], cb = b.cells[col];
          const ka = ca ? sortKey(ca) : null, kb = cb ? sortKey(cb) : null;
          if (ka !== null && kb !== null) return (ka - kb) * dir;
          if (ka !== null || kb !== null) return ka !== null ? -1 : 1;
          return (ca ? ca.textContent : "").localeCompare(cb ? cb.textContent : "") * dir;
        });
        rows.forEach((r) => body.appendChild(r));
      });
    }
  }

  agentSwitches();
  document.querySelectorAll("figure.nasfig").forEach(buildFigure);
  document.querySelectorAll("table.sortable").forEach(sortable);
})();
