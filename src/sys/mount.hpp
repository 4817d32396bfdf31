// mount(2) and friends, and path resolution confined to a root directory (openat2 RESOLVE_IN_ROOT),
// with errors that name what was mounted where.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <functional>
#include <string>

#include "base/result.hpp"
#include "sys/fd.hpp"

namespace rong::sys {

// mount(2). `what` names the target in errors (the path as the config spells it).
Status mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data, const std::string& what = {});
// mount(2) onto the object an O_PATH fd refers to, through /proc/thread-self/fd: the path that
// was resolved safely is the one mounted on, whatever is renamed or swapped meanwhile.
Status mount_on_fd(const std::string& source, int target_fd, const std::string& fstype, unsigned long flags,
                   const std::string& data, const std::string& what);
// The magic-link path of an fd, usable as a mount source or target.
std::string fd_path(int fd);

Status mount_setattr(int fd, uint64_t attr_set, uint64_t attr_clr, bool recursive, const std::string& what,
                     int userns_fd = -1);
// The same for the mount on top at `path` (its last component not followed).
Status mount_setattr(const std::string& path, uint64_t attr_set, uint64_t attr_clr, bool recursive);

// open_tree(OPEN_TREE_CLONE): a detached copy of the mount (tree, with `recursive`) at `path`.
Result<Fd> clone_tree(const std::string& path, bool recursive, const std::string& what);
// The same for what the O_PATH fd `at` refers to: no lookup through /proc (whose entries a fresh
// process makes, and its exit flushes again).
Result<Fd> clone_tree(int at, bool recursive, const std::string& what);
// move_mount of a detached tree onto the object an O_PATH fd refers to.
Status move_mount_on_fd(int tree_fd, int target_fd, const std::string& what);
// A new instance of `fstype` as a detached mount (fsopen, fsconfig, fsmount), as mount(2) would
// make it with these flags and data: once moved into place, its fd still refers to it. ENOTSUP
// for what the data or flags cannot say that way (a quoted option, superblock flags other than
// ro); ENOSYS before Linux 5.2.
Result<Fd> new_fs_tree(const std::string& fstype, const std::string& source, unsigned long flags,
                       const std::string& data, const std::string& what);

// The mount on top at `path` (symlinks followed), as statmount(2) tells it: its filesystem's
// magic and the directory of that filesystem it shows ("/" unless a subtree was mounted; a
// cgroup2 mount's root is relative to the caller's cgroup namespace, as in mountinfo). One call
// instead of reading and parsing /proc/self/mountinfo. ENOSYS before Linux 6.8.
struct MountRoot {
    uint64_t magic = 0;
    std::string root;
};
Result<MountRoot> mount_root_of(const std::string& path);

// Opens `path` below `rootfd` as if rootfd were "/": ".." and absolute symlinks stay inside.
Result<Fd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode = 0);
// The same without openat2 (kernels before 5.6), which open_in_root falls back to: one component
// at a time with O_NOFOLLOW, symlinks read and resolved against the root, ".." never above it.
Result<Fd> open_in_root_by_hand(int rootfd, const std::string& path, int flags, mode_t mode = 0);
// Called by create_in_root before it makes anything, with the deepest directory of the path that
// exists and the rest of the path below it ("a/b": what is about to be made, maybe with "." or
// ".."; past a "..", what exists already, symlinks included). An error stops it: nothing is made.
using BeforeCreate = std::function<Status(int dir_fd, const std::string& rest)>;
// Creates what is missing of `path` below rootfd (directories; the last component a directory or,
// with `file`, an empty file) and returns an O_PATH fd to it.
Result<Fd> create_in_root(int rootfd, const std::string& path, bool file, mode_t dir_mode = 0755,
                          const BeforeCreate& before_create = {});

}  // namespace rong::sys
