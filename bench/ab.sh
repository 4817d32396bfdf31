#!/usr/bin/env bash
# bench/ab.sh: is one rong binary faster than another at `run` of /bin/true?
#
# usage: bench/ab.sh [-n PAIRS] [--v2] RONG_A RONG_B
#   -n PAIRS  pairs per pass (default 2000)
#   --v2      in the cgroup v2 view (the host's cgroup2 mount bound on /sys/fs/cgroup, a cgroup
#             namespace in the config), as the bench's v2 rows; default: the host as it is
# Two passes of pairs, which binary goes first alternating: A B, B A, A B, ... and then B A, A B,
# ... Each prints both medians and the median of the pair differences B - A. A change counts when
# both passes agree on its sign and size: in sets of 300 pairs the order alone moved the
# difference by up to ~0.2 ms here (bench/README.md, "Reading the numbers"). Needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
pairs=2000 v2=0
while [ $# -gt 0 ]; do
  case $1 in
    -n) pairs=${2:?-n needs a number}; shift 2 ;;
    --v2) v2=1; shift ;;
    --in-view) v2=2; shift ;; # (internal: already in the v2 view's mount namespace)
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "ab.sh: unknown argument: $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# = 2 ] || { echo "usage: bench/ab.sh [-n PAIRS] [--v2] RONG_A RONG_B" >&2; exit 2; }
[[ $pairs =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: -n wants a positive integer" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "ab.sh: needs root" >&2; exit 2; }
a=$(realpath "$1") b=$(realpath "$2")
[ -x "$a" ] && [ -x "$b" ] || { echo "ab.sh: $1 and $2 must be executable" >&2; exit 2; }

if [ $v2 = 1 ]; then
  [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] ||
    { echo "ab.sh: --v2 needs a hybrid host's /sys/fs/cgroup/unified" >&2; exit 2; }
  # A bind, not a new cgroup2 mount: that would reset the hierarchy's options for the whole host.
  exec unshare -m bash -c 'mount --make-rprivate / && mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup &&
    exec "$0" --in-view -n "$1" "$2" "$3"' "$0" "$pairs" "$a" "$b"
fi

work=$(mktemp -d /tmp/rong-ab.XXXXXX)
trap 'umount "$work/root" 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -Wall -o "$work/timeit" "$here/timeit.c"
# Copies, so that both are read from the same place.
cp "$a" "$work/rong-a" && cp "$b" "$work/rong-b"
"$repo/scripts/make-bundle.sh" "$work/bundle" >/dev/null
filter='.process.args = ["/bin/true"]'
[ $v2 = 2 ] && filter="$filter | .linux.namespaces += [{type: \"cgroup\"}]"
jq "$filter" "$work/bundle/config.json" >"$work/config.new" && mv "$work/config.new" "$work/bundle/config.json"
mkdir "$work/root"
mount -t tmpfs -o mode=0700,size=64m rong-ab-state "$work/root" # as the bench: state on a tmpfs, as under /run

coproc TIMER { "$work/timeit" "$work/timeit.log"; }
sample() { # BIN ID -> elapsed ns in $ns; a failed run ends the script (its state stays for a look)
  local code rss
  printf '0\t-\t%s\t--root\t%s\trun\t--bundle\t%s\t%s\n' "$1" "$work/root" "$work/bundle" "$2" >&"${TIMER[1]}"
  read -r ns code rss <&"${TIMER[0]}"
  [ "$code" = 0 ] || { echo "ab.sh: $1 run exited $code; see $work/timeit.log; its state is in $work/root, a tmpfs to umount" >&2; trap - EXIT; exit 1; }
}
median_ms() { sort -g | awk '{ v[NR] = $1 } END { printf "%.4f", ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1e6 }'; }

pass() { # LABEL A_FIRST(1|0): pairs of the two binaries, which of them goes first alternating
  local i ns ta tb
  : >"$work/a" && : >"$work/b" && : >"$work/d"
  for ((i = 0; i < pairs; i++)); do
    if (((i + $2) % 2 == 1)); then sample "$work/rong-a" "a$i"; ta=$ns; sample "$work/rong-b" "b$i"; tb=$ns
    else sample "$work/rong-b" "b$i"; tb=$ns; sample "$work/rong-a" "a$i"; ta=$ns; fi
    echo "$ta" >>"$work/a"; echo "$tb" >>"$work/b"; echo $((tb - ta)) >>"$work/d"
  done
  printf '%s: A %.3f ms, B %.3f ms, B - A %+.3f ms (medians of %d pairs)\n' "$1" \
    "$(median_ms <"$work/a")" "$(median_ms <"$work/b")" "$(median_ms <"$work/d")" "$pairs"
}
echo "A = $a"
echo "B = $b"
pass "A first" 1
pass "B first" 0
