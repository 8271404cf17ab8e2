"""Benchmark: `nightjar run`'s HTTP API under load while it records N cameras, against simple peers
run side by side in the same run, and a check that the recording lost nothing meanwhile.

usage: /usr/bin/python3 bench/http_load.py [--cameras 8] [--record-seconds 40] [--range-seconds 30]
                                           [--clients 1,4,16] [--wrk-seconds 10] [--wrk-threads 2]
                                           [--wrk-connections 32] [--bin build/nightjar]
                                           [--repeat 3] [--clips-dir DIR] [--data-dir DIR]
                                           [--no-peer] [--json FILE]

One `nightjar fakecam --cameras N` serves /camK/main (1080p30 H.264, ~4.1 Mbit/s) and /camK/sub;
one `nightjar run` records all of them (main + sub) and serves the API on a loopback port. Then:
  1. wrk (keep-alive) on GET /api/status, /api/health, and cam1's timeline
     (/api/cameras/cam1/recordings) and days (/api/cameras/cam1/days): requests/s, latency
     p50/p99 (from a wrk Lua script), the server's CPU; the peer is Python's http.server
     (HTTP/1.1, TCP_NODELAY, no access log) serving static files holding the same bytes;
  2. once --record-seconds of video exist: rounds of 1, 4, 16 curl clients downloading at once a
     --range-seconds range as .ts (`/api/export`), all the same range or each another (camera,
     start); aggregate MB/s, time to first byte, nightjar's CPU; every download is checked (HTTP
     200, complete, non-empty, same size for the same range) and one .ts and one .mp4 go through
     ffprobe. The peer: as many `ffmpeg -i RANGE.mp4 -c copy -f mpegts pipe:1` at once, reading
     view.mp4 files of the same ranges (downloaded first, not timed) from the page cache. Each
     round runs --repeat times, interleaved; MB/s is the median round's;
  3. one round of `export?format=mp4` (same range) and one of `view.mp4` (different ranges), no
     peer;
  4. before and after all of that, /api/status per stream: frames_shed and reconnects must stay,
     frames_recorded must follow frames received and grow at the clip's frame rate; /api/list
     must show one run and no gap. Prints PASS/FAIL and exits 1 on FAIL.
Everything goes to a fresh directory under --data-dir (default $TMPDIR or /tmp), removed at the
end, also on Ctrl-C; every child process is stopped.
"""
import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from benchutil import (CHILDREN, count_log_warnings, finished, free_port, spawn, stop,
                       wait_port)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")

# wrk calls done() once at the end; the line is parsed below (latencies in microseconds).
WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d "
    .. "status=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


# The peer for the small endpoints: http.server's static files, made fair for a keep-alive load
# test (HTTP/1.1, TCP_NODELAY: without it each small reply waits ~40 ms for a delayed ACK; no
# access log, as nightjar logs none at its default level). argv: directory, port.
PEER_SERVER = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])),
                                functools.partial(Handler, directory=sys.argv[1])).serve_forever()
"""


# --- processes ---------------------------------------------------------------------------------

def cpu_secs(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- nightjar run and its API ------------------------------------------------------------------

class Api:
    def __init__(self, port, proc):
        self.base = f"http://127.0.0.1:{port}"
        self.proc = proc

    def get(self, path):
        if self.proc.poll() is not None:
            raise RuntimeError(f"nightjar run exited with status {self.proc.returncode}")
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return r.read()

    def json(self, path):
        return json.loads(self.get(path))


def write_config(path, data, rtsp_port, api_port, cameras):
    lines = ["[storage]", f'base_path = "{data}"', "min_free_mb = 64", "",
             "[api]", 'listen = "127.0.0.1"', f"port = {api_port}", ""]
    for k in range(1, cameras + 1):
        lines += ["[[cameras]]", f'id = "cam{k}"',
                  f'url = "rtsp://127.0.0.1:{rtsp_port}/cam{k}/main"',
                  f'sub_url = "rtsp://127.0.0.1:{rtsp_port}/cam{k}/sub"', ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def streams_of(status):
    """{"camK/main": stream entry} from a GET /api/status document."""
    return {f"{c['id']}/{s['kind']}": s for c in status["cameras"] for s in c["streams"]}


def wait_until(what, pred, timeout, every=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(every)
    raise TimeoutError(f"{what}: not reached after {timeout:.0f} s")


def aligned_sample(api, timeout=20):
    """Per stream, its counters at the first poll (10 per second) after its frames_recorded moved.
    The status refreshes frames_recorded and frames_shed about every 5 s per stream while
    `frames` counts live: sampling right after a refresh compares them at (nearly) one instant."""
    prev, got = None, {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = api.json("/api/status")
        cur = streams_of(st)
        for key, s in cur.items():
            if prev and key not in got and s["frames_recorded"] != prev[key]["frames_recorded"]:
                got[key] = dict(s, t=st["now_90k"] / 90000)
        if prev and len(got) == len(cur):
            return got
        prev = cur
        time.sleep(0.1)
    raise TimeoutError(f"frames_recorded did not move on every stream within {timeout} s")


def fmt_time(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))


def clip_fps(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=r_frame_rate", "-of", "csv=p=0", path],
                         capture_output=True, text=True).stdout.strip()
    num, _, den = out.partition("/")
    return float(num) / float(den or 1)


# --- wrk ---------------------------------------------------------------------------------------

def run_wrk(args, url, lua, pid):
    """wrk on one URL; requests/s, latency percentiles (ms), errors and `pid`'s CPU (% of one
    core) over the run."""
    c0, t0 = cpu_secs(pid), time.monotonic()
    p = spawn(["wrk", f"-t{args.wrk_threads}", f"-c{args.wrk_connections}",
               f"-d{args.wrk_seconds}s", "-s", lua, url],
              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = p.communicate(timeout=args.wrk_seconds + 60)
    finished(p)
    cpu = 100 * (cpu_secs(pid) - c0) / (time.monotonic() - t0)
    line = next((x for x in out.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk {url} printed no result:\n{out}")
    v = {k: int(x) for k, x in (f.split("=") for f in line.split()[1:])}
    errors = sum(v[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {"rps": v["requests"] / (v["duration_us"] / 1e6), "requests": v["requests"],
            "p50_ms": v["p50_us"] / 1e3, "p90_ms": v["p90_us"] / 1e3, "p99_ms": v["p99_us"] / 1e3,
            "max_ms": v["max_us"] / 1e3, "errors": errors, "cpu_pct": cpu,
            "bytes_per_req": v["bytes"] / max(v["requests"], 1)}


# --- export rounds -----------------------------------------------------------------------------

CURL_FMT = "%{http_code} %{size_download} %{time_starttransfer} %{time_total}"


def curl_round(urls, pid, keep=None):
    """All `urls` downloaded at once by one curl each (to /dev/null; the first to `keep` if
    given). Its clients' results, the round's wall time and `pid`'s CPU over it."""
    c0, t0 = cpu_secs(pid), time.monotonic()
    procs = [spawn(["curl", "-sS", "--max-time", "120", "-o", keep if i == 0 and keep else
                    "/dev/null", "-w", CURL_FMT, u], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True) for i, u in enumerate(urls)]
    clients = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        finished(p)
        code, size, ttfb, total = (out.split() + ["0"] * 4)[:4]
        clients.append({"rc": p.returncode, "http": int(code), "bytes": int(size),
                        "ttfb_s": float(ttfb), "total_s": float(total), "err": err.strip()})
    wall = time.monotonic() - t0
    return {"clients": clients, "wall_s": wall, "cpu_s": cpu_secs(pid) - c0}


def ffmpeg_round(inputs):
    """One `ffmpeg -c copy -f mpegts` per input, all at once, each read from a pipe here (so its
    first byte is seen). CPU: the ffmpeg processes' (children reaped during the round)."""
    c0, t0 = children_cpu(), time.monotonic()
    clients = []

    def drain(p, rec):
        while True:
            b = os.read(p.stdout.fileno(), 1 << 20)
            if not b:
                break
            if not rec["bytes"]:
                rec["ttfb_s"] = time.monotonic() - rec["t0"]
            rec["bytes"] += len(b)
        rec["err"] = p.stderr.read().decode(errors="replace").strip()
        rec["rc"] = p.wait()
        rec["total_s"] = time.monotonic() - rec["t0"]

    threads = []
    for f in inputs:
        rec = {"bytes": 0, "ttfb_s": 0.0, "http": 200, "t0": time.monotonic()}
        p = spawn(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", f, "-c",
                   "copy", "-f", "mpegts", "pipe:1"], stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE)
        th = threading.Thread(target=drain, args=(p, rec), daemon=True)
        th.start()
        threads.append((th, p))
        clients.append(rec)
    for th, p in threads:
        th.join()
        finished(p)
    return {"clients": clients, "wall_s": time.monotonic() - t0, "cpu_s": children_cpu() - c0}


def median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


def combine(rounds):
    """Repeats of one round: the median round's aggregate MB/s (all clients' bytes over the
    round's wall time) and CPU, first byte over every client of every repeat, and checks."""
    clients = [c for r in rounds for c in r["clients"]]
    ttfb = sorted(c["ttfb_s"] for c in clients)
    bad = [c for c in clients if c["rc"] != 0 or c["http"] != 200 or c["bytes"] == 0]
    return {"n": len(rounds[0]["clients"]), "repeats": len(rounds),
            "mb_s": median(sum(c["bytes"] for c in r["clients"]) / r["wall_s"] / 1e6
                           for r in rounds),
            "cpu_pct": median(100 * r["cpu_s"] / r["wall_s"] for r in rounds),
            "mb_per_client": sum(c["bytes"] for c in clients) / len(clients) / 1e6,
            "ttfb_p50_ms": 1e3 * median(ttfb), "ttfb_max_ms": 1e3 * ttfb[-1],
            "sizes": sorted({c["bytes"] for c in clients}), "failed": len(bad),
            "clients": len(clients),
            "first_error": next((f"rc {c['rc']} http {c['http']} {c['err']}" for c in bad), None)}


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                          "-show_entries", "stream=codec_name,width,height,nb_read_packets:"
                          "format=format_name,duration", "-of", "json", path],
                         capture_output=True, text=True)
    try:
        j = json.loads(out.stdout)
        s = j["streams"][0]
        return {"codec": s["codec_name"], "size": f"{s['width']}x{s['height']}",
                "packets": int(s["nb_read_packets"]), "format": j["format"]["format_name"],
                "duration_s": float(j["format"]["duration"])}
    except (ValueError, KeyError, IndexError):
        return {"error": out.stderr.strip() or "no video stream"}


# --- the benchmark -----------------------------------------------------------------------------

class Ranges:
    """The ranges the export rounds ask for: the same one for every client, or client i its own
    (camera i mod N, start spread over the recorded span)."""

    def __init__(self, base, range_s, max_off, cameras):
        self.base, self.range_s, self.max_off, self.cameras = base, range_s, max_off, cameras

    def same(self, n):
        return [("cam1", self.base)] * n

    def different(self, n):
        return [(f"cam{i % self.cameras + 1}", self.base + i * self.max_off // max(n - 1, 1))
                for i in range(n)]

    def query(self, cam, start):
        return f"from={fmt_time(start)}&to={fmt_time(start + self.range_s)}"


def choose_ranges(api, args):
    """Waits until every main stream has --record-seconds recorded; the ranges start 1 s after
    the latest first recording and fit in every camera's recorded span."""
    def ready():
        st = [s for s in api.json("/api/status")["storage"]["streams"] if s["stream"] == "main"]
        if len(st) < args.cameras or any(
                s["newest_end_90k"] - s["oldest_start_90k"] < args.record_seconds * 90000
                for s in st):
            return None
        base = math.ceil(max(s["oldest_start_90k"] for s in st) / 90000) + 1
        room = math.floor(min(s["newest_end_90k"] for s in st) / 90000) - base - args.range_seconds
        return (base, room) if room >= 0 else None

    base, room = wait_until(f"{args.record_seconds} s recorded on every main stream", ready,
                            timeout=args.record_seconds + 60, every=0.5)
    return Ranges(base, args.range_seconds, room, args.cameras)


WRK_PATHS = ("/api/status", "/api/health", "/api/cameras/cam1/recordings",
             "/api/cameras/cam1/days")


def http_phase(args, api, work, results):
    lua = os.path.join(work, "report.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)
    peer = None
    if not args.no_peer:
        root = os.path.join(work, "static")
        for path in WRK_PATHS:
            os.makedirs(os.path.dirname(root + path), exist_ok=True)
            with open(root + path, "wb") as f:
                f.write(api.get(path))
        port = free_port()
        peer = spawn(["/usr/bin/python3", "-c", PEER_SERVER, root, str(port)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
    try:
        for path in WRK_PATHS:
            r = {"nightjar": run_wrk(args, f"{api.base}{path}", lua, api.proc.pid)}
            print_wrk(path, "nightjar", r["nightjar"])
            if peer:
                r["peer"] = run_wrk(args, f"http://127.0.0.1:{port}{path}", lua, peer.pid)
                print_wrk(path, "http.server", r["peer"])
            results["http"][path] = r
    finally:
        if peer:
            stop([peer])


def export_phase(args, api, pid, work, ranges, results):
    peer_dir = os.path.join(work, "peer")
    os.makedirs(peer_dir)
    clients = [int(x) for x in args.clients.split(",")]
    rounds = [(kind, n, getattr(ranges, kind)(n)) for kind in ("same", "different")
              for n in clients]

    def peer_file(cam, start):
        return os.path.join(peer_dir, f"{cam}-{start}.mp4")

    # Not timed: the peer's input files (view.mp4 of each range), then one .ts export, so that
    # the first round does not pay for the first export after the start.
    if not args.no_peer:
        for cam, start in sorted({pair for _, _, pairs in rounds for pair in pairs}):
            with open(peer_file(cam, start), "wb") as f:
                f.write(api.get(f"/api/cameras/{cam}/view.mp4?{ranges.query(cam, start)}"))
    cam, start = ranges.same(1)[0]
    warm = combine([curl_round([f"{api.base}/api/export?camera={cam}&"
                                f"{ranges.query(cam, start)}"], pid)])
    results["first_export_ttfb_ms"] = warm["ttfb_p50_ms"]
    print(f"  first .ts export (not timed): first byte after {warm['ttfb_p50_ms']:.1f} ms",
          flush=True)
    n = max(clients)
    rounds += [("mp4 same", n, ranges.same(n)), ("view.mp4 diff", n, ranges.different(n))]
    paths = {"same": "/api/export?camera={cam}&{q}", "different": "/api/export?camera={cam}&{q}",
             "mp4 same": "/api/export?camera={cam}&{q}&format=mp4",
             "view.mp4 diff": "/api/cameras/{cam}/view.mp4?{q}"}
    kept = {"same": os.path.join(work, "kept.ts"), "mp4 same": os.path.join(work, "kept.mp4")}
    # Repeats interleaved (every round once, then again), ours and the peer's back to back, so
    # that a busy moment of the machine or a checkpoint does not fall on one kind of round only.
    runs = {i: {"nightjar": [], "peer": []} for i in range(len(rounds))}
    for rep in range(args.repeat):
        for i, (kind, n, pairs) in enumerate(rounds):
            urls = [api.base + paths[kind].format(cam=cam, q=ranges.query(cam, s))
                    for cam, s in pairs]
            keep = kept.get(kind) if rep == 0 else None
            runs[i]["nightjar"].append(curl_round(urls, pid, keep=keep))
            if not args.no_peer and kind in ("same", "different"):
                runs[i]["peer"].append(ffmpeg_round([peer_file(cam, s) for cam, s in pairs]))
    for i, (kind, n, _) in enumerate(rounds):
        row = {"what": f".ts {kind}" if kind in ("same", "different") else kind, "n": n,
               "same": kind.endswith("same"), "nightjar": combine(runs[i]["nightjar"])}
        if runs[i]["peer"]:
            row["peer"] = combine(runs[i]["peer"])
        print_export(row)
        results["exports"].append(row)
    kept_ts, kept_mp4 = kept["same"], kept["mp4 same"]
    results["probe"] = {"ts": probe(kept_ts), "mp4": probe(kept_mp4)}


def check_recording(before, after, fps, lists):
    """Per stream: what changed between the two aligned samples; `ok` False if anything was
    lost. Tolerances: the 0.1 s sampling (frames keep counting between a refresh and its poll)."""
    rows = []
    for key in sorted(before, key=lambda k: (int(k.split("/")[0][3:]), k)):
        a, b = before[key], after.get(key)
        if b is None:
            rows.append({"stream": key, "ok": False, "why": "missing after the load"})
            continue
        kind = key.split("/")[1]
        dt = b["t"] - a["t"]
        recorded = b["frames_recorded"] - a["frames_recorded"]
        received = b["frames"] - a["frames"]
        unrecorded = received - recorded
        r = {"stream": key, "fps": fps[kind], "seconds": dt, "received": received,
             "recorded": recorded, "rate": recorded / dt / fps[kind], "unrecorded": unrecorded,
             "shed": b["frames_shed"] - a["frames_shed"],
             "reconnects": b["reconnects"] - a["reconnects"], "state": b["state"],
             "runs": len(lists[key]["runs"]), "gaps": len(lists[key]["gaps"])}
        why = []
        if r["shed"]:
            why.append(f"{r['shed']} frames shed")
        if r["reconnects"]:
            why.append(f"{r['reconnects']} reconnects")
        if r["state"] != "streaming":
            why.append(f"state {r['state']}")
        if unrecorded > max(3, fps[kind] * 0.3):
            why.append(f"{unrecorded} frames received but not recorded")
        if r["rate"] < 0.98:
            why.append(f"recorded at {100 * r['rate']:.1f} % of {fps[kind]:g} fps")
        if r["runs"] != 1 or r["gaps"]:
            why.append(f"{r['runs']} runs, {r['gaps']} gaps")
        r["ok"], r["why"] = not why, "; ".join(why)
        rows.append(r)
    return rows


# --- output ------------------------------------------------------------------------------------

def print_wrk(path, server, r):
    print(f"  {path:<12} {server:<12} {r['rps']:>9.0f} req/s  p50 {r['p50_ms']:6.2f} ms  "
          f"p99 {r['p99_ms']:6.2f} ms  errors {r['errors']}  {r['bytes_per_req']:.0f} B/resp  "
          f"server CPU {r['cpu_pct']:.0f} %", flush=True)


def print_export(row):
    for side in ("nightjar", "peer"):
        r = row.get(side)
        if r:
            name = "nightjar" if side == "nightjar" else "ffmpeg -c copy"
            print(f"  {row['what']:<14} N={row['n']:<3} {name:<15} {r['mb_s']:8.1f} MB/s  "
                  f"first byte p50 {r['ttfb_p50_ms']:6.1f} / max {r['ttfb_max_ms']:6.1f} ms  "
                  f"{r['mb_per_client']:.1f} MB/client  "
                  f"{r['clients'] - r['failed']}/{r['clients']} ok  CPU {r['cpu_pct']:.0f} %",
                  flush=True)
            if r["first_error"]:
                print(f"    FAILED: {r['first_error']}")


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def print_summary(args, results, rows, ok_exports):
    print(f"\nsummary ({args.cameras} cameras recording main + sub; wrk -t{args.wrk_threads} "
          f"-c{args.wrk_connections} -d{args.wrk_seconds}s; {args.range_seconds} s ranges; "
          f"load average now {os.getloadavg()[0]:.2f}):")
    print(f"  {'HTTP (peer: http.server)':<28}{'nightjar req/s':>15}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'peer req/s':>12}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>8}")
    for name, r in results["http"].items():
        a, b = r["nightjar"], r.get("peer")
        peer = (f"{b['rps']:>12.0f}{b['p50_ms']:>8.2f}{b['p99_ms']:>8.2f}"
                f"{ratio(a['rps'], b['rps']):>8}") if b else f"{'-':>12}{'':>16}{'-':>8}"
        print(f"  {'GET ' + name.replace('/cameras/cam1', ''):<28}{a['rps']:>15.0f}{a['p50_ms']:>8.2f}{a['p99_ms']:>8.2f}"
              + peer)
    print(f"  {'export (MB/s: median round)':<28}{'nightjar MB/s':>14}{'TTFB p50/max ms':>17}"
          f"{'ok':>7}{'ffmpeg MB/s':>12}{'TTFB p50 ms':>12}{'ratio':>8}")
    for row in results["exports"]:
        a, b = row["nightjar"], row.get("peer")
        peer = (f"{b['mb_s']:>12.1f}{b['ttfb_p50_ms']:>12.1f}{ratio(a['mb_s'], b['mb_s']):>8}"
                if b else f"{'-':>12}{'-':>12}{'-':>8}")
        ttfb = f"{a['ttfb_p50_ms']:.1f} / {a['ttfb_max_ms']:.0f}"
        ok = f"{a['clients'] - a['failed']}/{a['clients']}"
        print(f"  {row['what'] + ' x' + str(row['n']):<28}{a['mb_s']:>14.1f}{ttfb:>17}{ok:>7}"
              + peer)
    for kind, p in results["probe"].items():
        print(f"  ffprobe one .{kind}: " + (", ".join(f"{k} {v}" for k, v in p.items())))
    lost = [r for r in rows if not r["ok"]]
    total_rec = sum(r.get("recorded", 0) for r in rows)
    secs = min(r.get("seconds", 0) for r in rows)
    print(f"  recording: {len(rows)} streams over {secs:.0f} s of load, {total_rec} frames "
          f"recorded, rate vs clip {min(r.get('rate', 0) for r in rows) * 100:.1f}-"
          f"{max(r.get('rate', 0) for r in rows) * 100:.1f} %, shed "
          f"{sum(r.get('shed', 0) for r in rows)}, reconnects "
          f"{sum(r.get('reconnects', 0) for r in rows)}, received-not-recorded "
          f"{sum(r.get('unrecorded', 0) for r in rows)}")
    print(f"{'PASS' if ok_exports else 'FAIL'}: every export complete and non-empty")
    print(f"{'PASS' if not lost else 'FAIL'}: no frames lost under load"
          + "".join(f"\n  {r['stream']}: {r['why']}" for r in lost), flush=True)


def print_streams(rows):
    print(f"  {'stream':<12}{'fps':>5}{'seconds':>9}{'received':>10}{'recorded':>10}{'rate':>8}"
          f"{'shed':>6}{'reconn':>8}{'unrec':>7}{'runs':>6}{'gaps':>6}")
    for r in rows:
        if "seconds" not in r:
            print(f"  {r['stream']:<12} {r['why']}")
            continue
        print(f"  {r['stream']:<12}{r['fps']:>5g}{r['seconds']:>9.1f}{r['received']:>10}"
              f"{r['recorded']:>10}{100 * r['rate']:>7.1f}%{r['shed']:>6}{r['reconnects']:>8}"
              f"{r['unrecorded']:>7}{r['runs']:>6}{r['gaps']:>6}")


def main():
    ap = argparse.ArgumentParser(description="nightjar run's HTTP API under load while it records "
                                 "(wrk, concurrent exports), against http.server and ffmpeg")
    ap.add_argument("--cameras", type=int, default=8)
    ap.add_argument("--record-seconds", type=int, default=40,
                    help="video recorded before the export rounds")
    ap.add_argument("--range-seconds", type=int, default=30, help="length of each export")
    ap.add_argument("--clients", default="1,4,16", help="concurrent export clients per round")
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--wrk-connections", type=int, default=32)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/nightjar"))
    ap.add_argument("--clips-dir", help="holds main.mp4 and sub.mp4 (default: beside --bin)")
    ap.add_argument("--data-dir", default=tempfile.gettempdir(),
                    help="a fresh directory is made (and removed) in it")
    ap.add_argument("--repeat", type=int, default=3, help="times each export round runs")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()
    missing = [t for t in ("wrk", "curl", "ffmpeg", "ffprobe") if not shutil.which(t)]
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (Debian packages wrk, curl, ffmpeg)")
    if args.record_seconds < args.range_seconds + 2:
        sys.exit("--record-seconds must be at least --range-seconds + 2")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin}: not found")
    clips = args.clips_dir or os.path.join(os.path.dirname(os.path.abspath(args.bin)), "clips")
    fps = {k: clip_fps(os.path.join(clips, f"{k}.mp4")) for k in ("main", "sub")}

    def on_term(signo, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="nightjar-http-", dir=args.data_dir)
    results = {"http": {}, "exports": []}
    code = 2
    try:
        # A private copy: the one binary serves the whole run even if it is rebuilt meanwhile.
        nj = os.path.join(work, "nightjar")
        shutil.copy2(args.bin, nj)
        print(f"nightjar {args.bin} (built {time.ctime(os.path.getmtime(args.bin))}); "
              f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; data under {work}",
              flush=True)
        rtsp_port, api_port = free_port(), free_port()
        spawn([nj, "fakecam", "--cameras", str(args.cameras), "--port", str(rtsp_port),
               "--clip", os.path.join(clips, "main.mp4"), os.path.join(clips, "sub.mp4")],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(rtsp_port)
        cfg, data = os.path.join(work, "nightjar.toml"), os.path.join(work, "data")
        write_config(cfg, data, rtsp_port, api_port, args.cameras)
        log_path = os.path.join(work, "run.log")
        with open(log_path, "w") as log:
            proc = spawn([nj, "run", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
        wait_port(api_port)
        api = Api(api_port, proc)
        n_streams = 2 * args.cameras
        wait_until("every stream streaming", lambda: (lambda s: len(s) == n_streams and all(
            x["state"] == "streaming" and x["frames"] > 0 for x in s.values()))(
                streams_of(api.json("/api/status"))), timeout=60)
        c0, t0 = cpu_secs(proc.pid), time.monotonic()
        before = aligned_sample(api)
        idle_cpu = 100 * (cpu_secs(proc.pid) - c0) / (time.monotonic() - t0)
        print(f"{n_streams} streams recording ({args.cameras} x main {fps['main']:g} fps + sub "
              f"{fps['sub']:g} fps); nightjar run CPU while only recording: {idle_cpu:.0f} % of "
              f"one core", flush=True)
        results["recording_only_cpu_pct"] = idle_cpu

        print(f"\nHTTP: wrk -t{args.wrk_threads} -c{args.wrk_connections} -d{args.wrk_seconds}s "
              f"(keep-alive); peer: Python's http.server (HTTP/1.1, TCP_NODELAY) serving the "
              "same bytes as static files")
        http_phase(args, api, work, results)

        ranges = choose_ranges(api, args)
        print(f"\nexports of {args.range_seconds} s from {fmt_time(ranges.base)} (different "
              f"ranges: camera i mod {args.cameras}, start + 0..{ranges.max_off} s); peer: "
              f"ffmpeg -i view.mp4 -c copy -f mpegts pipe:1 on the same ranges", flush=True)
        export_phase(args, api, proc.pid, work, ranges, results)

        after = aligned_sample(api)
        lists = {key: api.json(f"/api/list?camera={key.split('/')[0]}&stream={key.split('/')[1]}")
                 for key in after}
        rows = check_recording(before, after, fps, lists)
        print("\nrecording before vs after the load (GET /api/status, sampled right after each "
              "stream's frames_recorded refresh):")
        print_streams(rows)
        warnings, first = count_log_warnings(log_path)
        if warnings:
            print(f"  nightjar logged {warnings} warnings/errors; first: {first}")
        ok_exports = (all(r["nightjar"]["failed"] == 0 and (not r["same"] or
                                                            len(r["nightjar"]["sizes"]) == 1)
                          for r in results["exports"])
                      and all("error" not in p for p in results["probe"].values())
                      and results["probe"]["ts"]["packets"] >= fps["main"] * args.range_seconds
                      * 0.98)
        results["streams"] = rows
        print_summary(args, results, rows, ok_exports)
        code = 0 if ok_exports and all(r["ok"] for r in rows) else 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        code = 130
    finally:
        # nightjar run first (it is the one recording), then the rest.
        stop([p for p in CHILDREN if p.args[1:2] == ["run"]])
        stop(list(CHILDREN))
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(code)


if __name__ == "__main__":
    main()
