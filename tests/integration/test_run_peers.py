"""`nightjar run` recording from RTSP servers no one here wrote: GStreamer's rtsp-server (through
Python GI, gst_rtsp_server.py) and VLC's RTSP stream output. The recordings must carry the
clip's codec, resolution and frame rate, and frame for frame the clip's access units (compared
by size and presentation order through `nightjar export` and ffprobe); `nightjar check --hash`
must be clean.

VLC 3's RTSP output serves RTP over UDP only (a TCP SETUP gets 461), and its --loop restarts
the elementary streams, leaving existing sessions silent: it gets a 30 s clip and UDP."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import nj

TICKS = 90000
GI_PYTHON = "/usr/bin/python3"  # Debian's python3 has the GObject/GStreamer bindings
GST_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gst_rtsp_server.py")


def have_gst_rtsp_server():
    p = subprocess.run([GI_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); "
                        "from gi.repository import GstRtspServer"], capture_output=True)
    return p.returncode == 0


class Server:
    """A peer RTSP server in a child process with its output in a log; SIGTERM on exit."""

    def __init__(self, cmd, port, tmp):
        self.port = port
        self.log = open(os.path.join(tmp, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            nj.wait_port(port, timeout=30, proc=self.proc)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"{cmd[0]} did not start:\n{self.output()}")

    def url(self, path):
        return f"rtsp://127.0.0.1:{self.port}{path}"

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class PeerTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def assert_recorded(self, r, cam, codec, resolution, fps=30, audio=False):
        """One run of `codec` at `resolution`, `fps` frames per second of its duration (±5%),
        audio samples at AAC's 46.875 frames/s when `audio`; returns the listing."""
        listing = nj.list_json(r.data, cam)
        recs = listing["recordings"]
        self.assertEqual(len(listing["runs"]), 1, f"{cam}: {listing['runs']}")
        self.assertGreaterEqual(len(recs), 1, cam)
        for rec in recs:
            self.assertEqual(rec["state"], "WRITTEN", rec)
            self.assertTrue(rec["codec"].startswith(codec), rec)
            self.assertEqual(rec["resolution"], resolution, rec)
        frames = sum(rec["frames"] for rec in recs)
        seconds = listing["total"]["duration_90k"] / TICKS
        self.assertGreater(seconds, 3, cam)
        self.assertAlmostEqual(frames / seconds, fps, delta=fps * 0.05,
                               msg=f"{cam}: {frames} frames in {seconds:.3f} s")
        audio_samples = sum(rec["audio_samples"] for rec in recs)
        if audio:
            self.assertAlmostEqual(audio_samples / seconds, 48000 / 1024,
                                   delta=48000 / 1024 * 0.1,
                                   msg=f"{cam}: {audio_samples} audio frames in {seconds:.3f} s")
        else:
            self.assertEqual(audio_samples, 0, cam)
        return listing

    def assert_same_frames(self, r, cam, listing, clip):
        """The recorded run, exported, holds the clip's access units in order (nj.py), all of
        them, and decodes without an error."""
        run = listing["runs"][0]
        out = nj.export(r.data, cam, run["start"], run["end"], os.path.join(self.tmp, f"{cam}.mp4"))
        self.assertEqual(len(nj.video_packets(out)),
                         sum(rec["frames"] for rec in listing["recordings"]), cam)
        nj.assert_same_frames(out, clip, 30)
        self.assertEqual(nj.decode_errors(out), "", cam)


@unittest.skipUnless(have_gst_rtsp_server(), "GstRtspServer GI bindings not installed "
                     "(gir1.2-gst-rtsp-server-1.0)")
class GStreamerPeer(PeerTest):
    def test_records_gstreamer_rtsp_server(self):
        port = nj.free_port()
        with Server([GI_PYTHON, GST_SERVER, str(port), nj.CLIPS], port, self.tmp) as g:
            cams = [nj.camera("h264", g.url("/h264")),
                    nj.camera("h265", g.url("/h265")),
                    nj.camera("audio", g.url("/audio")),
                    nj.camera("udp", g.url("/h264"), transport="udp"),
                    nj.camera("udpaudio", g.url("/audio"), transport="udp")]
            names = [(c["id"], "main") for c in cams]
            with nj.Recorder(self.tmp, cams) as r:
                r.wait_streaming(names)
                # 5 s of frames: each client plays the 10 s clip once from its start.
                st = r.wait(lambda st: all(r.stream(c, k, st)["frames"] >= 150 for c, k in names),
                            "5 s of frames on every stream")
                self.assertEqual(r.terminate(), 0, r.output()[-3000:])
            for c, _ in names:
                s = r.stream(c, "main", st)
                self.assertEqual((s["sessions"], s["reconnects"]), (1, 0), s)
                self.assertIsNone(s["last_error"], s)
                self.assertEqual(s["frames_dropped"], 0, s)
                if "audio" in c:
                    self.assertEqual(s["audio_codec"], "mp4a.40.2", s)
                    self.assertGreater(s["audio_frames"], 0, s)
                else:
                    self.assertIsNone(s["audio_codec"], s)
        listing = self.assert_recorded(r, "h264", "avc1.", "1920x1080")
        self.assert_same_frames(r, "h264", listing, os.path.join(nj.CLIPS, "main.mp4"))
        listing = self.assert_recorded(r, "h265", "hvc1.", "1920x1080")
        self.assert_same_frames(r, "h265", listing, os.path.join(nj.CLIPS, "h265.mp4"))
        listing = self.assert_recorded(r, "audio", "avc1.", "1280x720", audio=True)
        self.assert_same_frames(r, "audio", listing, os.path.join(nj.CLIPS, "audio.mp4"))
        self.assert_recorded(r, "udp", "avc1.", "1920x1080")
        self.assert_recorded(r, "udpaudio", "avc1.", "1280x720", audio=True)
        nj.check_hash(r.data)


@unittest.skipUnless(nj.vlc_command(), "cvlc (vlc-bin) or setpriv not available")
class VlcPeer(PeerTest):
    def test_records_vlc_rtsp_output(self):
        # VLC reads the clip as `nobody`: a world-readable copy. Its stream output restarts its
        # elementary streams when --loop wraps, which leaves RTSP sessions silent: a 30 s clip
        # (main.mp4 three times, remuxed) outlasts the test instead.
        share = os.path.join(self.tmp, "vlc")
        os.mkdir(share)
        os.chmod(self.tmp, 0o755)
        os.chmod(share, 0o777)
        clip = os.path.join(share, "main30.mp4")
        nj.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-stream_loop", "2", "-i",
                os.path.join(nj.CLIPS, "main.mp4"), "-c", "copy", "-y", clip])
        os.chmod(clip, 0o644)
        port = nj.free_port()
        # VLC's RTSP output (modules/stream_out/rtsp.c) serves RTP over UDP only: a SETUP asking
        # for TCP interleaving gets 461 Unsupported Transport, and the camera configured for TCP
        # falls back to UDP on the same connection (status names the transport in use).
        cmd = [*nj.vlc_command(share), "-q", "--no-repeat", "--no-loop", clip,
               "--sout", f"#rtp{{sdp=rtsp://127.0.0.1:{port}/test}}", "--sout-keep"]
        with Server(cmd, port, self.tmp) as v:
            cams = [nj.camera("vlc", v.url("/test"), transport="udp"),
                    nj.camera("vlctcp", v.url("/test"))]
            names = [("vlc", "main"), ("vlctcp", "main")]
            with nj.Recorder(self.tmp, cams) as r:
                r.wait_streaming(names)
                st = r.wait(lambda st: all(r.stream(c, k, st)["frames"] >= 150 for c, k in names),
                            "5 s of frames from VLC on both")
                self.assertEqual(r.terminate(), 0, r.output()[-3000:])
        for c, _ in names:
            s = r.stream(c, "main", st)
            self.assertEqual((s["sessions"], s["reconnects"]), (1, 0), s)
            self.assertEqual((s["width"], s["height"]), (1920, 1080), s)
            self.assertEqual(s["transport"], "udp", s)
            listing = self.assert_recorded(r, c, "avc1.", "1920x1080")
            if s["packets_lost"] == 0:
                self.assert_same_frames(r, c, listing, clip)
        self.assertIn("refused tcp", r.output())
        nj.check_hash(r.data)


if __name__ == "__main__":
    unittest.main()
