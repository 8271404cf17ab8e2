"""The offline subcommands `nightjar status` and `nightjar list` on a data directory the crash
child recorded into: after recovery (their figures must agree with each other and with what was
recorded), and while a child is still recording into it (read-only opens beside the writer)."""
import datetime
import json
import os
import signal
import subprocess
import tempfile
import threading
import unittest

import nj

CHILD = os.environ.get("NIGHTJAR_CRASH_CHILD",
                       os.path.join(os.path.dirname(nj.BIN), "tests/crash_child"))
CLIP = os.path.join(nj.CLIPS, "main.mp4")
CHECKPOINT_MS = 200
RETAIN_BYTES = 1_000_000_000  # retention never deletes anything here
SPEED = 4  # x real time: ~3 s of recording is ~12 s of video, several 4 s recordings


class Child:
    """`crash_child record` on `data`; `durable` is set once a checkpoint made frames durable."""

    def __init__(self, data):
        self.proc = subprocess.Popen(
            [CHILD, "record", data, CLIP, str(CHECKPOINT_MS), str(RETAIN_BYTES), str(SPEED)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.started = threading.Event()
        self.durable = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("started"):
                self.started.set()
            elif line.startswith("durable ") and int(line.split()[1]) > 0:
                self.durable.set()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.thread.join(10)
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


def record_and_recover(data, seconds):
    """Records for `seconds` (real time) after the child made its first frames durable, SIGKILLs
    it, and recovers with `crash_child verify`. Raises AssertionError when a step fails."""
    child = Child(data)
    try:
        if not child.started.wait(60) or not child.durable.wait(60):
            raise AssertionError("crash child did not start recording")
        threading.Event().wait(seconds)  # let it record; nothing is asserted about timing
    finally:
        err = child.kill()
    if child.proc.returncode != -signal.SIGKILL:
        raise AssertionError(f"crash child exited with {child.proc.returncode}:\n{err}")
    v = nj.run([CHILD, "verify", data, CLIP], check=False)
    if v.returncode != 0:
        raise AssertionError(f"verify failed:\n{v.stdout}\n{v.stderr}")


def nightjar(*args):
    return nj.run([nj.BIN, *args], check=False)


def json_of(test, *args):
    p = nightjar(*args)
    test.assertEqual(p.returncode, 0, f"nightjar {' '.join(args)}:\n{p.stderr}")
    return json.loads(p.stdout)


def stream_of(status, camera, kind):
    cams = [c for c in status["cameras"] if c["short_name"] == camera]
    assert len(cams) == 1, status
    streams = [s for s in cams[0]["streams"] if s["kind"] == kind]
    assert len(streams) == 1, status
    return streams[0]


def local_seconds(ticks_90k):
    """The seed NVR's time format (local, whole seconds, no offset), floored."""
    return datetime.datetime.fromtimestamp(ticks_90k // 90000).strftime("%Y-%m-%dT%H:%M:%S")


class AfterRecovery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        record_and_recover(cls.data, 3)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.listing = json_of(self, "list", "--camera", "cam1", "--data", self.data, "--json")
        self.recs = self.listing["recordings"]

    def test_list_recordings_form_one_run(self):
        recs = self.recs
        self.assertGreaterEqual(len(recs), 2, "3 s at 4x should give several 4 s recordings")
        for r in recs:
            self.assertEqual(r["state"], "WRITTEN")
            self.assertGreater(r["frames"], 0)
            self.assertGreaterEqual(r["key_frames"], 1)
            self.assertLessEqual(r["key_frames"], r["frames"])
            self.assertGreater(r["bytes"], 0)
            self.assertTrue(r["codec"].startswith("avc1"), r["codec"])
            self.assertEqual(r["resolution"], "1920x1080")
            self.assertEqual((r["width"], r["height"]), (1920, 1080))
            self.assertGreater(r["duration_90k"], 0)
            self.assertEqual(r["end_90k"] - r["start_90k"], r["duration_90k"])
        self.assertEqual(len(self.listing["runs"]), 1)
        self.assertEqual(self.listing["gaps"], [])
        run = self.listing["runs"][0]
        self.assertEqual(run["recordings"], len(recs))
        self.assertEqual(run["start_90k"], recs[0]["start_90k"])
        self.assertEqual(run["end_90k"], recs[-1]["end_90k"])
        # The recordings of a run are back to back: their durations add up to the run's.
        for a, b in zip(recs, recs[1:]):
            self.assertEqual(a["end_90k"], b["start_90k"])
        durations = sum(r["duration_90k"] for r in recs)
        self.assertEqual(durations, run["duration_90k"])
        self.assertEqual(durations, self.listing["total"]["duration_90k"])
        self.assertEqual(sum(r["bytes"] for r in recs), self.listing["total"]["bytes"])

    def test_status_agrees_with_list(self):
        status = json_of(self, "status", "--data", self.data, "--json")
        self.assertEqual(status["data_dir"], self.data)
        self.assertGreater(status["database"]["bytes"], 0)
        s = stream_of(status, "cam1", "main")
        self.assertEqual(s["recordings"], len(self.recs))
        self.assertEqual(s["bytes"], sum(r["bytes"] for r in self.recs))
        self.assertEqual(s["writing"], 0)
        self.assertEqual(s["retain_bytes"], RETAIN_BYTES)
        self.assertIsNone(s["retain_secs"])
        self.assertEqual(s["oldest_start_90k"], self.recs[0]["start_90k"])
        self.assertEqual(s["newest_end_90k"], self.recs[-1]["end_90k"])
        dirs = status["sample_file_dirs"]
        self.assertEqual([d["path"] for d in dirs], [os.path.join(self.data, "sample")])
        self.assertEqual(dirs[0]["used_bytes"], s["bytes"])
        self.assertGreater(dirs[0]["total_bytes"], 0)
        self.assertLessEqual(dirs[0]["free_bytes"], dirs[0]["total_bytes"])
        # The child was killed, verify shut down cleanly.
        self.assertEqual(status["opens"]["count"], 2)
        self.assertEqual(status["opens"]["unclean"], 1)
        self.assertTrue(status["opens"]["last"]["clean_shutdown"])

    def test_human_output(self):
        p = nightjar("status", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(self.data, p.stdout)
        self.assertIn("cam1", p.stdout)
        self.assertIn("shut down cleanly", p.stdout)
        p = nightjar("list", "--camera", "cam1", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("run 1:", p.stdout)
        self.assertIn("1920x1080", p.stdout)
        self.assertEqual(p.stdout.count("WRITTEN"), len(self.recs))

    def test_time_range(self):
        mid = self.recs[1]
        # ISO 8601 with offset, as list prints it: only the recording overlapping [start, end).
        got = json_of(self, "list", "--camera", "cam1", "--data", self.data, "--json",
                      "--from", mid["start"], "--to", mid["end"])
        self.assertEqual([r["id"] for r in got["recordings"]], [mid["id"]])
        # The seed's local format: nothing starts before the first recording's second.
        got = json_of(self, "list", "--camera", "cam1", "--data", self.data, "--json",
                      "--to", local_seconds(self.recs[0]["start_90k"]))
        self.assertEqual(got["recordings"], [])
        got = json_of(self, "list", "--camera", "cam1", "--data", self.data, "--json",
                      "--from", local_seconds(self.recs[-1]["end_90k"] + 90000))
        self.assertEqual(got["recordings"], [])

    def test_config_file(self):
        config = os.path.join(self.tmp.name, "nightjar.toml")
        with open(config, "w") as f:
            f.write(f'[storage]\nbase_path = "{self.data}"\nchunk_size_mb = 512\n')
        status = json_of(self, "status", "--config", config, "--json")
        self.assertEqual(status["data_dir"], self.data)
        self.assertEqual(stream_of(status, "cam1", "main")["recordings"], len(self.recs))
        got = json_of(self, "list", "--config", config, "--camera", "cam1", "--json")
        self.assertEqual(got["recordings"], self.recs)

    def test_errors(self):
        p = nightjar("list", "--camera", "nope", "--data", self.data)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("nope", p.stderr)
        self.assertIn("cam1", p.stderr)
        p = nightjar("list", "--camera", "cam1", "--stream", "sub", "--data", self.data)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("sub", p.stderr)
        p = nightjar("list", "--camera", "cam1", "--from", "garbage", "--data", self.data)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("garbage", p.stderr)
        p = nightjar("list", "--camera", "cam1", "--to", "2026-02-30T10:00:00", "--data", self.data)
        self.assertEqual(p.returncode, 2, p.stderr)
        p = nightjar("list", "--data", self.data)  # --camera is required
        self.assertEqual(p.returncode, 2, p.stderr)
        p = nightjar("status", "--data", os.path.join(self.tmp.name, "missing"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("nightjar.db", p.stderr)


class WhileRecording(unittest.TestCase):
    def test_status_and_list_beside_a_writer(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            record_and_recover(data, 1)
            before = json_of(self, "list", "--camera", "cam1", "--data", data, "--json")
            self.assertEqual(len(before["runs"]), 1)
            child = Child(data)
            try:
                self.assertTrue(child.started.wait(60), "crash child did not start")
                self.assertTrue(child.durable.wait(60), "crash child made nothing durable")
                status = json_of(self, "status", "--data", data, "--json")
                listing = json_of(self, "list", "--camera", "cam1", "--data", data, "--json")
                human = nightjar("list", "--camera", "cam1", "--data", data)
            finally:
                err = child.kill()
            self.assertEqual(child.proc.returncode, -signal.SIGKILL, err)
        self.assertEqual(human.returncode, 0, human.stderr)
        # The new run is visible beside the recovered one, which is unchanged.
        self.assertEqual(len(listing["runs"]), 2)
        self.assertEqual(len(listing["gaps"]), 1)
        self.assertGreater(listing["gaps"][0]["duration_90k"], 0)
        old = listing["recordings"][:len(before["recordings"])]
        self.assertEqual(old, before["recordings"])
        self.assertGreater(len(listing["recordings"]), len(before["recordings"]))
        s = stream_of(status, "cam1", "main")
        self.assertGreater(s["recordings"], len(before["recordings"]))
        self.assertFalse(status["opens"]["last"]["clean_shutdown"])


if __name__ == "__main__":
    unittest.main()
