#!/usr/bin/env node
// Live latency from camera send to browser display: opens a Nightjar live page in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core from web/node_modules) while
// `nightjar run` records a `nightjar fakecam` camera with send-time stamps (`?stamp=1`: every
// video frame carries the wall-clock time fakecam sent it, in an SEI user_data_unregistered unit,
// src/fakecam/stamp.h), and for every frame the page displays computes
//     display wall time - send time.
//
//   node bench/live_latency.mjs BASE_URL --camera ID --path ws|hls [--warmup S] [--seconds S]
//                               [--timeout S]
//
// --path ws:  the web app's live wall (BASE_URL/), whose player appends the fMP4 fragments of
//             live.ws to Media Source Extensions (the camera needs no sub stream, so that its
//             tile plays the main stream);
// --path hls: the HLS player page (BASE_URL/api/hls/ID/player), hls.js playing live.m3u8.
//
// How: an init script wraps SourceBuffer.prototype.appendBuffer, so every byte either player
// gives the browser passes through a small fMP4 reader first (moov: track ids, timescales,
// codecs; moof: tfdt, trun sample durations, sizes and composition offsets; mdat: each video
// sample's NAL units). A sample holding a stamp maps its presentation time (plus the
// SourceBuffer's timestampOffset) to the send time. requestVideoFrameCallback then reports each
// frame the compositor presents: metadata.mediaTime names the sample, metadata.
// expectedDisplayTime (+ performance.timeOrigin) is when it is on screen. Both clocks are this
// machine's wall clock, so nothing needs synchronising; the figure includes fakecam's socket,
// nightjar's ingest and muxing, HTTP/WebSocket, the player's buffer, decoding and compositing.
//
// Frames displayed during --warmup (default 5 s) after the first one are left out (start-up:
// the WebSocket feed starts with the buffered GOP, hls.js with its initial seek); then --seconds
// (default 20) are measured. Prints one JSON line: {"path", "frames" (displayed), "matched"
// (with a stamp), "unmatched", "stamps" (stamped samples appended), "median_ms", "p95_ms",
// "max_ms", "min_ms", "arrival_median_ms", "arrival_p95_ms" (how old the newest frame of an
// append is when the page appends it: the server's and the network's share of the latency; the
// rest is the player's buffer, decoding and compositing), "hls_target_latency_s",
// "hls_latency_s" (hls.js's own target and estimate, --path hls), "errors": [...]}. Exit 0 when
// frames were measured, 1 when none were (or the page failed), 2 on bad usage.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--autoplay-policy=no-user-gesture-required'];

function usage(msg) {
  if (msg) process.stderr.write(`live_latency.mjs: ${msg}\n`);
  process.stderr.write('usage: node bench/live_latency.mjs BASE_URL --camera ID --path ws|hls ' +
                       '[--warmup S] [--seconds S] [--timeout S]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { base: null, camera: null, path: null, warmup: 5, seconds: 20, timeout: 60 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const number = () => {
      const n = Number(value());
      return Number.isFinite(n) && n >= 0 ? n : usage(`${a} needs a number >= 0`);
    };
    if (a === '--camera') o.camera = value();
    else if (a === '--path') o.path = value();
    else if (a === '--warmup') o.warmup = number();
    else if (a === '--seconds') o.seconds = number();
    else if (a === '--timeout') o.timeout = number();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--') || o.base) usage(`unexpected argument ${a}`);
    else o.base = a.replace(/\/+$/, '');
  }
  if (!o.base || !o.camera) usage('BASE_URL and --camera are needed');
  if (o.path !== 'ws' && o.path !== 'hls') usage('--path is ws or hls');
  return o;
}

function loadPlaywright() {
  const web = join(dirname(fileURLToPath(import.meta.url)), '../web/package.json');
  try {
    return createRequire(web)('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core not found from ${web} (run tools/build_web.sh): ${e.message}`);
  }
}

// Runs in the page before any of its scripts (addInitScript): the fMP4 reader on appendBuffer
// and the frame callbacks. State is window.__njLatency.
function instrument() {
  // src/fakecam/stamp.h: kStampUuid.
  const UUID = [0x73, 0x31, 0x2b, 0xc4, 0xdd, 0x98, 0x46, 0x5f,
                0x90, 0x8a, 0x13, 0xd9, 0x0a, 0x66, 0x29, 0xb0];
  const st = { stamps: new Map(), frames: [], ages: [], stamped: 0, appends: 0, errors: [] };
  window.__njLatency = st;
  const note = (e) => { if (st.errors.length < 20) st.errors.push(String(e && e.stack || e)); };

  const u32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const i32 = (b, o) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const u64 = (b, o) => u32(b, o) * 4294967296 + u32(b, o + 4);
  const type = (b, o) => String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
  // The boxes in b[from, to): [{type, start, body, end}].
  function boxes(b, from, to) {
    const out = [];
    for (let o = from; o + 8 <= to;) {
      let size = u32(b, o);
      let body = o + 8;
      if (size === 1) {
        size = u64(b, o + 8);
        body = o + 16;
      } else if (size === 0) {
        size = to - o;
      }
      if (size < 8 || o + size > to) {
        out.push({ type: type(b, o), start: o, body, end: to, partial: true });
        break;
      }
      out.push({ type: type(b, o), start: o, body, end: o + size });
      o += size;
    }
    return out;
  }
  const child = (b, box, name) => boxes(b, box.body, box.end).find((x) => x.type === name);
  const path = (b, box, ...names) => {
    for (const n of names) {
      if (!box) return undefined;
      box = child(b, box, n);
    }
    return box;
  };

  // moov: per track id {timescale, codec: 'h264' | 'h265' | null, length size, trex defaults}.
  function readInit(b, moov) {
    const tracks = new Map();
    for (const trak of boxes(b, moov.body, moov.end).filter((x) => x.type === 'trak')) {
      const tkhd = child(b, trak, 'tkhd');
      const mdhd = path(b, trak, 'mdia', 'mdhd');
      const stsd = path(b, trak, 'mdia', 'minf', 'stbl', 'stsd');
      if (!tkhd || !mdhd || !stsd) continue;
      const id = u32(b, tkhd.body + (b[tkhd.body] === 1 ? 20 : 12));
      const timescale = u32(b, mdhd.body + (b[mdhd.body] === 1 ? 20 : 12));
      const entry = boxes(b, stsd.body + 8, stsd.end)[0];
      let codec = null;
      let lengthSize = 4;
      if (entry && ['avc1', 'avc3', 'hvc1', 'hev1'].includes(entry.type)) {
        codec = entry.type.startsWith('avc') ? 'h264' : 'h265';
        // VisualSampleEntry: 8 (SampleEntry) + 70 bytes before its child boxes.
        const cfg = boxes(b, entry.body + 78, entry.end).find((x) => x.type === 'avcC' ||
                                                                   x.type === 'hvcC');
        if (cfg) lengthSize = (b[cfg.body + (cfg.type === 'avcC' ? 4 : 21)] & 3) + 1;
      }
      tracks.set(id, { timescale, codec, lengthSize, duration: 0, size: 0 });
    }
    for (const trex of boxes(b, (child(b, moov, 'mvex') || moov).body, moov.end)
      .filter((x) => x.type === 'trex')) {
      const t = tracks.get(u32(b, trex.body + 4));
      if (t) {
        t.duration = u32(b, trex.body + 12);
        t.size = u32(b, trex.body + 16);
      }
    }
    return tracks;
  }

  // The stamp in one SEI NAL unit (header included), or null.
  function stampOf(nal, codec) {
    const header = codec === 'h264' ? 1 : 2;
    const rbsp = [];
    let zeros = 0;
    for (let i = header; i < nal.length; i++) {
      const x = nal[i];
      if (zeros >= 2 && x === 3) {
        zeros = 0;
        continue;
      }
      zeros = x === 0 ? zeros + 1 : 0;
      rbsp.push(x);
    }
    let p = 0;
    while (p < rbsp.length && !(p + 1 === rbsp.length && rbsp[p] === 0x80)) {
      let t = 0, s = 0;
      while (rbsp[p] === 0xff) { t += 255; p++; }
      t += rbsp[p++];
      while (rbsp[p] === 0xff) { s += 255; p++; }
      s += rbsp[p++];
      if (!(p + s <= rbsp.length)) return null;
      if (t === 5 && s === 24 && UUID.every((x, k) => rbsp[p + k] === x)) {
        let v = 0;
        for (let k = 16; k < 24; k++) v = v * 256 + rbsp[p + k];
        return v;  // microseconds since the Unix epoch (exact below 2^53)
      }
      p += s;
    }
    return null;
  }

  function sampleStamp(b, from, size, track) {
    for (let o = from; o + track.lengthSize <= from + size;) {
      let n = 0;
      for (let k = 0; k < track.lengthSize; k++) n = n * 256 + b[o + k];
      o += track.lengthSize;
      if (o + n > from + size) return null;
      const t = track.codec === 'h264' ? b[o] & 0x1f : (b[o] >> 1) & 0x3f;
      if (t === (track.codec === 'h264' ? 6 : 39)) {
        const s = stampOf(b.subarray(o, o + n), track.codec);
        if (s !== null) return s;
      }
      o += n;
    }
    return null;
  }

  // One moof (and the mdat after it, at data offsets relative to the moof): its video samples'
  // stamps by presentation time.
  function readFragment(b, moof, tracks, offset) {
    let newest = null;
    for (const traf of boxes(b, moof.body, moof.end).filter((x) => x.type === 'traf')) {
      const tfhd = child(b, traf, 'tfhd');
      if (!tfhd) continue;
      const tf = u32(b, tfhd.body) & 0xffffff;
      const track = tracks.get(u32(b, tfhd.body + 4));
      if (!track || !track.codec) continue;
      let o = tfhd.body + 8;
      let base = moof.start;
      if (tf & 1) { base = u64(b, o); o += 8; }  // base-data-offset: not used by MSE writers
      if (tf & 2) o += 4;
      let defDuration = track.duration, defSize = track.size;
      if (tf & 8) { defDuration = u32(b, o); o += 4; }
      if (tf & 0x10) { defSize = u32(b, o); }
      const tfdt = child(b, traf, 'tfdt');
      let time = tfdt ? (b[tfdt.body] === 1 ? u64(b, tfdt.body + 4) : u32(b, tfdt.body + 4)) : 0;
      for (const trun of boxes(b, traf.body, traf.end).filter((x) => x.type === 'trun')) {
        const version = b[trun.body];
        const f = u32(b, trun.body) & 0xffffff;
        const count = u32(b, trun.body + 4);
        let p = trun.body + 8;
        let data = base;
        if (f & 1) { data = base + i32(b, p); p += 4; }
        if (f & 4) p += 4;
        for (let i = 0; i < count; i++) {
          let duration = defDuration, size = defSize, cto = 0;
          if (f & 0x100) { duration = u32(b, p); p += 4; }
          if (f & 0x200) { size = u32(b, p); p += 4; }
          if (f & 0x400) p += 4;
          if (f & 0x800) { cto = version === 0 ? u32(b, p) : i32(b, p); p += 4; }
          if (data + size <= b.length) {
            const s = sampleStamp(b, data, size, track);
            if (s !== null) {
              const pts = (time + cto) / track.timescale + offset;
              st.stamps.set(Math.round(pts * 1000), s);
              st.stamped++;
              newest = newest === null ? s : Math.max(newest, s);
            }
          }
          data += size;
          time += duration;
        }
      }
    }
    return newest;
  }

  const perBuffer = new WeakMap();  // SourceBuffer -> {tracks, pending}
  function onAppend(sb, data) {
    let b = data instanceof ArrayBuffer ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let state = perBuffer.get(sb);
    if (!state) perBuffer.set(sb, state = { tracks: new Map(), pending: null });
    if (state.pending) {  // a moof whose mdat came in this append
      const joined = new Uint8Array(state.pending.length + b.length);
      joined.set(state.pending);
      joined.set(b, state.pending.length);
      b = joined;
      state.pending = null;
    }
    const top = boxes(b, 0, b.length);
    for (let i = 0; i < top.length; i++) {
      const box = top[i];
      if (box.type === 'moov' && !box.partial) state.tracks = readInit(b, box);
      if (box.type === 'moof' && !box.partial) {
        const mdat = top[i + 1];
        if (!mdat) {
          state.pending = b.slice(box.start, box.end);
          continue;
        }
        const newest = readFragment(b, box, state.tracks, sb.timestampOffset || 0);
        // How old the newest frame is when the page has it: the server's and the network's part.
        if (newest !== null) st.ages.push(Date.now() - newest / 1000);
      }
    }
  }

  const append = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    st.appends++;
    try {
      onAppend(this, data);
    } catch (e) {
      note(e);
    }
    return append.call(this, data);
  };

  // Every <video> that appears gets a frame callback for as long as it exists.
  const hooked = new WeakSet();
  const hook = (v) => {
    if (hooked.has(v) || !v.requestVideoFrameCallback) return;
    hooked.add(v);
    const onFrame = (_now, md) => {
      st.frames.push({ mediaTime: md.mediaTime,
                       shown: performance.timeOrigin + md.expectedDisplayTime });
      if (st.frames.length > 20000) st.frames.splice(0, 10000);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  };
  setInterval(() => document.querySelectorAll('video').forEach(hook), 100);
}

// In the page: the frames shown since the last call, each with its stamp (null: none found),
// and the arrival ages; forgets them.
function collect() {
  const st = window.__njLatency;
  const out = [];
  for (const f of st.frames) {
    const key = Math.round(f.mediaTime * 1000);
    let sent = st.stamps.get(key);
    if (sent === undefined) sent = st.stamps.get(key - 1);
    if (sent === undefined) sent = st.stamps.get(key + 1);
    out.push({ ...f, sent: sent === undefined ? null : sent / 1000 });
  }
  st.frames = [];
  const ages = st.ages;
  st.ages = [];
  return { frames: out, ages, stamped: st.stamped, appends: st.appends, errors: st.errors };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { chromium } = loadPlaywright();
  const result = { path: o.path, frames: 0, matched: 0, unmatched: 0, stamps: 0, median_ms: null,
                   p95_ms: null, max_ms: null, min_ms: null, arrival_median_ms: null,
                   arrival_p95_ms: null, errors: [] };
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => result.errors.push(`page: ${e.message}`));
    await page.addInitScript(instrument);
    const url = o.path === 'ws' ? `${o.base}/`
      : `${o.base}/api/hls/${encodeURIComponent(o.camera)}/player`;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: o.timeout * 1000 });
    // Wait for the first displayed frame, then the warm-up.
    const deadline = Date.now() + o.timeout * 1000;
    let first = null;
    while (first === null && Date.now() < deadline) {
      await page.waitForTimeout(200);
      const c = await page.evaluate(collect);
      if (c.frames.length) first = Date.now();
    }
    if (first === null) throw new Error(`no frame displayed within ${o.timeout} s`);
    await page.waitForTimeout(o.warmup * 1000);
    await page.evaluate(collect);  // forget the warm-up
    const lat = [];
    const ages = [];
    const stop = Date.now() + o.seconds * 1000;
    let last = null;
    while (Date.now() < stop) {
      await page.waitForTimeout(Math.min(1000, Math.max(0, stop - Date.now())));
      last = await page.evaluate(collect);
      ages.push(...last.ages);
      for (const f of last.frames) {
        result.frames++;
        if (f.sent === null) {
          result.unmatched++;
          continue;
        }
        result.matched++;
        lat.push(f.shown - f.sent);
      }
    }
    if (last) {
      result.stamps = last.stamped;
      result.errors.push(...last.errors);
    }
    // hls.js's own view at the end (the player page exposes its instance): the latency it aims
    // at (PART-HOLD-BACK plus liveSyncOnStallIncrease per stall) and the one it estimates.
    const hls = await page.evaluate(() => {
      const h = window.nightjarPlayer && window.nightjarPlayer.hls;
      return h ? { target: h.targetLatency, latency: h.latency } : null;
    });
    if (hls) {
      result.hls_target_latency_s = hls.target;
      result.hls_latency_s = hls.latency;
    }
    lat.sort((a, b) => a - b);
    const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);
    result.median_ms = r1(percentile(lat, 50));
    result.p95_ms = r1(percentile(lat, 95));
    result.max_ms = r1(lat.length ? lat[lat.length - 1] : null);
    result.min_ms = r1(lat.length ? lat[0] : null);
    ages.sort((a, b) => a - b);
    result.arrival_median_ms = r1(percentile(ages, 50));
    result.arrival_p95_ms = r1(percentile(ages, 95));
  } catch (e) {
    result.errors.push(String(e.message || e));
  } finally {
    if (browser) await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.matched > 0 ? 0 : 1);
}

main();
