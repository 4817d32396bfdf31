// The file system side of cgroups: the v1 and v2 managers.
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cgroups/cgroups.hpp"
#include "cgroups/device_filter.hpp"
#include "sys/file.hpp"
#include "sys/mount.hpp"

namespace rong::cgroups {

using json = nlohmann::ordered_json;

Status write_value(const std::string& dir, const std::string& file, const std::string& value) {
    std::string path = dir + "/" + file;
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return Error::sys("open " + path);
    sys::Fd owner(fd);
    ssize_t n;
    do n = ::write(fd, value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return Error::sys("write \"" + value + "\" to " + path);
    return {};
}

Result<std::string> read_value(const std::string& dir, const std::string& file) {
    std::string text = TRY(sys::read_line_file(dir + "/" + file));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

namespace {

// Moves the calling (single-threaded) process into the cgroup of the open `tasks` file `fd`.
bool write_self_in(int fd) {
    ssize_t n;
    do n = ::write(fd, "0", 1);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

}  // namespace

Status join_self(const std::vector<int>& tasks_fds) {
    for (int fd : tasks_fds) {
        if (!write_self_in(fd)) return Error::sys("join the container's cgroup (write 0 to its tasks file)");
        ::close(fd);
    }
    return {};
}

Status join_self(const Paths& paths, int leave_open_from) {
    std::set<std::string> dirs;
    for (const auto& [controller, dir] : paths)
        if (!controller.empty()) dirs.insert(dir);
    for (const auto& dir : dirs) {
        std::string path = dir + "/tasks";
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return Error::sys("open " + path);
        bool joined = write_self_in(fd);
        // The others are left to the execve, which closes them (close-on-exec).
        if (fd < leave_open_from || !joined) ::close(fd);
        if (!joined) return Error::sys("join the container's cgroup (write 0 to " + path + ")");
    }
    return {};
}

namespace {

// mkdir -p that remembers what it made, parents first.
Status make_dirs(const std::string& path, std::vector<std::string>& made) {
    // Most often only the leaf is missing (or none is): one mkdir, no walk.
    if (::mkdir(path.c_str(), 0755) == 0) {
        made.push_back(path);
        return {};
    }
    if (errno == EEXIST) return {};
    if (errno != ENOENT) return Error::sys("mkdir " + path);
    std::vector<std::string> missing;
    for (std::string p = path; !p.empty() && p != "/"; p = parent_of(p)) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) break;
        missing.push_back(p);
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0755) < 0 && errno != EEXIST) return Error::sys("mkdir " + *it);
        made.push_back(*it);
    }
    return {};
}

std::vector<std::string> subdirs(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) return out;
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..") out.push_back(path + "/" + name);
    }
    ::closedir(d);
    return out;
}

// rmdir of a cgroup and what the container made below it; EBUSY (processes still leaving) is
// retried until `deadline`, which one destroy() shares over all its directories: a process that
// is not leaving (someone else's) costs it that long once, not once per hierarchy.
Status remove_tree(const std::string& path, std::chrono::steady_clock::time_point deadline) {
    // Most cgroups have no children: try the rmdir before listing the directory.
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
    for (const auto& sub : subdirs(path)) TRY(remove_tree(sub, deadline));
    for (;;) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
        if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) return Error::sys("remove cgroup " + path);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::vector<pid_t> read_ids(const std::string& text) {
    std::vector<pid_t> ids;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        if (end > pos) ids.push_back(static_cast<pid_t>(std::stol(text.substr(pos, end - pos))));
        pos = end + 1;
    }
    return ids;
}

void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
    auto procs = sys::read_file(dir + "/cgroup.procs");
    if (procs) {
        for (pid_t pid : read_ids(*procs)) out.push_back(pid);
    } else if (procs.error().errnum == EOPNOTSUPP) {
        // A threaded cgroup (thread_if_invalid) lists threads only: each one's process, once.
        if (auto threads = sys::read_file(dir + "/cgroup.threads")) {
            for (pid_t tid : read_ids(*threads)) {
                auto status = sys::read_file("/proc/" + std::to_string(tid) + "/status");
                auto at = status ? status->find("\nTgid:") : std::string::npos;
                if (at == std::string::npos) continue;  // gone meanwhile
                auto pid = static_cast<pid_t>(std::strtol(status->c_str() + at + 6, nullptr, 10));
                if (std::find(out.begin(), out.end(), pid) == out.end()) out.push_back(pid);
            }
        }
    }
    for (const auto& sub : subdirs(dir)) collect_pids(sub, out);
}

std::set<std::string> unique_dirs(const Paths& paths) {
    std::set<std::string> out;
    for (const auto& [k, v] : paths) out.insert(v);
    return out;
}

uint64_t read_u64(const std::string& dir, const std::string& file) {
    auto v = read_value(dir, file);
    if (!v || v->empty() || *v == "max") return 0;
    return std::strtoull(v->c_str(), nullptr, 10);
}

// "key value" lines (memory.stat, cpu.stat, cpuacct.stat) as a map.
std::map<std::string, uint64_t> read_flat_keyed(const std::string& dir, const std::string& file) {
    std::map<std::string, uint64_t> out;
    auto text = sys::read_file(dir + "/" + file);
    if (!text) return out;
    size_t pos = 0;
    while (pos < text->size()) {
        size_t end = text->find('\n', pos);
        if (end == std::string::npos) end = text->size();
        std::string line = text->substr(pos, end - pos);
        auto sp = line.find(' ');
        if (sp != std::string::npos) out[line.substr(0, sp)] = std::strtoull(line.c_str() + sp + 1, nullptr, 10);
        pos = end + 1;
    }
    return out;
}

// The page sizes of a hugetlb cgroup's "hugetlb.<size><suffix>" files (".rsvd." ones aside).
std::vector<std::string> hugetlb_page_sizes(const std::string& dir, const std::string& suffix) {
    std::vector<std::string> sizes;
    DIR* d = ::opendir(dir.c_str());
    while (d) {
        struct dirent* e = ::readdir(d);
        if (!e) break;
        std::string name = e->d_name;
        if (name.rfind("hugetlb.", 0) != 0 || name.size() <= 8 + suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0 || name.find(".rsvd.") != std::string::npos)
            continue;
        sizes.push_back(name.substr(8, name.size() - 8 - suffix.size()));
    }
    if (d) ::closedir(d);
    return sizes;
}

// runc's `cpuset` stats: the cpu and node lists in force (left out when empty, as runc's) and
// v1's flags (0 where there is no such file: v2 has none, and runc reports them 0 there).
json cpuset_stats(const std::string& dir, const std::string& cpus_file, const std::string& mems_file) {
    auto text = [&](const std::string& file) -> std::string {
        if (dir.empty()) return "";
        auto v = read_value(dir, file);
        return v ? *v : "";
    };
    json out;
    for (const auto& [key, file] : {std::pair{"cpus", cpus_file}, std::pair{"mems", mems_file}})
        if (auto list = parse_number_list(text(file), 1 << 16)) out[key] = *list;
    for (const char* flag : {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                             "memory_spread_slab", "memory_pressure", "sched_load_balance"})
        out[flag] = std::strtoull(text(std::string("cpuset.") + flag).c_str(), nullptr, 10);
    out["sched_relax_domain_level"] = std::strtoll(text("cpuset.sched_relax_domain_level").c_str(), nullptr, 10);
    return out;
}

// A "1 2 3" list of counters (cpuacct.usage_percpu*).
json counters(const Result<std::string>& text) {
    json out = json::array();
    if (!text) return out;
    const char* p = text->c_str();
    char* end = nullptr;
    for (unsigned long long n = std::strtoull(p, &end, 10); end != p; n = std::strtoull(p, &end, 10)) {
        out.push_back(n);
        p = end;
    }
    return out;
}

// One entry of events' blkio tables: runc leaves out the fields that are zero (omitempty).
json blkio_entry(unsigned major, unsigned minor, const std::string& op, unsigned long long value) {
    json e = json::object();
    if (major) e["major"] = major;
    if (minor) e["minor"] = minor;
    if (!op.empty()) e["op"] = op;
    if (value) e["value"] = value;
    return e;
}

json blkio_entries(const std::string& dir, const std::string& file) {
    json arr = json::array();
    auto text = sys::read_file(dir + "/" + file);
    if (!text) return arr;
    size_t pos = 0;
    while (pos < text->size()) {
        size_t end = text->find('\n', pos);
        if (end == std::string::npos) end = text->size();
        std::string line = text->substr(pos, end - pos);
        pos = end + 1;
        unsigned major = 0, minor = 0;
        char op[32] = {};
        unsigned long long value = 0;
        if (std::sscanf(line.c_str(), "%u:%u %31s %llu", &major, &minor, op, &value) == 4)
            arr.push_back(blkio_entry(major, minor, op, value));
    }
    return arr;
}

// v2's io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device) in v1's
// blkio tables, as runc maps it: bytes and ios read and written; the rest has no v1 name.
json io_stat_blkio(const std::string& dir) {
    json bytes = json::array(), ios = json::array();
    auto text = sys::read_file(dir + "/io.stat");
    if (text) {
        for (const auto& line : split(*text, '\n')) {
            auto fields = split_words(line);
            unsigned major = 0, minor = 0;
            if (fields.empty() || std::sscanf(fields[0].c_str(), "%u:%u", &major, &minor) != 2) continue;
            for (size_t i = 1; i < fields.size(); ++i) {
                auto eq = fields[i].find('=');
                if (eq == std::string::npos) continue;
                std::string key = fields[i].substr(0, eq);
                json* table = key == "rbytes" || key == "wbytes" ? &bytes : key == "rios" || key == "wios" ? &ios : nullptr;
                if (!table) continue;
                table->push_back(blkio_entry(major, minor, key[0] == 'r' ? "Read" : "Write",
                                             std::strtoull(fields[i].c_str() + eq + 1, nullptr, 10)));
            }
        }
    }
    json blkio = json::object();
    if (!bytes.empty()) blkio["ioServiceBytesRecursive"] = bytes;
    if (!ios.empty()) blkio["ioServicedRecursive"] = ios;
    return blkio;
}

class V1Manager final : public Manager {
public:
    explicit V1Manager(Mode mode, Paths paths) : Manager(mode, std::move(paths)) {}

    Status create() override {
        for (const auto& dir : unique_dirs(paths_)) {
            if (std::find(made_.begin(), made_.end(), dir) != made_.end()) continue;  // create_clone_target
            TRY(make_dirs(dir, made_));
        }
        // A new cpuset cgroup has no cpus or mems (or, with cgroup.clone_children, its parent's):
        // nothing could join it. Copy the parent's, parents first (made_ is in that order).
        if (auto it = paths_.find("cpuset"); it != paths_.end()) {
            for (const auto& dir : made_) {
                if (!path_within(dir, it->second) && !path_within(it->second, dir)) continue;
                for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
                    std::string parent = TRY(read_value(parent_of(dir), file));
                    // (O_CREAT is a no-op on cgroupfs, where the file exists; it lets the unit
                    // tests' fake hierarchy stand in.)
                    TRY(sys::write_file(dir + "/" + file, parent, O_WRONLY | O_CREAT | O_TRUNC));
                }
            }
        }
        return {};
    }

    Status apply(pid_t pid) override {
        for (const auto& dir : unique_dirs(paths_)) TRY(write_value(dir, "cgroup.procs", std::to_string(pid)));
        return {};
    }

    Result<std::vector<sys::Fd>> open_self_join() const override {
        std::vector<sys::Fd> out;
        for (const auto& dir : unique_dirs(v1_paths())) {
            std::string path = dir + "/tasks";
            int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return Error::sys("open " + path);
            out.emplace_back(fd);
        }
        return out;
    }

    // Hybrid: the unified tree is joined by clone3 (CLONE_INTO_CGROUP), not by a write.
    int dir_fd() const override {
        auto it = paths_.find("");
        if (it == paths_.end()) return -1;
        if (!unified_fd_) unified_fd_.reset(::open(it->second.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        return unified_fd_.get();
    }

    Status set(const spec::Resources& r) override {
        Current cur;
        // The current limit only orders a memory + swap pair (v1_writes).
        bool memory_and_swap = r.memory && r.memory->limit.value_or(0) != 0 && r.memory->swap.value_or(0) != 0;
        if (auto it = paths_.find("memory"); memory_and_swap && it != paths_.end()) {
            if (auto v = read_value(it->second, "memory.limit_in_bytes")) cur.memory_limit = std::strtoll(v->c_str(), nullptr, 10);
        }
        std::vector<Write> writes = TRY(v1_writes(r, cur));
        for (const auto& why : ignored_settings(r, false)) log::warn(why);
        if (!r.devices.empty()) {
            auto dev = v1_device_writes(TRY(emulate_device_rules(r.devices)));
            writes.insert(writes.end(), dev.begin(), dev.end());
        }
        // Consecutive writes to one file (the device rules) share one open: each write(2) to a
        // cgroup file is taken as one value.
        sys::Fd open_file;
        std::string open_path;
        for (const auto& w : writes) {
            auto it = paths_.find(w.controller);
            if (it == paths_.end())
                return Error::msg("cannot set " + w.controller + " limit: the " + w.controller +
                                  " cgroup controller is not mounted");
            std::string path = it->second + "/" + w.file;
            if (path != open_path) {
                open_file.reset(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
                if (!open_file) return Error::sys("open " + path);
                open_path = path;
            }
            ssize_t n;
            do n = ::write(open_file.get(), w.value.data(), w.value.size());
            while (n < 0 && errno == EINTR);
            if (n < 0 && !(w.tolerate == Tolerate::invalid && errno == EINVAL)) {
                // The kernel could not reclaim down to the new limit: say how far off it is, as runc.
                if (errno == EBUSY && w.file == "memory.limit_in_bytes")
                    return Error{"unable to set memory limit to " + w.value + " (current usage: " +
                                     read_value(it->second, "memory.usage_in_bytes").value_or("?") + ", peak usage: " +
                                     read_value(it->second, "memory.max_usage_in_bytes").value_or("?") + ")",
                                 EBUSY};
                return Error::sys("write \"" + w.value + "\" to " + path);
            }
        }
        if (r.cpu && r.cpu->shares && *r.cpu->shares) TRY(check_shares(*r.cpu->shares));
        return {};
    }

    Status freeze() override { return set_freezer("FROZEN"); }
    Status thaw() override { return set_freezer("THAWED"); }

    bool frozen() const override {
        auto it = paths_.find("freezer");
        if (it == paths_.end()) return false;
        auto v = read_value(it->second, "freezer.state");
        return v && *v == "FROZEN";
    }

    Result<std::vector<pid_t>> pids() const override {
        std::vector<pid_t> out;
        // devices first, the hierarchy runc lists from: in a cgroup made beforehand, the
        // hierarchies can hold different processes.
        for (const char* key : {"devices", "freezer", "memory", "pids", "cpu"}) {
            auto it = paths_.find(key);
            if (it == paths_.end()) continue;
            if (::access((it->second + "/cgroup.procs").c_str(), F_OK) < 0)
                return Error::sys("open " + it->second + "/cgroup.procs");
            collect_pids(it->second, out);
            return out;
        }
        return Error::msg("the container has no cgroup to list processes of");
    }

    json stats() const override {
        json data;
        auto path = [&](const char* key) -> std::string {
            auto it = paths_.find(key);
            return it == paths_.end() ? std::string() : it->second;
        };
        json cpu;
        if (auto acct = path("cpuacct"); !acct.empty()) {
            json usage;
            usage["total"] = read_u64(acct, "cpuacct.usage");
            usage["percpu"] = counters(read_value(acct, "cpuacct.usage_percpu"));
            for (const auto& [key, file] : {std::pair{"percpu_kernel", "cpuacct.usage_percpu_sys"},
                                            std::pair{"percpu_user", "cpuacct.usage_percpu_user"}})
                if (auto v = read_value(acct, file)) usage[key] = counters(v);
            auto st = read_flat_keyed(acct, "cpuacct.stat");
            long hz = ::sysconf(_SC_CLK_TCK);
            uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / static_cast<uint64_t>(hz) : 10000000ULL;
            usage["kernel"] = st["system"] * ns_per_tick;
            usage["user"] = st["user"] * ns_per_tick;
            cpu["usage"] = usage;
        }
        json throttling = json::object();
        if (auto c = path("cpu"); !c.empty()) {
            auto st = read_flat_keyed(c, "cpu.stat");
            // runc leaves zero counters out.
            if (st["nr_periods"]) throttling["periods"] = st["nr_periods"];
            if (st["nr_throttled"]) throttling["throttledPeriods"] = st["nr_throttled"];
            if (st["throttled_time"]) throttling["throttledTime"] = st["throttled_time"];
        }
        cpu["throttling"] = throttling;
        data["cpu"] = cpu;
        if (auto m = path("memory"); !m.empty()) {
            json mem;
            auto raw = read_flat_keyed(m, "memory.stat");
            mem["cache"] = raw["cache"];
            auto entry = [&](const std::string& prefix) {
                json e;
                e["limit"] = read_u64(m, prefix + ".limit_in_bytes");
                e["usage"] = read_u64(m, prefix + ".usage_in_bytes");
                e["max"] = read_u64(m, prefix + ".max_usage_in_bytes");
                e["failcnt"] = read_u64(m, prefix + ".failcnt");
                return e;
            };
            mem["usage"] = entry("memory");
            mem["swap"] = entry("memory.memsw");
            mem["kernel"] = entry("memory.kmem");
            mem["kernelTCP"] = entry("memory.kmem.tcp");
            json rawj = json::object();
            for (const auto& [k, v] : raw) rawj[k] = v;
            mem["raw"] = rawj;
            data["memory"] = mem;
        }
        if (auto p = path("pids"); !p.empty())
            data["pids"] = {{"current", read_u64(p, "pids.current")}, {"limit", read_u64(p, "pids.max")}};
        json blkio = json::object();
        if (auto b = path("blkio"); !b.empty()) {
            auto bytes = blkio_entries(b, "blkio.throttle.io_service_bytes_recursive");
            auto ios = blkio_entries(b, "blkio.throttle.io_serviced_recursive");
            if (!bytes.empty()) blkio["ioServiceBytesRecursive"] = bytes;
            if (!ios.empty()) blkio["ioServicedRecursive"] = ios;
        }
        data["blkio"] = blkio;
        json huge = json::object();
        if (auto h = path("hugetlb"); !h.empty()) {
            for (const auto& size : hugetlb_page_sizes(h, ".limit_in_bytes"))
                huge[size] = {{"usage", read_u64(h, "hugetlb." + size + ".usage_in_bytes")},
                              {"max", read_u64(h, "hugetlb." + size + ".max_usage_in_bytes")},
                              {"failcnt", read_u64(h, "hugetlb." + size + ".failcnt")}};
        }
        data["hugetlb"] = huge;
        data["cpuset"] = cpuset_stats(path("cpuset"), "cpuset.cpus", "cpuset.mems");
        data["intel_rdt"] = json::object();
        data["network_interfaces"] = nullptr;  // (runc's, when the config names no interface)
        return data;
    }

    uint64_t oom_kills() const override {
        auto it = paths_.find("memory");
        if (it == paths_.end()) return 0;
        return read_flat_keyed(it->second, "memory.oom_control")["oom_kill"];
    }

private:
    Paths v1_paths() const {
        Paths out = paths_;
        out.erase("");
        return out;
    }

    // The kernel clamps cpu.shares to its range without an error; runc reads it back to refuse
    // a value outside it, and so do we.
    Status check_shares(uint64_t shares) const {
        std::string read = TRY(read_value(paths_.at("cpu"), "cpu.shares"));
        uint64_t in_force = std::strtoull(read.c_str(), nullptr, 10);
        if (shares > in_force)
            return Error::msg("linux.resources.cpu.shares: " + std::to_string(shares) + " is above the maximum, " + read);
        if (shares < in_force)
            return Error::msg("linux.resources.cpu.shares: " + std::to_string(shares) + " is below the minimum, " + read);
        return {};
    }

    Status set_freezer(const std::string& state) {
        auto it = paths_.find("freezer");
        if (it == paths_.end()) return Error::msg("the freezer cgroup controller is not mounted");
        for (int i = 0; i < 1000; ++i) {
            // Rewritten while FREEZING: a task that forked meanwhile must be frozen too.
            TRY(write_value(it->second, "freezer.state", state));
            std::string now = TRY(read_value(it->second, "freezer.state"));
            if (now == state) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (state == "FROZEN") (void)write_value(it->second, "freezer.state", "THAWED");
        return Error::msg("freeze " + it->second + ": the cgroup did not reach state " + state);
    }

    mutable sys::Fd unified_fd_;  // hybrid: the unified tree's directory, for clone3
};

class V2Manager final : public Manager {
public:
    V2Manager(Paths paths, std::string mount_root) : Manager(Mode::unified, std::move(paths)), root_(std::move(mount_root)) {}

    Status create() override {
        const std::string& leaf = dir();
        TRY(make_dirs(leaf, made_));
        // Every ancestor below the mount delegates what it has to its children.
        std::vector<std::string> chain;
        for (std::string p = parent_of(leaf); path_within(p, root_); p = parent_of(p)) {
            chain.push_back(p);
            if (p == root_ || p == "/") break;
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            TRY(thread_if_invalid(*it));
            auto available = read_value(*it, "cgroup.controllers");
            if (!available) continue;
            // Only what is not delegated yet: each write walks every cgroup below, so a write per
            // container would grow with the number of its siblings.
            auto delegated = read_value(*it, "cgroup.subtree_control");
            std::vector<std::string> enabled = delegated ? split_words(*delegated) : std::vector<std::string>{};
            std::vector<std::string> missing;
            for (const auto& c : split_words(*available))
                if (std::find(enabled.begin(), enabled.end(), c) == enabled.end()) missing.push_back(c);
            // All in one write, as runc; the kernel takes all or none, so one by one if that fails.
            std::string all;
            for (const auto& c : missing) all += (all.empty() ? "+" : " +") + c;
            if (all.empty() || write_value(*it, "cgroup.subtree_control", all)) continue;
            for (const auto& c : missing)
                if (auto st = write_value(*it, "cgroup.subtree_control", "+" + c); !st) log::debug(st.error().message);
        }
        TRY(thread_if_invalid(leaf));
        int fd = ::open(leaf.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0) return Error::sys("open " + leaf);
        fd_.reset(fd);
        return {};
    }

    Status apply(pid_t pid) override { return write_value(dir(), "cgroup.procs", std::to_string(pid)); }

    // Device rules become an eBPF program; none (update without devices) keeps the one attached.
    Status set(const spec::Resources& r) override {
        std::optional<std::vector<bpf_insn>> filter;
        if (!r.devices.empty()) filter = device_filter_program(TRY(emulate_device_rules(r.devices)));
        Current cur;
        bool weights = r.blockIO && ((r.blockIO->weight && *r.blockIO->weight) || !r.blockIO->weightDevice.empty());
        cur.io_bfq_weight = weights && ::access((dir() + "/io.bfq.weight").c_str(), F_OK) == 0;
        auto writes = TRY(v2_writes(r, cur));
        for (const auto& why : ignored_settings(r, true)) log::warn(why);
        if (r.memory) {
            const auto& m = *r.memory;
            if (m.checkBeforeUpdate.value_or(false) && m.limit.value_or(0) > 0) {
                uint64_t usage = read_u64(dir(), "memory.current");
                if (usage >= static_cast<uint64_t>(*m.limit))
                    return Error::msg("rejecting memory limit " + std::to_string(*m.limit) + " below usage " +
                                      std::to_string(usage));
            }
        }
        for (const auto& w : writes) {
            auto st = write_value(dir(), w.file, w.value);
            if (st || (w.tolerate == Tolerate::missing && st.error().errnum == ENOENT) ||
                (w.tolerate == Tolerate::invalid && st.error().errnum == EINVAL))
                continue;
            if (w.tolerate == Tolerate::unsupported && st.error().errnum == EOPNOTSUPP) {
                log::warn(st.error().message + " (the device does not support it): ignored");
                continue;
            }
            return explain(w, std::move(st).error());
        }
        if (filter) {
            if (dir_fd() < 0) return Error::sys("open " + dir());
            // A directory made a moment ago has no filter to replace.
            bool made_here = std::find(made_.begin(), made_.end(), dir()) != made_.end();
            if (auto st = attach_device_filter(dir_fd(), *filter, !made_here); !st)
                return Error{"device filter for " + dir() + ": " + st.error().message, st.error().errnum};
        }
        return {};
    }

    Status freeze() override {
        TRY(write_value(dir(), "cgroup.freeze", "1"));
        for (int i = 0; i < 2000; ++i) {
            if (frozen()) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        (void)write_value(dir(), "cgroup.freeze", "0");
        return Error::msg("freeze " + dir() + ": the cgroup did not freeze");
    }
    Status thaw() override { return write_value(dir(), "cgroup.freeze", "0"); }

    bool frozen() const override {
        auto events = read_flat_keyed(dir(), "cgroup.events");
        return events.count("frozen") && events["frozen"] == 1;
    }

    Result<std::vector<pid_t>> pids() const override {
        if (::access((dir() + "/cgroup.procs").c_str(), F_OK) < 0) return Error::sys("open " + dir() + "/cgroup.procs");
        std::vector<pid_t> out;
        collect_pids(dir(), out);
        return out;
    }

    json stats() const override {
        json data;
        auto cpu = read_flat_keyed(dir(), "cpu.stat");
        json throttling = json::object();
        if (cpu["nr_periods"]) throttling["periods"] = cpu["nr_periods"];
        if (cpu["nr_throttled"]) throttling["throttledPeriods"] = cpu["nr_throttled"];
        if (cpu["throttled_usec"]) throttling["throttledTime"] = cpu["throttled_usec"] * 1000;
        data["cpu"] = {{"usage", {{"total", cpu["usage_usec"] * 1000}, {"kernel", cpu["system_usec"] * 1000},
                                  {"user", cpu["user_usec"] * 1000}}},
                       {"throttling", throttling}};
        auto raw = read_flat_keyed(dir(), "memory.stat");
        json rawj = json::object();
        for (const auto& [k, v] : raw) rawj[k] = v;
        // As runc: an unlimited "max" is 2^64-1, and swap is reported as v1 had it, memory+swap.
        auto limit = [&](const char* file) {
            auto v = read_value(dir(), file);
            return v && *v == "max" ? UINT64_MAX : read_u64(dir(), file);
        };
        uint64_t mem_limit = limit("memory.max"), mem_usage = read_u64(dir(), "memory.current");
        uint64_t swap_limit = limit("memory.swap.max");
        if (swap_limit != UINT64_MAX) swap_limit += mem_limit;
        data["memory"] = {{"cache", raw["file"]},
                          {"usage", {{"limit", mem_limit}, {"usage", mem_usage}}},
                          {"swap", {{"limit", swap_limit}, {"usage", read_u64(dir(), "memory.swap.current") + mem_usage}}},
                          {"raw", rawj}};
        data["pids"] = {{"current", read_u64(dir(), "pids.current")}, {"limit", read_u64(dir(), "pids.max")}};
        data["blkio"] = io_stat_blkio(dir());
        json huge = json::object();
        for (const auto& size : hugetlb_page_sizes(dir(), ".max"))
            huge[size] = {{"usage", read_u64(dir(), "hugetlb." + size + ".current")},
                          {"failcnt", read_flat_keyed(dir(), "hugetlb." + size + ".events")["max"]}};
        data["hugetlb"] = huge;
        data["cpuset"] = cpuset_stats(dir(), "cpuset.cpus.effective", "cpuset.mems.effective");
        data["intel_rdt"] = json::object();
        data["network_interfaces"] = nullptr;
        return data;
    }

    // Opened on first use for a manager loaded from state (exec clones into it).
    uint64_t oom_kills() const override { return read_flat_keyed(dir(), "memory.events")["oom_kill"]; }

    int dir_fd() const override {
        if (!fd_) fd_.reset(::open(dir().c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        return fd_.get();
    }

private:
    const std::string& dir() const { return paths_.at(""); }

    // A cgroup made under one that has processes and threaded controllers (cpu, pids) enabled for
    // its children is "domain invalid" (a cgroupsPath under a busy cgroup; rong's own cgroup as
    // the root of what is mounted on /sys/fs/cgroup, whose parent it cannot reach): clone3 into
    // it fails with EOPNOTSUPP. As runc, rong makes it threaded: the threaded controllers' limits
    // apply, and a domain controller's (memory, io) cannot be set there, which explain() says.
    // Only for a directory made here.
    Status thread_if_invalid(const std::string& path) {
        if (std::find(made_.begin(), made_.end(), path) == made_.end()) return {};
        auto type = read_value(path, "cgroup.type");
        if (!type || *type != "domain invalid") return {};
        TRY(write_value(path, "cgroup.type", "threaded"));
        threaded_ = true;
        return {};
    }

    // A file that is not there, most often: a controller the parent does not delegate; ENODEV
    // from rdma.max: a device the kernel does not have.
    Error explain(const Write& w, Error e) const {
        if (w.file == "rdma.max" && e.errnum == ENODEV)
            return Error{"linux.resources.rdma: no RDMA device \"" + w.value.substr(0, w.value.find(' ')) +
                             "\" (" + e.message + ")",
                         ENODEV};
        if (e.errnum != ENOENT && e.errnum != EPERM && e.errnum != EACCES) return e;
        std::string controller = w.file.substr(0, w.file.find('.'));
        if (controller == "cgroup") return e;
        auto listed = read_value(dir(), "cgroup.controllers");
        std::string available = listed ? *listed : "";
        for (const auto& c : split_words(available))
            if (c == controller) return e;
        return Error::msg("cannot set " + w.file + ": the " + controller + " cgroup controller is not available in " +
                          dir() + " (it has: " + (available.empty() ? "none" : available) + ")" +
                          (threaded_ ? "; it is a threaded cgroup, made under one that has processes" : ""));
    }
    std::string root_;
    bool threaded_ = false;  // thread_if_invalid made a directory threaded
    mutable sys::Fd fd_;
};

}  // namespace

Status Manager::kill_all(int sig) {
    // cgroup.kill (5.14+) kills every process of the cgroup and below at once, forks included.
    if (sig == SIGKILL && mode_ == Mode::unified) {
        const std::string& dir = paths_.at("");
        // (Not in a threaded cgroup: EOPNOTSUPP, and the freeze and signals below then.)
        if (::access((dir + "/cgroup.kill").c_str(), F_OK) == 0) {
            auto killed = write_value(dir, "cgroup.kill", "1");
            if (killed || killed.error().errnum != EOPNOTSUPP) return killed;
        }
    }
    // An empty cgroup (the container has exited) has nothing to kill and nothing that could fork:
    // no freeze and thaw.
    if (auto list = pids(); list && list->empty()) return {};
    // Frozen, nothing can fork a new process past the signal; thawed after, whatever the signal,
    // as runc does: a paused container's processes get theirs (and can die) instead of keeping it
    // pending in a cgroup that stays frozen.
    bool thaw_after = true;
    if (auto st = freeze(); !st) {
        log::debug(st.error().message);
        thaw_after = false;
    }
    auto list = pids();
    Status result;
    if (!list) {
        result = std::move(list).error();
    } else {
        for (pid_t pid : *list)
            if (::kill(pid, sig) < 0 && errno != ESRCH) {
                result = Error::sys("kill " + std::to_string(pid));
                break;
            }
    }
    if (thaw_after) (void)thaw();
    return result;
}

Status Manager::create_clone_target() {
    if (mode_ == Mode::unified) return create();
    auto it = paths_.find("");
    return it == paths_.end() ? Status{} : make_dirs(it->second, made_);
}

Status Manager::destroy() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    Status result;
    for (const auto& dir : unique_dirs(paths_))
        if (auto st = remove_tree(dir, deadline); !st && result) result = st;
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
        if (auto st = remove_tree(*it, deadline); !st && result) result = st;
    return result;
}

bool Manager::remove_if_empty() {
    // A process (in every hierarchy at once) or a child cgroup makes rmdir fail with EBUSY.
    for (const auto& dir : unique_dirs(paths_))
        if (::rmdir(dir.c_str()) < 0 && errno != ENOENT) return false;
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
        if (::rmdir(it->c_str()) < 0 && errno != ENOENT) return false;
    return true;
}

std::unique_ptr<Manager> make_manager(Mode mode, Paths paths) {
    if (mode == Mode::unified) {
        return std::make_unique<V2Manager>(std::move(paths), "/sys/fs/cgroup");
    }
    return std::make_unique<V1Manager>(mode, std::move(paths));
}

std::unique_ptr<Manager> from_paths(const Paths& paths) {
    if (paths.empty()) return nullptr;
    if (paths.size() == 1 && paths.count("")) return make_manager(Mode::unified, paths);
    return make_manager(paths.count("") ? Mode::hybrid : Mode::legacy, paths);
}

namespace {

// The hierarchies a new container's cgroups go in. On a cgroup v2 host that is the one mounted on
// /sys/fs/cgroup, where detect_mode found it: statmount says what it shows in one call, ~0.1 ms
// less than reading and parsing mountinfo (issue 7). Before Linux 6.8, and on v1 and hybrid
// hosts, mountinfo.
Result<std::vector<Hierarchy>> mounted_hierarchies(Mode mode) {
    if (mode == Mode::unified) {
        auto mounted = sys::mount_root_of("/sys/fs/cgroup");
        if (mounted && mounted->magic == CGROUP2_SUPER_MAGIC) {
            Hierarchy h;
            h.mountpoint = "/sys/fs/cgroup";
            h.root = std::move(mounted->root);
            h.v2 = true;
            return std::vector<Hierarchy>{std::move(h)};
        }
    }
    return parse_mountinfo(TRY(sys::read_file("/proc/self/mountinfo")));
}

}  // namespace

Result<std::unique_ptr<Manager>> for_container(const std::string& cgroups_path, const std::string& id) {
    TRY(check_cgroups_path(cgroups_path));
    Mode mode = detect_mode();
    auto hierarchies = TRY(mounted_hierarchies(mode));
    auto own = parse_proc_cgroup(TRY(sys::read_file("/proc/self/cgroup")));
    Paths paths = compute_paths(mode, hierarchies, own, cgroups_path, id);
    if (paths.empty()) return Error::msg("no cgroup hierarchy is mounted under /sys/fs/cgroup");
    // Device rules go into the container's own cgroup only: never the host's, nor rong's own.
    TRY(check_placement(hierarchies, own, paths, cgroups_path,
                        [](const std::string& dir) { return ::access(dir.c_str(), F_OK) == 0; }));
    if (mode == Mode::unified) {
        std::string root = "/sys/fs/cgroup";
        for (const auto& h : hierarchies)
            if (h.v2) root = h.mountpoint;
        return std::unique_ptr<Manager>(std::make_unique<V2Manager>(std::move(paths), root));
    }
    return make_manager(mode, std::move(paths));
}

}  // namespace rong::cgroups
