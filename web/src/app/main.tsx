// The web app's entry: theme, who is signed in, the header with navigation, and the routes.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { S } from '../strings';
import { api } from './api';
import { LoginDialog, MeContext, NO_AUTH, fetchMe, isAdmin, type Me } from './auth';
import { match, interceptLinks, navigate, useLocation } from './router';
import { applyTheme, currentTheme, toggleTheme } from './theme';
import { Icon } from './icons';
import { LivePage } from './pages/live';
import { CameraPage } from './pages/camera';
import { ExportPage } from './pages/export';
import { CamerasSettingsPage } from './pages/cameras-settings';
import { StoragePage } from './pages/storage';
import { SystemPage } from './pages/system';
import { AccountPage } from './pages/account';
import { UsersPage } from './pages/users';
import { ApiKeysPage } from './pages/apikeys';
import { AuditPage } from './pages/audit';
import './app.css';

function Header(props: { me: Me; path: string; onSignOut: () => void }) {
  const [theme, setTheme] = useState(currentTheme);
  const admin = isAdmin(props.me);
  const links: [string, string, boolean][] = [
    ['/live', S.nav.live, true],
    ['/cameras', S.nav.cameras, true],
    ['/export', S.nav.export, admin || Object.values(props.me.cameras ?? {}).some((r) => r.includes('export'))],
    ['/settings/cameras', S.nav.settingsCameras, admin],
    ['/settings/storage', S.nav.settingsStorage, admin],
    ['/system', S.nav.system, true],
    ['/admin/users', S.nav.users, admin && props.me.auth],
    ['/admin/apikeys', S.nav.apiKeys, admin && props.me.auth],
    ['/admin/audit', S.nav.audit, admin && props.me.auth],
  ];
  return (
    <header class="top">
      <a class="skip" href="#main">{S.skipToContent}</a>
      <a class="brand" href="/live">{S.appName}</a>
      <nav aria-label={S.nav.main}>
        <ul>
          {links.filter((l) => l[2]).map(([href, label]) => (
            <li key={href}>
              <a href={href} aria-current={props.path.startsWith(href) ? 'page' : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="top-end">
        {props.me.auth && (
          <a class="who" href="/account" title={S.nav.account}
             aria-current={props.path === '/account' ? 'page' : undefined}>{S.signedInAs(props.me.username, props.me.role)}</a>
        )}
        <button type="button" class="icon" onClick={() => setTheme(toggleTheme())}
                aria-label={theme === 'dark' ? S.theme.toLight : S.theme.toDark}
                title={theme === 'dark' ? S.theme.toLight : S.theme.toDark}>
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        {props.me.auth && <button type="button" onClick={props.onSignOut}>{S.signOut}</button>}
      </div>
    </header>
  );
}

function Routes(props: { path: string; query: URLSearchParams; me: Me; onMeChanged: () => void }) {
  const { path, query, me } = props;
  const admin = isAdmin(me) && me.auth;
  if (path === '/' || path === '') {
    navigate('/live', true);
    return null;
  }
  if (path === '/live') return <LivePage />;
  if (path === '/cameras') return <CameraPage id={null} query={query} />;
  const cam = match('/cameras/:id', path);
  if (cam) return <CameraPage id={cam.id} query={query} />;
  if (path === '/export') return <ExportPage query={query} />;
  if (path === '/settings/cameras') return <CamerasSettingsPage />;
  if (path === '/settings/storage') return <StoragePage />;
  if (path === '/system') return <SystemPage />;
  if (path === '/account' && me.auth) return <AccountPage onChange={props.onMeChanged} />;
  if (path === '/admin/users' && admin) return <UsersPage />;
  if (path === '/admin/apikeys' && admin) return <ApiKeysPage />;
  if (path === '/admin/audit' && admin) return <AuditPage />;
  return <p class="page">{S.notFound}</p>;
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [login, setLogin] = useState<{ open: boolean; expired: boolean }>({ open: false, expired: false });
  useEffect(() => {
    fetchMe().then((m) => {
      if (m) setMe(m);
      else {
        setMe({ ...NO_AUTH, auth: true, role: 'viewer', cameras: {} });
        setLogin({ open: true, expired: false });
      }
    }, () => setMe(NO_AUTH));
  }, []);
  const onOpen = useCallback(() => setLogin({ open: true, expired: true }), []);
  const onDone = useCallback((m: Me) => { setMe(m); setLogin({ open: false, expired: false }); }, []);
  const refreshMe = useCallback(() => { fetchMe().then((m) => m && setMe(m), () => {}); }, []);
  const signOut = async () => {
    // The page goes first (its live players close), then the session: nothing is left to
    // reconnect without it.
    setLogin({ open: true, expired: false });
    await new Promise((r) => setTimeout(r, 0));
    await api('/api/auth/logout', { method: 'POST', noLogin: true }).catch(() => {});
  };
  if (!me) return <p class="page" aria-busy="true">{S.loading}</p>;
  const hidden = login.open && !login.expired; // first sign-in: nothing behind the dialog yet
  return (
    <MeContext.Provider value={me}>
      {hidden ? <header class="top"><span class="brand">{S.appName}</span></header>
        : <Header me={me} path={loc.path} onSignOut={signOut} />}
      <main id="main" tabIndex={-1} inert={login.open}>
        {!hidden && <Routes path={loc.path} query={loc.query} me={me} onMeChanged={refreshMe} />}
      </main>
      <LoginDialog open={login.open} expired={login.expired} onOpen={onOpen} onDone={onDone} />
    </MeContext.Provider>
  );
}

applyTheme(currentTheme());
interceptLinks();
render(<App />, document.getElementById('app')!);
