// create: the parent side of the fork-exec protocol.
//
//   rong (parent)                                    init (child, cloned with the new namespaces)
//   parse + check config, mkdir + lock state dir
//   mkfifo exec.fifo (not for run), socketpair(SEQPACKET)
//   clone3(CLONE_NEW*) ──────────────────────────────▶ PDEATHSIG=KILL, not dumpable, waits
//   write uid_map/gid_map (new user namespace)         (v1 host: hostname and the mounts that do
//   make the v1 cgroups (v1 host)                       not need the cgroup, then waits)
//   G + hooks' state JSON ───────────────────────────▶ (v1 host: joins the cgroups) setns
//                                                      (joined), time ns, hostname, mounts, /dev,
//                                                      console (pty master → socket)
//                         ◀── H (only if prestart/createRuntime hooks exist)
//   run prestart, createRuntime hooks
//   G ───────────────────────────────────────────────▶ createContainer hooks, pivot_root,
//                                                      masked/ro paths, rlimits, caps, user, cwd,
//                                                      look up args[0]
//                         ◀── R (or E + message: create fails with it, the init exits)
//   write state.json, pid file
//   C ───────────────────────────────────────────────▶ PDEATHSIG cleared before R; now free of us
//   exit (the init is reparented to the caller's        open exec.fifo O_WRONLY: blocks until
//   subreaper)                                           `start` reads it; startContainer hooks;
//                                                        close fds >= 3 (+preserved); execve
//
// `run` (start_here) keeps the sync socket instead of the fifo: after C, start sends X, the init
// runs its startContainer hooks and execs, and the socket's EOF tells start it has.
//
// No rong binary is re-executed: the init is a clone of this process.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "base/log.hpp"
#include "base/phase.hpp"
#include "cgroups/cgroups.hpp"
#include "container/container.hpp"
#include "container/hooks.hpp"
#include "container/init.hpp"
#include "container/notify_socket.hpp"
#include "container/seccomp_notify.hpp"
#include "rootfs/check.hpp"
#include "rootfs/idmap.hpp"
#include "security/capabilities.hpp"
#include "security/linux_attrs.hpp"
#include "security/sealed_exe.hpp"
#include "spec/parse.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace rong::container {

namespace {

Result<std::string> absolute_path(const std::string& path, const char* what) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return Error::sys(std::string(what) + " " + path);
    return std::string(buf);
}

// `bundle`: already resolved.
Result<std::string> resolve_rootfs(const spec::Config& config, const std::string& bundle) {
    const std::string& given = config.root.path;
    std::string path = !given.empty() && given.front() == '/' ? given : bundle + "/" + given;
    bool one_name = !given.empty() && given.find('/') == std::string::npos && given != "." && given != "..";
    struct stat st {};
    if (one_name && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return path;  // a directory (not a symlink) right in the bundle: nothing left to resolve
    if (::stat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return Error{"rootfs (" + path + ") does not exist", errno};
        return Error::sys("rootfs: stat " + path);  // a symlink loop, no search permission, ...
    }
    if (!S_ISDIR(st.st_mode)) return Error{"rootfs (" + path + ") is not a directory", ENOTDIR};
    // (realpath reads each component's link: ~0.14 ms less per run here than one open and the
    // name /proc gives its fd, measured in 2,000 alternating pairs)
    return absolute_path(path, "rootfs");
}

Status check_supported(const spec::Config& config) {
    if (!config.process) return Error::msg("config.json: .process: required to create a container");
    if (!config.linux || !config.linux->find_namespace("mount"))
        return Error::msg("config.json: .linux.namespaces: a mount namespace is required");
    if (config.linux->seccomp && security::seccomp_uses_notify(*config.linux->seccomp) &&
        config.linux->seccomp->listenerPath.empty())
        return Error::msg("config.json: .linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
    return {};
}

// Everything create made, undone unless commit() is called: the init, then the state directory,
// then the poststop hooks, as a delete would (runc runs them for a create that fails, too).
class CreateGuard {
public:
    CreateGuard(const StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
    ~CreateGuard() {
        if (committed_) return;
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (cgroup_) {
            if (auto st = cgroup_->destroy(); !st) log::warn(st.error().message);
        }
        (void)store_.remove(id_);
        if (poststop_ && !poststop_->empty()) {
            run_hooks_warning("poststop", *poststop_, hook_state_, {bundle_});
        }
    }
    void set_pid(pid_t pid) { pid_ = pid; }
    void set_poststop(const std::vector<spec::Hook>& hooks, std::string state_json, std::string bundle) {
        poststop_ = &hooks;
        hook_state_ = std::move(state_json);
        bundle_ = std::move(bundle);
    }
    // The guard owns the cgroup: a failed create removes every directory it made.
    cgroups::Manager& adopt_cgroup(std::unique_ptr<cgroups::Manager> cgroup) {
        cgroup_ = std::move(cgroup);
        return *cgroup_;
    }
    void commit() { committed_ = true; }

private:
    const StateStore& store_;
    std::string id_;
    pid_t pid_ = 0;
    const std::vector<spec::Hook>* poststop_ = nullptr;
    std::string hook_state_;
    std::string bundle_;
    std::unique_ptr<cgroups::Manager> cgroup_;
    bool committed_ = false;
};

// Reads the init's next message; an error message or an early exit becomes create's error.
// An init gone before it was ready has said nothing; the OOM killer is the usual cause when it
// was killed: with a v1 memory limit set before it joins, joining is what overdraws it.
Result<char> next_message(int sync_fd, pid_t pid, const cgroups::Manager& cgroup, const spec::Config& config) {
    auto received = sys::recv_message(sync_fd);
    // ECONNRESET: gone with messages of ours unread (C and X, sent before R by `run`).
    if (!received && received.error().errnum == ECONNRESET) received = std::string();
    std::string msg = TRY(std::move(received));
    if (msg.empty()) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        const auto& memory = config.linux->resources ? config.linux->resources->memory : std::nullopt;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && cgroup.oom_kills() > 0)
            return Error::msg("container init was killed by the OOM killer before it was ready" +
                              (memory && memory->limit ? ": linux.resources.memory.limit " +
                                                             std::to_string(*memory->limit) + " is too low"
                                                       : std::string()));
        return Error::msg("container init exited before it was ready (status " +
                          std::to_string(sys::exit_code_of(status)) + ")");
    }
    if (msg[0] == kSyncError) return Error::msg(msg.substr(1));
    return msg[0];
}

// The detached idmapped trees of the config's idmapped mounts, in config order (the init expects
// them in that order right after G). `container_userns`: the path of the container's user
// namespace, used by a mount without maps of its own.
Result<std::vector<sys::Fd>> open_idmapped_trees(const spec::Config& config, const std::string& bundle,
                                                 const std::string& container_userns) {
    std::vector<sys::Fd> trees;
    sys::Fd container_ns;
    for (size_t i = 0; i < config.mounts.size(); ++i) {
        const spec::Mount& m = config.mounts[i];
        if (!rootfs::is_idmapped(m)) continue;
        sys::Fd own_ns;
        if (!m.uidMappings.empty()) {
            auto made = namespaces::user_namespace_with(m.uidMappings, m.gidMappings);
            if (!made) return std::move(made).error().wrap(rootfs::mount_name(i, m) + ": user namespace for its maps");
            own_ns = std::move(*made);
        } else if (!container_ns) {
            container_ns = TRY(sys::open_file(container_userns, O_RDONLY));
        }
        trees.push_back(TRY(rootfs::open_idmapped_tree(m, i, bundle, own_ns ? own_ns.get() : container_ns.get())));
    }
    return trees;
}

// namespaces::Plan::staged: a child of ours joins the namespaces given by path (user first, pid
// last), clones the init with the new ones as our child (CLONE_PARENT), tells us its pid and
// exits. Returns 0 in the init, as a clone does.
Result<pid_t> clone_staged(const InitContext& ctx, int cgroup_fd) {
    auto [ours, theirs] = TRY(sys::seqpacket_pair());
    pid_t stage = TRY(sys::clone_process(0));
    if (stage == 0) {
        ours.reset();
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        // Not to be traced from the namespaces it joins, nor its /proc/<pid>/exe (the rong
        // binary) opened (CVE-2019-5736), as the init.
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        auto cloned = [&]() -> Result<pid_t> {
            sys::Fd pid_ns;  // opened before a joined mount namespace hides its path
            std::string pid_path = ctx.ns.join_pid ? ctx.config.linux->find_namespace("pid")->path : "";
            if (ctx.ns.join_pid) pid_ns = TRY(namespaces::open_joined("pid", pid_path));
            TRY(namespaces::join(ctx.ns));
            if (pid_ns && ::setns(pid_ns.get(), CLONE_NEWPID) < 0) return Error::sys("setns pid namespace " + pid_path);
            return sys::clone_process(ctx.ns.clone_flags | CLONE_PARENT, nullptr, cgroup_fd);
        }();
        if (cloned && *cloned == 0) return 0;
        // The pid as our parent sees it: the stage is still in its pid namespace.
        (void)sys::send_message(theirs.get(), cloned ? "P" + std::to_string(*cloned) : "E" + cloned.error().message);
        ::_exit(cloned ? 0 : 1);
    }
    theirs.reset();
    auto report = sys::recv_message(ours.get());
    (void)sys::wait_for(stage);
    std::string said = TRY(std::move(report));
    if (said.empty()) return Error::msg("the stage process before the init exited without a word");
    if (said[0] != 'P') return Error::msg(said.substr(1));
    return static_cast<pid_t>(std::stol(said.substr(1)));
}

int listen_fds() {
    const char* n = ::getenv("LISTEN_FDS");
    return n ? std::atoi(n) : 0;
}

}  // namespace

Result<Launched> create(const StateStore& store, const CreateOptions& opts) {
    TRY(validate_id(opts.id));
    std::string bundle = TRY(absolute_path(opts.bundle.empty() ? "." : opts.bundle, "bundle"));
    std::string config_text = TRY(sys::read_file(bundle + "/config.json"));
    spec::Config config = TRY(spec::parse_config(config_text));
    TRY(check_supported(config));
    TRY(security::check_linux_attrs(config));
    if (config.process->capabilities)
        for (const auto& why : security::unavailable_capabilities(*config.process->capabilities)) log::warn(why);
    std::string rootfs = TRY(resolve_rootfs(config, bundle));
    bool own_console = config.process->terminal && opts.console_socket.empty() && opts.own_console;
    if (config.process->terminal && opts.console_socket.empty() && !own_console)
        return Error::msg("cannot allocate tty if rong will detach without setting console socket");
    // In the foreground rong proxies the pty itself: a console socket is refused there, as runc.
    if ((!config.process->terminal || opts.own_console) && !opts.console_socket.empty())
        return Error::msg("cannot use console socket if rong will not detach or allocate tty");
    namespaces::Plan ns = namespaces::plan(config);
    const spec::Namespace* user_ns = config.linux->find_namespace("user");
    TRY(rootfs::check_rootfs_config(config, user_ns != nullptr));
    // Before anything is made (security/sealed_exe.hpp).
    if (security::may_trace_runtime(config)) TRY(security::run_from_sealed_copy());
    phase::reached("parse");

    // Socket-activated fds (LISTEN_FDS) pass to the container like --preserve-fds ones.
    int passed_fds = opts.preserve_fds + listen_fds();
    TRY(sys::check_preserved_fds(passed_fds));
    if (listen_fds() > 0) {
        config.process->env.push_back("LISTEN_FDS=" + std::to_string(listen_fds()));
        config.process->env.push_back("LISTEN_PID=1");
    }

    Launched out;
    sys::Fd state_dir = TRY(store.create_dir(opts.id, &out.dir_inode));
    CreateGuard guard(store, opts.id);
    std::string dir = store.dir_of(opts.id);
    if (std::string host = host_notify_socket(); !host.empty()) {
        TRY(add_notify_socket(config, dir));
        // `run` binds it now, as runc; `start` binds its own.
        if (opts.start_here) out.notify = TRY(bind_notify_socket(dir));
    }
    sys::Fd init_fifo;
    if (!opts.start_here) {
        std::string fifo = dir + "/" + kExecFifo;
        if (::mkfifo(fifo.c_str(), 0622) < 0) return Error::sys("mkfifo " + fifo);
        // mkfifo honours the umask; others must be able to write it once the init drops privileges.
        if (::chmod(fifo.c_str(), 0622) < 0) return Error::sys("chmod " + fifo);
        init_fifo = TRY(sys::open_file(fifo, O_PATH));
    }
    auto [parent_sock, child_sock] = TRY(sys::seqpacket_pair());
    sys::Fd console_sock, console_ours;  // the init sends the pty master to console_sock
    if (!opts.console_socket.empty()) console_sock = TRY(sys::connect_unix(opts.console_socket));
    if (own_console) std::tie(console_ours, console_sock) = TRY(sys::seqpacket_pair());
    int min_fd = 3 + passed_fds;
    TRY(sys::move_fd_above(init_fifo, min_fd));
    TRY(sys::move_fd_above(child_sock, min_fd));
    TRY(sys::move_fd_above(console_sock, min_fd));
    phase::reached("state-dir");

    InitContext ctx{config, rootfs, bundle, ns};
    std::optional<security::SeccompProgram> seccomp;
    if (config.linux->seccomp) {
        seccomp = TRY(security::seccomp_program_cached(*config.linux->seccomp, store.seccomp_cache_dir()));
        ctx.seccomp = &*seccomp;
        phase::reached("seccomp-compile");  // or read from the cache
    }
    ctx.sync_fd = child_sock.get();
    ctx.parent_sync_fd = parent_sock.get();
    ctx.exec_fifo_fd = init_fifo.get();
    ctx.lock_fd = state_dir.get();
    ctx.console_socket_fd = console_sock.get();
    ctx.preserve_fds = passed_fds;
    ctx.id = opts.id;
    ctx.no_pivot = opts.no_pivot;
    ctx.foreground = opts.own_console;
    ctx.new_keyring = !opts.no_new_keyring;
    ctx.runtime_hooks = !config.hooks.prestart.empty() || !config.hooks.createRuntime.empty();

    // clone3 puts the init straight into a cgroup2 tree; in v1 the init moves itself in (cheaper
    // than by its pid, see open_self_join), before it runs anything of the container's. A v2
    // cgroup is made and limited before the clone. On a v1 or hybrid host, where each of ~10
    // hierarchies costs a mkdir and writes, the v1 cgroups are made after it, on this CPU, while
    // the init mounts what does not need them; it joins them once G says they exist. Not so
    // when the init must hear from us first anyway (id maps, idmapped trees), or cannot open
    // the host's cgroup files itself (in a user namespace): then the init gets open `tasks`
    // files.
    cgroups::Manager& cgroup =
        guard.adopt_cgroup(TRY(cgroups::for_container(config.linux->cgroupsPath, opts.id)));
    bool idmapped_mounts = std::any_of(config.mounts.begin(), config.mounts.end(), rootfs::is_idmapped);
    ctx.cgroup_made_meanwhile = cgroup.mode() != cgroups::Mode::unified && !ns.in_user_namespace() && !idmapped_mounts;
    // Recorded before it exists: were rong killed from here on, `delete` finds the cgroup.
    ContainerState creating;
    creating.id = opts.id;
    creating.bundle = bundle;
    creating.cgroup_paths = cgroup.paths();
    size_t creating_size = TRY(store.save_creating(creating));
    ctx.cgroup_paths = cgroup.paths();
    ctx.host_cgroup2 = cgroup.mode() == cgroups::Mode::unified  ? "/sys/fs/cgroup"
                       : cgroup.mode() == cgroups::Mode::hybrid ? "/sys/fs/cgroup/unified"
                                                                : "";
    // On cgroup v2 the device rules (an eBPF program to load and attach, ~0.3 ms) are set after
    // the clone, while the init mounts. They allow every device of the config (resources_for), and
    // the attach changes the cgroup's rules in one step, so the init's mknods meet the same answer
    // before and after; they are set before we read R, so before anything of the container's
    // runs. Not so when createContainer hooks run in the init before R. Nor on v1, where the
    // rules are written one by one after a deny-all: a mknod in between would fail.
    spec::Resources limits = cgroups::resources_for(*config.linux);
    spec::Resources device_rules;
    if (cgroup.mode() == cgroups::Mode::unified && config.hooks.createContainer.empty())
        device_rules.devices = std::exchange(limits.devices, {});
    std::vector<sys::Fd> tasks_files;
    if (ctx.cgroup_made_meanwhile) {
        TRY(cgroup.create_clone_target());
    } else {
        TRY(cgroup.create());
        TRY(cgroup.set(limits));
        tasks_files = TRY(cgroup.open_self_join());
        for (auto& f : tasks_files) {
            TRY(sys::move_fd_above(f, min_fd));
            ctx.cgroup_tasks_fds.push_back(f.get());
        }
    }
    phase::reached("cgroup");

    // A joined pid namespace takes our next child, the init, only: we leave it again right after
    // the clone, or the hooks we fork would run in it, among the other container's processes.
    // (A stage joins it itself.)
    sys::Fd own_pid_ns;
    if (ns.join_pid && !ns.staged)
        own_pid_ns = TRY(namespaces::enter_pid_namespace(config.linux->find_namespace("pid")->path));
    auto cloned = ns.staged ? clone_staged(ctx, cgroup.dir_fd()) : sys::clone_process(ns.clone_flags, &out.pidfd, cgroup.dir_fd());
    if (cloned && *cloned == 0) run_init(ctx);
    Status back = own_pid_ns ? namespaces::leave_pid_namespace(own_pid_ns.get()) : Status{};
    pid_t pid = TRY(std::move(cloned));
    guard.set_pid(pid);
    TRY(std::move(back));
    if (!out.pidfd) out.pidfd = TRY(sys::open_child_pidfd(pid));  // staged
    tasks_files.clear();
    child_sock.reset();
    console_sock.reset();
    phase::reached("clone");
    if (ctx.cgroup_made_meanwhile) {
        TRY(cgroup.create());
        TRY(cgroup.set(limits));
        phase::reached("cgroup-v1");
    }

    ContainerState& state = out.state;
    state.id = opts.id;
    state.pid = pid;
    state.bundle = bundle;
    state.rootfs = rootfs;
    state.config_json = config_text;
    state.cgroup_paths = cgroup.paths();

    if (ns.new_user) TRY(namespaces::write_id_maps(pid, *config.linux));
    std::vector<sys::Fd> idmapped =
        TRY(open_idmapped_trees(config, bundle, user_ns ? (ns.new_user ? "/proc/" + std::to_string(pid) + "/ns/user" : user_ns->path) : ""));
    // The state JSON is built only for what reads it: hooks and a seccomp agent.
    const spec::Hooks& hooks = config.hooks;
    bool seccomp_agent = config.linux->seccomp && !config.linux->seccomp->listenerPath.empty();
    bool state_read = !hooks.prestart.empty() || !hooks.createRuntime.empty() || !hooks.createContainer.empty() || seccomp_agent;
    std::string hook_state = state_read ? hook_state_json(state, ContainerStatus::creating, config) : "";
    if (!hooks.poststop.empty()) guard.set_poststop(hooks.poststop, hook_state_json(state, ContainerStatus::stopped, config), bundle);
    if (auto sent = sys::send_message(parent_sock.get(), std::string(1, kSyncGo) + hook_state); !sent) {
        // The init may have failed (and gone) before G, mounting while we made its cgroup.
        TRY(next_message(parent_sock.get(), pid, cgroup, config));
        return std::move(sent).error();
    }
    for (const auto& tree : idmapped) TRY(sys::send_fd(parent_sock.get(), tree.get(), "idmap"));
    idmapped.clear();
    if (!device_rules.devices.empty()) {
        TRY(cgroup.set(device_rules));
        phase::reached("cgroup-devices");
    }
    // Read and written while the init works (the hooks' state above does not include it).
    if (auto st = sys::read_proc_stat(pid)) state.start_time = st->start_time;
    state.created = now_rfc3339();
    TRY(store.stage(state, creating_size));

    // The handover: C lets the init go, once the state is published (PDEATHSIG is off by then).
    // `run` whose init asks nothing more before R (no prestart or createRuntime hooks, no seccomp
    // agent) sends C and X before R: the init then goes from R straight to its execve, not waiting
    // for us to wake up and answer (a wake-up across CPUs costs ~0.06 ms on this VM). The state is
    // still published after R only: an `exec` must never join an init that is setting up (before
    // its pivot_root, its root is the host's). Until R commits the guard, an init that fails has it
    // all undone; were we killed between R and the publication, creating.json names the cgroup for
    // `delete`.
    std::string created_state = hooks.startContainer.empty() ? "" : hook_state_json(state, ContainerStatus::created, config);
    int sync = parent_sock.get();  // (a structured binding, which a lambda may not capture)
    auto let_go = [&]() -> Status {
        if (auto sent = sys::send_message(sync, std::string(1, kSyncCommitted) + created_state); !sent) {
            TRY(next_message(sync, pid, cgroup, config));  // the init's error, if it failed
            return std::move(sent).error();
        }
        return {};
    };
    bool early = opts.start_here && !ctx.runtime_hooks && !seccomp_agent;
    if (early) {
        TRY(let_go());
        TRY(sys::send_message(parent_sock.get(), std::string(1, kSyncStart)));
        out.start_sent = true;
    }
    for (;;) {
        char kind = TRY(next_message(parent_sock.get(), pid, cgroup, config));
        if (kind == kSyncReady) break;
        if (kind == kSyncSeccomp) {
            sys::Fd listener = TRY(sys::recv_fd(parent_sock.get()));
            TRY(send_seccomp_listener(*config.linux->seccomp, listener.get(), pid, hook_state));
            TRY(sys::send_message(parent_sock.get(), std::string(1, kSyncGo)));
            continue;
        }
        if (kind != kSyncHooks) return Error::msg(std::string("sync: unexpected message '") + kind + "'");
        TRY(run_hooks("prestart", config.hooks.prestart, hook_state, {bundle}));
        TRY(run_hooks("createRuntime", config.hooks.createRuntime, hook_state, {bundle}));
        TRY(sys::send_message(parent_sock.get(), std::string(1, kSyncGo)));
    }

    phase::reached("init-ready");
    // Sent before R.
    if (console_ours) out.console_master = TRY(sys::recv_fd(console_ours.get()));
    TRY(store.publish(opts.id));
    if (!opts.pid_file.empty()) TRY(sys::write_pid_file(opts.pid_file, pid));
    if (!early) TRY(let_go());
    phase::reached("state-write");
    guard.commit();
    phase::reached("committed");
    if (opts.start_here) {
        out.lock = std::move(state_dir);
        out.sync = std::move(parent_sock);
        out.config = std::move(config);
    }
    return out;
}

}  // namespace rong::container
