"""Load client for RTSP server benchmarks: plays N streams over TCP interleaved and counts the
bytes received, without parsing them (so the client stays cheap).

usage: rtsp_load.py PORT N SECONDS [PATH_TEMPLATE]
PATH_TEMPLATE defaults to /cam{k}/main (k = 1..N). Prints one JSON line:
{"streams": N, "playing": P, "bytes": B, "seconds": S, "mbit_per_stream": X}
"""
import asyncio
import json
import re
import sys
import time


async def play(port, path, counter, playing, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    url = f"rtsp://127.0.0.1:{port}{path}"
    cseq = 0
    session = None

    async def request(method, uri, extra=""):
        nonlocal cseq, session
        cseq += 1
        sess = f"Session: {session}\r\n" if session else ""
        writer.write(f"{method} {uri} RTSP/1.0\r\nCSeq: {cseq}\r\n{sess}{extra}\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        if "session" in headers:
            session = headers["session"].split(";")[0]
        return int(head.split()[1]), headers, body

    status, headers, sdp = await request("DESCRIBE", url)
    if status != 200:
        raise RuntimeError(f"DESCRIBE {path}: {status}")
    base = headers.get("content-base", url + "/")
    # The first media's control URL (servers name tracks differently).
    media = sdp.decode().split("\nm=")[1]
    control = re.search(r"^a=control:(\S+)", media, re.M).group(1)
    track = control if control.startswith("rtsp://") else base.rstrip("/") + "/" + control
    status, _, _ = await request("SETUP", track,
                                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
    if status != 200:
        raise RuntimeError(f"SETUP {track}: {status}")
    await request("PLAY", base)
    playing[0] += 1
    while not stop.is_set():
        data = await reader.read(1 << 20)
        if not data:
            break
        counter[0] += len(data)
    writer.close()


async def main():
    port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    template = sys.argv[4] if len(sys.argv) > 4 else "/cam{k}/main"
    counter, playing, stop = [0], [0], asyncio.Event()
    tasks = [asyncio.create_task(play(port, template.format(k=k), counter, playing, stop))
             for k in range(1, n + 1)]
    # Let every stream start, then measure.
    t_end = time.monotonic() + 30
    while playing[0] < n and time.monotonic() < t_end:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    print(json.dumps({"event": "measuring", "playing": playing[0]}), flush=True)
    start_bytes, start = counter[0], time.monotonic()
    await asyncio.sleep(seconds)
    got, elapsed = counter[0] - start_bytes, time.monotonic() - start
    stop.set()
    for t in tasks:
        t.cancel()
    print(json.dumps({"streams": n, "playing": playing[0], "bytes": got, "seconds": elapsed,
                      "mbit_per_stream": got * 8 / elapsed / max(playing[0], 1) / 1e6}),
          flush=True)


if __name__ == "__main__":
    asyncio.run(main())
