#!/usr/bin/env node
// End-to-end checks of the web app (web/src/app) in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core from web/node_modules; no browser is downloaded) against a running
// `nightjar run` that records fakecam cameras. tests/integration/test_web_ui.py starts both and
// reads the report.
//
//   node tests/browser/ui.mjs BASE_URL --out DIR [--cameras cam1,cam2,cam3,cam4]
//        [--h265 CAMERA] --admin-password P --viewer USER:PASSWORD [--only check1,check2]
//
// The server runs with authentication on: the browser signs in as admin through the login dialog
// (the password from <data>/initial-admin-password); the viewer (made with `nightjar user add`)
// is granted only the first camera. Node's own requests use Basic authentication as admin.
//
// Prints one JSON line: {"checks": {name: {ok, skipped?, reason?, ...figures}}, "consoleErrors",
// "screenshots"}; exits 0 when every check passed or was skipped, 1 otherwise. Downloads and
// screenshots go under DIR (DIR/screenshots/<page>-<width>.png).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAccount, checkApiKeys, checkAudit, checkSessionEnds, checkShare, checkSignIn, checkUsersPage, checkViewer,
         sleep, until } from './auth.mjs';
import { checkSeekFrame, checkThumbnail } from './frames.mjs';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--autoplay-policy=no-user-gesture-required'];
const WEB = join(dirname(fileURLToPath(import.meta.url)), '../../web');
const req = createRequire(join(WEB, 'package.json'));

function parseArgs(argv) {
  const o = { base: null, out: null, cameras: ['cam1', 'cam2', 'cam3', 'cam4'], adminPassword: null, viewer: null,
              newUser: ['olivia', 'olivia-pass-1', 'olivia-pass-2'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--out') o.out = v();
    else if (a === '--cameras') o.cameras = v().split(',');
    else if (a === '--h265') o.h265 = v();
    else if (a === '--admin-password') o.adminPassword = v();
    else if (a === '--viewer') o.viewer = v().split(':');
    else if (a === '--only') o.only = v().split(','); // these checks alone (after signIn), to debug them
    else if (a === '--probe-url') o.probeUrl = v(); // a camera that asks for a password (test connection)
    else if (a === '--probe-password') o.probePassword = v();
    else o.base = a;
  }
  if (!o.base || !o.out || !o.adminPassword || !o.viewer) {
    process.stderr.write('usage: node tests/browser/ui.mjs BASE_URL --out DIR --admin-password P --viewer U:P [--cameras a,b]\n');
    process.exit(2);
  }
  o.adminHeaders = { Authorization: 'Basic ' + Buffer.from('admin:' + o.adminPassword).toString('base64') };
  ADMIN = o.adminHeaders;
  return o;
}

let ADMIN = {}; // node's requests: Basic authentication as admin

// In the page: every <video>'s state, with the currentTime per camera tile.
function videos() {
  return [...document.querySelectorAll('video')].map((v) => {
    const tile = v.closest('[data-camera]');
    return {
      camera: tile ? tile.dataset.camera : null,
      state: tile ? tile.dataset.state : null,
      t: v.currentTime, ready: v.readyState, w: v.videoWidth, h: v.videoHeight, paused: v.paused,
      src: v.currentSrc, frames: v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0,
    };
  });
}

async function apiJson(base, path) {
  const r = await fetch(base + path, { headers: ADMIN });
  return { status: r.status, body: r.status < 300 ? await r.json() : null };
}

async function checkLive(page, o) {
  await page.goto(o.base + '/live');
  await page.getByRole('button', { name: '4 per screen' }).click();
  const first = await until(async () => {
    const v = await page.evaluate(videos);
    return { ok: v.length === 4 && v.every((x) => x.state === 'live' && x.ready >= 2 && x.w > 0), v };
  }, 30000);
  if (!first.ok) return { ok: false, reason: 'tiles not live within 30 s', videos: first.v };
  const t0 = first.v;
  await sleep(3000);
  const t1 = await page.evaluate(videos);
  const advanced = t1.map((x, i) => x.t - t0[i].t);
  const frames = t1.map((x, i) => x.frames - t0[i].frames);
  // Latency: turn the overlay on and read each player's figure (arrival in the browser to display).
  await page.getByRole('button', { name: 'Stats' }).click();
  const lat = [];
  for (let i = 0; i < 10; i++) {
    await sleep(500);
    const l = await page.evaluate(() => (window.nightjarLive ?? []).map((p) => p.stats.latency).filter((x) => x != null));
    lat.push(...l);
  }
  const statsText = await page.locator('.tile-stats').first().textContent().catch(() => '');
  const ok = advanced.every((a) => a > 1.5) && frames.every((f) => f > 10);
  const sorted = lat.slice().sort((a, b) => a - b);
  return {
    ok, reason: ok ? undefined : 'a tile did not advance', advanced, frames,
    sizes: t1.map((x) => `${x.w}x${x.h}`),
    latency: sorted.length ? { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], samples: sorted.length } : null,
    statsText,
  };
}

// "Arrange": moving the first tile one place later swaps the first two, and the order survives
// a reload (saved per user in localStorage); moved back afterwards.
async function checkOrder(page, o) {
  await page.goto(o.base + '/live');
  await page.locator('.wall .tile').first().waitFor();
  const order = () => page.locator('.wall .tile').evaluateAll((ts) => ts.map((t) => t.dataset.camera));
  const before = await order();
  await page.getByRole('button', { name: 'Arrange' }).click();
  await page.getByRole('button', { name: /^Move .* later$/ }).first().click();
  const moved = await order();
  await page.reload();
  await page.locator('.wall .tile').first().waitFor();
  const reloaded = await order();
  await page.getByRole('button', { name: 'Arrange' }).click();
  await page.getByRole('button', { name: /^Move .* later$/ }).first().click();
  await page.getByRole('button', { name: 'Done' }).click();
  const restored = await order();
  const ok = moved[0] === before[1] && moved[1] === before[0] && JSON.stringify(reloaded) === JSON.stringify(moved) &&
    JSON.stringify(restored) === JSON.stringify(before);
  return { ok, reason: ok ? undefined : 'the order did not change or was not kept', before, moved, reloaded };
}

// Where WebSocket does not get through (here: every live.ws socket closed at once by the test),
// tiles play LL-HLS through hls.js instead.
async function checkHlsFallback(ctx, o) {
  const page = await ctx.newPage();
  await page.routeWebSocket('**/live.ws*', (ws) => ws.close());
  await page.goto(o.base + '/live');
  await page.getByRole('button', { name: '1 per screen' }).click();
  const r = await until(async () => {
    const v = await page.evaluate(videos);
    const badge = await page.locator('.tile .badge').first().textContent({ timeout: 100 }).catch(() => '');
    return { ok: v.length === 1 && v[0].ready >= 2 && v[0].t > 1 && badge === 'HLS', v, badge };
  }, 30000, 250);
  await page.getByRole('button', { name: '4 per screen' }).click();
  await page.close();
  return { ok: r.ok, reason: r.ok ? undefined : 'the tile did not fall back to HLS', badge: r.badge, video: r.v && r.v[0] };
}

async function checkEnlarge(page) {
  await page.getByRole('button', { name: /^Enlarge / }).first().click();
  const r = await until(async () => {
    const v = await page.evaluate(videos);
    return { ok: v.length === 1 && v[0].state === 'live' && v[0].w >= 1280 && v[0].ready >= 2 && v[0].t > 0.5, v };
  }, 20000);
  await page.getByRole('button', { name: 'Back to the wall' }).click();
  return { ok: r.ok, reason: r.ok ? undefined : 'the enlarged tile did not play the main stream', videos: r.v };
}

async function checkCamera(page, o) {
  const list = await apiJson(o.base, `/api/list?camera=${o.cameras[0]}`);
  const run = list.body.runs[0];
  const start = Date.parse(run.start);
  const t = new Date(start + 4000).toISOString();
  const began = Date.now();
  await page.goto(`${o.base}/cameras/${o.cameras[0]}?t=${encodeURIComponent(t)}`);
  const first = await until(async () => {
    const [v] = await page.evaluate(videos);
    return { ok: v && v.ready >= 2 && v.w > 0 && v.src.includes('view.mp4'), v };
  }, 20000, 50);
  const firstFrameMs = Date.now() - began;
  if (!first.ok) return { ok: false, reason: 'recorded video did not load', v: first.v };
  await sleep(2500);
  const [v1] = await page.evaluate(videos);
  const played = v1.t - first.v.t;
  // Seek with the keyboard (5 s back) and time it to the next presented frame.
  const url0 = new URL(page.url()).searchParams.get('t');
  await page.locator('body').click({ position: { x: 5, y: 200 } }).catch(() => {});
  const seekStart = Date.now();
  await page.keyboard.press('ArrowLeft');
  const seek = await until(async () => {
    const [v] = await page.evaluate(videos);
    return { ok: v.ready >= 2 && !v.paused && v.t < v1.t, v };
  }, 10000, 20);
  const seekMs = Date.now() - seekStart;
  // Click on the timeline near its left edge (before the recordings began): it plays from the
  // first recording's start, a new view.mp4; timed to its first frame played.
  const box = await page.locator('canvas.timeline').boundingBox();
  const [before] = await page.evaluate(videos);
  const clickAt = Date.now();
  await page.mouse.click(box.x + 3, box.y + box.height / 2);
  const jumped = await until(async () => {
    const [v] = await page.evaluate(videos);
    return { ok: v.src !== before.src && v.ready >= 2 && v.t > 0, v };
  }, 10000, 20);
  const newRangeMs = Date.now() - clickAt;
  await sleep(300);
  const url1 = new URL(page.url()).searchParams.get('t');
  const startsAtRun = Math.abs(Date.parse(url1) - Date.parse(run.start)) < 3000;
  // One frame forward: pauses and moves by one frame (1/fps s: 30 fps for this clip).
  await page.keyboard.press('.');
  await sleep(300);
  const [f0] = await page.evaluate(videos);
  await page.keyboard.press('.');
  await sleep(300);
  const [f1] = await page.evaluate(videos);
  const frameStep = f1.t - f0.t;
  const stepped = f1.paused && frameStep > 0.01 && frameStep < 0.1;
  await page.keyboard.press(' '); // play again
  // Dragging the timeline pans it; playback goes on and leaves the panned view alone.
  const box2 = await page.locator('canvas.timeline').boundingBox();
  const viewStart = () => page.locator('canvas.timeline').getAttribute('data-start').then(Number);
  const s0 = await viewStart();
  await page.mouse.move(box2.x + box2.width * 0.6, box2.y + box2.height / 2);
  await page.mouse.down();
  await page.mouse.move(box2.x + box2.width * 0.3, box2.y + box2.height / 2, { steps: 8 });
  await page.mouse.up();
  const s1 = await viewStart();
  await sleep(1500);
  const s2 = await viewStart();
  const panned = s1 > s0 && s2 === s1;
  await page.getByRole('button', { name: '2×' }).click();
  const [r2a] = await page.evaluate(videos);
  await sleep(1000);
  const [r2b] = await page.evaluate(videos);
  const ok = played > 1.5 && seek.ok && jumped.ok && startsAtRun && panned && stepped && r2b.t > r2a.t;
  return { ok, reason: ok ? undefined : 'recorded playback or seek failed', played, firstFrameMs, seekMs, newRangeMs,
           urlBefore: url0, urlAfter: url1, runStart: run.start, panned, frameStep, rate2x: r2b.t - r2a.t };
}

async function checkExport(page, o) {
  const list = await apiJson(o.base, `/api/list?camera=${o.cameras[0]}`);
  const run = list.body.runs[0];
  const from = new Date(Date.parse(run.start) + 1000).toISOString();
  const to = new Date(Date.parse(run.start) + 6000).toISOString();
  await page.goto(`${o.base}/export?camera=${o.cameras[0]}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  await page.locator(`input[name=camera][value=${o.cameras[1]}]`).check();
  const est = await until(async () => {
    const s = await page.getByTestId('size').textContent();
    return { ok: !!s && s !== '…', s };
  }, 10000);
  const files = [];
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByRole('button', { name: /^Download/ }).click();
  await until(async () => ({ ok: downloads.length >= 2 }), 20000);
  // And one camera as MPEG-TS.
  await page.locator(`input[name=camera][value=${o.cameras[1]}]`).uncheck();
  await page.locator('input[name=format][value=ts]').check();
  await page.getByRole('button', { name: /^Download/ }).click();
  await until(async () => ({ ok: downloads.length >= 3 }), 20000);
  for (const d of downloads) {
    const path = join(o.out, d.suggestedFilename());
    await d.saveAs(path);
    files.push(path);
  }
  const ok = est.ok && files.length === 3 && files.filter((f) => f.endsWith('.mp4')).length === 2 && files[2].endsWith('.ts');
  return { ok, reason: ok ? undefined : `downloads: ${files.join(', ')}`, estimate: est.s, files };
}

// A camera that cannot be reached: its tile says it is offline, with the reason the server
// gives (last_error), instead of spinning. Added and removed through the API.
async function checkOffline(page, o) {
  const id = 'zz-offline';
  const add = await fetch(o.base + '/api/cameras', { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, name: 'Unreachable', url: 'rtsp://127.0.0.1:9/none', record: false }) });
  if (add.status !== 201) return { ok: false, reason: `adding the camera answered ${add.status}` };
  try {
    await page.goto(o.base + '/live');
    await page.getByRole('button', { name: '9 per screen' }).click();
    const r = await until(async () => {
      const t = await page.locator(`.tile[data-camera=${id}] .status`).textContent({ timeout: 100 }).catch(() => '');
      return { ok: /^Camera offline: \S/.test(t ?? ''), t };
    }, 30000, 250);
    return { ok: r.ok, reason: r.ok ? undefined : 'the tile did not say the camera is offline', status: r.t };
  } finally {
    await page.getByRole('button', { name: '4 per screen' }).click().catch(() => {});
    await fetch(`${o.base}/api/cameras/${id}`, { method: 'DELETE', headers: ADMIN });
  }
}

// Add a camera through the form (the URL of an existing fakecam stream), rename it, remove it.
async function checkCameraCrud(page, o) {
  const cams = (await apiJson(o.base, '/api/cameras')).body;
  const url = cams.find((c) => c.id === o.cameras[0]).url;
  page.once('dialog', (d) => d.accept()); // the removal's confirm()
  await page.goto(o.base + '/settings/cameras');
  await page.getByRole('button', { name: 'Add camera' }).click();
  await page.getByLabel('Id', { exact: true }).fill('added');
  await page.getByLabel('Name', { exact: true }).fill('Added camera');
  await page.getByLabel('Main stream URL').fill(url);
  await page.getByLabel('Record (off: live view only)').uncheck();
  await page.locator('form.form button[type=submit]').click();
  await page.getByRole('status').filter({ hasText: 'Camera added added.' }).waitFor({ timeout: 10000 }).catch(() => {});
  const row = page.locator('tr[data-camera=added]');
  await row.waitFor({ timeout: 10000 });
  const added = (await apiJson(o.base, '/api/cameras/added')).body;
  await row.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Renamed camera');
  await page.locator('form.form button[type=submit]').click();
  await page.locator('tr[data-camera=added]').filter({ hasText: 'Renamed camera' }).waitFor({ timeout: 10000 });
  const renamed = (await apiJson(o.base, '/api/cameras/added')).body;
  await page.locator('tr[data-camera=added]').getByRole('button', { name: 'Remove' }).click();
  await page.locator('tr[data-camera=added]').waitFor({ state: 'detached', timeout: 10000 });
  const gone = (await apiJson(o.base, '/api/cameras/added')).status;
  const ok = added && added.record === false && added.name === 'Added camera' && renamed.name === 'Renamed camera' &&
    renamed.url === added.url && gone === 404;
  return { ok, reason: ok ? undefined : 'add, rename or remove failed', added: added && { name: added.name, record: added.record },
           renamed: renamed && renamed.name, afterRemove: gone };
}

async function checkBadCamera(page, o) {
  await page.goto(o.base + '/settings/cameras');
  await page.getByRole('button', { name: 'Add camera' }).click();
  await page.getByLabel('Id', { exact: true }).fill('badcam');
  await page.getByLabel('Main stream URL').fill('http://not-rtsp.example/stream');
  await page.locator('form.form button[type=submit]').click();
  const alert = page.locator('form.form [role=alert]');
  await alert.waitFor({ timeout: 10000 });
  const text = (await alert.textContent()) ?? '';
  return { ok: /url/i.test(text), reason: /url/i.test(text) ? undefined : 'no error naming the URL', message: text };
}

// "Test connection" on the camera form, before saving: a wrong password says so in plain words,
// the right one shows the codec and resolution. Nothing is saved.
async function checkProbe(page, o) {
  await page.goto(o.base + '/settings/cameras');
  await page.getByRole('button', { name: 'Add camera' }).click();
  await page.getByLabel('Id', { exact: true }).fill('probed');
  await page.getByLabel('Main stream URL').fill(o.probeUrl);
  await page.getByLabel('User name').fill('admin');
  const test = async (password, n) => {
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const out = page.locator(`form.form [data-probe][data-n="${n}"]`);
    await out.waitFor({ timeout: 15000 });
    return { state: await out.getAttribute('data-probe'), code: await out.getAttribute('data-code'),
             text: ((await out.textContent()) ?? '').trim() };
  };
  const wrong = await test('not-the-password', 1);
  const good = await test(o.probePassword, 2);
  await page.getByRole('button', { name: 'Cancel' }).click();
  const saved = (await apiJson(o.base, '/api/cameras/probed')).status;
  const ok = wrong.state === 'failed' && /wrong username or password/i.test(wrong.text) &&
    good.state === 'ok' && /H\.264/.test(good.text) && /\d+×\d+/.test(good.text) && saved === 404;
  return { ok, reason: ok ? undefined : 'the probe did not show the error or the stream', wrong, good, saved };
}

// The System page's log tail (admins): monospace lines, newest at the bottom, a level filter.
async function checkSystemLog(page, o) {
  await page.goto(o.base + '/system');
  const log = page.locator('pre[data-log]');
  await log.waitFor({ timeout: 10000 });
  const all = (await log.textContent()) ?? '';
  const font = await log.evaluate((e) => getComputedStyle(e).fontFamily);
  await page.locator('select[name=log-level]').selectOption('error');
  await page.waitForFunction(() => !document.querySelector('pre[data-log]') ||
    [...document.querySelectorAll('pre[data-log] > div')].every((d) => d.className === 'log-error' || d.className === 'log-critical'),
  null, { timeout: 10000 });
  await page.locator('select[name=log-level]').selectOption('');
  await page.locator('pre[data-log]').waitFor({ timeout: 10000 });
  const ok = /HTTP API on/.test(all) && /mono/i.test(font) && !all.includes(o.adminPassword) &&
    (!o.probePassword || !all.includes(o.probePassword));
  return { ok, reason: ok ? undefined : 'no log tail, not monospace, or a secret in it', font, chars: all.length };
}

// A camera whose codec the browser may not decode (H.265 in Chromium): it plays, or says so in
// words; never a black picture without a reason.
async function checkH265(page, o, cam) {
  await page.goto(`${o.base}/cameras/${cam}`);
  const r = await until(async () => {
    const [v] = await page.evaluate(videos);
    const status = await page.locator('.player .status').textContent({ timeout: 100 }).catch(() => '');
    if (/cannot play H\.265/.test(status)) return { ok: true, outcome: 'says it cannot play', status };
    if (v && v.ready >= 2 && v.w > 0 && v.t > 0.5) return { ok: true, outcome: 'plays', size: `${v.w}x${v.h}` };
    return { ok: false, status, v };
  }, 20000);
  return { ...r, reason: r.ok ? undefined : 'neither played nor explained' };
}

// A 4K wall (3840x2160 at 100 %): the app scales itself up (CSS zoom); screenshots of the wall
// and the camera view, and a click on the timeline still seeks where it points (before the first
// recording: to its start).
async function checkBigWall(ctx, o) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 3840, height: 2160 });
  const shots = [join(o.out, 'screenshots', 'live-3840.png'), join(o.out, 'screenshots', 'camera-3840.png')];
  await page.goto(o.base + '/live');
  await page.locator('.tile[data-state=live]').first().waitFor({ timeout: 15000 });
  await sleep(2000);
  await page.screenshot({ path: shots[0] });
  const list = await apiJson(o.base, `/api/list?camera=${o.cameras[0]}`);
  const run = list.body.runs[0];
  await page.goto(`${o.base}/cameras/${o.cameras[0]}?t=${encodeURIComponent(new Date(Date.parse(run.start) + 8000).toISOString())}`);
  await sleep(1500); // the video's size settles the layout
  const box = await page.locator('canvas.timeline').boundingBox();
  const inView = box && box.y + box.height <= 2160;
  await page.mouse.click(box.x + 3, box.y + box.height / 2);
  await sleep(1500);
  const t = Date.parse(new URL(page.url()).searchParams.get('t'));
  const ok = inView && Math.abs(t - Date.parse(run.start)) < 3000;
  await page.screenshot({ path: shots[1] });
  await page.close();
  return { ok, reason: ok ? undefined : 'the timeline is off screen or its click missed', inView, t: new Date(t).toISOString(), shots };
}

const PAGES = [['live', '/live'], ['camera', '/cameras/CAM'], ['export', '/export'], ['cameras', '/settings/cameras'],
               ['storage', '/settings/storage'], ['system', '/system'], ['account', '/account'], ['users', '/admin/users'],
               ['apikeys', '/admin/apikeys'], ['audit', '/admin/audit']];

async function screenshotsAndAxe(ctx, o) {
  const axeSource = readFileSync(req.resolve('axe-core/axe.min.js'), 'utf8');
  const shots = [];
  const violations = [];
  const overflow = [];
  for (const width of [375, 1440]) {
    const page = await ctx.newPage();
    await page.setViewportSize({ width, height: width < 500 ? 812 : 900 });
    for (const theme of width === 1440 ? ['dark', 'light'] : ['dark']) {
      await page.goto(o.base + '/system');
      await page.evaluate((t) => localStorage.setItem('nightjar.theme', t), theme);
      for (const [name, path] of PAGES) {
        await page.goto(o.base + path.replace('CAM', o.cameras[0]));
        await page.waitForLoadState('networkidle').catch(() => {});
        await sleep(name === 'live' || name === 'camera' ? 3000 : 800);
        const file = join(o.out, 'screenshots', `${name}-${width}${theme === 'light' ? '-light' : ''}.png`);
        await page.screenshot({ path: file, fullPage: name !== 'live' });
        shots.push(file);
        // Nothing sticks out sideways (a phone would scroll the whole page).
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        if (scrollWidth > width) overflow.push({ page: name, width, scrollWidth });
        // Nor does a table scroll sideways inside its box (columns a phone would never see).
        const tables = await page.evaluate(() => [...document.querySelectorAll('.table-wrap')]
          .filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => ({ label: w.getAttribute('aria-label'), scrollWidth: w.scrollWidth, clientWidth: w.clientWidth })));
        for (const t of tables) overflow.push({ page: name, width, table: t });
        // axe-core, evaluated through the debugging protocol (the page's CSP forbids inline scripts).
        await page.evaluate(axeSource);
        const res = await page.evaluate(async () => {
          const r = await window.axe.run(document, { resultTypes: ['violations'] });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                                            targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
        });
        for (const v of res) violations.push({ page: name, width, theme, ...v });
      }
    }
    await page.close();
  }
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const ok = bad.length === 0 && overflow.length === 0;
  const reason = bad.length ? `${bad.length} serious/critical` : overflow.length ? 'a page or a table is wider than the screen' : undefined;
  return { shots, check: { ok, reason, bad, overflow, minor: violations.filter((v) => !bad.includes(v)) } };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(join(o.out, 'screenshots'), { recursive: true });
  const { chromium } = req('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'nj-ui-'));
  const checks = {};
  const consoleErrors = [];
  const pageErrors = [];
  let shots = [];
  let ctx = null;
  let phase = 'setup'; // the check running, for the console errors it may expect
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true,
      viewport: { width: 1440, height: 900 },
    });
    ctx.on('page', (p) => {
      p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ url: p.url(), text: m.text(), phase }); });
      p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ url: page.url(), text: m.text(), phase }); });
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    const run = async (name, fn) => {
      if (o.only && name !== 'signIn' && !o.only.includes(name)) return;
      const t = Date.now();
      phase = name;
      try {
        checks[name] = await fn();
      } catch (e) {
        checks[name] = { ok: false, reason: String(e && e.message ? e.message : e).split('\n').slice(0, 3).join(' ') };
      }
      checks[name].ms = Date.now() - t;
    };
    await run('signIn', () => checkSignIn(page, o));
    await run('firstScreen', async () => {
      const t = Date.now();
      await page.goto(o.base + '/');
      await page.locator('header.top nav').waitFor({ timeout: 5000 });
      await page.locator('.tile').first().waitFor({ timeout: 5000 });
      return { ok: true, firstScreenMs: Date.now() - t, path: new URL(page.url()).pathname };
    });
    await run('live', () => checkLive(page, o));
    await run('enlarge', () => checkEnlarge(page));
    await run('order', () => checkOrder(page, o));
    await run('hlsFallback', () => checkHlsFallback(ctx, o));
    await run('camera', () => checkCamera(page, o));
    await run('thumbnail', () => checkThumbnail(page, o));
    await run('seekFrame', () => checkSeekFrame(page, o));
    await run('export', () => checkExport(page, o));
    if (o.h265) await run('h265', () => checkH265(page, o, o.h265));
    await run('offline', () => checkOffline(page, o));
    await run('badCamera', () => checkBadCamera(page, o));
    await run('cameraCrud', () => checkCameraCrud(page, o));
    if (o.probeUrl) await run('probe', () => checkProbe(page, o));
    await run('systemLog', () => checkSystemLog(page, o));
    await run('bigWall', () => checkBigWall(ctx, o));
    await run('viewer', () => checkViewer(page, o));
    await run('sessionEnds', () => checkSessionEnds(page, o));
    await run('usersPage', () => checkUsersPage(page, o));
    await run('account', () => checkAccount(page, o));
    await run('apiKeys', () => checkApiKeys(page, o));
    await run('audit', () => checkAudit(page, o));
    await run('share', () => checkShare(ctx, page, o));
    await run('axe', async () => {
      const r = await screenshotsAndAxe(ctx, o);
      shots = r.shots;
      return r.check;
    });
  } catch (e) {
    checks.setup = { ok: false, reason: String(e.message ?? e) };
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  // Expected network errors logged by Chromium: the bad camera's 400, the sign-ins' 401s and
  // 429, the wrong current password's 403, a camera the viewer may not see (404). Anything else
  // is a console error the app must not cause. Live tiles of a page whose session was revoked
  // reconnect (refused, 401) until the user signs in again.
  const wsRefused = /WebSocket connection to .*\/live\.ws.* failed: HTTP Authentication failed/;
  const unexpected = consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|401|403|404|429)/.test(e.text) &&
    !(e.phase === 'sessionEnds' && wsRefused.test(e.text)));
  checks.console = { ok: unexpected.length === 0 && pageErrors.length === 0, unexpected, pageErrors,
                     expectedNetworkErrors: consoleErrors.length - unexpected.length };
  const ok = Object.values(checks).every((c) => c.ok);
  for (const f of ['login-1440', 'account-totp-1440', 'apikey-created-1440', 'share-1440']) {
    const file = join(o.out, 'screenshots', f + '.png');
    if (existsSync(file)) shots.push(file);
  }
  if (checks.bigWall && checks.bigWall.shots) shots.push(...checks.bigWall.shots);
  if (checks.thumbnail && checks.thumbnail.shot) shots.push(checks.thumbnail.shot);
  process.stdout.write(JSON.stringify({ ok, checks, screenshots: shots }) + '\n');
  process.exit(ok ? 0 : 1);
}

main();
