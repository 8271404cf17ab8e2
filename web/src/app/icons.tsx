// Icons as inline SVG (no icon font: glyphs such as ⏮ are missing from many systems' fonts).
// Decorative: the button around each icon carries the label.
import type { JSX } from 'preact';

const paths: Record<string, string> = {
  prev: 'M6 5h2v14H6zM20 5v14L9 12z',
  next: 'M16 5h2v14h-2zM4 5v14l11-7z',
  play: 'M7 4v16l13-8z',
  pause: 'M6 4h4v16H6zM14 4h4v16h-4z',
  stepBack: 'M16 5v14l-9-7zM5 5h2v14H5z',
  stepFwd: 'M8 5v14l9-7zM17 5h2v14h-2z',
  speaker: 'M4 9h4l5-4v14l-5-4H4zM16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12',
  muted: 'M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6',
  enlarge: 'M4 10V4h6M20 14v6h-6M4 4l6 6M20 20l-6-6',
  shrink: 'M10 4v6H4M14 20v-6h6M4 4l6 6M20 20l-6-6',
  fullscreen: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
  history: 'M12 7v5l3 3M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5',
  sun: 'M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1',
  moon: 'M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z',
  left: 'M15 5l-7 7 7 7',
  right: 'M9 5l7 7-7 7',
  minus: 'M5 12h14',
  plus: 'M5 12h14M12 5v14',
};
// Drawn with strokes (outlines) rather than fills.
const stroked = new Set(['speaker', 'muted', 'enlarge', 'shrink', 'fullscreen', 'history', 'sun', 'left', 'right', 'minus', 'plus']);

export function Icon(props: { name: keyof typeof paths }): JSX.Element {
  const s = stroked.has(props.name);
  return (
    <svg class="ico" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
         fill={s ? 'none' : 'currentColor'} stroke={s ? 'currentColor' : 'none'} stroke-width={s ? 2 : 0}
         stroke-linecap="round" stroke-linejoin="round">
      <path d={paths[props.name]} />
    </svg>
  );
}
