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
    // `run`: start() follows in this process. There is no exec fifo; the init waits on the sync
    // socket, and create's lock and parsed config pass to start() and remove() in Launched.
    bool start_here = false;
    // run in the foreground: a terminal's pty master comes back in Launched.console_master
    // instead of going to a console socket.
    bool own_console = false;
};

// A container made by create(): its init waits on the exec fifo (or, start_here, on `sync`) for
// start().
struct Launched {
    ContainerState state;
    sys::Fd pidfd;           // of the init; valid in the process that cloned it
    sys::Fd console_master;  // run in the foreground with a terminal: the pty to proxy
    // start_here only:
    spec::Config config;     // as create parsed it (the hooks of start and delete)
    sys::Fd lock;            // the state directory, locked from create through start
    sys::Fd sync;            // create's end of the sync socket: start's go; EOF at the execve
    bool start_sent = false; // the go (X) went with the handover already
    ino_t dir_inode = 0;     // of the state directory: delete removes it only if it is still ours
    sys::Fd notify;          // the container's NOTIFY_SOCKET, when rong has one (notify_socket.hpp)
};

Result<Launched> create(const StateStore& store, const CreateOptions& opts);
Status start(const StateStore& store, const std::string& id);
// start() of the container create(start_here) just returned (`run`): nothing is read back.
Status start(Launched& launched);
// After start(launched) failed: kills the init and removes what create made, under the lock create
// took (still held when start failed before letting the init go), not by id: the id may be
// another container's by now.
Status abandon(const StateStore& store, Launched& launched);
Status kill(const StateStore& store, const std::string& id, int signal, bool all);
// Removes a stopped (or, with `force`, any) container: its init, its state, then poststop hooks.
Status remove(const StateStore& store, const std::string& id, bool force);
// remove() of a container this process created, started and reaped (`run`): what create knew is
// not read back.
Status remove(const StateStore& store, const Launched& launched);

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
