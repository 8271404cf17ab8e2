// Export: a range (from the timeline's selection via ?camera=&from=&to=, or typed), its duration,
// recorded time and estimated size (the bytes of the recordings in it, GET /api/list) before
// downloading; .mp4 or .ts through /api/export; several cameras as one file each.
import { useEffect, useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, isoZ, q, type Camera } from '../api';
import { can, useMe } from '../auth';
import { useApi } from '../hooks';
import { DAY, coveredMs, estimateBytes } from '../timeline-math';

interface ListResp {
  recordings: { start: string; end: string; bytes: number }[];
}

// <input type="datetime-local"> speaks local time without a zone.
const pad = (n: number) => String(n).padStart(2, '0');
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
const fromLocalInput = (s: string) => new Date(s).getTime();

export function ExportPage(props: { query: URLSearchParams }) {
  const me = useMe();
  const cams = useApi(() => api<Camera[]>('/api/cameras'), []);
  const qFrom = Date.parse(props.query.get('from') ?? '');
  const qTo = Date.parse(props.query.get('to') ?? '');
  // Default: the last five minutes.
  const [from, setFrom] = useState(toLocalInput(Number.isFinite(qFrom) ? qFrom : Date.now() - 5 * 60_000));
  const [to, setTo] = useState(toLocalInput(Number.isFinite(qTo) ? qTo : Date.now()));
  const [format, setFormat] = useState<'mp4' | 'ts'>('mp4');
  const [picked, setPicked] = useState<string[]>(() => (props.query.get('camera') ? [props.query.get('camera')!] : []));
  const [estimate, setEstimate] = useState<{ bytes: number; recorded: number } | null>(null);
  const [note, setNote] = useState('');
  const list = (cams.data ?? []).filter((c) => can(me, c.id, 'export'));
  useEffect(() => {
    if (!picked.length && list.length) setPicked([list[0].id]);
  }, [cams.data]);

  const a = fromLocalInput(from);
  const b = fromLocalInput(to);
  const invalid = !(b > a) ? S.exp.invalid : b - a > 31 * DAY ? S.exp.tooLong : picked.length === 0 ? S.exp.pick : '';

  useEffect(() => {
    setEstimate(null);
    if (invalid) return;
    let alive = true;
    const t = setTimeout(async () => {
      let bytes = 0;
      let recorded = 0;
      for (const id of picked) {
        const r = await api<ListResp>('/api/list?' + q({ camera: id, from: isoZ(a), to: isoZ(b) })).catch(() => null);
        if (!r) continue;
        const recs = r.recordings.map((x) => ({ start: Date.parse(x.start), end: Date.parse(x.end), bytes: x.bytes }));
        bytes += estimateBytes(recs, { start: a, end: b });
        recorded += coveredMs(recs, { start: a, end: b });
      }
      if (alive) setEstimate({ bytes, recorded: recorded / 1000 });
    }, 200);
    return () => { alive = false; clearTimeout(t); };
  }, [from, to, picked.join(','), invalid]);

  const download = () => {
    for (const id of picked) {
      const link = document.createElement('a');
      link.href = '/api/export?' + q({ camera: id, from: isoZ(a), to: isoZ(b), format });
      link.download = '';
      document.body.appendChild(link);
      link.click();
      link.remove();
    }
    setNote(S.exp.started(picked.length));
  };

  if (cams.error && !cams.data) return <p class="page error" role="alert">{S.errorPrefix}{cams.error.message}</p>;
  if (!cams.data) return <p class="page" aria-busy="true">{S.loading}</p>;
  const empty = estimate !== null && estimate.recorded === 0;
  return (
    <section class="page narrow" aria-labelledby="exp-title">
      <h1 id="exp-title">{S.exp.title}</h1>
      <form class="form" onSubmit={(e) => { e.preventDefault(); if (!invalid && !empty) download(); }}>
        <fieldset>
          <legend>{S.exp.cameras}</legend>
          <div class="checks">
            {list.map((c) => (
              <label key={c.id} class="check">
                <input type="checkbox" name="camera" value={c.id} checked={picked.includes(c.id)}
                       onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, c.id] : picked.filter((x) => x !== c.id))} />
                {cameraName(c)}
              </label>
            ))}
          </div>
        </fieldset>
        <div class="row">
          <label>{S.exp.from}<input type="datetime-local" step="1" name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
          <label>{S.exp.to}<input type="datetime-local" step="1" name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
        </div>
        <fieldset>
          <legend>{S.exp.format}</legend>
          <label class="check"><input type="radio" name="format" value="mp4" checked={format === 'mp4'} onChange={() => setFormat('mp4')} />{S.exp.mp4}</label>
          <label class="check"><input type="radio" name="format" value="ts" checked={format === 'ts'} onChange={() => setFormat('ts')} />{S.exp.ts}</label>
        </fieldset>
        <dl class="facts" aria-live="polite">
          <div><dt>{S.exp.duration}</dt><dd>{invalid ? '—' : S.units.duration((b - a) / 1000)}</dd></div>
          <div><dt>{S.exp.recorded}</dt><dd data-testid="recorded">{estimate ? S.units.duration(estimate.recorded) : '…'}</dd></div>
          <div><dt>{S.exp.size}</dt><dd data-testid="size">{estimate ? S.units.bytes(estimate.bytes) : '…'}</dd></div>
        </dl>
        {invalid && <p class="error" role="alert">{invalid}</p>}
        {empty && !invalid && <p class="warn" role="status">{S.exp.nothing}</p>}
        <button type="submit" class="primary" disabled={!!invalid || empty}>
          {picked.length > 1 ? S.exp.downloadN(picked.length) : S.exp.download}
        </button>
        {note && <p role="status">{note}</p>}
      </form>
    </section>
  );
}
