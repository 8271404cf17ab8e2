// Codec names shown to people when the browser cannot decode a camera; how the WebSocket player
// keeps to the live edge.
import { describe, expect, it } from 'vitest';
import { bufferTarget, chaseStep, codecName, codecOfMime } from './live-player';

describe('codec names', () => {
  it('reads the codecs of a MIME type', () => {
    expect(codecOfMime('video/mp4; codecs="avc1.640028,mp4a.40.2"')).toBe('avc1.640028,mp4a.40.2');
    expect(codecOfMime('video/mp4')).toBe('video/mp4');
  });
  it('names H.264 and H.265 plainly', () => {
    expect(codecName('hvc1.1.6.L120.90,mp4a.40.2')).toBe('H.265 (hvc1.1.6.L120.90)');
    expect(codecName('hev1.1.6.L93.B0')).toBe('H.265 (hev1.1.6.L93.B0)');
    expect(codecName('avc1.64001f')).toBe('H.264 (avc1.64001f)');
    expect(codecName('av01.0.08M.08')).toBe('av01.0.08M.08');
  });
});

describe('chasing the live edge', () => {
  it('keeps 0.15 s buffered, or one and a half frames at low frame rates', () => {
    expect(bufferTarget(30)).toBe(0.15);
    expect(bufferTarget(10)).toBe(0.15);
    expect(bufferTarget(5)).toBeCloseTo(0.3);
    expect(bufferTarget(0)).toBe(0.15); // no rate measured yet
  });
  it('plays faster beyond the target, at normal speed within it', () => {
    expect(chaseStep(0.1, false, 30)).toEqual({ jumpBack: null, rate: 1 });
    expect(chaseStep(0.3, false, 30)).toEqual({ jumpBack: null, rate: 1.15 });
  });
  it('jumps to the target when far behind or outside the newest range', () => {
    expect(chaseStep(1.5, false, 30)).toEqual({ jumpBack: 0.15, rate: 1 });
    expect(chaseStep(0.1, true, 5).jumpBack).toBeCloseTo(0.3);
  });
});
