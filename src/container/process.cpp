#include "container/process.hpp"

#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "security/capabilities.hpp"
#include "security/process_attrs.hpp"
#include "sys/socket.hpp"
#include "sys/process.hpp"

namespace rong::container {

Status attach_terminal(rootfs::Console& console, int console_socket_fd, const spec::Process& proc) {
    TRY(sys::send_fd(console_socket_fd, console.master.get(), console.name));
    console.master.reset();
    // Our own session already (run_init, run_exec_child): the pty becomes its terminal.
    if (::ioctl(console.peer.get(), TIOCSCTTY, 0) < 0) return Error::sys("set controlling terminal");
    if (proc.consoleSize) {
        struct winsize ws {};
        ws.ws_row = static_cast<unsigned short>(proc.consoleSize->height);
        ws.ws_col = static_cast<unsigned short>(proc.consoleSize->width);
        ::ioctl(console.peer.get(), TIOCSWINSZ, &ws);
    }
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(console.peer.get(), fd) < 0) return Error::sys("dup2 pty");
    return {};
}

Result<ExecTarget> prepare_process(const spec::Process& proc, const SeccompSetup& seccomp, ProcessRole role) {
    const security::SeccompProgram* filter = seccomp.program;
    auto load_filter = [&]() -> Status {
        sys::Fd listener = TRY(security::load_seccomp_program(*filter));
        filter = nullptr;
        if (!listener) return {};
        if (!seccomp.send_listener) return Error::msg("seccomp: SCMP_ACT_NOTIFY: nobody to pass the listener fd to");
        return seccomp.send_listener(std::move(listener));
    };
    TRY(security::apply_rlimits(proc.rlimits));
    // Before the filter: the fewer syscalls after it, the fewer a profile must allow.
    if (!role.foreground || proc.terminal) TRY(security::give_stdio_to(proc.user.uid));
    // process.user.umask; the init's default is runc's (an exec'd process keeps exec's own).
    if (proc.user.umask) ::umask(static_cast<mode_t>(*proc.user.umask & 0777));
    else if (role.init) ::umask(022);
    // Loading a filter without no_new_privs needs CAP_SYS_ADMIN: before the capabilities go.
    if (filter && !proc.noNewPrivileges) TRY(load_filter());
    // runc's order: bounding set while still privileged, then the uid change with capabilities
    // kept, then the final sets.
    // No process.capabilities means none at all, as runc: not the runtime's own full set.
    security::CapabilitySets caps;
    if (proc.capabilities) caps = TRY(security::resolve_capabilities(*proc.capabilities));
    TRY(security::drop_bounding(caps, role.bounding_set));
    TRY(security::set_user(proc.user));
    TRY(security::apply_capabilities(caps));
    if (proc.noNewPrivileges) TRY(security::set_no_new_privs());
    // A notifying filter's listener must reach the agent before `create` returns.
    if (filter && filter->notifies) TRY(load_filter());
    if (!proc.cwd.empty() && ::chdir(proc.cwd.c_str()) < 0) return Error::sys("chdir " + proc.cwd);
    // A cwd reached through an fd of the host's (/proc/self/fd/N) lies outside our root: the
    // kernel then names it "(unreachable)...", and glibc's getcwd fails with ENOENT (CVE-2024-21626).
    // ("/" is the root, whatever it is.)
    char cwd[PATH_MAX];
    if (proc.cwd != "/" && !::getcwd(cwd, sizeof cwd))
        return Error::sys("cwd " + proc.cwd + ": outside the container's root");
    ExecTarget target{"", proc.args, security::process_env(proc.env, proc.user.uid)};
    target.path = TRY(security::find_executable(proc.args[0], target.env));
    target.seccomp = filter;
    return target;
}

Status ready_to_exec(const ExecTarget& target, int preserve_fds) {
    unsigned first_closed = 3 + static_cast<unsigned>(preserve_fds);
    for (unsigned fd = 3; fd < first_closed; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, 0);
    ::syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC);
    if (target.seccomp) TRY(security::load_seccomp_program(*target.seccomp));
    return {};
}

Error exec_target(const ExecTarget& target) {
    std::vector<std::string> args = target.args, env = target.env;
    auto argv = sys::exec_vector(args);
    auto envp = sys::exec_vector(env);
    ::execve(target.path.c_str(), argv.data(), envp.data());
    return Error::sys("exec " + target.path);
}

}  // namespace rong::container
