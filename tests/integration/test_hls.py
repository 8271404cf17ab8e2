"""Watching and exporting over HTTP from `nightjar run` recording fakecam, with real clients:
every example of the seed NVR's README (curl, with its camera names), ffmpeg decoding the live
(LL-HLS) and VOD playlists (TS and fMP4), VLC playing them, LL-HLS blocking reloads and parts, the
WebSocket live fMP4 stream decoded by ffprobe, the cameras' timelines and days (curl), JPEG
snapshots, exports as .ts and .mp4, and clear 4xx errors."""
import base64
import json
import os
import re
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import nj


fetch = nj.fetch


def local(t90k):
    """A 90 kHz wall time as the seed's local time format (whole seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t90k / 90000))


def curl(*args):
    p = subprocess.run(["curl", "-sS", "--max-time", "60", *args], capture_output=True,
                       timeout=90)
    if p.returncode != 0:
        raise AssertionError(f"curl {args} failed: {p.stderr.decode(errors='replace')}")
    return p.stdout


def ffprobe_json(path, *extra):
    return json.loads(nj.run(["ffprobe", "-v", "error", *extra, "-show_streams", "-show_format",
                              "-of", "json", path]).stdout)


class WebSocket:
    """A minimal RFC 6455 client: the handshake, then whole messages (text or binary)."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"closed during the handshake: {self.buf!r}")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ", 2)[1])
        self.head = head.decode(errors="replace")

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def message(self):
        """(opcode, payload) of the next whole message; pings are skipped."""
        opcode, payload = None, b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                raise AssertionError("a server frame was masked")
            data = self._read(n)
            op = b0 & 0x0F
            if op >= 8:  # control: close ends, pings and pongs are skipped
                if op == 8:
                    return 8, data
                continue
            if op != 0:
                opcode = op
            payload += data
            if b0 & 0x80:
                return opcode, payload

    def close(self):
        try:
            mask = os.urandom(4)
            self.sock.sendall(bytes([0x88, 0x80 | 2]) + mask +
                              bytes(b ^ mask[i % 4] for i, b in enumerate(b"\x03\xe8")))
        except OSError:
            pass
        self.sock.close()


class HlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=2)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-hls-")
        cls.port = nj.free_port()
        # cam1: main + sub (video); cam2: video with AAC audio.
        cams = [nj.camera("cam1", cls.cam.url("/cam1/main"), name="Front Door",
                          sub_url=cls.cam.url("/cam1/sub")),
                nj.camera("cam2", cls.cam.url("/cam2/audio")),
                # Live view only: never recorded, yet watchable.
                nj.camera("door", cls.cam.url("/cam2/sub"), record=False)]
        cls.rec = nj.Recorder(cls.tmp.name, cameras=cams, storage={"min_free_mb": 0},
                              api_port=cls.port)
        nj.wait_port(cls.port, proc=cls.rec.proc)
        cls.base = f"http://127.0.0.1:{cls.port}"
        # 8 s of cam1 recorded (a few 2 s GOPs), and cam2 with its audio.
        cls.wait_for(lambda: cls.stream("cam1")["frames_recorded"] >= 240 and
                     cls.stream("cam2")["frames_recorded"] >= 120)

    @classmethod
    def tearDownClass(cls):
        cls.rec.__exit__(None, None, None)
        cls.cam.stop()
        cls.tmp.cleanup()

    @classmethod
    def stream(cls, camera, kind="main"):
        status, _, body = fetch(cls.base + "/api/status")
        if status != 200:
            return {"frames": 0, "frames_recorded": 0}
        for c in json.loads(body)["cameras"]:
            if c["id"] == camera:
                for s in c["streams"]:
                    if s["kind"] == kind:
                        return s
        return {"frames": 0, "frames_recorded": 0}

    @classmethod
    def wait_for(cls, pred, timeout=60):
        nj.wait_for(pred, cls.rec.output, timeout)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def recorded_range(self, camera="cam1"):
        """(from, to) in the seed's format covering whole seconds inside the recorded run."""
        j = json.loads(fetch(f"{self.base}/api/list?camera={camera}")[2])
        run = j["runs"][0]
        start = run["start_90k"] + 90000
        end = run["start_90k"] + int(run["duration_s"] * 90000) - 90000
        self.assertGreater(end - start, 3 * 90000, run)
        return local(start), local(end), (end // 90000 - start // 90000)

    def assert_decodes(self, path_or_url, *input_opts, seconds=None):
        args = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *input_opts, "-i",
                path_or_url]
        if seconds:
            args += ["-t", str(seconds)]
        p = nj.run([*args, "-f", "null", "-"], timeout=120, check=False)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        # ffmpeg's HLS reader notes the first live segment it skips at info level only; any
        # error line is a decoding or demuxing problem.
        self.assertEqual(p.stderr.strip(), "", p.stderr[-3000:])

    # --- the seed README's Examples, verbatim but for host and port ---------------------------

    def test_seed_examples_status_list_export_and_cameras(self):
        status = json.loads(curl(f"{self.base}/api/status"))
        self.assertIn("cameras", status)
        listing = json.loads(curl(f"{self.base}/api/list?camera=cam1"))
        self.assertGreaterEqual(len(listing["recordings"]), 1)
        # "Export 1 hour to file": an hour around the recording holds all of it.
        now = time.time()
        frm = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now - 1800))
        to = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now + 1800))
        out = self.path("kayit.ts")
        curl("-o", out, f"{self.base}/api/export?camera=cam1&from={frm}&to={to}")
        probe = ffprobe_json(out)
        self.assertEqual([s["codec_name"] for s in probe["streams"]], ["h264"])
        self.assertGreater(float(probe["format"]["duration"]), 7.0)
        self.assert_decodes(out)
        # Camera management: list, hot add (the seed's body), remove.
        cams = json.loads(curl(f"{self.base}/api/cameras"))
        self.assertEqual({c["id"] for c in cams} >= {"cam1", "cam2"}, True, cams)
        body = curl("-X", "POST", f"{self.base}/api/cameras", "-H",
                    "Content-Type: application/json", "-d",
                    '{"id":"cam5","name":"Garden","url":"rtsp://user:pass@192.168.1.15:554/stream1",'
                    '"max_reconnect_attempts":0}')
        self.assertEqual(json.loads(body)["id"], "cam5", body)
        body = json.loads(curl(f"{self.base}/api/cameras/cam5"))
        self.assertEqual(body["name"], "Garden")
        self.assertNotIn("pass", body["url"])  # credentials are not echoed
        curl("-X", "DELETE", f"{self.base}/api/cameras/cam5")
        self.assertEqual(fetch(f"{self.base}/api/cameras/cam5")[0], 404)

    def test_seed_examples_player_pages(self):
        frm, to, _ = self.recorded_range()
        for path in ["/api/hls/cam1/player", f"/api/hls/cam1/vod/player?from={frm}&to={to}"]:
            status, headers, body = fetch(self.base + path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), headers)
            # The page's script and style are served under /ui/.
            for asset in re.findall(rb'(?:src|href)="(/ui/[^"]+)"', body):
                self.assertEqual(fetch(self.base + asset.decode())[0], 200, asset)
        self.assertEqual(fetch(self.base + "/api/hls/nope/player")[0], 404)

    # --- live HLS -------------------------------------------------------------------------------

    def test_ffmpeg_decodes_the_live_playlists(self):
        for q in ["", "?stream=sub"]:
            self.assert_decodes(f"{self.base}/api/hls/cam1/live.m3u8{q}", seconds=4)
        # Video and AAC audio from the camera with audio.
        out = self.path("live-audio.ts")
        p = nj.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i",
                    f"{self.base}/api/hls/cam2/live.m3u8", "-t", "4", "-c", "copy", "-y", out],
                   timeout=120, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        probe = ffprobe_json(out)
        self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
        self.assert_decodes(out)

    def test_ll_hls_blocking_reload_parts_and_preload_hint(self):
        url = f"{self.base}/api/hls/cam1/live.m3u8"
        status, headers, body = fetch(url)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/vnd.apple.mpegurl")
        text = body.decode()
        for tag in ["#EXT-X-PART-INF:PART-TARGET=", "CAN-BLOCK-RELOAD=YES",
                    "#EXT-X-PROGRAM-DATE-TIME:", "#EXT-X-PRELOAD-HINT:TYPE=PART"]:
            self.assertIn(tag, text)
        self.assertIn("#EXTINF:", text)  # a first playlist has a complete segment
        hint = re.search(r'PRELOAD-HINT:TYPE=PART,URI="part/ts/(\d+)\.(\d+)\.ts"', text)
        msn, part = int(hint.group(1)), int(hint.group(2))
        # Blocking reload: the playlist comes back once the hinted part exists, and lists it.
        status, _, body = fetch(f"{url}?_HLS_msn={msn}&_HLS_part={part}")
        self.assertEqual(status, 200)
        self.assertIn(f'URI="part/ts/{msn}.{part}.ts"', body.decode())
        # The part, and a complete segment, are MPEG-TS that decode.
        status, headers, ts = fetch(f"{self.base}/api/hls/cam1/part/ts/{msn}.{part}.ts")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "video/mp2t")
        self.assertEqual(ts[0], 0x47)
        self.assertEqual(len(ts) % 188, 0)
        seg = int(re.findall(r"^segment/ts/(\d+)\.ts$", text, re.M)[-1])
        status, _, ts = fetch(f"{self.base}/api/hls/cam1/segment/ts/{seg}.ts")
        self.assertEqual(status, 200)
        with open(self.path("seg.ts"), "wb") as f:
            f.write(ts)
        self.assert_decodes(self.path("seg.ts"))
        self.assertEqual(fetch(f"{self.base}/api/hls/cam1/segment/ts/{seg}")[2], ts)  # bare id
        # Asking for a playlist more than two segments ahead is a client error (RFC 8216bis).
        self.assertEqual(fetch(f"{url}?_HLS_msn={msn + 10}")[0], 400)
        for bad in ["?_HLS_msn=x", "?_HLS_part=1", "?_HLS_msn=1&_HLS_part=-1"]:
            self.assertEqual(fetch(url + bad)[0], 400, bad)
        self.assertEqual(fetch(f"{self.base}/api/hls/cam1/part/ts/junk")[0], 400)
        self.assertEqual(fetch(f"{self.base}/api/hls/cam1/segment/ts/0.ts")[0] in (200, 404), True)

    # --- VOD HLS and exports --------------------------------------------------------------------

    def test_ffmpeg_decodes_the_vod_playlist_of_a_recorded_range(self):
        frm, to, secs = self.recorded_range()
        url = f"{self.base}/api/hls/cam1/vod.m3u8?from={frm}&to={to}"
        status, _, body = fetch(url)
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("#EXT-X-PLAYLIST-TYPE:VOD", text)
        self.assertTrue(text.rstrip().endswith("#EXT-X-ENDLIST"), text)
        # TS has no edit list: the first segment starts at the key frame at or before `from`
        # (fakecam's GOP is 2 s).
        total = sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+),", text))
        self.assertTrue(secs - 0.1 <= total <= secs + 2.1, (total, secs))
        out = self.path("vod.ts")
        p = nj.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", url, "-c", "copy",
                    "-y", out], timeout=120, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertAlmostEqual(float(ffprobe_json(out)["format"]["duration"]), total, delta=0.1)
        self.assert_decodes(url)
        # A segment, by its id with and without ".ts": the same bytes.
        seg = re.findall(r"^segment/ts/(\S+)\.ts$", text, re.M)[0]
        status, headers, whole = fetch(f"{self.base}/api/hls/cam1/segment/ts/{seg}.ts")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp2t"))
        self.assertEqual(whole[0], 0x47)
        self.assertEqual(fetch(f"{self.base}/api/hls/cam1/segment/ts/{seg}")[2], whole)
        # A range with nothing recorded: a clear 404 (a playlist without segments is invalid).
        status, _, body = fetch(f"{self.base}/api/hls/cam1/vod.m3u8?from=2001-01-01T00:00:00"
                                "&to=2001-01-01T00:10:00")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"], "not_found")
        self.assertEqual(fetch(f"{self.base}/api/hls/cam1/segment/ts/999-0-5.ts")[0], 404)

    def test_ffmpeg_decodes_the_fmp4_vod_playlist_with_audio(self):
        # cam2 has AAC audio: both tracks in the init segment and every fragment.
        frm, to, secs = self.recorded_range("cam2")
        url = f"{self.base}/api/hls/cam2/vod.m3u8?from={frm}&to={to}&format=fmp4"
        status, _, body = fetch(url)
        self.assertEqual(status, 200, body)
        text = body.decode()
        self.assertIn("#EXT-X-VERSION:6", text)
        maps = re.findall(r'^#EXT-X-MAP:URI="(init/\S+\.mp4)"$', text, re.M)
        segs = re.findall(r"^(segment/fmp4/\S+\.m4s\?t0=\d+)$", text, re.M)
        self.assertEqual(len(maps), 1, text)
        self.assertGreaterEqual(len(segs), 2, text)
        self.assert_decodes(url)
        # What an MSE player appends: the init segment, then the fragments, back to back.
        status, headers, init = fetch(f"{self.base}/api/hls/cam2/{maps[0]}")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        self.assertEqual(init[4:8], b"ftyp")
        self.assertIn("mp4a.40.2", headers["X-Codecs"])
        joined = self.path("joined.mp4")
        with open(joined, "wb") as f:
            f.write(init)
            for seg in segs:
                status, headers, frag = fetch(f"{self.base}/api/hls/cam2/{seg}")
                self.assertEqual(status, 200)
                self.assertEqual(frag[4:8], b"moof")
                self.assertEqual(int(headers["Content-Length"]), len(frag))
                f.write(frag)
        self.assertEqual(nj.decode_errors(joined), "")
        probe = ffprobe_json(joined)
        self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
        # The timeline starts at the playlist's start (t0), not at the Unix epoch.
        self.assertLess(float(probe["format"].get("start_time", 0)), 0.2, probe["format"])
        total = sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+),", text))
        self.assertAlmostEqual(float(probe["format"]["duration"]), total, delta=0.2)
        # Fragments are ranges like any file: the second half of a segment.
        status, headers, whole = fetch(f"{self.base}/api/hls/cam2/{segs[0]}")
        half = len(whole) // 2
        status, _, tail = fetch(f"{self.base}/api/hls/cam2/{segs[0]}",
                                headers={"Range": f"bytes={half}-"})
        self.assertEqual((status, tail), (206, whole[half:]))

    def test_live_view_of_a_stream_that_is_not_recorded(self):
        self.wait_for(lambda: self.stream("door")["frames"] >= 30)
        self.assert_decodes(f"{self.base}/api/hls/door/live.m3u8", seconds=3)
        status, headers, jpeg = fetch(f"{self.base}/api/cameras/door/snapshot.jpg")
        self.assertEqual((status, headers["Content-Type"], jpeg[:2]), (200, "image/jpeg", b"\xff\xd8"))
        self.assertEqual(self.stream("door")["frames_recorded"], 0)
        j = json.loads(fetch(f"{self.base}/api/cameras/door/recordings")[2])
        self.assertEqual((j["runs"], j["total"]["recordings"]), ([], 0))

    def test_timeline_runs_gaps_and_days(self):
        j = json.loads(curl(f"{self.base}/api/cameras/cam1/recordings"))
        self.assertEqual(len(j["runs"]), 1, j)
        run = j["runs"][0]
        self.assertGreater(run["bytes"], 0)
        self.assertGreater(run["frames"], 0)
        self.assertTrue(run["codec"].startswith("avc1."), run)
        self.assertEqual(j["gaps"], [])
        self.assertIsNone(j["next"])
        # The same run clipped to a window inside it.
        frm, to, secs = self.recorded_range()
        j = json.loads(fetch(f"{self.base}/api/cameras/cam1/recordings?from={frm}&to={to}")[2])
        self.assertAlmostEqual(j["runs"][0]["duration_s"], secs, delta=0.01)
        self.assertAlmostEqual(j["total"]["recorded_s"], secs, delta=0.01)
        # Today has recordings, in local time and in UTC.
        for tz, today in [("", time.strftime("%Y-%m-%d")),
                          ("?tz=Z", time.strftime("%Y-%m-%d", time.gmtime()))]:
            j = json.loads(curl(f"{self.base}/api/cameras/cam1/days{tz}"))
            self.assertIn(today, [d["date"] for d in j["days"]], j)
            self.assertGreater(sum(d["recorded_s"] for d in j["days"]), 4, j)
        self.assertEqual(fetch(f"{self.base}/api/cameras/cam1/days?stream=sub")[0], 200)
        self.assertEqual(fetch(f"{self.base}/api/cameras/cam9/days")[0], 404)

    @unittest.skipUnless(nj.vlc_command(), "cvlc (vlc-bin) or setpriv not available")
    def test_vlc_plays_the_live_and_vod_playlists(self):
        # VLC (as `nobody`: it refuses root) remuxes what it plays to a file; ffprobe reads it.
        share = self.path("vlc")
        os.makedirs(share, exist_ok=True)
        os.chmod(self.tmp.name, 0o755)
        os.chmod(share, 0o777)
        frm, to, secs = self.recorded_range()
        vod = f"{self.base}/api/hls/cam1/vod.m3u8?from={frm}&to={to}"
        for name, url, run_time in [("live", f"{self.base}/api/hls/cam1/live.m3u8", 6),
                                    ("vod", vod, None), ("vodfmp4", vod + "&format=fmp4", None)]:
            out = os.path.join(share, name + ".ts")
            cmd = [*nj.vlc_command(share), "-q", "--no-repeat", "--no-loop", "--play-and-exit",
                   url, "--sout", f"#std{{access=file,mux=ts,dst={out}}}"]
            if run_time:
                cmd += [f"--run-time={run_time}"]
            p = nj.run(cmd + ["vlc://quit"], timeout=90, check=False)
            self.assertTrue(os.path.exists(out) and os.path.getsize(out) > 100_000,
                            (name, p.returncode, p.stderr[-2000:]))
            probe = ffprobe_json(out)
            video = [s for s in probe["streams"] if s["codec_type"] == "video"]
            self.assertEqual((video[0]["codec_name"], video[0]["width"]), ("h264", 1920), name)
            duration = float(probe["format"]["duration"])
            # Live: VLC's start (playlist, first segment) eats into --run-time, by how much
            # depends on the machine's load; what matters is that it played at all.
            want = 1.0 if run_time else secs - 0.5
            self.assertGreater(duration, want, (name, duration))

    def test_export_as_ts_and_mp4_with_audio(self):
        frm, to, secs = self.recorded_range("cam2")
        for fmt, name in [("", "export.ts"), ("&format=mp4", "export.mp4")]:
            status, headers, body = fetch(
                f"{self.base}/api/export?camera=cam2&from={frm}&to={to}{fmt}")
            self.assertEqual(status, 200, body[:300])
            self.assertIn("attachment", headers.get("Content-Disposition", ""))
            out = self.path(name)
            with open(out, "wb") as f:
                f.write(body)
            probe = ffprobe_json(out)
            self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
            # The .mp4's edit list starts it with the frame at `from`; the .ts at the key frame
            # at or before it (fakecam's GOP is 2 s).
            duration = float(probe["format"]["duration"])
            if fmt:
                self.assertAlmostEqual(duration, secs, delta=0.1)
            else:
                self.assertTrue(secs - 0.1 <= duration <= secs + 2.1, (duration, secs))
            self.assert_decodes(out)

    # --- WebSocket live view and snapshots ------------------------------------------------------

    def test_websocket_live_stream_decodes(self):
        ws = WebSocket(self.port, "/api/cameras/cam2/live.ws")
        try:
            self.assertEqual(ws.status, 101, ws.head)
            op, first = ws.message()
            self.assertEqual(op, 1)
            info = json.loads(first)
            self.assertEqual((info["camera"], info["stream"]), ("cam2", "main"))
            self.assertIn("avc1", info["mime"])
            self.assertIn("mp4a", info["mime"])
            op, init = ws.message()
            self.assertEqual(op, 2)
            self.assertEqual(init[4:8], b"ftyp")
            fragments = []
            while len(fragments) < 90:  # 3 s of video, with the audio between
                op, msg = ws.message()
                self.assertEqual(op, 2)
                self.assertEqual(msg[4:8], b"moof")
                fragments.append(msg)
        finally:
            ws.close()
        out = self.path("live.mp4")
        with open(out, "wb") as f:
            f.write(init + b"".join(fragments))
        probe = ffprobe_json(out, "-count_frames")
        video = [s for s in probe["streams"] if s["codec_type"] == "video"][0]
        self.assertGreaterEqual(int(video["nb_read_frames"]), 30)
        self.assert_decodes(out)
        # The sub stream; an unknown camera; a plain GET without the upgrade.
        ws = WebSocket(self.port, "/api/cameras/cam1/live.ws?stream=sub")
        try:
            self.assertEqual(ws.status, 101)
            self.assertEqual(json.loads(ws.message()[1])["stream"], "sub")
        finally:
            ws.close()
        ws = WebSocket(self.port, "/api/cameras/nope/live.ws")
        self.assertEqual(ws.status, 404)
        ws.close()
        self.assertEqual(fetch(f"{self.base}/api/cameras/cam1/live.ws")[0], 426)

    def test_snapshot_is_a_jpeg_of_the_latest_key_frame(self):
        for q, width in [("", 1920), ("?width=320", 320), ("?stream=sub", 704)]:
            status, headers, body = fetch(f"{self.base}/api/cameras/cam1/snapshot.jpg{q}")
            self.assertEqual(status, 200, body[:200])
            self.assertEqual(headers["Content-Type"], "image/jpeg")
            self.assertEqual(body[:3], b"\xff\xd8\xff")
            out = self.path("snap.jpg")
            with open(out, "wb") as f:
                f.write(body)
            self.assertEqual(int(ffprobe_json(out)["streams"][0]["width"]), width, q)
        self.assertEqual(fetch(f"{self.base}/api/cameras/nope/snapshot.jpg")[0], 404)
        self.assertEqual(fetch(f"{self.base}/api/cameras/cam1/snapshot.jpg?width=abc")[0], 400)

    # --- errors ---------------------------------------------------------------------------------

    def test_bad_requests_are_clear_4xx_and_recording_goes_on(self):
        before = self.stream("cam1")["frames_recorded"]
        cases = [
            ("/api/export?camera=cam1", 400),
            ("/api/export?camera=cam1&from=yesterday&to=today", 400),
            ("/api/export?camera=cam1&from=2026-02-19T15:00:00&to=2026-02-19T14:00:00", 400),
            ("/api/export?camera=cam1&from=2020-01-01T00:00:00&to=2026-01-01T00:00:00", 400),
            ("/api/export?camera=nope&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00", 404),
            ("/api/export?camera=cam1&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00&format=avi",
             400),
            ("/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00", 400),
            ("/api/hls/nope/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T15:00:00", 404),
            ("/api/hls/nope/live.m3u8", 404),
            ("/api/hls/cam1/live.m3u8?stream=third", 400),
            ("/api/hls/cam1/segment/ts/..%2f..%2fetc%2fpasswd", 400),
            ("/ui/../../etc/passwd", 400),
            ("/ui/assets/nothing.js", 404),
        ]
        for path, want in cases:
            status, headers, body = fetch(self.base + path)
            self.assertEqual(status, want, (path, body[:300]))
            j = json.loads(body)
            self.assertEqual(set(j), {"error", "message"}, path)
        # A range with nothing recorded exports nothing rather than an empty file.
        status, _, body = fetch(f"{self.base}/api/export?camera=cam1&from=2001-01-01T00:00:00"
                                "&to=2001-01-01T01:00:00")
        self.assertEqual(status, 404, body)
        self.wait_for(lambda: self.stream("cam1")["frames_recorded"] > before + 30)
        s = self.stream("cam1")
        self.assertEqual((s["reconnects"], s["frames_shed"]), (0, 0), s)


if __name__ == "__main__":
    unittest.main()
