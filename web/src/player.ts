// Nightjar's HLS player page. The server answers /api/hls/<camera>/player (live) and
// /api/hls/<camera>/vod/player?from=T&to=T (a recorded range) with this same page; the address
// says which playlist to play:
//   /api/hls/<camera>/player[?stream=sub]    -> /api/hls/<camera>/live.m3u8[?stream=sub] (LL-HLS)
//   /api/hls/<camera>/vod/player?from&to     -> /api/hls/<camera>/vod.m3u8?from&to&format=fmp4 (VOD)
// hls.js plays it through Media Source Extensions; browsers without MSE but with native HLS
// (Safari on iOS) get the playlist as the <video>'s src. One overlay line shows the camera's name
// and either "LIVE" with the measured latency or the recorded range; fatal errors are shown in
// words. Tests read `window.nightjarPlayer` ({hls, video, source}).
import Hls, { ErrorDetails, ErrorTypes, Events } from 'hls.js/light';
import type { ErrorData, HlsConfig } from 'hls.js/light';
import { LIVE_HLS_CONFIG } from './hls-live-config';
import './player.css';

interface Source {
  camera: string;
  live: boolean;
  playlist: string;
  from: string | null;
  to: string | null;
}

interface PlayerState {
  source: Source | null;
  video: HTMLVideoElement;
  hls: Hls | null;
}

declare global {
  interface Window {
    nightjarPlayer: PlayerState;
  }
}

const VOD_CONFIG: Partial<HlsConfig> = { lowLatencyMode: false };

// Live retries after a fatal error: 1, 2, 4, 8, then every 15 s, for as long as the page is open.
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const titleEl = $('title');
const stateEl = $('state');
const errorEl = $('error');

const state: PlayerState = { source: null, video, hls: null };
window.nightjarPlayer = state;

/** The playlist a player address stands for, or null if `loc` is not a player address. */
function sourceOf(loc: { pathname: string; search: string }): Source | null {
  const m = /^\/api\/hls\/([^/]+)\/(player|vod\/player)\/?$/.exec(loc.pathname);
  if (!m) return null;
  let camera: string;
  try {
    camera = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const base = `/api/hls/${encodeURIComponent(camera)}`;
  const q = new URLSearchParams(loc.search);
  // stream=sub (the camera's sub stream) carries over to the playlist.
  const pick = new URLSearchParams();
  const stream = q.get('stream');
  if (stream) pick.set('stream', stream);
  // A signed address (POST /api/auth/sign) plays without a cookie: its nj_* parameters go on to
  // the playlist, whose segment and part URIs the server signs in turn.
  for (const [k, v] of q) if (k.startsWith('nj_')) pick.set(k, v);
  if (m[2] === 'player') {
    const query = pick.toString();
    return { camera, live: true, playlist: `${base}/live.m3u8${query ? '?' + query : ''}`,
             from: null, to: null };
  }
  // Recordings as fMP4 segments: the browser appends them as they are, nothing to transmux.
  for (const key of ['from', 'to']) {
    const v = q.get(key);
    if (v !== null) pick.set(key, v);
  }
  pick.set('format', 'fmp4');
  return { camera, live: false, playlist: `${base}/vod.m3u8?${pick.toString()}`,
           from: q.get('from'), to: q.get('to') };
}

function showError(text: string | null): void {
  errorEl.textContent = text ?? '';
  errorEl.hidden = text === null;
}

// --- The overlay line --------------------------------------------------------------------------

async function showTitle(source: Source): Promise<void> {
  titleEl.textContent = source.camera;
  document.title = `${source.camera} – Nightjar`;
  // A signed address covers the camera's HLS files only, not /api/cameras.
  if (new URLSearchParams(location.search).has('nj_sig')) return;
  try {
    const r = await fetch(`/api/cameras/${encodeURIComponent(source.camera)}`);
    if (!r.ok) return;  // the playlist's own error says what is wrong
    const cam = (await r.json()) as { name?: unknown };
    if (typeof cam.name === 'string' && cam.name !== '') {
      titleEl.textContent = cam.name;
      document.title = `${cam.name} – Nightjar`;
    }
  } catch {
    // Keep the id: the title is a nicety.
  }
}

function parseTime(t: string | null): Date | null {
  const d = t === null ? null : new Date(t);
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

/** "22 Nov 2026, 14:00:00 – 14:05:00": the date once when both ends fall on the same day. */
function formatRange(from: string | null, to: string | null): string {
  const [f, t] = [parseTime(from), parseTime(to)];
  const date = (d: Date) => d.toLocaleDateString(undefined, { dateStyle: 'medium' });
  const time = (d: Date) => d.toLocaleTimeString();
  const start = f ? `${date(f)}, ${time(f)}` : from ?? '…';
  const end = t ? (f && date(f) === date(t) ? time(t) : `${date(t)}, ${time(t)}`) : to ?? '…';
  return `${start} – ${end}`;
}

function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const mmss = hms.slice(1).map((n) => String(n).padStart(2, '0')).join(':');
  return hms[0] ? `${hms[0]}:${mmss}` : mmss;
}

/** Seconds behind the live edge: hls.js's measure, or the end of the seekable range natively. */
function liveLatency(): number | null {
  if (state.hls) return state.hls.latency > 0 ? state.hls.latency : null;
  const r = video.seekable;
  return r.length ? Math.max(0, r.end(r.length - 1) - video.currentTime) : null;
}

function updateState(source: Source): void {
  stateEl.classList.toggle('live', source.live);
  if (source.live) {
    const latency = liveLatency();
    const ready = latency !== null && video.readyState >= 2;
    stateEl.textContent = ready ? `LIVE · ${latency.toFixed(2)} s` : 'LIVE · connecting…';
    return;
  }
  const range = formatRange(source.from, source.to);
  const at = state.hls?.playingDate;
  const pos = at ? at.toLocaleTimeString()
                 : `${formatClock(video.currentTime)} / ${formatClock(video.duration)}`;
  stateEl.textContent = `${range} · ${pos}`;
}

// --- Errors -------------------------------------------------------------------------------------

/** The `message` of the server's JSON error body, when hls.js kept it (playlists are text). */
function serverMessage(data: ErrorData): string | null {
  const xhr = data.networkDetails as unknown;
  const text = xhr instanceof XMLHttpRequest &&
               (xhr.responseType === '' || xhr.responseType === 'text');
  if (!text) return null;
  try {
    const body = JSON.parse(xhr.responseText) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : null;
  } catch {
    return null;
  }
}

/** A fatal hls.js error in words a person viewing the camera can act on. */
function describeError(data: ErrorData, source: Source): string {
  const status = data.response?.code ?? 0;
  let text: string;
  if (data.type === ErrorTypes.NETWORK_ERROR) {
    if (status === 404) {
      text = source.live ? `Camera "${source.camera}" is not streaming (or does not exist)`
                         : 'No recordings in this range';
    } else if (status === 400) {
      text = 'The server refused the request';
    } else if (status === 401 || status === 403) {
      text = 'Not allowed to view this camera';
    } else if (status >= 500) {
      text = `Server error (HTTP ${status})`;
    } else if (/TimeOut/i.test(data.details)) {
      text = 'The server did not answer in time';
    } else if (status === 0) {
      text = 'Cannot reach the server';
    } else {
      text = `HTTP ${status}`;
    }
  } else if (data.type === ErrorTypes.MEDIA_ERROR) {
    text = 'This browser cannot decode the stream';
  } else if (data.details === ErrorDetails.MANIFEST_PARSING_ERROR ||
             data.details === ErrorDetails.LEVEL_EMPTY_ERROR) {
    text = source.live ? 'The live playlist is empty or invalid' : 'No recordings in this range';
  } else {
    text = 'Playback failed';
  }
  const message = serverMessage(data);
  return `${text}${message ? `: ${message}` : ''} (${data.details})`;
}

// --- Playback ----------------------------------------------------------------------------------

function startHls(source: Source, retries: number): void {
  const hls = new Hls(source.live ? LIVE_HLS_CONFIG : VOD_CONFIG);
  state.hls = hls;
  let lastMediaRecovery = 0;
  let swappedAudio = false;

  const retryLater = (why: string) => {
    hls.destroy();
    state.hls = null;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** retries);
    showError(`${why} — retrying in ${Math.round(delay / 1000)} s`);
    window.setTimeout(() => startHls(source, retries + 1), delay);
  };

  hls.on(Events.MANIFEST_PARSED, () => {
    video.play().catch((e: DOMException) => {
      if (e.name === 'NotAllowedError') showError('Press play to start');
    });
  });
  hls.on(Events.FRAG_BUFFERED, () => {
    retries = 0;
    showError(null);
  });
  hls.on(Events.ERROR, (_event, data) => {
    if (!data.fatal || state.hls !== hls) return;
    // A decoder hiccup: recover once; if it recurs at once, swap the audio codec and try again
    // (hls.js's documented recovery), then give up.
    if (data.type === ErrorTypes.MEDIA_ERROR && !swappedAudio) {
      const now = performance.now();
      if (now - lastMediaRecovery < 3000) {
        swappedAudio = true;
        hls.swapAudioCodec();
      }
      lastMediaRecovery = now;
      hls.recoverMediaError();
      return;
    }
    const text = describeError(data, source);
    // A live stream comes back when the camera does; a recorded range will not change.
    if (source.live) {
      retryLater(text);
    } else {
      showError(text);
      hls.destroy();
      state.hls = null;
    }
  });
  hls.loadSource(source.playlist);
  hls.attachMedia(video);
}

function startNative(source: Source): void {
  video.addEventListener('error', () => {
    const e = video.error;
    showError(`Playback failed${e ? `: ${e.message || `media error ${e.code}`}` : ''}`);
  });
  video.addEventListener('playing', () => showError(null));
  video.src = source.playlist;
  video.play().catch(() => undefined);  // autoplay (muted) may still start it
}

function main(): void {
  const source = sourceOf(location);
  state.source = source;
  if (!source) {
    showError('Not a player address: expected /api/hls/<camera>/player or ' +
              '/api/hls/<camera>/vod/player?from=…&to=…');
    return;
  }
  void showTitle(source);
  updateState(source);
  window.setInterval(() => updateState(source), 500);
  if (Hls.isSupported()) {
    startHls(source, 0);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    startNative(source);
  } else {
    showError('This browser cannot play HLS (no Media Source Extensions)');
  }
}

main();
