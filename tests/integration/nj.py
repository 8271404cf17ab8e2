"""Helpers for Nightjar's integration tests: the built binary, free ports, real peers.

Environment (set by ctest, see tests/CMakeLists.txt):
  NIGHTJAR_BIN    path of the nightjar binary under test
  NIGHTJAR_CLIPS  directory holding the clips made by tools/make_clips.sh
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

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
        self.log.close()
        os.unlink(self.log.name)
        # An ASan/UBSan report or a crash makes the server exit non-zero.
        assert code in (0, -15), f"fakecam exited with {code}"


def fetch(url, method="GET", body=None, headers=None, timeout=30):
    """One HTTP request with urllib: (status, headers dict, body bytes), errors included."""
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


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


# --- `nightjar run` ------------------------------------------------------------------------------


def toml_value(v):
    """A Python value as TOML: str, bool, int, float or a list of those."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {v!r}")


def toml_text(config):
    """`config` as a nightjar.toml: {"storage": {...}, "ingest": {...}, "cameras": [{...}, ...]};
    tables in the dict's order, each [[cameras]] entry in the list's order."""
    lines = []
    for section, body in config.items():
        tables = body if isinstance(body, list) else [body]
        for t in tables:
            lines.append(f"[[{section}]]" if isinstance(body, list) else f"[{section}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in t.items()]
            lines.append("")
    return "\n".join(lines)


def nightjar(*args, timeout=120):
    """Runs `nightjar ARGS` to completion; the CompletedProcess (text), whatever its exit code."""
    return run([BIN, *args], timeout=timeout, check=False)


def list_json(data, camera, stream="main"):
    """`nightjar list --json` of a stream (read-only: works beside a running recorder)."""
    p = nightjar("list", "--data", data, "--camera", camera, "--stream", stream, "--json")
    if p.returncode != 0:
        raise AssertionError(f"list {camera} {stream} failed ({p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout)


def check_hash(data):
    """`nightjar check --hash`; returns its output, raises unless it exits 0 and says "clean"."""
    p = nightjar("check", "--hash", "--data", data)
    if p.returncode != 0 or "clean" not in p.stdout:
        raise AssertionError(f"check --hash ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def camera(id, url, **keys):
    """A [[cameras]] entry."""
    return {"id": id, "url": url, **keys}


def wait_for(pred, log, timeout=60):
    """Polls pred() every 0.2 s until it holds; after `timeout` s fails showing log() (the
    daemon's log, read only then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached\n" + log()[-5000:])


def vlc_command(home="/tmp"):
    """cvlc run as an unprivileged user (VLC refuses to run as root) with HOME=`home`, or None."""
    if not shutil.which("cvlc"):
        return None
    if os.geteuid() != 0:
        return ["env", f"HOME={home}", "cvlc"]
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", "env", f"HOME={home}", "cvlc"]
    return None


class Recorder:
    """`nightjar run --config` in a child process, recording into `<tmp>/data` (the default).

    `cameras` are [[cameras]] dicts; `storage`/`ingest` override keys of those tables. The HTTP
    API is disabled (tests run side by side) unless `api_port` asks for it on loopback, where
    authentication is off (`[api] auth = false`, allowed on loopback only) unless `auth` is
    true. Logs go to a file (see output()). Used as a context manager: SIGTERM (then SIGKILL)
    on exit if still running."""

    def __init__(self, tmp, cameras=(), storage=None, ingest=None, data=None, start=True,
                 use_config=True, api_port=None, own_group=False, auth=False):
        self.tmp = tmp
        # own_group: the daemon leads a process group of its own, as under a shell or systemd,
        # so that a test can signal the process and its group at once.
        self.own_group = own_group
        self.data = data or os.path.join(tmp, "data")
        # Without a config file: `nightjar run --data DIR` (no cameras, default settings).
        self.args = ["--data", self.data]
        self.config = {
            "storage": {"base_path": self.data, "min_free_mb": 64, "checkpoint_secs": 1,
                        **(storage or {})},
            # The HTTP API on loopback when a test asks for it (api_port), else disabled.
            "api": ({"listen": "127.0.0.1", "port": api_port, "auth": auth} if api_port
                    else {"enabled": False}),
        }
        if ingest:
            self.config["ingest"] = dict(ingest)
        if cameras:
            self.config["cameras"] = list(cameras)
        self.config_path = os.path.join(tmp, "nightjar.toml")
        if use_config:
            with open(self.config_path, "w") as f:
                f.write(toml_text(self.config))
            self.args = ["--config", self.config_path]
        self.status_path = os.path.join(self.data, "status.json")
        self.proc = None
        self.log = None
        if start:
            self.start()

    def start(self):
        """(Re)starts the recorder on the same config and data directory."""
        assert self.proc is None or self.proc.poll() is not None
        if self.log:
            self.log.close()
        self.log = tempfile.NamedTemporaryFile(prefix="nightjar-run-", suffix=".log", dir=self.tmp,
                                               delete=False)
        self.proc = subprocess.Popen([BIN, "run", *self.args],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=self.own_group)
        return self

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def status(self):
        """The status.json this process published, or None (none yet, or a previous process')."""
        try:
            with open(self.status_path) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return None
        return doc if doc.get("pid") == self.proc.pid else None

    def stream(self, camera, kind="main", status=None):
        """One stream's entry of status.json, or None."""
        status = status or self.status()
        if status is None:
            return None
        for s in status["streams"]:
            if s["camera"] == camera and s["stream"] == kind:
                return s
        return None

    def wait(self, predicate, what, timeout=60.0):
        """Polls status.json until predicate(status) is true; returns that status. Fails with the
        last status and the log if the deadline passes or the recorder exits."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"nightjar run exited ({self.proc.returncode}) while waiting "
                                     f"for {what}:\n{self.output()[-3000:]}")
            st = self.status()
            if st is not None:
                last = st
                if predicate(st):
                    return st
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}; last status:\n"
                             f"{json.dumps(last, indent=1)[-4000:]}\nlog:\n{self.output()[-3000:]}")

    def wait_streaming(self, streams, timeout=60.0):
        """Waits until every (camera, kind) in `streams` is "streaming" with frames received."""
        def ok(st):
            for cam, kind in streams:
                s = self.stream(cam, kind, st)
                if s is None or s["state"] != "streaming" or s["frames"] == 0:
                    return False
            return True
        return self.wait(ok, f"{streams} streaming", timeout)

    def terminate(self, timeout=30.0):
        """SIGTERM and wait; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"nightjar run did not stop on SIGTERM:\n{self.output()[-3000:]}")

    def stop_like_systemd(self, signo, group_signo, timeout_stop_secs):
        """Stops the daemon as `timeout`, shells and systemd do: `signo` to the process and
        `group_signo` to its process group at once (needs own_group), then SIGKILL if it is still
        running after `timeout_stop_secs`. Returns the exit code (-9 when it had to be killed).
        (The kernel merges a pending signal with a second one of the same number, so only
        different numbers are sure to arrive twice.)"""
        assert self.own_group
        self.proc.send_signal(signo)
        os.killpg(self.proc.pid, group_signo)
        try:
            return self.proc.wait(timeout_stop_secs)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait()

    def list(self, camera, stream="main"):
        return list_json(self.data, camera, stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()


def export(data, camera, start, end, out, stream="main"):
    """`nightjar export` of [start, end) (ISO 8601 strings, as `list --json` prints them)."""
    p = nightjar("export", "--data", data, "--camera", camera, "--stream", stream,
                 "--from", start, "--to", end, "-o", out)
    if p.returncode != 0:
        raise AssertionError(f"export {camera} {start}..{end} failed ({p.returncode}):\n"
                             f"{p.stderr}")
    return out


def video_packets(path):
    """Every video packet of `path` in decode order: dicts of size, key, pts and dts (seconds)."""
    p = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "packet=size,flags,pts_time,dts_time", "-of", "json", path])
    return [{"size": int(k["size"]), "key": k["flags"].startswith("K"),
             "pts": float(k["pts_time"]), "dts": float(k["dts_time"])}
            for k in json.loads(p.stdout)["packets"]]


def assert_same_frames(recorded, clip, fps):
    """`recorded` (an .mp4) holds the (looping) clip's access units in order from some point:
    the same size for every non-key frame, key frames where the clip has them (they may carry
    parameter sets a payloader repeated in-band, so may be larger), and the same presentation
    order (pts - dts in frames, relative to the first packet: B-frames put back in place).
    Returns the clip frame the recording starts at; raises AssertionError."""
    got, want = video_packets(recorded), video_packets(clip)
    n = len(want)
    if not got:
        raise AssertionError(f"{recorded} holds no video")
    offset = next((o for o in range(n) if all(
        g["size"] == want[(o + i) % n]["size"] for i, g in enumerate(got) if not g["key"])), None)
    if offset is None:
        raise AssertionError(f"{recorded}: its frames match no position of {clip}: "
                             f"{[g['size'] for g in got[:12]]}...")

    def reorder(pkts, i, first):
        return round((pkts[i]["pts"] - pkts[i]["dts"]) * fps) - first

    g0 = round((got[0]["pts"] - got[0]["dts"]) * fps)
    w0 = round((want[offset]["pts"] - want[offset]["dts"]) * fps)
    for i, g in enumerate(got):
        w = want[(offset + i) % n]
        if g["key"] != w["key"] or g["size"] < w["size"]:
            raise AssertionError(f"{recorded} frame {i}: {g} vs the clip's frame "
                                 f"{(offset + i) % n}: {w}")
        if reorder(got, i, g0) != reorder(want, (offset + i) % n, w0):
            raise AssertionError(f"{recorded} frame {i}: presentation order differs: {g} vs the "
                                 f"clip's frame {(offset + i) % n}: {w}")
    return offset
