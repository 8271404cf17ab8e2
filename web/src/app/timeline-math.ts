// The timeline's arithmetic, pure (no DOM): time <-> pixel, zoom around a point, tick choice,
// local day boundaries (daylight saving time included), and runs merged into gaps. Times are
// milliseconds since the Unix epoch; "local" is the browser's time zone (the JS Date's).
// Unit tests: timeline-math.test.ts (npm test).

export interface View {
  start: number; // ms, left edge
  end: number; // ms, right edge (> start)
}

export interface Interval {
  start: number;
  end: number;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

// Zoom limits: from 10 seconds across the whole width to 8 weeks.
export const MIN_SPAN = 10 * SECOND;
export const MAX_SPAN = 56 * DAY;

export function timeToX(t: number, view: View, width: number): number {
  return ((t - view.start) / (view.end - view.start)) * width;
}

export function xToTime(x: number, view: View, width: number): number {
  return view.start + (x / width) * (view.end - view.start);
}

// Scales the span by `factor` (< 1 zooms in) keeping time `t` at the same pixel.
export function zoomAround(view: View, t: number, factor: number,
                           minSpan = MIN_SPAN, maxSpan = MAX_SPAN): View {
  const span = view.end - view.start;
  const next = Math.min(maxSpan, Math.max(minSpan, span * factor));
  const k = span > 0 ? (t - view.start) / span : 0.5;
  const start = t - k * next;
  return { start, end: start + next };
}

export function pan(view: View, deltaMs: number): View {
  return { start: view.start + deltaMs, end: view.end + deltaMs };
}

// A view of `span` centred on `t`.
export function centred(t: number, span: number): View {
  return { start: t - span / 2, end: t + span / 2 };
}

// Tick steps: sub-hour steps are fixed durations (aligned to the local clock's minutes); steps of
// an hour or more follow the local clock (hours of the day, days), so they stay on 00:00, 06:00,
// ... across a daylight saving change.
export interface TickStep {
  ms: number; // nominal length, for choosing
  kind: 'sub-hour' | 'hours' | 'days';
  n: number; // hours (kind hours) or days (kind days); unused for sub-hour
}

export const TICK_STEPS: TickStep[] = [
  ...[1, 2, 5, 10, 15, 30].map((s) => ({ ms: s * SECOND, kind: 'sub-hour' as const, n: 0 })),
  ...[1, 2, 5, 10, 15, 30].map((m) => ({ ms: m * MINUTE, kind: 'sub-hour' as const, n: 0 })),
  ...[1, 2, 3, 6, 12].map((h) => ({ ms: h * HOUR, kind: 'hours' as const, n: h })),
  ...[1, 2, 7].map((d) => ({ ms: d * DAY, kind: 'days' as const, n: d })),
];

// The smallest step whose ticks are at least `minPx` apart.
export function chooseStep(view: View, width: number, minPx = 80): TickStep {
  const msPerPx = (view.end - view.start) / Math.max(1, width);
  for (const s of TICK_STEPS) {
    if (s.ms / msPerPx >= minPx) return s;
  }
  return TICK_STEPS[TICK_STEPS.length - 1];
}

// Local midnight at or before `t`.
export function localMidnight(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

// The local midnights in [start, end): 23 or 25 hours apart around DST changes.
export function dayStarts(start: number, end: number): number[] {
  const out: number[] = [];
  const d = new Date(localMidnight(start));
  let t = d.getTime();
  if (t < start) {
    d.setDate(d.getDate() + 1);
    t = d.getTime();
  }
  while (t < end) {
    out.push(t);
    d.setDate(d.getDate() + 1);
    d.setHours(0, 0, 0, 0);
    t = d.getTime();
  }
  return out;
}

// The tick times of `step` in [view.start, view.end].
export function ticks(view: View, step: TickStep): number[] {
  const out: number[] = [];
  if (step.kind === 'sub-hour') {
    // Align to the local clock: offsets are whole quarter hours, so aligning t + offset to the
    // step puts ticks on :00, :15, ... (offset taken at the view's start).
    const off = -new Date(view.start).getTimezoneOffset() * MINUTE;
    let t = Math.ceil((view.start + off) / step.ms) * step.ms - off;
    for (; t <= view.end; t += step.ms) out.push(t);
    return out;
  }
  const d = new Date(localMidnight(view.start));
  if (step.kind === 'days') {
    // Days counted from the epoch's local date, so multi-day ticks do not move when panning.
    const dayIndex = (x: Date) => Math.round(Date.UTC(x.getFullYear(), x.getMonth(), x.getDate()) / DAY);
    while (dayIndex(d) % step.n !== 0) d.setDate(d.getDate() + 1);
    for (;;) {
      const t = d.getTime();
      if (t > view.end) break;
      if (t >= view.start) out.push(t);
      d.setDate(d.getDate() + step.n);
    }
    return out;
  }
  // Hours of the local day: 00:00, 06:00, ... of each day; a skipped hour (spring forward)
  // lands on the next existing one and is dropped when it repeats.
  for (let day = d; day.getTime() <= view.end; day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1)) {
    for (let h = 0; h < 24; h += step.n) {
      const t = new Date(day.getFullYear(), day.getMonth(), day.getDate(), h).getTime();
      if (t < view.start || t > view.end) continue;
      if (out.length && out[out.length - 1] >= t) continue;
      out.push(t);
    }
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

// A tick's label: the time with the precision the step needs, the date at local midnights.
export function tickLabel(t: number, step: TickStep): string {
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step.kind === 'days' || (step.kind === 'hours' && t === localMidnight(t))) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  if (step.ms < MINUTE) return `${hm}:${pad(d.getSeconds())}`;
  return hm;
}

// Sorted, overlapping or touching (within `joinMs`) intervals merged into one.
export function mergeRuns(runs: Interval[], joinMs = 0): Interval[] {
  const sorted = [...runs].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + joinMs) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

// The gaps of `range` not covered by `runs` (merged first).
export function gapsIn(runs: Interval[], range: Interval, joinMs = 0): Interval[] {
  const out: Interval[] = [];
  let t = range.start;
  for (const r of mergeRuns(runs, joinMs)) {
    if (r.end <= range.start) continue;
    if (r.start >= range.end) break;
    if (r.start > t) out.push({ start: t, end: r.start });
    t = Math.max(t, r.end);
  }
  if (t < range.end) out.push({ start: t, end: range.end });
  return out;
}

// The run containing t, or null.
export function runAt(runs: Interval[], t: number): Interval | null {
  for (const r of runs) if (t >= r.start && t < r.end) return r;
  return null;
}

// The start of the first run beginning after t (strictly), or null.
export function nextRunStart(runs: Interval[], t: number): number | null {
  let best: number | null = null;
  for (const r of runs) if (r.start > t && (best === null || r.start < best)) best = r.start;
  return best;
}

// The start of the run before the one containing t (or, between runs, the last run's start before
// t). `slackMs` lets "previous" from just after a run's start go to the run before it.
export function prevRunStart(runs: Interval[], t: number, slackMs = 2 * SECOND): number | null {
  let best: number | null = null;
  for (const r of runs) if (r.start < t - slackMs && (best === null || r.start > best)) best = r.start;
  return best;
}

// Recorded time of `runs` inside `range` (ms).
export function coveredMs(runs: Interval[], range: Interval): number {
  let sum = 0;
  for (const r of mergeRuns(runs)) {
    const s = Math.max(r.start, range.start);
    const e = Math.min(r.end, range.end);
    if (e > s) sum += e - s;
  }
  return sum;
}

// Bytes of recordings in `range`, counting each recording by the share of it inside the range.
export function estimateBytes(recs: (Interval & { bytes: number })[], range: Interval): number {
  let sum = 0;
  for (const r of recs) {
    const s = Math.max(r.start, range.start);
    const e = Math.min(r.end, range.end);
    if (e > s && r.end > r.start) sum += (r.bytes * (e - s)) / (r.end - r.start);
  }
  return Math.round(sum);
}
