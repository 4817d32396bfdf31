// exec: the parent joins the container's pid namespace (for its children only), clones the
// process into the container's cgroup, and the process joins the rest through the init's pidfd,
// sets itself up like the init and execs. Success is the sync socket closing on exec (it is close-on-exec); failure is a
// message on it.
#include "container/exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "base/log.hpp"
#include "cgroups/cgroups.hpp"
#include "container/init.hpp"
#include "container/process.hpp"
#include "container/seccomp_notify.hpp"
#include "namespaces/namespaces.hpp"
#include "security/capabilities.hpp"
#include "security/linux_attrs.hpp"
#include "security/process_attrs.hpp"
#include "security/sealed_exe.hpp"
#include "spec/parse.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace rong::container {

namespace {

Status set_env(std::vector<std::string>& env, const std::string& entry) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) return Error::msg("invalid environment variable: \"" + entry + "\"");
    std::string key = entry.substr(0, eq + 1);
    for (auto& e : env) {
        if (e.compare(0, key.size(), key) == 0) {
            e = entry;
            return {};
        }
    }
    env.push_back(entry);
    return {};
}

// The namespaces of the container's init that an exec'd process joins (all those the config
// names: new ones and joined ones alike are the init's now).
int namespace_flags(const spec::Config& config) {
    int flags = 0;
    if (config.linux)
        for (const auto& ns : config.linux->namespaces) flags |= namespaces::clone_flag(ns.type);
    return flags;
}

// Messages of the exec'd process to rong: an error, or a seccomp listener fd for the agent
// (answered with "G"). Its successful execve closes the socket: no message at all.
constexpr char kExecError = 'E';
constexpr char kExecSeccomp = 'S';
constexpr char kExecPid = 'P';  // staged: the process's pid (the child that says it then exits)

[[noreturn]] void report_and_exit(int sync_fd, const Error& error) {
    (void)sys::write_message(sync_fd, kExecError + error.message);  // the filter may be loaded
    ::_exit(1);
}

// The process's own setup, in every namespace of the container: from here it runs nothing of
// the host's and holds no fd of it (the cgroup's `tasks` files at most).
[[noreturn]] void become_process(int sync_fd, const spec::Config& config, const security::SeccompProgram* seccomp_program,
                                 int console_fd, int preserve_fds, bool foreground,
                                 std::optional<uint64_t> bounding_set) {
    const spec::Process& proc = *config.process;
    auto fail = [&](const Error& e) { report_and_exit(sync_fd, e); };
    if (::chdir("/") < 0) fail(Error::sys("chdir /"));
    if (proc.terminal) {
        sys::Fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto console = rootfs::open_pty(root.get());
        if (!console) fail(console.error());
        if (auto st = attach_terminal(*console, console_fd, proc); !st) fail(st.error());
    }
    if (auto st = security::apply_linux_attrs(config); !st) fail(st.error());
    if (auto st = security::set_final_cpu_affinity(proc); !st) fail(st.error());
    // The container's seccomp filter binds every process in it, exec'd ones too.
    SeccompSetup seccomp;
    seccomp.program = seccomp_program;
    seccomp.send_listener = [sync_fd](sys::Fd listener) -> Status {
        TRY(sys::send_message(sync_fd, std::string(1, kExecSeccomp)));
        TRY(sys::send_fd(sync_fd, listener.get(), "seccomp"));
        auto go = TRY(sys::recv_message(sync_fd));
        if (go != "G") ::_exit(1);
        return {};
    };
    auto target = prepare_process(proc, seccomp, {.init = false, .foreground = foreground, .bounding_set = bounding_set});
    if (!target) fail(target.error());
    // The process outlives `exec --detach`: it must not die with us once it runs.
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (auto st = ready_to_exec(*target, preserve_fds); !st) fail(st.error());
    // Failed after all (exec_target): the process's failure, not exec's. No message: the socket
    // closes with us as an execve would close it, so `exec` reports the process as started, and
    // then its exit status 1. (Write and exit only: the seccomp filter is in.)
    Error error = exec_target(*target);
    std::fprintf(stderr, "rong: %s\n", error.message.c_str());
    ::_exit(1);
}

// The cloned child: the host's side of the setup (cgroup, OOM score, LSM labels), then the
// container's namespaces. `staged` (the container may hold CAP_SYS_PTRACE, which opens
// /proc/<pid>/root and fd/ of any process in its pid namespace): we were cloned outside the
// container's pid namespace, and only once we are in all its other namespaces, with the
// container's root and none of the host's fds, is the process cloned into it, as runc's. Else
// (no process of the container can reach us there) we were cloned into it, and become the process.
[[noreturn]] void run_exec_child(int sync_fd, int init_pidfd, const cgroups::Paths& cgroup, int ns_flags,
                                 const spec::Config& config, const security::SeccompProgram* seccomp_program,
                                 int console_fd, int preserve_fds, bool foreground, bool staged) {
    const spec::Process& proc = *config.process;
    auto fail = [&](const Error& e) { report_and_exit(sync_fd, e); };
    // rong's other fds (the host's pid namespace, the cgroup2 directory, the parent's socket)
    // and whatever its caller left open.
    sys::close_fds_except(3 + preserve_fds, {sync_fd, init_pidfd, console_fd});
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // (inherited by a staged process: it is the mm's)
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    auto self = sys::read_self_status();  // (the host's /proc still)
    if (!self) fail(self.error());
    if (auto st = sys::default_ignored_signals(self->ignored_signals); !st) fail(st.error());
    // Joining a user namespace fills the bounding set again: then it is not what was read.
    std::optional<uint64_t> bounding_set = ns_flags & CLONE_NEWUSER ? std::nullopt : self->bounding_set;
    ::setsid();  // not the caller's controlling terminal (see run_init)
    // v1: into the cgroup before anything else (clone3 placed us in a cgroup2 tree). The host's
    // cgroup files are still ours to open: no namespace of the container's is joined yet.
    if (auto st = cgroups::join_self(cgroup, 3 + preserve_fds); !st) fail(st.error());
    // EOF instead of G: the parent is gone.
    auto go = sys::recv_message(sync_fd);
    if (!go || go->empty()) ::_exit(1);

    // Through the host's /proc, before the container's (which its processes can mount over) is
    // the one /proc/self resolves in (CVE-2025-52881). A staged process inherits them all.
    if (proc.oomScoreAdj) {
        if (auto st = security::set_oom_score_adj(*proc.oomScoreAdj); !st) fail(st.error());
    }
    if (!proc.apparmorProfile.empty()) {
        if (auto st = security::set_apparmor_profile(proc.apparmorProfile); !st) fail(st.error());
    }
    if (!proc.selinuxLabel.empty()) {
        if (auto st = security::set_selinux_labels(proc.selinuxLabel); !st) fail(st.error());
    }
    // One setns through the pidfd joins them all at once, user namespace first (the pid
    // namespace, for our children, only when staged).
    int joined = staged ? ns_flags : ns_flags & ~CLONE_NEWPID;
    if (joined && ::setns(init_pidfd, joined) < 0) fail(Error::sys("setns into the container"));
    ::close(init_pidfd);
    if (!staged) become_process(sync_fd, config, seccomp_program, console_fd, preserve_fds, foreground, bounding_set);

    // The `tasks` files (host fds) go before the clone: the process must hold none.
    sys::close_fds_except(3 + preserve_fds, {sync_fd, console_fd});
    // Our parent's child, so that it waits for it; it says the pid, and G starts the process.
    auto cloned = sys::clone_process(CLONE_PARENT);
    if (!cloned) fail(cloned.error());
    if (*cloned == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // (not inherited)
        ::setsid();  // a session of its own (we lead ours)
        auto started = sys::recv_message(sync_fd);
        if (!started || started->empty()) ::_exit(1);
        become_process(sync_fd, config, seccomp_program, console_fd, preserve_fds, foreground, bounding_set);
    }
    (void)sys::write_message(sync_fd, std::string(1, kExecPid) + std::to_string(*cloned));
    ::_exit(0);
}

// A seccomp listener fd from the exec'd process goes to the agent at listenerPath, as the init's.
Status forward_listener(int sync_fd, const spec::Seccomp& seccomp, pid_t pid, const ContainerState& state,
                        const spec::Config& config) {
    sys::Fd listener = TRY(sys::recv_fd(sync_fd));
    std::string hook_state = hook_state_json(state, ContainerStatus::running, config);
    TRY(send_seccomp_listener(seccomp, listener.get(), pid, hook_state));
    return sys::send_message(sync_fd, "G");
}

}  // namespace

Result<spec::Process> exec_process_spec(const spec::Config& config, const ExecOptions& opts) {
    if (!opts.process_file.empty()) {
        std::string text = TRY(sys::read_file(opts.process_file));
        spec::Process proc = TRY(spec::parse_process(text, opts.process_file));
        // What the file leaves out, the container's process gives, as runc: not the runtime's own
        // capabilities, confinement and OOM score. Not its rlimits: those stay the caller's, as
        // with runc.
        if (config.process) {
            const spec::Process& base = *config.process;
            if (!proc.capabilities) proc.capabilities = base.capabilities;
            if (proc.apparmorProfile.empty()) proc.apparmorProfile = base.apparmorProfile;
            if (proc.selinuxLabel.empty()) proc.selinuxLabel = base.selinuxLabel;
            if (!proc.oomScoreAdj) proc.oomScoreAdj = base.oomScoreAdj;
            if (!proc.execCPUAffinity) proc.execCPUAffinity = base.execCPUAffinity;
        }
        return proc;
    }
    if (!config.process) return Error::msg("the container's config has no process to start from");
    spec::Process proc = *config.process;
    if (opts.args.empty()) return Error::msg("exec: no command given (args or --process)");
    proc.args = opts.args;
    proc.terminal = opts.tty;
    proc.consoleSize.reset();
    for (const auto& e : opts.env) TRY(set_env(proc.env, e));
    if (opts.cwd) {
        if (opts.cwd->empty() || (*opts.cwd)[0] != '/') return Error::msg("exec --cwd: \"" + *opts.cwd + "\": Cwd must be an absolute path");
        proc.cwd = *opts.cwd;
    }
    if (opts.uid) proc.user.uid = *opts.uid;
    if (opts.gid) proc.user.gid = *opts.gid;
    // Added to the container's, as runc.
    auto& gids = proc.user.additionalGids;
    gids.insert(gids.end(), opts.additional_gids.begin(), opts.additional_gids.end());
    if (opts.no_new_privs) proc.noNewPrivileges = true;
    if (opts.apparmor) proc.apparmorProfile = *opts.apparmor;
    if (opts.process_label) proc.selinuxLabel = *opts.process_label;
    if (!opts.caps.empty()) {
        if (!proc.capabilities) proc.capabilities.emplace();
        auto& c = *proc.capabilities;
        // Never inheritable (CVE-2022-29162); ambient only where inheritable already has bits,
        // since ambient needs them, as runc.
        for (const auto& cap : opts.caps) {
            for (auto* set : {&c.bounding, &c.effective, &c.permitted}) set->push_back(cap);
            if (!c.inheritable.empty()) c.ambient.push_back(cap);
        }
    }
    return proc;
}

Result<ExecHandle> exec(const StateStore& store, const ExecOptions& opts) {
    TRY(sys::check_preserved_fds(opts.preserve_fds));
    ContainerState state = TRY(store.load(opts.id));
    // Pinned first (which looks at /proc/<pid>/stat, as status_of would).
    auto pinned = sys::open_pidfd(state.pid, state.start_time);
    if (!pinned && pinned.error().errnum == ESRCH) return Error::msg("cannot exec in a stopped container");
    sys::Fd init_pidfd = TRY(std::move(pinned));
    ContainerStatus status = status_of_live(state, store.dir_of(opts.id));
    if (status == ContainerStatus::paused && !opts.ignore_paused)
        return Error::msg("cannot exec in a paused container (use --ignore-paused to override)");
    spec::Config config = TRY(spec::parse_config(state.config_json, "state.json: config"));
    spec::Process proc = TRY(exec_process_spec(config, opts));
    if (proc.capabilities)
        for (const auto& why : security::unavailable_capabilities(*proc.capabilities)) log::warn(why);
    // The exec'd process is held to the container's rules for its own attributes (LSM labels,
    // scheduler, I/O priority, ...): checked here, applied by the process itself.
    spec::Config exec_config = config;
    exec_config.process = proc;
    TRY(security::check_linux_attrs(exec_config));
    // Before anything is done (security/sealed_exe.hpp). A process given CAP_SYS_PTRACE by an
    // exec outlives it: its mark makes every later exec take the sealed copy too.
    const spec::Capabilities* caps = proc.capabilities ? &*proc.capabilities : nullptr;
    // A created container's init is still rong, and run from the host's binary unless create
    // found a process of the container could trace it: a process given CAP_SYS_PTRACE now could
    // take a handle on that binary and write it once start has replaced the init.
    bool init_traceable = security::may_trace_runtime(config);
    bool exec_may_trace = security::may_trace_runtime(config, caps);
    // Not only while created: during `start` (startContainer hooks), and in `run` once the state
    // is published, the init is rong until its execve. Its name says whether it is still.
    auto init_is_runtime = [&state]() {
        auto name = sys::read_line_file("/proc/" + std::to_string(state.pid) + "/comm");
        return name && name->rfind(kInitName, 0) == 0;
    };
    if (!init_traceable && exec_may_trace && init_is_runtime())
        return Error::msg("cannot exec a process with CAP_SYS_PTRACE into a created container: its init is still the "
                          "runtime, which that process could reach (CVE-2019-5736); start the container first");
    std::string granted_mark = store.dir_of(opts.id) + "/" + kPtraceGranted;
    bool staged = init_traceable || exec_may_trace || ::access(granted_mark.c_str(), F_OK) == 0;
    if (staged) {
        TRY(security::run_from_sealed_copy());
        if (!init_traceable) TRY(sys::write_file(granted_mark, "", O_WRONLY | O_CREAT, 0600));
    }

    sys::Fd console_sock, console_ours;  // the process sends its pty master to console_sock
    if (opts.own_console && !opts.console_socket.empty())  // (a foreground exec: as in create)
        return Error::msg("cannot use console socket if rong will not detach or allocate tty");
    if (proc.terminal) {
        if (!opts.console_socket.empty())
            console_sock = TRY(sys::connect_unix(opts.console_socket));
        else if (opts.own_console)
            std::tie(console_ours, console_sock) = TRY(sys::seqpacket_pair());
        else
            return Error::msg("cannot allocate tty if rong will detach without setting console socket");
    } else if (!opts.console_socket.empty()) {
        return Error::msg("cannot use console socket if rong will not detach or allocate tty");
    }
    int console = console_sock.get();
    // Connected before the process exists: a wrong path fails the exec before anything runs.
    sys::Fd pidfd_sock;
    if (!opts.pidfd_socket.empty()) pidfd_sock = TRY(sys::connect_unix(opts.pidfd_socket));

    int ns_flags = namespace_flags(config);
    auto [parent_sock, child_sock] = TRY(sys::seqpacket_pair());
    int min_fd = 3 + opts.preserve_fds;
    TRY(sys::move_fd_above(child_sock, min_fd));
    TRY(sys::move_fd_above(init_pidfd, min_fd));
    TRY(sys::move_fd_above(console_sock, min_fd));
    // The process joins the container's cgroup before it runs anything: clone3 puts it in a
    // cgroup2 tree, and in v1 it moves itself in first (cgroups::join_self).
    cgroups::Paths cgroup_paths = TRY(cgroups::sub_cgroup_paths(state.cgroup_paths, opts.sub_cgroups));
    auto cgroup = cgroups::from_paths(cgroup_paths);
    const spec::Seccomp* seccomp = config.linux && config.linux->seccomp ? &*config.linux->seccomp : nullptr;
    std::optional<security::SeccompProgram> program;
    if (seccomp) program = TRY(security::seccomp_program_cached(*seccomp, store.seccomp_cache_dir()));

    TRY(security::set_initial_cpu_affinity(*exec_config.process));  // inherited by the clone
    // setns(pid) moves only our future children: the clone below lands in the container. Only
    // the clone comes between it and the way back: every later child (such as the thread with
    // which LeakSanitizer stops the process at exit, which in the container's namespace cannot
    // see us) is ours again, whether the clone succeeded or not.
    sys::Fd own_pid_ns;
    if ((ns_flags & CLONE_NEWPID) && !staged) {
        own_pid_ns = TRY(sys::open_file("/proc/self/ns/pid", O_RDONLY));
        if (::setns(init_pidfd.get(), CLONE_NEWPID) < 0) return Error::sys("setns into the container's pid namespace");
    }
    ExecHandle handle;
    auto cloned = sys::clone_process(0, &handle.pidfd, cgroup ? cgroup->dir_fd() : -1);
    if (cloned && *cloned == 0)
        run_exec_child(child_sock.get(), init_pidfd.get(), cgroup_paths, ns_flags, exec_config,
                       program ? &*program : nullptr, console, opts.preserve_fds, opts.own_console, staged);
    if (own_pid_ns && ::setns(own_pid_ns.get(), CLONE_NEWPID) < 0) log::debug("setns back into our pid namespace failed");
    // The container may have stopped since it was looked at: its cgroup gone (clone3 into it
    // fails), its pid namespace dying (which kills our process with it). That is what to say.
    int init_fd = init_pidfd.get();
    auto stopped_meanwhile = [init_fd]() {
        struct pollfd p {init_fd, POLLIN, 0};
        return ::poll(&p, 1, 0) == 1;
    };
    if (!cloned && stopped_meanwhile()) return Error::msg("cannot exec in a stopped container");
    pid_t pid = TRY(std::move(cloned));
    child_sock.reset();
    console_sock.reset();
    handle.pid = pid;
    // Until it has exec'd and been handed over, a failure takes the process along.
    int sync = parent_sock.get();  // (a structured binding, which a lambda may not capture)
    bool process_known = !staged;  // staged: until the child has said the process's pid
    auto start = [&]() -> Status {
        TRY(sys::send_message(sync, "G"));
        for (;;) {
            std::string msg = TRY(sys::recv_message(sync));
            if (msg.empty()) break;  // exec'd
            if (msg[0] == kExecPid && staged && !process_known) {
                // Staged: the child is done, and its child (ours) the process. G lets it start.
                // Taken once, and only for a child of ours: the process, in the container's pid
                // namespace, can be stopped by a process there with CAP_SYS_PTRACE, which can
                // then speak on its socket (pidfd_getfd) and name any host pid.
                ::waitpid(pid, nullptr, 0);
                pid_t said = static_cast<pid_t>(std::strtol(msg.c_str() + 1, nullptr, 10));
                siginfo_t info{};
                if (said <= 0 || ::waitid(P_PID, static_cast<id_t>(said), &info, WEXITED | WNOHANG | WNOWAIT) < 0)
                    return Error::msg("exec: the staged child named no process of ours");
                pid = said;
                handle.pid = pid;
                handle.pidfd = TRY(sys::open_child_pidfd(pid));
                process_known = true;
                TRY(sys::send_message(sync, "G"));
                continue;
            }
            if (msg[0] != kExecSeccomp) return Error::msg(msg.substr(1));
            TRY(forward_listener(sync, *seccomp, pid, state, config));
        }
        // Sent before its execve.
        if (console_ours) handle.console_master = TRY(sys::recv_fd(console_ours.get()));
        if (pidfd_sock) TRY(sys::send_fd(pidfd_sock.get(), handle.pidfd.get(), "pidfd"));
        if (!opts.pid_file.empty()) TRY(sys::write_pid_file(opts.pid_file, pid));
        return {};
    };
    if (auto st = start(); !st) {
        (void)sys::send_signal(handle.pidfd.get(), SIGKILL);  // our child's, whatever was said
        ::waitpid(pid, nullptr, 0);
        if (stopped_meanwhile()) return Error::msg("cannot exec in a stopped container");
        return std::move(st).error();
    }
    return handle;
}

}  // namespace rong::container
