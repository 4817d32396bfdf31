#include "container/process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>

#include "security/capabilities.hpp"
#include "security/process_attrs.hpp"

namespace rong::container {

namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<ExecTarget> prepare_process(const spec::Process& proc) {
    TRY(security::apply_rlimits(proc.rlimits));
    // runc's order: bounding set while still privileged, then the uid change with capabilities
    // kept, then the final sets.
    std::optional<security::CapabilitySets> caps;
    if (proc.capabilities) {
        caps = TRY(security::resolve_capabilities(*proc.capabilities));
        TRY(security::drop_bounding(*caps));
    }
    TRY(security::set_user(proc.user));
    if (caps) TRY(security::apply_capabilities(*caps));
    if (proc.noNewPrivileges) TRY(security::set_no_new_privs());
    if (!proc.cwd.empty() && ::chdir(proc.cwd.c_str()) < 0) return Error::sys("chdir " + proc.cwd);
    ExecTarget target{"", proc.args, security::with_home(proc.env, proc.user.uid)};
    target.path = TRY(security::find_executable(proc.args[0], target.env));
    return target;
}

Error exec_process(const ExecTarget& target, int preserve_fds) {
    unsigned first_closed = 3 + static_cast<unsigned>(preserve_fds);
    for (unsigned fd = 3; fd < first_closed; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, 0);
    ::syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC);
    std::vector<std::string> args = target.args, env = target.env;
    auto argv = c_strings(args);
    auto envp = c_strings(env);
    ::execve(target.path.c_str(), argv.data(), envp.data());
    return Error::sys("exec " + target.path);
}

}  // namespace rong::container
