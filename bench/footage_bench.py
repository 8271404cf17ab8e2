#!/usr/bin/python3
"""footage_bench: `nightjar run` and the CLI on a data directory made by footage_gen (a year of
16 cameras), against the targets of bench/README.md "footage_gen". One `nightjar fakecam` serves
the cameras (main and sub, as in the data directory); then:

  1. start: `nightjar run` from exec to its first recorded frame (the first WRITING row, inserted
     when a recording opens with its first frame queued), to /api/health answering, and until
     every stream has recorded frames;
  2. `nightjar status` (offline CLI) wall time, while `run` records;
  3. GET /api/cameras/{id}/days and one day's runs (/recordings?from=&to= for 24 h), curl's time
     to the last byte, on cam1 (real footage) and cam2 (sparse);
  4. a 24 h export's first byte: view.mp4 and export?format=ts, cam1;
  5. seek anywhere in 30 days: view.mp4 from a random instant of cam1's last 30 days to 30 min
     later (what the web UI's camera view asks for), first byte, p50/p95;
  6. retention: `run` restarted with cam2's retain_days lowered by one; how long the day's
     deletion takes, the longest /api/status answer meanwhile (it takes the database lock), frames
     shed, and afterwards the longest gap between consecutive recordings of any stream;
  7. `nightjar check` (no --hash) wall time and peak RSS (/usr/bin/time -v), with `run` stopped;
     the database's size per recording row.

Nothing is asserted; prints the figures. Every child is stopped on exit.

usage: /usr/bin/python3 bench/footage_bench.py --data DIR [--bin build/nightjar]
       [--clips build/clips] [--cameras 16] [--days 365] [--samples 50]
"""
import argparse
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchutil  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ms(x):
    return f"{x * 1000:.1f} ms"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def curl(url, extra=()):
    """(first byte, total) seconds of one GET."""
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                          "%{http_code} %{time_starttransfer} %{time_total}", *extra, url],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[0] not in ("200", "206"):
        raise RuntimeError(f"{url}: HTTP {out[0]}")
    return float(out[1]), float(out[2])


def write_config(path, data, rtsp_port, api_port, cameras, days, cam2_days=None):
    lines = ["[storage]", f'base_path = "{data}"', "min_free_mb = 64", "",
             "[api]", 'listen = "127.0.0.1"', f"port = {api_port}", "auth = false", ""]
    for k in range(1, cameras + 1):
        keep = cam2_days if (k == 2 and cam2_days) else days + 1
        lines += ["[[cameras]]", f'id = "cam{k}"',
                  f'url = "rtsp://127.0.0.1:{rtsp_port}/cam{k}/main"',
                  f'sub_url = "rtsp://127.0.0.1:{rtsp_port}/cam{k}/sub"',
                  f"retain_bytes = {1 << 50}", f"retain_days = {keep}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


class Run:
    def __init__(self, args, config, api_port, log):
        self.args, self.api = args, f"http://127.0.0.1:{api_port}"
        self.t0 = time.monotonic()
        self.proc = benchutil.spawn([args.bin, "run", "--config", config], stdout=log,
                                    stderr=subprocess.STDOUT)

    def get(self, path, timeout=30):
        with urllib.request.urlopen(self.api + path, timeout=timeout) as r:
            return r.read()

    def json(self, path):
        return json.loads(self.get(path))

    def stop(self):
        t = time.monotonic()
        benchutil.stop([self.proc], sig=signal.SIGINT, timeout=60)
        return time.monotonic() - t


def start_phase(args, run, db_path, writing_before):
    """Seconds from exec to the first new WRITING row, to /api/health, to every stream recording."""
    ro = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    first_row = health = None
    while time.monotonic() - run.t0 < 60:
        if run.proc.poll() is not None:
            raise RuntimeError("nightjar run exited")
        if first_row is None:
            n = ro.execute("SELECT count(*) FROM recording WHERE state = 0 AND state <> 1 "
                           "AND composite_id NOT IN (%s)" % ",".join(map(str, writing_before or
                                                                        [0]))).fetchone()[0]
            if n:
                first_row = time.monotonic() - run.t0
        if health is None:
            try:
                run.get("/api/health", timeout=1)
                health = time.monotonic() - run.t0
            except OSError:
                pass
        if first_row is not None and health is not None:
            break
        time.sleep(0.005)
    ro.close()
    while time.monotonic() - run.t0 < 120:
        st = run.json("/api/status")
        streams = [s for c in st["cameras"] for s in c["streams"]]
        if streams and all(s.get("frames_recorded", 0) > 0 for s in streams):
            break
        time.sleep(0.2)
    return first_row, health, time.monotonic() - run.t0


def timed(fn, n):
    xs = [fn(i) for i in range(n)]
    return statistics.median(xs), max(xs)


def http_phase(args, run, now):
    res = {}
    for cam in ("cam1", "cam2"):
        res[f"days {cam}"] = timed(lambda i: curl(f"{run.api}/api/cameras/{cam}/days")[1], 7)
        day = lambda i: now - 86400 * (3 + 7 * i)  # noqa: E731
        res[f"one day's runs {cam}"] = timed(lambda i: curl(
            f"{run.api}/api/cameras/{cam}/recordings?from={iso(day(i))}&to={iso(day(i) + 86400)}")
            [1], 7)
    def view(i):  # the first 64 KiB of the .mp4 (its moov): first byte without 24 h of data
        start = now - 86400 - 3600 - 600 * i
        return curl(f"{run.api}/api/cameras/cam1/view.mp4?from={iso(start)}"
                    f"&to={iso(start + 86400)}", ["-r", "0-65535"])[0]

    def ts(i):
        start = now - 86400 - 3600 - 600 * i - 300
        return ttfb_only(f"{run.api}/api/export?camera=cam1&from={iso(start)}"
                         f"&to={iso(start + 86400)}")
    res["24 h export first byte (view.mp4)"] = timed(view, 5)
    res["24 h export first byte (.ts)"] = timed(ts, 5)
    return res


def ttfb_only(url):
    """First byte of a chunked response, reading only its start."""
    t = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read(1)
        return time.monotonic() - t


def seek_phase(args, run, now):
    rnd = random.Random(15)
    xs = []
    for _ in range(args.samples):
        t = now - 3600 - rnd.uniform(0, 30 * 86400 - 7200)
        url = (f"{run.api}/api/cameras/cam1/view.mp4?from={iso(t)}&to={iso(t + 1800)}")
        xs.append(curl(url, ["-r", "0-65535"])[0])
    # One of them, decoded: real video at an old instant.
    t = now - 20 * 86400 - 1234
    tmp = tempfile.NamedTemporaryFile(suffix=".mp4", delete=False)
    subprocess.run(["curl", "-sS", "-o", tmp.name,
                    f"{run.api}/api/cameras/cam1/view.mp4?from={iso(t)}&to={iso(t + 10)}"],
                   check=True)
    frames = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                             tmp.name], capture_output=True, text=True).stdout.strip()
    os.unlink(tmp.name)
    return statistics.median(xs), pct(xs, 95), max(xs), frames


def retention_phase(args, run, expected):
    """Polls /metrics and /api/status until `expected` recordings are deleted."""
    t0 = time.monotonic()
    worst_status = 0.0
    shed0 = None
    deleted = 0
    while time.monotonic() - t0 < 300:
        t = time.monotonic()
        st = run.json("/api/status")
        worst_status = max(worst_status, time.monotonic() - t)
        shed = sum(s.get("frames_shed", 0) for c in st["cameras"] for s in c["streams"])
        shed0 = shed if shed0 is None else shed0
        m = re.search(rb"^nightjar_retention_deleted_recordings_total (\d+)",
                      run.get("/metrics"), re.M)
        deleted = int(m.group(1)) if m else 0
        if deleted >= expected:
            break
        time.sleep(0.1)
    return time.monotonic() - t0, deleted, worst_status, shed - shed0


def longest_gap(db_path, open_id):
    c = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    worst = 0
    for (stream,) in c.execute("SELECT id FROM stream"):
        rows = c.execute("SELECT start_90k, wall_duration_90k FROM recording WHERE stream_id = ? "
                         "AND open_id = ? ORDER BY start_90k", (stream, open_id)).fetchall()
        for a, b in zip(rows, rows[1:]):
            worst = max(worst, b[0] - (a[0] + a[1]))
    c.close()
    return worst / 90000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--bin", default="build/nightjar")
    ap.add_argument("--clips", default="build/clips")
    ap.add_argument("--cameras", type=int, default=16)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--no-check", action="store_true", help="skip `nightjar check` (minutes)")
    args = ap.parse_args()
    db_path = os.path.join(args.data, "nightjar.db")
    work = tempfile.mkdtemp(prefix="footage-bench-")
    log = open(os.path.join(work, "run.log"), "w")
    rtsp, api = benchutil.free_port(), benchutil.free_port()
    fake = benchutil.spawn([args.bin, "fakecam", "--cameras", str(args.cameras), "--port",
                            str(rtsp), "--clip", os.path.join(args.clips, "main.mp4"),
                            "--clip", os.path.join(args.clips, "sub.mp4")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config = os.path.join(work, "nightjar.toml")
    write_config(config, os.path.abspath(args.data), rtsp, api, args.cameras, args.days)
    try:
        benchutil.wait_port(rtsp)
        rows = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True).execute(
            "SELECT count(*) FROM recording").fetchone()[0]
        print(f"data: {rows} recordings, database {os.path.getsize(db_path) / 1e6:.0f} MB = "
              f"{os.path.getsize(db_path) / rows:.0f} B per row")
        run = Run(args, config, api, log)
        first, health, all_rec = start_phase(args, run, db_path, [])
        print(f"start: first recorded frame {ms(first)}, /api/health {ms(health)}, every stream "
              f"recording {all_rec:.1f} s")
        xs = []
        for _ in range(5):
            t = time.monotonic()
            subprocess.run([args.bin, "status", "--config", config], check=True,
                           stdout=subprocess.DEVNULL)
            xs.append(time.monotonic() - t)
        print(f"nightjar status: median {ms(statistics.median(xs))}, max {ms(max(xs))}")
        now = time.time()
        for what, (med, worst) in http_phase(args, run, now).items():
            print(f"{what}: median {ms(med)}, max {ms(worst)}")
        p50, p95, worst, frames = seek_phase(args, run, now)
        print(f"seek in 30 days ({args.samples} samples, view.mp4 first byte): p50 {ms(p50)}, "
              f"p95 {ms(p95)}, max {ms(worst)}; 10 s at 20 days ago decodes {frames} frames")
        print(f"stop after SIGINT: {run.stop():.2f} s")

        write_config(config, os.path.abspath(args.data), rtsp, api, args.cameras, args.days,
                     cam2_days=args.days - 1)
        before = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True).execute(
            "SELECT count(*) FROM recording WHERE stream_id IN (SELECT s.id FROM stream s JOIN "
            "camera c ON c.id = s.camera_id WHERE c.short_name = 'cam2') AND start_90k + "
            f"wall_duration_90k <= {int((time.time() - (args.days - 1) * 86400) * 90000)}"
        ).fetchone()[0]
        run = Run(args, config, api, log)
        first, _, _ = start_phase(args, run, db_path, [])
        secs, deleted, worst_status, shed = retention_phase(args, run, before)
        time.sleep(10)
        open_id = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True).execute(
            "SELECT max(id) FROM open").fetchone()[0]
        print(f"retention of cam2's oldest day ({before} recordings due): {deleted} deleted in "
              f"{secs:.1f} s; longest /api/status meanwhile {ms(worst_status)}; frames shed "
              f"{shed}; (restart: first recorded frame {ms(first)})")
        print(f"stop after SIGINT: {run.stop():.2f} s")
        print(f"longest gap between recordings of one stream in that run: "
              f"{longest_gap(db_path, open_id):.3f} s")

        if not args.no_check:
            out = subprocess.run(["/usr/bin/time", "-v", args.bin, "check", "--config", config],
                                 capture_output=True, text=True)
            wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", out.stderr).group(1)
            rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                out.stderr).group(1))
            print(f"nightjar check: {out.stdout.strip().splitlines()[-1]}; wall {wall}, "
                  f"peak RSS {rss / 1024:.0f} MB")
        size = os.path.getsize(db_path)
        rows = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True).execute(
            "SELECT count(*) FROM recording").fetchone()[0]
        print(f"database: {size / 1e6:.0f} MB, {rows} rows, {size / rows:.0f} B per row")
    finally:
        benchutil.stop(list(benchutil.CHILDREN))
        log.close()
        print(f"(logs in {work})")


if __name__ == "__main__":
    main()
