"""Authentication end to end: `nightjar run` with fakecam, spoken to with real HTTP (urllib).

First start creates admin with a password written to <data>/initial-admin-password; nothing but
health, login and the UI's files answers without credentials; session cookies, Basic and API keys
work and are revocable; a viewer sees only its camera (another answers like a missing one);
TOTP codes computed here per RFC 6238 with Python's hmac are accepted; `nightjar user add` run
while the daemon records takes effect at once; failed sign-ins are slowed with 429 +
Retry-After for that account without slowing another; signed HLS URLs play without cookies.
"""
import base64
import hashlib
import hmac
import json
import os
import socket
import stat
import struct
import subprocess
import tempfile
import time
import unittest

import nj


def totp(secret_b32, t, step=30, digits=6):
    """RFC 6238 (HMAC-SHA-1), independent of the server's code."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=2)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-auth-")
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.port = nj.free_port()
        cls.config = os.path.join(cls.tmp.name, "nightjar.toml")
        with open(cls.config, "w") as f:
            f.write(nj.toml_text({
                "storage": {"base_path": cls.data, "checkpoint_secs": 1, "min_free_mb": 0},
                "api": {"listen": "127.0.0.1", "port": cls.port,
                        "metrics_token": "scrape-token-0123456789"},
                "cameras": [{"id": "cam1", "url": cls.cam.url("/cam1/main")},
                            {"id": "cam2", "url": cls.cam.url("/cam2/main")}],
            }))
        cls.log = open(os.path.join(cls.tmp.name, "run.log"), "w+", errors="replace")
        cls.proc = subprocess.Popen([nj.BIN, "run", "--config", cls.config], stdout=cls.log,
                                    stderr=subprocess.STDOUT)
        nj.wait_port(cls.port, proc=cls.proc)
        cls.base = f"http://127.0.0.1:{cls.port}"
        path = os.path.join(cls.data, "initial-admin-password")
        with open(path) as f:
            cls.admin_pw = f.read().strip()
        cls.pw_mode = stat.S_IMODE(os.stat(path).st_mode)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(30)
        cls.log.close()
        cls.cam.stop()
        cls.tmp.cleanup()

    def output(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def req(self, path, method="GET", body=None, headers=None, basic=None, cookie=None, bearer=None):
        h = dict(headers or {})
        if basic:
            h["Authorization"] = "Basic " + base64.b64encode(":".join(basic).encode()).decode()
        if bearer:
            h["Authorization"] = "Bearer " + bearer
        if cookie:
            h["Cookie"] = cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return nj.fetch(self.base + path, method=method, body=data, headers=h)

    def admin(self):
        return ("admin", self.admin_pw)

    def login(self, user, password, code=None):
        body = {"username": user, "password": password}
        if code:
            body["totp"] = code
        status, headers, data = self.req("/api/auth/login", "POST", body)
        cookie = headers.get("Set-Cookie", "").split(";")[0]
        return status, headers, data, cookie

    def test_1_first_start_and_nothing_without_credentials(self):
        self.assertEqual(self.pw_mode, 0o600)
        self.assertGreaterEqual(len(self.admin_pw), 20)
        self.assertIn("nightjar user passwd admin", self.output())
        self.assertEqual(self.req("/api/health")[0], 200)
        for path in ["/api/cameras", "/api/status", "/metrics", "/api/list?camera=cam1",
                     "/api/cameras/cam1", "/api/hls/cam1/live.m3u8", "/api/auth/me",
                     "/api/users", "/api/export?camera=cam1&from=2026-01-01&to=2026-01-02"]:
            status, headers, _ = self.req(path)
            self.assertEqual(status, 401, path)
            self.assertIn("Basic", headers.get("WWW-Authenticate", ""), path)
        # A browser script gets no Basic challenge (no password dialog over the login form).
        _, headers, _ = self.req("/api/cameras", headers={"Sec-Fetch-Mode": "cors"})
        self.assertNotIn("Basic", headers.get("WWW-Authenticate", ""))
        self.assertEqual(self.req("/api/cameras", basic=("admin", "wrong"))[0], 401)

    def test_2_cookie_login_logout_and_basic(self):
        status, headers, data, cookie = self.login("admin", self.admin_pw)
        self.assertEqual(status, 200, data)
        set_cookie = headers["Set-Cookie"]
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="]:
            self.assertIn(attr, set_cookie)
        self.assertNotIn(self.admin_pw, set_cookie)
        status, _, body = self.req("/api/cameras", cookie=cookie)
        self.assertEqual(status, 200)
        self.assertEqual(sorted(c["id"] for c in json.loads(body)), ["cam1", "cam2"])
        me = json.loads(self.req("/api/auth/me", cookie=cookie)[2])
        self.assertEqual((me["username"], me["role"], me["via"]), ("admin", "admin", "session"))
        self.assertEqual(self.req("/api/auth/logout", "POST", cookie=cookie)[0], 204)
        self.assertEqual(self.req("/api/cameras", cookie=cookie)[0], 401)
        self.assertEqual(self.req("/api/cameras", basic=self.admin())[0], 200)
        self.assertEqual(self.req("/metrics", basic=self.admin())[0], 200)
        self.assertEqual(self.req("/metrics", bearer="scrape-token-0123456789")[0], 200)
        self.assertEqual(self.req("/metrics", bearer="scrape-token-wrong-0000")[0], 401)
        self.assertNotIn("scrape-token-0123456789", self.output())

    def test_3_api_keys_and_viewer_rights(self):
        status, _, body = self.req("/api/apikeys", "POST", {"name": "script"}, basic=self.admin())
        self.assertEqual(status, 201, body)
        key = json.loads(body)
        self.assertTrue(key["key"].startswith("njk_"))
        self.assertEqual(self.req("/api/cameras", bearer=key["key"])[0], 200)
        listed = json.loads(self.req("/api/apikeys", basic=self.admin())[2])
        self.assertNotIn(key["key"], json.dumps(listed))  # shown once only
        self.assertEqual(self.req(f"/api/apikeys/{key['id']}", "DELETE", basic=self.admin())[0],
                         204)
        self.assertEqual(self.req("/api/cameras", bearer=key["key"])[0], 401)

        self.assertEqual(self.req("/api/users", "POST",
                                  {"name": "vic", "role": "viewer", "password": "viewer-pass-1"},
                                  basic=self.admin())[0], 201)
        self.assertEqual(self.req("/api/users/vic/cameras/cam1", "PUT",
                                  {"rights": ["live", "recordings"]}, basic=self.admin())[0], 204)
        vic = ("vic", "viewer-pass-1")
        status, _, body = self.req("/api/cameras", basic=vic)
        self.assertEqual(status, 200)
        self.assertEqual([c["id"] for c in json.loads(body)], ["cam1"])
        self.assertEqual(self.req("/api/cameras/cam1", basic=vic)[0], 200)
        hidden = self.req("/api/cameras/cam2", basic=vic)
        missing = self.req("/api/cameras/nocam", basic=self.admin())
        self.assertEqual(hidden[0], 404)
        self.assertEqual(hidden[2].replace(b"cam2", b"nocam"), missing[2])
        self.assertEqual(self.req("/api/hls/cam2/live.m3u8", basic=vic)[0], 404)
        self.assertEqual(self.req("/api/users", basic=vic)[0], 403)
        self.assertEqual(self.req("/api/export?camera=cam1&from=2026-01-01&to=2026-01-02",
                                  basic=vic)[0], 403)  # viewers never export
        status, _, body = self.req("/api/status", basic=vic)
        self.assertEqual([c["id"] for c in json.loads(body)["cameras"]], ["cam1"])

    def test_4_totp(self):
        self.req("/api/users", "POST", {"name": "tina", "role": "operator",
                                        "password": "operator-pass"}, basic=self.admin())
        status, _, _, cookie = self.login("tina", "operator-pass")
        self.assertEqual(status, 200)
        status, _, body = self.req("/api/auth/totp", "POST", cookie=cookie)
        self.assertEqual(status, 200, body)
        enrol = json.loads(body)
        self.assertTrue(enrol["uri"].startswith("otpauth://totp/Nightjar:tina?secret="))
        now = time.time()
        status, _, body = self.req("/api/auth/totp/confirm", "POST",
                                   {"code": totp(enrol["secret"], now)}, cookie=cookie)
        self.assertEqual(status, 200, body)
        recovery = json.loads(body)["recovery_codes"]
        self.assertEqual(len(recovery), 10)
        status, _, body, _ = self.login("tina", "operator-pass")
        self.assertEqual((status, json.loads(body)["error"]), (401, "totp_required"))
        # The confirming code is spent; the next step's code is inside the ±1 step window.
        status, _, body, cookie = self.login("tina", "operator-pass", totp(enrol["secret"], now + 30))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.login("tina", "operator-pass", recovery[0])[0], 200)
        self.assertEqual(self.login("tina", "operator-pass", recovery[0])[0], 401)  # single use

    def test_5_offline_user_add_while_running(self):
        p = subprocess.run([nj.BIN, "user", "add", "carl", "--role", "operator", "--data",
                            self.data], input="carl-password\n", capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        deadline = time.monotonic() + 10
        while self.req("/api/cameras", basic=("carl", "carl-password"))[0] != 200:
            self.assertLess(time.monotonic(), deadline, "the daemon did not notice the new user")
            time.sleep(0.2)
        listed = nj.nightjar("user", "list", "--json", "--data", self.data)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("carl", [u["name"] for u in json.loads(listed.stdout)])
        p = nj.nightjar("user", "apikey", "carl", "--name", "ha", "--cameras", "cam2", "--data",
                        self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        deadline = time.monotonic() + 10
        while self.req("/api/cameras", bearer=key)[0] != 200:
            self.assertLess(time.monotonic(), deadline, "the daemon did not notice the key")
            time.sleep(0.2)
        self.assertEqual([c["id"] for c in json.loads(self.req("/api/cameras", bearer=key)[2])],
                         ["cam2"])

    def test_6_throttling(self):
        self.req("/api/users", "POST", {"name": "dave", "role": "viewer",
                                        "password": "dave-password"}, basic=self.admin())
        statuses = [self.login("dave", "wrong-password")[0] for _ in range(5)]
        self.assertEqual(statuses, [401] * 5)
        status, headers, _, _ = self.login("dave", "dave-password")
        self.assertEqual(status, 429)
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # Another account from the same address signs in at once.
        self.assertEqual(self.login("admin", self.admin_pw)[0], 200)
        audit = json.loads(self.req("/api/audit?action=login_failed", basic=self.admin())[2])
        self.assertTrue(any(e["target"] == "dave" and e["source"] == "127.0.0.1"
                            for e in audit["entries"]))
        p = nj.nightjar("audit", "--json", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("login_failed", [e["action"] for e in json.loads(p.stdout)])
        self.assertNotIn(self.admin_pw, self.output().replace(
            f"password {self.admin_pw}", ""))  # logged once, at first start only

    def test_7_signed_hls_url(self):
        vic = ("vic", "viewer-pass-1")
        status, _, body = self.req("/api/auth/sign", "POST",
                                   {"path": "/api/hls/cam1/live.m3u8", "ttl_secs": 120}, basic=vic)
        self.assertEqual(status, 200, body)
        url = json.loads(body)["url"]
        status, _, playlist = nj.fetch(self.base + url, timeout=60)
        self.assertEqual(status, 200, playlist)
        segments = [l for l in playlist.decode().splitlines() if l and not l.startswith("#")]
        self.assertTrue(segments)
        self.assertIn("nj_sig=", segments[0])
        status, _, _ = nj.fetch(self.base + "/api/hls/cam1/" + segments[0], timeout=60)
        self.assertEqual(status, 200)
        # Bound to its camera: the same signature on cam2 is refused.
        self.assertEqual(nj.fetch(self.base + url.replace("cam1", "cam2"))[0], 401)
        # A viewer cannot sign a camera it does not see.
        self.assertEqual(self.req("/api/auth/sign", "POST",
                                  {"path": "/api/hls/cam2/live.m3u8"}, basic=vic)[0], 404)

    def sign(self, path, user=("vic", "viewer-pass-1"), ttl=300):
        status, _, body = self.req("/api/auth/sign", "POST", {"path": path, "ttl_secs": ttl},
                                   basic=user)
        self.assertEqual(status, 200, body)
        return self.base + json.loads(body)["url"]

    def test_7a_ffmpeg_and_vlc_open_signed_urls(self):
        """Players without cookies: ffmpeg records from a signed live playlist, VLC (as `nobody`)
        from another; a signed snapshot works in curl. The unsigned URL is refused."""
        url = self.sign("/api/hls/cam1/live.m3u8")
        self.assertEqual(nj.fetch(url.split("?")[0])[0], 401)
        out = os.path.join(self.tmp.name, "signed-ffmpeg.ts")
        nj.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", url, "-c", "copy",
                "-t", "3", out], timeout=90)
        probe = nj.probe_streams(out)
        video = [s for s in probe["streams"] if s["codec_type"] == "video"]
        self.assertEqual(video[0]["codec_name"], "h264")
        self.assertGreater(float(probe["format"]["duration"]), 1.5)
        self.assertEqual(nj.decode_errors(out), "")
        snap = os.path.join(self.tmp.name, "signed.jpg")
        p = nj.run(["curl", "-sS", "-o", snap, "-w", "%{http_code}",
                    self.sign("/api/cameras/cam1/snapshot.jpg")])
        self.assertEqual(p.stdout, "200")
        with open(snap, "rb") as f:
            self.assertEqual(f.read(2), b"\xff\xd8")
        vlc = nj.vlc_command(self.tmp.name)
        if vlc is None:
            self.skipTest("cvlc (vlc-bin) or setpriv not available")
        share = os.path.join(self.tmp.name, "vlc")
        os.makedirs(share, exist_ok=True)
        os.chmod(self.tmp.name, 0o755)
        os.chmod(share, 0o777)
        out = os.path.join(share, "signed-vlc.ts")
        p = nj.run([*vlc, "-q", "--no-repeat", "--no-loop", "--play-and-exit",
                    self.sign("/api/hls/cam1/live.m3u8"), "--run-time=6",
                    "--sout", f"#std{{access=file,mux=ts,dst={out}}}", "vlc://quit"],
                   timeout=90, check=False)
        self.assertTrue(os.path.exists(out) and os.path.getsize(out) > 50_000,
                        (p.returncode, p.stderr[-2000:]))
        self.assertEqual(nj.probe_streams(out)["streams"][0]["codec_name"], "h264")

    def test_7b_curl_with_cookie_jar_and_basic(self):
        jar = os.path.join(self.tmp.name, "cookies.txt")
        login = json.dumps({"username": "admin", "password": self.admin_pw})
        p = nj.run(["curl", "-sS", "-c", jar, "-H", "Content-Type: application/json",
                    "-d", login, "-w", "%{http_code}", "-o", "/dev/null",
                    self.base + "/api/auth/login"])
        self.assertEqual(p.stdout, "200")
        p = nj.run(["curl", "-sS", "-b", jar, self.base + "/api/auth/me"])
        self.assertEqual(json.loads(p.stdout)["username"], "admin")
        p = nj.run(["curl", "-sS", "-u", f"admin:{self.admin_pw}", self.base + "/api/cameras"])
        self.assertEqual(sorted(c["id"] for c in json.loads(p.stdout)),
                         ["cam1", "cam2"])
        p = nj.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                    self.base + "/api/cameras"])
        self.assertEqual(p.stdout, "401")

    def test_7c_cross_origin_requests_refused(self):
        """A form on another site posting to the API (CSRF), or a page there opening the live
        WebSocket, is refused before credentials are even looked at; same-origin passes."""
        for origin in ("http://evil.example", f"http://127.0.0.1:{self.port + 1}"):
            status, _, body = self.req("/api/cameras", "POST", {"id": "x", "url": "rtsp://h/"},
                                       headers={"Origin": origin}, basic=self.admin())
            self.assertEqual(status, 403, body)
            self.assertEqual(json.loads(body)["error"], "cross_origin")
            # Login CSRF too: a form posting credentials of the attacker's choosing.
            status, _, body = self.req("/api/auth/login", "POST",
                                       {"username": "admin", "password": self.admin_pw},
                                       headers={"Origin": origin})
            self.assertEqual(status, 403, body)
        status, _, body = self.req("/api/cameras", "POST", {"id": "x"},
                                   headers={"Sec-Fetch-Site": "cross-site"}, basic=self.admin())
        self.assertEqual(status, 403, body)
        # A urlencoded form from a same-origin page reaches the handler (which wants JSON).
        status, _, body = nj.fetch(self.base + "/api/cameras", "POST", b"id=x&url=y", {
            "Origin": self.base, "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(
                f"admin:{self.admin_pw}".encode()).decode()})
        self.assertEqual(status, 400, body)
        # The WebSocket handshake from another origin (raw: urllib cannot ask for an upgrade).
        auth = base64.b64encode(f"admin:{self.admin_pw}".encode()).decode()
        for origin, want in (("http://evil.example", b" 403 "), (self.base, b" 101 ")):
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                s.sendall((f"GET /api/cameras/cam1/live.ws HTTP/1.1\r\nHost: 127.0.0.1:{self.port}"
                           f"\r\nOrigin: {origin}\r\nConnection: Upgrade\r\nUpgrade: websocket"
                           "\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           f"Authorization: Basic {auth}\r\n\r\n").encode())
                status_line = s.recv(4096).split(b"\r\n")[0]
                self.assertIn(want, status_line, origin)

    def test_7d_data_directory_private(self):
        """The database (password and token hashes) and the keys are readable by the daemon's
        user alone."""
        for name in ("nightjar.db", "secret.key", "url.key", "initial-admin-password"):
            path = os.path.join(self.data, name)
            if os.path.exists(path):
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o077, 0, name)
        self.assertEqual(stat.S_IMODE(os.stat(self.data).st_mode) & 0o077, 0)

    def test_7e_own_password_change(self):
        """A user changes its own password proving the current one: its other sessions end, the
        one that asked stays; a wrong current password is refused."""
        old, new = "viewer-pass-1", "viewer-pass-2-longer"
        _, _, _, elsewhere = self.login("vic", old)
        status, _, _, here = self.login("vic", old)
        self.assertEqual(status, 200)
        status, _, body = self.req("/api/auth/password", "POST",
                                   {"current": "not-it-at-all", "new": new}, cookie=here)
        self.assertEqual(status, 403, body)
        status, _, body = self.req("/api/auth/password", "POST", {"current": old, "new": new},
                                   cookie=here)
        self.assertEqual(status, 204, body)
        self.assertEqual(self.req("/api/auth/me", cookie=here)[0], 200)
        self.assertEqual(self.req("/api/auth/me", cookie=elsewhere)[0], 401)
        self.assertEqual(self.req("/api/auth/me", basic=("vic", old))[0], 401)
        self.assertEqual(self.req("/api/auth/me", basic=("vic", new))[0], 200)
        status, _, body = self.req("/api/audit?action=password_change", basic=self.admin())
        self.assertEqual(status, 200, body)
        self.assertIn("password_change", body.decode())

    def test_8_auth_off_only_on_loopback(self):
        config = os.path.join(self.tmp.name, "open.toml")
        data = os.path.join(self.tmp.name, "open-data")
        with open(config, "w") as f:
            f.write(nj.toml_text({"storage": {"base_path": data},
                                  "api": {"listen": "0.0.0.0", "port": nj.free_port(),
                                          "auth": False}}))
        p = nj.nightjar("run", "--config", config, timeout=30)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("loopback", p.stdout + p.stderr)
        self.assertFalse(os.path.exists(os.path.join(data, "nightjar.db")))


if __name__ == "__main__":
    unittest.main()
