"""`nightjar run` recording `nightjar fakecam`: many streams at once (TCP and UDP), graceful
shutdown, SIGKILL and restart, a camera that drops the connection, authentication, H.265 /
B-frames / audio, config errors, and a camera that never answers.

Waits poll status.json and `nightjar list --json` with generous deadlines; the assertions are on
what was recorded, never on how long something took."""
import json
import os
import re
import signal
import tempfile
import time
import unittest

import nj

TICKS = 90000


def run_seconds(listing):
    return [r["duration_90k"] / TICKS for r in listing["runs"]]


class RecordFakecam(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=4)

    @classmethod
    def tearDownClass(cls):
        cls.cam.__exit__(None, None, None)

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def assert_frame_rate(self, listing, fps, what):
        """Every run holds `fps` frames per second of its duration (±5%)."""
        for run in listing["runs"]:
            recs = [r for r in listing["recordings"]
                    if run["start_90k"] <= r["start_90k"] < run["end_90k"]]
            frames = sum(r["frames"] for r in recs)
            seconds = run["duration_90k"] / TICKS
            if seconds < 1:
                continue  # a stub cut by shutdown: too short to measure
            self.assertAlmostEqual(frames / seconds, fps, delta=fps * 0.05,
                                   msg=f"{what}: {frames} frames in {seconds:.3f} s")

    def test_four_cameras_main_and_sub(self):
        cams = [nj.camera(f"cam{i}", self.cam.url(f"/cam{i}/main"),
                          sub_url=self.cam.url(f"/cam{i}/sub"),
                          **({"transport": "udp"} if i == 4 else {})) for i in range(1, 5)]
        streams = [(f"cam{i}", k) for i in range(1, 5) for k in ("main", "sub")]
        with nj.Recorder(self.tmp, cams, storage={"segment_duration_secs": 5}) as r:
            st = r.wait_streaming(streams)
            since = {(s["camera"], s["stream"]): s["since_90k"] / TICKS for s in st["streams"]}
            # ~8 s of video on every stream (30 fps main, 10 fps sub).
            st = r.wait(lambda st: all(
                r.stream(c, k, st)["frames"] >= (240 if k == "main" else 80) for c, k in streams),
                "8 s of frames on every stream")
            stopped_at = time.time()
            code = r.terminate()
            self.assertEqual(code, 0, r.output()[-3000:])
            self.assertFalse(os.path.exists(r.status_path), "status.json left behind")
            self.assertEqual(len(st["streams"]), 8)
            for c, k in streams:
                s = r.stream(c, k, st)
                what = f"{c} {k}"
                self.assertEqual(s["state"], "streaming", what)
                self.assertTrue(s["record"], what)
                self.assertEqual(s["sessions"], 1, what)
                self.assertEqual(s["reconnects"], 0, what)
                self.assertIsNone(s["last_error"], what)
                self.assertTrue(s["video_codec"].startswith("avc1."), s)
                self.assertEqual((s["width"], s["height"]),
                                 (1920, 1080) if k == "main" else (704, 480), what)
                self.assertIsNone(s["audio_codec"], what)
                self.assertEqual(s["frames_shed"], 0, what)
                if c != "cam4":  # UDP may legitimately lose a datagram
                    self.assertEqual(s["packets_lost"], 0, what)
                    self.assertEqual(s["frames_dropped"], 0, what)
                self.assertGreater(s["bytes"], 0, what)
                # Rates over the last window: loose bounds, the server sends in real time.
                nominal = 30 if k == "main" else 10
                self.assertGreater(s["fps"], nominal * 0.5, what)
                self.assertLess(s["fps"], nominal * 1.5, what)
                self.assertGreater(s["bitrate_bps"], 0, what)

                listing = r.list(c, k)
                recs = listing["recordings"]
                self.assertGreaterEqual(len(recs), 1, what)
                self.assertEqual(len(listing["runs"]), 1, f"{what}: {listing['runs']}")
                self.assertEqual(listing["gaps"], [], what)
                for rec in recs:
                    self.assertEqual(rec["state"], "WRITTEN", what)
                    self.assertEqual(rec["resolution"], "1920x1080" if k == "main" else "704x480")
                    self.assertEqual(rec["codec"], s["video_codec"], what)
                    self.assertGreaterEqual(rec["key_frames"], 1, what)
                    self.assertEqual(rec["audio_samples"], 0, what)
                # Everything received before the status snapshot was recorded, and the recorded
                # time is the time the stream was up (slack: start at the first key frame, the
                # last frames in flight at SIGTERM, a lost UDP datagram).
                frames = sum(rec["frames"] for rec in recs)
                self.assertGreaterEqual(frames, s["frames"] - (nominal if c == "cam4" else 0), what)
                recorded = listing["total"]["duration_90k"] / TICKS
                up = stopped_at - since[(c, k)]
                self.assertGreater(recorded, up - 2.5, f"{what}: {recorded:.3f} s of {up:.3f} s")
                self.assertLess(recorded, up + 1.0, f"{what}: {recorded:.3f} s of {up:.3f} s")
                self.assert_frame_rate(listing, nominal, what)
        nj.check_hash(r.data)

    def test_sigkill_and_restart(self):
        cams = [nj.camera("cam1", self.cam.url("/cam1/main"))]
        checkpoint = 2
        with nj.Recorder(self.tmp, cams,
                         storage={"checkpoint_secs": checkpoint, "segment_duration_secs": 60}) as r:
            r.wait_streaming([("cam1", "main")])
            # list is read-only: it sees the recording in progress up to its last checkpoint.
            deadline = time.monotonic() + 60
            while True:
                listing = r.list("cam1")
                recs = listing["recordings"]
                if recs and recs[-1]["duration_90k"] >= 8 * TICKS:
                    break
                self.assertLess(time.monotonic(), deadline, f"nothing durable:\n{listing}")
                time.sleep(0.5)
            self.assertEqual(len(recs), 1)
            self.assertEqual(recs[0]["state"], "WRITING")
            durable_end = recs[0]["end_90k"]
            killed_at = time.time()
            self.assertEqual(r.kill(), -9)
            self.assertTrue(os.path.exists(r.status_path))  # nobody removed it

            r.start()
            st = r.wait_streaming([("cam1", "main")])
            f0 = r.stream("cam1", "main", st)["frames"]
            r.wait(lambda st: r.stream("cam1", "main", st)["frames"] >= f0 + 60, "a second run")
            self.assertEqual(r.terminate(), 0, r.output()[-3000:])
            self.assertIn("kept up to their last checkpoint", r.output())

        listing = nj.list_json(r.data, "cam1")
        runs = listing["runs"]
        self.assertEqual(len(runs), 2, listing)
        self.assertEqual(len(listing["gaps"]), 1, listing)
        first = [rec for rec in listing["recordings"] if rec["start_90k"] < runs[0]["end_90k"]]
        self.assertEqual(len(first), 1, listing)
        self.assertEqual(first[0]["state"], "WRITTEN")
        # Nothing reported durable is lost, and at most a checkpoint interval (plus the frame
        # latency) before the kill is.
        self.assertGreaterEqual(runs[0]["end_90k"], durable_end)
        lost = killed_at - runs[0]["end_90k"] / TICKS
        self.assertLess(lost, checkpoint + 1.5, f"{lost:.3f} s lost before the kill")
        self.assertGreater(runs[1]["start_90k"], runs[0]["end_90k"])
        self.assertGreaterEqual(runs[1]["duration_90k"], 1 * TICKS)
        self.assert_frame_rate(listing, 30, "cam1")
        nj.check_hash(r.data)
        status = json.loads(nj.nightjar("status", "--data", r.data, "--json").stdout)
        self.assertEqual(status["opens"]["count"], 2)
        self.assertEqual(status["opens"]["unclean"], 1)
        self.assertTrue(status["opens"]["last"]["clean_shutdown"])

    def test_signal_to_process_and_group_stops_once(self):
        """SIGTERM delivered to the daemon and SIGINT to its process group at the same instant
        (a supervisor and a shell), or the other way round, are one stop request: the recording is finalized up to the last frame, although the
        last checkpoint is long past. The unit's TimeoutStopSec bounds the wait, then SIGKILL, as
        systemd does (tools/nightjar.service)."""
        unit = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "nightjar.service")
        with open(unit) as f:
            timeout_stop = int(re.search(r"(?m)^TimeoutStopSec=(\d+)$", f.read()).group(1))
        for signo, group_signo in ((signal.SIGTERM, signal.SIGINT),
                                   (signal.SIGINT, signal.SIGTERM)):
            with self.subTest(signal=signo.name):
                data = os.path.join(self.tmp, signo.name)
                cams = [nj.camera("cam1", self.cam.url("/cam3/main"))]
                # No checkpoint during the test: only a graceful stop keeps the last seconds.
                with nj.Recorder(self.tmp, cams, data=data, own_group=True,
                                 storage={"checkpoint_secs": 600,
                                          "segment_duration_secs": 600}) as r:
                    st = r.wait_streaming([("cam1", "main")])
                    since = r.stream("cam1", "main", st)["since_90k"] / TICKS
                    r.wait(lambda st: r.stream("cam1", "main", st)["frames"] >= 150, "5 s recorded")
                    stopped_at = time.time()
                    code = r.stop_like_systemd(signo, group_signo, timeout_stop)
                    self.assertEqual(code, 0, r.output()[-3000:])
                    self.assertIn("already shutting down", r.output())
                    self.assertNotIn("exiting now", r.output())
                listing = nj.list_json(data, "cam1")
                self.assertEqual(len(listing["runs"]), 1, listing)
                self.assertTrue(all(rec["state"] == "WRITTEN" for rec in listing["recordings"]))
                recorded = listing["total"]["duration_90k"] / TICKS
                up = stopped_at - since
                # Nothing lost but the frames in flight at the signal.
                self.assertGreater(recorded, up - 1.5, f"{recorded:.3f} s of {up:.3f} s")
                nj.check_hash(data)
                status = json.loads(nj.nightjar("status", "--data", data, "--json").stdout)
                self.assertEqual(status["opens"]["unclean"], 0)

    def test_camera_drops_and_resumes(self):
        cams = [nj.camera("cam1", self.cam.url("/cam2/main", query="?drop_after=4"))]
        with nj.Recorder(self.tmp, cams, storage={"segment_duration_secs": 60}) as r:
            r.wait_streaming([("cam1", "main")])
            st = r.wait(lambda st: r.stream("cam1", "main", st)["sessions"] >= 2,
                        "the stream to reconnect after the drop")
            f0 = r.stream("cam1", "main", st)["frames"]
            st = r.wait(lambda st: r.stream("cam1", "main", st)["frames"] >= f0 + 30,
                        "frames after the reconnect")
            s = r.stream("cam1", "main", st)
            self.assertEqual(r.terminate(), 0, r.output()[-3000:])
        self.assertGreaterEqual(s["reconnects"], 1, s)
        self.assertIsNotNone(s["last_error"], s)
        self.assertIn("closed the connection", s["last_error"])
        self.assertIsNotNone(s["last_error_at"], s)
        listing = nj.list_json(r.data, "cam1")
        runs = run_seconds(listing)
        self.assertGreaterEqual(len(runs), 2, listing)
        self.assertGreaterEqual(len(listing["gaps"]), 1, listing)
        # The camera closed 4 s after PLAY: the first run holds those 4 s, nothing before the gap
        # was lost.
        self.assertGreaterEqual(runs[0], 3.0, runs)
        self.assertLessEqual(runs[0], 4.5, runs)
        self.assertGreater(runs[1], 0, runs)
        # The camera was back within about a frame of the drop: the runs still do not overlap.
        for before, after in zip(listing["runs"], listing["runs"][1:]):
            self.assertGreaterEqual(after["start_90k"], before["end_90k"], listing["runs"])
        self.assertTrue(all(rec["state"] == "WRITTEN" for rec in listing["recordings"]))
        self.assert_frame_rate(listing, 30, "cam1")
        nj.check_hash(r.data)

    def test_h265_bframes_audio(self):
        cams = [nj.camera("hevc", self.cam.url("/cam1/h265")),
                nj.camera("bfr", self.cam.url("/cam2/bframes")),
                nj.camera("aud", self.cam.url("/cam3/audio")),
                nj.camera("mute", self.cam.url("/cam4/audio"), audio=False)]
        names = [(c["id"], "main") for c in cams]
        with nj.Recorder(self.tmp, cams, storage={"segment_duration_secs": 5}) as r:
            r.wait_streaming(names)
            st = r.wait(lambda st: all(r.stream(c, k, st)["frames"] >= 180 for c, k in names),
                        "6 s of frames on every stream")
            self.assertEqual(r.terminate(), 0, r.output()[-3000:])
        expect = {"hevc": ("hvc1.", "1920x1080"), "bfr": ("avc1.", "1280x720"),
                  "aud": ("avc1.", "1280x720"), "mute": ("avc1.", "1280x720")}
        for cam, (codec, resolution) in expect.items():
            s = r.stream(cam, "main", st)
            self.assertTrue(s["video_codec"].startswith(codec), s)
            self.assertEqual(f"{s['width']}x{s['height']}", resolution, s)
            self.assertEqual(s["frames_dropped"], 0, s)
            listing = nj.list_json(r.data, cam)
            self.assertEqual(len(listing["runs"]), 1, listing)
            recs = listing["recordings"]
            self.assertGreaterEqual(len(recs), 1)
            for rec in recs:
                self.assertTrue(rec["codec"].startswith(codec), rec)
                self.assertEqual(rec["codec"], s["video_codec"])
                self.assertEqual(rec["resolution"], resolution)
                self.assertEqual(rec["state"], "WRITTEN")
            self.assertGreaterEqual(sum(rec["frames"] for rec in recs), s["frames"])
            self.assert_frame_rate(listing, 30, cam)
            audio = sum(rec["audio_samples"] for rec in recs)
            if cam == "aud":
                self.assertEqual(s["audio_codec"], "mp4a.40.2", s)
                self.assertGreater(s["audio_frames"], 0, s)
                # AAC: 1024 samples per frame at 48 kHz, 46.875 frames/s of video time.
                seconds = listing["total"]["duration_90k"] / TICKS
                self.assertAlmostEqual(audio / seconds, 48000 / 1024, delta=48000 / 1024 * 0.1,
                                       msg=f"{audio} audio frames in {seconds:.3f} s")
            else:
                self.assertIsNone(s["audio_codec"], s)
                self.assertEqual(s["audio_frames"], 0, s)
                self.assertEqual(audio, 0, cam)
        # B-frames: exported, the recording holds the clip's frames in the clip's presentation
        # order (decode times assigned from the reorder depth, composition offsets kept).
        run = nj.list_json(r.data, "bfr")["runs"][0]
        out = nj.export(r.data, "bfr", run["start"], run["end"], os.path.join(self.tmp, "b.mp4"))
        nj.assert_same_frames(out, os.path.join(nj.CLIPS, "bframes.mp4"), 30)
        self.assertTrue(any(p["pts"] != p["dts"] for p in nj.video_packets(out)))
        self.assertEqual(nj.decode_errors(out), "")
        nj.check_hash(r.data)

    def test_unreachable_camera_fails_others_keep_recording(self):
        cams = [nj.camera("dead", f"rtsp://127.0.0.1:{nj.free_port()}/x",
                          max_reconnect_attempts=2),
                nj.camera("live", self.cam.url("/cam3/sub"))]
        with nj.Recorder(self.tmp, cams) as r:
            st = r.wait(lambda st: r.stream("dead", "main", st)["state"] == "failed",
                        "the dead camera to give up")
            dead = r.stream("dead", "main", st)
            self.assertEqual(dead["reconnects"], 2, dead)
            self.assertEqual(dead["sessions"], 0, dead)
            self.assertIn("refused", dead["last_error"])
            f0 = r.stream("live", "main", st)["frames"]
            st = r.wait(lambda st: r.stream("live", "main", st)["frames"] >= f0 + 30,
                        "the live camera to keep recording")
            self.assertEqual(r.stream("live", "main", st)["state"], "streaming")
            self.assertEqual(r.stream("dead", "main", st)["state"], "failed")
            self.assertEqual(r.stream("dead", "main", st)["reconnects"], 2)  # no more attempts
            self.assertEqual(r.terminate(), 0, r.output()[-3000:])
        self.assertIn("giving up", r.output())
        self.assertEqual(nj.list_json(r.data, "dead")["recordings"], [])
        live = nj.list_json(r.data, "live")
        self.assertEqual(len(live["runs"]), 1)
        self.assertGreaterEqual(sum(rec["frames"] for rec in live["recordings"]), f0 + 30)
        nj.check_hash(r.data)


class Auth(unittest.TestCase):
    def check_mode(self, mode):
        with tempfile.TemporaryDirectory() as tmp, \
                nj.Fakecam("--auth", mode, "--user", "alice", "--password", "s3cret",
                           cameras=2) as cam:
            cams = [nj.camera("good", cam.url("/cam1/sub"), username="alice", password="s3cret"),
                    nj.camera("inurl", cam.url("/cam2/sub", user="alice", password="s3cret")),
                    nj.camera("wrong", cam.url("/cam1/sub"), username="alice", password="nope"),
                    nj.camera("anon", cam.url("/cam2/sub"))]
            with nj.Recorder(tmp, cams) as r:
                r.wait_streaming([("good", "main"), ("inurl", "main")])
                st = r.wait(lambda st: all(r.stream(c, "main", st)["reconnects"] >= 2
                                           for c in ("wrong", "anon")),
                            "the refused cameras to retry")
                wrong, anon = r.stream("wrong", "main", st), r.stream("anon", "main", st)
                for s in (wrong, anon):
                    self.assertNotEqual(s["state"], "streaming", s)
                    self.assertNotEqual(s["state"], "failed", s)  # retries forever by default
                    self.assertEqual(s["sessions"], 0, s)
                    self.assertEqual(s["frames"], 0, s)
                self.assertIn("refused the username and password", wrong["last_error"])
                self.assertIn("requires a username and password", anon["last_error"])
                # It keeps retrying.
                st = r.wait(lambda st: r.stream("wrong", "main", st)["reconnects"]
                            > wrong["reconnects"], "another attempt")
                self.assertIn("refused the username and password",
                              r.stream("wrong", "main", st)["last_error"])
                st = r.wait(lambda st: all(r.stream(c, "main", st)["frames"] >= 40
                                           for c in ("good", "inurl")), "4 s of frames")
                self.assertEqual(r.terminate(), 0, r.output()[-3000:])
            for c in ("good", "inurl"):
                listing = nj.list_json(r.data, c)
                self.assertGreaterEqual(sum(rec["frames"] for rec in listing["recordings"]), 40)
                self.assertEqual(listing["recordings"][0]["resolution"], "704x480")
            for c in ("wrong", "anon"):
                self.assertEqual(nj.list_json(r.data, c)["recordings"], [])
            nj.check_hash(r.data)

    def test_digest(self):
        self.check_mode("digest")

    def test_basic(self):
        self.check_mode("basic")


class Config(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        self._tmp.cleanup()

    def refused(self, text, line, key, message):
        """`text` (a nightjar.toml) is refused: exit 2, "file:line: key: message" on stderr."""
        path = os.path.join(self.tmp, "nightjar.toml")
        with open(path, "w") as f:
            f.write(text.replace("DATA", self.data))
        p = nj.nightjar("run", "--config", path, timeout=30)
        self.assertEqual(p.returncode, 2, f"{text}\n{p.stdout}{p.stderr}")
        self.assertIn(f"{path}:{line}: {key}: ", p.stderr)
        self.assertIn(message, p.stderr)
        self.assertFalse(os.path.exists(self.data), "a refused config must not touch the data")
        return p.stderr

    CAM = '[[cameras]]\nid = "cam1"\nurl = "rtsp://127.0.0.1:1/main"\n'

    def test_unknown_key(self):
        self.refused('[storage]\nbase_path = "DATA"\nsegmnt_duration_secs = 60\n', 3,
                     "storage.segmnt_duration_secs", "unknown key")
        self.refused('[storage]\nbase_path = "DATA"\n\n' + self.CAM + 'passwd = "x"\n', 7,
                     "cameras[0].passwd", "unknown key")
        self.refused('[storage]\nbase_path = "DATA"\n[camera]\nid = "x"\n', 3, "camera",
                     "unknown key")

    def test_wrong_type(self):
        self.refused('[storage]\nbase_path = "DATA"\ncheckpoint_secs = "5"\n', 3,
                     "storage.checkpoint_secs", "expected an integer")
        self.refused('[storage]\nbase_path = "DATA"\n' + self.CAM + 'record = "yes"\n', 6,
                     "cameras[0].record", "expected true or false")
        self.refused('[storage]\nbase_path = "DATA"\nsegment_duration_secs = 2\n', 3,
                     "storage.segment_duration_secs", "between 5 and 3600")
        self.refused('[storage]\nbase_path = "DATA"\n' + self.CAM + 'transport = "sctp"\n', 6,
                     "cameras[0].transport", '"tcp" or "udp"')

    def test_bad_url(self):
        self.refused('[storage]\nbase_path = "DATA"\n' + self.CAM.replace("rtsp:", "http:"), 5,
                     "cameras[0].url", "rtsp")
        self.refused('[storage]\nbase_path = "DATA"\n' + self.CAM + 'sub_url = "rtsp://"\n', 6,
                     "cameras[0].sub_url", "host")

    def test_duplicate_camera_id(self):
        self.refused('[storage]\nbase_path = "DATA"\n' + self.CAM + "\n" + self.CAM, 8,
                     "cameras[1].id", "duplicate camera id cam1")

    def test_missing_url(self):
        # No node to point at: the line of the [[cameras]] table.
        self.refused('[storage]\nbase_path = "DATA"\n\n[[cameras]]\nid = "cam1"\n', 4,
                     "cameras[0].url", "every camera needs a url")

    def test_syntax_error_and_missing_file(self):
        path = os.path.join(self.tmp, "nightjar.toml")
        with open(path, "w") as f:
            f.write('[storage]\nbase_path = "x\n')
        p = nj.nightjar("run", "--config", path, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{path}:2:", p.stderr)
        missing = os.path.join(self.tmp, "missing.toml")
        p = nj.nightjar("run", "--config", missing, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(missing, p.stderr)

    def test_no_config_no_cameras(self):
        with nj.Recorder(self.tmp, use_config=False) as r:
            st = r.wait(lambda st: True, "status.json", timeout=30)
            self.assertEqual(st["streams"], [])
            self.assertEqual(r.terminate(), 0, r.output())
        self.assertIn("recording 0 camera(s)", r.output())
        self.assertFalse(os.path.exists(r.status_path))
        self.assertTrue(os.path.exists(os.path.join(self.data, "nightjar.db")))
        nj.check_hash(self.data)


if __name__ == "__main__":
    unittest.main()
