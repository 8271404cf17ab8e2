#!/usr/bin/env node
// Proves that a browser shows video: opens a page in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core from web/node_modules) and waits until its <video>
// plays. Prints one JSON line and exits 0 when it does, 1 when it does not (2 on bad usage).
//
//   node tests/browser/play.mjs URL [--seconds N] [--timeout S] [--screenshot FILE.png]
//                               [--expect-live]
//
// "Plays" means, within --timeout seconds (default 30): currentTime advanced by at least N
// seconds (default 2) in steps no faster than the wall clock (a seek does not count), the video
// has a size, a frame drawn to a canvas is not one uniform colour, and no script on the page
// threw. --expect-live also wants a live stream (infinite duration or a live hls.js playlist).
// Console errors are collected and reported but do not fail the run (a retried request logs one).
//
// Output: {"ok", "currentTime", "advanced", "width", "height", "latency", "targetLatency", "live",
//          "frame", "overlay", "reason", "errors": [...]}; the latencies (seconds behind the live
//          edge, live streams only) are hls.js's, from window.nightjarPlayer.hls.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
// Needed on this machine: no sandbox (root, containers), no GPU, no QUIC, and nothing that
// reaches out to the network on its own.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const POLL_MS = 250;

function usage(msg) {
  if (msg) process.stderr.write(`play.mjs: ${msg}\n`);
  process.stderr.write('usage: node tests/browser/play.mjs URL [--seconds N] [--timeout S] ' +
                       '[--screenshot FILE.png] [--expect-live]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { url: null, seconds: 2, timeout: 30, screenshot: null, expectLive: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const number = () => {
      const n = Number(value());
      return Number.isFinite(n) && n > 0 ? n : usage(`${a} needs a positive number`);
    };
    if (a === '--seconds') o.seconds = number();
    else if (a === '--timeout') o.timeout = number();
    else if (a === '--screenshot') o.screenshot = value();
    else if (a === '--expect-live') o.expectLive = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--') || o.url) usage(`unexpected argument ${a}`);
    else o.url = a;
  }
  return o.url ? o : usage('no URL');
}

function loadPlaywright() {
  const web = join(dirname(fileURLToPath(import.meta.url)), '../../web/package.json');
  try {
    return createRequire(web)('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core not found from ${web} (run tools/build_web.sh): ${e.message}`);
  }
}

// Runs in the page: what the <video> shows now. The frame is drawn small and judged uniform when
// every pixel's channels lie within a few levels of the first pixel's.
function probeVideo() {
  const video = document.querySelector('video');
  if (!video) return null;
  const p = window.nightjarPlayer;
  const hls = p && p.hls;
  const level = hls && hls.levels && hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0];
  let frame = null;
  if (video.readyState >= 2 && video.videoWidth > 0) {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let spread = 0;
    for (let i = 0; i < px.length; i += 4) {
      for (let c = 0; c < 3; c++) spread = Math.max(spread, Math.abs(px[i + c] - px[c]));
    }
    frame = { spread, uniform: spread <= 8 };
  }
  const overlay = document.getElementById('overlay');
  const error = document.getElementById('error');
  return {
    currentTime: video.currentTime,
    duration: video.duration,
    readyState: video.readyState,
    paused: video.paused,
    width: video.videoWidth,
    height: video.videoHeight,
    mediaError: video.error ? `${video.error.code} ${video.error.message}` : null,
    latency: hls && hls.latency > 0 ? hls.latency : null,
    targetLatency: hls ? hls.targetLatency : null,
    live: video.duration === Infinity || !!(level && level.details && level.details.live),
    frame,
    overlay: [overlay && overlay.textContent, error && !error.hidden && error.textContent]
      .map((s) => (s || '').replace(/\s+/g, ' ').trim()).filter(Boolean).join(' | '),
  };
}

async function watch(page, opts, pageErrors) {
  const deadline = Date.now() + opts.timeout * 1000;
  let advanced = 0;
  let prev = null;  // {t, at}: the last currentTime seen and when
  let last = null;
  while (Date.now() < deadline) {
    const now = Date.now();
    last = await page.evaluate(probeVideo);
    if (last && last.readyState >= 2 && !last.paused) {
      if (prev) {
        const step = last.currentTime - prev.t;
        const wall = (now - prev.at) / 1000;
        // Playback moves with the clock (up to hls.js's 1.5x catch-up); a seek jumps.
        if (step > 0 && step <= wall * 2 + 0.1) advanced += step;
      }
      prev = { t: last.currentTime, at: now };
    }
    const ready = last && advanced >= opts.seconds && last.width > 0 && last.height > 0 &&
                  last.frame && !last.frame.uniform && (!opts.expectLive || last.live);
    if (ready || pageErrors.length) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { last, advanced };
}

function verdict(opts, last, advanced, pageErrors) {
  if (pageErrors.length) return 'a script on the page threw';
  if (!last) return 'the page has no <video>';
  if (last.mediaError) return `media error ${last.mediaError}`;
  if (advanced < opts.seconds) return `played ${advanced.toFixed(2)} s of ${opts.seconds} s`;
  if (!(last.width > 0 && last.height > 0)) return 'the video has no size';
  if (!last.frame || last.frame.uniform) return 'the frame is one uniform colour';
  if (opts.expectLive && !last.live) return 'the stream is not live';
  return null;
}

// The one JSON line: what the video did (the last probe) and why it failed, if it did.
function report(reason, watched, errors) {
  const v = watched.last ?? {};
  return {
    ok: reason === null,
    currentTime: v.currentTime ?? null,
    advanced: Number(watched.advanced.toFixed(3)),
    width: v.width ?? 0,
    height: v.height ?? 0,
    latency: v.live ? v.latency ?? null : null,
    targetLatency: v.live ? v.targetLatency ?? null : null,
    live: v.live ?? null,
    frame: v.frame ?? null,
    overlay: v.overlay ?? '',
    reason,
    errors,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const profile = mkdtempSync(join(tmpdir(), 'nj-chromium-'));
  const errors = [];
  const pageErrors = [];
  let watched = { last: null, advanced: 0 };
  let context = null;
  let reason;
  try {
    const { chromium } = loadPlaywright();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 720 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => {
      pageErrors.push(e);
      errors.push(`pageerror: ${e.message}`);
    });
    page.on('requestfailed', (r) => {
      errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    const response = await page.goto(opts.url, { timeout: opts.timeout * 1000 });
    if (!response || !response.ok()) {
      reason = `the page answered ${response ? response.status() : 'nothing'}`;
    } else {
      watched = await watch(page, opts, pageErrors);
      reason = verdict(opts, watched.last, watched.advanced, pageErrors);
    }
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  } catch (e) {
    reason = String(e && e.message ? e.message : e).split('\n')[0];
  } finally {
    if (context) await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
  const result = report(reason, watched, errors);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.ok ? 0 : 1);
}

main();
