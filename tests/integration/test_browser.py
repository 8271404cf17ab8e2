"""A real browser shows video from `nightjar run`: headless Chromium (Debian's, driven by
tests/browser/play.mjs) opens the HLS player pages (web/dist/player.html, served for
/api/hls/{camera}/player and .../vod/player) of a camera recording fakecam's H.264 + AAC clip, and
must see the picture move: the live LL-HLS player at the live edge (main and sub stream), the VOD
player over a recorded range (fMP4 segments), and a clear error for a range with no recordings.

Skipped when /usr/bin/chromium or web/node_modules (tools/setup.sh, tools/build_web.sh) is missing.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import nj

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PLAY = os.path.join(ROOT, "tests", "browser", "play.mjs")
CHROMIUM = "/usr/bin/chromium"
NODE_MODULES = os.path.join(ROOT, "web", "node_modules", "playwright-core")
CLIP_SIZE = (1280, 720)  # audio.mp4: H.264 1280x720 30 fps + AAC
SUB_SIZE = (704, 480)  # sub.mp4


def why_skip():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (Debian package chromium; tools/setup.sh installs it)"
    if not os.path.isdir(NODE_MODULES) or shutil.which("node") is None:
        return "web/node_modules (playwright-core) or node is missing: run tools/build_web.sh"
    return None


def play(url, *args, timeout=60):
    """Runs play.mjs on `url`; returns (exit code, its JSON report)."""
    p = subprocess.run(["node", PLAY, url, "--timeout", "30", *args], capture_output=True,
                       text=True, timeout=timeout)
    lines = p.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise AssertionError(f"play.mjs printed no report ({p.returncode}):\n{p.stdout}\n"
                             f"{p.stderr[-3000:]}")
    return p.returncode, report


@unittest.skipIf(why_skip(), why_skip())
class BrowserPlayerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-browser-")
        cls.port = nj.free_port()
        cam1 = nj.camera("cam1", cls.cam.url("/cam1/audio"), name="Front door",
                         sub_url=cls.cam.url("/cam1/sub"))
        cls.rec = nj.Recorder(cls.tmp.name, cameras=[cam1], api_port=cls.port)
        cls.base = f"http://127.0.0.1:{cls.port}"
        try:
            nj.wait_port(cls.port, proc=cls.rec.proc)
            cls.rec.wait_streaming([("cam1", "main")])
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rec.__exit__(None, None, None)
        cls.cam.stop()
        cls.tmp.cleanup()

    def assert_played(self, code, report, live, size=CLIP_SIZE):
        msg = f"\n{json.dumps(report, indent=1)}\nlog:\n{self.rec.output()[-3000:]}"
        self.assertEqual(code, 0, msg)
        self.assertTrue(report["ok"], msg)
        self.assertEqual((report["width"], report["height"]), size, msg)
        self.assertFalse(report["frame"]["uniform"], msg)
        self.assertIn("Front door", report["overlay"], msg)  # the title from /api/cameras/cam1
        self.assertEqual(report["live"], live, msg)

    def recorded_run(self, seconds):
        """The first run of cam1's main stream, once it holds at least `seconds`."""
        deadline = time.monotonic() + 60
        while True:
            with urllib.request.urlopen(f"{self.base}/api/list?camera=cam1", timeout=30) as r:
                runs = json.loads(r.read())["runs"]
            if runs and runs[0]["duration_s"] >= seconds:
                return runs[0]
            if time.monotonic() > deadline:
                self.fail(f"cam1 did not record {seconds} s: {runs}\n{self.rec.output()[-3000:]}")
            time.sleep(0.5)

    def test_live_player_plays_at_the_live_edge(self):
        shot = os.path.join(self.tmp.name, "live.png")
        code, report = play(f"{self.base}/api/hls/cam1/player", "--expect-live", "--seconds", "3",
                            "--screenshot", shot)
        self.assert_played(code, report, live=True)
        self.assertIn("LIVE", report["overlay"])
        self.assertIsNotNone(report["latency"], report)  # hls.js measured the distance to the edge
        print(f"\nlive: latency {report['latency']:.2f} s (target {report['targetLatency']}), "
              f"screenshot {shot}")

    def test_live_player_of_the_sub_stream(self):
        self.rec.wait_streaming([("cam1", "sub")])
        code, report = play(f"{self.base}/api/hls/cam1/player?stream=sub", "--expect-live",
                            "--seconds", "2")
        self.assert_played(code, report, live=True, size=SUB_SIZE)

    def test_vod_player_plays_a_recorded_range(self):
        run = self.recorded_run(8)
        query = urllib.parse.urlencode({"from": run["start"], "to": run["end"]})
        code, report = play(f"{self.base}/api/hls/cam1/vod/player?{query}", "--seconds", "3")
        self.assert_played(code, report, live=False)

    def test_vod_player_of_an_empty_range_says_so(self):
        query = urllib.parse.urlencode({"from": "2001-01-01T00:00:00Z",
                                        "to": "2001-01-01T01:00:00Z"})
        code, report = play(f"{self.base}/api/hls/cam1/vod/player?{query}", "--timeout", "10")
        self.assertEqual(code, 1, report)
        self.assertFalse(report["ok"], report)
        self.assertIn("No recordings in this range", report["overlay"], report)


if __name__ == "__main__":
    unittest.main()
