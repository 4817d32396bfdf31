#include "security/process_attrs.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>

#include "spec/kernel_names.hpp"
#include "sys/file.hpp"

namespace rong::security {

Status apply_rlimits(const std::vector<spec::Rlimit>& rlimits) {
    for (const auto& r : rlimits) {
        int resource = spec::rlimit_resource(r.type);
        if (resource < 0) return Error::msg("process.rlimits: unknown type " + r.type);
        struct rlimit lim {
            static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)
        };
        if (::setrlimit(resource, &lim) < 0)
            return Error::sys("setrlimit " + r.type + " " + std::to_string(r.soft) + ":" + std::to_string(r.hard));
    }
    return {};
}

Status set_oom_score_adj(int value) {
    // Written only through an fd that is on procfs (a file planted in its place is refused).
    const char* path = "/proc/self/oom_score_adj";
    sys::Fd fd(::open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::sys(std::string("open ") + path);
    struct statfs sfs {};
    if (::fstatfs(fd.get(), &sfs) < 0) return Error::sys(std::string("statfs ") + path);
    if (sfs.f_type != PROC_SUPER_MAGIC) return Error::msg(std::string(path) + " is not on procfs: refusing to write there");
    return sys::write_all(fd.get(), std::to_string(value), path);
}

Status give_stdio_to(uint32_t uid) {
    std::optional<dev_t> null_device;  // looked up only for a device not already the user's
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) {
            if (errno == EBADF) continue;
            return Error::sys("fstat fd " + std::to_string(fd));
        }
        if (st.st_uid == uid) continue;
        if (S_ISCHR(st.st_mode)) {
            if (!null_device) {
                struct stat null {};
                if (::stat("/dev/null", &null) < 0) return Error::sys("stat /dev/null");
                null_device = null.st_rdev;
            }
            if (st.st_rdev == *null_device) continue;
        }
        // Owner not mapped in our user namespace (EINVAL, EPERM), a read-only /dev (EROFS): left
        // as it is, as runc does, rather than failing the container.
        if (::fchown(fd, uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
            return Error::sys("chown fd " + std::to_string(fd) + " to uid " + std::to_string(uid));
    }
    return {};
}

Status set_user(const spec::User& user) {
    // Leaving uid 0 would clear the permitted set, which the capabilities still to be set need.
    bool keep_caps = user.uid != 0;
    if (keep_caps && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return Error::sys("prctl PR_SET_KEEPCAPS");
    std::vector<gid_t> groups(user.additionalGids.begin(), user.additionalGids.end());
    // setgroups is refused in a user namespace whose setgroups file says "deny"; nothing to set then.
    if (::setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty()))
        return Error::sys("setgroups");
    if (::setresgid(user.gid, user.gid, user.gid) < 0) return Error::sys("setresgid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) < 0) return Error::sys("setresuid " + std::to_string(user.uid));
    if (keep_caps && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return Error::sys("prctl PR_SET_KEEPCAPS");
    return {};
}

Status set_no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return Error::sys("prctl PR_SET_NO_NEW_PRIVS");
    return {};
}

namespace {

// One line of /etc/passwd split at its colons: name:password:uid:gid:gecos:home:shell.
std::vector<std::string> passwd_fields(const std::string& line) {
    std::vector<std::string> f;
    for (size_t s = 0;;) {
        size_t c = line.find(':', s);
        f.push_back(line.substr(s, c == std::string::npos ? std::string::npos : c - s));
        if (c == std::string::npos) return f;
        s = c + 1;
    }
}

}  // namespace

std::optional<std::vector<std::string>> passwd_entry(uint32_t uid) {
    // The image's file, so read as a stream with limits: a FIFO there must not block us
    // (O_NONBLOCK), nor /dev/zero fill our memory (a line longer than 64 KiB, runc's limit, is
    // skipped; 16 MiB at most are read).
    constexpr size_t kLineMax = 64 * 1024, kReadMax = 16 * 1024 * 1024;
    sys::Fd fd(::open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return std::nullopt;
    const std::string want = std::to_string(uid);
    std::string line;
    bool overlong = false;
    auto matches = [&]() {
        if (overlong) return false;
        auto f = passwd_fields(line);
        return f.size() >= 7 && f[2] == want;
    };
    // On the stack, where only what is read is touched: the zeroed 64 KiB heap buffer it replaced
    // had the init fault in every page of it.
    char buf[16 * 1024];
    for (size_t total = 0; total < kReadMax;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        total += static_cast<size_t>(n);
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[static_cast<size_t>(i)] != '\n') {
                if (line.size() < kLineMax) line.push_back(buf[static_cast<size_t>(i)]);
                else overlong = true;
                continue;
            }
            if (matches()) return passwd_fields(line);
            line.clear();
            overlong = false;
        }
    }
    if (!line.empty() && matches()) return passwd_fields(line);
    return std::nullopt;
}

std::vector<std::string> process_env(const std::vector<std::string>& env, uint32_t uid) {
    // As runc's init builds it (Go's Setenv): a name given twice keeps its first place and its
    // last value.
    std::vector<std::string> out;
    std::map<std::string, size_t, std::less<>> place;
    for (const auto& e : env) {
        std::string name = e.substr(0, e.find('='));
        auto [it, added] = place.try_emplace(name, out.size());
        if (added)
            out.push_back(e);
        else
            out[it->second] = e;
    }
    auto home = place.find("HOME");
    if (home != place.end() && out[home->second] != "HOME=") return out;
    auto entry = passwd_entry(uid);
    std::string value = "HOME=" + (entry && !(*entry)[5].empty() ? (*entry)[5] : std::string("/"));
    if (home != place.end())
        out[home->second] = value;  // empty is unset (runc)
    else
        out.push_back(value);
    return out;
}

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env) {
    auto executable = [](const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        if (executable(name)) return name;
        // Clients tell the two apart (podman: 127 for a missing binary, 126 for one it can't run).
        struct stat st {};
        if (::stat(name.c_str(), &st) < 0) {
            // Go's wording, as runc's: strerror in lower case ("no such file or directory").
            int err = errno;
            std::string why = std::strerror(err);
            if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
            return Error{"exec: \"" + name + "\": stat " + name + ": " + why, err};
        }
        return Error{"exec: \"" + name + "\": permission denied", EACCES};
    }
    // No PATH (or an empty one): nothing is searched, as runc and crun do (no default).
    std::string path_var;
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
    size_t start = 0;
    while (!path_var.empty() && start <= path_var.size()) {
        size_t colon = path_var.find(':', start);
        std::string dir = path_var.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (executable(candidate)) return candidate;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return Error{"exec: \"" + name + "\": executable file not found in $PATH", ENOENT};
}

}  // namespace rong::security
