// The audit log (admin): newest first, a page at a time (GET /api/audit?before=&limit=), filtered
// by action.
import { useState } from 'preact/hooks';
import { S } from '../../strings';
import { api, q } from '../api';
import { useApi } from '../hooks';

interface Entry {
  id: number;
  time: string;
  actor: string;
  source: string;
  action: string;
  target: string;
  details: Record<string, unknown> | null;
}

const ACTIONS = ['login', 'login_failed', 'logout', 'session_revoke', 'session_revoke_all', 'user_add', 'user_change',
  'user_delete', 'grant', 'revoke', 'apikey_add', 'apikey_delete', 'totp_enable', 'totp_disable', 'camera_add',
  'camera_change', 'camera_remove', 'export', 'cli'];
const PAGE = 50;

const detailsText = (d: Entry['details']) =>
  d ? Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : '';

export function AuditPage() {
  const [action, setAction] = useState('');
  // The "before" cursors of the pages seen so far: [] is the newest page.
  const [stack, setStack] = useState<number[]>([]);
  const before = stack.length ? stack[stack.length - 1] : null;
  const page = useApi(() => api<{ entries: Entry[]; next_before: number | null }>(
    '/api/audit?' + q({ action, before, limit: PAGE })), [action, before]);
  return (
    <section class="page" aria-labelledby="audit-title">
      <h1 id="audit-title">{S.audit.title}</h1>
      <div class="row toolbar-row">
        <label class="inline-label">{S.audit.action}
          <select value={action} onChange={(e) => { setAction(e.currentTarget.value); setStack([]); }}>
            <option value="">{S.audit.anyAction}</option>
            {ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select></label>
        <button type="button" disabled={!stack.length} onClick={() => setStack([])}>{S.audit.newest}</button>
        <button type="button" disabled={!page.data?.next_before}
                onClick={() => page.data?.next_before && setStack([...stack, page.data.next_before])}>{S.audit.older}</button>
      </div>
      {page.error && <p class="error" role="alert">{S.errorPrefix}{page.error.message}</p>}
      {!page.data ? <p aria-busy="true">{S.loading}</p> : page.data.entries.length === 0 ? <p>{S.audit.none}</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={S.audit.table}>
          <table class="audit stack">
            <thead><tr><th scope="col">{S.audit.time}</th><th scope="col">{S.audit.action}</th><th scope="col">{S.audit.actor}</th>
              <th scope="col">{S.audit.source}</th><th scope="col">{S.audit.target}</th><th scope="col">{S.audit.details}</th></tr></thead>
            <tbody>
              {page.data.entries.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td>{new Date(e.time).toLocaleString()}</td><td><strong>{e.action}</strong></td>
                  <td data-label={S.audit.actor}>{e.actor}</td><td data-label={S.audit.source}>{e.source}</td>
                  <td data-label={S.audit.target}>{e.target}</td><td class="wrap small full">{detailsText(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
