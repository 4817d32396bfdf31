// Idmapped bind mounts. Only the filesystem's owner (the host's user namespace) may idmap a mount
// of it, so `create` makes each one as a detached tree (open_tree(OPEN_TREE_CLONE) + mount_setattr
// MOUNT_ATTR_IDMAP) and passes the fds to the init, which moves them into the rootfs (move_mount).
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::rootfs {

// The source of config.mounts[index], detached and idmapped through `userns_fd`: a file owned by
// id N on disk shows as the user namespace's mapping of N. `rbind` clones the whole tree; `ridmap`
// idmaps every mount in it (`idmap` only the top one).
Result<sys::Fd> open_idmapped_tree(const spec::Mount& m, size_t index, const std::string& bundle, int userns_fd);

}  // namespace rong::rootfs
