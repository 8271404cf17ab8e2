#!/usr/bin/env bash
# Sets everything up (packages, Release + ASan/UBSan + fuzz builds, clips) and runs every test:
# unit, integration and fuzz on the Release build; unit and the daemon-heavy integration tests
# (label "sanitize", tests/CMakeLists.txt) under ASan+UBSan; clang-tidy over the sources
# (tools/tidy.sh). Each stage prints its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --asan --fuzz
echo "test: setup and builds took $SECONDS s"
echo "test: checking formatting (.clang-format)"
git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'bench/*.cc' | xargs -r clang-format --dry-run --Werror
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
# clang-tidy (tools/tidy.sh) needs no build, only CPU: it runs niced in the background beside the
# test stages, whose integration tests spend much of their time waiting on real-time media, and
# the tidy stage at the end collects it (its duration is the wait it added). It costs about
# 1,380 s of CPU: some 11.5 minutes if it ran alone on the 2-core CI machine.
tidy_log=$(mktemp)
nice -n 10 tools/tidy.sh >"$tidy_log" 2>&1 &
tidy_pid=$!
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
