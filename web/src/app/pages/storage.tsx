// Storage from GET /api/status: each disk's free space (a warning when nearly full or
// unreadable), and per camera stream the bytes used, the days kept so far, and the days its
// byte budget holds at the current rate, and what retention deleted (the last 24 h, since start).
import { S } from '../../strings';
import { api, type Status } from '../api';
import { useApi } from '../hooks';

const NEARLY_FULL = 0.05;

export function StoragePage() {
  const st = useApi(() => api<Status>('/api/status'), [], 10000);
  if (st.error && !st.data) return <p class="page error" role="alert">{S.errorPrefix}{st.error.message}</p>;
  if (!st.data) return <p class="page" aria-busy="true">{S.loading}</p>;
  const { storage } = st.data;
  return (
    <section class="page" aria-labelledby="storage-title">
      <h1 id="storage-title">{S.storage.title}</h1>
      <h2>{S.storage.disks}</h2>
      <ul class="disks">
        {storage.dirs.map((d) => {
          const frac = d.total_bytes ? (d.total_bytes - (d.free_bytes ?? 0)) / d.total_bytes : 0;
          const low = d.total_bytes ? (d.free_bytes ?? 0) / d.total_bytes < NEARLY_FULL : false;
          return (
            <li key={d.path} class="card">
              <div class="mono wrap">{d.path}</div>
              {d.total_bytes == null ? (
                <p class="error" role="alert">{S.storage.unreadable}{d.error ? `: ${d.error}` : ''}</p>
              ) : (
                <>
                  <progress max={1} value={frac} aria-label={d.path} />
                  <div>{S.storage.free(S.units.bytes(d.free_bytes ?? 0), S.units.bytes(d.total_bytes))}
                    {low && <strong class="warn"> · {S.storage.nearlyFull}</strong>}</div>
                </>
              )}
            </li>
          );
        })}
      </ul>
      <h2>{S.storage.streams}</h2>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={S.storage.streams}>
        <table class="stack storage">
          <thead><tr><th scope="col">{S.storage.camera}</th><th scope="col">{S.storage.stream}</th><th scope="col">{S.storage.used}</th>
            <th scope="col">{S.storage.kept}</th><th scope="col">{S.storage.budget}</th><th scope="col">{S.storage.forecast}</th><th scope="col">{S.storage.oldest}</th>
            <th scope="col">{S.retention.deleted}</th></tr></thead>
          <tbody>
            {storage.streams.map((s) => {
              const kept = s.oldest_start && s.newest_end ? (Date.parse(s.newest_end) - Date.parse(s.oldest_start)) / 86400e3 : 0;
              const perDay = kept > 0 ? s.bytes / kept : 0;
              // A budget of 2^60 bytes or more is "no budget" (the config's upper bound).
              const budget = s.retain_bytes != null && s.retain_bytes < 2 ** 60 ? s.retain_bytes : null;
              const forecast = budget && perDay > 0 ? budget / perDay : null;
              const d = s.retention_deleted;
              return (
                <tr key={s.camera + s.stream}>
                  <td class="name">{s.camera}</td><td class="name">{s.stream}</td>
                  <td data-label={S.storage.used}>{S.units.bytes(s.bytes)}</td>
                  <td data-label={S.storage.kept}>{kept < 1 ? S.units.duration(kept * 86400) : S.units.days(kept)}</td>
                  <td data-label={S.storage.budget}>{budget == null ? S.storage.none : S.units.bytes(budget)}</td>
                  <td data-label={S.storage.forecast}>{forecast == null ? '—' : S.units.days(forecast)}</td>
                  <td data-label={S.storage.oldest} class="full">{s.oldest_start ? new Date(s.oldest_start).toLocaleString() : '—'}</td>
                  <td data-retention data-label={S.retention.deleted} class="full">{!d || d.recordings === 0 ? '—' : (
                    <>
                      <div>{S.retention.day}: {S.retention.counts(d.recordings_24h, S.units.bytes(d.bytes_24h))}</div>
                      <div class="small muted">{S.retention.total}: {S.retention.counts(d.recordings, S.units.bytes(d.bytes))}
                        {d.last && <> · {S.retention.last}: {new Date(d.last).toLocaleString()}</>}</div>
                    </>
                  )}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
