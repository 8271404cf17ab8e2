// Recorded pictures in the camera view (tests/browser/ui.mjs runs these; test_web_ui.py reads
// the report):
// - checkThumbnail: the server's thumbnail.jpg (latency cold and cached, bytes, 304, 404) and
//   the timeline's hover preview, whose <img> must load (naturalWidth > 0);
// - checkSeekFrame: after a seek to an instant the paused video's picture, full size, reduced to
//   80x45 grey by box averages (16x16 at 720p, 24x24 at 1080p); test_web_ui.py compares it with the frames `nightjar export`
//   gives for that instant and 1.5 s either side.
import { join } from 'node:path';
import { sleep, until } from './auth.mjs';

async function firstRun(o) {
  const r = await fetch(`${o.base}/api/cameras/${o.cameras[0]}/recordings`, { headers: o.adminHeaders });
  const runs = (await r.json()).runs;
  return { start: Math.round(runs[0].start_90k / 90), end: Math.round(runs[0].end_90k / 90) };
}

async function timedGet(url, headers) {
  const t = performance.now();
  const r = await fetch(url, { headers });
  const body = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, ms: Math.round((performance.now() - t) * 10) / 10, bytes: body.length,
           etag: r.headers.get('etag'), type: r.headers.get('content-type'), stream: r.headers.get('x-stream'),
           jpeg: body[0] === 0xff && body[1] === 0xd8 };
}

export async function checkThumbnail(page, o) {
  const run = await firstRun(o);
  const h = o.adminHeaders;
  // Server figures on cameras the hover below does not touch: five key frames each, cold
  // (decoded) then cached; medians.
  const url = (cam, t, extra = '') => `${o.base}/api/cameras/${cam}/thumbnail.jpg?t=${t * 90}${extra}`;
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const measure = async (cam, extra) => {
    const cold = [], cached = [];
    for (let i = 0; i < 5; i++) cold.push(await timedGet(url(cam, run.start + 1300 + 2000 * i, extra), h));
    for (let i = 0; i < 5; i++) cached.push(await timedGet(url(cam, run.start + 1300 + 2000 * i, extra), h));
    return { cold, cached, fig: { coldMs: median(cold.map((x) => x.ms)), cachedMs: median(cached.map((x) => x.ms)),
                                  bytes: median(cold.map((x) => x.bytes)) } };
  };
  const sub = await measure(o.cameras[1], '');
  const main = await measure(o.cameras[2], '&stream=main');
  const first = sub.cold[0];
  const notModified = (await fetch(url(o.cameras[1], run.start + 1300), { headers: { ...h, 'If-None-Match': first.etag } })).status;
  const missing = (await fetch(url(o.cameras[1], run.start - 3600_000), { headers: h })).status;
  const all = [...sub.cold, ...sub.cached, ...main.cold, ...main.cached];
  const serverOk = all.every((x) => x.status === 200 && x.jpeg && x.type === 'image/jpeg') &&
    sub.cold.every((x) => x.stream === 'sub') && main.cold.every((x) => x.stream === 'main') &&
    sub.cached[0].etag === first.etag && notModified === 304 && missing === 404;

  // The hover preview: the mouse rests over the recorded run; the picture loads.
  await page.goto(`${o.base}/cameras/${o.cameras[0]}?t=${encodeURIComponent(new Date(run.start + 4000).toISOString())}`);
  const canvas = page.locator('canvas.timeline');
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  const target = run.start + Math.min(20000, (Date.now() - run.start) / 2);
  let jiggle = 0;
  const began = Date.now();
  const shown = await until(async () => {
    const vs = Number(await canvas.getAttribute('data-start'));
    const ve = Number(await canvas.getAttribute('data-end'));
    const x = box.x + ((target - vs) / (ve - vs)) * box.width;
    await page.mouse.move(x + (jiggle++ % 2), box.y + box.height / 2);
    const img = await page.evaluate(() => {
      const i = document.querySelector('.tl-hover img');
      const label = document.querySelector('.tl-hover span');
      return i ? { w: i.naturalWidth, complete: i.complete, label: label && label.textContent } : null;
    });
    return { ok: !!img && img.complete && img.w > 0, img };
  }, 15000, 300);
  const hoverMs = Date.now() - began;
  const hoverShot = join(o.out, 'screenshots', 'camera-hover-1440.png');
  if (shown.ok) await page.screenshot({ path: hoverShot });
  await page.mouse.move(box.x + box.width / 2, box.y - 200); // away: the preview goes
  await sleep(200);
  const gone = await page.evaluate(() => !document.querySelector('.tl-hover'));
  const ok = serverOk && shown.ok && gone;
  return { ok, reason: ok ? undefined : !serverOk ? 'thumbnail.jpg answered wrongly' : 'the hover preview did not load or stay',
           sub: sub.fig, main: main.fig,
           notModified, missing, hover: shown.img, hoverMs, hoverGone: gone, shot: shown.ok ? hoverShot : undefined };
}

// In the page: once the video is paused, not seeking, at `want` s and has a frame, its picture as
// 80x45 grey (box averages over the full-size frame, grey = 0.299 R + 0.587 G + 0.114 B).
async function grabFrame(page, want) {
  return page.evaluate(async (want) => {
    const v = document.querySelector('.player video');
    const settled = () => v.paused && !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - want) < 1e-3;
    for (let i = 0; i < 100 && !settled(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!settled()) return { error: `video not settled: t=${v.currentTime} paused=${v.paused} seeking=${v.seeking}` };
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const W = v.videoWidth, H = v.videoHeight, GW = 80, GH = 45;
    const c = document.createElement('canvas');
    c.width = W; c.height = H;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, W, H);
    const d = ctx.getImageData(0, 0, W, H).data;
    const bw = W / GW, bh = H / GH;
    const grey = new Array(GW * GH).fill(0);
    for (let y = 0; y < H; y++) {
      const row = Math.floor(y / bh) * GW;
      for (let x = 0; x < W; x++) {
        const p = (y * W + x) * 4;
        grey[row + Math.floor(x / bw)] += 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
      }
    }
    const n = bw * bh;
    return { w: W, h: H, t: v.currentTime, grey: grey.map((g) => Math.round(g / n)) };
  }, want);
}

export async function checkSeekFrame(page, o) {
  const run = await firstRun(o);
  // Instants between frames' starts (the frame shown is the one whose interval contains them):
  // one by opening the page at it (view.mp4 from that instant), one seeking within it.
  const t1 = run.start + 6017;
  const t2 = t1 + 3217;
  if (run.end < t2 + 2500) return { ok: false, reason: `the run is too short: ${run.end - run.start} ms` };
  await page.goto(`${o.base}/cameras/${o.cameras[0]}?t=${encodeURIComponent(new Date(t1).toISOString())}`);
  await page.locator('.player video').waitFor();
  const playing = await until(async () => {
    const s = await page.evaluate(() => {
      const v = document.querySelector('.player video');
      return { ready: v.readyState, t: v.currentTime, src: v.currentSrc };
    });
    return { ok: s.ready >= 2 && s.t > 0.2 && s.src.includes('view.mp4'), s };
  }, 20000, 100);
  if (!playing.ok) return { ok: false, reason: 'the recorded moment did not play', state: playing.s };
  // The wall time at the file's time 0 (the server's X-Start-90k: the start of the frame at t1),
  // as the app maps its seeks; a seek to t2 within the file goes where the app's would.
  const from = await until(async () => {
    const d = await page.evaluate(() => ({ ...document.querySelector('.player video').dataset }));
    return { ok: d.fromExact === '1', from: Number(d.from) };
  }, 5000, 50);
  if (!from.ok) return { ok: false, reason: 'the app did not learn where the file starts' };
  const frames = [];
  for (const [how, t, at] of [['open', t1, 0], ['seek', t2, (t2 - from.from) / 1000]]) {
    await page.evaluate((at) => { const v = document.querySelector('.player video'); v.pause(); v.currentTime = at; }, at);
    const f = await grabFrame(page, at);
    if (f.error) return { ok: false, reason: f.error };
    frames.push({ how, t: new Date(t).toISOString(), w: f.w, h: f.h, grey: Buffer.from(f.grey).toString('base64') });
  }
  await page.keyboard.press(' ').catch(() => {});
  return { ok: true, camera: o.cameras[0], fileStartBeforeT: t1 - from.from, frames };
}
