import { describe, expect, it, vi } from 'vitest';
import { ThumbLoader, thumbTime } from './thumb-hover';

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

describe('ThumbLoader', () => {
  // A fetch whose answers the test releases one by one.
  function fakeFetch() {
    const calls: { url: string; resolve: (r: Response) => void }[] = [];
    vi.stubGlobal('fetch', (url: string) => new Promise<Response>((resolve) => calls.push({ url, resolve })));
    let n = 0;
    vi.stubGlobal('URL', { ...URL, createObjectURL: () => `blob:${++n}`, revokeObjectURL: () => {} });
    return calls;
  }
  const jpeg = () => new Response(new Uint8Array([0xff, 0xd8]), { status: 200 });
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('debounces, keeps one request in flight, asks for the latest wanted next and caches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const calls = fakeFetch();
    let changes = 0;
    const l = new ThumbLoader('cam 1', 160, () => changes++);
    l.want(1000);
    l.want(2000); // within the debounce: 1000 is never asked for
    vi.advanceTimersByTime(150);
    expect(calls.map((c) => c.url)).toEqual(['/api/cameras/cam%201/thumbnail.jpg?t=180000&w=160']);
    l.want(3000);
    vi.advanceTimersByTime(150);
    l.want(4000);
    vi.advanceTimersByTime(150);
    expect(calls.length).toBe(1); // one in flight; 4000 is the latest wanted
    vi.useRealTimers();
    calls[0].resolve(jpeg());
    await flush(); await flush(); await flush();
    expect(l.get(2000)).toBe('blob:1');
    expect(calls.length).toBe(2);
    expect(calls[1].url).toContain('t=360000');
    calls[1].resolve(new Response('{}', { status: 404 }));
    await flush(); await flush(); await flush();
    expect(l.get(4000)).toBeNull(); // nothing recorded: remembered, not asked again
    expect(l.get(3000)).toBeUndefined();
    expect(changes).toBe(2);
    l.want(2000); // cached: no request
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.length).toBe(2);
    l.dispose();
    vi.unstubAllGlobals();
  });
});
