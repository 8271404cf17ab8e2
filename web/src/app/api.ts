// Fetching the API: JSON in and out, errors as ApiError with the server's message, and a 401 on
// any call shown as the login dialog over the current page; the call is retried after login, so
// the page keeps its state.
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string,
              public retryAfter: number | null = null) {
    super(message);
  }
}

type LoginWaiter = () => Promise<void>;
let onUnauthorized: LoginWaiter | null = null;

// The app installs the dialog here: a promise that resolves once the user has signed in again.
export function setUnauthorizedHandler(h: LoginWaiter | null) {
  onUnauthorized = h;
}

async function errorOf(r: Response): Promise<ApiError> {
  let code = 'http_' + r.status;
  let message = r.statusText || `HTTP ${r.status}`;
  try {
    const j = await r.json();
    if (j && typeof j.error === 'string') code = j.error;
    if (j && typeof j.message === 'string') message = j.message;
  } catch {
    /* not JSON */
  }
  const ra = r.headers.get('Retry-After');
  return new ApiError(r.status, code, message, ra ? Number(ra) : null);
}

export interface ApiInit extends RequestInit {
  json?: unknown;
  noLogin?: boolean; // a 401 is the caller's to handle (the login call, /api/auth/me)
}

export async function apiFetch(path: string, init: ApiInit = {}): Promise<Response> {
  const { json, noLogin, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  for (;;) {
    const r = await fetch(path, {
      ...rest,
      headers,
      credentials: 'same-origin',
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
    if (r.status === 401 && !noLogin && onUnauthorized) {
      await onUnauthorized();
      continue;
    }
    if (!r.ok) throw await errorOf(r);
    return r;
  }
}

export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const r = await apiFetch(path, init);
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const q = (params: Record<string, string | number | null | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');

// Times in queries: RFC 3339 UTC with milliseconds (the server reads the offset).
export const isoZ = (ms: number) => new Date(ms).toISOString();

// The API's shapes (docs/API.md), as far as the app reads them.
export interface StreamInfo {
  kind: 'main' | 'sub';
  state: 'connecting' | 'streaming' | 'backoff' | 'failed' | 'stopped';
  fps: number | null;
  bitrate_bps: number | null;
  reconnects: number;
  last_error: string | null;
  last_error_at: string | null;
  video_codec: string | null;
  width: number | null;
  height: number | null;
  frames?: number;
  bytes?: number;
}

export interface Camera {
  id: string;
  name: string;
  url: string;
  sub_url?: string | null;
  location?: string | null;
  username?: string | null;
  record: boolean;
  audio: boolean;
  source: 'config' | 'api';
  transport: 'tcp' | 'udp';
  retain_bytes: number | null;
  retain_days: number | null;
  max_reconnect_attempts: number;
  streams: StreamInfo[];
}

export interface Run {
  start: string;
  start_90k: number;
  end: string;
  end_90k: number;
  duration_s: number;
  bytes: number;
  growing: boolean;
  codec?: string;
}

export interface RecordingsPage {
  runs: Run[];
  gaps: { start: string; end: string; duration_s: number }[];
  next: string | null;
  total: { runs: number; recordings: number; bytes: number; recorded_s: number };
}

export interface Day {
  date: string;
  recorded_s: number;
  first: string;
  last: string;
}

export interface Status {
  version: string;
  now: string;
  started: string;
  uptime_s: number;
  storage: {
    data_dir: string;
    dirs: { path: string; used_bytes: number; free_bytes: number | null; total_bytes: number | null; error?: string }[];
    streams: { camera: string; stream: string; recordings: number; bytes: number; retain_bytes: number | null;
               oldest_start: string | null; newest_end: string | null; retention_deleted?: RetentionDeleted }[];
  };
  cameras: Camera[];
}

export const cameraName = (c: Camera) => c.name || c.id;
export const streamOf = (c: Camera, kind: 'main' | 'sub') => c.streams.find((s) => s.kind === kind);

// What retention deleted of a stream (GET /api/status, storage.streams[].retention_deleted).
export interface RetentionDeleted {
  recordings: number;
  bytes: number;
  recordings_24h: number;
  bytes_24h: number;
  last: string | null;
}

// POST /api/cameras/probe ("test connection").
export type ProbeResult =
  | { ok: true; transport: 'tcp' | 'udp'; first_frame_ms: number;
      video: { codec: string; rfc6381: string; profile: string; width: number; height: number; fps: number; fps_source: string };
      audio: { codec: string; rfc6381: string; sample_rate: number; channels: number } | null }
  | { ok: false; error: string; message: string; detail: string };

// GET /api/system/log.
export interface LogLine {
  seq: number;
  time: string;
  level: 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical';
  message: string;
}
