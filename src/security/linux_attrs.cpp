#include "security/linux_attrs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "base/strings.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"

namespace rong::security {

namespace {

struct Named {
    const char* name;
    unsigned value;
};

template <size_t N>
Result<unsigned> lookup(const std::array<Named, N>& table, const std::string& name, const std::string& field) {
    for (const auto& e : table)
        if (name == e.name) return e.value;
    return Error::msg(field + ": unknown value \"" + name + "\"");
}

constexpr std::array<Named, 7> kSchedPolicies{{{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},
                                               {"SCHED_BATCH", 3}, {"SCHED_ISO", 4}, {"SCHED_IDLE", 5},
                                               {"SCHED_DEADLINE", 6}}};
constexpr std::array<Named, 7> kSchedFlags{{{"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
                                            {"SCHED_FLAG_DL_OVERRUN", 0x04}, {"SCHED_FLAG_KEEP_POLICY", 0x08},
                                            {"SCHED_FLAG_KEEP_PARAMS", 0x10}, {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
                                            {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}}};
constexpr std::array<Named, 3> kIoClasses{{{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}}};
constexpr std::array<Named, 7> kMpolModes{{{"MPOL_DEFAULT", 0}, {"MPOL_PREFERRED", 1}, {"MPOL_BIND", 2},
                                           {"MPOL_INTERLEAVE", 3}, {"MPOL_LOCAL", 4}, {"MPOL_PREFERRED_MANY", 5},
                                           {"MPOL_WEIGHTED_INTERLEAVE", 6}}};
constexpr std::array<Named, 3> kMpolFlags{{{"MPOL_F_NUMA_BALANCING", 1u << 13}, {"MPOL_F_RELATIVE_NODES", 1u << 14},
                                           {"MPOL_F_STATIC_NODES", 1u << 15}}};
constexpr std::array<Named, 2> kPersonalities{{{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}}};

// "0-3,7" → the numbers in it (bounded: CPU and node numbers are small).
Result<std::vector<unsigned>> parse_list(const std::string& list, const std::string& field, unsigned limit) {
    auto numbers = parse_number_list(list, limit);
    if (!numbers) return Error::msg(field + ": invalid list \"" + list + "\"");
    return std::move(*numbers);
}

bool path_exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

bool apparmor_enabled() {
    auto v = sys::read_file("/sys/module/apparmor/parameters/enabled");
    return v && !v->empty() && (*v)[0] == 'Y';
}

bool selinux_enabled() { return path_exists("/sys/fs/selinux/enforce"); }

Status check_procfs(int fd, const std::string& what) {
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) < 0) return Error::sys("statfs " + what);
    if (sfs.f_type != PROC_SUPER_MAGIC) return Error::msg(what + " is not on procfs: refusing to write there");
    return {};
}

Result<sys::Fd> open_procfs() {
    sys::Fd proc(::open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!proc) return Error::sys("open /proc");
    TRY(check_procfs(proc.get(), "/proc"));
    return proc;
}

// A file beneath a checked /proc opened for writing without magic links or mount crossings (a
// file or mount planted there is refused), and checked again (CVE-2019-19921, CVE-2023-27561).
Result<sys::Fd> open_beneath_proc(int proc, const std::string& rel, uint64_t extra_resolve) {
    const std::string what = "/proc/" + rel;
    struct open_how how {};
    how.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | extra_resolve;
    sys::Fd fd(static_cast<int>(::syscall(SYS_openat2, proc, rel.c_str(), &how, sizeof how)));
    if (!fd) return Error::sys("open " + what);
    TRY(check_procfs(fd.get(), what));
    return fd;
}

}  // namespace

Result<cpu_set_t> parse_cpu_list(const std::string& list, const std::string& field) {
    auto cpus = TRY(parse_list(list, field, CPU_SETSIZE));
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c : cpus) CPU_SET(c, &set);
    return set;
}

namespace {

// Whether the config gives the container a namespace of `type` other than rong's own: a new one,
// or one joined by a path that is not rong's (a path to the host's is the host's, as runc checks).
bool own_namespace(const spec::Linux& lnx, const char* type, const char* proc_name) {
    const spec::Namespace* ns = lnx.find_namespace(type);
    if (!ns) return false;
    if (ns->path.empty()) return true;
    struct stat joined {}, ours {};
    if (::stat(ns->path.c_str(), &joined) < 0) return true;  // the join fails later, with its error
    if (::stat((std::string("/proc/self/ns/") + proc_name).c_str(), &ours) < 0) return true;
    return joined.st_dev != ours.st_dev || joined.st_ino != ours.st_ino;
}

}  // namespace

Status check_sysctl(const std::string& key, const spec::Linux& lnx) {
    static const char* const kIpc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                       "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
    const std::string field = "linux.sysctl: ";
    bool ipc = key.rfind("fs.mqueue.", 0) == 0;
    for (const char* k : kIpc) ipc = ipc || key == k;
    if (ipc) {
        if (own_namespace(lnx, "ipc", "ipc")) return {};
        return Error::msg(field + "sysctl \"" + key + "\" is not allowed in the hosts ipc namespace");
    }
    if (key.rfind("net.", 0) == 0) {
        if (own_namespace(lnx, "network", "net")) return {};
        return Error::msg(field + "sysctl \"" + key + "\" is not allowed in the hosts network namespace");
    }
    if (own_namespace(lnx, "uts", "uts")) {
        if (key == "kernel.domainname") return {};
        if (key == "kernel.hostname")
            return Error::msg(field + "sysctl \"" + key + "\" is not allowed as it conflicts with the OCI \"hostname\" field");
    }
    return Error::msg(field + "sysctl \"" + key + "\" is not in a separate kernel namespace");
}

Status check_linux_attrs(const spec::Config& config) {
    if (config.process) {
        const auto& p = *config.process;
        if (!p.apparmorProfile.empty() && !apparmor_enabled())
            return Error::msg("process.apparmorProfile: \"" + p.apparmorProfile +
                              "\" requested, but AppArmor is not enabled on this host");
        if (!p.selinuxLabel.empty() && !selinux_enabled())
            return Error::msg("process.selinuxLabel: selinux label is specified in config, but selinux is disabled "
                              "or not supported");
        if (p.scheduler) {
            TRY(lookup(kSchedPolicies, p.scheduler->policy, "process.scheduler.policy"));
            for (const auto& f : p.scheduler->flags) TRY(lookup(kSchedFlags, f, "process.scheduler.flags"));
        }
        if (p.ioPriority) {
            TRY(lookup(kIoClasses, p.ioPriority->ioClass, "process.ioPriority.class"));
            if (p.ioPriority->priority < 0 || p.ioPriority->priority > 7)
                return Error::msg("process.ioPriority.priority: " + std::to_string(p.ioPriority->priority) +
                                  " is not in 0..7");
        }
        if (p.execCPUAffinity) {
            if (!p.execCPUAffinity->initial.empty())
                TRY(parse_cpu_list(p.execCPUAffinity->initial, "process.execCPUAffinity.initial"));
            if (!p.execCPUAffinity->final.empty())
                TRY(parse_cpu_list(p.execCPUAffinity->final, "process.execCPUAffinity.final"));
        }
    }
    if (!config.linux) return {};
    const auto& l = *config.linux;
    if (!config.linux->mountLabel.empty() && !selinux_enabled())
        return Error::msg("linux.mountLabel: selinux label is specified in config, but selinux is disabled or not supported");
    if (l.intelRdt) return Error::msg("linux.intelRdt: Intel RDT is not supported by rong");
    if (!l.netDevices.empty()) return Error::msg("linux.netDevices: moving network devices is not supported by rong");
    for (const auto& [key, value] : l.sysctl) TRY(check_sysctl(key, l));
    if (l.personality) {
        TRY(lookup(kPersonalities, l.personality->domain, "linux.personality.domain"));
        if (!l.personality->flags.empty())
            return Error::msg("linux.personality.flags: no personality flags are supported");
    }
    if (l.memoryPolicy) {
        TRY(lookup(kMpolModes, l.memoryPolicy->mode, "linux.memoryPolicy.mode"));
        for (const auto& f : l.memoryPolicy->flags) TRY(lookup(kMpolFlags, f, "linux.memoryPolicy.flags"));
        if (!l.memoryPolicy->nodes.empty()) TRY(parse_list(l.memoryPolicy->nodes, "linux.memoryPolicy.nodes", 1024));
    }
    return {};
}

Status apply_sysctls(const std::map<std::string, std::string>& sysctl) {
    if (sysctl.empty()) return {};
    sys::Fd proc = TRY(open_procfs());
    for (const auto& [key, value] : sysctl) {
        std::string rel = "sys/" + key;
        for (auto& c : rel)
            if (c == '.') c = '/';
        sys::Fd fd = TRY(open_beneath_proc(proc.get(), rel, RESOLVE_NO_SYMLINKS));
        TRY(sys::write_all(fd.get(), value, "write /proc/" + rel));
    }
    return {};
}

Status set_selinux_labels(const std::string& label) {
    sys::Fd proc = TRY(open_procfs());
    // The key label first: the session keyring the init may join next is created with it.
    for (const char* attr : {"keycreate", "exec"}) {
        const std::string rel = std::string("thread-self/attr/") + attr;
        sys::Fd fd = TRY(open_beneath_proc(proc.get(), rel, 0));
        TRY(sys::write_all(fd.get(), label, std::string("set SELinux ") + attr + " label \"" + label + "\""));
    }
    return {};
}

Status set_apparmor_profile(const std::string& profile) {
    sys::Fd proc = TRY(open_procfs());
    // thread-self is a plain relative symlink (not a magic link), allowed beneath /proc. The
    // per-LSM file came in Linux 5.8; the older shared one is what AppArmor used before.
    auto fd = open_beneath_proc(proc.get(), "thread-self/attr/apparmor/exec", 0);
    if (!fd && fd.error().errnum == ENOENT) fd = open_beneath_proc(proc.get(), "thread-self/attr/exec", 0);
    if (!fd) return fd.error();
    return sys::write_all(fd->get(), "exec " + profile, "set AppArmor profile \"" + profile + "\"");
}

Status apply_linux_attrs(const spec::Config& config) {
    if (config.linux && config.linux->personality) {
        unsigned domain = TRY(lookup(kPersonalities, config.linux->personality->domain, "linux.personality.domain"));
        if (::personality(domain) < 0) return Error::sys("personality " + config.linux->personality->domain);
    }
    if (config.linux && config.linux->memoryPolicy) {
        const auto& mp = *config.linux->memoryPolicy;
        unsigned mode = TRY(lookup(kMpolModes, mp.mode, "linux.memoryPolicy.mode"));
        for (const auto& f : mp.flags) mode |= TRY(lookup(kMpolFlags, f, "linux.memoryPolicy.flags"));
        std::vector<unsigned long> mask(1024 / (8 * sizeof(unsigned long)), 0);
        unsigned long maxnode = 0;
        if (!mp.nodes.empty()) {
            for (unsigned n : TRY(parse_list(mp.nodes, "linux.memoryPolicy.nodes", 1024)))
                mask[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
            maxnode = 1024;
        }
        if (::syscall(SYS_set_mempolicy, mode, maxnode ? mask.data() : nullptr, maxnode) < 0)
            return Error::sys("set_mempolicy " + mp.mode + " " + mp.nodes);
    }
    if (!config.process) return {};
    const auto& p = *config.process;
    if (p.scheduler) {
        const auto& s = *p.scheduler;
        struct {
            uint32_t size, sched_policy;
            uint64_t sched_flags;
            int32_t sched_nice;
            uint32_t sched_priority;
            uint64_t sched_runtime, sched_deadline, sched_period;
        } attr{};
        attr.size = sizeof attr;
        attr.sched_policy = TRY(lookup(kSchedPolicies, s.policy, "process.scheduler.policy"));
        for (const auto& f : s.flags) attr.sched_flags |= TRY(lookup(kSchedFlags, f, "process.scheduler.flags"));
        attr.sched_nice = s.nice;
        attr.sched_priority = static_cast<uint32_t>(s.priority);
        attr.sched_runtime = s.runtime;
        attr.sched_deadline = s.deadline;
        attr.sched_period = s.period;
        if (::syscall(SYS_sched_setattr, 0, &attr, 0) < 0) return Error::sys("sched_setattr " + s.policy);
    }
    if (p.ioPriority) {
        unsigned cls = TRY(lookup(kIoClasses, p.ioPriority->ioClass, "process.ioPriority.class"));
        if (::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (cls << 13) | static_cast<unsigned>(p.ioPriority->priority)) < 0)
            return Error::sys("ioprio_set " + p.ioPriority->ioClass);
    }
    return {};
}

namespace {

Status set_cpu_affinity(const std::string& list, const char* field) {
    cpu_set_t set = TRY(parse_cpu_list(list, field));
    if (::sched_setaffinity(0, sizeof set, &set) < 0) return Error::sys(std::string("sched_setaffinity ") + field + " " + list);
    return {};
}

}  // namespace

Status set_initial_cpu_affinity(const spec::Process& process) {
    if (!process.execCPUAffinity || process.execCPUAffinity->initial.empty()) return {};
    return set_cpu_affinity(process.execCPUAffinity->initial, "process.execCPUAffinity.initial");
}

Status set_final_cpu_affinity(const spec::Process& process) {
    if (!process.execCPUAffinity) return {};
    const auto& affinity = *process.execCPUAffinity;
    if (!affinity.final.empty()) return set_cpu_affinity(affinity.final, "process.execCPUAffinity.final");
    if (affinity.initial.empty()) return {};
    // Every CPU: the kernel narrows it to what the cgroup's cpuset allows.
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &all);
    if (::sched_setaffinity(0, sizeof all, &all) < 0) return Error::sys("sched_setaffinity to the cgroup's CPUs");
    return {};
}

}  // namespace rong::security
