// linux.resources as cgroup file writes: which file gets which value, in which order. Pure.
// v1 follows runc's libcontainer/cgroups/fs; v2 the kernel's cgroup-v2.rst with runc's
// conversions (libcontainer/cgroups/utils.go, fs2).
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "cgroups/cgroups.hpp"

namespace rong::cgroups {

namespace {

std::string num(int64_t v) { return std::to_string(v); }
std::string num(uint64_t v) { return std::to_string(v); }

// rdma.max, one line per device ("" controller: the v2 tree's).
void add_rdma(std::vector<Write>& w, const std::map<std::string, spec::RdmaLimit>& rdma, const std::string& controller) {
    for (const auto& [device, limit] : rdma) {
        std::string v = device;
        if (limit.hcaHandles) v += " hca_handle=" + num(uint64_t{*limit.hcaHandles});
        if (limit.hcaObjects) v += " hca_object=" + num(uint64_t{*limit.hcaObjects});
        if (v != device) w.push_back({controller, "rdma.max", v});
    }
}

Status add_memory_v1(std::vector<Write>& w, const spec::MemoryResources& m, const Current& cur) {
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    // Unlimited memory with swap unsaid: swap is unlimited too (runc).
    if (limit == -1 && swap == 0) swap = -1;
    auto mem = Write{"memory", "memory.limit_in_bytes", num(limit)};
    auto memsw = Write{"memory", "memory.memsw.limit_in_bytes", num(swap)};
    if (limit != 0 && swap != 0) {
        // memsw may never be below the memory limit: raise memsw first when growing.
        int64_t current = cur.memory_limit.value_or(INT64_MAX);
        if (swap == -1 || (current >= 0 && current < swap)) {
            w.push_back(memsw);
            w.push_back(mem);
        } else {
            w.push_back(mem);
            w.push_back(memsw);
        }
    } else {
        if (limit != 0) w.push_back(mem);
        if (swap != 0) w.push_back(memsw);
    }
    if (m.reservation && *m.reservation != 0)
        w.push_back({"memory", "memory.soft_limit_in_bytes", num(*m.reservation)});
    if (m.disableOOMKiller && *m.disableOOMKiller) w.push_back({"memory", "memory.oom_control", "1"});
    // -1 (2^64-1 as the spec's unsigned field) leaves the kernel's value, as runc.
    if (m.swappiness && *m.swappiness != std::numeric_limits<uint64_t>::max()) {
        if (*m.swappiness > 100)
            return Error::msg("linux.resources.memory.swappiness: " + num(*m.swappiness) + " is not in 0..100");
        w.push_back({"memory", "memory.swappiness", num(*m.swappiness)});
    }
    return {};
}

void add_cpu_v1(std::vector<Write>& w, const spec::CpuResources& c) {
    if (c.shares && *c.shares) w.push_back({"cpu", "cpu.shares", num(*c.shares)});
    // Period before quota: a quota is checked against the period in force. A period below the
    // one in force can be refused (EINVAL) while the old quota, over the new period, exceeds the
    // parent's share: it is written again after the new quota, as runc does.
    bool period = c.period && *c.period, quota = c.quota && *c.quota;
    if (period) w.push_back({"cpu", "cpu.cfs_period_us", num(*c.period), quota ? Tolerate::invalid : Tolerate::none});
    if (quota) w.push_back({"cpu", "cpu.cfs_quota_us", num(*c.quota)});
    if (period && quota) w.push_back({"cpu", "cpu.cfs_period_us", num(*c.period)});
    if (c.burst) w.push_back({"cpu", "cpu.cfs_burst_us", num(*c.burst)});
    if (c.realtimePeriod && *c.realtimePeriod) w.push_back({"cpu", "cpu.rt_period_us", num(*c.realtimePeriod)});
    if (c.realtimeRuntime && *c.realtimeRuntime) w.push_back({"cpu", "cpu.rt_runtime_us", num(*c.realtimeRuntime)});
    if (c.idle) w.push_back({"cpu", "cpu.idle", num(*c.idle)});
    if (!c.cpus.empty()) w.push_back({"cpuset", "cpuset.cpus", c.cpus});
    if (!c.mems.empty()) w.push_back({"cpuset", "cpuset.mems", c.mems});
}

void add_blkio_v1(std::vector<Write>& w, const spec::BlockIO& b) {
    if (b.weight && *b.weight) w.push_back({"blkio", "blkio.weight", num(uint64_t{*b.weight})});
    if (b.leafWeight && *b.leafWeight) w.push_back({"blkio", "blkio.leaf_weight", num(uint64_t{*b.leafWeight})});
    for (const auto& d : b.weightDevice) {
        std::string dev = num(d.major) + ":" + num(d.minor) + " ";
        if (d.weight) w.push_back({"blkio", "blkio.weight_device", dev + num(uint64_t{*d.weight})});
        if (d.leafWeight) w.push_back({"blkio", "blkio.leaf_weight_device", dev + num(uint64_t{*d.leafWeight})});
    }
    auto throttle = [&](const std::vector<spec::ThrottleDevice>& list, const char* file) {
        for (const auto& d : list) w.push_back({"blkio", file, num(d.major) + ":" + num(d.minor) + " " + num(d.rate)});
    };
    throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device");
    throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device");
    throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device");
    throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device");
}

}  // namespace

std::vector<spec::DeviceRule> default_device_rules() {
    auto rule = [](const char* type, int64_t major, int64_t minor, const char* access) {
        spec::DeviceRule d;
        d.allow = true;
        d.type = type;
        if (major >= 0) d.major = major;
        if (minor >= 0) d.minor = minor;
        d.access = access;
        return d;
    };
    return {rule("c", -1, -1, "m"),    rule("b", -1, -1, "m"),   rule("c", 1, 3, "rwm"),
            rule("c", 1, 8, "rwm"),    rule("c", 1, 7, "rwm"),   rule("c", 5, 0, "rwm"),
            rule("c", 1, 5, "rwm"),    rule("c", 1, 9, "rwm"),   rule("c", 136, -1, "rwm"),
            rule("c", 5, 2, "rwm"),    rule("c", 10, 200, "rwm")};
}

spec::Resources resources_for(const spec::Linux& linux) {
    spec::Resources r = linux.resources.value_or(spec::Resources{});
    // linux.devices only makes nodes: what may be done with them is linux.resources.devices'
    // say (podman's `--device /dev/x:r` sends an "r" rule there), as with runc.
    for (auto& d : default_device_rules()) r.devices.push_back(std::move(d));
    return r;
}

Result<std::vector<Write>> v1_writes(const spec::Resources& r, const Current& current) {
    if (!r.unified.empty()) return Error::msg("linux.resources.unified: cannot be used with cgroup v1");
    std::vector<Write> w;
    if (r.cpu) add_cpu_v1(w, *r.cpu);
    if (r.memory) TRY(add_memory_v1(w, *r.memory, current));
    if (r.pidsLimit && *r.pidsLimit != 0)
        w.push_back({"pids", "pids.max", *r.pidsLimit > 0 ? num(*r.pidsLimit) : std::string("max")});
    if (r.blockIO) add_blkio_v1(w, *r.blockIO);
    for (const auto& h : r.hugepageLimits)
        w.push_back({"hugetlb", "hugetlb." + h.pageSize + ".limit_in_bytes", num(h.limit)});
    if (r.network) {
        if (r.network->classID) w.push_back({"net_cls", "net_cls.classid", num(uint64_t{*r.network->classID})});
        for (const auto& p : r.network->priorities)
            w.push_back({"net_prio", "net_prio.ifpriomap", p.name + " " + num(uint64_t{p.priority})});
    }
    add_rdma(w, r.rdma, "rdma");
    return w;
}

uint64_t cpu_shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
    if (weight == 0) return 0;
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + (weight - 10) * 9999 / 990;
}

Result<int64_t> swap_to_v2(int64_t memory_swap, int64_t memory) {
    if (memory == -1 && memory_swap == 0) return -1;
    if (memory_swap == -1 || memory_swap == 0) return memory_swap;
    if (memory == 0 || memory == -1) return Error::msg("unable to set swap limit without memory limit");
    if (memory < 0) return Error::msg("invalid memory value: " + std::to_string(memory));
    if (memory_swap < memory) return Error::msg("memory+swap limit should be >= memory limit");
    return memory_swap - memory;
}

std::vector<std::string> ignored_settings(const spec::Resources& r, bool v2) {
    std::vector<std::string> out;
    auto ignored = [&](const char* field, const char* why) {
        out.push_back(std::string("linux.resources.") + field + " is ignored: " + why);
    };
    if (r.memory) {
        const auto& m = *r.memory;
        // The kernel deprecated both (memory.kmem.* is gone from 6.x's v1 too).
        if (m.kernel.value_or(0) != 0) ignored("memory.kernel", "kernel memory limits are deprecated");
        if (m.kernelTCP.value_or(0) != 0) ignored("memory.kernelTCP", "kernel memory limits are deprecated");
        if (v2 && m.disableOOMKiller.value_or(false)) ignored("memory.disableOOMKiller", "cgroup v2 has no such setting");
    }
    if (v2 && r.cpu && (r.cpu->realtimePeriod.value_or(0) != 0 || r.cpu->realtimeRuntime.value_or(0) != 0))
        ignored("cpu.realtimePeriod/realtimeRuntime", "cgroup v2 has no realtime settings");
    return out;
}

// A v2 limit is a count or -1 (unlimited, "max"); runc would write "-5" and get EINVAL.
static Status check_limit(const std::optional<int64_t>& v, const char* field) {
    if (v && *v < -1)
        return Error::msg(std::string("linux.resources.") + field + ": " + std::to_string(*v) +
                          " is not a limit (a non-negative number, or -1 for unlimited)");
    return {};
}

Result<std::vector<Write>> v2_writes(const spec::Resources& r, const Current& current) {
    std::vector<Write> w;
    auto max_or = [](int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
    if (r.memory) {
        TRY(check_limit(r.memory->limit, "memory.limit"));
        TRY(check_limit(r.memory->reservation, "memory.reservation"));
        TRY(check_limit(r.memory->swap, "memory.swap"));
    }
    TRY(check_limit(r.pidsLimit, "pids.limit"));
    if (r.cpu) {
        const auto& c = *r.cpu;
        // idle first: an idle cgroup refuses a weight.
        if (c.idle) w.push_back({"", "cpu.idle", num(*c.idle)});
        if (c.shares && *c.shares) w.push_back({"", "cpu.weight", num(cpu_shares_to_weight(*c.shares))});
        bool cpu_max = (c.quota && *c.quota) || (c.period && *c.period);
        // The burst may not exceed the quota: a burst above the old quota is refused until
        // cpu.max has the new one, so it is written again after it.
        if (c.burst) w.push_back({"", "cpu.max.burst", num(*c.burst), cpu_max ? Tolerate::invalid : Tolerate::none});
        if (cpu_max) {
            std::string v = c.quota && *c.quota > 0 ? num(*c.quota) : std::string("max");
            if (c.period && *c.period) v += " " + num(*c.period);
            w.push_back({"", "cpu.max", v});
            if (c.burst) w.push_back({"", "cpu.max.burst", num(*c.burst)});
        }
        if (!c.cpus.empty()) w.push_back({"", "cpuset.cpus", c.cpus});
        if (!c.mems.empty()) w.push_back({"", "cpuset.mems", c.mems});
    }
    if (r.memory) {
        const auto& m = *r.memory;
        int64_t limit = m.limit.value_or(0);
        int64_t spec_swap = m.swap.value_or(0);
        int64_t swap = TRY(swap_to_v2(spec_swap, limit));
        // Swap first: with a memory limit alone, swap would otherwise be unlimited on top. Swap
        // equal to memory means no swap at all. Without swap accounting the file is absent, and
        // unlimited or none is what there is anyway.
        if (swap != 0 || spec_swap > 0)
            w.push_back({"", "memory.swap.max", max_or(swap), swap <= 0 ? Tolerate::missing : Tolerate::none});
        if (limit != 0) w.push_back({"", "memory.max", max_or(limit)});
        if (m.reservation && *m.reservation != 0) w.push_back({"", "memory.low", max_or(*m.reservation)});
    }
    if (r.pidsLimit && *r.pidsLimit != 0) w.push_back({"", "pids.max", max_or(*r.pidsLimit)});
    if (r.blockIO) {
        const auto& b = *r.blockIO;
        // BFQ takes the blkio weight as it is (same range); io.weight (iocost) a converted one.
        if (b.weight && *b.weight) {
            if (current.io_bfq_weight)
                w.push_back({"", "io.bfq.weight", num(uint64_t{*b.weight})});
            else
                w.push_back({"", "io.weight", "default " + num(blkio_weight_to_io_weight(*b.weight))});
        }
        for (const auto& d : b.weightDevice) {
            if (!d.weight) continue;
            std::string dev = num(d.major) + ":" + num(d.minor) + " ";
            if (current.io_bfq_weight)
                w.push_back({"", "io.bfq.weight", dev + num(uint64_t{*d.weight})});
            else
                w.push_back({"", "io.weight", dev + num(blkio_weight_to_io_weight(*d.weight)), Tolerate::unsupported});
        }
        auto io_max = [&](const std::vector<spec::ThrottleDevice>& list, const char* key) {
            for (const auto& d : list)
                w.push_back({"", "io.max", num(d.major) + ":" + num(d.minor) + " " + key + "=" + num(d.rate)});
        };
        io_max(b.throttleReadBpsDevice, "rbps");
        io_max(b.throttleWriteBpsDevice, "wbps");
        io_max(b.throttleReadIOPSDevice, "riops");
        io_max(b.throttleWriteIOPSDevice, "wiops");
    }
    // The reservation limit too where the kernel has it (5.7+), to the same value.
    for (const auto& h : r.hugepageLimits) {
        w.push_back({"", "hugetlb." + h.pageSize + ".max", num(h.limit)});
        w.push_back({"", "hugetlb." + h.pageSize + ".rsvd.max", num(h.limit), Tolerate::missing});
    }
    add_rdma(w, r.rdma, "");
    for (const auto& [file, value] : r.unified) {
        if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
            return Error::msg("linux.resources.unified: invalid file name \"" + file + "\"");
        if (file.find('.') == std::string::npos || file.front() == '.')
            return Error::msg("linux.resources.unified: \"" + file + "\" is not in the form CONTROLLER.PARAMETER");
        w.push_back({"", file, value});
    }
    return w;
}

std::vector<std::string> v2_controllers_needed(const std::vector<Write>& writes) {
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (const auto& w : writes) {
        std::string c = w.file.substr(0, w.file.find('.'));
        if (c == "cgroup") continue;
        if (seen.insert(c).second) out.push_back(c);
    }
    return out;
}

}  // namespace rong::cgroups
