#include "rootfs/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <memory>

#include "base/log.hpp"
#include "base/phase.hpp"
#include "base/strings.hpp"
#include "rootfs/check.hpp"
#include "rootfs/mount_options.hpp"
#include "sys/file.hpp"
#include "sys/mount.hpp"

namespace rong::rootfs {

namespace {

struct DefaultDevice {
    const char* path;
    unsigned major, minor;
};

constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

struct DevSymlink {
    const char* target;
    const char* path;
};

constexpr DevSymlink kDevSymlinks[] = {
    {"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
};

// The flags of a mount that a user namespace locks (nosuid, nodev, noexec, atime): a remount
// inside one must repeat them or fail with EPERM.
unsigned long locked_flags(const std::string& target) {
    struct statvfs st {};
    if (::statvfs(target.c_str(), &st) < 0) return 0;
    unsigned long out = 0;
    if (st.f_flag & ST_NOSUID) out |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) out |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) out |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) out |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) out |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) out |= MS_RELATIME;
    return out;
}

// mount(2)'s per-mount flags as mount_setattr(2) attributes.
uint64_t mount_attrs(unsigned long flags) {
    uint64_t out = 0;
    if (flags & MS_RDONLY) out |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID) out |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV) out |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC) out |= MOUNT_ATTR_NOEXEC;
    return out;
}

// `target`: a path that leads to the bind mount itself (an fd opened after the mount, or a name
// under the directory it was mounted in).
Status remount_bind(const std::string& target, unsigned long flags, const std::string& what) {
    auto st = sys::mount("", target, "", MS_BIND | MS_REMOUNT | flags, "", what);
    if (!st && st.error().errnum == EPERM)
        st = sys::mount("", target, "", MS_BIND | MS_REMOUNT | flags | locked_flags(target), "", what);
    return st;
}

Status remount_bind(int target_fd, unsigned long flags, const std::string& what) {
    return remount_bind(sys::fd_path(target_fd), flags, what);
}

std::string bind_source(const spec::Mount& m, const std::string& bundle) {
    if (m.source.empty() || m.source.front() == '/') return m.source;
    return bundle + "/" + m.source;
}

// What a mount destination is: its type, and what tells one place from another (the inode,
// and the mount it is reached through: the rootfs bound elsewhere is another place).
Result<struct statx> stat_place(int fd, const std::string& what) {
    struct statx st {};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID, &st) < 0)
        return Error::sys("stat " + what);
    return st;
}

// A destination that resolves to the rootfs's root itself (through a symlink to "/" or "." in
// the image) is refused: a mount there would sit on the root, where lookups that start from the
// root never step onto it, so every later lookup of the destination (a mount point made in it,
// a path under it) would reach the root's own directory instead of the new mount.
Status refuse_root(const struct statx& target, const struct statx& root) {
    bool same = target.stx_ino == root.stx_ino && target.stx_dev_major == root.stx_dev_major &&
                target.stx_dev_minor == root.stx_dev_minor &&
                !((target.stx_mask & root.stx_mask & STATX_MNT_ID) && target.stx_mnt_id != root.stx_mnt_id);
    if (same) return Error::msg("the destination resolves to the container's root directory");
    return {};
}

// The flags, propagation and contents that follow a mount are set through an fd of the new
// mount itself, never by resolving its destination again: another process sharing a directory
// on the way (a volume of two containers) could have swapped it for a symlink meanwhile. The
// fd comes from open_tree or fsmount, the mount is moved onto the target from it. Kernels
// before 5.2, or a seccomp profile that refuses those calls, get mount(2) and the destination
// opened again (`reopened` says so).
struct NewMount {
    sys::Fd fd;
    bool reopened = false;
};

// The errors of the new mount calls after which mount(2) is tried instead.
bool without_new_mount_api(int err) { return err == ENOSYS || err == EPERM; }

// A detached tree (open_tree, fsmount) put on the object `target` refers to; empty if move_mount
// is refused as above (the tree is dropped with the fd, and the caller mounts the old way).
Result<NewMount> attach(sys::Fd tree, int target, const std::string& dest) {
    auto moved = sys::move_mount_on_fd(tree.get(), target, dest);
    if (moved) return NewMount{std::move(tree)};
    if (!without_new_mount_api(moved.error().errnum)) return std::move(moved).error();
    return NewMount{};
}

// open_tree's copy of `source`, or none if it cannot be made (mount(2) then tries, and says why).
sys::Fd clone_or_none(const std::string& source, bool recursive, const std::string& dest) {
    auto tree = sys::clone_tree(source, recursive, dest);
    return tree ? std::move(*tree) : sys::Fd();
}

// A bind on the object `target` refers to: `tree` (source's clone) moved there, or mount(2).
Result<NewMount> bind_on(const std::string& source, sys::Fd tree, int target, bool recursive, int rootfd,
                         const std::string& dest) {
    if (tree) {
        NewMount made = TRY(attach(std::move(tree), target, dest));
        if (made.fd) return made;
    }
    TRY(sys::mount_on_fd(source, target, "", MS_BIND | (recursive ? MS_REC : 0), "", dest));
    return NewMount{TRY(sys::open_in_root(rootfd, dest, O_PATH)), true};
}

Result<NewMount> new_fs_on(const std::string& source, int target, const std::string& type, unsigned long flags,
                           const std::string& data, int rootfd, const std::string& dest) {
    auto tree = sys::new_fs_tree(type, source, flags, data, dest);
    if (tree) {
        NewMount made = TRY(attach(std::move(*tree), target, dest));
        if (made.fd) return made;
    } else if (int err = tree.error().errnum; err != ENOTSUP && !without_new_mount_api(err)) {
        return std::move(tree).error();
    }
    TRY(sys::mount_on_fd(source, target, type, flags, data, dest));
    return NewMount{TRY(sys::open_in_root(rootfd, dest, O_PATH)), true};
}

// cgroup v1 as runc shows it: a tmpfs, and in it a read-only (as the mount's options say) bind
// of the container's own cgroup of each hierarchy, named as the hierarchy's mount is. `target`:
// the mount point in the rootfs. `unseen`: nobody else can reach the tmpfs (see prepare()).
Result<NewMount> mount_cgroup_v1(int rootfd, int target, const spec::Mount& m, const MountOptions& opts,
                                 const RootfsContext& ctx, bool unseen) {
    const std::string prefix = "/sys/fs/cgroup/";
    std::map<std::string, std::string> binds;  // name in the tmpfs → host directory
    for (const auto& [controller, dir] : ctx.cgroup_paths) {
        if (controller.empty() || dir.rfind(prefix, 0) != 0) continue;
        binds[dir.substr(prefix.size(), dir.find('/', prefix.size()) - prefix.size())] = dir;
    }
    unsigned long tmpfs_flags = opts.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
    NewMount made = TRY(new_fs_on("tmpfs", target, "tmpfs", tmpfs_flags, "mode=755", rootfd, m.destination));
    const sys::Fd& tmpfs = made.fd;
    // The tmpfs was mounted a moment ago by this process, and nothing of the container runs yet.
    // If nobody else can reach it either, nobody can swap a directory made in it for a symlink:
    // its entries are made and mounted on by name under the tmpfs's fd, without opening each.
    // Otherwise (or if the fd is not the tmpfs's own) each is opened (never through a symlink)
    // and mounted on by its fd.
    unseen = unseen && !made.reopened;
    const std::string under = sys::fd_path(tmpfs.get()) + "/";
    for (const auto& [name, dir] : binds) {
        std::string dest = m.destination + "/" + name;
        if (::mkdirat(tmpfs.get(), name.c_str(), 0755) < 0) return Error::sys("mkdir " + dest);
        if (unseen) {
            TRY(sys::mount(dir, under + name, "", MS_BIND | MS_REC, "", dest));
            continue;
        }
        sys::Fd entry(::openat(tmpfs.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
        if (!entry) return Error::sys("open " + dest);
        TRY(sys::mount_on_fd(dir, entry.get(), "", MS_BIND | MS_REC, "", dest));
    }
    // The binds' flags in two calls, not a remount each: set on the whole tree, then read-only
    // taken off the tmpfs itself, which runc leaves writable.
    uint64_t attrs = mount_attrs(opts.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
    if (attrs) TRY(sys::mount_setattr(tmpfs.get(), attrs, 0, true, m.destination));
    if (attrs & MOUNT_ATTR_RDONLY) TRY(sys::mount_setattr(tmpfs.get(), 0, MOUNT_ATTR_RDONLY, false, m.destination));
    return made;
}

// Copies a directory's contents (files, directories, symlinks, device nodes) with their modes and
// owners, from one directory fd to another: nothing is resolved by path.
Status copy_tree(int from, int to, const std::string& what) {
    int listing = ::dup(from);
    if (listing < 0) return Error::sys("dup");
    DIR* d = ::fdopendir(listing);
    if (!d) {
        ::close(listing);
        return Error::sys("read " + what);
    }
    std::unique_ptr<DIR, int (*)(DIR*)> dir(d, ::closedir);
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return Error::sys("stat " + what + "/" + name);
        std::string path = what + "/" + name;
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to, name.c_str(), st.st_mode & 07777) < 0) return Error::sys("mkdir " + path);
            sys::Fd sub_from = TRY(sys::open_at(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            sys::Fd sub_to = TRY(sys::open_at(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            TRY(copy_tree(sub_from.get(), sub_to.get(), path));
        } else if (S_ISREG(st.st_mode)) {
            sys::Fd in = TRY(sys::open_at(from, name, O_RDONLY | O_NOFOLLOW));
            sys::Fd out = TRY(sys::open_at(to, name, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 07777));
            std::string data = TRY(sys::read_fd(in.get()));
            TRY(sys::write_all(out.get(), data, path));
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(from, name.c_str(), target.data(), target.size());
            if (n < 0) return Error::sys("readlink " + path);
            target.resize(static_cast<size_t>(n));
            if (::symlinkat(target.c_str(), to, name.c_str()) < 0) return Error::sys("symlink " + path);
        } else if (::mknodat(to, name.c_str(), st.st_mode, st.st_rdev) < 0) {
            return Error::sys("mknod " + path);
        }
        if (::fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return Error::sys("chown " + path);
    }
    return {};
}

// Where the resolved destination is, relative to the rootfs ("/proc/uptime"), decides whether a
// bind, or a filesystem of a type checks_proc_mount names, may go there. `dir_fd`: the
// destination, or, when it does not exist yet, the deepest directory of it that does, and `rest`
// the components to be made below that, without ".." (fresh directories: followed by name alone).
// `bind_source`: what a bind copies, "" for a new filesystem (never a procfs: none of those types
// is proc).
Status check_proc_mount(int dir_fd, const std::string& rest, const std::string& bind_source, const std::string& rootfs) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(sys::fd_path(dir_fd).c_str(), buf, sizeof buf - 1);
    if (n < 0) return Error::sys("readlink " + sys::fd_path(dir_fd));
    std::string path(buf, static_cast<size_t>(n));
    if (path != rootfs && path.rfind(rootfs + "/", 0) != 0) return Error::msg(path + " is outside the rootfs");
    std::string dest = path.size() == rootfs.size() ? "/" : path.substr(rootfs.size());
    for (const auto& name : split(rest, '/'))
        if (!name.empty() && name != ".") dest += (dest == "/" ? "" : "/") + name;
    struct statfs sfs {};
    bool procfs = dest == "/proc" && !bind_source.empty() && ::statfs(bind_source.c_str(), &sfs) == 0 &&
                  sfs.f_type == PROC_SUPER_MAGIC;
    std::string refusal = proc_mount_refusal(dest, procfs);
    if (!refusal.empty()) return Error::msg(refusal);
    return {};
}

// A tmpfs this process mounted a moment ago (/dev), while nothing of the container runs: only
// this process has made entries in it since, none of them a symlink. The mount points of the
// mounts that follow right in it (/dev/pts, /dev/shm, /dev/mqueue) are made by name under its fd
// and mounted on by path through it, without resolving each destination from the rootfs again.
// It serves only until a mount is made another way: that one might cover it. And only where
// nobody else can reach the mounts made (see prepare()): mount(2) resolves the name again.
class FreshTmpfs {
public:
    explicit FreshTmpfs(bool unseen) : unseen_(unseen) {}
    bool unseen() const { return unseen_; }
    // Whether the tmpfs mounted by config.mounts[index] would serve: a later mount goes right in it.
    bool wanted(size_t index, const spec::Config& config) const {
        if (!unseen_) return false;
        const std::string& dest = config.mounts[index].destination;
        return std::any_of(config.mounts.begin() + static_cast<long>(index) + 1, config.mounts.end(),
                           [&](const spec::Mount& later) { return !entry_in(dest, later.destination).empty(); });
    }
    // `tmpfs`: the new mount's own fd (from fsmount, not the destination opened again).
    void remember(const std::string& dest, sys::Fd tmpfs) {
        fd_ = std::move(tmpfs);
        destination_ = dest;
    }
    void forget() { fd_.reset(); }
    // The path to mount on for `dest`, its directory made; empty if `dest` is not right in it.
    Result<std::string> mount_point(const std::string& dest) const {
        if (!fd_) return std::string();
        std::string name = entry_in(destination_, dest);
        if (name.empty()) return name;
        if (::mkdirat(fd_.get(), name.c_str(), 0755) < 0 && errno != EEXIST) return Error::sys("mkdir " + dest);
        return sys::fd_path(fd_.get()) + "/" + name;
    }

private:
    // "shm" for "/dev" and "/dev/shm"; empty unless `dest` is a plain name right in `dir`.
    static std::string entry_in(const std::string& dir, const std::string& dest) {
        if (dir.empty() || dir.back() == '/' || dest.size() <= dir.size() + 1 || dest.compare(0, dir.size(), dir) != 0 ||
            dest[dir.size()] != '/')
            return "";
        std::string name = dest.substr(dir.size() + 1);
        if (name.find('/') != std::string::npos || name == "." || name == "..") return "";
        return name;
    }

    bool unseen_;
    std::string destination_;
    sys::Fd fd_;
};

// The mode a tmpfs's data gives its root (the last mode= option), or -1.
long data_mode(const std::string& data) {
    long mode = -1;
    for (const auto& option : split(data, ','))
        if (option.rfind("mode=", 0) == 0) mode = std::strtol(option.c_str() + 5, nullptr, 8);
    return mode;
}

bool readonly_at_finish(const spec::Mount& m, const MountOptions& opts) {
    bool bind = opts.is_bind() || m.type == "bind";
    return !bind && (m.type == "tmpfs" || m.destination == "/dev") && (opts.flags & MS_RDONLY);
}

// What a mount's options ask for after it is made: propagation, recursive attributes.
Status set_mount(int mounted, const MountOptions& opts, const std::string& what) {
    for (unsigned long prop : opts.propagation) TRY(sys::mount_on_fd("", mounted, "", prop, "", what));
    if (opts.attr_set || opts.attr_clr) TRY(sys::mount_setattr(mounted, opts.attr_set, opts.attr_clr, true, what));
    return {};
}

Status mount_one(int rootfd, const struct statx& root, size_t index, const RootfsContext& ctx, FreshTmpfs& fresh) {
    const spec::Mount& m = ctx.config.mounts[index];
    MountOptions opts = parse_mount_options(m.options);
    std::string type = m.type;
    bool bind = opts.is_bind() || type == "bind";
    std::string source = bind ? bind_source(m, ctx.bundle) : m.source;
    auto idmapped = ctx.idmapped_trees.find(index);
    const std::string& what = m.destination;
    bool labelled_mqueue = type == "mqueue" && ctx.config.linux && !ctx.config.linux->mountLabel.empty();
    bool set_after = !opts.propagation.empty() || opts.attr_set || opts.attr_clr;
    // A new instance of a filesystem that needs nothing looked up first, nor done in it after.
    bool plain = !bind && type != "proc" && type != "sysfs" && type != "cgroup" && type != "cgroup2" &&
                 !opts.tmpcopyup && !labelled_mqueue && !set_after;
    std::string fresh_path = plain ? TRY(fresh.mount_point(m.destination)) : "";
    if (fresh_path.empty()) fresh.forget();

    // A bind's source is copied (open_tree) before it is looked at: what is checked (its type,
    // procfs or not) is what gets mounted, whatever is renamed in its directory meanwhile.
    sys::Fd source_tree;
    std::string source_ref = source;  // the path that names it: the copy's, if there is one
    bool file_target = false;
    if (bind) {
        opts.flags |= MS_BIND;
        if (idmapped == ctx.idmapped_trees.end()) source_tree = clone_or_none(source, opts.flags & MS_REC, what);
        if (source_tree) source_ref = sys::fd_path(source_tree.get());
        struct stat st {};
        if (::stat(source_ref.c_str(), &st) < 0) return Error::sys("stat bind source " + source);
        file_target = !S_ISDIR(st.st_mode);
    }
    // What is there already, for two kinds. CVE-2019-19921 / CVE-2023-27561: a /proc or /sys that
    // is a symlink (into a volume another container controls) would make later writes there
    // (sysctl, LSM) go elsewhere; as runc 1.1.5, it is refused. A tmpfs over a directory of the
    // image takes that directory's mode, as runc's does (an image's root-only /run must not become
    // world-writable): given last in its data, it wins over a mode= option, as runc's chmod after
    // the mount does.
    sys::Fd target;
    struct statx target_st {};
    bool proc_or_sys = !bind && (type == "proc" || type == "sysfs");
    bool tmpfs = !bind && type == "tmpfs" && fresh_path.empty();
    if (proc_or_sys || tmpfs) {
        if (auto existing = sys::open_in_root(rootfd, m.destination, O_PATH | (proc_or_sys ? O_NOFOLLOW : 0))) {
            target_st = TRY(stat_place(existing->get(), what + " in container rootfs"));
            if (proc_or_sys && S_ISLNK(target_st.stx_mode))
                return Error::msg("mount " + type + " on " + m.destination + ": the destination is a symlink");
            target = std::move(*existing);  // what create_in_root would open
        }
    }
    std::string image_dir_mode;
    if (tmpfs && target && S_ISDIR(target_st.stx_mode) && data_mode(opts.data) != (target_st.stx_mode & 07777)) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "mode=%o", target_st.stx_mode & 07777);
        image_dir_mode = mode;
    }
    // A read-only tmpfs or /dev is made read-only only at the end (finish()), as runc does: the
    // devices, the mounts beneath it and tmpcopyup's files go in first.
    if (readonly_at_finish(m, opts)) opts.flags &= ~static_cast<unsigned long>(MS_RDONLY);
    // (A mount in a fresh tmpfs is in a tmpfs of ours, whatever that covers.)
    bool proc_checked = bind || (fresh_path.empty() && checks_proc_mount(type));
    if (fresh_path.empty()) {
        if (!target) {
            // Checked before anything is made, as runc does: a refused mount leaves no mount point.
            // Not where ".." climbs back out of what is made: a symlink there can lead anywhere,
            // which only the check of the destination made (below) sees.
            sys::BeforeCreate check_first;
            if (proc_checked) check_first = [&](int dir, const std::string& rest) -> Status {
                for (const auto& name : split(rest, '/'))
                    if (name == "..") return {};
                return check_proc_mount(dir, rest, bind ? source_ref : "", ctx.rootfs);
            };
            target = TRY(sys::create_in_root(rootfd, m.destination, file_target, 0755, check_first));
            target_st = TRY(stat_place(target.get(), what + " in container rootfs"));
        }
        TRY(refuse_root(target_st, root));
    }
    // The new mount itself, when something is done in it or to it after (see NewMount).
    NewMount mounted;
    // A tmpfs the mounts that follow go right in (FreshTmpfs).
    bool remember = false;

    if (proc_checked) TRY(check_proc_mount(target.get(), "", bind ? source_ref : "", ctx.rootfs));
    if (bind) {
        if (idmapped != ctx.idmapped_trees.end()) {
            TRY(sys::move_mount_on_fd(idmapped->second, target.get(), what));
            mounted.fd.reset(::fcntl(idmapped->second, F_DUPFD_CLOEXEC, 0));
            if (!mounted.fd) return Error::sys("dup idmapped mount of " + what);
        } else {
            mounted = TRY(bind_on(source, std::move(source_tree), target.get(), opts.flags & MS_REC, rootfd, what));
        }
        if (opts.remount_flags()) TRY(remount_bind(mounted.fd.get(), opts.remount_flags(), what));
    } else if (type == "cgroup" && std::any_of(ctx.cgroup_paths.begin(), ctx.cgroup_paths.end(),
                                               [](const auto& e) { return !e.first.empty(); })) {
        mounted = TRY(mount_cgroup_v1(rootfd, target.get(), m, opts, ctx, fresh.unseen()));
    } else if ((type == "cgroup" || type == "cgroup2") && !ctx.host_cgroup2.empty() &&
               !(ctx.config.linux && ctx.config.linux->find_namespace("cgroup"))) {
        // Without a cgroup namespace a new cgroup2 instance would show the hierarchy's root,
        // which the host's mount shows too; and mounting one from the host's cgroup namespace
        // resets the hierarchy's mount options (nsdelegate, ...) for the whole host, waiting for
        // an RCU grace period to do so (~8 ms here). So the host's mount is bound instead.
        mounted = TRY(bind_on(ctx.host_cgroup2, clone_or_none(ctx.host_cgroup2, true, what), target.get(), true,
                              rootfd, what));
        if (uint64_t attrs = mount_attrs(opts.flags)) TRY(sys::mount_setattr(mounted.fd.get(), attrs, 0, true, what));
    } else {
        if (type == "cgroup") type = "cgroup2";  // a v2 host (or no cgroup): the unified tree
        // tmpcopyup: what the image has under the mount point is copied into the new tmpfs.
        sys::Fd copy_from;
        if (opts.tmpcopyup && type == "tmpfs") copy_from.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        std::string data = with_mount_label(opts.data, type, ctx.config.linux ? ctx.config.linux->mountLabel : "");
        if (!image_dir_mode.empty()) data += (data.empty() ? "" : ",") + image_dir_mode;
        remember = type == "tmpfs" && !opts.tmpcopyup && fresh.wanted(index, ctx.config);
        Status st;
        if (!fresh_path.empty()) {
            st = sys::mount(source, fresh_path, type, opts.flags, data, what);
        } else if (copy_from || labelled_mqueue || set_after || remember) {
            auto made = new_fs_on(source, target.get(), type, opts.flags, data, rootfd, what);
            if (made) mounted = std::move(*made);
            else st = std::move(made).error();
        } else {
            st = sys::mount_on_fd(source, target.get(), type, opts.flags, data, what);
        }
        if (st && copy_from) TRY(copy_tree(copy_from.get(), mounted.fd.get(), what));
        // sysfs without a new network namespace, cgroup2 in a user namespace without a cgroup
        // one: the kernel refuses a new instance, so bind the host's, read-only, as runc does.
        const char* host_tree = type == "sysfs" ? "/sys" : type == "cgroup2" ? "/sys/fs/cgroup" : nullptr;
        if (!st && host_tree && (st.error().errnum == EPERM || st.error().errnum == EBUSY)) {
            auto host = bind_on(host_tree, clone_or_none(host_tree, true, what), target.get(), true, rootfd, what);
            if (host) {
                mounted = std::move(*host);
                st = remount_bind(mounted.fd.get(), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, what);
            } else {
                st = std::move(host).error();
            }
        }
        if (!st) return st;
        // mqueue takes no context= option: its root is labelled instead, as runc does.
        if (labelled_mqueue) {
            const std::string& label = ctx.config.linux->mountLabel;
            if (::setxattr(sys::fd_path(mounted.fd.get()).c_str(), "security.selinux", label.data(), label.size(), 0) < 0)
                return Error::sys("label " + what + " " + label);
        }
    }
    if (mounted.fd) TRY(set_mount(mounted.fd.get(), opts, what));
    if (remember && mounted.fd && !mounted.reopened) fresh.remember(m.destination, std::move(mounted.fd));
    return {};
}

// The node `name` in the directory `dirfd` (which is `path`'s parent), replacing what is there.
// The mode is exact: setup_dev runs with umask 0. `owned`: mknod already makes the node uid:gid's.
Status make_node_at(int dirfd, const std::string& name, const std::string& path, mode_t type, unsigned major,
                    unsigned minor, mode_t perm, uid_t uid, gid_t gid, bool owned = false) {
    if (::mknodat(dirfd, name.c_str(), type | perm, makedev(major, minor)) < 0) {
        if (errno != EEXIST) return Error::sys("mknod " + path);
        ::unlinkat(dirfd, name.c_str(), 0);
        if (::mknodat(dirfd, name.c_str(), type | perm, makedev(major, minor)) < 0) return Error::sys("mknod " + path);
    }
    if (!owned && ::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return Error::sys("chown " + path);
    return {};
}

// mknod and mkdir honour the umask; the config's modes are meant exactly.
class NoUmask {
public:
    NoUmask() : saved_(::umask(0)) {}
    ~NoUmask() { ::umask(saved_); }
    NoUmask(const NoUmask&) = delete;
    NoUmask& operator=(const NoUmask&) = delete;

private:
    mode_t saved_;
};

Status make_device(int rootfd, const std::string& path, mode_t type, unsigned major, unsigned minor, mode_t perm,
                   uid_t uid, gid_t gid, bool bind_from_host) {
    if (bind_from_host) {
        // mknod is not allowed in a user namespace: bind the host's node instead.
        sys::Fd target = TRY(sys::create_in_root(rootfd, path, true));
        return sys::mount_on_fd(path, target.get(), "", MS_BIND, "", path);
    }
    auto slash = path.rfind('/');
    std::string parent = slash == 0 ? "/" : path.substr(0, slash);
    auto dirfd = sys::open_in_root(rootfd, parent, O_DIRECTORY | O_RDONLY);
    if (!dirfd && dirfd.error().errnum == ENOENT) {
        TRY(sys::create_in_root(rootfd, parent, false));
        dirfd = sys::open_in_root(rootfd, parent, O_DIRECTORY | O_RDONLY);
    }
    if (!dirfd) return std::move(dirfd).error();
    return make_node_at(dirfd->get(), path.substr(slash + 1), path, type, major, minor, perm, uid, gid);
}

Status setup_dev(int rootfd, const RootfsContext& ctx) {
    const auto* lnx = ctx.config.linux ? &*ctx.config.linux : nullptr;
    NoUmask no_umask;
    sys::Fd dev = TRY(sys::open_in_root(rootfd, "/dev", O_DIRECTORY | O_RDONLY));
    // The default nodes are root's: mknod makes them so, unless /dev is setgid (its group's then).
    struct stat dev_st {};
    bool made_root_owned = !ctx.in_user_namespace && ::fstat(dev.get(), &dev_st) == 0 && !(dev_st.st_mode & S_ISGID) &&
                           ::geteuid() == 0 && ::getegid() == 0;
    for (const auto& d : kDefaultDevices) {
        bool overridden = lnx && std::any_of(lnx->devices.begin(), lnx->devices.end(),
                                             [&](const spec::Device& dev) { return dev.path == d.path; });
        if (overridden) continue;
        if (ctx.in_user_namespace)
            TRY(make_device(rootfd, d.path, S_IFCHR, d.major, d.minor, 0666, 0, 0, true));
        else
            TRY(make_node_at(dev.get(), d.path + 5, d.path, S_IFCHR, d.major, d.minor, 0666, 0, 0, made_root_owned));
    }
    if (lnx) {
        for (size_t i = 0; i < lnx->devices.size(); ++i) {
            const spec::Device& d = lnx->devices[i];
            // /dev/ptmx is always the link to the container's devpts below (podman --privileged
            // lists the host's: bound there in a user namespace, it could not be replaced).
            if (d.path == "/dev/ptmx") continue;
            mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
            mode_t perm = d.fileMode ? (*d.fileMode & 07777) : 0666;
            auto made = make_device(rootfd, d.path, type, static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
                                    perm, d.uid.value_or(0), d.gid.value_or(0), ctx.in_user_namespace);
            if (!made) return std::move(made).error().wrap("linux.devices[" + std::to_string(i) + "] (" + d.path + ")");
        }
    }
    for (const auto& link : kDevSymlinks) {
        const char* name = link.path + 5;
        if (::symlinkat(link.target, dev.get(), name) < 0 && errno != EEXIST) return Error::sys(std::string("symlink ") + link.path);
    }
    // /dev/ptmx leads to the container's own devpts instance, whatever was there.
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0 &&
        (errno != EEXIST || ::unlinkat(dev.get(), "ptmx", 0) < 0 || ::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0))
        return Error::sys("symlink /dev/ptmx");
    return {};
}

}  // namespace

bool needs_dev_setup(const spec::Config& config) {
    // runc's rule: /dev gets its devices unless the config binds a /dev of its own there, with or
    // without a /dev mount (then they are made in the image's /dev).
    for (const auto& m : config.mounts) {
        if (m.destination != "/dev") continue;
        auto opts = parse_mount_options(m.options);
        return !(opts.is_bind() || m.type == "bind");
    }
    return true;
}

Result<sys::Fd> prepare(const RootfsContext& ctx) {
    // By default nothing mounted in here propagates back to the host. A shared rootfsPropagation
    // keeps the host's shared mounts peers of ours, as runc does: an rshared bind of one is then
    // bidirectional (Kubernetes' Bidirectional mount propagation).
    unsigned long parent_prop = MS_SLAVE | MS_REC;
    if (ctx.config.linux && !ctx.config.linux->rootfsPropagation.empty()) {
        unsigned long p = propagation_flag(ctx.config.linux->rootfsPropagation);
        if (p & MS_PRIVATE) parent_prop = MS_PRIVATE | MS_REC;
        if (p & MS_SHARED) parent_prop = p;
    }
    TRY(sys::mount("", "/", "", parent_prop, "", "/"));
    // The mount holding the rootfs must not be shared: the rootfs bind would propagate to the
    // host, and pivot_root refuses a shared parent. (A recursive slave or private leaves no mount
    // shared: only a shared rootfsPropagation needs a look.)
    if (parent_prop & MS_SHARED) {
        HoldingMount holder = holding_mount(TRY(sys::read_file("/proc/self/mountinfo")), ctx.rootfs);
        if (holder.shared) TRY(sys::mount("", holder.mount_point, "", MS_PRIVATE, "", holder.mount_point));
    }
    // pivot_root needs the new root to be a mount point.
    TRY(sys::mount(ctx.rootfs, ctx.rootfs, "", MS_BIND | MS_REC, "", ctx.rootfs));
    sys::Fd rootfd = TRY(sys::open_file(ctx.rootfs, O_PATH | O_DIRECTORY));
    struct statx root = TRY(stat_place(rootfd.get(), ctx.rootfs));
    phase::reached("init-rootfs-bind");

    bool in_cgroup = !ctx.enter_cgroup;
    // Whether the mounts made here are ours alone until the container runs: in a mount namespace
    // of our own (one joined may hold other processes), from which nothing propagates out (a
    // shared rootfsPropagation would show them to the host's peers, and whoever can write there).
    const spec::Namespace* mount_ns = ctx.config.linux ? ctx.config.linux->find_namespace("mount") : nullptr;
    FreshTmpfs fresh(mount_ns && mount_ns->path.empty() && !(parent_prop & MS_SHARED));
    for (size_t i = 0; i < ctx.config.mounts.size(); ++i) {
        if (!in_cgroup && (ctx.config.mounts[i].type == "cgroup" || ctx.config.mounts[i].type == "cgroup2")) {
            TRY(ctx.enter_cgroup());
            in_cgroup = true;
        }
        auto st = mount_one(rootfd.get(), root, i, ctx, fresh);
        if (!st) return std::move(st).error().wrap(mount_name(i, ctx.config.mounts[i]));
    }
    // The devices cgroup decides which nodes mknod may make.
    if (!in_cgroup) TRY(ctx.enter_cgroup());
    if (needs_dev_setup(ctx.config)) TRY(setup_dev(rootfd.get(), ctx));

    if (ctx.config.process && !ctx.config.process->cwd.empty() && ctx.config.process->cwd != "/")
        TRY(sys::create_in_root(rootfd.get(), ctx.config.process->cwd, false));
    return rootfd;
}

Result<Console> open_console(int rootfd) {
    Console console = TRY(open_pty(rootfd));
    sys::Fd target = TRY(sys::create_in_root(rootfd, "/dev/console", true));
    TRY(sys::mount(sys::fd_path(console.peer.get()), sys::fd_path(target.get()), "", MS_BIND, "", "/dev/console"));
    return console;
}

Result<Console> open_pty(int rootfd) {
    auto ptmx = sys::open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
    if (!ptmx) ptmx = sys::open_in_root(rootfd, "/dev/ptmx", O_RDWR | O_NOCTTY);
    if (!ptmx) return std::move(ptmx).error().wrap("open the container's pty");
    Console console;
    console.master = std::move(*ptmx);
    int unlock = 0;
    if (::ioctl(console.master.get(), TIOCSPTLCK, &unlock) < 0) return Error::sys("unlockpt");
    unsigned ptn = 0;
    if (::ioctl(console.master.get(), TIOCGPTN, &ptn) < 0) return Error::sys("ptsname");
    console.name = "/dev/pts/" + std::to_string(ptn);
    // The peer comes from the master itself, never from a path in the container (CVE-2025-52565).
    int peer = ::ioctl(console.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (peer < 0) return Error::sys("open pty peer " + console.name);
    console.peer.reset(peer);
    return console;
}

Status enter(const std::string& rootfs, int rootfd, bool no_pivot) {
    if (::fchdir(rootfd) < 0) return Error::sys("chdir " + rootfs);
    if (no_pivot) {
        TRY(sys::mount(rootfs, "/", "", MS_MOVE, "", "/"));
        if (::chroot(".") < 0) return Error::sys("chroot " + rootfs);
    } else {
        // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
        if (::syscall(SYS_pivot_root, ".", ".") < 0) return Error::sys("pivot_root " + rootfs);
        if (::umount2(".", MNT_DETACH) < 0) return Error::sys("unmount the old root");
    }
    // The working directory is the new root already: the fchdir above, and neither the pivot
    // (it moves only what was at the old root) nor the move leads it anywhere else.
    return {};
}

namespace {

// /dev/null as it must be: a character device 1:3. Checked on the fd, so a symlink or another
// node planted at /dev/null is never bound over a masked path (CVE-2025-31133).
Result<sys::Fd> open_verified_dev_null() {
    sys::Fd fd = TRY(sys::open_file("/dev/null", O_PATH | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return Error::sys("stat /dev/null");
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        return Error::msg("/dev/null in the container is not the null device");
    return fd;
}

// A masked or read-only path, after pivot_root: symlinks are followed, as runc does (/proc/net
// leads to /proc/self/net; an image's link to the directory it means), but only inside the new
// root and never through a magic link (/proc/self/fd/N, /proc/self/root). nullopt: not there.
Result<std::optional<sys::Fd>> open_container_path(int rootfd, const std::string& path, const char* what) {
    auto target = sys::open_in_root(rootfd, path, O_PATH);
    if (target) return std::optional<sys::Fd>(std::move(*target));
    if (target.error().errnum == ENOENT) return std::optional<sys::Fd>();
    return Error::sys(std::string("open ") + what + " " + path, target.error().errnum);
}

Status mask_path(int rootfd, const std::string& path, int null_fd) {
    auto target = TRY(open_container_path(rootfd, path, "masked path"));
    if (!target) return {};
    struct stat st {};
    if (::fstat(target->get(), &st) < 0) return Error::sys("stat " + path);
    if (S_ISDIR(st.st_mode))
        return sys::mount_on_fd("tmpfs", target->get(), "tmpfs", MS_RDONLY, "", path);
    return sys::mount(sys::fd_path(null_fd), sys::fd_path(target->get()), "", MS_BIND, "", path);
}

Status make_readonly(int rootfd, const std::string& path) {
    auto opened = TRY(open_container_path(rootfd, path, "read-only path"));
    if (!opened) return {};
    sys::Fd target = std::move(*opened);
    // A copy of what is there, made read-only before it is put on top: nothing is looked up by
    // path after the open (see NewMount).
    // The mounts beneath it keep their own flags: runc remounts only the top one read-only.
    auto tree = sys::clone_tree(target.get(), true, path);
    if (tree) {
        TRY(sys::mount_setattr(tree->get(), MOUNT_ATTR_RDONLY, 0, false, path));
        NewMount made = TRY(attach(std::move(*tree), target.get(), path));
        if (made.fd) return {};
    } else if (!without_new_mount_api(tree.error().errnum)) {
        return std::move(tree).error();
    }
    TRY(sys::mount_on_fd(sys::fd_path(target.get()), target.get(), "", MS_BIND | MS_REC, "", path));
    // By path: `target` is the directory under the new bind.
    return sys::mount_setattr(path, MOUNT_ATTR_RDONLY, 0, false);
}

}  // namespace

Status check_container_proc(const std::string& needed_by) {
    struct statfs sfs {};
    if (::statfs("/proc/thread-self/fd", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
        return Error::msg(needed_by + ": /proc in the container is not procfs (no proc mount there)");
    return {};
}

Status finish(const spec::Config& config) {
    for (const auto& m : config.mounts) {
        if (!readonly_at_finish(m, parse_mount_options(m.options))) continue;
        auto st = sys::mount_setattr(m.destination, MOUNT_ATTR_RDONLY, 0, false);
        if (!st) return std::move(st).error().wrap("make " + m.destination + " read-only");
    }
    if (config.linux) {
        const auto& lnx = *config.linux;
        // Resolved inside our working directory, the new root (enter() went there).
        int root = AT_FDCWD;
        if (!lnx.maskedPaths.empty() || !lnx.readonlyPaths.empty()) TRY(check_container_proc("linux.maskedPaths, linux.readonlyPaths"));
        if (!lnx.maskedPaths.empty()) {
            sys::Fd null_fd = TRY(open_verified_dev_null());
            for (const auto& p : lnx.maskedPaths) TRY(mask_path(root, p, null_fd.get()));
        }
        for (const auto& p : lnx.readonlyPaths) TRY(make_readonly(root, p));
    }
    if (config.root.readonly) TRY(sys::mount_setattr("/", MOUNT_ATTR_RDONLY, 0, false));
    // A shared, slave or private rootfsPropagation was the mount namespace's before the rootfs was
    // bound (prepare()), as runc's: the container's own mounts keep what their options say. An
    // unbindable one (which runc fails on) is the container root's.
    if (config.linux && !config.linux->rootfsPropagation.empty()) {
        unsigned long flag = propagation_flag(config.linux->rootfsPropagation);
        if (flag & MS_UNBINDABLE) TRY(sys::mount("", "/", "", flag, "", "/"));
    }
    return {};
}

}  // namespace rong::rootfs
