// The signed-in user's own account: change the password, turn two-step sign-in (TOTP, RFC 6238)
// on with a QR code of the otpauth URI and a confirming code (then the recovery codes, shown
// once) or off, and the list of one's sessions with "sign out everywhere else" and revoke one.
import { useState } from 'preact/hooks';
import { S } from '../../strings';
import { ApiError, api } from '../api';
import { useMe } from '../auth';
import { useApi } from '../hooks';
import { QrCode } from '../qr';

interface Session {
  id: number;
  created: string;
  last_seen: string;
  expires: string;
  source: string;
  user_agent: string;
  current: boolean;
}

const when = (t: string | null) => (t ? new Date(t).toLocaleString() : '—');

// "Chrome 120 · Windows" from a User-Agent header (the whole header in the cell's title).
export function shortAgent(ua: string): string {
  const names: [string, string][] = [['Edg', 'Edge'], ['OPR', 'Opera'], ['Firefox', 'Firefox'], ['Chrome', 'Chrome'],
    ['Version', 'Safari'], ['curl', 'curl'], ['VLC', 'VLC'], ['Lavf', 'ffmpeg']];
  const b = names.map(([k, n]) => [n, new RegExp(`${k}/(\\d+)`).exec(ua)] as const).find(([, m]) => m);
  const os = /(Windows|Android|iPhone|iPad|Mac OS X|CrOS|Linux)/.exec(ua);
  if (!b) return ua || '—';
  const osName = os ? ({ 'Mac OS X': 'macOS', CrOS: 'ChromeOS' } as Record<string, string>)[os[1]] ?? os[1] : '';
  return `${b[0]} ${b[1]![1]}${osName ? ' · ' + osName : ''}`;
}

function PasswordForm() {
  const [cur, setCur] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw !== pw2) return setMsg({ ok: false, text: S.account.mismatch });
    if (pw.length < 8) return setMsg({ ok: false, text: S.account.tooShort });
    setBusy(true);
    try {
      await api('/api/auth/password', { method: 'POST', json: { current: cur, new: pw } });
      setCur(''); setPw(''); setPw2('');
      setMsg({ ok: true, text: S.account.changed });
    } catch (err) {
      const ae = err as ApiError;
      setMsg({ ok: false, text: ae.status === 403 ? S.account.wrongCurrent
        : ae.status === 429 ? S.login.throttled(ae.retryAfter ?? 30) : S.errorPrefix + ae.message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form card" onSubmit={submit} aria-labelledby="pw-title">
      <h2 id="pw-title">{S.account.password}</h2>
      <input type="text" name="username" autocomplete="username" value={useMe().username} hidden readOnly />
      <label>{S.account.current}
        <input type="password" name="current" autocomplete="current-password" required value={cur}
               onInput={(e) => setCur(e.currentTarget.value)} /></label>
      <div class="row">
        <label>{S.account.newPassword}
          <input type="password" name="new" autocomplete="new-password" required minLength={8} value={pw}
                 onInput={(e) => setPw(e.currentTarget.value)} /></label>
        <label>{S.account.confirm}
          <input type="password" name="confirm" autocomplete="new-password" required minLength={8} value={pw2}
                 onInput={(e) => setPw2(e.currentTarget.value)} /></label>
      </div>
      {msg && <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
      <button type="submit" class="primary" disabled={busy}>{S.account.change}</button>
    </form>
  );
}

function TotpCard(props: { on: boolean; onChange: () => void }) {
  const [enrol, setEnrol] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const fail = (err: unknown) => setError(S.errorPrefix + (err as Error).message);
  const start = () => {
    setError(''); setNote('');
    api<{ secret: string; uri: string }>('/api/auth/totp', { method: 'POST' }).then(setEnrol, fail);
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const r = await api<{ recovery_codes: string[] }>('/api/auth/totp/confirm', { method: 'POST', json: { code: code.trim() } });
      setEnrol(null); setCode('');
      setRecovery(r.recovery_codes);
      props.onChange();
    } catch (err) {
      if (err instanceof ApiError && err.status < 500 && err.status !== 429) setError(S.account.badCode);
      else fail(err);
    }
  };
  const disable = () => {
    setError('');
    api('/api/auth/totp', { method: 'DELETE' }).then(() => { setNote(S.account.disabled); props.onChange(); }, fail);
  };
  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">{S.account.totp}</h2>
      {recovery ? (
        <div class="recovery">
          <h3>{S.account.recovery}</h3>
          <p>{S.account.recoveryHelp}</p>
          <ul class="codes mono" aria-label={S.account.recovery}>{recovery.map((c) => <li key={c}>{c}</li>)}</ul>
          <button type="button" class="primary" onClick={() => setRecovery(null)}>{S.account.recoveryDone}</button>
        </div>
      ) : enrol ? (
        <form class="form" onSubmit={confirm}>
          <p>{S.account.scan}</p>
          <div class="enrol">
            <QrCode text={enrol.uri} label={S.account.qr} />
            <div>
              <div class="small muted">{S.account.secret}</div>
              <code class="secret wrap" data-secret={enrol.secret}>{enrol.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
            </div>
          </div>
          <label>{S.account.code}
            <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required value={code}
                   onInput={(e) => setCode(e.currentTarget.value)} /></label>
          {error && <p class="error" role="alert">{error}</p>}
          <div class="row">
            <button type="submit" class="primary">{S.account.confirmCode}</button>
            <button type="button" onClick={() => { setEnrol(null); setError(''); }}>{S.account.cancel}</button>
          </div>
        </form>
      ) : (
        <>
          <p>{props.on ? S.account.totpOn : S.account.totpOff}</p>
          {note && <p class="ok" role="status">{note}</p>}
          {error && <p class="error" role="alert">{error}</p>}
          {props.on ? <button type="button" onClick={disable}>{S.account.disable}</button>
            : <button type="button" class="primary" onClick={start}>{S.account.enrol}</button>}
        </>
      )}
    </section>
  );
}

function Sessions() {
  const list = useApi(() => api<Session[]>('/api/auth/sessions'), []);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const fail = (err: unknown) => setError(S.errorPrefix + (err as Error).message);
  const others = () =>
    // DELETE /api/auth/sessions ends them all, this one too: revoke the others one by one.
    Promise.all((list.data ?? []).filter((s) => !s.current).map((s) =>
      api(`/api/auth/sessions/${s.id}`, { method: 'DELETE' }))).then((r) => {
      setNote(S.account.revokedN(r.length));
      list.reload();
    }, fail);
  const one = (id: number) => api(`/api/auth/sessions/${id}`, { method: 'DELETE' }).then(list.reload, fail);
  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{S.account.sessions}</h2>
      {list.error && <p class="error" role="alert">{S.errorPrefix}{list.error.message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {note && <p class="ok" role="status">{note}</p>}
      <div class="table-wrap" tabIndex={0} role="region" aria-label={S.account.sessionsTable}>
        <table class="sessions stack">
          <thead><tr><th scope="col">{S.account.started}</th><th scope="col">{S.account.lastSeen}</th>
            <th scope="col">{S.account.from}</th><th scope="col">{S.account.browser}</th><th scope="col"><span class="sr-only">{S.users.actions}</span></th></tr></thead>
          <tbody>
            {(list.data ?? []).map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td>{when(s.created)}</td><td data-label={S.account.lastSeen}>{when(s.last_seen)}</td><td>{s.source}</td>
                <td class="small wrap" title={s.user_agent}>{shortAgent(s.user_agent)}</td>
                <td>{s.current ? <strong>{S.account.thisOne}</strong>
                  : <button type="button" aria-label={S.account.revokeNamed(s.id)} onClick={() => one(s.id)}>{S.account.revoke}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" disabled={!(list.data ?? []).some((s) => !s.current)} onClick={others}>{S.account.revokeOthers}</button>
    </section>
  );
}

export function AccountPage(props: { onChange: () => void }) {
  const me = useMe();
  return (
    <section class="page narrow" aria-labelledby="account-title">
      <h1 id="account-title">{S.account.title}</h1>
      <p class="muted">{S.signedInAs(me.username, me.role)}</p>
      {me.via && me.via !== 'session' && me.via !== 'basic' ? <p>{S.account.noApiKeys}</p> : (
        <>
          <PasswordForm />
          <TotpCard on={!!me.totp} onChange={props.onChange} />
          <Sessions />
        </>
      )}
    </section>
  );
}
