// The live wall: 1/4/9/16 tiles per screen, the user's order (drag, or the move buttons in
// "Arrange"), saved per user in localStorage; tiles play the sub stream, an enlarged or full
// screen tile the main stream; tiles off screen stop streaming; one tile at a time has sound.
import { useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, streamOf, type Camera } from '../api';
import { can, useMe } from '../auth';
import { useApi } from '../hooks';
import { Icon } from '../icons';
import { LivePlayer, type LiveState, type LiveStats } from '../live-player';

const LAYOUTS = [1, 4, 9, 16];

function offlineReason(cam: Camera, kind: 'main' | 'sub'): string | null {
  const s = streamOf(cam, kind);
  if (!s || s.state === 'streaming') return null;
  if (s.state === 'connecting' && !s.last_error) return null; // not known to be away yet
  return s.last_error ?? s.state;
}

interface TileProps {
  cam: Camera;
  enlarged: boolean;
  stats: boolean;
  audio: boolean;
  arranging: boolean;
  index: number;
  count: number;
  onAudio: () => void;
  onEnlarge: () => void;
  onMove: (delta: number) => void;
  onDrop: (fromId: string) => void;
}

function Tile(p: TileProps) {
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [visible, setVisible] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const [state, setState] = useState<LiveState>({ kind: 'connecting' });
  const [stats, setStats] = useState<LiveStats | null>(null);
  const name = cameraName(p.cam);
  const hasSub = !!streamOf(p.cam, 'sub');
  const kind: 'main' | 'sub' = p.enlarged || fullscreen || !hasSub ? 'main' : 'sub';

  useEffect(() => {
    const el = box.current!;
    const io = new IntersectionObserver((es) => setVisible(es[es.length - 1].isIntersecting), { threshold: 0.01 });
    io.observe(el);
    const fs = () => setFullscreen(document.fullscreenElement === el);
    document.addEventListener('fullscreenchange', fs);
    return () => { io.disconnect(); document.removeEventListener('fullscreenchange', fs); };
  }, []);

  useEffect(() => {
    if (!visible) return;
    const player = new LivePlayer(video.current!, p.cam.id, kind, setState, setStats);
    player.start();
    return () => player.stop();
  }, [visible, kind, p.cam.id]);

  useEffect(() => {
    if (video.current) video.current.muted = !p.audio;
  }, [p.audio]);

  const offline = offlineReason(p.cam, kind);
  let status = '';
  let cls = 'status';
  if (!visible) status = S.live.paused;
  else if (state.kind === 'unsupported') { status = S.live.unsupported(state.codec); cls += ' bad'; }
  else if (state.kind !== 'live' && offline) { status = S.live.offline(offline); cls += ' bad'; }
  else if (state.kind === 'connecting') status = S.live.connecting;
  else if (state.kind === 'waiting') status = S.live.waiting;
  else if (state.kind === 'retry') status = S.live.reconnecting(state.inSeconds);
  const live = state.kind === 'live';
  const recordingsOk = can(useMe(), p.cam.id, 'recordings');

  return (
    <div ref={box} class={'tile' + (p.enlarged ? ' enlarged' : '') + (p.arranging ? ' arranging' : '')}
         data-camera={p.cam.id} data-state={state.kind} draggable={p.arranging}
         onDragStart={(e) => e.dataTransfer?.setData('text/plain', p.cam.id)}
         onDragOver={(e) => { if (p.arranging) e.preventDefault(); }}
         onDrop={(e) => { e.preventDefault(); const id = e.dataTransfer?.getData('text/plain'); if (id) p.onDrop(id); }}>
      <video ref={video} muted playsInline autoplay aria-label={name} onDblClick={p.onEnlarge} />
      <div class="tile-top">
        <span class="tile-name">{name}</span>
        {live && <span class="badge live">{state.via === 'hls' ? S.live.hls : S.live.live}</span>}
      </div>
      {status && <div class={cls} role="status">{status}</div>}
      {p.stats && stats && live && (
        <div class="tile-stats">{S.live.statsLine(stats.kbps, stats.fps, stats.latency)} · {kind}</div>
      )}
      <div class="tile-actions">
        {p.arranging ? (
          <>
            <button type="button" class="icon" disabled={p.index === 0} onClick={() => p.onMove(-1)}
                    aria-label={S.live.moveEarlier(name)} title={S.live.moveEarlier(name)}><Icon name="left" /></button>
            <button type="button" class="icon" disabled={p.index === p.count - 1} onClick={() => p.onMove(1)}
                    aria-label={S.live.moveLater(name)} title={S.live.moveLater(name)}><Icon name="right" /></button>
          </>
        ) : (
          <>
            <button type="button" class="icon" onClick={p.onAudio} aria-pressed={p.audio}
                    aria-label={p.audio ? S.live.audioOff(name) : S.live.audioOn(name)}
                    title={p.audio ? S.live.audioOff(name) : S.live.audioOn(name)}><Icon name={p.audio ? 'speaker' : 'muted'} /></button>
            {recordingsOk && (
              <a class="button icon" href={`/cameras/${encodeURIComponent(p.cam.id)}`}
                 aria-label={S.live.recordings(name)} title={S.live.recordings(name)}><Icon name="history" /></a>
            )}
            <button type="button" class="icon" onClick={p.onEnlarge}
                    aria-label={p.enlarged ? S.live.shrink : S.live.enlarge(name)}
                    title={p.enlarged ? S.live.shrink : S.live.enlarge(name)}><Icon name={p.enlarged ? 'shrink' : 'enlarge'} /></button>
            <button type="button" class="icon" onClick={() => box.current?.requestFullscreen?.()}
                    aria-label={S.live.fullscreen(name)} title={S.live.fullscreen(name)}><Icon name="fullscreen" /></button>
          </>
        )}
      </div>
    </div>
  );
}

const orderKey = (user: string) => `nightjar.live.order.${user || '-'}`;
const layoutKey = (user: string) => `nightjar.live.layout.${user || '-'}`;

export function LivePage() {
  const me = useMe();
  const cams = useApi(() => api<Camera[]>('/api/cameras'), [], 5000);
  const [layout, setLayout] = useState(() => Number(localStorage.getItem(layoutKey(me.username))) || 4);
  const [order, setOrder] = useState<string[]>(() => {
    try { return JSON.parse(localStorage.getItem(orderKey(me.username)) ?? '[]'); } catch { return []; }
  });
  const [page, setPage] = useState(0);
  const [stats, setStats] = useState(false);
  const [arranging, setArranging] = useState(false);
  const [audio, setAudio] = useState<string | null>(null);
  const [enlarged, setEnlarged] = useState<string | null>(null);

  // Saved as the user acts, not in an effect: an effect runs after the next paint, and a reload
  // (or a closed tab) right after a click would lose the change.
  const chooseLayout = (n: number) => { setLayout(n); localStorage.setItem(layoutKey(me.username), String(n)); };
  useEffect(() => {
    const esc = (e: KeyboardEvent) => { if (e.key === 'Escape') setEnlarged(null); };
    addEventListener('keydown', esc);
    return () => removeEventListener('keydown', esc);
  }, []);

  if (cams.error && !cams.data) return <p class="page error" role="alert">{S.errorPrefix}{cams.error.message}</p>;
  if (!cams.data) return <p class="page" aria-busy="true">{S.loading}</p>;
  const visible = cams.data.filter((c) => can(me, c.id, 'live'));
  const rank = (id: string) => { const i = order.indexOf(id); return i < 0 ? 1e6 : i; };
  const sorted = [...visible].sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  const ids = sorted.map((c) => c.id);
  const pages = Math.max(1, Math.ceil(sorted.length / layout));
  const cur = Math.min(page, pages - 1);
  const shown = enlarged ? sorted.filter((c) => c.id === enlarged) : sorted.slice(cur * layout, cur * layout + layout);
  const cols = enlarged ? 1 : Math.sqrt(layout);
  const move = (id: string, to: number) => {
    const next = ids.filter((x) => x !== id);
    next.splice(Math.max(0, Math.min(next.length, to)), 0, id);
    setOrder(next);
    localStorage.setItem(orderKey(me.username), JSON.stringify(next));
  };

  return (
    <section class="page live-page" aria-labelledby="live-title">
      <div class="toolbar">
        <h1 id="live-title" class="sr-only">{S.live.title}</h1>
        <div class="seg" role="group" aria-label={S.live.layout}>
          {LAYOUTS.map((n) => (
            <button type="button" key={n} aria-pressed={layout === n && !enlarged} title={S.live.layoutN(n)}
                    aria-label={S.live.layoutN(n)} onClick={() => { chooseLayout(n); setPage(0); setEnlarged(null); }}>
              {n}
            </button>
          ))}
        </div>
        {pages > 1 && !enlarged && (
          <div class="seg">
            <button type="button" aria-label={S.live.prevPage} disabled={cur === 0} onClick={() => setPage(cur - 1)}><Icon name="left" /></button>
            <span class="muted">{S.live.page(cur + 1, pages)}</span>
            <button type="button" aria-label={S.live.nextPage} disabled={cur >= pages - 1} onClick={() => setPage(cur + 1)}><Icon name="right" /></button>
          </div>
        )}
        <span class="spacer" />
        <button type="button" aria-pressed={stats} onClick={() => setStats(!stats)}>{S.live.stats}</button>
        <button type="button" aria-pressed={arranging} onClick={() => setArranging(!arranging)}>
          {arranging ? S.live.doneOrder : S.live.editOrder}
        </button>
      </div>
      {sorted.length === 0 ? (
        <p>{S.noCameras} <a href="/settings/cameras">{S.addFirstCamera}</a></p>
      ) : (
        <div class={`wall cols-${cols}`}>
          {shown.map((c) => (
            <Tile key={c.id} cam={c} enlarged={enlarged === c.id} stats={stats} audio={audio === c.id}
                  arranging={arranging} index={ids.indexOf(c.id)} count={ids.length}
                  onAudio={() => setAudio(audio === c.id ? null : c.id)}
                  onEnlarge={() => setEnlarged(enlarged === c.id ? null : c.id)}
                  onMove={(d) => move(c.id, ids.indexOf(c.id) + d)}
                  onDrop={(from) => move(from, ids.indexOf(c.id))} />
          ))}
        </div>
      )}
    </section>
  );
}
