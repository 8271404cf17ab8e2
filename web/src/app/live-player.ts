// One live picture: fragmented MP4 over WebSocket (GET /api/cameras/{id}/live.ws) into Media
// Source Extensions, LL-HLS through hls.js (a lazily loaded chunk) where MSE is missing (iOS
// Safari) or the socket cannot be opened; reconnects by itself with backoff (1, 2, 4, 8, then
// 15 s). It stays close to the live edge (plays faster when behind, jumps when far behind) and
// trims what it has played. A codec the browser cannot decode is reported, not played black.
//
// Messages (docs/API.md, live.ws): a JSON text {"type":"init","mime":...}, then the init segment,
// then one moof+mdat per frame.

import { LIVE_HLS_CONFIG } from '../hls-live-config';

export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live'; via: 'ws' | 'hls' }
  | { kind: 'waiting' } // socket open, no picture yet (camera away)
  | { kind: 'retry'; inSeconds: number; reason: string }
  | { kind: 'unsupported'; codec: string };

export interface LiveStats {
  kbps: number;
  fps: number;
  latency: number | null; // s between a frame's arrival in the browser and its display
}

// The players on the page, for tests and debugging (window.nightjarLive).
declare global {
  interface Window { nightjarLive?: LivePlayer[] }
}

const BACKOFF_S = [1, 2, 4, 8, 15];
const MAX_BEHIND_S = 1.0; // jump to the edge beyond this
const KEEP_S = 20; // buffer kept behind the playhead

// How far behind the newest frame the playhead stays: 0.15 s (about 5 frames at 30 fps) absorbs
// the jitter of a LAN and a busy browser; at low frame rates one and a half frame intervals, since
// the newest frame's whole duration counts as buffered the moment it arrives.
export function bufferTarget(fps: number): number {
  return Math.max(0.15, fps > 0 ? 1.5 / fps : 0);
}

// One step of chasing the live edge: where to jump (if anywhere) and the playback rate.
// `behind`: seconds between the playhead and the end of the newest buffered range;
// `outside`: the playhead is before that range (a gap, or a new range after a reconnect).
export function chaseStep(behind: number, outside: boolean, fps: number):
    { jumpBack: number | null; rate: number } {
  const target = bufferTarget(fps);
  if (behind > MAX_BEHIND_S || outside) return { jumpBack: target, rate: 1 };
  return { jumpBack: null, rate: behind > target ? 1.15 : 1 };
}

export const codecOfMime = (mime: string) => /codecs="([^"]+)"/.exec(mime)?.[1] ?? mime;

export function codecName(codecs: string): string {
  const v = codecs.split(',')[0].trim();
  if (v.startsWith('hvc1') || v.startsWith('hev1')) return `H.265 (${v})`;
  if (v.startsWith('avc1') || v.startsWith('avc3')) return `H.264 (${v})`;
  return v;
}

export class LivePlayer {
  private ws: WebSocket | null = null;
  private ms: MediaSource | null = null;
  private sb: SourceBuffer | null = null;
  private queue: ArrayBuffer[] = [];
  private pendingMime: string | null = null;
  private attempt = 0;
  private retryTimer = 0;
  private countdown = 0;
  private stopped = false;
  private objectUrl: string | null = null;
  private hls: { destroy(): void } | null = null;
  private useHls = false; // once WebSocket failed, HLS it is
  private bytes = 0;
  private lastAppend = 0;
  private statTimer = 0;
  private lastStat = { t: 0, bytes: 0, frames: 0 };
  stats: LiveStats = { kbps: 0, fps: 0, latency: null };

  constructor(private video: HTMLVideoElement, private camera: string, private stream: 'main' | 'sub',
              private onState: (s: LiveState) => void, private onStats?: (s: LiveStats) => void) {}

  start() {
    this.stopped = false;
    (window.nightjarLive ??= []).push(this);
    this.statTimer = window.setInterval(() => this.sample(), 1000);
    if (typeof MediaSource === 'undefined' || !('WebSocket' in window)) void this.startHls();
    else this.connect();
  }

  stop() {
    this.stopped = true;
    window.nightjarLive = (window.nightjarLive ?? []).filter((p) => p !== this);
    clearTimeout(this.retryTimer);
    clearInterval(this.countdown);
    clearInterval(this.statTimer);
    this.teardown();
  }

  private teardown() {
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = this.ws.onerror = null;
      this.ws.close();
      this.ws = null;
    }
    this.hls?.destroy();
    this.hls = null;
    this.sb = null;
    this.queue = [];
    this.ms = null;
    this.video.removeAttribute('src');
    this.video.load();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  private connect() {
    this.onState({ kind: 'connecting' });
    const ms = new MediaSource();
    this.ms = ms;
    this.objectUrl = URL.createObjectURL(ms);
    this.video.src = this.objectUrl;
    ms.addEventListener('sourceopen', () => {
      if (this.stopped || this.ms !== ms) return;
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const qs = this.stream === 'sub' ? '?stream=sub' : '';
      const ws = new WebSocket(`${proto}//${location.host}/api/cameras/${encodeURIComponent(this.camera)}/live.ws${qs}`);
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      let gotMessage = false;
      let pictured = false;
      ws.onopen = () => this.onState({ kind: 'waiting' });
      ws.onmessage = (e) => {
        gotMessage = true;
        if (typeof e.data === 'string') {
          this.onInit(e.data);
          return;
        }
        this.bytes += (e.data as ArrayBuffer).byteLength;
        this.queue.push(e.data as ArrayBuffer);
        this.pump();
        if (!pictured && this.sb) {
          pictured = true;
          this.attempt = 0;
          this.onState({ kind: 'live', via: 'ws' });
        }
      };
      ws.onclose = (e) => {
        if (this.stopped) return;
        // Closed before the first message on the first try (no WebSocket through this proxy,
        // or it refused the upgrade): play LL-HLS instead.
        if (!gotMessage && this.attempt === 0) {
          void this.startHls();
          return;
        }
        this.retry(e.reason || (e.code === 1000 ? 'the stream ended' : 'the connection closed'));
      };
    }, { once: true });
  }

  private onInit(text: string) {
    let mime = '';
    try {
      mime = (JSON.parse(text) as { mime?: string }).mime ?? '';
    } catch {
      return;
    }
    if (!MediaSource.isTypeSupported(mime)) {
      this.stopped = true;
      this.teardown();
      this.onState({ kind: 'unsupported', codec: codecName(codecOfMime(mime)) });
      return;
    }
    if (!this.ms || this.ms.readyState !== 'open') return;
    if (!this.sb) {
      this.sb = this.ms.addSourceBuffer(mime);
      this.sb.mode = 'segments';
      this.sb.addEventListener('updateend', () => this.pump());
      this.sb.addEventListener('error', () => this.retry('the browser could not decode the stream'));
    } else {
      this.pendingMime = mime;
    }
  }

  private pump() {
    const sb = this.sb;
    if (!sb || sb.updating || !this.ms || this.ms.readyState !== 'open') return;
    try {
      if (this.pendingMime) {
        sb.changeType(this.pendingMime);
        this.pendingMime = null;
      }
      const b = this.video.buffered;
      if (b.length && this.video.currentTime - b.start(0) > KEEP_S + 10) {
        sb.remove(0, this.video.currentTime - KEEP_S);
        return;
      }
      const next = this.queue.shift();
      if (!next) return;
      sb.appendBuffer(next);
      this.lastAppend = performance.now();
    } catch (e) {
      if ((e as DOMException).name === 'QuotaExceededError') {
        this.queue = [];
        return;
      }
      this.retry('the browser refused the stream');
      return;
    }
    this.chase();
  }

  // Stay near the live edge: jump when far behind, play a little faster when slightly behind.
  private chase() {
    const v = this.video;
    const b = v.buffered;
    if (!b.length) return;
    const end = b.end(b.length - 1);
    const step = chaseStep(end - v.currentTime, v.currentTime < b.start(b.length - 1), this.stats.fps);
    if (step.jumpBack !== null) v.currentTime = Math.max(b.start(b.length - 1), end - step.jumpBack);
    if (v.playbackRate !== step.rate) v.playbackRate = step.rate;
    if (v.paused) v.play().catch(() => { /* autoplay rules: muted tiles play */ });
  }

  private sample() {
    const now = performance.now();
    const frames = this.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    const dt = (now - this.lastStat.t) / 1000;
    if (this.lastStat.t && dt > 0) {
      const b = this.video.buffered;
      const behind = b.length ? b.end(b.length - 1) - this.video.currentTime : null;
      this.stats = {
        kbps: ((this.bytes - this.lastStat.bytes) * 8) / 1000 / dt,
        fps: Math.max(0, frames - this.lastStat.frames) / dt,
        latency: behind === null || !this.lastAppend ? null : behind + (now - this.lastAppend) / 1000,
      };
      this.onStats?.(this.stats);
    }
    this.lastStat = { t: now, bytes: this.bytes, frames };
  }

  private retry(reason: string) {
    if (this.stopped) return;
    this.teardown();
    const wait = BACKOFF_S[Math.min(this.attempt, BACKOFF_S.length - 1)];
    this.attempt++;
    let left = wait;
    this.onState({ kind: 'retry', inSeconds: left, reason });
    clearInterval(this.countdown);
    this.countdown = window.setInterval(() => {
      left--;
      if (left > 0) this.onState({ kind: 'retry', inSeconds: left, reason });
    }, 1000);
    this.retryTimer = window.setTimeout(() => {
      clearInterval(this.countdown);
      if (this.stopped) return;
      if (this.useHls) void this.startHls();
      else this.connect();
    }, wait * 1000);
  }

  private async startHls() {
    this.useHls = true;
    this.teardown();
    this.onState({ kind: 'connecting' });
    const qs = this.stream === 'sub' ? '?stream=sub' : '';
    const url = `/api/hls/${encodeURIComponent(this.camera)}/live.m3u8${qs}`;
    if (typeof MediaSource === 'undefined' && this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = url; // Safari on iOS: native HLS
      this.video.play().catch(() => {});
      this.onState({ kind: 'live', via: 'hls' });
      return;
    }
    const { default: Hls } = await import('hls.js/light');
    if (this.stopped) return;
    const hls = new Hls(LIVE_HLS_CONFIG);
    this.hls = hls;
    hls.on(Hls.Events.FRAG_LOADED, (_e, d) => { this.bytes += d.frag.stats.loaded; });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.play().catch(() => {});
      this.onState({ kind: 'live', via: 'hls' });
    });
    hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) this.retry(d.details); });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }
}
