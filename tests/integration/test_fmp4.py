"""Fragmented MP4 (init segment + one moof/mdat per GOP) written by the mp4 module from the 1080p
clip, decoded by ffmpeg: no errors, every frame, the clip's duration. The fragments come from the
unit test Fmp4.ClipAsFragmentsPerGop (mp4_test), which writes them where NIGHTJAR_FMP4_DUMP says."""
import json
import os
import subprocess
import tempfile
import unittest

import nj

MP4_TEST = os.environ.get("NIGHTJAR_MP4_TEST", "")


class Fmp4Test(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(MP4_TEST), "mp4_test not built")
    def test_fragments_per_gop_decode_completely(self):
        with tempfile.TemporaryDirectory(prefix="nj-fmp4-") as tmp:
            dump = os.path.join(tmp, "frag.mp4")
            env = dict(os.environ, NIGHTJAR_FMP4_DUMP=dump, NIGHTJAR_CLIPS=nj.CLIPS)
            p = subprocess.run([MP4_TEST, "--gtest_filter=Fmp4.ClipAsFragmentsPerGop"], env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertTrue(os.path.getsize(dump) > 1_000_000)
            self.assertEqual(nj.decode_errors(dump), "")
            probe = subprocess.run(
                ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                 "-show_entries", "stream=nb_read_frames,codec_name,width,height:format=duration",
                 "-of", "json", dump], capture_output=True, text=True, check=True)
            j = json.loads(probe.stdout)
            s = j["streams"][0]
            self.assertEqual((s["codec_name"], s["width"], s["height"]), ("h264", 1920, 1080))
            self.assertEqual(int(s["nb_read_frames"]), 300)
            self.assertAlmostEqual(float(j["format"]["duration"]), 10.0, delta=0.1)


if __name__ == "__main__":
    unittest.main()
