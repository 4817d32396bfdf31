#include "cli/supervise.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "sys/socket.hpp"

namespace rong::cli {

namespace {


// Puts the caller's terminal in raw mode for the time of the proxy, and back.
class RawTerminal {
public:
    RawTerminal() {
        if (!::isatty(0) || ::tcgetattr(0, &saved_) < 0) return;
        struct termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) ::tcsetattr(0, TCSANOW, &saved_);
    }

private:
    struct termios saved_ {};
    bool active_ = false;
};

void copy_winsize(int master) {
    struct winsize ws {};
    if (::ioctl(0, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

bool pump(int from, int to) {
    char buf[16384];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        off += w;
    }
    return true;
}

Result<int> supervise_with(pid_t pid, int sigfd, int master) {
    std::optional<RawTerminal> raw;
    if (master >= 0) {
        raw.emplace();
        copy_winsize(master);
    }
    bool stdin_open = master >= 0, master_open = master >= 0;
    for (;;) {
        struct pollfd p[3] = {{sigfd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}, {master_open ? master : -1, POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::sys("poll");
        }
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) master_open = pump(master, 1);
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) stdin_open = pump(0, master);
        if (!(p[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si {};
        if (::read(sigfd, &si, sizeof si) != sizeof si) continue;
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGWINCH && master >= 0) {
            copy_winsize(master);
        } else if (sig != SIGCHLD) {
            ::kill(pid, sig);
            continue;
        }
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            // Drain what the container wrote last.
            while (master_open && pump(master, 1)) {
            }
            return status;
        }
    }
}

}  // namespace

ForwardedSignals::ForwardedSignals() {
    sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD}) sigaddset(&set_, sig);
    ::sigprocmask(SIG_BLOCK, &set_, &previous_);
}

ForwardedSignals::~ForwardedSignals() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }

Result<int> ForwardedSignals::supervise(pid_t pid, int master) {
    sys::Fd sigfd(::signalfd(-1, &set_, SFD_CLOEXEC));
    if (!sigfd) return Error::sys("signalfd");
    return supervise_with(pid, sigfd.get(), master);
}

}  // namespace rong::cli
