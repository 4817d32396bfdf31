#include "sys/process.hpp"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sys/file.hpp"

namespace rong::sys {

Result<pid_t> clone_process(uint64_t flags, Fd* pidfd_out, int cgroup_fd) {
    struct clone_args args {};
    int pidfd = -1;
    args.flags = flags;
    // With CLONE_PARENT the kernel takes the caller's exit signal and refuses any other.
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (pidfd_out) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    }
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS && cgroup_fd < 0) {
        // Kernels before 5.3: plain clone has the same semantics for what we ask of it.
        args.flags &= ~static_cast<uint64_t>(CLONE_PIDFD);
        pid = ::syscall(SYS_clone, args.flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
        if (pid > 0 && pidfd_out) {
            auto fd = open_child_pidfd(static_cast<pid_t>(pid));
            if (fd) pidfd = fd->release();
        }
    }
    if (pid < 0) return Error::sys("clone3");
    if (pid > 0 && pidfd_out) pidfd_out->reset(pidfd);
    return static_cast<pid_t>(pid);
}

Result<Fd> open_child_pidfd(pid_t pid) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return Error::sys("pidfd_open " + std::to_string(pid));
    return Fd(fd);
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    auto text = read_line_file(path);
    if (!text) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: parse from the last ')'.
    auto close = text->rfind(')');
    if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
    const char* p = text->c_str() + close + 2;
    ProcStat st;
    st.state = *p;
    // Fields after the state: ppid is field 4, starttime field 22.
    int field = 3;
    while (*p && field < 22) {
        if (*p == ' ') {
            ++field;
            if (field == 4) st.ppid = static_cast<pid_t>(std::strtol(p + 1, nullptr, 10));
            if (field == 22) st.start_time = std::strtoull(p + 1, nullptr, 10);
        }
        ++p;
    }
    return st;
}

Result<SelfStatus> read_self_status() {
    std::string status = TRY(read_line_file("/proc/self/status"));
    auto hex_field = [&](const char* name) -> std::optional<uint64_t> {
        auto at = status.find(std::string("\n") + name + ":");
        if (at == std::string::npos) return std::nullopt;
        return std::strtoull(status.c_str() + at + std::strlen(name) + 2, nullptr, 16);
    };
    auto ignored = hex_field("SigIgn");
    if (!ignored) return Error::msg("/proc/self/status: no SigIgn line");
    return SelfStatus{*ignored, hex_field("CapBnd")};
}

Status default_ignored_signals(uint64_t ignored) {
    for (int sig = 1; sig <= 64; ++sig) {
        if (!(ignored & (uint64_t{1} << (sig - 1)))) continue;
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        // (glibc keeps two real-time signals for itself and refuses them: EINVAL)
        if (::sigaction(sig, &dfl, nullptr) < 0 && errno != EINVAL) return Error::sys("sigaction " + std::to_string(sig));
    }
    return {};
}

bool process_alive(pid_t pid, uint64_t start_time) {
    if (pid <= 0) return false;
    auto st = read_proc_stat(pid);
    return st && st->start_time == start_time && st->state != 'Z' && st->state != 'X';
}

Result<Fd> open_pidfd(pid_t pid, uint64_t start_time) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) {
        // EINVAL: the number no longer leads a thread group. Ours is being reaped right now (its
        // pid outlives it for a moment), or the number is another process's thread: gone either way.
        if (errno == ESRCH || errno == EINVAL) return Error{"no such process", ESRCH};
        return Error::sys("pidfd_open " + std::to_string(pid));
    }
    Fd pidfd(fd);
    // Checked after opening: from here on the pidfd pins this very process.
    if (!process_alive(pid, start_time)) return Error{"no such process", ESRCH};
    return pidfd;
}

Status send_signal(int pidfd, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) {
        if (errno == ESRCH) return Error{"no such process", ESRCH};
        return Error::sys("pidfd_send_signal");
    }
    return {};
}

std::vector<char*> exec_vector(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

Result<int> wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Error::sys("waitpid " + std::to_string(pid));
    }
    return status;
}

int exit_code_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

std::optional<int> parse_signal(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (name.find_first_not_of("0123456789") == std::string::npos) {
        long n = std::strtol(name.c_str(), nullptr, 10);  // 0 probes for existence, as kill(2)
        if (n < 0 || n > SIGRTMAX) return std::nullopt;
        return static_cast<int>(n);
    }
    // runc upper-cases the name: "kill", "sigkill" and "SIGKILL" are one signal.
    std::string upper = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string bare = upper.rfind("SIG", 0) == 0 ? upper.substr(3) : upper;
    if (bare == "IO") return SIGIO;  // glibc's abbreviation for 29 is POLL; runc knows it as IO
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = sigabbrev_np(sig);
        if (abbrev && bare == abbrev) return sig;
    }
    // RTMIN+n / RTMAX-n, as kill(1) spells them.
    int rt = 0;
    if (bare.rfind("RTMIN+", 0) == 0)
        rt = SIGRTMIN + std::atoi(bare.c_str() + 6);
    else if (bare.rfind("RTMAX-", 0) == 0)
        rt = SIGRTMAX - std::atoi(bare.c_str() + 6);
    if (rt >= SIGRTMIN && rt <= SIGRTMAX) return rt;
    return std::nullopt;
}

}  // namespace rong::sys
