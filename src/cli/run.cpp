// `run`: create + start, then (in the foreground) forward signals to the container, proxy its
// terminal, reap it and delete it, exiting with its status.
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace rong::cli {

namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};

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

// Waits for the init, forwarding signals and proxying the pty; returns its wait status.
Result<int> supervise(pid_t pid, int sigfd, int master) {
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

int cmd_run(const container::StateStore& store, const RunOptions& opts) {
    // Blocked before the clone so none is lost; the init unblocks them for itself.
    sigset_t forwarded, previous;
    sigemptyset(&forwarded);
    for (int sig : kForwarded) sigaddset(&forwarded, sig);
    if (!opts.detach) ::sigprocmask(SIG_BLOCK, &forwarded, &previous);

    // In the foreground with a terminal, rong is its own console socket's receiver.
    sys::Fd console_ours, console_theirs;
    if (!opts.detach && opts.create.console_socket.empty()) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
            console_ours.reset(sv[0]);
            console_theirs.reset(sv[1]);
        }
    }
    auto launched = container::create(store, opts.create, console_theirs ? console_theirs.get() : -1);
    if (!launched) return report_error(launched.error());
    console_theirs.reset();

    sys::Fd master;
    if (console_ours && launched->state.pid > 0) {
        struct pollfd p {
            console_ours.get(), POLLIN, 0
        };
        if (::poll(&p, 1, 0) == 1) {
            auto fd = sys::recv_fd(console_ours.get());
            if (fd) master = std::move(*fd);
        }
    }

    if (auto st = container::start(store, opts.create.id); !st) {
        int code = report_error(st.error());
        (void)container::remove(store, opts.create.id, true);
        return code;
    }
    if (opts.detach) return 0;

    int sigfd = ::signalfd(-1, &forwarded, SFD_CLOEXEC);
    auto status = supervise(launched->state.pid, sigfd, master.get());
    ::close(sigfd);
    if (!status) return report_error(status.error());
    if (!opts.keep) {
        if (auto st = container::remove(store, opts.create.id, true); !st) report_error(st.error());
    }
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    return sys::exit_code_of(*status);
}

}  // namespace rong::cli
