// API keys: create one (name, role, cameras, expiry) and see the key once with a copy button;
// the list with when each was last used; revoke. Admins see every user's keys.
import { useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, type Camera } from '../api';
import { useApi } from '../hooks';

interface ApiKey {
  id: number;
  name: string;
  user: string;
  role: string;
  cameras: string[];
  created: string;
  expires: string | null;
  last_used: string | null;
}

const when = (t: string | null, none: string) => (t ? new Date(t).toLocaleString() : none);

function NewKey(props: { keyText: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => navigator.clipboard?.writeText(props.keyText).then(() => setCopied(true), () => {});
  return (
    <div class="card shown-once" role="status">
      <p><strong>{S.keys.shownOnce}</strong></p>
      <div class="row">
        <code class="mono wrap new-key">{props.keyText}</code>
        <button type="button" onClick={copy}>{copied ? S.keys.copied : S.keys.copy}</button>
        <button type="button" class="primary" onClick={props.onDone}>{S.keys.done}</button>
      </div>
    </div>
  );
}

export function ApiKeysPage() {
  const keys = useApi(() => api<ApiKey[]>('/api/apikeys'), []);
  const cams = useApi(() => api<Camera[]>('/api/cameras'), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('operator');
  const [pick, setPick] = useState<string[]>([]);
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState('');
  const fail = (err: unknown) => setError(S.errorPrefix + (err as Error).message);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    const body: Record<string, unknown> = { name: name.trim(), role };
    if (pick.length) body.cameras = pick;
    if (days.trim()) body.expires_days = Number(days);
    try {
      const r = await api<{ key: string }>('/api/apikeys', { method: 'POST', json: body });
      setCreated(r.key);
      setName(''); setPick([]); setDays('');
      keys.reload();
    } catch (err) {
      fail(err);
    }
  };
  const revoke = (k: ApiKey) => confirm(S.keys.confirmRevoke(k.name)) &&
    api(`/api/apikeys/${k.id}`, { method: 'DELETE' }).then(keys.reload, fail);
  return (
    <section class="page" aria-labelledby="keys-title">
      <h1 id="keys-title">{S.keys.title}</h1>
      {created ? <NewKey keyText={created} onDone={() => setCreated(null)} /> : (
        <form class="form card" onSubmit={submit} aria-labelledby="key-new-title">
          <h2 id="key-new-title">{S.keys.create}</h2>
          <div class="row">
            <label>{S.keys.name}
              <input name="name" required maxLength={64} autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
            <label>{S.keys.role}
              <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
                {['viewer', 'operator', 'admin'].map((r) => <option key={r} value={r}>{S.users.roles[r]}</option>)}
              </select></label>
            <label>{S.keys.expires}
              <input name="expires_days" type="number" min={1} max={3650} inputMode="numeric" value={days}
                     onInput={(e) => setDays(e.currentTarget.value)} /></label>
          </div>
          <fieldset class="checks">
            <legend>{S.keys.cameras}</legend>
            {(cams.data ?? []).map((c) => (
              <label key={c.id}>
                <input type="checkbox" value={c.id} checked={pick.includes(c.id)}
                       onChange={(e) => setPick(e.currentTarget.checked ? [...pick, c.id] : pick.filter((x) => x !== c.id))} />
                {cameraName(c)}
              </label>
            ))}
          </fieldset>
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="primary">{S.keys.create}</button>
        </form>
      )}
      {keys.error && <p class="error" role="alert">{S.errorPrefix}{keys.error.message}</p>}
      {keys.data && (keys.data.length === 0 ? <p>{S.keys.none}</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={S.keys.table}>
          <table class="keys stack">
            <thead><tr><th scope="col">{S.keys.name}</th><th scope="col">{S.keys.user}</th><th scope="col">{S.keys.role}</th>
              <th scope="col">{S.keys.camerasShort}</th><th scope="col">{S.keys.created}</th><th scope="col">{S.keys.expiry}</th>
              <th scope="col">{S.keys.lastUsed}</th><th scope="col"><span class="sr-only">{S.users.actions}</span></th></tr></thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-key={k.name}>
                  <th scope="row">{k.name}</th><td data-label={S.keys.user}>{k.user}</td>
                  <td data-label={S.keys.role}>{S.users.roles[k.role] ?? k.role}</td>
                  <td data-label={S.keys.camerasShort}>{k.cameras.length ? k.cameras.join(', ') : S.keys.all}</td>
                  <td data-label={S.keys.created}>{when(k.created, '—')}</td><td data-label={S.keys.expiry}>{when(k.expires, S.keys.never)}</td>
                  <td class="last-used" data-label={S.keys.lastUsed}>{when(k.last_used, S.keys.never)}</td>
                  <td><button type="button" class="danger" aria-label={S.keys.revokeNamed(k.name)} onClick={() => revoke(k)}>{S.keys.revoke}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
