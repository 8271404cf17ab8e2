// Codec names shown to people when the browser cannot decode a camera.
import { describe, expect, it } from 'vitest';
import { codecName, codecOfMime } from './live-player';

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
