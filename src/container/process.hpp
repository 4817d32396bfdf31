// The container process's own attributes, applied in the process that will exec it: the init
// after pivot_root, and (later) `exec` after joining the container. Shared so both get the same
// security: rlimits, capabilities, user and groups, no_new_privs, cwd, HOME, the PATH lookup,
// and finally the exec itself with every fd but stdio and the preserved ones closed.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::container {

struct ExecTarget {
    std::string path;               // args[0] resolved in the container's PATH
    std::vector<std::string> args;
    std::vector<std::string> env;   // with HOME added when the config has none
};

// Applies everything that must happen before the wait for `start` and returns what to exec.
Result<ExecTarget> prepare_process(const spec::Process& proc);

// Closes every fd >= 3 + preserve_fds (CVE-2024-21626) and execs. Returns only on failure.
Error exec_process(const ExecTarget& target, int preserve_fds);

}  // namespace rong::container
