#!/usr/bin/env bash
# Sets everything up and runs the demo: `nightjar fakecam` serving simulated cameras on
# rtsp://127.0.0.1:8554/camK/main and /camK/sub. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cameras=${CAMERAS:-4}
echo
echo "Nightjar demo: $cameras simulated cameras. Try:"
echo "  ffplay rtsp://127.0.0.1:8554/cam1/main"
echo "  ffprobe rtsp://127.0.0.1:8554/cam2/sub"
echo "  vlc rtsp://127.0.0.1:8554/cam1/h265"
echo
exec build/nightjar fakecam --cameras "$cameras" --port 8554 --stats-secs 10
