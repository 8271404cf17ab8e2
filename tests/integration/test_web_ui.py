"""The web app end to end: headless Chromium (Debian's, driven by tests/browser/ui.mjs through
playwright-core) against `nightjar run` recording four fakecam cameras (H.264 + AAC main stream,
sub stream) and one H.265 camera. Asserts:
- the app is served for its client-side routes with its CSP; API and /ui/ misses stay JSON 404s;
- the live wall plays 4 tiles over WebSocket (currentTime and decoded frames advance); an
  enlarged tile plays the main stream; the wall's order changes with "Arrange" and is kept;
  tiles fall back to LL-HLS when the WebSocket is closed; an unreachable camera's tile says it
  is offline with the server's reason; the H.265 camera plays or says the browser cannot;
- the camera view plays a recorded moment, seeks, steps one frame, jumps to a new range from
  the timeline, pans it by dragging, plays at 2x;
- the export page downloads one .mp4 per camera, and a .ts, which ffprobe decodes;
- a camera is added, renamed and removed through the form; a bad URL shows the server's error;
- "Test connection" on the camera form against a fakecam that asks for a password: a wrong
  password shows "wrong username or password", the right one H.264 at the clip's resolution;
  the System page shows the log tail (monospace, level filter) without secrets;
- authentication on (the default): the browser signs in as admin through the login dialog with
  the password from <data>/initial-admin-password (after a wrong one and a throttled account); a
  viewer made with `nightjar user add` and granted only cam1 sees cam1 alone and no settings, and
  cam2's page says it is not there; a session revoked under an open page brings the dialog over
  it and the page keeps its state;
- the Users page adds a user, edits its rights per camera, changes its role, resets its password
  (the user then signs in with it) and deletes another; the account page changes one's password,
  signs out one's other session, turns TOTP on (the code computed by the test, RFC 6238), signs
  in with a code, and turns it off; an API key made on its page works with Bearer for its camera
  only and stops when revoked; the audit log lists the sign-ins; "Share live link" gives a signed
  playlist that plays without a cookie, also in the player page;
- the timeline shows the recorded picture under a hovering mouse (thumbnail.jpg: the image
  loads; cold and cached latency, bytes, 304 and 404 measured from node);
- the picture the camera view shows after a seek to an instant (by opening the page at it, and
  by seeking within the loaded range where the app maps wall time to the file's clock with
  view.mp4's X-Start-90k) is the recorded frame at that instant, not its neighbour: compared
  with the frames `nightjar export` gives for it (frame_match.py), and clearly unlike those 1.5 s
  away;
- on a 4K screen the app scales up and the timeline still seeks where clicked;
- axe-core finds no serious or critical violations; no page is wider than the screen; no
  unexpected console errors.
Screenshots of every page at 375 and 1440 px (and the light theme at 1440, the wall at 3840) are
saved under <build>/screenshots (NIGHTJAR_SCREENSHOTS overrides). Prints the figures (first
screen, live latency, seek times).

Skipped when /usr/bin/chromium, web/node_modules or web/dist is missing (tools/build_web.sh).
"""
import base64
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

import frame_match
import nj

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UI = os.path.join(ROOT, "tests", "browser", "ui.mjs")
CHROMIUM = "/usr/bin/chromium"
WEB = os.path.join(ROOT, "web")
CAMERAS = ["cam1", "cam2", "cam3", "cam4"]
H265 = "cam5"
VIEWER = ("vera", "vera-password-1")
PROBE_PASSWORD = "probe-pass-1"  # the password-protected fakecam "Test connection" tries


def why_skip():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (Debian package chromium; tools/setup.sh installs it)"
    for need in ("node_modules/playwright-core", "node_modules/axe-core", "dist/index.html"):
        if not os.path.exists(os.path.join(WEB, need)):
            return f"web/{need} is missing: run tools/build_web.sh"
    if shutil.which("node") is None:
        return "node is missing"
    return None


def screenshots_dir():
    if os.environ.get("NIGHTJAR_SCREENSHOTS"):
        return os.environ["NIGHTJAR_SCREENSHOTS"]
    # <build>/screenshots beside the nightjar binary's build tree.
    return os.path.join(os.path.dirname(os.path.abspath(nj.BIN)), "screenshots")


@unittest.skipIf(why_skip(), why_skip())
class WebUiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=len(CAMERAS) + 1)
        cls.authcam = nj.Fakecam("--auth", "digest", "--user", "admin", "--password",
                                 PROBE_PASSWORD, cameras=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-webui-")
        cls.port = nj.free_port()
        cams = [nj.camera(c, cls.cam.url(f"/{c}/audio"), name=f"Camera {c[3:]}",
                          sub_url=cls.cam.url(f"/{c}/sub")) for c in CAMERAS]
        # An H.265 camera: Chromium's MSE may refuse it; the app must say so, not show black.
        cams.append(nj.camera(H265, cls.cam.url(f"/{H265}/h265"), name="H.265 camera"))
        cls.rec = nj.Recorder(cls.tmp.name, cameras=cams, api_port=cls.port, start=False, auth=True)
        # The web app of this tree (web/dist), whichever build the binary comes from.
        cls.rec.config["api"]["web_dir"] = os.path.join(WEB, "dist")
        with open(cls.rec.config_path, "w") as f:
            f.write(nj.toml_text(cls.rec.config))
        cls.rec.start()
        cls.base = f"http://127.0.0.1:{cls.port}"
        try:
            nj.wait_port(cls.port, proc=cls.rec.proc)
            # The first start made the user admin with a random password.
            with open(os.path.join(cls.rec.data, "initial-admin-password")) as f:
                cls.admin_password = f.read().strip()
            cls.auth = {"Authorization": "Basic " + base64.b64encode(
                f"admin:{cls.admin_password}".encode()).decode()}
            # A viewer of cam1 only, made offline by the CLI while the daemon runs.
            data = ["--data", cls.rec.data]
            nj.run([nj.BIN, "user", "add", VIEWER[0], "--role", "viewer", "--password", VIEWER[1], *data])
            nj.run([nj.BIN, "user", "grant", VIEWER[0], CAMERAS[0], "--rights", "live,recordings", *data])
            cls.rec.wait_streaming([(c, k) for c in CAMERAS for k in ("main", "sub")] +
                                   [(H265, "main")])
            deadline = time.monotonic() + 60
            while True:  # some recorded video to play back and export
                req = urllib.request.Request(f"{cls.base}/api/list?camera=cam1", headers=cls.auth)
                with urllib.request.urlopen(req, timeout=30) as r:
                    runs = json.loads(r.read())["runs"]
                if runs and runs[0]["duration_s"] >= 10:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"cam1 did not record 10 s: {runs}")
                time.sleep(0.5)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rec.__exit__(None, None, None)
        cls.cam.stop()
        cls.authcam.stop()
        cls.tmp.cleanup()

    def test_app_is_served_for_client_routes(self):
        for path in ("/", "/live", "/cameras/cam1?t=2026-01-01T00:00:00Z", "/settings/storage"):
            status, headers, body = nj.fetch(self.base + path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), (path, headers))
            self.assertIn("script-src 'self'", headers["Content-Security-Policy"])
            self.assertIn(b'<div id="app">', body)
            self.assertNotIn(b"<script>", body)  # no inline script: the CSP would refuse it
        for path in ("/api/nope", "/api", "/ui/", "/ui/nope.js"):
            status, headers, body = nj.fetch(self.base + path)
            self.assertEqual(status, 404, path)
            self.assertEqual(json.loads(body)["error"], "not_found", path)
        status, _, _ = nj.fetch(self.base + "/live", method="POST", body=b"")
        self.assertEqual(status, 404)  # the app answers GET and HEAD only

    def test_web_app(self):
        out = os.path.join(self.tmp.name, "ui")
        args = ["node", UI, self.base, "--out", out, "--cameras", ",".join(CAMERAS), "--h265", H265,
                "--admin-password", self.admin_password, "--viewer", ":".join(VIEWER),
                "--probe-url", self.authcam.url("/cam1/main"), "--probe-password", PROBE_PASSWORD]
        # NIGHTJAR_UI_ONLY=check1,check2: only those browser checks (to debug them).
        only = [c for c in os.environ.get("NIGHTJAR_UI_ONLY", "").split(",") if c]
        if only:
            args += ["--only", ",".join(only)]
        began = time.monotonic()
        p = subprocess.run(args, capture_output=True, text=True, timeout=600)
        took = time.monotonic() - began
        try:
            report = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            self.fail(f"ui.mjs printed no report ({p.returncode}):\n{p.stdout}\n{p.stderr[-3000:]}")
        shots = screenshots_dir()
        os.makedirs(shots, exist_ok=True)
        for f in report.get("screenshots", []):
            shutil.copy(f, shots)
        checks = report["checks"]
        msg = f"\n{json.dumps(checks, indent=1)}\nlog:\n{self.rec.output()[-3000:]}"
        for name, c in checks.items():
            with self.subTest(check=name):
                self.assertTrue(c["ok"], f"{name}: {c.get('reason')}{msg}")
                if c.get("skipped"):
                    print(f"\n{name}: skipped: {c['reason']}")
        for name in only or ("signIn", "firstScreen", "live", "enlarge", "order", "hlsFallback",
                             "camera", "thumbnail", "seekFrame", "export", "h265", "offline",
                             "badCamera", "cameraCrud", "probe", "systemLog", "bigWall",
                             "viewer", "sessionEnds", "usersPage", "account", "apiKeys", "audit", "share", "axe", "console"):
            self.assertIn(name, checks, msg)
        if "seekFrame" in checks:
            self.check_seek_frames(checks["seekFrame"], msg)
        if "thumbnail" in checks:
            th = checks["thumbnail"]
            print(f"\nthumbnail.jpg (160 px): sub stream cold {th['sub']['coldMs']} ms, cached "
                  f"{th['sub']['cachedMs']} ms, {th['sub']['bytes']} bytes; main stream cold "
                  f"{th['main']['coldMs']} ms, cached {th['main']['cachedMs']} ms, "
                  f"{th['main']['bytes']} bytes; hover to picture {th['hoverMs']} ms")
        if only:
            return
        # The downloads are real files ffprobe decodes, one per camera.
        files = checks["export"]["files"]
        self.assertEqual([f[-3:] for f in files], ["mp4", "mp4", ".ts"], msg)
        for f in files:
            streams = nj.probe_streams(f)["streams"]
            self.assertTrue(any(s.get("codec_type") == "video" for s in streams), (f, streams))
            self.assertEqual(nj.decode_errors(f), "", f)
        self.assertIn("url", checks["badCamera"]["message"].lower())
        # Test connection showed the clip's own resolution (as ffprobe reads main.mp4).
        clip = nj.probe_streams(os.path.join(nj.CLIPS, "main.mp4"))
        video = next(v for v in clip["streams"] if v["codec_type"] == "video")
        self.assertIn(f"{video['width']}×{video['height']}", checks["probe"]["good"]["text"], msg)
        self.assertEqual(checks["probe"]["wrong"]["code"], "wrong_credentials", msg)
        live, cam = checks["live"], checks["camera"]
        print(f"\nfirst screen {checks['firstScreen']['firstScreenMs']} ms; live latency "
              f"{live['latency']} (s, arrival to display, 4 tiles over WebSocket); recorded first "
              f"frame {cam['firstFrameMs']} ms (page load included), seek within the loaded range "
              f"{cam['seekMs']} ms, to a new range {cam['newRangeMs']} ms; export estimate "
              f"{checks['export']['estimate']}; browser checks {took:.0f} s; screenshots in {shots}")

    def check_seek_frames(self, report, msg):
        """The browser's picture at each instant against `nightjar export` of that instant."""
        for shown in report["frames"]:
            at = datetime.datetime.fromisoformat(shown["t"].replace("Z", "+00:00"))
            iso = lambda d: d.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # noqa: E731
            margin = lambda s: datetime.timedelta(seconds=s)  # noqa: E731
            path = os.path.join(self.tmp.name, f"frame-{shown['t']}.mp4")
            nj.run([nj.BIN, "export", "--data", self.rec.data, "--camera", report["camera"],
                    "--from", iso(at - margin(frame_match.MARGIN_BEFORE)),
                    "--to", iso(at + margin(frame_match.MARGIN_AFTER)), "-o", path])
            grey = list(base64.b64decode(shown["grey"]))
            r = frame_match.compare(grey, path)
            print(f"\nframe at {shown['t']} ({shown['how']}, {shown['w']}x{shown['h']}): "
                  f"{json.dumps(r)}")
            detail = f"{shown['t']}: {r}{msg}"
            self.assertGreaterEqual(r["moving_pixels"], 20, detail)
            # The recorded frame at that instant, not the one after it, a key frame or a frame
            # seconds away.
            self.assertEqual(r["best"], 0, detail)
            self.assertLess(r["mad"], 2.0, detail)
            for away in r["mad_away"]:
                self.assertGreater(away, r["mad"] + 1, detail)
            for away in r["masked_away"]:
                self.assertGreater(away, 3 * r["masked"] + 5, detail)

if __name__ == "__main__":
    unittest.main()
