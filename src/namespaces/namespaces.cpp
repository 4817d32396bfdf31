#include "namespaces/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>

#include "sys/fd.hpp"
#include "sys/file.hpp"

namespace rong::namespaces {

namespace {

struct NamespaceType {
    const char* type;
    const char* proc;
    int flag;
};

// Also the order in which joined namespaces are entered: user first, so the rest are entered
// with the capabilities it grants; mount last but one, time last.
constexpr std::array<NamespaceType, 8> kTypes{{
    {"user", "user", CLONE_NEWUSER},
    {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},
    {"network", "net", CLONE_NEWNET},
    {"pid", "pid", CLONE_NEWPID},
    {"cgroup", "cgroup", CLONE_NEWCGROUP},
    {"mount", "mnt", CLONE_NEWNS},
    {"time", "time", CLONE_NEWTIME},
}};

}  // namespace

int clone_flag(const std::string& type) {
    for (const auto& t : kTypes)
        if (type == t.type) return t.flag;
    return 0;
}

std::vector<std::string> known_types() {
    std::vector<std::string> out;
    for (const auto& t : kTypes) out.emplace_back(t.type);
    return out;
}

std::string proc_name(const std::string& type) {
    for (const auto& t : kTypes)
        if (type == t.type) return t.proc;
    return {};
}

Result<Plan> plan(const spec::Config& config) {
    Plan p;
    if (!config.linux) return p;
    for (const auto& t : kTypes) {
        const spec::Namespace* ns = config.linux->find_namespace(t.type);
        if (!ns) continue;
        if (!ns->path.empty()) {
            if (t.flag == CLONE_NEWPID)
                p.join_pid = true;
            else
                p.joins.push_back({t.flag, t.type, ns->path});
            continue;
        }
        if (t.flag == CLONE_NEWTIME)
            p.unshare_time = true;
        else if (t.flag == CLONE_NEWCGROUP)
            p.unshare_cgroup = true;
        else
            p.clone_flags |= static_cast<uint64_t>(t.flag);
        if (t.flag == CLONE_NEWUSER) p.new_user = true;
    }
    bool joins_user = !p.joins.empty() && p.joins.front().nstype == CLONE_NEWUSER;
    if (joins_user && p.clone_flags)
        return Error::msg("joining a user namespace while creating other namespaces is not supported yet");
    return p;
}

std::string format_id_map(const std::vector<spec::IdMapping>& maps) {
    std::string out;
    for (const auto& m : maps)
        out += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " + std::to_string(m.size) + "\n";
    return out;
}

Status write_id_maps(pid_t pid, const spec::Linux& linux) {
    std::string base = "/proc/" + std::to_string(pid) + "/";
    // One write each: the kernel takes a map in a single write only.
    TRY(sys::write_file(base + "uid_map", format_id_map(linux.uidMappings), O_WRONLY));
    TRY(sys::write_file(base + "gid_map", format_id_map(linux.gidMappings), O_WRONLY));
    return {};
}

Status enter_pid_namespace(const std::string& path) {
    sys::Fd fd = TRY(sys::open_file(path, O_RDONLY));
    if (::setns(fd.get(), CLONE_NEWPID) < 0) return Error::sys("setns pid namespace " + path);
    return {};
}

Status join(const Plan& plan) {
    // Open them all first: after joining a mount namespace, host paths may no longer resolve.
    std::vector<sys::Fd> fds;
    for (const auto& j : plan.joins) fds.push_back(TRY(sys::open_file(j.path, O_RDONLY)));
    for (size_t i = 0; i < plan.joins.size(); ++i) {
        if (::setns(fds[i].get(), plan.joins[i].nstype) < 0)
            return Error::sys("setns " + plan.joins[i].type + " namespace " + plan.joins[i].path);
    }
    return {};
}

Status enter_time_namespace(const spec::Linux& linux) {
    if (::unshare(CLONE_NEWTIME) < 0) return Error::sys("unshare time namespace");
    std::string offsets;
    for (const auto& [clock, off] : linux.timeOffsets)
        offsets += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    // Offsets can be set only until the first process enters the namespace.
    if (!offsets.empty()) TRY(sys::write_file("/proc/self/timens_offsets", offsets, O_WRONLY));
    sys::Fd ns = TRY(sys::open_file("/proc/self/ns/time_for_children", O_RDONLY));
    if (::setns(ns.get(), CLONE_NEWTIME) < 0) return Error::sys("setns time namespace");
    return {};
}

Status set_identity(const spec::Config& config) {
    if (!config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) < 0)
        return Error::sys("sethostname " + config.hostname);
    if (!config.domainname.empty() && ::setdomainname(config.domainname.data(), config.domainname.size()) < 0)
        return Error::sys("setdomainname " + config.domainname);
    return {};
}

}  // namespace rong::namespaces
