"""Helpers for Nightjar's integration tests: the built binary, free ports, real peers.

Environment (set by ctest, see tests/CMakeLists.txt):
  NIGHTJAR_BIN    path of the nightjar binary under test
  NIGHTJAR_CLIPS  directory holding the clips made by tools/make_clips.sh
"""
import json
import os
import re
import socket
import subprocess
import tempfile
import time

BIN = os.environ.get("NIGHTJAR_BIN", os.path.join(os.path.dirname(__file__), "../../build/nightjar"))
CLIPS = os.environ.get("NIGHTJAR_CLIPS", os.path.join(os.path.dirname(__file__), "../../build/clips"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise TimeoutError(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


class Fakecam:
    """`nightjar fakecam` in a child process, stopped (SIGTERM) on exit."""

    def __init__(self, *args, cameras=2):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="fakecam-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [BIN, "fakecam", "--cameras", str(cameras), "--port", str(self.port),
             "--clip", os.path.join(CLIPS, "main.mp4"), "--clip", os.path.join(CLIPS, "sub.mp4"),
             "--clip", os.path.join(CLIPS, "h265.mp4"), "--clip", os.path.join(CLIPS, "bframes.mp4"),
             "--clip", os.path.join(CLIPS, "audio.mp4"), *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_port(self.port, proc=self.proc)
        except TimeoutError:
            self.stop()
            raise RuntimeError("fakecam did not start:\n" + self.output())

    def url(self, path, user=None, password=None, query=""):
        cred = f"{user}:{password}@" if user else ""
        return f"rtsp://{cred}127.0.0.1:{self.port}{path}{query}"

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code = self.stop()
        os.unlink(self.log.name)
        # An ASan/UBSan report or a crash makes the server exit non-zero.
        assert code in (0, -15), f"fakecam exited with {code}"


def run(cmd, timeout=120, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p


def ffmpeg_record(url, out, seconds, transport="tcp", extra=()):
    return run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-rtsp_transport", transport,
                "-i", url, "-c", "copy", "-t", str(seconds), *extra, out], timeout=seconds + 60)


def decode_errors(path):
    """Fully decodes every stream of `path`; returns ffmpeg's error lines (empty = clean)."""
    p = run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"],
            check=False)
    return p.stderr.strip() + ("" if p.returncode == 0 else f"\nexit {p.returncode}")


def probe_streams(path):
    p = run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format",
             "-of", "json", path])
    return json.loads(p.stdout)


def gst_decode(url, chain, seconds, protocols="tcp", user=None, password=None):
    """Plays `url` through GStreamer's rtspsrc and `chain` (depayloader ! parser ! decoder) for
    `seconds`; returns (decoded buffers, error messages). Runs Debian's python3 with GI."""
    script = os.path.join(os.path.dirname(__file__), "gst_decode.py")
    cmd = ["/usr/bin/python3", script, url, chain, str(seconds), protocols]
    if user:
        cmd += [user, password]
    p = run(cmd, timeout=seconds + 60, check=False)
    m = re.search(r"decoded=(\d+)", p.stdout)
    errors = re.findall(r"ERROR .*", p.stdout)
    if not m:
        raise AssertionError(f"gst_decode.py failed:\n{p.stdout}\n{p.stderr}")
    return int(m.group(1)), errors
