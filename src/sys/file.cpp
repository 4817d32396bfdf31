#include "sys/file.hpp"
#include "sys/mount.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace rong::sys {

Result<Fd> open_file(const std::string& path, int flags, mode_t mode) {
    return open_at(AT_FDCWD, path, flags, mode);
}

Result<Fd> open_at(int dirfd, const std::string& path, int flags, mode_t mode) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return Error::sys("open " + path);
    return Fd(fd);
}

Result<Fd> reopen(int fd, int flags, const std::string& what) {
    Fd opened(::open(fd_path(fd).c_str(), flags | O_CLOEXEC));
    if (!opened) return Error::sys("open " + what);
    struct stat want {}, got {};
    if (::fstat(fd, &want) < 0 || ::fstat(opened.get(), &got) < 0) return Error::sys("fstat " + what);
    if (want.st_dev != got.st_dev || want.st_ino != got.st_ino)
        return Error::msg("open " + what + ": /proc/thread-self/fd led to another file");
    return opened;
}

Result<std::string> read_fd(int fd) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::sys("read");
        }
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

Result<std::string> read_file(const std::string& path) {
    Fd fd = TRY(open_file(path, O_RDONLY));
    auto data = read_fd(fd.get());
    if (!data) return std::move(data).error().wrap(path);
    return data;
}

Result<std::string> read_line_file(const std::string& path) {
    Fd fd = TRY(open_file(path, O_RDONLY));
    std::string out;
    char buf[4096];
    while (out.empty() || out.back() != '\n') {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::sys("read " + path);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Status write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::sys("write " + what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<Fd> memfd_holding(const char* name, std::string_view data) {
    Fd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) return Error::sys("memfd_create");
    TRY(write_all(fd.get(), data, std::string("memfd ") + name));
    if (::lseek(fd.get(), 0, SEEK_SET) < 0) return Error::sys("lseek memfd");
    return fd;
}

Status write_file(const std::string& path, std::string_view data, int flags, mode_t mode) {
    Fd fd = TRY(open_file(path, flags, mode));
    return write_all(fd.get(), data, path);
}

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
    std::string tmp = path + ".tmp";
    {
        Fd fd = TRY(open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
        TRY(write_all(fd.get(), data, tmp));
        // No fsync: rename makes the switch atomic for every reader, and what these files describe
        // (live processes: state, pid files) does not outlive a crash of the machine anyway.
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) return Error::sys("rename " + tmp + " to " + path);
    return {};
}

Status write_pid_file(const std::string& path, pid_t pid) {
    size_t slash = path.rfind('/');
    std::string tmp = slash == std::string::npos ? "." + path : path.substr(0, slash + 1) + "." + path.substr(slash + 1);
    {
        Fd fd = TRY(open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666));
        TRY(write_all(fd.get(), std::to_string(pid), tmp));
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Error::sys("rename " + tmp + " to " + path, err);
    }
    return {};
}

Status move_fd_above(Fd& fd, int min) {
    if (!fd || fd.get() >= min) return {};
    int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, min);
    if (moved < 0) return Error::sys("fcntl F_DUPFD_CLOEXEC");
    fd.reset(moved);
    return {};
}

Status check_preserved_fds(int count) {
    for (int fd = 3; fd < 3 + count; ++fd)
        if (::fcntl(fd, F_GETFD) < 0)
            return Error::sys("preserved fd " + std::to_string(fd) + " (of " + std::to_string(count) + ") is not open");
    return {};
}

void fill_closed_stdio() {
    struct pollfd fds[3] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};  // one call to see all three
    if (::poll(fds, 3, 0) < 0) return;
    for (const auto& p : fds)
        if (p.revents & POLLNVAL) (void)::open("/dev/null", O_RDWR);  // the lowest free number: p.fd
}

void close_fds_except(int first, std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned from = static_cast<unsigned>(first);
    for (int k : keep) {
        if (k < first) continue;
        if (static_cast<unsigned>(k) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(k) - 1, 0);
        from = std::max(from, static_cast<unsigned>(k) + 1);
    }
    ::syscall(SYS_close_range, from, ~0U, 0);
}

Status mkdir_all(const std::string& path, mode_t mode) {
    if (path.empty()) return {};
    for (size_t pos = 1;; ++pos) {
        pos = path.find('/', pos);
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST) return Error::sys("mkdir " + part);
        if (pos == std::string::npos) break;
    }
    return {};
}

}  // namespace rong::sys
