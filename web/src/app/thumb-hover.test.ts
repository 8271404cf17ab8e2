import { describe, expect, it } from 'vitest';
import { thumbTime } from './thumb-hover';

describe('thumbTime', () => {
  const runs = [{ start: 10_000, end: 70_000 }, { start: 100_000, end: 160_000 }];
  it('rounds down to whole seconds when zoomed in', () => {
    expect(thumbTime(12_345, 50, runs)).toBe(12_000);
    expect(thumbTime(12_999, 50, runs)).toBe(12_000);
  });
  it('uses a coarser grid when a pixel spans more', () => {
    // 2.5 s per pixel: a 10 s grid.
    expect(thumbTime(34_567, 2500, runs)).toBe(30_000);
  });
  it('asks only where something was recorded', () => {
    expect(thumbTime(80_000, 50, runs)).toBeNull();
    // The grid point falls in the gap before a run: the time itself.
    expect(thumbTime(101_000, 30_000, runs)).toBe(101_000);
  });
});
