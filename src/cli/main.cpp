// rong's command line: runc's commands and flags (src/cli/args.hpp reads them as runc does).
// Only this layer knows argv, stdout and exit codes.
#include <malloc.h>
#include <seccomp.h>

#include <cstdio>

#include "cli/args.hpp"
#include "cli/cgroup_commands.hpp"
#include "cli/commands.hpp"
#include "cli/exec_commands.hpp"
#include "cli/output.hpp"
#include "sys/file.hpp"

namespace {

using rong::cli::Command;
using rong::cli::CommandEntry;

std::string version_text() {
    const struct scmp_version* v = seccomp_version();
    return std::string("rong version ") + RONG_VERSION + "\nspec: 1.3.0\nlibseccomp: " + std::to_string(v->major) +
           "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

void add_create_flags(Command& cmd, rong::container::CreateOptions& o) {
    cmd.option("b,bundle", o.bundle, "path to the root of the bundle directory")
        .option("pid-file", o.pid_file, "file to write the container init's pid to")
        .option("console-socket", o.console_socket, "unix socket that receives the pty master")
        .flag("no-pivot", o.no_pivot, "use MS_MOVE + chroot instead of pivot_root")
        .flag("no-new-keyring", o.no_new_keyring, "keep the caller's session keyring")
        .option("preserve-fds", o.preserve_fds, "pass N extra fds (from 3) to the container")
        .argument("container-id", o.id);
}

std::string help_text(const Command& global, const std::vector<CommandEntry>& commands) {
    std::vector<const Command*> list;
    for (const auto& c : commands) list.push_back(&c.args);
    return global.usage("rong", list);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace rong;
    // The heap grows in large steps and never shrinks: a brk per ~128 KiB of growth and one per
    // trim were 3 syscalls of a `run` (issue 7). Untouched pages cost no memory.
    ::mallopt(M_TOP_PAD, 1 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
    sys::fill_closed_stdio();
    const std::vector<std::string_view> args(argv + 1, argv + argc);

    cli::LogOptions log_opts;
    std::string root = "/run/rong";
    bool systemd_cgroup = false, version = false;
    std::string rootless_value, criu;
    Command global("", "an OCI container runtime");
    global.option("root", root, "state directory (default: /run/rong)")
        .option("log", log_opts.file, "log file")
        .option("log-format", log_opts.format, "log format: text or json")
        .flag("debug", log_opts.debug, "log debug lines")
        .flag("systemd-cgroup", systemd_cgroup, "use systemd to manage cgroups")
        .option_or("rootless", rootless_value, "true", {"true", "false", "auto"}, "rootless mode: true, false or auto")
        .option("criu", criu, "path to criu (ignored)")
        .flag("v,version", version, "print the version");

    std::vector<CommandEntry> commands;
    std::string spec_bundle = ".";
    bool spec_rootless = false;
    commands.push_back({Command("spec", "create a new specification file"),
                        [&](const container::StateStore&) { return cli::cmd_spec(spec_bundle, spec_rootless); }});
    commands.back().args.option("b,bundle", spec_bundle, "bundle directory")
        .flag("rootless", spec_rootless, "a spec for a rootless container");

    container::CreateOptions create_opts;
    commands.push_back({Command("create", "create a container"),
                        [&](const container::StateStore& s) { return cli::cmd_create(s, create_opts); }});
    add_create_flags(commands.back().args, create_opts);

    cli::RunOptions run_opts;
    commands.push_back({Command("run", "create and run a container"),
                        [&](const container::StateStore& s) { return cli::cmd_run(s, run_opts); }});
    add_create_flags(commands.back().args, run_opts.create);
    commands.back().args.flag("d,detach", run_opts.detach, "detach from the container's process")
        .flag("keep", run_opts.keep, "do not delete the container after it exits");

    std::string id;
    commands.push_back({Command("start", "start a created container"),
                        [&](const container::StateStore& s) { return cli::cmd_start(s, id); }});
    commands.back().args.argument("container-id", id);
    commands.push_back({Command("state", "output the state of a container"),
                        [&](const container::StateStore& s) { return cli::cmd_state(s, id); }});
    commands.back().args.argument("container-id", id);

    std::string signal = "SIGTERM";
    bool kill_all = false;
    commands.push_back({Command("kill", "send a signal to the container's init"),
                        [&](const container::StateStore& s) { return cli::cmd_kill(s, id, signal, kill_all); }});
    commands.back().args.flag("a,all", kill_all, "send the signal to all processes of the container")
        .argument("container-id", id)
        .optional_argument("signal", signal);

    bool force = false;
    commands.push_back({Command("delete", "delete a container"),
                        [&](const container::StateStore& s) { return cli::cmd_delete(s, id, force); }});
    commands.back().args.flag("f,force", force, "kill the container first if it is still running")
        .argument("container-id", id);

    std::string format = "table";
    bool quiet = false;
    commands.push_back({Command("list", "list containers"), [&](const container::StateStore& s) {
                            if (format != "table" && format != "json")
                                return cli::report_error(Error::msg("invalid format option"));
                            return cli::cmd_list(s, format, quiet);
                        }});
    commands.back().args.option("f,format", format, "table or json").flag("q,quiet", quiet, "display only container ids");

    cli::CgroupCommands cgroup_cmds;
    cli::add_cgroup_commands(commands, cgroup_cmds);
    cli::ExecCommands exec_cmds;
    cli::add_exec_commands(commands, exec_cmds);

    auto first = global.parse_leading(args);
    if (!first) return cli::report_error(first.error());
    if (version) {
        std::puts(version_text().c_str());
        return 0;
    }
    if (global.help_asked() || *first == args.size()) {
        std::fputs(help_text(global, commands).c_str(), stdout);
        return 0;
    }
    if (log_opts.format.empty()) log_opts.format = "text";  // runc's default for an empty value
    if (log_opts.format != "text" && log_opts.format != "json")
        return cli::report_error(Error::msg("invalid log-format: " + log_opts.format));
    // From here on errors go where --log and --log-format say, a usage error too, as runc's do.
    if (auto st = cli::setup_logging(log_opts); !st) return cli::report_error(st.error());
    auto find = [&](std::string_view name) -> CommandEntry* {
        for (auto& c : commands)
            if (c.args.name() == name) return &c;
        return nullptr;
    };
    // runc's exit status for a command or help topic it does not know.
    constexpr int kUnknownCommand = 3;
    auto unknown = [&](std::string_view name) {
        return cli::report_error(Error::msg("No help topic for '" + std::string(name) + "'"), kUnknownCommand);
    };
    if (args[*first] == "help" || args[*first] == "h") {
        if (*first + 1 == args.size()) {
            std::fputs(help_text(global, commands).c_str(), stdout);
            return 0;
        }
        CommandEntry* topic = find(args[*first + 1]);
        if (!topic) return unknown(args[*first + 1]);
        std::fputs(topic->args.usage("rong").c_str(), stdout);
        return 0;
    }
    CommandEntry* command = find(args[*first]);
    if (!command) return unknown(args[*first]);
    if (auto st = command->args.parse({args.begin() + static_cast<std::ptrdiff_t>(*first) + 1, args.end()}); !st)
        return cli::report_error(st.error());
    if (command->args.help_asked()) {
        std::fputs(command->args.usage("rong").c_str(), stdout);
        return 0;
    }

    // The flags that would change behaviour rong does not have yet are refused, not ignored.
    if (systemd_cgroup) return cli::report_error(Error::msg("--systemd-cgroup is not supported yet"));
    if (rootless_value == "true") return cli::report_error(Error::msg("--rootless is not supported yet"));

    // (runc takes an empty one for the bundle's directory; rong would use the filesystem's root)
    if (root.empty()) return cli::report_error(Error::msg("--root: an empty path"));
    return command->run(container::StateStore(root));
}
