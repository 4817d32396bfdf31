// One function per command: each takes its parsed flags and returns the process exit code.
#pragma once

#include <functional>
#include <string>

#include "cli/args.hpp"
#include "container/container.hpp"

namespace rong::cli {

// A command: its flags and arguments, and what runs it once they are parsed.
struct CommandEntry {
    Command args;
    std::function<int(const container::StateStore&)> run;
};

struct RunOptions {
    container::CreateOptions create;
    bool detach = false;
    bool keep = false;
};

int cmd_spec(const std::string& bundle, bool rootless);
int cmd_create(const container::StateStore& store, const container::CreateOptions& opts);
int cmd_start(const container::StateStore& store, const std::string& id);
int cmd_run(const container::StateStore& store, const RunOptions& opts);
int cmd_state(const container::StateStore& store, const std::string& id);
int cmd_kill(const container::StateStore& store, const std::string& id, const std::string& signal, bool all);
int cmd_delete(const container::StateStore& store, const std::string& id, bool force);
int cmd_list(const container::StateStore& store, const std::string& format, bool quiet);

}  // namespace rong::cli
