#!/usr/bin/env bash
# Sets everything up (packages, Release + ASan/UBSan + fuzz builds, clips) and runs every test:
# unit, integration and fuzz on the Release build, unit and integration under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --asan --fuzz
echo "test: checking formatting (.clang-format)"
git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'bench/*.cc' | xargs -r clang-format --dry-run --Werror
export NIGHTJAR_CLIPS="$PWD/build/clips"
jobs=$(nproc)
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer
# Every stage runs even if an earlier one failed; the exit status says whether all passed.
status=0
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j "$jobs" || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L 'unit|integration' --output-on-failure -j "$jobs" || status=1
ctest --test-dir build -L 'unit|integration' --output-on-failure -j "$jobs" || status=1
exit $status
