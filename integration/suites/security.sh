# Integration tests for seccomp, capabilities, process attributes and the known runtime CVEs.
# Sourced by run.sh (its helpers: cfg, sh_args, run_fg, create_c, expect_*, ...); every t_*
# function here is a test like those in run.sh.

SECCOMP_PROFILE=$HERE/seccomp/default-profile.json

# seccomp_cfg [JQ-ARGS...] JQ-FILTER: .linux.seccomp = the filter's value
seccomp_cfg() {
  local f=${!#}
  cfg "${@:1:$#-1}" ".linux.seccomp = ($f)"
}
# a writable /tmp (the template's rootfs is read-only)
tmp_mount() { cfg '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}]'; }

# mkdir denied with EPERM, with and without noNewPrivileges (the filter is loaded at different
# points of the init: before the capabilities go, or right before execve)
t_seccomp_errno() {
  local nnp
  tmp_mount
  for nnp in true false; do
    cfg --argjson n "$nnp" '.process.noNewPrivileges = $n'
    seccomp_cfg '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
    sh_args 'mkdir /tmp/denied; echo "rc=$?"; grep ^Seccomp: /proc/self/status | cut -f2; touch /tmp/file && echo touched'
    run_fg "$(newid "$nnp")"
    expect_rc "run (noNewPrivileges $nnp)" 0
    expect_eq "output (noNewPrivileges $nnp)" "$OUT" $'rc=1\n2\ntouched'
    expect_match "mkdir's error (noNewPrivileges $nnp)" "$ERR" "Operation not permitted"
  done
}

t_seccomp_errno_ret() {
  seccomp_cfg '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
  sh_args 'mkdir /tmp/denied; echo "rc=$?"'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "rc=1"
  expect_match "mkdir's error" "$ERR" "No space left on device"
}

# the large allowlist profile with mkdir/mkdirat removed and defaultErrnoRet ENOSYS
t_seccomp_default_errno_ret() {
  cfg --slurpfile p "$SECCOMP_PROFILE" '.linux.seccomp = ($p[0] | .defaultErrnoRet = 38 |
      .syscalls[0].names -= ["mkdir", "mkdirat"])'
  sh_args 'mkdir /tmp/denied; echo "rc=$?"; echo fine'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" $'rc=1\nfine'
  expect_match "mkdir's error" "$ERR" "Function not implemented"
}

# an argument filter: chmod to mode 0600 is denied, other modes pass
t_seccomp_args() {
  tmp_mount
  seccomp_cfg '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [
      {names: ["chmod"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 384, op: "SCMP_CMP_EQ"}]},
      {names: ["fchmodat"], action: "SCMP_ACT_ERRNO", args: [{index: 2, value: 384, op: "SCMP_CMP_EQ"}]}]}'
  sh_args 'touch /tmp/f; chmod 600 /tmp/f; echo "600 rc=$?"; chmod 640 /tmp/f; echo "640 rc=$?"; stat -c %a /tmp/f'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" $'600 rc=1\n640 rc=0\n640'
}

# SCMP_ACT_KILL (thread) and SCMP_ACT_KILL_PROCESS: mkdir dies of SIGSYS, the shell goes on
t_seccomp_kill() {
  local act
  for act in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS; do
    seccomp_cfg --arg a "$act" '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: $a}]}'
    sh_args 'mkdir /tmp/denied; echo "rc=$?"; [ -d /tmp/denied ] && echo made'
    run_fg "$(newid "${act,,}")"
    expect_rc "run ($act)" 1
    expect_eq "output ($act)" "$OUT" "rc=159"
  done
}

# a container engine's default profile (~350 names, default ERRNO): busybox works as usual,
# namespaces and unlisted syscalls are refused
t_seccomp_profile_large() {
  cfg --slurpfile p "$SECCOMP_PROFILE" '.linux.seccomp = $p[0] | .process.noNewPrivileges = false'
  tmp_mount
  sh_args 'grep ^Seccomp: /proc/self/status | cut -f2
mkdir -p /tmp/d/e && echo data > /tmp/d/e/f && cat /tmp/d/e/f
ls / | grep -c bin
sleep 0.01 & wait $! && echo waited
ps -o pid,comm | grep -c sleep
date +%Y >/dev/null && uname -s
if unshare -m true 2>/dev/null; then echo unshare-allowed; else echo unshare-refused; fi
if swapoff -a 2>/dev/null; then echo swapoff-allowed; else echo swapoff-refused; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" $'2\ndata\n2\nwaited\n0\nLinux\nunshare-refused\nswapoff-refused'
}

# a process started by exec gets the container's filter too
t_seccomp_exec() {
  rong_lacks exec && skip "needs exec"
  local id
  id=$(newid)
  tmp_mount
  seccomp_cfg '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
  start_waiter "$id"
  rtc exec "$id" sh -c 'mkdir /tmp/denied; echo "rc=$?"; grep ^Seccomp: /proc/self/status | cut -f2'
  expect_rc "exec" 0
  expect_eq "exec'd process under the filter" "$OUT" $'rc=1\n2'
  expect_match "mkdir's error" "$ERR" "No space left on device"
}

t_seccomp_bad_config() {
  seccomp_cfg '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
  set_args true
  local id
  id=$(newid)
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with an unknown seccomp action succeeded"
  if [ "$RT_KIND" = rong ]; then expect_match "error" "$ERR" 'linux\.seccomp\.syscalls\[0\]\.action: unknown seccomp action "SCMP_ACT_BOGUS"'; fi
  assert_clean "$id"
}

# SCMP_ACT_NOTIFY: the listener fd and the seccomp state reach the agent at listenerPath, which
# answers mkdir with EOPNOTSUPP
t_seccomp_notify() {
  seccomp_notify_run true
}

# without noNewPrivileges the filter is loaded earlier (before the capabilities go)
t_seccomp_notify_privileged() {
  seccomp_notify_run false
}

seccomp_notify_run() {
  local id sock="$T/agent.sock" apid
  id=$(newid)
  cfg --argjson n "$1" '.process.noNewPrivileges = $n'
  "$BUILD/seccomp_agent" "$sock" "$T/agent-state.json" 95 >"$T/agent.out" 2>&1 &
  apid=$!
  track_pid "$apid"
  wait_grep "$T/agent.out" '^ready$'
  seccomp_cfg --arg s "$sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, listenerMetadata: "it-meta",
      syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
  sh_args 'mkdir /tmp/notified; echo "rc=$?"'
  run_fg "$id"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "rc=1"
  expect_match "mkdir's error (the agent's answer)" "$ERR" "Not supported|not supported"
  wait_grep "$T/agent.out" '^answered syscall'
  jf "$(cat "$T/agent-state.json")" '.fds[0]' '.metadata' '.state.id' '.state.status' '.pid == .state.pid'
  expect_eq "seccomp state: fds, metadata, id, status, pid" "${F[*]}" "seccompFd it-meta $id creating true"
}

# ---------------------------------------------------------------- capabilities

# runc 1.1+ warns about an unknown capability name and ignores it, one without the CAP_ prefix too
t_caps_unknown_ignored() {
  cfg '.process.capabilities.bounding += ["CAP_FLY_TO_THE_MOON", "NET_ADMIN"] | .process.capabilities.effective += ["CAP_FLY_TO_THE_MOON"]'
  sh_args 'grep ^CapBnd: /proc/self/status | cut -f2'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "warning" "$ERR" 'CAP_FLY_TO_THE_MOON'
  expect_match "warning" "$ERR" 'NET_ADMIN'
  [[ $OUT =~ ^[0-9a-f]{16}$ ]] || fail "CapBnd: '$OUT'"
  (( (16#$OUT >> 12) % 2 == 0 )) || fail "NET_ADMIN is in the bounding set: $OUT"
  # with --log the warning is in the log (the init's warning went nowhere), and exec --cap warns too
  local id
  id=$(newid log)
  track "$id"
  set_args sleep 100
  rt --log "$T/log.json" --log-format json run -d --bundle "$B" "$id" </dev/null >/dev/null 2>&1
  expect_match "the log" "$(cat "$T/log.json" 2>/dev/null)" '"level":"warning".*CAP_FLY_TO_THE_MOON'
  rtc exec --cap CAP_SWIM "$id" true
  expect_rc "exec --cap CAP_SWIM" 0
  expect_match "exec's warning" "$ERR" 'CAP_SWIM'
  rtc delete --force "$id"
}

# CVE-2022-29162: the inheritable set is exactly the config's, never widened (by run, nor by exec,
# nor by exec --cap)
t_cve_2022_29162_inheritable() {
  local id s='["CAP_CHOWN","CAP_KILL","CAP_SETUID","CAP_SETGID","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT"]'
  cfg --argjson s "$s" '.process.capabilities = {bounding: $s, effective: $s, permitted: $s}'
  sh_args 'grep -E "^Cap(Inh|Amb):" /proc/self/status | cut -f2'
  run_fg "$(newid run)"
  expect_rc "run" 0
  expect_eq "CapInh, CapAmb of the init" "$OUT" $'0000000000000000\n0000000000000000'
  cfg --argjson s '["CAP_KILL"]' '.process.capabilities.inheritable = $s'
  run_fg "$(newid run2)"
  expect_eq "CapInh with inheritable [CAP_KILL]" "$(sed -n 1p <<<"$OUT")" "$(capmask CAP_KILL)"
  cfg 'del(.process.capabilities.inheritable)'
  rong_lacks exec && return 0
  id=$(newid)
  start_waiter "$id"
  rtc exec "$id" sh -c 'grep -E "^Cap(Inh|Amb):" /proc/self/status | cut -f2'
  expect_rc "exec" 0
  expect_eq "CapInh, CapAmb of an exec'd process" "$OUT" $'0000000000000000\n0000000000000000'
}

t_cve_2022_29162_exec_cap() {
  rong_lacks exec && skip "needs exec"
  local id
  id=$(newid)
  start_waiter "$id"
  rtc exec --cap CAP_SYS_ADMIN "$id" sh -c 'grep -E "^Cap(Inh|Amb):" /proc/self/status | cut -f2'
  expect_rc "exec --cap" 0
  expect_eq "CapInh, CapAmb of exec --cap CAP_SYS_ADMIN" "$OUT" $'0000000000000000\n0000000000000000'
}

# Without process.capabilities the process has none (runc), not the runtime's; an exec --process
# file without them takes the container's, as runc
t_caps_absent() {
  local id
  cfg 'del(.process.capabilities)'
  sh_args 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2 | sort -u'
  run_fg "$(newid run)"
  expect_rc "run" 0
  expect_eq "capability sets of a process without process.capabilities" "$OUT" 0000000000000000
  rong_lacks exec && return 0
  cfg --argjson s '["CAP_KILL","CAP_CHOWN"]' '.process.capabilities = {bounding: $s, effective: $s, permitted: $s}'
  id=$(newid)
  start_waiter "$id"
  jq -n '{args: ["sh", "-c", "grep -E \"^Cap(Bnd|Eff):\" /proc/self/status | cut -f2 | sort -u"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0}}' >"$T/process.json"
  rtc exec --process "$T/process.json" "$id"
  expect_rc "exec --process" 0
  expect_eq "CapBnd, CapEff of exec --process without capabilities" "$OUT" "$(capmask CAP_KILL CAP_CHOWN)"
}

# ---------------------------------------------------------------- CVE regressions

# CVE-2024-21626: cwd through a leaked fd (/proc/self/fd/N) must not land outside the rootfs
t_cve_2024_21626_cwd() {
  local n id
  touch "$T/HOST-MARKER"
  for n in 3 4 5 6 7 8 9; do
    id=$(newid "fd$n")
    cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
    sh_args 'ls -a . .. ../.. ../../.. 2>/dev/null; pwd'
    run_fg "$id" 7<"$B/config.json"
    if [ "$RC" = 0 ]; then
      [[ $OUT != *HOST-MARKER* && $OUT != *exec.fifo* && $OUT != *state.json* && $OUT != *config.json* ]] ||
        fail "cwd /proc/self/fd/$n reaches the host: $(echo $OUT | head -c 300)"
    fi
  done
}

# CVE-2024-21626 through the executable: a path through a leaked fd (/proc/self/fd/N/../..) must
# not reach the host's binaries, for run's init nor for exec
t_cve_2024_21626_exe() {
  local n id inode
  inode=$(stat -c %i /bin/busybox 2>/dev/null) || skip "no /bin/busybox on the host"
  for n in 3 4 5 6 7 8 9; do
    set_args "/proc/self/fd/$n/../../../../../../../../../bin/busybox" sh -c 'stat -L -c %i /proc/self/exe'
    run_fg "$(newid "fd$n")"
    [ "$OUT" != "$inode" ] || fail "run through fd $n executed the host's /bin/busybox"
  done
  rong_lacks exec && return 0
  id=$(newid)
  start_waiter "$id"
  for n in 3 4 5 6 7 8 9; do
    rtc exec "$id" "/proc/self/fd/$n/../../../../../../../../../bin/busybox" sh -c 'stat -L -c %i /proc/self/exe'
    [ "$OUT" != "$inode" ] || fail "exec through fd $n executed the host's /bin/busybox"
    rtc exec --cwd "/proc/self/fd/$n" "$id" sh -c 'ls -a ../../../../../../../.. 2>/dev/null'
    [[ $OUT != *HOST-MARKER* && $OUT != *work* && $OUT != *state.json* ]] ||
      fail "exec --cwd /proc/self/fd/$n reaches the host: $(echo $OUT | head -c 300)"
  done
  # A directory passed on purpose (--preserve-fds) is no cwd either: it lies outside the root.
  rt exec --preserve-fds 1 --cwd /proc/self/fd/3 "$id" ls -a 3<"$T" >"$T/pfd.out" 2>"$T/pfd.err"
  RC=$?
  [ "$RC" != 0 ] || fail "exec with its cwd in a preserved host directory succeeded: $(cat "$T/pfd.out")"
  expect_match "its error" "$(cat "$T/pfd.err")" "outside (of )?(the )?container"
}

# --preserve-fds N needs fds 3..3+N-1 open: else one of rong's own fds would take a free number
# and reach the container (runc: "unable to stat preserved-fd")
t_preserve_fds_missing() {
  local id
  sh_args 'ls /proc/self/fd'
  # (fds 3..7 closed here: whatever runs the tests may have left some open)
  id=$(newid run)
  track "$id"
  rt run --preserve-fds 5 --bundle "$B" "$id" </dev/null >"$T/run.out" 2>&1 3<&- 4<&- 5<&- 6<&- 7<&-
  RC=$?
  [ "$RC" != 0 ] || fail "run --preserve-fds 5 without those fds succeeded: $(cat "$T/run.out")"
  assert_clean "$id"
  rong_lacks exec && return 0
  id=$(newid)
  start_waiter "$id"
  rt exec --preserve-fds 5 "$id" ls /proc/self/fd </dev/null >"$T/exec.out" 2>&1 3<&- 4<&- 5<&- 6<&- 7<&-
  RC=$?
  [ "$RC" != 0 ] || fail "exec --preserve-fds 5 without those fds succeeded: $(cat "$T/exec.out")"
}

# CVE-2019-5736: while the init is still the runtime (created), a process in the container cannot
# open the runtime binary through /proc/1/exe for writing, nor keep a handle to reopen it later
t_cve_2019_5736_exe() {
  rong_lacks exec && skip "needs exec"
  local id pid sum
  sum=$(sha256sum <"$RUNTIME")
  id=$(newid)
  set_args sleep 100
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  # (a failed redirection on `exec` ends the shell: each attempt runs in a subshell)
  rtc exec "$id" sh -c '(exec 3<>/proc/1/exe && echo opened-rw)
(exec 4</proc/1/exe && echo opened-ro && echo pwned >>/proc/self/fd/4 && echo wrote)
echo done' 
  expect_match "exec output" "$OUT" 'done$'
  [[ $OUT != *opened-rw* && $OUT != *wrote* ]] || fail "the runtime binary was opened for writing: $OUT"
  rtc delete --force "$id"
  expect_eq "runtime binary unchanged" "$(sha256sum <"$RUNTIME")" "$sum"
}

# runtime_copy: the runtime copied into the test's directory (COPY) with its checksum (SUM), and
# helpers/overwrite_exe at /overwrite_exe: the CVE-2019-5736 tests attack the copy, never the
# binary under test. expect_copy_unchanged: the copy came out of the attempt as it went in.
runtime_copy() {
  COPY=$T/runtime-copy
  cp "$RUNTIME" "$COPY" || fail "cp $RUNTIME"
  SUM=$(sha256sum <"$COPY")
  static_helper_mount overwrite_exe
}
# create_with_copy: a created container of the runtime copy, its process `sleep 100`; sets id and pid
create_with_copy() {
  set_args sleep 100
  id=$(newid)
  RUNTIME=$COPY create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
}
expect_copy_unchanged() {
  expect_eq "the runtime binary after the attempt ($(cat "$T/overwrite.out"))" "$(sha256sum <"$COPY")" "$SUM"
}

# CVE-2019-5736 with CAP_SYS_PTRACE, which lets a process open /proc/<pid>/exe of a non-dumpable
# one: a process exec'd into a created container takes a handle on its init's (the runtime's)
# binary, and once start has made the init something else, reopens it for writing. The runtime
# here is a copy of it in the test's directory, which must come out unchanged.
t_cve_2019_5736_ptrace() { ptrace_overwrite CAP_SYS_PTRACE; }
# Spelt in lower case, which rong grants (runc 1.1.5 ignores it, with a warning): rong decided by
# the one spelling before, ran the init from the binary itself, and the binary was overwritten
t_cve_2019_5736_ptrace_lower_case() { ptrace_overwrite cap_sys_ptrace; }
ptrace_overwrite() {
  rong_lacks exec && skip "needs exec"
  local id pid
  runtime_copy
  cfg ".process.capabilities |= with_entries(.value += [\"$1\"])"
  create_with_copy
  RUNTIME=$COPY rt exec -d "$id" /overwrite_exe 1 </dev/null >"$T/overwrite.out" 2>&1
  sleep 0.5
  RUNTIME=$COPY rtc start "$id"
  expect_rc "start" 0
  wait_grep "$T/overwrite.out" '^[a-z]' 150
  RUNTIME=$COPY rtc delete --force "$id"
  expect_copy_unchanged
}

# The same with CAP_SYS_PTRACE given by the exec alone (the config lacks it): create had no reason
# to run the init from a sealed copy, so rong refuses such an exec until the container is started
# (runc's init always runs from a copy in memory)
t_cve_2019_5736_ptrace_exec_cap() {
  rong_lacks exec && skip "needs exec"
  local id pid
  runtime_copy
  create_with_copy
  RUNTIME=$COPY rt exec -d --cap CAP_SYS_PTRACE "$id" /overwrite_exe 1 </dev/null >"$T/overwrite.out" 2>&1
  RC=$?
  [ "$RT_KIND" = rong ] && expect_match "exec's refusal (rc $RC)" "$(cat "$T/overwrite.out")" 'into a created container'
  sleep 0.5
  RUNTIME=$COPY rtc start "$id"
  expect_rc "start" 0
  [ "$RC" != 0 ] || wait_grep "$T/overwrite.out" '^[a-z]' 150
  RUNTIME=$COPY rtc exec "$id" true
  expect_rc "exec after start" 0
  RUNTIME=$COPY rtc delete --force "$id"
  expect_copy_unchanged
}

# An exec that gives CAP_SYS_PTRACE to a running container's process (the config lacks it) marks
# the container: every later exec runs the runtime from a sealed copy too, so that process cannot
# take a handle on the runtime's binary while a later exec's process is still the runtime
t_cve_2019_5736_ptrace_exec_later() {
  rong_lacks exec && skip "needs exec"
  local id i
  runtime_copy
  id=$(newid)
  RUNTIME=$COPY start_waiter "$id"
  RUNTIME=$COPY rt exec -d --cap CAP_SYS_PTRACE "$id" /overwrite_exe scan </dev/null >"$T/overwrite.out" 2>&1
  expect_rc "exec -d --cap CAP_SYS_PTRACE" 0
  for i in $(seq 60); do
    [ -s "$T/overwrite.out" ] && break
    RUNTIME=$COPY rt exec "$id" true </dev/null >/dev/null 2>&1
  done
  wait_grep "$T/overwrite.out" '^[a-z]' 150
  [[ $(cat "$T/overwrite.out") != not-seen* ]] || fail "no exec's process was seen in 60 execs"
  RUNTIME=$COPY rtc delete --force "$id"
  expect_copy_unchanged
}

# A created container's init holds no directory of the host's: with CAP_SYS_PTRACE a process
# exec'd into it could follow /proc/1/fd/N/.. out to the host (rong's init held the state
# directory for exec.fifo; runc's holds the fifo itself). Nor a file of the host's cgroup
# hierarchies: from /proc/1/fd it could reopen one writable, past the read-only /sys/fs/cgroup
# (on a v1 host rong's init kept the `tasks` files it joined by until its execve).
t_created_init_holds_no_host_dir() {
  rong_lacks exec && skip "needs exec"
  local id pid f held=""
  cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  set_args sleep 100
  id=$(newid)
  create_c "$id"
  expect_rc "create" 0
  pid=$(pid_of "$id")
  track_pid "$pid"
  for f in /proc/"$pid"/fd/*; do
    # (after pivot_root a v1 hierarchy's file shows as /<cgroup>/tasks)
    case $(readlink "$f") in /sys/fs/cgroup/* | */tasks | */cgroup.procs) held="$held $f:$(readlink "$f")" ;; esac
  done
  expect_eq "the init's fds on cgroup files" "$held" ""
  rtc exec "$id" sh -c 'for f in /proc/1/fd/*; do [ -d "$f" ] && echo "directory $f: $(readlink "$f")"; done; echo done'
  expect_rc "exec" 0
  expect_eq "the init's directory fds" "$OUT" "done"
  rtc start "$id"
  expect_rc "start" 0
  rtc delete --force "$id"
}

# started_with_ptrace ARGS...: the bundle's process ARGS, given CAP_SYS_PTRACE, created and
# started; sets id
started_with_ptrace() {
  cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  set_args "$@"
  id=$(newid)
  create_c "$id"
  expect_rc "create" 0
  track_pid "$(pid_of "$id")"
  rtc start "$id"
  expect_rc "start" 0
}

# With CAP_SYS_PTRACE a container's process can stop the process exec clones into its pid
# namespace and speak on its socket to the runtime: it named a host pid as the process, and rong
# wrote it to the pid file or, told the exec failed, SIGKILLed it (a review helper's attack).
t_exec_pid_not_forged() {
  rong_lacks exec && skip "needs exec"
  local id victim
  static_helper_mount forge_exec_pid
  sleep 1000 &
  victim=$!
  started_with_ptrace /forge_exec_pid "$victim"
  sleep 0.3
  rtc exec -d --pid-file "$T/exec.pid" "$id" sleep 100
  kill -0 "$victim" 2>/dev/null || fail "exec killed host process $victim, which the container named"
  [ "$(cat "$T/exec.pid" 2>/dev/null)" != "$victim" ] || fail "exec's pid file names host process $victim"
  rtc delete --force "$id"
  kill "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
  assert_clean "$id"
}

# During start's startContainer hooks (and in run once the state is published, until the execve)
# the init is still rong, from rong's binary, and a created container: an exec that gives
# CAP_SYS_PTRACE must be refused there as before start (the status said running, during run's
# hooks already, and this session's start too, and the exec's process overwrote the binary)
t_cve_2019_5736_exec_during_start_hooks() {
  rong_lacks exec && skip "needs exec"
  local id pid cmd
  runtime_copy
  cfg '.hooks = {startContainer: [{path: "/bin/sleep", args: ["sleep", "3"]}]}'
  for cmd in start run; do
    set_args sleep 100
    id=$(newid "$cmd")
    if [ "$cmd" = start ]; then
      RUNTIME=$COPY create_c "$id"
      expect_rc "create" 0
      track_pid "$(pid_of "$id")"
      RUNTIME=$COPY rt start "$id" </dev/null >/dev/null 2>&1 &
    else
      track "$id"
      RUNTIME=$COPY rt run -d --bundle "$B" "$id" </dev/null >/dev/null 2>&1 &
    fi
    sleep 1
    [ "$cmd" = start ] && expect_eq "status during the startContainer hook" "$(status_of "$id")" created
    RUNTIME=$COPY rt exec -d --cap CAP_SYS_PTRACE "$id" /overwrite_exe 1 </dev/null >"$T/overwrite.out" 2>&1
    RC=$?
    [ "$RT_KIND" = rong ] && expect_match "exec's refusal during $cmd (rc $RC)" "$(cat "$T/overwrite.out")" 'into a created container'
    wait
    [ "$RC" != 0 ] || wait_grep "$T/overwrite.out" '^[a-z]' 150
    RUNTIME=$COPY rtc delete --force "$id"
    expect_copy_unchanged
  done
}

# With CAP_SYS_PTRACE a container's process can open /proc/<pid>/root of any process in its pid
# namespace. An exec'd process must show there only once it is in the container's mount namespace:
# rong cloned it into the pid namespace first, and its root was the host's until it joined the
# rest (a racer created a host file within a few execs). The test's directory is on the host only.
t_exec_proc_root_race() {
  rong_lacks exec && skip "needs exec"
  local id i
  static_helper_mount proc_root_racer
  started_with_ptrace /proc_root_racer "$T/escaped" 60
  for i in $(seq 30); do
    rt exec "$id" true </dev/null >/dev/null 2>&1
    [ -e "$T/escaped" ] && break
  done
  [ ! -e "$T/escaped" ] || fail "a process of the container created a host file through /proc/<pid>/root (exec $i)"
  rtc delete --force "$id"
}

# Without process.terminal, the container's processes (init and exec'd) lead sessions of their
# own: the caller's controlling terminal is not theirs, so they cannot type into the operator's
# shell with TIOCSTI. The runtime runs under `script`, which gives it a controlling terminal.
t_own_session() {
  local id probe
  probe='read -r pid comm state ppid pgrp sid rest </proc/self/stat; echo "pgrp=$pgrp sid=$sid self=$$"; (exec 3<>/dev/tty && echo tty-opened) 2>/dev/null; echo end'
  id=$(newid run)
  track "$id"
  sh_args "$probe"
  printf '%q ' "$RUNTIME" --root "$ROOT" run --bundle "$B" "$id" >"$T/inner.sh"
  script -qec "sh $T/inner.sh" /dev/null </dev/null >"$T/script.out" 2>&1
  OUT=$(tr -d '\r' <"$T/script.out")
  expect_eq "run: the init's process group, session (and pid)" "$(grep '^pgrp=' <<<"$OUT")" "pgrp=1 sid=1 self=1"
  [[ $OUT != *tty-opened* ]] || fail "run: the container opened the caller's terminal: $OUT"
  expect_match "run's output" "$OUT" 'end$'
  rong_lacks exec && return 0
  id=$(newid)
  start_waiter "$id"
  printf '%q ' "$RUNTIME" --root "$ROOT" exec "$id" sh -c "$probe" >"$T/inner.sh"
  script -qec "sh $T/inner.sh" /dev/null </dev/null >"$T/script.out" 2>&1
  OUT=$(tr -d '\r' <"$T/script.out")
  [[ $OUT =~ pgrp=([0-9]+)\ sid=([0-9]+)\ self=([0-9]+) ]] || fail "exec's output: $OUT"
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] && [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ] ||
    fail "exec: the process does not lead its own session: $OUT"
  [[ $OUT != *tty-opened* ]] || fail "exec: the process opened the caller's terminal: $OUT"
}

# CVE-2025-31133: /dev/null in the rootfs is a symlink: masking must not bind its target
t_cve_2025_31133_devnull_symlink() {
  local id
  id=$(newid)
  cfg '.mounts |= map(select(.destination != "/dev")) | .linux.maskedPaths = ["/etc/passwd"]'
  echo LEAKED >"$B/rootfs/marker"
  mkdir -p "$B/rootfs/dev"
  ln -s /marker "$B/rootfs/dev/null"
  sh_args 'cat /etc/passwd; echo end'
  run_fg "$id"
  if [ "$RC" = 0 ]; then
    [[ $OUT != *LEAKED* ]] || fail "masked /etc/passwd shows the symlink's target: $OUT"
    expect_eq "masked /etc/passwd" "$OUT" end
  fi
}

# CVE-2023-27561 / CVE-2019-19921: /proc in the rootfs is a symlink: refused
t_cve_2023_27561_proc_symlink() {
  local id
  id=$(newid)
  mkdir -p "$B/rootfs/fakeproc"
  rmdir "$B/rootfs/proc" && ln -s /fakeproc "$B/rootfs/proc" || fail "cannot make /proc a symlink"
  set_args true
  run_fg "$id"
  [ "$RC" != 0 ] || fail "run with /proc a symlink succeeded"
}

# ---------------------------------------------------------------- process attributes

# namespaced sysctls are written inside the container, not on the host
t_sysctl() {
  local host_shmmax host_fwd
  host_shmmax=$(cat /proc/sys/kernel/shmmax)
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  cfg '.linux.sysctl = {"kernel.shmmax": "12345678", "net.ipv4.ip_forward": "1", "kernel.domainname": "it-domain", "fs.mqueue.msg_max": "20"}'
  sh_args 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname /proc/sys/fs/mqueue/msg_max'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "sysctls inside" "$OUT" $'12345678\n1\nit-domain\n20'
  expect_eq "host kernel.shmmax" "$(cat /proc/sys/kernel/shmmax)" "$host_shmmax"
  expect_eq "host net.ipv4.ip_forward" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
}

# a sysctl whose namespace is the host's, or that has none, is refused
t_sysctl_refused() {
  local key id n=0
  set_args true
  for key in vm.swappiness kernel.shmmax net.ipv4.ip_forward kernel.hostname; do
    n=$((n + 1))
    id=$(newid "k$n")
    cfg --arg k "$key" '.linux.sysctl = {($k): "1"} | .linux.namespaces = [{type: "pid"}, {type: "mount"}] | del(.hostname)'
    [ "$key" = kernel.hostname ] && cfg '.linux.namespaces += [{type: "uts"}]'
    create_c "$id"
    [ "$RC" != 0 ] || fail "create with sysctl $key (namespace not the container's) succeeded"
    if [ "$RT_KIND" = rong ]; then expect_match "error for $key" "$ERR" "sysctl \"$key\" is not"; fi
    assert_clean "$id"
  done
}

# A namespace joined by a path to the host's own is the host's: its sysctls are refused too. The
# values are the host's current ones, so a runtime that wrongly writes them changes nothing.
t_sysctl_refused_joined_host_ns() {
  local id fwd shm
  fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  shm=$(cat /proc/sys/kernel/shmmax)
  set_args true
  id=$(newid net)
  cfg --arg p "/proc/$$/ns/net" --arg v "$fwd" '.linux.sysctl = {"net.ipv4.ip_forward": $v}
      | .linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with a net sysctl in the host's network namespace (joined by path) succeeded"
  [ "$RT_KIND" = rong ] && expect_match "error" "$ERR" 'not allowed in the hosts network namespace'
  assert_clean "$id"
  id=$(newid ipc)
  cfg --arg p "/proc/$$/ns/ipc" --arg v "$shm" '.linux.sysctl = {"kernel.shmmax": $v}
      | .linux.namespaces |= map(if .type == "network" then del(.path) else . end)
      | .linux.namespaces |= map(if .type == "ipc" then .path = $p else . end)'
  create_c "$id"
  # (runc 1.1.5 checks the network namespace's path only, and writes the host's ipc sysctl)
  [ "$RT_KIND" = runc ] || [ "$RC" != 0 ] || fail "create with an ipc sysctl in the host's ipc namespace (joined by path) succeeded"
  [ "$RT_KIND" = runc ] && rtc delete --force "$id"
  assert_clean "$id"
}

t_personality() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 ignores linux.personality"
  cfg '.linux.personality = {domain: "LINUX32"}'
  sh_args 'uname -m'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "uname -m with LINUX32" "$OUT" '^i[3-6]86$'
}

# process.scheduler, ioPriority (runtime-spec 1.2; runc 1.1.5 has neither). execCPUAffinity is
# for exec'd processes only: the init keeps every CPU.
t_process_sched_io_affinity() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 has no scheduler, ioPriority or execCPUAffinity"
  cfg '.process.scheduler = {policy: "SCHED_BATCH", nice: 5} | .process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}
      | .process.execCPUAffinity = {initial: "0", final: "0"}'
  sh_args 'grep -E "^policy" /proc/self/sched | tr -d " "; cut -d" " -f19 /proc/self/stat; ionice -p $$; grep Cpus_allowed_list /proc/self/status | cut -f2'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "policy, nice, I/O class, CPUs" "$OUT" "policy:3
5
idle
$(grep Cpus_allowed_list /proc/self/status | cut -f2)"
}

# execCPUAffinity of exec'd processes: `final` once in the container's cgroup; with only
# `initial`, the cgroup's CPUs again (runtime-spec 1.2, runc 1.2)
t_exec_cpu_affinity() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 has no execCPUAffinity"
  local id all
  all=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
  [ "$all" = 0 ] && skip "one CPU only"
  id=$(newid)
  cfg '.process.execCPUAffinity = {initial: "0", final: "1"}'
  start_waiter "$id"
  expect_eq "the init's CPUs" "$(grep Cpus_allowed_list "/proc/$PID/status" | cut -f2)" "$all"
  rtc exec "$id" grep Cpus_allowed_list /proc/self/status
  expect_rc "exec" 0
  expect_eq "exec'd process's CPUs (final)" "$(cut -f2 <<<"$OUT")" 1
  jq '.process | .args = ["grep", "Cpus_allowed_list", "/proc/self/status"] | .execCPUAffinity = {initial: "1"}' \
    "$B/config.json" >"$T/process.json"
  rtc exec --process "$T/process.json" "$id"
  expect_rc "exec --process" 0
  expect_eq "exec'd process's CPUs (initial only)" "$(cut -f2 <<<"$OUT")" "$all"
}

t_memory_policy() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 has no linux.memoryPolicy"
  [ -e /proc/self/numa_maps ] || skip "no NUMA support in this kernel"
  cfg '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0"}'
  sh_args 'grep -c interleave:0 /proc/self/numa_maps'
  run_fg "$(newid)"
  expect_rc "run" 0
  [ "$OUT" -gt 0 ] || fail "no interleave:0 mapping in numa_maps"
}

# AppArmor/SELinux asked for on a host without them: create fails, clearly
t_lsm_absent_refused() {
  [ -e /sys/module/apparmor/parameters/enabled ] && skip "this host has AppArmor"
  [ -e /sys/fs/selinux/enforce ] && skip "this host has SELinux"
  local id
  set_args true
  id=$(newid aa)
  cfg '.process.apparmorProfile = "it-profile"'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with an AppArmor profile succeeded without AppArmor"
  if [ "$RT_KIND" = rong ]; then expect_match "error" "$ERR" 'AppArmor is not enabled'; fi
  assert_clean "$id"
  id=$(newid se)
  cfg 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with an SELinux label succeeded without SELinux"
  if [ "$RT_KIND" = rong ]; then expect_match "error" "$ERR" 'selinux'; fi
  assert_clean "$id"
}

# process.apparmorProfile and exec --apparmor confine the process: it runs under the profile, which
# is enforced (a path the profile denies cannot be read); an unknown profile fails create. Runs
# where AppArmor is enabled (the VM's Debian kernel), with apparmor_parser to load the profile.
t_apparmor_profile() {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || skip "AppArmor is not enabled here"
  [ -e /sys/kernel/security/apparmor/.load ] || skip "securityfs with AppArmor is not mounted"
  command -v apparmor_parser >/dev/null || skip "no apparmor_parser (package apparmor)"
  local id prof=rong-$TOKEN
  cat >"$T/aa.profile" <<EOF
profile $prof flags=(attach_disconnected,mediate_deleted) {
  file, capability, network, signal, unix, ptrace, mount, umount, pivot_root,
  deny /etc/aa-secret r,
}
EOF
  # unloaded even when the test fails
  trap 'apparmor_parser -R "$T/aa.profile" >/dev/null 2>&1; _cleanup_test' EXIT
  apparmor_parser -r "$T/aa.profile" >>"$TLOG" 2>&1 || fail "apparmor_parser could not load $prof"
  echo secret >"$B/rootfs/etc/aa-secret"
  cfg --arg p "$prof" '.process.apparmorProfile = $p'
  sh_args 'cat /proc/self/attr/current; cat /etc/aa-secret; echo "rc=$?"'
  id=$(newid run)
  run_fg "$id"
  expect_rc "run under $prof" 0
  expect_match "the process's label" "$OUT" "^$prof \(enforce\)"
  expect_match "reading a path the profile denies" "$OUT" 'rc=1$'
  [[ $OUT != *secret* ]] || fail "the profile did not deny /etc/aa-secret: $OUT"

  cfg 'del(.process.apparmorProfile)'
  id=$(newid exec)
  start_waiter "$id"
  rtc exec "$id" cat /proc/self/attr/current
  expect_eq "label of a process exec'd without --apparmor" "$OUT" unconfined
  rtc exec --apparmor "$prof" "$id" cat /proc/self/attr/current /etc/aa-secret
  [ "$RC" != 0 ] || fail "exec --apparmor $prof could read the denied path: $OUT"
  expect_match "label of a process exec'd with --apparmor" "$OUT" "^$prof \(enforce\)"
  rtc delete --force "$id"

  bad_creates <<'EOF'
.process.apparmorProfile = "rong-no-such-profile"|set AppArmor profile "rong-no-such-profile": No such file or directory
EOF
}

# process.selinuxLabel, linux.mountLabel and exec --process-label, where SELinux is on (the VM
# booted with VM_LSM=selinux). The test compiles a minimal policy of its own (checkpolicy;
# permissive, unknown classes allowed, transitions under no_new_privs allowed by the policy
# capability, labels on the filesystems runc labels) and loads it into the fresh VM; the process's context and
# the mounts' context= are read back from inside; a label the policy lacks fails create.
t_selinux_label() {
  [ -e /sys/fs/selinux/enforce ] || skip "SELinux is not enabled here (the VM has it with VM_LSM=selinux)"
  command -v checkpolicy >/dev/null || skip "no checkpolicy (package checkpolicy)"
  local id classes label=system_u:system_r:container_t mlabel=system_u:object_r:container_file_t
  classes=$(ls /sys/fs/selinux/class 2>/dev/null | tr '\n' ' ')
  if [ -z "$classes" ]; then
    cat >"$T/policy.conf" <<'EOF'
class process
class file
class dir
sid kernel
sid security
sid unlabeled
sid fs
sid file
class process { transition dyntransition setexec setcurrent setkeycreate }
class file { read write }
class dir { read write }
policycap nnp_nosuid_transition;
type kernel_t;
type unlabeled_t;
type container_t;
type exec_t;
type container_file_t;
role system_r;
role system_r types { kernel_t container_t exec_t };
role object_r types { unlabeled_t container_file_t };
allow kernel_t container_t:process transition;
user system_u roles { system_r object_r };
sid kernel system_u:system_r:kernel_t
sid security system_u:object_r:unlabeled_t
sid unlabeled system_u:object_r:unlabeled_t
sid fs system_u:object_r:unlabeled_t
sid file system_u:object_r:unlabeled_t
fs_use_trans mqueue system_u:object_r:unlabeled_t;
fs_use_trans tmpfs system_u:object_r:unlabeled_t;
fs_use_trans devpts system_u:object_r:unlabeled_t;
EOF
    checkpolicy -U allow -c 33 -o "$T/policy.33" "$T/policy.conf" >>"$TLOG" 2>&1 || fail "checkpolicy failed"
    cat "$T/policy.33" >/sys/fs/selinux/load || fail "cannot load the policy"
  elif [ "$classes" != "dir file process " ]; then
    skip "SELinux has a policy already (classes: ${classes:0:60}...): the test loads its own into a fresh VM only"
  fi
  expect_eq "enforcing" "$(cat /sys/fs/selinux/enforce)" 0

  cfg --arg l "$label" --arg m "$mlabel" '.process.selinuxLabel = $l | .linux.mountLabel = $m'
  sh_args 'tr -d "\0" </proc/self/attr/current; echo; grep " /dev " /proc/self/mountinfo'
  id=$(newid run)
  run_fg "$id"
  expect_rc "run with selinuxLabel $label" 0
  expect_eq "the process's context" "$(head -n1 <<<"$OUT")" "$label"
  expect_match "the /dev tmpfs's context" "$OUT" " /dev .*context=\"?$mlabel"

  id=$(newid exec)
  start_waiter "$id"
  rtc exec "$id" sh -c 'tr -d "\0" </proc/self/attr/current'
  expect_eq "context of a process exec'd without --process-label" "$OUT" "$label"
  rtc exec --process-label system_u:system_r:exec_t "$id" sh -c 'tr -d "\0" </proc/self/attr/current'
  expect_eq "context of a process exec'd with --process-label" "$OUT" system_u:system_r:exec_t
  rtc delete --force "$id"

  bad_creates <<'EOF'
.process.selinuxLabel = "system_u:system_r:no_such_t"|set SELinux keycreate label "system_u:system_r:no_such_t": Invalid argument
EOF
}

t_intelrdt_netdevices_refused() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 ignores netDevices"
  local id
  set_args true
  id=$(newid rdt)
  cfg '.linux.intelRdt = {closID: "it"}'
  create_c "$id"
  expect_rc "create with intelRdt" 1
  expect_match "error" "$ERR" 'linux\.intelRdt: .*not supported'
  id=$(newid nd)
  cfg 'del(.linux.intelRdt) | .linux.netDevices = {"eth9": {}}'
  create_c "$id"
  expect_rc "create with netDevices" 1
  expect_match "error" "$ERR" 'linux\.netDevices: .*not supported'
}
