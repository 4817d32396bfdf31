#!/usr/bin/env bash
# bench/soak.sh: N sequential `run /bin/true` (default 10,000), sampling every K runs (default
# 1,000) what a leak would make grow: the host's open file handles (/proc/sys/fs/file-nr), mounts
# and cgroups, processes, what the soak's own containers left (state entries, cgroups named after
# them), and the runtime's peak RSS over the last K runs (wait4's ru_maxrss). A benchmark, not a
# gate: it prints the figures. It exits 1 only if a run failed or a container was left behind.
#
# usage: bench/soak.sh [-n N] [-k K] [--short]     (--short: -n 100 -k 50, for CI)
# The runtime is $RUNTIME, else build/rong. Needs root, cc, busybox-static.
# The host-wide figures include whatever else runs on the machine; the "left" ones are the soak's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
N=10000 K=1000
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=${2:?-n needs a number}; shift 2 ;;
    -k) K=${2:?-k needs a number}; shift 2 ;;
    --short) N=100 K=50; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
runtime=${RUNTIME:-$repo/build/rong}
[ -x "$runtime" ] || runtime=$(command -v "$runtime") || { echo "soak.sh: no runtime $runtime" >&2; exit 1; }

work=$(mktemp -d /tmp/rong-soak.XXXXXX)
cleanup() {
  [ -n "${timer_pid:-}" ] && kill "$timer_pid" 2>/dev/null
  for id in $(ls "$work/root" 2>/dev/null); do "$runtime" --root "$work/root" delete --force "$id" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/timeit" "$here/timeit.c"
"$repo/scripts/make-bundle.sh" "$work/bundle" "$runtime" >/dev/null
jq '.process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"
mkdir "$work/root"
tag="soak$$x"

cgroup_dirs() { find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l; }
soak_cgroups() { find /sys/fs/cgroup -mindepth 1 -type d -name "$tag*" 2>/dev/null | wc -l; }
sample() { # RUNS PEAK_RSS_KIB MEDIAN_MS
  printf '%7s %10s %8s %8s %7s %6s %6s %8s %9s\n' "$1" "$(cut -f1 /proc/sys/fs/file-nr)" \
    "$(wc -l </proc/self/mountinfo)" "$(cgroup_dirs)" "$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)" \
    "$(ls -A "$work/root" | wc -l)" "$(soak_cgroups)" "$2" "$3"
}

coproc TIMER { "$work/timeit" "$work/timeit.log"; }
timer_pid=$TIMER_PID
echo "soak: $N x \`$(basename "$runtime") run /bin/true\`, sampled every $K ($runtime)"
printf '%7s %10s %8s %8s %7s %6s %6s %8s %9s\n' runs open-files mounts cgroups procs state cg-left peak-KiB median-ms
sample 0 - -
failed=0 peak=0
times=()
for ((i = 1; i <= N; i++)); do
  printf '30\t-\t%s\t--root\t%s\trun\t--bundle\t%s\t%s\n' "$runtime" "$work/root" "$work/bundle" "$tag$i" >&"${TIMER[1]}"
  read -r ns rc rss <&"${TIMER[0]}"
  [ "$rc" = 0 ] || { failed=$((failed + 1)); [ "$failed" -gt 5 ] || echo "run $i: exit $rc" >&2; }
  [ "$rss" -le "$peak" ] || peak=$rss
  times+=("$ns")
  if ((i % K == 0)); then
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1e6}')
    sample "$i" "$peak" "$median"
    peak=0 times=()
  fi
done
left=$(ls -A "$work/root" | wc -l) cg_left=$(soak_cgroups)
echo "failed runs: $failed; containers left: $left; cgroups left: $cg_left"
[ "$failed" = 0 ] && [ "$left" = 0 ] && [ "$cg_left" = 0 ]
