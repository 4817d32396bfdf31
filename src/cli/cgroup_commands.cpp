#include "cli/cgroup_commands.hpp"

#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/output.hpp"
#include "spec/parse.hpp"
#include "sys/file.hpp"

namespace rong::cli {

namespace {

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

int cmd_pause(const container::StateStore& store, const std::string& id) {
    auto st = container::pause(store, id);
    return st ? 0 : report_error(st.error());
}

int cmd_resume(const container::StateStore& store, const std::string& id) {
    auto st = container::resume(store, id);
    return st ? 0 : report_error(st.error());
}

// runc: json is the array of host pids; table runs `ps` (default -ef) and keeps its header and
// the lines whose PID column is one of the container's.
int cmd_ps(const container::StateStore& store, const std::string& id, const std::string& format,
           std::vector<std::string> args) {
    if (!args.empty() && args.front() == "--") args.erase(args.begin());
    auto pids = container::processes(store, id);
    if (!pids) return report_error(pids.error());
    if (format == "json") {
        print((pids->empty() ? std::string("null") : nlohmann::json(*pids).dump()) + "\n");
        return 0;
    }
    if (format != "table") return report_error(Error::msg("invalid format option"));
    if (args.empty()) args.push_back("-ef");
    std::string cmd = "ps";
    for (const auto& a : args) {
        std::string q = "'";
        for (char ch : a) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        cmd += " " + q + "'";
    }
    cmd += " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return report_error(Error::sys("run ps"));
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int status = ::pclose(p);
    if (status != 0) return report_error(Error::msg("ps: " + out));
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < out.size();) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos) end = out.size();
        lines.push_back(out.substr(pos, end - pos));
        pos = end + 1;
    }
    if (lines.empty()) return report_error(Error::msg("ps: no output"));
    auto fields = [](const std::string& line) {
        std::vector<std::string> f;
        for (size_t i = 0; i < line.size();) {
            while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            size_t start = i;
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            if (i > start) f.push_back(line.substr(start, i - start));
        }
        return f;
    };
    auto header = fields(lines[0]);
    size_t pid_index = header.size();
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == "PID") pid_index = i;
    if (pid_index == header.size()) return report_error(Error::msg("couldn't find PID field in ps output"));
    std::string result = lines[0] + "\n";
    for (size_t i = 1; i < lines.size(); ++i) {
        auto f = fields(lines[i]);
        if (f.size() <= pid_index) continue;
        pid_t pid = static_cast<pid_t>(std::atol(f[pid_index].c_str()));
        if (std::find(pids->begin(), pids->end(), pid) != pids->end()) result += lines[i] + "\n";
    }
    print(result);
    return 0;
}

Result<spec::Resources> update_resources(const UpdateFlags& f) {
    spec::Resources r;
    if (!f.resources.empty()) {
        std::string text;
        if (f.resources == "-") {
            text = TRY(sys::read_fd(0));
        } else {
            text = TRY(sys::read_file(f.resources));
        }
        r = TRY(spec::parse_resources(text, f.resources == "-" ? "stdin" : f.resources));
        // As runc: the file says it all (the flags are ignored), and the device rules stay those
        // of the config (update never rewrites them; rules alone would lose runc's defaults).
        r.devices.clear();
        return r;
    }
    auto mem = [&]() -> spec::MemoryResources& {
        if (!r.memory) r.memory.emplace();
        return *r.memory;
    };
    auto cpu = [&]() -> spec::CpuResources& {
        if (!r.cpu) r.cpu.emplace();
        return *r.cpu;
    };
    if (!f.memory.empty()) mem().limit = TRY(parse_bytes(f.memory));
    if (!f.memory_swap.empty()) mem().swap = TRY(parse_bytes(f.memory_swap));
    if (!f.memory_reservation.empty()) mem().reservation = TRY(parse_bytes(f.memory_reservation));
    if (!f.kernel_memory.empty()) mem().kernel = TRY(parse_bytes(f.kernel_memory));
    if (!f.kernel_memory_tcp.empty()) mem().kernelTCP = TRY(parse_bytes(f.kernel_memory_tcp));
    if (f.cpu_shares) cpu().shares = *f.cpu_shares;
    if (f.cpu_period) cpu().period = *f.cpu_period;
    if (f.cpu_quota) cpu().quota = *f.cpu_quota;
    if (f.cpu_burst) cpu().burst = *f.cpu_burst;
    if (f.cpu_idle) cpu().idle = *f.cpu_idle;
    if (f.cpu_rt_period) cpu().realtimePeriod = *f.cpu_rt_period;
    if (f.cpu_rt_runtime) cpu().realtimeRuntime = *f.cpu_rt_runtime;
    if (!f.cpuset_cpus.empty()) cpu().cpus = f.cpuset_cpus;
    if (!f.cpuset_mems.empty()) cpu().mems = f.cpuset_mems;
    if (f.pids_limit) r.pidsLimit = *f.pids_limit;
    if (f.blkio_weight) {
        if (!r.blockIO) r.blockIO.emplace();
        r.blockIO->weight = *f.blkio_weight;
    }
    return r;
}

int cmd_update(const container::StateStore& store, const std::string& id, const UpdateFlags& flags) {
    auto r = update_resources(flags);
    if (!r) return report_error(r.error());
    auto st = container::update(store, id, *r);
    return st ? 0 : report_error(st.error());
}

std::string stats_event(const std::string& id, nlohmann::ordered_json data) {
    nlohmann::ordered_json e;
    e["type"] = "stats";
    e["id"] = id;
    e["data"] = std::move(data);
    return e.dump() + "\n";
}

int cmd_events(const container::StateStore& store, const std::string& id, bool stats_once,
               const std::string& interval) {
    auto ms = parse_go_duration_ms(interval);
    if (!ms) return report_error(ms.error());
    if (*ms <= 0) return report_error(Error::msg("duration interval must be greater than 0"));
    if (stats_once) {
        auto data = container::stats(store, id);
        if (!data) return report_error(data.error());
        print(stats_event(id, std::move(*data)));
        return 0;
    }
    // Stats every interval; an "oom" event as soon as (within 100 ms) the OOM killer has struck.
    auto oom = container::oom_kills(store, id);
    if (!oom) return report_error(oom.error());
    uint64_t ooms = *oom;
    auto next_stats = std::chrono::steady_clock::now();
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= next_stats) {
            auto data = container::stats(store, id);
            // The container went away while streaming: the stream ends.
            if (!data) return data.error().message == "container not running" ? 0 : report_error(data.error());
            print(stats_event(id, std::move(*data)));
            next_stats = now + std::chrono::milliseconds(*ms);
        }
        auto count = container::oom_kills(store, id);
        if (!count) return 0;
        if (*count > ooms) print(nlohmann::ordered_json{{"type", "oom"}, {"id", id}}.dump() + "\n");
        ooms = *count;
        auto wait = std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100),
                                                                  next_stats - std::chrono::steady_clock::now());
        if (wait.count() > 0) std::this_thread::sleep_for(wait);
    }
}

}  // namespace

Result<int64_t> parse_bytes(const std::string& text) {
    if (text == "-1") return int64_t{-1};
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) return Error::msg("invalid size: '" + text + "'");
    double value = std::strtod(text.substr(0, i).c_str(), nullptr);
    std::string unit;
    for (char c : text.substr(i))
        if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!unit.empty() && unit.back() == 'b') unit.pop_back();
    if (unit.size() == 2 && unit.back() == 'i') unit.pop_back();
    double mult = 1;
    if (unit == "k") mult = 1024.0;
    else if (unit == "m") mult = 1024.0 * 1024;
    else if (unit == "g") mult = 1024.0 * 1024 * 1024;
    else if (unit == "t") mult = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "p") mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
    else if (!unit.empty()) return Error::msg("invalid size: '" + text + "'");
    return static_cast<int64_t>(value * mult);
}

Result<int64_t> parse_go_duration_ms(const std::string& text) {
    if (text == "0") return int64_t{0};
    size_t i = 0;
    double total_ns = 0;
    bool any = false;
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (i == start) return Error::msg("time: invalid duration \"" + text + "\"");
        double v = std::strtod(text.substr(start, i - start).c_str(), nullptr);
        size_t ustart = i;
        while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') ++i;
        std::string unit = text.substr(ustart, i - ustart);
        double ns;
        if (unit == "ns") ns = 1;
        else if (unit == "us" || unit == "µs") ns = 1e3;
        else if (unit == "ms") ns = 1e6;
        else if (unit == "s") ns = 1e9;
        else if (unit == "m") ns = 60e9;
        else if (unit == "h") ns = 3600e9;
        else return Error::msg("time: " + std::string(unit.empty() ? "missing unit" : "unknown unit") +
                               " in duration \"" + text + "\"");
        total_ns += v * ns;
        any = true;
    }
    if (!any) return Error::msg("time: invalid duration \"" + text + "\"");
    return static_cast<int64_t>(total_ns / 1e6);
}

void add_cgroup_commands(std::vector<CommandEntry>& commands, CgroupCommands& c) {
    using Store = container::StateStore;
    commands.push_back({Command("pause", "suspend all processes of a container"),
                        [&c](const Store& s) { return cmd_pause(s, c.id); }});
    commands.back().args.argument("container-id", c.id);
    commands.push_back({Command("resume", "resume all processes of a paused container"),
                        [&c](const Store& s) { return cmd_resume(s, c.id); }});
    commands.back().args.argument("container-id", c.id);

    commands.push_back({Command("ps", "list the processes of a container"),
                        [&c](const Store& s) { return cmd_ps(s, c.id, c.ps_format, c.ps_args); }});
    commands.back().args.option("f,format", c.ps_format, "table or json")
        .argument("container-id", c.id)
        .rest("ps-option", c.ps_args);

    auto& f = c.update_flags;
    commands.push_back({Command("update", "update a container's resource limits"),
                        [&c](const Store& s) { return cmd_update(s, c.id, c.update_flags); }});
    commands.back().args.option("r,resources", f.resources, "a LinuxResources JSON file, - for stdin")
        .option("memory", f.memory, "memory limit (bytes, or with k, m, g)")
        .option("memory-swap", f.memory_swap, "memory plus swap limit")
        .option("memory-reservation", f.memory_reservation, "memory soft limit")
        .option("kernel-memory", f.kernel_memory, "kernel memory limit (ignored by the kernel)")
        .option("kernel-memory-tcp", f.kernel_memory_tcp, "kernel TCP buffer limit")
        .option("cpu-share,cpu-shares", f.cpu_shares, "CPU shares")
        .option("cpu-period", f.cpu_period, "CFS period (us)")
        .option("cpu-quota", f.cpu_quota, "CFS quota (us)")
        .option("cpu-burst", f.cpu_burst, "CFS burst (us)")
        .option("cpu-idle", f.cpu_idle, "1: the container's tasks get the idle scheduling policy")
        .option("cpu-rt-period", f.cpu_rt_period, "realtime period (us)")
        .option("cpu-rt-runtime", f.cpu_rt_runtime, "realtime runtime (us)")
        .option("cpuset-cpus", f.cpuset_cpus, "CPUs allowed")
        .option("cpuset-mems", f.cpuset_mems, "memory nodes allowed")
        .option("pids-limit", f.pids_limit, "maximum number of pids")
        .option("blkio-weight", f.blkio_weight, "block IO weight (10-1000)")
        .argument("container-id", c.id);

    commands.push_back({Command("events", "stream a container's stats"),
                        [&c](const Store& s) { return cmd_events(s, c.id, c.stats, c.interval); }});
    commands.back().args.flag("stats", c.stats, "print the stats once and exit")
        .option("interval", c.interval, "interval between stats (Go duration)")
        .argument("container-id", c.id);
}

}  // namespace rong::cli
