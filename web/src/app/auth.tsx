// Who is signed in (GET /api/auth/me), what they may do, and the login dialog. The dialog opens
// over the current page whenever an API call answers 401 (api.ts) and the call is retried once
// the user has signed in; a server without auth (404 for /api/auth/me, or "auth": false) means an
// admin with every right.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../strings';
import { ApiError, api, setUnauthorizedHandler } from './api';

export type Right = 'live' | 'recordings' | 'export' | 'ptz';
export interface Me {
  username: string;
  role: 'admin' | 'operator' | 'viewer';
  auth: boolean;
  cameras: Record<string, Right[]> | null;
  via?: 'session' | 'basic' | 'api_key' | 'signed';
  totp?: boolean;
}

export const NO_AUTH: Me = { username: '', role: 'admin', auth: false, cameras: null };

export async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api<Me>('/api/auth/me', { noLogin: true });
    return { ...me, cameras: me.cameras ?? null };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return NO_AUTH;
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export const MeContext = createContext<Me>(NO_AUTH);
export const useMe = () => useContext(MeContext);

export function can(me: Me, camera: string, right: Right): boolean {
  if (!me.auth || me.role === 'admin' || me.cameras === null) return true;
  return (me.cameras[camera] ?? []).includes(right);
}

export const isAdmin = (me: Me) => !me.auth || me.role === 'admin';

// Waiters for the dialog: every 401 in flight waits for the same sign-in.
let waiters: (() => void)[] = [];
let openDialog: (() => void) | null = null;

setUnauthorizedHandler(
  () =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      openDialog?.();
    }),
);

export function LoginDialog(props: { open: boolean; expired: boolean; onOpen: () => void; onDone: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    openDialog = props.onOpen;
    return () => { openDialog = null; };
  }, [props.onOpen]);
  useEffect(() => {
    if (props.open) first.current?.focus();
    // A fresh sign-in (not a session that ended) starts over: another user may sign in.
    if (props.open && !props.expired) { setNeedTotp(false); setTotp(''); setError(''); }
  }, [props.open, props.expired]);
  if (!props.open) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api('/api/auth/login', { method: 'POST', noLogin: true,
        json: needTotp ? { username, password, totp } : { username, password } });
      const me = (await fetchMe()) ?? NO_AUTH;
      // The user name and whether a code is needed stay for the next sign-in (session expiry).
      setPassword('');
      setTotp('');
      props.onDone(me);
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'totp_required') {
        setNeedTotp(true);
        setError(S.login.totpNeeded);
      } else if (err instanceof ApiError && err.status === 429) {
        setError(S.login.throttled(err.retryAfter ?? 30));
      } else if (err instanceof ApiError && err.status === 401) {
        setError(S.login.bad);
      } else {
        setError(S.errorPrefix + String((err as Error).message));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="login-title">
      <form class="modal-form" onSubmit={submit}>
        <h2 id="login-title">{S.login.title}</h2>
        {props.expired && <p>{S.login.expired}</p>}
        <label>
          {S.login.username}
          <input ref={first} name="username" autocomplete="username" required value={username}
                 onInput={(e) => {
                   const v = e.currentTarget.value;
                   if (v !== username) { setNeedTotp(false); setTotp(''); }
                   setUsername(v);
                 }} />
        </label>
        <label>
          {S.login.password}
          <input name="password" type="password" autocomplete="current-password" required value={password}
                 onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {needTotp && (
          <label>
            {S.login.totp}
            <input name="totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required
                   value={totp} onInput={(e) => setTotp(e.currentTarget.value)} />
          </label>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{S.login.submit}</button>
      </form>
      </div>
    </div>
  );
}
