#!/usr/bin/env python3
"""Rewrites an H.264 Annex B stream so that its pictures alternate between two PPS ids, as some
cameras' streams do: a copy of the stream's PPS under id 2 is added after the first PPS of the
stream (only there: afterwards the camera repeats only PPS 1 in-band, so PPS 2 is known only from
the first access unit, and from the MP4 sample entry / SDP), and every other picture's slices
name PPS 2 instead of PPS 1.

    tools/alternate_pps.py IN.h264 OUT.h264

The input must use PPS id 1 (x264 -x264-params sps-id=1): ue(1) and ue(2) are both 3 bits
('010', '011'), so the rewrite flips one bit of the PPS and of each slice header (ITU-T H.264
§7.3.2.2, §7.3.3: pic_parameter_set_id is the first field of a PPS and the third of a slice
header) and nothing else moves, CABAC alignment included. NAL units are unescaped, rewritten and
escaped again (emulation prevention, §7.4.1).
"""
import re
import sys


def split_annexb(data):
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    nals = []
    for i, s in enumerate(starts):
        e = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        nals.append(data[s:e].rstrip(b"\x00"))
    return [n for n in nals if n]


def unescape(b):
    out, zeros = bytearray(), 0
    for x in b:
        if zeros >= 2 and x == 3:
            zeros = 0
            continue
        out.append(x)
        zeros = zeros + 1 if x == 0 else 0
    return out


def escape(b):
    out, zeros = bytearray(), 0
    for x in b:
        if zeros >= 2 and x <= 3:
            out.append(3)
            zeros = 0
        out.append(x)
        zeros = zeros + 1 if x == 0 else 0
    if zeros >= 2:
        out.append(3)
    return bytes(out)


def bit(b, i):
    return (b[i // 8] >> (7 - i % 8)) & 1


def skip_ue(b, i):
    """Bit index after the ue(v) starting at bit i."""
    zeros = 0
    while bit(b, i) == 0:
        zeros += 1
        i += 1
    return i + 1 + zeros


def set_pps_id(nal, ues_before):
    """`nal` with the ue(1) after `ues_before` ue(v) fields turned into ue(2)."""
    rbsp = unescape(nal[1:])
    i = 0
    for _ in range(ues_before):
        i = skip_ue(rbsp, i)
    if [bit(rbsp, i + k) for k in range(3)] != [0, 1, 0]:
        raise SystemExit("alternate_pps: expected pic_parameter_set_id 1 (x264 sps-id=1)")
    rbsp[(i + 2) // 8] |= 1 << (7 - (i + 2) % 8)
    return nal[:1] + escape(rbsp)


def main():
    nals = split_annexb(open(sys.argv[1], "rb").read())
    out = bytearray()
    picture, added, in_picture = -1, False, False
    for nal in nals:
        t = nal[0] & 0x1F
        if t in (1, 5):
            first_mb_zero = unescape(nal[1:3])[0] & 0x80  # first_mb_in_slice == 0: a new picture
            if first_mb_zero or not in_picture:
                picture += 1
            in_picture = True
            if picture % 2 == 1:
                nal = set_pps_id(nal, 2)  # after first_mb_in_slice and slice_type
        else:
            in_picture = False
        out += b"\x00\x00\x00\x01" + nal
        if t == 8 and not added:
            out += b"\x00\x00\x00\x01" + set_pps_id(nal, 0)
            added = True
    if not added:
        raise SystemExit("alternate_pps: no PPS in the input")
    open(sys.argv[2], "wb").write(out)


if __name__ == "__main__":
    main()
