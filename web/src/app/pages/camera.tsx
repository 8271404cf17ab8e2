// One camera: live (no ?t=) or a recorded moment (?t=<ISO time>, so it can be shared), over the
// timeline. Playback is view.mp4 from the chosen instant to the end of its run (at most 30 min):
// the server's edit list starts it with the frame at that instant and the browser seeks inside it by byte ranges,
// which answers faster than building an HLS playlist; at its end the next run follows.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, isoZ, q, streamOf, type Camera, type Day, type RecordingsPage } from '../api';
import { can, useMe } from '../auth';
import { ShareButton } from '../share';
import { useApi, useLatest } from '../hooks';
import { LivePlayer, type LiveState } from '../live-player';
import { navigate } from '../router';
import { Icon } from '../icons';
import { Timeline } from '../timeline';
import {
  HOUR, MINUTE, centred, mergeRuns, nextRunStart, prevRunStart, runAt, zoomAround,
  type Interval, type View,
} from '../timeline-math';

const WINDOW_MS = 30 * MINUTE;
const SPEEDS = [1, 2, 4, 8];

interface Loaded { from: number; to: number; at: number; runs: Interval[] }

async function loadRuns(cam: string, from: number, to: number): Promise<Interval[]> {
  const runs: Interval[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const r: RecordingsPage = await api<RecordingsPage>(
      `/api/cameras/${encodeURIComponent(cam)}/recordings?` +
        q({ from: isoZ(from), to: isoZ(to), limit: 1000, cursor }));
    for (const x of r.runs) runs.push({ start: x.start_90k / 90, end: x.end_90k / 90 });
    cursor = r.next;
    if (!cursor) break;
  }
  return runs;
}

export function CameraPage(props: { id: string | null; query: URLSearchParams }) {
  const me = useMe();
  const cams = useApi(() => api<Camera[]>('/api/cameras'), []);
  const list = (cams.data ?? []).filter((c) => can(me, c.id, 'live') || can(me, c.id, 'recordings'));
  const id = props.id ?? list[0]?.id ?? null;
  useEffect(() => {
    if (!props.id && id) navigate(`/cameras/${encodeURIComponent(id)}`, true);
  }, [props.id, id]);
  if (cams.error && !cams.data) return <p class="page error" role="alert">{S.errorPrefix}{cams.error.message}</p>;
  if (!cams.data) return <p class="page" aria-busy="true">{S.loading}</p>;
  const cam = list.find((c) => c.id === id);
  if (!cam && props.id) return <p class="page not-found" role="alert">{S.camera.notFound(props.id)}</p>;
  if (!cam) return <p class="page">{S.noCameras}</p>;
  return <CameraView key={cam.id} cam={cam} cams={list} query={props.query} />;
}

function CameraView(props: { cam: Camera; cams: Camera[]; query: URLSearchParams }) {
  const { cam } = props;
  const me = useMe();
  const name = cameraName(cam);
  const tParam = props.query.get('t');
  const fromUrl = tParam ? Date.parse(tParam) : NaN;
  const [mode, setMode] = useState<'live' | 'play'>(Number.isFinite(fromUrl) ? 'play' : 'live');
  const [now, setNow] = useState(Date.now());
  const [view, setView] = useState<View>(() => Number.isFinite(fromUrl)
    ? centred(fromUrl, HOUR) : { start: Date.now() - 55 * MINUTE, end: Date.now() + 5 * MINUTE });
  const [loaded, setLoaded] = useState<Loaded>({ from: 0, to: 0, at: 0, runs: [] });
  const [playhead, setPlayhead] = useState<number | null>(Number.isFinite(fromUrl) ? fromUrl : null);
  const [paused, setPaused] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [sel, setSel] = useState<{ start: number | null; end: number | null }>({ start: null, end: null });
  const [message, setMessage] = useState('');
  const [liveState, setLiveState] = useState<LiveState>({ kind: 'connecting' });
  const video = useRef<HTMLVideoElement>(null);
  const win = useRef<{ from: number; to: number } | null>(null);
  const runsRef = useLatest(loaded.runs);
  const mayRecordings = can(me, cam.id, 'recordings');
  const mayExport = can(me, cam.id, 'export');
  const fps = streamOf(cam, 'main')?.fps || 30;

  const days = useApi(() => mayRecordings
    ? api<{ days: Day[] }>(`/api/cameras/${encodeURIComponent(cam.id)}/days`) : Promise.resolve({ days: [] }), [cam.id]);

  // Runs for the view and a view's width either side; again every 10 s for the growing edge.
  useEffect(() => {
    if (!mayRecordings) return;
    const span = view.end - view.start;
    // Covered, and fresh where the view reaches the present (the growing run).
    const covered = view.start >= loaded.from && view.end <= loaded.to &&
      (view.end < loaded.at - 60_000 || now - loaded.at < 10_000);
    if (covered) return;
    const from = view.start - span;
    const to = Math.max(view.end + span, Date.now() + MINUTE);
    const timer = setTimeout(() => {
      const at = Date.now();
      loadRuns(cam.id, from, to).then((runs) => setLoaded({ from, to, at, runs: mergeRuns(runs, 1500) }), () => {});
    }, 150);
    return () => clearTimeout(timer);
  }, [view, cam.id, now, mayRecordings]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 10000);
    return () => clearInterval(t);
  }, []);

  // URL holds the time (replace, not push: scrubbing should not fill the history).
  const lastUrl = useRef(0);
  useEffect(() => {
    if (mode !== 'play' || playhead === null) return;
    if (Math.abs(playhead - lastUrl.current) < 1000) return;
    lastUrl.current = playhead;
    const sec = Math.floor(playhead / 1000) * 1000;
    history.replaceState(null, '', `/cameras/${encodeURIComponent(cam.id)}?t=${encodeURIComponent(isoZ(sec))}`);
  }, [playhead, mode, cam.id]);

  const seek = useCallback((t: number, runs = runsRef.current) => {
    const v = video.current;
    if (!v) return;
    setMode('play');
    let run = runAt(runs, t);
    if (!run) {
      const next = nextRunStart(runs, t);
      if (next === null) {
        setMessage(S.camera.noRecording);
        setPlayhead(t);
        return;
      }
      t = next;
      run = runAt(runs, t);
    }
    setMessage('');
    setPlayhead(t);
    const w = win.current;
    if (w && t >= w.from && t < w.to - 500 && v.src) {
      v.currentTime = (t - w.from) / 1000;
      return;
    }
    const to = Math.min(run ? run.end : t + WINDOW_MS, t + WINDOW_MS);
    const w2 = { from: t, to: Math.max(to, t + 1000) };
    win.current = w2;
    v.dataset.from = String(t); // the wall time (ms) at the file's time 0, for tests
    delete v.dataset.fromExact;
    v.src = `/api/cameras/${encodeURIComponent(cam.id)}/view.mp4?` + q({ from: isoZ(t), to: isoZ(w2.to) });
    // The file starts with the frame at t, from that frame's start (up to a frame before t): the
    // server says where, so that the playhead and seeks within the file map to wall time exactly.
    fetch(v.src, { method: 'HEAD', credentials: 'same-origin' }).then((r) => {
      const start = Number(r.headers.get('X-Start-90k'));
      if (!r.ok || !(start > 0) || win.current !== w2) return;
      w2.from = start / 90;
      v.dataset.from = String(w2.from);
      v.dataset.fromExact = '1';
    }, () => {});
    v.playbackRate = speed;
    v.play().catch(() => {});
  }, [cam.id, speed]);

  // First seek from the URL once runs are known.
  const didInitial = useRef(false);
  useEffect(() => {
    if (didInitial.current || mode !== 'play' || !Number.isFinite(fromUrl) || loaded.to === 0) return;
    didInitial.current = true;
    seek(fromUrl, loaded.runs);
  }, [loaded]);

  // Live: the main stream over WebSocket.
  useEffect(() => {
    if (mode !== 'live' || !video.current) return;
    win.current = null;
    const p = new LivePlayer(video.current, cam.id, 'main', setLiveState);
    p.start();
    setPlayhead(null);
    history.replaceState(null, '', `/cameras/${encodeURIComponent(cam.id)}`);
    return () => p.stop();
  }, [mode, cam.id]);

  // The playhead follows the video while playing back.
  useEffect(() => {
    const v = video.current!;
    let raf = 0;
    const tick = () => {
      const w = win.current;
      // About ten updates a second of playback: enough for the timeline, cheap to render.
      if (w && mode === 'play' && !v.seeking && v.readyState >= 2) {
        const t = w.from + v.currentTime * 1000;
        setPlayhead((old) => (old === null || Math.abs(t - old) >= 100 ? t : old));
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    const ended = () => {
      const w = win.current;
      if (!w || mode !== 'play') return;
      const t = w.to;
      const next = runAt(runsRef.current, t + 1) ? t : nextRunStart(runsRef.current, t);
      win.current = null;
      if (next === null || next > Date.now() - 5000) setMode('live');
      else seek(next);
    };
    const sync = () => setPaused(v.paused);
    const failed = () => { if (mode === 'play' && v.error) setMessage(S.camera.cannotPlay); };
    v.addEventListener('error', failed);
    v.addEventListener('ended', ended);
    v.addEventListener('play', sync);
    v.addEventListener('pause', sync);
    return () => {
      cancelAnimationFrame(raf);
      v.removeEventListener('ended', ended);
      v.removeEventListener('error', failed);
      v.removeEventListener('play', sync);
      v.removeEventListener('pause', sync);
    };
  }, [mode, seek]);

  // Follow the playhead when playback carries it off the right edge, or a seek lands outside
  // the view; a view the user has panned elsewhere otherwise stays where it is.
  const prevHead = useRef<number | null>(null);
  useEffect(() => {
    const prev = prevHead.current;
    prevHead.current = playhead;
    if (playhead === null) return;
    const span = view.end - view.start;
    const edge = view.end - span * 0.05;
    const wasInView = prev !== null && prev >= view.start && prev <= edge;
    const jumped = prev === null || Math.abs(playhead - prev) > 2000;
    const outside = playhead < view.start || playhead > edge;
    if (outside && (wasInView || jumped)) setView(centred(playhead, span));
  }, [playhead]);

  const togglePlay = () => {
    const v = video.current!;
    if (mode === 'live') return;
    if (v.paused) v.play().catch(() => {}); else v.pause();
  };
  const step = (frames: number) => {
    const v = video.current!;
    if (mode !== 'play') return;
    v.pause();
    v.currentTime = Math.max(0, v.currentTime + frames / fps);
  };
  const jumpRun = (dir: 1 | -1) => {
    const t = playhead ?? Date.now();
    const target = dir > 0 ? nextRunStart(runsRef.current, t) : prevRunStart(runsRef.current, t);
    if (target !== null) seek(target);
  };
  const zoom = (f: number) => setView(zoomAround(view, playhead ?? (view.start + view.end) / 2, f));
  const setRate = (s: number) => {
    setSpeed(s);
    if (video.current) video.current.playbackRate = s;
  };
  const mark = (which: 'start' | 'end') => {
    const t = playhead ?? Date.now();
    setSel((s) => ({ ...s, [which]: t }));
  };

  // Keyboard shortcuts (not while typing in a field).
  const keys = useLatest((e: KeyboardEvent) => {
    const tag = (e.target as HTMLElement).tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = playhead ?? Date.now();
    const handled = (() => {
      switch (e.key) {
        case ' ': case 'k': togglePlay(); return true;
        case 'ArrowLeft': seek(t - 5000); return true;
        case 'ArrowRight': seek(t + 5000); return true;
        case ',': step(-1); return true;
        case '.': step(1); return true;
        case '[': mark('start'); return true;
        case ']': mark('end'); return true;
        case '+': case '=': zoom(0.5); return true;
        case '-': zoom(2); return true;
        case 'PageUp': jumpRun(-1); return true;
        case 'PageDown': jumpRun(1); return true;
        case 'l': case 'L': setMode('live'); return true;
        default: return false;
      }
    })();
    if (handled) e.preventDefault();
  });
  useEffect(() => {
    const h = (e: KeyboardEvent) => keys.current(e);
    addEventListener('keydown', h);
    return () => removeEventListener('keydown', h);
  }, []);

  const selection = sel.start !== null && sel.end !== null ? { start: Math.min(sel.start, sel.end), end: Math.max(sel.start, sel.end) } : null;
  const liveStatus = mode === 'live' && liveState.kind !== 'live'
    ? liveState.kind === 'unsupported' ? S.live.unsupported(liveState.codec)
      : liveState.kind === 'retry' ? S.live.reconnecting(liveState.inSeconds) : S.live.connecting
    : '';

  return (
    <section class="page camera-page" aria-labelledby="cam-title">
      <div class="toolbar">
        <h1 id="cam-title" class="sr-only">{name}</h1>
        <label class="inline">
          <span class="sr-only">{S.camera.chooseCamera}</span>
          <select value={cam.id} onChange={(e) => navigate(`/cameras/${encodeURIComponent(e.currentTarget.value)}`)}>
            {props.cams.map((c) => <option key={c.id} value={c.id}>{cameraName(c)}</option>)}
          </select>
        </label>
        {mayRecordings && (
          <label class="inline">
            <span class="sr-only">{S.camera.day}</span>
            <select value="" aria-label={S.camera.day} onChange={(e) => {
              const d = (days.data?.days ?? []).find((x) => x.date === e.currentTarget.value);
              if (d) { const t = Date.parse(d.first); setView(centred(t, 24 * HOUR)); seek(t); }
            }}>
              <option value="">{S.camera.day}…</option>
              {(days.data?.days ?? []).slice().reverse().map((d) => (
                <option key={d.date} value={d.date}>{d.date} · {S.units.duration(d.recorded_s)}</option>
              ))}
            </select>
          </label>
        )}
        <span class="spacer" />
        <button type="button" class={mode === 'live' ? 'primary' : ''} aria-pressed={mode === 'live'} onClick={() => setMode('live')}>
          {S.camera.live}
        </button>
        {me.auth && can(me, cam.id, 'live') && <ShareButton camera={cam.id} />}
      </div>
      <div class="player">
        <video ref={video} muted playsInline autoplay aria-label={name} data-mode={mode} />
        {(message || liveStatus) && <div class="status" role="status">{message || liveStatus}</div>}
      </div>
      {mayRecordings && (
        <>
          <div class="controls" role="toolbar" aria-label={S.camera.title(name)}>
            <button type="button" class="icon" onClick={() => jumpRun(-1)} aria-label={S.camera.prevRun} title={S.camera.prevRun}><Icon name="prev" /></button>
            <button type="button" class="icon" onClick={() => step(-1)} aria-label={S.camera.frameBack} title={S.camera.frameBack} disabled={mode !== 'play'}><Icon name="stepBack" /></button>
            <button type="button" class="icon" onClick={togglePlay} disabled={mode !== 'play'}
                    aria-label={paused ? S.camera.play : S.camera.pause} title={paused ? S.camera.play : S.camera.pause}><Icon name={paused ? 'play' : 'pause'} /></button>
            <button type="button" class="icon" onClick={() => step(1)} aria-label={S.camera.frameForward} title={S.camera.frameForward} disabled={mode !== 'play'}><Icon name="stepFwd" /></button>
            <button type="button" class="icon" onClick={() => jumpRun(1)} aria-label={S.camera.nextRun} title={S.camera.nextRun}><Icon name="next" /></button>
            <div class="seg" role="group" aria-label={S.camera.speed}>
              {SPEEDS.map((s) => (
                <button type="button" key={s} aria-pressed={speed === s} onClick={() => setRate(s)}>{s}×</button>
              ))}
            </div>
            <span class="spacer" />
            <button type="button" class="icon" onClick={() => zoom(2)} aria-label={S.camera.zoomOut} title={S.camera.zoomOut}><Icon name="minus" /></button>
            <button type="button" class="icon" onClick={() => zoom(0.5)} aria-label={S.camera.zoomIn} title={S.camera.zoomIn}><Icon name="plus" /></button>
            {mayExport && (
              <>
                <button type="button" onClick={() => mark('start')} title="[">{S.camera.markIn}</button>
                <button type="button" onClick={() => mark('end')} title="]">{S.camera.markOut}</button>
                {selection && (
                  <a class="button primary" href={`/export?` + q({ camera: cam.id, from: isoZ(selection.start), to: isoZ(selection.end) })}>
                    {S.camera.exportSel}
                  </a>
                )}
              </>
            )}
          </div>
          <Timeline view={view} runs={loaded.runs} playhead={mode === 'play' ? playhead : Date.now()} selection={selection}
                    now={Date.now()} onView={setView} onSeek={(t) => seek(t)} camera={cam.id} />
          <p class="muted small">{S.camera.shortcuts}</p>
        </>
      )}
    </section>
  );
}
