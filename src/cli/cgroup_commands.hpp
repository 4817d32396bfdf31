// The cgroup commands: pause, resume, ps, update, events: their flags and handlers, which
// main.cpp adds to its commands with add_cgroup_commands.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace rong::cli {

struct UpdateFlags {
    std::string resources;  // --resources FILE, "-" for stdin
    std::string memory, memory_swap, memory_reservation, kernel_memory, kernel_memory_tcp;
    std::optional<uint64_t> cpu_shares, cpu_period, cpu_rt_period, cpu_burst;
    std::optional<int64_t> cpu_quota, cpu_rt_runtime, cpu_idle, pids_limit;
    std::optional<uint16_t> blkio_weight;
    std::string cpuset_cpus, cpuset_mems;
};

struct CgroupCommands {
    std::string id;
    std::string ps_format = "table";
    std::vector<std::string> ps_args;  // after the id: ps(1)'s own
    UpdateFlags update_flags;
    bool stats = false;
    std::string interval = "5s";
};

void add_cgroup_commands(std::vector<CommandEntry>& commands, CgroupCommands& c);

// Pure helpers: "100m" → bytes as runc's --memory takes them; Go durations.
Result<int64_t> parse_bytes(const std::string& text);
Result<int64_t> parse_go_duration_ms(const std::string& text);

}  // namespace rong::cli
