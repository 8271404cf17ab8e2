"""GStreamer's rtspsrc plays and decodes `nightjar fakecam` streams without errors."""
import unittest

import nj


class GStreamerDecodesFakecam(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam("--auth", "digest", "--user", "u", "--password", "p", cameras=2)

    @classmethod
    def tearDownClass(cls):
        cls.cam.__exit__(None, None, None)

    def decode(self, path, chain, protocols, seconds=4):
        n, errors = nj.gst_decode(self.cam.url(path), chain, seconds, protocols, "u", "p")
        self.assertEqual(errors, [])
        return n

    def test_h264_tcp(self):
        n = self.decode("/cam1/main", "rtph264depay ! h264parse ! avdec_h264", "tcp")
        self.assertGreater(n, 60)  # 30 fps for 4 s, less the start-up

    def test_h264_udp(self):
        n = self.decode("/cam2/sub", "rtph264depay ! h264parse ! avdec_h264", "udp")
        self.assertGreater(n, 20)

    def test_h265(self):
        n = self.decode("/cam1/h265", "rtph265depay ! h265parse ! avdec_h265", "tcp")
        self.assertGreater(n, 60)

    def test_aac(self):
        # rtspsrc exposes one pad per stream; select the audio one by its caps.
        chain = "application/x-rtp,media=audio ! rtpmp4gdepay ! aacparse ! avdec_aac"
        n = self.decode("/cam1/audio", chain, "tcp")
        self.assertGreater(n, 80)  # ~47 AAC frames per second


if __name__ == "__main__":
    unittest.main()
