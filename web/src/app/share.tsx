// "Share live link": a signed address of a camera's live LL-HLS playlist (POST /api/auth/sign)
// for VLC or ffmpeg, which play it without signing in until it expires, and the same signature
// on the camera's browser player (it covers the camera's whole /api/hls/<camera>/ directory).
import { useEffect, useRef, useState } from 'preact/hooks';
import { S } from '../strings';
import { api } from './api';

const TTL_SECS = 3600;

export function ShareButton(props: { camera: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>{S.share.button}</button>
      {open && <ShareDialog camera={props.camera} onClose={() => setOpen(false)} />}
    </>
  );
}

function ShareDialog(props: { camera: string; onClose: () => void }) {
  const [res, setRes] = useState<{ url: string; expires: string } | null>(null);
  const [error, setError] = useState('');
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const base = `/api/hls/${encodeURIComponent(props.camera)}`;
    api<{ url: string; expires: string }>('/api/auth/sign', { method: 'POST', json: { path: `${base}/live.m3u8`, ttl_secs: TTL_SECS } })
      .then(setRes, (e) => setError(S.errorPrefix + (e as Error).message));
    const esc = (e: KeyboardEvent) => { if (e.key === 'Escape') props.onClose(); };
    addEventListener('keydown', esc);
    return () => removeEventListener('keydown', esc);
  }, [props.camera]);
  const abs = (u: string) => new URL(u, location.origin).href;
  const player = res && abs(res.url.replace(/\/live\.m3u8\?/, '/player?'));
  return (
    <div class="modal-backdrop">
      <div class="modal share" role="dialog" aria-modal="true" aria-labelledby="share-title">
        <h2 id="share-title">{S.share.title}</h2>
        {error && <p class="error" role="alert">{error}</p>}
        {!res && !error && <p aria-busy="true">{S.loading}</p>}
        {res && (
          <>
            <p>{S.share.help}</p>
            <code class="mono wrap share-url" data-url={abs(res.url)}>{abs(res.url)}</code>
            <p>{S.share.player}</p>
            <code class="mono wrap share-player"><a href={player!} target="_blank" rel="noopener">{player}</a></code>
            <p class="small muted">{S.share.expires(new Date(res.expires).toLocaleString())}</p>
          </>
        )}
        <button type="button" ref={close} onClick={props.onClose}>{S.share.close}</button>
      </div>
    </div>
  );
}
