// What create refuses about mounts and devices before it makes anything, so a bad config fails
// with one line naming the mount or device and leaves nothing behind. Pure: unit-tested.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::rootfs {

// `user_namespace`: the container has a user namespace (new or joined), whose maps an idmapped
// mount without maps of its own uses.
Status check_rootfs_config(const spec::Config& config, bool user_namespace);

// How errors name a mount: "mounts[2] (/data)".
std::string mount_name(size_t index, const spec::Mount& m);

// An idmapped mount: the idmap/ridmap option, or maps of its own.
bool is_idmapped(const spec::Mount& m);

// A bind mount, or a filesystem of a type checks_proc_mount names, may not cover /proc (unless its
// source is a procfs) nor anything in it, except the files lxcfs emulates (as runc:
// CVE-2019-19921 and its kin). `dest` is the destination resolved inside the rootfs
// ("/proc/uptime"). Returns why it is refused, or "" when it is not.
std::string proc_mount_refusal(const std::string& dest, bool source_is_procfs);
// Whether a new filesystem of `type` is held to proc_mount_refusal: all but those runc 1.1 mounts
// by a case of their own (proc, sysfs, mqueue, tmpfs, cgroup), which it does not check either.
bool checks_proc_mount(const std::string& type);

// The mount that holds `path`, from /proc/self/mountinfo's text: the longest mount point that is
// `path` or one of its parents (the last such line: later mounts cover earlier ones), and whether it
// is shared. Empty when no line matches.
struct HoldingMount {
    std::string mount_point;
    bool shared = false;
};
HoldingMount holding_mount(const std::string& mountinfo, const std::string& path);

}  // namespace rong::rootfs
