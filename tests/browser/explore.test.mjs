// The explorer page in Debian's Chromium, driven by Playwright (playwright-core, no browser of its
// own): it loads from disk with no console error; moving a slider and dragging the start point
// change the drawn paths; window.xoptim.run(settings) equals `xoptim-viz fit` with the same flags
// to the last bit; play and pause step the iterations; the layout fits 390 and 1400 px. It requests
// nothing but the page (the .wasm is inside it), stays within 1 MiB, and without
// DecompressionStream says so in one line.
//
// usage: node explore.test.mjs <explore.html> <xoptim-viz> <output dir>
// Exits 77 (skipped) when Chromium or playwright-core is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [pagePath, viz, outDir] = process.argv.slice(2);
if (!pagePath || !viz || !outDir) {
  console.error('usage: node explore.test.mjs <explore.html> <xoptim-viz> <output dir>');
  process.exit(2);
}
if (Number(process.versions.node.split('.')[0]) < 20) {
  console.log(`SKIPPED: node ${process.versions.node} is older than playwright-core needs (20)`);
  process.exit(77);
}
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromiumPath) {
  console.log('SKIPPED: Chromium is not installed (scripts/test installs it: apt-get install chromium)');
  process.exit(77);
}
let chromium;
try {
  const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'package.json'));
  ({ chromium } = require('playwright-core'));
} catch {
  console.log('SKIPPED: playwright-core is not installed (scripts/test runs: npm ci --prefix tests/browser)');
  process.exit(77);
}
mkdirSync(outDir, { recursive: true });

let failures = 0;
function check(condition, what) {
  if (condition) return;
  failures += 1;
  console.error('FAIL: ' + what);
}

// ---- the CLI's rows, with flags written here (not by the page) --------------------------------
function cliRows(args) {
  const r = spawnSync(viz, ['fit', ...args], { encoding: 'utf8' });
  const lines = r.stdout.split('\n').filter((l) => l);
  const header = lines.length ? lines[0].split(',') : [];
  const cols = ['theta0', 'theta1', 'loss'].map((c) => header.indexOf(c));
  return { status: r.status, err: r.stderr, steps: lines.slice(1).map((l) => { const f = l.split(','); return cols.map((c) => Number(f[c])); }) };
}

function sameBits(a, b) {
  if (a.length !== b.length) return `${a.length} rows against ${b.length}`;
  for (let k = 0; k < a.length; ++k) {
    for (let j = 0; j < 3; ++j) {
      if (!Object.is(a[k][j], b[k][j])) return `row ${k} column ${j}: ${a[k][j]} against ${b[k][j]}`;
    }
  }
  return '';
}

// The report folder that copies the page has a budget of 1.5 MB in all (docs/performance.md).
const pageBytes = statSync(pagePath).size;
console.log(`explore.html: ${pageBytes} bytes`);
check(pageBytes <= 1024 * 1024, `explore.html is ${pageBytes} bytes, more than 1 MiB`);

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
const problems = [];
const pageUrl = pathToFileURL(path.resolve(pagePath)).href;
async function open(width, height) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${width}px console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${width}px page error: ${e.message}`));
  // The page itself and nothing else: no network, and no .wasm beside it (the page holds it).
  page.on('request', (r) => { if (r.url() !== pageUrl) problems.push(`${width}px request to ${r.url()}`); });
  const t0 = Date.now();
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.xoptim && (window.xoptim.loaded || window.xoptim.error), null, { timeout: 60000 });
  const error = await page.evaluate(() => window.xoptim.error);
  if (error) throw new Error(`${width}px: the page did not load: ${error}; ${problems.join('; ')}`);
  return Object.assign(page, { loadMs: Date.now() - t0 });
}

try {
  const page = await open(1400, 1000);
  console.log(`loaded in ${page.loadMs} ms (the page read, its WebAssembly unpacked and compiled, the first map and runs drawn)`);

  // ---- a browser without DecompressionStream gets one line saying so, not an empty page ---------
  {
    const old = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    old.on('pageerror', (e) => errors.push(e.message));
    await old.addInitScript(() => { delete window.DecompressionStream; });
    await old.goto(pageUrl);
    await old.waitForFunction(() => window.xoptim && window.xoptim.error, null, { timeout: 60000 });
    const shown = await old.evaluate(async () => {
      const line = document.getElementById('load-error');
      const rejected = await window.xoptim.ready.then(() => '', (e) => e.message);
      return { text: line.textContent, visible: !line.hidden && line.getBoundingClientRect().height > 0, rejected, loaded: window.xoptim.loaded };
    });
    check(shown.visible && /DecompressionStream/.test(shown.text) && !shown.text.includes('\n'),
      `without DecompressionStream the page shows one line saying so: ${JSON.stringify(shown.text)}`);
    check(shown.rejected === shown.text && !shown.loaded, 'without DecompressionStream window.xoptim.ready rejects with that line');
    check(errors.length === 0, 'without DecompressionStream no page error: ' + errors.join('; '));
    await old.close();
  }

  // ---- window.xoptim.run against xoptim-viz fit -----------------------------------------------
  const names = await page.evaluate(() => window.xoptim.optimizers());
  check(names.length >= 20 && names.includes('lbfgs') && names.includes('adamw_schedule_free'),
    'every optimizer of the library is offered: ' + names.join(' '));
  const cases = [];
  for (const name of names) {
    cases.push([{ optimizer: name, lr: 0.1, loss: 'mse', init: [-10, -20], steps: 100 },
      ['--optimizer', name, '--lr', '0.1', '--loss', 'mse', '--init', '-10,-20', '--epochs', '100']]);
  }
  cases.push(
    [{ optimizer: 'sgd', lr: 0.05, momentum: 0.8, dampening: 0.1, nesterov: false, weight_decay: 0.01, loss: 'rmse', init: [5, -3], steps: 60, data_seed: 7 },
      ['--optimizer', 'sgd', '--lr', '0.05', '--momentum', '0.8', '--dampening', '0.1', '--weight-decay', '0.01', '--loss', 'rmse', '--init', '5,-3', '--epochs', '60', '--seed', '7']],
    [{ optimizer: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, loss: 'huber', init: [1, 2], steps: 50, data_seed: 2, points: 30, noise: 0.5 },
      ['--optimizer', 'sgd', '--lr', '0.05', '--momentum', '0.9', '--nesterov', '--loss', 'huber', '--init', '1,2', '--epochs', '50', '--seed', '2', '--points', '30', '--noise', '0.5']],
    [{ optimizer: 'adam', lr: 0.3, beta1: 0.5, beta2: 0.99, eps: 1e-6, amsgrad: true, weight_decay: 0.1, loss: 'mae', init: [-15, 12], steps: 120 },
      ['--optimizer', 'adam', '--lr', '0.3', '--beta1', '0.5', '--beta2', '0.99', '--eps', '0.000001', '--amsgrad', '--weight-decay', '0.1', '--loss', 'mae', '--init', '-15,12', '--epochs', '120']],
    [{ optimizer: 'lamb', lr: 1, trust_clip: 3, loss: 'rmse', init: [-10, -20], steps: 100 },
      ['--optimizer', 'lamb', '--lr', '1', '--trust-clip', '3', '--loss', 'rmse', '--init', '-10,-20', '--epochs', '100']],
    [{ optimizer: 'lamb', lr: 0.1, trust_ratio: false, weight_decay: 0.01, loss: 'mse', init: [-10, -20], steps: 60 },
      ['--optimizer', 'lamb', '--lr', '0.1', '--no-trust-ratio', '--weight-decay', '0.01', '--loss', 'mse', '--init', '-10,-20', '--epochs', '60']],
    [{ optimizer: 'lars', lr: 0.1, trust_ratio: true, trust_coefficient: 0.01, loss: 'rmse', init: [-10, -20], steps: 60 },
      ['--optimizer', 'lars', '--lr', '0.1', '--trust-coefficient', '0.01', '--loss', 'rmse', '--init', '-10,-20', '--epochs', '60']],
    [{ optimizer: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5, loss: 'mse', init: [-10, -20], steps: 80 },
      ['--optimizer', 'rmsprop', '--lr', '0.01', '--centered', '--momentum', '0.5', '--loss', 'mse', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'nadam', lr: 0.1, decoupled_weight_decay: true, weight_decay: 0.1, momentum_decay: 0.01, loss: 'mse', init: [-10, -20], steps: 80 },
      ['--optimizer', 'nadam', '--lr', '0.1', '--decoupled-weight-decay', '--weight-decay', '0.1', '--momentum-decay', '0.01', '--loss', 'mse', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'radam', lr: 0.1, decoupled_weight_decay: true, weight_decay: 0.05, loss: 'mae', init: [-10, -20], steps: 80 },
      ['--optimizer', 'radam', '--lr', '0.1', '--decoupled-weight-decay', '--weight-decay', '0.05', '--loss', 'mae', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'rprop', lr: 0.05, eta_minus: 0.4, eta_plus: 1.3, step_size_min: 1e-5, step_size_max: 5, loss: 'mse', init: [-10, -20], steps: 80 },
      ['--optimizer', 'rprop', '--lr', '0.05', '--eta-minus', '0.4', '--eta-plus', '1.3', '--step-size-min', '1e-5', '--step-size-max', '5', '--loss', 'mse', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'asgd', lr: 0.1, lambd: 0.001, alpha: 0.5, t0: 20, loss: 'mse', init: [-10, -20], steps: 80 },
      ['--optimizer', 'asgd', '--lr', '0.1', '--lambd', '0.001', '--alpha', '0.5', '--t0', '20', '--loss', 'mse', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'adadelta', lr: 1, rho: 0.8, loss: 'huber', init: [-10, -20], steps: 80 },
      ['--optimizer', 'adadelta', '--lr', '1', '--rho', '0.8', '--loss', 'huber', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'adamw_schedule_free', lr: 0.05, warmup_steps: 10, r: 1, weight_lr_power: 1, loss: 'mse', init: [-10, -20], steps: 80 },
      ['--optimizer', 'adamw_schedule_free', '--lr', '0.05', '--warmup-steps', '10', '--r', '1', '--weight-lr-power', '1', '--loss', 'mse', '--init', '-10,-20', '--epochs', '80']],
    [{ optimizer: 'rmsprop', lr: 0.01, alpha: 0.9, objective: 'rosenbrock', steps: 300 },
      ['--optimizer', 'rmsprop', '--lr', '0.01', '--alpha', '0.9', '--objective', 'rosenbrock', '--epochs', '300']],
    [{ optimizer: 'lbfgs', lr: 1, line_search: 'strong_wolfe', objective: 'rosenbrock', steps: 5 },
      ['--optimizer', 'lbfgs', '--lr', '1', '--line-search', 'strong_wolfe', '--objective', 'rosenbrock', '--epochs', '5']],
  );
  const objectives = await page.evaluate(() => window.xoptim.objectives());
  check(['rosenbrock', 'beale', 'himmelblau', 'rastrigin', 'saddle'].every((o) => objectives.includes(o)),
    'the test functions are offered: ' + objectives.join(' '));
  for (const o of objectives) {
    cases.push([{ optimizer: 'adam', lr: 0.05, objective: o, init: [0.7, -0.3], steps: 150 },
      ['--optimizer', 'adam', '--lr', '0.05', '--objective', o, '--init', '0.7,-0.3', '--epochs', '150']]);
    cases.push([{ optimizer: 'momentum', lr: 0.002, objective: o, steps: 150 },
      ['--optimizer', 'momentum', '--lr', '0.002', '--objective', o, '--epochs', '150']]);
  }
  let compared = 0;
  for (const [settings, args] of cases) {
    const want = cliRows(args);
    const got = await page.evaluate((s) => {
      try { return window.xoptim.run(s); } catch (e) { return { error: e.message }; }
    }, settings);
    const what = JSON.stringify(settings);
    if (want.status !== 0 && want.status !== 3) {
      check(false, `${what}: xoptim-viz fit ${args.join(' ')} failed (${want.status}): ${want.err}`);
      continue;
    }
    if (got.error) { check(false, `${what}: run threw ${got.error}`); continue; }
    const diff = sameBits(got.steps, want.steps);
    check(diff === '', `${what}: the page's run differs from xoptim-viz fit: ${diff}`);
    check(want.status !== 3 || typeof got.diverged === 'string', `${what}: diverged in fit, not reported by run`);
    compared += 1;
  }
  console.log(`run(settings) equals xoptim-viz fit bit for bit in ${compared} of ${cases.length} cases`);

  // A diverging run: the rows before it, and the reason; bad settings throw fit's message.
  const diverging = await page.evaluate(() => { const r = window.xoptim.run({ optimizer: 'sgd', lr: 10, loss: 'mse', steps: 100 }); return { n: r.steps.length, diverged: r.diverged, json: String(r) }; });
  const cliDiverging = cliRows(['--optimizer', 'sgd', '--lr', '10', '--loss', 'mse', '--epochs', '100']);
  check(cliDiverging.status === 3 && diverging.n === cliDiverging.steps.length && /diverged/.test(diverging.diverged || ''),
    `a diverging run keeps the rows before it and says why: ${JSON.stringify(diverging).slice(0, 200)}`);
  check(JSON.parse(diverging.json).steps.length === diverging.n, 'run(...).toString() is its JSON');
  const bad = await page.evaluate(() => { try { window.xoptim.run({ optimizer: 'sgd', beta2: 0.9 }); return ''; } catch (e) { return e.message; } });
  check(bad.includes('--beta2 does not apply to sgd'), 'a flag the optimizer does not take throws fit\'s message: ' + bad);

  // ---- the page's own runs are run(settings) of the settings it reports ------------------------
  const own = await page.evaluate(() => window.xoptim.settings().map((s) => [s, window.xoptim.run(s).steps.length]));
  check(own.length === 4 && own.every(([s, n]) => n === s.steps + 1), 'the page races sgd, momentum, adam and lamb by default');
  for (const [settings] of own) {
    const args = ['--optimizer', settings.optimizer, '--lr', String(settings.lr), '--loss', settings.loss, '--seed', String(settings.data_seed),
      '--points', String(settings.points), '--noise', String(settings.noise), '--init', settings.init.join(','), '--epochs', String(settings.steps)];
    const got = await page.evaluate((s) => window.xoptim.run(s).steps, settings);
    check(sameBits(got, cliRows(args).steps) === '', `the page's ${settings.optimizer} run equals the CLI`);
  }

  // ---- a slider and the start point change the drawn paths ------------------------------------
  const drawn = () => page.evaluate(() => [...document.querySelectorAll('#paths polyline')].map((p) => p.getAttribute('points')));
  const recomputes = () => page.evaluate(() => window.xoptim.recomputes);
  const before = await drawn();
  let count = await recomputes();
  const lr = await page.locator('#lr').boundingBox();
  await page.mouse.click(lr.x + lr.width * 0.3, lr.y + lr.height / 2);
  await page.waitForFunction((n) => window.xoptim.recomputes > n, count);
  const afterSlider = await drawn();
  const newLr = await page.evaluate(() => window.xoptim.settings()[0].lr);
  check(before.length === 4, `the default race draws four paths (${before.length})`);
  check(newLr !== 0.1 && afterSlider.length === before.length && afterSlider.every((d, i) => d !== before[i]),
    `moving the learning-rate slider (now ${newLr}) redraws every path`);

  count = await recomputes();
  const start = await page.locator('#start').boundingBox();
  const sx = start.x + start.width / 2;
  const sy = start.y + start.height / 2;
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  for (let k = 1; k <= 5; ++k) await page.mouse.move(sx + 24 * k, sy - 16 * k);
  await page.mouse.up();
  await page.waitForFunction((n) => window.xoptim.recomputes > n, count);
  await page.waitForTimeout(100);
  const afterDrag = await drawn();
  const init = await page.evaluate(() => window.xoptim.settings()[0].init);
  check(init[0] > -10 && init[1] > -20, `dragging the start moves it right and up: now ${init}`);
  check(afterDrag.length === before.length && afterDrag.every((d, i) => d !== afterSlider[i]), 'dragging the start redraws every path');
  const firstPoint = await page.evaluate(() => {
    const s = window.xoptim.settings()[0];
    return [window.xoptim.run(s).steps[0], s.init];
  });
  check(firstPoint[0][0] === firstPoint[1][0] && firstPoint[0][1] === firstPoint[1][1], 'row 0 of each run is the dragged start');

  // ---- play, pause and scrub ---------------------------------------------------------------------
  await page.locator('#frame').fill('0').catch(async () => {
    await page.evaluate(() => { const f = document.getElementById('frame'); f.value = '0'; f.dispatchEvent(new Event('input')); });
  });
  const frame = () => page.evaluate(() => Number(document.getElementById('frame').value));
  check(await frame() === 0, 'scrubbing to step 0');
  await page.click('#play');
  await page.waitForTimeout(500);
  await page.click('#play');
  const paused = await frame();
  await page.waitForTimeout(300);
  check(paused > 0 && paused < 100 && (await frame()) === paused, `play advances the steps (${paused}) and pause holds them`);

  // ---- how long a recompute takes: every run, with the page's own code -------------------------
  const timing = await page.evaluate(async () => {
    const boxes = [...document.querySelectorAll('#optimizers input')];
    const want = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'lamb', 'rmsprop', 'adagrad'];
    for (const b of boxes) if (b.checked !== want.includes(b.value)) b.click();
    const times = [];
    const slider = document.getElementById('lr');
    for (let k = 0; k < 31; ++k) {
      const n = window.xoptim.recomputes;
      slider.value = String(-2 + 0.05 * k);
      slider.dispatchEvent(new Event('input'));
      while (window.xoptim.recomputes === n) await new Promise((r) => requestAnimationFrame(r));
      times.push(window.xoptim.lastRecompute.ms);
    }
    times.sort((a, b) => a - b);
    return { runs: window.xoptim.lastRecompute.runs, steps: window.xoptim.lastRecompute.steps, median: times[15], max: times[30] };
  });
  console.log(`recompute: ${timing.runs} runs of ${timing.steps} steps, median ${timing.median.toFixed(2)} ms, ` +
    `slowest ${timing.max.toFixed(2)} ms over 31 changes of the learning rate`);
  check(timing.runs === 8, 'the eight optimizers picked race');
  await page.screenshot({ path: path.join(outDir, 'explore-1400.png'), fullPage: true });

  // ---- the layout fits a phone and a wide screen --------------------------------------------------
  for (const [width, p] of [[1400, page], [390, await open(390, 844)]]) {
    const fit = await p.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5)
        .map((e) => e.tagName + (e.id ? '#' + e.id : ''));
      return { scroll: document.documentElement.scrollWidth, client: w, wide: wide.slice(0, 5) };
    });
    check(fit.scroll <= fit.client && fit.wide.length === 0,
      `${width} px: nothing wider than the window (scroll width ${fit.scroll}, window ${fit.client}; ${fit.wide.join(' ')})`);
    const shot = await p.screenshot({ path: path.join(outDir, `explore-${width}-full.png`), fullPage: true });
    check(shot.readUInt32BE(16) === width, `${width} px: the full-page screenshot is ${shot.readUInt32BE(16)} px wide`);
  }
} finally {
  await browser.close();
}
for (const p of problems) check(false, p);
if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log('explorer: all checks passed');
