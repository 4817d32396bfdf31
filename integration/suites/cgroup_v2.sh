# cgroup v2 tests (sourced by run.sh): resources read back from inside the container (its cgroup
# namespace) and from the host, the OOM killer, pids.max, the freezer, update, events, devices,
# cleanup and bad input. They SKIP unless /sys/fs/cgroup is a pure cgroup2 hierarchy: run them in
# the VM (integration/vm/run.sh), whose kernel has one with every controller enabled.

need_v2() {
  [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] || skip "/sys/fs/cgroup is not cgroup2 (run integration/vm/run.sh)"
  local c
  for c in "$@"; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || skip "controller $c is not enabled in /sys/fs/cgroup"
  done
}
# v2dir PID: the host directory of PID's cgroup
v2dir() { echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"; }
# expect_v2 FILE WANT: the container's ($PID's) cgroup file, read from the host, holds WANT
expect_v2() {
  local f
  f="$(v2dir "$PID")/$1"
  [ -f "$f" ] || fail "no $f"
  expect_eq "host $1" "$(cat "$f")" "$2"
}
# every cgroup directory on the machine (to compare before and after)
all_cgroups() { find /sys/fs/cgroup -type d | sort; }
# a cgroup namespace, so /sys/fs/cgroup inside is the container's own cgroup
with_cgroupns() { cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{type: "cgroup"}])'; }

# Every resource, as the v2 files say it, from the host and from inside the container.
V2_RESOURCES='{
  memory: {limit: 67108864, reservation: 33554432, swap: 134217728},
  cpu: {shares: 512, quota: 20000, period: 100000, cpus: "0", mems: "0"},
  pids: {limit: 42},
  hugepageLimits: [{pageSize: "2MB", limit: 4194304}],
  unified: {"memory.high": "50331648"}}'
V2_FILES="memory.max memory.low memory.high cpu.weight cpu.max cpuset.cpus cpuset.mems pids.max hugetlb.2MB.max"
# runc's conversions: cpu.weight = 1 + (shares - 2) * 9999 / 262142
V2_VALUES="67108864 33554432 50331648 20 20000_100000 0 0 42 4194304"

t_cgroup_v2_resources() {
  local id f inside host
  id=$(newid)
  need_v2 memory cpu cpuset pids hugetlb
  with_cgroupns
  cfg --arg cg "/$id" ".linux.cgroupsPath = \$cg | .linux.resources = $V2_RESOURCES"
  start_waiter "$id"
  expect_eq "the init's cgroup (host view)" "$(v2dir "$PID")" "/sys/fs/cgroup/$id"
  host=
  for f in $V2_FILES; do host+="$(tr ' ' _ <"$(v2dir "$PID")/$f") "; done
  expect_eq "host $V2_FILES" "${host% }" "$V2_VALUES"
  # memory+swap 128 MiB with memory 64 MiB is 64 MiB of swap (where the kernel accounts swap)
  [ ! -f "$(v2dir "$PID")/memory.swap.max" ] || expect_v2 memory.swap.max 67108864
  # inside: the cgroup namespace makes the container's cgroup the root of its own view
  rtc exec "$id" sh -c "cat /proc/self/cgroup; for f in $V2_FILES; do tr ' ' _ </sys/fs/cgroup/\$f; done"
  expect_rc "exec cat" 0
  inside=$(echo $OUT)
  expect_eq "inside: /proc/self/cgroup and $V2_FILES" "$inside" "0::/ $V2_VALUES"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# The container's /sys/fs/cgroup is a read-only cgroup2 mount of its own cgroup.
t_cgroup_v2_mount_inside() {
  need_v2 memory pids
  with_cgroupns
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 33}}'
  sh_args 'awk '"'"'$5 == "/sys/fs/cgroup" { print $(NF-2) }'"'"' /proc/self/mountinfo
    cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
    mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable || echo read-only'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "/sys/fs/cgroup type, memory.max, pids.max, writable" "$(echo $OUT)" "cgroup2 67108864 33 read-only"
}

# Without a cgroup namespace the container sees the whole hierarchy at /sys/fs/cgroup, read-only.
# Mounting a new cgroup2 instance from the host's cgroup namespace would reset the hierarchy's
# options (nsdelegate, ...) for the whole host; rong binds the host's mount instead. runc 1.1.5
# mounts a new one (and clears them): checked for rong only.
t_cgroup_v2_mount_without_cgroupns() {
  local before after
  need_v2
  cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
  sh_args 'awk '"'"'$5 == "/sys/fs/cgroup" { print $(NF-2), $6 }'"'"' /proc/self/mountinfo
    test -f /sys/fs/cgroup/cgroup.type || echo hierarchy-root  # (every cgroup but the root has it)
    mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable || echo read-only'
  before=$(awk '$5 == "/sys/fs/cgroup" { print $NF }' /proc/self/mountinfo)
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "type, mount options, view, writable" "$(echo $OUT)" '^cgroup2 ro,[^ ]* hierarchy-root read-only$'
  after=$(awk '$5 == "/sys/fs/cgroup" { print $NF }' /proc/self/mountinfo)
  [ "$RT_KIND" = rong ] || { log "host cgroup2 options before: $before, after: $after"; return 0; }
  expect_eq "the host's cgroup2 options" "$after" "$before"
}

# in_subtree CGROUP BOUND SCRIPT [cgroupns]: SCRIPT (bash; $RT is the runtime with this test's
# --root) runs in the cgroup CGROUP, in a mount namespace of its own where the cgroup BOUND
# (CGROUP or one of its ancestors) is bound on /sys/fs/cgroup, as a container without a cgroup
# namespace of its own may be given it: /proc/self/cgroup then names the cgroup from above that
# mount, and the mount's root says how far above. With "cgroupns", SCRIPT runs in a new cgroup
# namespace whose root is CGROUP: /proc/self/cgroup says "/", and the mount's root climbs above it
# ("/.."). Sets RC, OUT, ERR.
in_subtree() {
  printf '%s\n' "$3" >"$T/in_subtree.sh"
  unshare -m sh -c 'echo $$ >"$1/cgroup.procs" && mount --make-rprivate / && mount --bind "$2" /sys/fs/cgroup &&
    RT="timeout -k 2 $3 $4 --root $5" exec ${7:+unshare -C} bash "$6"' sh \
    "$1" "$2" "$RT_TIMEOUT" "$RUNTIME" "$ROOT" "$T/in_subtree.sh" "${4:-}" </dev/null >"$T/sub.out" 2>"$T/sub.err"
  RC=$?
  OUT=$(cat "$T/sub.out")
  ERR=$(cat "$T/sub.err")
  log "in $1 (/sys/fs/cgroup: $2): rc=$RC out=$OUT err=$ERR"
}

# A container with no cgroupsPath, started by a runtime whose cgroup's subtree is all it sees on
# /sys/fs/cgroup. On a cgroup v2 host runc 1.1.5 puts it beside the runtime's cgroup, under that
# cgroup's parent (a shell's own cgroup has processes in it); seen through the bind, the parent is
# the mount's root plus what /proc/self/cgroup says below it. rong takes the root from statmount
# (Linux 6.8+) or from mountinfo. Runs on a hybrid host too (its cgroup2 tree at
# /sys/fs/cgroup/unified), and there checks that same placement. The device rules hold:
# /dev/kmsg (c 1:11, not a default device, opened write-only: no capability needed) is refused,
# /dev/null (c 1:3, a default one, made anew) opens.
# When the runtime's cgroup is the mount's root, its parent is out of sight: the container goes
# under the runtime's cgroup, which has a process in it. Where that cgroup delegates threaded
# controllers (the VM: cpu, pids), the new cgroup is "domain invalid" and is made threaded, as
# runc does (clone3 into it failed before): ps, kill --all and delete work there.
t_cgroup_v2_subtree_mount() {
  local tree parent inner id threaded probe own
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    tree=/sys/fs/cgroup
  elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    tree=/sys/fs/cgroup/unified
  else
    skip "no cgroup2 hierarchy"
  fi
  # (named with TOKEN, so the harness removes them whatever happens)
  parent=$tree/$(newid subtree)
  inner=$parent/$(newid inner)
  mkdir -p "$inner" || skip "cannot make cgroups under $tree"
  cfg '.linux.namespaces |= map(select(.type != "cgroup")) | del(.linux.cgroupsPath)
    | .root.readonly = false | .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
  probe='grep "^0::" /proc/self/cgroup
    rm -f /tmp/kmsg /tmp/null; mknod /tmp/kmsg c 1 11 && { { true >/tmp/kmsg; } 2>/dev/null && echo kmsg-opened || echo kmsg-refused; }
    mknod /tmp/null c 1 3 && { true >/tmp/null; } && echo null-opened'

  # The runtime in the mount's root: first, while $parent delegates no domain controller (a
  # process could not move in after).
  sh_args "$probe"
  id=$(newid under)
  track "$id"
  in_subtree "$parent" "$parent" "\$RT run --bundle $B $id"
  expect_rc "run in $parent" 0
  expect_eq "the container's cgroup, /dev/kmsg, /dev/null" "$(echo $OUT)" "0::${parent#"$tree"}/$id kmsg-refused null-opened"
  set_args sleep 1000
  id=$(newid threaded)
  track "$id"
  in_subtree "$parent" "$parent" "\$RT run --detach --bundle $B $id >/dev/null || exit 1
    cat /sys/fs/cgroup/$id/cgroup.type
    \$RT ps --format json $id || echo ps-failed
    \$RT kill --all $id KILL || echo kill-all-failed
    for i in \$(seq 50); do \$RT state $id | grep -q '\"stopped\"' && break; sleep 0.1; done
    \$RT delete $id || { echo delete-failed; \$RT delete --force $id; }
    test -d /sys/fs/cgroup/$id && echo cgroup-left || echo cgroup-gone"
  expect_rc "run --detach in $parent" 0
  threaded=$(echo $OUT)
  log "$parent delegates: $(cat "$parent/cgroup.subtree_control")"

  # The runtime below the mount's root: the container goes beside its cgroup, with the whole
  # tree on /sys/fs/cgroup and with $parent bound there.
  sh_args "$probe"
  id=$(newid beside)
  track "$id"
  in_subtree "$inner" "$tree" "\$RT run --bundle $B $id"
  expect_rc "run in $inner" 0
  expect_eq "the container's cgroup, /dev/kmsg, /dev/null" "$(echo $OUT)" "0::${parent#"$tree"}/$id kmsg-refused null-opened"
  id=$(newid beside-bound)
  track "$id"
  in_subtree "$inner" "$parent" "\$RT run --bundle $B $id"
  expect_rc "run in $inner, $parent bound" 0
  local beside_bound=$OUT

  # runc 1.1.5 takes /proc/self/cgroup's path as if the whole tree were mounted (so under the
  # bound $parent it makes <parent>/<parent's path>/<id>, and leaves <parent's path>), and reads
  # cgroup.procs, which a threaded cgroup refuses (its ps and kill --all fail there): checked for
  # rong only.
  [ "$RT_KIND" = rong ] || { log "runc: $beside_bound; $threaded"; return 0; }
  # The runtime's own cgroup named as the bound mount shows it (/<inner's name>) is refused, as
  # the whole tree's path would be: the container's device rules would hold the runtime itself.
  cfg ".linux.cgroupsPath = \"/${inner##*/}\""
  own=$(newid own)
  track "$own"
  in_subtree "$inner" "$parent" "\$RT run --bundle $B $own"
  expect_rc "run with the runtime's own cgroup as cgroupsPath ($parent bound)" 1
  expect_match "the error" "$ERR" "cgroupsPath /${inner##*/}: /sys/fs/cgroup/${inner##*/} is the runtime's own cgroup or one of its ancestors"
  # The whole tree bound, and the runtime in a cgroup namespace of its own rooted at $inner: it
  # is somewhere below the mount, by no name. Placed beside "/" (the host's root), the container
  # would land where nothing asked; an existing absolute path could be the runtime's own cgroup.
  cfg 'del(.linux.cgroupsPath)'
  in_subtree "$inner" "$tree" "\$RT run --bundle $B $own" cgroupns
  expect_rc "run without cgroupsPath in a cgroup namespace, the whole tree bound" 1
  expect_match "the error" "$ERR" "the runtime's cgroup / cannot be found below /sys/fs/cgroup \(which shows the cgroup /\.\./\.\.\), so a relative path has no place there"
  cfg ".linux.cgroupsPath = \"${inner#"$tree"}\""
  in_subtree "$inner" "$tree" "\$RT run --bundle $B $own" cgroupns
  expect_rc "run with the runtime's cgroup as cgroupsPath, in a cgroup namespace" 1
  expect_match "the error" "$ERR" "/sys/fs/cgroup${inner#"$tree"} exists, and the runtime's cgroup / cannot be found below"
  rmdir "$inner" "$parent" || fail "$parent left non-empty: $(find "$parent" -mindepth 1 -type d)"
  expect_eq "the container's cgroup ($parent bound)" "$(echo $beside_bound)" "0::${parent#"$tree"}/$id kmsg-refused null-opened"
  expect_match "type, ps, the cgroup after delete" "$threaded" '^(domain|threaded) \[[0-9]+\] cgroup-gone$'
}

# A 64 MiB allocation under memory.max 16 MiB (no swap) is killed by the OOM killer: exit 137.
t_cgroup_v2_oom() {
  need_v2 memory
  cfg '.linux.resources.memory = {limit: 16777216, swap: 16777216}'
  set_args dd if=/dev/zero of=/dev/null bs=64M count=1
  run_fg "$(newid)"
  expect_rc "run of dd bs=64M under memory.max 16 MiB" 137
  cfg '.linux.resources.memory = {limit: 134217728, swap: 134217728}'
  run_fg "$(newid b)"
  expect_rc "run of dd bs=64M under memory.max 128 MiB" 0
}

# pids.max stops a fork bomb (every process forks two more, then sleeps): the cgroup never holds
# more than the limit, and pids.events counts the forks refused; kill --all ends it.
t_cgroup_v2_fork_bomb() {
  local id n i dir
  id=$(newid)
  need_v2 pids
  cfg '.linux.resources.pids = {limit: 10}'
  # the init starts the bomb and becomes a sleep: it never forks again, so it stays up
  sh_args 'echo ready; (b() { b & b & sleep 1000; }; b) 2>/dev/null & exec sleep 1000'
  create_c "$id"
  [ "$RC" = 0 ] || fail "create failed: $ERR"
  PID=$(pid_of "$id")
  track_pid "$PID"
  dir=$(v2dir "$PID")
  rtc start "$id"
  wait_grep "$T/$id.out" '^ready$'
  for ((i = 0; i < 100; i++)); do
    n=$(sed -nE 's/^max ([0-9]+)$/\1/p' "$dir/pids.events")
    [ "${n:-0}" -gt 0 ] && break
    sleep 0.1
  done
  [ "${n:-0}" -gt 0 ] || fail "$dir/pids.events: no fork refused ($(cat "$dir/pids.events"))"
  expect_eq "status" "$(status_of "$id")" running
  for ((i = 0; i < 5; i++)); do
    n=$(cat "$dir/pids.current")
    [ "$n" -le 10 ] || fail "pids.current $n over pids.max 10"
    sleep 0.1
  done
  rtc kill --all "$id" KILL
  expect_rc "kill --all" 0
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# pause freezes the cgroup (cgroup.freeze, cgroup.events frozen 1): the counter stops; resume.
t_cgroup_v2_pause_resume() {
  local id n1 n2 n3 dir
  id=$(newid)
  need_v2
  sh_args 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'
  create_c "$id"
  [ "$RC" = 0 ] || fail "create failed: $ERR"
  PID=$(pid_of "$id")
  track_pid "$PID"
  dir=$(v2dir "$PID")
  rtc start "$id"
  wait_grep "$T/$id.out" '^3$'
  rtc pause "$id"
  expect_rc "pause" 0
  expect_eq "status" "$(status_of "$id")" paused
  expect_eq "cgroup.freeze" "$(cat "$dir/cgroup.freeze")" 1
  expect_eq "cgroup.events frozen" "$(sed -n 's/^frozen //p' "$dir/cgroup.events")" 1
  n1=$(wc -l <"$T/$id.out")
  sleep 0.5
  n2=$(wc -l <"$T/$id.out")
  expect_eq "lines written while paused" "$n2" "$n1"
  rtc resume "$id"
  expect_rc "resume" 0
  expect_eq "status after resume" "$(status_of "$id")" running
  expect_eq "cgroup.events frozen after resume" "$(sed -n 's/^frozen //p' "$dir/cgroup.events")" 0
  wait_grep "$T/$id.out" "^$((n2 + 2))\$"
  # delete --force of a paused container kills it all
  rtc pause "$id"
  rtc delete --force "$id"
  expect_rc "delete --force of a paused container" 0
  assert_clean "$id" "$PID"
}

# update changes live limits: a LinuxResources JSON on stdin and the flags; the container sees them.
t_cgroup_v2_update() {
  local id
  id=$(newid)
  need_v2 memory pids cpu
  with_cgroupns
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}'
  start_waiter "$id"
  expect_v2 memory.max 67108864
  rt update --resources - "$id" <<<'{"memory": {"limit": 100663296}}' >"$T/upd.out" 2>&1
  RC=$?
  expect_rc "update --resources - ($(cat "$T/upd.out"))" 0
  expect_v2 memory.max 100663296
  rtc update --pids-limit 17 --cpu-quota 30000 --cpu-period 60000 "$id"
  expect_rc "update --pids-limit --cpu-quota --cpu-period" 0
  expect_v2 pids.max 17
  expect_v2 cpu.max "30000 60000"
  rtc exec "$id" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max
  expect_eq "inside after update" "$(echo $OUT)" "100663296 17 30000 60000"
  # One of quota and period: the other stays as it is (runc), in the one file that holds both.
  rtc update --cpu-period 100000 "$id"
  expect_rc "update --cpu-period" 0
  expect_v2 cpu.max "30000 100000"
  rtc update --cpu-quota 50000 "$id"
  expect_v2 cpu.max "50000 100000"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# events --stats: one JSON object with the v2 numbers; ps --format json: the cgroup's pids.
t_cgroup_v2_events_ps() {
  local id
  id=$(newid)
  need_v2 memory pids cpu
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
  start_waiter "$id"
  rtc events --stats "$id"
  expect_rc "events --stats" 0
  # swap as runc reports it on v2: memory+swap (v1's meaning), and "max" as 2^64-1
  jf "$OUT" .type .id .data.memory.usage.limit .data.pids.limit .data.pids.current '.data.cpu.usage.total > 0' \
    '.data.memory.usage.usage > 0' '.data.memory.swap.limit > 1e19' \
    '.data.memory.swap.usage >= .data.memory.usage.usage'
  expect_eq "type" "${F[0]}" stats
  expect_eq "id" "${F[1]}" "$id"
  expect_eq "memory limit" "${F[2]}" 67108864
  expect_eq "pids limit" "${F[3]}" 50
  expect_eq "pids current" "${F[4]}" "$(cat "$(v2dir "$PID")/pids.current")"
  expect_eq "cpu usage > 0" "${F[5]}" true
  expect_eq "memory usage > 0" "${F[6]}" true
  expect_eq "swap limit (memory.swap.max is max) > 1e19" "${F[7]}" true
  expect_eq "swap usage counts memory" "${F[8]}" true
  # (runc 1.1.5 gives v2's cpuset without the lists; rong the effective ones)
  jf "$OUT" '.data | has("cpuset")' '.data | has("intel_rdt") and has("network_interfaces")' \
    '[.data.hugetlb[] | has("failcnt")] | length > 0 and all' '.data.cpuset.cpus | length > 0'
  expect_eq "cpuset, intel_rdt and network_interfaces, hugetlb failcnt" "${F[*]:0:3}" "true true true"
  [ "$RT_KIND" = runc ] || expect_eq "cpuset.cpus" "${F[3]}" true
  rtc ps --format json "$id"
  expect_rc "ps --format json" 0
  expect_eq "ps pids" "$(jq -c 'sort' <<<"$OUT")" "$(sort -n "$(v2dir "$PID")/cgroup.procs" | jq -sc .)"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# kill --all reaches every process of the cgroup, also one in a sub-cgroup made inside.
t_cgroup_v2_kill_all() {
  local id p pids
  id=$(newid)
  need_v2
  sh_args 'sleep 1000 & sleep 1000 & echo ready; wait'
  start_ready "$id"
  pids=$(cat "$(v2dir "$PID")/cgroup.procs")
  expect_eq "processes" "$(wc -w <<<"$pids")" 3
  rtc kill --all "$id" KILL
  expect_rc "kill --all" 0
  for p in $pids; do pid_gone "$p" || fail "process $p survived kill --all"; done
  wait_status "$id" stopped
  rtc delete "$id"
  expect_rc "delete" 0
  assert_clean "$id" "$PID"
}

# Nothing is left under /sys/fs/cgroup after delete: the container's cgroup, for a nested
# cgroupsPath too (the parents the runtime made may stay, as runc leaves them; not the leaf).
t_cgroup_v2_delete_clean() {
  local id before after
  id=$(newid)
  need_v2 memory pids
  before=$(all_cgroups)
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}'
  start_waiter "$id"
  [ -d "/sys/fs/cgroup/$id" ] || [ -n "$(cgroups_named "$id")" ] || fail "no cgroup named $id while running"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
  after=$(all_cgroups)
  expect_eq "cgroups made and not removed" "$(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')" ""
}

# A nested cgroupsPath under a parent the runtime makes: the parent delegates the controllers to
# the container's cgroup, for the first container and for a second one beside it (whose create
# finds them delegated already)
t_cgroup_v2_nested_delegation() {
  local parent a b pa
  need_v2 memory pids
  parent=/sys/fs/cgroup/$(newid nest)
  a=$(newid a)
  b=$(newid b)
  cfg --arg cg "${parent#/sys/fs/cgroup}/$a" '.linux.cgroupsPath = $cg | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 30}}'
  start_waiter "$a"
  pa=$PID
  expect_eq "first container's cgroup" "$(v2dir "$pa")" "$parent/$a"
  expect_v2 memory.max 67108864
  expect_v2 pids.max 30
  cfg --arg cg "${parent#/sys/fs/cgroup}/$b" '.linux.cgroupsPath = $cg | .linux.resources = {memory: {limit: 33554432}, pids: {limit: 20}}'
  start_waiter "$b"
  expect_eq "second container's cgroup" "$(v2dir "$PID")" "$parent/$b"
  expect_v2 memory.max 33554432
  expect_v2 pids.max 20
  for c in memory pids; do grep -qw "$c" "$parent/cgroup.subtree_control" || fail "$parent does not delegate $c"; done
  rtc delete --force "$a"
  rtc delete --force "$b"
  assert_clean "$a" "$pa"
  assert_clean "$b" "$PID"
  rmdir "$parent" || fail "rmdir $parent"
}

# v2_bad_create ID WHAT: create must fail with an error, and leave no cgroup (nor anything else)
v2_bad_create() {
  local id=$1 what=$2 before after
  before=$(all_cgroups)
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with $what succeeded"
  [ -n "$ERR" ] || fail "create with $what: no error message"
  assert_clean "$id" "" "$id" "$what: "
  after=$(all_cgroups)
  expect_eq "$what: cgroups left" "$(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')" ""
}

# Bad input: one error, no cgroup left: a negative limit, an unknown unified key, a cpuset
# outside the machine's CPUs, a cgroupsPath that climbs out with "..".
t_cgroup_v2_bad_input() {
  local id
  need_v2 memory cpuset
  id=$(newid neg)
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | .linux.resources = {memory: {limit: -5}}'
  v2_bad_create "$id" "memory limit -5"
  id=$(newid unified)
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | .linux.resources = {unified: {"memory.no_such_key": "1"}}'
  v2_bad_create "$id" "unified memory.no_such_key"
  id=$(newid cpus)
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | .linux.resources = {cpu: {cpus: "999"}}'
  v2_bad_create "$id" "cpuset.cpus 999"
}

# cgroupsPath with "..": rong refuses it; runc cleans it (a relative "../x" cannot climb out of
# its parent). Either way nothing appears outside /sys/fs/cgroup and nothing is left.
t_cgroup_v2_dotdot_path() {
  local id before after
  need_v2
  id=$(newid)
  cfg --arg cg "/../../$id" '.linux.cgroupsPath = $cg | del(.linux.resources)'
  before=$(all_cgroups)
  create_c "$id"
  if [ "$RC" = 0 ]; then
    [ "$RT_KIND" = runc ] || fail "create with cgroupsPath /../../$id succeeded"
    PID=$(pid_of "$id")
    expect_eq "the init's cgroup" "$(v2dir "$PID")" "/sys/fs/cgroup/$id"
    rtc delete --force "$id"
    expect_rc "delete --force" 0
  else
    [ -n "$ERR" ] || fail "no error message"
  fi
  assert_clean "$id" "" "$id"
  after=$(all_cgroups)
  expect_eq "cgroups left" "$(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')" ""
}

# exec --cgroup SUB on v2 (no controller prefix): the process runs in a sub-cgroup of the
# container's; a missing one is an error.
t_cgroup_v2_exec_sub_cgroup() {
  local id dir
  id=$(newid)
  need_v2
  start_waiter "$id"
  dir=$(v2dir "$PID")
  mkdir "$dir/sub" || fail "mkdir $dir/sub"
  rtc exec --cgroup sub "$id" cat /proc/self/cgroup
  rmdir "$dir/sub" 2>/dev/null
  expect_rc "exec --cgroup sub" 0
  expect_match "the exec'd process's cgroup" "$OUT" '^0::(/.*)?/sub$'
  rtc exec --cgroup missing "$id" true
  [ "$RC" != 0 ] || fail "exec into a missing sub-cgroup succeeded"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# cgroup_file FILE: the container's ($PID's) cgroup file read from the host, lines joined by '|'
cgroup_file() { paste -sd'|' "$(v2dir "$PID")/$1"; }

# io_dev: MAJOR:MINOR of the VM's test disk (vm/run.sh gives the VM vda, with the BFQ scheduler)
io_dev() {
  [ -r /sys/block/vda/dev ] || skip "no /dev/vda (the disk integration/vm/run.sh gives the VM)"
  cat /sys/block/vda/dev
}

# io: with BFQ on the device (the VM's vda) the blkio weight and weightDevice go to io.bfq.weight
# as they are (without BFQ, runc ignores weightDevice and converts the weight for io.weight);
# throttle*Device are one io.max line per device. Read back from the host and inside;
# update --blkio-weight changes the default weight and keeps the device's.
t_cgroup_v2_io() {
  local id dev maj min weights max
  need_v2 io
  dev=$(io_dev)
  maj=${dev%:*} min=${dev#*:}
  id=$(newid)
  with_cgroupns
  cfg --argjson maj "$maj" --argjson min "$min" '.linux.resources.blockIO = {weight: 200,
    weightDevice: [{major: $maj, minor: $min, weight: 300}],
    throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}],
    throttleWriteBpsDevice: [{major: $maj, minor: $min, rate: 2097152}],
    throttleReadIOPSDevice: [{major: $maj, minor: $min, rate: 120}],
    throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 60}]}'
  start_waiter "$id"
  [ -f "$(v2dir "$PID")/io.bfq.weight" ] || skip "no io.bfq.weight (the bfq module is not loaded)"
  weights="default 200|$dev 300"
  max="$dev rbps=1048576 wbps=2097152 riops=120 wiops=60"
  expect_eq "host io.bfq.weight" "$(cgroup_file io.bfq.weight)" "$weights"
  expect_eq "host io.max" "$(cgroup_file io.max)" "$max"
  rtc exec "$id" sh -c 'paste -sd"|" /sys/fs/cgroup/io.bfq.weight; cat /sys/fs/cgroup/io.max'
  expect_rc "exec cat" 0
  expect_eq "inside: io.bfq.weight, io.max" "$(echo $OUT)" "$weights $max"
  rtc update --blkio-weight 400 "$id"
  expect_rc "update --blkio-weight 400" 0
  expect_eq "host io.bfq.weight after update" "$(cgroup_file io.bfq.weight)" "default 400|$dev 300"
  rtc exec "$id" paste -sd"|" /sys/fs/cgroup/io.bfq.weight
  expect_eq "inside: io.bfq.weight after update" "$OUT" "default 400|$dev 300"
  # A throttle in `update --resources`: rong applies it; runc 1.1.5's update takes only
  # blockIO.weight from the file and leaves io.max as it was.
  rt update --resources - "$id" <<<"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 4096}]}}" >"$T/upd.out" 2>&1
  RC=$?
  expect_rc "update --resources with throttleReadBpsDevice ($(cat "$T/upd.out"))" 0
  [ "$RT_KIND" = runc ] || max="$dev rbps=4096 wbps=2097152 riops=120 wiops=60"
  expect_eq "host io.max after update --resources" "$(cgroup_file io.max)" "$max"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# swap: the spec's swap is memory+swap (v1's meaning); memory.swap.max is swap alone, so memory
# 64 MiB with swap 96 MiB is 32 MiB; update --memory --memory-swap converts the same way, -1 is
# max and memory+swap equal to memory is no swap at all.
t_cgroup_v2_swap() {
  local id
  need_v2 memory
  id=$(newid)
  with_cgroupns
  cfg '.linux.resources.memory = {limit: 67108864, swap: 100663296}'
  start_waiter "$id"
  [ -f "$(v2dir "$PID")/memory.swap.max" ] || skip "no memory.swap.max (the kernel does not account swap)"
  expect_v2 memory.swap.max 33554432
  rtc exec "$id" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
  expect_eq "inside: memory.max, memory.swap.max" "$(echo $OUT)" "67108864 33554432"
  rtc update --memory 50331648 --memory-swap 117440512 "$id"
  expect_rc "update --memory 48M --memory-swap 112M" 0
  expect_v2 memory.max 50331648
  expect_v2 memory.swap.max 67108864
  rtc update --memory-swap -1 "$id"
  expect_rc "update --memory-swap -1" 0
  expect_v2 memory.swap.max max
  rtc update --memory 50331648 --memory-swap 50331648 "$id"
  expect_rc "update --memory-swap equal to --memory" 0
  expect_v2 memory.swap.max 0
  rtc exec "$id" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
  expect_eq "inside after update" "$(echo $OUT)" "50331648 0"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# The swap allowed is used: 48 MiB touched under memory.max 32 MiB survives with 64 MiB of swap
# (the VM swaps to its vdb); t_cgroup_v2_oom shows the same without swap is killed.
t_cgroup_v2_swap_used() {
  need_v2 memory
  [ -n "$(awk 'NR > 1' /proc/swaps)" ] || skip "no swap area is active (/proc/swaps)"
  cfg '.linux.resources.memory = {limit: 33554432, swap: 100663296}'
  set_args dd if=/dev/zero of=/dev/null bs=48M count=1
  run_fg "$(newid)"
  expect_rc "run of dd bs=48M under memory.max 32 MiB and memory.swap.max 64 MiB" 0
}

# cpu.max.burst and cpu.idle (runc 1.2 brought them: 1.1.5 ignores both fields and has no
# --cpu-burst/--cpu-idle, so the test SKIPs where the runtime left both files at 0). A burst
# above the quota in force is taken when the same update raises the quota.
t_cgroup_v2_cpu_burst_idle() {
  local id
  need_v2 cpu
  id=$(newid)
  with_cgroupns
  cfg '.linux.resources.cpu = {quota: 20000, period: 100000, burst: 5000, idle: 1}'
  start_waiter "$id"
  [ -f "$(v2dir "$PID")/cpu.max.burst" ] || skip "no cpu.max.burst (kernel before 5.14)"
  if [ "$(cgroup_file cpu.max.burst) $(cgroup_file cpu.idle)" = "0 0" ]; then
    skip "the runtime ignores linux.resources.cpu.burst and .idle (cpu.max.burst and cpu.idle stay 0)"
  fi
  expect_v2 cpu.max "20000 100000"
  expect_v2 cpu.max.burst 5000
  expect_v2 cpu.idle 1
  rtc exec "$id" cat /sys/fs/cgroup/cpu.max.burst /sys/fs/cgroup/cpu.idle
  expect_eq "inside: cpu.max.burst, cpu.idle" "$(echo $OUT)" "5000 1"
  rtc update --cpu-quota 50000 --cpu-burst 40000 --cpu-idle 0 "$id"
  expect_rc "update --cpu-quota 50000 --cpu-burst 40000 --cpu-idle 0" 0
  expect_v2 cpu.max "50000 100000"
  expect_v2 cpu.max.burst 40000
  expect_v2 cpu.idle 0
  rt update --resources - "$id" <<<'{"cpu": {"burst": 1000, "idle": 1}}' >"$T/upd.out" 2>&1
  RC=$?
  expect_rc "update --resources burst 1000 idle 1 ($(cat "$T/upd.out"))" 0
  rtc exec "$id" cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.max.burst /sys/fs/cgroup/cpu.idle
  expect_eq "inside after update" "$(echo $OUT)" "50000 100000 1000 1"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# The realtime settings have no v2 file: warned about and ignored at create and update, as runc
# 1.1 ignores them (rong refused the create before); the rest of the cpu settings still apply.
t_cgroup_v2_realtime_ignored() {
  local id
  need_v2 cpu
  id=$(newid)
  cfg '.linux.resources.cpu = {quota: 20000, period: 100000, realtimeRuntime: 1000, realtimePeriod: 1000000}'
  start_waiter "$id"
  [ "$RT_KIND" = runc ] || expect_match "the warning at create" "$(cat "$T/$id.err")" "realtime.*ignored"
  expect_v2 cpu.max "20000 100000"
  rtc update --cpu-rt-runtime 2000 --cpu-quota 30000 "$id"
  expect_rc "update --cpu-rt-runtime 2000 --cpu-quota 30000" 0
  expect_v2 cpu.max "30000 100000"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$PID"
}

# rdma: the VM has no RDMA device, so no limit can be set or read back; rdma.max and
# rdma.current list devices and are empty. A limit on a device the kernel does not have fails
# the create (the kernel says ENODEV) with an error naming it, and leaves no cgroup.
t_cgroup_v2_rdma() {
  local id
  need_v2 rdma
  [ -z "$(ls /sys/class/infiniband 2>/dev/null)" ] || skip "this kernel has RDMA devices: $(ls /sys/class/infiniband)"
  id=$(newid)
  start_waiter "$id"
  expect_eq "host rdma.max, rdma.current with no RDMA device" "$(cgroup_file rdma.max)/$(cgroup_file rdma.current)" "/"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
  id=$(newid bad)
  cfg --arg cg "/$id" '.linux.cgroupsPath = $cg | .linux.resources.rdma = {"mlx4_0": {hcaHandles: 3, hcaObjects: 100}}'
  v2_bad_create "$id" "rdma limit on a missing device mlx4_0"
  expect_match "the error names the device" "$ERR" 'mlx4_0.*(no such device|No such device)'
}
