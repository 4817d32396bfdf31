#!/usr/bin/env bash
# valgrind memcheck on the runtime's own process for a container's whole life: spec, create,
# state, list, start, exec, ps, pause, resume, kill, delete, run, and the error paths of a bad
# config and an unknown id. Any invalid access, use of uninitialised memory, or leak (definite,
# indirect or possible) in any of those calls fails the script.
#
#   integration/valgrind.sh                 # rong from ../build/rong
#   RUNTIME=/path/to/rong integration/valgrind.sh
#
# What valgrind can check: the runtime's own process, and a child it clones up to its execve
# (--trace-children=no stops there). Debian 12's valgrind 3.19 knows neither clone3 nor pidfd_open
# nor openat2 (it fails them with ENOSYS): rong falls back to clone and to resolving paths by hand,
# so create runs whole, but `run`, `start`, `exec` and `kill` need a pidfd. Those calls are checked
# up to that failure and through their error path (an error naming "Function not implemented", no
# leak), then made natively so that the next steps have their container. A valgrind that knows
# pidfd_open runs them all the way.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RUNTIME=${RUNTIME:-$REPO/build/rong}
command -v valgrind >/dev/null || { echo "FAIL setup: valgrind is not installed"; exit 1; }
[ -x "$RUNTIME" ] || { echo "FAIL setup: runtime '$RUNTIME' does not exist"; exit 1; }

if [ -z "${_RONG_VG_REEXEC:-}" ]; then
  # Under a subreaper, as run.sh: the inits that `create` leaves are reaped at once.
  BUILD=$HERE/build
  mkdir -p "$BUILD" 2>/dev/null && [ -w "$BUILD" ] || BUILD=$(mktemp -d /tmp/rong-vg-build.XXXXXX)
  if [ ! -x "$BUILD/subreaper" ] || [ "$HERE/helpers/subreaper.c" -nt "$BUILD/subreaper" ]; then
    cc -O2 -Wall -o "$BUILD/subreaper.tmp.$$" "$HERE/helpers/subreaper.c" || { echo "FAIL setup: subreaper"; exit 1; }
    mv -f "$BUILD/subreaper.tmp.$$" "$BUILD/subreaper"
  fi
  export _RONG_VG_REEXEC=1 RUNTIME
  exec "$BUILD/subreaper" bash "${BASH_SOURCE[0]}" "$@"
fi

WORK=$(mktemp -d /tmp/rong-vg.XXXXXX)
chmod 755 "$WORK"
ROOT=$WORK/root
B=$WORK/bundle
ID=vg-$$-c
RUN_ID=vg-$$-r
failed=0
passed=0

cleanup() {
  "$RUNTIME" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1
  "$RUNTIME" --root "$ROOT" delete --force "$RUN_ID" >/dev/null 2>&1
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

"$REPO/scripts/make-bundle.sh" "$B" "$RUNTIME" >"$WORK/make-bundle.log" 2>&1 ||
  { echo "FAIL setup: make-bundle.sh: $(tail -n3 "$WORK/make-bundle.log")"; exit 1; }
# valgrind keeps file descriptors above the soft RLIMIT_NOFILE for itself and refuses setrlimit
# of that limit (EPERM): the init under valgrind gets no rlimits to set.
jq 'del(.process.rlimits)' "$B/config.json" >"$B/c.new" && mv "$B/c.new" "$B/config.json"

# args ARG...: the bundle's process.args
args() {
  jq --argjson a "$(jq -n '$ARGS.positional' --args -- "$@")" '.process.args = $a' "$B/config.json" >"$B/c.new" &&
    mv "$B/c.new" "$B/config.json"
}

# vg NAME WANT-EXIT RUNTIME-ARGS...: one runtime call under memcheck; stdout to $WORK/NAME.out.
# WANT-EXIT "enosys": 0, or failure with the error of a syscall valgrind does not know (see above),
# after which the call is made natively (it must succeed); returns 0 when the call happened.
vg() {
  local name=$1 want=$2 rc log=$WORK/$1.vg
  shift 2
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --trace-children=no \
    --child-silent-after-fork=yes --log-file="$log" \
    "$RUNTIME" --root "$ROOT" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err"
  rc=$?
  local errors leaks
  errors=$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$log" | head -n1)
  leaks=$(grep -cE '(definitely|indirectly|possibly) lost: [1-9]' "$log")
  if [ "$rc" = 99 ] || [ "${errors:-x}" != 0 ] || [ "$leaks" != 0 ]; then
    failed=$((failed + 1))
    echo "FAIL $name: memcheck: ${errors:-?} errors, leaks in $leaks kinds (exit $rc)"
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|Mismatched|.*(definitely|indirectly|possibly) lost|   (at|by) )' \
      "$log" | head -n 40
  elif [ "$want" = enosys ] && [ "$rc" != 0 ] && grep -q 'Function not implemented' "$WORK/$name.err"; then
    passed=$((passed + 1))
    echo "PASS $name (up to valgrind's ENOSYS: $(head -n1 "$WORK/$name.err" | head -c 100))"
    # Known defect, seen here: a run whose start fails leaves the created container behind.
    if [ "$1" = run ] && [ -n "$(ls -A "$ROOT" 2>/dev/null)" ]; then
      echo "KNOWN $name: the failed run left its container: $(ls -A "$ROOT")"
      "$RUNTIME" --root "$ROOT" delete --force "${@: -1}" >/dev/null 2>&1
    fi
    "$RUNTIME" --root "$ROOT" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" ||
      { failed=$((failed + 1)); echo "FAIL $name (native): $(head -c 300 "$WORK/$name.err")"; }
  elif [ "$want" = enosys ] && [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "PASS $name"
  elif [ "$rc" != "$want" ]; then
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc, want $want: $(head -c 300 "$WORK/$name.err")"
  else
    passed=$((passed + 1))
    echo "PASS $name"
  fi
}

# wait_for FILE REGEX: the container's output says it is up (5 s at most)
wait_for() {
  local i
  for ((i = 0; i < 50; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

vg spec 0 spec --bundle "$WORK"
args sh -c 'echo ran'
vg run enosys run --bundle "$B" "$RUN_ID"
grep -q '^ran$' "$WORK/run.out" || { failed=$((failed + 1)); echo "FAIL run: output '$(cat "$WORK/run.out")'"; }

args sh -c 'echo ready; while :; do sleep 1; done'
vg create enosys create --bundle "$B" "$ID"
vg state 0 state "$ID"
vg list 0 list
vg list-json 0 list --format json
vg start enosys start "$ID"
wait_for "$WORK/create.out" '^ready$' || { failed=$((failed + 1)); echo "FAIL start: no 'ready' from the container"; }
vg exec enosys exec "$ID" echo from-exec
grep -q '^from-exec$' "$WORK/exec.out" || { failed=$((failed + 1)); echo "FAIL exec: output '$(cat "$WORK/exec.out")'"; }
vg ps 0 ps "$ID"
vg pause 0 pause "$ID"
vg resume 0 resume "$ID"
vg kill enosys kill "$ID" KILL
for ((i = 0; i < 50; i++)); do
  "$RUNTIME" --root "$ROOT" state "$ID" 2>/dev/null | grep -q '"stopped"' && break
  sleep 0.1
done
vg delete enosys delete "$ID"

# Error paths: one error, exit 1, and nothing leaked on the way out.
vg state-unknown 1 state vg-no-such-container
vg delete-unknown 1 delete vg-no-such-container
vg kill-unknown 1 kill vg-no-such-container
jq '.process.args = "not an array"' "$B/config.json" >"$B/c.new" && mv "$B/c.new" "$B/config.json"
vg create-bad-config 1 create --bundle "$B" "$RUN_ID"

left=$(ls -A "$ROOT" 2>/dev/null)
[ -z "$left" ] || { failed=$((failed + 1)); echo "FAIL cleanup: state left in the root: $left"; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
