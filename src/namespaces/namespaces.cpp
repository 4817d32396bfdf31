#include "namespaces/namespaces.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>

#include "spec/kernel_names.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::namespaces {

int clone_flag(const std::string& type) {
    const spec::NamespaceType* t = spec::find_namespace_type(type);
    return t ? t->clone_flag : 0;
}

std::vector<std::string> known_types() {
    std::vector<std::string> out;
    for (const auto& t : spec::kNamespaceTypes) out.emplace_back(t.type);
    return out;
}

std::string proc_name(const std::string& type) {
    const spec::NamespaceType* t = spec::find_namespace_type(type);
    return t ? std::string(t->proc) : std::string();
}

Plan plan(const spec::Config& config) {
    Plan p;
    if (!config.linux) return p;
    for (const auto& t : spec::kNamespaceTypes) {  // in the order they are entered
        const spec::Namespace* ns = config.linux->find_namespace(std::string(t.type));
        if (!ns) continue;
        if (!ns->path.empty()) {
            if (t.clone_flag == CLONE_NEWPID)
                p.join_pid = true;
            else
                p.joins.push_back({t.clone_flag, std::string(t.type), ns->path});
            continue;
        }
        if (t.clone_flag == CLONE_NEWTIME)
            p.unshare_time = true;
        else if (t.clone_flag == CLONE_NEWCGROUP)
            p.unshare_cgroup = true;
        else
            p.clone_flags |= static_cast<uint64_t>(t.clone_flag);
        if (t.clone_flag == CLONE_NEWUSER) p.new_user = true;
    }
    p.join_user = !p.joins.empty() && p.joins.front().nstype == CLONE_NEWUSER;
    p.staged = (p.new_user && !p.joins.empty()) || (p.join_user && p.clone_flags != 0);
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

Result<sys::Fd> user_namespace_with(const std::vector<spec::IdMapping>& uids,
                                    const std::vector<spec::IdMapping>& gids) {
    // A namespace lives as long as a process or an fd holds it: a child makes it and waits, its
    // maps are written from here, and once its ns file is open the child can go.
    int hold[2];
    if (::pipe2(hold, O_CLOEXEC) < 0) return Error::sys("pipe");
    sys::Fd hold_read(hold[0]), hold_write(hold[1]);
    pid_t pid = TRY(sys::clone_process(CLONE_NEWUSER));
    if (pid == 0) {
        hold_write.reset();
        char c;
        while (::read(hold_read.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    hold_read.reset();
    std::string base = "/proc/" + std::to_string(pid) + "/";
    auto made = [&]() -> Result<sys::Fd> {
        TRY(sys::write_file(base + "uid_map", format_id_map(uids), O_WRONLY));
        TRY(sys::write_file(base + "gid_map", format_id_map(gids), O_WRONLY));
        return sys::open_file(base + "ns/user", O_RDONLY);
    }();
    hold_write.reset();  // the child reads EOF and exits
    (void)sys::wait_for(pid);
    return made;
}

Result<sys::Fd> open_joined(const std::string& type, const std::string& path) {
    auto fd = sys::open_file(path, O_RDONLY);
    if (!fd) return std::move(fd).error().wrap("linux.namespaces[" + type + "].path");
    return fd;
}

Result<sys::Fd> enter_pid_namespace(const std::string& path) {
    sys::Fd own = TRY(sys::open_file("/proc/self/ns/pid", O_RDONLY));
    sys::Fd fd = TRY(open_joined("pid", path));
    if (::setns(fd.get(), CLONE_NEWPID) < 0) return Error::sys("setns pid namespace " + path);
    return own;
}

Status leave_pid_namespace(int own_ns) {
    if (::setns(own_ns, CLONE_NEWPID) < 0) return Error::sys("setns back into our pid namespace");
    return {};
}

Status join(const Plan& plan) {
    // Open them all first: after joining a mount namespace, host paths may no longer resolve.
    std::vector<sys::Fd> fds;
    for (const auto& j : plan.joins) fds.push_back(TRY(open_joined(j.type, j.path)));
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
