// Users (admin): the list with each one's role, TOTP and camera grants; add a user with a role
// and password, change a role, reset a password, delete, and edit an operator's or viewer's
// rights per camera (a viewer may hold live and recordings only).
import { useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, cameraName, type Camera } from '../api';
import { useMe, type Right } from '../auth';
import { useApi } from '../hooks';

interface User {
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  created: string;
  totp: boolean;
  cameras: Record<string, string>; // "live,recordings"
}

const ROLES = ['viewer', 'operator', 'admin'] as const;
const RIGHTS: Right[] = ['live', 'recordings', 'export', 'ptz'];
const enc = encodeURIComponent;

function AddUser(props: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [pw, setPw] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      await api('/api/users', { method: 'POST', json: { name: name.trim(), role, password: pw } });
      setName(''); setPw('');
      props.onAdded();
    } catch (err) {
      setError(S.errorPrefix + (err as Error).message);
    }
  };
  return (
    <form class="form card" onSubmit={submit} aria-labelledby="add-user-title">
      <h2 id="add-user-title">{S.users.add}</h2>
      <div class="row">
        <label>{S.users.name}
          <input name="name" autocomplete="off" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>{S.users.role}
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{S.users.roles[r]}</option>)}
          </select></label>
        <label>{S.users.password}
          <input name="password" type="password" autocomplete="new-password" required minLength={8} value={pw}
                 onInput={(e) => setPw(e.currentTarget.value)} /></label>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">{S.users.add}</button>
    </form>
  );
}

// Clicks are applied in order to what the editor last asked for, not to the list as last loaded:
// a second click before the first one's reload must not undo the first (each PUT sends the
// camera's whole set of rights).
function RightsEditor(props: { user: User; cameras: Camera[]; onChanged: () => void; onError: (m: string) => void }) {
  const { user } = props;
  const allowed = user.role === 'viewer' ? RIGHTS.slice(0, 2) : RIGHTS;
  const [wanted, setWanted] = useState<Record<string, string>>(user.cameras);
  const pending = useRef(0);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const latest = useRef(wanted);
  const loaded = JSON.stringify(user.cameras);
  useEffect(() => {
    if (pending.current) return; // a reload from before the last click: its own reload follows
    latest.current = user.cameras;
    setWanted(user.cameras);
  }, [loaded]);
  const set = (cam: string, right: Right, on: boolean) => {
    const had = (latest.current[cam] ?? '').split(',').filter(Boolean) as Right[];
    const next = RIGHTS.filter((r) => (r === right ? on : had.includes(r)));
    latest.current = { ...latest.current, [cam]: next.join(',') };
    setWanted(latest.current);
    pending.current++;
    queue.current = queue.current.then(async () => {
      try {
        if (next.length) await api(`/api/users/${enc(user.name)}/cameras/${enc(cam)}`, { method: 'PUT', json: { rights: next } });
        else await api(`/api/users/${enc(user.name)}/cameras/${enc(cam)}`, { method: 'DELETE' });
      } catch (err) {
        props.onError(S.errorPrefix + (err as Error).message);
      }
      pending.current--;
      props.onChanged();
    });
  };
  return (
    <div class="rights" role="group" aria-label={S.users.rightsOf(user.name)}>
      <p class="small muted">{user.role === 'viewer' ? S.users.viewerNote : S.users.operatorNote}</p>
      <table>
        <thead><tr><th scope="col">{S.users.cameras}</th>{allowed.map((r) => <th scope="col" key={r}>{S.users.right[r]}</th>)}</tr></thead>
        <tbody>
          {props.cameras.map((c) => {
            const has = (wanted[c.id] ?? '').split(',');
            return (
              <tr key={c.id} data-camera={c.id}>
                <th scope="row">{cameraName(c)}</th>
                {allowed.map((r) => (
                  <td key={r}>
                    <input type="checkbox" checked={has.includes(r)} aria-label={S.users.rightsFor(user.name, c.id, r)}
                           onChange={(e) => set(c.id, r, e.currentTarget.checked)} />
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function UserRow(props: { user: User; cameras: Camera[]; self: boolean; onChanged: () => void; onError: (m: string) => void }) {
  const { user } = props;
  const [pwOpen, setPwOpen] = useState(false);
  const [rightsOpen, setRightsOpen] = useState(false);
  const [pw, setPw] = useState('');
  const [note, setNote] = useState('');
  const call = (p: Promise<unknown>, after?: () => void) =>
    p.then(() => { after?.(); props.onChanged(); }, (err) => props.onError(S.errorPrefix + (err as Error).message));
  const grants = Object.entries(user.cameras);
  return (
    <>
      <tr data-user={user.name}>
        <th scope="row">{user.name}</th>
        <td>
          <select aria-label={S.users.roleOf(user.name)} value={user.role}
                  onChange={(e) => call(api(`/api/users/${enc(user.name)}`, { method: 'PATCH', json: { role: e.currentTarget.value } }))}>
            {ROLES.map((r) => <option key={r} value={r}>{S.users.roles[r]}</option>)}
          </select>
        </td>
        <td>{user.totp ? S.users.yes : S.users.no}</td>
        <td class="small full" data-label={S.users.cameras}>{user.role === 'admin' ? S.users.allCameras
          : grants.length ? grants.map(([c, r]) => `${c}: ${r.replace(/,/g, ', ')}`).join('; ')
          : user.role === 'operator' ? S.users.allCameras : S.users.none}</td>
        <td class="full">
          <div class="row actions">
            {user.role !== 'admin' && (
              <button type="button" aria-expanded={rightsOpen} onClick={() => setRightsOpen(!rightsOpen)}>{S.users.rights}</button>
            )}
            <button type="button" aria-expanded={pwOpen} onClick={() => setPwOpen(!pwOpen)}>{S.users.resetPassword}</button>
            {!props.self && (
              <button type="button" class="danger" aria-label={S.users.deleteNamed(user.name)}
                      onClick={() => confirm(S.users.confirmDelete(user.name)) &&
                        call(api(`/api/users/${enc(user.name)}`, { method: 'DELETE' }))}>{S.users.delete}</button>
            )}
          </div>
          {note && <p class="ok small" role="status">{note}</p>}
        </td>
      </tr>
      {pwOpen && (
        <tr class="sub"><td colSpan={5}>
          <form class="row inline" onSubmit={(e) => {
            e.preventDefault();
            call(api(`/api/users/${enc(user.name)}`, { method: 'PATCH', json: { password: pw } }),
                 () => { setPw(''); setPwOpen(false); setNote(S.users.passwordSet(user.name)); });
          }}>
            <label>{S.users.resetFor(user.name)}
              <input type="password" autocomplete="new-password" required minLength={8} value={pw}
                     onInput={(e) => setPw(e.currentTarget.value)} /></label>
            <button type="submit" class="primary">{S.users.setPassword}</button>
          </form>
        </td></tr>
      )}
      {rightsOpen && user.role !== 'admin' && (
        <tr class="sub"><td colSpan={5}>
          <RightsEditor user={user} cameras={props.cameras} onChanged={props.onChanged} onError={props.onError} />
        </td></tr>
      )}
    </>
  );
}

export function UsersPage() {
  const me = useMe();
  const users = useApi(() => api<User[]>('/api/users'), []);
  const cams = useApi(() => api<Camera[]>('/api/cameras'), []);
  const [error, setError] = useState('');
  const changed = () => { setError(''); users.reload(); };
  return (
    <section class="page" aria-labelledby="users-title">
      <h1 id="users-title">{S.users.title}</h1>
      <AddUser onAdded={changed} />
      {users.error && <p class="error" role="alert">{S.errorPrefix}{users.error.message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {!users.data ? <p aria-busy="true">{S.loading}</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={S.users.table}>
          <table class="users stack">
            <thead><tr><th scope="col">{S.users.name}</th><th scope="col">{S.users.role}</th><th scope="col">{S.users.totp}</th>
              <th scope="col">{S.users.cameras}</th><th scope="col">{S.users.actions}</th></tr></thead>
            <tbody>
              {users.data.map((u) => (
                <UserRow key={u.name} user={u} cameras={cams.data ?? []} self={u.name === me.username}
                         onChanged={changed} onError={setError} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
