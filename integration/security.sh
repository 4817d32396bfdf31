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
  local id sock="$T/agent.sock" apid
  id=$(newid)
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
