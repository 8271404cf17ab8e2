"""`nightjar fakecam` is a real RTSP server to ffmpeg: it records and decodes every stream
(H.264, H.265, B-frames, AAC) over TCP and UDP, with and without auth, without a single error."""
import os
import tempfile
import unittest

import nj


class FfmpegRecordsFakecam(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam("--auth", "none", cameras=4)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.cam.__exit__(None, None, None)
        cls.tmp.cleanup()

    def record(self, path, seconds, transport="tcp", name="out.mp4", url=None):
        out = os.path.join(self.tmp.name, name)
        nj.ffmpeg_record(url or self.cam.url(path), out, seconds, transport)
        self.assertEqual(nj.decode_errors(out), "", f"decoding {path} over {transport}")
        return nj.probe_streams(out)

    def video(self, info):
        return next(s for s in info["streams"] if s["codec_type"] == "video")

    def test_main_tcp_10s(self):
        info = self.record("/cam1/main", 10, name="main_tcp.mp4")
        v = self.video(info)
        self.assertEqual((v["codec_name"], v["width"], v["height"]), ("h264", 1920, 1080))
        self.assertEqual(v["profile"], "High")
        frames = int(v["nb_read_frames"])
        self.assertGreaterEqual(frames, 295)
        self.assertLessEqual(frames, 302)
        self.assertAlmostEqual(float(info["format"]["duration"]), 10.0, delta=0.2)
        # ~4 Mbit/s as the clip: the bytes arrived whole.
        self.assertGreater(int(info["format"]["bit_rate"]), 3_500_000)

    def test_main_udp(self):
        info = self.record("/cam2/main", 4, "udp", name="main_udp.mp4")
        frames = int(self.video(info)["nb_read_frames"])
        self.assertGreaterEqual(frames, 115)

    def test_sub_stream(self):
        v = self.video(self.record("/cam3/sub", 4, name="sub.mp4"))
        self.assertEqual((v["width"], v["height"]), (704, 480))
        self.assertEqual(v["r_frame_rate"], "10/1")
        self.assertGreaterEqual(int(v["nb_read_frames"]), 38)

    def test_h265_tcp_and_udp(self):
        for transport in ("tcp", "udp"):
            v = self.video(self.record("/cam1/h265", 4, transport, name=f"h265_{transport}.mp4"))
            self.assertEqual((v["codec_name"], v["width"], v["height"]), ("hevc", 1920, 1080))
            self.assertGreaterEqual(int(v["nb_read_frames"]), 115)

    def test_bframes(self):
        v = self.video(self.record("/cam1/bframes", 4, name="bframes.mp4"))
        self.assertEqual(v["has_b_frames"], 2)
        self.assertGreaterEqual(int(v["nb_read_frames"]), 115)

    def test_audio(self):
        info = self.record("/cam4/audio", 4, name="audio.mp4")
        a = next(s for s in info["streams"] if s["codec_type"] == "audio")
        self.assertEqual((a["codec_name"], int(a["sample_rate"]), a["channels"]), ("aac", 48000, 1))
        # 48000 / 1024 frames per second
        self.assertGreaterEqual(int(a["nb_read_frames"]), 4 * 46 - 10)
        self.assertGreaterEqual(int(self.video(info)["nb_read_frames"]), 115)


class FfmpegWithAuth(unittest.TestCase):
    def check_mode(self, mode):
        with nj.Fakecam("--auth", mode, "--user", "admin", "--password", "pa55", cameras=1) as cam, \
                tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "a.mp4")
            nj.ffmpeg_record(cam.url("/cam1/main", "admin", "pa55"), out, 3)
            self.assertEqual(nj.decode_errors(out), "")
            p = nj.run(["ffmpeg", "-nostdin", "-rtsp_transport", "tcp", "-i",
                        cam.url("/cam1/main", "admin", "wrong"), "-t", "1", "-f", "null", "-"],
                       check=False, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("401", p.stderr)

    def test_basic(self):
        self.check_mode("basic")

    def test_digest(self):
        self.check_mode("digest")


if __name__ == "__main__":
    unittest.main()
