// The explorer: settings in, runs of the library (the WebAssembly module's xoptim_fit, which is
// `xoptim-viz fit`) out, drawn as SVG. No optimizer is computed here: this script only turns
// settings into fit's flags, parses its CSV and draws.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const MAP = { size: 520, left: 46, top: 12, plot: 460 };
  const LOSS = { width: 520, height: 300, left: 58, right: 12, top: 12, bottom: 34 };
  // Distinct colours, then dash patterns: no two optimizers share both.
  const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#393b79', '#637939'];
  const DASHES = ['', '6 3', '2 2', '8 3 2 3'];
  const DEFAULT_RACE = ['sgd', 'momentum', 'adam', 'lamb'];
  // Sliders that override a hyperparameter for every selected optimizer that takes it.
  const OVERRIDES = [
    { id: 'momentum', label: 'momentum / β1', keys: ['momentum', 'beta1'], min: 0, max: 0.999, step: 0.001, value: 0.9 },
    { id: 'beta2', label: 'β2', keys: ['beta2'], min: 0.5, max: 0.9999, step: 0.0001, value: 0.999 },
    { id: 'weight_decay', label: 'weight decay', keys: ['weight_decay'], min: 0, max: 1, step: 0.001, value: 0.01 },
    { id: 'eps', label: 'eps (log)', keys: ['eps'], min: -12, max: 0, step: 0.1, value: -8, log: true },
    { id: 'trust_clip', label: 'LAMB clamp (trust_clip)', keys: ['trust_clip'], min: 0.1, max: 20, step: 0.1, value: 10 },
  ];
  const SPECIAL = new Set(['optimizer', 'loss', 'objective', 'init', 'steps', 'data_seed']);

  let M = null;
  let optimizers = [];   // [{name, summary, flags: Map(flag -> {value, isSwitch})}]
  let objectives = {};   // name -> {box, start}
  let map = null;        // the problem's map (module.cpp's map_json)
  let runs = [];         // [{name, settings, steps, error, diverged}]
  let frame = 100;
  let playing = false;
  let lastFrameTime = 0;
  let scheduled = null;

  const el = (id) => document.getElementById(id);
  const state = {
    problem: 'mse', dataSeed: 0, noise: 1, points: 100, steps: 100, lr: 0.1, init: null,
    race: new Set(DEFAULT_RACE), overrides: {},
  };

  // ---- the module ---------------------------------------------------------------------------
  function call(fn, text) {
    const status = text === undefined ? M.ccall(fn, 'number', [], []) : M.ccall(fn, 'number', ['string'], [text]);
    return { status, out: M.UTF8ToString(M._xoptim_output()), err: M.UTF8ToString(M._xoptim_errors()) };
  }

  /// A number as fit reads it back to the same double (JavaScript's shortest round trip).
  function numberText(key, v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(key + ': not a finite number: ' + v);
    return Object.is(v, -0) ? '-0' : String(v);
  }

  /// The settings object's flags for `xoptim-viz fit` (docs/cli.md lists the keys).
  function fitArgs(settings) {
    if (!settings || typeof settings.optimizer !== 'string') throw new Error('settings.optimizer: a name is required');
    const args = ['--optimizer', settings.optimizer];
    const known = optimizers.find((o) => o.name === settings.optimizer);
    for (const [key, v] of Object.entries(settings)) {
      if (SPECIAL.has(key) || v === undefined || v === null) continue;
      const flag = '--' + key.replace(/_/g, '-');
      if (typeof v === 'boolean') {
        const negated = '--no-' + flag.slice(2);
        if (known && known.flags.has(negated)) { if (!v) args.push(negated); }
        else if (v) args.push(flag);  // false: the switch's default, no flag
      } else if (typeof v === 'string') {
        args.push(flag, v);
      } else {
        args.push(flag, numberText(key, v));
      }
    }
    if (settings.loss !== undefined) args.push('--loss', String(settings.loss));
    if (settings.objective !== undefined) args.push('--objective', String(settings.objective));
    if (settings.init !== undefined) {
      if (!Array.isArray(settings.init)) throw new Error('settings.init: [theta0, theta1] expected');
      args.push('--init', settings.init.map((v) => numberText('init', v)).join(','));
    }
    if (settings.steps !== undefined) args.push('--epochs', String(settings.steps));
    if (settings.data_seed !== undefined) args.push('--seed', String(settings.data_seed));
    return args;
  }

  function parseCsv(text) {
    const lines = text.split('\n').filter((l) => l.length > 0);
    if (lines.length === 0) return [];
    const header = lines[0].split(',');
    const c0 = header.indexOf('theta0');
    const c1 = header.indexOf('theta1');
    const cl = header.indexOf('loss');
    return lines.slice(1).map((line) => {
      const f = line.split(',');
      return [Number(f[c0]), Number(f[c1]), Number(f[cl])];
    });
  }

  /// window.xoptim.run(settings): the trajectory, {steps: [[theta0, theta1, loss], ...]} with row 0
  /// the start, as `xoptim-viz fit` writes it; its toString() is that JSON. A diverged run also has
  /// `diverged` (fit's reason); bad settings throw fit's message.
  function run(settings) {
    if (!M) throw new Error('xoptim: the WebAssembly module is still loading (await window.xoptim.ready)');
    const r = call('xoptim_fit', fitArgs(settings).join('\n'));
    if (r.status !== 0 && r.status !== 3) throw new Error(r.err.trim() || 'xoptim-viz fit: status ' + r.status);
    const result = { steps: parseCsv(r.out) };
    if (r.status === 3) result.diverged = r.err.trim().replace(/^xoptim-viz fit: /, '');
    Object.defineProperty(result, 'toString', { value: () => JSON.stringify(result), enumerable: false });
    return result;
  }

  // ---- the settings the page uses ---------------------------------------------------------
  function isObjective(problem) { return Object.prototype.hasOwnProperty.call(objectives, problem); }

  function defaultStart() {
    return isObjective(state.problem) ? objectives[state.problem].start.slice() : [-10, -20];
  }

  function settingsFor(name) {
    const o = optimizers.find((x) => x.name === name);
    const s = { optimizer: name, lr: state.lr };
    for (const ov of OVERRIDES) {
      const v = state.overrides[ov.id];
      if (v === undefined) continue;
      for (const key of ov.keys) {
        if (o.flags.has('--' + key.replace(/_/g, '-'))) s[key] = v;
      }
    }
    if (isObjective(state.problem)) s.objective = state.problem;
    else {
      s.loss = state.problem;
      s.data_seed = state.dataSeed;
      s.noise = state.noise;
      s.points = state.points;
    }
    s.init = state.init.slice();
    s.steps = state.steps;
    return s;
  }

  function pageSettings() { return [...state.race].map(settingsFor); }

  // ---- drawing -------------------------------------------------------------------------------
  function node(tag, attrs, parent) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function styleOf(name) {
    const i = optimizers.findIndex((o) => o.name === name);
    return { colour: COLOURS[i % COLOURS.length], dash: DASHES[Math.floor(i / COLOURS.length) % DASHES.length] };
  }

  function mapX(x) { const b = map.box; return MAP.left + (x - b[0]) / (b[1] - b[0]) * MAP.plot; }
  function mapY(y) { const b = map.box; return MAP.top + (b[3] - y) / (b[3] - b[2]) * MAP.plot; }
  function mapInverse(px, py) {
    const b = map.box;
    return [b[0] + (px - MAP.left) / MAP.plot * (b[1] - b[0]), b[3] - (py - MAP.top) / MAP.plot * (b[3] - b[2])];
  }

  function ticks(lo, hi, count) {
    const step0 = (hi - lo) / count;
    const p = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= step0);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  function label(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(+v.toPrecision(4)); }

  let mapLayers = null;
  function drawMapBackground() {
    const svg = el('map');
    svg.textContent = '';
    node('clipPath', { id: 'plot-clip' }, node('defs', {}, svg)).appendChild(
      node('rect', { x: MAP.left, y: MAP.top, width: MAP.plot, height: MAP.plot }));
    // The contours come in the plot's pixels (module.cpp), the rest is in the page's.
    const back = node('g', { transform: `translate(${MAP.left},${MAP.top})` }, svg);
    node('rect', { x: 0, y: 0, width: MAP.plot, height: MAP.plot, fill: map.base }, back);
    for (const band of map.bands) node('path', { d: band.d, fill: band.fill, 'fill-rule': 'evenodd' }, back);
    const lines = node('g', { fill: 'none', stroke: '#000', 'stroke-opacity': 0.3, 'stroke-width': 0.7 }, back);
    for (const d of map.lines) node('path', { d }, lines);
    node('rect', { x: MAP.left, y: MAP.top, width: MAP.plot, height: MAP.plot, fill: 'none', stroke: '#444' }, svg);
    const axes = node('g', { 'font-size': 11, fill: '#222' }, svg);
    for (const t of ticks(map.box[0], map.box[1], 6)) {
      node('line', { x1: mapX(t), x2: mapX(t), y1: MAP.top + MAP.plot, y2: MAP.top + MAP.plot + 4, stroke: '#444' }, axes);
      node('text', { x: mapX(t), y: MAP.top + MAP.plot + 16, 'text-anchor': 'middle' }, axes).textContent = label(t);
    }
    for (const t of ticks(map.box[2], map.box[3], 6)) {
      node('line', { x1: MAP.left - 4, x2: MAP.left, y1: mapY(t), y2: mapY(t), stroke: '#444' }, axes);
      node('text', { x: MAP.left - 6, y: mapY(t) + 4, 'text-anchor': 'end' }, axes).textContent = label(t);
    }
    const names = isObjective(state.problem) ? ['x', 'y'] : ['θ0 (intercept)', 'θ1 (slope)'];
    node('text', { x: MAP.left + MAP.plot / 2, y: MAP.size - 8, 'text-anchor': 'middle' }, axes).textContent = names[0];
    node('text', { transform: `translate(12,${MAP.top + MAP.plot / 2}) rotate(-90)`, 'text-anchor': 'middle' }, axes)
      .textContent = names[1];
    const marks = node('g', { stroke: '#fff', 'stroke-width': 2.5 }, svg);
    for (const m of map.minima) {
      const x = mapX(m[0]);
      const y = mapY(m[1]);
      node('path', { d: `M${x - 6},${y - 6}L${x + 6},${y + 6}M${x - 6},${y + 6}L${x + 6},${y - 6}` }, marks);
      node('path', { d: `M${x - 6},${y - 6}L${x + 6},${y + 6}M${x - 6},${y + 6}L${x + 6},${y - 6}`, stroke: '#000', 'stroke-width': 1.2 }, marks);
    }
    const paths = node('g', { 'clip-path': 'url(#plot-clip)', id: 'paths' }, svg);
    const start = node('circle', { id: 'start', r: 7, fill: '#fff', stroke: '#000', 'stroke-width': 2, cursor: 'grab' }, svg);
    mapLayers = { paths, start };
    el('map-caption').textContent = isObjective(state.problem)
      ? `${state.problem}: the crosses mark its minima; contours ${map.log ? 'log' : 'evenly'} spaced.`
      : `${state.problem.toUpperCase()} of the line y = θ0 + θ1 x on the seed's data (${state.points} points, ` +
        `noise U(0, ${state.noise}), seed ${state.dataSeed}); the cross marks this loss's minimum; ` +
        `contours ${map.log ? 'log' : 'evenly'} spaced.`;
  }

  function drawRuns() {
    if (!mapLayers) return;
    const g = mapLayers.paths;
    g.textContent = '';
    for (const r of runs) {
      if (!r.steps.length) continue;
      const { colour, dash } = styleOf(r.name);
      const shown = r.steps.slice(0, Math.min(frame, r.steps.length - 1) + 1);
      const pts = shown.map((p) => `${mapX(p[0]).toFixed(2)},${mapY(p[1]).toFixed(2)}`);
      const run = node('g', { class: 'run', 'data-optimizer': r.name }, g);
      node('polyline', { points: pts.join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.6, 'stroke-dasharray': dash, 'stroke-opacity': 0.85 }, run);
      const dots = node('g', { fill: colour }, run);
      for (const p of pts) {
        const [x, y] = p.split(',');
        node('circle', { cx: x, cy: y, r: 1.8 }, dots);
      }
      const last = pts[pts.length - 1].split(',');
      node('circle', { cx: last[0], cy: last[1], r: 5, fill: colour, stroke: '#fff', 'stroke-width': 1.5, class: 'iterate' }, run);
    }
    mapLayers.start.setAttribute('cx', mapX(state.init[0]));
    mapLayers.start.setAttribute('cy', mapY(state.init[1]));
    el('start-value').textContent = `(${+state.init[0].toPrecision(4)}, ${+state.init[1].toPrecision(4)})`;
    drawLoss();
    drawResults();
    el('frame-value').textContent = `step ${frame}`;
  }

  function drawLoss() {
    const svg = el('loss');
    svg.textContent = '';
    const L = LOSS;
    const w = L.width - L.left - L.right;
    const h = L.height - L.top - L.bottom;
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of runs) {
      for (const p of r.steps) {
        if (p[2] > 0 && Number.isFinite(p[2])) { lo = Math.min(lo, p[2]); hi = Math.max(hi, p[2]); }
      }
    }
    const negative = runs.some((r) => r.steps.some((p) => p[2] <= 0));
    if (!Number.isFinite(lo)) { lo = 1e-3; hi = 1; }
    if (hi / lo < 10) { lo /= 3; hi *= 3; }
    const l0 = Math.floor(Math.log10(lo));
    const l1 = Math.ceil(Math.log10(hi));
    const x = (k) => L.left + k / Math.max(1, state.steps) * w;
    const y = (v) => L.top + (l1 - Math.log10(v)) / (l1 - l0) * h;
    node('clipPath', { id: 'loss-clip' }, node('defs', {}, svg)).appendChild(node('rect', { x: L.left, y: L.top, width: w, height: h }));
    const axes = node('g', { 'font-size': 11, fill: '#222' }, svg);
    const every = Math.max(1, Math.ceil((l1 - l0) / 6));
    for (let e = l0; e <= l1; e += every) {
      node('line', { x1: L.left, x2: L.left + w, y1: y(Math.pow(10, e)), y2: y(Math.pow(10, e)), stroke: '#e4e4e4' }, axes);
      node('text', { x: L.left - 6, y: y(Math.pow(10, e)) + 4, 'text-anchor': 'end' }, axes).textContent = '1e' + e;
    }
    for (const t of ticks(0, state.steps, 5)) {
      node('text', { x: x(t), y: L.top + h + 16, 'text-anchor': 'middle' }, axes).textContent = String(t);
    }
    node('text', { x: L.left + w / 2, y: L.height - 4, 'text-anchor': 'middle' }, axes).textContent =
      'iteration' + (negative ? ' (values <= 0 not drawn on the log axis)' : '');
    node('rect', { x: L.left, y: L.top, width: w, height: h, fill: 'none', stroke: '#444' }, svg);
    const lines = node('g', { 'clip-path': 'url(#loss-clip)', fill: 'none', 'stroke-width': 1.6 }, svg);
    for (const r of runs) {
      const { colour, dash } = styleOf(r.name);
      const pts = [];
      r.steps.forEach((p, k) => { if (p[2] > 0 && Number.isFinite(p[2])) pts.push(`${x(k).toFixed(2)},${y(p[2]).toFixed(2)}`); });
      if (pts.length) node('polyline', { points: pts.join(' '), stroke: colour, 'stroke-dasharray': dash, 'data-optimizer': r.name }, lines);
    }
    node('line', { x1: x(frame), x2: x(frame), y1: L.top, y2: L.top + h, stroke: '#000', 'stroke-opacity': 0.5, 'stroke-dasharray': '3 3' }, svg);
  }

  function drawResults() {
    const body = el('results').tBodies[0];
    body.textContent = '';
    const text = (v) => (v === undefined ? '' : Number.isFinite(v) ? v.toPrecision(5) : String(v));
    for (const r of runs) {
      const row = body.insertRow();
      const { colour, dash } = styleOf(r.name);
      row.insertCell().innerHTML = `<span class="swatch" style="border-color:${colour};border-top-style:${dash ? 'dashed' : 'solid'}"></span>${r.name}`;
      const at = r.steps[Math.min(frame, r.steps.length - 1)];
      const last = r.steps[r.steps.length - 1];
      row.insertCell().textContent = at ? text(at[2]) : 'error';
      row.insertCell().textContent = last ? text(last[2]) + (r.diverged ? ' (diverged)' : '') : '';
    }
  }

  // ---- recomputing -----------------------------------------------------------------------------
  function recompute() {
    scheduled = null;
    const messages = [];
    const t0 = performance.now();
    runs = [];
    for (const s of pageSettings()) {
      try {
        const r = run(s);
        runs.push({ name: s.optimizer, settings: s, steps: r.steps, diverged: r.diverged });
        if (r.diverged) messages.push(`${s.optimizer}: ${r.diverged}`);
      } catch (e) {
        runs.push({ name: s.optimizer, settings: s, steps: [] });
        messages.push(e.message);
      }
    }
    const ms = performance.now() - t0;
    api.lastRecompute = { runs: runs.length, steps: state.steps, ms };
    el('timing').textContent = `${runs.length} runs of ${state.steps} steps recomputed by the library in ${ms.toFixed(1)} ms.`;
    const list = el('messages');
    list.textContent = '';
    for (const m of messages) { const li = document.createElement('li'); li.textContent = m; list.appendChild(li); }
    frame = Math.min(frame, state.steps);
    el('frame').max = state.steps;
    el('frame').value = frame;
    drawRuns();
    api.recomputes += 1;
  }

  function schedule() {
    if (scheduled === null) scheduled = requestAnimationFrame(recompute);
  }

  function newMap() {
    const args = isObjective(state.problem)
      ? ['--objective', state.problem]
      : ['--loss', state.problem, '--seed', String(state.dataSeed), '--points', String(state.points), '--noise', String(state.noise)];
    args.push('--width', String(MAP.plot), '--height', String(MAP.plot), '--grid', '80');
    const r = call('xoptim_map', args.join('\n'));
    if (r.status !== 0) {
      // The previous map stays; the runs will say what is wrong with the settings.
      const li = document.createElement('li');
      li.textContent = r.err;
      el('messages').appendChild(li);
      return;
    }
    map = JSON.parse(r.out);
    drawMapBackground();
  }

  // ---- controls --------------------------------------------------------------------------------
  function buildControls() {
    const problem = el('problem');
    for (const [value, text] of [['mse', 'MSE on the seed\'s data'], ['rmse', 'RMSE on the seed\'s data'],
      ['mae', 'MAE on the seed\'s data'], ['huber', 'Huber (delta 1) on the seed\'s data']]) {
      problem.add(new Option(text, value));
    }
    for (const name of Object.keys(objectives)) problem.add(new Option('function: ' + name, name));
    problem.value = state.problem;
    problem.addEventListener('change', () => {
      state.problem = problem.value;
      state.init = defaultStart();
      el('data-controls').hidden = isObjective(state.problem);
      newMap();
      schedule();
    });
    const dataChanged = () => { newMap(); schedule(); };
    el('data-seed').addEventListener('input', () => {
      const v = Number(el('data-seed').value);
      if (Number.isSafeInteger(v) && v >= 0) { state.dataSeed = v; dataChanged(); }
    });
    el('noise').addEventListener('input', () => { state.noise = Number(el('noise').value); el('noise-value').textContent = state.noise; dataChanged(); });
    el('points').addEventListener('input', () => { state.points = Number(el('points').value); el('points-value').textContent = state.points; dataChanged(); });
    el('steps').addEventListener('input', () => {
      const v = Number(el('steps').value);
      if (Number.isInteger(v) && v >= 1 && v <= 2000) { state.steps = v; frame = v; schedule(); }
    });
    el('reset-start').addEventListener('click', () => { state.init = defaultStart(); schedule(); });
    el('lr').addEventListener('input', () => {
      state.lr = +Math.pow(10, Number(el('lr').value)).toPrecision(3);
      el('lr-value').textContent = state.lr;
      schedule();
    });
    const overrides = el('overrides');
    for (const ov of OVERRIDES) {
      const box = document.createElement('div');
      box.className = 'override';
      box.innerHTML = `<label><input type="checkbox" id="set-${ov.id}"> ${ov.label}</label><output id="${ov.id}-value"></output>` +
        `<input type="range" id="${ov.id}" min="${ov.min}" max="${ov.max}" step="${ov.step}" value="${ov.value}" disabled aria-label="${ov.label}">`;
      overrides.appendChild(box);
      const slider = box.querySelector('input[type="range"]');
      const tick = box.querySelector('input[type="checkbox"]');
      const value = () => (ov.log ? +Math.pow(10, Number(slider.value)).toPrecision(3) : Number(slider.value));
      const update = () => {
        slider.disabled = !tick.checked;
        el(ov.id + '-value').textContent = tick.checked ? value() : 'default';
        if (tick.checked) state.overrides[ov.id] = value();
        else delete state.overrides[ov.id];
        schedule();
      };
      tick.addEventListener('change', update);
      slider.addEventListener('input', update);
      el(ov.id + '-value').textContent = 'default';
    }
    const list = el('optimizers');
    for (const o of optimizers) {
      const { colour, dash } = styleOf(o.name);
      const item = document.createElement('label');
      item.title = o.summary;
      item.innerHTML = `<input type="checkbox" value="${o.name}"${state.race.has(o.name) ? ' checked' : ''}>` +
        `<span class="swatch" style="border-color:${colour};border-top-style:${dash ? 'dashed' : 'solid'}"></span>${o.name}`;
      item.querySelector('input').addEventListener('change', (e) => {
        if (e.target.checked) state.race.add(o.name); else state.race.delete(o.name);
        schedule();
      });
      list.appendChild(item);
    }
    el('frame').addEventListener('input', () => { frame = Number(el('frame').value); playing = false; el('play').textContent = 'Play'; drawRuns(); });
    el('play').addEventListener('click', () => {
      playing = !playing;
      el('play').textContent = playing ? 'Pause' : 'Play';
      if (playing) {
        if (frame >= state.steps) frame = 0;
        lastFrameTime = 0;
        requestAnimationFrame(animate);
      }
    });
    // Dragging on the map moves the start; each move recomputes every run.
    const svg = el('map');
    let dragging = false;
    const moveTo = (event) => {
      const rect = svg.getBoundingClientRect();
      const px = (event.clientX - rect.left) / rect.width * MAP.size;
      const py = (event.clientY - rect.top) / rect.height * MAP.size;
      const clamp = (v) => Math.min(MAP.left + MAP.plot, Math.max(MAP.left, v));
      const p = mapInverse(clamp(px), clamp(py));
      state.init = p.map((v) => +v.toPrecision(4));
      schedule();
    };
    svg.addEventListener('pointerdown', (e) => { dragging = true; svg.setPointerCapture(e.pointerId); moveTo(e); });
    svg.addEventListener('pointermove', (e) => { if (dragging) moveTo(e); });
    const stop = () => { dragging = false; };
    svg.addEventListener('pointerup', stop);
    svg.addEventListener('pointercancel', stop);
  }

  // One iteration every 60 ms; the last frame holds until Play is pressed again.
  function animate(time) {
    if (!playing) return;
    if (time - lastFrameTime >= 60) {
      lastFrameTime = time;
      if (frame < state.steps) { frame += 1; el('frame').value = frame; drawRuns(); }
      if (frame >= state.steps) { playing = false; el('play').textContent = 'Play'; return; }
    }
    requestAnimationFrame(animate);
  }

  // ---- start -----------------------------------------------------------------------------------
  function readTables() {
    for (const line of call('xoptim_optimizers').out.split('\n')) {
      if (!line) continue;
      const [name, summary, defaults] = line.split('\t');
      const flags = new Map();
      const tokens = defaults.split(' ');
      for (let i = 0; i < tokens.length; ++i) {
        const t = tokens[i];
        if (t.startsWith('[')) flags.set(t.slice(1, -1), { isSwitch: true });
        else if (t.startsWith('--')) { flags.set(t, { value: tokens[i + 1], isSwitch: false }); ++i; }
      }
      optimizers.push({ name, summary, flags });
    }
    for (const line of call('xoptim_objectives').out.split('\n')) {
      if (!line) continue;
      const [name, box, start] = line.split('\t');
      objectives[name] = { box: box.split(',').map(Number), start: start.split(',').map(Number) };
    }
  }

  let resolveReady, rejectReady;
  const api = {
    ready: new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; }),
    loaded: false,
    run,
    fitArgs: (settings) => fitArgs(settings),
    settings: () => pageSettings(),
    optimizers: () => optimizers.map((o) => o.name),
    objectives: () => Object.keys(objectives),
    lastRecompute: null,
    recomputes: 0,
    error: null,
  };
  // A page that cannot load says so in the page: no unhandled rejection when nobody awaits ready.
  api.ready.catch(() => {});
  window.xoptim = api;

  // The module's .wasm is in the page, gzipped and base64-encoded (assemble.py): decompressed here
  // and given to the module as wasmBinary, so the module fetches nothing (the page works from
  // file://, where a fetch would fail).
  async function wasmBinary() {
    if (typeof DecompressionStream !== 'function') {
      throw new Error('This browser has no DecompressionStream, which the explorer needs to unpack its ' +
        'WebAssembly: open the page in Chrome 95, Firefox 113, Safari 16.4 or newer.');
    }
    const text = el('xoptim-wasm').textContent;
    const bytes = atob(text);
    const packed = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; ++i) packed[i] = bytes.charCodeAt(i);
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer();
  }

  wasmBinary().then((binary) => xoptimModule({ wasmBinary: binary })).then((module) => {
    M = module;
    readTables();
    state.init = defaultStart();
    buildControls();
    newMap();
    recompute();
    api.loaded = true;
    resolveReady(api);
  }).catch((e) => {
    // One line at the top of the page instead of an empty one; window.xoptim.ready rejects.
    const line = el('load-error');
    line.textContent = e && e.message ? e.message : String(e);
    line.hidden = false;
    api.error = line.textContent;
    rejectReady(e);
  });
})();
