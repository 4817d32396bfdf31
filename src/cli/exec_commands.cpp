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
    return static_cast<uint32_t>(std::stoul(text));
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
    OwnConsole console;
    if (!cmds.detach && cmds.opts.console_socket.empty()) console = OwnConsole::make();

    auto handle = container::exec(store, cmds.opts, console.theirs ? console.theirs.get() : -1);
    if (!handle) return report_error(handle.error(), kExecFailed);
    sys::Fd master = console.take_master();
    if (!cmds.pid_file.empty()) {
        if (auto st = sys::write_file_atomic(cmds.pid_file, std::to_string(handle->pid), 0644); !st)
            return report_error(st.error(), kExecFailed);
    }
    if (cmds.detach) return 0;
    auto status = signals->supervise(handle->pid, master.get());
    if (!status) return report_error(status.error(), kExecFailed);
    return sys::exit_code_of(*status);
}

}  // namespace

void add_exec_commands(CLI::App& app, ExecCommands& cmds) {
    auto& o = cmds.opts;
    auto* exec = app.add_subcommand("exec", "execute a new process inside the container");
    // Repeatable flags take one value per occurrence (-e A -e B), never the id after them.
    exec->add_option("-p,--process", o.process_file, "path to a process.json");
    exec->add_flag("-t,--tty", o.tty, "allocate a pseudo-TTY");
    exec->add_option("--console-socket", o.console_socket, "unix socket that receives the pty master");
    exec->add_flag("-d,--detach", cmds.detach, "detach from the process");
    exec->add_option("--pid-file", cmds.pid_file, "file to write the process's pid to");
    exec->add_option("-e,--env", o.env, "set an environment variable (KEY=VALUE)")->allow_extra_args(false);
    exec->add_option("--cwd", cmds.cwd, "working directory in the container");
    exec->add_option("-u,--user", cmds.user, "uid[:gid]");
    exec->add_option("-g,--additional-gids", cmds.additional_gids, "additional gids")->allow_extra_args(false);
    exec->add_option("-c,--cap", o.caps, "add a capability")->allow_extra_args(false);
    exec->add_flag("--no-new-privs", o.no_new_privs, "set no_new_privs for the process");
    exec->add_option("--preserve-fds", o.preserve_fds, "pass N extra fds (from 3)");
    exec->add_flag("--ignore-paused", o.ignore_paused, "allow exec in a paused container");
    exec->add_option("--apparmor", cmds.apparmor, "AppArmor profile for the process");
    exec->add_option("--process-label", cmds.process_label, "SELinux label for the process");
    exec->add_option("--pidfd-socket", o.pidfd_socket, "unix socket that receives the process's pidfd");
    exec->add_option("--cgroup", o.sub_cgroups, "run in an existing sub-cgroup: [controller:]path")
        ->allow_extra_args(false);
    exec->add_option("container-id", o.id, "the container's id")->required();
    exec->add_option("command", o.args, "the command and its arguments");
    // Everything after the id is the command's, flags included ("exec ID sh -c ...").
    exec->positionals_at_end();
    exec->prefix_command();
    cmds.exec = exec;
    cmds.features = app.add_subcommand("features", "show the features this build supports");
}

std::optional<int> run_exec_command(const container::StateStore& store, ExecCommands& cmds) {
    if (cmds.features && cmds.features->parsed()) {
        std::puts(container::features_json().c_str());
        return 0;
    }
    if (cmds.exec && cmds.exec->parsed()) return run_exec(store, cmds);
    return std::nullopt;
}

}  // namespace rong::cli
