// The report in Debian's Chromium, driven by Playwright (playwright-core, no browser of its own):
// index.html lays out within 390 and 1400 px with no console error and every picture loads; an
// animated picture opens paused on its last frame, a click on its scrub bar shows that frame (the
// marker on that iterate's dot, the caption on that iteration), play runs on from there and
// stops holding the last frame, and a click on play while it runs pauses it.
//
// usage: node report.test.mjs <xoptim-viz> <output dir>
// Exits 77 (skipped) when Chromium or playwright-core is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [viz, outDir] = process.argv.slice(2);
if (!viz || !outDir) {
  console.error('usage: node report.test.mjs <xoptim-viz> <output dir>');
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

let failures = 0;
function check(condition, what) {
  if (condition) return;
  failures += 1;
  console.error('FAIL: ' + what);
}

const reportDir = path.join(outDir, 'report');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
const written = spawnSync(viz, ['report', '--out', reportDir], { encoding: 'utf8' });
if (written.status !== 0) {
  console.error(`FAIL: xoptim-viz report exited ${written.status}: ${written.stderr}`);
  process.exit(1);
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });

async function open(file, width, height) {
  const page = await browser.newPage({ viewport: { width, height } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(path.join(reportDir, file)).href, { waitUntil: 'load' });
  return { page, problems };
}

// ---- the page at a phone's and a desktop's width ---------------------------------------------
for (const width of [390, 1400]) {
  const { page, problems } = await open('index.html', width, 900);
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    images: [...document.images].map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, right: i.getBoundingClientRect().right })),
    objects: [...document.querySelectorAll('object')].map((o) => ({ data: o.getAttribute('data'), width: o.getBoundingClientRect().width, right: o.getBoundingClientRect().right })),
    smallest: Math.min(...[...document.querySelectorAll('p, td, th, figcaption, li')].map((e) => parseFloat(getComputedStyle(e).fontSize))),
  }));
  check(layout.scrollWidth <= layout.innerWidth, `${width}px: the page is ${layout.scrollWidth}px wide`);
  check(layout.images.length > 0 && layout.objects.length > 0, `${width}px: ${layout.images.length} images and ${layout.objects.length} objects`);
  for (const i of layout.images) {
    check(i.ok, `${width}px: ${i.src} did not load`);
    check(i.right <= width + 0.5, `${width}px: ${i.src} ends at ${i.right}px`);
  }
  for (const o of layout.objects) {
    check(o.width > 0 && o.right <= width + 0.5, `${width}px: ${o.data} is ${o.width}px wide, ending at ${o.right}px`);
  }
  check(layout.smallest >= 12, `${width}px: text as small as ${layout.smallest}px`);
  await page.screenshot({ path: path.join(outDir, `index-${width}.png`), fullPage: false });
  check(problems.length === 0, `${width}px: ${problems.join('; ')}`);
  console.log(`index.html at ${width}px: ${layout.scrollWidth}px wide, ${layout.images.length} images and ${layout.objects.length} objects`);
  await page.close();
}

// ---- an animated picture's controls ---------------------------------------------------------
// The map's dots, in order, are the iterates in pixels; the map's marker must sit on dot k when
// frame k shows.
async function state(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const dots = [...document.querySelector('path[d*="h0"]').getAttribute('d').matchAll(/M([-0-9.]+) ([-0-9.]+)h0/g)].map((m) => [+m[1], +m[2]]);
    const marker = [...document.querySelectorAll('circle')].find((c) => c.querySelector('animate[attributeName="cx"]'));
    // The caption is a column of lines moved past a window one line high (the first clip path).
    const window = document.querySelector('clipPath rect');
    const top = +window.getAttribute('y'), bottom = top + +window.getAttribute('height');
    const caption = [...document.querySelectorAll('text')].find((t) => {
      const r = t.getBoundingClientRect();
      return t.textContent.startsWith('iteration') && r.top >= top - 1 && r.bottom <= bottom + 1;
    });
    return {
      paused: root.animationsPaused(),
      time: root.getCurrentTime(),
      marker: [marker.cx.animVal.value, marker.cy.animVal.value],
      dots,
      caption: caption ? caption.textContent.trim() : null,
      handle: +document.querySelector('.controls .handle').getAttribute('cx'),
    };
  });
}

for (const file of ['anim_lr1_lamb.svg', 'anim_lr0.1_adam.svg', 'paths_lr1.svg']) {
  const text = readFileSync(path.join(reportDir, file), 'utf8');
  const frames = Number(/data-frames="(\d+)"/.exec(text)[1]);
  const frameS = Number(/data-frame-s="([0-9.]+)"/.exec(text)[1]);
  const x0 = Number(/data-x0="([-0-9.]+)"/.exec(text)[1]);
  const x1 = Number(/data-x1="([-0-9.]+)"/.exec(text)[1]);
  const height = Number(/<svg[^>]* height="([0-9.]+)"/.exec(text)[1]);
  const width = Number(/<svg[^>]* width="([0-9.]+)"/.exec(text)[1]);
  const { page, problems } = await open(file, Math.ceil(width), Math.ceil(height));
  const barY = await page.evaluate(() => { const r = document.querySelector('.controls .scrub rect').getBoundingClientRect(); return r.top + r.height / 2; });
  const onDot = (s, k) => Math.hypot(s.marker[0] - s.dots[k][0], s.marker[1] - s.dots[k][1]) < 0.02;
  const animated = file.startsWith('anim_');

  let s = await state(page);
  check(s.paused && Math.floor(s.time / frameS) === frames - 1, `${file}: opens on frame ${Math.floor(s.time / frameS)}, paused ${s.paused}`);
  check(onDot(s, frames - 1), `${file}: opening marker ${s.marker} is not on the last dot ${s.dots[frames - 1]}`);
  if (animated) check(s.caption === null ? false : s.caption.startsWith(`iteration ${frames - 1}:`), `${file}: opening caption '${s.caption}'`);

  for (const k of [10, 37]) {
    await page.mouse.click(x0 + (x1 - x0) * k / (frames - 1), barY);
    await page.waitForTimeout(100);
    s = await state(page);
    check(s.paused && Math.floor(s.time / frameS) === k, `${file}: scrubbed to frame ${Math.floor(s.time / frameS)}, not ${k}`);
    check(onDot(s, k), `${file}: at frame ${k} the marker ${s.marker} is not on dot ${s.dots[k]}`);
    check(Math.abs(s.handle - (x0 + (x1 - x0) * k / (frames - 1))) < 0.5, `${file}: the handle at ${s.handle} for frame ${k}`);
    if (animated) check(s.caption !== null && s.caption.startsWith(`iteration ${k}:`), `${file}: at frame ${k} the caption reads '${s.caption}'`);
  }

  // Play from frame 37: it runs, then a click pauses it where it is.
  const play = await page.evaluate(() => { const r = document.querySelector('.controls .play circle').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; });
  await page.mouse.click(play[0], play[1]);
  await page.waitForTimeout(600);
  s = await state(page);
  const running = Math.floor(s.time / frameS);
  check(!s.paused && running > 37, `${file}: after play, frame ${running} and paused ${s.paused}`);
  await page.mouse.click(play[0], play[1]);
  await page.waitForTimeout(100);
  const stopped = await state(page);
  await page.waitForTimeout(400);
  const later = await state(page);
  check(stopped.paused && later.time === stopped.time, `${file}: pause did not hold (${stopped.time} then ${later.time})`);

  // From near the end it plays once and holds the last frame.
  await page.mouse.click(x0 + (x1 - x0) * (frames - 6) / (frames - 1), barY);
  await page.mouse.click(play[0], play[1]);
  await page.waitForTimeout(5 * frameS * 1000 + 1500);
  s = await state(page);
  check(s.paused && Math.floor(s.time / frameS) === frames - 1 && onDot(s, frames - 1), `${file}: after playing to the end, frame ${Math.floor(s.time / frameS)}, paused ${s.paused}`);
  check(problems.length === 0, `${file}: ${problems.join('; ')}`);
  console.log(`${file}: opens on the last of ${frames} frames, scrubs, plays, pauses and holds the end`);
  await page.close();
}

await browser.close();
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('report in Chromium: all checks passed');
