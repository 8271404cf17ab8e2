// Cameras: list, add, edit, remove through /api/cameras (docs/API.md, Camera fields). Cameras
// from the config file are shown read-only with the reason; the server's errors are shown as it
// words them (they name the field).
import { useState } from 'preact/hooks';
import { S } from '../../strings';
import { ApiError, api, cameraName, streamOf, type Camera, type ProbeResult } from '../api';
import { useApi } from '../hooks';

interface FormState {
  id: string; name: string; location: string; url: string; sub_url: string; username: string; password: string;
  transport: 'tcp' | 'udp'; record: boolean; audio: boolean; retain_days: string; retain_gib: string; max_reconnect_attempts: string;
}

const GIB = 1024 ** 3;
const blank: FormState = {
  id: '', name: '', location: '', url: 'rtsp://', sub_url: '', username: '', password: '', transport: 'tcp',
  record: true, audio: true, retain_days: '', retain_gib: '', max_reconnect_attempts: '0',
};

const fromCamera = (c: Camera): FormState => ({
  id: c.id, name: c.name ?? '', location: c.location ?? '', url: c.url, sub_url: c.sub_url ?? '',
  username: c.username ?? '', password: '', transport: c.transport, record: c.record, audio: c.audio,
  retain_days: c.retain_days == null ? '' : String(c.retain_days),
  retain_gib: c.retain_bytes == null ? '' : String(+(c.retain_bytes / GIB).toFixed(3)),
  max_reconnect_attempts: String(c.max_reconnect_attempts ?? 0),
});

// The body for POST (add) or PATCH (edit): empty optional fields become null on edit (removing
// them) and are left out on add; an empty password on edit keeps the stored one.
function body(f: FormState, adding: boolean, orig: Camera | null): Record<string, unknown> {
  const opt = (s: string) => (s.trim() === '' ? (adding ? undefined : null) : s.trim());
  const num = (s: string, k = 1) => (s.trim() === '' ? (adding ? undefined : null) : Math.round(Number(s) * k));
  const b: Record<string, unknown> = {
    name: f.name.trim() || undefined, location: opt(f.location), sub_url: opt(f.sub_url),
    username: opt(f.username), transport: f.transport, record: f.record, audio: f.audio,
    retain_days: num(f.retain_days), retain_bytes: num(f.retain_gib, GIB),
    max_reconnect_attempts: Number(f.max_reconnect_attempts || 0),
  };
  // GET shows the URL's password as ***: send the URL only when it was changed.
  if (adding || !orig || f.url !== orig.url) b.url = f.url.trim();
  if (adding) b.id = f.id.trim();
  if (f.password) b.password = f.password;
  for (const k of Object.keys(b)) if (b[k] === undefined) delete b[k];
  // An edit sends only what changed: changing connection fields restarts the streams.
  if (!adding && orig) {
    const cur = orig as unknown as Record<string, unknown>;
    for (const k of Object.keys(b)) if (k !== 'password' && (cur[k] ?? null) === b[k]) delete b[k];
  }
  return b;
}

// "Test connection": POST /api/cameras/probe with what the form holds. Editing, the stored
// camera is the base (its password stays on the server): only changed fields are sent.
function probeBody(f: FormState, orig: Camera | null): Record<string, string> {
  const b: Record<string, string> = { transport: f.transport };
  if (orig) b.camera = orig.id;
  if (!orig || f.url !== orig.url) b.url = f.url.trim();
  if (f.username.trim()) b.username = f.username.trim();
  if (f.password) b.password = f.password;
  return b;
}

function ProbeOutcome(props: { r: ProbeResult; n: number }) {
  const r = props.r;
  if (!r.ok) {
    return (
      <div class="probe card error" role="alert" data-probe="failed" data-code={r.error} data-n={props.n}>
        <strong>{S.probe.failed}:</strong> {r.message}
        {r.detail && <div class="small muted mono wrap">{r.detail}</div>}
      </div>
    );
  }
  return (
    <div class="probe card" role="status" data-probe="ok" data-n={props.n}>
      <strong>{S.probe.ok}:</strong>{' '}
      <span data-probe-video>{S.probe.video(r.video.codec, r.video.profile, r.video.width, r.video.height)}</span>
      {' · '}{S.probe.fps(r.video.fps)}
      {' · '}{r.audio ? S.probe.audio(r.audio.codec, r.audio.sample_rate, r.audio.channels) : S.probe.noAudio}
      <div class="small muted">{S.probe.transport(r.transport, r.first_frame_ms)}</div>
    </div>
  );
}

function CameraForm(props: { orig: Camera | null; onDone: (msg: string) => void; onCancel: () => void }) {
  const adding = props.orig === null;
  const [f, setF] = useState<FormState>(props.orig ? fromCamera(props.orig) : blank);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [probing, setProbing] = useState(false);
  const [probe, setProbe] = useState<ProbeResult | null>(null);
  const [probes, setProbes] = useState(0); // how many answered (tests wait for the next one)
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF({ ...f, [k]: v });
  const testConnection = async () => {
    setProbe(null);
    setError('');
    if (!f.url.trim() || f.url.trim() === 'rtsp://') { setError(S.probe.needUrl); return; }
    setProbing(true);
    try {
      setProbe(await api<ProbeResult>('/api/cameras/probe', { method: 'POST', json: probeBody(f, props.orig) }));
      setProbes((n) => n + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : S.errorPrefix + String(err));
    } finally {
      setProbing(false);
    }
  };
  const text = (k: keyof FormState, label: string, extra: Record<string, unknown> = {}, help?: string) => (
    <div class="field">
      <label for={`cam-${k}`}>{label}</label>
      <input id={`cam-${k}`} name={k} value={f[k] as string} onInput={(e) => set(k, e.currentTarget.value as never)}
             aria-describedby={help ? `help-${k}` : undefined} {...extra} />
      {help && <small id={`help-${k}`} class="muted">{help}</small>}
    </div>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (adding) await api('/api/cameras', { method: 'POST', json: body(f, true, null) });
      else await api(`/api/cameras/${encodeURIComponent(f.id)}`, { method: 'PATCH', json: body(f, false, props.orig) });
      props.onDone(adding ? S.cams.added(f.id) : S.cams.saved);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : S.errorPrefix + String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form card" onSubmit={submit} aria-labelledby="cam-form-title">
      <h2 id="cam-form-title">{adding ? S.cams.add : `${S.cams.edit}: ${f.id}`}</h2>
      {adding && text('id', S.cams.id, { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}' }, S.cams.idHelp)}
      <div class="row">
        {text('name', S.cams.name)}
        {text('location', S.cams.location)}
      </div>
      {text('url', S.cams.url, { required: true, autocomplete: 'off', spellcheck: false }, S.cams.urlHelp)}
      {text('sub_url', S.cams.subUrl, { autocomplete: 'off', spellcheck: false })}
      <div class="row">
        {text('username', S.cams.username, { autocomplete: 'off' })}
        {text('password', S.cams.password, { type: 'password', autocomplete: 'new-password', placeholder: adding ? '' : S.cams.passwordKeep })}
      </div>
      <div class="row">
        <label>
          {S.cams.transport}
          <select name="transport" value={f.transport} onChange={(e) => set('transport', e.currentTarget.value as 'tcp' | 'udp')}>
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
          </select>
        </label>
        {text('retain_days', S.cams.retainDays, { type: 'number', min: 1, max: 36500 })}
        {text('retain_gib', S.cams.retainGiB, { type: 'number', min: 0, step: 'any' })}
        {text('max_reconnect_attempts', S.cams.reconnects, { type: 'number', min: 0 })}
      </div>
      <label class="check"><input type="checkbox" name="record" checked={f.record} onChange={(e) => set('record', e.currentTarget.checked)} />{S.cams.record}</label>
      <label class="check"><input type="checkbox" name="audio" checked={f.audio} onChange={(e) => set('audio', e.currentTarget.checked)} />{S.cams.audio}</label>
      {probing && <p role="status" aria-busy="true">{S.probe.testing}</p>}
      {probe && <ProbeOutcome r={probe} n={probes} />}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row end">
        <button type="button" name="probe" onClick={testConnection} disabled={probing}>{S.probe.button}</button>
        <button type="button" onClick={props.onCancel}>{S.cams.cancel}</button>
        <button type="submit" class="primary" disabled={busy}>{adding ? S.cams.add : S.cams.save}</button>
      </div>
    </form>
  );
}

export function CamerasSettingsPage() {
  const cams = useApi(() => api<Camera[]>('/api/cameras'), [], 10000);
  const [editing, setEditing] = useState<Camera | 'new' | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const remove = async (c: Camera) => {
    if (!confirm(S.cams.confirmRemove(c.id))) return;
    setError('');
    try {
      await api(`/api/cameras/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
      setNote(S.cams.removed(c.id));
      cams.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section class="page" aria-labelledby="cams-title">
      <div class="toolbar">
        <h1 id="cams-title">{S.cams.title}</h1>
        <span class="spacer" />
        <button type="button" class="primary" onClick={() => { setEditing('new'); setNote(''); }}>{S.cams.add}</button>
      </div>
      {note && <p role="status">{note}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {editing && (
        <CameraForm orig={editing === 'new' ? null : editing} onCancel={() => setEditing(null)}
                    onDone={(m) => { setEditing(null); setNote(m); cams.reload(); }} />
      )}
      {cams.error && !cams.data && <p class="error" role="alert">{S.errorPrefix}{cams.error.message}</p>}
      {!cams.data ? <p aria-busy="true">{S.loading}</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={S.cams.list}>
          <table class="stack cams">
            <thead><tr><th scope="col">{S.cams.id}</th><th scope="col">{S.cams.name}</th><th scope="col">{S.cams.url}</th>
              <th scope="col">{S.cams.state}</th><th scope="col">{S.cams.source}</th><th scope="col"><span class="sr-only">{S.cams.edit}</span></th></tr></thead>
            <tbody>
              {cams.data.map((c) => {
                const main = streamOf(c, 'main');
                return (
                  <tr key={c.id} data-camera={c.id}>
                    <td class="name">{c.id}</td>
                    <td>{cameraName(c)}</td>
                    <td class="mono wrap full">{c.url}</td>
                    <td data-label={S.cams.state}><span class={'pill ' + (main?.state ?? '')}>{main?.state ?? '—'}</span>
                      {main?.last_error && main.state !== 'streaming' && <div class="small error">{main.last_error}</div>}</td>
                    <td data-label={S.cams.source}>{c.source === 'config' ? <span title={S.cams.fromConfig}>{S.cams.sourceConfig}</span> : S.cams.sourceApi}</td>
                    <td class="actions">
                      {c.source === 'config' ? (
                        <small class="muted">{S.cams.fromConfig}</small>
                      ) : (
                        <>
                          <button type="button" onClick={() => setEditing(c)}>{S.cams.edit}</button>
                          <button type="button" class="danger" onClick={() => remove(c)}>{S.cams.remove}</button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
