#!/usr/bin/env bash
# Generates the test clips with ffmpeg (libx264/libx265): nothing is downloaded. Idempotent: the
# clips are rebuilt only when this script changes.
#
#   tools/make_clips.sh OUT_DIR
#
# main.mp4     1920x1080 30 fps H.264 High, ~4 Mbit/s CBR, 2 s GOP, no B-frames   (camera main)
# sub.mp4      704x480 10 fps H.264 Main, ~512 kbit/s, 2 s GOP                     (camera sub)
# h265.mp4     1920x1080 30 fps H.265 Main, ~2 Mbit/s, 2 s GOP, no B-frames
# bframes.mp4  1280x720 30 fps H.264 High with 2 B-frames, 2 s GOP
# audio.mp4    1280x720 30 fps H.264 + AAC-LC 48 kHz mono
# intra_refresh.mp4  640x360 30 fps H.264 with periodic intra refresh (x264 intra-refresh=1,
#              keyint=30): no IDR at all (the encoder's first IDR is cut off), a recovery point SEI
#              every second; ffmpeg marks those as sync samples
# pps_ids.mp4  640x360 30 fps H.264 whose pictures alternate between PPS ids 1 and 2; PPS 2 is
#              in-band only in the first access unit (and in the avcC), PPS 1 before every IDR
set -euo pipefail
out=${1:?usage: make_clips.sh OUT_DIR}
mkdir -p "$out"
stamp="$out/.stamp"
want=$(sha256sum "$0" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
secs=10
ff=(ffmpeg -hide_banner -loglevel error -y)
# testsrc2 moves; temporal noise makes it cost what a real scene costs to encode.
src() { echo "testsrc2=size=$1:rate=$2,noise=alls=12:allf=t+u"; }
x264_cbr() {  # bitrate
  echo "-b:v $1 -minrate $1 -maxrate $1 -bufsize $1 -x264-params nal-hrd=cbr:force-cfr=1"
}

echo "make_clips: generating clips in $out (one-time, ~1 minute)"
# shellcheck disable=SC2046
"${ff[@]}" -f lavfi -i "$(src 1920x1080 30)" -t $secs -c:v libx264 -preset veryfast -profile:v high \
  -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 $(x264_cbr 4M) \
  -movflags +faststart "$out/main.mp4"
# shellcheck disable=SC2046
"${ff[@]}" -f lavfi -i "$(src 704x480 10)" -t $secs -c:v libx264 -preset veryfast -profile:v main \
  -pix_fmt yuv420p -g 20 -keyint_min 20 -sc_threshold 0 -bf 0 $(x264_cbr 512k) \
  -movflags +faststart "$out/sub.mp4"
"${ff[@]}" -f lavfi -i "$(src 1920x1080 30)" -t $secs -c:v libx265 -preset ultrafast \
  -pix_fmt yuv420p -b:v 2M -tag:v hvc1 \
  -x265-params "keyint=60:min-keyint=60:scenecut=0:bframes=0:log-level=error" \
  -movflags +faststart "$out/h265.mp4"
"${ff[@]}" -f lavfi -i "$(src 1280x720 30)" -t $secs -c:v libx264 -preset veryfast -profile:v high \
  -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -bf 2 -b:v 2M \
  -movflags +faststart "$out/bframes.mp4"
"${ff[@]}" -f lavfi -i "$(src 1280x720 30)" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -t $secs -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 60 -keyint_min 60 \
  -sc_threshold 0 -bf 0 -b:v 2M -c:a aac -b:a 64k -ac 1 -movflags +faststart "$out/audio.mp4"
# Intra refresh: 11 s encoded, the first second (with the only IDR) dropped by a stream copy
# that starts at the first recovery point.
"${ff[@]}" -f lavfi -i "$(src 640x360 30)" -t $((secs + 1)) -c:v libx264 -preset veryfast \
  -profile:v high -pix_fmt yuv420p -bf 0 -b:v 1M -x264-params intra-refresh=1:keyint=30 \
  "$out/intra_refresh_full.mp4"
"${ff[@]}" -ss 1 -i "$out/intra_refresh_full.mp4" -c copy -avoid_negative_ts make_zero \
  -movflags +faststart "$out/intra_refresh.mp4"
rm "$out/intra_refresh_full.mp4"
# Several PPS ids: x264 with SPS/PPS id 1, rewritten by alternate_pps.py (see there).
"${ff[@]}" -f lavfi -i "$(src 640x360 30)" -t $secs -c:v libx264 -preset veryfast -profile:v main \
  -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 -b:v 1M -x264-params sps-id=1 \
  -f h264 "$out/pps_ids.h264"
python3 "$(dirname "$0")/alternate_pps.py" "$out/pps_ids.h264" "$out/pps_ids_alt.h264"
"${ff[@]}" -framerate 30 -i "$out/pps_ids_alt.h264" -c copy -movflags +faststart "$out/pps_ids.mp4"
rm "$out/pps_ids.h264" "$out/pps_ids_alt.h264"
echo "$want" > "$stamp"
ls -l "$out"
