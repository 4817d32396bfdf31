#include "rootfs/idmap.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include "rootfs/check.hpp"
#include "rootfs/mount_options.hpp"
#include "sys/mount.hpp"

namespace rong::rootfs {

Result<sys::Fd> open_idmapped_tree(const spec::Mount& m, size_t index, const std::string& bundle, int userns_fd) {
    MountOptions opts = parse_mount_options(m.options);
    std::string source = m.source.empty() || m.source.front() == '/' ? m.source : bundle + "/" + m.source;
    std::string name = mount_name(index, m);
    auto tree = sys::clone_tree(source, opts.flags & MS_REC, name);
    if (!tree) return std::move(tree).error().wrap(name);
    // EINVAL here: the filesystem (or, with ridmap, one in the tree) cannot be idmapped.
    auto st = sys::mount_setattr(tree->get(), MOUNT_ATTR_IDMAP, 0, opts.recursive_idmap, "(idmap) " + source, userns_fd);
    if (!st) return std::move(st).error().wrap(name);
    return std::move(*tree);
}

}  // namespace rong::rootfs
