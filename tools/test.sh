#!/usr/bin/env bash
# Sets everything up (packages, Release + ASan/UBSan + fuzz builds, clips) and runs every test:
# unit, integration and fuzz on the Release build; unit and the daemon-heavy integration tests
# (label "sanitize", tests/CMakeLists.txt) under ASan+UBSan; clang-tidy over the sources
# (tools/tidy.sh). Each stage prints its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
export NIGHTJAR_CLIPS="$PWD/build/clips"
jobs=$(nproc)
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer
# Every stage runs even if an earlier one failed; the exit status says whether all passed.
status=0
stage() {
  local name=$1 t0=$SECONDS
  shift
  "$@" || status=1
  echo "test: $name took $((SECONDS - t0)) s"
}
# clang-tidy (tools/tidy.sh) needs the packages but no build, only CPU: it starts once the
# packages are in and runs at the lowest priority beside the builds (taking the cycles they leave
# idle: links, configure steps, npm, clip encoding) and the test stages (whose integration tests
# spend much of their time waiting on real-time media); the tidy stage at the end collects it
# (its duration is the wait it added). It costs about 1,700 s of CPU: some 14 minutes if it ran
# alone on the 2-core CI machine.
tools/setup.sh --no-build
echo "test: checking formatting (.clang-format)"
git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'bench/*.cc' | xargs -r clang-format --dry-run --Werror
tidy_log=$(mktemp)
nice -n 19 tools/tidy.sh >"$tidy_log" 2>&1 &
tidy_pid=$!
trap 'kill "$tidy_pid" 2>/dev/null || true' EXIT  # a failed build does not leave it running
tools/setup.sh --asan --fuzz
echo "test: setup and builds took $SECONDS s"
collect_tidy() {
  local rc=0
  wait "$tidy_pid" || rc=$?
  cat "$tidy_log"
  rm -f "$tidy_log"
  return $rc
}
stage fuzz ctest --test-dir build-fuzz -L fuzz --output-on-failure -j "$jobs"
stage asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L 'unit|sanitize' --output-on-failure -j "$jobs"
stage release ctest --test-dir build -L 'unit|integration' --output-on-failure -j "$jobs"
stage tidy collect_tidy
echo "test: $SECONDS s in all"
exit $status
