#!/usr/bin/env bash
# Installs everything Nightjar needs on a fresh Debian 12 machine (run as root), builds it, and
# generates the test clips. Idempotent: a second run only rebuilds what changed.
#
#   tools/setup.sh            packages + Release build in build/ + web pages in web/dist/ + clips
#                             in build/clips/
#   tools/setup.sh --asan     also an ASan+UBSan build in build-asan/
#   tools/setup.sh --fuzz     also the libFuzzer targets (clang-16) in build-fuzz/
#   tools/setup.sh --no-build packages only
set -euo pipefail
cd "$(dirname "$0")/.."

want_asan=0
want_fuzz=0
want_build=1
for arg in "$@"; do
  case "$arg" in
    --asan) want_asan=1 ;;
    --fuzz) want_fuzz=1 ;;
    --no-build) want_build=0 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

APT_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-16 libclang-rt-16-dev llvm-16 clang-format clang-tidy-16
  # libraries
  libboost-dev libboost-system-dev libssl-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libsodium-dev libxxhash-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libavcodec-dev libavutil-dev libswscale-dev
  # test peers: decoders, other RTSP servers and clients
  ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp
  python3 python3-gi gir1.2-gst-rtsp-server-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  vlc-bin vlc-plugin-base curl procps psmisc
  # test peers: a browser that plays the HLS player page (tests/browser), an HTTP load generator
  chromium wrk
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${APT_PACKAGES[@]}"
fi

((want_build)) || exit 0

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
tools/build_web.sh  # web/dist/, served under /ui/ (installs nodejs + npm if node is missing)
if ((want_asan)); then
  # -g1: line tables are all ASan/UBSan reports need, and full debug info made this build a
  # fifth slower and 3.8 GB big.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DNIGHTJAR_SANITIZE=ON -DNIGHTJAR_BENCH=OFF
  cmake --build build-asan -j "$jobs"
fi
if ((want_fuzz)); then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNIGHTJAR_FUZZ=ON \
    -DNIGHTJAR_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++-16
  cmake --build build-fuzz -j "$jobs"
fi
tools/make_clips.sh build/clips
