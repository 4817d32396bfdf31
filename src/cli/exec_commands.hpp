// `exec` and `features`: their flags and handlers.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "container/exec.hpp"

namespace rong::cli {

struct ExecCommands {
    CLI::App* exec = nullptr;
    CLI::App* features = nullptr;
    container::ExecOptions opts;
    std::string cwd, user, pid_file, apparmor, process_label;
    std::vector<std::string> additional_gids;
    bool detach = false;
};

void add_exec_commands(CLI::App& app, ExecCommands& cmds);
// The exit code when one of these commands was given, nothing otherwise.
std::optional<int> run_exec_command(const container::StateStore& store, ExecCommands& cmds);

}  // namespace rong::cli
