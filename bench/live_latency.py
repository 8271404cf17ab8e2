"""Benchmark: live latency from camera send to browser display, over the WebSocket fMP4 path and
over LL-HLS (hls.js), in headless Chromium.

usage: /usr/bin/python3 bench/live_latency.py [--bin build/nightjar] [--fakecam-bin BIN]
                                              [--web-dir DIR] [--clip main] [--clips-dir DIR]
                                              [--paths ws,hls]
                                              [--warmup 5] [--seconds 20] [--repeat 1]
                                              [--data-dir DIR] [--json FILE]

`nightjar fakecam` (from --fakecam-bin, default --bin: it must know `?stamp=1`) serves one
camera, /cam1/<clip>?stamp=1: every video frame carries the wall-clock time it was sent
(src/fakecam/stamp.h). `nightjar run` (--bin) records it (main stream only, authentication off
on loopback) and serves the web app. For each path, bench/live_latency.mjs opens the live page in
Chromium, reads the stamps from the bytes the page appends to Media Source Extensions and, for
every frame the compositor presents (requestVideoFrameCallback), takes display time - send time.
Prints median, p95 and max per path (of all frames measured over --repeat runs, each a fresh
browser) against the targets (WebSocket < 500 ms, LL-HLS < 1500 ms, median), and the playlist's
LL-HLS parameters. --bin can be an older build (the "before" figure) as long as --fakecam-bin
stamps; --web-dir sets `[api] web_dir` (the web build served; default: --bin's own web/dist).

Everything goes to a fresh directory under --data-dir (default $TMPDIR or /tmp), removed at the
end, also on Ctrl-C; every child process is stopped. Exit 1 when a path measured no frame.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from benchutil import CHILDREN, free_port, spawn, stop, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET_MS = {"ws": 500, "hls": 1500}
NAMES = {"ws": "WebSocket fMP4 (web app)", "hls": "LL-HLS (hls.js player page)"}


def write_config(path, data, rtsp_port, api_port, clip, web_dir, transport):
    web = [f'web_dir = "{os.path.abspath(web_dir)}"'] if web_dir else []
    lines = ["[storage]", f'base_path = "{data}"', "min_free_mb = 64", "",
             "[api]", 'listen = "127.0.0.1"', f"port = {api_port}", "auth = false", *web, "",
             "[[cameras]]", 'id = "cam1"', 'name = "Latency"',
             f'url = "rtsp://127.0.0.1:{rtsp_port}/cam1/{clip}?stamp=1"',
             f'transport = "{transport}"', ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.read()


def wait_streaming(base, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nightjar run exited with status {proc.returncode}")
        try:
            st = json.loads(get(base, "/api/status"))
            s = [x for c in st["cameras"] for x in c["streams"]]
            if s and all(x["state"] == "streaming" and x["frames"] > 0 for x in s):
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError("the camera is not streaming after 60 s")


def playlist_params(base):
    """EXT-X-SERVER-CONTROL and EXT-X-PART-INF of the live playlist (starts the segmenter)."""
    text = get(base, "/api/hls/cam1/live.m3u8").decode()
    keep = [ln for ln in text.splitlines()
            if ln.startswith(("#EXT-X-SERVER-CONTROL", "#EXT-X-PART-INF", "#EXT-X-TARGETDURATION"))]
    return " ".join(keep)


def measure(base, path, args):
    cmd = ["node", os.path.join(HERE, "live_latency.mjs"), base, "--camera", "cam1", "--path",
           path, "--warmup", str(args.warmup), "--seconds", str(args.seconds)]
    p = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=args.warmup + args.seconds + 180)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"path": path, "matched": 0, "errors": [p.stderr[-2000:] or "no output"]}


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, -(-p * len(xs) // 100) - 1))]


def main():
    ap = argparse.ArgumentParser(description="camera-send to browser-display latency of live "
                                 "view (WebSocket fMP4 and LL-HLS) in headless Chromium")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/nightjar"),
                    help="the nightjar that records and serves")
    ap.add_argument("--fakecam-bin", help="the nightjar whose fakecam stamps (default --bin)")
    ap.add_argument("--web-dir", help="the web build nightjar serves ([api] web_dir)")
    ap.add_argument("--clip", default="main", help="clip stem served as /cam1/<clip>")
    ap.add_argument("--clips-dir", help="default: beside --fakecam-bin, else build/clips")
    ap.add_argument("--paths", default="ws,hls")
    ap.add_argument("--transport", choices=["tcp", "udp"], default="tcp",
                    help="RTP transport from the camera")
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--repeat", type=int, default=1, help="runs per path, each a fresh browser")
    ap.add_argument("--data-dir", default=tempfile.gettempdir())
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()
    fakecam_bin = args.fakecam_bin or args.bin
    for b in (args.bin, fakecam_bin):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b}: not found")
    if not os.path.exists("/usr/bin/chromium") or shutil.which("node") is None:
        sys.exit("needs /usr/bin/chromium and node (and web/node_modules: tools/build_web.sh)")
    paths = [p for p in args.paths.split(",") if p]
    clips = args.clips_dir or os.path.join(os.path.dirname(os.path.abspath(fakecam_bin)), "clips")
    if not os.path.isdir(clips):
        clips = os.path.join(ROOT, "build/clips")

    def on_term(signo, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="nightjar-latency-", dir=args.data_dir)
    results = {"bin": args.bin, "fakecam_bin": fakecam_bin, "paths": {}}
    code = 2
    try:
        rtsp_port, api_port = free_port(), free_port()
        spawn([fakecam_bin, "fakecam", "--cameras", "1", "--port", str(rtsp_port),
               "--clip", os.path.join(clips, f"{args.clip}.mp4")],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(rtsp_port)
        cfg, data = os.path.join(work, "nightjar.toml"), os.path.join(work, "data")
        write_config(cfg, data, rtsp_port, api_port, args.clip, args.web_dir, args.transport)
        with open(os.path.join(work, "run.log"), "w") as log:
            proc = spawn([args.bin, "run", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
        wait_port(api_port)
        base = f"http://127.0.0.1:{api_port}"
        wait_streaming(base, proc)
        print(f"nightjar {args.bin} (built {time.ctime(os.path.getmtime(args.bin))}); fakecam "
              f"{fakecam_bin}; clip {args.clip} over {args.transport}; {os.cpu_count()} cores; load "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        if "hls" in paths:
            results["playlist"] = playlist_params(base)
            print(f"LL-HLS playlist: {results['playlist']}", flush=True)
        code = 0
        for path in paths:
            runs = [measure(base, path, args) for _ in range(args.repeat)]
            frames = sum(r.get("frames", 0) for r in runs)
            matched = sum(r.get("matched", 0) for r in runs)
            medians = [r["median_ms"] for r in runs if r.get("median_ms") is not None]
            arrivals = [r["arrival_median_ms"] for r in runs
                        if r.get("arrival_median_ms") is not None]
            row = {"runs": runs, "frames": frames, "matched": matched,
                   "median_ms": percentile(medians, 50),
                   "arrival_median_ms": percentile(arrivals, 50),
                   "p95_ms": max((r["p95_ms"] for r in runs if r.get("p95_ms") is not None),
                                 default=None),
                   "max_ms": max((r["max_ms"] for r in runs if r.get("max_ms") is not None),
                                 default=None)}
            results["paths"][path] = row
            errors = [e for r in runs for e in r.get("errors", [])]
            if not matched:
                code = 1
                print(f"{NAMES[path]}: no frame measured: {errors[:3]}", flush=True)
                continue
            verdict = "meets" if row["median_ms"] < TARGET_MS[path] else "misses"
            print(f"{NAMES[path]}: median {row['median_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, "
                  f"max {row['max_ms']:.0f} ms over {matched} frames ({frames - matched} without "
                  f"a stamp; medians of the runs: {', '.join(f'{m:.0f}' for m in medians)}); "
                  f"target < {TARGET_MS[path]} ms: {verdict}", flush=True)
            hls_targets = [r["hls_target_latency_s"] for r in runs if "hls_target_latency_s" in r]
            print(f"  newest frame's age when appended (server + network): median "
                  f"{row['arrival_median_ms']:.0f} ms"
                  + (f"; hls.js target latency at the end: "
                     f"{', '.join(f'{t:.2f}' for t in hls_targets)} s" if hls_targets else ""))
            if errors:
                print(f"  page errors: {errors[:3]}")
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        code = 130
    finally:
        stop([p for p in CHILDREN if p.args[1:2] == ["run"]])
        stop(list(CHILDREN))
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(code)


if __name__ == "__main__":
    main()
