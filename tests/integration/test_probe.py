"""'Test connection' (POST /api/cameras/probe) of `nightjar run` against `nightjar fakecam`
requiring a Digest password: the right credentials report H.264 at the clip's resolution (as
ffprobe reads it), a wrong password says so in plain words, a closed port is unreachable, an
unknown path is not found, an existing camera is probed with its stored password; passwords
never appear in answers or logs. Also the log tail (GET /api/system/log) and the retention
deletion counts in /api/status."""
import json
import os
import signal
import subprocess
import tempfile
import unittest

import nj

fetch = nj.fetch
PASSWORD = "pr0be-s3cret"


class ProbeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam("--auth", "digest", "--user", "admin", "--password", PASSWORD,
                             cameras=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-probe-")
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.port = nj.free_port()
        config = os.path.join(cls.tmp.name, "nightjar.toml")
        with open(config, "w") as f:
            f.write(f'[storage]\nbase_path = "{cls.data}"\ncheckpoint_secs = 1\nmin_free_mb = 0\n'
                    f'[api]\nlisten = "127.0.0.1"\nport = {cls.port}\nauth = false\n')
        cls.log = open(os.path.join(cls.tmp.name, "run.log"), "w+", errors="replace")
        cls.proc = subprocess.Popen([nj.BIN, "run", "--config", config], stdout=cls.log,
                                    stderr=subprocess.STDOUT)
        nj.wait_port(cls.port, proc=cls.proc)
        cls.base = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(timeout=60)
        cls.cam.stop()
        cls.log.close()
        cls.tmp.cleanup()

    def probe(self, body, expect=200):
        status, _, raw = fetch(self.base + "/api/cameras/probe", "POST",
                               json.dumps(body).encode(), {"Content-Type": "application/json"})
        self.assertEqual(status, expect, raw)
        self.assertNotIn(PASSWORD.encode(), raw)
        return json.loads(raw)

    def daemon_log(self):
        self.log.seek(0)
        return self.log.read()

    def test_good_credentials_report_h264_at_the_clips_resolution(self):
        r = self.probe({"url": self.cam.url("/cam1/main"), "username": "admin",
                        "password": PASSWORD})
        self.assertTrue(r["ok"], r)
        clip = nj.probe_streams(os.path.join(nj.CLIPS, "main.mp4"))
        video = next(s for s in clip["streams"] if s["codec_type"] == "video")
        self.assertEqual(r["video"]["codec"], "H.264")
        self.assertEqual((r["video"]["width"], r["video"]["height"]),
                         (video["width"], video["height"]))
        num, den = (int(x) for x in video["avg_frame_rate"].split("/"))
        self.assertAlmostEqual(r["video"]["fps"], num / den, delta=0.5)
        self.assertTrue(r["video"]["profile"])
        self.assertEqual(r["transport"], "tcp")
        self.assertGreaterEqual(r["first_frame_ms"], 0)
        # The audio clip: AAC with its rate; over UDP when asked.
        r = self.probe({"url": self.cam.url("/cam1/audio"), "username": "admin",
                        "password": PASSWORD, "transport": "udp"})
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["audio"]["codec"], "AAC")
        self.assertGreater(r["audio"]["sample_rate"], 0)
        self.assertEqual(r["transport"], "udp")

    def test_failures_in_plain_words(self):
        r = self.probe({"url": self.cam.url("/cam1/main"), "username": "admin",
                        "password": "wrong-one"})
        self.assertFalse(r["ok"])
        self.assertEqual(r["error"], "wrong_credentials")
        self.assertIn("Wrong username or password", r["message"])
        # The password inside the URL is used (and not echoed) too.
        r = self.probe({"url": self.cam.url("/cam1/main", "admin", PASSWORD)})
        self.assertTrue(r["ok"], r)
        r = self.probe({"url": self.cam.url("/cam1/main")})
        self.assertEqual(r["error"], "auth_required")
        r = self.probe({"url": self.cam.url("/cam7/nosuch"), "username": "admin",
                        "password": PASSWORD})
        self.assertEqual(r["error"], "stream_not_found")
        closed = nj.free_port()
        r = self.probe({"url": f"rtsp://127.0.0.1:{closed}/cam1/main"})
        self.assertEqual(r["error"], "unreachable")
        self.assertIn("refused", r["message"])
        # Something that is not RTSP: the daemon's own HTTP port.
        r = self.probe({"url": f"rtsp://127.0.0.1:{self.port}/x"})
        self.assertFalse(r["ok"])
        self.assertEqual(r["error"], "not_rtsp")
        self.assertNotIn(PASSWORD, self.daemon_log())

    def test_bad_bodies_are_refused(self):
        self.assertIn("url", self.probe({"url": "http://cam/x"}, 400)["message"])
        self.assertIn("url", self.probe({}, 400)["message"])
        self.assertIn("bogus", self.probe({"url": "rtsp://h/x", "bogus": "1"}, 400)["message"])
        self.assertIn("transport", self.probe({"url": "rtsp://h/x", "transport": "sctp"},
                                              400)["message"])
        self.probe({"camera": "nosuch"}, 404)
        status, _, _ = fetch(self.base + "/api/cameras/probe", "POST",
                             json.dumps({"url": "rtsp://h/" + "x" * 8000}).encode(),
                             {"Content-Type": "application/json"})
        self.assertEqual(status, 413)

    def test_an_existing_camera_is_probed_with_its_stored_password(self):
        body = {"id": "pcam", "url": self.cam.url("/cam1/main"), "username": "admin",
                "password": PASSWORD, "record": False}
        status, _, raw = fetch(self.base + "/api/cameras", "POST", json.dumps(body).encode(),
                               {"Content-Type": "application/json"})
        self.assertIn(status, (200, 201), raw)
        try:
            r = self.probe({"camera": "pcam"})
            self.assertTrue(r["ok"], r)
            # A changed path on the stored credentials (the edit form's case).
            r = self.probe({"camera": "pcam", "url": self.cam.url("/cam1/audio")})
            self.assertTrue(r["ok"], r)
            self.assertIsNotNone(r["audio"])
        finally:
            fetch(self.base + "/api/cameras/pcam", "DELETE")

    def test_log_tail_and_retention_counts(self):
        status, _, raw = fetch(self.base + "/api/system/log?lines=50")
        self.assertEqual(status, 200, raw)
        doc = json.loads(raw)
        self.assertTrue(any("HTTP API on" in l["message"] for l in doc["lines"]), doc)
        self.assertLessEqual(len(doc["lines"]), 50)
        self.assertTrue(all({"seq", "time", "level", "message"} <= l.keys() for l in doc["lines"]))
        seqs = [l["seq"] for l in doc["lines"]]
        self.assertEqual(seqs, sorted(seqs))  # oldest first, newest at the bottom
        self.assertNotIn(PASSWORD.encode(), raw)
        status, _, raw = fetch(self.base + "/api/system/log?level=error")
        self.assertEqual(status, 200)
        self.assertTrue(all(l["level"] in ("error", "critical") for l in json.loads(raw)["lines"]))
        for bad in ("lines=0", "lines=100000", "lines=x", "level=loud"):
            status, _, _ = fetch(self.base + "/api/system/log?" + bad)
            self.assertEqual(status, 400, bad)
        status, _, raw = fetch(self.base + "/api/status")
        for s in json.loads(raw)["storage"]["streams"]:
            self.assertIn("retention_deleted", s)
            self.assertEqual(set(s["retention_deleted"]) >= {"recordings", "bytes",
                                                             "recordings_24h", "bytes_24h"}, True)


if __name__ == "__main__":
    unittest.main()
