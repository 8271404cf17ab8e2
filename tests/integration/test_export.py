"""`nightjar export` to .mp4 and .ts on recordings made through the real storage engine
(tests/media/record_clip feeds the clips faster than real time), checked with ffprobe/ffmpeg:
no decode errors, the requested frame count and duration, a mid-GOP start that presents from the
exact time (edit list), ranges across recordings, a run gap and a parameter change, B-frames,
and the audio clip's audio track."""
import datetime
import json
import os
import subprocess
import tempfile
import unittest

import nj

RECORD = os.environ.get("NIGHTJAR_RECORD_CLIP",
                        os.path.join(os.path.dirname(nj.BIN), "tests/record_clip"))
T0 = 1_771_500_000  # 2026-02-19T11:20:00Z


def clip(name):
    return os.path.join(nj.CLIPS, name)


def iso(seconds):
    """UTC time with milliseconds, in a form `nightjar export` parses."""
    t = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def probe(path):
    """Per stream: codec, decoded frame count, duration (s), first pts (s)."""
    p = nj.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                "stream=codec_type,codec_name,nb_read_frames,duration,start_time,width,height,"
                "sample_rate:format=duration,format_name", "-of", "json", path])
    return json.loads(p.stdout)


def frame_times(path, stream="v:0"):
    """Presentation times (s) of the frames ffprobe shows, in order."""
    p = nj.run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
                "frame=pts_time", "-of", "csv=p=0", path])
    values = [x.strip().strip(",") for x in p.stdout.split()]
    return [float(x) for x in values if x and x != "N/A"]


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")

        def record(camera, start, seconds, *clips):
            nj.run([RECORD, cls.data, camera, str(start), str(seconds), "4", *map(clip, clips)])

        # cam1: run 1 of 20 s; a 10 s gap; run 2: 10 s of main.mp4 then 10 s of sub.mp4
        # (another resolution and frame rate: a sample-entry change inside the run).
        record("cam1", T0, 20, "main.mp4")
        record("cam1", T0 + 30, 20, "main.mp4", "sub.mp4")
        record("cam2", T0, 20, "bframes.mp4")
        record("cam3", T0, 20, "audio.mp4")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, camera, start, end, ext):
        out = os.path.join(self.tmp.name, f"{camera}-{start}-{end}.{ext}")
        p = nj.run([nj.BIN, "export", "--data", self.data, "--camera", camera, "--from",
                    iso(T0 + start), "--to", iso(T0 + end), "-o", out], check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(nj.decode_errors(out), "", f"decoding {out}")
        return out

    def video(self, info):
        return [s for s in info["streams"] if s["codec_type"] == "video"][0]

    def assert_mp4(self, camera, start, end, fps):
        out = self.export(camera, start, end, "mp4")
        info = probe(out)
        v = self.video(info)
        self.assertEqual(int(v["nb_read_frames"]), round((end - start) * fps), info)
        self.assertAlmostEqual(float(v["duration"]), end - start, delta=0.5 / fps)
        times = frame_times(out)
        self.assertAlmostEqual(times[0], 0.0, delta=0.001)
        return out, info, times

    def test_whole_run_mp4(self):
        self.assert_mp4("cam1", 0, 20, 30)

    def test_mid_gop_start_presents_from_the_exact_time(self):
        # 3.5 s is 1.5 s into the GOP that starts at 2 s: the file holds those frames (they are
        # needed to decode) and its edit list hides them.
        out, info, times = self.assert_mp4("cam1", 3.5, 7.5, 30)
        self.assertEqual(len(times), 120)
        # The first frame shown is the clip's frame at 3.5 s (frame 105), not the key frame:
        # compare its decoded picture with the source clip's.
        def frame_md5(path, seek_frames, offset=None):
            cmd = ["ffmpeg", "-v", "error", "-i", path, "-vf", f"select=eq(n\\,{seek_frames})",
                   "-frames:v", "1", "-f", "md5", "-"]
            return nj.run(cmd).stdout.strip()
        self.assertEqual(frame_md5(out, 0), frame_md5(clip("main.mp4"), 105))

    def test_ts_starts_at_the_preceding_key_frame(self):
        out = self.export("cam1", 3.5, 7.5, "ts")
        info = probe(out)
        v = self.video(info)
        self.assertEqual(info["format"]["format_name"], "mpegts")
        # From the key frame at 2 s to the frame containing 7.5 s.
        self.assertEqual(int(v["nb_read_frames"]), 165)
        self.assertAlmostEqual(float(info["format"]["duration"]), 5.5, delta=0.05)

    def test_range_across_recordings_and_a_run_gap(self):
        # 15..20 s of run 1, then (the gap 20..30 s has nothing) 30..35 s of run 2.
        out = self.export("cam1", 15, 35, "mp4")
        v = self.video(probe(out))
        self.assertEqual(int(v["nb_read_frames"]), 300)
        self.assertAlmostEqual(float(v["duration"]), 10.0, delta=0.02)
        ts = self.export("cam1", 15, 35, "ts")  # from the key frame at 14 s
        self.assertEqual(int(self.video(probe(ts))["nb_read_frames"]), 330)

    def test_parameter_change_inside_a_run(self):
        # 35..40 s: main.mp4 (1920x1080, 30 fps); 40..45 s: sub.mp4 (704x480, 10 fps). The .ts
        # starts at the key frame at 34 s.
        for ext, frames in (("mp4", 150 + 50), ("ts", 180 + 50)):
            out = self.export("cam1", 35, 45, ext)
            v = self.video(probe(out))
            self.assertEqual(int(v["nb_read_frames"]), frames, ext)
            sizes = nj.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "frame=width,height", "-of", "csv=p=0", out]).stdout.split()
            self.assertEqual(sizes[0], "1920,1080")
            self.assertEqual(sizes[-1], "704,480")

    def test_b_frames(self):
        out, info, times = self.assert_mp4("cam2", 1.5, 9.5, 30)
        self.assertEqual(times, sorted(times))
        ts = self.export("cam2", 1.5, 9.5, "ts")
        # From the key frame at 0 s (2 s GOPs) to 9.5 s: 285 frames shown before 9.5 s, plus the
        # reference frame the last B-frames need, which is shown at 9.5 s.
        self.assertEqual(int(self.video(probe(ts))["nb_read_frames"]), 286)

    def test_audio_track(self):
        for ext in ("mp4", "ts"):
            out = self.export("cam3", 2, 12, ext)
            info = probe(out)
            audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
            self.assertEqual(len(audio), 1, info)
            self.assertEqual(audio[0]["codec_name"], "aac")
            self.assertEqual(audio[0]["sample_rate"], "48000")
            # 10 s of 48 kHz AAC is ~469 frames of 1024 samples.
            self.assertAlmostEqual(int(audio[0]["nb_read_frames"]), 469, delta=4)
            if ext == "mp4":
                self.assertAlmostEqual(float(audio[0]["duration"]), 10.0, delta=0.05)

    def test_refusals(self):
        out = os.path.join(self.tmp.name, "x.mp4")
        cases = [(["--from", iso(T0 + 5), "--to", iso(T0 + 1)], 2),
                 (["--from", "yesterday", "--to", iso(T0 + 1)], 2),
                 (["--from", iso(T0 - 100), "--to", iso(T0 - 50)], 1)]  # nothing recorded
        for args, code in cases:
            p = nj.run([nj.BIN, "export", "--data", self.data, "--camera", "cam1", *args, "-o",
                        out], check=False)
            self.assertEqual(p.returncode, code, p.stderr)
            self.assertFalse(os.path.exists(out))
        p = nj.run([nj.BIN, "export", "--data", self.data, "--camera", "nope", "--from",
                    iso(T0), "--to", iso(T0 + 1), "-o", out], check=False)
        self.assertEqual(p.returncode, 1)
        p = nj.run([nj.BIN, "export", "--data", self.data, "--camera", "cam1", "--from",
                    iso(T0), "--to", iso(T0 + 1), "-o", out + ".avi"], check=False)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
