// System from GET /api/status: version, uptime, and every stream's state, reconnects and last
// error; for admins, the daemon's log tail (GET /api/system/log), newest at the bottom.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, q, type LogLine, type Status } from '../api';
import { MeContext, isAdmin } from '../auth';
import { useApi } from '../hooks';

const LEVELS = ['', 'debug', 'info', 'warn', 'error'] as const;

function LogTail() {
  const [level, setLevel] = useState<string>('');
  const log = useApi(() => api<{ lines: LogLine[]; dropped: number }>('/api/system/log?' + q({ lines: 500, level })), [level]);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {  // newest at the bottom, in view
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data]);
  return (
    <section aria-labelledby="log-title">
      <div class="toolbar">
        <h2 id="log-title">{S.systemLog.title}</h2>
        <span class="spacer" />
        <label>{S.systemLog.level}{' '}
          <select name="log-level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
            {LEVELS.map((l) => <option key={l} value={l}>{l || S.systemLog.all}</option>)}
          </select>
        </label>
        <button type="button" name="log-refresh" onClick={log.reload}>{S.systemLog.refresh}</button>
      </div>
      {log.error && <p class="error" role="alert">{S.errorPrefix}{log.error.message}</p>}
      {log.data && log.data.dropped > 0 && <p class="small muted">{S.systemLog.dropped(log.data.dropped)}</p>}
      {log.data && (log.data.lines.length === 0 ? <p class="muted">{S.systemLog.empty}</p> : (
        <pre class="log-tail mono" ref={pre} tabIndex={0} aria-label={S.systemLog.title} data-log>
          {log.data.lines.map((l) => (
            <div key={l.seq} class={'log-' + l.level}>{l.time} {l.level.slice(0, 4).toUpperCase().padEnd(4)} {l.message}</div>
          ))}
        </pre>
      ))}
    </section>
  );
}

export function SystemPage() {
  const st = useApi(() => api<Status>('/api/status'), [], 5000);
  const me = useContext(MeContext);
  if (st.error && !st.data) return <p class="page error" role="alert">{S.errorPrefix}{st.error.message}</p>;
  if (!st.data) return <p class="page" aria-busy="true">{S.loading}</p>;
  const s = st.data;
  return (
    <section class="page" aria-labelledby="system-title">
      <h1 id="system-title">{S.system.title}</h1>
      <dl class="facts">
        <div><dt>{S.system.version}</dt><dd>{s.version}</dd></div>
        <div><dt>{S.system.uptime}</dt><dd>{S.units.duration(s.uptime_s)}</dd></div>
        <div><dt>{S.system.started}</dt><dd>{new Date(s.started).toLocaleString()}</dd></div>
      </dl>
      <h2>{S.system.streams}</h2>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={S.system.streams}>
        <table class="stack streams">
          <thead><tr><th scope="col">{S.system.camera}</th><th scope="col">{S.system.stream}</th><th scope="col">{S.system.state}</th>
            <th scope="col">{S.system.codec}</th><th scope="col">{S.system.fpsRate}</th><th scope="col">{S.system.reconnects}</th><th scope="col">{S.system.lastError}</th></tr></thead>
          <tbody>
            {s.cameras.flatMap((c) => c.streams.map((x) => (
              <tr key={c.id + x.kind}>
                <td class="name">{cameraName(c)}</td><td>{x.kind}</td>
                <td><span class={'pill ' + x.state}>{x.state}</span></td>
                <td data-label={S.system.codec}>{x.video_codec ?? S.system.none}{x.width ? ` ${x.width}×${x.height}` : ''}</td>
                <td data-label={S.system.fpsRate}>{x.fps ? x.fps.toFixed(1) : '—'} · {x.bitrate_bps ? S.units.bytes(x.bitrate_bps / 8) + '/s' : '—'}</td>
                <td data-label={S.system.reconnects}>{x.reconnects}</td>
                <td class="wrap full" data-label={S.system.lastError}>{x.last_error ? <>{x.last_error}{x.last_error_at && <div class="small muted">{new Date(x.last_error_at).toLocaleString()}</div>}</> : S.system.none}</td>
              </tr>
            )))}
          </tbody>
        </table>
      </div>
      {me && isAdmin(me) && <LogTail />}
    </section>
  );
}
