#include "container/init.hpp"

#include <fcntl.h>
#include <poll.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <map>
#include <vector>

#include "base/phase.hpp"
#include "cgroups/cgroups.hpp"
#include "container/hooks.hpp"
#include "container/process.hpp"
#include "container/state.hpp"
#include "rootfs/check.hpp"
#include "rootfs/rootfs.hpp"
#include "security/linux_attrs.hpp"
#include "security/process_attrs.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace rong::container {

namespace {

// How the init reads a message: once its seccomp filter may be loaded, by read() only (see
// sys::read_message), unless a large payload may come.
enum class Channel { any, plain };

// Waits for one message of `kind` from the parent. The parent gone (EOF) ends the init: no state
// file points at it, so nobody would ever reap or kill it.
Result<std::string> await(int sync_fd, char kind, Channel channel = Channel::any) {
    auto msg = channel == Channel::plain ? sys::read_message(sync_fd) : sys::recv_message(sync_fd);
    if (!msg) return std::move(msg).error();
    if (msg->empty()) ::_exit(1);
    if ((*msg)[0] != kind) return Error::msg(std::string("sync: unexpected message '") + (*msg)[0] + "'");
    return msg->substr(1);
}

// Everything up to the wait for `start`. Errors go back to `create`.
// `bounding_set`: ours, if known (see ProcessRole).
Result<ExecTarget> setup(const InitContext& ctx, std::optional<uint64_t> bounding_set, std::string& hook_state) {
    const spec::Config& config = ctx.config;
    const spec::Process& proc = *config.process;

    if (!ctx.cgroup_made_meanwhile) {
        TRY(cgroups::join_self(ctx.cgroup_tasks_fds));
        hook_state = TRY(await(ctx.sync_fd, kSyncGo));
    }
    // The idmapped mounts' trees follow G, one per idmapped mount, in config order.
    std::vector<sys::Fd> idmapped_trees;
    std::map<size_t, int> idmapped_by_index;
    for (size_t i = 0; i < config.mounts.size(); ++i) {
        if (!rootfs::is_idmapped(config.mounts[i])) continue;
        idmapped_trees.push_back(TRY(sys::recv_fd(ctx.sync_fd)));
        idmapped_by_index[i] = idmapped_trees.back().get();
    }
    // While /proc is still the host's (CVE-2019-16884); they take effect at our execve.
    if (!proc.apparmorProfile.empty()) TRY(security::set_apparmor_profile(proc.apparmorProfile));
    if (!proc.selinuxLabel.empty()) TRY(security::set_selinux_labels(proc.selinuxLabel));
    // Keys of the caller's session must not be reachable from the container.
    if (ctx.new_keyring && ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, ctx.id.c_str()) < 0 && errno != ENOSYS)
        return Error::sys("join a new session keyring");
    if (!ctx.ns.staged) TRY(namespaces::join(ctx.ns));  // staged: the stage joined them (launch.cpp)
    if (ctx.ns.in_user_namespace()) {
        // Mapped now: become the namespace's root to set it up.
        if (::setresgid(0, 0, 0) < 0) return Error::sys("setresgid 0 in the user namespace");
        if (::setresuid(0, 0, 0) < 0) return Error::sys("setresuid 0 in the user namespace");
    }
    auto enter_cgroup = [&]() -> Status {
        if (ctx.cgroup_made_meanwhile) {
            phase::reached("init-mounts-before-cgroup");
            hook_state = TRY(await(ctx.sync_fd, kSyncGo));  // G: create has made the cgroup
            phase::reached("init-wait-cgroup");
            // Left to the execve only when it follows at once (run): from a created init's
            // /proc/1/fd, a process of the container with CAP_SYS_PTRACE could reopen them
            // writable, past the read-only /sys/fs/cgroup.
            TRY(cgroups::join_self(ctx.cgroup_paths, ctx.exec_fifo_fd < 0 ? 3 + ctx.preserve_fds : INT_MAX));
        }
        // We are in our cgroup (joined, or placed by clone3): it becomes the namespace's root.
        if (ctx.ns.unshare_cgroup && ::unshare(CLONE_NEWCGROUP) < 0) return Error::sys("unshare cgroup namespace");
        return {};
    };
    if (!ctx.cgroup_made_meanwhile) TRY(enter_cgroup());
    if (ctx.ns.unshare_time) TRY(namespaces::enter_time_namespace(*config.linux));
    if (proc.oomScoreAdj) TRY(security::set_oom_score_adj(*proc.oomScoreAdj));
    TRY(namespaces::set_identity(config));
    phase::reached("init-namespaces");

    rootfs::RootfsContext rctx{config, ctx.rootfs, ctx.bundle, ctx.ns.in_user_namespace()};
    rctx.cgroup_paths = ctx.cgroup_paths;
    rctx.host_cgroup2 = ctx.host_cgroup2;
    rctx.idmapped_trees = idmapped_by_index;
    if (ctx.cgroup_made_meanwhile) rctx.enter_cgroup = enter_cgroup;
    sys::Fd rootfd = TRY(rootfs::prepare(rctx));
    idmapped_trees.clear();
    phase::reached("init-mounts");
    if (proc.terminal) {
        rootfs::Console console = TRY(rootfs::open_console(rootfd.get()));
        TRY(attach_terminal(console, ctx.console_socket_fd, proc));
    }

    if (ctx.runtime_hooks) {
        TRY(sys::send_message(ctx.sync_fd, std::string(1, kSyncHooks)));
        TRY(await(ctx.sync_fd, kSyncGo));
    }
    // Before the pivot, in the rootfs, with the process's environment, as runc.
    TRY(run_hooks("createContainer", config.hooks.createContainer, hook_state, {ctx.rootfs, &proc.env}));
    phase::reached("init-hooks");

    TRY(rootfs::enter(ctx.rootfs, rootfd.get(), ctx.no_pivot));
    rootfd.reset();
    phase::reached("init-pivot");
    // Before the read-only paths (/proc/sys), as runc.
    if (config.linux) TRY(security::apply_sysctls(config.linux->sysctl));
    TRY(rootfs::finish(config));
    // `start` wakes us through exec.fifo, reopened by /proc: without it we could not be started.
    if (ctx.exec_fifo_fd >= 0) TRY(rootfs::check_container_proc("exec.fifo, for start"));
    TRY(security::apply_linux_attrs(config));
    phase::reached("init-finish");

    SeccompSetup seccomp;
    seccomp.program = ctx.seccomp;
    seccomp.send_listener = [&ctx](sys::Fd listener) -> Status {
        TRY(sys::send_message(ctx.sync_fd, std::string(1, kSyncSeccomp)));
        TRY(sys::send_fd(ctx.sync_fd, listener.get(), "seccomp"));
        TRY(await(ctx.sync_fd, kSyncGo));
        return {};
    };
    ExecTarget target = TRY(prepare_process(proc, seccomp, {.init = true, .foreground = ctx.foreground, .bounding_set = bounding_set}));
    phase::reached("init-process");
    return target;
}

[[noreturn]] void fail(int sync_fd, const Error& error) {
    (void)sys::write_message(sync_fd, std::string(1, kSyncError) + error.message);
    ::_exit(1);
}

}  // namespace

void run_init(const InitContext& ctx) {
    // A flock belongs to the open file: were it kept, `start` would wait for it forever. Both go
    // with the rest below, unless they took a free number among the fds the caller passes.
    for (int fd : {ctx.lock_fd, ctx.parent_sync_fd})
        if (fd >= 0 && fd < 3 + ctx.preserve_fds) ::close(fd);
    // Whatever else create held (its cgroup2 directory, for clone3) or its caller left open.
    std::vector<int> keep{ctx.sync_fd, ctx.exec_fifo_fd, ctx.console_socket_fd};
    keep.insert(keep.end(), ctx.cgroup_tasks_fds.begin(), ctx.cgroup_tasks_fds.end());
    sys::close_fds_except(3 + ctx.preserve_fds, std::move(keep));
    // Until `create` has recorded us, we die with it. It may have died before the prctl: then its
    // end of the sync socket is closed (getppid() cannot tell, it is 0 in a new pid namespace).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct pollfd parent {
        ctx.sync_fd, POLLRDHUP, 0
    };
    if (::poll(&parent, 1, 0) < 0 || (parent.revents & (POLLHUP | POLLRDHUP))) ::_exit(1);
    // Other processes may not open /proc/<us>/exe (the rong binary) while we are rong (CVE-2019-5736).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    ::prctl(PR_SET_NAME, kInitName, 0, 0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A session of our own: the caller's controlling terminal must not be the container's
    // (TIOCSTI would type into the operator's shell).
    ::setsid();
    auto self = sys::read_self_status();
    if (!self) fail(ctx.sync_fd, self.error());
    if (auto st = sys::default_ignored_signals(self->ignored_signals); !st) fail(ctx.sync_fd, st.error());
    // As the first process of a pid namespace we would ignore every signal we do not handle: a
    // `kill ID` (TERM) of a created container would do nothing. These end us, as they end runc's
    // init; the execve resets them. (Set now, before a seccomp filter may refuse rt_sigaction.)
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGTERM}) {
        struct sigaction sa {};
        sa.sa_handler = [](int s) { ::_exit(128 + s); };
        ::sigaction(sig, &sa, nullptr);
    }

    std::string hook_state;
    // Entering a user namespace fills the bounding set again: then it is not what was read.
    auto exec = setup(ctx, ctx.ns.in_user_namespace() ? std::nullopt : self->bounding_set, hook_state);
    if (!exec) fail(ctx.sync_fd, exec.error());

    // The handover: from `committed` on, a state file names us and `delete` can clean up.
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    // setup() may have loaded the seccomp filter (without no_new_privs, before the capabilities
    // go): from here on write() and read() only, as runc's init.
    if (auto st = sys::write_message(ctx.sync_fd, std::string(1, kSyncReady)); !st) ::_exit(1);
    // The payload: the state for startContainer hooks, now that the container is "created".
    bool large_state = !ctx.config.hooks.startContainer.empty();
    auto created_state = await(ctx.sync_fd, kSyncCommitted, large_state ? Channel::any : Channel::plain);
    if (!created_state) ::_exit(1);
    hook_state = std::move(*created_state);

    if (ctx.exec_fifo_fd < 0) {
        // run: the same process starts us. The socket is close-on-exec: its EOF is our execve.
        if (!await(ctx.sync_fd, kSyncStart, Channel::plain)) ::_exit(1);
        if (auto st = run_hooks("startContainer", ctx.config.hooks.startContainer, hook_state, {"", &exec->env}); !st)
            fail(ctx.sync_fd, st.error());
    } else {
        ::close(ctx.sync_fd);
        // Blocks until `start` opens the other end. The fifo stays open, close-on-exec, until the
        // execve: `start` waits for it to close, so poststart hooks run once the process runs.
        auto fifo = sys::reopen(ctx.exec_fifo_fd, O_WRONLY, kExecFifo);
        if (!fifo || !sys::move_fd_above(*fifo, 3 + ctx.preserve_fds)) {
            std::fprintf(stderr, "rong: %s\n", fifo ? "move exec fifo" : fifo.error().message.c_str());
            ::_exit(1);
        }
        ::close(ctx.exec_fifo_fd);
        // What `start` reads there: 0, the process may run; or E and why it may not.
        if (auto st = run_hooks("startContainer", ctx.config.hooks.startContainer, hook_state, {"", &exec->env}); !st) {
            std::string said = kFifoError + st.error().message.substr(0, PIPE_BUF - 1);  // one atomic write
            (void)!::write(fifo->get(), said.data(), said.size());
            std::fprintf(stderr, "rong: %s\n", st.error().message.c_str());
            ::_exit(1);
        }
        if (::write(fifo->get(), &kFifoReady, 1) != 1) ::_exit(1);
        (void)fifo->release();  // closed by the execve itself
    }

    // An execve that fails after all (ENOEXEC: a script without #!): as runc's, `run` fails with
    // it; after `start`, only the process's stderr is left. Exit status 1 either way, as runc's.
    Status ready = ready_to_exec(*exec, ctx.preserve_fds);
    Error error = ready ? exec_target(*exec) : std::move(ready).error();
    if (ctx.exec_fifo_fd < 0) fail(ctx.sync_fd, error);
    std::fprintf(stderr, "rong: %s\n", error.message.c_str());
    ::_exit(1);
}

}  // namespace rong::container
