// rong's command line: runc's commands and flags, parsed with CLI11. Only this layer knows argv,
// stdout and exit codes.
#include <seccomp.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cgroup_commands.hpp"
#include "cli/commands.hpp"
#include "cli/exec_commands.hpp"
#include "cli/output.hpp"

namespace {

std::string version_text() {
    const struct scmp_version* v = seccomp_version();
    return std::string("rong version ") + RONG_VERSION + "\nspec: 1.3.0\nlibseccomp: " + std::to_string(v->major) +
           "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

void add_create_flags(CLI::App* cmd, rong::container::CreateOptions& o) {
    cmd->add_option("-b,--bundle", o.bundle, "path to the root of the bundle directory");
    cmd->add_option("--pid-file", o.pid_file, "file to write the container init's pid to");
    cmd->add_option("--console-socket", o.console_socket, "unix socket that receives the pty master");
    cmd->add_flag("--no-pivot", o.no_pivot, "use MS_MOVE + chroot instead of pivot_root");
    cmd->add_flag("--no-new-keyring", o.no_new_keyring, "keep the caller's session keyring");
    cmd->add_option("--preserve-fds", o.preserve_fds, "pass N extra fds (from 3) to the container");
    cmd->add_option("container-id", o.id, "the container's id")->required();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"rong: an OCI container runtime", "rong"};
    app.set_version_flag("-v,--version", version_text());
    app.require_subcommand(1);

    rong::cli::LogOptions log_opts;
    std::string root = "/run/rong";
    bool systemd_cgroup = false;
    std::string rootless_value;
    app.add_option("--root", root, "state directory")->capture_default_str();
    app.add_option("--log", log_opts.file, "log file");
    app.add_option("--log-format", log_opts.format, "log format: text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--debug", log_opts.debug, "log debug lines");
    app.add_flag("--systemd-cgroup", systemd_cgroup, "use systemd to manage cgroups");
    app.add_option("--rootless", rootless_value, "rootless mode: true, false or auto")->expected(0, 1);
    app.add_option("--criu", "path to criu (ignored)");

    std::string spec_bundle = ".";
    bool spec_rootless = false;
    auto* spec = app.add_subcommand("spec", "create a new specification file");
    spec->add_option("-b,--bundle", spec_bundle, "bundle directory");
    spec->add_flag("--rootless", spec_rootless, "a spec for a rootless container");

    rong::container::CreateOptions create_opts;
    add_create_flags(app.add_subcommand("create", "create a container"), create_opts);

    rong::cli::RunOptions run_opts;
    auto* run = app.add_subcommand("run", "create and run a container");
    add_create_flags(run, run_opts.create);
    run->add_flag("-d,--detach", run_opts.detach, "detach from the container's process");
    run->add_flag("--keep", run_opts.keep, "do not delete the container after it exits");

    std::string id;
    auto* start = app.add_subcommand("start", "start a created container");
    start->add_option("container-id", id)->required();
    auto* state = app.add_subcommand("state", "output the state of a container");
    state->add_option("container-id", id)->required();

    std::string signal = "SIGTERM";
    bool kill_all = false;
    auto* kill = app.add_subcommand("kill", "send a signal to the container's init");
    kill->add_flag("-a,--all", kill_all, "send the signal to all processes of the container");
    kill->add_option("container-id", id)->required();
    kill->add_option("signal", signal, "signal name or number")->capture_default_str();

    bool force = false;
    auto* del = app.add_subcommand("delete", "delete a container");
    del->add_flag("-f,--force", force, "kill the container first if it is still running");
    del->add_option("container-id", id)->required();

    std::string format = "table";
    bool quiet = false;
    auto* list = app.add_subcommand("list", "list containers");
    list->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
    list->add_flag("-q,--quiet", quiet, "display only container ids");

    rong::cli::CgroupCommands cgroup_cmds;
    rong::cli::add_cgroup_commands(app, cgroup_cmds);

    rong::cli::ExecCommands exec_cmds;
    rong::cli::add_exec_commands(app, exec_cmds);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion&) {
        std::puts(version_text().c_str());
        return 0;
    } catch (const CLI::ParseError& e) {
        return rong::cli::report_error(rong::Error::msg(e.what()));
    }
    rong::cli::setup_logging(log_opts);

    // The flags that would change behaviour rong does not have yet are refused, not ignored.
    if (systemd_cgroup) return rong::cli::report_error(rong::Error::msg("--systemd-cgroup is not supported yet"));
    if (rootless_value == "true")
        return rong::cli::report_error(rong::Error::msg("--rootless is not supported yet"));

    rong::container::StateStore store(root);
    if (spec->parsed()) return rong::cli::cmd_spec(spec_bundle, spec_rootless);
    if (app.got_subcommand("create")) return rong::cli::cmd_create(store, create_opts);
    if (run->parsed()) return rong::cli::cmd_run(store, run_opts);
    if (start->parsed()) return rong::cli::cmd_start(store, id);
    if (state->parsed()) return rong::cli::cmd_state(store, id);
    if (kill->parsed()) return rong::cli::cmd_kill(store, id, signal, kill_all);
    if (del->parsed()) return rong::cli::cmd_delete(store, id, force);
    if (list->parsed()) return rong::cli::cmd_list(store, format, quiet);
    if (auto rc = rong::cli::run_cgroup_command(store, cgroup_cmds)) return *rc;
    if (auto rc = rong::cli::run_exec_command(store, exec_cmds)) return *rc;
    return 1;
}
