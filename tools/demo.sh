#!/usr/bin/env bash
# Sets everything up and runs the demo: `nightjar fakecam` serving simulated cameras on
# rtsp://127.0.0.1:8554/camK/{main,sub}, and `nightjar run` recording every one of them into
# ./nightjar-data (config: build/demo/nightjar.toml). Ctrl-C stops both; recordings stay.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cameras=${CAMERAS:-4}
mkdir -p build/demo
config=build/demo/nightjar.toml
{
  printf '[storage]\nbase_path = "%s/nightjar-data"\nbudget_gb = %s\n\n' "$PWD" "${BUDGET_GB:-4}"
  printf '[api]\nport = %s\n\n' "${PORT:-8080}"
  for i in $(seq 1 "$cameras"); do
    printf '[[cameras]]\nid = "cam%d"\nname = "Simulated camera %d"\n' "$i" "$i"
    printf 'url = "rtsp://127.0.0.1:8554/cam%d/main"\nsub_url = "rtsp://127.0.0.1:8554/cam%d/sub"\n\n' "$i" "$i"
  done
} > "$config"

build/nightjar fakecam --cameras "$cameras" --port 8554 &
fakecam=$!
trap 'kill $fakecam 2>/dev/null || true' EXIT
sleep 0.5
echo
echo "Nightjar demo: $cameras simulated cameras recorded into ./nightjar-data. Try, in another shell:"
echo "  open http://localhost:${PORT:-8080}/   (the web app: live wall, recordings, export)"
echo "  build/nightjar status --config $config"
echo "  build/nightjar list --config $config --camera cam1"
echo "  ffplay rtsp://127.0.0.1:8554/cam1/main      (the simulated camera itself)"
echo "  open http://localhost:${PORT:-8080}/api/hls/cam1/player   (live view in a browser)"
echo "  vlc http://localhost:${PORT:-8080}/api/hls/cam1/live.m3u8"
echo "  curl http://localhost:${PORT:-8080}/api/status"
echo "  curl http://localhost:${PORT:-8080}/api/cameras/cam1/recordings   (runs and gaps: the timeline)"
echo "  curl http://localhost:${PORT:-8080}/api/cameras/cam1/days"
echo "  open \"http://localhost:${PORT:-8080}/api/hls/cam1/vod/player?from=<a start from above>&to=<its end>\""
echo
build/nightjar run --config "$config"
