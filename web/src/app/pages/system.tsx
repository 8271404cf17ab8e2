// System from GET /api/status: version, uptime, and every stream's state, reconnects and last
// error.
import { S } from '../../strings';
import { api, cameraName, type Status } from '../api';
import { useApi } from '../hooks';

export function SystemPage() {
  const st = useApi(() => api<Status>('/api/status'), [], 5000);
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
        <table>
          <thead><tr><th scope="col">{S.system.camera}</th><th scope="col">{S.system.stream}</th><th scope="col">{S.system.state}</th>
            <th scope="col">{S.system.codec}</th><th scope="col">{S.system.fpsRate}</th><th scope="col">{S.system.reconnects}</th><th scope="col">{S.system.lastError}</th></tr></thead>
          <tbody>
            {s.cameras.flatMap((c) => c.streams.map((x) => (
              <tr key={c.id + x.kind}>
                <td>{cameraName(c)}</td><td>{x.kind}</td>
                <td><span class={'pill ' + x.state}>{x.state}</span></td>
                <td>{x.video_codec ?? S.system.none}{x.width ? ` ${x.width}×${x.height}` : ''}</td>
                <td>{x.fps ? x.fps.toFixed(1) : '—'} · {x.bitrate_bps ? S.units.bytes(x.bitrate_bps / 8) + '/s' : '—'}</td>
                <td>{x.reconnects}</td>
                <td class="wrap">{x.last_error ? <>{x.last_error}{x.last_error_at && <div class="small muted">{new Date(x.last_error_at).toLocaleString()}</div>}</> : S.system.none}</td>
              </tr>
            )))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
