// Whole-file reads and writes with errors that name the path.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"
#include "sys/fd.hpp"

namespace rong::sys {

Result<Fd> open_file(const std::string& path, int flags, mode_t mode = 0);
Result<Fd> open_at(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// `fd` (an O_PATH one) opened anew with `flags` through /proc/thread-self/fd, and checked to be
// the same file: what the path there leads to is whatever /proc the caller sees. `what` names it.
Result<Fd> reopen(int fd, int flags, const std::string& what);
Result<std::string> read_file(const std::string& path);
// A file of one line (/proc/<pid>/stat, a cgroup value): read up to its newline, which spares
// the read that would only find the end of the file.
Result<std::string> read_line_file(const std::string& path);
Result<std::string> read_fd(int fd);
Status write_file(const std::string& path, std::string_view data, int flags = O_WRONLY | O_TRUNC | O_CREAT,
                  mode_t mode = 0644);
Status write_all(int fd, std::string_view data, const std::string& what);
// A memfd (close-on-exec) holding `data`, its offset back at 0: what a reader of it gets whole
// (a hook's stdin, a sync message too large for a datagram).
Result<Fd> memfd_holding(const char* name, std::string_view data);
// write to a temporary file in the same directory, rename over `path` (no fsync: see file.cpp).
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0600);
// --pid-file, as runc writes it: "<dir>/.<name>" made anew (O_EXCL: a file of that name is
// somebody else's), mode 0666 less the umask, then renamed over `path`.
Status write_pid_file(const std::string& path, pid_t pid);
// Moves `fd` to a number >= min (close-on-exec), so it cannot sit where preserved fds go.
Status move_fd_above(Fd& fd, int min);
// The caller's fds 3 .. 3+count-1, which are to reach the container's process, are all open: else
// an fd of rong's would take a free number among them, and reach it too (--preserve-fds).
Status check_preserved_fds(int count);
// Closes every fd from `first` on but those in `keep`: what a process entering the container
// holds of the host (a directory of its cgroup, of the state, or whatever the caller left open)
// must not be reachable through /proc/self/fd while it resolves its cwd and executable
// (CVE-2024-21626). close-on-exec is too late for that: those paths are resolved before execve.
void close_fds_except(int first, std::vector<int> keep);
// /dev/null on each of fds 0-2 the caller left closed: a file rong opens must never take their
// place (and become the container's stdio), and the container's process starts with all three.
void fill_closed_stdio();
// mkdir -p, mode for the directories it creates.
Status mkdir_all(const std::string& path, mode_t mode = 0755);

}  // namespace rong::sys
