"""Small helpers the benchmark scripts share: free loopback ports, waiting for a listener, and the
processes a benchmark starts (each in a session of its own) and stops in order."""
import signal
import socket
import subprocess
import time

CHILDREN = []  # every process spawn() started and stop() has not reaped, for the cleanup


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def spawn(cmd, **kw):
    # A session of their own: a Ctrl-C in the terminal reaches only us, and we stop them in order.
    p = subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL, **kw)
    CHILDREN.append(p)
    return p


def finished(p):
    """`p` ended by itself (and was waited for): no longer ours to stop."""
    if p in CHILDREN:
        CHILDREN.remove(p)


def stop(procs, sig=signal.SIGTERM, timeout=30):
    """Signals every process, waits for all of them (killing stragglers after `timeout`)."""
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for p in procs:
        finished(p)


def count_log_warnings(path):
    """Lines nightjar logged at warning or error level (" W " / " E "): (count, the first)."""
    n, first = 0, None
    with open(path, errors="replace") as f:
        for line in f:
            if line[23:26] in (" W ", " E "):
                n += 1
                first = first or line.strip()
    return n, first
