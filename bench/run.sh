#!/usr/bin/env bash
# bench/run.sh: start-up benchmark of rong against runc, crun and a bare-syscall floor.
#
# usage: bench/run.sh [-n N] [--smoke] [--same-ns] [--wait-idle] [-o DIR]
#   -n N         iterations per scenario (default 30)
#   --smoke      1 iteration per scenario; results are only printed unless -o is given
#   --same-ns    run every runtime (not only crun) in the private mount namespace crun needs
#   --wait-idle  first wait (up to ~10 min) until the CPUs are idle: other load inflates everything
#   -o DIR       where latest.json and latest.md go (default bench/results)
# Exits 0 iff every runtime that is installed passed its check run, and rong and the floor ran
# every scenario. A failed sample of runc or crun (runc under strace -f hangs now and then) is
# reported in the table, not in the exit status.
# rong is $RONG if set, else build/rong, copied at the start (so a rebuild mid-run cannot mix builds).
# Needs root. See bench/README.md for what each scenario measures.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
N=30 smoke=0 same_ns=0 outdir= wait_idle=0
PAR_RUNS=50 PAR_JOBS=8 SEQ_RUNS=100 SEQ_ITERS=5 WARMUP_ITERS=10
MEM_LIMIT=$((64 << 20))                                      # the memory-limit scenario's limit
MEM_STEPS_KIB="64 128 256 512 768 1024 1536 2048 3072 4096 6144 8192 12288 16384" # lowest limit that starts
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=${2:?-n needs a number}; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --same-ns) same_ns=1; shift ;;
    --wait-idle) wait_idle=1; shift ;;
    -o) outdir=${2:?-o needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ "$smoke" = 1 ] && N=1 SEQ_RUNS=10
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -n wants a positive integer" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (it runs container runtimes)" >&2; exit 2; }
for tool in cc xargs unshare jq; do
  command -v $tool >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 2; }
done

RTS=(rong runc crun floor)
declare -A BIN=() STATUS=() NOTE=() HELPER=()
rong_src=${RONG:-$repo/build/rong} # RONG=PATH to bench another rong binary
BIN[runc]=$(command -v runc || echo /nonexistent/runc)
BIN[crun]=$(command -v crun || echo /nonexistent/crun)

work=$(mktemp -d /tmp/rong-bench.XXXXXX)
chmod 755 "$work" # the user-namespace scenario's root (uid 100000 on the host) must reach the rootfs
# Every runtime keeps its state (--root) on a tmpfs, as under /run on a production host; one row
# keeps it in /tmp, on whatever that is here (on this VM the root ext4, mounted with discard and
# without a journal: removing a directory there waits for a discard of its block). The mount is
# made before the helpers' private namespaces, which inherit it.
state=$work/state
mkdir "$state"
mount -t tmpfs -o mode=0755,size=64m rong-bench-state "$state"
disk_fs=$(findmnt -n -o FSTYPE -T "$work" || stat -f -c %T "$work")
declare -A HW=() HR=() HPID=() # helper name -> request fd, response fd, pid
pfx=rongbench-$$      # every container id starts with this

# ---------------------------------------------------------------- helpers (timers)
# A helper is one long-lived bench/timeit process: we write "OUT<TAB>argv..." to it and read
# "elapsed_ns exit maxrss_kib" back. "host" runs in our mount namespace; "priv" runs in a
# private one (unshare -m) with an empty tmpfs over /sys/fs/cgroup/unified, for crun; "v2" in a
# private one with the host's cgroup2 mount bound on /sys/fs/cgroup (a cgroup v2 host's view; a
# bind, not a new cgroup2 mount: that would reset the hierarchy's options for the whole host).
start_helper() { # NAME host|priv|v2 [LD_PRELOAD]
  local name=$1 where=$2 req=$work/$1.req resp=$work/$1.resp w r
  local pre=(); [ -n "${3:-}" ] && pre=(env "LD_PRELOAD=$3")
  mkfifo "$req" "$resp"
  (
    # Not the other helpers' pipes: holding one open, this helper would keep that one from ever
    # reading EOF, and stop_helper would wait for it forever.
    for fd in "${HW[@]}" "${HR[@]}"; do exec {fd}>&-; done
    if [ "$where" = host ]; then
      exec "${pre[@]}" "$work/timeit" "$work/$name.log"
    elif [ "$where" = v2 ]; then
      exec "${pre[@]}" unshare -m --propagation private sh -c \
        'mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup && exec "$0" "$1"' "$work/timeit" "$work/$name.log"
    else
      # unshare -m makes every mount private by default, so the tmpfs never reaches the host.
      exec "${pre[@]}" unshare -m --propagation private sh -c \
        'mount -t tmpfs -o mode=0755 rong-bench-nocg2 /sys/fs/cgroup/unified && exec "$0" "$1"' \
        "$work/timeit" "$work/$name.log"
    fi
  ) <"$req" >"$resp" &
  HPID[$name]=$!
  exec {w}>"$req" {r}<"$resp"
  HW[$name]=$w HR[$name]=$r
}

stop_helper() { # NAME
  local name=$1
  [ -n "${HW[$name]:-}" ] || return 0
  local w=${HW[$name]} r=${HR[$name]}
  exec {w}>&- {r}<&-
  wait "${HPID[$name]}" 2>/dev/null || true
  unset "HW[$name]" "HR[$name]" "HPID[$name]"
}

# call HELPER OUT CMD...: run CMD through HELPER, output to file OUT ("-" = helper log).
# Sets R_NS (elapsed ns), R_CODE (exit status; 124 = killed after $TMO seconds), R_RSS (KiB).
TMO=60
call() {
  local h=$1 out=$2 IFS=$'\t' ok=0
  shift 2
  trap '' PIPE # a dead helper must give an error here, not kill us
  printf '%s\t%s\t%s\n' "$TMO" "$out" "$*" >&"${HW[$h]}" 2>/dev/null && ok=1
  trap - PIPE
  if [ $ok = 1 ] && IFS=' ' read -r R_NS R_CODE R_RSS <&"${HR[$h]}"; then return 0; fi
  echo "run.sh: timer helper '$h' died; its log:" >&2
  cat "$work/$h.log" >&2 2>/dev/null || true
  exit 1
}

# Delete whatever containers are left in ROOT (only after a failure), then remove it.
cleanup_root() { # RT ROOT
  local rt=$1 root=$2 d
  for d in "$root"/*/; do
    [ -d "$d" ] || continue
    TMO=20 call "${HELPER[$rt]}" - "${BIN[$rt]}" --root "$root" delete -f "$(basename "$d")"
  done
  rm -rf "$root"
}

cleanup() {
  local h
  for h in "${!HW[@]}"; do stop_helper "$h"; done
  # Container cgroups are removed by delete; rmdir any of ours a failure left (only if empty).
  find /sys/fs/cgroup -maxdepth 4 -depth -type d -name "$pfx-*" -exec rmdir {} + 2>/dev/null || true
  umount "$state" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build and bundle
cc -O2 -Wall -o "$work/floor" "$here/floor.c"
cc -O2 -Wall -o "$work/timeit" "$here/timeit.c"
cc -O2 -Wall -o "$work/probe" "$here/probe.c"
BIN[floor]=$work/floor
# Snapshot rong: it may be rebuilt while we run, and every sample should be of one build.
BIN[rong]=/nonexistent/rong
[ -x "$rong_src" ] && cp "$rong_src" "$work/rong" && BIN[rong]=$work/rong

for rt in "${RTS[@]}"; do
  if [ -x "${BIN[$rt]}" ]; then STATUS[$rt]=ok NOTE[$rt]=; else STATUS[$rt]=missing NOTE[$rt]="not installed"; fi
done

edit_config() { # FILE ROOT_PATH ARGS_JSON -> FILE with root.path and process.args replaced
  jq --arg r "$2" --argjson a "$3" '.root.path = $r | .process.args = $a' "$1" >"$1.new"
  mv "$1.new" "$1"
}
variant() { # NAME JQ-FILTER [JQ-ARGS...] -> $work/NAME: the measured bundle's config edited, same rootfs
  local d=$work/$1 f=$2
  shift 2
  mkdir -p "$d"
  jq "$@" --arg r "$B/rootfs" ".root.path = \$r | $f" "$B/config.json" >"$d/config.json"
  echo "$d"
}

spec_rt=
for rt in runc crun rong; do [ "${STATUS[$rt]}" = ok ] && { spec_rt=${BIN[$rt]}; break; }; done
[ -n "$spec_rt" ] || { echo "run.sh: no runtime to write config.json with (runc, crun, rong)" >&2; exit 2; }
B=$work/bundle # the measured bundle: /bin/true
"$repo/scripts/make-bundle.sh" "$B" "$spec_rt" >/dev/null
edit_config "$B/config.json" rootfs '["/bin/true"]'
V=$work/verify # the check bundle: same rootfs, proves the container ran in its own pid ns
mkdir -p "$V"
cp "$B/config.json" "$V/config.json"
edit_config "$V/config.json" "$B/rootfs" '["/bin/sh","-c","echo rong-bench-ok pid=$$"]'
# Variants of the /bin/true bundle: a large seccomp profile, a user namespace, a memory limit;
# and a container that stays up for exec.
BSEC=$(variant seccomp '.linux.seccomp = $p[0]' --slurpfile p "$repo/integration/seccomp/default-profile.json")
BUSR=$(variant userns '.linux.namespaces += [{type: "user"}] |
  .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
  .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]')
BMEM=$(variant memlimit '.linux.resources.memory.limit = $m' --argjson m "$MEM_LIMIT")
BEXE=$(variant exec '.process.args = ["/bin/sleep", "1000"]')
# The v2 view's bundle: with a cgroup namespace, as `runc spec` writes it on a cgroup v2 host.
BV2=$(variant v2 '.linux.namespaces += [{type: "cgroup"}]')
seq 1 $PAR_RUNS >"$work/seq"
seq 1 $SEQ_RUNS >"$work/seq100"
mkdir -p "$work/samples"

# Hybrid cgroup host (v1 controllers, cgroup2 at /sys/fs/cgroup/unified): crun 1.8 refuses it.
hybrid=0
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] &&
  [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then hybrid=1; fi
start_helper host host
for rt in "${RTS[@]}"; do HELPER[$rt]=host; done
if [ $hybrid = 1 ]; then
  start_helper priv priv
  HELPER[crun]=priv
  [ $same_ns = 1 ] && for rt in "${RTS[@]}"; do HELPER[$rt]=priv; done
fi

cid() { echo "$pfx-$1-$2-$3"; } # SCENARIO ITER RT
newroot() { mktemp -d "${1:-$state}/root.XXXXXX"; } # [DIR]: a fresh --root in DIR (default: the tmpfs)

# Machine context: fork+exec cost, the cost of joining a cgroup after idle and, with a v1 cpuset
# hierarchy, of making the first child cpuset (see probe.c).
cpusetprobe=()
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then cgprobe=/sys/fs/cgroup/$pfx-probe
else cgprobe=/sys/fs/cgroup/pids/$pfx-probe; fi
[ -e /sys/fs/cgroup/cpuset/cpuset.cpus ] && cpusetprobe=(/sys/fs/cgroup/cpuset/$pfx-probe)
# Only without other child cpusets does the first mkdir flip the kernel's cpuset keys.
cpuset_others=$(find /sys/fs/cgroup/cpuset -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
read -r forkexec_ms cgjoin_ms cpuset_first_ms cpuset_next_ms < <("$work/probe" "$cgprobe" "${cpusetprobe[@]}")

# Other load on the machine (a build next door) inflates every number: measure it, maybe wait.
cpu_busy() { # [SECONDS] -> percent of all CPUs busy over the next SECONDS (default 2; /proc/stat)
  local a b
  a=$(awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat); sleep "${1:-2}"
  b=$(awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
    busy = y[1] - x[1]; idle = y[2] - x[2]; printf "%d", (busy + idle) ? 100 * busy / (busy + idle) : 0 }'
}
busy=$(cpu_busy)
if [ $wait_idle = 1 ]; then
  for ((k = 0; k < 300 && busy > 10; k++)); do
    [ $((k % 15)) = 0 ] && echo "run.sh: machine ${busy}% busy; waiting for it to go idle" >&2
    busy=$(cpu_busy)
  done
fi
quiet=("$busy") # CPU busy % sampled while the bench itself is idle: before and between scenarios

# ---------------------------------------------------------------- check each runtime works
why() { if [ "$1" = 124 ]; then echo "timed out, killed"; else echo "exit $1"; fi; }
verify() { # RT: run the check bundle; the container must print its marker as pid 1
  local rt=$1 out=$work/verify.$rt.out root
  : >"$out"
  if [ "$rt" = floor ]; then
    TMO=20 call "${HELPER[$rt]}" "$out" "${BIN[floor]}" "$B/rootfs" /bin/sh -c 'echo rong-bench-ok pid=$$'
  else
    root=$(newroot)
    TMO=20 call "${HELPER[$rt]}" "$out" "${BIN[$rt]}" --root "$root" run --bundle "$V" "$(cid check 0 "$rt")"
    cleanup_root "$rt" "$root"
  fi
  [ "$R_CODE" = 0 ] && grep -q 'rong-bench-ok pid=1' "$out"
}
shim_used=0
for rt in "${RTS[@]}"; do
  [ "${STATUS[$rt]}" = ok ] || continue
  if verify "$rt"; then continue; fi
  if [ "$rt" = crun ] && grep -qiE 'memlock|setrlimit' "$work/verify.crun.out"; then
    # crun aborts when it cannot raise RLIMIT_MEMLOCK (no CAP_SYS_RESOURCE): preload the shim.
    cc -O2 -Wall -shared -fPIC -o "$work/shim_setrlimit.so" "$here/shim_setrlimit.c" -ldl
    start_helper crun-shim "$([ $hybrid = 1 ] && echo priv || echo host)" "$work/shim_setrlimit.so"
    HELPER[crun]=crun-shim shim_used=1
    verify crun && continue
  fi
  STATUS[$rt]=failed
  NOTE[$rt]="check run failed ($(why "$R_CODE")): $(head -c 300 "$work/verify.$rt.out" | tr '\n\t' '  ')"
  echo "run.sh: $rt: ${NOTE[$rt]}" >&2
done

# On a hybrid host, two rows more: `run` and its syscalls in a cgroup v2 host's view (the host's
# cgroup2 hierarchy mounted on /sys/fs/cgroup in a private mount namespace), for every runtime.
# crun needs the shim there: with v2 it raises RLIMIT_MEMLOCK for its device filter.
declare -A HELPER_V2=()
if [ $hybrid = 1 ] && [ $same_ns = 0 ]; then
  start_helper v2 v2
  for rt in "${RTS[@]}"; do HELPER_V2[$rt]=v2; done
  if [ "${STATUS[crun]}" = ok ]; then
    [ -f "$work/shim_setrlimit.so" ] ||
      cc -O2 -Wall -shared -fPIC -o "$work/shim_setrlimit.so" "$here/shim_setrlimit.c" -ldl
    start_helper v2-shim v2 "$work/shim_setrlimit.so"
    HELPER_V2[crun]=v2-shim
  fi
fi

# ---------------------------------------------------------------- scenarios
declare -A FAILS=()
rec() { echo "$3" >>"$work/samples/$1.$2"; }                # SCENARIO RT VALUE
fail() { # SCENARIO RT MSG: count a failure; keep the first one's message and output
  FAILS[$1.$2]=$((${FAILS[$1.$2]:-0} + 1))
  [ -s "$work/fail.$1.$2" ] ||
    echo "$3: $(head -c 300 "$out" 2>/dev/null | tr '\n\t' '  ')" >"$work/fail.$1.$2"
}
out=$work/out.txt # stdout+stderr of the latest scenario call
run1() { : >"$out"; call "$h" "$out" "$@"; } # CMD...: through the caller's helper $h

sc_run() { # RT ITER [HELPER KEY BUNDLE ROOTS]: `run` end to end; also gives peak RSS (wait4's ru_maxrss)
  local rt=$1 i=$2 h=${3:-${HELPER[$1]}} key=${4:-run} bundle=${5:-$B} roots=${6:-$state} root=
  if [ "$rt" = floor ]; then
    run1 "${BIN[floor]}" "$B/rootfs" /bin/true
  else
    root=$(newroot "$roots")
    run1 "${BIN[$rt]}" --root "$root" run --bundle "$bundle" "$(cid "$key" "$i" "$rt")"
  fi
  if [ "$R_CODE" = 0 ]; then rec "$key" "$rt" "$R_NS"; [ "$key" = run ] && rec rss "$rt" "$R_RSS"
  else fail "$key" "$rt" "$(why "$R_CODE")"; [ "$key" = run ] && fail rss "$rt" "$(why "$R_CODE")"; fi
  [ -z "$root" ] || cleanup_root "$rt" "$root"
}
sc_run_disk() { sc_run "$1" "$2" "${HELPER[$1]}" run_disk "$B" "$work"; }
sc_run_v2() { sc_run "$1" "$2" "${HELPER_V2[$1]}" run_v2 "$BV2"; }
sc_syscalls_v2() { sc_syscalls "$1" "$2" "${HELPER_V2[$1]}" syscalls_v2 "$BV2"; }

sc_csd() { # create, start, delete timed separately; waiting for "stopped" is not timed
  local rt=$1 i=$2 h=${HELPER[$1]} root id st=$work/state.out k ns_c ns_s
  [ "$rt" = floor ] && return 0
  root=$(newroot) id=$(cid csd "$i" "$rt")
  run1 "${BIN[$rt]}" --root "$root" create --bundle "$B" "$id"
  if [ "$R_CODE" != 0 ]; then
    fail create "$rt" "$(why "$R_CODE")"; fail start "$rt" "create failed"; fail delete "$rt" "create failed"
    cleanup_root "$rt" "$root"; return 0
  fi
  ns_c=$R_NS
  run1 "${BIN[$rt]}" --root "$root" start "$id"
  if [ "$R_CODE" != 0 ]; then
    fail start "$rt" "$(why "$R_CODE")"; fail delete "$rt" "start failed"
    cleanup_root "$rt" "$root"; return 0
  fi
  ns_s=$R_NS
  for ((k = 0; k < 1000; k++)); do
    : >"$st"
    call "$h" "$st" "${BIN[$rt]}" --root "$root" state "$id"
    grep -qE '"status": *"stopped"' "$st" && break
  done
  run1 "${BIN[$rt]}" --root "$root" delete "$id"
  rec create "$rt" "$ns_c"; rec start "$rt" "$ns_s"
  if [ "$R_CODE" = 0 ]; then rec delete "$rt" "$R_NS"; else fail delete "$rt" "$(why "$R_CODE")"; fi
  cleanup_root "$rt" "$root"
}

sc_syscalls() { # RT ITER [HELPER KEY BUNDLE]: total syscalls of one `run`, all processes (strace -f -c)
  local rt=$1 i=$2 h=${3:-${HELPER[$1]}} key=${4:-syscalls} bundle=${5:-$B} root= so=$work/strace.out calls
  rm -f "$so"
  if [ "$rt" = floor ]; then
    run1 strace -f -c -o "$so" "${BIN[floor]}" "$B/rootfs" /bin/true
  else
    root=$(newroot)
    run1 strace -f -c -o "$so" "${BIN[$rt]}" --root "$root" run --bundle "$bundle" "$(cid "$key" "$i" "$rt")"
  fi
  calls=$(awk '$NF == "total" { print $4 }' "$so" 2>/dev/null || true)
  if [ "$R_CODE" = 0 ] && [ -n "$calls" ]; then rec "$key" "$rt" "$calls"
  else fail "$key" "$rt" "$(why "$R_CODE")"; fi
  [ -z "$root" ] || cleanup_root "$rt" "$root"
}

sc_par() { # PAR_RUNS runs of /bin/true, PAR_JOBS at a time (xargs -P), wall time
  local rt=$1 i=$2 h=${HELPER[$1]} root=
  if [ "$rt" = floor ]; then
    TMO=300 run1 xargs -a "$work/seq" -P $PAR_JOBS -I{} "${BIN[floor]}" "$B/rootfs" /bin/true
  else
    root=$(newroot)
    TMO=300 run1 xargs -a "$work/seq" -P $PAR_JOBS -I{} \
      "${BIN[$rt]}" --root "$root" run --bundle "$B" "$(cid par "$i" "$rt")-{}"
  fi
  if [ "$R_CODE" = 0 ]; then rec par "$rt" "$R_NS"; else fail par "$rt" "$(why "$R_CODE")"; fi
  [ -z "$root" ] || cleanup_root "$rt" "$root"
}

sc_variant() { # KEY BUNDLE ROOT RT I: `run` of a variant bundle in ROOT (empty: a fresh one)
  local key=$1 bundle=$2 root=$3 rt=$4 i=$5 h=${HELPER[$4]} fresh=
  [ "$rt" = floor ] && return 0
  [ -n "$root" ] || { root=$(newroot); fresh=1; }
  run1 "${BIN[$rt]}" --root "$root" run --bundle "$bundle" "$(cid "$key" "$i" "$rt")"
  if [ "$R_CODE" = 0 ]; then rec "$key" "$rt" "$R_NS"; else fail "$key" "$rt" "$(why "$R_CODE")"; fi
  [ -z "$fresh" ] || cleanup_root "$rt" "$root"
}
# The large profile in a fresh --root each time (a filter cache, if any, is cold), and in one
# --root kept for the whole scenario (warm after the first run).
sc_seccomp() { sc_variant seccomp "$BSEC" "" "$@"; }
sc_seccomp_warm() { sc_variant seccomp_warm "$BSEC" "${KEEP_ROOT[$1]:-}" "$@"; }
sc_userns() { sc_variant userns "$BUSR" "" "$@"; }
sc_memlimit() { sc_variant memlimit "$BMEM" "" "$@"; }

sc_exec() { # `exec` of /bin/true into the scenario's long-running container (sleep 1000)
  local rt=$1 i=$2 h=${HELPER[$1]}
  [ "$rt" = floor ] && return 0
  if [ -z "${EXEC_ID[$rt]:-}" ]; then fail exec "$rt" "its container did not start"; return 0; fi
  run1 "${BIN[$rt]}" --root "${KEEP_ROOT[$rt]}" exec "${EXEC_ID[$rt]}" /bin/true
  if [ "$R_CODE" = 0 ]; then rec exec "$rt" "$R_NS"; else fail exec "$rt" "$(why "$R_CODE")"; fi
}

sc_seq() { # SEQ_RUNS runs of /bin/true one after the other (one --root), wall time
  local rt=$1 i=$2 h=${HELPER[$1]} root=
  [ "$i" -le "$SEQ_ITERS" ] || return 0
  if [ "$rt" = floor ]; then
    TMO=300 run1 xargs -a "$work/seq100" -P 1 -I{} "${BIN[floor]}" "$B/rootfs" /bin/true
  else
    root=$(newroot)
    TMO=300 run1 xargs -a "$work/seq100" -P 1 -I{} \
      "${BIN[$rt]}" --root "$root" run --bundle "$B" "$(cid seq "$i" "$rt")-{}"
  fi
  if [ "$R_CODE" = 0 ]; then rec seq "$rt" "$R_NS"; else fail seq "$rt" "$(why "$R_CODE")"; fi
  [ -z "$root" ] || cleanup_root "$rt" "$root"
}

# Scenario set-up and tear-down (untimed): a --root kept across iterations, and exec's container.
declare -A KEEP_ROOT=() EXEC_ID=()
setup_scenario() { # SCENARIO
  local rt h
  case $1 in seccomp_warm | exec) ;; *) return 0 ;; esac
  for rt in "${RTS[@]}"; do
    [ "${STATUS[$rt]}" = ok ] && [ "$rt" != floor ] || continue
    KEEP_ROOT[$rt]=$(newroot)
    [ "$1" = exec ] || continue
    h=${HELPER[$rt]} out=$work/exec-setup.$rt.out
    run1 "${BIN[$rt]}" --root "${KEEP_ROOT[$rt]}" create --bundle "$BEXE" "$(cid exec 0 "$rt")"
    [ "$R_CODE" = 0 ] && run1 "${BIN[$rt]}" --root "${KEEP_ROOT[$rt]}" start "$(cid exec 0 "$rt")"
    if [ "$R_CODE" = 0 ]; then EXEC_ID[$rt]=$(cid exec 0 "$rt"); else EXEC_ID[$rt]=; fi
  done
  out=$work/out.txt
}
teardown_scenario() {
  local rt
  for rt in "${!KEEP_ROOT[@]}"; do cleanup_root "$rt" "${KEEP_ROOT[$rt]}"; done
  KEEP_ROOT=() EXEC_ID=()
}

# The lowest memory limit (of MEM_STEPS_KIB) at which `run` of /bin/true succeeds, once per runtime.
memmin() { # RT
  local rt=$1 h=${HELPER[$1]} kib root d=$work/memmin
  mkdir -p "$d"
  for kib in $MEM_STEPS_KIB; do
    jq --argjson m $((kib << 10)) '.linux.resources.memory.limit = $m' "$BMEM/config.json" >"$d/config.json"
    root=$(newroot)
    TMO=20 run1 "${BIN[$rt]}" --root "$root" run --bundle "$d" "$(cid memmin "$kib" "$rt")"
    cleanup_root "$rt" "$root"
    if [ "$R_CODE" = 0 ]; then rec memmin "$rt" "$kib"; return 0; fi
  done
  return 0 # none: the table says "> the largest step"; not a failure of the runtime
}

SCS=(run run_disk csd exec syscalls seq par seccomp seccomp_warm userns memlimit)
[ ${#HELPER_V2[@]} = 0 ] || SCS+=(run_v2 syscalls_v2)
have_strace=1
command -v strace >/dev/null || { have_strace=0; echo "run.sh: strace not installed: no syscall counts" >&2; }
# Warm-up, not counted: whatever scenario came first read high for every runtime (rong's `run`
# 7.30 ms against 5.89 when `run` came second in an otherwise alike run; the floor 3.92 and 3.70).
if [ $smoke = 0 ]; then
  printf '%-13s' warm-up >&2
  for ((i = 1; i <= WARMUP_ITERS; i++)); do
    for rt in "${RTS[@]}"; do [ "${STATUS[$rt]}" = ok ] && sc_run "$rt" "$i" "${HELPER[$rt]}" warmup "$B"; done
    printf . >&2
  done
  echo >&2
fi
for sc in "${SCS[@]}"; do
  [[ $sc == syscalls* ]] && [ $have_strace = 0 ] && continue
  printf '%-13s' "$sc" >&2
  setup_scenario "$sc"
  for ((i = 1; i <= N; i++)); do
    [ $sc = seq ] && [ $i -gt $SEQ_ITERS ] && break
    # Alternate, so drift hits every runtime alike; the order rotates each iteration, so each
    # one follows each of the others alike (what the one before leaves to kernel workers, such
    # as its namespaces' teardown, lands on all).
    for ((k = 0; k < ${#RTS[@]}; k++)); do
      rt=${RTS[(k + i - 1) % ${#RTS[@]}]}
      [ "${STATUS[$rt]}" = ok ] && "sc_$sc" "$rt" "$i"
    done
    printf . >&2
  done
  teardown_scenario
  echo >&2
  quiet+=("$(cpu_busy 1)")
done
printf '%-13s' memmin >&2
for rt in "${RTS[@]}"; do [ "${STATUS[$rt]}" = ok ] && [ "$rt" != floor ] && memmin "$rt" && printf . >&2; done
echo >&2

# ---------------------------------------------------------------- report
# rows: key|label|unit|divisor|decimals
ROWS=(
  "run|run /bin/true|ms|1e6|2"
  "run_disk|run /bin/true, state in /tmp ($disk_fs)|ms|1e6|2"
  "create|create|ms|1e6|2"
  "start|start|ms|1e6|2"
  "delete|delete|ms|1e6|2"
  "rss|peak RSS of run|MiB|1024|1"
  "syscalls|syscalls per run|calls|1|0"
  "par|$PAR_RUNS runs, $PAR_JOBS parallel|s|1e9|2"
  "exec|exec /bin/true|ms|1e6|2"
  "seq|$SEQ_RUNS runs, one after the other|s|1e9|2"
  "seccomp|run, large seccomp profile, fresh --root|ms|1e6|2"
  "seccomp_warm|run, large seccomp profile, same --root|ms|1e6|2"
  "userns|run, user namespace|ms|1e6|2"
  "memlimit|run, memory limit $((MEM_LIMIT >> 20)) MiB|ms|1e6|2"
  "memmin|lowest memory limit that starts|MiB|1024|2"
)
[ ${#HELPER_V2[@]} = 0 ] || ROWS+=(
  "run_v2|run /bin/true, cgroup v2 view|ms|1e6|2"
  "syscalls_v2|syscalls per run, cgroup v2 view|calls|1|0"
)
stats() { # FILE -> "median min max count" in raw units
  sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%.1f %s %s %d\n", m, a[1], a[NR], NR }'
}
scale() { awk -v v="$1" -v d="$2" -v p="$3" 'BEGIN { printf "%.*f", p, v / d }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "—" }'; }

cell() { # KEY RT -> sets CELL (markdown), MED (raw median or empty)
  local key=$1 rt=$2 f=$work/samples/$1.$2 med mn mx n
  MED=
  if [ "${STATUS[$rt]}" != ok ]; then CELL=${STATUS[$rt]}; return; fi
  if [ "$rt" = floor ] && [[ $key =~ ^(create|start|delete)$ ]]; then CELL="n/a"; return; fi
  if [ "${FAILS[$key.$rt]:-0}" -gt 0 ]; then CELL="failed"; return; fi
  if [ "$key" = memmin ] && [ ! -s "$f" ] && [ "$rt" != floor ]; then CELL="> $(scale "${MEM_STEPS_KIB##* }" 1024 0)"; return; fi
  if [ ! -s "$f" ]; then CELL="n/a"; return; fi
  read -r med mn mx n < <(stats "$f")
  MED=$med
  CELL=$(scale "$med" "$div" "$dec")
  [ "$n" = 1 ] || CELL+=" ($(scale "$mn" "$div" "$dec")–$(scale "$mx" "$div" "$dec"))"
}

if [ $hybrid = 1 ]; then
  if [ $same_ns = 1 ]; then
    crun_note="Every runtime ran in one private mount namespace (unshare -m) with an empty tmpfs over /sys/fs/cgroup/unified (--same-ns), so all of them saw a cgroup-v1-only host."
  else
    crun_note="crun 1.8 refuses this hybrid cgroup host, so crun ran in a private mount namespace (unshare -m) with an empty tmpfs over /sys/fs/cgroup/unified, where it sees cgroup v1 only. The namespace is set up once: a long-lived timer (bench/timeit) lives in it and fork-execs crun directly, exactly as the host-side timer does for the others, so no unshare/nsenter/shell cost is in crun's numbers. The others ran on the host as is (runc also joins the cgroup2 hierarchy there, a little extra work crun skips)."
  fi
else
  crun_note="The cgroup layout is not hybrid: every runtime ran in the host mount namespace."
fi
[ $shim_used = 1 ] && crun_note+=" crun could not raise RLIMIT_MEMLOCK, so it ran with an LD_PRELOAD shim (bench/shim_setrlimit.c) making that setrlimit succeed."
[ ${#HELPER_V2[@]} = 0 ] || crun_note+=" The two \"cgroup v2 view\" rows ran every runtime (and the floor) in another private mount namespace, with the host's cgroup2 mount bound on /sys/fs/cgroup: what a cgroup v2 host shows (one hierarchy; no controller rong, runc or crun would set for this config is missing), and with a cgroup namespace in the config, as runc spec writes it on such a host. crun ran there with the LD_PRELOAD shim (bench/shim_setrlimit.c): with v2 it raises RLIMIT_MEMLOCK for its device filter."
ver() { # RT -> first line of --version
  case ${STATUS[$1]}/$1 in
    missing/*) echo missing ;;
    */floor) echo "bench/floor.c" ;;
    *) "${BIN[$1]}" --version 2>/dev/null | head -1 || true ;;
  esac
}

read -r busy_mean busy_max < <(printf '%s\n' "${quiet[@]}" |
  awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%d %d\n", s / NR, m }')
md=$work/latest.md json=$work/latest.json
{
  echo "| scenario | unit | rong | runc | crun | floor | rong/crun | rong/floor |"
  echo "|---|---|---|---|---|---|---|---|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r key label unit div dec <<<"$row"
    line="| $label | $unit"
    declare -A meds=()
    for rt in "${RTS[@]}"; do cell "$key" "$rt"; line+=" | $CELL"; meds[$rt]=$MED; done
    rc=— rf=—
    if [ -n "${meds[rong]}" ]; then
      [ -n "${meds[crun]}" ] && rc=$(ratio "${meds[rong]}" "${meds[crun]}")
      [ -n "${meds[floor]}" ] && rf=$(ratio "${meds[rong]}" "${meds[floor]}")
    fi
    echo "$line | $rc | $rf |"
  done
  echo
  echo "Median (min–max) of $N iterations ($SEQ_RUNS runs one after the other: $((N < SEQ_ITERS ? N : SEQ_ITERS))), runtimes alternating, rong, runc, crun, floor in an order that rotates each iteration;"
  echo "each runtime's state (--root) on a tmpfs, as under /run on a production host, but in the row \"state in /tmp\" ($disk_fs, $(findmnt -n -o OPTIONS -T "$work" 2>/dev/null || echo "options unknown"));"
  echo "lowest memory limit: the first of $(echo $MEM_STEPS_KIB | sed 's/ /, /g') KiB at which \`run\` of /bin/true exits 0;"
  echo "$(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs;"
  cpuset_line=
  if [ "$cpuset_first_ms" = -1.00 ]; then :
  elif [ "$cpuset_others" = 0 ]; then
    cpuset_line="; a container's cpuset cgroup (v1) when it is the host's only one: $cpuset_first_ms ms, with another there: $cpuset_next_ms ms"
  else
    cpuset_line="; a cpuset cgroup (v1; the host has $cpuset_others already): $cpuset_first_ms ms"
  fi
  echo "fork+exec+wait of /bin/true: $forkexec_ms ms; one cgroup join after idle: $cgjoin_ms ms$cpuset_line (bench/probe.c)."
  rong_built=; [ "${STATUS[rong]}" = missing ] || rong_built=" ($rong_src, built $(date -u -r "$rong_src" +%H:%MZ))"
  echo "runc: $(ver runc); crun: $(ver crun); rong: $(ver rong)$rong_built."
  echo "Other load: CPUs busy ${quiet[*]} % (sampled before and after each scenario, bench idle)."
  if [ "$busy_mean" -gt 10 ] || [ "$busy_max" -gt 30 ]; then
    echo "**The machine was busy with other work: absolute numbers are inflated; ratios (alternating runs) hold better.**"
  fi
  for rt in "${RTS[@]}"; do [ -z "${NOTE[$rt]}" ] || echo "$rt: ${NOTE[$rt]}"; done
  for f in "$work"/fail.*; do [ -e "$f" ] || continue; k=${f#"$work"/fail.}
    echo "failed: ${k%.*} on ${k##*.}: ${FAILS[$k]} of $N ($(cat "$f"))"; done
  echo
  echo "$crun_note"
} >"$md"

jstr() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "${s//$'\n'/ }"; }
{
  printf '{\n  "date": %s,\n  "kernel": %s,\n  "iterations": %d,\n' \
    "$(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(jstr "$(uname -r)")" "$N"
  printf '  "machine": {"forkexec_ms": %s, "cgroup_join_ms": %s, "cpuset_first_mkdir_ms": %s, "cpuset_next_mkdir_ms": %s, "cpus": %d, "other_busy_pct": [%s]},\n' \
    "$forkexec_ms" "$cgjoin_ms" "$cpuset_first_ms" "$cpuset_next_ms" "$(nproc)" "$(IFS=,; echo "${quiet[*]}")"
  printf '  "order": ["rong", "runc", "crun", "floor"],\n  "note": %s,\n  "runtimes": {\n' "$(jstr "$crun_note")"
  for rt in "${RTS[@]}"; do
    printf '    "%s": {"status": "%s", "version": %s, "note": %s}%s\n' "$rt" "${STATUS[$rt]}" \
      "$(jstr "$(ver "$rt")")" "$(jstr "${NOTE[$rt]}")" "$([ "$rt" = floor ] || echo ,)"
  done
  printf '  },\n  "scenarios": {\n'
  nrows=${#ROWS[@]} r=0
  for row in "${ROWS[@]}"; do
    IFS='|' read -r key label unit div dec <<<"$row"
    r=$((r + 1))
    printf '    "%s": {"label": %s, "unit": "%s", "results": {\n' "$key" "$(jstr "$label")" "$unit"
    c=0
    for rt in "${RTS[@]}"; do
      c=$((c + 1)); cell "$key" "$rt"; f=$work/samples/$key.$rt
      printf '      "%s": {"cell": %s' "$rt" "$(jstr "$CELL")"
      if [ -n "$MED" ]; then
        read -r med mn mx n < <(stats "$f")
        printf ', "median": %s, "min": %s, "max": %s, "samples": [%s]' "$(scale "$med" "$div" 4)" \
          "$(scale "$mn" "$div" 4)" "$(scale "$mx" "$div" 4)" \
          "$(while read -r v; do scale "$v" "$div" 4; echo; done <"$f" | paste -sd, | sed 's/,/, /g')"
      fi
      printf '}%s\n' "$([ $c = ${#RTS[@]} ] || echo ,)"
    done
    printf '    }}%s\n' "$([ $r = "$nrows" ] || echo ,)"
  done
  printf '  }\n}\n'
} >"$json"

# Exit 0 iff every installed runtime passed its check, and rong and the floor ran every scenario.
bad=0
for rt in "${RTS[@]}"; do [ "${STATUS[$rt]}" = failed ] && bad=1; done
for k in "${!FAILS[@]}"; do case ${k##*.} in rong | floor) bad=1 ;; esac; done

if [ -z "$outdir" ]; then
  if [ $smoke = 1 ]; then outdir=; else outdir=$here/results; fi
fi
if [ -n "$outdir" ]; then
  mkdir -p "$outdir"
  cp "$md" "$outdir/latest.md"
  cp "$json" "$outdir/latest.json"
  echo "wrote $outdir/latest.md and $outdir/latest.json" >&2
  if [ "$outdir" = "$here/results" ] && [ $bad = 1 ]; then
    echo "the READMEs keep their table: rong or the floor failed in this run" >&2
  elif [ "$outdir" = "$here/results" ]; then
    # The READMEs show the latest table: what is between their bench:latest markers is replaced.
    for readme in "$repo/README.md" "$here/README.md"; do
      grep -q '^<!-- bench:latest -->$' "$readme" || continue
      awk -v md="$md" '/^<!-- \/bench:latest -->$/ { skip = 0 }
        !skip { print } /^<!-- bench:latest -->$/ { while ((getline l < md) > 0) print l; skip = 1 }' \
        "$readme" >"$readme.new" && mv "$readme.new" "$readme"
    done
  fi
fi
echo
cat "$md"
exit $bad
