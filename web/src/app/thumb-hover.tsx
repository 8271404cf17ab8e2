// The timeline's hover preview (desktop pointers only): a thumbnail of the recorded frame under
// the pointer (GET /api/cameras/{id}/thumbnail.jpg: the key frame at or before that time) with
// the time under it. Requests are lazy (only where something was recorded), debounced, at most
// one in flight (the latest wanted time goes next), and kept in a small client cache of object
// URLs; the server's cache and ETags do the rest.
import { S } from '../strings';
import type { Interval } from './timeline-math';
import { runAt } from './timeline-math';

const DEBOUNCE_MS = 120;
const CACHE_ENTRIES = 60;
export const THUMB_W = 160;

// A time rounded to the grid the preview asks for: whole seconds, coarser when one pixel of the
// timeline spans more (so hovering a day-wide view does not ask for every second).
export function thumbTime(t: number, msPerPx: number, runs: Interval[]): number | null {
  const grid = Math.max(1000, Math.round((msPerPx * 4) / 1000) * 1000);
  const g = Math.floor(t / grid) * grid;
  if (runAt(runs, g)) return g;
  return runAt(runs, t) ? Math.ceil(t) : null;
}

export class ThumbLoader {
  // key (rounded time) -> object URL, or null when nothing was recorded there (404). In use order.
  private cache = new Map<number, string | null>();
  private inflight: number | null = null;
  private wanted: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private camera: string, private width: number, private onChange: () => void) {}

  // The cached picture for `key`: a URL, null (nothing recorded) or undefined (not loaded).
  get(key: number): string | null | undefined {
    const v = this.cache.get(key);
    if (v !== undefined) { this.cache.delete(key); this.cache.set(key, v); }
    return v;
  }

  // Asks for `key` once the pointer has rested on it for a moment.
  want(key: number | null) {
    clearTimeout(this.timer);
    if (key === null || this.cache.has(key)) return;
    this.timer = setTimeout(() => { this.wanted = key; this.pump(); }, DEBOUNCE_MS);
  }

  private url(key: number) {
    return `/api/cameras/${encodeURIComponent(this.camera)}/thumbnail.jpg?t=${Math.round(key * 90)}&w=${this.width}`;
  }

  private pump() {
    const key = this.wanted;
    if (this.disposed || this.inflight !== null || key === null || this.cache.has(key)) return;
    this.inflight = key;
    this.wanted = null;
    fetch(this.url(key), { credentials: 'same-origin' })
      .then(async (r) => {
        if (r.ok) return URL.createObjectURL(await r.blob());
        return r.status === 404 ? null : undefined; // 503 (busy) or 401: not cached, asked again later
      }, () => undefined)
      .then((v) => {
        this.inflight = null;
        if (this.disposed) { if (v) URL.revokeObjectURL(v); return; }
        if (v !== undefined) this.put(key, v);
        this.onChange();
        this.pump();
      });
  }

  private put(key: number, v: string | null) {
    this.cache.set(key, v);
    while (this.cache.size > CACHE_ENTRIES) {
      const [oldest, url] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      if (url) URL.revokeObjectURL(url);
    }
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const url of this.cache.values()) if (url) URL.revokeObjectURL(url);
    this.cache.clear();
  }
}

export function ThumbHover(p: { x: number; t: number; url: string | null | undefined; width: number; span: number }) {
  const d = new Date(p.t);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const label = p.span > 20 * 3600_000 ? `${d.toLocaleDateString()} ${time}` : time;
  const w = THUMB_W + 8;
  const left = Math.min(Math.max(0, p.x - w / 2), Math.max(0, p.width - w));
  return (
    <div class="tl-hover" style={{ left: `${left}px`, width: `${w}px` }} aria-hidden="true">
      {p.url
        ? <img src={p.url} width={THUMB_W} alt={S.camera.thumbAlt(label)} />
        : <div class="tl-hover-empty">{p.url === null ? S.camera.noRecording : ''}</div>}
      <span>{label}</span>
    </div>
  );
}
