#!/usr/bin/env node
// The bundle budget, checked after every `vite build` (npm run build): the gzipped size of all
// JavaScript in dist/assets except the hls.js chunk (hls-*.js, loaded only when a stream falls
// back to HLS, and by the player page) must stay under BUDGET_KIB. Prints the sizes; exits 1 over
// budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KIB = 64;
const dir = new URL('../dist/assets/', import.meta.url).pathname;
let total = 0;
let hls = 0;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.js')) continue;
  const gz = gzipSync(readFileSync(join(dir, name)), { level: 9 }).length;
  const kib = (gz / 1024).toFixed(1);
  if (name.startsWith('hls-')) {
    hls += gz;
    console.log(`bundle: ${name} ${kib} KiB gzip (hls.js, outside the budget)`);
  } else {
    total += gz;
    console.log(`bundle: ${name} ${kib} KiB gzip`);
  }
}
const kib = total / 1024;
console.log(`bundle: ${kib.toFixed(1)} KiB gzip of app JavaScript (budget ${BUDGET_KIB} KiB), ` +
            `hls.js ${(hls / 1024).toFixed(1)} KiB`);
if (kib > BUDGET_KIB) {
  console.error(`bundle: over budget by ${(kib - BUDGET_KIB).toFixed(1)} KiB`);
  process.exit(1);
}
