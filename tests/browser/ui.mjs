#!/usr/bin/env node
// End-to-end checks of the web app (web/src/app) in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core from web/node_modules; no browser is downloaded) against a running
// `nightjar run` that records fakecam cameras. tests/integration/test_web_ui.py starts both and
// reads the report.
//
//   node tests/browser/ui.mjs BASE_URL --out DIR [--cameras cam1,cam2,cam3,cam4]
//        [--h265 CAMERA] [--user U --password P]   (the login check; skipped while /api/auth/me answers 404)
//
// Prints one JSON line: {"checks": {name: {ok, skipped?, reason?, ...figures}}, "consoleErrors",
// "screenshots"}; exits 0 when every check passed or was skipped, 1 otherwise. Downloads and
// screenshots go under DIR (DIR/screenshots/<page>-<width>.png).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--autoplay-policy=no-user-gesture-required'];
const WEB = join(dirname(fileURLToPath(import.meta.url)), '../../web');
const req = createRequire(join(WEB, 'package.json'));

function parseArgs(argv) {
  const o = { base: null, out: null, cameras: ['cam1', 'cam2', 'cam3', 'cam4'], user: null, password: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--out') o.out = v();
    else if (a === '--cameras') o.cameras = v().split(',');
    else if (a === '--user') o.user = v();
    else if (a === '--h265') o.h265 = v();
    else if (a === '--password') o.password = v();
    else o.base = a;
  }
  if (!o.base || !o.out) {
    process.stderr.write('usage: node tests/browser/ui.mjs BASE_URL --out DIR [--cameras a,b]\n');
    process.exit(2);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(fn, timeoutMs, stepMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last && last.ok) return last;
    await sleep(stepMs);
  }
  return last ?? { ok: false };
}

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
  const r = await fetch(base + path);
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
  const add = await fetch(o.base + '/api/cameras', { method: 'POST', headers: { 'Content-Type': 'application/json' },
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
    await fetch(`${o.base}/api/cameras/${id}`, { method: 'DELETE' });
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
               ['storage', '/settings/storage'], ['system', '/system']];

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
  const reason = bad.length ? `${bad.length} serious/critical` : overflow.length ? 'a page is wider than the screen' : undefined;
  return { shots, check: { ok, reason, bad, overflow, minor: violations.filter((v) => !bad.includes(v)) } };
}

async function checkLogin(ctx, o) {
  const me = await fetch(o.base + '/api/auth/me');
  if (me.status === 404) return { ok: true, skipped: true, reason: '/api/auth/me answers 404: authentication is not built yet' };
  if (!o.user) return { ok: true, skipped: true, reason: 'no --user/--password given' };
  const page = await ctx.newPage();
  await page.goto(o.base + '/live');
  await page.getByLabel('User name').fill(o.user);
  await page.getByLabel('Password').fill('wrong-' + o.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const bad = await page.locator('.modal [role=alert]').textContent({ timeout: 10000 });
  await page.getByLabel('Password').fill(o.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const ok = await page.locator('.wall').waitFor({ timeout: 10000 }).then(() => true, () => false);
  await page.close();
  return { ok, reason: ok ? undefined : 'the wall did not show after signing in', badMessage: bad };
}

// The login dialog and roles against a stand-in of the auth API (page.route answers
// /api/auth/*, and 401 for /api/cameras while "signed out"; everything else is the real
// server): wrong password, throttling, TOTP, a viewer seeing only its cameras and no settings,
// and a session that ends under an open page: the dialog comes over it, the page keeps its
// state (the same tile elements), and its calls go on after signing in again.
async function checkLoginFlow(ctx, o) {
  const page = await ctx.newPage();
  let signedIn = false;
  let attempts = 0;
  const me = { username: 'vera', role: 'viewer', auth: true,
               cameras: { [o.cameras[0]]: ['live', 'recordings'], [o.cameras[1]]: ['live'] } };
  const json = (route, status, body, headers = {}) =>
    route.fulfill({ status, contentType: 'application/json', headers, body: JSON.stringify(body) });
  await page.route('**/api/auth/me', (r) => (signedIn ? json(r, 200, me) : json(r, 401, { error: 'unauthorized', message: 'sign in' })));
  await page.route('**/api/auth/login', (r) => {
    const b = JSON.parse(r.request().postData() ?? '{}');
    attempts++;
    if (attempts === 2) return json(r, 429, { error: 'too_many_requests', message: 'slow down' }, { 'Retry-After': '7' });
    if (b.username !== 'vera' || b.password !== 'pw') return json(r, 401, { error: 'unauthorized', message: 'bad credentials' });
    if (b.totp !== '123456') return json(r, 401, { error: 'totp_required', message: 'code needed' });
    signedIn = true;
    return json(r, 200, { username: 'vera' });
  });
  await page.route('**/api/cameras', (r) => (signedIn ? r.continue() : json(r, 401, { error: 'unauthorized', message: 'expired' })));
  const steps = {};
  const alertText = async (re) => {
    const r = await until(async () => {
      const t = await page.locator('.modal [role=alert]').textContent({ timeout: 100 }).catch(() => '');
      return { ok: re.test(t ?? ''), t };
    }, 5000, 50);
    return r.t;
  };
  const signIn = async (password, totp) => {
    await page.getByLabel('User name').fill('vera');
    await page.getByLabel('Password').fill(password);
    if (totp) await page.getByLabel('Code from your authenticator app').fill(totp);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  await page.goto(o.base + '/live');
  await page.getByRole('dialog', { name: 'Sign in' }).waitFor({ timeout: 5000 });
  steps.hiddenBehind = (await page.locator('.wall').count()) === 0;
  await signIn('wrong');
  steps.wrong = await alertText(/Wrong/);
  const shot = join(o.out, 'screenshots', 'login-1440.png');
  await page.screenshot({ path: shot });
  await signIn('pw');
  steps.throttled = await alertText(/7 s/);
  await signIn('pw');
  steps.totpAsked = await alertText(/6-digit/);
  await signIn('pw', '123456');
  await page.locator('.wall .tile').first().waitFor({ timeout: 10000 });
  await sleep(500);
  steps.tiles = await page.locator('.wall .tile').evaluateAll((ts) => ts.map((t) => t.dataset.camera));
  steps.nav = await page.locator('header nav a').allTextContents();
  steps.who = await page.locator('.who').textContent();
  // Mark a tile element, end the session, wait for the wall's next poll to hit the 401.
  await page.locator('.wall .tile').first().evaluate((t) => { t.dataset.mark = 'kept'; });
  signedIn = false;
  await page.getByRole('dialog', { name: 'Sign in' }).waitFor({ timeout: 15000 });
  steps.expiredText = await page.locator('.modal p').first().textContent();
  steps.keptBehind = (await page.locator('.tile[data-mark=kept]').count()) === 1;
  await signIn('pw', '123456');
  await page.getByRole('dialog').waitFor({ state: 'detached', timeout: 5000 });
  await sleep(5500); // the next poll goes through
  steps.keptAfter = (await page.locator('.tile[data-mark=kept]').count()) === 1;
  steps.dialogGone = (await page.getByRole('dialog').count()) === 0;
  await page.close();
  const ok = steps.hiddenBehind && /Wrong/.test(steps.wrong) && /7 s/.test(steps.throttled) &&
    /6-digit/.test(steps.totpAsked) && JSON.stringify(steps.tiles) === JSON.stringify([o.cameras[0], o.cameras[1]]) &&
    !steps.nav.includes('Cameras') && !steps.nav.includes('Storage') && !steps.nav.includes('Export') &&
    /ended/.test(steps.expiredText) &&
    steps.keptBehind && steps.keptAfter && steps.dialogGone;
  return { ok, reason: ok ? undefined : 'the login flow misbehaved', steps, screenshot: shot };
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
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true,
      viewport: { width: 1440, height: 900 },
    });
    ctx.on('page', (p) => {
      p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ url: p.url(), text: m.text() }); });
      p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ url: page.url(), text: m.text() }); });
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    const run = async (name, fn) => {
      const t = Date.now();
      try {
        checks[name] = await fn();
      } catch (e) {
        checks[name] = { ok: false, reason: String(e && e.message ? e.message : e).split('\n').slice(0, 3).join(' ') };
      }
      checks[name].ms = Date.now() - t;
    };
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
    await run('export', () => checkExport(page, o));
    if (o.h265) await run('h265', () => checkH265(page, o, o.h265));
    await run('offline', () => checkOffline(page, o));
    await run('badCamera', () => checkBadCamera(page, o));
    await run('cameraCrud', () => checkCameraCrud(page, o));
    await run('bigWall', () => checkBigWall(ctx, o));
    await run('loginFlow', () => checkLoginFlow(ctx, o));
    await run('login', () => checkLogin(ctx, o));
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
  // Expected network errors logged by Chromium: /api/auth/me's 404 (no auth yet), the bad
  // camera's 400, and the login flow's 401s and 429. Anything else is a console error the app
  // must not cause.
  const unexpected = consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|401|404|429)/.test(e.text));
  checks.console = { ok: unexpected.length === 0 && pageErrors.length === 0, unexpected, pageErrors,
                     expectedNetworkErrors: consoleErrors.length - unexpected.length };
  const ok = Object.values(checks).every((c) => c.ok);
  if (checks.loginFlow && checks.loginFlow.screenshot) shots.push(checks.loginFlow.screenshot);
  if (checks.bigWall && checks.bigWall.shots) shots.push(...checks.bigWall.shots);
  process.stdout.write(JSON.stringify({ ok, checks, screenshots: shots }) + '\n');
  process.exit(ok ? 0 : 1);
}

main();
