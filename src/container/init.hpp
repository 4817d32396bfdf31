// The container's init: the child side of the fork-exec protocol. See launch.cpp for the sequence.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "namespaces/namespaces.hpp"
#include "security/seccomp_program.hpp"
#include "spec/config.hpp"

namespace rong::container {

// One-byte message kinds on the sync socket (a SOCK_SEQPACKET pair).
enum SyncMessage : char {
    kSyncGo = 'G',        // parent → init: carry on (the payload, first time, is the hooks' state JSON)
    kSyncHooks = 'H',     // init → parent: namespaces and mounts are ready, run prestart/createRuntime
    kSyncReady = 'R',     // init → parent: set up, waiting on the exec fifo
    kSyncCommitted = 'C', // parent → init: state saved, letting go (payload: startContainer's state)
    kSyncError = 'E',     // init → parent: setup failed; the payload is the message
    kSyncStart = 'X',     // parent → init, run only: exec the container process (no exec fifo)
    kSyncSeccomp = 'S',   // init → parent: a seccomp listener fd follows (SCM_RIGHTS); parent
                          // passes it to the agent at listenerPath, then answers G
};

// The init's name (comm) until its execve, which gives it the process's: how `exec` tells an
// init that is still rong, run from rong's binary, from one that runs the container's process.
inline constexpr const char* kInitName = "rong:init";

struct InitContext {
    const spec::Config& config;
    std::string rootfs;
    std::string bundle;
    namespaces::Plan ns;
    int sync_fd = -1;
    int parent_sync_fd = -1;     // create's end, inherited by the clone: closed at once, so that
                                 // create's death reads as EOF on sync_fd
    int exec_fifo_fd = -1;       // exec.fifo (O_PATH), reopened for writing after pivot_root; -1
                                 // for run, which starts the init through sync_fd (kSyncStart). Not
                                 // the state directory: a process of the container with
                                 // CAP_SYS_PTRACE could follow a directory from /proc/1/fd to the host
    int lock_fd = -1;            // create's lock on the state directory: not the init's to hold
    int console_socket_fd = -1;  // terminal: the pty master is sent there
    int preserve_fds = 0;        // fds 3 .. 3+preserve_fds-1 reach the process
    std::string id;
    bool no_pivot = false;
    bool foreground = false;     // run without -d: the caller's stdio stays as it is
    bool new_keyring = true;     // a session keyring of its own, named after the container
    std::map<std::string, std::string> cgroup_paths;  // for the container's cgroup mount
    std::string host_cgroup2;  // rootfs::RootfsContext::host_cgroup2
    const security::SeccompProgram* seccomp = nullptr;  // linux.seccomp, compiled before the clone
    std::vector<int> cgroup_tasks_fds;  // v1: the init moves itself in first (cgroups::join_self)
    // v1 or hybrid host, no new user namespace, no idmapped mounts: create makes the v1 cgroups
    // after the clone, while the init mounts what does not need them. The init then waits for G,
    // opens the `tasks` files itself and joins (rootfs::RootfsContext::enter_cgroup).
    bool cgroup_made_meanwhile = false;
    bool runtime_hooks = false;  // prestart or createRuntime hooks exist: stop for them
};

// Never returns: execs the container process, or reports an error on the sync socket and exits.
[[noreturn]] void run_init(const InitContext& ctx);

}  // namespace rong::container
