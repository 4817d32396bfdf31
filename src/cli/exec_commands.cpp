#include "cli/exec_commands.hpp"

#include <cstdio>

#include "cli/output.hpp"
#include "cli/supervise.hpp"
#include "container/features.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::cli {

namespace {

// runc's exit code for an exec that could not start its process, whatever the reason.
constexpr int kExecFailed = 255;

Result<uint32_t> parse_id(const std::string& text, const char* what) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return Error::msg(std::string("invalid ") + what + " " + text);
    // (the kernel's ids are 31-bit; runc's words. Ten digits at most: stoull cannot overflow.)
    uint64_t id = text.size() > 10 ? UINT64_MAX : std::stoull(text);
    if (id > 2147483647) return Error::msg("uids and gids must be in range 0-2147483647");
    return static_cast<uint32_t>(id);
}

// --user uid[:gid], --additional-gids, --cwd into the options.
Status apply_flags(ExecCommands& cmds) {
    auto& o = cmds.opts;
    if (!cmds.user.empty()) {
        auto colon = cmds.user.find(':');
        o.uid = TRY(parse_id(cmds.user.substr(0, colon), "uid"));
        if (colon != std::string::npos) o.gid = TRY(parse_id(cmds.user.substr(colon + 1), "gid"));
    }
    for (const auto& g : cmds.additional_gids) o.additional_gids.push_back(TRY(parse_id(g, "additional gid")));
    if (!cmds.cwd.empty()) o.cwd = cmds.cwd;
    if (!cmds.apparmor.empty()) o.apparmor = cmds.apparmor;
    if (!cmds.process_label.empty()) o.process_label = cmds.process_label;
    return {};
}

int run_exec(const container::StateStore& store, ExecCommands& cmds) {
    if (auto st = apply_flags(cmds); !st) return report_error(st.error(), kExecFailed);
    std::optional<ForwardedSignals> signals;
    if (!cmds.detach) signals.emplace();
    // In the foreground with a terminal, rong is its own console socket's receiver.
    cmds.opts.own_console = !cmds.detach;
    auto handle = container::exec(store, cmds.opts);
    if (!handle) return report_error(handle.error(), kExecFailed);
    sys::Fd master = std::move(handle->console_master);
    if (cmds.detach) return 0;
    auto status = signals->supervise(handle->pid, master.get());
    if (!status) return report_error(status.error(), kExecFailed);
    return sys::exit_code_of(*status);
}

}  // namespace

void add_exec_commands(std::vector<CommandEntry>& commands, ExecCommands& cmds) {
    auto& o = cmds.opts;
    commands.push_back({Command("exec", "execute a new process inside the container"),
                        [&cmds](const container::StateStore& s) { return run_exec(s, cmds); }});
    // Everything after the id is the command's, flags included ("exec ID sh -c ...").
    commands.back().args.option("p,process", o.process_file, "path to a process.json")
        .flag("t,tty", o.tty, "allocate a pseudo-TTY")
        .option("console-socket", o.console_socket, "unix socket that receives the pty master")
        .flag("d,detach", cmds.detach, "detach from the process")
        .option("pid-file", o.pid_file, "file to write the process's pid to")
        .option("e,env", o.env, "set an environment variable (KEY=VALUE)")
        .option("cwd", cmds.cwd, "working directory in the container")
        .option("u,user", cmds.user, "uid[:gid]")
        .option("g,additional-gids", cmds.additional_gids, "additional gids")
        .option("c,cap", o.caps, "add a capability")
        .flag("no-new-privs", o.no_new_privs, "set no_new_privs for the process")
        .option("preserve-fds", o.preserve_fds, "pass N extra fds (from 3)")
        .flag("ignore-paused", o.ignore_paused, "allow exec in a paused container")
        .option("apparmor", cmds.apparmor, "AppArmor profile for the process")
        .option("process-label", cmds.process_label, "SELinux label for the process")
        .option("pidfd-socket", o.pidfd_socket, "unix socket that receives the process's pidfd")
        .option("cgroup", o.sub_cgroups, "run in an existing sub-cgroup: [controller:]path")
        .argument("container-id", o.id)
        .rest("command", o.args);
    commands.push_back({Command("features", "show the features this build supports"), [](const container::StateStore&) {
                            std::puts(container::features_json().c_str());
                            return 0;
                        }});
}

}  // namespace rong::cli
