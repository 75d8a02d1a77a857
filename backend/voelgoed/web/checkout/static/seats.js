// The seat picker's SVG map (progressive enhancement: the page is a working form without it).
// Draws the compact map (web/checkout/seat_map.py; in the page, else /events/<slug>/seats/map.json) and ticks the
// page's own seat checkboxes, so the list, the map and the server see one choice. Seats of a
// section not listed on the page travel as hidden `seat` fields. Tap toggles, drag pans, pinch,
// the wheel and the +/- buttons zoom; a large venue starts with its sections (tap one to zoom in).
// The map is a picture for sighted touch users (aria-hidden); keyboards and screen readers use
// the list of checkboxes below it, which stays in the page.
(function () {
  var box = document.querySelector('[data-seat-map]');
  var form = document.getElementById('seat-form');
  if (!box || !form || !window.fetch || !document.createElementNS) return;
  var NS = 'http://www.w3.org/2000/svg';
  var status = form.querySelector('[data-seat-status]');
  var t = function (k) { return box.getAttribute('data-t-' + k) || ''; };
  var el = function (name, attrs, parent) {
    var n = document.createElementNS(NS, name);
    for (var k in attrs) n.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(n);
    return n;
  };
  // circles: the live list of the map's circles, in seat order; rows: [first position, "Section Row"].
  var circles = [], rows = [], chosen = {}, m, svg, view, full, overlays = [];

  function label(p) {  // "Stalls B5": the row holding position p (binary search over the rows' starts)
    var lo = 0, hi = rows.length - 1, mid;
    while (lo < hi) { mid = (lo + hi + 1) >> 1; if (rows[mid][0] <= p) lo = mid; else hi = mid - 1; }
    return rows.length ? rows[lo][1] + m.p[p * 5] : '';
  }

  function checkbox(p) { return document.getElementById('seat-' + p); }
  function extra(p) { return form.querySelector('input[data-extra][value="' + p + '"]'); }
  function setChosen(p, on) {
    if (on) chosen[p] = true; else delete chosen[p];
    var c = circles[p];
    if (c) c.setAttribute('class', on ? 'on' : '');
    var cb = checkbox(p);
    if (cb) cb.checked = on;
    else if (on && !extra(p)) {
      var h = document.createElement('input');
      h.type = 'hidden'; h.name = 'seat'; h.value = p; h.setAttribute('data-extra', '');
      form.appendChild(h);
    } else if (!on && extra(p)) extra(p).remove();
    say();
  }
  function say() {
    var names = Object.keys(chosen).map(function (p) { return label(+p); });
    if (status) status.textContent = names.length ? t('chosen').replace('{seats}', names.join(', ')) : t('none');
  }
  function setView(v) {
    view = v;
    svg.setAttribute('viewBox', [v.x, v.y, v.w, v.h].join(' '));
  }
  function zoom(f, cx, cy) {
    var w = Math.min(full.w * 1.2, Math.max(full.w / 40, view.w * f)), h = w * view.h / view.w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    setView({ x: cx - (cx - view.x) * w / view.w, y: cy - (cy - view.y) * h / view.h, w: w, h: h });
  }
  function button(text, label, onclick, parent) {
    var b = document.createElement('button');
    b.type = 'button'; b.textContent = text; b.className = 'secondary';
    if (label) b.setAttribute('aria-label', label);
    b.addEventListener('click', onclick);
    parent.appendChild(b);
    return b;
  }
  function showSections(on) {
    overlays.forEach(function (o) { o.style.display = on ? '' : 'none'; });
  }

  function draw(data) {
    m = data;
    var p = m.p, n = p.length / 5, pos = 0, i, b, x, y, d, gap = 1e9, boxes = [];
    var minX = 1e9, minY = 1e9, maxX = -1e9, maxY = -1e9;
    // Pass 1: bounds (the view, each section's box) and the smallest seat spacing (the radius).
    m.s.forEach(function (sec) {
      var sx = 1e9, sy = 1e9, ex = -1e9, ey = -1e9;
      sec[1].forEach(function (row) {
        rows.push([pos, sec[0] + ' ' + row[0]]);
        for (var k = 0; k < row[1]; k++, pos++) {
          b = pos * 5; x = +p[b + 1] || 0; y = +p[b + 2] || 0;
          if (x < sx) sx = x; if (x > ex) ex = x; if (y < sy) sy = y; if (y > ey) ey = y;
          if (pos) { d = Math.hypot(x - p[b - 4], y - p[b - 3]); if (d > 0 && d < gap) gap = d; }
        }
      });
      boxes.push([sec[0], sx, sy, ex, ey]);
      if (sx < minX) minX = sx; if (ex > maxX) maxX = ex; if (sy < minY) minY = sy; if (ey > maxY) maxY = ey;
    });
    n = pos;
    var r = gap < 1e9 ? gap * 0.42 : 4, pad = r * 3, h = r / 2;
    full = { x: minX - pad, y: minY - pad, w: maxX - minX + 2 * pad, h: maxY - minY + 2 * pad };
    var tools = document.createElement('div');
    tools.className = 'map-tools';
    box.appendChild(tools);
    svg = el('svg', { class: 'map', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'xMidYMid meet' });
    setView(full);
    // Pass 2: one string for every seat, parsed once (far quicker than thousands of DOM calls on a
    // slow phone). Neighbouring seats of one colour share a <g fill>, so a circle carries only its
    // place and position; the seats stay in seat order (circles[p] is the p-th circle).
    var fills = m.c.map(function (c) { return String(c[2]).replace(/[^#0-9a-fA-F]/g, ''); });
    var out = '<g>', fill = null, f, c, taken;
    for (pos = 0; pos < n; pos++) {
      b = pos * 5; x = +p[b + 1] || 0; y = +p[b + 2] || 0; c = p[b + 3];
      taken = m.a.charAt(pos) !== 'a';
      f = !taken && c >= 0 && c < fills.length ? fills[c] : '#c8ccd4';
      if (f !== fill) { out += (fill === null ? '' : '</g>') + '<g fill="' + f + '">'; fill = f; }
      out += '<circle cx="' + x + '" cy="' + y + '" r="' + r + '" data-p="' + pos + (taken ? '" data-x=""/>' : '"/>');
      if (p[b + 4] & 1) out += '<rect x="' + (x - h) + '" y="' + (y - h) + '" width="' + r + '" height="' + r + '" fill="#fff" pointer-events="none"/>';
    }
    svg.innerHTML = out + (fill === null ? '' : '</g>') + '</g>';
    circles = svg.getElementsByTagName('circle');
    if (box.getAttribute('data-sections-first') === '1') {
      boxes.forEach(function (q) {
        var sx = q[1], sy = q[2], ex = q[3], ey = q[4];
        var g = el('g', { class: 'sec' }, svg);
        el('rect', { x: sx - pad, y: sy - pad, width: ex - sx + 2 * pad, height: ey - sy + 2 * pad, fill: '#1f3a5f', 'fill-opacity': '0.55', rx: pad, 'data-zoom': [sx - pad, sy - pad, ex - sx + 2 * pad, ey - sy + 2 * pad].join(' ') }, g);
        var label = el('text', { x: (sx + ex) / 2, y: (sy + ey) / 2, 'text-anchor': 'middle', fill: '#fff', 'pointer-events': 'none', 'font-size': Math.max(r * 4, (ex - sx) / 10) }, g);
        label.textContent = q[0];
        overlays.push(g);
      });
    }
    box.appendChild(svg);
    button('+', t('in'), function () { zoom(0.6); }, tools);
    button('−', t('out'), function () { zoom(1 / 0.6); }, tools);
    if (overlays.length) button(t('all'), '', function () { setView(full); showSections(true); }, tools);
    Array.prototype.forEach.call(form.querySelectorAll('input[name="seat"]'), function (i) {
      if (i.checked || i.type === 'hidden') chosen[i.value] = true;
    });
    Object.keys(chosen).forEach(function (k) { setChosen(k, true); });
    form.addEventListener('change', function (e) {
      var i = e.target;
      if (i.name === 'seat') setChosen(i.value, i.checked);
    });
    pointers();
    box.hidden = false;
    say();
    box.setAttribute('data-drawn', String(Math.round(performance.now())));  // for e2e/seat-picker.spec.ts
  }

  // Pointer gestures: a tap (little movement) picks; one finger drags; two fingers pinch.
  function pointers() {
    var down = {}, start = null, moved = false, pinch = 0;
    var toPlan = function (cx, cy) {
      var b = svg.getBoundingClientRect(), s = Math.max(view.w / b.width, view.h / b.height);
      return { s: s, x: view.x + (cx - b.left) * s - (b.width * s - view.w) / 2, y: view.y + (cy - b.top) * s - (b.height * s - view.h) / 2 };
    };
    svg.addEventListener('pointerdown', function (e) {
      down[e.pointerId] = { x: e.clientX, y: e.clientY };
      start = { x: e.clientX, y: e.clientY, view: view };
      moved = false;
    });
    svg.addEventListener('pointermove', function (e) {
      if (!down[e.pointerId]) return;
      down[e.pointerId] = { x: e.clientX, y: e.clientY };
      var ids = Object.keys(down);
      if (ids.length === 2) {
        var a = down[ids[0]], b = down[ids[1]], d = Math.hypot(a.x - b.x, a.y - b.y);
        if (pinch) { var c = toPlan((a.x + b.x) / 2, (a.y + b.y) / 2); zoom(pinch / d, c.x, c.y); }
        pinch = d; moved = true;
        return;
      }
      var dx = e.clientX - start.x, dy = e.clientY - start.y;
      if (!moved && Math.hypot(dx, dy) < 8) return;
      if (!moved) svg.setPointerCapture(e.pointerId);
      moved = true;
      var s = toPlan(0, 0).s;
      setView({ x: start.view.x - dx * s, y: start.view.y - dy * s, w: view.w, h: view.h });
    });
    var up = function (e) {
      delete down[e.pointerId];
      if (Object.keys(down).length < 2) pinch = 0;
      if (moved || e.type !== 'pointerup') return;
      var target = document.elementFromPoint(e.clientX, e.clientY);
      if (!target) return;
      var z = target.getAttribute('data-zoom');
      if (z) {
        var v = z.split(' ').map(Number);
        setView({ x: v[0], y: v[1], w: v[2], h: v[3] });
        showSections(false);
        return;
      }
      var p = target.getAttribute('data-p');
      if (p === null || target.hasAttribute('data-x')) return;
      setChosen(p, !chosen[p]);
    };
    svg.addEventListener('pointerup', up);
    svg.addEventListener('pointercancel', up);
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var c = toPlan(e.clientX, e.clientY);
      zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, c.x, c.y);
    }, { passive: false });
  }

  // The map's data comes in the page (<script type="application/json">, no second request);
  // map.json is the fallback for a page without it.
  var inline = document.getElementById('seat-map-data'), data = null;
  try { data = inline && inline.textContent ? JSON.parse(inline.textContent) : null; } catch (e) { data = null; }
  if (data) { draw(data); return; }
  fetch(box.getAttribute('data-seat-map'), { credentials: 'same-origin' })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) draw(data); })
    .catch(function () { /* the list below still works */ });
})();
