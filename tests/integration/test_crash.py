"""Crash test: a child records through the real storage engine and is killed (SIGKILL) at random
points, again and again on the same data directory. After each kill, recovery must keep every
frame the child reported durable (at most one checkpoint interval lost), every recording must
hold exactly the clip's frames, and `nightjar check --hash` must be clean."""
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import nj

CHILD = os.environ.get("NIGHTJAR_CRASH_CHILD",
                       os.path.join(os.path.dirname(nj.BIN), "tests/crash_child"))
ITERATIONS = int(os.environ.get("NIGHTJAR_CRASH_ITERATIONS", "50"))
CHECKPOINT_MS = 200
SPEED = 10  # x real time: ~5 MB/s of 4 Mbit/s video


class CrashRecovery(unittest.TestCase):
    def test_sigkill_at_random_points(self):
        clip = os.path.join(nj.CLIPS, "main.mp4")
        rng = random.Random(int(os.environ.get("NIGHTJAR_CRASH_SEED", "20261121")))
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            for i in range(ITERATIONS):
                # Kill anywhere from before the first checkpoint to several seconds in.
                delay = rng.uniform(0.05, 2.5)
                durable = self.record_and_kill(data, clip, delay)
                v = nj.run([CHILD, "verify", data, clip], check=False, timeout=120)
                self.assertEqual(v.returncode, 0, f"iteration {i}: verify failed:\n{v.stdout}"
                                 f"\n{v.stderr}")
                fields = v.stdout.split()
                frames = int(fields[fields.index("last_run_frames") + 1])
                if durable is not None:
                    self.assertGreaterEqual(frames, durable,
                                            f"iteration {i}: lost frames reported durable")
                c = nj.run([nj.BIN, "check", "--data", data, "--hash"], check=False)
                self.assertEqual(c.returncode, 0, f"iteration {i}: check:\n{c.stdout}{c.stderr}")
                self.assertIn("clean", c.stdout)

    def record_and_kill(self, data, clip, delay):
        """Runs the child for `delay` seconds after it started recording, SIGKILLs it, and returns
        the last frame count it reported durable (None if it reported none)."""
        # 40 MB budget: retention runs in the crash loop too.
        p = subprocess.Popen([CHILD, "record", data, clip, str(CHECKPOINT_MS), "40000000",
                              str(SPEED)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        lines = []
        started = threading.Event()

        def reader():
            for line in p.stdout:
                lines.append(line.strip())
                if line.startswith("started"):
                    started.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        if not started.wait(60):
            p.kill()
            self.fail("child did not start: " + p.stderr.read())
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        t.join(10)
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        self.assertEqual(p.returncode, -signal.SIGKILL, err)
        durable = [int(x.split()[1]) for x in lines if x.startswith("durable ")]
        return durable[-1] if durable else None


if __name__ == "__main__":
    unittest.main()
