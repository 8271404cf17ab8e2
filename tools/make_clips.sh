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
echo "$want" > "$stamp"
ls -l "$out"
