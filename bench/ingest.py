"""Benchmark: what recording N RTSP cameras costs `nightjar run`, against N ffmpeg processes
recording the same streams with `-c copy -f segment` (how Frigate records), on the same machine.

usage: python3 bench/ingest.py [--streams 1,16,64,256] [--transport tcp,udp,udp-gso] [--seconds 30]
                               [--warmup 5]
                               [--bin build/nightjar] [--clips-dir DIR] [--data-dir DIR]
                               [--skip-ffmpeg-above N] [--io-threads K] [--fakecam-threads K]
                               [--json FILE]

For each N: one `nightjar fakecam --cameras N` serves /camK/main (1080p30 H.264, ~4.2 Mbit/s);
then for each transport (--transport, default tcp then udp), one after the other (never
concurrently, so they do not compete for the cores):
  1. one `nightjar run` records the N main streams (RTP over that transport, one camera each);
  2. N `ffmpeg -rtsp_transport T -i URL -c copy -f segment ...` processes record the same N.
Transport udp-gso is UDP from a second fakecam started with --udp-gso: each frame's run of
equal-sized packets leaves in one UDP_SEGMENT send, so on loopback a receiver that asked for
UDP_GRO (nightjar) gets the run as one buffer, as a NIC's receive offload would hand it over,
and one that did not (ffmpeg) gets the datagrams one by one.
Each side is measured over the same window (--seconds, after --warmup seconds once every stream
delivers): CPU as utime + stime from /proc/PID/stat (% of one core), context switches/s (all
threads' voluntary + involuntary, /proc/PID/task/*/status), VmRSS (sampled each second:
peak and end), bytes written to files (wchar from /proc/PID/io), and frames: received vs expected
(30 fps x window) from nightjar's status.json, and after the stop the frames actually in the
recordings: nightjar's (`nightjar list --json`) against 30 fps x the time from each camera's first
recording to the SIGINT, ffmpeg's (the .mp4 sample tables via ffprobe, cheap) against 30 fps x each
file's duration. Packets lost: RTP sequence gaps (nightjar's status.json; ffmpeg's "RTP: missed N
packets" warnings) and datagrams the kernel dropped on each side's UDP sockets (the drops column of
/proc/net/udp for the sockets the processes hold). Nightjar's warnings and errors are counted from
its log, and the time it takes to stop after SIGINT is shown. With several N, nightjar's marginal
RSS: what its RSS grew per added stream from one N to the next (means of the rounds). The fakecam's CPU, and what the whole machine used during each window
(from /proc/stat), are printed too so that a busy machine shows.

Everything the benchmark writes goes to a fresh directory under --data-dir (default: $TMPDIR or
/tmp), removed after each N and on exit; give --data-dir /dev/shm to take the disk out of it.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from benchutil import CHILDREN, count_log_warnings, free_port, spawn, stop, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
FPS = 30


# --- /proc readers -------------------------------------------------------------------------------

def cpu_secs(pid):
    """(utime, stime) of the whole process (all its threads), in seconds; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ctx_switches(pid):
    """Context switches (voluntary + involuntary) of all the process's threads so far: how often
    it went to sleep and was woken. /proc/PID/status counts only the main thread, so each task's
    is summed (a thread that ends within the window takes its count with it)."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def io_bytes(pid):
    """(rchar, wchar): bytes through read/write-family syscalls (write, writev, pwrite...; not
    send/recv on sockets, which Linux does not count there): here, what goes to the files."""
    out = {"rchar": 0, "wchar": 0}
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v)
    except OSError:
        pass
    return out["rchar"], out["wchar"]


def socket_inodes(pids):
    """The inodes of the sockets the processes hold open."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
        except OSError:
            pass
    return inodes


def udp_drops(pids):
    """Datagrams the kernel dropped on the processes' UDP sockets (receive buffer full, bad
    checksum...): the `drops` column of /proc/net/udp{,6}, summed over the sockets they hold."""
    inodes = socket_inodes(pids)
    total = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    v = line.split()
                    if len(v) >= 13 and int(v[9]) in inodes:
                        total += int(v[12])
        except OSError:
            pass
    return total


def udp_snmp():
    """The machine's UDP error counters (/proc/net/snmp): RcvbufErrors and SndbufErrors, which
    include a sender's (the fakecam's) failed sends."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    d = dict(zip(rows[0][1:], (int(x) for x in rows[1][1:])))
    return d.get("RcvbufErrors", 0), d.get("SndbufErrors", 0)


def machine_busy_secs():
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return (sum(v[:8]) - idle) / CLK_TCK


class Sample:
    """CPU, I/O and machine counters of a set of processes at one instant."""

    def __init__(self, pids):
        self.t = time.monotonic()
        self.cpu = {p: cpu_secs(p) for p in pids}
        self.io = {p: io_bytes(p) for p in pids}
        self.csw = {p: ctx_switches(p) for p in pids}
        self.busy = machine_busy_secs()


def delta(a, b):
    """Summed CPU seconds (user + system, system), bytes written between two Samples, and how
    many of the pids were there at both."""
    pids = [p for p in a.cpu if a.cpu[p] is not None and b.cpu.get(p) is not None]
    user = sum(b.cpu[p][0] - a.cpu[p][0] for p in pids)
    sys_ = sum(b.cpu[p][1] - a.cpu[p][1] for p in pids)
    wr = sum(b.io[p][1] - a.io[p][1] for p in pids)
    return user + sys_, sys_, wr, len(pids)


def csw_delta(a, b, pids):
    return sum(b.csw.get(p, 0) - a.csw.get(p, 0) for p in pids
               if a.cpu.get(p) is not None and b.cpu.get(p) is not None)


# --- processes ---------------------------------------------------------------------------------

def cleanup():
    stop(list(CHILDREN), timeout=15)




def wait_for_binary(path, timeout=600):
    """The binary may be briefly missing while it is rebuilt: wait for it."""
    deadline = time.monotonic() + timeout
    while not os.access(path, os.X_OK):
        if time.monotonic() > deadline:
            sys.exit(f"{path}: not found")
        print(f"waiting for {path} ...", file=sys.stderr, flush=True)
        time.sleep(10)


# --- measuring one side ------------------------------------------------------------------------

class Window:
    """Samples a set of processes each second over the measuring window: RSS peak and end."""

    def __init__(self, pids, fakecam_pid):
        self.pids = list(pids)
        self.fakecam = fakecam_pid
        self.rss_peak_kb = 0
        self.rss_first_kb = None

    def rss_now(self):
        return sum(status_kb(p, "VmRSS") for p in self.pids)

    def run(self, seconds, on_start=None, on_end=None):
        every = [*self.pids, self.fakecam]
        if on_start:
            on_start()
        a = Sample(every)
        drops_a, snmp_a = udp_drops(self.pids), udp_snmp()
        self.rss_first_kb = self.rss_now()
        end = a.t + seconds
        while True:
            now = time.monotonic()
            if now >= end:
                break
            time.sleep(min(1.0, end - now))
            self.rss_peak_kb = max(self.rss_peak_kb, self.rss_now())
        b = Sample(every)
        drops_b, snmp_b = udp_drops(self.pids), udp_snmp()
        if on_end:
            on_end()
        self.rss_end_kb = self.rss_now()
        self.rss_peak_kb = max(self.rss_peak_kb, self.rss_end_kb)
        wall = b.t - a.t
        cpu, sys_cpu, wr, alive = delta(_only(a, self.pids), _only(b, self.pids))
        fc_cpu, _, _, _ = delta(_only(a, [self.fakecam]), _only(b, [self.fakecam]))
        return {
            "wall_s": wall,
            "cpu_pct": 100 * cpu / wall,
            "sys_share": sys_cpu / cpu if cpu > 0 else 0,
            "csw_per_s": csw_delta(a, b, self.pids) / wall,
            "write_mb_s": wr / wall / 1e6,
            "alive": alive,
            "fakecam_cpu_pct": 100 * fc_cpu / wall,
            "machine_busy_pct": 100 * (b.busy - a.busy) / wall,
            "loadavg": os.getloadavg()[0],
            "rss_first_mb": self.rss_first_kb / 1024,
            "rss_end_mb": self.rss_end_kb / 1024,
            "rss_peak_mb": self.rss_peak_kb / 1024,
            "socket_drops": drops_b - drops_a,
            "machine_udp_rcvbuf_errors": snmp_b[0] - snmp_a[0],
            "machine_udp_sndbuf_errors": snmp_b[1] - snmp_a[1],
        }


def _only(sample, pids):
    s = Sample.__new__(Sample)
    s.t, s.busy = sample.t, sample.busy
    s.cpu = {p: sample.cpu.get(p) for p in pids}
    s.io = {p: sample.io.get(p, (0, 0)) for p in pids}
    s.csw = {p: sample.csw.get(p, 0) for p in pids}
    return s


def write_config(path, data, n, port, io_threads, transport="tcp"):
    lines = ["[storage]", f'base_path = "{data}"', "", "[api]", "enabled = false", ""]
    if io_threads:
        lines += ["[ingest]", f"io_threads = {io_threads}", ""]
    for k in range(1, n + 1):
        lines += ["[[cameras]]", f'id = "cam{k}"', f'url = "rtsp://127.0.0.1:{port}/cam{k}/main"',
                  f'transport = "{transport}"', ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def read_status(data):
    try:
        with open(os.path.join(data, "status.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_status(data, n, proc, timeout):
    """Waits until status.json shows the n streams all streaming and delivering frames."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nightjar run exited with status {proc.returncode}")
        st = read_status(data)
        if st and len(st["streams"]) == n and all(
                s["state"] == "streaming" and s["frames"] > 0 for s in st["streams"]):
            return
        time.sleep(0.5)
    raise TimeoutError(f"the {n} streams were not all streaming after {timeout} s")


def fresh_status(data, after_90k, timeout=5):
    """The first status.json written after `after_90k` (it is refreshed every 2 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = read_status(data)
        if st and st["updated_90k"] > after_90k:
            return st
        time.sleep(0.05)
    return read_status(data)


def status_totals(st):
    keys = ("frames", "bytes", "packets_lost", "frames_dropped", "frames_recorded", "frames_shed",
            "reconnects", "sessions")
    return {k: sum(s[k] for s in st["streams"]) for k in keys}


def count_log_errors(path):
    """Lines nightjar logged at warning or error level (" W " / " E "), and the first of them."""
    n, first = count_log_warnings(path)
    return {"count": n, "first": first}


def nightjar_baseline_rss(nj, work, settle=3.0):
    """VmRSS of `nightjar run` with no camera, the part of its memory that is not per stream."""
    data = os.path.join(work, "baseline")
    cfg = os.path.join(work, "baseline.toml")
    write_config(cfg, data, 0, 1, None)
    p = spawn([nj, "run", "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(settle)
    rss = status_kb(p.pid, "VmRSS")
    stop([p], signal.SIGINT, timeout=60)
    shutil.rmtree(data, ignore_errors=True)
    return rss / 1024


def run_nightjar(args, nj, work, n, port, fakecam, transport, tag=None):
    tag = tag or transport  # names the files: udp and udp-gso are both RTP over UDP
    data = os.path.join(work, f"nightjar-{n}-{tag}")
    cfg = os.path.join(work, f"nightjar-{n}-{tag}.toml")
    write_config(cfg, data, n, port, args.io_threads, transport)
    log_path = os.path.join(work, f"nightjar-{n}-{tag}.log")
    log = open(log_path, "w")
    p = spawn([nj, "run", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_status(data, n, p, timeout=60 + n / 2)
        time.sleep(args.warmup)
        marks = {}

        def start():
            marks["a"] = fresh_status(data, read_status(data)["updated_90k"])

        def end():
            marks["b"] = fresh_status(data, read_status(data)["updated_90k"])

        w = Window([p.pid], fakecam.pid).run(args.seconds, start, end)
        if p.poll() is not None:
            raise RuntimeError(f"nightjar run exited with status {p.returncode} during the window")
        a, b = marks["a"], marks["b"]
        ta, tb = status_totals(a), status_totals(b)
        status_s = (b["updated_90k"] - a["updated_90k"]) / 90000
        w["hwm_mb"] = status_kb(p.pid, "VmHWM") / 1024
        w["status_window_s"] = status_s
        w["frames"] = tb["frames"] - ta["frames"]
        w["recv_mb_s"] = (tb["bytes"] - ta["bytes"]) / status_s / 1e6
        w["frames_expected"] = FPS * status_s * n
        for k in ("packets_lost", "frames_dropped", "frames_shed", "reconnects"):
            w[k] = tb[k] - ta[k]
        # status.json's frames_recorded / frames_shed move only when a session ends (see the
        # README): kept in the JSON, not trusted for the table.
        w["frames_recorded_win"] = tb["frames_recorded"] - ta["frames_recorded"]
        w["not_streaming"] = sum(s["state"] != "streaming" for s in b["streams"])
    finally:
        t, stopped_at = time.monotonic(), time.time()
        stop([p], signal.SIGINT, timeout=args.stop_timeout)
        stop_s = time.monotonic() - t
        log.close()
    w["stop_s"] = stop_s
    if p.returncode != 0:
        w["exit_status"] = p.returncode  # -9: killed after --stop-timeout
    w["log_errors"] = count_log_errors(log_path)
    # After the stop: what the database holds for each camera, against 30 fps x the wall time
    # from its first recording's start to the SIGINT (so gaps, and frames still queued at the stop
    # that never reached a recording, count as missing).
    frames = expected = recordings = 0
    for k in range(1, n + 1):
        out = subprocess.run([nj, "list", "--config", cfg, "--camera", f"cam{k}", "--json"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            w.setdefault("list_errors", []).append(out.stderr.strip())
            continue
        recs = json.loads(out.stdout)["recordings"]
        if recs:
            frames += sum(r["frames"] for r in recs)
            expected += FPS * (stopped_at - min(r["start_90k"] for r in recs) / 90000)
            recordings += len(recs)
    w["recordings"] = recordings
    w["list_frames"], w["list_expected"] = frames, expected
    shutil.rmtree(data, ignore_errors=True)
    return w


def run_ffmpeg(args, work, n, port, fakecam, transport, tag=None):
    tag = tag or transport
    out_dir = os.path.join(work, f"ffmpeg-{n}-{tag}")
    log_dir = os.path.join(work, f"ffmpeg-{n}-{tag}-logs")
    os.makedirs(out_dir)
    os.makedirs(log_dir)
    procs, logs = [], []
    try:
        for k in range(1, n + 1):
            # Warnings kept (in a file) for its "RTP: missed N packets": ffmpeg's packet loss.
            logs.append(open(os.path.join(log_dir, f"cam{k}.log"), "w"))
            procs.append(spawn(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning", "-rtsp_transport",
                 transport, "-i", f"rtsp://127.0.0.1:{port}/cam{k}/main", "-c", "copy", "-f",
                 "segment", "-segment_time", "60", "-reset_timestamps", "1",
                 os.path.join(out_dir, f"cam{k}_%03d.mp4")],
                stdout=subprocess.DEVNULL, stderr=logs[-1]))
        # Started once every process has written some of its first segment.
        out_dir_glob = os.path.join(out_dir, "*")
        deadline = time.monotonic() + 60 + n / 2
        while True:
            started = sum(os.path.getsize(f) > 0 for f in glob.glob(out_dir_glob))
            if started >= n:
                break
            if time.monotonic() > deadline:
                print(f"  ffmpeg: only {started} of {n} writing after the start timeout",
                      flush=True)
                break
            time.sleep(0.5)
        time.sleep(args.warmup)
        missed_before = ffmpeg_missed(log_dir)
        w = Window([p.pid for p in procs], fakecam.pid).run(args.seconds)
        w["packets_lost"] = ffmpeg_missed(log_dir) - missed_before
        w["pss_end_mb"] = sum(pss_kb(p.pid) for p in procs) / 1024
        w["exited_early"] = sum(p.poll() is not None for p in procs)
    finally:
        stop(procs, signal.SIGINT, timeout=60)  # ffmpeg writes each mp4's moov on SIGINT
        for f in logs:
            f.close()
    # The frames in the files (from the mp4 sample tables: cheap), against 30 fps x duration.
    frames = expected = 0
    files = sorted(glob.glob(os.path.join(out_dir, "*.mp4")))
    for f in files:
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                              "stream=nb_frames,duration", "-of", "json", f],
                             capture_output=True, text=True)
        try:
            s = json.loads(out.stdout)["streams"][0]
            frames += int(s["nb_frames"])
            expected += FPS * float(s["duration"])
        except (ValueError, KeyError, IndexError):
            w["unreadable_files"] = w.get("unreadable_files", 0) + 1
    w["file_frames"], w["file_expected"] = frames, expected
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(log_dir, ignore_errors=True)
    return w


def ffmpeg_missed(log_dir):
    """Packets ffmpeg's RTP demuxer reported missing so far ("RTP: missed N packets")."""
    total = 0
    for path in glob.glob(os.path.join(log_dir, "*.log")):
        with open(path, errors="replace") as f:
            for line in f:
                i = line.find("missed ")
                if i >= 0 and "packets" in line:
                    try:
                        total += int(line[i + 7:].split()[0])
                    except ValueError:
                        pass
    return total


# --- output --------------------------------------------------------------------------------------

def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "-"


def print_n(n, transport, nominal_mb_s, nj, ff):
    print(f"\nN = {n}, RTP over {transport.upper()}: {nj['wall_s']:.1f} s window; nightjar and "
          f"ffmpeg measured one after the other, not concurrently")
    rows = []

    def row(name, a, b, ratio=""):
        rows.append((name, a, b, ratio))

    def both(key, fmt, per=1.0):
        a = fmt.format(nj[key] / per) if nj else "-"
        b = fmt.format(ff[key] / per) if ff else "skipped"
        return a, b

    ratio = ""
    if nj and ff and nj["cpu_pct"] > 0:
        ratio = f"ffmpeg/nightjar {ff['cpu_pct'] / nj['cpu_pct']:.1f}x"
    row("CPU % of one core", *both("cpu_pct", "{:.1f}"))
    row("CPU % per stream", *both("cpu_pct", "{:.3f}", n), ratio)
    row("  of which system (kernel)", *both("sys_share", "{:.0%}"))
    row("context switches/s", *both("csw_per_s", "{:.0f}"))
    rss_nj = f"{nj['rss_end_mb']:.1f} / {max(nj['rss_peak_mb'], nj['hwm_mb']):.1f}"
    rss_ff = f"{ff['rss_end_mb']:.1f} / {ff['rss_peak_mb']:.1f}" if ff else "skipped"
    row("RSS MB end / peak", rss_nj, rss_ff)
    per_nj = (nj["rss_end_mb"] - nj["base_rss_mb"]) / n
    per_ff = f"{ff['rss_end_mb'] / n:.2f} (PSS {ff['pss_end_mb'] / n:.2f})" if ff else "skipped"
    ratio = f"ffmpeg/nightjar {ff['rss_end_mb'] / n / per_nj:.0f}x" if ff and per_nj > 0 else ""
    row("RSS MB per stream", f"{per_nj:.2f}", per_ff, ratio)
    row("RSS MB at window start", f"{nj['rss_first_mb']:.1f}",
        f"{ff['rss_first_mb']:.1f}" if ff else "skipped")
    row("frames in window", f"{nj['frames']} of {nj['frames_expected']:.0f} "
        f"({pct(nj['frames'], nj['frames_expected'])})", "-")
    row("status: lost/dropped/shed", f"{nj['packets_lost']} pkts / {nj['frames_dropped']} / "
        f"{nj['frames_shed']}", "-")
    row("packets lost (RTP sequence)", f"{nj['packets_lost']}",
        f"{ff['packets_lost']}" if ff else "skipped")
    row("socket drops (kernel, rcvbuf)", f"{nj['socket_drops']}",
        f"{ff['socket_drops']}" if ff else "skipped")
    row("machine UDP rcvbuf/sndbuf errors", f"{nj['machine_udp_rcvbuf_errors']} / "
        f"{nj['machine_udp_sndbuf_errors']}",
        f"{ff['machine_udp_rcvbuf_errors']} / {ff['machine_udp_sndbuf_errors']}" if ff
        else "skipped")
    row("frames in recordings", f"{nj['list_frames']} of {nj['list_expected']:.0f} "
        f"({pct(nj['list_frames'], nj['list_expected'])})",
        f"{ff['file_frames']} of {ff['file_expected']:.0f} "
        f"({pct(ff['file_frames'], ff['file_expected'])})" if ff else "skipped")
    nominal = nominal_mb_s * n
    row("recordings (nightjar list)", f"{nj['recordings']}", "-")
    row("MB/s received (status.json)", f"{nj['recv_mb_s']:.2f} ({pct(nj['recv_mb_s'], nominal)})",
        "-", f"nominal {nominal:.2f}")
    row("MB/s written (wchar)", f"{nj['write_mb_s']:.2f} ({pct(nj['write_mb_s'], nominal)})",
        f"{ff['write_mb_s']:.2f} ({pct(ff['write_mb_s'], nominal)})" if ff else "skipped")
    row("streams alive at end", f"{n - nj['not_streaming']} (reconnects {nj['reconnects']})",
        f"{ff['alive'] - ff['exited_early'] if ff else '-'}")
    row("stop after SIGINT (s)", f"{nj['stop_s']:.1f}", "-")
    row("fakecam CPU %", *both("fakecam_cpu_pct", "{:.1f}"))
    row("machine busy % (2 cores = 200)", *both("machine_busy_pct", "{:.0f}"))
    row("load average (1 min)", *both("loadavg", "{:.2f}"))
    print(f"  {'':<32}{'nightjar run':>24}{'ffmpeg x ' + str(n):>28}  ratio")
    for name, a, b, r in rows:
        print(f"  {name:<32}{a:>24}{b:>28}  {r}")
    for side, w in (("nightjar", nj), ("ffmpeg", ff)):
        if side == "nightjar" and w["log_errors"]["count"]:
            print(f"  WARNING nightjar logged {w['log_errors']['count']} warnings/errors; first: "
                  f"{w['log_errors']['first']}")
        for key in ("exit_status", "list_errors", "unreadable_files"):
            if w and w.get(key):
                print(f"  WARNING {side}: {key} = {w[key]}")
    sys.stdout.flush()


def clip_mb_s(path):
    """The clip's video bit rate in MB/s, from its size over its duration (the fakecam loops it)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=bit_rate", "-of", "csv=p=0", path],
                         capture_output=True, text=True)
    try:
        return int(out.stdout.strip()) / 8e6
    except ValueError:
        return 4.2 / 8


def main():
    ap = argparse.ArgumentParser(description="CPU, memory and frames of nightjar run recording N "
                                 "RTSP cameras, against N ffmpeg -c copy processes")
    ap.add_argument("--streams", default="1,16,64,256")
    ap.add_argument("--transport", default="tcp,udp",
                    help="RTP transports to measure, each against ffmpeg -rtsp_transport the same; "
                         "udp-gso: UDP from a fakecam sending with GSO (what receive offload "
                         "gives)")
    ap.add_argument("--seconds", type=float, default=30, help="measuring window per side")
    ap.add_argument("--warmup", type=float, default=5, help="after every stream delivers")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/nightjar"))
    ap.add_argument("--clips-dir", help="holds main.mp4 and sub.mp4 (default: beside --bin)")
    ap.add_argument("--data-dir", default=tempfile.gettempdir(),
                    help="a fresh directory is made (and removed) in it; /dev/shm: no disk")
    ap.add_argument("--skip-ffmpeg-above", type=int, default=None, metavar="N")
    ap.add_argument("--io-threads", type=int, default=None, help="[ingest] io_threads")
    ap.add_argument("--fakecam-threads", type=int, default=None)
    ap.add_argument("--stop-timeout", type=float, default=300,
                    help="seconds nightjar run may take to stop after SIGINT before it is killed")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure each N and transport this many times, the sides alternating "
                         "(nightjar first in odd rounds, ffmpeg first in even ones, so that a "
                         "machine speeding up or slowing down weighs on both); the summary adds "
                         "the ratio of the sides' mean CPU")
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("--rounds: at least 1")
    streams = [int(x) for x in args.streams.split(",")]
    transports = [t.strip().lower() for t in args.transport.split(",") if t.strip()]
    if not transports or any(t not in ("tcp", "udp", "udp-gso") for t in transports):
        sys.exit("--transport: tcp, udp, udp-gso, or several (tcp,udp)")

    wait_for_binary(args.bin)
    clips = args.clips_dir or os.path.join(os.path.dirname(os.path.abspath(args.bin)), "clips")
    clip = os.path.join(clips, "main.mp4")
    work = tempfile.mkdtemp(prefix="nightjar-ingest-", dir=args.data_dir)
    # A private copy: the one binary serves the whole run even if it is rebuilt meanwhile.
    nj = os.path.join(work, "nightjar")
    shutil.copy2(args.bin, nj)

    def on_term(signo, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    results = []
    try:
        st = os.statvfs(work)
        fs = subprocess.run(["df", "--output=fstype,source", work], capture_output=True,
                            text=True).stdout.split("\n")[1].split()
        print(f"data under {work} ({' on '.join(fs)}, {st.f_bavail * st.f_frsize / 1e9:.0f} GB "
              f"free), removed after each N")
        nominal = clip_mb_s(clip)
        print(f"nightjar {args.bin} (built {time.ctime(os.path.getmtime(args.bin))}); clip "
              f"{clip}: {nominal * 8:.2f} Mbit/s, {FPS} fps; {os.cpu_count()} cores; load "
              f"{os.getloadavg()[0]:.2f}")
        print(f"N x {nominal * 8:.2f} Mbit/s to write: "
              + ", ".join(f"{n}: {n * nominal:.1f} MB/s" for n in streams))
        base = nightjar_baseline_rss(nj, work)
        print(f"nightjar run with no camera: RSS {base:.1f} MB (subtracted for the per-stream RSS)")
        rtps = sorted({"udp" if t == "udp-gso" else t for t in transports})
        print(f"ffmpeg: ffmpeg -rtsp_transport {'|'.join(rtps)} -i URL -c copy -f segment "
              "-segment_time 60 -reset_timestamps 1 OUT_%03d.mp4, one process per stream",
              flush=True)
        if "udp-gso" in transports:
            print("udp-gso: RTP over UDP from a second fakecam with --udp-gso (a frame's run of "
                  "equal-sized packets per UDP_SEGMENT send): nightjar (UDP_GRO) receives each run "
                  "as one buffer, as from a NIC's receive offload; ffmpeg (no UDP_GRO) the "
                  "datagrams one by one, split by the kernel", flush=True)
        for n in streams:
            fakecams = {}  # by --udp-gso: started when a transport first needs it
            try:
                for transport in transports:
                    gso = transport == "udp-gso"
                    if gso not in fakecams:
                        port = free_port()
                        cmd = [nj, "fakecam", "--cameras", str(n), "--port", str(port), "--clip",
                               clip, os.path.join(clips, "sub.mp4")]
                        if args.fakecam_threads:
                            cmd += ["--threads", str(args.fakecam_threads)]
                        if gso:
                            cmd += ["--udp-gso"]
                        fakecams[gso] = (spawn(cmd, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL), port)
                        wait_port(port)
                    fakecam, port = fakecams[gso]
                    rtp = "udp" if gso else transport
                    with_peer = args.skip_ffmpeg_above is None or n <= args.skip_ffmpeg_above
                    for rnd in range(1, args.rounds + 1):
                        if args.rounds > 1:
                            print(f"\nround {rnd} of {args.rounds}", flush=True)
                        peer = None
                        if with_peer and rnd % 2 == 0:
                            peer = run_ffmpeg(args, work, n, port, fakecam, rtp, transport)
                        ours = run_nightjar(args, nj, work, n, port, fakecam, rtp, transport)
                        ours["base_rss_mb"] = base
                        if with_peer and rnd % 2 == 1:
                            peer = run_ffmpeg(args, work, n, port, fakecam, rtp, transport)
                        print_n(n, transport, nominal, ours, peer)
                        results.append({"streams": n, "transport": transport, "round": rnd,
                                        "nightjar": ours, "ffmpeg": peer})
            finally:
                stop([f for f, _ in fakecams.values()], signal.SIGTERM)
        print("\nsummary (% of one core per stream; MB of RSS per stream; frames recorded; "
              "packets lost = RTP sequence gaps + kernel socket drops):")
        print(f"  {'N':>5}{'RTP':>8}{'nightjar CPU':>14}{'ffmpeg CPU':>12}{'ratio':>8}"
              f"{'nightjar RSS':>14}{'ffmpeg RSS':>12}{'nj recv':>9}{'nj rec':>9}"
              f"{'ff rec':>9}{'nj lost':>9}{'ff lost':>9}")
        for r in results:
            n, a, b = r["streams"], r["nightjar"], r["ffmpeg"]
            per_a = (a["rss_end_mb"] - a["base_rss_mb"]) / n
            print(f"  {n:>5}{r['transport']:>8}{a['cpu_pct'] / n:>14.3f}"
                  + _peer_cols(a, b, n, per_a))
        if args.rounds > 1:
            print(f"\nmean of the {args.rounds} rounds (% of one core per stream; ratio of the "
                  "means, and the lowest and highest round's ratio):")
            print(f"  {'N':>5}{'RTP':>8}{'nightjar CPU':>14}{'ffmpeg CPU':>12}{'ratio':>8}"
                  f"{'rounds':>14}")
            for n in streams:
                for transport in transports:
                    group = [r for r in results
                             if r["streams"] == n and r["transport"] == transport]
                    if not group:
                        continue
                    ours = sum(r["nightjar"]["cpu_pct"] for r in group) / len(group) / n
                    peers = [r["ffmpeg"]["cpu_pct"] / n for r in group if r["ffmpeg"]]
                    if not peers or ours <= 0:
                        print(f"  {n:>5}{transport:>8}{ours:>14.3f}{'skipped':>12}")
                        continue
                    peer = sum(peers) / len(peers)
                    each = [r["ffmpeg"]["cpu_pct"] / r["nightjar"]["cpu_pct"] for r in group
                            if r["ffmpeg"] and r["nightjar"]["cpu_pct"] > 0]
                    spread = f"{min(each):.1f}-{max(each):.1f}x"
                    print(f"  {n:>5}{transport:>8}{ours:>14.3f}{peer:>12.3f}"
                          f"{peer / ours:>7.1f}x{spread:>14}")
        print_marginal_rss(results, streams, transports)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
    finally:
        cleanup()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def print_marginal_rss(results, streams, transports):
    """RSS per added stream between consecutive N (means over the rounds): what one more camera
    costs, without the memory that does not grow with the cameras but with time (SQLite's page
    cache fills up to its bound as recordings are added, the allocator keeps freed memory), which
    the per-stream column charges to the streams as it subtracts a process measured at its start."""
    sizes = sorted(set(streams))
    lines = []
    for transport in transports:
        means = {}
        for n in sizes:
            group = [r["nightjar"]["rss_end_mb"] for r in results
                     if r["streams"] == n and r["transport"] == transport]
            if group:
                means[n] = sum(group) / len(group)
        have = [n for n in sizes if n in means]
        for lo, hi in zip(have, have[1:]):
            lines.append(f"  {transport:>8}  N {lo} -> {hi}: "
                         f"{(means[hi] - means[lo]) / (hi - lo):.2f} MB per added stream")
    if lines:
        print("\nnightjar's marginal RSS (RSS at the window's end, mean over the rounds):")
        print("\n".join(lines))


def _peer_cols(a, b, n, per_a):
    ff_cpu = f"{b['cpu_pct'] / n:.3f}" if b else "skipped"
    ratio = f"{b['cpu_pct'] / a['cpu_pct']:.1f}x" if b and a["cpu_pct"] > 0 else "-"
    ff_rss = f"{b['rss_end_mb'] / n:.2f}" if b else "skipped"
    ff_frames = pct(b["file_frames"], b["file_expected"]) if b else "skipped"
    nj_lost = f"{a['packets_lost']}+{a['socket_drops']}"
    ff_lost = f"{b['packets_lost']}+{b['socket_drops']}" if b else "skipped"
    return (f"{ff_cpu:>12}{ratio:>8}{per_a:>14.2f}{ff_rss:>12}"
            f"{pct(a['frames'], a['frames_expected']):>9}"
            f"{pct(a['list_frames'], a['list_expected']):>9}{ff_frames:>9}"
            f"{nj_lost:>9}{ff_lost:>9}")


if __name__ == "__main__":
    main()
