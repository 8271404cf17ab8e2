"""Send-time stamps end to end: `nightjar fakecam` with `?stamp=1` puts the wall-clock time of each
video frame into the frame (an SEI user_data_unregistered unit, src/fakecam/stamp.h); `nightjar
run` records the camera. Asserts:
- every video frame of a live LL-HLS segment carries exactly one stamp, stamps increase frame by
  frame, and they are times of this run (so nightjar keeps SEI units through ingest and into the
  MPEG-TS it serves);
- every frame of a recorded range (view.mp4) carries its stamp too (stored as sent);
- in headless Chromium (bench/live_latency.mjs), over the WebSocket fMP4 path (the web app) and
  over LL-HLS (hls.js, the player page), every displayed frame is mapped to its stamp, and display
  time - send time is positive (a frame cannot show before it was sent: a wrong mapping or clock
  would break that) and under a minute (a unit mix-up would not). No latency figure is asserted:
  that is bench/live_latency.py's to measure.

The browser part is skipped when /usr/bin/chromium, node or web/node_modules is missing
(tools/build_web.sh).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import nj

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MEASURE = os.path.join(ROOT, "bench", "live_latency.mjs")
WEB = os.path.join(ROOT, "web")
UUID = bytes.fromhex("73312bc4dd98465f908a13d90a6629b0")  # fakecam::kStampUuid
VIDEO_PID = 0x100


def why_no_browser():
    if not os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium is missing"
    if shutil.which("node") is None:
        return "node is missing"
    for need in ("node_modules/playwright-core", "dist/index.html"):
        if not os.path.exists(os.path.join(WEB, need)):
            return f"web/{need} is missing: run tools/build_web.sh"
    return None


def local(t90k):
    """A 90 kHz Unix time in the API's local-time format."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t90k / 90000))


def video_pes(ts):
    """The video elementary stream's PES packets of an MPEG-TS byte string, as byte strings."""
    pes = []
    for at in range(0, len(ts) - 187, 188):
        p = ts[at:at + 188]
        if ((p[1] & 0x1f) << 8 | p[2]) != VIDEO_PID or not p[3] & 0x10:
            continue
        start = 5 + p[4] if p[3] & 0x20 else 4
        if p[1] & 0x40:
            pes.append(bytearray())
        if pes:
            pes[-1] += p[start:]
    return [bytes(x) for x in pes]


def stamps_of(pes):
    """The send times (microseconds) stamped in one PES packet: the 8 bytes after each UUID,
    emulation prevention bytes (an 03 after 00 00) removed."""
    out = []
    at = pes.find(UUID)
    while at >= 0:
        value, zeros, i = bytearray(), 0, at + 16
        while len(value) < 8 and i < len(pes):
            b = pes[i]
            i += 1
            if zeros >= 2 and b == 3:
                zeros = 0
                continue
            zeros = zeros + 1 if b == 0 else 0
            value.append(b)
        out.append(int.from_bytes(value, "big"))
        at = pes.find(UUID, at + 1)
    return out


class LiveStampsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-stamps-")
        cls.port = nj.free_port()
        cams = [nj.camera("cam1", cls.cam.url("/cam1/main", query="?stamp=1"))]
        cls.rec = nj.Recorder(cls.tmp.name, cameras=cams, api_port=cls.port, start=False)
        # The web app of this tree, whichever build the binary comes from.
        cls.rec.config["api"]["web_dir"] = os.path.join(WEB, "dist")
        with open(cls.rec.config_path, "w") as f:
            f.write(nj.toml_text(cls.rec.config))
        cls.rec.start()
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

    def test_every_frame_of_a_live_segment_is_stamped(self):
        start_us = int(time.time() * 1e6)
        status, _, body = nj.fetch(f"{self.base}/api/hls/cam1/live.m3u8")
        self.assertEqual(status, 200, body)
        msn = int(next(ln for ln in body.decode().splitlines()
                       if ln.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])
        # The first segment the segmenter made from the buffered GOP may predate start_us; the
        # next one is all new frames.
        status, _, ts = nj.fetch(f"{self.base}/api/hls/cam1/segment/ts/{msn + 1}.ts")
        self.assertEqual(status, 200, ts[:200])
        end_us = int(time.time() * 1e6)
        frames = video_pes(ts)
        self.assertGreaterEqual(len(frames), 30)  # 2 s at 30 fps
        stamps = []
        for i, pes in enumerate(frames):
            s = stamps_of(pes)
            self.assertEqual(len(s), 1, f"frame {i} of segment {msn + 1}")
            stamps += s
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len(set(stamps)), len(stamps))
        self.assertGreater(stamps[0], start_us - 10_000_000)
        self.assertLess(stamps[-1], end_us)

    def test_recorded_frames_keep_their_stamps(self):
        deadline = time.monotonic() + 60
        while True:
            runs = json.loads(nj.fetch(f"{self.base}/api/list?camera=cam1")[2])["runs"]
            if runs and runs[0]["duration_s"] >= 5:
                break
            self.assertLess(time.monotonic(), deadline, f"cam1 did not record 5 s: {runs}")
            time.sleep(0.5)
        start = runs[0]["start_90k"] + 90000
        status, _, mp4 = nj.fetch(f"{self.base}/api/cameras/cam1/view.mp4?from={local(start)}"
                                  f"&to={local(start + 3 * 90000)}")
        self.assertEqual(status, 200, mp4[:200])
        path = os.path.join(self.tmp.name, "view.mp4")
        with open(path, "wb") as f:
            f.write(mp4)
        frames = len(nj.video_packets(path))
        self.assertGreaterEqual(frames, 60)
        self.assertEqual(mp4.count(UUID), frames)

    @unittest.skipIf(why_no_browser(), why_no_browser())
    def test_browser_maps_displayed_frames_to_their_stamps(self):
        for path in ("ws", "hls"):
            with self.subTest(path=path):
                p = subprocess.run(["node", MEASURE, self.base, "--camera", "cam1", "--path", path,
                                    "--warmup", "1", "--seconds", "4"],
                                   capture_output=True, text=True, timeout=180)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                r = json.loads(p.stdout.strip().splitlines()[-1])
                self.assertEqual(r["errors"], [], r)
                self.assertGreaterEqual(r["matched"], 30, r)  # 4 s of 30 fps, some lost to load
                self.assertEqual(r["unmatched"], 0, r)
                self.assertGreaterEqual(r["stamps"], r["matched"], r)
                self.assertGreater(r["min_ms"], 0, r)
                self.assertLess(r["max_ms"], 60_000, r)


if __name__ == "__main__":
    unittest.main()
