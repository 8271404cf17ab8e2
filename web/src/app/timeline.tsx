// The timeline canvas: recorded runs, gaps (hatched), ticks, local day boundaries, the export
// selection, "now" and the playhead. Drag to pan, wheel or pinch to zoom around the pointer,
// click (or tap) to seek; a mouse hovering shows the recorded picture there (thumb-hover.tsx).
// All arithmetic is in timeline-math.ts.
import { useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../strings';
import {
  chooseStep, dayStarts, gapsIn, pan, tickLabel, ticks, timeToX, xToTime, zoomAround,
  type Interval, type View,
} from './timeline-math';
import { THUMB_W, ThumbHover, ThumbLoader, thumbTime } from './thumb-hover';

export interface TimelineProps {
  view: View;
  runs: Interval[];
  playhead: number | null;
  selection: Interval | null;
  now: number;
  onView: (v: View) => void;
  onSeek: (t: number) => void;
  // The camera whose recorded pictures the hover preview shows; none: no preview.
  camera?: string;
}

const HEIGHT = 72;
const BAR_Y = 26;
const BAR_H = 26;

function draw(canvas: HTMLCanvasElement, p: TimelineProps) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(HEIGHT * dpr)) canvas.height = Math.round(HEIGHT * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const css = getComputedStyle(canvas);
  const color = (name: string) => css.getPropertyValue(name).trim() || '#888';
  const x = (t: number) => timeToX(t, p.view, width);
  ctx.clearRect(0, 0, width, HEIGHT);
  ctx.fillStyle = color('--tl-bg');
  ctx.fillRect(0, 0, width, HEIGHT);

  // Gaps between the first recording and now, hatched; before it and the future are plain.
  const until = Math.min(p.view.end, p.now);
  const since = Math.max(p.view.start, p.runs.length ? p.runs[0].start : Infinity);
  if (until > since) {
    ctx.fillStyle = color('--tl-gap');
    for (const g of gapsIn(p.runs, { start: since, end: until })) {
      const x0 = Math.max(0, x(g.start));
      const x1 = Math.min(width, x(g.end));
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, BAR_Y, x1 - x0, BAR_H);
      ctx.clip();
      for (let k = Math.floor(x0 / 8) * 8 - BAR_H; k < x1; k += 8) {
        ctx.fillRect(k, BAR_Y, 3, BAR_H); // vertical stripes read as "nothing here"
      }
      ctx.restore();
    }
  }
  ctx.fillStyle = color('--tl-run');
  for (const r of p.runs) {
    if (r.end < p.view.start || r.start > p.view.end) continue;
    const x0 = Math.max(0, x(r.start));
    const x1 = Math.min(width, x(r.end));
    ctx.fillRect(x0, BAR_Y, Math.max(1, x1 - x0), BAR_H);
  }
  if (p.selection) {
    ctx.fillStyle = color('--tl-sel');
    const x0 = x(Math.min(p.selection.start, p.selection.end));
    const x1 = x(Math.max(p.selection.start, p.selection.end));
    ctx.fillRect(x0, 0, Math.max(2, x1 - x0), HEIGHT);
  }

  // Ticks and labels.
  const step = chooseStep(p.view, width, 90);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillStyle = color('--tl-text');
  ctx.strokeStyle = color('--tl-tick');
  ctx.lineWidth = 1;
  for (const t of ticks(p.view, step)) {
    const tx = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(tx, 14);
    ctx.lineTo(tx, BAR_Y + BAR_H + 4);
    ctx.stroke();
    ctx.fillText(tickLabel(t, step), tx + 3, 2);
  }
  // Local day boundaries, strong.
  ctx.strokeStyle = color('--tl-day');
  ctx.lineWidth = 2;
  for (const t of dayStarts(p.view.start, p.view.end)) {
    const tx = Math.round(x(t));
    ctx.beginPath();
    ctx.moveTo(tx, 0);
    ctx.lineTo(tx, HEIGHT);
    ctx.stroke();
  }
  // Now.
  if (p.now >= p.view.start && p.now <= p.view.end) {
    ctx.fillStyle = color('--tl-now');
    ctx.fillRect(Math.round(x(p.now)) - 1, BAR_Y - 4, 2, BAR_H + 8);
  }
  // Playhead with its time.
  if (p.playhead !== null && p.playhead >= p.view.start && p.playhead <= p.view.end) {
    const px = Math.round(x(p.playhead));
    ctx.fillStyle = color('--tl-head');
    ctx.fillRect(px - 1, 0, 2, HEIGHT);
    const d = new Date(p.playhead);
    const label = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    const w = ctx.measureText(label).width + 8;
    const lx = Math.min(width - w, Math.max(0, px - w / 2));
    ctx.fillRect(lx, HEIGHT - 17, w, 16);
    ctx.fillStyle = color('--tl-head-text');
    ctx.fillText(label, lx + 4, HEIGHT - 15);
  }
}

export function Timeline(p: TimelineProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const props = useRef(p);
  props.current = p;
  const [hover, setHover] = useState<{ x: number; t: number } | null>(null);
  const [, setLoaded] = useState(0);
  const loader = useRef<ThumbLoader | null>(null);
  useEffect(() => {
    if (!p.camera) return;
    const dpr = window.devicePixelRatio || 1;
    const l = new ThumbLoader(p.camera, dpr >= 1.5 ? 2 * THUMB_W : THUMB_W, () => setLoaded((n) => n + 1));
    loader.current = l;
    return () => { l.dispose(); loader.current = null; };
  }, [p.camera]);

  useEffect(() => {
    if (canvas.current) draw(canvas.current, p);
  });

  useEffect(() => {
    const c = canvas.current!;
    const ro = new ResizeObserver(() => draw(c, props.current));
    ro.observe(c);
    const pointers = new Map<number, number>(); // pointer id -> x
    let dragStart: { x: number; view: View } | null = null;
    let moved = false;
    let pinch: { d: number; view: View; mid: number } | null = null;
    // In the canvas's CSS pixels (clientWidth): under CSS zoom (big walls) the event and the
    // bounding box are in zoomed viewport pixels, clientWidth is not.
    const localX = (e: PointerEvent | WheelEvent) => {
      const r = c.getBoundingClientRect();
      return r.width > 0 ? ((e.clientX - r.left) / r.width) * c.clientWidth : 0;
    };

    const down = (e: PointerEvent) => {
      leave();
      c.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, localX(e));
      if (pointers.size === 1) {
        dragStart = { x: localX(e), view: props.current.view };
        moved = false;
      } else if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        pinch = { d: Math.abs(a - b) || 1, view: props.current.view, mid: (a + b) / 2 };
        dragStart = null;
        moved = true;
      }
    };
    // The hover preview: mouse only (a touch is a tap or a drag), not while a button is down.
    const hoverAt = (e: PointerEvent) => {
      const l = loader.current;
      if (!l || e.pointerType !== 'mouse' || pointers.size > 0) return;
      const v = props.current.view;
      const x0 = localX(e);
      const t = xToTime(x0, v, c.clientWidth);
      setHover({ x: x0, t });
      l.want(thumbTime(t, (v.end - v.start) / Math.max(1, c.clientWidth), props.current.runs));
    };
    const leave = () => {
      setHover(null);
      loader.current?.want(null);
    };
    const move = (e: PointerEvent) => {
      hoverAt(e);
      if (!pointers.has(e.pointerId)) return;
      pointers.set(e.pointerId, localX(e));
      const w = c.clientWidth;
      if (pinch && pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const d = Math.abs(a - b) || 1;
        const anchor = xToTime(pinch.mid, pinch.view, w);
        props.current.onView(zoomAround(pinch.view, anchor, pinch.d / d));
      } else if (dragStart) {
        const dx = localX(e) - dragStart.x;
        if (Math.abs(dx) > 4) moved = true;
        if (moved) {
          const span = dragStart.view.end - dragStart.view.start;
          props.current.onView(pan(dragStart.view, (-dx / w) * span));
        }
      }
    };
    const up = (e: PointerEvent) => {
      if (!pointers.has(e.pointerId)) return;
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = null;
      if (dragStart && !moved && pointers.size === 0) {
        props.current.onSeek(xToTime(localX(e), props.current.view, c.clientWidth));
      }
      if (pointers.size === 0) dragStart = null;
    };
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const v = props.current.view;
      const w = c.clientWidth;
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        props.current.onView(pan(v, (e.deltaX / w) * (v.end - v.start)));
        return;
      }
      const factor = Math.exp(Math.max(-1, Math.min(1, e.deltaY / 300)));
      props.current.onView(zoomAround(v, xToTime(localX(e), v, w), factor));
    };
    c.addEventListener('pointerdown', down);
    c.addEventListener('pointermove', move);
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('pointerleave', leave);
    c.addEventListener('wheel', wheel, { passive: false });
    return () => {
      ro.disconnect();
      c.removeEventListener('pointerdown', down);
      c.removeEventListener('pointermove', move);
      c.removeEventListener('pointerup', up);
      c.removeEventListener('pointercancel', up);
      c.removeEventListener('pointerleave', leave);
      c.removeEventListener('wheel', wheel);
    };
  }, []);

  const head = p.playhead === null ? '' : new Date(p.playhead).toLocaleString();
  const key = hover && loader.current
    ? thumbTime(hover.t, (p.view.end - p.view.start) / Math.max(1, canvas.current?.clientWidth ?? 1), p.runs) : null;
  return (
    <div class="timeline-wrap">
      <canvas ref={canvas} class="timeline" role="img" data-start={Math.round(p.view.start)} data-end={Math.round(p.view.end)} aria-label={S.camera.timeline + (head ? '. ' + S.camera.at(head) : '')} />
      {hover && loader.current && (
        <ThumbHover x={hover.x} t={hover.t} width={canvas.current?.clientWidth ?? 0} span={p.view.end - p.view.start}
                    url={key === null ? null : loader.current.get(key)} />
      )}
    </div>
  );
}
