#!/usr/bin/env bash
# Real-client tests: containerd (ctr + containerd-shim-runc-v2) and podman (+ conmon) drive an
# OCI runtime end to end, the way they drive runc.
#
#   integration/clients/run.sh [FILTER...]            # rong from build/rong
#   RUNTIME=runc integration/clients/run.sh [FILTER...]
#
# RUNTIME is a path or a command name (default: build/rong of this repo). A FILTER keeps the
# tests whose name contains it. One line per test: "PASS name", "FAIL name: reason" or
# "SKIP name: reason"; the last line is "N passed, N failed, N skipped". Exit status 1 if any test
# failed. KEEP=1 keeps the work directory (every test's log, containerd's log) for a look after.
#
# No registry is needed: the image is busybox-static, packed here into a rootfs tarball (for
# `podman import`) and an OCI image layout (for `ctr images import`). Everything runs in a private
# mount namespace with a tmpfs on /run, so the fixed paths the clients use there
# (/run/containerd/s for shim sockets, /run/containerd/fifo, /run/libpod, the runtime's default
# state root) never touch the host's. containerd gets its own root, state, socket and config
# under the work directory; podman its own --root/--runroot/--tmpdir and a containers.conf.
# Every process started is stopped by pid at the end; cgroups are made under names holding a
# unique token and removed at the end.
#
# Needs root, jq, busybox, tar, sha256sum, unshare; containerd/ctr and podman/conmon (their
# tests SKIP when a client is not installed).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CT=${CLIENT_TIMEOUT:-60} # seconds any single client call may take

# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

if [ -z "${_RONG_CLIENTS_NS:-}" ]; then
  resolve_runtime jq timeout busybox tar sha256sum unshare
  export RUNTIME _RONG_CLIENTS_NS=1
  # A private mount namespace with its own /run (see the header).
  exec unshare --mount --propagation private -- bash -c \
    'mount -t tmpfs -o mode=755,size=256m rong-clients-run /run &&
     mount -t tmpfs -o mode=1777,size=64m rong-clients-shm /dev/shm || exit 125
     exec bash "$0" "$@"' \
    "${BASH_SOURCE[0]}" "$@"
fi

RT_KIND=$(runtime_kind)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rong-clients.XXXXXX")
chmod 755 "$WORK"
TOKEN="rcl$$x$RANDOM" # in every namespace, container name and cgroup made here
PASSED=0 FAILED=0 SKIPPED=0

mounts_under() {
  awk -v d="$1/" '{ m = $5; gsub(/\\040/, " ", m); if (index(m "/", d) == 1) print m }' \
    /proc/self/mountinfo | sort -r
}
cgroup_mounts() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo
}
# pids of processes whose command line holds STRING (not this shell's own)
pids_with() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    [ "$p" = "$CONTAINERD_PID" ] && continue
    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$1" && echo "$p"
  done
}

CONTAINERD_PID=
finish() {
  local p m
  # podman containers and conmons, containerd shims and tasks: all started from $WORK
  # (not containerd itself: pids_with skips it, it is stopped by its pid below)
  for p in $(pids_with "$WORK"); do kill -9 "$p" 2>/dev/null; done
  if [ -n "$CONTAINERD_PID" ]; then
    kill "$CONTAINERD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CONTAINERD_PID" 2>/dev/null
  fi
  for p in $(pids_with "$WORK"); do kill -9 "$p" 2>/dev/null; done
  # container processes the kill -9 of their shim/conmon orphaned: they sit in our cgroups
  for m in $(cgroup_mounts); do
    for p in $(find "$m" -maxdepth 4 -path "*$TOKEN*" -name cgroup.procs -exec cat {} + 2>/dev/null); do
      kill -9 "$p" 2>/dev/null
    done
  done
  sleep 0.2
  for m in $(mounts_under "$WORK"); do umount -l "$m" 2>/dev/null; done
  for m in $(cgroup_mounts); do
    find "$m" -maxdepth 4 -depth -type d -path "*$TOKEN*" -exec rmdir {} \; 2>/dev/null
  done
  if [ -n "${KEEP:-}" ]; then
    echo "work directory kept: $WORK (it lives on; its mounts were only in this namespace)" >&2
  elif [ -z "$(mounts_under "$WORK")" ]; then
    rm -rf "$WORK"
  fi
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# ================================================================ the image
# A busybox-static rootfs, as a tarball and as an OCI image layout (tar) with one layer.
ROOTFS=$WORK/image/rootfs
mkdir -p "$ROOTFS"/{bin,sbin,etc,dev,proc,sys,tmp,root,run,usr/bin,usr/sbin,var}
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for applet in $(busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$ROOTFS/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
echo 'root:x:0:' >"$ROOTFS/etc/group"
chmod 1777 "$ROOTFS/tmp"
LAYER_TAR=$WORK/image/rootfs.tar
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$ROOTFS" -cf "$LAYER_TAR" . ||
  setup_fail "cannot tar the rootfs"

IMAGE_REF=docker.io/library/rongtest-$TOKEN:latest
make_oci_archive() { # OUT.tar
  local L=$WORK/image/oci b ldig lsize cdig csize mdig msize
  mkdir -p "$L/blobs/sha256"
  ldig=$(sha256sum "$LAYER_TAR" | cut -d' ' -f1)
  lsize=$(stat -c %s "$LAYER_TAR")
  cp "$LAYER_TAR" "$L/blobs/sha256/$ldig"
  jq -cn --arg d "sha256:$ldig" '{architecture: "amd64", os: "linux",
      config: {Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"], WorkingDir: "/"},
      rootfs: {type: "layers", diff_ids: [$d]}}' >"$L/config.json"
  cdig=$(sha256sum "$L/config.json" | cut -d' ' -f1)
  csize=$(stat -c %s "$L/config.json")
  mv "$L/config.json" "$L/blobs/sha256/$cdig"
  jq -cn --arg c "sha256:$cdig" --argjson cs "$csize" --arg l "sha256:$ldig" --argjson ls "$lsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
    >"$L/manifest.json"
  mdig=$(sha256sum "$L/manifest.json" | cut -d' ' -f1)
  msize=$(stat -c %s "$L/manifest.json")
  mv "$L/manifest.json" "$L/blobs/sha256/$mdig"
  jq -cn --arg m "sha256:$mdig" --argjson ms "$msize" --arg ref "$IMAGE_REF" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
        platform: {architecture: "amd64", os: "linux"},
        annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": "latest"}}]}' \
    >"$L/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
  tar -C "$L" -cf "$1" oci-layout index.json blobs
}

# ================================================================ test-side helpers
# Run in each test's subshell: TNAME, T (its temp dir), TLOG, REASON, ID (a unique name).
fail() {
  printf '%s\n' "$*" >"$REASON"
  exit 1
}
skip() {
  printf '%s\n' "$*" >"$REASON"
  exit 77
}
log() { printf '+ %s\n' "$*" >>"$TLOG"; }

# call NAME CMD...: CMD bounded in time, stdin /dev/null; sets RC, OUT, ERR (NAME.out/.err in $T)
call() {
  local n=$1 t0=$SECONDS
  shift
  log "$*"
  timeout -k 5 "$CT" "$@" </dev/null >"$T/$n.out" 2>"$T/$n.err"
  RC=$?
  OUT=$(cat "$T/$n.out")
  ERR=$(cat "$T/$n.err")
  [ $((SECONDS - t0)) -lt "$CT" ] || ERR="[timed out after $CT s and killed] $ERR"
  printf '  rc=%s\n  out=%s\n  err=%s\n' "$RC" "$OUT" "$ERR"
}
# what went wrong, short: the last lines of ERR
why() { tail -n 3 <<<"$ERR" | tr '\n' ' ' | head -c 500; }
expect_rc() { # WHAT WANT
  [ "$RC" = "$2" ] || fail "$1: exit status $RC, want $2 ($(why))"
}
expect_eq() { # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$(head -c 300 <<<"$2")', want '$3'"
}
expect_match() { # WHAT STRING REGEX
  [[ $2 =~ $3 ]] || fail "$1: '$(head -c 300 <<<"$2")' does not match /$3/"
}
# poll CMD... until it succeeds (TENTHS tenths of a second, default 100)
poll() {
  local i
  for ((i = 0; i < ${POLL:-100}; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
# cgfile PID CONTROLLER FILE: FILE of PID's cgroup in the v1 hierarchy of CONTROLLER
cgfile() {
  local path
  path=$(awk -F: -v c="$2" '$2 == c {print $3}' "/proc/$1/cgroup")
  [ -n "$path" ] && cat "/sys/fs/cgroup/$2$path/$3"
}
# v1 CONTROLLER: the controller is mounted as a cgroup v1 hierarchy (the cgroup checks here are v1's)
v1() { [ "$(stat -fc %T "/sys/fs/cgroup/$1" 2>/dev/null)" = cgroupfs ]; }
seccomp_gap() { # TEXT: skip when the runtime says it has no seccomp yet
  [[ $1 == *"seccomp is not supported"* ]] && skip "$RT_KIND: seccomp is not supported yet"
  return 0
}

# rt_lacks_mount_option OPT: skip when the runtime is rong and its `features` does not list OPT
# (what rong does not have yet SKIPs for rong, never for runc; the skip goes when rong has it)
rt_lacks_mount_option() {
  [ "$RT_KIND" = rong ] || return 0
  "$RUNTIME" features 2>/dev/null | jq -e --arg o "$1" '.mountOptions | index($o)' >/dev/null ||
    skip "rong lacks the '$1' mount option (not in rong features)"
}

# ================================================================ containerd
CD=$WORK/containerd
CD_SOCK=$CD/containerd.sock
CD_NS=$TOKEN # containerd namespace: cgroups are /<namespace>/<id>
CD_RUNC_ROOT=$CD/runc-root
CD_OK= CD_WHY="containerd or ctr is not installed"

start_containerd() {
  command -v containerd >/dev/null && command -v ctr >/dev/null &&
    command -v containerd-shim-runc-v2 >/dev/null || return 1
  mkdir -p "$CD/root" "$CD/state" "$CD/bin" "$CD_RUNC_ROOT"
  # the shim runs "runc" from PATH when no BinaryName is given: that is the runtime under test
  ln -s "$RUNTIME" "$CD/bin/runc"
  cat >"$CD/config.toml" <<EOT
version = 2
root = "$CD/root"
state = "$CD/state"
plugin_dir = ""
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CD_SOCK"
[ttrpc]
  address = "$CD_SOCK.ttrpc"
[debug]
  address = ""
  level = "debug"
[metrics]
  address = ""
EOT
  PATH="$CD/bin:$PATH" containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 </dev/null &
  CONTAINERD_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$CONTAINERD_PID" 2>/dev/null || { CD_WHY="containerd exited: $(tail -n 2 "$CD/containerd.log" | tr '\n' ' ')"; return 1; }
    [ -S "$CD_SOCK" ] && timeout 5 ctr --address "$CD_SOCK" version >/dev/null 2>&1 && break
    sleep 0.1
  done
  [ $i -lt 100 ] || { CD_WHY="containerd did not answer in 10 s"; return 1; }
  make_oci_archive "$WORK/image/oci.tar" || { CD_WHY="cannot make the OCI archive"; return 1; }
  timeout 60 ctr --address "$CD_SOCK" --namespace "$CD_NS" images import "$WORK/image/oci.tar" \
    >"$CD/import.log" 2>&1 || { CD_WHY="ctr images import failed: $(tail -n 2 "$CD/import.log" | tr '\n' ' ')"; return 1; }
  timeout 10 ctr --address "$CD_SOCK" --namespace "$CD_NS" images ls -q 2>/dev/null | grep -qxF "$IMAGE_REF" ||
    { CD_WHY="image $IMAGE_REF not listed after import"; return 1; }
  CD_OK=1
}

CTR=(ctr --address "$CD_SOCK" --namespace "$CD_NS")
ctrc() { "${CTR[@]}" "$@"; }
# the runc options every ctr run gets: the runtime under test, a runc root in the work dir
RUNC_OPTS=(--runc-binary "$RUNTIME" --runc-root "$CD_RUNC_ROOT")
need_containerd() { [ -n "$CD_OK" ] || skip "$CD_WHY"; }
# the runtime's log.json of a task (bundle in containerd's state dir), last error line
task_log_err() {
  grep -h '"level":"error"' "$CD"/state/io.containerd.runtime.v2.task/"$CD_NS"/"$1"/log.json 2>/dev/null | tail -n 1
}
ctr_fail() { # WHAT: fail with ctr's error and the runtime's log.json error, if any
  local l
  l=$(task_log_err "$ID")
  seccomp_gap "$ERR $l"
  fail "$1: exit status $RC ($(why))${l:+; log.json: $l}"
}
# ctr_detached: a detached task running a waiter; sets PID
ctr_detached() {
  call run "${CTR[@]}" run -d --null-io "${RUNC_OPTS[@]}" "$@" "$IMAGE_REF" "$ID" sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'
  [ "$RC" = 0 ] || ctr_fail "ctr run -d"
  call tasks "${CTR[@]}" task ls
  PID=$(awk -v id="$ID" '$1 == id {print $2}' <<<"$OUT")
  [[ $PID =~ ^[1-9][0-9]*$ ]] || fail "ctr task ls: no pid for $ID: $OUT"
  expect_match "ctr task ls status" "$(awk -v id="$ID" '$1 == id {print $3}' <<<"$OUT")" '^RUNNING$'
}
task_status() { ctrc task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
status_is() { [ "$(task_status "$1")" = "$2" ]; }
ctr_cleanup() {
  timeout 20 ctr --address "$CD_SOCK" --namespace "$CD_NS" task kill -s SIGKILL "$ID" >/dev/null 2>&1
  timeout 20 ctr --address "$CD_SOCK" --namespace "$CD_NS" task delete --force "$ID" >/dev/null 2>&1
  timeout 20 ctr --address "$CD_SOCK" --namespace "$CD_NS" container delete "$ID" >/dev/null 2>&1
}

t_ctr_run_exit_status() {
  need_containerd
  call run "${CTR[@]}" run --rm "${RUNC_OPTS[@]}" "$IMAGE_REF" "$ID" sh -c 'echo hello-from-ctr; echo pid=$$; exit 7'
  [ "$RC" = 7 ] || ctr_fail "ctr run --rm (want exit 7)"
  expect_eq "output" "$OUT" $'hello-from-ctr\npid=1'
  call ls "${CTR[@]}" container ls -q
  [[ $'\n'$OUT$'\n' != *$'\n'$ID$'\n'* ]] || fail "container $ID still listed after run --rm"
}

# no --runc-binary: the shim runs "runc" from containerd's PATH, here the runtime under test
t_ctr_run_default_binary() {
  need_containerd
  call run "${CTR[@]}" run --rm --runc-root "$CD_RUNC_ROOT" "$IMAGE_REF" "$ID" sh -c 'echo default-binary; exit 3'
  [ "$RC" = 3 ] || ctr_fail "ctr run --rm (want exit 3)"
  expect_eq "output" "$OUT" default-binary
}

t_ctr_run_seccomp_default_profile() {
  need_containerd
  call run "${CTR[@]}" run --rm --seccomp "${RUNC_OPTS[@]}" "$IMAGE_REF" "$ID" sh -c 'grep ^Seccomp: /proc/self/status'
  [ "$RC" = 0 ] || ctr_fail "ctr run --rm --seccomp"
  expect_match "Seccomp mode" "$OUT" $'Seccomp:\t2'
}

t_ctr_exec() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call exec "${CTR[@]}" task exec --exec-id "e$RANDOM" "$ID" sh -c 'echo exec-out; cat /proc/1/cmdline | tr "\0" " "; exit 5'
  [ "$RC" = 5 ] || ctr_fail "ctr task exec (want exit 5)"
  expect_match "exec output" "$OUT" '^exec-out'$'\n''sh -c '
}

t_ctr_ps() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call ps "${CTR[@]}" task ps "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task ps"
  awk 'NR > 1 {print $1}' <<<"$OUT" | grep -qx "$PID" || fail "ctr task ps: init pid $PID not listed: $OUT"
}

t_ctr_kill_delete() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call kill "${CTR[@]}" task kill -s SIGTERM "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task kill -s SIGTERM"
  POLL=100 poll status_is "$ID" STOPPED || fail "task status '$(task_status "$ID")' 10 s after SIGTERM, want STOPPED"
  call delete "${CTR[@]}" task delete "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task delete"
  [ -z "$(task_status "$ID")" ] || fail "task still listed after delete"
  [ ! -e "/proc/$PID" ] || [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" = Z ] || fail "init pid $PID still alive"
  call cdel "${CTR[@]}" container delete "$ID"
  expect_rc "ctr container delete" 0
  # the runtime's state for the container is gone too
  [ -z "$(ls -A "$CD_RUNC_ROOT/$CD_NS" 2>/dev/null | grep -F "$ID")" ] || fail "runtime state left in $CD_RUNC_ROOT/$CD_NS"
}

t_ctr_pause_resume() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call pause "${CTR[@]}" task pause "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task pause"
  POLL=30 poll status_is "$ID" PAUSED || fail "status '$(task_status "$ID")' after pause, want PAUSED"
  ! v1 freezer || expect_eq "freezer state" "$(cgfile "$PID" freezer freezer.state)" FROZEN
  call resume "${CTR[@]}" task resume "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task resume"
  POLL=30 poll status_is "$ID" RUNNING || fail "status '$(task_status "$ID")' after resume, want RUNNING"
  call exec "${CTR[@]}" task exec --exec-id "e$RANDOM" "$ID" echo alive
  [ "$RC" = 0 ] || ctr_fail "ctr task exec after resume"
}

# the task lands in exactly the cgroup containerd gives (/<namespace>/<id>), with its limits
t_ctr_cgroup_limits() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached --memory-limit 67108864
  local path
  if v1 memory; then path=$(awk -F: '$2 == "memory" {print $3}' "/proc/$PID/cgroup")
  else path=$(awk -F: '$1 == "0" {print $3}' "/proc/$PID/cgroup"); fi
  expect_eq "memory cgroup of the init" "$path" "/$CD_NS/$ID"
  ! v1 memory || expect_eq "memory.limit_in_bytes" "$(cgfile "$PID" memory memory.limit_in_bytes)" 67108864
  call metrics "${CTR[@]}" task metrics "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task metrics"
}

# -t: the shim passes a console socket; the runtime sends the pty master back over it
t_ctr_run_tty() {
  need_containerd
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  call run script -qec "ctr --address $CD_SOCK --namespace $CD_NS run --rm -t ${RUNC_OPTS[*]} $IMAGE_REF $ID sh -c 'tty; exit 6'" /dev/null
  OUT=$(tr -d '\r' <<<"$OUT")
  [ "$RC" = 6 ] || ctr_fail "ctr run --rm -t (want exit 6; out: $(head -c 200 <<<"$OUT"))"
  expect_match "tty" "$OUT" '/dev/pts/[0-9]+'
}

t_ctr_exec_tty() {
  need_containerd
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  trap ctr_cleanup EXIT
  ctr_detached
  call exec script -qec "ctr --address $CD_SOCK --namespace $CD_NS task exec -t --exec-id e$RANDOM $ID sh -c 'tty; exit 4'" /dev/null
  OUT=$(tr -d '\r' <<<"$OUT")
  [ "$RC" = 4 ] || ctr_fail "ctr task exec -t (want exit 4; out: $(head -c 200 <<<"$OUT"))"
  expect_match "tty" "$OUT" '/dev/pts/[0-9]+'
}

# an exec'd process killed by a signal: ctr reports 128+N (an init cannot be: it is pid 1)
t_ctr_exec_exit_by_signal() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call exec "${CTR[@]}" task exec --exec-id "e$RANDOM" "$ID" sh -c 'kill -9 $$'
  [ "$RC" = 137 ] || ctr_fail "ctr task exec of a process killed by SIGKILL (want exit 137)"
}

# a command that does not exist: ctr fails with the runtime's error (from its log.json) and no task
# is left
t_ctr_run_missing_command() {
  need_containerd
  call run "${CTR[@]}" run --rm "${RUNC_OPTS[@]}" "$IMAGE_REF" "$ID" /no/such-command
  [ "$RC" != 0 ] || fail "ctr run --rm /no/such-command succeeded"
  # the shim shows the last error line of the runtime's log.json (--log-format json)
  expect_match "ctr's error" "$ERR" 'OCI runtime create failed: .*(no such file or directory|executable file not found)'
  call ls "${CTR[@]}" task ls -q
  [[ $'\n'$OUT$'\n' != *$'\n'$ID$'\n'* ]] || fail "task $ID still listed after the failed run"
  "${CTR[@]}" container delete "$ID" >/dev/null 2>&1 || true
}

t_ctr_privileged() {
  need_containerd
  call run "${CTR[@]}" run --rm --privileged "${RUNC_OPTS[@]}" "$IMAGE_REF" "$ID" \
    sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; test -c /dev/loop-control -o -c /dev/kmsg && echo devs=ok'
  [ "$RC" = 0 ] || ctr_fail "ctr run --rm --privileged"
  expect_match "CapEff (the host's bounding set)" "$OUT" "CapEff:	$(awk '/^CapBnd:/ {print $2}' /proc/self/status)"
  expect_match "host devices" "$OUT" 'devs=ok'
}

t_ctr_exec_user_cwd() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call exec "${CTR[@]}" task exec --user 1000 --cwd /tmp --exec-id "e$RANDOM" "$ID" sh -c 'id -u; pwd; echo $$'
  [ "$RC" = 0 ] || ctr_fail "ctr task exec --user 1000 --cwd /tmp"
  expect_match "output" "$OUT" $'^1000\n/tmp\n[0-9]+$'
  [ "${OUT##*$'\n'}" != 1 ] || fail "the exec'd process is pid 1"
}

# the memory limit holds: a shell holding 64 MiB in a 16 MiB cgroup is OOM-killed (exit 137), and
# containerd sees the OOM through the cgroup of the pid in the pid file
t_ctr_oom() {
  need_containerd
  call run "${CTR[@]}" run --rm --memory-limit 16777216 "${RUNC_OPTS[@]}" "$IMAGE_REF" "$ID" \
    sh -c 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived ${#x}'
  [ "$RC" = 137 ] || ctr_fail "ctr run --rm --memory-limit 16M of a 64M allocation (want exit 137, out: $OUT)"
}

# kill --all: every process of the container, not only the init
t_ctr_kill_all() {
  need_containerd
  trap ctr_cleanup EXIT
  ctr_detached
  call exec "${CTR[@]}" task exec -d --exec-id "e$RANDOM" "$ID" sleep 1000
  [ "$RC" = 0 ] || ctr_fail "ctr task exec -d"
  call kill "${CTR[@]}" task kill -a -s SIGKILL "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task kill -a -s SIGKILL"
  POLL=100 poll status_is "$ID" STOPPED || fail "task status '$(task_status "$ID")' after kill --all, want STOPPED"
  local procs
  procs=$(cat "/sys/fs/cgroup/pids/$CD_NS/$ID/cgroup.procs" "/sys/fs/cgroup/$CD_NS/$ID/cgroup.procs" 2>/dev/null)
  [ -z "$procs" ] || fail "processes left in the container's cgroup after kill --all: $procs"
}

# ================================================================ podman + conmon
P=$WORK/podman
P_OK= P_WHY="podman or conmon is not installed"
P_IMAGE=localhost/rongtest-$TOKEN:latest
P_CGPARENT=/$TOKEN # every container's cgroup (and conmon's) is under this

start_podman() {
  command -v podman >/dev/null && { command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ]; } || return 1
  mkdir -p "$P/root" "$P/runroot" "$P/tmp" "$P/imgtmp"
  # Root here lacks CAP_SYS_RESOURCE: podman's default rlimits (1048576 open files and
  # processes) would fail with EPERM for every runtime.
  cat >"$P/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/tmp"
image_copy_tmp_dir = "$P/imgtmp"
EOT
  cat >"$P/storage.conf" <<EOT
[storage]
driver = "vfs"
runroot = "$P/runroot"
graphroot = "$P/root"
EOT
  : >"$P/registries.conf"
  export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$P/registries.conf
  timeout 60 podman "${PODMAN_GLOBAL[@]}" import "$LAYER_TAR" "$P_IMAGE" >"$P/import.log" 2>&1 ||
    { P_WHY="podman import failed: $(tail -n 2 "$P/import.log" | tr '\n' ' ')"; return 1; }
  P_OK=1
}
PODMAN_GLOBAL=(--root "$P/root" --runroot "$P/runroot" --tmpdir "$P/tmp" --storage-driver vfs
  --cgroup-manager=cgroupfs --events-backend=file --runtime "$RUNTIME")
PM=(podman "${PODMAN_GLOBAL[@]}")
pm() { "${PM[@]}" "$@"; }
# options of every container: no network, cgroups under our parent
PM_RUN=(--network none --cgroup-parent "$P_CGPARENT")
need_podman() { [ -n "$P_OK" ] || skip "$P_WHY"; }
pm_fail() { # WHAT
  seccomp_gap "$ERR"
  fail "$1: exit status $RC ($(why))"
}
pm_cleanup() { timeout 30 podman "${PODMAN_GLOBAL[@]}" rm -f -t 0 "$ID" >/dev/null 2>&1; }
pm_detached() { # [RUN-OPTIONS...]: sets PID (the container's init, on the host)
  call run "${PM[@]}" run -d --name "$ID" "${PM_RUN[@]}" "$@" "$P_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'
  [ "$RC" = 0 ] || pm_fail "podman run -d"
  call inspect "${PM[@]}" inspect --format '{{.State.Status}} {{.State.Pid}}' "$ID"
  expect_rc "podman inspect" 0
  expect_match "state" "$OUT" '^running [1-9][0-9]*$'
  PID=${OUT#* }
}
pm_status() { podman "${PODMAN_GLOBAL[@]}" inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
pm_status_is() { [ "$(pm_status "$1")" = "$2" ]; }

t_podman_info() {
  need_podman
  call info "${PM[@]}" info --format '{{.Host.OCIRuntime.Path}}|{{.Host.OCIRuntime.Version}}'
  [ "$RC" = 0 ] || pm_fail "podman info"
  expect_match "OCI runtime" "$OUT" "^$RUNTIME\|.*[0-9]"
}

t_podman_run_exit_status() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" "$P_IMAGE" sh -c 'echo hello-from-podman; echo pid=$$; exit 5'
  [ "$RC" = 5 ] || pm_fail "podman run --rm (want exit 5)"
  expect_eq "output" "$OUT" $'hello-from-podman\npid=1'
}

t_podman_run_seccomp_default_profile() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" "$P_IMAGE" sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true; echo unshare=$?'
  [ "$RC" = 0 ] || pm_fail "podman run --rm"
  expect_match "Seccomp mode" "$OUT" $'Seccomp:\t2'
}

t_podman_exec_stop_rm() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  call exec "${PM[@]}" exec "$ID" sh -c 'echo exec-out; exit 4'
  [ "$RC" = 4 ] || pm_fail "podman exec (want exit 4)"
  expect_eq "exec output" "$OUT" exec-out
  call ps "${PM[@]}" ps --format '{{.Names}} {{.Status}}'
  expect_match "podman ps" "$OUT" "$ID Up"
  call stop "${PM[@]}" stop -t 5 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman stop"
  expect_eq "status after stop" "$(pm_status "$ID")" exited
  call exitcode "${PM[@]}" inspect --format '{{.State.ExitCode}}' "$ID"
  expect_eq "exit code after SIGTERM" "$OUT" 0
  call rm "${PM[@]}" rm "$ID"
  [ "$RC" = 0 ] || pm_fail "podman rm"
  [ -z "$(pm_status "$ID")" ] || fail "container still known after rm"
  [ ! -e "/proc/$PID" ] || [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" = Z ] || fail "init pid $PID still alive"
}

# stop of a process that ignores SIGTERM: kill 15, then kill 9 after the timeout
t_podman_stop_kill_escalation() {
  need_podman
  trap pm_cleanup EXIT
  call run "${PM[@]}" run -d --name "$ID" "${PM_RUN[@]}" "$P_IMAGE" sh -c 'trap "" TERM; while :; do sleep 1; done'
  [ "$RC" = 0 ] || pm_fail "podman run -d"
  call stop "${PM[@]}" stop -t 1 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman stop -t 1"
  expect_eq "status after stop" "$(pm_status "$ID")" exited
  call exitcode "${PM[@]}" inspect --format '{{.State.ExitCode}}' "$ID"
  expect_eq "exit code after SIGKILL" "$OUT" 137
}

t_podman_pause_unpause() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  call pause "${PM[@]}" pause "$ID"
  [ "$RC" = 0 ] || pm_fail "podman pause"
  expect_eq "status after pause" "$(pm_status "$ID")" paused
  ! v1 freezer || expect_eq "freezer state" "$(cgfile "$PID" freezer freezer.state)" FROZEN
  call unpause "${PM[@]}" unpause "$ID"
  [ "$RC" = 0 ] || pm_fail "podman unpause"
  expect_eq "status after unpause" "$(pm_status "$ID")" running
  call exec "${PM[@]}" exec "$ID" echo alive
  [ "$RC" = 0 ] || pm_fail "podman exec after unpause"
}

t_podman_limits() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --memory 64m --pids-limit 50
  ! v1 memory || expect_match "memory cgroup of the init" "$(awk -F: '$2 == "memory" {print $3}' "/proc/$PID/cgroup")" "^$P_CGPARENT/"
  ! v1 memory || expect_eq "memory.limit_in_bytes" "$(cgfile "$PID" memory memory.limit_in_bytes)" 67108864
  ! v1 pids || expect_eq "pids.max" "$(cgfile "$PID" pids pids.max)" 50
  call stats "${PM[@]}" stats --no-stream --format '{{.Name}} {{.MemUsage}}' "$ID"
  [ "$RC" = 0 ] || pm_fail "podman stats"
  expect_match "podman stats" "$OUT" "$ID .* / (64MiB|67\.1[0-9]*MB)$"
}

# -t: conmon passes a console socket; the runtime sends the pty master back over it
t_podman_run_tty() {
  need_podman
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  call run script -qec "podman ${PODMAN_GLOBAL[*]} run --rm -t ${PM_RUN[*]} $P_IMAGE sh -c 'tty; exit 6'" /dev/null
  OUT=$(tr -d '\r' <<<"$OUT")
  [ "$RC" = 6 ] || pm_fail "podman run --rm -t (want exit 6; out: $(head -c 200 <<<"$OUT"))"
  expect_match "tty" "$OUT" '/dev/pts/[0-9]+'
}

t_podman_exec_tty() {
  need_podman
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  trap pm_cleanup EXIT
  pm_detached
  call exec script -qec "podman ${PODMAN_GLOBAL[*]} exec -t $ID sh -c 'tty; exit 3'" /dev/null
  OUT=$(tr -d '\r' <<<"$OUT")
  [ "$RC" = 3 ] || pm_fail "podman exec -t (want exit 3; out: $(head -c 200 <<<"$OUT"))"
  expect_match "tty" "$OUT" '/dev/pts/[0-9]+'
}

t_podman_run_stdin() {
  need_podman
  log "printf 'line1\nline2\n' | podman run --rm -i ... sh -c 'wc -l; exit 2'"
  printf 'line1\nline2\n' | timeout -k 5 "$CT" "${PM[@]}" run --rm -i "${PM_RUN[@]}" "$P_IMAGE" sh -c 'wc -l; exit 2' \
    >"$T/run.out" 2>"$T/run.err"
  RC=$?
  OUT=$(tr -d ' ' <"$T/run.out")
  ERR=$(cat "$T/run.err")
  [ "$RC" = 2 ] || pm_fail "podman run --rm -i (want exit 2)"
  expect_eq "lines read from stdin" "$OUT" 2
}

t_podman_exec_exit_by_signal() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  call exec "${PM[@]}" exec "$ID" sh -c 'kill -9 $$'
  [ "$RC" = 137 ] || pm_fail "podman exec of a process killed by SIGKILL (want exit 137)"
}

# what podman puts in the config: user, env, workdir, hostname, bind volume, capabilities (a
# non-root user gets the added ones as ambient), the /etc/hosts it makes
t_podman_run_options() {
  need_podman
  mkdir -p "$T/vol" && echo from-host >"$T/vol/f"
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --user 1000:1000 --hostname pm-host-7 -e FOO=bar \
    --workdir /tmp -v "$T/vol:/vol:ro" --cap-drop all --cap-add net_bind_service \
    "$P_IMAGE" sh -c 'id -u; id -g; hostname; echo $FOO; pwd; cat /vol/f; touch /vol/g 2>/dev/null; echo volw=$?;
      grep ^CapEff: /proc/self/status; grep -c pm-host-7 /etc/hosts'
  [ "$RC" = 0 ] || pm_fail "podman run --rm with options"
  expect_eq "output" "$OUT" $'1000\n1000\npm-host-7\nbar\n/tmp\nfrom-host\nvolw=1\nCapEff:\t0000000000000400\n1'
}

# --read-only and --tmpfs: tmpfs mounts with the "tmpcopyup" option (the image's files are
# copied into the new tmpfs)
t_podman_read_only_tmpfs() {
  need_podman
  rt_lacks_mount_option tmpcopyup
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --read-only --tmpfs /scratch "$P_IMAGE" \
    sh -c 'touch /x 2>/dev/null; echo rootw=$?; touch /scratch/y; echo tmpfsw=$?; touch /tmp/z; echo tmpw=$?;
      grep -E " /(scratch|tmp|run) " /proc/self/mounts | cut -d" " -f2,3 | sort'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --read-only --tmpfs /scratch"
  expect_eq "output" "$OUT" $'rootw=1\ntmpfsw=0\ntmpw=0\n/run tmpfs\n/scratch tmpfs\n/tmp tmpfs'
}

# a command that does not exist: podman maps the runtime's "executable file not found" / "no such
# file or directory" error to exit 127
t_podman_run_missing_command() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" "$P_IMAGE" /no/such-command
  expect_rc "podman run --rm /no/such-command" 127
  call run2 "${PM[@]}" run --rm "${PM_RUN[@]}" "$P_IMAGE" no-such-command-in-path
  expect_rc "podman run --rm no-such-command-in-path" 127
}

# ... and one that is not executable ("permission denied") to 126
t_podman_run_not_executable() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" "$P_IMAGE" /etc/passwd
  expect_rc "podman run --rm /etc/passwd (not executable)" 126
}

t_podman_exec_missing_command() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  call exec "${PM[@]}" exec "$ID" /no/such-command
  expect_rc "podman exec /no/such-command" 127
  call exec2 "${PM[@]}" exec "$ID" /etc/passwd
  if [ "$RT_KIND" != rong ] || [ -z "${RONG_PENDING[podman_run_not_executable]:-}" ]; then
    expect_rc "podman exec /etc/passwd (not executable)" 126
  fi
}

# --privileged: every capability, no seccomp filter, the host's devices, /sys writable
t_podman_privileged() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --privileged "$P_IMAGE" \
    sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; test -c /dev/loop-control -o -c /dev/kmsg && echo devs=ok;
      grep -E " /sys " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --privileged"
  expect_match "CapEff (the host's bounding set)" "$OUT" "CapEff:	$(awk '/^CapBnd:/ {print $2}' /proc/self/status)"
  expect_match "Seccomp" "$OUT" $'Seccomp:\t0'
  expect_match "host devices" "$OUT" 'devs=ok'
  expect_match "/sys" "$OUT" $'\nrw$'
}

# --uidmap/--gidmap: a user namespace with those maps; root inside is 100000 outside
t_podman_userns_map() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --uidmap 0:100000:65536 --gidmap 0:100000:65536
  expect_eq "uid_map" "$(tr -s ' ' <"/proc/$PID/uid_map" | sed 's/^ //')" "0 100000 65536"
  expect_eq "host uid of the init" "$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")" 100000
  call exec "${PM[@]}" exec "$ID" sh -c 'id -u; touch /tmp/f && ls -n /tmp/f | awk "{print \$3}"'
  [ "$RC" = 0 ] || pm_fail "podman exec in the user namespace"
  expect_eq "uid inside / file owner" "$OUT" $'0\n0'
}

# --device X:r: the node is there, but only readable (the rule podman sends), not rwm
t_podman_device_read_only() {
  need_podman
  [ -c /dev/fuse ] || skip "no /dev/fuse on this host"
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --device /dev/fuse:/dev/it-fuse:r \
    "$P_IMAGE" sh -c 'if (exec 3>/dev/it-fuse) 2>/dev/null; then echo write-allowed; else echo write-denied; fi'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --device X:r"
  expect_eq "a write open" "$OUT" write-denied
}

# --privileged in a user namespace: the host's devices, /dev/ptmx among them, are bound in
t_podman_privileged_userns() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 --privileged \
    "$P_IMAGE" sh -c 'readlink /dev/ptmx; test -c /dev/null && echo null-ok'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --uidmap --privileged"
  expect_eq "/dev/ptmx, /dev/null" "$OUT" $'pts/ptmx\nnull-ok'
}

# A user namespace of its own with the host's network namespace given by path (what podman does
# with --uidmap and a network), and a pod whose user namespace its members join while making
# their own mount and pid namespaces
t_podman_userns_joined_namespaces() {
  need_podman
  local netns=$T/netns pod=$ID-pod
  : >"$netns"
  unshare --net="$netns" true || fail "unshare --net=$netns"
  local want
  want=$(nsenter --net="$netns" readlink /proc/self/ns/net)
  call run "${PM[@]}" run --rm --cgroup-parent "$P_CGPARENT" --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
    --network "ns:$netns" "$P_IMAGE" sh -c 'readlink /proc/self/ns/net; tr -s " " </proc/self/uid_map'
  umount "$netns"
  [ "$RC" = 0 ] || pm_fail "podman run --uidmap --network ns:PATH"
  expect_eq "network namespace" "$(sed -n 1p <<<"$OUT")" "$want"
  expect_eq "uid map" "$(sed -n 2p <<<"$OUT")" " 0 100000 65536"
  trap 'timeout 30 podman "${PODMAN_GLOBAL[@]}" pod rm -f -t 0 "$ID-pod" >/dev/null 2>&1' EXIT
  call pod "${PM[@]}" pod create --name "$pod" --network none --cgroup-parent "$P_CGPARENT" \
    --uidmap 0:200000:65536 --gidmap 0:200000:65536
  [ "$RC" = 0 ] || pm_fail "podman pod create --uidmap"
  call member "${PM[@]}" run --rm --pod "$pod" "$P_IMAGE" sh -c 'echo $$; tr -s " " </proc/self/uid_map'
  [ "$RC" = 0 ] || pm_fail "podman run --pod (joins the pod's user namespace)"
  expect_eq "pid, uid map in the pod" "$OUT" $'1\n 0 200000 65536'
}

t_podman_sysctl() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --sysctl kernel.msgmax=12345 --sysctl net.ipv4.ip_forward=1 \
    "$P_IMAGE" sh -c 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --sysctl"
  expect_eq "sysctls" "$OUT" $'12345\n1'
}

t_podman_device() {
  need_podman
  call run "${PM[@]}" run --rm "${PM_RUN[@]}" --device /dev/zero:/dev/myzero \
    "$P_IMAGE" sh -c 'head -c 3 /dev/myzero | wc -c; stat -c %t:%T /dev/myzero'
  [ "$RC" = 0 ] || pm_fail "podman run --rm --device"
  expect_eq "output" "$(tr -d ' ' <<<"$OUT")" $'3\n1:5'
}

# a detached container's output goes through conmon to podman logs
t_podman_logs() {
  need_podman
  trap pm_cleanup EXIT
  call run "${PM[@]}" run -d --name "$ID" "${PM_RUN[@]}" "$P_IMAGE" sh -c 'echo out-line; echo err-line >&2; exit 9'
  [ "$RC" = 0 ] || pm_fail "podman run -d"
  call wait "${PM[@]}" wait "$ID"
  expect_eq "podman wait" "$OUT" 9
  call logs "${PM[@]}" logs "$ID"
  expect_rc "podman logs" 0
  expect_eq "stdout" "$OUT" out-line
  expect_eq "stderr" "$ERR" err-line
}

# process attributes podman sets on the init: rlimits, OOM score, umask, no_new_privs; /dev/shm
# size; CPU quota
t_podman_process_attrs() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --ulimit nofile=100:200 --ulimit nproc=4096:4096 --oom-score-adj 123 --umask 0027 \
    --security-opt no-new-privileges --shm-size 10m --cpus 0.5
  expect_eq "Max open files" "$(awk '/^Max open files/ {print $4, $5}' "/proc/$PID/limits")" "100 200"
  expect_eq "oom_score_adj" "$(cat "/proc/$PID/oom_score_adj")" 123
  expect_eq "Umask" "$(awk '/^Umask:/ {print $2}' "/proc/$PID/status")" 0027
  expect_eq "NoNewPrivs" "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$PID/status")" 1
  call exec "${PM[@]}" exec "$ID" sh -c 'grep " /dev/shm " /proc/self/mounts | grep -o "size=[0-9a-z]*"'
  [ "$RC" = 0 ] || pm_fail "podman exec"
  expect_eq "/dev/shm" "$OUT" size=10240k
  ! v1 cpu || expect_eq "cpu.cfs_quota_us" "$(cgfile "$PID" cpu cpu.cfs_quota_us)" 50000
}

# podman exec's process JSON carries the container's oomScoreAdj: the exec'd process gets it
t_podman_exec_oom_score() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --oom-score-adj 123
  call exec "${PM[@]}" exec "$ID" cat /proc/self/oom_score_adj
  [ "$RC" = 0 ] || pm_fail "podman exec"
  expect_eq "exec'd process oom_score_adj" "$OUT" 123
}

# OCI hooks from podman's hooks directory: the runtime runs them with the state on stdin
t_podman_hooks() {
  need_podman
  mkdir -p "$T/hooks"
  local st
  for st in prestart poststop; do
    jq -n --arg s "$st" --arg f "$T/hook-$st.json" '{version: "1.0.0",
      hook: {path: "/bin/sh", args: ["sh", "-c", ("cat > " + $f)]},
      when: {always: true}, stages: [$s]}' >"$T/hooks/$st.json"
  done
  call run podman "${PODMAN_GLOBAL[@]}" --hooks-dir "$T/hooks" run --rm --name "$ID" "${PM_RUN[@]}" "$P_IMAGE" true
  [ "$RC" = 0 ] || pm_fail "podman --hooks-dir run --rm"
  for st in prestart poststop; do
    POLL=50 poll test -s "$T/hook-$st.json" || fail "$st hook did not run (or got no state on stdin)"
    jf=$(jq -r '.status + " " + (.pid | tostring)' "$T/hook-$st.json" 2>&1) || fail "$st hook state is not JSON: $(head -c 200 "$T/hook-$st.json")"
    [ "$st" = prestart ] && expect_match "prestart state" "$jf" '^(creating|created) [1-9][0-9]*$'
    [ "$st" = poststop ] && expect_match "poststop state" "$jf" '^stopped '
  done
  return 0
}

# --pid host: podman stops with kill --all
t_podman_pid_host_stop() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --pid host
  call stop "${PM[@]}" stop -t 5 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman stop (--pid host)"
  expect_eq "status after stop" "$(pm_status "$ID")" exited
}

# restart: delete and create again under the same id
t_podman_restart() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  local old=$PID
  call restart "${PM[@]}" restart -t 5 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman restart"
  call inspect "${PM[@]}" inspect --format '{{.State.Status}} {{.State.Pid}}' "$ID"
  expect_match "state after restart" "$OUT" '^running [1-9][0-9]*$'
  [ "${OUT#* }" != "$old" ] || fail "same init pid $old after restart"
  call exec "${PM[@]}" exec "$ID" echo alive
  [ "$RC" = 0 ] || pm_fail "podman exec after restart"
}

# podman --sdnotify=container in a systemd unit of Type=notify (NOTIFY_SOCKET set): podman 4.3
# mounts a socket of its own in the container and gives the runtime NOTIFY_SOCKET for create and
# start; the runtime's socket (rong's since it handles NOTIFY_SOCKET, as runc) must not keep the
# container's READY=1 from the unit's socket, nor hang `start`
t_podman_sdnotify_container() {
  need_podman
  trap 'pm_cleanup; kill "$SDN_LISTENER" 2>/dev/null' EXIT
  local bin=$T/sdnotify
  cc -O2 -Wall -static -o "$bin" "$HERE/../helpers/sdnotify.c" || fail "cannot build helpers/sdnotify.c"
  "$bin" listen "$T/host.sock" "$T/got" >"$T/listen.out" 2>&1 &
  SDN_LISTENER=$!
  for _ in $(seq 50); do grep -q bound "$T/listen.out" 2>/dev/null && break; sleep 0.1; done
  NOTIFY_SOCKET=$T/host.sock call run "${PM[@]}" run -d --name "$ID" --sdnotify=container "${PM_RUN[@]}" \
    -v "$bin:/sdnotify:ro" "$P_IMAGE" sh -c '/sdnotify send READY=1; exec sleep 1000'
  [ "$RC" = 0 ] || pm_fail "podman run -d --sdnotify=container"
  # (podman sends its own MAINPID= first, then READY=1, each without a newline)
  for _ in $(seq 50); do grep -q 'READY=1' "$T/got" 2>/dev/null && break; sleep 0.1; done
  grep -q 'READY=1' "$T/got" || fail "the caller's NOTIFY_SOCKET got no READY=1: $(tr '\n' '|' <"$T/got" 2>/dev/null)"
}

# podman update: the runtime's update --resources FILE
t_podman_update() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached --memory 64m --cpu-shares 512
  call update "${PM[@]}" update --memory 128m --cpu-shares 256 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman update --memory 128m --cpu-shares 256"
  ! v1 memory || expect_eq "memory.limit_in_bytes" "$(cgfile "$PID" memory memory.limit_in_bytes)" 134217728
  ! v1 cpu || expect_eq "cpu.shares" "$(cgfile "$PID" cpu cpu.shares)" 256
}

t_podman_wait_kill() {
  need_podman
  trap pm_cleanup EXIT
  pm_detached
  call kill "${PM[@]}" kill --signal KILL "$ID"
  [ "$RC" = 0 ] || pm_fail "podman kill --signal KILL"
  call wait "${PM[@]}" wait "$ID"
  expect_rc "podman wait" 0
  expect_eq "exit code" "$OUT" 137
}

# ================================================================ the calls themselves
# make_recorder DIR: DIR/<basename of RUNTIME>, a wrapper that runs the runtime and appends
# "rc=N ARGS" to DIR/calls (same basename: podman treats a runtime by its name)
make_recorder() {
  mkdir -p "$1"
  REC=$1/$(basename "$RUNTIME")
  cat >"$REC" <<EOT
#!/bin/sh
"$RUNTIME" "\$@"
rc=\$?
echo "rc=\$rc \$*" >>"$1/calls"
exit \$rc
EOT
  chmod +x "$REC"
}
# expect_call REGEX: a recorded call (rc=N ARGS) matches
expect_call() {
  grep -Eq -- "$1" "$T/rec/calls" 2>/dev/null ||
    fail "no runtime call matching /$1/ (calls: $(cut -c1-120 "$T/rec/calls" 2>/dev/null | tr '\n' '|' | head -c 700))"
}

# the shim's calls and their exit statuses: create/start/exec/kill/delete all succeed
t_ctr_runtime_calls() {
  need_containerd
  trap ctr_cleanup EXIT
  make_recorder "$T/rec"
  RUNC_OPTS=(--runc-binary "$REC" --runc-root "$CD_RUNC_ROOT")
  ctr_detached
  call exec "${CTR[@]}" task exec --exec-id "e$RANDOM" "$ID" true
  [ "$RC" = 0 ] || ctr_fail "ctr task exec"
  call kill "${CTR[@]}" task kill -s SIGKILL "$ID"
  POLL=100 poll status_is "$ID" STOPPED || fail "not STOPPED after SIGKILL"
  call delete "${CTR[@]}" task delete "$ID"
  [ "$RC" = 0 ] || ctr_fail "ctr task delete"
  cat "$T/rec/calls"
  local g=" --root $CD_RUNC_ROOT/$CD_NS --log [^ ]*/log.json --log-format json"
  expect_call "^rc=0$g create --bundle [^ ]+ --pid-file [^ ]+/init.pid .*$ID\$"
  expect_call "^rc=0$g start $ID\$"
  expect_call "^rc=0$g exec --process [^ ]+ --detach --pid-file [^ ]+\.pid $ID\$"
  expect_call "^rc=0$g kill $ID 9\$"
  expect_call "^rc=0$g delete $ID\$"
  local bad
  bad=$(grep -v '^rc=0 ' "$T/rec/calls" | grep -v ' features$')
  [ -z "$bad" ] || fail "runtime calls that failed: $(tr '\n' '|' <<<"$bad" | head -c 500)"
}

# conmon's and podman's calls and their exit statuses
t_podman_runtime_calls() {
  need_podman
  trap pm_cleanup EXIT
  make_recorder "$T/rec"
  PM=(podman "${PODMAN_GLOBAL[@]/#$RUNTIME/$REC}")
  pm_detached
  call exec "${PM[@]}" exec "$ID" true
  [ "$RC" = 0 ] || pm_fail "podman exec"
  call stop "${PM[@]}" stop -t 5 "$ID"
  [ "$RC" = 0 ] || pm_fail "podman stop"
  call rm "${PM[@]}" rm "$ID"
  [ "$RC" = 0 ] || pm_fail "podman rm"
  cat "$T/rec/calls"
  expect_call "^rc=0 .*create --bundle [^ ]+ --pid-file [^ ]+ $ID-?[0-9a-f]*\$|^rc=0 .*create --bundle [^ ]+ --pid-file [^ ]+ [0-9a-f]{64}\$"
  expect_call "^rc=0 .*start [0-9a-f]{64}\$"
  expect_call "^rc=0 .*exec --pid-file [^ ]+ --process [^ ]+ --detach .*[0-9a-f]{64}\$"
  expect_call "^rc=0 .*kill [0-9a-f]{64} (15|TERM)\$"
  expect_call "^rc=0 .*delete --force [0-9a-f]{64}\$"
}

# ================================================================ last: nothing left behind
# after every test cleaned up: no shim, conmon or container process, no runtime state
t_no_leftovers() {
  local i left
  for ((i = 0; i < 50; i++)); do
    left=$(for p in $(pids_with "$WORK"); do
      [ "$p" = "$BASHPID" ] || [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$BASHPID" ] ||
        echo "$p:$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)"
    done; for m in $(cgroup_mounts); do
      find "$m" -maxdepth 4 -path "*$TOKEN*" -name cgroup.procs -exec cat {} + 2>/dev/null
    done)
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -z "$left" ] || fail "processes left: $(tr '\n' ' ' <<<"$left" | head -c 400)"
  # ~seccomp-cache: rong's compiled seccomp programs, kept in the state root across containers
  left=$(ls -A "$CD_RUNC_ROOT/$CD_NS" "/run/$RT_KIND" 2>/dev/null | grep -v ':$' | grep -vx '~seccomp-cache' | grep .)
  [ -z "$left" ] || fail "runtime state left: $(tr '\n' ' ' <<<"$left")"
}

# ================================================================ runner
# What rong does not do yet: those tests SKIP for rong (never for runc) with the reason; an entry
# goes when rong does it.
declare -A RONG_PENDING=(
)

run_test() {
  local name=$1 rc reason t0
  if [ "$RT_KIND" = rong ] && [ -n "${RONG_PENDING[$name]:-}" ]; then
    echo "SKIP $name: rong lacks ${RONG_PENDING[$name]}"
    SKIPPED=$((SKIPPED + 1))
    return
  fi
  local reasonf="$WORK/$name.reason"
  t0=$SECONDS
  : >"$WORK/$name.log"
  (
    TNAME=$name
    TLOG=$WORK/$name.log
    REASON=$reasonf
    ID="$TOKEN-${name//_/-}"
    ID=${ID:0:60}
    T=$(mktemp -d "$WORK/t-$name.XXXXXX")
    cd "$T" || fail "cd"
    "t_$name"
  ) >>"$WORK/$name.log" 2>&1 </dev/null
  rc=$?
  reason=$(head -c 600 "$reasonf" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
  [ -z "${IT_TIMES:-}" ] || echo "time $name $((SECONDS - t0))s" >&2
  case $rc in
    0) echo "PASS $name"; PASSED=$((PASSED + 1)) ;;
    77) echo "SKIP $name: $reason"; SKIPPED=$((SKIPPED + 1)) ;;
    *) echo "FAIL $name: ${reason:-exit status $rc, log: $WORK/$name.log}"; FAILED=$((FAILED + 1)) ;;
  esac
}

echo "runtime: $RUNTIME ($RT_KIND)" >&2
TESTS=$(grep -oE '^t_[a-z0-9_]+\(\)' "${BASH_SOURCE[0]}" | sed 's/^t_//; s/()$//')
wanted() {
  [ $# -gt 1 ] || return 0
  local n=$1 f
  shift
  for f in "$@"; do [[ $n == *"$f"* ]] && return 0; done
  return 1
}
SELECTED=()
for name in $TESTS; do wanted "$name" "$@" && SELECTED+=("$name"); done
if [[ " ${SELECTED[*]} " == *" ctr_"* ]]; then start_containerd; fi
if [[ " ${SELECTED[*]} " == *" podman_"* ]]; then start_podman; fi
for name in "${SELECTED[@]}"; do run_test "$name"; done
[ "$FAILED" = 0 ] || [ -n "${KEEP:-}" ] || echo "(rerun with KEEP=1 to keep each test's log and containerd's log)"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
