// Cgroups: where a container's cgroup is (v1 controllers, the v2 unified tree, or both on a hybrid
// host), what its resources mean as cgroup file writes, and the Manager that makes, fills, joins,
// freezes, reads and removes it.
//
// The decisions are pure and unit-tested (paths.cpp: mountinfo, /proc/self/cgroup and cgroupsPath
// → directories; settings.cpp: spec::Resources → file writes, v1 ↔ v2 conversions); manager.cpp
// does the file system work through sys/.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::cgroups {

// legacy: v1 controllers only; hybrid: v1 controllers plus a cgroup2 tree at
// /sys/fs/cgroup/unified with no controllers rong uses; unified: cgroup v2 only.
enum class Mode { legacy, hybrid, unified };
const char* to_string(Mode m);

// statfs of /sys/fs/cgroup (and of /sys/fs/cgroup/unified): once per command.
Mode detect_mode(const std::string& mount_root = "/sys/fs/cgroup");

// A mounted cgroup hierarchy, from /proc/self/mountinfo.
struct Hierarchy {
    std::string mountpoint;               // /sys/fs/cgroup/memory
    std::string root;                     // the cgroup mounted there, "/" normally
    std::vector<std::string> controllers; // v1: "cpu", "cpuacct", "name=systemd", ...; v2: empty
    bool v2 = false;
};
std::vector<Hierarchy> parse_mountinfo(std::string_view text);

// /proc/<pid>/cgroup: controller → cgroup path; "" is the v2 (unified) line. A line for
// "cpu,cpuacct" gives both keys.
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);

// A path cleaned as runc's CleanPath does: no "." or "..", no double or trailing slash; an
// absolute path stays absolute, a relative one relative (and cannot climb out).
std::string clean_path(const std::string& path);

// A cgroup (a line of /proc/self/cgroup) as a path below the hierarchy's mount point: the mount
// shows the cgroup h.root as its top, so "<root>/x" is "/x" there (a container sees its own cgroup
// as "/"). nullopt when no path there names it: it is outside h.root, or h.root is above the
// cgroup namespace's root ("/.." in mountinfo: a host's tree bound into a container).
std::optional<std::string> below_root(const Hierarchy& h, const std::string& cgroup);

// The cgroup above `path` ("/a/b" → "/a"; "/a" and "/" → "/").
std::string parent_of(const std::string& path);

// linux.cgroupsPath as rong takes it: runc cleans ".." away silently ("/../x" is "/x"); rong
// refuses any ".." component, so a path that reads as climbing out never lands somewhere else.
Status check_cgroups_path(const std::string& cgroups_path);

// The directory of each controller: key is the v1 controller name ("memory", "name=systemd") or
// "" for the unified tree. The key set says which mode it was made for.
using Paths = std::map<std::string, std::string>;

// runc's placement: an absolute cgroupsPath goes directly under each mount; a relative one, or the
// id when it is empty, under the calling process's own cgroup (its line in /proc/self/cgroup) in
// v1 and hybrid mode, and under that cgroup's parent on a cgroup v2 host, as runc 1.1's fs2
// manager does (a shell's own cgroup has processes in it, so its children could not have the
// domain controllers). v1 controllers rong does not manage are left out; in hybrid mode the
// unified tree is included.
Paths compute_paths(Mode mode, const std::vector<Hierarchy>& hierarchies,
                    const std::map<std::string, std::string>& own, const std::string& cgroups_path,
                    const std::string& id);

// The directories of `paths` must not hold the runtime itself (its device rules, freezing and
// `delete` would reach it): refused when one is rong's own cgroup (`own`, /proc/self/cgroup) or an
// ancestor. Where a mount cannot show rong's cgroup by name (below_root), a relative cgroupsPath
// is refused, and so is an absolute one that `exists` already when rong's cgroup is somewhere
// below that mount.
Status check_placement(const std::vector<Hierarchy>& hierarchies, const std::map<std::string, std::string>& own,
                       const Paths& paths, const std::string& cgroups_path,
                       const std::function<bool(const std::string&)>& exists);

// `exec --cgroup [controllers:]path` (repeatable): `paths` with each listed controller's directory
// (every one when none are named; ":path" names the unified tree's "" key) moved down to the existing sub-cgroup `path`. The path
// is cleaned and taken below the container's cgroup, so it can never climb above it.
Result<Paths> sub_cgroup_paths(Paths paths, const std::vector<std::string>& sub_cgroups);

// ---------------------------------------------------------------- settings (pure)

// The failure a write may meet without failing the whole set (runc's rules for v2).
enum class Tolerate {
    none,
    missing,  // the file is absent: memory.swap.max without swap accounting, hugetlb .rsvd.max
    invalid,  // EINVAL: cpu.max.burst above the quota in force, written again after cpu.max
    // EOPNOTSUPP, warned and ignored: a per-device io.weight on a device without iocost enabled
    // (runc writes per-device weights only with BFQ, and ignores them otherwise)
    unsupported,
};

// One write of `value` to `file` in the directory of `controller` (a Paths key).
struct Write {
    std::string controller;
    std::string file;
    std::string value;
    Tolerate tolerate = Tolerate::none;
    bool operator==(const Write&) const = default;
};

// What the kernel has now, where the writes depend on it.
struct Current {
    std::optional<int64_t> memory_limit;  // v1 memory.limit_in_bytes (the order of memory + swap)
    bool io_bfq_weight = false;           // v2: io.bfq.weight exists (BFQ takes the blkio weights)
};

// v1: in the order they must be written. Errors for settings v1 cannot express (unified).
Result<std::vector<Write>> v1_writes(const spec::Resources& r, const Current& current = {});
// The device rules runc applies to every container on top of the config's: mknod of anything and
// the default devices (null, zero, full, random, urandom, tty, ptmx, pts, tun).
std::vector<spec::DeviceRule> default_device_rules();

// The resources a new container's cgroup gets: linux.resources with the device rules completed as
// runc does (the config's rules, then the defaults; none for linux.devices entries).
spec::Resources resources_for(const spec::Linux& linux);

// v2 (kernel's cgroup-v2.rst files), with runc's conversions. Device rules are not among them
// (device_filter.hpp); what ignored_settings names, and swappiness, have no v2 file.
Result<std::vector<Write>> v2_writes(const spec::Resources& r, const Current& current = {});
// The settings of `r` that the writes leave out although they are set, as runc 1.1 does, each a
// warning to give: kernel memory (both versions: runc ignores it everywhere), and on v2
// disableOOMKiller and the realtime settings, which v2 has no file for.
std::vector<std::string> ignored_settings(const spec::Resources& r, bool v2);
uint64_t cpu_shares_to_weight(uint64_t shares);  // [2, 262144] → [1, 10000]; 0 stays 0
uint64_t blkio_weight_to_io_weight(uint64_t weight);  // [10, 1000] → [1, 10000]; 0 stays 0
// spec swap is memory+swap (v1 memsw); v2 memory.swap.max is swap alone. -1: unlimited; 0: unset
// (but unlimited when memory is -1, as v1 does).
Result<int64_t> swap_to_v2(int64_t memory_swap, int64_t memory);
// The controllers a v2 cgroup's parent must delegate (cgroup.subtree_control) for these writes.
std::vector<std::string> v2_controllers_needed(const std::vector<Write>& writes);

// ---------------------------------------------------------------- the manager

class Manager {
public:
    virtual ~Manager() = default;
    Mode mode() const { return mode_; }
    const Paths& paths() const { return paths_; }

    // Makes every directory (remembering which it made, for destroy after a failed create) and
    // prepares them (cpuset copied from the parent, v2 controllers delegated).
    virtual Status create() = 0;
    // On a v1 or hybrid host: makes only the directory clone3 places the child in (the unified
    // tree's on a hybrid host, none on a v1 one); create() then makes the v1 ones, while the child
    // sets itself up. (A v2 host has one directory: create() before the clone.)
    Status create_clone_target();
    // Moves `pid` into the cgroup (every controller, and the unified tree on a hybrid host).
    virtual Status apply(pid_t pid) = 0;
    virtual Status set(const spec::Resources& r) = 0;
    virtual Status freeze() = 0;
    virtual Status thaw() = 0;
    virtual bool frozen() const = 0;
    // Host pids of every process in the cgroup.
    virtual Result<std::vector<pid_t>> pids() const = 0;
    virtual nlohmann::ordered_json stats() const = 0;
    // How many times the OOM killer has killed a process of the cgroup (events' "oom").
    virtual uint64_t oom_kills() const = 0;
    // A cgroup2 directory fd for CLONE_INTO_CGROUP (v2, and a hybrid host's unified tree); -1 if none.
    virtual int dir_fd() const { return -1; }
    // v1 controllers: each directory's `tasks` file, opened by the caller (the opener's
    // credentials are the ones checked), for the child to move itself in with join_self(). Moving
    // a task by pid takes a global lock that, after a few idle ms, first waits for an RCU grace
    // period (5-30 ms here, bench/probe.c); a single-threaded process moving itself ("0" to
    // `tasks`) skips that lock. Empty in v2, where clone3 places the process.
    virtual Result<std::vector<sys::Fd>> open_self_join() const { return std::vector<sys::Fd>{}; }

    // Signals every process; for SIGKILL the cgroup is frozen first so none can fork away.
    Status kill_all(int sig);
    // Removes the cgroup directories (and any the container made below them): all that create()
    // made, or the leaves when this manager was loaded from state. Retries rmdir on EBUSY briefly.
    Status destroy();
    // destroy() for a cgroup that is most likely empty (its init has exited): tries the rmdirs
    // only, without reading cgroup.procs or listing the directories. false: something was still
    // in the first directory (nothing was removed then) or in a later one; kill_all and destroy.
    bool remove_if_empty();

protected:
    Manager(Mode mode, Paths paths) : mode_(mode), paths_(std::move(paths)) {}
    Mode mode_;
    Paths paths_;
    std::vector<std::string> made_;  // in creation order
};

// A manager for given directories: a v2 one when the only key is "" and mode is unified.
std::unique_ptr<Manager> make_manager(Mode mode, Paths paths);
// For a new container: detects the mode, reads /proc/self/mountinfo and /proc/self/cgroup.
Result<std::unique_ptr<Manager>> for_container(const std::string& cgroups_path, const std::string& id);
// For an existing container, from the paths its state saved (empty: it has no cgroup).
std::unique_ptr<Manager> from_paths(const Paths& paths);

// Low-level helpers, shared with the tests.
Status write_value(const std::string& dir, const std::string& file, const std::string& value);
Result<std::string> read_value(const std::string& dir, const std::string& file);  // trailing newline cut
// In the child: moves the (single-threaded) caller into the cgroups of open_self_join()'s files,
// then closes them (no cgroup fd may reach the container).
Status join_self(const std::vector<int>& tasks_fds);
// The same for a child that may open the v1 `tasks` files itself (no new user namespace). A file
// that lands below `leave_open_from` (among the fds passed to the container's process, whose
// close-on-exec flag is cleared; INT_MAX: any) is closed at once; the others are left to the
// execve.
Status join_self(const Paths& paths, int leave_open_from);

}  // namespace rong::cgroups
