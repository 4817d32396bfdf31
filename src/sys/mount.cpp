#include "sys/mount.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iterator>
#include <optional>
#include <vector>

namespace rong::sys {

Status mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data, const std::string& what) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
                fstype.empty() ? nullptr : fstype.c_str(), flags, data.empty() ? nullptr : data.c_str()) < 0) {
        std::string src = source.empty() ? fstype : source;
        return Error::sys("mount " + (src.empty() ? std::string("none") : src) + " on " +
                          (what.empty() ? target : what));
    }
    return {};
}

std::string fd_path(int fd) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "/proc/thread-self/fd/%d", fd);
    return buf;
}

Status mount_on_fd(const std::string& source, int target_fd, const std::string& fstype, unsigned long flags,
                   const std::string& data, const std::string& what) {
    return mount(source, fd_path(target_fd), fstype, flags, data, what);
}

namespace {

long setattr(int dirfd, const char* path, unsigned flags, uint64_t attr_set, uint64_t attr_clr, int userns_fd = -1) {
    struct mount_attr attr {};
    attr.attr_set = attr_set;
    attr.attr_clr = attr_clr;
    if (userns_fd >= 0) attr.userns_fd = static_cast<uint64_t>(userns_fd);
    return ::syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

}  // namespace

Status mount_setattr(int fd, uint64_t attr_set, uint64_t attr_clr, bool recursive, const std::string& what,
                     int userns_fd) {
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    if (setattr(fd, "", flags, attr_set, attr_clr, userns_fd) < 0) return Error::sys("mount_setattr " + what);
    return {};
}

Status mount_setattr(const std::string& path, uint64_t attr_set, uint64_t attr_clr, bool recursive) {
    unsigned flags = AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0);
    if (setattr(AT_FDCWD, path.c_str(), flags, attr_set, attr_clr) < 0) return Error::sys("mount_setattr " + path);
    return {};
}

namespace {

Result<Fd> open_tree_clone(int dirfd, const std::string& path, unsigned flags, const std::string& what) {
    flags |= OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
    long fd = ::syscall(SYS_open_tree, dirfd, path.c_str(), flags);
    if (fd < 0) return Error::sys("open_tree " + (path.empty() ? what : path + " for " + what));
    return Fd(static_cast<int>(fd));
}

}  // namespace

Result<Fd> clone_tree(const std::string& path, bool recursive, const std::string& what) {
    return open_tree_clone(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, what);
}

Result<Fd> clone_tree(int at, bool recursive, const std::string& what) {
    return open_tree_clone(at, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), what);
}

Status move_mount_on_fd(int tree_fd, int target_fd, const std::string& what) {
    if (::syscall(SYS_move_mount, tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::sys("move_mount on " + what);
    return {};
}

namespace {

// statmount(2) (Linux 6.8) and the part of its uapi (linux/mount.h) used here, which Debian 12's
// headers predate: 457 is its number on x86-64 and in the generic table (arm64, riscv...).
#ifdef __NR_statmount
constexpr long kSysStatmount = __NR_statmount;
#else
constexpr long kSysStatmount = 457;
#endif
constexpr unsigned kStatxMntIdUnique = 0x4000;
constexpr uint64_t kStatmountSbBasic = 0x1, kStatmountMntRoot = 0x8;
struct MntIdReq {
    uint32_t size;
    uint32_t spare;
    uint64_t mnt_id;
    uint64_t param;
};
static_assert(sizeof(MntIdReq) == 24, "MNT_ID_REQ_SIZE_VER0");
// The fixed part of struct statmount up to the offsets used; strings follow the 512-byte header.
constexpr size_t kStatmountMaskAt = 8, kStatmountMagicAt = 24, kStatmountRootAt = 104, kStatmountStrAt = 512;

}  // namespace

Result<MountRoot> mount_root_of(const std::string& path) {
    struct statx st {};
    if (::statx(AT_FDCWD, path.c_str(), 0, kStatxMntIdUnique, &st) < 0) return Error::sys("statx " + path);
    // Without the unique id (before 6.8) statmount is not there either.
    if (!(st.stx_mask & kStatxMntIdUnique)) return Error{"statmount " + path, ENOSYS};
    MntIdReq req{sizeof(MntIdReq), 0, st.stx_mnt_id, kStatmountSbBasic | kStatmountMntRoot};
    alignas(8) char buf[kStatmountStrAt + PATH_MAX];
    long n = ::syscall(kSysStatmount, &req, buf, sizeof buf, 0);
    if (n < 0) return Error::sys("statmount " + path);
    uint64_t mask = 0, magic = 0;
    uint32_t size = 0, root_at = 0;
    std::memcpy(&size, buf, sizeof size);
    std::memcpy(&mask, buf + kStatmountMaskAt, sizeof mask);
    std::memcpy(&magic, buf + kStatmountMagicAt, sizeof magic);
    std::memcpy(&root_at, buf + kStatmountRootAt, sizeof root_at);
    if ((mask & (kStatmountSbBasic | kStatmountMntRoot)) != (kStatmountSbBasic | kStatmountMntRoot) ||
        size > sizeof buf || kStatmountStrAt + root_at >= size)
        return Error{"statmount " + path + ": no root in the reply", EINVAL};
    const char* root = buf + kStatmountStrAt + root_at;
    return MountRoot{magic, std::string(root, ::strnlen(root, size - kStatmountStrAt - root_at))};
}

Result<Fd> new_fs_tree(const std::string& fstype, const std::string& source, unsigned long flags,
                       const std::string& data, const std::string& what) {
    constexpr unsigned long per_mount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                                        MS_RELATIME | MS_STRICTATIME;
    // The data is split at each comma here, as the kernel splits it for these filesystems; others
    // (overlay, nfs, cifs) parse it whole and allow escaped commas. tmpfs's mpol takes a node
    // list ("bind:0,2"), and a quoted SELinux context may hold a comma too.
    static const char* const split_by_commas[] = {"tmpfs", "mqueue", "devpts", "proc", "sysfs", "cgroup2"};
    bool splittable = std::any_of(std::begin(split_by_commas), std::end(split_by_commas),
                                  [&](const char* t) { return fstype == t; });
    if (!splittable || (flags & ~per_mount) || data.find_first_of("\\\"") != std::string::npos ||
        data.find("mpol=") != std::string::npos)
        return Error{"", ENOTSUP};
    std::string failed = "mount " + (source.empty() ? fstype : source) + " on " + what;
    long ctx = ::syscall(SYS_fsopen, fstype.c_str(), FSOPEN_CLOEXEC);
    if (ctx < 0) return Error::sys(failed);
    Fd context(static_cast<int>(ctx));
    auto set = [&](unsigned cmd, const char* key, const char* value) {
        return ::syscall(SYS_fsconfig, context.get(), cmd, key, value, 0) == 0;
    };
    if (!source.empty() && !set(FSCONFIG_SET_STRING, "source", source.c_str())) return Error::sys(failed);
    if ((flags & MS_RDONLY) && !set(FSCONFIG_SET_FLAG, "ro", nullptr)) return Error::sys(failed);
    size_t start = 0;
    while (start < data.size()) {
        size_t comma = data.find(',', start);
        if (comma == std::string::npos) comma = data.size();
        std::string option = data.substr(start, comma - start);
        start = comma + 1;
        if (option.empty()) continue;
        size_t eq = option.find('=');
        bool ok = eq == std::string::npos
                      ? set(FSCONFIG_SET_FLAG, option.c_str(), nullptr)
                      : set(FSCONFIG_SET_STRING, option.substr(0, eq).c_str(), option.c_str() + eq + 1);
        if (!ok) return Error::sys(failed + " (" + option + ")");
    }
    if (!set(FSCONFIG_CMD_CREATE, nullptr, nullptr)) return Error::sys(failed);
    unsigned attrs = 0;
    if (flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
    // As mount(2): relatime unless noatime or strictatime is asked for; strictatime wins.
    if (flags & MS_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
    else if (flags & MS_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
    long tree = ::syscall(SYS_fsmount, context.get(), FSMOUNT_CLOEXEC, attrs);
    if (tree < 0) return Error::sys(failed);
    return Fd(static_cast<int>(tree));
}

Result<Fd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    for (;;) {
        long fd = ::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
        if (fd >= 0) return Fd(static_cast<int>(fd));
        if (errno == ENOSYS) return open_in_root_by_hand(rootfd, path, flags, mode);
        if (errno != EINTR && errno != EAGAIN) break;
    }
    return Error::sys("open " + path + " in container rootfs");
}

Result<Fd> open_in_root_by_hand(int rootfd, const std::string& path, int flags, mode_t mode) {
    auto failed = [&](int err) { return Error::sys("open " + path + " in container rootfs", err); };
    // The directories walked so far, the root first: ".." pops one, never the root.
    std::vector<Fd> dirs;
    {
        int root = ::openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) return failed(errno);
        dirs.emplace_back(root);
    }
    std::deque<std::string> todo;
    auto push_front_path = [&todo](const std::string& p) {
        std::vector<std::string> parts;
        size_t start = 0;
        while (start <= p.size()) {
            size_t slash = p.find('/', start);
            if (slash == std::string::npos) slash = p.size();
            if (slash > start) parts.push_back(p.substr(start, slash - start));
            start = slash + 1;
        }
        todo.insert(todo.begin(), parts.begin(), parts.end());
    };
    push_front_path(path);
    int links = 0;
    while (!todo.empty()) {
        std::string name = todo.front();
        todo.pop_front();
        if (name == ".") continue;
        if (name == "..") {
            if (dirs.size() > 1) dirs.pop_back();
            continue;
        }
        bool last = todo.empty();
        int at = dirs.back().get();
        Fd next(::openat(at, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next && errno == ENOENT && last && (flags & O_CREAT)) {
            Fd made(::openat(at, name.c_str(), (flags & ~O_PATH) | O_NOFOLLOW | O_CLOEXEC, mode));
            if (!made) return failed(errno);
            return made;
        }
        if (!next) return failed(errno);
        struct stat st {};
        if (::fstat(next.get(), &st) < 0) return failed(errno);
        if (S_ISLNK(st.st_mode) && last && (flags & O_NOFOLLOW)) {
            // As open(2): O_PATH gives the symlink itself, anything else refuses it.
            if (flags & O_PATH) return next;
            return failed(ELOOP);
        }
        if (S_ISLNK(st.st_mode)) {
            if (++links > 40) return failed(ELOOP);
            std::string target(PATH_MAX, '\0');
            ssize_t n = ::readlinkat(next.get(), "", target.data(), target.size());
            if (n < 0) return failed(errno);
            target.resize(static_cast<size_t>(n));
            if (!target.empty() && target.front() == '/') dirs.resize(1);
            push_front_path(target);
            continue;
        }
        if (!last) {
            if (!S_ISDIR(st.st_mode)) return failed(ENOTDIR);
            dirs.push_back(std::move(next));
            continue;
        }
        if (flags & O_PATH) {
            if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) return failed(ENOTDIR);
            return next;
        }
        // Reopened by name with O_NOFOLLOW: it must still be what was checked.
        Fd opened(::openat(at, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!opened) return failed(errno);
        struct stat again {};
        if (::fstat(opened.get(), &again) < 0) return failed(errno);
        if (again.st_dev != st.st_dev || again.st_ino != st.st_ino) return failed(EAGAIN);
        return opened;
    }
    // The path named the root itself (or a symlink resolving to it).
    Fd& dir = dirs.back();
    if (flags & O_PATH) return std::move(dir);
    Fd opened(::openat(dir.get(), ".", flags | O_CLOEXEC, mode));
    if (!opened) return failed(errno);
    return opened;
}

namespace {

// The common case, only the last component missing: its parent resolved inside the root, the
// component made there, then the whole path resolved again. Anything else (a missing parent, a
// dangling symlink as the last component) is left to the walk below: nullopt.
Result<std::optional<Fd>> create_last_component(int rootfd, const std::string& path, bool file, mode_t dir_mode,
                                                const BeforeCreate& before_create) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash + 1 == path.size()) return std::optional<Fd>();
    std::string name = path.substr(slash + 1);
    if (name == "." || name == "..") return std::optional<Fd>();
    auto parent = open_in_root(rootfd, slash == 0 ? "/" : path.substr(0, slash), O_PATH | O_DIRECTORY);
    if (!parent) return std::optional<Fd>();
    if (before_create) TRY(before_create(parent->get(), name));
    if (file) {
        int fd = ::openat(parent->get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) return std::optional<Fd>();
        ::close(fd);
    } else if (::mkdirat(parent->get(), name.c_str(), dir_mode) < 0) {
        return std::optional<Fd>();
    }
    auto made = open_in_root(rootfd, path, O_PATH | (file ? 0 : O_DIRECTORY));
    if (!made) return std::optional<Fd>();
    return std::optional<Fd>(std::move(*made));
}

Result<Fd> create_in_root_at_depth(int rootfd, const std::string& path, bool file, mode_t dir_mode, int links,
                                   const BeforeCreate& before_create) {
    auto existing = open_in_root(rootfd, path, O_PATH);
    if (existing || existing.error().errnum != ENOENT) return existing;
    if (links == 0) {
        if (auto made = TRY(create_last_component(rootfd, path, file, dir_mode, before_create))) return std::move(*made);
    }

    // Walk down from the root creating each missing component: every step resolves inside the
    // root again, so a symlink planted on the way cannot lead outside it. A dangling symlink on
    // the way is followed by hand (inside the root), as a path lookup would.
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    Fd dir = TRY(open_in_root(rootfd, "/", O_PATH | O_DIRECTORY));
    size_t start = 0;
    std::string walked;
    bool told = false;  // before_create has been called
    while (start <= rel.size()) {
        size_t slash = rel.find('/', start);
        std::string name = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        bool last = slash == std::string::npos;
        start = last ? rel.size() + 1 : slash + 1;
        if (name.empty() || name == ".") continue;
        struct stat st {};
        bool exists = ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (exists && S_ISLNK(st.st_mode)) {
            if (links >= 40) return Error::sys("create " + path + " in container rootfs", ELOOP);
            std::string target(PATH_MAX, '\0');
            ssize_t n = ::readlinkat(dir.get(), name.c_str(), target.data(), target.size());
            if (n < 0) return Error::sys("readlink " + walked + "/" + name + " in container rootfs");
            target.resize(static_cast<size_t>(n));
            std::string rest = last ? "" : "/" + rel.substr(start);
            std::string next = target.front() == '/' ? target + rest : walked + "/" + target + rest;
            return create_in_root_at_depth(rootfd, next, file, dir_mode, links + 1, before_create);
        }
        if (!exists && !told && before_create) {
            TRY(before_create(dir.get(), last ? name : name + "/" + rel.substr(start)));
            told = true;
        }
        walked += "/" + name;
        if (last && file) {
            int fd = ::openat(dir.get(), name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd < 0 && errno != EEXIST && errno != EISDIR) return Error::sys("create " + walked + " in container rootfs");
            if (fd >= 0) ::close(fd);
        } else if (::mkdirat(dir.get(), name.c_str(), dir_mode) < 0 && errno != EEXIST) {
            return Error::sys("mkdir " + walked + " in container rootfs");
        }
        dir = TRY(open_in_root(rootfd, walked, O_PATH | (last && file ? 0 : O_DIRECTORY)));
    }
    return dir;
}

}  // namespace

Result<Fd> create_in_root(int rootfd, const std::string& path, bool file, mode_t dir_mode,
                          const BeforeCreate& before_create) {
    return create_in_root_at_depth(rootfd, path, file, dir_mode, 0, before_create);
}

}  // namespace rong::sys
