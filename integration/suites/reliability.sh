# Reliability (issue 8): broken bundles, commands on unknown containers, a runtime killed in the
# middle of create (at random moments, and at each named fault point with rong-faults), and
# concurrency. Sourced by run.sh; every t_* function here is a test like those in run.sh.
#
# Each case must end the same way: one short error, exit 1, and nothing left (state, mounts,
# cgroups, processes). Where rong is stricter than runc, the test says so and why.
#
# Counts: RELIABILITY_FULL=1 runs the full concurrency figures of the issue (8 workers, 200
# containers, 30 kills of create); the default is a bounded variant that keeps CI fast.

if [ -n "${RELIABILITY_FULL:-}" ]; then
  REL_WORKERS=8 REL_PER_WORKER=25 REL_KILLS=30
else
  REL_WORKERS=4 REL_PER_WORKER=3 REL_KILLS=8
fi

# Every runtime process a test starts carries this marker in its environment; a container init is
# a clone (rong) or a child (runc init) of it and keeps the marker until it execs the container's
# process. A process that still has it after the test's runtime calls ended is a leak.
marker_env() { echo "RONG_IT_MARKER=$TOKEN"; }
marked_procs() {
  local p st out=
  for p in /proc/[0-9]*; do
    grep -qz "^RONG_IT_MARKER=$TOKEN\$" "$p/environ" 2>/dev/null || continue
    st=$(sed 's/^.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f1)
    [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ] || out+=" ${p#/proc/}"
  done
  echo "$out"
}
# no_marked_procs CONTEXT: waits up to 3 s for marked processes to go
no_marked_procs() {
  local i left
  for ((i = 0; i < 30; i++)); do
    left=$(marked_procs)
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  fail "$1: runtime processes left:$left ($(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo -n '; '; done))"
}

# fds_of PID FILE: its open fds and what each points to, one "fd -> target" a line, into FILE.
# (find, forked with its own redirection: the caller's fd table stays as it is while it is read)
fds_of() { find "/proc/$1/fd" -mindepth 1 -printf '%f -> %l\n' >"$2" 2>/dev/null; }

# fds_into DIR...: the fds of any process on something under a DIR
fds_into() {
  local d args=()
  for d in "$@"; do args+=(${args[0]:+-o} -lname "$d" -o -lname "$d/*"); done
  find /proc/[0-9]*/fd -mindepth 1 \( "${args[@]}" \) -printf '%p -> %l\n' 2>/dev/null
}

# The reference for the corpus: runc, when the suite runs another runtime and runc is installed.
REF_RUNC=
[ "$RT_KIND" = runc ] || REF_RUNC=$(command -v runc 2>/dev/null)

# first_line FILE: the error a runtime printed (the message of its first line, 110 bytes at most)
first_line() { head -n1 "$1" 2>/dev/null | sed -E 's/^time="[^"]*" level=[a-z]+ msg=//' | cut -c1-110; }

# corpus_row ID WHAT RONG-RC RONG-ERR-FILE STRICTER: the same case against runc (in a root of its
# own, once rong's attempt is gone), and one row of the side-by-side table, in the test log and in
# $WORK/broken-corpus.txt (KEEP=1 keeps it):
#   what | rong: exit, error | runc: exit, error | "same", or "rong stricter: why"
# A case where runc behaves otherwise and the test does not say why rong is stricter fails.
corpus_row() {
  local id=$1 what=$2 rc=$3 errf=$4 stricter=$5 rrc rroot note
  [ -n "$REF_RUNC" ] || return 0
  rroot=$T/runc-root
  mkdir -p "$rroot"
  env "$(marker_env)" timeout -k 2 "$RT_TIMEOUT" "$REF_RUNC" --root "$rroot" create --bundle "$B" "$id" \
    </dev/null >"$T/ref.out" 2>"$T/ref.err"
  rrc=$?
  timeout -k 2 "$RT_TIMEOUT" "$REF_RUNC" --root "$rroot" delete --force "$id" >/dev/null 2>&1
  # runc 1.1.5 may leave the cgroup of a create that failed after it made it
  find /sys/fs/cgroup -maxdepth 6 -depth -type d -name "$id" -exec rmdir {} \; 2>/dev/null
  no_marked_procs "$what (runc)"
  if [ "$rrc" = "$rc" ]; then note=same
  elif [ -n "$stricter" ] && [ "$rrc" = 0 ]; then note="rong stricter: $stricter"
  else note="DIFFERS"
  fi
  printf '%s | rong: %s, %s | runc: %s, %s | %s\n' "$what" "$rc" "$(first_line "$errf")" "$rrc" \
    "$(first_line "$T/ref.err")" "$note" | tee -a "$WORK/broken-corpus.txt" | sed 's/^/  corpus: /'
  [ "$note" != DIFFERS ] || fail "$what: rong exits $rc, runc $rrc ($(first_line "$T/ref.err")): not runc's behaviour"
}

# broken ID WHAT [RUNC-DIFFERS]: create must fail with exit 1 and one short error, logged in runc's
# json log format, and leave nothing: no state, mount, cgroup or process, no fd anywhere on the
# bundle or the state root, and the calling shell (a long-lived caller, as a shim is) keeps exactly
# the fds it had. RUNC-DIFFERS: why rong refuses what runc accepts (the test then expects runc to
# create the container, and deletes it). Against rong, each case is also run against runc and
# tabled side by side (corpus_row).
broken() {
  local id=$1 what=$2 stricter=${3:-} f last held me=$BASHPID
  f=$(fname "$id")
  f=${f:0:100}
  track "$id"
  fds_of "$me" "$T/fds.before"
  env "$(marker_env)" timeout -k 2 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" --log "$T/$f.log" --log-format json \
    create --bundle "$B" "$id" </dev/null >"$T/$f.out" 2>"$T/$f.err"
  RC=$?
  ERR=$(cat "$T/$f.err")
  CREATE_ERR=$ERR  # (ERR is state's, later)
  printf '  %s: rc=%s err=%s\n' "$what" "$RC" "$ERR"
  fds_of "$me" "$T/fds.after"
  cmp -s "$T/fds.before" "$T/fds.after" ||
    fail "$what: the calling shell's fds changed: $(diff "$T/fds.before" "$T/fds.after" | grep '^[<>]' | tr '\n' ';')"
  if [ -n "$stricter" ] && [ "$RT_KIND" = runc ]; then
    expect_rc "runc accepts $what ($stricter)" 0
    rtc delete --force "$id"
    assert_clean "$id" "" "" "$what (runc): "
    return
  fi
  expect_rc "$what" 1
  [ -n "$ERR" ] || fail "$what: nothing on stderr"
  [ "$(wc -l <"$T/$f.err")" -le 2 ] || fail "$what: more than 2 lines on stderr: $(head -c 300 <<<"$ERR")"
  [ "${#ERR}" -le 700 ] || fail "$what: error longer than 700 bytes: $(head -c 300 <<<"$ERR")"
  last=$(tail -n1 "$T/$f.log" 2>/dev/null)
  [ "$(jq -r .level <<<"$last" 2>/dev/null)" = error ] || fail "$what: last log line is not a json error: '$last'"
  [ -n "$(jq -r '.msg // empty' <<<"$last" 2>/dev/null)" ] || fail "$what: the log's error has no msg: '$last'"
  rtc state "$id"
  expect_rc "state after $what" 1
  expect_match "state after $what" "$ERR" "does not exist|too long"
  assert_clean "$id" "" "" "$what: "
  no_marked_procs "$what"
  held=$(fds_into "$ROOT" "$B")
  [ -z "$held" ] || fail "$what: fds left on the state root or the bundle: $(head -n3 <<<"$held" | tr '\n' ';')"
  corpus_row "$id" "$what" 1 "$T/$f.err" "$stricter"
}

# ---------------------------------------------------------------- broken bundles
# (t_bad_* in run.sh cover a malformed or missing config.json, a missing rootfs, a missing binary,
# a second create of an id and ids with / or ..; these are the rest of issue 8's corpus)

t_broken_wrong_types() {
  cfg '.process.args = "sh"'
  broken "$(newid args)" "process.args a string"
  cfg '.process.args = ["true"] | .process.user.uid = "x"'
  broken "$(newid uid)" "process.user.uid a string"
  cfg '.process.user.uid = 0 | .mounts = {}'
  broken "$(newid mounts)" "mounts an object"
}

t_broken_rootfs_not_dir() {
  cfg '.root.path = "config.json"'
  broken "$(newid)" "root.path a regular file"
}

t_broken_relative_cwd() {
  cfg '.process.cwd = "tmp"'
  broken "$(newid)" "a relative process.cwd"
}

t_broken_namespaces() {
  cfg '.linux.namespaces += [{type: "bogus"}]'
  broken "$(newid bogus)" "an unknown namespace type"
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg '.linux.namespaces += [{type: "pid"}]'
  broken "$(newid dup)" "a duplicate namespace"
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg '.linux.namespaces += [{type: "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
  broken "$(newid userns)" "a user namespace without mappings"
  # the kernel refuses the whole map ("write /proc/PID/uid_map: Invalid argument"): the error
  # names the entry
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg '.linux.namespaces += [{type: "user"}] |
       .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 100}, {containerID: 50, hostID: 300000, size: 1}] |
       .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 100}]'
  broken "$(newid overlap)" "overlapping uid mappings"
  [ "$RT_KIND" = runc ] || expect_match "the error" "$CREATE_ERR" 'uidMappings\[1\]: overlaps uidMappings\[0\]'
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg '(.linux.namespaces[] | select(.type == "network")) += {path: "/no/such/netns"}'
  broken "$(newid nsmissing)" "a namespace path that does not exist"
  [ "$RT_KIND" = runc ] || expect_match "the error" "$CREATE_ERR" 'linux.namespaces\[network\].path: open /no/such/netns: No such file'
}

t_broken_seccomp_action() {
  cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_BOGUS"}'
  broken "$(newid default)" "an unknown seccomp defaultAction"
  cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOPE"}]}'
  broken "$(newid rule)" "an unknown seccomp rule action"
}

t_broken_bind_missing_source() {
  cfg '.mounts += [{destination: "/mnt", type: "bind", source: "/no/such/source", options: ["bind"]}]'
  broken "$(newid)" "a bind mount from a missing source"
  # no source at all: said so, not "stat bind source : No such file or directory" (runc accepts it)
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg '.mounts += [{destination: "/mnt", type: "bind", options: ["bind"]}]'
  broken "$(newid nosource)" "a bind mount without a source" "runc 1.1.5 accepts it"
  [ "$RT_KIND" = runc ] || expect_match "the error" "$CREATE_ERR" '\(/mnt\): a bind mount needs a source'
}

t_broken_hooks() {
  cfg '.hooks.prestart = [{path: "/no/such/hook"}]'
  broken "$(newid missing)" "a prestart hook that does not exist"
  cfg '.hooks.prestart = [{path: "/bin/false"}]'
  broken "$(newid fails)" "a prestart hook that fails"
  cfg '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
  broken "$(newid hangs)" "a createRuntime hook past its timeout"
  expect_match "the hook's timeout" "$(cat "$T/$(fname "$(newid hangs)").err")" "timeout|timed out"
  cfg '.hooks = {createContainer: [{path: "/bin/false"}]}'
  broken "$(newid cc)" "a createContainer hook that fails"
}

t_broken_limits() {
  cfg '.linux.resources.memory = {limit: "lots"}'
  broken "$(newid nonnum)" "a non-numeric memory limit"
  cfg '.linux.resources.memory = {limit: 1000000} | .linux.resources.cpu = {shares: -1}'
  broken "$(newid shares)" "negative cpu shares"
  cfg '.linux.resources = {memory: {limit: -5}}'
  broken "$(newid memneg)" "a negative memory limit (not -1)"
  cfg '.linux.resources = {cpu: {quota: "x"}}'
  broken "$(newid quota)" "a non-numeric cpu quota"
}

t_broken_long_id() {
  local id
  id=$(printf 'a%.0s' {1..300})
  broken "$id" "an id longer than a file name may be"
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT")"
}

# the same broken bundle twice in a row: the first failure left nothing to trip the second
t_broken_twice() {
  cfg '.mounts += [{destination: "/mnt", type: "bind", source: "/no/such/source", options: ["bind"]}]'
  broken "$(newid)" "a bind from a missing source"
  broken "$(newid)" "the same create again"
}

# ---------------------------------------------------------------- unknown containers

t_unknown_container_commands() {
  local id cmd
  id=$(newid nosuch)
  for cmd in start kill delete state pause resume ps events "update --memory 100000000"; do
    # shellcheck disable=SC2086
    rtc $cmd "$id"
    expect_rc "$cmd of an unknown container" 1
    expect_match "$cmd of an unknown container" "$ERR" "does not exist"
  done
  # the container is looked up before the signal, as runc
  rtc kill "$id" NOSUCHSIGNAL
  expect_rc "kill of an unknown container with an unknown signal" 1
  expect_match "kill of an unknown container with an unknown signal" "$ERR" "does not exist"
  # runc 1.1.5: every exec failure exits 255
  rtc exec "$id" true
  expect_rc "exec in an unknown container" 255
  expect_match "exec in an unknown container" "$ERR" "does not exist"
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT")"
}

# ---------------------------------------------------------------- a runtime killed during create

# SIGKILL of create at random moments: afterwards either the state names the init (created, or
# stopped) or no process of it runs; `delete --force` then leaves nothing.
t_killed_create() {
  local i id pid st delay
  sh_args "$WAITER"
  for ((i = 0; i < REL_KILLS; i++)); do
    id=$(newid "k$i")
    track "$id"
    env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >/dev/null 2>"$T/k.err" &
    pid=$!
    # 0-40 ms: across parsing, the cgroup, the clone and the init's setup on this machine
    delay=$((RANDOM % 41))
    sleep "0.0$(printf '%02d' "$delay")"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    st=$(status_of "$id")
    log "kill after ${delay} ms: status '$st'"
    case $st in
      # stopped: killed between the state write and the handover, the init exited (EOF)
      created | stopped) ;;
      "") no_marked_procs "create killed after ${delay} ms, no state" ;;
      *) fail "create killed after ${delay} ms: status '$st'" ;;
    esac
    rtc delete --force "$id"
    expect_rc "delete --force after create was killed at ${delay} ms" 0
    if [ "$RT_KIND" = runc ]; then
      # rong is stricter: runc 1.1.5 leaves the cgroup of a create killed after it made it (no
      # record of it survives; rong writes creating.json first). The test's cleanup removes it.
      assert_clean "$id" "" "no-cgroup-check" "create killed after ${delay} ms: "
    else
      assert_clean "$id" "" "" "create killed after ${delay} ms: "
    fi
    no_marked_procs "create killed after ${delay} ms, deleted"
  done
}

# What a create killed before it saved the state leaves: a state directory without state.json
# (empty, or with a torn creating.json or state.json.tmp). list and state do not see it; delete
# removes it, and says "does not exist" unless forced (runc 1.1.5 does the same).
t_state_dir_half_written() {
  local a b
  a=$(newid empty) b=$(newid torn)
  mkdir "$ROOT/$a" "$ROOT/$b"
  echo '{"id": "torn", "pi' >"$ROOT/$b/creating.json"
  echo '{"id": "torn", "pi' >"$ROOT/$b/state.json.tmp"
  rtc list --format json
  expect_rc "list" 0
  expect_eq "list" "$OUT" null
  rtc list
  expect_rc "list (table)" 0
  [ "$(wc -l <<<"$OUT")" = 1 ] || fail "list shows the half-made containers: $OUT"
  rtc state "$b"
  expect_rc "state of a half-made container" 1
  expect_match "state of a half-made container" "$ERR" "does not exist"
  rtc delete "$a"
  expect_rc "delete of a half-made container" 1
  expect_match "delete of a half-made container" "$ERR" "does not exist"
  [ ! -e "$ROOT/$a" ] || fail "delete left the directory of a half-made container"
  rtc delete --force "$b"
  expect_rc "delete --force of a half-made container" 0
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT")"
}

# ---------------------------------------------------------------- fault points (rong-faults)

# Every named point of create, start and delete (src/base/phase.hpp); cgroup-devices, reached on
# cgroup v2 without createContainer hooks, is in faults_run_points there. A rong built without fault
# injection (the release binary) ignores RONG_FAULT: these tests need build/rong-faults.
FAULT_CREATE_POINTS="parse state-dir cgroup clone cgroup-v1 init-namespaces init-rootfs-bind
  init-mounts-before-cgroup init-wait-cgroup init-mounts init-hooks init-pivot init-finish init-process
  init-ready state-write committed"

need_faults() {
  [ "$RT_KIND" = rong ] || skip "fault injection is rong's (runc has no such switch)"
  [ "$(basename "$RUNTIME")" = rong-faults ] || skip "needs rong with fault injection: RUNTIME=build/rong-faults"
}

# after_fault ID POINT: the fault fired; list and state do not crash; delete --force removes all
after_fault() {
  local id=$1 point=$2 out
  expect_match "stderr at fault $point" "$ERR" "fault injected at $point"
  rt list --format json </dev/null >"$T/list.out" 2>"$T/list.err"
  RC=$?
  [ "$RC" = 0 ] || fail "list after fault $point: exit $RC: $(cat "$T/list.err")"
  out=$(cat "$T/list.out")
  [ "$out" = null ] || jq -e 'type == "array"' "$T/list.out" >/dev/null || fail "list after fault $point: not JSON: $out"
  rtc state "$id"
  [ "$RC" -lt 2 ] || fail "state after fault $point: exit $RC (crash?)"
  [ "$RC" = 1 ] || jq -e .status "$T/rtc.out" >/dev/null || fail "state after fault $point: not JSON: $OUT"
  rtc delete --force "$id"
  expect_rc "delete --force after fault $point" 0
  assert_clean "$id" "" "" "fault $point: "
  no_marked_procs "fault $point"
}

# fault_one COMMAND POINT ID: `COMMAND --bundle $B ID` (create or run) with a fault at POINT must
# fail there, and leave what after_fault can inspect and remove.
fault_one() {
  local cmd=$1 point=$2 id=$3
  track "$id"
  env "$(marker_env)" RONG_FAULT="$point" timeout -k 2 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" \
    "$cmd" --bundle "$B" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err"
  RC=$?
  ERR=$(cat "$T/$id.err")
  log "$cmd fault $point: rc=$RC err=$ERR"
  [ "$RC" != 0 ] || fail "$cmd with a fault at $point succeeded"
  after_fault "$id" "$point"
}

t_faults_create_points() {
  local point
  need_faults
  sh_args "$WAITER"
  # a prestart hook, so that the init stops for the parent's hooks too
  cfg '.hooks = {prestart: [{path: "/bin/true"}], createContainer: [{path: "/bin/true"}]}'
  for point in $FAULT_CREATE_POINTS; do fault_one create "$point" "$(newid "$point")"; done
}

t_faults_start_delete_points() {
  local point id
  need_faults
  sh_args "$WAITER"
  for point in start-exec start-hooks delete-kill delete-cgroup delete-state; do
    id=$(newid "$point")
    create_c "$id"
    expect_rc "create for $point" 0
    if [[ $point == start-* ]]; then
      RONG_FAULT=$point rtc start "$id"
    else
      rtc start "$id"
      expect_rc "start for $point" 0
      RONG_FAULT=$point rtc delete --force "$id"
    fi
    [ "$RC" != 0 ] || fail "$point: the command with the fault succeeded"
    after_fault "$id" "$point"
  done
}

# `run` starts and deletes its container without exec.fifo and without reading its state back
# (container/launch.cpp): killed at any of those points, it still leaves nothing that delete
# --force cannot remove.
t_faults_run_points() {
  local point points="committed start-exec start-hooks delete-kill delete-cgroup delete-state"
  need_faults
  sh_args 'echo ran'
  cfg '.hooks = {poststart: [{path: "/bin/true"}], poststop: [{path: "/bin/true"}]}'
  # and those of the cgroup set-up that overlaps the init's: v2's device filter, v1's cgroups
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    points="cgroup-devices $points"
  else
    points="cgroup-v1 init-wait-cgroup $points"
  fi
  for point in $points; do
    fault_one run "$point" "$(newid "run-$point")"
  done
}

# `run` sends its init C and X before R (container/launch.cpp) and publishes the state only after
# it: killed in between, it leaves the container's process running and creating.json, whose cgroup
# delete --force must empty and remove.
t_faults_run_before_publication() {
  need_faults
  sh_args "$WAITER"
  fault_one run init-ready "$(newid run-init-ready)"
}

# ---------------------------------------------------------------- concurrency

# W workers, each creating, starting, inspecting, killing and deleting its containers one after
# another, while readers list and inspect all the time. Every call must succeed, every list must be
# valid JSON, and nothing may be lost or left (state, cgroups, processes, the caller's fds).
t_concurrent_lifecycles() {
  local w r fds_before fds_after pids=() readers=() bad me=$BASHPID
  sh_args "$WAITER"
  fds_before=$(ls "/proc/$me/fd" | wc -l)
  worker() {
    local w=$1 i id st
    for ((i = 0; i < REL_PER_WORKER; i++)); do
      id=$(newid "w$w-$i")
      env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >/dev/null 2>>"$T/w$w.err" ||
        { echo "create $id failed" >>"$T/w$w.fail"; continue; }
      "$RUNTIME" --root "$ROOT" start "$id" 2>>"$T/w$w.err" || echo "start $id failed" >>"$T/w$w.fail"
      st=$("$RUNTIME" --root "$ROOT" state "$id" 2>>"$T/w$w.err" | jq -r .status)
      [ "$st" = running ] || echo "state $id: '$st'" >>"$T/w$w.fail"
      "$RUNTIME" --root "$ROOT" kill "$id" KILL 2>>"$T/w$w.err" || echo "kill $id failed" >>"$T/w$w.fail"
      for _ in $(seq 50); do
        st=$("$RUNTIME" --root "$ROOT" state "$id" 2>/dev/null | jq -r .status)
        [ "$st" = stopped ] && break
        sleep 0.1
      done
      "$RUNTIME" --root "$ROOT" delete "$id" 2>>"$T/w$w.err" || echo "delete $id failed" >>"$T/w$w.fail"
    done
  }
  reader() {
    local r=$1 out id
    while [ ! -e "$T/stop" ]; do
      # runc 1.1.5's list fails now and then when a delete removes a directory while it reads
      # the root (seen once in CI): recorded for runc, required of rong.
      out=$("$RUNTIME" --root "$ROOT" list --format json 2>"$T/r$r.list.err") ||
        echo "list failed: $(head -c 200 "$T/r$r.list.err")" >>"$T/r.$([ "$RT_KIND" = runc ] && echo runc || echo fail)"
      [ "$out" = null ] || jq -e 'type == "array"' <<<"$out" >/dev/null 2>&1 || echo "list: not JSON: $out" >>"$T/r.fail"
      for id in $(jq -r '.[]?.id' <<<"$out" 2>/dev/null); do
        # a container may go between the list and the state: that is the only error allowed
        out=$("$RUNTIME" --root "$ROOT" state "$id" 2>"$T/r$r.state.err")
        if [ $? = 0 ]; then
          jq -e .status <<<"$out" >/dev/null 2>&1 || echo "state $id: not JSON: $out" >>"$T/r.fail"
        else
          grep -q "does not exist" "$T/r$r.state.err" || echo "state $id: $(cat "$T/r$r.state.err")" >>"$T/r.fail"
        fi
      done
    done
  }
  for ((r = 0; r < 2; r++)); do reader "$r" & readers+=($!); done
  for ((w = 0; w < REL_WORKERS; w++)); do worker "$w" & pids+=($!); done
  wait "${pids[@]}"
  touch "$T/stop"
  wait "${readers[@]}"
  [ ! -e "$T/r.runc" ] || log "runc list failures: $(head -n 3 "$T/r.runc" | tr '\n' ';')"
  bad=$(cat "$T"/w*.fail "$T"/r.fail 2>/dev/null | head -n 5)
  [ -z "$bad" ] || fail "$(tr '\n' ';' <<<"$bad") (stderr: $(cat "$T"/w*.err 2>/dev/null | head -c 300))"
  [ -z "$(ls -A "$ROOT")" ] || fail "state root not empty: $(ls -A "$ROOT" | head)"
  [ -z "$(cgroups_named "$TOKEN-*")" ] || fail "cgroups left: $(cgroups_named "$TOKEN-*" | head -n3)"
  no_marked_procs "after the workers"
  fds_after=$(ls "/proc/$me/fd" | wc -l)
  expect_eq "open fds of the calling shell" "$fds_after" "$fds_before"
}

# 8 creates of one id at once: exactly one wins, the others fail with "exists"; the winner is intact
t_concurrent_create_same_id() {
  local id i pids=() ok=0 pid
  id=$(newid)
  track "$id"
  sh_args "$WAITER"
  for ((i = 0; i < 8; i++)); do
    env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >/dev/null 2>"$T/c$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      ok=$((ok + 1))
    else
      # runc 1.1.5 may fail a loser with "no such file or directory" (a loser removes the state
      # directory it did not make, under another loser); rong's losers always say "exists"
      [ "$RT_KIND" = runc ] || grep -q "exists" "$T/c$i.err" || fail "a losing create: '$(cat "$T/c$i.err")', want 'exists'"
    fi
  done
  if [ "$RT_KIND" = runc ]; then
    # rong is stricter: a losing runc 1.1.5 create may remove the winner's state directory (its
    # cleanup destroys the directory of the id it failed to create) before the winner is done,
    # so the winner fails too (none won), its init runs with no state, or a later create finds
    # the id free and wins a second time (seen once in CI). Kill what is left and stop here.
    grep -l -- "/$id\$" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | xargs -r kill -9 2>/dev/null
    rtc delete --force "$id"
    [ "$ok" -le 1 ] || skip "runc 1.1.5 lets $ok racing creates of one id win (a loser removes the winner's state directory)"
    return 0
  fi
  expect_eq "creates that won" "$ok" 1
  expect_eq "status of the winner" "$(status_of "$id")" created
  pid=$(pid_of "$id")
  [ -d "/proc/$pid" ] || fail "the winner's init $pid is gone"
  expect_eq "containers listed" "$(rt list -q)" "$id"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$pid"
  no_marked_procs "after racing creates"
}

# A create held right after its mkdir (strace delays it), a delete --force that removes the
# empty directory meanwhile, and another create of the id that makes it anew and wins: the held
# create then locks the winner's directory. It must say "exists" and leave the winner alone; it
# took the directory over, failed, and its cleanup removed the winner's state, leaving its init
# and cgroups where delete --force could not reach them.
t_create_takes_no_other_directory() {
  local id pid held
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 stats, then makes the directory: racing creates of one id break it"
  command -v strace >/dev/null || skip "needs strace"
  id=$(newid)
  track "$id"
  sh_args "$WAITER"
  env "$(marker_env)" strace -f -o /dev/null -e trace=mkdir -e inject=mkdir:delay_exit=1000000:when=1 \
    "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >/dev/null 2>"$T/held.err" &
  held=$!
  sleep 0.3
  rtc delete --force "$id"
  expect_rc "delete --force of the held create's directory" 0
  create_c "$id"
  expect_rc "the second create" 0
  pid=$(pid_of "$id")
  wait "$held" && fail "the held create succeeded too"
  expect_match "the held create's error" "$(cat "$T/held.err")" "exists"
  expect_eq "status of the winner" "$(status_of "$id")" created
  [ -d "/proc/$pid" ] || fail "the winner's init $pid is gone"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  assert_clean "$id" "$pid"
}

# start holds the container's lock only until the init is let go: a delete --force while its
# poststart hook runs (or while it waits for the process's READY=1) goes ahead. It waited for the
# hook; with one that never ends, forever.
t_start_lets_go_before_poststart() {
  local id t0 took
  id=$(newid)
  sh_args "$WAITER"
  cfg '.hooks = {poststart: [{path: "/bin/sleep", args: ["sleep", "5"]}]}'
  create_c "$id"
  expect_rc "create" 0
  track_pid "$(pid_of "$id")"
  rt start "$id" </dev/null >/dev/null 2>&1 &
  sleep 0.5
  t0=$(date +%s%N)
  rtc delete --force "$id"
  took=$(( ($(date +%s%N) - t0) / 1000000 ))
  expect_rc "delete --force during the poststart hook" 0
  [ "$took" -lt 3000 ] || fail "delete --force waited ${took} ms for start's poststart hook"
  wait
  assert_clean "$id"
}

# A file in the state directory that rong does not know (another tool's, an older version's)
# does not make delete fail, again and again once state.json is gone: it goes with the directory
t_delete_removes_unknown_files() {
  local id
  id=$(newid)
  sh_args "$WAITER"
  create_c "$id"
  expect_rc "create" 0
  track_pid "$(pid_of "$id")"
  touch "$ROOT/$id/stray"
  mkdir "$ROOT/$id/stray-dir"
  rtc delete --force "$id"
  expect_rc "delete --force" 0
  rtc delete --force "$id"
  expect_rc "delete --force again" 0
  assert_clean "$id"
}

# Under umask 077 the state directory is 0700: the init of a container whose process is not
# root must still reach exec.fifo (it reopens its own fd of it, as runc's does); it failed with
# "open exec fifo: Permission denied", and start said the container had stopped
t_create_under_umask_077_non_root() {
  local id
  id=$(newid)
  sh_args "$WAITER"
  cfg '.process.user = {uid: 1000, gid: 1000}'
  (umask 077; env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >"$T/c.out" 2>"$T/c.err")
  expect_eq "create under umask 077 (err: $(cat "$T/c.err"))" "$?" 0
  track "$id"
  track_pid "$(pid_of "$id")"
  rtc start "$id"
  expect_rc "start" 0
  expect_eq "status" "$(status_of "$id")" running
  rtc delete --force "$id"
  assert_clean "$id"
}

# 8 deletes of one running container at once: all succeed (forced: a gone container is no error
# for runc either), and nothing is left
t_concurrent_delete() {
  local id i pids=() pid
  id=$(newid)
  start_waiter "$id"
  pid=$PID
  for ((i = 0; i < 8; i++)); do
    "$RUNTIME" --root "$ROOT" delete --force "$id" 2>"$T/d$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "a racing delete --force failed: $(cat "$T/d$i.err")"
  done
  assert_clean "$id" "$pid"
}

# create and `delete --force` of one id at once, many times: the delete either comes first (the id
# is free, the create succeeds) or after (it deletes the container whole, or finds it still
# being made and leaves it). Never a failed create, never a half-made container, nothing left.
# rong is stricter than runc 1.1.5, whose delete may remove the state directory of a create in
# progress (which then fails): for runc only the cleanup is checked.
t_concurrent_create_delete() {
  local i id cpid dpid st
  sh_args "$WAITER"
  for ((i = 0; i < 12; i++)); do
    id=$(newid "cd$i")
    track "$id"
    env "$(marker_env)" "$RUNTIME" --root "$ROOT" create --bundle "$B" "$id" </dev/null >/dev/null 2>"$T/c.err" &
    cpid=$!
    "$RUNTIME" --root "$ROOT" delete --force "$id" 2>"$T/d.err" &
    dpid=$!
    wait "$dpid" || fail "round $i: delete --force failed: $(cat "$T/d.err")"
    if ! wait "$cpid" && [ "$RT_KIND" != runc ]; then fail "round $i: create failed: $(cat "$T/c.err")"; fi
    st=$(status_of "$id")
    log "round $i: status '$st'"
    case $st in
      created | "") ;;
      *) fail "round $i: status '$st' after create and delete --force" ;;
    esac
    rtc delete --force "$id"
    expect_rc "round $i: delete --force" 0
    assert_clean "$id" "" "" "round $i: "
    no_marked_procs "round $i"
  done
}
