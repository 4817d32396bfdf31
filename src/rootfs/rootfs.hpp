// The container's root filesystem, set up by the init inside its new mount namespace:
//   prepare()  before pivot_root: propagation, the rootfs bind, config mounts, /dev, the console;
//   enter()    pivot_root (or MS_MOVE + chroot with --no-pivot);
//   finish()   after pivot_root: masked and read-only paths, a read-only root, rootfsPropagation.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::rootfs {

struct RootfsContext {
    const spec::Config& config;
    std::string rootfs;   // absolute host path of root.path
    std::string bundle;   // for relative bind sources
    bool in_user_namespace = false;
    // The container's cgroup per controller (state.json's cgroup_paths): with v1 controllers, a
    // `cgroup` mount is a tmpfs with a bind of each one, as runc makes it.
    std::map<std::string, std::string> cgroup_paths;
    // The host's cgroup2 mount point (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid
    // host; "" on a v1-only one): bound, not mounted anew, for a cgroup2 view without a cgroup
    // namespace.
    std::string host_cgroup2;
    // Idmapped mounts, made by create (rootfs/idmap.hpp): config.mounts index → detached tree fd.
    std::map<size_t, int> idmapped_trees;
    // If set, called once: before the first `cgroup` mount, or else before /dev is populated.
    // The init joins its cgroup there, which create makes meanwhile (container/launch.cpp).
    std::function<Status()> enter_cgroup;
};

// Returns an fd on the rootfs directory (the new mount of it).
Result<sys::Fd> prepare(const RootfsContext& ctx);

// After pivot_root: what goes through /proc/thread-self/fd (sys::fd_path, sys::reopen) needs the
// container's /proc to be a procfs. Without a proc mount there it is the image's directory, whose
// links could lead elsewhere (runc 1.1.5 cannot run without one). `needed_by` names what needs it.
Status check_container_proc(const std::string& needed_by);

// A pty for the container's terminal: the master, and /dev/console bound to the peer, which
// becomes the caller's stdio and controlling terminal. Runs before enter().
struct Console {
    sys::Fd master;
    sys::Fd peer;
    std::string name;  // /dev/pts/N as the container sees it
};
Result<Console> open_console(int rootfd);
// A pty of the container's devpts, without /dev/console (exec's terminal).
Result<Console> open_pty(int rootfd);

Status enter(const std::string& rootfs, int rootfd, bool no_pivot);
// Right after enter(), working in the new root: the read-only tmpfs and /dev mounts, masked and
// read-only paths (symlinks followed inside the root), the read-only root.
Status finish(const spec::Config& config);

// True when a config mount covers /dev: rong then makes the default devices and /dev symlinks.
bool needs_dev_setup(const spec::Config& config);

}  // namespace rong::rootfs
