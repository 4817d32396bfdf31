// exec: a new process in a running container, in all of its namespaces, with the same security
// setup as the init (container/process.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "container/state.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::container {

// What the caller says about the process. With `process_file`, that JSON is the whole process;
// otherwise the container's own process is the template and these override it.
struct ExecOptions {
    std::string id;
    std::string process_file;
    std::vector<std::string> args;
    std::vector<std::string> env;  // KEY=VALUE, replacing the same key of the template
    std::optional<std::string> cwd;
    std::optional<uint32_t> uid, gid;
    std::vector<uint32_t> additional_gids;
    std::vector<std::string> caps;  // added to bounding, effective and permitted, as runc
    bool tty = false;
    bool no_new_privs = false;
    std::string console_socket;
    int preserve_fds = 0;
    bool ignore_paused = false;
    std::optional<std::string> apparmor, process_label;  // LSM labels replacing the template's
    std::string pidfd_socket;  // a unix socket that receives the process's pidfd (runc 1.2)
    std::string pid_file;      // written once the process has exec'd
    // In the foreground: a terminal's pty master comes back in ExecHandle::console_master instead
    // of going to a console socket.
    bool own_console = false;
    std::vector<std::string> sub_cgroups;  // --cgroup [controller:]path, below the container's
};

// The process as it will run: the template, the file or the flags applied.
Result<spec::Process> exec_process_spec(const spec::Config& config, const ExecOptions& opts);

struct ExecHandle {
    pid_t pid = 0;
    sys::Fd pidfd;
    sys::Fd console_master;  // own_console and a terminal: the pty to proxy
};

// Starts the process; returns once it has exec'd (or the error of why it could not).
Result<ExecHandle> exec(const StateStore& store, const ExecOptions& opts);

}  // namespace rong::container
