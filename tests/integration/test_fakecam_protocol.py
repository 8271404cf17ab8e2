"""Protocol details of `nightjar fakecam` that players hide: status codes, SDP, RTP and RTCP
fields, keepalive, teardown, fault injection, seamless looping."""
import os
import struct
import subprocess
import tempfile
import time
import unittest

import nj
from rtsp_raw import RawRtsp, rtp_fields, sdp_attr


class Protocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=2)

    @classmethod
    def tearDownClass(cls):
        cls.cam.__exit__(None, None, None)

    def setUp(self):
        self.c = RawRtsp(self.cam.port)

    def tearDown(self):
        self.c.close()

    def test_options_and_errors(self):
        status, hdrs, _ = self.c.request("OPTIONS", self.cam.url("/cam1/main"))
        self.assertEqual(status, 200)
        for m in ("DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER"):
            self.assertIn(m, hdrs["public"])
        self.assertEqual(self.c.request("DESCRIBE", self.cam.url("/cam3/main"))[0], 404)
        self.assertEqual(self.c.request("DESCRIBE", self.cam.url("/cam1/nope"))[0], 404)
        self.assertEqual(self.c.request("PLAY", self.cam.url("/cam1/main"))[0], 455)
        self.assertEqual(self.c.request("FROB", self.cam.url("/cam1/main"))[0], 501)
        status, _, _ = self.c.request("SETUP", self.cam.url("/cam1/main/trackID=0"),
                                      {"Transport": "RTP/SAVP;unicast"})
        self.assertEqual(status, 461)

    def test_sdp(self):
        status, hdrs, sdp = self.c.request("DESCRIBE", self.cam.url("/cam1/audio"),
                                           {"Accept": "application/sdp"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-type"], "application/sdp")
        self.assertTrue(hdrs["content-base"].endswith("/cam1/audio/"))
        self.assertEqual(sdp_attr(sdp, "rtpmap"), ["96 H264/90000", "97 MPEG4-GENERIC/48000/1"])
        fmtp = sdp_attr(sdp, "fmtp")
        self.assertIn("packetization-mode=1", fmtp[0])
        self.assertIn("profile-level-id=64", fmtp[0])
        self.assertIn("sprop-parameter-sets=Z", fmtp[0])  # base64 of 0x67...
        self.assertIn("mode=AAC-hbr", fmtp[1])
        self.assertIn("config=1188", fmtp[1])  # AAC-LC, 48 kHz, mono
        self.assertEqual(sdp_attr(sdp, "control"), ["*", "trackID=0", "trackID=1"])
        # One stream per connection: describing another one is refused.
        self.assertEqual(self.c.request("DESCRIBE", self.cam.url("/cam1/h265"))[0], 459)
        other = RawRtsp(self.cam.port)
        _, _, sdp265 = other.request("DESCRIBE", self.cam.url("/cam1/h265"))
        other.close()
        self.assertRegex(sdp_attr(sdp265, "fmtp")[0], r"sprop-vps=.+;sprop-sps=.+;sprop-pps=.+")

    def test_rtp_stream_fields(self):
        status, hdrs, _ = self.c.play_tcp(self.cam.url("/cam1/main"))
        self.assertEqual(status, 200)
        self.assertRegex(hdrs["rtp-info"], r"url=rtsp://.*/cam1/main/trackID=0;seq=\d+;rtptime=\d+")
        seq0 = int(hdrs["rtp-info"].split("seq=")[1].split(";")[0])
        pkts = self.c.packets(2.5)
        rtp = [rtp_fields(p) for _, ch, p in pkts if ch == 0]
        rtcp = [p for _, ch, p in pkts if ch == 1]
        self.assertEqual(rtp[0]["seq"], seq0)
        for a, b in zip(rtp, rtp[1:]):
            self.assertEqual(b["seq"], (a["seq"] + 1) & 0xFFFF)
            self.assertEqual(b["ssrc"], a["ssrc"])
            self.assertGreaterEqual((b["ts"] - a["ts"]) & 0xFFFFFFFF, 0)
        # The first access unit is a key frame: SPS+PPS aggregated in a STAP-A, then the IDR.
        self.assertEqual(rtp[0]["nal"] & 0x1F, 24)
        frames = sum(1 for r in rtp if r["marker"])
        self.assertGreaterEqual(frames, 60)  # real time: 30 fps
        self.assertLessEqual(frames, 80)
        ts_span = (rtp[-1]["ts"] - rtp[0]["ts"]) & 0xFFFFFFFF
        self.assertAlmostEqual(ts_span / 90000, frames / 30, delta=0.1)
        # RTCP sender report: NTP time near now.
        self.assertTrue(rtcp)
        self.assertEqual(rtcp[0][1], 200)
        ntp_secs = struct.unpack(">I", rtcp[0][8:12])[0] - 2208988800
        self.assertAlmostEqual(ntp_secs, time.time(), delta=5)

    def test_keepalive_and_teardown(self):
        self.c.play_tcp(self.cam.url("/cam2/sub"))
        self.assertEqual(self.c.request("GET_PARAMETER", self.cam.url("/cam2/sub"))[0], 200)
        self.assertEqual(self.c.request("OPTIONS", self.cam.url("/cam2/sub"))[0], 200)
        self.assertEqual(self.c.request("TEARDOWN", self.cam.url("/cam2/sub"))[0], 200)
        with self.assertRaises(ConnectionError):
            self.c.packets(3)

    def test_wrong_session_id(self):
        self.c.play_tcp(self.cam.url("/cam1/sub"))
        self.c.session = "BOGUS"
        self.assertEqual(self.c.request("GET_PARAMETER", self.cam.url("/cam1/sub"))[0], 454)

    def test_fault_drop_after(self):
        start = time.monotonic()
        self.c.play_tcp(self.cam.url("/cam1/sub"), query="?drop_after=1.5")
        with self.assertRaises(ConnectionError):
            self.c.packets(10)
        self.assertLess(time.monotonic() - start, 6)

    def test_fault_timestamp_jump(self):
        self.c.play_tcp(self.cam.url("/cam1/sub"), query="?ts_jump_after=1&ts_jump=600")
        rtp = [rtp_fields(p) for _, ch, p in self.c.packets(2.5) if ch == 0]
        jumps = [(b["ts"] - a["ts"]) & 0xFFFFFFFF for a, b in zip(rtp, rtp[1:])]
        self.assertEqual(sum(1 for j in jumps if j > 500 * 90000), 1)

    def test_fault_garbage(self):
        self.c.play_tcp(self.cam.url("/cam2/sub"), query="?garbage_after=0.5")
        # Walk the interleaved frames until something else shows up: 4096 bytes of junk that is
        # neither RTSP nor '$', then interleaved frames again.
        data = self.c.read_raw(1.5)
        pos = 0
        while data[pos:pos + 1] == b"$":
            pos += 4 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        junk = data[pos:pos + 4096]
        self.assertEqual(len(junk), 4096)
        self.assertTrue(all(b >= 0x80 for b in junk))
        self.assertEqual(data[pos + 4096:pos + 4097], b"$")

    def test_fault_large_garbage(self):
        self.c.play_tcp(self.cam.url("/cam2/sub"), query="?garbage_after=0.5&garbage_bytes=100000")
        data = self.c.read_raw(1.5)
        pos = 0
        while data[pos:pos + 1] == b"$":
            pos += 4 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        self.assertTrue(all(b >= 0x80 for b in data[pos:pos + 100000]))
        self.assertEqual(data[pos + 100000:pos + 100001], b"$")

    def test_fault_junk_every(self):
        self.c.play_tcp(self.cam.url("/cam2/sub"), query="?junk_every=0.3")
        # Between whole interleaved frames, runs of 1-16 bytes that are neither '$' nor RTSP.
        data = self.c.read_raw(2.0)
        pos, runs = 0, []
        while pos + 4 <= len(data):
            if data[pos:pos + 1] == b"$":
                pos += 4 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
                continue
            end = data.find(b"$", pos)
            if end < 0:
                break  # junk at the very end of what was read
            runs.append(data[pos:end])
            pos = end
        self.assertGreaterEqual(len(runs), 3, runs)
        for r in runs:
            self.assertTrue(1 <= len(r) <= 16 and all(b >= 0x80 for b in r), r)

    def test_fault_refuse_tcp(self):
        status, hdrs, _ = self.c.request("DESCRIBE", self.cam.url("/cam1/sub", query="?refuse_tcp=1"))
        self.assertEqual(status, 200)
        track = hdrs["content-base"] + "trackID=0"
        status, _, _ = self.c.request("SETUP", track,
                                      {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
        self.assertEqual(status, 461)
        status, hdrs, _ = self.c.request("SETUP", track,
                                         {"Transport": "RTP/AVP;unicast;client_port=40000-40001"})
        self.assertEqual(status, 200)
        self.assertIn("server_port=", hdrs["transport"])

    def test_fault_ssrc_change(self):
        self.c.play_tcp(self.cam.url("/cam1/sub"), query="?ssrc_change_after=1")
        rtp = [rtp_fields(p) for _, ch, p in self.c.packets(2.5) if ch == 0]
        ssrcs = [r["ssrc"] for r in rtp]
        changes = [i for i in range(1, len(rtp)) if ssrcs[i] != ssrcs[i - 1]]
        self.assertEqual(len(changes), 1, ssrcs)
        # Sequence numbers restart too: the new stream does not continue the old numbering.
        i = changes[0]
        self.assertNotEqual(rtp[i]["seq"], (rtp[i - 1]["seq"] + 1) & 0xFFFF)

    def test_fault_stall(self):
        self.c.play_tcp(self.cam.url("/cam1/sub"), query="?stall_after=0.5&stall_for=2")
        pkts = self.c.packets(4)
        gaps = [b[0] - a[0] for a, b in zip(pkts, pkts[1:])]
        self.assertGreater(max(gaps), 1.5)
        self.assertGreater(pkts[-1][0] - pkts[0][0], 3)  # it resumed


    def test_fault_camera_wide_stall_holds_back_new_connections(self):
        url = self.cam.url("/cam1/sub")
        self.c.play_tcp(url, query="?stall_after=0.5&stall_for=2.5&stall_scope=camera")
        time.sleep(1.0)  # inside the stall
        late = RawRtsp(self.cam.port)
        try:
            late.play_tcp(url, query="?stall_after=0.5&stall_for=2.5&stall_scope=camera")
            start = time.monotonic()
            pkts = [p for p in late.packets(3.5) if p[1] == 0]
            self.assertTrue(pkts)
            self.assertGreater(pkts[0][0] - start, 1.0)  # nothing until the stall ended
        finally:
            late.close()


class Looping(unittest.TestCase):
    """A short clip loops seamlessly: sequence numbers and timestamps keep increasing."""

    def test_loop(self):
        with tempfile.TemporaryDirectory() as tmp:
            clip = os.path.join(tmp, "short.mp4")
            nj.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                    "-t", "1", "-c:v", "libx264", "-g", "25", "-bf", "0", clip])
            port = nj.free_port()
            proc = subprocess.Popen([nj.BIN, "fakecam", "--cameras", "1", "--port", str(port),
                                     "--clip", clip], stderr=subprocess.DEVNULL)
            try:
                nj.wait_port(port)
                c = RawRtsp(port)
                c.play_tcp(f"rtsp://127.0.0.1:{port}/cam1/main")
                rtp = [rtp_fields(p) for _, ch, p in c.packets(2.6) if ch == 0]
                c.close()
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(10), 0)
        ts = [r["ts"] for r in rtp if r["marker"]]
        self.assertGreaterEqual(len(ts), 60)
        deltas = {(b - a) & 0xFFFFFFFF for a, b in zip(ts, ts[1:])}
        self.assertEqual(deltas, {3600})  # 25 fps, across two loop boundaries


if __name__ == "__main__":
    unittest.main()
