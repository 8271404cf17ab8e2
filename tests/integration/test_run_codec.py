"""`nightjar run` against cameras whose streams are unusual at the codec level, served by fakecam
from clips made by tools/make_clips.sh:

- pps_ids.mp4: pictures alternate between PPS ids 1 and 2; PPS 2 is sent in-band only in the
  first access unit (and in the SDP), PPS 1 before every IDR. Every PPS must be in the sample
  entry, and the repeats must not start new sample entries (recordings).
- intra_refresh.mp4: periodic intra refresh (x264 intra-refresh=1), no IDR at all: recordings
  must start, and be cut, at recovery points, which are the sync samples of what is exported.

Each records through fakecam; `check --hash` is clean; the export decodes in ffmpeg without
errors, with every recorded frame, and holds the clip's frames."""
import json
import os
import struct
import subprocess
import tempfile
import time
import unittest

import nj

INTRA = os.path.join(nj.CLIPS, "intra_refresh.mp4")
PPS = os.path.join(nj.CLIPS, "pps_ids.mp4")


def avcc_parameter_sets(path):
    """(SPS list, PPS list) of the first avcC box in `path`, without trailing zero bytes."""
    with open(path, "rb") as f:
        data = f.read()
    i = data.find(b"avcC")
    if i < 0:
        raise AssertionError(f"{path} has no avcC")
    size = struct.unpack(">I", data[i - 4:i])[0]
    rec, pos = data[i + 4:i - 4 + size], 6
    sets = []
    for count in (rec[5] & 0x1F, None):
        if count is None:
            count, pos = rec[pos], pos + 1
        units = []
        for _ in range(count):
            n = struct.unpack(">H", rec[pos:pos + 2])[0]
            units.append(rec[pos + 2:pos + 2 + n].rstrip(b"\0"))
            pos += 2 + n
        sets.append(units)
    return sets[0], sets[1]


def decoded_frames(path, *flags, seek=None):
    """(frames ffmpeg decodes from `path`, its error output); `seek` (s) starts there (-ss)."""
    pre = ["-ss", str(seek)] if seek is not None else []
    p = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *flags, *pre,
                        "-i", path, "-map", "0:v", "-f", "framemd5", "-"],
                       capture_output=True, text=True, timeout=120)
    frames = [line for line in p.stdout.splitlines() if line and not line.startswith("#")]
    return len(frames), p.stderr.strip() + ("" if p.returncode == 0 else f" exit {p.returncode}")


class CodecStreams(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for clip in (INTRA, PPS):
            if not os.path.exists(clip):
                raise unittest.SkipTest(f"{clip} missing: run tools/make_clips.sh")
        cls.cam = nj.Fakecam("--clip", INTRA, "--clip", PPS, cameras=1)

    @classmethod
    def tearDownClass(cls):
        cls.cam.__exit__(None, None, None)

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="nj-codec-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def record(self, path, frames, segment_secs, while_recording=None):
        """Records /cam1/<path> until `frames` video frames are recorded, calls
        while_recording(api base URL, data dir) if given, stops; returns the listing."""
        cams = [nj.camera("cam1", self.cam.url(path))]
        port = nj.free_port() if while_recording else None
        with nj.Recorder(self.tmp, cams, storage={"segment_duration_secs": segment_secs},
                         api_port=port) as r:
            st = r.wait(lambda st: (r.stream("cam1", "main", st) or {}).get(
                "frames_recorded", 0) >= frames, f"{frames} frames recorded")
            s = r.stream("cam1", "main", st)
            self.assertEqual(s["reconnects"], 0, s)
            if while_recording:
                while_recording(f"http://127.0.0.1:{port}", r.data)
            self.assertEqual(r.terminate(), 0, r.output()[-3000:])
            self.data = r.data
        nj.check_hash(self.data)
        listing = nj.list_json(self.data, "cam1")
        self.assertEqual(len(listing["runs"]), 1, listing["runs"])
        return listing

    def export(self, start, end, name):
        out = nj.export(self.data, "cam1", start, end, os.path.join(self.tmp, name))
        self.assertEqual(nj.decode_errors(out), "", f"decoding {out}")
        return out

    def test_several_pps_ids(self):
        listing = self.record("/cam1/pps_ids", 150, 60)
        recs = listing["recordings"]
        # The in-band repeats of SPS 1 / PPS 1 before each IDR (every 2 s) change no sample
        # entry, so nothing cuts the recording before its 60 s.
        self.assertEqual(len(recs), 1, recs)
        self.assertGreaterEqual(recs[0]["key_frames"], 3, recs)
        run = listing["runs"][0]
        out = self.export(run["start"], run["end"], "pps.mp4")
        sps, pps = avcc_parameter_sets(out)
        self.assertEqual(len(sps), 1)
        self.assertEqual(len(pps), 2, "both PPS ids in the sample entry")
        self.assertEqual(pps, avcc_parameter_sets(PPS)[1])
        frames = sum(r["frames"] for r in recs)
        self.assertEqual(decoded_frames(out), (frames, ""))
        nj.assert_same_frames(out, PPS, 30)

    def served_over_http(self, base, data):
        """Live LL-HLS, and VOD playlists as MPEG-TS and fMP4, all cut at recovery points,
        decode in ffmpeg without errors."""
        run = nj.list_json(data, "cam1")["runs"][0]
        start = run["start_90k"] // 90000 + 1
        end = start + int(run["duration_s"]) - 2
        frm, to = (time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) for t in (start, end))
        vod = f"{base}/api/hls/cam1/vod.m3u8?from={frm}&to={to}"
        for url, limit in [(f"{base}/api/hls/cam1/live.m3u8", ["-t", "3"]), (vod, []),
                           (vod + "&format=fmp4", [])]:
            status, _, body = nj.fetch(url)
            self.assertEqual(status, 200, (url, body[:300]))
            p = nj.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", url, *limit,
                        "-f", "null", "-"], timeout=120, check=False)
            self.assertEqual((p.returncode, p.stderr.strip()), (0, ""), url)

    def test_intra_refresh_without_idr(self):
        # The clip really has no IDR: every picture is a P picture (intra refresh columns).
        p = nj.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                    "frame=pict_type", "-of", "csv=p=0", INTRA])
        self.assertEqual(set(p.stdout.split()), {"P"})
        # 5 s recordings (the shortest allowed): each starts at a recovery point (one per
        # second); 11 s also cross the clip's loop, where fakecam goes on with its first frame.
        listing = self.record("/cam1/intra_refresh", 330, 5, self.served_over_http)
        recs = listing["recordings"]
        self.assertGreaterEqual(len(recs), 2, recs)
        frames = sum(r["frames"] for r in recs)
        for r in recs:
            self.assertGreaterEqual(r["key_frames"], 1, r)
        run = listing["runs"][0]
        out = self.export(run["start"], run["end"], "intra.mp4")
        # Recovery points are the sync samples, where the clip (ffmpeg's mov muxer) has them.
        nj.assert_same_frames(out, INTRA, 30)
        keys = [p["key"] for p in nj.video_packets(out)]
        self.assertTrue(keys[0])
        self.assertGreaterEqual(sum(keys), frames // 30 - 1)
        # Every recorded frame decodes when decoders show pictures before recovery completes;
        # by default ffmpeg holds back those before the first recovery point has recovered.
        self.assertEqual(decoded_frames(out, "-flags2", "showall"), (frames, ""))
        n, errors = decoded_frames(out)
        self.assertEqual(errors, "")
        self.assertGreaterEqual(n, frames - 30)
        # Seeking into the middle starts at a recovery point and decodes cleanly.
        n, errors = decoded_frames(out, seek=run["duration_s"] / 2)
        self.assertEqual(errors, "")
        self.assertGreater(n, 0)
        # A later recording alone (it starts at a recovery point mid-stream), and the .ts export.
        last = recs[-1]
        self.export(last["start"], last["end"], "last.mp4")
        ts = self.export(run["start"], run["end"], "intra.ts")
        self.assertEqual(decoded_frames(ts, "-flags2", "showall"), (frames, ""))


if __name__ == "__main__":
    unittest.main()
