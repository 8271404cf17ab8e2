"""Which recorded frame a browser showed: the reference side of test_web_ui.py's seek check.

The browser reports its paused <video>'s picture at an instant X as 80x45 grey (box
averages of the full-size RGB frame, grey = 0.299 R + 0.587 G + 0.114 B). Here `nightjar export`
(the CLI, offline, while the daemon records) writes [X - 1.6 s, X + 1.7 s] as .mp4; its frames are
decoded with the edit list ignored, so each keeps its own presentation time, and reduced the same
way. "The frame at X" is the one whose presentation interval contains X. The export's edit list
starts at the start of the frame holding X - 1.6 s (up to one frame before that instant, see the
last paragraph), and 1.6 s is a whole number of frames at fakecam's 30 fps (and at 25), so the
frame holding X starts exactly 1.6 s after the edit list's start: it is the last frame whose
presentation time is at or before that start plus 1.6 s plus half a frame (the half frame keeps
a rounding of a tick from picking the frame before). The same rule picks the frames 1.5 s (also
whole frames) either side.

The browser converts YUV to RGB with a colour matrix the stream does not state (fakecam's clips
are untagged): both BT.709 and BT.601 are tried and the closer one is used for every comparison.
Besides the mean absolute difference (MAD) over the whole picture, a masked MAD is computed over
the pixels where the frame at X and the frames 1.5 s away differ by more than 24 grey levels (the
moving parts of the picture), which the colour conversion barely affects. Measured with fakecam's
720p clip: the browser's picture is 0.8 grey levels (MAD) from its frame, 2.1-3.3 from the frames
one or two before or after it and 3-7 from those 1.5 s away; masked, 0.8-1.1 against 22-48.

Chromium, like ffmpeg, drops a frame that straddles an edit list's start (its MP4 demuxer is
FFmpeg's): were view.mp4?from=X's edit list to start at X itself, a page opened at X would show
the frame after the one containing X. The server starts it at that frame's start instead.
"""
import struct
import subprocess

W, H = 80, 45  # whole boxes of 720p and 1080p pictures
MARGIN_BEFORE, MARGIN_AFTER, AWAY = 1.6, 1.7, 1.5


def _boxes(buf, start, end):
    i = start
    while i + 8 <= end:
        size, typ = struct.unpack(">I4s", buf[i:i + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", buf[i + 8:i + 16])[0]
            header = 16
        elif size == 0:
            size = end - i
        if size < header:
            raise ValueError("bad box size")
        yield typ, i + header, i + size
        i += size


def _child(buf, start, end, path):
    for typ, s, e in _boxes(buf, start, end):
        if typ == path[0]:
            return (s, e) if len(path) == 1 else _child(buf, s, e, path[1:])
    return None


def video_edit(path):
    """(media_time of the video track's first non-empty edit, its timescale): ISO/IEC 14496-12
    §8.6.6 elst and §8.4.2 mdhd."""
    with open(path, "rb") as f:
        buf = f.read()
    moov = _child(buf, 0, len(buf), [b"moov"])
    for typ, s, e in _boxes(buf, *moov):
        if typ != b"trak":
            continue
        hdlr = _child(buf, s, e, [b"mdia", b"hdlr"])
        if not hdlr or buf[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
            continue
        mdhd = _child(buf, s, e, [b"mdia", b"mdhd"])
        v1 = buf[mdhd[0]] == 1
        timescale = struct.unpack(">I", buf[mdhd[0] + (20 if v1 else 12):][:4])[0]
        elst = _child(buf, s, e, [b"edts", b"elst"])
        if not elst:
            return 0, timescale
        v1 = buf[elst[0]] == 1
        count = struct.unpack(">I", buf[elst[0] + 4:elst[0] + 8])[0]
        p = elst[0] + 8
        for _ in range(count):
            if v1:
                _, media_time = struct.unpack(">Qq", buf[p:p + 16])
                p += 20
            else:
                _, media_time = struct.unpack(">Ii", buf[p:p + 8])
                p += 12
            if media_time >= 0:
                return media_time, timescale
    raise AssertionError(f"{path} has no video track")


def _decode(path, matrix):
    """Every video frame in presentation order, edit list ignored: (pts, [grey]) pairs."""
    pts = subprocess.run(["ffprobe", "-v", "error", "-ignore_editlist", "1", "-select_streams", "v:0",
                          "-show_entries", "frame=pts", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout
    pts = [line.split(",")[0] for line in pts.splitlines() if line.strip()]  # "360000," too
    vf = (f"scale=in_color_matrix={matrix}:in_range=limited:out_range=full,format=rgb24,"
          f"scale={W}:{H}:flags=area")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-ignore_editlist", "1", "-i", path,
                          "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", vf, "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    n = W * H * 3
    frames = []
    for i in range(len(raw) // n):
        f = raw[i * n:(i + 1) * n]
        frames.append([round(0.299 * f[j] + 0.587 * f[j + 1] + 0.114 * f[j + 2])
                       for j in range(0, n, 3)])
    if len(frames) != len(pts):
        raise AssertionError(f"{len(frames)} frames decoded, {len(pts)} timestamps")
    return sorted(zip((int(p) for p in pts), frames), key=lambda x: x[0])


def _at(frames, media_time):
    """Index of the frame whose presentation interval contains media_time."""
    i = max((k for k, (p, _) in enumerate(frames) if p <= media_time), default=None)
    if i is None:
        raise AssertionError(f"no frame at or before {media_time}")
    return i


def mad(a, b, mask=None):
    idx = range(len(a)) if mask is None else mask
    return sum(abs(a[i] - b[i]) for i in idx) / max(1, len(idx))


def compare(shown, export_mp4):
    """`shown` (80x45 grey of the browser's picture at X) against the export of
    [X - MARGIN_BEFORE, X + MARGIN_AFTER]: a dict of figures (see the module doc). `frame` is the
    index of the frame at X, `best` the offset from it (-2 .. 2) of the frame closest to `shown`;
    `mad` and `masked` are against that closest frame, `*_away` against the frames 1.5 s away."""
    media0, timescale = video_edit(export_mp4)
    result = None
    for matrix in ("bt709", "bt601"):
        frames = _decode(export_mp4, matrix)
        steps = sorted(b[0] - a[0] for a, b in zip(frames, frames[1:]))
        half = steps[len(steps) // 2] // 2 if steps else 0
        at = lambda s: _at(frames, media0 + round(s * timescale) + half)  # noqa: E731
        k = at(MARGIN_BEFORE)
        near = {d: mad(shown, frames[k + d][1]) for d in range(-2, 3) if 0 <= k + d < len(frames)}
        best = min(near, key=near.get)
        ref = frames[k + best][1]
        far = [frames[at(MARGIN_BEFORE - AWAY)][1], frames[at(MARGIN_BEFORE + AWAY)][1]]
        mask = [i for i in range(W * H) if any(abs(ref[i] - f[i]) > 24 for f in far)]
        r = {"matrix": matrix, "frame": k, "frames": len(frames), "best": best,
             "mad_near": [round(near[d], 2) if d in near else None for d in range(-2, 3)],
             "mad": round(near[best], 2), "mad_away": [round(mad(shown, f), 2) for f in far],
             "moving_pixels": len(mask), "masked": round(mad(shown, ref, mask), 2),
             "masked_away": [round(mad(shown, f, mask), 2) for f in far]}
        if result is None or r["mad"] < result["mad"]:
            result = r
    return result
