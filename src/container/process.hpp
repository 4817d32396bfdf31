// The container process's own attributes, applied in the process that will exec it: the init
// after pivot_root, and (later) `exec` after joining the container. Shared so both get the same
// security: rlimits, capabilities, user and groups, no_new_privs, cwd, HOME, the PATH lookup,
// and finally the exec itself with every fd but stdio and the preserved ones closed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "rootfs/rootfs.hpp"
#include "security/seccomp_program.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::container {

struct ExecTarget {
    std::string path;               // args[0] resolved in the container's PATH
    std::vector<std::string> args;
    std::vector<std::string> env;   // with HOME added when the config has none
    // The seccomp filter still to load, right before execve (noNewPrivileges: as late as possible).
    const security::SeccompProgram* seccomp = nullptr;
};

// linux.seccomp for the process. Without noNewPrivileges the filter is loaded while the process
// still has CAP_SYS_ADMIN (before the capabilities are dropped, as runc); with it, right before
// execve. A filter with SCMP_ACT_NOTIFY is loaded in prepare_process and its listener fd handed
// to send_listener (the init sends it to `create`, which passes it to the seccomp agent).
struct SeccompSetup {
    const security::SeccompProgram* program = nullptr;  // compiled by the parent (from the cache)
    std::function<Status(sys::Fd listener)> send_listener;
};

// Makes `console`'s peer the caller's stdio and controlling terminal, and sends the master to
// whoever listens on `console_socket_fd` (with the pty's name, as runc).
Status attach_terminal(rootfs::Console& console, int console_socket_fd, const spec::Process& proc);

// What differs between the init and an exec'd process, and between a detached and a foreground
// rong (which keeps the caller's stdio: runc puts pipes of its own there).
struct ProcessRole {
    bool init = false;        // no process.user.umask: 0022, not the caller's (runc's init)
    bool foreground = false;  // else fds 0-2 are handed to process.user, as runc does (and so is
                              // the process's own pty in the foreground)
    // The bounding set (CapBnd) if it is still what was read: no user namespace entered since,
    // which fills it.
    std::optional<uint64_t> bounding_set;
};

// Applies everything that must happen before the wait for `start` and returns what to exec.
Result<ExecTarget> prepare_process(const spec::Process& proc, const SeccompSetup& seccomp, ProcessRole role);

// Closes every fd >= 3 + preserve_fds on the execve (CVE-2024-21626) and loads target.seccomp if any.
Status ready_to_exec(const ExecTarget& target, int preserve_fds);
// The execve; returns only on failure: one that the lookup in prepare_process could not foresee
// (ENOEXEC: a script without #!, a missing interpreter or loader), which runc leaves to the
// process (exit status 1, the error on its stderr) rather than failing the command.
Error exec_target(const ExecTarget& target);

}  // namespace rong::container
