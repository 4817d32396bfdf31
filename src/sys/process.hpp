// Processes: clone3, pidfds, and what /proc says about a pid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "sys/fd.hpp"

namespace rong::sys {

// clone3 with `flags` (CLONE_NEW*, CLONE_PARENT) and SIGCHLD as exit signal (with CLONE_PARENT,
// the caller's own); returns 0 in the child, the child's pid in the parent. `pidfd_out`, when
// given, receives a pidfd for the child (CLONE_PIDFD). `cgroup_fd` >= 0 places the child in that
// cgroup (CLONE_INTO_CGROUP).
Result<pid_t> clone_process(uint64_t flags, Fd* pidfd_out = nullptr, int cgroup_fd = -1);

// What identifies a process for life: its pid and its start time (field 22 of /proc/<pid>/stat).
struct ProcStat {
    char state = '?';  // R, S, D, Z, T, ...
    uint64_t start_time = 0;
    pid_t ppid = 0;
};
std::optional<ProcStat> read_proc_stat(pid_t pid);

// True when `pid` is the very process started at `start_time` and has not exited (a zombie has).
bool process_alive(pid_t pid, uint64_t start_time);

// A pidfd for a child of ours not waited for yet: its pid cannot have been reused.
Result<Fd> open_child_pidfd(pid_t pid);
// A pidfd for `pid`, checked against its start time so a recycled pid is never signalled.
Result<Fd> open_pidfd(pid_t pid, uint64_t start_time);
Status send_signal(int pidfd, int sig);

// What a container's process, freshly cloned, needs of /proc/self/status: read once.
struct SelfStatus {
    uint64_t ignored_signals = 0;                // SigIgn
    std::optional<uint64_t> bounding_set;        // CapBnd
};
Result<SelfStatus> read_self_status();

// Sets each signal in `ignored` (SigIgn) back to SIG_DFL. An execve keeps an ignored signal
// ignored: a container's process must not inherit what rong's caller ignored (nohup's SIGHUP, a
// non-interactive shell's SIGINT and SIGQUIT for `&` jobs, SIGPIPE).
Status default_ignored_signals(uint64_t ignored);

// An argv/envp for execve: pointers into `strings` (which must outlive it), null-terminated.
std::vector<char*> exec_vector(std::vector<std::string>& strings);

// waitpid that retries on EINTR; returns the raw status.
Result<int> wait_for(pid_t pid);
// The shell convention for a wait status: exit code, or 128 + signal number.
int exit_code_of(int wait_status);

// Signal names as kill(1) and runc take them: "KILL", "SIGKILL", "9".
std::optional<int> parse_signal(const std::string& name);

}  // namespace rong::sys
