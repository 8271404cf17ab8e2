// footage_seek: the web app's camera view opened at random instants of cam1's last 30 days
// (a footage_gen data directory served by `nightjar run` without auth, with the web app built),
// timing page load to the video playing (currentTime > 0, not paused, enough data), in headless
// Debian Chromium with playwright-core from web/node_modules (bench/README.md "footage_gen").
//
//   node bench/footage_seek.mjs http://127.0.0.1:PORT [SAMPLES]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const req = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../web/package.json'));
const { chromium } = req('playwright-core');
const base = process.argv[2];
const n = Number(process.argv[3] || 5);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
const page = await browser.newPage();
let seed = 15;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
for (let i = 0; i < n; i++) {
  const t = new Date(Date.now() - 3600e3 - rnd() * (29 * 86400e3));
  const url = `${base}/cameras/cam1?t=${t.toISOString()}`;
  const t0 = Date.now();
  await page.goto(url);
  const r = await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return v && v.currentTime > 0 && !v.paused && v.readyState >= 3 ? v.currentTime : null;
  }, null, { timeout: 30000, polling: 10 }).then(() => Date.now() - t0).catch(() => 'timeout');
  console.log(`${t.toISOString()}: page load to playing ${r} ms`);
}
await browser.close();
