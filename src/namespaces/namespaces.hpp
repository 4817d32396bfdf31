// Namespaces: which to create at clone time and which to join by path, user-namespace id maps,
// and the things that live in a namespace (hostname, domainname, time offsets).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::namespaces {

struct Join {
    int nstype;  // CLONE_NEWNS, ...
    std::string type;
    std::string path;
};

// What the config asks for, decided without touching the kernel (unit-tested).
struct Plan {
    uint64_t clone_flags = 0;  // namespaces created by clone3 itself
    bool unshare_time = false; // a new time namespace is made by the init, after its offsets are set
    bool unshare_cgroup = false; // a new cgroup namespace is made by the init once it is in its
                                 // cgroup, so the namespace's root is the container's cgroup
    std::vector<Join> joins;   // user first, then the rest in a fixed order
    bool new_user = false;
    bool join_user = false;    // joins.front() is the user namespace
    bool join_pid = false;     // joined by the parent before clone: setns(pid) affects children only
    // clone3 makes the new namespaces before the init could join any: too early when a new user
    // namespace comes with namespaces joined by path (the init would have no privilege over the
    // host's), or when a joined user namespace must own the new ones. Then a short-lived stage
    // process joins them first, the pid namespace included, and clones the init (runc's order).
    bool staged = false;

    bool in_user_namespace() const { return new_user || join_user; }
};

Plan plan(const spec::Config& config);

// Returns the CLONE_NEW* flag of a namespace type name ("network" → CLONE_NEWNET), 0 if unknown.
int clone_flag(const std::string& type);
// The namespace types rong knows, by their config names.
std::vector<std::string> known_types();
// The /proc/<pid>/ns/<name> file name of a type ("network" → "net").
std::string proc_name(const std::string& type);

// Parent side: "uid_map"/"gid_map" text, and writing it for the child.
std::string format_id_map(const std::vector<spec::IdMapping>& maps);
Status write_id_maps(pid_t pid, const spec::Linux& linux);
// Parent side: an fd on a new user namespace with these maps, owned by nobody (the process made
// to hold it is gone when this returns). For idmapped mounts with maps of their own.
Result<sys::Fd> user_namespace_with(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids);
// The namespace of `type` ("network", ...) at `path`, opened for setns; an error names the field.
Result<sys::Fd> open_joined(const std::string& type, const std::string& path);
// Parent side: setns into the pid namespace at `path` so that the next clone lands in it (it
// applies to children only). Returns our own, for leave_pid_namespace right after that clone.
Result<sys::Fd> enter_pid_namespace(const std::string& path);
Status leave_pid_namespace(int own_ns);

// Init side.
Status join(const Plan& plan);
Status enter_time_namespace(const spec::Linux& linux);
Status set_identity(const spec::Config& config);  // hostname, domainname

}  // namespace rong::namespaces
