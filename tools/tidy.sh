#!/usr/bin/env bash
# Runs clang-tidy with the repo's .clang-tidy over every .cc under src/ (unit tests included) and
# tests/, and fails if it reports anything. Prints each diagnostic once (a header's is reported
# by every file that includes it), a count per check and per directory, and the wall time.
#
#   tools/tidy.sh                 all files, $TIDY_JOBS (default nproc) clang-tidy processes
#   tools/tidy.sh src/db/ ...     only the files whose path starts with one of the arguments
#
# Why clang-tidy-16 and not Debian 12's default clang-tidy (14): libstdc++ 12's <expected> needs
# conditionally trivial special members, which clang implements from 16 on. Clang 16 still
# advertises __cpp_concepts 201907 (hiding <expected>) and does not know -std=c++23, and Boost
# 1.74's Asio only enables C++20 coroutines for GCC: the extra arguments below tell clang what it
# does support (the fuzz build in CMakeLists.txt does the same for <expected>).
#
# fuzz/ is not covered (its targets only exist in the clang fuzz build and are thin wrappers over
# the parsers checked here); bench/ is not either (programs that print figures, kept out to save
# CI time). No build is needed: the only generated files the compile commands refer to are the
# precompiled-header stubs (cmake_pch.hxx), which CMake writes when it generates the build.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
tidy=${CLANG_TIDY:-clang-tidy-16}
jobs=${TIDY_JOBS:-$(nproc)}
build=build-tidy
command -v "$tidy" >/dev/null || { echo "tidy: $tidy not found (tools/setup.sh installs it)" >&2; exit 1; }

mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DNIGHTJAR_BENCH=OFF >"$build/cmake.log" 2>&1 || { cat "$build/cmake.log" >&2; exit 1; }

# Files to check: the compile database's .cc files under src/ and tests/ (absolute paths),
# optionally narrowed to the prefixes given as arguments.
mapfile -t files < <(python3 - "$PWD" "$build/compile_commands.json" "$@" <<'EOF'
import json, os, sys
root, db, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]
seen = set()
for entry in json.load(open(db)):
    path = os.path.relpath(os.path.join(entry["directory"], entry["file"]), root)
    if not path.endswith(".cc") or not path.startswith(("src/", "tests/")) or path in seen:
        continue
    if prefixes and not path.startswith(tuple(prefixes)):
        continue
    seen.add(path)
    print(os.path.join(root, path))
EOF
)
((${#files[@]})) || { echo "tidy: no files match $*" >&2; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
echo "tidy: $tidy on ${#files[@]} files, $jobs at a time"
# Each file's output goes to its own log so parallel runs do not interleave.
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c '
  log="$1/$(printf %s "$2" | tr / _).log"
  "$0" -p "$3" --quiet \
    --extra-arg=-std=c++2b --extra-arg=-Wno-unknown-warning-option \
    --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-macro-redefined \
    --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
    "$2" >"$log" 2>&1 || echo "$2" >>"$1/failed"
' "$tidy" "$logs" {} "$build"

# One line per distinct diagnostic, with the source line and caret that follow it.
diags=$logs/diagnostics
awk -v root="$PWD/" '
  /^[^ ].*:[0-9]+:[0-9]+: (warning|error): / {
    if (key != "" && !(key in seen)) { seen[key] = 1; printf "%s", text }
    key = $0; sub(root, "", key); text = key "\n"; next
  }
  /^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$/ { next }
  key != "" { text = text $0 "\n" }
  END { if (key != "" && !(key in seen)) printf "%s", text }
' "$logs"/*.log >"$diags"
count=$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$diags" || true)
cat "$diags"
if ((count)); then
  echo "tidy: $count distinct diagnostics, by check:"
  grep -oE '^[^ ].*:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' "$diags" |
    sed -E 's/.*\[([^]]+)\]$/\1/' | sort | uniq -c | sort -rn
  echo "tidy: by directory:"
  grep -oE '^[^ :]+:[0-9]+:[0-9]+: (warning|error): ' "$diags" | sed -E 's|/[^/]*:.*||' |
    sort | uniq -c | sort -rn
fi
# clang-tidy exits non-zero when it could not parse a file (a compiler error, a bad flag).
failed=0
if [[ -f $logs/failed ]]; then
  failed=$(wc -l <"$logs/failed")
  while read -r f; do
    echo "tidy: clang-tidy failed on $f:"
    head -n 20 "$logs/$(printf %s "$f" | tr / _).log"
  done <"$logs/failed"
fi
echo "tidy: ${#files[@]} files, $count diagnostics, $failed files clang-tidy failed on," \
  "$((SECONDS - t0)) s"
((count == 0 && failed == 0))
