// The cgroup commands: pause, resume, ps, update, events. main.cpp registers them with
// add_cgroup_commands and runs the one parsed with run_cgroup_command.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "container/container.hpp"

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
    CLI::App *pause = nullptr, *resume = nullptr, *ps = nullptr, *update = nullptr, *events = nullptr;
    std::string id;
    std::string ps_format = "table";
    UpdateFlags update_flags;
    bool stats = false;
    std::string interval = "5s";
};

void add_cgroup_commands(CLI::App& app, CgroupCommands& c);
// The exit code of the cgroup command that was parsed, or nullopt if none was.
std::optional<int> run_cgroup_command(const container::StateStore& store, const CgroupCommands& c);

// Pure helpers: "100m" → bytes as runc's --memory takes them; Go durations.
Result<int64_t> parse_bytes(const std::string& text);
Result<int64_t> parse_go_duration_ms(const std::string& text);

}  // namespace rong::cli
