// The sign-in, account and admin checks of tests/browser/ui.mjs against the real server's
// authentication (docs/API.md §Authentication): the login dialog, a viewer's cameras, a session
// revoked under an open page, the account page (password, TOTP with codes computed here per
// RFC 6238, sessions), the Users, API keys and Audit log pages, and a signed live link.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(fn, timeoutMs, stepMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last && last.ok) return last;
    await sleep(stepMs);
  }
  return last ?? { ok: false };
}

// RFC 4648 §6 base32 to bytes.
function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, acc = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    acc = (acc << 5) | abc.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((acc >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) for the step `offset` steps from now;
// RFC 4226 §5.3 dynamic truncation.
export function totp(secret, offset = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

const dialog = (page) => page.getByRole('dialog', { name: 'Sign in' });

async function alertText(page, re, scope = '.modal [role=alert]') {
  const r = await until(async () => {
    const t = await page.locator(scope).first().textContent({ timeout: 100 }).catch(() => '');
    return { ok: re.test(t ?? ''), t };
  }, 8000, 50);
  return r.t ?? '';
}

// Fills the login dialog and submits; `code` when the account asks for a TOTP code.
export async function fillLogin(page, user, password, code) {
  const d = dialog(page);
  await d.waitFor({ timeout: 10000 });
  await d.getByLabel('User name').fill(user);
  await d.getByLabel('Password').fill(password);
  if (code) await d.getByLabel('Code from your authenticator app').fill(code);
  await d.getByRole('button', { name: 'Sign in' }).click();
}

async function signedIn(page) {
  await dialog(page).waitFor({ state: 'detached', timeout: 10000 });
  await page.locator('header .who').waitFor({ timeout: 10000 });
}

export async function signIn(page, user, password, code) {
  await fillLogin(page, user, password, code);
  await signedIn(page);
}

export async function signOut(page) {
  // The dialog opens before the logout request is answered: wait for the answer too, so that
  // what follows sees the session ended.
  const loggedOut = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'),
                                         { timeout: 10000 });
  await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
  await dialog(page).waitFor({ timeout: 10000 });
  await loggedOut;
}

const wallIds = (page) => page.locator('.wall .tile').evaluateAll((ts) => ts.map((t) => t.dataset.camera));

// The first sign-in, for real: nothing shows behind the dialog; a wrong password and a throttled
// account say so; the admin's password opens the wall with every camera.
export async function checkSignIn(page, o) {
  const steps = {};
  await page.goto(o.base + '/');
  await dialog(page).waitFor({ timeout: 10000 });
  steps.hiddenBehind = (await page.locator('.wall').count()) === 0;
  await fillLogin(page, 'admin', 'wrong-' + o.adminPassword);
  steps.wrong = await alertText(page, /Wrong/);
  await page.screenshot({ path: join(o.out, 'screenshots', 'login-1440.png') });
  // An account that keeps failing is slowed down (429 and Retry-After after 5 failures).
  for (let i = 0; i < 6 && !/Too many/.test(steps.throttled ?? ''); i++) {
    await fillLogin(page, 'nobody', 'nothing');
    steps.throttled = await alertText(page, i < 5 ? /Wrong|Too many/ : /Too many/);
  }
  await signIn(page, 'admin', o.adminPassword);
  await page.getByRole('button', { name: '9 per screen' }).click();
  await page.locator('.wall .tile').first().waitFor({ timeout: 10000 });
  steps.tiles = (await wallIds(page)).sort();
  steps.nav = await page.locator('header nav a').allTextContents();
  await page.getByRole('button', { name: '4 per screen' }).click();
  const all = [...o.cameras, ...(o.h265 ? [o.h265] : [])].sort();
  const ok = steps.hiddenBehind && /Wrong/.test(steps.wrong) && /Too many attempts\. Try again in \d+ s/.test(steps.throttled) &&
    JSON.stringify(steps.tiles) === JSON.stringify(all) && ['Users', 'API keys', 'Audit log'].every((l) => steps.nav.includes(l));
  return { ok, reason: ok ? undefined : 'the first sign-in misbehaved', steps };
}

// A viewer granted only the first camera (by the CLI): the wall shows that camera alone, no
// settings or admin menus, and another camera's page says it is not there.
export async function checkViewer(page, o) {
  const [user, password] = o.viewer;
  const steps = {};
  await page.goto(o.base + '/live');
  await signOut(page);
  await signIn(page, user, password);
  await page.locator('.wall .tile').first().waitFor({ timeout: 10000 });
  await sleep(500);
  steps.tiles = await wallIds(page);
  steps.nav = await page.locator('header nav a').allTextContents();
  steps.who = await page.locator('header .who').textContent();
  await page.goto(`${o.base}/cameras/${o.cameras[1]}`);
  steps.otherCamera = await page.locator('.not-found').textContent({ timeout: 10000 }).catch(() => '');
  await page.goto(`${o.base}/admin/users`);
  steps.usersPage = await page.locator('main').textContent();
  await signOut(page);
  // Signed out for real: the cookie no longer opens the API.
  steps.afterSignOut = await page.evaluate(() => fetch('/api/cameras').then((r) => r.status));
  await signIn(page, 'admin', o.adminPassword);
  const ok = JSON.stringify(steps.tiles) === JSON.stringify([o.cameras[0]]) &&
    !['Cameras', 'Storage', 'Export', 'Users', 'API keys', 'Audit log'].some((l) => steps.nav.includes(l)) &&
    steps.who === `${user} (viewer)` && steps.otherCamera.includes(o.cameras[1]) && /no page here/.test(steps.usersPage) &&
    steps.afterSignOut === 401;
  return { ok, reason: ok ? undefined : "the viewer saw what it should not, or not what it should", steps };
}

// The session ends under an open page (every session of the user revoked from outside): the
// dialog comes over the wall, the wall keeps its state (the same tile elements), and its calls
// go on after signing in again.
export async function checkSessionEnds(page, o) {
  const steps = {};
  await page.goto(o.base + '/live');
  await page.locator('.wall .tile').first().waitFor({ timeout: 10000 });
  await page.locator('.wall .tile').first().evaluate((t) => { t.dataset.mark = 'kept'; });
  const r = await page.request.delete(o.base + '/api/auth/sessions');
  steps.revoke = r.status();
  await dialog(page).waitFor({ timeout: 15000 });
  steps.expiredText = await page.locator('.modal p').first().textContent();
  steps.keptBehind = (await page.locator('.tile[data-mark=kept]').count()) === 1;
  await signIn(page, 'admin', o.adminPassword);
  await sleep(5500); // the wall's next poll goes through
  steps.keptAfter = (await page.locator('.tile[data-mark=kept]').count()) === 1;
  steps.dialogGone = (await dialog(page).count()) === 0;
  const ok = steps.revoke === 200 && /ended/.test(steps.expiredText) && steps.keptBehind && steps.keptAfter && steps.dialogGone;
  return { ok, reason: ok ? undefined : 'the page did not survive its session ending', steps };
}

const usersApi = async (o) => (await (await fetch(o.base + '/api/users', { headers: o.adminHeaders })).json());
const userOf = async (o, name) => (await usersApi(o)).find((u) => u.name === name);

// Users page: add a viewer, grant it a camera with the checkboxes, make it an operator (all four
// rights offered), reset its password; add and delete another.
export async function checkUsersPage(page, o) {
  const steps = {};
  const [name, pw1, pw2] = o.newUser;
  await page.goto(o.base + '/admin/users');
  const add = async (n, role, pw) => {
    const f = page.locator('form', { has: page.getByRole('heading', { name: 'Add user' }) });
    await f.getByLabel('User name').fill(n);
    await f.getByLabel('Role').selectOption(role);
    await f.getByLabel('Password').fill(pw);
    await f.getByRole('button', { name: 'Add user' }).click();
    await page.locator(`tr[data-user="${n}"]`).waitFor({ timeout: 10000 });
  };
  await add(name, 'viewer', pw1);
  const row = page.locator(`tr[data-user="${name}"]`);
  await row.getByRole('button', { name: 'Rights' }).click();
  const editor = page.getByRole('group', { name: `Rights of ${name}` });
  steps.viewerColumns = await editor.locator(`tr[data-camera="${o.cameras[1]}"] input[type=checkbox]`).count();
  await editor.getByLabel(`live on ${o.cameras[1]} for ${name}`).check();
  await until(async () => ({ ok: (await userOf(o, name)).cameras[o.cameras[1]] === 'live' }), 5000);
  await editor.getByLabel(`recordings on ${o.cameras[1]} for ${name}`).check();
  await until(async () => ({ ok: (await userOf(o, name)).cameras[o.cameras[1]] === 'live,recordings' }), 5000);
  steps.grant = (await userOf(o, name)).cameras;
  await row.getByLabel(`Role of ${name}`).selectOption('operator');
  await until(async () => ({ ok: (await userOf(o, name)).role === 'operator' }), 5000);
  steps.role = (await userOf(o, name)).role;
  const boxes = editor.locator(`tr[data-camera="${o.cameras[1]}"] input[type=checkbox]`);
  await until(async () => ({ ok: (await boxes.count()) === 4 }), 5000);
  steps.operatorColumns = await boxes.count();
  await row.getByRole('button', { name: 'Reset password' }).click();
  await page.getByLabel(`New password for ${name}`).fill(pw2);
  await page.getByRole('button', { name: 'Set', exact: true }).click();
  steps.reset = await page.locator(`tr[data-user="${name}"] [role=status]`).textContent({ timeout: 10000 }).catch(() => '');
  await add('dora', 'viewer', 'dora-password');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete dora' }).click();
  await page.locator('tr[data-user="dora"]').waitFor({ state: 'detached', timeout: 10000 });
  steps.doraGone = !(await userOf(o, 'dora'));
  const ok = steps.viewerColumns === 2 && steps.grant[o.cameras[1]] === 'live,recordings' && steps.role === 'operator' &&
    steps.operatorColumns === 4 && /password of/.test(steps.reset) && steps.doraGone;
  return { ok, reason: ok ? undefined : 'the users page misbehaved', steps };
}

async function sessionCookieLogin(o, user, password) {
  const r = await fetch(o.base + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password }) });
  const c = (r.headers.get('set-cookie') ?? '').split(';')[0];
  return { status: r.status, cookie: c };
}

// The account page as the user added through the Users page: it signs in with the password the
// admin set; changes its own (a wrong current password and differing new ones refused); signs
// out another session of its own; turns TOTP on (QR code and key shown; the code computed here),
// sees 10 recovery codes, signs in again with a code, and turns TOTP off.
export async function checkAccount(page, o) {
  const steps = {};
  const [name, , pw2] = o.newUser;
  const pw3 = pw2 + '-new';
  await page.goto(o.base + '/live');
  await signOut(page);
  await signIn(page, name, pw2);
  await page.locator('header .who').click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor({ timeout: 10000 });
  steps.path = new URL(page.url()).pathname;
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Password' }) });
  const change = async (cur, a, b) => {
    await form.getByLabel('Current password').fill(cur);
    await form.getByLabel('New password', { exact: true }).fill(a);
    await form.getByLabel('New password again').fill(b);
    await form.getByRole('button', { name: 'Change password' }).click();
  };
  await change('not-it', pw3, pw3);
  steps.wrongCurrent = await alertText(page, /wrong/, 'form [role=alert]');
  await change(pw2, pw3, pw3 + 'x');
  steps.mismatch = await alertText(page, /differ/, 'form [role=alert]');
  await change(pw2, pw3, pw3);
  steps.changed = await page.locator('form [role=status]').textContent({ timeout: 10000 }).catch(() => '');
  const old = await sessionCookieLogin(o, name, pw2);
  const other = await sessionCookieLogin(o, name, pw3);
  steps.loginOld = old.status;
  steps.loginNew = other.status;
  // Sessions: this browser and the one just made; "sign out everywhere else" ends the other.
  await page.reload();
  const rows = page.locator('table.sessions tbody tr');
  await until(async () => ({ ok: (await rows.count()) === 2 }), 5000);
  steps.sessionsBefore = await rows.count();
  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await until(async () => ({ ok: (await rows.count()) === 1 }), 5000);
  steps.sessionsAfter = await rows.count();
  steps.otherMe = (await fetch(o.base + '/api/auth/me', { headers: { Cookie: other.cookie } })).status;
  // TOTP on.
  await page.getByRole('button', { name: 'Turn on' }).click();
  const secretEl = page.locator('code.secret');
  await secretEl.waitFor({ timeout: 10000 });
  const secret = await secretEl.getAttribute('data-secret');
  steps.qr = await page.getByRole('img', { name: 'QR code of the authenticator key' }).evaluate((s) => s.tagName + ' ' + s.querySelector('path').getAttribute('d').length);
  await page.screenshot({ path: join(o.out, 'screenshots', 'account-totp-1440.png'), fullPage: true });
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).locator('li');
  await codes.first().waitFor({ timeout: 10000 });
  steps.recoveryCodes = await codes.count();
  await page.getByRole('button', { name: 'I have kept them' }).click();
  steps.totpState = await page.locator('#totp-title + p').textContent();
  // Sign in again: the password, then a code (the next step's: the one used above counts once).
  await signOut(page);
  await fillLogin(page, name, pw3);
  steps.totpAsked = await alertText(page, /6-digit/);
  await signIn(page, name, pw3, totp(secret, 1));
  steps.me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.json()));
  await page.goto(o.base + '/account');
  await page.getByRole('button', { name: 'Turn off' }).click();
  steps.totpOff = await page.locator('#totp-title ~ [role=status]').textContent({ timeout: 10000 }).catch(() => '');
  await signOut(page);
  await signIn(page, 'admin', o.adminPassword);
  const ok = steps.path === '/account' && /wrong/.test(steps.wrongCurrent) && /differ/.test(steps.mismatch) &&
    /Password changed/.test(steps.changed) && steps.loginOld === 401 && steps.loginNew === 200 &&
    steps.sessionsBefore === 2 && steps.sessionsAfter === 1 && steps.otherMe === 401 && /^svg \d{3,}/i.test(steps.qr) &&
    steps.recoveryCodes === 10 && /^On/.test(steps.totpState) && /6-digit/.test(steps.totpAsked) &&
    steps.me.username === name && steps.me.totp === true && /off/.test(steps.totpOff);
  return { ok, reason: ok ? undefined : 'the account page misbehaved', steps };
}

// API keys page: a key for one camera (role operator: a viewer key of the admin sees no camera,
// as viewers see only cameras granted to their user), shown once, works from outside the browser (Bearer) and
// sees only that camera; the list then shows when it was last used; revoked, it stops working.
export async function checkApiKeys(page, o) {
  const steps = {};
  await page.goto(o.base + '/admin/apikeys');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Create key' }) });
  await form.getByLabel('Name').fill('ci-key');
  await form.getByLabel('Role').selectOption('operator');
  await form.getByLabel('Expires after (days, empty: never)').fill('7');
  await form.locator(`input[type=checkbox][value="${o.cameras[0]}"]`).check();
  await form.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.locator('code.new-key').textContent({ timeout: 10000 })).trim();
  steps.keyPrefix = key.slice(0, 4);
  await page.screenshot({ path: join(o.out, 'screenshots', 'apikey-created-1440.png') });
  await page.getByRole('button', { name: 'Done' }).click();
  const use = () => fetch(o.base + '/api/cameras', { headers: { Authorization: `Bearer ${key}` } });
  const r = await use();
  steps.status = r.status;
  steps.cameras = r.status === 200 ? (await r.json()).map((c) => c.id) : null;
  await page.reload();
  const row = page.locator('tr[data-key="ci-key"]');
  steps.lastUsed = await row.locator('.last-used').textContent({ timeout: 10000 });
  steps.expires = await row.locator('td').nth(4).textContent();
  page.once('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'Revoke ci-key' }).click();
  await row.waitFor({ state: 'detached', timeout: 10000 });
  steps.afterRevoke = (await use()).status;
  const ok = steps.keyPrefix === 'njk_' && steps.status === 200 && JSON.stringify(steps.cameras) === JSON.stringify([o.cameras[0]]) &&
    steps.lastUsed !== 'never' && steps.afterRevoke === 401;
  return { ok, reason: ok ? undefined : 'the API key page misbehaved', steps };
}

// Audit log: filtered to sign-ins it lists the admin's; to failed ones, the wrong passwords.
export async function checkAudit(page, o) {
  const steps = {};
  await page.goto(o.base + '/admin/audit');
  await page.locator('table.audit tbody tr').first().waitFor({ timeout: 10000 });
  const rows = page.locator('table.audit tbody tr');
  steps.all = await rows.count();
  const filter = async (a) => {
    await page.getByLabel('Action').selectOption(a);
    await until(async () => ({ ok: (await rows.evaluateAll((rs, x) => rs.length > 0 && rs.every((r) => r.dataset.action === x), a)) }), 5000);
    return rows.evaluateAll((rs) => rs.map((r) => [r.dataset.action, r.cells[2].textContent]));
  };
  steps.logins = await filter('login');
  steps.failed = await filter('login_failed');
  steps.apikeys = await filter('apikey_add');
  const ok = steps.logins.some(([a, who]) => a === 'login' && who === 'admin') &&
    steps.failed.every(([a]) => a === 'login_failed') && steps.failed.length >= 1 && steps.apikeys.length >= 1;
  return { ok, reason: ok ? undefined : 'the audit log did not show the sign-ins', steps: { ...steps, logins: steps.logins.length, failed: steps.failed.length } };
}

// "Share live link" on the camera view: a signed playlist URL that plays without a cookie (read
// here with fetch), and the browser player opened through the same signature with no cookie.
export async function checkShare(ctx, page, o) {
  const steps = {};
  await page.goto(`${o.base}/cameras/${o.cameras[0]}`);
  await page.getByRole('button', { name: 'Share live link' }).click();
  const d = page.getByRole('dialog', { name: 'Live link' });
  const url = await d.locator('code.share-url').getAttribute('data-url', { timeout: 10000 });
  steps.expires = await d.locator('p.small').textContent();
  await page.screenshot({ path: join(o.out, 'screenshots', 'share-1440.png') });
  const player = await d.locator('.share-player a').getAttribute('href');
  await d.getByRole('button', { name: 'Close' }).click();
  const r = await fetch(url);
  const text = await r.text();
  steps.playlist = r.status;
  steps.signedUris = /nj_sig=/.test(text.split('\n').filter((l) => l && !l.startsWith('#EXTM3U')).join('\n'));
  steps.unsigned = (await fetch(url.replace(/\?.*/, ''))).status;
  // The player page, without the session cookie.
  const cookies = await ctx.cookies();
  await ctx.clearCookies();
  const p = await ctx.newPage();
  try {
    await p.goto(player);
    const v = await until(async () => {
      const x = await p.evaluate(() => { const e = document.querySelector('video'); return e && { t: e.currentTime, w: e.videoWidth }; });
      return { ok: !!x && x.t > 1 && x.w > 0, x };
    }, 20000);
    steps.player = v.x;
    steps.plays = v.ok;
  } finally {
    await p.close();
    await ctx.addCookies(cookies);
  }
  const ok = steps.playlist === 200 && text.startsWith('#EXTM3U') && steps.signedUris && steps.unsigned === 401 && steps.plays;
  return { ok, reason: ok ? undefined : 'the signed link did not play', steps };
}
