#!/usr/bin/env bash
# The unit tests and the integration suite against a rong built with ASan and UBSan (clang,
# -DRONG_SANITIZE=ON) in a build directory of its own. Fails on any test failure and on any
# sanitizer report, from any process: the runtime, the init it clones (up to its execve), and the
# unit tests; each report is written to a file and printed.
#
#   integration/sanitize.sh [FILTER...]        # FILTERs go to integration/run.sh
#   SANITIZE_BUILD_DIR=dir                     # default build-asan in the source tree
#   SANITIZE_JOBS=n                            # build parallelism (default nproc)
#
# The build is clang's (as the fuzz targets'), of rong and rong_unit_tests only. ctest runs it as
# `sanitize`: a cold build there (CI has no ccache), then the unit tests and the whole suite.
#
# Leak detection is on: LeakSanitizer checks at exit() only, and only the runtime's own processes
# exit that way (the init and the exec'd process leave through execve or _exit, which run no
# check, so a program the container runs never reports rong's memory as its leak).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${SANITIZE_BUILD_DIR:-$src/build-asan}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
command -v clang++ >/dev/null || { echo "sanitize: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DRONG_SANITIZE=ON -DBUILD_TESTING=ON -DRONG_WERROR=ON \
    "${launcher[@]}" >/dev/null
t0=$SECONDS
cmake --build "$build" -j"${SANITIZE_JOBS:-$(nproc)}" --target rong rong_unit_tests
echo "sanitize: build took $((SECONDS - t0)) s"

reports=$(mktemp -d /tmp/rong-sanitize.XXXXXX)
chmod 755 "$reports"  # reachable from an init that changed its user before execve
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan:abort_on_error=0:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan"

status=0
echo "sanitize: unit tests"
# (from the build directory, as ctest runs them: they find tests/corpus through __FILE__)
(cd "$build" && ./rong_unit_tests --gtest_brief=1) || status=1
echo "sanitize: integration suite"
# Sanitized code is slower: more time for each runtime call (the suite's default is 10 s).
RT_TIMEOUT=${RT_TIMEOUT:-30} RUNTIME="$build/rong" "$src/integration/run.sh" "$@" || status=1

shopt -s nullglob
# A process that a test SIGKILLs while LeakSanitizer checks it at exit leaves only "Unable to get
# registers from thread N" (the check stopped, it found nothing): no report of anything rong did.
# A test that runs rong under strace on purpose (to hold it at a syscall) leaves only
# LeakSanitizer's refusal to run under ptrace: no report either.
for f in "$reports"/*; do
  if ! grep -qv -e '^$' -e '==[0-9]*==Unable to get registers from thread [0-9]*\.$' "$f"; then
    echo "sanitize: $(basename "$f"): a leak check interrupted by a kill (ignored): $(grep -m1 . "$f")"
    rm -f "$f"
  elif grep -q '==[0-9]*==HINT: LeakSanitizer does not work under ptrace' "$f" &&
    ! grep -qv -e '^$' -e '==[0-9]*==LeakSanitizer has encountered a fatal error\.$' -e '==[0-9]*==HINT: ' "$f"; then
    echo "sanitize: $(basename "$f"): no leak check under strace (ignored): $(grep -m1 . "$f")"
    rm -f "$f"
  fi
done
found=("$reports"/*)
if [ ${#found[@]} -gt 0 ]; then
  status=1
  echo "sanitize: ${#found[@]} sanitizer report(s):"
  for f in "${found[@]}"; do
    echo "--- $(basename "$f")"
    head -n 60 "$f"
  done
fi
[ $status = 0 ] && echo "sanitize: no sanitizer report, all tests passed"
exit $status
