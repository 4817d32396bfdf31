// `exec` and `features`: their flags and handlers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "container/exec.hpp"

namespace rong::cli {

struct ExecCommands {
    container::ExecOptions opts;
    std::string cwd, user, apparmor, process_label;
    std::vector<std::string> additional_gids;
    bool detach = false;
};

void add_exec_commands(std::vector<CommandEntry>& commands, ExecCommands& cmds);

}  // namespace rong::cli
