// Unit tests of the timeline's arithmetic. `npm test` runs them with TZ=Europe/Berlin (see
// package.json), so the DST cases below are real: 2026-03-29 has 23 hours, 2026-10-25 has 25.
import { describe, expect, it } from 'vitest';
import {
  DAY, HOUR, MINUTE, SECOND, MAX_SPAN, MIN_SPAN, chooseStep, coveredMs, dayStarts, estimateBytes,
  gapsIn, localMidnight, mergeRuns, nextRunStart, prevRunStart, tickLabel, ticks, timeToX,
  TICK_STEPS, xToTime, zoomAround,
} from './timeline-math';

const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
  new Date(y, mo - 1, d, h, mi, s).getTime();

describe('time zone of the test run', () => {
  it('is Europe/Berlin', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Europe/Berlin');
  });
});

describe('time <-> pixel', () => {
  const view = { start: 1_000_000, end: 1_000_000 + HOUR };
  it('maps the edges and back', () => {
    expect(timeToX(view.start, view, 600)).toBe(0);
    expect(timeToX(view.end, view, 600)).toBe(600);
    expect(xToTime(300, view, 600)).toBe(view.start + HOUR / 2);
    for (const x of [0, 17, 299.5, 600]) expect(timeToX(xToTime(x, view, 600), view, 600)).toBeCloseTo(x, 9);
  });
});

describe('zoomAround', () => {
  const view = { start: 0, end: 10 * HOUR };
  it('keeps the anchor at the same pixel', () => {
    const t = 3 * HOUR;
    const z = zoomAround(view, t, 0.5);
    expect(z.end - z.start).toBe(5 * HOUR);
    expect(timeToX(t, z, 1000)).toBeCloseTo(timeToX(t, view, 1000), 9);
  });
  it('clamps from weeks to seconds', () => {
    expect(zoomAround(view, 0, 1e-9).end - zoomAround(view, 0, 1e-9).start).toBe(MIN_SPAN);
    const out = zoomAround(view, 0, 1e9);
    expect(out.end - out.start).toBe(MAX_SPAN);
  });
});

describe('ticks', () => {
  it('chooses steps by pixels', () => {
    expect(chooseStep({ start: 0, end: MINUTE }, 1200, 80).ms).toBe(5 * SECOND);
    expect(chooseStep({ start: 0, end: DAY }, 1200, 80).ms).toBe(2 * HOUR);
    expect(chooseStep({ start: 0, end: 28 * DAY }, 1200, 80).ms).toBe(2 * DAY);
    expect(chooseStep({ start: 0, end: 1e15 }, 100).ms).toBe(7 * DAY);
  });
  it('aligns minutes to the local clock', () => {
    const step = TICK_STEPS.find((s) => s.ms === 15 * MINUTE)!;
    const ts = ticks({ start: local(2026, 6, 1, 10, 7), end: local(2026, 6, 1, 11, 7) }, step);
    expect(ts.map((t) => tickLabel(t, step))).toEqual(['10:15', '10:30', '10:45', '11:00']);
  });
  it('keeps hours on the local clock across spring forward (23 h day)', () => {
    const step = TICK_STEPS.find((s) => s.kind === 'hours' && s.n === 1)!;
    const ts = ticks({ start: local(2026, 3, 29, 0), end: local(2026, 3, 29, 5) }, step);
    expect(ts.map((t) => tickLabel(t, step))).toEqual(['2026-03-29', '01:00', '03:00', '04:00', '05:00']);
    expect(ts[2] - ts[1]).toBe(HOUR); // 01:00 CET -> 03:00 CEST is one real hour
  });
  it('keeps 6-hour ticks on 00/06/12/18 across fall back (25 h day)', () => {
    const step = TICK_STEPS.find((s) => s.kind === 'hours' && s.n === 6)!;
    const ts = ticks({ start: local(2026, 10, 25, 0), end: local(2026, 10, 26, 0) }, step);
    expect(ts.map((t) => tickLabel(t, step))).toEqual(['2026-10-25', '06:00', '12:00', '18:00', '2026-10-26']);
    expect(ts[1] - ts[0]).toBe(7 * HOUR);
  });
  it('labels seconds when the step is under a minute', () => {
    const step = TICK_STEPS.find((s) => s.ms === 10 * SECOND)!;
    const ts = ticks({ start: local(2026, 6, 1, 10, 0, 1), end: local(2026, 6, 1, 10, 0, 31) }, step);
    expect(ts.map((t) => tickLabel(t, step))).toEqual(['10:00:10', '10:00:20', '10:00:30']);
  });
  it('puts multi-day ticks on local midnights', () => {
    const step = TICK_STEPS.find((s) => s.kind === 'days' && s.n === 1)!;
    const ts = ticks({ start: local(2026, 3, 27, 12), end: local(2026, 3, 31, 12) }, step);
    expect(ts).toEqual([local(2026, 3, 28), local(2026, 3, 29), local(2026, 3, 30), local(2026, 3, 31)]);
  });
});

describe('day boundaries', () => {
  it('finds local midnights 23 and 25 hours apart around DST', () => {
    const spring = dayStarts(local(2026, 3, 28, 12), local(2026, 3, 31));
    expect(spring).toEqual([local(2026, 3, 29), local(2026, 3, 30)]);
    expect(spring[1] - spring[0]).toBe(23 * HOUR);
    const fall = dayStarts(local(2026, 10, 25), local(2026, 10, 27));
    expect(fall).toEqual([local(2026, 10, 25), local(2026, 10, 26)]);
    expect(fall[1] - fall[0]).toBe(25 * HOUR);
  });
  it('finds the local midnight of a time', () => {
    expect(localMidnight(local(2026, 3, 29, 23, 59))).toBe(local(2026, 3, 29));
    expect(localMidnight(local(2026, 10, 25, 2, 30))).toBe(local(2026, 10, 25));
  });
});

describe('runs and gaps', () => {
  const runs = [{ start: 50, end: 60 }, { start: 0, end: 10 }, { start: 10, end: 20 }, { start: 30, end: 40 }, { start: 35, end: 45 }];
  it('merges touching and overlapping runs', () => {
    expect(mergeRuns(runs)).toEqual([{ start: 0, end: 20 }, { start: 30, end: 45 }, { start: 50, end: 60 }]);
    expect(mergeRuns(runs, 5)).toEqual([{ start: 0, end: 20 }, { start: 30, end: 60 }]);
  });
  it('lists the gaps of a range', () => {
    expect(gapsIn(runs, { start: -5, end: 70 })).toEqual([
      { start: -5, end: 0 }, { start: 20, end: 30 }, { start: 45, end: 50 }, { start: 60, end: 70 }]);
    expect(gapsIn(runs, { start: 2, end: 8 })).toEqual([]);
    expect(gapsIn([], { start: 2, end: 8 })).toEqual([{ start: 2, end: 8 }]);
  });
  it('counts recorded time', () => {
    expect(coveredMs(runs, { start: 5, end: 55 })).toBe(15 + 15 + 5);
  });
  it('jumps to the next and previous run', () => {
    const merged = mergeRuns(runs);
    expect(nextRunStart(merged, 25)).toBe(30);
    expect(nextRunStart(merged, 55)).toBeNull();
    expect(prevRunStart(merged, 55 * SECOND, 0)).toBe(50);
    expect(prevRunStart(merged, 31, 0)).toBe(30);
    expect(prevRunStart(merged, 0, 0)).toBeNull();
  });
  it('estimates bytes by overlap', () => {
    expect(estimateBytes([{ start: 0, end: 100, bytes: 1000 }, { start: 100, end: 200, bytes: 500 }],
                         { start: 50, end: 150 })).toBe(750);
  });
});
