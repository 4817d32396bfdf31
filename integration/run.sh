#!/usr/bin/env bash
# End-to-end tests for an OCI runtime: rong, with runc as the behavioural reference.
#
#   integration/run.sh [FILTER...]            # rong from ../build/rong
#   RUNTIME=runc integration/run.sh [FILTER...]
#
# RUNTIME is a path or a command name (default: $(dirname $0)/../build/rong). A FILTER keeps the
# tests whose name contains it. One line per test: "PASS name", "FAIL name: reason" or
# "SKIP name: reason"; the last line is "N passed, N failed, N skipped". Exit status 1 if any
# test failed. KEEP=1 keeps the work directory (logs of every test) for a look afterwards.
#
# Needs root, bash, jq, coreutils, busybox (the rootfs) and cc (small helpers, helpers/*.c,
# built into integration/build/).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RT_TIMEOUT=${RT_TIMEOUT:-10} # seconds any single runtime call may take

# shellcheck source=lib.sh
. "$HERE/lib.sh"

# ---------------------------------------------------------------- runtime, helpers, subreaper
if [ -z "${_RONG_IT_REEXEC:-}" ]; then
  resolve_runtime jq cc timeout busybox

  BUILD=$HERE/build
  mkdir -p "$BUILD" 2>/dev/null && [ -w "$BUILD" ] || BUILD=$(mktemp -d /tmp/rong-it-build.XXXXXX)
  for h in recvtty subreaper seccomp_agent deny_syscalls; do
    if [ ! -x "$BUILD/$h" ] || [ "$HERE/helpers/$h.c" -nt "$BUILD/$h" ]; then
      cc -O2 -Wall -o "$BUILD/$h.tmp.$$" "$HERE/helpers/$h.c" || setup_fail "cannot build helpers/$h.c"
      mv -f "$BUILD/$h.tmp.$$" "$BUILD/$h"
    fi
  done
  # Become a child subreaper: a container init whose parent (create, run -d) exits is reparented
  # to this bash, which reaps it at once (PID 1 here reaps orphans about a second late).
  export RUNTIME BUILD _RONG_IT_REEXEC=1
  exec "$BUILD/subreaper" bash "${BASH_SOURCE[0]}" "$@"
fi

RT_KIND=$(runtime_kind)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rong-it.XXXXXX")
chmod 755 "$WORK"
HOST_NS_DIR=/proc/$$/ns

# mount points under a directory (in this mount namespace), deepest first
mounts_under() {
  awk -v d="$1/" '{ m = $5; gsub(/\\040/, " ", m); if (index(m "/", d) == 1) print m }' \
    /proc/self/mountinfo | sort -r
}

finish() {
  local m
  for m in $(mounts_under "$WORK"); do umount -l "$m" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then
    echo "work directory kept: $WORK" >&2
  elif [ -z "$(mounts_under "$WORK")" ]; then
    rm -rf "$WORK"
  fi
}
trap finish EXIT

# ---------------------------------------------------------------- the template bundle
TEMPLATE=$WORK/template
"$REPO/scripts/make-bundle.sh" "$TEMPLATE" "$RUNTIME" >"$WORK/make-bundle.log" 2>&1 ||
  setup_fail "make-bundle.sh failed: $(tail -n3 "$WORK/make-bundle.log" | tr '\n' ' ')"
jq '.process.terminal = false' "$TEMPLATE/config.json" >"$TEMPLATE/config.json.new" &&
  mv "$TEMPLATE/config.json.new" "$TEMPLATE/config.json" || setup_fail "template config.json is not JSON"

# ================================================================ test-side helpers
# These run inside each test's subshell. Variables there: TNAME, T (the test's temp dir),
# B (its bundle), ROOT (its --root), TOKEN (unique, part of every id and cgroup name).

fail() {
  printf '%s\n' "$*" >"$REASON"
  exit 1
}
skip() {
  printf '%s\n' "$*" >"$REASON"
  exit 77
}
log() { printf '+ %s\n' "$*" >>"$TLOG"; }

# rt ARGS...: the runtime with this test's --root, bounded in time
rt() {
  local rc t0=$SECONDS
  log "$RT_KIND --root \$ROOT $*"
  timeout -k 2 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" "$@"
  rc=$?
  if [ $((SECONDS - t0)) -ge "$RT_TIMEOUT" ]; then
    echo "[integration: '$RT_KIND $1' timed out after $RT_TIMEOUT s and was killed]" >&2
    log "timed out: $*"
  fi
  return $rc
}

# rtc ARGS...: rt with stdin /dev/null; sets RC, OUT, ERR. (Not for create or run --detach:
# the container inherits the stdio; create_c gives it files of its own.)
rtc() {
  rt "$@" </dev/null >"$T/rtc.out" 2>"$T/rtc.err"
  RC=$?
  OUT=$(cat "$T/rtc.out")
  ERR=$(cat "$T/rtc.err")
  printf '  rc=%s\n  out=%s\n  err=%s\n' "$RC" "$OUT" "$ERR"
}

newid() { echo "$TOKEN-${1:-c}"; }

# track ID [ROOT]: delete --force it at the end of the test
track() { _CONTAINERS+=("${2:-$ROOT}|$1"); }

# track_pid PID: kill -9 it at the end if it is still that same process
starttime() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
track_pid() {
  local st
  st=$(starttime "$1")
  [ -z "$st" ] || _PIDS+=("$1:$st")
}

# cfg JQ-ARGS...: edit the bundle's config.json in place
cfg() {
  jq "$@" "$B/config.json" >"$B/config.json.new" || fail "jq failed: $*"
  mv "$B/config.json.new" "$B/config.json"
}

# set_args ARG...: process.args
set_args() {
  local j
  j=$(jq -n '$ARGS.positional' --args -- "$@") || fail "jq --args"
  cfg --argjson a "$j" '.process.args = $a'
}

# sh_args SCRIPT: process.args = sh -c SCRIPT
sh_args() { set_args sh -c "$1"; }

# A process that reports signals and stays up: prints "ready" once its traps are set.
WAITER='trap "echo got-TERM; exit 0" TERM; trap "echo got-USR1" USR1; echo ready; while :; do sleep 1000 & wait $!; done'

# fname ID: ID as a file name under $T (ids of the bad-input tests hold / and ..)
fname() {
  if [[ $1 =~ ^[A-Za-z0-9_-]+$ ]]; then echo "$1"; else local f=${1//[^A-Za-z0-9_-]/_}; echo "bad_$f"; fi
}

# run_fg ID [RUN-OPTIONS...]: run in the foreground, stdout to $T/ID.out, stderr to $T/ID.err;
# sets RC, OUT; then checks that nothing is left of the container
run_fg() {
  local id=$1
  shift
  local f
  f=$(fname "$id")
  track "$id"
  rt run --bundle "$B" "$@" "$id" </dev/null >"$T/$f.out" 2>"$T/$f.err"
  RC=$?
  OUT=$(cat "$T/$f.out")
  ERR=$(cat "$T/$f.err")
  printf '  rc=%s\n  out=%s\n  err=%s\n' "$RC" "$OUT" "$ERR"
  # run deletes the container when its process exits: nothing may be left
  local to=
  grep -q '^\[integration: .* timed out' "$T/$f.err" && to="TIMED OUT, "
  assert_clean "$id" "" "" "after run (${to}exit $RC; stderr: $(head -c 150 "$T/$f.err")): "
}

# create_c ID [CREATE-OPTIONS...]: create, the container's stdio to $T/ID.out/.err; sets RC
create_c() {
  local id=$1
  shift
  local f
  f=$(fname "$id")
  track "$id"
  rt create --bundle "$B" "$@" "$id" </dev/null >"$T/$f.out" 2>"$T/$f.err"
  RC=$?
  ERR=$(cat "$T/$f.err")
  printf '  rc=%s\n  err=%s\n' "$RC" "$ERR"
}

# bad_creates: each stdin line "JQ-EDIT|ERROR-REGEX" is a config that create must refuse, leaving
# nothing; rong's error must match the regex (runc's wording differs).
bad_creates() {
  local id n=0 case want
  while IFS='|' read -r case want; do
    n=$((n + 1))
    cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
    set_args true
    cfg "$case"
    id=$(newid "$n")
    create_c "$id"
    [ "$RC" != 0 ] || fail "create with $case succeeded"
    if [ "$RT_KIND" = rong ]; then expect_match "error for $case" "$ERR" "$want"; fi
    assert_clean "$id" "" "" "$case: "
  done
}

state_of() { rt state "$1" 2>/dev/null; }
# (sed, not jq: jq 1.6 takes ~45 ms to start, and these are polled)
status_of() { state_of "$1" | tr -d '\n' | sed -nE 's/.*"status" *: *"([a-z]*)".*/\1/p'; }
pid_of() { state_of "$1" | tr -d '\n' | sed -nE 's/.*"pid" *: *([0-9]+).*/\1/p'; }

# jf JSON EXPR...: one jq run; F[i] = the first value of EXPR i as a string ("<none>" if none)
jf() {
  local j=$1 prog="" e
  shift
  for e in "$@"; do prog+="${prog:+, }([$e] | if length == 0 then \"<none>\" else (.[0] | tostring) end)"; done
  mapfile -t F < <(jq -r "$prog" <<<"$j" 2>/dev/null)
  [ "${#F[@]}" = $# ] || fail "jq could not read: $(head -c 300 <<<"$j")"
}

# wait_status ID STATUS [TENTHS]: poll `state` until it says STATUS
wait_status() {
  local i s
  for ((i = 0; i < ${3:-50}; i++)); do
    s=$(status_of "$1")
    [ "$s" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1: status '$s', expected '$2'"
}

# wait_grep FILE REGEX [TENTHS]
wait_grep() {
  local i
  for ((i = 0; i < ${3:-50}; i++)); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no '$2' in $(basename "$1") (has: $(head -c 200 "$1" 2>/dev/null | tr '\n' '|'))"
}

# static_helper_mount NAME: helpers/NAME.c, built static, bind-mounted read-only at /NAME
static_helper_mount() {
  # Named for how it is built: a checkout whose build/ holds an older, dynamic one must not use it.
  local bin=$BUILD/$1.static
  if [ ! -x "$bin" ] || [ "$HERE/helpers/$1.c" -nt "$bin" ]; then
    cc -O2 -Wall -static -o "$bin.tmp.$$" "$HERE/helpers/$1.c" || fail "cannot build helpers/$1.c (static)"
    mv -f "$bin.tmp.$$" "$bin"
  fi
  cfg --arg s "$bin" --arg d "/$1" '.mounts += [{destination: $d, type: "bind", source: $s, options: ["bind", "ro"]}]'
}

# start_waiter ID [CREATE-OPTIONS...]: create + start a $WAITER container; sets PID
start_waiter() {
  sh_args "$WAITER"
  start_ready "$@"
}
# start_ready ID [CREATE-ARGS...]: create and start the bundle's process, which prints "ready"
# once it is set up; PID is its init
start_ready() {
  local id=$1
  shift
  create_c "$id" "$@"
  [ "$RC" = 0 ] || fail "create $id failed (exit $RC): $(cat "$T/$id.err")"
  PID=$(pid_of "$id")
  [[ $PID =~ ^[1-9][0-9]*$ ]] || fail "state pid of $id is '$PID'"
  track_pid "$PID"
  rtc start "$id"
  [ "$RC" = 0 ] || fail "start $id failed (exit $RC): $ERR"
  wait_grep "$T/$id.out" '^ready$'
}

# pid_gone PID: the process is gone or a zombie (waits up to 3 s)
pid_gone() {
  local i st
  for ((i = 0; i < 30; i++)); do
    [ -e "/proc/$1" ] || return 0
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ] && return 0
    sleep 0.1
  done
  return 1
}

# cgroup directories whose name is NAME, in every cgroup hierarchy mounted here
cgroups_named() {
  local m
  for m in $(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo); do
    find "$m" -maxdepth 6 -type d -name "$1" 2>/dev/null
  done
}

# assert_clean ID [PID] [CGROUP] [CONTEXT]: nothing left of the container: no state in the
# root, no process, no mount under the bundle, no cgroup (CGROUP: the config's cgroupsPath if
# set, else the id)
assert_clean() {
  local id=$1 pid=${2:-} cg=${3:-$1} ctx=${4:-} left
  # (rong's cache of compiled seccomp filters is the root's, shared by its containers, and stays)
  left=$(ls -A "$ROOT" 2>&1 | grep -vx '~seccomp-cache')
  [ -z "$left" ] || fail "${ctx}state root not empty after $id is gone: $left"
  if [ -n "$pid" ]; then pid_gone "$pid" || fail "${ctx}process $pid of $id still alive"; fi
  left=$(mounts_under "$B")
  [ -z "$left" ] || fail "${ctx}mounts left under the bundle: $(echo $left)"
  left=$(cgroups_named "$(basename "$cg")")
  [ -z "$left" ] || fail "${ctx}cgroup left: $(echo $left)"
}

expect_eq() { # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
expect_rc() { # WHAT WANT (uses RC, and ERR if rtc set it)
  local to=
  [[ ${ERR:-} == *"[integration: "*" timed out"* ]] && to=" (TIMED OUT)"
  [ "$RC" = "$2" ] || fail "$1: exit status $RC$to, want $2 (stderr: $(echo ${ERR:-} | head -c 200))"
}
expect_match() { # WHAT STRING REGEX
  [[ $2 =~ $3 ]] || fail "$1: '$(echo "$2" | head -c 300)' does not match /$3/"
}

RFC3339NANO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,9}(Z|[+-][0-9]{2}:[0-9]{2})$'
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

# capmask NAME...: /proc/self/status hex mask of those capabilities
declare -A CAPNUM=([CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3
  [CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8
  [CAP_NET_BIND_SERVICE]=10 [CAP_NET_RAW]=13 [CAP_SYS_CHROOT]=18 [CAP_MKNOD]=27
  [CAP_AUDIT_WRITE]=29 [CAP_SETFCAP]=31)
capmask() {
  local m=0 c
  for c in "$@"; do m=$((m | (1 << ${CAPNUM[$c]}))); done
  printf '%016x' "$m"
}

# ================================================================ tests: what the process sees

t_inside_pid1() {
  sh_args 'echo $$; true'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "pid inside" "$OUT" 1
}

t_inside_hostname() {
  cfg '.hostname = "it-host-42"'
  sh_args 'hostname; cat /proc/sys/kernel/hostname'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "hostname" "$OUT" $'it-host-42\nit-host-42'
}

t_inside_user_groups() {
  cfg '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 6, 1002]}'
  sh_args 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "uid" "$(sed -n 1p <<<"$OUT")" 1000
  expect_eq "gid" "$(sed -n 2p <<<"$OUT")" 1001
  expect_eq "groups (id -G, sorted)" "$(sed -n 3p <<<"$OUT" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "5 6 1001 1002 "
  expect_match "Uid line" "$OUT" $'Uid:\t1000\t1000\t1000\t1000'
  expect_match "Gid line" "$OUT" $'Gid:\t1001\t1001\t1001\t1001'
  expect_eq "Groups line" "$(grep '^Groups:' <<<"$OUT" | cut -f2 | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" "5 6 1002 "
}

# caps_check BND EFF PRM INH AMB: compare the masks in /proc/self/status (in $OUT)
caps_check() {
  local field got want
  for field in CapBnd CapEff CapPrm CapInh CapAmb; do
    want=$1
    shift
    got=$(grep "^$field:" <<<"$OUT" | cut -f2)
    expect_eq "$field" "$got" "$want"
  done
}

t_inside_caps_all_sets() {
  local s='["CAP_CHOWN","CAP_KILL","CAP_SETUID","CAP_NET_BIND_SERVICE"]' m
  cfg --argjson s "$s" '.process.capabilities = {bounding: $s, effective: $s, permitted: $s, inheritable: $s, ambient: $s}'
  sh_args 'grep ^Cap /proc/self/status'
  run_fg "$(newid)"
  expect_rc "run" 0
  m=$(capmask CAP_CHOWN CAP_KILL CAP_SETUID CAP_NET_BIND_SERVICE)
  caps_check "$m" "$m" "$m" "$m" "$m"
}

# effective/permitted smaller than bounding, no inheritable/ambient, noNewPrivileges: root
# keeps exactly the configured effective/permitted across execve
t_inside_caps_partial() {
  cfg '.process.noNewPrivileges = true | .process.capabilities = {bounding: ["CAP_CHOWN","CAP_KILL","CAP_SETUID"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
  sh_args 'grep ^Cap /proc/self/status'
  run_fg "$(newid)"
  expect_rc "run" 0
  caps_check "$(capmask CAP_CHOWN CAP_KILL CAP_SETUID)" "$(capmask CAP_KILL)" "$(capmask CAP_KILL)" "$(capmask)" "$(capmask)"
}

t_inside_caps_nonroot() {
  local s='["CAP_KILL","CAP_NET_BIND_SERVICE"]' m
  cfg --argjson s "$s" '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {bounding: $s, effective: $s, permitted: $s, inheritable: $s, ambient: $s}'
  sh_args 'grep ^Cap /proc/self/status'
  run_fg "$(newid)"
  expect_rc "run" 0
  m=$(capmask CAP_KILL CAP_NET_BIND_SERVICE)
  caps_check "$m" "$m" "$m" "$m" "$m"
}

# A caller whose bounding set lacks capabilities (setpriv, a shim started so) gives the container
# only what the config keeps of it. Entering a user namespace fills the set again: there, what
# the runtime read of its own set before is no guide, and the config's set must still be all
# that is left, for the init and for a process exec'd into a user namespace joined by setns.
t_inside_caps_caller_bounding_reduced() {
  local wrapper=$T/reduced-bounding id
  printf '#!/bin/sh\nexec setpriv --bounding-set -net_raw,-sys_module %q "$@"\n' "$RUNTIME" >"$wrapper"
  chmod 755 "$wrapper"
  local RUNTIME=$wrapper
  cfg '.process.capabilities.bounding = ["CAP_KILL", "CAP_NET_RAW", "CAP_CHOWN"]'
  sh_args 'grep ^CapBnd: /proc/self/status | cut -f2'
  run_fg "$(newid plain)"
  expect_rc "run" 0
  expect_eq "CapBnd, no user namespace" "$OUT" "$(capmask CAP_KILL CAP_CHOWN)"
  make_userns_bundle
  cfg '.process.capabilities.bounding = ["CAP_KILL", "CAP_CHOWN"]'
  run_fg "$(newid userns)"
  expect_rc "run in a user namespace" 0
  expect_eq "CapBnd in a user namespace" "$OUT" "$(capmask CAP_KILL CAP_CHOWN)"
  id=$(newid waiter)
  start_waiter "$id"
  rtc exec "$id" sh -c 'grep ^CapBnd: /proc/self/status | cut -f2'
  expect_rc "exec" 0
  expect_eq "CapBnd of exec in a user namespace" "$OUT" "$(capmask CAP_KILL CAP_CHOWN)"
  rtc delete --force "$id"
}

# only lowered limits: root here lacks CAP_SYS_RESOURCE
t_inside_rlimits() {
  local hn hu
  hn=$(ulimit -Hn)
  hu=$(ulimit -Hu)
  [ "$hn" = unlimited ] || [ "$hn" -ge 200 ] || skip "host hard RLIMIT_NOFILE $hn < 200"
  [ "$hu" = unlimited ] || [ "$hu" -ge 600 ] || skip "host hard RLIMIT_NPROC $hu < 600"
  cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200}, {type: "RLIMIT_NPROC", soft: 500, hard: 600}]'
  sh_args 'ulimit -n; ulimit -Hn; grep -E "^Max (open files|processes)" /proc/self/limits'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "ulimit -n" "$(sed -n 1p <<<"$OUT")" 100
  expect_eq "ulimit -Hn" "$(sed -n 2p <<<"$OUT")" 200
  expect_eq "Max open files" "$(grep 'open files' <<<"$OUT" | awk '{print $4, $5}')" "100 200"
  expect_eq "Max processes" "$(grep 'processes' <<<"$OUT" | awk '{print $3, $4}')" "500 600"
}

ns_script='for n in pid net ipc uts mnt cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done'
# ns_compare NEWNS... : the listed kinds differ from the host's, the others are equal
ns_compare() {
  local n inside host new
  for n in pid net ipc uts mnt cgroup user; do
    inside=$(awk -v n="$n" '$1 == n {print $2}' <<<"$OUT")
    host=$(readlink "$HOST_NS_DIR/$n")
    [ -n "$inside" ] || fail "no /proc/self/ns/$n inside"
    new=0
    for k in "$@"; do [ "$k" = "$n" ] && new=1; done
    if [ $new = 1 ]; then
      [ "$inside" != "$host" ] || fail "$n namespace is the host's ($host), config asks for a new one"
    else
      [ "$inside" = "$host" ] || fail "$n namespace $inside differs from the host's $host, config has none"
    fi
  done
}

t_inside_namespaces() {
  cfg '.linux.namespaces = [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}]'
  sh_args "$ns_script"
  run_fg "$(newid)"
  expect_rc "run" 0
  ns_compare pid net ipc uts mnt
}

t_inside_namespaces_host_net() {
  cfg '.linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "cgroup"}]'
  sh_args "$ns_script"
  run_fg "$(newid)"
  expect_rc "run" 0
  ns_compare pid ipc uts mnt cgroup
}

# A pid namespace joined by path (another container's, as in a pod) holds the container's process,
# and only it: the runtime's hooks stay in the host's, away from that container's processes
t_join_pid_namespace() {
  local first second p1
  first=$(newid first)
  start_waiter "$first"
  p1=$PID
  second=$(newid second)
  cfg --arg p "/proc/$p1/ns/pid" --arg t "$T" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
      | .hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "readlink /proc/self/ns/pid > \($t)/prestart.ns"]}],
                  poststop: [{path: "/bin/sh", args: ["sh", "-c", "readlink /proc/self/ns/pid > \($t)/poststop.ns"]}]}'
  sh_args 'readlink /proc/self/ns/pid'
  track "$second"
  # (not run_fg: it expects an empty state root after the run, and the first container is there)
  rt run --bundle "$B" "$second" </dev/null >"$T/second.out" 2>"$T/second.err"
  RC=$?
  expect_rc "run in the first container's pid namespace ($(cat "$T/second.err"))" 0
  expect_eq "the second container's pid namespace" "$(cat "$T/second.out")" "$(readlink "/proc/$p1/ns/pid")"
  expect_eq "its prestart hook's pid namespace" "$(cat "$T/prestart.ns")" "$(readlink "$HOST_NS_DIR/pid")"
  expect_eq "its poststop hook's pid namespace" "$(cat "$T/poststop.ns")" "$(readlink "$HOST_NS_DIR/pid")"
  rtc delete --force "$first"
  assert_clean "$first" "$p1"
  assert_clean "$second"
}

# A new user namespace with a network namespace joined by path, as podman (rootful, --userns)
# makes them: it is joined before the user namespace is made, while the runtime may still enter a
# namespace of the host's. sysfs belongs to the network namespace's owner: bound, as podman does.
t_userns_joined_netns() {
  local netns=$T/netns
  : >"$netns"
  unshare --net="$netns" true || fail "unshare --net=$netns"
  make_userns_bundle
  cfg --arg p "$netns" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)
      | .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "bind", source: "/sys",
                         options: ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)
      | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
  sh_args 'readlink /proc/self/ns/net; readlink /proc/self/ns/user; echo $$; tr -s " " </proc/self/uid_map'
  run_fg "$(newid)"
  expect_rc "run ($ERR)" 0
  expect_eq "network namespace" "$(sed -n 1p <<<"$OUT")" "$(nsenter --net="$netns" readlink /proc/self/ns/net)"
  [ "$(sed -n 2p <<<"$OUT")" != "$(readlink "$HOST_NS_DIR/user")" ] || fail "the user namespace is the host's"
  expect_eq "pid, uid map" "$(sed -n '3,$p' <<<"$OUT")" "1
 0 100000 65536"
}

# A pod's member: it joins the first container's user, network, ipc and uts namespaces by path
# and makes its own mount and pid namespaces, which the joined user namespace owns (podman pods
# with --userns). As root of that namespace it may write its rootfs.
t_join_userns_new_namespaces() {
  local first second p1
  make_userns_bundle
  cfg '.root.readonly = false'
  chmod 1777 "$B/rootfs/tmp"
  first=$(newid first)
  start_waiter "$first"
  p1=$PID
  second=$(newid second)
  cfg --arg p "/proc/$p1/ns" '.linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "user", path: "\($p)/user"},
        {type: "network", path: "\($p)/net"}, {type: "ipc", path: "\($p)/ipc"}, {type: "uts", path: "\($p)/uts"}]'
  sh_args 'for n in user net ipc uts mnt; do readlink /proc/self/ns/$n; done; echo $$; id -u; touch /tmp/it-$$ && stat -c %u /tmp/it-$$'
  track "$second"
  rt run --bundle "$B" "$second" </dev/null >"$T/second.out" 2>"$T/second.err"
  RC=$?
  expect_rc "run in the first container's user namespace ($(cat "$T/second.err"))" 0
  local joined n
  for n in user net ipc uts; do joined+="$(readlink "/proc/$p1/ns/$n")"$'\n'; done
  expect_eq "joined namespaces" "$(sed -n 1,4p "$T/second.out")"$'\n' "$joined"
  [ "$(sed -n 5p "$T/second.out")" != "$(readlink "/proc/$p1/ns/mnt")" ] || fail "the mount namespace is the first's"
  expect_eq "pid, uid, file owner" "$(sed -n '6,$p' "$T/second.out")" $'1\n0\n0'
  rtc delete --force "$first"
  assert_clean "$first" "$p1"
  assert_clean "$second"
}

t_inside_cwd() {
  cfg '.process.cwd = "/etc"'
  sh_args 'pwd'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "cwd" "$OUT" /etc
}

# runc creates a cwd that does not exist in the rootfs
t_inside_cwd_created() {
  cfg '.process.cwd = "/work/dir"'
  sh_args 'pwd'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "cwd" "$OUT" /work/dir
}

# A file the kernel will not execute (a script without #!), found at create: `run` fails with
# execve's error and exit status 1, as runc, and leaves nothing
t_run_exec_format_error() {
  printf 'echo hi\n' >"$B/rootfs/it-script"
  chmod 755 "$B/rootfs/it-script"
  set_args /it-script
  run_fg "$(newid)"
  expect_rc "run" 1
  expect_match "the error" "$ERR" 'exec /it-script: [Ee]xec format error'
  # exec: the process's failure, as runc's: it started (exec -d says so, with its pid file) and
  # exits 1 with the error on its stderr (rong's exec failed with 255)
  local id
  id=$(newid exec)
  start_waiter "$id"
  rtc exec "$id" /it-script
  expect_rc "exec of a script without #!" 1
  expect_match "exec's stderr" "$ERR" '/it-script: [Ee]xec format error'
  rtc exec -d --pid-file "$T/exec.pid" "$id" /it-script
  expect_rc "exec -d of a script without #!" 0
  [ -s "$T/exec.pid" ] || fail "exec -d wrote no pid file"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# Without PATH in the environment a bare name is found nowhere, as with runc and crun; a path
# still runs
t_inside_env_without_path() {
  cfg '.process.env = ["TERM=xterm"]'
  set_args echo found
  run_fg "$(newid bare)"
  [ "$RC" != 0 ] || fail "a bare name ran without PATH: $OUT"
  expect_match "the error" "$ERR" 'exec: \\?"echo\\?": executable file not found in \$PATH'
  set_args /bin/echo found
  run_fg "$(newid path)"
  expect_rc "run of /bin/echo" 0
  expect_eq "output" "$OUT" found
}

t_inside_env() {
  cfg '.process.env = ["PATH=/bin:/sbin", "FOO=bar baz", "EMPTY=", "MULTI=a=b=c"]'
  set_args env
  run_fg "$(newid)"
  expect_rc "run" 0
  # runc adds HOME from the rootfs's /etc/passwd when the config does not set it
  expect_eq "env (sorted)" "$(sort <<<"$OUT" | tr '\n' '|')" "EMPTY=|FOO=bar baz|HOME=/root|MULTI=a=b=c|PATH=/bin:/sbin|"
}

t_inside_env_home_kept() {
  cfg '.process.env = ["PATH=/bin", "HOME=/elsewhere"]'
  set_args env
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "env (sorted)" "$(sort <<<"$OUT" | tr '\n' '|')" "HOME=/elsewhere|PATH=/bin|"
}

# as runc's init builds it: a name given twice once (first place, last value), an empty HOME
# filled in; an entry that is no NAME=value refused
t_inside_env_normalised() {
  local id
  cfg '.process.env = ["A=1", "PATH=/bin", "B=2", "A=3", "HOME="]'
  set_args env
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "environ" "$(tr '\n' '|' <<<"$OUT")" "A=3|PATH=/bin|B=2|HOME=/root|"
  id=$(newid bad)
  cfg '.process.env += ["FOO"]'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with env entry FOO (no =) succeeded"
  expect_match "the error" "$ERR" 'invalid environment variable'
  assert_clean "$id"
}

# HOME comes from the image's /etc/passwd, which the image controls: /dev/zero there must not
# exhaust the memory of the process that reads it (under a 64 MiB limit it was OOM-killed), nor a
# FIFO block it; neither has an entry, so HOME is /. (runc 1.1.5 fails on the first, "token too
# long", and hangs on the second.)
t_inside_env_home_hostile_passwd() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 fails or hangs on these"
  rm -f "$B/rootfs/etc/passwd"
  ln -s /dev/zero "$B/rootfs/etc/passwd"
  cfg '.process.env = ["PATH=/bin"] | .linux.resources.memory = {limit: 67108864}'
  set_args sh -c 'echo "$HOME"'
  run_fg "$(newid zero)"
  expect_rc "run with /etc/passwd -> /dev/zero" 0
  expect_eq "HOME" "$OUT" /
  rm -f "$B/rootfs/etc/passwd"
  mkfifo "$B/rootfs/etc/passwd"
  run_fg "$(newid fifo)"
  expect_rc "run with a FIFO at /etc/passwd" 0
  expect_eq "HOME" "$OUT" /
}

t_inside_umask() {
  cfg '.process.user.umask = 63' # 0077
  sh_args 'umask; grep ^Umask: /proc/self/status'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "umask" "$OUT" $'0077\nUmask:\t0077'
}

# without process.user.umask the init's is 0022, whatever the caller's (runc)
t_inside_umask_default() {
  local saved
  cfg 'del(.process.user.umask)'
  sh_args 'umask'
  saved=$(umask)
  umask 077
  run_fg "$(newid)"
  umask "$saved"
  expect_rc "run" 0
  expect_eq "umask" "$OUT" 0022
}

# `; true` keeps the shell from exec-ing ls: the listing is the shell's (pid 1's) own fds.
# (No pipeline: while the shell sets one up it briefly holds the pipe's fds itself.)
FD_SCRIPT='ls /proc/$$/fd; true'

t_inside_fds_run() {
  sh_args "$FD_SCRIPT"
  # an extra open fd in the caller must not leak either
  exec 7<"$B/config.json"
  run_fg "$(newid)"
  exec 7<&-
  expect_rc "run" 0
  expect_eq "open fds of pid 1" "$(tr '\n' ' ' <<<"$OUT")" "0 1 2 "
}

t_inside_fds_create() {
  local id
  id=$(newid)
  sh_args "$FD_SCRIPT"
  exec 7<"$B/config.json"
  create_c "$id"
  exec 7<&-
  expect_rc "create" 0
  rtc start "$id"
  expect_rc "start" 0
  wait_status "$id" stopped
  expect_eq "open fds of pid 1" "$(tr '\n' ' ' <"$T/$id.out")" "0 1 2 "
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id"
}

t_inside_no_new_privs() {
  local id1 id2
  id1=$(newid on)
  id2=$(newid off)
  cfg '.process.noNewPrivileges = true'
  sh_args 'grep ^NoNewPrivs: /proc/self/status | cut -f2'
  run_fg "$id1"
  expect_rc "run" 0
  expect_eq "NoNewPrivs with noNewPrivileges true" "$OUT" 1
  cfg '.process.noNewPrivileges = false'
  run_fg "$id2"
  expect_rc "run" 0
  expect_eq "NoNewPrivs with noNewPrivileges false" "$OUT" 0
}

t_inside_root_readonly() {
  cfg '.root.readonly = true'
  sh_args 'if touch /it-probe 2>/dev/null; then echo writable; else echo ro; fi; grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo | cut -d" " -f6'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "write to /" "$(sed -n 1p <<<"$OUT")" ro
  expect_match "mount options of /" "$(sed -n 2p <<<"$OUT")" '(^|,)ro(,|$)'
  [ ! -e "$B/rootfs/it-probe" ] || fail "file written into the read-only rootfs"
}

t_inside_root_writable() {
  cfg '.root.readonly = false'
  sh_args 'echo data > /it-probe && echo ok'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "write to /" "$OUT" ok
  expect_eq "file on the host" "$(cat "$B/rootfs/it-probe")" data
}

# tmpcopyup (podman puts it on its tmpfs mounts): the tmpfs starts with the image's files there
t_inside_tmpcopyup() {
  cfg '.mounts += [{destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "nosuid", "mode=755"]}]'
  sh_args 'awk "\$5 == \"/etc\" {print \$9}" /proc/self/mountinfo; cat /etc/group; ls -ld /etc | cut -c1-10; echo x > /etc/new && echo writable'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "tmpfs
root:x:0:
drwxr-xr-x
writable"
  [ ! -e "$B/rootfs/etc/new" ] || fail "the write reached the image's /etc"
}

t_inside_mounts() {
  local h="$T/host dir"
  mkdir -p "$h" && echo from-host >"$h/file"
  cfg --arg h "$h" '.mounts += [
      {destination: "/mnt/tmp", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=700"]},
      {destination: "/mnt/bind", type: "bind", source: $h, options: ["rbind", "rw"]},
      {destination: "/mnt/ro", type: "bind", source: $h, options: ["bind", "ro"]}]'
  sh_args 'awk "\$5 ~ /^\/mnt\// {print \$5, \$6}" /proc/self/mountinfo | sed "s/,.*//" | sort
stat -c "%a" /mnt/tmp
echo t > /mnt/tmp/x && echo tmpfs-writable
cat /mnt/bind/file
echo c > /mnt/bind/written && echo bind-writable
cat /mnt/ro/file
if echo d > /mnt/ro/y 2>/dev/null; then echo ro-writable; else echo ro-refused; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "/mnt/bind rw
/mnt/ro ro
/mnt/tmp rw
700
tmpfs-writable
from-host
bind-writable
from-host
ro-refused"
  expect_eq "file written through the bind mount" "$(cat "$h/written")" c
  [ ! -e "$h/y" ] || fail "file written through the read-only bind mount"
}

t_inside_devices() {
  sh_args 'for d in null zero full random urandom tty; do
  if [ -c /dev/$d ]; then echo "$d $(stat -c "%t:%T %a" /dev/$d)"; else echo "$d missing"; fi
done
for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
head -c 4 /dev/zero | od -An -tx1 | tr -d " "
head -c 8 /dev/urandom | wc -c'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "devices" "$OUT" "null 1:3 666
zero 1:5 666
full 1:7 666
random 1:8 666
urandom 1:9 666
tty 5:0 666
fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
ptmx -> pts/ptmx
00000000
8"
}

t_inside_masked_paths() {
  local f
  for f in /proc/timer_list /proc/keys /proc/kcore ''; do [ -z "$f" ] || [ -n "$(head -c1 "$f" 2>/dev/null)" ] && break; done
  [ -n "$f" ] || skip "no non-empty /proc/timer_list, /proc/keys or /proc/kcore on this host"
  [ -n "$(ls -A /sys/firmware 2>/dev/null)" ] || skip "/sys/firmware is empty on this host"
  cfg --arg f "$f" '.linux.maskedPaths = [$f, "/sys/firmware"] | .linux.readonlyPaths = ["/proc/sys"]'
  sh_args "wc -c < $f"'; ls -A /sys/firmware | wc -l
if echo x > /proc/sys/kernel/domainname 2>/dev/null; then echo procsys-writable; else echo procsys-ro; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "masked $f size, /sys/firmware entries, /proc/sys" "$OUT" $'0\n0\nprocsys-ro'
}

# the shim's create flags: --preserve-fds N passes fds 3..3+N-1; --no-pivot, --no-new-keyring
t_preserve_fds() {
  local id
  id=$(newid)
  echo preserved-content >"$T/pf"
  sh_args 'ls /proc/$$/fd; cat <&3'
  track "$id"
  rt run --preserve-fds 1 --bundle "$B" "$id" 3<"$T/pf" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "run --preserve-fds 1" 0
  expect_eq "fds and fd 3's content" "$(tr '\n' ' ' <"$T/$id.out")" "0 1 2 3 preserved-content "
  assert_clean "$id"
  # (fewer fds open than --preserve-fds says: t_preserve_fds_missing)
}

t_no_pivot_no_keyring() {
  local id
  id=$(newid)
  sh_args 'echo $$; ls /bin/busybox; cat /etc/passwd | cut -d: -f1'
  run_fg "$id" --no-pivot --no-new-keyring
  expect_rc "run --no-pivot --no-new-keyring" 0
  expect_eq "output" "$OUT" $'1\n/bin/busybox\nroot'
  assert_clean "$id"
}

# configs of runtime-spec 1.0.x .. 1.3.x are accepted
t_oci_versions() {
  local v id
  set_args true
  for v in 1.0.0 1.0.2 1.0.2-dev 1.1.0 1.2.0 1.2.1 1.3.0; do
    cfg --arg v "$v" '.ociVersion = $v'
    id=$(newid "${v//./-}")
    run_fg "$id"
    expect_rc "run with ociVersion $v" 0
  done
  assert_clean "$id"
}

# run in the foreground without a terminal passes stdin through
t_run_stdin() {
  local id
  id=$(newid)
  set_args cat
  printf 'line one\nline two\n' >"$T/in"
  track "$id"
  rt run --bundle "$B" "$id" <"$T/in" >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "run cat" 0
  expect_eq "stdout" "$(cat "$T/$id.out")" $'line one\nline two'
  assert_clean "$id"
}

# --pid-file as runc writes it: made through ".<name>" in its directory (a file "<name>.tmp" of
# someone else's is left alone), with mode 0666 less the caller's umask (rong wrote 0644 through
# "<name>.tmp", truncating whatever was there)
t_pid_file_like_runc() {
  local id
  id=$(newid)
  sh_args "$WAITER"
  echo keep >"$T/init.pid.tmp"
  (umask 0; env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" --pid-file "$T/init.pid" "$id" \
    </dev/null >/dev/null 2>"$T/c.err")
  expect_eq "create (err: $(cat "$T/c.err"))" "$?" 0
  track "$id"
  track_pid "$(pid_of "$id")"
  expect_eq "pid file mode under umask 0" "$(stat -c %a "$T/init.pid")" 666
  expect_eq "the pid" "$(cat "$T/init.pid")" "$(pid_of "$id")"
  expect_eq "init.pid.tmp" "$(cat "$T/init.pid.tmp")" keep
  [ ! -e "$T/.init.pid" ] || fail "the temporary .init.pid was left"
  rtc delete --force "$id"
  assert_clean "$id"
}

# ================================================================ lifecycle, state, list

t_lifecycle() {
  local id pid st
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id" --pid-file "$T/init.pid"
  expect_rc "create" 0
  [ -f "$T/init.pid" ] || fail "no pid file when create returned"
  pid=$(cat "$T/init.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "pid file content '$pid' is not bare digits"
  [ "$(wc -l <"$T/init.pid")" = 0 ] || fail "pid file ends with a newline"
  track_pid "$pid"
  st=$(state_of "$id") || fail "state after create failed"
  expect_eq "status after create" "$(jq -r .status <<<"$st")" created
  expect_eq "state pid = pid file" "$(jq -r .pid <<<"$st")" "$pid"
  [ -d "/proc/$pid" ] || fail "init pid $pid does not exist"
  [ ! -s "$T/$id.out" ] || fail "process ran before start: $(cat "$T/$id.out")"
  rtc start "$id"
  expect_rc "start" 0
  wait_grep "$T/$id.out" '^ready$'
  expect_eq "status after start" "$(status_of "$id")" running
  expect_eq "pid after start" "$(pid_of "$id")" "$pid"
  rtc kill "$id"
  expect_rc "kill (default signal)" 0
  wait_status "$id" stopped
  grep -qx got-TERM "$T/$id.out" || fail "default kill signal was not SIGTERM: $(cat "$T/$id.out")"
  st=$(state_of "$id")
  expect_eq "pid of a stopped container" "$(jq -r .pid <<<"$st")" 0
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$pid"
  rtc state "$id"
  expect_rc "state after delete" 1
  expect_match "state after delete" "$ERR" "does not exist"
}

t_kill_signals() {
  local sig id pid
  for sig in TERM SIGTERM 15 KILL SIGKILL 9; do
    id=$(newid "$sig")
    start_waiter "$id"
    pid=$PID
    rtc kill "$id" "$sig"
    expect_rc "kill $sig" 0
    wait_status "$id" stopped
    case $sig in *TERM | 15) grep -qx got-TERM "$T/$id.out" || fail "kill $sig: the process saw no SIGTERM" ;; esac
    rtc delete "$id"
    expect_rc "delete after kill $sig" 0
    pid_gone "$pid" || fail "kill $sig: pid $pid still alive after delete"
  done
  assert_clean "$(newid '*')"
}

# a signal the process handles leaves it running
t_kill_nonfatal() {
  local id
  id=$(newid)
  start_waiter "$id"
  for sig in USR1 SIGUSR1 10; do
    : >"$T/$id.out"
    rtc kill "$id" "$sig"
    expect_rc "kill $sig" 0
    wait_grep "$T/$id.out" '^got-USR1$'
  done
  expect_eq "status after USR1" "$(status_of "$id")" running
  rtc kill "$id" 0
  expect_rc "kill with signal 0" 0
  rtc kill "$id" NOSUCHSIG
  expect_rc "kill with an unknown signal name" 1
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# kill_created SIGNAL: a created container ends on SIGNAL, and its process never runs
kill_created() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc kill "$id" "$1"
  expect_rc "kill $1 of a created container" 0
  wait_status "$id" stopped
  rtc start "$id"
  [ "$RC" != 0 ] || fail "start after $1 succeeded: the workload ran"
  [ ! -s "$T/$id.out" ] || fail "the process ran: $(cat "$T/$id.out")"
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$pid"
}

t_kill_created() { kill_created KILL; }

# A catchable signal that would end a process ends a created container too (its init is the
# first of its pid namespace, which ignores what it does not handle): podman stops with TERM
t_kill_created_term() { kill_created TERM; }

# A created container can be paused: it is then "paused" (frozen, not started), start refuses it,
# resume makes it "created" again and it starts; delete --force of a paused created one is prompt
t_pause_created() {
  local id pid t0
  need_v1 freezer
  id=$(newid)
  sh_args 'echo ran'
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc pause "$id"
  expect_rc "pause of a created container" 0
  expect_eq "status" "$(status_of "$id")" paused
  rtc start "$id"
  [ "$RC" != 0 ] || fail "start of a paused container succeeded"
  expect_match "start's error" "$ERR" 'paused'
  rtc resume "$id"
  expect_rc "resume" 0
  expect_eq "status after resume" "$(status_of "$id")" created
  rtc start "$id"
  expect_rc "start" 0
  wait_grep "$T/$id.out" '^ran$'
  rtc delete --force "$id"
  assert_clean "$id" "$pid"
  id=$(newid again)
  create_c "$id"
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc pause "$id"
  expect_rc "pause" 0
  t0=$SECONDS
  rtc delete --force "$id"
  expect_rc "delete --force of a paused created container" 0
  [ $((SECONDS - t0)) -lt 5 ] || fail "delete --force took $((SECONDS - t0)) s"
  assert_clean "$id" "$pid"
}

# kill KILL of a paused container takes effect: it is thawed to die (cgroup v1), as runc does
t_kill_paused() {
  local id
  need_v1 freezer
  id=$(newid)
  start_waiter "$id"
  rtc pause "$id"
  expect_rc "pause" 0
  rtc kill "$id" KILL
  expect_rc "kill KILL" 0
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

t_kill_stopped() {
  local id
  id=$(newid)
  sh_args 'exit 0'
  create_c "$id"
  expect_rc "create" 0
  rtc start "$id"
  expect_rc "start" 0
  wait_status "$id" stopped
  rtc kill "$id" KILL
  expect_rc "kill of a stopped container" 1
  expect_match "kill of a stopped container" "$ERR" "container not running"
  rtc start "$id"
  expect_rc "start of a stopped container" 1
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id"
}

t_delete_running_refused() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc delete "$id"
  expect_rc "delete of a running container without --force" 1
  expect_match "delete without --force" "$ERR" "not stopped"
  expect_eq "status after refused delete" "$(status_of "$id")" running
  [ -d "/proc/$PID" ] || fail "the process died"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# runc 1.1.5 deletes a created (never started) container without --force: it kills the init
t_delete_created() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc delete "$id"
  expect_rc "delete of a created container without --force" 0
  [ ! -s "$T/$id.out" ] || fail "the process ran: $(cat "$T/$id.out")"
  assert_clean "$id" "$pid"
}

t_delete_force_created() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc delete --force "$id"
  expect_rc "delete --force of a created container" 0
  assert_clean "$id" "$pid"
}

t_run_exit_status() {
  local id
  sh_args 'exit 3'
  run_fg "$(newid three)"
  expect_rc "run of 'exit 3'" 3
  sh_args 'echo out; echo err >&2; exit 0'
  id=$(newid zero)
  run_fg "$id"
  expect_rc "run of 'exit 0'" 0
  expect_eq "stdout" "$OUT" out
  expect_eq "stderr" "$(cat "$T/$id.err")" err
  assert_clean "$id"
}

t_run_killed_status() {
  local id bg pid sig want
  for sig in 9 KILL; do
    id=$(newid "k$sig")
    set_args sleep 1000
    track "$id"
    rt run --bundle "$B" "$id" </dev/null >"$T/$id.out" 2>&1 &
    bg=$!
    track_pid "$bg"
    wait_status "$id" running
    pid=$(pid_of "$id")
    rtc kill "$id" "$sig"
    expect_rc "kill $sig" 0
    wait "$bg"
    RC=$?
    expect_rc "run killed by SIGKILL" 137
    assert_clean "$id" "$pid"
  done
}

# run in the foreground forwards a signal it gets to the container's process
t_run_signal_forward() {
  local id bg i
  id=$(newid)
  sh_args "$WAITER"
  track "$id"
  "$RUNTIME" --root "$ROOT" run --bundle "$B" "$id" </dev/null >"$T/$id.out" 2>&1 &
  bg=$!
  track_pid "$bg"
  wait_grep "$T/$id.out" '^ready$'
  kill -TERM "$bg"
  for ((i = 0; i < 100; i++)); do kill -0 "$bg" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$bg" 2>/dev/null && fail "run did not exit 10 s after SIGTERM"
  wait "$bg"
  RC=$?
  expect_rc "run after SIGTERM (trap exits 0)" 0
  grep -qx got-TERM "$T/$id.out" || fail "the process saw no SIGTERM"
  assert_clean "$id"
}

t_run_detach() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  track "$id"
  rt run --detach --bundle "$B" --pid-file "$T/p" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "run --detach" 0
  pid=$(cat "$T/p")
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "pid file '$pid'"
  track_pid "$pid"
  expect_eq "status" "$(status_of "$id")" running
  expect_eq "state pid = pid file" "$(pid_of "$id")" "$pid"
  wait_grep "$T/$id.out" '^ready$'
  rtc kill "$id" KILL
  expect_rc "kill" 0
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$pid"
}

# --pid-file relative to the caller's cwd; create without --bundle uses the cwd as bundle
t_pid_file_relative() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  track "$id"
  (cd "$B" && timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" create --pid-file rel.pid "$id" </dev/null >"$T/$id.out" 2>&1)
  RC=$?
  expect_rc "create (bundle = cwd)" 0
  pid=$(cat "$B/rel.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "pid file '$pid'"
  [ "$(wc -l <"$B/rel.pid")" = 0 ] || fail "pid file ends with a newline"
  track_pid "$pid"
  expect_eq "state pid" "$(pid_of "$id")" "$pid"
  expect_eq "bundle" "$(state_of "$id" | jq -r .bundle)" "$B"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$pid"
}

t_state_json() {
  local id st
  id=$(newid)
  start_waiter "$id"
  st=$(state_of "$id") || fail "state failed"
  echo "$st"
  jf "$st" type '["ociVersion","id","pid","status","bundle","rootfs","created","owner"] - keys | join(",")' \
    .ociVersion .id '.pid | type' .pid .status .bundle .rootfs .created '.owner | type' .owner \
    '(.annotations // {}) == {}'
  expect_eq "state type" "${F[0]}" object
  expect_eq "missing state fields" "${F[1]}" ""
  expect_match "ociVersion" "${F[2]}" '^1\.[0-9]+\.[0-9]+'
  expect_eq "id" "${F[3]}" "$id"
  expect_eq "pid type" "${F[4]}" number
  expect_eq "pid" "${F[5]}" "$PID"
  expect_eq "status" "${F[6]}" running
  expect_eq "bundle" "${F[7]}" "$B"
  expect_eq "rootfs" "${F[8]}" "$B/rootfs"
  expect_match "created (RFC3339 with nanoseconds)" "${F[9]}" "$RFC3339NANO"
  expect_eq "owner type" "${F[10]}" string
  # runc 1.1.5: state shows "owner": "" while list shows the owner's name
  expect_eq "owner (runc prints \"\" in state)" "${F[11]}" ""
  expect_eq "annotations empty or absent without any in the config" "${F[12]}" true
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

t_state_annotations() {
  local id st
  id=$(newid)
  cfg '.annotations = {"org.example.a": "1", "b": "two words"}'
  start_waiter "$id"
  st=$(state_of "$id")
  expect_eq "annotations" "$(jq -S -c .annotations <<<"$st")" '{"b":"two words","org.example.a":"1"}'
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

t_list_json() {
  local a b l pa
  a=$(newid a)
  b=$(newid b)
  start_waiter "$a"
  pa=$PID
  sh_args "$WAITER"
  create_c "$b"
  expect_rc "create b" 0
  track_pid "$(pid_of "$b")"
  rtc list --format json
  expect_rc "list --format json" 0
  l=$OUT
  jf "$l" length '[.[].id] | sort | join(" ")' \
    "(.[] | select(.id == \"$a\")) | [.status, (.pid | tostring), .bundle, .rootfs, .owner] | join(\"|\")" \
    "(.[] | select(.id == \"$b\")) | .status" \
    "(.[] | select(.id == \"$a\")) | .created" \
    'map(["ociVersion","id","pid","status","bundle","rootfs","created","owner"] - keys) | add | unique | join(",")'
  expect_eq "list length" "${F[0]}" 2
  expect_eq "ids" "${F[1]}" "$a $b"
  # runc: list shows the owner's user name ("root"), unlike state
  expect_eq "status|pid|bundle|rootfs|owner of a" "${F[2]}" "running|$pa|$B|$B/rootfs|root"
  expect_eq "status of b" "${F[3]}" created
  expect_match "created of a" "${F[4]}" "$RFC3339NANO"
  expect_eq "fields missing in list entries" "${F[5]}" ""
  rtc list --format=json
  expect_rc "list --format=json" 0
  expect_eq "list --format=json length" "$(jq length <<<"$OUT")" 2
  rtc delete --force "$a"
  rtc delete --force "$b"
  assert_clean "$a" "$pa"
}

t_list_quiet() {
  local a b
  a=$(newid a)
  b=$(newid b)
  start_waiter "$a"
  start_waiter "$b"
  rtc list -q
  expect_rc "list -q" 0
  expect_eq "list -q" "$(sort <<<"$OUT" | tr '\n' ' ')" "$a $b "
  rtc list --quiet
  expect_rc "list --quiet" 0
  expect_eq "list --quiet" "$(sort <<<"$OUT" | tr '\n' ' ')" "$a $b "
  rtc delete --force "$a"
  rtc delete --force "$b"
  rtc list -q
  expect_eq "list -q when empty" "$OUT" ""
  assert_clean "$a"
}

t_list_table() {
  local id row created
  id=$(newid)
  start_waiter "$id"
  rtc list
  expect_rc "list" 0
  expect_eq "header words" "$(head -n1 <<<"$OUT" | tr -s ' ')" "ID PID STATUS BUNDLE CREATED OWNER"
  expect_eq "rows" "$(wc -l <<<"$OUT")" 2
  row=$(sed -n 2p <<<"$OUT" | tr -s ' ')
  created=$(state_of "$id" | jq -r .created)
  expect_eq "row" "$row" "$id $PID running $B $created root"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

t_list_empty() {
  rtc list
  expect_rc "list" 0
  # runc's tabwriter (minwidth 12, padding 3) header, byte for byte
  expect_eq "empty table" "$OUT" "ID          PID         STATUS      BUNDLE      CREATED     OWNER"
  rtc list --format json
  expect_rc "list --format json" 0
  # runc prints null (not []) for no containers
  expect_eq "empty list --format json" "$OUT" null
  rtc list -q
  expect_rc "list -q" 0
  expect_eq "empty list -q" "$OUT" ""
}

# ================================================================ hooks

# Hooks as runc runs them: the whole state on stdin however large (annotations of 300 KB: over a
# socket message and a pipe buffer), their output kept out of the container's, the caller's
# environment when the hook has none (the process's for the container's own), the bundle as the
# runtime's hooks' cwd, no blocked signals, no fds past 2 (not the preserved ones)
t_hooks_like_runc() {
  local id hl="$T/hooklog" k want
  id=$(newid)
  mkdir -p "$hl"
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
k=\$1
jq -r '.annotations.big | length' > "$hl/\$k.len"
pwd > "$hl/\$k.cwd"
echo "\$HOOKVAR/\$PROCVAR" > "$hl/\$k.env"
sed -n 's/^SigBlk:[[:space:]]*//p' /proc/self/status > "$hl/\$k.sig"
ls /proc/self/fd | tr '\n' ' ' > "$hl/\$k.fds"
echo hook-noise-\$k
echo hook-noise-\$k >&2
EOF
  cat >"$B/rootfs/hook.sh" <<'EOF'
#!/bin/sh
wc -c > /hl/startContainer.bytes
echo "$PROCVAR" > /hl/startContainer.env
echo hook-noise-startContainer
EOF
  chmod 755 "$T/hook.sh" "$B/rootfs/hook.sh"
  head -c 300000 /dev/zero | tr '\0' x >"$T/big"
  cfg --arg h "$T/hook.sh" --arg hl "$hl" --rawfile big "$T/big" '
    .annotations = {big: $big} |
    .process.env += ["PROCVAR=from-process"] |
    .mounts += [{destination: "/hl", type: "bind", source: $hl, options: ["rbind", "rw"]}] |
    .hooks = {
      prestart: [{path: $h, args: ["hook.sh", "prestart"], timeout: 20}],
      createRuntime: [{path: $h, args: ["hook.sh", "createRuntime"]}],
      createContainer: [{path: $h, args: ["hook.sh", "createContainer"]}],
      startContainer: [{path: "/hook.sh", args: ["hook.sh"]}],
      poststart: [{path: $h, args: ["hook.sh", "poststart"]}],
      poststop: [{path: $h, args: ["hook.sh", "poststop"]}]}'
  set_args echo main
  track "$id"
  HOOKVAR=from-caller rt run --bundle "$B" --preserve-fds 1 "$id" </dev/null >"$T/run.out" 2>"$T/run.err" 3</dev/null
  RC=$?
  expect_rc "run ($(cat "$T/run.err"))" 0
  expect_eq "the container's output" "$(cat "$T/run.out")" main
  [[ $(cat "$T/run.err") != *hook-noise* ]] || fail "a hook's output reached the container's stderr: $(cat "$T/run.err")"
  for k in prestart createRuntime createContainer poststart poststop; do
    expect_eq "$k: the annotation's length on stdin" "$(cat "$hl/$k.len")" 300000
    want=from-caller/
    [ "$k" = createContainer ] && want=/from-process
    expect_eq "$k: its HOOKVAR/PROCVAR" "$(cat "$hl/$k.env")" "$want"
    expect_eq "$k: its blocked signals" "$(cat "$hl/$k.sig")" 0000000000000000
    # (runc 1.1.5's createContainer hooks get 3..7, fds of its init's)
    [ "$RT_KIND/$k" = runc/createContainer ] || expect_eq "$k: its fds" "$(cat "$hl/$k.fds")" "0 1 2 3 "
  done
  for k in prestart createRuntime poststart poststop; do expect_eq "$k: its cwd" "$(cat "$hl/$k.cwd")" "$B"; done
  [ "$(cat "$hl/startContainer.bytes")" -gt 300000 ] || fail "startContainer got $(cat "$hl/startContainer.bytes") bytes of state"
  expect_eq "startContainer: the process's env" "$(cat "$hl/startContainer.env")" from-process
  assert_clean "$id"
}

# A hook that fails: its output in the error; one past its timeout is killed in time, even with a
# state it never reads and that does not fit a pipe
t_hooks_fail_and_timeout() {
  local id t0
  id=$(newid out)
  cfg '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "echo out-words; echo err-words >&2; exit 3"]}]}'
  set_args true
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with a failing prestart hook succeeded"
  expect_match "the error" "$ERR" 'exit status 3'
  [ "$RT_KIND" = rong ] && expect_match "the error" "$ERR" 'stdout: out-words, stderr: err-words'
  assert_clean "$id"
  id=$(newid slow)
  head -c 300000 /dev/zero | tr '\0' x >"$T/big"
  cfg --rawfile big "$T/big" '.annotations = {big: $big} | .hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
  t0=$SECONDS
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with a prestart hook past its timeout succeeded"
  [ $((SECONDS - t0)) -lt 10 ] || fail "the hook's timeout of 1 s took $((SECONDS - t0)) s"
  assert_clean "$id"
  # what a hook past its timeout started goes with it (runc 1.1.5 kills the hook alone)
  id=$(newid child)
  cfg --arg t "$T" '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "sleep 33 </dev/null >/dev/null 2>&1 & echo $! >\($t)/hook-child; wait"], timeout: 1}]}'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with a prestart hook past its timeout succeeded"
  [ -s "$T/hook-child" ] || fail "the hook did not start its child"
  track_pid "$(cat "$T/hook-child")"
  [ "$RT_KIND" = runc ] || pid_gone "$(cat "$T/hook-child")" || fail "the hook's child $(cat "$T/hook-child") outlived the hook's timeout"
  assert_clean "$id"
}

# A failing startContainer hook (it runs in the container, once `start` woke the init): the
# container stops; rong's start fails naming the hook (it said "container init exited before it
# was started"); runc 1.1.5's start succeeds
t_hooks_start_container_failure() {
  local id
  id=$(newid)
  cfg '.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo hook-says-no >&2; exit 4"]}]}'
  set_args true
  create_c "$id"
  expect_rc "create" 0
  PID=$(pid_of "$id")
  rtc start "$id"
  if [ "$RT_KIND" = rong ]; then
    expect_rc "start" 1
    expect_match "start's error" "$ERR" 'startContainer hook #0 \(/bin/sh\): exit status 4.*hook-says-no'
  fi
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# A failing poststart or poststop hook is a warning, and the hooks after it still run (the
# runtime spec; runc 1.1.5 stops at the first failure, so this checks rong only)
t_hooks_post_failure_continues() {
  local id
  id=$(newid)
  cfg --arg t "$T" '.hooks = {
    poststart: [{path: "/bin/sh", args: ["sh", "-c", "exit 1"]}, {path: "/bin/sh", args: ["sh", "-c", "touch \($t)/poststart-second"]}],
    poststop: [{path: "/bin/sh", args: ["sh", "-c", "exit 1"]}, {path: "/bin/sh", args: ["sh", "-c", "touch \($t)/poststop-second"]}]}'
  set_args true
  run_fg "$id"
  [ "$RT_KIND" = rong ] || return 0
  expect_rc "run" 0
  [ -e "$T/poststart-second" ] || fail "the poststart hook after a failed one did not run"
  [ -e "$T/poststop-second" ] || fail "the poststop hook after a failed one did not run"
  expect_match "warnings" "$ERR" 'poststop hook #0'
  assert_clean "$id"
}

t_hooks_order_stdin() {
  local id pid hl="$T/hooklog" order n s
  id=$(newid)
  mkdir -p "$hl"
  # host hooks: a host shell script; startContainer runs in the container, so its path is in
  # the rootfs and it logs through a bind mount of the same host directory
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
cat > "$hl/\$1.json"
echo "\$1" >> "$hl/log"
EOF
  cat >"$B/rootfs/hook.sh" <<'EOF'
#!/bin/sh
PATH=/bin:/sbin
cat > "/hl/$1.json"
echo "$1" >> /hl/log
EOF
  chmod 755 "$T/hook.sh" "$B/rootfs/hook.sh"
  cfg --arg h "$T/hook.sh" --arg hl "$hl" '
    .mounts += [{destination: "/hl", type: "bind", source: $hl, options: ["rbind", "rw"]}] |
    .hooks = {
      prestart: [{path: $h, args: ["hook.sh", "prestart"]}],
      createRuntime: [{path: $h, args: ["hook.sh", "createRuntime"]}],
      createContainer: [{path: $h, args: ["hook.sh", "createContainer"]}],
      startContainer: [{path: "/hook.sh", args: ["hook.sh", "startContainer"]}],
      poststart: [{path: $h, args: ["hook.sh", "poststart"]}],
      poststop: [{path: $h, args: ["hook.sh", "poststop"]}]}'
  sh_args 'echo main >> /hl/log; trap "exit 0" TERM; echo ready; sleep 1000 & wait'
  create_c "$id"
  expect_rc "create" 0
  echo create-returned >>"$hl/log"
  pid=$(pid_of "$id")
  track_pid "$pid"
  rtc start "$id"
  expect_rc "start" 0
  echo start-returned >>"$hl/log"
  wait_grep "$T/$id.out" '^ready$'
  rtc kill "$id" KILL
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  echo delete-returned >>"$hl/log"
  assert_clean "$id" "$pid"
  cat "$hl/log"
  order=$(tr '\n' ' ' <"$hl/log")
  # poststart: runc 1.1.5 runs it during create, before the user process can have run
  # (runc issue #4347, moved to start in runc PR #5186); the spec wants it after the process
  # started and before start returns. Both are accepted; the other hooks' order is fixed.
  local without_ps=${order/poststart /}
  [ "$without_ps" != "$order" ] || fail "poststart did not run: $order"
  without_ps=${without_ps/main /}
  expect_eq "hook order (without poststart, main)" "$without_ps" \
    "prestart createRuntime createContainer create-returned startContainer start-returned poststop delete-returned "
  local pos_main pos_start pos_ps
  n=0
  for s in $order; do
    n=$((n + 1))
    case $s in main) pos_main=$n ;; startContainer) pos_start=$n ;; poststart) pos_ps=$n ;; create-returned) pos_cr=$n ;; start-returned) pos_sr=$n ;; createContainer) pos_cc=$n ;; esac
  done
  [ "$pos_main" -gt "$pos_start" ] || fail "the process ran before the startContainer hook: $order"
  [ "$pos_ps" -gt "$pos_cc" ] && [ "$pos_ps" -lt "$pos_sr" ] || fail "poststart out of place: $order"
  local want_ps=running
  [ "$pos_ps" -lt "$pos_cr" ] && want_ps=created
  [ "$pos_ps" -gt "$pos_cr" ] && [ "$pos_ps" -lt "$pos_start" ] && fail "poststart after create but before startContainer: $order"
  # the state on stdin
  for s in prestart:creating createRuntime:creating createContainer:creating startContainer:created "poststart:$want_ps" poststop:stopped; do
    n=${s%%:*}
    [ -s "$hl/$n.json" ] || fail "$n hook got nothing on stdin"
    jf "$(cat "$hl/$n.json")" '.id' '.status' '.ociVersion' '.bundle' '.pid'
    expect_eq "$n stdin .id" "${F[0]}" "$id"
    expect_eq "$n stdin .status" "${F[1]}" "${s#*:}"
    expect_match "$n stdin .ociVersion" "${F[2]}" '^1\.'
    expect_eq "$n stdin .bundle" "${F[3]}" "$B"
    case $n in prestart | createRuntime | poststart)
      expect_eq "$n stdin .pid (the init's host pid)" "${F[4]}" "$pid" ;;
    esac
  done
}

t_hook_prestart_fails() {
  local id pid hl="$T/hooklog"
  id=$(newid)
  mkdir -p "$hl"
  cat >"$T/hook.sh" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "\$1" >> "$hl/log"
[ "\$1" = prestart ] && { jq -r .pid > "$hl/pid"; exit 1; }
exit 0
EOF
  chmod 755 "$T/hook.sh"
  cfg --arg h "$T/hook.sh" --arg cg "/$id" '.linux.cgroupsPath = $cg | .hooks = {
      prestart: [{path: $h, args: ["hook.sh", "prestart"]}],
      poststop: [{path: $h, args: ["hook.sh", "poststop"]}]}'
  sh_args 'echo ran'
  create_c "$id"
  expect_rc "create with a failing prestart hook" 1
  pid=$(cat "$hl/pid" 2>/dev/null)
  [ ! -s "$T/$id.out" ] || fail "the process ran: $(cat "$T/$id.out")"
  rtc state "$id"
  expect_rc "state after failed create" 1
  assert_clean "$id" "$pid" "/$id"
  # runc runs the poststop hooks when it tears down after the failure (spec: step 12, 13)
  expect_eq "hooks run" "$(tr '\n' ' ' <"$hl/log")" "prestart poststop "
}

# ================================================================ console socket

# console_run ID SCRIPT: create ID (process.terminal) with a console socket whose receiver
# (helpers/recvtty) types SCRIPT into the pty, start it and wait for the receiver; sets PID, RC (the
# receiver's exit status) and TTY_OUT (what it read, without \r)
console_run() {
  local id=$1 sock="$T/console.sock" rp i
  "$BUILD/recvtty" "$sock" "$2" 15 >"$T/tty.out" 2>"$T/tty.err" &
  rp=$!
  track_pid "$rp"
  for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
  [ -S "$sock" ] || fail "receiver did not listen"
  create_c "$id" --console-socket "$sock"
  expect_rc "create --console-socket" 0
  PID=$(pid_of "$id")
  track_pid "$PID"
  rtc start "$id"
  expect_rc "start" 0
  wait "$rp"
  RC=$?
  TTY_OUT=$(tr -d '\r' <"$T/tty.out")
}

t_console_socket() {
  local id
  id=$(newid)
  cfg '.process.terminal = true'
  set_args sh
  console_run "$id" 'tty; [ -c /dev/console ] && echo console-ok; echo hi; exit'
  cat "$T/tty.out" "$T/tty.err"
  [ "$RC" = 0 ] || fail "console receiver failed (exit $RC): $(cat "$T/tty.err")"
  grep -q '^payload=.' "$T/tty.err" || fail "empty payload with the fd"
  grep -qx 'hi' <<<"$TTY_OUT" || fail "no 'hi' line from the shell: $(echo "$TTY_OUT" | tr '\n' '|')"
  grep -qx 'console-ok' <<<"$TTY_OUT" || fail "no /dev/console char device"
  grep -Eqx '/dev/pts/[0-9]+' <<<"$TTY_OUT" || fail "tty is not a /dev/pts device: $(echo "$TTY_OUT" | tr '\n' '|')"
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# A console socket only where rong detaches: in the foreground it proxies the pty itself (runc)
t_console_socket_foreground_refused() {
  local id
  id=$(newid)
  cfg '.process.terminal = true'
  set_args true
  run_fg "$id" --console-socket "$T/nobody.sock"
  [ "$RC" != 0 ] || fail "run (foreground) with --console-socket succeeded"
  expect_match "the error" "$ERR" 'cannot use console socket'
  assert_clean "$id"
  rong_lacks exec && return 0
  id=$(newid)
  cfg '.process.terminal = false'
  start_waiter "$id"
  rtc exec -t --console-socket "$T/nobody.sock" "$id" true
  [ "$RC" != 0 ] || fail "exec (foreground) with --console-socket succeeded"
  expect_match "exec's error" "$ERR" 'cannot use console socket'
}

# A process that is not root can reopen its stdio (/dev/stdout, its tty): a detached runtime hands
# fds 0-2 to process.user, as runc does; /dev/null stays root's. In the foreground the caller's
# own files (a redirection, the operator's terminal) are left as they are (runc puts pipes there).
t_stdio_owned_by_user() {
  local id
  id=$(newid detached)
  track "$id"
  cfg '.process.user = {uid: 1000, gid: 1000}'
  # (all through the reopened fd, which does not share the original's offset)
  sh_args '{ echo via-dev-stdout; stat -c %u /dev/null; } >>/dev/stdout'
  rt run -d --bundle "$B" "$id" </dev/null >"$T/detached.out" 2>"$T/detached.err"
  RC=$?
  expect_rc "run -d as uid 1000 ($(cat "$T/detached.err"))" 0
  wait_status "$id" stopped
  expect_eq "output" "$(cat "$T/detached.out")" $'via-dev-stdout\n0'
  rtc delete "$id"
  id=$(newid fg)
  set_args echo hi
  run_fg "$id"
  expect_rc "run as uid 1000 in the foreground" 0
  expect_eq "output" "$OUT" hi
  expect_eq "the owner of the caller's file that was its stdout" "$(stat -c %u "$T/$id.out")" 0
  id=$(newid tty)
  cfg '.process.terminal = true'
  set_args sh
  console_run "$id" 'echo x >$(tty) && echo reopen-ok; exit'
  grep -qx 'reopen-ok' <<<"$TTY_OUT" || fail "uid 1000 could not reopen its tty: $(echo "$TTY_OUT" | tr '\n' '|')"
  wait_status "$id" stopped
  rtc delete "$id"
  assert_clean "$id" "$PID"
}

# ================================================================ logging

# log_lines FILE: every line a JSON object with level, msg, time; prints the last error's msg
check_log_json() {
  local f=$1 line
  [ -s "$f" ] || fail "log file $f is empty"
  while IFS= read -r line; do
    jq -e 'type == "object" and (.level | type) == "string" and (.msg | type) == "string" and (.time | type) == "string"' <<<"$line" >/dev/null ||
      fail "log line is not {level,msg,time} JSON: $line"
    expect_match "log time" "$(jq -r .time <<<"$line")" "$RFC3339"
  done <"$f"
  LAST_ERR=$(jq -r 'select(.level == "error") | .msg' "$f" | tail -n1)
  [ -n "$LAST_ERR" ] || fail "no level error line in the log: $(cat "$f")"
}

# A command or help topic the runtime does not know: runc's line and exit status 3; `help CMD`
# prints that command's usage
t_cli_unknown_command_and_help() {
  rtc no-such-command
  expect_rc "an unknown command" 3
  expect_match "its error" "$ERR" "No help topic for 'no-such-command'"
  rtc help no-such-command
  expect_rc "help of an unknown command" 3
  rtc help state
  expect_rc "help state" 0
  expect_match "help state" "$OUT" "state - output the state of a container"
}

# Global flags at their edges, as runc: a --log that cannot be opened fails the command (a client
# reading it would find nothing); an empty --log-format is text; SIGIO is known as IO
t_cli_log_and_signal_edges() {
  local id
  rt --log "$T/no/such/dir/log" list >"$T/list.out" 2>&1
  RC=$?
  [ "$RC" != 0 ] || fail "list with an unopenable --log succeeded"
  expect_match "the error" "$(cat "$T/list.out")" 'no/such/dir/log'
  rtc --log-format "" list
  expect_rc "list with an empty --log-format" 0
  id=$(newid)
  start_waiter "$id"
  rtc kill "$id" IO
  expect_rc "kill IO" 0
  rtc kill "$id" SIGIO
  expect_rc "kill SIGIO" 0
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

t_log_json_error() {
  local id
  id=$(newid)
  rtc --log "$T/log.json" --log-format json state "$id"
  expect_rc "state of an unknown id" 1
  check_log_json "$T/log.json"
  expect_match "log error msg" "$LAST_ERR" "does not exist"
  expect_match "stderr" "$ERR" "does not exist"
  rtc --log="$T/log2.json" --log-format=json kill "$id" 9
  expect_rc "kill of an unknown id" 1
  check_log_json "$T/log2.json"
  expect_match "log error msg (kill)" "$LAST_ERR" "does not exist"
}

t_log_json_create_error() {
  local id
  id=$(newid)
  set_args /no/such/binary
  track "$id"
  rt --log "$T/log.json" --log-format json create --bundle "$B" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "create with a missing binary" 1
  check_log_json "$T/log.json"
  expect_match "log error msg" "$LAST_ERR" "no/such/binary"
  assert_clean "$id"
}

# the argv of containerd's runc shim, global flags first, for a whole lifecycle
t_containerd_sequence() {
  local id pid g
  id=$(newid)
  g=(--log "$B/log.json" --log-format json)
  sh_args "$WAITER"
  track "$id"
  rt "${g[@]}" create --bundle "$B" --pid-file "$B/init.pid" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "create" 0
  pid=$(cat "$B/init.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "init.pid '$pid'"
  track_pid "$pid"
  rtc "${g[@]}" start "$id"
  expect_rc "start" 0
  wait_grep "$T/$id.out" '^ready$'
  rtc "${g[@]}" kill "$id" 15
  expect_rc "kill 15" 0
  wait_status "$id" stopped
  rtc "${g[@]}" kill "$id" 9
  expect_rc "kill 9 of a stopped container" 1
  expect_match "kill of a stopped container" "$ERR" "container not running"
  rtc "${g[@]}" delete "$id"
  expect_rc "delete" 0
  rtc "${g[@]}" delete --force "$id"
  expect_rc "delete --force of a deleted container" 0
  rtc "${g[@]}" delete "$id"
  expect_rc "delete of a deleted container" 1
  expect_match "delete of a deleted container" "$ERR" "does not exist"
  if [ -s "$B/log.json" ]; then
    check_log_json "$B/log.json"
  fi
  assert_clean "$id" "$pid"
}

# --flag=value everywhere
t_flag_equals_form() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  track "$id"
  timeout "$RT_TIMEOUT" "$RUNTIME" --root="$ROOT" create --bundle="$B" --pid-file="$T/p" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  expect_rc "create with --x=y flags" 0
  pid=$(cat "$T/p")
  track_pid "$pid"
  timeout "$RT_TIMEOUT" "$RUNTIME" --root="$ROOT" start "$id"
  RC=$?
  expect_rc "start" 0
  expect_eq "list --format=json" "$(timeout "$RT_TIMEOUT" "$RUNTIME" --root="$ROOT" list --format=json | jq -r '.[0].id')" "$id"
  timeout "$RT_TIMEOUT" "$RUNTIME" --root="$ROOT" delete --force "$id"
  RC=$?
  expect_rc "delete --force" 0
  assert_clean "$id" "$pid"
}

# ================================================================ bad input

t_bad_unknown_id() {
  local id cmd
  id=$(newid nosuch)
  for cmd in state start kill delete pause resume ps; do
    rong_lacks "$cmd" && continue
    rtc $cmd "$id"
    expect_rc "$cmd of an unknown id" 1
    expect_match "$cmd of an unknown id" "$ERR" "does not exist"
  done
  rtc kill "$id" KILL
  expect_rc "kill KILL of an unknown id" 1
  expect_match "kill KILL of an unknown id" "$ERR" "does not exist"
  rtc delete --force "$id"
  expect_rc "delete --force of an unknown id" 0
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT")"
}

# bad_create ID WHAT: create must fail with 1 and leave nothing
bad_create() {
  create_c "$1"
  expect_rc "$2" 1
  [ -s "$T/$(fname "$1").err" ] || fail "$2: nothing on stderr"
  rtc state "$1"
  expect_rc "state after $2" 1
  assert_clean "$1"
}

t_bad_config_malformed() {
  echo '{"ociVersion": "1.0.2", "process": {' >"$B/config.json"
  bad_create "$(newid)" "create with a malformed config.json"
}

t_bad_config_missing() {
  rm -f "$B/config.json"
  bad_create "$(newid)" "create without config.json"
}

t_bad_config_not_object() {
  echo '[1, 2]' >"$B/config.json"
  bad_create "$(newid)" "create with a config.json that is not an object"
}

# A bundle reached through a symlink and an absolute root.path are resolved: the state names the
# directories themselves, as runc's, and the process runs in that rootfs. A root.path through a
# symlink is resolved too (runc 1.1.5 refuses it: "not an absolute path, or a symlink"). A bundle
# that is a file and a rootfs that does not exist are refused, each named.
t_bundle_and_rootfs_through_symlinks() {
  local id want
  ln -s "$B" "$T/bundle-link"
  ln -s "$B/rootfs" "$T/rootfs-link"
  echo it-marker >"$B/rootfs/it-marker"
  want="$(cd -P "$B" && pwd)
$(cd -P "$B/rootfs" && pwd)"
  set_args cat /it-marker
  for root in "$B/rootfs" "$T/rootfs-link"; do
    [ "$root" = "$B/rootfs" ] || [ "$RT_KIND" != runc ] || continue
    cfg --arg r "$root" '.root.path = $r'
    id=$(newid "${root##*/}")
    track "$id"
    rt create --bundle "$T/bundle-link" "$id" </dev/null >"$T/c.out" 2>"$T/c.err"
    RC=$?
    expect_rc "create, root.path $root ($(cat "$T/c.err"))" 0
    rtc state "$id"
    expect_eq "state's bundle, rootfs" "$(jq -r '.bundle, .rootfs' <<<"$OUT")" "$want"
    rtc start "$id"
    expect_rc "start" 0
    wait_grep "$T/c.out" '^it-marker$'
    rtc delete --force "$id"
    assert_clean "$id"
  done
  id=$(newid file)
  track "$id"
  rt create --bundle "$B/config.json" "$id" </dev/null >/dev/null 2>"$T/f.err"
  RC=$?
  expect_rc "create with a file as the bundle" 1
  expect_match "the error" "$(cat "$T/f.err")" "config.json"
  assert_clean "$id"
  cfg --arg r "$B/no-such-dir" '.root.path = $r'
  bad_create "$(newid gone)" "create with an absolute rootfs that does not exist"
  expect_match "the error" "$(cat "$T/$(newid gone).err")" "no-such-dir"
}

t_bad_rootfs_missing() {
  local id
  mv "$B/rootfs" "$B/rootfs.away"
  bad_create "$(newid)" "create with a missing rootfs"
  # a rootfs path that cannot be looked up says why, as runc's "stat ...: too many levels of
  # symbolic links" (rong said "does not exist")
  ln -s loop "$B/loop"
  cfg '.root.path = "loop/rootfs"'
  id=$(newid loop)
  bad_create "$id" "create with a rootfs behind a symlink loop"
  expect_match "the error" "$(cat "$T/$(fname "$id").err")" "loop/rootfs.*: [Tt]oo many levels of symbolic links"
}

t_bad_binary_missing() {
  local id
  set_args /no/such/binary
  bad_create "$(newid abs)" "create with a missing binary"
  set_args no-such-command-on-path
  bad_create "$(newid rel)" "create with a command not on PATH"
  set_args /etc/passwd
  bad_create "$(newid noexec)" "create with a non-executable file as the binary"
  id=$(newid run)
  set_args /no/such/binary
  run_fg "$id"
  expect_rc "run with a missing binary" 1
  assert_clean "$id"
}

t_bad_duplicate_id() {
  local id pid
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id"
  expect_rc "first create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  rt create --bundle "$B" "$id" </dev/null >"$T/dup.out" 2>"$T/dup.err"
  RC=$?
  expect_rc "second create with the same id" 1
  rt run --bundle "$B" "$id" </dev/null >"$T/dup.out" 2>"$T/dup.err"
  RC=$?
  expect_rc "run with the same id" 1
  expect_eq "first container's status" "$(status_of "$id")" created
  expect_eq "first container's pid" "$(pid_of "$id")" "$pid"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$pid"
}

t_bad_invalid_id() {
  local id extra
  for id in "a/b" ".." "." "../$TOKEN-esc" "$TOKEN/x" "with space" ""; do
    create_c "$id"
    expect_rc "create with id '$id'" 1
    [ -s "$T/$(fname "$id").err" ] || fail "create with id '$id': nothing on stderr"
    [ -z "$(ls -A "$ROOT")" ] || fail "id '$id': state root not empty: $(ls -A "$ROOT")"
  done
  # nothing made next to the state root either (ROOT is $T/root.XXXXXX)
  extra=$(ls -A "$T" | grep -v -e '^bundle$' -e '^root\.' -e '\.out$' -e '\.err$')
  [ -z "$extra" ] || fail "files made outside the state root: $extra"
  rtc state "a/b"
  expect_rc "state with an invalid id" 1
  # runc 1.1.5: delete --force of an invalid id fails (1), unlike of an unknown one (0)
  rtc delete --force "../$TOKEN-esc"
  expect_rc "delete --force of an invalid id" 1
  assert_clean "$TOKEN-none"
}

t_bad_usage() {
  rtc state
  expect_rc "state without an id" 1
  rtc state a b
  expect_rc "state with two ids" 1
  rtc kill
  expect_rc "kill without an id" 1
  rtc create
  expect_rc "create without an id" 1
  # runc 1.1.5 exits 3 ("No help topic for ...") for an unknown command
  rtc no-such-command
  [ "$RC" != 0 ] || fail "unknown command exits 0"
  rtc create --no-such-flag "$(newid)"
  expect_rc "create with an unknown flag" 1
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT")"
}

# ================================================================ cgroups, pause, ps, exec

t_cgroups_path() {
  local id cg m rel n=0
  id=$(newid)
  cg="/$id"
  cfg --arg cg "$cg" '.linux.cgroupsPath = $cg'
  start_waiter "$id"
  cat "/proc/$PID/cgroup" >"$T/cg"
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    # cgroup v2 alone: one line, and the init in the cgroup's cgroup.procs
    expect_eq "the init's /proc/PID/cgroup" "$(cat "$T/cg")" "0::$cg"
    grep -qx "$PID" "/sys/fs/cgroup$cg/cgroup.procs" || fail "init $PID not in /sys/fs/cgroup$cg/cgroup.procs"
    n=1
  else
    grep -Eq "^[0-9]+:([^:]*,)?pids(,[^:]*)?:$cg\$" "$T/cg" || fail "pids cgroup of init is not $cg: $(tr '\n' ' ' <"$T/cg")"
    grep -Eq "^[0-9]+:([^:]*,)?memory(,[^:]*)?:$cg\$" "$T/cg" || fail "memory cgroup of init is not $cg: $(tr '\n' ' ' <"$T/cg")"
    # the init is in the cgroup's cgroup.procs (host view), for every v1 controller mounted
    for m in /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/devices /sys/fs/cgroup/freezer; do
      [ -d "$m" ] || continue
      grep -qx "$PID" "$m$cg/cgroup.procs" 2>/dev/null || fail "init $PID not in $m$cg/cgroup.procs"
      n=$((n + 1))
    done
  fi
  [ $n -gt 0 ] || skip "no cgroup v1 controllers at /sys/fs/cgroup/<controller>"
  rtc kill "$id" KILL
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID" "$cg"
}

# without cgroupsPath, runc 1.1.5 makes a cgroup named after the id (relative to its own
# cgroup: /sys/fs/cgroup/memory/<runc's memory cgroup>/<id> here); it is removed on delete
t_cgroups_default() {
  local id
  id=$(newid)
  cfg 'del(.linux.cgroupsPath)'
  start_waiter "$id"
  [ -n "$(cgroups_named "$id")" ] || fail "no cgroup named $id while running"
  grep -q "/$id\$" "/proc/$PID/cgroup" || fail "init is not in a cgroup named $id: $(tr '\n' ' ' <"/proc/$PID/cgroup")"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

t_pause_resume() {
  local id
  id=$(newid)
  [ -d /sys/fs/cgroup/freezer ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no freezer"
  start_waiter "$id"
  rtc pause "$id"
  expect_rc "pause" 0
  expect_eq "status after pause" "$(status_of "$id")" paused
  rtc list --format json
  expect_eq "list status" "$(jq -r '.[0].status' <<<"$OUT")" paused
  rtc resume "$id"
  expect_rc "resume" 0
  expect_eq "status after resume" "$(status_of "$id")" running
  rtc kill "$id" USR1
  wait_grep "$T/$id.out" '^got-USR1$'
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

t_ps_json() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc ps --format json "$id"
  expect_rc "ps --format json" 0
  jq -e 'type == "array" and all(.[]; type == "number")' <<<"$OUT" >/dev/null || fail "not an array of numbers: $OUT"
  jq -e --argjson p "$PID" 'index($p) != null' <<<"$OUT" >/dev/null || fail "init pid $PID not in $OUT"
  expect_eq "pids (the waiter's sh and its sleep)" "$(jq length <<<"$OUT")" 2
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# cgdir CONTROLLER PID: the host directory of PID's cgroup in a v1 hierarchy
cgdir() { echo "/sys/fs/cgroup/$1$(sed -nE "s/^[0-9]+:([^:]*,)?$1(,[^:]*)?:(.*)\$/\\3/p" "/proc/$2/cgroup")"; }
# expect_cg CONTROLLER FILE WANT: the container's ($PID's) cgroup file holds WANT
expect_cg() {
  local f
  f="$(cgdir "$1" "$PID")/$2"
  [ -f "$f" ] || fail "no $f"
  expect_eq "$1/$2" "$(cat "$f")" "$3"
}
# need_cg CONTROLLER...: each controller as a v1 hierarchy, or enabled in a cgroup2-only root
need_cg() {
  local c
  for c in "$@"; do
    [ -d "/sys/fs/cgroup/$c" ] || grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
      skip "no cgroup $c controller (v1 or v2)"
  done
}
need_v1() {
  local c
  for c in "$@"; do [ -d "/sys/fs/cgroup/$c" ] || skip "no cgroup v1 $c controller at /sys/fs/cgroup/$c"; done
}

# every linux.resources setting this host's v1 controllers take, read back from the cgroup files
t_cgroups_resources() {
  local id dev="" d
  id=$(newid)
  need_v1 memory cpu cpuset pids devices blkio
  for d in /sys/block/*; do
    case ${d##*/} in loop* | ram* | zram* | dm-*) continue ;; esac
    [ -f "$d/dev" ] && dev=$(cat "$d/dev") && break
  done
  cfg --arg dev "$dev" '.linux.resources = {
      memory: {limit: 67108864, swap: 134217728, reservation: 33554432, swappiness: 30},
      cpu: {shares: 512, quota: 20000, period: 100000, cpus: "0", mems: "0"},
      pids: {limit: 42},
      devices: [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]}
    | if $dev == "" then . else .linux.resources.blockIO = {throttleReadBpsDevice: [{
        major: ($dev | split(":")[0] | tonumber), minor: ($dev | split(":")[1] | tonumber), rate: 1048576}]} end'
  start_waiter "$id"
  expect_cg memory memory.limit_in_bytes 67108864
  [ ! -f "$(cgdir memory "$PID")/memory.memsw.limit_in_bytes" ] || expect_cg memory memory.memsw.limit_in_bytes 134217728
  expect_cg memory memory.soft_limit_in_bytes 33554432
  expect_cg memory memory.swappiness 30
  expect_cg cpu cpu.shares 512
  expect_cg cpu cpu.cfs_quota_us 20000
  expect_cg cpu cpu.cfs_period_us 100000
  expect_cg cpuset cpuset.cpus 0
  expect_cg cpuset cpuset.mems 0
  expect_cg pids pids.max 42
  [ -z "$dev" ] || expect_cg blkio blkio.throttle.read_bps_device "$dev 1048576"
  # a whitelist: the config's rule and the defaults, no "a *:* rwm"
  d=$(cgdir devices "$PID")/devices.list
  grep -qx 'c 1:3 rwm' "$d" || fail "devices.list lacks c 1:3 rwm: $(tr '\n' ' ' <"$d")"
  ! grep -qx 'a \*:\* rwm' "$d" || fail "devices.list still allows everything"
  # the host's own devices cgroup is untouched
  grep -qx 'a \*:\* rwm' "$(cgdir devices $$)/devices.list" || fail "the caller's devices cgroup was changed"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# The device rules hold from the container's first instruction: the v1 devices controller, or on
# cgroup v2 an eBPF program. /dev/kmsg (c 1:11) is not a default device, and opening it write-only
# needs no capability: only the device rules can refuse it (nothing is written to it).
t_cgroups_devices() {
  if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then need_v1 devices; fi
  sh_args 'rm -f /tmp/kmsg; mknod /tmp/kmsg c 1 11 || exit 3
    { true >/tmp/kmsg; } 2>&1 && echo kmsg-opened
    head -c 3 /dev/zero | wc -c'
  # mknod needs CAP_MKNOD (not in the default set) and a writable root
  cfg '.root.readonly = false | .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
    | .linux.resources.devices = [{allow: false, access: "rwm"}]'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "everything denied: open /dev/kmsg, read /dev/zero (a default)" "$(echo $OUT)" \
    '^.*Operation not permitted 3$'
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
  run_fg "$(newid b)"
  expect_rc "run" 0
  expect_eq "c 1:11 w allowed: open /dev/kmsg, read /dev/zero" "$(echo $OUT)" "kmsg-opened 3"
  # What v1 would take and silently mean otherwise is refused, as runc: a hole in a wildcard
  # exception (the kernel ignores that deny: c 1:11 stayed open), a rule without access.
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", access: "rwm"},
    {allow: false, type: "c", major: 1, minor: 11, access: "rwm"}]'
  run_fg "$(newid hole)"
  [ "$RC" != 0 ] || fail "a deny inside a wildcard allow was taken: $OUT"
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 11}]'
  run_fg "$(newid noaccess)"
  [ "$RC" != 0 ] || fail "a rule without access was taken: $OUT"
}

# delete kills what is the container's, nothing else (runc): with a pid namespace of its own,
# the processes of that namespace. A nested container's process in a cgroup below its one, and a
# process of the test's moved into the cgroup the config names, stay alive; so do their cgroups.
t_cgroups_delete_spares_others() {
  local a b name p pa pb
  need_v1 pids freezer
  name=$(newid nest)
  a=$(newid a) b=$(newid b)
  cfg --arg c "/$name" '.linux.cgroupsPath = $c'
  start_waiter "$a"
  pa=$PID
  cfg --arg c "/$name/b" '.linux.cgroupsPath = $c'
  start_waiter "$b"
  pb=$PID
  rtc delete --force "$a"
  pid_gone "$pa" || fail "the deleted container's init $pa survived"
  kill -0 "$pb" 2>/dev/null || fail "delete --force of $a killed the nested container's init $pb"
  expect_eq "the nested container after its parent's delete" "$(status_of "$b")" running
  rtc delete --force "$b"
  expect_rc "delete --force of the nested container" 0
  for d in /sys/fs/cgroup/*/"$name"; do rmdir "$d" 2>/dev/null; done

  mkdir "/sys/fs/cgroup/pids/$name" "/sys/fs/cgroup/freezer/$name" || fail "mkdir $name cgroups"
  sleep 1000 &
  p=$!
  track_pid "$p"
  echo "$p" >"/sys/fs/cgroup/pids/$name/cgroup.procs"
  echo "$p" >"/sys/fs/cgroup/freezer/$name/cgroup.procs"
  cfg --arg c "/$name" '.linux.cgroupsPath = $c'
  set_args true
  rt run --bundle "$B" "$(newid run)" </dev/null >"$T/run.out" 2>"$T/run.err"
  kill -0 "$p" 2>/dev/null || fail "run's clean-up killed a process of the test's in the cgroup (run: $(cat "$T/run.err"))"
  [ -d "/sys/fs/cgroup/pids/$name" ] || fail "run's clean-up removed a cgroup with someone else's process"
  kill "$p"
  wait "$p" 2>/dev/null
  for d in /sys/fs/cgroup/*/"$name"; do rmdir "$d" 2>/dev/null; done
  rtc delete --force "$(newid run)"
  return 0
}

# a 64 MiB allocation under a 16 MiB limit (no swap) is killed by the OOM killer
t_cgroups_oom() {
  need_v1 memory
  cfg '.linux.resources.memory = {limit: 16777216, swap: 16777216}'
  set_args dd if=/dev/zero of=/dev/null bs=64M count=1
  run_fg "$(newid)"
  expect_rc "run of dd bs=64M under a 16 MiB limit" 137
  cfg '.linux.resources.memory = {limit: 134217728, swap: 134217728}'
  run_fg "$(newid b)"
  expect_rc "run of dd bs=64M under a 128 MiB limit" 0
}

# pids.max bounds a fork loop: the shell cannot fork its 16 sleeps under a limit of 8
t_cgroups_pids_limit() {
  need_v1 pids
  sh_args 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 2 & done; echo forked-all'
  cfg '.linux.resources.pids = {limit: 8}'
  run_fg "$(newid)"
  [ "$RC" != 0 ] || fail "16 forks under pids.max 8 succeeded"
  [[ $ERR == *"fork"* ]] || fail "no fork error: $ERR"
  [[ $OUT != *forked-all* ]] || fail "the loop finished"
  cfg 'del(.linux.resources.pids)'
  run_fg "$(newid b)"
  expect_rc "the same loop without the limit" 0
  expect_eq "output without the limit" "$OUT" forked-all
}

# a paused container's processes do not run: its counter stops, and goes on after resume
t_pause_frozen() {
  local id n1 n2 n3
  id=$(newid)
  need_v1 freezer
  sh_args 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'
  create_c "$id"
  [ "$RC" = 0 ] || fail "create failed: $ERR"
  PID=$(pid_of "$id")
  rtc start "$id"
  wait_grep "$T/$id.out" '^3$'
  rtc pause "$id"
  expect_rc "pause" 0
  expect_eq "status" "$(status_of "$id")" paused
  n1=$(wc -l <"$T/$id.out")
  sleep 0.5
  n2=$(wc -l <"$T/$id.out")
  expect_eq "lines written while paused" "$n2" "$n1"
  expect_eq "freezer.state" "$(cat "$(cgdir freezer "$PID")/freezer.state")" FROZEN
  rtc resume "$id"
  expect_rc "resume" 0
  sleep 0.5
  n3=$(wc -l <"$T/$id.out")
  [ "$n3" -gt "$n2" ] || fail "counter did not advance after resume ($n2 -> $n3)"
  rtc resume "$id"
  [ "$RC" != 0 ] || fail "resume of a running container succeeded"
  # delete --force of a paused container kills it all
  rtc pause "$id"
  rtc delete --force "$id"
  expect_rc "delete --force of a paused container" 0
  assert_clean "$id" "$PID"
}

# kill --all signals every process of the cgroup
t_kill_all() {
  local id p pids
  id=$(newid)
  sh_args 'sleep 1000 & sleep 1000 & echo ready; wait'
  start_ready "$id"
  rtc ps --format json "$id"
  pids=$(jq -r '.[]' <<<"$OUT")
  expect_eq "processes" "$(wc -w <<<"$pids")" 3
  rtc kill --all "$id" KILL
  expect_rc "kill --all" 0
  for p in $pids; do pid_gone "$p" || fail "process $p survived kill --all"; done
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# Signals the runtime's caller ignores (nohup, a shell's background job, SIGPIPE) are not ignored
# in the container's processes, run or exec'd: an execve would keep them ignored, as it did
t_ignored_signals_not_inherited() {
  local id
  id=$(newid)
  set_args grep ^SigIgn /proc/self/status  # (not under sh: busybox's, as pid 1, ignores QUIT)
  (trap '' PIPE HUP INT QUIT USR1 USR2; run_fg "$id")
  expect_eq "the init's ignored signals" "$(cat "$T/$(fname "$id").out")" "SigIgn:	0000000000000000"
  id=$(newid exec)
  start_waiter "$id"
  (trap '' PIPE HUP INT QUIT USR1 USR2; rtc exec "$id" grep ^SigIgn /proc/self/status; echo "$OUT" >"$T/exec.out")
  expect_eq "an exec'd process's ignored signals" "$(cat "$T/exec.out")" "SigIgn:	0000000000000000"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# A caller's closed stdin: the process reads EOF (/dev/null), as with runc (which gives a pipe),
# and a file it opens does not land on fd 0 (rong passed the closed fd on)
t_closed_stdin() {
  local id
  id=$(newid)
  sh_args 'cat; echo rc=$?; exec 3</etc/passwd; readlink /proc/self/fd/0'
  track "$id"
  rt run --bundle "$B" "$id" <&- >"$T/run.out" 2>"$T/run.err"
  RC=$?
  expect_rc "run with stdin closed ($(cat "$T/run.err"))" 0
  expect_eq "the process's stdin" "$(head -n1 "$T/run.out")" "rc=0"
  id=$(newid exec)
  start_waiter "$id"
  rt exec "$id" sh -c 'cat; echo rc=$?' <&- >"$T/exec.out" 2>&1
  expect_eq "an exec'd process's stdin" "$(cat "$T/exec.out")" "rc=0"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# NOTIFY_SOCKET (sd_notify through the runtime, as runc): the container's process gets a socket
# of its own (/run/notify/notify.sock); its READY=1 reaches the caller's socket once `start`
# returns, with the init as MAINPID (rong ignored NOTIFY_SOCKET)
t_notify_socket() {
  local id listener
  id=$(newid)
  static_helper_mount sdnotify
  sh_args '[ "$NOTIFY_SOCKET" = /run/notify/notify.sock ] || echo "NOTIFY_SOCKET=$NOTIFY_SOCKET" >&2; /sdnotify send READY=1; echo ready; exec sleep 1000'
  "$BUILD/sdnotify.static" listen "$T/host.sock" "$T/got" >"$T/listen.out" 2>&1 &
  listener=$!
  track_pid "$listener"
  wait_grep "$T/listen.out" '^bound$'
  NOTIFY_SOCKET=$T/host.sock create_c "$id"
  expect_rc "create" 0
  PID=$(pid_of "$id")
  track_pid "$PID"
  NOTIFY_SOCKET=$T/host.sock rtc start "$id"
  expect_rc "start" 0
  wait_grep "$T/$id.out" '^ready$'
  expect_eq "the container's NOTIFY_SOCKET (its stderr)" "$(cat "$T/$id.err")" ""
  wait_grep "$T/got" '^READY=1$'
  kill "$listener"
  [ "$RT_KIND" = runc ] || expect_eq "MAINPID" "$(sed -n 2p "$T/got")" "MAINPID=$PID"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
  # run -d: create binds the socket, and run returns once the process is ready
  id=$(newid detached)
  "$BUILD/sdnotify.static" listen "$T/host2.sock" "$T/got2" >"$T/listen2.out" 2>&1 &
  listener=$!
  track_pid "$listener"
  wait_grep "$T/listen2.out" '^bound$'
  track "$id"
  NOTIFY_SOCKET=$T/host2.sock rt run -d --bundle "$B" "$id" </dev/null >"$T/run.out" 2>&1
  RC=$?
  expect_rc "run -d" 0
  wait_grep "$T/got2" '^READY=1$'
  kill "$listener"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id"
}

# Kernel memory limits (memory.kmem.*, deprecated by the kernel) are warned about and not
# written, on v1 too, as runc; rong wrote memory.kmem.tcp.limit_in_bytes before
t_cgroups_kernel_memory_ignored() {
  local id f before
  need_v1 memory
  id=$(newid)
  f=memory.kmem.tcp.limit_in_bytes
  [ -f "/sys/fs/cgroup/memory/$f" ] || skip "no $f in this kernel's v1 memory controller"
  before=$(cat "/sys/fs/cgroup/memory/$f")
  cfg '.linux.resources.memory = {limit: 67108864, kernelTCP: 40000000}'
  start_waiter "$id"
  expect_match "the warning at create" "$(cat "$T/$id.err")" "[Kk]ernel memory .*ignored|ignored: kernel memory"
  expect_cg memory "$f" "$before"
  expect_cg memory memory.limit_in_bytes 67108864
  rtc update --kernel-memory-tcp 30000000 "$id"
  expect_rc "update --kernel-memory-tcp" 0
  expect_cg memory "$f" "$before"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# A memory limit the container is already over: update says by how much (v1: the kernel cannot
# reclaim down to it), as runc; a create with one fails naming the limit, runc's or rong's way
# (runc sets it once the init is in the cgroup; rong before, and the init dies joining)
t_memory_limit_below_usage() {
  local id
  need_v1 memory
  id=$(newid)
  start_waiter "$id"
  rtc update --memory 4096 "$id"
  expect_rc "update --memory 4096" 1
  expect_match "update's error" "$ERR" "unable to set memory limit to 4096 \(current usage: [0-9]+, peak usage: [0-9]+\)"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
  id=$(newid low)
  cfg '.linux.resources.memory = {limit: 1}'
  set_args true
  rt run --bundle "$B" "$id" </dev/null >"$T/run.out" 2>"$T/run.err"
  RC=$?
  expect_rc "run with memory limit 1" 1
  expect_match "run's error" "$(cat "$T/run.err")" "unable to set memory limit to 1 |memory.limit 1 is too low"
  assert_clean "$id"
}

# kill --all of a paused container with a signal that is not KILL: frozen, signalled and thawed
# as runc does, so the processes get it; the container was left frozen with it pending before
t_kill_all_paused_thaws() {
  local id
  id=$(newid)
  [ -d /sys/fs/cgroup/freezer ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no freezer"
  sh_args 'trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
  start_ready "$id"
  rtc pause "$id"
  expect_rc "pause" 0
  rtc kill --all "$id" TERM
  expect_rc "kill --all TERM of a paused container" 0
  [ "$(status_of "$id")" != paused ] || fail "still paused after kill --all TERM"
  wait_grep "$T/$id.out" '^got-TERM$'
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# ps and kill --all on v1 list the devices hierarchy's cgroup, as runc: in a cgroup made
# beforehand, another hierarchy (freezer here) can hold a process that is not the container's
t_ps_v1_devices_hierarchy() {
  local id cg other out
  need_v1 devices freezer pids
  id=$(newid)
  cg=rong-it-$id
  mkdir "/sys/fs/cgroup/freezer/$cg" "/sys/fs/cgroup/pids/$cg"
  sleep 1000 &
  other=$!
  track_pid "$other"
  echo "$other" >"/sys/fs/cgroup/freezer/$cg/cgroup.procs"
  echo "$other" >"/sys/fs/cgroup/pids/$cg/cgroup.procs"
  cfg --arg c "/$cg" '.linux.cgroupsPath = $c'
  start_waiter "$id"
  rtc ps --format json "$id"
  expect_rc "ps" 0
  out=$OUT
  rtc kill --all "$id" KILL
  expect_rc "kill --all" 0
  kill -0 "$other" 2>/dev/null || fail "kill --all killed $other, which is only in the container's freezer and pids cgroups"
  kill "$other"; wait "$other" 2>/dev/null
  rmdir "/sys/fs/cgroup/freezer/$cg" "/sys/fs/cgroup/pids/$cg" 2>/dev/null
  jq -e --argjson p "$PID" 'index($p) != null' <<<"$out" >/dev/null || fail "ps did not list the init $PID: $out"
  jq -e --argjson p "$other" 'index($p) == null' <<<"$out" >/dev/null || fail "ps listed $other, not the container's: $out"
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# ps (table) is ps -ef's header and the container's lines
t_ps_table() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc ps "$id"
  expect_rc "ps" 0
  expect_match "header" "$(head -n1 <<<"$OUT")" '^UID +PID +PPID'
  awk -v p="$PID" 'NR > 1 && $2 == p { f = 1 } END { exit !f }' <<<"$OUT" || fail "init $PID not listed: $OUT"
  expect_eq "lines (header, sh, sleep)" "$(wc -l <<<"$OUT")" 3
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# update: a LinuxResources JSON on stdin, and the flags
t_update_resources() {
  local id
  id=$(newid)
  need_v1 memory pids
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}'
  start_waiter "$id"
  expect_cg memory memory.limit_in_bytes 67108864
  rt update --resources - "$id" <<<'{"memory": {"limit": 100663296}}' >"$T/upd.out" 2>&1
  RC=$?
  expect_rc "update --resources - ($(cat "$T/upd.out"))" 0
  expect_cg memory memory.limit_in_bytes 100663296
  rtc update --pids-limit 17 "$id"
  expect_rc "update --pids-limit" 0
  expect_cg pids pids.max 17
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# events --stats: one stats object with the container's memory limit and pids
t_events_stats() {
  local id
  id=$(newid)
  need_v1 memory pids
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
  start_waiter "$id"
  rtc events --stats "$id"
  expect_rc "events --stats" 0
  jf "$OUT" .type .id .data.memory.usage.limit .data.pids.limit '.data.pids.current >= 2' '.data.cpu.usage.total > 0'
  expect_eq "type" "${F[0]}" stats
  expect_eq "id" "${F[1]}" "$id"
  expect_eq "memory limit" "${F[2]}" 67108864
  expect_eq "pids limit" "${F[3]}" 50
  expect_eq "pids current >= 2" "${F[4]}" true
  expect_eq "cpu usage > 0" "${F[5]}" true
  # the rest of runc's shape: cpuset (cpus as a list, the flags), per-cpu kernel and user time,
  # intel_rdt and network_interfaces (rong had none of these)
  jf "$OUT" '.data.cpuset.cpus | length > 0' '.data.cpuset | has("sched_load_balance")' \
    '.data.cpu.usage.percpu_kernel | length > 0' '.data.cpu.usage.percpu_user | length > 0' \
    '.data | has("intel_rdt") and has("network_interfaces")'
  expect_eq "cpuset.cpus, its flags, percpu_kernel, percpu_user, intel_rdt and network_interfaces" "${F[*]}" \
    "true true true true true"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# cpu throttling under a quota, with the keys containerd's go-runc reads (throttledPeriods, ...)
t_events_cpu_throttling() {
  local id
  id=$(newid)
  need_v1 cpu
  cfg '.linux.resources = {cpu: {quota: 10000, period: 100000}}'
  start_waiter "$id"
  rtc exec "$id" sh -c 'timeout 1 sh -c "while :; do :; done"; true'
  rtc events --stats "$id"
  expect_rc "events --stats" 0
  jf "$OUT" '.data.cpu.throttling.periods > 0' '.data.cpu.throttling.throttledPeriods > 0' '.data.cpu.throttling.throttledTime > 0'
  expect_eq "periods, throttledPeriods, throttledTime > 0 ($(jq -c .data.cpu.throttling <<<"$OUT"))" "${F[*]}" "true true true"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# the container's cgroup mount shows its own v1 cgroups (a tmpfs with read-only binds, as runc)
t_inside_cgroup_v1_mount() {
  need_v1 memory pids
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 33}}'
  sh_args 'awk '"'"'$5 == "/sys/fs/cgroup" { print $(NF-2) }'"'"' /proc/self/mountinfo
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
    touch /sys/fs/cgroup/memory/x 2>/dev/null && echo writable || echo read-only'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "/sys/fs/cgroup, memory limit, pids.max, writable" "$(echo $OUT)" "tmpfs 67108864 33 read-only"
}

# events streams stats every --interval, and an "oom" event when the OOM killer strikes
t_events_stream_oom() {
  local id ev i
  id=$(newid)
  need_cg memory
  cfg '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
  sh_args 'echo ready; read x < /oom-go; dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd-done; sleep 1000'
  mkfifo "$B/rootfs/oom-go" 2>/dev/null || fail "mkfifo"
  create_c "$id"
  [ "$RC" = 0 ] || fail "create failed: $ERR"
  PID=$(pid_of "$id")
  rtc start "$id"
  wait_grep "$T/$id.out" '^ready$'
  timeout 20 "$RUNTIME" --root "$ROOT" events --interval 200ms "$id" >"$T/events.out" 2>"$T/events.err" &
  ev=$!
  wait_grep "$T/events.out" '"type": *"stats"'
  echo go >"$B/rootfs/oom-go"
  wait_grep "$T/$id.out" '^dd-done$'
  wait_grep "$T/events.out" '"type": *"oom"' 30
  grep -Eq "^\\{\"type\": *\"oom\", *\"id\": *\"$id\"" "$T/events.out" || fail "oom event: $(grep oom "$T/events.out")"
  [ "$(grep -c '"type": *"stats"' "$T/events.out")" -ge 2 ] || sleep 0.5
  [ "$(grep -c '"type": *"stats"' "$T/events.out")" -ge 2 ] || fail "fewer than 2 stats events in the stream"
  kill "$ev" 2>/dev/null
  wait "$ev" 2>/dev/null
  rm -f "$B/rootfs/oom-go"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# a create that fails leaves no cgroup: a limit the kernel refuses, and a missing binary
t_cgroups_failed_create() {
  local id
  id=$(newid)
  need_cg cpuset
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | .linux.resources.cpu = {cpus: "999"}'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with cpuset.cpus 999 succeeded"
  assert_clean "$id" "" "/$id" "bad cpuset: "
  id=$(newid b)
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | del(.linux.resources.cpu)'
  set_args /no/such/binary
  create_c "$id"
  [ "$RC" != 0 ] || fail "create of a missing binary succeeded"
  assert_clean "$id" "" "/$id" "missing binary: "
}

t_exec_status() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc exec "$id" sh -c 'exit 5'
  expect_rc "exec of 'exit 5'" 5
  rtc exec "$id" sh -c 'echo $$; readlink /proc/self/ns/pid; readlink /proc/1/ns/pid; hostname'
  expect_rc "exec" 0
  [ "$(sed -n 1p <<<"$OUT")" != 1 ] || fail "exec'd process is pid 1"
  expect_eq "exec'd process in the container's pid namespace" "$(sed -n 2p <<<"$OUT")" "$(sed -n 3p <<<"$OUT")"
  jq -n '{args: ["sh", "-c", "echo $FOO; exit 4"], cwd: "/etc", env: ["PATH=/bin", "FOO=from-process-json"], user: {uid: 0, gid: 0}}' >"$T/process.json"
  rtc exec --process "$T/process.json" "$id"
  expect_rc "exec --process" 4
  expect_eq "exec --process output" "$OUT" from-process-json
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# exec --process FILE without rlimits or oomScoreAdj, as runc: the caller's rlimits (not the
# container's), the container's OOM score adjustment
t_exec_process_file_limits() {
  local id
  id=$(newid)
  cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200}] | .process.oomScoreAdj = 100'
  start_waiter "$id"
  jq -n '{args: ["sh", "-c", "ulimit -n; cat /proc/self/oom_score_adj"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0}}' >"$T/process.json"
  rtc exec --process "$T/process.json" "$id"
  expect_rc "exec --process" 0
  expect_eq "open files limit, oom_score_adj" "$OUT" "$(ulimit -n)
100"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

t_exec_missing_binary() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc exec "$id" /no/such/binary
  expect_rc "exec of a missing binary" 255
  expect_eq "status after failed exec" "$(status_of "$id")" running
  # runc 1.1.5: every exec failure exits 255, an unknown container too
  rtc exec "$(newid nosuch)" true
  expect_rc "exec in an unknown container" 255
  expect_match "exec in an unknown container" "$ERR" "does not exist"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# exec --cgroup: the process runs in an existing sub-cgroup of the container's, never above it
t_exec_sub_cgroup() {
  local id rel dir
  id=$(newid)
  start_waiter "$id"
  rel=$(sed -n 's/^[0-9]*:memory://p' "/proc/$PID/cgroup")
  dir=/sys/fs/cgroup/memory$rel
  [ -d "$dir" ] || skip "no v1 memory cgroup for the container"
  mkdir "$dir/sub" || fail "mkdir $dir/sub"
  rtc exec --cgroup memory:sub "$id" cat /proc/self/cgroup
  rmdir "$dir/sub" 2>/dev/null
  expect_rc "exec --cgroup memory:sub" 0
  expect_match "the exec'd process's memory cgroup" "$(grep ':memory:' <<<"$OUT")" "^[0-9]+:memory:.*/sub$"
  rtc exec --cgroup memory:missing "$id" true
  [ "$RC" != 0 ] || fail "exec into a missing sub-cgroup succeeded"
  # ".." is refused, as runc: "../.." is not a sub cgroup (rong cleaned it to the container's own)
  rtc exec --cgroup memory:../.. "$id" true
  [ "$RC" != 0 ] || fail "exec --cgroup memory:../.. succeeded"
  expect_match "the error" "$ERR" "not a sub cgroup path"
}

# exec's own errors, before or after the process runs, leave no process behind (runc kills it
# too): an environment entry without "=", a pidfd socket or a pid file it cannot use
t_exec_bad_options() {
  local id
  id=$(newid)
  start_waiter "$id"
  rtc exec -e PA "$id" env
  [ "$RC" != 0 ] || fail "exec -e PA (no =) succeeded: $OUT"
  expect_match "exec -e PA" "$ERR" 'invalid environment variable'
  rtc exec --cwd tmp "$id" pwd
  [ "$RC" != 0 ] || fail "exec --cwd tmp (relative) succeeded: $OUT"
  expect_match "exec --cwd tmp" "$ERR" 'Cwd must be an absolute path'
  rtc exec -u 2147483648 "$id" id -u
  [ "$RC" != 0 ] || fail "exec -u 2147483648 succeeded: $OUT"
  expect_match "exec -u 2147483648" "$ERR" 'uids and gids must be in range 0-2147483647'
  rtc exec -g 99999999999999999999999 "$id" id -G
  [ "$RC" != 0 ] || fail "exec -g 99999999999999999999999 succeeded: $OUT"
  rtc exec -d --pidfd-socket "$T/no/such/sock" "$id" sleep 777
  [ "$RC" != 0 ] || fail "exec with an unusable --pidfd-socket succeeded"
  rtc exec -d --pid-file "$T/no/such/dir/pid" "$id" sleep 778
  [ "$RC" != 0 ] || fail "exec with an unusable --pid-file succeeded"
  rtc ps "$id"
  [[ $OUT != *"sleep 77"* ]] || fail "a failed exec left its process running: $OUT"
}

# exec --additional-gids adds to the container's groups (runc), it does not replace them
t_exec_additional_gids() {
  local id
  id=$(newid)
  cfg '.process.user.additionalGids = [10]'
  start_waiter "$id"
  rtc exec -g 20 "$id" id -G
  expect_rc "exec -g 20" 0
  expect_eq "groups of exec -g 20" "$OUT" "0 10 20"
}

t_exec_detach() {
  local id p
  id=$(newid)
  start_waiter "$id"
  rt exec --detach --pid-file "$T/exec.pid" "$id" sleep 1000 </dev/null >"$T/exec.out" 2>&1
  RC=$?
  expect_rc "exec --detach" 0
  p=$(cat "$T/exec.pid")
  [[ $p =~ ^[1-9][0-9]*$ ]] || fail "exec pid file '$p'"
  [ "$(wc -l <"$T/exec.pid")" = 0 ] || fail "exec pid file ends with a newline"
  track_pid "$p"
  expect_eq "exec'd process's pid namespace" "$(readlink "/proc/$p/ns/pid")" "$(readlink "/proc/$PID/ns/pid")"
  rtc ps --format json "$id"
  jq -e --argjson p "$p" 'index($p) != null' <<<"$OUT" >/dev/null || fail "exec pid $p not in ps: $OUT"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  pid_gone "$p" || fail "exec'd process $p survived delete --force"
  assert_clean "$id" "$PID"
}

# ================================================================ other commands

t_features_json() {
  rtc features
  expect_rc "features" 0
  jq -e 'type == "object"' <<<"$OUT" >/dev/null || fail "features is not a JSON object"
  expect_match "ociVersionMin" "$(jq -r .ociVersionMin <<<"$OUT")" '^1\.0\.'
  expect_eq "hooks" "$(jq -r '.hooks | sort | join(" ")' <<<"$OUT")" "createContainer createRuntime poststart poststop prestart startContainer"
  for n in cgroup ipc mount network pid user uts; do
    jq -e --arg n "$n" '.linux.namespaces | index($n) != null' <<<"$OUT" >/dev/null || fail "namespace $n not in features"
  done
  jq -e '.linux.cgroup.v1 == true' <<<"$OUT" >/dev/null || fail "features does not claim cgroup v1"
}

t_spec_command() {
  local d="$T/specdir"
  mkdir -p "$d"
  rtc spec --bundle "$d"
  expect_rc "spec" 0
  jq -e '(.ociVersion | test("^1\\.")) and .process.terminal == true and .root.path == "rootfs" and (.process.args | length) > 0 and (.linux.namespaces | length) > 0' "$d/config.json" >/dev/null ||
    fail "spec config.json lacks the usual fields"
  rtc spec --bundle "$d"
  expect_rc "spec over an existing config.json" 1
}

t_version() {
  rtc --version
  expect_rc "--version" 0
  expect_match "--version first line" "$(head -n1 <<<"$OUT")" "^$RT_KIND version [^ ]+"
  grep -Eq '^spec: 1\.[0-9]+\.[0-9]+' <<<"$OUT" || fail "no 'spec: 1.x.y' line: $OUT"
  rtc -v
  expect_rc "-v" 0
}

t_version_rong() {
  [ "$RT_KIND" = rong ] || skip "rong only (runtime is $RT_KIND)"
  rtc --version
  expect_rc "--version" 0
  expect_match "--version first line" "$(head -n1 <<<"$OUT")" '^rong version [0-9]'
  grep -qx 'spec: 1.3.0' <<<"$OUT" || fail "no 'spec: 1.3.0' line: $OUT"
}

# time namespace with offsets (runtime-spec 1.1+; runc 1.1.5 has no time namespace)
t_timens_offsets() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 has no time namespace"
  [ -e "$HOST_NS_DIR/time" ] || skip "kernel has no time namespace"
  cfg '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}, boottime: {secs: 172800, nanosecs: 0}}'
  sh_args 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
  run_fg "$(newid)"
  expect_rc "run" 0
  [ "$(sed -n 1p <<<"$OUT")" != "$(readlink "$HOST_NS_DIR/time")" ] || fail "time namespace is the host's"
  grep -Eq '^monotonic +86400 +0$' <<<"$OUT" || fail "monotonic offset: $OUT"
  grep -Eq '^boottime +172800 +0$' <<<"$OUT" || fail "boottime offset: $OUT"
  [ "$(sed -n '$p' <<<"$OUT")" -ge 172800 ] || fail "uptime inside is not shifted: $OUT"
}

# More tests, one file per area (suites/security.sh: seccomp, capabilities, process attributes,
# CVE regressions; ...). Each is sourced here and uses the helpers above.
SUITES=("$HERE"/suites/*.sh)
for suite in "${SUITES[@]}"; do
  # shellcheck source=/dev/null
  . "$suite"
done

# ================================================================ runner

_cleanup_test() {
  local e r id p st m
  for e in "${_CONTAINERS[@]}"; do
    r=${e%%|*}
    id=${e#*|}
    [ -n "$id" ] || continue
    timeout 10 "$RUNTIME" --root "$r" kill "$id" KILL >/dev/null 2>&1
    timeout 10 "$RUNTIME" --root "$r" delete --force "$id" >/dev/null 2>&1
  done
  for e in "${_PIDS[@]}"; do
    p=${e%%:*}
    st=$(starttime "$p")
    [ -n "$st" ] && [ "$st" = "${e#*:}" ] && kill -9 "$p" 2>/dev/null
  done
  # cgroups the runtime left for this test (their names hold TOKEN). A process killed just above
  # may still be exiting, and keeps its cgroup busy until it is gone: retry for up to ~2 s.
  local cg_mounts left tries
  cg_mounts=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo)
  for ((tries = 0; tries < 20; tries++)); do
    left=
    for m in $cg_mounts; do
      find "$m" -maxdepth 6 -depth -type d -name "*$TOKEN*" -exec rmdir {} \; 2>/dev/null
      [ -n "$(find "$m" -maxdepth 6 -type d -name "*$TOKEN*" 2>/dev/null | head -n1)" ] && left=1
    done
    [ -z "$left" ] && break
    sleep 0.1
  done
  for m in $(mounts_under "$T"); do umount -l "$m" 2>/dev/null; done
  [ -n "$(mounts_under "$T")" ] || [ -n "${KEEP:-}" ] || rm -rf "$T"
}

# What rong does not have yet, by the issue that brings it. Those tests SKIP for rong (never for
# runc); an entry goes when its issue lands.
declare -A RONG_PENDING=(
)
RONG_PENDING_COMMANDS=" "
# rong_lacks COMMAND: true when the runtime is rong and COMMAND is still to come
rong_lacks() { [ "$RT_KIND" = rong ] && [[ $RONG_PENDING_COMMANDS == *" $1 "* ]]; }

run_test() {
  local name=$1 rc reason t0 ms
  if [ "$RT_KIND" = rong ] && [ -n "${RONG_PENDING[$name]:-}" ]; then
    echo "SKIP $name: rong lacks ${RONG_PENDING[$name]}"
    SKIPPED=$((SKIPPED + 1))
    return
  fi
  local reasonf="$WORK/$name.reason"
  t0=$(date +%s%N)
  : >"$WORK/$name.log"
  (
    TNAME=$name
    TLOG=$WORK/$name.log
    REASON=$reasonf
    TOKEN="it$$x${RANDOM}${RANDOM}"
    _CONTAINERS=()
    _PIDS=()
    T=$(mktemp -d "$WORK/t-$name.XXXXXX")
    trap _cleanup_test EXIT
    B=$T/bundle
    # hard links, not copies: symlink creation is slow on some disks (~1 ms each, and the
    # rootfs has hundreds); every edit replaces a file (jq > new; mv), never writes into one
    cp -al "$TEMPLATE" "$B" || fail "cannot copy the template bundle"
    cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
    ROOT=$(mktemp -d "$T/root.XXXXXX")
    cd "$T" || fail "cd"
    if [ -n "${IT_TRACE:-}" ]; then PS4='+ $EPOCHREALTIME ' && set -x; fi
    "t_$name"
  ) >>"$WORK/$name.log" 2>&1 </dev/null
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ -z "${IT_TIMES:-}" ] || echo "time $name ${ms}ms" >&2
  reason=$(head -c 400 "$reasonf" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
  case $rc in
    0) echo "PASS $name"; PASSED=$((PASSED + 1)) ;;
    77) echo "SKIP $name: $reason"; SKIPPED=$((SKIPPED + 1)) ;;
    *) echo "FAIL $name: ${reason:-exit status $rc, log: $WORK/$name.log}"; FAILED=$((FAILED + 1)) ;;
  esac
}

PASSED=0
FAILED=0
SKIPPED=0
TESTS=$(cat "${BASH_SOURCE[0]}" "${SUITES[@]}" | grep -oE '^t_[a-z0-9_]+\(\)' | sed 's/^t_//; s/()$//')
echo "runtime: $RUNTIME ($RT_KIND)" >&2
for name in $TESTS; do
  if [ $# -gt 0 ]; then
    keep=
    for f in "$@"; do [[ $name == *"$f"* ]] && keep=1; done
    [ -n "$keep" ] || continue
  fi
  run_test "$name"
done
[ "$FAILED" = 0 ] || [ -n "${KEEP:-}" ] || echo "(rerun with KEEP=1 to keep each test's log under the work directory)"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
