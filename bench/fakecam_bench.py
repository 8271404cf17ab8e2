"""Benchmark: CPU and memory of `nightjar fakecam` serving N cameras at ~4 Mbit/s each, and of
GStreamer's rtsp-server serving the same clip to the same clients, side by side in one run.

usage: /usr/bin/python3 bench/fakecam_bench.py [--cameras 1,16,64,256] [--seconds 6]
                                               [--bin build/nightjar] [--clip build/clips/main.mp4]
                                               [--no-peer]
The measuring window is shorter than the 10 s clip so that the peer (which cannot loop a clip)
is measured while it is streaming.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

from benchutil import free_port, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")




def cpu_secs(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(server_cmd, n, seconds, port):
    server = subprocess.Popen(server_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        load = subprocess.Popen([sys.executable, os.path.join(HERE, "rtsp_load.py"), str(port),
                                 str(n), str(seconds)], stdout=subprocess.PIPE, text=True)
        first = json.loads(load.stdout.readline())  # all playing, window starts
        c0, t0 = cpu_secs(server.pid), time.monotonic()
        result = json.loads(load.stdout.readline())
        c1, t1 = cpu_secs(server.pid), time.monotonic()
        rss = rss_kb(server.pid)
        load.wait(30)
        result.update(cpu_pct=100 * (c1 - c0) / (t1 - t0), rss_mb=rss / 1024,
                      started=first["playing"])
        return result
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", default="1,16,64,256")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/nightjar"))
    ap.add_argument("--clip", default=os.path.join(ROOT, "build/clips/main.mp4"))
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    print(f"{'server':<16}{'streams':>8}{'playing':>8}{'Mbit/s/stream':>15}{'CPU % of 1 core':>17}"
          f"{'CPU %/stream':>14}{'RSS MB':>8}")
    for n in [int(x) for x in args.cameras.split(",")]:
        rows = []
        port = free_port()
        ours = measure([args.bin, "fakecam", "--cameras", str(n), "--port", str(port),
                        "--clip", args.clip], n, args.seconds, port)
        rows.append(("nightjar", ours))
        if not args.no_peer:
            port = free_port()
            peer = measure(["/usr/bin/python3", os.path.join(HERE, "gst_rtsp_peer.py"), str(port),
                            str(n), args.clip], n, args.seconds, port)
            rows.append(("gst-rtsp-server", peer))
        for name, r in rows:
            print(f"{name:<16}{n:>8}{r['playing']:>8}{r['mbit_per_stream']:>15.2f}"
                  f"{r['cpu_pct']:>17.1f}{r['cpu_pct'] / max(r['playing'], 1):>14.3f}"
                  f"{r['rss_mb']:>8.1f}", flush=True)
        if not args.no_peer and ours["cpu_pct"] > 0:
            print(f"  ratio: gst-rtsp-server uses {rows[1][1]['cpu_pct'] / ours['cpu_pct']:.1f}x "
                  f"the CPU of nightjar fakecam for {n} streams", flush=True)


if __name__ == "__main__":
    main()
