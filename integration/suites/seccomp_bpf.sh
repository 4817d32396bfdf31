# Integration tests for how the seccomp filter is built and loaded: ENOSYS for syscalls the
# profile does not know (as runc's), and rong's cache of compiled filters in the state root.
# Sourced by run.sh; uses its helpers and security.sh's seccomp_cfg and SECCOMP_PROFILE.

# syscall_errno_mount: helpers/syscall_errno (static) bind-mounted at /syscall_errno
syscall_errno_mount() { static_helper_mount syscall_errno; }

# The large profile (default EPERM): reboot (169), known to the profile's architecture but not
# allowed, gets the default action; 1000 and 999, beyond every syscall the profile names, ENOSYS
# (a real syscall newer than the profile included) — with and without noNewPrivileges.
t_seccomp_enosys_unknown_syscall() {
  local nnp
  syscall_errno_mount
  for nnp in true false; do
    cfg --slurpfile p "$SECCOMP_PROFILE" --argjson n "$nnp" \
      '.linux.seccomp = ($p[0] | del(.defaultErrnoRet)) | .process.noNewPrivileges = $n'
    set_args /syscall_errno 169 1000 999
    run_fg "$(newid "$nnp")"
    expect_rc "run (noNewPrivileges $nnp)" 0
    expect_eq "errors (noNewPrivileges $nnp)" "$OUT" $'169 EPERM\n1000 ENOSYS\n999 ENOSYS'
  done
}

# Only syscalls above the highest the profile names get ENOSYS: without the names above 440
# (x86-64: epoll_pwait2 441 ... futex_waitv 449) epoll_pwait2 is beyond the profile; a rule
# naming futex_waitv moves the bar above it, and it gets the default action.
t_seccomp_enosys_bar_is_the_profile() {
  [ "$(uname -m)" = x86_64 ] || skip "syscall numbers are x86-64's"
  local newer='["epoll_pwait2", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "memfd_secret", "process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2"]'
  syscall_errno_mount
  set_args /syscall_errno 441
  cfg --slurpfile p "$SECCOMP_PROFILE" --argjson n "$newer" \
    '.linux.seccomp = ($p[0] | del(.defaultErrnoRet) | .syscalls[0].names -= $n)'
  run_fg "$(newid old)"
  expect_rc "run (profile up to 440)" 0
  expect_eq "epoll_pwait2 (profile up to 440)" "$OUT" "441 ENOSYS"
  cfg '.linux.seccomp.syscalls += [{names: ["futex_waitv"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]'
  run_fg "$(newid new)"
  expect_rc "run (profile naming futex_waitv)" 0
  expect_eq "epoll_pwait2 (profile naming futex_waitv)" "$OUT" "441 EPERM"
}

# rong compiles a profile once per state root: the program is cached in $ROOT/~seccomp-cache
# (0700), reused as is by the next container, and a damaged entry is ignored, compiled again
# and replaced, the container still getting the whole filter.
t_seccomp_cache_reused_and_repaired() {
  [ "$RT_KIND" = rong ] || skip "rong's own cache of compiled filters"
  local cache=$ROOT/~seccomp-cache entry first
  syscall_errno_mount
  cfg --slurpfile p "$SECCOMP_PROFILE" '.linux.seccomp = ($p[0] | del(.defaultErrnoRet))'
  set_args /syscall_errno 169 1000
  run_fg "$(newid 1)"
  expect_rc "first run" 0
  expect_eq "errors (first run)" "$OUT" $'169 EPERM\n1000 ENOSYS'
  expect_eq "cache directory mode and owner" "$(stat -c '%a %u' "$cache")" "700 0"
  entry=$(ls "$cache"/*.bpf) || fail "no entry in $cache: $(ls -A "$cache")"
  [ "$(ls -A "$cache" | wc -l)" = 1 ] || fail "more than one entry: $(ls -A "$cache")"
  first=$(stat -c '%i %Y' "$entry")
  sleep 1 # a rewrite would change the mtime
  run_fg "$(newid 2)"
  expect_rc "second run" 0
  expect_eq "errors (second run)" "$OUT" $'169 EPERM\n1000 ENOSYS'
  expect_eq "entry (inode, mtime) after the second run" "$(stat -c '%i %Y' "$entry")" "$first"
  echo garbage >"$entry"
  run_fg "$(newid 3)"
  expect_rc "run with a damaged entry" 0
  expect_eq "errors (damaged entry)" "$OUT" $'169 EPERM\n1000 ENOSYS'
  [ "$(stat -c %s "$entry")" -gt 100 ] || fail "damaged entry not replaced: $(head -c 50 "$entry")"
}

# An allowlist (default EPERM) holding what runc's init needs once the filter is in, without
# sendto, recvmsg, umask or rt_sigaction: the container starts, an exec'd process too (with and
# without noNewPrivileges), and an error after the filter (a missing binary) still reaches the
# caller
t_seccomp_strict_allowlist() {
  [ "$(uname -m)" = x86_64 ] || skip "the profile names x86-64's syscalls"
  local nnp id names='["read", "write", "close", "openat", "newfstatat", "fstat", "stat", "lstat", "statx",
    "statfs", "fstatfs", "execve", "exit", "exit_group", "prctl", "capset", "capget", "setgroups",
    "setresuid", "setresgid", "setuid", "setgid", "chdir", "getcwd", "close_range", "access",
    "faccessat", "faccessat2", "fchown", "futex", "brk", "mmap", "munmap", "mprotect", "madvise",
    "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "readlink", "getrandom",
    "getuid", "geteuid", "getgid", "getegid", "getpid", "getppid", "gettid", "rt_sigprocmask",
    "rt_sigreturn", "sigaltstack", "tgkill", "ioctl", "fcntl", "dup2", "dup3", "wait4", "clone",
    "clone3", "fork", "vfork", "nanosleep", "clock_nanosleep", "clock_gettime", "sched_yield",
    "sched_getaffinity", "uname", "pread64", "lseek", "getdents64", "pipe2", "epoll_pwait", "poll",
    "kill", "writev"]'
  for nnp in false true; do
    id=$(newid "$nnp")
    cfg --argjson n "$names" --argjson nnp "$nnp" '.process.noNewPrivileges = $nnp | .linux.seccomp = {
        defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"],
        syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]}'
    start_waiter "$id"
    rtc exec "$id" echo exec-ok
    expect_rc "exec (noNewPrivileges $nnp)" 0
    expect_eq "exec's output (noNewPrivileges $nnp)" "$OUT" exec-ok
    rtc delete --force "$id"
    assert_clean "$id" "$PID"
    set_args no-such-binary-it
    run_fg "$(newid "$nnp-missing")"
    [ "$RC" != 0 ] || fail "a missing binary ran (noNewPrivileges $nnp)"
    expect_match "the error (noNewPrivileges $nnp)" "$ERR" "no-such-binary-it"
  done
}
