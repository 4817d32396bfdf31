// The container lifecycle as a library: what each CLI command does, with no argv, stdout or exit
// codes in sight. Every function returns an Error for the CLI to report.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "container/state.hpp"
#include "sys/fd.hpp"

namespace rong::container {

struct CreateOptions {
    std::string id;
    std::string bundle;          // default: the working directory
    std::string pid_file;
    std::string console_socket;  // path of a unix socket that receives the pty master
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
};

// A container made by create(): its init waits on the exec fifo for start().
struct Launched {
    ContainerState state;
    sys::Fd pidfd;           // of the init; valid in the process that cloned it
    sys::Fd console_master;  // run in the foreground with a terminal: the pty to proxy
};

// `console_fd` >= 0 replaces --console-socket with an already connected socket (run's own); it is
// used only when the config asks for a terminal.
Result<Launched> create(const StateStore& store, const CreateOptions& opts, int console_fd = -1);
Status start(const StateStore& store, const std::string& id);
// start() of the container create() just returned (`run`): its state is not read back.
Status start(const StateStore& store, const Launched& launched);
Status kill(const StateStore& store, const std::string& id, int signal, bool all);
// Removes a stopped (or, with `force`, any) container: its init, its state, then poststop hooks.
Status remove(const StateStore& store, const std::string& id, bool force);

// The cgroup commands (cgroup_ops.cpp): freeze/thaw, the host pids of every process, new
// resources, and the stats `events` reports.
Status pause(const StateStore& store, const std::string& id);
Status resume(const StateStore& store, const std::string& id);
Result<std::vector<pid_t>> processes(const StateStore& store, const std::string& id);
Status update(const StateStore& store, const std::string& id, const spec::Resources& resources);
Result<nlohmann::ordered_json> stats(const StateStore& store, const std::string& id);
Result<uint64_t> oom_kills(const StateStore& store, const std::string& id);

struct Snapshot {
    ContainerState state;
    ContainerStatus status;
};
Result<Snapshot> inspect(const StateStore& store, const std::string& id);
Result<std::vector<Snapshot>> list(const StateStore& store);

}  // namespace rong::container
