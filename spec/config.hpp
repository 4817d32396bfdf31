// The OCI runtime-spec (1.0 to 1.3) config.json as plain C++ types. Knows nothing of the kernel:
// parsing and validation live in spec/parse.cpp, everything here is data.
// Optional fields of the spec are std::optional where "absent" differs from a zero value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rong::spec {

struct Root {
    std::string path;
    bool readonly = false;
};

struct IdMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;
};

struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct Capabilities {
    std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::string username;  // Windows only; kept for completeness
};

struct ConsoleSize {
    unsigned height = 0;
    unsigned width = 0;
};

struct Scheduler {
    std::string policy;  // SCHED_OTHER, SCHED_FIFO, ...
    int32_t nice = 0;
    int32_t priority = 0;
    std::vector<std::string> flags;
    uint64_t runtime = 0, deadline = 0, period = 0;
};

struct IoPriority {
    std::string ioClass;  // "class" in JSON: IOPRIO_CLASS_RT|BE|IDLE
    int priority = 0;
};

struct CpuAffinity {
    std::string initial, final;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize;
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::string apparmorProfile;
    std::optional<int> oomScoreAdj;
    std::string selinuxLabel;
    std::optional<Scheduler> scheduler;
    std::optional<IoPriority> ioPriority;
    std::optional<CpuAffinity> execCPUAffinity;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;  // seconds, > 0
};

struct Hooks {
    std::vector<Hook> prestart, createRuntime, createContainer, startContainer, poststart, poststop;
};

struct Namespace {
    std::string type;  // pid, network, mount, ipc, uts, user, cgroup, time
    std::string path;  // empty: create a new one
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

struct Device {
    std::string type;  // c, b, u, p
    std::string path;
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid, gid;
};

struct DeviceRule {
    bool allow = false;
    std::string type;  // a, c, b; empty means all
    std::optional<int64_t> major, minor;
    std::string access;  // rwm subset
};

struct MemoryResources {
    std::optional<int64_t> limit, reservation, swap, kernel, kernelTCP;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller, useHierarchy, checkBeforeUpdate;
};

struct CpuResources {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst, period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::string cpus, mems;
    std::optional<int64_t> idle;
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leafWeight;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
};

struct BlockIO {
    std::optional<uint16_t> weight, leafWeight;
    std::vector<WeightDevice> weightDevice;
    std::vector<ThrottleDevice> throttleReadBpsDevice, throttleWriteBpsDevice, throttleReadIOPSDevice,
        throttleWriteIOPSDevice;
};

struct HugepageLimit {
    std::string pageSize;
    uint64_t limit = 0;
};

struct InterfacePriority {
    std::string name;
    uint32_t priority = 0;
};

struct NetworkResources {
    std::optional<uint32_t> classID;
    std::vector<InterfacePriority> priorities;
};

struct RdmaLimit {
    std::optional<uint32_t> hcaHandles, hcaObjects;
};

struct Resources {
    std::vector<DeviceRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<int64_t> pidsLimit;  // pids.limit
    std::optional<BlockIO> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<NetworkResources> network;
    std::map<std::string, RdmaLimit> rdma;
    std::map<std::string, std::string> unified;
};

struct SeccompArg {
    unsigned index = 0;
    uint64_t value = 0, valueTwo = 0;
    std::string op;  // SCMP_CMP_EQ, ...
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listenerPath;
    std::string listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
};

struct IntelRdt {
    std::string closID, l3CacheSchema, memBwSchema;
    std::vector<std::string> schemata;
    bool enableMonitoring = false;
};

struct Personality {
    std::string domain;  // LINUX, LINUX32
    std::vector<std::string> flags;
};

struct MemoryPolicy {
    std::string mode;  // MPOL_*
    std::string nodes;
    std::vector<std::string> flags;
};

struct NetDevice {
    std::string name;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uidMappings, gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::map<std::string, NetDevice> netDevices;
    std::string cgroupsPath;
    std::optional<Resources> resources;
    std::string rootfsPropagation;
    std::optional<Seccomp> seccomp;
    std::map<std::string, std::string> sysctl;
    std::vector<std::string> maskedPaths, readonlyPaths;
    std::string mountLabel;
    std::optional<IntelRdt> intelRdt;
    std::optional<Personality> personality;
    std::optional<MemoryPolicy> memoryPolicy;

    const Namespace* find_namespace(const std::string& type) const {
        for (const auto& ns : namespaces)
            if (ns.type == type) return &ns;
        return nullptr;
    }
};

struct Config {
    std::string ociVersion;
    Root root;
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::string hostname;
    std::string domainname;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
};

}  // namespace rong::spec
