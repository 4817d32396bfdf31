// start, kill, delete, state and list: the commands that act on a container create() made.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <chrono>

#include "base/log.hpp"
#include "base/phase.hpp"
#include "cgroups/cgroups.hpp"
#include "container/container.hpp"
#include "container/hooks.hpp"
#include "container/init.hpp"
#include "container/notify_socket.hpp"
#include "security/process_attrs.hpp"
#include "spec/parse.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace rong::container {

namespace {

Result<spec::Config> config_of(const ContainerState& state) {
    return spec::parse_config(state.config_json, "state.json: config");
}

// Whether the container has a pid namespace of its own: then its processes are those of the
// namespace, which die with the init, and whatever else is in its cgroup (a nested container's,
// one that was moved in) is not its to kill (runc). Otherwise they are those of its cgroup.
bool own_pid_namespace(const ContainerState& state) {
    auto config = config_of(state);
    if (!config || !config->linux) return false;
    const spec::Namespace* pid = config->linux->find_namespace("pid");
    return pid && pid->path.empty();
}

// Waits for the init to exit (a zombie counts: nobody but its parent may reap it).
bool wait_exited(int pidfd, const ContainerState& state, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (sys::process_alive(state.pid, state.start_time)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        struct pollfd p {
            pidfd, POLLIN, 0
        };
        // A pidfd turns readable when the process exits; re-check /proc at least every 10 ms
        // since an exit of a non-child is observed there too.
        ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 10)));
    }
    return true;
}

// A create killed before it saved the state left its directory, maybe a cgroup (creating.json
// names it), and as a rule no process: its init died with it (PDEATHSIG). runc removes such a
// directory on delete too, forced or not; rong also removes the cgroup, and kills what is in it:
// a `run` killed between its init's R and the state's publication leaves the process running.
Status remove_abandoned(const StateStore& store, const std::string& id) {
    sys::Fd lock;
    auto creating = store.lock_abandoned(id, lock);
    if (!creating) return std::move(creating).error();
    if (*creating) {
        if (auto cgroup = cgroups::from_paths((*creating)->cgroup_paths)) {
            if (!cgroup->remove_if_empty()) {
                if (auto st = cgroup->kill_all(SIGKILL); !st) log::debug(st.error().message);
            }
            TRY(cgroup->destroy());
        }
    }
    return store.remove(id);
}

// delete, once the init has exited: its cgroup. One that cannot be removed (someone else's
// process is in it) stays, and is reported once the state is gone, as runc does.
Status remove_cgroup(const ContainerState& state, cgroups::Manager* cgroup) {
    // Most often the cgroup is empty, and removed without a look inside. Processes the init left
    // behind (no pid namespace of its own) go with it; destroy waits for dying ones.
    Status left;
    if (cgroup && !cgroup->remove_if_empty()) {
        if (!own_pid_namespace(state)) {
            if (auto st = cgroup->kill_all(SIGKILL); !st) log::debug(st.error().message);
        }
        left = cgroup->destroy();
    }
    phase::reached("delete-cgroup");
    return left;
}

// Whether the config kept in the state may have hooks of `kind`, so that one without needs no
// parse. A config without the word has none: a JSON string can spell letters otherwise only with
// \u escapes.
bool may_have_hooks(const ContainerState& state, const char* kind) {
    const std::string& text = state.config_json;
    return text.find(kind) != std::string::npos || text.find("\\u") != std::string::npos;
}

void run_poststart(const ContainerState& state, const spec::Config& config) {
    if (config.hooks.poststart.empty()) return;
    std::string hook_state = hook_state_json(state, ContainerStatus::running, config);
    run_hooks_warning("poststart", config.hooks.poststart, hook_state, {state.bundle});
}

void run_poststop(const ContainerState& state, const spec::Config& config) {
    if (config.hooks.poststop.empty()) return;
    std::string hook_state = hook_state_json(state, ContainerStatus::stopped, config);
    run_hooks_warning("poststop", config.hooks.poststop, hook_state, {state.bundle});
}

// start, once the state directory is locked and the container known to be created. The lock
// goes once the init has been let go: not held through the poststart hooks or the wait for the
// process's READY=1, which are the process's to make long, nor against a delete --force.
Status start_locked(const StateStore& store, const ContainerState& state, int pidfd, sys::Fd lock) {
    std::string fifo_path = store.dir_of(state.id) + "/" + kExecFifo;
    // sd_notify: the socket is there before the process can write to it (if create made its
    // directory: a create without NOTIFY_SOCKET gave the container none).
    sys::Fd notify;
    std::string notify_host = host_notify_socket();
    if (!notify_host.empty() && ::access((store.dir_of(state.id) + "/" + kNotifyDir).c_str(), F_OK) == 0)
        notify = TRY(bind_notify_socket(store.dir_of(state.id)));
    // Non-blocking open, then wait for the init's byte (its startContainer hooks are done) or its
    // death; then for the fifo to close, which the init's execve does: the process runs.
    auto opened = sys::open_file(fifo_path, O_RDONLY | O_NONBLOCK);
    // Gone: another `start` took it since the caller looked.
    if (!opened && opened.error().errnum == ENOENT) return Error::msg("cannot start an already running container");
    sys::Fd fifo = TRY(std::move(opened));
    std::string said;   // kFifoReady, or kFifoError and why (state.hpp)
    bool gone = false;  // the init exited: what it wrote is still to be read
    for (;;) {
        struct pollfd p[2] = {{fifo.get(), POLLIN, 0}, {gone ? -1 : pidfd, POLLIN, 0}};
        if (::poll(p, 2, gone ? 0 : -1) < 0) {
            if (errno == EINTR) continue;
            return Error::sys("poll exec fifo");
        }
        if (p[1].revents & POLLIN) gone = true;
        if (p[0].revents & (POLLIN | POLLHUP)) {
            char buf[PIPE_BUF];
            ssize_t n = ::read(fifo.get(), buf, sizeof buf);
            if (n > 0) {
                // Taken at the init's first byte (its startContainer hooks are done; until then it
                // is created): were we killed after reading it with the fifo still there, the
                // state would say created while the process runs, and the next `start` would
                // wait for a writer forever.
                if (said.empty()) ::unlink(fifo_path.c_str());
                said.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n == 0 && !said.empty()) break;  // the writer closed: exec'd (or died trying), or gave up
        }
        if (gone && !(p[0].revents & POLLIN)) break;
    }
    if (said.empty()) return Error::msg("container init exited before it was started");
    if (said[0] == kFifoError) return Error::msg(said.substr(1));
    phase::reached("start-exec");
    lock.reset();

    if (may_have_hooks(state, "poststart")) run_poststart(state, TRY(config_of(state)));
    phase::reached("start-hooks");
    if (notify) TRY(forward_ready(notify.get(), pidfd, state.pid, notify_host));
    return {};
}

}  // namespace

Status start(const StateStore& store, const std::string& id) {
    sys::Fd lock = TRY(store.lock(id));
    ContainerState state = TRY(store.load(id));
    ContainerStatus status = status_of(state, store.dir_of(id));
    if (status == ContainerStatus::stopped) return Error::msg("cannot start a container that has stopped");
    if (status == ContainerStatus::paused) return Error::msg("cannot start a container in the paused state");
    if (status != ContainerStatus::created) return Error::msg("cannot start an already running container");
    auto pinned = sys::open_pidfd(state.pid, state.start_time);
    // Gone since status_of looked.
    if (!pinned && pinned.error().errnum == ESRCH) return Error::msg("cannot start a container that has stopped");
    sys::Fd pidfd = TRY(std::move(pinned));
    return start_locked(store, state, pidfd.get(), std::move(lock));
}

Status start(Launched& launched) {
    // Still locked since create: no other start or delete can have come between. A failure keeps
    // the lock, for abandon().
    sys::Fd sync = std::move(launched.sync);
    if (!launched.start_sent) TRY(sys::send_message(sync.get(), std::string(1, kSyncStart)));
    // The socket is close-on-exec in the init: EOF is its execve (or its death). A message is the
    // error of a startContainer hook. The pidfd from the clone pins the init.
    for (;;) {
        struct pollfd p[2] = {{sync.get(), POLLIN, 0}, {launched.pidfd.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::sys("poll sync socket");
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            auto received = sys::recv_message(sync.get());
            // Gone with C or X unread: before its execve.
            if (!received && received.error().errnum == ECONNRESET)
                return Error::msg("container init exited before it was started");
            std::string msg = TRY(std::move(received));
            if (msg.empty()) break;
            if (msg[0] == kSyncError) return Error::msg(msg.substr(1));
            return Error::msg(std::string("sync: unexpected message '") + msg[0] + "'");
        }
        if (p[1].revents & POLLIN) return Error::msg("container init exited before it was started");
    }
    phase::reached("start-exec");
    launched.lock.reset();  // (see start_locked)
    run_poststart(launched.state, launched.config);
    phase::reached("start-hooks");
    if (launched.notify)
        TRY(forward_ready(launched.notify.get(), launched.pidfd.get(), launched.state.pid, host_notify_socket()));
    return {};
}

Status kill(const StateStore& store, const std::string& id, int signal, bool all) {
    ContainerState state = TRY(store.load(id));
    ContainerStatus status = status_of(state, store.dir_of(id));
    // --all: every process of the cgroup, even once the init has gone (runc).
    if (all) {
        if (auto cg = cgroups::from_paths(state.cgroup_paths)) return cg->kill_all(signal);
    }
    if (status == ContainerStatus::stopped) return Error::msg("container not running");
    auto pidfd = sys::open_pidfd(state.pid, state.start_time);
    // Only a process that is gone means "not running"; any other failure is reported as it is.
    if (!pidfd && pidfd.error().errnum == ESRCH) return Error::msg("container not running");
    if (!pidfd) return std::move(pidfd).error();
    TRY(sys::send_signal(pidfd->get(), signal));
    // A frozen (v1) process dies only once thawed: a SIGKILL thaws a paused container, as runc's.
    if (signal == SIGKILL && status == ContainerStatus::paused) {
        if (auto cg = cgroups::from_paths(state.cgroup_paths)) return cg->thaw();
    }
    return {};
}

Status remove(const StateStore& store, const std::string& id, bool force) {
    auto lock = store.lock(id);
    if (!lock) {
        if (lock.error().errnum != ENOENT) return std::move(lock).error();
        if (auto st = remove_abandoned(store, id); !st && st.error().errnum != ENOENT && st.error().errnum != EEXIST)
            return st;
        // Clients clean up with `delete --force` after the container is gone: that succeeds.
        if (force) return {};
        return std::move(lock).error();
    }
    ContainerState state = TRY(store.load(id));
    ContainerStatus status = status_of(state, store.dir_of(id));
    auto cgroup = cgroups::from_paths(state.cgroup_paths);
    if (status != ContainerStatus::stopped) {
        // A created container has run nothing of the user's yet: runc deletes it without --force.
        if (!force && status != ContainerStatus::created)
            return Error::msg("cannot delete container " + id + " that is not stopped: " + to_string(status));
        // Without a pid namespace of its own, every process of the cgroup (frozen first, and
        // thawed: a paused one dies too); with one, the init, and the kernel kills the rest.
        bool own_pid_ns = own_pid_namespace(state);
        if (cgroup && !own_pid_ns) {
            if (auto st = cgroup->kill_all(SIGKILL); !st) log::warn(st.error().message);
        }
        auto pidfd = sys::open_pidfd(state.pid, state.start_time);
        // An init that is gone needs no kill; one that cannot be pinned must not lose its state.
        if (!pidfd && pidfd.error().errnum != ESRCH) return std::move(pidfd).error();
        if (pidfd) {
            // The cgroup's kill may have ended (and its parent reaped) the init since it was pinned.
            if (auto st = sys::send_signal(pidfd->get(), SIGKILL); !st && st.error().errnum != ESRCH) return st;
            // A frozen (v1) process dies only once thawed, as runc does after its kill.
            if (cgroup && own_pid_ns && status == ContainerStatus::paused) {
                if (auto st = cgroup->thaw(); !st) log::warn(st.error().message);
            }
            if (!wait_exited(pidfd->get(), state, 10000))
                return Error::msg("container init " + std::to_string(state.pid) + " did not exit after SIGKILL");
        }
    }
    phase::reached("delete-kill");
    Status cgroup_left = remove_cgroup(state, cgroup.get());
    TRY(store.remove(state.id));
    phase::reached("delete-state");
    if (may_have_hooks(state, "poststop")) {
        if (auto config = config_of(state)) run_poststop(state, *config);
    }
    return cgroup_left;
}

Status remove(const StateStore& store, const Launched& launched) {
    ino_t inode = 0;
    sys::Fd lock = TRY(store.lock(launched.state.id, &inode));
    // A `delete --force` and a new create of the same id while we ran: that one is not ours.
    if (inode != launched.dir_inode) return Error{"container does not exist", ENOENT};
    phase::reached("delete-kill");
    Status cgroup_left = remove_cgroup(launched.state, cgroups::from_paths(launched.state.cgroup_paths).get());
    TRY(store.remove(launched.state.id));
    phase::reached("delete-state");
    run_poststop(launched.state, launched.config);
    return cgroup_left;
}

Status abandon(const StateStore& store, Launched& launched) {
    if (auto st = sys::send_signal(launched.pidfd.get(), SIGKILL); !st && st.error().errnum != ESRCH) return st;
    ::waitpid(launched.state.pid, nullptr, 0);
    sys::Fd lock = std::move(launched.lock);
    if (!lock) {  // let go already: ours only if nobody has deleted it and made the id anew
        ino_t inode = 0;
        lock = TRY(store.lock(launched.state.id, &inode));
        if (inode != launched.dir_inode) return {};
    }
    Status cgroup_left = remove_cgroup(launched.state, cgroups::from_paths(launched.state.cgroup_paths).get());
    TRY(store.remove(launched.state.id));
    run_poststop(launched.state, launched.config);
    return cgroup_left;
}

Result<Snapshot> inspect(const StateStore& store, const std::string& id) {
    ContainerState state = TRY(store.load(id));
    ContainerStatus status = status_of(state, store.dir_of(id));
    return Snapshot{std::move(state), status};
}

Result<std::vector<Snapshot>> list(const StateStore& store) {
    std::vector<Snapshot> out;
    for (const auto& id : TRY(store.ids())) {
        // A container deleted while we read the directory is simply not listed. Like runc, list
        // names the owner of the state directory; state leaves it empty.
        auto snap = inspect(store, id);
        if (!snap) continue;
        struct stat st {};
        if (::stat(store.dir_of(id).c_str(), &st) == 0) {
            if (auto entry = security::passwd_entry(st.st_uid)) snap->state.owner = (*entry)[0];
        }
        out.push_back(std::move(*snap));
    }
    return out;
}

}  // namespace rong::container
